"""Reading follower lists (X API v2 pages, JSON Lines, CSV) into one validated FOLLOWER_SCHEMA table.

Everything is parsed and validated before anything is returned, and the first bad record aborts with an
`ImportFailed` naming the file, the line or record and the field. Users are de-duplicated by id across all
inputs; the last occurrence wins.

Formats are chosen by the extension (`.json`, `.jsonl`/`.ndjson`, `.csv`) of the display name, else of the
path; any other file is sniffed (it starts with `{` or `[`: JSON, or JSON Lines when it holds several
documents one per line; otherwise CSV):

- JSON: an X API v2 response body whose `data` is a list of user objects (a followers, following, list
  members or users lookup page, `{"data": [...], "meta": {...}}`); a page without `data` (an empty page);
  a single-user response `{"data": {...}}`; a response whose `data` holds posts, read for the user objects
  in `includes.users` (which are read from every response); a bare user object; or an array of user objects
  or of response pages. Partial `errors` in a page become a warning. A user object is an object with a
  `username`. Records are named `record 5 of data`, `includes.users record 2`, `record 3` (in an array).
  The walker (`PageWalk`: pages, arrays, empty pages, partial errors, record names) is shared with the
  post importer (`posts.py`), which supplies its own record test and messages.
- JSON Lines: one user object (or one response page, as twarc2 writes) per line; records are named `line N`
  (1-based, blank lines skipped).
- CSV: UTF-8, a header row naming the columns, in any order; `line N` counts the header as line 1.

    id,username,name,description,location,url,created_at,verified,verified_type,protected,followers_count,following_count,tweet_count,listed_count,like_count,media_count,profile_image_url,pinned_tweet_id,interactions

  `id` and `username` are required; every other column is optional, and an empty cell means absent.
  `post_count` is read as `tweet_count` and `pinned_post_id` as `pinned_tweet_id`; `public_metrics.`-prefixed
  names (as twarc-csv writes them) are accepted. `id` is the numeric X user id; `username` is the handle
  (a leading `@` is dropped); `created_at` is ISO 8601 (UTC when it has no offset); `verified` and
  `protected` are true/false/1/0/yes/no; `verified_type` is blue, business, government or none; counts are
  non-negative integers; `interactions` is how many times the follower engaged with the user's posts.
  Unknown columns are ignored and named in a warning.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import AliasChoices, Field, NonNegativeInt, ValidationError

from followlytics.audience.schema import (
    FOLLOWER_SCHEMA,
    VERIFIED_TYPES,
    PublicMetrics,
    XUser,
    row_values,
)
from followlytics.errors import ImportFailed

_JSON_SUFFIXES = {".json"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_CSV_SUFFIXES = {".csv"}
_BOM = b"\xef\xbb\xbf"

_NO_USERS = (
    'no X API v2 user objects found: expected {"data": [...]} (a followers, following, list members or '
    'users lookup page), {"data": {...}}, a response with "includes": {"users": [...]}, a user object '
    "(with a 'username'), an array of those, or JSON Lines of those"
)

_NOT_A_USER = "is neither an X API v2 user object (with a 'username') nor a response page (with 'data')"


@dataclass
class ParsedAudience:
    """The validated import: one row per distinct key (a user id here; see `posts.py` for the others), and
    what was read to get it."""

    table: pa.Table
    files: list[str]
    records_read: int
    duplicates: int
    warnings: list[str] = field(default_factory=list)


def parse_files(paths: Sequence[Path], *, display_names: Sequence[str] | None = None) -> ParsedAudience:
    """Parse and validate every file; `display_names` (default: the file names) are what errors call them."""
    names = [Path(p).name for p in paths] if display_names is None else list(display_names)
    if len(names) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(names)} display names")
    rows = _Rows()
    for path, name in zip(paths, names, strict=True):
        try:
            _read_file(Path(path), name, rows)
        except UnicodeDecodeError as exc:
            raise whole_file_error(name, f"is not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise whole_file_error(name, f"cannot be read ({exc.strerror})") from None
    return rows.result(names)


def parse_user_objects(objects: Any, *, source: str = "followerData") -> ParsedAudience:
    """Validate user objects given in a request body; errors call the list `source`."""
    if not isinstance(objects, list):
        raise whole_file_error(source, f"must be a list of user objects, got {shown(objects)}")
    rows = _Rows()
    for index, obj in enumerate(objects, 1):
        rows.add(obj, source, f"record {index}")
    return rows.result([source])


class _Rows:
    """Validated rows in arrival order, plus the warnings met on the way.

    Rows are turned into Arrow tables every `_BATCH` rows: Python tuples cost about ten times the memory of
    the same values in Arrow, and a 10M-follower import must fit in a few GB.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Any, ...]] = []
        self._tables: list[pa.Table] = []
        self.warnings: list[str] = []

    def add(self, obj: Any, file: str, location: str | None) -> None:
        try:
            user = XUser.model_validate(obj)
        except ValidationError as exc:
            raise _import_failed(exc, file, location) from None
        self.append(row_values(user))

    def append(self, values: tuple[Any, ...]) -> None:
        self._pending.append(values)
        if len(self._pending) >= _BATCH:
            self._tables.append(_table(self._pending))
            self._pending = []

    def result(self, files: list[str]) -> ParsedAudience:
        table = pa.concat_tables([*self._tables, _table(self._pending)])
        self._tables, self._pending = [], []
        read = table.num_rows
        table = _last_of_each_id(table)
        return ParsedAudience(
            table=table,
            files=files,
            records_read=read,
            duplicates=read - table.num_rows,
            warnings=self.warnings,
        )


