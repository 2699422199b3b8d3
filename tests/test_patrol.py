from __future__ import annotations

import csv
import itertools
import json
import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import networkx as nx
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from hotspots.errors import CRSError, InputError
from hotspots.patrol.plan import (
    LEFT_OUT_REASONS,
    SCHEDULE_HEADERS,
    PatrolPlan,
    plan_patrols,
)
from hotspots.spatial.network import depot_legs, snap, street_graph, travel_table

UTM51N = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0
GPX = "{http://www.topografix.com/GPX/1/1}"


def lattice(
    nx_: int, ny_: int, spacing: float = 100.0, oneway=None
) -> gpd.GeoDataFrame:
    """Straight lattice streets, node id = row * nx + col, geometry u -> v."""
    rows = []
    for r in range(ny_):
        for c in range(nx_):
            n = r * nx_ + c
            if c + 1 < nx_:
                rows.append((f"h{r}_{c}", n, n + 1))
            if r + 1 < ny_:
                rows.append((f"v{r}_{c}", n, n + nx_))

    def xy(n: int) -> tuple[float, float]:
        return X0 + (n % nx_) * spacing, Y0 + (n // nx_) * spacing

    seg = gpd.GeoDataFrame(
        {
            "segment_id": [r[0] for r in rows],
            "street_id": [r[0][:2] for r in rows],
            "street_name": "路",
            "street_class": "secondary",
            "oneway": False,
            "u": [r[1] for r in rows],
            "v": [r[2] for r in rows],
        },
        geometry=[LineString([xy(r[1]), xy(r[2])]) for r in rows],
        crs=UTM51N,
    )
    if oneway is not None:
        seg["oneway"] = seg["segment_id"].isin(oneway)
    seg["length_m"] = seg.length
    return seg


def node_xy(n: int, nx_: int, spacing: float = 100.0) -> Point:
    return Point(X0 + (n % nx_) * spacing, Y0 + (n // nx_) * spacing)


def random_targets(
    streets: gpd.GeoDataFrame, n: int, seed: int, *, offset_m: float = 10.0
) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(streets), size=n, replace=False)
    lines = streets.geometry.to_numpy()[pick]
    pts = shapely.line_interpolate_point(
        lines, rng.uniform(0.1, 0.9, n), normalized=True
    )
    pts = shapely.transform(pts, lambda c: c + np.array([0.0, offset_m]))
    return gpd.GeoDataFrame(
        {
            "target_id": [f"t{k}" for k in range(n)],
            "score": np.round(rng.uniform(1, 10, n), 2),
            "reason_zh": "反复出现",
        },
        geometry=pts,
        crs=streets.crs,
    )


def minutes_matrix(streets, depots, targets, speed_kmh=4.5):
    g = street_graph(streets, mode="walking", speed_kmh=speed_kmh)
    geoms = np.array(list(depots) + list(targets.geometry), dtype=object)
    s = snap(g, geoms, max_distance_m=150)
    return travel_table(g, s).metres / g.metres_per_minute


def brute_force(minutes, n_depots, scores, shift, dwell):
    """Best total score over all assignments and orders (<= 6 targets, 1-2 teams)."""
    n = len(scores)
    best_time: list[dict[frozenset[int], float]] = []
    for d in range(n_depots):
        table: dict[frozenset[int], float] = {frozenset(): 0.0}
        for size in range(1, n + 1):
            for subset in itertools.combinations(range(n), size):
                best = np.inf
                for perm in itertools.permutations(subset):
                    here, t = d, 0.0
                    for k in perm:
                        t += minutes[here, n_depots + k] + dwell
                        here = n_depots + k
                    t += minutes[here, d]
                    best = min(best, t)
                table[frozenset(subset)] = best
        best_time.append(table)
    feasible = [
        [s for s, t in table.items() if t <= shift + 1e-9] for table in best_time
    ]
    if n_depots == 1:
        return max(sum(scores[k] for k in s) for s in feasible[0])
    best = 0.0
    for a in feasible[0]:
        for b in feasible[1]:
            if not a & b:
                best = max(best, sum(scores[k] for k in a | b))
    return best


@pytest.fixture
def grid_streets() -> gpd.GeoDataFrame:
    return lattice(5, 5)


# ---------------------------------------------------------------------------------
# network
# ---------------------------------------------------------------------------------
def test_street_graph_oneway_rules():
    seg = lattice(3, 1, oneway=["h0_0"])
    walk = street_graph(seg, mode="walking")
    car = street_graph(seg, mode="car")
    bike = street_graph(seg, mode="ebike")
    assert walk.matrix[1, 0] == pytest.approx(100.0)
    assert car.matrix[1, 0] == 0.0  # no edge against the one-way
    assert car.matrix[0, 1] == pytest.approx(100.0)
    assert bike.matrix[1, 0] == 0.0
    assert walk.speed_kmh == 4.5
    assert bike.speed_kmh == 15.0
    assert car.speed_kmh == 25.0
    assert street_graph(seg, speed_kmh=6).speed_kmh == 6.0


def test_travel_table_matches_networkx_on_nodes():
    seg = lattice(5, 4, oneway=["h1_1", "v0_2", "h2_3"])
    g = street_graph(seg, mode="car")
    dg = nx.DiGraph()
    for row in seg.itertuples():
        dg.add_edge(row.u, row.v, weight=row.geometry.length)
        if not row.oneway:
            dg.add_edge(row.v, row.u, weight=row.geometry.length)
    nodes = [0, 3, 7, 12, 19, 16]
    s = snap(g, [node_xy(n, 5) for n in nodes], max_distance_m=1)
    got = travel_table(g, s).metres
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            want = nx.shortest_path_length(dg, a, b, weight="weight")
            assert got[i, j] == pytest.approx(want)


@pytest.mark.parametrize("mode", ["walking", "car"])
def test_depot_legs_are_the_depots_rows_and_columns_of_the_travel_table(mode):
    seg = lattice(7, 6, oneway=["h1_1", "v0_2", "h2_3", "v3_4", "h4_5", "h0_0"])
    g = street_graph(seg, mode=mode)
    rng = np.random.default_rng(3)
    pts = [Point(X0 + x, Y0 + y) for x, y in rng.uniform(0, 600, (30, 2))]
    pts[5] = pts[0]  # a second depot at the first one
    s = snap(g, pts, max_distance_m=100)
    full = travel_table(g, s).metres
    out, back = depot_legs(g, s, 6)
    np.testing.assert_array_equal(out, full[:6])  # the same sums
    np.testing.assert_allclose(back, full[:, :6], rtol=1e-12, atol=1e-9)
    assert np.array_equal(np.isinf(back), np.isinf(full[:, :6]))
    if mode == "car":
        assert (out != back.T).any()  # one-way streets: out and back differ


def test_targets_no_team_can_reach_in_a_shift_skip_the_table(grid_streets, monkeypatch):
    """Far targets are left out with the reason they always had, without the table."""
    import hotspots.patrol.plan as plan_module

    streets = lattice(30, 4)  # 2.9 km of streets: a walking shift reaches a part
    targets = random_targets(streets, 24, 8)
    depots = [node_xy(0, 30), node_xy(1, 30)]
    sizes: list[int] = []
    real = plan_module.travel_table

    def counting(graph, points):
        sizes.append(len(points.segment))
        return real(graph, points)

    def no_pruning(graph, points, depots):  # every round trip looks short
        n = len(points.segment)
        return np.zeros((depots, n)), np.zeros((n, depots))

    monkeypatch.setattr(plan_module, "travel_table", counting)
    kwargs = {"teams": 2, "depots": depots, "shift_minutes": 30, "dwell_minutes": 5}
    pruned = plan_patrols(targets, streets, **kwargs)
    monkeypatch.setattr(plan_module, "depot_legs", no_pruning)
    whole = plan_patrols(targets, streets, **kwargs)
    assert sizes[0] < sizes[1] == 26  # the pruned table left out far targets
    assert 0 < len(pruned.stops) < 24
    assert "no time" in set(pruned.left_out["reason"])
    pd.testing.assert_frame_equal(pruned.stops, whole.stops)
    pd.testing.assert_frame_equal(pruned.left_out, whole.left_out)
    pd.testing.assert_frame_equal(
        pd.DataFrame(pruned.routes.drop(columns="geometry")),
        pd.DataFrame(whole.routes.drop(columns="geometry")),
    )
    assert pruned.routes.geometry.geom_equals_exact(whole.routes.geometry, 1e-9).all()


def test_travel_partial_segments_by_hand():
    seg = lattice(3, 1, oneway=["h0_1"])  # 0 -100- 1 -100- 2, 1->2 one-way
    pts = [Point(X0 + 30, Y0), Point(X0 + 80, Y0 + 5), Point(X0 + 150, Y0)]
    walk = travel_table(
        street_graph(seg), snap(street_graph(seg), pts, max_distance_m=10)
    )
    assert walk.metres[0, 1] == pytest.approx(50.0)  # along the shared segment
    assert walk.metres[0, 2] == pytest.approx(120.0)
    assert walk.metres[2, 0] == pytest.approx(120.0)
    g = street_graph(seg, mode="car")
    car = travel_table(g, snap(g, pts, max_distance_m=10)).metres
    assert car[0, 2] == pytest.approx(120.0)
    assert np.isinf(car[2, 0])  # the one-way end segment leads nowhere back


def test_snap_polygon_target_onto_bordering_street(grid_streets):
    g = street_graph(grid_streets)
    cell = box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)
    far_cell = box(X0 + 1000, Y0 + 1000, X0 + 1100, Y0 + 1100)
    s = snap(g, [cell, far_cell, None], max_distance_m=20)
    assert s.ok.tolist() == [True, False, False]
    assert s.distance_m[0] == 0.0
    assert s.distance_m[1] == pytest.approx(np.hypot(600, 600))
    assert np.isnan(s.distance_m[2])


# ---------------------------------------------------------------------------------
# optimum by enumeration
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seed", "n_teams"), [(2, 1), (4, 1), (6, 1), (5, 2), (7, 2), (9, 2)]
)
def test_total_score_equals_brute_force_optimum(grid_streets, seed, n_teams):
    targets = random_targets(grid_streets, 6, seed)
    depots = [node_xy(0, 5), node_xy(24, 5)][:n_teams]
    shift, dwell = (30.0, 5.0) if n_teams == 1 else (20.0, 5.0)
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=n_teams,
        depots=depots,
        shift_minutes=shift,
        dwell_minutes=dwell,
    )
    minutes = minutes_matrix(grid_streets, depots, targets)
    best = brute_force(minutes, n_teams, targets["score"].to_numpy(), shift, dwell)
    assert plan.total_score == pytest.approx(best)
    assert 0 < len(plan.stops) < 6  # the instance is not trivial
    assert len(plan.stops) + len(plan.left_out) == 6


