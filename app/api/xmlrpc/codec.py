"""XML-RPC bodies: encode requests, make replies safe to parse, decode them.

Replies are never handed to ``xmlrpc.client.loads``: it parses DTDs unprotected.
Instead a reply is

1. cleaned of what XML 1.0 forbids (:func:`sanitize`), because Keap returns stored
   data verbatim and that data can hold ``&#11;`` or a raw 0x19 (gotcha 6);
2. refused if it declares a DTD (so an entity bomb or an external entity never gets
   expanded), then parsed by the C parser;
3. converted to Python by our own small XML-RPC reader (:mod:`app.api.xmlrpc.reader`),
   which also accepts Keap's untyped ``<value>text</value>`` strings. The commonest reply,
   a page of flat rows, is read straight from its text instead
   (:mod:`app.api.xmlrpc.page_reader`, about 1.8x faster on a 1,000-row page) whenever it
   has exactly that shape; anything else goes through the parser.
"""

from __future__ import annotations

import logging
import math
import re
import xmlrpc.client
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser

from app.api.errors import EmptyResponseError, MalformedResponseError, UnsafeXmlError
from app.api.xmlrpc.page_reader import read_page
from app.api.xmlrpc.reader import BadReply, convert
from app.api.xmlrpc.reader import RemoteFault as RemoteFault
from app.core.dates import to_service_datetime
from app.core.gui_priority import cpu_turn
from app.core.memory import collection_paused
from app.core.money import wire_amount
from app.core.redact import clip, redact

__all__ = ["BodyKind", "RemoteFault", "body_kind", "decode_response", "encode_call", "sanitize"]

log = logging.getLogger("app.api.codec")

BodyKind = Literal["empty", "xml", "html", "json", "other"]


# --- encoding ----------------------------------------------------------------------------

