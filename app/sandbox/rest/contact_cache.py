"""Contacts' REST JSON, kept once rendered until the account's next write.

The sandbox is one Python process. Rendering a 1,000-contact page of REST JSON took ~30 ms of
its CPU (three times an XML-RPC page), and on the large-account bench the sandbox, not the
client, set the pace of a REST export: its process was busy 80-88% of it, so every call
queued behind the others. Keap answers in a time that does not grow with our parallel calls;
``latency_ms`` stands for that time, and the sandbox's own CPU should not add to it.

A contact's JSON depends only on stored rows (its own, its e-mail statuses, tags, links), so
its text is kept per choice of properties while SQLite's count of rows written on the store's
connection (``total_changes``) stays the same: any write, by either protocol, empties it. A
choice with ``custom_fields`` is never kept: its JSON also follows the custom-field columns,
which change by ALTER TABLE (not a row write). What a page sends is byte for byte what
rendering it whole sends (``tests/sandbox/test_rest_contact_cache.py``).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from app.sandbox.rest.contact_json import ContactJson
from app.sandbox.store import Store

#: Contacts kept per sandbox, over every choice of properties (a 250,000-contact account's
#: export properties take ~150 MB); past it, everything kept is dropped and kept afresh.
MAX_KEPT = 300_000


@dataclass(frozen=True)
class EncodedJson:
    """A reply body already encoded as ``json.dumps(body, ensure_ascii=False)`` would."""

    text: str


def page_body(key: str, items: Sequence[str], token: str) -> EncodedJson:
    """``{key: [items...], "next_page_token": token}`` from each item's JSON text."""
    after = json.dumps(token, ensure_ascii=False)
    return EncodedJson(f'{{{json.dumps(key)}: [{", ".join(items)}], "next_page_token": {after}}}')


class RenderedContacts:
    """The JSON text of contacts rendered so far, per choice of properties, for one store."""

    def __init__(self, store: Store, max_kept: int = MAX_KEPT) -> None:
        self.store = store
        self.max_kept = max_kept
        self.rendered = 0  # contacts rendered, not taken from what was kept (tests, diagnosis)
        self._written = -1
        self._kept: dict[frozenset[str], dict[int, str]] = {}

    def forget(self) -> None:
        """Drop what is kept (``bench/sandbox_page.py`` times a page's first rendering)."""
        self._kept.clear()

    def texts(self, renderer: ContactJson, ids: Sequence[int]) -> list[str]:
        """Each contact's JSON text, in the order of ``ids`` (every id must exist)."""
        if "custom_fields" in renderer.chosen:
            self.rendered += len(ids)
            return [_text(item) for item in renderer.render(self._rows(renderer, ids))]
        written = self.store.conn.total_changes
        if written != self._written:
            self._kept.clear()
            self._written = written
        kept = self._kept.setdefault(frozenset(renderer.chosen), {})
        missing = [i for i in ids if i not in kept]
        if missing:
            if sum(len(k) for k in self._kept.values()) + len(missing) > self.max_kept:
                self._kept.clear()  # the page's contacts kept so far go too: render them all
                kept = self._kept.setdefault(frozenset(renderer.chosen), {})
                missing = list(dict.fromkeys(ids))
            for item in renderer.render(self._rows(renderer, missing)):
                kept[int(item["id"])] = _text(item)
            self.rendered += len(missing)
        return [kept[i] for i in ids]

    def _rows(self, renderer: ContactJson, ids: Sequence[int]) -> list[dict[str, object]]:
        """The stored rows of a page's contacts, in the order of ``ids`` (one ``IN``, as the
        page's other look-ups in :class:`~app.sandbox.rest.contact_json.Extras`)."""
        sql = f'SELECT {renderer.select_list()} FROM "Contact" WHERE "Id" IN ({", ".join("?" * len(ids))})'
        found = {int(values[0]): dict(zip(renderer.columns, values, strict=True))
                 for values in self.store.conn.execute(sql, list(ids))}
        return [found[i] for i in ids]


def _text(item: dict[str, object]) -> str:
    return json.dumps(item, ensure_ascii=False)


_BY_STORE: weakref.WeakKeyDictionary[Store, RenderedContacts] = weakref.WeakKeyDictionary()


def rendered_contacts(store: Store) -> RenderedContacts:
    """The store's kept contacts (made on first use; called under the store's lock)."""
    kept = _BY_STORE.get(store)
    if kept is None:
        kept = _BY_STORE[store] = RenderedContacts(store)
    return kept
