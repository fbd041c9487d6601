"""A Gompertz fitter for lifelines, in flexsurv's parameterisation (lifelines has no Gompertz family).

Hazard :math:`h(t) = b\\,e^{a t}` (flexsurv ``"gompertz"``: shape :math:`a \\in \\mathbb R`, rate
:math:`b > 0`), cumulative hazard :math:`H(t) = \\tfrac{b}{a}(e^{a t} - 1)`. Built with lifelines'
documented extension point, a ``ParametricUnivariateFitter`` subclass that supplies the cumulative
hazard; lifelines then does the maximum likelihood (autograd gradients, SciPy optimiser) and the
observed-information variance. The rate is estimated on the log scale (``log_rate_``) so the search
is unconstrained, as flexsurv does internally.
"""

from __future__ import annotations

from autograd import numpy as anp
from lifelines.fitters import ParametricUnivariateFitter


class GompertzFitter(ParametricUnivariateFitter):
    """lifelines fitter: parameters ``shape_`` (flexsurv ``shape``) and ``log_rate_`` (log of ``rate``)."""

    _fitted_parameter_names = ["shape_", "log_rate_"]
    _bounds = [(None, None), (None, None)]

    def _cumulative_hazard(self, params, times):
        shape, log_rate = params[0], params[1]
        # b (e^{a t} - 1) / a; expm1 keeps precision for small a t (a = 0 exactly never occurs in the search)
        return anp.exp(log_rate) * anp.expm1(shape * times) / shape

    def _log_hazard(self, params, times):
        shape, log_rate = params[0], params[1]
        return log_rate + shape * times
