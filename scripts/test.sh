#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test (lint, types, contracts included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
