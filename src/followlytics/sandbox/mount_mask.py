"""Hide folders from a child process: run in the child before exec, it gives the child user and mount
namespaces of its own with an empty, read-only tmpfs over each folder.

`run_python` uses it so model-written code cannot read or change the runtime's table cache (`--cache`): the
cache outlives the process, so code able to write it could plant wrong tables for every later answer.

The steps (all system calls, through libc; no import after the fork):

    unshare(CLONE_NEWUSER | CLONE_NEWNS)   a user namespace (mapping our uid and gid to themselves) and a
                                           mount namespace it owns, so the mounts below are allowed
    mount --make-rprivate /                nothing we mount propagates back to the sandbox
    mount tmpfs <folder> -o ro,...         per folder
    unshare(CLONE_NEWUSER | CLONE_NEWNS)   again: mounts made in a more privileged namespace are locked
                                           in the new one, so the child cannot unmount the tmpfs

It needs unprivileged user namespaces inside the sandbox (bubblewrap's own sandbox allows them);
`MaskUnavailable` says when they are refused.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from pathlib import Path

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REC, _MS_PRIVATE = 1 << 14, 1 << 18


class MaskUnavailable(OSError):
    """The folders could not be hidden (no user namespaces here, say); the child was not started."""


def masker(folders: Sequence[Path]) -> _Masker:
    """A callable for `preexec_fn` that hides `folders` from the child it runs in."""
    return _Masker([os.fsencode(folder) for folder in folders])


class _Masker:
    def __init__(self, folders: list[bytes]) -> None:
        # Everything the child will need is made here, before the fork: the child only calls.
        libc = ctypes.CDLL(None, use_errno=True)
        self._unshare, self._mount = libc.unshare, libc.mount
        self._folders = folders
        uid, gid = os.getuid(), os.getgid()
        self._maps = (
            (b"/proc/self/setgroups", b"deny"),
            (b"/proc/self/uid_map", f"{uid} {uid} 1".encode()),
            (b"/proc/self/gid_map", f"{gid} {gid} 1".encode()),
        )
        self._tmpfs_flags = _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC

    def __call__(self) -> None:
        if not self._folders:
            return
        self._check(self._unshare(_CLONE_NEWUSER | _CLONE_NEWNS), "unshare")
        for path, text in self._maps:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, text)
            finally:
                os.close(fd)
        self._check(self._mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "make / private")
        for folder in self._folders:
            self._check(self._mount(b"tmpfs", folder, b"tmpfs", self._tmpfs_flags, b"size=4k"), "mount tmpfs")
        self._check(self._unshare(_CLONE_NEWUSER | _CLONE_NEWNS), "lock the mounts")

    @staticmethod
    def _check(result: int, step: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise MaskUnavailable(errno, f"{step}: {os.strerror(errno)}")
