"""`run_python`: model-written Python over one account's newest snapshots, in a fresh, limited child process.

The runtime (the parent) checks the account id, finds the newest Parquet snapshot of each dataset the
account has, and starts `python -I -c <bootstrap>` with an empty environment, a new scratch folder as its
working directory (deleted afterwards), its own process group and `resource` limits set before exec:

    RLIMIT_CPU    cpu_seconds (SIGXCPU, then SIGKILL a second later)
    RLIMIT_DATA   memory_bytes: the real memory budget (heap and private writable mappings)
    RLIMIT_AS     memory_bytes + ADDRESS_SPACE_HEADROOM: a backstop; address space reserved but never used
                  (malloc arenas, thread stacks, shared libraries) is most of a DuckDB process's size
    RLIMIT_FSIZE  FILE_BYTES per file written;  RLIMIT_NOFILE OPEN_FILES;  RLIMIT_CORE 0

plus a wall-clock limit, after which the whole process group is killed. The child reads a JSON spec on
stdin (code, view paths, row and size caps), opens an in-memory DuckDB connection `con` with one read-only
view per dataset (`followers`, `following`, `tweets`, `interactions`, `follower_tweets`; missing datasets
have no view), locks DuckDB to those files and the scratch folder (no other file, no extension install),
runs the code, and writes a report to a pipe of its own, so `print` output (stdout, cut at `output_bytes`)
and the result never mix.

The code may set `result`: a DuckDB relation or query result, a pandas DataFrame or Series (pandas is
importable only where it is installed; it is a dev extra), pyarrow data (`rel.arrow()`), or any JSON-able
value. A table comes back as `{"kind": "table", "columns", "rows", "row_count", "truncated"}` (at most `rows`
rows and RESULT_BYTES of JSON), anything else as `{"kind": "value", "value", "truncated"}` (see `CodeValue`;
the whole answer is a `RunPythonResult`).

An error in the code is not a failure of the tool: the answer is a normal result with `ok: false`, `error`
("NameError: name 'x' is not defined (line 3)"), the traceback of the code's own frames in `stderr`, and
`limit` set to `time`, `cpu`, `memory` or `file_size` when a limit stopped it. Only a bad request (an
invalid account id, code too long, an unknown argument: `InvalidInput`), an account with no data at all
(`NoAudienceData`) or a snapshot that cannot be opened (`ToolFailed`) raises.

Limits are the runtime's, never the caller's: `RunPythonArgs` accepts nothing but the account and the code.
They default to DEFAULT_LIMITS and can be lowered or raised only through the runtime's environment
(`FOLLOWLYTICS_RUN_PYTHON_WALL_SECONDS`, `_CPU_SECONDS`, `_MEMORY_MB`, `_OUTPUT_BYTES`, `_ROWS`), which the
child never sees. Every string in the answer has the user's folder, the scratch folder and the Python
installation replaced by `<data>`, `.` and `<python>`, so no host path leaves the runtime.

When the runtime keeps a table cache (`--cache`), its folder is hidden from the child (`mount_mask.py`): an
empty read-only tmpfs in namespaces of the child's own, so code cannot plant tables for later answers.

This is not a security boundary by itself: the child is a plain process of the runtime's user and can read
what that user can. Only a provider that isolates (`SandboxProvider.isolates`) makes it one, and only then
does the control plane offer the tool to a model.
"""

from __future__ import annotations

import codecs
import functools
import inspect
import math
import os
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from followlytics.analytics.evidence import Evidence, SourceRef
from followlytics.audience.datasets import Dataset, missing
from followlytics.audience.paths import account_dir, checked_id
from followlytics.audience.snapshots import SnapshotInfo, latest_snapshot
from followlytics.errors import InvalidInput, ToolFailed
from followlytics.sandbox.mount_mask import masker

if TYPE_CHECKING:
    from followlytics.sandbox.runtime import Runtime

NAME = "run_python"
METHOD = "run-python-v1"
MAX_CODE_CHARS = 20_000

