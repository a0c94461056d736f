"""`followlytics serve` as a real process, for tests that need a server: on a port it picks itself (port 0,
read back from its log, so no other test can take the port between choosing and binding), with its log kept
and shown when it does not come up."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

_ADDRESS = re.compile(rb"Uvicorn running on (http://[\d.]+:\d+)")


@contextmanager
def served(env: dict[str, str], log: Path, *, timeout: float = 60.0) -> Iterator[str]:
    """The base URL of `followlytics serve` run with `env`, its output going to `log`; ended afterwards."""
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "followlytics.cli", "serve", "--port", "0"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _wait_until_up(server, log, time.monotonic() + timeout)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_until_up(server: subprocess.Popen[bytes], log: Path, deadline: float) -> str:
    while time.monotonic() < deadline:
        found = _ADDRESS.search(log.read_bytes())
        if found:
            url = found.group(1).decode()
            if httpx.get(f"{url}/healthz", timeout=10).status_code == 200:
                return url
        if server.poll() is not None:
            break
        time.sleep(0.1)
    tail = log.read_bytes()[-4000:].decode(errors="replace")
    state = f"exited with {server.returncode}" if server.poll() is not None else "did not come up in time"
    raise RuntimeError(f"followlytics serve {state}; its log:\n{tail}")
