"""One typed error for every way a Keap call can fail.

Each error carries a plain-language ``message`` for the user, a technical ``detail``
for the log, and ``retryable``: whether sending the same call again can help. Both
texts pass through :func:`app.core.redact.redact`, so a key never appears in them.
"""

from __future__ import annotations

from app.core.redact import redact


class ApiError(Exception):
    """Base of every failure raised by the API layer."""

    retryable: bool = False
    #: True when the request may have reached the server and been applied.
    outcome_unknown: bool = False
    default_message = "The call to Keap failed."

    def __init__(self, message: str | None = None, *, detail: str = "", method: str = "") -> None:
        self.message = redact(message or self.default_message)
        self.detail = redact(detail)
        self.method = method
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        return type(self).__name__


# --- transport --------------------------------------------------------------------------


class TransportError(ApiError):
    """The HTTP exchange itself failed."""

    retryable = True
    default_message = "Could not reach Keap. Check your internet connection and try again."


class ConnectError(TransportError):
    """The connection was never established: the request cannot have been applied."""


class ConnectionDroppedError(TransportError):
    """The connection broke after the request was sent: it may have been applied."""

    outcome_unknown = True
    default_message = "The connection to Keap dropped before a reply arrived."


class RequestTimeoutError(TransportError):
    """No reply within the read timeout: the request may have been applied."""

    outcome_unknown = True
    default_message = "Keap did not answer in time."


class TlsError(ApiError):
    """The server's certificate could not be verified. Never retried, never bypassed."""

    default_message = (
        "The server's security certificate could not be verified, so TagDesk did not send "
        "anything. If your network inspects TLS traffic, ask your IT team for its CA certificate "
        "and choose it as the CA bundle in the connection's settings."
    )


# --- HTTP status and bodies --------------------------------------------------------------


class HttpStatusError(ApiError):
    """An HTTP status other than 200."""

    def __init__(self, message: str | None = None, *, status: int = 0, detail: str = "",
                 method: str = "") -> None:
        self.status = status
        super().__init__(message, detail=detail, method=method)


class RestApiError(HttpStatusError):
    """A REST v2 error reply: Keap's ``{code, message, status, details}`` body, or a bare status.

    Keap's own ``message`` (for example which filter field it did not accept) is part of
    the user message, because it usually says exactly what to fix; ``api_status`` is
    its google.rpc status word (``INVALID_ARGUMENT``, ``NOT_FOUND`` ...). Not retried:
    the same request would be refused the same way.
    """

    default_message = "Keap refused the request."

    def __init__(self, message: str | None = None, *, status: int = 0, api_message: str = "",
                 api_status: str = "", detail: str = "", method: str = "") -> None:
        self.api_message = redact(api_message)
        self.api_status = api_status
        super().__init__(message, status=status, detail=detail, method=method)


class NotFoundError(RestApiError):
    """HTTP 404: the record (or the path) does not exist in Keap."""

    default_message = "Keap could not find that record; it may have been deleted or merged."


class AuthError(ApiError):
    """The credential was refused. Retrying with the same key cannot help."""

    default_message = (
        "Keap refused the API key or token. Check the connection's key (it may have been "
        "revoked or mistyped) and test the connection again."
    )


class HttpAuthError(HttpStatusError, AuthError):
    """HTTP 401 or 403."""


class ThrottledError(ApiError):
    """Too many calls: wait and try again."""

    retryable = True
    default_message = "Keap is limiting how fast this key may call it. TagDesk will slow down."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None,
                 detail: str = "", method: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(message, detail=detail, method=method)


class HttpThrottledError(HttpStatusError, ThrottledError):
    """HTTP 429 with Keap's JSON quota body."""

    def __init__(self, message: str | None = None, *, status: int = 429, retry_after: float | None = None,
                 daily_quota_spent: bool = False, detail: str = "", method: str = "") -> None:
        HttpStatusError.__init__(self, message, status=status, detail=detail, method=method)
        # set after the cooperative __init__ chain, which passes through ThrottledError
        self.retry_after = retry_after
        self.daily_quota_spent = daily_quota_spent


class ServerUnavailableError(HttpStatusError):
    """HTTP 502, 503 or 504: Keap or its gateway is briefly unavailable."""

    retryable = True
    default_message = "Keap is temporarily unavailable. TagDesk will try again."


class UnexpectedBodyError(HttpStatusError):
    """A gateway or error page (HTML, or JSON where XML-RPC was expected) arrived instead of data."""

    retryable = True
    default_message = "Keap sent an error page instead of data."


class ResponseError(ApiError):
    """The reply could not be read."""

    retryable = True


class EmptyResponseError(ResponseError):
    default_message = "Keap sent an empty reply."


class MalformedResponseError(ResponseError):
    default_message = "Keap sent a reply that could not be read."


class UnsafeXmlError(ResponseError):
    """An entity bomb, external entity or DTD: refused, never retried."""

    retryable = False
    default_message = "Keap's reply contained XML constructs TagDesk refuses to process for safety."


# --- XML-RPC faults ---------------------------------------------------------------------


