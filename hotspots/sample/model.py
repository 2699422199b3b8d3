"""The sample district record, its constants and the check that an argument is one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import pandas as pd

from .._core import schema as s

DEFAULT_SEED: Final = 20261122
DISTRICT_CODE: Final = "370202"
DISTRICT_NAME: Final = "市南区"
TZ: Final = s.DEFAULT_TZ
METRIC_CRS: Final = "EPSG:32651"  # UTM zone 51N (Qingdao)
CENTER_LONLAT: Final = (120.362, 36.078)
EXTENT_M: Final = 5000.0

#: Headers of the platform export, in file order.
EXPORT_COLUMNS: Final = (
    "案件编号",
    "上报时间",
    "大类",
    "小类",
    "事项编码",
    "经度",
    "纬度",
    "案件状态",
    "结案时间",
    "案件来源",
    "问题描述",
    "地址",
    "上报人",
    "联系电话",
    "返工次数",
)

#: Planted emerging hot spot patterns (keys of :data:`hotspots._core.labels.PATTERNS`).
PATTERN_KEYS: Final = (
    "persistent_hot",
    "intensifying_hot",
    "diminishing_hot",
    "new_hot",
    "consecutive_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "persistent_cold",
    "consecutive_cold",
)


#: Kinds of planted blind spots.
BLIND_SPOT_KINDS: Final = ("outside_only", "comeback")


@dataclass(frozen=True)
class District:
    """A generated sample district, its reports and its planted truth.

    Attributes
    ----------
    streets
        Street centerlines: ``street_id``, ``name``, ``street_class``
        (arterial / secondary / alley), ``oneway``, LineString, EPSG:4326.
    grid
        Unit grid cells: ``grid_id`` (15 characters), ``community_id``,
        Polygon, EPSG:4326.
    areas
        ``area_id``, ``name``, ``level`` (district / subdistrict /
        community), ``parent_id``, Polygon, EPSG:4326.
    places
        ``place_id``, ``name``, ``kind`` (market / school / station /
        construction / hospital), Point, EPSG:4326.
    reports
        The canonical report frame (DESIGN.md section 4) of every valid row of
        the export: WGS-84 points, ``reported_at`` and ``closed_at`` in
        Asia/Shanghai.
    export
        The platform export exactly as written to the CSV file: every column
        a string, Chinese headers (:data:`EXPORT_COLUMNS`), GCJ-02
        coordinates, broken and untidy rows included.
    truth_patterns
        ``grid_id``, ``pattern``, ``planted_id``: the core cell of each planted
        emerging hot (or cold) spot.
    truth_blind_spots
        ``grid_id``, ``kind`` (``outside_only`` or ``comeback``),
        ``planted_id``, ``category``.
    truth_broken_rows
        ``row_index`` (0-based data row of the export), ``row_number``
        (1-based data row, as :func:`hotspots.read.reports.read_reports` numbers
        quarantined rows), ``line`` (line of the file, header = 1),
        ``report_id``, ``kind``, ``duplicate_of_line``.
    truth_untidy_rows
        Rows with stray whitespace or full-width digits that a good reader
        normalises: ``row_index``, ``row_number``, ``line``, ``report_id``,
        ``column``, ``kind``.
    report_cells
        ``report_id``, ``grid_id`` (the cell each valid report was generated
        in), ``origin`` (background / pattern / blind spot / near repeat).
    weeks
        The ISO week labels covered, chronological.
    seed
        The seed it was made from.
    """

    streets: gpd.GeoDataFrame
    grid: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    reports: gpd.GeoDataFrame
    export: pd.DataFrame
    truth_patterns: pd.DataFrame
    truth_blind_spots: pd.DataFrame
    truth_broken_rows: pd.DataFrame
    truth_untidy_rows: pd.DataFrame
    report_cells: pd.DataFrame
    weeks: tuple[str, ...]
    seed: int


def require_district(district: object) -> None:
    """Raise TypeError unless ``district`` is a :class:`District`."""
    if not isinstance(district, District):
        msg = (
            f"district must be a District from make_district(), got {type(district)!r}"
        )
        raise TypeError(msg)
