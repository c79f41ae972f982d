"""Injectable faults: the failures Keap clients meet in production, on demand and repeatable.

A spec is ``kind=rate`` pairs separated by commas (``slow=rate:ms`` carries a delay),
e.g. ``empty=0.1,drop_after=0.05,slow=0.2:300``. Each rule draws from its own random
stream seeded from (seed, kind), once per call: the same seed and the same sequence of
calls give the same faults, and adding or removing one rule does not move the others.

Kinds, and whether the call is applied:
- ``empty``: HTTP 200, text/xml, empty body; not applied [I] (``drop_after`` is the
  "applied, reply lost" case).
- ``session``: code-0 fault ``... could not create session`` [I]; not applied.
- ``drop_before``: connection closed without a reply; not applied.
- ``drop_after``: the call is applied, then the connection is closed without a reply.
- ``throttle``: fault 500 ``...ThrottlingException: Maximum number of threads throttled``; not applied.
- ``http502`` / ``http503``: HTTP 502 / 503 with an HTML gateway page; not applied.
- ``http429``: HTTP 429 with Keap's JSON body and throttle headers; not applied.
- ``cancelled``: DataService.query only: ``Statement cancelled due to client request``.
- ``badchars``: raw 0x0B, 0x19 and the text ``&#11;`` injected into returned strings.
- ``slow=rate:ms``: the call is delayed by ms milliseconds (adds to other faults).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

KINDS = (
    "empty",
    "session",
    "drop_before",
    "drop_after",
    "throttle",
    "http502",
    "http503",
    "http429",
    "badchars",
    "slow",
    "cancelled",
)
#: Kinds that replace the normal reply (the first one rolled wins).
TERMINAL = frozenset(KINDS) - {"badchars", "slow"}
#: Kinds that only make sense for XML-RPC; a REST call draws for them but ignores the draw,
#: so one seed gives the same sequence whichever protocol a call used.
XMLRPC_ONLY = frozenset({"session", "throttle", "cancelled", "badchars"})
#: Placeholder swapped for the literal ``&#11;`` after serialisation (a Unicode noncharacter).
BADCHAR_MARK = "\ufdd0"
THROTTLE_TEXT = (
    "Server encountered exception: com.infusionsoft.throttle.ThrottlingException: "
    "Maximum number of threads throttled"
)
CANCELLED_TEXT = "Statement cancelled due to client request"
SESSION_TEXT = "could not create session"


@dataclass(frozen=True)
class FaultRule:
    kind: str
    rate: float
    ms: int = 0


@dataclass
class Decision:
    """What to do to one call."""

    terminal: str | None = None
    slow_ms: int = 0
    badchars: bool = False

    @property
    def early(self) -> str | None:
        """The fault that replaces the call before it is applied, if any (not ``drop_after``)."""
        return self.terminal if self.terminal != "drop_after" else None


def parse_spec(spec: str) -> list[FaultRule]:
    """Parse ``kind=rate[,kind=rate...]``; ValueError with a readable message if invalid."""
    rules: list[FaultRule] = []
    for raw in (spec or "").split(","):
        item = raw.strip()
        if not item:
            continue
        kind, sep, value = item.partition("=")
        kind = kind.strip()
        if not sep or kind not in KINDS:
            raise ValueError(f"bad fault {item!r}: expected kind=rate with kind one of {', '.join(KINDS)}")
        rate_text, _, ms_text = value.partition(":")
        try:
            rate = float(rate_text)
            ms = int(ms_text) if ms_text else 0
        except ValueError:
            raise ValueError(f"bad fault {item!r}: rate must be a number (slow=rate:ms)") from None
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"bad fault {item!r}: rate must be between 0 and 1")
        if kind == "slow" and ms <= 0:
            raise ValueError(f"bad fault {item!r}: slow needs a delay, e.g. slow=0.1:500")
        rules.append(FaultRule(kind, rate, ms))
    return rules


class FaultInjector:
    """Seeded per-call fault decisions plus a count of every fault actually injected."""

    def __init__(self, spec: str = "", seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.rules: list[FaultRule] = []
        self.spec = ""
        self._streams: list[random.Random] = []
        self.configure(spec, seed)

    def configure(self, spec: str, seed: int = 0) -> None:
        rules = parse_spec(spec)
        seen: dict[str, int] = {}
        streams = []
        for rule in rules:
            seen[rule.kind] = seen.get(rule.kind, 0) + 1
            streams.append(random.Random(f"{seed}:{rule.kind}:{seen[rule.kind]}"))
        with self._lock:
            self.rules = rules
            self.spec = spec
            self._streams = streams

    def roll(self, method: str, protocol: str = "xmlrpc") -> Decision:
        decision = Decision()
        with self._lock:
            for rule, stream in zip(self.rules, self._streams, strict=True):
                if stream.random() >= rule.rate:
                    continue
                if protocol != "xmlrpc" and rule.kind in XMLRPC_ONLY:
                    continue
                if rule.kind == "slow":
                    decision.slow_ms += rule.ms
                elif rule.kind == "badchars":
                    decision.badchars = True
                elif rule.kind == "cancelled" and method != "DataService.query":
                    continue
                elif decision.terminal is None:
                    decision.terminal = rule.kind
        return decision

    def begin(self, method: str, latency_ms: int, protocol: str = "xmlrpc") -> Decision:
        """Roll for one call, wait out the latency and any ``slow`` fault, count an early fault.

        Both sandbox faces run this before they touch the store; each answers
        ``decision.early`` in its own wire format, and ``drop_after`` after applying the call.
        """
        decision = self.roll(method, protocol)
        if decision.slow_ms:
            self.record("slow")
        delay = latency_ms + decision.slow_ms
        if delay > 0:
            time.sleep(delay / 1000.0)
        if decision.early is not None:
            self.record(decision.early)
        return decision

    def record(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def reset_counts(self) -> None:
        with self._lock:
            self.counts = {}


def inject_badchars(value: Any) -> Any:
    """Every returned string gets 0x0B after its first character, then 0x19 and ``&#11;`` at the end.

    Stripping those three from a value gives the original back, which lets a test
    check a client's sanitiser end to end.
    """
    if isinstance(value, str):
        return value[:1] + "\x0b" + value[1:] + "\x19" + BADCHAR_MARK
    if isinstance(value, list):
        return [inject_badchars(v) for v in value]
    if isinstance(value, dict):
        return {k: inject_badchars(v) for k, v in value.items()}
    return value
