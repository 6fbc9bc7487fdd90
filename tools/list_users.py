"""list_users: local accounts from `getent passwd` and `getent group`, flagging risky ones."""

from __future__ import annotations

import time

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.hoststate.common import (
    HostStateArgs,
    RowModel,
    decode,
    join_flags,
    table_result,
)

PASSWD_ARGV: tuple[str, ...] = ("getent", "passwd")
GROUP_ARGV: tuple[str, ...] = ("getent", "group")
COLUMNS = ("user", "uid", "gid", "groups", "home", "shell", "flags")
# Shells that do not give an interactive login (an empty shell field means /bin/sh: a login).
NO_LOGIN_SHELLS = frozenset({"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false"})
PRIVILEGED_GROUPS = frozenset({"sudo", "wheel", "admin", "root", "docker", "lxd", "disk", "shadow"})
# Debian and RHEL give regular users ids from 1000; below is a system account.
FIRST_REGULAR_UID = 1000
NOBODY_UID = 65534


class ListUsersArgs(HostStateArgs):
    """Which accounts to list."""

    only_flagged: bool = False
    """Only accounts with at least one flag."""
    max_rows: int = Field(default=5000, ge=1, le=50000)
    """At most this many rows."""


class UserRow(RowModel):
    """One account."""

    user: str
    """Login name."""
    uid: int
    """User id."""
    gid: int
    """Primary group id."""
    groups: str
    """Comma-separated supplementary groups that list this user."""
    home: str
    """Home directory."""
    shell: str
    """Login shell."""
    flags: str
    """Comma-separated flags: uid0_not_root, system_account_with_shell, privileged_group,
    empty_shell (means /bin/sh), dup_uid."""


def _groups_by_member(data: bytes) -> tuple[dict[str, list[str]], dict[int, str]]:
    members: dict[str, list[str]] = {}
    names: dict[int, str] = {}
    for line in decode(data).split("\n"):
        fields = line.split(":")
        if len(fields) != 4 or not fields[2].isdigit():
            continue
        names[int(fields[2])] = fields[0]
        for member in filter(None, fields[3].split(",")):
            members.setdefault(member, []).append(fields[0])
    return members, names


class ListUsersTool(Tool[ListUsersArgs]):
    """Lists accounts with getent (so LDAP/SSSD users show up too)."""

    name = "list_users"
    description = (
        "List local and directory user accounts (name, uid, gid, groups, home, shell), flagging a "
        "uid 0 account other than root, system accounts with a login shell, members of privileged "
        "groups and duplicated uids."
    )
    args_model = ListUsersArgs
    row_model = UserRow

    def run(self, args: ListUsersArgs, ctx: ToolContext) -> ToolResult:
        """Run getent passwd and getent group; join and flag."""
        started = time.monotonic()
        pw_out = ctx.run(PASSWD_ARGV)
        gr_out = ctx.run(GROUP_ARGV)
        members, group_names = _groups_by_member(gr_out.stdout)
        notes: list[str] = []
        accounts: list[list[str]] = []
        for line in decode(pw_out.stdout).split("\n"):
            fields = line.split(":")
            if len(fields) != 7 or not fields[2].isdigit() or not fields[3].isdigit():
                if line.strip():
                    notes.append(f"unparsed passwd line: {line[:200]!r}")
                continue
            accounts.append(fields)
        uid_count: dict[int, int] = {}
        for fields in accounts:
            uid_count[int(fields[2])] = uid_count.get(int(fields[2]), 0) + 1
        rows: list[Row] = []
        for name, _pw, uid_text, gid_text, _gecos, home, shell in accounts:
            uid, gid = int(uid_text), int(gid_text)
            groups = members.get(name, [])
            flags: list[str] = []
            if uid == 0 and name != "root":
                flags.append("uid0_not_root")
            if 0 < uid < FIRST_REGULAR_UID and shell not in NO_LOGIN_SHELLS and name != "sync":
                flags.append("system_account_with_shell")
            if uid != 0 and (PRIVILEGED_GROUPS & {*groups, group_names.get(gid, "")}):
                flags.append("privileged_group")
            if shell == "" and uid != NOBODY_UID:
                flags.append("empty_shell")
            if uid_count[uid] > 1:
                flags.append("dup_uid")
            if args.only_flagged and not flags:
                continue
            rows.append(
                UserRow(
                    user=name, uid=uid, gid=gid, groups=",".join(groups), home=home, shell=shell,
                    flags=join_flags(flags),
                ).model_dump()
            )
        cut = len(rows) > args.max_rows
        rows = rows[: args.max_rows]
        return table_result(
            self.name, ctx, [pw_out, gr_out], rows, COLUMNS, started=started, truncated=cut, notes=notes[:20]
        )


TOOL = ListUsersTool()
