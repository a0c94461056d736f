"""The synthetic audience generator: determinism, realistic shapes, and a competitor audience."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from statistics import median
from typing import Any

import orjson
import pytest

from followlytics.audience.importers import parse_files
from followlytics.audience.synth import generate, write_jsonl
from followlytics.errors import InvalidInput

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_LANGUAGE_MARKERS = {
    "en": re.compile(r"\b(and|the|my|on|of)\b"),
    "es": re.compile(r"\b(y|del|la|por|desde)\b"),
    "fr": re.compile(r"\b(et|le|les|je|du)\b"),
    "de": re.compile(r"\b(und|aus|seit|mit|von)\b"),
    "pt": re.compile(r"\b(e|do|da|em|nas)\b"),
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
}


@pytest.fixture(scope="module")
def audience() -> list[dict[str, Any]]:
    return generate(20_000, seed=11).users


def test_the_same_seed_writes_a_byte_identical_file(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", 3_000, seed=5)
    second = write_jsonl(tmp_path / "b.jsonl", 3_000, seed=5)
    other = write_jsonl(tmp_path / "c.jsonl", 3_000, seed=6)

    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.path.read_bytes() != other.path.read_bytes()
    assert [orjson.loads(line) for line in first.path.read_bytes().splitlines()] == generate(
        3_000, seed=5
    ).users


def test_the_written_file_imports_with_the_requested_count(tmp_path: Path) -> None:
    summary = write_jsonl(tmp_path / "followers.jsonl", 2_500, seed=1)

    parsed = parse_files([summary.path])

    assert summary.users == 2_500 and summary.competitor_path is None
    assert parsed.table.num_rows == 2_500
    assert parsed.duplicates == 0 and parsed.warnings == []


def test_ids_and_handles_are_unique_and_valid(audience: list[dict[str, Any]]) -> None:
    assert len({user["id"] for user in audience}) == len(audience)
    assert all(user["id"].isdigit() for user in audience)
    assert len({user["username"].lower() for user in audience}) == len(audience)
    assert all(_HANDLE.match(user["username"]) for user in audience)


def test_about_two_percent_are_verified_with_a_type(audience: list[dict[str, Any]]) -> None:
    verified = [user for user in audience if user["verified"]]

    assert 0.014 <= len(verified) / len(audience) <= 0.028
    types = Counter(user["verified_type"] for user in verified)
    assert set(types) <= {"blue", "business", "government"}
    assert types["blue"] > types["business"] > types["government"]
    assert {user.get("verified_type") for user in audience if not user["verified"]} == {None, "none"}


def test_some_accounts_are_protected_and_some_locations_absent(audience: list[dict[str, Any]]) -> None:
    protected = sum(user["protected"] for user in audience) / len(audience)
    no_location = sum("location" not in user for user in audience) / len(audience)

    assert 0.03 <= protected <= 0.07
    assert 0.25 <= no_location <= 0.35
    assert all(user.get("location", "x") for user in audience)  # absent, never empty, as the API does


def test_counts_are_heavy_tailed_and_following_mostly_capped(audience: list[dict[str, Any]]) -> None:
    followers = [user["public_metrics"]["followers_count"] for user in audience]
    following = [user["public_metrics"]["following_count"] for user in audience]

    assert max(followers) > 1_000 * median(followers)
    assert sum(count <= 5_000 for count in following) / len(following) >= 0.99


def test_bios_come_in_several_languages(audience: list[dict[str, Any]]) -> None:
    bios = [user["description"] for user in audience if user["description"]]

    for language, marker in _LANGUAGE_MARKERS.items():
        share = sum(bool(marker.search(bio)) for bio in bios) / len(bios)
        assert share >= 0.01, language
    assert any("#" in bio for bio in bios)


def test_created_at_spreads_over_the_years(audience: list[dict[str, Any]]) -> None:
    years = {int(user["created_at"][:4]) for user in audience}

    assert min(years) == 2007 and max(years) == 2026
    assert all(user["created_at"].endswith(".000Z") for user in audience)


def test_a_competitor_audience_shares_the_requested_fraction(tmp_path: Path) -> None:
    summary = write_jsonl(tmp_path / "followers.jsonl", 4_000, seed=3, competitor_overlap=0.3)

    assert summary.competitor_path == tmp_path / "followers.competitor.jsonl"
    ours = {orjson.loads(line)["id"] for line in summary.path.read_bytes().splitlines()}
    theirs = [orjson.loads(line) for line in summary.competitor_path.read_bytes().splitlines()]
    their_ids = {user["id"] for user in theirs}
    assert len(their_ids) == len(theirs) == summary.competitor_users
    assert 0.85 * 4_000 <= summary.competitor_users <= 1.15 * 4_000
    assert len(ours & their_ids) / len(ours) == pytest.approx(0.3, abs=0.01)
    assert summary.shared == len(ours & their_ids)
    assert len({user["username"].lower() for user in theirs}) == len(theirs)
    assert parse_files([summary.competitor_path]).table.num_rows == summary.competitor_users


def test_a_competitor_leaves_the_users_own_file_unchanged(tmp_path: Path) -> None:
    alone = write_jsonl(tmp_path / "alone.jsonl", 1_000, seed=9)
    paired = write_jsonl(tmp_path / "paired.jsonl", 1_000, seed=9, competitor_overlap=0.5)

    assert alone.path.read_bytes() == paired.path.read_bytes()


def test_an_overlap_outside_zero_to_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        write_jsonl(tmp_path / "x.jsonl", 10, seed=1, competitor_overlap=1.5)
