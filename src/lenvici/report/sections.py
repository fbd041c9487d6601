"""The report's sections, each built from the public library API (no science here)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import yaml

from lenvici.report.page import Section, figure_html, table_html

__all__ = ["evidence_section", "pooled_section", "patient_section", "economics_section", "trials_section"]


def _pct(x):
    return None if x is None else f"{100 * x:.1f}%"


def _range(r, fmt):
    if r is None:
        return None
    return fmt(r[0]) if r[0] == r[1] else f"{fmt(r[0])}–{fmt(r[1])}"


def evidence_section(db_path: Path) -> Section:
    """The curated studies per regimen class (counts and ranges), from the evidence store."""
    from lenvici.evidence import summarise_by_class

    rows = summarise_by_class(db_path)
    table = table_html(
        ["Regimen class", "Studies", "Arms", "ORR range (arms)", "Median PFS, months (arms)",
         "Median OS, months (arms)"],
        [(r.regimen_class, r.n_studies, r.n_arms, f"{_range(r.orr_range, _pct) or '–'} ({r.orr_arms})",
          f"{_range(r.pfs_median_range, lambda v: f'{v:.1f}') or '–'} ({r.pfs_arms})",
          f"{_range(r.os_median_range, lambda v: f'{v:.1f}') or '–'} ({r.os_arms})"
          + (f" + {r.os_not_reached} not reached" if r.os_not_reached else "")) for r in rows])
    note = ('<p class="note">Every arm of the review\'s Tables 1–2 and of the trials its text describes; '
            "values as printed, with provenance in the evidence store (<code>lenvici evidence studies --json</code>). "
            "Regimen classes follow one rule (<code>lenvici.knowledge.regimen</code>).</p>")
    summary = f"{len(rows)} regimen classes, {sum(r.n_arms for r in rows)} arms"
    return Section("evidence", "Evidence from the review", note + table, summary)


def pooled_section(db_path: Path) -> Section:
    """Random-effects pooled ORR and medians per regimen class, and a two-class comparison, with forests."""
    from lenvici.evidence.pooling import pool_evidence

    parts = []
    pooled = []
    for endpoint in ("orr", "os_median"):
        pool = pool_evidence(endpoint, db_path=db_path)
        rows = [(r["group"], r["k"], r["excluded"], r["estimate"], r["ci_lb"], r["ci_ub"], r["I2"])
                for r in pool.summary() if r["estimate"] is not None]
        pooled.append(f"{'ORR' if endpoint == 'orr' else 'median OS'} in {len(rows)} classes")
        parts.append(f"<h3>{html.escape(endpoint.upper().replace('_', ' '))} by regimen class</h3>")
        parts.append(table_html(["Class", "k", "Excluded", "Pooled", "CI low", "CI high", "I² %"], rows))
        parts.append(f'<p class="note">{html.escape(pool.estimator)}; CI: {html.escape(pool.ci_method)}; '
                     f"PI: {html.escape(pool.pi_method)}; I²: {html.escape(pool.i2_definition)}.</p>")
        if endpoint == "orr":
            parts.append(figure_html(pool.plot(), "Pooled objective response rate by regimen class "
                                                  "(random effects, logit scale, back-transformed)."))
    # Table 2 prints no arm sizes: the comparison needs the equal-arms assumption, and says so.
    comparison = pool_evidence("orr", compare=("TACE+LEN+ICI", "TACE+LEN"), assume_equal_arms=True,
                               db_path=db_path)
    group = comparison.groups[0]
    if group.result is not None:
        t = group.result.transformed
        parts.append(f"<h3>TACE+LEN+ICI vs TACE+LEN, ORR (odds ratio)</h3><p>k = {group.k}: OR "
                     f"{t.estimate:.2f} (95% CI {t.ci_lb:.2f}–{t.ci_ub:.2f}), I² = {group.result.I2:.1f}%. "
                     "<b>Assumption:</b> the review's Table 2 gives no arm sizes, so each study's total is split "
                     "equally between its arms; a sensitivity analysis, not a randomised comparison.</p>")
        parts.append(figure_html(comparison.plot(), "ORR, TACE + lenvatinib + ICI vs TACE + lenvatinib "
                                                    "(equal-arms assumption)."))
    return Section("pooled", "Pooled analyses", "".join(parts), "pooled " + ", ".join(pooled))


def patient_section(patient_file: Path) -> Section:
    """Every available score that applies to the example patient, its BCLC stage and lenvatinib dose."""
    from lenvici.clinical.dosing import lenvatinib_dose
    from lenvici.clinical.scores import list_scores
    from lenvici.clinical.scores._evaluate import evaluate_score

    doc = yaml.safe_load(patient_file.read_text(encoding="utf-8"))
    inputs = doc["inputs"]
    rows = []
    for spec in list_scores():
        if spec.status != "available" or not set(spec.inputs) <= set(inputs):
            continue
        result = evaluate_score(spec.name, {k: inputs[k] for k in (*spec.inputs, *spec.optional) if k in inputs})
        value = None if result.value is None else round(result.value, 3)
        rows.append((spec.name, value, result.category, result.source.split(".")[0]))
    dose = lenvatinib_dose(inputs["weight"])
    body = (f"<p>{html.escape(doc['description'])}.</p>"
            + table_html(["Score", "Value", "Category", "Source (first author)"], rows)
            + f"<p>Lenvatinib starting dose: <b>{dose.dose_mg:g} mg {html.escape(dose.schedule)}</b> — "
              f"{html.escape(dose.rationale)}.</p>")
    return Section("patient", "An example patient", body,
                   f"{len(rows)} scores; lenvatinib {dose.dose_mg:g} mg {dose.schedule}")


def economics_section(model_files: list[Path], psa_n: int, seed: int) -> Section:
    """Deterministic results, the ICER table and, with PSA, the CEAC of each model file."""
    from lenvici.economics.cea import run_model, run_psa
    from lenvici.economics.model import load_model

    parts = []
    for path in model_files:
        model = load_model(path)
        result = run_model(model)
        doc = result.to_json()
        parts.append(f"<h3>{html.escape(doc.get('model') or path.stem)}</h3>")
        parts.append(table_html(["Strategy", "Cost", "QALY", "Life-years"],
                                [(s["name"], s["cost"], s["qaly"], s["ly"]) for s in doc["strategies"]]))
        parts.append(table_html(["Strategy", "ICER", "Status"],
                                [(i["strategy"], i["icer"], i["status"]) for i in doc["icers"]]))
        if psa_n:
            psa = run_psa(model, psa_n, seed=seed)
            parts.append(figure_html(psa.plot("ceac"), f"Cost-effectiveness acceptability curve ({psa_n} PSA draws)."))
    caveat = ('<p class="note">Each model input carries a source or is tagged <i>assumption</i>, <i>calibrated</i> '
              "(solved backwards from a published total) or <i>placeholder</i> in its YAML file. Published versus "
              "reproduced results, misses included (the China ICERs are about 8.6× the published ones: the "
              "inputs of that Markov model were not accessible), are tabulated in docs/economics-hcc.md.</p>")
    psa_text = f", PSA {psa_n} draws each (seed {seed})" if psa_n else ", deterministic only"
    return Section("economics", "Cost-effectiveness", caveat + "".join(parts),
                   f"{len(model_files)} model(s){psa_text}")


def trials_section(n_per_arm: int | None, reps: int, seed: int,
                   progress: Callable[[int, int], None] | None = None) -> Section:
    """Virtual REFLECT, KEYNOTE-524 and LEAP-002: simulated vs published endpoints, each marked hit or miss,
    and each trial's simulated Kaplan–Meier curves (OS and PFS per arm) with the published medians marked.

    ``n_per_arm`` patients per arm (``None``: each trial's published N), ``reps`` repeats with seeds ``seed``,
    ``seed + 1``, …; the curves are drawn from the table's first repeat (same N, same seed), so each trial is
    simulated once per repeat. ``progress(done, total)`` follows the simulations in patient-stages
    (:func:`lenvici.sim.validation.validate`)."""
    from lenvici.sim.validation import VALIDATION_TRIALS, validate

    validation = validate(n_per_arm, reps, seed, progress=progress)
    rows = validation.rows

    def verdict(hit):
        if hit is None:
            return "–"
        return '<span class="hit">inside</span>' if hit else '<span class="miss">outside</span>'

    def ci(pair):
        lo, hi = pair
        return "–" if lo is None else f"{lo:.3g}–{hi:.3g}"

    def number(value):
        return "–" if value is None else f"{value:.3g}"

    head = "".join(f"<th>{h}</th>" for h in ("Trial", "Role", "Arm", "Endpoint", "Simulated", "Published",
                                            "Published 95% CI", "Simulated inside?"))
    body = "".join(
        f"<tr><td>{html.escape(r['trial'])}</td><td>{r['role']}</td><td>{html.escape(r['arm'])}</td>"
        f"<td>{r['endpoint']}</td><td class=\"num\">{number(r['simulated'])}</td>"
        f"<td class=\"num\">{number(r['published'])}</td><td>{ci(r['published_ci'])}</td><td>{verdict(r['hit'])}</td></tr>"
        for r in rows)
    hits = sum(1 for r in rows if r["hit"])
    judged = sum(1 for r in rows if r["hit"] is not None)
    sizes = {r["trial"]: r["n_per_arm"] for r in rows}
    n_text = (f"{n_per_arm} patients per arm" if n_per_arm else
              "each trial's published N per arm (" + ", ".join(f"{t} {n}" for t, n in sizes.items()) + ")")
    note = (f"<p>{hits} of {judged} endpoints with a published interval are inside it ({n_text}, {reps} "
            f"repeat(s), seed {seed}). REFLECT and KEYNOTE-524 were calibration targets; LEAP-002 is "
            "validation only and was never tuned — its misses stay visible. Protocol values marked "
            "<i>recalled</i> or <i>assumption</i> are listed in docs/trials.md.</p>")
    figures = _km_figures({t: validation.results[t][0] for t in VALIDATION_TRIALS if t in sizes}, sizes, seed)
    return Section("trials", "Virtual trials: simulated vs published",
                   note + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                   + "<h3>Kaplan–Meier curves, simulated, with the published medians</h3>" + figures,
                   f"{hits} of {judged} endpoints inside the published 95% CI ({n_text}, seed {seed}); "
                   f"Kaplan–Meier curves of {len(sizes)} trials")


def _km_figures(results: dict, sizes: dict[str, int], seed: int) -> str:
    """One figure per trial, OS beside PFS, from its simulated ``results[trial]`` (``sizes[trial]`` patients
    per arm, seed ``seed``)."""
    from matplotlib.figure import Figure

    from lenvici.sim.protocols import load_protocol

    parts = []
    for trial, result in results.items():
        fig = Figure(figsize=(11.5, 4.4))
        ax_os, ax_pfs = fig.subplots(1, 2)
        result.plot("os", ax=ax_os)
        result.plot("pfs", ax=ax_pfs)
        protocol = load_protocol(trial)
        parts.append(figure_html(
            fig, f"{protocol.name} ({trial}): Kaplan–Meier curves of overall survival (left) and progression-free "
                 f"survival (right) per arm, simulated with {sizes[trial]} patients per arm and seed {seed}; dots: "
                 "simulated medians; dashed lines: the published medians."))
    return "".join(parts)
