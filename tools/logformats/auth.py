"""Authentication events in syslog messages: OpenSSH, PAM, sudo, su, shadow-utils (useradd, passwd), dropbear.

A line in this format has the syslog fields plus, when its message is a known event, `event` and
that event's fields:

- `failed` / `accepted`: `Failed|Accepted METHOD for [invalid user ]USER from SRC port PORT sshN[: INFO]`
  -> `method`, `user`, `invalid` ("yes"), `src`, `port`, `key_type`, `key_fingerprint`; dropbear's
  `bad password attempt for 'USER' from SRC:PORT` is a `failed` with method `password`.
- `invalid_user`: `Invalid user USER from SRC [port PORT]` (also `Illegal user`) -> `user`, `src`, `port`.
- `user_not_allowed`: `User USER [from SRC ]not allowed because REASON` (AllowUsers, DenyGroups, a locked
  account) -> `user`, `src`, `reason`.
- `auth_failure`: PAM `authentication failure; logname= uid= euid= tty= ruser= rhost= [user=]` (any
  module, also the old `(pam_unix)` and `sshd(pam_unix)` forms) -> `tty`, `ruser`, `rhost`, `user`, and
  `src` = `rhost` when one is logged; sshd's `error: PAM: Authentication failure|error for USER from SRC`.
- `session_opened` / `session_closed`: `session opened for user USER[(uid=N)] by RUSER[(uid=N)]` -> `user`,
  `ruser`.
- `sudo_command`: `USER : TTY=T ; PWD=P ; USER=TARGET ; COMMAND=C` -> `user`, `tty`, `pwd`, `target_user`,
  `command`. `sudo_denied`: the same with a reason before TTY (`user NOT in sudoers`, `3 incorrect
  password attempts`, `command not allowed`) -> also `reason`; a denial is never a `sudo_command`.
- `su`: `(to TARGET) USER on TTY` / `Successful su for TARGET by USER`; `su_failed`: `FAILED SU (to TARGET)
  USER on TTY` / `FAILED su for TARGET by USER`; BSD's `'su TARGET' succeeded|failed for USER on TTY`
  -> `target_user`, `user`, `tty`.
- `max_auth_exceeded`: `error: maximum authentication attempts exceeded for [invalid user ]USER from SRC
  port PORT`, `Disconnecting[ invalid user USER SRC port PORT]: Too many authentication failures[ for USER]`.
- `disconnect_preauth` / `connection_closed`: `Connection closed by|Connection reset by|Disconnected from
  [invalid user|authenticating user USER ]SRC port PORT`, `Received disconnect from SRC[ port PORT]:N: TEXT`
  with / without `[preauth]` -> `user`, `invalid`, `src`, `port`, `reason`.
- `new_user` (`new user: name=U, UID=N, GID=N, home=H, shell=S`), `new_group` (`new group: name=G, GID=N`)
  -> `user` / `group`, `uid`, `gid`, `home`, `shell`; `password_changed` (`password changed for U`) -> `user`.

User names are attacker-chosen and kept exactly (leading spaces, empty, embedded ` from `): a name
runs up to the LAST ` from SRC port PORT sshN` that ends the line (sshd writes the name before its own
`from`), so a name cannot move the source. PAM's `user=` loses trailing spaces.
"""

from __future__ import annotations

from datetime import datetime

from tools.logformats.model import FieldValue, Match, ParsedLine, as_int, compile_pattern
from tools.logformats.syslog import FIELDS as SYSLOG_FIELDS
from tools.logformats.syslog import parse_syslog_line

FIELDS: tuple[str, ...] = (
    *SYSLOG_FIELDS,
    "event", "user", "src", "port", "method", "invalid", "tty", "pwd", "target_user", "command",
    "reason", "rhost", "ruser", "key_type", "key_fingerprint", "group", "uid", "gid", "home", "shell",
)  # fmt: skip

