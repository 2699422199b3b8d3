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
from typing import TYPE_CHECKING, Any

from .errors import CRSError, HotspotsError, InputError

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "read_reports": "read.reports",
    "ReadResult": "read.reports",
    "read_boundaries": "read.boundaries",
    "segment_streets": "read.boundaries",
    "street_polygons": "read.boundaries",
    "square_grid": "read.boundaries",
    "hex_grid": "read.boundaries",
    "h3_grid": "read.boundaries",
    "streets_from_osm": "read.boundaries",
    "validate_boundaries": "read.boundaries",
    "assign": "spatial.join",
    "space_time_cube": "spatial.cube",
    "spatial_weights": "spatial.weights",
    "gi_star": "stats.local",
    "local_moran": "stats.local",
    "cluster": "stats.cluster",
    "track_clusters": "stats.cluster",
    "kernel_density": "stats.density",
    "emerging_hotspots": "stats.emerging",
    "mann_kendall": "stats.trend",
    "blind_spots": "ledger.blindspots",
    "plan_patrols": "patrol.plan",
    "weekly_map": "render.weekly_map",
    "save_map": "render.weekly_map",
    "MapStyle": "render.weekly_map",
    "run_weekly": "pipeline.weekly",
    "Weekly": "pipeline.weekly",
    "load_config": "pipeline.config",
    "forecast": "ledger.forecast",
    "backtest": "ledger.backtest",
    "BacktestResult": "ledger.backtest",
    "ClusterResult": "stats.cluster",
    "density_at": "stats.density",
    "SpatialWeights": "spatial.weights",
    "PatrolPlan": "patrol.plan",
    "period_labels": "spatial.cube",
    "BlindSpotWeights": "ledger.blindspots",
    "convert": "_core.crs",
    "hour_of_week_profile": "stats.profiles",
    "peak_windows": "stats.profiles",
    "HourProfile": "stats.profiles",
    "design_shifts": "patrol.shifts",
    "ShiftDesign": "patrol.shifts",
    "visit_windows": "patrol.plan",
    "make_district": "sample.district",
    "write_district": "sample.district",
    "District": "sample.district",
    "local_metric_crs": "_core.crs",
    "Ledger": "ledger",
    "IngestResult": "ledger",
    "assign_units": "accountability.responsibility",
    "deadlines": "accountability.deadlines",
    "scorecard": "accountability.scorecard",
    "red_black_list": "accountability.scorecard",
    "recheck_list": "accountability.recheck",
    "recheck_backtest": "accountability.recheck",
    "RecheckBacktest": "accountability.recheck",
    "overdue_risk": "accountability.overdue",
    "overdue_calibration": "accountability.overdue",
    "OverdueCalibration": "accountability.overdue",
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
    from ._core.crs import convert, local_metric_crs
    from .accountability.deadlines import deadlines
    from .accountability.overdue import (
        OverdueCalibration,
        overdue_calibration,
        overdue_risk,
    )
    from .accountability.recheck import RecheckBacktest, recheck_backtest, recheck_list
    from .accountability.responsibility import assign_units
    from .accountability.scorecard import red_black_list, scorecard
    from .ledger import IngestResult, Ledger
    from .ledger.backtest import BacktestResult, backtest
    from .ledger.blindspots import BlindSpotWeights, blind_spots
    from .ledger.forecast import forecast
    from .patrol.plan import PatrolPlan, plan_patrols, visit_windows
    from .patrol.shifts import ShiftDesign, design_shifts
    from .pipeline.config import load_config
    from .pipeline.weekly import Weekly, run_weekly
    from .read.boundaries import (
        h3_grid,
        hex_grid,
        read_boundaries,
        segment_streets,
        square_grid,
        street_polygons,
        streets_from_osm,
        validate_boundaries,
    )
    from .read.reports import ReadResult, read_reports
    from .render.weekly_map import MapStyle, save_map, weekly_map
    from .sample.district import District, make_district, write_district
    from .spatial.cube import period_labels, space_time_cube
    from .spatial.join import assign
    from .spatial.weights import SpatialWeights, spatial_weights
    from .stats.cluster import ClusterResult, cluster, track_clusters
    from .stats.density import density_at, kernel_density
    from .stats.emerging import emerging_hotspots
    from .stats.local import gi_star, local_moran
    from .stats.profiles import HourProfile, hour_of_week_profile, peak_windows
    from .stats.trend import mann_kendall


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
