"""The real program, as a user starts it: ``python -m app --demo`` on an X server.

Runs TagDesk as a subprocess under a private Xvfb display, waits (polling with a
deadline, never a fixed sleep) for the log line that says the demo session is open
and for the window to exist, takes a screenshot, then sends SIGTERM and expects a
clean exit with code 0 and the window layout saved. Skips, with the reason, where
Xvfb is not installed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.logging_setup import READY_MARKER

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="the end-to-end test drives an X server (Linux)"),
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb)"),
]


def wait_for(what: str, check: Callable[[], object], proc: subprocess.Popen[bytes] | None = None,
             deadline: float = DEADLINE) -> object:
    """Poll ``check`` until it returns something truthy; fail with ``what`` at the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"TagDesk exited with {proc.returncode} while waiting for {what}")
        time.sleep(0.1)
    pytest.fail(f"timed out after {deadline:.0f}s waiting for {what}")


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """A private Xvfb on a free display number (Xvfb picks it and tells us through -displayfd)."""
    read_fd, write_fd = os.pipe()
    with (tmp_path / "xvfb.log").open("wb") as xvfb_log:
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                                 "-nolisten", "tcp"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                                stderr=xvfb_log)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        pytest.fail(f"Xvfb did not start: {(tmp_path / 'xvfb.log').read_text(errors='replace')}")
    try:
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def log_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_demo_starts_shows_the_window_and_quits_cleanly_on_sigterm(display: str, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    log = profile / "logs" / "tagdesk.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path / "home"),
               XDG_RUNTIME_DIR=str(tmp_path / "run"),
               PYTHON_KEYRING_BACKEND="app.services.secrets.MemoryKeyring")
    (tmp_path / "run").mkdir(mode=0o700)
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        app = subprocess.Popen([sys.executable, "-m", "app", "--demo", "--profile-dir", str(profile)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_for("the main window", lambda: READY_MARKER in log_text(log), app)
        wait_for("the demo session", lambda: "session open: Demo (demo=True)" in log_text(log), app)
        if shutil.which("xdotool"):
            found = wait_for("a TagDesk window on the X server", lambda: subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "TagDesk"], env=env,
                capture_output=True, text=True).stdout.split(), app)
            assert found
        shot = _screenshot(env, tmp_path / "tagdesk-demo.png")
        app.send_signal(signal.SIGTERM)
        code = app.wait(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    text = log_text(log)
    assert code == 0, f"exit code {code}\n{(tmp_path / 'stderr.txt').read_text(errors='replace')}\n{text}"
    assert "received signal 15" in text and "TagDesk shut down" in text
    assert "Traceback" not in text, text
    settings = (profile / "config" / "settings.ini").read_text(encoding="utf-8")
    assert "[window]" in settings and "geometry=@ByteArray(" in settings
    assert (profile / "data" / "demo.sqlite3").is_file()
    if shot is not None:
        assert shot.stat().st_size > 10_000


def _screenshot(env: dict[str, str], path: Path) -> Path | None:
    """The whole screen as PNG (ImageMagick ``import``), also copied to $TAGDESK_SCREENSHOT_DIR."""
    if shutil.which("import") is None:
        return None
    subprocess.run(["import", "-window", "root", str(path)], env=env, check=True, timeout=60)
    target = os.environ.get("TAGDESK_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path
