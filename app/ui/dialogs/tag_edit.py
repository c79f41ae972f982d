"""The small form behind New tag, New category, Rename, Move to category and Edit description.

It shows, before anything is saved, what Keap will store: a name outside Latin-1 is
transliterated (``Jūratė`` -> ``Jurate``) and spaces at the ends are dropped. A tag
name another tag already has is refused, since that is how tag sprawl starts. The
dialog is opened with ``open()`` (never a blocking ``exec()``) and read through
:meth:`values` when accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.tags import TagCategory
from app.services.tags import preview_name

Kind = Literal["tag", "category"]
Field = Literal["name", "category", "description"]


@dataclass(frozen=True)
class EditValues:
    name: str
    category_id: int | None
    description: str


class TagEditDialog(QDialog):
    """Edit some of a tag's or category's fields; ``fields`` says which are shown."""

    def __init__(self, parent: QWidget | None, *, title: str, kind: Kind, fields: tuple[Field, ...],
                 categories: list[TagCategory] | tuple[TagCategory, ...] = (), name: str = "",
                 category_id: int | None = None, description: str = "",
                 taken_names: set[str] | frozenset[str] = frozenset(), intro: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self._kind = kind
        self._fields = fields
        self._taken = {n.strip().casefold() for n in taken_names}
        self._original = name.strip().casefold()

        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        form = QFormLayout()
        layout.addLayout(form)

        self.name_edit = QLineEdit(name)
        self.name_edit.setMaxLength(255)
        self.name_edit.setPlaceholderText("Tag name" if kind == "tag" else "Category name")
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("color: palette(mid);")
        if "name" in fields:
            form.addRow("Name:", self.name_edit)
            form.addRow("", self.preview)

        self.category_box = QComboBox()
        self.category_box.addItem("No category", 0)
        for category in sorted(categories, key=lambda c: c.name.casefold()):
            self.category_box.addItem(category.name, category.id)
        found = self.category_box.findData(category_id or 0)
        self.category_box.setCurrentIndex(max(0, found))
        if "category" in fields:
            form.addRow("Category:", self.category_box)

        self.description_edit = QPlainTextEdit(description)
        self.description_edit.setPlaceholderText("What the tag means and who applies it")
        self.description_edit.setFixedHeight(80)
        if "description" in fields:
            form.addRow("Description:", self.description_edit)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._update)
        self._update()

    def values(self) -> EditValues:
        category = self.category_box.currentData()
        return EditValues(preview_name(self.name_edit.text()), int(category) or None,
                          self.description_edit.toPlainText().strip())

    def problem(self) -> str:
        """Why OK is disabled, or ""."""
        if "name" not in self._fields:
            return ""
        saved = preview_name(self.name_edit.text())
        if not saved:
            return "Type a name."
        if saved.casefold() != self._original and saved.casefold() in self._taken:
            return f"A {self._kind} named \u201c{saved}\u201d already exists."
        return ""

    def _update(self) -> None:
        problem = self.problem()
        typed = self.name_edit.text()
        saved = preview_name(typed)
        if problem:
            self.preview.setText(problem)
        elif saved != typed:
            self.preview.setText(f"Will be saved as \u201c{saved}\u201d (Keap stores Western European "
                                 "characters only, without spaces at the ends).")
        else:
            self.preview.setText("")
        self.preview.setVisible(bool(self.preview.text()))
        if self.preview.text():  # wrapped text: make room for its lines (layouts ignore heightForWidth)
            self.preview.setMinimumHeight(self.preview.heightForWidth(max(200, self.preview.width())))
            if self.isVisible():
                self.adjustSize()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problem)
