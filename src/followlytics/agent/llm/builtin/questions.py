"""Reading a question: normalising its text, numbers as people write them, and the filters it names.

Everything here turns free text into values: `parse_number` ('2.5k', 'a dozen', 'twenty-five'),
`extract_filters` (row count, ranks to skip, location, follower thresholds, verification, plus notes on
what could not be applied), `extract_handles` (competitor @handles) and `normalise`. Time windows and time
zones are read in `times.py`. Deciding which intent a question belongs to is the intents' job, not this
module's.

Thresholds are inclusive both ways: "over 50k followers" is `min_followers=50000`, "under 5k" is
`max_followers=5000`, "between 10k and 100k" gives both.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "NUMBER",
    "Filters",
    "extract_filters",
    "extract_handles",
    "correct_typos",
    "normalise",
    "parse_number",
]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# Long inputs are pasted text, not questions; capping keeps the lazy location pattern cheap.
_MAX_QUESTION_CHARS = 500


def normalise(question: str) -> str:
    text = unicodedata.normalize("NFC", question or "")[:_MAX_QUESTION_CHARS]
    text = text.replace("’", "'").replace("‘", "'")
    return " ".join(text.split())


# The words the intents key on, and their near neighbours that are words in their own right ("follows" is
# not a typo of "followers"). A word of 4+ letters close to one of these (difflib ratio >= 0.85) and not
# itself in the list is read as that word: "folowers", "influncers", "unfolowers", "mutals".
_VOCABULARY = frozenset(
    """
    follower followers following follows followed follow unfollowed unfollow unfollowers unfollowing
    influencer influencers influential mutual mutuals collaborate collaboration collaborations collaborators
    collaborator partner partners partnership verified unverified valuable engaged engagement engages
    themes topics interests interested locations location countries cities content ideas trending trends
    posting schedule timezone audience outreach messages suggest suggestions segments keywords hashtags
    growth growing gained lost compare comparison overlap competitor competitors rival rivals where when
    what which should could would where most best important biggest tweets tweet post posts about their
    there these those should shows show people accounts friends time times hours weeks months today
    week month year years hour hours day days topic theme idea interest segment keyword hashtag country
    trend message suggestion competitor friend account engage engaging collab influence thread
    threads their whose while most more month monthly weekly daily
    retweet retweets retweeted repost reposts reposted reply replies replied likes liked quote quotes
    mention mentions personas persona people posted posting tweeted tweeting topic topical follows
    """.split()
)


@cache
def _correction(word: str) -> str:
    if word in _VOCABULARY:
        return word
    close = difflib.get_close_matches(word, _VOCABULARY, n=1, cutoff=0.85)
    return close[0] if close else word


def correct_typos(text: str) -> str:
    """`text` with misspellings of the words the intents key on corrected ("folowers" -> "followers")."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        fixed = _correction(word.lower())
        return word if fixed == word.lower() else fixed

    return re.sub(r"(?<![@#\w])[A-Za-z]{4,}(?!\w)", fix, text)


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
    rf"(?<![\w<])(?:under|below|less\s+than|fewer\s+than|no\s+more\s+than|<=|≤|<)\s*(?P<n>{NUMBER})"
    rf"{_FOLLOWER_COUNT}",
    _FLAGS,
)
# "between 10k and 100k followers", "10k-100k followers", "from 1k to 5k followers": both bounds at once.
_DIGIT_NUMBER = rf"(?<![\w.,]){_DIGITS}(?:{_WORD_SCALE}|{_LETTER_SCALE})?(?!\w)"
_RANGE_PATTERN = re.compile(
    rf"(?<!\w)(?:between\s+|from\s+)?(?:(?P<low>{_DIGIT_NUMBER})\s*[-–]\s*(?P<high>{_DIGIT_NUMBER})"
    rf"|(?P<low2>{NUMBER})\s+(?:to|and)\s+(?P<high2>{NUMBER}))\s+(?:followers?|fans)",
    _FLAGS,
)
# "followers 11-20", "ranked 21 to 30", "skip the first 10": a page further down the ranking.
_RANKS = re.compile(
    r"(?<![\w.,])(?:ranked\s+|ranks?\s+|positions?\s+|numbers?\s+|#)?(?P<a>\d{1,3})\s*(?:-|–|to|through|thru)\s*#?"
    r"(?P<b>\d{1,3})(?![\w.,]|\s*(?:k|m|thousand|million|followers?|fans)(?!\w))",
    _FLAGS,
)
_SKIP = re.compile(
    rf"(?<!\w)(?:skip(?:ping)?|after|past|beyond|excluding|except)\s+(?:the\s+)?(?:first|top)\s+(?P<n>{NUMBER})",
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
    # verbs and pronouns that end a place: "followers in London care about", "in London I could steal"
    r"|i|we|you|they|care|cares|talk|talks|like|likes|love|loves|want|wants|think|do|does|did|could|would"
    r"|should|can|might|may|will|to|post|posts|tweet|tweets|follow|follows|engage|engages|interact|tend"
    r"|usually|mostly|really|say|says|get|gets|got|steal|win|target|poach|care|instead|too|also|into"
)
_LOCATION = re.compile(
    rf"{_LOCATION_LEAD}(?P<loc>[^?!,;:()\[\]\n]+?)"
    # A full stop ends the place, except after a short form such as "St. Louis" or "Mt. Vernon".
    rf"(?=\s*(?:[?!,;:()\[\]\n]|(?<!\bSt)(?<!\bMt)(?<!\bFt)\.(?:\s|$)|$)|\s+(?:{_LOCATION_STOP})(?!\w))",
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
    """What a question asked for. `limit` and `offset` are None when it did not say."""

    limit: int | None
    location: str | None
    min_followers: int | None
    verified: bool | None
    notes: tuple[str, ...]
    explicit: bool  # whether the question named a filter or a number, not just a ranking word
    max_followers: int | None = None
    offset: int | None = None
    rest: str = ""  # the question without the parts read into these values

    def arguments(
        self,
        *,
        keys: tuple[str, ...] = ("limit", "offset", "location", "min_followers", "max_followers", "verified"),
    ) -> dict[str, Any]:
        """The values the question gave, for the `keys` the tool takes."""
        return {key: getattr(self, key) for key in keys if getattr(self, key) is not None}


def extract_filters(text: str, *, max_limit: int = MAX_LIMIT, noun: str = "followers") -> Filters:
    """Row count, ranks to skip, location, follower thresholds and verification named in `text`.

    `max_limit` is the most rows the tool returns; asking for more is clamped with a note naming `noun`.
    """
    notes: list[str] = []
    work = text
    verified: bool | None = None
    if _UNVERIFIED.search(work):
        verified = False
    elif _VERIFIED.search(work):
        verified = True
    # Thresholds come out first so their numbers are never read as a row count or a place: ranges, then
    # upper bounds, then lower ones, so "under 1k followers" is not mistaken for "1k followers".
    min_followers: int | None = None
    max_followers: int | None = None
    for match in _RANGE_PATTERN.finditer(work):
        bounds = (match["low"] or match["low2"], match["high"] or match["high2"])
        low, high = sorted(parse_number(bound) for bound in bounds)
        min_followers, max_followers = low, high
    work = _RANGE_PATTERN.sub(" ; ", work)
    for match in _MAX_PATTERN.finditer(work):
        value = parse_number(match.group("n"))
        max_followers = value if max_followers is None else min(max_followers, value)
    work = _MAX_PATTERN.sub(" ; ", work)
    for pattern in _MIN_PATTERNS:
        for match in pattern.finditer(work):
            min_followers = max(min_followers or 0, parse_number(match.group("n")))
        work = pattern.sub(" ; ", work)
    # A year ("in 2024") is neither a place nor a row count.
    work = _YEAR.sub(" ; ", work)
    limit: int | None = None
    offset: int | None = None
    if (ranks := _RANKS.search(work)) is not None and 1 <= int(ranks["a"]) <= int(ranks["b"]):
        offset, limit = int(ranks["a"]) - 1, int(ranks["b"]) - int(ranks["a"]) + 1
        work = work[: ranks.start()] + " ; " + work[ranks.end() :]
    if (skip := _SKIP.search(work)) is not None:
        offset = parse_number(skip["n"])
        work = work[: skip.start()] + " ; " + work[skip.end() :]
    location, work = _extract_location(work)
    number = re.search(NUMBER, work, _FLAGS) if limit is None else None
    if number is not None:
        asked = parse_number(number.group(0))
        limit = min(max(asked, 1), max_limit)
        if asked > max_limit:
            notes.append(
                f"I can list at most {max_limit} {noun} at a time, so this shows the top {max_limit}."
            )
    elif limit is None and _SINGULAR.search(work):
        limit = 1
    explicit = number is not None or any(
        v is not None for v in (location, min_followers, max_followers, verified, offset)
    )
    return Filters(
        limit=limit,
        location=location,
        min_followers=min_followers,
        verified=verified,
        notes=tuple(notes),
        explicit=explicit,
        max_followers=max_followers,
        offset=offset,
        rest=work if number is None else work[: number.start()] + " ; " + work[number.end() :],
    )


_HANDLE = re.compile(r"(?<![\w@])@(?P<handle>[A-Za-z0-9_]{1,15})(?![\w@])")


def extract_handles(text: str) -> tuple[list[str], str]:
    """The @handles in `text` (no `@`, as typed, in order of first mention) and the text without them."""
    handles: list[str] = []
    for match in _HANDLE.finditer(text):
        if match["handle"].lower() not in (h.lower() for h in handles):
            handles.append(match["handle"])
    return handles, _HANDLE.sub(" ; ", text)


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
