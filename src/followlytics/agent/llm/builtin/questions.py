"""Reading a question: normalising its text, numbers as people write them, and the filters it names.

Everything here turns free text into values: `parse_number` ('2.5k', 'a dozen', 'twenty-five'),
`extract_filters` (row count, location, follower threshold, verification, plus notes on what could not be
applied) and `normalise`. Deciding which intent a question belongs to is the intents' job, not this
module's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Filters", "extract_filters", "normalise", "parse_number"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# Long inputs are pasted text, not questions; capping keeps the lazy location pattern cheap.
_MAX_QUESTION_CHARS = 500


def normalise(question: str) -> str:
    text = unicodedata.normalize("NFC", question or "")[:_MAX_QUESTION_CHARS]
    text = text.replace("’", "'").replace("‘", "'")
    return " ".join(text.split())


# --- numbers -------------------------------------------------------------------------------------------

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {
    "hundred": 100, "thousand": 1_000, "k": 1_000,
    "million": 1_000_000, "m": 1_000_000, "mm": 1_000_000, "mn": 1_000_000, "mil": 1_000_000,
}  # fmt: skip

_ALT = "|".join
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WORD = (
    rf"(?:(?:a\s+)?dozen|a(?=\s+(?:hundred|thousand|million))"
    rf"|(?:{_ALT(_TENS)})(?:[-\s](?:{_ALT(list(_UNITS)[:9])})(?!\w))?"
    rf"|{_ALT(sorted(_UNITS, key=len, reverse=True))})"
)
_WORD_SCALE = r"\s*(?:hundred|thousand|million)"
_LETTER_SCALE = r"(?:k|mm|mn|mil|m)"
NUMBER = rf"(?<![\w.,])(?:{_DIGITS}|{_WORD})(?:{_WORD_SCALE}|{_LETTER_SCALE})?(?!\w)"
# A number with a thousand/million scale: "10k followers" is a threshold, never a row count.
_BIG_NUMBER = rf"(?<![\w.,])(?:{_DIGITS}|{_WORD})\s*(?:thousand|million|{_LETTER_SCALE})(?!\w)"
_NUMBER_PARTS = re.compile(rf"(.*?)\s*({_ALT(sorted(_SCALES, key=len, reverse=True))})?", re.IGNORECASE)


def parse_number(text: str) -> int:
    """A number as people write it: '1,500', '2.5k', '1M', 'ten', 'a dozen', 'twenty-five', 'ten thousand'."""
    match = _NUMBER_PARTS.fullmatch(text.strip().lower())
    if match is None:  # pragma: no cover - the pattern accepts every string
        raise ValueError(f"not a number: {text!r}")
    base_text, scale = match.group(1).strip(), match.group(2)
    if not base_text or base_text == "a":
        base = 1.0
    elif base_text[0].isdigit():
        base = float(base_text.replace(",", ""))
    elif base_text.endswith("dozen"):
        base = 12.0
    else:
        base = float(sum(_UNITS.get(word, 0) + _TENS.get(word, 0) for word in re.split(r"[-\s]+", base_text)))
    return int(round(base * (_SCALES[scale] if scale else 1)))


# --- filters -------------------------------------------------------------------------------------------

_FLAGS = re.IGNORECASE
_AT_LEAST = (
    r"(?:over|more\s+than|above|at\s+least|greater\s+than|bigger\s+than|larger\s+than|no\s+(?:less|fewer)\s+than"
    r"|not\s+less\s+than|minimum(?:\s+of)?|min\.?|upwards\s+of|north\s+of|in\s+excess\s+of|exceeding|>=|≥|>)"
)
_FOLLOWER_COUNT = r"(?:\s+(?:followers?|fans))?"
_MIN_PATTERNS = [
    re.compile(rf"(?<![\w>])(?:{_AT_LEAST})\s*(?P<n>{NUMBER})(?:\s*\+)?{_FOLLOWER_COUNT}", _FLAGS),
    re.compile(rf"(?P<n>{NUMBER})\s*\+{_FOLLOWER_COUNT}", _FLAGS),
    re.compile(rf"(?P<n>{NUMBER})(?:\s+followers)?\s+or\s+(?:more|above|higher){_FOLLOWER_COUNT}", _FLAGS),
    re.compile(rf"(?<!\w)(?:with|having|have|has)\s+(?P<n>{NUMBER})\s+followers", _FLAGS),
    re.compile(rf"(?P<n>{_BIG_NUMBER})\s+followers", _FLAGS),
]
_MAX_PATTERN = re.compile(
    rf"(?<![\w<])(?:under|below|less\s+than|fewer\s+than|no\s+more\s+than|<=|≤|<)\s*(?P<n>{NUMBER}){_FOLLOWER_COUNT}",
    _FLAGS,
)
_UNVERIFIED = re.compile(
    r"(?<!\w)(?:un-?verified|non-?verified|not\s+verified|(?:is|are)(?:\s+not|n't|nt)\s+verified"
    r"|without\s+(?:a\s+)?(?:blue\s+)?(?:check(?:mark)?|tick|verification))(?!\w)",
    _FLAGS,
)
_VERIFIED = re.compile(r"(?<!\w)(?:verified|blue\s+(?:check(?:mark)?|tick)s?|checkmarks?)(?!\w)", _FLAGS)
_LOCATION_LEAD = r"(?<!\w)(?:(?:based|located|living|residing|live|lives)\s+(?:in|out\s+of)|from|in)\s+"
_LOCATION_STOP = (
    r"with|who|whose|that|which|having|have|has|are|is|over|above|more|at|sorted|sort|ranked|rank|by|order"
    r"|ordered|and|or|verified|unverified|not|non|please|only|plus|excluding|except|but|followers?"
)
_LOCATION = re.compile(
    rf"{_LOCATION_LEAD}(?P<loc>[^?!,;:()\[\]\n]+?)"
    rf"(?=\s*(?:[?!,;:()\[\]\n]|\.(?:\s|$)|$)|\s+(?:{_LOCATION_STOP})(?!\w))",
    _FLAGS,
)
# "in terms of", "from my audience", "in the last month": the words after in/from that are not places.
_NOT_PLACES = frozenset(
    "my your our their his her its me us them you it this that these those terms order total general "
    "particular last past recent detail details descending ascending short brief summary reach value a an "
    "any all each every which what one world audience list table markdown full there here numbers size "
    "common front mind return case fact addition number".split()
)
_YEAR = re.compile(r"(?<!\w)(?:in|since|during|for|of|from|until)\s+(?:19|20)\d{2}(?!\w)", _FLAGS)
_SINGULAR = re.compile(
    r"(?<!\w)(?:my|the|which|one)\s+(?:[\w-]+\s+){0,3}?follower(?![\w'])(?!\s+count)", _FLAGS
)


@dataclass(frozen=True)
class Filters:
    limit: int
    location: str | None
    min_followers: int | None
    verified: bool | None
    notes: tuple[str, ...]
    explicit: bool  # whether the question named a filter or a number, not just a ranking word

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {"limit": self.limit}
        for key in ("location", "min_followers", "verified"):
            value = getattr(self, key)
            if value is not None:
                args[key] = value
        return args


def extract_filters(text: str) -> Filters:
    notes: list[str] = []
    work = text
    verified: bool | None = None
    if _UNVERIFIED.search(work):
        verified = False
    elif _VERIFIED.search(work):
        verified = True
    # Thresholds come out first so their numbers are never read as a row count or a place; upper bounds
    # before lower ones, so "under 1k followers" is not mistaken for "1k followers".
    for match in _MAX_PATTERN.finditer(work):
        notes.append(
            f"I can't filter by a maximum follower count yet, so “{match.group(0).strip()}” was not applied."
        )
    work = _MAX_PATTERN.sub(" ; ", work)
    min_followers: int | None = None
    for pattern in _MIN_PATTERNS:
        for match in pattern.finditer(work):
            min_followers = max(min_followers or 0, parse_number(match.group("n")))
        work = pattern.sub(" ; ", work)
    # A year ("in 2024") is neither a place nor a row count.
    work = _YEAR.sub(" ; ", work)
    location, work = _extract_location(work)
    limit = DEFAULT_LIMIT
    number = re.search(NUMBER, work, _FLAGS)
    if number is not None:
        asked = parse_number(number.group(0))
        limit = min(max(asked, 1), MAX_LIMIT)
        if asked > MAX_LIMIT:
            notes.append(
                f"I can list at most {MAX_LIMIT} followers at a time, so this shows the top {MAX_LIMIT}."
            )
    elif _SINGULAR.search(work):
        limit = 1
    explicit = number is not None or any(v is not None for v in (location, min_followers, verified))
    return Filters(limit, location, min_followers, verified, tuple(notes), explicit)


def _extract_location(text: str) -> tuple[str | None, str]:
    # Searched position by position, not with finditer: a rejected "in my audience from Berlin" must not
    # swallow the "from Berlin" inside it.
    position = 0
    while (match := _LOCATION.search(text, position)) is not None:
        place = re.sub(r"^the\s+", "", match.group("loc").strip(), flags=_FLAGS).strip(" '\"")
        first = place.split()[0].lower() if place else ""
        if place and first not in _NOT_PLACES and re.search(r"[^\W\d_]", place):
            return place, text[: match.start()] + " ; " + text[match.end() :]
        position = match.start() + 1
    return None, text
