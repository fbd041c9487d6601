"""The evidence store: an embedded DuckDB database built from the curated files.

``build_store`` validates every curated file first, then writes a new database beside the target and
renames it into place, so a broken file aborts the build (naming file, line and field) and the previous
store stays intact. Building is idempotent: the store records a hash of the curated files and a rebuild
from unchanged files leaves it as it is (``force=True`` rebuilds anyway).

Where the store lives: the ``db_path`` argument, else the ``LENVICI_DB`` environment variable, else
``evidence.duckdb`` in the user's data directory (``platformdirs.user_data_dir("lenvici")``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import platformdirs

from lenvici.errors import InputError
from lenvici.evidence.records import study_record
from lenvici.knowledge import (
    load_biomarkers,
    load_drugs,
    load_mechanisms,
    load_references,
    load_studies,
)
from lenvici.knowledge._files import default_data_dir

__all__ = ["BuildReport", "default_db_path", "build_store", "connect", "query_studies"]

_SCHEMA = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE studies (
    id VARCHAR PRIMARY KEY, name VARCHAR, ref INTEGER, source VARCHAR, row INTEGER, registration VARCHAR,
    design VARCHAR, phase VARCHAR, prospective BOOLEAN, population VARCHAR, regimen_source VARCHAR,
    line VARCHAR, n_total INTEGER, safety_source VARCHAR, source_paper VARCHAR, record JSON);
CREATE TABLE arms (
    study_id VARCHAR, arm_index INTEGER, label VARCHAR, regimen VARCHAR[], regimen_class VARCHAR,
    n INTEGER, orr DOUBLE, orr_criteria VARCHAR, dcr DOUBLE, pfs_median_months DOUBLE,
    pfs_median_not_reached BOOLEAN, os_median_months DOUBLE, os_median_not_reached BOOLEAN,
    ttp_median_months DOUBLE, record JSON, PRIMARY KEY (study_id, arm_index));
CREATE TABLE biomarkers (row INTEGER PRIMARY KEY, section VARCHAR, name VARCHAR, name_en VARCHAR,
    location VARCHAR, relationship VARCHAR, direction VARCHAR, refs INTEGER[], requires_imaging BOOLEAN);
CREATE TABLE drugs (id VARCHAR PRIMARY KEY, name VARCHAR, kind VARCHAR, drug_class VARCHAR,
    binding_type VARCHAR, refs INTEGER[]);
CREATE TABLE drug_targets (drug_id VARCHAR, target VARCHAR, action VARCHAR, potency_kind VARCHAR,
    potency_nM DOUBLE, potency_source VARCHAR, refs INTEGER[]);
CREATE TABLE "references" (number INTEGER PRIMARY KEY, authors VARCHAR, title VARCHAR, journal VARCHAR,
    year INTEGER, raw VARCHAR);
CREATE TABLE nodes (id VARCHAR PRIMARY KEY, label VARCHAR, kind VARCHAR, synonyms VARCHAR[]);
CREATE TABLE edges (source VARCHAR, target VARCHAR, relation VARCHAR, sign INTEGER, refs INTEGER[],
    "where" VARCHAR, note VARCHAR);
"""


@dataclass(frozen=True)
class BuildReport:
    """What a build did: where the store is, whether it was rebuilt, and how many records of each kind."""

    path: Path
    rebuilt: bool
    counts: dict[str, int]
    data_hash: str


