#!/usr/bin/env bash
# Set up hotspots in .venv and run the weekly job on the bundled sample district:
# ingest the sample's weekly exports (sample_data/exports/, GBK CSV and Excel) into
# its case ledger (sample_data/ledger.duckdb; exports ingested before are recognised
# and skipped), then analyse 2026-W47 from the ledger. The map is written to
# maps/2026-W47/index.html. Extra arguments go to `hotspots weekly`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/hotspots ingest --config sample_data/hotspots.toml
exec .venv/bin/hotspots weekly --config sample_data/hotspots.toml --week 2026-W47 "$@"
