"""Benchmark: the weekly job on a large city vs pandas reading the same CSV.

A synthetic large city in one run:

* 100,000 unit grid cells (100 m squares, 31.6 km x 31.6 km, written to
  GeoJSON and read back, so they are joined as irregular polygons);
* street centerlines on a 140 m lattice, about 100,000 segments once cut at
  intersections;
* 1,000,000 reports over 52 weeks (a year), a GBK platform export with Chinese
  headers and GCJ-02 coordinates, with recurring hot blocks.

It times ``pandas.read_csv`` on the export alone, then ``hotspots weekly`` end
to end (read, validate, convert, assign, cube, Gi*, emerging hot spots over 52
weeks, clusters, blind spots, patrol plan, map, outputs) in a fresh process,
and prints the ratio (target: at most 5x) and the job's peak memory (target:
under 4 GB), with the time of each step.

Run: ``nice .venv/bin/python benchmarks/bench_weekly.py [n_reports] [city_dir]``;
with ``city_dir`` the city is written there once and reused on later runs
(handy for profiling the job with ``python -m cProfile``).

The dense city (``--dense``, issue 14 "Memory"): the same reports packed into
a small district at 34x the sample district's density (the sample has about
94 reports per km² per week; 1,000,000 reports a year at 34x fit in about
2.4 km x 2.4 km), with a backtest of the self-exciting model (``sepp``) over
the last ``DENSE_BACKTEST_WEEKS`` weeks. That is where the SEPP pair search
grew with the density (killed at 24 GB); the job runs once and prints the
peak memory after each step, so the forecast/backtest step's own peak shows.
``nice .venv/bin/python benchmarks/bench_weekly.py 1000000 --dense``.
Measured once (2 shared cores, heavily loaded): peak 1,454 MB for the whole
job, of which the SEPP backtest step added 314 MB; the job took 342 s, 233 s of
it the two-week SEPP backtest. (A standalone fit_sepp on 12 weeks at this
density met about 200 million candidate pairs and fitted on 9.9 % of the
events as children; the weekly job hides that warning.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).parent))
from bench_read import CATEGORIES, SOURCE, STATUS

from hotspots._core.crs import wgs84_to_gcj02
from hotspots.read.boundaries import square_grid
from hotspots.read.reports import read_reports

UTM = "EPSG:32651"
X0, Y0 = 480_000.0, 3_975_000.0
SIDE = 31_600.0
END_WEEK = "2026-W47"
#: Reports per km² per week of the sample district (30,087 in 16 weeks, 19.9 km²).
SAMPLE_DENSITY = 94.4
#: The dense city's density, in multiples of the sample's (issue 14).
DENSE_FACTOR = 34.0
DENSE_BACKTEST_WEEKS = 2


def dense_side_m(n: int) -> float:
    """Side of the square city holding ``n`` reports a year at the dense density."""
    return float(np.sqrt(n / 52.0 / (SAMPLE_DENSITY * DENSE_FACTOR)) * 1000.0)


def make_city(
    root: Path, n: int, seed: int = 0, *, side: float = SIDE, backtest: bool = False
) -> Path:
    """Write grid, streets, export and config of a large city under ``root``."""
    rng = np.random.default_rng(seed)
    bdir = root / "boundaries"
    bdir.mkdir(parents=True, exist_ok=True)
    grid = square_grid(box(X0, Y0, X0 + side, Y0 + side), cell_size_m=100, crs=UTM)
    grid = grid.rename(columns={grid.columns[0]: "grid_id"})[["grid_id", "geometry"]]
    grid.to_crs(4326).to_file(bdir / "grid.geojson", driver="GeoJSON")

    ticks = np.arange(X0 + 70, X0 + side, 140.0)
    lines = [shapely.LineString([(t, Y0), (t, Y0 + side)]) for t in ticks]
    lines += [
        shapely.LineString([(X0, Y0 + t - X0), (X0 + side, Y0 + t - X0)]) for t in ticks
    ]
    streets = gpd.GeoDataFrame(
        {
            "street_id": [f"S{i:04d}" for i in range(len(lines))],
            "name": [f"第{i}路" for i in range(len(lines))],
            "street_class": np.where(
                np.arange(len(lines)) % 10 == 0, "arterial", "alley"
            ),
            "oneway": False,
        },
        geometry=lines,
        crs=UTM,
    )
    streets.to_crs(4326).to_file(bdir / "streets.geojson", driver="GeoJSON")

    # reports: background + 300 recurring hot blocks, near the streets
    hot = rng.uniform([X0, Y0], [X0 + side, Y0 + side], size=(300, 2))
    k = int(n * 0.3)
    centre = hot[rng.integers(0, len(hot), k)]
    x = np.concatenate([rng.uniform(X0, X0 + side, n - k), centre[:, 0]])
    y = np.concatenate([rng.uniform(Y0, Y0 + side, n - k), centre[:, 1]])
    x[n - k :] += rng.normal(0, 60, k)
    y[n - k :] += rng.normal(0, 60, k)
    x, y = np.clip(x, X0 + 1, X0 + side - 1), np.clip(y, Y0 + 1, Y0 + side - 1)
    snap_x = rng.random(n) < 0.5  # half the reports lie on a north-south street
    x[snap_x] = ticks[np.clip(np.searchsorted(ticks, x[snap_x]), 0, len(ticks) - 1)]
    y[~snap_x] = (ticks - X0 + Y0)[
        np.clip(np.searchsorted(ticks - X0 + Y0, y[~snap_x]), 0, len(ticks) - 1)
    ]
    pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=UTM).to_crs(4326)
    glon, glat = wgs84_to_gcj02(pts.x.to_numpy(), pts.y.to_numpy())
    start = pd.Timestamp("2025-11-24")  # Monday of 2025-W48: 52 weeks to 2026-W47
    reported = start + pd.to_timedelta(rng.integers(0, 52 * 7 * 86400, n), unit="s")
    closed = reported + pd.to_timedelta(rng.integers(600, 5 * 86400, n), unit="s")
    status = np.array(STATUS)[rng.integers(0, len(STATUS), n)]
    cat = rng.integers(0, len(CATEGORIES), n)
    names = np.array([c[1] for c in CATEGORIES])[cat]
    frame = pd.DataFrame(
        {
            "案件编号": np.char.add("BIG", np.arange(n).astype("U8")),
            "上报时间": reported.strftime("%Y-%m-%d %H:%M:%S"),
            "大类": np.array([c[0] for c in CATEGORIES])[cat],
            "小类": names,
            "经度": np.round(glon, 6),
            "纬度": np.round(glat, 6),
            "案件状态": status,
            "结案时间": np.where(
                status == "已结案", closed.strftime("%Y-%m-%d %H:%M:%S"), ""
            ),
            "案件来源": np.array(SOURCE)[rng.integers(0, len(SOURCE), n)],
            "问题描述": np.char.add(names, "，请尽快处理"),
            "上报人": np.array(["张三", "李四", "王五", ""])[rng.integers(0, 4, n)],
            "联系电话": np.char.add(
                "1380532", rng.integers(1000, 9999, n).astype("U4")
            ),
        }
    )
    export = root / "reports.csv"
    frame.to_csv(export, index=False, encoding="gbk")
    depot = pts.iloc[0]
    config = root / "hotspots.toml"
    config.write_text(
        "\n".join(
            [
                "[city]",
                'name = "大城市基准"',
                "[input]",
                'reports = "reports.csv"',
                'coords = "gcj02"',
                "[boundaries]",
                'grid = "boundaries/grid.geojson"',
                'streets = "boundaries/streets.geojson"',
                "[analysis]",
                "history_weeks = 52",
                *(
                    [
                        f"backtest_weeks = {DENSE_BACKTEST_WEEKS}",
                        'backtest_methods = ["sepp"]',
                    ]
                    if backtest
                    else []
                ),
                "[patrol]",
                "enabled = true",
                "teams = 5",
                f"depots = [[{depot.x:.6f}, {depot.y:.6f}]]",
                "[output]",
                'folder = "maps"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return config


_JOB = """
import json, resource, sys, time
from hotspots.pipeline.weekly import Weekly
steps = {}
peaks = {}
last = [time.perf_counter(), "start"]
def progress(step):
    now = time.perf_counter()
    steps[last[1]] = steps.get(last[1], 0.0) + now - last[0]
    # the process's peak so far: a rise across a step is that step's own peak
    peaks[last[1]] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    last[:] = [now, step]
