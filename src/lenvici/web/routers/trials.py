"""Virtual trials as jobs: submit a run of a shipped protocol, poll its progress, read its result.

A run is :func:`lenvici.sim.trials.run_trial` in a small background thread pool (one worker). Jobs live in a
bounded in-memory table (the oldest finished jobs are forgotten first); nothing is written to disk. A
request names a shipped protocol (:func:`lenvici.sim.protocols.available_protocols`), never a path, and the
number of patients per arm is capped. While too many runs are waiting, a new one is refused with 429.

``progress`` is 0 while queued and 1 when done; while running it is the share of patient-stages (each patient's
pre-treatment growth, then its treatment) that :func:`run_trial` reports simulated through its
``progress(done, total)`` callback (never above 0.99 until the result and its figure are ready, and never going
back).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lenvici.errors import InputError
from lenvici.web.schemas import ERROR_RESPONSES, ErrorDocument

__all__ = ["router", "pages_router", "TrialJobs", "MAX_TRIAL_N", "published_endpoints", "trial_catalogue"]

log = logging.getLogger("lenvici.web")

#: Most patients per arm (per unit of the randomisation ratio) one run may ask for.
MAX_TRIAL_N = 500
#: Jobs remembered (finished ones are dropped oldest first).
MAX_JOBS = 64
#: Runs waiting or running at once; more are refused with 429.
MAX_ACTIVE = 4
#: Worker threads.
WORKERS = 1
MAX_SEED = 2**32

router = APIRouter(prefix="/api/trials", tags=["trials"], responses=ERROR_RESPONSES)
pages_router = APIRouter(include_in_schema=False)


# --- requests and responses -------------------------------------------------------------------------------

class TrialRunRequest(BaseModel):
    """How many patients and which seed."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(description=f"Patients per arm (per unit of the randomisation ratio), 2 to the server's cap "
                               f"(default {MAX_TRIAL_N}).", examples=[100])
    seed: int = Field(default=0, description=f"Seed of the simulation, 0 to {MAX_SEED - 1}.", examples=[1])
    pk: Literal["average", "doses"] = Field(
        default="average", description="How the drugs reach the PD model: 'average' steady-state unbound "
        "concentrations (the calibrated setting) or 'doses', every administration as a dose event of the drug's "
        "population-PK model (slower; sorafenib stays averaged).")


class TrialInfo(BaseModel):
    name: str = Field(description="The name to run it by.")
    title: str
    registration: str
    publication: str
    arms: list[str]
    max_n: int = Field(description="Largest n this server accepts.")
    published: dict[str, Any] = Field(description="Published endpoints from the curated study record.")


class JobDocument(BaseModel):
    id: str
    trial: str
    n: int
    seed: int
    pk: Literal["average", "doses"] = "average"
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1, description="0 queued, 1 done; while running, the share of the virtual "
                                                    "patients simulated so far (as run_trial reports it).")
    result: dict[str, Any] | None = Field(default=None, description="TrialResult.to_json() once done.")
    error: str | None = None
    published: dict[str, Any] = Field(default_factory=dict)
    km_png: str | None = Field(default=None, description="Kaplan–Meier curves of OS and PFS per arm, with the "
                                                         "published medians marked: a PNG data URI, once done.")


class BusyDocument(BaseModel):
    detail: str


# --- the catalogue and the published values ---------------------------------------------------------------

def _protocols() -> tuple[str, ...]:
    from lenvici.sim.protocols import available_protocols

    return available_protocols()


@lru_cache(maxsize=8)
def published_endpoints(trial: str) -> dict[str, Any]:
    """The published endpoints of ``trial`` from its curated study record (``lenvici.knowledge``): per arm
    ORR by criterion and assessment, median PFS and OS; the published hazard ratios. Empty if none."""
    from lenvici.knowledge import load_studies

    found = [s for s in load_studies() if s.id == trial]
    if not found:
        return {}
    rec = found[0].model_dump(mode="json")
    arms = {}
    for a in rec.get("arms") or []:
        arm: dict[str, Any] = {"n": a.get("n"), "orr": []}
        for o in a.get("orr") or []:
            arm["orr"].append({"criteria": o.get("criteria"), "assessment": o.get("assessment"),
                               "value": o.get("value")})
            key = {"mRECIST": "orr_mrecist", "RECIST1.1": "orr_recist"}.get(o.get("criteria"))
            if key and (key not in arm or o.get("assessment") == "independent"):
                arm[key] = o.get("value")
        for key, name in (("pfs_median", "pfs_median_months"), ("os_median", "os_median_months")):
            m = a.get(key)
            arm[name] = m.get("months") if isinstance(m, dict) else None
        arms[a["label"]] = arm
    comps = [{"arms": c.get("arms"), "endpoint": c.get("endpoint"), "hr": c.get("hr"),
              "ci": [c.get("ci_lower"), c.get("ci_upper")]} for c in rec.get("comparisons") or []]
    return {"study": rec.get("id"), "name": rec.get("name"), "arms": arms, "comparisons": comps}


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict, ...]:
    from lenvici.sim.protocols import load_protocol

    out = []
    for name in _protocols():
        p = load_protocol(name)
        out.append({"name": name, "title": p.name, "registration": p.registration, "publication": p.publication,
                    "arms": [a.label for a in p.arms], "published": published_endpoints(name)})
    return tuple(out)


