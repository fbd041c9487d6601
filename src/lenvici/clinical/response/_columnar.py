"""The fast path: every patient and visit at once, as Polars joins, group-bys and window expressions.

Steps: (1) the visits of each patient; (2) each baseline target crossed with the patient's visits and
joined to its measurement (a missing row is a missing measurement), reduced per visit to the sum, the
number missing and the CR state; (3) the same for non-targets' statuses; (4) the first day of an
unequivocal new lesion per patient; (5) per patient in day order: baseline sum, nadir before each visit
(a shifted cumulative minimum of complete sums) and whether the previous complete visit was a CR;
(6) the rule expressions of :mod:`.recist` and :mod:`.mrecist`. Only the best overall response, which
walks a handful of visits per patient, is computed per patient in Python.

It must agree with :mod:`._reference` on every input; the tests check that with random tables.
"""

from __future__ import annotations

import polars as pl

from lenvici.clinical.response.best_response import best_overall_response, progression_day
from lenvici.clinical.response.criteria import ResponseCriteria
from lenvici.clinical.response.lesions import LYMPH_NODE, NEW, NON_TARGET, TARGET, LesionTable
from lenvici.clinical.response.mrecist import (
    is_typical_target_expr,
    new_lesion_unequivocal_expr,
    non_target_status_expr,
)
from lenvici.clinical.response.recist import (
    is_normal_expr,
    non_target_response_expr,
    overall_response_expr,
    target_measure_expr,
    target_response_expr,
)
from lenvici.clinical.response.result import PatientResponse, VisitResponse

__all__ = ["visit_frame", "assess_columnar"]

_KEY = ["patient", "day"]


