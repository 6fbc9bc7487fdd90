#!/usr/bin/env bash
# The README's demo: installs what is needed, starts the sandbox (a freshly compromised Linux host on
# loopback), then runs the SSH brute-force investigation against it. You approve every step: in the TUI
# on a terminal, on the console otherwise (or with --ui console; answers may be piped, one per line).
# The default local model is used when its weights are on this machine; guided mode otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SLEUTH_HOME="${SLEUTH_HOME:-$PWD/.sleuth}"
sleuth=.venv/bin/sleuth
if ! "$sleuth" sandbox status >/dev/null 2>&1; then
    "$sleuth" sandbox up
fi
exec "$sleuth" run linux.ssh.bruteforce --target sandbox-01 \
    --inventory "$SLEUTH_HOME/sandbox/inventory.yaml" --backend auto "$@"
