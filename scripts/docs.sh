#!/usr/bin/env bash
# Build the documentation site offline into docs/_build/html (open index.html
# from disk; search works in Chinese and English). Warnings are errors, so a
# broken docstring, a missing reference or a dead cross-link fails the build.
# The example notebook is executed on the sample district (about 20 s).
# Uses .venv when it exists (bash scripts/test.sh sets it up with the docs extra).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
rm -rf docs/_build docs/api/generated
MPLBACKEND=Agg "$PY" -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
echo "docs/_build/html/index.html"
