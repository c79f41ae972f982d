"""Worker threads step aside while the GUI thread paints.

Qt paints a table by calling into Python once per cell, and each call must win the GIL
back from the worker threads decoding replies: with two busy workers a frame of the contacts
table took 52 ms instead of 8.5 (PySide releases the GIL around the C++ paint, so holding
it for the frame is not possible). So the GUI marks its paints and its other bursts of work
(:func:`gui_working`: the contacts table's paints, the tag tree's resets and count updates),
and the decoders, between slices of their work, wait while one is under way
(:func:`step_aside`).
The wait is bounded: a paint that never ends cannot stall a worker for long.

Decoding also takes turns (:func:`cpu_turn`): one worker decodes at a time, process-wide,
whichever protocol (the XML-RPC client had its own lock for this from the start; REST
replies, REST row conversion and the table's packing now share one). The GIL lets only one
thread run Python anyway, so turns cost no throughput, but several decoders would each want
the GIL whenever the GUI thread lets go of it between two cells of a paint (sampled: the GUI
thread waiting for the GIL inside ``rowCount`` and ``multiData``). Waiting for a turn is
waiting on a lock, not for the GIL: the GUI thread has one rival instead of several.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: The longest a worker waits at one step (s).
MAX_STEP_ASIDE = 0.05
#: GUI work marked for longer than this (s) is not a burst (a modal dialog opened from a
#: delivery, say): workers stop stepping aside for it.
MAX_BURST = 0.25

_gui_idle = threading.Event()
_gui_idle.set()
_depth = [0]
_since = [0.0]


@contextmanager
def gui_working() -> Iterator[None]:
    """Around a paint on the GUI thread, or another burst of GUI work that calls into
    Python once per item (a tree reset, a re-sort); nested ones count once."""
    _depth[0] += 1
    if _depth[0] == 1:
        _since[0] = time.monotonic()
        _gui_idle.clear()
    try:
        yield
    finally:
        _depth[0] -= 1
        if _depth[0] == 0:
            _gui_idle.set()


def step_aside() -> None:
    """On a worker, between slices of CPU-bound work: wait while the GUI works (briefly)."""
    if _gui_idle.is_set():
        return
    left = MAX_BURST - (time.monotonic() - _since[0])
    if left > 0:
        _gui_idle.wait(min(MAX_STEP_ASIDE, left))


def gui_is_working() -> bool:
    return not _gui_idle.is_set()


_turn = threading.RLock()


@contextmanager
def cpu_turn() -> Iterator[None]:
    """Around a worker's CPU-bound stretch (decoding a reply, converting or packing its rows),
    never around a network wait: one worker at a time (see the module docstring)."""
    with _turn:
        yield
