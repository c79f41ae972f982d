"""Keap REST v2 error bodies: the API's ``Error`` shape and the gateway's ``fault`` shape.

The API answers refusals as ``{"code", "message", "status", "details"}`` with the HTTP
status in ``code`` and a google.rpc status name in ``status`` [V schema, V3 names]. The
Apigee gateway in front of it answers auth failures (and, we infer, throttles) with
``{"fault": {"faultstring", "detail": {"errorcode"}}}`` [V3].
"""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
}


class RestError(Exception):
    """A refusal the REST handlers raise; the server turns it into an ``Error`` body."""

    def __init__(self, status: int, message: str, *, resource: str | None = None,
                 status_name: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.status_name = status_name
        self.message = message
        self.resource = resource

    def body(self) -> dict[str, Any]:
        details = [{"domain": "crm", "resource": self.resource}] if self.resource else []
        return {
            "code": self.status,
            "message": self.message,
            "status": self.status_name or STATUS_NAMES.get(self.status, "UNKNOWN"),
            "details": details,
        }


def bad_request(message: str) -> RestError:
    return RestError(400, message)


def not_found(resource: str, record_id: object) -> RestError:
    return RestError(404, f"{resource} with id {record_id} was not found", resource=resource)


def conflict(message: str, status_name: str = "ALREADY_EXISTS") -> RestError:
    """409: a duplicate (ALREADY_EXISTS) or a state that forbids the change (FAILED_PRECONDITION)."""
    return RestError(409, message, status_name=status_name)


def gateway_fault(errorcode: str, faultstring: str) -> dict[str, Any]:
    """The Apigee gateway's body for a refused key [V3]."""
    return {"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}


MISSING_KEY = gateway_fault(
    "steps.oauth.v2.FailedToResolveAPIKey",
    "Failed to resolve API Key variable request.header.X-Keap-API-Key",
)
INVALID_KEY = gateway_fault("oauth.v2.InvalidAccessToken", "Invalid Access Token")
