"""Helpers for the linked-records tests: a records service on a sandbox (over XML-RPC or
REST v2), recorded prompts, call counting, and contacts of the demo account chosen for
what they hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.api.xmlrpc import XmlRpcClient
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits
from app.services.records import RecordsService, make_records_service, make_rest_records_service
from tests.rest_testkit import fast_rest_client

FAST_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=10, base_seconds=0.01, max_wait_seconds=0.05)
WAIT = 15_000
#: The protocols a records service can speak; fixtures parametrize over these.
PROTOCOLS = ("xmlrpc", "rest")


def make_client(sb: Any) -> XmlRpcClient:
    return XmlRpcClient(sb.url, sb.key, retry=FAST_RETRY, limits=Limits(None, None, None))


def make_service(sb: Any, protocol: str = "xmlrpc") -> RecordsService:
    """A records service on ``sb``; over REST it knows the app name as a connection would."""
    if protocol == "rest":
        return make_rest_records_service(fast_rest_client(sb), app_name=sb.config.app_name)
    return make_records_service(make_client(sb))


def service_on(sb: Any, protocol: str = "xmlrpc") -> Iterator[RecordsService]:
    service = make_service(sb, protocol)
    yield service
    service.backend.client.close()  # type: ignore[attr-defined]


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """Every records scenario runs over XML-RPC and over REST v2."""
    return str(request.param)


@pytest.fixture
def demo_service(demo_sandbox: Any, protocol: str) -> Iterator[RecordsService]:
    """The records service on the shared demo account (read-only tests)."""
    yield from service_on(demo_sandbox, protocol)


@pytest.fixture
def service(sandbox: Any, protocol: str) -> Iterator[RecordsService]:
    """The records service on a fresh sandbox (tests that write)."""
    yield from service_on(sandbox, protocol)


def calls(sb: Any) -> dict[str, int]:
    """Calls the sandbox received so far, by method."""
    return dict(sb.stats()["calls"])


#: The call one write makes, by protocol, as the sandbox's stats name it.
WRITE_CALLS = {
    "update_opportunity": {"xmlrpc": "DataService.update",
                           "rest": "PATCH /rest/v2/opportunities/{opportunity_id}"},
    "opt_in": {"xmlrpc": "APIEmailService.optIn", "rest": "PATCH /rest/v2/emailAddresses/{email}/status"},
}


def sent(service: RecordsService, kind: str, before: dict[str, int], after: dict[str, int]) -> int:
    """How many ``kind`` writes reached the sandbox between two :func:`calls` snapshots."""
    method = WRITE_CALLS[kind][getattr(service.backend, "protocol", "xmlrpc")]
    return after.get(method, 0) - before.get(method, 0)


class FakePrompts:
    """Records every explanation and question; answers from scripted values."""

    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []
        self.confirms: list[tuple[str, str]] = []
        self.asks: list[tuple[str, str]] = []
        self.confirm_answer = True
        self.text_answer: str | None = "Test reason"

    def notify(self, parent: Any, title: str, text: str) -> None:
        self.notes.append((title, text))

    def confirm(self, parent: Any, title: str, text: str, then: Callable[[], None]) -> None:
        self.confirms.append((title, text))
        if self.confirm_answer:
            then()

    def ask_text(self, parent: Any, title: str, label: str, then: Callable[[str], None],
                 text: str = "") -> None:
        self.asks.append((title, label))
        if self.text_answer is not None:
            then(self.text_answer)


# -- demo contacts by what they hold --------------------------------------------------------------


def _most(counter: Counter[int], exclude: set[int] | None = None) -> int:
    for cid, _n in counter.most_common():
        if not exclude or cid not in exclude:
            return cid
    raise LookupError("no such contact in the demo")


def contact_with_most(sb: Any, table: str, column: str) -> int:
    return _most(Counter(r[column] for r in sb.store.rows(table, fields=[column])))


def image_products(sb: Any) -> set[int]:
    return {r["Id"] for r in sb.store.rows("Product", fields=["Id", "LargeImage"]) if r["LargeImage"]}


def contact_with_image_order(sb: Any) -> int:
    """A contact with an order whose items include a product that has an image."""
    images = image_products(sb)
    jobs = {r["Id"]: r["ContactId"] for r in sb.store.rows("Job", fields=["Id", "ContactId"])}
    counter = Counter(jobs[i["OrderId"]] for i in sb.store.rows("OrderItem", fields=["OrderId", "ProductId"])
                      if i["ProductId"] in images)
    return _most(counter)


def contact_with_sub_cent_invoice(sb: Any) -> int:
    for inv in sb.store.rows("Invoice", fields=["ContactId", "InvoiceTotal"]):
        total = inv["InvoiceTotal"]
        if abs(round(total, 2) - total) > 1e-9:
            return int(inv["ContactId"])
    raise LookupError("no invoice with fractions of a cent")


def contact_with_links(sb: Any) -> int:
    counter: Counter[int] = Counter()
    for r in sb.store.rows("_LinkedContact"):
        counter[r["ContactId1"]] += 1
        counter[r["ContactId2"]] += 1
    return _most(counter)


def contact_with_email_status(sb: Any, status: str, field: str = "Email") -> tuple[int, str]:
    """A contact whose ``field`` address has ``status`` in the sandbox (single, optout, ...)."""
    for c in sb.store.rows("Contact", fields=["Id", field]):
        email = c[field]
        if email and sb.store.email_status(email) == status:
            return int(c["Id"]), str(email)
    raise LookupError(f"no contact with a {status} address")


def contact_emails(sb: Any, contact_id: int) -> tuple[str, str, str]:
    row = sb.store.row("Contact", contact_id) or {}
    return tuple(str(row.get(f) or "") for f in ("Email", "EmailAddress2", "EmailAddress3"))  # type: ignore[return-value]