_BATCH = 50_000


def _last_of_each_id(table: pa.Table) -> pa.Table:
    """The table with one row per id, the last one read, in the order those rows arrived."""
    if table.num_rows == 0 or pc.count_distinct(table.column("id")).as_py() == table.num_rows:
        return table
    positions = pa.array(range(table.num_rows), type=pa.int64())
    last = (
        pa.table({"id": table.column("id"), "position": positions})
        .group_by("id", use_threads=False)
        .aggregate([("position", "max")])
        .column("position_max")
    )
    return table.take(pc.take(last, pc.sort_indices(last)))


def _table(values: list[tuple[Any, ...]]) -> pa.Table:
    if not values:
        return FOLLOWER_SCHEMA.empty_table()
    columns = list(zip(*values, strict=True))
    arrays = [pa.array(column, type=spec.type) for column, spec in zip(columns, FOLLOWER_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=FOLLOWER_SCHEMA)


def _read_file(path: Path, name: str, rows: _Rows) -> None:
    read = {"csv": _read_csv, "jsonl": _read_jsonl, "json": _read_json}[file_format(path, name)]
    read(path, name, rows)


def file_format(path: Path, name: str) -> Literal["csv", "jsonl", "json"]:
    """How to read a file: by the extension of `name`, else of `path`, else by sniffing its first bytes."""
    # An upload sits under a temporary name: the name the user gave it tells its format first.
    known = _CSV_SUFFIXES | _JSONL_SUFFIXES | _JSON_SUFFIXES
    suffix = next((s for s in (Path(name).suffix.lower(), path.suffix.lower()) if s in known), "")
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _JSON_SUFFIXES or _starts_like_json(path):
        return "jsonl" if _holds_json_lines(path) else "json"
    return "csv"


def _starts_like_json(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4096).removeprefix(_BOM).lstrip()
    return head[:1] in (b"{", b"[")


def _holds_json_lines(path: Path) -> bool:
    # JSON Lines when the first non-blank line is a whole document and more follow it; a pretty-printed
    # document's first line ("{" or "[") never parses on its own.
    with path.open("rb") as f:
        first = None
        for line in f:
            if not line.strip():
                continue
            if first is not None:
                return True
            try:
                first = orjson.loads(line.removeprefix(_BOM))
            except orjson.JSONDecodeError:
                return False
    return False


def _read_json(path: Path, name: str, rows: _Rows) -> None:
    try:
        document = orjson.loads(path.read_bytes().removeprefix(_BOM))
    except orjson.JSONDecodeError as exc:
        raise json_error(exc, name, exc.lineno) from None
    walk = _UserWalk(name, rows)
    walk.document(document, None)
    walk.finish()


def _read_jsonl(path: Path, name: str, rows: _Rows) -> None:
    walk = _UserWalk(name, rows)
    add = rows.add
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if number == 1:
                line = line.removeprefix(_BOM)
            if not line.strip():
                continue
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise json_error(exc, name, number) from None
            if isinstance(document, dict) and "username" in document:  # the common case, kept cheap
                add(document, name, f"line {number}")
                walk.items += 1
            else:
                walk.document(document, f"line {number}")
    if walk.documents == 0 and walk.items == 0:
        raise whole_file_error(name, "is empty (expected one user object per line)")
    walk.finish()


def whole_file_error(name: str, problem: str) -> ImportFailed:
    """An error about file `name` as a whole (no line or record)."""
    return ImportFailed(file=name, location=None, field=None, problem=problem)


def json_error(exc: orjson.JSONDecodeError, name: str, line: int) -> ImportFailed:
    """The error for a document that does not parse, at `line` of file `name`."""
    return ImportFailed(
        file=name,
        location=f"line {line}",
        field=None,
        problem=f"is not valid JSON: {exc.msg} (column {exc.colno})",
    )


class PageWalk:
    """Finds the records in the JSON documents of one file, whatever X API v2 response shape holds them: a
    bare record, a response page, or an array of records or of pages. Counts the records (`items`), the
    documents and the empty pages, collects partial `errors` into one warning, and names each record's
    location (`page 2, record 3 of data`). Shared by the user (`_UserWalk`) and post (`posts.py`) importers.

    A subclass says what a record is (`is_item`), what a page's `data` may hold instead (`is_other`, which
    sets `saw_other`), the problem of a value that is neither (`not_an_item`), the error for a file without
    records (`nothing_found`), the problem of an error response (`error_response`) and what else a page
    holds (`page_extras`). `rows` takes the records: `rows.add(obj, name, where)`, and `rows.warnings`.
    """

    not_an_item: str

    def __init__(self, name: str, rows: Any) -> None:
        self.name = name
        self.rows = rows
        self.documents = 0
        self.items = 0
        self.empty_pages = 0
        self.pages_with_errors = 0
        self.partial_errors: list[Any] = []
        self.saw_other = False

    @staticmethod
    def is_item(value: Any) -> bool:
        raise NotImplementedError

    @staticmethod
    def is_other(value: Any) -> bool:
        raise NotImplementedError

    def nothing_found(self, value: Any) -> ImportFailed:
        """The error for a file without records; `value` is the top-level document, or None at the end."""
        raise NotImplementedError

    def error_response(self, errors: Any) -> str | None:
        """The problem of a page with neither records, `data` nor `meta`; None to let it pass."""
        raise NotImplementedError

    def page_extras(self, page: dict[str, Any], where: str | None) -> None:
        """Reads whatever else a page holds, after its `data`."""

    def document(self, document: Any, where: str | None) -> None:
        self.documents += 1
        if self.is_item(document):
            self._add(document, where)
        elif isinstance(document, list):
            self._array(document, where)
        elif is_page(document):
            self._page(document, where)
        elif where is None:
            raise self.nothing_found(document)
        else:
            raise ImportFailed(file=self.name, location=where, field=None, problem=self.not_an_item)

    def finish(self) -> None:
        if self.items == 0 and self.empty_pages == 0:
            raise self.nothing_found(None)
        if self.partial_errors:
            self.rows.warnings.append(
                partial_errors_warning(self.name, self.pages_with_errors, self.partial_errors)
            )

    def _add(self, obj: Any, where: str | None) -> None:
        self.rows.add(obj, self.name, where)
        self.items += 1

    def _array(self, items: list[Any], where: str | None) -> None:
        is_item = self.is_item
        if not items:
            self.empty_pages += 1
        elif any(is_item(item) for item in items):
            for index, item in enumerate(items, 1):
                self._add(item, located(where, f"record {index}"))
        elif all(is_page(item) for item in items):
            for index, item in enumerate(items, 1):
                self._page(item, located(where, f"page {index}"))
        elif where is None:
            raise self.nothing_found(items)
        else:
            raise ImportFailed(file=self.name, location=where, field=None, problem=self.not_an_item)

    def _page(self, page: dict[str, Any], where: str | None) -> None:
        is_item, is_other = self.is_item, self.is_other
        data = page.get("data")
        errors = page.get("errors")
        before = self.items
        if isinstance(data, list) and any(is_item(item) for item in data):
            for index, item in enumerate(data, 1):
                self._add(item, located(where, f"record {index} of data"))
        elif is_item(data):
            self._add(data, located(where, "data"))
        elif is_other(data) or (isinstance(data, list) and any(is_other(item) for item in data)):
            self.saw_other = True
        self.page_extras(page, where)
        if isinstance(errors, list) and errors:
            self.pages_with_errors += 1
            self.partial_errors.extend(errors)
        if self.items == before and (data == [] or ("data" not in page and "meta" in page)):
            self.empty_pages += 1
        elif self.items == before and "data" not in page and "meta" not in page:
            problem = self.error_response(errors)
            if problem is not None:
                raise ImportFailed(file=self.name, location=where, field=None, problem=problem)


def is_page(value: Any) -> bool:
    """Whether `value` is an X API v2 response page (an object with data, includes, meta or errors)."""
    return isinstance(value, dict) and any(key in value for key in ("data", "includes", "meta", "errors"))


def located(where: str | None, what: str) -> str:
    """`what` inside `where` (`page 2, record 3`), or `what` alone at the top level."""
    return what if where is None else f"{where}, {what}"


class _UserWalk(PageWalk):
    """Finds the user objects in the JSON documents of one file; pages' `includes.users` are read too."""

    not_an_item = _NOT_A_USER

    @staticmethod
    def is_item(value: Any) -> bool:
        return isinstance(value, dict) and "username" in value

    @staticmethod
    def is_other(value: Any) -> bool:  # a post
        return isinstance(value, dict) and "text" in value

    def nothing_found(self, value: Any) -> ImportFailed:
        hint = (
            "; it holds posts without includes.users (request expansions=author_id)" if self.saw_other else ""
        )
        return whole_file_error(self.name, _NO_USERS + hint)

    def error_response(self, errors: Any) -> str | None:
        return f"is an X API error response, not a page of users ({error_text(errors)})"

    def page_extras(self, page: dict[str, Any], where: str | None) -> None:
        includes = page.get("includes")
        included = includes.get("users") if isinstance(includes, dict) else None
        if isinstance(included, list):
            for index, item in enumerate(included, 1):
                self._add(item, located(where, f"includes.users record {index}"))


def error_text(errors: Any) -> str:
    """The first X API error of `errors`, quoted and clipped, for a message."""
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict):
        text = first.get("detail") or first.get("message") or first.get("title")
        if text:
            return repr(_clipped(str(text), 120))
    return "no details"


