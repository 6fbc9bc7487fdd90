"""`sleuth playbook new ID`: a commented, lint-clean starting playbook that shows every feature once."""

from __future__ import annotations

import re

from playbooks.errors import PlaybookError
from playbooks.model import PLAYBOOK_ID_PATTERN

_TEMPLATE = """\
# yaml-language-server: $schema={schema_ref}
# A Sleuth playbook. Check it with: sleuth playbook lint {path}
# Every step is one read-only tool call a human approves; `sleuth tools` lists the tools and their args.
id: {id}  # mirrors the file path: {path}
title: {title}
version: "1.0"  # quoted: YAML would read 1.0 as a number
description: >
  What this playbook investigates, and what a responder should conclude from it.
severity: medium  # low | medium | high | critical
attack: [T1110, T1078]  # MITRE ATT&CK ids investigated; each one is claimed by a conclusion below

inputs:  # given with --input NAME=VALUE; typed: string int duration host path ip hash regex list
  max_matches:
    type: int
    default: 5000
    description: At most this many matching lines per search.

steps:  # run in order; a step whose `when` is false is skipped
  - id: failed_logins
    title: Failed SSH logins
    tool: search_logs
    args:
      log: auth  # the host profile's auth log (/var/log/auth.log on Debian), in the case window
      format: auth  # matched lines are parsed: their fields (event, user, src, ...) are row columns
      pattern: 'Failed \\S+ for '
      max_matches: {{input: max_matches}}  # a typed reference, never string templating
    extract:  # findings: named lists of values, usable by later steps
      sources: {{column: src, where: {{event: failed}}}}  # a value comes from its field, only from rows
      users: {{column: user, where: {{event: failed}}}}   # whose columns equal `where`
    guidance: >
      Count failures per source address and per user; many users from one source means spraying.
    followups:  # what the model may propose after this step, within bounds
      - tool: search_logs
        args:
          log: {{one_of: [auth]}}

  - id: source_activity
    title: Everything each failing source did
    tool: search_logs
    when: {{exists: sources}}  # or {{count: sources, over: 5}} or {{any_in: users, values: [root]}}
    for_each: sources  # fan out: one approved call per value, at most max_items
    max_items: 5
    args:
      log: auth
      format: auth
      pattern: {{concat: ['from ', {{item: sources, as: regex}}, ' port']}}  # evidence is regex-escaped
    extract:
      accepted_users: {{column: user, where: {{event: accepted}}, attack: [T1078]}}  # what a value supports
      key_users:  # an RE2 regex over one column (or a built-in kind: {{builtin: ipv4}})
        regex: '^Accepted publickey for (?P<value>\\S+) '
        column: message
    guidance: >
      Did any source that failed also log in? An Accepted line after many failures is the key finding.

conclusions:  # the verdict: typed rules over findings; the values that made a rule true are cited after it
  - id: failing_source_logged_in
    status: compromised  # compromised | suspicious decide the verdict; review | context never change it
    when: {{exists: accepted_users}}  # or {{overlap: F, with: G}}, {{all: [...]}}, {{not: C}}, ...
    decided_by: [source_activity]  # not examined and nothing fired: inconclusive, never clean
    summary: A source with failed logins then logged in
    ruled_out: No source with failed logins logged in
    attack: [T1078]  # claimed only when the conclusion fires
  - id: failed_logins_seen
    status: context
    when: {{count: sources, over: 0}}
    summary: Failed SSH logins
    cite: [sources, users]
    attack: [T1110]
"""


def scaffold_playbook(playbook_id: str, *, schema_ref: str) -> str:
    """The YAML text of a new playbook with this id; PlaybookError unless the id is dotted snake_case."""
    if not re.fullmatch(PLAYBOOK_ID_PATTERN, playbook_id):
        raise PlaybookError(
            f"id {playbook_id!r} must be dotted lower_snake_case with 2+ parts, e.g. linux.web.sqli"
        )
    title = playbook_id.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    path = "/".join(playbook_id.split(".")) + ".yaml"
    return _TEMPLATE.format(schema_ref=schema_ref, id=playbook_id, title=title, path=path)
