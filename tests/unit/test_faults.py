"""Every known fault code and string maps to a typed, explained error."""

import pytest

from app.api import errors as e
from app.api.xmlrpc.faults import map_fault

CASES = [
    (1, "[InvalidConfig]Invalid Configuration: for help ...", e.InvalidConfigFault),
    (2, "[InvalidKey]Invalid key", e.InvalidKeyFault),
    (3, "[UnexpectedError]boom", e.UnexpectedFault),
    (4, "[DatabaseError]Error returning results", e.DatabaseFault),
    (5, "[RecordNotFound]Unable to perform update. Record not found for Id:48872", e.RecordNotFoundFault),
    (6, "[Loading]Error loading follow-up sequence", e.LoadingFault),
    (7, "[NoTableAccess]No access to Job", e.NoTableAccessFault),
    (8, "[NoFieldAccess]No access to Contact._SSN", e.NoFieldAccessFault),
    (9, "[NoTableFound]No table found: Contacts", e.NoTableFoundFault),
    (10, "[NoFieldFound]No field found: Contact.companyid", e.NoFieldFoundFault),
    (11, "[NoFieldsSent]No Fields sent for Update", e.NoFieldsFault),
    (12, "[InvalidParameter]limit", e.InvalidParameterFault),
    (13, "[FailedLoginAttempt]Invalid username and/or password.", e.FailedLoginFault),
    (14, "", e.NoAccessFault),
    (15, "", e.PasswordExpiredFault),
    (4, "[DatabaseError]Illegal mix of collations (latin1_swedish_ci,IMPLICIT) and "
        "(utf8_general_ci,COERCIBLE) for operation '='", e.CollationFault),
    (500, "Server encountered exception: com.infusionsoft.throttle.ThrottlingException: "
          "Maximum number of threads throttled", e.ThrottleFault),
    (0, "Failed to invoke method query in class x: could not create session", e.SessionFault),
    (0, "Failed to invoke method query in class com.infusionsoft.api.xmlrpc.XmlRpcDataService: "
        "Statement cancelled due to client request", e.StatementCancelledFault),
    (0, "No such handler: APIEmailService.sendTemplate", e.NoSuchHandlerFault),
    (0, "No method matching arguments: java.lang.String", e.NoMethodMatchingFault),
    (500, "Server encountered exception: java.lang.Exception: IP access not allowed", e.UnexpectedFault),
]


@pytest.mark.parametrize(("code", "text", "cls"), CASES)
def test_fault_maps_to_type(code: int, text: str, cls: type) -> None:
    err = map_fault(code, text, "DataService.query")
    assert type(err) is cls
    assert err.fault_code == code
    assert err.message and err.message != text  # a plain-language message, not the raw fault


def test_retryable_faults_are_marked() -> None:
    assert map_fault(500, "ThrottlingException", "m").retryable
    assert map_fault(0, "could not create session", "m").retryable
    assert not map_fault(2, "[InvalidKey]x", "m").retryable
    assert isinstance(map_fault(2, "[InvalidKey]x", "m"), e.AuthError)


def test_no_field_found_names_the_field() -> None:
    err = map_fault(10, "[NoFieldFound]No field found: Contact.firstname", "DataService.query")
    assert "Contact.firstname" in err.message


def test_key_never_in_message() -> None:
    from app.core.redact import register_secret

    register_secret("KeapAK-supersecretvalue")
    err = map_fault(2, "[InvalidKey]Invalid key KeapAK-supersecretvalue", "m")
    assert "supersecretvalue" not in str(err)
    assert "supersecretvalue" not in err.detail
    assert "supersecretvalue" not in err.fault_string
