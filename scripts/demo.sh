#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, then starts the local demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "building…" >&2
pnpm -s build
PALISADE_E2E_DIST=1 exec node_modules/.bin/tsx --conditions=palisade-source e2e/src/cli.ts demo up
