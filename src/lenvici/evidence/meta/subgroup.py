"""Subgroup analysis: a separate fit per subgroup and the test for subgroup differences.

The test is the one metafor gives from ``rma(yi, vi, mods = ~ factor(g))``: the omnibus Wald test (QM) of
the subgroup dummies in a mixed-effects model with one τ² common to all subgroups — χ² on (G − 1) df, or
F on (G − 1, k − G) under Knapp–Hartung. It does not depend on which subgroup is the reference.

References
----------
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR. *Introduction to Meta-Analysis.* Wiley; 2009,
chapter 19 (subgroup analyses, pooled τ²).
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3):1–48.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from lenvici.errors import InputError
from lenvici.evidence.meta.effects import EffectSizes
from lenvici.evidence.meta.model import _inputs, rma
from lenvici.evidence.meta.result import SubgroupResult
from lenvici.evidence.meta.tau2 import Control

__all__ = ["subgroup"]


def subgroup(yi, vi=None, groups=None, *, sei=None, measure: str | None = None, ni=None,
             method: str = "REML", test: str = "z", level: float = 95,
             control: Control | Mapping | None = None) -> SubgroupResult:
    """Fit each subgroup and test whether the subgroups differ.

    Parameters
    ----------
    yi, vi, sei, measure, ni
        As for :func:`~lenvici.evidence.meta.model.rma` (``yi`` may be an ``EffectSizes``).
    groups
        One label per study; at least two distinct labels. Subgroups appear in sorted order (R's
        ``factor()`` order), the first being the reference of the combined model.
    method, test, level, control
        As for ``rma``; used for every subgroup and for the combined model.

    Returns
    -------
    SubgroupResult
    """
    y, v, measure, n = _inputs(yi, vi, sei, measure, ni)
    if groups is None:
        raise InputError("'groups' must give one subgroup label per study", "groups")
    g = np.asarray([str(x) for x in groups], dtype=object)
    if g.size != y.size:
        raise InputError(f"'groups' must have one label per study ({y.size}); got {g.size}", "groups")
    levels = sorted(set(g.tolist()))
    if len(levels) < 2:
        raise InputError(f"'groups' must have at least two distinct labels; got {levels}", "groups")
    fits = {}
    for lev in levels:
        sel = g == lev
        es = EffectSizes(y[sel], v[sel], measure, ni=None if n is None else n[sel])
        fits[lev] = rma(es, method=method, test=test, level=level, control=control)
    dummies = np.column_stack([(g == lev).astype(float) for lev in levels[1:]])
    model = rma(y, v, measure=measure, method=method, test=test, level=level, control=control,
                mods=dummies, mod_names=[f"group={lev}" for lev in levels[1:]])
    return SubgroupResult(groups=fits, QM=model.QM, QMdf=model.QMdf, QMp=model.QMp, method=model.method,
                          test=model.test, model=model)
