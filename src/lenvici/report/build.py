"""Assemble the report's sections and write ``report.html`` atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lenvici import __version__
from lenvici._atomic import atomic_path
from lenvici.knowledge._files import default_data_dir
from lenvici.report.page import Section, render_page
from lenvici.report.sections import economics_section, evidence_section, patient_section, pooled_section

__all__ = ["ReportSpec", "build_report"]


@dataclass(frozen=True)
class ReportSpec:
    """What goes into the report.

    ``db_path`` is a built evidence store; ``economics_models`` are model YAML files run deterministically and,
    with ``psa_n > 0``, probabilistically; ``extra_sections`` are ``(name, builder)`` pairs placed after the pooled analyses (the virtual trials).
    """

    db_path: Path
    out: Path
    economics_models: tuple[Path, ...] = ()
    psa_n: int = 1000
    seed: int = 2024
    patient_file: Path = field(default_factory=lambda: default_data_dir() / "examples" / "patient.yaml")
    extra_sections: tuple[tuple[str, Callable[[], Section]], ...] = ()


def build_report(spec: ReportSpec, progress: Callable[[str], None] = lambda message: None,
                 done: Callable[[str, Section], None] = lambda name, section: None) -> Path:
    """Build every section and write the page; returns its path.

    ``progress(name)`` is called before each section is built and ``done(name, section)`` after it (the
    command line draws its progress bar and its summary table from these two)."""
    steps: list[tuple[str, Callable[[], Section]]] = [
        ("evidence", lambda: evidence_section(spec.db_path)),
        ("pooled analyses", lambda: pooled_section(spec.db_path)),
        *spec.extra_sections,
        ("example patient", lambda: patient_section(spec.patient_file)),
    ]
    if spec.economics_models:
        steps.append(("cost-effectiveness", lambda: economics_section(list(spec.economics_models), spec.psa_n,
                                                                       spec.seed)))
    sections = []
    for name, make in steps:
        progress(name)
        section = make()
        sections.append(section)
        done(name, section)
    page = render_page("lenvici report: lenvatinib ± immune-checkpoint inhibitors in HCC",
                       f"lenvici {__version__}, generated {date.today().isoformat()}, seed {spec.seed} for every "
                       "random draw. Curated from the 2024 review; every number traceable with "
                       "`lenvici evidence studies --json`.", sections)
    with atomic_path(spec.out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return spec.out
