"""The app's settings: one typed wrapper over an INI-format QSettings file.

Every setting is read through a typed helper with its default, so a missing, old or
hand-edited value never crashes a window. ``settings_version`` lets a later release
upgrade old files in :meth:`Settings._upgrade`. Settings never hold a secret:
:meth:`Settings.set_value` refuses any value that contains a registered key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from app.core.redact import redact

log = logging.getLogger("app.ui.settings")

SETTINGS_VERSION = 1

WINDOW_GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"


class Settings:
    """Typed access to ``settings.ini`` in the config folder.

    Keys are ``group/name`` strings. Per-profile values live under
    ``profiles/<profile id>/...``, so renaming a profile keeps its columns.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        self._upgrade()

    # -- generic ---------------------------------------------------------------------------

    def value(self, key: str, default: Any = None) -> Any:
        return self._qs.value(key, default)

    def set_value(self, key: str, value: Any) -> None:
        """Store ``value``; refuses anything that contains a registered secret."""
        text = bytes(value.data()).decode("latin-1") if isinstance(value, QByteArray) else str(value)
        if redact(text) != text or redact(key) != key:
            raise ValueError(f"refusing to store a secret in the settings ({key})")
        self._qs.setValue(key, value)

    def remove(self, key: str) -> None:
        self._qs.remove(key)

    def contains(self, key: str) -> bool:
        return bool(self._qs.contains(key))

    def sync(self) -> None:
        """Write pending changes to disk now."""
        self._qs.sync()

    # -- typed helpers ---------------------------------------------------------------------

    def int_value(self, key: str, default: int = 0) -> int:
        raw = self._qs.value(key, default)
        if isinstance(raw, bool):
            return int(raw)
        if isinstance(raw, int | float | str):
            try:
                return int(raw)
            except ValueError:
                return default
        return default

    def bool_value(self, key: str, default: bool = False) -> bool:
        raw = self._qs.value(key, default)
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return bool(raw)

    def str_value(self, key: str, default: str = "") -> str:
        raw = self._qs.value(key, default)
        return raw if isinstance(raw, str) else default

    def str_list(self, key: str, default: Sequence[str] = ()) -> list[str]:
        raw = self._qs.value(key, None)
        if raw is None:
            return list(default)
        if isinstance(raw, str):  # QSettings INI stores a one-item list as a plain string
            return [raw] if raw else []
        if isinstance(raw, list | tuple):
            return [str(x) for x in raw]
        return list(default)

    def int_list(self, key: str, default: Sequence[int] = ()) -> list[int]:
        try:
            return [int(x) for x in self.str_list(key, [str(d) for d in default])]
        except ValueError:
            return list(default)

    def bytes_value(self, key: str) -> QByteArray | None:
        raw = self._qs.value(key, None)
        if isinstance(raw, QByteArray) and not raw.isEmpty():
            return raw
        if isinstance(raw, bytes) and raw:
            return QByteArray(raw)
        return None

    # -- window layout ---------------------------------------------------------------------

    def window_geometry(self) -> QByteArray | None:
        return self.bytes_value(WINDOW_GEOMETRY)

    def set_window_geometry(self, geometry: QByteArray) -> None:
        self._qs.setValue(WINDOW_GEOMETRY, geometry)

    def window_state(self) -> QByteArray | None:
        return self.bytes_value(WINDOW_STATE)

    def set_window_state(self, state: QByteArray) -> None:
        self._qs.setValue(WINDOW_STATE, state)

    def splitter_state(self, name: str) -> QByteArray | None:
        return self.bytes_value(f"splitters/{name}")

    def set_splitter_state(self, name: str, state: QByteArray) -> None:
        self._qs.setValue(f"splitters/{name}", state)

    # -- per-profile columns ---------------------------------------------------------------

    @staticmethod
    def _profile_key(profile_id: str, view: str, what: str) -> str:
        safe_id = "".join(c for c in profile_id if c.isalnum() or c in "-_") or "default"
        return f"profiles/{safe_id}/{view}/{what}"

    def columns(self, profile_id: str, view: str, default: Sequence[str] = ()) -> list[str]:
        """The columns the user chose for ``view`` ("contacts", ...) with this profile."""
        return self.str_list(self._profile_key(profile_id, view, "columns"), default)

    def set_columns(self, profile_id: str, view: str, columns: Sequence[str]) -> None:
        self.set_value(self._profile_key(profile_id, view, "columns"), list(columns))

    def column_widths(self, profile_id: str, view: str) -> dict[str, int]:
        key = self._profile_key(profile_id, view, "widths")
        out: dict[str, int] = {}
        for item in self.str_list(key):
            name, _, width = item.rpartition("=")
            if name and width.isdigit():
                out[name] = int(width)
        return out

    def set_column_widths(self, profile_id: str, view: str, widths: dict[str, int]) -> None:
        items = [f"{name}={int(width)}" for name, width in widths.items()]
        self.set_value(self._profile_key(profile_id, view, "widths"), items)

    def forget_profile(self, profile_id: str) -> None:
        self._qs.remove(f"profiles/{self._profile_key(profile_id, 'x', 'x').split('/')[1]}")

    # -- versioning ------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self.int_value("settings_version", 0)

    def _upgrade(self) -> None:
        """Bring an older settings file up to :data:`SETTINGS_VERSION` (nothing to migrate yet)."""
        found = self.version
        if found > SETTINGS_VERSION:
            log.warning("settings file %s is from a newer TagDesk (version %d); reading what we know",
                        self.path, found)
            return
        if found < SETTINGS_VERSION:
            self._qs.setValue("settings_version", SETTINGS_VERSION)
            self._qs.sync()
