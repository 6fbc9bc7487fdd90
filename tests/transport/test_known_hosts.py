"""Pinned keys from known_hosts files: what paramiko would load, re-read on every connect, never stale."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import paramiko
import pytest

from sandbox.sshd import SshdProcess, known_hosts_line
from tests.transport.sshd_helpers import ssh_keygen, write_inventory
from tools.errors import HostKeyMismatchError
from tools.inventory import load_inventory
from tools.transport.known_hosts import load_pinned
from tools.transport.ssh import SSHPool


def _public(tmp_path: Path, name: str, key_type: str = "ed25519") -> str:
    """A fresh public key as `type base64`."""
    public = ssh_keygen(tmp_path / name, key_type).with_name(f"{name}.pub")
    kind, blob = public.read_text(encoding="ascii").split()[:2]
    return f"{kind} {blob}"


def _names(client: paramiko.SSHClient) -> dict[str, dict[str, str]]:
    """Every pinned name with its keys (type -> base64), as the client will look them up."""
    keys = client.get_host_keys()
    return {name: {t: k.get_base64() for t, k in keys[name].items()} for name in keys}


def _loaded(path: Path) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    load_pinned(client, path)
    return client


def test_a_client_gets_exactly_what_paramikos_own_loading_gives(tmp_path: Path) -> None:
    one, two, three = (_public(tmp_path, f"k{i}") for i in range(3))
    ecdsa = _public(tmp_path, "k4", "ecdsa")
    known = tmp_path / "known_hosts"
    known.write_text(
        "# a comment, then a blank line\n\n"
        f"[127.0.0.1]:2201 {one}\n"
        f"[127.0.0.1]:2201 {one}\n"  # a duplicate line: paramiko keeps one entry
        f"[127.0.0.1]:2202,[127.0.0.1]:2203 {two}\n"
        f"[127.0.0.1]:2202 {ecdsa}\n"
        "two fields\n"  # too few fields: skipped
        f"{paramiko.HostKeys.hash_host('[127.0.0.1]:2204')} {three}\n",
        encoding="ascii",
    )
    reference = paramiko.SSHClient()
    reference.load_host_keys(str(known))
    for client in (_loaded(known), _loaded(known)):  # the second one reuses the first one's parse
        assert _names(client) == _names(reference)
        assert client.get_host_keys().lookup("[127.0.0.1]:2204") is not None
        assert set(client.get_host_keys()["[127.0.0.1]:2202"]) == {"ssh-ed25519", "ecdsa-sha2-nistp256"}


def test_a_key_added_to_one_client_is_not_seen_by_another(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:2201 {_public(tmp_path, 'k')}\n", encoding="ascii")
    first, second = _loaded(known), _loaded(known)
    extra = paramiko.Ed25519Key.from_private_key_file(str(ssh_keygen(tmp_path / "extra")))
    first.get_host_keys().add("[127.0.0.1]:2299", extra.get_name(), extra)
    assert "[127.0.0.1]:2299" not in _names(second)
    assert "[127.0.0.1]:2299" not in _names(_loaded(known))


def test_a_file_rewritten_with_the_same_size_and_time_pins_its_new_key(tmp_path: Path) -> None:
    # A parse is reused only for the same bytes: a replaced key is seen even when size and mtime match.
    old, new = _public(tmp_path, "old"), _public(tmp_path, "new")
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:2201 {old}\n", encoding="ascii")
    assert _names(_loaded(known))["[127.0.0.1]:2201"]["ssh-ed25519"] == old.split()[1]
    stat = known.stat()
    known.write_text(f"[127.0.0.1]:2201 {new}\n", encoding="ascii")
    os.utime(known, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert known.stat().st_size == stat.st_size and known.stat().st_mtime_ns == stat.st_mtime_ns
    assert _names(_loaded(known))["[127.0.0.1]:2201"]["ssh-ed25519"] == new.split()[1]


def test_lines_appended_and_removed_are_seen_by_the_next_client(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    first = f"[127.0.0.1]:2201 {_public(tmp_path, 'a')}\n"
    known.write_text(first, encoding="ascii")
    assert set(_names(_loaded(known))) == {"[127.0.0.1]:2201"}
    with known.open("a", encoding="ascii") as handle:
        handle.write(f"[127.0.0.1]:2202 {_public(tmp_path, 'b')}\n")
    assert set(_names(_loaded(known))) == {"[127.0.0.1]:2201", "[127.0.0.1]:2202"}
    known.write_text("", encoding="ascii")
    assert _names(_loaded(known)) == {}
    known.unlink()
    assert _names(_loaded(known)) == {}


def test_threads_loading_one_file_at_once_all_get_every_key(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("".join(f"[127.0.0.1]:{2200 + i} {_public(tmp_path, f'k{i}')}\n" for i in range(8)))
    clients = [paramiko.SSHClient() for _ in range(16)]
    barrier = threading.Barrier(len(clients))

    def load(client: paramiko.SSHClient) -> None:
        barrier.wait()
        load_pinned(client, known)

    threads = [threading.Thread(target=load, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(len(_names(c)) == 8 for c in clients)


@pytest.mark.sshd
def test_a_pin_replaced_between_two_connects_is_enforced_on_the_second(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(shared_sshd.port, shared_sshd.keys), encoding="ascii")
    inventory = load_inventory(write_inventory(tmp_path / "inventory.yaml", shared_sshd, known_hosts=known))
    with SSHPool(inventory) as pool:
        assert pool.transport("box").run(["id", "-u"]).stdout == b"0\n"
    stat = known.stat()
    known.write_text(f"[127.0.0.1]:{shared_sshd.port} {_public(tmp_path, 'other')}\n", encoding="ascii")
    os.utime(known, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with SSHPool(inventory) as pool, pytest.raises(HostKeyMismatchError):
        pool.transport("box")
