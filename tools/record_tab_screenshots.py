"""Screenshots of the record tabs and the "Achieve goal" dialog on a demo sandbox.

Run under a real (or virtual) X display so fonts and styles render as users see them::

    Xvfb :97 -screen 0 1400x900x24 &
    DISPLAY=:97 QT_QPA_PLATFORM=xcb .venv/bin/python tools/record_tab_screenshots.py

It starts an in-memory demo sandbox, gives one demo contact a little more history
through the API (a subscription, an order whose sticker pack is priced 4.999, two
links), shows each tab for that contact and saves ``docs/screenshots/tab-<name>.png``.
"""

from __future__ import annotations

import math
import sys
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QMessageBox, QTabWidget

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.api.xmlrpc import XmlRpcClient  # noqa: E402
from app.api.xmlrpc.ratelimit import Limits  # noqa: E402
from app.core.capabilities import CapabilityRegistry, Op  # noqa: E402
from app.core.dates import EASTERN  # noqa: E402
from app.sandbox import Sandbox, SandboxConfig  # noqa: E402
from app.services.records import make_records_service  # noqa: E402
from app.ui.dialogs.achieve_goal import open_achieve_goal  # noqa: E402
from app.ui.errors import ErrorPresenter  # noqa: E402
from app.ui.panes.records import OrdersTab, create_record_tabs  # noqa: E402
from app.ui.tasks import TaskRunner  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CONTACT_NAME = ("Malgorzata", "Kaminski")  # three addresses, two opportunities, an order with pictures


def wait(signal: SignalInstance, ms: int = 10_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def enrich(client: XmlRpcClient, sb: Sandbox, contact_id: int) -> None:
    """More history for the contact, written through the API as a user's tools would."""
    products = {r["ProductName"]: r["Id"] for r in sb.store.rows("Product", fields=["Id", "ProductName"])}
    stages = {r["StageName"]: r["Id"] for r in sb.store.rows("Stage")}
    client.call("DataService.add", "Lead", {
        "ContactID": contact_id, "OpportunityTitle": "Annual renewal", "StageID": stages["Negotiation"],
        "StatusID": 0, "UserID": sb.store.rows("User")[2]["Id"], "ProjectedRevenueLow": 990.0,
        "ProjectedRevenueHigh": 1485.0, "NextActionDate": datetime(2026, 12, 2, 9, 30, tzinfo=EASTERN),
        "NextActionNotes": "Call about the team plan", "EstimatedCloseDate": date(2026, 12, 15)})
    start = datetime(2025, 11, 3, 10, 0)
    sub_id = client.call("DataService.add", "RecurringOrder", {
        "ContactId": contact_id, "ProductId": products["Pro Plan (monthly)"],
        "SubscriptionPlanId": products["Pro Plan (monthly)"], "Status": "Active", "BillingAmt": 99.0,
        "Qty": 1, "BillingCycle": "2", "Frequency": 1, "StartDate": start})
    # NextBillDate is read-only over the API; Keap's billing sets it (here: the store, as Keap would)
    with sb.store.tx():
        sb.store.update_row("RecurringOrder", int(str(sub_id)), {"NextBillDate": "2026-12-03 00:00:00"})
    invoice = client.call("InvoiceService.createBlankOrder", contact_id, "Conference merchandise",
                          datetime(2026, 2, 12, 14, 30), 0, 0)
    for name, qty in (("T-Shirt", 2), ("Mug", 1), ("Sticker Pack", 3)):
        price = sb.store.get("Product", products[name])["ProductPrice"]
        client.call("InvoiceService.addOrderItem", invoice, products[name], 4, price, qty, name, "")
    owed = float(str(client.call("InvoiceService.calculateAmountOwed", invoice)))
    charged = math.floor(owed * 100) / 100  # a card is charged whole cents
    client.call("InvoiceService.addManualPayment", invoice, charged, datetime(2026, 2, 12),
                "Credit Card", "Paid at the booth", False)
    types = {r["TypeName"]: r["Id"] for r in sb.store.rows("LinkedContactType")}
    others = [r["Id"] for r in sb.store.rows("Contact", fields=["Id"])
              if r["Id"] != contact_id and not sb.store.links(r["Id"])][5:7]
    client.call("ContactService.linkContacts", contact_id, others[0], types["Spouse"])
    client.call("ContactService.linkContacts", contact_id, others[1], types["Referred By"])


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with Sandbox(SandboxConfig(seed="demo")) as sb:
        client = XmlRpcClient(sb.url, sb.key, limits=Limits(None, None, None))
        contact = sb.store.rows("Contact", {"FirstName": CONTACT_NAME[0], "LastName": CONTACT_NAME[1]})[0]
        enrich(client, sb, contact["Id"])
        emails = tuple(str(contact.get(f) or "") for f in ("Email", "EmailAddress2", "EmailAddress3"))
        runner = TaskRunner()
        presenter = ErrorPresenter(interactive=False)
        service = make_records_service(client)
        tabs = create_record_tabs(runner, presenter, service)
        widget = QTabWidget()
        widget.setWindowTitle(f"{contact['FirstName']} {contact['LastName']}")
        for title, tab in tabs:
            widget.addTab(tab, title)
            tab.set_contact(contact["Id"], emails)  # type: ignore[attr-defined]
        widget.resize(1240, 460)
        widget.show()
        for index, (title, tab) in enumerate(tabs):
            signal = tab.loaded  # type: ignore[attr-defined]
            if index:
                widget.setCurrentIndex(index)
            wait(signal)
            if isinstance(tab, OrdersTab):
                wait(tab.images_loaded)
            settle()
            path = OUT / f"tab-{title.lower().replace(' ', '-')}.png"
            widget.grab().save(str(path))
            print(path.relative_to(ROOT))
        # the explanation an order item edit gets, as the message box shows it
        cap = CapabilityRegistry().get(Op.EDIT_ORDER_ITEM)
        assert cap is not None
        box = QMessageBox(QMessageBox.Icon.Information, cap.title, f"Order item: T-Shirt\n\n{cap.message()}")
        box.show()
        settle()
        box.grab().save(str(OUT / "explain-order-item.png"))
        box.close()
        ids = [contact["Id"], *[r["Id"] for r in sb.store.rows("Contact", fields=["Id"])[:2]]]
        dialog = open_achieve_goal(widget, runner, presenter, service, ids)
        settle(400)
        dialog.call_edit.setText("webinarAttended")
        dialog.run_button.click()
        wait(dialog.all_done)
        settle()
        dialog.grab().save(str(OUT / "dialog-achieve-goal.png"))
        print((OUT / "dialog-achieve-goal.png").relative_to(ROOT))
        dialog.close()
        widget.close()
        runner.wait_idle()
        client.close()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
