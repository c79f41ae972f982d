"""Soak: thousands of tag writes under 20% mixed faults, a SIGKILL in the middle, then resume.

Run: ``.venv/bin/python bench/soak_journal.py [--contacts-rest 3000] [--contacts-xmlrpc 1000]``

For each protocol a real ``tagdesk-cli tag apply --yes`` subprocess applies one tag to every
contact of a sandbox (in this process, on loopback) whose every call rolls 20% faults
(``drop_after`` 5%: applied but the reply lost; ``drop_before``, ``empty`` and ``http502``
5% each: not applied). It is SIGKILLed about half way; then ``tagdesk-cli resume --yes``
runs under the same faults until the journal says the job is finished. Printed:
- lost: contacts in scope without the tag at the end (target 0);
- duplicated: changes the resume sent although Keap already had them when it was planned
  (target 0: unknown rows are checked by reading first), plus contacts outside the scope
  that got the tag (target 0);
- unknown: journal rows still of unknown outcome after resume (target 0, "every unknown
  resolved"), and how many there were after the kill.
Not a test: prints numbers and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sandbox import Sandbox, SandboxConfig  # noqa: E402
from app.sandbox.rest import tag_contacts  # noqa: E402
from app.sandbox.services import contact as xml_contact  # noqa: E402
from app.sandbox.services.base import REGISTRY  # noqa: E402

FAULTS = "drop_after=0.05,drop_before=0.05,empty=0.05,http502=0.05"
KEY_VAR = "TAGDESK_SOAK_KEY"


class SendCounter:
    """Counts how often the sandbox was asked to apply each (contact, tag): one process, loopback."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: dict[tuple[int, int], int] = {}
        self.original = xml_contact.add_to_group

        def counted(ctx, contact_id, tag_id):  # type: ignore[no-untyped-def]
            with self.lock:
                self.sent[(contact_id, tag_id)] = self.sent.get((contact_id, tag_id), 0) + 1
            return self.original(ctx, contact_id, tag_id)

        # both protocols apply a tag through this one function of the sandbox
        name = "ContactService.addToGroup"
        REGISTRY[name] = replace(REGISTRY[name], handler=counted)
        tag_contacts.add_to_group = counted  # type: ignore[attr-defined]

    def snapshot(self) -> dict[tuple[int, int], int]:
        with self.lock:
            return dict(self.sent)


def env_for(sb: Sandbox, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[KEY_VAR] = sb.key
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(home / var.lower())
    env["PYTHON_KEYRING_BACKEND"] = "app.services.secrets.MemoryKeyring"
    return env


def cli(sb: Sandbox, protocol: str, data: Path, *args: str) -> list[str]:
    url = sb.rest_host if protocol == "rest" else sb.url
    return [sys.executable, "-m", "app.cli", "--url", url, "--protocol", protocol, "--key-env", KEY_VAR,
            "--data-dir", str(data), *args]


def run_json(command: list[str], env: dict[str, str]) -> list[dict[str, object]]:
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=str(ROOT), check=True)
    return list(json.loads(done.stdout))


def tagged(sb: Sandbox, tag: int) -> set[int]:
    return {int(r["ContactId"]) for r in sb.store.rows("ContactGroupAssign", {"GroupId": tag})}


def soak(protocol: str, contacts: int, counter: SendCounter) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="tagdesk-soak-"))
    data = home / "journal"
    with Sandbox(SandboxConfig(seed=contacts, faults=FAULTS, fault_seed=7)) as sb:
        env = env_for(sb, home)
        tag = int(sb.store.rows("ContactGroup")[0]["Id"])
        scope = sorted(int(r["Id"]) for r in sb.store.rows("Contact", fields=["Id"]))
        before = tagged(sb, tag)
        wanted = before | set(scope)
        ids = home / "ids.txt"
        ids.write_text("\n".join(map(str, scope)))
        chunk = ["--chunk-size", "10"] if protocol == "rest" else []
        started = time.perf_counter()
        proc = subprocess.Popen(cli(sb, protocol, data, "tag", "apply", "--tag-id", str(tag), "--contact-ids",
                                    str(ids), *chunk, "--yes"), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, cwd=str(ROOT), bufsize=1)
        assert proc.stdout is not None
        job = proc.stdout.readline().strip().removeprefix("job=")
        total = len(wanted - before)
        while len(tagged(sb, tag) - before) < total // 2 and proc.poll() is None:
            time.sleep(0.05)  # a benchmark watching a process, not a test synchronising
        proc.kill()
        proc.wait()
        at_kill = len(tagged(sb, tag) - before)
        jobs = run_json(cli(sb, protocol, data, "jobs", "--json"), env)
        state = next(j for j in jobs if j["id"] == job)
        unknown_after_kill = int(state.get("unknown", 0))
        have_before_resume = tagged(sb, tag)
        sends_before = counter.snapshot()
        rounds = 0
        while True:
            rounds += 1
            done = subprocess.run(cli(sb, protocol, data, "resume", job, *chunk, "--yes"), env=env,
                                  capture_output=True, text=True, cwd=str(ROOT))
            jobs = run_json(cli(sb, protocol, data, "jobs", "--json"), env)
            left = [j for j in jobs if j["state"] in ("interrupted", "running")]
            if (done.returncode == 0 and not left) or rounds >= 5:
                break
        seconds = time.perf_counter() - started
        sends_after = counter.snapshot()
        resent = sum(1 for (c, t), n in sends_after.items()
                     if t == tag and c in have_before_resume and n > sends_before.get((c, t), 0))
        final = tagged(sb, tag)
        history = run_json(cli(sb, protocol, data, "history", "--job", job, "--json", "--limit", "100000"),
                           env)
        unsettled = [h for h in history if h.get("state") in ("unknown", "pending")]
        unknown_left = len(unsettled)
        if unsettled and os.environ.get("SOAK_DEBUG"):
            print(json.dumps(unsettled[:3], indent=1, default=str))
        faults = sb.stats()["faults"]
    return {"protocol": protocol, "contacts": contacts, "changes": total, "applied at kill": at_kill,
            "unknown after kill": unknown_after_kill, "resume rounds": rounds, "seconds": seconds,
            "lost": len(wanted - final), "outside scope": len(final - wanted),
            "resent although present": resent,
            "unknown left": unknown_left, "faults injected": sum(faults.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts-rest", type=int, default=3000)
    parser.add_argument("--contacts-xmlrpc", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}; "
          f"faults {FAULTS}; the CLI's default rate limit (10 calls a second)")
    counter = SendCounter()
    ok = True
    for protocol, n in (("rest", args.contacts_rest), ("xmlrpc", args.contacts_xmlrpc)):
        r = soak(protocol, n, counter)
        print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
        good = r["lost"] == 0 and r["outside scope"] == 0 and r["resent although present"] == 0 and \
            r["unknown left"] == 0
        ok = ok and good
        print(f"{'PASS' if good else 'FAIL'}  {protocol}: lost 0, duplicated 0, every unknown resolved")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
