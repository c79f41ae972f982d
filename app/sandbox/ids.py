"""New record ids the way Keap's multi-master MySQL pair hands them out.

Server A issues 7n+1 and server B 7n+2 (``auto_increment_increment = 7``), each from
its own counter. Writes stick to one server and fail over to the other now and then,
so ids are unique but neither sequential nor in creation order. That is the gotcha a
client must survive (never read "newest" from an Id); ``sequential`` turns it off.
"""

from __future__ import annotations

import random
import threading

STEP = 7
OFFSETS = (1, 2)
#: Chance that one insert lands on the other server (a fail-over or a load-balancer hop).
FAILOVER_CHANCE = 0.08


class IdAllocator:
    """Per-sequence id source; several tables may share one sequence (Contact, Company, User)."""

    def __init__(self, sequential: bool = False, seed: int = 0) -> None:
        self.sequential = sequential
        self._seed = seed
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        # sequence -> [next index on server A, next index on server B]; or last id when sequential
        self._counters: dict[str, list[int]] = {}
        self._active: dict[str, int] = {}

    def reset(self) -> None:
        """Forget every sequence and restart the random choices (a re-seed repeats exactly)."""
        with self._lock:
            self._counters.clear()
            self._active.clear()
            self._rng = random.Random(self._seed)

    def prime(self, sequence: str, existing_ids: list[int]) -> None:
        """Continue after ids already stored (a reopened database)."""
        with self._lock:
            if self.sequential:
                self._counters[sequence] = [max(existing_ids, default=0)]
                return
            counters = [0, 0]
            for i, offset in enumerate(OFFSETS):
                same = [x for x in existing_ids if x % STEP == offset]
                counters[i] = (max(same) // STEP + 1) if same else 0
            self._counters[sequence] = counters
            self._active.setdefault(sequence, self._rng.randrange(2))

    def next(self, sequence: str) -> int:
        with self._lock:
            if self.sequential:
                counter = self._counters.setdefault(sequence, [0])
                counter[0] += 1
                return counter[0]
            counters = self._counters.setdefault(sequence, [0, 0])
            active = self._active.setdefault(sequence, self._rng.randrange(2))
            if self._rng.random() < FAILOVER_CHANCE:
                active = 1 - active
                self._active[sequence] = active
            n = counters[active]
            counters[active] += 1
            return n * STEP + OFFSETS[active]

    def take(self, sequence: str, count: int) -> list[int]:
        """A batch of ids for seeding."""
        return [self.next(sequence) for _ in range(count)]
