"""Secret content is recognised by its format, anchored to whole lines, so log lines carrying attacker text
never look secret while the files themselves (keys, shadow, credentials, environ) always do."""

from __future__ import annotations

import pytest

from tools.secrets.content import blob_secret, line_secret


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (b"-----BEGIN OPENSSH PRIVATE KEY-----", "private key"),
        (b"  -----BEGIN ENCRYPTED PRIVATE KEY-----\r", "private key"),
        (b"-----BEGIN PGP PRIVATE KEY BLOCK-----", "private key"),
        (b"-----END EC PRIVATE KEY-----", "private key"),
        (b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "OpenSSH"),
        (b"PuTTY-User-Key-File-3: ssh-ed25519", "PuTTY"),
        (b"root:$y$j9T$abcd$efghijkl:19700:0:99999:7:::", "shadow"),
        (b"daemon:*:19700:0:99999:7:::", "shadow"),
        (b"sudo:!::alice,bob", "gshadow"),
        (b"alice:$6$salt$hash", "password hash"),
        (b"db.example.com:5432:*:app:pw", "pgpass"),
        (b"machine api.example.com login alice password s3cret", "netrc"),
        (b"  password s3cret", "netrc"),
        (b"aws_secret_access_key = wJalrXUtnFEMI", "cloud"),
        (b'      "auth": "YWxpY2U6czNjcmV0"', "registry"),
        (b"    client-key-data: LS0tLS1CRUdJTiBSU0E=", "kubeconfig"),
        (b"https://alice:ghp_token123@github.com", "git credential"),
        (b"PATH=/usr/bin\0HOME=/root\0AWS_SECRET=x\0", "environment"),
    ],
)
def test_secret_formats_are_recognised(line: bytes, kind: str) -> None:
    found = line_secret(line)
    assert found is not None and kind in found


@pytest.mark.parametrize(
    "line",
    [
        b"root:x:0:0:root:/root:/bin/bash",
        b"sudo:x:27:alice",
        b"-----BEGIN CERTIFICATE-----",
        b"-----BEGIN PUBLIC KEY-----",
        b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx alice@laptop",
        b"Nov 26 03:14:07 h sshd[1]: Invalid user -----BEGIN RSA PRIVATE KEY----- from 203.0.113.9",
        b"Nov 26 03:14:07 h sshd[1]: Invalid user root:$6$x$y:1:0:9:7::: from 203.0.113.9",
        b'203.0.113.9 - - [26/Nov/2026:03:14:07 +0000] "GET /?password%20x HTTP/1.1" 200 5 "-" "curl"',
        b'{"time": "2026-11-26T03:14:07Z", "msg": "aws_secret_access_key = x"}',
        b"Nov 26 03:14:07 h app[1]: \0PATH=/x\0",
        b"",
    ],
)
def test_ordinary_and_log_lines_are_not_secrets(line: bytes) -> None:
    assert line_secret(line) is None


def test_a_blob_is_checked_line_by_line() -> None:
    assert blob_secret(b"notes\nmore notes\n") is None
    assert blob_secret(b"notes\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n") == "a private key"
