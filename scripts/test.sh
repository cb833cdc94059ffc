#!/usr/bin/env bash
# The whole test suite: setup, lint, typecheck, build, unit, integration, e2e scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
step() { echo; echo "==> $*" >&2; }
step lint;        pnpm -s lint
step typecheck;   pnpm -s typecheck
step build;       pnpm -s build
step unit;        pnpm -s vitest run --project unit
step integration; pnpm -s vitest run --project integration
if [ -d e2e/scenarios ] && [ -f e2e/src/cli.ts ]; then
  step "e2e scenarios"; pnpm -s e2e run e2e/scenarios /work/shared/scenarios/examples 2>/dev/null || pnpm -s e2e run e2e/scenarios
fi