def test_near_optimum_on_many_instances(grid_streets):
    """A heuristic: never above the optimum, and on average within 2 %."""
    ratios = []
    for seed in range(30, 42):
        n_teams = 1 + seed % 2
        targets = random_targets(grid_streets, 6, seed)
        depots = [node_xy(0, 5), node_xy(24, 5)][:n_teams]
        shift = 30.0 if n_teams == 1 else 20.0
        plan = plan_patrols(
            targets,
            grid_streets,
            teams=n_teams,
            depots=depots,
            shift_minutes=shift,
            dwell_minutes=5,
        )
        minutes = minutes_matrix(grid_streets, depots, targets)
        best = brute_force(minutes, n_teams, targets["score"].to_numpy(), shift, 5)
        assert plan.total_score <= best + 1e-9
        ratios.append(plan.total_score / best)
    assert np.mean(ratios) >= 0.98


# ---------------------------------------------------------------------------------
# constraints
# ---------------------------------------------------------------------------------
def check_constraints(plan: PatrolPlan, streets, targets, depots, windows=None):
    ids = targets["target_id"].tolist()
    minutes = minutes_matrix(streets, depots, targets, speed_kmh=plan.speed_kmh)
    pos = {t: len(depots) + k for k, t in enumerate(ids)}
    shift, dwell = plan.shift_minutes, plan.dwell_minutes
    g = street_graph(streets)
    depot_snap = snap(g, list(depots), max_distance_m=150)
    assert plan.routes["team"].tolist() == list(plan.teams)
    for v, route in enumerate(plan.routes.itertuples()):
        stops = plan.stops[plan.stops["team"] == route.team]
        assert stops["order"].tolist() == list(range(1, len(stops) + 1))
        assert route.n_stops == len(stops)
        assert route.duration_min <= shift + 1e-6
        assert route.total_score == pytest.approx(stops["score"].sum())
        here, t = v, 0.0
        for s in stops.itertuples():
            p = pos[s.target_id]
            assert s.departure - s.arrival == pytest.approx(dwell)
            assert s.dwell_min == dwell
            earliest = t + minutes[here, p]
            assert s.travel_min == pytest.approx(minutes[here, p])
            assert s.arrival >= earliest - 1e-6
            if windows is None or s.target_id not in windows:
                assert s.arrival == pytest.approx(earliest)
            else:
                assert any(
                    a - 1e-6 <= s.arrival <= b + 1e-6 for a, b in windows[s.target_id]
                )
            t, here = s.departure, p
        if len(stops):
            assert route.duration_min == pytest.approx(t + minutes[here, v])
            coords = shapely.get_coordinates(route.geometry)
            depot_pt = depot_snap.point[v]
            assert Point(coords[0]).distance(depot_pt) < 1e-6
            assert Point(coords[-1]).distance(depot_pt) < 1e-6
            assert route.geometry.length == pytest.approx(route.distance_m, rel=1e-6)
            # the line passes through every stop
            for s in stops.itertuples():
                assert route.geometry.distance(s.geometry) < 1e-6
        else:
            assert route.geometry is None
    keys = list(zip(plan.stops["target_id"], plan.stops["visit"], strict=True))
    assert len(keys) == len(set(keys))


