"""The tags pane: every tag by category with member counts, and the tag filter.

Selecting tags filters the contacts list: :attr:`TagsPane.tag_filter_changed` carries
the selected tag ids and the mode (has any / all / none of them); the main window
connects it to the contacts search. The tag list shows at once; member counts fill in
while one paged pass over the assignments runs, and after writes only the tags they
touched are counted again (:meth:`TagsPane.apply_changes`). The edit commands live in
:class:`~app.ui.panes.tag_edits.TagEdits` (``pane.edits``); their dialogs open over
the pane with ``open()``, the one showing is :attr:`TagsPane.active_dialog`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.core.gui_priority import gui_working
from app.core.tags import (
    TAG_MODES,
    MemberCounts,
    Tag,
    TagCategory,
    TagMode,
    mode_label,
)
from app.services.changes import Changes
from app.services.tags import Catalog, TagsService
from app.ui.errors import ErrorPresenter
from app.ui.models.tags_model import DESCRIPTION, MEMBERS, NAME, PENDING, TagsFilterProxy, TagsTreeModel
from app.ui.panes.tag_edits import TagEdits
from app.ui.tasks import TaskRunner, TaskToken

log = logging.getLogger("app.ui.tags")

#: Up to this many changed tags are counted one by one; more start a whole counting pass.
RECOUNT_EACH_UP_TO = 20
#: While a counting pass runs, its snapshots are shown at most this often (ms); the last at once.
COUNTS_SHOWN_EVERY_MS = 250


class TagsPane(QWidget):
    """Tags by category, with counts, filter, multi-selection and the tag actions.

    Signals:
        tag_filter_changed(object): ``(tag_ids: tuple[int, ...], mode: str)`` when the
            selection or the mode changes; empty ids mean "no tag filter".
        counts_updated(bool): new member counts arrived (True once complete).
        catalog_loaded(): the tag list was (re)loaded.
    """

    tag_filter_changed = Signal(object)
    counts_updated = Signal(bool)
    catalog_loaded = Signal()
    _counts_ready = Signal(int, object)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: TagsService,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.presenter = presenter
        self.service = service
        self.active_dialog: QDialog | QMessageBox | None = None
        self.retire_button: QPushButton | None = None
        self._generation = 0
        self._last_filter: tuple[tuple[int, ...], str] = ((), "any")
        self._select_after: set[int] = set()
        self._counts_ready.connect(self._on_counts)
        # a pass over 2,000,000 assignments sends hundreds of snapshots: show the newest, a few a second
        self._pending_counts: tuple[int, MemberCounts] | None = None
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_SHOWN_EVERY_MS)
        self._counts_timer.timeout.connect(self._show_pending_counts)

        self.model = TagsTreeModel(self)
        self.proxy = TagsFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter tags…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.mode_box = QComboBox()
        for mode in TAG_MODES:
            self.mode_box.addItem(f"Filter contacts: {mode_label(mode)} the selected tags", mode)
        self.mode_box.setToolTip("How the selected tags filter the contacts list")
        # the long item texts must not set the pane's minimum width (the table needs the room)
        self.mode_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_box.setMinimumContentsLength(18)
        self.mode_box.currentIndexChanged.connect(lambda _i: self._emit_filter())

        self.tree = QTreeView()  # its paints make no call into Python (app/ui/models/tags_model.py)
        self.tree.setModel(self.proxy)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        header = self.tree.header()
        # the name takes the room, the count column always stays visible
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        # sized from the largest count (_fit_members_column): resizing to contents measured
        # every row on each snapshot, 100 ms for 200 tags
        header.setSectionResizeMode(MEMBERS, QHeaderView.ResizeMode.Fixed)
        # descriptions are long; they live in each tag's tooltip and the tag health view
        self.tree.setColumnHidden(DESCRIPTION, True)
        self._fit_members_column()
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.status = QLabel()
        self.status.setStyleSheet("color: palette(mid);")
        self.status.setWordWrap(True)  # a long count line must not widen the pane

        self.edits = TagEdits(self)  # the edit dialogs and writes (app/ui/panes/tag_edits.py)
        self._build_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        layout.addLayout(top)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.mode_box)
        layout.addWidget(self.status)
        self._update_actions()

    # -- actions -----------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable[[], Any], tip: str, shortcut: str = "") -> QAction:
            act = QAction(text, self)
            act.setToolTip(tip)
            act.triggered.connect(lambda _checked=False: slot())
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
            return act

        edits = self.edits
        self.new_tag_action = action("New tag", edits.new_tag_dialog, "Create a tag", "Ctrl+Shift+N")
        self.new_category_action = action("New category", edits.new_category_dialog, "Create a tag category")
        self.rename_action = action("Rename", edits.rename_dialog, "Rename the tag or category", "F2")
        self.move_action = action("Move", edits.move_dialog, "Move the selected tags to another category")
        self.describe_action = action("Describe", edits.describe_dialog, "Edit the description")
        self.delete_action = action("Delete", edits.request_delete, "Delete (or retire) the selected tags",
                                    "Del")
        self.health_action = action("Health…", edits.open_health,
                                    "Empty, uncategorised and near-duplicate tags; merge and retire")
        self.bulk_action = action("Apply/remove on these contacts…", edits.open_bulk_for_selection,
                                  "Apply or remove tags for the contacts that have the selected tags")
        self.refresh_action = action("Refresh", self.refresh, "Reload tags and member counts", "F5")
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (self.new_tag_action, self.new_category_action, self.rename_action, self.move_action,
                    self.describe_action, self.delete_action, self.health_action):
            self.toolbar.addAction(act)

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for act in (self.new_tag_action, self.new_category_action, None, self.rename_action, self.move_action,
                    self.describe_action, self.delete_action, None, self.bulk_action, self.health_action,
                    self.refresh_action):
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    def _update_actions(self) -> None:
        tags = self.selected_tags()
        _is_category, category = self.selected_category()
        one = len(tags) == 1 or (not tags and category is not None)
        self.rename_action.setEnabled(one)
        self.describe_action.setEnabled(one)
        self.move_action.setEnabled(bool(tags))
        self.delete_action.setEnabled(bool(tags) or category is not None)
        self.bulk_action.setEnabled(bool(tags))

    # -- selection and the tag filter ----------------------------------------------------------------

    def selected_tags(self) -> list[Tag]:
        out = []
        for index in self.tree.selectionModel().selectedRows(NAME):
            tag = self.model.tag_at(self.proxy.mapToSource(index))
            if tag is not None:
                out.append(tag)
        return out

    def selected_category(self) -> tuple[bool, TagCategory | None]:
        """(a category row is current and no tag is selected, that category)."""
        rows = self.tree.selectionModel().selectedRows(NAME)
        if len(rows) != 1:
            return False, None
        return self.model.group_at(self.proxy.mapToSource(rows[0]))

    def select_tags(self, tag_ids: list[int] | tuple[int, ...]) -> None:
        """Select exactly these tags (the filter follows)."""
        selection = QItemSelection()
        for tag_id in tag_ids:
            index = self.proxy.mapFromSource(self.model.index_of_tag(tag_id))
            if index.isValid():
                selection.select(index, index.siblingAtColumn(self.proxy.columnCount(index.parent()) - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.tree.selectionModel().select(selection, flags)

    def set_mode(self, mode: TagMode) -> None:
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(mode)))

    @property
    def mode(self) -> TagMode:
        found: TagMode = self.mode_box.currentData() or "any"
        return found

    def _selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        self._update_actions()
        self._emit_filter()

    def _emit_filter(self) -> None:
        ids = tuple(sorted(t.id for t in self.selected_tags()))
        value = (ids, str(self.mode))
        if value != self._last_filter:
            self._last_filter = value
            self.tag_filter_changed.emit(value)

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        if text.strip():
            self.tree.expandAll()

    # -- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the tag list, then count members again (the list is usable meanwhile)."""
        self._load_catalog(recount=True)

    def _load_catalog(self, *, recount: bool) -> None:
        self.status.setText("Loading tags…")
        self.runner.run(lambda token: self.service.catalog(token, refresh=True),
                        on_done=partial(self._catalog_loaded, recount), on_error=self._load_failed,
                        key="tags-pane.catalog", description="load tags")

    def _load_failed(self, error: BaseException) -> None:
        self.status.setText("Could not load the tags.")
        self.presenter.present(error, "Loading tags")

    def _catalog_loaded(self, recount: bool, catalog: Catalog) -> None:
        keep = self._select_after or {t.id for t in self.selected_tags()}
        self._select_after = set()
        with gui_working():  # an item per cell is made in Python: decoding workers wait meanwhile
            self.model.set_catalog(catalog.categories, catalog.tags)
            self.tree.expandAll()
        if keep:
            self.select_tags(sorted(keep))
        self._emit_filter()
        self._show_status()
        self.catalog_loaded.emit()
        if recount:
            self._count()

    def _count(self) -> None:
        self._generation += 1
        generation = self._generation
        emit = self._counts_ready.emit  # thread-safe: delivered on the GUI thread

        runner = self.runner

        def count(token: TaskToken) -> None:
            # a background pass: before each page, let the visible table's pages go first
            runner.wait_for_foreground(token)
            for snapshot in self.service.member_counts(token):
                emit(generation, snapshot)
                runner.wait_for_foreground(token)

        self.runner.run(count, on_error=partial(self._counts_failed, generation), key="tags-pane.counts",
                        lane="background", description="count tag members")

    def apply_changes(self, changes: Changes) -> None:
        """Writes happened: reload the tag list if it changed, and count again only the tags
        whose members changed (one cheap read each), or every tag when that is unknown."""
        if changes.tag_catalog:
            self._load_catalog(recount=changes.every_tag_count)
        elif changes.every_tag_count:
            self._count()
        if changes.tag_members and not changes.every_tag_count:
            self.recount(changes.tag_members)

    def recount(self, tag_ids: Iterable[int]) -> None:
        """Count these tags' members again; the other counts stay as they are."""
        ids = sorted(set(tag_ids))
        known = self.model.counts
        if known is None or not known.complete or len(ids) > RECOUNT_EACH_UP_TO:
            self._count()  # no complete pass to patch (or too many tags): count everything
            return
        self._generation += 1
        generation, service = self._generation, self.service

        def count(token: TaskToken) -> dict[int, int]:
            return {tag_id: service.member_count(tag_id, token) for tag_id in ids}

        self.runner.run(count, on_done=partial(self._recounted, generation),
                        on_error=partial(self._counts_failed, generation), key="tags-pane.counts",
                        lane="background", description="count tag members")

    def _recounted(self, generation: int, fresh: dict[int, int]) -> None:
        known = self.model.counts
        if generation != self._generation or known is None:
            return
        rows = known.rows_read + sum(fresh.values()) - sum(known.counts.get(t, 0) for t in fresh)
        counts = {**known.counts, **fresh}
        self._on_counts(generation, MemberCounts({t: n for t, n in counts.items() if n}, rows, True))

    @Slot(int, object)
    def _on_counts(self, generation: int, counts: MemberCounts) -> None:
        """A snapshot: shown now unless one was shown less than COUNTS_SHOWN_EVERY_MS ago (then
        the newest waits for the timer); the complete one is always shown at once."""
        if generation != self._generation:
            return  # a newer count has started
        if counts.complete or not self._counts_timer.isActive():
            self._pending_counts = None
            self._apply_counts(counts)
            if not counts.complete:
                self._counts_timer.start()
            return
        self._pending_counts = (generation, counts)

    def _show_pending_counts(self) -> None:
        pending, self._pending_counts = self._pending_counts, None
        if pending is not None and pending[0] == self._generation:
            self._apply_counts(pending[1])
            self._counts_timer.start()

    def _apply_counts(self, counts: MemberCounts) -> None:
        with gui_working():  # the changed counts are written into their items in Python
            self.model.set_counts(counts)
        self._fit_members_column(shrink=counts.complete)
        self._show_status(counts)
        self.counts_updated.emit(counts.complete)

    def _fit_members_column(self, shrink: bool = False) -> None:
        """Members as wide as its widest text; it only grows while counting (no jitter)."""
        header = self.tree.header()
        metrics = self.tree.fontMetrics()
        focus_margin = self.tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.tree)
        margin = 2 * (focus_margin + 1)  # what the item delegate adds around a text
        text = max(metrics.horizontalAdvance(t) for t in (PENDING, self.model.largest_count_text()))
        width = max(header.sectionSizeHint(MEMBERS), text + margin + 4)
        if width > header.sectionSize(MEMBERS) or (shrink and width != header.sectionSize(MEMBERS)):
            header.resizeSection(MEMBERS, width)

    def _counts_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.status.setText("Member counts could not be read.")
            self.presenter.present(error, "Counting tag members")

    def _show_status(self, counts: MemberCounts | None = None) -> None:
        tags = self.model.tags()
        text = f"{len(tags):,} tags in {len(self.model.categories()):,} categories"
        if counts is not None and not counts.complete:
            text += f" \u00b7 counting members ({counts.rows_read:,} assignments read)…"
        elif counts is not None:
            text += f" \u00b7 {counts.rows_read:,} tag assignments"
        self.status.setText(text)

    def select_after_load(self, tag_ids: set[int]) -> None:
        """Select these tags once the tag list has been read again (a new or moved tag)."""
        self._select_after = set(tag_ids)