ADDRESS_SPACE_HEADROOM = 2 << 30
"""Address space allowed beyond the memory budget (see the module docstring): reserved, not used."""
FILE_BYTES = 256 << 20
"""The largest file the code (or DuckDB spilling to the scratch folder) may write."""
OPEN_FILES = 64
RESULT_BYTES = 64 << 10
"""The most JSON a `result` may take; rows past it are dropped and the result marked truncated."""
STDERR_TAIL_CHARS = 2_000
STDERR_TAIL_LINES = 20
DUCKDB_THREADS = 2
ENV_PREFIX = "FOLLOWLYTICS_RUN_PYTHON_"

_CELL_CHARS = 2_000  # one long text cell must not crowd the other rows out of the result
_STDERR_KEEP = 64 << 10  # how much of stderr's end the parent holds while the code runs
_EXIT_GRACE_SECONDS = 0.2  # after the child exits, how long to wait for pipes a grandchild still holds
_REPORT_BYTES = RESULT_BYTES * 4  # the report is the result plus a little; more means the code wrote to it


@dataclass(frozen=True)
class Limits:
    """What one `run_python` call may use. Fixed by the runtime; a call cannot change them."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 1 << 30
    output_bytes: int = 16 << 10
    rows: int = 200


DEFAULT_LIMITS = Limits()


def limits_from_env(environ: Mapping[str, str]) -> Limits:
    """DEFAULT_LIMITS with any `FOLLOWLYTICS_RUN_PYTHON_*` setting of the runtime's environment applied."""

    def read(name: str, default: float, kind: type[int] | type[float]) -> Any:
        raw = environ.get(ENV_PREFIX + name)
        if raw is None or not raw.strip():
            return default
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name}={raw!r} is not a number") from None
        if not value > 0:
            raise ValueError(f"{ENV_PREFIX}{name} must be above 0, not {raw!r}")
        return value

    default = DEFAULT_LIMITS
    return Limits(
        wall_seconds=read("WALL_SECONDS", default.wall_seconds, float),
        cpu_seconds=read("CPU_SECONDS", default.cpu_seconds, int),
        memory_bytes=read("MEMORY_MB", default.memory_bytes >> 20, int) << 20,
        output_bytes=read("OUTPUT_BYTES", default.output_bytes, int),
        rows=read("ROWS", default.rows, int),
    )


# --- the wire format ------------------------------------------------------------------------------------


class RunPythonArgs(BaseModel):
    """Python to run over the account's data."""

    # Nothing else is accepted: in particular no caller, and so no model, can choose its own limits.
    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The account whose data the views show.")
    code: str = Field(
        min_length=1,
        max_length=MAX_CODE_CHARS,
        description="Python 3; `con` and `duckdb` are defined.",
    )


class CodeValue(BaseModel):
    """The code's `result`: a table (columns and rows) or a JSON value."""

    kind: Literal["table", "value"]
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    row_count: int | None = Field(
        default=None, description="Rows in the whole table when known (a DataFrame, a pyarrow Table)."
    )
    value: Any = None
    truncated: bool = Field(default=False, description="Rows or text were cut to fit the limits.")


class CodeLimits(BaseModel):
    wall_seconds: float
    cpu_seconds: int
    memory_mb: int
    output_bytes: int
    rows: int


LimitName = Literal["time", "cpu", "memory", "file_size"]


class RunPythonResult(BaseModel):
    ok: bool = Field(description="The code ran to its end and its result was read.")
    error: str | None = Field(default=None, description="`Type: message (line N)` when it did not.")
    limit: LimitName | None = Field(default=None, description="The limit that stopped the code, if one did.")
    result: CodeValue | None = None
    stdout: str = ""
    stdout_truncated: bool = False
    stderr: str = Field(default="", description="The last lines the code wrote to stderr (tracebacks).")
    duration_ms: int
    views: list[str] = Field(description="The DuckDB views the code had, one per imported dataset.")
    limits: CodeLimits
    evidence: Evidence = Field(
        description=(
            "The snapshots behind the views (`sources`), the main one first. `rows_read` is the main "
            "snapshot's rows and `rows_matched` the rows of a table `result` (0 for any other result): the "
            "tool cannot know which rows the code read."
        )
    )


# --- the tool -------------------------------------------------------------------------------------------


