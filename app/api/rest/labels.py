"""Names for requests that are safe to log: no ids, no e-mail addresses, no query strings.

Logs, call statistics and the status bar identify a request by its method and the
shape of its path. Paths carry record ids and, for the e-mail status endpoints, a
person's e-mail address (``/rest/v2/emailAddresses/{email}/status``); query strings
carry filters such as ``email==...``. Only path segments that look like Keap's own
words survive; everything else becomes ``{id}`` (or ``{email}``).
"""

from __future__ import annotations

import re

#: A path word Keap itself defines: ``contacts``, ``emailAddresses``, ``v2``, the AIP ``-``.
_WORD = re.compile(r"^(?:-|v\d+|[a-z][A-Za-z]*)$")
#: A custom verb after a colon: ``applyTags``, ``merge``.
_VERB = re.compile(r"^[a-z][A-Za-z]*$")
#: Segments after which the next one is an e-mail address.
_EMAIL_PARENTS = frozenset({"emailAddresses"})
#: Anything around an ``@`` (or its encoding), cut or whole: library texts truncate URLs.
_EMAIL = re.compile(r"[^\s/?&=:'\"(),;<>]*(?:@|%40)[^\s/?&=:'\"(),;<>]*", re.IGNORECASE)
_URL = re.compile(r"(url: )\S+")


def method_label(http_method: str, path: str) -> str:
    """``"GET /rest/v2/contacts/{id}"`` for ``("get", "/rest/v2/contacts/42?fields=x")``."""
    bare = path.split("?", 1)[0].split("#", 1)[0]
    out: list[str] = []
    previous = ""
    for segment in bare.split("/"):
        out.append(_segment_label(segment, previous))
        previous = segment
    return f"{http_method.upper()} {'/'.join(out)}"


def _segment_label(segment: str, previous: str) -> str:
    if not segment:
        return segment
    base, colon, verb = segment.partition(":")
    if previous in _EMAIL_PARENTS:
        base = "{email}"
    elif not _WORD.match(base):
        base = "{email}" if "@" in base or "%40" in base.lower() else "{id}"
    if colon:
        return f"{base}:{verb}" if _VERB.match(verb) else f"{base}:{{verb}}"
    return base


def scrub(text: str, label: str) -> str:
    """Remove URLs and e-mail addresses from a library's error text before it is logged."""
    text = _URL.sub(lambda m: m.group(1) + label.partition(" ")[2], text)
    return _EMAIL.sub("{email}", text)
