"""The tool registry: schemas, argument validation, and how a call reaches the sandbox."""

from __future__ import annotations

import pytest

from followlytics.agent.tools import Tool, ToolRegistry, default_registry
from followlytics.analytics.ranking import TopFollowersArgs, TopFollowersResult
from followlytics.errors import InvalidInput, SandboxError


def test_schemas_have_the_neutral_shape():
    schemas = default_registry().schemas()

    assert [schema["name"] for schema in schemas] == ["top_followers"]
    schema = schemas[0]
    assert set(schema) == {"name", "description", "parameters"}
    assert "location" in schema["description"] and "min_followers" in schema["description"]
    parameters = schema["parameters"]
    assert parameters["type"] == "object"
    assert set(parameters["properties"]) == {"limit", "location", "min_followers", "verified"}
    # The account is the control plane's to choose, so a model never sees it as an option.
    assert "account_id" not in parameters["properties"]
    assert "account_id" not in parameters.get("required", [])


def test_registry_iterates_and_gets_tools():
    registry = default_registry()
    tool = registry.get("top_followers")

    assert list(registry) == [tool]
    assert tool.arguments is TopFollowersArgs and tool.result is TopFollowersResult


def test_unknown_tool_is_invalid_input():
    with pytest.raises(InvalidInput) as raised:
        default_registry().get("delete_everything")

    assert raised.value.field == "tool"
    assert "delete_everything" in raised.value.message and "top_followers" in raised.value.message


def test_registering_a_name_twice_is_refused():
    registry = default_registry()
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("top_followers"))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"account_id": "acct-1", "limit": 0}, "limit"),
        ({"account_id": "acct-1", "limit": 101}, "limit"),
        ({"account_id": "acct-1", "limit": "lots"}, "limit"),
        ({"account_id": "acct-1", "min_followers": -5}, "min_followers"),
        ({"account_id": "acct-1", "verified": "perhaps"}, "verified"),
        ({"account_id": "acct-1", "minfollowers": 10}, "minfollowers"),
        ({"limit": 5}, "account_id"),
    ],
)
def test_bad_arguments_name_the_field_and_never_reach_the_sandbox(sandbox, args, field):
    with pytest.raises(InvalidInput) as raised:
        default_registry().call("top_followers", args, sandbox)

    assert raised.value.field == field
    assert field in raised.value.message
    assert sandbox.calls == []


def test_call_sends_validated_arguments_without_unset_filters(sandbox):
    record = default_registry().call("top_followers", {"account_id": "acct-1", "location": "London"}, sandbox)

    assert sandbox.calls == [("top_followers", {"account_id": "acct-1", "limit": 10, "location": "London"})]
    assert record.arguments == {"account_id": "acct-1", "limit": 10, "location": "London"}
    assert isinstance(record.result, TopFollowersResult)
    assert [f.username for f in record.result.followers] == [
        "alice",
        "bob",
        "dave",
        "frank",
        "heidi",
        "mallory",
    ]


def test_record_summary_public_view_and_evidence(sandbox):
    record = default_registry().call("top_followers", {"account_id": "acct-1", "limit": 3}, sandbox)

    assert record.summary == "ranked 12 followers of which 12 matched; returned top 3"
    assert record.public() == {
        "name": "top_followers",
        "arguments": {"account_id": "acct-1", "limit": 3},
        "summary": "ranked 12 followers of which 12 matched; returned top 3",
    }
    evidence = record.evidence()
    assert evidence is not None
    assert evidence["snapshot"] == "snap-20240601T120000Z" and evidence["rows_read"] == 12


def test_a_malformed_sandbox_result_is_a_sandbox_error():
    def broken_sandbox(name, args):
        return {"followers": "not a list"}

    with pytest.raises(SandboxError, match="malformed result for 'top_followers'"):
        default_registry().call("top_followers", {"account_id": "acct-1"}, broken_sandbox)


def test_a_custom_registry_holds_only_what_was_registered(sandbox):
    registry = ToolRegistry()
    tool = default_registry().get("top_followers")
    registry.register(Tool(tool.name, "rank", tool.arguments, tool.result, lambda result: "done"))

    record = registry.call("top_followers", {"account_id": "acct-1", "limit": 1}, sandbox)

    assert len(registry) == 1 and record.summary == "done"
