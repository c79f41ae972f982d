"""tagdesk-cli's command line: usage errors exit 2 with a plain message; the key is never shown."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.cli.__main__ import main
from app.cli.args import UsageError, read_contact_ids


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


URL = ["--url", "http://127.0.0.1:9/crm"]
TAG = ["tag", "apply", "--tag-id", "5", "--contact-ids", "-"]


@pytest.mark.parametrize(("argv", "words"), [
    ([], "choose a command"),
    ([*URL, "jobs"], "--key-env"),
    (["--key-env", "K", "jobs"], "--url"),
    (["--profile", "Main", *URL, "--key-env", "K", "jobs"], "not both"),
    (["--profile", "Main", "--protocol", "rest", "jobs"], "--protocol goes with --url"),
    ([*URL, "--key-env", "K", "tag", "apply", "--contact-ids", "-"], "--tag-id"),
    ([*URL, "--key-env", "K", "tag", "apply", "--tag-id", "5"], "--contact-ids"),
    ([*URL, "--key-env", "K", "tag", "apply", "--tag-id", "5", "--contact-ids", "-", "--search", "x"],
     "not allowed with"),
    ([*URL, "--key-env", "K", "tag", "apply", "--tag-id", "0", "--contact-ids", "-"], "must be 1 or more"),
    ([*URL, "--key-env", "K", *TAG, "--chunk-size", "x"], "not a whole number"),
    ([*URL, "--key-env", "K", *TAG, "--dry-run", "--yes"], "contradict"),
    ([*URL, "--key-env", "K", "tag", "tickle", "--tag-id", "5", "--contact-ids", "-"], "invalid choice"),
    ([*URL, "--key-env", "K", "--protocol", "soap", "jobs"], "invalid choice"),
    ([*URL, "--key-env", "K", "undo"], "JOB"),
])
def test_usage_errors_exit_2_with_a_message(argv: list[str], words: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert words in err


def test_missing_key_variable_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAGDESK_NO_SUCH_VAR", raising=False)
    code, out, err = cli(*URL, "--key-env", "TAGDESK_NO_SUCH_VAR", "jobs")
    assert code == 2 and out == ""
    assert "TAGDESK_NO_SUCH_VAR is not set" in err
    assert "never taken from the command line" in err


def test_empty_key_variable_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGDESK_EMPTY", "  \n")
    code, _, err = cli(*URL, "--key-env", "TAGDESK_EMPTY", "jobs")
    assert code == 2 and "TAGDESK_EMPTY is empty" in err


def test_a_key_given_instead_of_a_variable_name_is_not_echoed() -> None:
    key = "KeapAK-0123456789abcdef0123456789abcdef"
    code, out, err = cli(*URL, "--key-env", key, "jobs")
    assert code == 2
    assert "--key-env takes the NAME of an environment variable" in err
    assert key not in out + err and "0123456789abcdef" not in out + err


def test_an_unknown_profile_is_named() -> None:
    code, _, err = cli("--profile", "Nowhere", "jobs")
    assert code == 2 and "no saved connection named 'Nowhere'" in err


def test_a_bad_url_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", "KeapAK-abcdefabcdefabcdef")
    code, _, err = cli("--url", "http://example.com/crm", "--key-env", "K", "jobs")
    assert code == 2 and "https://" in err
    code, _, err = cli("--url", "https://api.keap.com/crm/xmlrpc/v1", "--key-env", "K", "jobs")
    assert code == 2 and "XML-RPC address" in err


def test_help_and_version_exit_0() -> None:
    code, _, _ = cli("--version")
    assert code == 0


def test_contact_ids_are_read_in_any_layout(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("1\n2, 3 4;5\n# a comment\n\n3  # repeated\n", encoding="utf-8")
    assert read_contact_ids(str(path), io.StringIO()) == [1, 2, 3, 4, 5]
    assert read_contact_ids("-", io.StringIO("7 8\n9")) == [7, 8, 9]


@pytest.mark.parametrize(("text", "words"), [("1\n2x\n", "line 2: '2x' is not a contact id"),
                                             ("-4", "'-4' is not a contact id"),
                                             ("\n# none\n", "no contact ids")])
def test_bad_contact_ids_are_refused(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        read_contact_ids("-", io.StringIO(text))


def test_an_unreadable_ids_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the contact ids from"):
        read_contact_ids(str(tmp_path / "missing.txt"), io.StringIO())


def test_no_qt_under_app_cli() -> None:
    root = Path(__file__).resolve().parents[2] / "app" / "cli"
    for path in root.glob("*.py"):
        assert "PySide6" not in path.read_text(encoding="utf-8"), path


def test_the_cli_never_imports_qt() -> None:
    import subprocess
    import sys

    code = ("import sys, app.cli.__main__, app.cli.commands, app.cli.connect; "
            "sys.exit(any(m.startswith('PySide6') for m in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, timeout=60).returncode == 0


def test_a_saved_profile_connects_with_its_key_from_the_keyring(tmp_path: Path) -> None:
    from app.sandbox import Sandbox, SandboxConfig
    from app.services import secrets
    from app.services.paths import AppPaths
    from app.services.profiles import Profile, ProfileStore

    with Sandbox(SandboxConfig(seed=30)) as sb:
        store = ProfileStore(AppPaths.platform_default().profiles_file)
        profile = store.save(Profile(name="Sandbox", url=sb.rest_host, protocol="rest"))
        code, _, err = cli("--profile", "sandbox", "--data-dir", str(tmp_path), "jobs")
        assert code == 2 and "no key is stored for 'Sandbox'" in err
        secrets.set_key(profile.id, sb.key)
        tag = int(sb.store.rows("ContactGroup")[0]["Id"])
        out, err_io = io.StringIO(), io.StringIO()
        code = main(["--profile", "sandbox", "--data-dir", str(tmp_path), "tag", "apply", "--tag-id",
                     str(tag), "--contact-ids", "-"], stdout=out, stderr=err_io, stdin=io.StringIO("1 8"))
        assert code == 0, err_io.getvalue()
        assert "Contacts in scope: 2 (2 selected contacts)" in out.getvalue()
        assert sb.key not in out.getvalue() + err_io.getvalue()
        assert (tmp_path / "journal" / f"{profile.id}.sqlite3").exists()
