"""Edit one order item: possible over Keap's REST v2 API, never over XML-RPC.

Only the attributes REST lets us change (name, description, quantity, unit price) are
offered. The price is taken as typed and shown as it will be saved (rounded to cents),
with the new line total, so the user sees what the invoice will say before saving.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.linked import OrderItem
from app.core.money import format_money, to_cents
from app.ui.widgets import FormSpinBox

PAID_NOTE = ("Changing an item changes the order's invoice total. Keap refuses changes to an order "
             "that is paid in full.")


class OrderItemDialog(QDialog):
    """The form; read :meth:`values` after accept (only what changed is saved)."""

    def __init__(self, item: OrderItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle("Edit order item")
        self.setMinimumWidth(420)
        self.name_edit = QLineEdit(item.name, self)
        self.description_edit = QLineEdit(item.description, self)
        self.qty_spin = FormSpinBox(self)
        self.qty_spin.setRange(1, 1_000_000)
        self.qty_spin.setValue(max(1, item.qty))
        self.price_edit = QLineEdit(str(item.unit_price), self)
        self.price_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.total_label = QLabel(self)
        self.total_label.setObjectName("lineTotal")
        note = QLabel(PAID_NOTE, self)
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Description:", self.description_edit)
        form.addRow("&Quantity:", self.qty_spin)
        form.addRow("Unit &price:", self.price_edit)
        form.addRow("Line total:", self.total_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.qty_spin.valueChanged.connect(self._update_total)
        self.price_edit.textChanged.connect(self._update_total)
        self._update_total()

    def price(self) -> Decimal | None:
        try:
            value = Decimal(self.price_edit.text().strip().replace(",", ""))
        except InvalidOperation:
            return None
        return value if value.is_finite() and value >= 0 else None

    def _update_total(self) -> None:
        price = self.price()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if price is None or not self.name_edit.text().strip():
            self.total_label.setText("Enter an amount, like 19.99")
            save.setEnabled(False)
            return
        save.setEnabled(True)
        cents = to_cents(price)
        shown = format_money(to_cents(cents * self.qty_spin.value()))
        rounded = f" (saved as {format_money(cents)} each)" if cents != price else ""
        self.total_label.setText(shown + rounded)

    def values(self) -> dict[str, object]:
        return {"name": self.name_edit.text().strip(), "description": self.description_edit.text().strip(),
                "qty": self.qty_spin.value(), "unit_price": self.price() or Decimal(0)}
