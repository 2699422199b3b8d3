#!/usr/bin/env bash
# Set up hotspots in .venv and run the weekly job on the bundled sample district.
# The map is written to maps/<week>/index.html. Extra arguments go to `hotspots weekly`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/hotspots weekly --config sample_data/hotspots.toml --week 2026-W47 "$@"
