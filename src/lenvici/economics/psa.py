"""Parameter distributions for probabilistic sensitivity analysis (PSA), drawn for all samples at once.

Univariate distributions are drawn by inversion, x = F⁻¹(u), as heemod does; the uniforms u come from
independent standard normals through Φ, or — for a group of parameters with a correlation matrix R — from
correlated normals z = L ε with R = L Lᵀ (a Gaussian copula), so each margin keeps its own distribution.
A group of normally distributed coefficients with a covariance matrix Σ (a regression's ``vcov``) is drawn
as μ + L ε with Σ = L Lᵀ (Cholesky). A group of probabilities that must sum to one is drawn from a
Dirichlet distribution as normalised gamma variates (heemod's ``multinomial``).

Moment-matching parameterisations (``mean``/``sd``) follow Briggs, Claxton & Sculpher (2006), ch. 4:
beta α = μ(μ(1−μ)/σ² − 1), β = α(1−μ)/μ; gamma shape μ²/σ², scale σ²/μ; log-normal σ_log² = log(1 + σ²/μ²),
μ_log = log μ − σ_log²/2.

References
----------
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic Evaluation. Oxford University
Press, 2006, §4.3 (distributions) and §4.4 (correlation, Cholesky decomposition).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

__all__ = ["Distribution", "make_distribution", "Dirichlet", "MultivariateNormal", "GaussianCopula",
           "draw", "DISTRIBUTIONS"]

#: The univariate families and the parameter sets each accepts.
DISTRIBUTIONS = {
    "beta": ("alpha, beta", "mean, sd"),
    "gamma": ("shape, scale", "shape, rate", "mean, sd"),
    "lognormal": ("meanlog, sdlog", "mean, sd", "mean, sdlog"),
    "normal": ("mean, sd",),
    "uniform": ("low, high",),
    "triangular": ("low, mode, high",),
    "binomial": ("prob, size",),
    "fixed": ("value",),
}


@dataclass(frozen=True)
class Distribution:
    """A univariate distribution: its family, SciPy-ready parameters and mean."""

    family: str
    params: tuple[tuple[str, float], ...]

    @property
    def p(self) -> dict[str, float]:
        return dict(self.params)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function, vectorised over ``u``."""
        p = self.p
        f = self.family
        if f == "beta":
            return stats.beta.ppf(u, p["alpha"], p["beta"])
        if f == "gamma":
            return stats.gamma.ppf(u, p["shape"], scale=p["scale"])
        if f == "lognormal":
            return np.exp(p["meanlog"] + p["sdlog"] * stats.norm.ppf(u))
        if f == "normal":
            return p["mean"] + p["sd"] * stats.norm.ppf(u)
        if f == "uniform":
            return p["low"] + (p["high"] - p["low"]) * np.asarray(u)
        if f == "triangular":
            width = p["high"] - p["low"]
            c = (p["mode"] - p["low"]) / width
            return stats.triang.ppf(u, c, loc=p["low"], scale=width)
        if f == "binomial":
            return stats.binom.ppf(u, p["size"], p["prob"]) / p["size"]
        if f == "fixed":
            return np.full(np.shape(u), p["value"])
        raise AssertionError(f)  # families are checked in make_distribution

    @property
    def mean(self) -> float:
        p = self.p
        f = self.family
        if f == "beta":
            return p["alpha"] / (p["alpha"] + p["beta"])
        if f == "gamma":
            return p["shape"] * p["scale"]
        if f == "lognormal":
            return float(np.exp(p["meanlog"] + p["sdlog"] ** 2 / 2))
        if f in ("normal",):
            return p["mean"]
        if f == "uniform":
            return (p["low"] + p["high"]) / 2
        if f == "triangular":
            return (p["low"] + p["mode"] + p["high"]) / 3
        if f == "binomial":
            return p["prob"]
        return p["value"]


