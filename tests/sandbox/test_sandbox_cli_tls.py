"""The command line (a real subprocess) and HTTPS with the generated certificate."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import xmlrpc.client
from pathlib import Path

import pytest
from keap_core_v2_client import ApiClient, Configuration, ContactApi
from sandbox_helpers import KeyTransport, SafeKeyTransport

from app.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_cli_prints_url_legacy_url_key_and_rest_host_then_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.sandbox", "--port", "0", "--seed", "empty"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(4)]
        assert lines[0].startswith("url=http://127.0.0.1:") and lines[0].endswith("/crm/xmlrpc/v1")
        assert lines[1].startswith("legacy_url=http://127.0.0.1:") and lines[1].endswith("/api/xmlrpc")
        assert lines[2].startswith("key=KeapAK-") and len(lines[2]) == len("key=KeapAK-") + 32
        assert lines[3].startswith("rest_host=http://127.0.0.1:") and lines[3].endswith("/crm")
        url, legacy, key, rest_host = (line.split("=", 1)[1] for line in lines)
        # rest_host is exactly the host Keap's SDK expects
        client = ApiClient(Configuration(host=rest_host))
        client.default_headers["X-Keap-API-Key"] = key
        with client:
            assert ContactApi(client).list_contacts(page_size=10).contacts in (None, [])
        with xmlrpc.client.ServerProxy(legacy, transport=KeyTransport()) as p:
            assert p.DataService.echo("cli") == "cli"
        with xmlrpc.client.ServerProxy(url, transport=KeyTransport({"X-Keap-API-Key": key})) as p:
            assert p.DataService.count("x", "Contact", {}) == 0
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_cli_refuses_a_remote_host_without_allow_remote() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.sandbox", "--host", "0.0.0.0", "--seed", "empty"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "--allow-remote" in done.stderr and done.stdout == ""


def test_tls_works_with_the_ca_and_fails_without_it() -> None:
    with Sandbox(SandboxConfig(seed="empty", tls=True)) as sb:
        assert sb.url.startswith("https://127.0.0.1:") and sb.ca_path and Path(sb.ca_path).is_file()
        trusting = ssl.create_default_context(cafile=sb.ca_path)
        headers = {"X-Keap-API-Key": sb.key}
        with xmlrpc.client.ServerProxy(sb.url, transport=SafeKeyTransport(trusting, headers)) as p:
            assert p.DataService.echo("secure") == "secure"
        localhost = sb.url.replace("127.0.0.1", "localhost")
        with xmlrpc.client.ServerProxy(localhost, transport=SafeKeyTransport(trusting, headers)) as p:
            assert p.DataService.echo("by name") == "by name"
        default = ssl.create_default_context()
        with (
            xmlrpc.client.ServerProxy(sb.url, transport=SafeKeyTransport(default, headers)) as p,
            pytest.raises(ssl.SSLCertVerificationError),
        ):
            p.DataService.echo("untrusted")
        ca_path = sb.ca_path
    assert not Path(ca_path).exists()  # the throwaway CA is removed on stop
