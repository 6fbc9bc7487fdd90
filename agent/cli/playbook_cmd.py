"""`sleuth playbook list|show|lint|schema|new|export|test|record`: author, check, test and share playbooks."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from agent.cli.validate import dir_to_create, existing_dir, existing_file, file_to_create
from playbooks import (
    Catalogue,
    PlaybookError,
    Severity,
    export_cacao,
    find_playbook,
    has_errors,
    lint_file,
    list_playbooks,
    load_playbook_file,
    render_schema,
    scaffold_playbook,
    schema_path,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sleuth playbook` and its sub-commands."""
    group = commands.add_parser(
        "playbook",
        help="list, show, lint, scaffold and export playbooks",
        description="Work with YAML playbooks.",
    )
    sub = group.add_subparsers(dest="playbook_command", metavar="SUBCOMMAND", required=True)
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument(
        "--dir",
        type=existing_dir,
        action="append",
        default=[],
        dest="dirs",
        help="also look for playbooks in this folder (repeatable)",
    )

    listing = sub.add_parser("list", parents=[extra], help="list playbooks (library and --dir)")
    listing.set_defaults(func=_list)

    show = sub.add_parser("show", parents=[extra], help="show one playbook: inputs, steps, ATT&CK")
    show.add_argument("playbook", help="playbook id (linux.ssh.bruteforce) or path to a .yaml file")
    show.set_defaults(func=_show)

    lint = sub.add_parser(
        "lint",
        help="check playbooks; one `path:line:col: severity[CODE] message` per issue",
        description="Check playbooks against the schema and the tool catalogue. "
        "Exits 1 when any error is found (warnings alone exit 0).",
    )
    lint.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the shipped library)")
    lint.add_argument("--no-warnings", action="store_true", help="print errors only")
    lint.set_defaults(func=_lint)

    schema = sub.add_parser("schema", help="print the playbook JSON Schema (editors validate with it)")
    schema.add_argument("--write", action="store_true", help="rewrite the committed schema file instead")
    schema.set_defaults(func=_schema)

    new = sub.add_parser(
        "new",
        help="write a lint-clean starting playbook for an id",
        epilog="example: sleuth playbook new linux.web.sqli --dir ./my-playbooks",
    )
    new.add_argument("id", help="dotted id; the file goes to DIR/<id with dots as folders>.yaml")
    new.add_argument(
        "--dir", type=dir_to_create, default=Path(), help="root folder (default: current folder)"
    )
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(func=_new)

    export = sub.add_parser("export", parents=[extra], help="export a playbook to another format (CACAO 2.0)")
    export.add_argument("playbook", help="playbook id or path")
    export.add_argument("--format", choices=["cacao"], default="cacao", help="output format (default cacao)")
    export.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    export.set_defaults(func=_export)

    test = sub.add_parser(
        "test",
        parents=[extra],
        help="replay recorded tool outputs through the real graph; check the path and the findings",
        description=TEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument(
        "targets",
        nargs="*",
        metavar="PATH|ID",
        help="playbook ids or files, <playbook>.tests folders, case folders, or folders of playbooks "
        "(default: every case of the library and --dir)",
    )
    test.set_defaults(func=_test)

    record = sub.add_parser(
        "record",
        help="run a playbook live (all steps approved) and save it as a test case",
        description="Run a playbook against one host with every step approved, save each tool output "
        "as a fixture in <playbook>.tests/NAME/fixtures/ and write NAME/test.yaml with the path and "
        "findings observed. Review test.yaml before committing it (values that change between runs, "
        "such as pids or ports, belong under ignore_findings).",
    )
    record.add_argument("playbook", help="playbook id or path")
    record.add_argument("--target", required=True, help="one inventory host")
    record.add_argument("--inventory", type=existing_file, required=True, help="inventory YAML")
    record.add_argument("--name", default="default", help="case folder name (default: default)")
    record.add_argument("--input", action="append", default=[], metavar="K=V", help="playbook input")
    record.add_argument("--intel-db", type=file_to_create, help="intel store (default: the data dir's)")
    record.add_argument(
        "--ignore", action="append", default=[], metavar="FINDING", help="finding not to check on replay"
    )
    record.add_argument("--force", action="store_true", help="replace an existing case of that name")
    record.set_defaults(func=_record)


TEST_HELP = """\
Replay recorded tool outputs through the real investigation graph (guided mode, a throwaway case
store, no host touched) and check the path taken and the findings. Prints one PASS/FAIL line per
case and exits 1 if any case fails.

A test case sits beside its playbook:

  linux/ssh/bruteforce.yaml
  linux/ssh/bruteforce.tests/<case>/test.yaml
  linux/ssh/bruteforce.tests/<case>/fixtures/<tool>.<host>.<argshash>.json

test.yaml:

  target: sandbox-01            # host name the fixtures were recorded on
  inputs: {since: 7d}           # --input values (optional)
  answers: [a, d not now, s]    # approval answers in order (optional; then every call is approved)
  expect:
    status: closed              # or aborted
    steps:                      # every step, in order: done|skipped|denied|condition_false|failed
      - {id: failed_logins, status: done}
    findings:                   # every finding produced must be named
      sources: [192.0.2.77]     # exact set of values
      targeted_users: {contains: [root]}
    ignore_findings: [all_pids] # values that change between recordings

Record fixtures with `sleuth playbook record ID --target HOST --inventory FILE --name CASE`
(writes fixtures and a test.yaml to review), or with `sleuth run ID ... --record DIR` and move
DIR to <case>/fixtures/. A call with no fixture fails the case with ReplayMissError.
"""


def _test(args: argparse.Namespace) -> int:
    from agent.authoring.replay import discover, run_case

    cases = discover(args.targets, args.dirs)
    if not cases:
        raise PlaybookError("no test cases found (a case is <playbook>.tests/<name>/test.yaml)")
    failed = 0
    for case in cases:
        result = run_case(case)
        failed += not result.passed
        print(result.line(), flush=True)
    print(f"{len(cases)} case(s): {len(cases) - failed} passed, {failed} failed", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _record(args: argparse.Namespace) -> int:
    from agent.authoring.record import record_case
    from playbooks import input_pairs

    folder = record_case(
        find_playbook(args.playbook),
        target=args.target,
        inventory=args.inventory,
        name=args.name,
        inputs=input_pairs(args.input),
        intel_db=args.intel_db,
        ignore=frozenset(args.ignore),
        force=args.force,
    )
    print(f"wrote {folder}; review {folder / 'test.yaml'}, then `sleuth playbook test {folder}`")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    for entry in list_playbooks(args.dirs):
        try:
            title = load_playbook_file(entry.path).title
        except PlaybookError:
            title = "(does not load: run `sleuth playbook lint`)"
        print(f"{entry.id:32} {title}")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    pb = load_playbook_file(find_playbook(args.playbook, args.dirs))
    print(f"{pb.id} v{pb.version} - {pb.title} [{pb.severity}]")
    print(f"ATT&CK: {', '.join(pb.attack) or '-'}")
    print(pb.description.strip())
    if pb.inputs:
        print("\ninputs:")
        for name, spec in pb.inputs.items():
            default = "required" if spec.default is None else f"default {spec.default!r}"
            print(f"  {name} ({spec.type.value}, {default}): {spec.description}")
    print("\nsteps:")
    for n, step in enumerate(pb.steps, 1):
        extra = f" when {step.when.model_dump(by_alias=True)}" if step.when else ""
        extra += f" for each {step.for_each}" if step.for_each else ""
        print(f"  {n}. {step.id}: {step.title} [{step.tool}]{extra}")
        if step.extract:
            print(f"     findings: {', '.join(step.extract)}")
        if step.followups:
            print(f"     follow-ups: {', '.join(f.tool for f in step.followups)}")
    return EXIT_OK


def _lint_targets(paths: list[Path]) -> list[Path]:
    if not paths:
        return [e.path for e in list_playbooks()]
    out: list[Path] = []
    for path in paths:
        if path.is_dir():  # <playbook>.tests/ folders hold test cases, not playbooks
            out += [p for p in sorted(path.rglob("*.yaml")) if not any(x.endswith(".tests") for x in p.parts)]
        else:
            out.append(path)
    return out


def _lint(args: argparse.Namespace) -> int:
    catalogue = Catalogue.default()
    errors = warnings = 0
    files = _lint_targets(args.paths)
    for path in files:
        for issue in lint_file(path, catalogue):
            if issue.severity == Severity.WARNING:
                warnings += 1
                if args.no_warnings:
                    continue
            else:
                errors += 1
            print(issue.format())
    print(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    if args.write:
        schema_path().write_text(render_schema(), encoding="utf-8")
        print(f"wrote {schema_path()}", file=sys.stderr)
    else:
        sys.stdout.write(render_schema())
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    path = args.dir / Path(*args.id.split(".")).with_suffix(".yaml")
    if path.exists() and not args.force:
        raise PlaybookError(f"{path} exists; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    schema_ref = os.path.relpath(schema_path(), path.parent.resolve())
    if schema_ref.startswith("../" * 6):  # far away (another tree): an absolute file URI reads better
        schema_ref = schema_path().as_uri()
    text = scaffold_playbook(args.id, schema_ref=schema_ref)
    path.write_text(text, encoding="utf-8")
    issues = lint_file(path, Catalogue.default())
    print(f"wrote {path}; next: edit it, then `sleuth playbook lint {path}`", file=sys.stderr)
    return EXIT_FAILED if has_errors(issues) else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    pb = load_playbook_file(find_playbook(args.playbook, args.dirs))
    text = json.dumps(export_cacao(pb, now=datetime.now(UTC)), indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
