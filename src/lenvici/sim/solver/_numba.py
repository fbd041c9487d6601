"""The compiled engine: one generated, numba-compiled module per model, patients in parallel.

:func:`kernel_module` writes the per-patient model functions
(:func:`~lenvici.sim.model._codegen_numba.scalar_model_source`) followed by the integrator template
(:mod:`._numba_kernel`) to ``<user cache>/lenvici/numba/lenvici_numba_<hash>.py`` (atomically; the hash
is of the whole source and the numba version, so a changed model or integrator is a new file) and imports
it; every function is ``numba.njit(cache=True)``, so numba keeps the machine code beside that file and a
later process loads it instead of compiling again. :func:`simulate_numba` runs the kernel over all
patients (``numba.prange``: one patient per task, each with its own steps) and returns the same
:class:`Solution` as the NumPy engine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from lenvici._atomic import atomic_path
from lenvici.errors import InputError
from lenvici.sim.model._codegen_numba import scalar_model_source
from lenvici.sim.model._compile import CompiledModel
from lenvici.sim.solver._controller import ConstantStepSize, PIController
from lenvici.sim.solver._event import OutputEvent
from lenvici.sim.solver._modal import ModalInputs
from lenvici.sim.solver._result import Solution
from lenvici.sim.solver._rosenbrock import Rodas4

__all__ = ["kernel_module", "simulate_numba", "unsupported", "cache_dir"]

_LOADED: dict[str, object] = {}
#: Patients per scheduling chunk of the parallel loop.
_PARALLEL_CHUNK = 8
_LOCK = threading.Lock()

#: Rodas4 coefficients in the order the kernel unpacks them (``_numba_kernel._step``).
_TABLEAU = ("gamma", "c2", "c3", "c4", "d1", "d2", "d3", "d4", "a21", "a31", "a32", "a41", "a42", "a43", "a51",
            "a52", "a53", "a54", "c21", "c31", "c32", "c41", "c42", "c43", "c51", "c52", "c53", "c54", "c61", "c62",
            "c63", "c64", "c65")


def cache_dir() -> Path:
    """Where generated modules (and numba's cache beside them) live: ``$LENVICI_NUMBA_CACHE``, else the
    user cache directory (``platformdirs``), else a temporary directory if that is not writable."""
    env = os.environ.get("LENVICI_NUMBA_CACHE")
    if env:
        return Path(env)
    import platformdirs

    d = Path(platformdirs.user_cache_dir("lenvici")) / "numba"
    try:
        d.mkdir(parents=True, exist_ok=True)
        if os.access(d, os.W_OK):
            return d
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "lenvici-numba"


def kernel_source(cm: CompiledModel) -> str:
    """The generated module's source: the model's per-patient functions, then the integrator."""
    template = Path(__file__).with_name("_numba_kernel.py").read_text(encoding="utf-8")
    return scalar_model_source(cm.spec, cm.parameter_names) + "\n\n" + template


def kernel_module(cm: CompiledModel):
    """The compiled module of ``cm`` (generated, written and imported once per source hash)."""
    import numba

    source = kernel_source(cm)
    digest = hashlib.sha256((source + numba.__version__ + np.__version__).encode()).hexdigest()[:20]
    with _LOCK:
        if digest in _LOADED:
            return _LOADED[digest]
        name = f"lenvici_numba_{digest}"
        path = cache_dir() / f"{name}.py"
        if not path.exists() or path.read_text(encoding="utf-8") != source:
            with atomic_path(path) as tmp:
                tmp.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _LOADED[digest] = mod
        return mod


def unsupported(solver, controller, event) -> str | None:
    """Why the compiled engine cannot run these options (``None``: it can). Exposures are checked apart."""
    if solver is not None and (type(solver) is not Rodas4 or solver != Rodas4()):
        return f"solver {type(solver).__name__} (the compiled engine runs Rodas4)"
    if controller is not None and type(controller) not in (PIController, ConstantStepSize):
        return f"controller {type(controller).__name__}"
    if event is not None and not isinstance(event, OutputEvent):
        return "an Event with a Python function (use OutputEvent)"
    return None


def _controller_array(controller) -> np.ndarray:
    if isinstance(controller, ConstantStepSize):
        return np.array([0.0, 1.0, 1.0, 0.9, 0.2, 6.0, 0.7, 0.4, np.inf, float(controller.dt)])
    c = controller
    dt_max = np.inf if c.dt_max is None else float(c.dt_max)
    return np.array([1.0, c.rtol, c.atol, c.safety, c.factor_min, c.factor_max, c.beta1, c.beta2, dt_max, 0.0])


def simulate_numba(cm: CompiledModel, y0: np.ndarray, params: np.ndarray, ts: np.ndarray, t_start: float,
                   inputs: ModalInputs, *, controller, event: OutputEvent | None, max_steps: int, dt0,
                   outputs: tuple[str, ...]) -> Solution:
    """Integrate every patient with the compiled kernel (arguments already validated by ``simulate``)."""
    mod = kernel_module(cm)
    N, n = y0.shape
    T = ts.shape[0]
    solver = Rodas4()
    tab = np.array([float(getattr(solver, k)) for k in _TABLEAU])
    ctrl = _controller_array(controller)
    if dt0 is None:
        dt0v = np.full(N, np.nan)
    else:
        dt0v = np.ascontiguousarray(np.broadcast_to(np.asarray(dt0, dtype=float), (N,)))
        if not np.all(np.isfinite(dt0v)) or np.any(dt0v <= 0):
            raise InputError("dt0 must be positive and finite (days)", field="dt0")
    names = cm.spec.output_names
    if event is not None:
        if event.output not in names:
            raise InputError(f"OutputEvent: unknown output {event.output!r}; outputs: {list(names)}",
                             field="output")
        ev_on, ev_out, ev_thr = True, names.index(event.output), np.ascontiguousarray(event.thresholds(N))
        ev_xtol, ev_maxit = float(event.xtol), int(event.max_iter)
    else:
        ev_on, ev_out, ev_thr, ev_xtol, ev_maxit = False, 0, np.zeros(1), 1e-8, 0
    out_idx = np.array([names.index(k) for k in outputs], dtype=np.int64)
    ys = np.full((N, T, n), np.nan)
    outs = np.full((out_idx.size, N, T), np.nan)  # one contiguous (N, T) per output
    status = np.zeros(N, dtype=np.int64)
    t_final = np.full(N, np.nan)
    y_final = np.full((N, n), np.nan)
    n_steps = np.zeros(N, dtype=np.int64)
    n_rej = np.zeros(N, dtype=np.int64)
    if N:
        import numba

        # dynamic scheduling in small chunks: patients differ in stiffness (so in cost) by orders of
        # magnitude, and equal static shares would leave threads idle
        previous = numba.set_parallel_chunksize(_PARALLEL_CHUNK)
        try:
            mod.integrate(np.ascontiguousarray(y0, dtype=float), np.ascontiguousarray(params, dtype=float),
                          np.ascontiguousarray(ts, dtype=float), float(t_start), inputs.amp, inputs.lam,
                          inputs.dose_t, inputs.dose_a, inputs.time_varying, ctrl, tab, dt0v, int(max_steps), ev_on,
                          int(ev_out), ev_thr, ev_xtol, ev_maxit, out_idx, ys, outs, status, t_final,
                          y_final, n_steps, n_rej)
        finally:
            numba.set_parallel_chunksize(previous)
    out_dict = {name: outs[j] for j, name in enumerate(outputs)}
    return Solution(ts=ts, ys=ys, status=status, t_final=t_final, y_final=y_final, state_names=cm.spec.state_names,
                    outputs=out_dict, n_steps=n_steps, n_rejected=n_rej, solver="Rodas4",
                    rtol=getattr(controller, "rtol", float("nan")), atol=getattr(controller, "atol", float("nan")))
