"""Layout in a real browser, at a phone's width (390 px) and a laptop's (1366 px), in both
languages: the charts, measured where the browser drew them. Screenshots go to
test-artifacts/screenshots/ as ``{page}-{lang}-{width}.png``.
"""

from __future__ import annotations

import pytest

from .browser import NEEDS_BROWSER

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
