"""Follow-ups: questions that lean on the conversation ("what about in Berlin?", "and the next 10?",
"compare that with @rival", "only verified ones", "show 20 instead").

A follow-up takes the calls of the most recent turn that made any, in canonical form (see `calls.py`), and
changes what the new question names:

    a place            location on tools that take one; posting_times gets the place's time zone; the
                       location breakdown becomes "top followers in <place>"
    "next 10", "more"  offset += the previous limit (limit = the new count, if given); tools without
                       offset show more rows instead
    a count            limit ("show 20 instead"), clamped to the tool's maximum
    verified, thresholds, sort by engagement, time window, time zone, segments, source, topic
                       set where the tool takes them; influential_followers moves to top_followers when it
                       needs an upper bound or an engagement sort
    @handle            competitor tools get the new handle; any other question switches to the competitor
                       tool of its family: follower lists -> competitor_overlap, collaboration ->
                       competitor_targets, audience and timing questions -> competitor_comparison

`followup_plan` decides whether a question is a follow-up at all: one no intent recognises on its own that
names a modifier (or "again"); one its own intent recognises as the previous turn's family, when it leads
with "and" / "what about" or refers back ("those", "same", "instead"); or "compare that with @rival". A
question about another topic is a new question ("and what about my mutuals?"), except that a pronoun
("what do they care about?") carries the previous location over. Whatever cannot be applied becomes a note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from followlytics.agent.llm import Plan, PlannedCall, Turn
from followlytics.agent.llm.builtin.calls import COMPETITOR_TOOLS, TOOLS, ToolSpec, canonical, make_call
from followlytics.agent.llm.builtin.connections import extract_topic
from followlytics.agent.llm.builtin.questions import NUMBER, extract_filters, extract_handles, parse_number
from followlytics.agent.llm.builtin.times import (
    Window,
    extract_timezone,
    extract_window,
    place_timezone,
    weeks_of,
)
from followlytics.agent.llm.builtin.timing import posting_source
from followlytics.agent.llm.builtin.top_followers import ENGAGEMENT, is_bare_filter

__all__ = ["Modifiers", "apply_modifiers", "followup_plan", "read_modifiers"]

_FLAGS = re.IGNORECASE
_LEAD = re.compile(
    r"^\W*(?:and|but|also|ok(?:ay)?|so|now|then|alright|what\s+about|how\s+about|what\s+if|same|only|just"
    r"|except|instead|again|next|more|show\s+me\s+(?:the\s+)?(?:same|next|more)|can\s+you\s+(?:also|now)"
    r"|(?:do|try)\s+(?:the\s+)?same)(?!\w)",
    _FLAGS,
)
_REFERENCE = re.compile(
    r"(?<!\w)(?:that|this|those|these|them|they|it|same|ones|instead|again|too|as\s+well|the\s+list|above"
    r"|previous|earlier|rest|remaining)(?!\w)",
    _FLAGS,
)
_POINTER = re.compile(r"(?<!\w)(?:that|this|those|these|them|they|it|the\s+same)(?!\w)", _FLAGS)
_CARRY_PRONOUN = re.compile(r"(?<!\w)(?:they|them|those|these|their)(?!\w)", _FLAGS)
_OWN = re.compile(r"(?<!\w)(?:my|me|i|mine|our|us|we|followers?|audience)(?!\w)", _FLAGS)
_NEXT = re.compile(
    r"(?<!\w)(?:next|(?<!or\s)more(?!\s+than)|another|further|keep\s+going|continue|rest|remaining"
    r"|page\s+\d+)(?!\w)",
    _FLAGS,
)
_REPEAT = re.compile(
    r"(?<!\w)(?:again|repeat|refresh|rerun|re-run|once\s+more|update\s+(?:it|that))(?!\w)", _FLAGS
)
_BY_VALUE = re.compile(r"(?<!\w)(?:by\s+value|most\s+valuable|value\s+score)(?!\w)", _FLAGS)
_SEGMENT_COUNT = re.compile(
    rf"(?<![\w.,])(?P<n>{NUMBER})\s+(?:segments?|clusters?|groups?|personas?|niches?|buckets)(?!\w)", _FLAGS
)
# Words a follow-up is made of that are not a place or topic: what is left after them is one ("what
# about Berlin?" -> "Berlin").
_FILLER = frozenset(
    "a an the and but also ok okay so now then what how about if same only just except instead "
    "again next more ones one those these them that this it they their show me give list please too "
    "as well for in from with of to followers follower audience people accounts verified unverified "
    "top best most by sort sorted rank ranked thing things can could would you do does did i my see "
    "let lets let's say try make be is are was were cool great nice hmm rather there here all any "
    "some other others else like compare comparison versus vs against page pages results rows lot bunch "
    "batch set list".split()
)
_SWITCH = {
    "top_followers": "competitor_overlap",
    "mutual_connections": "competitor_overlap",
    "influential_followers": "competitor_comparison",
    "collaboration_suggestions": "competitor_targets",
    "audience_themes": "competitor_comparison",
    "audience_locations": "competitor_comparison",
    "content_ideas": "competitor_comparison",
    "posting_times": "competitor_comparison",
    "follower_changes": "competitor_comparison",
}


@dataclass(frozen=True)
class Modifiers:
    """What a follow-up question changes. None / empty means "as before"."""

    competitors: tuple[str, ...] = ()
    window: Window | None = None
    timezone: str | None = None
    location: str | None = None
    place: str | None = None  # a bare name ("what about Berlin?"): a place or a topic, by the previous tool
    limit: int | None = None
    offset: int | None = None
    next_page: bool = False
    verified: bool | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    sort: str | None = None
    segments: int | None = None
    source: str | None = None
    topic: str | None = None
    repeat: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def any(self) -> bool:
        """Whether the question changes anything (`verified=False` does: "unverified only")."""
        flags = {"notes", "repeat", "next_page"}
        return (
            self.repeat
            or self.next_page
            or any(
                value is not None and value != () for key, value in self.__dict__.items() if key not in flags
            )
        )


def read_modifiers(text: str, *, topics: bool = False) -> Modifiers:
    """Everything a follow-up can change, read from `text`; with `topics`, "about X" is a topic."""
    handles, rest = extract_handles(text)
    window, rest = extract_window(rest)
    timezone, rest = extract_timezone(rest, places=False)
    topic = None
    if topics:
        topic, rest = extract_topic(rest)
    segments = None
    if (match := _SEGMENT_COUNT.search(rest)) is not None:
        segments = min(max(parse_number(match["n"]), 1), 10)
        rest = rest[: match.start()] + " ; " + rest[match.end() :]
    next_page = bool(_NEXT.search(rest))
    filters = extract_filters(rest)
    sort = "engagement" if ENGAGEMENT.search(text) else ("value" if _BY_VALUE.search(text) else None)
    source = posting_source(text)
    place = None
    if filters.location is None and (_LEAD.search(text) or re.search(r"(?i)\binstead\b", text)):
        place = _bare_name(_BY_VALUE.sub(" ", ENGAGEMENT.sub(" ", _NEXT.sub(" ", filters.rest))))
    return Modifiers(
        competitors=tuple(handles),
        window=window,
        timezone=timezone,
        location=filters.location,
        place=place,
        limit=filters.limit,
        offset=filters.offset,
        next_page=next_page,
        verified=filters.verified,
        min_followers=filters.min_followers,
        max_followers=filters.max_followers,
        sort=sort,
        segments=segments,
        source=None if source == "auto" else source,
        topic=topic,
        repeat=bool(_REPEAT.search(text)),
        notes=filters.notes,
    )


def followup_plan(text: str, history: Sequence[Turn], standalone: Plan | None) -> Plan | None:
    """The plan for `text` as a follow-up of `history`, or None when it is a question of its own."""
    previous = _previous_calls(history)
    if not previous:
        return None
    collaboration = any(call.tool == "collaboration_suggestions" for call in previous)
    mods = read_modifiers(text, topics=collaboration)
    leads = bool(_LEAD.search(text) or _REFERENCE.search(text))
    if standalone is None or not standalone.calls:
        return _apply(previous, mods) if mods.any() else None
    previous_tools = {call.tool for call in previous}
    own_tools = {call.tool for call in standalone.calls}
    if own_tools == previous_tools:
        return _apply(previous, mods) if leads else None
    if leads and standalone.intent == "top_followers" and is_bare_filter(text):
        # "how about with at least 1k followers?" after mutuals: a filter on the previous list, which only
        # looked like a ranking question because it says "followers".
        return _apply(previous, mods)
    if own_tools <= COMPETITOR_TOOLS and mods.competitors:
        # Only a question that says nothing but "that, with @rival" leans on the previous one: "what about
        # @acme?", "compare that with @rival". "Full report on @rival" says what it wants.
        rest = extract_handles(text)[1]
        if _bare_name(rest) is None:
            if previous_tools <= COMPETITOR_TOOLS and leads:
                return _apply(previous, mods)
            if not previous_tools <= COMPETITOR_TOOLS and (_POINTER.search(text) or not _OWN.search(rest)):
                return _apply(previous, mods)
    return _carry_location(text, previous, standalone)


def apply_modifiers(calls: Sequence[PlannedCall], mods: Modifiers) -> tuple[list[PlannedCall], list[str]]:
    """`calls` changed as `mods` says, in canonical form, and notes on what could not be applied."""
    notes: list[str] = list(mods.notes)
    changed: list[PlannedCall] = []
    for call in calls:
        for new in _modified(canonical(call), mods, notes):
            if new not in changed:
                changed.append(new)
    return changed, notes


def _apply(previous: Sequence[PlannedCall], mods: Modifiers) -> Plan:
    calls, notes = apply_modifiers(previous, mods)
    return Plan(intent=None, calls=tuple(calls), notes=tuple(dict.fromkeys(notes)))


def _previous_calls(history: Sequence[Turn]) -> list[PlannedCall]:
    for turn in reversed(history):
        calls = [canonical(call) for call in turn.calls if call.tool in TOOLS]
        if calls:
            return calls
    return []


def _carry_location(text: str, previous: Sequence[PlannedCall], standalone: Plan) -> Plan | None:
    """'What do they care about?' after 'top followers in London': the new question, still in London."""
    location = next((call.arguments["location"] for call in previous if call.arguments.get("location")), None)
    if location is None or not _CARRY_PRONOUN.search(text):
        return None
    calls = tuple(
        make_call(call.tool, **{**call.arguments, "location": location})
        if TOOLS.get(call.tool) and TOOLS[call.tool].takes("location") and "location" not in call.arguments
        else call
        for call in standalone.calls
    )
    return replace(standalone, calls=calls) if calls != standalone.calls else None


def _modified(call: PlannedCall, mods: Modifiers, notes: list[str]) -> list[PlannedCall]:
    if mods.competitors:
        return [_competitor(call, handle) for handle in mods.competitors]
    tool = TOOLS[call.tool]
    args: dict[str, Any] = dict(call.arguments)
    label = call.tool.replace("_", " ")
    place = mods.location or (mods.place if call.tool != "collaboration_suggestions" else None)
    topic = mods.topic or (mods.place if call.tool == "collaboration_suggestions" else None)

    # Switches first: a filter the tool cannot take but a sibling tool can.
    if call.tool == "influential_followers" and (mods.max_followers is not None or mods.sort == "engagement"):
        args.setdefault("min_followers", tool.defaults["min_followers"])
        tool, label = TOOLS["top_followers"], "top followers"
        call = PlannedCall("top_followers", args)
    if call.tool == "audience_locations" and place:
        return [make_call("top_followers", location=place)]

    def set_or_note(key: str, value: Any, what: str) -> None:
        if value is None:
            return
        if tool.takes(key):
            args[key] = value
        else:
            notes.append(f"The {label} analysis can't be filtered by {what}, so that was not applied.")

    if mods.next_page:
        _next_page(tool, args, mods.limit, notes, label)
    elif mods.limit is not None:
        limit, note = tool.bounded("limit", mods.limit, "rows") if tool.takes("limit") else (mods.limit, None)
        set_or_note("limit", limit, "a row count")
        notes += [note] if note else []
    set_or_note("offset", mods.offset, "rank")
    if place and call.tool == "posting_times":
        zone = mods.timezone or place_timezone(place, gazetteer=True)
        if zone is None:
            notes.append(f"I couldn't find a time zone for “{place}”, so times stay in the previous zone.")
        args["timezone"] = zone or args.get("timezone")
    else:
        set_or_note("location", place, "location")
        if mods.timezone is not None:
            set_or_note("timezone", mods.timezone, "time zone")
    set_or_note("verified", mods.verified, "verification")
    set_or_note("min_followers", mods.min_followers, "a minimum follower count")
    set_or_note("max_followers", mods.max_followers, "a maximum follower count")
    if mods.sort is not None and tool.takes("sort"):
        args["sort"] = mods.sort
    if mods.window is not None:
        if tool.takes("days") or tool.takes("weeks"):
            key, value = (
                ("days", mods.window.days) if tool.takes("days") else ("weeks", weeks_of(mods.window))
            )
            args[key], note = tool.bounded(key, value, key)
            notes += [note] if note else []
        else:
            notes.append(f"The {label} analysis has no time window, so that was not applied.")
    if mods.segments is not None and tool.takes("segments"):
        args["segments"] = mods.segments
    if mods.source is not None and tool.takes("source"):
        args["source"] = mods.source
    if topic and tool.takes("topic"):
        args["topic"] = topic
    return [make_call(tool.name, **args)]


def _next_page(tool: ToolSpec, args: dict[str, Any], size: int | None, notes: list[str], label: str) -> None:
    if not tool.takes("limit"):
        notes.append(f"The {label} analysis has no further rows to page through.")
        return
    shown = int(args.get("limit", tool.defaults["limit"]))
    if tool.takes("offset"):
        args["offset"] = int(args.get("offset", 0)) + shown
        args["limit"] = min(size or shown, tool.max_limit or shown)
        return
    # No offset: show the earlier rows and the next ones together.
    cap = tool.max_limit or shown + (size or shown)
    args["limit"] = min(shown + (size or shown), cap)
    if shown >= cap:
        notes.append(f"The {label} analysis lists at most {cap}, and all of them are shown.")


def _competitor(call: PlannedCall, handle: str) -> PlannedCall:
    if call.tool in COMPETITOR_TOOLS:
        return make_call(call.tool, **{**call.arguments, "competitor": handle})
    target = _SWITCH.get(call.tool, "competitor_comparison")
    spec = TOOLS[target]
    carried = {key: value for key, value in call.arguments.items() if spec.takes(key) and key != "offset"}
    return make_call(target, **carried, competitor=handle)


def _bare_name(text: str) -> str | None:
    """What is left of a short follow-up once its filler words are gone: a place or a topic, or None."""
    words = re.findall(r"[^\W_][\w'.&+-]*", text)
    kept = [
        word
        for word in words
        if word.lower() not in _FILLER and not re.fullmatch(r"[\d.,]+[km]?", word, _FLAGS)
    ]
    if not kept or len(kept) > 4:
        return None
    return " ".join(kept).strip(" .'")
