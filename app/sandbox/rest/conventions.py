"""Keap REST v2 conventions (Google AIP style), shared by every route of the sandbox.

- ``page_size`` 0..1000 (0 = the default of 50 [I]; above 1000: 400) and an opaque
  ``page_token``; every list answers ``next_page_token``, ``""`` on the last page [I].
  A token is bound to the list, filter and order it came from; reusing it elsewhere is a 400.
- ``filter``: ``field==value`` clauses joined with ``;`` (AND; there is no OR [V]), a trailing
  ``*`` for a prefix match where the operation allows it, comparison operators where it
  allows them, comma lists for sets, ``NONE`` for "absent" (NULL or empty [I]). Unknown fields
  and operators are refused with 400. Times must be ISO-8601 with milliseconds and an offset.
- ``order_by`` is ``"field"`` or ``"field asc|desc"``, one field from the operation's list.
- ``fields`` is a comma list; ``update_mask`` is repeated or comma-separated (both accepted).
- Timestamps go out as ISO-8601 UTC with milliseconds (``2024-03-05T19:22:01.000Z``); the
  store keeps naive US Eastern text, as the XML-RPC side serves it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.dates import EASTERN
from app.core.text import is_latin1
from app.sandbox.rest.errors import bad_request

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|>=|<=|>|<)(.*)$", re.S)
#: Milliseconds are what Keap's docs require [V]; the SDK's own examples for the ``-`` lists
#: leave them out, so both are accepted. A date alone or a time without an offset is refused.
_ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2})$")
LATIN1_MESSAGE = (
    "The value contains characters outside Latin-1 ({sample!r}); this account stores text in "
    "Latin-1 (ISO-8859-1). Transliterate it before sending."
)


@dataclass
class Request:
    """One REST call as the handlers see it."""

    method: str
    path: str
    params: dict[str, list[str]]
    body: bytes = b""
    _json: Any = field(default=None, repr=False)

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None

    def json(self) -> dict[str, Any]:
        """The JSON object body; 400 for anything else."""
        if self._json is None:
            if not self.body.strip():
                raise bad_request("A JSON request body is required")
            try:
                self._json = json.loads(self.body)
            except (ValueError, UnicodeDecodeError):
                raise bad_request("The request body is not valid JSON") from None
            if not isinstance(self._json, dict):
                raise bad_request("The request body must be a JSON object")
        return dict(self._json)


@dataclass(frozen=True)
class Reply:
    """A handler's answer: status and JSON (None = no body, e.g. 204)."""

    status: int
    body: Any = None


# --- text and times ------------------------------------------------------------------------


def check_text(value: str, what: str = "value") -> str:
    """The Latin-1 database behind REST too [I]: refuse text it cannot store with a 400."""
    if not value.isascii() and not is_latin1(value):
        bad = next((c for c in value if ord(c) > 0xFF), value[:1])
        raise bad_request(f"{what}: " + LATIN1_MESSAGE.format(sample=bad))
    return value


