"""Billing periods: the calendar month in UTC. Quotas reset, metering sums and KPIs count per such month."""

from __future__ import annotations

from datetime import UTC, date, datetime

from followlytics.errors import InvalidInput


def month_start(at: datetime) -> datetime:
    """Midnight UTC on the first day of the month `at` falls in."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def previous_month(start: datetime) -> datetime:
    return datetime(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1, tzinfo=UTC)


def month_bounds(month: date | None, *, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the month containing `month` (any day of it), or of `now`'s month."""
    start = month_start(now) if month is None else datetime(month.year, month.month, 1, tzinfo=UTC)
    return start, next_month(start)


def parse_month(text: str | None) -> date | None:
    """`2026-11` (or a full date) -> the first day of that month; None stays None."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        parsed = date.fromisoformat(value if len(value) > 7 else f"{value}-01")
    except ValueError:
        raise InvalidInput(f"month {text!r} is not YYYY-MM", field="month") from None
    return parsed.replace(day=1)