def run_python(runtime: Runtime, args: dict[str, Any], *, limits: Limits | None = None) -> dict[str, Any]:
    """Run `args["code"]` over the account's newest snapshots; the `RunPythonResult` as JSON."""
    try:
        parsed = RunPythonArgs.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}" if field else first["msg"], field=field) from exc
    account_id = checked_id(parsed.account_id, "account_id")
    limits = limits if limits is not None else limits_from_env(os.environ)
    account_root = account_dir(runtime.root, account_id)
    snapshots = {d: s for d in Dataset if (s := latest_snapshot(account_root, d)) is not None}
    entry = next((a for a in runtime.accounts() if a.id == account_id), None)
    handle = entry.handle if entry else None
    if not snapshots:
        raise missing(Dataset.FOLLOWERS, handle, competitor=entry is not None and entry.kind == "competitor")

    scratch = Path(tempfile.mkdtemp(prefix="followlytics-py-"))
    hidden = [runtime.cache_dir] if runtime.cache_dir is not None else []
    try:
        outcome = _execute(parsed.code, snapshots, scratch, limits, hidden=hidden)
    finally:
        _remove_tree(scratch)
    scrub = _scrubber([(scratch, "."), (runtime.root, "<data>"), (Path(sys.prefix), "<python>")])
    if outcome.report is not None and "setup_error" in outcome.report:
        # Our side failed before the code ran (a broken snapshot, say): a tool failure, not the code's error.
        problem = _scrubbed(str(outcome.report["setup_error"]), scrub)
        raise ToolFailed(f"run_python could not open the account's data: {problem}")
    answer = _answer(outcome, limits, account_id, handle, snapshots)
    return _scrubbed(answer.model_dump(mode="json"), scrub)


@dataclass
class _Outcome:
    returncode: int
    cpu_seconds: float
    report: dict[str, Any] | None  # what the child wrote to its report pipe; None when it wrote nothing
    report_error: str | None  # why a report that was written could not be read
    stdout: str
    stdout_truncated: bool
    stderr: str
    timed_out: bool
    duration_ms: int


def _execute(
    code: str,
    snapshots: dict[Dataset, SnapshotInfo],
    scratch: Path,
    limits: Limits,
    *,
    hidden: Sequence[Path] = (),
) -> _Outcome:
    mask = masker(hidden)
    report_read, report_write = os.pipe()
    spec = {
        "code": code,
        "views": {dataset.value: str(info.path) for dataset, info in snapshots.items()},
        "report_fd": report_write,
        "rows": limits.rows,
        "result_bytes": RESULT_BYTES,
        "cell_chars": _CELL_CHARS,
        "threads": DUCKDB_THREADS,
        # DuckDB gets half the budget for its buffers; the rest is the code's own (pandas, lists, ...).
        "duckdb_memory": f"{max(64, (limits.memory_bytes >> 20) // 2)}MB",
    }
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", _bootstrap()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=scratch,
            env={},  # nothing of the runtime's environment (keys, settings) reaches the code
            pass_fds=(report_write,),
            preexec_fn=functools.partial(_prepare_child, mask, limits),
            start_new_session=True,  # its own process group, so a time-out kills whatever it started too
        )
    except subprocess.SubprocessError as exc:
        # Only the preexec step raises this, and only the mask can fail there: no namespaces to hide with.
        os.close(report_read)
        raise ToolFailed(
            "run_python cannot start here: the sandbox does not let it hide the table cache from the code "
            "(user namespaces are refused)"
        ) from exc
    except BaseException:
        os.close(report_read)
        raise
    finally:
        os.close(report_write)
    try:
        drained = _pump(process, orjson.dumps(spec), report_read, started + limits.wall_seconds, limits)
    finally:
        os.close(report_read)
        _kill_group(process)
        returncode, cpu_seconds = _reap(process)
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    duration_ms = round((time.monotonic() - started) * 1000)
    report, report_error = None, None
    if drained.report_cut:
        report_error = f"the result was larger than {_size(_REPORT_BYTES)}"
    elif drained.report:
        try:
            loaded = orjson.loads(drained.report)
        except orjson.JSONDecodeError:
            loaded = None
        if isinstance(loaded, dict):
            report = loaded
        else:
            report_error = "the code's process sent a result that could not be read"
    return _Outcome(
        returncode=returncode,
        cpu_seconds=cpu_seconds,
        report=report,
        report_error=report_error,
        stdout=_decode(bytes(drained.stdout)),
        stdout_truncated=drained.stdout_cut,
        stderr=_tail(_decode(bytes(drained.stderr))),
        timed_out=drained.timed_out,
        duration_ms=duration_ms,
    )


