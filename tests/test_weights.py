from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal import examples
from libpysal.graph import Graph
from shapely.geometry import MultiPolygon, Point, Polygon, box
from synthetic_inputs import UTM51N, X0, Y0, square_grid

from hotspots._core.schema import GRID_ID, NODE_FROM, NODE_TO, SEGMENT_ID
from hotspots.errors import CRSError, InputError
from hotspots.spatial.weights import IslandsWarning, SpatialWeights, spatial_weights


@pytest.fixture(scope="module")
def columbus() -> gpd.GeoDataFrame:
    return gpd.read_file(examples.get_path("columbus.shp"))


def _voronoi(n: int, seed: int) -> gpd.GeoDataFrame:
    """Irregular polygons that share their vertices exactly."""
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.random((n, 2)) * 1000 + [X0, Y0])
    cells = shapely.get_parts(shapely.voronoi_polygons(pts))
    frame = box(X0 - 200, Y0 - 200, X0 + 1200, Y0 + 1200)
    cells = shapely.intersection(cells, frame)
    return gpd.GeoDataFrame(
        {GRID_ID: [f"v{i:03d}" for i in range(len(cells))]},
        geometry=cells,
        crs=UTM51N,
    )


def _dense(w: SpatialWeights) -> np.ndarray:
    return w.sparse.toarray()


def _peer(graph: Graph, ids) -> np.ndarray:
    """libpysal Graph as a dense 0/1 matrix in ``ids`` order."""
    return (graph.sparse.toarray() != 0).astype(float)[
        np.ix_(graph.unique_ids.get_indexer(ids), graph.unique_ids.get_indexer(ids))
    ]


# -- contiguity ------------------------------------------------------------------------


@pytest.mark.parametrize("rook", [False, True])
def test_contiguity_equals_libpysal_on_columbus(columbus, rook):
    w = spatial_weights(columbus, "rook" if rook else "queen")
    peer = Graph.build_contiguity(columbus, rook=rook)
    np.testing.assert_array_equal(_dense(w), _peer(peer, w.ids))
    assert w.n == 49
    assert w.islands == ()


@pytest.mark.parametrize("rook", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_contiguity_equals_libpysal_on_irregular_polygons(rook, seed):
    cells = _voronoi(120, seed)
    w = spatial_weights(cells, "rook" if rook else "queen", unit=GRID_ID)
    peer = Graph.build_contiguity(cells.set_index(GRID_ID), rook=rook)
    np.testing.assert_array_equal(_dense(w), _peer(peer, w.ids))
    # symmetric, binary, zero diagonal
    d = _dense(w)
    np.testing.assert_array_equal(d, d.T)
    assert set(np.unique(d)) <= {0.0, 1.0}
    assert not d.diagonal().any()


def test_t_junction_and_multipolygon_follow_libpysal_vertex_rule():
    cells = gpd.GeoDataFrame(
        {"id": ["wide", "left", "right", "multi", "holed"]},
        geometry=[
            box(0, 0, 2, 1),  # its top edge has no vertex at (1, 1)
            box(0, 1, 1, 2),
            box(1, 1, 2, 2),
            MultiPolygon([box(2, 0, 3, 1), box(5, 5, 6, 6)]),
            Polygon(
                [(6, 5), (8, 5), (8, 7), (6, 7), (6, 6)],
                [[(6.5, 5.5), (7, 5.5), (7, 6), (6.5, 6)]],
            ),
        ],
        crs=UTM51N,
    ).set_index("id")
    for rook in (False, True):
        w = spatial_weights(cells, "rook" if rook else "queen")
        peer = Graph.build_contiguity(cells, rook=rook)
        np.testing.assert_array_equal(_dense(w), _peer(peer, w.ids))
    queen = spatial_weights(cells, "queen")
    rook_w = spatial_weights(cells, "rook")
    pos = {k: i for i, k in enumerate(queen.ids)}
    assert queen.sparse[pos["wide"], pos["left"]] == 1
    assert rook_w.sparse[pos["wide"], pos["left"]] == 0  # no shared vertex pair
    assert rook_w.sparse[pos["left"], pos["right"]] == 1
    # the multipolygon's second part shares an edge with the holed polygon
    assert rook_w.sparse[pos["multi"], pos["holed"]] == 1


def test_known_grid_neighbour_counts(grid3x3):
    queen = spatial_weights(grid3x3, "queen", unit=GRID_ID)
    rook = spatial_weights(grid3x3, "rook", unit=GRID_ID)
    assert queen.cardinalities.tolist() == [3, 5, 3, 5, 8, 5, 3, 5, 3]
    assert rook.cardinalities.tolist() == [2, 3, 2, 3, 4, 3, 2, 3, 2]
    assert queen.ids.tolist() == grid3x3[GRID_ID].tolist()
    assert queen.ids.name == GRID_ID
    assert queen.unit == GRID_ID
    assert queen.kind == "queen"
    assert "n=9" in repr(queen)


def test_row_order_does_not_change_the_relation():
    grid = square_grid(7, 6)
    w = spatial_weights(grid, "queen", unit=GRID_ID)
    shuffled = grid.sample(frac=1.0, random_state=4)
    w2 = spatial_weights(shuffled, "queen", unit=GRID_ID)
    np.testing.assert_array_equal(_dense(w2.align(w.ids)), _dense(w))


# -- distance, knn, network ------------------------------------------------------------


def test_distance_band_equals_libpysal():
    rng = np.random.default_rng(5)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            X0 + rng.random(300) * 2000, Y0 + rng.random(300) * 2000
        ),
        crs=UTM51N,
    )
    w = spatial_weights(pts, "distance", distance_m=250.0)
    peer = Graph.build_distance_band(pts, 250.0)
    assert w.islands == ()
    np.testing.assert_array_equal(_dense(w), _peer(peer, w.ids))


