"""Tag health…: near-duplicates, empty tags, tags without category or description.

The view Keap never had (pain point 3). Near-duplicate groups come with "Merge tag B
into A": A is applied wherever B is and A is missing, then B is removed everywhere,
through the same dry run / progress / report as every bulk job. Empty tags can be
retired (XML-RPC cannot delete tags), names with stray spaces tidied. Member counts
come from one pass over the assignments; the dialog reads them itself unless the tag
list already has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import Cancellable
from app.core.tag_health import DuplicateGroup, TagHealth, is_untidy, tag_health
from app.core.tags import Tag, TagCategory
from app.jobs import plan_merge
from app.services.tags import TagsService
from app.ui.dialogs.job_flow import REPORT, BulkJobFlow, compact
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.models.tags_model import shown_name
from app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
Loaded = tuple[list[TagCategory], list[Tag]]


def load_counted(service: TagsService, cancel: Cancellable) -> Loaded:
    """Categories and tags with complete member counts (one pass over the assignments)."""
    catalog = service.catalog(cancel, refresh=True)
    last = None
    for snapshot in service.member_counts(cancel):
        last = snapshot
    tags = [t.with_count(last.count_of(t.id) if last is not None else 0) for t in catalog.tags]
    return list(catalog.categories), tags


class HealthTagsModel(RecordTableModel):
    """A list of tags: name, category, members, description."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._categories: dict[int, str] = {}
        super().__init__([
            Column("Name", lambda t: shown_name(t.name)),
            Column("Category", lambda t: self._categories.get(t.category_id or 0, "") or "\u2014"),
            Column("Members", lambda t: "" if t.member_count is None else f"{t.member_count:,}",
                   sort_key=lambda t: t.member_count or 0, right=True),
            Column("Description", lambda t: t.description),
        ], parent)

    def set_tags(self, tags: Sequence[Tag], categories: dict[int, str]) -> None:
        self._categories = categories
        self.set_rows(tags)

    def tag(self, row: int) -> Tag:
        return self._rows[row]  # type: ignore[no-any-return]


