"""Benchmark plan_patrols against a greedy nearest-neighbour baseline.

200 targets, 5 walking teams, a perturbed-lattice street network of about
10,000 segments (segments per the contract: segment_id, street_id,
street_name, street_class, oneway, length_m, u, v, LineString). The plan must
come within 30 s and cover at least 1.2x the score of the baseline, in which
each team in turn (the one with the earliest clock) walks to the nearest
unvisited target it can still visit and get back to its depot from within the
shift. Both use the same street travel times.

Run: ``nice .venv/bin/python benchmarks/bench_patrol.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from hotspots.patrol.plan import plan_patrols
from hotspots.spatial.network import snap, street_graph, travel_table

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0


def lattice_streets(
    nx: int, ny: int, *, spacing_m: float = 100.0, seed: int = 0
) -> gpd.GeoDataFrame:
    """A perturbed nx x ny lattice; each block edge is one segment with a kink."""
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(-0.2, 0.2, size=(ny, nx, 2)) * spacing_m
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny))
    xy = np.stack([X0 + gx * spacing_m, Y0 + gy * spacing_m], axis=-1) + jitter
    node = (gy * nx + gx).astype(np.int64)
    rows = []
    for (a, b), street in (
        ((node[:, :-1], node[:, 1:]), "row"),
        ((node[:-1, :], node[1:, :]), "col"),
    ):
        for u, v in zip(a.ravel(), b.ravel(), strict=True):
            rows.append((street, int(u), int(v)))
    u = np.array([r[1] for r in rows])
    v = np.array([r[2] for r in rows])
    flat = xy.reshape(-1, 2)
    mid = (flat[u] + flat[v]) / 2 + rng.normal(0, 4, size=(u.size, 2))
    geoms = [
        LineString([flat[a], m, flat[b]]) for a, m, b in zip(u, mid, v, strict=True)
    ]
    street_id = np.where(
        np.array([r[0] for r in rows]) == "row",
        np.char.add("R", (u // nx).astype(str)),
        np.char.add("C", (u % nx).astype(str)),
    )
    order = np.arange(u.size)
    klass = rng.choice(
        ["arterial", "secondary", "alley"], size=u.size, p=[0.2, 0.3, 0.5]
    )
    oneway = rng.random(u.size) < 0.1
    g = gpd.GeoDataFrame(
        {
            "segment_id": [
                f"{s}-{o:05d}" for s, o in zip(street_id, order, strict=True)
            ],
            "street_id": street_id,
            "street_name": np.char.add(street_id.astype(str), "路"),
            "street_class": klass,
            "oneway": oneway,
            "u": u,
            "v": v,
        },
        geometry=geoms,
        crs=CRS,
    )
    g["length_m"] = g.length
    return g


def targets_near(
    streets: gpd.GeoDataFrame, n: int, *, seed: int = 1
) -> gpd.GeoDataFrame:
    """Blind-spot-like targets: clustered and scattered, heavy-tailed scores."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = streets.total_bounds
    n_clustered = int(n * 0.6)
    centres = rng.uniform([x0, y0], [x1, y1], size=(8, 2))
    pick = rng.integers(0, 8, n_clustered)
    pts = np.vstack(
        [
            centres[pick] + rng.normal(0, 300, size=(n_clustered, 2)),
            rng.uniform([x0, y0], [x1, y1], size=(n - n_clustered, 2)),
        ]
    )
    pts = np.clip(pts, [x0, y0], [x1, y1])
    score = np.round(rng.lognormal(0.0, 1.0, size=n), 3)
    return gpd.GeoDataFrame(
        {
            "target_id": [f"T{k:03d}" for k in range(n)],
            "score": score,
            "reason_zh": "反复出现",
        },
        geometry=[Point(p) for p in pts],
        crs=CRS,
    )


def greedy_nearest(
    streets: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    depots: list[Point],
    *,
    shift_minutes: float,
    dwell_minutes: float,
    speed_kmh: float,
) -> tuple[float, int]:
    """Plain nearest-neighbour baseline; returns (total score, visits)."""
    graph = street_graph(streets, mode="walking", speed_kmh=speed_kmh)
    geoms = np.array(list(depots) + list(targets.geometry), dtype=object)
    snapped = snap(graph, geoms, max_distance_m=150.0)
    keep = np.flatnonzero(snapped.ok[len(depots) :])
    minutes = travel_table(graph, snapped).metres / graph.metres_per_minute
    n_v = len(depots)
    score = targets["score"].to_numpy()
    here = list(range(n_v))
    clock = [0.0] * n_v
    active = [True] * n_v
    unvisited = set((keep + n_v).tolist())
    total, visits = 0.0, 0
    while any(active) and unvisited:
        v = min((t, k) for k, t in enumerate(clock) if active[k])[1]
        cand = np.array(sorted(unvisited))
        arrive = clock[v] + minutes[here[v], cand]
        done = arrive + dwell_minutes + minutes[cand, v]
        ok = done <= shift_minutes
        if not ok.any():
            active[v] = False
            continue
        best = cand[ok][np.argmin(arrive[ok])]
        clock[v] = float(clock[v] + minutes[here[v], best] + dwell_minutes)
        here[v] = int(best)
        unvisited.discard(int(best))
        total += float(score[best - n_v])
        visits += 1
    return total, visits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nx", type=int, default=71)
    parser.add_argument("--ny", type=int, default=72)
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--shift", type=float, default=240.0)
    parser.add_argument("--time-limit", type=float, default=25.0)
    parser.add_argument("--solution-limit", type=int, default=2000)
    args = parser.parse_args()

    streets = lattice_streets(args.nx, args.ny)
    targets = targets_near(streets, args.targets)
    x0, y0, x1, y1 = streets.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    r = (x1 - x0) / 4
    angles = np.linspace(0, 2 * np.pi, args.teams, endpoint=False)
    depots = [Point(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles]
    print(
        f"network: {len(streets)} segments; {len(targets)} targets; "
        f"{args.teams} teams walking, shift {args.shift:g} min, dwell 15 min"
    )

    times, cpu, scores = [], [], []
    plan = None
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        plan = plan_patrols(
            targets,
            streets,
            teams=args.teams,
            depots=depots,
            shift_minutes=args.shift,
            dwell_minutes=15,
            time_limit_s=args.time_limit,
            solution_limit=args.solution_limit,
        )
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        scores.append(plan.total_score)
    assert plan is not None
    t0 = time.perf_counter()
    base, base_visits = greedy_nearest(
        streets,
        targets,
        depots,
        shift_minutes=args.shift,
        dwell_minutes=15,
        speed_kmh=4.5,
    )
    t_base = time.perf_counter() - t0
    med = statistics.median(times)
    print(
        f"plan_patrols: median {med:.2f} s over {args.repeats} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}; CPU median "
        f"{statistics.median(cpu):.2f} s); stopped by "
        f"{plan.search_stopped_by}; scores per run {[round(s, 3) for s in scores]}"
    )
    print(
        f"  total score {plan.total_score:.3f} in {len(plan.stops)} visits "
        f"(covered share {plan.covered_share:.1%}); "
        f"route minutes {plan.routes['duration_min'].round(1).tolist()}"
    )
    print(
        f"greedy nearest-neighbour: total score {base:.3f} in {base_visits} visits "
        f"({t_base:.2f} s)"
    )
    ratio = plan.total_score / base if base > 0 else float("inf")
    print(f"ratio plan / greedy: {ratio:.2f}x (target >= 1.2x); time target <= 30 s")


if __name__ == "__main__":
    main()
