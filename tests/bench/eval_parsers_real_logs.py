"""Evaluation: the log-format parsers (tools/logformats) over the real public logs in ../shared/data/logs.

A script, not a test: `python tests/bench/eval_parsers_real_logs.py [LOG_DIR]`. Prints one JSON object:
per file, the format tried, lines read (comment and blank lines of the fail2ban samples skipped), lines
parsed / unparsed (with up to three unparsed samples), lines with a time, event counts (auth: `event`;
access: status classes and command parameters; jsonl: `eventid`), and the top sources of auth events.
"""

from __future__ import annotations

import collections
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.logformats import LogFormat, detect_format, parse_line

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "logs"
FILES: dict[str, LogFormat | None] = {
    "loghub/Linux_Linux_2k.log": "auth",
    "fail2ban/sshd.log": "auth",
    "fail2ban/pam-generic.log": "auth",
    "fail2ban/dropbear.log": "auth",
    "fail2ban/cowrie.log": "jsonl",
    "fail2ban/apache-auth.log": "error",
    "fail2ban/apache-botsearch.log": "error",
    "fail2ban/apache-noscript.log": "error",
    "fail2ban/apache-overflows.log": "error",
    "fail2ban/apache-shellshock.log": "error",
    "fail2ban/nginx-http-auth.log": "error",
    "fail2ban/nginx-limit-req.log": "error",
    "fail2ban/nginx-bad-request.log": "access",
    "fail2ban/nginx-botsearch.log": None,  # access and error lines mixed: detected per line
    "elastic-apache/apache_logs": "access",
}


def evaluate(path: Path, fmt: LogFormat | None) -> dict[str, object]:
    """Parse every line of one file as `fmt` (or as detected, when None) and count what came out."""
    reference = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    counts: collections.Counter[str] = collections.Counter()
    events: collections.Counter[str] = collections.Counter()
    sources: collections.Counter[str] = collections.Counter()
    unparsed: list[str] = []
    for raw in path.read_bytes().splitlines():
        if not raw.strip() or raw.startswith(b"#"):
            continue
        counts["lines"] += 1
        line_format = fmt or detect_format(raw)
        parsed = None if line_format is None else parse_line(line_format, raw, reference=reference)
        if parsed is None:
            counts["unparsed"] += 1
            if len(unparsed) < 3:
                unparsed.append(raw[:200].decode("utf-8", "replace"))
            continue
        counts["parsed"] += 1
        counts["with_time"] += parsed.time is not None
        counts["year_inferred"] += parsed.year_inferred
        fields = parsed.fields
        if parsed.format == "auth" and "event" in fields:
            events[str(fields["event"])] += parsed.repeat
            if "src" in fields:
                sources[str(fields["src"])] += parsed.repeat
        elif parsed.format == "access":
            events[f"status_{str(fields.get('status'))[:1]}xx"] += 1
            if "command" in fields:
                events[f"command_param_{fields.get('command_param')}"] += 1
        elif parsed.format == "jsonl":
            events[str(fields.get("eventid"))] += 1
        elif parsed.format == "error" and "client" in fields:
            sources[str(fields["client"])] += 1
    return {
        "format": fmt or "detected",
        **counts,
        "events": dict(events.most_common()),
        "distinct_sources": len(sources),
        "top_sources": sources.most_common(5),
        "unparsed_samples": unparsed,
    }


def main() -> int:
    """Evaluate every known file that is present; print one JSON object."""
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    if not root.is_dir():
        print(json.dumps({"error": f"{root}: no such directory"}))
        return 2
    out = {name: evaluate(root / name, fmt) for name, fmt in FILES.items() if (root / name).is_file()}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
