"""The inside of :func:`lenvici.clinical.cohort.score_cohort`: fill the score arrays slice by slice, then
turn them into columns.

Scoring runs over slices of rows (:data:`~lenvici.clinical.cohort.DEFAULT_CHUNK_ROWS`), so that the
temporaries of the kernels stay in cache; each score writes its value, category code, note code and
"scored" flag into full-length arrays (:class:`ScoreArrays`). Only then are the columns built: values with
nulls, categories as Enums, and the error text of the rows that were not scored.

Error text is built per score from *message tables*, never per row in Python: each field has the messages
of its rows that are not OK (built once, :class:`FieldMessages`), each score's notes are a short list, and a
row's text is one entry of the score's table — the entry of its only problem, or, for the few rows with
several problems, their messages joined with ``"; "``. The column is then a single gather.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from lenvici.clinical._cohort_fields import INVALID, OK, MessageTable
from lenvici.clinical._cohort_scores import Batch, ColumnarScore

__all__ = ["ScoreArrays", "FieldMessages", "error_column"]


class ScoreArrays:
    """The full-length arrays one score fills slice by slice."""

    #: Category code of a row without a category (the Enum's physical codes are uint8).
    NO_CATEGORY = 255

    def __init__(self, score: ColumnarScore, n: int):
        # np.full, not np.empty: writing the arrays once here, in order, faults their pages in far more cheaply
        # than the slices do later (about a tenth of the scoring time for ten million rows).
        self.score = score
        self.value = None if score.value_column is None else (
            np.full(n, 0, np.int8) if score.integer else np.full(n, np.nan))
        self.code = None if score.category_column is None else np.full(n, self.NO_CATEGORY, np.uint8)
        #: −1 where the row was scored; else 0 (an input is missing or invalid) or the note code (1, 2, …).
        self.status = np.full(n, 0, np.int8)
        #: Rows scored, and rows per category code (index 255: no category), tallied slice by slice.
        self.scored_count = 0
        self.category_counts = np.zeros(256, dtype=np.int64)

    @property
    def scored(self) -> np.ndarray:
        return self.status < 0

    def fill(self, rows: slice, batch: Batch, options: Mapping[str, object]) -> None:
        """Score one slice: a row is scored when its inputs are OK (optional ones not invalid) and no note applies."""
        score = self.score
        computed = score.compute(batch, options)
        inputs_ok = batch.ok(score.inputs[0]).copy()
        for name in score.inputs[1:]:
            inputs_ok &= batch.ok(name)
        for name in score.optional:
            inputs_ok &= batch.not_invalid(name)
        if np.isscalar(computed.note):
            scored = inputs_ok
            self.status[rows] = np.where(scored, np.int8(-1), np.int8(0))
        else:
            note = np.where(inputs_ok, computed.note, np.int8(0))
            scored = inputs_ok & (note == 0)
            self.status[rows] = np.where(scored, np.int8(-1), note)
        self.scored_count += int(np.count_nonzero(scored))
        if self.value is not None:
            self.value[rows] = np.where(scored, computed.value, 0 if score.integer else np.nan)
        if self.code is not None:
            code = np.where(scored, np.asarray(computed.code, dtype=np.int8), np.int8(-1)).view(np.uint8)  # −1 → 255
            self.code[rows] = code
            self.category_counts += np.bincount(code, minlength=256)


class FieldMessages:
    """Per field, its :class:`~lenvici.clinical._cohort_fields.MessageTable`, built on first use."""

    def __init__(self, prepared: Mapping, states: Mapping[str, np.ndarray]):
        self._prepared, self.states = prepared, states
        self._cache: dict[str, MessageTable] = {}

    def source(self, name: str, rows: np.ndarray, only_invalid: bool = False) -> tuple[pl.Series, np.ndarray]:
        """The field's messages and, for each of ``rows``, the index of its message there (−1: none)."""
        state = self.states[name][rows]
        hit = state == INVALID if only_invalid else state != OK
        if not hit.any():
            return pl.Series(name, [], dtype=pl.String), np.full(len(rows), -1, dtype=np.int64)
        if name not in self._cache:
            self._cache[name] = self._prepared[name].message_table(self.states[name])
        table = self._cache[name]
        return table.texts, np.where(hit, table.codes(rows, state), -1)


def error_column(name: str, n: int, rows: np.ndarray, sources: list[tuple[pl.Series, np.ndarray]]) -> pl.Series:
    """A Categorical column: null except at ``rows``, where the messages of ``sources`` there are joined by "; ".

    Each source is a table of messages and, per row of ``rows``, an index into it (−1 for none).
    """
    if len(rows) == 0:
        return pl.repeat(None, n, dtype=pl.Categorical, eager=True).alias(name)
    offsets = np.cumsum([0] + [len(texts) for texts, _ in sources])
    pick = np.full(len(rows), -1, dtype=np.int64)
    count = np.zeros(len(rows), dtype=np.int64)
    for (texts, index), offset in zip(reversed(sources), reversed(offsets[:-1])):
        present = index >= 0
        pick = np.where(present, index + offset, pick)
        count += present
    tables = [texts for texts, _ in sources]
    several = np.flatnonzero(count > 1)
    if len(several):
        parts = [texts.extend_constant(None, 1).gather(np.where(index[several] >= 0, index[several], len(texts)))
                 for texts, index in sources]
        tables.append(pl.select(pl.concat_str(parts, separator="; ", ignore_nulls=True)).to_series())
        pick[several] = offsets[-1] + np.arange(len(several))
    # Dictionary-encoded: the same few messages ("'inr' is missing") repeat down the column.
    table = pl.concat([t.alias(name) for t in tables] + [pl.Series(name, [None], dtype=pl.String)]).rechunk()
    table = table.cast(pl.Categorical)
    full = np.full(n, len(table) - 1, dtype=np.uint32)
    full[rows] = np.where(pick >= 0, pick, len(table) - 1)
    return table.gather(pl.Series(full))
