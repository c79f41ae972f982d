"""The window icon is found the one way --self-test checks: through app.resources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import resources
from app.resources import APP_ICON_SVG, resource_path
from app.ui.app import app_icon


def test_the_window_icon_comes_from_app_resources(qtbot, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    icon = app_icon()
    assert icon is not None and not icon.pixmap(64, 64).isNull()
    # where app.resources says the files are (a frozen bundle's folder, say), the window looks too
    (tmp_path / "icons").mkdir()
    shutil.copy(resource_path(APP_ICON_SVG), tmp_path / APP_ICON_SVG)
    monkeypatch.setattr(resources, "resources_root", lambda: tmp_path)
    moved = app_icon()
    assert moved is not None and not moved.pixmap(64, 64).isNull()
    (tmp_path / APP_ICON_SVG).unlink()
    assert app_icon() is None
