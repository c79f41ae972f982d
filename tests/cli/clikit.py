"""Running ``tagdesk-cli`` as a real subprocess against an in-process sandbox on loopback."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
KEY_VAR = "TAGDESK_TEST_KEY"


def cli_env(sb: Sandbox, home: Path) -> dict[str, str]:
    """The environment of a CLI subprocess: the key in a variable, user folders under ``home``."""
    env = dict(os.environ)
    env[KEY_VAR] = sb.key
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + old if old else "")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache")):
        env[var] = str(home / sub)
    env["PYTHON_KEYRING_BACKEND"] = "app.services.secrets.MemoryKeyring"
    env.pop("QT_QPA_PLATFORM", None)
    return env


def conn_args(sb: Sandbox, protocol: str, data_dir: Path) -> list[str]:
    url = sb.rest_host if protocol == "rest" else sb.url
    return ["--url", url, "--protocol", protocol, "--key-env", KEY_VAR, "--data-dir", str(data_dir)]


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_cli(args: Sequence[str], env: dict[str, str], *, stdin: str | None = None,
            timeout: float = 60) -> Done:
    proc = subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout, cwd=str(ROOT))
    return Done(proc.returncode, proc.stdout, proc.stderr)


class LiveCli:
    """A CLI subprocess whose stdout is read line by line as it comes (a reader thread)."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=str(ROOT), bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout: float = 30) -> str | None:
        """The next stdout line (None at the end); queue.Empty if none came within ``timeout``."""
        line = self.lines.get(timeout=timeout)
        if line is not None:
            self.seen.append(line)
        return line

    def kill(self) -> int:
        self.proc.kill()
        code = self.proc.wait(timeout=30)  # reaped: its pid is really gone
        self._reader.join(timeout=30)  # the pipe ends with the process
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code