def iso_time(stored: Any) -> str | None:
    """Stored naive Eastern text -> ISO-8601 UTC with milliseconds."""
    if not stored:
        return None
    text = str(stored)[:19]
    try:
        if len(text) == 19 and text[10] == " ":  # as stored: a tenth of strptime's time
            naive = _dt.datetime.fromisoformat(text)
        else:
            naive = _dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    utc = naive.replace(tzinfo=EASTERN).astimezone(_dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def iso_date(stored: Any) -> str | None:
    """Stored date text -> ``YYYY-MM-DD``."""
    return str(stored)[:10] if stored else None


def parse_time(text: str, what: str) -> str:
    """ISO-8601 with milliseconds and offset -> stored naive Eastern text; 400 otherwise [V]."""
    value = text.strip()
    if not _ISO_MS.match(value):
        raise bad_request(
            f"{what} must be an ISO-8601 date-time with milliseconds and an offset, "
            f"e.g. 2026-01-01T00:00:00.000Z (got {value!r})"
        )
    try:
        aware = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{what} is not a valid date-time: {value!r}") from None
    return aware.astimezone(EASTERN).strftime("%Y-%m-%d %H:%M:%S")


def parse_date(text: Any, what: str) -> str:
    """``YYYY-MM-DD`` -> stored date text; 400 otherwise."""
    try:
        day = _dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        raise bad_request(f"{what} must be a date like 2026-01-31 (got {text!r})") from None
    return day.strftime("%Y-%m-%d 00:00:00")


def now_iso() -> str:
    now = _dt.datetime.now(_dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def int_id(value: Any, what: str = "id") -> int:
    """A string (or number) id from a path or body; 400 if it is not one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise bad_request(f"{what} must be a numeric id (got {value!r})") from None
    if number <= 0 or number > 2**31:
        raise bad_request(f"{what} is not a valid id: {value!r}")
    return number


def text_or_none(value: Any) -> str | None:
    """A stored value as REST text; NULL and '' are both absent (REST cannot tell them apart)."""
    return None if value is None or value == "" else str(value)


def sid(value: Any) -> str | None:
    """An id as REST sends it: a string (None stays None)."""
    return None if value in (None, "", 0) else str(value)


# --- paging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    size: int
    offset: int
    fingerprint: str

    def token_after(self, rows_seen: int) -> str:
        payload = json.dumps({"o": self.offset + rows_seen, "f": self.fingerprint}).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def page_of(req: Request, *, limit: int = MAX_PAGE_SIZE, scope: Sequence[Any] = ()) -> Page:
    """Read page_size and page_token; the token must come from the same list and query."""
    raw = req.param("page_size")
    size = DEFAULT_PAGE_SIZE
    if raw not in (None, ""):
        try:
            size = int(str(raw))
        except ValueError:
            raise bad_request(f"page_size must be a whole number (got {raw!r})") from None
        if size < 0 or size > limit:
            raise bad_request(f"page_size must be between 0 and {limit} (got {size})")
        size = size or min(DEFAULT_PAGE_SIZE, limit)
    basis = json.dumps([req.path, req.param("filter"), req.param("order_by"), *map(str, scope)])
    fingerprint = hashlib.sha1(basis.encode()).hexdigest()[:12]
    offset = 0
    token = req.param("page_token")
    if token:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            offset = int(data["o"])
            ok = data["f"] == fingerprint and offset >= 0
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise bad_request("Invalid page_token: it does not belong to this list and query")
    return Page(size, offset, fingerprint)


def paged(rows: list[Any], page: Page) -> tuple[list[Any], str]:
    """Rows fetched with ``LIMIT size+1`` -> (the page, next_page_token or "")."""
    if len(rows) > page.size:
        return rows[: page.size], page.token_after(page.size)
    return rows, ""


# --- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterField:
    """One filterable field of an operation, and how it becomes SQL.

    kind: ``text`` (exact, case-insensitive), ``int``, ``set`` (comma list of ids),
    ``time`` (ISO with ms and offset), ``bool``, ``enum`` or ``custom`` (``build`` makes SQL).
    ``bound`` turns ``==`` into ``>=``/``<=`` for since/until style fields.
    """

    sql: str | tuple[str, ...]
    kind: str = "text"
    ops: frozenset[str] = frozenset({"=="})
    wildcard: bool = False
    none: bool = False
    bound: str | None = None
    max_items: int | None = None
    choices: frozenset[str] = frozenset()
    build: Callable[[str, str], tuple[str, list[Any]]] | None = None


COMPARE = frozenset({"==", ">", "<", ">=", "<="})
COMPARE_NE = COMPARE | {"!="}


@dataclass(frozen=True)
class Clause:
    name: str
    op: str
    value: str


def parse_filter(text: str | None) -> list[Clause]:
    if not text or not text.strip():
        return []
    out: list[Clause] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        m = _CLAUSE.match(part)
        if not m:
            raise bad_request(f"Invalid filter clause {part.strip()!r}: expected field==value")
        out.append(Clause(m.group(1), m.group(2), m.group(3).strip()))
    return out


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _exprs(spec: FilterField) -> tuple[str, ...]:
    return spec.sql if isinstance(spec.sql, tuple) else (spec.sql,)


def _clause_sql(clause: Clause, spec: FilterField) -> tuple[str, list[Any]]:
    name, op, value = clause.name, clause.op, clause.value
    if op not in spec.ops:
        allowed = ", ".join(sorted(spec.ops))
        raise bad_request(f"Filter field {name} does not support {op} (allowed: {allowed})")
    exprs = _exprs(spec)
    if spec.none and value == "NONE":
        if op != "==":
            raise bad_request(f"NONE can only be used with == on {name}")
        return " AND ".join(f"({e} IS NULL OR {e} = '')" for e in exprs), []
    if spec.kind == "custom" and spec.build is not None:
        return spec.build(op, value)
    sql_op = {"==": "=", "!=": "<>"}.get(op, op)
    if spec.bound and op == "==":
        sql_op = spec.bound
    if spec.kind == "text":
        check_text(value, name)
        if spec.wildcard and value.endswith("*"):
            pattern = _like_prefix(value[:-1])
            return " OR ".join(f"{e} LIKE ? ESCAPE '\\'" for e in exprs), [pattern] * len(exprs)
        return " OR ".join(f"{e} {sql_op} ?" for e in exprs), [value] * len(exprs)
    if spec.kind == "int":
        return " OR ".join(f"{e} {sql_op} ?" for e in exprs), [int_id(value, name)] * len(exprs)
    if spec.kind == "set":
        items = [v.strip() for v in value.split(",") if v.strip()]
        if not items:
            raise bad_request(f"Filter field {name} needs at least one value")
        if spec.max_items is not None and len(items) > spec.max_items:
            raise bad_request(f"Filter field {name} takes at most {spec.max_items} values (got {len(items)})")
        ids = [int_id(v, name) for v in items]
        marks = ", ".join("?" for _ in ids)
        return " OR ".join(f"{e} IN ({marks})" for e in exprs), ids * len(exprs)
    if spec.kind == "time":
        stamp = parse_time(value, name)
        return " OR ".join(f"{e} {sql_op} ?" for e in exprs), [stamp] * len(exprs)
    if spec.kind == "bool":
        if value.lower() not in ("true", "false"):
            raise bad_request(f"Filter field {name} takes true or false (got {value!r})")
        flag = 1 if value.lower() == "true" else 0
        return " OR ".join(f"{e} {sql_op} ?" for e in exprs), [flag] * len(exprs)
    if spec.kind == "enum":
        items = [v.strip() for v in value.split(",") if v.strip()]
        bad = [v for v in items if v not in spec.choices]
        if bad or not items:
            raise bad_request(f"Filter field {name}: {', '.join(bad) or 'empty'} is not one of "
                              f"{', '.join(sorted(spec.choices))}")
        marks = ", ".join("?" for _ in items)
        return " OR ".join(f"{e} IN ({marks})" for e in exprs), items * len(exprs)
    raise bad_request(f"Filter field {name} cannot be filtered")


def compile_filter(
    text: str | None,
    fields: Mapping[str, FilterField],
    *,
    extra: Callable[[str], FilterField | None] | None = None,
    required: Iterable[str] = (),
    repeats: bool = True,
) -> tuple[str, list[Any]]:
    """A ``filter`` parameter -> (SQL condition, parameters); 400 for anything not allowed
    (with ``repeats`` False, also a field named twice)."""
    clauses = parse_filter(text)
    if not repeats:
        seen = [c.name for c in clauses]
        twice = sorted({name for name in seen if seen.count(name) > 1})
        if twice:
            raise bad_request(f"Filter field {twice[0]} may appear only once")
    parts: list[str] = []
    params: list[Any] = []
    for clause in clauses:
        spec = fields.get(clause.name)
        if spec is None and extra is not None:
            spec = extra(clause.name)
        if spec is None:
            allowed = ", ".join(sorted(fields))
            raise bad_request(f"Invalid filter field: {clause.name}. Allowed fields: {allowed}")
        sql, values = _clause_sql(clause, spec)
        parts.append(f"({sql})")
        params.extend(values)
    names = {c.name for c in clauses}
    missing = [r for r in required if r not in names]
    if missing and required:
        raise bad_request(f"The filter must include {' or '.join(missing)}")
    return (" AND ".join(parts) or "1"), params


def filter_names(text: str | None) -> set[str]:
    return {c.name for c in parse_filter(text)}


# --- order, fields, masks -----------------------------------------------------------------


def order_of(req: Request, allowed: Mapping[str, str], default: str) -> str:
    """``order_by`` -> SQL ORDER BY text (the default when absent); 400 for other fields."""
    raw = (req.param("order_by") or "").strip()
    if not raw:
        return default
    parts = raw.split()
    name = parts[0]
    direction = parts[1].lower() if len(parts) > 1 else "asc"
    if name not in allowed or direction not in ("asc", "desc") or len(parts) > 2:
        raise bad_request(
            f"Invalid order_by {raw!r}: use one of {', '.join(allowed)} followed by asc or desc"
        )
    tie = default.split(",")[-1].strip().split()[0]
    return f"{allowed[name]} {direction.upper()}, {tie} {direction.upper()}"


def fields_of(req: Request, allowed: Iterable[str], default: Iterable[str]) -> set[str]:
    """``fields`` -> the properties to send; 400 for unknown names."""
    raw = [v for item in req.params.get("fields", []) for v in item.split(",")]
    names = [v.strip() for v in raw if v.strip()]
    if not names:
        return set(default)
    known = set(allowed)
    bad = [n for n in names if n not in known]
    if bad:
        raise bad_request(f"Invalid fields: {', '.join(bad)}. Available: {', '.join(sorted(known))}")
    return set(names) | {"id"}


def mask_of(req: Request, allowed: Iterable[str]) -> list[str] | None:
    """``update_mask`` (repeated and/or comma-separated) -> names, None when absent."""
    raw = req.params.get("update_mask")
    if raw is None:
        raw = req.params.get("update_mask[]")
    if raw is None:
        return None
    names = [v.strip() for item in raw for v in item.split(",") if v.strip()]
    known = set(allowed)
    bad = [n for n in names if n not in known]
    if bad:
        raise bad_request(f"Invalid update_mask: {', '.join(bad)}. Allowed: {', '.join(sorted(known))}")
    return names


def project(item: dict[str, Any], chosen: set[str]) -> dict[str, Any]:
    """Keep the chosen properties; drop None values (absent, as Keap leaves them out [I])."""
    return {k: v for k, v in item.items() if k in chosen and v is not None}
