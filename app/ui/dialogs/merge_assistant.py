"""The merge assistant: two contacts side by side, a choice per field, what moves, then the merge.

The user picks the surviving contact and, per field where the two differ, which value wins
(default: the survivor's, else the one that is not blank). What the duplicate brings along
(tags, opportunities, orders ...) and the warning that Keap cannot undo a merge are shown
before the Merge button. Every call runs through the window's task runner (reads on the read
lane, the merge on the write lane); errors go to the one presenter.

Signals:
    merged(int, int): (survivor, duplicate) after a merge succeeded.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.contact_fields import FieldInfo
from app.core.display import contact_name, display_text
from app.duplicates.batch import MERGE_WARNING
from app.duplicates.finding import DuplicateGroup
from app.services.duplicates import DuplicatesService, MergePreview
from app.ui import palette
from app.ui.dialogs.job_flow import compact
from app.ui.errors import ErrorPresenter
from app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
SURVIVOR, DUPLICATE = 1, 2


class MergeChoiceModel(QAbstractTableModel):
    """One row per differing field: its label, the survivor's and the duplicate's value; the
    checked value column is the winner (exactly one per row, like a pair of radio buttons)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.preview: MergePreview | None = None
        self.fields: list[FieldInfo] = []
        self.choice: list[int] = []

    def set_preview(self, preview: MergePreview | None) -> None:
        self.beginResetModel()
        self.preview = preview
        self.fields = preview.differing() if preview is not None else []
        winners = preview.default_winners() if preview is not None else {}
        self.choice = [SURVIVOR if _same_shown(winners.get(f.name), preview.keep.get(f.name))
                       else DUPLICATE for f in self.fields] if preview is not None else []
        self.endResetModel()

    def winners(self) -> dict[str, object]:
        """Field -> the chosen value, for every differing field."""
        if self.preview is None:
            return {}
        sides = {SURVIVOR: self.preview.keep, DUPLICATE: self.preview.duplicate}
        return {f.name: sides[c].get(f.name) for f, c in zip(self.fields, self.choice, strict=True)}

    def choose(self, row: int, column: int) -> None:
        """Make ``column`` (SURVIVOR or DUPLICATE) the winner of ``row``."""
        if column in (SURVIVOR, DUPLICATE) and 0 <= row < len(self.choice) and self.choice[row] != column:
            self.choice[row] = column
            self.dataChanged.emit(self.index(row, SURVIVOR), self.index(row, DUPLICATE),
                                  [Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.FontRole])

    # -- QAbstractTableModel overrides ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.fields)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.preview is None or not 0 <= index.row() < len(self.fields):
            return None
        info, column = self.fields[index.row()], index.column()
        if column == 0:
            return info.label if role == Qt.ItemDataRole.DisplayRole else None
        side = self.preview.keep if column == SURVIVOR else self.preview.duplicate
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(side.get(info.name), date_only=info.date_only) or "(blank)"
        if role == Qt.ItemDataRole.CheckStateRole:
            chosen = self.choice[index.row()] == column
            return Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and side.get(info.name) in (None, ""):
            return palette.brush("muted")
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.choose(index.row(), index.column())
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() in (SURVIVOR, DUPLICATE) else base

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if self.preview is None:
            return ("Field", "Survivor", "Duplicate")[section] if 0 <= section < 3 else None
        return ("Field", f"Survivor ({self.preview.keep_id})",
                f"Duplicate ({self.preview.duplicate_id})")[section] if 0 <= section < 3 else None


def _same_shown(a: object, b: object) -> bool:
    return a == b or (a in (None, "") and b in (None, ""))


