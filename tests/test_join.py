"""Tests of hotspots.assign: known answers, tie rules, parity with geopandas."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box
from synthetic_inputs import UTM51N, X0, Y0, nested_areas

import hotspots.spatial.join
from hotspots.errors import CRSError, InputError, ReportsLeftOutWarning
from hotspots.read.boundaries import (
    REGULAR_GRID_ATTR,
    BoundaryRepairWarning,
    read_boundaries,
    segment_streets,
    square_grid,
)
from hotspots.spatial import join as join_module
from hotspots.spatial.join import (
    assign,
    locate_in_polygons,
    nearest_segments,
)

SAMPLE = Path(__file__).resolve().parents[1] / "boundaries"
PARITY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def points(xy, crs=UTM51N, index=None) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(
        {"report_id": [f"r{i}" for i in range(len(xy))]},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=crs,
        index=index,
    )


def lattice(nx: int, ny: int, size: float = 100.0) -> gpd.GeoDataFrame:
    ids = [f"c{r}_{c}" for r in range(ny) for c in range(nx)]
    geoms = [
        box(X0 + c * size, Y0 + r * size, X0 + (c + 1) * size, Y0 + (r + 1) * size)
        for r in range(ny)
        for c in range(nx)
    ]
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=geoms, crs=UTM51N)


def sjoin_positions(pts: gpd.GeoDataFrame, polys: gpd.GeoDataFrame) -> np.ndarray:
    """geopandas' answer with the documented tie rule.

    ``sjoin(predicate="within")`` for points in some polygon's interior (the
    first such polygon in row order); for points only on boundaries, the
    first polygon in row order among ``sjoin(predicate="covered_by")``.
    """
    p = pts[["geometry"]].reset_index(drop=True)
    g = polys[["geometry"]].reset_index(drop=True)
    inside = gpd.sjoin(p, g, predicate="within", how="inner")
    cover = gpd.sjoin(p, g, predicate="covered_by", how="inner")
    exp = pd.Series(-1, index=p.index)
    by_cover = cover.groupby(level=0)["index_right"].min()
    exp.loc[by_cover.index] = by_cover.to_numpy()
    by_inside = inside.groupby(level=0)["index_right"].min()
    exp.loc[by_inside.index] = by_inside.to_numpy()
    return exp.to_numpy()


def sjoin_nearest_ids(pts, segments, max_distance):
    """geopandas' nearest segment with ties broken by the smallest segment_id."""
    p = pts[["geometry"]].reset_index(drop=True)
    near = gpd.sjoin_nearest(
        p,
        segments[["segment_id", "geometry"]],
        how="inner",
        max_distance=max_distance,
        distance_col="dist",
    )
    near = near.sort_values(["dist", "segment_id"], kind="stable")
    best = near[~near.index.duplicated(keep="first")]
    return (
        best["segment_id"].reindex(p.index).to_numpy(dtype=object),
        best["dist"].reindex(p.index).to_numpy(dtype=float),
    )


def as_list(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


# -- known answers ----------------------------------------------------------------


def test_grid_known_answers_and_tie_rule(grid3x3):
    pts = points(
        [
            (X0 + 50, Y0 + 50),  # inside c0_0
            (X0 + 250, Y0 + 250),  # inside c2_2
            (X0 + 100, Y0 + 50),  # edge c0_0 | c0_1 -> first in row order
            (X0 + 100, Y0 + 100),  # vertex of four cells -> c0_0
            (X0 + 300, Y0 + 300),  # outer corner -> c2_2
            (X0 + 200, Y0 + 300),  # outer edge vertex -> c2_1
            (X0 + 301, Y0 + 50),  # outside
        ]
    )
    with pytest.warns(
        ReportsLeftOutWarning, match="1 of 7 reports have no grid_id"
    ) as rec:
        out = assign(pts, grid=grid3x3)
    assert as_list(out["grid_id"]) == [
        "c0_0",
        "c2_2",
        "c0_0",
        "c0_0",
        "c2_2",
        "c2_1",
        None,
    ]
    assert str(rec[0].message).startswith("1 of 7 reports have no grid_id. ")
    assert out["grid_id"].dtype == "str"


def test_generated_grid_uses_arithmetic_and_agrees_with_polygons():
    g = square_grid((X0, Y0, X0 + 1000, Y0 + 800), cell_size_m=100, crs=UTM51N)
    plain = gpd.GeoDataFrame(g[["grid_id"]], geometry=g.geometry, crs=g.crs)
    plain.attrs.clear()
    assert REGULAR_GRID_ATTR in g.attrs
    rng = np.random.default_rng(3)
    xy = np.c_[
        X0 + np.r_[rng.uniform(-50, 1050, 300), 100.0 * rng.integers(-1, 12, 300)],
        Y0 + np.r_[rng.uniform(-50, 850, 300), 50.0 * rng.integers(-1, 18, 300)],
    ]
    pts = points(xy)
    with pytest.warns(ReportsLeftOutWarning):
        fast = assign(pts, grid=g)
    with pytest.warns(ReportsLeftOutWarning):
        slow = assign(pts, grid=plain)
    assert as_list(fast["grid_id"]) == as_list(slow["grid_id"])
    exp = sjoin_positions(pts, g)
    got = g["grid_id"].to_numpy()[exp]
    assert as_list(fast["grid_id"]) == [
        v if e >= 0 else None for v, e in zip(got, exp, strict=True)
    ]


def test_clipped_generated_grid_edge_goes_to_present_neighbour():
    g = square_grid((X0, Y0, X0 + 300, Y0 + 100), cell_size_m=100, crs=UTM51N)
    clipped = g.iloc[[1, 2]]  # the west cell is gone
    assert clipped.attrs[REGULAR_GRID_ATTR].frame_cells(clipped).tolist() == [1, 2]
    pts = points([(X0 + 100, Y0 + 50), (X0 + 200, Y0 + 50), (X0 + 50, Y0 + 50)])
    with pytest.warns(ReportsLeftOutWarning, match="1 of 3 reports have no grid_id"):
        out = assign(pts, grid=clipped)
    assert as_list(out["grid_id"]) == ["R0000C0001", "R0000C0001", None]


def test_overlapping_polygons_interior_beats_boundary_then_row_order():
    polys = gpd.GeoDataFrame(
        {"grid_id": ["big", "small", "late"]},
        geometry=[
            box(X0 + 50, Y0, X0 + 200, Y0 + 100),
            box(X0, Y0, X0 + 100, Y0 + 100),
            box(X0, Y0, X0 + 100, Y0 + 100),
        ],
        crs=UTM51N,
    )
    pts = points(
        [
            (X0 + 50, Y0 + 50),  # on big's edge, inside small -> small (interior first)
            (X0 + 75, Y0 + 50),  # inside big and small -> big (row order)
            (X0 + 25, Y0 + 50),  # inside small and late -> small
            (X0 + 100, Y0 + 50),  # inside big, on small's edge -> big
        ]
    )
    assert as_list(assign(pts, grid=polys)["grid_id"]) == [
        "small",
        "big",
        "small",
        "big",
    ]


def test_polygons_with_holes_and_multipolygons():
    ring = Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (7, 3), (7, 7), (3, 7)]]
    )
    multi = shapely.MultiPolygon([box(20, 0, 22, 2), box(30, 0, 32, 2)])
    got = locate_in_polygons(
        [5, 1, 3, 31, 25, 5], [5, 1, 5, 1, 1, 3], [ring, multi, box(4, 4, 6, 6)]
    )
    assert got.tolist() == [2, 0, 0, 1, -1, 0]


