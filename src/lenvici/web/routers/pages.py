"""The HTML pages: Patient, Evidence, Economics, Mechanisms (server-rendered; the inputs live in the URL).

The pages call the same library functions as the JSON API and show their results with the source of each.
Nothing a user enters is stored: the Patient page's inputs are only in its URL, and its responses say
``Cache-Control: no-store``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lenvici.clinical.scores import list_scores
from lenvici.errors import InputError
from lenvici.evidence import query_studies
from lenvici.knowledge import load_mechanisms, reference
from lenvici.units import ANALYTES
from lenvici.web._figures import png_data_uri
from lenvici.web._models import model_names
from lenvici.web._patient import patient_report
from lenvici.web.deps import AppState, get_state
from lenvici.web.routers.economics import run_named
from lenvici.web.routers.evidence import pooled_evidence
from lenvici.web.routers.knowledge import neighbourhood_svg, neighbours_document
from lenvici.web.schemas import QUANTITY_FIELDS, PatientInputs

__all__ = ["router", "templates"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))

State = Annotated[AppState, Depends(get_state)]
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

# The Patient form: (group, [(field, label)]); fields in QUANTITY_FIELDS get a number box and a unit selector.
_FORM = (
    ("Liver function", (("bilirubin", "Total bilirubin"), ("albumin", "Albumin"), ("inr", "INR"),
                        ("ascites", "Ascites"), ("encephalopathy", "Encephalopathy"))),
    ("Blood counts and inflammation", (("neutrophils", "Neutrophils"), ("lymphocytes", "Lymphocytes"),
                                       ("platelets", "Platelets"), ("crp", "CRP"),
                                       ("cholesterol", "Total cholesterol"))),
    ("Tumour markers", (("afp", "AFP"), ("pivka", "PIVKA-II (DCP)"), ("ggt", "GGT"))),
    ("Patient", (("age", "Age"), ("sex", "Sex"), ("weight", "Weight"), ("height", "Height"),
                 ("ecog", "ECOG PS"))),
    ("Tumour (BCLC)", (("tumour_count", "Number of nodules"), ("largest_tumour", "Largest nodule"),
                       ("macrovascular_invasion", "Macrovascular invasion"),
                       ("extrahepatic_spread", "Extrahepatic spread"), ("liver_function", "Liver function"))),
    ("Other score inputs", (("prior_tace", "Prior TACE (LEP)"), ("bclc_stage", "BCLC stage (LEP)"),
                            ("grip_strength", "Grip strength"), ("muscle_area", "L3 muscle area"),
                            ("bia_smi", "BIA skeletal muscle index"), ("food_intake", "Food intake (G8)"),
                            ("weight_loss", "Weight loss (G8)"), ("mobility", "Mobility (G8)"),
                            ("neuropsychological", "Neuropsychological (G8)"),
                            ("polypharmacy", "Polypharmacy > 3 drugs (G8)"),
                            ("self_rated_health", "Self-rated health (G8)"))),
)
_FLAGS = ("macrovascular_invasion", "extrahepatic_spread", "prior_tace", "polypharmacy")
_ANALYTE_OF = {"largest_tumour": "diameter"}
_INTEGERS = {"ecog": ("0", "1", "2", "3", "4"), "tumour_count": None}


def _choices() -> dict[str, tuple[str, ...]]:
    """Each choice input's allowed values, as the scores declare them."""
    out: dict[str, tuple[str, ...]] = {}
    for spec in list_scores():
        for name, values in spec.options.items():
            out.setdefault(name, tuple(values))
    out.update({name: ("true", "false") for name in _FLAGS})
    return out


def _form_fields(query) -> list[dict]:
    choices = _choices()
    groups = []
    for title, fields in _FORM:
        rows = []
        for name, label in fields:
            row = {"name": name, "label": label, "value": query.get(name, "")}
            if name in QUANTITY_FIELDS:
                row.update(kind="quantity", units=ANALYTES[_ANALYTE_OF.get(name, name)].accepted,
                           unit=_unit(query, name))
            elif name in _INTEGERS and _INTEGERS[name] is None:
                row["kind"] = "integer"
            elif name in _INTEGERS:
                row.update(kind="choice", choices=_INTEGERS[name])
            elif name in choices:
                row.update(kind="choice", choices=choices[name])
            else:
                row["kind"] = "text"
            rows.append(row)
        groups.append({"title": title, "fields": rows})
    return groups


def _unit(query, name: str) -> str:
    """The unit chosen for quantity ``name``: the query's ``NAME_unit``, else the canonical unit (the one the
    form shows selected), so that the URL always means what the form shows."""
    return query.get(f"{name}_unit", "").strip() or ANALYTES[_ANALYTE_OF.get(name, name)].canonical


def _patient_values(query) -> dict[str, object]:
    """The form's query parameters as the library's inputs: a value and its unit become ``"VALUE UNIT"``."""
    values: dict[str, object] = {}
    for name in PatientInputs.model_fields:
        text = query.get(name, "").strip()
        if not text:
            continue
        if name in QUANTITY_FIELDS:
            text = f"{text} {_unit(query, name)}"
        values[name] = text
    return values


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {"page": "index"})


