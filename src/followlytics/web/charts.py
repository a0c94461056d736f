"""Charts as inline SVG, drawn on the server: horizontal bars, the 7x24 heatmap, and a spend line.

Every label is escaped (names and places come from followers' profiles), every chart has a `<title>` and
`role="img"` with an `aria-label`, and each is paired in the page with a table of the same numbers for
screen readers and for copying. No JavaScript and no chart library: the SVG scales with the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from followlytics.services.audience_charts import Bar

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_BAR_HEIGHT = 22
_LABEL_WIDTH = 150
_WIDTH = 560


def bar_chart(bars: Sequence[Bar], *, title: str) -> Markup:
    if not bars:
        return Markup("")
    top = max((bar.value for bar in bars), default=0) or 1
    room = _WIDTH - _LABEL_WIDTH - 70
    height = len(bars) * (_BAR_HEIGHT + 6) + 6
    rows = []
    for i, bar in enumerate(bars):
        y = 6 + i * (_BAR_HEIGHT + 6)
        width = max(1.0, room * bar.value / top)
        label = _clip(bar.label, 22)
        rows.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{_BAR_HEIGHT}" rx="3">'
            f"<title>{escape(bar.label)}: {bar.value:,.0f} {escape(bar.note)}</title></rect>"
            f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{bar.value:,.0f}'
            f"{' (' + str(escape(bar.note)) + ')' if bar.note else ''}</text>"
        )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg>"
    )


def heatmap(values: Sequence[Sequence[float]], *, title: str) -> Markup:
    """7 rows (Monday..Sunday) x 24 hours of scores 0-1; darker is better."""
    cell, left, head = 20, 40, 18
    top = max((v for row in values for v in row), default=0) or 1
    parts = [
        f'<text x="{left + h * cell + cell / 2}" y="12" text-anchor="middle" class="small">{h}</text>'
        for h in range(0, 24, 3)
    ]
    for d, row in enumerate(values):
        y = head + d * cell
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{WEEKDAYS[d]}</text>')
        for h, value in enumerate(row):
            opacity = 0.08 + 0.92 * (value / top)
            parts.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" class="cell" '
                f'fill-opacity="{opacity:.2f}">'
                f"<title>{WEEKDAYS[d]} {h:02d}:00 score {value:.2f}</title></rect>"
            )
    width, height = left + 24 * cell, head + 7 * cell
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def spend_chart(
    spend_by_day: Sequence[tuple[date, Decimal]], *, credit: Decimal, spent_before: Decimal, title: str
) -> Markup:
    """Cumulative spend per day as a line, against the credit budget as a dashed line at the top."""
    if not spend_by_day:
        return Markup("")
    width, height, left, bottom = 560, 200, 60, 24
    total = spent_before
    points = []
    for day, cost in spend_by_day:
        total += cost
        points.append((day, total))
    ceiling = max(credit, points[-1][1]) or Decimal(1)
    step = (width - left - 10) / max(len(points) - 1, 1)

    def y(value: Decimal) -> float:
        return 10 + (height - bottom - 10) * float(1 - value / ceiling)

    line = " ".join(f"{left + i * step:.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    first, last = spend_by_day[0][0], spend_by_day[-1][0]
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{left}" x2="{width - 10}" y1="{y(credit):.1f}" y2="{y(credit):.1f}" class="budget"/>'
        f'<text x="{left + 4}" y="{y(credit) + 14:.1f}">credit ${credit:,.0f}</text>'
        f'<polyline points="{line}" class="spend"/>'
        f'<text x="{left}" y="{height - 6}">{first:%b %d}</text>'
        f'<text x="{width - 10}" y="{height - 6}" text-anchor="end">{last:%b %d}</text>'
        f'<text x="{left - 6}" y="{height - bottom:.1f}" text-anchor="end">$0</text>'
        "</svg>"
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
