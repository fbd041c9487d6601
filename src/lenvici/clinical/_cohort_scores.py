"""Every available score as a columnar adapter: canonical arrays in, value, category code and refusals out.

Each adapter calls its score module's vectorised kernels — the same functions the per-patient public
function calls on one value — so a row gets exactly the numbers that patient would get alone. What the
public function refuses beyond the checks of its inputs (ALBI needs bilirubin > 0, LEP defines no group
for some branches, GNRI by Lorentz needs the sex, …) is a *note*: a per-row code whose message the
cohort engine writes in the score's error column.

The engine (:mod:`lenvici.clinical.cohort`) does the rest of the gating: a row is scored only when every
required input is OK and no optional input that was given is invalid (the public functions validate every
argument they are given). A category code of −1 on a scored row is a category the score leaves empty (the
SMI without a sex).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lenvici.clinical._cohort_fields import MISSING, OK
from lenvici.clinical._cohort_steps import learn_steps
from lenvici.clinical.scores import geriatric as ger
from lenvici.clinical.scores import inflammation as inf
from lenvici.clinical.scores import lenvatinib_models as lenv
from lenvici.clinical.scores import liver, nutrition
from lenvici.clinical.scores._common import snap
from lenvici.clinical.staging import BCLC_STAGE_CODES, bclc_kernel
from lenvici.clinical.validation import check_choice, check_flag
from lenvici.errors import InputError

__all__ = ["Batch", "Computed", "ColumnarScore", "COLUMNAR_SCORES"]


class Batch:
    """Canonical values and states of one slice of rows, by field; absent fields read as missing."""

    def __init__(self, n: int, values: Mapping[str, np.ndarray], states: Mapping[str, np.ndarray]):
        self.n, self._values, self._states = n, values, states
        self._ok: dict[str, np.ndarray] = {}
        self._given: dict[str, np.ndarray] = {}
        self._shared: dict[str, object] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        values = self._values.get(name)
        return np.full(self.n, np.nan) if values is None else values

    def state(self, name: str) -> np.ndarray:
        states = self._states.get(name)
        return np.full(self.n, MISSING, np.int8) if states is None else states

    def given(self, name: str) -> np.ndarray:
        """Rows where the field has a value (valid or not)."""
        if name not in self._given:
            self._given[name] = self.state(name) != MISSING
        return self._given[name]

    def ok(self, name: str) -> np.ndarray:
        """Rows where the field has a valid value."""
        if name not in self._ok:
            self._ok[name] = self.state(name) == OK
        return self._ok[name]

    def not_invalid(self, name: str) -> np.ndarray:
        """Rows where the field is valid or missing."""
        return self.ok(name) | ~self.given(name)

    def shared(self, key: str, compute: Callable[[], object]) -> object:
        """An intermediate result two scores share (the ALBI value, the G8 items), computed once per slice."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]


class Computed(NamedTuple):
    """What an adapter returns for a slice: value, category code (−1 = none) and note code (0 = none)."""

    value: np.ndarray | None
    code: np.ndarray | None
    note: np.ndarray | int = 0


