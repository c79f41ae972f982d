"""The GUI end of the change path: writes' :class:`~app.services.changes.Changes`, on the GUI thread.

The session's :class:`~app.services.changes.ChangeFeed` calls back on whatever thread
wrote; :class:`ChangeRouter` turns that into one queued signal, lets a burst of writes
(moving ten tags is ten writes) arrive, then takes everything gathered and emits
:attr:`ChangeRouter.changed` once. The workspace's session panes are its one listener.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.services.changes import ChangeFeed

#: How long a burst of writes may take to arrive before the panes refresh once.
SETTLE_MS = 30


class ChangeRouter(QObject):
    """Delivers a feed's changes on the GUI thread.

    Signals:
        changed(object): a non-empty :class:`~app.services.changes.Changes`.
    """

    changed = Signal(object)
    _waiting = Signal()  # emitted on the writing thread, delivered queued on the GUI thread

    def __init__(self, feed: ChangeFeed, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._feed = feed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.deliver)
        self._waiting.connect(self._timer.start)
        self._unsubscribe = feed.subscribe(self._post)

    def _post(self) -> None:
        """Runs on the writing thread: only schedule the delivery."""
        with contextlib.suppress(RuntimeError):  # being deleted with its session: nothing to refresh
            self._waiting.emit()

    @Slot()
    def deliver(self) -> None:
        """Emit what the feed gathered (now, not after the settle time: tests and Refresh use it)."""
        self._timer.stop()
        changes = self._feed.take()
        if changes:
            self.changed.emit(changes)

    def close(self) -> None:
        """Stop listening (the session is closing); nothing is delivered after this."""
        self._unsubscribe()
        self._timer.stop()
