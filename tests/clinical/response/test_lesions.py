"""Loading and validating lesion tables: every invalid input is an InputError naming the row and column."""

from pathlib import Path

import polars as pl
import pytest

from lenvici.clinical.response import COLUMNS, LesionRow, assess, lesion_table, read_lesions
from lenvici.errors import InputError
from tests.clinical.response.rows import new, non_target, target

HEADER = ",".join(COLUMNS)
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "lesions" / "example_lesions.csv"


def write(tmp_path, *lines, header=HEADER):
    path = tmp_path / "lesions.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


BASE = "P1,0,T1,target,liver,30,25,"


@pytest.mark.parametrize(("line", "where", "column"), [
    ("P1,56,T1,target,liver,-3,,", "row 2 (line 3)", "diameter_mm"),             # negative diameter
    ("P1,56,T1,target,liver,abc,,", "row 2 (line 3)", "diameter_mm"),            # not a number
    ("P1,56,T1,target,liver,1e9,,", "row 2 (line 3)", "diameter_mm"),            # out of range
    ("P1,56,T1,target,liver,nan,,", "row 2 (line 3)", "diameter_mm"),            # NaN
    ("P1,56,T1,lesion,liver,20,,", "row 2 (line 3)", "kind"),                    # unknown kind
    ("P1,56,T1,target,liver,20,,gone", "row 2 (line 3)", "status"),              # unknown status
    ("P1,56,T1,target,liver,20,,unequivocal-progression", "row 2 (line 3)", "status"),  # wrong for a target
    ("P1,56.5,T1,target,liver,20,,", "row 2 (line 3)", "day"),                   # fractional day
    ("P1,,T1,target,liver,20,,", "row 2 (line 3)", "day"),                       # blank day
    (",56,T1,target,liver,20,,", "row 2 (line 3)", "patient"),                   # blank patient
    ("P1,56,T1,target,liver,20,25,", "row 2 (line 3)", "viable_diameter_mm"),    # viable > whole
    ("P1,56,T1,target,liver,20,,absent", "row 2 (line 3)", "status"),            # absent but measured
    ("P1,56,T1,target,liver,20,,", None, None),                                  # valid
])
def test_row_errors_name_row_and_column(tmp_path, line, where, column):
    path = write(tmp_path, BASE, line)
    if where is None:
        assert len(read_lesions(path)) == 2
        return
    with pytest.raises(InputError) as info:
        read_lesions(path)
    assert str(info.value).startswith(f"lesions.csv {where}, column {column!r}")
    assert info.value.field == column


def test_non_target_with_a_diameter(tmp_path):
    path = write(tmp_path, BASE, "P1,0,NT1,non-target,bone,12,,present")
    with pytest.raises(InputError, match=r"row 2 \(line 3\), column 'diameter_mm': a non-target lesion is not measured"):
        read_lesions(path)


def test_duplicated_lesion_rows_name_both(tmp_path):
    path = write(tmp_path, BASE, "P1,56,T1,target,liver,20,,", "P1,56,T1,target,liver,21,,")
    with pytest.raises(InputError, match=r"row 3 \(line 4\), column 'lesion': duplicated lesion 'T1'.*also lesions.csv row 2"):
        read_lesions(path)


def test_missing_column(tmp_path):
    path = write(tmp_path, "P1,0,T1,target,liver,30,25", header="patient,day,lesion,kind,organ,diameter_mm,viable_diameter_mm")
    with pytest.raises(InputError, match="missing column 'status'"):
        read_lesions(path)


