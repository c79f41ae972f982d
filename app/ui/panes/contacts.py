"""The contacts pane: search box, filter summary and the lazily paged table.

Typing in the search box re-runs the search after a 300 ms pause (Enter: at once);
the Filter… dialog adds conditions that must all hold; clicking a header sorts on
the server; Columns… chooses the fields, which are remembered per connection
profile through the settings object, with their widths.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.contact_fields import DEFAULT_COLUMNS, FieldInfo, Kind
from app.core.gui_priority import gui_working
from app.core.records import Condition, ContactQuery
from app.core.tags import mode_label
from app.services.contacts import ContactsService
from app.ui.dialog_host import show_dialog
from app.ui.dialogs.columns import ColumnsDialog
from app.ui.dialogs.filter import FilterDialog
from app.ui.models.contacts import ContactsModel
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.contacts")

XMLRPC_SEARCH_HINT = "Search name, e-mail, company or phone   (Ctrl+F)"
REST_SEARCH_HINT = "Search: name, e-mail or phone starting with\u2026   (Ctrl+F)"
REST_SEARCH_TIP = ("Over Keap's REST API a search matches the start of a first name, last name, e-mail "
                   "address or phone number (\u201cmar\u201d finds Maria and Martin, not Omar). "
                   "Company names cannot be searched; use Filter\u2026 for more.")

SEARCH_DELAY_MS = 300
_WIDTHS = {Kind.DATETIME: 130, Kind.DATE: 90, Kind.INTEGER: 70, Kind.EMAIL: 220}


class SettingsLike(Protocol):
    """What the pane needs of the settings object (QSettings-backed in the app)."""

    def value(self, key: str, default: Any = None) -> Any: ...

    def set_value(self, key: str, value: Any) -> None: ...


def profile_key(profile_id: str, what: str) -> str:
    """``profiles/<id>/contacts/<what>``, the layout app/ui/settings.py uses."""
    safe = "".join(c for c in profile_id if c.isalnum() or c in "-_") or "default"
    return f"profiles/{safe}/contacts/{what}"


def _as_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):  # QSettings INI turns a one-item list into a string
        return [raw] if raw else []
    if isinstance(raw, list | tuple):
        return [str(x) for x in raw]
    return []


class ContactsTable(QTableView):
    """The table view; while it paints, decoding workers step aside.

    Qt asks the model for every visible cell while painting, one Python call each, and
    each call must win the GIL back from worker threads decoding replies: under load a
    frame took 50-130 ms instead of ~8. The paint is marked (:mod:`app.core.gui_priority`)
    and the decoders wait at their next step until it is done. It also says which rows it
    shows (``rows_shown``), so a table with every row reads those pages first.
    """

    rows_shown = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # the rows in the viewport, once per event-loop pass however many scroll steps came
        self._shown_timer = QTimer(self)
        self._shown_timer.setSingleShot(True)
        self._shown_timer.setInterval(0)
        self._shown_timer.timeout.connect(self._emit_rows_shown)
        self.verticalScrollBar().valueChanged.connect(self.rows_may_have_moved)

    def paintEvent(self, event: QPaintEvent) -> None:  # QAbstractScrollArea.paintEvent override
        with gui_working():  # decoding workers wait at their next step (app/core/gui_priority.py)
            super().paintEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # QWidget.resizeEvent override
        super().resizeEvent(event)
        self.rows_may_have_moved()

    def rows_may_have_moved(self, *_args: object) -> None:
        """Say which rows are shown (``rows_shown``), a moment later."""
        self._shown_timer.start()

    def _emit_rows_shown(self) -> None:
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        if rows == 0:
            return
        first, last = self.rowAt(0), self.rowAt(self.viewport().height() - 1)
        self.rows_shown.emit(max(first, 0), rows - 1 if last < 0 else last)


class ContactsPane(QWidget):
    """Signals:
        current_changed(object): the contact Id under the cursor, or None.
    """

    current_changed = Signal(object)
    tag_filter_cleared = Signal()

    def __init__(self, runner: TaskRunner, settings: SettingsLike | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.profile_id = ""
        self.catalog: list[FieldInfo] = []
        self.tag_names: tuple[str, ...] = ()
        self.model = ContactsModel(runner, self)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(XMLRPC_SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.filter_button = QPushButton("Filter…")
        self.filter_button.setObjectName("filter_button")
        self.filter_button.clicked.connect(self.open_filter_dialog)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.filter_button)

        self.filter_label = QLabel()
        self.filter_label.setObjectName("filter_summary")
        self.filter_label.setWordWrap(True)
        self.clear_filter_button = QPushButton("Clear filter")
        self.clear_filter_button.setFlat(True)
        self.clear_filter_button.clicked.connect(self.clear_filters)
        self.filter_bar = QWidget()
        bar = QHBoxLayout(self.filter_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter_label, 1)
        bar.addWidget(self.clear_filter_button)
        self.filter_bar.hide()

        self._widths_timer = QTimer(self)
        self._widths_timer.setSingleShot(True)
        self._widths_timer.setInterval(500)
        self._widths_timer.timeout.connect(self._save_widths)

        self.view = ContactsTable()
        self.view.setObjectName("contacts_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(False)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        self.view.setSortingEnabled(True)
        header.sectionResized.connect(lambda *_: self._widths_timer.start())
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        # a table that knows its total reads the pages the user looks at first
        self.view.rows_shown.connect(self.model.show_rows)
        self.model.rowsInserted.connect(self.view.rows_may_have_moved)
        self.model.modelReset.connect(self.view.rows_may_have_moved)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_search)
        self.model.modelReset.connect(self._after_reset)
        self.model.sort_refused.connect(self._on_sort_refused)
        self.active_dialog: FilterDialog | ColumnsDialog | None = None

    # -- session -----------------------------------------------------------------------------

    def set_service(self, service: ContactsService | None, profile_id: str = "") -> None:
        self.profile_id = profile_id
        self.catalog = []
        rest = service is not None and service.protocol == "rest"
        # REST v2 matches the start of a value, never text inside it [V]: the hint says so
        self.search.setPlaceholderText(REST_SEARCH_HINT if rest else XMLRPC_SEARCH_HINT)
        self.search.setToolTip(REST_SEARCH_TIP if rest else "")
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.set_columns([])  # nothing loads until the account's fields are known
        self.model.set_service(service)
        self.model.set_query(ContactQuery())  # every session starts from "all contacts"
        self._show_filter()

    def set_catalog(self, catalog: list[FieldInfo]) -> None:
        """The account's fields are known: choose the columns and load the first page."""
        self.catalog = catalog
        self.model.set_columns(self._columns_from(self._stored_columns()))
        self._apply_widths()

    @property
    def labels(self) -> dict[str, str]:
        return {c.name: c.label for c in self.catalog}

    # -- searching ---------------------------------------------------------------------------

    def apply_search(self) -> None:
        self._search_timer.stop()
        text = " ".join(self.search.text().split())
        if text != self.model.query.text and self.catalog:
            self.model.set_query(self.model.query.with_text(text))

    def set_conditions(self, conditions: tuple[Condition, ...]) -> None:
        if self.catalog:
            self.model.set_query(self.model.query.with_conditions(conditions))
        self._show_filter()

    def set_tag_filter(self, tag_ids: tuple[int, ...], mode: str, names: tuple[str, ...] = ()) -> None:
        """Show only contacts with all / any / none of the tags (empty: no tag filter)."""
        self.tag_names = names
        query = self.model.query.with_tags(tag_ids, mode)
        if query != self.model.query and self.catalog:
            self.model.set_query(query)
        self._show_filter()

    def filter_text(self) -> str:
        """Every filter in force, in words: tags first (easy to forget), then field conditions."""
        query = self.model.query
        parts = []
        if query.tag_ids:
            shown = ", ".join(f"\u201c{n}\u201d" for n in self.tag_names) or f"{len(query.tag_ids)} tags"
            parts.append(f"{mode_label(query.tag_mode)} {shown}")
        parts += [c.describe(self.labels.get(c.field)) for c in query.conditions]
        return "; ".join(parts)

    def _show_filter(self) -> None:
        query = self.model.query
        conditions = query.conditions
        self.filter_bar.setVisible(bool(conditions or query.tag_ids))
        self.filter_label.setText("Filter: " + self.filter_text())
        self.filter_button.setText(f"Filter ({len(conditions)})…" if conditions else "Filter…")

    def clear_filters(self) -> None:
        """Clear filter: field conditions and the tag filter both (the tags pane is told too)."""
        had_tags = bool(self.model.query.tag_ids)
        self.set_conditions(())
        if had_tags:
            self.tag_filter_cleared.emit()

    def open_filter_dialog(self) -> FilterDialog | None:
        if not self.catalog:
            return None
        service = self.model.service
        dialog = FilterDialog(self.catalog, self.model.query.conditions, self,
                              refusal=service.condition_refusal if service is not None else None)

        def finished(code: int) -> None:
            if code == FilterDialog.DialogCode.Accepted:
                self.set_conditions(dialog.conditions())

        return show_dialog(self, dialog, finished)

    def refresh(self) -> None:
        self.model.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- columns -----------------------------------------------------------------------------

    def _stored_columns(self) -> list[str]:
        if self.settings is None:
            return list(DEFAULT_COLUMNS)
        return _as_list(self.settings.value(profile_key(self.profile_id, "columns"))) or list(DEFAULT_COLUMNS)

    def _columns_from(self, names: list[str]) -> list[FieldInfo]:
        by_name = {c.name: c for c in self.catalog}
        chosen = [by_name[n] for n in names if n in by_name and not by_name[n].locked]
        return chosen or [by_name[n] for n in DEFAULT_COLUMNS if n in by_name]

    def set_columns(self, names: list[str]) -> None:
        """Show these fields (API names) and remember them for this profile."""
        columns = self._columns_from(names)
        if self.settings is not None:
            self.settings.set_value(profile_key(self.profile_id, "columns"), [c.name for c in columns])
        self.model.set_columns(columns)
        self._apply_widths()

    def open_columns_dialog(self) -> ColumnsDialog | None:
        if not self.catalog:
            return None
        dialog = ColumnsDialog(self.catalog, [c.name for c in self.model.columns], self)

        def finished(code: int) -> None:
            if code == ColumnsDialog.DialogCode.Accepted:
                self.set_columns(dialog.chosen())

        show_dialog(self, dialog, finished)
        return dialog

    def _apply_widths(self) -> None:
        stored: dict[str, int] = {}
        if self.settings is not None:
            for item in _as_list(self.settings.value(profile_key(self.profile_id, "widths"))):
                name, _, width = item.rpartition("=")
                if name and width.isdigit():
                    stored[name] = int(width)
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        for i, column in enumerate(self.model.columns):
            default = 60 if column.name == "Id" else _WIDTHS.get(column.kind, 140)
            self.view.setColumnWidth(i, stored.get(column.name, default))
        header.blockSignals(False)

    def _save_widths(self) -> None:
        if self.settings is None or not self.model.columns:
            return
        key = profile_key(self.profile_id, "widths")
        widths = {}
        for item in _as_list(self.settings.value(key)):
            name, _, width = item.rpartition("=")
            if name and width.isdigit():
                widths[name] = int(width)
        for i, column in enumerate(self.model.columns):
            widths[column.name] = self.view.columnWidth(i)
        self.settings.set_value(key, [f"{n}={w}" for n, w in widths.items()])

    def _on_sort_refused(self, message: str) -> None:
        self._after_reset()  # the header shows the order the rows really have
        window = self.window()
        bar = window.statusBar() if isinstance(window, QMainWindow) else None
        if bar is not None:
            bar.showMessage(message, 8000)
        self.view.horizontalHeader().setToolTip(message)

    def _after_reset(self) -> None:
        query, names = self.model.query, [c.name for c in self.model.columns]
        header = self.view.horizontalHeader()
        section = names.index(query.order_by) if query.order_by in names else -1
        order = Qt.SortOrder.AscendingOrder if query.ascending else Qt.SortOrder.DescendingOrder
        if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != (section, order):
            header.blockSignals(True)
            header.setSortIndicator(section, order)
            header.blockSignals(False)
            header.viewport().update()
        self._show_filter()

    # -- selection and copying ---------------------------------------------------------------

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(self.model.contact_id(current.row()) if current.isValid() else None)

    def current_contact_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.contact_id(index.row()) if index.isValid() else None

    def select_contact(self, contact_id: int) -> bool:
        row = self.model.row_of(contact_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(index)
        return True

    def selected_contact_ids(self) -> list[int]:
        """Ids of the selected (loaded) rows, in table order."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()
                       if self.model.is_loaded(i.row())})
        ids = [self.model.contact_id(r) for r in rows]
        return [i for i in ids if i is not None]

    def selected_text(self) -> str:
        """The selected cells as tab-separated lines (rows in order, columns in order)."""
        indexes = [i for i in self.view.selectionModel().selectedIndexes() if self.model.is_loaded(i.row())]
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        chosen = {(i.row(), i.column()) for i in indexes}
        lines = []
        for r in rows:
            cells = [str(self.model.index(r, c).data() or "") if (r, c) in chosen else "" for c in cols]
            lines.append("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in cells))
        return "\n".join(lines)

    def copy_selection(self) -> str:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return text
