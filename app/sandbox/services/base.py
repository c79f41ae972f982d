"""Method registry and argument matching, the way Apache XML-RPC on Keap's side does it.

Apache XML-RPC picks a Java method by parameter count and types; when none fits the
caller gets ``No method matching arguments: <java types>``. Each handler registers
the XML-RPC signatures it accepts (the key parameter not included) so that parameter
counts stay honest, and the dispatcher reproduces that fault text.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.sandbox.store import Store

Handler = Callable[..., Any]


@dataclass
class Context:
    """What a handler may use: the store and the account's settings."""

    store: Store
    app_name: str = "tagdesk-demo"
    linked_contacts: bool = True
    method: str = ""

    @property
    def api_user_id(self) -> int | None:
        """The user the API key belongs to: the first User row [I]."""
        found = self.store.scalar('SELECT Id FROM "User" ORDER BY rowid LIMIT 1')
        return None if found is None else int(found)


@dataclass(frozen=True)
class MethodSpec:
    """One XML-RPC method: accepted signatures (after the key) and its handler."""

    name: str
    signatures: tuple[tuple[str, ...], ...]
    handler: Handler
    needs_key: bool = True
    feature: str | None = None
    writes: bool = False


REGISTRY: dict[str, MethodSpec] = {}


def rpc(
    name: str,
    *signatures: tuple[str, ...],
    needs_key: bool = True,
    feature: str | None = None,
    writes: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler ``f(ctx, *args)`` under ``Service.method``."""

    def deco(func: Handler) -> Handler:
        REGISTRY[name] = MethodSpec(name, signatures, func, needs_key, feature, writes)
        return func

    return deco


def _fits(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "double":  # lenient [I]: an <int> is accepted where a double is expected
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "struct":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "dateTime":
        return isinstance(value, _dt.datetime)
    if kind == "scalar":
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    return False


def matches(spec: MethodSpec, args: tuple[Any, ...]) -> bool:
    return any(
        len(sig) == len(args) and all(_fits(k, a) for k, a in zip(sig, args, strict=True))
        for sig in spec.signatures
    )
