"""Every recorded X API v2 response in shared/data/x-api-v2 that holds user objects imports as it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from followlytics.audience.importers import parse_files
from followlytics.errors import ImportFailed

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "x-api-v2"
_ABSENT = f"the recorded payloads are not here ({SHARED.resolve()}); CI checks shared/ out beside the clone"


def _recordings() -> list[Any]:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=_ABSENT), id="absent")]
    paths = sorted(SHARED.rglob("*.json"))
    return [pytest.param(path, id=str(path.relative_to(SHARED))) for path in paths]


def _user_ids(body: Any) -> set[str]:
    """The ids of the user objects a response holds: in `data`, as `data`, in `includes.users`, or itself."""
    if not isinstance(body, dict):
        return set()
    found: list[Any] = [body] if "username" in body else []
    data = body.get("data")
    found += data if isinstance(data, list) else [data]
    includes = body.get("includes")
    if isinstance(includes, dict):
        found += includes.get("users") or []
    return {obj["id"] for obj in found if isinstance(obj, dict) and "username" in obj}


@pytest.mark.parametrize("recording", _recordings())
def test_each_recorded_body_with_users_imports_every_distinct_user(recording: Path, tmp_path: Path) -> None:
    record = json.loads(recording.read_text(encoding="utf-8"))
    if "body" not in record:
        pytest.skip("not a recorded response (no body)")
    body = record["body"]
    path = tmp_path / recording.name
    path.write_text(json.dumps(body), encoding="utf-8")
    expected = _user_ids(body)

    if expected:
        parsed = parse_files([path])
        assert parsed.table.num_rows == len(expected)
        assert set(parsed.table["id"].to_pylist()) == expected
    else:  # posts, DM events, counts, errors: either an empty page or a clear refusal, never a crash
        try:
            parsed = parse_files([path])
        except ImportFailed as failure:
            assert failure.file == recording.name
        else:
            assert parsed.table.num_rows == 0


def test_the_derived_users_file_parses_fully() -> None:
    derived = SHARED / "derived" / "users_with_public_metrics.jsonl"
    if not derived.is_file():
        pytest.skip(_ABSENT)

    parsed = parse_files([derived])

    assert parsed.table.num_rows == 1329
    assert parsed.duplicates == 0
    assert parsed.table["followers_count"].null_count == 0