# Programs whose lines are authentication records (detect_format reads them as `auth`).
AUTH_SERVICES = frozenset(
    {"sshd", "sshd-session", "sudo", "su", "login", "dropbear", "useradd", "groupadd", "usermod", "userdel",
     "passwd", "chpasswd", "chage", "unix_chkpwd", "gdm", "gdm-password", "polkitd", "systemd-logind"}
)  # fmt: skip

_c = compile_pattern

_SOLARIS_ID = _c(r"^\[ID \d{1,12} [a-z0-9.]{1,32}\] ")
_PREAUTH = r"(?: \[preauth\])?"
# What sshd may append after `sshN: `: a key (publickey, hostbased) or an SSH-1 `ruser`.
_KEY_TAIL = (
    r"(?:: (?:(?P<key_type>[A-Z][A-Z0-9-]{0,31}) (?P<key_fingerprint>\S{1,200})(?:, client user .*)?"
    r"|ruser .*))?"
)
_SSH_LOGIN = _c(
    r"^(?P<verb>Failed|Accepted) (?P<method>\S{1,64}) for (?P<invalid>invalid user )?(?P<user>.*)"
    r" from (?P<src>\S{1,255}) port (?P<port>\d{1,5})(?: ssh\d?)?" + _KEY_TAIL + "$"
)
_SSH_LOGIN_NO_PORT = _c(
    r"^(?P<verb>Failed|Accepted) (?P<method>\S{1,64}) for (?P<invalid>invalid user )?(?P<user>.*)"
    r" from (?P<src>[^ ]{1,255})$"
)
_DROPBEAR_BAD = _c(r"^bad password attempt for '(?P<user>.*)' from (?P<src>\S{1,255}):(?P<port>\d{1,5})$")
_INVALID = _c(r"^(?:Invalid|Illegal) user (?P<user>.*) from (?P<src>\S{1,255})(?: port (?P<port>\d{1,5}))?$")
_PAM_FAILURE = _c(
    r"^(?:pam_[a-z0-9_]{1,32}(?:\([^)]{0,64}\))?: |\(pam_[a-z0-9_]{1,32}\) )?authentication failure; "
    # ruser is the client's word (it may hold ` rhost=`): the first rhost= that leaves a valid tail wins,
    # since the attacker-chosen `user=` comes after rhost.
    r"logname=\S{0,255} uid=\d{0,10} euid=\d{0,10} tty=(?P<tty>\S{0,255}) ruser=(?P<ruser>.{0,255}?) "
    r"rhost=(?P<rhost>\S{0,255})(?: {1,2}user=(?P<user>.*?))?(?: \[preauth\])? *$"
)
_SSHD_PAM = _c(
    r"^error: PAM: (?i:authentication (?:failure|error)) for (?P<invalid>illegal user |invalid user )?"
    r"(?P<user>.*) from (?P<src>\S{1,255})(?: via \S{1,255})?$"
)
_SESSION = _c(
    r"^(?:pam_[a-z0-9_]{1,32}\([^)]{0,64}\): |\(pam_[a-z0-9_]{1,32}\) )?session (?P<verb>opened|closed) "
    r"for user (?P<user>.*?)(?:\(uid=\d{1,10}\))?(?: by (?P<ruser>.*?)(?:\(uid=\d{1,10}\))?)?$"
)
_SUDO = _c(
    r"^ *(?P<user>.{1,255}?) : (?:(?P<reason>[^=;]{1,255}) ; )?(?:TTY=(?P<tty>\S{0,255}) ; )?"
    r"PWD=(?P<pwd>.*?) ; USER=(?P<target_user>.{0,255}?) ; (?:GROUP=.*? ; )?(?:ENV=.*? ; )?"
    r"COMMAND=(?P<command>.*)$"
)
_SU = _c(
    r"^(?P<failed>FAILED SU )?\(to (?P<target_user>\S{1,255})\) (?P<user>.{1,255}) on (?P<tty>\S{1,255})$"
    r"|^(?P<verb>Successful|FAILED) su for (?P<target_user2>\S{1,255}) by (?P<user2>.{1,255})$"
    r"|^'su (?P<target_user3>\S{1,255})' (?P<verb3>succeeded|failed) for (?P<user3>.{1,255}) "
    r"on (?P<tty3>\S{1,255})$"
)
_MAX_AUTH = _c(
    r"^error: maximum authentication attempts exceeded for (?P<invalid>invalid user )?(?P<user>.*)"
    r" from (?P<src>\S{1,255}) port (?P<port>\d{1,5}) ssh\d?" + _PREAUTH + "$"
    r"|^Disconnecting(?: (?P<invalid2>invalid|authenticating) user (?P<user2>.*) (?P<src2>\S{1,255}) "
    r"port (?P<port2>\d{1,5}))?: Too many authentication failures(?: for (?P<user3>.*?))?" + _PREAUTH + "$"
)
_CLOSED = _c(
    r"^(?:Connection closed by|Connection reset by|Disconnected from) "
    r"(?:(?P<kind>invalid|authenticating) user (?P<user>.*) )?(?P<src>\S{1,255}) port (?P<port>\d{1,5})"
    r"(?P<preauth> \[preauth\])?$"
)
_RECEIVED = _c(
    r"^(?:error: )?Received disconnect from (?P<src>[^ ]{1,255}?)(?: port (?P<port>\d{1,5}))?: ?\d{1,3}: "
    r"(?P<reason>.*?)(?P<preauth> \[preauth\])?$"
)
_NOT_ALLOWED = _c(
    r"^User (?P<user>.*?)(?: from (?P<src>\S{1,255}))? not allowed because (?P<reason>[^ ].{0,255})$"
)
_NEW_USER = _c(
    r"^new user: name=(?P<user>[^,]{0,255}), UID=(?P<uid>\d{1,10}), GID=(?P<gid>\d{1,10}), "
    r"home=(?P<home>[^,]*), shell=(?P<shell>[^,]*)(?:, from=.*)?$"
)
_NEW_GROUP = _c(r"^new group: name=(?P<group>[^,]{0,255}), GID=(?P<gid>\d{1,10})$")
_PASSWORD = _c(r"^(?:pam_[a-z0-9_]{1,32}\([^)]{0,64}\): )?password changed for (?P<user>.{1,255})$")


