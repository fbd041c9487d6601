"""Forest, funnel and Baujat plots: valid files, back-transformed axes, weights, and metafor's Baujat values."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.special import logit

from lenvici.errors import InputError
from lenvici.evidence.meta import (
    baujat,
    baujat_values,
    escalc,
    forest,
    funnel,
    proportion,
    rma,
    save_figure,
    subgroup,
)
from lenvici.evidence.meta.plots import plot
from tests import tolerances as tol

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "metafor_reference.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def bcg():
    cols = json.loads(FIXTURE.read_text())["datasets"]["bcg"]["columns"]
    return escalc("OR", **cols, study=[f"Trial {i + 1}" for i in range(len(cols["ai"]))])


@pytest.fixture(scope="module")
def pritz():
    cols = json.loads(FIXTURE.read_text())["datasets"]["pritz1997"]["columns"]
    return proportion(cols["xi"], cols["ni"], "PFT")


def _is_svg(path: Path) -> bool:
    root = ET.parse(path).getroot()
    return root.tag.endswith("svg")


def _tick_labels(fig: Figure) -> tuple[np.ndarray, list[str]]:
    ax = fig.axes[1]
    return np.asarray(ax.get_xticks(), float), [t.get_text() for t in ax.get_xticklabels()]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_forest_writes_a_valid_file(bcg, tmp_path, suffix):
    path = tmp_path / f"forest{suffix}"
    fig = forest(bcg, rma(bcg), path=path, title="BCG")
    assert isinstance(fig, Figure) and path.stat().st_size > 1000
    head = path.read_bytes()[:8]
    if suffix == ".png":
        assert head == PNG_MAGIC
    elif suffix == ".svg":
        assert _is_svg(path)
    else:
        assert head.startswith(b"%PDF")


def test_svg_output_is_reproducible(bcg, tmp_path):
    res = rma(bcg)
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    forest(bcg, res, path=a)
    forest(bcg, res, path=b)
    assert a.read_bytes() == b.read_bytes()


def test_forest_ticks_are_odds_ratios_on_the_log_axis(bcg):
    pos, labels = _tick_labels(forest(bcg, rma(bcg)))
    assert "1" in labels
    for p, text in zip(pos, labels):
        assert math.isclose(p, math.log(float(text)), rel_tol=1e-9, abs_tol=1e-12)


def test_proportion_ticks_are_proportions_on_the_logit_axis():
    es = proportion([3, 10, 25, 40], [30, 40, 50, 60], "PLO")
    pos, labels = _tick_labels(forest(es, rma(es)))
    assert len(labels) >= 2
    for p, text in zip(pos, labels):
        assert 0 < float(text) < 1
        assert math.isclose(p, float(logit(float(text))), rel_tol=1e-9)


def test_forest_prints_weights_that_sum_to_100_and_back_transformed_pooled_values(bcg):
    res = rma(bcg)
    fig = forest(bcg, res)
    texts = [t.get_text() for t in fig.axes[2].texts]
    weights = [float(t[:-1]) for t in texts if re.fullmatch(r"\d+\.\d%", t)]
    assert len(weights) == bcg.k
    assert sum(weights) == pytest.approx(100.0, abs=0.05 * bcg.k)  # each printed to 0.1%
    # The pooled row prints the odds ratio [CI], i.e. metafor's predict(res, transf=exp).
    t = res.transformed
    assert f"{t.estimate:.2f} [{t.ci_lb:.2f}, {t.ci_ub:.2f}]" in texts
    assert f"[{t.pi_lb:.2f}, {t.pi_ub:.2f}]" in texts  # the prediction interval row


def test_equal_effects_forest_has_no_prediction_interval(bcg):
    fig = forest(bcg, rma(bcg, method="EE"))
    assert not any("prediction interval" in t.get_text() for t in fig.axes[0].texts)


def test_forest_with_subgroups_draws_one_block_per_subgroup(bcg, tmp_path):
    groups = ["early"] * 6 + ["late"] * 7
    sg = subgroup(bcg, groups=groups)
    fig = forest(bcg, sg, groups=groups, overall=rma(bcg), path=tmp_path / "sg.png")
    left = [t.get_text() for t in fig.axes[0].texts]
    assert "early" in left and "late" in left
    assert any(t.startswith("Test for subgroup differences") for t in left)
    assert sum("prediction interval" in t for t in left) == 3  # two subgroups and the overall fit
    assert (tmp_path / "sg.png").read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(InputError, match="groups"):
        forest(bcg, sg)


def test_subgroup_result_plot_hook(bcg, tmp_path):
    groups = ["a"] * 6 + ["b"] * 7
    fig = subgroup(bcg, groups=groups).plot(bcg, groups, path=tmp_path / "s.svg")
    assert isinstance(fig, Figure) and _is_svg(tmp_path / "s.svg")


def test_pft_forest_uses_the_natural_scale(pritz, tmp_path):
    res = rma(pritz)
    fig = forest(pritz, res, path=tmp_path / "pft.svg")
    texts = [t.get_text() for t in fig.axes[2].texts]
    t = res.transformed
    assert f"{t.estimate:.2f} [{t.ci_lb:.2f}, {t.ci_ub:.2f}]" in texts
    _, labels = _tick_labels(fig)
    assert all(0 <= float(x) <= 1 for x in labels)


@pytest.mark.parametrize("kind", ["forest", "funnel", "baujat"])
def test_meta_result_plot_hook_writes_each_kind(bcg, tmp_path, kind):
    path = tmp_path / f"{kind}.png"
    fig = rma(bcg).plot(bcg, kind, path=path)
    assert isinstance(fig, Figure) and path.read_bytes()[:8] == PNG_MAGIC


def test_funnel_is_contour_enhanced(bcg, tmp_path):
    fig = funnel(bcg, rma(bcg), path=tmp_path / "f.svg")
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["p < 0.01", "0.01 < p < 0.05", "0.05 < p < 0.1",
                                                          "p > 0.1"]
    assert fig.axes[0].yaxis_inverted()
    assert _is_svg(tmp_path / "f.svg")
    plain = funnel(bcg, rma(bcg), contours=())
    assert plain.axes[0].get_legend() is None


def test_baujat_values_match_metafor(bcg):
    """R: ``dat <- escalc("OR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg); baujat(rma(yi, vi,
    data=dat))`` (metafor 3.8-1), coordinates as printed by ``print(baujat(...))``."""
    x_ref = [0.05389084, 1.55387062, 0.53298549, 1.41278452, 0.71002741, 0.13042341, 1.39807380,
             1.67754416, 0.18939853, 1.04158992, 0.46669298, 1.62904139, 1.29393216]
    y_ref = [0.001833302, 0.116218448, 0.023807021, 0.192959074, 0.069857970, 0.009133034, 0.098367216,
             0.200499718, 0.020701268, 0.101407220, 0.051999583, 0.065647538, 0.119079772]
    x, y = baujat_values(bcg, rma(bcg))
    np.testing.assert_allclose(x, x_ref, rtol=1e-6)  # R printed 7-9 significant digits
    np.testing.assert_allclose(y, y_ref, rtol=1e-6)


def test_baujat_values_agree_with_separate_leave_one_out_fits(bcg):
    """The vectorised leave-one-out path against k separate rma() fits (the slow reference)."""
    res = rma(bcg, method="DL", test="knha")
    _, y = baujat_values(bcg, res)
    for i in range(bcg.k):
        keep = np.arange(bcg.k) != i
        fit = rma(bcg.yi[keep], bcg.vi[keep], method="DL", test="knha", tau2_ci=False)
        assert y[i] == pytest.approx((fit.estimate - res.estimate) ** 2 / fit.se ** 2, rel=tol.IDENTITY)


def test_baujat_writes_svg(bcg, tmp_path):
    baujat(bcg, rma(bcg), path=tmp_path / "b.svg")
    assert _is_svg(tmp_path / "b.svg")


def test_bad_inputs_raise_input_error(bcg, tmp_path):
    res = rma(bcg)
    with pytest.raises(InputError, match="must end in"):
        forest(bcg, res, path=tmp_path / "forest.txt")
    with pytest.raises(InputError, match="k=13"):
        forest(proportion([1, 2], [10, 10]), res)
    with pytest.raises(InputError, match="EffectSizes"):
        forest([0.1, 0.2], res)
    with pytest.raises(InputError, match="kind"):
        plot("violin", bcg, res)
    with pytest.raises(InputError, match="contours"):
        funnel(bcg, res, contours=(95,))
    with pytest.raises(InputError, match="k = 1"):
        baujat_values(proportion([3], [10]))


def test_save_figure_creates_parent_folders(bcg, tmp_path):
    path = save_figure(forest(bcg, rma(bcg)), tmp_path / "deep" / "er" / "f.png")
    assert path.read_bytes()[:8] == PNG_MAGIC