def test_constraints_hold_with_windows_and_teams():
    streets = lattice(7, 7)
    targets = random_targets(streets, 20, 7)
    depots = [node_xy(0, 7), node_xy(48, 7), node_xy(24, 7)]
    windows = {"t0": [(60, 75)], "t3": [(0, 10), (100, 110)], "t5": [(30, 200)]}
    plan = plan_patrols(
        targets,
        streets,
        teams=["东1组", "东2组", "西1组"],
        depots=depots,
        shift_minutes=120,
        dwell_minutes=10,
        time_windows=windows,
    )
    check_constraints(plan, streets, targets, depots, windows)
    assert plan.teams == ("东1组", "东2组", "西1组")
    assert set(plan.left_out["reason"]) <= {"no time", "time window"}
    assert len(plan.stops) + len(plan.left_out) == 20
    assert plan.total_score == pytest.approx(plan.stops["score"].sum())
    assert plan.covered_share == pytest.approx(
        plan.total_score / targets["score"].sum()
    )
    assert (plan.stops["reason"] == "反复出现").all()


def test_clock_time_windows_and_schedule(grid_streets):
    targets = random_targets(grid_streets, 4, 11)
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=1,
        depots=node_xy(12, 5),
        shift_minutes=180,
        dwell_minutes=15,
        shift_start="08:00",
        time_windows={"t1": [("09:30", "09:40")]},
    )
    stop = plan.stops.set_index("target_id").loc["t1"]
    assert 90 - 1e-6 <= stop["arrival"] <= 100 + 1e-6
    assert "09:30" <= stop["arrival_clock"] <= "09:40"
    assert plan.schedule()["到达时间"].str.match(r"^\d\d:\d\d$").all()
    check_constraints(
        plan, grid_streets, targets, [node_xy(12, 5)], {"t1": [(90, 100)]}
    )


def test_revisits_are_spaced(grid_streets):
    targets = random_targets(grid_streets, 2, 12).iloc[:1]
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=1,
        depots=node_xy(12, 5),
        shift_minutes=180,
        dwell_minutes=10,
        revisit_minutes=60,
    )
    assert plan.stops["visit"].tolist() == [1, 2, 3]
    arrivals = plan.stops["arrival"].to_numpy()
    for k, a in enumerate(arrivals):
        assert k * 60 - 1e-6 <= a < (k + 1) * 60
    assert plan.total_score == pytest.approx(3 * targets["score"].iloc[0])
    windows = {"t0": [(0, 60), (60, 120), (120, 180)]}
    check_constraints(plan, grid_streets, targets, [node_xy(12, 5)], windows)


def test_deterministic(grid_streets):
    streets = lattice(8, 8)
    targets = random_targets(streets, 30, 3)
    kw = {"teams": 2, "depots": [node_xy(0, 8), node_xy(63, 8)], "shift_minutes": 90}
    a = plan_patrols(targets, streets, **kw)
    b = plan_patrols(targets, streets, **kw)
    assert a.search_stopped_by == "search_limit"
    pd.testing.assert_frame_equal(a.stops, b.stops)
    pd.testing.assert_frame_equal(a.left_out, b.left_out)
    assert a.routes.geometry.geom_equals_exact(b.routes.geometry, 0).all()


def test_random_order(grid_streets):
    streets = lattice(7, 7)
    targets = random_targets(streets, 12, 9)
    depots = [node_xy(24, 7)]
    kw = {"teams": 1, "depots": depots, "shift_minutes": 180, "dwell_minutes": 10}
    best = plan_patrols(targets, streets, **kw)
    r1 = plan_patrols(targets, streets, order="random", seed=1, **kw)
    r1b = plan_patrols(targets, streets, order="random", seed=1, **kw)
    r2 = plan_patrols(targets, streets, order="random", seed=2, **kw)
    pd.testing.assert_frame_equal(r1.stops, r1b.stops)
    for r in (r1, r2):
        assert set(r.stops["target_id"]) <= set(best.stops["target_id"])
        assert len(r.stops) + len(r.left_out) == 12
        assert r.total_score <= best.total_score + 1e-9
        check_constraints(r, streets, targets, depots)
    assert r1.stops["target_id"].tolist() != best.stops["target_id"].tolist()
    assert r1.stops["target_id"].tolist() != r2.stops["target_id"].tolist()


def test_input_not_changed_and_geographic_crs(grid_streets):
    targets = random_targets(grid_streets, 5, 2)
    streets_ll = grid_streets.to_crs("EPSG:4326")
    targets_ll = targets.to_crs("EPSG:4326")
    before_s, before_t = streets_ll.copy(), targets_ll.copy()
    depot = gpd.GeoSeries([node_xy(12, 5)], crs=UTM51N).to_crs("EPSG:4326")
    plan = plan_patrols(
        targets_ll, streets_ll, teams=1, depots=depot, shift_minutes=40, dwell_minutes=5
    )
    pd.testing.assert_frame_equal(streets_ll, before_s)
    pd.testing.assert_frame_equal(targets_ll, before_t)
    metric = plan_patrols(
        targets,
        grid_streets,
        teams=1,
        depots=node_xy(12, 5),
        shift_minutes=40,
        dwell_minutes=5,
    )
    assert plan.routes.crs == streets_ll.crs
    assert plan.stops.crs == streets_ll.crs
    assert plan.stops["target_id"].tolist() == metric.stops["target_id"].tolist()
    assert plan.routes["distance_m"].iloc[0] == pytest.approx(
        metric.routes["distance_m"].iloc[0], rel=2e-3
    )


def test_blind_spot_like_targets_with_polygons(grid_streets):
    cells = gpd.GeoDataFrame(
        {
            "grid_id": ["g1", "g2", "g3"],
            "rank": [1, 2, 3],
            "score": [3.0, 2.0, 1.0],
            "reason_zh": ["热线反复", "测评发现", "返工"],
        },
        geometry=[
            box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200),
            box(X0 + 200, Y0 + 300, X0 + 300, Y0 + 400),
            box(X0, Y0, X0 + 100, Y0 + 100),
        ],
        crs=UTM51N,
    )
    plan = plan_patrols(
        cells, grid_streets, teams=1, depots=node_xy(0, 5), shift_minutes=60
    )
    assert sorted(plan.stops["target_id"]) == ["g1", "g2", "g3"]
    assert set(plan.stops["reason"]) == {"热线反复", "测评发现", "返工"}


