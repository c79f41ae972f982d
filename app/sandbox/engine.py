"""From a decoded ``methodCall`` to a result or a Keap fault: auth, lookup, arity, execution.

Kept apart from HTTP so the order of checks is in one place:
shared endpoint (``/crm/xmlrpc/v1``): the gateway checks the key (header or
``access_token``) first, then the method is looked up and its first parameter, a
placeholder, is required but ignored. Legacy endpoint (``/api/xmlrpc``): the method is
looked up, then the first parameter must be the key. ``DataService.echo`` has no key
parameter on either endpoint.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from app.sandbox import errors
from app.sandbox.services import REGISTRY, Context, matches
from app.sandbox.store import Store

log = logging.getLogger("app.sandbox")


def _has_nil(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list | tuple):
        return any(_has_nil(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nil(v) for v in value.values())
    return False


class Engine:
    """Runs XML-RPC calls against a store on behalf of one API key."""

    def __init__(self, store: Store, key: str, app_name: str, linked_contacts: bool) -> None:
        self.store = store
        self.key = key
        self.app_name = app_name
        self.linked_contacts = linked_contacts

    def known(self, method: str) -> bool:
        spec = REGISTRY.get(method)
        return spec is not None and (spec.feature != "linked_contacts" or self.linked_contacts)

    def call(self, method: str, params: tuple[Any, ...], *, legacy: bool, credential: str | None) -> Any:
        """Execute one call; raises :class:`errors.KeapFault` for every refusal."""
        if not legacy and credential != self.key:
            raise errors.invalid_key()
        spec = REGISTRY.get(method)
        if spec is None or not self.known(method):
            raise errors.no_such_handler(method)
        if _has_nil(params):
            raise errors.KeapFault(0, "Failed to parse XML-RPC request: Unknown type: nil")
        args = tuple(params)
        if spec.needs_key:
            if legacy and (not args or args[0] != self.key):
                raise errors.invalid_key()
            if not args or not isinstance(args[0], str):
                raise errors.no_matching_arguments(params)
            args = args[1:]
        if not matches(spec, args):
            raise errors.no_matching_arguments(params)
        ctx = Context(self.store, self.app_name, self.linked_contacts, method)
        try:
            with self.store.lock:  # one call at a time: a reset or a merge never interleaves with it
                return spec.handler(ctx, *args)
        except errors.KeapFault:
            raise
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            log.exception("sandbox: %s failed", method)
            raise errors.wrapped(method, str(exc)) from exc
