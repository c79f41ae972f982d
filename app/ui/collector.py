"""Garbage collection on the GUI thread, between events, never from inside a worker.

The app switches the collector's automatic runs off at start-up
(:func:`app.ui.compat.tune_for_gui`): an automatic run starts on whatever thread happens
to allocate, and a worker parsing a reply that frees a GUI object crashed the app, as
did a run starting inside Qt's own signal handling. :class:`GuiCollector` collects
instead, from a timer of the application object (it lives as long as the app and is
never itself garbage, so a collection can never free the object whose slot is running):
the young generations every tick, everything every ``FULL_IDLE`` ticks while no task
runner has work (a full pass can take 40-100 ms, so not in the middle of page loads),
and at least every ``FULL_BUSY`` ticks during long work. While work runs, ticks come every
``BUSY_TICK_MS``: a young collection costs as much as the objects made since the last one, and
rows arriving at quota speed made a second's worth take 30-60 ms (the large-account bench's
longest stalls); a fifth of them takes a fifth of that. After an idle full pass the
heap's freed pages go back to the system (:func:`app.core.memory.trim_heap`), and on the
first tick after the task runners fall idle (a load just ended): pages decoded on worker
threads leave freed memory in glibc's arenas that it would keep.
A tick while worker threads are parsing replies into element trees waits (at most
``MAX_WAITED_TICKS`` in a row): a large tree is tens of thousands of live objects, and a
young collection over them held the GUI thread for 40-50 ms with nothing to free. (Pages
of rows are no longer parsed into trees, app/api/xmlrpc/page_reader.py; other replies are.)
"""

from __future__ import annotations

import gc
import time
import weakref

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from app.core.memory import decodes_under_way, trim_heap

#: Task runners with jobs in flight (app/ui/tasks.py keeps it); weak, so a runner that is
#: gone never holds the collector's full passes back.
BUSY_RUNNERS: weakref.WeakSet[QObject] = weakref.WeakSet()

TICK_MS = 1000
BUSY_TICK_MS = 200
FULL_IDLE = 30
FULL_BUSY = 300
MAX_WAITED_TICKS = 10

_installed: list[GuiCollector] = []


class GuiCollector(QObject):
    """The GUI thread's collection (see the module docstring); one per application."""

    def __init__(self, app: QCoreApplication, tick_ms: int = TICK_MS) -> None:
        super().__init__(app)
        self.ticks = self.collections = self.full_passes = self.trims = self.waited = 0
        self._waited_in_a_row = 0
        self._was_busy = False
        self._idle_ms, self._busy_ms = tick_ms, min(tick_ms, BUSY_TICK_MS)
        #: full passes by the clock (ticks are shorter while busy): FULL_IDLE / FULL_BUSY ticks
        self._full_idle_s, self._full_busy_s = FULL_IDLE * tick_ms / 1000, FULL_BUSY * tick_ms / 1000
        self._last_full = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        self.ticks += 1
        if decodes_under_way() and self._waited_in_a_row < MAX_WAITED_TICKS:
            self._waited_in_a_row += 1
            self.waited += 1
            return
        self._waited_in_a_row = 0
        idle = not len(BUSY_RUNNERS)
        now = time.monotonic()
        full = now - self._last_full >= (self._full_idle_s if idle else self._full_busy_s)
        gc.collect(2 if full else 1)
        self.collections += 1
        if full:
            self._last_full = now
            self.full_passes += 1
        if idle and (full or self._was_busy):  # a load just ended: its freed pages go back now
            trim_heap()
            self.trims += 1
        self._was_busy = not idle
        self._timer.setInterval(self._idle_ms if idle else self._busy_ms)

    @property
    def interval_ms(self) -> int:
        """The time to the next tick: shorter while a task runner has work."""
        return self._timer.interval()


def install(app: QCoreApplication, tick_ms: int = TICK_MS) -> GuiCollector:
    """Switch automatic collection off and collect on ``app``'s thread from now on (once)."""
    if not _installed:
        _installed.append(GuiCollector(app, tick_ms))
    gc.disable()
    return _installed[0]
