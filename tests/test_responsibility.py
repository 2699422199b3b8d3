from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from hotspots.accountability.responsibility import (
    UnownedWarning,
    assign_units,
    read_responsibility,
    validate_responsibility,
)
from hotspots.errors import InputError
from hotspots.read.boundaries import segment_streets

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


@pytest.fixture
def layer() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    units = pd.DataFrame(
        {
            "unit_id": ["D1", "A", "B", "K", "F"],
            "name": ["城管局", "甲单位", "乙单位", "网格员张", "某商铺"],
            "kind": ["department", "street", "street", "grid_keeper", "frontage"],
            "parent_id": [None, "D1", "D1", None, None],
            "subdistrict_id": ["S01", "S01", "S02", "S01", "S01"],
        }
    )
    duties = gpd.GeoDataFrame(
        {
            "unit_id": ["A", "B", "K", "F", "A"],
            "duty": ["street", "street", "grid", "frontage", "place"],
            "target_id": ["S1", "S1", "g0", None, "P1"],
            "start_m": [0.0, 150.0, np.nan, np.nan, np.nan],
            "end_m": [200.0, 400.0, np.nan, np.nan, np.nan],
        },
        geometry=[None, None, None, box(X0 + 300, Y0 + 190, X0 + 320, Y0 + 210), None],
        crs=CRS,
    )
    return units, duties


@pytest.fixture
def streets() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"street_id": ["S1", "S2"], "name": ["a", "b"]},
        geometry=[
            LineString([(X0, Y0 + 200), (X0 + 400, Y0 + 200)]),
            LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 400)]),
        ],
        crs=CRS,
    )


def cases_at(xy: list[tuple[float, float]], **cols: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"report_id": [f"r{i}" for i in range(len(xy))], **cols},
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def test_precedence_sections_and_chain(layer, streets) -> None:
    units, duties = layer
    cases = cases_at(
        [(100, 201), (170, 199), (310, 200), (350, 202), (1000, 50), (5, 5)],
        street_id=["S1", "S1", "S1", "S1", "S2", None],
        place_id=[None, "P1", None, None, None, None],
        grid_id=["g0", "g0", "g0", "g0", "g9", "g0"],
    )
    with pytest.warns(UnownedWarning, match="1 of 6 cases"):
        out = assign_units(cases, units, duties, streets=streets)
    assert out["unit_id"].tolist() == ["A", "A", "F", "B", pd.NA, "K"]
    assert out["unit_rule"].tolist() == [
        "segment",  # 100 m along S1: only A's section 0-200
        "place",  # the key place beats the overlapping sections
        "frontage",  # the shop's frontage beats B's section
        "segment",  # 350 m: B's section
        pd.NA,  # S2 nobody adopted, g9 has no keeper: kept, NA
        "grid",
    ]
    assert out["unit_chain"].iloc[0] == "A > D1 > S01"
    assert out["unit_subdistrict_id"].iloc[3] == "S02"
    assert out["unit_name"].iloc[2] == "某商铺"
    assert len(out) == len(cases)
    assert "unit_id" not in cases.columns


def test_overlap_goes_to_the_shorter_section(layer, streets) -> None:
    units, duties = layer
    cases = cases_at([(180, 200)], street_id=["S1"])
    out = assign_units(cases, units, duties, streets=streets)
    # 180 m lies in A (0-200, 200 m) and B (150-400, 250 m): A is shorter
    assert out["unit_id"].tolist() == ["A"]


def test_segment_measures_and_segment_duties(layer, streets) -> None:
    units, duties = layer
    segs = segment_streets(streets, max_length_m=100)
    segs["measure_from_m"] = (
        segs.groupby("street_id")["length_m"].cumsum() - segs["length_m"]
    )
    cases = cases_at([(360, 200), (1000, 50)], segment_id=["S1-003", "S2-000"])
    extra = gpd.GeoDataFrame(
        {"unit_id": ["K"], "duty": ["segment"], "target_id": ["S2-000"]},
        geometry=[None],
        crs=CRS,
    )
    duties = pd.concat([duties, extra], ignore_index=True)
    out = assign_units(cases, units, duties, segments=segs)
    assert out["unit_id"].tolist() == ["B", "K"]
    assert out["unit_rule"].tolist() == ["segment", "segment"]


