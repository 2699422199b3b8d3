"""The validation kit (hotspots._core.validate): each check's fine and failing cases."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import LineString, Point, box

from hotspots._core import validate as v
from hotspots._core.crs import ZONE_SAMPLE, metric_crs_for
from hotspots._core.labels import language_problem
from hotspots.errors import CRSError, InputError
from hotspots.spatial.weights import default_weights


@pytest.mark.parametrize(
    ("value", "real"),
    [(1, True), (1.5, True), (np.int64(2), True), (np.float32(2), True),
     (True, False), (np.bool_(True), False), ("1", False), (None, False)],
)  # fmt: skip
def test_is_real_refuses_bools_and_text(value: object, real: bool) -> None:
    assert v.is_real(value) is real


def test_type_checks_raise_type_errors_naming_the_argument() -> None:
    v.require_real(3.5, "eps", example="eps=150")
    v.require_int(np.int64(3), "k", example="k=8")
    with pytest.raises(
        TypeError, match=r"eps must be a number, got '3' of type str\. "
    ):
        v.require_real("3", "eps", example="eps=150")
    with pytest.raises(TypeError, match="k must be an int, got True"):
        v.require_int(True, "k", example="k=8")
    with pytest.raises(TypeError, match=r"Pass e\.g\. k=8"):
        v.require_int(2.0, "k", example="k=8")


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "5"])
def test_positive_number(bad: object) -> None:
    assert v.positive_number(0.1, "d", example="d=5") is None
    problem = v.positive_number(bad, "d", example="d=5", unit="metres")
    assert (
        problem == f"d must be a positive number of metres, got {bad!r}. Pass e.g. d=5."
    )


def test_non_negative_and_probability() -> None:
    assert v.non_negative_number(0, "r", example="r=0") is None
    assert "finite number >= 0" in str(v.non_negative_number(-0.1, "r", example="r=0"))
    assert v.probability(0.5, "alpha", example="alpha=0.05") is None
    for bad in (0, 1, 1.5, float("nan")):
        assert "between 0 and 1" in str(v.probability(bad, "alpha", example="a"))


def test_whole_number_bounds() -> None:
    assert v.whole_number(1, "k", example="k=8") is None
    assert v.whole_number(24, "h", example="h=2", minimum=1, maximum=24) is None
    assert v.whole_number(0, "k", example="k=8") == (
        "k must be a whole number >= 1, got 0. Pass e.g. k=8."
    )
    assert "from 1 to 24, got 25" in str(
        v.whole_number(25, "h", example="h=2", minimum=1, maximum=24)
    )
    assert v.whole_number(2.0, "k", example="k=8") is not None  # a float is not whole
    assert v.whole_number(True, "k", example="k=8") is not None


def test_one_of_lists_the_choices_and_survives_unhashable_values() -> None:
    assert v.one_of("W-MON", "freq", ("W-MON", "D")) is None
    assert v.one_of(["W-MON"], "freq", ("W-MON", "D")) == (
        "freq must be one of 'W-MON', 'D', got ['W-MON']."
    )


def test_frame_checks() -> None:
    frame = pd.DataFrame({"a": [1]})
    assert v.require_frame(frame, "x") is frame
    with pytest.raises(TypeError, match="x must be a DataFrame, got list"):
        v.require_frame([1], "x")
    with pytest.raises(TypeError, match="x must be a GeoDataFrame, got DataFrame"):
        v.require_geoframe(frame, "x")
    with pytest.raises(CRSError, match="x has no CRS"):
        v.require_geoframe(gpd.GeoDataFrame(geometry=[Point(0, 0)]), "x")
    assert v.missing_columns(frame, ["a"], "x", fix="Fix.") is None
    assert v.missing_columns(frame, ["a", "b"], "x", fix="Fix.") == (
        "x is missing column(s) ['b']. Fix."
    )


def test_unit_ids() -> None:
    units = pd.DataFrame({"grid_id": ["a", "b", "b", None, "c", "c"]})
    assert v.unit_column(units, "grid_id") is None
    assert "unit must name the id column of units, got 'cell'" in str(
        v.unit_column(units, "cell")
    )
    assert v.unique_ids(pd.Index(["a", "b"]), "units['grid_id']") is None
    assert v.unique_ids(units["grid_id"], "units['grid_id']") == (
        "units['grid_id'] must hold unique, non-missing ids, got 1 missing and 2 "
        "duplicated such as ['b', 'c']. Keep one row per unit with its id."
    )


def test_index_examples_stop_at_five() -> None:
    index = pd.Index(range(10))
    assert v.index_examples(index, index.to_numpy() < 2) == "0, 1"
    assert v.index_examples(index, index.to_numpy() < 9).endswith("4, ...")


def test_crs_checks() -> None:
    assert v.parse_crs(4326).to_epsg() == 4326
    with pytest.raises(CRSError, match="coords must be a CRS pyproj understands"):
        v.parse_crs("EPSG:999999", "coords")
    assert v.parse_metric_crs("EPSG:32651").to_epsg() == 32651
    for not_metres in ("EPSG:4326", "EPSG:2264"):  # degrees; US survey feet
        with pytest.raises(CRSError, match="projected CRS in metres"):
            v.parse_metric_crs(not_metres)
    assert v.is_metric(v.parse_crs(3857))
    assert not v.is_metric(v.parse_crs(2264))


def test_time_zone() -> None:
    assert v.time_zone("Asia/Shanghai") is None
    assert v.time_zone("UTC") is None
    for bad in ("Asia", "", None, 8, "../etc/passwd"):
        assert "IANA timezone" in str(v.time_zone(bad))


def test_local_time_reads_naive_values_in_the_zone_and_keeps_aware_ones() -> None:
    naive, problem = v.local_time("2026-11-23 09:00", "as_of", tz="Asia/Shanghai")
    assert problem is None
    assert naive == pd.Timestamp("2026-11-23 01:00", tz="UTC")
    aware, _ = v.local_time(
        dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), "as_of", tz="Asia/Shanghai"
    )
    assert str(aware.tz) == "UTC"
    # an unknown zone is the zone check's problem: the value is still read
    stamp, problem = v.local_time("2026-11-23", "as_of", tz="Mars/Base")
    assert problem is None
    assert str(stamp.tz) == "Asia/Shanghai"
    for bad in (None, "soon", pd.NaT):
        stamp, problem = v.local_time(bad, "as_of", tz="Asia/Shanghai")
        assert stamp is None
        assert (
            problem
            == f"as_of must be a timestamp, got {bad!r}. Pass e.g. as_of='2026-11-23'."
        )
    with pytest.raises(InputError, match="now must be a timestamp, got 'soon'"):
        v.require_local_time("soon", "now", tz="Asia/Shanghai")


def test_language_problem() -> None:
    assert language_problem("zh") is None
    assert language_problem("en") is None
    assert language_problem(["en"]) is not None
    assert language_problem("fr", "style.language") == (
        "style.language must be 'zh' or 'en', got 'fr'. Pass language='en' for English."
    )


def test_metric_crs_policy_on_large_and_awkward_data() -> None:
    rng = np.random.default_rng(0)
    n = ZONE_SAMPLE * 3 + 7  # sampled evenly: the zone is still the data's
    pts = gpd.GeoSeries(
        gpd.points_from_xy(rng.uniform(120.2, 120.5, n), rng.uniform(36.0, 36.2, n)),
        crs=4326,
    )
    assert metric_crs_for(pts).to_epsg() == 32651
    frame = gpd.GeoDataFrame({"name": ["x"] * 2}, geometry=[Point(116.4, 39.9), None])
    assert metric_crs_for(frame.set_crs(4326)).to_epsg() == 32650  # Beijing
    lines = gpd.GeoSeries([LineString([(126.5, 45.7), (126.7, 45.8)])], crs=4326)
    assert metric_crs_for(lines).to_epsg() == 32652  # Harbin, from its centroid
    with pytest.raises(CRSError, match="has no CRS"):
        metric_crs_for(gpd.GeoSeries([Point(120, 36)]))
    with pytest.raises(CRSError, match="no point has finite coordinates"):
        metric_crs_for(gpd.GeoSeries([None, Point()], crs=4326))
    with pytest.raises(CRSError, match="projected CRS in metres"):
        metric_crs_for(pts, metric_crs="EPSG:2264")


def test_default_weights_is_network_only_for_street_segments() -> None:
    seg = gpd.GeoDataFrame(
        {"u": [0, 1], "v": [1, 2]},
        geometry=[LineString([(0, 0), (1, 0)]), LineString([(1, 0), (1, 1)])],
        crs=32651,
    )
    assert default_weights(seg) == "network"
    assert default_weights(seg.drop(columns="v")) == "queen"
    cells = seg.set_geometry([box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=32651)
    assert default_weights(cells) == "queen"  # u/v columns, but not lines
    assert default_weights(seg.iloc[:0]) == "queen"


def test_metric_xy_refuses_a_metric_crs_in_feet() -> None:
    from hotspots._core.crs import metric_xy

    with pytest.raises(CRSError, match="metric must be a projected CRS in metres"):
        metric_xy([Point(120.38, 36.07)], "EPSG:4326", metric="EPSG:2264")


def test_collector_paused_restores_the_collector_after_an_error() -> None:
    import gc

    from hotspots._core.objects import collector_paused

    seen = []

    def fails() -> None:
        with collector_paused():
            seen.append(gc.isenabled())
            msg = "boom"
            raise ValueError(msg)

    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"):
        fails()
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()  # a caller that had paused it keeps it paused
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("crs", "lon", "lat"),
    [
        (4326, (119.95, 120.05), (36.0, 36.2)),  # straddles the zone line at 120
        (4326, (116.3, 116.5), (39.8, 40.0)),
        ("EPSG:2264", (119.95, 120.05), (36.0, 36.2)),  # US feet: converted
        ("EPSG:3857", (126.5, 126.7), (45.7, 45.8)),
    ],
)
@pytest.mark.parametrize("n", [5, ZONE_SAMPLE * 2 + 3])
def test_metric_crs_for_xy_equals_metric_crs_for_the_points(
    crs: object, lon: tuple[float, float], lat: tuple[float, float], n: int
) -> None:
    import shapely

    from hotspots._core.crs import metric_crs_for_xy

    rng = np.random.default_rng(n)
    x, y = rng.uniform(*lon, n), rng.uniform(*lat, n)
    x[::3] = np.nan  # missing points are left out by both
    y[1::7] = np.inf
    x[:2] = lon[0] - 5.0  # outliers the median ignores
    if crs != 4326:
        x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(x, y)
    pts = gpd.GeoSeries(shapely.points(x, y), crs=crs)
    assert metric_crs_for_xy(x, y, crs=crs) == metric_crs_for(pts)
    with pytest.raises(CRSError, match="has no CRS"):
        metric_crs_for_xy(x, y, crs=None)
    with pytest.raises(CRSError, match="no point has finite coordinates"):
        metric_crs_for_xy([np.nan], [36.0], crs=crs)


def _positions_reference(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Each value's position in ids, one lookup per value (-1: NA or unknown)."""
    where = {v: i for i, v in enumerate(ids.tolist())}
    return np.array(
        [-1 if pd.isna(v) else where.get(v, -1) for v in values.tolist()],
        dtype=np.int64,
    )


