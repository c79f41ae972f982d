"""Keep secrets out of messages and logs.

Every credential the app handles is registered here once; error messages and log
records pass through :func:`redact` so a key can never leak into a log file, an
exception text, a dialog or a screenshot, even when a server echoes it back.
"""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import quote, quote_plus

_lock = threading.Lock()
_secrets: set[str] = set()
#: Every FRAGMENT-character piece of every registered form: a cut or partly echoed key.
_fragments: set[str] = set()
MASK = "•••"
#: A run of at least this many characters of a secret is masked wherever it appears (a key
#: cut short by a snippet, or partly echoed by a server).
FRAGMENT = 12


def forms_of(value: str) -> set[str]:
    """The ways ``value`` can appear in a text: as is, without its whitespace, repr-escaped,
    JSON-escaped and URL-encoded (each of those for both)."""
    bases = {value, "".join(value.split()), value.strip()}
    forms: set[str] = set()
    for base in bases:
        if not base:
            continue
        forms.add(base)
        forms.add(repr(base)[1:-1])
        forms.add(json.dumps(base)[1:-1])
        forms.add(json.dumps(base, ensure_ascii=False)[1:-1])
        forms.add(quote(base, safe=""))
        forms.add(quote_plus(base, safe=""))
        forms.add(quote(base))
    return {f for f in forms if len(f) >= 6}


def register_secret(value: str | None) -> None:
    """Remember a secret so :func:`redact` masks it, in every escaped form and any run of
    :data:`FRAGMENT` of its characters. Very short values are ignored."""
    if value and len(value) >= 6:
        forms = forms_of(value)
        pieces = {f[i:i + FRAGMENT] for f in forms for i in range(len(f) - FRAGMENT + 1)}
        with _lock:
            _secrets.update(forms)
            _fragments.update(pieces)


def forget_secret(value: str | None) -> None:
    if not value:
        return
    with _lock:
        _secrets.difference_update(forms_of(value))
        _fragments.clear()
        for form in _secrets:
            _fragments.update(form[i:i + FRAGMENT] for i in range(len(form) - FRAGMENT + 1))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret (and any long run of one) masked."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
        fragments = _fragments
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        if len(text) < FRAGMENT or not fragments:
            return text
        spans: list[tuple[int, int]] = []
        for i in range(len(text) - FRAGMENT + 1):
            if text[i:i + FRAGMENT] in fragments:
                if spans and spans[-1][1] >= i:
                    spans[-1] = (spans[-1][0], i + FRAGMENT)
                else:
                    spans.append((i, i + FRAGMENT))
    for begin, stop in reversed(spans):
        text = text[:begin] + MASK + text[stop:]
    return text


def clip(text: str, limit: int) -> str:
    """``text`` redacted, then cut to ``limit`` characters (masking first, so a cut cannot
    leave part of a key behind)."""
    return redact(redact(text)[:limit])


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
