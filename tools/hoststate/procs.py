"""Parse `ps` and the /proc exe listing into list_processes rows, and flag the red signs."""

from __future__ import annotations

import re
from datetime import datetime

from tools.hoststate.common import RowModel, decode, has_hidden_component, in_temp_dir, join_flags

# pid ppid uid user lstart(5 tokens) etimes pcpu pmem args... ; args is last so it may hold anything.
_PS_LINE = re.compile(
    r"^\s*(?P<pid>\d+)\s+(?P<ppid>\d+)\s+(?P<uid>\d+)\s+(?P<user>\S+)\s+"
    r"(?P<lstart>\S+\s+\S+\s+\d+\s+\d\d:\d\d:\d\d\s+\d{4})\s+"
    r"(?P<etimes>\d+)\s+(?P<pcpu>[\d.]+)\s+(?P<pmem>[\d.]+)(?: (?P<args>.*))?$"
)
_COMM_LINE = re.compile(r"^\s*(?P<pid>\d+) (?P<comm>.*)$")
DELETED_SUFFIX = " (deleted)"
# Kernel threads are children of kthreadd (pid 2) or pid 0; they have no executable.
_KERNEL_PARENTS = frozenset({0, 2})


class ProcessRow(RowModel):
    """One process (a row of list_processes)."""

    pid: int
    """Process id."""
    ppid: int
    """Parent process id."""
    uid: int
    """Real user id."""
    user: str
    """User name (or the numeric id when the name is too long)."""
    start: str | None
    """Start time, ISO 8601 in the target's local time (no zone)."""
    elapsed_s: int
    """Seconds since the process started."""
    cpu: float
    """CPU use, percent (ps pcpu)."""
    mem: float
    """Resident memory, percent of RAM (ps pmem)."""
    comm: str
    """Kernel command name (at most 15 bytes; attacker-controlled text)."""
    exe: str
    """Resolved /proc/PID/exe target; may end in " (deleted)"; empty for kernel threads or when unreadable."""
    cmdline: str
    """Full command line; argv[0] is attacker-controlled text, not evidence of what runs."""
    flags: str
    """Comma-separated red signs: exe_deleted, exe_memfd, exe_in_tmp, exe_hidden_dir,
    fake_kernel_thread, name_mismatch."""


def parse_ps(data: bytes) -> tuple[list[ProcessRow], list[str]]:
    """Parse `ps -o pid=,ppid=,uid=,user:32=,lstart=,etimes=,pcpu=,pmem=,args=`; rows and bad lines.

    ps alone does not know comm, exe or the flags: they are empty until `resolved` fills them in."""
    entries: list[ProcessRow] = []
    bad: list[str] = []
    for line in decode(data).split("\n"):
        if not line.strip():
            continue
        match = _PS_LINE.match(line)
        if match is None:
            bad.append(line[:200])
            continue
        entries.append(
            ProcessRow(
                pid=int(match["pid"]),
                ppid=int(match["ppid"]),
                uid=int(match["uid"]),
                user=match["user"],
                start=_lstart_iso(match["lstart"]),
                elapsed_s=int(match["etimes"]),
                cpu=float(match["pcpu"]),
                mem=float(match["pmem"]),
                comm="",
                exe="",
                cmdline=(match["args"] or "").rstrip(" "),
                flags="",
            )
        )
    return entries, bad


def _lstart_iso(text: str) -> str | None:
    # lstart is the target's local time without a zone, in the C locale's `%a %b %e %T %Y`.
    try:
        return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y").isoformat()
    except ValueError:
        return None


def parse_comms(data: bytes) -> dict[int, str]:
    """Parse `ps -e -o pid=,comm=` (comm last, so spaces inside it survive) into pid -> comm."""
    comms: dict[int, str] = {}
    for line in decode(data).split("\n"):
        match = _COMM_LINE.match(line)
        if match is not None:
            comms[int(match["pid"])] = match["comm"].strip(" ")
    return comms


def parse_exe_links(data: bytes) -> dict[int, str]:
    """Parse `find /proc -mindepth 2 -maxdepth 2 -name exe -printf '%h\\t%l\\0'` into pid -> exe target."""
    exes: dict[int, str] = {}
    for record in data.split(b"\0"):
        head, sep, target = record.partition(b"\t")
        if not sep or not head.startswith(b"/proc/"):
            continue
        pid_text = head[len(b"/proc/") :]
        if pid_text.isdigit() and target:
            exes[int(pid_text)] = decode(target)
    return exes


def split_deleted(exe: str) -> tuple[str, bool]:
    """The exe path without the kernel's " (deleted)" suffix, and whether the suffix was there."""
    if exe.endswith(DELETED_SUFFIX):
        return exe[: -len(DELETED_SUFFIX)], True
    return exe, False


def _base(text: str) -> str:
    return text.rsplit("/", 1)[-1]


def _argv0_name(args: str) -> str:
    first = args.split(" ", 1)[0] if args else ""
    return _base(first.lstrip("-")).rstrip(":")


def _agree(a: str, b: str) -> bool:
    # Prefix match: comm is cut at 15 bytes and interpreters carry versions (python3 -> python3.11).
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))


def is_kernel_thread(entry: ProcessRow, exe: str) -> bool:
    """A real kernel thread: no executable and a kernel parent."""
    return not exe and (entry.ppid in _KERNEL_PARENTS or entry.pid == 2)


def process_flags(entry: ProcessRow, comm: str, exe: str) -> list[str]:
    """The red signs of one process, as flag names (exe may be empty when unreadable)."""
    flags: list[str] = []
    path, deleted = split_deleted(exe)
    if deleted:
        flags.append("exe_deleted")
    if path.startswith("/memfd:"):
        flags.append("exe_memfd")
    if path and in_temp_dir(path):
        flags.append("exe_in_tmp")
    if path and has_hidden_component(path):
        flags.append("exe_hidden_dir")
    # `[name]` is how ps shows a kernel thread; a userland copy may add arguments after it.
    bracketed = entry.cmdline.startswith("[") and (entry.cmdline.endswith("]") or "] " in entry.cmdline)
    if bracketed and not is_kernel_thread(entry, exe):
        flags.append("fake_kernel_thread")
    if not is_kernel_thread(entry, exe):
        argv0 = _argv0_name(entry.cmdline)
        exe_name = _base(path)
        if exe_name:
            argv0_ok = _agree(argv0, exe_name) or _agree(argv0, comm)
            comm_ok = _agree(comm, exe_name) or _agree(comm, argv0)
            mismatch = not (argv0_ok and comm_ok)
        else:
            mismatch = bool(argv0) and bool(comm) and not _agree(argv0, comm)
        if mismatch:
            flags.append("name_mismatch")
    return flags


def resolved(entry: ProcessRow, comm: str, exe: str) -> ProcessRow:
    """The row of a ps line completed with its comm, its executable and the red signs they show."""
    flags = join_flags(process_flags(entry, comm, exe))
    return entry.model_copy(update={"comm": comm, "exe": exe, "flags": flags})
