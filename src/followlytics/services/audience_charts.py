"""The static analytics behind the dashboard's Audience page: a fixed set of analyses of one own account,
run in a sandbox made for the request over the user's own folder (as tweet drafts are), so looking at charts
never creates, wakes or bills an agent and works on every plan, Starter included.

The charts: followers by reach band (their own follower count, from `influential_followers` at three
thresholds), top countries and cities (`audience_locations`), interest segments (`audience_themes`), the
7x24 posting-time heatmap (`posting_times`), and the overlap with each competitor (`competitor_overlap`).
An analysis whose data is missing becomes a note saying what to import, not an error.

Results are kept in memory per user and account until the user's data files change (any import), so a
second look is instant.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from followlytics.agent.tools import ToolCallRecord, default_registry
from followlytics.audience.paths import user_dir
from followlytics.db.models import AccountKind, User, XAccount
from followlytics.errors import NoAudienceData
from followlytics.services.accounts import resolve_account
from followlytics.services.ephemeral import EphemeralSandbox, ephemeral_sandbox
from followlytics.services.platform import Platform

REACH_THRESHOLDS = (1_000, 10_000, 100_000)
_CACHE_SIZE = 128


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""


@dataclass(frozen=True)
class Overlap:
    competitor: str
    shared: int
    only_own: int
    only_competitor: int
    jaccard: float
    shared_share_of_own: float


@dataclass
class AudienceCharts:
    handle: str
    followers: int = 0
    reach_bands: list[Bar] = field(default_factory=list)
    countries: list[Bar] = field(default_factory=list)
    cities: list[Bar] = field(default_factory=list)
    located: str = ""
    segments: list[Bar] = field(default_factory=list)
    heatmap: list[list[float]] | None = None
    heatmap_timezone: str = ""
    best_slots: list[str] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # chart -> what to import
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)  # chart -> the analysis' evidence


class _Cache:
    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, ...], AudienceCharts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> AudienceCharts | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: tuple[str, ...], value: AudienceCharts) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > _CACHE_SIZE:
                self._items.popitem(last=False)


_cache = _Cache()


def own_handles(platform: Platform, *, user_id: str) -> list[str]:
    with platform.db.session() as session:
        return list(
            session.scalars(
                select(XAccount.handle)
                .where(XAccount.user_id == user_id, XAccount.kind == AccountKind.OWN)
                .order_by(XAccount.created_at, XAccount.id)
            )
        )


def audience_charts(platform: Platform, *, user_id: str, handle: str | None = None) -> AudienceCharts:
    """The charts of one of the user's own accounts (default: the first). Raises `NoAudienceData` when
    nothing is imported, `NotFound` for an account that is not theirs."""
    with platform.db.session() as session:
        user = session.get_one(User, user_id)
        account = resolve_account(session, user=user, handle=handle)
        if account.last_snapshot_id is None:
            raise NoAudienceData(f"no followers imported yet for @{account.handle}")
        account_id, account_handle = account.id, account.handle
        competitors = list(
            session.scalars(
                select(XAccount.handle)
                .where(XAccount.user_id == user_id, XAccount.kind == AccountKind.COMPETITOR)
                .order_by(XAccount.created_at, XAccount.id)
            )
        )
    root = user_dir(platform.users_dir, user_id)
    key = (user_id, account_id, _files_fingerprint(root))
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with ephemeral_sandbox(platform, user_root=root) as sandbox:
        charts = _compute(sandbox, account_id, account_handle, competitors)
    _cache.put(key, charts)
    return charts


def _compute(
    sandbox: EphemeralSandbox, account_id: str, handle: str, competitors: list[str]
) -> AudienceCharts:
    charts = AudienceCharts(handle=handle)
    registry = default_registry()

    def run(chart: str, tool: str, **args: Any) -> Any:
        try:
            record: ToolCallRecord = registry.call(tool, {"account_id": account_id, **args}, sandbox.exec)
        except NoAudienceData as exc:
            charts.missing.setdefault(chart, exc.message)
            return None
        evidence = record.evidence()
        if evidence is not None:
            charts.evidence.setdefault(chart, evidence)
        return record.result

    above = [run("reach", "influential_followers", min_followers=t, limit=1) for t in REACH_THRESHOLDS]
    if all(result is not None for result in above):
        charts.followers = above[0].total_followers
        counts = [charts.followers, *(result.matched for result in above), 0]
        labels = ["under 1k", "1k-10k", "10k-100k", "100k+"]
        charts.reach_bands = [
            Bar(label, counts[i] - counts[i + 1], f"{(counts[i] - counts[i + 1]) / max(counts[0], 1):.0%}")
            for i, label in enumerate(labels)
        ]
    places = run("locations", "audience_locations", limit=8)
    if places is not None:
        charts.countries = [Bar(c.country, c.count, f"{c.share:.0%}") for c in places.countries]
        charts.cities = [Bar(f"{c.city}, {c.country_code}", c.count, f"{c.share:.0%}") for c in places.cities]
        charts.located = f"{places.placed:,} of {places.followers:,} followers placed"
    themes = run("segments", "audience_themes", limit=5, segments=8)
    if themes is not None:
        charts.segments = [Bar(s.name, s.size, f"{s.share:.0%}") for s in themes.segments]
    times = run("heatmap", "posting_times")
    if times is not None:
        charts.heatmap = times.heatmap
        charts.heatmap_timezone = times.timezone
        charts.best_slots = [slot.label for slot in times.top_slots[:3]]
    for competitor in competitors:
        overlap = run("overlap", "competitor_overlap", competitor=competitor, limit=1)
        if overlap is not None:
            o = overlap.overlap
            charts.overlaps.append(
                Overlap(competitor, o.shared, o.only_own, o.only_competitor, o.jaccard, o.shared_share_of_own)
            )
    return charts


def _files_fingerprint(root: Any) -> str:
    """Changes whenever a snapshot is written or removed anywhere in the user's folder."""
    digest = hashlib.sha256()
    for path in sorted(root.glob("accounts/*/*/*.parquet")):
        digest.update(str(path.relative_to(root)).encode())
    return digest.hexdigest()
