"""Virtual trials as jobs: submit, poll, read the result; the caps and the names; the page in a browser.

Each test module gets its own app (so runs queued by other tests, e.g. the API fuzz, cannot make these wait).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lenvici.sim.protocols import available_protocols
from lenvici.web import create_app
from tests.web.conftest import TEST_MAX_TRIAL_N, assert_input_error

POLL_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def trial_app(settings):
    return create_app(settings)


@pytest.fixture(scope="module")
def tclient(trial_app) -> TestClient:
    return TestClient(trial_app)


def _wait(client: TestClient, job_id: str) -> dict:
    deadline = time.monotonic() + POLL_TIMEOUT_S
    seen = []
    while True:
        r = client.get(f"/api/trials/runs/{job_id}")
        assert r.status_code == 200, r.text
        doc = r.json()
        seen.append(doc["progress"])
        assert doc["status"] in ("queued", "running", "done", "failed")
        assert 0.0 <= doc["progress"] <= 1.0
        if doc["status"] in ("done", "failed"):
            assert seen == sorted(seen), "progress never goes back"
            return doc
        assert time.monotonic() < deadline, f"the run did not finish in {POLL_TIMEOUT_S} s: {doc}"
        time.sleep(0.25)


def test_list_offers_the_shipped_protocols(tclient):
    r = tclient.get("/api/trials")
    assert r.status_code == 200
    docs = r.json()
    assert [d["name"] for d in docs] == list(available_protocols())
    by_name = {d["name"]: d for d in docs}
    assert {"reflect", "keynote-524", "leap-002"} <= set(by_name)
    reflect = by_name["reflect"]
    assert reflect["arms"] == ["Lenvatinib", "Sorafenib"] and reflect["max_n"] == TEST_MAX_TRIAL_N
    assert reflect["published"]["arms"]["Lenvatinib"]["os_median_months"] == pytest.approx(13.6)
    assert {c["endpoint"] for c in reflect["published"]["comparisons"]} == {"os", "pfs"}


def test_a_small_run_is_a_job_that_finishes(tclient):
    r = tclient.post("/api/trials/reflect/runs", json={"n": 10, "seed": 3})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running") and job["trial"] == "reflect" and job["n"] == 10
    assert job["result"] is None and len(job["id"]) >= 16
    doc = _wait(tclient, job["id"])
    assert doc["status"] == "done", doc.get("error")
    assert doc["progress"] == 1.0
    res = doc["result"]
    assert res["trial"] == "reflect" and res["seed"] == 3
    assert [a["label"] for a in res["arms"]] == ["Lenvatinib", "Sorafenib"]
    for arm in res["arms"]:
        assert arm["n"] == 10
        assert {"orr_recist", "orr_mrecist", "dcr_recist", "pfs_median_months", "pfs_median_ci",
                "os_median_months", "os_median_ci", "n_failed"} <= set(arm)
        assert 0.0 <= arm["orr_recist"] <= 1.0 and 0.0 <= arm["orr_mrecist"] <= 1.0
    (comp,) = res["comparisons"]
    assert comp["arms"] == ["Lenvatinib", "Sorafenib"] and comp["hr_os"] > 0 and len(comp["hr_pfs_ci"]) == 2
    assert doc["published"]["arms"]["Sorafenib"]["pfs_median_months"] == pytest.approx(3.7)
    assert doc["km_png"].startswith("data:image/png;base64,")


def test_same_seed_same_result(tclient):
    from lenvici.sim.trials import run_trial

    r = tclient.post("/api/trials/keynote-524/runs", json={"n": 10, "seed": 5})
    doc = _wait(tclient, r.json()["id"])
    assert doc["result"] == run_trial("keynote-524", 10, 5).to_dict()


def test_a_run_with_dose_events_is_run_trial_with_pk_doses(tclient):
    from lenvici.sim.trials import run_trial

    r = tclient.post("/api/trials/keynote-524/runs", json={"n": 10, "seed": 5, "pk": "doses"})
    assert r.status_code == 202, r.text
    doc = _wait(tclient, r.json()["id"])
    assert doc["status"] == "done" and doc["pk"] == "doses"
    assert doc["result"] == run_trial("keynote-524", 10, 5, pk="doses").to_dict()
    assert doc["result"] != run_trial("keynote-524", 10, 5).to_dict()


def test_unknown_trial_is_422_naming_it(tclient):
    r = tclient.post("/api/trials/not-a-trial/runs", json={"n": 10, "seed": 1})
    assert_input_error(r, "name", "reflect", where="path")


def test_a_path_is_not_a_trial_name(tclient):
    r = tclient.post("/api/trials/..%2F..%2Fetc%2Fpasswd/runs", json={"n": 10})
    assert r.status_code in (404, 422)


@pytest.mark.parametrize("n", [TEST_MAX_TRIAL_N + 1, 10**9, 1, 0, -5])
def test_n_outside_the_cap_is_422(tclient, n):
    r = tclient.post("/api/trials/reflect/runs", json={"n": n, "seed": 1})
    assert_input_error(r, "n", str(TEST_MAX_TRIAL_N), where="body")


@pytest.mark.parametrize("body, field", [({"seed": 1}, "n"), ({"n": "many"}, "n"), ({"n": 10, "seed": -1}, "seed"),
                                         ({"n": 10, "extra": 1}, "extra"), ({"n": 10, "pk": "smooth"}, "pk")])
def test_bad_bodies_are_422(tclient, body, field):
    r = tclient.post("/api/trials/reflect/runs", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field


def test_unknown_job_is_404(tclient):
    r = tclient.get("/api/trials/runs/0123456789abcdef")
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["path", "id"]


def test_too_many_waiting_runs_are_refused(settings):
    from lenvici.web.routers.trials import TrialJobs

    app = create_app(settings)
    app.state.lenvici_trials = jobs = TrialJobs(max_active=1)
    client = TestClient(app)
    first = client.post("/api/trials/reflect/runs", json={"n": 10, "seed": 1})
    assert first.status_code == 202
    second = client.post("/api/trials/reflect/runs", json={"n": 10, "seed": 2})
    assert second.status_code == 429 and "try later" in second.json()["detail"]
    assert _wait(client, first.json()["id"])["status"] == "done"
    assert client.post("/api/trials/reflect/runs", json={"n": 10, "seed": 2}).status_code == 202
    jobs.shutdown()


def test_progress_follows_run_trials_callback_from_0_to_1(settings, monkeypatch):
    """``progress`` is run_trial's own count while running: half the patient-stages reported -> 0.5."""
    import lenvici.sim.trials as sim_trials

    real_run_trial = sim_trials.run_trial
    halfway, resume = threading.Event(), threading.Event()

    def run_trial(protocol, n_per_arm=100, seed=0, *, progress=None, **kw):
        progress(0, 40)
        progress(20, 40)
        halfway.set()
        assert resume.wait(POLL_TIMEOUT_S)
        result = real_run_trial(protocol, n_per_arm, seed)
        progress(40, 40)
        return result

    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    client = TestClient(create_app(settings))
    try:
        job = client.post("/api/trials/reflect/runs", json={"n": 10, "seed": 3}).json()
        assert job["progress"] in (0.0, 0.5)
        assert halfway.wait(POLL_TIMEOUT_S)
        running = client.get(f"/api/trials/runs/{job['id']}").json()
        assert running["status"] == "running" and running["progress"] == 0.5
    finally:
        resume.set()
    done = _wait(client, job["id"])
    assert done["status"] == "done" and done["progress"] == 1.0
    assert done["result"]["arms"][0]["n"] == 10


