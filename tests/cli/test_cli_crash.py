"""Issue 12, "what it must show": SIGKILL a real ``tagdesk-cli tag apply`` halfway under injected
faults; ``jobs`` lists it as interrupted, ``resume`` finishes it with nothing sent twice, and
``undo`` restores exactly the state before the job. Both protocols.

"Sent" is counted where the change reaches the store: over XML-RPC the sandbox's applied
calls of the write route (one contact a call); over REST the contacts of each applied bulk
call (the route's handler is wrapped in this process: the sandbox runs in-process).
"""

from __future__ import annotations

import json
import queue
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clikit import LiveCli, cli_env, conn_args, run_cli

from app.sandbox import Sandbox, SandboxConfig
from app.sandbox.rest import tag_contacts

#: The first run: lost replies after the change was made, empty replies, gateway errors.
KILL_FAULTS = "drop_after=0.08,empty=0.08,http502=0.08"
#: Resume and undo run under faults too, but none that applies a change and loses the reply:
#: then every change that reaches the store was sent once, and can be counted exactly.
LATER_FAULTS = "empty=0.08,http502=0.08"
PROGRESS = re.compile(r"progress: ([\d,]+)/([\d,]+) ")

CASES = {
    # protocol: (contacts in the account, contacts in the job, sandbox latency ms, extra CLI options)
    "xmlrpc": (120, 48, 40, []),
    "rest": (240, 160, 150, ["--chunk-size", "5"]),
}


class Sent:
    """Per (action, contact, tag): how many times a tag change reached the store."""

    def __init__(self, sb: Sandbox, protocol: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sb, self.protocol = sb, protocol
        self.rest: Counter[str] = Counter()
        if protocol == "rest":
            for name, action in (("add_to_group", "apply"), ("remove_from_group", "remove")):
                monkeypatch.setattr(tag_contacts, name, self._counting(getattr(tag_contacts, name), action))

    def _counting(self, fn: Callable[..., Any], action: str) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.rest[action] += 1
            return fn(*args, **kwargs)

        return wrapped

    def count(self, action: str) -> int:
        if self.protocol == "rest":
            return self.rest[action]
        method = "ContactService.addToGroup" if action == "apply" else "ContactService.removeFromGroup"
        return int(self.sb.stats()["applied"].get(method, 0))


def pairs(sb: Sandbox) -> set[tuple[int, int]]:
    return {(int(r["ContactId"]), int(r["GroupId"]))
            for r in sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])}


def jobs(base: list[str], env: dict[str, str]) -> tuple[dict[str, dict[str, Any]], str]:
    done = run_cli([*base, "jobs", "--json"], env)
    assert done.code == 0, done.err
    return {j["id"]: j for j in json.loads(done.out)}, done.err


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Iterator[tuple[str, Sandbox]]:
    protocol = str(request.param)
    accounts, _, latency, _ = CASES[protocol]
    with Sandbox(SandboxConfig(seed=accounts, latency_ms=latency)) as sb:
        yield protocol, sb


