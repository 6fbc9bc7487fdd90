"""The SSH transport against a real sshd: pinning, typed errors, timeouts, caps, pooling, reconnects."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.sshd import SshdProcess, fingerprint, free_port
from tests.transport.sshd_helpers import (
    descendants,
    processes_mentioning,
    ssh_keygen,
    write_inventory,
)
from tools.errors import (
    AuthFailedError,
    CommandFailedError,
    CommandRefusedError,
    CommandTimeoutError,
    HostKeyMismatchError,
    HostKeyUnknownError,
    HostUnreachableError,
    InventoryError,
)
from tools.inventory import Inventory, load_inventory
from tools.transport.known_hosts import NewHostKey
from tools.transport.ssh import CLIENT_SLACK_S, SSHPool, SSHTransport

pytestmark = pytest.mark.sshd


def _inventory(tmp_path: Path, sshd: SshdProcess, **overrides: Any) -> Inventory:
    return load_inventory(write_inventory(tmp_path / "inventory.yaml", sshd, **overrides))


def test_runs_a_command_with_the_verified_fingerprint(
    shared_inventory: Inventory, shared_sshd: SshdProcess
) -> None:
    with SSHPool(shared_inventory) as pool:
        out = pool.transport("box").run(["id", "-u"])
    assert out.stdout == b"0\n"
    assert (out.host, out.exit_status, out.truncated) == ("box", 0, False)
    assert out.host_key_fingerprint == shared_sshd.keys.host_fingerprint


def test_unknown_host_key_is_refused_with_its_fingerprint(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    inventory = _inventory(tmp_path, shared_sshd, known_hosts=empty)
    with SSHPool(inventory) as pool, pytest.raises(HostKeyUnknownError) as caught:
        pool.transport("box")
    expected = fingerprint(shared_sshd.keys.host_key.with_name("ssh_host_ed25519_key.pub"))
    assert caught.value.fingerprint == expected
    assert expected in str(caught.value)
    assert "--trust-new-host-key" in str(caught.value)
    assert empty.read_text() == ""


def test_trusting_a_new_key_pins_it_and_reports_it(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    known = tmp_path / "fresh" / "known_hosts"
    inventory = _inventory(tmp_path, shared_sshd, known_hosts=known)
    with SSHPool(inventory, trust_new_host_keys=True) as pool:
        transport = pool.transport("box")
        assert transport.run(["id", "-u"]).stdout == b"0\n"
        assert pool.trusted_new_keys() == {"box": shared_sshd.keys.host_fingerprint}
    assert known.read_text() == f"[127.0.0.1]:{shared_sshd.port} {shared_sshd.keys.host_public}\n"
    with SSHPool(inventory) as pool:
        transport = pool.transport("box")
        assert transport.run(["id", "-u"]).host_key_fingerprint == shared_sshd.keys.host_fingerprint
        assert pool.trusted_new_keys() == {}


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa"])
def test_changed_host_key_is_refused_even_when_trusting_new_keys(
    tmp_path: Path, shared_sshd: SshdProcess, key_type: str
) -> None:
    # Same type = a changed key; another type = an attempt to get the client to accept a new key.
    other = ssh_keygen(tmp_path / "other_host_key", key_type)
    public = other.with_name("other_host_key.pub")
    known = tmp_path / "known_hosts"
    kind, blob = public.read_text().split()[:2]
    known.write_text(f"[127.0.0.1]:{shared_sshd.port} {kind} {blob}\n")
    inventory = _inventory(tmp_path, shared_sshd, known_hosts=known)
    with SSHPool(inventory, trust_new_host_keys=True) as pool, pytest.raises(HostKeyMismatchError) as caught:
        pool.transport("box")
    assert caught.value.fingerprint == shared_sshd.keys.host_fingerprint
    assert caught.value.expected == fingerprint(public)
    assert caught.value.expected in str(caught.value) and caught.value.fingerprint in str(caught.value)
    assert len(known.read_text().splitlines()) == 1


def test_dead_port_is_unreachable(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    inventory = _inventory(tmp_path, shared_sshd, port=free_port())
    started = time.monotonic()
    with SSHPool(inventory) as pool, pytest.raises(HostUnreachableError, match="refused the connection"):
        pool.transport("box")
    assert time.monotonic() - started < 5


def test_silent_port_is_unreachable_within_the_connect_timeout(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    # A listener that never sends an SSH banner (the kernel completes the TCP handshake).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        inventory = _inventory(tmp_path, shared_sshd, port=port, connect_timeout_s=1)
        started = time.monotonic()
        with SSHPool(inventory) as pool, pytest.raises(HostUnreachableError, match=f"127.0.0.1:{port}"):
            pool.transport("box")
        assert time.monotonic() - started < 1 + 2


def test_wrong_client_key_fails_authentication(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    stranger = ssh_keygen(tmp_path / "stranger")
    inventory = _inventory(tmp_path, shared_sshd, key_file=stranger)
    with SSHPool(inventory) as pool, pytest.raises(AuthFailedError, match="refused our credentials"):
        pool.transport("box")


def test_encrypted_key_without_passphrase_says_so(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    locked = ssh_keygen(tmp_path / "locked", passphrase="s3cret-passphrase")
    inventory = _inventory(tmp_path, shared_sshd, key_file=locked)
    with SSHPool(inventory) as pool, pytest.raises(AuthFailedError, match="encrypted") as caught:
        pool.transport("box")
    assert "s3cret" not in str(caught.value)


def test_an_encrypted_key_is_unlocked_by_the_function_given_and_wrong_passphrases_are_asked_again(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    locked = ssh_keygen(tmp_path / "locked", passphrase="s3cret-passphrase")
    inventory = _inventory(tmp_path, shared_sshd, key_file=locked)
    attempts: list[int] = []

    def wrong(host: str, key_file: Path, attempt: int) -> str:
        attempts.append(attempt)
        assert (host, key_file) == ("box", locked)
        return f"guess-{attempt}"

    with SSHPool(inventory, unlock_key=wrong) as pool, pytest.raises(AuthFailedError) as caught:
        pool.transport("box")
    assert attempts == [1, 2, 3] and "wrong passphrase 3 times" in str(caught.value)
    assert "guess" not in str(caught.value)
    # The right one decrypts it: the connection then gets as far as the server, which does not know this key.
    with (
        SSHPool(inventory, unlock_key=lambda *_: "s3cret-passphrase") as pool,
        pytest.raises(AuthFailedError) as c2,
    ):
        pool.transport("box")
    assert "passphrase" not in str(c2.value) and "s3cret" not in str(c2.value)


def test_missing_key_file_is_an_inventory_error(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    inventory = _inventory(tmp_path, shared_sshd, key_file=tmp_path / "nope")
    with SSHPool(inventory) as pool, pytest.raises(InventoryError, match="cannot be read"):
        pool.transport("box")


def test_refused_argv_never_reaches_the_wire(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    # The host is unreachable, so anything that tried to connect would raise HostUnreachableError.
    inventory = _inventory(tmp_path, shared_sshd, port=free_port())
    transport = SSHTransport("box", inventory.host("box"))
    with pytest.raises(CommandRefusedError, match="deletes files"):
        transport.run(["find", "/tmp", "-delete"])
    assert transport.connections_opened == 0


def test_hung_command_times_out_and_is_killed_on_the_host(
    tmp_path: Path, shared_inventory: Inventory
) -> None:
    marker = tmp_path / "ssh-timeout-marker"
    marker.write_text("")
    with SSHPool(shared_inventory) as pool:
        transport = pool.transport("box")
        started = time.monotonic()
        with pytest.raises(CommandTimeoutError, match="within 1s"):
            transport.run(["tail", "-c", "1", "/dev/zero", str(marker)], timeout_s=1)
        assert time.monotonic() - started < 1 + CLIENT_SLACK_S
        deadline = time.monotonic() + 5
        while processes_mentioning(str(marker)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_mentioning(str(marker)) == []
        assert transport.run(["id", "-u"]).stdout == b"0\n"


def test_huge_output_is_capped(shared_inventory: Inventory) -> None:
    with SSHPool(shared_inventory) as pool:
        transport = pool.transport("box")
        started = time.monotonic()
        out = transport.run(["head", "-c", "60000000", "/dev/zero"], max_bytes=1 << 20)
        assert out.truncated
        assert out.stdout == b"\x00" * (1 << 20)
        assert time.monotonic() - started < 10
        assert transport.run(["id", "-u"]).stdout == b"0\n"


def test_grep_no_match_is_allowed_only_through_ok_exit(tmp_path: Path, shared_inventory: Inventory) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Accepted publickey for root\n")
    with SSHPool(shared_inventory) as pool:
        transport = pool.transport("box")
        with pytest.raises(CommandFailedError) as caught:
            transport.run(["grep", "-e", "Failed password", str(log)])
        assert caught.value.exit_status == 1
        out = transport.run(["grep", "-e", "Failed password", str(log)], ok_exit=frozenset({0, 1}))
        assert (out.exit_status, out.stdout) == (1, b"")
        with pytest.raises(CommandFailedError, match="No such file") as missing:
            transport.run(["grep", "-e", "x", str(tmp_path / "missing")])
        assert missing.value.exit_status == 2


def test_pool_reuses_one_connection(shared_inventory: Inventory) -> None:
    with SSHPool(shared_inventory) as pool:
        first = pool.transport("box")
        connection = first.ssh_connection
        for _ in range(5):
            first.run(["id", "-u"])
        assert pool.transport("box") is first
        assert first.ssh_connection is connection
        assert first.connections_opened == 1
    assert first.ssh_connection is None


def test_connection_killed_by_the_host_is_reopened_once(tmp_path: Path, own_sshd: SshdProcess) -> None:
    inventory = _inventory(tmp_path, own_sshd)
    with SSHPool(inventory) as pool:
        transport = pool.transport("box")
        transport.run(["id", "-u"])
        before = transport.ssh_connection
        served = descendants(own_sshd.process.pid)
        assert served, "sshd should have a child serving our connection"
        for pid in served:
            os.kill(pid, signal.SIGKILL)
        out = transport.run(["id", "-u"])
        assert out.stdout == b"0\n"
        assert transport.connections_opened == 2
        assert transport.ssh_connection is not before


def test_host_that_goes_away_is_unreachable(tmp_path: Path, own_sshd: SshdProcess) -> None:
    inventory = _inventory(tmp_path, own_sshd)
    with SSHPool(inventory) as pool:
        transport = pool.transport("box")
        transport.run(["id", "-u"])
        served = descendants(own_sshd.process.pid)
        own_sshd.stop()
        for pid in served:
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(HostUnreachableError):
            transport.run(["id", "-u"])


def test_which_probes_only_allowlisted_programs(shared_inventory: Inventory) -> None:
    with SSHPool(shared_inventory) as pool:
        transport = pool.transport("box")
        assert transport.which("grep")
        with pytest.raises(CommandRefusedError, match="allowlist"):
            transport.which("sh; touch /tmp/x")


def test_stdin_is_closed_so_reading_it_ends_at_once(shared_inventory: Inventory) -> None:
    with SSHPool(shared_inventory) as pool:
        started = time.monotonic()
        out = pool.transport("box").run(["wc", "-c", "-"], timeout_s=5)
    assert out.stdout.split()[0] == b"0"
    assert time.monotonic() - started < 3


def test_hosts_without_known_hosts_pin_into_the_data_dir(
    tmp_path: Path, shared_sshd: SshdProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLEUTH_HOME", str(tmp_path / "home"))
    inventory = _inventory(tmp_path, shared_sshd, known_hosts=None)
    with SSHPool(inventory) as pool, pytest.raises(HostKeyUnknownError, match="home/known_hosts"):
        pool.transport("box")
    with SSHPool(inventory, trust_new_host_keys=True) as pool:
        pool.transport("box")
    assert (tmp_path / "home" / "known_hosts").read_text().startswith(f"[127.0.0.1]:{shared_sshd.port} ")


def test_a_new_key_is_put_to_a_decision_function_which_pins_or_refuses_it(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    known = tmp_path / "known_hosts"
    inventory = _inventory(tmp_path, shared_sshd, known_hosts=known)
    offered: list[NewHostKey] = []

    def refuse(key: NewHostKey) -> bool:
        offered.append(key)
        return False

    with SSHPool(inventory, trust_new_host_keys=refuse) as pool, pytest.raises(HostKeyUnknownError) as caught:
        pool.transport("box")
    assert "refused when asked" in str(caught.value) and not known.exists()
    (key,) = offered
    assert key == NewHostKey(
        host="box",
        known_hosts_name=f"[127.0.0.1]:{shared_sshd.port}",
        key_type="ssh-ed25519",
        fingerprint=shared_sshd.keys.host_fingerprint,
        known_hosts=known,
    )
    with SSHPool(inventory, trust_new_host_keys=lambda k: k.fingerprint == key.fingerprint) as pool:
        assert pool.transport("box").run(["id", "-u"]).stdout == b"0\n"
        assert pool.trusted_new_keys() == {"box": key.fingerprint}
    assert known.read_text() == f"[127.0.0.1]:{shared_sshd.port} {shared_sshd.keys.host_public}\n"
