"""Cohort inputs, checked and converted a column at a time: the batch side of ``units.py`` and ``validation.py``.

Every input a score takes is a *field* (DESIGN §4's shared input names): a quantity with a unit, a
choice, a yes/no flag or an integer. A cohort column named after a field becomes a prepared column that
yields, for any slice of rows, the canonical values (DESIGN §3 units) and a state per row — :data:`OK`,
:data:`MISSING` or :data:`INVALID` — and, for the rows that are not OK, a message naming the field, the
value and what is allowed.

* **Quantities.** Conversion factors and physiological ranges are :data:`lenvici.units.ANALYTES`'; a unit
  spelling is resolved by :func:`lenvici.units.parse_quantity`, so the accepted spellings and the wording of
  a refusal are the ones a single patient gets. The unit of a row is, in order: the unit written in the
  cell (``"3.5 g/dL"``), the row's entry in a companion column ``<field>_unit``, the unit given for the
  column, or ``1`` for a dimensionless field (INR). The value is ``cell × factor``, the same product as
  :func:`lenvici.units.to_canonical`, and is checked against the same inclusive range.
* **Choices, flags and integers** hold few distinct values, so each distinct value goes through the public
  validator (:func:`~lenvici.clinical.validation.check_choice`, ``check_flag``, ``check_int``) once, and
  the rows take its verdict by index: the same rules as one patient, no loop over rows.

A value is *missing* when the cell is null or a string that is empty after stripping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import polars as pl

from lenvici.clinical.scores.geriatric import G8_ITEMS
from lenvici.clinical.scores.lenvatinib_models import BCLC_STAGES
from lenvici.clinical.scores.liver import ASCITES_POINTS, ENCEPHALOPATHY_POINTS
from lenvici.clinical.scores.nutrition import SEXES
from lenvici.clinical.staging import LIVER_FUNCTION_LEVELS, MAX_TUMOUR_COUNT
from lenvici.clinical.validation import check_choice, check_flag, check_int
from lenvici.errors import InputError
from lenvici.units import ANALYTES, Analyte, parse_quantity

__all__ = ["OK", "MISSING", "INVALID", "FIELDS", "FieldSpec", "QuantityColumn", "DiscreteColumn", "prepare_column",
           "unit_factor", "enum_from_codes", "nulls_where", "MessageTable"]

OK, MISSING, INVALID = 0, 1, 2
QUANTITY, CHOICE, FLAG, INTEGER = "quantity", "choice", "flag", "integer"

# Why a quantity cell is not OK before its range is looked at.
_NONE, _MISSING, _NOT_A_NUMBER, _NO_UNIT, _BAD_UNIT = 0, 1, 2, 3, 4
# "VALUE UNIT" as lenvici.units reads it: a decimal number, then the unit (possibly empty).
_VALUE_UNIT = r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$"


@dataclass(frozen=True)
class FieldSpec:
    """One input name and how its values are checked."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()
    bounds: tuple[int, int] = (0, 0)

    @property
    def analyte(self) -> Analyte:
        """The :class:`~lenvici.units.Analyte` of a quantity (the largest tumour is a diameter)."""
        return ANALYTES["diameter" if self.name == "largest_tumour" else self.name]

    def check(self, value: object) -> object:
        """One value through the public validator of this kind; raises :class:`InputError` naming the field."""
        if self.kind == CHOICE:
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # BCLC stage 0 given as a number, as lep() accepts it
            return check_choice(value, self.name, self.choices)
        if self.kind == FLAG:
            return check_flag(value, self.name)
        if self.kind == INTEGER:
            return check_int(value, self.name, *self.bounds)
        raise TypeError(f"{self.name} is a quantity")

    def encode(self, checked: object) -> int:
        """A checked discrete value as the integer the kernels take (a choice is its index in ``choices``)."""
        return self.choices.index(checked) if self.kind == CHOICE else int(checked)  # type: ignore[arg-type]


def _fields() -> dict[str, FieldSpec]:
    specs = [FieldSpec(name, QUANTITY) for name in ANALYTES if name != "diameter"]
    specs.append(FieldSpec("largest_tumour", QUANTITY))
    choices = {"ascites": tuple(ASCITES_POINTS), "encephalopathy": tuple(ENCEPHALOPATHY_POINTS), "sex": SEXES,
               "bclc_stage": BCLC_STAGES, "liver_function": LIVER_FUNCTION_LEVELS,
               **{item: tuple(points) for item, points in G8_ITEMS.items()}}
    specs += [FieldSpec(name, CHOICE, choices=allowed) for name, allowed in choices.items()]
    specs += [FieldSpec(name, FLAG) for name in ("macrovascular_invasion", "extrahepatic_spread", "prior_tace",
                                                 "polypharmacy")]
    specs += [FieldSpec("ecog", INTEGER, bounds=(0, 4)), FieldSpec("tumour_count", INTEGER, bounds=(1, MAX_TUMOUR_COUNT))]
    return {s.name: s for s in specs}


