"""Benchmark: start-up of the frozen app (``make package``) against running it from source.

What a user waits for after a double click: the process starting, the main window ready, the
demo session open, and the first contacts page asked of the sandbox. Each run is a fresh
process with a fresh ``--profile-dir`` (so the demo's data is seeded as on a first start),
``--demo --debug`` on the offscreen platform; the times are when each of these log lines reaches
the process's output, counted from the spawn:

- ``main window ready`` (app.ui.app), ``session open`` (app.ui.app), and the sandbox's log line
  for the first ``GET .../contacts`` (REST v2, the demo's default protocol);
- and, separately, ``--self-test`` to its exit (Qt, icons, keyring, one sandbox query).

The peer in the same run is the same app from source (``python -m app``), what a developer or a
user without the installer runs. Medians of ``--runs`` runs (min-max), variants alternating.
Run: ``.venv/bin/python bench/startup.py [--binary dist/TagDesk/TagDesk] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchkit import compile_app, machine

ROOT = Path(__file__).resolve().parents[1]
MARKS = (("window", "main window ready"), ("session", "session open:"), ("first page", "/rest/v2/contacts?"))
TIMEOUT_S = 60.0


def timed_start(command: list[str]) -> dict[str, float]:
    """Seconds from spawn to each mark (then the process is stopped)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory(prefix="tagdesk-start-") as profile:
        started = time.perf_counter()
        proc = subprocess.Popen([*command, "--demo", "--debug", "--profile-dir", profile], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        seen: dict[str, float] = {}
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                for name, text in MARKS:
                    if name not in seen and text in line:
                        seen[name] = time.perf_counter() - started
                if len(seen) == len(MARKS) or time.perf_counter() - started > TIMEOUT_S:
                    break
        finally:
            proc.terminate()
            proc.wait(30)
    return seen


def timed_self_test(command: list[str]) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    subprocess.run([*command, "--self-test"], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=TIMEOUT_S)
    return time.perf_counter() - started


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--binary", default=str(ROOT / "dist" / "TagDesk" / "TagDesk"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    binary = Path(args.binary)
    if not binary.exists():
        print(f"no frozen app at {binary}: run `make package` first")
        return 1
    variants = {"frozen": [str(binary)], "from source": [sys.executable, "-m", "app"]}
    print(machine())
    print(compile_app())
    size = sum(f.lstat().st_size for f in binary.parent.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"frozen app: {binary} ({size / 2**20:.0f} MiB); {args.runs} runs each, variants alternating; "
          "--demo over REST v2, a fresh profile each run")
    starts: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    tests: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.runs):
        for name, command in variants.items():
            starts[name].append(timed_start(command))
            tests[name].append(timed_self_test(command))
    for name in variants:
        print(f"{name}:")
        for mark, _text in MARKS:
            got = [s[mark] for s in starts[name] if mark in s]
            print(f"  {mark:12} {spread(got) if got else 'not seen'}" +
                  (f" ({len(got)} of {args.runs} runs)" if len(got) != args.runs else ""))
        print(f"  {'--self-test':12} {spread(tests[name])} to its exit")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
