"""tagdesk-cli duplicates and merge: real subprocesses against a sandbox, over both protocols."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clikit import cli_env, conn_args, run_cli

from app.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=60)) as sandbox:
        yield sandbox


def add(sb: Sandbox, **values: Any) -> int:
    with sb.store.tx():
        return int(sb.store.insert("Contact", {"DateCreated": "2022-01-01 09:00:00", **values}))


@pytest.mark.parametrize("protocol", ["xmlrpc", "rest"])
def test_duplicates_lists_groups_and_json_is_one_list(sb: Sandbox, protocol: str, tmp_path: Path) -> None:
    old = add(sb, FirstName="José", LastName="Qwzmüller", Email="jose.q@example.com",
              DateCreated="2018-03-01 09:00:00")
    new = add(sb, FirstName="Jose", LastName="QWZMULLER", EmailAddress2=" JOSE.Q@example.com ")
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, protocol, tmp_path / "data")
    before = sb.stats()["calls"]
    done = run_cli([*base, "duplicates", "--json"], env)
    assert done.code == 0, done.err
    groups = json.loads(done.out)
    assert isinstance(groups, list) and all(set(g) == {"ids", "reason", "confidence", "keep"} for g in groups)
    ours = next(g for g in groups if old in g["ids"])
    assert ours == {"ids": sorted([old, new]), "reason": "same e-mail (jose.q@example.com)",
                    "confidence": "high", "keep": old}
    after = sb.stats()["calls"]
    writes = [m for m in after if after[m] != before.get(m) and any(
        w in m for w in ("merge", "POST", "PATCH", "update", "add"))]
    assert writes == []  # listing reads only

    shown = run_cli([*base, "duplicates", "--search", "Qwzm"], env)
    assert shown.code == 0, shown.err
    assert shown.lines[0] == ("1 duplicate group in contacts matching \u201cQwzm\u201d "
                              "(high 1, medium 0, low 0)")
    assert shown.lines[1].startswith(f"high   ids {min(old, new)},{max(old, new)}  keep {old}  same e-mail")


@pytest.mark.parametrize("protocol", ["xmlrpc", "rest"])
def test_merge_is_a_dry_run_until_yes(sb: Sandbox, protocol: str, tmp_path: Path) -> None:
    keep = add(sb, FirstName="Mia", LastName="Zqx", JobTitle="CEO", DateCreated="2018-03-01 09:00:00")
    dup = add(sb, FirstName="Mia", LastName="Zqx", Email="mia.zqx@example.com", JobTitle="Owner")
    tag = int(sb.store.rows("ContactGroup")[0]["Id"])
    with sb.store.tx():
        sb.store.insert("ContactGroupAssign", {"ContactId": dup, "GroupId": tag,
                                               "DateCreated": "2022-01-02 09:00:00"})
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, protocol, tmp_path / "data")
    dry = run_cli([*base, "merge", str(keep), str(dup)], env)
    assert dry.code == 0, dry.err
    assert "  Job title: keep \u201cCEO\u201d | duplicate \u201cOwner\u201d -> \u201cCEO\u201d" in dry.lines
    assert f"moves to {keep}: 1 tag" in dry.out
    assert ("Merges cannot be undone by Keap; TagDesk keeps the merged contact's full values in the history."
            in dry.lines)
    assert dry.lines[-1] == "Dry run only: nothing was merged. Add --yes to merge."
    assert sb.store.row("Contact", dup) is not None

    ran = run_cli([*base, "merge", str(keep), str(dup), "--yes"], env)
    assert ran.code == 0, ran.out + ran.err
    assert ran.lines[-1].startswith(f"merged {dup} into {keep}")
    assert sb.store.row("Contact", dup) is None
    survivor = sb.store.row("Contact", keep)
    assert survivor is not None and survivor["JobTitle"] == "CEO"
    assert survivor["Email"] == "mia.zqx@example.com"
    assert tag in {r["GroupId"] for r in sb.store.rows("ContactGroupAssign") if r["ContactId"] == keep}

    again = run_cli([*base, "merge", str(keep), str(dup), "--yes"], env)
    assert again.code == 2 and "cannot read contacts" in again.err  # the duplicate is gone


def test_merge_high_runs_only_with_yes(sb: Sandbox, tmp_path: Path) -> None:
    ids = [add(sb, FirstName=f"Bat{i}", LastName="Zq", Email="batch.zq@example.com",
               DateCreated=f"2020-0{i + 1}-01 09:00:00") for i in range(3)]
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, "rest", tmp_path / "data")
    dry = run_cli([*base, "duplicates", "--search", "Bat", "--merge-high"], env)
    assert dry.code == 0, dry.err
    assert "2 merges in 1 high-confidence group" in dry.out
    assert dry.lines[-1] == "Dry run only: nothing was merged. Add --yes to merge these pairs."
    ran = run_cli([*base, "duplicates", "--search", "Bat", "--merge-high", "--yes"], env)
    assert ran.code == 0, ran.out + ran.err
    assert "2 merged." in ran.lines
    assert sb.store.row("Contact", ids[0]) is not None
    assert sb.store.row("Contact", ids[1]) is None and sb.store.row("Contact", ids[2]) is None