@dataclass(frozen=True)
class ColumnarScore:
    """A score as the cohort engine runs it.

    ``inputs`` must all be OK; ``optional`` may be missing but not invalid; ``one_of`` names columns of which
    the cohort must have at least one for the score to apply. ``grade`` is the score module's own category
    function (its labels are learnt from it, :mod:`._cohort_steps`); otherwise ``labels`` lists them.
    ``options`` maps an option name to its validator and default.
    """

    name: str
    inputs: tuple[str, ...]
    compute: Callable[[Batch, Mapping[str, object]], Computed]
    value_column: str | None = None
    integer: bool = False
    category_column: str | None = None
    grade: Callable | None = None
    labels: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    options: Mapping[str, tuple[Callable[[object], object], object]] = field(default_factory=dict)

    @property
    def category_labels(self) -> tuple[str, ...]:
        return learn_steps(self.grade).labels if self.grade is not None else self.labels

    @property
    def error_column(self) -> str:
        return f"{self.name.replace('-', '_')}_error"

    def missing_columns(self, columns: set[str]) -> tuple[str, ...]:
        """The input columns the cohort lacks for this score (empty when it applies)."""
        missing = tuple(c for c in self.inputs if c not in columns)
        if self.one_of and not set(self.one_of) & columns:
            missing += (" or ".join(self.one_of),)
        return missing

    def check_options(self, given: Mapping[str, object]) -> dict[str, object]:
        """Every option with its validated value (defaults filled in)."""
        unknown = set(given) - set(self.options)
        if unknown:
            allowed = ", ".join(self.options) or "none"
            raise InputError(f"score {self.name!r} has no option {sorted(unknown)[0]!r}; its options: {allowed}",
                             sorted(unknown)[0])
        return {k: check(given.get(k, default)) for k, (check, default) in self.options.items()}


def _codes(grade: Callable, values: np.ndarray) -> np.ndarray:
    return learn_steps(grade).codes(values)


def _note(*conditions: np.ndarray) -> np.ndarray:
    """Note code per row: the index (from 1) of the first condition that holds, else 0."""
    note = np.zeros(np.shape(conditions[0]), dtype=np.int8)
    for code in range(len(conditions), 0, -1):
        np.putmask(note, conditions[code - 1], code)
    return note


def _choice_option(name: str, allowed) -> Callable[[object], object]:
    return lambda value: check_choice(value, name, tuple(allowed))


def _below(values: np.ndarray, male: np.ndarray, cuts: Mapping[str, float]) -> np.ndarray:
    """``value < cut`` for each row's sex, after the 1e-9 cut-off allowance (as the JSH checks do)."""
    men, women = cuts["male"], cuts["female"]
    return np.where(male, snap(values, (men,)) < men, snap(values, (women,)) < women)


_MALE = nutrition.SEXES.index("male")
_FINITE = "the score would not be a finite number"

# ------------------------------------------------------------------------------------------------ liver

_ASCITES = np.array(list(liver.ASCITES_POINTS.values()))
_ENCEPHALOPATHY = np.array(list(liver.ENCEPHALOPATHY_POINTS.values()))


def _child_pugh(x: Batch, opts) -> Computed:
    points = liver.child_pugh_points(x["bilirubin"], x["albumin"], x["inr"], _ASCITES[x["ascites"]],
                                     _ENCEPHALOPATHY[x["encephalopathy"]], bool(opts["cholestatic"]))
    return Computed(points, _codes(liver.child_pugh_class_from_points, points))


def _albi_like(grade: Callable) -> Callable[[Batch, Mapping], Computed]:
    def compute(x: Batch, opts) -> Computed:
        bilirubin = x["bilirubin"]
        value, note = x.shared("albi", lambda: _albi_value(bilirubin, x["albumin"]))
        return Computed(value, _codes(grade, value), note)
    return compute


