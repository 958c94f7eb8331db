#!/usr/bin/env bash
# The README's test command: set everything up, then lint, typecheck and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
# Nothing changed since setup's build, so a second build must be served whole from turbo's cache.
if ! pnpm exec turbo run build --output-logs=none | grep -q 'FULL TURBO'; then
  echo "test: a second build with nothing changed was not a full turbo cache hit" >&2
  exit 1
fi
# The whole repository, root files and scripts included (each package also lints itself through turbo).
pnpm exec biome check .
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
pnpm exec turbo run lint typecheck test --concurrency=1 2>&1 | tee "$log" || status=$?
node scripts/summarize-tests.mjs "$log"
exit "$status"
