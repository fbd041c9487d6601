"""The command line's console: tables a test (or grep) can read back, progress bars only on a terminal."""

from __future__ import annotations

import io
import math
import sys

import pytest

from lenvici.cli._console import num, pct, print_table, progress_bar, progress_shown
from lenvici.report.page import format_number
from tests.cli._tables import parse_tables, row_for


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_table_rows_read_back_with_numbers_formatted(capsys):
    print_table(["drug", "dose, mg", num("ORR")], [("lenvatinib", 12, pct(0.241)), ("sorafenib", 800.0, None)],
                title="two drugs", note="a note")
    out = capsys.readouterr().out
    (table,) = parse_tables(out)
    assert table["title"] == "two drugs" and table["header"] == ["drug", "dose, mg", "ORR"]
    assert row_for(table, "lenvatinib") == {"drug": "lenvatinib", "dose, mg": "12", "ORR": "24.1%"}
    assert row_for(table, "sorafenib") == {"drug": "sorafenib", "dose, mg": "800.00", "ORR": "–"}
    assert out.rstrip().endswith("a note")
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


def test_long_rows_do_not_wrap_off_a_terminal(capsys):
    long = "x" * 300
    print_table(["a", "b"], [(long, "end")])
    (table,) = parse_tables(capsys.readouterr().out)
    assert table["rows"] == [[long, "end"]]


def test_cells_are_text_not_markup(capsys):
    print_table(["ci"], [("[bold]12.1, 14.9[/bold]",)])
    assert "[bold]12.1, 14.9[/bold]" in capsys.readouterr().out


def test_numeric_columns_are_right_aligned(capsys):
    print_table(["name", "n"], [("a", 5), ("b", 12345)])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("│ a") or ln.startswith("│ b")]
    assert lines[0].index("5 │") == lines[1].index("12345 │") + 4


def test_a_row_of_the_wrong_length_is_a_bug():
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        print_table(["a", "b", "c"], [(1, 2)])


@pytest.mark.parametrize("value, text", [(None, "–"), (12, "12"), (2198.486665, "2,198"), (14.65319, "14.65"),
                                         (0.04452, "0.0445"), (0.0, "0"), (math.nan, "NaN"), (True, "yes")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_progress_is_hidden_off_a_terminal_and_with_json(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_shown(json_out=False) is False
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert progress_shown(json_out=False) is True
    assert progress_shown(json_out=True) is False


def test_a_hidden_bar_writes_nothing(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with progress_bar("scoring", show=progress_shown(json_out=False)) as bar:
        assert not bar.shown
        bar(5, 10)
        bar.stage("next")
    assert err.getvalue() == ""


def test_a_shown_bar_draws_on_stderr_only(monkeypatch, capsys):
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with progress_bar("scoring patients", show=progress_shown(json_out=False)) as bar:
        assert bar.shown
        bar(5, 10)
        bar.stage("second stage")
        bar(10, 10)
    assert "scoring patients" in err.getvalue()
    assert capsys.readouterr().out == ""
