"""Layout in a real browser, at a phone's width (390 px) and a laptop's (1366 px), in both
languages, measured where the browser drew it: the charts (whole names, text of 12 px or
more, one colour), the case list's filters before its results, the SPARQL page after a
query, and every main page without sideways scroll (also at 320 px, the width of WCAG 2.1's
Reflow). Screenshots go to test-artifacts/screenshots/ as ``{page}-{lang}-{width}.png``.
"""

from __future__ import annotations

import pytest

from .browser import NEEDS_BROWSER, axe, shot

pytestmark = NEEDS_BROWSER

LANGS = {"zh": "", "en": "?lang=en"}


@pytest.fixture(params=["phone", "wide"], ids=["390", "1366"])
def screen(request):
    """The page of a phone (390 px, touch, 2x pixels) or of a laptop (1366 px)."""
    return request.getfixturevalue(request.param)


def width_of(pg) -> int:
    return pg.viewport_size["width"]


# The fills each chart's bars are painted with, and the entries of its legend if it has one.
CHART_FILLS = """() => [...document.querySelectorAll('figure.chart-figure')].map(figure => ({
    id: figure.querySelector('.chart').id,
    fills: [...new Set([...figure.querySelectorAll('.chart rect')].map(r => getComputedStyle(r).fill))],
    legend: figure.querySelectorAll('.chart-legend li').length,
}))"""


@pytest.mark.parametrize("lang", LANGS)
def test_chart_bars_share_one_colour_unless_a_legend_says_why(screen, lang):
    screen.goto(screen.base + "/charts" + LANGS[lang])
    charts = screen.evaluate(CHART_FILLS)
    assert len(charts) == 3
    for chart in charts:
        assert chart["fills"], f"{chart['id']} has no bars"
        assert len(chart["fills"]) == 1 or chart["legend"] >= len(chart["fills"]), \
            f"{chart['id']} paints its bars in {chart['fills']} and no legend says what each means"


# Every piece of text a chart shows: its string, its box, the box it can be seen in (the chart's,
# cut by any element between that clips what overflows it) and the size it is drawn at (the
# computed font size times the scale of the SVG drawing it is in, if any).
CHART_TEXT = """() => [...document.querySelectorAll('figure.chart-figure .chart')].map(chart => {
    const rect = b => ({left: b.left, right: b.right, top: b.top, bottom: b.bottom});
    const texts = [];
    const walk = document.createTreeWalker(chart, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || el.closest('title, desc, .sr-only')) { continue; }
        const svg = el.closest('svg');
        const range = document.createRange();
        range.selectNodeContents(node);
        const box = svg ? el.getBoundingClientRect() : range.getBoundingClientRect();
        const seen = rect(chart.getBoundingClientRect());
        seen.left = Math.max(seen.left, 0);
        seen.right = Math.min(seen.right, document.documentElement.clientWidth);
        for (let up = el; up && up !== chart; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') {
                const b = up.getBoundingClientRect();
                seen.left = Math.max(seen.left, b.left); seen.right = Math.min(seen.right, b.right);
            }
        }
        const scale = svg ? svg.getScreenCTM().a : 1;
        texts.push({text: node.textContent.trim(), box: rect(box), seen,
                    px: parseFloat(getComputedStyle(el).fontSize) * scale});
    }
    const table = chart.closest('section').querySelectorAll('table tbody th');
    return {id: chart.id, texts, labels: [...table].map(th => th.textContent.trim())};
})"""


@pytest.mark.parametrize("lang", LANGS)
def test_chart_labels_are_whole_and_inside_the_chart(screen, lang):
    screen.goto(screen.base + "/charts" + LANGS[lang])
    width = width_of(screen)
    shot(screen, f"charts-{lang}-{width}")
    axe(screen)
    charts = screen.evaluate(CHART_TEXT)
    assert [c["id"] for c in charts] == ["chart-per-year", "chart-amount", "chart-activities"]
    for chart in charts:
        shown = [t["text"] for t in chart["texts"]]
        assert chart["labels"] and all(label in shown for label in chart["labels"]), \
            f"{chart['id']}: the chart does not show every name its table has: {chart['labels']} / {shown}"
        for t in chart["texts"]:
            box, seen = t["box"], t["seen"]
            assert box["left"] >= seen["left"] - 0.5 and box["right"] <= seen["right"] + 0.5, \
                f"{chart['id']} at {width} px: {t['text']!r} is drawn at {box['left']:.0f}–{box['right']:.0f} px, " \
                f"outside what can be seen of the chart, {seen['left']:.0f}–{seen['right']:.0f} px"


