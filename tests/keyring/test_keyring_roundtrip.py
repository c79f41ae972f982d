"""Profiles and keys through a REAL Secret Service (GNOME Keyring on a private D-Bus).

pytest itself is not inside a D-Bus session, so each scenario runs
``roundtrip_script.py`` in subprocesses under ``dbus-run-session`` with a throw-away
HOME: a keyring created and unlocked for the test, never the user's. Each step is its
own process, so the read proves the key outlived the process that stored it. Where
dbus-run-session or gnome-keyring-daemon is missing the real-keyring tests skip (with
the reason) and the same steps still run against the memory keyring.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import roundtrip_script as rt

from app.services.paths import AppPaths
from app.services.secrets import MemoryKeyring, SecretStore

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "roundtrip_script.py"
KEY = "KeapAK-real-keyring-roundtrip-7f3a9c"
UNLOCK_PASSWORD = "tagdesk-test-keyring"

missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
needs_secret_service = pytest.mark.skipif(
    bool(missing) or sys.platform != "linux",
    reason=f"needs a Linux Secret Service: {', '.join(missing) or 'not Linux'} not available "
           "(apt-get install dbus gnome-keyring)")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_RUNTIME_DIR=str(home / "run"))
    (home / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def run_in_dbus(home: Path, steps: list[list[str]], *, unlock: bool = True) -> list[dict[str, Any]]:
    """Start a private bus and (un)locked GNOME Keyring; run each step; return their JSON."""
    daemon = ("printf %s \"$UNLOCK\" | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
              if unlock else "gnome-keyring-daemon --start --components=secrets >/dev/null")
    python = " && ".join(" ".join([f'"{sys.executable}"', f'"{SCRIPT}"', *(f'"{a}"' for a in step)])
                         for step in steps)
    env = _env(home) | {"UNLOCK": UNLOCK_PASSWORD}
    proc = subprocess.run(["dbus-run-session", "--", "sh", "-c", f"{daemon}; {python}"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(HERE.parents[1]))
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


@needs_secret_service
def test_key_round_trips_through_gnome_keyring_across_processes(tmp_path: Path) -> None:
    home, profile_dir = tmp_path / "home", tmp_path / "profile"
    wrote, got, deleted, after = run_in_dbus(home, [
        ["write", str(profile_dir), KEY], ["read", str(profile_dir)], ["delete", str(profile_dir)],
        ["status", str(profile_dir)],
    ])
    assert wrote["backend"] == "SecretService Keyring", wrote
    assert wrote["where"] == "keyring"
    assert got["key"] == KEY and got["id"] == wrote["id"]
    assert deleted["key_after"] is None
    assert after["ok"] is True
    # the profile file and everything else we wrote hold no key; the keyring file exists, encrypted
    for path in profile_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    keyrings = list((home / "data" / "keyrings").glob("*.keyring"))
    assert keyrings, "GNOME Keyring wrote no keyring file"
    assert all(KEY.encode() not in k.read_bytes() for k in keyrings)


@needs_secret_service
def test_a_locked_keyring_is_reported_with_a_reason(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_in_dbus(home, [["write", str(tmp_path / "p"), KEY]])  # creates the login keyring
    (status,) = run_in_dbus(home, [["status", str(tmp_path / "p")]], unlock=False)
    assert status["ok"] is False
    assert status["backend"] == "SecretService Keyring"
    assert "locked" in status["reason"]


def test_the_same_steps_through_the_memory_keyring(tmp_path: Path) -> None:
    """Runs everywhere: the script's logic, with the in-memory backend."""
    store, paths = SecretStore(MemoryKeyring()), AppPaths.under(tmp_path)
    wrote = rt.write(store, paths, KEY)
    assert wrote["where"] == "keyring" and wrote["backend"] == "in-memory keyring"
    assert rt.read(store, paths)["key"] == KEY
    assert KEY not in paths.profiles_file.read_text(encoding="utf-8")
    assert rt.delete(store, paths)["key_after"] is None
    assert rt.status(store)["ok"] is True
