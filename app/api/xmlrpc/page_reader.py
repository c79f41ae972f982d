"""The commonest XML-RPC reply, a page of flat rows, read straight from its text.

``DataService.query`` answers with an array of structs whose members are plain values: a
1,000-row page of 8 fields is ~8,000 members. Building an element tree for it (~40,000
elements) and walking it took about three quarters of a page's decoding time, and the
decoding was what bound an export over XML-RPC (the app's process at 100% of a core in
bench/large_account.py). Here one C-speed regular-expression pass cuts the rows into pieces
(a row's start, a member, a row's end, or anything else), and a short Python loop checks their
order and turns them into values with the tree reader's own value readers.

Anything else (a fault, a nested struct or array, attributes, comments, CDATA, an empty
element written ``<x/>``, an entity other than XML's five and numeric references, a DTD) is
not this shape: :func:`read_page` returns None and the caller parses the reply as usual, so
what is accepted and what is refused stays the parser's decision.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from app.api.xmlrpc.reader import READERS, BadReply, datetime_of
from app.core.gui_priority import step_aside

_WS = r"[ \t\r\n]*"
_HEAD = re.compile(rf"\ufeff?{_WS}(?:<\?xml [^<>]*\?>)?{_WS}<methodResponse>{_WS}<params>{_WS}<param>"
                   rf"{_WS}<value>{_WS}<array>{_WS}<data>{_WS}")
_TAIL = re.compile(rf"</data>{_WS}</array>{_WS}</value>{_WS}</param>{_WS}</params>{_WS}</methodResponse>"
                   rf"{_WS}\Z")
_TYPES = r"string|int|i4|i8|double|boolean|dateTime\.iso8601"
_MEMBER = (rf"<member>{_WS}<name>([^<&]*)</name>{_WS}"
           rf"<value>(?:<(?P<kind>{_TYPES})>([^<]*)</(?P=kind)>|([^<]*))</value>{_WS}</member>{_WS}")
#: Every piece of the rows, in order: a row's start, a member, a row's end, or (the last group)
#: anything else, a tag or a text at a time. Each character falls in one piece, so one pass
#: both reads the rows and shows that nothing else is there (the rows' shape used to take a
#: pass of its own: 1,000 rows of 8 members read in 9.3-9.8 -> 6.9-7.1 ms); ``_rows`` checks
#: the pieces' order.
_PARTS = re.compile(rf"(<value>{_WS}<struct>{_WS})|{_MEMBER}|(</struct>{_WS}</value>{_WS})|(<[^<]*|[^<]+)")
#: One whole flat row: the first row is checked first, so that a list of nested values (not a
#: page) is left to the parser at once instead of after a pass over all of it.
_ROW = re.compile(rf"<value>{_WS}<struct>{_WS}(?:{_MEMBER})*</struct>{_WS}</value>{_WS}")
#: Characters of rows read by one regular-expression call (it holds the GIL throughout).
_SLICE = 48 * 1024
_REFERENCE = re.compile(r"&(?:#([0-9]+)|#x([0-9A-Fa-f]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _NotAPage(Exception):
    """The reply is not a plain page of rows: the parser reads it."""


def read_page(body: bytes) -> list[dict[str, object]] | None:
    """The rows of a reply that is an array of flat structs, or None for any other reply.

    ``body`` is what the parser would be given (cleaned, UTF-8, carriage returns kept). A
    value its type cannot hold (``<int>x</int>``) raises :class:`BadReply`, as the tree
    reader does.
    """
    if b"]]>" in body or b"<!" in body:  # CDATA, comments, DTDs: the parser's business
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = _HEAD.match(text)
    if head is None:
        return None
    end = text.rfind("</data>")
    if end < head.end() or _TAIL.match(text, end) is None:
        return None
    parts: list[Part] = []
    pos = head.end()
    if pos < end and _ROW.match(text, pos, end) is None:
        return None
    while pos < end:
        # a slice at a time, cut where a member or a row ends (before the next tag): a call
        # over a whole page (~8 ms) would hold the GUI thread up as long
        cut = text.find("</member>", pos + _SLICE, end)
        cut = end if cut < 0 else text.find("<", cut + 1, end)
        cut = end if cut < 0 else cut
        parts += _PARTS.findall(text, pos, cut)
        pos = cut
        step_aside()  # the GUI paints first (app/core/gui_priority.py)
    try:
        return _rows(parts)
    except _NotAPage:
        return None


Part = tuple[str, str, str, str, str, str, str]


def _rows(parts: list[Part]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    row: dict[str, object] | None = None
    for start, name, kind, typed, plain, row_end, other in parts:
        if row is None:  # between rows: only a row's start
            if not start:
                raise _NotAPage()
            row = {}
            continue
        if row_end:
            rows.append(row)
            row = None
            if len(rows) % 100 == 0:
                step_aside()
            continue
        if start or other:  # a row inside a row, or anything that is not a member
            raise _NotAPage()
        raw = typed if kind else plain
        if "&" in raw:
            raw = _unescaped(raw)
        if not kind or kind == "string":
            row[name] = raw
        elif kind == "int" or kind == "i4" or kind == "i8":
            try:
                row[name] = int(raw)
            except ValueError:
                raise BadReply(f"an <{kind}> that is not an integer") from None
        elif kind == "dateTime.iso8601":
            row[name] = datetime_of(raw.strip())
        else:  # double, boolean: rare in query replies, read as the tree reader reads them
            leaf = Element(kind)
            leaf.text = raw
            row[name] = READERS[kind](leaf)
    if row is not None:  # a row that never ended
        raise _NotAPage()
    return rows


def _unescaped(raw: str) -> str:
    """XML's five entities and numeric references; any other ``&`` is not well-formed."""
    if "&" in _REFERENCE.sub("", raw):
        raise _NotAPage()
    return _REFERENCE.sub(_reference, raw)


def _reference(found: re.Match[str]) -> str:
    decimal, hexadecimal, named = found.groups()
    if named:
        return _NAMED[named]
    try:
        return chr(int(decimal) if decimal else int(hexadecimal, 16))
    except (ValueError, OverflowError):
        raise _NotAPage() from None
