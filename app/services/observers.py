"""The one shape of every write path: observers told before and after each write.

Contacts, tags and records each send their writes through one method; that method
hands the call to :func:`observed`, so a change journal (and undo on top of it) can
watch every write in one way. An observer that fails is logged, never allowed to turn
a write that happened into an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, Protocol, TypeVar, runtime_checkable

log = logging.getLogger("app.services")

T = TypeVar("T")


class WriteObserver(Protocol):
    """Told about one write before it is sent and after it finished (``error`` None if it worked)."""

    def before_write(self, event: Any) -> None: ...

    def after_write(self, event: Any, error: BaseException | None) -> None: ...


@runtime_checkable
class HoldingObserver(Protocol):
    """An observer that can gather a burst of writes and report them once (the change feed)."""

    def hold(self) -> AbstractContextManager[None]: ...


@contextmanager
def held(observers: Sequence[object]) -> Iterator[None]:
    """Within the block, observers that can hold their reports do (a bulk job is one change)."""
    with ExitStack() as stack:
        for observer in list(observers):
            if isinstance(observer, HoldingObserver):
                stack.enter_context(observer.hold())
        yield


def observed(observers: Sequence[WriteObserver], event: Any, send: Callable[[], T], *,
             after: Callable[[], None] | None = None) -> T:
    """Run ``send()`` between the observers' before and after hooks; ``after`` runs first in any case."""
    watching = list(observers)
    for observer in watching:
        observer.before_write(event)
    error: BaseException | None = None
    try:
        return send()
    except BaseException as exc:
        error = exc
        raise
    finally:
        if after is not None:
            after()
        for observer in watching:
            try:
                observer.after_write(event, error)
            except Exception:  # an observer must not turn a done write into a failure
                log.exception("write observer failed after %s", getattr(event, "kind", "a write"))


def observed_each(observers: Sequence[WriteObserver], events: Sequence[Any], send: Callable[[], T],
                  outcome: Callable[[T, Any], BaseException | None], *,
                  after: Callable[[], None] | None = None) -> T:
    """One request carrying several writes (a bulk call): every event's before hook, one
    ``send()``, then every event's after hook with its own outcome.

    ``outcome(result, event)`` is that write's error (None when it was made); when
    ``send()`` itself fails, every event gets that error. Observers see each write as if
    it had been sent alone, so a journal records per-contact intent and result.
    """
    watching = list(observers)
    for event in events:
        for observer in watching:
            observer.before_write(event)
    try:
        result = send()
    except BaseException as exc:
        failure: BaseException = exc
        _after_each(watching, events, lambda _event: failure, after)
        raise
    _after_each(watching, events, lambda event: outcome(result, event), after)
    return result


def _after_each(watching: list[WriteObserver], events: Sequence[Any],
                error_of: Callable[[Any], BaseException | None], after: Callable[[], None] | None) -> None:
    if after is not None:
        after()
    for event in events:
        kind = getattr(event, "kind", "a write")
        try:
            error = error_of(event)
        except Exception:  # a bug in reading the outcome must not fail a done write
            log.exception("reading the outcome of %s failed", kind)
            error = None
        for observer in watching:
            try:
                observer.after_write(event, error)
            except Exception:  # an observer must not turn a done write into a failure
                log.exception("write observer failed after %s", kind)
