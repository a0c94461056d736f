"""Answers are Markdown; this renders them to HTML on the server, safely.

Answers quote bios, names and posts written by strangers on X, so raw HTML in them must never reach the
page: markdown-it-py with `html` off turns `<script>` and `<img onerror=...>` into escaped text, and its
link validation drops `javascript:`, `vbscript:` and `data:` (non-image) URLs. Links open as
`rel="nofollow noopener noreferrer"`; Markdown images stay text.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

# No images either: `![](https://…)` quoted from a bio would make every viewer's browser call that server.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_md.disable("image")


def _link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    # Bound to the renderer as a method, hence `renderer` first.
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return renderer.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)


def render_markdown(text: str) -> Markup:
    """Safe HTML for Markdown `text`: nothing in it can add markup of its own."""
    return Markup(_md.render(text or ""))
