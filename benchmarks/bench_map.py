"""Size and speed of the weekly map, against folium drawn the default way.

Two cases, each built, saved and opened in headless Chromium (network blocked,
``tiles="none"``):

1. the sample district (``hotspots.sample.district``, 16 weeks, ~2,000 cells) with every
   layer the pipeline's steps produce;
2. a synthetic large city week: 20,000 reports in the week, 100,000 grid
   cells, a year of history (cube 100,000 x 52).

"First render" is measured in the page: from navigation start until the map
script has run, every visible marker-cluster group has clustered all its
markers and two animation frames have been painted.

The peer is the same content drawn the default folium way: ``folium.GeoJson``
with a Python ``style_function`` for the drawn units, one ``folium.Marker``
with a ``Popup`` per report in a ``MarkerCluster`` and a ``HeatMap``, saved
with its assets inlined the same way.

Run: ``nice .venv/bin/python benchmarks/bench_map.py`` (``--quick`` skips the
large city's peer).
"""

from __future__ import annotations

import argparse
import html
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage
from shapely.geometry import LineString, Point, box

from hotspots.render.assets import inline_assets
from hotspots.render.weekly_map import (
    GI_COLORS,
    MapStyle,
    save_map,
    weekly_map,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DRAWN_PROBE = """
document.addEventListener('DOMContentLoaded', () => {
  const map = Object.values(window).find(
    v => typeof L === 'object' && v instanceof L.Map);
  function check() {
    const groups = [];
    if (map && L.MarkerClusterGroup) {
      map.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) groups.push(l); });
    }
    const done = groups.every(g => g._hsLoaded !== false);
    if (done) {
      requestAnimationFrame(() => requestAnimationFrame(() => {
        window.__drawn = performance.now();
      }));
    } else { setTimeout(check, 5); }
  }
  check();
});
"""


# ------------------------------------------------------------------ browser timing
def render_times(
    path: Path, repeats: int = 3, timeout_s: float = 120.0
) -> tuple[list[float], list[float]]:
    """First-render wall times and renderer main-thread CPU times (s), network blocked.

    The CPU time (Chrome's ``ThreadTime`` performance metric, read when the
    layers are drawn) does not grow when other processes compete for the
    cores, the wall time does: both are reported.
    """
    from playwright.sync_api import sync_playwright

    times, cpu = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith(("file:", "data:"))
                    else r.abort()
                ),
            )
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.add_init_script(DRAWN_PROBE)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(path.as_uri(), timeout=timeout_s * 1000, wait_until="commit")
            page.wait_for_function(
                "window.__drawn !== undefined", timeout=timeout_s * 1000, polling=50
            )
            times.append(page.evaluate("window.__drawn") / 1000.0)
            metrics = {
                m["name"]: m["value"]
                for m in cdp.send("Performance.getMetrics")["metrics"]
            }
            cpu.append(float(metrics["ThreadTime"]))
            if errors:
                print("   page errors:", errors[:3])
            page.close()
        browser.close()
    return times, cpu


# ------------------------------------------------------------------ the peer
def folium_default(
    units: gpd.GeoDataFrame | None, reports: gpd.GeoDataFrame, path: Path
) -> float:
    """Draw the same content the default folium way; return build+save seconds."""
    t0 = time.perf_counter()
    bounds = reports.total_bounds
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=14,
        tiles=None,
        maxZoom=19,  # marker clusters need a max zoom when there are no tiles
    )
    if units is not None and len(units):
        folium.GeoJson(
            units[["grid_id", "gi_class", "geometry"]],
            name="Gi*",
            style_function=lambda f: {
                "fillColor": GI_COLORS[int(f["properties"]["gi_class"])],
                "color": "#555555",
                "weight": 0.5,
                "fillOpacity": 0.65,
            },
            tooltip=folium.GeoJsonTooltip(["grid_id", "gi_class"]),
        ).add_to(m)
    cluster = folium.plugins.MarkerCluster(name="reports").add_to(m)
    for geom, cat, desc in zip(
        reports.geometry, reports["category"], reports["description"], strict=True
    ):
        # escaped here: the sample data holds <script> payloads that break a
        # folium page drawn with the raw text (its </script> ends the script)
        text = html.escape(f"{cat}: {desc}")
        folium.Marker([geom.y, geom.x], tooltip=text).add_to(cluster)
    folium.plugins.HeatMap(
        np.column_stack([reports.geometry.y, reports.geometry.x]).tolist(), name="heat"
    ).add_to(m)
    folium.LayerControl().add_to(m)
    page = inline_assets(m.get_root().render())
    path.write_text(page, encoding="utf-8")
    return time.perf_counter() - t0