def _put(fields: dict[str, FieldValue], found: Match, *names: str) -> None:
    for name in names:
        value = _group(found, name)
        if value is not None:
            fields[name] = as_int(value) if name == "port" else value


def _ssh(message: str) -> dict[str, FieldValue] | None:
    found = _SSH_LOGIN.match(message) or _SSH_LOGIN_NO_PORT.match(message)
    if found is not None:
        out: dict[str, FieldValue] = {"event": "accepted" if found.group("verb") == "Accepted" else "failed"}
        _put(out, found, "method", "user", "src", "port")
        if found.group("invalid"):
            out["invalid"] = "yes"
        _put(out, found, "key_type", "key_fingerprint")
        return out
    if (found := _DROPBEAR_BAD.match(message)) is not None:
        out = {"event": "failed", "method": "password"}
        _put(out, found, "user", "src", "port")
        return out
    if (found := _INVALID.match(message)) is not None:
        out = {"event": "invalid_user", "invalid": "yes"}
        _put(out, found, "user", "src", "port")
        return out
    if (found := _NOT_ALLOWED.match(message)) is not None:
        out = {"event": "user_not_allowed"}
        _put(out, found, "user", "src", "reason")
        return out
    if (found := _MAX_AUTH.match(message)) is not None:
        out = {"event": "max_auth_exceeded"}
        _put(out, found, "user", "src", "port")
        _alias(out, found, user="user2", src="src2", port="port2")
        _alias(out, found, user="user3")
        if found.group("invalid") or found.group("invalid2") == "invalid":
            out["invalid"] = "yes"
        return out
    return _disconnect(message)