# ---------------------------------------------------------------------------------
# left out, with reasons and warnings
# ---------------------------------------------------------------------------------
def test_disconnected_graph_unreachable(grid_streets):
    island = gpd.GeoDataFrame(
        {"segment_id": ["i1"], "u": [900], "v": [901], "oneway": [False]},
        geometry=[LineString([(X0 + 2000, Y0), (X0 + 2100, Y0)])],
        crs=UTM51N,
    )
    streets = pd.concat([grid_streets, island], ignore_index=True)
    targets = gpd.GeoDataFrame(
        {"target_id": ["a", "b"], "score": [1.0, 5.0]},
        geometry=[Point(X0 + 50, Y0 + 3), Point(X0 + 2050, Y0 + 3)],
        crs=UTM51N,
    )
    with pytest.warns(UserWarning, match="1 unreachable from every depot"):
        plan = plan_patrols(
            targets, streets, teams=1, depots=node_xy(0, 5), shift_minutes=60
        )
    assert plan.stops["target_id"].tolist() == ["a"]
    assert plan.left_out.to_dict("records") == [
        {
            "target_id": "b",
            "visit": 1,
            "score": 5.0,
            "reason": "unreachable",
            "reason_zh": LEFT_OUT_REASONS["unreachable"]["zh"],
        }
    ]


def test_one_way_unreachable_by_car():
    # a dead end reached only against a one-way: the car cannot get there
    seg = lattice(3, 1, oneway=["h0_1"])
    seg.loc[seg["segment_id"] == "h0_1", ["u", "v"]] = [2, 1]
    seg.loc[seg["segment_id"] == "h0_1", "geometry"] = LineString(
        [(X0 + 200, Y0), (X0 + 100, Y0)]
    )
    targets = gpd.GeoDataFrame(
        {"target_id": ["end"], "score": [1.0]},
        geometry=[Point(X0 + 190, Y0)],
        crs=UTM51N,
    )
    walk = plan_patrols(targets, seg, teams=1, depots=Point(X0, Y0), shift_minutes=60)
    assert walk.stops["target_id"].tolist() == ["end"]
    with pytest.warns(UserWarning, match="unreachable"):
        car = plan_patrols(
            targets, seg, teams=1, depots=Point(X0, Y0), shift_minutes=60, mode="car"
        )
    assert car.left_out["reason"].tolist() == ["unreachable"]


def test_no_geometry_and_too_far_are_left_out(grid_streets):
    targets = gpd.GeoDataFrame(
        {"target_id": ["ok", "none", "empty", "far"], "score": [1.0, 2.0, 3.0, 4.0]},
        geometry=[Point(X0 + 50, Y0), None, Point(), Point(X0 + 5000, Y0)],
        crs=UTM51N,
    )
    with pytest.warns(UserWarning, match="2 without geometry, 1 farther"):
        plan = plan_patrols(
            targets, grid_streets, teams=1, depots=node_xy(0, 5), shift_minutes=60
        )
    assert plan.stops["target_id"].tolist() == ["ok"]
    reasons = dict(
        zip(plan.left_out["target_id"], plan.left_out["reason"], strict=True)
    )
    assert reasons == {
        "none": "no geometry",
        "empty": "no geometry",
        "far": "too far from street",
    }


def test_shift_too_short_warns_and_leaves_all_out(grid_streets):
    targets = random_targets(grid_streets, 4, 5)
    with pytest.warns(UserWarning, match="too short for any visit"):
        plan = plan_patrols(
            targets, grid_streets, teams=2, depots=node_xy(0, 5), shift_minutes=3
        )
    assert len(plan.stops) == 0
    assert plan.left_out["reason"].tolist() == ["no time"] * 4
    assert plan.total_score == 0.0
    assert plan.covered_share == 0.0
    assert plan.routes["n_stops"].tolist() == [0, 0]
    assert plan.routes.geometry.isna().all()
    assert plan.search_stopped_by == "no search"


def test_empty_plan_writes_files(grid_streets, tmp_path):
    targets = random_targets(grid_streets, 2, 5)
    with pytest.warns(UserWarning, match="too short"):
        plan = plan_patrols(
            targets, grid_streets, teams=2, depots=node_xy(0, 5), shift_minutes=1
        )
    root = ET.parse(plan.to_gpx(tmp_path / "p.gpx")).getroot()
    assert len(root.findall(f"{GPX}trk")) == 2
    assert root.findall(f"{GPX}wpt") == []
    doc = json.loads(plan.to_geojson(tmp_path / "p.geojson").read_text("utf-8"))
    assert [f["geometry"] for f in doc["features"]] == [None, None]
    text = plan.to_csv(tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == [",".join(SCHEDULE_HEADERS.values())]
    wb = openpyxl.load_workbook(plan.to_xlsx(tmp_path / "p.xlsx"))
    assert wb["未安排目标"].max_row == 3


def test_zero_score_and_impossible_window(grid_streets):
    targets = random_targets(grid_streets, 3, 6)
    targets.loc[0, "score"] = 0.0
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=1,
        depots=node_xy(12, 5),
        shift_minutes=120,
        time_windows={"t1": [(0, 0.1)]},  # nobody gets there in six seconds
    )
    reasons = dict(
        zip(plan.left_out["target_id"], plan.left_out["reason"], strict=True)
    )
    assert reasons == {"t0": "zero score", "t1": "time window"}
    assert plan.stops["target_id"].tolist() == ["t2"]


# ---------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------
@pytest.fixture
def small(grid_streets):
    return random_targets(grid_streets, 3, 1), grid_streets


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"teams": 0}, "teams must be at least 1"),
        ({"teams": []}, "at least one team"),
        ({"teams": ["a", "a"]}, "team names must be unique"),
        ({"shift_minutes": 0}, "shift_minutes must be a positive"),
        ({"shift_minutes": float("nan")}, "shift_minutes must be a positive"),
        ({"dwell_minutes": -1}, "dwell_minutes must be"),
        ({"revisit_minutes": 0}, "revisit_minutes must be"),
        ({"time_limit_s": 0}, "time_limit_s must be"),
        ({"solution_limit": 0}, "solution_limit must be"),
        ({"max_snap_distance_m": -5}, "max_snap_distance_m must be"),
        ({"order": "zigzag"}, "order must be"),
        ({"mode": "horse"}, "mode must be"),
        ({"speed_kmh": -3}, "speed_kmh must be"),
        ({"seed": 1.5}, "seed must be an int"),
        ({"shift_start": "8h"}, "shift_start must be"),
        ({"score": "risk"}, "score column 'risk'"),
        ({"target_id": "nope"}, "target_id column 'nope'"),
        ({"reason": "nope"}, "reason column 'nope'"),
        ({"time_windows": {"zz": [(0, 10)]}}, "not in targets"),
        ({"time_windows": {"t0": [("08:00", "09:00")]}}, "shift_start is None"),
        ({"time_windows": {"t0": [(30, 10)]}}, "ends before it starts"),
        ({"time_windows": {"t0": "morning"}}, "list of \\(start, end\\)"),
        ({"time_windows": {"t0": [(0, "x")]}}, "must hold \\(start, end\\)"),
        ({"depots": [Point(X0, Y0)] * 2, "teams": 3}, "one per team"),
        ({"depots": ["here"]}, "depots must be points"),
    ],
)
def test_invalid_parameters(small, kwargs, match):
    targets, streets = small
    args = {"teams": 1, "depots": node_xy(0, 5), "shift_minutes": 60}
    args.update(kwargs)
    if "speed_kmh" in kwargs:
        with pytest.raises(InputError, match=match):
            plan_patrols(targets, streets, **args)
        return
    with pytest.raises(InputError, match=match):
        plan_patrols(targets, streets, **args)


