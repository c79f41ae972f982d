"""The lazily paged contacts model against a sandbox: model tests while pages arrive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from app.core.contact_fields import standard_field
from app.core.records import ContactQuery
from app.services.full_reads import cut_rows
from app.services.session import Session
from app.ui.models.contact_cells import WAITING
from app.ui.models.contacts import READ_AHEAD_FROM_PAGE, READ_AHEAD_PAGES, ContactsModel
from app.ui.models.roles import Role
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, gui_protocol, like, make_session
from tests.rest_testkit import InFlight

COLUMNS = [standard_field(n) for n in ("Id", "FirstName", "LastName", "Email", "DateCreated", "Birthday")]

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


@pytest.fixture
def session(demo_sandbox: Any) -> Iterator[Session]:
    s = make_session(demo_sandbox)
    yield s
    s.close()


def make_model(runner: TaskRunner, session: Session, page_size: int = 100) -> ContactsModel:
    # insert each page as it arrives (the app batches pages arriving within 100 ms)
    # parented to the runner: it outlives the test until the runner fixture has cancelled every job
    model = ContactsModel(runner, runner, page_size=page_size, parallel=4, insert_interval_ms=0)
    model.set_service(session.contacts)
    return model


@pytest.mark.qt_log_level_fail("WARNING")
def test_model_passes_the_model_tester_while_pages_arrive(qtbot: QtBot, qtmodeltester: Any,
                                                          runner: TaskRunner, session: Session,
                                                          demo_sandbox: Any) -> None:
    model = make_model(runner, session)
    qtmodeltester.check(model)  # the C++ tester stays attached and re-checks on every signal
    model.set_columns(COLUMNS)
    qtbot.waitUntil(lambda: model.loaded > 0, timeout=WAIT)
    # XML-RPC counts first (pages then load in parallel); REST cannot count (pages follow tokens)
    assert (model.total is not None) == session.contacts.can_count
    checks = []
    model.rows_loaded.connect(lambda n: checks.append(n))
    model.fetch_all()
    qtbot.waitUntil(lambda: model.total is not None and model.loaded == model.total and not model.loading,
                    timeout=WAIT)
    assert model.total == demo_sandbox.store.count("Contact")
    assert len(checks) >= 5  # rows arrived in several inserts, not all at the end
    ids = [model.contact_id(r) for r in range(model.loaded)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # parallel pages inserted in order
    assert model.rowCount() == model.loaded  # no placeholder once done
    assert not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model, force_py=True)


def test_known_rows_is_the_count_or_else_the_rows_read(qtbot: QtBot, runner: TaskRunner, session: Session,
                                                      demo_sandbox: Any) -> None:
    """What an export of the table's search is told to expect (ContactsService.iter_rows)."""
    model = ContactsModel(runner, runner, page_size=100, parallel=4, insert_interval_ms=0, fill_up_to=0)
    model.set_service(session.contacts)  # a counted table reads only what is looked at
    model.set_columns(COLUMNS)
    qtbot.waitUntil(lambda: model.loaded > 0 and not model.loading, timeout=WAIT)
    everyone = demo_sandbox.store.count("Contact")
    assert model.known_rows == (everyone if session.contacts.can_count else model.loaded)
    assert 0 < model.loaded < everyone


def test_a_table_with_every_row_gives_a_full_read_the_ids_to_cut_at(qtbot: QtBot, runner: TaskRunner,
                                                                      session: Session) -> None:
    """An export of a table read to its end starts its Id ranges from the table's Ids
    (ContactsService.iter_rows' ``cut_ids``); a table still loading, or sorted otherwise,
    gives none (its Ids are not the search's in Id order)."""
    model = make_model(runner, session)
    model.set_columns(COLUMNS)
    qtbot.waitUntil(lambda: model.loaded > 0, timeout=WAIT)
    if model.loaded < 2_500:
        assert model.cut_ids(100) == ()
    model.fetch_all()
    qtbot.waitUntil(lambda: model.loaded == model.known_rows == 2_500 and not model.loading, timeout=WAIT)
    cuts = model.cut_ids(100)
    assert len(cuts) == 3 and cuts == tuple(model.contact_id(row) for row in cut_rows(2_500, 100))
    assert list(cuts) == sorted(cuts)
    model.sort(COLUMNS.index(standard_field("Email")))
    assert model.cut_ids(100) == ()


