"""The tool registry: which tools the agent may call, their argument schemas, and how a call is made.

A tool call runs inside the user's sandbox through an `Executor` (`execute(name, args) -> dict`, in
production `provider.exec(sandbox_id, name, args)`). The registry validates the arguments before anything
leaves the control plane and parses the sandbox's JSON back into the tool's typed result, so the engines
only ever see checked, typed data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from followlytics.analytics.evidence import Evidence
from followlytics.errors import InvalidInput, SandboxError

Executor = Callable[[str, dict[str, Any]], dict[str, Any]]
"""Runs one tool call in the user's sandbox and returns its JSON result."""

# Arguments the control plane fills in itself. They are hidden from the schema a model sees, so a model
# (or a question) can never point a tool at another account.
CONTEXT_FIELDS: tuple[str, ...] = ("account_id",)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    result: type[BaseModel]
    summarize: Callable[[BaseModel], str]
    # Whether a model reads the whole description. Analyses are self-explanatory from their first sentence
    # and schema; a code tool is not (its views, columns and limits are the instructions).
    full_description: bool = False

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments a model may choose (context fields removed)."""
        schema = self.arguments.model_json_schema()
        properties = {k: v for k, v in schema.get("properties", {}).items() if k not in CONTEXT_FIELDS}
        schema["properties"] = properties
        required = [name for name in schema.get("required", []) if name not in CONTEXT_FIELDS]
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        return schema


@dataclass(frozen=True)
class ToolCallRecord:
    name: str
    arguments: dict[str, Any]
    summary: str
    result: BaseModel

    def public(self) -> dict[str, Any]:
        """What the API shows of a call: no result rows, just what was asked and what came back."""
        return {"name": self.name, "arguments": dict(self.arguments), "summary": self.summary}

    def evidence(self) -> dict[str, Any] | None:
        """The result's `Evidence` as JSON, when the tool's result carries one."""
        evidence = getattr(self.result, "evidence", None)
        return evidence.model_dump(mode="json") if isinstance(evidence, Evidence) else None


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def register(self, tool: Tool) -> Tool:
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is already registered")
        self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(sorted(self._tools)) or "none"
            raise InvalidInput(f"unknown tool '{name}' (known tools: {known})", field="tool") from None

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def without(self, names: Iterable[str]) -> ToolRegistry:
        """A registry of the same tools except `names` (what a plan may not use is not offered at all)."""
        drop = set(names)
        kept = ToolRegistry()
        for tool in self:
            if tool.name not in drop:
                kept.register(tool)
        return kept

    def __len__(self) -> int:
        return len(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Each tool as {name, description, parameters}: the neutral shape LLM adapters translate."""
        return [
            {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
            for tool in self
        ]

    def call(self, name: str, args: dict[str, Any], execute: Executor) -> ToolCallRecord:
        """Validate `args`, run the tool through `execute`, and return the typed, summarised result.

        Raises `InvalidInput` (naming the field) for an unknown tool or bad arguments, `SandboxError` when
        the sandbox answers with something that is not the tool's result; errors from `execute` propagate.
        """
        tool = self.get(name)
        validated = _validate_arguments(tool, args)
        sent = validated.model_dump(mode="json", exclude_none=True)
        raw = execute(tool.name, sent)
        try:
            result = tool.result.model_validate(raw)
        except ValidationError as exc:
            raise SandboxError(
                f"the sandbox returned a malformed result for '{tool.name}': {_first_problem(exc)[1]}"
            ) from exc
        return ToolCallRecord(name=tool.name, arguments=sent, summary=tool.summarize(result), result=result)


def _validate_arguments(tool: Tool, args: dict[str, Any]) -> BaseModel:
    try:
        return tool.arguments.model_validate(args)
    except ValidationError as exc:
        field, problem = _first_problem(exc)
        raise InvalidInput(f"tool '{tool.name}': argument '{field}': {problem}", field=field) from exc


def _first_problem(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "arguments"
    return field, error["msg"]


def default_registry(*, code: bool = False) -> ToolRegistry:
    """The registry with every analysis in the catalog; with `code`, also `run_python`.

    Only a sandbox provider that isolates (`SandboxProvider.isolates`) may be offered `code`: the tool runs
    model-written Python, and a plain child process is no boundary for that.
    """
    from followlytics.analytics.catalog import CATALOG

    registry = ToolRegistry()
    for tool in CATALOG:
        registry.register(
            Tool(
                name=tool.name,
                description=tool.description,
                arguments=tool.arguments,
                result=tool.result,
                summarize=tool.summarize,
            )
        )
    if code:
        from followlytics.agent.code_tool import code_tool

        registry.register(code_tool())
    return registry
