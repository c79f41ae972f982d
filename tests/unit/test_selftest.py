"""``tagdesk --self-test`` in process: one line, exit code, and each failure it must catch."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from app import resources, selftest
from app.services.secrets import MemoryKeyring


def test_passes_and_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    assert selftest.run_self_test(str(tmp_path / "profile")) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("self-test ok: qt 6.")
    assert "icons 8, keyring MemoryKeyring, sandbox query " in out
    assert (tmp_path / "profile" / "data").is_dir()


def test_missing_icon_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    monkeypatch.setattr(resources, "resources_root", lambda: tmp_path / "empty")
    assert selftest.run_self_test(str(tmp_path / "profile")) == 1
    out = capsys.readouterr().out
    assert out.startswith("self-test FAILED: the app icon is missing: ")
    assert out.count("\n") == 1


def test_unreadable_icon_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    broken = tmp_path / "res"
    (broken / "icons").mkdir(parents=True)
    (broken / "icons" / "tagdesk.svg").write_text("<svg not really", encoding="utf-8")
    monkeypatch.setattr(resources, "resources_root", lambda: broken)
    assert selftest.run_self_test(str(tmp_path / "profile")) == 1
    assert capsys.readouterr().out.startswith("self-test FAILED: the app icon cannot be loaded")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the D-Bus rule is for Linux and BSDs")
def test_fail_keyring_without_dbus_is_a_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    keyring.set_keyring(fail.Keyring())
    assert selftest.run_self_test(str(tmp_path / "profile")) == 0
    assert "keyring fail (warning: no D-Bus session bus" in capsys.readouterr().out


def test_fail_keyring_where_one_should_exist_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    keyring.set_keyring(fail.Keyring())
    assert selftest.run_self_test(str(tmp_path / "profile")) == 1
    assert capsys.readouterr().out.startswith("self-test FAILED: no keyring backend found")


def test_unwritable_profile_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert selftest.run_self_test(str(blocker)) == 1
    assert capsys.readouterr().out.startswith("self-test FAILED: cannot write to the TagDesk folders")


def test_unexpected_errors_are_one_line_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    def boom() -> str:
        raise RuntimeError("sandbox port in use")

    monkeypatch.setattr(selftest, "_check_sandbox", boom)
    assert selftest.run_self_test(str(tmp_path / "profile")) == 1
    assert capsys.readouterr().out == "self-test FAILED: RuntimeError: sandbox port in use\n"


def test_keyring_names() -> None:
    from keyring.backends import chainer

    assert selftest.keyring_name(fail.Keyring()) == "fail"
    assert selftest.keyring_name(MemoryKeyring()) == "MemoryKeyring"
    chained = chainer.ChainerBackend()
    assert selftest.keyring_name(chained).startswith("chainer(")


def test_module_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    assert selftest.main(["--profile-dir", str(tmp_path / "p")]) == 0
    assert capsys.readouterr().out.startswith("self-test ok: ")
