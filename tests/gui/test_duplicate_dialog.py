"""The duplicate list shows every match whole (issue 13: it was cut off)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.ui.dialogs.duplicate import DuplicateDialog

EMAIL = "maximiliane.theodora@example.com"


def test_long_matches_are_shown_whole(qtbot: QtBot) -> None:
    matches = [{"Id": 100 + i, "FirstName": "Maximiliane-Theodora", "LastName": f"von Hohenzollern {i}",
                "Email": EMAIL, "Company": "Internationale Handelsgesellschaft mbH & Co. KG"}
               for i in range(8)]
    dialog = DuplicateDialog(EMAIL, matches)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    items = [dialog.list.item(i) for i in range(dialog.list.count())]
    widest = dialog.list.sizeHintForColumn(0)
    assert dialog.list.viewport().width() >= min(widest, 900)  # the dialog grew to show the text
    assert dialog.list.wordWrap() and all(item.toolTip() == item.text() for item in items)
    assert dialog.list.height() >= 4 * dialog.list.sizeHintForRow(0)  # several matches in view