def test_locate_in_polygons_empty_inputs_and_nan():
    assert locate_in_polygons([], [], [box(0, 0, 1, 1)]).tolist() == []
    assert locate_in_polygons([0.5], [0.5], []).tolist() == [-1]
    assert locate_in_polygons(
        [np.nan, 0.5], [0.5, np.nan], [box(0, 0, 1, 1)]
    ).tolist() == [
        -1,
        -1,
    ]


def test_nearest_segment_known_answers_and_ties(two_streets):
    seg = segment_streets(two_streets)
    pts = points(
        [
            (X0 + 100, Y0 + 205),  # 5 m from S1-000
            (X0 + 210, Y0 + 210),  # 10 m from S1-001 and S2-001 -> smallest id
            (X0 + 200, Y0 + 200),  # on the crossing: all four at 0 -> S1-000
            (X0 + 100, Y0 + 300),  # 100 m away: none
        ]
    )
    with pytest.warns(ReportsLeftOutWarning, match="1 of 4 reports have no segment_id"):
        out = assign(pts, streets=seg, max_street_distance_m=30)
    assert as_list(out["segment_id"]) == ["S1-000", "S1-001", "S1-000", None]
    assert as_list(out["street_name"]) == ["香港中路", "香港中路", "香港中路", None]
    np.testing.assert_allclose(out["street_distance_m"], [5, 10, 0, np.nan])
    wide = assign(pts, streets=seg, max_street_distance_m=100)
    assert wide["segment_id"].iloc[3] == "S1-000"
    assert wide["street_distance_m"].iloc[3] == 100.0  # exactly at the limit counts


def test_nearest_segments_function():
    lines = [LineString([(0, 0), (10, 0)]), LineString([(0, 2), (10, 2)])]
    pos, dist = nearest_segments(
        [5, 5, 5], [1, 0.5, 9], lines, max_distance_m=3, rank=[1, 0]
    )
    assert pos.tolist() == [1, 0, -1]  # the tie at 1 m goes to the lower rank
    np.testing.assert_allclose(dist, [1, 0.5, np.nan])


def test_areas_every_level_consistent_with_parents():
    pts = points(
        [
            (X0 + 50, Y0 + 50),  # C1 < S1 < D
            (X0 + 150, Y0 + 50),  # C2 < S1
            (X0 + 250, Y0 + 50),  # C3 < S2
            (X0 + 350, Y0 + 50),  # S2 without community
            (X0 + 200, Y0 + 50),  # edge C2 | C3: C2 (row order), so S1
            (X0 + 500, Y0 + 50),  # outside
        ]
    )
    with pytest.warns(ReportsLeftOutWarning) as rec:
        out = assign(pts, areas=nested_areas())
    assert as_list(out["community_id"]) == ["C1", "C2", "C3", None, "C2", None]
    assert as_list(out["subdistrict_id"]) == ["S1", "S1", "S2", "S2", "S1", None]
    assert as_list(out["district_id"]) == ["D", "D", "D", "D", "D", None]
    assert str(rec[0].message).startswith(
        "1 of 6 reports have no district_id; 1 of 6 reports have no "
        "subdistrict_id; 2 of 6 reports have no community_id. "
    )


