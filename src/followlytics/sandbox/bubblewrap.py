"""The bubblewrap command line and resource limits that confine one local sandbox's runtime process.

`command()` builds `bwrap ... -- python -m followlytics.sandbox.runtime --root /data`:

    namespaces   --unshare-all (user, ipc, pid, net, uts, cgroup): no network device but a down loopback,
                 its own PID space (bwrap is its pid 1), and uid/gid 65534 ("nobody") inside
    lifetime     --die-with-parent (ends when the outer bwrap, the provider's child, ends) and
                 --new-session (no access to a controlling terminal)
    files        the user's folder read-only at /data; a per-sandbox host folder writable at /scratch
                 (HOME, TMPDIR, the working directory; DuckDB spills there), wiped on archive; another
                 writable at /workspace (the table cache, `--cache`), kept until the sandbox is deleted
                 and hidden from run_python's code (`mount_mask.py`); read-only binds of /usr,
                 the /bin and /lib links, the Python installation (base prefix and venv) and the
                 followlytics package; /etc/ld.so.cache and /etc/localtime only; a fresh /proc and a
                 minimal /dev. No /home, /root, /etc/passwd, /tmp of the host, nor other users' folders
    environment  cleared; PATH, HOME, TMPDIR, PYTHONDONTWRITEBYTECODE and PYTHONPATH (where the package is)

`Limits` are applied to the outer bwrap in the forked child before exec (`preexec`), so the whole tree
inherits them and, having no capability left, cannot raise them:

    RLIMIT_DATA   memory_mb (heap and private writable mappings: the real memory budget)
    RLIMIT_AS     memory_mb + ADDRESS_SPACE_HEADROOM (reserved, never-used address space is most of a
                  DuckDB process's size, so the address-space limit is only a backstop)
    RLIMIT_CPU    cpu_seconds for each process of the sandbox
    RLIMIT_FSIZE  max_file_mb per file written
    RLIMIT_NPROC  max_processes; the kernel ignores it for real uid 0, which a sandbox started by root
                  keeps outside its user namespace, so where the pids cgroup (v1) is writable the tree is
                  also put in a cgroup of its own with `pids.max` = max_processes (`ProcessCgroup`)
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import followlytics

DATA = "/data"
"""Where the user's folder appears inside the sandbox (read-only)."""
SCRATCH = "/scratch"
"""The sandbox's writable scratch folder, wiped when the sandbox is archived."""
WORKSPACE = "/workspace"
"""The sandbox's writable workspace: its table cache, kept while the sandbox is archived."""
TABLE_CACHE_FILE = "tables.duckdb"
"""The runtime's table cache (`--cache`), in the workspace."""
SANDBOX_UID = 65534
ADDRESS_SPACE_HEADROOM = 2 << 30
_PIDS_CGROUP = Path("/sys/fs/cgroup/pids")
_STALE_CGROUP_SECONDS = 60
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")  # the dynamic linker's cache finds libstdc++ and co.


@dataclass(frozen=True)
class Limits:
    """What one sandbox's processes may use."""

    memory_mb: int = 6144
    cpu_seconds: int = 86400
    max_processes: int = 256
    max_file_mb: int = 4096


def find_bwrap() -> str | None:
    """The bwrap executable's path, or None when bubblewrap is not installed."""
    return shutil.which("bwrap")


def command(
    bwrap: str,
    user_root: Path,
    scratch: Path,
    *,
    workspace: Path | None = None,
    duckdb_memory_mb: int | None = None,
) -> list[str]:
    """The command line that runs the runtime over `user_root` (read-only) with `scratch` writable, and
    `workspace` writable at /workspace holding its table cache when given."""
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    for path in _system_dirs():
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in _ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    for path in python_paths():
        argv += ["--ro-bind", path, path]
    argv += ["--ro-bind", str(user_root), DATA, "--bind", str(scratch), SCRATCH, "--chdir", SCRATCH]
    if workspace is not None:
        argv += ["--bind", str(workspace), WORKSPACE]
    argv += ["--clearenv"]
    for name, value in environment().items():
        argv += ["--setenv", name, value]
    argv += ["--", sys.executable, "-m", "followlytics.sandbox.runtime", "--root", DATA]
    if workspace is not None:
        argv += ["--cache", f"{WORKSPACE}/{TABLE_CACHE_FILE}"]
    if duckdb_memory_mb is not None:
        argv += ["--memory-limit", f"{max(64, duckdb_memory_mb)}MB"]
    return argv


