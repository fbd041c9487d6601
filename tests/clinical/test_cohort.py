"""The cohort engine (``lenvici.clinical.cohort``) against the per-patient public functions, and its error paths.

The reference is ``_cohort_reference.score_rows``: every row, every score, through ``evaluate_score`` — the
slow and obviously correct path (STYLE §6). The engine must give the same value (exactly, not within a
tolerance: the same kernels run on the same floats) and the same category on every row, and refuse the
same rows, on thousands of seeded random rows (values rounded to laboratory precision so that many sit
on cut-offs), on a grid of cut-off values in several units, on CSV text, and on hypothesis-generated rows.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenvici.clinical import cohort as cohort_module
from lenvici.clinical._cohort_fields import FIELDS
from lenvici.clinical._cohort_reference import score_rows
from lenvici.clinical._cohort_scores import COLUMNAR_SCORES
from lenvici.clinical._cohort_steps import learn_steps
from lenvici.clinical.cohort import (
    INPUT_ERRORS,
    SYNTHETIC_UNITS,
    CohortScores,
    cohort_score_names,
    parse_units,
    read_cohort,
    score_cohort,
    synthetic_cohort,
)
from lenvici.clinical.scores import list_scores
from lenvici.clinical.scores import liver
from lenvici.errors import InputError

AVAILABLE = [s for s in list_scores() if s.status == "available"]


def assert_matches_reference(frame: pl.DataFrame, units=None, *, scores=None, options=None) -> dict[str, int]:
    """Every row and score equal to the per-patient function; returns the count of cells compared per outcome."""
    result = score_cohort(frame, units, scores=scores, options=options)
    reference = score_rows(frame, units, scores=[s.score for s in result.scores], options=options)
    out = result.frame
    counts = {"scored": 0, "refused": 0}
    for summary in result.scores:
        values = out[summary.value_column].to_list() if summary.value_column else [None] * out.height
        categories = out[summary.category_column].to_list() if summary.category_column else [None] * out.height
        errors = out[summary.error_column].to_list()
        for i, row in enumerate(reference):
            expected = row[summary.score]
            where = f"{summary.score}, row {i}: {frame.row(i, named=True)}"
            if isinstance(expected, InputError):
                assert values[i] is None and categories[i] is None, where
                assert errors[i], where
                counts["refused"] += 1
            else:
                assert errors[i] is None, f"{where}: {errors[i]}"
                assert categories[i] == expected.category, where
                if expected.value is None:
                    assert values[i] is None, where
                else:
                    assert values[i] == expected.value, where  # exact: same kernels, same floats
                counts["scored"] += 1
    return counts


# ------------------------------------------------------------------------------------------ equality


@pytest.mark.parametrize("seed, missing, invalid", [(11, 0.0, 0.0), (12, 0.03, 0.02)])
def test_a_few_thousand_random_rows_equal_the_per_patient_functions(seed, missing, invalid):
    frame = synthetic_cohort(2500, seed=seed, missing=missing, invalid=invalid)
    counts = assert_matches_reference(frame, SYNTHETIC_UNITS)
    assert counts["scored"] + counts["refused"] == 2500 * len(COLUMNAR_SCORES)
    assert counts["scored"] > 30_000
    if invalid:
        assert counts["refused"] > 5_000


def _grid(values: dict[str, list]) -> pl.DataFrame:
    rows = list(itertools.product(*values.values()))
    return pl.DataFrame(rows, schema=list(values), orient="row")


def test_cut_off_values_in_several_units_equal_the_per_patient_functions():
    """Values typed exactly at published cut-offs, in the units clinics write them (arithmetic in comments)."""
    liver_grid = _grid({
        # Child-Pugh bilirubin 2 and 3 mg/dL and the SI tables' 34.2 / 51.3 µmol/L; 0 µmol/L (ALBI refuses it)
        "bilirubin": ["2 mg/dL", "3 mg/dL", "34.2 umol/L", "51.3 umol/L", "0 umol/L", "0.5 mg/dL"],
        # albumin 2.8 and 3.5 g/dL (28, 35 g/L), and 3.0 / 2.5 g/dL for CONUT
        "albumin": ["2.8 g/dL", "3.5 g/dL", "35 g/L", "2.5 g/dL", "4.4 g/dL"],
        "inr": ["1.7", "2.3", "1.0"],
        "ascites": ["none", "slight", "moderate"],
        "encephalopathy": ["none", "grade1-2"],
        # GPS: CRP 10 mg/L = 1.0 mg/dL is not elevated; the Japanese 5 mg/L
        "crp": ["1.0 mg/dL", "10 mg/L", "5 mg/L", "0.378 mg/dL"],
    })
    counts = assert_matches_reference(liver_grid)
    assert counts["scored"] > 0 and counts["refused"] > 0
    assert_matches_reference(liver_grid, options={"gps": {"variant": "japanese"}, "child-pugh": {"cholestatic": True}})
    counts_grid = _grid({
        # NLR 4 (4000/1000), PLR 150 (15 x10^4/uL over 1.0), CONUT lymphocyte bands 800 / 1200 / 1600 /uL
        "neutrophils": ["4000 /uL", "4.8 10*9/L"],
        "lymphocytes": ["1000 /uL", "1.2 10*9/L", "1600 /mm3", "0.8 10*3/uL", "0 10*9/L"],
        "platelets": ["15 10*4/uL", "180 10*9/L"],
        "albumin": ["3.5 g/dL", "30 g/L"],
        "cholesterol": ["140 mg/dL", "180 mg/dL", "2.5862 mmol/L"],
    })
    assert_matches_reference(counts_grid)


def test_body_composition_and_geriatric_cut_offs_equal_the_per_patient_functions():
    grid = _grid({
        "sex": ["male", "female", None],
        "weight": ["57.8 kg", "50 kg"],
        "height": ["170 cm", "1.6 m", None],
        # CT SMI 42 cm2/m2 at 1.70 m = 121.38 cm2; BIA 7.0 / 5.7 kg/m2; JSH grip 26 / 28 / 18 kg
        "muscle_area": ["121.38 cm2", None],
        "bia_smi": ["7.0 kg/m2", "5.7 kg/m2", None],
        "grip_strength": ["26 kg", "18 kg", "28 kg"],
        "albumin": ["3.5 g/dL"],
    })
    assert_matches_reference(grid)
    assert_matches_reference(grid, options={"sarcopenia-jsh": {"criteria": "jsh-2021"}, "gnri": {"ideal_weight": "bmi22"}})


def test_lep_bclc_and_pimet_branches_equal_the_per_patient_functions():
    grid = _grid({
        # PNI 43.3 exactly: 3.5 g/dL with 1660 /uL; ALBI grades 1-3 via bilirubin
        "bilirubin": ["0.5 mg/dL", "1.2 mg/dL", "9 mg/dL", "0 mg/dL"],
        "albumin": ["3.5 g/dL", "4.2 g/dL"],
        "lymphocytes": ["1660 /uL", "500 /uL"],
        "prior_tace": [True, False, "yes", "maybe"],
        "bclc_stage": ["0", "A", "B", "C", "D", "b", "E"],
        "pivka": ["600 mAU/mL", "601 mAU/mL"],
        "extrahepatic_spread": [True, False],
    })
    assert_matches_reference(grid.sample(1500, seed=3))
    bclc = _grid({
        "tumour_count": [1, 3, 4, 0, "2"],
        "largest_tumour": ["2 cm", "20 mm", "3 cm", "31 mm", "0 mm"],
        "macrovascular_invasion": [False, True],
        "extrahepatic_spread": ["no", "present"],
        "ecog": [0, 1, 3, 5],
        "liver_function": ["preserved", "end-stage", "impaired", "good"],
    })
    assert_matches_reference(bclc)


def test_text_cells_unit_columns_and_a_csv_round_trip_equal_the_per_patient_functions(tmp_path):
    frame = synthetic_cohort(300, seed=5, missing=0.05, invalid=0.03)
    path = tmp_path / "cohort.csv"
    frame.write_csv(path)
    text = read_cohort(path)
    assert set(text.dtypes) == {pl.String}
    assert_matches_reference(text, SYNTHETIC_UNITS)
    # Units per row and inside cells: albumin in g/L or g/dL, bilirubin with its unit written in the cell.
    mixed = pl.DataFrame({
        "albumin": [35.0, 3.5, 4.0, 28.0, None],
        "albumin_unit": ["g/L", "g/dL", "g/mL", None, "g/L"],
        "Bilirubin": ["1.0 mg/dL", "20 umol/L", "0.9", "abc", "30 umol/L"],
    })
    assert_matches_reference(mixed, {"bilirubin": "mg/dL"}, scores=["albi", "ez-albi"])


def test_the_result_does_not_depend_on_the_slice_size():
    frame = synthetic_cohort(700, seed=9, missing=0.05, invalid=0.02)
    a = score_cohort(frame, SYNTHETIC_UNITS).frame
    b = score_cohort(frame, SYNTHETIC_UNITS, chunk_rows=37).frame
    assert a.equals(b)


# ------------------------------------------------------------------------------------------- output


def test_output_has_the_inputs_then_value_category_and_error_columns_per_score():
    frame = synthetic_cohort(50, seed=1)
    result = score_cohort(frame, SYNTHETIC_UNITS)
    assert isinstance(result, CohortScores)
    out = result.frame
    assert out.columns[: frame.width] == frame.columns
    assert out.select(frame.columns).equals(frame)
    for name in ("albi", "albi_grade", "albi_error", "child_pugh", "child_pugh_class", "malbi_grade", "ez_albi_grade",
                 "nlr_group", "conut_category", "gnri_risk", "smi_category", "sarcopenia_jsh", "g8_category",
                 "pimet_group", "lep", "bclc", INPUT_ERRORS):
        assert name in out.columns
    assert out.schema["albi_grade"] == pl.Enum(["1", "2", "3"])
    assert out.schema["child_pugh"] == pl.Int8 and out.schema["albi"] == pl.Float64
    assert [s.score for s in result.scores] == list(cohort_score_names())
    assert result.not_applicable == {}
    doc = result.to_dict()
    assert doc["patients"] == 50 and len(doc["scores"]) == len(COLUMNAR_SCORES)
    albi = next(s for s in result.scores if s.score == "albi")
    assert sum(albi.categories.values()) == albi.scored
    assert result.summary().columns == ["score", "scored", "not_scored"]


def test_only_applicable_scores_run_and_the_others_are_listed_with_their_missing_columns():
    frame = pl.DataFrame({"patient": ["a", "b"], "bilirubin": [0.8, 1.1], "albumin": [4.0, 3.1]})
    result = score_cohort(frame, {"bilirubin": "mg/dL", "albumin": "g/dL"})
    assert [s.score for s in result.scores] == ["albi", "malbi", "ez-albi"]
    assert result.not_applicable["child-pugh"] == ("inr", "ascites", "encephalopathy")
    assert "patient" in result.frame.columns
    # ALBI of 0.8 mg/dL and 4.0 g/dL: 0.66 log10(13.6832) - 0.085 x 40 = -2.6503 -> grade 1
    assert result.frame["albi"][0] == pytest.approx(0.66 * math.log10(0.8 * 17.104) - 3.4, abs=1e-12)
    assert result.frame["albi_grade"][0] == "1"


def test_bad_rows_are_kept_with_messages_naming_the_field_the_value_and_what_is_allowed():
    frame = pl.DataFrame({
        "bilirubin": [0.8, 0.8, None, 0.8, 0.0],
        "albumin": [0.35, 4.0, 4.0, 4.0, 4.0],
        "inr": [1.1, 1.1, 1.1, 16.0, 1.1],
        "ascites": ["none", "severe", "none", "none", "none"],
        "encephalopathy": ["none"] * 5,
        "afp": [10.0, -3.0, 10.0, 10.0, 10.0],
    })
    result = score_cohort(frame, {"bilirubin": "mg/dL", "albumin": "g/dL", "afp": "ng/mL"})
    out = result.frame
    assert out.height == 5  # nothing dropped
    errors = out["child_pugh_error"].to_list()
    assert errors[0] == "'albumin' = 0.35 g/dL (3.5 g/L) is outside the physiological range [5, 70] g/L"
    assert errors[1] == "'ascites' must be one of none, slight, moderate; got 'severe'"
    assert errors[2] == "'bilirubin' is missing"
    assert errors[3] == "'inr' = 16.0 1 is outside the physiological range [0.5, 15] 1"
    assert errors[4] is None and out["child_pugh"][4] == 5
    assert out["albi_error"][4] == "'bilirubin' must be greater than 0 for albi (it takes log10 of bilirubin)"
    assert out["ez_albi"][4] is not None  # EZ-ALBI has no logarithm: 0 bilirubin is fine
    # The unused AFP is reported too, in the row-level column, with the other invalid values of the row.
    assert out[INPUT_ERRORS][1] == ("'ascites' must be one of none, slight, moderate; got 'severe'; "
                                   "'afp' = -3.0 ng/mL is outside the physiological range [0, 1e+08] ng/mL")
    assert out[INPUT_ERRORS][2] is None  # missing is not invalid
    assert result.rows_with_input_errors == 3


def test_unit_problems_are_reported_per_row():
    frame = pl.DataFrame({"albumin": ["3.5 g/dL", "35 g/mL", "thirty", "35", "  "], "bilirubin": [10.0] * 5})
    out = score_cohort(frame, {"bilirubin": "umol/L"}, scores=["albi"]).frame
    errors = out["albi_error"].to_list()
    assert errors[0] is None
    assert errors[1] == "'albumin': unknown unit 'g/mL'; accepted units: g/L, g/dL"
    assert errors[2] == "'albumin' must be 'VALUE UNIT' (e.g. '1.0 g/L'); got 'thirty'"
    assert errors[3] == "'albumin' needs a unit; accepted units: g/L, g/dL"
    assert errors[4] == "'albumin' is missing"


def test_nan_cells_are_invalid_and_null_cells_missing():
    frame = pl.DataFrame({"bilirubin": [float("nan"), None, float("inf"), 12.0], "albumin": [40.0] * 4})
    out = score_cohort(frame, {"bilirubin": "umol/L", "albumin": "g/L"}, scores=["ez-albi"]).frame
    assert out["ez_albi_error"].to_list()[:3] == [
        "'bilirubin' = NaN umol/L is outside the physiological range [0, 1500] umol/L",
        "'bilirubin' is missing",
        "'bilirubin' = inf umol/L is outside the physiological range [0, 1500] umol/L"]
    assert out[INPUT_ERRORS].to_list()[:3] == [out["ez_albi_error"][0], None, out["ez_albi_error"][2]]


def test_an_empty_cohort_gives_an_empty_result():
    frame = synthetic_cohort(0, seed=1)
    result = score_cohort(frame, SYNTHETIC_UNITS)
    assert result.frame.height == 0 and len(result.scores) == len(COLUMNAR_SCORES)


def test_write_is_atomic_and_round_trips(tmp_path):
    result = score_cohort(synthetic_cohort(40, seed=2, missing=0.1), SYNTHETIC_UNITS)
    back = pl.read_parquet(result.write(tmp_path / "out" / "scores.parquet"))
    assert back.equals(result.frame)
    csv = pl.read_csv(result.write(tmp_path / "scores.csv"), infer_schema=False)
    assert csv.height == 40 and csv["albi_grade"].to_list() == result.frame["albi_grade"].cast(pl.String).to_list()
    with pytest.raises(InputError, match="must end in .csv or .parquet"):
        result.write(tmp_path / "scores.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scores.csv"]


# ------------------------------------------------------------------------------------- batch errors


@pytest.mark.parametrize("kwargs, match", [
    ({"scores": ["albi", "nope"]}, "unknown score 'nope'"),
    ({"scores": ["albs"]}, "score 'albs' is unavailable"),
    ({"scores": ["child-pugh"]}, r"needs column\(s\) inr, ascites, encephalopathy"),
    ({"units": {"bilirubin": "mg/dL", "albumin": "g/dL", "crp": "mg/L"}}, "units given for 'crp', which is not a column"),
    ({"units": {"bilirubin": "mg/dL", "albumin": "g/mL"}}, "unknown unit 'g/mL'; accepted units: g/L, g/dL"),
    ({"units": {"bilirubin": "mg/dL"}}, "column 'albumin' has no unit"),
    ({"options": {"gps": {"variant": "x"}}}, "options given for score 'gps', which is not being scored"),
    ({"options": {"albi": {"variant": "x"}}}, "score 'albi' has no option 'variant'"),
    ({"chunk_rows": 0}, "chunk_rows must be at least 1"),
])
def test_batch_level_problems_raise_input_error_naming_them(kwargs, match):
    frame = pl.DataFrame({"bilirubin": [0.8], "albumin": [4.0]})
    kwargs.setdefault("units", {"bilirubin": "mg/dL", "albumin": "g/dL"})
    with pytest.raises(InputError, match=match):
        score_cohort(frame, **kwargs)


def test_option_values_are_validated_and_column_clashes_refused():
    frame = pl.DataFrame({"crp": [12.0], "albumin": [40.0]})
    units = {"crp": "mg/L", "albumin": "g/L"}
    with pytest.raises(InputError, match="'variant' must be one of mcmillan, japanese"):
        score_cohort(frame, units, scores=["gps"], options={"gps": {"variant": "scottish"}})
    with pytest.raises(InputError, match="already has column"):
        score_cohort(frame.with_columns(pl.lit(1).alias("gps")), units)
    with pytest.raises(InputError, match="both give 'albumin'"):
        score_cohort(frame.with_columns(pl.col("albumin").alias("Albumin ")), units)
    with pytest.raises(InputError, match="no quantity column 'bilirubin'"):
        score_cohort(frame.with_columns(pl.lit("mg/dL").alias("bilirubin_unit")), units)


def test_parse_units():
    assert parse_units("bilirubin=mg/dL, Albumin = g/dL,platelets=10*4/uL") == {
        "bilirubin": "mg/dL", "albumin": "g/dL", "platelets": "10*4/uL"}
    assert parse_units("") == {}
    for bad in ("bilirubin", "=mg/dL", "albumin=g/L,albumin=g/dL"):
        with pytest.raises(InputError):
            parse_units(bad)


def test_read_cohort_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_cohort(tmp_path / "none.csv")
    (tmp_path / "c.xlsx").write_text("x")
    with pytest.raises(InputError, match="must be .csv, .tsv, .parquet"):
        read_cohort(tmp_path / "c.xlsx")
    (tmp_path / "c.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="cannot read cohort file"):
        read_cohort(tmp_path / "c.parquet")


# ---------------------------------------------------------------------------------------- contracts


def test_every_available_score_has_a_columnar_form_over_known_fields():
    assert set(COLUMNAR_SCORES) == {s.name for s in AVAILABLE}
    for spec in AVAILABLE:
        columnar = COLUMNAR_SCORES[spec.name]
        assert set(columnar.inputs) == set(spec.inputs), spec.name
        assert set(columnar.optional) == set(spec.optional), spec.name
        assert set(columnar.options) <= set(spec.options), spec.name
        for name in (*spec.inputs, *spec.optional):
            assert name in FIELDS, f"{spec.name}: input {name!r} has no field"


def test_learnt_category_tables_are_the_published_cut_offs():
    albi = learn_steps(liver.albi_grade_from_value)
    assert albi.labels == ("1", "2", "3")
    # A value at -2.60 is grade 1 (<=); the first value of grade 2 is just above the 1e-9 allowance.
    assert albi.starts[0] == pytest.approx(-2.60, abs=1e-8) and albi.starts[0] > -2.60
    assert learn_steps(liver.child_pugh_class_from_points).labels == ("A", "B", "C")
    for start, cut in zip(learn_steps(liver.malbi_grade_from_value).starts, (-2.60, -2.27, -1.39)):
        assert start == pytest.approx(cut, abs=1e-8)
    values = np.array([-2.60, -2.5999999, -1.39, -1.3899999, np.inf, -np.inf])
    assert list(albi.codes(values)) == [0, 1, 1, 2, 2, 0]
    # Exact at the learnt start and one float below it, as the grade function itself says.
    edges = np.array([albi.starts[0], np.nextafter(albi.starts[0], -np.inf)])
    assert list(albi.codes(edges)) == [1, 0]
    assert list(liver.albi_grade_from_value(edges)) == ["2", "1"]


def test_the_public_names_are_listed():
    public = {n for n, obj in vars(cohort_module).items() if not n.startswith("_") and getattr(
        obj, "__module__", "") == cohort_module.__name__ and callable(obj)}
    assert public <= set(cohort_module.__all__)
    assert all(hasattr(cohort_module, n) for n in cohort_module.__all__)


def test_the_synthetic_cohort_is_seeded_and_realistic():
    a, b = synthetic_cohort(2000, seed=4), synthetic_cohort(2000, seed=4)
    assert a.equals(b) and not a.equals(synthetic_cohort(2000, seed=5))
    assert a["sex"].value_counts().filter(pl.col("sex") == "male")["count"][0] / 2000 == pytest.approx(0.8, abs=0.04)
    assert a["albumin"].median() == pytest.approx(3.7, abs=0.1)  # g/dL
    assert a["bilirubin"].median() == pytest.approx(0.8, abs=0.1)  # mg/dL
    assert a.null_count().row(0) == tuple(a[c].null_count() for c in a.columns)
    assert (a["muscle_area"].is_null() ^ a["bia_smi"].is_null()).all()  # CT or bioimpedance, never both
    spoilt = synthetic_cohort(5000, seed=4, missing=0.1, invalid=0.05)
    assert spoilt["albumin"].null_count() / 5000 == pytest.approx(0.1, abs=0.02)
    with pytest.raises(InputError):
        synthetic_cohort(10, missing=1.5)


# -------------------------------------------------------------------------------------- properties

_NUMBER = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(
    [0.0, -0.0, 1e-300, 1e300, -1.0, 5e-324, 35.0, 2.8, 10.0, 0.108]))
_TEXT = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(
    ["male", "female", "none", "slight", "B", "C", "yes", "no", "1", "0", "3.5 g/dL", "1e9 /uL", "NaN"]))
_QUANTITIES = ("bilirubin", "albumin", "inr", "crp", "cholesterol", "neutrophils", "lymphocytes", "platelets",
               "pivka", "weight", "height", "age", "muscle_area", "grip_strength", "bia_smi", "largest_tumour")
_UNITS = {"bilirubin": "umol/L", "albumin": "g/L", "crp": "mg/L", "cholesterol": "mg/dL", "neutrophils": "10*9/L",
          "lymphocytes": "10*9/L", "platelets": "10*9/L", "pivka": "mAU/mL", "weight": "kg", "height": "cm",
          "age": "a", "muscle_area": "cm2", "grip_strength": "kg", "bia_smi": "kg/m2", "largest_tumour": "mm"}
_DISCRETE = ("ascites", "encephalopathy", "sex", "food_intake", "weight_loss", "mobility", "neuropsychological",
             "self_rated_health", "polypharmacy", "prior_tace", "bclc_stage", "extrahepatic_spread",
             "macrovascular_invasion", "liver_function", "ecog", "tumour_count")


@st.composite
def _frames(draw):
    n = draw(st.integers(1, 12))
    columns = {name: draw(st.lists(_NUMBER, min_size=n, max_size=n)) for name in _QUANTITIES}
    columns |= {name: draw(st.lists(_TEXT, min_size=n, max_size=n)) for name in _DISCRETE}
    schema = {**{q: pl.Float64 for q in _QUANTITIES}, **{d: pl.String for d in _DISCRETE}}
    return pl.DataFrame(columns, schema=schema)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_frames())
def test_random_and_extreme_rows_never_crash_and_never_give_nan_or_inf(frame):
    result = score_cohort(frame, _UNITS)
    out = result.frame
    assert out.height == frame.height
    for summary in result.scores:
        if summary.value_column:
            values = out[summary.value_column].cast(pl.Float64)
            assert not values.is_nan().any() and not values.is_infinite().any(), summary.score
        value = out[summary.value_column] if summary.value_column else out[summary.category_column]
        # Null with an error, or a value without one (the SMI's category may be empty when sex is missing).
        assert (value.is_null() == out[summary.error_column].is_not_null()).all(), summary.score


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_frames())
def test_random_and_extreme_rows_equal_the_per_patient_functions(frame):
    assert_matches_reference(frame, _UNITS)
