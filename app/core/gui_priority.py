"""Worker threads step aside while the GUI thread paints.

Qt paints a table by calling into Python once per cell, and each call must win the GIL
back from the worker threads decoding replies: with two busy workers a frame of the contacts
table took 52 ms instead of 8.5 (PySide releases the GIL around the C++ paint, so holding
it for the frame is not possible). So the GUI marks its paints (:func:`painting`), and the
decoders, between slices of their work, wait while one is under way (:func:`step_aside`).
The wait is bounded: a paint that never ends cannot stall a worker for long.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The longest a worker waits for one paint (s).
MAX_STEP_ASIDE = 0.05

_not_painting = threading.Event()
_not_painting.set()
_depth = [0]


@contextmanager
def painting() -> Iterator[None]:
    """Around a paint on the GUI thread, or another burst of GUI work that calls into
    Python once per item (a tree reset, a re-sort); nested ones count once."""
    _depth[0] += 1
    _not_painting.clear()
    try:
        yield
    finally:
        _depth[0] -= 1
        if _depth[0] == 0:
            _not_painting.set()


def step_aside() -> None:
    """On a worker, between slices of CPU-bound work: wait while the GUI paints."""
    if not _not_painting.is_set():
        _not_painting.wait(MAX_STEP_ASIDE)


def is_painting() -> bool:
    return not _not_painting.is_set()
