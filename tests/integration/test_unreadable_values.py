"""One unreadable value never fails a whole page; carriage returns survive a read.

A birthday before year 1000 (which Keap's XML-RPC writes with a short year) or a
garbled date is read as well as it can be and flagged in the log, over both protocols;
text with carriage returns comes back with them.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app.api.xmlrpc.codec import decode_response
from app.core.cancel import CancelToken
from app.core.records import ContactQuery
from tests.integration.test_backend import make_backend

TOKEN = CancelToken()


@pytest.mark.parametrize("protocol", ["xmlrpc", "rest"])
def test_a_birthday_before_year_1000_does_not_fail_the_page(sandbox: Any, protocol: str) -> None:
    rows = sandbox.store.rows("Contact")[:3]
    with sandbox.store.tx():
        odd_values = {"Birthday": "0999-05-01 00:00:00", "ContactNotes": "line one\r\nline two\rthree"}
        sandbox.store.update_row("Contact", rows[1]["Id"], odd_values)
    backend = make_backend(sandbox, protocol)
    try:
        fields = ["FirstName", "Birthday", "ContactNotes"]
        page = backend.search_contacts(ContactQuery(), fields, 0, 50, TOKEN)
        assert {r["Id"] for r in rows} <= {r["Id"] for r in page}
        odd = next(r for r in page if r["Id"] == rows[1]["Id"])
        birthday = odd.get("Birthday")
        assert birthday is not None and birthday.year == 999 and (birthday.month, birthday.day) == (5, 1)
        loaded = backend.load_contact(rows[1]["Id"], ["ContactNotes"], TOKEN)
        assert loaded["ContactNotes"] == "line one\r\nline two\rthree"
    finally:
        backend.client.close()


def _reply(members: str) -> bytes:
    return (b"<?xml version='1.0'?>\r\n<methodResponse>\r\n<params>\r\n<param>\r\n<value><array><data>"
            + members.encode() + b"</data></array></value>\r\n</param>\r\n</params>\r\n</methodResponse>")


def test_garbled_dates_are_flagged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    body = _reply(
        "<value><struct><member><name>Id</name><value><i4>1</i4></value></member>"
        "<member><name>Birthday</name><value><dateTime.iso8601>2024-13-45 99:00</dateTime.iso8601></value>"
        "</member></struct></value>"
        "<value><struct><member><name>Id</name><value><i4>2</i4></value></member>"
        "<member><name>Birthday</name><value><dateTime.iso8601>9990501T00:00:00</dateTime.iso8601></value>"
        "</member><member><name>Notes</name><value><string>a\r\nb\rc</string></value></member>"
        "<member><name>Untyped</name><value>x\ry</value></member></struct></value>"
    )
    with caplog.at_level(logging.WARNING):
        rows = decode_response(body)
    assert isinstance(rows, list) and len(rows) == 2
    assert rows[0]["Birthday"] == "2024-13-45 99:00"  # the raw text, flagged
    assert "unreadable date" in caplog.text
    assert rows[1]["Birthday"].year == 999
    assert rows[1]["Notes"] == "a\r\nb\rc"
    assert rows[1]["Untyped"] == "x\ry"


def test_rest_garbled_dates_are_blank_and_flagged(caplog: pytest.LogCaptureFixture) -> None:
    from app.api.rest import contact_fields as cf

    with caplog.at_level(logging.WARNING):
        item = {"id": 5, "given_name": "A", "birth_date": "garbled", "anniversary_date": "0999-05-01",
                "create_time": "not a time"}
        row = cf.to_row(item, ["FirstName", "Birthday", "Anniversary", "DateCreated"], {})
    assert row["FirstName"] == "A" and row.get("Birthday") is None and row["Anniversary"].year == 999
    assert "unreadable date" in caplog.text