def test_knn_equals_libpysal_and_is_not_symmetrised():
    rng = np.random.default_rng(6)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            X0 + rng.random(200) * 2000, Y0 + rng.random(200) * 2000
        ),
        crs=UTM51N,
    )
    w = spatial_weights(pts, "knn", k=5)
    peer = Graph.build_knn(pts, k=5)
    np.testing.assert_array_equal(_dense(w), _peer(peer, w.ids))
    assert (w.cardinalities == 5).all()
    assert (_dense(w) != _dense(w).T).any()


def test_knn_with_coincident_points_excludes_self():
    pts = gpd.GeoDataFrame(
        geometry=[Point(X0, Y0)] * 3 + [Point(X0 + 10, Y0)], crs=UTM51N
    )
    w = spatial_weights(pts, "knn", k=2)
    assert not _dense(w).diagonal().any()
    assert (w.cardinalities == 2).all()


def test_geographic_units_are_measured_in_metres():
    grid = square_grid(4, 4)
    geo = grid.to_crs("EPSG:4326")
    metric = spatial_weights(grid, "distance", distance_m=150.0)
    degrees = spatial_weights(geo, "distance", distance_m=150.0)
    np.testing.assert_array_equal(_dense(metric), _dense(degrees))
    # 150 m between 100 m cells: the 8 surrounding cells, like queen
    np.testing.assert_array_equal(
        _dense(metric), _dense(spatial_weights(grid, "queen"))
    )
    np.testing.assert_array_equal(
        _dense(spatial_weights(geo, "knn", k=4)),
        _dense(spatial_weights(geo.to_crs(UTM51N), "knn", k=4)),
    )


def _segments() -> gpd.GeoDataFrame:
    # two streets crossing at node 2; S3 is a dead end off node 4, S4 stands alone
    return gpd.GeoDataFrame(
        {
            SEGMENT_ID: ["S1-000", "S1-001", "S2-000", "S2-001", "S3-000", "S4-000"],
            NODE_FROM: [1, 2, 3, 2, 4, 8],
            NODE_TO: [2, 5, 2, 4, 7, 9],
        },
        geometry=[Point(i, 0).buffer(0.1).exterior for i in range(6)],
        crs=UTM51N,
    )


def test_network_adjacency_by_shared_nodes():
    segs = _segments()
    with pytest.warns(IslandsWarning, match=r"1 of 6 units have no neighbour.*S4-000"):
        w = spatial_weights(segs, "network", unit=SEGMENT_ID)
    expected = {
        "S1-000": {"S1-001", "S2-000", "S2-001"},
        "S1-001": {"S1-000", "S2-000", "S2-001"},
        "S2-000": {"S1-000", "S1-001", "S2-001"},
        "S2-001": {"S1-000", "S1-001", "S2-000", "S3-000"},
        "S3-000": {"S2-001"},
        "S4-000": set(),
    }
    d = _dense(w)
    got = {w.ids[i]: {w.ids[j] for j in np.flatnonzero(d[i])} for i in range(len(d))}
    assert got == expected
    assert w.islands == ("S4-000",)
    # a plain DataFrame with u/v is enough
    with pytest.warns(IslandsWarning):
        plain = spatial_weights(
            pd.DataFrame(segs.drop(columns="geometry")), "network", unit=SEGMENT_ID
        )
    np.testing.assert_array_equal(_dense(plain), d)


def test_network_missing_nodes_make_islands():
    segs = _segments()
    segs[NODE_FROM] = segs[NODE_FROM].astype("Int64")
    segs.loc[4, NODE_FROM] = pd.NA  # S3-000 loses its link to S2-001
    with pytest.warns(IslandsWarning, match="2 of 6"):
        w = spatial_weights(segs, "network", unit=SEGMENT_ID)
    assert set(w.islands) == {"S3-000", "S4-000"}


