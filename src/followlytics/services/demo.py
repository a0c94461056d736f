"""The demo seed: a Pro creator and an Agency user with a competitor, each with a full synthetic history.

Every own account gets two follower snapshots (one dated 30 days back and today's), its
following list, its posts, who engaged with them and its followers' recent posts; the Agency user's
competitor gets followers and posts. All of it comes from `synth` and `synth_activity`, so the demo shows
every analysis on data whose answers are known (the planted signals listed in `synth_activity`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from followlytics.audience.datasets import Dataset
from followlytics.audience.synth import write_jsonl
from followlytics.audience.synth_activity import ActivitySummary, write_activity
from followlytics.services.accounts import create_user
from followlytics.services.imports import ImportResult, import_files
from followlytics.services.platform import Platform

PRO_EMAIL = "pro@demo.followlytics.dev"
AGENCY_EMAIL = "agency@demo.followlytics.dev"
PRO_HANDLE = "pro_creator"
AGENCY_HANDLE = "agency_brand"
RIVAL_HANDLE = "rival_brand"


@dataclass(frozen=True)
class SeededUser:
    email: str
    plan: str
    api_key: str
    imports: list[ImportResult]  # each account's current followers snapshot
    activity: list[ImportResult] = field(default_factory=list)  # every other import, in import order


def seed_demo(
    platform: Platform, *, pro_followers: int = 50_000, agency_followers: int = 20_000
) -> list[SeededUser]:
    with tempfile.TemporaryDirectory() as tmp:
        pro_dir, agency_dir = Path(tmp) / "pro", Path(tmp) / "agency"
        pro_dir.mkdir()
        agency_dir.mkdir()
        pro = write_jsonl(pro_dir / "followers.jsonl", pro_followers, seed=1)
        pro_activity = write_activity(pro_dir, pro.path, seed=1)
        agency = write_jsonl(agency_dir / "followers.jsonl", agency_followers, seed=2, competitor_overlap=0.3)
        assert agency.competitor_path is not None
        agency_activity = write_activity(
            agency_dir, agency.path, seed=2, competitor_path=agency.competitor_path
        )
        assert agency_activity.competitor_tweets_path is not None
        rival = [
            (RIVAL_HANDLE, Dataset.FOLLOWERS, agency.competitor_path, True, None),
            (RIVAL_HANDLE, Dataset.TWEETS, agency_activity.competitor_tweets_path, True, None),
        ]
        return [
            _seed_user(platform, PRO_EMAIL, "pro", _own_files(PRO_HANDLE, pro.path, pro_activity)),
            _seed_user(
                platform,
                AGENCY_EMAIL,
                "agency",
                [*_own_files(AGENCY_HANDLE, agency.path, agency_activity), *rival],
            ),
        ]


# The older followers snapshot is dated this long ago, so "who unfollowed me this month?" has a real period.
_PREVIOUS_AGE = timedelta(days=30)

_Import = tuple[str, Dataset, Path, bool, datetime | None]  # handle, dataset, file, competitor, taken_at


def _own_files(handle: str, followers: Path, made: ActivitySummary) -> list[_Import]:
    """An own account's imports: the older followers snapshot dated 30 days back, then today's data."""
    previous = (handle, Dataset.FOLLOWERS, made.previous_path, False, datetime.now(UTC) - _PREVIOUS_AGE)
    return [
        previous,
        *(
            (handle, dataset, path, False, None)
            for dataset, path in (
                (Dataset.FOLLOWERS, followers),
                (Dataset.FOLLOWING, made.following_path),
                (Dataset.TWEETS, made.tweets_path),
                (Dataset.INTERACTIONS, made.interactions_path),
                (Dataset.FOLLOWER_TWEETS, made.follower_tweets_path),
            )
        ),
    ]


def _seed_user(platform: Platform, email: str, plan: str, files: list[_Import]) -> SeededUser:
    with platform.db.session() as session:
        new = create_user(session, email=email, plan=plan)
        user_id = new.user.id
    results = [
        import_files(
            platform,
            user_id=user_id,
            paths=[path],
            handle=handle,
            competitor=competitor,
            dataset=dataset,
            taken_at=taken_at,
        )
        for handle, dataset, path, competitor, taken_at in files
    ]
    # Each account's current followers snapshot is its last followers import.
    current = {r.account: i for i, r in enumerate(results) if r.dataset == Dataset.FOLLOWERS}
    chosen = sorted(current.values())
    return SeededUser(
        email=email,
        plan=plan,
        api_key=new.api_key,
        imports=[results[i] for i in chosen],
        activity=[r for i, r in enumerate(results) if i not in chosen],
    )
