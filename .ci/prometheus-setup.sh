#!/usr/bin/env bash
# Installs Debian's prometheus package when `prometheus` or `promtool` is missing: the tests run
# `promtool check metrics` on live /metrics and may start a real Prometheus server. Idempotent:
# with both present it does nothing. Usage: bash .ci/prometheus-setup.sh (as root)
set -euo pipefail
command -v prometheus >/dev/null && command -v promtool >/dev/null && exit 0
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
command -v promtool >/dev/null
