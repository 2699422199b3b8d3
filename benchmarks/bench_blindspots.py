"""Time hotspots.blind_spots on a synthetic large city.

The weekly job's biggest case: 1,000,000 reports over 52 weeks on 100,000
grid cells (~100 m, WGS-84 like the canonical frames), built with numpy in a
few seconds (no files). Half the reports fall on 2 % of the cells, and a
third of each cell's reports at one spot, so comebacks, streaks and patterns
happen; statuses, closes, sources and reopen counts are drawn like the
sample district's. The emerging result is given (as in the weekly job), so
the time is the ledger's own. Prints each run and the median of the repeats.

Run: ``nice .venv/bin/python benchmarks/bench_blindspots.py [--reports N]
[--units N] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.ledger.blindspots import PATTERN_SEVERITY, blind_spots

TZ = "Asia/Shanghai"
AS_OF = pd.Timestamp("2026-11-23 00:00", tz=TZ)  # end of ISO week 2026-W47
CATEGORIES = [
    "占道经营",
    "店外经营",
    "乱停车",
    "暴露垃圾",
    "乱堆物料",
    "违规广告",
    "道路破损",
    "井盖缺失",
    "绿化损坏",
    "违章搭建",
]
STATUSES = ["open", "dispatched", "resolved", "closed", "reopened"]
SOURCES = ["inspector", "hotline", "camera", "evaluation"]


def city(
    n_reports: int, n_units: int, seed: int = 0
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Units (square cells), reports and an emerging result."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_units)))
    lon0, lat0 = 120.30, 36.00
    dx = 100.0 / (111_320.0 * np.cos(np.radians(lat0)))  # ~100 m in degrees
    dy = 100.0 / 110_574.0
    k = np.arange(n_units)
    row, col = k // side, k % side
    ids = np.array([f"R{r:04d}C{c:04d}" for r, c in zip(row, col, strict=True)])
    cells = shapely.box(
        lon0 + col * dx, lat0 + row * dy, lon0 + (col + 1) * dx, lat0 + (row + 1) * dy
    )
    units = gpd.GeoDataFrame({"grid_id": ids}, geometry=cells, crs="EPSG:4326")

    unit = rng.integers(0, n_units, n_reports)
    hot = rng.random(n_reports) < 0.5
    unit[hot] = rng.choice(rng.permutation(n_units)[: n_units // 50], hot.sum())
    fx, fy = rng.random(n_reports), rng.random(n_reports)
    spot = rng.random(n_reports) < 1 / 3
    fx[spot], fy[spot] = 0.5, 0.5
    x = lon0 + (col[unit] + fx) * dx
    y = lat0 + (row[unit] + fy) * dy
    start = (AS_OF - pd.Timedelta(weeks=52)).value
    t = rng.integers(start, AS_OF.value, n_reports)
    status = rng.choice(STATUSES, n_reports, p=[0.17, 0.33, 0.17, 0.17, 0.16])
    done = np.isin(status, ["resolved", "closed"])
    close_ns = (rng.exponential(4.0, n_reports) * 86_400e9).astype(np.int64)
    closed = pd.to_datetime(np.where(done, t + close_ns, np.iinfo(np.int64).min))
    reports = gpd.GeoDataFrame(
        {
            "report_id": pd.array(np.char.add("r", np.arange(n_reports).astype(str))),
            "reported_at": pd.to_datetime(t, utc=True).tz_convert(TZ),
            "category": pd.array(rng.choice(CATEGORIES, n_reports)),
            "status": pd.array(status),
            "closed_at": closed.tz_localize("UTC").tz_convert(TZ),
            "source": pd.array(
                rng.choice(SOURCES, n_reports, p=[0.33, 0.33, 0.17, 0.17])
            ),
            "weight": 1.0,
            "reopen_count": (rng.random(n_reports) < 0.1).astype(np.int64),
            "grid_id": pd.array(ids[unit]),
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4326",
    )
    patterns = np.array([*PATTERN_SEVERITY, "no_pattern"])
    emerging = pd.DataFrame(
        {
            "grid_id": ids,
            "pattern": rng.choice(
                patterns, n_units, p=[0.005] * len(PATTERN_SEVERITY) + [0.96]
            ),
        }
    )
    return units, reports, emerging


def main() -> None:
    """Build the city, time blind_spots, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    units, reports, emerging = city(args.reports, args.units)
    print(
        f"city: {len(reports):,} reports, {len(units):,} units, built in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    times = []
    ledger = None
    for _ in range(args.repeats):
        t = time.perf_counter()
        ledger = blind_spots(
            reports, units, periods=8, as_of=AS_OF, emerging=emerging, tz=TZ
        )
        times.append(time.perf_counter() - t)
    assert ledger is not None
    runs = ", ".join(f"{s:.2f}" for s in times)
    print(
        f"blind_spots: median {statistics.median(times):.2f} s of {args.repeats} "
        f"({runs} s)"
    )
    print(
        f"  units with window reports {int((ledger['n_reports'] > 0).sum()):,}, "
        f"comebacks {int(ledger['comebacks'].sum()):,}, "
        f"distinct reasons {ledger['reason_zh'].nunique():,}"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
