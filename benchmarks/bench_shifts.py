"""Backtest: patrol in the right hours (issue 19).

For a synthetic city with planted hourly patterns (street vendors around
19:00 and heavier Friday to Sunday, illegal parking around 08:00 on weekdays,
rubbish around 12:30, night market stalls around 21:30) and for the sample
district, the profiles are learned on the history weeks and the plan is
scored on the held-out next week:

(a) hour-of-week profiles -> staggered shifts (:func:`design_shifts`, 8 h +
    4 h per team) -> each block's targets whose reports bunch in time get the
    densest 60-minute window of their profile, coinciding windows spread
    (:func:`visit_windows`, default concentration threshold 2) ->
    :func:`plan_patrols` per block;
(b) the same targets, every team in one 08:30-17:00 day shift, no windows.

Score: the share of next week's reports at the targets that fall within
+-30 minutes of a planned visit (the plan repeats every day), over all the
targets and over the visited stops only. The sample district is scored on
its last four weeks, each held out in turn (history strictly before it), and
pooled: one week holds only about 60 reports at the top 20 cells. Also the
share of planted spots with >= 50 history reports whose profile peak hour is
the planted one.

Run: ``nice .venv/bin/python benchmarks/bench_shifts.py``
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from hotspots.patrol.plan import plan_patrols, visit_windows
from hotspots.patrol.shifts import design_shifts
from hotspots.stats.profiles import daily_profile, hour_of_week_profile

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0
TZ = "Asia/Shanghai"
TOLERANCE_MIN = 30.0
SAMPLE_WEEKS = 4  # held-out weeks of the sample district

PLANTED = {  # kind: (centre of the peak in clock hours, sd minutes, weekday weights)
    "占道经营": (19.5, 35.0, (1, 1, 1, 1, 2, 3, 3)),  # the 19:00 hour
    "乱停车": (8.5, 30.0, (3, 3, 3, 3, 3, 1, 1)),  # the 08:00 hour
    "卫生死角": (12.5, 45.0, (1, 1, 1, 1, 1, 1, 1)),
    "夜市摊点": (21.5, 30.0, (1, 1, 1, 1, 2, 2, 1)),
}


def lattice(n: int, spacing: float = 120.0) -> gpd.GeoDataFrame:
    rows = []
    for r in range(n):
        for c in range(n):
            k = r * n + c
            if c + 1 < n:
                rows.append((f"h{k}", k, k + 1))
            if r + 1 < n:
                rows.append((f"v{k}", k, k + n))

    def xy(k: int) -> tuple[float, float]:
        return X0 + (k % n) * spacing, Y0 + (k // n) * spacing

    return gpd.GeoDataFrame(
        {
            "segment_id": [r[0] for r in rows],
            "oneway": False,
            "u": [r[1] for r in rows],
            "v": [r[2] for r in rows],
        },
        geometry=[LineString([xy(a), xy(b)]) for _, a, b in rows],
        crs=CRS,
    )


def planted_city(seed: int, *, n_spots: int = 24, weeks: int = 11):
    rng = np.random.default_rng(seed)
    streets = lattice(9)
    kinds = list(PLANTED)
    pick = rng.choice(len(streets), n_spots, replace=False)
    pts = [streets.geometry.iloc[p].interpolate(0.5, normalized=True) for p in pick]
    spots = gpd.GeoDataFrame(
        {
            "target_id": [f"s{k:02d}" for k in range(n_spots)],
            "kind": [kinds[k % len(kinds)] for k in range(n_spots)],
        },
        geometry=pts,
        crs=CRS,
    )
    monday = pd.Timestamp("2026-03-02", tz=TZ)
    rows = []
    for s in spots.itertuples():
        peak, sd, dayw = PLANTED[s.kind]
        per_week = rng.uniform(6, 10)
        n = rng.poisson(per_week * weeks)
        p = np.asarray(dayw, float) / sum(dayw)
        day = rng.choice(7, n, p=p)
        week = rng.integers(0, weeks, n)
        minute = peak * 60 + rng.normal(0, sd, n)
        t = (
            monday
            + pd.to_timedelta(week * 7 + day, "D")
            + pd.to_timedelta(minute, "min")
        )
        rows += [(s.target_id, s.kind, x) for x in t]
    reports = pd.DataFrame(rows, columns=["target_id", "category", "reported_at"])
    cut = monday + pd.Timedelta(weeks=weeks - 1)
    return streets, spots, reports, cut


def hit_share(plan_stops: list[pd.DataFrame], test: pd.DataFrame, targets) -> tuple:
    """Share of test reports within +-30 min of a visit (all targets, visited)."""
    visits: dict[str, list[tuple[float, float]]] = {}
    for stops, start in plan_stops:
        for r in stops.itertuples():
            a = start + r.arrival - TOLERANCE_MIN
            b = start + r.departure + TOLERANCE_MIN
            visits.setdefault(str(r.target_id), []).append((a, b))
    local = test["reported_at"].dt.tz_convert(TZ)
    clock = (local.dt.hour * 60 + local.dt.minute).to_numpy(float)
    ids = test["target_id"].astype(str).to_numpy()
    hit = np.zeros(len(test), bool)
    for k, (tid, c) in enumerate(zip(ids, clock, strict=True)):
        for a, b in visits.get(tid, []):
            if a <= c <= b or a <= c + 1440 <= b:
                hit[k] = True
                break
    at_targets = np.isin(ids, list(targets))
    visited = np.isin(ids, list(visits))
    return (
        hit[at_targets].mean() if at_targets.any() else 0.0,
        hit[visited].mean() if visited.any() else 0.0,
    )


def run(streets, targets, history, test, depot, *, teams: int, unit: str, label: str):
    t0 = time.perf_counter()
    prof = hour_of_week_profile(history, unit=unit, tz=TZ)
    ids = [t for t in targets["target_id"] if t in prof.shares.index]
    design = design_shifts(prof, teams=teams, shift_hours=(8, 4), units=ids)
    blocks = design.blocks()
    # each target goes to the block holding most of its reports (spreading
    # them by expected hits per visit over the 4-hour blocks was tried: each
    # block has one team, fewer stops were reached, and the sample lost more)
    mass = np.zeros((len(ids), len(blocks)))
    for j, (start, minutes, _) in enumerate(blocks):
        h0 = int(start[:2]) * 60 + int(start[3:])
        for i, tid in enumerate(ids):
            hourly = daily_profile(prof, tid)
            m = np.arange(h0, h0 + minutes, 15.0)
            mass[i, j] = hourly[(m // 60).astype(int) % 24].sum()
    choice = mass.argmax(axis=1)
    a_stops = []
    for j, (start, minutes, team_ids) in enumerate(blocks):
        mine = [ids[i] for i in range(len(ids)) if choice[i] == j]
        if not mine:
            continue
        sub = targets[targets["target_id"].isin(mine)]
        wins = visit_windows(
            prof, mine, shift_start=start, shift_minutes=minutes, window_minutes=60
        )
        plan = plan_patrols(
            sub,
            streets,
            teams=len(team_ids),
            depots=depot,
            shift_minutes=minutes,
            shift_start=start,
            time_windows=wins,
            time_limit_s=30,
        )
        h0 = int(start[:2]) * 60 + int(start[3:])
        a_stops.append((plan.stops, h0))
    b_plan = plan_patrols(
        targets,
        streets,
        teams=teams * 2,
        depots=depot,
        shift_minutes=510,
        shift_start="08:30",
        time_limit_s=30,
    )
    a_all, a_vis = hit_share(a_stops, test, targets["target_id"])
    b_all, b_vis = hit_share([(b_plan.stops, 510.0)], test, targets["target_id"])
    print(f"\n-- {label} ({time.perf_counter() - t0:.1f} s)")
    print(design.schedule.to_string(index=False))
    print(
        f"expected coverage of reports at targets: staggered {design.coverage:.1%} "
        f"vs day shift 08:30-17:00 {design.baseline_coverage:.1%}"
    )
    print(
        f"next week's reports within +-30 min of a visit: (a) {a_all:.1%} "
        f"(visited stops {a_vis:.1%}), (b) {b_all:.1%} (visited {b_vis:.1%}), "
        f"ratio {a_all / b_all if b_all else float('inf'):.2f}, "
        f"margin {100 * (a_all - b_all):+.1f} points"
    )
    return a_all, b_all


def main() -> None:
    print("== planted city ==")
    results = []
    recovered = total = 0
    for seed in (1, 2, 3):
        streets, spots, reports, cut = planted_city(seed)
        history = reports[reports["reported_at"] < cut]
        test = reports[reports["reported_at"] >= cut]
        prof = hour_of_week_profile(history, unit="target_id", tz=TZ)
        for s in spots.itertuples():
            if prof.n_reports.get(s.target_id, 0) >= 50:
                total += 1
                peak = int(daily_profile(prof, s.target_id).argmax())
                recovered += peak == int(PLANTED[s.kind][0])
        depot = Point(X0 + 480, Y0 + 480)
        targets = spots.assign(score=1.0)
        results.append(
            run(
                streets,
                targets,
                history,
                test,
                depot,
                teams=2,
                unit="target_id",
                label=f"planted city seed {seed}",
            )
        )
    print(f"\npeak hour recovered: {recovered}/{total} spots with >= 50 reports")
    a = np.mean([r[0] for r in results])
    b = np.mean([r[1] for r in results])
    print(f"mean over seeds: (a) {a:.1%}, (b) {b:.1%}, ratio {a / b:.2f}")

    print("\n== sample district ==")
    from hotspots.read.boundaries import read_boundaries, segment_streets
    from hotspots.sample.district import read_sample
    from hotspots.spatial.join import assign

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = read_sample(ROOT)  # the weekly exports, latest row per case
        grid = read_boundaries(ROOT / "boundaries" / "grid.geojson", kind="grid")
        streets = read_boundaries(
            ROOT / "boundaries" / "streets.geojson", kind="streets"
        )
        reports = assign(read.reports, grid=grid)
    metric = streets.estimate_utm_crs()
    streets = segment_streets(streets.to_crs(metric))
    reports = reports[reports["grid_id"].notna()].copy()
    reports["target_id"] = reports["grid_id"].astype(str)
    local = reports["reported_at"].dt.tz_convert(TZ)
    last = local.max().normalize() - pd.Timedelta(days=6)
    last = last - pd.Timedelta(days=last.day_of_week)
    cells = grid.assign(target_id=grid["grid_id"].astype(str))
    pooled = []
    # the last week held out, then each of the three weeks before it (history
    # always strictly before the held-out week): one week of a sample district
    # holds about 80 reports at the top 20 cells, so one week is noisy
    for back in range(SAMPLE_WEEKS):
        cut = last - pd.Timedelta(weeks=back)
        history = reports[local < cut]
        test = reports[(local >= cut) & (local < cut + pd.Timedelta(weeks=1))]
        top = history["target_id"].value_counts().head(20).index
        targets = cells[cells["target_id"].isin(top)].to_crs(metric)
        targets = targets.assign(score=1.0)[["target_id", "score", "geometry"]]
        targets["geometry"] = targets.geometry.representative_point()
        depot = targets.geometry.union_all().centroid
        a, b = run(
            streets,
            targets,
            history,
            test,
            depot,
            teams=2,
            unit="target_id",
            label=f"sample district, top 20 cells, held-out week from {cut:%Y-%m-%d}",
        )
        pooled.append((a, b, int(test["target_id"].isin(top).sum())))
    n = sum(p[2] for p in pooled)
    a = sum(p[0] * p[2] for p in pooled) / n
    b = sum(p[1] * p[2] for p in pooled) / n
    print(
        f"\nsample district, last week: (a) {pooled[0][0]:.1%}, (b) {pooled[0][1]:.1%}"
        f" ({pooled[0][2]} reports at the targets)"
    )
    print(
        f"sample district, {len(pooled)} held-out weeks pooled ({n} reports at the "
        f"targets): (a) {a:.1%}, (b) {b:.1%}, ratio {a / b:.2f}"
    )


if __name__ == "__main__":
    main()
