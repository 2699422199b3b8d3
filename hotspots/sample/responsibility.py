"""The sample district's responsibility layer (包街, 门前三包, 网格员) and its truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from .._core import schema as s
from .._core.outputs import write_text
from .exports import write_plain_csv
from .model import METRIC_CRS, District, require_district

# -- the responsibility layer (包街, 门前三包, 网格员) ------------------------------

#: Files of the sample's responsibility layer, under ``boundaries/``.
RESPONSIBILITY_FILES: Final = ("units.csv", "duties.geojson")
#: Organisations that adopt street sections (包街单位), in the sample.
_ADOPTERS: Final = (
    "区财政局", "区教育体育局", "区卫生健康局", "区住房城乡建设局", "区民政局",
    "区商务局", "区文化和旅游局", "区司法局", "区统计局", "区审计局",
    "区人力资源社会保障局", "区市场监督管理局", "区交通运输局", "区应急管理局",
    "区税务局", "区发展改革局", "区科技局", "区退役军人事务局", "区医保局",
    "区机关事务服务中心", "区融媒体中心", "区档案馆", "区妇联", "团区委",
)  # fmt: skip
#: Shops answering for their frontage (门前三包), in the sample.
_SHOPS: Final = (
    "利群便利店", "海信广场", "春和楼饭店", "劈柴院小吃", "万象城",
    "中山路药店", "青岛书城", "麦凯乐", "百盛商场", "佳世客超市",
    "银座商城", "大润发超市",
)  # fmt: skip
#: Share of grid cells left without a keeper (网格员) in the sample.
_NO_KEEPER_SHARE: Final = 0.06


def responsibility_layer(
    district: District,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Return the sample district's responsible units, their duties and the truth.

    Deterministic from ``district.seed``. The layer is made like a real one:

    - one department (城管执法中队) per subdistrict, the parent of the
      subdistrict's other units, adopting the district's markets and
      stations (``place`` duties);
    - the arterial and secondary streets cut into 1 to 3 sections with
      ``start_m`` / ``end_m`` measures (metres along the street from its first
      vertex), each adopted by a 包街 unit (an office adopting several
      sections); one pair of sections overlaps by 40 m, decided by the
      shorter-section rule of :func:`hotspots.assign_units`;
    - grid keepers (网格员), each for a community's cells, with about 6 % of
      the cells left without a keeper;
    - frontage polygons (门前三包) of 12 shops on the main streets.

    Parameters
    ----------
    district
        The output of :func:`make_district`.

    Returns
    -------
    tuple
        The units (``unit_id``, ``name``, ``kind``, ``parent_id``,
        ``subdistrict_id``), the duties (``unit_id``, ``duty``,
        ``target_id``, ``start_m``, ``end_m``, geometry: a Polygon for
        frontages, else empty; EPSG:4326) and the planted truth (``unit_id``,
        ``p_on_time``: the unit's true probability of closing a case on time,
        drawn from Beta(8, 2)). The district's closing times follow it: each
        closed case with a unit closed by its due time with its unit's
        ``p_on_time`` (:func:`hotspots.sample.quality.planted_closures`), so
        the truth describes the exported cases.
    """
    require_district(district)
    rng = np.random.default_rng([district.seed, 18])
    subs = _Subdistricts.of(district.areas)
    units = subs.departments()
    duties = _place_duties(district.places, subs)
    streets = district.streets.to_crs(METRIC_CRS)
    for more_units, more_duties in (
        _street_sections(rng, streets, subs),
        _grid_keepers(rng, district.grid, district.areas, subs),
        _frontages(rng, streets, subs),
    ):
        units += more_units
        duties += more_duties
    unit_frame = pd.DataFrame(units)
    duty_frame = gpd.GeoDataFrame(duties, geometry="geometry", crs=METRIC_CRS)
    duty_frame = duty_frame.to_crs(s.WGS84)
    truth = pd.DataFrame(
        {
            "unit_id": unit_frame["unit_id"],
            "p_on_time": rng.beta(8.0, 2.0, len(unit_frame)).round(3),
        }
    )
    return unit_frame, duty_frame, truth


