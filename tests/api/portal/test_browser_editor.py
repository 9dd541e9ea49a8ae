"""The SPARQL page's editor (YASGUI) speaks the page's language, in a real browser.

YASGUI 4.6 takes some of its labels from the page (``static/query.js`` lists which, and what
stays English): the tab's name, the editor's name for screen readers, the result views' names
and the results table's texts. On ``/query`` they are zh-Hant, on ``/query?lang=en`` English;
the guarded page fails on a script error, a policy violation or a request to another host.
Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from .browser import NEEDS_BROWSER, axe, shot

pytestmark = NEEDS_BROWSER

LABELS = {
    # url, tab, editor, table view, response view, the table's summary, a column's sort button
    "zh-Hant": ("/query", "查詢", "SPARQL 查詢編輯器", "表格", "原始回應", r"第 1 至 \d+ 列，共 \d+ 列",
                "：點選以排序"),
    "en": ("/query?lang=en", "Query", "SPARQL query editor", "Table", "Response", r"Showing 1 to \d+ of \d+ rows",
           ": activate to sort"),
}


@pytest.mark.parametrize("lang", LABELS)
def test_yasgui_labels_follow_the_page_language(page, lang):
    url, tab, editor, table, response, summary, sort = LABELS[lang]
    page.goto(page.base + url)
    page.wait_for_selector("#yasgui .CodeMirror")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("#yasgui .tabsList .tab a span").first.inner_text().strip() == tab
    assert page.locator("#yasgui .CodeMirror textarea").first.get_attribute("aria-label") == editor

    page.locator("#example-prosecutors-activities button.example-run").click()
    page.locator("#yasgui .yasr table.dataTable").wait_for(timeout=30_000)
    yasr = page.locator("#yasgui .yasr")
    assert yasr.locator(".select_table").inner_text().strip() == table
    assert yasr.locator(".select_response").inner_text().strip() == response
    assert re.fullmatch(summary, yasr.locator(".dt-info").inner_text().strip())
    assert yasr.locator(".dt-column-order[aria-label]").first.get_attribute("aria-label").endswith(sort)
    yasr.scroll_into_view_if_needed()
    shot(page, f"query-labels-{lang}", full=False)
    axe(page)
