"""`sleuth audit verify|sign|keygen|repair`: check a case's ledger, sign its head, repair a torn last line."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

import yaml

from agent.approval.request import printable
from agent.case.errors import CaseError, CaseLockedError
from agent.case.lease import CaseLease
from agent.case.signing import (
    generate_key,
    key_fingerprint,
    load_private_key,
    load_public_key,
    public_key_hex,
)
from agent.case.store import CaseStore
from agent.case.verify import VerifyReport, sign_case, verify
from agent.cli.main import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, CliError
from agent.cli.validate import dir_to_create, existing_file
from agent.report.jsonsafe import inert_json
from tools.settings import data_dir

CONFIG_FILE = "config.yaml"

CASE_HELP = "case id (under the cases directory), or a case directory path (contains '/' or starts with '.')"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `audit` command group."""
    audit = commands.add_parser("audit", help="verify, sign or repair a case's tamper-evident ledger")
    sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = sub.add_parser("verify", help="recheck chain, approvals, evidence; exit 1 on the first bad entry")
    _case_args(p)
    p.add_argument(
        "--public-key",
        type=existing_file,
        help="PEM Ed25519 public key ledger.sig must be made with (default: `audit_public_key` in the data "
        "dir's config.yaml); without one a signature is reported `unverified`, never `valid`",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_verify)

    p = sub.add_parser("sign", help="verify, then sign the ledger head with an Ed25519 key (ledger.sig)")
    _case_args(p)
    p.add_argument(
        "--key", type=existing_file, required=True, help="PEM Ed25519 private key (see `audit keygen`)"
    )
    p.set_defaults(func=run_sign)

    p = sub.add_parser("keygen", help="write a new Ed25519 private key (mode 0600) and KEY.pub")
    p.add_argument("key", type=Path, metavar="KEY", help="where to write the private key (never overwritten)")
    p.set_defaults(func=run_keygen)

    p = sub.add_parser("repair", help="cut a torn final line (crash mid-append) and record a note saying so")
    _case_args(p)
    p.set_defaults(func=run_repair)


def _case_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", metavar="CASE", help=CASE_HELP)
    p.add_argument(
        "--case-dir", type=dir_to_create, help="directory holding the cases (default: data dir/cases)"
    )


def _case_dir(args: argparse.Namespace) -> Path:
    try:
        return CaseStore(args.case_dir).case_dir(args.case)
    except CaseError as exc:
        raise CliError(str(exc)) from exc


def format_report(report: VerifyReport) -> str:
    """The human rendering of a verify report (a tampered ledger's keys and values are shown inert)."""
    if report.problem is None:
        lines = [f"ledger OK: {report.entries} entries, head {report.head_hash}"]
    else:
        p = report.problem
        where = (f"seq {p.seq}" if p.seq is not None else "case") + (f" (line {p.line})" if p.line else "")
        lines = [
            f"ledger FAILED at {where}: {p.reason}",
            f"  {report.entries} entries verified before it, last good head {report.head_hash}",
        ]
    if report.signature != "absent":
        lines.append(f"  signature: {report.signature} (key {report.signature_key})")
    lines.append(f"  truncation check: {_ANCHOR_TEXT[report.anchor]}")
    lines.extend(f"  warning: {w}" for w in report.warnings)
    return "\n".join(printable(line) for line in lines)


_ANCHOR_TEXT = {
    "signature": "against the signed head (ledger.sig)",
    "case.json": "against the head recorded in case.json at close",
    "none": "not possible (no signed or recorded head)",
}


def run_verify(args: argparse.Namespace) -> int:
    """Handler of `sleuth audit verify`."""
    case_dir = _case_dir(args)
    try:
        trusted = args.public_key or configured_public_key()
        pinned = load_public_key(trusted) if trusted else None
        report = verify(case_dir, public_key=pinned)
    except CaseError as exc:
        raise CliError(str(exc)) from exc
    print(inert_json(report.model_dump_json(indent=2)) if args.json else format_report(report))
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def configured_public_key() -> Path | None:
    """The trusted signing key named by `audit_public_key:` in `<data dir>/config.yaml`, if any."""
    path = data_dir() / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CliError(f"{path}: cannot read the configuration: {exc}") from exc
    value = config.get("audit_public_key") if isinstance(config, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CliError(f"{path}: `audit_public_key` must be a path to a PEM public key")
    key = Path(value).expanduser()
    return key if key.is_absolute() else path.parent / key


def run_sign(args: argparse.Namespace) -> int:
    """Handler of `sleuth audit sign`."""
    case_dir = _case_dir(args)
    try:
        key = load_private_key(args.key)
    except CaseError as exc:  # not a usable key: bad input, nothing was checked
        raise CliError(str(exc), EXIT_USAGE) from exc
    try:
        sig = sign_case(case_dir, key)
    except CaseError as exc:
        raise CliError(str(exc), EXIT_CHECK_FAILED) from exc
    print(f"signed head seq {sig.head_seq} {sig.head_hash} with {key_fingerprint(sig.public_key)}")
    return EXIT_OK


def run_keygen(args: argparse.Namespace) -> int:
    """Handler of `sleuth audit keygen`."""
    try:
        pub = generate_key(args.key)
        fingerprint = key_fingerprint(public_key_hex(load_public_key(pub)))
    except CaseError as exc:
        raise CliError(str(exc)) from exc
    print(f"wrote {args.key} (private, mode 0600) and {pub}; key {fingerprint}")
    return EXIT_OK


def run_repair(args: argparse.Namespace) -> int:
    """Handler of `sleuth audit repair`."""
    try:
        store = CaseStore(args.case_dir)
        # A repair writes to the ledger: never while another process drives the case.
        with (
            CaseLease.acquire(store.case_dir(args.case), command="sleuth audit repair"),
            store.open(args.case) as case,
        ):
            torn = case.ledger.repair(actor=getpass.getuser(), evidence=case.evidence)
            head = case.ledger.head_seq
    except CaseLockedError as exc:
        raise CliError(str(exc)) from exc
    except CaseError as exc:
        raise CliError(str(exc), EXIT_CHECK_FAILED) from exc
    if torn is None:
        print("nothing to repair: the ledger's last line is whole")
    else:
        print(
            f"cut {torn.length} bytes at offset {torn.offset} ({torn.reason}); kept as evidence; "
            f"recorded as note seq {head}"
        )
    return EXIT_OK
