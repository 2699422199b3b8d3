"""Emerging hot spot analysis at city scale, against esda's Gi* run once per week.

100,000 grid cells (a 316 x 316 lattice of 100 m squares) x 52 weeks of counts:

* ``hotspots.emerging_hotspots`` on the cube with queen weights built once
  (space-time Gi* of every bin, FDR, Mann-Kendall, the 17 patterns and the
  output GeoDataFrame with the z-series);
* the peer baseline the issue names: ``esda.G_Local(star=True, transform="B")``
  run once per week (52 times, spatial only, analytic, no permutations) on the
  same queen weights (as a libpysal ``Graph``, esda's fast path).

The two are interleaved (one run of ours, then a slice of the peer's weeks,
six rounds) so that both see the same load on a shared machine; the peer's
time is its median week x 52.

Also timed: building the queen weights from the 100,000 polygons, and
``hotspots.blind_spots`` on 1,000,000 reports of the last 8 weeks over the same
100,000 cells (with the emerging patterns passed in).

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

from hotspots.ledger.blindspots import blind_spots
from hotspots.spatial.weights import spatial_weights
from hotspots.stats.emerging import emerging_hotspots, space_time_gi_star


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


def synthetic_reports(
    units: gpd.GeoDataFrame, n: int, seed: int = 0
) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    u = rng.integers(0, len(units), n)
    t = pd.Timestamp("2026-09-28", tz="Asia/Shanghai") + pd.to_timedelta(
        rng.uniform(0, 56, n), unit="D"
    )
    cats = np.array(["占道经营", "乱停车", "暴露垃圾", "流浪犬", "非法小广告"])
    centre = shapely.get_coordinates(units.geometry.centroid.to_numpy()[u])
    xy = centre + rng.uniform(-45, 45, (n, 2))
    closed = rng.random(n) < 0.9
    closed_at = t + pd.to_timedelta(rng.exponential(1.5, n), unit="D")
    sources = np.array(["inspector", "hotline", "camera", "evaluation"])
    return gpd.GeoDataFrame(
        {
            "report_id": np.arange(n).astype(str),
            "reported_at": t,
            "category": cats[rng.integers(0, len(cats), n)],
            "status": np.where(closed, "closed", "open"),
            "closed_at": closed_at.where(closed),
            "source": sources[rng.integers(0, len(sources), n)],
            "reopen_count": (rng.random(n) < 0.03).astype(int),
            "grid_id": units["grid_id"].to_numpy()[u],
        },
        geometry=shapely.points(xy),
        crs=units.crs,
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

    def ours():
        return emerging_hotspots(cube, units, weights=w)

    from esda import G_Local

    graph = w.to_libpysal()
    values = cube.to_numpy(dtype=np.float64)

    def esda_week(k: int) -> None:
        G_Local(values[:, k], graph, transform="B", star=True, permutations=0)

    # The machine is shared and its load swings: interleave the two, one run of
    # ours then a slice of the peer's 52 weeks, so both see the same load.
    rounds = max(args.repeats, 2) * 2
    slices = np.array_split(np.arange(args.weeks), rounds)
    runs, core, per_week, res = [], [], [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for weeks in slices:
            t, res = timed(ours, 1)
            runs.append(t)
            core.append(timed(lambda: space_time_gi_star(values, w.sparse), 1)[0])
            for k in weeks:
                per_week.append(timed(lambda k=k: esda_week(int(k)), 1)[0])
    t_ours = statistics.median(runs)
    t_esda = statistics.median(per_week) * args.weeks
    print(res["pattern"].value_counts().to_string())
    print(
        f"hotspots.emerging_hotspots (space-time Gi*, FDR, Mann-Kendall, patterns, "
        f"output frame): {t_ours:.2f} s (median of {len(runs)}: "
        f"{', '.join(f'{r:.2f}' for r in runs)})"
    )
    print(
        f"esda.G_Local(star=True, transform='B') once per week x {args.weeks}: "
        f"{t_esda:.2f} s (median {statistics.median(per_week):.3f} s per week x "
        f"{args.weeks}; measured sum {sum(per_week):.2f} s)"
    )
    print(
        "speed-up of the whole emerging analysis over the per-week esda loop: "
        f"{t_esda / t_ours:.1f}x"
    )
    t_core = statistics.median(core)
    print(
        f"space-time Gi* of all {n * args.weeks:,} bins alone (space_time_gi_star): "
        f"{t_core:.2f} s, {t_esda / t_core:.0f}x the per-week esda loop"
    )
    print(f"end to end with the weights: {t_w + t_ours:.2f} s (target < 60 s)")

    reports = synthetic_reports(units, 1_000_000)
    t_bs, ledger = timed(lambda: blind_spots(reports, units, emerging=res), 1)
    print(
        f"hotspots.blind_spots, {len(reports):,} reports over {n:,} cells: "
        f"{t_bs:.2f} s (top score {ledger['score'].max():.1f})"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
