"""Full reads (export, select all, the import's and the duplicate scan's passes) fetch counted pages
in parallel (XML-RPC) or Id ranges side by side (REST v2), in order, with (nearly) the same calls
as one page after the other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.cancel import CancelToken
from app.core.records import Condition, ContactQuery, Op
from app.sandbox import Sandbox, SandboxConfig
from app.services.contacts import ContactsService
from app.services.full_reads import PAGES_PER_WORKER, cut_rows
from tests.integration.test_backend import make_backend
from tests.rest_testkit import InFlight


def seen_by(seen: list[tuple[int, int]]) -> Any:
    return lambda done, total: seen.append((done, total))


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=2_350, latency_ms=30)) as sandbox:
        yield sandbox


@pytest.mark.parametrize("protocol", ["xmlrpc", "rest"])
def test_parallel_pages_give_the_same_rows_in_order_with_the_same_calls(sb: Sandbox, protocol: str) -> None:
    query, fields = ContactQuery(), ["Id", "Email"]
    results = {}
    for parallel in (1, 6):
        backend = make_backend(sb, protocol)
        watch = InFlight(backend)
        seen: list[tuple[int, int]] = []
        rows = list(ContactsService(backend).iter_rows(query, fields, CancelToken(), progress=seen_by(seen),
                                                       page_size=500, parallel=parallel))
        results[parallel] = (rows, watch.calls, watch.most, seen)
        backend.client.close()
    (one, calls_one, most_one, seen_one), (six, calls_six, most_six, seen_six) = results[1], results[6]
    assert len(one) == 2_350 and [r["Id"] for r in six] == [r["Id"] for r in one]
    assert calls_six == calls_one == 5 and seen_six == seen_one
    assert most_one == 1
    assert most_six > 1 if protocol == "xmlrpc" else most_six == 1  # REST v2 follows page tokens


def test_a_reader_that_stops_early_leaves_no_work_behind(sb: Sandbox) -> None:
    backend = make_backend(sb, "xmlrpc")
    watch = InFlight(backend)
    reader = ContactsService(backend).iter_rows(ContactQuery(), ["Id"], CancelToken(), page_size=100,
                                                parallel=4)
    first = [next(reader) for _ in range(150)]
    reader.close()
    # the count, the two pages read, and at most the pages asked for ahead (cancelled unstarted)
    assert len(first) == 150 and watch.now == 0 and watch.calls <= 1 + 2 + 4 * PAGES_PER_WORKER
    backend.client.close()


def first_page_watched(backend: Any) -> threading.Event:
    """An event set when ``backend`` starts reading page 0 of a search."""
    started, read = threading.Event(), backend.search_contacts

    def search(query: Any, fields: Any, page: int, *args: Any) -> Any:
        if page == 0:
            started.set()
        return read(query, fields, page, *args)

    backend.search_contacts = search
    return started


def test_the_first_page_travels_with_the_count(sb: Sandbox) -> None:
    """The count says how many pages follow; page 0 is needed whatever it says, so it is asked
    for at the same time (one round trip less before the first rows). Forced: the count
    waits until page 0's request has started."""
    backend = make_backend(sb, "xmlrpc")
    first_page_started, count = first_page_watched(backend), backend.count_contacts

    def counting(*args: Any) -> int:
        overlapped = first_page_started.wait(5)
        assert overlapped, "page 0 waited for the count"
        return count(*args)

    backend.count_contacts = counting
    rows = list(ContactsService(backend).iter_rows(ContactQuery(), ["Id"], CancelToken(), page_size=1_000))
    assert len(rows) == 2_350
    backend.client.close()


def contact_reads(sandbox: Sandbox) -> int:
    return int(sandbox.stats()["calls"].get("GET /rest/v2/contacts", 0))


def read_ids(sandbox: Sandbox, query: ContactQuery, parallel: int, service: ContactsService | None = None,
             **hints: Any) -> tuple[list[int], int, InFlight, ContactsService]:
    service = service or ContactsService(make_backend(sandbox, "rest"))
    watch = InFlight(service.backend, "read_pages")  # a call per Id range
    before = contact_reads(sandbox)
    ids = [int(r["Id"]) for r in service.iter_rows(query, ["Id", "Email"], CancelToken(), page_size=50,
                                                     parallel=parallel, **hints)]
    return ids, contact_reads(sandbox) - before, watch, service


@pytest.mark.parametrize("query", [ContactQuery(), ContactQuery(ascending=False),
                                   ContactQuery(conditions=(Condition("Id", Op.GT, 2_000),)),
                                   ContactQuery(text="an")],
                         ids=["ascending", "descending", "filtered", "several-filters"])
