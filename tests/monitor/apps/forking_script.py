"""A script that forks (no monitoring code), as a pre-fork server does: the parent sends 3
requests on a client, forks and leaves that client to the child; the child sends 4 more on it
(reusing the inherited connection) and 2 on a client of its own, then exits the way `EXIT`
says (`sys` runs atexit handlers, `_exit` does not); the parent then sends 1 on a new client."""

from __future__ import annotations

import os
import sys

import httpx

URL = os.environ["SIM_URL"] + "/v1/chat/completions"
BODY = {"model": "sim", "messages": [{"role": "user", "content": "hi"}]}
VERIFY = os.environ["SIM_CA"] or False


def send(client: httpx.Client, count: int) -> None:
    for _ in range(count):
        assert client.post(URL, json=BODY).status_code == 200


shared = httpx.Client(verify=VERIFY, timeout=10.0)
send(shared, 3)
pid = os.fork()
if pid == 0:
    send(shared, 4)
    with httpx.Client(verify=VERIFY, timeout=10.0) as own:
        send(own, 2)
    shared.close()
    if os.environ.get("EXIT") == "_exit":
        os._exit(0)
    sys.exit(0)
_, status = os.waitpid(pid, 0)
assert status == 0, status
with httpx.Client(verify=VERIFY, timeout=10.0) as after:
    send(after, 1)
