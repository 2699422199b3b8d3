"""Ledger ingest and load against their peers, on a synthetic platform export.

    python benchmarks/bench_ledger.py [--rows 1000000] [--pg-url URL] [--repeat N]

Figures: ingest into an empty ledger vs ``read_reports`` alone on the same
file (with ``--repeat N``: N alternating rounds of read_reports and of each
backend's ingest into a fresh ledger, ratio of the medians); loading the
current state vs ``pandas.read_csv`` of the export; DuckDB vs
SQLite/GeoPackage (``GeoDataFrame.to_file`` / ``read_file``) for ingest and
load; size on disk per million cases; peak memory (RSS high-water mark of this
process after each step).

Measured 2026-12-03, 1M rows (7.4 % quarantined: times after the day of the run),
``--repeat 3``, 2 shared cores, PostgreSQL 15.18 + PostGIS 3.3.2 started by
``scripts/pg-test.sh`` restarted with PostgreSQL's default durability
(fsync=on, synchronous_commit=on, full_page_writes=on, wal_level=replica,
shared_buffers=128MB, max_wal_size=1GB; ``HOTSPOTS_PG_DURABLE=1`` now does
this; the tests' default is fsync=off, full_page_writes=off). Ratios of
medians in one run; two runs of each package:

==========================  ================  ============
                            before (ccd6b26)  after
==========================  ================  ============
DuckDB ingest/read_reports  1.24x, 1.79x      1.43x, 1.34x
PG ingest/read_reports      3.09x, 2.86x      3.06x, 3.01x
DuckDB load/read_csv        0.27x, 0.41x      0.40x, 0.44x
PG load/read_csv            0.88x, 1.10x      1.04x, 1.14x
==========================  ================  ============

The machine was shared and these whole-script runs are noisy (read_reports
1.4-3.1 s). Alternating one-ingest processes of the two packages under the
lock (4 pairs): PostgreSQL ingest median 5.86 s -> 5.37 s (3.33x -> 2.95x).
The PostgreSQL ingest target (<= 1.5x) is not met, and cannot be on this
server without dropping a guarantee: the server's own work is about 3.3 s of
CPU (COPY of the cases 1.3-1.5 s: heap writes and WAL; the GiST build 1.3 s,
half of it PostGIS's picksplit, which PostgreSQL 15's sorted GiST build calls
for every 4 pages; the primary key 0.35-0.4 s; the quarantine 0.1 s), all of
it after the parse that read_reports itself does (read_canonical, 1.1 s), in
one transaction of one server process. 1.5x of read_reports (1.7 s) is 2.5 s.
What overlaps now: Arrow builds the binary COPY rows while psycopg's writer
thread sends them, and the quarantined rows are masked while the server writes
the cases. Loading: the server's COPY of the current state takes 0.8-1.4 s
of CPU (more on the first read after an ingest, which sets the rows' hint
bits); the reader now parses the CSV while it arrives (the 926k-case query
1.9 s -> 1.0-1.5 s in separate runs), and the 926k shapely points take 0.45 s
of the rest, so the PostgreSQL load stays near 1x of read_csv, not reliably
below.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.ledger import Ledger
from hotspots.read.reports import read_reports


def write_export(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    ids = np.arange(rows)
    minutes = rng.integers(0, 365 * 24 * 60, rows)
    # a year ending on 2026-11-29: no row is after the day of any run since
    # (none quarantined as future-dated), the same file whatever the date
    times = pd.Timestamp("2025-11-29") + pd.to_timedelta(minutes, unit="min")
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


def _fresh_url(backend: str, path: Path, pg_url: str | None) -> str:
    """A new DuckDB file, or a new schema on the PostgreSQL server."""
    if backend == "duckdb":
        return str(path)
    import psycopg

    assert pg_url is not None
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in pg_url else "?"
    return f"{pg_url}{sep}options={quote(f'-c search_path={name},public')}"


def _drop_schema(url: str, pg_url: str) -> None:
    """Drop the schema a :func:`_fresh_url` made (the server keeps no garbage)."""
    import psycopg

    name = url.rsplit("search_path%3D", 1)[1].split("%2C", 1)[0]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {name} CASCADE")


#: Server settings that decide what a commit costs, printed with the figures.
PG_SETTINGS = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "shared_buffers",
    "max_wal_size",
)


def _pg_settings(pg_url: str) -> str:
    """The PostgreSQL server's version and durability settings, one line."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        version = con.execute("SHOW server_version").fetchone()
        values = [
            f"{name}={con.execute(f'SHOW {name}').fetchone()[0]}"  # type: ignore[index]
            for name in PG_SETTINGS
        ]
    return f"PostgreSQL {version[0] if version else '?'}: " + ", ".join(values)


