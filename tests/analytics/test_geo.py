"""Places: free-text locations read with the offline gazetteer, `places`, and `audience_locations`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.analytics.geo import (
    AudienceLocationsArgs,
    AudienceLocationsResult,
    locate,
    places,
    run_audience_locations,
)
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.audience.synth_vocabulary import JOKE_PLACES, PLACES
from followlytics.sandbox.runtime import Runtime


@pytest.mark.parametrize(
    ("text", "city", "country", "timezone"),
    [
        ("London", "London", "GB", "Europe/London"),
        ("London, UK", "London", "GB", "Europe/London"),
        ("london, england", "London", "GB", "Europe/London"),
        ("London, Ontario", "London", "CA", "America/Toronto"),
        ("NYC", "New York City", "US", "America/New_York"),
        ("New York, NY", "New York City", "US", "America/New_York"),
        ("LA", "Los Angeles", "US", "America/Los_Angeles"),
        ("SF", "San Francisco", "US", "America/Los_Angeles"),
        ("Austin, TX", "Austin", "US", "America/Chicago"),
        ("Paris, TX", "Paris", "US", "America/Chicago"),
        ("Berlin, Germany", "Berlin", "DE", "Europe/Berlin"),
        ("Berlin Germany", "Berlin", "DE", "Europe/Berlin"),
        ("based in Berlin 🇩🇪", "Berlin", "DE", "Europe/Berlin"),
        ("München", "Munich", "DE", "Europe/Berlin"),
        ("São Paulo", "São Paulo", "BR", "America/Sao_Paulo"),
        ("Sao Paulo", "São Paulo", "BR", "America/Sao_Paulo"),
        ("Curitiba, PR", "Curitiba", "BR", "America/Sao_Paulo"),
        ("CDMX", "Mexico City", "MX", "America/Mexico_City"),
        ("Wien", "Vienna", "AT", "Europe/Vienna"),
        ("東京都渋谷区", "Tokyo", "JP", "Asia/Tokyo"),
        ("神奈川県 横浜市", "Yokohama", "JP", "Asia/Tokyo"),
        ("Atlanta, Georgia", "Atlanta", "US", "America/New_York"),
        ("Tbilisi, Georgia", "Tbilisi", "GE", "Asia/Tbilisi"),
    ],
)
def test_cities_are_found_in_their_many_spellings(text: str, city: str, country: str, timezone: str):
    place = locate(text)
    assert place is not None
    assert (place.city, place.country_code, place.timezone) == (city, country, timezone)


@pytest.mark.parametrize(
    ("text", "region", "country", "timezone"),
    [
        ("Germany", None, "DE", "Europe/Berlin"),
        ("Deutschland", None, "DE", "Europe/Berlin"),
        ("UK", None, "GB", "Europe/London"),
        ("USA", None, "US", "America/New_York"),
        ("🇯🇵", None, "JP", "Asia/Tokyo"),
        ("日本", None, "JP", "Asia/Tokyo"),
        ("California, USA", "California", "US", "America/Los_Angeles"),
        ("England, United Kingdom", "England", "GB", "Europe/London"),
        ("Texas", "Texas", "US", "America/Chicago"),
        ("Springfield, Germany", None, "DE", "Europe/Berlin"),  # no such city: the country stands
    ],
)
def test_countries_and_regions_are_placed_with_the_zone_of_their_largest_city(
    text: str, region: str | None, country: str, timezone: str
):
    place = locate(text)
    assert place is not None
    assert (place.city, place.region, place.country_code, place.timezone) == (None, region, country, timezone)


@pytest.mark.parametrize(
    "text",
    [
        "the moon",
        "everywhere",
        "in your heart",
        "Earth 🌍",
        "localhost",
        "127.0.0.1",
        "Nice to meet you",
        "",
        "  ",
    ],
)
def test_jokes_and_vague_text_stay_unplaced(text: str):
    assert locate(text) is None


def test_every_place_the_synthetic_audience_uses_is_placed_and_no_joke_is():
    named = [place for places in PLACES.values() for place in places.split("|")]
    assert [text for text in named if locate(text) is None] == []
    assert [text for text in JOKE_PLACES.split("|") if locate(text) is not None] == []


LOCATED = [
    ("1", "London"),
    ("2", "London, UK"),
    ("3", "london, england"),
    ("4", "NYC"),
    ("5", "New York, NY"),
    ("6", "the moon"),
    ("7", "🇩🇪"),
    ("8", "Berlin, Germany"),
    ("9", ""),
    ("10", None),
    ("11", "in your heart"),
    ("12", "California"),
]


def _runtime(tmp_path: Path, located: list[tuple[str, str | None]]) -> Runtime:
    root = tmp_path / "u1"
    rows: list[dict[str, Any]] = [{"id": i, "username": f"user{i}", "location": loc} for i, loc in located]
    table = pa.Table.from_pylist(rows, schema=Dataset.FOLLOWERS.schema)
    write_snapshot(account_dir(root, "acc_me"), table, sources=["test"])
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    return Runtime(root)


def _locations(rt: Runtime, **args: Any) -> AudienceLocationsResult:
    return run_audience_locations(rt, AudienceLocationsArgs(account_id="acc_me", **args))


def test_places_has_a_row_per_follower_with_a_location_and_nulls_where_unplaced(tmp_path: Path):
    rt = _runtime(tmp_path, LOCATED)
    table = places(rt, rt.source("acc_me", Dataset.FOLLOWERS))
    rows = {r[0]: r[1:] for r in rt.connection.execute(f"SELECT * FROM {table}").fetchall()}

    assert set(rows) == {"1", "2", "3", "4", "5", "6", "7", "8", "11", "12"}  # "" and NULL have no row
    assert rows["2"] == ("London, UK", "London", "England", "GB", "United Kingdom", "Europe/London")
    assert rows["6"] == ("the moon", None, None, None, None, None)
    assert rows["12"] == ("California", None, "California", "US", "United States", "America/Los_Angeles")
    assert places(rt, rt.source("acc_me", Dataset.FOLLOWERS)) == table  # built once per snapshot


def test_audience_locations_merges_spellings_and_counts_what_it_could_not_place(tmp_path: Path):
    result = _locations(_runtime(tmp_path, LOCATED))

    assert (result.followers, result.with_location, result.placed, result.unplaced) == (12, 10, 8, 2)
    assert result.placed_in_city == 6
    assert [(c.city, c.country_code, c.count, c.share) for c in result.cities] == [
        ("London", "GB", 3, 0.375),
        ("New York City", "US", 2, 0.25),
        ("Berlin", "DE", 1, 0.125),
    ]
    assert [(c.country_code, c.count) for c in result.countries] == [("GB", 3), ("US", 3), ("DE", 2)]
    assert [(z.timezone, z.count) for z in result.timezones] == [
        ("Europe/London", 3),
        ("America/New_York", 2),
        ("Europe/Berlin", 2),
        ("America/Los_Angeles", 1),
    ]
    assert [(u.location, u.count) for u in result.top_unplaced] == [("in your heart", 1), ("the moon", 1)]
    assert result.notes == [
        "2 of 10 locations (20%) name no place we know (jokes such as 'the moon', or vague text) and are not "
        "counted."
    ]
    assert result.evidence.sample_sizes == {"with_location": 10, "placed": 8, "placed_in_city": 6}


def test_limit_cuts_every_list(tmp_path: Path):
    result = _locations(_runtime(tmp_path, LOCATED), limit=1)
    assert len(result.cities) == len(result.countries) == len(result.timezones) == 1


def test_the_tool_answers_over_the_wire(tmp_path: Path):
    rt = _runtime(tmp_path, LOCATED)
    answer = rt.handle({"id": 1, "tool": "audience_locations", "args": {"account_id": "acc_me", "limit": 2}})
    assert answer["ok"] is True, answer
    assert answer["result"]["cities"][0] == {
        "city": "London",
        "region": "England",
        "country_code": "GB",
        "country": "United Kingdom",
        "count": 3,
        "share": 0.375,
    }
    assert answer["result"]["evidence"]["method"] == "places-v1"


def test_an_audience_without_locations_says_so(tmp_path: Path):
    result = _locations(_runtime(tmp_path, [("1", None), ("2", "")]))
    assert (result.with_location, result.placed, result.cities) == (0, 0, [])
    assert result.notes == ["None of these followers has a location in their profile."]


def test_cities_with_one_name_in_two_regions_are_counted_apart(tmp_path: Path):
    """Portland, Oregon and Portland, Maine are two places, each with its own count."""
    from followlytics.analytics.geo import AudienceLocationsArgs, run_audience_locations

    rows = [{"id": str(i), "username": f"u{i}", "location": "Portland, Oregon"} for i in range(2)]
    rows += [{"id": str(i), "username": f"u{i}", "location": "Portland, Maine"} for i in range(2, 5)]
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    table = pa.Table.from_pylist(rows, schema=Dataset.FOLLOWERS.schema)
    write_snapshot(account_dir(root, "acc_me"), table, sources=["t"], dataset=Dataset.FOLLOWERS)
    result = run_audience_locations(Runtime(root), AudienceLocationsArgs(account_id="acc_me"))
    portlands = sorted((c.region, c.count) for c in result.cities if c.city == "Portland")
    assert portlands == [("Maine", 3), ("Oregon", 2)]
