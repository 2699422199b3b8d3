"""Time hotspots.spatial.join.assign against geopandas.sjoin / sjoin_nearest.

Runs, in one process, on synthetic data in UTM 51N (Qingdao):

1. 1,000,000 reports into a regular 300 x 300 (90,000-cell) square grid
   (``square_grid``, joined by arithmetic) vs ``sjoin(predicate="within")``;
2. 1,000,000 reports into 10,000 irregular polygons (Voronoi cells) vs
   ``sjoin(predicate="within")``;
3. 1,000,000 reports to the nearest of ~50,000 street segments within 30 m
   vs ``sjoin_nearest(max_distance=30)``, and ``nearest_segments`` alone vs
   the previous method (bulk ``STRtree.query(predicate="dwithin")``, GEOS
   distance per candidate pair, lexsort per report), checking that positions
   and distance bits are identical;

checking that the assignments are identical row for row (geopandas' result
reduced with the same tie rules), and printing the median of ``--repeats``
timings and the ratios. Then the peak memory of ``assign`` for 250k, 500k
and 1M reports, each measured in a fresh subprocess (peak RSS above the RSS
before the call).

With ``--arrays PATH``, also times ``nearest_segments`` against the previous
method on a pickled tuple ``(x, y, mx, my, segments, grid_polygons, crs)`` of
real data (``mx, my`` metric report coordinates, ``segments`` LineStrings in
the same CRS), within 30 m.

Usage: ``nice .venv/bin/python benchmarks/bench_join.py [--n 1000000] [--repeats 3]
[--arrays PATH]``
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.errors import ReportsLeftOutWarning
from hotspots.read.boundaries import segment_streets, square_grid
from hotspots.spatial.join import assign, nearest_segments

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0
SIDE = 30_000.0  # 300 cells of 100 m


def reports(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(-50, SIDE + 50, n)
    y = Y0 + rng.uniform(-50, SIDE + 50, n)
    # a share exactly on cell edges and vertices, the hard cases
    k = n // 100
    x[:k] = X0 + 100.0 * rng.integers(0, 301, k)
    y[k : 2 * k] = Y0 + 100.0 * rng.integers(0, 301, k)
    return gpd.GeoDataFrame(
        {"report_id": pd.Series(np.arange(n).astype(str), dtype="str")},
        geometry=gpd.points_from_xy(x, y),
        crs=CRS,
    )


def voronoi(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    frame = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    seeds = shapely.multipoints(
        np.c_[X0 + rng.uniform(0, SIDE, n), Y0 + rng.uniform(0, SIDE, n)]
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))
    cells = shapely.intersection(cells, frame)
    return gpd.GeoDataFrame(
        {"grid_id": pd.Series([f"V{i:05d}" for i in range(len(cells))], dtype="str")},
        geometry=cells,
        crs=CRS,
    )


def street_network(seed: int = 2) -> gpd.GeoDataFrame:
    """Jittered lattice of streets every 270 m, cut into ~50,000 segments."""
    rng = np.random.default_rng(seed)
    lines, ids = [], []
    ticks = np.arange(0.0, SIDE + 1, 270.0)
    along = np.arange(0.0, SIDE + 1, 150.0)
    for k, t in enumerate(ticks):
        jit = rng.normal(0, 8, len(along))
        lines.append(shapely.linestrings(X0 + along, Y0 + t + jit))
        ids.append(f"H{k:03d}")
        jit = rng.normal(0, 8, len(along))
        lines.append(shapely.linestrings(X0 + t + jit, Y0 + along))
        ids.append(f"V{k:03d}")
    streets = gpd.GeoDataFrame(
        {
            "street_id": ids,
            "name": [f"路{i}" for i in ids],
            "street_class": "secondary",
            "oneway": False,
        },
        geometry=lines,
        crs=CRS,
    )
    return segment_streets(streets, max_length_m=150)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def quiet_assign(r: gpd.GeoDataFrame, **kw: Any) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReportsLeftOutWarning)
        return assign(r, **kw)


def expected_within(r: gpd.GeoDataFrame, g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.sjoin(r, g, predicate="within", how="left")


def check_within(
    got: gpd.GeoDataFrame,
    joined: gpd.GeoDataFrame,
    r: gpd.GeoDataFrame,
    g: gpd.GeoDataFrame,
) -> str:
    """Same as sjoin within for interior points; tie rule for boundary points."""
    j = joined[joined["index_right"].notna()]
    first = (
        j.sort_values("index_right", kind="stable")
        .groupby(level=0)["grid_id_right"]
        .first()
    )
    exp = pd.Series(pd.NA, index=r.index, dtype="object")
    exp.loc[first.index] = first.to_numpy()
    # boundary-only points: first polygon in row order that covers them
    rest = exp.isna().to_numpy()
    cov = gpd.sjoin(r[rest], g, predicate="covered_by", how="inner")
    cov_first = (
        cov.sort_values("index_right", kind="stable")
        .groupby(level=0)["grid_id"]
        .first()
    )
    exp.loc[cov_first.index] = cov_first.to_numpy()
    same = (got["grid_id"].astype("object").fillna("<NA>") == exp.fillna("<NA>")).all()
    n_boundary = len(cov_first)
    return (
        f"identical={bool(same)} "
        f"(interior {len(first):,}, boundary-only {n_boundary:,})"
    )


def run_joins(n: int, repeats: int, parts: str = "123") -> None:
    r = reports(n)
    print(f"reports: {n:,}; repeats: {repeats} (median)")

    if "1" in parts:
        run_regular(r, repeats)
    if "2" in parts:
        run_irregular(r, repeats)
    if "3" in parts:
        run_nearest(r, repeats)


def run_regular(r: gpd.GeoDataFrame, repeats: int) -> None:
    grid = square_grid((X0, Y0, X0 + SIDE, Y0 + SIDE), cell_size_m=100, crs=CRS)
    grid_plain = gpd.GeoDataFrame(grid[["grid_id"]], geometry=grid.geometry, crs=CRS)
    grid_plain.sindex  # noqa: B018 - build the index outside the timing
    t_ours, got = timed(lambda: quiet_assign(r, grid=grid), repeats)
    t_gpd, joined = timed(
        lambda: expected_within(
            r, grid_plain.rename(columns={"grid_id": "grid_id_right"})
        ),
        repeats,
    )
    check = check_within(got, joined, r, grid_plain)
    print(
        f"1. regular grid {len(grid):,} cells: assign {t_ours:.3f} s, "
        f"sjoin {t_gpd:.3f} s, "
        f"ratio {t_gpd / t_ours:.1f}x  [{check}]"
    )


def run_irregular(r: gpd.GeoDataFrame, repeats: int) -> None:
    vor = voronoi(10_000)
    vor.sindex  # noqa: B018
    t_ours, got = timed(lambda: quiet_assign(r, grid=vor), repeats)
    t_gpd, joined = timed(
        lambda: expected_within(r, vor.rename(columns={"grid_id": "grid_id_right"})),
        repeats,
    )
    check = check_within(got, joined, r, vor)
    print(
        f"2. irregular {len(vor):,} polygons: assign {t_ours:.3f} s, "
        f"sjoin {t_gpd:.3f} s, "
        f"ratio {t_gpd / t_ours:.2f}x  [{check}]"
    )


def run_nearest(r: gpd.GeoDataFrame, repeats: int) -> None:
    seg = street_network()
    seg.sindex  # noqa: B018
    t_ours, got = timed(
        lambda: quiet_assign(r, streets=seg, max_street_distance_m=30, metric_crs=CRS),
        repeats,
    )
    seg_plain = seg[["segment_id", "geometry"]]
    t_gpd, near = timed(
        lambda: gpd.sjoin_nearest(
            r, seg_plain, how="left", max_distance=30, distance_col="dist"
        ),
        repeats,
    )
    near = near[near["segment_id"].notna()]
    near = near.sort_values(["dist", "segment_id"], kind="stable")
    best = near[~near.index.duplicated(keep="first")]
    exp_id = best["segment_id"].reindex(r.index)
    exp_d = best["dist"].reindex(r.index)
    same = (
        got["segment_id"].astype("object").fillna("<NA>")
        == exp_id.astype("object").fillna("<NA>")
    ).all() and np.array_equal(
        got["street_distance_m"].to_numpy(), exp_d.to_numpy(), equal_nan=True
    )
    print(
        f"3. nearest of {len(seg):,} segments within 30 m: assign {t_ours:.3f} s, "
        f"sjoin_nearest {t_gpd:.3f} s, ratio {t_gpd / t_ours:.2f}x  "
        f"[identical={bool(same)}, assigned {best.shape[0]:,}]"
    )
    xy = shapely.get_coordinates(r.geometry.to_numpy())
    compare_nearest("synthetic", xy[:, 0], xy[:, 1], seg.geometry.to_numpy(), repeats)


def previous_nearest(
    x: np.ndarray, y: np.ndarray, lines: np.ndarray, max_distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """The previous ``nearest_segments``: dwithin query, GEOS distances, lexsort."""
    pos = np.full(len(x), -1, dtype=np.int64)
    dist = np.full(len(x), np.nan)
    tree = shapely.STRtree(lines)
    finite = np.isfinite(x) & np.isfinite(y)
    for s in range(0, len(x), 200_000):
        sel = np.flatnonzero(finite[s : s + 200_000]) + s
        pts = shapely.points(x[sel], y[sel])
        ii, jj = tree.query(pts, predicate="dwithin", distance=max_distance)
        d = shapely.distance(pts[ii], lines[jj])
        ok = d <= max_distance
        ii, jj, d = ii[ok], jj[ok], d[ok]
        order = np.lexsort((jj, d, ii))
        ii, jj, d = ii[order], jj[order], d[order]
        first = np.r_[True, ii[1:] != ii[:-1]]
        pos[sel[ii[first]]] = jj[first]
        dist[sel[ii[first]]] = d[first]
    return pos, dist


def compare_nearest(
    label: str, x: np.ndarray, y: np.ndarray, lines: np.ndarray, repeats: int
) -> None:
    """Time nearest_segments against the previous method (30 m), same answers."""
    t_new, (pos, dist) = timed(
        lambda: nearest_segments(x, y, lines, max_distance_m=30.0), repeats
    )
    t_old, (exp_pos, exp_dist) = timed(
        lambda: previous_nearest(x, y, lines, 30.0), repeats
    )
    same = np.array_equal(pos, exp_pos) and np.array_equal(
        dist.view(np.int64), exp_dist.view(np.int64)
    )
    print(
        f"   {label}: nearest_segments {t_new:.3f} s, previous method "
        f"{t_old:.3f} s, ratio {t_old / t_new:.1f}x  "
        f"[identical positions and distance bits={same}, "
        f"assigned {int((pos >= 0).sum()):,} of {len(x):,}]"
    )


def run_arrays(path: str, repeats: int) -> None:
    with open(path, "rb") as fh:
        _, _, mx, my, lines, *_ = pickle.load(fh)
    lines = np.asarray(lines, dtype=object)
    print(f"5. real data {path} ({len(mx):,} reports, {len(lines):,} segments):")
    compare_nearest("within 30 m", np.asarray(mx), np.asarray(my), lines, repeats)


def memory_child(n: int) -> None:
    r = reports(n)
    grid = square_grid((X0, Y0, X0 + SIDE, Y0 + SIDE), cell_size_m=100, crs=CRS)
    vor = voronoi(10_000)
    seg = street_network()
    with open("/proc/self/status") as fh:
        base = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))
    with open("/proc/self/clear_refs", "w") as fh:  # reset the peak (VmHWM)
        fh.write("5")
    quiet_assign(r, grid=grid)
    quiet_assign(r, grid=vor)
    quiet_assign(r, streets=seg, metric_crs=CRS)
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    print(f"{(peak - base) / 1024:.1f}")


def run_memory(sizes: list[int]) -> None:
    print(
        "4. peak memory of assign above the RSS before the call (fresh process each):"
    )
    per = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        mb = float(out)
        per.append(mb / n * 1e6)
        print(f"   {n:>9,} reports: {mb:8.1f} MB  ({mb / n * 1e6:.0f} MB per million)")
    print(
        f"   MB per million reports across sizes: {', '.join(f'{v:.0f}' for v in per)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--memory-child", type=int, default=0)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--parts", default="123", help="which joins to time, e.g. 12")
    ap.add_argument("--arrays", default=None, help="pickled real data (see above)")
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    run_joins(args.n, args.repeats, args.parts)
    if not args.skip_memory:
        run_memory([args.n // 4, args.n // 2, args.n])
    if args.arrays:
        run_arrays(args.arrays, args.repeats)


if __name__ == "__main__":
    main()
