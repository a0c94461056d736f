"""Reading posts and interactions into validated tables: X API v2 post objects into TWEET_SCHEMA (the `tweets`
and `follower_tweets` datasets) and who liked, reposted, replied to or quoted which post into
INTERACTION_SCHEMA (the `interactions` dataset).

The contract is the follower importer's (`importers.py`): every record is validated before anything is
returned, the first bad one aborts with an `ImportFailed` naming the file, the line or record and the field,
and the format comes from the extension (`.json`, `.jsonl`/`.ndjson`, `.csv`), else from the first bytes.

Posts (`parse_posts`):
- JSON: an X API v2 response whose `data` is a list of posts (a user's timeline, search, quote posts, posts
  lookup: `{"data": [...], "includes": {...}, "meta": {...}}`); a page without `data` (an empty page); a
  single-post response `{"data": {...}}`; a bare post object; or an array of posts or of pages. Partial
  `errors` become a warning. `includes` is not read: it holds other people's referenced posts.
- JSON Lines: one post object or one response page per line (as twarc2 saves them).
  A post object is an object without `username` that has `text`, `author_id`, `public_metrics`,
  `referenced_tweets` or `edit_history_tweet_ids`. Stored: `id` (required), `author_id`, `text`,
  `created_at`, `lang`, the six `public_metrics` counts (like, retweet, reply, quote, bookmark, impression;
  absent means null, not 0) and the first `referenced_tweets` entry (`replied_to`, `quoted` or `retweeted`
  and its id). Posts are de-duplicated by id; the last occurrence wins (a later export has fresher counts).

Interactions (`parse_interactions`):
- JSON: one object (or JSON Lines of such objects) mapping X API v2 endpoints to post ids and their pages,
      {"liking_users": {"<post id>": page or [pages]}, "retweeted_by": {...}, "quote_tweets": {...},
       "replies": {...}}
  `liking_users` (kind like) and `retweeted_by` (retweet) pages hold user objects, and the time is unknown;
  `quote_tweets` (quote) and `replies` (reply) pages hold posts: the user is the post's `author_id`, the
  time its `created_at`. Records are named `liking_users, post 1460…, page 2, record 3 of data`.
- CSV: header `tweet_id,user_id,kind[,created_at]` in any order; `kind` is like/likes/liked,
  retweet/retweets/retweeted/repost/reposts/reposted, reply/replies/replied or quote/quotes/quoted, in any
  case; an empty `created_at` is unknown. Parsed by pyarrow when the file is clean; otherwise (or to find
  which line is bad) by a line-by-line reader that gives the same rows.
  Rows are de-duplicated by (tweet_id, user_id, kind); the last occurrence wins.

Ids (post, author and user ids) are numeric X ids: strings of digits (JSON numbers are accepted).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from followlytics.audience.importers import (
    PageWalk,
    ParsedAudience,
    error_text,
    file_format,
    is_page,
    json_error,
    located,
    partial_errors_warning,
    shown,
    whole_file_error,
)
from followlytics.audience.schema import INTERACTION_SCHEMA, TWEET_SCHEMA
from followlytics.errors import ImportFailed

_BOM = b"\xef\xbb\xbf"
_ID = re.compile(r"[0-9]{1,20}")
_MAX_ID = 10**20
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_TIME_EXAMPLE = "2019-04-21T19:43:48.000Z"
_METRICS = ("like_count", "retweet_count", "reply_count", "quote_count", "bookmark_count", "impression_count")
_NO_METRICS = (None,) * len(_METRICS)
_METRIC_FIELDS = tuple(f"public_metrics.{name}" for name in _METRICS)
_REFERENCE_TYPES = ("replied_to", "quoted", "retweeted")
_POST_KEYS = ("text", "author_id", "public_metrics", "referenced_tweets", "edit_history_tweet_ids")

_NO_POSTS = (
    'no X API v2 post objects found: expected {"data": [...]} (a timeline, search or posts lookup page), '
    "{\"data\": {...}}, a post object (with 'id' and 'text'), an array of those, or JSON Lines of those"
)
_NOT_A_POST = "is neither an X API v2 post object (with 'id' and 'text') nor a response page (with 'data')"
_USERS_NOT_POSTS = "; it holds user objects, not posts (import it with --kind followers or --kind following)"

# Endpoint key of an interactions JSON object -> the kind of its rows.
_ENDPOINTS = {"liking_users": "like", "retweeted_by": "retweet", "quote_tweets": "quote", "replies": "reply"}
_POSTS_HOLD_THE_USER = frozenset(("quote", "reply"))
_NO_INTERACTIONS = (
    'expected a JSON object {"liking_users": {"<post id>": page}, "retweeted_by": {...}, '
    '"quote_tweets": {...}, "replies": {...}} of X API v2 pages, or CSV tweet_id,user_id,kind,created_at'
)
_KINDS = {
    **dict.fromkeys(("like", "likes", "liked"), "like"),
    **dict.fromkeys(("retweet", "retweets", "retweeted", "repost", "reposts", "reposted"), "retweet"),
    **dict.fromkeys(("reply", "replies", "replied"), "reply"),
    **dict.fromkeys(("quote", "quotes", "quoted"), "quote"),
}
_CSV_COLUMNS = ("tweet_id", "user_id", "kind", "created_at")
_CSV_REQUIRED = ("tweet_id", "user_id", "kind")


def parse_posts(paths: Sequence[Path], *, display_names: Sequence[str] | None = None) -> ParsedAudience:
    """Parse and validate post files into one TWEET_SCHEMA table, one row per post id."""
    posts = _Posts()
    names = _each_file(paths, display_names, lambda path, name: _read_posts(path, name, posts))
    return _distinct(posts.table(), ("id",), names, posts.warnings)


def parse_interactions(
    paths: Sequence[Path], *, display_names: Sequence[str] | None = None
) -> ParsedAudience:
    """Parse and validate interaction files into one INTERACTION_SCHEMA table, one row per (post, user,
    kind)."""
    tables: list[pa.Table] = []
    warnings: list[str] = []
    names = _each_file(
        paths, display_names, lambda path, name: tables.append(_read_interactions(path, name, warnings))
    )
    table = pa.concat_tables(tables) if tables else INTERACTION_SCHEMA.empty_table()
    return _distinct(table, ("tweet_id", "user_id", "kind"), names, warnings)


def _each_file(
    paths: Sequence[Path], display_names: Sequence[str] | None, read: Callable[[Path, str], None]
) -> list[str]:
    names = [Path(p).name for p in paths] if display_names is None else list(display_names)
    if len(names) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(names)} display names")
    for path, name in zip(paths, names, strict=True):
        try:
            read(Path(path), name)
        except UnicodeDecodeError as exc:
            raise whole_file_error(name, f"is not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise whole_file_error(name, f"cannot be read ({exc.strerror})") from None
    return names


def _distinct(
    table: pa.Table, keys: tuple[str, ...], files: list[str], warnings: list[str]
) -> ParsedAudience:
    """Keep the last occurrence of each key, in arrival order."""
    rows = table.num_rows
    if rows > 1:
        last = _key_table(table, keys).group_by(list(keys)).aggregate([("_row", "max")])["_row_max"]
        if len(last) < rows:
            table = table.take(pa.array(np.sort(last.to_numpy())))
    return ParsedAudience(
        table=table, files=files, records_read=rows, duplicates=rows - table.num_rows, warnings=warnings
    )


def _key_table(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    # Grouping by numbers is ~10x faster than by strings: ids become uint64 (every valid id fits unless it
    # has 20 digits above 2^64, then it stays a string) and the kind its dictionary index.
    columns = {}
    for key in keys:
        column = table[key]
        if key == "kind":
            columns[key] = column.combine_chunks().dictionary_encode().indices
            continue
        try:
            columns[key] = pc.cast(column, pa.uint64())
        except (pa.ArrowInvalid, OverflowError):
            columns[key] = column
    columns["_row"] = pa.array(np.arange(table.num_rows, dtype=np.int64))
    return pa.table(columns)


# Field checks: each returns the stored value or raises _Bad, which the caller turns into an ImportFailed.


class _Bad(Exception):
    """A bad field (or record, when `field` is None); `.at(file, location)` is the ImportFailed to raise,
    once the caller, which knows the file and the record, adds them."""

    def __init__(self, field: str | None, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem

    def at(self, file: str, location: str | None) -> ImportFailed:
        return ImportFailed(file=file, location=location, field=self.field, problem=self.problem)


def _id(value: Any, field: str) -> str:
    # isascii + isdigit is _ID without the regex cost, on the path every id takes.
    if type(value) is str and len(value) <= 20 and value.isascii() and value.isdigit():
        return value
    if value is None:
        raise _Bad(field, "is required")
    if type(value) is int and 0 <= value < _MAX_ID:  # some clients write ids as JSON numbers
        return str(value)
    raise _Bad(field, f"must be a numeric X id (a string of digits), got {shown(value)}")


def _string(value: Any, field: str) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _Bad(field, f"must be a string, got {shown(value)}")


def _count(value: Any, field: str) -> int | None:
    if value is None or (type(value) is int and value >= 0):
        return value
    raise _Bad(field, f"must be a non-negative integer, got {shown(value)}")


def _time(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is UTC:
                return parsed
            # A time without an offset (possible in hand-made files) is taken as UTC, the API's own zone.
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise _Bad(field, f"must be an ISO 8601 date-time such as {_TIME_EXAMPLE}, got {shown(value)}")


def _object(value: Any, field: str | None, what: str) -> dict[str, Any]:
    if type(value) is dict:
        return value
    raise _Bad(field, f"must be {what} (a JSON object), got {shown(value)}")


# Posts ----------------------------------------------------------------------------------------------------


class _Posts:
    """Validated post rows in arrival order (tuples in TWEET_SCHEMA order), plus warnings."""

    def __init__(self) -> None:
        self.values: list[tuple[Any, ...]] = []
        self.warnings: list[str] = []

    def add(self, obj: Any, file: str, location: str | None) -> None:
        try:
            self.values.append(_post_values(obj))
        except _Bad as bad:
            raise bad.at(file, location) from None

    def table(self) -> pa.Table:
        if not self.values:
            return TWEET_SCHEMA.empty_table()
        columns = zip(*self.values, strict=True)
        arrays = [
            pa.array(column, type=spec.type) for column, spec in zip(columns, TWEET_SCHEMA, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=TWEET_SCHEMA)


def _post_values(obj: Any) -> tuple[Any, ...]:
    post = _object(obj, None, "an X API v2 post object")
    post_id = _id(post.get("id"), "id")
    author_id = post.get("author_id")
    if author_id is not None:
        author_id = _id(author_id, "author_id")
    text = _string(post.get("text"), "text")
    created_at = _time(post.get("created_at"), "created_at")
    lang = _string(post.get("lang"), "lang") or None
    metrics = post.get("public_metrics")
    if metrics is None:
        counts: tuple[Any, ...] = _NO_METRICS
    else:
        get = _object(metrics, "public_metrics", "an object").get
        counts = (
            get("like_count"),
            get("retweet_count"),
            get("reply_count"),
            get("quote_count"),
            get("bookmark_count"),
            get("impression_count"),
        )
        for count in counts:
            if count is not None and (type(count) is not int or count < 0):
                for value, field in zip(counts, _METRIC_FIELDS, strict=True):
                    _count(value, field)  # raises for the first bad one, naming its field
    references = post.get("referenced_tweets")
    reference_type, reference_id = (None, None) if not references else _first_reference(references)
    return (post_id, author_id, text, created_at, lang, *counts, reference_type, reference_id)


def _first_reference(references: Any) -> tuple[str, str]:
    if type(references) is not list:
        raise _Bad("referenced_tweets", f"must be a list of {{type, id}} objects, got {shown(references)}")
    first = _object(references[0], "referenced_tweets.0", "an object with 'type' and 'id'")
    kind = first.get("type")
    if kind not in _REFERENCE_TYPES:
        problem = "is required" if kind is None else f"must be one of {', '.join(_REFERENCE_TYPES)}"
        raise _Bad("referenced_tweets.0.type", problem + ("" if kind is None else f", got {shown(kind)}"))
    return kind, _id(first.get("id"), "referenced_tweets.0.id")


def _read_posts(path: Path, name: str, posts: _Posts) -> None:
    kind = file_format(path, name)
    if kind == "csv":
        raise whole_file_error(
            name, "is not JSON: posts are imported from X API v2 pages (.json) or JSON Lines (.jsonl)"
        )
    walk = _PostWalk(name, posts)
    if kind == "json":
        walk.document(_load_json(path, name), None)
    else:
        values = posts.values
        for number, document in _json_lines(path, name):
            if _is_post(document):  # the common case, one post per line: kept cheap
                try:
                    values.append(_post_values(document))
                except _Bad as bad:
                    raise bad.at(name, f"line {number}") from None
                walk.items += 1
            else:
                walk.document(document, f"line {number}")
        if walk.documents == 0 and walk.items == 0:
            raise whole_file_error(name, "is empty (expected one post object per line)")
    walk.finish()


def _load_json(path: Path, name: str) -> Any:
    try:
        return orjson.loads(path.read_bytes().removeprefix(_BOM))
    except orjson.JSONDecodeError as exc:
        raise json_error(exc, name, exc.lineno) from None


def _json_lines(path: Path, name: str) -> Iterator[tuple[int, Any]]:
    """(line number, document) for every non-blank line."""
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if number == 1:
                line = line.removeprefix(_BOM)
            if line.isspace():  # blank lines are skipped (isspace also avoids copying long lines)
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise json_error(exc, name, number) from None


class _PostWalk(PageWalk):
    """Finds the post objects in the JSON documents of one file (see `PageWalk`); `includes` is not read."""

    not_an_item = _NOT_A_POST

    @staticmethod
    def is_item(value: Any) -> bool:
        return _is_post(value)

    @staticmethod
    def is_other(value: Any) -> bool:
        return _is_user(value)

    def nothing_found(self, value: Any) -> ImportFailed:
        users = (
            self.saw_other
            or _is_user(value)
            or (isinstance(value, list) and any(_is_user(item) for item in value))
        )
        return whole_file_error(self.name, _NO_POSTS + (_USERS_NOT_POSTS if users else ""))

    def error_response(self, errors: Any) -> str | None:
        return f"is an X API error response, not a page of posts ({error_text(errors)})" if errors else None


def _is_post(value: Any) -> bool:
    # Users have a username, direct-message events an event_type; both may carry `text`-like keys.
    return (
        isinstance(value, dict)
        and "username" not in value
        and "event_type" not in value
        and "data" not in value
        and any(key in value for key in _POST_KEYS)
    )


def _is_user(value: Any) -> bool:
    return isinstance(value, dict) and "username" in value


# Interactions: X API v2 pages keyed by endpoint and post id ---------------------------------------------


def _read_interactions(path: Path, name: str, warnings: list[str]) -> pa.Table:
    kind = file_format(path, name)
    if kind == "csv":
        return _read_interactions_csv(path, name, warnings)
    rows = _InteractionRows(name)
    if kind == "json":
        rows.document(_load_json(path, name), None)
    else:
        for number, document in _json_lines(path, name):
            rows.document(document, f"line {number}")
        if rows.documents == 0:
            raise whole_file_error(name, f"is empty ({_NO_INTERACTIONS})")
    if rows.partial_errors:
        warnings.append(partial_errors_warning(name, rows.pages_with_errors, rows.partial_errors))
    return rows.table()


class _InteractionRows:
    """Interaction rows read from `{"liking_users": {"<post id>": page}, ...}` documents of one file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns: tuple[list[str], list[str], list[str], list[datetime | None]] = ([], [], [], [])
        self.documents = 0
        self.pages_with_errors = 0
        self.partial_errors: list[Any] = []

    def table(self) -> pa.Table:
        return _interaction_table(*self.columns)

    def document(self, document: Any, where: str | None) -> None:
        self.documents += 1
        if type(document) is not dict:
            if where is None:
                raise whole_file_error(self.name, _NO_INTERACTIONS)
            raise _Bad(None, _NO_INTERACTIONS).at(self.name, where)
        for key, by_post in document.items():
            kind = _ENDPOINTS.get(key)
            if kind is None:
                raise _Bad(
                    key, f"is not one of {', '.join(_ENDPOINTS)} (each maps post ids to X API v2 pages)"
                ).at(self.name, where)
            if type(by_post) is not dict:
                raise _Bad(key, f"must map post ids to X API v2 pages, got {shown(by_post)}").at(
                    self.name, where
                )
            for post_id, pages in by_post.items():
                self._post(key, kind, post_id, pages, where)

    def _post(self, key: str, kind: str, post_id: str, pages: Any, where: str | None) -> None:
        if not _ID.fullmatch(post_id):
            raise _Bad(
                key, f"the key {shown(post_id)} must be a post id (a numeric X id, a string of digits)"
            ).at(self.name, where)
        at = located(where, f"{key}, post {post_id}")
        if type(pages) is dict:
            self._page(kind, post_id, pages, at)
        elif type(pages) is list:
            for index, page in enumerate(pages, 1):
                self._page(kind, post_id, page, f"{at}, page {index}")
        else:
            raise _Bad(None, f"must be an X API v2 page or a list of pages, got {shown(pages)}").at(
                self.name, at
            )

    def _page(self, kind: str, post_id: str, page: Any, where: str) -> None:
        if not is_page(page):
            raise _Bad(
                None, f"must be an X API v2 response page (with 'data' or 'meta'), got {shown(page)}"
            ).at(self.name, where)
        errors = page.get("errors")
        if isinstance(errors, list) and errors:
            self.pages_with_errors += 1
            self.partial_errors.extend(errors)
        data = page.get("data")
        if data is None:
            if "meta" not in page and errors:
                raise _Bad(None, f"is an X API error response, not a page ({error_text(errors)})").at(
                    self.name, where
                )
            return  # an empty page
        if type(data) is not list:
            raise _Bad("data", f"must be a list, got {shown(data)}").at(self.name, where)
        tweet_ids, user_ids, kinds, times = self.columns
        from_posts = kind in _POSTS_HOLD_THE_USER
        for index, record in enumerate(data, 1):
            try:
                if from_posts:
                    post = _object(record, None, "an X API v2 post object")
                    if post.get("author_id") is None:
                        raise _Bad("author_id", "is required (request the posts with tweet.fields=author_id)")
                    user_id = _id(post["author_id"], "author_id")
                    created_at = _time(post.get("created_at"), "created_at")
                else:
                    user_id = _id(_object(record, None, "an X API v2 user object").get("id"), "id")
                    created_at = None  # the API does not say when a like or repost happened
            except _Bad as bad:
                raise bad.at(self.name, f"{where}, record {index} of data") from None
            tweet_ids.append(post_id)
            user_ids.append(user_id)
            kinds.append(kind)
            times.append(created_at)