t0 = time.perf_counter()
job = Weekly(sys.argv[1], week=sys.argv[2], progress=progress)
job.write()
progress("done")
total = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"total_s": total, "peak_mb": peak, "steps": steps,
                  "peaks": peaks, "counts": job.summary["counts"]}))
"""


#: Imports the job makes after ``hotspots.pipeline.weekly`` (timed in a fresh process).
_IMPORTS = """
import time
import hotspots.pipeline.weekly
t = time.perf_counter()
import hotspots.stats.cluster, hotspots.stats.emerging, hotspots.ledger.blindspots
import hotspots.stats.local, hotspots.patrol.plan, hotspots.render.weekly_map
print(time.perf_counter() - t)
"""

REPEATS = 3


def dense(n: int, keep: Path | None) -> None:
    """Run the weekly job once on the dense city, with the SEPP backtest."""
    side = dense_side_m(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        t = time.perf_counter()
        if keep is not None and (keep / "hotspots.toml").exists():
            config = keep / "hotspots.toml"
            print(f"reusing the city in {keep}")
        else:
            config = make_city(root, n, side=side, backtest=True)
            print(
                f"made a dense city of {n:,} reports on {side / 1000:.2f} km x "
                f"{side / 1000:.2f} km ({DENSE_FACTOR:g}x the sample's density) in "
                f"{time.perf_counter() - t:.1f} s"
            )
        done = subprocess.run(
            [sys.executable, "-c", _JOB, str(config), END_WEEK],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        notices = [ln for ln in done.stderr.splitlines() if "sepp" in ln]
        print(f"weekly job end to end: {result['total_s']:.1f} s")
        print(f"peak memory of the job: {result['peak_mb']:.0f} MB (target < 4096 MB)")
        print("steps (s) and the process's peak memory after each (MB):")
        before = 0.0
        for step, seconds in result["steps"].items():
            peak = result["peaks"].get(step, before)
            rise = f"  +{peak - before:.0f} MB in this step" if peak > before else ""
            print(f"  {step:<12} {seconds:7.2f} s  {peak:7.0f} MB{rise}")
            before = max(before, peak)
        for line in notices[:3]:
            print("notice:", line.strip())
        print("counts:", result["counts"])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    keep = Path(args[1]) if len(args) > 1 else None
    if "--dense" in sys.argv[1:]:
        dense(n, keep)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        t = time.perf_counter()
        if keep is not None and (keep / "hotspots.toml").exists():
            config = keep / "hotspots.toml"
            print(f"reusing the city in {keep}")
        else:
            config = make_city(root, n)
            print(f"made a city of {n:,} reports in {time.perf_counter() - t:.1f} s")
        reads, jobs, own_reads = [], [], []
        for _ in range(REPEATS):  # alternate, so both see the same load
            t = time.perf_counter()
            pd.read_csv(root / "reports.csv", encoding="gbk")
            reads.append(time.perf_counter() - t)
            t = time.perf_counter()
            read_reports(root / "reports.csv", coords="gcj02", on_error="quarantine")
            own_reads.append(time.perf_counter() - t)
            done = subprocess.run(
                [sys.executable, "-c", _JOB, str(config), END_WEEK],
                capture_output=True,
                text=True,
                check=True,
            )
            jobs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        imports = subprocess.run(
            [sys.executable, "-c", _IMPORTS], capture_output=True, text=True, check=True
        )
        import_s = float(imports.stdout.strip().splitlines()[-1])
        read_s = float(np.median(reads))
        totals = [j["total_s"] for j in jobs]
        result = jobs[int(np.argsort(totals)[len(totals) // 2])]  # the median run
        total = result["total_s"]
        print(f"pandas.read_csv of the export: median {read_s:.2f} s of {REPEATS}")
        print(f"weekly job end to end:         median {total:.2f} s of {REPEATS}")
        print(f"ratio: {total / read_s:.2f}x (target <= 5x)")
        print(f"peak memory of the job: {result['peak_mb']:.0f} MB (target < 4096 MB)")
        print("where the 5x budget goes (the job's floor):")
        own = float(np.median(own_reads))
        print(f"  read_reports alone: {own:.2f} s = {own / read_s:.2f}x pandas")
        print(
            f"  importing the later steps' libraries (scikit-learn, folium, "
            f"OR-Tools...): {import_s:.2f} s = {import_s / read_s:.2f}x pandas"
        )
        print("steps of the median run (s, including what each step triggered;")
        print("grid and streets load in two threads beside 'read', so the time")
        print("up to 'assign' is that whole phase, under whichever step began last):")
        for step, seconds in result["steps"].items():
            print(f"  {step:<12} {seconds:7.2f}")
        print("counts:", result["counts"])


if __name__ == "__main__":
    main()