def test_all_layers_with_mixed_crs_and_index_kept(grid3x3, two_streets):
    seg = segment_streets(two_streets).to_crs("EPSG:4326")
    rng = np.random.default_rng(5)
    xy = np.c_[X0 + rng.uniform(5, 295, 50), Y0 + rng.uniform(5, 295, 50)]
    pts_utm = points(xy, index=pd.Index([f"k{i}" for i in range(50)][::-1], name="key"))
    pts = pts_utm.to_crs("EPSG:4326")
    pts["extra"] = np.arange(50)
    before = pts.copy()
    with pytest.warns(ReportsLeftOutWarning):
        out = assign(pts, grid=grid3x3, streets=seg, areas=nested_areas())
    pd.testing.assert_frame_equal(pts, before)  # input unchanged
    assert out.index.equals(pts.index)
    assert out.crs == pts.crs
    assert list(out.columns[: len(pts.columns)]) == list(pts.columns)
    assert (out["extra"] == pts["extra"]).all()
    # the same as with every layer in UTM (points well inside cells)
    with pytest.warns(ReportsLeftOutWarning):
        ref = assign(pts_utm, grid=grid3x3, streets=seg.to_crs(UTM51N))
    assert as_list(out["grid_id"]) == as_list(ref["grid_id"])
    assert as_list(out["segment_id"]) == as_list(ref["segment_id"])
    np.testing.assert_allclose(
        out["street_distance_m"], ref["street_distance_m"], atol=1e-6
    )


def test_reports_without_geometry_kept_with_na(grid3x3):
    pts = points([(X0 + 50, Y0 + 50), (X0 + 150, Y0 + 50), (X0 + 250, Y0 + 50)])
    pts.loc[1, "geometry"] = None
    pts.loc[2, "geometry"] = Point()
    with pytest.warns(
        ReportsLeftOutWarning, match="2 of 3 reports have no coordinates"
    ) as rec:
        out = assign(pts, grid=grid3x3)
    assert as_list(out["grid_id"]) == ["c0_0", None, None]
    assert str(rec[0].message).startswith("2 of 3 reports have no coordinates. ")
    assert len(out) == 3


def test_no_warning_when_everything_assigned(grid3x3, recwarn):
    out = assign(points([(X0 + 50, Y0 + 50)]), grid=grid3x3)
    assert out["grid_id"].tolist() == ["c0_0"]
    assert len(recwarn) == 0


def test_assign_errors(grid3x3, two_streets):
    pts = points([(X0 + 50, Y0 + 50)])
    with pytest.raises(TypeError, match="reports must be a GeoDataFrame"):
        assign(pd.DataFrame(pts), grid=grid3x3)
    with pytest.raises(CRSError, match="reports has no CRS"):
        assign(pts.set_crs(None, allow_override=True), grid=grid3x3)
    with pytest.raises(CRSError, match="grid has no CRS"):
        assign(pts, grid=grid3x3.set_crs(None, allow_override=True))
    with pytest.raises(TypeError, match="grid must be a GeoDataFrame"):
        assign(pts, grid=pd.DataFrame(grid3x3))
    with pytest.raises(
        InputError, match=r"Pass street segments: segment_streets\(streets\)"
    ):
        assign(pts, streets=two_streets)
    with pytest.raises(
        InputError, match="max_street_distance_m must be a positive number"
    ):
        assign(pts, streets=segment_streets(two_streets), max_street_distance_m=-1)
    with pytest.raises(InputError, match="are not Points"):
        assign(pts.set_geometry([box(0, 0, 1, 1)], crs=UTM51N), grid=grid3x3)
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    bad = grid3x3.copy()
    bad.loc[0, "geometry"] = bowtie
    with pytest.raises(InputError, match="1 geometries are invalid"):
        assign(pts, grid=bad)
    with pytest.raises(InputError, match="are missing, empty or not Polygon"):
        assign(pts, grid=grid3x3.set_geometry([Point(0, 0)] * 9, crs=UTM51N))
    areas = nested_areas()
    areas.loc[0, "level"] = "province"
    with pytest.raises(InputError, match=r"areas\.level must be one of"):
        assign(pts, areas=areas)
    with pytest.raises(InputError, match=r"is missing column\(s\) \[.parent_id.\]"):
        assign(pts, areas=nested_areas().drop(columns="parent_id"))
    with pytest.raises(CRSError, match="projected CRS in metres"):
        assign(pts, streets=segment_streets(two_streets), metric_crs="EPSG:4326")
    with pytest.raises(InputError, match="2 problems"):
        assign(pts, grid=grid3x3.drop(columns="grid_id"), max_street_distance_m=0)


# -- parity with geopandas (Hypothesis) --------------------------------------------

coord = st.integers(0, 12)
fine = st.floats(0, 12, allow_nan=False, allow_infinity=False)


