"""'Test connection' against a real sandbox on loopback: numbers on success, a next step on failure."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rest_testkit import sandbox_profile

from app.api import errors as e
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.transport import AuthMode
from app.core.cancel import CancelToken
from app.sandbox import Sandbox, SandboxConfig
from app.services.connection_test import check_connection, next_step_for
from app.services.profiles import Profile, build_client

PROTOCOLS = pytest.mark.parametrize("protocol", ["rest", "xmlrpc"])


def _count(sb: Sandbox) -> int:
    return int(sb.stats()["rows"]["Contact"])


def test_success_reports_round_trip_and_contact_count(demo_sandbox: Sandbox) -> None:
    profile = sandbox_profile(demo_sandbox, "xmlrpc")
    with build_client(profile, demo_sandbox.key) as client:
        report = check_connection(client)
    assert report.ok, report
    assert report.rtt_ms is not None and 0 < report.rtt_ms < 5000
    assert report.contact_count == _count(demo_sandbox) > 0
    assert f"{report.contact_count:,} contacts" in report.message
    assert report.next_step == ""


def test_rest_checks_over_rest_without_a_count(demo_sandbox: Sandbox) -> None:
    before = demo_sandbox.stats()["protocols"]
    with build_client(sandbox_profile(demo_sandbox, "rest"), demo_sandbox.key) as client:
        report = check_connection(client)
    after = demo_sandbox.stats()["protocols"]
    assert report.ok and report.contact_count is None and "REST v2" in report.message
    assert "12 custom fields" in report.message  # the demo's contact fields (SSN's definition too)
    assert after["rest"] - before["rest"] == 2 and after["xmlrpc"] == before["xmlrpc"]


def test_legacy_endpoint_works_with_legacy_mode(demo_sandbox: Sandbox) -> None:
    profile = Profile(name="legacy", url=demo_sandbox.legacy_url, auth_mode=AuthMode.LEGACY,
                      protocol="xmlrpc")
    with build_client(profile, demo_sandbox.key) as client:
        assert check_connection(client).ok


@PROTOCOLS
def test_wrong_key_says_check_the_key(demo_sandbox: Sandbox, protocol: str) -> None:
    profile = sandbox_profile(demo_sandbox, protocol, name="bad")
    with build_client(profile, "KeapAK-this-is-not-the-key") as client:
        report = check_connection(client)
    assert not report.ok
    assert report.contact_count is None
    assert report.next_step.startswith("Check the key")
    assert "KeapAK-this-is-not-the-key" not in report.text


@PROTOCOLS
def test_refused_connection_says_check_network_and_url(protocol: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = "/crm" if protocol == "rest" else "/crm/xmlrpc/v1"
    profile = Profile(name="nobody", url=f"http://127.0.0.1:{port}{path}", protocol=protocol)
    with build_client(profile, "KeapAK-0123456789", retry=RetryPolicy(max_attempts=1)) as client:
        report = check_connection(client)
    assert not report.ok and report.error_kind == "ConnectError"
    assert "Check the network and the URL" in report.next_step


@PROTOCOLS
def test_untrusted_certificate_says_choose_a_ca_bundle_and_the_bundle_fixes_it(tmp_path: Path,
                                                                                protocol: str) -> None:
    pytest.importorskip("cryptography")
    with Sandbox(SandboxConfig(seed="empty", tls=True)) as sb:
        plain = sandbox_profile(sb, protocol, name="tls")
        with build_client(plain, sb.key) as client:
            report = check_connection(client)
        assert not report.ok and report.error_kind == "TlsError"
        assert report.next_step.startswith("Choose a CA bundle")
        assert sb.ca_path is not None
        with build_client(sandbox_profile(sb, protocol, name="tls", ca_bundle=sb.ca_path), sb.key) as client:
            assert check_connection(client).ok


@PROTOCOLS
def test_cancel_propagates(demo_sandbox: Sandbox, protocol: str) -> None:
    token = CancelToken()
    token.cancel()
    with build_client(sandbox_profile(demo_sandbox, protocol), demo_sandbox.key) as client, \
            pytest.raises(e.CancelledError):
        check_connection(client, token)


@pytest.mark.parametrize(("error", "words"), [
    (e.NoSuchHandlerFault(), "does not offer the data service"),
    (e.UnexpectedBodyError(status=404), "Check the URL"),
    (e.ServerUnavailableError(status=503), "wait a minute"),
    (e.QuotaExhaustedError(), "wait and test again"),
    (RuntimeError("x"), "Open log folder"),
])
def test_every_error_has_a_next_step(error: BaseException, words: str) -> None:
    assert words in next_step_for(error)
