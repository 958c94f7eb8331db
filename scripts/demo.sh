#!/usr/bin/env bash
# The README's first command: set everything up, then run the demo (arguments go to the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
exec node scripts/demo.mjs "$@"
