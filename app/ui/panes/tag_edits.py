"""Tag and category edits of the tags pane: the dialogs, the questions and the writes.

Split from :mod:`app.ui.panes.tags_pane` by role: the pane shows the tree, its counts and
the tag filter; :class:`TagEdits` asks and writes. Every edit goes through
:class:`~app.services.tags.TagsService` on the write lane; the tree refreshes through the
session's change path, not from here. Keap's XML-RPC API cannot delete a tag, so
Delete explains that (from the capability registry, without a call) and offers to
retire the tag instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QPushButton

from app.core.cancel import Cancellable
from app.core.capabilities import Op
from app.core.tags import ARCHIVE_CATEGORY, Tag, TagCategory, retired_name
from app.jobs import Scope
from app.ui.dialog_host import show_dialog
from app.ui.dialogs.bulk_tags import BulkTagsDialog, open_bulk_tags
from app.ui.dialogs.tag_edit import TagEditDialog
from app.ui.dialogs.tag_health import TagHealthDialog, open_tag_health

if TYPE_CHECKING:
    from app.ui.panes.tags_pane import TagsPane


class TagEdits(QObject):
    """The pane's edit commands; dialogs open over the pane (its ``active_dialog``)."""

    def __init__(self, pane: TagsPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.runner = pane.runner
        self.presenter = pane.presenter
        self.service = pane.service
        self.retire_button: QPushButton | None = None
        self.delete_button: QPushButton | None = None

    # -- writes ------------------------------------------------------------------------------------

    def _write(self, what: str, fn: Callable[[Cancellable], Any],
               select: Callable[[Any], set[int]] | None = None) -> None:
        def done(result: Any) -> None:
            if select is not None:
                self.pane.select_after_load(select(result))

        # the list reloads through apply_changes, after a failure too (Keap may have made it)
        self.runner.run(fn, lane="write", on_done=done,
                        on_error=lambda error: self.presenter.present(error, what), description=what)

    def create_tag(self, name: str, category_id: int | None = None, description: str = "") -> None:
        self._write("Creating a tag", lambda t: self.service.create_tag(name, category_id, description, t),
                    lambda tag: {tag.id})

    def create_category(self, name: str, description: str = "") -> None:
        self._write("Creating a category", lambda t: self.service.create_category(name, description, t))

    def rename_tag(self, tag: Tag, name: str) -> None:
        self._write("Renaming a tag", lambda t: self.service.rename_tag(tag, name, t))

    def describe_tag(self, tag: Tag, description: str) -> None:
        self._write("Saving a description", lambda t: self.service.describe_tag(tag, description, t))

    def move_tags(self, tags: list[Tag], category_id: int | None) -> None:
        def move(token: Cancellable) -> None:
            for tag in tags:
                self.service.move_tag(tag, category_id, token)
        self._write("Moving tags", move, lambda _r: {t.id for t in tags})

    def update_category(self, category: TagCategory, *, name: str | None = None,
                        description: str | None = None) -> None:
        self._write("Saving a category",
                    lambda t: self.service.update_category(category, t, name=name, description=description))

    def retire_tags(self, tags: list[Tag]) -> None:
        def retire(token: Cancellable) -> None:
            for tag in tags:
                self.service.retire_tag(tag, token)
        self._write("Retiring tags", retire, lambda _r: {t.id for t in tags})

    # -- dialogs -------------------------------------------------------------------------------------

    def _taken_tag_names(self) -> set[str]:
        return {t.name for t in self.pane.model.tags()}

    def new_tag_dialog(self) -> TagEditDialog:
        tags = self.pane.selected_tags()
        _is_cat, category = self.pane.selected_category()
        default = category.id if category is not None else (tags[0].category_id if tags else None)
        dialog = TagEditDialog(self.pane, title="New tag", kind="tag",
                               fields=("name", "category", "description"),
                               categories=self.pane.model.categories(), category_id=default,
                               taken_names=self._taken_tag_names())
        dialog.accepted.connect(lambda: self.create_tag(*_tag_args(dialog)))
        show_dialog(self.pane, dialog)
        return dialog

    def new_category_dialog(self) -> TagEditDialog:
        dialog = TagEditDialog(self.pane, title="New category", kind="category",
                               fields=("name", "description"),
                               taken_names={c.name for c in self.pane.model.categories()})
        dialog.accepted.connect(lambda: self.create_category(*_category_args(dialog)))
        show_dialog(self.pane, dialog)
        return dialog

    def rename_dialog(self) -> TagEditDialog | None:
        tags = self.pane.selected_tags()
        _is_cat, category = self.pane.selected_category()
        if len(tags) == 1:
            tag = tags[0]
            dialog = TagEditDialog(self.pane, title="Rename tag", kind="tag", fields=("name",),
                                   name=tag.name.strip(), taken_names=self._taken_tag_names(),
                                   intro="Campaigns and saved searches in Keap refer to the tag by its Id, "
                                         "so they keep working after a rename.")
            dialog.accepted.connect(lambda: self.rename_tag(tag, dialog.values().name))
        elif category is not None:
            cat = category
            dialog = TagEditDialog(self.pane, title="Rename category", kind="category", fields=("name",),
                                   name=cat.name, taken_names={c.name for c in self.pane.model.categories()})
            dialog.accepted.connect(lambda: self.update_category(cat, name=dialog.values().name))
        else:
            return None
        show_dialog(self.pane, dialog)
        return dialog

    def move_dialog(self) -> TagEditDialog | None:
        tags = self.pane.selected_tags()
        if not tags:
            return None
        noun = f"\u201c{tags[0].name.strip()}\u201d" if len(tags) == 1 else f"{len(tags)} tags"
        dialog = TagEditDialog(self.pane, title="Move to category", kind="tag", fields=("category",),
                               categories=self.pane.model.categories(), category_id=tags[0].category_id,
                               intro=f"Move {noun} to:")
        dialog.accepted.connect(lambda: self.move_tags(tags, dialog.values().category_id))
        show_dialog(self.pane, dialog)
        return dialog

    def describe_dialog(self) -> TagEditDialog | None:
        tags = self.pane.selected_tags()
        _is_cat, category = self.pane.selected_category()
        if len(tags) == 1:
            tag = tags[0]
            dialog = TagEditDialog(self.pane, title="Edit description", kind="tag", fields=("description",),
                                   description=tag.description, intro=f"\u201c{tag.name.strip()}\u201d")
            dialog.accepted.connect(lambda: self.describe_tag(tag, dialog.values().description))
        elif category is not None:
            cat = category
            dialog = TagEditDialog(self.pane, title="Edit description", kind="category",
                                   fields=("description",),
                                   description=cat.description, intro=f"Category \u201c{cat.name}\u201d")
            dialog.accepted.connect(
                lambda: self.update_category(cat, description=dialog.values().description))
        else:
            return None
        show_dialog(self.pane, dialog)
        return dialog

    def request_delete(self) -> QMessageBox | None:
        """Over REST v2: ask (showing how many contacts lose the tag), then delete. Over XML-RPC:
        explain why the API cannot delete (no call is made) and offer to retire instead."""
        tags = self.pane.selected_tags()
        _is_cat, category = self.pane.selected_category()
        op = Op.DELETE_TAG if tags else Op.DELETE_TAG_CATEGORY
        if not tags and category is None:
            return None
        cap = self.service.capabilities.get(op)
        if cap is None or cap.allowed:
            return self._ask_delete(tags, category)
        box = QMessageBox(QMessageBox.Icon.Information, cap.title if cap else "Delete",
                          self.service.explain(op), QMessageBox.StandardButton.Cancel, self.pane)
        box.setWindowTitle("Delete")
        self.retire_button = None
        if tags:
            first = tags[0]
            what = (f"\u201c{first.name.strip()}\u201d becomes \u201c{retired_name(first.name)}\u201d"
                    if len(tags) == 1 else f"{len(tags)} tags get the \u201czz-retired\u201d prefix")
            box.setInformativeText(f"Retire: {what} and moves to the \u201c{ARCHIVE_CATEGORY}\u201d category "
                                   "(created if missing). Contacts keep the tag; nothing else changes.")
            self.retire_button = box.addButton("Retire", QMessageBox.ButtonRole.AcceptRole)
            chosen = list(tags)
            self.retire_button.clicked.connect(lambda: self.retire_tags(chosen))
        show_dialog(self.pane, box)
        return box

    def _ask_delete(self, tags: list[Tag], category: TagCategory | None) -> QMessageBox | None:
        if not tags and category is not None:
            in_use = sum(1 for t in self.pane.model.tags() if t.category_id == category.id)
            if in_use:
                plural = "s" if in_use != 1 else ""
                box = QMessageBox(QMessageBox.Icon.Information, "Delete category",
                                  f"\u201c{category.name}\u201d still has {in_use} tag{plural}. "
                                  "Move or delete them first: Keap deletes only an empty category.",
                                  QMessageBox.StandardButton.Ok, self.pane)
                show_dialog(self.pane, box)
                return box
            text = f"Delete the tag category \u201c{category.name}\u201d? Keap has no undo."
            chosen_category = category
            return self._confirm_delete(text, lambda t: self.service.delete_category(chosen_category, t),
                                        "Deleting a category")
        counts = [self.pane.model.count_of(t.id) for t in tags]
        if any(c is None for c in counts):  # counts still loading: ask Keap, one cheap read per tag
            chosen = list(tags)
            def counted(found: list[int]) -> None:
                self._ask_delete_tags(chosen, found)

            self.runner.run(lambda token: [self.service.member_count(t.id, token) for t in chosen],
                            on_done=counted, description="count tag members",
                            on_error=lambda err: self.presenter.present(err, "Counting the tag's contacts"))
            return None
        return self._ask_delete_tags(tags, [int(c or 0) for c in counts])

    def _ask_delete_tags(self, tags: list[Tag], counts: list[int]) -> QMessageBox:
        members = sum(counts)
        who = f"{members:,} contact{'s' if members != 1 else ''}"
        if len(tags) == 1:
            text = f"Delete the tag \u201c{tags[0].name.strip()}\u201d? {who} have it and will lose it."
        else:
            text = f"Delete {len(tags)} tags? {who} have one of them and will lose it."
        text += (" Keap has no undo, and campaigns or saved searches that use the tag stop matching. "
                 "To keep the history, retire the tag instead.")
        chosen = list(tags)

        def delete(token: Cancellable) -> None:
            for tag in chosen:
                self.service.delete_tag(tag, token)

        return self._confirm_delete(text, delete, "Deleting tags")

    def _confirm_delete(self, text: str, fn: Callable[[Cancellable], Any], what: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete", text, QMessageBox.StandardButton.Cancel,
                          self.pane)
        self.delete_button = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        self.delete_button.clicked.connect(lambda: self._write(what, fn))
        show_dialog(self.pane, box)
        return box

    def open_health(self) -> TagHealthDialog:
        tags = self.pane.model.tags()
        complete = self.pane.model.counts_complete
        dialog = open_tag_health(self.pane, self.runner, self.presenter, self.service,
                                 tags=tags if complete else None,
                                 categories=self.pane.model.categories() if complete else None)
        self.pane.active_dialog = dialog
        return dialog

    def open_bulk_for_selection(self) -> BulkTagsDialog | None:
        tags = self.pane.selected_tags()
        if not tags:
            return None
        scope = Scope.tagged([t.id for t in tags], self.pane.mode, [t.name.strip() for t in tags])
        dialog = open_bulk_tags(self.pane, self.runner, self.presenter, self.service, scope)
        self.pane.active_dialog = dialog
        return dialog

def _tag_args(dialog: TagEditDialog) -> tuple[str, int | None, str]:
    values = dialog.values()
    return values.name, values.category_id, values.description



def _category_args(dialog: TagEditDialog) -> tuple[str, str]:
    values = dialog.values()
    return values.name, values.description