@router.get("/patient", response_class=HTMLResponse)
def patient(request: Request) -> HTMLResponse:
    """The Patient page: the form, and — when the URL holds inputs — every applicable score, the BCLC stage
    and the lenvatinib starting dose."""
    query = request.query_params
    values = _patient_values(query)
    context: dict = {"page": "patient", "groups": _form_fields(query), "report": None, "error": None,
                     "error_field": None, "bclc": None}
    status = 200
    if values:
        try:
            report = patient_report(values, QUANTITY_FIELDS)
        except InputError as exc:
            context.update(error=str(exc), error_field=(exc.field or "").lstrip("-").replace("-", "_"))
            status = 422
        else:
            context["report"] = report
            context["bclc"] = next((s for s in report.scores if s.score == "bclc"), None)
    return templates.TemplateResponse(request, "patient.html", context, status_code=status, headers=_PRIVATE)


def _arm_rows(studies: list[dict]) -> list[dict]:
    return [{"study": s, "arm": a} for s in studies for a in s["arms"]]


@router.get("/evidence", response_class=HTMLResponse)
def evidence(request: Request, state: State) -> HTMLResponse:
    """The Evidence page: every curated arm in a sortable, filterable table with its provenance, and the
    forest plot of one pooled endpoint per regimen class (or of one comparison)."""
    q = request.query_params
    endpoint = q.get("endpoint", "orr")
    compare = [c for c in (q.get("compare_a", ""), q.get("compare_b", "")) if c]
    studies = query_studies(db_path=state.store())
    rows = _arm_rows(studies)
    classes = sorted({r["arm"]["regimen_class"] for r in rows if r["arm"].get("regimen_class")})
    context: dict = {"page": "evidence", "rows": rows, "classes": classes, "endpoint": endpoint,
                     "compare": compare, "pool": None, "forest": None, "pool_error": None,
                     "endpoints": ("orr", "dcr", "trae_grade3", "pfs_median", "os_median")}
    try:
        pool = pooled_evidence(state, endpoint, compare or None, None, "REML", False, 95.0, "first", False, 2)
        context["pool"] = pool
        if any(g.result is not None for g in pool.groups):
            context["forest"] = png_data_uri(pool.plot)
    except InputError as exc:
        context["pool_error"] = str(exc)
    return templates.TemplateResponse(request, "evidence.html", context)


def _int_param(query, name: str, default: int | None) -> int | None:
    text = query.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{name!r} must be a whole number; got {text!r}", name) from None


@router.get("/economics", response_class=HTMLResponse)
def economics(request: Request, state: State) -> HTMLResponse:
    """The Economics page: choose a model, run the base case and a PSA; the CE plane, CEAC, EVPI and the
    efficiency frontier as images."""
    q = request.query_params
    names = model_names(state.settings.models_dir)
    context: dict = {"page": "economics", "models": names, "model": q.get("model", ""), "psa": q.get("psa", "1000"),
                     "seed": q.get("seed", "1"), "max_psa": state.settings.max_psa_samples, "base": None,
                     "prob": None, "images": {}, "error": None}
    status = 200
    if context["model"]:
        try:
            psa = _int_param(q, "psa", None)
            seed = _int_param(q, "seed", None)
            base, prob = run_named(state, context["model"], psa or None, seed)
        except InputError as exc:
            context["error"] = str(exc)
            status = 422
        else:
            context.update(base=base, prob=prob)
            images = {"Efficiency frontier": png_data_uri(lambda: base.plot("frontier"))}
            if prob is not None:
                images["Cost-effectiveness plane"] = png_data_uri(lambda: prob.plot("ce"))
                images["Cost-effectiveness acceptability curve"] = png_data_uri(lambda: prob.plot("ceac"))
                images["Expected value of perfect information"] = png_data_uri(lambda: prob.plot("evpi"))
            context["images"] = images
    return templates.TemplateResponse(request, "economics.html", context, status_code=status)


@router.get("/mechanisms", response_class=HTMLResponse)
def mechanisms(request: Request) -> HTMLResponse:
    """The Mechanisms page: a node's neighbours with the review's references, and the drawing."""
    q = request.query_params
    node = q.get("node", "").strip()
    graph = load_mechanisms()
    context: dict = {"page": "mechanisms", "node": node, "radius": q.get("radius", "1"),
                     "nodes": sorted(n.label for n in graph.nodes), "doc": None, "svg": None, "refs": {},
                     "error": None}
    status = 200
    if node:
        try:
            radius = _int_param(q, "radius", 1)
            if radius not in (1, 2, 3):
                raise InputError(f"'radius' must be 1, 2 or 3; got {radius}", "radius")
            doc = neighbours_document(node)
            numbers = sorted({r for n in doc["neighbours"] for r in n["edge"]["refs"]})
            svg = neighbourhood_svg(node, radius).decode("utf-8")
            context.update(doc=doc, refs={r: reference(r).raw for r in numbers}, svg=svg[svg.find("<svg"):])
        except InputError as exc:
            context["error"] = str(exc)
            status = 422
    return templates.TemplateResponse(request, "mechanisms.html", context, status_code=status)
