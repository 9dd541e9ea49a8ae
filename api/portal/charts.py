"""Bar charts as HTML lists, drawn on the server: no script, no outside font, a table behind each.

A chart is an ``<ol>``, one item per bar: the label, the value, then the bar, which is an
SVG rectangle hidden from assistive technology (the label and the value are the words a
screen reader reads). Label and value are HTML text, so they wrap and keep the page's
font size at any width: a whole chart drawn as one SVG scales its text down with it, to
about 5 px on a phone, and cuts off a long English name that was measured for Chinese.

The bar's length is in its markup, not in a style: the rectangle is ``share`` units long
in a ``0 0 100 100`` view box that the stylesheet stretches over the bar's box
(``preserveAspectRatio="none"``). So the chart needs no style attribute, and it still
shows the right lengths with no stylesheet at all.

Two shapes, chosen by the stylesheet from one markup (``portal.css``, "charts"):

* ``bars`` (ministries and cities): horizontal bars; the label beside its bar on a wide
  screen, above it on a narrow one;
* ``columns`` (years): upright columns on a wide screen (the stylesheet turns the
  rectangle a quarter turn), horizontal bars on a narrow one.

Every bar is one colour (:data:`BAR`): colours that differ would need a legend.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

BAR = "#1f5f8b"  # 7.0:1 on white; the stylesheet paints bars with the same --accent
SHAPES = ("bars", "columns")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _share(value: float, top: float) -> float:
    """The bar's length in hundredths of the longest; a value above 0 stays visible."""
    if value <= 0 or top <= 0:
        return 0.0
    return max(100 * value / top, 0.5)


def bar_list(chart_id: str, items: Sequence[tuple[str, float]], labelledby: str,
             shape: str = "bars") -> Markup:
    """The chart of ``items`` (label, value) in ``shape`` (:data:`SHAPES`), named by the
    element ``labelledby`` (the heading of its section)."""
    if shape not in SHAPES:
        raise ValueError(f"a chart's shape is one of {SHAPES}, not {shape!r}")
    top = max((v for _, v in items), default=0)
    bars = Markup("").join(
        Markup('<li><span class="chart-label">{label}</span> <span class="chart-value">{value}</span>'
               '<svg class="chart-bar" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true" '
               'focusable="false"><rect width="{share:.2f}" height="100" fill="{fill}"/></svg></li>')
        .format(label=label, value=_fmt(value), share=_share(value, top), fill=BAR)
        for label, value in items)
    return Markup('<ol id="{id}" class="chart {shape}" aria-labelledby="{by}">{bars}</ol>').format(
        id=chart_id, shape=shape, by=labelledby, bars=bars)
