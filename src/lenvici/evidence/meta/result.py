"""Result types of the meta-analysis engine: immutable values with ``summary()`` and a readable repr.

Names follow metafor's (``estimate`` is metafor's ``b``; ``zval`` holds the t statistic under Knapp–Hartung).
``summary()`` returns a list of plain dicts, one per row, ready for a DataFrame or JSON.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from lenvici.errors import InputError

__all__ = ["Tau2CI", "Transformed", "Prediction", "MetaResult", "MetaRegResult", "SubgroupResult",
           "BatchResult"]


#: The scalar fields of ``MetaResult.to_json``, in metafor's names (DESIGN §4 ``meta pool``).
_JSON_FIELDS = ("k", "measure", "method", "test", "level", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub",
                "pi_lb", "pi_ub", "tau2", "se_tau2", "I2", "H2", "QE", "QEp", "ddf", "converged", "n_iter",
                "fallback", "ci_method", "pi_method", "i2_definition")


def _finite(x):
    """``None`` for NaN and infinities (JSON has neither), the value otherwise."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _fmt(x, digits: int = 4) -> str:
    if x is None:
        return "—"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "NA"
    if x != 0 and (abs(x) < 10 ** -digits or abs(x) >= 1e6):
        return f"{x:.{digits}e}"
    return f"{x:.{digits}f}"


