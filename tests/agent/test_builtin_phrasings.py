"""How the built-in engine reads questions: intents, limits, locations, thresholds and verification."""

from __future__ import annotations

import pytest

from followlytics.agent.llm import Plan
from followlytics.agent.llm.builtin import INTENTS, BuiltinEngine, parse_number

TOP = "top_followers"

# question -> (intent, limit, location, min_followers, verified)
PHRASINGS = [
    ("Who are my most valuable followers?", (TOP, 10, None, None, None)),
    ("top 5 followers in London", (TOP, 5, "London", None, None)),
    ("verified followers with over 10k followers", (TOP, 10, None, 10_000, True)),
    ("show me my best 20 followers", (TOP, 20, None, None, None)),
    ("which followers matter most", (TOP, 10, None, None, None)),
    ("who are my biggest followers", (TOP, 10, None, None, None)),
    ("who are my most important followers", (TOP, 10, None, None, None)),
    ("Who are my key followers?", (TOP, 10, None, None, None)),
    ("rank my followers", (TOP, 10, None, None, None)),
    ("top followers from New York with at least 1,000 followers", (TOP, 10, "New York", 1_000, None)),
    ("unverified followers over 1M", (TOP, 10, None, 1_000_000, False)),
    ("my 3 most valuable followers based in São Paulo", (TOP, 3, "São Paulo", None, None)),
    ("followers with more than 50K followers", (TOP, 10, None, 50_000, None)),
    ("Who should I pay attention to among my followers?", (TOP, 10, None, None, None)),
    ("top ten followers", (TOP, 10, None, None, None)),
    ("a dozen top followers", (TOP, 12, None, None, None)),
    ("top twenty-five followers in Berlin", (TOP, 25, "Berlin", None, None)),
    ("top followers in London with over 10k followers", (TOP, 10, "London", 10_000, None)),
    ("top 10 followers with over 10k followers in London", (TOP, 10, "London", 10_000, None)),
    ("not verified followers >= 2.5k followers", (TOP, 10, None, 2_500, False)),
    ("non-verified followers with 10k+ followers", (TOP, 10, None, 10_000, False)),
    ("my top followers who aren't verified", (TOP, 10, None, None, False)),
    ("top 5 followers that are not verified", (TOP, 5, None, None, False)),
    ("followers living in Los Angeles who are verified", (TOP, 10, "Los Angeles", None, True)),
    ("top followers located in the UK", (TOP, 10, "UK", None, None)),
    ("followers with a blue check in Madrid", (TOP, 10, "Madrid", None, True)),
    ("which followers matter most in terms of reach", (TOP, 10, None, None, None)),
    ("followers in my audience from Berlin", (TOP, 10, "Berlin", None, None)),
    ("top followers over ten thousand followers", (TOP, 10, None, 10_000, None)),
    ("followers with 1M followers or more", (TOP, 10, None, 1_000_000, None)),
    ("who is my most valuable follower?", (TOP, 1, None, None, None)),
    ("Show me 15 of my followers", (TOP, 15, None, None, None)),
    ("top 500 followers", (TOP, 100, None, None, None)),
    ("my top 0 followers", (TOP, 1, None, None, None)),
    ("Who are my VIP fans in Paris?", (TOP, 10, "Paris", None, None)),
    ("Who matters most in my audience?", (TOP, 10, None, None, None)),
    ("followers based out of Austin, TX with 500+ followers", (TOP, 10, "Austin", 500, None)),
    ("TOP 3 VERIFIED FOLLOWERS IN NEW YORK CITY", (TOP, 3, "NEW YORK CITY", None, True)),
    ("top 15 verified followers with at least 2k followers from Lisbon", (TOP, 15, "Lisbon", 2_000, True)),
    ("top followers in 2024", (TOP, 10, None, None, None)),
    ("best 7 followers from Zürich", (TOP, 7, "Zürich", None, None)),
    ("my followers with 5k followers", (TOP, 10, None, 5_000, None)),
    ("followers living in Lagos with min 1.5 million followers", (TOP, 10, "Lagos", 1_500_000, None)),
]  # fmt: skip

# Questions about other analyses: each goes to its own intent, never to a ranking.
OTHER_INTENTS = [
    ("what should I post about?", "content_ideas"),
    ("When are my followers online?", "posting_times"),
    ("What topics do my followers talk about?", "audience_themes"),
    ("Compare my followers with my competitors", "competitors"),
    ("Which followers also follow @rival?", "competitors"),
    ("tell me about my followers", "audience_themes"),
    ("draft a DM to my top follower", "collaboration_suggestions"),
    ("Who are my most influential followers?", "influential_followers"),
]
UNRECOGNISED = ["hello", "", "   ", "How many followers do I have?", "what's the weather like?"]