def test_rest_full_reads_read_id_ranges_side_by_side_with_the_same_rows(sb: Sandbox,
                                                                       query: ContactQuery) -> None:
    """REST pages follow tokens, one round trip each; a full read sorted by Id is cut into Id
    ranges read at once. Same rows, same order, hardly more calls (a short last page a range,
    and one call for the search's last Id). A search REST answers as several filters (free
    text) has no single Id order on the server: one page after another."""
    one, calls_one, watch_one, _ = read_ids(sb, query, parallel=1)
    four, calls_four, watch, service = read_ids(sb, query, parallel=4)
    assert len(one) > 100 and four == one
    assert watch_one.calls == 0
    if query.text:
        assert watch.calls == 0 and calls_four == calls_one
        return
    assert watch.calls >= 4 and watch.most > 1
    assert calls_four <= calls_one + watch.calls + 1
    service.backend.client.close()


@pytest.mark.parametrize("told", ["nothing", "its-size", "its-cuts"])
def test_a_server_that_refuses_id_ranges_gets_one_page_after_another(told: str) -> None:
    """Keap's spec does not say whether a filter may name ``contact_id`` twice [I]; if the
    server refuses, the read goes on page by page, and later reads do not ask again. However
    the read began: after its first page, after its first two, or from the table's Ids."""
    with Sandbox(SandboxConfig(seed=1_200, latency_ms=10, repeated_filter_fields=False)) as strict:
        one, calls_one, _, _ = read_ids(strict, ContactQuery(), parallel=1)
        hints: dict[str, Any] = {"its-size": {"expected": len(one)},
                                 "its-cuts": {"expected": len(one), "cut_ids": cuts_of(one, 50)}}
        refused, _, watch, service = read_ids(strict, ContactQuery(), parallel=4, **hints.get(told, {}))
        assert refused == one and watch.calls >= 1
        again, calls_again, watch_again, _ = read_ids(strict, ContactQuery(), parallel=4, service=service)
        assert again == one and watch_again.calls == 0
        assert calls_again == calls_one  # not even the search's last Id is asked again
        service.backend.client.close()


def cuts_of(ids: list[int], page_size: int) -> list[int]:
    """The Ids a table holding ``ids`` gives a full read (ContactsModel.cut_ids)."""
    return [ids[row] for row in cut_rows(len(ids), page_size)]


@pytest.mark.parametrize("query", [ContactQuery(), ContactQuery(ascending=False)],
                         ids=["ascending", "descending"])
