"""Importing follower lists: X API v2 pages (recorded fixtures), JSON Lines and CSV, and the errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from followlytics.audience.importers import parse_files, parse_user_objects
from followlytics.audience.schema import FOLLOWER_SCHEMA
from followlytics.errors import ImportFailed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x-api-v2"


def _user(user_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": f"user{user_id}",
        "name": f"User {user_id}",
        "public_metrics": {
            "followers_count": user_id,
            "following_count": 1,
            "tweet_count": 2,
            "listed_count": 0,
        },
        **fields,
    }


def _write(folder: Path, name: str, content: str | Any) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _jsonl(objects: list[Any]) -> str:
    return "".join(json.dumps(obj) + "\n" for obj in objects)


# Recorded X API v2 responses -------------------------------------------------------------------------------


def test_a_recorded_followers_page_imports_every_user() -> None:
    parsed = parse_files([FIXTURES / "followers_page_twittered.json"])

    assert parsed.table.schema == FOLLOWER_SCHEMA
    assert parsed.table.num_rows == 100
    assert parsed.records_read == 100 and parsed.duplicates == 0 and parsed.warnings == []
    assert parsed.files == ["followers_page_twittered.json"]
    sam = next(row for row in parsed.table.to_pylist() if row["id"] == "606255425")
    assert sam["username"] == "samsamia13"
    assert sam["location"] == "Paris, France"
    assert sam["url"] is None
    assert sam["created_at"] == datetime(2012, 6, 12, 11, 52, 19, tzinfo=UTC)
    assert (sam["followers_count"], sam["following_count"], sam["tweet_count"]) == (70, 515, 1981)


def test_a_followers_page_with_default_fields_and_included_posts_imports_the_users() -> None:
    parsed = parse_files([FIXTURES / "followers_page_pytwitter.json"])

    assert parsed.table.num_rows == 5
    assert "2375888137" in parsed.table["id"].to_pylist()
    assert parsed.table["followers_count"].null_count == 5  # no public_metrics were asked for


def test_a_page_without_data_is_an_empty_audience() -> None:
    parsed = parse_files([FIXTURES / "empty_page_tweepy.json"])

    assert parsed.table.num_rows == 0
    assert parsed.table.schema == FOLLOWER_SCHEMA


def test_partial_errors_become_a_warning_and_the_users_are_imported() -> None:
    parsed = parse_files([FIXTURES / "users_lookup_partial_errors_twarc.json"])

    assert parsed.records_read == 96
    assert parsed.table.num_rows == 91
    assert parsed.duplicates == 5
    [warning] = parsed.warnings
    assert warning.startswith("users_lookup_partial_errors_twarc.json: the page reports 8 partial errors")
    assert "Could not find tweet with pinned_tweet_id" in warning


def test_partial_errors_about_users_say_those_users_are_missing(tmp_path: Path) -> None:
    page = {
        "data": [_user(1)],
        "errors": [
            {
                "value": "99",
                "detail": "Could not find user with ids: [99].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "ids",
                "resource_id": "99",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ],
    }

    parsed = parse_files([_write(tmp_path, "lookup.json", page)])

    assert parsed.table.num_rows == 1
    assert parsed.warnings == [
        "lookup.json: the page reports 1 partial error (e.g. 'Could not find user with ids: [99].'); "
        "those users are not in it"
    ]


def test_a_single_user_response_imports_one_user() -> None:
    parsed = parse_files([FIXTURES / "single_user_pytwitter.json"])

    assert parsed.table.num_rows == 1


def test_a_page_of_posts_imports_the_authors_in_includes_users() -> None:
    parsed = parse_files([FIXTURES / "tweets_with_includes_users_pytwitter.json"])

    assert sorted(parsed.table["username"].to_pylist()) == ["Twitter", "TwitterDev"]


def test_posts_without_included_users_are_refused_with_a_hint(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "timeline.json", {"data": [{"id": "1", "text": "hello"}], "meta": {"result_count": 1}}
    )

    with pytest.raises(ImportFailed) as failure:
        parse_files([path])

    assert failure.value.location is None
    assert "timeline.json: no X API v2 user objects found" in failure.value.message
    assert "expansions=author_id" in failure.value.message


def test_an_error_response_is_not_an_empty_page(tmp_path: Path) -> None:
    path = _write(tmp_path, "429.json", {"errors": [{"code": 88, "message": "Rate limit exceeded"}]})

    with pytest.raises(ImportFailed, match="429.json: is an X API error response.*Rate limit exceeded"):
        parse_files([path])


def test_post_count_and_pinned_post_id_are_read_as_the_older_names(tmp_path: Path) -> None:
    user = {
        "id": "7",
        "username": "newer_spec",
        "pinned_post_id": "1700000000000000000",
        "public_metrics": {
            "followers_count": 10,
            "following_count": 20,
            "post_count": 30,
            "listed_count": 1,
            "like_count": 5,
            "media_count": 2,
        },
    }

    [row] = parse_files([_write(tmp_path, "page.json", {"data": [user]})]).table.to_pylist()

    assert (row["tweet_count"], row["like_count"], row["media_count"]) == (30, 5, 2)
    assert row["pinned_tweet_id"] == "1700000000000000000"


def test_a_bare_user_object_and_arrays_of_users_or_pages_import(tmp_path: Path) -> None:
    bare = _write(tmp_path, "one.json", _user(1))
    array = _write(tmp_path, "many.json", [_user(2), _user(3)])
    pages = _write(tmp_path, "pages.json", [{"data": [_user(4)]}, {"data": [_user(5)], "meta": {}}])

    parsed = parse_files([bare, array, pages])

    assert parsed.table["id"].to_pylist() == ["1", "2", "3", "4", "5"]


# JSON Lines and CSV -----------------------------------------------------------------------------------------


def test_json_lines_import_one_user_per_line_skipping_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "followers.jsonl", _jsonl([_user(1), _user(2)]) + "\n" + _jsonl([_user(3)]))

    parsed = parse_files([path])

    assert parsed.table["id"].to_pylist() == ["1", "2", "3"]
    assert parsed.table["followers_count"].to_pylist() == [1, 2, 3]


def test_json_lines_of_response_pages_as_twarc_writes_them(tmp_path: Path) -> None:
    path = _write(tmp_path, "twarc.jsonl", _jsonl([{"data": [_user(1), _user(2)]}, {"data": [_user(3)]}]))

    assert parse_files([path]).table.num_rows == 3


def test_csv_with_the_documented_header_interactions_and_an_unknown_column(tmp_path: Path) -> None:
    csv_text = (
        "id,username,name,description,location,url,created_at,verified,verified_type,protected,"
        "followers_count,following_count,post_count,listed_count,like_count,media_count,"
        "profile_image_url,pinned_tweet_id,interactions,favourite_colour\n"
        '1,@alice,Alice,"Writes code, drinks tea",London,https://example.com,2019-04-21T19:43:48.000Z,'
        "yes,blue,0,1200,300,4500,12,,,,,17,green\n"
        "2,bob,,,,,,FALSE,,True,5,6,7,0,1,2,,,0,\n"
    )
    path = _write(tmp_path, "followers.csv", csv_text)

    parsed = parse_files([path])

    alice, bob = parsed.table.to_pylist()
    assert alice["username"] == "alice"
    assert alice["description"] == "Writes code, drinks tea"
    assert alice["created_at"] == datetime(2019, 4, 21, 19, 43, 48, tzinfo=UTC)
    assert (alice["verified"], alice["verified_type"], alice["protected"]) == (True, "blue", False)
    assert (alice["followers_count"], alice["tweet_count"], alice["like_count"]) == (1200, 4500, None)
    assert alice["interactions"] == 17
    assert (bob["name"], bob["verified"], bob["protected"], bob["interactions"]) == (None, False, True, 0)
    assert parsed.warnings == ["followers.csv: ignored unknown columns: favourite_colour"]


def test_files_without_a_known_extension_are_sniffed(tmp_path: Path) -> None:
    jsonl = _write(tmp_path, "export.txt", _jsonl([_user(1), _user(2)]))
    csv = _write(tmp_path, "export.dat", "id,username\n3,carol\n")
    page = _write(tmp_path, "export", json.dumps({"data": [_user(4)]}, indent=2))

    parsed = parse_files([jsonl, csv, page])

    assert parsed.table["id"].to_pylist() == ["1", "2", "3", "4"]


def test_users_are_deduplicated_by_id_across_files_and_the_last_one_wins(tmp_path: Path) -> None:
    first = _write(tmp_path, "monday.jsonl", _jsonl([_user(1, name="Old name"), _user(2)]))
    second = _write(tmp_path, "tuesday.json", {"data": [_user(3), _user(1, name="New name")]})

    parsed = parse_files([first, second])

    assert parsed.records_read == 4
    assert parsed.duplicates == 1
    assert sorted(parsed.table["id"].to_pylist()) == ["1", "2", "3"]
    assert {row["id"]: row["name"] for row in parsed.table.to_pylist()}["1"] == "New name"


# Errors name the file, the line or record, and the field --------------------------------------------------


def test_a_bad_count_in_json_lines_names_file_line_and_field(tmp_path: Path) -> None:
    bad = _user(3)
    bad["public_metrics"]["followers_count"] = "abc"
    path = _write(tmp_path, "followers.jsonl", _jsonl([_user(1), _user(2), bad]))

    with pytest.raises(ImportFailed) as failure:
        parse_files([path])

    error = failure.value
    assert (error.file, error.location, error.field) == (
        "followers.jsonl",
        "line 3",
        "public_metrics.followers_count",
    )
    assert error.message == (
        "followers.jsonl, line 3: field 'public_metrics.followers_count': must be a non-negative integer, "
        "got 'abc'; nothing was imported"
    )


def test_a_missing_username_in_csv_names_the_line_with_the_header_as_line_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "followers.csv", "id,username,followers_count\n1,a,5\n2,b,6\n3,,7\n")

    with pytest.raises(ImportFailed) as failure:
        parse_files([path])

    assert (
        failure.value.message == "followers.csv, line 4: field 'username': is required; nothing was imported"
    )


def test_csv_lines_count_physical_lines_when_a_quoted_cell_spans_several(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "bios.csv", 'id,username,description,followers_count\n1,a,"two\nlines",5\n2,b,,-4\n'
    )

    with pytest.raises(ImportFailed) as failure:
        parse_files([path])

    assert (failure.value.location, failure.value.field) == ("line 4", "followers_count")
    assert "must be a non-negative integer, got '-4'" in failure.value.message


def test_a_bad_record_in_a_json_page_names_its_record_number(tmp_path: Path) -> None:
    page = {"data": [_user(1), _user(2), _user(3, verified_type="gold")], "meta": {"result_count": 3}}

    with pytest.raises(ImportFailed) as failure:
        parse_files([_write(tmp_path, "page.json", page)])

    assert failure.value.message == (
        "page.json, record 3 of data: field 'verified_type': "
        "must be one of blue, business, government, none, got 'gold'; nothing was imported"
    )


def test_a_bad_included_user_names_its_place_in_includes(tmp_path: Path) -> None:
    page = {
        "data": [{"id": "9", "text": "hi"}],
        "includes": {"users": [_user(1), {"id": "x1", "username": "b"}]},
    }

    with pytest.raises(ImportFailed) as failure:
        parse_files([_write(tmp_path, "posts.json", page)])

    assert (failure.value.location, failure.value.field) == ("includes.users record 2", "id")


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "page.json", '{"data": [\n  {"id": "1", "username": "a"},\n  {"id": "2",}\n]}\n')

    with pytest.raises(ImportFailed) as failure:
        parse_files([path])

    assert failure.value.location == "line 3"
    assert failure.value.message.startswith("page.json, line 3: is not valid JSON")


def test_malformed_json_lines_name_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "followers.jsonl", _jsonl([_user(1)]) + '{"id": "2", "username": \n')

    with pytest.raises(ImportFailed, match=r"followers.jsonl, line 2: is not valid JSON"):
        parse_files([path])


def test_a_csv_without_a_required_column_names_line_one_and_the_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "followers.csv", "id,name,followers_count\n1,Alice,5\n")

    with pytest.raises(ImportFailed) as failure:
        parse_files([path])

    assert (failure.value.location, failure.value.field) == ("line 1", "username")
    assert failure.value.message.startswith(
        "followers.csv, line 1: field 'username': the header has no 'username'"
    )


def test_an_upload_is_read_by_its_display_name_and_errors_use_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "tmp8f3k2.upload", "id,username\n1,\n")
    page = _write(tmp_path, "tmp0a9z1", json.dumps({"data": [_user(1)]}, indent=2))

    assert parse_files([page], display_names=["page.json"]).files == ["page.json"]

    with pytest.raises(ImportFailed, match=r"^my followers\.csv, line 2: field 'username'"):
        parse_files([path], display_names=["my followers.csv"])


def test_nothing_is_returned_when_a_later_file_is_bad(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.jsonl", _jsonl([_user(1)]))
    bad = _write(tmp_path, "bad.csv", "id,username\nnot-an-id,a\n")

    with pytest.raises(ImportFailed) as failure:
        parse_files([good, bad])

    assert failure.value.message == (
        "bad.csv, line 2: field 'id': must be a numeric X id (a string of digits), got 'not-an-id'; "
        "nothing was imported"
    )


# User objects in a request body ----------------------------------------------------------------------------


def test_user_objects_from_a_request_are_validated_and_deduplicated() -> None:
    parsed = parse_user_objects([_user(1), _user(2), _user(1, name="Again")])

    assert parsed.files == ["followerData"]
    assert parsed.table.num_rows == 2 and parsed.duplicates == 1


def test_a_bad_request_record_names_the_source_record_and_field() -> None:
    with pytest.raises(ImportFailed) as failure:
        parse_user_objects([_user(1), _user(2), {"id": "3"}])

    assert (
        failure.value.message == "followerData, record 3: field 'username': is required; nothing was imported"
    )


def test_request_data_that_is_not_a_list_is_refused_as_a_whole() -> None:
    with pytest.raises(ImportFailed) as failure:
        parse_user_objects({"data": []})

    assert failure.value.location is None
    assert (
        failure.value.message
        == "followerData: must be a list of user objects, got an object; nothing was imported"
    )


def test_duplicates_across_batches_keep_the_last_copy_in_arrival_order():
    """Rows become Arrow tables every 50,000; a repeated id is still resolved across those batches."""
    objects = [{"id": str(i), "username": f"u{i}"} for i in range(1, 60_001)]
    objects[55_000] = {"id": "7", "username": "seven_again"}  # replaces id 55001's slot with a repeat of 7
    parsed = parse_user_objects(objects)
    assert parsed.records_read == 60_000 and parsed.duplicates == 1 and parsed.table.num_rows == 59_999
    ids = parsed.table.column("id").to_pylist()
    assert "7" not in ids[:50_000] and ids.index("7") == 54_999
    assert parsed.table.column("username").to_pylist()[54_999] == "seven_again"
