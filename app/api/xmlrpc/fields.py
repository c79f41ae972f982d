"""Check and correct field names before a call leaves the machine.

Keap's field names are case-sensitive with odd spellings (``CompanyID``, ``OwnerID``,
``Lead.ContactID``) and custom fields are ``_`` + their database name. Sending a
wrong name costs a round trip and a cryptic ``[NoFieldFound]``; here a name in the
wrong case is corrected, an unknown one is refused with the closest valid names,
SSN-type custom fields are refused with the reason, and read-only fields are dropped
from saves.
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.api import errors as e
from app.core import schema
from app.core.schema import CustomField, TableDef

log = logging.getLogger("app.api.fields")


class LockedFieldError(e.ApiError):
    """A field the API can never read or write (SSN-type custom fields)."""


@dataclass
class WritePlan:
    """The values that will be sent, and the read-only fields that were dropped."""

    values: dict[str, object]
    dropped: list[str] = field(default_factory=list)
    corrected: dict[str, str] = field(default_factory=dict)


class FieldGuard:
    """Knows every table's fields and the account's custom fields."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._custom: dict[str, dict[str, CustomField]] = {}  # table -> lower api name -> field
        self.custom_loaded = False

    # -- custom fields --------------------------------------------------------------------

    def set_custom_fields(self, fields: Iterable[CustomField]) -> None:
        by_table: dict[str, dict[str, CustomField]] = {}
        for cf in fields:
            if cf.table:
                by_table.setdefault(cf.table, {})[cf.api_name.lower()] = cf
        with self._lock:
            self._custom = by_table
            self.custom_loaded = True

    def custom_fields(self, table: str) -> list[CustomField]:
        with self._lock:
            return list(self._custom.get(table, {}).values())

    # -- names ----------------------------------------------------------------------------

    def table(self, name: str) -> TableDef:
        exact = schema.exact_table_name(name)
        if exact is None:
            close = difflib.get_close_matches(name, list(schema.TABLES), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise e.ApiError(f"Keap has no table named {name!r}.{hint}")
        return schema.TABLES[exact]

    def resolve(self, table: str, name: str) -> str:
        """The exact spelling of ``name`` on ``table``; raises if it does not exist or is locked."""
        tdef = self.table(table)
        if name.startswith("_"):
            with self._lock:
                cf = self._custom.get(tdef.name, {}).get(name.lower())
                loaded = self.custom_loaded
            if cf is None:
                if not loaded:
                    return name  # not loaded yet: let the server decide
                raise e.InvalidFieldError(tdef.name, name, self._suggest(tdef, name))
            if cf.locked:
                raise LockedFieldError(
                    f"The custom field {cf.label!r} is an SSN field. Keap does not allow SSN fields "
                    "to be read or written through the API; view or edit it in Keap itself."
                )
            return cf.api_name
        exact = tdef.exact_name(name)
        if exact is None:
            raise e.InvalidFieldError(tdef.name, name, self._suggest(tdef, name))
        if exact != name:
            log.debug("corrected field name %s.%s to %s", tdef.name, name, exact)
        return exact

    def _suggest(self, tdef: TableDef, name: str) -> list[str]:
        candidates = list(tdef.fields)
        with self._lock:
            candidates += [cf.api_name for cf in self._custom.get(tdef.name, {}).values()]
        lowered = {c.lower(): c for c in candidates}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
        return [lowered[c] for c in close]

    def resolve_many(self, table: str, names: Sequence[str]) -> list[str]:
        return [self.resolve(table, n) for n in names]

    def resolve_query(self, table: str, query: Mapping[str, object]) -> dict[str, object]:
        return {self.resolve(table, k): v for k, v in query.items()}

    def plan_write(self, table: str, values: Mapping[str, object], *, creating: bool = False) -> WritePlan:
        """Correct names and drop read-only fields; refuse when nothing writable is left."""
        tdef = self.table(table)
        letter = "A" if creating else "E"
        if letter not in tdef.access:
            raise e.ApiError(f"Keap does not allow {'adding to' if creating else 'editing'} "
                             f"{tdef.friendly.lower()} ({tdef.name}) through the API.")
        plan = WritePlan(values={})
        for name, value in values.items():
            exact = self.resolve(tdef.name, name)
            if exact != name:
                plan.corrected[name] = exact
            if not exact.startswith("_") and not tdef.is_writable(exact, letter):
                plan.dropped.append(exact)
                continue
            plan.values[exact] = value
        if plan.dropped:
            log.info("dropped read-only fields from a %s save: %s", tdef.name, ", ".join(plan.dropped))
        if not plan.values:
            raise e.ReadOnlyFieldError(
                f"Nothing to save: {', '.join(plan.dropped) or 'no fields'} "
                "cannot be changed through the API."
            )
        return plan


# Methods whose parameters name a table and fields, with the positions (after the key).
def guard_params(guard: FieldGuard, method: str, params: list[object]) -> list[object]:
    """Return ``params`` with table fields resolved; raise before sending a bad name."""
    p = list(params)
    if method in ("DataService.query", "DataService.count", "DataService.findByField",
                  "DataService.load", "DataService.add", "DataService.update"):
        table = str(p[0])
        exact_table = guard.table(table).name
        p[0] = exact_table
        if method == "DataService.query":
            p[3] = guard.resolve_query(exact_table, _mapping(p[3]))
            p[4] = guard.resolve_many(exact_table, _names(p[4]))
            if len(p) > 5:
                p[5] = guard.resolve(exact_table, str(p[5]))
        elif method == "DataService.count":
            p[1] = guard.resolve_query(exact_table, _mapping(p[1]))
        elif method == "DataService.findByField":
            p[3] = guard.resolve(exact_table, str(p[3]))
            p[5] = guard.resolve_many(exact_table, _names(p[5]))
        elif method == "DataService.load":
            p[2] = guard.resolve_many(exact_table, _names(p[2]))
        elif method == "DataService.add":
            p[1] = guard.plan_write(exact_table, _mapping(p[1]), creating=True).values
        elif method == "DataService.update":
            p[2] = guard.plan_write(exact_table, _mapping(p[2])).values
    elif method in ("ContactService.add", "ContactService.addWithDupCheck"):
        p[0] = guard.plan_write("Contact", _mapping(p[0]), creating=True).values
    elif method == "ContactService.update":
        p[1] = guard.plan_write("Contact", _mapping(p[1])).values
    elif method in ("ContactService.load", "ContactService.findByEmail"):
        p[1] = guard.resolve_many("Contact", _names(p[1]))
    return p


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a struct of field values, got {type(value).__name__}")
    return value


def _names(value: object) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError("expected a list of field names")
    return [str(v) for v in value]
