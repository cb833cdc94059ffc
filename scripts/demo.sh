#!/usr/bin/env bash
# The README's main command: installs what is missing, then starts the local demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/tsx --conditions=palisade-source e2e/src/cli.ts demo up
