#!/usr/bin/env bash
# Installs everything Sleuth and its tests need on a fresh Debian machine; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! [ -x /usr/sbin/sshd ] || ! command -v unshare >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server util-linux procps iproute2 >/dev/null
    else
        echo "setup: openssh-server is missing; as root run: apt-get install -y openssh-server" >&2
    fi
fi

if ! [ -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# The CPU build of torch that lies on this disk; an open range would pull a multi-GB CUDA build.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[dev]'
