#!/usr/bin/env bash
# What bench/pages.py needs besides the project's own .venv: the load generator wrk (Debian's package)
# and gunicorn (a dependency of the project). Run as root, or with wrk installed already.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
source scripts/_env.sh && ensure_venv ""
wrk --version 2>&1 | head -1 || true
