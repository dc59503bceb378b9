#!/usr/bin/env bash
# Runs the runtime and end-to-end suites again on Node 24 (current LTS): the project supports
# Node >= 20.17, and generated images run Node 24. npm's `node@24` package ships the real binary.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=.tools/node24
if [ ! -x "$dir/node_modules/.bin/node" ]; then
  npm install --prefix "$dir" --no-audit --no-fund --no-save node@24 >/dev/null || exit 1
fi
node24="$(readlink -f "$dir/node_modules/.bin/node")"
echo "node24: $("$node24" --version)"
# vitest runs under Node 24; child processes the tests spawn use process.execPath, so Node 24 too.
# The tests of each file run in another (fixed) order than in the first run, so a test that relies
# on state an earlier test left behind fails here instead of passing by luck.
"$node24" node_modules/vitest/vitest.mjs run --update=none --sequence.shuffle.tests --sequence.seed=2026 runtime/test test/e2e \
  --reporter=default --reporter=json --outputFile.json="${1:-.vitest-results-node24.json}"
