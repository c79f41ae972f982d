"""Turn an XML-RPC fault (code and text) into one typed, explained error.

Keap's fault codes 1-15 come from its exception handler; many faults arrive as code 0
or 500 with a Java wrapper text, so the known strings are matched first.
"""

from __future__ import annotations

import re

from app.api import errors as e

#: Known fault texts, matched case-insensitively before the code is looked at.
_BY_TEXT: list[tuple[re.Pattern[str], type[e.FaultError]]] = [
    (re.compile(r"illegal mix of collations", re.I), e.CollationFault),
    (re.compile(r"ThrottlingException", re.I), e.ThrottleFault),
    (re.compile(r"could not create session", re.I), e.SessionFault),
    (re.compile(r"statement cancelled", re.I), e.StatementCancelledFault),
    (re.compile(r"^No such handler", re.I), e.NoSuchHandlerFault),
    (re.compile(r"No method matching arguments", re.I), e.NoMethodMatchingFault),
    (re.compile(r"^\[InvalidKey\]", re.I), e.InvalidKeyFault),
    (re.compile(r"^\[InvalidConfig\]", re.I), e.InvalidConfigFault),
    (re.compile(r"^\[RecordNotFound\]", re.I), e.RecordNotFoundFault),
    (re.compile(r"^\[NoFieldFound\]", re.I), e.NoFieldFoundFault),
    (re.compile(r"^\[NoFieldAccess\]", re.I), e.NoFieldAccessFault),
    (re.compile(r"^\[NoTableAccess\]", re.I), e.NoTableAccessFault),
    (re.compile(r"^\[NoTableFound\]", re.I), e.NoTableFoundFault),
    (re.compile(r"^\[DatabaseError\]", re.I), e.DatabaseFault),
    (re.compile(r"^\[Loading\]", re.I), e.LoadingFault),
    (re.compile(r"^\[FailedLoginAttempt\]", re.I), e.FailedLoginFault),
    (re.compile(r"^\[InvalidParameter\]", re.I), e.InvalidParameterFault),
    (re.compile(r"^\[NoFields", re.I), e.NoFieldsFault),
    (re.compile(r"String index out of range", re.I), e.SessionFault),
]

_BY_CODE: dict[int, type[e.FaultError]] = {
    1: e.InvalidConfigFault,
    2: e.InvalidKeyFault,
    3: e.UnexpectedFault,
    4: e.DatabaseFault,
    5: e.RecordNotFoundFault,
    6: e.LoadingFault,
    7: e.NoTableAccessFault,
    8: e.NoFieldAccessFault,
    9: e.NoTableFoundFault,
    10: e.NoFieldFoundFault,
    11: e.NoFieldsFault,
    12: e.InvalidParameterFault,
    13: e.FailedLoginFault,
    14: e.NoAccessFault,
    15: e.PasswordExpiredFault,
}

_FIELD_RE = re.compile(r"No field found: ([\w.]+)")


def fault_class(code: int, text: str) -> type[e.FaultError]:
    """The error class for a fault, by its known text first, then by its code."""
    for pattern, cls in _BY_TEXT:
        if pattern.search(text):
            return cls
    return _BY_CODE.get(code, e.UnexpectedFault if code == 500 else e.FaultError)


def map_fault(code: int, text: str, method: str) -> e.FaultError:
    """Build the typed error for a fault, with a message that names what went wrong."""
    cls = fault_class(code, text)
    message: str | None = None
    if cls is e.NoFieldFoundFault:
        match = _FIELD_RE.search(text)
        if match:
            message = (
                f"Keap does not know the field {match.group(1)} (field names are case-sensitive, "
                "and custom fields start with an underscore)."
            )
    elif cls is e.NoSuchHandlerFault:
        message = f"This Keap account does not offer {method}."
    return cls(message, fault_code=code, fault_string=text, method=method)