@dataclass
class _Drained:
    stdout: bytearray = field(default_factory=bytearray)  # the first `output_bytes`
    stdout_cut: bool = False
    stderr: bytearray = field(default_factory=bytearray)  # the last _STDERR_KEEP bytes
    report: bytearray = field(default_factory=bytearray)
    report_cut: bool = False
    timed_out: bool = False


def _pump(
    process: subprocess.Popen[bytes], spec: bytes, report_fd: int, deadline: float, limits: Limits
) -> _Drained:
    """Feed the spec and drain stdout, stderr and the report pipe until the child has ended and the pipes are
    closed, or time runs out. Bytes past a cap are read and dropped, so a chatty child never blocks on a full
    pipe before its time is up."""
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    stdin_fd, stdout_fd, stderr_fd = process.stdin.fileno(), process.stdout.fileno(), process.stderr.fileno()
    drained = _Drained()
    pending = memoryview(spec)
    poller = select.poll()
    os.set_blocking(stdin_fd, False)
    poller.register(stdin_fd, select.POLLOUT)
    readers = {stdout_fd, stderr_fd, report_fd}
    for fd in readers:
        poller.register(fd, select.POLLIN)
    stdin_open, exited = True, False
    while readers or stdin_open or not exited:
        now = time.monotonic()
        if now >= deadline:
            drained.timed_out = not exited
            return drained
        if not exited and _exited(process.pid):
            exited = True
            # A grandchild may hold the pipes open; it gets a moment, then is killed with the group.
            deadline = min(deadline, now + _EXIT_GRACE_SECONDS)
        for fd, events in poller.poll(max(1, min(50, math.ceil((deadline - now) * 1000)))):
            if fd == stdin_fd:
                if events & select.POLLOUT and pending:
                    try:
                        pending = pending[os.write(stdin_fd, pending) :]
                    except BrokenPipeError:
                        pending = pending[:0]
                if not pending or events & (select.POLLERR | select.POLLHUP):
                    poller.unregister(stdin_fd)
                    process.stdin.close()
                    stdin_open = False
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                poller.unregister(fd)
                readers.discard(fd)
            elif fd == stdout_fd:
                room = max(limits.output_bytes - len(drained.stdout), 0)
                drained.stdout += chunk[:room]
                drained.stdout_cut = drained.stdout_cut or len(chunk) > room
            elif fd == stderr_fd:
                drained.stderr += chunk
                del drained.stderr[:-_STDERR_KEEP]
            else:
                room = max(_REPORT_BYTES - len(drained.report), 0)
                drained.report += chunk[:room]
                drained.report_cut = drained.report_cut or len(chunk) > room
    return drained


def _exited(pid: int) -> bool:
    """Whether the child has ended, without reaping it (its pid, hence its group id, stays reserved)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _reap(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Wait for the child; its exit code and the CPU seconds it used (which tell a CPU-limit kill apart)."""
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except ChildProcessError:  # already reaped
        return process.wait(), 0.0
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # Called before the child is reaped, so the group id cannot have been reused by someone else.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _prepare_child(mask: Callable[[], None], limits: Limits) -> None:
    """Runs in the forked child before exec (preexec_fn): hide the folders the code must not touch, then
    set the limits (last, so the mask's own steps are not limited by them)."""
    mask()
    _apply_limits(limits)


def _apply_limits(limits: Limits) -> None:
    """Runs in the forked child before exec (preexec_fn): the limits the code cannot raise above. It only
    calls getrlimit/setrlimit: no import and no lock, the usual ways a preexec_fn deadlocks in a threaded
    parent."""
    cpu = max(1, math.ceil(limits.cpu_seconds))
    for kind, value in (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),  # SIGXCPU first, SIGKILL one second later if it is caught
        (resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes)),
        (resource.RLIMIT_AS, (limits.memory_bytes + ADDRESS_SPACE_HEADROOM,) * 2),
        (resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES)),
        (resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES)),
        (resource.RLIMIT_CORE, (0, 0)),
    ):
        # Never above a hard limit already set on the runtime: raising one would fail (and is not wanted).
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = (min(value[0], hard), min(value[1], hard))
        resource.setrlimit(kind, value)


