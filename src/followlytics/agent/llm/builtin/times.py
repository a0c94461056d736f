"""Reading time from a question: windows ("last 8 weeks", "this month") and time zones ("in Berlin time",
"EST", "Europe/Paris").

`extract_window` turns a window into days (a week is 7, a month 30, a quarter 90, a year 365 days);
tools that count weeks get `weeks_of(days)`, rounded, at least one. `extract_timezone` returns an IANA name:
IANA names as written, common abbreviations mapped to the zone people mean by them (EST -> America/New_York,
CET -> Europe/Paris), and places ("Berlin time", "for New York") looked up among IANA zone cities, a short
list of aliases and countries, then the offline gazetteer when it is installed. `place_timezone` does the
last step alone, for a place that came as a location.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from functools import cache

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin.calls import TOOLS, make_call
from followlytics.agent.llm.builtin.questions import NUMBER, extract_filters, parse_number

__all__ = ["Window", "extract_timezone", "extract_window", "place_timezone", "weeks_of"]

_FLAGS = re.IGNORECASE
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 90, "year": 365}
_UNIT = r"(?P<unit>days?|weeks?|fortnights?|months?|quarters?|years?)"
_WINDOWS = [
    # "in the last 8 weeks", "over the past 30 days", "last two months", "previous 3 weeks"
    re.compile(
        rf"(?<!\w)(?:(?:in|over|during|for|from|within)\s+)?(?:the\s+)?(?:last|past|previous|recent|prior)\s+"
        rf"(?P<n>{NUMBER})\s+{_UNIT}(?!\w)",
        _FLAGS,
    ),
    # "30 days", "8-week window", "2 weeks ago", "a month back"
    re.compile(
        rf"(?<![\w.,])(?P<n>{NUMBER}|a|an)[\s-]+{_UNIT}(?:\s+(?:ago|back|window|period))?(?!\w)", _FLAGS
    ),
    # "last week", "this month", "past year", "since last month"
    re.compile(
        r"(?<!\w)(?:(?:in|over|during|for|since|from|within)\s+)?(?:the\s+)?(?P<n>last|past|this|previous|next)\s+"
        r"(?P<unit>day|week|fortnight|month|quarter|year)(?!\w)",
        _FLAGS,
    ),
    re.compile(r"(?<!\w)(?P<unit>today|yesterday|weekly|monthly)(?!\w)", _FLAGS),
]
_WORD_DAYS = {"today": 1, "yesterday": 1, "weekly": 7, "monthly": 30}


@dataclass(frozen=True)
class Window:
    days: int
    unit: str  # "day", "week", ... as written, so a caller can tell "8 weeks" from "56 days"
    count: int


def extract_window(text: str) -> tuple[Window | None, str]:
    """The time window `text` names, in days, and the text without it (so its number is not a row count)."""
    for pattern in _WINDOWS:
        match = pattern.search(text)
        if match is None:
            continue
        unit_word = match["unit"].lower()
        rest = text[: match.start()] + " ; " + text[match.end() :]
        if unit_word in _WORD_DAYS:
            days = _WORD_DAYS[unit_word]
            return Window(days, "day" if days == 1 else unit_word.removesuffix("ly"), 1), rest
        unit = unit_word.rstrip("s")
        written = (match.groupdict().get("n") or "1").lower()
        count = (
            1 if written in {"a", "an", "last", "past", "this", "previous", "next"} else parse_number(written)
        )
        count = max(count, 1)
        return Window(count * _UNIT_DAYS[unit], unit, count), rest
    return None, text


def weeks_of(window: Window) -> int:
    """The window in whole weeks, for tools that count weeks: as written, else days / 7 rounded, >= 1."""
    if window.unit == "week":
        return window.count
    return max(1, round(window.days / 7))


# --- time zones ----------------------------------------------------------------------------------------

# What people usually mean by an abbreviation, as the IANA zone that follows its daylight saving.
_ABBREVIATIONS = {
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago", "CT": "America/Chicago",
    "MST": "America/Denver", "MDT": "America/Denver", "MT": "America/Denver",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PT": "America/Los_Angeles",
    "AKST": "America/Anchorage", "HST": "Pacific/Honolulu",
    "UTC": "UTC", "GMT": "UTC", "Z": "UTC", "ZULU": "UTC",
    "BST": "Europe/London", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
    "CET": "Europe/Paris", "CEST": "Europe/Paris", "EET": "Europe/Athens", "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow", "IST": "Asia/Kolkata", "PKT": "Asia/Karachi", "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong", "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney", "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
    "BRT": "America/Sao_Paulo", "ART": "America/Argentina/Buenos_Aires", "WAT": "Africa/Lagos",
    "EAT": "Africa/Nairobi", "SAST": "Africa/Johannesburg",
}  # fmt: skip
# Words that are also abbreviations are only read as zones in capitals ("wet", "art", "eat", "pt" ...).
_LOWERCASE_OK = {"est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "utc", "gmt", "bst", "cet", "cest",
                 "eet", "eest", "jst", "ist", "sgt", "aest", "aedt", "nzst", "msk", "hkt", "kst"}  # fmt: skip
_NAMED = {
    "eastern": "America/New_York", "central": "America/Chicago", "mountain": "America/Denver",
    "pacific": "America/Los_Angeles", "greenwich": "UTC", "universal": "UTC", "coordinated universal": "UTC",
}  # fmt: skip
# Places people name that are not the city of an IANA zone.
_PLACE_ALIASES = {
    "nyc": "America/New_York", "ny": "America/New_York", "new york city": "America/New_York",
    "boston": "America/New_York", "washington": "America/New_York", "dc": "America/New_York",
    "miami": "America/New_York", "atlanta": "America/New_York", "philadelphia": "America/New_York",
    "austin": "America/Chicago", "dallas": "America/Chicago", "houston": "America/Chicago",
    "sf": "America/Los_Angeles", "san francisco": "America/Los_Angeles", "la": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles", "bay area": "America/Los_Angeles",
    "munich": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin", "cologne": "Europe/Berlin",
    "barcelona": "Europe/Madrid", "milan": "Europe/Rome", "manchester": "Europe/London",
    "edinburgh": "Europe/London", "geneva": "Europe/Zurich",
    "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
    "beijing": "Asia/Shanghai", "shenzhen": "Asia/Shanghai", "melbourne": "Australia/Melbourne",
    "são paulo": "America/Sao_Paulo", "rio": "America/Sao_Paulo", "rio de janeiro": "America/Sao_Paulo",
    "montreal": "America/Toronto", "abuja": "Africa/Lagos",
    "uk": "Europe/London", "britain": "Europe/London", "england": "Europe/London",
    "united kingdom": "Europe/London", "ireland": "Europe/Dublin", "germany": "Europe/Berlin",
    "france": "Europe/Paris", "spain": "Europe/Madrid",
    "italy": "Europe/Rome", "netherlands": "Europe/Amsterdam",
    "portugal": "Europe/Lisbon", "switzerland": "Europe/Zurich", "poland": "Europe/Warsaw",
    "sweden": "Europe/Stockholm", "india": "Asia/Kolkata", "japan": "Asia/Tokyo", "china": "Asia/Shanghai",
    "singapore": "Asia/Singapore", "brazil": "America/Sao_Paulo", "mexico": "America/Mexico_City",
    "nigeria": "Africa/Lagos", "kenya": "Africa/Nairobi", "south africa": "Africa/Johannesburg",
    "korea": "Asia/Seoul", "south korea": "Asia/Seoul",
    "turkey": "Europe/Istanbul", "israel": "Asia/Jerusalem",
    "uae": "Asia/Dubai", "new zealand": "Pacific/Auckland",
}  # fmt: skip

_IANA = re.compile(r"(?<![\w/])(?P<zone>[A-Za-z]+(?:/[A-Za-z0-9_+\-]+){1,2})(?![\w/])")
_OFFSET = re.compile(r"(?<!\w)(?:UTC|GMT)\s*(?P<sign>[+-−])\s*(?P<hours>\d{1,2})(?::?00)?(?!\w)", _FLAGS)
_ABBREVIATION_NAMES = "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True))
_ABBREVIATION = re.compile(
    rf"(?<![\w/])(?:in\s+|on\s+|using\s+|for\s+)?(?P<abbr>{_ABBREVIATION_NAMES})"
    r"(?:\s+(?:time(?:\s*zone)?|timezone|tz))?(?![\w/])",
    _FLAGS,
)
_NAMED_TIME = re.compile(
    rf"(?<!\w)(?:in\s+|on\s+|using\s+)?(?:the\s+)?(?P<name>{'|'.join(_NAMED)})\s+(?:standard\s+)?"
    r"(?:time(?:\s*zone)?|timezone)(?!\w)",
    _FLAGS,
)
# "in Berlin time", "New York hours": up to three words before "time", longest first.
_PLACE_TIME = re.compile(
    r"(?P<words>(?:[^\W\d_][\w'.-]*\s+){1,3})(?:local\s+)?(?:time(?:\s*zone)?|timezone|hours)(?!\w)", _FLAGS
)
_PREPOSITION = re.compile(r"(?:^|\s)(?:in|on|using|at|for)\s+$", _FLAGS)
_ZONE_IS = re.compile(
    r"(?<!\w)(?:my\s+)?(?:time\s*zone|timezone|tz)\s*(?:is|=|:)?\s*(?P<place>[^\W\d_][\w .'/-]{1,40}?)"
    r"(?=\s*(?:[?!,;:()]|\.(?:\s|$)|$))",
    _FLAGS,
)
_PLACE_LEAD = re.compile(
    r"(?<!\w)(?:in|for|from|at|around|near|across|(?:based|located|living)\s+in)\s+(?:the\s+)?"
    r"(?P<place>[^\W\d_][\w .'-]{1,40}?)(?=\s*(?:[?!,;:()]|\.(?:\s|$)|$)|\s+(?:and|with|over|during|for|in|on"
    r"|from|based|using|please|the|last|past|this|time|who|followers?|audience|based)(?!\w))",
    _FLAGS,
)


def extract_timezone(text: str, *, places: bool = True) -> tuple[str | None, str]:
    """The IANA time zone `text` names and the text without it; with `places`, "in Berlin" counts too."""
    if (match := _IANA.search(text)) is not None and (zone := _zone_named(match["zone"])) is not None:
        return zone, _cut(text, match)
    if (match := _OFFSET.search(text)) is not None:
        hours = int(match["hours"])
        if hours <= 14:
            # IANA's Etc zones count the other way round: UTC+2 is Etc/GMT-2.
            sign = "-" if match["sign"] == "+" else "+"
            return ("UTC" if hours == 0 else f"Etc/GMT{sign}{hours}"), _cut(text, match)
    for match in _ABBREVIATION.finditer(text):
        abbr = match["abbr"]
        if (
            abbr.isupper()
            or abbr.lower() in _LOWERCASE_OK
            or match.group(0).lower().rstrip().endswith(("time", "zone", "tz"))
        ):
            return _ABBREVIATIONS[abbr.upper()], _cut(text, match)
    if (match := _NAMED_TIME.search(text)) is not None:
        return _NAMED[match["name"].lower()], _cut(text, match)
    for match in _ZONE_IS.finditer(text):
        if (zone := place_timezone(match["place"], gazetteer=True)) is not None:
            return zone, _cut(text, match)
    for match in _PLACE_TIME.finditer(text):
        words = match["words"].split()
        for size in range(len(words), 0, -1):
            if (zone := place_timezone(" ".join(words[-size:]))) is not None:
                start = match.start() + match.group(0).index(words[-size])
                lead = _PREPOSITION.search(text[:start])
                start = lead.start() if lead else start
                return zone, text[:start] + " ; " + text[match.end() :]
    if places:
        for match in _PLACE_LEAD.finditer(text):
            # Only a capitalised name goes to the gazetteer: it knows towns called "Best" and "Mobile".
            gazetteer = match["place"][:1].isupper()
            if (zone := place_timezone(match["place"], gazetteer=gazetteer)) is not None:
                return zone, _cut(text, match)
    return None, text


def place_timezone(place: str, *, gazetteer: bool = False) -> str | None:
    """The IANA zone of a city, region or country name, or None when it cannot be placed.

    IANA zone cities, aliases and countries first; with `gazetteer`, any city the offline gazetteer knows.
    """
    key = " ".join(re.sub(r"^(?:the|my|our)\s+", "", place.strip().lower()).split()).strip(" .'")
    if not key:
        return None
    if "/" in key:
        return _zone_named(key)
    zone = _PLACE_ALIASES.get(key) or _zone_cities().get(key)
    if zone is None:
        # "Berlin, Germany" / "London UK": the first part is usually the city.
        head = re.split(r"[,]|\s+(?=\w+$)", key)[0].strip()
        if head and head != key:
            zone = _PLACE_ALIASES.get(head) or _zone_cities().get(head)
    return zone or (_gazetteer_timezone(place) if gazetteer else None)


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " ; " + text[match.end() :]


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _zone_named(text: str) -> str | None:
    return _zone_names().get(text.lower())


@cache
def _zone_cities() -> dict[str, str]:
    """'berlin' -> 'Europe/Berlin': the city part of every IANA zone in a region (not Etc/, not legacy)."""
    regions = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
    cities: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        parts = name.split("/")
        if len(parts) >= 2 and parts[0] in regions:
            cities.setdefault(parts[-1].replace("_", " ").lower(), name)
    return cities


def _gazetteer_timezone(place: str) -> str | None:
    # The gazetteer lives with the themes analysis and may not be installed; without it, only the
    # built-in names above are known.
    try:
        from followlytics.analytics.geo import locate
    except ImportError:
        return None
    try:
        found = locate(place)
    except Exception:  # noqa: BLE001 - a lookup failure only means "not placed"
        return None
    zone = getattr(found, "timezone", None)
    return zone if isinstance(zone, str) and _zone_named(zone) else None


def days_and_limit_plan(tool: str, text: str, *, noun: str, fallback_max: int) -> Plan:
    """A one-call plan for a tool taking `days` (from a time window) and `limit`, with the notes of both."""
    window, rest = extract_window(text)
    filters = extract_filters(rest, max_limit=TOOLS[tool].max_limit or fallback_max, noun=noun)
    notes = list(filters.notes)
    days = None
    if window is not None:
        days, note = TOOLS[tool].bounded("days", window.days, "days")
        notes += [note] if note else []
    return Plan(intent=tool, calls=(make_call(tool, days=days, limit=filters.limit),), notes=tuple(notes))
