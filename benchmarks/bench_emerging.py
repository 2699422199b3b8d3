"""Emerging hot spot analysis at city scale, against esda's Gi* run once per week.

100,000 grid cells (a 316 x 316 lattice of 100 m squares) x 52 weeks of counts:

* ``hotspots.emerging_hotspots`` on the cube with queen weights built once
  (space-time Gi* of every bin, FDR, Mann-Kendall, the 17 patterns and the
  output GeoDataFrame with the z-series);
* the peer baseline the issue names: ``esda.G_Local(star=True, transform="B")``
  run once per week (52 times, spatial only, analytic, no permutations) on the
  same queen weights (as a libpysal ``Graph``, esda's fast path).

Also timed: building the queen weights from the 100,000 polygons.

Run: ``nice .venv/bin/python benchmarks/bench_emerging.py [--side 316] [--weeks 52]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.emerging import emerging_hotspots
from hotspots.weights import spatial_weights


def lattice(side: int, size: float = 100.0) -> gpd.GeoDataFrame:
    r, c = np.divmod(np.arange(side * side), side)
    x0 = 500_000.0 + c * size
    y0 = 3_990_000.0 + r * size
    geoms = shapely.box(x0, y0, x0 + size, y0 + size)
    ids = np.char.add("g", np.char.zfill(np.arange(side * side).astype(str), 6))
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=geoms, crs="EPSG:32651")


def synthetic_cube(units: gpd.GeoDataFrame, weeks: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(units)
    rate = rng.gamma(1.0, 1.0, size=(n, 1))
    trend = 1.0 + rng.normal(0, 0.01, size=(n, 1)) * np.arange(weeks)
    x = rng.poisson(rate * np.clip(trend, 0.1, None)).astype(np.int64)
    labels = [f"2026-W{(w % 52) + 1:02d}" for w in range(weeks)]
    cols = pd.Index(labels, name="period")
    return pd.DataFrame(
        x, index=pd.Index(units["grid_id"], name="grid_id"), columns=cols
    )


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=316)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    units = lattice(args.side)
    cube = synthetic_cube(units, args.weeks)
    n = len(units)
    print(f"units: {n:,}  weeks: {args.weeks}  bins: {n * args.weeks:,}")

    t_w, w = timed(lambda: spatial_weights(units, "queen", unit="grid_id"), 1)
    print(f"queen weights from {n:,} polygons: {t_w:.2f} s ({w})")

    t_ours, res = timed(lambda: emerging_hotspots(cube, units, weights=w), args.repeats)
    print(
        f"hotspots.emerging_hotspots (space-time Gi*, FDR, Mann-Kendall, patterns): "
        f"{t_ours:.2f} s (median of {args.repeats})"
    )
    print(res["pattern"].value_counts().to_string())

    from esda import G_Local

    graph = w.to_libpysal()
    values = cube.to_numpy(dtype=np.float64)
    per_week = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        for k in range(args.weeks):
            t1 = time.perf_counter()
            G_Local(values[:, k], graph, transform="B", star=True, permutations=0)
            per_week.append(time.perf_counter() - t1)
        t_esda = time.perf_counter() - t0
    print(
        f"esda.G_Local(star=True, transform='B') once per week x {args.weeks}: "
        f"{t_esda:.2f} s (median {statistics.median(per_week):.3f} s per week)"
    )
    print(
        f"speed-up of the whole emerging analysis over the per-week esda loop: "
        f"{t_esda / t_ours:.1f}x"
    )
    print(f"end to end with the weights: {t_w + t_ours:.2f} s (target < 60 s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
