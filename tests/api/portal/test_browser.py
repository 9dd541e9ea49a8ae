"""End to end in a real browser: Debian's Chromium (driven by Playwright, no browser
download) against the real server on a loopback port, serving a release built into a
temporary folder. The journey of issue 5: open home, search, filter, open a case, switch
language, run a gallery query on the SPARQL page and see results; axe-core on each main
page finds no serious or critical violation. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: scripts/setup installs "
                       "Debian's chromium (skipped with LIANZHENG_NO_BROWSER=1)"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing: scripts/setup runs npm ci"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(real_release, tmp_path_factory):
    """`lianzheng serve` on a free loopback port, over a copy of the real release."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = dict(os.environ, LIANZHENG_QUERY_WORKERS="1")
    cmd = [sys.executable, "-m", "api.cli", "serve", "--release", str(real_release),
           "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(base + "/-/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer in 90 s:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)  # a fresh profile each launch
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A page that may reach only the server: any other request is refused and recorded."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-TW")
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.add_init_script(CSP_WATCH)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.base = server
    yield pg
    blocked = pg.evaluate("window.__cspViolations || []") if not pg.is_closed() else []
    context.close()
    assert not outside, f"the page tried to load from outside the server: {outside}"
    assert not errors, f"script errors: {errors}"
    assert not blocked, f"the page's Content-Security-Policy blocked: {blocked}"


# Recorded in every page before its own scripts run (an init script is not subject to the policy).
CSP_WATCH = """document.addEventListener('securitypolicyviolation', e =>
    (window.__cspViolations = window.__cspViolations || []).push(e.violatedDirective + ' ' + e.blockedURI));"""


def shot(pg, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def axe(pg, exclude: list[str] | None = None) -> None:
    """axe-core (served by the service from node_modules, loaded into the page as a script of the
    site: the page's Content-Security-Policy allows no inline one) finds nothing serious."""
    pg.add_script_tag(url=pg.base + "/static/vendor/axe-core/axe.min.js")
    result = pg.evaluate("""async (exclude) => {
        const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
        const r = await axe.run(context, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", exclude or [])
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {pg.url}: {bad}"


def test_journey_home_search_filter_case_language(page):
    base = page.base
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.locator("h1").inner_text() == "機關採購廉政平臺開放資料"
    shot(page, "home")
    axe(page)

    # search from the home page, with 台 for 臺
    page.fill("#home-q", "台北")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/cases?q=*")
    results = page.locator("table.cases tbody tr")
    assert results.count() >= 5
    assert "臺北" in page.locator("table.cases").inner_text()
    shot(page, "cases-search")
    axe(page)

    # filter: ended platforms only (a facet link); the count follows
    page.get_by_role("link", name="已結束").first.click()
    page.wait_for_url("**status=ended*")
    assert page.locator("table.cases tbody tr").count() >= 1
    assert "status=ended" in page.url and "q=" in page.url

    # open a case from the list
    page.goto(base + "/cases?q=淡江")
    page.get_by_role("link", name="淡江大橋廉政平臺").click()
    page.wait_for_url("**/cases/danjiang-bridge")
    assert page.locator("ol.timeline > li").count() >= 3
    assert "2019-05-10" in page.locator("ol.timeline").inner_text()
    assert page.locator("section.note").count() >= 1
    shot(page, "case")
    axe(page)

    # switch language: same page, now in English
    page.get_by_role("link", name="Switch to English").click()
    page.wait_for_url("**/cases/danjiang-bridge?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Danjiang Bridge Integrity Platform"
    assert page.get_by_role("heading", name="Timeline").count() == 1
    shot(page, "case-en")
    axe(page)


def test_sparql_page_runs_a_gallery_query(page):
    page.goto(page.base + "/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    shot(page, "query", full=False)
    page.locator("#example-prosecutors-activities button.example-run").click()
    table = page.locator("#yasgui .yasr table.dataTable")
    table.wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('#yasgui .yasr').innerText.includes('taipei-prosecutors')",
                           timeout=30_000)
    shot(page, "query-results", full=False)
    axe(page)


def test_sparql_page_without_javascript_shows_results(browser, server):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "/query")
    pg.get_by_role("link", name="直接看結果 — 檢察署參與的每一項活動").click()
    assert "臺灣臺北地方檢察署" in pg.locator("table.results").inner_text()
    context.close()


@pytest.mark.parametrize("path, name", [("/charts", "charts"), ("/downloads", "downloads"),
                                        ("/vocabulary", "vocabulary"), ("/about?lang=en", "about-en"),
                                        ("/agencies/taipei-prosecutors", "agency")])
def test_main_pages_pass_axe(page, path, name):
    page.goto(page.base + path)
    shot(page, name, full=name != "vocabulary")
    axe(page)


def test_phone_width(browser, server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    for path, name in (("/", "phone-home"), ("/cases?q=臺中", "phone-cases"),
                       ("/cases/anping-water-reclamation", "phone-case")):
        pg.goto(server + path)
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{path} scrolls sideways on a phone ({width}px)"
        shot(pg, name, full=False)
    context.close()
