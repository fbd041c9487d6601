"""Read the command line's rich tables back from its text output (rounded boxes, one row per line)."""

from __future__ import annotations


def parse_tables(text: str) -> list[dict]:
    """Every table in ``text`` as ``{"title", "header", "rows"}``; ``title`` is the line printed just above
    the table (or ``None``), cells are stripped strings."""
    tables: list[dict] = []
    current: dict | None = None
    previous = None
    for line in text.splitlines():
        if line.startswith("╭"):
            current = {"title": previous, "header": None, "rows": []}
        elif line.startswith("│") and current is not None:
            cells = [c.strip() for c in line.strip()[1:-1].split("│")]
            if current["header"] is None:
                current["header"] = cells
            else:
                current["rows"].append(cells)
        elif line.startswith("╰") and current is not None:
            tables.append(current)
            current = None
        previous = line
    return tables


def table_titled(text: str, start: str) -> dict:
    """The one table whose title starts with ``start``."""
    found = [t for t in parse_tables(text) if t["title"] and t["title"].startswith(start)]
    assert len(found) == 1, f"{len(found)} tables titled {start!r} in:\n{text}"
    return found[0]


def column(table: dict, name: str) -> list[str]:
    i = table["header"].index(name)
    return [row[i] for row in table["rows"]]


def row_for(table: dict, first_cell: str) -> dict:
    """The row whose first cell is ``first_cell``, as ``{header: cell}``."""
    (row,) = [r for r in table["rows"] if r[0] == first_cell]
    return dict(zip(table["header"], row))
