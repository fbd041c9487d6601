"""Kaplan–Meier plots of a virtual trial, with the published medians of the curated study record marked.

>>> from lenvici.sim.trials import run_trial        # doctest: +SKIP
>>> plot_trial_km(run_trial("reflect", 50), "os", path="reflect-os.png")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lenvici._atomic import atomic_path
from lenvici.errors import InputError
from lenvici.survival import kaplan_meier
from lenvici.survival.plot import plot_km

__all__ = ["plot_trial_km", "published_medians", "STUDY_FOR_PROTOCOL"]

#: curated study record (``lenvici.knowledge.load_studies``) whose medians a protocol's plot marks;
#: a protocol not listed uses the study with its own id.
STUDY_FOR_PROTOCOL = {"scheduling": "t1-r09-ref85"}


def published_medians(trial: str, endpoint: str) -> list[tuple[str, float]]:
    """``(study arm label, median months)`` of the curated record for ``trial`` (empty when none)."""
    from lenvici.knowledge import load_studies

    sid = STUDY_FOR_PROTOCOL.get(trial, trial)
    for s in load_studies():
        if s.id == sid:
            out = []
            for a in s.arms:
                m = a.os_median if endpoint == "os" else a.pfs_median
                if m is not None and m.months is not None:
                    out.append((a.label, float(m.months)))
            return out
    return []


def plot_trial_km(result, endpoint: str = "os", path: str | Path | None = None, ax=None):
    """Each arm's Kaplan–Meier curve of ``endpoint`` (``"os"`` or ``"pfs"``, months) from a
    :class:`lenvici.sim.trials.TrialResult`, the simulated medians and the published ones (dashed verticals,
    from the curated study record) marked. Arms without events are drawn flat at 1; arms without patients
    are skipped. ``path`` writes the figure (atomically, format by suffix). Returns the Axes."""
    if endpoint not in ("os", "pfs"):
        raise InputError(f"endpoint must be 'os' or 'pfs'; got {endpoint!r}", field="endpoint")
    p = result.patients
    if not p:
        raise InputError("the trial result holds no per-patient times", field="result")
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7.2, 4.8)).subplots()
    labels = np.asarray(p["arm"])
    ok = ~np.asarray(p.get("failed", np.zeros(labels.size, bool)), bool)
    curves = []
    for arm in result.arms:
        m = (labels == arm.label) & ok
        if not m.any():
            continue
        curves.append(kaplan_meier(np.asarray(p[f"{endpoint}_months"], float)[m],
                                   np.asarray(p[f"{endpoint}_event"], bool)[m].astype(int),
                                   label=f"{arm.label} (sim, n={int(m.sum())})"))
    plot_km(curves, ax=ax, ci=True)
    colors = [line.get_color() for line in ax.get_lines() if not line.get_label().startswith("_")][:len(curves)]
    for km, color in zip(curves, colors):
        med = km.median.time
        if med is not None and np.isfinite(med):
            ax.plot([med], [0.5], "o", color=color, markersize=5)
    pub = published_medians(result.trial, endpoint)
    for i, (label, months) in enumerate(pub):
        color = colors[i] if i < len(colors) else "black"
        ax.axvline(months, color=color, linestyle="--", linewidth=1.0,
                   label=f"published median {months:g} mo ({label})")
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=0.7)
    ax.set_xlabel("months from randomisation")
    ax.set_ylabel("overall survival" if endpoint == "os" else "progression-free survival")
    ax.set_title(f"{result.trial}: {endpoint.upper()} (seed {result.seed})")
    ax.legend(frameon=False, fontsize="x-small", loc="upper right")
    if path is not None:
        with atomic_path(path) as tmp:
            ax.figure.savefig(tmp, dpi=120, bbox_inches="tight")
    return ax