def environment() -> dict[str, str]:
    """The runtime's whole environment inside the sandbox: nothing of the control plane's."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": SCRATCH,
        "TMPDIR": SCRATCH,
        "PYTHONDONTWRITEBYTECODE": "1",
        # Where the followlytics code is (not an installed package when run from a source tree).
        "PYTHONPATH": str(_package_dir().parent),
    }


def python_paths() -> list[str]:
    """The host folders Python and followlytics need, outside /usr, with none inside another."""
    wanted = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(_package_dir())}
    wanted.add(os.path.dirname(os.path.realpath(sys.executable)))
    for entry in sys.path:
        # Site-packages and the like; the working directory (''), zip files and missing entries are not.
        if entry and os.path.isdir(entry) and "site-packages" in entry:
            wanted.add(entry)
    resolved = sorted({os.path.realpath(p) for p in wanted} | wanted)
    system = tuple(f"{os.path.realpath(p)}/" for p in ("/usr", *_system_dirs()))
    kept: list[str] = []
    for path in resolved:
        if not os.path.isdir(path) or path == "/" or f"{path}/".startswith(system):
            continue
        if any(f"{path}/".startswith(f"{outer}/") for outer in kept):
            continue
        kept.append(path)
    return kept


def preexec(limits: Limits, cgroup: Path | None = None) -> None:
    """Runs in the forked child before it execs bwrap (`preexec_fn`): join the cgroup, set the rlimits.

    Only setrlimit and one write: no import and no lock, the usual ways a preexec_fn deadlocks in a
    threaded parent.
    """
    if cgroup is not None:
        fd = os.open(str(cgroup / "cgroup.procs"), os.O_WRONLY)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
    memory = limits.memory_mb << 20
    file_bytes = limits.max_file_mb << 20
    for kind, value in (
        (resource.RLIMIT_DATA, memory),
        (resource.RLIMIT_AS, memory + ADDRESS_SPACE_HEADROOM),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_NPROC, limits.max_processes),
        (resource.RLIMIT_CORE, 0),
    ):
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))


class ProcessCgroup:
    """A pids cgroup (v1) per sandbox process tree, where this host lets us make one; else nothing."""

    @staticmethod
    def make(name: str, max_processes: int) -> Path | None:
        """A new cgroup limited to `max_processes` tasks, or None where pids cgroups are not writable."""
        parent = _PIDS_CGROUP / "followlytics"
        try:
            parent.mkdir(exist_ok=True)
            _sweep(parent)
            path = parent / name
            path.mkdir(exist_ok=True)
            (path / "pids.max").write_text(str(max_processes))
        except OSError:
            return None
        return path

    @staticmethod
    def remove(path: Path | None) -> None:
        """Remove the cgroup once its tasks are gone (a killed task lingers a moment as a zombie)."""
        if path is None:
            return
        for _ in range(200):
            try:
                path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.01)


def _sweep(parent: Path) -> None:
    """Remove cgroups left behind by a server that was killed. rmdir refuses one that still holds tasks,
    and the age keeps a cgroup made a moment ago, not yet joined by its sandbox, from being taken."""
    old = time.time() - _STALE_CGROUP_SECONDS
    for child in parent.iterdir():
        try:
            if child.is_dir() and child.stat().st_mtime < old:
                child.rmdir()
        except OSError:
            continue


def _package_dir() -> Path:
    return Path(followlytics.__file__).resolve().parent


def _system_dirs() -> list[str]:
    return ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64"]
