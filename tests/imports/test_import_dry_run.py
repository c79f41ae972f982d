"""The dry run of an import against the sandbox, over both protocols: reads only, one paged pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.core.cancel import CancelToken
from app.imports.reading import read_table
from app.services.contacts import ContactsService
from app.services.imports import ImportService
from tests.integration.test_backend import make_backend


@pytest.fixture(params=["xmlrpc", "rest"])
def imports(request: pytest.FixtureRequest, demo_sandbox: Any) -> Iterator[tuple[ImportService, Any]]:
    backend = make_backend(demo_sandbox, str(request.param))
    yield ImportService(ContactsService(backend), backend.client.limiter.estimate_seconds), demo_sandbox
    backend.client.close()


def writes(sb: Any) -> int:
    calls = sb.stats()["calls"]
    return sum(n for method, n in calls.items()
               if any(w in method.lower() for w in ("add", "update", "create", "patch", "post", "delete")))


def test_a_dry_run_matches_the_account_and_sends_nothing(imports: tuple[ImportService, Any]) -> None:
    service, sb = imports
    contacts = sorted(sb.store.rows("Contact", fields=["Id", "Email", "FirstName", "LastName", "Company"]),
                      key=lambda r: r["Id"])
    known = next(c for c in contacts if c.get("Email") and c.get("FirstName") and not c.get("Company"))
    same = next(c for c in contacts if c.get("Email") and c.get("FirstName") and c["Id"] != known["Id"])
    text = ("E-mail,First name,Company\n"
            f"{str(known['Email']).upper()},{known['FirstName']},New Company Ltd\n"  # fills a blank
            f"{same['Email']},{same['FirstName']},\n"                                 # nothing to change
            "brand.new@import.test,Newton,\n"                                          # created
            "not-an-address,Bad,\n")
    table = read_table(text.encode())
    setup = service.setup(CancelToken())
    mapping = service.suggest(table, setup)
    assert [table.headers[c] for c in sorted(mapping)] == ["E-mail", "First name", "Company"]
    before = writes(sb)
    dry = service.dry_run(table, mapping, setup, CancelToken())
    assert writes(sb) == before  # a dry run only reads
    by_line = {r.line: r for r in dry.plan.rows}
    assert (by_line[2].action, by_line[2].contact_id) == ("update", known["Id"])
    assert by_line[2].values == {"Company": "New Company Ltd"}
    assert by_line[3].action in ("unchanged", "update") and by_line[3].contact_id == same["Id"]
    assert by_line[4].action == "create" and by_line[5].action == "invalid"
    assert dry.figures()["rows"] == 4 and dry.figures()["invalid"] == 1
    assert dry.plan.reads == -(-len(contacts) // 1000)  # one paged pass: ceil(contacts / 1000) reads
    assert dry.estimated_seconds >= 0
