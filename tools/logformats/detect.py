"""Which log format one line is in (a best guess from its head; the parsers decide for certain)."""

from __future__ import annotations

from datetime import UTC, datetime

from tools.logformats.access import parse_access_line
from tools.logformats.auth import AUTH_SERVICES, auth_event
from tools.logformats.errorlog import parse_error_line
from tools.logformats.jsonl import parse_jsonl_line
from tools.logformats.model import LogFormat
from tools.logformats.syslog import parse_syslog_line

# Only the format matters here, not the year: any reference will do.
_ANY_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def detect_format(line: bytes) -> LogFormat | None:
    """The format a line is in: `auth` for a syslog line of sshd/sudo/su/PAM...; None when none fits.

    Every parser is anchored at the line start, so text imitating another format inside a field
    (a syslog line in a user agent, JSON in a URL) never decides the guess.
    """
    head = line.lstrip()[:1]
    if head == b"{":
        return "jsonl" if parse_jsonl_line(line) is not None else None
    if parse_error_line(line, _ANY_TIME) is not None:
        return "error"
    # Syslog before access: a syslog header is a fixed stamp, an access line's first token is free text.
    parsed = parse_syslog_line(line, _ANY_TIME)
    if parsed is None:
        return "access" if parse_access_line(line) is not None else None
    service = parsed.fields.get("service")
    message = parsed.fields.get("message")
    if isinstance(service, str) and service in AUTH_SERVICES:
        return "auth"
    if auth_event(str(service or ""), str(message or "")):
        return "auth"  # a PAM line of another program (ftpd, cron...), or an auth event without a tag
    return "syslog"
