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
"$node24" node_modules/vitest/vitest.mjs run --update=none runtime/test test/e2e \
  --reporter=default --reporter=json --outputFile.json="${1:-.vitest-results-node24.json}"
