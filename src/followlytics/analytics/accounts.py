"""Which of the user's accounts a question names: `resolve_competitor` turns "@Rival" into its manifest entry.

Every competitor analysis takes `competitor: str | None` and resolves it here, so they all accept the same
spellings (`@` optional, any case) and fail the same way: no competitor imported at all is
`NoAudienceData` saying how to import one (`import_hint(..., competitor=True)`); no handle while the user
has several is `InvalidInput` listing them; a handle the user has not imported is `NotFound` listing the
known ones; the user's own handle is `InvalidInput` saying it is not a competitor.
"""

from __future__ import annotations

from followlytics.analytics.workspace import Workspace
from followlytics.audience.datasets import Dataset, import_hint
from followlytics.audience.manifest import AccountEntry
from followlytics.errors import InvalidInput, NoAudienceData, NotFound

COMPETITOR = "competitor"


def resolve_competitor(workspace: Workspace, handle: str | None) -> AccountEntry:
    """The competitor account `handle` names (`@` optional, case-insensitive), or the only one when None."""
    accounts = workspace.accounts()
    competitors = sorted((a for a in accounts if a.kind == COMPETITOR), key=lambda a: _key(a.handle))
    wanted = _key(handle or "")
    shown = (handle or "").strip().lstrip("@").strip()  # as the user wrote it, for messages
    if not competitors:
        named = f" @{shown}" if shown else ""
        raise NoAudienceData(
            f"No competitor account{named} imported yet. {_import_hint(shown)}",
            dataset=Dataset.FOLLOWERS.value,
        )
    known = ", ".join(f"@{a.handle}" for a in competitors)
    if not wanted:
        if len(competitors) == 1:
            return competitors[0]
        raise InvalidInput(f"name the competitor to compare with: one of {known}", field="competitor")
    for account in competitors:
        if _key(account.handle) == wanted:
            return account
    if any(_key(a.handle) == wanted for a in accounts):
        # The user's own account is not a competitor; saying so beats a bare "not found".
        raise InvalidInput(
            f"@{shown} is your own account, not a competitor; your competitors: {known}", field="competitor"
        )
    raise NotFound(f"no competitor @{shown} imported; your competitors: {known}. {_import_hint(shown)}")


def _import_hint(handle: str) -> str:
    return import_hint(Dataset.FOLLOWERS, handle or "HANDLE", competitor=True)


def _key(handle: str) -> str:
    # X handles are case-insensitive and people write them with or without the @.
    return handle.strip().lstrip("@").strip().lower()
