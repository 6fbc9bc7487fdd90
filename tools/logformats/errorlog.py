"""Web server error logs: Apache 2.4, Apache 2.2 and nginx.

- Apache 2.4: `[Wed Nov 26 10:05:40.123456 2026] [core:error] [pid 123:tid 456] [client 203.0.113.5:51234]
  AH00126: ...`; Apache 2.2: `[Wed Nov 26 10:05:40 2026] [error] [client 1.2.3.4] ...`;
- nginx: `2026/11/26 10:05:40 [error] 1234#0: *5 ..., client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"`.

Fields: `level`, `module` (Apache 2.4), `pid` (int), `tid`, `connection` (nginx `*N`), `client` (no port),
`code` (Apache's `AH00126`), `message` (for nginx, the text before its `, client: ...` context), and
nginx's `server` and `request`; a record the server sent through syslog (`httpd[1]: [core:error] ...`,
`nginx[1]: 2026/11/26 ...`) also has the syslog `host` and `program`, and, for Apache, the syslog time.
Times carry no offset and are read as UTC. nginx's `client:` is taken
from outside double quotes only, so a request line or user name cannot supply it; Apache's is the
first `[client ...]` right after the header, never one inside the message.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tools.logformats.model import FieldValue, Match, ParsedLine, as_int, compile_pattern, decode
from tools.logformats.syslog import parse_syslog_line

FIELDS: tuple[str, ...] = (
    "level", "module", "pid", "tid", "connection", "client", "code", "message", "server", "request", "host",
    "program",
)  # fmt: skip

_APACHE_BODY = (
    r"\[(?:(?P<module>[^:\] ]{0,64}):)?(?P<level>[a-z]{1,16}[0-9]?)\]"
    r"(?: \[pid (?P<pid>\d{1,10})(?::tid (?P<tid>\d{1,20}))?\])?"
    r"(?: \[client (?P<client>[^\] ]{1,300})\])?"
    r"(?: (?P<code>AH\d{5}): ?| )?(?P<message>.*)$"
)
_APACHE = compile_pattern(
    r"^\[(?:[A-Z][a-z]{2}) (?P<stamp>[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,6})? \d{4})\] "
    + _APACHE_BODY
)
# `ErrorLog syslog:`: the same record without its own time, in a syslog message of httpd/apache2.
_APACHE_BARE = compile_pattern("^" + _APACHE_BODY)
_WEB_SERVERS = frozenset({"httpd", "apache", "apache2", "nginx"})
_NGINX = compile_pattern(
    r"^(?P<stamp>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?P<level>[a-z]{1,10})\] "
    r"(?P<pid>\d{1,10})#(?P<tid>\d{1,20}): (?:\*(?P<connection>\d{1,20}) )?(?P<message>.*)$"
)
_PORT = compile_pattern(r"^(?P<host>.{1,300}?)(?::\d{1,5})?$")
_BRACKETED = compile_pattern(r"^\[(?P<host>[^\]]{1,300})\](?::\d{1,5})?$")
_CONTEXT = compile_pattern(r"^(?P<key>client|server|request): (?P<value>[^,]{0,1000})")


def _apache_client(raw: str, with_port: bool) -> str:
    """Apache 2.4 logs `IP:port` (IPv6 unbracketed: the last `:N` is the port); 2.2 logs no port."""
    bracketed = _BRACKETED.match(raw)
    if bracketed is not None:
        return bracketed.group("host") or raw
    if not with_port:
        return raw
    found = _PORT.match(raw)
    return (found.group("host") if found else None) or raw


def _apache_time(stamp: str) -> datetime | None:
    for layout in ("%b %d %H:%M:%S.%f %Y", "%b %d %H:%M:%S %Y"):
        try:
            return datetime.strptime(stamp, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _apache(text: str) -> ParsedLine | None:
    found = _APACHE.match(text)
    if found is None:
        return None
    return ParsedLine("error", _apache_fields(found), _apache_time(found.group("stamp") or ""), False)


def _apache_fields(found: Match) -> dict[str, FieldValue]:
    fields: dict[str, FieldValue] = {"level": found.group("level")}
    for name in ("module", "tid", "code"):
        if found.group(name):  # Apache 2.4 logs `[:error]` for a module without a name
            fields[name] = found.group(name)
    if (pid := as_int(found.group("pid"))) is not None:
        fields["pid"] = pid
    client = found.group("client")
    if client is not None:
        apache24 = found.group("module") is not None or found.group("pid") is not None
        fields["client"] = _apache_client(client, apache24)
    fields["message"] = found.group("message") or ""
    return fields


def _nginx_context(message: str, fields: dict[str, FieldValue]) -> str:
    """Take `, client: X, server: Y, request: "..."` from outside quotes; return the message before it."""
    head: str | None = None
    offset = 0
    for index, segment in enumerate(message.split('"')):
        if index % 2 == 0:  # outside quotes
            for part_at, part in _comma_parts(segment):
                found = _CONTEXT.match(part)
                if found is None:
                    continue
                key = found.group("key") or ""
                if head is None and key == "client":
                    head = message[: offset + part_at - 2]
                if head is not None and key not in fields:
                    value = found.group("value") or ""
                    fields[key] = value
        elif head is not None and "request" in fields and fields["request"] == "":
            fields["request"] = segment
        offset += len(segment) + 1
    return message if head is None else head


def _comma_parts(segment: str) -> list[tuple[int, str]]:
    parts: list[tuple[int, str]] = []
    at = segment.find(", ")
    while at != -1:
        parts.append((at + 2, segment[at + 2 :]))
        at = segment.find(", ", at + 2)
    return parts


def _nginx(text: str) -> ParsedLine | None:
    found = _NGINX.match(text)
    if found is None:
        return None
    try:
        time: datetime | None = datetime.strptime(found.group("stamp") or "", "%Y/%m/%d %H:%M:%S")
    except ValueError:
        time = None
    fields: dict[str, FieldValue] = {"level": found.group("level"), "tid": found.group("tid")}
    if (pid := as_int(found.group("pid"))) is not None:
        fields["pid"] = pid
    if found.group("connection") is not None:
        fields["connection"] = found.group("connection")
    message = found.group("message") or ""
    context: dict[str, FieldValue] = {}
    fields["message"] = _nginx_context(message, context)
    fields.update(context)
    return ParsedLine("error", fields, time.replace(tzinfo=UTC) if time else None, False)


def _in_syslog(line: bytes, reference: datetime) -> ParsedLine | None:
    """An Apache or nginx error record sent to syslog by the web server itself."""
    wrapped = parse_syslog_line(line, reference)
    program = str(wrapped.fields.get("program", "")) if wrapped is not None else ""
    if wrapped is None or program.split("/", 1)[0] not in _WEB_SERVERS:  # `httpd/backend1` is httpd
        return None
    message = str(wrapped.fields.get("message", ""))
    origin: dict[str, FieldValue] = {k: v for k, v in wrapped.fields.items() if k in ("host", "program")}
    if (found := _APACHE_BARE.match(message)) is not None:
        fields = {**origin, **_apache_fields(found)}
        return ParsedLine("error", fields, wrapped.time, wrapped.year_inferred, wrapped.repeat)
    nginx = _nginx(message)
    if nginx is None:
        return None
    return ParsedLine("error", {**origin, **nginx.fields}, nginx.time, False, wrapped.repeat)


def parse_error_line(line: bytes, reference: datetime) -> ParsedLine | None:
    """The fields of one Apache or nginx error-log line (also sent through syslog), or None.

    `reference` dates a syslog-wrapped Apache record, whose only time is the year-less syslog stamp.
    """
    text = decode(line)
    return _apache(text) or _nginx(text) or _in_syslog(line, reference)
