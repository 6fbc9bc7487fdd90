"""Start, inspect and stop sandbox hosts: one sshd per host in its own mount, UTS and PID namespaces."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from sandbox import procs
from sandbox.errors import SandboxError
from sandbox.filetimes import stamp_tree
from sandbox.findings import PlantedProcess
from sandbox.hostfiles import directory
from sandbox.inventory_file import write_inventory
from sandbox.scenario import HostContext, PlannedHost, ScenarioSpec, load_generator, load_scenario
from sandbox.sshd import (
    SSHD,
    SshKeys,
    fingerprint,
    free_port,
    keygen,
    known_hosts_line,
    wait_for_banner,
    write_sshd_config,
)
from sandbox.state import HostState, SandboxState, load_state, save_state

NSINIT = Path(__file__).resolve().parent / "nsinit.py"
# The system interpreter runs init and the planted Python processes: a venv or pyenv one may live
# under /root or /home, which the host's tree hides once mounted.
SYSTEM_PYTHON = Path("/usr/bin/python3")
MAX_HOSTS = 32
START_TIMEOUT_S = 15.0
CREATED = (
    "hosts",
    "client_ed25519_key",
    "client_ed25519_key.pub",
    "known_hosts",
    "inventory.yaml",
    "state.json",
)


def check_prerequisites() -> None:
    """Raise SandboxError naming everything this machine lacks to run the sandbox."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (mount and PID namespaces and bind mounts need it; run as root)")
    if not SSHD.is_file():
        missing.append(f"{SSHD} (install Debian's openssh-server)")
    if shutil.which("unshare") is None:
        missing.append("unshare (install util-linux)")
    if not SYSTEM_PYTHON.is_file():
        missing.append(f"{SYSTEM_PYTHON} (install Debian's python3)")
    if shutil.which("ssh-keygen") is None:
        missing.append("ssh-keygen (install openssh-client)")
    if missing:
        raise SandboxError("the sandbox needs " + "; ".join(missing))


def _init_spec(host_dir: Path, tree: Path, spec: ScenarioSpec, planned: PlannedHost, name: str) -> Path:
    mounts = [
        {"source": str(tree / m.path.lstrip("/")), "target": m.path, "kind": m.kind, "readonly": m.readonly}
        for m in spec.mounts
    ]
    document = {
        "hostname": name,
        "mounts": mounts,
        "processes": [p.model_dump(mode="json") for p in planned.processes],
        "pids_file": str(host_dir / "pids.json"),
        "sshd": [str(SSHD), "-D", "-e", "-f", "/etc/ssh/sshd_config"],
    }
    path = host_dir / "init.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def _start_host(host_dir: Path, init_spec: Path) -> tuple[int, int, int]:
    argv = [
        "unshare",
        "--mount",
        "--uts",
        "--pid",
        "--fork",
        "--mount-proc",
        "--propagation",
        "private",
        "--kill-child",
        str(SYSTEM_PYTHON),
        "-I",
        str(NSINIT),
        str(init_spec),
    ]
    with (host_dir / "console.log").open("wb") as console:
        # A new session: the host outlives `sleuth sandbox up` and the terminal that ran it.
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=console, stderr=console, start_new_session=True
        )
    init = procs.child_of(proc.pid)
    started = procs.start_time(init) if init is not None else None
    if init is None or started is None:
        proc.kill()
        proc.wait()
        raise SandboxError(f"unshare did not start a namespace: {_console(host_dir)}")
    return proc.pid, init, started


def _console(host_dir: Path) -> str:
    text = (host_dir / "console.log").read_text(encoding="utf-8", errors="replace").strip()
    return text[-2000:] or "no output"


def _processes(planned: PlannedHost, host_dir: Path) -> tuple[PlantedProcess, ...]:
    pids = json.loads((host_dir / "pids.json").read_text(encoding="utf-8"))
    out = []
    for spec in planned.processes:
        # System binaries are resolved as the kernel shows them (python3 -> python3.11).
        exe = str(Path(spec.exe).resolve()) if spec.exe.startswith("/usr/") else spec.exe
        out.append(
            PlantedProcess(
                role=spec.role,
                pid=int(pids[spec.role]),
                ppid=1,
                user=spec.user,
                exe=f"{exe} (deleted)" if spec.delete_exe else exe,
                exe_deleted=spec.delete_exe,
                argv=spec.argv,
                comm=spec.comm or Path(spec.exe).name[:15],
                exe_sha256=planned.exe_sha256[spec.role],
                listen=f"127.0.0.1:{spec.listen}" if spec.listen else None,
                remote=f"127.0.0.1:{spec.connect}" if spec.connect else None,
                malicious=spec.malicious,
            )
        )
    return tuple(out)


def _stop_hosts(hosts: list[HostState]) -> None:
    for host in hosts:
        if not procs.kill_and_wait(host.init_pid, host.init_start_time):
            raise SandboxError(f"{host.name}: namespace init {host.init_pid} did not die")
        procs.reap(host.unshare_pid)


