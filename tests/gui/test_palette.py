"""One palette: every colour the app sets comes from app.ui.palette, readable on light and dark."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from app.ui import palette

UI = Path(__file__).resolve().parents[2] / "app" / "ui"


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""
    def lum(c: QColor) -> float:
        parts = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            parts.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_no_colour_is_written_inline_outside_the_palette() -> None:
    offenders = [f"{p.relative_to(UI)}:{n}" for p in UI.rglob("*.py") if p.name != "palette.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"#[0-9a-fA-F]{6}\b", line)]
    assert offenders == []


def test_text_colours_stay_readable_on_a_dark_fusion_theme(qtbot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_palette, old_style = app.palette(), app.style().name()
    try:
        light_window = app.palette().color(QPalette.ColorRole.Window)
        light = {n: palette.colour(n) for n in ("error", "warning", "ok", "muted")}
        app.setStyle(QStyleFactory.create("Fusion"))
        dark = QPalette()
        roles = QPalette.ColorRole
        for role, value in ((roles.Window, "#2b2b2b"), (roles.WindowText, "#eeeeee"),
                            (roles.Base, "#1e1e1e"), (roles.Text, "#eeeeee")):
            dark.setColor(role, QColor(value))
        app.setPalette(dark)
        assert palette.is_dark()
        window = dark.color(QPalette.ColorRole.Window)
        for name in ("error", "warning", "ok", "muted"):
            assert palette.colour(name) != light[name]
            assert contrast(QColor(palette.colour(name)), window) >= 4.5, name
            assert contrast(QColor(light[name]), light_window) >= 3.0, name
    finally:
        app.setPalette(old_palette)
        app.setStyle(old_style)
