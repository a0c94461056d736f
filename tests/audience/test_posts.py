"""Importing posts and interactions: recorded X API v2 pages, JSON Lines and CSV, and every bad record."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from followlytics.audience.posts import parse_interactions, parse_posts
from followlytics.audience.schema import INTERACTION_SCHEMA, TWEET_SCHEMA
from followlytics.errors import ImportFailed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x-api-v2"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "x-api-v2"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _write(folder: Path, name: str, content: str | Any) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _post(post_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(post_id),
        "author_id": "42",
        "text": f"post {post_id}",
        "created_at": "2025-03-01T12:00:00.000Z",
        "public_metrics": {"like_count": post_id, "retweet_count": 1, "reply_count": 0, "quote_count": 0},
        **fields,
    }


def _failure(paths: list[Path], parse=parse_posts) -> ImportFailed:
    with pytest.raises(ImportFailed) as failure:
        parse(paths)
    return failure.value


def _rows(table: pa.Table, key: str = "id") -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in table.to_pylist()}


# Posts: recorded X API v2 responses -----------------------------------------------------------------------


def test_a_recorded_timeline_page_imports_every_post_with_its_metrics() -> None:
    parsed = parse_posts([FIXTURES / "timeline_tweets_pytwitter.json"])

    assert parsed.table.schema == TWEET_SCHEMA
    assert (parsed.table.num_rows, parsed.records_read, parsed.duplicates) == (5, 5, 0)
    assert parsed.warnings == [] and parsed.files == ["timeline_tweets_pytwitter.json"]
    first = _rows(parsed.table)["1364275610764201984"]
    assert first["created_at"] == datetime(2021, 2, 23, 18, 7, 7, tzinfo=UTC)
    assert (first["like_count"], first["retweet_count"], first["reply_count"], first["quote_count"]) == (
        37,
        10,
        2,
        1,
    )
    # Not requested from the API: unknown, which is not the same as zero.
    assert first["bookmark_count"] is None and first["impression_count"] is None
    assert first["author_id"] is None and first["referenced_type"] is None
    assert sum(parsed.table["like_count"].to_pylist()) == 37 + 58 + 9 + 8 + 74


def test_recorded_post_objects_as_json_lines_keep_every_field_the_schema_stores() -> None:
    parsed = parse_posts([FIXTURES / "tweets_derived_head100.jsonl"])

    table = parsed.table
    assert table.num_rows == 100 and parsed.duplicates == 0
    rows = _rows(table)
    reply = rows["1339667017109032966"]
    assert (reply["author_id"], reply["lang"], reply["text"]) == (
        "1307302673318895621",
        "en",
        "@RedTheOne 🤖 :  Salut!",
    )
    assert (reply["referenced_type"], reply["referenced_id"]) == ("replied_to", "1339666969788882944")
    newer = rows["1721182049565081649"]
    assert (newer["bookmark_count"], newer["impression_count"], newer["retweet_count"]) == (0, 2, 49)
    assert table["bookmark_count"].null_count == 92  # only 8 of the 100 posts carry it
    assert table["author_id"].null_count == 10


def test_partial_errors_become_a_warning_and_the_post_is_imported() -> None:
    parsed = parse_posts([FIXTURES / "tweets_partial_errors_twarc.json"])

    [post] = parsed.table.to_pylist()
    assert (post["id"], post["author_id"], post["lang"]) == ("506695756406095872", "425674827", "ru")
    assert (post["referenced_type"], post["referenced_id"]) == ("replied_to", "506694458445152256")
    assert parsed.warnings == [
        "tweets_partial_errors_twarc.json: the page reports 1 partial error (e.g. 'Could not find tweet with "
        "referenced_tweets.id: [506694458445152256].'); what they name is not in it"
    ]


def test_pages_from_several_files_and_an_empty_page_import_together() -> None:
    parsed = parse_posts(
        [
            FIXTURES / "timeline_tweets_pytwitter.json",
            FIXTURES / "search_page_twarc.json",
            FIXTURES / "empty_page_tweepy.json",
        ]
    )

    assert parsed.table.num_rows == 6
    repost = _rows(parsed.table)["1394735776701816833"]
    assert (repost["referenced_type"], repost["lang"]) == ("retweeted", "und")


@pytest.mark.parametrize(
    "shape",
    ["single post response", "bare post", "array of posts", "array of pages", "jsonl of pages"],
)
def test_every_response_shape_holding_posts_is_read(tmp_path: Path, shape: str) -> None:
    one, two = _post(1), _post(2)
    documents = {
        "single post response": ("p.json", {"data": one}),
        "bare post": ("p.json", one),
        "array of posts": ("p.json", [one, two]),
        "array of pages": ("p.json", [{"data": [one]}, {"data": [two], "meta": {"result_count": 1}}]),
        "jsonl of pages": (
            "p.jsonl",
            json.dumps({"data": [one]}) + "\n\n" + json.dumps({"data": [two]}) + "\n",
        ),
    }
    name, content = documents[shape]

    parsed = parse_posts([_write(tmp_path, name, content)])

    assert sorted(parsed.table["id"].to_pylist()) == (
        ["1"] if "single" in shape or "bare" in shape else ["1", "2"]
    )


def test_posts_are_deduplicated_by_id_and_the_last_occurrence_wins(tmp_path: Path) -> None:
    older = _write(tmp_path, "a.jsonl", "".join(json.dumps(_post(n)) + "\n" for n in (1, 2, 3)))
    fresher = _post(2, public_metrics={"like_count": 99})
    newer = _write(tmp_path, "b.json", {"data": [fresher, _post(4)]})

    parsed = parse_posts([older, newer])

    assert (parsed.records_read, parsed.duplicates) == (5, 1)
    assert parsed.table["id"].to_pylist() == ["1", "3", "2", "4"]  # arrival order of the kept occurrences
    assert _rows(parsed.table)["2"]["like_count"] == 99
    assert _rows(parsed.table)["2"]["retweet_count"] is None


def test_ids_sent_as_numbers_and_times_without_offset_are_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "p.jsonl", json.dumps({"id": 7, "text": "x", "created_at": "2025-01-02T03:04:05"})
    )

    [post] = parse_posts([path]).table.to_pylist()

    assert post["id"] == "7" and post["created_at"] == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


# Posts: refusals ------------------------------------------------------------------------------------------


def test_a_followers_page_given_as_posts_is_refused_with_a_hint() -> None:
    failure = _failure([FIXTURES / "following_page_pytwitter.json"])

    assert failure.location is None
    assert failure.message.startswith("following_page_pytwitter.json: no X API v2 post objects found")
    assert "--kind followers" in failure.message


@pytest.mark.parametrize(
    ("content", "location", "field", "problem"),
    [
        (
            [_post(1), _post(2, id="12ab")],
            "line 2",
            "id",
            "must be a numeric X id (a string of digits), got '12ab'",
        ),
        ([_post(1), {"text": "no id"}], "line 2", "id", "is required"),
        (
            [_post(1, public_metrics={"like_count": -1})],
            "line 1",
            "public_metrics.like_count",
            "must be a non-negative integer, got -1",
        ),
        (
            [_post(1, public_metrics={"like_count": 1, "impression_count": "many"})],
            "line 1",
            "public_metrics.impression_count",
            "must be a non-negative integer, got 'many'",
        ),
        (
            [_post(1, created_at="yesterday")],
            "line 1",
            "created_at",
            "must be an ISO 8601 date-time such as 2019-04-21T19:43:48.000Z, got 'yesterday'",
        ),
        (
            [_post(1, referenced_tweets=[{"type": "liked", "id": "5"}])],
            "line 1",
            "referenced_tweets.0.type",
            "must be one of replied_to, quoted, retweeted, got 'liked'",
        ),
        (
            [_post(1, referenced_tweets=[{"type": "quoted", "id": "x"}])],
            "line 1",
            "referenced_tweets.0.id",
            "must be a numeric X id (a string of digits), got 'x'",
        ),
        (
            [_post(1, author_id="@me")],
            "line 1",
            "author_id",
            "must be a numeric X id (a string of digits), got '@me'",
        ),
        ([_post(1, text=5)], "line 1", "text", "must be a string, got 5"),
    ],
)
def test_a_bad_post_names_the_file_line_and_field(
    tmp_path: Path, content: list[Any], location: str, field: str, problem: str
) -> None:
    path = _write(tmp_path, "posts.jsonl", "".join(json.dumps(obj) + "\n" for obj in content))

    failure = _failure([path])

    assert (failure.file, failure.location, failure.field, failure.problem) == (
        "posts.jsonl",
        location,
        field,
        problem,
    )
    assert failure.message == f"posts.jsonl, {location}: field '{field}': {problem}; nothing was imported"


def test_a_bad_post_in_a_page_names_the_page_and_record(tmp_path: Path) -> None:
    pages = [{"data": [_post(1)]}, {"data": [_post(2), _post(3, created_at=17)]}]

    failure = _failure([_write(tmp_path, "pages.json", pages)])

    assert failure.message.startswith(
        "pages.json, page 2, record 2 of data: field 'created_at': must be an ISO 8601"
    )


def test_a_line_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "posts.jsonl", json.dumps(_post(1)) + "\n" + '{"id": "2", "text": \n')

    failure = _failure([path])

    assert failure.location == "line 2" and "is not valid JSON" in failure.problem


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("posts.csv", "id,text\n1,hello\n", "is not JSON: posts are imported from X API v2 pages"),
        ("429.json", {"errors": [{"message": "Rate limit exceeded"}]}, "is an X API error response"),
        ("counts.json", {"data": [{"start": "2021", "tweet_count": 4}]}, "no X API v2 post objects found"),
        ("empty.jsonl", "\n\n", "is empty (expected one post object per line)"),
    ],
)
def test_files_without_posts_are_refused(tmp_path: Path, name: str, content: Any, problem: str) -> None:
    failure = _failure([_write(tmp_path, name, content)])

    assert failure.file == name and problem in failure.problem


@pytest.mark.parametrize("kind", ["posts", "interactions"])
def test_a_bad_file_after_good_ones_fails_the_whole_import(tmp_path: Path, kind: str) -> None:
    if kind == "posts":
        good, bad, parse = FIXTURES / "timeline_tweets_pytwitter.json", "b.jsonl", parse_posts
        _write(tmp_path, bad, json.dumps(_post(1, id="x")))
    else:
        good, bad, parse = (
            _write(tmp_path, "a.csv", "tweet_id,user_id,kind\n1,2,like\n"),
            "b.csv",
            parse_interactions,
        )
        _write(tmp_path, bad, "tweet_id,user_id,kind\n1,2,likes\n1,two,like\n")

    failure = _failure([good, tmp_path / bad], parse)

    assert (failure.file, failure.location) == (bad, "line 1" if kind == "posts" else "line 3")


# Posts: every recorded response in shared/ -----------------------------------------------------------------


def _recordings() -> list[Any]:
    if not SHARED.is_dir():
        reason = f"the recorded payloads are not here ({SHARED.resolve()})"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    return [pytest.param(p, id=str(p.relative_to(SHARED))) for p in sorted(SHARED.rglob("*.json"))]


def _post_ids(body: Any) -> set[str]:
    """The ids of the posts a response holds in `data` (users and direct-message events are not posts)."""
    data = body.get("data") if isinstance(body, dict) else None
    items = data if isinstance(data, list) else [data, body]  # a single-post response, or a bare post
    return {
        item["id"]
        for item in items
        if isinstance(item, dict) and "text" in item and "username" not in item and "event_type" not in item
    }


@pytest.mark.parametrize("recording", _recordings())
def test_each_recorded_body_with_posts_imports_every_distinct_post(recording: Path, tmp_path: Path) -> None:
    record = json.loads(recording.read_text(encoding="utf-8"))
    if "body" not in record:
        pytest.skip("not a recorded response (no body)")
    path = _write(tmp_path, recording.name, record["body"])
    expected = _post_ids(record["body"])

    if expected:
        parsed = parse_posts([path])
        assert set(parsed.table["id"].to_pylist()) == expected
    else:  # users, counts, DM events, errors: an empty page or a clear refusal, never a crash
        try:
            parsed = parse_posts([path])
        except ImportFailed as failure:
            assert failure.file == recording.name
        else:
            assert parsed.table.num_rows == 0


# Interactions: X API v2 pages keyed by endpoint and post id ------------------------------------------------

POST_A = "1354143047324299264"
POST_B = "1409931481552543749"


def test_recorded_liking_reposting_and_quoting_pages_become_interactions(tmp_path: Path) -> None:
    document = {
        "liking_users": {POST_A: _fixture("liking_users_pytwitter.json")},
        "retweeted_by": {
            POST_A: [_fixture("retweeted_by_pytwitter.json"), _fixture("empty_page_tweepy.json")]
        },
        "quote_tweets": {POST_B: _fixture("quote_tweets_pytwitter.json")},
    }

    parsed = parse_interactions([_write(tmp_path, "interactions.json", document)])

    table = parsed.table
    assert table.schema == INTERACTION_SCHEMA
    # 4 likes + 5 reposts + 15 quotes, one of them a second quote by the same author.
    assert (parsed.records_read, parsed.duplicates, table.num_rows) == (24, 1, 23)
    rows = table.to_pylist()
    assert {(r["tweet_id"], r["user_id"]) for r in rows if r["kind"] == "like"} == {
        (POST_A, "1000247636354461697"),
        (POST_A, "277113913"),
        (POST_A, "830556510971424769"),
        (POST_A, "1245341371046584320"),
    }
    assert sorted(r["user_id"] for r in rows if r["kind"] == "retweet") == sorted(
        ["1065249714214457345", "783214", "1526228120", "2244994945", "6253282"]
    )
    quotes = [r for r in rows if r["kind"] == "quote"]
    assert len(quotes) == 14 and {r["tweet_id"] for r in quotes} == {POST_B}
    by_author = {r["user_id"]: r["created_at"] for r in quotes}
    assert by_author["29757971"] == datetime(2022, 2, 22, 4, 31, 34, tzinfo=UTC)
    # 857699969263964161 quoted twice; the last page record (2021-08-03) is kept.
    assert by_author["857699969263964161"] == datetime(2021, 8, 3, 19, 22, tzinfo=UTC)
    assert all(r["created_at"] is None for r in rows if r["kind"] in ("like", "retweet"))


def test_replies_are_posts_whose_author_replied(tmp_path: Path) -> None:
    page = {
        "data": [_post(10, author_id="7"), _post(11, author_id="8", created_at="2025-03-02T00:00:00+01:00")]
    }

    parsed = parse_interactions([_write(tmp_path, "i.json", {"replies": {"5": page}})])

    assert parsed.table.to_pylist() == [
        {
            "tweet_id": "5",
            "user_id": "7",
            "kind": "reply",
            "created_at": datetime(2025, 3, 1, 12, tzinfo=UTC),
        },
        {
            "tweet_id": "5",
            "user_id": "8",
            "kind": "reply",
            "created_at": datetime(2025, 3, 1, 23, tzinfo=UTC),
        },
    ]


def test_json_lines_of_interaction_objects_are_read(tmp_path: Path) -> None:
    lines = [
        {"liking_users": {"1": {"data": [{"id": "7", "username": "a"}]}}},
        {
            "liking_users": {"2": {"data": [{"id": "7", "username": "a"}]}},
            "retweeted_by": {"1": {"meta": {}}},
        },
    ]
    path = _write(tmp_path, "i.jsonl", "".join(json.dumps(line) + "\n" for line in lines))

    parsed = parse_interactions([path])

    assert parsed.table.select(["tweet_id", "user_id", "kind"]).to_pylist() == [
        {"tweet_id": "1", "user_id": "7", "kind": "like"},
        {"tweet_id": "2", "user_id": "7", "kind": "like"},
    ]


@pytest.mark.parametrize(
    ("document", "location", "field", "problem"),
    [
        (
            {"likes": {"1": {"data": []}}},
            None,
            "likes",
            "is not one of liking_users, retweeted_by, quote_tweets, replies "
            "(each maps post ids to X API v2 pages)",
        ),
        (
            {"liking_users": {"post1": {"data": []}}},
            None,
            "liking_users",
            "the key 'post1' must be a post id (a numeric X id, a string of digits)",
        ),
        (
            {"liking_users": {"1": {"data": [{"id": "7", "username": "a"}, {"id": "x7", "username": "b"}]}}},
            "liking_users, post 1, record 2 of data",
            "id",
            "must be a numeric X id (a string of digits), got 'x7'",
        ),
        (
            {"quote_tweets": {"1": [{"meta": {}}, {"data": [{"id": "9", "text": "no author"}]}]}},
            "quote_tweets, post 1, page 2, record 1 of data",
            "author_id",
            "is required (request the posts with tweet.fields=author_id)",
        ),
        (
            {"replies": {"1": {"data": [{"id": "9", "author_id": "3", "created_at": "soon"}]}}},
            "replies, post 1, record 1 of data",
            "created_at",
            "must be an ISO 8601 date-time such as 2019-04-21T19:43:48.000Z, got 'soon'",
        ),
        (
            {"retweeted_by": {"1": "users"}},
            "retweeted_by, post 1",
            None,
            "must be an X API v2 page or a list of pages, got 'users'",
        ),
        (
            {"retweeted_by": {"1": {"errors": [{"detail": "Not Found"}]}}},
            "retweeted_by, post 1",
            None,
            "is an X API error response, not a page ('Not Found')",
        ),
    ],
)
def test_a_bad_interaction_page_names_the_endpoint_post_record_and_field(
    tmp_path: Path, document: Any, location: str | None, field: str | None, problem: str
) -> None:
    failure = _failure([_write(tmp_path, "i.json", document)], parse_interactions)

    assert (failure.file, failure.location, failure.field, failure.problem) == (
        "i.json",
        location,
        field,
        problem,
    )


def test_interaction_pages_with_partial_errors_warn(tmp_path: Path) -> None:
    page = {"data": [{"id": "7", "username": "a"}], "errors": [{"detail": "User has been suspended: [x]."}]}

    parsed = parse_interactions([_write(tmp_path, "i.json", {"liking_users": {"1": page}})])

    assert parsed.table.num_rows == 1
    assert parsed.warnings == [
        "i.json: the page reports 1 partial error (e.g. 'User has been suspended: [x].'); "
        "what they name is not in it"
    ]


# Interactions: CSV ----------------------------------------------------------------------------------------


def test_a_csv_accepts_kind_spellings_optional_times_and_keeps_the_last_duplicate(tmp_path: Path) -> None:
    csv = (
        "user_id,Tweet_ID,kind,created_at,note\n"
        "7,1,Likes,2025-03-01T10:00:00Z,first\n"
        "8,1,repost,,\n"
        "9,2,REPLIES,2025-03-01 10:00:00,\n"
        "7,2,quoted,2025-03-01T10:00:00+02:00,\n"
        "7,1,liked,2025-03-02T10:00:00.000Z,again\n"
    )

    parsed = parse_interactions([_write(tmp_path, "i.csv", csv)])

    assert (parsed.records_read, parsed.duplicates) == (5, 1)
    assert parsed.warnings == ["i.csv: ignored unknown columns: note"]
    assert parsed.table.to_pylist() == [
        {"tweet_id": "1", "user_id": "8", "kind": "retweet", "created_at": None},
        {
            "tweet_id": "2",
            "user_id": "9",
            "kind": "reply",
            "created_at": datetime(2025, 3, 1, 10, tzinfo=UTC),
        },
        {"tweet_id": "2", "user_id": "7", "kind": "quote", "created_at": datetime(2025, 3, 1, 8, tzinfo=UTC)},
        {"tweet_id": "1", "user_id": "7", "kind": "like", "created_at": datetime(2025, 3, 2, 10, tzinfo=UTC)},
    ]


def test_a_csv_without_created_at_has_unknown_times(tmp_path: Path) -> None:
    parsed = parse_interactions([_write(tmp_path, "i.csv", "tweet_id,user_id,kind\n1,7,like\n1,8,quote\n")])

    assert parsed.table["created_at"].to_pylist() == [None, None]
    assert parsed.table["kind"].to_pylist() == ["like", "quote"]


def test_a_messy_csv_reads_the_same_as_a_clean_one(tmp_path: Path) -> None:
    # Padded cells, odd case, a blank line, a quoted cell spanning lines and times with and without offsets.
    clean = (
        "tweet_id,user_id,kind,created_at\n"
        "1,7,like,2025-03-01T10:00:00Z\n2,8,retweet,\n3,9,reply,2025-03-01\n4,9,quote,2025-03-01T12:00:00Z\n"
    )
    messy = (
        'tweet_id,user_id,kind,created_at,note\n 1 ,7, Like ,2025-03-01T10:00:00Z ,"two\nlines"\n\n'
        "2,8,RETWEETS,  ,\n3,9,replied,2025-03-01,\n4,9,Quotes,2025-03-01T13:00:00+01:00,\n"
    )

    tables = [
        parse_interactions([_write(tmp_path, f"{n}.csv", c)]).table for n, c in (("c", clean), ("m", messy))
    ]

    assert tables[0].num_rows == 4
    assert tables[0].equals(tables[1])


def test_the_fast_and_the_line_by_line_csv_readers_agree(tmp_path: Path) -> None:
    # A clean file takes pyarrow's reader and a bad one the line-by-line reader, which names the bad line;
    # on a valid file both must give the same table, or an import would depend on which one ran.
    from followlytics.audience.posts import _csv_fast, _csv_header, _csv_slow

    rng = np.random.default_rng(5)
    kinds = np.array(
        ["like", " Likes", "LIKED", "retweet", "reposts ", "reply", "Replies", "quote", "quoted"]
    )
    times = np.array(
        ["", "2025-03-01T10:00:00Z", "2025-03-01 10:00:00", "2025-03-01T10:00:00.5-05:00", "2025-03-01"]
    )
    rows = [
        f"{rng.integers(1, 10**18)}, {rng.integers(1, 10**9)} ,{rng.choice(kinds)},{rng.choice(times)},x\n"
        for _ in range(2_000)
    ]
    path = _write(tmp_path, "i.csv", "tweet_id,user_id,kind,created_at,note\n" + "".join(rows))
    header = _csv_header(path, "i.csv", [])

    fast = _csv_fast(path, header)

    assert fast is not None and fast.num_rows == 2_000
    assert fast.equals(_csv_slow(path, "i.csv", header))


@pytest.mark.parametrize(
    ("csv", "location", "field", "problem"),
    [
        (
            "tweet_id,kind\n1,like\n",
            "line 1",
            "user_id",
            "the header has no 'user_id' column (required: tweet_id, user_id, kind; optional: created_at)",
        ),
        (
            "tweet_id,user_id,kind,Kind\n1,2,like,like\n",
            "line 1",
            "kind",
            "the header names this column twice",
        ),
        (
            "tweet_id,user_id,kind\n1,2,like\n1,3,favourite\n",
            "line 3",
            "kind",
            "must be like, retweet, reply or quote (or likes, liked, repost, replies, …), got 'favourite'",
        ),
        (
            "tweet_id,user_id,kind\n1,2,like\n\n1,@bob,like\n",
            "line 4",
            "user_id",
            "must be a numeric X id (a string of digits), got '@bob'",
        ),
        ("tweet_id,user_id,kind\n,2,like\n", "line 2", "tweet_id", "is required"),
        ("tweet_id,user_id,kind\n1,2,\n", "line 2", "kind", "is required"),
        (
            'tweet_id,user_id,kind,created_at,note\n1,2,like,,"a\nb"\n1,3,like,03/01/2025,\n',
            "line 4",
            "created_at",
            "must be an ISO 8601 date-time such as 2019-04-21T19:43:48.000Z, got '03/01/2025'",
        ),
        (
            "tweet_id,user_id,kind\n1,2,like,extra\n",
            "line 2",
            None,
            "has 4 cells but the header has 3 columns",
        ),
    ],
)
def test_a_bad_csv_row_names_the_file_line_and_field(
    tmp_path: Path, csv: str, location: str, field: str | None, problem: str
) -> None:
    failure = _failure([_write(tmp_path, "interactions.csv", csv)], parse_interactions)

    assert (failure.file, failure.location, failure.field, failure.problem) == (
        "interactions.csv",
        location,
        field,
        problem,
    )


def test_an_empty_csv_is_refused(tmp_path: Path) -> None:
    failure = _failure([_write(tmp_path, "i.csv", "")], parse_interactions)

    assert failure.problem == "is empty (expected a CSV header: tweet_id,user_id,kind,created_at)"


def test_a_large_csv_keeps_one_row_per_post_user_and_kind(tmp_path: Path) -> None:
    # 200,000 rows over 50 posts x 1,000 users x 4 kinds: the first 150,000 are distinct, the rest repeats.
    rng = np.random.default_rng(3)
    distinct = rng.choice(50 * 1000 * 4, size=150_000, replace=False)
    keys = np.concatenate([distinct, rng.choice(distinct, size=50_000)])
    post, rest = np.divmod(keys, 4000)
    user, kind = np.divmod(rest, 4)
    names = np.array(["like", "retweet", "reply", "quote"])[kind]
    lines = [f"{p + 10**18},{u + 10**6},{k}\n" for p, u, k in zip(post, user, names, strict=True)]
    path = _write(tmp_path, "big.csv", "tweet_id,user_id,kind\n" + "".join(lines))

    parsed = parse_interactions([path])

    assert (parsed.records_read, parsed.duplicates, parsed.table.num_rows) == (200_000, 50_000, 150_000)
    table = parsed.table
    assert Counter(table["kind"].to_pylist()) == Counter(names[:150_000].tolist())
    expected = {(str(p + 10**18), str(u + 10**6), k) for p, u, k in zip(post, user, names, strict=True)}
    got = zip(
        table["tweet_id"].to_pylist(), table["user_id"].to_pylist(), table["kind"].to_pylist(), strict=True
    )
    assert set(got) == expected
