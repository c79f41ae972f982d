"""``tagdesk --self-test``: check that this installation can start, headless, in about a second.

Meant for a frozen build (CI runs it on every installer it makes) and for support: it
starts Qt on the offscreen platform, loads the app icon and its PNG sizes, finds the
folders TagDesk writes to, the CA bundle and the US Eastern time zone, reports the
keyring backend, and makes one real XML-RPC and one REST v2 query against an embedded
sandbox. It prints exactly one line and returns the process exit code:

    self-test ok: qt 6.8.1 (offscreen), icons 8, keyring SecretService, sandbox query 3 ms, 0.4 s
    self-test FAILED: <reason>

A missing keyring is a failure where one should exist (Windows, macOS, a Linux session
with a D-Bus session bus) and a warning inside the ok line otherwise (a bare Linux box or
container, where TagDesk offers to keep keys for the current run only).

This module may import Qt and the sandbox; ``python -m app.selftest`` runs it too.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from collections.abc import Sequence

from app.core.redact import redact
from app.resources import APP_ICON_SVG, ICON_SIZES, icon_png, resource_path, user_guide_path

log = logging.getLogger("app.selftest")

OK_PREFIX = "self-test ok: "
FAILED_PREFIX = "self-test FAILED: "


class SelfTestFailure(Exception):
    """A check failed; ``str()`` is the reason printed after ``self-test FAILED:``."""


def run_self_test(profile_dir: str | None = None) -> int:
    """Run every check, print one summary line, and return 0 (all passed) or 1."""
    started = time.perf_counter()
    try:
        parts = [
            _check_paths(profile_dir),
            _check_qt(),
            _check_icons(),
            _check_keyring(),
            _check_sandbox(),
        ]
        _check_data_files()
    except SelfTestFailure as err:
        return _report(FAILED_PREFIX + str(err), ok=False)
    except Exception as err:  # anything unexpected is a failure too, never a traceback
        return _report(f"{FAILED_PREFIX}{type(err).__name__}: {err}", ok=False)
    parts.append(f"{time.perf_counter() - started:.1f} s")
    return _report(OK_PREFIX + ", ".join(p for p in parts if p), ok=True)


def _report(line: str, *, ok: bool) -> int:
    line = redact(line)
    if ok:
        log.info("%s", line)
    else:
        log.error("%s", line)
    # A windowed Windows build has no stdout (sys.stdout is None, print does nothing): the
    # exit code and the log file carry the result there.
    print(line, flush=True)
    return 0 if ok else 1


# -- the checks: each returns its part of the summary line, or raises SelfTestFailure ---------


def _check_paths(profile_dir: str | None) -> str:
    """The config, data, log and cache folders exist (or can be made) and take a file."""
    from app.services.paths import AppPaths

    paths = AppPaths.resolve(profile_dir)
    try:
        paths.ensure()
        for folder in (paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir):
            probe = folder / f".selftest-{uuid.uuid4().hex}"
            probe.write_bytes(b"ok")
            probe.unlink()
    except OSError as err:
        raise SelfTestFailure(f"cannot write to the TagDesk folders ({err})") from None
    return ""


def _check_qt() -> str:
    """A QApplication starts (offscreen unless QT_QPA_PLATFORM says otherwise)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "tagdesk"])
    from app.ui.compat import LeakingBindingError, refuse_leaking_binding

    try:
        refuse_leaking_binding()
    except LeakingBindingError as exc:
        raise SelfTestFailure(str(exc)) from None
    return f"qt {qVersion()} ({QApplication.platformName()})"