@pytest.mark.parametrize(("question", "expected"), PHRASINGS)
def test_top_followers_phrasings(question, expected):
    plan = BuiltinEngine().plan(question)

    assert len(plan.calls) == 1
    call = plan.calls[0]
    arguments = call.arguments
    found = (
        plan.intent,
        arguments.get("limit", 10),
        arguments.get("location"),
        arguments.get("min_followers"),
        arguments.get("verified"),
    )
    assert found == expected
    assert call.tool == "top_followers"
    assert "account_id" not in arguments


def test_the_table_covers_many_phrasings():
    assert len(PHRASINGS) >= 30


@pytest.mark.parametrize(("question", "intent"), OTHER_INTENTS)
def test_questions_about_other_analyses_are_not_rankings(question, intent):
    plan = BuiltinEngine().plan(question)

    assert plan.intent == intent
    assert all(call.tool != TOP for call in plan.calls)


@pytest.mark.parametrize("question", UNRECOGNISED)
def test_unrecognised_questions_get_the_capability_answer_and_no_tool(question):
    plan = BuiltinEngine().plan(question)

    assert plan.intent is None and plan.calls == ()
    answer = plan.answer or ""
    # One line per analysis, each with an example question, and how follow-ups work.
    assert answer.count("\n- **") == 11
    analyses = ["most engaged", "Influencers", "Mutual", "Collaboration", "themes", "followers are",
                "What to post", "Competitors", "posting times", "Follower changes", "overview"]  # fmt: skip
    for analysis in analyses:
        assert analysis in answer
    assert "*and the next 10?*" in answer


def test_an_empty_question_is_invited_rather_than_refused():
    assert BuiltinEngine().plan("").answer.startswith("Ask me something about your followers")
    assert BuiltinEngine().plan("hello").answer.startswith("I can't answer that one yet")


def test_an_upper_bound_is_a_max_followers_filter():
    plan = BuiltinEngine().plan("top 5 followers under 1k followers")

    assert plan.calls[0].arguments == {"limit": 5, "max_followers": 1_000}
    assert plan.notes == ()


def test_a_filter_it_cannot_apply_becomes_a_note_not_a_silent_drop():
    plan = BuiltinEngine().plan("my mutuals in London")

    assert [(call.tool, call.arguments) for call in plan.calls] == [("mutual_connections", {})]
    assert len(plan.notes) == 1 and "can't be filtered by a location" in plan.notes[0]


def test_asking_for_more_than_the_maximum_says_so():
    plan = BuiltinEngine().plan("show my top 250 followers")

    assert plan.calls[0].arguments["limit"] == 100
    assert "at most 100" in plan.notes[0]


def test_a_question_cannot_name_the_account():
    plan = BuiltinEngine().plan("top followers of account_id=victim-42 @someone_else")

    assert "account_id" not in plan.calls[0].arguments


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("1,500", 1_500),
        ("2.5k", 2_500),
        ("10K", 10_000),
        ("1M", 1_000_000),
        ("1.2m", 1_200_000),
        ("3 thousand", 3_000),
        ("ten", 10),
        ("twenty-five", 25),
        ("a dozen", 12),
        ("a million", 1_000_000),
        ("ten thousand", 10_000),
        ("one hundred", 100),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


class _TimingIntent:
    """A stand-in for a later intent, to show that one plugs in without touching the parser."""

    name = "timing"
    tools = ()

    def plan(self, text):
        return Plan(intent=self.name, answer="timing") if "when" in text.lower() else None

    def render(self, plan, records, *, account_handle):
        return "best times: soon"


def test_a_new_intent_plugs_in_ahead_of_the_existing_ones():
    engine = BuiltinEngine(intents=(_TimingIntent(), *INTENTS))

    assert engine.plan("When are my followers online?").intent == "timing"
    assert engine.plan("top 5 followers in London").intent == "top_followers"
    assert engine.compose("when?", engine.plan("when?"), [], account_handle="creator") == "best times: soon"


def test_the_agent_package_exports_its_public_names():
    import followlytics.agent as agent

    assert sorted(agent.__all__) == sorted(
        ["AgentAnswer", "Tool", "ToolCallRecord", "ToolRegistry", "default_registry", "run_agent"]
    )
    assert all(hasattr(agent, name) for name in agent.__all__)
