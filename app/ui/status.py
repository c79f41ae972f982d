"""The status bar: connection, calls in flight, quota used, search total, errors, progress.

Transient messages (from the error presenter and the panes) use the bar's own message
area on the left; the permanent widgets on the right are always visible. The quota
label is refreshed by a timer from the client's rate limiter (calls counted today
against the key's daily quota).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from app.services.profiles import xmlrpc_notice
from app.services.session import Session
from app.ui import palette

#: Status texts that change with every page or call are shown at most this often.
THROTTLE_MS = 200


class StatusBar(QStatusBar):
    """Attributes: the labels and buttons, public so tests can read them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self._session: Session | None = None
        self._retry: Callable[[], None] | None = None
        self._cancel: Callable[[], None] | None = None

        self.error_label = QLabel()
        self.error_label.setObjectName("status_error")
        self.error_label.setStyleSheet(palette.text_style("error"))
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("status_retry")
        self.retry_button.clicked.connect(self._on_retry)
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("status_cancel")
        self.cancel_button.clicked.connect(self._on_cancel)
        self.count_label = QLabel()
        self.count_label.setObjectName("status_count")
        self.calls_label = QLabel()
        self.calls_label.setObjectName("status_calls")
        self.quota_label = QLabel()
        self.quota_label.setObjectName("status_quota")
        self.connection_label = QLabel()
        self.connection_label.setObjectName("status_connection")

        for widget in (self.error_label, self.retry_button, self.progress_label, self.progress,
                       self.cancel_button):
            self.addPermanentWidget(widget)
            widget.hide()
        for widget in (self.count_label, self.calls_label, self.quota_label, self.connection_label):
            self.addPermanentWidget(widget)
        # fixed widths: a label that grows with its text relayouts (and repaints) the whole bar
        metrics = self.fontMetrics()
        self.count_label.setMinimumWidth(metrics.horizontalAdvance("000,000 contacts (000,000 loaded)"))
        self.calls_label.setMinimumWidth(metrics.horizontalAdvance("00 calls running"))
        self.quota_label.setMinimumWidth(metrics.horizontalAdvance("000,000 calls today of 000,000"))
        self._pending: dict[str, tuple[Callable[..., None], tuple[object, ...]]] = {}
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._flush)
        self._show_in_flight(0)

        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh_quota)

    # -- connection and quota ------------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        self._session = session
        self.clear_error()
        self.end_progress()
        self.set_total(None, 0)
        if session is None:
            self.connection_label.setText("Not connected")
            self.quota_label.clear()
            self._timer.stop()
            return
        protocol = "REST v2" if session.protocol == "rest" else "XML-RPC"
        text = "● Demo account (local sample data)" if session.demo else f"● {session.profile_name}"
        self.connection_label.setText(f"{text} · {protocol}")
        tip = f"Connected to {session.address} over {protocol}."
        if session.protocol == "xmlrpc":
            tip += " " + xmlrpc_notice()
        self.connection_label.setToolTip(tip)
        self.connection_label.setStyleSheet(palette.text_style("warning" if session.demo else "ok"))
        self.refresh_quota()
        self._timer.start()

    def refresh_quota(self) -> None:
        session = self._session
        if session is None or session.closed:
            return
        limiter = session.client.limiter
        used = limiter.calls_today
        per_day = limiter.limits.per_day
        text = f"{used:,} call{'' if used == 1 else 's'} today" + (f" of {per_day:,}" if per_day else "")
        self.quota_label.setText(text)
        available = limiter.server_available
        self.quota_label.setToolTip(
            "API calls this key made today (UTC), against its daily quota."
            + (f" Keap reports {available:,} left." if available is not None else ""))

    def _later(self, show: Callable[..., None], *args: object) -> None:
        """Show at once if quiet, else at most every THROTTLE_MS (pages arrive many a second);
        of several waiting calls of one ``show``, the last wins."""
        if self._throttle.isActive():
            self._pending[show.__name__] = (show, args)
        else:
            show(*args)
            self._throttle.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for show, args in pending.values():
            show(*args)

    def set_in_flight(self, count: int) -> None:
        self._later(self._show_in_flight, count)

    def _show_in_flight(self, count: int) -> None:
        self.calls_label.setText(f"{count} call{'s' if count != 1 else ''} running" if count else "idle")
        self.refresh_quota()

    # -- the current search --------------------------------------------------------------------

    def set_total(self, total: int | None, loaded: int, counting: bool = True) -> None:
        self._later(self._show_total, total, loaded, counting)

    def _show_total(self, total: int | None, loaded: int, counting: bool = True) -> None:
        if (total is None or total < 0) and not counting and loaded:
            # REST v2 has no count: say how many so far, the total comes with the last page
            self.count_label.setText(f"{loaded:,}+ contacts")
            self.count_label.setToolTip("Keap's REST API does not count contacts; the total shows once "
                                        "every page has loaded (scroll down, or export).")
        elif total is None or total < 0:
            self.count_label.setText("counting…" if self._session is not None and counting else "")
        elif loaded < total:
            self.count_label.setText(f"{total:,} contacts ({loaded:,} loaded)")
        else:
            self.count_label.setText(f"{total:,} contact{'s' if total != 1 else ''}")

    def show_error(self, message: str, retry: Callable[[], None] | None) -> None:
        self.error_label.setText(message if len(message) < 90 else message[:87] + "…")
        self.error_label.setToolTip(message)
        self.error_label.show()
        self._retry = retry
        self.retry_button.setVisible(retry is not None)

    def clear_error(self) -> None:
        self._retry = None
        self.error_label.hide()
        self.retry_button.hide()

    def _on_retry(self) -> None:
        retry = self._retry
        self.clear_error()
        if retry is not None:
            retry()

    # -- long work -----------------------------------------------------------------------------

    def start_progress(self, text: str, cancel: Callable[[], None]) -> None:
        self._cancel = cancel
        self.progress_label.setText(text)
        self.progress.setRange(0, 0)
        for widget in (self.progress_label, self.progress, self.cancel_button):
            widget.show()

    def set_progress(self, done: int, total: int) -> None:
        if total < 0:  # unknown (REST v2 has no count): a busy bar with the rows so far
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"{done:,}")
            self.progress_label.setToolTip(f"{done:,} so far")
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(f"{done:,} / {total:,}")

    def end_progress(self) -> None:
        self._cancel = None
        for widget in (self.progress_label, self.progress, self.cancel_button):
            widget.hide()

    @property
    def in_progress(self) -> bool:
        return self._cancel is not None

    def _on_cancel(self) -> None:
        cancel = self._cancel
        self.end_progress()
        if cancel is not None:
            cancel()