def _check_icons() -> str:
    """The SVG app icon renders through QIcon (as the window icon does), and every PNG loads."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon, QImage

    svg = resource_path(APP_ICON_SVG)
    if not svg.is_file():
        raise SelfTestFailure(f"the app icon is missing: {svg}")
    pixmap = QIcon(str(svg)).pixmap(QSize(64, 64))
    if pixmap.isNull() or _fully_transparent(pixmap.toImage()):
        raise SelfTestFailure(f"the app icon cannot be loaded (no SVG support in this build?): {svg}")
    loaded = 1
    for size in ICON_SIZES:
        path = resource_path(icon_png(size))
        image = QImage(str(path))
        if image.isNull() or image.width() != size or image.height() != size:
            raise SelfTestFailure(f"icon {path} is missing or not {size}x{size}")
        loaded += 1
    return f"icons {loaded}"


def _fully_transparent(image: object) -> bool:
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    step = max(1, image.width() // 16)
    return all(image.pixelColor(x, y).alpha() == 0
               for x in range(0, image.width(), step) for y in range(0, image.height(), step))


def keyring_expected() -> bool:
    """Whether this system should have a real keyring: always on Windows and macOS; on other
    systems when a D-Bus session bus is there to find a Secret Service or KWallet on."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


def keyring_name(backend: object) -> str:
    """A short name for a keyring backend: "SecretService", "Windows", "fail", "chainer(…)"."""
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        return "chainer(" + ", ".join(keyring_name(b) for b in backend.backends) + ")"
    cls = type(backend)
    if cls.__name__ == "Keyring":
        return cls.__module__.rsplit(".", 1)[-1]
    return cls.__name__


def _check_keyring() -> str:
    """Report the backend; the fail backend is an error only where a real one should exist."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    name = keyring_name(backend)
    if not isinstance(backend, fail.Keyring):
        return f"keyring {name}"
    if keyring_expected():
        where = sys.platform if sys.platform in ("win32", "darwin") else "a D-Bus session bus address is set"
        raise SelfTestFailure(
            f"no keyring backend found although {where} (keyring chose {name}): "
            "is a Secret Service (GNOME Keyring, KWallet, KeePassXC) running, and were the keyring "
            "backends bundled?")
    return f"keyring {name} (warning: no D-Bus session bus, so no system keyring; keys kept per run)"


def _check_sandbox() -> str:
    """Start an empty embedded sandbox and read its contacts through both real clients
    (XML-RPC and REST v2: the frozen app must carry both, and the sandbox's REST routing)."""
    from app.api.rest import RestClient
    from app.api.xmlrpc import XmlRpcClient
    from app.sandbox import Sandbox, SandboxConfig

    sandbox = Sandbox(SandboxConfig(seed="empty")).start()
    try:
        started = time.perf_counter()
        with XmlRpcClient(sandbox.url, sandbox.key) as client:
            count = client.call("DataService.count", "Contact", {"Id": "%"})
        with RestClient(sandbox.rest_host, sandbox.key) as rest:
            page = rest.request("GET", "/rest/v2/contacts", params={"page_size": 1})
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        sandbox.stop()
    if count != 0:
        raise SelfTestFailure(f"the empty sandbox counted {count!r} contacts, expected 0")
    if not isinstance(page, dict) or page.get("contacts") != []:
        raise SelfTestFailure("the empty sandbox's REST v2 contact list was not empty")
    return f"sandbox query {elapsed_ms:.0f} ms"


def _check_data_files() -> None:
    """The CA bundle for real HTTPS connections and Keap's US Eastern time zone are there."""
    import certifi

    if not os.path.isfile(certifi.where()):
        raise SelfTestFailure(f"the CA certificate bundle is missing: {certifi.where()}")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo("America/New_York")
    except ZoneInfoNotFoundError:
        raise SelfTestFailure("the time zone database is missing (America/New_York)") from None
    if getattr(sys, "frozen", False) and user_guide_path() is None:
        raise SelfTestFailure("the user guide (Help > User guide) is missing from the bundle")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m app.selftest [--profile-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m app.selftest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile-dir", metavar="DIR", help="use DIR instead of the per-user folders")
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run_self_test(args.profile_dir)


if __name__ == "__main__":
    sys.exit(main())