def make_distribution(spec: dict) -> Distribution:
    """Build a distribution from a model-file mapping such as ``{"type": "beta", "mean": .85, "sd": .03}``.

    Raises
    ------
    ValueError
        Unknown family, a parameter set the family does not accept, or values outside their range; the
        message names what is allowed.
    """
    family = spec.get("type")
    if family not in DISTRIBUTIONS:
        raise ValueError(f"distribution type must be one of {', '.join(DISTRIBUTIONS)}; got {family!r}")
    given = {k: v for k, v in spec.items() if k != "type"}
    for k, v in given.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ValueError(f"{family} parameter {k!r} must be a finite number; got {v!r}")
    keys = set(given)
    allowed = " or ".join(f"({a})" for a in DISTRIBUTIONS[family])
    g = {k: float(v) for k, v in given.items()}

    def positive(*names):
        for n in names:
            if g[n] <= 0:
                raise ValueError(f"{family} parameter {n!r} must be > 0; got {g[n]!r}")

    if family == "beta":
        if keys == {"alpha", "beta"}:
            positive("alpha", "beta")
            return Distribution("beta", (("alpha", g["alpha"]), ("beta", g["beta"])))
        if keys == {"mean", "sd"}:
            m, s = g["mean"], g["sd"]
            if not 0 < m < 1 or s <= 0 or s * s >= m * (1 - m):
                raise ValueError(f"beta needs 0 < mean < 1 and 0 < sd² < mean·(1 − mean); got mean={m}, sd={s}")
            k = m * (1 - m) / (s * s) - 1
            return Distribution("beta", (("alpha", m * k), ("beta", (1 - m) * k)))
    elif family == "gamma":
        if keys == {"shape", "scale"}:
            positive("shape", "scale")
            return Distribution("gamma", (("shape", g["shape"]), ("scale", g["scale"])))
        if keys == {"shape", "rate"}:
            positive("shape", "rate")
            return Distribution("gamma", (("shape", g["shape"]), ("scale", 1 / g["rate"])))
        if keys == {"mean", "sd"}:
            positive("mean", "sd")
            return Distribution("gamma", (("shape", (g["mean"] / g["sd"]) ** 2), ("scale", g["sd"] ** 2 / g["mean"])))
    elif family == "lognormal":
        if keys == {"meanlog", "sdlog"}:
            positive("sdlog")
            return Distribution("lognormal", (("meanlog", g["meanlog"]), ("sdlog", g["sdlog"])))
        if keys in ({"mean", "sd"}, {"mean", "sdlog"}):
            positive(*keys)
            sdlog = g["sdlog"] if "sdlog" in g else float(np.sqrt(np.log1p((g["sd"] / g["mean"]) ** 2)))
            return Distribution("lognormal", (("meanlog", float(np.log(g["mean"]) - sdlog**2 / 2)), ("sdlog", sdlog)))
    elif family == "normal":
        if keys == {"mean", "sd"}:
            positive("sd")
            return Distribution("normal", (("mean", g["mean"]), ("sd", g["sd"])))
    elif family == "uniform":
        if keys == {"low", "high"}:
            if not g["low"] < g["high"]:
                raise ValueError(f"uniform needs low < high; got low={g['low']}, high={g['high']}")
            return Distribution("uniform", (("low", g["low"]), ("high", g["high"])))
    elif family == "triangular":
        if keys == {"low", "mode", "high"}:
            if not g["low"] <= g["mode"] <= g["high"] or g["low"] == g["high"]:
                raise ValueError("triangular needs low ≤ mode ≤ high and low < high")
            return Distribution("triangular", (("low", g["low"]), ("mode", g["mode"]), ("high", g["high"])))
    elif family == "binomial":
        if keys == {"prob", "size"}:
            if not 0 <= g["prob"] <= 1 or g["size"] < 1 or g["size"] != int(g["size"]):
                raise ValueError("binomial needs 0 ≤ prob ≤ 1 and a whole size ≥ 1")
            return Distribution("binomial", (("prob", g["prob"]), ("size", g["size"])))
    elif family == "fixed":
        if keys == {"value"}:
            return Distribution("fixed", (("value", g["value"]),))
    raise ValueError(f"{family} takes {allowed}; got ({', '.join(sorted(keys))})")