@pytest.mark.qt_log_level_fail("WARNING")
def test_an_error_page_shows_in_a_placeholder_and_retry_finishes(qtbot: QtBot, qtmodeltester: Any,
                                                                  runner: TaskRunner, sandbox: Any) -> None:
    session = make_session(sandbox)
    try:
        model = make_model(runner, session, page_size=500)
        qtmodeltester.check(model)
        failures: list[str] = []
        model.load_failed.connect(failures.append)
        sandbox.set_faults("http503=1.0")  # the count and the first page fail
        model.set_columns(COLUMNS)
        qtbot.waitUntil(lambda: bool(failures) and not model.loading, timeout=WAIT)
        last = model.index(model.rowCount() - 1, 0)
        assert last.data(Role.PlaceholderRole) is True
        assert "Could not load more rows" in last.data()
        assert last.data(Role.ErrorRole) == failures[-1]
        assert not model.canFetchMore(QModelIndex())  # no new pages until the user retries
        sandbox.set_faults("")
        model.retry()
        model.fetch_all()
        qtbot.waitUntil(lambda: model.total is not None and model.loaded == model.total and not model.loading,
                        timeout=WAIT)
        assert model.error is None and model.rowCount() == model.total
        qtmodeltester.check(model, force_py=True)
    finally:
        runner.cancel_all()
        runner.wait_idle()
        session.close()


@pytest.mark.qt_log_level_fail("WARNING")
def test_an_empty_search_and_a_placeholder_while_loading(qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner,
                                                         session: Session) -> None:
    model = make_model(runner, session)
    qtmodeltester.check(model)
    model.set_columns(COLUMNS)
    assert model.rowCount() == 1  # the "Loading…" row, before any page arrives
    assert model.index(0, 0).data() == "Loading…"
    assert model.index(0, 0).flags() & Qt.ItemFlag.ItemIsSelectable == Qt.ItemFlag.NoItemFlags
    model.set_query(ContactQuery(text="zzqqxx-nobody"))
    qtbot.waitUntil(lambda: model.total == 0 and not model.loading, timeout=WAIT)
    assert model.rowCount() == 0


def test_stale_pages_of_an_old_search_are_dropped(qtbot: QtBot, runner: TaskRunner, session: Session,
                                                  demo_sandbox: Any, gui_protocol: str) -> None:
    model = make_model(runner, session)
    model.set_columns(COLUMNS)
    model.set_query(ContactQuery(text="son"))
    model.set_query(ContactQuery(text="ma"))
    model.fetch_all()
    qtbot.waitUntil(lambda: model.total is not None and model.loaded == model.total and not model.loading,
                    timeout=WAIT)
    stored = demo_sandbox.store.rows("Contact")
    if gui_protocol == "rest":  # prefix matches of names and e-mail addresses
        fields = ("FirstName", "LastName", "Email", "EmailAddress2", "EmailAddress3")
        expected = {r["Id"] for r in stored if any((r[f] or "").lower().startswith("ma") for f in fields)}
    else:
        fields = ("FirstName", "LastName", "Company", "Email")
        expected = {r["Id"] for r in stored if any(like(r[f], "ma") for f in fields)}
    assert {model.contact_id(r) for r in range(model.loaded)} == expected


@pytest.mark.xmlrpc_only
def test_sorting_reruns_the_query_on_the_server(qtbot: QtBot, runner: TaskRunner, session: Session) -> None:
    model = make_model(runner, session, page_size=1000)
    model.set_columns(COLUMNS)
    qtbot.waitUntil(lambda: model.loaded > 0 and not model.loading, timeout=WAIT)
    with qtbot.waitSignal(model.query_changed, timeout=WAIT):
        model.sort(2, Qt.SortOrder.DescendingOrder)
    assert (model.query.order_by, model.query.ascending) == ("LastName", False)
    qtbot.waitUntil(lambda: model.loaded > 0 and not model.loading, timeout=WAIT)
    names = [(model.record(r) or {}).get("LastName", "") for r in range(model.loaded)]
    assert names[0].casefold() >= names[-1].casefold()
    assert names == sorted(names, key=str.casefold, reverse=True)