_XML_ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _prepare(value: object, path: str) -> object:
    """Convert one parameter for ``xmlrpc.client``, refusing what Keap cannot take."""
    if value is None:
        raise ValueError(f"{path} is None; Keap does not accept nil (leave the field out instead)")
    if isinstance(value, str):
        if _XML_ILLEGAL_TEXT.search(value):
            raise ValueError(f"{path} holds a character XML 1.0 forbids; run the text preflight first")
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path} is {value}; Keap accepts only finite numbers")
    if isinstance(value, bool | int | float | bytes | bytearray | xmlrpc.client.DateTime):
        return value
    if isinstance(value, Decimal):
        return wire_amount(value)
    if isinstance(value, date):  # datetime is a date too
        return to_service_datetime(value)
    if isinstance(value, Mapping):
        prepared: dict[object, object] = {}
        for key, item in value.items():
            if isinstance(key, str) and _XML_ILLEGAL_TEXT.search(key):
                raise ValueError(f"{path} has a key with a character XML 1.0 forbids")
            prepared[key] = _prepare(item, f"{path}[{key!r}]")
        return prepared
    if isinstance(value, list | tuple):
        return [_prepare(item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value  # let xmlrpc.client refuse types it does not know


def encode_call(method: str, params: Sequence[object]) -> bytes:
    """The UTF-8 request body for ``method(*params)``.

    Raises ValueError naming the place (``parameter 2['Email']``) of a None, since
    Keap does not accept nil, of NaN or infinity, or of text holding a character XML
    1.0 forbids (:func:`app.core.text.to_latin1` removes those). Decimals
    are sent as cent-rounded doubles, dates as Eastern ``dateTime.iso8601``. A carriage
    return is sent as ``&#13;`` so the server's parser does not turn it into a newline.
    """
    prepared = tuple(_prepare(value, f"parameter {index + 1}") for index, value in enumerate(params))
    text = xmlrpc.client.dumps(
        cast("tuple[Any, ...]", prepared), methodname=method, encoding="utf-8", allow_none=False
    )
    return text.replace("\r", "&#13;").encode("utf-8")


# --- sanitising --------------------------------------------------------------------------

_DEC_FORBIDDEN = (
    # 0-8, 11, 12, 14-31
    r"[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]"
    # surrogates 55296-57343
    r"|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]"
    # 65534, 65535
    r"|6553[45]"
    # beyond U+10FFFF (1114111)
    r"|[1-9][0-9]{7,}|[2-9][0-9]{6}|1[2-9][0-9]{5}|11[2-9][0-9]{4}|111[5-9][0-9]{3}"
    r"|1114[2-9][0-9]{2}|11141[2-9][0-9]|111411[2-9]"
)
_HEX_FORBIDDEN = (
    # 0-8, B, C, E-1F
    r"[0-8]|[bBcCeEfF]|1[0-9a-fA-F]"
    # surrogates D800-DFFF
    r"|[dD][89a-fA-F][0-9a-fA-F]{2}"
    # FFFE, FFFF
    r"|[fF]{3}[eEfF]"
    # beyond 10FFFF
    r"|[1-9a-fA-F][0-9a-fA-F]{6,}|[2-9a-fA-F][0-9a-fA-F]{5}|1[1-9a-fA-F][0-9a-fA-F]{4}"
)
#: Raw C0 controls XML 1.0 forbids: every byte below 0x20 except TAB, LF and CR.
_RAW_CONTROLS = bytes(byte for byte in range(0x20) if byte not in (0x09, 0x0A, 0x0D))
#: Numeric character references to forbidden code points, any case, any leading zeros.
_FORBIDDEN_REF = re.compile(rf"&#(?:0*(?:{_DEC_FORBIDDEN})|[xX]0*(?:{_HEX_FORBIDDEN}));".encode("ascii"))
#: U+FFFE and U+FFFF as UTF-8.
_RAW_NONCHARACTER = re.compile(b"\xef\xbf[\xbe\xbf]")


def sanitize(body: bytes) -> tuple[bytes, int]:
    """``body`` without what XML 1.0 forbids, and how many characters were removed.

    Removes raw C0 controls other than TAB/LF/CR, raw U+FFFE/U+FFFF, and numeric
    character references to forbidden code points (``&#11;``, ``&#x19;``, ``&#xD800;``).
    Valid references (``&#233;``, ``&amp;``) are left alone. Assumes a UTF-8 body,
    which is what Keap sends. Only the count is logged, never the characters.

    Three passes that each run at C speed (``bytes.translate``, then two regexes with a
    literal prefix, run only when the prefix occurs) keep a 1 MB reply at about 2 ms.
    Raw characters go first, so ``&#1`` + 0x0B + ``1;`` cannot leave a new ``&#11;`` behind.
    """
    cleaned = body.translate(None, _RAW_CONTROLS)
    removed = len(body) - len(cleaned)
    if b"\xef\xbf" in cleaned:
        cleaned, count = _RAW_NONCHARACTER.subn(b"", cleaned)
        removed += count
    if b"&#" in cleaned:
        cleaned, count = _FORBIDDEN_REF.subn(b"", cleaned)
        removed += count
    if removed:
        log.info("Removed %d characters XML 1.0 forbids from a reply", removed)
    return cleaned, removed


# --- decoding ----------------------------------------------------------------------------

_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARED_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_FIRST_TAG = re.compile(rb"<\s*([!?]?[A-Za-z][A-Za-z0-9._:-]*)")
_HTML_TAGS = frozenset(
    b"html head body title meta link script style div p br h1 h2 h3 table pre center".split()
)


def _start(body: bytes) -> bytes:
    """The body without a UTF-8 BOM and leading whitespace."""
    body = body.lstrip()
    if body.startswith(_UTF8_BOM):
        body = body[len(_UTF8_BOM):].lstrip()
    return body


def _looks_html(start: bytes) -> bool:
    """True when the first tag (after an XML declaration) is an HTML one or ``<!DOCTYPE html``."""
    head = start[:1024].lower()
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        head = head[end + 2:].lstrip() if end >= 0 else b""
    if head.startswith(b"<!doctype"):
        return head[len(b"<!doctype"):].lstrip().startswith(b"html")
    match = _FIRST_TAG.match(head)
    return match is not None and match.group(1) in _HTML_TAGS


def body_kind(body: bytes, content_type: str | None) -> BodyKind:
    """Classify a reply body by its first bytes, then by its content type.

    The bytes win where they are decisive (a gateway can label its HTML error page
    ``text/xml``); the content type decides the rest.
    """
    start = _start(body)
    if not start:
        return "empty"
    if start[:1] == b"<":
        if _looks_html(start):
            return "html"
        head = start[:64].lower()
        if head.startswith((b"<?xml", b"<methodresponse", b"<methodcall")):
            return "xml"
    elif start[:1] in (b"{", b"["):
        return "json"
    kind = (content_type or "").lower()
    if "html" in kind:
        return "html"
    if "json" in kind:
        return "json"
    if "xml" in kind or start[:1] == b"<":
        return "xml"
    return "other"


def _snippet(body: bytes) -> str:
    """At most 40 bytes of the body, for an error detail (never the whole reply)."""
    text = _start(body)[:400].decode("utf-8", "backslashreplace")
    return clip(repr(redact(text)), 60)


_SURROGATE_TO_LATIN1 = {0xDC00 + byte: byte for byte in range(0x80, 0x100)}
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _repair_utf8(body: bytes) -> bytes:
    """Read bytes that are not valid UTF-8 as Latin-1, as Keap's PHP SDK does (ForceUTF8).

    Keap's database is Latin-1 and an old record can leak through unconverted; without
    this one such byte makes the whole reply unreadable, on every retry. Only for a body
    that declares UTF-8 or no encoding (another declared encoding is transcoded to UTF-8);
    costs one C-speed decode when nothing is wrong.
    """
    declared = _DECLARED_ENCODING.match(body)
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return _transcoded(body, declared.group(1).decode("ascii"))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="surrogateescape")
        log.info("Read %d bytes of a reply that were not UTF-8 as Latin-1", len(_ESCAPED_BYTE.findall(text)))
        return text.translate(_SURROGATE_TO_LATIN1).encode("utf-8")
    return body


def _transcoded(body: bytes, encoding: str) -> bytes:
    """A body that declares another encoding (ISO-8859-1, say), as UTF-8: the parser then reads
    every body as UTF-8, so the DTD search in :func:`_parse` sees what the parser sees."""
    try:
        return body.decode(encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        detail = f"a reply in an unreadable encoding ({clip(encoding, 20)})"
        raise MalformedResponseError(detail=detail) from None


#: Any document type declaration or entity declaration, wherever it stands. XML spells them
#: ``<!DOCTYPE`` and ``<!ENTITY``; matching without regard to case and with spaces refuses more.
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ATTLIST|ELEMENT|NOTATION)", re.IGNORECASE)
#: Bytes handed to the XML parser per call (see :func:`_parse`).
_FEED_SLICE = 32 * 1024


def _parse(body: bytes) -> Element:
    """Parse with the C parser and tree builder, after refusing any DTD.

    Every XML attack on a client (an entity bomb, an external entity, a parameter entity)
    needs a DTD, and a DTD can only come as ``<!DOCTYPE``/``<!ENTITY``: the body is searched
    for them first, and refused if it holds one. The search sees what the parser will see:
    :func:`sanitize` has removed NUL bytes (so no UTF-16 or UTF-32 text can hide them) and the
    parser reads the body as UTF-8 whatever the document declares. After that the C parser
    builds the tree in C: about half the time of Python-level handlers (bench/codec.py).
    """
    found = _DTD.search(body)
    if found is not None:
        kind = found.group(0).decode("ascii", "replace")
        raise UnsafeXmlError(detail=f"refused the reply: it declares a DTD ({kind}...)")
    parser = XMLParser(target=TreeBuilder(), encoding="utf-8")
    try:
        # In slices: expat holds the GIL for a whole feed() call, and one call on a
        # 1,000-row page would hold the GUI thread up for as long.
        for start in range(0, len(body), _FEED_SLICE):
            parser.feed(body[start:start + _FEED_SLICE])
        root: Element = parser.close()
    except (ParseError, LookupError, ValueError) as exc:
        # expat's message names the problem and its line and column, not the content
        raise MalformedResponseError(
            detail=f"not well-formed XML ({exc}); the reply starts {_snippet(body)}"
        ) from None
    return root


_STRING_CONTENT = re.compile(rb"(<string>|<value>)([^<]*\r[^<]*)(?=</string>|</value>)")


def _keep_carriage_returns(body: bytes) -> bytes:
    """Raw carriage returns inside string content as ``&#13;``: an XML parser turns every raw
    CR (and CR LF) into LF, so text read would lose them. CRs between tags are left alone."""
    if b"\r" not in body:
        return body
    return _STRING_CONTENT.sub(lambda m: m.group(1) + m.group(2).replace(b"\r", b"&#13;"), body)


def decode_response(body: bytes) -> object:
    """The Python value of an XML-RPC reply body.

    Raises EmptyResponseError for an empty body, UnsafeXmlError for any DTD (entity
    bomb, external entity), MalformedResponseError for anything unreadable (truncated,
    garbled, an HTML page) and RemoteFault for a ``<fault>`` reply. Strings come back as
    ``str`` (untyped ``<value>`` too), dateTime as aware Eastern datetimes, base64 as
    bytes, nil as None. Error details never quote more than 40 bytes of the body.
    """
    if not _start(body):
        raise EmptyResponseError(detail=f"the reply body was empty ({len(body)} bytes)")
    with cpu_turn():  # one decoder at a time: the GUI thread's only rival for the GIL
        return _decode(body)


def _decode(body: bytes) -> object:
    cleaned, _removed = sanitize(body)
    if _looks_html(_start(cleaned)):
        # an error page, not a threat: checked before the parser refuses its <!DOCTYPE html>
        raise MalformedResponseError(detail=f"an HTML page; it starts {_snippet(body)}")
    # No automatic collection while the reply's tree is alive: its ~70,000 elements (a
    # 1,000-row page) would set off a dozen collections that cannot free anything.
    prepared = _keep_carriage_returns(_repair_utf8(cleaned))
    try:
        page = read_page(prepared)  # a page of flat rows, read from the text (3-4x faster)
    except BadReply as exc:
        raise MalformedResponseError(detail=f"not an XML-RPC reply: {exc}") from None
    if page is not None:
        return page
    with collection_paused():
        root = _parse(prepared)
        try:
            return convert(root)
        except BadReply as exc:
            raise MalformedResponseError(detail=f"not an XML-RPC reply: {exc}") from None
        except RecursionError:
            raise MalformedResponseError(detail="not an XML-RPC reply: nested too deeply") from None
        finally:
            # the tree goes before collection resumes: alive, its ~70,000 elements would be
            # the first collection's work (8 ms a page) with nothing to free
            del root


