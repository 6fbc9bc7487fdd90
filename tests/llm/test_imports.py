"""Import hygiene: the model backends load torch, transformers and xgrammar only when a model is loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_backend_modules_do_not_import_the_model_stack() -> None:
    statement = (
        "import agent, agent.llm.local, agent.llm.factory, agent.llm.openai_compat, agent.cli.model_cmd, "
        "agent.cli.main; agent.cli.main.build_parser(); import sys; "
        "print(sorted(m for m in ('torch', 'transformers', 'xgrammar', 'triton') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", statement], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
