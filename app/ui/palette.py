"""The app's few colours, in one place, readable on a light and on a dark theme.

Meaning, not hex codes, is what the widgets ask for: ``error``, ``warning``, ``ok``,
``muted``, and the two note/banner backgrounds. On a dark palette (the window colour is
dark) the lighter variant of each is used, so red text stays readable on dark grey.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QApplication

#: name -> (light theme, dark theme)
COLOURS: dict[str, tuple[str, str]] = {
    "error": ("#b3261e", "#ff8a80"),
    "warning": ("#8a5a00", "#ffcc66"),
    "ok": ("#1b7f3b", "#7ee2a0"),
    "muted": ("#777777", "#aaaaaa"),
    "warn_cell": ("#a15c00", "#ffb74d"),
    "note_bg": ("#fff4d6", "#3d3320"),
    "note_fg": ("#5c4400", "#ffe6a6"),
    "note_border": ("#e6c96b", "#8a7440"),
    "banner_warn_bg": ("#fdecea", "#4a2422"),
    "banner_info_bg": ("#e8f0fe", "#1e2a3f"),
}


def is_dark() -> bool:
    app = QApplication.instance()
    palette = app.palette() if isinstance(app, QApplication) else QPalette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colour(name: str) -> str:
    light, dark = COLOURS[name]
    return dark if is_dark() else light


def brush(name: str) -> QBrush:
    return QBrush(QColor(colour(name)))


def text_style(name: str) -> str:
    """A stylesheet that colours a label's text."""
    return f"color: {colour(name)};"


def note_style(selector: str = "QLabel") -> str:
    """The yellow note boxes (the orders tab's goal note, the bulk dialog's warning)."""
    return (f"{selector} {{ background: {colour('note_bg')}; color: {colour('note_fg')}; "
            f"border: 1px solid {colour('note_border')}; border-radius: 4px; padding: 6px; }}")