#: Rows of the units or the duties table.
_Rows = list[dict[str, object]]


@dataclass(frozen=True)
class _Subdistricts:
    """The subdistricts, the department (城管执法中队) of each, and their shapes."""

    frame: gpd.GeoDataFrame  # the subdistrict areas, WGS-84
    metric: gpd.GeoDataFrame  # the same in the metric CRS
    dept: dict[str, str]  # area_id -> unit_id of its department

    @classmethod
    def of(cls, areas: gpd.GeoDataFrame) -> _Subdistricts:
        """Return the subdistricts of ``areas``, departments D01, D02... in order."""
        subs = areas[areas[s.AREA_LEVEL] == "subdistrict"].reset_index(drop=True)
        dept = {str(a): f"D{k:02d}" for k, a in enumerate(subs[s.AREA_ID], start=1)}
        return cls(subs, subs.to_crs(METRIC_CRS), dept)

    def departments(self) -> _Rows:
        """Return the departments' unit rows."""
        return [
            {"unit_id": self.dept[row.area_id], "name": f"{row.name}城管执法中队",
             "kind": "department", "parent_id": None, "subdistrict_id": row.area_id}
            for row in self.frame.itertuples()
        ]  # fmt: skip

    def at(self, point: shapely.Geometry) -> str:
        """Return the id of the subdistrict nearest to ``point`` (metric CRS)."""
        inside = self.metric.distance(point).to_numpy()
        return str(self.frame[s.AREA_ID].iloc[int(np.argmin(inside))])


def _place_duties(places: gpd.GeoDataFrame, subs: _Subdistricts) -> _Rows:
    """Return the markets and stations, adopted by their subdistrict's department."""
    metric = places.to_crs(METRIC_CRS)
    return [
        {"unit_id": subs.dept[subs.at(row.geometry)], "duty": "place",
         "target_id": row.place_id, "start_m": np.nan, "end_m": np.nan,
         "geometry": None}
        for row in metric[metric["kind"].isin(("market", "station"))].itertuples()
    ]  # fmt: skip


def _street_sections(
    rng: np.random.Generator, streets: gpd.GeoDataFrame, subs: _Subdistricts
) -> tuple[_Rows, _Rows]:
    """Return the 包街 units and their duties: main streets in sections."""
    units: _Rows = []
    duties: _Rows = []
    main = streets[streets["street_class"].isin(("arterial", "secondary"))]
    adopters: dict[str, str] = {}
    overlap_done = False
    for row in main.itertuples():
        length = float(row.geometry.length)
        n = (
            int(rng.integers(2, 4))
            if row.street_class == "arterial"
            else 1 + int(rng.random() < 0.5)
        )
        cuts = np.linspace(0.0, length, n + 1).round(1)
        for i in range(n):
            start, end = float(cuts[i]), float(cuts[i + 1])
            if i == 1 and not overlap_done:
                start, overlap_done = start - 40.0, True  # one overlapping pair
            org = _ADOPTERS[int(rng.integers(len(_ADOPTERS)))]
            mid = row.geometry.interpolate((start + end) / 2)
            sub = subs.at(mid)
            key = f"{org}|{sub}"
            if key not in adopters:
                adopters[key] = f"B{len(adopters) + 1:03d}"
                units.append(
                    {"unit_id": adopters[key], "name": f"{org}（包街）",
                     "kind": "street", "parent_id": subs.dept[sub],
                     "subdistrict_id": sub}
                )  # fmt: skip
            duties.append(
                {"unit_id": adopters[key], "duty": "street",
                 "target_id": row.street_id, "start_m": max(start, 0.0),
                 "end_m": end, "geometry": None}
            )  # fmt: skip
    return units, duties


