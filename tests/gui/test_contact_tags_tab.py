"""A contact's Tags tab: lazy load, stale replies dropped, add (existing and new), remove."""

from __future__ import annotations

from PySide6.QtCore import Qt
from tag_testkit import assignments, calls, demo_tags, tag_id

from app.ui.errors import ErrorPresenter
from app.ui.models.roles import Role
from app.ui.panes.contact_tags_tab import ContactTagsTab
from tests.gui.change_support import follow_changes

__all__ = ["demo_tags"]


def test_contact_tags_tab(qtbot, runner, demo_tags) -> None:
    sb, _client, service = demo_tags
    presenter = ErrorPresenter(interactive=False)
    errors: list[str] = []
    presenter.presented.connect(lambda m, _d: errors.append(m))
    tab = ContactTagsTab(runner, presenter, service)
    qtbot.addWidget(tab)
    follow_changes(tab, service)
    by_contact: dict[int, set[int]] = {}
    for c, t in assignments(sb):
        by_contact.setdefault(c, set()).add(t)
    first, second = [c for c, tags in sorted(by_contact.items()) if len(tags) >= 4][:2]

    before = calls(sb)
    tab.set_contact(first)  # hidden: nothing is read yet
    assert calls(sb) == before and tab.model.rowCount() == 0

    loaded: list[int] = []
    tab.loaded.connect(loaded.append)
    tab.show()  # the first show loads the current contact...
    tab.set_contact(second)  # ...but the user moves on before the reply
    qtbot.waitUntil(lambda: loaded == [second], timeout=10_000)
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=10_000)
    assert loaded == [second]  # the reply for the first contact was dropped
    shown = {tab.model.index(r, 0).data(Role.IdRole) for r in range(tab.model.rowCount())}
    assert shown == by_contact[second]
    rows = sb.store.rows("ContactGroupAssign", {"ContactId": second})
    stored = {r["GroupId"]: r["DateCreated"] for r in rows}
    tip = tab.model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    applied = tab.model.applied(0)
    assert stored[applied.tag.id][:16] in tip.replace("T", " ") and "Eastern" in tip
    assert tab.model.index(0, 1).data() == service.catalog().category_name(applied.tag.category_id)

    # add an existing tag, by name as typed (completion offers every tag name)
    missing = next(t for t in service.catalog().tags if t.id not in by_contact[second])
    assert tab.names.stringList() and missing.name.strip() in tab.names.stringList()
    tab.add_edit.setText(missing.name.strip().upper())
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.add_button.click()
    assert (second, missing.id) in assignments(sb)
    assert tab.model.rowCount() == len(by_contact[second]) + 1

    # a new name: confirmed, created, applied
    tab.add_edit.setText("Met at the Zürich fair ✨")
    tab.add_typed()
    box = tab.active_dialog
    assert box is not None and "Met at the Zürich fair" in box.text()
    assert "saved as" in box.informativeText()
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        box.accept()
    new_id = tag_id(sb, "Met at the Zürich fair")
    assert (second, new_id) in assignments(sb)

    # remove two selected tags
    rows = [r for r in range(tab.model.rowCount()) if tab.model.applied(r).tag.id in (missing.id, new_id)]
    for r in rows:
        tab.view.selectionModel().select(tab.model.index(r, 0), tab.view.selectionModel().SelectionFlag.Select
                                         | tab.view.selectionModel().SelectionFlag.Rows)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.remove_button.click()
    assert {t for c, t in assignments(sb) if c == second} == by_contact[second]

    tab.set_contact(None)
    assert not tab.isEnabled() and tab.model.rowCount() == 0
    assert errors == []
