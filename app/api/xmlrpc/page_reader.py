"""The commonest XML-RPC reply, a page of flat rows, read straight from its text.

``DataService.query`` answers with an array of structs whose members are plain values: a
1,000-row page of 8 fields is ~8,000 members. Building an element tree for it (~40,000
elements) and walking it took about three quarters of a page's decoding time, and the
decoding was what bound an export over XML-RPC (the app's process at 100% of a core in
bench/large_account.py). Here two C-speed regular-expression passes do the work: one checks
that the whole reply has exactly the expected shape, one lists the members, and a short
Python loop turns them into values with the tree reader's own value readers.

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
_MEMBER = (rf"<member>{_WS}<name>([^<&]*)</name>{_WS}<value>(?:<({_TYPES})>([^<]*)</\2>|([^<]*))</value>"
           rf"{_WS}</member>{_WS}")
#: The rows exactly: ``<value><struct> members </struct></value>`` repeated, nothing else.
_ROWS = re.compile(rf"(?:<value>{_WS}<struct>{_WS}(?:{_MEMBER})*</struct>{_WS}</value>{_WS})*")
#: What the rows hold, in order: a member, or the end of a row (the last group).
_PARTS = re.compile(rf"{_MEMBER}|(</struct>)")
#: Characters of rows read by one regular-expression call.
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
    parts: list[tuple[str, str, str, str, str]] = []
    pos = head.end()
    while True:
        # a slice of whole rows at a time: a regex call holds the GIL throughout, and one
        # over a whole page (~8 ms) would hold the GUI thread up as long
        rows = _ROWS.match(text, pos, pos + _SLICE)
        if rows is not None and rows.end() == pos:  # a row longer than a slice, or the end
            rows = _ROWS.match(text, pos)
        if rows is None or rows.end() == pos:
            break
        parts += _PARTS.findall(text, pos, rows.end())
        pos = rows.end()
        step_aside()  # the GUI paints first (app/core/gui_priority.py)
    if _TAIL.match(text, pos) is None:
        return None
    try:
        return _rows(parts)
    except _NotAPage:
        return None


def _rows(parts: list[tuple[str, str, str, str, str]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    row: dict[str, object] = {}
    for name, kind, typed, plain, row_end in parts:
        if row_end:
            rows.append(row)
            row = {}
            if len(rows) % 100 == 0:
                step_aside()
            continue
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
