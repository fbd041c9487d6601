"""The demo report: one self-contained HTML file with every section, written atomically."""

import re
from pathlib import Path

from lenvici.evidence import build_store
from lenvici.report import ReportSpec, build_report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "economics"


def test_report_has_every_section_and_embedded_figures(tmp_path):
    db = build_store(tmp_path / "ev.duckdb").path
    out = tmp_path / "out" / "report.html"
    seen = []
    path = build_report(ReportSpec(db_path=db, out=out, economics_models=(EXAMPLES / "dmhee_thr.yaml",), psa_n=50,
                                   seed=1), progress=seen.append)
    page = path.read_text(encoding="utf-8")
    for anchor in ("evidence", "pooled", "patient", "economics"):
        assert f'id="{anchor}"' in page
    assert seen == ["evidence", "pooled analyses", "example patient", "cost-effectiveness"]
    assert len(re.findall(r'src="data:image/png;base64,', page)) >= 2  # forest plot(s) and the CEAC
    assert "http://" not in page and "https://" not in page  # self-contained: no external resources
    assert "2,198" in page or "2198" in page  # the THR ICER (heemod: 2198.486665) appears in the ICER table
    assert not list(out.parent.glob(".*tmp*"))
