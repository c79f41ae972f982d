"""Give freed heap memory back to the operating system (glibc only).

Pages decoded on several worker threads are freed into glibc's per-thread arenas, which
keep them: after the 250,000-contact benchmark's scroll the app's resident memory was
412 MB, of which ``malloc_trim(0)`` returned 114 MB. Python's own allocator cannot do this
(it returns whole arenas only), so the GUI's idle collection calls :func:`trim_heap`.
Elsewhere (macOS, Windows, musl) there is nothing to call and it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable

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
