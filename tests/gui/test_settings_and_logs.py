"""Typed settings over an INI file, the Qt log handler and Help > Open log folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QUrl, qWarning
from PySide6.QtGui import QDesktopServices

from app import logging_setup
from app.core.redact import register_secret
from app.ui import logs
from app.ui.settings import SETTINGS_VERSION, Settings


def test_new_file_gets_the_settings_version(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "config" / "settings.ini")
    settings.sync()
    assert settings.version == SETTINGS_VERSION
    assert "settings_version=1" in (tmp_path / "config" / "settings.ini").read_text(encoding="utf-8")


def test_typed_helpers_survive_a_restart_and_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    s = Settings(path)
    s.set_window_geometry(QByteArray(b"\x01\x02geometry"))
    s.set_splitter_state("workspace", QByteArray(b"split"))
    s.set_columns("abc123", "contacts", ["Email"])  # one item: INI stores a plain string
    s.set_column_widths("abc123", "contacts", {"Email": 220, "Id": 60})
    s.set_value("misc/count", "not a number")
    s.set_value("misc/flag", True)
    s.sync()
    again = Settings(path)
    assert again.window_geometry() == QByteArray(b"\x01\x02geometry")
    assert again.splitter_state("workspace") == QByteArray(b"split")
    assert again.window_state() is None
    assert again.columns("abc123", "contacts") == ["Email"]
    assert again.columns("other", "contacts", ["Id"]) == ["Id"]
    assert again.column_widths("abc123", "contacts") == {"Email": 220, "Id": 60}
    assert again.int_value("misc/count", 7) == 7
    assert again.bool_value("misc/flag") is True
    assert again.str_list("missing", ["a"]) == ["a"]
    again.forget_profile("abc123")
    assert again.columns("abc123", "contacts") == []


def test_the_same_keys_the_contacts_pane_uses(tmp_path: Path) -> None:
    s = Settings(tmp_path / "settings.ini")
    s.set_columns("p-1", "contacts", ["Id", "Email"])
    assert s.value("profiles/p-1/contacts/columns") == ["Id", "Email"]


def test_a_secret_is_never_stored(tmp_path: Path) -> None:
    register_secret("KeapAK-settings-secret-99")
    s = Settings(tmp_path / "settings.ini")
    with pytest.raises(ValueError, match="secret"):
        s.set_value("profiles/x/note", "key is KeapAK-settings-secret-99")
    with pytest.raises(ValueError, match="secret"):
        s.set_value("misc/blob", QByteArray(b"KeapAK-settings-secret-99"))
    s.sync()
    assert "KeapAK" not in (tmp_path / "settings.ini").read_text(encoding="utf-8")


def test_qt_messages_reach_the_log_file(tmp_path: Path) -> None:
    log_file = logging_setup.setup_logging(tmp_path)
    previous = logs.install_qt_message_handler()
    try:
        qWarning("a warning from Qt itself")
    finally:
        logs.restore_qt_message_handler(previous)
        logging_setup.teardown_logging()
    assert "WARNING app.ui.qt [MainThread] a warning from Qt itself" in log_file.read_text(encoding="utf-8")


def test_open_log_folder_opens_the_current_log_folder(tmp_path: Path, monkeypatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    with caplog.at_level(logging.WARNING):
        assert logs.open_log_folder() is False  # logging not set up
    log_file = logging_setup.setup_logging(tmp_path / "logs")
    try:
        assert logs.open_log_folder() is True
    finally:
        logging_setup.teardown_logging()
    assert [u.toLocalFile() for u in opened] == [str(log_file.parent)]