def _answer(
    outcome: _Outcome,
    limits: Limits,
    account_id: str,
    handle: str | None,
    snapshots: dict[Dataset, SnapshotInfo],
) -> RunPythonResult:
    ok, error, limit, value = False, None, None, None
    report = outcome.report
    if outcome.timed_out:
        limit = "time"
        error = f"TimeLimit: the code ran longer than {limits.wall_seconds:g} s and was stopped"
    elif report is not None and outcome.returncode == 0:
        try:
            value = CodeValue.model_validate(report["result"]) if report.get("result") is not None else None
            ok = report.get("ok") is True
            error = None if ok else str(report.get("error") or "the code failed")
            reported_limit = report.get("limit")
            if reported_limit == "memory":
                limit, error = "memory", f"{error} (memory limit: {_size(limits.memory_bytes)})"
            elif reported_limit == "file_size":
                limit, error = "file_size", f"{error} (file size limit: {_size(FILE_BYTES)})"
        except (KeyError, ValidationError):
            ok, value, error = False, None, "the code's process sent a result that could not be read"
    elif outcome.report_error is not None:
        error = outcome.report_error
    else:
        limit, error = _death(outcome, limits)
    rows_matched = 0
    if value is not None and value.kind == "table":
        rows_matched = value.row_count if value.row_count is not None else len(value.rows)
    return RunPythonResult(
        ok=ok,
        error=error,
        limit=limit,
        result=value,
        stdout=outcome.stdout,
        stdout_truncated=outcome.stdout_truncated,
        stderr=outcome.stderr,
        duration_ms=outcome.duration_ms,
        views=[dataset.value for dataset in snapshots],
        limits=CodeLimits(
            wall_seconds=limits.wall_seconds,
            cpu_seconds=limits.cpu_seconds,
            memory_mb=limits.memory_bytes >> 20,
            output_bytes=limits.output_bytes,
            rows=limits.rows,
        ),
        evidence=_evidence(account_id, handle, snapshots, rows_matched),
    )


def _death(outcome: _Outcome, limits: Limits) -> tuple[LimitName | None, str]:
    """Why a child that sent no report ended: a limit's signal, a crash, or the code ending it early."""
    code = outcome.returncode
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and outcome.cpu_seconds >= limits.cpu_seconds - 0.1:
        # SIGXCPU is the soft limit; SIGKILL after using the whole budget is the hard one (when the code
        # caught SIGXCPU). The time-out's own kill is reported before this is asked.
        return "cpu", f"CpuLimit: the code used more than {limits.cpu_seconds} s of CPU and was stopped"
    memory_words = ("MemoryError", "bad_alloc", "out of memory", "Cannot allocate memory")
    if code < 0 and any(word.lower() in outcome.stderr.lower() for word in memory_words):
        return "memory", f"MemoryLimit: the code needed more than {_size(limits.memory_bytes)} of memory"
    if code == -signal.SIGXFSZ:
        return "file_size", f"FileSizeLimit: the code wrote a file larger than {_size(FILE_BYTES)}"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return None, f"Crashed: the code's process was killed by {name}"
    return None, f"Exited: the code ended its process (exit code {code}) before its result was read"


def _evidence(
    account_id: str, handle: str | None, snapshots: dict[Dataset, SnapshotInfo], rows_matched: int
) -> Evidence:
    sources = [
        SourceRef(
            dataset=dataset.value,
            account_id=account_id,
            handle=handle,
            snapshot=info.id,
            snapshot_created_at=info.created_at.isoformat(),
            rows=info.rows,
        )
        for dataset, info in snapshots.items()
    ]
    main = sources[0]
    return Evidence(
        snapshot=main.snapshot,
        snapshot_created_at=main.snapshot_created_at,
        account_id=account_id,
        rows_read=main.rows,
        rows_matched=rows_matched,
        fields=[],
        method=METHOD,
        sources=sources,
        sample_sizes={source.dataset: source.rows for source in sources},
    )


# --- small helpers --------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # An incremental decoder drops a multi-byte character the output cap cut in half instead of mangling it.
    return codecs.getincrementaldecoder("utf-8")("replace").decode(data, final=False)