# -- islands, transform, libpysal, align -----------------------------------------------


def test_islands_are_warned_listed_and_transformed_to_zero_rows():
    cells = gpd.GeoDataFrame(
        {GRID_ID: ["a", "b", "far", "empty"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(9, 9, 10, 10), Polygon()],
        crs=UTM51N,
    )
    with pytest.warns(IslandsWarning, match=r"2 of 4 units.*'far', 'empty'"):
        w = spatial_weights(cells, "queen", unit=GRID_ID)
    assert w.islands == ("far", "empty")
    r = w.transform("R").toarray()
    np.testing.assert_allclose(r.sum(axis=1), [1, 1, 0, 0])
    np.testing.assert_array_equal(w.transform("B").toarray(), _dense(w))
    graph = w.to_libpysal()
    assert set(graph.isolates) == {"far", "empty"}
    np.testing.assert_array_equal(_peer(graph, w.ids), _dense(w))
    with pytest.warns(IslandsWarning):
        dist = spatial_weights(cells, "distance", distance_m=1.0)
    assert dist.cardinalities.tolist() == [1, 1, 0, 0]


def test_row_standardised_transform():
    w = spatial_weights(square_grid(3, 3), "queen")
    r = w.transform("R")
    np.testing.assert_allclose(np.asarray(r.sum(axis=1)).ravel(), 1.0)
    assert r.max() == pytest.approx(1 / 3)
    assert w.sparse.max() == 1.0  # unchanged
    with pytest.raises(InputError, match="how must be 'B'"):
        w.transform("D")  # type: ignore[arg-type]


def test_to_libpysal_round_trip(columbus):
    w = spatial_weights(columbus, "queen")
    graph = w.to_libpysal()
    assert isinstance(graph, Graph)
    assert list(graph.unique_ids) == list(w.ids)
    np.testing.assert_array_equal(_peer(graph, w.ids), _dense(w))


def test_align_errors(grid3x3):
    w = spatial_weights(grid3x3, "queen", unit=GRID_ID)
    with pytest.raises(InputError, match="each of the 9 ids"):
        w.align(["c0_0", "c0_1"])
    with pytest.raises(InputError, match="1 are unknown"):
        w.align([*w.ids[:-1], "nope"])


def test_input_is_not_modified(grid3x3):
    before = grid3x3.copy()
    spatial_weights(grid3x3, "distance", distance_m=120.0)
    pd.testing.assert_frame_equal(grid3x3, before)


# -- errors ----------------------------------------------------------------------------


def test_type_error():
    with pytest.raises(TypeError, match="units must be a GeoDataFrame"):
        spatial_weights([box(0, 0, 1, 1)], "queen")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "kwargs", "match"),
    [
        ("bishop", {}, "kind must be one of"),
        ("distance", {}, "distance_m must be a positive number"),
        ("distance", {"distance_m": -5}, "got -5"),
        ("distance", {"distance_m": True}, "distance_m must be a positive number"),
        ("queen", {"distance_m": 100}, "distance_m only applies"),
        ("knn", {}, "k must be a whole number from 1 to 8"),
        ("knn", {"k": 9}, "got 9"),
        ("knn", {"k": 2.5}, "got 2.5"),
        ("queen", {"k": 3}, "k only applies"),
        ("queen", {"unit": "cell"}, "unit must name the id column of units"),
        ("network", {}, "needs end-node columns 'u' and 'v'"),
    ],
)
def test_input_errors(grid3x3, kind, kwargs, match):
    with pytest.raises(InputError, match=match):
        spatial_weights(grid3x3, kind, **kwargs)


def test_id_and_geometry_errors(grid3x3):
    dup = grid3x3.copy()
    dup.loc[1, GRID_ID] = "c0_0"
    with pytest.raises(InputError, match="must hold unique, non-missing ids"):
        spatial_weights(dup, "queen", unit=GRID_ID)
    na = grid3x3.copy()
    na.loc[0, GRID_ID] = None
    with pytest.raises(InputError, match="got 1 missing and 0 duplicated"):
        spatial_weights(na, "queen", unit=GRID_ID)
    pts = grid3x3.copy()
    pts["geometry"] = pts.centroid
    with pytest.raises(InputError, match=r"polygon \(or line\) geometries.*Point"):
        spatial_weights(pts, "rook")
    with pytest.raises(InputError, match="needs geometries"):
        spatial_weights(pd.DataFrame(grid3x3.drop(columns="geometry")), "queen")
    no_crs = grid3x3.set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no CRS"):
        spatial_weights(no_crs, "knn", k=3)
    # several problems at once
    with pytest.raises(InputError, match="2 problems"):
        spatial_weights(dup, "knn", k=0, unit=GRID_ID)