def test_all_problems_reported_at_once(small):
    targets, streets = small
    with pytest.raises(InputError, match="3 problems") as err:
        plan_patrols(
            targets,
            streets,
            teams=0,
            depots=Point(X0, Y0),
            shift_minutes=-1,
            dwell_minutes=-1,
        )
    assert len(err.value.problems) == 3


def test_bad_scores_and_ids(small):
    targets, streets = small
    args = {"teams": 1, "depots": node_xy(0, 5), "shift_minutes": 60}
    for bad in (-1.0, np.nan):
        t = targets.copy()
        t.loc[1, "score"] = bad
        with pytest.raises(InputError, match="must be finite numbers >= 0"):
            plan_patrols(t, streets, **args)
    t = targets.copy()
    t["target_id"] = ["a", "a", "b"]
    with pytest.raises(InputError, match="duplicates \\['a'\\]"):
        plan_patrols(t, streets, **args)


def test_depot_far_from_street(small):
    targets, streets = small
    with pytest.raises(InputError, match=r"depot of team 'B'.*1000 m from the nearest"):
        plan_patrols(
            targets,
            streets,
            teams=["A", "B"],
            depots=[node_xy(0, 5), Point(X0 - 1000, Y0)],
            shift_minutes=60,
        )


def test_type_and_crs_errors(small):
    targets, streets = small
    args = {"teams": 1, "depots": node_xy(0, 5), "shift_minutes": 60}
    with pytest.raises(TypeError, match="targets must be a GeoDataFrame"):
        plan_patrols(pd.DataFrame(targets), streets, **args)
    with pytest.raises(TypeError, match="streets must be a GeoDataFrame"):
        plan_patrols(targets, "streets.geojson", **args)
    with pytest.raises(TypeError, match="teams must be an int"):
        plan_patrols(targets, streets, **{**args, "teams": "A"})
    with pytest.raises(TypeError, match="depots must be"):
        plan_patrols(targets, streets, **{**args, "depots": 5})
    with pytest.raises(CRSError, match="share one CRS"):
        plan_patrols(targets.to_crs("EPSG:4326"), streets, **args)


def test_bad_streets(small):
    targets, streets = small
    args = {"teams": 1, "depots": node_xy(0, 5), "shift_minutes": 60}
    with pytest.raises(InputError, match="missing column\\(s\\) \\['u'\\]"):
        plan_patrols(targets, streets.drop(columns="u"), **args)
    multi = streets.copy()
    multi.loc[0, "geometry"] = shapely.MultiLineString([[(X0, Y0), (X0 + 1, Y0)]])
    with pytest.raises(InputError, match="non-empty LineStrings"):
        plan_patrols(targets, multi, **args)
    nan_oneway = streets.copy()
    nan_oneway["oneway"] = pd.array([pd.NA] + [False] * (len(streets) - 1), "boolean")
    with pytest.warns(UserWarning, match="1 street segments have no 'oneway'"):
        plan_patrols(targets, nan_oneway, **args)


# ---------------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------------
@pytest.fixture
def plan_two_teams(grid_streets) -> PatrolPlan:
    targets = random_targets(grid_streets, 8, 21)
    return plan_patrols(
        targets,
        grid_streets,
        teams=2,
        depots=[node_xy(0, 5), node_xy(24, 5)],
        shift_minutes=45,
        dwell_minutes=5,
        shift_start="07:30",
    )


def test_gpx(plan_two_teams, tmp_path):
    plan = plan_two_teams
    path = plan.to_gpx(tmp_path / "plan.gpx")
    root = ET.parse(path).getroot()
    assert root.tag == f"{GPX}gpx"
    wpts = root.findall(f"{GPX}wpt")
    assert len(wpts) == len(plan.stops) > 0
    assert wpts[0].find(f"{GPX}name").text.startswith("1-01 t")
    tracks = root.findall(f"{GPX}trk")
    assert len(tracks) == 2
    ll = plan.routes.to_crs("EPSG:4326")
    for trk, geom in zip(tracks, ll.geometry, strict=True):
        pts = trk.findall(f"{GPX}trkseg/{GPX}trkpt")
        assert len(pts) == len(shapely.get_coordinates(geom))
        assert float(pts[0].get("lon")) == pytest.approx(geom.coords[0][0], abs=1e-6)
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_geojson(plan_two_teams, tmp_path):
    plan = plan_two_teams
    doc = json.loads(plan.to_geojson(tmp_path / "plan.geojson").read_text("utf-8"))
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("route") == 2
    assert kinds.count("stop") == len(plan.stops)
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0]
    assert 100 < lon < 130
    assert 20 < lat < 50


