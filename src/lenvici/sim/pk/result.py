"""The typed results of a PK simulation: concentration-time arrays, exposure metrics and a plot."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk._structure import DoseInputs
from lenvici.sim.pk.model import IndividualParameters
from lenvici.sim.pk.molar import nanomolar

__all__ = ["PKResult", "ExposureMetrics"]


@dataclass(frozen=True)
class ExposureMetrics:
    """Exposure of each patient over [start, end] (days).

    ``auc`` is in (concentration unit) x day; ``auc_method`` says whether it is exact (``mass-balance``: amount
    eliminated / clearance, for a constant clearance) or the trapezoid rule on the output grid. ``cmax``,
    ``tmax`` and ``cmin`` are read on the output grid, so they are only as fine as that grid.
    """

    start: float
    end: float
    auc: np.ndarray
    cmax: np.ndarray
    tmax: np.ndarray
    cmin: np.ndarray
    concentration_unit: str
    auc_method: str

    @property
    def cavg(self) -> np.ndarray:
        """Average concentration, AUC / (end - start)."""
        return self.auc / (self.end - self.start)

    @property
    def auc_unit(self) -> str:
        return f"{self.concentration_unit}*day"


@dataclass(frozen=True)
class PKResult:
    """Concentrations of N patients at T times.

    Attributes
    ----------
    model_id, drug
        The model simulated.
    times
        Output times in days, shape (T,).
    concentration
        Plasma concentration in ``concentration_unit`` (ng/mL for lenvatinib, ug/mL for sorafenib and the
        antibodies), shape (N, T). At an administration time it is the value just after the dose.
    amounts
        Amount in each compartment (mg), shape (N, T, n), in the order of ``state_names``.
    method
        ``modal`` (exact eigen-solution) or ``expm`` (matrix exponential on a grid; exact for time-invariant
        systems, exponential midpoint rule for a time-varying clearance).
    """

    model_id: str
    drug: str
    times: np.ndarray
    concentration: np.ndarray
    amounts: np.ndarray
    state_names: tuple[str, ...]
    concentration_unit: str
    method: str
    parameters: IndividualParameters = field(repr=False)
    inputs: DoseInputs = field(repr=False)
    elimination_clearance: np.ndarray | None = field(repr=False, default=None)
    concentration_factor: float = field(repr=False, default=1.0)
    molecular_weight: float | None = field(repr=False, default=None)
    fraction_unbound: float = field(repr=False, default=1.0)

    @property
    def n_patients(self) -> int:
        return self.concentration.shape[0]

    def unbound_nanomolar(self) -> np.ndarray:
        """Unbound plasma concentration in nmol/L (N, T): total x fraction unbound / molecular weight."""
        return nanomolar(self.concentration, self.concentration_unit, self.molecular_weight, self.drug) \
            * self.fraction_unbound

    def _index(self, t: float, name: str) -> int:
        hit = np.nonzero(np.isclose(self.times, t, rtol=0.0, atol=1e-9))[0]
        if hit.size == 0:
            raise InputError(f"'{name}' = {t} is not one of the output times", field=name)
        return int(hit[0])

    def exposure(self, start: float, end: float) -> ExposureMetrics:
        """AUC, Cmax, Tmax and Cmin over [start, end]; both must be output times."""
        i0, i1 = self._index(start, "start"), self._index(end, "end")
        if i1 <= i0:
            raise InputError("'end' must come after 'start'", field="end")
        window = slice(i0, i1 + 1)
        conc = self.concentration[:, window]
        t = self.times[window]
        if self.elimination_clearance is not None:
            total = self.amounts.sum(axis=2)
            delivered = self.inputs.delivered(self.times[i1]) - self.inputs.delivered(self.times[i0])
            eliminated = delivered - (total[:, i1] - total[:, i0])
            auc = eliminated / self.elimination_clearance * self.concentration_factor
            method = "mass-balance"
        else:
            auc = np.trapezoid(conc, t, axis=1)
            method = "trapezoid"
        k = conc.argmax(axis=1)
        return ExposureMetrics(float(self.times[i0]), float(self.times[i1]), auc, conc.max(axis=1), t[k],
                               conc.min(axis=1), self.concentration_unit, method)

    def plot(self, ax=None, *, patients=None, log: bool = False):
        """Concentration against time (days): individual curves for up to 20 patients, else the median and the
        5th-95th percentile band. Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        conc = self.concentration if patients is None else self.concentration[np.asarray(patients)]
        if conc.shape[0] <= 20:
            ax.plot(self.times, conc.T, lw=1)
        else:
            lo, med, hi = np.percentile(conc, [5, 50, 95], axis=0)
            ax.fill_between(self.times, lo, hi, alpha=0.3, label="5th-95th percentile")
            ax.plot(self.times, med, lw=1.5, label="median")
            ax.legend()
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("time (days)")
        ax.set_ylabel(f"{self.drug} ({self.concentration_unit})")
        ax.set_title(self.model_id)
        return ax
