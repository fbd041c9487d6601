"""Loaders of the curated records: studies, biomarkers (Table 3), drugs and references.

Each loader reads from the package's ``data`` folder by default, or from ``data_dir`` (a copy being
edited or tested), validates every record and checks the cross-file integrity rules that a single record
cannot check on its own (unique ids, every ``ref`` resolving, Table 3 complete).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lenvici.errors import CurationError
from lenvici.knowledge._files import default_data_dir, read_yaml_records
from lenvici.knowledge.regimen import check_components
from lenvici.knowledge.schema import Biomarker, Drug, Reference, Study

__all__ = ["STUDY_FILES", "load_studies", "load_biomarkers", "load_drugs", "load_references", "reference"]

#: The study files, in the order their records are listed.
STUDY_FILES = ("table1.yaml", "table2.yaml", "text_trials.yaml")


def _load(reader, data_dir: str | Path | None):
    """Shipped data is read once per process; an explicit ``data_dir`` is always read afresh."""
    if data_dir is None:
        return _cached(reader)
    return reader(Path(data_dir))


@lru_cache(maxsize=None)
def _cached(reader):
    return reader(default_data_dir())


def _studies(data_dir: Path) -> tuple[Study, ...]:
    studies: list[Study] = []
    seen: dict[str, str] = {}
    for name in STUDY_FILES:
        path = data_dir / "studies" / name
        for study in read_yaml_records(path, Study):
            if study.id in seen:
                raise CurationError(str(path), f"duplicate study id (also in {seen[study.id]})", study.id, "id")
            seen[study.id] = name
            for arm in study.arms:
                try:
                    check_components(arm.regimen + arm.ici_agents)
                except ValueError as exc:
                    raise CurationError(str(path), str(exc), study.id, f"arms[{arm.label}].regimen") from exc
            studies.append(study)
    return tuple(studies)


def load_studies(data_dir: str | Path | None = None) -> tuple[Study, ...]:
    """All curated studies: Table 1 rows, Table 2 rows, then the trials described in the text."""
    return _load(_studies, data_dir)


def _biomarkers(data_dir: Path) -> tuple[Biomarker, ...]:
    path = data_dir / "biomarkers.yaml"
    rows = read_yaml_records(path, Biomarker)
    numbers = [b.row for b in rows]
    if numbers != list(range(1, len(rows) + 1)):
        raise CurationError(str(path), "rows must be numbered 1..N in printed order", field="row")
    return rows


def load_biomarkers(data_dir: str | Path | None = None) -> tuple[Biomarker, ...]:
    """The 44 rows of the review's Table 3 (22 predictor molecules, 22 models and gradings)."""
    return _load(_biomarkers, data_dir)


def _drugs(data_dir: Path) -> tuple[Drug, ...]:
    path = data_dir / "drugs.yaml"
    drugs = read_yaml_records(path, Drug)
    ids = [d.id for d in drugs]
    if len(set(ids)) != len(ids):
        raise CurationError(str(path), "duplicate drug id", field="id")
    return drugs


def load_drugs(data_dir: str | Path | None = None) -> tuple[Drug, ...]:
    """Drugs named by the review, with their targets and, where a primary source gives it, potency."""
    return _load(_drugs, data_dir)


def _references(data_dir: Path) -> tuple[Reference, ...]:
    path = data_dir / "references.yaml"
    refs = read_yaml_records(path, Reference)
    if [r.number for r in refs] != list(range(1, 250)):
        raise CurationError(str(path), "references must be numbered 1..249 in order", field="number")
    return refs


def load_references(data_dir: str | Path | None = None) -> tuple[Reference, ...]:
    """The review's 249 references, parsed (authors, title, journal, year) with the printed text."""
    return _load(_references, data_dir)


def reference(number: int, data_dir: str | Path | None = None) -> Reference:
    """The review's reference ``number`` (1–249)."""
    refs = load_references(data_dir)
    if not 1 <= number <= len(refs):
        raise KeyError(f"the review has references 1..{len(refs)}; got {number}")
    return refs[number - 1]
