"""Every target command runs under a memory bound beside its time bound: a search of /dev/zero, which grows
grep's line buffer without end, fails of the bound (CommandMemoryError) long before its timeout, locally and
over SSH, and the child never holds more than the bound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.errors import CommandFailedError, CommandMemoryError
from tools.inventory import Inventory
from tools.settings import SettingError, command_memory_bytes
from tools.transport.local import LocalTransport
from tools.transport.outcome import out_of_memory
from tools.transport.ssh import SSHPool

MiB = 1024 * 1024
BOUND_MB = 128
TIMEOUT_S = 20.0
ENDLESS_LINE = ["grep", "--text", "x", "/dev/zero"]
"""/dev/zero has no newline: grep keeps growing one line's buffer until memory runs out."""

_CHILD = """
import json, resource, sys, time
from tools.errors import CommandMemoryError
from tools.transport.local import LocalTransport
started = time.monotonic()
try:
    LocalTransport().run(%r, timeout_s=%r, ok_exit=frozenset({0, 1, 2}))
    error = None
except Exception as exc:
    error = type(exc).__name__
    limit = getattr(exc, "limit_bytes", None)
print(json.dumps({"error": error, "limit": limit if error else None, "s": time.monotonic() - started,
                  "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def test_a_local_search_of_dev_zero_dies_of_the_bound_within_its_timeout_and_never_exceeds_it() -> None:
    # In its own interpreter, so RUSAGE_CHILDREN is the peak of that one command and nothing else.
    env = {**os.environ, "SLEUTH_COMMAND_MEMORY_MB": str(BOUND_MB)}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD % (ENDLESS_LINE, TIMEOUT_S)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=TIMEOUT_S + 30,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert (result["error"], result["limit"]) == ("CommandMemoryError", BOUND_MB * MiB)
    assert result["s"] < TIMEOUT_S / 2
    assert 0 < result["peak_kib"] * 1024 <= BOUND_MB * MiB


def test_the_local_error_names_the_bound_and_grep_exit_2_does_not_hide_it() -> None:
    with pytest.raises(CommandMemoryError, match=f"memory bound \\({64} MiB") as caught:
        LocalTransport(memory_limit=64 * MiB).run(
            ENDLESS_LINE, timeout_s=TIMEOUT_S, ok_exit=frozenset({0, 1, 2})
        )
    assert isinstance(caught.value, CommandFailedError) and caught.value.exit_status == 2
    # Under the bound, ordinary commands run as before.
    assert LocalTransport(memory_limit=64 * MiB).run(["id", "-u"]).stdout.strip().isdigit()


@pytest.mark.sshd
def test_a_remote_search_of_dev_zero_dies_of_the_bound_within_its_timeout(
    shared_inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLEUTH_COMMAND_MEMORY_MB", str(BOUND_MB))
    with SSHPool(shared_inventory) as pool:
        transport = pool.transport("box")
        started = time.monotonic()
        with pytest.raises(
            CommandMemoryError, match=f"grep on box ran out of its memory bound \\({BOUND_MB} MiB"
        ) as caught:
            transport.run(ENDLESS_LINE, timeout_s=TIMEOUT_S, ok_exit=frozenset({0, 1, 2}))
        assert time.monotonic() - started < TIMEOUT_S / 2
        assert caught.value.limit_bytes == BOUND_MB * MiB and "memory exhausted" in caught.value.stderr
        # The bound is the transport's own; an ordinary command still runs on the same connection.
        assert transport.run(["id", "-u"]).stdout == b"0\n"


def test_the_setting_defaults_to_one_gib_and_refuses_what_it_cannot_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLEUTH_COMMAND_MEMORY_MB", raising=False)
    assert command_memory_bytes() == 1024 * MiB
    monkeypatch.setenv("SLEUTH_COMMAND_MEMORY_MB", "256")
    assert command_memory_bytes() == 256 * MiB
    for bad in ("0", "8", "1e9", "-5", "٣٢", "99999999999"):
        monkeypatch.setenv("SLEUTH_COMMAND_MEMORY_MB", bad)
        with pytest.raises(SettingError, match="whole number of MiB"):
            command_memory_bytes()


@pytest.mark.parametrize(
    ("stderr", "status", "expected"),
    [
        (b"grep: memory exhausted\n", 2, True),
        (b"memory allocation of 1073741824 bytes failed\n", -6, True),
        (b"sort: /tmp/x: Cannot allocate memory\n", 2, True),
        (b"grep: memory exhausted\n", 0, False),
        (b"grep: /tmp/memory exhausted: No such file or directory\n", 2, False),
        (b"grep: /var/log/auth.log: No such file or directory\n", 2, False),
    ],
)
def test_out_of_memory_is_told_from_other_failures(stderr: bytes, status: int, expected: bool) -> None:
    assert out_of_memory(stderr, status) is expected
