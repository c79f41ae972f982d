"""tagdesk-cli as a real subprocess against a sandbox on loopback, over both protocols."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import KEY_VAR, cli_env, conn_args, run_cli

from app.sandbox import Sandbox, SandboxConfig

PROTOCOLS = ("xmlrpc", "rest")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=120)) as sandbox:
        yield sandbox


def tag_by_name(sb: Sandbox, name: str) -> int:
    return int(next(r["Id"] for r in sb.store.rows("ContactGroup") if r["GroupName"] == name))


def holders(sb: Sandbox, tag: int) -> set[int]:
    return {int(r["ContactId"]) for r in sb.store.rows("ContactGroupAssign", {"GroupId": tag})}


def all_pairs(sb: Sandbox) -> set[tuple[int, int]]:
    return {(int(r["ContactId"]), int(r["GroupId"]))
            for r in sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])}


def contacts(sb: Sandbox) -> list[int]:
    return [int(r["Id"]) for r in sb.store.rows("Contact", fields=["Id"])]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_dry_run_prints_the_figures_and_changes_nothing(sb: Sandbox, protocol: str, tmp_path: Path) -> None:
    tag = tag_by_name(sb, "VIP")
    ids = contacts(sb)[:30]
    had = holders(sb, tag) & set(ids)
    before = all_pairs(sb)
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, protocol, tmp_path / "data")
    for extra in (["--dry-run"], []):
        done = run_cli([*base, "tag", "apply", "--tag-id", str(tag), "--contact-ids", "-", *extra], env,
                       stdin="\n".join(map(str, ids)))
        assert done.code == 0, done.err
        assert done.lines[0] == "Apply \u201cVIP\u201d"
        assert "Contacts in scope: 30 (30 selected contacts)" in done.lines
        assert f"Apply \u201cVIP\u201d: {30 - len(had)} to change, {len(had)} already have it" in done.lines
        calls = 30 - len(had) if protocol == "xmlrpc" else 1
        assert any(line.startswith(f"Calls to make: {calls}") for line in done.lines)
        assert ("Add --yes" in done.out) is (not extra)
        assert not any(line.startswith("job=") for line in done.lines)
    assert all_pairs(sb) == before
    assert sum(v for k, v in sb.stats()["applied"].items() if "Group" in k or "Tags" in k) == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_apply_with_yes_reaches_the_wanted_state(sb: Sandbox, protocol: str, tmp_path: Path) -> None:
    tag = tag_by_name(sb, "Webinar")
    ids = contacts(sb)[10:50]
    before = all_pairs(sb)
    (tmp_path / "ids.txt").write_text(",".join(map(str, ids)) + "\n", encoding="utf-8")
    env = cli_env(sb, tmp_path / "home")
    done = run_cli([*conn_args(sb, protocol, tmp_path / "data"), "tag", "apply", "--tag-id", str(tag),
                    "--contact-ids", str(tmp_path / "ids.txt"), "--chunk-size", "7", "--yes"], env)
    assert done.code == 0, done.err
    assert done.lines[0].startswith("job=") and len(done.lines[0]) > 4
    assert any(line.startswith("progress: ") for line in done.lines)
    assert done.lines[-1].startswith("Finished in") and "0 failed" in done.lines[-1]
    assert all_pairs(sb) == before | {(c, tag) for c in ids}
    # and back: remove it again from the same contacts
    done = run_cli([*conn_args(sb, protocol, tmp_path / "data"), "tag", "remove", "--tag-id", str(tag),
                    "--contact-ids", str(tmp_path / "ids.txt"), "--yes"], env)
    assert done.code == 0, done.err
    assert done.lines[0].startswith("job=")
    assert all_pairs(sb) == before - {(c, tag) for c in ids}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_search_scope_is_what_the_search_box_finds(sb: Sandbox, protocol: str, tmp_path: Path) -> None:
    from app.core.cancel import NeverCancelled
    from app.core.records import ContactQuery
    from app.services.profiles import Profile, build_client
    from app.services.session import open_session

    url = sb.rest_host if protocol == "rest" else sb.url
    session = open_session("t", build_client(Profile("t", url=url, protocol=protocol), sb.key))
    found = [int(str(r["Id"])) for r in session.contacts.iter_rows(ContactQuery(text="an"), ["Id"],
                                                                    NeverCancelled())]
    session.close()
    assert found
    tag = tag_by_name(sb, "Imported")
    done = run_cli([*conn_args(sb, protocol, tmp_path / "data"), "tag", "apply", "--tag-id", str(tag),
                    "--search", "an", "--dry-run"], cli_env(sb, tmp_path / "home"))
    assert done.code == 0, done.err
    assert f"Contacts in scope: {len(found)} (contacts matching \u201can\u201d)" in done.lines


def test_an_unknown_tag_is_a_usage_error(sb: Sandbox, tmp_path: Path) -> None:
    done = run_cli([*conn_args(sb, "rest", tmp_path / "data"), "tag", "apply", "--tag-id", "99999",
                    "--contact-ids", "-"], cli_env(sb, tmp_path / "home"), stdin="1\n")
    assert done.code == 2
    assert "Tag 99999 does not exist" in done.err


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_key_never_appears_in_output_or_logs(sb: Sandbox, protocol: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = cli_env(sb, home)
    tag = tag_by_name(sb, "VIP")
    ok = run_cli(["--debug", *conn_args(sb, protocol, tmp_path / "data"), "tag", "apply", "--tag-id",
                  str(tag), "--contact-ids", "-", "--yes"], env, stdin=" ".join(map(str, contacts(sb)[:5])))
    assert ok.code == 0, ok.err
    wrong = sb.key[:-4] + "beef"
    env[KEY_VAR] = wrong + "\n"  # a wrong key, pasted with a line break
    refused = run_cli(["--debug", *conn_args(sb, protocol, tmp_path / "data"), "jobs"], env)
    refused = run_cli(["--debug", *conn_args(sb, protocol, tmp_path / "data"), "tag", "apply", "--tag-id",
                       str(tag), "--contact-ids", "-"], env, stdin="1")
    assert refused.code == 1
    assert refused.err.strip()
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in home.rglob("*.log*"))
    assert logs, "the CLI writes the app's log file"
    for text in (ok.out, ok.err, refused.out, refused.err, logs):
        assert sb.key not in text and wrong not in text
        assert sb.key[7:] not in text


def test_a_reader_that_goes_away_does_not_break_the_job(sb: Sandbox, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from clikit import ROOT

    tag = tag_by_name(sb, "Newsletter")
    ids = contacts(sb)[:40]
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, "xmlrpc", tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *base, "tag", "apply", "--tag-id", str(tag),
                             "--contact-ids", "-", "--yes"], env=env, cwd=str(ROOT), text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(" ".join(map(str, ids)))
    proc.stdin.close()
    first = proc.stdout.readline()
    assert first.startswith("job=")
    proc.stdout.close()  # as `| head -1` does
    assert proc.wait(timeout=60) == 0
    err = proc.stderr.read()
    proc.stderr.close()
    assert "Broken pipe" not in err and "Exception ignored" not in err
    listed = run_cli([*base, "jobs", "--json"], env)
    assert json.loads(listed.out)[0]["state"] == "finished"
    assert {c for c, t in all_pairs(sb) if t == tag} >= set(ids)
