"""The agent: a tool registry, the engines that pick tools, and the loop that runs them in a sandbox.

`run_agent(question, account_id=..., account_handle=..., execute=...)` is the entry point; the
`execute` callable runs one tool call inside the user's sandbox.
"""

from followlytics.agent.loop import AgentAnswer, run_agent
from followlytics.agent.tools import Tool, ToolCallRecord, ToolRegistry, default_registry

__all__ = ["AgentAnswer", "Tool", "ToolCallRecord", "ToolRegistry", "default_registry", "run_agent"]
