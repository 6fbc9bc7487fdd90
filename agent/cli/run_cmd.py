"""`sleuth run`, `sleuth resume`, `sleuth report`: drive a case, pick it up again, print its report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.cli.boundary import writing_under
from agent.cli.main import (
    EXIT_CHECK_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PAUSED,
    EXIT_TARGET,
    EXIT_USAGE,
    CliError,
)
from agent.cli.validate import (
    dir_to_create,
    existing_dir,
    existing_file,
    file_to_create,
    http_url,
    positive_int,
    positive_seconds,
)

if TYPE_CHECKING:
    from agent.run.runner import RunOutcome
    from agent.run.session import Session


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add run, resume and report."""
    run = commands.add_parser(
        "run",
        help="open a case and run a playbook against a host or group (every step needs your approval)",
        description="Open a case and run a playbook. Each proposed tool call is shown and runs only after "
        "you approve it: in the TUI, or on the console (one answer per line on stdin: a, e {json}, d REASON, "
        "s, b).",
    )
    run.add_argument("playbook", help="playbook id (e.g. linux.ssh.bruteforce) or path to a YAML file")
    run.add_argument("--target", required=True, help="inventory host or group, or `local`")
    run.add_argument("--inventory", type=existing_file, help="inventory YAML (hosts, keys, pinned host keys)")
    run.add_argument(
        "--input", action="append", default=[], metavar="K=V", help="playbook input (repeatable)"
    )
    run.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="KIND=PATH",
        help="where the target's log of a kind is (auth, syslog, web_access, web_error; repeatable): "
        "collected logs read on this machine with --target local, or a host's unusual paths",
    )
    add_window_options(run)
    add_case_options(run)
    run.add_argument(
        "--weights",
        choices=["model", "int8"],
        default="model",
        help="local model weights: as stored (default), or int8 weight-only linear layers (half the "
        "bytes per token against bf16; fast only on a GPU with the compiled step)",
    )
    _add_ui_options(run)
    run.add_argument(
        "--record", type=dir_to_create, metavar="DIR", help="save every tool output as replay fixtures"
    )
    run.add_argument(
        "--approval-ttl", type=positive_seconds, metavar="SECONDS", help="approvals expire after this long"
    )
    run.add_argument(
        "--intel-db", type=file_to_create, help="intel store (default: the data dir's intel.sqlite)"
    )
    run.set_defaults(func=_run)

    resume = commands.add_parser(
        "resume",
        help="continue an open case where it stopped (crash, pause, Ctrl-C)",
        description="Continue an open case where it stopped. The case is checked first: a run.json that is "
        "corrupt or disagrees with the ledger's settings, a ledger that fails verification, or a damaged "
        "checkpoints file ends in one line on stderr and exit 1, with nothing written; so does an "
        "execution about to run that is not the one its recorded decision approved.",
    )
    resume.add_argument("case", help="case id or case directory")
    resume.add_argument("--approver", help="who approves (default: $USER@host)")
    _add_ui_options(resume)
    resume.add_argument(
        "--case-dir", type=dir_to_create, help="directory holding the cases (default: data dir/cases)"
    )
    resume.set_defaults(func=_resume)

    report = commands.add_parser("report", help="print a closed case's report")
    report.add_argument("case", help="case id or case directory")
    report.add_argument("--format", choices=["md", "json"], default="md", help="markdown (default) or JSON")
    report.add_argument(
        "--case-dir", type=dir_to_create, help="directory holding the cases (default: data dir/cases)"
    )
    report.set_defaults(func=_report)


def _check_recorded(case: str, case_dir: Path, name: str, data: bytes) -> None:
    """Print a report only as the ledger recorded it: a damaged or altered file is refused, never shown."""
    import hashlib

    from agent.case.ledger import iter_entries
    from agent.case.payloads import LedgerKind, ReportWritten

    ledger = iter_entries(case_dir / "ledger.jsonl")
    written = [e.payload_as(ReportWritten) for e in ledger if e.kind is LedgerKind.REPORT]
    if not written:
        raise CliError(
            f"case {case}: its ledger records no report; `sleuth audit verify {case}`", EXIT_CHECK_FAILED
        )
    last = written[-1]
    recorded = last.markdown_sha256 if name == "report.md" else last.json_sha256
    actual = hashlib.sha256(data).hexdigest()
    if actual != recorded:
        raise CliError(
            f"case {case}: {name} is not the report the ledger recorded (sha256 {actual[:12]} on disk, "
            f"{recorded[:12]} recorded); it is not shown; `sleuth audit verify {case}` checks the whole case",
            EXIT_CHECK_FAILED,
        )


