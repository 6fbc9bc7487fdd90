"""Content-reading tools refuse secret-bearing files, so their bytes never become evidence or prompt text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.read_file import TOOL as READ_FILE
from tools.search_logs import TOOL as SEARCH_LOGS
from tools.secret_paths import secret_reason


@pytest.mark.parametrize(
    "path",
    [
        "/etc/shadow",
        "/etc/gshadow-",
        "/etc/ssh/ssh_host_ed25519_key",
        "/root/.ssh/id_rsa",
        "/home/a/.ssh/id_ed25519",
        "/etc/ssl/private/web.key",
        "/home/a/.aws/credentials",
        "/etc/../etc/shadow",
        "/root/.gnupg/secring.gpg",
    ],
)
def test_secret_files_are_refused_for_reading(path: str) -> None:
    assert secret_reason(path) is not None
    with pytest.raises(ValidationError, match="holds secrets"):
        READ_FILE.parse_args({"path": path})
    with pytest.raises(ValidationError, match="hash_files"):
        SEARCH_LOGS.parse_args({"paths": [path], "pattern": "x"})


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "/root/.ssh/id_ed25519.pub",
        "/etc/ssh/ssh_host_ed25519_key.pub",
        "/var/log/auth.log",
        "/root/.ssh/authorized_keys",
        "/etc/shadow.d-notes.txt",
    ],
)
def test_ordinary_files_are_allowed(path: str) -> None:
    assert secret_reason(path) is None
    READ_FILE.parse_args({"path": path})
