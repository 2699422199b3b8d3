"""The case ledger: the persistent system of record of every report.

See :mod:`hotspots.ledger.store` for the rules and
:mod:`hotspots.ledger.backends` for the DuckDB and PostgreSQL/PostGIS
backends. Accountability on top of it: :mod:`hotspots.ledger.responsibility`
(who owns each place), :mod:`hotspots.ledger.deadlines` (due times on the
working-day calendar) and :mod:`hotspots.ledger.scorecard` (rates with Wilson
intervals and the red/black list).
"""

from __future__ import annotations

from .store import SCHEMA_VERSION, IngestResult, Ledger, export_time_from_name

__all__ = ["SCHEMA_VERSION", "IngestResult", "Ledger", "export_time_from_name"]
