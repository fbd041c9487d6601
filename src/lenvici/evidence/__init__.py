"""Evidence: the trial store (embedded DuckDB) built from the curated studies, and its queries."""

from lenvici.evidence.records import arm_record, study_record
from lenvici.evidence.store import BuildReport, build_store, connect, default_db_path, query_studies
from lenvici.evidence.summary import ClassSummary, summarise_by_class

__all__ = [
    "arm_record",
    "study_record",
    "BuildReport",
    "build_store",
    "connect",
    "default_db_path",
    "query_studies",
    "ClassSummary",
    "summarise_by_class",
]