def trial_catalogue(max_n: int = MAX_TRIAL_N) -> list[dict]:
    return [dict(t, max_n=max_n) for t in _catalogue()]


def _check_name(name: object) -> str:
    names = _protocols()
    if not isinstance(name, str) or name not in names:
        raise InputError(f"'name' must be one of {', '.join(names)}; got {name!r}", "name")
    return name


def _check_run(n: object, seed: object, max_n: int) -> tuple[int, int]:
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= max_n:
        raise InputError(f"'n' must be a whole number of patients per arm in [2, {max_n}]; got {n!r}", "n")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < MAX_SEED:
        raise InputError(f"'seed' must be a whole number in [0, {MAX_SEED}); got {seed!r}", "seed")
    return n, seed


def km_figure(result) -> str:
    """PNG data URI: simulated Kaplan–Meier curves of OS and PFS per arm; the published medians (where the
    curated record has them) as dotted vertical lines in the arm's colour."""
    import numpy as np
    from matplotlib.figure import Figure

    from lenvici.survival.km import kaplan_meier
    from lenvici.survival.plot import plot_km
    from lenvici.web._figures import png_data_uri

    pub = published_endpoints(result.trial).get("arms", {})
    pts = result.patients
    labels = np.asarray(pts["arm"])
    ok = ~np.asarray(pts["failed"], bool)

    def draw():
        fig = Figure(figsize=(10, 4))
        for ax, (endpoint, title) in zip(fig.subplots(1, 2), (("os", "Overall survival"),
                                                             ("pfs", "Progression-free survival"))):
            curves = []
            for arm in result.arms:
                sel = (labels == arm.label) & ok
                curves.append(kaplan_meier(np.asarray(pts[f"{endpoint}_months"])[sel],
                                           np.asarray(pts[f"{endpoint}_event"])[sel].astype(int), label=arm.label))
            plot_km(curves, ax=ax, ci=False)
            colours = {ln.get_label(): ln.get_color() for ln in ax.get_lines()}
            for arm in result.arms:
                med = pub.get(arm.label, {}).get(f"{endpoint}_median_months")
                if med is not None:
                    ax.axvline(med, linestyle=":", color=colours.get(arm.label, "grey"), linewidth=1.2)
            ax.set_title(title + " (dotted: published median)")
            ax.set_xlabel("months")
        return fig

    return png_data_uri(draw)


# --- the jobs ----------------------------------------------------------------------------------------------

class _Job:
    __slots__ = ("id", "trial", "n", "seed", "pk", "status", "result", "error", "created", "km_png", "fraction")

    def __init__(self, trial: str, n: int, seed: int, pk: str = "average"):
        self.id = uuid.uuid4().hex
        self.trial, self.n, self.seed, self.pk = trial, n, seed, pk
        self.status = "queued"
        self.result: dict | None = None
        self.error: str | None = None
        self.km_png: str | None = None
        self.created = time.monotonic()
        self.fraction = 0.0  # share of patient-stages simulated, reported by run_trial's progress callback

    def report(self, done: int, total: int) -> None:
        """``run_trial``'s ``progress(done, total)`` callback: the share simulated, never going back."""
        if total > 0:
            self.fraction = max(self.fraction, min(1.0, done / total))

    def progress(self) -> float:
        if self.status in ("done", "failed"):
            return 1.0
        if self.status == "queued":
            return 0.0
        return round(min(0.99, self.fraction), 3)

    def document(self) -> dict:
        return {"id": self.id, "trial": self.trial, "n": self.n, "seed": self.seed, "pk": self.pk,
                "status": self.status,
                "progress": self.progress(), "result": self.result, "error": self.error,
                "published": published_endpoints(self.trial), "km_png": self.km_png}


