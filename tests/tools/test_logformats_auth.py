"""The auth parser (syslog + events) on lines in the formats of real sshd/PAM/sudo logs (fail2ban, loghub)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.logformats import FIELDS, ParsedLine, parse_line

REF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def auth(line: str, reference: datetime = REF) -> ParsedLine:
    parsed = parse_line("auth", line.encode(), reference=reference)
    assert parsed is not None, line
    return parsed


def event_fields(line: str) -> dict[str, object]:
    syslog = set(FIELDS["syslog"])
    return {k: v for k, v in auth(line).fields.items() if k not in syslog}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Nov 26 03:14:07 web01 sshd[31602]: Failed password for invalid user ROOT from "
            "194.117.26.69 port "
            "50273 ssh2",
            {
                "event": "failed",
                "method": "password",
                "user": "ROOT",
                "invalid": "yes",
                "src": "194.117.26.69",
                "port": 50273,
            },
        ),
        (
            "Nov 26 03:14:07 mercury sshd[4669]: Failed publickey for invalid user graysky from "
            "127.0.0.1 port "
            "37954 ssh2: RSA SHA256:v3dpapGleDaUKf$4V1vKyR9ZyUgjaJAmoCTcb2PLljI",
            {
                "event": "failed",
                "method": "publickey",
                "user": "graysky",
                "invalid": "yes",
                "src": "127.0.0.1",
                "port": 37954,
                "key_type": "RSA",
                "key_fingerprint": "SHA256:v3dpapGleDaUKf$4V1vKyR9ZyUgjaJAmoCTcb2PLljI",
            },
        ),
        (
            "Nov 26 03:14:07 srv sshd[1556]: Accepted password for rda from 192.0.2.113 port 52100 ssh2",
            {"event": "accepted", "method": "password", "user": "rda", "src": "192.0.2.113", "port": 52100},
        ),
        (
            "Nov 26 03:14:07 srv sshd[2554]: Failed keyboard-interactive/pam for invalid user jamedds from "
            "205.186.180.77 port 33723 ssh2",
            {
                "event": "failed",
                "method": "keyboard-interactive/pam",
                "user": "jamedds",
                "invalid": "yes",
                "src": "205.186.180.77",
                "port": 33723,
            },
        ),
        (
            "Nov 26 03:14:07 srv sshd[19558]: [ID 800047 auth.info] Failed keyboard-interactive for "
            "james from "
            "205.186.180.30 port 54520 ssh2",
            {
                "event": "failed",
                "method": "keyboard-interactive",
                "user": "james",
                "src": "205.186.180.30",
                "port": 54520,
            },
        ),
        (
            "Nov 26 03:14:07 srv sshd[31603]: Failed password for invalid user ROOT from "
            "aaaa:bbbb:cccc:1234::1:1",
            {
                "event": "failed",
                "method": "password",
                "user": "ROOT",
                "invalid": "yes",
                "src": "aaaa:bbbb:cccc:1234::1:1",
            },
        ),
        (
            "Mar 24 15:25:51 buffalo1 dropbear[4092]: bad password attempt for 'root' from "
            "198.51.100.87:5543",
            {"event": "failed", "method": "password", "user": "root", "src": "198.51.100.87", "port": 5543},
        ),
        (
            "Nov 26 03:14:07 srv sshd[5672]: Invalid user admin from 192.0.2.117 port 44004",
            {"event": "invalid_user", "invalid": "yes", "user": "admin", "src": "192.0.2.117", "port": 44004},
        ),
        (
            "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 "
            "tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root",
            {
                "event": "auth_failure",
                "tty": "NODEVssh",
                "ruser": "",
                "rhost": "220-135-151-1.hinet-ip.hinet.net",
                "src": "220-135-151-1.hinet-ip.hinet.net",
                "user": "root",
            },
        ),
        (
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 "
            "tty=NODEVssh ruser= rhost=218.188.2.4 ",
            {
                "event": "auth_failure",
                "tty": "NODEVssh",
                "ruser": "",
                "rhost": "218.188.2.4",
                "src": "218.188.2.4",
            },
        ),
        (
            "Nov 26 03:14:07 srv sshd[1556]: pam_unix(sshd:auth): authentication failure; logname= "
            "uid=0 euid=0 "
            "tty=ssh ruser=rda rhost=192.0.2.113 [preauth]",
            {
                "event": "auth_failure",
                "tty": "ssh",
                "ruser": "rda",
                "rhost": "192.0.2.113",
                "src": "192.0.2.113",
            },
        ),
        (
            "Feb  7 15:10:42 example pure-ftpd: (pam_unix) authentication failure; logname= uid=0 euid=0 "
            "tty=pure-ftpd ruser=sample-user rhost=192.168.1.1 ",
            {
                "event": "auth_failure",
                "tty": "pure-ftpd",
                "ruser": "sample-user",
                "rhost": "192.168.1.1",
                "src": "192.168.1.1",
            },
        ),
        (
            "Nov 26 03:14:07 srv sshd[47831]: error: PAM: Authentication error for james from "
            "example.com via "
            "192.168.1.201",
            {"event": "auth_failure", "user": "james", "src": "example.com"},
        ),
        (
            "Nov 26 03:14:07 srv sshd[1556]: pam_unix(sshd:session): session opened for user "
            "rda(uid=1000) by "
            "(uid=0)",
            {"event": "session_opened", "user": "rda"},
        ),
        (
            "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)",
            {"event": "session_opened", "user": "cyrus"},
        ),
        (
            "Nov 26 03:14:07 web01 su[77]: pam_unix(su:session): session opened for user root by "
            "alice(uid=1000)",
            {"event": "session_opened", "user": "root", "ruser": "alice"},
        ),
        (
            "Jun 15 04:06:19 combo su(pam_unix)[21416]: session closed for user cyrus",
            {"event": "session_closed", "user": "cyrus"},
        ),
        (
            "Nov 26 03:14:07 srv sshd[21810]: error: maximum authentication attempts exceeded for root from "
            "61.0.0.1 port 49940 ssh2 [preauth]",
            {"event": "max_auth_exceeded", "user": "root", "src": "61.0.0.1", "port": 49940},
        ),
        (
            "Nov 26 03:14:07 srv sshd[109798]: Disconnecting invalid user xxx 192.0.2.7 port 49941: Too many "
            "authentication failures [preauth]",
            {
                "event": "max_auth_exceeded",
                "user": "xxx",
                "invalid": "yes",
                "src": "192.0.2.7",
                "port": 49941,
            },
        ),
        (
            "Nov 26 03:14:07 srv sshd[1296]: Connection closed by authenticating user root 192.0.2.10 "
            "port 46038 "
            "[preauth]",
            {"event": "disconnect_preauth", "user": "root", "src": "192.0.2.10", "port": 46038},
        ),
        (
            "Nov 26 03:14:07 srv sshd[2364]: Received disconnect from 198.51.100.76 port 58846:11: Bye "
            "Bye [preauth]",
            {"event": "disconnect_preauth", "src": "198.51.100.76", "port": 58846, "reason": "Bye Bye"},
        ),
        (
            "Nov 26 03:14:07 srv sshd[424228]: Connection closed by 192.0.2.15 port 35352",
            {"event": "connection_closed", "src": "192.0.2.15", "port": 35352},
        ),
        (
            "Nov 26 03:14:07 web01 useradd[9]: new user: name=backdoor, UID=0, GID=0, home=/root, "
            "shell=/bin/bash, from=/dev/pts/0",
            {
                "event": "new_user",
                "user": "backdoor",
                "uid": 0,
                "gid": 0,
                "home": "/root",
                "shell": "/bin/bash",
            },
        ),
        (
            "Nov 26 03:14:07 web01 groupadd[9]: new group: name=backdoor, GID=1005",
            {"event": "new_group", "group": "backdoor", "gid": 1005},
        ),
        (
            "Nov 26 03:14:07 web01 passwd[9]: pam_unix(passwd:chauthtok): password changed for root",
            {"event": "password_changed", "user": "root"},
        ),
    ],
)
def test_sshd_pam_and_account_events_field_by_field(line: str, expected: dict[str, object]) -> None:
    assert event_fields(line) == expected


def test_sudo_command_and_every_kind_of_denial() -> None:
    allowed = event_fields(
        "Nov 26 03:14:07 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
    )
    assert allowed == {"event": "sudo_command", "user": "alice", "tty": "pts/0", "pwd": "/home/alice",
                       "target_user": "root", "command": "/usr/bin/id"}  # fmt: skip
    for reason in ("user NOT in sudoers", "3 incorrect password attempts", "command not allowed"):
        denied = event_fields(
            f"Nov 26 03:14:07 web01 sudo:      bob : {reason} ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; "
            "COMMAND=/bin/cat /etc/shadow"
        )
        assert denied == {
            "event": "sudo_denied",
            "user": "bob",
            "reason": reason,
            "tty": "pts/1",
            "pwd": "/home/bob",
            "target_user": "root",
            "command": "/bin/cat /etc/shadow",
        }


@pytest.mark.parametrize(
    ("message", "event"),
    [
        ("(to root) alice on pts/0", "su"),
        ("Successful su for root by alice", "su"),
        ("FAILED SU (to root) alice on pts/0", "su_failed"),
        ("FAILED su for root by alice", "su_failed"),
    ],
)
def test_su_events(message: str, event: str) -> None:
    fields = event_fields(f"Nov 26 03:14:07 web01 su[123]: {message}")
    assert fields["event"] == event
    assert fields["target_user"] == "root" and fields["user"] == "alice"


@pytest.mark.parametrize(
    ("line", "user", "src"),
    [
        ("Invalid user  admin from 192.0.2.68 port 34916", " admin", "192.0.2.68"),
        ("Invalid user  from 1.2.3.4", "", "1.2.3.4"),
        ("Invalid user john smith from 192.0.2.5 port 22", "john smith", "192.0.2.5"),
        ("Connection closed by invalid user  192.0.2.68 port 34916 [preauth]", "", "192.0.2.68"),
        # A user name that imitates sshd's own ` from ... port ... ssh2` cannot move the source.
        (
            "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port "
            "58946 ssh2",
            "test from 10.10.1.2 port 55555 ssh2",
            "127.0.0.1",
        ),
        (
            "Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2",
            "from 10.10.1.1",
            "127.0.0.1",
        ),
        # SSH-1 rhosts info after the port is not the source either.
        ("Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4", "user", "127.0.0.1"),
    ],
)
def test_attacker_chosen_user_names_are_kept_exactly(line: str, user: str, src: str) -> None:
    fields = event_fields(f"Nov 26 03:14:07 srv sshd[1]: {line}")
    assert fields["user"] == user
    assert fields["src"] == src


def test_a_non_syslog_line_is_not_auth() -> None:
    assert (
        parse_line("auth", b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET / HTTP/1.1" 200 1', reference=REF)
        is None
    )
    assert parse_line("syslog", b"just some text", reference=REF) is None
    plain = auth("Nov 26 03:14:07 web01 sshd[1]: Server listening on :: port 22.")
    assert "event" not in plain.fields


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("User root not allowed because account is locked", {"user": "root", "reason": "account is locked"}),
        (
            "User root from 211.188.220.49 not allowed because not listed in AllowUsers",
            {"user": "root", "src": "211.188.220.49", "reason": "not listed in AllowUsers"},
        ),
    ],
)
def test_user_not_allowed(message: str, expected: dict[str, object]) -> None:
    assert event_fields(f"Nov 26 03:14:07 srv sshd[2364]: {message}") == {
        "event": "user_not_allowed",
        **expected,
    }


def test_bsd_su_failure() -> None:
    fields = event_fields("Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
    assert fields == {"event": "su_failed", "target_user": "root", "user": "lonvick", "tty": "/dev/pts/8"}


@pytest.mark.parametrize(
    ("message", "ruser", "rhost", "user"),
    [
        ("pam_unix: authentication failure; logname= uid=0 euid=0 tty=ftp ruser=an8767 rhost=www.google.com",
         "an8767", "www.google.com", None),
        # The client-chosen ruser holds a decoy `rhost=`: the real one is the one PAM wrote after it.
        ("pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=xxx ruser=test rhost=192.0.2.151 "
         "rhost=192.0.2.1", "test rhost=192.0.2.151", "192.0.2.1", None),
        # The attacker-chosen user name comes after rhost: a decoy in it does not move the source.
        ("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  "
         "user=x rhost=6.6.6.6", "", "1.2.3.4", "x rhost=6.6.6.6"),
    ],
)  # fmt: skip
def test_pam_failure_decoys(message: str, ruser: str, rhost: str, user: str | None) -> None:
    fields = event_fields(f"Jul 19 18:11:50 srv2 vsftpd: {message}")
    assert fields["event"] == "auth_failure"
    assert fields["ruser"] == ruser and fields["rhost"] == rhost and fields["src"] == rhost
    assert fields.get("user") == user