class TagHealthDialog(QDialog):
    """The tag health report with merge, retire and tidy actions.

    Signals:
        loaded(object): the :class:`TagHealth` shown (after each load).
    """

    loaded = Signal(object)

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                 service: TagsService, *, tags: list[Tag] | None = None,
                 categories: list[TagCategory] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tag health")
        self.resize(760, 560)
        self.runner = runner
        self.presenter = presenter
        self.service = service
        self.health: TagHealth | None = None
        self._categories: dict[int, str] = {}
        self._groups: list[DuplicateGroup] = []
        self._tags: list[Tag] = []

        self.stack = QStackedWidget()
        self.stack.addWidget(self._health_page())
        self.back_button = QPushButton("Back to tag health")
        self.flow = BulkJobFlow(runner, presenter, self)
        self.flow.back_requested.connect(self._back)
        self.flow.page_changed.connect(lambda page: self.back_button.setVisible(page == REPORT))
        self.back_button.clicked.connect(self._back_and_reload)
        self.back_button.hide()
        merge_page = QWidget()
        merge_box = QVBoxLayout(merge_page)
        merge_box.setContentsMargins(0, 0, 0, 0)
        merge_box.addWidget(self.flow, 1)
        merge_box.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.stack.addWidget(merge_page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(buttons)
        if tags is not None and categories is not None and all(t.member_count is not None for t in tags):
            self.show_health(categories, tags)
        else:
            self.reload()

    # -- the report page -------------------------------------------------------------------------------

    def _health_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("Counting members of every tag…")
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        self.tabs = QTabWidget()
        box.addWidget(self.tabs, 1)

        dup = QWidget()
        dup_box = QVBoxLayout(dup)
        hint = QLabel("Names that differ only in case, spacing, punctuation, accents or a plural. "
                      "Merging moves every contact of one tag to the other; the emptied tag can then "
                      "be retired.")
        hint.setWordWrap(True)
        dup_box.addWidget(hint)
        self.dup_model = QStandardItemModel(self)
        self.dup_view = QTreeView()
        self.dup_view.setModel(self.dup_model)
        self.dup_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.dup_view.selectionModel().currentChanged.connect(self._duplicate_selected)
        dup_box.addWidget(self.dup_view, 1)
        self.merge_source = QComboBox()
        self.merge_target = QComboBox()
        self.merge_button = QPushButton("Merge…")
        self.merge_button.clicked.connect(lambda _checked=False: self.start_merge())
        row = QHBoxLayout()
        row.addWidget(QLabel("Merge"))
        row.addWidget(self.merge_source, 1)
        row.addWidget(QLabel("into"))
        row.addWidget(self.merge_target, 1)
        row.addWidget(self.merge_button)
        dup_box.addLayout(row)
        self.tabs.addTab(dup, "Near-duplicates")

        self.empty_model, self.empty_view = self._tag_tab(
            "Empty", "Tags no contact has. Retiring moves them to the \u201cArchive\u201d category with a "
            "\u201czz-retired\u201d prefix (XML-RPC cannot delete tags).", "Retire selected",
            self.retire_selected)
        self.untidy_model, self.untidy_view = self._tag_tab(
            "Untidy names", "Spaces at the ends or doubled inside: Keap shows these like other tags.",
            "Tidy selected names", self.tidy_selected)
        self.nocat_model, _ = self._tag_tab(
            "No category", "Use \u201cMove to category\u201d in the tag list to file these.", "", None)
        self.nodesc_model, _ = self._tag_tab(
            "No description", "Use \u201cEdit description\u201d in the tag list: say what the tag means.",
            "", None)
        self._update_merge()
        return page

    def _tag_tab(self, title: str, hint: str, action: str,
                 slot: Any) -> tuple[HealthTagsModel, QTableView]:
        tab = QWidget()
        box = QVBoxLayout(tab)
        label = QLabel(hint)
        label.setWordWrap(True)
        box.addWidget(label)
        model = HealthTagsModel(self)
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().hide()
        view.setWordWrap(False)
        compact(view)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        box.addWidget(view, 1)
        if action:
            button = QPushButton(action)
            button.clicked.connect(slot)
            box.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(tab, title)
        return model, view

    # -- loading ----------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.summary.setText("Counting members of every tag (one pass over all tag assignments)…")
        self.runner.run(partial(load_counted, self.service), on_done=lambda r: self.show_health(*r),
                        on_error=partial(self.presenter.present, context="Tag health"), key="tag-health.load",
                        owner=self)

    def show_health(self, categories: list[TagCategory], tags: list[Tag]) -> None:
        health = self.health = tag_health(tags, categories)
        self._categories = {c.id: c.name for c in categories}
        self._tags = list(tags)
        self._groups = list(health.duplicates)
        self.summary.setText(
            f"{len(tags):,} tags in {len(categories):,} categories: {len(health.duplicates)} "
            f"group{'s' if len(health.duplicates) != 1 else ''} of near-duplicates, "
            f"{len(health.empty)} empty, {len(health.uncategorised)} without category, "
            f"{len(health.undescribed)} without description, {len(health.untidy)} with untidy names.")
        self.dup_model.clear()
        self.dup_model.setHorizontalHeaderLabels(["Name", "Members", "Category"])
        bold = QFont()
        bold.setBold(True)
        for group in self._groups:
            head = QStandardItem(f"{len(group.tags)} tags like \u201c{group.target.name.strip()}\u201d")
            head.setFont(bold)
            head.setEditable(False)
            for tag in group.tags:
                suggested = " (suggested to keep)" if tag is group.target else ""
                cells = [QStandardItem(shown_name(tag.name) + suggested),
                         QStandardItem("" if tag.member_count is None else f"{tag.member_count:,}"),
                         QStandardItem(self._categories.get(tag.category_id or 0, "\u2014"))]
                for cell in cells:
                    cell.setEditable(False)
                cells[1].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                head.appendRow(cells)
            self.dup_model.appendRow([head, _blank(), _blank()])
        self.dup_view.expandAll()
        self.dup_view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lists = ((self.empty_model, health.empty), (self.untidy_model, health.untidy),
                 (self.nocat_model, health.uncategorised), (self.nodesc_model, health.undescribed))
        for model, found in lists:
            model.set_tags(found, self._categories)
        for view in self.findChildren(QTableView):
            view.resizeColumnsToContents()
        titles = (f"Near-duplicates ({len(health.duplicates)})", f"Empty ({len(health.empty)})",
                  f"Untidy names ({len(health.untidy)})", f"No category ({len(health.uncategorised)})",
                  f"No description ({len(health.undescribed)})")
        for i, title in enumerate(titles):
            self.tabs.setTabText(i, title)
        if self._groups:
            self.select_group(0)
        self._update_merge()
        self.loaded.emit(health)

    # -- merging -------------------------------------------------------------------------------------

    def select_group(self, row: int, source_id: int | None = None) -> None:
        """Fill the merge choice from one duplicate group (B defaults to a non-suggested tag)."""
        group = self._groups[row]
        for box in (self.merge_source, self.merge_target):
            box.clear()
            for tag in group.tags:
                count = "" if tag.member_count is None else f" ({tag.member_count:,})"
                box.addItem(shown_name(tag.name) + count, tag.id)
        self.merge_target.setCurrentIndex(0)
        source = source_id if source_id is not None and source_id != group.target.id else group.others[0].id
        self.merge_source.setCurrentIndex(max(0, self.merge_source.findData(source)))
        self._update_merge()

    def _duplicate_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        parent = current.parent()
        if parent.isValid():
            group_row = parent.row()
            tag = self._groups[group_row].tags[current.row()]
            self.select_group(group_row, tag.id)
        else:
            self.select_group(current.row())

    def _update_merge(self) -> None:
        a, b = self.merge_target.currentData(), self.merge_source.currentData()
        self.merge_button.setEnabled(a is not None and b is not None and a != b)

    def start_merge(self, source_id: int | None = None, target_id: int | None = None) -> None:
        """Dry run of merging B (``source_id``) into A (``target_id``); default: the chosen pair."""
        b = int(source_id if source_id is not None else self.merge_source.currentData())
        a = int(target_id if target_id is not None else self.merge_target.currentData())
        if a == b:
            return
        service = self.service
        self.stack.setCurrentIndex(1)
        self.flow.start_planning(lambda token: plan_merge(service, b, a, token),
                                 "Reading who has each of the two tags (reads only)…")

    def _back(self) -> None:
        self.stack.setCurrentIndex(0)

    def _back_and_reload(self) -> None:
        self._back()
        self.reload()

    # -- retire and tidy ---------------------------------------------------------------------------

    def _selected(self, view: QTableView, model: HealthTagsModel) -> list[Tag]:
        return [model.tag(i.row()) for i in view.selectionModel().selectedRows()]

    def retire_selected(self) -> None:
        self.retire(self._selected(self.empty_view, self.empty_model))

    def retire(self, tags: list[Tag]) -> None:
        if not tags:
            return
        service = self.service

        def work(token: Cancellable) -> None:
            for tag in tags:
                service.retire_tag(tag, token)

        self.runner.run(work, lane="write", on_done=self._written, description="retire tags",
                        on_error=partial(self._write_failed, "Retiring tags"), owner=self)

    def tidy_selected(self) -> None:
        self.tidy(self._selected(self.untidy_view, self.untidy_model))

    def tidy(self, tags: list[Tag]) -> None:
        """Rename to the tidy form, except where that name is taken (merge those instead)."""
        taken = {t.name.strip().casefold() for t in self._tags}
        todo = [(t, " ".join(t.name.split())) for t in tags if is_untidy(t.name)]
        todo = [(t, n) for t, n in todo if n.casefold() not in taken - {t.name.strip().casefold()}]
        if not todo:
            self.presenter.status_message.emit(
                "Those names are taken by other tags: merge them instead.", 8000)
            return
        service = self.service

        def work(token: Cancellable) -> None:
            for tag, name in todo:
                service.rename_tag(tag, name, token)

        self.runner.run(work, lane="write", on_done=self._written, description="tidy tag names",
                        on_error=partial(self._write_failed, "Tidying tag names"), owner=self)

    def _written(self, _result: object) -> None:
        """Read the health report again (the window's panes follow the change feed). Closed
        meanwhile, the dialog gets nothing; a failure then reaches the main window's presenter."""
        self.reload()

    def _write_failed(self, context: str, error: BaseException) -> None:
        self.presenter.present(error, context)
        self._written(None)

    def reject(self) -> None:  # override: a running merge is cancelled first
        if self.stack.currentIndex() == 1 and self.flow.busy:
            self.flow.cancel_job()
            return
        super().reject()


def _blank() -> QStandardItem:
    item = QStandardItem("")
    item.setEditable(False)
    return item


def open_tag_health(parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                    service: TagsService, *, tags: list[Tag] | None = None,
                    categories: list[TagCategory] | None = None) -> TagHealthDialog:
    """Open the tag health dialog (non-blocking) and return it."""
    dialog = TagHealthDialog(parent, runner, presenter, service, tags=tags, categories=categories)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