@st.composite
def polygon_layers(draw):
    polys = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["box", "hull", "float", "hole"]))
        if kind == "box":
            x0, y0 = draw(coord), draw(coord)
            w, h = draw(st.integers(1, 6)), draw(st.integers(1, 6))
            p = box(x0, y0, x0 + w, y0 + h)
        elif kind == "hole":
            x0, y0 = draw(st.integers(0, 6)), draw(st.integers(0, 6))
            p = Polygon(
                [(x0, y0), (x0 + 6, y0), (x0 + 6, y0 + 6), (x0, y0 + 6)],
                [
                    [
                        (x0 + 2, y0 + 2),
                        (x0 + 4, y0 + 2),
                        (x0 + 4, y0 + 4),
                        (x0 + 2, y0 + 4),
                    ]
                ],
            )
        else:
            c = coord if kind == "hull" else fine
            pts = draw(st.lists(st.tuples(c, c), min_size=3, max_size=7))
            p = shapely.convex_hull(shapely.multipoints(pts))
            if p.geom_type != "Polygon" or p.area == 0:
                p = box(0, 0, 3, 3)
        polys.append(p)
    # scale and shift to UTM magnitudes (0.1 is not exact in binary)
    scale = draw(st.sampled_from([1.0, 10.0, 0.1]))
    moved = [
        shapely.affinity.affine_transform(p, [scale, 0, 0, scale, X0, Y0])
        for p in polys
    ]
    # a sliver can collapse when shifted: assign rejects invalid polygons
    fallback = box(X0, Y0, X0 + 3 * scale, Y0 + 3 * scale)
    return [p if p.is_valid and p.area > 0 else fallback for p in moved], scale


@st.composite
def query_points(draw, polys, scale):
    xs = draw(st.lists(st.integers(-1, 13), min_size=1, max_size=40))
    ys = draw(st.lists(st.integers(-1, 13), min_size=len(xs), max_size=len(xs)))
    lattice_xy = np.c_[X0 + np.array(xs) * scale, Y0 + np.array(ys) * scale]
    verts = shapely.get_coordinates(np.asarray(polys, dtype=object))
    on_edges = shapely.get_coordinates(
        shapely.line_interpolate_point(
            shapely.get_exterior_ring(np.asarray(polys, dtype=object)),
            draw(st.floats(0, 1)),
            normalized=True,
        )
    )
    rnd = draw(st.lists(st.tuples(fine, fine), max_size=20))
    rnd_xy = np.array(rnd).reshape(-1, 2) * scale + [X0, Y0]
    return np.vstack([lattice_xy, verts, on_edges, rnd_xy])


@PARITY
@given(data=st.data())
def test_parity_with_sjoin_within_random_polygons(data):
    polys, scale = data.draw(polygon_layers())
    xy = data.draw(query_points(polys, scale))
    layer = gpd.GeoDataFrame(
        {"grid_id": [f"p{i}" for i in range(len(polys))]}, geometry=polys, crs=UTM51N
    )
    pts = points(xy)
    expected = sjoin_positions(pts, layer)
    got = locate_in_polygons(xy[:, 0], xy[:, 1], polys)
    assert got.tolist() == expected.tolist()
    # and through assign, row for row
    if (expected < 0).any():
        with pytest.warns(ReportsLeftOutWarning):
            out = assign(pts, grid=layer)
    else:
        out = assign(pts, grid=layer)
    want = [f"p{e}" if e >= 0 else None for e in expected]
    assert as_list(out["grid_id"]) == want


@PARITY
@given(
    seed=st.integers(0, 2**32 - 1),
    n_cells=st.integers(2, 60),
    n_points=st.integers(1, 300),
)
def test_parity_with_sjoin_within_partitions_at_shared_vertices(
    seed, n_cells, n_points
):
    """Voronoi partitions: many points exactly on shared edges and vertices."""
    rng = np.random.default_rng(seed)
    extent = box(X0, Y0, X0 + 1000, Y0 + 700)
    seeds = shapely.multipoints(
        np.c_[X0 + rng.uniform(0, 1000, n_cells), Y0 + rng.uniform(0, 700, n_cells)]
    )
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=extent)), extent
    )
    cells = cells[shapely.area(cells) > 0]
    verts = shapely.get_coordinates(cells)
    pick = verts[rng.integers(0, len(verts), n_points)]
    rnd = np.c_[
        X0 + rng.uniform(-10, 1010, n_points), Y0 + rng.uniform(-10, 710, n_points)
    ]
    xy = np.vstack([pick, rnd])
    layer = gpd.GeoDataFrame(
        {"grid_id": np.arange(len(cells)).astype(str)}, geometry=cells, crs=UTM51N
    )
    expected = sjoin_positions(points(xy), layer)
    got = locate_in_polygons(xy[:, 0], xy[:, 1], cells)
    assert got.tolist() == expected.tolist()
    assert (got[: len(pick)] >= 0).all()  # every vertex of the partition gets a cell


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_few_points_in_many_polygons_are_decided_without_the_index(seed, monkeypatch):
    """A week's few points in a large grid: same answers, no polygon index built."""
    rng = np.random.default_rng(seed)
    extent = box(X0, Y0, X0 + 1000, Y0 + 700)
    seeds = shapely.multipoints(
        np.c_[X0 + rng.uniform(0, 1000, 600), Y0 + rng.uniform(0, 700, 600)]
    )
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=extent)), extent
    )
    cells = np.concatenate([cells, cells[:40]])  # duplicates: the lowest wins
    verts = shapely.get_coordinates(cells)
    pick = verts[rng.integers(0, len(verts), 15)]  # shared edges and vertices
    rnd = np.c_[X0 + rng.uniform(-10, 1010, 15), Y0 + rng.uniform(-10, 710, 15)]
    xy = np.vstack([pick, rnd, [[np.nan, np.nan]]])
    indexed: list[int] = []
    real = hotspots.spatial.join._PolygonIndex

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, polys):
            indexed.append(len(polys))
            super().__init__(polys)

    monkeypatch.setattr(hotspots.spatial.join, "_PolygonIndex", Counting)
    layer = gpd.GeoDataFrame(
        {"grid_id": np.arange(len(cells)).astype(str)}, geometry=cells, crs=UTM51N
    )
    expected = [*sjoin_positions(points(xy[:-1]), layer).tolist(), -1]
    got = locate_in_polygons(xy[:, 0], xy[:, 1], cells)
    assert got.tolist() == expected
    assert indexed == []  # the tree's candidate pairs, decided by GEOS
    far = locate_in_polygons([X0 - 50.0, np.nan], [Y0 - 50.0, np.nan], cells)
    assert far.tolist() == [-1, -1]
    # as many points as polygons: the index decides, with the same answers
    k = len(cells) // len(xy) + 1
    many = np.vstack([xy] * k)
    assert locate_in_polygons(many[:, 0], many[:, 1], cells).tolist() == expected * k
    assert indexed


