"""What every record tab shares: a read-only table model, a view that reports edit and
delete attempts instead of performing them, and the tab that loads on first show.

A tab loads its contact's records only when it is visible (a hidden tab costs no
calls), on a worker through the :class:`~app.ui.tasks.TaskRunner`, keyed per tab so
a new selection cancels the load for the old one. When the user tries something the
API cannot do, :meth:`RecordTab.explain` shows the capability's explanation and the
way to do it in Keap; nothing is sent.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.api.errors import ApiError, AuthError, TlsError
from app.core.cancel import CancelToken
from app.core.capabilities import Op
from app.core.display import display_text
from app.core.money import format_money
from app.services.changes import Changes
from app.services.records import RecordsService
from app.ui.dialog_host import Prompts, PromptsLike
from app.ui.errors import ErrorPresenter, describe
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.tasks import Job, TaskRunner

log = logging.getLogger("app.ui.records")

__all__ = ["Column", "RecordTab", "RecordTableModel", "RecordView", "money_text", "when_text"]

Index = QModelIndex | QPersistentModelIndex
RETRY_LINK = "retry"


class RecordView(QTableView):
    """A read-only table whose edit and delete gestures are reported, never performed.

    Double-click, F2 (and, with ``typing_edits``, typing a character) report an edit
    attempt; Delete or Backspace a delete attempt; the context menu offers the same.

    Signals:
        edit_attempted(int): the row the user tried to edit.
        delete_attempted(int): the row the user tried to delete.
    """

    edit_attempted = Signal(int)
    delete_attempted = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, edit_text: str | None = None,
                 delete_text: str | None = None, typing_edits: bool = False) -> None:
        super().__init__(parent)
        self.typing_edits = typing_edits
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.edit_action: QAction | None = None
        self.delete_action: QAction | None = None
        if edit_text:
            self.edit_action = QAction(edit_text, self)
            self.edit_action.triggered.connect(lambda: self._attempt(self.edit_attempted))
            self.addAction(self.edit_action)
        if delete_text:
            self.delete_action = QAction(delete_text, self)
            self.delete_action.triggered.connect(lambda: self._attempt(self.delete_attempted))
            self.addAction(self.delete_action)

    def fit_columns(self) -> None:
        """Size columns to their contents; the model's ``stretch`` column takes what is left."""
        columns = getattr(self.model(), "columns", [])
        header = self.horizontalHeader()
        stretched = any(getattr(col, "stretch", False) for col in columns)
        header.setStretchLastSection(False)  # size every column to its contents first
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.resizeColumnsToContents()
        for i, col in enumerate(columns):
            if col.stretch:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(not stretched)

    def current_row(self) -> int:
        index = self.currentIndex()
        if not index.isValid():
            rows = self.selectionModel().selectedRows() if self.selectionModel() else []
            return rows[0].row() if rows else -1
        return index.row()

    def _attempt(self, signal: Any) -> None:
        row = self.current_row()
        if row >= 0:
            signal.emit(row)

    # -- QTableView overrides ----------------------------------------------------------------------

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and self.edit_action is not None:
            self.setCurrentIndex(index)
            self.edit_attempted.emit(index.row())
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        row = self.current_row()
        if row >= 0 and self.delete_action is not None and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_attempted.emit(row)
            event.accept()
            return
        if row >= 0 and self.edit_action is not None and (key == Qt.Key.Key_F2 or self._is_typing(event)):
            self.edit_attempted.emit(row)
            event.accept()
            return
        super().keyPressEvent(event)

    def _is_typing(self, event: QKeyEvent) -> bool:
        if not self.typing_edits:
            return False
        mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        text = event.text()
        return mods == Qt.KeyboardModifier.NoModifier and bool(text) and text.isprintable()


class _StatusLabel(QLabel):
    """The tab's one-line state ("Loading…", "No orders", an error); hidden when empty."""

    def setText(self, text: str) -> None:  # QLabel.setText override
        super().setText(text)
        self.setVisible(bool(text))


