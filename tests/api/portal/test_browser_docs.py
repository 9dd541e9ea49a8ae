"""The API reference (``/docs``) in a real browser: Debian's Chromium against the real server.

Swagger UI, served by the service from node_modules and started by the site's own script,
draws every operation of the OpenAPI document; "Try it out" sends a request to this server and
shows its answer. The guarded pages of conftest.py refuse and record any request to another
host and fail the test on a script error or a Content-Security-Policy violation; the page runs
under the site's one policy. At 390 px nothing scrolls sideways. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import httpx

from .browser import DESKTOP, NEEDS_BROWSER, PHONE, axe, shot
from .test_reference import NEEDS_SWAGGER

pytestmark = [*NEEDS_BROWSER, NEEDS_SWAGGER]

LIST_CASES = '.opblock-summary-path[data-path="/api/cases"]'


def operations_in(site: str) -> int:
    paths = httpx.get(site + "/openapi.json").json()["paths"]
    return sum(len(item) for item in paths.values())


def try_list_cases(pg):
    """Open GET /api/cases, press "Try it out" and "Execute": the operation's block."""
    op = pg.locator(".opblock", has=pg.locator(LIST_CASES))
    op.locator(".opblock-summary").click()
    op.get_by_role("button", name="Try it out").click()
    op.get_by_role("button", name="Execute").click()
    op.locator(".live-responses-table .response .response-col_status").wait_for(timeout=30_000)
    return op


def sideways(pg) -> int:
    return pg.evaluate("() => document.documentElement.scrollWidth")


def test_docs_page_draws_every_operation_and_runs_one(page):
    page.goto(page.base + "/docs")
    page.locator(LIST_CASES).wait_for(timeout=30_000)
    assert page.locator("#swagger-ui .opblock").count() == operations_in(page.base)
    assert page.locator("#operations-h").is_hidden()  # the page's own list is for browsers without it
    shot(page, "docs", full=False)
    axe(page)

    op = try_list_cases(page)
    assert op.locator(".live-responses-table .response .response-col_status").inner_text().strip() == "200"
    assert op.locator(".request-url pre").inner_text().strip().startswith(page.base + "/api/cases?")
    body = op.locator(".live-responses-table .response-col_description pre").first.inner_text()
    assert '"total": 32' in body and '"items"' in body
    op.scroll_into_view_if_needed()
    shot(page, "docs-try-it-out", full=False)
    axe(page)


def test_docs_page_in_english(page):
    page.goto(page.base + "/docs?lang=en")
    page.locator(LIST_CASES).wait_for(timeout=30_000)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main > h1").inner_text() == "API reference"
    assert page.locator("#swagger-ui").get_attribute("lang") == "en"


def test_docs_page_on_a_phone(phone):
    pg = phone
    pg.goto(pg.base + "/docs")
    pg.locator(LIST_CASES).wait_for(timeout=30_000)
    assert sideways(pg) <= PHONE["width"] + 1, f"/docs scrolls sideways on a phone ({sideways(pg)}px)"
    shot(pg, "phone-docs", full=False)
    op = try_list_cases(pg)
    assert op.locator(".live-responses-table .response .response-col_status").inner_text().strip() == "200"
    assert sideways(pg) <= PHONE["width"] + 1, f"an answer on /docs scrolls sideways ({sideways(pg)}px)"
    op.locator(".live-responses-table").scroll_into_view_if_needed()
    shot(pg, "phone-docs-try-it-out", full=False)


def test_docs_page_without_javascript_lists_the_operations(browser, site):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    pg = context.new_page()
    pg.goto(site + "/docs")
    assert pg.locator("#swagger-ui").is_hidden() and pg.locator("#operations-h").is_visible()
    assert pg.locator("table.operations tbody tr").count() == operations_in(site)
    assert pg.get_by_role("row", name="GET /api/cases List and search cases").is_visible()
    pg.get_by_role("link", name="/openapi.json").click()
    assert pg.url == site + "/openapi.json"
    context.close()
