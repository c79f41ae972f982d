"""app.resources finds the bundled files from a checkout and from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import resources

ROOT = Path(__file__).resolve().parents[2]


def test_from_source_the_repository_folder() -> None:
    assert resources.resources_root() == ROOT / "resources"
    assert resources.resource_path(resources.APP_ICON_SVG).is_file()
    assert resources.resource_path(resources.DESKTOP_FILE).is_file()


def test_frozen_the_bundle_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons/tagdesk.svg") == tmp_path / "resources" / "icons" / "tagdesk.svg"


@pytest.mark.parametrize("name", ["../pyproject.toml", "/etc/passwd", "icons/../../x", ""])
def test_names_stay_inside(name: str) -> None:
    with pytest.raises(ValueError):
        resources.resource_path(name)


def test_icon_sizes() -> None:
    assert resources.icon_png(16) == "icons/tagdesk-16.png"
    with pytest.raises(ValueError):
        resources.icon_png(20)
