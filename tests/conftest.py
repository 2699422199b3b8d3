"""Tiny synthetic inputs built in code, in a projected CRS (UTM 51N, Qingdao)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString
from synthetic_inputs import UTM51N, X0, Y0, square_grid

from hotspots.sample.district import make_district, write_district

WEEK = "2026-W47"


@pytest.fixture
def grid3x3() -> gpd.GeoDataFrame:
    """A 3x3 grid of 100 m cells whose top-right corner is hot.

    Column ``count`` holds reports per cell: 10 in the corner cell, 6 in its
    two edge neighbours, 4 in the diagonal one, 1 elsewhere.
    """
    g = square_grid(3, 3)
    counts = np.ones(9)
    counts[8] = 10  # c2_2
    counts[[5, 7]] = 6  # c1_2, c2_1
    counts[4] = 4  # c1_1
    g["count"] = counts
    return g


@pytest.fixture
def two_streets() -> gpd.GeoDataFrame:
    """Two 400 m streets crossing at their midpoints."""
    return gpd.GeoDataFrame(
        {
            "street_id": ["S1", "S2"],
            "name": ["香港中路", "南京路"],
            "street_class": ["arterial", "secondary"],
            "oneway": [False, False],
        },
        geometry=[
            LineString([(X0, Y0 + 200), (X0 + 400, Y0 + 200)]),
            LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 400)]),
        ],
        crs=UTM51N,
    )


def write_config(root: Path, name: str = "hotspots.toml", **sections: dict) -> Path:
    """Write a city config for the district under ``root`` and return its path."""
    # the district's weekly exports (GBK CSV and Excel) by a glob, else one file
    exports = root / "sample_data" / "exports"
    export = (
        exports / "reports_*"
        if exports.is_dir()
        else next((root / "sample_data").glob("*.csv"))
    )
    base = {
        "city": {"name": "测试区"},
        "input": {"reports": [str(export)], "coords": "gcj02"},
        "boundaries": {
            "grid": str(root / "boundaries" / "grid.geojson"),
            "streets": str(root / "boundaries" / "streets.geojson"),
            "areas": str(root / "boundaries" / "areas.geojson"),
        },
        "privacy": {"private_columns": ["上报人", "联系电话"]},
        "analysis": {
            "history_weeks": 8,
            "cluster_min_samples": 5,
            "backtest_weeks": 3,
            "backtest_methods": ["last", "ewma", "prospective"],
        },
        "patrol": {"enabled": True, "teams": 2, "time_limit_s": 2},
        "output": {"folder": str(root / "maps")},
        # one ledger per config name: configs written into one shared folder
        # with other read settings must not meet in one ledger
        "ledger": {"url": f"{Path(name).stem}.ledger.duckdb"},
    }
    for section, values in sections.items():
        base.setdefault(section, {}).update(values)
    lines = []
    for section, values in base.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    path = root / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def district_root(tmp_path_factory) -> Path:
    """A small generated district (8 weeks, ~6,000 reports) written to disk."""
    root = tmp_path_factory.mktemp("district")
    write_district(make_district(seed=7, weeks=8, n_reports=6000), root)
    return root


@pytest.fixture(scope="session")
def make_config():
    """The :func:`write_config` factory, as a fixture."""
    return write_config


@pytest.fixture(scope="session")
def sample_assigned() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The committed sample district: its reports joined to its grid, and the grid."""
    import warnings

    from hotspots.read.boundaries import read_boundaries
    from hotspots.sample.district import read_sample
    from hotspots.spatial.join import assign

    root = Path(__file__).resolve().parents[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's broken rows are expected
        read = read_sample(root)
        grid = read_boundaries(root / "boundaries" / "grid.geojson", kind="grid")
        reports = assign(read.reports, grid=grid)
    return reports, grid