@pytest.mark.parametrize("storage", ["str", "object", "large", "chunked"])
def test_positions_equal_a_lookup_per_value(storage: str) -> None:
    import pyarrow as pa

    from hotspots._core.lookup import positions

    ids = pd.Index(["G1", "网格2", "", "g1", "G10", "A&B<c>"], dtype="str")
    raw = ["网格2", None, "", "G1 ", "G10", "nope", "A&B<c>", "g1", "G1", None]
    if storage == "str":
        values = pd.Series(raw, dtype="str")
    elif storage == "object":
        values = pd.Series(raw, dtype=object)
    elif storage == "large":
        arr = pa.array(raw, pa.large_string())
        values = pd.Series(pd.arrays.ArrowStringArray(arr))
    else:  # several Arrow chunks, as a ledger read gives
        chunks = pa.chunked_array([raw[:3], raw[3:7], raw[7:]], pa.string())
        values = pd.Series(pd.arrays.ArrowStringArray(chunks))
    got = positions(values, ids)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, _positions_reference(values, ids))
    np.testing.assert_array_equal(
        positions(values, pd.Index(ids.tolist(), dtype=object)),
        _positions_reference(values, ids),
    )
    assert positions(values.iloc[:0], ids).tolist() == []
    np.testing.assert_array_equal(
        positions(pd.Series([5, 1, 7, 1]), pd.Index([1, 5])), [1, 0, -1, 0]
    )
