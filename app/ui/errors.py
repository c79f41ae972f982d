"""The one place that turns an error into something the user sees.

Transient problems (throttling, a retry that will happen anyway) go to the status
bar; failures the user must act on get a dialog with a plain message and the
technical detail folded away; an auth failure offers to open the connection
settings; an unexpected exception is a bug and says so. Every text passes through
:func:`redact`, so a key cannot reach the screen.
"""

from __future__ import annotations

import logging
import traceback

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.api import errors as e
from app.core.redact import redact
from app.ui.dialog_host import show_dialog

log = logging.getLogger("app.ui")


def describe(error: BaseException) -> tuple[str, str]:
    """(message for the user, technical detail) for any error."""
    if isinstance(error, e.ApiError):
        detail = error.detail
        if isinstance(error, e.OutcomeUnknownError) and error.cause is not None:
            detail = f"{error.cause.kind}: {error.cause.detail}"
        return error.message, redact(f"{error.kind} in {error.method or 'call'}: {detail}".strip())
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return (f"Something went wrong inside TagDesk ({type(error).__name__}). "
            "Your data in Keap was not changed by this error.", redact(text))


class ErrorPresenter(QObject):
    """Shows errors; set ``interactive`` False in tests to record instead of opening dialogs.

    Signals:
        status_message(str, int): text and timeout in ms for the status bar.
        reconnect_requested(): the user chose to fix the connection after an auth error.
        presented(str, str): every message shown (message, detail); tests listen here.
    """

    status_message = Signal(str, int)
    reconnect_requested = Signal()
    presented = Signal(str, str)

    def __init__(self, parent: QObject | None = None, *, interactive: bool = True) -> None:
        super().__init__(parent)
        self.interactive = interactive
        self.window: QWidget | None = None

    def present(self, error: BaseException, context: str = "") -> None:
        message, detail = describe(error)
        if context:
            message = f"{context}: {message}"
        log.warning("%s | %s", message, detail.splitlines()[0] if detail else "")
        self.presented.emit(message, detail)
        if isinstance(error, e.CancelledError):
            self.status_message.emit("Cancelled.", 4000)
            return
        if isinstance(error, e.ThrottledError) and not isinstance(error, e.HttpThrottledError):
            self.status_message.emit(message, 8000)
            return
        if not self.interactive:
            self.status_message.emit(message, 10000)
            return
        parent = self.window if self.window is not None and shiboken6.isValid(self.window) else None
        box = QMessageBox(parent)
        known = isinstance(error, e.ApiError)
        box.setIcon(QMessageBox.Icon.Warning if known else QMessageBox.Icon.Critical)
        box.setWindowTitle("TagDesk")
        box.setText(message)
        if detail:
            box.setDetailedText(detail)
        fix = None
        if isinstance(error, e.AuthError | e.TlsError):
            fix = box.addButton("Connection settings…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)

        def finished(_code: int) -> None:
            if fix is not None and box.clickedButton() is fix:
                self.reconnect_requested.emit()

        show_dialog(parent, box, finished)  # window-modal, no nested event loop