def test_a_rest_read_given_the_table_s_ids_starts_every_range_at_once_with_a_call_a_page(
        sb: Sandbox, query: ContactQuery) -> None:
    """A table read to its end holds every Id: the read cuts its ranges there and starts them
    together, without a first page or the search's last Id first, and each range ends on a
    full page whose empty token ends its chain: exactly one call a page. Forced: no range's
    first page comes back before four ranges have started."""
    reference, _, _, _ = read_ids(sb, query, parallel=1)
    service = ContactsService(make_backend(sb, "rest"))
    backend = service.backend
    guessed: list[str] = []
    backend.id_at_end = lambda *_a: guessed.append("last Id")
    backend.search_contacts = lambda *_a: guessed.append("first page")
    four_started, read_pages = threading.Barrier(4, timeout=5), backend.read_pages

    def pages(*args: Any, **kwargs: Any) -> Iterator[Any]:
        if four_started.n_waiting < 4 and not four_started.broken and len(started) < 4:
            started.append(1)
            four_started.wait()
        yield from read_pages(*args, **kwargs)

    started: list[int] = []
    backend.read_pages = pages
    cut_ids = cuts_of(reference, 50)
    ids, calls, watch, _ = read_ids(sb, query, parallel=4, service=service, expected=len(reference),
                                    cut_ids=cut_ids)
    assert ids == reference and guessed == [] and not four_started.broken
    assert calls == -(-len(reference) // 50) and watch.calls == len(cut_ids) + 1
    backend.client.close()


def test_the_table_s_ids_are_not_used_for_a_search_rest_answers_as_several_filters(sb: Sandbox) -> None:
    """Free text is several filters resolved to Ids client-side: Id ranges would resolve it
    once a range. The read goes one page after another, as without the Ids."""
    query = ContactQuery(text="m")  # 459 contacts: ten pages, two ranges
    reference, calls_one, _, _ = read_ids(sb, query, parallel=1)
    cut_ids = cuts_of(reference, 50)
    assert cut_ids, "the search must be long enough to be cut"
    ids, calls, watch, service = read_ids(sb, query, parallel=4, expected=len(reference), cut_ids=cut_ids)
    assert ids == reference and watch.calls == 0 and calls == calls_one
    service.backend.client.close()


def test_stale_table_ids_cost_calls_never_rows() -> None:
    """Contacts added and deleted since the table was read: the last range is open-ended, a
    range short of a row ends on its short page."""
    with Sandbox(SandboxConfig(seed=1_200, latency_ms=5)) as sandbox:
        before, _, _, service = read_ids(sandbox, ContactQuery(), parallel=1)
        backend, cancel = service.backend, CancelToken()
        backend.delete_contact(before[100], cancel)
        added = backend.create_contact({"FirstName": "Late", "Email": "late@example.com"}, cancel)
        now, _, _, _ = read_ids(sandbox, ContactQuery(), parallel=1, service=service)
        assert now == [i for i in before if i != before[100]] + [added]
        stale, _, watch, _ = read_ids(sandbox, ContactQuery(), parallel=4, service=service,
                                      expected=len(before), cut_ids=cuts_of(before, 50))
        assert stale == now and watch.calls == len(cuts_of(before, 50)) + 1
        backend.client.close()


def test_a_rest_search_of_one_page_costs_one_call(sb: Sandbox) -> None:
    """The search's last Id is asked only once a second page is needed."""
    ids, calls, watch, service = read_ids(sb, ContactQuery(conditions=(Condition("Id", Op.LE, 100),)),
                                          parallel=4)
    assert 0 < len(ids) < 50 and calls == 1 and watch.calls == 0
    service.backend.client.close()


def xmlrpc_counts(sandbox: Sandbox) -> int:
    return int(sandbox.stats()["calls"].get("DataService.count", 0))


@pytest.mark.parametrize("expected", [2_350, 1_200, 9_000], ids=["right", "too-few", "too-many"])
def test_a_read_told_its_size_asks_for_its_pages_at_once_and_a_wrong_hint_loses_no_row(
        sb: Sandbox, expected: int) -> None:
    """The table's count (or the rows it has read) lets an export skip the count: every page is
    asked for at once. A stale hint costs calls, never rows: the read goes on past a hint too
    small and stops at the first short page of one too large."""
    backend = make_backend(sb, "xmlrpc")
    watch = InFlight(backend)
    counts = xmlrpc_counts(sb)
    wave = min(4, -(-expected // 500))  # the pages the hint says there are, four at most
    first_wave = threading.Barrier(wave, timeout=5)  # all in flight before any comes back
    read = backend.search_contacts

    def search(query: Any, fields: Any, page: int, *args: Any) -> Any:
        if page < wave:
            first_wave.wait()
        return read(query, fields, page, *args)

    backend.search_contacts = search
    rows = list(ContactsService(backend).iter_rows(ContactQuery(), ["Id"], CancelToken(), page_size=500,
                                                   parallel=4, expected=expected))
    assert [r["Id"] for r in rows] == sorted(r["Id"] for r in rows) and len(rows) == 2_350
    assert len({r["Id"] for r in rows}) == 2_350
    assert xmlrpc_counts(sb) == counts  # no count asked
    assert watch.most >= wave and watch.calls <= 5 + 4 * PAGES_PER_WORKER  # the pages, and those asked ahead
    backend.client.close()


def test_a_rest_read_told_it_spans_pages_asks_for_the_last_id_with_its_first_page(sb: Sandbox) -> None:
    """Told it spans several pages, a REST read asks for the search's last Id alongside its
    first page and cuts the rest into Id ranges after it, one round trip sooner. Forced: the
    last Id's call waits until the first page's has started."""
    service = ContactsService(make_backend(sb, "rest"))
    backend = service.backend
    first_page_started, id_at_end = first_page_watched(backend), backend.id_at_end

    def last_id(*args: Any) -> Any:
        assert first_page_started.wait(5)
        assert not service_pages, "the last Id waited for the first page's rows"
        return id_at_end(*args)

    service_pages: list[int] = []
    backend.id_at_end = last_id
    reference, _, _, _ = read_ids(sb, ContactQuery(), parallel=1)
    ids = []
    for row in service.iter_rows(ContactQuery(), ["Id", "Email"], CancelToken(), page_size=50, parallel=4,
                                 expected=2_350):
        ids.append(int(row["Id"]))
        service_pages.append(1)
    assert ids == reference
    service.backend.client.close()