def test_dates_show_local_time_with_eastern_in_the_tooltip(qtbot: QtBot, runner: TaskRunner,
                                                           session: Session) -> None:
    model = make_model(runner, session)
    model.set_columns(COLUMNS)
    qtbot.waitUntil(lambda: model.loaded > 0 and not model.loading, timeout=WAIT)
    row = next(r for r in range(model.loaded) if (model.record(r) or {}).get("Birthday"))
    created = model.index(row, 4)
    assert len(created.data()) == len("2024-01-01 12:00")
    assert "Eastern" in created.data(Qt.ItemDataRole.ToolTipRole)
    birthday = model.index(row, 5)
    assert birthday.data() == (model.record(row) or {})["Birthday"].date().isoformat()  # never shifted


@pytest.mark.rest_only  # XML-RPC counts: its table has every row from the start (the next test)
def test_reaching_the_last_rows_asks_for_pages_ahead_while_the_total_is_unknown(
        qtbot: QtBot, runner: TaskRunner, session: Session) -> None:
    model = make_model(runner, session)
    model.set_columns(COLUMNS)
    qtbot.waitUntil(lambda: model.loaded == 100 and not model.loading, timeout=WAIT)
    model.fetchMore(QModelIndex())  # REST v2: no total, pages follow tokens one at a time
    qtbot.waitUntil(lambda: model.loaded == 200 and not model.loading, timeout=WAIT)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
    assert model.loaded == model.rowCount() == 300 and not model.sparse
    record = model.record(0)
    assert record is not None and record["Id"] == model.contact_id(0) and "" not in record.values()


@pytest.mark.rest_only
def test_a_growing_table_reads_ahead_by_id_ranges_as_far_as_the_view_asks(
        qtbot: QtBot, runner: TaskRunner, session: Session, demo_sandbox: Any) -> None:
    """Past its first pages a REST table reads the rest by Id ranges side by side, handing
    pages over only as far as the view asks (the user holding the scroll bar at the bottom)."""
    ranges = InFlight(session.contacts.backend, "read_pages")
    model = make_model(runner, session, page_size=50)
    model.set_columns(COLUMNS)
    for pages in range(1, READ_AHEAD_FROM_PAGE + 1):
        qtbot.waitUntil(lambda pages=pages: model.loaded == 50 * pages and not model.loading, timeout=WAIT)
        model.fetchMore(QModelIndex())  # the last of these starts reading ahead
    wanted = READ_AHEAD_FROM_PAGE + READ_AHEAD_PAGES
    qtbot.waitUntil(lambda: model.loaded == 50 * wanted and not model.loading, timeout=WAIT)
    assert model.canFetchMore(QModelIndex()) and model.total is None
    model.fetchMore(QModelIndex())  # the view reached the end again: more pages, no more than asked
    qtbot.waitUntil(lambda: model.loaded == 50 * (wanted + READ_AHEAD_PAGES) and not model.loading,
                    timeout=WAIT)
    model.fetch_all()
    qtbot.waitUntil(lambda: model.total is not None and not model.loading, timeout=WAIT)
    ids = [model.contact_id(r) for r in range(model.rowCount())]
    assert ids == sorted(r["Id"] for r in demo_sandbox.store.rows("Contact"))  # each once, in order
    assert model.total == len(ids) and not model.canFetchMore(QModelIndex())
    assert ranges.calls >= 3 and ranges.most >= 2  # Id ranges, read side by side


