"""Keep secrets out of messages and logs.

Every credential the app handles is registered here once; error messages and log
records pass through :func:`redact` so a key can never leak into a log file, an
exception text, a dialog or a screenshot, even when a server echoes it back.
"""

from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "•••"


def register_secret(value: str | None) -> None:
    """Remember a secret so :func:`redact` masks it. Very short values are ignored."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def forget_secret(value: str | None) -> None:
    with _lock:
        _secrets.discard(value or "")


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by a mask."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not kill logging
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to every handler of ``logger`` (the root by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
