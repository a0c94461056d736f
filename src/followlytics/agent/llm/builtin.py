"""The built-in offline engine: answers the questions it recognises with no model, no key and no network.

A question is offered to a short list of intents (`INTENTS`) in order; the first that recognises it plans
the tool calls and later renders the answer from their results. A new analysis (themes, timing,
connections, competitors) plugs in as one more `Intent` object in that tuple, more specific ones first,
rather than as more branches in one regex. A question no intent recognises gets an honest account of what
the engine can do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from followlytics.agent.llm import Plan, PlannedCall
from followlytics.agent.tools import ToolCallRecord
from followlytics.analytics.ranking import TopFollowersResult

__all__ = ["INTENTS", "BuiltinEngine", "Intent", "TopFollowersIntent", "capability_answer", "parse_number"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# Long inputs are pasted text, not questions; capping keeps the lazy location pattern cheap.
_MAX_QUESTION_CHARS = 500


class Intent(Protocol):
    """One family of questions: recognises them, plans their tool calls, renders their answer."""

    @property
    def name(self) -> str:
        """The intent's name, recorded in `Plan.intent`."""
        ...

    def plan(self, text: str) -> Plan | None:
        """A plan for `text` (already normalised), or None when this intent does not recognise it."""
        ...

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        """The Markdown answer from the results of the planned calls."""
        ...


class BuiltinEngine:
    name = "builtin"

    def __init__(self, intents: Sequence[Intent] | None = None) -> None:
        self._intents: tuple[Intent, ...] = tuple(intents if intents is not None else INTENTS)

    def plan(self, question: str) -> Plan:
        text = _normalise(question)
        for intent in self._intents:
            plan = intent.plan(text)
            if plan is not None:
                return plan
        return Plan(intent=None, answer=capability_answer(asked=bool(text)))

    def compose(
        self, question: str, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str
    ) -> str:
        for intent in self._intents:
            if intent.name == plan.intent:
                return intent.render(plan, records, account_handle=account_handle)
        return plan.answer or capability_answer(asked=bool(question.strip()))


def capability_answer(*, asked: bool = True) -> str:
    """What the engine can answer today, with example questions; used for anything it does not recognise."""
    opening = (
        "I can't answer that one yet — I'd rather say so than guess."
        if asked
        else "Ask me something about your followers."
    )
    return "\n".join(
        [
            opening,
            "",
            "Right now I can **rank your followers by value** (reach, activity, credibility and, when "
            "imported, engagement) and filter them by location, follower count and verification. Try:",
            "",
            "- *Who are my 10 most valuable followers?*",
            "- *Top 5 verified followers in London*",
            "- *Followers based in New York with over 10k followers*",
            "",
            "Analyses of your audience's themes, best posting times, connections (influencers, mutuals) "
            "and competitors are coming.",
        ]
    )


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


# --- the top-followers question family -----------------------------------------------------------------

_FLAGS = re.IGNORECASE
_AUDIENCE = re.compile(r"(?<!\w)(?:followers?|audience|fans)(?!\w)", _FLAGS)
_CUES = re.compile(
    r"(?<!\w)(?:top|best|most|biggest|largest|greatest|highest|leading|strongest|influential|important|valuable"
    r"|value|key|notable|prominent|famous|popular|relevant|engaged|loyal|vips?|superfans?|whales?|rank\w*"
    r"|matter\w*|attention|worth|who|whom|which|show|list|give|find|name)(?!\w)",
    _FLAGS,
)
# Words that point at an analysis this intent does not do; those questions must not get a ranking.
_OTHER_ANALYSES = re.compile(
    r"(?<!\w)(?:when|time|times|timing|hours?|days?|weekdays?|weeks?|months?|schedule|online|topics?|themes?"
    r"|talk(?:ing)?\s+about|interests?|interested|post\s+about|write\s+about|content|competitors?|rivals?"
    r"|compare\w*|comparison|versus|vs|mutuals?|overlap\w*|also\s+follow|follow\s+back|unfollow\w*|grow\w*"
    r"|gain\w*|lost|lose|losing|churn\w*|trend\w*|drafts?|ideas?|write|compose|send|bots?|fake|spam\w*"
    r"|how\s+many)(?!\w)",
    _FLAGS,
)
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
class _Filters:
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


def _extract_filters(text: str) -> _Filters:
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
    return _Filters(limit, location, min_followers, verified, tuple(notes), explicit)


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


@dataclass(frozen=True)
class TopFollowersIntent:
    """'Who are my most valuable followers?' in its many phrasings -> the `top_followers` tool."""

    name: str = "top_followers"
    tool: str = "top_followers"

    def plan(self, text: str) -> Plan | None:
        if not _AUDIENCE.search(text) or _OTHER_ANALYSES.search(text):
            return None
        filters = _extract_filters(text)
        if not (filters.explicit or _CUES.search(text)):
            return None
        return Plan(
            intent=self.name,
            calls=(PlannedCall(tool=self.tool, arguments=filters.arguments()),),
            notes=filters.notes,
        )

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        sections = [
            _render_top_followers(record, record.result, plan.notes, account_handle)
            for record in records
            if record.name == self.tool and isinstance(record.result, TopFollowersResult)
        ]
        if not sections:
            return "I couldn't rank your followers: the ranking tool returned nothing."
        return "\n\n".join(sections)


