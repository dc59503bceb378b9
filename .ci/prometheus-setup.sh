#!/usr/bin/env bash
# test/deploy/prometheus-canary.test.ts scrapes real services with a real Prometheus: Debian's
# `prometheus` package ships the server (2.42) and promtool. Installs it when missing; the
# package's service is not needed (the test starts its own server on a free port).
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  echo "prometheus-setup: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
echo "prometheus-setup: installed $(prometheus --version 2>&1 | head -1)"
