"""Keys pasted with whitespace, and keys in escaped or cut forms, never leak.

A key is stripped of all whitespace on entry (saving it, building a client), and
:func:`app.core.redact.redact` masks a registered key in its escaped forms (repr, JSON,
URL-encoded) and any long run of it, so an error snippet cut in the middle of an echoed
key shows none of it.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from app.api import errors as e
from app.api.http_common import HttpReply
from app.api.quota import QuotaInfo
from app.api.rest.replies import interpret as rest_interpret
from app.api.xmlrpc.codec import decode_response
from app.core.redact import MASK, clip, redact, register_secret
from app.services import secrets as secrets_mod
from app.services.profiles import Profile, build_client

KEY = "KeapAK-5f0c2a9e4b7d41c3a8e6f1d2c3b4a596"


@pytest.fixture(autouse=True)
def _registered() -> None:
    register_secret(KEY)


@pytest.mark.parametrize("form", [
    repr(KEY + "\n")[1:-1], json.dumps(KEY + "\r\n"), quote(KEY + " ", safe=""), quote_plus(KEY),
    json.dumps({"k": KEY}), repr(KEY.encode()),
])
def test_escaped_forms_are_masked(form: str) -> None:
    register_secret(KEY + "\n")
    register_secret(KEY + "\r\n")
    register_secret(KEY + " ")
    assert KEY[7:19] not in redact(f"before {form} after")


def test_a_key_cut_short_leaves_none_of_itself() -> None:
    text = "the server said: invalid key " + KEY
    for limit in range(30, len(text)):
        clipped = clip(text, limit)
        assert KEY[7:19] not in clipped
        assert not any(KEY[i:i + 8] in clipped for i in range(len(KEY) - 8)), clipped
    assert MASK in redact("echo " + KEY[:20])  # a part echoed back is masked too
    assert redact("keys start with KeapAK-") == "keys start with KeapAK-"


def test_set_key_strips_line_breaks_and_spaces() -> None:
    store = secrets_mod.SecretStore()
    store.session_only = True
    store.set_key("p1", "  KeapAK-5f0c2a9e4b7d\n41c3a8e6f1d2c3b4a596 \r\n")
    assert store.get_key("p1") == KEY


def test_build_client_strips_whitespace_from_the_key() -> None:
    profile = Profile(name="x", url="https://api.keap.com/crm", protocol="rest")
    client = build_client(profile, KEY[:20] + "\n " + KEY[20:] + "\n")
    try:
        headers = client.transport._sessions.get().headers  # type: ignore[union-attr]
        assert headers["X-Keap-API-Key"] == KEY
    finally:
        client.close()


def test_rest_error_body_echoing_the_key_is_redacted() -> None:
    body = json.dumps({"message": "bad key " + KEY + " " + "x" * 600, "status": "UNAUTHENTICATED",
                       "details": [{"key": KEY}]}).encode()
    with pytest.raises(e.ApiError) as caught:
        rest_interpret(HttpReply(400, {"content-type": "application/json"}, body, 0.1), "GET /x",
                       http_method="GET", quota=QuotaInfo())
    err = caught.value
    for text in (err.message, err.detail, getattr(err, "api_message", "")):
        assert KEY[7:19] not in text and KEY[20:32] not in text


def test_xmlrpc_snippet_of_a_reply_echoing_the_key_is_redacted() -> None:
    body = b"<html><body>" + KEY.encode() + b"</body></html>"
    for cut in range(0, 30):
        with pytest.raises(e.ApiError) as caught:
            decode_response(b" " * cut + body[:40 + cut] + b"<not-well-formed")
        assert KEY[7:19] not in caught.value.detail
        assert KEY[-12:] not in caught.value.detail