class RecordTab(QWidget):
    """Base of every record tab: contact selection, loading on first show, explanations.

    Subclasses implement :meth:`fetch` (on a worker) and :meth:`show_records` (on the
    GUI thread), and put their widgets into ``self.body``.

    Signals:
        loaded(): the records for the current contact are on screen (also when empty).
        load_failed(str): loading failed; the message is shown in the tab.
    """

    title: ClassVar[str] = ""
    key_name: ClassVar[str] = "records"
    #: The kinds of record this tab shows (:data:`app.services.changes.RECORD_KINDS`): a write
    #: of one of them for the tab's contact reloads it (:meth:`apply_changes`).
    record_kinds: ClassVar[frozenset[str]] = frozenset()
    #: Whether the contact's e-mail addresses matter to this tab (a change reloads it).
    uses_emails: ClassVar[bool] = False
    loaded = Signal()
    load_failed = Signal(str)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.presenter = presenter
        self.service = service
        self.prompts: PromptsLike = prompts or Prompts()
        self.contact_id: int | None = None
        self.emails: tuple[str, ...] = ()
        self._stale = True
        self._job: Job[Any] | None = None
        self.status = _StatusLabel("No contact selected.", self)
        self.status.setWordWrap(True)
        self.status.setObjectName("recordStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                            | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.status.linkActivated.connect(lambda link: self.reload() if link == RETRY_LINK else None)
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.status)
        layout.addLayout(self.body, 1)

    # -- selection and loading ----------------------------------------------------------------

    def set_contact(self, contact_id: int | None, emails: tuple[str, ...] = ()) -> None:
        """Show ``contact_id``'s records (None: nothing); loads now if visible, else when shown."""
        same_emails = not self.uses_emails or tuple(emails) == self.emails
        if contact_id == self.contact_id and same_emails and not self._stale:
            self.emails = tuple(emails)
            return
        self.contact_id = contact_id
        self.emails = tuple(emails)
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self.clear()
        self._stale = True
        if contact_id is None:
            self.status.setText("No contact selected.")
            self._stale = False
            return
        self.status.setText("Not loaded yet.")
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        """Load the current contact's records again."""
        contact_id, emails = self.contact_id, self.emails
        if contact_id is None:
            return
        self._stale = False
        self.status.setText("Loading…")
        self.status.setToolTip("")
        self._job = self.runner.run(
            lambda token: self.fetch(contact_id, emails, token),
            on_done=lambda value: self._on_fetched(contact_id, value),
            on_error=lambda error: self._on_fetch_failed(contact_id, error),
            key=f"{self.key_name}:{id(self)}",
            description=f"load {self.title.lower()} of contact {contact_id}", owner=self,
        )

    @property
    def busy(self) -> bool:
        return self._job is not None and not self._job.done

    def apply_changes(self, changes: Changes) -> None:
        """Writes happened (this tab's or anyone's): reload if they touched what it shows,
        now when visible, else when next shown."""
        if self.contact_id is None or not changes.touches_records(self.record_kinds, self.contact_id):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def _on_fetched(self, contact_id: int, value: Any) -> None:
        if contact_id != self.contact_id:
            return
        self._job = None
        self.status.setText("")
        self.show_records(value)
        self.loaded.emit()

    def _on_fetch_failed(self, contact_id: int, error: BaseException) -> None:
        """A failed load stays in the tab with a retry link; only what needs the user's
        action (a refused key, an unverifiable certificate) goes to the error presenter."""
        if contact_id != self.contact_id:
            return
        self._job = None
        message, detail = describe(error)
        self.status.setText(f"Could not load {self.title.lower()}: {html.escape(message)} "
                            f'<a href="{RETRY_LINK}">Try again</a>')
        self.status.setToolTip(detail)
        if isinstance(error, AuthError | TlsError) or not isinstance(error, ApiError):
            self.presenter.present(error, f"Loading {self.title.lower()}")
        self.load_failed.emit(message)

    def showEvent(self, event: QShowEvent) -> None:  # QWidget.showEvent override
        super().showEvent(event)
        if self._stale and self.contact_id is not None:
            self.reload()

    # -- for subclasses -----------------------------------------------------------------------

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> Any:
        """Runs on a worker: everything the tab shows for one contact."""
        raise NotImplementedError

    def show_records(self, value: Any) -> None:
        """Runs on the GUI thread with what :meth:`fetch` returned."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget the shown records (the selection moved on)."""

    def explain(self, op: Op, subject: str = "") -> bool:
        """If the API cannot do ``op``, say so and what to do instead; True when refused.

        Nothing is sent to Keap either way: this only reads the capability registry.
        """
        cap = self.service.refusal(op)
        if cap is None:
            return False
        text = cap.message() if not subject else f"{subject}\n\n{cap.message()}"
        self.prompts.notify(self, cap.title, text)
        return True

    def run_write(self, fn: Callable[[CancelToken], Any], on_done: Callable[[Any], None],
                  what: str) -> Job[Any]:
        """Run one write on the serial write lane; errors go to the presenter. The tab reloads
        through :meth:`apply_changes`, like every pane a write touched (also after a failure:
        Keap may have made the change before the reply was lost)."""
        return self.runner.run(fn, on_done=on_done, lane="write", description=what, owner=self,
                               on_error=lambda error: self.presenter.present(error, what))


def money_text(value: Decimal | None) -> str:
    """Display form of an amount (blank for None)."""
    return "" if value is None else format_money(value)


def when_text(value: date | datetime | None) -> str:
    """A date as is, a time in the user's time zone (Keap's are Eastern)."""
    return display_text(value)