class FaultError(ApiError):
    """A fault returned by the server."""

    default_message = "Keap refused the call."

    def __init__(self, message: str | None = None, *, fault_code: int = 0, fault_string: str = "",
                 method: str = "") -> None:
        self.fault_code = fault_code
        self.fault_string = redact(fault_string)
        super().__init__(message, detail=f"fault {fault_code}: {fault_string}", method=method)


class InvalidConfigFault(FaultError, AuthError):
    retryable = False
    default_message = "Keap says the API configuration is invalid; this is usually a wrong or revoked key."


class InvalidKeyFault(FaultError, AuthError):
    default_message = "Keap says the API key is invalid. Check the key in the connection's settings."


class UnexpectedFault(FaultError):
    default_message = "Keap reported an unexpected error."


class DatabaseFault(FaultError):
    default_message = "Keap reported a database error while answering."


class RecordNotFoundFault(FaultError):
    default_message = "The record no longer exists in Keap (it may have been deleted or merged)."


class LoadingFault(FaultError):
    default_message = "Keap could not load a record the call refers to."


class NoTableAccessFault(FaultError):
    default_message = "This key is not allowed to use that table."


class NoFieldAccessFault(FaultError):
    default_message = "This field cannot be read or written through the API (for example an SSN field)."


class NoTableFoundFault(FaultError):
    default_message = "Keap does not know that table."


class NoFieldFoundFault(FaultError):
    default_message = "Keap does not know that field (field names are case-sensitive)."


class NoFieldsFault(FaultError):
    default_message = "Nothing was saved: every field sent was read-only."


class InvalidParameterFault(FaultError):
    default_message = "Keap refused one of the call's values."


class FailedLoginFault(FaultError, AuthError):
    default_message = "Keap refused the user name or password."


class NoAccessFault(FaultError, AuthError):
    default_message = "This key has no access to that operation."


class PasswordExpiredFault(FaultError, AuthError):
    default_message = "The password has expired; change it in Keap first."


class CollationFault(FaultError):
    default_message = (
        "Keap's database stores only Western European (Latin-1) characters and refused some of "
        "the text. TagDesk's preflight shows what to save instead."
    )


class ThrottleFault(FaultError, ThrottledError):
    retryable = True
    retry_after = None
    default_message = "Keap is throttling this account (too many calls at once). TagDesk will slow down."


class SessionFault(FaultError):
    retryable = True
    default_message = "Keap could not open a session for the call. TagDesk will try again."


class StatementCancelledFault(FaultError):
    retryable = True
    default_message = "Keap cancelled a long query. TagDesk will try again."


class NoSuchHandlerFault(FaultError):
    default_message = "This Keap account does not offer that operation."


class NoMethodMatchingFault(FaultError):
    default_message = "Keap did not accept the call's arguments (a programming error in TagDesk)."


# --- client-side refusals and job control ------------------------------------------------


class OutcomeUnknownError(ApiError):
    """A call that must not be repeated blindly lost its reply: it may or may not have been applied."""

    outcome_unknown = True
    default_message = (
        "The reply was lost, so TagDesk cannot tell whether Keap applied the change. "
        "It was not sent again, to avoid a duplicate."
    )

    def __init__(self, message: str | None = None, *, cause: ApiError | None = None,
                 method: str = "") -> None:
        self.cause = cause
        super().__init__(message, detail=cause.detail if cause else "", method=method)


class InvalidValueError(ApiError):
    """A value TagDesk will not send (infinity, not-a-number, an integer Keap cannot store, an
    e-mail address the Latin-1 database would alter); refused before anything is sent."""

    default_message = "That value cannot be saved in Keap."


class UnsupportedError(ApiError):
    """What the connection's protocol cannot do (a REST search it cannot express, a field it
    lacks); raised before anything is sent, with what to do instead."""

    default_message = "Keap's API cannot do this over this connection."


class UnsupportedOperationError(UnsupportedError):
    """An operation the capability registry refuses on this protocol (deleting a tag over
    XML-RPC); nothing was sent.

    ``op`` names the capability (:class:`app.core.capabilities.Op` value) and the message
    is the capability's own explanation and workaround, as the GUI shows them elsewhere.
    """

    def __init__(self, message: str | None = None, *, op: str = "", method: str = "") -> None:
        self.op = op
        super().__init__(message, detail=f"unsupported operation: {op}" if op else "", method=method)


class InvalidFieldError(ApiError):
    """A field name the schema does not know, refused before the call left the machine."""

    def __init__(self, table: str, field: str, suggestions: list[str]) -> None:
        self.table = table
        self.field = field
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"{table} has no field named {field!r}.{hint}")


class ReadOnlyFieldError(ApiError):
    """Only read-only fields were given for a save."""


class QuotaExhaustedError(ApiError):
    """The key's daily quota is spent; waiting for the reset is the only way on."""

    default_message = "This key has used its daily quota of Keap calls. It resets at midnight UTC."


class CancelledError(ApiError):
    """The job was cancelled by the user."""

    default_message = "Cancelled."