def _alias(out: dict[str, FieldValue], found: Match, **names: str) -> None:
    for field, group in names.items():
        value = _group(found, group)
        if value is not None and field not in out:
            out[field] = as_int(value) if field == "port" else value


def _disconnect(message: str) -> dict[str, FieldValue] | None:
    found = _CLOSED.match(message) or _RECEIVED.match(message)
    if found is None:
        return None
    out: dict[str, FieldValue] = {
        "event": "disconnect_preauth" if found.group("preauth") else "connection_closed"
    }
    _put(out, found, "src", "port")
    if message.startswith(("Connection", "Disconnected")):
        _put(out, found, "user")
        if found.group("kind") == "invalid":
            out["invalid"] = "yes"
    else:
        _put(out, found, "reason")
    return out


def _pam_or_account(message: str) -> dict[str, FieldValue] | None:
    if (found := _PAM_FAILURE.match(message)) is not None:
        out: dict[str, FieldValue] = {"event": "auth_failure"}
        _put(out, found, "tty", "ruser", "rhost", "user")
        if found.group("rhost"):
            out["src"] = found.group("rhost")
        return out
    if (found := _SSHD_PAM.match(message)) is not None:
        out = {"event": "auth_failure"}
        _put(out, found, "user", "src")
        if found.group("invalid"):
            out["invalid"] = "yes"
        return out
    if (found := _SESSION.match(message)) is not None:
        out = {"event": f"session_{found.group('verb')}"}
        _put(out, found, "user")
        if found.group("ruser"):  # `by (uid=0)` names no one
            out["ruser"] = found.group("ruser")
        return out
    for pattern, event in (
        (_NEW_USER, "new_user"),
        (_NEW_GROUP, "new_group"),
        (_PASSWORD, "password_changed"),
    ):
        if (found := pattern.match(message)) is not None:
            out = {"event": event}
            _put(out, found, "user", "group", "home", "shell")
            for name in ("uid", "gid"):
                if (value := as_int(_group(found, name))) is not None:
                    out[name] = value
            return out
    return None


def _group(found: Match, name: str) -> str | None:
    try:
        return found.group(name)
    except (IndexError, KeyError):  # the pattern has no such group
        return None


def _sudo_or_su(service: str, message: str) -> dict[str, FieldValue] | None:
    if service == "sudo" and (found := _SUDO.match(message)) is not None:
        out: dict[str, FieldValue] = {"event": "sudo_denied" if found.group("reason") else "sudo_command"}
        _put(out, found, "user", "reason", "tty", "pwd", "target_user", "command")
        return out
    if service == "su" and (found := _SU.match(message)) is not None:
        out = {}
        _put(out, found, "target_user", "user", "tty")
        _alias(out, found, target_user="target_user2", user="user2")
        _alias(out, found, target_user="target_user3", user="user3", tty="tty3")
        failed = found.group("failed") or found.group("verb") == "FAILED" or found.group("verb3") == "failed"
        out["event"] = "su_failed" if failed else "su"
        return out
    return None


def auth_event(service: str, message: str) -> dict[str, FieldValue]:
    """The event fields of one syslog message of `service` (empty when it is no known event)."""
    message = message[len(solaris.group(0) or "") :] if (solaris := _SOLARIS_ID.match(message)) else message
    return _sudo_or_su(service, message) or _pam_or_account(message) or _ssh(message) or {}


def parse_auth_line(line: bytes, reference: datetime) -> ParsedLine | None:
    """The syslog fields of a line plus its authentication event, or None when it is not syslog."""
    parsed = parse_syslog_line(line, reference)
    if parsed is None:
        return None
    service, message = parsed.fields.get("service"), parsed.fields.get("message")
    event = auth_event(str(service or ""), str(message or ""))
    fields = {**parsed.fields, **{k: v for k, v in event.items() if k not in parsed.fields}}
    return ParsedLine("auth", fields, parsed.time, parsed.year_inferred, parsed.repeat)