class TrialJobs:
    """The job table of one app: a thread pool and a bounded table of jobs, in memory only."""

    def __init__(self, max_n: int = MAX_TRIAL_N, workers: int = WORKERS, max_jobs: int = MAX_JOBS,
                 max_active: int = MAX_ACTIVE):
        self.max_n, self.max_jobs, self.max_active = max_n, max_jobs, max_active
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lenvici-trial")
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._lock = threading.Lock()

    def _active(self) -> int:
        return sum(j.status in ("queued", "running") for j in self._jobs.values())

    def submit(self, trial: str, n: int, seed: int, pk: str = "average") -> _Job | None:
        """A new queued job, or ``None`` when too many are waiting already."""
        with self._lock:
            if self._active() >= self.max_active:
                return None
            job = _Job(trial, n, seed, pk)
            self._jobs[job.id] = job
            while len(self._jobs) > self.max_jobs:  # forget the oldest finished job
                old = next((k for k, j in self._jobs.items() if j.status in ("done", "failed")), None)
                if old is None:
                    break
                del self._jobs[old]
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> _Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: _Job) -> None:
        from lenvici.sim.trials import run_trial

        job.status = "running"
        try:
            result = run_trial(job.trial, job.n, job.seed, progress=job.report, pk=job.pk)
            try:
                job.km_png = km_figure(result)
            except Exception as exc:  # the figure is a nicety: the numbers still come back
                log.error("virtual trial figure failed: %s", type(exc).__name__)
            job.result = result.to_dict()
            job.status = "done"
        except InputError as exc:
            job.error, job.status = str(exc), "failed"
        except Exception as exc:  # a bug: log the class only, never values
            log.error("virtual trial job failed: %s", type(exc).__name__)
            job.error, job.status = "internal error", "failed"

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


_INIT_LOCK = threading.Lock()


def get_jobs(request: Request) -> TrialJobs:
    """FastAPI dependency: the app's job table (made on first use; its cap is the settings' ``max_trial_n``)."""
    app = request.app
    jobs = getattr(app.state, "lenvici_trials", None)
    if jobs is None:
        with _INIT_LOCK:
            jobs = getattr(app.state, "lenvici_trials", None)
            if jobs is None:
                jobs = app.state.lenvici_trials = TrialJobs(max_n=app.state.lenvici.settings.max_trial_n)
    return jobs


Jobs = Annotated[TrialJobs, Depends(get_jobs)]


# --- the API -----------------------------------------------------------------------------------------------

@router.get("", response_model=list[TrialInfo], summary="The virtual trials that can be run")
def trials(jobs: Jobs) -> list[dict]:
    """The shipped trial protocols, with their arms and the published endpoints from the curated record."""
    return trial_catalogue(jobs.max_n)


@router.post("/{name}/runs", status_code=202, response_model=JobDocument, summary="Start a virtual trial run",
             responses={429: {"model": BusyDocument, "description": "Too many runs are waiting; try later."}})
def submit(name: str, request: TrialRunRequest, jobs: Jobs) -> Any:
    """Queue ``run_trial(name, n, seed, pk=pk)``; poll ``GET /api/trials/runs/{id}`` for its progress and result."""
    _check_name(name)
    n, seed = _check_run(request.n, request.seed, jobs.max_n)
    job = jobs.submit(name, n, seed, request.pk)
    if job is None:
        return JSONResponse({"detail": f"{jobs.max_active} runs are already waiting or running; try later"},
                            status_code=429)
    return job.document()


@router.get("/runs/{id}", response_model=JobDocument, summary="A run's status, progress and result",
            responses={404: {"model": ErrorDocument, "description": "No such job (or forgotten)."}})
def job_status(id: str, jobs: Jobs) -> Any:  # noqa: A002 - the path parameter's public name
    """``status`` queued|running|done|failed, ``progress`` 0..1, and once done ``result`` (the
    ``TrialResult`` JSON) beside the ``published`` endpoints."""
    job = jobs.get(id)
    if job is None:
        return JSONResponse({"detail": [{"loc": ["path", "id"], "msg": "no such job (jobs are kept in memory "
                                         "and the oldest are forgotten)", "type": "not_found"}]},
                            status_code=404)
    return job.document()


# --- the page ----------------------------------------------------------------------------------------------

@pages_router.get("/trials", response_class=HTMLResponse)
def trials_page(request: Request, jobs: Jobs) -> HTMLResponse:
    """The Virtual trial page: pick a trial and N, run it, watch progress, compare with the published values."""
    from lenvici.web.routers.pages import templates

    catalogue = trial_catalogue(jobs.max_n)
    q = request.query_params
    context = {"page": "trials", "trials": catalogue, "trial": q.get("trial", catalogue[0]["name"] if catalogue
                                                                   else ""),
               "n": q.get("n", "50"), "seed": q.get("seed", "1"), "max_n": jobs.max_n,
               "pk": "doses" if q.get("pk") == "doses" else "average"}
    return templates.TemplateResponse(request, "trials.html", context)
