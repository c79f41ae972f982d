"""tagdesk-cli import: the dry run of a messy file against a sandbox, over both protocols."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import cli_env, conn_args, run_cli

from app.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=60)) as sandbox:
        yield sandbox


def messy_file(sb: Sandbox, path: Path) -> Path:
    """Windows-1252, semicolons, a quoted line break, an existing e-mail in other case, a bad row."""
    known = next(r for r in sorted(sb.store.rows("Contact", fields=["Id", "Email"]), key=lambda r: r["Id"])
                 if r.get("Email"))
    text = ("E-Mail-Adresse;Vorname;Firma;Notizen\r\n"
            f"{str(known['Email']).upper()};;Neue Firma GmbH;\"zwei\r\nZeilen\"\r\n"
            "neu@import.test;Jürgen;;\r\n"
            "\r\n"
            "kaputt;Eve;;\r\n")
    path.write_bytes(text.encode("cp1252"))
    return path


@pytest.mark.parametrize("protocol", ["xmlrpc", "rest"])
def test_the_dry_run_reads_a_messy_file_and_changes_nothing(sb: Sandbox, protocol: str,
                                                            tmp_path: Path) -> None:
    path = messy_file(sb, tmp_path / "kontakte.csv")
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, protocol, tmp_path / "data")
    before = len(sb.store.rows("Contact", fields=["Id"]))
    done = run_cli([*base, "import", str(path), "--json"], env)
    assert done.code == 0, done.err
    assert json.loads(done.out) == {"rows": 3, "invalid": 1, "create": 1, "update": 1, "unchanged": 0,
                                    "calls": 2}
    shown = run_cli([*base, "import", str(path), "--map", "Notizen=", "--dry-run"], env)
    assert shown.code == 0, shown.err
    assert "Windows-1252 (Western European), semicolon-separated, 3 rows" in shown.out
    assert "  E-Mail-Adresse -> E-mail" in shown.lines and "  Notizen -> (not imported)" in shown.lines
    assert "  line 6: E-mail: 'kaputt' is not an e-mail address." in shown.lines
    assert "Dry run only: nothing was changed." in shown.lines
    refused = run_cli([*base, "import", str(path), "--yes"], env)
    assert refused.code == 2 and "not available in this version" in refused.err
    assert len(sb.store.rows("Contact", fields=["Id"])) == before  # reads only, every time


def test_a_bad_mapping_is_a_usage_error_naming_the_columns(sb: Sandbox, tmp_path: Path) -> None:
    path = messy_file(sb, tmp_path / "kontakte.csv")
    done = run_cli([*conn_args(sb, "rest", tmp_path / "data"), "import", str(path), "--map", "Fax=Fax"],
                   cli_env(sb, tmp_path / "home"))
    assert done.code == 2 and "no column 'Fax'" in done.err and "E-Mail-Adresse" in done.err
