"""Imports point downward only: no Qt below app/ui, and nothing imports the sandbox but the demo."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((APP / package).rglob("*.py"))


@pytest.mark.parametrize("package", ["core", "api", "services", "sandbox"])
def test_no_qt_below_ui(package: str) -> None:
    offenders = [str(p.relative_to(APP)) for p in modules(package)
                 if any(n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"} for n in imports_of(p))]
    assert offenders == []


@pytest.mark.parametrize(("package", "forbidden"), [
    ("core", ("app.api", "app.services", "app.ui", "app.sandbox")),
    ("api", ("app.services", "app.ui", "app.sandbox")),
    ("services", ("app.ui",)),
    ("sandbox", ("app.api", "app.services", "app.ui")),
])
def test_imports_point_downward(package: str, forbidden: tuple[str, ...]) -> None:
    offenders = [f"{p.relative_to(APP)} imports {n}" for p in modules(package) for n in imports_of(p)
                 if n.startswith(forbidden)]
    assert offenders == []


def test_only_the_demo_launcher_imports_the_sandbox() -> None:
    allowed = {"services/demo.py", "__main__.py", "selftest.py"}
    offenders = [str(p.relative_to(APP)) for p in APP.rglob("*.py")
                 if not str(p.relative_to(APP)).startswith("sandbox/")
                 and str(p.relative_to(APP)) not in allowed
                 and any(n.startswith("app.sandbox") for n in imports_of(p))]
    assert offenders == []