def add_case_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that opens cases (`sleuth run`, `sleuth tui`): proposer, approver, hosts."""
    parser.add_argument(
        "--backend",
        choices=["auto", "guided", "local", "openai"],
        default="auto",
        help="who proposes: the local model, an OpenAI-compatible server, or the playbook itself "
        "(guided); auto = the default local model when present, else guided",
    )
    parser.add_argument("--model", help="model directory or Hugging Face id (local), or model name (openai)")
    parser.add_argument("--base-url", type=http_url, help="OpenAI-compatible server URL (openai backend)")
    parser.add_argument("--approver", help="who approves (default: $USER@host)")
    parser.add_argument(
        "--replay", type=existing_dir, metavar="DIR", help="answer tool calls from recorded fixtures"
    )
    parser.add_argument(
        "--trust-new-host-key", action="store_true", help="pin host keys seen for the first time"
    )
    parser.add_argument(
        "--timeout", type=positive_seconds, default=30.0, help="per-command timeout in seconds"
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=16,
        metavar="N",
        help="hosts of a group a step runs on at once (default 16)",
    )
    parser.add_argument(
        "--model-deadline",
        type=positive_seconds,
        metavar="SECONDS",
        help="overall time for one model proposal, retries included (default: 120); past it the "
        "playbook's own call is proposed, saying why",
    )
    parser.add_argument(
        "--case-dir", type=dir_to_create, help="directory holding the cases (default: data dir/cases)"
    )


def add_window_options(parser: argparse.ArgumentParser) -> None:
    """`--since/--until`: the case's incident window, inherited by every step whose tool takes one."""
    forms = "an ISO 8601 date or datetime (UTC when naive) or a duration back from now (30m, 12h, 7d, 2w)"
    parser.add_argument(
        "--since",
        metavar="TIME",
        help=f"incident window start: {forms}; default: the whole log. Resolved to an absolute time when "
        "the case opens (a resume uses the same window); steps that pin their own keep it",
    )
    parser.add_argument("--until", metavar="TIME", help=f"incident window end: {forms}; default: now")


def _add_ui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ui",
        choices=["auto", "tui", "console"],
        default="auto",
        help="where decisions are asked: the full-screen TUI, or line by line on the terminal / stdin "
        "(auto: the TUI when stdin and the terminal are interactive)",
    )
    parser.add_argument(
        "--console", dest="ui", action="store_const", const="console", help="same as --ui console"
    )


def _drive(session: Session, ui: str) -> RunOutcome:
    """Drive the session's case with the TUI or the console approver."""
    if ui == "auto":
        ui = "tui" if sys.stdin.isatty() and sys.stdout.isatty() and sys.stderr.isatty() else "console"
    if ui == "tui":
        from agent.tui.app import run_tui  # Textual loads only when the TUI is asked for

        return run_tui(session)
    from agent.approval.console import ConsoleApprover
    from agent.run.runner import drive

    return drive(session.ctx, ConsoleApprover(), session.initial)


def _finish(session: Session, outcome: RunOutcome) -> int:
    """Exit 0 closed, 5 paused, 3 when no run reached any host (the report says "target never reached")."""
    from agent.report.verdict import reach_of_executions

    case_id = session.case.id
    if outcome.state is None:  # paused: no answer could be had
        print(
            f"sleuth: case {case_id} paused (no answer); continue with: sleuth resume {case_id}",
            file=sys.stderr,
        )
        return EXIT_PAUSED
    report = session.case.dir / "report.md"
    print(f"case {case_id}: {outcome.state.status}; report: {report}")
    reach = reach_of_executions(outcome.state.executions)
    if reach.never:
        print(f"sleuth: error: case {case_id}: target never reached: {reach.text()}", file=sys.stderr)
        return EXIT_TARGET
    if reach.unreached:
        print(f"sleuth: warning: case {case_id}: not reached: {reach.text()}", file=sys.stderr)
    return EXIT_OK


