#!/usr/bin/env bash
# The static checks that hold the code's shape: lint and format (Biome), the architecture rules
# (dependency-cruiser) and the type check of every TypeScript and JavaScript file. Each check is
# counted like a test in a vitest-style JSON report ($1), so .ci/run's count line includes it.
# Needs the build (the generator's types of @mlservice/runtime come from runtime/dist).
set -uo pipefail
cd "$(dirname "$0")/.."
report="${1:-.ci-tools-results.json}"
passed=0
failed=0
check() {
  local name="$1"
  shift
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "tools: $name passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    echo "tools: $name FAILED ($((SECONDS - start)) s); run: $*" >&2
  fi
}
check lint npm run --silent lint
check format npm run --silent format:check
check architecture npm run --silent lint:deps
check typecheck npm run --silent typecheck
printf '{"numPassedTests":%d,"numFailedTests":%d}\n' "$passed" "$failed" >"$report"
[ "$failed" -eq 0 ]
