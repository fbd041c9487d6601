"""RECIST 1.1: baseline target rules, target / non-target / overall response at one visit.

Each rule is a plain function on one visit, and beside it its columnar twin (``*_expr``, a Polars
expression over a table of visits) used by the fast path; the tests check that both agree. mRECIST uses
the same framework with the amendments in :mod:`.mrecist`.

Rules (Eisenhauer et al. 2009; section numbers of the paper)
------------------------------------------------------------
* §3.1–3.2, baseline: a target is measurable — longest diameter ≥ 10 mm, or a lymph node with short
  axis ≥ 15 mm; at most 5 targets, at most 2 per organ (all lymph nodes are one organ: EORTC RECIST
  FAQ, "Two target lesions"). Violations are input errors.
* §4.3.1, sum: long axes of non-nodal targets plus short axes of nodal targets. A target present but too
  small to measure counts 5 mm; one that disappeared counts 0 mm.
* §4.3.1, target response:
    - CR: every non-nodal target gone (0 mm) and every nodal target < 10 mm short axis;
    - PR: sum ≤ (1 − 0.30) × baseline sum;
    - PD: sum ≥ (1 + 0.20) × nadir *and* sum − nadir ≥ 5 mm, the nadir being the smallest complete sum
      on study before this visit, baseline included;
    - SD otherwise; NE when a target is not measured, unless the measured targets alone already meet PD
      (a sum of some targets can only grow when the missing ones are added).
  CR takes precedence over the sum rule (normal nodes may grow within the normal range), PD over PR.
* Reappearance after CR (§4.3.1 note on lesions that disappear and reappear; EORTC RECIST FAQ "Does a
  new lesion always result in PD?"): when the previous complete assessment was an overall CR, any
  target that reappears (a non-nodal target > 0 mm, a node ≥ 10 mm) or non-target that is present
  again makes this visit PD.
* §4.3.2, non-target response: unequivocal progression → PD; any not evaluated → NE; all absent → CR;
  otherwise NON-CR/NON-PD.
* §4.3.3 / Table 4 (with targets) and Table 5 (non-targets only), overall response: an unequivocal new
  lesion, target PD or non-target PD → PD; target CR with non-target CR (or none) → CR, with non-target
  non-CR or NE → PR; target PR → PR; SD → SD; target NE → NE. Without targets: non-target CR → CR,
  NE → NE, otherwise NON-CR/NON-PD.

Thresholds are compared exactly: diameters are whole micrometres and the fractions 3/10 and 1/5 are
applied by integer cross-multiplication, so a fall of exactly 30 % is PR and a rise of exactly 20 % with
exactly 5 mm is PD.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from lenvici.clinical.response.criteria import ResponseCriteria
from lenvici.clinical.response.lesions import LIVER, LYMPH_NODE, PORTAL_VEIN, TARGET, LesionTable
from lenvici.clinical.response.result import CR, NE, NON_CR_NON_PD, PD, PR, SD
from lenvici.errors import InputError

__all__ = [
    "check_baseline", "target_measure", "is_normal", "progressed", "responded", "target_response",
    "non_target_response", "overall_response", "target_measure_expr", "is_normal_expr", "progressed_expr",
    "responded_expr", "target_response_expr", "non_target_response_expr", "overall_response_expr",
]


# ----------------------------------------------------------------------------------------------------
# Baseline (§3): validated once, at the public boundary
# ----------------------------------------------------------------------------------------------------

def check_baseline(table: LesionTable, criteria: ResponseCriteria) -> None:
    """Check the baseline target selection of every patient; raise :class:`InputError` naming the row."""
    df = table.frame
    base = df.filter((pl.col("kind") == TARGET) & (pl.col("day") == pl.col("baseline_day"))).sort("row")
    base = base.with_columns(
        pl.int_range(1, pl.len() + 1).over("patient").alias("_n_patient"),
        pl.int_range(1, pl.len() + 1).over(["patient", "organ"]).alias("_n_organ"),
    )

    def fail(mask: pl.Expr, column: str, message) -> None:
        bad = base.filter(mask)
        if bad.height:
            r = bad.row(0, named=True)
            raise InputError(f"{table.where(r['row'])}, column {column!r}: {message(r)}", column)

    node = pl.col("organ") == LYMPH_NODE
    fail(pl.col("_n_patient") > criteria.max_targets, "kind",
         lambda r: f"patient {r['patient']!r} has more than {criteria.max_targets} target lesions at baseline "
                   f"({criteria.name}: at most {criteria.max_targets}; record the others as non-target)")
    fail(pl.col("_n_organ") > criteria.max_targets_per_organ, "kind",
         lambda r: f"patient {r['patient']!r} has more than {criteria.max_targets_per_organ} target lesions in "
                   f"organ {r['organ']!r} ({criteria.name}: at most {criteria.max_targets_per_organ} per organ, "
                   "all lymph nodes being one organ)")
    fail(~node & (pl.col("diameter_um") < criteria.um("min_target_mm")), "diameter_mm",
         lambda r: f"a target lesion must measure ≥ {criteria.min_target_mm:g} mm at baseline; got "
                   f"{r['diameter_um'] / 1000:g} mm (record it as non-target)")
    fail(node & (pl.col("diameter_um") < criteria.um("min_target_node_mm")), "diameter_mm",
         lambda r: f"a target lymph node must have a short axis ≥ {criteria.min_target_node_mm:g} mm at "
                   f"baseline; got {r['diameter_um'] / 1000:g} mm (10–15 mm nodes are non-target)")
    if criteria.portal_vein_non_measurable:
        fail(pl.col("organ") == PORTAL_VEIN, "organ",
             lambda r: "malignant portal-vein thrombosis is non-measurable under mRECIST; record it as a "
                       "non-target lesion")
    if criteria.viable:
        fail((pl.col("organ") == LIVER) & (pl.col("viable_um") == 0), "viable_diameter_mm",
             lambda r: "an intrahepatic target without arterial enhancement at baseline cannot be measured by "
                       "its viable diameter; leave viable_diameter_mm blank to measure it as an atypical "
                       "lesion by its whole diameter")


# ----------------------------------------------------------------------------------------------------
# One lesion
# ----------------------------------------------------------------------------------------------------

def target_measure(diameter_um: int | None, viable_um: int | None, status: str | None, typical: bool,
                   criteria: ResponseCriteria) -> int | None:
    """The diameter a target contributes to the sum, in µm (``None`` = not measured).

    ``typical`` selects the viable diameter (mRECIST typical intrahepatic target). A target marked
    ``absent`` counts 0; ``too-small`` with the relevant diameter blank counts ``too_small_mm`` (5 mm).
    """
    if status == "absent":
        return 0
    value = viable_um if typical else diameter_um
    if value is None and status == "too-small":
        return criteria.um("too_small_mm")
    return value


def target_measure_expr(criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`target_measure` over columns ``diameter_um, viable_um, status, typical``."""
    value = pl.when(pl.col("typical")).then(pl.col("viable_um")).otherwise(pl.col("diameter_um"))
    return (pl.when(pl.col("status") == "absent").then(pl.lit(0, dtype=pl.Int64))
            .when(value.is_null() & (pl.col("status") == "too-small"))
            .then(pl.lit(criteria.um("too_small_mm"), dtype=pl.Int64))
            .otherwise(value))


