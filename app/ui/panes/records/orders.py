"""The Orders tab: a contact's orders (Keap's ``Job``), their items and invoice totals.

Order items are read-only over XML-RPC (gotcha 14): typing in an item, double-clicking
it, pressing Delete or using its context menu shows the capability's explanation and
how to do it in Keap, and sends nothing. Over REST v2 the same gestures edit the item
(name, description, quantity, price) or delete it after asking. Each item shows its product's image where
Keap has one, recognised by its bytes (the legacy cart sends no content type). The tab
says that purchases recorded through the API do not start Keap's "product purchased"
goals (gotcha 21).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from app.core.cancel import CancelToken
from app.core.capabilities import Op
from app.core.linked import Order, OrderItem, sniff_image
from app.services.records import RecordsService
from app.ui import palette
from app.ui.dialog_host import PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordTab, RecordView, money_text, when_text
from app.ui.panes.records.order_item_dialog import OrderItemDialog
from app.ui.tasks import Job, TaskRunner

THUMB = 32
PURCHASE_GOAL_NOTE = (
    "Purchases recorded through the API, TagDesk's included, do not trigger Keap's "
    "\u201cproduct purchased\u201d campaign goals. To start that automation for an order made "
    "here, apply the tag or achieve the API goal the campaign listens for (Contact > Achieve goal)."
)
SUB_CENT_NOTE = "More than two decimals: Keap may show the invoice as unpaid"

ORDER_COLUMNS = [
    Column("Order", lambda o: o.title),
    Column("Order date", lambda o: when_text(o.start_date or o.date_created),
           lambda o: o.start_date or o.date_created,
           tooltip=lambda o: f"Recorded {when_text(o.date_created)}"),
    Column("Status", lambda o: o.status),
    Column("Type", lambda o: o.order_type),
    Column("Items", lambda o: str(len(o.items)), lambda o: len(o.items), right=True),
    Column("Total", lambda o: money_text(o.invoice.total) if o.invoice else "", right=True),
    Column("Paid", lambda o: money_text(o.invoice.paid) if o.invoice else "", right=True),
    Column("Due", lambda o: money_text(o.invoice.due) if o.invoice else "", right=True,
           warn=lambda o: o.flagged),
    Column("Note", lambda o: "\u26a0 may show as unpaid" if o.flagged else "",
           tooltip=lambda o: o.invoice.flag_reason if o.invoice and o.flagged else None,
           warn=lambda o: o.flagged),
]

ITEM_COLUMNS = [
    Column("Item", lambda i: i.name, tooltip=lambda i: i.description or None, stretch=True),
    Column("Type", lambda i: i.type_text),
    Column("Qty", lambda i: str(i.qty), lambda i: i.qty, right=True),
    Column("Unit price", lambda i: money_text(i.unit_price), lambda i: i.unit_price, right=True,
           warn=lambda i: i.sub_cent, tooltip=lambda i: SUB_CENT_NOTE if i.sub_cent else None),
    Column("Line total", lambda i: money_text(i.line_total), lambda i: i.line_total, right=True),
    Column("Product Id", lambda i: str(i.product_id) if i.product_id else "", lambda i: i.product_id,
           right=True),
]


def thumbnail(data: bytes | None, size: int = THUMB) -> QPixmap | None:
    """A square-fitting thumbnail of image bytes, read in the format the bytes say."""
    if not data:
        return None
    fmt = sniff_image(data)
    if fmt is None:
        return None
    image = QImage()
    if not image.loadFromData(data, fmt.upper()):
        return None
    scaled = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    return QPixmap.fromImage(scaled)


class OrdersTab(RecordTab):
    """A contact's orders with items (read-only) and invoice totals.

    Signals:
        images_loaded(): the product images of the shown items have been fetched.
    """

    title = "Orders"
    key_name = "records.orders"
    record_kinds = frozenset({"orders"})
    images_loaded = Signal()

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(runner, presenter, service, parent, prompts=prompts)
        self.note = QLabel(PURCHASE_GOAL_NOTE, self)
        self.note.setWordWrap(True)
        self.note.setObjectName("purchaseGoalNote")
        self.note.setStyleSheet(palette.note_style("QLabel#purchaseGoalNote"))
        self.orders = RecordTableModel(ORDER_COLUMNS, self)
        self.orders_view = RecordView(self, delete_text="Delete order…")
        self.orders_view.setModel(self.orders)
        self.orders_view.delete_attempted.connect(lambda _row: self.explain(Op.DELETE_ORDER))
        self.orders_view.selectionModel().selectionChanged.connect(self._order_selected)
        self.items = RecordTableModel(ITEM_COLUMNS, self)
        self.items.decoration = self._decoration
        self.items_view = RecordView(self, edit_text="Edit item…", delete_text="Delete item…",
                                     typing_edits=True)
        self.items_view.setModel(self.items)
        self.items_view.setIconSize(QSize(THUMB, THUMB))
        self.items_view.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.items_view.edit_attempted.connect(self.edit_item)
        self.items_view.delete_attempted.connect(self.delete_item)
        editable = service.refusal(Op.EDIT_ORDER_ITEM) is None
        self.items_label = QLabel("Items (double-click one to edit it)" if editable else
                                  "Items (read-only: Keap's XML-RPC API cannot change order items)", self)
        self.item_dialog: OrderItemDialog | None = None
        lower = QWidget(self)
        lower_box = QVBoxLayout(lower)
        lower_box.setContentsMargins(0, 4, 0, 0)
        lower_box.addWidget(self.items_label)
        lower_box.addWidget(self.items_view, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.orders_view)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self.body.addWidget(self.note)
        self.body.addWidget(split, 1)
        self._images: dict[int, QPixmap | None] = {}
        self._image_job: Job[Any] | None = None

    # -- loading -------------------------------------------------------------------------------

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> list[Order]:
        return self.service.orders(contact_id, token)

    def show_records(self, value: Any) -> None:
        assert isinstance(value, list)
        self.orders.set_rows(value)
        self.orders_view.fit_columns()
        if not value:
            self.status.setText("No orders for this contact.")
            self.items.set_rows([])
            return
        self.orders_view.selectRow(0)
        self._load_images(value)

    def clear(self) -> None:
        if self._image_job is not None:
            self._image_job.cancel()
            self._image_job = None
        self.orders.set_rows([])
        self.items.set_rows([])

    def _order_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        order = self.orders.row_at(self.orders_view.current_row())
        self.items.set_rows(order.items if isinstance(order, Order) else [])
        self.items_view.fit_columns()

    @property
    def selected_order(self) -> Order | None:
        order = self.orders.row_at(self.orders_view.current_row())
        return order if isinstance(order, Order) else None

    # -- product images ------------------------------------------------------------------------

    def _load_images(self, orders: list[Order]) -> None:
        wanted = [i.product_id for o in orders for i in o.items
                  if i.product_id and i.product_id not in self._images]
        if not wanted:
            self.images_loaded.emit()
            return
        service = self.service
        self._image_job = self.runner.run(
            lambda token: service.product_images(wanted, token), on_done=self._images_arrived,
            on_error=lambda _error: self.images_loaded.emit(),  # a missing thumbnail is no error
            key=f"records.images:{id(self)}", description="load product images", owner=self)

    def _images_arrived(self, images: dict[int, bytes | None]) -> None:
        self._image_job = None
        for pid, data in images.items():
            self._images[pid] = thumbnail(data)
        self.items.refresh_decorations()
        self.images_loaded.emit()

    def thumbnail_for(self, product_id: int) -> QPixmap | None:
        return self._images.get(product_id)

    def _decoration(self, item: Any, column: int) -> object:
        if column != 0 or not isinstance(item, OrderItem) or not item.product_id:
            return None
        return self._images.get(item.product_id)

    # -- editing items (REST v2), or saying why not (XML-RPC) ------------------------------------

    def edit_item(self, row: int) -> OrderItemDialog | None:
        item = self.items.row_at(row)
        if not isinstance(item, OrderItem) or self.explain(Op.EDIT_ORDER_ITEM, f"Order item: {item.name}"):
            return None
        dialog = OrderItemDialog(item, self)
        self.item_dialog = dialog
        contact_id, service = self.contact_id, self.service

        def save() -> None:
            values = dialog.values()
            if contact_id is None:
                return
            self.run_write(lambda token: service.update_order_item(contact_id, item, values, token),
                           lambda _saved: None, f"Saving order item {item.name}")

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def delete_item(self, row: int) -> None:
        item = self.items.row_at(row)
        if not isinstance(item, OrderItem) or self.explain(Op.DELETE_ORDER_ITEM, f"Order item: {item.name}"):
            return
        text = (f"Delete \u201c{item.name}\u201d ({item.qty} \u00d7 {money_text(item.unit_price)}) from the "
                "order? Its invoice total changes with it. Keap has no undo.")
        contact_id, service = self.contact_id, self.service
        if contact_id is None:
            return

        def delete() -> None:
            self.run_write(lambda token: service.delete_order_item(contact_id, item, token),
                           lambda _v: None, f"Deleting order item {item.name}")

        self.prompts.confirm(self, "Delete order item", text, delete)

