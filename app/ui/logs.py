"""The Qt side of logging: Qt's own messages into the log, and Help > Open log folder."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, QUrl, qInstallMessageHandler
from PySide6.QtGui import QDesktopServices

from app.logging_setup import log_folder

qt_log = logging.getLogger("app.ui.qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    where = f" ({context.category})" if context.category and context.category != "default" else ""
    qt_log.log(_LEVELS.get(mode, logging.WARNING), "%s%s", message, where)


def install_qt_message_handler() -> object:
    """Route qDebug/qWarning/... into the ``app.ui.qt`` logger; return the previous handler."""
    return qInstallMessageHandler(_qt_message)


def restore_qt_message_handler(previous: object) -> None:
    """Put back the handler :func:`install_qt_message_handler` replaced (tests)."""
    qInstallMessageHandler(previous)  # type: ignore[arg-type]


def open_log_folder(folder: Path | None = None) -> bool:
    """Open the log folder in the file manager (Help > Open log folder); False if it cannot."""
    target = folder or log_folder()
    if target is None:
        logging.getLogger("app.ui").warning("no log folder: logging was not set up")
        return False
    target.mkdir(parents=True, exist_ok=True)
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))))
