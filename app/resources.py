"""Where TagDesk's bundled files (icons, desktop metadata) are, from source and frozen builds.

The files live once, in the repository's top-level ``resources/`` folder:

- run from a checkout (``python -m app``, ``make demo``, an editable install) they are
  read in place, next to the ``app`` package;
- in a PyInstaller build ``packaging/tagdesk.spec`` copies them to ``resources/`` inside
  the bundle (``sys._MEIPASS``; ``_internal/`` in a one-folder build).

No Qt here: callers turn a path into a ``QIcon`` themselves.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ID = "io.github.tagdesk.TagDesk"
"""The reverse-DNS id of the desktop entry, the AppStream metadata and the macOS bundle."""

APP_ICON_SVG = "icons/tagdesk.svg"
APP_ICON_ICO = "icons/tagdesk.ico"
ICON_SIZES: tuple[int, ...] = (16, 32, 48, 64, 128, 256, 512)
"""The PNG sizes rendered from the SVG (``packaging/render_icons.py``)."""

DESKTOP_FILE = f"linux/{APP_ID}.desktop"
METAINFO_FILE = f"linux/{APP_ID}.metainfo.xml"


def resources_root() -> Path:
    """The folder that holds the resources: the bundle's copy when frozen, else the checkout's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    """The path of ``name`` (e.g. ``"icons/tagdesk.svg"``) under :func:`resources_root`.

    The path is not checked for existence. A name that would leave the resources folder
    (absolute, or with ``..``) is a programming error and raises ValueError.
    """
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"not a resource name: {name!r}")
    return resources_root() / relative


def icon_png(size: int) -> str:
    """The resource name of the app icon rendered at ``size`` pixels (one of :data:`ICON_SIZES`)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes are {', '.join(map(str, ICON_SIZES))}")
    return f"icons/tagdesk-{size}.png"


USER_GUIDE = "docs/desktop-app.md"
"""The user guide, shown by Help > User guide (its images are under ``docs/screenshots``)."""


def user_guide_path() -> Path | None:
    """The user guide: bundled in frozen builds (``packaging/tagdesk.spec``), in place in a
    checkout; None where neither is (a wheel installs no docs)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        candidate = Path(bundle) / "resources" / USER_GUIDE
    else:
        candidate = Path(__file__).resolve().parent.parent / USER_GUIDE
    return candidate if candidate.is_file() else None
