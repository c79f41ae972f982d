"""The command line: tagdesk / python -m app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.__main__ import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def test_options() -> None:
    args = build_parser().parse_args(["--demo", "--profile-dir", "/x", "--debug"])
    assert (args.demo, args.profile_dir, args.debug) == (True, "/x", True)
    defaults = build_parser().parse_args([])
    assert (defaults.demo, defaults.profile_dir, defaults.debug) == (False, None, False)
    assert "--self-test" in build_parser().format_help()


def test_version_and_unknown_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"TagDesk {__version__}"
    with pytest.raises(SystemExit) as info:
        main(["--no-such-option"])
    assert info.value.code == 2


def test_python_dash_m_app_needs_no_display_for_help(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "app", "--help"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--profile-dir DIR" in proc.stdout and "--demo" in proc.stdout
    code = "import sys, app.__main__; print('PySide6' in sys.modules)"
    check = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=60)
    assert check.stdout.strip() == "False"  # Qt loads only once the arguments are parsed
