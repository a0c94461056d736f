"""The tool registry: schemas, argument validation, and how a call reaches the sandbox."""

from __future__ import annotations

import pytest

from followlytics.agent.llm.builtin.calls import TOOLS
from followlytics.agent.tools import Tool, ToolRegistry, default_registry
from followlytics.analytics.catalog import CATALOG
from followlytics.analytics.ranking import TopFollowersArgs, TopFollowersResult
from followlytics.errors import InvalidInput, SandboxError


def test_schemas_have_the_neutral_shape():
    schemas = {schema["name"]: schema for schema in default_registry().schemas()}

    assert list(schemas) == [tool.name for tool in CATALOG]
    schema = schemas["top_followers"]
    assert set(schema) == {"name", "description", "parameters"}
    assert "location" in schema["description"] and "min_followers" in schema["description"]
    parameters = schema["parameters"]
    assert parameters["type"] == "object"
    assert set(parameters["properties"]) == {
        "limit",
        "offset",
        "location",
        "min_followers",
        "max_followers",
        "verified",
        "sort",
    }
    for schema in schemas.values():
        # The account is the control plane's to choose, so a model never sees it as an option.
        assert "account_id" not in schema["parameters"]["properties"]
        assert "account_id" not in schema["parameters"].get("required", [])


def test_registry_iterates_and_gets_tools():
    registry = default_registry()
    tool = registry.get("top_followers")

    assert [t.name for t in registry] == [t.name for t in CATALOG]
    assert tool.arguments is TopFollowersArgs and tool.result is TopFollowersResult


@pytest.mark.parametrize("tool", CATALOG, ids=lambda tool: tool.name)
def test_the_engine_plans_against_the_real_tool_arguments(tool):
    """The built-in engine's table of tools (`calls.TOOLS`) matches each catalog tool's argument model.

    A default of None in the model means "not given", which the tool documents as the engine's default.
    """
    spec = TOOLS[tool.name]
    fields = {name: field for name, field in tool.arguments.model_fields.items() if name != "account_id"}

    assert set(fields) == set(spec.defaults)
    for name, field in fields.items():
        assert field.default is None or field.default == spec.defaults[name], name
    for name, field in fields.items():
        most = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
        if name == "limit":
            assert spec.max_limit == most
        elif name in ("days", "weeks"):
            assert spec.maxima[name] == most, name


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


def test_the_code_tool_is_offered_only_when_asked_for_by_an_isolating_provider() -> None:
    assert "run_python" not in {tool.name for tool in default_registry()}
    with_code = default_registry(code=True)
    tool = with_code.get("run_python")
    assert "code" in tool.parameters["properties"] and "account_id" not in tool.parameters["properties"]
