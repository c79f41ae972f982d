"""The REST v2 route table (Werkzeug routing) and the context every handler gets.

Handlers register with ``@route("/contacts/<contact_id>", "GET")``; paths are relative to
``/crm/rest/v2``. A path nobody registered answers 404 and a known path with the wrong verb
405, both in Keap's ``Error`` shape, so a client never sees a Python traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from app.sandbox import errors as xml_errors
from app.sandbox.rest.conventions import Reply, Request
from app.sandbox.rest.errors import RestError
from app.sandbox.services.base import Context

if TYPE_CHECKING:
    from app.sandbox.store import Store

log = logging.getLogger("app.sandbox")
PREFIX = "/crm/rest/v2"
Handler = Callable[..., Any]

_MAP = Map(strict_slashes=False, merge_slashes=False)
_HANDLERS: dict[str, Handler] = {}
_LABELS: dict[str, str] = {}


@dataclass
class RestContext:
    """What a REST handler may use: the store, the account's settings, an XML-RPC Context.

    The XML-RPC context lets handlers reuse the sandbox's existing writes (merge, tags,
    opt-in, goals), so both protocols change the one account the same way.
    """

    store: Store
    app_name: str
    linked_contacts: bool
    xml: Context
    #: Whether one filter may name a field twice (``contact_id>1;contact_id<=9``): see
    #: ``SandboxConfig.repeated_filter_fields``.
    repeated_filter_fields: bool = True


def route(path: str, *methods: str) -> Callable[[Handler], Handler]:
    """Register ``f(ctx, req, **path_args) -> Reply | dict`` for ``PREFIX + path``."""

    def deco(func: Handler) -> Handler:
        endpoint = f"{func.__module__}.{func.__name__}"
        _MAP.add(Rule(PREFIX + path, endpoint=endpoint, methods=list(methods)))
        _HANDLERS[endpoint] = func
        _LABELS[endpoint] = path
        return func

    return deco


def _load_handlers() -> None:
    # Imported for their @route side effects.
    from app.sandbox.rest import contacts, records, tags  # noqa: F401


def label_of(method: str, path: str) -> str:
    """``GET /rest/v2/contacts/{contact_id}``: a stats label with no ids or e-mails in it."""
    try:
        _load_handlers()
        endpoint, _ = _MAP.bind("sandbox").match(unquote(path), method=method)
    except Exception:  # unknown path or verb (or a broken handler module): still counted
        return f"{method} (unknown)"
    rule = _LABELS.get(str(endpoint), "?").replace("<", "{").replace(">", "}")
    return f"{method} /rest/v2{rule}"


def dispatch(ctx: RestContext, req: Request) -> Reply:
    """Route one call and run its handler; every refusal becomes a Reply with an Error body."""
    try:
        _load_handlers()
        endpoint, args = _MAP.bind("sandbox").match(unquote(req.path), method=req.method)
    except MethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.valid_methods or []))
        return Reply(
            405, RestError(405, f"Method {req.method} is not allowed here (allowed: {allowed})").body()
        )
    except NotFound:
        return Reply(404, RestError(404, f"No such resource: {req.path}").body())
    except Exception:
        log.exception("sandbox: REST routing failed")
        return Reply(500, RestError(500, "Internal error").body())
    handler = _HANDLERS[str(endpoint)]
    try:
        with ctx.store.lock:  # one call at a time, as on the XML-RPC side
            result = handler(ctx, req, **args)
    except RestError as err:
        return Reply(err.status, err.body())
    except xml_errors.KeapFault as fault:
        return Reply(*_from_fault(fault))
    except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.exception("sandbox: %s %s failed", req.method, req.path)
        return Reply(500, RestError(500, f"Internal error: {type(exc).__name__}").body())
    return result if isinstance(result, Reply) else Reply(200, result)


def _from_fault(fault: xml_errors.KeapFault) -> tuple[int, dict[str, Any]]:
    """A fault from a shared write, as REST reports it."""
    text = fault.text
    if fault.code == 4 or "collations" in text:
        return 400, RestError(
            400, "Text contains characters outside Latin-1, which this account cannot store"
        ).body()
    if fault.code == 5:
        return 404, RestError(404, text.split("]", 1)[-1]).body()
    return 400, RestError(400, text.split("]", 1)[-1]).body()