def _albi_value(bilirubin: np.ndarray, albumin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    value = liver.albi_linear(bilirubin, albumin)
    return value, _note(~(bilirubin > 0), ~np.isfinite(value))


def _ez_albi(x: Batch, opts) -> Computed:
    value = liver.ez_albi_linear(x["bilirubin"], x["albumin"])
    return Computed(value, _codes(liver.ez_albi_grade_from_value, value), _note(~np.isfinite(value)))


_POSITIVE_BILIRUBIN = "'bilirubin' must be greater than 0 for {score} (it takes log10 of bilirubin)"

# ----------------------------------------------------------------------------------------- inflammation


def nlr_group(value):
    """NLR high (≥ 4) or low, as :func:`lenvici.clinical.scores.inflammation.nlr` categorises it."""
    return inf.high_low_from_value(value, inf.NLR_CUTOFF)


def plr_group(value):
    """PLR high (≥ 150) or low."""
    return inf.high_low_from_value(value, inf.PLR_CUTOFF)


def car_group(value):
    """CAR high (≥ 0.108) or low."""
    return inf.high_low_from_value(value, inf.CAR_CUTOFF)


def _ratio(numerator: str, denominator: str, grade: Callable) -> Callable[[Batch, Mapping], Computed]:
    def compute(x: Batch, opts) -> Computed:
        den = x[denominator]
        value = inf.ratio(x[numerator], den)
        return Computed(value, _codes(grade, value), _note(~(den > 0), ~np.isfinite(value)))
    return compute


def _glasgow(kernel: Callable) -> Callable[[Batch, Mapping], Computed]:
    def compute(x: Batch, opts) -> Computed:
        return Computed(kernel(x["crp"], x["albumin"], str(opts["variant"])), None)
    return compute


# -------------------------------------------------------------------------------------------- nutrition


def _conut(x: Batch, opts) -> Computed:
    albumin, lymphocytes, cholesterol = nutrition.conut_points(x["albumin"], x["lymphocytes"], x["cholesterol"])
    total = albumin + lymphocytes + cholesterol
    return Computed(total, _codes(nutrition.conut_category_from_points, total))


def _pni(x: Batch, opts) -> Computed:
    value = nutrition.pni_onodera(x["albumin"], x["lymphocytes"])
    return Computed(value, None, _note(~np.isfinite(value)))


def _gnri(x: Batch, opts) -> Computed:
    height = x["height"]
    if opts["ideal_weight"] == "lorentz":
        ideal = nutrition.ideal_weight_lorentz(height, x["sex"] == _MALE)
        no_sex = ~x.given("sex")
    else:
        ideal = nutrition.ideal_weight_bmi22(height)
        no_sex = np.zeros(x.n, dtype=bool)
    value = nutrition.gnri_linear(x["albumin"], x["weight"], ideal)
    return Computed(value, _codes(nutrition.gnri_category_from_value, value), _note(no_sex, ~np.isfinite(value)))


def _smi(x: Batch, opts) -> Computed:
    value = nutrition.smi_value(x["muscle_area"], x["height"])
    low = _below(value, x["sex"] == _MALE, nutrition.JSH_CUTOFFS["jsh-2016"]["ct_smi"])
    code = np.where(x.ok("sex"), np.where(low, 0, 1), -1).astype(np.int8)
    return Computed(value, code, _note(~np.isfinite(value)))


def _sarcopenia(x: Batch, opts) -> Computed:
    cuts = nutrition.JSH_CUTOFFS[str(opts["criteria"])]
    male = x["sex"] == _MALE
    ct, bia = x.given("muscle_area"), x.given("bia_smi")
    mass = np.where(ct, nutrition.smi_value(x["muscle_area"], x["height"]), x["bia_smi"])
    low_mass = np.where(ct, _below(mass, male, cuts["ct_smi"]), _below(mass, male, cuts["bia_smi"]))
    low_grip = _below(x["grip_strength"], male, cuts["grip_kg"])
    code = np.select([low_grip & low_mass, low_mass, low_grip], [0, 1, 2], 3).astype(np.int8)
    return Computed(None, code, _note(ct == bia, ct & ~x.given("height")))


# -------------------------------------------------------------------------------------------- geriatric

_G8_TABLES = {item: np.array(list(points.values())) for item, points in ger.G8_ITEMS.items()}


def _g8_like(with_age: bool) -> Callable[[Batch, Mapping], Computed]:
    grade = ger.g8_category_from_value if with_age else ger.mg8_category_from_value

    def compute(x: Batch, opts) -> Computed:
        total, note = x.shared("g8-without-age", lambda: _g8_without_age(x))
        if with_age:
            total = total + ger.g8_age_points(x["age"])
        return Computed(total, _codes(grade, total), note)
    return compute


def _g8_without_age(x: Batch) -> tuple[np.ndarray, np.ndarray]:
    """The G8 items in the order the public function adds them, then the BMI and polypharmacy items."""
    bmi = ger.bmi_value(x["weight"], x["height"])
    total = sum(table[x[item]] for item, table in _G8_TABLES.items())
    total = total + ger.g8_bmi_points(bmi) + np.where(x["polypharmacy"] == 1, 0.0, 1.0)
    return total, _note(~np.isfinite(bmi))


# ------------------------------------------------------------------------------------ lenvatinib models


def _pimet(x: Batch, opts) -> Computed:
    points = lenv.pimet_kernel(x["pivka"], x["extrahepatic_spread"] == 1)
    return Computed(points, points.astype(np.int8))


def _lep(x: Batch, opts) -> Computed:
    bilirubin = x["bilirubin"]
    out = lenv.lep_kernel(bilirubin, x["albumin"], x["lymphocytes"], x["prior_tace"] == 1, x["bclc_stage"])
    group = out["group"]
    no_group = group < 0
    return Computed(None, group, _note(~(bilirubin > 0), no_group & (out["albi_grade"] == 3), no_group))


def _bclc(x: Batch, opts) -> Computed:
    size = x["largest_tumour"]
    codes = bclc_kernel(x["tumour_count"], size, x["macrovascular_invasion"] == 1, x["extrahepatic_spread"] == 1,
                        x["ecog"], x["liver_function"], True)
    return Computed(None, codes, _note(~(size > 0)))


# -------------------------------------------------------------------------------------------- the table



def _albi_notes(score: str) -> tuple[str, str]:
    return _POSITIVE_BILIRUBIN.format(score=score), f"'bilirubin' is too small for {score}: {_FINITE}"


_VARIANT = {"variant": (_choice_option("variant", inf.GPS_CRP_CUTOFF_MG_L), "mcmillan")}
_G8_INPUTS = (*ger.G8_ITEMS, "weight", "height", "polypharmacy")

#: The columnar form of every available score, by registry name.
COLUMNAR_SCORES: Mapping[str, ColumnarScore] = {s.name: s for s in (
    ColumnarScore("child-pugh", ("bilirubin", "albumin", "inr", "ascites", "encephalopathy"), _child_pugh,
                  value_column="child_pugh", integer=True, category_column="child_pugh_class",
                  grade=liver.child_pugh_class_from_points,
                  options={"cholestatic": (lambda v: check_flag(v, "cholestatic"), False)}),
    ColumnarScore("albi", ("bilirubin", "albumin"), _albi_like(liver.albi_grade_from_value), value_column="albi",
                  category_column="albi_grade", grade=liver.albi_grade_from_value, notes=_albi_notes("albi")),
    ColumnarScore("malbi", ("bilirubin", "albumin"), _albi_like(liver.malbi_grade_from_value),
                  value_column="malbi", category_column="malbi_grade", grade=liver.malbi_grade_from_value,
                  notes=_albi_notes("malbi")),
    ColumnarScore("ez-albi", ("bilirubin", "albumin"), _ez_albi, value_column="ez_albi",
                  category_column="ez_albi_grade", grade=liver.ez_albi_grade_from_value,
                  notes=(f"'bilirubin' is too large for ez-albi: {_FINITE}",)),
    ColumnarScore("nlr", ("neutrophils", "lymphocytes"), _ratio("neutrophils", "lymphocytes", nlr_group),
                  value_column="nlr", category_column="nlr_group", grade=nlr_group,
                  notes=("'lymphocytes' must be greater than 0 for nlr (it divides by lymphocytes)",
                         f"'lymphocytes' is too small for nlr: {_FINITE}")),
    ColumnarScore("plr", ("platelets", "lymphocytes"), _ratio("platelets", "lymphocytes", plr_group),
                  value_column="plr", category_column="plr_group", grade=plr_group,
                  notes=("'lymphocytes' must be greater than 0 for plr (it divides by lymphocytes)",
                         f"'lymphocytes' is too small for plr: {_FINITE}")),
    ColumnarScore("car", ("crp", "albumin"), _ratio("crp", "albumin", car_group), value_column="car",
                  category_column="car_group", grade=car_group,
                  notes=("'albumin' must be greater than 0 for car (it divides by albumin)",
                         f"'albumin' is too small for car: {_FINITE}")),
    ColumnarScore("gps", ("crp", "albumin"), _glasgow(inf.gps_points), value_column="gps", integer=True,
                  options=_VARIANT),
    ColumnarScore("mgps", ("crp", "albumin"), _glasgow(inf.mgps_points), value_column="mgps", integer=True,
                  options=_VARIANT),
    ColumnarScore("conut", ("albumin", "lymphocytes", "cholesterol"), _conut, value_column="conut", integer=True,
                  category_column="conut_category", grade=nutrition.conut_category_from_points),
    ColumnarScore("pni", ("albumin", "lymphocytes"), _pni, value_column="pni",
                  notes=(f"'lymphocytes' is too large for pni: {_FINITE}",)),
    ColumnarScore("gnri", ("albumin", "weight", "height"), _gnri, value_column="gnri", category_column="gnri_risk",
                  grade=nutrition.gnri_category_from_value, optional=("sex",),
                  notes=("'sex' is required for the Lorentz ideal weight (male or female); or use ideal_weight=bmi22",
                         f"'height' is too small for gnri: {_FINITE}"),
                  options={"ideal_weight": (_choice_option("ideal_weight", ("lorentz", "bmi22")), "lorentz")}),
    ColumnarScore("smi", ("muscle_area", "height"), _smi, value_column="smi", category_column="smi_category",
                  labels=("low", "normal"), optional=("sex",), notes=(f"'height' is too small for smi: {_FINITE}",)),
    ColumnarScore("sarcopenia-jsh", ("sex", "grip_strength"), _sarcopenia, category_column="sarcopenia_jsh",
                  labels=("sarcopenia", "low-muscle-mass", "low-grip-strength", "none"),
                  optional=("muscle_area", "height", "bia_smi"), one_of=("muscle_area", "bia_smi"),
                  notes=("give exactly one muscle-mass measure: 'muscle_area' (with 'height') for CT, or 'bia_smi' "
                         "for bioelectrical impedance",
                         "'height' is required with 'muscle_area' to compute the CT skeletal muscle index"),
                  options={"criteria": (_choice_option("criteria", nutrition.JSH_CUTOFFS), "jsh-2016")}),
    ColumnarScore("g8", (*_G8_INPUTS, "age"), _g8_like(True), value_column="g8", category_column="g8_category",
                  grade=ger.g8_category_from_value, notes=(f"'height' is too small for g8: {_FINITE}",)),
    ColumnarScore("mg8", _G8_INPUTS, _g8_like(False), value_column="mg8", category_column="mg8_category",
                  grade=ger.mg8_category_from_value, notes=(f"'height' is too small for mg8: {_FINITE}",)),
    ColumnarScore("pimet", ("pivka", "extrahepatic_spread"), _pimet, value_column="pimet", integer=True,
                  category_column="pimet_group", labels=lenv._PIMET_GROUPS),
    ColumnarScore("lep", ("bilirubin", "albumin", "lymphocytes", "prior_tace", "bclc_stage"), _lep,
                  category_column="lep", labels=lenv._LEP_GROUPS,
                  notes=(_POSITIVE_BILIRUBIN.format(score="lep"),
                         "LEP defines no group for PNI <= 43.3 with ALBI grade 3 (Rapposelli 2021 names grades 1 "
                         "and 2 only)",
                         "'bclc_stage' must be B or C for LEP when PNI <= 43.3 and ALBI grade is 1 "
                         "(Rapposelli 2021)")),
    ColumnarScore("bclc", ("tumour_count", "largest_tumour", "macrovascular_invasion", "extrahepatic_spread", "ecog",
                           "liver_function"), _bclc, category_column="bclc", labels=BCLC_STAGE_CODES,
                  notes=("'largest_tumour' must be greater than 0 mm for an HCC nodule",)),
)}
