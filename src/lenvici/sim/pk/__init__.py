"""Pharmacokinetics: published population PK models of lenvatinib, sorafenib and the checkpoint antibodies.

Every parameter, with its unit, source and verification status, lives in ``lenvici/data/sim/pk_parameters.yaml``
(see ``docs/pk.md``). Dosing enters as events (:class:`DosingSchedule`); :func:`simulate` gives concentrations of
N patients on a time grid (exact between events); :class:`PKEvaluator` evaluates them exactly at any
(patient, time) pairs with their time derivatives and breakpoints (an exposure for the PD integrator);
:class:`PKSystem` gives the right-hand-side pieces for an ODE solver that carries the PK states itself.

>>> from lenvici.sim.pk import default_model, oral_schedule, simulate
>>> model = default_model("lenvatinib")
>>> params = model.sample_parameters({"weight_kg": [55.0, 80.0]}, seed=1)
>>> res = simulate(model, params, oral_schedule([8.0, 12.0], 28), [0.0, 1.0, 27.0, 28.0])
>>> res.concentration.shape
(2, 4)
"""

from lenvici.sim.pk._schema import (
    CONTINUOUS_COVARIATES,
    INDICATOR_COVARIATES,
    STATUSES,
    PKParameterFile,
    load_pk_parameters,
)
from lenvici.sim.pk._structure import DoseInputs, DosingClockGate, ModalForm, Structure
from lenvici.sim.pk.antibodies import IntravenousTwoCompartment, clearance_factor
from lenvici.sim.pk.dosing import (
    DosingSchedule,
    infusion_schedule,
    oral_schedule,
    oral_schedule_from_daily,
    weight_based_dose,
)
from lenvici.sim.pk.evaluate import PKEvaluator, pk_evaluator
from lenvici.sim.pk.lenvatinib import OralDepotThreeCompartment
from lenvici.sim.pk.model import (
    DrugConstants,
    IndividualParameters,
    PKModel,
    as_generator,
    available_models,
    default_model,
    load_model,
)
from lenvici.sim.pk.molar import nanomolar
from lenvici.sim.pk.result import ExposureMetrics, PKResult
from lenvici.sim.pk.simulate import METHODS, simulate
from lenvici.sim.pk.sorafenib import N_TRANSIT, OralTransitEnterohepatic
from lenvici.sim.pk.system import PKSystem, pk_system
from lenvici.sim.pk.table import markdown_table, parameter_rows

__all__ = [
    "CONTINUOUS_COVARIATES",
    "INDICATOR_COVARIATES",
    "METHODS",
    "N_TRANSIT",
    "STATUSES",
    "DoseInputs",
    "DosingClockGate",
    "DosingSchedule",
    "DrugConstants",
    "ExposureMetrics",
    "IndividualParameters",
    "IntravenousTwoCompartment",
    "ModalForm",
    "OralDepotThreeCompartment",
    "OralTransitEnterohepatic",
    "PKModel",
    "PKParameterFile",
    "PKEvaluator",
    "PKResult",
    "PKSystem",
    "Structure",
    "as_generator",
    "available_models",
    "clearance_factor",
    "default_model",
    "infusion_schedule",
    "load_model",
    "load_pk_parameters",
    "markdown_table",
    "nanomolar",
    "oral_schedule",
    "oral_schedule_from_daily",
    "parameter_rows",
    "pk_evaluator",
    "pk_system",
    "simulate",
    "weight_based_dose",
]
