"""trim_heap: freed heap memory goes back to the system (glibc), nothing happens elsewhere."""

from __future__ import annotations

import sys

import pytest

from app.core.memory import trim_heap


def resident_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("VmRSS"))
    return int(line.split()[1]) // 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    # 40 MB of 1 KB objects (glibc's heap, not mmap), every 50th kept so the heap cannot shrink
    # from its top: only trimming hands the free pages in between back
    kept, freed = [], []
    for i in range(40_000):
        (kept if i % 50 == 0 else freed).append(bytes(1000))
    del freed
    before = resident_mb()
    assert trim_heap()
    assert resident_mb() < before - 20
    assert len(kept) == 800
