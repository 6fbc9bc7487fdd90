"""Run a tool in a private mount namespace with files bind-mounted over system paths (root only).

This lets a test show a tool a crontab or /etc/passwd of its own without touching the real ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.base import Row

_CHILD = """
import json, subprocess, sys
from tools.base import ToolContext
from tools.registry import get_tool
from tools.transport.local import LocalTransport
spec = json.loads(sys.argv[1])
for src, dst in spec["mounts"]:
    subprocess.run(["mount", "--bind", src, dst], check=True)
tool = get_tool(spec["tool"])
result = tool.run(tool.parse_args(spec["args"]), ToolContext(transport=LocalTransport()))
print(json.dumps({"rows": result.rows, "notes": list(result.notes)}))
"""


def run_with_mounts(
    tool: str, args: dict[str, object], mounts: list[tuple[Path, str]]
) -> tuple[list[Row], list[str]]:
    """Run `tool` with `args` in a new mount namespace where each (src, dst) is bind-mounted."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to bind-mount test files over system paths")
    spec = json.dumps({"tool": tool, "args": args, "mounts": [(str(s), d) for s, d in mounts]})
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", _CHILD, spec],
        capture_output=True, text=True, timeout=60, check=False, cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return out["rows"], out["notes"]
