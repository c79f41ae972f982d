"""The Details tab: load, edit, save, create and delete one contact.

Every load and write runs on the task runner (writes on the write lane). A load for a
contact that is no longer selected is dropped. Before any save the Latin-1 preflight
runs and, if it would change a field, :class:`PreflightDialog` shows what will be
stored. A failed save keeps the edits and says what to do next. Selecting another
contact with unsaved edits does not lose them: a banner asks to save or discard first.
Dialogs open with ``open()`` (window-modal, no nested event loop); ``active_dialog``
is the one showing, for tests and for closing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import OutcomeUnknownError
from app.core.display import contact_name
from app.core.records import ContactQuery, DuplicateContactError, Row, User
from app.core.schema import CustomField
from app.services.contacts import ContactsService
from app.ui import palette
from app.ui.dialog_host import show_dialog
from app.ui.dialogs.duplicate import DuplicateChoice, DuplicateDialog
from app.ui.dialogs.preflight import PreflightChoice, PreflightDialog
from app.ui.errors import ErrorPresenter, describe
from app.ui.panes.contact_form import ContactForm
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.editor")

LOAD_KEY = "contact-editor-load"
_NEW = "new"


class ContactEditor(QWidget):
    """Signals:
        saved(int, dict): a contact was saved with these values.
        created(int): a contact was created.
        deleted(int): a contact was deleted.
        open_requested(int): the user chose an existing contact (duplicate check).
        dirty_changed(bool): unsaved edits appeared or went away.
        busy_changed(bool): a load or write started or ended.
        status_message(str, int): for the status bar.
    """

    saved = Signal(int, dict)
    created = Signal(int)
    deleted = Signal(int)
    open_requested = Signal(int)
    dirty_changed = Signal(bool)
    busy_changed = Signal(bool)
    status_message = Signal(str, int)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._presenter = presenter
        self._service: ContactsService | None = None
        self.contact_id: int | None = None
        self.mode = "empty"  # empty | loading | contact | new
        self._pending: int | str | None = None
        self._writing = False
        self._own_write: tuple[int, dict[str, object]] | None = None  # the save in flight, as sent
        self.active_dialog: QDialog | None = None

        self.title = QLabel("No contact selected")
        self.title.setObjectName("editor_title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.save_button = QPushButton("Save")
        self.revert_button = QPushButton("Revert")
        self.save_button.setToolTip("Save the changes (Ctrl+S)")
        self.revert_button.setToolTip("Put back the values from Keap (Esc)")
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.revert_button)
        header.addWidget(self.save_button)

        self.banner = QLabel()
        self.banner.setObjectName("editor_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_save = QPushButton("Save")
        self.banner_discard = QPushButton("Discard changes")
        self.banner_save.clicked.connect(self.save)
        self.banner_discard.clicked.connect(self._discard_and_continue)
        self.banner_box = QWidget()
        banner_layout = QHBoxLayout(self.banner_box)
        banner_layout.setContentsMargins(8, 6, 8, 6)
        banner_layout.addWidget(self.banner, 1)
        banner_layout.addWidget(self.banner_save)
        banner_layout.addWidget(self.banner_discard)
        self.banner_box.hide()

        self.form = ContactForm()
        self.form.dirty_changed.connect(self._on_dirty)
        self._reference: tuple[list[CustomField], list[User]] | None = None
        self._form_built = False
        self.placeholder = QLabel("Select a contact to see and edit its details,\n"
                                  "or start a new one with Contact ▸ New (Ctrl+N).")
        self.placeholder.setObjectName("editor_placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: palette(mid);")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self.form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(header)
        layout.addWidget(self.banner_box)
        layout.addWidget(self.pages, 1)
        self._update_state()

    # -- session -----------------------------------------------------------------------------

    def set_service(self, service: ContactsService | None) -> None:
        self._service = service
        self._reference, self._form_built = None, False
        self.contact_id, self.mode, self._pending = None, "empty", None
        self.form.set_record({})
        self._hide_banner()
        self._update_state()

    def configure(self, custom_fields: list[CustomField], users: list[User]) -> None:
        """The account's custom fields and users; the form is rebuilt when first needed."""
        self._reference = (custom_fields, users)
        self._form_built = False
        if self.mode != "empty":
            self._ensure_form()
        self._update_state()

    def _ensure_form(self) -> None:
        if self._reference is not None and not self._form_built:
            self.form.configure(*self._reference)
            self._form_built = True

    @property
    def dirty(self) -> bool:
        return self.mode in ("contact", _NEW) and self.form.dirty

    @property
    def busy(self) -> bool:
        return self.mode == "loading" or self._writing

    # -- showing a contact -------------------------------------------------------------------

    def show_contact(self, contact_id: int | None) -> None:
        """Show ``contact_id`` (None: nothing); with unsaved edits, ask first via the banner."""
        if contact_id is not None and contact_id == self.contact_id and self.mode in ("contact", "loading"):
            return
        if self.dirty:
            self._pending = contact_id
            self._show_banner(f"You have unsaved changes to {self._name()}. Save them or discard them "
                              "to open the next contact.", warn=True, actions=True)
            return
        self._open(contact_id)

    def _open(self, contact_id: int | str | None) -> None:
        self._pending = None
        self._hide_banner()
        if contact_id == _NEW:
            self._start_new()
        elif isinstance(contact_id, int):
            self._load(contact_id)
        else:
            self.contact_id, self.mode = None, "empty"
            self.form.set_record({})
            self._update_state()

    def reload(self) -> None:
        """Read the contact again, unless it has unsaved edits or a save or load is under way."""
        if self.contact_id is not None and self.mode == "contact" and not self.dirty and not self._writing:
            self._load(self.contact_id)

    def contact_changed(self, contact_id: int, values: dict[str, object]) -> None:
        """A write changed ``contact_id``'s fields: read it again if it is shown, unless the
        write was this editor's own save (which reloads by itself)."""
        if contact_id != self.contact_id:
            return
        if self._own_write == (contact_id, values):
            self._own_write = None
            return
        self.reload()

    def _load(self, contact_id: int) -> None:
        service = self._service
        if service is None:
            return
        self._ensure_form()
        self.contact_id, self.mode = contact_id, "loading"
        fields = self.form.load_fields()
        self._update_state()
        self._runner.run(lambda token: service.load(contact_id, fields, token), key=LOAD_KEY,
                         on_done=partial(self._loaded, contact_id),
                         on_error=partial(self._load_failed, contact_id),
                         description=f"load contact {contact_id}")

    def _loaded(self, contact_id: int, row: Row) -> None:
        if contact_id != self.contact_id or self.mode != "loading":
            return  # another contact was selected meanwhile
        self.form.set_record(row)
        self.mode = "contact"
        self._update_state()

    def _load_failed(self, contact_id: int, error: BaseException) -> None:
        if contact_id != self.contact_id:
            return
        self.mode = "empty"
        message, _ = describe(error)
        self._show_banner(f"Could not load the contact: {message}", warn=True)
        self._update_state()

    # -- new contact -------------------------------------------------------------------------

    def new_contact(self) -> None:
        if self.dirty:
            self._pending = _NEW
            self._show_banner(f"You have unsaved changes to {self._name()}. Save them or discard them "
                              "to start a new contact.", warn=True, actions=True)
            return
        self._open(_NEW)

    def _start_new(self) -> None:
        self._ensure_form()
        self.contact_id, self.mode = None, _NEW
        self.form.set_record({})
        self._update_state()
        self.form.focus_field("FirstName")

    # -- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        """Validate, preflight, then write (update or create) on the write lane."""
        if self._service is None or self._writing or self.mode not in ("contact", _NEW):
            return
        problems = self.form.problems()
        if problems:
            self._show_banner("Not saved: " + " ".join(p for _, p in problems), warn=True)
            self.form.focus_field(problems[0][0])
            return
        values = self.form.changes()
        if not values:
            self.status_message.emit("Nothing to save.", 3000)
            return
        result = ContactsService.preflight(values)
        if not result.changed:
            self._send(values)
            return
        dialog = PreflightDialog(result, self.form.labels(), self)

        def finished(_code: int) -> None:
            if dialog.choice is PreflightChoice.SAVE:
                self._send(result.values)
            elif dialog.choice is PreflightChoice.EDIT:
                self.form.focus_field(dialog.first_field)
            dialog.deleteLater()

        self._show_dialog(dialog, finished)

    def _send(self, values: dict[str, object]) -> None:
        if self.mode == _NEW:
            self._check_duplicate(values)
        else:
            self._write_update(values)

    def _write_update(self, values: dict[str, object]) -> None:
        service, contact_id = self._service, self.contact_id
        assert service is not None and contact_id is not None
        previous = {k: v for k, v in self.form.original.items() if k in values}
        self._own_write = (contact_id, dict(ContactsService.preflight(values).values))
        self._set_writing(True)
        self.status_message.emit(f"Saving {self._name()}…", 0)
        self._runner.run(lambda token: service.save(contact_id, values, token, previous=previous),
                         lane="write", on_done=lambda _r: self._saved(contact_id, values),
                         on_error=self._save_failed, description=f"save contact {contact_id}")

    def _saved(self, contact_id: int, values: dict[str, object]) -> None:
        self._set_writing(False)
        self.saved.emit(contact_id, dict(values))
        if self.contact_id == contact_id:
            self.form.set_record({**self.form.original, **values})  # clean now; reload for Keap's values
        self.status_message.emit(f"Saved {self._name()}.", 4000)  # the name as saved, after a rename
        if self.contact_id == contact_id:
            self._hide_banner()
            self._load(contact_id)
        if self._pending is not None:
            self._open(self._pending)

    def _save_failed(self, error: BaseException) -> None:
        self._set_writing(False)
        if isinstance(error, DuplicateContactError):
            self._offer_existing(error.email, error.matches, dict(self.form.changes()))
            return
        if isinstance(error, OutcomeUnknownError) and self.mode == _NEW:
            self._ask_lost_create(error, dict(self.form.changes()))
            return
        message, _ = describe(error)
        self.status_message.emit("Not saved.", 5000)
        if getattr(error, "retryable", False):  # retried already: say so, not "will try again"
            message = message.replace(" TagDesk will try again.", "")
            advice = ("Your edits are still here: press Save (Ctrl+S) to "
                      "try again in a moment, or Revert (Esc) to drop them.")
        else:
            advice = ("Your edits are still here: correct them and press Save (Ctrl+S) again, or "
                      "Revert (Esc) to drop them.")
        self._show_banner(f"Not saved: {message} {advice}", warn=True)
        self._presenter.present(error, f"Saving {self._name()}")

    def _ask_lost_create(self, error: OutcomeUnknownError, values: dict[str, object]) -> QMessageBox:
        """Keap may or may not have created the contact: the user decides, nothing is resent."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Was the contact created?",
                          f"Keap did not say whether it created {self._name()}. TagDesk did not send it "
                          "again, so it cannot have been created twice.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Check again looks for it in Keap (with the same e-mail address or name). "
                               "Create anyway sends it once more: do that only if Check again found nothing.")
        box.setDetailedText(error.message)
        self.check_again_button = box.addButton("Check again", QMessageBox.ButtonRole.AcceptRole)
        self.create_anyway_button = box.addButton("Create anyway", QMessageBox.ButtonRole.DestructiveRole)
        self.check_again_button.clicked.connect(lambda: self._check_lost(values))
        self.create_anyway_button.clicked.connect(lambda: self._write_create(values, dup_check=False))
        self._show_banner("Not saved yet: Keap did not confirm the new contact. Your entries are still here.",
                          warn=True)
        self._show_dialog(box)
        return box

    def _check_lost(self, values: dict[str, object]) -> None:
        service = self._service
        assert service is not None
        email = str(values.get("Email") or "").strip()
        name = " ".join(str(values.get(k) or "").strip() for k in ("FirstName", "LastName")).strip()

        def look(token: Any) -> list[Row]:
            if email:
                return service.find_by_email(email, token)
            if not name:
                return []
            page = service.page(ContactQuery(text=name), ["Id", "FirstName", "LastName", "Email", "Company"],
                                0, 50, token)
            return page.rows

        def found(matches: list[Row]) -> None:
            self._set_writing(False)
            if matches:
                self._offer_existing(email or name, matches, values)
            else:
                self.status_message.emit("Keap has no such contact: it was not created.", 6000)
                self._ask_lost_create(OutcomeUnknownError("Not found when checked again."), values)

        self._set_writing(True)
        self._runner.run(look, lane="read", on_done=found, on_error=self._save_failed,
                         description="check a lost create")

    # -- creating, with the duplicate check ----------------------------------------------------

    def _check_duplicate(self, values: dict[str, object]) -> None:
        service = self._service
        assert service is not None
        email = str(values.get("Email") or "").strip()
        if not email:
            self._write_create(values, dup_check=False)
            return
        self._set_writing(True)
        self.status_message.emit(f"Looking for contacts with {email}…", 0)

        def found(matches: list[Row]) -> None:
            self._set_writing(False)
            self.status_message.emit("", 1)  # the look-up is over, whatever it found
            if matches:
                self._offer_existing(email, matches, values)
            else:
                self._write_create(values, dup_check=True)

        self._runner.run(lambda token: service.find_by_email(email, token), on_done=found,
                         on_error=self._save_failed, description="duplicate check")

    def _offer_existing(self, email: str, matches: list[Row], values: dict[str, object]) -> None:
        dialog = DuplicateDialog(email, matches, self)

        def finished(_code: int) -> None:
            if dialog.choice is DuplicateChoice.OPEN and dialog.chosen_id is not None:
                self.form.set_record({})
                self.mode = "empty"
                self.open_requested.emit(dialog.chosen_id)
                self._load(dialog.chosen_id)
            elif dialog.choice is DuplicateChoice.CREATE:
                self._write_create(values, dup_check=False)
            dialog.deleteLater()

        self._show_dialog(dialog, finished)

    def _write_create(self, values: dict[str, object], *, dup_check: bool) -> None:
        service = self._service
        assert service is not None
        self._set_writing(True)
        self.status_message.emit("Creating the contact…", 0)

        def done(new_id: int) -> None:
            self._set_writing(False)
            self.form.set_record({})
            self.status_message.emit(f"Created contact {new_id}.", 4000)
            self.created.emit(new_id)
            self._load(new_id)

        self._runner.run(lambda token: service.create(values, token, dup_check_email=dup_check),
                         lane="write", on_done=done, on_error=self._save_failed, description="create contact")

    # -- delete and revert -------------------------------------------------------------------

    def delete(self) -> None:
        """Ask, then delete the shown contact."""
        service, contact_id = self._service, self.contact_id
        if service is None or contact_id is None or self.mode != "contact" or self._writing:
            return
        name = self._name()
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete contact",
                          f"Delete {name} (Id {contact_id}) from Keap?\n\nKeap has no undo for this.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("delete_dialog")
        delete_button = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        previous = self.form.original

        def finished(_code: int) -> None:
            if box.clickedButton() is delete_button:
                self._set_writing(True)
                self._runner.run(lambda token: service.delete(contact_id, token, previous=previous),
                                 lane="write", on_done=lambda _r: self._deleted(contact_id, name),
                                 on_error=self._save_failed, description=f"delete contact {contact_id}")
            box.deleteLater()

        self._show_dialog(box, finished)

    def _deleted(self, contact_id: int, name: str) -> None:
        self._set_writing(False)
        self.status_message.emit(f"Deleted {name}.", 5000)
        if self.contact_id == contact_id:
            self._open(None)
        self.deleted.emit(contact_id)

    def request_revert(self) -> QMessageBox | None:
        """Revert / Esc: unsaved edits are thrown away only after asking (Keap never saw them)."""
        if not self.form.dirty:
            self.revert()
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Discard changes",
                          f"Discard your unsaved changes to {self._name()}?",
                          QMessageBox.StandardButton.NoButton, self)
        self.discard_button = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        self.discard_button.clicked.connect(self.revert)
        self._show_dialog(box)
        return box

    def revert(self) -> None:
        if self.mode == _NEW and not self.form.dirty:
            self._open(None)
            return
        self.form.revert()
        self._hide_banner()
        if self._pending is not None:
            self._open(self._pending)

    def _discard_and_continue(self) -> None:
        self.form.revert()
        self._open(self._pending)

    # -- helpers -----------------------------------------------------------------------------

    def _show_dialog(self, dialog: QDialog, finished: Callable[[int], None] | None = None) -> None:
        show_dialog(self, dialog, finished, delete_on_close=False)

    def _name(self) -> str:
        if self.mode == _NEW:
            return "the new contact"
        return contact_name(self.form.original)

    def _set_writing(self, writing: bool) -> None:
        self._writing = writing
        self._update_state()

    def _on_dirty(self, dirty: bool) -> None:
        self._update_state()
        self.dirty_changed.emit(dirty)

    def _show_banner(self, text: str, *, warn: bool, actions: bool = False) -> None:
        self.banner.setText(text)
        color = palette.colour("banner_warn_bg" if warn else "banner_info_bg")
        self.banner.setStyleSheet(f"background: {color}; padding: 4px; border-radius: 3px;")
        self.banner_save.setVisible(actions)
        self.banner_discard.setVisible(actions)
        self.banner_box.show()

    def _hide_banner(self) -> None:
        self.banner_box.hide()

    def _update_state(self) -> None:
        editing = self.mode in ("contact", _NEW) and not self._writing
        self.pages.setCurrentWidget(self.placeholder if self.mode == "empty" else self.form)
        self.form.setEnabled(editing)
        self.save_button.setEnabled(editing and self.form.dirty)
        self.revert_button.setEnabled(editing and (self.form.dirty or self.mode == _NEW))
        if self.mode == "empty":
            self.title.setText("")
        elif self.mode == "loading":
            self.title.setText("Loading…")
        elif self.mode == _NEW:
            self.title.setText("New contact" + (" •" if self.form.dirty else ""))
        else:
            self.title.setText(f"{contact_name(self.form.original)}" + (" •" if self.form.dirty else ""))
        self.busy_changed.emit(self.busy)
