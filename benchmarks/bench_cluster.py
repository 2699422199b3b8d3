"""Time hotspots.cluster and hotspots.stats.density against their peers, in one run.

A synthetic large city: 30 km x 30 km, 40 % of the reports scattered over it,
60 % in 3,000 hot spots (Gaussian, 15-120 m wide, log-normal sizes), report
times uniform over one year, as a WGS-84 GeoDataFrame (the canonical frame).

* ``cluster(method="dbscan")`` on 1,000,000 reports end to end (projection,
  clustering, hulls, summaries) vs scikit-learn's DBSCAN alone on the same
  projected coordinates; labels compared (identical up to renumbering).
* ``cluster(method="st-dbscan")`` on 100,000 (and 1,000,000) reports vs the
  straightforward construction (all spatial pairs from a radius query, then
  the time filter, then DBSCAN on the precomputed graph); labels compared.
* ``cluster(method="hdbscan")`` (fast_hdbscan) on 100,000 reports, and
  against scikit-learn's HDBSCAN on 20,000 (time and labels).
* ``kernel_density`` on 1,000,000 reports vs scikit-learn's KernelDensity on
  a sample (time per cell, accuracy).

Run: ``nice .venv/bin/python benchmarks/bench_cluster.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from scipy import sparse
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import KernelDensity, NearestNeighbors

from hotspots.stats.cluster import cluster
from hotspots.stats.density import kernel_density

UTM51N = "EPSG:32651"
ORIGIN = np.array([500_000.0, 3_990_000.0])
N_KDE_CELLS = 100


def city(n: int, seed: int = 0) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Reports in EPSG:4326 and their UTM 51N coordinates."""
    rng = np.random.default_rng(seed)
    size, n_spots = 30_000.0, 3_000
    n_bg = int(n * 0.4)
    n_sp = n - n_bg
    centres = rng.uniform(0, size, (n_spots, 2))
    weights = rng.lognormal(0, 1.0, n_spots)
    which = rng.choice(n_spots, n_sp, p=weights / weights.sum())
    sigma = rng.uniform(15, 120, n_spots)
    spots = centres[which] + rng.normal(0, 1, (n_sp, 2)) * sigma[which, None]
    xy = np.vstack([rng.uniform(0, size, (n_bg, 2)), spots])[rng.permutation(n)]
    xy += ORIGIN
    seconds = rng.uniform(0, 365 * 86_400, n)
    times = pd.Timestamp("2026-01-01", tz="Asia/Shanghai") + pd.to_timedelta(
        seconds, unit="s"
    )
    cats = np.array(["占道经营", "乱停车", "卫生死角", "乱贴乱画", "建筑垃圾"])
    to_wgs = pyproj.Transformer.from_crs(UTM51N, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    frame = gpd.GeoDataFrame(
        {
            "report_id": pd.array([f"R{i:07d}" for i in range(n)], dtype="string"),
            "reported_at": times,
            "category": pd.array(cats[rng.integers(0, len(cats), n)], dtype="string"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    return frame, xy


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time over ``repeats`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return len(np.unique(pairs[:, 0])) == len(pairs) == len(np.unique(pairs[:, 1]))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_dbscan(reports: gpd.GeoDataFrame, xy: np.ndarray, repeats: int) -> None:
    n = len(reports)
    ours_t, res = timed(lambda: cluster(reports, eps_m=50, min_samples=10), repeats)
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    peer_t, ref_sorted = timed(
        lambda: DBSCAN(eps=50, min_samples=10, algorithm="kd_tree").fit_predict(
            xy[order]
        ),
        repeats,
    )
    ref = np.empty_like(ref_sorted)
    ref[order] = ref_sorted
    labels = res.labels.to_numpy()
    print(
        f"dbscan    n={n:>9,}  hotspots.cluster {ours_t:6.1f} s (end to end, "
        f"{len(res.clusters):,} clusters, {np.mean(labels >= 0):.0%} clustered)  "
        f"sklearn DBSCAN alone {peer_t:6.1f} s  ratio {ours_t / peer_t:.2f}  "
        f"labels identical up to renumbering: {same_partition(labels, ref)}"
    )


def st_graph_naive(
    xy: np.ndarray, t: np.ndarray, eps: float, teps: float
) -> sparse.csr_matrix:
    """All spatial pairs first (radius query), then the time filter."""
    graph = (
        NearestNeighbors(radius=eps)
        .fit(xy)
        .radius_neighbors_graph(xy, mode="connectivity")
    )
    coo = graph.tocoo()
    keep = np.abs(t[coo.row] - t[coo.col]) <= teps
    n = len(xy)
    return sparse.csr_matrix(
        (np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=(n, n)
    )


def bench_st_dbscan(
    reports: gpd.GeoDataFrame, xy: np.ndarray, repeats: int, compare: bool
) -> None:
    n = len(reports)
    ours_t, res = timed(
        lambda: cluster(
            reports, method="st-dbscan", eps_m=50, min_samples=5, time_eps=7
        ),
        repeats,
    )
    line = (
        f"st-dbscan n={n:>9,}  hotspots.cluster {ours_t:6.1f} s "
        f"({len(res.clusters):,} clusters, eps 50 m, 7 days, min_samples 5)"
    )
    if compare:
        t = (reports["reported_at"] - reports["reported_at"].min()).dt.total_seconds()
        tt = t.to_numpy()
        order = np.lexsort((tt, xy[:, 1], xy[:, 0]))

        def naive() -> np.ndarray:
            g = st_graph_naive(xy[order], tt[order], 50.0, 7 * 86_400.0)
            model = DBSCAN(eps=1.0, min_samples=5, metric="precomputed")
            return np.asarray(model.fit_predict(g))

        peer_t, ref_sorted = timed(naive, repeats)
        ref = np.empty_like(ref_sorted)
        ref[order] = ref_sorted
        same = same_partition(res.labels.to_numpy(), ref)
        line += (
            f"  spatial-pairs-then-time-filter {peer_t:6.1f} s  ratio "
            f"{ours_t / peer_t:.2f}  labels identical: {same}"
        )
    print(line)


def bench_hdbscan(reports: gpd.GeoDataFrame, xy: np.ndarray, repeats: int) -> None:
    # First call compiles fast_hdbscan's numba code (cached on disk afterwards).
    warm = reports.iloc[:2_000]
    t0 = time.perf_counter()
    cluster(warm, method="hdbscan", eps_m=0.0001, min_samples=10)
    compile_t = time.perf_counter() - t0
    n = len(reports)
    ours_t, res = timed(
        lambda: cluster(reports, method="hdbscan", eps_m=50, min_samples=10),
        repeats,
    )
    print(
        f"hdbscan   n={n:>9,}  hotspots.cluster (fast_hdbscan) {ours_t:6.1f} s "
        f"({len(res.clusters):,} clusters; warm-up incl. numba load/compile "
        f"{compile_t:.1f} s)"
    )
    small = reports.iloc[:20_000]
    sxy = xy[:20_000]
    order = np.lexsort((sxy[:, 1], sxy[:, 0]))
    ours_s, res_s = timed(
        lambda: cluster(small, method="hdbscan", eps_m=50, min_samples=10), repeats
    )
    peer_s, ref_sorted = timed(
        lambda: HDBSCAN(
            min_cluster_size=10,
            min_samples=10,
            cluster_selection_epsilon=50.0,
            copy=True,
        ).fit_predict(sxy[order]),
        1,
    )
    ref = np.empty_like(ref_sorted)
    ref[order] = ref_sorted
    labels = res_s.labels.to_numpy()
    print(
        f"hdbscan   n={20_000:>9,}  hotspots.cluster {ours_s:6.2f} s  sklearn "
        f"HDBSCAN {peer_s:6.2f} s  ratio {ours_s / peer_s:.2f}  "
        f"identical up to renumbering: {same_partition(labels, ref)}  "
        f"ARI {adjusted_rand_score(ref, labels):.4f}"
    )


def bench_density(reports: gpd.GeoDataFrame, xy: np.ndarray, repeats: int) -> None:
    n = len(reports)
    ours_t, surface = timed(
        lambda: kernel_density(reports, bandwidth_m=100, cell_size_m=25), repeats
    )
    rows, cols = surface.shape
    # scikit-learn's exact KDE on a sample of cells, extrapolated to the grid.
    gx, gy = surface.centres()
    rng = np.random.default_rng(1)
    pick = rng.choice(gx.size, N_KDE_CELLS, replace=False)
    kde = KernelDensity(bandwidth=100.0).fit(xy)
    t0 = time.perf_counter()
    ref = np.exp(kde.score_samples(np.column_stack([gx.flat[pick], gy.flat[pick]])))
    sample_t = time.perf_counter() - t0
    ref *= n * 1e6
    peer_t = sample_t * gx.size / len(pick)
    err = np.abs(surface.density.flat[pick] - ref).max() / surface.density.max()
    print(
        f"kde       n={n:>9,}  kernel_density {ours_t:6.2f} s for {rows}x{cols} "
        f"cells (25 m, bandwidth 100 m)  sklearn KernelDensity {sample_t:.1f} s "
        f"for {N_KDE_CELLS} cells = ~{peer_t:,.0f} s for the grid  ratio "
        f"1:{peer_t / ours_t:,.0f}  max error {err:.1e} of the peak"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--n-small", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-repeats", type=int, default=2)
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["dbscan", "st-dbscan", "hdbscan", "kde"],
        default=["dbscan", "st-dbscan", "hdbscan", "kde"],
    )
    args = parser.parse_args()

    reports, xy = city(args.n)
    small, sxy = city(args.n_small, seed=1)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"synthetic city: {args.n:,} and {args.n_small:,} reports, 30 x 30 km")
    print(f"load average before: {load} (2 cores; figures scale with it)")
    if "dbscan" in args.only:
        bench_dbscan(reports, xy, args.big_repeats)
        bench_dbscan(small, sxy, args.repeats)
    if "st-dbscan" in args.only:
        bench_st_dbscan(small, sxy, args.repeats, compare=True)
        bench_st_dbscan(reports, xy, args.big_repeats, compare=False)
    if "hdbscan" in args.only:
        bench_hdbscan(small, sxy, args.repeats)
    if "kde" in args.only:
        bench_density(reports, xy, args.repeats)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average after: {load}")
    print(f"peak memory (max RSS) {peak_mb():,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