def partial_errors_warning(name: str, pages: int, errors: list[Any]) -> str:
    """The warning for pages that answered with partial `errors` (what they name is missing)."""
    count = len(errors)
    about_users = all(isinstance(e, dict) and e.get("resource_type") == "user" for e in errors)
    where = "the page reports" if pages == 1 else f"{pages} pages report"
    missing = "those users are" if about_users else "what they name is"
    return (
        f"{name}: {where} {count} partial error{'s' if count != 1 else ''} "
        f"(e.g. {error_text(errors)}); {missing} not in it"
    )


# CSV -----------------------------------------------------------------------------------------------------

_METRIC_COLUMNS = frozenset(
    (
        "followers_count",
        "following_count",
        "tweet_count",
        "post_count",
        "listed_count",
        "like_count",
        "media_count",
    )
)
_USER_COLUMNS = frozenset(
    (
        "id",
        "username",
        "name",
        "description",
        "location",
        "url",
        "created_at",
        "verified",
        "verified_type",
        "protected",
        "profile_image_url",
        "pinned_tweet_id",
        "pinned_post_id",
        "interactions",
    )
)
_REQUIRED_COLUMNS = ("id", "username")


class _CsvMetrics(PublicMetrics):
    # A spreadsheet may carry only some of the counts, so none of them is required here.
    followers_count: NonNegativeInt | None = None
    following_count: NonNegativeInt | None = None
    tweet_count: NonNegativeInt | None = Field(
        default=None, validation_alias=AliasChoices("tweet_count", "post_count")
    )
    listed_count: NonNegativeInt | None = None


