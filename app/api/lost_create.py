"""Resolving a create whose reply was lost, without ever sending it twice.

A create (``ContactService.add``, ``POST /rest/v2/contacts``) whose reply is lost may or
may not have been applied; Keap has no idempotency keys, so sending it again could make a
duplicate. Instead the record is looked for, several times with growing waits (a slow
server may still be processing the create when we first look, so one look that finds
nothing proves nothing). A record is adopted only when:

* it was not there before the create was sent (the caller's ``exclude`` set),
* every field that was sent reads back with the value sent, and
* it was created within :attr:`LookupPolicy.window` seconds of the send (Keap's
  Eastern-time clock is converted by the readers; the window allows for clock skew).

Exactly one such record is the created one. None, or several, leaves the outcome
unknown: :class:`~app.api.errors.OutcomeUnknownError` tells the user what to do
("check again" or "create anyway"); nothing is ever resent automatically.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.api import errors as e
from app.api.http_common import sleep_cancellable
from app.core.cancel import Cancellable
from app.core.values import same_values

log = logging.getLogger("app.api.lost_create")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class LookupPolicy:
    """How long to keep looking for a create whose reply was lost."""

    #: Seconds to wait before each look after the first (the first look is immediate).
    waits: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
    #: A record created more than this many seconds before the send (or after the last
    #: look) is not ours.
    window: float = 180.0

    @classmethod
    def covering(cls, seconds: float, *, first: float = 1.0, window: float = 180.0) -> LookupPolicy:
        """Waits doubling from ``first`` until together they cover ``seconds`` (e.g. the client's
        read timeout: a server can still be processing a create that long after it was sent)."""
        waits: list[float] = []
        wait = max(first, 0.001)
        while sum(waits) < seconds and len(waits) < 20:
            waits.append(wait)
            wait *= 2
        return cls(tuple(waits), window)

    @property
    def total_seconds(self) -> float:
        return sum(self.waits)


def policy_for(client: object, given: LookupPolicy | None) -> LookupPolicy:
    """``given``, or a policy covering the client's read timeout plus a margin."""
    if given is not None:
        return given
    timeout = getattr(getattr(client, "transport", None), "timeout", (10.0, 30.0))
    read = float(timeout[1]) if isinstance(timeout, tuple) else float(timeout)
    return LookupPolicy.covering(read + 10.0)


def unknown_message(what: str, looks: int, seconds: float, reason: str) -> str:
    return (
        f"The reply to creating {what} was lost, so TagDesk cannot tell whether Keap created it. "
        f"Not retried: a create is never resent automatically, to avoid a duplicate. TagDesk looked "
        f"for it {looks} time(s) over {seconds:.0f} s and {reason}. Choose \"check again\" to look "
        f"once more, or \"create anyway\" if you are sure it is not in Keap."
    )


def resolve(
    what: str,
    look: Callable[[], Sequence[Row]] | None,
    sent: Mapping[str, object],
    sent_at: datetime,
    policy: LookupPolicy,
    cancel: Cancellable,
    *,
    exclude: set[int] | frozenset[int] = frozenset(),
    created_field: str = "DateCreated",
    lost: e.OutcomeUnknownError | None = None,
) -> int:
    """The Id of the record the lost create made, or OutcomeUnknownError (never a resend).

    ``look`` returns candidate rows with ``Id``, every field of ``sent`` and
    ``created_field``; None means the record cannot be looked up at all.
    """
    cause = lost.cause if lost is not None else None
    method = lost.method if lost is not None else ""
    if look is None:
        raise e.OutcomeUnknownError(
            unknown_message(what, 0, 0, "there is nothing to look it up by"), cause=cause, method=method
        )
    started = time.monotonic()
    looks = 0
    reason = "did not find it"
    for wait in (0.0, *policy.waits):
        if wait and sleep_cancellable(cancel, wait):
            raise e.CancelledError(method=method)
        looks += 1
        try:
            rows = look()
        except e.CancelledError:
            raise
        except e.ApiError as err:
            log.info("looking for the lost create of %s failed (%s); looking again", what, err.kind)
            reason = "the look-up itself failed"
            continue
        now = datetime.now(UTC)
        ours = [
            int(row["Id"])
            for row in rows
            if int(row["Id"]) not in exclude
            and same_values(row, sent)
            and in_window(row.get(created_field), sent_at, now, policy.window)
        ]
        if len(ours) == 1:
            log.info("the lost create of %s had been applied (Id %d, found on look %d)", what, ours[0], looks)
            return ours[0]
        if len(ours) > 1:
            reason = f"found {len(ours)} matching records, so it cannot tell which one is new"
            break
        reason = "did not find it"
    raise e.OutcomeUnknownError(
        unknown_message(what, looks, time.monotonic() - started, reason), cause=cause, method=method
    )


def in_window(created: object, sent_at: datetime, now: datetime, window: float) -> bool:
    """True when ``created`` (an aware datetime, as the readers return Keap's times) lies
    between ``window`` seconds before the send and ``window`` seconds after ``now``."""
    if not isinstance(created, datetime):
        return False
    if created.tzinfo is None:
        return False
    return (sent_at.timestamp() - window) <= created.timestamp() <= (now.timestamp() + window)
