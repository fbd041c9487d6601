"""An arm's drug exposure restricted to some of its patients (one block of a virtual trial).

The exposures of a whole arm are computed once, centrally (their population-PK random effects are drawn for
the arm as a whole, so they must not depend on how the arm is later cut into blocks); each block then takes
its rows. The exposure types of :mod:`lenvici.sim.solver` are rebuilt from their row slices, so a block
carries only its own patients' data (what a Dask task ships) and stays a type the compiled engine runs;
any other exposure is wrapped in a view that maps the block's rows onto the arm's. Either way every patient
sees exactly the inputs it had in the whole arm.
"""

from __future__ import annotations

import numpy as np

from lenvici.sim.solver import (
    ConstantExposure,
    DoseEventExposure,
    Exposure,
    GridExposure,
    StackedExposure,
    StepExposure,
    ZeroExposure,
)

__all__ = ["take_exposure"]


def take_exposure(exposure: Exposure | None, idx, n_patients: int) -> Exposure | None:
    """The rows ``idx`` of ``exposure`` (which holds ``n_patients`` patients), as an exposure of ``len(idx)``."""
    idx = np.asarray(idx, dtype=int)
    if exposure is None or isinstance(exposure, ZeroExposure):
        return exposure
    if isinstance(exposure, ConstantExposure):
        m = idx.size
        return ConstantExposure(exposure.names, exposure.values(np.zeros(m), idx, np.zeros(m)).T)
    if isinstance(exposure, StepExposure):
        return StepExposure(exposure.names, exposure.times[idx], exposure.levels[idx])
    if isinstance(exposure, GridExposure):
        return GridExposure(exposure.names, exposure.t, exposure.v[idx], exposure.breakpoints(n_patients)[idx])
    if isinstance(exposure, DoseEventExposure):
        def rows(a):  # arrays with a leading 1 are shared by all patients
            return a if a.shape[0] == 1 else a[idx]
        return DoseEventExposure(exposure.names, rows(exposure.amplitudes), rows(exposure.rates),
                                 rows(exposure.dose_times), rows(exposure.doses))
    if isinstance(exposure, StackedExposure):
        return StackedExposure([take_exposure(p, idx, n_patients) for p in exposure.parts])
    return _RowView(exposure, idx, n_patients)


class _RowView(Exposure):
    """Any exposure seen through a subset of its rows (local row ``i`` is the base's row ``idx[i]``)."""

    def __init__(self, base: Exposure, idx: np.ndarray, n_patients: int):
        self.base, self.idx, self.n_patients = base, idx, n_patients
        self.names = base.names

    def values(self, t, rows, t_start):
        return self.base.values(t, self.idx[rows], t_start)

    def derivatives(self, t, rows, t_start):
        return self.base.derivatives(t, self.idx[rows], t_start)

    def breakpoints(self, n_patients: int) -> np.ndarray:
        return self.base.breakpoints(self.n_patients)[self.idx]