def test_page_lists_the_trials(tclient):
    r = tclient.get("/trials")
    assert r.status_code == 200
    for name in available_protocols():
        assert f'value="{name}"' in r.text
    assert 'href="/trials"' in tclient.get("/").text


# --- browser ----------------------------------------------------------------------------------------------

CHROMIUM = Path(os.environ.get("LENVICI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions"]


@pytest.fixture(scope="module")
def trial_page(trial_app):
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the 'playwright' package")
    uvicorn = pytest.importorskip("uvicorn", reason="browser tests need uvicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(trial_app, host="127.0.0.1", port=port, log_level="warning",
                                          access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        with sync_api.sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            except Exception as exc:
                pytest.skip(f"Chromium at {CHROMIUM} did not start: {str(exc).splitlines()[0]}")
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(POLL_TIMEOUT_S * 1000)
            yield page, f"http://127.0.0.1:{port}"
            context.close()
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_browser_runs_a_small_trial_and_shows_the_table(trial_page):
    page, base_url = trial_page
    page.goto(f"{base_url}/trials")
    page.select_option("#trial-name", "reflect")
    page.fill("#trial-n", "10")
    page.fill("#trial-seed", "2")
    page.click("#trial-run")
    page.wait_for_selector("#trial-results:not([hidden])")
    rows = page.locator("#trial-arms tbody tr")
    assert rows.count() == 2
    lenv = page.locator('#trial-arms tr[data-arm="Lenvatinib"]').inner_text()
    assert "%" in lenv and "published 13.6" in lenv and "published 18.8%" in lenv
    hr = page.locator("#trial-hrs tbody tr").first.inner_text()
    assert "Lenvatinib vs Sorafenib" in hr and "published 0.92" in hr
    assert page.locator("#trial-km").get_attribute("src").startswith("data:image/png;base64,")
    assert page.is_visible("#trial-km")
    assert "trial=reflect" in page.url and "n=10" in page.url


def test_browser_shows_the_cap_error(trial_page):
    page, base_url = trial_page
    page.goto(f"{base_url}/trials")
    page.fill("#trial-n", str(TEST_MAX_TRIAL_N + 1))
    page.click("#trial-run")
    page.wait_for_selector("#trial-error:not([hidden])")
    assert str(TEST_MAX_TRIAL_N) in page.inner_text("#trial-error")
