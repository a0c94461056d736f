"""The demo seed: a Pro creator with 50,000 synthetic followers and an Agency user with a competitor."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from followlytics.audience.synth import write_jsonl
from followlytics.services.accounts import create_user
from followlytics.services.imports import ImportResult, import_files
from followlytics.services.platform import Platform

PRO_EMAIL = "pro@demo.followlytics.dev"
AGENCY_EMAIL = "agency@demo.followlytics.dev"


@dataclass(frozen=True)
class SeededUser:
    email: str
    plan: str
    api_key: str
    imports: list[ImportResult]


def seed_demo(
    platform: Platform, *, pro_followers: int = 50_000, agency_followers: int = 20_000
) -> list[SeededUser]:
    with tempfile.TemporaryDirectory() as tmp:
        pro_file = Path(tmp) / "pro.jsonl"
        write_jsonl(pro_file, pro_followers, seed=1)
        agency = write_jsonl(Path(tmp) / "agency.jsonl", agency_followers, seed=2, competitor_overlap=0.3)
        assert agency.competitor_path is not None
        return [
            _seed_user(platform, PRO_EMAIL, "pro", [("pro_creator", pro_file, False)]),
            _seed_user(
                platform,
                AGENCY_EMAIL,
                "agency",
                [("agency_brand", agency.path, False), ("rival_brand", agency.competitor_path, True)],
            ),
        ]


def _seed_user(
    platform: Platform, email: str, plan: str, accounts: list[tuple[str, Path, bool]]
) -> SeededUser:
    with platform.db.session() as session:
        new = create_user(session, email=email, plan=plan)
        user_id = new.user.id
    imports = [
        import_files(platform, user_id=user_id, paths=[path], handle=handle, competitor=competitor)
        for handle, path, competitor in accounts
    ]
    return SeededUser(email=email, plan=plan, api_key=new.api_key, imports=imports)
