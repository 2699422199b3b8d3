"""The partitioned steps on Dask give the in-memory results."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
dask_geopandas = pytest.importorskip("dask_geopandas")

from hotspots.accountability.deadlines import TimeLimit, deadlines  # noqa: E402
from hotspots.accountability.scorecard import (  # noqa: E402
    scorecard,
    scorecard_combine,
    scorecard_partial,
)
from hotspots.compute import (  # noqa: E402
    assign_partitioned,
    blind_spots_partitioned,
    cube_partitioned,
    engine,
    read_partitioned,
    scorecard_partitioned,
)
from hotspots.errors import InputError  # noqa: E402
from hotspots.ledger.blindspots import blind_spots  # noqa: E402
from hotspots.read.boundaries import read_boundaries, segment_streets  # noqa: E402
from hotspots.read.reports import _load, read_reports  # noqa: E402
from hotspots.spatial.cube import space_time_cube  # noqa: E402
from hotspots.spatial.join import assign  # noqa: E402
from hotspots.stats.emerging import emerging_hotspots  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def cluster():
    with engine("dask", n_workers=2, threads_per_worker=1, processes=False) as e:
        yield e


@pytest.fixture(scope="session")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the sample's weekly CSV exports as one raw table (the cases exported
        # again when their status changed are quarantined as duplicates by
        # both paths alike)
        raw = pd.concat(
            [
                _load(csv, None, None, None, None, None).frame
                for csv in sorted((ROOT / "sample_data" / "exports").glob("*.csv"))
            ],
            ignore_index=True,
        )
        mem = read_reports(raw, coords="gcj02", on_error="quarantine")
        grid = read_boundaries(ROOT / "boundaries" / "grid.geojson", kind="grid")
        streets = read_boundaries(
            ROOT / "boundaries" / "streets.geojson", kind="streets"
        )
        segs = segment_streets(streets)
        assigned = assign(mem.reports, grid=grid, streets=segs)
    return raw, mem, grid, segs, assigned


def _dask_raw(raw, n):
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(raw, npartitions=n, sort=False)


def test_sample_district_identical(cluster, sample):
    raw, mem, grid, segs, assigned = sample
    read = read_partitioned(_dask_raw(raw, 4), coords="gcj02", on_error="quarantine")
    got = read.compute()
    pd.testing.assert_frame_equal(got.quarantined, mem.quarantined)
    pd.testing.assert_frame_equal(pd.DataFrame(got.reports), pd.DataFrame(mem.reports))
    counts = read.counts.compute()
    assert len(counts) == 4
    assert (counts["rows_read"] == counts["accepted"] + counts["quarantined"]).all()
    assert counts["rows_read"].sum() == read.rows_read == len(raw)
    ad = assign_partitioned(
        read.reports, grid=grid, streets=segs, client=cluster.client
    )
    pd.testing.assert_frame_equal(pd.DataFrame(ad.compute()), pd.DataFrame(assigned))
    pd.testing.assert_frame_equal(
        cube_partitioned(ad, grid), space_time_cube(assigned, grid)
    )
    pd.testing.assert_frame_equal(
        cube_partitioned(ad, grid, weight="weight", category="category"),
        space_time_cube(assigned, grid, weight="weight", category="category"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emerging = emerging_hotspots(assigned, grid)
        want = blind_spots(assigned, grid, emerging=emerging)
        got_bs = blind_spots_partitioned(ad, grid, emerging=emerging)
    pd.testing.assert_frame_equal(got_bs, want)


def _city(n, seed=1):
    """A synthetic city with duplicates across partitions and broken rows."""
    rng = np.random.default_rng(seed)
    x = 120.30 + rng.random(n) * 0.1
    y = 36.00 + rng.random(n) * 0.1
    x[5], y[5] = np.nan, np.nan  # missing coordinates
    x[7], y[7] = 36.05, 120.33  # swapped
    ids = np.array([f"R{i:07d}" for i in range(n)], dtype=object)
    ids[n - 3] = ids[2]  # a duplicate across partitions
    ids[n - 2] = ids[2]
    times = pd.Timestamp("2026-09-01", tz="Asia/Shanghai") + pd.to_timedelta(
        rng.integers(0, 70 * 86400, n), unit="s"
    )
    frame = gpd.GeoDataFrame(
        {
            "report_id": ids,
            "reported_at": times,
            "category": rng.choice(["乱停车", "暴露垃圾", "占道经营"], n),
            "status": rng.choice(["open", "closed"], n),
        },
        geometry=gpd.points_from_xy(x, y, crs="EPSG:4326"),
    )
    frame["reported_at"] = frame["reported_at"].astype(object)
    frame.loc[9, "reported_at"] = "not a time"
    frame["reported_at"] = frame["reported_at"].astype(str)
    return frame


def test_synthetic_city_parquet_identical(cluster, tmp_path):
    from hotspots.read.boundaries import square_grid

    city = _city(4000)
    folder = tmp_path / "city"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(city)), 3)):
        city.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    whole = tmp_path / "whole.parquet"
    city.to_parquet(whole)
    mem = read_reports(whole, on_error="quarantine")
    read = read_partitioned(folder, on_error="quarantine")
    got = read.compute()
    pd.testing.assert_frame_equal(got.quarantined, mem.quarantined)
    assert "duplicate report_id 'R0000002' (first in row 3)" in set(
        got.quarantined["reason"]
    )
    assert read.reports.npartitions == 3
    pd.testing.assert_frame_equal(pd.DataFrame(got.reports), pd.DataFrame(mem.reports))
    grid = square_grid(mem.reports.to_crs("EPSG:32651"), cell_size_m=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = assign(mem.reports, grid=grid)
    ad = assign_partitioned(read.reports, grid=grid)  # no client: graph broadcast
    pd.testing.assert_series_equal(ad.compute()["grid_id"], want["grid_id"])
    pd.testing.assert_frame_equal(
        cube_partitioned(ad, grid), space_time_cube(want, grid)
    )


def _cases(reports, grid, seed=3):
    """Cases of the synthetic city: assigned to cells, with closures and flags."""
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.DataFrame(assign(reports, grid=grid)).drop(columns="geometry")
    n = len(frame)
    closed = frame["status"].eq("closed").to_numpy()
    hours = pd.to_timedelta(rng.integers(1, 200, n), unit="h")
    frame["closed_at"] = frame["reported_at"].where(~closed) + hours
    frame.loc[~closed, "closed_at"] = pd.NaT
    frame["source"] = rng.choice(["inspector", "hotline", "camera", None], n)
    frame["comeback"] = rng.random(n) < 0.1
    frame.loc[frame.index[:40], "grid_id"] = None  # cases nobody owns: NA group
    limits = {c: TimeLimit(2, "working_days") for c in frame["category"].unique()}
    return deadlines(frame, limits, now="2026-11-20 12:00")


def test_scorecard_identical_on_a_city_with_duplicates_and_quarantine(
    cluster, tmp_path
):
    from hotspots.read.boundaries import square_grid

    city = _city(4000)
    folder = tmp_path / "city"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(city)), 3)):
        city.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    read = read_partitioned(folder, on_error="quarantine")
    got = read.compute()
    assert len(got.quarantined) >= 5  # duplicates, missing, swapped, bad time
    grid = square_grid(got.reports.to_crs("EPSG:32651"), cell_size_m=2000)
    cases = _cases(got.reports, grid)
    with dask.config.set({"dataframe.convert-string": False}):
        parts = dd.from_pandas(cases, npartitions=4, sort=False)
    options = [
        {"by": "grid_id"},
        {"by": "grid_id", "freq": "W-MON", "confidence": 0.9},
        {"by": ["category", "grid_id"], "window": ("2026-09-20", "2026-10-20")},
        # a window the last partitions have no case in
        {"by": "grid_id", "window": ("2026-09-01", "2026-09-03")},
    ]
    with distributed.get_task_stream(cluster.client) as ts:
        for kw in options:
            want = scorecard(cases, **kw)
            pd.testing.assert_frame_equal(scorecard_partitioned(parts, **kw), want)
            assert want["cases"].sum() > 0
    assert {t["worker"] for t in ts.data if "scorecard_partial" in str(t["key"])}
    # the counts per group add up over any cut of the cases
    cuts = np.array_split(np.arange(len(cases)), 7)
    combined = scorecard_combine(
        [scorecard_partial(cases.iloc[c], by="grid_id") for c in cuts]
    )
    pd.testing.assert_frame_equal(combined, scorecard(cases, by="grid_id"))
    assert combined["cases"].sum() == len(cases)
    assert combined["grid_id"].isna().sum() == 1
    with pytest.raises(InputError, match="cases must have the column 'unit_id'"):
        scorecard_partitioned(parts)
    with pytest.raises(TypeError, match="Dask DataFrame"):
        scorecard_partitioned(cases, by="grid_id")
    with pytest.raises(InputError, match="parts must be a non-empty list"):
        scorecard_combine([])


def test_raise_lists_rows_of_whole_source(cluster):
    city = _city(300)
    ddf = dask_geopandas.from_geopandas(city, npartitions=3)
    with pytest.raises(InputError) as err:
        read_partitioned(ddf)
    with pytest.raises(InputError) as want:
        read_reports(city)
    assert str(err.value) == str(want.value)


def test_bad_inputs():
    with pytest.raises(InputError, match="engine must be 'local' or 'dask'"):
        engine("spark")
    with pytest.raises(InputError, match="needs engine 'dask'"):
        engine("local", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InputError, match="like 'tcp://host:8786'"):
        engine("dask", scheduler="localhost")
    assert engine("local").client is None
    with pytest.raises(InputError, match=r"dask_geopandas\.from_geopandas"):
        read_partitioned(_city(10))
    with pytest.raises(TypeError, match=r"dask_geopandas\.GeoDataFrame"):
        assign_partitioned(_city(10))
    with pytest.raises(TypeError, match="Dask DataFrame"):
        cube_partitioned(_city(10), pd.DataFrame({"grid_id": ["a"]}))
    with pytest.raises(TypeError, match="Dask DataFrame"):
        blind_spots_partitioned(_city(10), pd.DataFrame({"grid_id": ["a"]}))
    with pytest.raises(InputError, match="do not exist"):
        read_partitioned("/nonexistent/reports.parquet")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_names_address():
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(
        InputError,
        match=f"cannot reach the Dask scheduler at '{address}'.*dask scheduler",
    ):
        engine("dask", scheduler=address, timeout_s=1)


@pytest.fixture(scope="module")
def remote():
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask_cli = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [
        subprocess.Popen(
            [
                *dask_cli,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                ":0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    for _ in range(2):
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_worker",
                    address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        e = engine("dask", scheduler=address, timeout_s=20)
        e.client.wait_for_workers(2, timeout=30)
        yield e, procs
        e.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait(timeout=10)


def test_remote_scheduler_and_worker_killed(remote, sample):
    e, procs = remote
    raw, _mem, grid, _segs, assigned = sample
    with e.client.as_current():
        read = read_partitioned(
            _dask_raw(raw, 6), coords="gcj02", on_error="quarantine"
        )
        ad = assign_partitioned(read.reports, grid=grid, client=e.client)
        want = space_time_cube(assigned, grid)
        pd.testing.assert_frame_equal(cube_partitioned(ad, grid), want)
        # kill one worker while the next run is in flight: retried on the other

        def _slow(part):  # nested: pickled by value (workers cannot import tests)
            time.sleep(0.4)
            return part

        future = e.client.compute(ad.map_partitions(_slow, meta=ad._meta))
        time.sleep(1.0)
        procs[1].kill()
        got = future.result(timeout=60)
    pd.testing.assert_series_equal(got["grid_id"], assigned["grid_id"])


def test_the_partitioned_metric_crs_is_the_one_policy_on_its_sample():
    from shapely.geometry import Point

    from hotspots._core.crs import metric_crs_for
    from hotspots.compute.partitioned import _metric_crs

    # points across two UTM zones (the median decides), one without
    # coordinates, in a CRS in US feet (converted, never used as metres)
    lon = np.r_[np.linspace(119.5, 121.5, 41), np.nan]
    pts = gpd.GeoDataFrame(
        geometry=[Point(x, 36.0) for x in lon], crs="EPSG:4326"
    ).to_crs(2264)
    chosen = _metric_crs(dask_geopandas.from_geopandas(pts, npartitions=3))
    assert chosen == metric_crs_for(pts)
    assert chosen.to_epsg() == 32651


# -- blind spots by partition ---------------------------------------------------------


def _ledger_city(tmp_path, n=4000):
    """Assigned reports of the synthetic city (duplicates and bad rows
    quarantined), with closures, sources, reopened cases, weights, reports
    without a cell, and closed problems that come back in a later partition."""
    from hotspots.read.boundaries import square_grid

    city = _city(n)
    folder = tmp_path / "ledger_city"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(city)), 3)):
        city.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    got = read_partitioned(folder, on_error="quarantine").compute()
    assert len(got.quarantined) >= 5  # duplicates, missing, swapped, bad time
    reports = got.reports.reset_index(drop=True)
    rng = np.random.default_rng(7)
    m = len(reports)
    t = reports["reported_at"]
    closed = rng.random(m) < 0.6
    reports["closed_at"] = (t + pd.to_timedelta(rng.integers(1, 400, m), "h")).where(
        closed
    )
    reports["status"] = np.where(
        closed, "closed", rng.choice(["open", "dispatched", "reopened"], m)
    )
    reports["source"] = rng.choice(
        ["inspector", "camera", "hotline", "evaluation", None], m
    )
    reports["weight"] = rng.choice([0.5, 1.0, 1.5, np.nan], m)
    # 40 problems closed in the first partition come back (3 m away, same
    # category, 2 days after the close) among the last partition's rows
    first, last = np.arange(40), np.arange(m - 40, m)
    x, y = reports.geometry.x.to_numpy().copy(), reports.geometry.y.to_numpy().copy()
    x[last], y[last] = x[first] + 0.00003, y[first]
    reports["geometry"] = gpd.points_from_xy(x, y, crs="EPSG:4326")
    end = pd.Timestamp("2026-11-01", tz="Asia/Shanghai")
    back = end - pd.to_timedelta(rng.integers(1, 40, 40), "D")
    reports.loc[first, "reported_at"] = back - pd.Timedelta(days=4)
    reports.loc[first, "closed_at"] = back - pd.Timedelta(days=2)
    reports.loc[first, "status"] = "closed"
    reports.loc[last, "reported_at"] = back
    reports.loc[last, "category"] = reports.loc[first, "category"].to_numpy()
    grid = square_grid(reports.to_crs("EPSG:32651"), cell_size_m=1500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assigned = assign(reports, grid=grid)
    assigned.loc[assigned.index[100:120], "grid_id"] = None  # left out
    return assigned, grid


def _left_out_messages(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run()
    return out, [str(w.message) for w in caught]


def test_blind_spots_identical_on_a_city_with_comebacks_across_partitions(
    cluster, tmp_path
):
    from hotspots.ledger.blindspots import COMEBACKS

    assigned, grid = _ledger_city(tmp_path)
    emerging = emerging_hotspots(assigned[assigned["grid_id"].notna()], grid)
    parts = dask_geopandas.from_geopandas(assigned, npartitions=4, sort=False)
    options = [
        {},
        {"as_of": "2026-10-20 12:00", "periods": 4, "category_weights": {"乱停车": 3}},
        {"comeback_distance_m": None, "freq": "D", "periods": 30},
        {"comeback_distance_m": 50.0, "late_days": 2, "comeback_days": 7},
        # a window none of the reports is in
        {"as_of": "2026-08-01", "periods": 2},
    ]
    with cluster.client.as_current(), distributed.get_task_stream(cluster.client) as ts:
        for kw in options:
            want, want_warned = _left_out_messages(
                lambda kw=kw: blind_spots(assigned, grid, emerging=emerging, **kw)
            )
            got, got_warned = _left_out_messages(
                lambda kw=kw: blind_spots_partitioned(
                    parts, grid, emerging=emerging, **kw
                )
            )
            pd.testing.assert_frame_equal(got, want)
            assert got.attrs == want.attrs
            assert got_warned == want_warned
            assert any("20 with no unit" in w for w in want_warned)
    assert {t["worker"] for t in ts.data if "blind_spots_partial" in str(t["key"])}
    ledger, _ = _left_out_messages(
        lambda: blind_spots(assigned, grid, emerging=emerging)
    )
    assert ledger[COMEBACKS].sum() >= 40  # the planted ones at least
    assert (ledger["n_reports"] > 0).sum() > 10


def test_blind_spots_combine_of_any_cut_equals_the_whole(tmp_path, monkeypatch):
    from hotspots._core.crs import geometry_xy
    from hotspots.ledger import blindspots
    from hotspots.ledger.blindspots import (
        blind_spots_combine,
        blind_spots_extent,
        blind_spots_partial,
    )

    assigned, grid = _ledger_city(tmp_path, n=1500)
    emerging = emerging_hotspots(assigned[assigned["grid_id"].notna()], grid)
    # a small zone sample: the parts' samples are taken at the whole's positions
    monkeypatch.setattr(blindspots, "ZONE_SAMPLE", 97)
    as_of = pd.Timestamp("2026-10-25", tz="Asia/Shanghai")
    kw = {"as_of": as_of, "category_weights": {"暴露垃圾": 2.5}}
    cuts = np.array_split(np.arange(len(assigned)), 7)
    extents = [blind_spots_extent(assigned.iloc[c], grid, as_of=as_of) for c in cuts]
    sizes = [e[1] for e in extents]
    firsts = np.r_[0, np.cumsum(sizes)[:-1]]
    parts = [
        blind_spots_partial(
            assigned.iloc[c], grid, **kw, history=(int(f), int(sum(sizes)))
        )
        for c, f in zip(cuts, firsts, strict=True)
    ]
    whole = blind_spots_partial(assigned, grid, **kw)
    zone = np.concatenate([p.zone for p in parts])
    np.testing.assert_array_equal(zone, whole.zone)
    times = assigned["reported_at"]
    history = assigned[(times <= as_of) & assigned["grid_id"].notna()]
    step = -(-len(history) // 97)
    x, y = geometry_xy(history.geometry.to_numpy()[::step])
    np.testing.assert_array_equal(zone, np.column_stack((x, y)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        combined = blind_spots_combine(parts, grid, emerging=emerging)
        want = blind_spots(assigned, grid, emerging=emerging, **kw)
    pd.testing.assert_frame_equal(combined, want)
    assert sum(p.n_history for p in parts) == len(history)
    assert sum(len(p.cases) for p in parts) == len(whole.cases)


def test_blind_spots_partitioned_bad_inputs(tmp_path):
    from hotspots.ledger.blindspots import blind_spots_combine, blind_spots_partial

    city = _city(60)
    city["grid_id"] = "a"
    city["reported_at"] = pd.Timestamp("2026-11-03 09:00", tz="Asia/Shanghai")
    cells = gpd.GeoDataFrame(
        {"grid_id": ["a"]}, geometry=gpd.points_from_xy([120.3], [36.0]).buffer(1)
    )
    parts = dask_geopandas.from_geopandas(city, npartitions=2)
    emerging = pd.DataFrame({"grid_id": ["a"], "pattern": ["no_pattern"]})
    with pytest.raises(InputError, match="needs emerging="):
        blind_spots_partitioned(parts, cells)
    with pytest.raises(InputError, match="periods must be"):
        blind_spots_partitioned(parts, cells, emerging=emerging, periods=0)
    with pytest.raises(InputError, match="reports must have the column 'segment_id'"):
        blind_spots_partitioned(parts, cells, emerging=emerging, unit="segment_id")
    with pytest.raises(InputError, match="BlindSpotWeights"):
        blind_spots_partitioned(parts, cells, emerging=emerging, weights={"a": 1})
    with pytest.raises(InputError, match="parts must be a non-empty list"):
        blind_spots_combine([], cells, emerging=emerging)
    one = blind_spots_partial(city, cells)
    other = blind_spots_partial(city, cells, periods=3)
    with pytest.raises(InputError, match="same arguments"):
        blind_spots_combine([one, other], cells, emerging=emerging)
    with pytest.raises(InputError, match="the 1 units the parts were made with"):
        blind_spots_combine(
            [one], pd.concat([cells, cells.assign(grid_id="b")]), emerging=emerging
        )
    with pytest.raises(InputError, match="emerging must be the result"):
        blind_spots_combine([one], cells, emerging=None)
    with pytest.raises(InputError, match=r"history must be None or \(first, total\)"):
        blind_spots_partial(city, cells, history=(-1, 5))
    ledger = blind_spots_combine([one], cells, emerging=emerging)
    assert ledger["n_reports"].tolist() == [60]


# -- the first pass reads 2-D points straight from their WKB --------------------------


def _wkb_values():
    from shapely.geometry import LineString, Point

    geoms = [
        Point(120.3, 36.1),
        Point(),  # empty: NaN coordinates in WKB
        None,
        Point(1.5, 2.5, 3.5),  # 3-D
        LineString([(0, 0), (1, 1)]),
        Point(-0.0, 1e300),
        Point(np.inf, 1.0),
    ]
    wkb = list(shapely.to_wkb(np.array(geoms, dtype=object)))
    wkb.append(shapely.to_wkb(Point(7.25, -3.5), byte_order=0))  # big endian
    wkb.append(shapely.to_wkb(Point(np.nan, 2.0)))
    wkb.append(shapely.to_wkb(Point(8.0, 9.0), flavor="iso"))
    return wkb


@pytest.mark.parametrize("kind", ["binary", "large_binary"])
@pytest.mark.parametrize("uniform", [True, False])
def test_point_wkb_read_with_numpy_is_what_shapely_reads(kind, uniform):
    import pyarrow as pa

    from hotspots.compute.partitioned import _point_xy

    rng = np.random.default_rng(4)
    points = shapely.points(rng.random((300, 2)) * 180 - 90)
    wkb = list(shapely.to_wkb(points))
    if not uniform:  # every kind of value, nulls, other sizes, at random places
        mixed = _wkb_values()
        for k, v in enumerate(mixed):
            wkb.insert(k * 37, v)
    values = pa.array(wkb, type=getattr(pa, kind)()).slice(3)  # an offset too
    x, y, decoded = _point_xy(values)
    geoms = shapely.from_wkb(values.to_numpy(zero_copy_only=False))
    point = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) == 0)
    point &= ~shapely.is_empty(geoms) & (shapely.get_coordinate_dimension(geoms) == 2)
    want_x, want_y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    want_x[point], want_y[point] = (
        shapely.get_x(geoms[point]),
        shapely.get_y(geoms[point]),
    )
    finite = np.isfinite(want_x) & np.isfinite(want_y)
    little = np.array([v is not None and v[0] == 1 for v in values.to_pylist()])
    # the rest (big endian too) goes to shapely
    np.testing.assert_array_equal(decoded, finite & little)
    assert (finite & ~little).sum() == (0 if uniform else 1)
    np.testing.assert_array_equal(x[decoded], want_x[decoded])
    np.testing.assert_array_equal(y[decoded], want_y[decoded])
    assert np.isnan(x[~decoded]).all()
    if not uniform:
        assert (~decoded).sum() == 7  # all but the finite 2-D points
        assert decoded.sum() == len(values) - 7
    empty = pa.array([], type=pa.binary())
    assert [len(a) for a in _point_xy(empty)] == [0, 0, 0]
    nulls = pa.array([None, None], type=pa.binary())
    assert not _point_xy(nulls)[2].any()


def test_read_parquet_with_every_kind_of_geometry_is_read_reports(tmp_path):
    from shapely.geometry import LineString, Point

    city = _city(900)
    geoms = city.geometry.to_numpy().copy()
    geoms[[11, 500]] = None
    geoms[[12, 620]] = Point()
    geoms[13] = Point(120.35, 36.05, 4.0)
    geoms[[14, 888]] = LineString([(120.3, 36.0), (120.31, 36.01)])
    geoms[15] = Point(np.nan, 36.0)
    city = city.set_geometry(gpd.GeoSeries(geoms, crs="EPSG:4326"))
    folder = tmp_path / "kinds"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(city)), 3)):
        city.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    city.to_parquet(tmp_path / "whole.parquet")
    mem = read_reports(tmp_path / "whole.parquet", on_error="quarantine")
    got = read_partitioned(folder, on_error="quarantine").compute()
    pd.testing.assert_frame_equal(got.quarantined, mem.quarantined)
    pd.testing.assert_frame_equal(pd.DataFrame(got.reports), pd.DataFrame(mem.reports))
    assert len(mem.quarantined) >= 10
    # in another CRS every value is decoded with shapely, as read_reports does
    utm = city.to_crs("EPSG:32651")
    other = tmp_path / "utm"
    other.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(utm)), 3)):
        utm.iloc[part].to_parquet(other / f"part.{k}.parquet")
    utm.to_parquet(tmp_path / "utm.parquet")
    mem = read_reports(tmp_path / "utm.parquet", on_error="quarantine")
    got = read_partitioned(other, on_error="quarantine").compute()
    pd.testing.assert_frame_equal(got.quarantined, mem.quarantined)
    pd.testing.assert_frame_equal(pd.DataFrame(got.reports), pd.DataFrame(mem.reports))


def test_points_validated_from_their_wkb_are_read_reports(tmp_path, monkeypatch):
    from hotspots.compute import partitioned

    city = _city(1200)
    # no odd geometry: every partition validated from the WKB (x[7], y[7]
    # swapped, a duplicate id, a bad time: quarantined with their geometry)
    city = city.drop(index=[5]).reset_index(drop=True)
    folder = tmp_path / "points"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(city)), 3)):
        city.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    city.to_parquet(tmp_path / "whole.parquet")
    decoded = []
    geo_part = partitioned._geo_part
    monkeypatch.setattr(
        partitioned, "_geo_part", lambda *a: decoded.append(1) or geo_part(*a)
    )
    with dask.config.set(scheduler="sync"):
        got = read_partitioned(folder, on_error="quarantine").compute()
    mem = read_reports(tmp_path / "whole.parquet", on_error="quarantine")
    assert not decoded  # no partition built a geometry per row
    pd.testing.assert_frame_equal(got.quarantined, mem.quarantined)
    pd.testing.assert_frame_equal(pd.DataFrame(got.reports), pd.DataFrame(mem.reports))
    assert len(mem.quarantined) >= 4
    assert isinstance(got.quarantined["geometry"].dtype, gpd.array.GeometryDtype)


@pytest.mark.slow
def test_a_million_report_city_is_identical_on_the_cluster(cluster, tmp_path):
    """Issue 20: quarantine, assignments, cube and blind-spot ranks at 1M reports."""
    from hotspots.read.boundaries import square_grid

    city = _city(1_000_000, seed=5)
    folder = tmp_path / "million"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(city)), 4)):
        city.iloc[part].to_parquet(folder / f"part.{k}.parquet")
    whole = tmp_path / "million.parquet"
    city.to_parquet(whole)
    # the cluster's client, whatever client an earlier test left as the default
    with warnings.catch_warnings(), cluster.client.as_current():
        warnings.simplefilter("ignore")
        mem = read_reports(whole, on_error="quarantine")
        read = read_partitioned(folder, on_error="quarantine")
        got = read.compute()
        pd.testing.assert_frame_equal(got.quarantined, mem.quarantined)
        assert len(mem.quarantined) == 5  # missing, swapped, bad time, 2 duplicates
        grid = square_grid(mem.reports.to_crs("EPSG:32651"), cell_size_m=250)
        want = assign(mem.reports, grid=grid)
        parts = assign_partitioned(read.reports, grid=grid, client=cluster.client)
        pd.testing.assert_frame_equal(
            pd.DataFrame(parts.compute()).reset_index(drop=True),
            pd.DataFrame(want).reset_index(drop=True),
        )
        cube = space_time_cube(want, grid)
        pd.testing.assert_frame_equal(cube_partitioned(parts, grid), cube)
        emerging = emerging_hotspots(cube, grid)
        ranked = blind_spots(want, grid, emerging=emerging)
        ranked_dask = blind_spots_partitioned(parts, grid, emerging=emerging)
    assert len(grid) > 1500
    assert (ranked["score"] > 0).sum() > 1000
    pd.testing.assert_frame_equal(ranked_dask, ranked)
