"""Stage 4, the ledgers: the case store, the blind-spot ledger, the forecast.

The case ledger (:mod:`~hotspots.ledger.store` over the DuckDB and
PostgreSQL/PostGIS backends of :mod:`~hotspots.ledger.backends`) is the
persistent system of record of every report and its history; the weekly job
reads its cases from it. The blind-spot ledger
(:mod:`~hotspots.ledger.blindspots`) ranks the units that keep coming back,
from the cube and the emerging patterns of :mod:`hotspots.stats`;
:mod:`~hotspots.ledger.forecast` predicts next week's counts and
:mod:`~hotspots.ledger.backtest` scores the forecasts and rankings on past
weeks. :class:`Ledger` and :class:`IngestResult` load on first use, so the
analysis modules of this package do not import a database driver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["SCHEMA_VERSION", "IngestResult", "Ledger", "export_time_from_name"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .store import SCHEMA_VERSION, IngestResult, Ledger, export_time_from_name


def __getattr__(name: str) -> Any:
    if name not in __all__:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(".store", __name__), name)
    globals()[name] = value
    return value
