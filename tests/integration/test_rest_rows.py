"""A page of REST contacts is read with one :class:`RowReader` that converts only the wanted
columns: whatever the columns asked for, each row is the full reading cut down to them, keys in
the same order (real replies from the demo account, every property asked for)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.api.rest import contact_fields as cf
from app.api.rest.backend import RestBackend
from app.api.rest.contact_pages import CONTACTS, items_of
from app.core.cancel import CancelToken
from app.core.rest_slots import ADDRESS_SLOTS, EMAIL_SLOTS, FAX_SLOTS, PHONE_SLOTS
from tests.integration.test_backend import make_backend

TOKEN = CancelToken()


@pytest.fixture
def demo_rest(demo_sandbox: Any) -> Any:
    backend = make_backend(demo_sandbox, "rest")
    yield backend
    backend.client.close()


def every_column(backend: RestBackend) -> list[str]:
    arrays = (*PHONE_SLOTS.values(), *FAX_SLOTS.values(), *ADDRESS_SLOTS.values())
    slots = [c for cols in arrays for c in cols]
    custom = [f.api_name for f in backend.custom_fields(TOKEN)]
    names = [*cf.SCALARS, *cf.READ_ONLY, *EMAIL_SLOTS.values(), *slots, "Company", "CompanyID", "Groups",
             *custom]
    return list(dict.fromkeys(names))


def test_rows_read_for_some_columns_are_the_full_rows_cut_down(demo_rest: RestBackend) -> None:
    columns = every_column(demo_rest)
    custom = demo_rest._custom_map(TOKEN)
    reply = demo_rest.client.request("GET", CONTACTS, params={
        "fields": ",".join(cf.properties_for(columns)), "page_size": 500}, cancel=TOKEN)
    contacts = items_of(reply, "contacts")[0]
    full = [cf.RowReader(columns, custom)(c) for c in contacts]
    assert sum(len(r) for r in full) > 10 * len(full)  # the demo's contacts are well filled in
    assert any(k.startswith("_") for r in full for k in r) and any("Groups" in r for r in full)
    rng = random.Random(15)
    for _ in range(40):
        some = rng.sample(columns, rng.randint(1, 12))
        read = cf.RowReader(some, custom)
        for contact, whole in zip(contacts, full, strict=True):
            row = read(contact)
            assert row == {k: v for k, v in whole.items() if k in some or k == "Id"}
            assert list(row) == [k for k in whole if k in row]
            assert row == cf.to_row(contact, some, custom)
