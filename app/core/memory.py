"""Memory housekeeping: freed heap back to the system, and no collection over a live reply.

**Trimming.** Pages decoded on several worker threads are freed into glibc's per-thread arenas, which
keep them: after the 250,000-contact benchmark's scroll the app's resident memory was
412 MB, of which ``malloc_trim(0)`` returned 114 MB. Python's own allocator cannot do this
(it returns whole arenas only), so the GUI's idle collection calls :func:`trim_heap`.
Elsewhere (macOS, Windows, musl) there is nothing to call and it does nothing.

**Collection paused over a decode.** A 1,000-row XML-RPC reply is parsed into ~70,000
elements, all tracked by the cyclic collector and none of them garbage until the decode
ends. :func:`collection_paused` switches automatic collection off meanwhile (the CLI, the
tests) and counts the decodes under way, so the GUI's own timed collection
(app/ui/collector.py) can wait for them: a young collection over six live trees took
40-50 ms of the GUI thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_trim: list[Callable[[int], int] | None] = []


def _load() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def trim_heap() -> bool:
    """``malloc_trim(0)``: True if memory was returned, False if none was (or no glibc)."""
    if not _trim:
        _trim.append(_load())
    trim = _trim[0]
    return bool(trim(0)) if trim is not None else False


_decodes = [0]
_decodes_lock = threading.Lock()


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic collection inside (if it was on), and the decode counted while it runs."""
    with _decodes_lock:
        _decodes[0] += 1
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
        with _decodes_lock:
            _decodes[0] -= 1


def decodes_under_way() -> int:
    """How many :func:`collection_paused` blocks are running now (on any thread)."""
    return _decodes[0]