def _tail(text: str) -> str:
    lines = text.splitlines()[-STDERR_TAIL_LINES:]
    return "\n".join(lines)[-STDERR_TAIL_CHARS:]


def _size(count: int) -> str:
    return f"{count / (1 << 30):g} GiB" if count >= 1 << 30 else f"{count / (1 << 20):g} MiB"


def _scrubber(replacements: list[tuple[Path, str]]) -> list[tuple[str, str]]:
    """Host paths (as given and resolved), longest first, with what replaces each."""
    pairs: dict[str, str] = {}
    for path, replacement in replacements:
        for form in (str(path), os.path.realpath(path)):
            if len(form) > 1:  # never "/" itself
                pairs.setdefault(form, replacement)
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


def _scrubbed(value: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for path, replacement in pairs:
            if path in value:
                value = value.replace(path, replacement)
        return value
    if isinstance(value, list):
        return [_scrubbed(item, pairs) for item in value]
    if isinstance(value, dict):
        return {_scrubbed(key, pairs): _scrubbed(item, pairs) for key, item in value.items()}
    return value


def _remove_tree(path: Path) -> None:
    """Delete the scratch folder even where the code took away write or search permission."""

    def retry(function: Any, failed: str, _exc: Any) -> None:
        parent = os.path.dirname(failed)
        for folder in (parent, failed):
            try:
                os.chmod(folder, stat.S_IRWXU)
            except OSError:
                pass
        try:
            function(failed)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


@functools.cache
def _bootstrap() -> str:
    """The child's program: `_child_main`'s source and a call to it (no followlytics import in the child)."""
    return textwrap.dedent(inspect.getsource(_child_main)) + "\n_child_main()\n"


# --- the child ------------------------------------------------------------------------------------------


def _child_main() -> None:  # pragma: no cover - runs only in the child, as source
    """Everything the child does. Self-contained: it is sent as source and imports only what it needs."""
    import datetime
    import decimal
    import errno
    import json
    import linecache
    import math
    import os
    import sys
    import traceback
    import uuid

    spec = json.loads(sys.stdin.buffer.read())
    report = os.fdopen(spec["report_fd"], "w", encoding="utf-8")
    row_limit, byte_limit, cell_chars = spec["rows"], spec["result_bytes"], spec["cell_chars"]
    views = sorted(spec["views"])

    try:
        import duckdb

        scratch = os.getcwd()
        con = duckdb.connect(
            config={
                "threads": spec["threads"],
                "memory_limit": spec["duckdb_memory"],
                "temp_directory": os.path.join(scratch, ".duckdb-spill"),
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            }
        )
        con.execute("SET enable_progress_bar = false")  # it would draw on stdout, the code's print output
        for name, path in spec["views"].items():
            literal = path.replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{literal}')")
        # From here DuckDB reads only the views' files and writes only under the scratch folder, and the
        # code cannot switch that back (lock_configuration).
        con.execute("SET allowed_paths = $paths", {"paths": list(spec["views"].values())})
        con.execute("SET allowed_directories = $dirs", {"dirs": [scratch]})
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except Exception as exc:  # our side failed (a broken snapshot, say), not the code: a tool failure
        report.write(json.dumps({"setup_error": f"{type(exc).__name__}: {exc}"[:2000]}))
        report.close()
        os._exit(0)

    state = {"truncated": False}

    def cut(text):
        if len(text) > cell_chars:
            state["truncated"] = True
            return text[:cell_chars] + "…"
        return text

    def plain(value, depth=0):
        if value is None or isinstance(value, bool | int):
            return value
        if isinstance(value, str):
            return cut(value)
        if type(value).__name__ in ("NAType", "NaTType"):
            return None
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if isinstance(value, datetime.datetime | datetime.date | datetime.time):
            return value.isoformat()
        if isinstance(value, datetime.timedelta):
            return value.total_seconds()
        if isinstance(value, decimal.Decimal):
            return float(value) if value.is_finite() else None
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, bytes | bytearray | memoryview):
            return cut(bytes(value).hex())
        if depth >= 20:
            return cut(repr(value))
        if isinstance(value, dict):
            items = list(value.items())
            if len(items) > row_limit:
                state["truncated"] = True
            return {str(k): plain(v, depth + 1) for k, v in items[:row_limit]}
        if isinstance(value, list | tuple | set | frozenset):
            items = list(value)
            if len(items) > row_limit:
                state["truncated"] = True
            return [plain(v, depth + 1) for v in items[:row_limit]]
        if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
            return plain(value.tolist(), depth + 1)  # numpy scalars and arrays
        return cut(repr(value))

    def table(columns, rows, row_count=None):
        kept, size = [], 2
        for index, row in enumerate(rows):
            if index >= row_limit:
                state["truncated"] = True
                break
            converted = [plain(cell) for cell in row]
            size += len(json.dumps(converted, ensure_ascii=False)) + 1
            if size > byte_limit:
                state["truncated"] = True
                break
            kept.append(converted)
        return {
            "kind": "table",
            "columns": [str(c) for c in columns],
            "rows": kept,
            "row_count": row_count,
            "truncated": state["truncated"],
        }

    def converted(value):
        if isinstance(value, duckdb.DuckDBPyRelation):
            return table(value.columns, value.limit(row_limit + 1).fetchall())
        if isinstance(value, duckdb.DuckDBPyConnection):  # `result = con.execute(...)`
            if value.description is None:
                return None
            return table([d[0] for d in value.description], value.fetchmany(row_limit + 1))
        pandas = sys.modules.get("pandas")
        if pandas is not None and isinstance(value, pandas.Series):
            value = value.to_frame()
        if pandas is not None and isinstance(value, pandas.DataFrame):
            named = any(n is not None for n in value.index.names)
            if named or not isinstance(value.index, pandas.RangeIndex):
                value = value.reset_index()  # a groupby's keys live in the index
            rows = value.head(row_limit + 1).itertuples(index=False, name=None)
            return table(value.columns, rows, len(value))
        pyarrow = sys.modules.get("pyarrow")
        if pyarrow is not None and isinstance(value, pyarrow.RecordBatchReader):  # `rel.arrow()`
            batches, count = [], 0
            for batch in value:  # only as many batches as the row limit needs
                batches.append(batch)
                count += batch.num_rows
                if count > row_limit:
                    break
            head = pyarrow.Table.from_batches(batches, schema=value.schema)
            return table(head.column_names, zip(*(c.to_pylist() for c in head.columns), strict=True))
        if pyarrow is not None and isinstance(value, pyarrow.Table | pyarrow.RecordBatch):
            head = value.slice(0, row_limit + 1)
            rows = zip(*(c.to_pylist() for c in head.columns), strict=True)
            return table(value.column_names, rows, value.num_rows)
        data = plain(value)
        text = json.dumps(data, ensure_ascii=False)
        if len(text) > byte_limit:
            return {"kind": "value", "value": text[:byte_limit], "truncated": True}
        return {"kind": "value", "value": data, "truncated": state["truncated"]}

    def failure(exc, prefix=""):
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<code>"]
        lines = ["Traceback (most recent call last):\n"] if frames else []
        lines += traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
        sys.stderr.write("".join(lines))
        text = str(exc).strip()
        message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        if frames:
            message += f" (line {frames[-1].lineno})"
        if type(exc).__name__ == "CatalogException":
            message += f" (views here: {', '.join(views) or 'none'})"
        limit = None
        if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryException":
            limit = "memory"
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            limit = "file_size"
        return {"ok": False, "error": (prefix + message)[:2000], "limit": limit, "result": None}

    code = spec["code"]
    linecache.cache["<code>"] = (len(code), None, code.splitlines(True), "<code>")
    namespace = {"__name__": "__main__", "con": con, "duckdb": duckdb}
    outcome = None
    try:
        exec(compile(code, "<code>", "exec"), namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            outcome = failure(exc)
    except BaseException as exc:
        outcome = failure(exc)
    if outcome is None:
        try:
            value = namespace.get("result")
            outcome = {"ok": True, "result": None if value is None else converted(value)}
        except BaseException as exc:
            outcome = failure(exc, "reading `result` failed: ")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    report.write(json.dumps(outcome, ensure_ascii=False))
    report.close()
    # Not a normal exit: threads the code left running must not keep the process alive.
    os._exit(0)
