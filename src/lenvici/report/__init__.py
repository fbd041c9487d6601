"""The HTML report that ``make demo`` writes: one self-contained file a clinician can read."""

from lenvici.report.build import ReportSpec, build_report

__all__ = ["ReportSpec", "build_report"]
