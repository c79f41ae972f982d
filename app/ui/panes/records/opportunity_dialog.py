"""The form for a new or edited opportunity: only the fields Keap's ``Lead`` lets us write.

Amounts are taken as typed (``10.005`` stays ``10.005`` here) and rounded to cents by
the backend before they are sent, so what Keap stores and what the tab shows agree.
Dates are entered in the user's time zone; the client sends them as Eastern time.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.dates import to_local
from app.core.linked import OPPORTUNITY_STATUS, Opportunity, OpportunityDraft, Stage
from app.ui import palette
from app.ui.widgets import FormComboBox


class OpportunityDialog(QDialog):
    """Create (``opportunity=None``) or edit one opportunity; read :meth:`draft` after accept."""

    def __init__(self, stages: tuple[Stage, ...], users: tuple[tuple[int, str], ...],
                 opportunity: Opportunity | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opportunity = opportunity
        self.setWindowTitle("Edit opportunity" if opportunity else "New opportunity")
        self.setMinimumWidth(440)
        self.title_edit = QLineEdit(self)
        self.stage_combo = FormComboBox(self)
        self.stage_combo.addItem("(no stage)", None)
        for s in stages:
            self.stage_combo.addItem(s.name, s.id)
        self.status_combo = FormComboBox(self)
        for code, text in OPPORTUNITY_STATUS.items():
            self.status_combo.addItem(text, code)
        self.owner_combo = FormComboBox(self)
        self.owner_combo.addItem("(nobody)", None)
        for uid, name in users:
            self.owner_combo.addItem(name, uid)
        self.low_edit = QLineEdit(self)
        self.high_edit = QLineEdit(self)
        for edit in (self.low_edit, self.high_edit):
            edit.setPlaceholderText("0.00")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.next_action_check = QCheckBox(self)
        self.next_action_edit = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.next_action_edit.setCalendarPopup(True)
        self.next_action_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.next_action_notes = QLineEdit(self)
        self.close_check = QCheckBox(self)
        self.close_edit = QDateEdit(QDate.currentDate(), self)
        self.close_edit.setCalendarPopup(True)
        self.close_edit.setDisplayFormat("yyyy-MM-dd")
        self.objection_edit = QLineEdit(self)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setFixedHeight(70)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet(palette.text_style("error"))
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("&Stage", self.stage_combo)
        form.addRow("Stat&us", self.status_combo)
        form.addRow("&Owner", self.owner_combo)
        form.addRow("Projected revenue, &low", self.low_edit)
        form.addRow("Projected revenue, &high", self.high_edit)
        form.addRow("&Next action", _checked_row(self.next_action_check, self.next_action_edit))
        form.addRow("Next action notes", self.next_action_notes)
        form.addRow("Estimated &close", _checked_row(self.close_check, self.close_edit))
        form.addRow("Objection", self.objection_edit)
        form.addRow("Notes", self.notes_edit)
        hint = QLabel("Amounts are saved rounded to the cent, as Keap's invoices need them.", self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.next_action_check.toggled.connect(self.next_action_edit.setEnabled)
        self.close_check.toggled.connect(self.close_edit.setEnabled)
        self.next_action_edit.setEnabled(False)
        self.close_edit.setEnabled(False)
        if opportunity is not None:
            self._fill(opportunity)

    def _fill(self, o: Opportunity) -> None:
        self.title_edit.setText(o.title)
        _select(self.stage_combo, o.stage_id)
        _select(self.status_combo, o.status_id if o.status_id is not None else 0, add=True)
        _select(self.owner_combo, o.user_id, add=True)
        self.low_edit.setText("" if o.revenue_low is None else str(o.revenue_low))
        self.high_edit.setText("" if o.revenue_high is None else str(o.revenue_high))
        if o.next_action_date is not None:
            self.next_action_check.setChecked(True)
            local = to_local(o.next_action_date)
            self.next_action_edit.setDateTime(QDateTime(QDate(local.year, local.month, local.day),
                                                        QTime(local.hour, local.minute, local.second)))
        if o.estimated_close is not None:
            self.close_check.setChecked(True)
            close = o.estimated_close
            self.close_edit.setDate(QDate(close.year, close.month, close.day))
        self.next_action_notes.setText(o.next_action_notes)
        self.objection_edit.setText(o.objection)
        self.notes_edit.setPlainText(o.notes)

    # -- values ----------------------------------------------------------------------------------

    def draft(self) -> OpportunityDraft:
        """The entered values; raises ValueError with a message for the user when invalid."""
        title = self.title_edit.text().strip()
        if not title:
            raise ValueError("An opportunity needs a title.")
        low = _amount(self.low_edit.text(), "Projected revenue, low")
        high = _amount(self.high_edit.text(), "Projected revenue, high")
        if low is not None and high is not None and high < low:
            raise ValueError("Projected revenue, high is less than low.")
        next_action: datetime | None = None
        if self.next_action_check.isChecked():
            qd, qt = self.next_action_edit.date(), self.next_action_edit.time()
            wall = datetime(qd.year(), qd.month(), qd.day(), qt.hour(), qt.minute(), qt.second())
            next_action = wall.astimezone()  # the user's local time, made aware
        close: date | None = None
        if self.close_check.isChecked():
            cd = self.close_edit.date()
            close = date(cd.year(), cd.month(), cd.day())
        return OpportunityDraft(
            title=title, stage_id=self.stage_combo.currentData(), status_id=self.status_combo.currentData(),
            user_id=self.owner_combo.currentData(), revenue_low=low, revenue_high=high,
            next_action_date=next_action, next_action_notes=self.next_action_notes.text().strip(),
            estimated_close=close, notes=self.notes_edit.toPlainText().strip(),
            objection=self.objection_edit.text().strip(),
        )

    def accept(self) -> None:  # QDialog.accept override: refuse invalid input
        try:
            self.draft()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        super().accept()


def _checked_row(check: QCheckBox, editor: QWidget) -> QWidget:
    row = QWidget()
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(check)
    box.addWidget(editor, 1)
    return row


def _select(combo: QComboBox, value: object, *, add: bool = False) -> None:
    i = combo.findData(value)
    if i < 0 and add and value is not None:
        combo.addItem(f"#{value}", value)
        i = combo.count() - 1
    combo.setCurrentIndex(max(0, i))


def _amount(text: str, label: str) -> Decimal | None:
    cleaned = text.strip().replace(",", "").lstrip("$").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{label}: {text.strip()!r} is not an amount.") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{label} must be a positive amount.")
    return value