@pytest.mark.slow
@PARITY
@given(
    seed=st.integers(0, 2**32 - 1),
    nx=st.integers(1, 12),
    ny=st.integers(1, 12),
    size=st.sampled_from([1.0, 7.5, 100.0, 0.3]),
    drop=st.floats(0, 0.5),
)
def test_parity_regular_grid_arithmetic(seed, nx, ny, size, drop):
    rng = np.random.default_rng(seed)
    g = square_grid(
        (X0, Y0, X0 + nx * size, Y0 + ny * size), cell_size_m=size, crs=UTM51N
    )
    g = g[rng.uniform(size=len(g)) >= drop]  # clipped grids keep the shortcut
    if len(g) == 0:
        return
    assert g.attrs[REGULAR_GRID_ATTR].frame_cells(g) is not None
    k = 200
    xy = np.c_[
        X0
        + np.r_[
            rng.integers(-1, nx + 2, k) * size, rng.uniform(-size, (nx + 1) * size, k)
        ],
        Y0
        + np.r_[
            rng.integers(-1, ny + 2, k) * size / 2,
            rng.uniform(-size, (ny + 1) * size, k),
        ],
    ]
    pts = points(xy)
    expected = sjoin_positions(pts, g)
    want = [g["grid_id"].iloc[e] if e >= 0 else None for e in expected]
    if (expected < 0).any():
        with pytest.warns(ReportsLeftOutWarning):
            out = assign(pts, grid=g)
    else:
        out = assign(pts, grid=g)
    assert as_list(out["grid_id"]) == want


@st.composite
def line_layers(draw):
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        pts = draw(
            st.lists(st.tuples(coord, coord), min_size=2, max_size=4, unique=True)
        )
        lines.append(LineString(np.array(pts, dtype=float) * 5 + [X0, Y0]))
    return lines


@PARITY
@given(lines=line_layers(), data=st.data())
def test_parity_with_sjoin_nearest_and_tie_rule(lines, data):
    ids = data.draw(st.permutations([f"s{i:02d}" for i in range(len(lines))]))
    seg = gpd.GeoDataFrame(
        {"segment_id": ids, "street_name": [f"路{i}" for i in ids]},
        geometry=lines,
        crs=UTM51N,
    )
    xs = data.draw(st.lists(st.integers(-4, 64), min_size=1, max_size=40))
    ys = data.draw(st.lists(st.integers(-4, 64), min_size=len(xs), max_size=len(xs)))
    xy = np.c_[X0 + np.array(xs, dtype=float), Y0 + np.array(ys, dtype=float)]
    pts = points(xy)
    d = data.draw(st.sampled_from([1.0, 2.5, 5.0, 30.0]))
    exp_id, exp_d = sjoin_nearest_ids(pts, seg, d)
    if pd.isna(exp_id).any():
        with pytest.warns(ReportsLeftOutWarning):
            out = assign(pts, streets=seg, max_street_distance_m=d, metric_crs=UTM51N)
    else:
        out = assign(pts, streets=seg, max_street_distance_m=d, metric_crs=UTM51N)
    assert as_list(out["segment_id"]) == [None if pd.isna(v) else v for v in exp_id]
    np.testing.assert_array_equal(out["street_distance_m"].to_numpy(), exp_d)


# -- nearest segments: bit-identical to GEOS, same as the previous method -----------


