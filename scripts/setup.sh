#!/usr/bin/env bash
# Sets up a fresh clone with nothing but Node 20 and npm: the pinned pnpm, every dependency
# (unix-dgram's native build included) and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
# corepack cannot fetch pnpm on a machine that reaches only the npm registry, so npm installs it.
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm@$pnpm_version from the npm registry"
  if ! npm install --global --silent "pnpm@$pnpm_version" 2>/dev/null; then
    # No permission for a global install: keep pnpm inside the clone instead.
    npm install --silent --no-save --prefix .tools "pnpm@$pnpm_version"
    export PATH="$PWD/.tools/node_modules/.bin:$PATH"
    echo "setup: pnpm is in $PWD/.tools/node_modules/.bin (add it to PATH to run pnpm yourself)"
  fi
fi

if ! command -v make >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing the native build tools unix-dgram needs (python3, make, g++)"
    apt-get update -qq && apt-get install -y -qq python3 make g++ >/dev/null
  else
    echo "setup: unix-dgram needs python3, make and g++ to build; install them and run this again" >&2
    exit 1
  fi
fi

pnpm install --frozen-lockfile
pnpm exec turbo run build --output-logs=errors-only
# The apps' bins (udsipc-server, udsipc-client) point into dist/, which the install above could not
# link before the build made it; linking again now is what makes `pnpm exec udsipc-server` work.
pnpm install --frozen-lockfile --offline --reporter=silent
