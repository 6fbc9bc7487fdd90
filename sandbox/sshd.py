"""A plain OpenSSH sshd on loopback: generated keys, a pinned known_hosts file, key-only auth."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError

SSHD = Path("/usr/sbin/sshd")
LOOPBACK = "127.0.0.1"
# sshd on loopback answers in ~50 ms; a slow shared CI box gets 10 s before we give up.
START_TIMEOUT_S = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class SshKeys:
    """A generated host key and client key, with their public halves."""

    host_key: Path
    host_public: str
    host_fingerprint: str
    client_key: Path
    client_public: str


def keygen(path: Path, comment: str) -> str:
    """Generate an ed25519 key pair at `path` (replacing one there); return "ssh-ed25519 AAAA..."."""
    ssh_keygen = shutil.which("ssh-keygen")
    if ssh_keygen is None:
        raise SandboxError("ssh-keygen not found: install Debian's openssh-client")
    for stale in (path, path.with_name(path.name + ".pub")):
        stale.unlink(missing_ok=True)
    done = subprocess.run(
        [ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SandboxError(f"ssh-keygen failed for {path}: {done.stderr.strip()}")
    public = path.with_name(path.name + ".pub").read_text(encoding="utf-8").split()
    return f"{public[0]} {public[1]}"


def fingerprint(public_file: Path) -> str:
    """The SHA256:... fingerprint of a public key file, as `ssh-keygen -lf` prints it."""
    done = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SandboxError(f"ssh-keygen -lf failed for {public_file}: {done.stderr.strip()}")
    return done.stdout.split()[1]


def generate_keys(directory: Path) -> SshKeys:
    """Generate an ed25519 host key and client key in `directory` (replacing older ones)."""
    directory.mkdir(parents=True, exist_ok=True)
    host_key = directory / "ssh_host_ed25519_key"
    client_key = directory / "client_ed25519_key"
    host_public = keygen(host_key, "sleuth-sandbox-host")
    client_public = keygen(client_key, "sleuth-sandbox-client")
    return SshKeys(
        host_key=host_key,
        host_public=host_public,
        host_fingerprint=fingerprint(host_key.with_name(host_key.name + ".pub")),
        client_key=client_key,
        client_public=client_public,
    )


def known_hosts_line(port: int, keys: SshKeys) -> str:
    """The known_hosts line pinning this host key for 127.0.0.1 on `port`."""
    host = LOOPBACK if port == 22 else f"[{LOOPBACK}]:{port}"
    return f"{host} {keys.host_public}\n"


def write_known_hosts(path: Path, port: int, keys: SshKeys) -> Path:
    """Write a known_hosts file that pins this host key for 127.0.0.1 on `port`."""
    path.write_text(known_hosts_line(port, keys), encoding="utf-8")
    return path


def write_sshd_config(
    directory: Path,
    port: int,
    keys: SshKeys,
    authorized_keys: Path,
    *,
    extra: Mapping[str, str] | None = None,
) -> Path:
    """Write an sshd_config for a loopback, key-only sshd; `extra` adds or overrides options."""
    options: dict[str, str] = {
        "Port": str(port),
        "ListenAddress": LOOPBACK,
        "HostKey": str(keys.host_key),
        "AuthorizedKeysFile": str(authorized_keys),
        "PubkeyAuthentication": "yes",
        "PasswordAuthentication": "no",
        "KbdInteractiveAuthentication": "no",
        "PermitRootLogin": "prohibit-password",
        "StrictModes": "no",
        "PidFile": "none",
        "UsePAM": "no",
        "PrintMotd": "no",
        "LogLevel": "INFO",
        "Subsystem": "sftp internal-sftp",
    }
    options.update(extra or {})
    path = directory / "sshd_config"
    path.write_text("".join(f"{key} {value}\n" for key, value in options.items()), encoding="utf-8")
    return path


@dataclass
class SshdProcess:
    """A running sshd and what a client needs to reach it."""

    port: int
    process: subprocess.Popen[bytes]
    keys: SshKeys
    known_hosts: Path
    stderr_path: Path | None = field(default=None)

    def stop(self) -> None:
        """Terminate sshd (and its wrapper) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def wait_for_banner(port: int, timeout_s: float, alive: Callable[[], bool] | None = None) -> bool:
    """Poll 127.0.0.1:port until it sends an SSH banner; False on timeout or when `alive()` says no."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            return False
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1.0) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return True
        except OSError:
            pass
        time.sleep(0.03)
    return False


def check_sshd_available() -> None:
    """Raise SandboxError when Debian's sshd is not installed."""
    if not SSHD.is_file():
        raise SandboxError(f"{SSHD} not found: install Debian's openssh-server")


def start_sshd(directory: Path, *, port: int | None = None, wrap: Sequence[str] = ()) -> SshdProcess:
    """Generate keys and config in `directory`, start sshd on loopback and wait for its banner."""
    check_sshd_available()
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    keys = generate_keys(directory)
    authorized = directory / "authorized_keys"
    authorized.write_text(keys.client_public + "\n", encoding="utf-8")
    config = write_sshd_config(directory, port, keys, authorized)
    known_hosts = write_known_hosts(directory / "known_hosts", port, keys)
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    stderr_path = directory / "sshd.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [*wrap, str(SSHD), "-D", "-e", "-f", str(config), "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    running = SshdProcess(port, process, keys, known_hosts, stderr_path)
    if not wait_for_banner(port, START_TIMEOUT_S, lambda: process.poll() is None):
        running.stop()
        log = stderr_path.read_text(encoding="utf-8", errors="replace").strip()
        raise SandboxError(f"sshd did not answer on {LOOPBACK}:{port}: {log or 'no output'}")
    return running
