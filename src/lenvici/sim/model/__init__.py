"""The mechanistic model: one declarative ODE definition from which the simulator's vectorised
right-hand side, the SBML export and ``docs/model.md`` are generated.

- :class:`ModelSpec` and its parts (:class:`State`, :class:`Input`, :class:`Definition`, :class:`Flux`);
- :func:`hcc_model` — the HCC lenvatinib/sorafenib ± anti-PD-1 model;
- :func:`load_parameters` — its parameters (value, unit, source) from one validated YAML file;
- :func:`compile_model` — generated NumPy code (right-hand side, Jacobian, sparse LU);
- :func:`document` — writes ``docs/model.md``;
- :func:`to_sbml` — SBML Level 3 export (optional ``python-libsbml``).
"""

from lenvici.sim.model._compile import CompiledModel, compile_model
from lenvici.sim.model._document import document, render_markdown
from lenvici.sim.model._params import PARAMETER_FILE, ParameterRecord, ParameterTable, load_parameters
from lenvici.sim.model._spec import Definition, Flux, Input, ModelSpec, State
from lenvici.sim.model.hcc import LENVATINIB_TARGETS, SORAFENIB_TARGETS, hcc_model
from lenvici.sim.model.sbml import to_sbml

__all__ = [
    "ModelSpec", "State", "Input", "Definition", "Flux", "CompiledModel", "compile_model", "hcc_model",
    "load_parameters", "ParameterRecord", "ParameterTable", "PARAMETER_FILE", "document", "render_markdown",
    "LENVATINIB_TARGETS", "SORAFENIB_TARGETS", "to_sbml",
]