class MergeAssistant(QDialog):
    """Pick the survivor and the winning values, see what moves, merge. See the module docstring."""

    merged = Signal(int, int)

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                 service: DuplicatesService, group: DuplicateGroup) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge contacts")
        self.resize(760, 600)
        self.runner, self.presenter, self.service, self.group = runner, presenter, service, group
        self.preview: MergePreview | None = None
        self.busy = False

        intro = QLabel(f"These contacts look like one person: {group.reason}. Choose the contact that "
                       "stays, and for each field that differs which value it keeps.")
        intro.setWordWrap(True)
        self.keep_box, self.dup_box = QComboBox(), QComboBox()
        for contact_id in group.ids:
            row = group.rows.get(contact_id, {})
            text = f"{contact_name(row)} ({contact_id})" if row else str(contact_id)
            self.keep_box.addItem(text + (" \u2014 oldest" if contact_id == group.keep else ""), contact_id)
        self.keep_box.setCurrentIndex(self.keep_box.findData(group.keep))
        self.keep_box.currentIndexChanged.connect(lambda _i: self._survivor_changed())
        self.dup_box.currentIndexChanged.connect(lambda _i: self.load())
        pick = QFormLayout()
        pick.addRow("Keep (survivor):", self.keep_box)
        pick.addRow("Merge into it:", self.dup_box)

        self.model = MergeChoiceModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setWordWrap(False)
        compact(self.view)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SURVIVOR, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DUPLICATE, QHeaderView.ResizeMode.Stretch)
        self.view.clicked.connect(lambda index: self.model.choose(index.row(), index.column()))

        self.status = QLabel("Reading both contacts…")
        self.status.setWordWrap(True)
        self.moves = QLabel("")
        self.moves.setWordWrap(True)
        self.warning = QLabel(MERGE_WARNING)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(palette.note_style())
        self.merge_button = QPushButton("Merge")
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(lambda _checked=False: self.merge())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(pick)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.moves)
        layout.addWidget(self.warning)
        layout.addWidget(buttons)
        self._survivor_changed()

    @property
    def keep_id(self) -> int:
        return int(self.keep_box.currentData())

    @property
    def duplicate_id(self) -> int | None:
        value = self.dup_box.currentData()
        return int(value) if value is not None else None

    def _survivor_changed(self) -> None:
        keep = self.keep_id
        self.dup_box.blockSignals(True)
        self.dup_box.clear()
        for i in range(self.keep_box.count()):
            if int(self.keep_box.itemData(i)) != keep:
                self.dup_box.addItem(self.keep_box.itemText(i).replace(" \u2014 oldest", ""),
                                     self.keep_box.itemData(i))
        self.dup_box.blockSignals(False)
        self.load()

    def load(self) -> None:
        """Read both contacts in full and what the duplicate has (reads only)."""
        dup = self.duplicate_id
        if dup is None:
            return
        keep, service = self.keep_id, self.service
        self.preview = None
        self.model.set_preview(None)
        self.merge_button.setEnabled(False)
        self.status.setText("Reading both contacts and what the duplicate has…")
        self.moves.setText("")
        self.runner.run(lambda token: service.preview(keep, dup, token), on_done=self.show_preview,
                        on_error=partial(self._failed, "Reading the contacts to merge"),
                        key="merge-assistant.preview", description="merge preview", owner=self)

    def show_preview(self, preview: MergePreview) -> None:
        self.preview = preview
        self.model.set_preview(preview)
        differing = len(self.model.fields)
        self.status.setText(
            f"{differing} field{'s' if differing != 1 else ''} differ. Checked values stay on "
            f"{contact_name(preview.keep)} ({preview.keep_id}); click the other value to keep it instead. "
            f"Contact {preview.duplicate_id} is deleted by the merge.")
        self.moves.setText(f"Moves to the survivor: {preview.moves.describe()}.")
        self.merge_button.setEnabled(not self.busy)

    def merge(self) -> None:
        """Write the chosen values onto the survivor, then merge (on the write lane)."""
        if self.preview is None or self.busy:
            return
        keep, dup = self.preview.keep_id, self.preview.duplicate_id
        winners, service = self.model.winners(), self.service
        self.busy = True
        self.merge_button.setEnabled(False)
        self.status.setText(f"Merging contact {dup} into {keep}…")
        self.runner.run(lambda token: service.merge(keep, dup, winners, token), lane="write",
                        on_done=lambda _event: self._done(keep, dup),
                        on_error=partial(self._failed, "Merging contacts"), description="merge contacts",
                        owner=self)

    def _done(self, keep: int, dup: int) -> None:
        self.busy = False
        self.merged.emit(keep, dup)
        self.accept()

    def _failed(self, context: str, error: BaseException) -> None:
        self.busy = False
        self.status.setText(f"{context} failed; nothing more was sent.")
        self.merge_button.setEnabled(self.preview is not None)
        self.presenter.present(error, context)
