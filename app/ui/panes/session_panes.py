"""The panes that belong to one session: the tags pane and the contact's record tabs.

They are built per session because each is bound to that session's services; the
workspace installs them when a session opens and drops them when it closes, so no
widget ever talks to a closed connection. This module also owns the work that
crosses panes: a tag selection filters the contacts table, the selected contact
reaches every tab, and every write's :class:`~app.services.changes.Changes` (from the
session's change feed, whoever wrote) reach every pane in :meth:`SessionPanes.apply_changes`,
the one place the window refreshes after writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from app.core.cancel import Cancellable
from app.core.display import contact_name
from app.jobs.bulk_tags import Scope
from app.services.changes import Changes
from app.services.session import Session
from app.ui.changes import ChangeRouter
from app.ui.dialog_host import show_dialog
from app.ui.dialogs.achieve_goal import open_achieve_goal
from app.ui.dialogs.bulk_tags import open_bulk_tags
from app.ui.dialogs.duplicates import DuplicatesDialog, open_duplicates
from app.ui.dialogs.import_contacts import ImportDialog
from app.ui.dialogs.tag_health import open_tag_health
from app.ui.errors import ErrorPresenter
from app.ui.panes.contact_editor import ContactEditor
from app.ui.panes.contact_tags_tab import ContactTagsTab
from app.ui.panes.contacts import ContactsPane
from app.ui.panes.records import RecordTab, create_record_tabs
from app.ui.panes.tags_pane import TagsPane
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.workspace")


class SessionPanes:
    """Builds, wires and tears down the session-bound panes of the workspace."""

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, session: Session,
                 contacts: ContactsPane, editor: ContactEditor, splitter: QSplitter,
                 tabs: QTabWidget) -> None:
        self.session = session
        self._runner = runner
        self._presenter = presenter
        self._contacts = contacts
        self._editor = editor
        self._splitter = splitter
        self._tabs = tabs
        self.tags_pane = TagsPane(runner, presenter, session.tags)
        self.tags_pane.setObjectName("tags_pane")
        sizes = splitter.sizes()
        self._placeholder = splitter.replaceWidget(0, self.tags_pane)
        if self._placeholder is not None:
            self._placeholder.hide()
        splitter.setSizes(sizes)  # the tags pane takes the placeholder's room
        self.tags_tab = ContactTagsTab(runner, presenter, session.tags)
        self.record_tabs: list[tuple[str, RecordTab]] = create_record_tabs(runner, presenter, session.records)
        tabs.addTab(self.tags_tab, "Tags")
        for title, tab in self.record_tabs:
            tabs.addTab(tab, title)

        self.tags_pane.tag_filter_changed.connect(self._on_tag_filter)
        self._contacts.tag_filter_cleared.connect(lambda: self.tags_pane.select_tags([]))
        self.changes = ChangeRouter(session.changes, self.tags_pane)
        self.changes.changed.connect(self.apply_changes)
        self.tags_pane.refresh()

    # -- cross-pane work ---------------------------------------------------------------------

    def _on_tag_filter(self, value: object) -> None:
        assert isinstance(value, tuple) and len(value) == 2
        tag_ids, mode = value
        ids = tuple(int(t) for t in tag_ids)
        names = {t.id: t.name.strip() for t in self.tags_pane.model.tags()}
        self._contacts.set_tag_filter(ids, str(mode), tuple(names.get(t, f"Tag {t}") for t in ids))

    def apply_changes(self, changes: Changes) -> None:
        """What writes changed reaches every pane; each refreshes only what they touched."""
        model = self._contacts.model
        if changes.tags_changed or changes.contacts_added:
            self.session.contacts.forget_searches()  # cached id lists may be stale now
        if changes.contacts_added or (changes.tags_changed and model.query.tag_ids):
            self._contacts.refresh()  # which rows match has changed
        else:
            for contact_id in changes.contacts_removed:
                model.remove_contact(contact_id)
            for contact_id, values in changes.contact_values.items():
                model.update_contact(contact_id, dict(values))
        for contact_id, values in changes.contact_values.items():
            self._editor.contact_changed(contact_id, dict(values))  # unsaved edits are kept
        self.tags_pane.apply_changes(changes)
        self.tags_tab.apply_changes(changes)
        for _title, tab in self.record_tabs:
            tab.apply_changes(changes)

    def refresh(self) -> None:
        """Read everything again: the tag list and counts and the visible tab (F5)."""
        self.tags_pane.refresh()
        tabs: list[ContactTagsTab | RecordTab] = [self.tags_tab, *(t for _title, t in self.record_tabs)]
        for tab in tabs:
            if tab.isVisible():
                tab.reload()

    def show_contact(self, contact_id: int | None) -> None:
        self.tags_tab.set_contact(contact_id)
        for _title, tab in self.record_tabs:
            tab.set_contact(contact_id)

    # -- commands for the window's menus ------------------------------------------------------

    def bulk_tags_on_selection(self, parent: QWidget, action: str = "apply") -> None:
        ids = self._contacts.selected_contact_ids()
        if not ids:
            self._presenter.status_message.emit("Select one or more contacts first.", 5000)
            return
        model = self._contacts.model
        rows = (model.record(row) for contact_id in ids if (row := model.row_of(contact_id)) is not None)
        names = {int(r["Id"]): contact_name(r) for r in rows if r is not None}
        open_bulk_tags(parent, self._runner, self._presenter, self.session.tags, Scope.selected(ids, names),
                       action=action)  # type: ignore[arg-type]

    def bulk_tags_on_search(self, parent: QWidget, action: str = "apply") -> None:
        service, model = self.session.contacts, self._contacts.model
        query, expected, cut_ids = model.query, model.known_rows, model.cut_ids()

        def matching(cancel: Cancellable) -> Iterable[tuple[int, str]]:  # names for the report, same calls
            fields = ["Id", "FirstName", "LastName", "Email"]
            rows = service.iter_rows(query, fields, cancel, expected=expected, cut_ids=cut_ids)
            return ((int(row["Id"]), contact_name(row)) for row in rows)

        # the scope named as it is: the search text and every filter, tags included
        words = [f"matching \u201c{query.text}\u201d" if query.text else "", self._contacts.filter_text()]
        described = " and ".join(w for w in words if w)
        scope = Scope.matching(matching, f"contacts {described}" if described else "every contact")
        open_bulk_tags(parent, self._runner, self._presenter, self.session.tags, scope,
                       action=action)  # type: ignore[arg-type]

    def tag_health(self, parent: QWidget) -> None:
        open_tag_health(parent, self._runner, self._presenter, self.session.tags)

    def find_duplicates(self, parent: QWidget) -> DuplicatesDialog:
        """Find duplicates… over the current search (or, as the dialog offers, the whole account)."""
        return open_duplicates(parent, self._runner, self._presenter, self.session.duplicates,
                               self._contacts.model.query)

    def import_contacts(self, parent: QWidget, path: Path, settings: Any = None) -> ImportDialog:
        """File > Import contacts…: the columns page, the dry run, then the journalled job."""
        dialog = ImportDialog(parent, self._runner, self._presenter, self.session, path, settings)
        show_dialog(parent, dialog)
        return dialog

    def achieve_goal(self, parent: QWidget) -> None:
        ids = self._contacts.selected_contact_ids()
        if not ids:
            self._presenter.status_message.emit("Select one or more contacts first.", 5000)
            return
        open_achieve_goal(parent, self._runner, self._presenter, self.session.records, ids)

    # -- teardown ----------------------------------------------------------------------------

    def close(self) -> None:
        """Remove every session-bound widget and put the placeholder back."""
        self.changes.close()
        self.show_contact(None)
        for widget in [self.tags_tab, *(tab for _t, tab in self.record_tabs)]:
            index = self._tabs.indexOf(widget)
            if index >= 0:
                self._tabs.removeTab(index)
            widget.deleteLater()
        if self._placeholder is not None:
            self._splitter.replaceWidget(0, self._placeholder)
            self._placeholder.show()
        self.tags_pane.deleteLater()
