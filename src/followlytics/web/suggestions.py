"""Suggested questions on the chat page, one group per use case the agent answers (docs/engine.md)."""

from __future__ import annotations

SUGGESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Valuable followers", ("Who are my most valuable followers?", "Who are my most engaged followers?")),
    ("What to post", ("What should I post about?", "What are my followers interested in?")),
    ("When to post", ("When should I post?",)),
    ("Collaborations", ("Who should I collaborate with?",)),
    ("Competitors", ("How does my audience overlap with my competitor?",)),
    ("Growth", ("Who unfollowed me?", "Where are my followers?")),
)