def is_normal(measure_um: int, node: bool, criteria: ResponseCriteria) -> bool:
    """A measured target in complete response: a node < 10 mm short axis, any other lesion 0 mm."""
    return measure_um < criteria.um("node_normal_mm") if node else measure_um == 0


def is_normal_expr(criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`is_normal` over columns ``measure, node`` (null where not measured)."""
    return (pl.when(pl.col("node")).then(pl.col("measure") < criteria.um("node_normal_mm"))
            .otherwise(pl.col("measure") == 0))


# ----------------------------------------------------------------------------------------------------
# The sum against baseline and nadir
# ----------------------------------------------------------------------------------------------------

def progressed(total_um: int, nadir_um: int, criteria: ResponseCriteria) -> bool:
    """``total`` ≥ (1 + 20 %) × nadir, strictly above it, and at least ``pd_min_increase_mm`` above it."""
    f = criteria.pd_fraction
    return (total_um > nadir_um and total_um * f.denominator >= (f.denominator + f.numerator) * nadir_um
            and total_um - nadir_um >= criteria.um("pd_min_increase_mm"))


def progressed_expr(total: pl.Expr, nadir: pl.Expr, criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`progressed` (null when the nadir is null)."""
    f = criteria.pd_fraction
    return ((total > nadir) & (total * f.denominator >= nadir * (f.denominator + f.numerator))
            & (total - nadir >= criteria.um("pd_min_increase_mm")))


def responded(total_um: int, baseline_um: int, criteria: ResponseCriteria) -> bool:
    """``total`` ≤ (1 − 30 %) × baseline sum."""
    f = criteria.pr_fraction
    return total_um * f.denominator <= (f.denominator - f.numerator) * baseline_um


def responded_expr(total: pl.Expr, baseline: pl.Expr, criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`responded`."""
    f = criteria.pr_fraction
    return total * f.denominator <= baseline * (f.denominator - f.numerator)


# ----------------------------------------------------------------------------------------------------
# One visit
# ----------------------------------------------------------------------------------------------------

def target_response(measures: Sequence[int | None], nodes: Sequence[bool], baseline_um: int, nadir_um: int,
                    after_cr: bool, criteria: ResponseCriteria) -> str:
    """Target response at a follow-up visit (CR, PR, SD, PD or NE).

    Parameters
    ----------
    measures
        Each target's contribution in µm (:func:`target_measure`); ``None`` where not measured.
    nodes
        Whether each target is a lymph node.
    baseline_um, nadir_um
        The baseline sum and the smallest complete sum before this visit (baseline included), in µm.
    after_cr
        The previous complete assessment was an overall CR (reappearance rule).
    """
    measured = [(m, n) for m, n in zip(measures, nodes) if m is not None]
    complete = len(measured) == len(measures)
    total = sum(m for m, _ in measured)
    if complete and all(is_normal(m, n, criteria) for m, n in measured):
        return CR
    if after_cr and any(not is_normal(m, n, criteria) for m, n in measured):
        return PD
    if progressed(total, nadir_um, criteria):
        return PD
    if not complete:
        return NE
    if responded(total, baseline_um, criteria):
        return PR
    return SD


def target_response_expr(criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`target_response` over per-visit columns ``n_missing, total, all_normal,
    any_abnormal, baseline, nadir, after_cr``."""
    complete = pl.col("n_missing") == 0
    return (pl.when(complete & pl.col("all_normal")).then(pl.lit(CR))
            .when(pl.col("after_cr") & pl.col("any_abnormal")).then(pl.lit(PD))
            .when(progressed_expr(pl.col("total"), pl.col("nadir"), criteria).fill_null(False)).then(pl.lit(PD))
            .when(~complete).then(pl.lit(NE))
            .when(responded_expr(pl.col("total"), pl.col("baseline"), criteria)).then(pl.lit(PR))
            .otherwise(pl.lit(SD)))


def non_target_response(statuses: Sequence[str | None], after_cr: bool) -> str | None:
    """Non-target response (CR, NON-CR/NON-PD, PD or NE); ``None`` when there are no non-targets.

    ``statuses`` are the effective statuses (:func:`lenvici.clinical.response.mrecist.non_target_status`),
    ``None`` where not evaluated.
    """
    if not statuses:
        return None
    if any(s == "unequivocal-progression" for s in statuses):
        return PD
    if after_cr and any(s == "present" for s in statuses):
        return PD
    if any(s is None for s in statuses):
        return NE
    if all(s == "absent" for s in statuses):
        return CR
    return NON_CR_NON_PD


def non_target_response_expr() -> pl.Expr:
    """Columnar :func:`non_target_response` over ``n_nt, nt_missing, nt_pd, nt_present, nt_absent,
    after_cr``."""
    return (pl.when(pl.col("n_nt").fill_null(0) == 0).then(pl.lit(None, dtype=pl.String))
            .when(pl.col("nt_pd")).then(pl.lit(PD))
            .when(pl.col("after_cr") & pl.col("nt_present")).then(pl.lit(PD))
            .when(pl.col("nt_missing") > 0).then(pl.lit(NE))
            .when(pl.col("nt_absent") == pl.col("n_nt")).then(pl.lit(CR))
            .otherwise(pl.lit(NON_CR_NON_PD)))


def overall_response(target: str | None, non_target: str | None, new_lesion: bool) -> str:
    """Overall response from RECIST 1.1 Table 4 (with targets) or Table 5 (``target is None``)."""
    if new_lesion or target == PD or non_target == PD:
        return PD
    if target is None:
        return {CR: CR, NE: NE}.get(non_target, NON_CR_NON_PD)
    if target == CR:
        return CR if non_target in (None, CR) else PR
    return target


def overall_response_expr() -> pl.Expr:
    """Columnar :func:`overall_response` over ``target, non_target, new_lesion``."""
    t, nt = pl.col("target"), pl.col("non_target")
    return (pl.when(pl.col("new_lesion") | (t == PD).fill_null(False) | (nt == PD).fill_null(False)).then(pl.lit(PD))
            .when(t.is_null() & (nt == CR)).then(pl.lit(CR))
            .when(t.is_null() & (nt == NE)).then(pl.lit(NE))
            .when(t.is_null()).then(pl.lit(NON_CR_NON_PD))
            .when((t == CR) & (nt.is_null() | (nt == CR))).then(pl.lit(CR))
            .when(t == CR).then(pl.lit(PR))
            .otherwise(t))
