"""Which calls may be repeated, and how long to wait between tries.

A call that is safe to repeat (a read, an update that sets the same values again, a
tag applied or removed again) is retried after an empty or garbled reply, a session
error, throttling or a gateway error. A create is never sent twice blindly: a lost
reply becomes "outcome unknown" and the caller decides (contact creation looks the
contact up by e-mail first). A request whose connection never opened cannot have
been applied, so it is retried for every call; so is a 429, which the gateway
answers before the API sees the call.
"""

from __future__ import annotations

from app.api import errors as e
from app.api.http_common import RetryPolicy

__all__ = ["KEYLESS_METHODS", "SAFE_METHODS", "RetryPolicy", "is_safe_to_repeat",
           "never_reached_server", "should_retry"]

#: Methods whose repetition leaves the same state as one successful call.
SAFE_METHODS = frozenset({
    "DataService.echo", "DataService.query", "DataService.count", "DataService.load",
    "DataService.findByField", "DataService.getAppSetting", "DataService.update",
    "DataService.delete", "DataService.updateCustomField", "DataService.getUserInfo",
    "ContactService.load", "ContactService.update", "ContactService.findByEmail",
    "ContactService.addToGroup", "ContactService.removeFromGroup",
    "ContactService.listLinkedContacts", "ContactService.unlinkContacts",
    "APIEmailService.optIn", "APIEmailService.optOut", "APIEmailService.getOptStatus",
    "InvoiceService.calculateAmountOwed", "InvoiceService.getPayments",
    "InvoiceService.getInvoiceId", "InvoiceService.getOrderId",
})

#: Methods that take no key parameter at all.
KEYLESS_METHODS = frozenset({"DataService.echo", "DataService.getUserInfo"})


def is_safe_to_repeat(method: str) -> bool:
    return method in SAFE_METHODS


def never_reached_server(err: BaseException) -> bool:
    """True when the call certainly was not applied, so even a create may be resent."""
    return isinstance(err, e.ConnectError | e.HttpThrottledError)


def should_retry(err: BaseException, method: str) -> bool:
    if not isinstance(err, e.ApiError) or isinstance(err, e.CancelledError | e.QuotaExhaustedError):
        return False
    if isinstance(err, e.HttpThrottledError) and err.daily_quota_spent:
        return False
    if never_reached_server(err):
        return True
    return err.retryable and is_safe_to_repeat(method)
