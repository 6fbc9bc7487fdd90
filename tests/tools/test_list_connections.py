"""list_connections: the ss parser on captured output, and run() seeing sockets this test opens."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.tools.conftest import DATA
from tools.base import ToolContext
from tools.hoststate.net import parse_ss, split_endpoint
from tools.list_connections import TOOL


def test_parse_captured_ss() -> None:
    sockets, bad = parse_ss((DATA / "ss.txt").read_bytes())
    assert bad == []
    assert len(sockets) == 6
    udp = sockets[0]
    assert (udp.proto, udp.state, udp.local_addr, udp.local_port, udp.pid, udp.process) == (
        "udp", "UNCONN", "127.0.0.1", "40113", 11049, "python3")
    unowned = sockets[1]
    assert (unowned.local_port, unowned.pid, unowned.process) == ("2024", None, None)
    v6 = sockets[5]
    assert (v6.local_addr, v6.local_port, v6.peer_addr, v6.peer_port) == ("::1", "40112", "::", "*")
    established = [s for s in sockets if s.state == "ESTAB"]
    assert {s.peer_port for s in established} == {"40111", "55294"}


def test_split_endpoint_keeps_interface_and_wildcards() -> None:
    assert split_endpoint("127.0.0.53%lo:53") == ("127.0.0.53%lo", "53")
    assert split_endpoint("*:*") == ("*", "*")
    assert split_endpoint("[fe80::1%eth0]:22") == ("fe80::1%eth0", "22")


def test_process_name_is_kept_as_data() -> None:
    line = b'tcp ESTAB 0 0 10.0.0.5:4444 203.0.113.9:3333 users:(("evil),(\\"x",pid=77,fd=3))\n'
    sockets, _ = parse_ss(line)
    assert sockets[0].pid == 77
    assert sockets[0].process == 'evil),(\\"x'


@pytest.fixture
def sockets_open() -> Iterator[tuple[int, int]]:
    """A listening TCP socket and one established connection to it, owned by this process."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    try:
        yield port, client.getsockname()[1]
    finally:
        for s in (accepted, client, server):
            s.close()


def test_run_sees_our_listening_socket(local_ctx: ToolContext, needs_root: None,
                                       sockets_open: tuple[int, int]) -> None:
    port, _ = sockets_open
    result = TOOL.run(TOOL.parse_args({"state": "listening", "port": port}), local_ctx)
    assert result.rows == [{
        "proto": "tcp", "state": "LISTEN", "local_addr": "127.0.0.1", "local_port": str(port),
        "peer_addr": "0.0.0.0", "peer_port": "*", "pid": os.getpid(), "process": result.rows[0]["process"],
    }]
    assert result.argv == ("ss", "-t", "-u", "-n", "-a", "-p", "-H")


def test_run_established_filter(local_ctx: ToolContext, needs_root: None,
                                sockets_open: tuple[int, int]) -> None:
    port, client_port = sockets_open
    result = TOOL.run(TOOL.parse_args({"state": "established", "pid": os.getpid()}), local_ctx)
    ours = {(r["local_port"], r["peer_port"]) for r in result.rows}
    assert ours >= {(str(client_port), str(port)), (str(port), str(client_port))}
    assert all(r["state"] == "ESTAB" for r in result.rows)


def test_bad_state_is_refused() -> None:
    with pytest.raises(ValueError, match="state"):
        TOOL.parse_args({"state": "LISTEN; id"})
