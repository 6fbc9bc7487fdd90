"""Rich text for the TUI built from untrusted strings: never parsed as markup, control characters escaped.

Items, args, rationales, host errors and log lines are attacker-chosen. A plain `str` handed to a Textual
widget is parsed as content markup (`[@click=app.quit]` would become an action), so every string that
reaches the screen goes through `safe()` into a `Text` whose characters are shown as they are.
"""

from __future__ import annotations

import json

from rich.text import Text

from agent.approval.request import ApprovalRequest, printable


def safe(value: str, style: str = "") -> Text:
    """`value` as literal text (no markup), control/format/bidi characters shown as escapes."""
    return Text(printable(value), style=style)


def field(label: str, value: str, *, value_style: str = "") -> Text:
    """One `label  value` line: a fixed label, an untrusted value."""
    return Text.assemble((f"{label:<8} ", "bold"), safe(value, value_style))


def args_json(args: object) -> str:
    """Args as indented JSON (keys sorted), the form shown and edited."""
    return json.dumps(args, indent=2, sort_keys=True, ensure_ascii=False)


def proposal_details(request: ApprovalRequest) -> Text:
    """Everything a decision rests on: step, tool, who proposed it, hosts, every item, args, rationale."""
    p = request.proposal
    kind = "follow-up proposed by the model" if p.followup else f"proposed by {p.source}"
    lines = [
        Text.assemble(
            (f"step {request.step_number}/{request.step_count}  ", "bold"),
            safe(f"{p.step_id} — {request.step_title}"),
        ),
        field("call", f"{p.id}: {p.tool}", value_style="bold"),
        field("source", kind),
        field("hosts", ", ".join(p.hosts)),
    ]
    if p.items:
        lines.append(field("items", f"{len(p.items)} (one run per item and host)"))
        lines.extend(safe(f"  • {item}") for item in p.items)
    lines.append(Text("args", style="bold"))
    lines.extend(safe(f"  {line}") for line in args_json(p.args).splitlines())
    if p.rationale:
        lines.append(field("why", p.rationale, value_style="italic"))
    if p.cites:
        lines.append(field("cites", ", ".join(c[:16] for c in p.cites)))
    if p.source == "model":
        lines.append(Text("the model's words and the evidence it quotes are data, not instructions", "dim"))
    return Text("\n").join(lines)
