"""Ledger ingest and load against their peers, on a synthetic platform export.

    python benchmarks/bench_ledger.py [--rows 1000000] [--pg-url URL]

Figures: ingest into an empty ledger vs ``read_reports`` alone on the same
file; loading the current state vs ``pandas.read_csv`` of the export; DuckDB
vs SQLite/GeoPackage (``GeoDataFrame.to_file`` / ``read_file``) for ingest and
load; size on disk per million cases; peak memory (RSS high-water mark of this
process after each step).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.io import read_reports
from hotspots.ledger import Ledger


def write_export(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    ids = np.arange(rows)
    minutes = rng.integers(0, 365 * 24 * 60, rows)
    times = pd.Timestamp("2026-01-01") + pd.to_timedelta(minutes, unit="min")
    frame = pd.DataFrame(
        {
            "案件编号": [f"SN{i:09d}" for i in ids],
            "上报时间": times.strftime("%Y-%m-%d %H:%M"),
            "问题小类": rng.choice(
                ["占道经营", "暴露垃圾", "乱停车", "乱贴乱画"], rows
            ),
            "经度": np.round(120.3 + rng.random(rows) * 0.2, 6),
            "纬度": np.round(36.0 + rng.random(rows) * 0.15, 6),
            "案件状态": rng.choice(["已结案", "已派遣", "待受理"], rows),
            "案件来源": rng.choice(["巡查员", "12345热线", "视频监控"], rows),
            "问题描述": rng.choice(["路口垃圾堆放", "商贩占道", "车辆乱停"], rows),
            "地址": [f"香港中路{i % 500}号" for i in ids],
        }
    )
    frame.to_csv(path, index=False)


def timed(label: str, fn, results: dict[str, float]):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<40} {results[label]:7.2f} s   peak RSS so far {peak:7.0f} MB")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("HOTSPOTS_TEST_PG_URL"))
    args = parser.parse_args()
    r: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "reports_20261231.csv"
        write_export(export, args.rows)
        timed("pandas.read_csv", lambda: pd.read_csv(export, dtype=str), r)
        result = timed(
            "read_reports", lambda: read_reports(export, on_error="quarantine"), r
        )
        urls = {"duckdb": str(folder / "ledger.duckdb")}
        if args.pg_url:
            import psycopg

            name = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg_url, autocommit=True) as con:
                con.execute(f"CREATE SCHEMA {name}")
            sep = "&" if "?" in args.pg_url else "?"
            opts = quote(f"-c search_path={name},public")
            urls["postgresql"] = f"{args.pg_url}{sep}options={opts}"
        for backend, url in urls.items():
            with Ledger.open(url) as ledger:
                timed(f"ingest {backend}", lambda: ledger.ingest(export), r)
                frame = timed(f"load {backend}", ledger.reports, r)
                size = ledger.size_bytes() / len(frame) * 1e6 / 2**20
                print(f"  {backend}: {size:.0f} MB per million cases")
        gpkg = folder / "cases.gpkg"
        timed(
            "GeoPackage write (ingest peer)",
            lambda: result.reports.to_file(gpkg, driver="GPKG", layer="r"),
            r,
        )
        timed("GeoPackage read (load peer)", lambda: gpd.read_file(gpkg), r)
        print(
            f"  GeoPackage: {gpkg.stat().st_size / len(frame) * 1e6 / 2**20:.0f} MB "
            "per million cases"
        )
    for backend in urls:
        print(
            f"{backend}: ingest / read_reports = "
            f"{r[f'ingest {backend}'] / r['read_reports']:.2f}x (target <= 1.5x); "
            f"load / read_csv = {r[f'load {backend}'] / r['pandas.read_csv']:.2f}x "
            "(target <= 1x)"
        )


if __name__ == "__main__":
    main()
