"""Published pharmacokinetic numbers the PK models are checked against, each with its source.

None of these numbers is computed by lenvici; each is copied from the publication or label named beside it. Where
the number was read through a secondary source (not the primary text), ``via`` says so.
"""

# --- lenvatinib -----------------------------------------------------------------------------------------------

#: Tamai 2017 (J Clin Pharmacol 57:1138-1147), Results, body-weight simulation behind Figure 5: "the predicted AUC
#: of subjects with body weight < 60 kg is calculated at between 1540 and 2050 ng*h/mL, and the predicted AUC of
#: subjects with body weight >= 60 kg is calculated at between 1410 and 2310 ng*h/mL" (weight range 40-120 kg;
#: 8 mg below 60 kg, 12 mg from 60 kg). Mean steady-state AUC over the between-subject distribution.
#: via: quoted in the nlmixr2lib vignette Tamai_2017_lenvatinib (the paper's text was not read directly).
TAMAI2017_AUC_NG_H_PER_ML = {  # (weight_kg, dose_mg): AUC
    (40.0, 8.0): 2050.0,
    (60.0, 8.0): 1540.0,
    (60.0, 12.0): 2310.0,
    (120.0, 12.0): 1410.0,
}

#: LENVIMA label, section 12.3 / Pharmacocinetique: "tmax 1 to 4 hours" after an oral dose.
LENVIMA_TMAX_RANGE_H = (1.0, 4.0)
#: LENVIMA label, section 12.3: Cmax and AUC "increased proportionally over the dose range of 3.2 to 32 mg".
LENVIMA_PROPORTIONAL_DOSES_MG = (3.2, 32.0)
#: LENVIMA label, section 12.3 / Distribution: plasma protein binding 98% to 99%.
LENVIMA_PROTEIN_BINDING = (0.98, 0.99)
#: LENVIMA label, section 11: lenvatinib mesylate, C21H19ClN4O4 . CH4O3S, molecular weight 522.96.
LENVIMA_MESYLATE_MW = 522.96
#: Gupta 2016 abstract: population mean CL/F 6.56 L/h.
GUPTA2016_CL_L_PER_H = 6.56

# --- sorafenib ------------------------------------------------------------------------------------------------

#: NEXAVAR label, section 12.3: "Multiple doses of NEXAVAR for 7 days resulted in a 2.5- to 7-fold accumulation
#: compared to a single dose. Steady-state plasma sorafenib concentrations were achieved within 7 days, with a
#: peak-to-trough ratio of mean concentrations of less than 2."
NEXAVAR_ACCUMULATION_DAY7 = (2.5, 7.0)
NEXAVAR_PEAK_TO_TROUGH_MAX = 2.0
NEXAVAR_STEADY_STATE_DAYS = 7.0
#: NEXAVAR label, Swiss Fachinformation: plasma protein binding 99.5%.
NEXAVAR_PROTEIN_BINDING = 0.995

# --- pembrolizumab --------------------------------------------------------------------------------------------

#: KEYTRUDA label, section 12.3: clearance about 23% lower at steady state [geometric mean 195 mL/day (CV 40%)]
#: than after the first dose [252 mL/day (CV 37%)]; Vss 6.0 L (CV 20%); terminal half-life 22 days (CV 32%);
#: steady state by 16 weeks of every-3-week dosing; systemic accumulation 2.1-fold.
KEYTRUDA_CL_FIRST_DOSE_L_PER_DAY = 0.252
KEYTRUDA_CL_STEADY_STATE_L_PER_DAY = 0.195
KEYTRUDA_VSS_L = 6.0
KEYTRUDA_HALF_LIFE_DAYS = 22.0
KEYTRUDA_STEADY_STATE_WEEKS = 16.0
KEYTRUDA_ACCUMULATION = 2.1
#: KEYTRUDA label, section 11: approximate molecular weight 149 kDa.
KEYTRUDA_MW = 149000.0
#: Freshwater T, et al. Evaluation of dosing strategy for pembrolizumab for oncology indications. J Immunother
#: Cancer. 2017;5:43, abstract: mean (CV) AUCss over 6 weeks 1.87 mg*day/mL (37%, n = 830) at 200 mg Q3W.
FRESHWATER2017_AUC_6WK_UG_DAY_PER_ML = 1870.0
FRESHWATER2017_AUC_CV = 0.37

# --- nivolumab ------------------------------------------------------------------------------------------------

#: OPDIVO label (Swiss Fachinformation, Pharmakokinetik): clearance decreases over time, mean maximal reduction 26%
#: (CV 32.6%), geometric mean steady-state clearance 7.91 mL/h (CV 46%); Vss 6.6 L (CV 24.4%); terminal half-life
#: 25 days (CV 55.4%); with 3 mg/kg every 2 weeks steady state by 12 weeks and 3.7-fold accumulation.
OPDIVO_MAX_CL_REDUCTION = 0.26
OPDIVO_CLSS_ML_PER_H = 7.91
OPDIVO_VSS_L = 6.6
OPDIVO_HALF_LIFE_DAYS = 25.0
OPDIVO_STEADY_STATE_WEEKS = 12.0
OPDIVO_ACCUMULATION = 3.7
#: OPDIVO label, section 11: calculated molecular mass 146 kDa.
OPDIVO_MW = 146000.0

# --- atezolizumab ---------------------------------------------------------------------------------------------

#: TECENTRIQ SmPC / Swiss Fachinformation section 5.2: V1 3.28 L, Vss 6.91 L, CL 0.200 L/day (typical patient);
#: steady state after 6-9 weeks; accumulation 1.91 (AUC), 1.46 (Cmax), 2.75 (Cmin).
TECENTRIQ_CL_L_PER_DAY = 0.200
TECENTRIQ_V1_L = 3.28
TECENTRIQ_VSS_L = 6.91
TECENTRIQ_ACCUMULATION = {"auc": 1.91, "cmax": 1.46, "cmin": 2.75}
#: Tecentriq s.c. Swiss Fachinformation, Table 6: intravenous atezolizumab 1200 mg q3w at steady state, geometric
#: mean trough 179 ug/mL (5th-95th percentile 98.4-313) and AUC 6107 ug/mL*day (3890-9334).
TECENTRIQ_IV_CTROUGH_SS = 179.0
TECENTRIQ_IV_AUC_SS = 6107.0