def _driven(session: Session, ui: str) -> int:
    """Drive the case to its end or a pause; Ctrl-C pauses it (the checkpoint holds), errors writing under
    the case dir name it."""
    from agent.case.store import CHECKPOINTS_FILE

    try:
        with writing_under(session.case.dir, database=session.case.dir / CHECKPOINTS_FILE):
            return _finish(session, _drive(session, ui))
    except KeyboardInterrupt:
        case_id = session.case.id
        print(
            f"sleuth: interrupted; case {case_id} paused; continue with: sleuth resume {case_id}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _absolute_logs(pairs: list[str]) -> list[str]:
    """`KIND=PATH` with a relative PATH made absolute against the working directory."""
    out = []
    for pair in pairs:
        kind, sep, path = pair.partition("=")
        out.append(f"{kind}={Path(path).absolute()}" if sep and path and not path.startswith("/") else pair)
    return out


def _run(args: argparse.Namespace) -> int:
    from agent.case.store import CaseStore
    from agent.run.session import RunSpec, default_approver, open_case, resolve_backend, session_scope
    from playbooks import describe_window, find_playbook, input_pairs
    from tools.inventory import log_overrides

    if args.backend == "openai" and not args.base_url:
        raise CliError("the openai backend needs --base-url (e.g. http://127.0.0.1:8000/v1)", EXIT_USAGE)
    backend = resolve_backend(args.backend)
    spec = RunSpec(
        playbook_path=str(find_playbook(args.playbook).resolve()),
        target=args.target,
        inventory=str(args.inventory.resolve()) if args.inventory else None,
        inputs=input_pairs(args.input),
        backend=backend,
        model=args.model,
        base_url=args.base_url,
        weights=args.weights,
        intel_db=str(args.intel_db) if args.intel_db else None,
        timeout_s=args.timeout,
        fanout_concurrency=args.concurrency,
        model_deadline_s=args.model_deadline,
        trust_new_host_keys=args.trust_new_host_key,
        record_dir=str(args.record.resolve()) if args.record else None,
        replay_dir=str(args.replay.resolve()) if args.replay else None,
        approval_ttl_s=args.approval_ttl,
        since=args.since,
        until=args.until,
        log_paths=log_overrides(_absolute_logs(args.log)),
    )
    approver = args.approver or default_approver()
    store = CaseStore(args.case_dir)
    with writing_under(store.root):
        session = open_case(spec, store=store, approver=approver)
    print(
        f"case {session.case.id} opened: {session.ctx.playbook.id} on {', '.join(session.initial.hosts)} "
        f"(backend {backend}, approver {approver}); window: {describe_window(session.initial.window)}",
        file=sys.stderr,
    )
    with session_scope(session):
        return _driven(session, args.ui)


def _resume(args: argparse.Namespace) -> int:
    from agent.case.meta import read_meta
    from agent.case.store import CaseStore
    from agent.run.session import default_approver, reopen_case, session_scope

    store = CaseStore(args.case_dir)
    meta = read_meta(store.case_dir(args.case))
    if meta.status != "open":
        raise CliError(
            f"case {meta.id} is {meta.status}; nothing to resume (see `sleuth report {meta.id}`)", EXIT_USAGE
        )
    approver = args.approver or default_approver()
    with writing_under(store.root):
        session = reopen_case(args.case, store=store, approver=approver)
    with session_scope(session):
        return _driven(session, args.ui)


def _report(args: argparse.Namespace) -> int:
    from agent.case.store import CaseStore
    from agent.report.jsonsafe import inert_json

    case_dir = CaseStore(args.case_dir).case_dir(args.case)
    path = case_dir / ("report.json" if args.format == "json" else "report.md")
    if not path.is_file():
        raise CliError(
            f"case {args.case} has no report yet (is it still open? `sleuth resume {args.case}`)",
            EXIT_CHECK_FAILED,
        )
    data = path.read_bytes()
    _check_recorded(args.case, case_dir, path.name, data)
    text = data.decode("utf-8")
    # A report.json written before escaping may hold raw controls: never let them reach the terminal.
    sys.stdout.write(inert_json(text) if args.format == "json" else text)
    return EXIT_OK
