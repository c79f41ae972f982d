"""The Connections dialog: profiles, their keys, "Test connection" and Connect.

The key field never shows a stored key: a stored key stays in the keyring, and the
field only holds what the user types to set or replace it. Every keyring and API
call runs on the task runner; results come back as values and are shown inline, with
the next step to take.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.api import errors as e
from app.core.cancel import CancelToken
from app.services.connection_test import ConnectionReport, check_connection
from app.services.profiles import (
    AUTH_MODE_LABELS,
    KEAP_REST_URL,
    KEAP_XMLRPC_URL,
    REST,
    XMLRPC,
    AuthMode,
    Profile,
    ProfileError,
    ProfileStore,
    build_client,
    switch_to_rest,
)
from app.services.secrets import BackendStatus, SecretStore, SecretStoreError
from app.ui import palette
from app.ui.dialog_host import ask, show_dialog
from app.ui.dialogs.protocol_row import ProtocolRow
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.connections")

LEGACY_PLACEHOLDER = "https://APPNAME.infusionsoft.com/api/xmlrpc"
KEY_JOB = "connections-key"



def _buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose &-shortcut focuses ``buddy`` (needed for rows that hold a layout)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


@dataclass(frozen=True)
class KeyOutcome:
    """Whether a key is stored, or why the keyring could not say (a value, not an exception)."""

    has_key: bool
    error: str = ""


class ConnectionsDialog(QDialog):
    """Lists the profiles; edits, tests and connects one.

    Attributes:
        chosen: the profile to connect to, set when the dialog is accepted.

    Signals:
        keyring_checked(object): the :class:`BackendStatus` once it is known.
        test_finished(object): the :class:`ConnectionReport` of "Test connection".
        key_status_changed(str): the key line's text after a check or a save.
        message_shown(str): every inline message (errors, confirmations).
    """

    keyring_checked = Signal(object)
    test_finished = Signal(object)
    key_status_changed = Signal(str)
    message_shown = Signal(str)

    def __init__(self, profiles: ProfileStore, secrets: SecretStore, runner: TaskRunner,
                 parent: QWidget | None = None, *, select_id: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connections — TagDesk")
        self.setObjectName("connectionsDialog")
        self._profiles = profiles
        self._secrets = secrets
        self._runner = runner
        self._editing: Profile | None = None  # None: a new, unsaved profile
        self.active_dialog: QDialog | None = None  # the question showing (app/ui/dialog_host.py)
        self._loading = False
        self._dirty = False
        self.keyring_status: BackendStatus | None = None
        self.chosen: Profile | None = None
        self._build()
        self._reload_list(select_id or (p.id if (p := profiles.last_used()) else None))
        self._check_keyring()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.list = QListWidget()
        self.list.setObjectName("profileList")
        self.list.setMinimumWidth(180)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.connect_clicked())
        self.add_button = QPushButton("&Add")
        self.remove_button = QPushButton("&Remove")
        self.add_button.clicked.connect(self.add_profile)
        self.remove_button.clicked.connect(self.remove_profile)
        left = QVBoxLayout()
        left.addWidget(QLabel("Connections"))
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        left.addLayout(row)

        self.name_edit = QLineEdit()
        self.protocol_row = ProtocolRow()
        self.protocol_row.protocol_changed.connect(self._on_protocol_changed)
        self.protocol_row.switch_requested.connect(self.switch_to_rest)
        self.mode_combo = QComboBox()
        for mode, label in AUTH_MODE_LABELS.items():
            self.mode_combo.addItem(label, mode.value)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(KEAP_REST_URL)
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText("Optional: a PEM file, only if your network inspects TLS")
        self.ca_button = QPushButton("Browse…")
        self.ca_button.clicked.connect(self._choose_ca_bundle)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_button)
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("keyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_key = QCheckBox("Show")
        self.show_key.toggled.connect(self._toggle_key_visible)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key)
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.keyring_label = QLabel("Checking the system keyring…")
        self.keyring_label.setWordWrap(True)
        self.session_only = QCheckBox("Keep the key for this run only (it is forgotten when TagDesk closes)")
        self.session_only.setVisible(False)
        self.session_only.toggled.connect(self._on_session_only)

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow(_buddy_label("&Protocol:", self.protocol_row.combo), self.protocol_row)
        form.addRow("&Authentication:", self.mode_combo)
        form.addRow("Endpoint &URL:", self.url_edit)
        form.addRow(_buddy_label("&CA bundle:", self.ca_edit), ca_row)
        form.addRow(_buddy_label("&Key:", self.key_edit), key_row)
        form.addRow("", self.key_status)
        form.addRow("Keyring:", self.keyring_label)
        form.addRow("", self.session_only)

        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        right = QVBoxLayout()
        right.addLayout(form)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        right.addLayout(test_row)
        right.addWidget(self.test_result)
        right.addWidget(self.message)
        right.addStretch(1)

        self.save_button = QPushButton("&Save")
        self.close_button = QPushButton("Close")
        self.connect_button = QPushButton("C&onnect")
        self.connect_button.setDefault(True)
        self.save_button.clicked.connect(self.save_clicked)
        self.connect_button.clicked.connect(self.connect_clicked)
        self.close_button.clicked.connect(self.reject)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.save_button)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.close_button)
        self.buttons.addWidget(self.connect_button)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addLayout(self.buttons)
        self.resize(760, 440)

        for edit in (self.name_edit, self.url_edit, self.ca_edit, self.key_edit):
            edit.textEdited.connect(self._mark_dirty)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)

    # -- list and form --------------------------------------------------------------------

    def _reload_list(self, select_id: str | None) -> None:
        self._loading = True
        self.list.clear()
        current: QListWidgetItem | None = None
        for profile in self._profiles.profiles():
            item = QListWidgetItem(profile.name)
            item.setData(Qt.ItemDataRole.UserRole, profile.id)
            self.list.addItem(item)
            if profile.id == select_id:
                current = item
        self._loading = False
        if current is None and self.list.count():
            current = self.list.item(0)
        if current is not None:
            self.list.setCurrentItem(current)
        else:
            self.add_profile()

    def _on_current_changed(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if self._loading or item is None:
            return
        chosen = str(item.data(Qt.ItemDataRole.UserRole))
        if self._dirty:  # stay on the edited profile until the user has answered
            if previous is not None:
                self._loading = True
                self.list.setCurrentItem(previous)
                self._loading = False
            self._after_unsaved(lambda: self._select(chosen))
            return
        self._show_profile(self._profiles.get(chosen))

    def _select(self, profile_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == profile_id:
                self.list.setCurrentRow(row)
                return

    def _show_profile(self, profile: Profile | None) -> None:
        self._loading = True
        self._editing = profile
        shown = profile or Profile(name="")
        self.name_edit.setText(shown.name)
        self.protocol_row.set_protocol(shown.protocol)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(shown.auth_mode.value)))
        self.url_edit.setText(shown.url)
        self.ca_edit.setText(shown.ca_bundle or "")
        self.key_edit.clear()
        self.show_key.setChecked(False)
        for label in (self.test_result, self.message):
            label.clear()
            label.hide()
        self.remove_button.setEnabled(profile is not None)
        self._loading = False
        self._dirty = False
        if profile is None:
            self._set_key_status("Paste the key for this connection.")
            self.key_edit.setPlaceholderText("Paste the API key or token")
        else:
            self._check_stored_key(profile)

    def form_profile(self) -> Profile:
        """The profile as the form shows it (not validated, not saved)."""
        mode = AuthMode(str(self.mode_combo.currentData()))
        base = self._editing or Profile(name="")
        protocol = self.protocol_row.protocol
        default = KEAP_REST_URL if protocol == REST else KEAP_XMLRPC_URL
        return replace(base, name=self.name_edit.text().strip(),
                       url=self.url_edit.text().strip() or default, auth_mode=mode,
                       ca_bundle=self.ca_edit.text().strip() or None, protocol=protocol)

    def selected_profile(self) -> Profile | None:
        return self._editing

    def add_profile(self) -> None:
        """Start a new, unsaved profile (after asking about unsaved edits)."""
        if self._dirty:
            self._after_unsaved(self.add_profile)
            return
        self._loading = True
        self.list.setCurrentRow(-1)
        self._loading = False
        self._show_profile(None)
        self.name_edit.setText("My Keap account" if not len(self._profiles) else "")
        self.name_edit.setFocus()

    def remove_profile(self) -> QMessageBox | None:
        """Ask, then remove the connection and its stored key."""
        profile = self._editing
        if profile is None:
            return None
        return ask(self, "Remove connection", f"Remove the connection {profile.name!r} and its stored key?",
                   lambda: self._remove(profile), yes="Remove", icon=QMessageBox.Icon.Warning)

    def _remove(self, profile: Profile) -> None:
        self._profiles.delete(profile.id)
        secrets = self._secrets

        def forget(_token: CancelToken) -> KeyOutcome:
            try:
                secrets.delete_key(profile.id)
            except SecretStoreError as err:
                return KeyOutcome(True, f"The connection was removed but its key was not: {err}")
            return KeyOutcome(False)

        self._runner.run(forget, on_done=self._on_background_key_saved, lane="write",
                         on_error=self._on_job_error, description="remove key")
        self._dirty = False
        self._reload_list(None)
        self.show_message(f"Removed {profile.name!r}.", ok=True)

    # -- save, test, connect --------------------------------------------------------------

    def save_clicked(self) -> None:
        self._save(then_connect=False)

    def connect_clicked(self) -> None:
        self._save(then_connect=True)

    def _save(self, *, then_connect: bool) -> None:
        typed = self.key_edit.text().strip()
        try:
            profile = self._profiles.save(self.form_profile())
        except ProfileError as err:
            self.show_message(" ".join(err.problems), ok=False)
            return
        self._editing = profile
        self._dirty = False
        self._reload_list(profile.id)  # shows the saved profile; clears the key field

        secrets = self._secrets

        def store_key(_token: CancelToken) -> KeyOutcome:
            """Store what was typed, then report whether a key exists; failures as values."""
            try:
                if typed:
                    secrets.set_key(profile.id, typed)
                return KeyOutcome(secrets.get_key(profile.id) is not None)
            except SecretStoreError as err:
                return KeyOutcome(False, str(err))

        def stored(outcome: KeyOutcome) -> None:
            self._set_busy(False)
            if outcome.error:
                self.show_message(outcome.error, ok=False)
                if self._editing is not None and self._editing.id == profile.id:
                    self.key_edit.setText(typed)  # let the user retry without pasting again
                return
            self._update_key_status(outcome.has_key)
            if not then_connect:
                self.show_message(f"Saved {profile.name!r}.", ok=True)
            elif not outcome.has_key:
                self.show_message("Paste the key for this connection, then connect.", ok=False)
            else:
                self._profiles.set_last_used(profile.id)
                self.chosen = profile
                self.accept()

        self._set_busy(True)
        # same key as the stored-key lookup the reload started: that lookup is superseded
        self._runner.run(store_key, on_done=stored, on_error=self._on_job_error, lane="write",
                         key=KEY_JOB, description="save key")

    def test_connection(self) -> None:
        """Check the form's values (saved or not) over the protocol it will use; show the result."""
        profile = self.form_profile()
        problems = profile.problems()
        if problems:
            self.show_message(" ".join(problems), ok=False)
            return
        typed = self.key_edit.text().strip()
        secrets = self._secrets

        def run(token: CancelToken) -> ConnectionReport:
            try:
                key = typed or secrets.get_key(profile.id)
            except SecretStoreError as err:
                return ConnectionReport(False, message=str(err), error_kind="SecretStoreError",
                                        next_step="Type the key into the Key field to test with it.")
            if not key:
                return ConnectionReport(False, message="There is no key to test with.",
                                        next_step="Paste the key into the Key field.", error_kind="NoKey")
            client = build_client(profile, key, timeout=20.0)
            try:
                return check_connection(client, token)
            finally:
                client.close()

        self.test_result.setText("Testing…")
        self.test_result.show()
        self.test_result.setStyleSheet("")
        self._set_busy(True)
        self._runner.run(run, on_done=self._on_tested, on_error=self._on_job_error,
                         key="connection-test", description="test connection")

    def _on_tested(self, report: ConnectionReport) -> None:
        self._set_busy(False)
        if report.ok:
            self.test_result.setText(f"✔ {report.message}")
            self.test_result.setStyleSheet(palette.text_style("ok"))
        else:
            self.test_result.setText(f"✘ {report.message}\nNext step: {report.next_step}")
            self.test_result.setStyleSheet(palette.text_style("error"))
        self.test_finished.emit(report)

    # -- keyring --------------------------------------------------------------------------

    def _check_keyring(self) -> None:
        self._runner.run(lambda _t: self._secrets.status(), on_done=self._on_keyring_status,
                         on_error=self._on_job_error, description="check keyring")

    def _on_keyring_status(self, status: BackendStatus) -> None:
        self.keyring_status = status
        if status.ok:
            self.keyring_label.setText(status.summary)
            self.keyring_label.setStyleSheet("")
        else:
            self.keyring_label.setText(f"⚠ The system keyring cannot be used: {status.reason}")
            self.keyring_label.setStyleSheet(palette.text_style("error"))
        self.session_only.setVisible(not status.ok)
        self.session_only.setChecked(self._secrets.session_only)
        self.keyring_checked.emit(status)

    def _on_session_only(self, checked: bool) -> None:
        self._secrets.session_only = checked

    def _check_stored_key(self, profile: Profile) -> None:
        self._set_key_status("Looking for a stored key…")
        secrets = self._secrets

        def look_up(_token: CancelToken) -> KeyOutcome:
            try:
                return KeyOutcome(secrets.get_key(profile.id) is not None)
            except SecretStoreError as err:
                return KeyOutcome(False, str(err))

        def failed(error: BaseException) -> None:  # never leave "Looking for a stored key…" behind
            self._set_key_status("The keyring could not be read; paste the key to use this connection.")
            self._on_job_error(error)

        self._runner.run(look_up, on_done=self._on_key_looked_up, on_error=failed,
                         key=KEY_JOB, description="look up key")

    def _on_key_looked_up(self, outcome: KeyOutcome) -> None:
        if outcome.error:
            self._set_key_status(outcome.error)
        else:
            self._update_key_status(outcome.has_key)

    def _update_key_status(self, has_key: bool) -> None:
        if has_key:
            in_memory = self._secrets.session_only or (
                self.keyring_status is not None and not self.keyring_status.persistent)
            where = "for this run only" if in_memory else "in the system keyring"
            self._set_key_status(f"A key is stored {where}. Type a new one only to replace it.")
            self.key_edit.setPlaceholderText("•••••••• (stored)")
        else:
            self._set_key_status("No key is stored for this connection yet.")
            self.key_edit.setPlaceholderText("Paste the API key or token")

    def _set_key_status(self, text: str) -> None:
        self.key_status.setText(text)
        self.key_status_changed.emit(text)

    # -- small helpers --------------------------------------------------------------------

    def show_message(self, text: str, *, ok: bool) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet(palette.text_style("ok") if ok else palette.text_style("error"))
        self.message_shown.emit(text)

    def _on_job_error(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, SecretStoreError | ProfileError | e.ApiError):
            self.show_message(str(error), ok=False)
        else:
            self._runner.unhandled_error.emit(error, "Connections")

    def _set_busy(self, busy: bool) -> None:
        for button in (self.test_button, self.connect_button, self.save_button):
            button.setEnabled(not busy)

    def _mark_dirty(self) -> None:
        if not self._loading:
            self._dirty = True

    def _on_protocol_changed(self, protocol: str) -> None:
        """Swap Keap's default address for the other protocol's; keep anything custom."""
        if self._loading:
            return
        self._mark_dirty()
        url = self.url_edit.text().strip()
        if protocol == REST:
            if url in ("", KEAP_XMLRPC_URL):
                self.url_edit.setText(KEAP_REST_URL)
            if AuthMode(str(self.mode_combo.currentData())) is AuthMode.LEGACY:
                self.mode_combo.setCurrentIndex(self.mode_combo.findData(AuthMode.API_KEY.value))
        elif url in ("", KEAP_REST_URL):
            self.url_edit.setText(KEAP_XMLRPC_URL)
        self.url_edit.setPlaceholderText(KEAP_REST_URL if protocol == REST else KEAP_XMLRPC_URL)

    def switch_to_rest(self) -> None:
        """One click: this connection over REST v2 with the same key (save or connect to keep it)."""
        switched = switch_to_rest(self.form_profile())
        self._loading = True
        self.protocol_row.set_protocol(REST)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(switched.auth_mode.value)))
        self.url_edit.setText(switched.url)
        self._loading = False
        self._dirty = True
        self.show_message("Switched to REST v2. The key stays the same: Test connection, then Save or "
                          "Connect to keep it.", ok=True)

    def _on_mode_changed(self) -> None:
        if self._loading:
            return
        self._mark_dirty()
        mode = AuthMode(str(self.mode_combo.currentData()))
        if mode is AuthMode.LEGACY and self.protocol_row.protocol == REST:
            self.protocol_row.set_protocol(XMLRPC)  # legacy keys exist only for XML-RPC
        url = self.url_edit.text().strip()
        if mode is AuthMode.LEGACY and url in ("", KEAP_XMLRPC_URL):
            self.url_edit.clear()
            self.url_edit.setPlaceholderText(LEGACY_PLACEHOLDER)
        elif mode is not AuthMode.LEGACY and url.rstrip("/").endswith("/api/xmlrpc"):
            self.url_edit.setText(KEAP_XMLRPC_URL)
        if mode is not AuthMode.LEGACY:
            rest = self.protocol_row.protocol == REST
            self.url_edit.setPlaceholderText(KEAP_REST_URL if rest else KEAP_XMLRPC_URL)

    def _toggle_key_visible(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        self.key_edit.setEchoMode(mode)

    def _choose_ca_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CA bundle", "",
                                              "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.ca_edit.setText(path)
            self._mark_dirty()

    def _after_unsaved(self, then: Callable[[], None]) -> QMessageBox:
        """Save / Discard / Cancel for unsaved edits (window-modal, no nested event loop);
        ``then()`` once the edits are saved or discarded."""
        name = self.name_edit.text().strip() or "the new connection"
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes", f"Save the changes to {name}?",
                          buttons, self)

        def finished(_code: int) -> None:
            if self._settle_unsaved(box.standardButton(box.clickedButton())):
                then()

        return show_dialog(self, box, finished)

    def _settle_unsaved(self, answer: QMessageBox.StandardButton) -> bool:
        """Carry out the answer about unsaved edits; True when it is fine to move on."""
        if answer not in (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard):
            return False
        if answer == QMessageBox.StandardButton.Save:
            try:
                profile = self._profiles.save(self.form_profile())
            except ProfileError as err:
                self.show_message(" ".join(err.problems), ok=False)
                return False
            self._sync_list_item(profile)
            typed = self.key_edit.text().strip()
            if typed:
                secrets = self._secrets

                def store(_token: CancelToken) -> KeyOutcome:
                    try:
                        secrets.set_key(profile.id, typed)
                    except SecretStoreError as err:
                        return KeyOutcome(False, str(err))
                    return KeyOutcome(True)

                self._runner.run(store, on_done=self._on_background_key_saved, lane="write",
                                 on_error=self._on_job_error, description="save key")
        self._dirty = False
        return True

    def _on_background_key_saved(self, outcome: KeyOutcome) -> None:
        if outcome.error:
            self.show_message(outcome.error, ok=False)

    def _sync_list_item(self, profile: Profile) -> None:
        """Show a profile saved while another is being selected (rename, or a new one)."""
        self._loading = True
        try:
            for row in range(self.list.count()):
                item = self.list.item(row)
                if item.data(Qt.ItemDataRole.UserRole) == profile.id:
                    item.setText(profile.name)
                    return
            item = QListWidgetItem(profile.name)
            item.setData(Qt.ItemDataRole.UserRole, profile.id)
            self.list.addItem(item)
        finally:
            self._loading = False


