"""Contact searches and their results as plain values, shared by every backend.

A :class:`ContactQuery` says what the user asked for (search text, filter conditions,
tags, sort order) without saying how a protocol answers it; the XML-RPC backend turns
it into one or several ``DataService.query`` calls, a REST backend will turn it into
URL filters. Queries are frozen and hashable, so a backend can cache the answer of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

Row = dict[str, Any]
Value = str | int | float | date | datetime | None


class Op(StrEnum):
    """The comparisons a filter condition offers (the text is what the UI shows)."""

    EQUALS = "equals"
    CONTAINS = "contains"
    STARTS = "starts with"
    ENDS = "ends with"
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    NE = "!="
    BLANK = "is blank"
    NOT_BLANK = "is not blank"

    @property
    def needs_value(self) -> bool:
        return self not in (Op.BLANK, Op.NOT_BLANK)

    @property
    def words(self) -> str:
        """The operator as the UI says it: words throughout ("is at least", never ">=")."""
        return {"<": "is less than", "<=": "is at most", ">": "is more than", ">=": "is at least",
                "!=": "is not"}.get(self.value, self.value)


@dataclass(frozen=True)
class Condition:
    """One filter: ``field`` (exact API name, custom fields with ``_``) ``op`` ``value``."""

    field: str
    op: Op
    value: Value = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", Op(self.op))
        if self.op.needs_value and (self.value is None or self.value == ""):
            raise ValueError(f"The condition on {self.field} needs a value.")

    def describe(self, label: str | None = None) -> str:
        name = label or self.field
        if not self.op.needs_value:
            return f"{name} {self.op.words}"
        return f"{name} {self.op.words} {self.value}"


TagMode = Literal["any", "all", "none"]


@dataclass(frozen=True)
class ContactQuery:
    """What the contacts list shows.

    Attributes:
        text: free text searched in names, e-mail addresses, company and phones (OR).
        conditions: filters that must all hold (AND).
        tag_ids: contacts with any/all/none of these tags (``tag_mode``); the tags issue
            implements it, backends that cannot yet must raise NotImplementedError.
        order_by: the field to sort by (server-side).
        ascending: sort direction.
    """

    text: str = ""
    conditions: tuple[Condition, ...] = ()
    tag_ids: tuple[int, ...] = ()
    tag_mode: TagMode = "any"
    order_by: str = "Id"
    ascending: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", " ".join(self.text.split()))
        object.__setattr__(self, "conditions", tuple(self.conditions))
        object.__setattr__(self, "tag_ids", tuple(int(t) for t in self.tag_ids))

    @property
    def is_everything(self) -> bool:
        return not (self.text or self.conditions or self.tag_ids)

    def with_text(self, text: str) -> ContactQuery:
        return replace(self, text=text)

    def with_conditions(self, conditions: Iterable[Condition]) -> ContactQuery:
        return replace(self, conditions=tuple(conditions))

    def with_tags(self, tag_ids: Iterable[int], mode: str = "any") -> ContactQuery:
        ids = tuple(int(t) for t in tag_ids)
        return replace(self, tag_ids=ids, tag_mode=mode if ids else "any")  # type: ignore[arg-type]

    def sorted_by(self, order_by: str, ascending: bool = True) -> ContactQuery:
        return replace(self, order_by=order_by, ascending=ascending)

    def describe(self, labels: dict[str, str] | None = None) -> str:
        parts = []
        if self.text:
            parts.append(f'"{self.text}"')
        parts += [c.describe((labels or {}).get(c.field)) for c in self.conditions]
        return ", ".join(parts) or "all contacts"


@dataclass(frozen=True)
class ContactPage:
    """One page of a search: ``rows`` are page ``page`` of pages of ``page_size``."""

    rows: list[Row]
    page: int
    page_size: int

    @property
    def first_row(self) -> int:
        return self.page * self.page_size

    @property
    def is_last(self) -> bool:
        return len(self.rows) < self.page_size


@dataclass(frozen=True)
class User:
    """A Keap user, as offered for a contact's owner."""

    id: int
    name: str
    email: str = ""

    @classmethod
    def from_row(cls, row: Row) -> User:
        name = " ".join(str(row.get(k) or "").strip() for k in ("FirstName", "LastName")).strip()
        email = str(row.get("Email") or "")
        return cls(int(row["Id"]), name or email or f"User {row['Id']}", email)


class DuplicateContactError(Exception):
    """A contact with this e-mail address already exists; ``matches`` are the existing rows."""

    def __init__(self, email: str, matches: list[Row]) -> None:
        self.email = email
        self.matches = matches
        ids = ", ".join(str(m.get("Id")) for m in matches[:5])
        super().__init__(f"A contact with the e-mail address {email} already exists (Id {ids}).")
