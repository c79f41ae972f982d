"""File > Import contacts…: the columns page, the dry run and the job against the sandbox, both protocols."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.imports.reading import read_table
from app.journal import Journal
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import (
    WAIT,
    MemorySettings,
    close_window,
    gui_protocol,
    open_window,
    panes_of,
)

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


@pytest.fixture
def settings() -> MemorySettings:
    return MemorySettings()


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, sandbox: Any, settings: MemorySettings,
           tmp_path: Path) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, sandbox, settings)
    session = w.session
    assert session is not None
    session.journal = Journal.open(tmp_path / "data", "gui-import")
    session.journal.attach(session)
    yield w
    close_window(runner, w)
    session.journal.close()


def a_file(sb: Any, path: Path) -> tuple[Path, dict[str, Any]]:
    """Windows-1252 with semicolons: an existing contact, two new ones (one needing
    transliteration), a bad e-mail, a column that should not be imported."""
    emails: dict[str, int] = {}
    rows = sorted(sb.store.rows("Contact", fields=["Id", "Email", "Company"]), key=lambda r: r["Id"])
    for r in rows:
        emails[str(r.get("Email") or "").casefold()] = emails.get(str(r.get("Email") or "").casefold(), 0) + 1
    known = next(r for r in rows if r.get("Email") and not r.get("Company")
                 and emails[str(r["Email"]).casefold()] == 1)
    text = ("E-Mail;Vorname;Firma;Notizen\r\n"
            f"{known['Email']};;Neue Firma GmbH;egal\r\n"
            "jurgen@import.test;Jürgen;Müller AG;egal\r\n"
            "lukasz@import.test;Łukasz;;egal\r\n"
            "kaputt;Eve;;egal\r\n")
    path.write_bytes(text.encode("utf-8"))  # Ł is not in Windows-1252: UTF-8 it is
    return path, known


def test_map_check_and_import_a_file(qtbot: QtBot, window: MainWindow, sandbox: Any, settings: MemorySettings,
                                     tmp_path: Path) -> None:
    path, known = a_file(sandbox, tmp_path / "kontakte.csv")
    dialog = panes_of(window).import_contacts(window, path, settings)
    qtbot.waitUntil(dialog.check_button.isEnabled, timeout=WAIT)
    assert [dialog.field_box(h).currentData() for h in ("E-Mail", "Vorname", "Firma")] == \
        ["Email", "FirstName", "Company"]
    assert "4 rows" in dialog.file_label.text() and "semicolon" in dialog.file_label.text()
    notes = dialog.field_box("Notizen")
    notes.setCurrentIndex(0)  # not imported

    with qtbot.waitSignal(dialog.dry_run_shown, timeout=WAIT) as shown:
        dialog.check_button.click()
    figures = shown.args[0].figures()
    assert {k: figures[k] for k in ("rows", "invalid", "create", "update")} == \
        {"rows": 4, "invalid": 1, "create": 2, "update": 1}
    assert dialog.pages.currentIndex() == 1
    details = dialog.details.toPlainText()
    assert "Line 5: E-mail: 'kaputt' is not an e-mail address." in details
    assert "\u201c\u0141ukasz\u201d \u2192 \u201cLukasz\u201d" in details  # shown before anything is sent
    assert dialog.import_button.text() == "Import 3 rows"
    before = len(sandbox.store.rows("Contact", fields=["Id"]))

    dialog.tag_box.setCurrentIndex(dialog.tag_box.findText("VIP"))  # then tag what was imported
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT) as finished:
        dialog.import_button.click()
    report = finished.args[0]
    vip = int(dialog.tag_box.currentData())
    assigned = sandbox.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])
    tagged = {int(r["ContactId"]) for r in assigned if int(r["GroupId"]) == vip}
    assert set(report.imported_ids) <= tagged and len(report.imported_ids) == 3
    assert "Tag \u201cVIP\u201d: Finished" in dialog.status.text()
    assert report.complete and (report.count("done", "create"), report.count("done", "update")) == (2, 1)
    assert len(sandbox.store.rows("Contact", fields=["Id"])) == before + 2
    stored = {r["Email"]: r for r in sandbox.store.rows("Contact", fields=["Email", "FirstName", "Company"])}
    assert stored["lukasz@import.test"]["FirstName"] == "Lukasz"
    assert stored["jurgen@import.test"]["Company"] == "Müller AG"
    assert stored[known["Email"]]["Company"] == "Neue Firma GmbH"
    assert "Finished: 2 created, 1 updated, 0 failed" in dialog.status.text()
    assert dialog.export_failed_button.isVisible() and not dialog.resume_button.isVisible()

    failed = tmp_path / "failed.csv"
    assert dialog.export_failed(failed) == 1
    assert read_table(failed).rows[0].cells[0] == "kaputt"
    dialog.accept()

    again = panes_of(window).import_contacts(window, path, settings)  # the mapping was remembered
    qtbot.waitUntil(again.check_button.isEnabled, timeout=WAIT)
    assert again.field_box("Notizen").currentData() is None
    with qtbot.waitSignal(again.dry_run_shown, timeout=WAIT) as shown:
        again.check_button.click()
    assert shown.args[0].figures()["calls"] == 0 and not again.import_button.isEnabled()  # re-import: nothing
    again.reject()


def test_cancel_stops_the_import_and_resume_finishes_it(qtbot: QtBot, window: MainWindow, sandbox: Any,
                                                        settings: MemorySettings, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("Email,First Name\n" + "".join(f"bulk{i}@import.test,Bulk{i}\n" for i in range(60)),
                    encoding="utf-8")
    dialog = panes_of(window).import_contacts(window, path, settings)
    qtbot.waitUntil(dialog.check_button.isEnabled, timeout=WAIT)
    with qtbot.waitSignal(dialog.dry_run_shown, timeout=WAIT):
        dialog.check_button.click()
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 5, timeout=WAIT)
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT) as finished:
        dialog.cancel_import()
    first = finished.args[0]
    assert first.cancelled and not first.complete and dialog.resume_button.isVisible()
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT) as finished:
        dialog.resume_button.click()
    assert finished.args[0].complete, [r.describe() for r in finished.args[0].unfinished]
    made = [r for r in sandbox.store.rows("Contact", fields=["Email"]) if str(r["Email"]).startswith("bulk")]
    assert len(made) == 60
    dialog.accept()
