"""Where TagDesk keeps its files: config, data, logs and cache.

By default each lives where the platform expects it (platformdirs). ``--profile-dir
DIR`` puts all four under one folder, so tests, demos and portable installs never
touch the user's real files. Nothing here creates folders until :meth:`AppPaths.ensure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "TagDesk"
APP_AUTHOR = "TagDesk"

PROFILES_FILE = "profiles.json"
SETTINGS_FILE = "settings.ini"
DEMO_DB_FILE = "demo.sqlite3"
LOG_FILE = "tagdesk.log"


@dataclass(frozen=True)
class AppPaths:
    """The four folders TagDesk writes to, and the well-known files inside them."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @classmethod
    def platform_default(cls) -> AppPaths:
        """The per-user folders of this operating system (see docs/desktop-app.md)."""
        # appauthor=False: %LOCALAPPDATA%\TagDesk on Windows, not TagDesk\TagDesk
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, root: str | Path) -> AppPaths:
        """Everything below one folder (``--profile-dir``)."""
        base = Path(root).expanduser().resolve()
        return cls(config_dir=base / "config", data_dir=base / "data", log_dir=base / "logs",
                   cache_dir=base / "cache")

    @classmethod
    def resolve(cls, profile_dir: str | Path | None) -> AppPaths:
        """``--profile-dir`` when given, else the platform's folders."""
        return cls.under(profile_dir) if profile_dir else cls.platform_default()

    def ensure(self) -> AppPaths:
        """Create the folders (private to the user where the OS honours modes)."""
        for folder in (self.config_dir, self.data_dir, self.log_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    @property
    def profiles_file(self) -> Path:
        return self.config_dir / PROFILES_FILE

    @property
    def settings_file(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    @property
    def demo_db(self) -> Path:
        return self.data_dir / DEMO_DB_FILE

    @property
    def log_file(self) -> Path:
        return self.log_dir / LOG_FILE