# ------------------------------------------------------------------ the sample district
def sample_district() -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    from hotspots.sample import district as synth
    from hotspots.spatial.cube import space_time_cube
    from hotspots.stats.local import gi_star

    d = synth.make_district()
    week = d.weeks[-1]
    reports = d.reports.merge(d.report_cells[["report_id", "grid_id"]], on="report_id")
    reports = gpd.GeoDataFrame(reports, geometry="geometry", crs=d.reports.crs)
    cube = space_time_cube(reports, d.grid)
    gi = gi_star(d.grid, cube[week].to_numpy(dtype=float))
    frames: dict[str, Any] = {
        "grid": d.grid,
        "streets": d.streets,
        "cube": cube,
        "gi": gi,
        "week": week,
    }
    week_reports = reports[cube.columns[-1] == _labels_of(reports)]
    frames["reports"] = week_reports
    optional = {
        "emerging": lambda: _emerging(cube, d.grid),
        "blind_spots": lambda: _blind(reports, d.grid, frames.get("emerging")),
        "clusters": lambda: _clusters(week_reports),
        "plan": lambda: _plan(frames.get("blind_spots"), d.streets),
    }
    for key, make in optional.items():
        try:
            frames[key] = make()
        except Exception as err:  # another helper's step may not be ready yet
            print(f"   (sample: {key} not drawn: {type(err).__name__}: {err})")
    return frames, week_reports


def _labels_of(reports: gpd.GeoDataFrame) -> np.ndarray:
    from hotspots.spatial.cube import period_labels

    return period_labels(reports["reported_at"])


