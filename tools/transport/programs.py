"""The allowlist table: one ProgramSpec per read-only program, each saying why it cannot change anything.

To add a flag, put it in `flags` (boolean), `value_flags` (takes a value) or `optional_value_flags`
(attached `--x=value` only), and make sure it neither writes, deletes, follows forever, nor runs
another program. Flags that look tempting but are not read-only go in `refused` with the reason,
so the responder sees why.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.transport.argspec import ParsedArgv, ProgramSpec, bounded_int, one_of, refuse, words
from tools.transport.findargs import parse_find

# head/tail bounds: the transport caps bytes read anyway; these keep the request itself honest.
MAX_LINES = 1_000_000
MAX_BYTES = 64 * 1024 * 1024
MAX_CONTEXT = 1000
MAX_COUNT = 1_000_000_000


def _requires_any(*names: str, why: str) -> Callable[[ParsedArgv], None]:
    def check(parsed: ParsedArgv) -> None:
        if not parsed.flags() & set(names):
            raise refuse(parsed.program, why)

    return check


def _first_operand_in(choices: frozenset[str], what: str) -> Callable[[ParsedArgv], None]:
    def check(parsed: ParsedArgv) -> None:
        if not parsed.operands or parsed.operands[0] not in choices:
            got = repr(parsed.operands[0]) if parsed.operands else "nothing"
            raise refuse(parsed.program, f"only {what} ({', '.join(sorted(choices))}); got {got}")

    return check


def _no_newlines(parsed: ParsedArgv) -> None:
    # zgrep is a shell script; old versions mishandled names with newlines (CVE-2022-1271).
    if any("\n" in a for a in parsed.operands) or any("\n" in (v or "") for _, v in parsed.options):
        raise refuse(parsed.program, "arguments containing a newline are refused (zgrep is a shell script)")


_GREP_FLAGS = words(
    "-E -F -G -i -y -v -w -x -c -l -L -n -h -H -o -q -s -a -I -b -z -Z -T -U "
    "--extended-regexp --fixed-strings --basic-regexp --ignore-case --no-ignore-case --invert-match "
    "--word-regexp --line-regexp --count --files-with-matches --files-without-match --line-number "
    "--no-filename --with-filename --only-matching --quiet --silent --no-messages --text --byte-offset "
    "--null --null-data --initial-tab --line-buffered --binary"
)
_GREP_VALUES = words(
    "-e --regexp -f --file -m --max-count -A --after-context -B --before-context -C --context "
    "--include --exclude --exclude-dir --label --binary-files -d --directories -D --devices"
)
# grep and rg spell the match bounds alike: a count of matches, and lines of context.
_MATCH_BOUNDS = {
    **{f: bounded_int(MAX_COUNT) for f in ("-m", "--max-count")},
    **{
        f: bounded_int(MAX_CONTEXT)
        for f in ("-A", "-B", "-C", "--after-context", "--before-context", "--context")
    },
}
_GREP_CHECKS = {
    **_MATCH_BOUNDS,
    **{f: one_of("read", "skip", "recurse") for f in ("-d", "--directories")},
    **{f: one_of("read", "skip") for f in ("-D", "--devices")},
    "--binary-files": one_of("binary", "text", "without-match"),
}
_GREP_REFUSED = {
    "-P": "PCRE can backtrack exponentially on the host; use -E",
    "--perl-regexp": "PCRE can backtrack exponentially on the host; use -E",
    "--exclude-from": "reads globs from a host file; pass --exclude",
    "--include-from": "not supported; pass --include",
}
_FOLLOW = "follows the file forever; the command must end"

_SPECS: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        name="grep",
        why_read_only="prints matching lines; no option writes, deletes or runs a program",
        flags=_GREP_FLAGS | words("-r -R --recursive --dereference-recursive"),
        value_flags=_GREP_VALUES,
        optional_value_flags=words("--color --colour"),
        value_checks=_GREP_CHECKS,
        refused=_GREP_REFUSED,
    ),
    ProgramSpec(
        name="zgrep",
        why_read_only="grep over gzip -dc output; same flags as grep minus recursion (zgrep lacks it)",
        flags=_GREP_FLAGS,
        value_flags=_GREP_VALUES,
        value_checks=_GREP_CHECKS,
        refused=_GREP_REFUSED,
        validators=(_no_newlines,),
    ),
    ProgramSpec(
        name="rg",
        why_read_only="ripgrep prints matches; --pre/--hostname-bin (which run programs) are refused, "
        "and --no-config is required so a host config file cannot add them",
        flags=words(
            "-i -S -s -v -w -x -c -l -n -N -H -I -F -o -a -z -L -u -0 -q -b "
            "--ignore-case --smart-case --case-sensitive --invert-match --word-regexp --line-regexp "
            "--count --count-matches --files-with-matches --files-without-match --line-number "
            "--no-line-number --with-filename --no-filename --no-heading --heading --fixed-strings "
            "--only-matching --text --search-zip --follow --hidden --no-ignore --json --null "
            "--no-config --no-messages --quiet --files --trim --byte-offset --column --vimgrep "
            "--one-file-system --crlf --no-ignore-messages --stats"
        ),
        value_flags=words(
            "-e --regexp -f --file -g --glob --iglob -t --type -T --type-not -m --max-count "
            "-A --after-context -B --before-context -C --context -d --max-depth --max-filesize "
            "--max-columns --sort --sortr -E --encoding --color -j --threads"
        ),
        value_checks={**_MATCH_BOUNDS, "--color": one_of("never", "auto", "always", "ansi")},
        refused={
            "--pre": "runs a program on every file",
            "--pre-glob": "belongs to --pre, which runs a program",
            "--hostname-bin": "runs a program",
            "-P": "PCRE2 can backtrack exponentially on the host",
            "--pcre2": "PCRE2 can backtrack exponentially on the host",
        },
        validators=(
            _requires_any(
                "--no-config",
                why="--no-config is required so a config file on the host cannot add flags such as --pre",
            ),
        ),
    ),
    ProgramSpec(
        name="find",
        why_read_only="lists files; the primaries that run programs, write files or delete are refused",
        flags=words(
            "-xdev -mount -print -print0 -ls -prune -quit -true -false -empty -nouser -nogroup "
            "-readable -writable -executable -depth -noleaf -daystart -follow -ignore_readdir_race"
        ),
        value_flags=words(
            "-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype -lname -ilname "
            "-type -xtype -newer -anewer -cnewer -newermt -newerat -newerct -newerBt -mmin -mtime "
            "-amin -atime -cmin -ctime -perm -size -maxdepth -mindepth -user -group -uid -gid -links "
            "-inum -samefile -fstype -printf -used -context"
        ),
        value_checks={"-maxdepth": bounded_int(4096), "-mindepth": bounded_int(4096)},
        refused={
            **{p: "runs a program" for p in ("-exec", "-execdir", "-ok", "-okdir")},
            "-delete": "deletes files",
            **{p: "writes a file" for p in ("-fprint", "-fprint0", "-fprintf", "-fls")},
            "-files0-from": "reads starting points from a file; name them",
            "-D": "debug output is not needed",
        },
        parser=parse_find,
    ),
    ProgramSpec(
        name="ps",
        why_read_only="reads /proc; it has no option that signals or changes a process",
        flags=words("-e -A -a -d -f -F -l -y -w -H -L -T -j -M --forest --no-headers --headers"),
        value_flags=words(
            "-o --format -O -p --pid -q --quick-pid -u --user -U -g -G -C -t --ppid --sort "
            "--cols --columns --width"
        ),
        double_dash=False,
        max_operands=0,
    ),
    *(
        ProgramSpec(
            name=hasher,
            why_read_only="reads files and prints their digest",
            flags=words("-b -t -z --binary --text --tag --zero"),
        )
        for hasher in ("sha256sum", "sha1sum", "md5sum")
    ),
    ProgramSpec(
        name="stat",
        why_read_only="prints file metadata",
        flags=words("-L -f -t --dereference --file-system --terse"),
        value_flags=words("-c --format --printf"),
    ),
    ProgramSpec(
        name="ls",
        why_read_only="lists directories",
        flags=words(
            "-l -a -A -d -n -i -h -R -t -r -S -1 -L -H -F -p -Z -U -c -u -N -q -b "
            "--all --almost-all --directory --numeric-uid-gid --inode --human-readable --recursive "
            "--reverse --dereference --full-time --literal --escape --context"
        ),
        value_flags=words("--time-style --sort --time -I --ignore --hide --block-size --quoting-style"),
        optional_value_flags=words("--color --colour"),
    ),
    ProgramSpec(
        name="ss",
        why_read_only="lists sockets; -K (kills sockets) and -D (writes a dump file) are refused",
        flags=words(
            "-t -u -x -w -n -a -l -p -e -i -m -o -s -H -O -4 -6 -r -Z "
            "--tcp --udp --unix --raw --numeric --all --listening --processes --extended --info "
            "--memory --options --summary --no-header --oneline --resolve"
        ),
        value_flags=words("-f --family -A --query --socket"),
        refused={
            "-K": "kills sockets",
            "--kill": "kills sockets",
            "-D": "writes a dump file",
            "--diag": "writes a dump file",
            "-N": "switches network namespace",
            "--net": "switches network namespace",
        },
    ),
    *(
        ProgramSpec(
            name=name,
            why_read_only="reads wtmp/btmp (or -f FILE) and prints logins",
            flags=words(
                "-a -d -F -i -w -x -R --hostlast --dns --fulltimes --ip --fullnames --system --nohostname"
            ),
            value_flags=words("-n --limit -s --since -t --until -f --file -p --present --time-format"),
            value_checks={f: bounded_int(MAX_LINES) for f in ("-n", "--limit")},
        )
        for name in ("last", "lastb")
    ),
    ProgramSpec(
        name="who",
        why_read_only="reads utmp and prints who is logged in",
        flags=words(
            "-a -b -d -H -l -p -q -r -s -t -T -u -m --all --boot --dead --heading --login "
            "--process --count --runlevel --short --time --users --mesg --lookup --ips"
        ),
        max_operands=2,
    ),
    ProgramSpec(
        name="journalctl",
        why_read_only="reads the journal; the maintenance verbs that rotate, vacuum, flush or write "
        "files are refused",
        flags=words(
            "-r -a -q -m -k -x -N --reverse --all --quiet --merge --dmesg --catalog --no-pager --utc "
            "--no-hostname --no-full --full --list-boots --disk-usage --header --system --user "
            "--fields"
        ),
        value_flags=words(
            "-u --unit -t --identifier -p --priority -S --since -U --until -n --lines -o --output "
            "-g --grep -D --directory --file -F --field --output-fields --facility --user-unit"
        ),
        optional_value_flags=words("--case-sensitive"),
        value_checks={
            **{f: bounded_int(MAX_LINES) for f in ("-n", "--lines")},
            **{
                f: one_of(
                    "short",
                    "short-full",
                    "short-iso",
                    "short-iso-precise",
                    "short-precise",
                    "short-monotonic",
                    "short-unix",
                    "verbose",
                    "export",
                    "json",
                    "json-pretty",
                    "json-sse",
                    "json-seq",
                    "cat",
                    "with-unit",
                )
                for f in ("-o", "--output")
            },
        },
        refused={
            **{f: _FOLLOW for f in ("-f", "--follow")},
            "--rotate": "rotates journal files",
            **{f: "deletes journal files" for f in ("--vacuum-size", "--vacuum-files", "--vacuum-time")},
            "--flush": "moves the journal to /var",
            "--sync": "writes pending entries to disk",
            "--relinquish-var": "changes where journald writes",
            "--smart-relinquish-var": "changes where journald writes",
            "--setup-keys": "writes sealing keys",
            "--update-catalog": "writes the catalog database",
            "--cursor-file": "writes a cursor file",
            **{f: "optional-value parsing differs from getopt; use --since" for f in ("-b", "--boot")},
        },
    ),
    ProgramSpec(
        name="crontab",
        why_read_only="only -l (list), optionally for -u USER; anything else installs or removes a crontab",
        flags=words("-l"),
        value_flags=words("-u"),
        refused={"-r": "removes the crontab", "-e": "edits the crontab", "-i": "belongs to -r"},
        double_dash=False,
        max_operands=0,
        validators=(_requires_any("-l", why="only `crontab -l` (list) is allowed"),),
    ),
    ProgramSpec(
        name="systemctl",
        why_read_only="only read verbs, always with --no-pager; start/stop/enable/... are refused",
        flags=words(
            "-a -l -r --all --full --no-pager --no-legend --no-ask-password --plain --value "
            "--user --system --failed --recursive --reverse --after --before"
        ),
        value_flags=words("-t --type --state -p --property -n --lines -o --output"),
        value_checks={f: bounded_int(MAX_LINES) for f in ("-n", "--lines")},
        refused={
            "-H": "runs the command on another host",
            "--host": "runs the command on another host",
            "-M": "runs the command in a container",
            "--machine": "runs the command in a container",
        },
        validators=(
            _first_operand_in(
                words("list-units list-unit-files list-timers status show cat is-enabled is-active"),
                "read verbs",
            ),
            _requires_any("--no-pager", why="--no-pager is required"),
        ),
    ),
    ProgramSpec(
        name="readlink",
        why_read_only="prints where a link points",
        flags=words(
            "-f -e -m -n -z -v -q -s --canonicalize --canonicalize-existing "
            "--canonicalize-missing --no-newline --zero --verbose --quiet --silent"
        ),
    ),
    *(
        ProgramSpec(
            name=name,
            why_read_only=f"{name} prints part of a file; a bound is required and -f (follow) is refused",
            flags=words("-q -v -z --quiet --silent --verbose --zero-terminated"),
            value_flags=words("-n --lines -c --bytes"),
            value_checks={
                **{f: bounded_int(MAX_LINES) for f in ("-n", "--lines")},
                **{f: bounded_int(MAX_BYTES) for f in ("-c", "--bytes")},
            },
            refused={
                **{f: _FOLLOW for f in ("-f", "--follow", "-F", "--retry", "--pid")},
                "-s": "belongs to --follow",
                "--sleep-interval": "belongs to --follow",
            },
            validators=(
                _requires_any(
                    "-n",
                    "--lines",
                    "-c",
                    "--bytes",
                    why=f"a bound is required: -n LINES (<= {MAX_LINES}) or -c BYTES (<= {MAX_BYTES})",
                ),
            ),
        )
        for name in ("head", "tail")
    ),
    ProgramSpec(
        name="id",
        why_read_only="prints user and group ids",
        flags=words("-u -g -G -n -r -z -a --user --group --groups --name --real --zero"),
        max_operands=1,
    ),
    ProgramSpec(
        name="getent",
        why_read_only="looks up passwd or group entries (shadow is refused: it holds password hashes)",
        validators=(_first_operand_in(frozenset({"passwd", "group"}), "the passwd and group databases"),),
    ),
    ProgramSpec(
        name="uname",
        why_read_only="prints kernel and machine names",
        flags=words("-a -s -n -r -v -m -p -i -o --all"),
        double_dash=False,
        max_operands=0,
    ),
    ProgramSpec(
        name="hostname",
        why_read_only="with no arguments it prints the host name (an operand would set it)",
        double_dash=False,
        max_operands=0,
    ),
    ProgramSpec(
        name="lsattr",
        why_read_only="prints ext2+ file attributes (chattr, which sets them, is not allowed)",
        flags=words("-a -d -R -l -v -p"),
    ),
    ProgramSpec(
        name="wc",
        why_read_only="counts lines, words and bytes",
        flags=words("-c -m -l -L -w --bytes --chars --lines --max-line-length --words"),
    ),
    ProgramSpec(
        name="file",
        why_read_only="guesses file types; -C (compiles a magic file) is refused",
        flags=words(
            "-b -L -h -i -k -N -E --brief --dereference --no-dereference --mime --mime-type "
            "--mime-encoding --keep-going --no-pad"
        ),
        refused={"-C": "writes a compiled magic file", "--compile": "writes a compiled magic file"},
    ),
)

PROGRAMS: dict[str, ProgramSpec] = {spec.name: spec for spec in _SPECS}
"""Program name to its spec; `check_argv` refuses any program not in here."""
