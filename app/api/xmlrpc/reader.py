"""XML-RPC reply values: the general reader over a parsed element tree.

:func:`convert` reads any reply from the tree the C parser built; the commonest reply, a
page of flat rows, is read straight from its text by :mod:`app.api.xmlrpc.page_reader`
with the same value readers (:func:`datetime_of`, :data:`READERS`). Both accept Keap's
untyped ``<value>text</value>`` strings; datetimes come back as aware Eastern datetimes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import re
from collections.abc import Callable
from datetime import datetime
from xml.etree.ElementTree import Element

from app.core.dates import from_api
from app.core.redact import redact

log = logging.getLogger("app.api.codec")


class RemoteFault(Exception):
    """A ``<fault>`` reply: the server's own code and text, still to be mapped to a FaultError."""

    def __init__(self, code: int, string: str) -> None:
        self.code = code
        self.string = string
        super().__init__(code, string)

    def __str__(self) -> str:
        return f"fault {self.code}: {redact(self.string)}"


class BadReply(ValueError):
    """A well-formed document that is not a valid XML-RPC reply (message has no content)."""


def _text(elem: Element) -> str:
    return (elem.text or "").strip()


def _int(elem: Element) -> object:
    try:
        return int(_text(elem))
    except ValueError:
        raise BadReply(f"an <{elem.tag}> that is not an integer") from None


def _boolean(elem: Element) -> object:
    text = _text(elem).lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise BadReply("a <boolean> that is neither 0 nor 1")


def _double(elem: Element) -> object:
    try:
        return float(_text(elem))
    except ValueError:
        raise BadReply("a <double> that is not a number") from None


def _string(elem: Element) -> object:
    return elem.text or ""


@functools.lru_cache(maxsize=2048)
def datetime_text(text: str) -> datetime:
    """Cached: a reply repeats timestamps (midnight dates, bulk imports); datetimes are immutable."""
    return from_api(text)


def _datetime(elem: Element) -> object:
    return datetime_of(_text(elem))


def datetime_of(text: str) -> object:
    """An aware Eastern datetime; a value that cannot be read (a year before 1000, which
    Keap writes with fewer than four digits, or a garbled date) is flagged in the log and
    kept as its raw text, so one bad value does not make the whole page unreadable."""
    try:
        return datetime_text(text)
    except (ValueError, OverflowError):
        pass
    short = _SHORT_YEAR.fullmatch(text)
    if short is not None:
        try:
            return datetime_text(short.group(1).zfill(4) + short.group(2))
        except (ValueError, OverflowError):
            pass
    log.warning("unreadable date %r in a reply: kept as text", text[:40])
    return text


#: A dateTime whose year has fewer than four digits (``9990101T00:00:00`` is 0999-01-01).
_SHORT_YEAR = re.compile(r"(\d{1,3})(\d{4}T\d\d:\d\d:\d\d)", re.ASCII)


def _base64(elem: Element) -> object:
    try:
        return base64.b64decode(_text(elem))
    except binascii.Error:
        raise BadReply("a <base64> that is not base64") from None


def _nil(elem: Element) -> object:
    return None


def _struct(elem: Element) -> object:
    result: dict[str, object] = {}
    for member in elem:
        if len(member) == 2 and member[0].tag == "name" and member[1].tag == "value":
            result[member[0].text or ""] = _value(member[1])  # the usual shape, fast
            continue
        name = member.find("name")
        value = member.find("value")
        if name is None or value is None:
            raise BadReply("a struct <member> without a <name> or a <value>")
        result[name.text or ""] = _value(value)
    return result


def _array(elem: Element) -> object:
    data = elem.find("data")
    return [] if data is None else [_value(item) for item in data if item.tag == "value"]


READERS: dict[str, Callable[[Element], object]] = {
    "string": _string,
    "i4": _int,
    "int": _int,
    "i8": _int,
    "boolean": _boolean,
    "double": _double,
    "dateTime.iso8601": _datetime,
    "base64": _base64,
    "struct": _struct,
    "array": _array,
    "nil": _nil,
}


def _value(elem: Element) -> object:
    """One ``<value>``: typed by its child, or a bare string when it has none."""
    if not len(elem):
        return elem.text or ""  # Keap's untyped string; <value/> is ""
    child = elem[0]
    tag = child.tag
    if tag == "i4" or tag == "int":
        return _int(child)
    # the commonest types inline: this runs for every value of a large reply
    if tag == "string":
        return child.text or ""
    if tag == "struct":
        return _struct(child)
    reader = READERS.get(tag.rsplit("}", 1)[-1])  # Apache XML-RPC writes a namespaced ex:nil
    if reader is None:
        raise BadReply("a <value> of an unknown type")
    return reader(child)


def _fault_code(raw: object) -> int:
    if isinstance(raw, int):
        return int(raw)
    try:
        return int(str(raw).strip())
    except ValueError:
        return 0


def convert(root: Element) -> object:
    """The reply's single value, or RemoteFault for a ``<fault>``."""
    if root.tag != "methodResponse":
        raise BadReply("the root element is not <methodResponse>")
    first = root[0] if len(root) else None
    if first is not None and first.tag == "fault":
        value = first.find("value")
        detail = _value(value) if value is not None else None
        if not isinstance(detail, dict):
            raise BadReply("a <fault> without a struct")
        raise RemoteFault(_fault_code(detail.get("faultCode", 0)), str(detail.get("faultString", "")))
    if first is None or first.tag != "params":
        raise BadReply("<methodResponse> holds neither <params> nor <fault>")
    param = first.find("param")
    value = param.find("value") if param is not None else None
    if value is None:
        raise BadReply("<params> holds no <param><value>")
    return _value(value)
