"""Importing every dataset through the service and `POST /api/followers/import` (`kind=...`): snapshots land
in the dataset's folder, bad files write nothing, and competitors only take followers and tweets."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from followlytics.api.app import create_app
from followlytics.audience.datasets import Dataset
from followlytics.audience.manifest import read_manifest
from followlytics.audience.paths import account_dir, user_dir
from followlytics.audience.snapshots import latest_snapshot, list_snapshots
from followlytics.config import Settings
from followlytics.errors import ImportFailed, InvalidInput
from followlytics.services.imports import import_files
from followlytics.services.platform import Platform
from tests.conftest import FIXTURES, ApiUser

X_API = FIXTURES / "x-api-v2"
FOLLOWERS_PAGE = X_API / "followers_page_twittered.json"
TIMELINE = X_API / "timeline_tweets_pytwitter.json"
POST_A = "1354143047324299264"


def _import(client: TestClient, user: ApiUser, files: list[tuple[str, bytes]], **form: str):
    return client.post(
        "/api/followers/import",
        headers=user.headers,
        files=[("files", (name, content)) for name, content in files],
        data=form,
    )


def _interactions_json() -> bytes:
    pages = {
        name: json.loads((X_API / f"{name}_pytwitter.json").read_text())
        for name in ("liking_users", "retweeted_by")
    }
    return json.dumps({key: {POST_A: page} for key, page in pages.items()}).encode()


def _snapshots(platform: Platform, user: ApiUser, handle: str, dataset: Dataset) -> list[str]:
    [entry] = [a for a in read_manifest(user_dir(platform.users_dir, user.id)) if a.handle == handle]
    root = account_dir(user_dir(platform.users_dir, user.id), entry.id)
    return [s.id for s in list_snapshots(root, dataset)]


def test_each_dataset_lands_in_its_own_folder_beside_the_followers(
    client: TestClient, platform: Platform, make_user
) -> None:
    user = make_user()
    followers = _import(client, user, [("followers.json", FOLLOWERS_PAGE.read_bytes())], account="me")
    assert followers.status_code == 201, followers.text
    assert followers.json()["dataset"] == "followers"

    uploads = {
        "tweets": [("timeline.json", TIMELINE.read_bytes())],
        "following": [("following.json", (X_API / "following_page_pytwitter.json").read_bytes())],
        "interactions": [
            ("interactions.json", _interactions_json()),
            (
                "more.csv",
                f"tweet_id,user_id,kind,created_at\n{POST_A},783214,reply,2025-01-01T00:00:00Z\n".encode(),
            ),
        ],
        "follower-tweets": [
            ("search.json", (X_API / "search_page_twarc.json").read_bytes()),
            ("posts.jsonl", (X_API / "tweets_derived_head100.jsonl").read_bytes()),
        ],
    }
    results = {}
    for kind, files in uploads.items():
        response = _import(client, user, files, kind=kind)  # no account: the user's own
        assert response.status_code == 201, response.text
        results[kind] = response.json()

    assert {k: (r["dataset"], r["account"], r["kind"], r["rows"]) for k, r in results.items()} == {
        "tweets": ("tweets", "me", "own", 5),
        "following": ("following", "me", "own", 5),
        "interactions": ("interactions", "me", "own", 10),  # 4 likes, 5 reposts, 1 reply
        "follower-tweets": ("follower_tweets", "me", "own", 100),
    }
    # The search page's one post is also in the JSON Lines file: read twice, stored once.
    assert (results["follower-tweets"]["records_read"], results["follower-tweets"]["duplicates"]) == (101, 1)
    assert results["interactions"]["files"] == ["interactions.json", "more.csv"]
    for kind, result in results.items():
        dataset = Dataset(result["dataset"])
        assert _snapshots(platform, user, "me", dataset) == [result["snapshot_id"]], kind
    # The followers snapshot is still the one questions are answered from.
    assert _snapshots(platform, user, "me", Dataset.FOLLOWERS) == [followers.json()["snapshot_id"]]
    answer = client.post("/api/agents/query", headers=user.headers, json={"question": "top 3 followers"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["evidence"][0]["snapshot"] == followers.json()["snapshot_id"]


def test_a_first_import_of_posts_creates_the_account(
    client: TestClient, platform: Platform, make_user
) -> None:
    user = make_user()

    response = _import(
        client, user, [("timeline.json", TIMELINE.read_bytes())], account="@NewBrand", kind="tweets"
    )

    assert response.status_code == 201, response.text
    assert (response.json()["account"], response.json()["dataset"]) == ("NewBrand", "tweets")
    [entry] = read_manifest(user_dir(platform.users_dir, user.id))
    assert (entry.handle, entry.kind) == ("NewBrand", "own")
    snapshot = latest_snapshot(account_dir(user_dir(platform.users_dir, user.id), entry.id), Dataset.TWEETS)
    assert snapshot is not None
    table = pq.read_table(snapshot.path)
    assert table.schema.names == Dataset.TWEETS.schema.names
    assert sorted(table["like_count"].to_pylist()) == [8, 9, 37, 58, 74]
    # Without followers, questions still say what to import.
    answer = client.post("/api/agents/query", headers=user.headers, json={"question": "top followers"})
    assert answer.status_code == 409 and answer.json()["error"]["dataset"] == "followers"


def test_an_unknown_kind_is_refused_naming_the_field(client: TestClient, make_user) -> None:
    response = _import(client, make_user(), [("t.json", TIMELINE.read_bytes())], account="me", kind="likes")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "kind"
    assert error["message"] == (
        "kind must be one of followers, following, tweets, interactions, follower-tweets, got 'likes'"
    )


@pytest.mark.parametrize("kind", ["following", "interactions", "follower-tweets"])
def test_a_competitor_takes_only_followers_and_tweets(client: TestClient, make_user, kind: str) -> None:
    user = make_user()

    refused = _import(
        client, user, [("f.json", FOLLOWERS_PAGE.read_bytes())], account="rival", competitor="true", kind=kind
    )

    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "kind"
    assert refused.json()["error"]["message"].startswith(
        f"only followers and tweets can be imported for a competitor, not {kind}"
    )


def test_a_competitors_followers_and_tweets_import(client: TestClient, make_user) -> None:
    user = make_user(plan="agency")  # competitor tracking
    _import(client, user, [("f.json", FOLLOWERS_PAGE.read_bytes())], account="me")

    followers = _import(
        client, user, [("f.json", FOLLOWERS_PAGE.read_bytes())], account="rival", competitor="true"
    )
    tweets = _import(
        client, user, [("t.json", TIMELINE.read_bytes())], account="rival", competitor="true", kind="tweets"
    )

    assert followers.status_code == 201 and tweets.status_code == 201, tweets.text
    assert (tweets.json()["account"], tweets.json()["kind"], tweets.json()["rows"]) == (
        "rival",
        "competitor",
        5,
    )


def test_a_bad_record_writes_nothing_and_keeps_the_previous_snapshot(
    client: TestClient, platform: Platform, make_user
) -> None:
    user = make_user()
    first = _import(client, user, [("timeline.json", TIMELINE.read_bytes())], account="me", kind="tweets")
    assert first.status_code == 201
    good = json.dumps({"id": "1", "text": "fine", "public_metrics": {"like_count": 3}})
    bad = json.dumps({"id": "2", "text": "oops", "public_metrics": {"like_count": "3 likes"}})

    response = _import(client, user, [("more.jsonl", f"{good}\n{bad}\n".encode())], kind="tweets")

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["type"], error["file"], error["location"], error["field"]) == (
        "ImportFailed",
        "more.jsonl",
        "line 2",
        "public_metrics.like_count",
    )
    assert error["message"] == (
        "more.jsonl, line 2: field 'public_metrics.like_count': "
        "must be a non-negative integer, got '3 likes'; nothing was imported"
    )
    assert _snapshots(platform, user, "me", Dataset.TWEETS) == [first.json()["snapshot_id"]]


def test_a_bad_interactions_row_names_the_line_and_writes_nothing(
    client: TestClient, platform: Platform, make_user
) -> None:
    user = make_user()
    _import(client, user, [("f.json", FOLLOWERS_PAGE.read_bytes())], account="me")
    first = _import(client, user, [("i.json", _interactions_json())], kind="interactions")
    csv = "tweet_id,user_id,kind\n1,2,like\n1,3,bookmark\n"

    response = _import(client, user, [("i.csv", csv.encode())], kind="interactions")

    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(
        "i.csv, line 3: field 'kind': must be like, retweet"
    )
    assert _snapshots(platform, user, "me", Dataset.INTERACTIONS) == [first.json()["snapshot_id"]]


@pytest.mark.parametrize(
    ("kind", "name", "content", "problem"),
    [
        ("tweets", "empty.json", b'{"meta": {"result_count": 0}}', "no posts found"),
        ("interactions", "empty.csv", b"tweet_id,user_id,kind\n", "no interactions found"),
        (
            "interactions",
            "empty.json",
            b'{"liking_users": {"1": {"meta": {"result_count": 0}}}}',
            "no interactions",
        ),
        ("following", "empty.json", b'{"meta": {"result_count": 0}}', "no X user objects found"),
    ],
)
def test_an_import_without_rows_is_refused(
    client: TestClient, make_user, kind: str, name: str, content: bytes, problem: str
) -> None:
    response = _import(client, make_user(), [(name, content)], account="me", kind=kind)

    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(f"{name}: {problem}")


def test_the_service_checks_the_target_before_parsing(platform: Platform, make_user, tmp_path: Path) -> None:
    user = make_user()
    missing = tmp_path / "not-read.jsonl"  # never opened: the target is refused first

    with pytest.raises(InvalidInput) as no_account:
        import_files(platform, user_id=user.id, paths=[missing], dataset=Dataset.TWEETS)
    with pytest.raises(InvalidInput) as competitor:
        import_files(
            platform,
            user_id=user.id,
            paths=[missing],
            handle="rival",
            competitor=True,
            dataset=Dataset.FOLLOWING,
        )

    assert no_account.value.field == "account"
    assert no_account.value.message == "name the account these posts belong to (first import)"
    assert competitor.value.field == "kind"
    with pytest.raises(ImportFailed, match="cannot be read"):
        import_files(platform, user_id=user.id, paths=[missing], handle="me", dataset=Dataset.TWEETS)


def test_importing_datasets_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url, admin_key="admin")
    platform = Platform.from_settings(settings)
    try:
        with TestClient(create_app(platform=platform)) as client:
            created = client.post(
                "/api/admin/users",
                json={"email": "pg-import@example.com", "plan": "pro"},
                headers={"Authorization": "Bearer admin"},
            ).json()
            user = ApiUser(id=created["id"], email=created["email"], api_key=created["api_key"])
            tweets = _import(
                client, user, [("t.json", TIMELINE.read_bytes())], account="pg_me", kind="tweets"
            )
            interactions = _import(client, user, [("i.json", _interactions_json())], kind="interactions")
            refused = _import(
                client,
                user,
                [("i.json", _interactions_json())],
                account="pg_rival",
                competitor="true",
                kind="interactions",
            )
        assert (tweets.status_code, interactions.status_code, refused.status_code) == (201, 201, 422)
        assert interactions.json()["rows"] == 9
        assert _snapshots(platform, user, "pg_me", Dataset.INTERACTIONS) == [
            interactions.json()["snapshot_id"]
        ]
    finally:
        platform.close()


def test_an_older_export_is_dated_by_taken_at_and_sorts_before_the_current_snapshot(
    client: TestClient, platform: Platform, make_user
) -> None:
    user = make_user()
    page = [("followers.json", FOLLOWERS_PAGE.read_bytes())]
    assert _import(client, user, page, account="me").status_code == 201
    older = _import(client, user, page, account="me", taken_at="2026-10-01T09:30:00Z")
    assert older.status_code == 201, older.text
    assert older.json()["snapshot_id"] == "20261001T093000000000Z"
    ids = _snapshots(platform, user, "me", Dataset.FOLLOWERS)
    assert ids[0] == "20261001T093000000000Z" and len(ids) == 2  # the back-dated one is not the newest
    changes = client.post(
        "/api/agents/query", headers=user.headers, json={"question": "who unfollowed me?"}
    ).json()
    assert "2026-10-01" in changes["answer"]


def test_a_bad_taken_at_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, platform: Platform, make_user
) -> None:
    user = make_user()
    page = [("followers.json", FOLLOWERS_PAGE.read_bytes())]
    for value in ("next tuesday", "2999-01-01T00:00:00Z", "2026-10-01T09:30:00"):
        refused = _import(client, user, page, account="me", taken_at=value)
        assert refused.status_code == 422, value
        assert refused.json()["error"]["field"] == "taken_at"
    assert not user_dir(platform.users_dir, user.id).exists() or not any(
        user_dir(platform.users_dir, user.id).rglob("*.parquet")
    )
