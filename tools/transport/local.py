"""Run an allowlisted argv on this machine: no shell, C locale, own process group, bounded output, timeout,
and an address-space bound ($SLEUTH_COMMAND_MEMORY_MB).

The bound is set by util-linux's `prlimit --as=BYTES -- PROGRAM ...` (prlimit execs the program, same pid),
as on a remote host, so the child is started with vfork: a `preexec_fn` would force a full fork, which
copies the page tables of this process (~90 ms per command with 1.5 GB mapped, more with a model loaded).
Where prlimit is missing, RLIMIT_AS is set between fork and exec instead."""

from __future__ import annotations

import functools
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tools import settings
from tools.errors import CommandFailedError, CommandRefusedError, CommandTimeoutError
from tools.transport.allowlist import check_argv, is_allowlisted_program
from tools.transport.base import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, CommandOutput
from tools.transport.outcome import STDERR_CAP, append_bounded, finish

_CHUNK = 64 * 1024


def _environment() -> dict[str, str]:
    # A minimal environment: no GREP_OPTIONS, RIPGREP_CONFIG_PATH or LD_PRELOAD reaches the command.
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C"}
    if "TZ" in os.environ:
        env["TZ"] = os.environ["TZ"]
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # Called only before the process is reaped, so its pid (= the group id) cannot have been reused.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return


@functools.cache
def _prlimit() -> str | None:
    """util-linux's prlimit, when installed."""
    return shutil.which("prlimit", path=_environment()["PATH"])


class LocalTransport:
    """Runs allowlisted commands on the machine Sleuth runs on (target `local`)."""

    def __init__(self, *, memory_limit: int | None = None) -> None:
        self._paths: dict[str, str | None] = {}
        self._memory_limit = memory_limit

    @property
    def host(self) -> str:
        """Always `local`."""
        return "local"

    @property
    def host_key_fingerprint(self) -> str | None:
        """No host key: the command runs here."""
        return None

    def _resolve(self, program: str) -> str | None:
        if program not in self._paths:
            found: str | None = None
            if program == "rg":
                # The ripgrep wheel installs rg next to this interpreter, ahead of any system rg.
                bundled = Path(sys.executable).parent / "rg"
                found = str(bundled) if bundled.is_file() and os.access(bundled, os.X_OK) else None
            self._paths[program] = found or shutil.which(program, path=_environment()["PATH"])
        return self._paths[program]

    def which(self, program: str) -> bool:
        """Whether an allowlisted program can be found here (cached)."""
        if not is_allowlisted_program(program):
            raise CommandRefusedError(f"program {program!r} is not on the read-only allowlist")
        return self._resolve(program) is not None

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ok_exit: frozenset[int] = frozenset({0}),
    ) -> CommandOutput:
        """Run argv here; raise CommandRefusedError, CommandTimeoutError or CommandFailedError."""
        checked = check_argv(argv)
        executable = self._resolve(checked[0])
        if executable is None:
            raise CommandFailedError(f"{checked[0]} is not installed on local", exit_status=127)
        limit = self._memory_limit or settings.command_memory_bytes()
        started = time.monotonic()
        deadline = started + timeout_s
        prlimit = _prlimit()
        env = _environment()
        if prlimit:  # prlimit finds the program by name (its messages keep their name) where we found it
            env["PATH"] = f"{Path(executable).parent}{os.pathsep}{env['PATH']}"
        bounded = [prlimit, f"--as={limit}", "--", *checked] if prlimit else list(checked)
        process = subprocess.Popen(
            bounded,
            executable=prlimit or executable,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
            # Without prlimit: a bound C function, no Python code of ours, runs in the child before exec.
            preexec_fn=None
            if prlimit
            else functools.partial(resource.setrlimit, resource.RLIMIT_AS, (limit, limit)),
        )
        try:
            stdout, stderr, truncated, timed_out = _collect(process, deadline, max_bytes)
            if truncated or timed_out:
                _kill_group(process)
            else:
                try:
                    process.wait(max(deadline - time.monotonic(), 0.0))
                except subprocess.TimeoutExpired:
                    timed_out = True
                    _kill_group(process)
        finally:
            if process.returncode is None and process.poll() is None:
                _kill_group(process)
            process.wait()
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        if timed_out:
            raise CommandTimeoutError(
                f"{checked[0]} on local did not finish within {timeout_s:g}s and was stopped"
            )
        return finish(
            host="local",
            argv=checked,
            stdout=stdout,
            stderr=stderr,
            exit_status=process.returncode,
            truncated=truncated,
            duration_s=time.monotonic() - started,
            ok_exit=ok_exit,
            memory_limit=limit,
        )

    def close(self) -> None:
        """Nothing to release."""


def _collect(
    process: subprocess.Popen[bytes], deadline: float, max_bytes: int
) -> tuple[bytes, bytes, bool, bool]:
    """Read stdout (up to max_bytes) and stderr (bounded) until both close, the cap, or the deadline."""
    out, err = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(out), bytes(err), False, True
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stdout:
                    if append_bounded(out, chunk, max_bytes):
                        return bytes(out), bytes(err), True, False
                else:
                    append_bounded(err, chunk, STDERR_CAP)
    return bytes(out), bytes(err), False, False
