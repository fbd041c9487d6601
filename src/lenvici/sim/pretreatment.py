"""The pre-treatment growth phase: each virtual patient grows, untreated, from a small tumour to its
baseline size. Computed once per patient and reused for every arm of every trial.

The untreated model is integrated from ``initial_volume`` (with the vascular capacity at its untreated
quasi-equilibrium and the immune states at their untreated values) until the RECIST (total-burden) diameter
reaches the patient's baseline diameter, located as a terminating event. The plateau of untreated growth is
set per patient, ``v_max = plateau_ratio × baseline volume``, so that every baseline is reachable and sits
in the decelerating phase of growth. Both hazards are reset to zero at the end: they count from the start
of treatment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.model import compile_model, hcc_model, load_parameters
from lenvici.sim.solver import RESULTS, OutputEvent, PIController, simulate

__all__ = ["PretreatmentResult", "pretreatment_state", "diameter_to_volume", "volume_to_diameter",
           "untreated_initial_state"]


def diameter_to_volume(d_mm) -> np.ndarray:
    """Volume (mL) of a sphere of diameter ``d_mm`` (mm): ``π/6 · (d/10)³``."""
    return np.pi / 6.0 * (np.asarray(d_mm, dtype=float) / 10.0) ** 3


def volume_to_diameter(v_ml) -> np.ndarray:
    """Diameter (mm) of a sphere of volume ``v_ml`` (mL)."""
    return 10.0 * (6.0 * np.asarray(v_ml, dtype=float) / np.pi) ** (1.0 / 3.0)


@dataclass(frozen=True)
class PretreatmentResult:
    """State of each patient at treatment start.

    Attributes
    ----------
    y0
        ``(N, n_states)`` states at treatment start (hazards zero).
    params
        ``(N, n_params)`` the input parameters with ``v_max`` set per patient.
    days
        ``(N,)`` untreated growth time from ``initial_volume`` to baseline (days).
    status
        ``(N,)`` :class:`~lenvici.sim.solver.RESULTS` codes; ``event_occurred`` is success here.
    """

    y0: np.ndarray
    params: np.ndarray
    days: np.ndarray
    status: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return self.status == int(RESULTS.event_occurred)

    def message(self, i: int) -> str:
        if self.ok[i]:
            return "reached the baseline diameter"
        if self.status[i] == int(RESULTS.successful):
            return "baseline diameter not reached within max_days"
        return RESULTS(int(self.status[i])).message


def untreated_initial_state(params: np.ndarray, volume) -> np.ndarray:
    """A small untreated tumour: viable volume ``volume`` (mL), no necrosis, capacity at its untreated
    quasi-equilibrium ``K = v_max^(2/3) · V^(1/3)``, immune states at typical untreated values."""
    table = load_parameters()
    spec = hcc_model()
    n = spec.n_states
    N = params.shape[0]
    v = np.broadcast_to(np.asarray(volume, float), (N,))
    y = np.zeros((N, n))
    idx = {s: i for i, s in enumerate(spec.state_names)}
    vmax = params[:, table.index("v_max")]
    y[:, idx["V_v"]] = v
    y[:, idx["K"]] = vmax ** (2 / 3) * v ** (1 / 3)
    y[:, idx["F"]] = 1.0
    y[:, idx["E"]] = 1.0
    y[:, idx["T_r"]] = 1.0
    y[:, idx["L"]] = 1.0
    y[:, idx["G"]] = 1.0
    return y


def pretreatment_state(params, baseline_diameter, *, initial_volume: float = 0.05, max_days: float = 40 * 365.0,
                       rtol: float = 1e-6, atol: float = 1e-9) -> PretreatmentResult:
    """Grow each patient untreated to its baseline RECIST diameter; the state at treatment start.

    Parameters
    ----------
    params
        ``(N, n_params)`` model parameters (order of :func:`~lenvici.sim.model.load_parameters`).
    baseline_diameter
        ``(N,)`` baseline total-burden diameter in mm (sum of target-lesion diameters, treated as one
        equivalent sphere).
    initial_volume
        Viable volume (mL) the growth starts from (0.05 mL ≈ a 4.6 mm sphere).
    max_days
        Longest untreated history allowed; a patient not reaching its baseline gets a failed status.

    Returns
    -------
    PretreatmentResult
    """
    params = np.array(params, dtype=float, copy=True)
    d = np.asarray(baseline_diameter, dtype=float)
    if params.ndim != 2:
        raise InputError("params must be (n_patients, n_params)", field="params")
    N = params.shape[0]
    d = np.broadcast_to(d, (N,))
    d0 = float(volume_to_diameter(initial_volume))
    if np.any(~np.isfinite(d)) or np.any(d <= d0):
        raise InputError(f"baseline_diameter must exceed the initial tumour's {d0:.1f} mm; got min {np.min(d):g}",
                         field="baseline_diameter")
    table = load_parameters()
    params[:, table.index("v_max")] = params[:, table.index("plateau_ratio")] * diameter_to_volume(d)
    spec = hcc_model()
    cm = compile_model(spec)
    y0 = untreated_initial_state(params, initial_volume)
    # the model's total-burden diameter output reaching each patient's baseline: stated as data, so the
    # compiled engine evaluates it without calling back into Python
    sol = simulate(cm, y0, params, np.array([0.0, max_days]), None, event=OutputEvent("d_recist", d),
                   controller=PIController(rtol=rtol, atol=atol), outputs=False)
    y = sol.y_final.copy()
    for name in ("H_nl", "H_os"):
        y[:, spec.state_names.index(name)] = 0.0
    return PretreatmentResult(y0=y, params=params, days=sol.t_final, status=sol.status)
