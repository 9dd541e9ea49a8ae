"""Charts as inline SVG, drawn on the server: no script, no outside font, a table behind each.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (WAI-ARIA
Graphics: https://www.w3.org/TR/graphics-aria-1.0/), scaled by its ``viewBox`` so it
fits a phone, and the page puts the same numbers in a ``<table>`` beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR = "#1f5f8b"      # 7.0:1 on white; every bar of every chart (a second colour would need a legend)
INK = "#1a1a1a"
GRID = "#c8c8c8"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    import math

    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def column_chart(chart_id: str, items: Sequence[tuple[str, float]], title: str, desc: str) -> Markup:
    """Vertical bars, one per label (years), with the value above each bar."""
    n = max(len(items), 1)
    width, height, left, bottom, top = 640, 300, 44, 36, 24
    plot_w, plot_h = width - left - 12, height - bottom - top
    top_value = _nice_max(max((v for _, v in items), default=0))
    slot = plot_w / n
    bar_w = max(min(slot * 0.7, 60), 4)
    parts = [
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{INK}">'
                     f'{_fmt(value)}</text>')
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top_value if top_value else 0
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}">'
                     f'<title>{escape(label)}: {_fmt(value)}</title></rect>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="13" '
                     f'fill="{INK}">{_fmt(value)}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                     f'font-size="13" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(chart_id: str, items: Sequence[tuple[str, float]], title: str, desc: str,
              label_width: int = 150) -> Markup:
    """Horizontal bars, one per label (ministries and cities), value at the end of each bar."""
    row, top = 30, 8
    width = 640
    height = top + row * max(len(items), 1) + 8
    plot_w = width - label_width - 80
    top_value = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + row * i
        w = plot_w * value / top_value
        parts.append(f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" font-size="14" '
                     f'fill="{INK}">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{max(w, 1):.1f}" height="{row - 10}" '
                     f'fill="{BAR}"><title>{escape(label)}: {_fmt(value)}</title></rect>')
        parts.append(f'<text x="{label_width + w + 6:.1f}" y="{y + 19}" font-size="13" fill="{INK}">'
                     f'{_fmt(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