def previous_nearest(x, y, lines, max_distance, rank=None):
    """The previous implementation: STRtree dwithin, GEOS distances, lexsort."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    geoms = np.asarray(lines, dtype=object)
    order_rank = np.arange(len(geoms)) if rank is None else np.asarray(rank)
    pos = np.full(len(x), -1)
    dist = np.full(len(x), np.nan)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    pts = shapely.points(x[ok], y[ok])
    tree = shapely.STRtree(geoms)
    ii, jj = tree.query(pts, predicate="dwithin", distance=max_distance)
    d = shapely.distance(pts[ii], geoms[jj])
    keep = d <= max_distance
    ii, jj, d = ii[keep], jj[keep], d[keep]
    order = np.lexsort((order_rank[jj], d, ii))
    ii, jj, d = ii[order], jj[order], d[order]
    first = np.r_[True, ii[1:] != ii[:-1]] if len(ii) else np.zeros(0, dtype=bool)
    pos[ok[ii[first]]] = jj[first]
    dist[ok[ii[first]]] = d[first]
    return pos, dist


def same_bits(a, b) -> bool:
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def adversarial_scene(seed, x0, y0, scale, max_d):
    """Lines with many vertices, repeated vertices and zero-length edges, and
    points on vertices, on edges, on the edges' lines beyond their ends, at
    exactly the maximum distance, on a lattice (exact ties) and at random."""
    rng = np.random.default_rng(seed)
    origin = np.array([x0, y0])
    lines = []
    for _ in range(20):  # random multi-vertex lines, some with a repeated vertex
        xy = rng.uniform(0, scale, (rng.integers(2, 9), 2))
        if rng.random() < 0.5:
            k = rng.integers(0, len(xy))
            xy = np.insert(xy, k, xy[k], axis=0)
        lines.append(LineString(xy + origin))
    step = scale / 20
    for _ in range(20):  # lattice segments (axis-aligned, diagonal, zero-length)
        a = rng.integers(0, 21, 2) * step
        b = a + rng.integers(-4, 5, 2) * step
        mid = a + rng.integers(-4, 5, 2) * step
        lines.append(LineString(np.array([a, mid, mid, b]) + origin))
    lines.append(LineString([(x0 + scale / 2, y0 + scale / 3)] * 2))  # a point
    lines.append(LineString([(x0, y0 + scale), (x0 + scale, y0 + scale)]))
    lines.append(
        LineString([(x0, y0 + scale + 2 * max_d), (x0 + scale, y0 + scale + 2 * max_d)])
    )
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    shifts = np.array([[0, max_d], [0.6 * max_d, -0.8 * max_d], [-max_d, 0]])
    pts = [xy, *(xy + s for s in shifts)]
    t = rng.random(len(a))[:, None]
    pts.append(a + t * (b - a))  # on (or a rounding error off) the edges
    for t in (-1.0, -1e-12, 0.5, 1.0 + 1e-12, 1.5):
        pts.append(a + t * (b - a))  # collinear, before, inside and beyond
    lattice = rng.integers(-6, 27, (1500, 2)) * (step / 2)
    pts.append(lattice + origin)
    pts.append(rng.uniform(-2 * max_d, scale + 2 * max_d, (1500, 2)) + origin)
    mid = np.array([[x0 + scale / 2, y0 + scale + max_d]])  # equidistant, 2 lines
    pts.append(mid)
    return np.asarray(lines, dtype=object), np.vstack(pts)


SCENES = [  # (x0, y0, scale, max_d)
    (0.0, 0.0, 200.0, 30.0),
    (X0, Y0, 200.0, 30.0),
    (X0 + 0.123456789, Y0 + 0.987654321, 3.0, 0.4),
    (X0, Y0, 0.05, 0.01),
]


@pytest.mark.parametrize("scene", SCENES)
def test_nearest_segments_distances_bit_identical_to_shapely(scene):
    x0, y0, scale, max_d = scene
    lines, xy = adversarial_scene(7, x0, y0, scale, max_d)
    pts = shapely.points(xy)
    exact_at_limit = 0
    for line in lines:
        exp = shapely.distance(pts, line)
        exact_at_limit += int((exp == max_d).sum())
        for d_max in (max_d, np.inf):
            pos, dist = nearest_segments(
                xy[:, 0], xy[:, 1], [line], max_distance_m=d_max
            )
            want = np.where(exp <= d_max, exp, np.nan)
            assert same_bits(dist, want)
            assert pos.tolist() == np.where(exp <= d_max, 0, -1).tolist()
    if x0 == 0.0 or scale == 200.0:
        assert exact_at_limit > 0  # the scene has points exactly at the limit


@pytest.mark.parametrize("scene", SCENES)
def test_nearest_segments_equal_previous_implementation(scene):
    x0, y0, scale, max_d = scene
    lines, xy = adversarial_scene(8, x0, y0, scale, max_d)
    rank = np.random.default_rng(1).permutation(len(lines))
    for r in (None, rank):
        pos, dist = nearest_segments(
            xy[:, 0], xy[:, 1], lines, max_distance_m=max_d, rank=r
        )
        exp_pos, exp_dist = previous_nearest(xy[:, 0], xy[:, 1], lines, max_d, r)
        assert pos.tolist() == exp_pos.tolist()
        assert same_bits(dist, exp_dist)
        assert (pos >= 0).sum() > len(xy) // 4


def test_nearest_segments_ties_and_exact_limit():
    lines = [
        LineString([(0, 10), (10, 10)]),
        LineString([(0, -10), (10, -10)]),
        LineString([(20, 0), (20, 0), (30, 0)]),  # zero-length first edge
    ]
    x = [5.0, 5.0, 5.0, 14.0, 23.0, 20.0]
    y = [0.0, 0.0, 20.0, 0.0, 4.0, 10.0]
    pos, dist = nearest_segments(x, y, lines, max_distance_m=10)
    # equal distance 10 (exactly the limit) to lines 0 and 1: the lower position;
    # (14, 0) is 6 from the zero-length edge; (23, 4) 4 from line 2
    assert pos.tolist() == [0, 0, 0, 2, 2, 0]
    assert dist.tolist() == [10.0, 10.0, 10.0, 6.0, 4.0, 10.0]
    pos, _ = nearest_segments(x, y, lines, max_distance_m=10, rank=[2, 1, 0])
    assert pos.tolist() == [1, 1, 0, 2, 2, 2]
    pos, _ = nearest_segments(x, y, lines, max_distance_m=np.nextafter(10, 0))
    assert pos.tolist() == [-1, -1, -1, 2, 2, -1]


def test_nearest_segments_any_geometry_type_and_odd_inputs():
    lines = [
        shapely.MultiLineString([[(0, 0), (10, 0)], [(0, 5), (10, 5)]]),
        shapely.LinearRing([(20, 0), (30, 0), (30, 10), (20, 0)]),
        box(40, 0, 50, 10),  # a polygon: 0 inside
        Point(60, 0),
        shapely.GeometryCollection([Point(70, 0), LineString([(70, 5), (80, 5)])]),
        None,
        LineString(),
        shapely.MultiLineString([[(90, 0), (90, 0)], [(95, 0), (99, 0)]]),
    ]
    rng = np.random.default_rng(3)
    x = np.r_[rng.uniform(-5, 105, 400), 45, 60, 90, 97, np.nan, 1, np.inf]
    y = np.r_[rng.uniform(-5, 15, 400), 5, 0, 0, 0, 1, np.nan, 0]
    for d in (0.0, 2.0, 4.0, 1e9):
        pos, dist = nearest_segments(x, y, lines, max_distance_m=d)
        exp_pos, exp_dist = previous_nearest(x, y, lines, d)
        assert pos.tolist() == exp_pos.tolist()
        assert same_bits(dist, exp_dist)
    pos, dist = nearest_segments(x, y, lines, max_distance_m=0.0)
    assert pos[400:404].tolist() == [2, 3, 7, 7]
    assert dist[400:404].tolist() == [0.0] * 4
    assert pos[-3:].tolist() == [-1, -1, -1]
    assert np.isnan(dist[-3:]).all()
    # infinite distance: every finite point gets its nearest geometry
    pos, dist = nearest_segments(x, y, lines, max_distance_m=np.inf)
    pts = shapely.points(x[:-3], y[:-3])
    full = np.stack([shapely.distance(pts, g) for g in lines], axis=1)
    full = np.where(np.isnan(full), np.inf, full)  # None, empty
    assert pos[:-3].tolist() == np.argmin(full, axis=1).tolist()
    assert same_bits(dist[:-3], full.min(axis=1))
    assert pos[-3:].tolist() == [-1, -1, -1]
    # nothing is within a negative or NaN distance; empty inputs
    for d in (-1.0, np.nan):
        assert (nearest_segments(x, y, lines, max_distance_m=d)[0] == -1).all()
    assert nearest_segments([], [], lines, max_distance_m=5)[0].tolist() == []
    assert nearest_segments([1.0], [1.0], [], max_distance_m=5)[0].tolist() == [-1]
    only_empty = nearest_segments([1.0], [1.0], [LineString(), None], max_distance_m=5)
    assert only_empty[0].tolist() == [-1]
    assert np.isnan(only_empty[1]).all()


@pytest.mark.parametrize(
    "limits",
    [
        {"_CHUNK": 97, "_PAIR_CHUNK": 13},  # many small steps
        {"_MAX_BINS": 5, "_MAX_BIN_ENTRIES": 1},  # coarse bins, down to one
    ],
)
def test_nearest_segments_chunks_and_bin_limits_same_result(monkeypatch, limits):
    lines, xy = adversarial_scene(9, X0, Y0, 200.0, 30.0)
    want = nearest_segments(xy[:, 0], xy[:, 1], lines, max_distance_m=30)
    for name, value in limits.items():
        monkeypatch.setattr(join_module, name, value)
    got = nearest_segments(xy[:, 0], xy[:, 1], lines, max_distance_m=30)
    assert got[0].tolist() == want[0].tolist()
    assert same_bits(got[1], want[1])


@st.composite
def messy_lines(draw):
    """Lines on a coarse lattice with repeated vertices, some multi-part."""
    vertex = st.tuples(st.integers(0, 8), st.integers(0, 8))
    out = []
    for _ in range(draw(st.integers(1, 6))):
        parts = [
            draw(st.lists(vertex, min_size=2, max_size=5))
            for _ in range(draw(st.integers(1, 2)))
        ]
        parts = [np.array(p, dtype=float) * 2.5 + [X0, Y0] for p in parts]
        out.append(
            LineString(parts[0]) if len(parts) == 1 else shapely.MultiLineString(parts)
        )
    return out


@PARITY
@given(lines=messy_lines(), data=st.data())
def test_nearest_segments_parity_with_previous_implementation(lines, data):
    rank = data.draw(st.permutations(range(len(lines))))
    half = st.integers(-8, 48)
    xs = data.draw(st.lists(half, min_size=1, max_size=30))
    ys = data.draw(st.lists(half, min_size=len(xs), max_size=len(xs)))
    x = X0 + np.array(xs, dtype=float) / 2
    y = Y0 + np.array(ys, dtype=float) / 2
    d = data.draw(st.sampled_from([0.0, 1.0, 2.5, 5.0, 30.0]))
    pos, dist = nearest_segments(x, y, lines, max_distance_m=d, rank=rank)
    exp_pos, exp_dist = previous_nearest(x, y, lines, d, rank)
    assert pos.tolist() == exp_pos.tolist()
    assert same_bits(dist, exp_dist)


# -- the sample district ---------------------------------------------------------


@pytest.mark.slow
def test_sample_district_parity():
    grid = read_boundaries(SAMPLE / "grid.geojson", kind="grid")
    areas = read_boundaries(SAMPLE / "areas.geojson", kind="areas")
    streets = read_boundaries(SAMPLE / "streets.geojson", kind="streets")
    seg = segment_streets(streets)
    rng = np.random.default_rng(11)
    b = grid.total_bounds
    n = 5000
    xy = np.c_[rng.uniform(b[0], b[2], n), rng.uniform(b[1], b[3], n)]
    # plus every grid vertex: the shared-edge cases
    verts = np.unique(shapely.get_coordinates(grid.geometry.to_numpy()), axis=0)
    xy = np.vstack([xy, verts[:: max(1, len(verts) // 2000)]])
    pts = points(xy, crs="EPSG:4326")
    with pytest.warns(ReportsLeftOutWarning):
        out = assign(pts, grid=grid, streets=seg, areas=areas, max_street_distance_m=30)
    exp = sjoin_positions(pts, grid)
    assert as_list(out["grid_id"]) == [
        grid["grid_id"].iloc[e] if e >= 0 else None for e in exp
    ]
    comm = areas[areas["level"] == "community"].reset_index(drop=True)
    exp = sjoin_positions(pts, comm)
    assert as_list(out["community_id"]) == [
        comm["area_id"].iloc[e] if e >= 0 else None for e in exp
    ]
    metric = out.estimate_utm_crs()
    exp_id, exp_d = sjoin_nearest_ids(pts.to_crs(metric), seg.to_crs(metric), 30)
    assert as_list(out["segment_id"]) == [None if pd.isna(v) else v for v in exp_id]
    np.testing.assert_allclose(out["street_distance_m"], exp_d, atol=1e-9)
    # consistency of the nested ids
    has = out["community_id"].notna()
    parent = areas.set_index("area_id")["parent_id"]
    assert (
        out.loc[has, "subdistrict_id"]
        == parent[out.loc[has, "community_id"]].to_numpy()
    ).all()


# -- optional attributes missing or null (first-hour issue, item 3) ---------------

_NAMES = {
    "no name column": None,
    "all names null": [None, None],
    "all names NaN": [np.nan, np.nan],
    "some names null": ["香港中路", None],
    "names present": ["香港中路", "南京路"],
}


@pytest.mark.parametrize("case", list(_NAMES))
@pytest.mark.parametrize("optional", ["missing", "null"])
def test_streets_without_names_classes_or_oneway_assign(two_streets, case, optional):
    streets = two_streets.drop(columns=["name", "street_class", "oneway"])
    if _NAMES[case] is not None:
        streets["name"] = pd.Series(_NAMES[case], dtype=object)
    if optional == "null":
        streets["street_class"] = pd.Series([None, None], dtype=object)
        streets["oneway"] = pd.Series([None, np.nan], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryRepairWarning)  # columns filled
        layer = read_boundaries(streets, kind="streets")
    segments = segment_streets(layer)
    assert segments["street_class"].isna().all()
    assert not segments["oneway"].any()
    # one report beside S1 (east part) and one beside S2 (north part)
    pts = points([(X0 + 300, Y0 + 205), (X0 + 195, Y0 + 350)])
    out = assign(pts, streets=segments)
    assert out["segment_id"].tolist() == ["S1-001", "S2-001"]
    names = _NAMES[case] or [None, None]
    expected = [None if pd.isna(n) else n for n in names]
    assert as_list(out["street_name"]) == expected
    assert out["street_distance_m"].tolist() == pytest.approx([5.0, 5.0])


def test_street_segments_without_a_name_column_assign(two_streets):
    segments = segment_streets(two_streets).drop(columns=["street_name"])
    out = assign(points([(X0 + 300, Y0 + 205)]), streets=segments)
    assert out["segment_id"].tolist() == ["S1-001"]
    assert as_list(out["street_name"]) == [None]


def test_grid_and_areas_with_null_optional_attributes(grid3x3):
    grid = grid3x3.assign(name=None, community_id=np.nan)
    areas = nested_areas().assign(name=None)
    pts = points([(X0 + 50, Y0 + 50)])
    out = assign(pts, grid=grid, areas=areas)
    assert out["grid_id"].tolist() == [grid3x3["grid_id"].iloc[0]]
    assert out[["district_id", "subdistrict_id", "community_id"]].iloc[0].tolist() == [
        "D",
        "S1",
        "C1",
    ]
    unnamed = assign(pts, areas=nested_areas().drop(columns=["name"]))
    assert unnamed["community_id"].tolist() == ["C1"]


def test_areas_without_a_level_named_in_assign(grid3x3):
    areas = nested_areas()
    areas.loc[areas.index[0], "level"] = None
    with pytest.raises(InputError, match="1 areas without a level"):
        assign(points([(X0 + 50, Y0 + 50)]), areas=areas)


def test_empty_layers_said_to_be_empty(grid3x3):
    pts = points([(X0 + 50, Y0 + 50)])
    with pytest.raises(InputError, match="the grid layer has no features"):
        assign(pts, grid=grid3x3.iloc[:0])
