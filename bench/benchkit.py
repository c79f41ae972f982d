"""What every benchmark states the same way: the machine, and the time the key's quota allows."""

from __future__ import annotations

import compileall
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine(qt: str | None = None) -> str:
    """``machine: 2 cores, Python 3.11.7 (Linux x86_64)``, with Qt's version when it matters."""
    qt_part = f", Qt {qt}" if qt else ""
    return (f"machine: {os.cpu_count()} cores, Python {platform.python_version()}{qt_part} "
            f"({platform.system()} {platform.machine()})")


def ideal_seconds(calls: int, per_second: int | None, per_minute: int | None) -> float:
    """The shortest time ``calls`` calls can take under sliding per-second and per-minute windows:
    the k-th call cannot start before ``k // per_second`` seconds nor before ``60 * (k // per_minute)``."""
    if calls <= 0:
        return 0.0
    k = calls - 1
    bounds = [0.0]
    if per_second:
        bounds.append(float(k // per_second))
    if per_minute:
        bounds.append(60.0 * (k // per_minute))
    return max(bounds)


def compile_app() -> str:
    """Byte-compile the app as an installed copy is (pip and PyInstaller ship bytecode), so a
    process the benchmark starts does not compile modules from source as it goes: where
    PYTHONDONTWRITEBYTECODE is set, every lazy import would otherwise compile again, inside the
    measured phases. Returns the line the benchmark prints about it."""
    ok = compileall.compile_dir(str(ROOT / "app"), quiet=1, workers=0)
    note = " (PYTHONDONTWRITEBYTECODE is set here: without this, every import compiled)" \
        if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    failed = "" if ok else " (some files failed)"
    return f"bytecode: app/ compiled first, as an installed copy is{note}{failed}"