def _emerging(cube: pd.DataFrame, grid: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from hotspots.stats.emerging import emerging_hotspots

    return emerging_hotspots(cube, grid)


def _blind(reports, grid, emerging) -> gpd.GeoDataFrame:
    from hotspots.ledger.blindspots import blind_spots

    return blind_spots(reports, grid, emerging=emerging)


def _clusters(reports):
    from hotspots.stats.cluster import cluster

    return cluster(reports)


def _plan(blind, streets):
    from hotspots.patrol.plan import plan_patrols
    from hotspots.read.boundaries import segment_streets

    segments = segment_streets(streets)
    targets = blind.nsmallest(20, "rank")
    depot = segments.geometry.iloc[0].interpolate(0.5, normalized=True)
    return plan_patrols(
        targets, segments, teams=3, depots=[depot], shift_minutes=240, time_limit_s=5.0
    )


# ------------------------------------------------------------------ the large city
def large_city(seed: int = 7) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """100,000 cells of 100 m, a year of weekly counts, 20,000 reports this week."""
    rng = np.random.default_rng(seed)
    side = 316  # 316 x 316 = 99,856 cells ~ 100,000
    n = side * side
    x0, y0, size = 500_000.0, 3_990_000.0, 100.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xs, ys = x0 + jj.ravel() * size, y0 + ii.ravel() * size
    import shapely

    cells = shapely.box(xs, ys, xs + size, ys + size)
    ids = np.char.add("370202", np.char.zfill(np.arange(n).astype(str), 9))
    grid = gpd.GeoDataFrame(
        {
            "grid_id": ids,
            "community_id": np.char.add(
                "370202", np.char.zfill((np.arange(n) // 400).astype(str), 6)
            ),
        },
        geometry=cells,
        crs="EPSG:32651",
    ).to_crs("EPSG:4326")
    # a clumpy intensity surface: hot markets and streets over a background
    field = ndimage.gaussian_filter(rng.lognormal(0, 1.5, (side, side)), 6)
    field = field / field.sum()
    weekly = 20_000
    cube_vals = rng.poisson(field.ravel()[:, None] * weekly * rng.uniform(0.8, 1.2, 52))
    periods = [f"{2025 + (w + 48) // 52}-W{(w + 48) % 52 + 1:02d}" for w in range(52)]
    cube = pd.DataFrame(
        cube_vals.astype(np.int32),
        index=pd.Index(ids, name="grid_id"),
        columns=pd.Index(periods, name="period"),
    )
    # this week's reports: points in the cells, as many as the last cube column
    last = cube_vals[:, -1]
    cell_of = np.repeat(np.arange(n), last)
    m = len(cell_of)
    px = xs[cell_of] + rng.uniform(0, size, m)
    py = ys[cell_of] + rng.uniform(0, size, m)
    cats = np.asarray(
        [
            "占道经营",
            "乱停车",
            "卫生死角",
            "乱贴乱画",
            "建筑垃圾乱排乱放",
            "流浪犬",
            "井盖缺损",
            "绿化损坏",
            "违规广告",
            "油烟扰民",
            "噪声扰民",
            "积水",
            "道路破损",
            "垃圾满溢",
        ],
        dtype=object,
    )
    reports = gpd.GeoDataFrame(
        {
            "report_id": np.char.add(
                "BJ2026", np.char.zfill(np.arange(m).astype(str), 8)
            ),
            "reported_at": pd.Timestamp("2026-11-16", tz="Asia/Shanghai")
            + pd.to_timedelta(rng.uniform(0, 7, m), unit="D"),
            "category": cats[rng.integers(0, len(cats), m)],
            "status": rng.choice(["open", "closed", "reopened"], m),
            "source": rng.choice(["inspector", "hotline", "camera", "evaluation"], m),
            "weight": 1.0,
            "description": np.char.add(
                "沿街商铺门前占道堆放杂物，影响通行，编号", np.arange(m).astype(str)
            ).astype(object),
            "address": np.char.add("某某路", (np.arange(m) % 900).astype(str)).astype(
                object
            )
            + "号",
            "reporter_phone": "13800000000",
            "grid_id": ids[cell_of],
        },
        geometry=gpd.points_from_xy(px, py),
        crs="EPSG:32651",
    ).to_crs("EPSG:4326")
    # Gi* classes from the smoothed intensity (clumps of significant cells)
    z = (np.log(field.ravel()) - np.log(field).mean()) / np.log(field).std()
    gi_class = np.select(
        [z > 2.2, z > 1.8, z > 1.5, z < -2.3, z < -2.0, z < -1.7],
        [3, 2, 1, -3, -2, -1],
        0,
    )
    gi = grid.assign(gi_z=z, gi_p=np.exp(-np.abs(z)), gi_class=gi_class)
    keys = [
        "new_hot",
        "consecutive_hot",
        "intensifying_hot",
        "persistent_hot",
        "sporadic_hot",
        "oscillating_hot",
        "historical_hot",
        "sporadic_cold",
    ]
    pattern = np.where(
        np.abs(z) > 1.6,
        np.asarray(keys, dtype=object)[rng.integers(0, len(keys), n)],
        "no_pattern",
    )
    emerging = grid.assign(
        pattern=pattern, mk_p=rng.random(n), n_hot=rng.integers(0, 52, n)
    )
    score = np.clip(z, 0, None) * rng.random(n)
    rank = np.empty(n, dtype=int)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, n + 1)
    blind = grid.assign(
        score=score,
        rank=rank,
        reason_zh="热线反复反映，结案后复发",
        reason_en="Reported by the hotline again and again",
        reopened=rng.integers(0, 9, n),
        outside_share=rng.random(n),
    )
    hot_cells = np.flatnonzero(gi_class == 3)[:50]
    clusters = gpd.GeoDataFrame(
        {
            "cluster_id": np.arange(len(hot_cells)),
            "n_reports": 40,
            "category_mix": "占道经营 20、乱停车 20",
            "n_weeks": 4,
        },
        geometry=[
            box(xs[c] - 150, ys[c] - 150, xs[c] + 250, ys[c] + 250) for c in hot_cells
        ],
        crs="EPSG:32651",
    ).to_crs("EPSG:4326")
    stops = np.flatnonzero(rank <= 90)
    teams = np.repeat(np.arange(6), 15)[: len(stops)].astype(str)
    stop_frame = gpd.GeoDataFrame(
        {
            "team": teams,
            "order": np.tile(np.arange(1, 16), 6)[: len(stops)],
            "target_id": ids[stops],
            "dwell_min": 10.0,
            "score": score[stops],
            "reason": "盲区",
        },
        geometry=[Point(xs[c] + 50, ys[c] + 50) for c in stops],
        crs="EPSG:32651",
    ).to_crs("EPSG:4326")
    routes = gpd.GeoDataFrame(
        {
            "team": [str(t) for t in range(6)],
            "n_stops": 15,
            "duration_min": 240.0,
            "distance_m": 9000.0,
        },
        geometry=[
            LineString(list(stop_frame[stop_frame["team"] == str(t)].geometry))
            for t in range(6)
        ],
        crs="EPSG:4326",
    )

    class Plan:
        pass

    plan = Plan()
    plan.routes, plan.stops = routes, stop_frame  # type: ignore[attr-defined]
    streets = gpd.GeoDataFrame(
        {
            "street_id": [f"S{k}" for k in range(2 * side // 5)],
            "name": "大街",
            "street_class": "arterial",
        },
        geometry=[
            LineString([(x0, y0 + k * 500), (x0 + side * size, y0 + k * 500)])
            for k in range(side // 5)
        ]
        + [
            LineString([(x0 + k * 500, y0), (x0 + k * 500, y0 + side * size)])
            for k in range(side // 5)
        ],
        crs="EPSG:32651",
    ).to_crs("EPSG:4326")
    frames = {
        "grid": grid,
        "streets": streets,
        "reports": reports,
        "gi": gi,
        "emerging": emerging,
        "clusters": clusters,
        "blind_spots": blind,
        "plan": plan,
        "cube": cube,
        "week": periods[-1],
    }
    return frames, reports


# ------------------------------------------------------------------ run
def bench(
    name: str,
    frames: dict[str, Any],
    reports: gpd.GeoDataFrame,
    out: Path,
    *,
    peer: bool,
    limit_mb: float,
    limit_s: float,
) -> None:
    print(
        f"\n== {name}: {len(reports):,} reports this week, "
        f"{len(frames['grid']):,} cells, cube {frames['cube'].shape}"
    )
    builds, saves = [], []
    path = out / f"{name}.html"
    for _ in range(3):
        t0 = time.perf_counter()
        m = weekly_map(**frames, style=MapStyle(tiles="none"))
        t1 = time.perf_counter()
        save_map(m, path)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        saves.append(t2 - t1)
    size_mb = path.stat().st_size / 1e6
    load = os.getloadavg()[0]
    render, cpu = render_times(path)
    r_med = statistics.median(render)
    print(
        f"   weekly_map: build {statistics.median(builds):.2f} s + save "
        f"{statistics.median(saves):.2f} s; {size_mb:.2f} MB (limit {limit_mb} MB); "
        f"first render median {r_med:.2f} s of {[round(t, 2) for t in render]} "
        f"(limit {limit_s} s)  -> "
        f"{'OK' if size_mb <= limit_mb and r_med <= limit_s else 'OVER'}"
    )
    print(
        "   renderer main-thread CPU until drawn: "
        f"median {statistics.median(cpu):.2f} s of {[round(t, 2) for t in cpu]} "
        f"(load average {load:.1f} on {os.cpu_count()} cores)"
    )
    # the same page with the report clusters and the heat map on at opening
    everything = MapStyle(
        tiles="none",
        show=("grid", "streets", "gi", "blind_spots", "patrol", "reports", "heat"),
        show_reports_max=10**9,
    )
    apath = out / f"{name}_all_on.html"
    save_map(weekly_map(**frames, style=everything), apath)
    awall, acpu = render_times(apath)
    print(
        "   weekly_map with reports and heat map on at opening: first render "
        f"median {statistics.median(awall):.2f} s of {[round(t, 2) for t in awall]}, "
        f"CPU {statistics.median(acpu):.2f} s"
    )
    if not peer:
        return
    gi = frames["gi"]
    drawn = gi[gi["gi_class"] != 0]
    ppath = out / f"{name}_folium_default.html"
    pbuild = folium_default(drawn, reports, ppath)
    psize = ppath.stat().st_size / 1e6
    try:
        pwall, pcpu = render_times(ppath, repeats=1, timeout_s=180)
        prender = statistics.median(pwall)
        ptext = f"{prender:.2f} s (CPU {pcpu[0]:.2f} s)"
    except Exception as err:  # a timeout is a result too
        prender = float("nan")
        ptext = f"did not finish ({type(err).__name__})"
    print(
        "   folium default (same Gi* cells, reports, heat): "
        f"build+save {pbuild:.2f} s; "
        f"{psize:.2f} MB; first render {ptext}"
    )
    ours_s = statistics.median(builds) + statistics.median(saves)
    r_med = statistics.median(awall)  # the peer shows reports and heat too
    print(
        f"   ratios folium/weekly_map (all on): size {psize / size_mb:.1f}x, "
        f"build+save {pbuild / ours_s:.1f}x"
        + (f", render {prender / r_med:.1f}x" if prender == prender else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="no peer for the large city"
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        frames, week = sample_district()
        print(f"(sample district made in {time.perf_counter() - t0:.1f} s)")
        bench("sample_district", frames, week, out, peer=True, limit_mb=5, limit_s=2)
        t0 = time.perf_counter()
        frames, week = large_city()
        print(f"(large city made in {time.perf_counter() - t0:.1f} s)")
        bench(
            "large_city", frames, week, out, peer=not args.quick, limit_mb=10, limit_s=3
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