def _table(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[_fmt(c) if not isinstance(c, str) else c for c in r] for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class Tau2CI:
    """Confidence interval for τ² (and τ, I², H²) by the Q-profile method (``confint.rma.uni``).

    ``lb_flag``/``ub_flag`` are ``"<"`` when the bound lies below the search range's lower end and
    ``">"`` above its upper end (the bound then holds that end); ``null_set`` marks an empty interval.
    """

    level: float
    tau2: float
    tau2_lb: float
    tau2_ub: float
    I2_lb: float
    I2_ub: float
    H2_lb: float
    H2_ub: float
    lb_flag: str = ""
    ub_flag: str = ""
    null_set: bool = False
    converged: bool = True
    method: str = "Q-profile (Viechtbauer 2007)"

    @property
    def tau_lb(self) -> float:
        return math.sqrt(self.tau2_lb) if self.tau2_lb >= 0 else math.nan

    @property
    def tau_ub(self) -> float:
        return math.sqrt(self.tau2_ub) if self.tau2_ub >= 0 else math.nan

    def summary(self) -> list[dict]:
        return [
            {"quantity": "tau^2", "lb": self.tau2_lb, "ub": self.tau2_ub},
            {"quantity": "tau", "lb": self.tau_lb, "ub": self.tau_ub},
            {"quantity": "I^2(%)", "lb": self.I2_lb, "ub": self.I2_ub},
            {"quantity": "H^2", "lb": self.H2_lb, "ub": self.H2_ub},
        ]


@dataclass(frozen=True)
class Transformed:
    """Pooled estimate and intervals on the natural scale (``transformation`` names the function)."""

    transformation: str
    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float


@dataclass(frozen=True, eq=False)
class Prediction:
    """Predicted values of a meta-regression with their confidence and prediction intervals."""

    pred: np.ndarray
    se: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray

    def summary(self) -> list[dict]:
        return [{"pred": float(self.pred[i]), "se": float(self.se[i]), "ci_lb": float(self.ci_lb[i]),
                 "ci_ub": float(self.ci_ub[i]), "pi_lb": float(self.pi_lb[i]), "pi_ub": float(self.pi_ub[i])}
                for i in range(self.pred.size)]


@dataclass(frozen=True)
class MetaResult:
    """An intercept-only (pooled) random- or equal-effects meta-analysis — metafor's ``rma.uni`` object.

    Attributes
    ----------
    k, measure, method, test, level
        Number of studies, outcome measure, τ² estimator, test (``z``, ``t``, ``knha``, ``adhoc``) and
        confidence level in percent.
    estimate, se, zval, pval, ci_lb, ci_ub
        Pooled estimate (metafor's ``b``), its standard error, test statistic (z, or t on k − 1 df),
        two-sided p-value and confidence interval.
    pi_lb, pi_ub
        Prediction interval (metafor's ``predict()``), equal to the CI for the equal-effects model.
    tau2, se_tau2, I2, H2, QE, QEp, vt
        Heterogeneity: τ², its SE, I² (%), H², Cochran's Q and p-value, typical within-study variance.
    ddf, s2w
        Degrees of freedom of t-based inference (``None`` for z) and the Knapp–Hartung scaling factor.
    n_iter, converged, fallback
        How τ² was reached (see :class:`~lenvici.evidence.meta.tau2.Tau2Fit`).
    ci_method, pi_method, i2_definition
        What the intervals and I² are.
    tau2_ci
        Q-profile CI for τ², I², H² (``None`` for the equal-effects model or k = 1).
    transformed
        Estimate and intervals on the natural scale (``None`` for ``GEN``).
    warnings
        Every warning issued during the fit.
    """

    k: int
    measure: str
    method: str
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
    se_tau2: float
    I2: float
    H2: float
    QE: float
    QEp: float
    vt: float
    ddf: int | None
    s2w: float
    n_iter: int
    converged: bool
    fallback: str | None
    ci_method: str
    pi_method: str
    i2_definition: str
    tau2_ci: Tau2CI | None = None
    transformed: Transformed | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def b(self) -> float:
        """metafor's name for the estimate."""
        return self.estimate

    def plot(self, data, kind: str = "forest", path=None, **options):
        """Draw ``data`` (the fitted :class:`~lenvici.evidence.meta.effects.EffectSizes`) with this fit:
        ``kind`` is ``forest``, ``funnel`` or ``baujat`` (:mod:`lenvici.evidence.meta.plots`). Returns the
        matplotlib figure, saved to ``path`` (SVG/PNG/PDF by suffix) when given."""
        from lenvici.evidence.meta import plots

        return plots.plot(kind, data, self, path=path, **options)

    def to_dict(self) -> dict:
        """All fields as plain Python values (nested dataclasses as dicts)."""
        return asdict(self)

    def to_json(self, study: tuple[str, ...] | None = None) -> dict:
        """The JSON document of ``lenvici meta pool`` (DESIGN §4): metafor's names, ``transformed`` on the
        natural scale, the Q-profile CI of τ², and non-finite numbers as ``None``."""
        doc = {name: _finite(getattr(self, name)) for name in _JSON_FIELDS}
        t = self.transformed
        doc["transformed"] = None if t is None else {
            "transformation": t.transformation, "estimate": _finite(t.estimate), "ci_lb": _finite(t.ci_lb),
            "ci_ub": _finite(t.ci_ub), "pi_lb": _finite(t.pi_lb), "pi_ub": _finite(t.pi_ub)}
        c = self.tau2_ci
        doc["tau2_ci"] = None if c is None else {
            "level": _finite(c.level), "tau2_lb": _finite(c.tau2_lb), "tau2_ub": _finite(c.tau2_ub),
            "I2_lb": _finite(c.I2_lb), "I2_ub": _finite(c.I2_ub), "method": c.method}
        doc["study"] = list(study) if study else None
        doc["warnings"] = list(self.warnings)
        return doc

    def summary(self) -> list[dict]:
        """Rows: the pooled estimate, the prediction interval, heterogeneity, and the back-transform."""
        rows = [{"quantity": "estimate", "value": self.estimate, "se": self.se, "stat": self.zval,
                 "pval": self.pval, "lb": self.ci_lb, "ub": self.ci_ub},
                {"quantity": "prediction", "value": self.estimate, "se": None, "stat": None, "pval": None,
                 "lb": self.pi_lb, "ub": self.pi_ub},
                {"quantity": "tau^2", "value": self.tau2, "se": self.se_tau2, "stat": None, "pval": None,
                 "lb": self.tau2_ci.tau2_lb if self.tau2_ci else None,
                 "ub": self.tau2_ci.tau2_ub if self.tau2_ci else None},
                {"quantity": "I^2(%)", "value": self.I2, "se": None, "stat": None, "pval": None,
                 "lb": self.tau2_ci.I2_lb if self.tau2_ci else None,
                 "ub": self.tau2_ci.I2_ub if self.tau2_ci else None},
                {"quantity": "H^2", "value": self.H2, "se": None, "stat": None, "pval": None,
                 "lb": self.tau2_ci.H2_lb if self.tau2_ci else None,
                 "ub": self.tau2_ci.H2_ub if self.tau2_ci else None},
                {"quantity": "QE", "value": self.QE, "se": None, "stat": float(self.k - 1), "pval": self.QEp,
                 "lb": None, "ub": None}]
        if self.transformed is not None:
            t = self.transformed
            rows.append({"quantity": f"estimate ({t.transformation})", "value": t.estimate, "se": None,
                         "stat": None, "pval": None, "lb": t.ci_lb, "ub": t.ci_ub})
            rows.append({"quantity": f"prediction ({t.transformation})", "value": t.estimate, "se": None,
                         "stat": None, "pval": None, "lb": t.pi_lb, "ub": t.pi_ub})
        return rows

    def __repr__(self) -> str:
        model = "Equal-effects" if self.method == "EE" else f"Random-effects ({self.method})"
        head = (f"MetaResult: {model} model, k = {self.k}, measure = {self.measure}, test = {self.test}, "
                f"level = {self.level:g}%")
        cols = ["quantity", "value", "se", "stat", "pval", "lb", "ub"]
        body = _table(cols, [[r[c] if c == "quantity" else r[c] for c in cols] for r in self.summary()])
        foot = [f"converged = {self.converged}, n_iter = {self.n_iter}"
                + (f", fallback: {self.fallback}" if self.fallback else ""),
                f"CI: {self.ci_method}; PI: {self.pi_method}", f"I^2: {self.i2_definition}"]
        return "\n".join([head, body] + foot)


@dataclass(frozen=True, eq=False)
class MetaRegResult:
    """A mixed-effects meta-regression (or equal-effects regression) — ``rma.uni`` with ``mods``.

    ``coef`` … ``ci_ub`` are arrays over the p coefficients named in ``names``; ``QM`` tests the
    coefficients ``btt`` (all but the intercept by default): χ² on ``QMdf[0]`` df, or F on
    ``QMdf = (m, k−p)`` under Knapp–Hartung (``QM`` is then the F statistic). ``R2`` is metafor's
    pseudo-R² in %, ``max(0, 100·(τ²_RE − τ²)/τ²_RE)`` with τ²_RE from the intercept-only model fitted by the
    same estimator (``None`` without an intercept).
    """

    k: int
    p: int
    measure: str
    method: str
    test: str
    level: float
    names: tuple[str, ...]
    intercept: bool
    coef: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    vcov: np.ndarray
    tau2: float
    se_tau2: float
    I2: float
    H2: float
    R2: float | None
    QE: float
    QEp: float
    QM: float
    QMdf: tuple[int, int | None]
    QMp: float
    btt: tuple[int, ...]
    vt: float
    ddf: int | None
    s2w: float
    crit: float
    n_iter: int
    converged: bool
    fallback: str | None
    ci_method: str
    i2_definition: str
    tau2_ci: Tau2CI | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def b(self) -> np.ndarray:
        return self.coef

    def predict(self, newmods=None) -> Prediction:
        """Predictions at the rows of ``newmods`` (moderator values, without the intercept column when the
        model has one), with CIs and PIs as metafor's ``predict()``: ``pred ± crit·√(xᵀVx + τ²)``."""
        q = self.p - int(self.intercept)
        X = np.asarray(newmods, dtype=float)
        if X.ndim == 0:
            X = X.reshape(1, 1)
        elif X.ndim == 1:
            X = X.reshape(-1, 1) if q == 1 else X.reshape(1, -1)
        if X.shape[1] != q:
            raise InputError(f"'newmods' must have {q} column(s); got {X.shape[1]}", "newmods")
        if self.intercept:
            X = np.column_stack([np.ones(X.shape[0]), X])
        pred = X @ self.coef
        vpred = np.einsum("ij,jk,ik->i", X, self.vcov, X)
        se = np.sqrt(vpred)
        pse = np.sqrt(vpred + self.tau2)
        return Prediction(pred, se, pred - self.crit * se, pred + self.crit * se,
                          pred - self.crit * pse, pred + self.crit * pse)

    def summary(self) -> list[dict]:
        """One row per coefficient."""
        return [{"term": self.names[j], "estimate": float(self.coef[j]), "se": float(self.se[j]),
                 "stat": float(self.zval[j]), "pval": float(self.pval[j]), "ci_lb": float(self.ci_lb[j]),
                 "ci_ub": float(self.ci_ub[j])} for j in range(self.p)]

    def __repr__(self) -> str:
        model = "Equal-effects" if self.method == "EE" else f"Mixed-effects ({self.method})"
        head = f"MetaRegResult: {model} meta-regression, k = {self.k}, p = {self.p}, test = {self.test}"
        cols = ["term", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub"]
        body = _table(cols, [[r[c] for c in cols] for r in self.summary()])
        dist = f"F({self.QMdf[0]}, {self.QMdf[1]})" if self.QMdf[1] is not None else f"chi2({self.QMdf[0]})"
        foot = [f"tau^2 = {_fmt(self.tau2)} (SE {_fmt(self.se_tau2)}), I^2 = {_fmt(self.I2, 2)}%, "
                f"H^2 = {_fmt(self.H2)}, R^2 = {_fmt(self.R2, 2)}%",
                f"QE({self.k - self.p}) = {_fmt(self.QE)}, p = {_fmt(self.QEp)}; "
                f"QM {dist} = {_fmt(self.QM)}, p = {_fmt(self.QMp)}",
                f"converged = {self.converged}, n_iter = {self.n_iter}"
                + (f", fallback: {self.fallback}" if self.fallback else "")]
        return "\n".join([head, body] + foot)


@dataclass(frozen=True)
class SubgroupResult:
    """Separate fits per subgroup and the test for subgroup differences.

    The test is metafor's omnibus moderator test of ``rma(yi, vi, mods=~factor(g))`` (``model``): a Wald
    χ² on (levels − 1) df, or F on (levels − 1, k − levels) under Knapp–Hartung, with a τ² common to the
    subgroups.
    """

    groups: dict
    QM: float
    QMdf: tuple[int, int | None]
    QMp: float
    method: str
    test: str
    model: MetaRegResult

    def plot(self, data, groups, path=None, **options):
        """Forest plot of ``data`` in subgroup blocks (``groups``: each study's label), with each subgroup's
        diamond and prediction interval and the test for subgroup differences."""
        from lenvici.evidence.meta import plots

        return plots.forest(data, self, groups=groups, path=path, **options)

    def summary(self) -> list[dict]:
        rows = [{"group": g, "k": r.k, "estimate": r.estimate, "se": r.se, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub,
                 "tau2": r.tau2, "I2": r.I2} for g, r in self.groups.items()]
        rows.append({"group": "test for subgroup differences", "k": sum(r.k for r in self.groups.values()),
                     "estimate": None, "se": None, "ci_lb": None, "ci_ub": None, "tau2": self.model.tau2,
                     "I2": None, "QM": self.QM, "QMdf": self.QMdf, "QMp": self.QMp})
        return rows

    def __repr__(self) -> str:
        cols = ["group", "k", "estimate", "se", "ci_lb", "ci_ub", "tau2", "I2"]
        body = _table(cols, [[r[c] for c in cols] for r in self.summary()[:-1]])
        dist = f"F({self.QMdf[0]}, {self.QMdf[1]})" if self.QMdf[1] is not None else f"chi2({self.QMdf[0]})"
        return (f"SubgroupResult ({self.method}, test = {self.test})\n{body}\n"
                f"test for subgroup differences: {dist} = {_fmt(self.QM)}, p = {_fmt(self.QMp)}")


@dataclass(frozen=True, eq=False)
class BatchResult:
    """m intercept-only fits of the same k at once (:func:`~lenvici.evidence.meta.batch.rma_many`);
    every field an array of length m, named as in :class:`MetaResult`."""

    method: str
    test: str
    level: float
    k: int
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    tau2: np.ndarray
    se_tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    QE: np.ndarray
    QEp: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    fallback: np.ndarray

    @property
    def m(self) -> int:
        return int(self.estimate.size)

    def summary(self) -> list[dict]:
        names = ["estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "QE",
                 "converged"]
        return [{n: (bool if n == "converged" else float)(getattr(self, n)[i]) for n in names}
                for i in range(self.m)]

    def __repr__(self) -> str:
        return (f"BatchResult: {self.m} fits, method = {self.method}, test = {self.test}, k = {self.k}; "
                f"converged {int(np.sum(self.converged))}/{self.m}, fallbacks {int(np.sum(self.fallback))}")
