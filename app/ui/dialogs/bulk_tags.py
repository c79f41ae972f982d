"""Tags > Apply/remove tags…: choose tags and apply or remove them for many contacts.

First the choice (scope shown, tags checked in a filterable list, apply or remove),
then the shared :class:`~app.ui.dialogs.job_flow.BulkJobFlow`: the dry run, progress
with Cancel, and the report with "Retry failed". :func:`open_bulk_tags` is the entry
point the main window calls; the dialog opens with ``open()`` and never blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import Cancellable
from app.core.tags import Tag
from app.jobs import Scope, plan_bulk
from app.jobs.bulk_tags import Action
from app.services.tags import Catalog, TagsService
from app.ui.dialogs.job_flow import BulkJobFlow
from app.ui.errors import ErrorPresenter
from app.ui.models.tags_model import fold
from app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
ScopeLike = Scope | Sequence[int] | Callable[[Cancellable], Iterable[int]]


class TagChecklistModel(QAbstractListModel):
    """Tags with check boxes, "Category › Tag" sorted by category then name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tags: list[tuple[Tag, str]] = []
        self._checked: set[int] = set()

    def set_catalog(self, catalog: Catalog) -> None:
        self.beginResetModel()
        rows = [(t, catalog.category_name(t.category_id)) for t in catalog.tags]
        self._tags = sorted(rows, key=lambda r: (r[1] == "", r[1].casefold(), r[0].name.strip().casefold()))
        self.endResetModel()

    def set_checked(self, tag_ids: Iterable[int]) -> None:
        self._checked = set(tag_ids)
        if self._tags:
            self.dataChanged.emit(self.index(0), self.index(len(self._tags) - 1),
                                  [Qt.ItemDataRole.CheckStateRole])

    def checked(self) -> list[int]:
        """Checked tag ids, in list order."""
        return [t.id for t, _ in self._tags if t.id in self._checked]

    def rowCount(self, parent: Index = _ROOT) -> int:  # override
        return 0 if parent.isValid() else len(self._tags)

    def flags(self, index: Index) -> Qt.ItemFlag:  # override
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # override
        if not index.isValid():
            return None
        tag, category = self._tags[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{category} \u203a {tag.name}" if category else tag.name
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if tag.id in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:
            return tag.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return tag.description or None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # override
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        tag_id = self._tags[index.row()][0].id
        state = value.value if hasattr(value, "value") else value
        if state == Qt.CheckState.Checked.value:
            self._checked.add(tag_id)
        else:
            self._checked.discard(tag_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


class BulkTagsDialog(QDialog):
    """Choose tags and apply/remove them for a scope of contacts; dry run first.

    The window's panes follow the job through the session's change feed, not this dialog.
    """

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                 service: TagsService, scope: Scope, *, tag_ids: Sequence[int] = (),
                 action: Action = "apply") -> None:
        super().__init__(parent)
        self.setWindowTitle("Apply or remove tags")
        self.resize(620, 520)
        self.runner = runner
        self.presenter = presenter
        self.service = service
        self.scope = scope

        self.stack = QStackedWidget()
        self.flow = BulkJobFlow(runner, presenter, self)
        self.flow.back_requested.connect(lambda: self.stack.setCurrentIndex(0))
        self.stack.addWidget(self._choose_page())
        self.stack.addWidget(self.flow)
        self.close_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.close_box)
        self.set_action(action)
        self._wanted = list(tag_ids)
        runner.run(lambda token: service.catalog(token), on_done=self._catalog_loaded,
                   on_error=partial(presenter.present, context="Loading tags"), key="bulk-tags.catalog",
                   owner=self)

    def _choose_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.scope_label = QLabel(f"<b>Contacts:</b> {_esc(self.scope.description)}")
        self.scope_label.setWordWrap(True)
        box.addWidget(self.scope_label)
        self.apply_radio = QRadioButton("Apply the tags")
        self.remove_radio = QRadioButton("Remove the tags")
        group = QButtonGroup(page)
        group.addButton(self.apply_radio)
        group.addButton(self.remove_radio)
        radios = QHBoxLayout()
        radios.addWidget(self.apply_radio)
        radios.addWidget(self.remove_radio)
        radios.addStretch(1)
        box.addLayout(radios)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter tags…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        box.addWidget(self.filter_edit)
        self.tag_model = TagChecklistModel(self)
        self.tag_model.dataChanged.connect(self._update)
        self.tag_model.modelReset.connect(self._update)
        self.tag_list = QListView()
        self.tag_list.setModel(self.tag_model)
        self.tag_list.setUniformItemSizes(True)
        box.addWidget(self.tag_list, 1)
        self.chosen_label = QLabel()
        self.dry_run_button = QPushButton("Dry run…")
        self.dry_run_button.setDefault(True)
        self.dry_run_button.clicked.connect(self.start_dry_run)
        row = QHBoxLayout()
        row.addWidget(self.chosen_label, 1)
        row.addWidget(self.dry_run_button)
        box.addLayout(row)
        return page

    # -- driving (also from tests) -------------------------------------------------------------------

    def set_action(self, action: Action) -> None:
        (self.apply_radio if action == "apply" else self.remove_radio).setChecked(True)

    @property
    def action(self) -> Action:
        return "apply" if self.apply_radio.isChecked() else "remove"

    def set_tags(self, tag_ids: Iterable[int]) -> None:
        self._wanted = list(tag_ids)
        self.tag_model.set_checked(self._wanted)

    def start_dry_run(self) -> None:
        tag_ids = self.tag_model.checked()
        if not tag_ids:
            return
        service, scope, action = self.service, self.scope, self.action
        self.stack.setCurrentIndex(1)
        self.flow.start_planning(lambda token: plan_bulk(service, scope, tag_ids, action, token),
                                 "Finding the contacts and who already has the tags (reads only)…")

    # -- internals ------------------------------------------------------------------------------------

    def _catalog_loaded(self, catalog: Catalog) -> None:
        self.tag_model.set_catalog(catalog)
        self.tag_model.set_checked(self._wanted)

    def _filter(self, text: str) -> None:
        needle = fold(text.strip())
        for row in range(self.tag_model.rowCount()):
            shown = str(self.tag_model.data(self.tag_model.index(row)))
            self.tag_list.setRowHidden(row, bool(needle) and needle not in fold(shown))

    def _update(self, *_: object) -> None:
        n = len(self.tag_model.checked())
        self.chosen_label.setText("No tag chosen" if n == 0 else f"{n} tag{'s' if n != 1 else ''} chosen")
        self.dry_run_button.setEnabled(n > 0)

    def reject(self) -> None:  # override: never close under a running job
        if self.flow.busy and self.stack.currentIndex() == 1:
            self.flow.cancel_job()
            return
        super().reject()


def as_scope(scope: ScopeLike) -> Scope:
    """A :class:`Scope` from selected ids or a callable yielding the current search's ids."""
    if isinstance(scope, Scope):
        return scope
    if callable(scope):
        return Scope.matching(scope)
    return Scope.selected(scope)


def open_bulk_tags(parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                   service: TagsService, scope: ScopeLike, *, tag_ids: Sequence[int] = (),
                   action: Action = "apply") -> BulkTagsDialog:
    """Open the bulk apply/remove dialog (non-blocking) and return it."""
    dialog = BulkTagsDialog(parent, runner, presenter, service, as_scope(scope), tag_ids=tag_ids,
                            action=action)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

