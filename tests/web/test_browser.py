"""Browser tests: the real pages in headless Chromium from Debian's packages, driven by Playwright.

Chromium is ``/usr/bin/chromium`` (Debian's ``chromium`` package) — Playwright never downloads a browser here.
Without it, or without the ``playwright`` package, these tests skip and say why. The server is uvicorn on a
free loopback port, in a thread, serving the test app.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LENVICI_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the 'playwright' package")
uvicorn = pytest.importorskip("uvicorn", reason="browser tests need uvicorn (the 'web' extra)")

#: Flags for Chromium as root in a sandboxed machine with no network but loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(app):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken Chromium install is an environment problem, said plainly
            pytest.skip(f"Chromium at {CHROMIUM} did not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def _fill_patient(page, base_url: str) -> None:
    page.goto(f"{base_url}/patient")
    page.fill("#f-bilirubin", "1.2")
    page.select_option("#f-bilirubin-unit", "mg/dL")
    page.fill("#f-albumin", "3.5")
    page.select_option("#f-albumin-unit", "g/dL")
    page.fill("#f-inr", "1.1")
    page.select_option("#f-ascites", "none")
    page.select_option("#f-encephalopathy", "none")
    page.fill("#f-neutrophils", "3500")
    page.select_option("#f-neutrophils-unit", "/uL")
    page.fill("#f-lymphocytes", "1.4")
    page.fill("#f-weight", "72")
    page.fill("#f-tumour_count", "1")
    page.fill("#f-largest_tumour", "3.5")
    page.select_option("#f-largest_tumour-unit", "cm")
    page.select_option("#f-macrovascular_invasion", "false")
    page.select_option("#f-extrahepatic_spread", "false")
    page.select_option("#f-ecog", "0")
    page.select_option("#f-liver_function", "preserved")
    page.click("#compute")
    page.wait_for_selector("#results")


def _cell(page, score: str, column: str) -> str:
    return page.inner_text(f'#scores tr[data-score="{score}"] td.{column}').strip()


def test_patient_form_shows_the_scores(page, base_url, client):
    _fill_patient(page, base_url)
    # the page shows what the API computes for the same inputs
    api = client.post("/api/patient/scores", json={
        "bilirubin": "1.2 mg/dL", "albumin": "3.5 g/dL", "inr": "1.1", "ascites": "none", "encephalopathy": "none",
        "neutrophils": "3500 /uL", "lymphocytes": "1.4 10*9/L", "weight": "72 kg", "tumour_count": "1",
        "largest_tumour": "3.5 cm", "macrovascular_invasion": "false", "extrahepatic_spread": "false", "ecog": "0",
        "liver_function": "preserved"}).json()
    expected = {s["score"]: s for s in api["scores"]}
    shown = page.eval_on_selector_all("#scores tbody tr", "rows => rows.map(r => r.dataset.score)")
    assert set(shown) == set(expected) and {"albi", "child-pugh", "nlr", "bclc"} <= set(shown)
    assert _cell(page, "child-pugh", "category") == "A" == expected["child-pugh"]["category"]
    assert _cell(page, "albi", "category") == expected["albi"]["category"]
    assert float(_cell(page, "albi", "value")) == pytest.approx(expected["albi"]["value"], abs=5e-4)
    assert float(_cell(page, "nlr", "value")) == pytest.approx(2.5, abs=1e-3)
    assert "Johnson PJ" in _cell(page, "albi", "source")
    assert page.inner_text("#bclc-stage .category") == "A"
    assert "lenvatinib 12 mg once daily" in page.inner_text("#dose")


def test_patient_url_is_shareable_and_holds_only_what_was_entered(page, base_url, browser):
    _fill_patient(page, base_url)
    url = page.url
    assert "albumin=3.5" in url and "albumin_unit=g%2FdL" in url
    assert not re.search(r"[?&]crp=", url) and "crp_unit" not in url  # empty fields are left out
    other = browser.new_context().new_page()
    other.goto(url)
    assert other.inner_text('#scores tr[data-score="child-pugh"] td.category').strip() == "A"
    other.context.close()


def test_units_change_the_values_not_the_result(page, base_url):
    page.goto(f"{base_url}/patient?bilirubin=20.5248&bilirubin_unit=umol/L&albumin=35&albumin_unit=g/L")
    in_si = _cell(page, "albi", "value")
    page.goto(f"{base_url}/patient?bilirubin=1.2&bilirubin_unit=mg/dL&albumin=3.5&albumin_unit=g/dL")
    assert _cell(page, "albi", "value") == in_si


def test_patient_form_reports_a_bad_unit_beside_the_field(page, base_url):
    page.goto(f"{base_url}/patient")
    page.fill("#f-albumin", "35")
    page.select_option("#f-albumin-unit", "g/dL")  # 350 g/L: out of range
    page.click("#compute")
    alert = page.inner_text("#error")
    assert "albumin" in alert and "physiological range" in alert
    assert page.get_attribute("#f-albumin", "value") == "35"
    assert "invalid" in page.eval_on_selector("#f-albumin", "el => el.parentElement.className")


def test_evidence_table_filters_and_sorts(page, base_url):
    page.goto(f"{base_url}/evidence")
    total = page.eval_on_selector_all("#studies tbody tr", "rows => rows.length")
    page.select_option("#filter-class", "LEN+ICI")
    visible = page.eval_on_selector_all("#studies tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.class)")
    assert 0 < len(visible) < total and set(visible) == {"LEN+ICI"}
    page.click("#studies thead th:nth-child(7)")  # N, ascending
    ns = page.eval_on_selector_all("#studies tbody tr:not([hidden]) td:nth-child(7)",
                                   "cells => cells.map(c => c.textContent.trim()).filter(t => t)")
    values = [float(n.split()[0]) for n in ns]  # "59 (total)": the study's n where the arm's is not reported
    assert values == sorted(values)
    assert page.is_visible("#forest")


def test_economics_runs_and_shows_plots(page, base_url):
    page.goto(f"{base_url}/economics")
    page.select_option("#cea-model", "dmhee_hiv")
    page.fill("#cea-psa", "100")
    page.click("#cea-run")
    page.wait_for_selector("#cea-results")
    assert "combination" in page.inner_text("#base-case")
    alts = page.eval_on_selector_all("#cea-results img", "imgs => imgs.map(i => i.alt)")
    assert "Cost-effectiveness plane" in alts and "Cost-effectiveness acceptability curve" in alts
    widths = page.eval_on_selector_all("#cea-results img", "imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 100 for w in widths)


def test_mechanisms_shows_neighbours_and_drawing(page, base_url):
    page.goto(f"{base_url}/mechanisms")
    page.fill("#node", "FGFR4")
    page.press("#node", "Enter")
    page.wait_for_selector("#neighbours")
    assert page.eval_on_selector_all("#neighbours tbody tr", "rows => rows.length") > 0
    assert page.is_visible("figure.drawing svg")
    shots = os.environ.get("LENVICI_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "mechanisms.png"), full_page=True)
