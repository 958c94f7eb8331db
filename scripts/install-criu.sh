#!/usr/bin/env bash
# Install a CRIU that works on this kernel. Debian 12's criu 3.17 fails
# `criu check` ("Unexpected rt vDSO area bounds"), Debian 13's 4.x works.
set -euo pipefail

LOG=$(mktemp /tmp/install-criu.XXXXXX.log)
SRC=/etc/apt/sources.list.d/trixie-criu.sources
PIN=/etc/apt/preferences.d/trixie-criu

criu_ok() { command -v criu >/dev/null 2>&1 && criu check >>"$LOG" 2>&1; }
apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0 "$@" >>"$LOG" 2>&1; }
fail() { echo "install-criu: $*" >&2; echo "--- log ($LOG) ---" >&2; tail -n 40 "$LOG" >&2; exit 1; }

if criu_ok; then echo "install-criu: criu $(criu --version | head -n1) already works (criu check passes)"; exit 0; fi
if [[ $EUID -ne 0 ]]; then
  echo "install-criu: not root, nothing done (criu missing or 'criu check' fails)"; exit 0
fi

apt_q update || fail "apt-get update failed"
# Only try the distribution's own criu if none is installed yet; an installed
# one that fails its check is the known-bad 3.17, so go straight to trixie.
if ! command -v criu >/dev/null 2>&1; then
  apt_q install -y criu || true
  if criu_ok; then echo "install-criu: default criu works"; criu check; exit 0; fi
fi

# Reuse the mirror the machine already uses (it may be a proxy or snapshot
# mirror that is the only reachable one), so take the URIs of the Debian
# main archive entry rather than hard-coding a host.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
uris=""
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -e $f ]] || continue
  uris=$(awk -v c="$codename" 'BEGIN{RS="";FS="\n"} $0 ~ ("Suites:[^\n]*" c "([ \n]|$)") {
           for(i=1;i<=NF;i++) if($i ~ /^URIs:/){sub(/^URIs:[ \t]*/,"",$i); print $i; exit}}' "$f")
  [[ -n $uris ]] && break
done
if [[ -z $uris && -f /etc/apt/sources.list ]]; then
  uris=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if($i ~ /^[a-z]+:\/\//){print $i; exit}}' /etc/apt/sources.list)
fi
[[ -n $uris ]] || fail "no Debian source found in /etc/apt to take the mirror from"

cat >"$SRC" <<SRC
Types: deb
URIs: $uris
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# Low priority: trixie packages are only used when explicitly requested
# (or as dependencies of criu), so nothing else upgrades by itself.
cat >"$PIN" <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN

apt_q update || fail "apt-get update with trixie source failed"
apt_q install -y -t trixie criu || fail "apt-get install -t trixie criu failed"
if criu check; then echo "install-criu: criu $(criu --version | head -n1) installed, criu check passes"; exit 0; fi
fail "criu installed from trixie but 'criu check' still fails"
