#!/usr/bin/env bash
# Set up everything the test suite needs (Chromium for the browser tests included)
# in .venv, lint (ruff, mypy --strict) and run the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium (Debian package) for the browser tests..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "Chromium is missing: run 'sudo apt-get install chromium fonts-noto-cjk' and try again." >&2
    exit 1
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/ruff check --quiet .
.venv/bin/mypy --no-error-summary hotspots
exec .venv/bin/python -m pytest "$@"