def _remove_created(state_dir: Path) -> None:
    for name in CREATED:
        path = state_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def up(state_dir: Path, scenario: str = "ssh-bruteforce-miner", hosts: int = 1) -> SandboxState:
    """Start `hosts` hosts of a scenario; returns once every sshd answers (a few seconds)."""
    check_prerequisites()
    if not 1 <= hosts <= MAX_HOSTS:
        raise SandboxError(f"--hosts must be between 1 and {MAX_HOSTS}, not {hosts}")
    spec = load_scenario(scenario)
    generate = load_generator(spec)
    previous = load_state(state_dir)
    if previous is not None:
        if any(procs.is_running(h.init_pid, h.init_start_time) for h in previous.hosts):
            raise SandboxError(f"a sandbox is already up in {state_dir}: run `sleuth sandbox down` first")
        _remove_created(state_dir)
    directory(state_dir, 0o700)
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    client_key = state_dir / "client_ed25519_key"
    client_public = keygen(client_key, "sleuth-sandbox-client")
    now = datetime.now(UTC)
    running: list[HostState] = []
    try:
        for index in range(1, hosts + 1):
            running.append(
                _up_host(
                    state_dir,
                    spec,
                    generate(_context(state_dir, index, now, spec, client_public)),
                    index,
                    client_public,
                )
            )
    except BaseException:
        _stop_hosts(running)
        raise
    known_hosts = state_dir / "known_hosts"
    known_hosts.write_text("".join(_known(h) for h in running), encoding="utf-8")
    inventory = write_inventory(state_dir / "inventory.yaml", running, client_key, known_hosts)
    state = SandboxState(
        state_dir=state_dir,
        scenario=spec.name,
        description=spec.description,
        inventory=inventory,
        known_hosts=known_hosts,
        client_key=client_key,
        hosts=tuple(running),
    )
    save_state(state)
    return state


def _context(
    state_dir: Path, index: int, now: datetime, spec: ScenarioSpec, client_public: str
) -> HostContext:
    name = f"sandbox-{index:02d}"
    host_dir = state_dir / "hosts" / name
    if host_dir.exists():
        shutil.rmtree(host_dir)
    directory(host_dir, 0o700)
    return HostContext(name, index, now, spec.seed, host_dir / "root", client_public)


def _known(host: HostState) -> str:
    public = (host.directory / "root/etc/ssh/ssh_host_ed25519_key.pub").read_text(encoding="utf-8").split()
    keys = SshKeys(Path(), f"{public[0]} {public[1]}", host.host_key_fingerprint, Path(), "")
    return known_hosts_line(host.port, keys)


def _up_host(
    state_dir: Path, spec: ScenarioSpec, planned: PlannedHost, index: int, client_public: str
) -> HostState:
    name = f"sandbox-{index:02d}"
    host_dir = state_dir / "hosts" / name
    tree = host_dir / "root"
    ssh_dir = directory(tree / "etc/ssh")
    host_key = ssh_dir / "ssh_host_ed25519_key"
    host_public = keygen(host_key, f"root@{name}")
    keys = SshKeys(
        host_key, host_public, fingerprint(ssh_dir / "ssh_host_ed25519_key.pub"), Path(), client_public
    )
    port = free_port()
    write_sshd_config(
        ssh_dir,
        port,
        keys,
        Path(".ssh/authorized_keys"),
        extra={"HostKey": "/etc/ssh/ssh_host_ed25519_key", "PrintLastLog": "no"},
    )
    # Installed with the system, not at `up` time, like the host's other benign files.
    stamp_tree(ssh_dir, planned.findings.generated_at, {}, "/etc/ssh")
    unshare_pid, init_pid, init_started = _start_host(
        host_dir, _init_spec(host_dir, tree, spec, planned, name)
    )
    host = HostState(
        name=name,
        port=port,
        host_key_fingerprint=keys.host_fingerprint,
        unshare_pid=unshare_pid,
        init_pid=init_pid,
        init_start_time=init_started,
        directory=host_dir,
        expected=planned.findings,
    )
    alive = lambda: procs.is_running(init_pid, init_started)  # noqa: E731
    if not wait_for_banner(port, START_TIMEOUT_S, alive):
        _stop_hosts([host])
        raise SandboxError(f"{name}: sshd did not answer on 127.0.0.1:{port}: {_console(host_dir)}")
    expected = planned.findings.model_copy(update={"processes": _processes(planned, host_dir)})
    return host.model_copy(update={"expected": expected})


def status(state_dir: Path) -> SandboxState:
    """The saved state with each host's liveness and SSH answer checked now."""
    state = load_state(state_dir)
    if state is None:
        raise SandboxError(f"no sandbox in {state_dir}: run `sleuth sandbox up`")
    checked = []
    for host in state.hosts:
        alive = procs.is_running(host.init_pid, host.init_start_time)
        answers = alive and wait_for_banner(host.port, 2.0)
        checked.append(host.model_copy(update={"alive": alive, "answers_ssh": answers}))
    return state.model_copy(update={"hosts": tuple(checked)})


def down(state_dir: Path) -> None:
    """Kill every host's namespace and remove what `up` wrote; nothing to do when none is up."""
    state = load_state(state_dir)
    if state is None:
        return
    _stop_hosts(list(state.hosts))
    deadline = time.monotonic() + 5
    while (
        any(procs.start_time(h.unshare_pid) is not None for h in state.hosts) and time.monotonic() < deadline
    ):
        for host in state.hosts:
            procs.reap(host.unshare_pid)
        time.sleep(0.01)
    _remove_created(state_dir)
