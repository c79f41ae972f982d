"""The log file: rotating, per-layer loggers, keys redacted even inside tracebacks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import logging_setup
from app.core.redact import register_secret

KEY = "KeapAK-logging-test-secret-42"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = logging_setup.setup_logging(tmp_path / "logs")
    yield path
    logging_setup.teardown_logging()


def test_layers_log_into_one_file_with_their_names(log_file: Path) -> None:
    for name in logging_setup.LAYERS:
        logging.getLogger(f"{name}.child").info("hello from %s", name)
    text = log_file.read_text(encoding="utf-8")
    for name in logging_setup.LAYERS:
        assert f"{name}.child [MainThread] hello from {name}" in text
    assert logging_setup.log_folder() == log_file.parent


def test_keys_are_redacted_in_messages_and_tracebacks(log_file: Path) -> None:
    register_secret(KEY)
    log = logging.getLogger("app.api")
    log.warning("header was %s", KEY)
    try:
        raise RuntimeError(f"server echoed {KEY}")
    except RuntimeError:
        log.exception("call failed")
    text = log_file.read_text(encoding="utf-8")
    assert KEY not in text
    assert "header was •••" in text and "RuntimeError: server echoed •••" in text


def test_excepthook_logs_and_shows(log_file: Path) -> None:
    shown: list[BaseException] = []
    saved = sys.excepthook
    logging_setup.install_excepthook(shown.append)
    try:
        err = ValueError("boom")
        sys.excepthook(ValueError, err, None)
    finally:
        logging_setup.uninstall_excepthook()
    assert sys.excepthook is saved
    assert shown == [err]
    assert "uncaught exception" in log_file.read_text(encoding="utf-8")


def test_teardown_removes_our_handlers(tmp_path: Path) -> None:
    before = list(logging.getLogger().handlers)
    logging_setup.setup_logging(tmp_path)
    logging_setup.teardown_logging()
    assert logging.getLogger().handlers == before
    assert logging_setup.log_file() is None
