#!/usr/bin/env bash
# Set up everything the test suite needs in .venv (Chromium for the browser tests,
# a throw-away PostgreSQL + PostGIS server for the ledger tests), lint (ruff,
# mypy --strict) and run the whole suite. Extra arguments go to pytest.
#
# As root, missing Debian packages are installed. Without root and without the
# packages, the browser tests fail and the PostGIS tests skip with one line each
# (set HOTSPOTS_TEST_PG_URL to use a server of your own).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-noto-cjk)
if [ -z "${HOTSPOTS_TEST_PG_URL:-}" ]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 \
    || missing+=(postgresql-15-postgis-3)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian packages for the tests: ${missing[*]}..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: run 'sudo apt-get install ${missing[*]}' and try again." >&2
    exit 1
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/ruff check --quiet .
.venv/bin/mypy --no-error-summary hotspots

if [ -z "${HOTSPOTS_TEST_PG_URL:-}" ]; then
  trap 'bash scripts/pg-test.sh stop' EXIT
  eval "$(bash scripts/pg-test.sh start)"
  export HOTSPOTS_TEST_PG_URL
fi
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
exit $status
