"""Generate per-patient JAX functions (right-hand side and dense Jacobian) from a :class:`ModelSpec`.

The NumPy generator (:mod:`lenvici.sim.model._compile`) writes *batched*, state-major code; the JAX
engine (:mod:`lenvici.sim.solver._jax`) wants *one patient* at a time and leaves batching to
:func:`jax.vmap`. This module writes that per-patient code from the same sympy expressions
(``spec.rhs_expanded``, renamed and differentiated once by ``_compile._symbolic``), with the same printer
and the same common-subexpression elimination, so that the back ends cannot disagree about the model. The printer emits ``numpy.<fn>`` calls; the source is executed with ``numpy`` bound to
:mod:`jax.numpy`, so every call is traced by JAX (``jnp.exp``, ``jnp.cbrt``, ``jnp.maximum`` ...).

Generated functions, for one patient (``y (n,)``, ``p (n_params,)``, ``u (n_inputs,)``):

``rhs(Y, P, U)``
    ``dy/dt``, shape ``(n,)``.
``jac(Y, P, U)``
    The dense Jacobian ``∂f/∂y``, shape ``(n, n)`` (zeros outside the sparsity pattern).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lenvici.sim.model._compile import _emit, _header, _printer, _symbolic, _unpack
from lenvici.sim.model._spec import ModelSpec

__all__ = ["JaxModel", "jax_model"]


@dataclass(frozen=True)
class JaxModel:
    """The generated per-patient JAX functions of one model and the parameter order they assume."""

    spec: ModelSpec
    parameter_names: tuple[str, ...]
    rhs: Callable
    jac: Callable
    source: str

    @property
    def n_states(self) -> int:
        return self.spec.n_states


def _stack(printed: list[str]) -> str:
    """A ``jnp.stack`` of scalars; constants (``0``) become float64 zero-d arrays of ``Y``'s dtype."""
    items = ", ".join(f"numpy.asarray({e}, dtype=Y.dtype)" for e in printed)
    return f"numpy.stack([{items}])"


def jax_model(spec: ModelSpec, parameter_names: tuple[str, ...] | None = None) -> JaxModel:
    """Generate (once per model and parameter order, cached on ``spec``) the per-patient JAX functions.

    Parameters
    ----------
    spec
        The model.
    parameter_names
        The order of the parameter vector ``P``; defaults to ``spec.parameters`` (pass a
        :class:`~lenvici.sim.model.CompiledModel`'s ``parameter_names`` to match its layout).

    Raises
    ------
    ImportError
        When JAX (the optional extra ``lenvici[jax]``) is not installed.
    """
    import jax.numpy as jnp  # optional dependency: imported only when a JAX model is asked for

    params = tuple(parameter_names) if parameter_names is not None else tuple(spec.parameters)
    key = ("jax", params)
    if key in spec._cache:
        return spec._cache[key]
    missing = set(spec.parameters) - set(params)
    if missing:
        raise ValueError(f"parameter_names lacks {sorted(missing)}")
    sym = _symbolic(spec, params)
    printer = _printer()
    n = spec.n_states
    known = {s.name for s in _header(spec, params).values()}
    stray = {s.name for e in sym.f for s in e.free_symbols} - known
    if stray:  # e.g. an explicit ``t``: no back end supplies it
        raise ValueError(f"model {spec.name!r}: the right-hand side uses {sorted(stray)}, which the engine "
                         "does not supply")

    src: list[str] = []
    lines, printed, used = _emit(sym.f, printer, "r")
    src.append("def rhs(Y, P, U):")
    src += _unpack(spec, params, used)
    src += lines
    src += [f"    return {_stack(printed)}", ""]

    lines, printed, used = _emit(sym.jexprs, printer, "j")
    entry = dict(zip(sym.pattern, printed))  # zeros outside the sparsity pattern
    dense = [entry.get((i, j), "0.0") for i in range(n) for j in range(n)]
    src.append("def jac(Y, P, U):")
    src += _unpack(spec, params, used)
    src += lines
    src += [f"    return {_stack(dense)}.reshape(({n}, {n}))", ""]

    source = "\n".join(src)
    # our own source, printed from the model's sympy expressions; its ``numpy`` is jax.numpy
    namespace: dict = {"numpy": jnp}
    exec(compile(source, f"<lenvici generated (jax): {spec.name}>", "exec"), namespace)  # noqa: S102
    jm = JaxModel(spec=spec, parameter_names=params, rhs=namespace["rhs"], jac=namespace["jac"], source=source)
    spec._cache[key] = jm
    return jm
