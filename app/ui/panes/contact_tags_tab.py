"""A contact's Tags tab: the tags on one contact, when each was applied, add and remove.

Loads only when shown (a hidden tab costs no calls) and on a worker; a reply for a
contact that is no longer selected is dropped. Dates are shown in the computer's
local time with Keap's stored Eastern time in the tooltip. Adding completes tag
names as you type; a name that is not a tag yet creates one after the user confirms
(showing what Keap will store). Every change goes through the tags service on the
write lane.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import Cancellable
from app.core.display import display_text, eastern_text
from app.core.tags import AppliedTag, Tag
from app.services.changes import Changes
from app.services.tags import Catalog, TagsService, preview_name
from app.ui.dialog_host import show_dialog
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class AppliedTagsModel(RecordTableModel):
    """Tag, category, date applied (local time; Keap's Eastern time in the tooltip)."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._catalog: Catalog | None = None
        super().__init__([
            Column("Tag", lambda a: a.tag.name, sort_key=lambda a: a.tag.name.casefold(),
                   tooltip=lambda a: a.tag.description or None),
            Column("Category", self._category, tooltip=lambda a: a.tag.description or None),
            Column("Applied", lambda a: display_text(a.date_applied) if a.date_applied is not None else "",
                   sort_key=lambda a: a.date_applied,
                   tooltip=lambda a: f"Stored by Keap as {eastern_text(a.date_applied)}"
                   if a.date_applied is not None else a.tag.description or None),
        ], parent)

    def _category(self, applied: AppliedTag) -> str:
        return self._catalog.category_name(applied.tag.category_id) if self._catalog else ""

    def set_rows(self, rows: Sequence[AppliedTag], catalog: Catalog | None = None) -> None:
        self._catalog = catalog
        super().set_rows(rows)

    def record_id(self, record: AppliedTag) -> int:
        return record.tag.id

    def applied(self, row: int) -> AppliedTag:
        return self._rows[row]  # type: ignore[no-any-return]

    def tag_ids(self) -> set[int]:
        return {a.tag.id for a in self._rows}


class ContactTagsTab(QWidget):
    """The Tags tab of the contact editor.

    Signals:
        loaded(int): the tags of this contact are shown.
        changed(int): a tag was applied to or removed from this contact.
    """

    loaded = Signal(int)
    changed = Signal(int)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: TagsService,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.presenter = presenter
        self.service = service
        self.contact_id: int | None = None
        self.catalog: Catalog | None = None
        self.active_dialog: QMessageBox | None = None
        self._stale = False
        self._loaded_for: int | None = None

        self.model = AppliedTagsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.status = QLabel()
        self.add_edit = QLineEdit()
        self.add_edit.setPlaceholderText("Add a tag: type its name…")
        self.add_edit.returnPressed.connect(self.add_typed)
        self.add_edit.textChanged.connect(lambda _t: self._update_buttons())
        self.names = QStringListModel(self)
        self.completer = QCompleter(self.names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_edit.setCompleter(self.completer)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_typed)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)

        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_edit, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.set_contact(None)

    # -- which contact --------------------------------------------------------------------------

    def set_contact(self, contact_id: int | None) -> None:
        """Show this contact's tags (loaded now if visible, else when first shown)."""
        self.contact_id = contact_id
        self.model.set_rows([], self.catalog)
        self._loaded_for = None
        self.setEnabled(contact_id is not None)
        self.status.setText("" if contact_id is not None else "No contact selected.")
        self._stale = contact_id is not None
        if self._stale and self.isVisible():
            self.reload()
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # override
        super().showEvent(event)
        if self._stale and self.contact_id is not None:
            self.reload()

    def reload(self) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        self._stale = False
        self.status.setText("Loading tags…")
        service = self.service

        def load(token: Cancellable) -> tuple[Catalog, list[AppliedTag]]:
            return service.catalog(token), service.contact_tags(contact_id, token)

        self.runner.run(load, on_done=partial(self._loaded, contact_id),
                        on_error=partial(self._failed, contact_id), key="contact-tags-tab.load",
                        description="load a contact's tags")

    def _loaded(self, contact_id: int, result: tuple[Catalog, list[AppliedTag]]) -> None:
        if contact_id != self.contact_id:
            return  # the user has moved on to another contact
        self.catalog, rows = result
        self.model.set_rows(rows, self.catalog)
        self.view.resizeColumnToContents(1)
        self.view.resizeColumnToContents(2)
        self.names.setStringList(sorted((t.name.strip() for t in self.catalog.tags), key=str.casefold))
        self.status.setText(f"{len(rows)} tag{'s' if len(rows) != 1 else ''}")
        self._loaded_for = contact_id
        self._update_buttons()
        self.loaded.emit(contact_id)

    def _failed(self, contact_id: int, error: BaseException) -> None:
        if contact_id == self.contact_id:
            self.status.setText("Could not load the tags.")
            self.presenter.present(error, "Loading the contact's tags")

    def _update_buttons(self) -> None:
        ready = self._loaded_for is not None and self._loaded_for == self.contact_id
        self.add_button.setEnabled(ready and bool(preview_name(self.add_edit.text())))
        self.remove_button.setEnabled(ready and self.view.selectionModel().hasSelection())

    # -- changes -----------------------------------------------------------------------------------

    def add_typed(self) -> None:
        """Apply the typed tag; a new name is created after confirmation."""
        typed = self.add_edit.text()
        if not preview_name(typed) or self.catalog is None or self.contact_id is None:
            return
        tag = self.catalog.find_tag(typed)
        if tag is not None:
            if tag.id in self.model.tag_ids():
                self.status.setText(f"The contact already has \u201c{tag.name.strip()}\u201d.")
                return
            self.apply(tag)
            return
        saved = preview_name(typed)
        box = QMessageBox(QMessageBox.Icon.Question, "New tag",
                          f"There is no tag \u201c{saved}\u201d yet. Create it and apply it to this contact?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        if saved != typed.strip():
            box.setInformativeText(f"Keap stores only Western European characters: it will be saved as "
                                   f"\u201c{saved}\u201d.")
        box.accepted.connect(lambda: self.create_and_apply(saved))
        show_dialog(self, box)

    def apply(self, tag: Tag) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        self._write(contact_id, f"Applying \u201c{tag.name.strip()}\u201d",
                    lambda t: self.service.apply_tag(contact_id, tag.id, t))

    def create_and_apply(self, name: str) -> None:
        contact_id = self.contact_id
        if contact_id is None:
            return
        service = self.service

        def work(token: Cancellable) -> None:
            tag = service.create_tag(name, None, "", token)
            service.apply_tag(contact_id, tag.id, token)

        self._write(contact_id, f"Creating and applying \u201c{name}\u201d", work)

    def remove_selected(self) -> None:
        contact_id = self.contact_id
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if contact_id is None or not rows:
            return
        tags = [self.model.applied(r).tag for r in rows]
        service = self.service

        def work(token: Cancellable) -> None:
            for tag in tags:
                service.remove_tag(contact_id, tag.id, token)

        self._write(contact_id, "Removing tags", work)

    def _write(self, contact_id: int, what: str, fn: Any) -> None:
        self.status.setText(what + "…")
        self.add_button.setEnabled(False)
        self.remove_button.setEnabled(False)

        def done(_result: object) -> None:
            self.add_edit.clear()
            self.changed.emit(contact_id)

        def failed(error: BaseException) -> None:
            self.status.setText(f"{what}: not done.")
            self._update_buttons()
            self.presenter.present(error, what)

        # the tab reloads through apply_changes, after a failure too (Keap may have made it)
        self.runner.run(fn, lane="write", on_done=done, on_error=failed, description=what, owner=self)

    def apply_changes(self, changes: Changes) -> None:
        """Writes happened: reload if this contact's tags, or the tags' names, changed."""
        if self.contact_id is None:
            return
        if self.contact_id in changes.contact_tags or changes.tag_catalog:
            self._stale = True
            if self.isVisible():
                self.reload()
