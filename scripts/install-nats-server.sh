#!/usr/bin/env bash
# Install Debian's nats-server (bookworm 2.9, trixie 2.10) for the NATS transport's tests, the demo
# and the benchmark. Without it those say SKIPPED and the rest runs.
set -euo pipefail
if command -v nats-server >/dev/null 2>&1; then
  echo "install-nats-server: $(nats-server --version) already installed"; exit 0
fi
if [[ $EUID -ne 0 ]]; then echo "install-nats-server: not root, nothing done"; exit 0; fi
LOG=$(mktemp /tmp/install-nats-server.XXXXXX.log)
if ! DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0 install -y nats-server >>"$LOG" 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get -qq update >>"$LOG" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0 install -y nats-server >>"$LOG" 2>&1 || {
    echo "install-nats-server: apt-get install nats-server failed" >&2; tail -n 20 "$LOG" >&2; exit 1; }
fi
echo "install-nats-server: $(nats-server --version)"
