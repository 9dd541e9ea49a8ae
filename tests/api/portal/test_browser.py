"""End to end in a real browser: Debian's Chromium (driven by Playwright, no browser
download) against the real server on a loopback port, serving a release built into a
temporary folder. The journey of issue 5: open home, search, filter, open a case, switch
language, run a gallery query on the SPARQL page and see results; axe-core on each main
page finds no serious or critical violation. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from .browser import DESKTOP, NEEDS_BROWSER, PHONE, axe, shot

pytestmark = NEEDS_BROWSER


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


def test_sparql_page_without_javascript_shows_results(browser, site):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    pg = context.new_page()
    pg.goto(site + "/query")
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


def test_phone_width(phone):
    pg = phone
    for path, name in (("/", "phone-home"), ("/cases?q=臺中", "phone-cases"),
                       ("/cases/anping-water-reclamation", "phone-case")):
        pg.goto(pg.base + path)
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{path} scrolls sideways on a phone ({width}px)"
        shot(pg, name, full=False)
