"""Rows of one search, held compactly: a tuple per row in one shared field order.

A dict per row repeats every key and carries a hash table: for 250,000 rows of a dozen
fields that is hundreds of megabytes. The contacts table holds the same values as tuples
(one slot per field, None for blank) and builds a dict only when one row is asked for, so
the memory a row costs is about its values. Rows are packed where the page arrives, on the
worker thread (:func:`pack`), so the GUI thread only appends.

Most of what is left is the values, and many repeat: first names, last names, cities,
owners. :class:`Packer` keeps one object per distinct value of such a column (the
250,000-contact benchmark's values took ~1.5M objects for ~630k distinct ones); a column
whose values hardly repeat (e-mail, phone, dates) stops being interned after a trial, so
its look-up table is not one more copy of every value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Packed = tuple[Any, ...]


def field_order(fields: Sequence[str]) -> tuple[str, ...]:
    """The slots of a packed row: ``Id`` first, then the other fields once each."""
    return ("Id", *dict.fromkeys(f for f in fields if f != "Id"))


def pack(rows: Iterable[Mapping[str, Any]], names: Sequence[str]) -> list[Packed]:
    """Rows as tuples in ``names`` order (missing fields None); blank text is stored as None."""
    return [tuple(_kept(row.get(name)) for name in names) for row in rows]


#: Values of a column looked at before deciding whether interning it pays.
INTERN_TRIAL = 2_000
#: A column keeps being interned while at most this share of its values were new.
INTERN_IF_NEW_AT_MOST = 0.5


class Packer:
    """:func:`pack` that keeps one object per repeated value of each column.

    Called from several worker threads at once (pages arrive in parallel): the tables are
    only read, ``setdefault`` and replaced whole, which the interpreter makes atomic, and a
    miscount of the trial under a race only shifts the decision by a value or two.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        # slot -> {value: the one object}; None once the column proved not to repeat
        self._tables: list[dict[Any, Any] | None] = [None] + [{} for _ in self.names[1:]]
        self._seen = [0] * len(self.names)

    def __call__(self, rows: Iterable[Mapping[str, Any]]) -> list[Packed]:
        packed = pack(rows, self.names)
        if not packed:
            return packed
        columns = list(zip(*packed, strict=True))
        for slot, table in enumerate(self._tables):
            if table is not None:
                columns[slot] = self._interned(slot, table, columns[slot])
        return list(zip(*columns, strict=True))

    def _interned(self, slot: int, table: dict[Any, Any], values: tuple[Any, ...]) -> tuple[Any, ...]:
        keep = table.setdefault
        out = tuple(v if v is None or not isinstance(v, str) else keep(v, v) for v in values)
        seen = self._seen[slot] = self._seen[slot] + len(values)
        if seen >= INTERN_TRIAL and len(table) > INTERN_IF_NEW_AT_MOST * seen:
            self._tables[slot] = None  # unique values (e-mails, phones): the table would only add
        return out

    def interned_columns(self) -> tuple[str, ...]:
        """The columns still interned (for tests and the benchmark's diagnosis)."""
        return tuple(n for n, t in zip(self.names, self._tables, strict=True) if t is not None)


class RowStore:
    """Packed rows with an index by contact Id; not thread-safe (the GUI thread owns it).

    Rows may be missing (None): a table that knows its total from the start holds a slot
    for every row and fills pages in where the user looks (:meth:`grow`, :meth:`place`).
    """

    def __init__(self, names: Sequence[str] = ("Id",)) -> None:
        self.names = tuple(names)
        self._slot = {name: i for i, name in enumerate(self.names)}
        self._rows: list[Packed | None] = []
        self._index: dict[int, int] = {}
        #: Packs pages for this store on any thread (equal values shared, see :class:`Packer`).
        self.packer = Packer(self.names)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def loaded(self) -> int:
        """Rows present (the others are slots waiting for their page)."""
        return len(self._index)

    def extend(self, rows: Sequence[Packed]) -> None:
        first = len(self._rows)
        for offset, row in enumerate(rows):
            self._index[int(row[0])] = first + offset
        self._rows.extend(rows)

    def grow(self, length: int) -> None:
        """Empty slots up to ``length`` rows."""
        self._rows.extend([None] * (length - len(self._rows)))

    def place(self, first: int, rows: Sequence[Packed]) -> int:
        """Put rows into the slots from ``first`` on (replacing what is there); returns how
        many fitted (slots past the end are not made: the caller decides the length)."""
        fitted = rows[:max(0, len(self._rows) - first)]
        for offset, row in enumerate(fitted):
            old = self._rows[first + offset]
            if old is not None and self._index.get(int(old[0])) == first + offset:
                del self._index[int(old[0])]
            self._rows[first + offset] = row
            self._index[int(row[0])] = first + offset
        return len(fitted)

    def truncate(self, length: int) -> None:
        """Drop the rows from ``length`` on."""
        for row in self._rows[length:]:
            if row is not None:
                self._index.pop(int(row[0]), None)
        del self._rows[length:]

    def is_loaded(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row] is not None

    def missing(self, first: int, last: int) -> bool:
        """Whether any slot in ``first .. last`` still waits for its row."""
        return None in self._rows[max(0, first):last + 1]

    def value(self, row: int, name: str) -> Any:
        slot = self._slot.get(name)
        values = self._rows[row]
        return None if slot is None or values is None else values[slot]

    def values(self, row: int) -> Packed | None:
        return self._rows[row]

    def contact_id(self, row: int) -> int | None:
        values = self._rows[row]
        return None if values is None else int(values[0])

    def row_of(self, contact_id: int) -> int | None:
        return self._index.get(contact_id)

    def record(self, row: int) -> dict[str, Any] | None:
        """One row as a dict of its non-blank fields (what the rest of the app reads)."""
        values = self._rows[row]
        if values is None:
            return None
        return {name: value for name, value in zip(self.names, values, strict=True) if value is not None}

    def update(self, row: int, values: Mapping[str, Any]) -> None:
        """Change fields the row holds (fields it does not hold are not shown, so not kept)."""
        held = self._rows[row]
        if held is None:
            return
        current = list(held)
        for name, value in values.items():
            slot = self._slot.get(name)
            if slot is not None and slot != 0:
                current[slot] = _kept(value)
        self._rows[row] = tuple(current)

    def remove(self, row: int) -> None:
        del self._rows[row]
        self._index = {int(r[0]): i for i, r in enumerate(self._rows) if r is not None}


def _kept(value: Any) -> Any:
    return None if value == "" else value
