"""The page shown when no account is open: connect to Keap, or try the demo."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """Signals: connect_clicked(), demo_clicked()."""

    connect_clicked = Signal()
    demo_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_page")
        title = QLabel("TagDesk")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.6)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel("Find, fix and tag the contacts of your Keap account — safely.")
        sub_font = subtitle.font()
        sub_font.setPointSizeF(sub_font.pointSizeF() * 1.2)
        subtitle.setFont(sub_font)
        self.connect_button = QPushButton("Connect to Keap")
        self.demo_button = QPushButton("Try the demo")
        for button in (self.connect_button, self.demo_button):
            button.setMinimumSize(220, 64)
            bfont = button.font()
            bfont.setPointSizeF(bfont.pointSizeF() * 1.25)
            button.setFont(bfont)
        self.connect_button.setDefault(True)
        self.connect_button.setObjectName("connect_button")
        self.demo_button.setObjectName("demo_button")
        self.connect_button.clicked.connect(self.connect_clicked)
        self.demo_button.clicked.connect(self.demo_clicked)
        note = QLabel("Connect with a personal access token or service account key from your Keap "
                      "account.\nThe demo opens a local practice account with sample data: nothing "
                      "you do there reaches Keap.")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setStyleSheet("color: palette(mid);")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.connect_button)
        buttons.addSpacing(24)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(subtitle, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(36)
        layout.addLayout(buttons)
        layout.addSpacing(24)
        layout.addWidget(note, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