@pytest.mark.rest_only
def test_a_failed_read_ahead_shows_the_error_and_retry_reads_on_from_the_last_row(
        qtbot: QtBot, runner: TaskRunner, sandbox: Any) -> None:
    session = make_session(sandbox)
    try:
        model = make_model(runner, session, page_size=50)
        failures: list[str] = []
        model.load_failed.connect(failures.append)
        model.set_columns(COLUMNS)
        for pages in range(1, READ_AHEAD_FROM_PAGE):
            qtbot.waitUntil(lambda pages=pages: model.loaded == 50 * pages and not model.loading,
                            timeout=WAIT)
            model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: model.loaded == 50 * READ_AHEAD_FROM_PAGE and not model.loading, timeout=WAIT)
        sandbox.set_faults("http503=1.0")
        model.fetchMore(QModelIndex())  # starts reading ahead, which fails
        qtbot.waitUntil(lambda: bool(failures) and not model.loading, timeout=WAIT)
        assert model.loaded == 50 * READ_AHEAD_FROM_PAGE
        last = model.index(model.rowCount() - 1, 0)
        assert last.data(Role.PlaceholderRole) is True and last.data(Role.ErrorRole) == failures[-1]
        assert not model.canFetchMore(QModelIndex())  # nothing more until the user retries
        sandbox.set_faults("")
        model.retry()
        model.fetch_all()
        qtbot.waitUntil(lambda: model.total is not None and not model.loading, timeout=WAIT)
        ids = [model.contact_id(r) for r in range(model.rowCount())]
        assert ids == sorted(r["Id"] for r in sandbox.store.rows("Contact"))
        assert model.error is None
    finally:
        runner.cancel_all()
        runner.wait_idle()
        session.close()


@pytest.mark.xmlrpc_only  # REST v2 cannot count: its table grows as pages arrive (the test above)
def test_a_counted_search_has_every_row_and_reads_where_the_view_looks(
        qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner, session: Session, demo_sandbox: Any) -> None:
    """XML-RPC counts: the table has a row for every contact from the count on, so the scroll
    bar spans the search; pages are read where the view looks (a large search reads no more)."""
    model = ContactsModel(runner, runner, page_size=100, parallel=4, insert_interval_ms=0, fill_up_to=0)
    model.set_service(session.contacts)
    model.set_columns(COLUMNS)
    total = demo_sandbox.store.count("Contact")
    qtbot.waitUntil(lambda: model.sparse and model.loaded == 200 and not model.loading, timeout=WAIT)
    assert model.rowCount() == model.total == total  # the top page and one ahead are in
    qtmodeltester.check(model)
    waiting = model.index(250, 0)
    assert waiting.data() == WAITING and waiting.data(Role.PlaceholderRole) is True
    assert waiting.data(Qt.ItemDataRole.ToolTipRole) == "Loading…"
    assert not waiting.flags() & Qt.ItemFlag.ItemIsSelectable and model.contact_id(250) is None
    assert model.record(250) is None
    # the user drags the scroll bar to the end: the last page is read, not the ones between
    model.show_rows(total - 30, total - 1)
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
    last_page = (total - 1) // 100
    assert model.loaded == 200 + (total - last_page * 100)
    assert model.is_loaded(total - 1) and not model.is_loaded(last_page * 100 - 1)
    ids = [int(r["Id"]) for r in demo_sandbox.store.rows("Contact", fields=["Id"])]
    assert model.contact_id(total - 1) == sorted(ids)[-1]
    model.fetch_all()  # select all, the bench: every row, in order
    qtbot.waitUntil(lambda: model.loaded == total and not model.loading, timeout=WAIT)
    assert [model.contact_id(r) for r in range(total)] == sorted(ids)
    qtmodeltester.check(model)


@pytest.mark.xmlrpc_only
def test_a_small_counted_search_reads_every_page_in_the_background(
        qtbot: QtBot, runner: TaskRunner, session: Session, demo_sandbox: Any) -> None:
    model = make_model(runner, session)  # the demo account is below FILL_UP_TO_ROWS
    model.set_columns(COLUMNS)
    total = demo_sandbox.store.count("Contact")
    qtbot.waitUntil(lambda: model.loaded == total and not model.loading, timeout=WAIT)
    assert model.sparse and model.rowCount() == total
