"""Merging two contacts through both backends against the sandbox over loopback.

A merge is sent once: a lost reply is settled by reading both contacts (the duplicate gone
and the survivor there means it was applied), and stays unknown otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.api import errors as e
from app.api.lost_merge import MERGE_UNKNOWN
from app.api.xmlrpc.client import CallEvent
from tests.integration.test_backend import TOKEN, make_backend

MERGE_CALLS = ("ContactService.merge", "POST /rest/v2/contacts:merge")


@pytest.fixture(params=["xmlrpc", "rest"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _pair(sb: Any) -> tuple[int, int]:
    """Two fresh contacts: the duplicate has a tag, an order, an e-mail the survivor lacks."""
    with sb.store.tx():
        keep = sb.store.insert("Contact", {"FirstName": "Ann", "LastName": "Keep", "Company": "Keepers",
                                           "DateCreated": "2020-01-01 10:00:00"})
        dup = sb.store.insert("Contact", {"FirstName": "Ann", "LastName": "Dup", "JobTitle": "Boss",
                                          "Email": "ann.dup@example.com",
                                          "DateCreated": "2021-01-01 10:00:00"})
    tag = sb.store.rows("ContactGroup")[0]["Id"]
    with sb.store.tx():
        sb.store.insert("ContactGroupAssign", {"ContactId": dup, "GroupId": tag,
                                               "DateCreated": "2021-01-02 10:00:00"})
        sb.store.insert("Job", {"ContactId": dup, "JobTitle": "Order of the duplicate"})
    return keep, dup


def _tags(sb: Any, contact_id: int) -> set[int]:
    return {int(r["GroupId"]) for r in sb.store.rows("ContactGroupAssign") if r["ContactId"] == contact_id}


def test_merge_moves_tags_and_records_and_deletes_the_duplicate(sandbox: Any, protocol: str) -> None:
    backend = make_backend(sandbox, protocol)
    keep, dup = _pair(sandbox)
    dup_tags = _tags(sandbox, dup)
    assert dup_tags
    backend.merge_contacts(keep, dup, TOKEN)
    assert sandbox.store.row("Contact", dup) is None
    survivor = sandbox.store.row("Contact", keep)
    assert survivor["LastName"] == "Keep"  # the survivor's own values stay
    assert survivor["Email"] == "ann.dup@example.com"  # its blanks are filled from the duplicate
    assert dup_tags <= _tags(sandbox, keep)
    orders = [r for r in sandbox.store.rows("Job") if r["JobTitle"] == "Order of the duplicate"]
    assert [r["ContactId"] for r in orders] == [keep]
    assert sum(sandbox.stats()["calls"].get(m, 0) for m in MERGE_CALLS) == 1
    backend.client.close()


def test_merging_a_missing_contact_is_refused(sandbox: Any, protocol: str) -> None:
    backend = make_backend(sandbox, protocol)
    keep, dup = _pair(sandbox)
    with pytest.raises(e.ApiError) as caught:
        backend.merge_contacts(keep, 987654321, TOKEN)
    assert not isinstance(caught.value, e.OutcomeUnknownError)
    assert sandbox.store.row("Contact", keep) is not None and sandbox.store.row("Contact", dup) is not None
    backend.client.close()


def _fault_only_the_merge(sb: Any, kind: str) -> Any:
    """A client hook that lifts the fault once the merge's attempt is over (the read-back works)."""

    def on_call(event: CallEvent) -> None:
        if event.method in MERGE_CALLS:
            sb.set_faults("")

    return on_call


@pytest.mark.parametrize("kind", ["drop_after", "drop_before", "empty"])
def test_a_merge_whose_reply_is_lost_is_read_back_never_resent(sandbox: Any, protocol: str,
                                                                kind: str) -> None:
    backend = make_backend(sandbox, protocol, on_call=_fault_only_the_merge(sandbox, kind))
    keep, dup = _pair(sandbox)
    sandbox.set_faults(f"{kind}=1.0")
    applied = kind == "drop_after"  # the sandbox merges, then drops the reply
    if applied:
        backend.merge_contacts(keep, dup, TOKEN)  # settled by reading: it was applied
        assert sandbox.store.row("Contact", dup) is None
    else:
        with pytest.raises(e.OutcomeUnknownError) as caught:
            backend.merge_contacts(keep, dup, TOKEN)
        assert caught.value.message == MERGE_UNKNOWN
        assert sandbox.store.row("Contact", dup) is not None
    assert sandbox.faults.counts.get(kind) == 1
    assert sandbox.store.row("Contact", keep) is not None
    assert sum(sandbox.stats()["calls"].get(m, 0) for m in MERGE_CALLS) == 1  # never resent
    backend.client.close()
