"""The contacts table's packed rows: the same values as the dicts they replace, in less memory."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime

from app.core.row_store import RowStore, field_order, pack

FIELDS = ["FirstName", "LastName", "Email", "Phone1", "Company", "City", "State", "Country",
          "DateCreated", "OwnerID"]


def rows(n: int) -> list[dict[str, object]]:
    return [{"Id": i, "FirstName": f"First{i}", "LastName": f"Last{i}", "Email": f"p{i}@example.test",
             "Phone1": "", "Company": "Acme" if i % 2 else None, "City": f"City{i % 50}",
             "DateCreated": datetime(2024, 1, 1, tzinfo=UTC), "OwnerID": i % 7} for i in range(n)]


def test_packed_rows_read_back_as_the_rows_they_were() -> None:
    names = field_order(["Email", "Id", "FirstName", "Email"])
    assert names == ("Id", "Email", "FirstName")
    store = RowStore(names)
    store.extend(pack([{"Id": 7, "Email": "a@b.test", "FirstName": "", "Extra": 1}, {"Id": 9}], names))
    assert len(store) == 2 and store.row_of(9) == 1 and store.contact_id(0) == 7
    assert store.record(0) == {"Id": 7, "Email": "a@b.test"}  # blanks and unasked fields are not kept
    assert store.value(1, "Email") is None and store.value(0, "NotAColumn") is None
    store.update(0, {"Email": "", "FirstName": "Ann", "Id": 99, "City": "Oslo"})
    assert store.record(0) == {"Id": 7, "FirstName": "Ann"}  # the Id never changes; unshown fields not kept
    store.remove(0)
    assert (len(store), store.row_of(9), store.row_of(7)) == (1, 0, None)


def test_packed_rows_take_less_memory_than_dicts() -> None:
    """The containers only (the values are the same objects either way): a tuple per row and
    the Id index against a dict per row; measured about 0.7x."""
    source = rows(20_000)
    names = field_order(FIELDS)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        as_dicts = [dict(r) for r in source]
        dict_bytes = tracemalloc.get_traced_memory()[0] - base
        base = tracemalloc.get_traced_memory()[0]
        store = RowStore(names)
        store.extend(pack(source, names))
        packed_bytes = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(as_dicts) == len(store)
    assert packed_bytes < 0.8 * dict_bytes, (packed_bytes, dict_bytes)


def decoded(n: int, offset: int = 0) -> list[dict[str, object]]:
    """Rows as a decoder hands them over: every string a new object, even when equal."""
    return [{"Id": i, "FirstName": "".join(["Ann", "a" * (i % 40)]), "City": "".join(["Oslo", str(i % 30)]),
             "Email": f"p{i}@example.test", "Phone1": ""} for i in range(offset, offset + n)]


def test_the_packer_shares_repeated_values_and_gives_up_on_unique_ones() -> None:
    names = field_order(["FirstName", "City", "Email", "Phone1"])
    store = RowStore(names)
    for page in range(3):  # pages packed one after the other, as they arrive
        store.extend(store.packer(decoded(1_000, page * 1_000)))
    assert [store.record(r) for r in (0, 2_999)] == [
        {k: v for k, v in row.items() if v != ""} for row in (decoded(1)[0], decoded(1, 2_999)[0])]
    first_names = {id(store.value(r, "FirstName")) for r in range(len(store))}
    cities = {id(store.value(r, "City")) for r in range(len(store))}
    assert (len(first_names), len(cities)) == (40, 30)  # one object per distinct value
    # e-mails never repeat: after the trial that column is no longer looked up (no table of them)
    assert store.packer.interned_columns() == ("FirstName", "City", "Phone1")


def test_interned_rows_take_less_memory() -> None:
    """What stays alive once the decoded pages are gone: every string of every row, or one
    per distinct value of the repeating columns (plus their tables)."""
    names = field_order(["FirstName", "City", "Email", "Phone1"])

    def kept_after_packing(packing) -> int:
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            kept = [packing(decoded(1_000, p * 1_000)) for p in range(20)]
            used = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        assert sum(map(len, kept)) == 20_000
        return used

    plain = kept_after_packing(lambda page: pack(page, names))
    interned = kept_after_packing(RowStore(names).packer)
    assert interned < 0.75 * plain, (interned, plain)