def test_missing_file_and_empty_table(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_lesions(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="no rows"):
        read_lesions(write(tmp_path))


@pytest.mark.parametrize(("rows", "column", "message"), [
    ([new("P", 0, "L1", "lung", 10)], "kind", "cannot be recorded at the baseline"),
    ([target("P", 0, "T1", "liver", 20), target("P", 56, "T2", "liver", 20)], "kind", "chosen at baseline"),
    ([target("P", 0, "T1", "liver", 20), non_target("P", 56, "T1", "liver", "present")], "kind", "keeps the kind"),
    ([target("P", 0, "T1", "liver", 20), target("P", 56, "T1", "lung", 20)], "organ", "keeps the organ"),
    ([non_target("P", 0, "NT1", "bone", "absent")], "status", "must be 'present' at baseline"),
    ([target("P", 0, "T1", "liver", None)], "diameter_mm", "must be measured at baseline"),
    ([target("P", 0, "T1", "liver", None, status="too-small")], "diameter_mm", "must be measured at baseline"),
    ([target("P", 0, "T1", "liver", 20), new("P", 56, "L1", "lung", status="unequivocal-progression")],
     "status", "not allowed for a new lesion"),
    ([target("P", 0, "T1", "liver", 20), dict(new("P", 56, "L1", "ascites"), cytology="maybe")], "cytology",
     "positive, negative"),
])
def test_table_rules(rows, column, message):
    with pytest.raises(InputError) as info:
        lesion_table(rows)
    assert info.value.field == column and message in str(info.value)


def test_normalisation_of_words_and_blank_cells():
    rows = [dict(patient=" P1 ", day="0", lesion="T1", kind="Target", organ="Lymph Node", diameter_mm="16",
                 viable_diameter_mm=" ", status=" "),
            dict(patient="P1", day=56.0, lesion="T1", kind="TARGET", organ="lymph_node", diameter_mm=None,
                 viable_diameter_mm="", status="Too small to measure"),
            dict(patient="P1", day=56, lesion="L9", kind="new", organ="Lung", diameter_mm=None,
                 viable_diameter_mm=None, status=None)]
    frame = lesion_table(rows).frame
    assert frame["patient"].to_list() == ["P1"] * 3
    assert frame["organ"].to_list() == ["lymph-node", "lymph-node", "lung"]
    assert frame["status"].to_list() == [None, "too-small", "present"]   # a blank new-lesion status is present
    assert frame["diameter_um"].to_list() == [16000, None, None]


def test_input_forms_agree(tmp_path):
    rows = [target("P", 0, "T1", "liver", 30.5, 20), target("P", 56, "T1", "liver", 20.25, 10)]
    path = write(tmp_path, "P,0,T1,target,liver,30.5,20,", "P,56,T1,target,liver,20.25,10,")
    from_csv = assess(path).to_dict()
    assert assess(rows).to_dict() == from_csv
    assert assess([LesionRow(**r) for r in rows]).to_dict() == from_csv
    frame = pl.DataFrame(rows, schema={c: (pl.Float64 if c.endswith("_mm") else pl.String if c != "day" else pl.Int64) for c in COLUMNS})
    assert assess(frame).to_dict() == from_csv
    assert [r.diameter_mm for r in lesion_table(rows).records()] == [30.5, 20.25]


def test_invalid_options_are_input_errors():
    rows = [target("P", 0, "T1", "liver", 30)]
    for kwargs, field in ((dict(criteria="who"), "criteria"), (dict(pd_min_increase_mm=-1), "pd_min_increase_mm"),
                          (dict(pr_decrease=1.5), "pr_decrease"), (dict(engine="gpu"), "engine"),
                          (dict(sd_min_days=-3), "sd_min_days")):
        with pytest.raises(InputError) as info:
            assess(rows, **kwargs)
        assert info.value.field == field
    with pytest.raises(InputError, match="mapping"):
        lesion_table([1, 2])


def test_the_example_file_is_valid_and_shows_each_case():
    """examples/lesions/example_lesions.csv (the README there gives the arithmetic)."""
    recist = {p.patient: p for p in assess(EXAMPLE).patients}
    m = {p.patient: p for p in assess(EXAMPLE, criteria="mrecist").patients}
    # P01 PR: 60 + 25 = 85 → 40 + 12 = 52, (52 − 85)/85 = −38.8 %.
    assert recist["P01"].best_overall_response == "PR"
    # P02 SD: 60 → 56 → 61 (never −30 %, +8.9 % over the nadir 56).
    assert recist["P02"].best_overall_response == "SD"
    # P03 PD by a new lung lesion at the first follow-up (day 56).
    assert (recist["P03"].best_overall_response, recist["P03"].progression_day) == ("PD", 56)
    # P04 discordance: whole 80 → 72 (−10 %, SD); viable 73 → 23 (−68.5 %, PR).
    assert (recist["P04"].best_overall_response, m["P04"].best_overall_response) == ("SD", "PR")
    # P05 PD from the nadir: 50 → 35 → 43 (+22.9 % and +8 mm over 35).
    assert (recist["P05"].best_overall_response, recist["P05"].progression_day) == ("PR", 112)
    # P06 ascites progression: PD at day 56 under RECIST; mRECIST waits for positive cytology (day 112).
    assert (recist["P06"].progression_day, m["P06"].progression_day) == (56, 112)
