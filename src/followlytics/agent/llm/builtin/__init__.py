"""The built-in offline engine: answers the questions it recognises with no model, no key and no network.

A question is offered to a short list of intents (`INTENTS`) in order; the first that recognises it plans
the tool calls and later renders the answer from their results. Each analysis plugs in as one more
`Intent` object in that tuple, more specific ones first, rather than as more branches in one regex. Before
that answer is used, `followups.py` checks whether the question leans on the conversation ("and the next
10?", "what about in Berlin?", "compare that with @rival") and, if so, changes the previous turn's calls
instead. A question nothing recognises gets an honest account of what the engine can do.

A call whose data was never imported comes back as `MissingData`: the answer renders the calls that did
run and ends with what to import, quoting the error's own instructions.

This package owns the engine itself (`BuiltinEngine`), the `Intent` protocol, the `INTENTS` tuple and the
capability answer. One module per intent family: `top_followers.py` (value and engagement ranking),
`connections.py` (influencers, mutuals, collaborations), `themes.py` (themes and locations), `content.py`
(post ideas and trends), `competitors.py`, `timing.py` (posting times), `changes.py` (follower changes) and
`overview.py` (top followers, themes and places in one answer),
each with its `*_answers.py` renderer (top followers: `answers.py`). Reading a question lives in
`questions.py` (numbers, filters, handles) and `times.py` (windows, time zones); the tool contract in
`calls.py`; safe Markdown in `markdown.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from followlytics.agent.llm import MissingData, Plan, Turn
from followlytics.agent.llm.builtin.change_answers import RENDERERS as CHANGE_RENDERERS
from followlytics.agent.llm.builtin.changes import FollowerChangesIntent
from followlytics.agent.llm.builtin.competitor_answers import RENDERERS as COMPETITOR_RENDERERS
from followlytics.agent.llm.builtin.competitors import CompetitorIntent
from followlytics.agent.llm.builtin.connection_answers import RENDERERS as CONNECTION_RENDERERS
from followlytics.agent.llm.builtin.connections import CollaborationIntent, InfluencersIntent, MutualsIntent
from followlytics.agent.llm.builtin.content import ContentIdeasIntent
from followlytics.agent.llm.builtin.content_answers import RENDERERS as CONTENT_RENDERERS
from followlytics.agent.llm.builtin.followups import followup_plan
from followlytics.agent.llm.builtin.markdown import Renderer, missing_section, note_lines, render_plan
from followlytics.agent.llm.builtin.overview import OverviewIntent
from followlytics.agent.llm.builtin.questions import correct_typos, normalise, parse_number
from followlytics.agent.llm.builtin.theme_answers import RENDERERS as THEME_RENDERERS
from followlytics.agent.llm.builtin.themes import LocationsIntent, ThemesIntent
from followlytics.agent.llm.builtin.timing import PostingTimesIntent
from followlytics.agent.llm.builtin.timing_answers import RENDERERS as TIMING_RENDERERS
from followlytics.agent.llm.builtin.top_followers import TopFollowersIntent
from followlytics.agent.tools import ToolCallRecord

__all__ = ["INTENTS", "BuiltinEngine", "Intent", "TopFollowersIntent", "capability_answer", "parse_number"]


class Intent(Protocol):
    """One family of questions: recognises them, plans their tool calls, renders their answer."""

    @property
    def name(self) -> str:
        """The intent's name, recorded in `Plan.intent`."""
        ...

    @property
    def tools(self) -> tuple[str, ...]:
        """The tools whose results this intent renders (a follow-up's calls pick their intent by these)."""
        ...

    def plan(self, text: str) -> Plan | None:
        """A plan for `text` (already normalised), or None when this intent does not recognise it."""
        ...

    def render(self, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str) -> str:
        """The Markdown answer from the results of the planned calls (only calls that ran)."""
        ...


