"""The one shape of every write path: observers told before and after each write.

Contacts, tags and records each send their writes through one method; that method
hands the call to :func:`observed`, so a change journal (and undo on top of it) can
watch every write in one way. An observer that fails is logged, never allowed to turn
a write that happened into an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

log = logging.getLogger("app.services")

T = TypeVar("T")


class WriteObserver(Protocol):
    """Told about one write before it is sent and after it finished (``error`` None if it worked)."""

    def before_write(self, event: Any) -> None: ...

    def after_write(self, event: Any, error: BaseException | None) -> None: ...


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
