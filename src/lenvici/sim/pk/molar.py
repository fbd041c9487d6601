"""Mass concentrations to molar ones, for target engagement in the pharmacodynamic model.

``C [nmol/L] = C [mg/L] / MW [g/mol] * 1e6``; the unbound concentration multiplies by the unbound fraction
(lenvatinib 1-2% unbound, sorafenib 0.5%, antibodies 1 - their binding to PD-1/PD-L1 is the PD model's).
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk._units import CONCENTRATION_UNITS

__all__ = ["nanomolar"]


def nanomolar(concentration, unit: str, molecular_weight: float | None, drug: str = "the drug") -> np.ndarray:
    """``concentration`` in ``unit`` (ng/mL, ug/mL or mg/L) as nmol/L, for a molecular weight in g/mol.

    Examples
    --------
    >>> round(float(nanomolar(1.0, "ug/mL", 149000.0)), 4)  # pembrolizumab, 1 ug/mL
    6.7114
    """
    if unit not in CONCENTRATION_UNITS:
        raise InputError(f"unknown concentration unit {unit!r}; accepted: {', '.join(CONCENTRATION_UNITS)}",
                         field="unit")
    if molecular_weight is None:
        raise InputError(f"no verified molecular weight is recorded for {drug}; molar units are not available",
                         field="drug")
    mg_per_l = np.asarray(concentration, dtype=float) / CONCENTRATION_UNITS[unit]
    return mg_per_l / molecular_weight * 1e6