class _CsvUser(XUser):
    public_metrics: _CsvMetrics | None = None
    interactions: NonNegativeInt | None = None


def _read_csv(path: Path, name: str, rows: _Rows) -> None:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise whole_file_error(name, "is empty (expected a CSV header)")
        build = _csv_record_builder(header, name, rows)
        line = reader.line_num + 1
        for cells in reader:
            where = f"line {line}"
            line = reader.line_num + 1  # a quoted cell may span lines: the next record starts after this one
            if not cells:
                continue
            if len(cells) != len(header):
                raise ImportFailed(
                    file=name,
                    location=where,
                    field=None,
                    problem=f"has {len(cells)} cells but the header has {len(header)} columns",
                )
            _add_csv_record(build(cells), name, where, rows)


def _csv_record_builder(header: list[str], name: str, rows: _Rows) -> Callable[[list[str]], dict[str, Any]]:
    columns: list[tuple[int, str, bool]] = []  # (cell index, key, is a public_metrics key)
    seen: set[str] = set()
    unknown: list[str] = []
    for index, raw in enumerate(header):
        key = raw.strip().lower().removeprefix("public_metrics.")
        if key in seen:
            raise ImportFailed(
                file=name, location="line 1", field=key, problem="the header names this column twice"
            )
        seen.add(key)
        if key in _METRIC_COLUMNS:
            columns.append((index, key, True))
        elif key in _USER_COLUMNS:
            columns.append((index, key, False))
        else:
            unknown.append(raw.strip() or f"(unnamed column {index + 1})")
    for required in _REQUIRED_COLUMNS:
        if required not in seen:
            raise ImportFailed(
                file=name,
                location="line 1",
                field=required,
                problem=f"the header has no '{required}' column (required: {', '.join(_REQUIRED_COLUMNS)})",
            )
    if unknown:
        rows.warnings.append(f"{name}: ignored unknown columns: {', '.join(unknown)}")

    def build(cells: list[str]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        metrics: dict[str, Any] = {}
        for index, key, is_metric in columns:
            value = cells[index].strip()
            if value:
                (metrics if is_metric else record)[key] = value
        if metrics:
            record["public_metrics"] = metrics
        if "username" in record:
            record["username"] = record["username"].removeprefix("@")
        return record

    return build


def _add_csv_record(record: dict[str, Any], name: str, where: str, rows: _Rows) -> None:
    try:
        user = _CsvUser.model_validate(record)
    except ValidationError as exc:
        raise _import_failed(exc, name, where, csv_columns=True) from None
    rows.append(row_values(user, interactions=user.interactions))


# Validation errors -----------------------------------------------------------------------------------------


def _import_failed(
    exc: ValidationError, file: str, location: str | None, *, csv_columns: bool = False
) -> ImportFailed:
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    if csv_columns and loc[:1] == ["public_metrics"]:
        loc = loc[1:]  # a CSV user wrote the count as its own column
    field_path = ".".join(loc) or None
    return ImportFailed(file=file, location=location, field=field_path, problem=_problem(error, loc[-1:]))


def _problem(error: Any, last: list[str]) -> str:
    kind: str = error["type"]
    value = error.get("input")
    got = f", got {shown(value)}"
    if kind == "missing":
        return "is required"
    if value is None and last:
        return "is required, got null"
    if kind.startswith("int_") or kind == "greater_than_equal":
        return "must be a non-negative integer" + got
    if kind.startswith("bool_"):
        return "must be true or false" + got
    if kind.startswith(("datetime_", "date_")):
        return "must be an ISO 8601 date-time such as 2019-04-21T19:43:48.000Z" + got
    if kind == "literal_error":
        return f"must be one of {', '.join(VERIFIED_TYPES)}" + got
    if kind == "string_pattern_mismatch":
        if last == ["username"]:
            return "must be an X handle (letters, digits and _)" + got
        return "must be a numeric X id (a string of digits)" + got
    if kind == "string_type":
        return "must be a string" + got
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        what = "a user object (a JSON object)" if not last else "an object"
        return f"must be {what}" + got
    return str(error["msg"]).lower() + got


def shown(value: Any) -> str:
    """A short rendering of a bad value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(_clipped(value, 40))
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return _clipped(repr(value), 40)


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