INTENTS: tuple[Intent, ...] = (TopFollowersIntent(),)


# --- rendering -----------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")


def _md(text: object) -> str:
    """User-provided text made inert inside Markdown: one line, no markup, no links, no table breaks."""
    flat = " ".join(str(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat)
    # GFM turns bare URLs into links; breaking the scheme separator and `www.` keeps them plain text.
    escaped = re.sub(r"(?i)(?<=[a-z0-9]):(/+)", lambda m: ":" + "\\/" * len(m.group(1)), escaped)
    return re.sub(r"(?i)\bwww\.", r"www\\.", escaped)


def _code(text: object) -> str:
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def _filter_labels(args: dict[str, Any]) -> list[str]:
    labels = []
    if args.get("location"):
        labels.append(f"in {_md(args['location'])}")
    if args.get("verified") is True:
        labels.append("verified")
    elif args.get("verified") is False:
        labels.append("unverified")
    if args.get("min_followers") is not None:
        labels.append(f"at least {args['min_followers']:,} followers")
    return labels


def _render_top_followers(
    record: ToolCallRecord, result: TopFollowersResult, notes: Sequence[str], account_handle: str
) -> str:
    args = record.arguments
    handle = _md(account_handle.lstrip("@"))
    labels = _filter_labels(args)
    parts = [_headline(result, labels, handle)]
    parts += [f"_Note: {_md(note)}_" for note in notes]
    if result.followers:
        parts.append(_table(result))
        recommendations = _recommendations(result, args, labels)
    else:
        recommendations = _relax_recommendations(result, args)
    parts.append("**What to do**\n" + "\n".join(f"- {line}" for line in recommendations))
    parts.append(_evidence(record, result))
    return "\n\n".join(parts)


def _headline(result: TopFollowersResult, labels: list[str], handle: str) -> str:
    filters = f"filters: {', '.join(labels)}"
    if result.total_followers == 0:
        return f"**No followers to rank for @{handle} yet** — the snapshot holds no followers."
    if not result.followers:
        return (
            f"**No follower of @{handle} matched the filters** ({filters}) — "
            f"checked {_plural(result.total_followers, 'follower')}."
        )
    shown = len(result.followers)
    what = "most valuable follower" if shown == 1 else f"{shown:,} most valuable followers"
    if labels:
        return (
            f"**Your {what} of @{handle}** — {result.matched:,} of {result.total_followers:,} "
            f"followers match ({filters})"
        )
    return f"**Your {what} of @{handle}** — out of {_plural(result.total_followers, 'follower')}"


def _table(result: TopFollowersResult) -> str:
    rows = ["| # | Follower | Followers | Score | Why |", "|---:|---|---:|---:|---|"]
    for follower in result.followers:
        who = f"@{_md(follower.username)}"
        if follower.name and follower.name != follower.username:
            who += f" ({_md(follower.name)})"
        if follower.verified:
            who += " ✓"
        if follower.protected:
            who += " (protected)"
        count = "—" if follower.followers_count is None else f"{follower.followers_count:,}"
        why = "; ".join(_md(reason) for reason in follower.reasons) or "—"
        rows.append(f"| {follower.rank} | {who} | {count} | {follower.score:.1f} | {why} |")
    return "\n".join(rows)


def _recommendations(result: TopFollowersResult, args: dict[str, Any], labels: list[str]) -> list[str]:
    candidates = [
        _too_few(result, args, labels),
        _reach(result),
        _verified_share(result, args, labels),
        _location_cluster(result, args),
        _engagement(result),
        _protected(result),
    ]
    chosen = [line for line in candidates if line][:4]
    if len(chosen) < 2:
        chosen.append(_narrow_down(result, labels))
    return chosen


def _too_few(result: TopFollowersResult, args: dict[str, Any], labels: list[str]) -> str | None:
    asked = int(args.get("limit", DEFAULT_LIMIT))
    if not labels or result.matched >= asked:
        return None
    if args.get("min_followers"):
        loosen = f"a lower minimum than {args['min_followers']:,} followers"
    elif args.get("location"):
        loosen = "a broader location (the region or country)"
    else:
        loosen = "no verification filter"
    return (
        f"Only {_plural(result.matched, 'follower')} match these filters (you asked for {asked:,}) — "
        f"try {loosen} to see more."
    )


def _reach(result: TopFollowersResult) -> str | None:
    counted = [f for f in result.followers if f.followers_count is not None]
    if not counted:
        return None
    top = max(counted, key=lambda f: (f.followers_count or 0, -f.rank))
    count = top.followers_count or 0
    lead = f"**@{_md(top.username)}** has the most reach here ({count:,} followers, ranked #{top.rank})"
    if top.protected:
        return f"{lead}; it is protected, so reach out directly: DM them or reply when they mention you."
    return (
        f"{lead}. Reply to their next posts and look for a collaboration: one share from them puts you in "
        f"front of {count:,} people."
    )


def _verified_share(result: TopFollowersResult, args: dict[str, Any], labels: list[str]) -> str | None:
    if args.get("verified") is not None or result.matched == 0:
        return None
    shown = len(result.followers)
    top_verified = sum(1 for f in result.followers if f.verified)
    top_share = top_verified / shown
    all_share = result.verified_matched / result.matched
    line = (
        f"{top_verified:,} of your top {shown:,} {'is' if top_verified == 1 else 'are'} verified, versus "
        f"{all_share:.0%} of {'all' if labels else 'all your'} {result.matched:,} "
        f"{'matching ' if labels else ''}followers ({result.verified_matched:,} verified)"
    )
    if top_verified == 0:
        return f"{line} — your most valuable followers earned it through reach and activity, not a checkmark."
    # "Above their weight" means clearly over-represented: at least twice the audience's share and 5 points.
    if top_share >= 2 * all_share and top_share - all_share >= 0.05:
        return f"{line} — verified accounts punch above their weight here; engage them first."
    return f"{line} — in line with your audience as a whole."


def _location_cluster(result: TopFollowersResult, args: dict[str, Any]) -> str | None:
    if args.get("location") or not result.top_locations:
        return None
    place, count = result.top_locations[0]
    shown = len(result.followers)
    if count < 2 or count / shown < 0.3:
        return None
    place = _md(place)
    return (
        f"{count:,} of your top {shown:,} are in {place} — worth a local meetup, or time some posts for "
        f"{place} hours."
    )


def _protected(result: TopFollowersResult) -> str | None:
    locked = [f for f in result.followers if f.protected]
    if not locked:
        return None
    names = ", ".join(f"@{_md(f.username)}" for f in locked[:3]) + (", …" if len(locked) > 3 else "")
    verb = "is a protected account" if len(locked) == 1 else "are protected accounts"
    return (
        f"{len(locked):,} of your top {len(result.followers):,} {verb} ({names}): you can't see their posts "
        "unless they accept a follow request — send one, or engage when they reply to you."
    )


def _engagement(result: TopFollowersResult) -> str | None:
    if result.has_engagement:
        return None
    return (
        "These scores use profile data only. Import engagement data (a CSV with an `interactions` column) "
        "so followers who actually like, reply to and repost you rank higher."
    )


def _narrow_down(result: TopFollowersResult, labels: list[str]) -> str:
    if labels:
        return "Widen or drop a filter to compare these followers with the rest of your audience."
    place = _md(result.top_locations[0][0]) if result.top_locations else "London"
    return f"Narrow it down with a filter, e.g. *top 10 verified followers in {place}*."


def _relax_recommendations(result: TopFollowersResult, args: dict[str, Any]) -> list[str]:
    if result.total_followers == 0:
        return [
            "Import your followers (an X API sync, or a JSONL or CSV file) and ask again.",
            "Add engagement data (an `interactions` column) at the same time so the ranking can use it.",
        ]
    lines = []
    if args.get("location"):
        lines.append(
            f"No follower's profile location contains “{_md(args['location'])}” (with the other filters) — "
            "try a broader place (the country or region), another spelling, or drop the location."
        )
    if args.get("min_followers") is not None:
        lower = max(args["min_followers"] // 10, 1)
        lines.append(f"Lower the minimum from {args['min_followers']:,} followers, e.g. to {lower:,}.")
    if args.get("verified") is not None:
        word = "verified" if args["verified"] else "unverified"
        lines.append(f"Drop “{word}” to include every account.")
    lines.append(
        f"Ask *who are my most valuable followers?* with no filters to rank all "
        f"{result.total_followers:,} of them."
    )
    return lines[:4]


def _evidence(record: ToolCallRecord, result: TopFollowersResult) -> str:
    evidence = result.evidence
    taken = f" (taken {_md(evidence.snapshot_created_at)})" if evidence.snapshot_created_at else ""
    filters = ", ".join(f"{_md(key)} = {_md(_plain(value))}" for key, value in evidence.filters.items())
    engagement = "used" if result.has_engagement else "not imported"
    lines = [
        f"- Snapshot: {_code(evidence.snapshot)}{taken}",
        f"- Rows read: {evidence.rows_read:,}; rows matched: {evidence.rows_matched:,}",
        f"- Fields used: {', '.join(_md(field) for field in evidence.fields) or 'none'}",
        f"- Filters: {filters or 'none'}",
        f"- Method: {_md(evidence.method)}; engagement data: {engagement}",
        f"- Tool: {_code(record.name)} — {record.summary}",
    ]
    return "**Evidence**\n" + "\n".join(lines)


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _normalise(question: str) -> str:
    text = unicodedata.normalize("NFC", question or "")[:_MAX_QUESTION_CHARS]
    text = text.replace("’", "'").replace("‘", "'")
    return " ".join(text.split())
