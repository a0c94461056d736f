"""What every provider adapter needs to turn an error answer into one of ours: the provider's `retry-after`
hint, and its own words made safe to show (our key, and anything shaped like a key, blanked out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["quoted", "retry_after_seconds"]

# Real keys (`sk-…`, `sk-ant-…`, `xai-…`) and the masked copies providers echo back (`xa***Jz`).
_KEY_LIKE = re.compile(r"\S*\*{2,}\S*|\b(?:sk|xai|xa)-[A-Za-z0-9_\-]{6,}")
_MAX_QUOTE = 300


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait: `retry-after-ms` when sent (more precise), else `retry-after` (seconds or an HTTP
    date); None when neither is usable."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def quoted(text: str, *, key: str | None) -> str:
    """A provider's explanation on one line, cut short, with `key` and anything key-like redacted."""
    if key:
        text = text.replace(key, "[redacted]")
    text = " ".join(_KEY_LIKE.sub("[redacted]", text).split())
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + "…"
