"""Survival analysis: Kaplan–Meier, log-rank, Cox, parametric fits, and patient data from published curves.

Statistics only — no HCC knowledge (DESIGN §1, layer 4). Times are in the caller's unit and medians
come back in it; the HCC layers use months. Built on lifelines, with R's survival package (KM, log-rank,
Cox) and flexsurv's parameterisations (parametric families) as the references.

=======================================  ===================================================================
``kaplan_meier``                         KM curve, Greenwood SE, CI type ``log`` (R default), ``log-log``,
                                         ``plain``; median and quantiles with CIs as ``survfit``
``at_risk_table``                        numbers at risk, events, censored and S(t) at chosen times
``logrank_test``                         log-rank test, k groups, optionally stratified (``survdiff``)
``cox_ph``                               Cox regression, Efron ties, HR with CI, LR/Wald/score tests
``fit_parametric``                       exponential, Weibull, log-normal, log-logistic, Gompertz,
``fit_parametric_models``                generalised gamma — flexsurv parameters, AIC/BIC
``reconstruct_ipd``                      patient data from a digitised KM curve + numbers at risk (Guyot 2012)
=======================================  ===================================================================
"""

from lenvici.survival.at_risk import AtRiskTable, at_risk_table, regular_times
from lenvici.survival.confint import survival_confint
from lenvici.survival.cox import ChiSquareTest, CoxResult, cox_ph
from lenvici.survival.digitised import CleanAtRisk, CleanCurve, clean_at_risk, clean_curve
from lenvici.survival.distributions import (
    FAMILIES,
    Family,
    cumulative_hazard,
    density_function,
    hazard_function,
    quantile_function,
    survival_function,
)
from lenvici.survival.io import read_at_risk_csv, read_curve_csv, read_ipd_csv, write_ipd_csv
from lenvici.survival.km import KaplanMeierResult, QuantileEstimate, kaplan_meier
from lenvici.survival.logrank import LogRankResult, logrank_test
from lenvici.survival.parametric import ParametricComparison, ParametricFit, fit_parametric, fit_parametric_models
from lenvici.survival.quantile import curve_quantile
from lenvici.survival.reconstruct import ReconstructedIPD, reconstruct_ipd

__all__ = [
    "AtRiskTable",
    "at_risk_table",
    "regular_times",
    "survival_confint",
    "ChiSquareTest",
    "CoxResult",
    "cox_ph",
    "CleanAtRisk",
    "CleanCurve",
    "clean_at_risk",
    "clean_curve",
    "FAMILIES",
    "Family",
    "cumulative_hazard",
    "density_function",
    "hazard_function",
    "quantile_function",
    "survival_function",
    "read_at_risk_csv",
    "read_curve_csv",
    "read_ipd_csv",
    "write_ipd_csv",
    "KaplanMeierResult",
    "QuantileEstimate",
    "kaplan_meier",
    "LogRankResult",
    "logrank_test",
    "ParametricComparison",
    "ParametricFit",
    "fit_parametric",
    "fit_parametric_models",
    "curve_quantile",
    "ReconstructedIPD",
    "reconstruct_ipd",
]