@pytest.mark.timeout(90)
def test_killed_job_is_resumed_without_duplicates_and_undone_exactly(
        case: tuple[str, Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    protocol, sb = case
    _, size, _, extra = CASES[protocol]
    sent = Sent(sb, protocol, monkeypatch)
    tag = int(next(r["Id"] for r in sb.store.rows("ContactGroup") if r["GroupName"] == "Customer"))
    ids = [int(r["Id"]) for r in sb.store.rows("Contact", fields=["Id"])][:size]
    before = pairs(sb)
    had = {c for c in ids if (c, tag) in before}
    assert had and len(had) < size // 2  # some already have it: the job skips them, undo keeps them
    wanted = before | {(c, tag) for c in ids}
    (tmp_path / "ids.txt").write_text("\n".join(map(str, ids)) + "\n", encoding="utf-8")
    env = cli_env(sb, tmp_path / "home")
    base = conn_args(sb, protocol, tmp_path / "data")

    # 1. start the job under faults and kill it once it is under way
    sb.set_faults(KILL_FAULTS, seed=12)
    live = LiveCli([*base, "tag", "apply", "--tag-id", str(tag), "--contact-ids", str(tmp_path / "ids.txt"),
                    "--yes", *extra], env)
    first = live.next_line(timeout=30)
    assert first is not None and first.startswith("job="), (first, live.proc.poll())
    job = first.removeprefix("job=")
    to_change = size - len(had)
    try:
        while True:
            line = live.next_line(timeout=30)
            assert line is not None and not line.startswith("Finished"), \
                f"the job ended before it could be killed: {live.seen}"
            found = PROGRESS.match(line)
            if found and int(found.group(1).replace(",", "")) >= to_change // 4:
                assert int(found.group(2).replace(",", "")) == to_change
                break
    except queue.Empty:
        pytest.fail(f"no progress from the CLI: {live.seen}")
    assert live.kill() != 0
    assert pairs(sb) != wanted, "killed halfway, the account must not be complete yet"

    # 2. jobs lists it as interrupted, and every command says so on stderr
    sb.set_faults(LATER_FAULTS, seed=13)
    listed, notice = jobs(base, env)
    assert listed[job]["state"] == "interrupted"
    assert listed[job]["done"] < to_change
    assert f"of job {job} did not finish; run `tagdesk-cli resume {job}`" in notice

    # 3. resume finishes it: the account holds exactly the wanted state, nothing sent twice
    snapshot = pairs(sb)
    applied_before = sent.count("apply")
    missing = {(c, tag) for c in ids} - snapshot
    dry = run_cli([*base, "resume", job, *extra], env)
    assert dry.code == 0, dry.err
    assert "Add --yes" in dry.out and pairs(sb) == snapshot
    done = run_cli([*base, "resume", job, "--yes", *extra], env)
    assert done.code == 0, done.out + done.err
    assert done.lines[0].startswith("job=")
    resumed = done.lines[0].removeprefix("job=")
    assert f"of job {job} did not finish" not in done.err
    assert pairs(sb) == wanted
    assert sent.count("apply") - applied_before == len(missing), "a change Keap already had was sent again"
    listed, notice = jobs(base, env)
    assert "did not finish" not in notice
    assert listed[resumed]["state"] == "finished" and listed[resumed]["failed"] == 0
    assert listed[job]["state"] != "interrupted"
    again = run_cli([*base, "resume", job, "--yes", *extra], env)
    assert again.code == 0 and pairs(sb) == wanted

    # 4. undo restores exactly the state before the job (contacts that had the tag keep it)
    removed_before = sent.count("remove")
    dry = run_cli([*base, "undo", job, "--dry-run", *extra], env)
    assert dry.code == 0, dry.err
    assert pairs(sb) == wanted
    undo = run_cli([*base, "undo", job, "--yes", *extra], env)
    assert undo.code == 0, undo.out + undo.err
    assert undo.lines[0].startswith("job=")
    assert pairs(sb) == before
    assert sent.count("remove") - removed_before == to_change
    assert all((c, tag) in pairs(sb) for c in had)

    # 5. the history tells the story, per job and per contact
    history = run_cli([*base, "history", "--job", job, "--json"], env)
    assert history.code == 0, history.err
    rows = json.loads(history.out)
    assert {r["contact_id"] for r in rows} <= set(ids) and rows
    contact = sorted(set(ids) - had)[0]
    per_contact = run_cli([*base, "history", "--contact", str(contact)], env)
    assert per_contact.code == 0 and per_contact.out.count(f"contact {contact}") >= 2  # applied, then removed


@pytest.mark.timeout(60)
def test_sigterm_cancels_the_job_and_the_report_is_still_printed(tmp_path: Path) -> None:
    with Sandbox(SandboxConfig(seed=200, latency_ms=150)) as sb:
        tag = int(next(r["Id"] for r in sb.store.rows("ContactGroup") if r["GroupName"] == "Newsletter"))
        ids = [int(r["Id"]) for r in sb.store.rows("Contact", fields=["Id"])][:150]
        wanted = pairs(sb) | {(c, tag) for c in ids}
        env = cli_env(sb, tmp_path / "home")
        base = conn_args(sb, "rest", tmp_path / "data")
        (tmp_path / "ids.txt").write_text(" ".join(map(str, ids)), encoding="utf-8")
        live = LiveCli([*base, "tag", "apply", "--tag-id", str(tag), "--contact-ids",
                        str(tmp_path / "ids.txt"), "--chunk-size", "5", "--yes"], env)
        first = live.next_line()
        assert first is not None and first.startswith("job=")
        job = first.removeprefix("job=")
        while not (line := live.next_line() or "").startswith("progress: "):
            assert line, live.seen
        live.proc.terminate()
        rest = []
        while (line := live.next_line()) is not None:
            rest.append(line)
        assert live.proc.wait(timeout=30) == 3
        assert any(r.startswith("Cancelled after") and "not started" in r for r in rest), rest
        assert f"run `tagdesk-cli resume {job}`" in rest[-1]
        assert live.proc.stderr is not None and "stopping" in live.proc.stderr.read()
        live.kill()
        listed, _ = jobs(base, env)
        assert listed[job]["state"] == "cancelled" and listed[job]["not_started"] > 0
        text = run_cli([*base, "jobs"], env)
        assert text.code == 0 and text.lines[0].startswith(f"{job}\tcancelled\tbulk\t")
        done = run_cli([*base, "resume", job, "--yes", "--chunk-size", "50"], env)
        assert done.code == 0, done.err
        assert pairs(sb) == wanted