def test_validate_reports_overlaps_and_unowned(layer, streets) -> None:
    units, duties = layer
    segs = segment_streets(streets, max_length_m=100)
    segs["measure_from_m"] = (
        segs.groupby("street_id")["length_m"].cumsum() - segs["length_m"]
    )
    grid = gpd.GeoDataFrame(
        {"grid_id": ["g0", "g1"]},
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 100),
            box(X0 + 100, Y0, X0 + 200, Y0 + 100),
        ],
        crs=CRS,
    )
    rep = validate_responsibility(units, duties, segments=segs, grid=grid)
    assert rep.ok
    ov = rep.overlaps
    assert ov[["duty", "unit_a", "unit_b", "overlap", "winner"]].values.tolist() == [
        ["street", "A", "B", 50.0, "A"]
    ]
    assert rep.unowned_segments == ("S2-000", "S2-001", "S2-002", "S2-003")
    assert rep.unowned_length_m == pytest.approx(400.0)
    assert rep.unowned_cells == ("g1",)
    assert rep.unowned_area_m2 == pytest.approx(10_000.0)


def test_validation_errors(layer, streets) -> None:
    units, duties = layer
    bad = duties.copy()
    bad.loc[0, "unit_id"] = "ZZ"
    bad.loc[1, "start_m"] = 500.0
    bad.loc[2, "duty"] = "sky"
    rep = validate_responsibility(units, bad, segments=segment_streets(streets))
    assert len(rep.errors) == 3
    with pytest.raises(InputError, match="3 problems"):
        assign_units(cases_at([(1, 1)]), units, bad)
    with pytest.raises(TypeError, match="cases must be"):
        assign_units(pd.DataFrame(), units, duties)


def test_read_from_csv_and_geojson(tmp_path, layer) -> None:
    units, duties = layer
    units.to_csv(tmp_path / "units.csv", index=False)
    duties[duties["duty"] != "frontage"].drop(columns="geometry").to_csv(
        tmp_path / "duties.csv", index=False
    )
    duties.to_file(tmp_path / "duties.geojson")
    u, d = read_responsibility(tmp_path / "units.csv", tmp_path / "duties.csv", crs=CRS)
    assert u["unit_id"].tolist() == ["D1", "A", "B", "K", "F"]
    assert d.crs == CRS
    assert d["target_id"].tolist()[:2] == ["S1", "S1"]
    _, g = read_responsibility(units, tmp_path / "duties.geojson")
    assert (g["duty"] == "frontage").sum() == 1
    with pytest.raises(InputError, match="does not exist"):
        read_responsibility(tmp_path / "none.csv", duties)
    with pytest.raises(InputError, match="'kind'"):
        read_responsibility(units.drop(columns="kind"), duties)


def test_nearest_place_ids_within_the_radius_inside_wins_and_none_is_dropped():
    import geopandas as gpd
    from shapely.geometry import Point, box

    from hotspots.accountability.responsibility import nearest_place_ids

    places = gpd.GeoDataFrame(
        {"place_id": ["market", "school"]},
        geometry=[box(0, 0, 10, 10), box(100, 0, 110, 10)],
        crs=32651,
    )
    cases = gpd.GeoDataFrame(
        geometry=[Point(5, 5), Point(45, 5), Point(80, 5), Point(500, 500)],
        index=[7, 8, 9, 10],
        crs=32651,
    )
    ids = nearest_place_ids(cases, places.to_crs(4326), metric_crs=32651, radius_m=30)
    assert ids.index.tolist() == [7, 8, 9, 10]
    assert ids[7] == "market"  # inside: distance 0
    assert pd.isna(ids[8])  # 35 m from the market, 55 m from the school
    assert ids[9] == "school"  # 20 m
    assert pd.isna(ids[10])
    assert str(ids.dtype) == "string"