# Interactions: CSV ----------------------------------------------------------------------------------------


def _read_interactions_csv(path: Path, name: str, warnings: list[str]) -> pa.Table:
    header = _csv_header(path, name, warnings)
    fast = _csv_fast(path, header)
    return fast if fast is not None else _csv_slow(path, name, header)


def _csv_header(path: Path, name: str, warnings: list[str]) -> list[str | None]:
    """The header's known column names by position (None for an ignored column)."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), None)
    if header is None:
        raise whole_file_error(name, f"is empty (expected a CSV header: {','.join(_CSV_COLUMNS)})")
    columns: list[str | None] = []
    unknown = []
    for index, raw in enumerate(header):
        key = raw.strip().lower()
        if key in columns:
            raise _Bad(key, "the header names this column twice").at(name, "line 1")
        if key in _CSV_COLUMNS:
            columns.append(key)
        else:
            columns.append(None)
            unknown.append(raw.strip() or f"(unnamed column {index + 1})")
    for required in _CSV_REQUIRED:
        if required not in columns:
            raise _Bad(
                required,
                f"the header has no '{required}' column (required: {', '.join(_CSV_REQUIRED)}; "
                "optional: created_at)",
            ).at(name, "line 1")
    if unknown:
        warnings.append(f"{name}: ignored unknown columns: {', '.join(unknown)}")
    return columns


def _csv_fast(path: Path, header: list[str | None]) -> pa.Table | None:
    """The table read by pyarrow, or None when anything is off: the line-by-line reader then says what.

    Cells are trimmed as the line-by-line reader trims them, so a messy but valid file stays fast.
    """
    names = [key or f"_ignored_{index}" for index, key in enumerate(header)]
    try:
        raw = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                include_columns=[n for n in names if n in _CSV_COLUMNS],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if raw.num_rows == 0:
        return INTERACTION_SCHEMA.empty_table()
    tweet_ids = _fast_ids(raw["tweet_id"])
    user_ids = _fast_ids(raw["user_id"])
    kinds = _fast_kinds(raw["kind"])
    times = (
        _fast_times(raw["created_at"])
        if "created_at" in raw.column_names
        else pa.nulls(raw.num_rows, _TIMESTAMP)
    )
    if tweet_ids is None or user_ids is None or kinds is None or times is None:
        return None
    return pa.Table.from_arrays([tweet_ids, user_ids, kinds, times], schema=INTERACTION_SCHEMA)


def _fast_ids(column: pa.ChunkedArray) -> pa.Array | None:
    ids = pc.utf8_trim_whitespace(column.combine_chunks())
    if pc.all(pc.ascii_is_decimal(ids)).as_py() and pc.max(pc.binary_length(ids)).as_py() <= 20:
        return ids
    return None


def _fast_kinds(column: pa.ChunkedArray) -> pa.Array | None:
    encoded = column.combine_chunks().dictionary_encode()
    kinds = [_KINDS.get(value.strip().lower()) for value in encoded.dictionary.to_pylist()]
    if None in kinds:
        return None
    return pc.take(pa.array(kinds, pa.string()), encoded.indices)


def _fast_times(column: pa.ChunkedArray) -> pa.Array | None:
    text = pc.utf8_trim_whitespace(column.combine_chunks())
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    # Times with an offset are converted to UTC; times without one are taken as UTC, as elsewhere.
    has_offset = pc.match_substring_regex(text, r"(Z|[+-][0-9]{2}:?[0-9]{2})$")
    no_text = pa.scalar(None, pa.string())
    try:
        aware = pc.cast(pc.if_else(has_offset, text, no_text), _TIMESTAMP)
        naive = pc.cast(pc.if_else(has_offset, no_text, text), pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None
    return pc.if_else(has_offset, aware, pc.assume_timezone(naive, "UTC"))


def _csv_slow(path: Path, name: str, header: list[str | None]) -> pa.Table:
    position = {key: index for index, key in enumerate(header) if key}
    tweet_at, user_at, kind_at = position["tweet_id"], position["user_id"], position["kind"]
    time_at = position.get("created_at")
    tweet_ids: list[str] = []
    user_ids: list[str] = []
    kinds: list[str] = []
    times: list[datetime | None] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        line = reader.line_num + 1
        for cells in reader:
            where = f"line {line}"
            line = reader.line_num + 1  # a quoted cell may span lines: the next record starts after this one
            if not cells:
                continue
            if len(cells) != len(header):
                raise _Bad(None, f"has {len(cells)} cells but the header has {len(header)} columns").at(
                    name, where
                )
            try:
                tweet_ids.append(_cell_id(cells[tweet_at], "tweet_id"))
                user_ids.append(_cell_id(cells[user_at], "user_id"))
                kinds.append(_cell_kind(cells[kind_at]))
                times.append(None if time_at is None else _time(cells[time_at].strip() or None, "created_at"))
            except _Bad as bad:
                raise bad.at(name, where) from None
    return _interaction_table(tweet_ids, user_ids, kinds, times)


def _interaction_table(
    tweet_ids: list[str], user_ids: list[str], kinds: list[str], times: list[datetime | None]
) -> pa.Table:
    columns = (tweet_ids, user_ids, kinds, times)
    arrays = [pa.array(c, type=spec.type) for c, spec in zip(columns, INTERACTION_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=INTERACTION_SCHEMA)


def _cell_id(cell: str, field: str) -> str:
    value = cell.strip()
    if _ID.fullmatch(value):
        return value
    if not value:
        raise _Bad(field, "is required")
    raise _Bad(field, f"must be a numeric X id (a string of digits), got {shown(value)}")


def _cell_kind(cell: str) -> str:
    kind = _KINDS.get(cell.strip().lower())
    if kind is not None:
        return kind
    if not cell.strip():
        raise _Bad("kind", "is required")
    raise _Bad(
        "kind",
        f"must be like, retweet, reply or quote (or likes, liked, repost, replies, …), got {shown(cell)}",
    )
