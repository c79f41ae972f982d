"""app/jobs is Qt-free and sits below the GUI: bulk jobs run the same from a script or a test."""

from __future__ import annotations

import ast
from pathlib import Path

JOBS = Path(__file__).resolve().parents[2] / "app" / "jobs"


def test_jobs_import_no_qt_and_no_gui() -> None:
    offenders = []
    for path in sorted(JOBS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = {"PySide6", "shiboken6"}
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] in bad or n.startswith(("app.ui", "app.sandbox"))]
    assert offenders == []
