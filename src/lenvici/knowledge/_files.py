"""Reading curated files into validated records, with errors that name the file, line and field."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from lenvici.errors import CurationError

__all__ = ["default_data_dir", "read_yaml_records", "read_csv_records"]

M = TypeVar("M", bound=BaseModel)


def default_data_dir() -> Path:
    """The curated data shipped inside the package (``lenvici/data``)."""
    return Path(str(resources.files("lenvici") / "data"))


def _node_at(node: yaml.Node, loc: Sequence[str | int]) -> yaml.Node:
    """Follow a pydantic error location into the YAML node tree, as deep as it goes."""
    for key in loc:
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    node = v
                    break
            else:
                return node
        else:
            return node
    return node


def _describe(error: ValidationError) -> tuple[tuple, str]:
    first = error.errors()[0]
    loc = tuple(x for x in first["loc"] if not (isinstance(x, str) and x.startswith("function-")))
    return loc, first["msg"]


def read_yaml_records(path: Path, model: type[M]) -> tuple[M, ...]:
    """Read a YAML list of records and validate each with ``model``.

    Raises
    ------
    CurationError
        Naming the file, the line, the record and the field of the first problem found.
    """
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(str(path), f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CurationError(str(path), f"{line}invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, list):
        raise CurationError(str(path), "the file must hold a YAML list of records")
    records = []
    for i, item in enumerate(data):
        try:
            records.append(model.model_validate(item))
        except ValidationError as exc:
            loc, msg = _describe(exc)
            node = _node_at(root.value[i], loc)
            label = item.get("id", item.get("row", item.get("number", i + 1))) if isinstance(item, dict) else i + 1
            field = ".".join(str(x) for x in loc) or None
            raise CurationError(
                f"{path}:{node.start_mark.line + 1}", msg, record=str(label), field=field
            ) from exc
    return tuple(records)


def read_csv_records(path: Path, model: type[M], list_fields: dict[str, type] | None = None) -> tuple[M, ...]:
    """Read a CSV file (header row) into validated records.

    ``list_fields`` names columns that hold ``;``-separated lists and the type of their items.
    """
    list_fields = list_fields or {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CurationError(str(path), f"cannot read: {exc}") from exc
    records = []
    for i, row in enumerate(rows):
        line = i + 2  # header is line 1
        item: dict[str, object] = {}
        try:
            for key, value in row.items():
                if key is None:
                    raise CurationError(f"{path}:{line}", "more cells than header columns")
                value = (value or "").strip()
                if key in list_fields:
                    item[key] = [list_fields[key](v.strip()) for v in value.split(";") if v.strip()]
                elif value != "":
                    item[key] = value
            records.append(model.model_validate(item))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                loc, msg = _describe(exc)
                field = ".".join(str(x) for x in loc) or None
            elif isinstance(exc, CurationError):
                raise
            else:
                msg, field = str(exc), None
            raise CurationError(f"{path}:{line}", msg, record=str(line), field=field) from exc
    return tuple(records)
