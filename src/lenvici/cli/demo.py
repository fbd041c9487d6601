"""``lenvici demo``: the main job end to end — evidence store, pooled analyses, the virtual trials, an example
patient, cost-effectiveness with PSA — with a progress bar per stage, a summary table on the terminal, and the
report written to ``out/report.html``."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import echo, num, print_table, progress_bar, progress_shown
from lenvici.cli._io import errors_to_exit
from lenvici.cli.evidence import print_class_summary
from lenvici.evidence import build_store, summarise_by_class
from lenvici.knowledge import load_biomarkers, load_mechanisms
from lenvici.report import ReportSpec, build_report
from lenvici.report.sections import trials_section


def demo(
    db: Annotated[Optional[Path], typer.Option("--db", help="Evidence store path (default: $LENVICI_DB or the "
                                                            "user data dir).")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the HTML report (one self-contained file).")] = Path(
        "out/report.html"),
    models: Annotated[Optional[list[Path]], typer.Option(
        "--model", help="Economic model YAML to include (repeatable; default: examples/economics/hcc_*.yaml, "
                        "else every example model).")] = None,
    psa: Annotated[int, typer.Option(help="PSA draws per economic model (0: deterministic only).", min=0)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of every random draw (trials and PSA).")] = 2024,
    trial_n: Annotated[Optional[int], typer.Option(help="Virtual patients per arm in each virtual trial (default: "
                                                        "each trial's published N; 0: skip the trials).",
                                                   min=0)] = None,
    trial_reps: Annotated[int, typer.Option(help="Repeats of each virtual trial (seeds seed, seed+1, …); the "
                                                 "table shows their median and spread.", min=1)] = 5,
) -> None:
    """Build the evidence store, run the analyses and write the report (what `make demo` runs).

    Stages: evidence store, pooled analyses, virtual trials (REFLECT, KEYNOTE-524, LEAP-002: validation table
    and Kaplan–Meier curves), example patient, cost-effectiveness with PSA. A progress bar follows the stages
    on a terminal; a summary table and the report's path end the output.

    Examples:

      lenvici demo

      lenvici demo --trial-n 200 --trial-reps 20 --psa 2000 --seed 7 --out out/report-n200.html

      lenvici demo --trial-n 0 --psa 0          (evidence, patient and deterministic economics only)
    """
    started = time.perf_counter()
    with errors_to_exit(), progress_bar("evidence store", show=progress_shown(json_out=False)):
        report = build_store(db)
        rows = summarise_by_class(report.path)
        graph = load_mechanisms()
        markers = load_biomarkers()
    c = report.counts
    echo(f"lenvici evidence store: {report.path} ({'built' if report.rebuilt else 'up to date'})")
    echo(f"  {c['studies']} studies, {c['arms']} arms; {c['biomarkers']} Table 3 biomarkers; "
         f"{c['drugs']} drugs; {c['references']} references; mechanisms graph {c['nodes']} nodes, "
         f"{c['edges']} edges")
    echo()
    print_class_summary(rows, title="Studies per regimen class (ranges across arms; NR = median not reached)")
    resistance = graph.factors("promotes-resistance")
    sensitivity = graph.factors("increases-sensitivity")
    by_direction: dict[str, int] = {}
    for b in markers:
        by_direction[b.direction] = by_direction.get(b.direction, 0) + 1
    echo(f"Mechanisms: {len(resistance)} factors promote resistance to lenvatinib, "
         f"{len(sensitivity)} increase sensitivity.")
    echo("Table 3: " + ", ".join(f"{v} {k}" for k, v in sorted(by_direction.items())))
    echo()

    model_files = tuple(models) if models else _default_models(Path("examples/economics"))
    stages: list[tuple[str, str, float]] = [
        ("evidence store", f"{c['studies']} studies, {c['arms']} arms ({'built' if report.rebuilt else 'up to date'})",
         time.perf_counter() - started)]
    with progress_bar("report", show=progress_shown(json_out=False)) as bar:
        trials = (("virtual trials", partial(trials_section, trial_n, trial_reps, seed, bar)),) \
            if trial_n != 0 else ()
        spec = ReportSpec(db_path=report.path, out=out, economics_models=model_files, psa_n=psa, seed=seed,
                          extra_sections=trials)
        clock = [time.perf_counter()]

        def begin(name: str) -> None:
            clock[0] = time.perf_counter()
            bar.stage(f"report: {name}")

        def finished(name: str, section) -> None:
            stages.append((name, section.summary, time.perf_counter() - clock[0]))

        with errors_to_exit():
            path = build_report(spec, progress=begin, done=finished)
    print_table(["stage", "result", num("seconds")], [(name, text, f"{sec:.1f}") for name, text, sec in stages],
                title=f"lenvici demo: seed {seed}, {trial_n or 'published N of'} virtual patients per arm "
                      f"× {trial_reps} repeats, {psa} PSA draws per model")
    echo(f"report written: {path}")


def _default_models(folder: Path) -> tuple[Path, ...]:
    hcc = sorted(folder.glob("hcc_*.yaml"))
    return tuple(hcc or sorted(folder.glob("*.yaml")))
