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
step "e2e scenarios"
# Components run from the build output (fast start-up); the shared examples live in e2e/scenarios/examples.
# When the shared scenario examples sit beside the checkout (../shared), run them as well.
extra=()
if [ -d ../shared/scenarios/examples ] && ! diff -rq ../shared/scenarios/examples e2e/scenarios/examples >/dev/null 2>&1; then
  extra+=(../shared/scenarios/examples)
fi
PALISADE_E2E_DIST=1 pnpm -s e2e run e2e/scenarios "${extra[@]}"
step "e2e cluster policy scenarios, dual-stack"
# Every ClusterNetworkPolicy scenario also passes with an IPv4 and an IPv6 address on every pod.
PALISADE_E2E_DIST=1 pnpm -s e2e run --dual-stack e2e/scenarios/cluster-policy
