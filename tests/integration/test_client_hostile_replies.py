"""Replies no sane Keap sends, but a broken gateway or an attacker might: served over loopback HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.api import errors as e
from app.api.xmlrpc import XmlRpcClient
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<methodResponse><params><param><value><string>&lol9;</string></value></param></params></methodResponse>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<methodResponse><params><param><value>&x;</value></param></params></methodResponse>"""

OK = (b"<?xml version='1.0'?><methodResponse><params><param><value><string>fine\x0b&#x19;</string>"
      b"</value></param></params></methodResponse>")

REPLIES: dict[str, tuple[int, str, bytes]] = {
    "/bomb": (200, "text/xml", BOMB),
    "/external": (200, "text/xml", EXTERNAL),
    "/html": (200, "text/html", b"<html><body><h1>Developer Inactive</h1></body></html>"),
    "/json": (200, "application/json", b'{"message": "nope"}'),
    "/garbled": (200, "text/xml", b"<?xml version='1.0'?><methodResponse><params><par"),
    "/ok": (200, "text/xml", OK),
    "/teapot": (418, "text/plain", b"short and stout"),
}


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path.split("?")[0]
        _Handler.hits[path] = _Handler.hits.get(path, 0) + 1
        status, ctype, body = REPLIES[path]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def client(base: str, path: str) -> XmlRpcClient:
    retry = RetryPolicy(max_attempts=3, max_total_seconds=5, base_seconds=0.01, max_wait_seconds=0.02)
    return XmlRpcClient(base + path, "KeapAK-test-key-123456", auth_mode="api_key", retry=retry,
                        limits=Limits(None, None, None))


@pytest.mark.parametrize("path", ["/bomb", "/external"])
def test_entity_tricks_are_refused_fast_and_not_retried(server: str, path: str) -> None:
    _Handler.hits.clear()
    with client(server, path) as c:
        t0 = time.monotonic()
        with pytest.raises(e.UnsafeXmlError):
            c.call("DataService.echo", "x")
        assert time.monotonic() - t0 < 2.0
    assert _Handler.hits[path] == 1


def test_html_developer_inactive_is_an_auth_error(server: str) -> None:
    with client(server, "/html") as c, pytest.raises(e.AuthError, match="inactive"):
        c.call("DataService.echo", "x")


def test_json_body_is_unexpected_and_retried_for_reads(server: str) -> None:
    _Handler.hits.clear()
    with client(server, "/json") as c, pytest.raises(e.UnexpectedBodyError):
        c.call("DataService.echo", "x")
    assert _Handler.hits["/json"] == 3


def test_garbled_reply_is_retried_for_reads_and_unknown_for_creates(server: str) -> None:
    _Handler.hits.clear()
    with client(server, "/garbled") as c:
        with pytest.raises(e.MalformedResponseError):
            c.call("DataService.echo", "x")
        assert _Handler.hits["/garbled"] == 3
        with pytest.raises(e.OutcomeUnknownError):
            c.call("DataService.add", "ContactGroup", {"GroupName": "x"})
        assert _Handler.hits["/garbled"] == 4


def test_forbidden_characters_are_stripped(server: str) -> None:
    with client(server, "/ok") as c:
        assert c.call("DataService.echo", "x") == "fine"


def test_other_status_is_a_clear_error(server: str) -> None:
    with client(server, "/teapot") as c, pytest.raises(e.HttpStatusError, match="418"):
        c.call("DataService.echo", "x")
