"""Keap-shaped XML-RPC faults raised by the emulator.

Every refusal the sandbox makes is a :class:`KeapFault` whose code and text follow the
"Emulator fault suggestions" of ``keap-xmlrpc.md`` section 5, so a client's error
mapping is exercised against the same strings it will meet in production.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

#: Java class of each service, used in the generic ``Failed to invoke method`` wrapper.
SERVICE_CLASSES = {
    "DataService": "com.infusionsoft.api.xmlrpc.XmlRpcDataService",
    "ContactService": "com.infusionsoft.api.xmlrpc.XmlRpcContactService",
    "APIEmailService": "com.infusionsoft.api.xmlrpc.XmlRpcAPIEmailService",
    "FunnelService": "com.infusionsoft.api.xmlrpc.XmlRpcFunnelService",
    "InvoiceService": "com.infusionsoft.api.xmlrpc.XmlRpcInvoiceService",
}

COLLATION_MESSAGE = (
    "Illegal mix of collations (latin1_swedish_ci,IMPLICIT) and (utf8_general_ci,COERCIBLE) for operation '='"
)


class KeapFault(Exception):
    """An XML-RPC fault with Keap's code and faultString."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def invalid_key() -> KeapFault:
    return KeapFault(2, "[InvalidKey]Invalid key")


def no_table(table: str) -> KeapFault:
    return KeapFault(9, f"[NoTableFound]No table found: {table}")


def no_field(table: str, name: str) -> KeapFault:
    return KeapFault(10, f"[NoFieldFound]No field found: {table}.{name}")


def no_field_access(table: str, name: str) -> KeapFault:
    return KeapFault(8, f"[NoFieldAccess]No field access: {table}.{name}")


def no_table_access(table: str, action: str) -> KeapFault:
    return KeapFault(7, f"[NoTableAccess]No table access: {table} ({action})")


def record_not_found(action: str | None = None, record_id: int | None = None) -> KeapFault:
    """``load`` uses the short text; update/delete name the action and the Id."""
    if action is None:
        return KeapFault(5, "[RecordNotFound]Record was not found")
    return KeapFault(5, f"[RecordNotFound]Unable to perform {action}. Record not found for Id:{record_id}")


def invalid_parameter(message: str) -> KeapFault:
    return KeapFault(12, f"[InvalidParameter]{message}")


def no_fields_sent() -> KeapFault:
    return KeapFault(11, "[NoFieldsSent]No Fields sent for Update")


def collation() -> KeapFault:
    return KeapFault(4, f"[DatabaseError]{COLLATION_MESSAGE}")


def no_such_handler(method: str) -> KeapFault:
    return KeapFault(0, f"No such handler: {method}")


def java_type(value: Any) -> str:
    """The Java class Apache XML-RPC would have made of a decoded parameter."""
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, dict):
        return "java.util.HashMap"
    if isinstance(value, list | tuple):
        return "[Ljava.lang.Object;"
    if isinstance(value, _dt.datetime):
        return "java.util.Date"
    if isinstance(value, bytes | bytearray):
        return "[B"
    return "java.lang.Object"


def no_matching_arguments(params: tuple[Any, ...] | list[Any]) -> KeapFault:
    return KeapFault(0, "No method matching arguments: " + ", ".join(java_type(p) for p in params))


def wrapped(method: str, message: str) -> KeapFault:
    """The generic code-0 Java wrapper: ``Failed to invoke method m in class ...: message``."""
    service, _, name = method.partition(".")
    cls = SERVICE_CLASSES.get(service, f"com.infusionsoft.api.xmlrpc.XmlRpc{service}")
    return KeapFault(0, f"Failed to invoke method {name} in class {cls}: {message}")
