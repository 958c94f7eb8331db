#!/usr/bin/env bash
# The README's test command: set everything up, then lint, typecheck and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
pnpm exec biome check scripts package.json turbo.json biome.json tsconfig.base.json
pnpm exec turbo run lint typecheck test --concurrency=1
