"""Latin-1 preflight: make text fit Keap's ``latin1_swedish_ci`` database before a save.

Keap stores text as Latin-1; anything else fails the whole call with "Illegal mix of
collations" (gotcha 17). Rather than let a save fail, TagDesk converts each value here
and shows the user what will be stored (:func:`preflight`) before anything is sent.

Only the characters that need it are changed: Latin-1 letters such as ``ó`` or ``ë``
stay, others are transliterated with unidecode (``ū`` → ``u``, ``€`` → ``EUR``), and
characters that have no transliteration (emoji) or that XML 1.0 forbids (control
characters, U+FFFE/U+FFFF) are removed, since they would break the XML-RPC request.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from unidecode import unidecode

__all__ = ["FieldChange", "Preflight", "is_email", "is_latin1", "is_xml_safe", "preflight", "to_latin1"]

#: An address as the form and the importer accept it: something@something.tld, no spaces.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(text: str) -> bool:
    return bool(EMAIL_RE.match(text))

#: Characters removed outright: C0 controls except TAB/LF/CR, C1 controls, surrogates and
#: the two non-characters XML 1.0 forbids.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\ud800-\udfff\ufffe\uffff]")
#: What XML 1.0 itself refuses (C1 controls are legal XML, only unwanted in a name).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Fast check: the text needs work only if it has one of these.
_NEEDS_WORK = re.compile("[^\t\n\r\x20-\x7f\xa0-\xff]")


def is_latin1(text: str) -> bool:
    """True when ``text`` can be stored by Keap as it is (encodable as Latin-1)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def is_xml_safe(text: str) -> bool:
    """True when ``text`` holds no character XML 1.0 forbids."""
    return _XML_ILLEGAL.search(text) is None


def _replacement(char: str) -> str:
    """What one character becomes: itself, a transliteration, or nothing."""
    if _FORBIDDEN.match(char):
        return ""
    if ord(char) <= 0xFF:
        return char
    # unidecode yields ASCII; filter anyway so the result is safe whatever its tables say.
    return _FORBIDDEN.sub("", unidecode(char))


def to_latin1(text: str) -> str:
    """Return ``text`` as Keap can store it: Latin-1 encodable and XML 1.0 safe.

    NFC normalisation first, so a decomposed ``e`` + U+0308 becomes the Latin-1 ``ë``
    instead of being transliterated to a bare ``e``. Where a removal or transliteration
    leaves two spaces side by side, or a space at either end of the text, that one space
    is dropped; whitespace elsewhere is left as the user typed it.
    """
    text = unicodedata.normalize("NFC", text)
    if _NEEDS_WORK.search(text) is None:
        return text
    out: list[str] = []
    edited = False  # the previous step removed or replaced something
    for char in text:
        piece = _replacement(char)
        changed = piece != char
        if piece.startswith(" ") and (edited or changed) and (not out or out[-1].endswith(" ")):
            # a space meeting a space across an edit, or a space left at the start
            piece = piece[1:]
        if piece:
            out.append(piece)
        edited = changed
    if edited and out and out[-1].endswith(" "):
        out[-1] = out[-1][:-1]  # a space the edit left at the end
    return "".join(out)


@dataclass(frozen=True)
class FieldChange:
    """One field whose text will be stored differently from what the user typed."""

    field: str
    original: str
    saved: str


def _visible(text: str) -> str:
    """Show invisible control characters as ``\\x0b`` so a dialog can display them."""
    return _FORBIDDEN.sub(lambda m: ascii(m.group())[1:-1], text)


@dataclass(frozen=True)
class Preflight:
    """The values as they will be sent, and the list of changes to show the user."""

    values: dict[str, object]
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def describe(self, labels: Mapping[str, str] | None = None) -> list[str]:
        """One line per change, e.g. ``First name: "Jūratė" will be saved as "Jurate"``."""
        lines = []
        for change in self.changes:
            label = (labels or {}).get(change.field, change.field)
            lines.append(f'{label}: "{_visible(change.original)}" will be saved as "{change.saved}"')
        return lines


def preflight(values: Mapping[str, object]) -> Preflight:
    """Convert every text value with :func:`to_latin1` and record what changed.

    Non-text values (numbers, dates, lists) are passed through untouched.
    """
    converted: dict[str, object] = {}
    changes: list[FieldChange] = []
    for name, value in values.items():
        if isinstance(value, str):
            saved = to_latin1(value)
            if saved != value:
                changes.append(FieldChange(name, value, saved))
            converted[name] = saved
        else:
            converted[name] = value
    return Preflight(converted, changes)