def _grid_keepers(
    rng: np.random.Generator,
    grid: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    subs: _Subdistricts,
) -> tuple[_Rows, _Rows]:
    """Return the grid keepers: one or two per community, a few cells without."""
    communities = areas[areas[s.AREA_LEVEL] == "community"]
    sub_of_community = dict(
        zip(communities[s.AREA_ID], communities["parent_id"], strict=True)
    )
    units: _Rows = []
    duties: _Rows = []
    keeper = 0
    for community, cells in grid.groupby(s.COMMUNITY_ID, sort=True):
        ids = cells[s.GRID_ID].astype(str).to_numpy()
        sub = str(sub_of_community.get(community, subs.frame[s.AREA_ID].iloc[0]))
        parts = np.array_split(ids, 2 if len(ids) > 24 else 1)
        for part in parts:
            keeper += 1
            uid = f"G{keeper:03d}"
            units.append(
                {"unit_id": uid, "name": f"网格员{keeper:03d}", "kind": "grid_keeper",
                 "parent_id": subs.dept.get(sub), "subdistrict_id": sub}
            )  # fmt: skip
            kept = part[rng.random(len(part)) >= _NO_KEEPER_SHARE]
            duties.extend(
                {"unit_id": uid, "duty": "grid", "target_id": cell,
                 "start_m": np.nan, "end_m": np.nan, "geometry": None}
                for cell in kept
            )  # fmt: skip
    return units, duties


def _frontages(
    rng: np.random.Generator, streets: gpd.GeoDataFrame, subs: _Subdistricts
) -> tuple[_Rows, _Rows]:
    """Return the 门前三包 shops: frontages on the arterials, 30 m by 12 m deep."""
    units: _Rows = []
    duties: _Rows = []
    arterial = streets[streets["street_class"] == "arterial"].reset_index(drop=True)
    for k, shop in enumerate(_SHOPS, start=1):
        line = arterial.geometry.iloc[int(rng.integers(len(arterial)))]
        at = float(rng.uniform(0.1, 0.9)) * line.length
        piece = shapely.ops.substring(line, at, at + 30.0)
        poly = piece.buffer(12.0, cap_style="flat")
        sub = subs.at(poly.centroid)
        uid = f"F{k:03d}"
        units.append(
            {"unit_id": uid, "name": shop, "kind": "frontage",
             "parent_id": subs.dept[sub], "subdistrict_id": sub}
        )  # fmt: skip
        duties.append(
            {"unit_id": uid, "duty": "frontage", "target_id": None,
             "start_m": np.nan, "end_m": np.nan, "geometry": poly}
        )  # fmt: skip
    return units, duties


def write_responsibility(district: District, root: str | Path) -> list[Path]:
    """Write the sample's responsibility layer and its truth under ``root``.

    ``boundaries/units.csv`` (UTF-8), ``boundaries/duties.geojson`` (WGS-84,
    6 decimals; null geometry except frontages) and
    ``sample_data/truth/units.csv`` (the planted ``p_on_time``; see
    :func:`responsibility_layer`).

    Parameters
    ----------
    district
        The output of :func:`make_district`.
    root
        Folder that holds ``boundaries/`` and ``sample_data/``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    units, duties, truth = responsibility_layer(district)
    root = Path(root)
    # compact GeoJSON (one line, no empty properties): most duties have no
    # geometry, and the sample stays small
    duties = duties.set_geometry(duties.geometry.set_precision(1e-6))
    text = duties.to_json(na="drop", drop_id=True, separators=(",", ":"))

    (root / "boundaries").mkdir(parents=True, exist_ok=True)
    (root / "sample_data" / "truth").mkdir(parents=True, exist_ok=True)
    return [
        write_plain_csv(units, root / "boundaries" / RESPONSIBILITY_FILES[0]),
        write_text(
            root / "boundaries" / RESPONSIBILITY_FILES[1], text + "\n", mask=False
        ),
        write_plain_csv(truth, root / "sample_data" / "truth" / "units.csv"),
    ]
