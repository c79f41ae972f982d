"""The protocol of a connection in the Connections dialog: REST v2 or XML-RPC, with the countdown.

Keap switches XML-RPC off on 2026-12-31. An XML-RPC connection shows how many days it
has left (or that it is off) and a one-click "Switch to REST v2" that keeps the key;
new connections start on REST v2.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.profiles import PROTOCOL_LABELS, REST, XMLRPC, xmlrpc_days_left, xmlrpc_notice
from app.ui import palette


class ProtocolRow(QWidget):
    """A protocol combo plus, for XML-RPC, the switch-off notice and the switch button.

    Signals:
        protocol_changed(str): the user picked another protocol in the combo.
        switch_requested(): the user pressed "Switch to REST v2".
    """

    protocol_changed = Signal(str)
    switch_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.combo = QComboBox()
        self.combo.setObjectName("protocolCombo")
        for value in (REST, XMLRPC):
            self.combo.addItem(PROTOCOL_LABELS[value], value)
        self.notice = QLabel()
        self.notice.setObjectName("xmlrpcNotice")
        self.notice.setWordWrap(True)
        self.switch_button = QPushButton("Switch to &REST v2")
        self.switch_button.setObjectName("switchToRest")
        self.switch_button.setToolTip("Use Keap's REST v2 API for this connection; the key stays the same.")
        self.switch_button.clicked.connect(self.switch_requested)
        notice_row = QHBoxLayout()
        notice_row.setContentsMargins(0, 0, 0, 0)
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.switch_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addLayout(notice_row)
        self.combo.currentIndexChanged.connect(self._on_changed)
        self._loading = False
        self._sync()

    @property
    def protocol(self) -> str:
        return str(self.combo.currentData())

    def set_protocol(self, protocol: str) -> None:
        """Show ``protocol`` without emitting protocol_changed."""
        self._loading = True
        self.combo.setCurrentIndex(max(0, self.combo.findData(protocol)))
        self._loading = False
        self._sync()

    def _on_changed(self) -> None:
        self._sync()
        if not self._loading:
            self.protocol_changed.emit(self.protocol)

    def _sync(self) -> None:
        xmlrpc = self.protocol == XMLRPC
        self.notice.setVisible(xmlrpc)
        self.switch_button.setVisible(xmlrpc)
        if xmlrpc:
            self.notice.setText(xmlrpc_notice(self._today))
            off = xmlrpc_days_left(self._today) < 0
            self.notice.setStyleSheet(palette.text_style("error" if off else "warning"))