#: Every input name a cohort column may carry, with its kind.
FIELDS: Mapping[str, FieldSpec] = MappingProxyType(_fields())


def unit_factor(spec: FieldSpec, unit: str) -> float:
    """The factor that takes ``spec``'s values in ``unit`` to its canonical unit (InputError if not accepted)."""
    quantity = parse_quantity(f"1 {unit}", spec.name)
    return spec.analyte.factors[quantity.unit]


def nulls_where(series: pl.Series, null: np.ndarray) -> pl.Series:
    """``series`` with the rows where ``null`` is true made null."""
    return pl.select(pl.when(pl.Series(~null)).then(series).alias(series.name)).to_series()


def enum_from_codes(name: str, codes: np.ndarray, labels: tuple[str, ...]) -> pl.Series:
    """An Enum column from integer label codes (−1, or any code past the labels → null), no string per row."""
    dtype = pl.Enum(list(labels))
    codes = np.asarray(codes)
    physical = np.dtype(str(pl.Series([], dtype=dtype).to_physical().dtype).lower())  # uint8 for few labels
    try:
        # −1 wraps to the largest unsigned code, which is no label: the non-strict conversion makes it null.
        return pl.Series(name, codes.astype(physical, copy=False)).cat.to(dtype, strict=False)
    except AttributeError:  # Polars 1.x: an Enum is cast from its UInt32 codes
        valid = (codes >= 0) & (codes < len(labels))
        series = pl.Series(name, np.where(valid, codes, 0)).cast(pl.UInt32).cast(dtype)
        return series if valid.all() else nulls_where(series, ~valid)


def _missing_strings(s: pl.Series) -> pl.Series:
    """A string column with blank cells made null."""
    return pl.select(pl.when(s.str.strip_chars() != "").then(s).alias(s.name)).to_series()


