"""The catalog: every analysis the agent may call, gathered from the analytics modules' `TOOLS` lists.

The sandbox runtime serves exactly these tools and the control plane's tool registry offers exactly these,
so adding an analysis is one `AnalyticsTool` in its module's `TOOLS`, and one module name here.
"""

from __future__ import annotations

from followlytics.analytics import changes, competitors, geo, growth, ideas, posting_times, ranking, themes
from followlytics.analytics.workspace import AnalyticsTool

CATALOG: tuple[AnalyticsTool, ...] = (
    *ranking.TOOLS,
    *growth.TOOLS,
    *changes.TOOLS,
    *posting_times.TOOLS,
    *competitors.TOOLS,
    *themes.TOOLS,
    *geo.TOOLS,
    *ideas.TOOLS,
)
