"""Result types of the diagnostics, bias tests, permutation tests and the GLMM: immutable values with
``summary()`` (a list of plain dicts, one per row) and a readable repr, named as metafor names them.

The fitting code lives in :mod:`~lenvici.evidence.meta.diagnostics`, :mod:`~lenvici.evidence.meta.bias`,
:mod:`~lenvici.evidence.meta.permutation` and :mod:`~lenvici.evidence.meta.glmm`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lenvici.evidence.meta.result import MetaRegResult, MetaResult, Transformed, _fmt, _table

__all__ = [
    "LeaveOneOutResult",
    "CumulativeResult",
    "InfluenceResult",
    "Residuals",
    "RegtestResult",
    "RanktestResult",
    "TrimfillResult",
    "PermutestResult",
    "GlmmResult",
]

_FIT_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "QE", "QEp", "tau2", "I2",
               "H2")


def _label(study, i: int) -> str:
    return str(study[i]) if study is not None else str(i + 1)


def _rows(obj, names, label_key: str, labels) -> list[dict]:
    out = []
    for i, lab in enumerate(labels):
        row = {label_key: lab}
        for n in names:
            val = getattr(obj, n)[i]
            row[n] = bool(val) if isinstance(val, (bool, np.bool_)) else float(val)
        out.append(row)
    return out


def _method_line(method: str, test: str, level: float) -> str:
    model = "equal-effects" if method == "EE" else f"random-effects ({method})"
    return f"{model} model, test = {test}, level = {level:g}%"


@dataclass(frozen=True, eq=False)
class LeaveOneOutResult:
    """The model refitted k times, each time without one study (metafor's ``leave1out``).

    Row i holds the fit without study i: pooled ``estimate``, ``se``, ``zval`` (t under Knapp–Hartung),
    ``pval``, CI, prediction interval, ``QE``/``QEp``, ``tau2``, ``I2``, ``H2``, and how τ² was reached
    (``converged``; ``fallback`` marks fits where the safeguarded search replaced metafor's algorithm).
    With k = 2 each fit has a single study and, as in metafor, uses the z test.
    """

    k: int
    measure: str
    method: str
    test: str
    level: float
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    QE: np.ndarray
    QEp: np.ndarray
    tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    converged: np.ndarray
    fallback: np.ndarray
    study: tuple[str, ...] | None = None

    def summary(self) -> list[dict]:
        """One row per omitted study (``omitted``: its label, or its 1-based position)."""
        labels = [_label(self.study, i) for i in range(self.k)]
        return _rows(self, _FIT_FIELDS + ("converged",), "omitted", labels)

    def __repr__(self) -> str:
        cols = ["omitted", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "tau2", "I2"]
        body = _table(cols, [[r[c] for c in cols] for r in self.summary()])
        return (f"LeaveOneOutResult: {self.k} fits of k - 1 = {self.k - 1} studies, "
                f"{_method_line(self.method, self.test, self.level)}\n{body}")


@dataclass(frozen=True, eq=False)
class CumulativeResult:
    """Cumulative meta-analysis (metafor's ``cumul``): row j is the fit of the first j + 1 studies in
    ``order`` (0-based positions of the studies in the input, in the order they are added). Fields as in
    :class:`LeaveOneOutResult`; the first row, a single study, uses the z test as metafor does."""

    k: int
    measure: str
    method: str
    test: str
    level: float
    order: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    QE: np.ndarray
    QEp: np.ndarray
    tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    converged: np.ndarray
    fallback: np.ndarray
    study: tuple[str, ...] | None = None

    def summary(self) -> list[dict]:
        """One row per step (``added``: the label or 1-based position of the study added at that step)."""
        labels = [_label(self.study, int(i)) for i in self.order]
        return _rows(self, _FIT_FIELDS + ("converged",), "added", labels)

    def __repr__(self) -> str:
        cols = ["added", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "tau2", "I2"]
        body = _table(cols, [[r[c] for c in cols] for r in self.summary()])
        return f"CumulativeResult: k = {self.k}, {_method_line(self.method, self.test, self.level)}\n{body}"


@dataclass(frozen=True, eq=False)
class Residuals:
    """Residuals with their standard errors and standardised values ``z = resid / se``.

    ``kind`` is ``"standardized"`` (metafor's ``rstandard``: marginal residuals yᵢ − xᵢᵀβ̂ of the full fit) or
    ``"studentized deleted"`` (``rstudent``: yᵢ minus its prediction from the fit without study i).
    """

    kind: str
    resid: np.ndarray
    se: np.ndarray
    z: np.ndarray
    study: tuple[str, ...] | None = None

    def summary(self) -> list[dict]:
        return _rows(self, ("resid", "se", "z"), "study", [_label(self.study, i) for i in range(self.z.size)])

    def __repr__(self) -> str:
        body = _table(["study", "resid", "se", "z"], [[r["study"], r["resid"], r["se"], r["z"]]
                                                      for r in self.summary()])
        return f"Residuals ({self.kind})\n{body}"


@dataclass(frozen=True, eq=False)
class InfluenceResult:
    """Case-deletion diagnostics of metafor's ``influence.rma.uni``, one entry per study.

    Attributes
    ----------
    rstudent
        Studentised deleted residual (the full :class:`Residuals` is in ``residuals``).
    dffits
        (ŷᵢ − ŷᵢ₍₋ᵢ₎) / √(s²w₍₋ᵢ₎ hᵢ (τ²₍₋ᵢ₎ + vᵢ)).
    cook_d
        Cook's distance (β̂ − β̂₍₋ᵢ₎)ᵀ Var(β̂)⁻¹ (β̂ − β̂₍₋ᵢ₎) over all coefficients.
    cov_r
        Covariance ratio det Var(β̂₍₋ᵢ₎) / det Var(β̂).
    tau2_del, QE_del
        τ² and Q of the fit without study i.
    hat, weight
        Leverage hᵢ and the study's weight in percent.
    dfbs
        DFBETAS, shape (k, p), columns named by ``names``.
    inf
        metafor's flag: |DFFITS| > 3√(p/(k−p)), or P(χ²_p ≤ Cook's d) > 0.5, or hᵢ > 3p/k, or any
        |DFBETAS| > 1.
    """

    k: int
    p: int
    method: str
    test: str
    names: tuple[str, ...]
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    QE_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbs: np.ndarray
    inf: np.ndarray
    residuals: Residuals
    study: tuple[str, ...] | None = None

    def summary(self) -> list[dict]:
        """One row per study: every measure, the DFBETAS as ``dfbs_<coefficient>``, and ``inf``."""
        rows = _rows(self, ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"),
                     "study", [_label(self.study, i) for i in range(self.k)])
        for i, row in enumerate(rows):
            for j, name in enumerate(self.names):
                row[f"dfbs_{name}"] = float(self.dfbs[i, j])
            row["inf"] = bool(self.inf[i])
        return rows

    def __repr__(self) -> str:
        cols = ["study", "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"]
        rows = [[r[c] for c in cols] + ["*" if r["inf"] else ""] for r in self.summary()]
        body = _table(cols + ["inf"], rows)
        return (f"InfluenceResult: k = {self.k}, p = {self.p}, method = {self.method}, test = {self.test} "
                f"(* = influential by metafor's rule)\n{body}")


@dataclass(frozen=True, eq=False)
class RegtestResult:
    """Regression test for funnel-plot asymmetry (metafor's ``regtest``; Egger's test with
    ``predictor="sei"``).

    ``zval``/``pval`` test the predictor's coefficient (t on ``ddf`` df under Knapp–Hartung or
    ``model="lm"``). ``est``, ``ci_lb``, ``ci_ub`` are the limit estimate — the intercept, i.e. the
    predicted effect as the predictor goes to 0 — for the predictors ``sei``, ``vi``, ``ninv`` and
    ``sqrtninv`` of a model without moderators (``None`` otherwise). ``fit`` is the underlying
    meta-regression (``model="rma"``); for ``model="lm"`` the weighted least-squares coefficients are in
    ``coef``/``se``.
    """

    model: str
    predictor: str
    method: str | None
    test: str
    level: float
    k: int
    zval: float
    pval: float
    ddf: int | None
    est: float | None
    ci_lb: float | None
    ci_ub: float | None
    coef: np.ndarray
    se: np.ndarray
    fit: MetaRegResult | None = None

    def summary(self) -> list[dict]:
        return [{"test": f"regtest ({self.model}, predictor = {self.predictor})", "stat": self.zval,
                 "ddf": self.ddf, "pval": self.pval, "limit_estimate": self.est, "ci_lb": self.ci_lb,
                 "ci_ub": self.ci_ub}]

    def __repr__(self) -> str:
        stat = f"t({self.ddf})" if self.ddf is not None else "z"
        head = (f"RegtestResult: regression test for funnel plot asymmetry, model = {self.model}"
                + (f" ({self.method}, test = {self.test})" if self.model == "rma" else " (weighted least squares)")
                + f", predictor = {self.predictor}, k = {self.k}")
        lines = [head, f"test for asymmetry: {stat} = {_fmt(self.zval)}, p = {_fmt(self.pval)}"]
        if self.est is not None:
            lines.append(f"limit estimate (as {self.predictor} -> 0): {_fmt(self.est)} "
                         f"(CI {self.level:g}%: {_fmt(self.ci_lb)} to {_fmt(self.ci_ub)})")
        return "\n".join(lines)


@dataclass(frozen=True)
class RanktestResult:
    """Begg and Mazumdar's rank correlation test (metafor's ``ranktest``): Kendall's τ between the
    standardised deviates and the sampling variances, with an exact p-value when there are no ties and
    ``exact`` was asked for, else the normal approximation (``exact`` says which was used)."""

    k: int
    tau: float
    pval: float
    exact: bool
    warnings: tuple[str, ...] = field(default=())

    def summary(self) -> list[dict]:
        return [{"test": "rank correlation (Kendall)", "tau": self.tau, "pval": self.pval, "exact": self.exact}]

    def __repr__(self) -> str:
        how = "exact" if self.exact else "normal approximation"
        return (f"RanktestResult: rank correlation test for funnel plot asymmetry, k = {self.k}\n"
                f"Kendall's tau = {_fmt(self.tau)}, p = {_fmt(self.pval)} ({how})")


@dataclass(frozen=True, eq=False)
class TrimfillResult:
    """Trim and fill (metafor's ``trimfill``): ``k0`` studies estimated missing on ``side`` by the
    ``estimator`` (L0 or R0), their mirror images filled in, and the model refitted.

    ``yi``, ``vi`` and ``fill`` are the augmented data (observed studies first, then the filled ones,
    flagged True). ``fit`` is the refit on them — with the model's τ² estimator and, as in metafor, the
    z test — or, when ``k0 = 0``, the original fit. ``p_k0`` (R0 only) is metafor's one-sided p-value
    for k0. ``n_iter`` counts trimming iterations.
    """

    estimator: str
    side: str
    k0: int
    se_k0: float
    p_k0: float | None
    k: int
    yi: np.ndarray
    vi: np.ndarray
    fill: np.ndarray
    fit: MetaResult
    n_iter: int
    converged: bool
    warnings: tuple[str, ...] = field(default=())

    @property
    def estimate(self) -> float:
        return self.fit.estimate

    @property
    def se(self) -> float:
        return self.fit.se

    @property
    def ci_lb(self) -> float:
        return self.fit.ci_lb

    @property
    def ci_ub(self) -> float:
        return self.fit.ci_ub

    @property
    def tau2(self) -> float:
        return self.fit.tau2

    def summary(self) -> list[dict]:
        """A row with k0 and its SE, then the refit's rows."""
        rows = [{"quantity": f"k0 ({self.estimator}, {self.side} side)", "value": float(self.k0),
                 "se": self.se_k0, "stat": None, "pval": self.p_k0, "lb": None, "ub": None}]
        return rows + self.fit.summary()

    def __repr__(self) -> str:
        head = (f"TrimfillResult: estimator = {self.estimator}, estimated missing on the {self.side} side: "
                f"k0 = {self.k0} (SE {_fmt(self.se_k0)})"
                + (f", p = {_fmt(self.p_k0)}" if self.p_k0 is not None else ""))
        return head + "\n" + repr(self.fit)


@dataclass(frozen=True, eq=False)
class PermutestResult:
    """Permutation tests of a fitted model (metafor's ``permutest``).

    For a model without moderators the outcomes' signs are flipped; with moderators the rows of the model
    matrix are permuted. ``pval`` holds one permutation p-value per coefficient (two-sided:
    the share of permutations with |z| ≥ |z_obs| − ``comptol``) and ``QMp`` the one for the omnibus test
    of the coefficients ``btt``. ``exact`` says whether all ``exact_iter`` distinct permutations were
    enumerated (``iter`` then equals it); otherwise ``iter`` random ones were drawn, the first being the
    observed data, from the generator seeded with ``seed`` (``None`` when a Generator was passed).
    ``n_failed`` fits (τ² not estimable) are left out of the proportions, as metafor does. The permutation
    distributions are kept in ``zval_perm`` (iter × p), ``coef_perm`` and ``QM_perm``.
    """

    k: int
    method: str
    test: str
    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pval: np.ndarray
    QM: float
    QMdf: tuple[int, int | None]
    QMp: float
    btt: tuple[int, ...]
    iter: int
    exact: bool
    exact_iter: int
    seed: int | None
    n_failed: int
    n_fallback: int
    comptol: float
    zval_perm: np.ndarray
    coef_perm: np.ndarray
    QM_perm: np.ndarray

    def summary(self) -> list[dict]:
        """One row per coefficient, then the omnibus test."""
        rows = [{"term": self.names[j], "estimate": float(self.coef[j]), "se": float(self.se[j]),
                 "stat": float(self.zval[j]), "pval_perm": float(self.pval[j]), "ci_lb": float(self.ci_lb[j]),
                 "ci_ub": float(self.ci_ub[j])} for j in range(len(self.names))]
        rows.append({"term": "QM (" + ", ".join(self.names[j] for j in self.btt) + ")", "estimate": None,
                     "se": None, "stat": self.QM, "pval_perm": self.QMp, "ci_lb": None, "ci_ub": None})
        return rows

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "approximate"
        head = (f"PermutestResult: {kind} permutation test, {self.iter} iterations"
                + (f" (seed {self.seed})" if self.seed is not None and not self.exact else "")
                + f", k = {self.k}, method = {self.method}, test = {self.test}"
                + (f"; {self.n_failed} failed fits left out" if self.n_failed else ""))
        cols = ["term", "estimate", "se", "stat", "pval_perm", "ci_lb", "ci_ub"]
        body = _table(cols, [[r[c] for c in cols] for r in self.summary()])
        return head + "\n" + body


@dataclass(frozen=True)
class GlmmResult:
    """The binomial-normal model for proportions fitted by maximum likelihood (metafor's ``rma.glmm`` with
    ``measure="PLO"``): logit(pᵢ) = β + uᵢ, uᵢ ~ N(0, τ²), xᵢ ~ Binomial(nᵢ, pᵢ).

    ``estimate`` … ``ci_ub`` concern β on the logit scale; ``pi_lb``/``pi_ub`` the prediction interval
    β ± c·√(SE² + τ²); ``transformed`` the same on the proportion scale (inverse logit). ``I2``/``H2`` use
    the typical within-study variance of the ``PLO`` outcomes as ``rma.glmm`` does. ``QE_Wld``/``QE_LRT``
    are the Wald and likelihood-ratio tests for heterogeneity (saturated against equal-effects logistic
    model) on ``QE_df`` df. ``nagq`` is the number of adaptive Gauss–Hermite nodes (1 = Laplace);
    ``loglik`` the maximised (approximate) log-likelihood including the binomial coefficients.
    """

    k: int
    measure: str
    method: str
    nagq: int
    test: str
    level: float
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    tau2: float
    I2: float
    H2: float
    vt: float
    QE_Wld: float
    QEp_Wld: float
    QE_LRT: float
    QEp_LRT: float
    QE_df: int
    loglik: float
    n_iter: int
    converged: bool
    ci_method: str
    transformed: Transformed | None = None
    warnings: tuple[str, ...] = field(default=())

    def summary(self) -> list[dict]:
        rows = [{"quantity": "estimate", "value": self.estimate, "se": self.se, "stat": self.zval,
                 "pval": self.pval, "lb": self.ci_lb, "ub": self.ci_ub},
                {"quantity": "prediction", "value": self.estimate, "se": None, "stat": None, "pval": None,
                 "lb": self.pi_lb, "ub": self.pi_ub},
                {"quantity": "tau^2", "value": self.tau2, "se": None, "stat": None, "pval": None, "lb": None,
                 "ub": None},
                {"quantity": "I^2(%)", "value": self.I2, "se": None, "stat": None, "pval": None, "lb": None,
                 "ub": None},
                {"quantity": "H^2", "value": self.H2, "se": None, "stat": None, "pval": None, "lb": None,
                 "ub": None},
                {"quantity": "QE (Wald)", "value": self.QE_Wld, "se": None, "stat": float(self.QE_df),
                 "pval": self.QEp_Wld, "lb": None, "ub": None},
                {"quantity": "QE (LRT)", "value": self.QE_LRT, "se": None, "stat": float(self.QE_df),
                 "pval": self.QEp_LRT, "lb": None, "ub": None}]
        if self.transformed is not None:
            t = self.transformed
            rows.append({"quantity": f"estimate ({t.transformation})", "value": t.estimate, "se": None,
                         "stat": None, "pval": None, "lb": t.ci_lb, "ub": t.ci_ub})
            rows.append({"quantity": f"prediction ({t.transformation})", "value": t.estimate, "se": None,
                         "stat": None, "pval": None, "lb": t.pi_lb, "ub": t.pi_ub})
        return rows

    def __repr__(self) -> str:
        how = "Laplace approximation" if self.nagq == 1 else f"adaptive Gauss-Hermite, {self.nagq} nodes"
        model = "equal-effects logistic" if self.method == "EE" else f"binomial-normal ML ({how})"
        head = f"GlmmResult: {model} model, k = {self.k}, measure = {self.measure}, test = {self.test}"
        cols = ["quantity", "value", "se", "stat", "pval", "lb", "ub"]
        body = _table(cols, [[r[c] for c in cols] for r in self.summary()])
        foot = f"converged = {self.converged}, n_iter = {self.n_iter}, logLik = {_fmt(self.loglik)}"
        return "\n".join([head, body, foot])