def test_csv_and_xlsx_headers(plan_two_teams, tmp_path):
    plan = plan_two_teams
    path = plan.to_csv(tmp_path / "sub" / "plan.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(SCHEDULE_HEADERS.values())
    assert rows[0][:8] == [
        "队伍",
        "顺序",
        "目标编号",
        "到访次数",
        "到达时间",
        "离开时间",
        "停留(分钟)",
        "得分",
    ]
    assert len(rows) == len(plan.stops) + 1
    assert rows[1][4] >= "07:30"
    xlsx = plan.to_xlsx(tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["巡查计划", "路线汇总", "未安排目标"]
    header = [c.value for c in wb["巡查计划"][1]]
    assert header == list(SCHEDULE_HEADERS.values())
    assert [c.value for c in wb["路线汇总"][1]] == [
        "队伍",
        "停靠点数",
        "总得分",
        "用时(分钟)",
        "距离(米)",
    ]
    assert [c.value for c in wb["未安排目标"][1]] == [
        "目标编号",
        "到访次数",
        "得分",
        "未安排原因",
    ]
    assert wb["巡查计划"].max_row == len(plan.stops) + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "sub"]


def test_clock_times_from_the_default_shift_start(grid_streets):
    targets = random_targets(grid_streets, 3, 8)
    plan = plan_patrols(
        targets, grid_streets, teams=1, depots=node_xy(12, 5), shift_minutes=60
    )
    assert plan.stops["arrival_clock"].isna().all()  # the plan has no clock

    def clock(minutes, start):
        total = round(minutes) + start
        return f"{total // 60:02d}:{total % 60:02d}"

    table = plan.schedule()
    assert table["到达时间"].tolist() == [
        clock(m, 8 * 60 + 30) for m in plan.stops["arrival"]
    ]
    assert table["离开时间"].tolist() == [
        clock(m, 8 * 60 + 30) for m in plan.stops["departure"]
    ]
    later = plan.schedule(shift_start="21:15")
    assert later["到达时间"].tolist() == [
        clock(m, 21 * 60 + 15) for m in plan.stops["arrival"]
    ]


def straight_plan(**kwargs) -> PatrolPlan:
    """One 400 m street walked at 6 km/h (100 m a minute); a target at 300 m."""
    streets = lattice(5, 1)
    target = gpd.GeoDataFrame(
        {
            "target_id": ["G07"],
            "score": [2.345678],
            "reason_zh": ["连续8周出现暴露垃圾"],
            "reason_en": ["Exposed rubbish 8 weeks in a row"],
        },
        geometry=[node_xy(3, 5)],
        crs=UTM51N,
    )
    return plan_patrols(
        target,
        streets,
        teams=1,
        depots=node_xy(0, 5),
        shift_minutes=60,
        speed_kmh=6.0,
        **kwargs,
    )


def test_straight_plan_known_answers(tmp_path):
    plan = straight_plan()
    table = plan.schedule()
    row = table.iloc[0].to_dict()
    lon, lat = row.pop("经度"), row.pop("纬度")
    assert (lon, lat) == (round(lon, 6), round(lat, 6))
    assert 120 < lon < 124
    assert 35 < lat < 37
    assert row == {
        "队伍": 1,
        "顺序": 1,
        "目标编号": "G07",
        "到访次数": 1,
        "到达时间": "08:33",
        "离开时间": "08:48",
        "停留(分钟)": 15.0,
        "得分": 2.35,
        "原因": "连续8周出现暴露垃圾",
    }
    routes = plan.route_summary()
    assert routes.iloc[0].to_dict() == {
        "队伍": 1,
        "停靠点数": 1,
        "总得分": 2.35,
        "用时(分钟)": 21.0,
        "距离(米)": 600,
    }
    english = plan.schedule(language="en", shift_start="07:00")
    assert english.iloc[0][["Arrival", "Departure", "Reason"]].tolist() == [
        "07:03",
        "07:18",
        "Exposed rubbish 8 weeks in a row",
    ]
    own = straight_plan(shift_start="13:05")
    assert own.schedule()["到达时间"].tolist() == ["13:08"]
    assert own.schedule(shift_start="13:05")["离开时间"].tolist() == ["13:23"]


def test_straight_plan_gpx_and_geojson_text(tmp_path):
    plan = straight_plan()
    root = ET.parse(plan.to_gpx(tmp_path / "zh.gpx")).getroot()
    assert root.find(f"{GPX}wpt/{GPX}desc").text == (
        "到达 08:33，离开 08:48（停留 15 分钟）；连续8周出现暴露垃圾"
    )
    assert root.find(f"{GPX}trk/{GPX}name").text == "巡查组 1"
    root = ET.parse(plan.to_gpx(tmp_path / "en.gpx", language="en")).getroot()
    assert root.find(f"{GPX}wpt/{GPX}desc").text == (
        "arrive 08:33, leave 08:48 (15 min on site); Exposed rubbish 8 weeks in a row"
    )
    assert root.find(f"{GPX}trk/{GPX}name").text == "Team 1"
    path = plan.to_geojson(tmp_path / "en.geojson", language="en", shift_start="9:00")
    doc = json.loads(path.read_text("utf-8"))
    route, stop = (f["properties"] for f in doc["features"])
    assert route["name"] == "Team 1"
    assert route["description"] == "1 stops, 21 min, 600 m"
    assert route["team"] == 1
    assert stop["name"] == "Team 1 stop 1: G07"
    assert stop["arrival_clock"] == "09:03"
    assert stop["departure_clock"] == "09:18"
    assert stop["reason"] == "Exposed rubbish 8 weeks in a row"
    assert stop["score"] == 2.35
    assert "reason_zh" not in stop
    doc = json.loads(plan.to_geojson(tmp_path / "zh.geojson").read_text("utf-8"))
    route, stop = (f["properties"] for f in doc["features"])
    assert route["description"] == "1 站，用时 21 分钟，距离 600 米"
    assert stop["name"] == "巡查组1 第1站 G07"
    assert stop["reason"] == "连续8周出现暴露垃圾"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"language": "fr"}, "language must be 'zh' or 'en'"),
        ({"shift_start": "8h"}, "shift_start must be a clock time"),
        ({"shift_start": "25:00"}, "shift_start must be a clock time"),
    ],
)
def test_writer_arguments_are_checked(tmp_path, kwargs, match):
    plan = straight_plan()
    with pytest.raises(InputError, match=match):
        plan.to_csv(tmp_path / "p.csv", **kwargs)
    with pytest.raises(InputError, match=match):
        plan.to_gpx(tmp_path / "p.gpx", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_writer_shift_start_must_match_the_plans(tmp_path):
    plan = straight_plan(shift_start="13:05")
    with pytest.raises(InputError, match="must match the plan's own shift start"):
        plan.to_xlsx(tmp_path / "p.xlsx", shift_start="08:00")


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_HEADERS = ["Team", "Stop", "Target", "Arrival", "Score", "Reason", "Routes"]


def xlsx_text(path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    out = list(wb.sheetnames)
    for ws in wb.worksheets:
        out += [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    return out


def test_english_files_have_no_chinese(grid_streets, tmp_path):
    targets = random_targets(grid_streets, 8, 21)
    targets["reason_en"] = "Comes back every week"
    targets.loc[0, "score"] = 0.0  # one left out, with its reason
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=["1", "2"],
        depots=[node_xy(0, 5), node_xy(24, 5)],
        shift_minutes=45,
        dwell_minutes=5,
    )
    assert len(plan.left_out) > 0
    assert len(plan.stops) > 0
    texts = {
        "csv": plan.to_csv(tmp_path / "p.csv", language="en").read_text("utf-8-sig"),
        "gpx": plan.to_gpx(tmp_path / "p.gpx", language="en").read_text("utf-8"),
        "geojson": plan.to_geojson(tmp_path / "p.geojson", language="en").read_text(
            "utf-8"
        ),
        "xlsx": "\n".join(xlsx_text(plan.to_xlsx(tmp_path / "p.xlsx", language="en"))),
    }
    for kind, text in texts.items():
        assert not CJK.search(text), (kind, CJK.findall(text)[:5])
    assert "Zero score" in texts["xlsx"]
    assert "Comes back every week" in texts["csv"]
    zh = {
        "csv": plan.to_csv(tmp_path / "z.csv").read_text("utf-8-sig"),
        "xlsx": "\n".join(xlsx_text(plan.to_xlsx(tmp_path / "z.xlsx"))),
    }
    for kind, text in zh.items():
        words = set(re.findall(r"[A-Za-z]+", text))
        assert not words & set(ENGLISH_HEADERS), (kind, words & set(ENGLISH_HEADERS))
    assert "得分为零" in zh["xlsx"]


def test_xlsx_is_office_ready(plan_two_teams, tmp_path):
    plan = plan_two_teams
    wb = openpyxl.load_workbook(plan.to_xlsx(tmp_path / "plan.xlsx", language="en"))
    assert wb.sheetnames == ["Patrol plan", "Routes", "Left out"]
    ws = wb["Patrol plan"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:7] == [
        "Team",
        "Stop",
        "Target",
        "Visit",
        "Arrival",
        "Departure",
        "Dwell (min)",
    ]
    teams = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert set(teams) == {1, 2}  # numbers, not the text "1"
    assert all(isinstance(t, int) for t in teams)
    arrivals = [row[4].value for row in ws.iter_rows(min_row=2)]
    assert all(re.fullmatch(r"0[7-8]:\d\d", a) for a in arrivals)
    score_col = header.index("Score")
    scores = [row[score_col] for row in ws.iter_rows(min_row=2)]
    assert all(c.value == round(c.value, 2) for c in scores)
    assert all(c.number_format == "0.00" for c in scores)
    assert ws.column_dimensions["C"].width >= len("Target")
    routes = wb["Routes"]
    assert routes.freeze_panes == "A2"
    assert [c.value for c in routes[1]] == [
        "Team",
        "Stops",
        "Total score",
        "Duration (min)",
        "Distance (m)",
    ]
    for row in routes.iter_rows(min_row=2):
        assert isinstance(row[0].value, int)
        assert isinstance(row[4].value, int)  # whole metres
        assert row[3].value == round(row[3].value, 1)


def test_team_names_that_are_not_numbers_stay_text(grid_streets, tmp_path):
    targets = random_targets(grid_streets, 3, 8)
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=["东区1组"],
        depots=node_xy(12, 5),
        shift_minutes=60,
    )
    assert plan.schedule()["队伍"].tolist() == ["东区1组"] * len(plan.stops)
    ws = openpyxl.load_workbook(plan.to_xlsx(tmp_path / "p.xlsx"))["巡查计划"]
    assert ws["A2"].value == "东区1组"


def test_no_targets(grid_streets):
    empty = random_targets(grid_streets, 2, 1).iloc[:0]
    plan = plan_patrols(
        empty, grid_streets, teams=2, depots=node_xy(0, 5), shift_minutes=60
    )
    assert len(plan.stops) == 0
    assert len(plan.left_out) == 0
    assert plan.routes["n_stops"].tolist() == [0, 0]
    assert plan.covered_share == 0.0


# ---------------------------------------------------------------------------------
# windows from hour-of-week profiles, Koper-style returns (issue 19)
def _profile_for(ids, peak_hours):
    from hotspots.stats.profiles import hour_of_week_profile

    t0 = pd.Timestamp("2024-04-01", tz="Asia/Shanghai")
    rows = []
    for tid, h in zip(ids, peak_hours, strict=True):
        for d in range(14):
            rows.append((tid, "x", t0 + pd.Timedelta(days=d, hours=h, minutes=20)))
    frame = pd.DataFrame(rows, columns=["target_id", "category", "reported_at"])
    return hour_of_week_profile(
        frame, unit="target_id", bandwidth_h=0.5, prior_strength=0
    )


def test_visit_windows_densest_inside_shift():
    from hotspots.patrol.plan import visit_windows

    prof = _profile_for(["a", "b", "c"], [19, 9, 3])
    w = visit_windows(
        prof,
        ["a", "b", "c", "none"],
        shift_start="16:00",
        shift_minutes=360,
        window_minutes=60,
        dwell_minutes=15,
    )
    assert w["a"] == [(180.0, 225.0)]  # 19:00-20:00, arrive by 19:45
    assert "none" not in w
    # b's reports are at 09:00, outside the shift: nothing to aim at, no window
    assert "b" not in w
    # a shift across midnight finds c at 03:00
    wc = visit_windows(prof, ["c"], shift_start="22:00", shift_minutes=480)
    assert wc["c"] == [(300.0, 345.0)]
    # a window longer than the shift is the shift: no denser than flat, so
    # only without a threshold
    assert visit_windows(prof, ["a"], shift_start="18:00", shift_minutes=30) == {}
    whole = visit_windows(
        prof, ["a"], shift_start="18:00", shift_minutes=30, min_concentration=0
    )
    assert whole["a"] == [(0.0, 15.0)]
    day = visit_windows(prof, ["a"], shift_start="16:00", shift_minutes=360, weekday=2)
    assert day["a"] == w["a"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shift_start": "25:00"}, "shift_start must be"),
        ({"shift_minutes": 0}, "shift_minutes must be"),
        ({"window_minutes": -5}, "window_minutes must be"),
        ({"dwell_minutes": float("nan")}, "dwell_minutes must be"),
        ({"step_minutes": 0}, "step_minutes must be"),
        ({"min_concentration": -1}, "min_concentration must be"),
        ({"spread_tolerance": 1.5}, "spread_tolerance must be a number from 0"),
        ({"weekday": 9}, "weekday must be"),
        ({"target_ids": "a"}, "target_ids must be a sequence"),
    ],
)
def test_visit_windows_invalid(kwargs, match):
    from hotspots.errors import InputError
    from hotspots.patrol.plan import visit_windows

    prof = _profile_for(["a"], [19])
    args = {"target_ids": ["a"], "shift_start": "16:00", "shift_minutes": 360}
    args.update(kwargs)
    ids = args.pop("target_ids")
    with pytest.raises(InputError, match=match):
        visit_windows(prof, ids, **args)
    with pytest.raises(TypeError, match="HourProfile"):
        visit_windows("x", ["a"], shift_start="16:00", shift_minutes=60)