def default_db_path() -> Path:
    """``$LENVICI_DB`` if set, else ``evidence.duckdb`` in the user's data directory."""
    env = os.environ.get("LENVICI_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("lenvici")) / "evidence.duckdb"


def _data_hash(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.suffix in (".yaml", ".csv")):
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stored_hash(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'data_hash'").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def build_store(db_path: str | Path | None = None, data_dir: str | Path | None = None,
                force: bool = False) -> BuildReport:
    """Validate the curated files and (re)build the store atomically.

    Raises
    ------
    lenvici.errors.CurationError
        When a curated file is broken; the existing store is left untouched.
    """
    path = Path(db_path) if db_path is not None else default_db_path()
    source_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    # Validate everything before touching the filesystem.
    studies = load_studies(data_dir)
    biomarkers = load_biomarkers(data_dir)
    drugs = load_drugs(data_dir)
    references = load_references(data_dir)
    graph = load_mechanisms(data_dir)
    data_hash = _data_hash(source_dir)
    counts = {"studies": len(studies), "arms": sum(len(s.arms) for s in studies),
              "biomarkers": len(biomarkers), "drugs": len(drugs), "references": len(references),
              "nodes": len(graph.nodes), "edges": len(graph.edges)}
    if not force and _stored_hash(path) == data_hash:
        return BuildReport(path, False, counts, data_hash)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder: rename is atomic
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as con:
            con.execute(_SCHEMA)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [("data_hash", data_hash),
                                                               ("counts", json.dumps(counts))])
            for s in studies:
                rec = study_record(s)
                con.execute(
                    "INSERT INTO studies VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [s.id, s.name, s.ref, s.where, s.row, s.registration, s.design, s.phase, s.prospective,
                     s.population, s.regimen_source, s.line, s.n_total, s.safety_source, s.source_paper,
                     json.dumps(rec, ensure_ascii=False)],
                )
                con.executemany(
                    "INSERT INTO arms VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [[s.id, i, a["label"], a["regimen"], a["regimen_class"], a["n"], a["orr"], a["orr_criteria"],
                      a["dcr"], a["pfs_median_months"], a["pfs_median_not_reached"], a["os_median_months"],
                      a["os_median_not_reached"], a["ttp_median_months"], json.dumps(a, ensure_ascii=False)]
                     for i, a in enumerate(rec["arms"])],
                )
            con.executemany("INSERT INTO biomarkers VALUES (?,?,?,?,?,?,?,?,?)",
                            [[b.row, b.section, b.name, b.name_en, b.location, b.relationship, b.direction,
                              list(b.refs), b.requires_imaging] for b in biomarkers])
            con.executemany("INSERT INTO drugs VALUES (?,?,?,?,?,?)",
                            [[d.id, d.name, d.kind, d.drug_class, d.binding_type, list(d.refs)] for d in drugs])
            target_rows = [[d.id, t.target, t.action, t.potency.kind if t.potency else None,
                            t.potency.value_nM if t.potency else None,
                            t.potency.source_paper if t.potency else None, list(t.refs)]
                           for d in drugs for t in d.targets]
            if target_rows:
                con.executemany("INSERT INTO drug_targets VALUES (?,?,?,?,?,?,?)", target_rows)
            con.executemany('INSERT INTO "references" VALUES (?,?,?,?,?,?)',
                            [[r.number, r.authors, r.title, r.journal, r.year, r.raw] for r in references])
            con.executemany("INSERT INTO nodes VALUES (?,?,?,?)",
                            [[n.id, n.label, n.kind, list(n.synonyms)] for n in graph.nodes])
            con.executemany("INSERT INTO edges VALUES (?,?,?,?,?,?,?)",
                            [[e.source, e.target, e.relation, e.sign, list(e.refs), e.where, e.note]
                             for e in graph.edges])
            con.execute("CHECKPOINT")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return BuildReport(path, True, counts, data_hash)


def connect(db_path: str | Path | None = None, build_if_missing: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the store, building it first if it does not exist yet."""
    path = Path(db_path) if db_path is not None else default_db_path()
    if not path.exists():
        if not build_if_missing:
            raise InputError(f"no evidence store at {path}; run 'lenvici evidence build'", "db")
        build_store(path)
    return duckdb.connect(str(path), read_only=True)


def query_studies(regimen_contains: str | None = None, source: str | None = None,
                  regimen_class: str | None = None, db_path: str | Path | None = None) -> list[dict]:
    """Studies with their arms, filtered.

    Parameters
    ----------
    regimen_contains
        Keep studies with at least one arm whose regimen has this component id (e.g. ``tace``,
        ``pembrolizumab``, ``anti-pd-1``) or whose printed regimen contains this text (case-insensitive).
    source
        Keep studies whose provenance starts with this (``table1``, ``table2``, ``text``, ``text:REFLECT``).
    regimen_class
        Keep studies with at least one arm of this regimen class (e.g. ``TACE+LEN+ICI``).
    """
    sql = ["SELECT s.record FROM studies s WHERE TRUE"]
    params: list = []
    if source:
        sql.append("AND lower(s.source) LIKE lower(?) || '%'")
        params.append(source)
    if regimen_contains:
        sql.append("""AND (EXISTS (SELECT 1 FROM arms a WHERE a.study_id = s.id
                         AND (list_contains(a.regimen, lower(?)) OR list_contains(a.record.ici_agents::VARCHAR[], lower(?))
                              OR a.label ILIKE '%' || ? || '%'))
                     OR s.regimen_source ILIKE '%' || ? || '%')""")
        params += [regimen_contains] * 4
    if regimen_class:
        sql.append("AND EXISTS (SELECT 1 FROM arms a WHERE a.study_id = s.id AND a.regimen_class = ?)")
        params.append(regimen_class)
    sql.append("ORDER BY CASE WHEN s.source LIKE 'table%' THEN 0 ELSE 1 END, s.source, s.row, s.id")
    with connect(db_path) as con:
        rows = con.execute(" ".join(sql), params).fetchall()
    return [json.loads(r[0]) for r in rows]