def _rounds(
    backend: str, export: Path, folder: Path, args: argparse.Namespace
) -> tuple[dict[str, list[float]], object, int]:
    """Alternating rounds of read_csv, read_reports, ingest and load."""
    r: dict[str, float] = {}
    rounds: dict[str, list[float]] = {}
    result = frame = None
    for k in range(args.repeat):
        for label, fn in (
            ("pandas.read_csv", lambda: pd.read_csv(export, dtype=str)),
            ("read_reports", lambda: read_reports(export, on_error="quarantine")),
        ):
            result = timed(label, fn, r)
            rounds.setdefault(f"{label} ({backend})", []).append(r[label])
        url = _fresh_url(backend, folder / f"ledger{k}.duckdb", args.pg_url)
        with Ledger.open(url) as ledger:
            for label, fn in (
                (f"ingest {backend}", lambda: ledger.ingest(export)),
                (f"load {backend}", ledger.reports),
            ):
                frame = timed(label, fn, r)
                rounds.setdefault(label, []).append(r[label])
            if k == args.repeat - 1:
                size = ledger.size_bytes() / len(frame) * 1e6 / 2**20
                print(f"  {backend}: {size:.0f} MB per million cases")
        if backend == "postgresql":
            _drop_schema(url, args.pg_url)
    assert result is not None
    assert frame is not None
    return rounds, result, len(frame)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("HOTSPOTS_TEST_PG_URL"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--backends", default="duckdb,postgresql", help="comma-separated"
    )
    parser.add_argument(
        "--no-gpkg", action="store_true", help="skip the GeoPackage peer"
    )
    args = parser.parse_args()
    r: dict[str, float] = {}
    rounds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "reports_20261130.csv"
        write_export(export, args.rows)
        pd.read_csv(export, dtype=str)  # warm-up: the file in the page cache
        read_reports(export, on_error="quarantine")  # warm-up: first-call costs
        backends = [
            b
            for b in args.backends.split(",")
            if b == "duckdb" or (b == "postgresql" and args.pg_url)
        ]
        if args.pg_url and "postgresql" in backends:
            print(_pg_settings(args.pg_url))
        # each backend's rounds together, so that one server's background work
        # (PostgreSQL's checkpoint and autovacuum) does not slow the other's
        for backend in backends:
            got, result, cases = _rounds(backend, export, folder, args)
            rounds.update(got)
        print(f"  {cases} cases, {len(result.quarantined)} rows quarantined")  # type: ignore[attr-defined]
        for label, times in rounds.items():
            r[label] = statistics.median(times)
        print(
            f"medians of {args.repeat}: "
            + ", ".join(f"{label} {r[label]:.2f} s" for label in rounds)
        )
        if not args.no_gpkg:
            gpkg = folder / "cases.gpkg"
            timed(
                "GeoPackage write (ingest peer)",
                lambda: result.reports.to_file(gpkg, driver="GPKG", layer="r"),  # type: ignore[attr-defined]
                r,
            )
            timed("GeoPackage read (load peer)", lambda: gpd.read_file(gpkg), r)
            print(
                f"  GeoPackage: {gpkg.stat().st_size / cases * 1e6 / 2**20:.0f} MB "
                "per million cases"
            )
    for backend in backends:
        print(
            f"{backend}: ingest / read_reports = "
            f"{r[f'ingest {backend}'] / r[f'read_reports ({backend})']:.2f}x "
            "(target <= 1.5x); "
            f"load / read_csv = "
            f"{r[f'load {backend}'] / r[f'pandas.read_csv ({backend})']:.2f}x "
            "(target <= 1x)"
        )


if __name__ == "__main__":
    main()
