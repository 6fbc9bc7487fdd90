#!/usr/bin/env bash
# Installs everything Sleuth and its tests need on a fresh Debian machine; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The sandbox's sshd and the programs the read-only tools run (ss, ps, last, zgrep, ...).
missing=0
[ -x /usr/sbin/sshd ] && [ -x /usr/bin/python3 ] || missing=1
for program in ssh-keygen unshare setpriv last ss ps zgrep getent; do
    command -v "$program" >/dev/null || missing=1
done
if [ "$missing" -eq 1 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            openssh-server python3-minimal util-linux procps iproute2 gzip libc-bin >/dev/null
    else
        echo "setup: some system packages are missing; as root run:" \
            "apt-get install -y openssh-server util-linux procps iproute2 gzip" >&2
    fi
fi

if ! [ -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Python packages: installed once per version of pyproject.toml (a re-run of the demo starts at once).
stamp=.venv/.sleuth-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    # The CPU build of torch that lies on this disk; an open range would pull a multi-GB CUDA build.
    .venv/bin/python -m pip install -q torch==2.13.0
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$want" > "$stamp"
fi
