#!/usr/bin/env bash
# The whole test command: lint, then typecheck, test and build of every package (turbo, in dependency order),
# then one closing line over all packages. Runs every task even when one fails, so the summary is complete.
set -uo pipefail
status=0
pnpm lint || status=1
turbo run typecheck test build --continue --output-logs=new-only || status=1
node scripts/test-summary.mjs || status=1
exit "$status"
