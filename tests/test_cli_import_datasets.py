"""`followlytics import --kind ...`: the same service and JSON as `POST /api/followers/import` with `kind`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

X_API = FIXTURES / "x-api-v2"


@pytest.fixture
def user(cli) -> str:
    return json.loads(cli("users", "create", "--email", "kinds@example.com", "--json").stdout)["id"]


def test_each_kind_imports_and_prints_what_the_api_returns(cli, user: str, tmp_path: Path) -> None:
    interactions = tmp_path / "interactions.csv"
    interactions.write_text(
        "tweet_id,user_id,kind,created_at\n1,7,like,2025-03-01T10:00:00Z\n1,8,Reposts,\n2,7,replies,\n"
    )

    tweets = json.loads(
        cli(
            "import",
            user,
            str(X_API / "timeline_tweets_pytwitter.json"),
            "--account",
            "me",
            "--kind",
            "tweets",
            "--json",
        ).stdout
    )
    following = json.loads(
        cli(
            "import", user, str(X_API / "following_page_pytwitter.json"), "--kind", "following", "--json"
        ).stdout
    )
    engaged = json.loads(cli("import", user, str(interactions), "--kind", "interactions", "--json").stdout)
    followers_posts = json.loads(
        cli(
            "import",
            user,
            str(X_API / "tweets_derived_head100.jsonl"),
            "--kind",
            "follower-tweets",
            "--json",
        ).stdout
    )

    assert set(tweets) == {
        "account",
        "kind",
        "dataset",
        "snapshot_id",
        "rows",
        "records_read",
        "duplicates",
        "files",
        "warnings",
    }
    assert [
        (r["dataset"], r["account"], r["rows"]) for r in (tweets, following, engaged, followers_posts)
    ] == [
        ("tweets", "me", 5),
        ("following", "me", 5),
        ("interactions", "me", 3),
        ("follower_tweets", "me", 100),
    ]


def test_the_human_output_names_what_was_imported(cli, user: str) -> None:
    result = cli(
        "import",
        user,
        str(X_API / "timeline_tweets_pytwitter.json"),
        "--account",
        "me",
        "--kind",
        "tweets",
    )

    assert result.stdout.startswith("imported 5 posts of @me (own) from 5 records (0 duplicates); snapshot ")


def test_followers_stay_the_default_kind(cli, user: str) -> None:
    result = json.loads(
        cli("import", user, str(X_API / "followers_page_twittered.json"), "--account", "me", "--json").stdout
    )

    assert (result["dataset"], result["rows"]) == ("followers", 100)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--account", "me", "--kind", "likes"],
            "kind must be one of followers, following, tweets, interactions",
        ),
        (
            ["--account", "rival", "--competitor", "--kind", "following"],
            "only followers and tweets can be imported for a competitor, not following",
        ),
        (["--kind", "tweets"], "name the account these posts belong to (first import)"),
    ],
)
def test_a_wrong_kind_or_target_is_one_line_and_exit_1(cli, user: str, args: list[str], message: str) -> None:
    result = cli("import", user, str(X_API / "timeline_tweets_pytwitter.json"), *args, ok=False)

    assert result.exit_code == 1
    assert message in " ".join(result.output.split())  # rich may wrap the line
    assert "Traceback" not in result.output


def test_a_bad_row_names_file_line_and_field_and_writes_nothing(cli, user: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("tweet_id,user_id,kind\n1,7,like\n1,seven,like\n")

    result = cli("import", user, str(bad), "--account", "me", "--kind", "interactions", ok=False)

    assert result.exit_code == 1
    assert "bad.csv, line 3: field 'user_id'" in " ".join(result.output.split())
    assert not list((tmp_path / "data").rglob("interactions/*.parquet"))