class BuiltinEngine:
    name = "builtin"

    def __init__(self, intents: Sequence[Intent] | None = None) -> None:
        self._intents: tuple[Intent, ...] = tuple(intents if intents is not None else INTENTS)

    def plan(self, question: str, history: Sequence[Turn] = ()) -> Plan:
        text = correct_typos(normalise(question))
        standalone = next((plan for intent in self._intents if (plan := intent.plan(text)) is not None), None)
        if history and text:
            followup = followup_plan(text, history, standalone)
            if followup is not None:
                return followup if followup.intent else self._named(followup)
        if standalone is not None:
            return standalone
        return Plan(intent=None, answer=capability_answer(asked=bool(text)))

    def compose(
        self, question: str, plan: Plan, records: Sequence[ToolCallRecord], *, account_handle: str
    ) -> str:
        intent = next((intent for intent in self._intents if intent.name == plan.intent), None)
        if intent is None:
            return plan.answer or capability_answer(asked=bool(question.strip()))
        missing = [record for record in records if isinstance(record.result, MissingData)]
        answered = [record for record in records if not isinstance(record.result, MissingData)]
        if not missing:
            return self._render(intent, plan, answered, account_handle)
        parts = []
        if answered:
            parts.append(self._render(intent, plan, answered, account_handle))
        else:
            parts.append(_missing_headline(missing))
            parts += note_lines(plan.notes)
        parts.append(missing_section(missing))
        return "\n\n".join(parts)

    @staticmethod
    def _render(intent: Intent, plan: Plan, records: Sequence[ToolCallRecord], account_handle: str) -> str:
        # A follow-up can mix families (an overview narrowed to a place); each call then gets its own
        # family's section instead of the intent's.
        if all(record.name in getattr(intent, "tools", (record.name,)) for record in records):
            return intent.render(plan, records, account_handle=account_handle)
        return render_plan(plan, records, RENDERERS, account_handle)

    def _named(self, plan: Plan) -> Plan:
        """A follow-up's plan, named after the intent that renders its first call."""
        tool = plan.calls[0].tool if plan.calls else None
        owner = next((intent for intent in self._intents if intent.name == tool), None) or next(
            (intent for intent in self._intents if tool in getattr(intent, "tools", ())), None
        )
        return Plan(
            intent=owner.name if owner else None,
            calls=plan.calls,
            answer=plan.answer,
            notes=plan.notes,
        )


def _missing_headline(missing: Sequence[ToolCallRecord]) -> str:
    analyses = sorted({record.name.replace("_", " ") for record in missing})
    return (
        f"**I can't answer this from the data imported so far** ({', '.join(analyses)}). "
        "Here is what to import:"
    )


_EXAMPLES = [
    ("Your most valuable or most engaged followers", "filtered by location, follower count, verification",
     "Who are my 10 most engaged followers in London?"),
    ("Influencers among your followers", "above a follower threshold", "Influencers over 50k followers"),
    ("Mutual connections", "followers you follow back", "Who are my mutuals?"),
    ("Collaboration partners", "with outreach DMs to review", "Suggest collab partners in the AI space"),
    ("Audience themes", "keywords, hashtags, segments, languages", "What do my followers care about?"),
    ("Where your followers are", "cities and countries", "Top 5 countries of my followers"),
    ("What to post", "ideas from your segments and trending terms", "Content ideas from the last 7 days"),
    ("Competitors", "overlap, who to win, what they do better", "What is @rival doing better than me?"),
    ("Best posting times", "in your time zone", "When should I post, in Berlin time?"),
    ("Follower changes", "gained, lost, net, notable", "Who unfollowed me this month?"),
    ("An overview", "top followers, themes and places together", "Give me an overview of my audience"),
]  # fmt: skip


def capability_answer(*, asked: bool = True) -> str:
    """What the engine can answer, with example questions; used for anything it does not recognise."""
    opening = (
        "I can't answer that one yet — I'd rather say so than guess."
        if asked
        else "Ask me something about your followers."
    )
    lines = [f"- **{what}** ({detail}): *{example}*" for what, detail, example in _EXAMPLES]
    return "\n".join(
        [
            opening,
            "",
            "Here is what I can answer from your imported data:",
            "",
            *lines,
            "",
            "Follow-ups build on the previous question: *what about in Berlin?*, *and the next 10?*, "
            "*only verified ones*, *show 20 instead*, *compare that with @rival*.",
        ]
    )


# Every tool's section writer, for answers that mix families.
RENDERERS: dict[str, Renderer] = {
    **CONNECTION_RENDERERS,  # includes top_followers
    **THEME_RENDERERS,
    **CONTENT_RENDERERS,
    **COMPETITOR_RENDERERS,
    **TIMING_RENDERERS,
    **CHANGE_RENDERERS,
}

INTENTS: tuple[Intent, ...] = (
    CompetitorIntent(),
    PostingTimesIntent(),
    FollowerChangesIntent(),
    CollaborationIntent(),
    MutualsIntent(),
    ContentIdeasIntent(),
    LocationsIntent(),
    OverviewIntent(),
    ThemesIntent(),
    InfluencersIntent(),
    TopFollowersIntent(),
)
