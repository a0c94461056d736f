"""The Daytona provider: the real `daytona` SDK against a fake Daytona API and toolbox on the loopback."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

pytest.importorskip("daytona")

from followlytics.audience.manifest import AccountEntry, write_manifest  # noqa: E402
from followlytics.audience.paths import account_dir  # noqa: E402
from followlytics.audience.schema import FOLLOWER_SCHEMA  # noqa: E402
from followlytics.audience.snapshots import write_snapshot  # noqa: E402
from followlytics.errors import NoAudienceData, SandboxError, SandboxUnavailable  # noqa: E402
from followlytics.sandbox.base import SandboxState  # noqa: E402
from followlytics.sandbox.daytona import DaytonaSandboxProvider, map_state  # noqa: E402
from tests.fakes.daytona_server import STATE_CHANGE_IN_PROGRESS, FakeDaytona  # noqa: E402

SANDBOX = "agt_1"
NAME = "user-agt_1"


def _import(user_root: Path, account_id: str, followers: dict[str, int]) -> None:
    rows = [{"id": i, "username": f"user_{i}", "followers_count": n} for i, n in followers.items()]
    write_snapshot(
        account_dir(user_root, account_id), pa.Table.from_pylist(rows, schema=FOLLOWER_SCHEMA), sources=["t"]
    )


@pytest.fixture
def fake() -> Iterator[FakeDaytona]:
    with FakeDaytona() as server:
        yield server


@pytest.fixture
def users(tmp_path: Path) -> Path:
    return tmp_path / "users"


@pytest.fixture
def root(users: Path) -> Path:
    root = users / "usr_1"
    _import(root, "acc_x", {"1": 10, "2": 5_000, "3": 700})
    write_manifest(root, [AccountEntry(id="acc_x", handle="creator", kind="own")])
    return root


def _provider(fake: FakeDaytona, **options: Any) -> DaytonaSandboxProvider:
    settings: dict[str, Any] = {
        "api_key": fake.api_key,
        "api_url": fake.url,
        "use_deprecated_polling": True,
        "poll_interval": 0.05,
        "state_change_timeout": 10,
        "timeout": 60,
        **options,
    }
    return DaytonaSandboxProvider(**settings)


def _top(provider: DaytonaSandboxProvider) -> list[str]:
    result = provider.exec(SANDBOX, "top_followers", {"account_id": "acc_x", "limit": 2})
    return [f["id"] for f in result["followers"]]


def _actions(fake: FakeDaytona) -> list[str]:
    """The state-changing calls and toolbox runs, in order, without ids."""
    names = []
    for path in fake.paths("POST"):
        last = path.rsplit("/", 1)[-1]
        if last in ("start", "stop", "archive", "execute"):
            names.append(last)
    return names


def test_create_asks_for_a_named_labelled_sandbox_that_stops_when_idle_and_is_never_archived_by_daytona(
    fake: FakeDaytona, root: Path
):
    provider = _provider(fake)
    assert provider.create(SANDBOX, root) is SandboxState.RUNNING
    body = next(r.json() for r in fake.requests if r.method == "POST" and r.path == "/api/sandbox")
    assert body["name"] == NAME
    assert body["labels"]["user_id"] == "usr_1"
    assert body["autoStopInterval"] == 30
    assert body["autoArchiveInterval"] == 0
    assert body["autoDeleteInterval"] < 0  # not ephemeral
    assert body["networkBlockAll"] is True
    assert body["env"] == {}
    assert fake.sandbox(NAME)["state"] == "started"
    assert provider.state(SANDBOX) is SandboxState.RUNNING
    # Creating again finds the same sandbox instead of making a second one.
    assert provider.create(SANDBOX, root) is SandboxState.RUNNING
    assert [r.path for r in fake.requests if r.method == "POST" and r.path == "/api/sandbox"] == [
        "/api/sandbox"
    ]
    assert provider.sandboxes("usr_1") == {SANDBOX: SandboxState.RUNNING}
    assert provider.sandboxes("usr_other") == {}


def test_exec_uploads_the_users_data_once_and_answers_a_real_tool_call(fake: FakeDaytona, root: Path):
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    assert _top(provider) == ["2", "3"]
    uploaded = {u.path: u.data for u in fake.uploads}
    snapshot = next(root.glob("accounts/acc_x/followers/*.parquet"))
    remote = f"followlytics/data/{snapshot.relative_to(root).as_posix()}"
    assert uploaded[remote] == snapshot.read_bytes()
    assert uploaded["followlytics/data/accounts.json"] == (root / "accounts.json").read_bytes()
    assert fake.activity, "the sandbox's activity was refreshed before the call"

    count = len(fake.uploads)
    assert provider.exec(SANDBOX, "ping", {})["pong"] is True
    assert len(fake.uploads) == count  # nothing changed, nothing sent

    _import(root, "acc_x", {"4": 90_000})  # a newer snapshot: only it (and the manifest) goes up
    assert _top(provider) == ["4"]
    assert [u.path.rsplit("/", 1)[-1] for u in fake.uploads[count:]][-1] == "uploaded.json"
    assert len(fake.uploads[count:]) == 2

    older = sorted(root.glob("accounts/acc_x/followers/*.parquet"))[0]
    older.unlink()  # a snapshot removed here is removed there
    # The runtime's errors arrive as the same classes the local provider raises.
    with pytest.raises(NoAudienceData):
        provider.exec(SANDBOX, "top_followers", {"account_id": "acc_none"})
    remote_older = fake.folder(NAME) / "followlytics/data" / older.relative_to(root)
    assert not remote_older.exists() and remote_older.parent.is_dir()

    # The API key went with every request to Daytona, and never into the sandbox.
    assert all(r.headers.get("authorization") == f"Bearer {fake.api_key}" for r in fake.requests)
    assert len(fake.executed) >= 4
    for run in fake.executed:
        assert fake.api_key not in run.command
        assert fake.api_key not in str(run.envs)
        assert fake.api_key not in run.output
    assert all(fake.api_key.encode() not in upload.data for upload in fake.uploads)
    for path in fake.folder(NAME).rglob("*"):
        if path.is_file():
            assert fake.api_key.encode() not in path.read_bytes(), path


def test_a_restarted_control_plane_finds_the_sandbox_and_its_uploads(
    fake: FakeDaytona, root: Path, users: Path
):
    _provider(fake).create(SANDBOX, root)
    count = len(fake.uploads)
    restarted = _provider(fake, users_dir=users)
    assert _top(restarted) == ["2", "3"]
    assert len(fake.uploads) == count  # the manifest left in the sandbox said everything is there
    with pytest.raises(SandboxError, match="data folder is unknown"):
        _provider(fake).exec(SANDBOX, "ping", {})


def test_exec_on_a_stopped_sandbox_starts_it_first(fake: FakeDaytona, root: Path):
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    fake.set_state(NAME, "stopped")  # Daytona's auto-stop
    assert provider.state(SANDBOX) is SandboxState.PAUSED
    assert _top(provider) == ["2", "3"]
    assert _actions(fake) == ["start", "execute"]
    assert provider.state(SANDBOX) is SandboxState.RUNNING


def test_an_archived_sandbox_gets_the_longer_start_timeout(fake: FakeDaytona, root: Path):
    provider = _provider(fake, start_timeout=1, archived_start_timeout=10)
    provider.create(SANDBOX, root)
    fake.seconds["restore"] = fake.seconds["start"] = 1.6  # longer than start_timeout
    fake.set_state(NAME, "archived")
    assert provider.state(SANDBOX) is SandboxState.ARCHIVED
    assert provider.start(SANDBOX) is SandboxState.RUNNING  # restored within archived_start_timeout
    fake.set_state(NAME, "stopped")
    with pytest.raises(SandboxUnavailable, match="in time") as slow:  # the same wait from stopped is too long
        provider.start(SANDBOX)
    assert slow.value.provider == "daytona"


def test_a_state_change_in_progress_is_waited_out_then_the_action_is_retried(fake: FakeDaytona, root: Path):
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    fake.set_state(NAME, "stopped")
    fake.hold(NAME, "stopped", then="stopped", seconds=0.4)  # another client's change still running
    assert provider.start(SANDBOX) is SandboxState.RUNNING
    answers = [r for r in fake.requests if r.path.endswith("/start")]
    assert len(answers) >= 2  # refused with 409, then accepted
    assert provider.state(SANDBOX) is SandboxState.RUNNING

    fake.hold(NAME, "started", then="stopped", seconds=0.4)  # a stop already on its way
    assert provider.pause(SANDBOX) is SandboxState.PAUSED

    fake.set_state(NAME, "stopped")
    fake.hold(NAME, "stopped", then="stopped", seconds=30)
    impatient = _provider(fake, state_change_timeout=0.3)
    with pytest.raises(SandboxUnavailable, match="for more than 0.3 s"):  # bounded, not forever
        impatient.start(SANDBOX)


def test_the_fake_refuses_changes_in_progress_like_daytona(fake: FakeDaytona, root: Path):
    # Guards the test above: the 409s it relies on really are answered.
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    fake.hold(NAME, "stopping", then="stopped", seconds=30)
    sandbox_id = fake.sandbox(NAME)["id"]
    request = urllib.request.Request(
        f"{fake.url}/sandbox/{sandbox_id}/start",
        method="POST",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 409 and STATE_CHANGE_IN_PROGRESS in refused.value.read().decode()


def test_a_toolbox_502_means_not_running_so_the_call_is_retried_once_after_a_start(
    fake: FakeDaytona, root: Path
):
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    fake.fail_toolbox(502, stop=True)  # stopped behind our back between the look and the call
    assert _top(provider) == ["2", "3"]
    assert _actions(fake) == ["execute", "start", "execute"]

    fake.fail_toolbox(502)  # the proxy not ready yet: no start needed, one retry
    assert provider.exec(SANDBOX, "ping", {})["pong"] is True

    fake.fail_toolbox(502, times=2)  # still failing after the retry: the provider is in trouble
    with pytest.raises(SandboxUnavailable):
        provider.exec(SANDBOX, "ping", {})


def test_pause_archive_start_and_delete_move_the_sandbox_through_the_states(fake: FakeDaytona, root: Path):
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    assert provider.pause(SANDBOX) is SandboxState.PAUSED
    assert fake.sandbox(NAME)["state"] == "stopped"
    assert provider.pause(SANDBOX) is SandboxState.PAUSED  # already stopped: nothing to do
    assert provider.archive(SANDBOX) is SandboxState.ARCHIVED
    time.sleep(fake.seconds["archive"] + 0.05)
    assert fake.sandbox(NAME)["state"] == "archived"
    assert provider.start(SANDBOX) is SandboxState.RUNNING
    assert provider.archive(SANDBOX) is SandboxState.ARCHIVED  # from running: stopped, then archived
    assert _actions(fake) == ["stop", "archive", "start", "stop", "archive"]
    assert provider.delete(SANDBOX) is SandboxState.DESTROYED
    assert provider.state(SANDBOX) is SandboxState.DESTROYED
    for action in (provider.pause, provider.archive, provider.delete):
        assert action(SANDBOX) is SandboxState.DESTROYED
    with pytest.raises(SandboxError, match="does not exist"):
        provider.exec(SANDBOX, "ping", {})
    with pytest.raises(SandboxError, match="does not exist"):
        provider.start(SANDBOX)
    # A new agent for the same id gets a fresh sandbox under the same name once the old one is gone.
    fake.seconds["destroy"] = 0.3
    provider.create(SANDBOX, root)
    first = fake.sandbox(NAME)["id"]
    provider.delete(SANDBOX)
    assert provider.create(SANDBOX, root) is SandboxState.RUNNING
    assert fake.sandbox(NAME)["id"] != first


@pytest.mark.parametrize(
    ("daytona", "ours"),
    [
        ("started", SandboxState.RUNNING),
        ("stopped", SandboxState.PAUSED),
        ("stopping", SandboxState.PAUSED),
        ("archived", SandboxState.ARCHIVED),
        ("archiving", SandboxState.ARCHIVED),
        ("destroyed", SandboxState.DESTROYED),
        ("error", SandboxState.ERROR),
        ("build_failed", SandboxState.ERROR),
        ("starting", SandboxState.CREATING),
        ("restoring", SandboxState.CREATING),
        ("something_new", SandboxState.ERROR),
    ],
)
def test_daytona_states_map_to_ours(daytona: str, ours: SandboxState):
    assert map_state(daytona) is ours


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_daytona_down_is_unavailable_and_no_message_holds_the_key(fake: FakeDaytona, root: Path):
    refused = _provider(fake, api_url=f"http://127.0.0.1:{_closed_port()}/api")
    with pytest.raises(SandboxUnavailable) as no_connection:
        refused.state(SANDBOX)
    provider = _provider(fake)
    provider.create(SANDBOX, root)
    fake.down = 503
    with pytest.raises(SandboxUnavailable) as down:
        provider.exec(SANDBOX, "ping", {})
    with pytest.raises(SandboxUnavailable):
        provider.create("agt_2", root)
    fake.down = None
    wrong_key = DaytonaSandboxProvider(
        api_key="dtn_wrong_" + fake.api_key[-6:], api_url=fake.url, use_deprecated_polling=True
    )
    with pytest.raises(SandboxError) as refused_key:
        wrong_key.state(SANDBOX)
    assert not isinstance(refused_key.value, SandboxUnavailable)
    assert "refused the API key" in refused_key.value.message
    for error in (no_connection.value, down.value, refused_key.value):
        chain: BaseException | None = error
        while chain is not None:
            assert fake.api_key not in str(chain) and fake.api_key not in repr(chain)
            assert "dtn_wrong_" not in str(chain)
            chain = chain.__cause__ or chain.__context__
    assert no_connection.value.provider == down.value.provider == "daytona"


def test_a_sandbox_image_without_the_runtime_fails_the_call_with_a_clear_error(fake: FakeDaytona, root: Path):
    provider = _provider(fake, python="no-such-python")
    provider.create(SANDBOX, root)
    with pytest.raises(SandboxError, match="exit code 127.*is followlytics installed") as failed:
        provider.exec(SANDBOX, "ping", {})
    assert not isinstance(failed.value, SandboxUnavailable)
