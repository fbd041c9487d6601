"""The model side of the solver: a compiled model, per-patient parameters and per-patient inputs.

:class:`ODETerm` is all the solver knows of a model: ``f`` (the right-hand side), ``factor``/``solve``
(the LU of ``c·I − ∂f/∂y`` on the Jacobian's sparsity pattern) and ``dfdt`` (the explicit time
derivative through the inputs). Everything works on the patient subset ``rows`` with state-major
arrays ``(n_states, m)``.
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.model._compile import CompiledModel, compile_model
from lenvici.sim.model._spec import ModelSpec
from lenvici.sim.solver._exposure import Exposure, ZeroExposure

__all__ = ["ODETerm", "BoundTerm"]


class ODETerm:
    """Right-hand side of one model for a batch of patients.

    Parameters
    ----------
    model
        A :class:`ModelSpec` (compiled on first use, cached) or a :class:`CompiledModel`.
    params
        ``(n_patients, n_params)`` in ``model``'s parameter order.
    exposure
        The inputs; model inputs it does not name are zero. ``None``: no drug.
    """

    def __init__(self, model: ModelSpec | CompiledModel, params: np.ndarray, exposure: Exposure | None = None):
        self.model = model if isinstance(model, CompiledModel) else compile_model(model)
        p = np.asarray(params, dtype=float)
        if p.ndim != 2 or p.shape[1] != self.model.n_params:
            raise InputError(f"params must have shape (n_patients, {self.model.n_params}); got {p.shape}",
                             field="params")
        self.P = np.ascontiguousarray(p.T)
        self.n_patients = p.shape[0]
        self.exposure = exposure if exposure is not None else ZeroExposure(())
        names = self.model.spec.input_names
        unknown = set(self.exposure.names) - set(names)
        if unknown:
            raise InputError(f"exposure supplies {sorted(unknown)}, which the model does not take; "
                             f"model inputs: {list(names)}", field="exposures")
        self._slots = np.array([names.index(n) for n in self.exposure.names], dtype=int)
        self.n_inputs = len(names)

    # --- inputs -----------------------------------------------------------------------------------
    def inputs(self, t: np.ndarray, rows: np.ndarray, t_start: np.ndarray) -> np.ndarray:
        u = np.zeros((self.n_inputs, rows.shape[0]))
        if self._slots.size:
            u[self._slots] = self.exposure.values(t, rows, t_start)
        return u

    def input_derivatives(self, t: np.ndarray, rows: np.ndarray, t_start: np.ndarray) -> np.ndarray:
        du = np.zeros((self.n_inputs, rows.shape[0]))
        if self._slots.size:
            du[self._slots] = self.exposure.derivatives(t, rows, t_start)
        return du

    def breakpoints(self) -> np.ndarray:
        return self.exposure.breakpoints(self.n_patients)

    # --- model pieces on a patient subset ---------------------------------------------------------
    def bind(self, rows: np.ndarray) -> BoundTerm:
        """The term restricted to patients ``rows`` (parameters gathered once per solver step)."""
        full = rows.shape[0] == self.n_patients and (rows.shape[0] == 0 or rows[-1] == self.n_patients - 1)
        return BoundTerm(self, rows, self.P if full else self.P[:, rows])

    def f(self, t, y, rows, t_start):
        return self.bind(rows).f(y, self.inputs(t, rows, t_start))

    def outputs(self, t, y, rows):
        return self.model.outputs(y, self.P[:, rows], self.inputs(t, rows, t))


class BoundTerm:
    """An :class:`ODETerm` on a fixed patient subset: what one solver step works with.

    Inputs are passed explicitly (``u = inputs(t)``) so that a step evaluates each distinct stage time
    once.
    """

    __slots__ = ("term", "rows", "P", "model")

    def __init__(self, term: ODETerm, rows: np.ndarray, P: np.ndarray):
        self.term, self.rows, self.P, self.model = term, rows, P, term.model

    def inputs(self, t, t_start):
        return self.term.inputs(t, self.rows, t_start)

    def input_derivatives(self, t, t_start):
        return self.term.input_derivatives(t, self.rows, t_start)

    def f(self, y, u):
        return self.model.rhs(y, self.P, u)

    def factor(self, y, u, c):
        return self.model.lu(y, self.P, u, c)

    def solve(self, lu, b):
        return self.model.solve(lu, b)

    def dfdt(self, y, u, t, t_start):
        """Explicit time derivative of the right-hand side (through the inputs)."""
        if not self.term._slots.size:
            return None
        return self.model.dfdu(y, self.P, u, self.input_derivatives(t, t_start))


def initial_states(y0, n_patients: int, n_states: int) -> np.ndarray:
    """``y0`` as ``(n_patients, n_states)`` floats: one row per patient, or one row shared by all."""
    y0 = np.asarray(y0, dtype=float)
    if y0.ndim == 1:
        y0 = np.tile(y0, (n_patients, 1))
    if y0.shape != (n_patients, n_states):
        raise InputError(f"y0 must have shape ({n_patients}, {n_states}); got {y0.shape}", field="y0")
    return y0
