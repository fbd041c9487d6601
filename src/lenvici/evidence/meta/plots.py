"""Plots of a meta-analysis: forest, contour-enhanced funnel and Baujat plots (matplotlib, Agg canvas).

Each function takes the study-level data (an :class:`~lenvici.evidence.meta.effects.EffectSizes`) and the
fit (a :class:`~lenvici.evidence.meta.result.MetaResult`, or a
:class:`~lenvici.evidence.meta.result.SubgroupResult` for the forest plot), draws on a new
:class:`matplotlib.figure.Figure` with an Agg canvas (no pyplot, no global state) and returns it; given a
``path`` it also saves the figure, as SVG, PNG or PDF by the file's suffix.

Axes are drawn on the scale of the analysis (log odds, logit, Freeman–Tukey …) and labelled on the natural
scale — proportions, odds or hazard ratios — as metafor's ``atransf``: ticks sit at round natural values
(0.1, 0.2, 0.5 … or 0.25, 0.5, 1, 2, 4 …) mapped through the measure's transformation. Printed values are
back-transformed the same way (:func:`~lenvici.evidence.meta.transforms.back_transform`; Freeman–Tukey with
the harmonic mean of the sample sizes, metafor's ``transf.ipft.hm``).

Forest plot
    One row per study: label, a square with area proportional to the study's weight in its block
    (wᵢ = 1/(vᵢ + τ̂²), in % of the block's total — the weights of the model that pooled it), its
    (normal-quantile) confidence interval, and the weight and estimate [CI] in the right-hand columns.
    Each pooled block ends with its diamond (estimate and CI of the fit, whichever CI method it used),
    its prediction interval drawn as a bar on a row of its own, and a line with τ², I², Q and the test of
    the pooled effect. With a ``SubgroupResult`` every subgroup is its own block, followed by the test for
    subgroup differences; ``overall`` adds a final diamond for all studies.
Funnel plot
    Outcomes against standard errors (the y axis reversed), the pseudo-confidence region
    estimate ± z·SE, and — contour-enhanced (Peters et al. 2008) — shaded bands where a study would be
    significant at p < 0.10, 0.05 and 0.01 against the null value.
Baujat plot
    Each study's squared Pearson residual (yᵢ − μ̂)²/(vᵢ + τ̂²) — its contribution to heterogeneity —
    against its influence on the pooled result (μ̂₋ᵢ − μ̂)²/Var(μ̂₋ᵢ), the leave-one-out fits refitted with
    the model's estimator and test; metafor's ``baujat.rma`` definitions.

References
----------
Lewis S, Clarke M. Forest plots: trying to see the wood and the trees. BMJ 2001;322:1479–1480,
doi:10.1136/bmj.322.7300.1479.
Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L. Contour-enhanced meta-analysis funnel plots help
distinguish publication bias from other causes of asymmetry. J Clin Epidemiol 2008;61:991–996,
doi:10.1016/j.jclinepi.2007.11.010.
Baujat B, Mahé C, Pignon JP, Hill C. A graphical method for exploring heterogeneity in meta-analyses:
application to a meta-analysis of 65 trials. Stat Med 2002;21:2641–2652, doi:10.1002/sim.1221.
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3):1–48,
doi:10.18637/jss.v036.i03 (``forest``, ``funnel``, ``baujat``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon
from matplotlib.ticker import MaxNLocator
from scipy.special import expit, logit
from scipy.stats import norm

from lenvici.errors import InputError
from lenvici.evidence.meta.effects import RATIO_MEASURES, EffectSizes
from lenvici.evidence.meta.result import MetaResult, SubgroupResult
from lenvici.evidence.meta.transforms import back_transform, iarcsin, ipft_hm, pft

__all__ = ["PLOT_FORMATS", "forest", "funnel", "baujat", "baujat_values", "plot", "save_figure"]

#: File suffixes :func:`save_figure` writes.
PLOT_FORMATS = (".svg", ".png", ".pdf")

_INK = "#1a1a1a"
_STUDY = "#2b5d8a"
_POOLED = "#1a1a1a"
_PI = "#b2182b"
_FONT = 8.5
_ROW_IN = 0.24  # row height, inches
_PROPORTIONS = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95,
                0.98, 0.99, 0.995, 0.998, 0.999, 1.0)
_RATIOS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 50.0,
           100.0, 200.0, 500.0, 1000.0)
_MEDIANS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0)
_EFFECT_NAMES = {
    "PR": "Proportion", "PLO": "Proportion", "PAS": "Proportion", "PFT": "Proportion",
    "OR": "Odds ratio", "RR": "Risk ratio", "RD": "Risk difference", "HR": "Hazard ratio",
    "IRR": "Incidence rate ratio", "ROM": "Ratio of means", "MEDLN": "Median", "ROMED": "Ratio of medians",
}


# --- scales ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scale:
    """How the analysis scale (the axis) maps to the natural scale (the labels)."""

    natural: Callable[[np.ndarray], np.ndarray] | None  # axis → natural; None: label the axis as it is
    to_axis: Callable[[np.ndarray], np.ndarray] | None  # natural → axis
    candidates: tuple[float, ...] | None
    domain: tuple[float, float]  # admissible axis range
    null: float | None  # the axis value of "no effect", where a reference line goes


def _scale(measure: str, ni, transform: bool) -> _Scale:
    inf = (-math.inf, math.inf)
    if not transform:
        return _Scale(None, None, None, inf, 0.0 if measure not in ("PR", "PLO", "PAS", "PFT") else None)
    if measure == "PLO":
        return _Scale(expit, lambda p: logit(np.asarray(p, float)), _PROPORTIONS, inf, None)
    if measure == "PAS":
        return _Scale(iarcsin, lambda p: np.arcsin(np.sqrt(np.asarray(p, float))), _PROPORTIONS,
                      (0.0, math.pi / 2), None)
    if measure == "PFT" and ni is not None:
        # Studies transformed with their own n can lie beyond pft(0 or 1, n̄ₕ): no clipping of the axis.
        n = np.asarray(ni, float)
        nhm = 1.0 / np.mean(1.0 / n)
        return _Scale(lambda x: ipft_hm(x, n), lambda p: pft(np.asarray(p, float), nhm), _PROPORTIONS, inf,
                      None)
    if measure == "PR":
        return _Scale(lambda x: np.asarray(x, float), lambda p: np.asarray(p, float), None, inf, None)
    if measure in RATIO_MEASURES:
        medians = measure == "MEDLN"
        return _Scale(lambda x: np.exp(np.asarray(x, float)), lambda r: np.log(np.asarray(r, float)),
                      _MEDIANS if medians else _RATIOS, inf, None if medians else 0.0)
    return _Scale(None, None, None, inf, None if measure == "PFT" else 0.0)


def _natural(scale: _Scale, values) -> np.ndarray:
    values = np.asarray(values, float)
    return values if scale.natural is None else np.asarray(scale.natural(values), float)


def _set_ticks(ax, scale: _Scale, lo: float, hi: float) -> None:
    """Ticks at round natural values inside [lo, hi] (axis scale), at least ~1/7 of the range apart."""
    if scale.candidates is None or scale.to_axis is None:
        if scale.natural is None:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
            return
        ticks = MaxNLocator(nbins=6).tick_values(lo, hi)
        ticks = ticks[(ticks >= lo) & (ticks <= hi)]
        ax.set_xticks(ticks, [_tick(v) for v in _natural(scale, ticks)])
        return
    cand = np.array(scale.candidates)
    pos = np.asarray(scale.to_axis(cand), float)
    keep = np.isfinite(pos) & (pos >= lo) & (pos <= hi)
    cand, pos = cand[keep], pos[keep]
    gap = (hi - lo) / 8.5
    chosen: list[int] = []
    # Round values first (1, 0.5, 2 …): the reference 1 or 0.5 stays when others compete for space.
    order = sorted(range(cand.size), key=lambda i: (_roundness(cand[i]), i))
    for i in order:
        if all(abs(pos[i] - pos[j]) >= gap for j in chosen):
            chosen.append(i)
    chosen.sort()
    if len(chosen) < 2:
        ticks = MaxNLocator(nbins=5).tick_values(lo, hi)
        ticks = ticks[(ticks >= lo) & (ticks <= hi)]
        ax.set_xticks(ticks, [_tick(v) for v in _natural(scale, ticks)])
        return
    ax.set_xticks(pos[chosen], [_tick(v) for v in cand[chosen]])


def _roundness(v: float) -> int:
    for rank, group in enumerate(((1.0,), (0.5,), (0.1, 10.0, 0.2, 0.8, 2.0, 5.0, 0.05, 0.95, 0.01, 0.99),
                                  (0.3, 0.7, 0.4, 0.6, 0.25, 4.0, 20.0, 100.0, 0.02, 0.98))):
        if any(math.isclose(v, g) for g in group):
            return rank
    return 4


def _tick(v: float) -> str:
    if not math.isfinite(v):
        return ""
    return f"{float(f'{v:.3g}'):g}"


def _fmt_ci(est: float, lb: float, ub: float, digits: int) -> str:
    if not math.isfinite(est):
        return "NA"
    return f"{est:.{digits}f} [{lb:.{digits}f}, {ub:.{digits}f}]"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "NA"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --- saving ------------------------------------------------------------------------------------------

def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save ``fig`` as SVG, PNG or PDF according to the suffix of ``path`` (PNG at ``dpi``).

    SVG keeps text as text (``svg.fonttype = 'none'``) so that labels stay editable in a journal's
    production tools.

    Raises
    ------
    InputError
        The suffix is not one of :data:`PLOT_FORMATS`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PLOT_FORMATS:
        raise InputError(f"plot file {str(path)!r} must end in {', '.join(PLOT_FORMATS)}; "
                         f"got {suffix or 'no suffix'!r}", "path")
    path.parent.mkdir(parents=True, exist_ok=True)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "lenvici"}):
        fig.savefig(path, format=suffix[1:], dpi=dpi, bbox_inches="tight", metadata=_metadata(suffix))
    return path


def _metadata(suffix: str) -> dict | None:
    if suffix == ".png":
        return {"Software": "lenvici (matplotlib)"}
    if suffix == ".svg":
        return {"Date": None}  # reproducible files
    if suffix == ".pdf":
        return {"CreationDate": None}
    return None


# --- forest plot ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Block:
    name: str | None
    index: np.ndarray
    result: MetaResult


def _check_data(data) -> EffectSizes:
    if not isinstance(data, EffectSizes):
        raise InputError(f"'data' must be an EffectSizes (from escalc, proportion, two_group, generic …); "
                         f"got {type(data).__name__}", "data")
    return data


def _weights(v: np.ndarray, res: MetaResult) -> np.ndarray:
    tau2 = res.tau2 if (res.method != "EE" and math.isfinite(res.tau2)) else 0.0
    w = 1.0 / (v + tau2)
    return 100.0 * w / w.sum()


def _model_name(res: MetaResult) -> str:
    if res.method == "EE":
        base = "Common-effect model"
    else:
        base = f"Random-effects model ({res.method}"
        base += ", Knapp–Hartung)" if res.test in ("knha", "adhoc") else ")"
    return base


def _het_text(res: MetaResult) -> str:
    parts = []
    if res.method != "EE":
        parts.append(f"τ² = {res.tau2:.3g}")
    parts.append(f"I² = {res.I2:.1f}%")
    parts.append(f"Q({res.k - 1}) = {res.QE:.2f}, {_p(res.QEp)}")
    stat = "t" if res.ddf is not None else "z"
    parts.append(f"{stat} = {res.zval:.2f}, {_p(res.pval)}")
    return "; ".join(parts)


def _blocks(data: EffectSizes, result, groups) -> list[_Block]:
    from lenvici.evidence.meta.model import rma

    if result is None:
        result = rma(data)
    if isinstance(result, SubgroupResult):
        if groups is None:
            raise InputError("a SubgroupResult needs 'groups': the subgroup label of every study", "groups")
        g = np.array([str(x) for x in groups], dtype=object)
        if g.size != data.k:
            raise InputError(f"'groups' must have one label per study ({data.k}); got {g.size}", "groups")
        blocks = []
        for name, res in result.groups.items():
            idx = np.flatnonzero(g == name)
            if idx.size != res.k:
                raise InputError(f"subgroup {name!r} has {idx.size} studies in 'groups' but its fit has k={res.k}",
                                 "groups")
            blocks.append(_Block(name, idx, res))
        return blocks
    if isinstance(result, MetaResult):
        if result.k != data.k:
            raise InputError(f"the fit has k={result.k} studies but 'data' has {data.k}", "result")
        return [_Block(None, np.arange(data.k), result)]
    raise InputError(f"'result' must be a MetaResult or SubgroupResult; got {type(result).__name__}", "result")


def forest(data: EffectSizes, result: MetaResult | SubgroupResult | None = None, *,
           groups: Sequence | None = None, overall: MetaResult | None = None,
           labels: Sequence[str] | None = None, transform: bool = True, digits: int = 2,
           xlim: tuple[float, float] | None = None, xlabel: str | None = None, title: str | None = None,
           refline: float | str | None = "auto", show_pi: bool = True, path: str | Path | None = None) -> Figure:
    """Forest plot of the studies in ``data`` with the pooled result(s) of ``result``.

    Parameters
    ----------
    data
        Study outcomes and variances (``study`` labels, when present, label the rows).
    result
        The fit of ``data`` (:func:`~lenvici.evidence.meta.model.rma`), or a subgroup analysis
        (:func:`~lenvici.evidence.meta.subgroup.subgroup`); ``None`` fits REML.
    groups
        With a ``SubgroupResult``: each study's subgroup label (the blocks follow the result's order).
    overall
        An optional fit of all studies, drawn as a last diamond (e.g. below the subgroup blocks).
    labels
        Row labels; default ``data.study`` or "Study 1" ….
    transform
        Label the axis and print values on the natural scale (proportions, ratios); ``False`` keeps the
        analysis scale.
    digits
        Decimals of the printed estimates.
    xlim
        Axis limits on the analysis scale (log OR, logit …); default from the intervals.
    xlabel, title
        Axis label (default: the measure's name) and figure title.
    refline
        ``"auto"``: a vertical line at no effect (ratio 1, difference 0) where the measure has one; a
        number on the natural scale; ``None``: none.
    show_pi
        Draw the prediction interval of each random-effects block.
    path
        Save the figure there (``.svg``, ``.png``, ``.pdf``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = _check_data(data)
    blocks = _blocks(data, result, groups)
    if overall is not None and not isinstance(overall, MetaResult):
        raise InputError(f"'overall' must be a MetaResult; got {type(overall).__name__}", "overall")
    labels = list(labels) if labels is not None else (list(data.study) if data.study else
                                                      [f"Study {i + 1}" for i in range(data.k)])
    if len(labels) != data.k:
        raise InputError(f"'labels' must have one label per study ({data.k}); got {len(labels)}", "labels")
    y, v = np.asarray(data.yi, float), np.asarray(data.vi, float)
    measure = data.measure
    scale = _scale(measure, data.ni, transform)
    first = blocks[0].result
    level = first.level
    z = float(norm.isf((1 - level / 100) / 2))
    lo_i, hi_i = y - z * np.sqrt(v), y + z * np.sqrt(v)

    def nat3(est, lb, ub):
        vals = _natural(scale, [est, lb, ub])
        return vals[0], min(vals[1], vals[2]), max(vals[1], vals[2])

    # Rows, top to bottom: (kind, payload).
    rows: list[tuple[str, object]] = []
    for b in blocks:
        if b.name is not None:
            rows.append(("group", b.name))
        rows.extend(("study", int(i)) for i in b.index)
        rows.append(("diamond", b))
        if show_pi and b.result.method != "EE" and b.result.k > 1:
            rows.append(("pi", b))
        rows.append(("het", b))
        rows.append(("gap", None))
    if isinstance(result, SubgroupResult):
        rows.append(("subgroup-test", result))
        rows.append(("gap", None))
    if overall is not None:
        ob = _Block("Overall", np.arange(data.k), overall)
        rows.append(("diamond", ob))
        if show_pi and overall.method != "EE" and overall.k > 1:
            rows.append(("pi", ob))
        rows.append(("het", ob))
    while rows and rows[-1][0] == "gap":
        rows.pop()

    n_rows = len(rows)
    names = [_model_name(b.result) for b in blocks] + ([f"Overall: {_model_name(overall)}"] if overall else [])
    left_in = min(4.6, max([0.066 * len(str(t)) + 0.35 for t in labels]
                           + [0.078 * len(t) + 0.15 for t in names]
                           + [0.078 * len(str(b.name)) + 0.15 for b in blocks if b.name] + [1.6]))
    plot_in, right_in = 3.2, 2.5
    top_in = 0.15 + (0.3 if title else 0.0)
    height = 0.6 + top_in + _ROW_IN * (n_rows + 1.6)
    fig = _new_figure(left_in + plot_in + right_in, height)
    gs = fig.add_gridspec(1, 3, width_ratios=[left_in, plot_in, right_in], wspace=0.0,
                          left=0.02, right=0.98, top=1 - top_in / height, bottom=0.55 / height)
    ax_l, ax, ax_r = (fig.add_subplot(gs[0, j]) for j in range(3))
    for a in (ax_l, ax_r):
        a.set_xlim(0, 1)
        a.axis("off")
    ylim = (-(n_rows + 0.25), 1.3)
    for a in (ax_l, ax, ax_r):
        a.set_ylim(*ylim)
    ax.set_yticks([])
    ax.patch.set_visible(False)  # the heterogeneity lines may run on under the plot
    ax.set_zorder(ax_l.get_zorder() - 1)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)

    # Header.
    transformed_measure = measure in ("PLO", "PAS", "PFT") or measure in RATIO_MEASURES
    if scale.natural is None and transformed_measure:
        effect = measure  # drawn and printed on the analysis scale
    else:
        effect = _EFFECT_NAMES.get(measure, "Estimate")
    ax_l.text(0.02, 0.6, "Study", ha="left", va="center", fontsize=_FONT, fontweight="bold", color=_INK)
    ax_r.text(0.24, 0.6, "Weight", ha="right", va="center", fontsize=_FONT, fontweight="bold", color=_INK)
    ax_r.text(0.97, 0.6, f"{effect} [{level:g}% CI]", ha="right", va="center", fontsize=_FONT,
              fontweight="bold", color=_INK)
    for a in (ax_l, ax, ax_r):
        a.axhline(0.15, color=_INK, lw=0.6, xmin=0, xmax=1)

    spans = [lo_i, hi_i]
    weights = {int(i): 0.0 for i in range(data.k)}
    for b in blocks:
        w = _weights(v[b.index], b.result)
        for i, wi in zip(b.index, w):
            weights[int(i)] = float(wi)
    wmax = max(weights.values()) if weights else 1.0

    for r, (kind, payload) in enumerate(rows):
        yy = -(r + 0.5)
        if kind == "group":
            ax_l.text(0.02, yy, str(payload), ha="left", va="center", fontsize=_FONT, fontweight="bold",
                      color=_INK)
        elif kind == "study":
            i = payload
            ax_l.text(0.06 if len(blocks) > 1 or blocks[0].name else 0.02, yy, str(labels[i]), ha="left",
                      va="center", fontsize=_FONT, color=_INK)
            ax.plot([lo_i[i], hi_i[i]], [yy, yy], color=_INK, lw=0.8, solid_capstyle="butt", zorder=2)
            side = max(2.5, 11.0 * math.sqrt(weights[i] / wmax)) if wmax > 0 else 4.0
            ax.scatter([y[i]], [yy], marker="s", s=side ** 2, color=_STUDY, edgecolors="none", zorder=3)
            ax_r.text(0.24, yy, f"{weights[i]:.1f}%", ha="right", va="center", fontsize=_FONT, color=_INK)
            est, lb, ub = nat3(y[i], lo_i[i], hi_i[i])
            ax_r.text(0.97, yy, _fmt_ci(est, lb, ub, digits), ha="right", va="center", fontsize=_FONT,
                      color=_INK, family="DejaVu Sans Mono")
        elif kind == "diamond":
            b = payload
            res = b.result
            name = _model_name(res) if b.name is None or b.name == "Overall" else f"{_model_name(res)}"
            if b.name == "Overall":
                name = f"Overall: {name[0].lower()}{name[1:]}"
            ax_l.text(0.02, yy, name, ha="left", va="center", fontsize=_FONT, fontweight="bold", color=_INK)
            if math.isfinite(res.estimate):
                ax.add_patch(Polygon([(res.ci_lb, yy), (res.estimate, yy + 0.32), (res.ci_ub, yy),
                                      (res.estimate, yy - 0.32)], closed=True, facecolor=_POOLED,
                                     edgecolor=_POOLED, lw=0.6, zorder=3))
                spans.append(np.array([res.ci_lb, res.ci_ub]))
                est, lb, ub = _pooled_natural(res, scale, data, b.index)
                ax_r.text(0.97, yy, _fmt_ci(est, lb, ub, digits), ha="right", va="center", fontsize=_FONT,
                          fontweight="bold", color=_INK, family="DejaVu Sans Mono")
            else:
                ax_r.text(0.97, yy, "not estimable", ha="right", va="center", fontsize=_FONT, color=_INK)
            ax_r.text(0.24, yy, "100%", ha="right", va="center", fontsize=_FONT, fontweight="bold", color=_INK)
        elif kind == "pi":
            res = payload.result
            if math.isfinite(res.pi_lb) and math.isfinite(res.pi_ub):
                ax_l.text(0.06, yy, f"{res.level:g}% prediction interval", ha="left", va="center",
                          fontsize=_FONT - 0.5, color=_PI)
                ax.plot([res.pi_lb, res.pi_ub], [yy, yy], color=_PI, lw=2.2, solid_capstyle="butt", zorder=3)
                for xe in (res.pi_lb, res.pi_ub):
                    ax.plot([xe, xe], [yy - 0.18, yy + 0.18], color=_PI, lw=1.0, zorder=3)
                ax.plot([res.estimate], [yy], marker="|", color="white", ms=6, mew=1.2, zorder=4)
                spans.append(np.array([res.pi_lb, res.pi_ub]))
                _, plb, pub = _pooled_natural(res, scale, data, payload.index, pi=True)
                ax_r.text(0.97, yy, f"[{plb:.{digits}f}, {pub:.{digits}f}]", ha="right", va="center",
                          fontsize=_FONT - 0.5, color=_PI, family="DejaVu Sans Mono")
        elif kind == "het":
            ax_l.text(0.06 if len(blocks) > 1 or payload.name == "Overall" or blocks[0].name else 0.02, yy,
                      _het_text(payload.result), ha="left", va="center", fontsize=_FONT - 1.5,
                      color="#444444", style="italic", clip_on=False)
        elif kind == "subgroup-test":
            sg = payload
            dist = (f"F({sg.QMdf[0]}, {sg.QMdf[1]})" if sg.QMdf[1] is not None else f"χ²({sg.QMdf[0]})")
            ax_l.text(0.02, yy, f"Test for subgroup differences: {dist} = {sg.QM:.2f}, {_p(sg.QMp)}",
                      ha="left", va="center", fontsize=_FONT - 0.5, color=_INK, clip_on=False)

    allx = np.concatenate([np.atleast_1d(s) for s in spans])
    allx = allx[np.isfinite(allx)]
    if xlim is None:
        lo, hi = (float(allx.min()), float(allx.max())) if allx.size else (-1.0, 1.0)
        if hi - lo <= 0:
            lo, hi = lo - 0.5, hi + 0.5
        pad = 0.05 * (hi - lo)
        lo, hi = max(lo - pad, scale.domain[0]), min(hi + pad, scale.domain[1])
    else:
        lo, hi = float(xlim[0]), float(xlim[1])
        if not hi > lo:
            raise InputError(f"'xlim' must be increasing; got {xlim!r}", "xlim")
    ax.set_xlim(lo, hi)
    # Clip study CIs that leave the window with arrows, as metafor does.
    for r, (kind, payload) in enumerate(rows):
        if kind == "study":
            i, yy = payload, -(r + 0.5)
            if lo_i[i] < lo:
                ax.annotate("", xy=(lo, yy), xytext=(lo + 0.04 * (hi - lo), yy),
                            arrowprops=dict(arrowstyle="-|>", color=_INK, lw=0.8, mutation_scale=6))
            if hi_i[i] > hi:
                ax.annotate("", xy=(hi, yy), xytext=(hi - 0.04 * (hi - lo), yy),
                            arrowprops=dict(arrowstyle="-|>", color=_INK, lw=0.8, mutation_scale=6))
    _set_ticks(ax, scale, lo, hi)
    ax.tick_params(axis="x", labelsize=_FONT - 0.5, colors=_INK, width=0.6, length=3)
    ax.spines["bottom"].set_linewidth(0.6)
    # Vertical lines run from the first study row to the last diamond, not through the text rows below.
    last = max(r for r, (kind, _) in enumerate(rows) if kind == "diamond")
    top, bottom = 0.0, -(last + 1.0)
    ref = _refline(refline, scale)
    if ref is not None and lo < ref < hi:
        ax.plot([ref, ref], [top, bottom], color="#777777", lw=0.7, ls=(0, (3, 2)), zorder=1)
    if len(blocks) == 1 and overall is None and math.isfinite(blocks[0].result.estimate):
        est = blocks[0].result.estimate
        ax.plot([est, est], [top, bottom], color=_POOLED, lw=0.5, ls=":", zorder=1)
    ax.set_xlabel(xlabel if xlabel is not None else _axis_label(measure, scale), fontsize=_FONT, color=_INK)
    if title:
        fig.suptitle(title, fontsize=_FONT + 1.5, fontweight="bold", color=_INK, y=1 - 0.12 / height,
                     va="top")
    if path is not None:
        save_figure(fig, path)
    return fig


def _pooled_natural(res: MetaResult, scale: _Scale, data: EffectSizes, index, *, pi: bool = False):
    """The pooled estimate and CI (or PI) on the plot's natural scale."""
    if scale.natural is None:
        vals = [res.estimate, res.pi_lb, res.pi_ub] if pi else [res.estimate, res.ci_lb, res.ci_ub]
        return tuple(float(x) for x in vals)
    t = res.transformed
    if t is not None and res.measure == data.measure:
        if pi:
            return t.estimate, t.pi_lb, t.pi_ub
        return t.estimate, t.ci_lb, t.ci_ub
    vals = [res.estimate, res.pi_lb, res.pi_ub] if pi else [res.estimate, res.ci_lb, res.ci_ub]
    ni = None if data.ni is None else np.asarray(data.ni)[index]
    nat = back_transform(data.measure, vals, ni)
    nat = _natural(scale, vals) if nat is None else nat
    return float(nat[0]), float(min(nat[1], nat[2])), float(max(nat[1], nat[2]))


def _refline(refline, scale: _Scale) -> float | None:
    if refline is None:
        return None
    if isinstance(refline, str):
        if refline != "auto":
            raise InputError(f"'refline' must be 'auto', a number or None; got {refline!r}", "refline")
        return scale.null
    value = float(refline)
    if scale.to_axis is None:
        return value
    return float(scale.to_axis(np.array([value]))[0])


def _axis_label(measure: str, scale: _Scale) -> str:
    name = _EFFECT_NAMES.get(measure)
    if scale.natural is None:
        return {"GEN": "Outcome", "PFT": "Freeman–Tukey transformed proportion"}.get(measure, name or measure)
    if measure in ("OR", "RR", "HR", "IRR", "ROM", "MEDLN", "ROMED"):
        return f"{name} (log scale)"
    if measure == "PLO":
        return "Proportion (logit scale)"
    if measure == "PAS":
        return "Proportion (arcsine scale)"
    if measure == "PFT":
        return "Proportion (Freeman–Tukey scale)"
    return name or measure


# --- funnel plot ---------------------------------------------------------------------------------------

def funnel(data: EffectSizes, result: MetaResult | None = None, *, contours: Sequence[float] = (0.90, 0.95, 0.99),
           null: float | None = None, transform: bool = True, labels: bool | Sequence[str] = False,
           title: str | None = None, path: str | Path | None = None) -> Figure:
    """Contour-enhanced funnel plot: outcome against standard error (y axis reversed).

    Parameters
    ----------
    data, result
        The studies and their fit (``None`` fits REML).
    contours
        Confidence levels (fractions) whose two-sided significance bounds ``null ± z·SE`` are shaded;
        ``()`` draws a plain funnel.
    null
        Centre of the significance contours on the natural scale; default no effect (ratio 1, difference
        0) and, for single proportions (no null value), the pooled estimate.
    transform, title, path
        As for :func:`forest`. ``labels``: ``True`` labels the points with ``data.study``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from lenvici.evidence.meta.model import rma

    data = _check_data(data)
    res = rma(data) if result is None else result
    if not isinstance(res, MetaResult):
        raise InputError(f"'result' must be a MetaResult; got {type(res).__name__}", "result")
    if res.k != data.k:
        raise InputError(f"the fit has k={res.k} studies but 'data' has {data.k}", "result")
    lev = sorted(float(c) for c in contours)
    for c in lev:
        if not 0 < c < 1:
            raise InputError(f"'contours' must be levels in (0, 1); got {c}", "contours")
    y, se = np.asarray(data.yi, float), np.sqrt(np.asarray(data.vi, float))
    scale = _scale(data.measure, data.ni, transform)
    if null is None:
        centre = scale.null if scale.null is not None else res.estimate
    else:
        centre = _refline(float(null), scale)
    se_max = float(se.max()) * 1.08
    grid = np.linspace(0.0, se_max, 200)
    fig = _new_figure(5.2, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    handles = []
    if lev:
        zs = [float(norm.isf((1 - c) / 2)) for c in lev]
        width = max(float(np.max(np.abs(y - centre))), zs[-1] * se_max, 1e-9) * 1.05
        lo, hi = centre - width, centre + width
        # Bands from the outside in: beyond the widest bound (most significant) to inside the narrowest
        # (p above the largest level, white); darker grays nearer the centre, as metafor's defaults.
        greys = [str(g) for g in np.linspace(0.90, 0.65, len(lev))]
        p_levels = [1 - c for c in lev]
        ax.fill_betweenx(grid, lo, hi, color=greys[0], lw=0, zorder=0)
        entries = [(greys[0], f"p < {_tick(p_levels[-1])}")]
        for j in range(len(lev) - 1, -1, -1):
            colour = "white" if j == 0 else greys[len(lev) - j]
            ax.fill_betweenx(grid, centre - zs[j] * grid, centre + zs[j] * grid, color=colour, lw=0, zorder=0)
            text = (f"p > {_tick(p_levels[0])}" if j == 0
                    else f"{_tick(p_levels[j])} < p < {_tick(p_levels[j - 1])}")
            entries.append((colour, text))
        handles = [Patch(facecolor=c, edgecolor="#999999", lw=0.5, label=t) for c, t in entries]
    else:
        width = max(float(np.max(np.abs(y - res.estimate))), 1.96 * se_max) * 1.05
        lo, hi = res.estimate - width, res.estimate + width
    zc = float(norm.isf((1 - res.level / 100) / 2))
    if math.isfinite(res.estimate):
        ax.plot(res.estimate - zc * grid, grid, color=_INK, lw=0.7, ls="--", zorder=2)
        ax.plot(res.estimate + zc * grid, grid, color=_INK, lw=0.7, ls="--", zorder=2)
        ax.axvline(res.estimate, color=_INK, lw=0.8, zorder=2)
    ax.scatter(y, se, s=22, color=_STUDY, edgecolors="white", linewidths=0.5, zorder=4)
    if labels:
        names = list(labels) if not isinstance(labels, bool) else (list(data.study) if data.study else
                                                                   [str(i + 1) for i in range(data.k)])
        for xi, si, name in zip(y, se, names):
            ax.annotate(str(name), (xi, si), xytext=(3, 2), textcoords="offset points", fontsize=_FONT - 2,
                        color=_INK)
    lo = max(lo, scale.domain[0])
    hi = min(hi, scale.domain[1])
    ax.set_xlim(lo, hi)
    ax.set_ylim(se_max, 0.0)
    _set_ticks(ax, scale, lo, hi)
    ax.set_xlabel(_axis_label(data.measure, scale), fontsize=_FONT)
    ax.set_ylabel("Standard error", fontsize=_FONT)
    ax.tick_params(labelsize=_FONT - 0.5, width=0.6, length=3)
    for s in ax.spines.values():
        s.set_linewidth(0.6)
    if handles:
        ax.legend(handles=handles, fontsize=_FONT - 1.5, loc="lower right", frameon=True, framealpha=0.9,
                  edgecolor="#cccccc", title="contours" if centre != res.estimate else "contours (around μ̂)",
                  title_fontsize=_FONT - 1.5)
    ax.set_title(title or f"Funnel plot: {_model_name(res).lower()}, k = {res.k}", fontsize=_FONT + 0.5)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


# --- Baujat plot ---------------------------------------------------------------------------------------

def baujat_values(data: EffectSizes, result: MetaResult | None = None) -> tuple[np.ndarray, np.ndarray]:
    """metafor's Baujat coordinates ``(x, y)`` for each study.

    .. math:: x_i = \\frac{(y_i - \\hat\\mu)^2}{v_i + \\hat\\tau^2}, \\qquad
              y_i = \\frac{(\\hat\\mu_{-i} - \\hat\\mu)^2}{\\widehat{\\mathrm{Var}}(\\hat\\mu_{-i})}

    where μ̂₋ᵢ and its variance come from refitting without study i with the same estimator, test and
    level (``rma_many`` over the k leave-one-out datasets). A refit that fails to give a finite result
    leaves NaN, as metafor's ``try`` does.

    Raises
    ------
    InputError
        k < 2.
    """
    from lenvici.evidence.meta.batch import rma_many
    from lenvici.evidence.meta.model import rma

    data = _check_data(data)
    res = rma(data) if result is None else result
    if not isinstance(res, MetaResult):
        raise InputError(f"'result' must be a MetaResult; got {type(res).__name__}", "result")
    k = data.k
    if k < 2:
        raise InputError("the Baujat plot needs at least 2 studies (metafor: 'Stopped because k = 1')", "data")
    y, v = np.asarray(data.yi, float), np.asarray(data.vi, float)
    tau2 = res.tau2 if math.isfinite(res.tau2) else 0.0
    x = (y - res.estimate) ** 2 / (tau2 + v)
    mask = ~np.eye(k, dtype=bool)
    yl, vl = y[None, :].repeat(k, 0)[mask].reshape(k, k - 1), v[None, :].repeat(k, 0)[mask].reshape(k, k - 1)
    need = 1 if res.method == "EE" else 2
    if k - 1 >= need:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # metafor suppresses the refits' warnings too
            loo = rma_many(yl, vl, res.method, test=res.test, level=res.level)
        est, se = loo.estimate, loo.se
    else:  # two studies under a random-effects model: each refit has k = 1
        fits = [rma(yl[i], vl[i], method=res.method, test="z", level=res.level, tau2_ci=False) for i in range(k)]
        est = np.array([f.estimate for f in fits])
        se = np.array([f.se for f in fits])
    yy = (est - res.estimate) ** 2 / se ** 2
    return x, np.where(np.isfinite(yy), yy, np.nan)


def baujat(data: EffectSizes, result: MetaResult | None = None, *, labels: bool | Sequence[str] = True,
           title: str | None = None, path: str | Path | None = None) -> Figure:
    """Baujat plot: contribution to heterogeneity (x) against influence on the pooled result (y).

    Coordinates from :func:`baujat_values`; points are labelled with the study labels (``labels=False``:
    plain points). Axis titles as metafor's: "Squared Pearson Residual" (random effects) or "Contribution
    to Overall Heterogeneity" (common effect), and "Influence on Overall Result".
    """
    from lenvici.evidence.meta.model import rma

    data = _check_data(data)
    res = rma(data) if result is None else result
    x, yv = baujat_values(data, res)
    fig = _new_figure(5.0, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.grid(True, color="#e5e5e5", lw=0.5, zorder=0)
    ax.scatter(x, yv, s=24, color=_STUDY, edgecolors="white", linewidths=0.5, zorder=3)
    if labels:
        names = list(labels) if not isinstance(labels, bool) else (list(data.study) if data.study else
                                                                   [str(i + 1) for i in range(data.k)])
        if len(names) != data.k:
            raise InputError(f"'labels' must have one label per study ({data.k}); got {len(names)}", "labels")
        for xi, yi, name in zip(x, yv, names):
            if math.isfinite(xi) and math.isfinite(yi):
                ax.annotate(str(name), (xi, yi), xytext=(3, 3), textcoords="offset points",
                            fontsize=_FONT - 1.5, color=_INK)
    ax.set_xlabel("Contribution to Overall Heterogeneity" if res.method == "EE" else "Squared Pearson Residual",
                  fontsize=_FONT)
    ax.set_ylabel("Influence on Overall Result", fontsize=_FONT)
    ax.tick_params(labelsize=_FONT - 0.5, width=0.6, length=3)
    for s in ax.spines.values():
        s.set_linewidth(0.6)
    ax.set_title(title or f"Baujat plot: {_model_name(res).lower()}, k = {res.k}", fontsize=_FONT + 0.5)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


_KINDS = {"forest": forest, "funnel": funnel, "baujat": baujat}


def plot(kind: str, data: EffectSizes, result=None, *, path: str | Path | None = None, **options) -> Figure:
    """Dispatch by name: ``plot("forest" | "funnel" | "baujat", data, result, path=…, **options)``."""
    if kind not in _KINDS:
        raise InputError(f"'kind' must be one of {', '.join(_KINDS)}; got {kind!r}", "kind")
    return _KINDS[kind](data, result, path=path, **options)