@dataclass(frozen=True)
class MessageTable:
    """A field's messages, few and distinct where they can be, and the index of each row's message.

    ``codes(rows, states)`` gives, for ``rows`` and their states, the index into ``texts`` (−1 where OK).
    """

    texts: pl.Series
    codes: Callable[[np.ndarray, np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------------------------- quantities


class QuantityColumn:
    """A quantity column: raw numbers, the factor of each row's unit, and why a row failed before the range."""

    def __init__(self, spec: FieldSpec, raw: np.ndarray, factor: float | np.ndarray, problem: np.ndarray | None,
                 units: str | pl.Series, cells: pl.Series | None, unit_messages: Mapping[str, str],
                 nan_is_missing: bool = False):
        self.spec, self.raw, self.factor, self.problem = spec, raw, factor, problem
        self._nan_is_missing = nan_is_missing
        self._units, self._cells, self._unit_messages = units, cells, unit_messages
        analyte = spec.analyte
        self._low, self._high = analyte.low, analyte.high

    def chunk(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """Canonical values and states of a slice of rows."""
        factor = self.factor if np.isscalar(self.factor) else self.factor[rows]
        values = self.raw[rows] if np.isscalar(factor) and factor == 1.0 else self.raw[rows] * factor
        inside = values >= self._low
        inside &= values <= self._high
        state = np.logical_not(inside).view(np.int8) * np.int8(INVALID)
        if self._nan_is_missing:
            state[np.isnan(values)] = MISSING
        if self.problem is not None:
            problem = self.problem[rows]
            state[problem == _MISSING] = MISSING
            state[problem > _MISSING] = INVALID
        return values, state

    def message_table(self, state: np.ndarray) -> MessageTable:
        """The field's messages given every row's state: "missing" once, then one per invalid row."""
        invalid = np.flatnonzero(state == INVALID)
        if self.problem is not None:
            problem = self.problem[invalid]
        else:
            problem = np.full(len(invalid), _NONE, np.int8)  # out of range (NaN and inf included)
        texts = pl.concat([pl.Series(self.spec.name, [f"'{self.spec.name}' is missing"], dtype=pl.String),
                           self._invalid_messages(invalid, problem)])

        def codes(rows: np.ndarray, states: np.ndarray) -> np.ndarray:
            out = np.where(states == MISSING, 0, -1)
            bad = np.flatnonzero(states == INVALID)
            out[bad] = np.searchsorted(invalid, rows[bad]) + 1
            return out

        return MessageTable(texts, codes)

    def _invalid_messages(self, rows: np.ndarray, problem: np.ndarray) -> pl.Series:
        analyte = self.spec.analyte
        n = len(rows)
        units = (pl.Series([self._units] * n, dtype=pl.String) if isinstance(self._units, str)
                 else self._units.gather(rows))
        cells = self._cells.gather(rows) if self._cells is not None else pl.Series([None] * n, dtype=pl.String)
        factor = self.factor if np.isscalar(self.factor) else self.factor[rows]
        frame = pl.DataFrame({"problem": problem, "raw": self.raw[rows], "canonical": self.raw[rows] * factor,
                              "unit": units, "cell": cells})
        name, canonical = self.spec.name, analyte.canonical
        accepted = ", ".join(analyte.accepted)
        range_text = f"is outside the physiological range [{analyte.low:g}, {analyte.high:g}] {canonical}"
        unit_message = pl.col("unit").replace_strict(
            list(self._unit_messages), list(self._unit_messages.values()), default=None, return_dtype=pl.String)
        text = (
            pl.when(pl.col("problem") == _NOT_A_NUMBER)
            .then(pl.format(f"'{name}' must be 'VALUE UNIT' (e.g. '1.0 {canonical}'); got '{{}}'", pl.col("cell")))
            .when(pl.col("problem") == _NO_UNIT).then(pl.lit(f"'{name}' needs a unit; accepted units: {accepted}"))
            .when(pl.col("problem") == _BAD_UNIT).then(unit_message)
            .when(pl.col("unit") == canonical).then(pl.format(f"'{name}' = {{}} {{}} {range_text}", "raw", "unit"))
            .otherwise(pl.format(f"'{name}' = {{}} {{}} ({{}} {canonical}) {range_text}", "raw", "unit", "canonical"))
        )
        return frame.select(text.alias(name)).to_series()


def _quantity(s: pl.Series, spec: FieldSpec, unit: str | None, unit_column: pl.Series | None) -> QuantityColumn:
    analyte = spec.analyte
    default_unit = unit if unit is not None else ("1" if analyte.dimensionless else None)
    if s.dtype.is_numeric() and unit_column is None:
        if default_unit is None:
            raise InputError(f"column {s.name!r} has no unit: give it in the units mapping "
                             f"(accepted units: {', '.join(analyte.accepted)})", spec.name)
        values = s.cast(pl.Float64)
        nan_cells = bool(s.null_count()) and s.dtype.is_float() and bool(values.is_nan().any())
        raw = values.fill_null(np.nan).to_numpy()  # null → NaN (faster than to_numpy's own null handling)
        if nan_cells:
            problem = np.where(s.is_null().to_numpy(), _MISSING, _NONE).astype(np.int8)
            return QuantityColumn(spec, raw, unit_factor(spec, default_unit), problem, default_unit, None, {})
        # Without NaN cells a NaN in ``raw`` is a null cell: the slices find the missing rows themselves.
        return QuantityColumn(spec, raw, unit_factor(spec, default_unit), None, default_unit, None, {},
                              nan_is_missing=s.null_count() > 0)

    # General path: strings that may carry their own unit, and/or a unit per row.
    cells = _missing_strings(s.cast(pl.String))
    number = cells.str.strip_chars().cast(pl.Float64, strict=False)
    cell_unit = pl.repeat(None, len(cells), dtype=pl.String, eager=True)
    with_text = np.flatnonzero((number.is_null() & cells.is_not_null()).to_numpy())
    if len(with_text):  # "VALUE UNIT" cells (and cells that are not numbers at all)
        parsed = cells.gather(with_text).str.extract_groups(_VALUE_UNIT)
        value = parsed.struct.field("1").cast(pl.Float64, strict=False)
        unit_text = pl.select(pl.when(value.is_not_null() & (parsed.struct.field("2") != ""))
                              .then(parsed.struct.field("2"))).to_series()
        number = number.scatter(with_text, value)
        cell_unit = cell_unit.scatter(with_text, unit_text)
    row_unit = cell_unit
    if unit_column is not None:
        row_unit = row_unit.fill_null(_missing_strings(unit_column.cast(pl.String)))
    if default_unit is not None:
        row_unit = row_unit.fill_null(default_unit)
    missing = cells.is_null()
    if default_unit is None and unit_column is None and not (cell_unit.is_not_null() & ~missing).any() \
            and not missing.all():
        raise InputError(f"column {s.name!r} has no unit: give it in the units mapping or in each cell "
                         f"(accepted units: {', '.join(analyte.accepted)})", spec.name)
    factors, messages = {}, {}
    for text in row_unit.drop_nulls().unique().to_list():
        try:
            factors[text] = unit_factor(spec, text)
        except InputError as exc:
            messages[text] = str(exc)
    factor = row_unit.replace_strict(list(factors), list(factors.values()), default=None,
                                     return_dtype=pl.Float64).to_numpy()
    problem = np.select(
        [missing.to_numpy(), number.is_null().to_numpy(), row_unit.is_null().to_numpy(), np.isnan(factor)],
        [_MISSING, _NOT_A_NUMBER, _NO_UNIT, _BAD_UNIT], _NONE).astype(np.int8)
    raw = number.to_numpy()
    return QuantityColumn(spec, raw, np.where(np.isnan(factor), np.nan, factor), problem,
                          row_unit.fill_null(""), cells, messages)


# ------------------------------------------------------------------------------------ choices, flags, integers


class DiscreteColumn:
    """A choice, flag or integer column: each row's index into a table of its distinct values' verdicts.

    The table's last entry is the null one (state MISSING): a null row's index is the number of values.
    """

    def __init__(self, spec: FieldSpec, index: np.ndarray, values: list[object]):
        self.spec, self.index = spec, index
        states, codes, messages = [], [], []
        for value in values:
            try:
                code, state, message = spec.encode(spec.check(value)), OK, None
            except InputError as exc:
                code, state, message = 0, INVALID, str(exc)
            codes.append(code)
            states.append(state)
            messages.append(message)
        self.codes = np.array([*codes, 0], dtype=np.int16)
        self.states = np.array([*states, MISSING], dtype=np.int8)
        self._messages = pl.Series([*messages, f"'{spec.name}' is missing"], dtype=pl.String)

    def chunk(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        index = self.index[rows]
        return self.codes[index], self.states[index]

    def message_table(self, state: np.ndarray) -> MessageTable:
        """The verdict of each distinct value (OK ones are null), then "missing"."""
        def codes(rows: np.ndarray, states: np.ndarray) -> np.ndarray:
            return np.where(states != OK, self.index[rows].astype(np.int64), -1)

        return MessageTable(self._messages.alias(self.spec.name), codes)


def _discrete(s: pl.Series, spec: FieldSpec) -> DiscreteColumn:
    # The index of a null row is the number of distinct values: the table's last (MISSING) entry.
    if s.dtype == pl.Enum:
        labels = list(s.dtype.categories)
        physical = s.to_physical()  # UInt8 for a few labels: kept narrow, and zero-copy without nulls
        if len(labels) >= 255:
            physical = physical.cast(pl.Int32)
        return DiscreteColumn(spec, physical.fill_null(len(labels)).to_numpy(), labels)
    if s.dtype == pl.Boolean:
        return DiscreteColumn(spec, s.cast(pl.UInt8).fill_null(2).to_numpy(), [False, True])
    if s.dtype.is_integer() and s.null_count() < len(s):
        low, high = int(s.min()), int(s.max())  # type: ignore[arg-type]
        if high - low < 65535 and -(2**31) < low and high < 2**31 - 1:
            index = (s.cast(pl.Int32).fill_null(high + 1).to_numpy() - low).astype(np.uint16)
            return DiscreteColumn(spec, index, list(range(low, high + 1)))
    if s.dtype in (pl.String, pl.Categorical):
        s = _missing_strings(s.cast(pl.String))
    distinct = s.drop_nulls().unique()
    index = s.replace_strict(distinct, pl.Series(np.arange(len(distinct), dtype=np.int32)), default=len(distinct),
                             return_dtype=pl.Int32).to_numpy()
    return DiscreteColumn(spec, index, distinct.to_list())


def prepare_column(s: pl.Series, spec: FieldSpec, unit: str | None = None,
                   unit_column: pl.Series | None = None) -> QuantityColumn | DiscreteColumn:
    """The prepared column for field ``spec`` from the cohort column ``s``.

    Raises
    ------
    InputError
        When a quantity column has no unit from any source, or ``unit`` is not accepted for the field.
    """
    if spec.kind == QUANTITY:
        if unit is not None:
            unit_factor(spec, unit)  # refuses an unknown unit for the whole column, naming the accepted ones
        return _quantity(s, spec, unit, unit_column)
    return _discrete(s, spec)