@dataclass(frozen=True)
class Dirichlet:
    """Probabilities ``names`` that sum to one, Dirichlet(``alpha``) — e.g. observed transition counts."""

    names: tuple[str, ...]
    alpha: tuple[float, ...]

    def __post_init__(self):
        if len(self.names) != len(self.alpha) or len(self.names) < 2:
            raise ValueError("dirichlet needs as many counts as parameters, at least two")
        if any(a <= 0 for a in self.alpha):
            raise ValueError("dirichlet counts must all be > 0")


@dataclass(frozen=True)
class MultivariateNormal:
    """Coefficients ``names`` ~ N(``mean``, ``cov``), drawn through the Cholesky factor of ``cov``."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]
    chol: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        k = len(self.names)
        cov = np.asarray(self.cov, dtype=float)
        if cov.shape != (k, k) or len(self.mean) != k:
            raise ValueError(f"covariance must be {k}×{k} for {k} parameters; got shape {cov.shape}")
        if not np.allclose(cov, cov.T, rtol=0, atol=1e-12 * max(1.0, np.abs(cov).max())):
            raise ValueError("covariance matrix must be symmetric")
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("covariance matrix is not positive definite (Cholesky failed)") from None
        object.__setattr__(self, "chol", chol)


@dataclass(frozen=True)
class GaussianCopula:
    """Correlation ``corr`` between the normal scores of parameters with univariate distributions."""

    names: tuple[str, ...]
    corr: tuple[tuple[float, ...], ...]
    chol: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        k = len(self.names)
        r = np.asarray(self.corr, dtype=float)
        if r.shape != (k, k):
            raise ValueError(f"correlation matrix must be {k}×{k}; got shape {r.shape}")
        if not np.allclose(np.diag(r), 1.0) or not np.allclose(r, r.T) or np.any(np.abs(r) > 1):
            raise ValueError("correlation matrix must be symmetric with a unit diagonal and entries in [−1, 1]")
        try:
            chol = np.linalg.cholesky(r)
        except np.linalg.LinAlgError:
            raise ValueError("correlation matrix is not positive definite (Cholesky failed)") from None
        object.__setattr__(self, "chol", chol)


def draw(n: int, rng: np.random.Generator, univariate: dict[str, Distribution],
         copulas: tuple[GaussianCopula, ...] = (), mvnormals: tuple[MultivariateNormal, ...] = (),
         dirichlets: tuple[Dirichlet, ...] = ()) -> dict[str, np.ndarray]:
    """``n`` joint draws of every parameter, as a mapping name → array of shape ``(n,)``.

    Parameters
    ----------
    n
        Number of samples.
    rng
        The random generator (pass ``numpy.random.default_rng(seed)``).
    univariate
        Distribution of each independently or copula-correlated parameter.
    copulas, mvnormals, dirichlets
        Groups; a parameter belongs to at most one group.
    """
    z = rng.standard_normal((n, len(univariate)))
    names = list(univariate)
    col = {name: i for i, name in enumerate(names)}
    for cop in copulas:
        idx = [col[nm] for nm in cop.names]
        z[:, idx] = z[:, idx] @ cop.chol.T
    u = stats.norm.cdf(z)
    out = {name: univariate[name].ppf(u[:, col[name]]) for name in names}
    for mv in mvnormals:
        eps = rng.standard_normal((n, len(mv.names)))
        x = np.asarray(mv.mean) + eps @ mv.chol.T
        for j, name in enumerate(mv.names):
            out[name] = x[:, j]
    for d in dirichlets:
        g = rng.gamma(np.asarray(d.alpha), size=(n, len(d.alpha)))
        g /= g.sum(axis=1, keepdims=True)
        for j, name in enumerate(d.names):
            out[name] = g[:, j]
    return out
