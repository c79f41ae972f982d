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
    assert "Dry run only: nothing was changed. Add --yes to import." in shown.lines
    assert len(sb.store.rows("Contact", fields=["Id"])) == before  # reads only, every time

    # run it: job=<id> first, the report, the bad line written out to fix, every imported contact tagged
    tag = int(next(r["Id"] for r in sb.store.rows("ContactGroup", fields=["Id", "GroupName"])))
    failed = tmp_path / "failed.csv"
    ran = run_cli([*base, "import", str(path), "--map", "Notizen=", "--yes", "--failed-rows", str(failed),
                   "--tag-id", str(tag)], env)
    assert ran.code == 0, ran.out + ran.err
    assert ran.lines[0].startswith("job=")
    assert "Finished: 1 created, 1 updated, 0 failed, 1 lines not sent (invalid, unchanged or merged)" \
        in ran.out
    assert "Wrote 1 lines that were not imported to" in ran.out
    assert failed.read_text("utf-8-sig").splitlines()[1] == \
        "kaputt,Eve,,,6,E-mail: 'kaputt' is not an e-mail address."
    assert len(sb.store.rows("Contact", fields=["Id"])) == before + 1
    new = [r for r in sb.store.rows("Contact", fields=["Id", "Email", "FirstName"])
           if r["Email"] == "neu@import.test"]
    assert [r["FirstName"] for r in new] == ["Jürgen"]  # in Latin-1: stored as it is over both APIs
    assigned = sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])
    tagged = {int(r["ContactId"]) for r in assigned if int(r["GroupId"]) == tag}
    assert int(new[0]["Id"]) in tagged
    jobs = json.loads(run_cli([*base, "jobs", "--json"], env).out)
    assert [j["kind"] for j in jobs][:2] == ["bulk", "import"] and jobs[1]["state"] == "finished"

    again = run_cli([*base, "import", str(path), "--json"], env)  # re-importing changes nothing
    assert json.loads(again.out)["calls"] == 0


def test_a_bad_mapping_is_a_usage_error_naming_the_columns(sb: Sandbox, tmp_path: Path) -> None:
    path = messy_file(sb, tmp_path / "kontakte.csv")
    done = run_cli([*conn_args(sb, "rest", tmp_path / "data"), "import", str(path), "--map", "Fax=Fax"],
                   cli_env(sb, tmp_path / "home"))
    assert done.code == 2 and "no column 'Fax'" in done.err and "E-Mail-Adresse" in done.err