def test_profile_windows_in_the_plan_and_stop_window_text(grid_streets):
    from hotspots.patrol.plan import visit_windows

    targets = random_targets(grid_streets, 6, 21)
    ids = targets["target_id"].tolist()
    prof = _profile_for(ids, [17, 18, 19, 20, 21, 17])
    windows = visit_windows(
        prof,
        ids,
        shift_start="16:00",
        shift_minutes=360,
        window_minutes=45,
        dwell_minutes=10,
    )
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=2,
        depots=node_xy(12, 5),
        shift_minutes=360,
        dwell_minutes=10,
        shift_start="16:00",
        time_windows=windows,
    )
    check_constraints(plan, grid_streets, targets, [node_xy(12, 5)] * 2, windows)
    assert len(plan.stops) == 6
    for s in plan.stops.itertuples():
        a, _b = windows[s.target_id][0]
        lo = f"{16 + int(a) // 60:02d}:{int(a) % 60:02d}"
        assert s.window.startswith(lo + "-")
    # a plan without windows has none (and writes none)
    bare = plan_patrols(
        targets,
        grid_streets,
        teams=1,
        depots=node_xy(12, 5),
        shift_minutes=360,
        dwell_minutes=10,
    )
    assert bare.stops["window"].isna().all()
    # without a shift start the window is in elapsed time
    rel = plan_patrols(
        targets.iloc[:1],
        grid_streets,
        teams=1,
        depots=node_xy(12, 5),
        shift_minutes=360,
        dwell_minutes=10,
        time_windows={"t0": [(60, 90)]},
    )
    assert rel.stops["window"].tolist() == ["+1:00-+1:30"]


