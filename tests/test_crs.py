"""Tests of hotspots._core.crs against two published converters.

Argument orders differ: prcoords takes and returns (lat, lon) tuples,
coord_convert.transform takes (lng, lat). Errors are measured in metres on
the WGS-84 ellipsoid (pyproj.Geod).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import prcoords
import pyproj
import pytest
from coord_convert import transform as cc
from shapely.geometry import Point, box

from hotspots._core.crs import (
    CHINA_BBOX,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    coord_system,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    local_metric_crs,
    metric_xy,
    project_xy,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from hotspots.errors import CRSError, InputError

N_POINTS = 10_000
GEOD = pyproj.Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray]:
    """10,000 random WGS-84 points inside the China box of both libraries."""
    rng = np.random.default_rng(20261122)
    x0, y0, x1, y1 = CHINA_BBOX
    # both libraries use the same box; stay a hair inside so that the GCJ-02
    # image of each point is inside it too
    lon = rng.uniform(x0 + 0.02, x1 - 0.02, N_POINTS)
    lat = rng.uniform(y0 + 0.02, y1 - 0.02, N_POINTS)
    return lon, lat


def prc(fn, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    out = np.array([fn((b, a)) for a, b in zip(lon, lat, strict=True)])
    return out[:, 1], out[:, 0]  # prcoords returns (lat, lon)


def ccv(fn, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    out = np.array([fn(a, b) for a, b in zip(lon, lat, strict=True)])
    return out[:, 0], out[:, 1]


def conversion_errors(lon: np.ndarray, lat: np.ndarray) -> dict[str, float]:
    """Maximum error in metres of every conversion (for the tests and the report)."""
    gx, gy = wgs84_to_gcj02(lon, lat)
    bx, by = gcj02_to_bd09(gx, gy)
    out: dict[str, float] = {}
    for name, ref in (
        ("prcoords", lambda x, y: prc(prcoords.wgs_gcj, x, y)),
        ("coord_convert", lambda x, y: ccv(cc.wgs2gcj, x, y)),
    ):
        out[f"wgs->gcj vs {name}"] = metres(gx, gy, *ref(lon, lat)).max()
    out["gcj->bd vs prcoords"] = metres(bx, by, *prc(prcoords.gcj_bd, gx, gy)).max()
    out["gcj->bd vs coord_convert"] = metres(bx, by, *ccv(cc.gcj2bd, gx, gy)).max()
    wx, wy = gcj02_to_wgs84(gx, gy)
    out["gcj->wgs iterative vs truth"] = metres(wx, wy, lon, lat).max()
    out["gcj->wgs one-step (prcoords.gcj_wgs) vs truth"] = metres(
        *prc(prcoords.gcj_wgs, gx, gy), lon, lat
    ).max()
    out["gcj->wgs prcoords.gcj_wgs_bored vs truth"] = metres(
        *prc(prcoords.gcj_wgs_bored, gx, gy), lon, lat
    ).max()
    out["gcj->wgs coord_convert.gcj2wgs vs truth"] = metres(
        *ccv(cc.gcj2wgs, gx, gy), lon, lat
    ).max()
    out["gcj->wgs iterative vs prcoords.gcj_wgs_bored"] = metres(
        wx, wy, *prc(prcoords.gcj_wgs_bored, gx, gy)
    ).max()
    out["gcj->wgs iterative vs coord_convert.gcj2wgs"] = metres(
        wx, wy, *ccv(cc.gcj2wgs, gx, gy)
    ).max()
    rx, ry = bd09_to_wgs84(bx, by)
    out["bd->wgs iterative vs truth"] = metres(rx, ry, lon, lat).max()
    out["bd->wgs coord_convert.bd2wgs vs truth"] = metres(
        *ccv(cc.bd2wgs, bx, by), lon, lat
    ).max()
    out["bd->wgs prcoords.bd_wgs_bored vs truth"] = metres(
        *prc(prcoords.bd_wgs_bored, bx, by), lon, lat
    ).max()
    return out


@pytest.fixture(scope="module")
def errors(points) -> dict[str, float]:
    return conversion_errors(*points)


def test_points_inside_both_boxes(points) -> None:
    lon, lat = points
    assert in_china(lon, lat).all()
    assert not any(cc.outOfChina(a, b) for a, b in zip(lon, lat, strict=True))
    assert all(
        prcoords.sanity_in_china_p(prcoords.Coords(b, a))
        for a, b in zip(lon, lat, strict=True)
    )


@pytest.mark.slow
def test_forward_matches_both_references(errors) -> None:
    assert errors["wgs->gcj vs prcoords"] < 1e-5
    assert errors["wgs->gcj vs coord_convert"] < 1e-5
    assert errors["gcj->bd vs prcoords"] < 1e-5
    assert errors["gcj->bd vs coord_convert"] < 1e-5


def test_gcj_offset_size(points) -> None:
    # the offset is hundreds of metres: a conversion that does nothing fails here
    lon, lat = points
    d = metres(*wgs84_to_gcj02(lon, lat), lon, lat)
    assert d.min() > 10
    assert np.median(d) > 100
    assert d.max() < 1000
    b = metres(*wgs84_to_bd09(lon, lat), lon, lat)
    assert np.median(b) > 500


@pytest.mark.slow
def test_iterative_inverse_beats_one_step(errors) -> None:
    ours = errors["gcj->wgs iterative vs truth"]
    one_step = errors["gcj->wgs one-step (prcoords.gcj_wgs) vs truth"]
    assert ours < 0.01
    assert one_step > 1.0  # metres of error left by the one-step approximation
    assert ours < one_step / 1000
    assert errors["gcj->wgs iterative vs prcoords.gcj_wgs_bored"] < 0.01
    assert errors["gcj->wgs iterative vs coord_convert.gcj2wgs"] < 0.01


def test_round_trips(points) -> None:
    lon, lat = points
    assert metres(*gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), lon, lat).max() < 0.01
    assert metres(*bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), lon, lat).max() < 0.01
    gx, gy = wgs84_to_gcj02(lon, lat)
    assert metres(*bd09_to_gcj02(*gcj02_to_bd09(gx, gy)), gx, gy).max() < 0.01


@pytest.mark.slow
def test_bd_inverse_against_references(errors) -> None:
    assert errors["bd->wgs iterative vs truth"] < 0.01
    assert (
        errors["bd->wgs iterative vs truth"]
        < errors["bd->wgs coord_convert.bd2wgs vs truth"]
    )


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (2.3522, 48.8566),  # Paris
        (139.6917, 35.6895),  # Tokyo: east of the box (137.8347)
        (-74.006, 40.7128),  # New York
        (151.2093, -33.8688),  # Sydney
        (72.0039, 30.0),  # just west of the box
        (100.0, 55.8272),  # just north of the box
        (100.0, 0.8292),  # just south of the box
        (137.8348, 40.0),  # just east of the box
    ],
)
def test_outside_china_unchanged(lon: float, lat: float) -> None:
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        x, y = fn([lon], [lat])
        assert (x[0], y[0]) == (lon, lat)
    assert cc.wgs2gcj(lon, lat) == (lon, lat)  # the reference agrees


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(72.004, 30.0), (137.8347, 40.0), (100.0, 0.8293), (100.0, 55.8271)],
)
def test_box_edges_are_inside(lon: float, lat: float) -> None:
    x, y = wgs84_to_gcj02([lon], [lat])
    assert (x[0], y[0]) != (lon, lat)
    rx, ry = ccv(cc.wgs2gcj, [lon], [lat])
    assert metres(x, y, rx, ry).max() < 1e-5


def test_seoul_is_inside_the_coarse_box() -> None:
    # the box is coarse: Seoul is shifted like every public converter does
    x, _ = wgs84_to_gcj02(126.978, 37.5665)
    assert x != 126.978


def test_shapes_scalars_and_nan() -> None:
    x, y = wgs84_to_gcj02(120.38, 36.07)
    assert x.shape == ()
    assert y.shape == ()
    grid_lon = np.full((2, 3), 120.38)
    grid_lat = np.full((2, 3), 36.07)
    gx, _gy = wgs84_to_gcj02(grid_lon, grid_lat)
    assert gx.shape == (2, 3)
    assert np.allclose(gx, x)
    nx, ny = gcj02_to_wgs84([np.nan, 120.38], [36.07, np.nan])
    assert np.isnan(nx[0])
    assert np.isnan(ny[1])
    bx, by = bd09_to_gcj02([np.inf], [36.0])
    assert np.isinf(bx[0])
    assert by[0] == 36.0
    lon_in = np.array([120.38])
    wgs84_to_gcj02(lon_in, np.array([36.07]))
    assert lon_in[0] == 120.38  # input not modified


def test_shape_mismatch() -> None:
    with pytest.raises(InputError, match="same shape"):
        wgs84_to_gcj02([120.0, 121.0], [36.0])
    with pytest.raises(InputError, match="same shape"):
        convert([1.0], [1.0, 2.0], source="gcj02")


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("WGS84", "wgs84"),
        ("wgs-84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("gcj_02", "gcj02"),
        ("Amap", "gcj02"),
        ("gaode", "gcj02"),
        ("tencent", "gcj02"),
        ("BD-09", "bd09"),
        (" baidu ", "bd09"),
    ],
)
def test_coord_system_aliases(name: str, system: str) -> None:
    assert coord_system(name) == system


def test_unknown_coord_system() -> None:
    with pytest.raises(CRSError, match="coordinate system must be one of"):
        coord_system("mars")
    with pytest.raises(InputError, match="got 'utm'"):
        convert([1.0], [1.0], source="utm")


def test_convert_dispatch(points) -> None:
    lon, lat = points[0][:50], points[1][:50]
    for source in ("wgs84", "gcj02", "bd09"):
        for target in ("wgs84", "gcj02", "bd09"):
            x, y = convert(lon, lat, source=source, target=target)
            bx, by = convert(x, y, source=target, target=source)
            assert metres(bx, by, lon, lat).max() < 0.01
    x, y = convert(lon, lat, source="amap")
    np.testing.assert_array_equal(x, gcj02_to_wgs84(lon, lat)[0])
    x, _ = convert(lon, lat, source="wgs84", target="wgs84")
    np.testing.assert_array_equal(x, lon)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (120.38, 36.07, 32651),  # Qingdao
        (116.40, 39.90, 32650),  # Beijing
        (121.47, 31.23, 32651),  # Shanghai
        (151.21, -33.87, 32756),  # Sydney
        (-46.63, -23.55, 32723),  # Sao Paulo
    ],
)
def test_local_metric_crs(lon: float, lat: float, epsg: int) -> None:
    rng = np.random.default_rng(1)
    xs = lon + rng.uniform(-0.05, 0.05, 100)
    ys = lat + rng.uniform(-0.05, 0.05, 100)
    assert local_metric_crs(xs, ys).to_epsg() == epsg


def test_local_metric_crs_ignores_nan_and_uses_the_median() -> None:
    lon = np.array([np.nan, 120.3, 120.4, 120.5, 116.0])
    lat = np.array([36.0, 36.0, 36.1, np.nan, 39.9])
    assert local_metric_crs(lon, lat).to_epsg() == 32651


def test_local_metric_crs_errors() -> None:
    with pytest.raises(CRSError, match="no point has finite coordinates"):
        local_metric_crs([np.nan], [np.nan])
    with pytest.raises(CRSError, match="no point has finite coordinates"):
        local_metric_crs([], [])
    with pytest.raises(CRSError, match="not longitude/latitude in degrees"):
        local_metric_crs([500_000.0, 501_000.0], [3_990_000.0, 3_991_000.0])
    with pytest.raises(InputError, match="same shape"):
        local_metric_crs([120.0], [36.0, 37.0])


def test_metric_xy_equals_geopandas_to_crs_and_keeps_missing_as_nan():
    rng = np.random.default_rng(3)
    pts = list(
        gpd.points_from_xy(rng.uniform(120.3, 120.5, 50), rng.uniform(36, 36.2, 50))
    )
    geoms = [*pts, None, Point(), box(120.3, 36.0, 120.32, 36.02)]
    x, y, metric = metric_xy(geoms, "EPSG:4326")
    assert metric.to_epsg() == 32651
    ref = gpd.GeoSeries(pts, crs=4326).to_crs(metric)
    ref_cen = gpd.GeoSeries(geoms, crs=4326).to_crs(metric).centroid
    np.testing.assert_allclose(x[:50], ref.x, rtol=0, atol=1e-6)
    np.testing.assert_allclose(y[:50], ref.y, rtol=0, atol=1e-6)
    assert np.isnan(x[50:52]).all()
    assert np.isnan(y[50:52]).all()
    # the centroid is taken before projecting: within centimetres here
    assert abs(x[52] - ref_cen.x.iloc[52]) < 0.05
    # a projected CRS is kept; an explicit metric CRS is used
    x2, _, same = metric_xy(list(ref), metric)
    assert same.equals(metric)
    np.testing.assert_array_equal(x2, ref.x.to_numpy())
    _, _, utm50 = metric_xy(pts, "EPSG:4326", metric="EPSG:32650")
    assert utm50.to_epsg() == 32650


def test_project_xy_equals_metric_xy_of_the_points_and_keeps_equal_crs_as_is():
    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(120.3, 120.5, 40), rng.uniform(36, 36.2, 40)
    lon[3], lat[3] = np.nan, np.nan
    x, y, metric = metric_xy(list(gpd.points_from_xy(lon, lat)), "EPSG:4326")
    px, py = project_xy(lon, lat, "EPSG:4326", metric)
    np.testing.assert_array_equal(px, x)  # the same transform, bit for bit
    np.testing.assert_array_equal(py, y)
    assert np.isnan(px[3])
    same_x, same_y = project_xy(x, y, metric, metric.to_epsg())
    assert same_x is x
    assert same_y is y


def test_metric_xy_needs_a_crs_and_a_located_point():
    with pytest.raises(CRSError, match="no CRS"):
        metric_xy([Point(1, 2)], None)
    with pytest.raises(CRSError, match="no point has finite coordinates"):
        metric_xy([None, Point()], "EPSG:4326")


def test_utm_zone_is_the_one_pyproj_finds_first():
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    rng = np.random.default_rng(5)
    edges = [
        (lon, lat)
        for lon in (-180.0, -6.0, 0.0, 6.0, 120.0, 180.0)
        for lat in (0.0, 10.0, -10.0)
    ]
    points = [*edges, (4.0, 60.0), (10.0, 75.0), (120.0, 84.0), (120.0, -80.0)]
    points += list(
        zip(rng.uniform(-180, 180, 40), rng.uniform(-80, 84, 40), strict=True)
    )
    for lon, lat in points:
        infos = query_utm_crs_info(
            datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
        )
        assert local_metric_crs([lon], [lat]).to_epsg() == int(infos[0].code), (
            lon,
            lat,
        )
    for lon, lat in [(120.0, 84.5), (120.0, -80.5)]:
        with pytest.raises(CRSError, match="no UTM zone covers"):
            local_metric_crs([lon], [lat])


# -- the one metric-CRS policy, for every distance-taking public function ------------


@pytest.mark.filterwarnings("ignore::hotspots.errors.HotspotsWarning")
def test_distance_functions_agree_with_the_policy_whatever_the_input_crs():
    """WGS-84, US feet (EPSG:2264) and Web Mercator inputs give the same results.

    Every distance is measured in the local UTM zone (metres): a CRS in feet
    is converted, never taken as metres, and Web Mercator (1.24x too long at
    36 degrees N) is never measured in.
    """
    from shapely.geometry import LineString

    from hotspots.read.boundaries import segment_streets, square_grid
    from hotspots.spatial.join import assign
    from hotspots.spatial.weights import spatial_weights

    utm = "EPSG:32651"
    x0, y0 = 264_000.0, 3_994_800.0
    streets = gpd.GeoDataFrame(
        {"street_id": ["A", "B"], "name": ["a", "b"]},
        geometry=[
            LineString([(x0, y0 + 170), (x0 + 430, y0 + 170)]),
            LineString([(x0 + 215, y0 - 40), (x0 + 215, y0 + 390)]),
        ],
        crs=utm,
    ).to_crs(4326)
    boundary = gpd.GeoSeries([Point(x0 + 233.7, y0 + 161.3).buffer(257.9)], crs=utm)
    boundary = boundary.to_crs(4326)
    rng = np.random.default_rng(16)
    pts = gpd.GeoDataFrame(
        {"report_id": [f"r{i}" for i in range(40)]},
        geometry=gpd.points_from_xy(
            x0 + rng.uniform(0, 430, 40), y0 + rng.uniform(-40, 390, 40)
        ),
        crs=utm,
    ).to_crs(4326)
    grid = square_grid(boundary, cell_size_m=100).to_crs(4326)
    segments = segment_streets(streets, max_length_m=100)

    results = []
    for crs in ("EPSG:4326", "EPSG:2264", "EPSG:3857"):
        seg = segment_streets(streets.to_crs(crs), max_length_m=100)
        joined = assign(
            pts.to_crs(crs), streets=segments.to_crs(crs), max_street_distance_m=60
        )
        w = spatial_weights(grid.to_crs(crs), "distance", distance_m=150)
        cells = square_grid(boundary.to_crs(crs), cell_size_m=100)
        results.append(
            (
                seg["segment_id"].tolist(),
                seg["length_m"].to_numpy(),
                joined["segment_id"].tolist(),
                joined["street_distance_m"].to_numpy(),
                w.sparse.toarray(),
                cells["grid_id"].tolist(),
                cells.crs.to_epsg(),
            )
        )
    first = results[0]
    assert first[6] == 32651
    assert len(first[0]) == 12  # 430 m streets cut at the crossing, then <= 100 m
    assert 0 < np.isfinite(first[3]).sum() < len(pts)
    for other in results[1:]:
        assert other[0] == first[0]
        np.testing.assert_allclose(other[1], first[1], rtol=1e-6)
        assert other[2] == first[2]
        np.testing.assert_allclose(other[3], first[3], rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(other[4], first[4])
        assert other[5] == first[5]
        assert other[6] == first[6]