def visit_frame(table: LesionTable, criteria: ResponseCriteria) -> pl.DataFrame:
    """One row per patient and visit with the sums, nadir and categories (the baseline's category null).

    Columns: ``patient, day, baseline_day, sum_mm, category, target, non_target, new_lesion, nadir_mm,
    change_from_baseline_pct, has_targets, order`` (order = first input row of the patient).
    """
    f = table.frame
    visits = f.group_by(_KEY).agg(pl.col("baseline_day").first(), pl.col("row").min().alias("_first_row"))
    visits = visits.with_columns(pl.col("_first_row").min().over("patient").alias("order")).drop("_first_row")
    at_baseline = pl.col("day") == pl.col("baseline_day")

    # Targets: each baseline target at each visit of its patient.
    targets = f.filter((pl.col("kind") == TARGET) & at_baseline).select(
        "patient", "lesion", (pl.col("organ") == LYMPH_NODE).alias("node"), is_typical_target_expr(criteria).alias("typical"))
    measured = f.filter(pl.col("kind") == TARGET).select("patient", "day", "lesion", "diameter_um", "viable_um", "status")
    tv = (visits.select(_KEY).join(targets, on="patient")
          .join(measured, on=["patient", "day", "lesion"], how="left")
          .with_columns(target_measure_expr(criteria).alias("measure"))
          .with_columns(is_normal_expr(criteria).alias("normal")))
    t_agg = tv.group_by(_KEY).agg(
        pl.len().alias("n_t"),
        pl.col("measure").null_count().alias("n_missing"),
        pl.col("measure").sum().alias("total"),
        pl.col("normal").fill_null(False).all().alias("all_normal"),
        (~pl.col("normal")).fill_null(False).any().alias("any_abnormal"),
    )

    # Non-targets: each baseline non-target at each visit; a missing row is "not evaluated".
    non_targets = f.filter((pl.col("kind") == NON_TARGET) & at_baseline).select("patient", "lesion")
    statuses = f.filter(pl.col("kind") == NON_TARGET).select("patient", "day", "lesion", "organ", "status", "cytology")
    ntv = (visits.select(_KEY).join(non_targets, on="patient")
           .join(statuses, on=["patient", "day", "lesion"], how="left")
           .with_columns(non_target_status_expr(criteria).alias("effective")))
    eff = pl.col("effective")
    nt_agg = ntv.group_by(_KEY).agg(
        pl.len().alias("n_nt"),
        eff.null_count().alias("nt_missing"),
        (eff == "unequivocal-progression").any().alias("nt_pd"),
        (eff == "present").any().alias("nt_present"),
        (eff == "absent").sum().alias("nt_absent"),
    )

    # New lesions: the first day of any lesion that is ever unequivocal.
    new = (f.filter(pl.col("kind") == NEW).sort(["patient", "lesion", "day"])
           .with_columns(pl.col("diameter_um").drop_nulls().first().over(["patient", "lesion"]).alias("first_diameter_um"),
                         pl.col("day").min().over(["patient", "lesion"]).alias("appeared"))
           .with_columns(new_lesion_unequivocal_expr(criteria).alias("unequivocal")))
    new_day = new.filter(pl.col("unequivocal")).group_by("patient").agg(pl.col("appeared").min().alias("new_day"))

    v = (visits.join(t_agg, on=_KEY, how="left").join(nt_agg, on=_KEY, how="left")
         .join(new_day, on="patient", how="left").sort(_KEY))
    baseline = pl.col("day") == pl.col("baseline_day")
    has_t = pl.col("n_t").is_not_null()
    complete_t = pl.col("n_missing") == 0
    v = v.with_columns(
        has_t.alias("has_targets"),
        (pl.col("day") >= pl.col("new_day")).fill_null(False).alias("new_lesion"),
        pl.col("total").first().over("patient").alias("baseline"),
        pl.when(complete_t).then(pl.col("total")).shift(1).cum_min().forward_fill().over("patient").alias("nadir"),
        ((pl.col("n_missing").fill_null(0) == 0) & (pl.col("nt_missing").fill_null(0) == 0)).alias("complete_all"),
    )
    nt_cr = pl.col("n_nt").is_null() | ((pl.col("nt_missing") == 0) & (pl.col("nt_absent") == pl.col("n_nt")))
    data_cr = ~baseline & (~has_t | (complete_t & pl.col("all_normal"))) & nt_cr & ~pl.col("new_lesion")
    v = v.with_columns(
        pl.when(pl.col("complete_all")).then(data_cr).shift(1).forward_fill().over("patient")
        .fill_null(False).alias("after_cr"))
    v = v.with_columns(
        pl.when(has_t & ~baseline).then(target_response_expr(criteria)).alias("target"),
        pl.when(~baseline).then(non_target_response_expr()).alias("non_target"),
    )
    known = has_t & complete_t
    v = v.with_columns(
        pl.when(~baseline).then(overall_response_expr()).alias("category"),
        pl.when(known).then(pl.col("total")).alias("sum_mm"),
        pl.when(has_t & ~baseline).then(pl.col("nadir")).alias("nadir_mm"),
        pl.when(known).then((pl.col("total") - pl.col("baseline")) * 100 / pl.col("baseline"))
        .alias("change_from_baseline_pct"),
    )
    v = v.with_columns(_mm(v["sum_mm"]), _mm(v["nadir_mm"]))
    return v.select("patient", "day", "baseline_day", "sum_mm", "category", "target", "non_target", "new_lesion",
                    "nadir_mm", "change_from_baseline_pct", "has_targets", "order").sort(["order", "day"])


def _mm(um: pl.Series) -> pl.Series:
    """Micrometres to millimetres by true division (Polars divides by a scalar through its reciprocal,
    which turns 42800 µm into 42.800000000000004 mm; NumPy divides exactly as Python does)."""
    values = um.cast(pl.Float64).to_numpy() / 1000.0
    return pl.Series(um.name, values, dtype=pl.Float64).fill_nan(None)


def assess_columnar(table: LesionTable, criteria: ResponseCriteria, confirm: bool, confirm_days: int,
                    sd_min_days: int) -> tuple[PatientResponse, ...]:
    """Assess every patient of a validated table at once."""
    v = visit_frame(table, criteria)
    grouped = v.group_by("patient", maintain_order=True).agg(pl.all())
    out = []
    for p in grouped.iter_rows(named=True):
        visits = tuple(
            VisitResponse(day=p["day"][i], sum_mm=p["sum_mm"][i], category=p["category"][i], target=p["target"][i],
                          non_target=p["non_target"][i], new_lesion=p["new_lesion"][i], nadir_mm=p["nadir_mm"][i],
                          change_from_baseline_pct=p["change_from_baseline_pct"][i])
            for i in range(len(p["day"])))
        days, cats = p["day"][1:], p["category"][1:]
        bor = best_overall_response(days, cats, p["baseline_day"][0], confirm=confirm, confirm_days=confirm_days,
                                    sd_min_days=sd_min_days, measurable=p["has_targets"][0])
        out.append(PatientResponse(patient=p["patient"], visits=visits, best_overall_response=bor,
                                   progression_day=progression_day(days, cats)))
    return tuple(out)