def test_koper_returns_for_top_targets(grid_streets):
    targets = random_targets(grid_streets, 5, 22)
    targets["score"] = [5.0, 4.0, 3.0, 2.0, 1.0]
    windows = {f"t{k}": [(30.0 * k, 30.0 * k + 20.0)] for k in range(5)}
    kw = {
        "teams": 1,
        "depots": node_xy(12, 5),
        "shift_minutes": 360,
        "dwell_minutes": 10,
        "time_windows": windows,
    }
    plan = plan_patrols(targets, grid_streets, revisit_top=2, **kw)
    again = plan_patrols(targets, grid_streets, revisit_top=2, **kw)
    pd.testing.assert_frame_equal(
        plan.stops.drop(columns="geometry"), again.stops.drop(columns="geometry")
    )
    st = plan.stops
    returns = st[st["visit"] == 2]
    assert sorted(returns["target_id"]) == ["t0", "t1"]
    for tid in ("t0", "t1"):
        first = st[(st["target_id"] == tid) & (st["visit"] == 1)]["arrival"].item()
        back = st[(st["target_id"] == tid) & (st["visit"] == 2)]["arrival"].item()
        assert 120 - 20 - 1e-6 <= back - first <= 120 + 20 + 1e-6
    both = {
        k: [w[0], (w[0][0] + 120, w[0][1] + 120)] if k in ("t0", "t1") else w
        for k, w in windows.items()
    }
    check_constraints(plan, grid_streets, targets, [node_xy(12, 5)], both)
    assert plan.total_score == pytest.approx(5 + 4 + 3 + 2 + 1 + 5 + 4)


def test_return_without_first_visit_is_left_out(grid_streets):
    # t0's first window is before anyone can get there; its return is reachable
    targets = random_targets(grid_streets, 2, 23)
    targets["score"] = [10.0, 1.0]
    plan = plan_patrols(
        targets,
        grid_streets,
        teams=1,
        depots=node_xy(0, 5),
        shift_minutes=300,
        dwell_minutes=5,
        time_windows={"t0": [(0.0, 0.5)], "t1": [(60, 200)]},
        revisit_top=1,
        revisit_gap_minutes=120,
    )
    st = plan.stops
    assert not (st["target_id"] == "t0").any()
    left = plan.left_out.set_index(["target_id", "visit"])["reason"]
    assert left[("t0", 1)] == "time window"
    assert left[("t0", 2)] == "no time"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"revisit_top": -1}, "revisit_top must be a whole number >= 0"),
        ({"revisit_top": 1, "revisit_minutes": 60}, "cannot be combined"),
        ({"revisit_gap_minutes": 0}, "revisit_gap_minutes must be"),
    ],
)
def test_revisit_top_invalid(grid_streets, kwargs, match):
    from hotspots.errors import InputError

    targets = random_targets(grid_streets, 2, 24)
    with pytest.raises(InputError, match=match):
        plan_patrols(
            targets,
            grid_streets,
            teams=1,
            depots=node_xy(0, 5),
            shift_minutes=60,
            **kwargs,
        )


def _broad_profile(ids, hours=range(8, 18)):
    """Reports spread evenly over ``hours`` every day (a daytime-broad target)."""
    from hotspots.stats.profiles import hour_of_week_profile

    t0 = pd.Timestamp("2024-04-01", tz="Asia/Shanghai")
    rows = [
        (tid, "x", t0 + pd.Timedelta(days=d, hours=h, minutes=20))
        for tid in ids
        for d in range(14)
        for h in hours
    ]
    frame = pd.DataFrame(rows, columns=["target_id", "category", "reported_at"])
    return hour_of_week_profile(
        frame, unit="target_id", bandwidth_h=0.5, prior_strength=0
    )


def test_visit_windows_only_for_concentrated_targets():
    from hotspots.patrol.plan import visit_windows

    broad = _broad_profile(["flat"])
    kw = {"shift_start": "08:00", "shift_minutes": 480, "window_minutes": 60}
    # reports spread over the shift: no window (any time is as good)
    assert visit_windows(broad, ["flat"], **kw) == {}
    # without a threshold it gets its densest window, as before
    assert "flat" in visit_windows(broad, ["flat"], min_concentration=0, **kw)
    # a sharp evening peak is many times denser than flat: it keeps its window
    sharp = _profile_for(["peak"], [19])
    evening = {"shift_start": "15:00", "shift_minutes": 480}
    assert visit_windows(sharp, ["peak"], **evening) == {"peak": [(240.0, 285.0)]}
    # the threshold is the ratio to a flat profile over the shift: a peak 2.5x
    # flat passes 2 and fails 3
    half = _broad_profile(["half"], hours=[*range(8, 16), 12, 12])
    ratio = 3 / 10 / (60 / 480)  # 3 of 10 daily reports in the 12:00 hour
    assert 2 < ratio < 3
    assert "half" in visit_windows(half, ["half"], min_concentration=2, **kw)
    assert visit_windows(half, ["half"], min_concentration=3, **kw) == {}


def test_visit_windows_spread_coinciding_peaks():
    from hotspots.patrol.plan import visit_windows

    ids = [f"t{k}" for k in range(6)]
    prof = _profile_for(ids, [19] * 6)
    kw = {"shift_start": "16:00", "shift_minutes": 360, "window_minutes": 60}
    same = visit_windows(prof, ids, spread_tolerance=0, **kw)
    assert {w[0] for w in same.values()} == {(180.0, 225.0)}
    # the default tolerance (10 %) does not move a sharp peak off its hour
    assert visit_windows(prof, ids, **kw) == same
    spread = visit_windows(prof, ids, spread_tolerance=0.3, **kw)
    starts = [w[0][0] for w in spread.values()]
    assert starts[0] == 180.0  # the first keeps its best window
    assert len(set(starts)) == 3  # 18:45, 19:00 and 19:15, in turn
    assert set(starts) == {165.0, 180.0, 195.0}
    assert list(spread) == ids  # the caller's order
    # deterministic
    assert visit_windows(prof, ids, spread_tolerance=0.3, **kw) == spread


def test_spread_windows_let_a_team_reach_more_stops(grid_streets):
    from hotspots.patrol.plan import visit_windows

    targets = random_targets(grid_streets, 6, 31)
    ids = targets["target_id"].tolist()
    prof = _profile_for(ids, [19] * 6)
    kw = {"shift_start": "16:00", "shift_minutes": 360, "dwell_minutes": 15}
    plans = {}
    for tol in (0.0, 0.3):
        windows = visit_windows(
            prof, ids, window_minutes=60, spread_tolerance=tol, **kw
        )
        plan = plan_patrols(
            targets,
            grid_streets,
            teams=1,
            depots=node_xy(12, 5),
            time_windows=windows,
            **kw,
        )
        check_constraints(plan, grid_streets, targets, [node_xy(12, 5)], windows)
        plans[tol] = plan
    assert len(plans[0.3].stops) > len(plans[0.0].stops)
