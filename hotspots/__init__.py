"""hotspots: where a city's recurring problems are and where to patrol next week.

Read city-management issue reports, join them to unit grid cells and street
segments, find hot spots in space and space-time, rank the recurring blind
spots, plan patrols and render one offline Folium map per week.

The main verbs are importable from the package (``hotspots.gi_star``); their
modules load on first use, so ``hotspots --version`` and ``import hotspots``
stay fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .errors import CRSError, HotspotsError, InputError

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "read_reports": "io",
    "ReadResult": "io",
    "read_boundaries": "boundaries",
    "segment_streets": "boundaries",
    "street_polygons": "boundaries",
    "square_grid": "boundaries",
    "hex_grid": "boundaries",
    "h3_grid": "boundaries",
    "streets_from_osm": "boundaries",
    "validate_boundaries": "boundaries",
    "assign": "join",
    "space_time_cube": "cube",
    "spatial_weights": "weights",
    "gi_star": "stats",
    "local_moran": "stats",
    "cluster": "cluster",
    "track_clusters": "cluster",
    "kernel_density": "density",
    "emerging_hotspots": "emerging",
    "mann_kendall": "trend",
    "blind_spots": "blindspots",
    "plan_patrols": "patrol",
    "weekly_map": "render",
    "save_map": "render",
    "MapStyle": "render",
    "run_weekly": "pipeline",
    "Weekly": "pipeline",
    "load_config": "config",
    "forecast": "forecast",
    "backtest": "backtest",
    "BacktestResult": "backtest",
    "ClusterResult": "cluster",
    "density_at": "density",
    "SpatialWeights": "weights",
    "PatrolPlan": "patrol",
    "period_labels": "cube",
    "BlindSpotWeights": "blindspots",
    "convert": "crs",
    "hour_of_week_profile": "profiles",
    "peak_windows": "profiles",
    "HourProfile": "profiles",
    "design_shifts": "shifts",
    "ShiftDesign": "shifts",
    "visit_windows": "patrol",
    "make_district": "synth",
    "write_district": "synth",
    "District": "synth",
    "local_metric_crs": "crs",
    "Ledger": "ledger",
    "IngestResult": "ledger",
    "assign_units": "ledger.responsibility",
    "deadlines": "ledger.deadlines",
    "scorecard": "ledger.scorecard",
    "red_black_list": "ledger.scorecard",
    "recheck_list": "ledger.recheck",
    "recheck_backtest": "ledger.recheck",
    "RecheckBacktest": "ledger.recheck",
    "overdue_risk": "ledger.overdue",
    "overdue_calibration": "ledger.overdue",
    "OverdueCalibration": "ledger.overdue",
}

__all__ = [
    "BacktestResult",
    "BlindSpotWeights",
    "CRSError",
    "ClusterResult",
    "District",
    "HotspotsError",
    "HourProfile",
    "IngestResult",
    "InputError",
    "Ledger",
    "MapStyle",
    "OverdueCalibration",
    "PatrolPlan",
    "ReadResult",
    "RecheckBacktest",
    "ShiftDesign",
    "SpatialWeights",
    "Weekly",
    "__version__",
    "assign",
    "assign_units",
    "backtest",
    "blind_spots",
    "cluster",
    "convert",
    "deadlines",
    "density_at",
    "design_shifts",
    "emerging_hotspots",
    "forecast",
    "gi_star",
    "h3_grid",
    "hex_grid",
    "hour_of_week_profile",
    "kernel_density",
    "load_config",
    "local_metric_crs",
    "local_moran",
    "make_district",
    "mann_kendall",
    "overdue_calibration",
    "overdue_risk",
    "peak_windows",
    "period_labels",
    "plan_patrols",
    "read_boundaries",
    "read_reports",
    "recheck_backtest",
    "recheck_list",
    "red_black_list",
    "run_weekly",
    "save_map",
    "scorecard",
    "segment_streets",
    "space_time_cube",
    "spatial_weights",
    "square_grid",
    "street_polygons",
    "streets_from_osm",
    "track_clusters",
    "validate_boundaries",
    "visit_windows",
    "weekly_map",
    "write_district",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .backtest import BacktestResult, backtest
    from .blindspots import BlindSpotWeights, blind_spots
    from .boundaries import (
        h3_grid,
        hex_grid,
        read_boundaries,
        segment_streets,
        square_grid,
        street_polygons,
        streets_from_osm,
        validate_boundaries,
    )
    from .cluster import ClusterResult, cluster, track_clusters
    from .config import load_config
    from .crs import convert, local_metric_crs
    from .cube import period_labels, space_time_cube
    from .density import density_at, kernel_density
    from .emerging import emerging_hotspots
    from .forecast import forecast
    from .io import ReadResult, read_reports
    from .join import assign
    from .ledger import IngestResult, Ledger
    from .ledger.deadlines import deadlines
    from .ledger.overdue import (
        OverdueCalibration,
        overdue_calibration,
        overdue_risk,
    )
    from .ledger.recheck import RecheckBacktest, recheck_backtest, recheck_list
    from .ledger.responsibility import assign_units
    from .ledger.scorecard import red_black_list, scorecard
    from .patrol import PatrolPlan, plan_patrols, visit_windows
    from .pipeline import Weekly, run_weekly
    from .profiles import HourProfile, hour_of_week_profile, peak_windows
    from .render import MapStyle, save_map, weekly_map
    from .shifts import ShiftDesign, design_shifts
    from .stats import gi_star, local_moran
    from .synth import District, make_district, write_district
    from .trend import mann_kendall
    from .weights import SpatialWeights, spatial_weights


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'hotspots' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


#: Public functions named like the module that defines them (``cluster``,
#: ``forecast``, ``backtest``). Importing such a module binds the module to the
#: package attribute of the same name; the package answers with the function.
_SHADOWED: frozenset[str] = frozenset(n for n, m in _EXPORTS.items() if n == m)


class _Package(types.ModuleType):
    """The package module: public functions win over same-named submodules."""

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return getattr(value, name)
        return value


sys.modules[__name__].__class__ = _Package