@pytest.mark.parametrize("lang", LANGS)
def test_chart_text_stays_readable_and_the_page_does_not_scroll_sideways(screen, lang):
    screen.goto(screen.base + "/charts" + LANGS[lang])
    width = width_of(screen)
    for chart in screen.evaluate(CHART_TEXT):
        small = [(t["text"], round(t["px"], 1)) for t in chart["texts"] if t["px"] < 12]
        assert not small, f"{chart['id']} at {width} px draws text under 12 px: {small}"
    scroll = screen.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"/charts scrolls sideways at {width} px ({scroll} px)"


def box_of(pg, selector: str) -> dict:
    found = pg.locator(selector)
    assert found.count() == 1, f"{selector}: {found.count()} on {pg.url}"
    return found.bounding_box()


@pytest.mark.parametrize("lang", LANGS)
def test_case_filters_come_before_the_results(screen, lang):
    screen.goto(screen.base + "/cases" + LANGS[lang])
    width = width_of(screen)
    shot(screen, f"cases-{lang}-{width}")
    filters, results = box_of(screen, "aside.facets"), box_of(screen, "table.cases")
    if width < 896:  # one column (under 56rem): the filters above the results
        assert filters["y"] + filters["height"] <= results["y"], \
            f"at {width} px the filters ({filters['y']:.0f} px down) come after the results ({results['y']:.0f} px)"
    else:  # the filters in a sidebar on the left, beside the results
        assert filters["x"] + filters["width"] <= results["x"] and filters["y"] < results["y"] + results["height"], \
            f"at {width} px the filters are not beside the results: {filters} / {results}"
    assert screen.evaluate("""() => !!(document.querySelector('aside.facets').compareDocumentPosition(
        document.querySelector('table.cases')) & Node.DOCUMENT_POSITION_FOLLOWING)"""), \
        "the filters come after the results in the page's order (what a keyboard or a screen reader meets)"
    # the first thing in the filters is a way past them
    skip = screen.locator("aside.facets a").first
    assert skip.get_attribute("href") == "#results-h"
    skip.focus()
    assert skip.is_visible()
    skip.press("Enter")
    heading = box_of(screen, "#results-h")
    assert -1 <= heading["y"] < screen.viewport_size["height"] / 2, f"the skip link left the results at {heading}"
    axe(screen)


# Where the editor's run button overlaps a fragment of the query's text, if anywhere.
RUN_BUTTON_OVER_TEXT = """() => {
    const button = document.querySelector('#yasgui .yasqe_queryButton').getBoundingClientRect();
    const over = [];
    for (const line of document.querySelectorAll('#yasgui .CodeMirror-line')) {
        const range = document.createRange();
        range.selectNodeContents(line);
        for (const r of range.getClientRects()) {
            const across = r.left < button.right && r.right > button.left;
            if (r.width && across && r.top < button.bottom && r.bottom > button.top) { over.push(line.textContent); }
        }
    }
    return {button: [button.left, button.top, button.right, button.bottom], over};
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_sparql_page_after_a_query_keeps_its_width_and_the_run_button_off_the_text(screen, lang):
    screen.goto(screen.base + "/query" + LANGS[lang])
    screen.wait_for_selector("#yasgui .CodeMirror")
    screen.locator("#example-prosecutors-activities button.example-run").click()
    screen.locator("#yasgui .yasr table.dataTable").wait_for(timeout=30_000)
    screen.wait_for_function("() => document.querySelector('#yasgui .yasr').innerText.includes('taipei-prosecutors')",
                             timeout=30_000)
    width = width_of(screen)
    shot(screen, f"query-results-{lang}-{width}", full=False)
    scroll = screen.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"after a query /query scrolls sideways at {width} px ({scroll} px)"
    results = box_of(screen, "#yasgui .yasr_results")
    assert results["x"] >= 0 and results["x"] + results["width"] <= width
    found = screen.evaluate(RUN_BUTTON_OVER_TEXT)
    assert not found["over"], f"at {width} px the run button {found['button']} covers the query's text: {found['over']}"
    axe(screen)


MAIN_PAGES = {"home": "/", "cases": "/cases", "case": "/cases/danjiang-bridge", "agencies": "/agencies",
              "agency": "/agencies/wra", "charts": "/charts", "query": "/query", "downloads": "/downloads",
              "vocabulary": "/vocabulary", "about": "/about"}


@pytest.fixture(params=["narrow", "phone", "wide"], ids=["320", "390", "1366"])
def any_screen(request):
    """:func:`screen`, or the page of a small phone (320 px: WCAG 2.1's Reflow, 1.4.10)."""
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", MAIN_PAGES)
def test_main_pages_do_not_scroll_sideways(any_screen, name, lang):
    screen = any_screen
    screen.goto(screen.base + MAIN_PAGES[name] + LANGS[lang])
    width = width_of(screen)
    shot(screen, f"{name}-{lang}-{width}", full=name != "vocabulary")
    scroll = screen.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{MAIN_PAGES[name]}{LANGS[lang]} scrolls sideways at {width} px ({scroll} px)"
