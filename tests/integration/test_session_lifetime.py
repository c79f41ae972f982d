"""HTTP sessions do not leak: one per live worker thread, closed when the thread ends.

Many short-lived threads each make calls (as the task runner's pool does after an idle
gap); afterwards the client holds at most a bounded number of open sessions, and the
process has no more sockets connected to the sandbox than that.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from tests.rest_testkit import fast_rest_client
from tests.tag_testkit import fast_client

THREADS = 30


def connected_sockets(port: int) -> int:
    """Sockets of this process connected to ``port`` on loopback (the client side)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                lines = fh.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            if remote_port == port and parts[3] == "01" and parts[9] in inodes:  # 01: ESTABLISHED
                count += 1
    return count


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc")
@pytest.mark.parametrize("protocol", ["xmlrpc", "rest"])
def test_short_lived_threads_leave_no_open_sessions(sandbox: Any, protocol: str) -> None:
    client: Any = fast_rest_client(sandbox) if protocol == "rest" else fast_client(sandbox)
    port = int(sandbox.url.split(":")[2].split("/")[0])

    def work() -> None:
        if protocol == "rest":
            client.request("GET", "/rest/v2/contacts", params={"page_size": 1, "fields": "id"})
        else:
            client.call("DataService.count", "Contact", {"Id": "%"})

    baseline = connected_sockets(port)
    for _ in range(THREADS):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert client.transport.open_sessions <= 1
    assert connected_sockets(port) - baseline <= 1
    work()  # the calling thread's own session stays usable and open
    assert client.transport.open_sessions <= 2
    client.close()
    assert client.transport.open_sessions == 0
    assert connected_sockets(port) <= baseline
