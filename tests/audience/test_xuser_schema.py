"""The X API v2 user model and its conversion to a FOLLOWER_SCHEMA row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from followlytics.audience.schema import FOLLOWER_COLUMNS, XUser, to_row


def test_a_full_api_user_becomes_a_row_with_exactly_the_schema_columns() -> None:
    user = XUser.model_validate(
        {
            "id": "606255425",
            "username": "samsamia13",
            "name": "Sam",
            "url": "",
            "created_at": "2012-06-12T11:52:19.000Z",
            "verified": False,
            "protected": False,
            "public_metrics": {
                "followers_count": 70,
                "following_count": 515,
                "tweet_count": 1981,
                "listed_count": 0,
            },
            "entities": {"description": {"hashtags": []}},  # unknown to the model: ignored
        }
    )

    row = to_row(user, interactions=4)

    assert tuple(row) == FOLLOWER_COLUMNS
    assert row["url"] is None  # the API sends "" for "no url"
    assert row["created_at"] == datetime(2012, 6, 12, 11, 52, 19, tzinfo=UTC)
    assert row["followers_count"] == 70
    assert row["like_count"] is None
    assert row["interactions"] == 4


def test_newer_spec_names_and_numeric_ids_are_accepted() -> None:
    user = XUser.model_validate(
        {
            "id": 2244994945,
            "username": "TwitterDev",
            "pinned_post_id": "1354143047324299264",
            "public_metrics": {
                "followers_count": 1,
                "following_count": 2,
                "post_count": 3,
                "listed_count": 4,
            },
        }
    )

    row = to_row(user)

    assert row["id"] == "2244994945"
    assert row["tweet_count"] == 3
    assert row["pinned_tweet_id"] == "1354143047324299264"


def test_null_fields_are_absent_and_times_become_utc() -> None:
    user = XUser.model_validate(
        {
            "id": "1",
            "username": "a",
            "location": None,
            "public_metrics": None,
            "created_at": "2020-01-01T10:00:00+02:00",
        }
    )

    assert user.location is None and user.public_metrics is None
    assert user.created_at == datetime(2020, 1, 1, 8, 0, tzinfo=UTC)
    assert XUser.model_validate(
        {"id": "1", "username": "a", "created_at": "2020-01-01T10:00:00"}
    ).created_at == (datetime(2020, 1, 1, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "12a", "username": "a"},
        {"id": "1"},
        {"id": "1", "username": "a", "verified_type": "gold"},
        {
            "id": "1",
            "username": "a",
            "public_metrics": {
                "followers_count": -1,
                "following_count": 0,
                "tweet_count": 0,
                "listed_count": 0,
            },
        },
    ],
)
def test_invalid_users_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        XUser.model_validate(bad)
