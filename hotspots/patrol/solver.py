"""The OR-Tools vehicle-routing model behind :func:`hotspots.patrol.plan.plan_patrols`.

:func:`solve` takes a :class:`Problem` (travel minutes between the depots and
the snapped targets, the visits the solver may make with their time windows
and scores, the teams allowed per visit, the dwell and the shift) and returns
the visits of every team in route order (:class:`Solution`). It builds the
prize-collecting routing model (one disjunction per visit whose penalty is the
visit's score, a time dimension with the visits' windows), solves it with
guided local search stopped by deterministic limits, and reads the routes.
:func:`route_times` recomputes a route's exact times and :func:`shuffle_routes`
draws the random visiting order; both work in minutes, not solver ticks.

The module notes of :mod:`hotspots.patrol.plan` (Determinism, Solver) say why
the search is stopped by counts and why it runs up to three passes.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .._core.types import FloatArray, IntArray
from ..errors import HotspotsError

__all__ = [
    "TICKS",
    "Node",
    "Problem",
    "RouteTimes",
    "Solution",
    "SolverSettings",
    "arrive",
    "route_times",
    "shuffle_routes",
    "solve",
]

_SCORE_RESOLUTION: Final = 100_000  # integer steps of the top score in penalties
_INT64_SAFE: Final = 2**62
#: Solver time unit: 0.1 s (travel rounded up, so solver plans stay feasible).
TICKS: Final = 600  # per minute
#: Search branches after which a solver pass stops (a deterministic cap).
_BRANCH_LIMIT: Final = 100_000
#: Penalty of the top score, in shifts of every team, in the balanced pass.
_BALANCED_WEIGHT: Final = 3.0
#: Largest problem (visits) that gets the balanced and the polishing pass.
_BALANCED_MAX_NODES: Final = 60
#: Solutions of the balanced pass.
_BALANCED_SOLUTIONS: Final = 30
#: Guided local search lambda coefficient (OR-Tools default 0.1).
_GLS_LAMBDA: Final = 0.5

Routes = list[list[int]]


@dataclass(frozen=True)
class Node:
    """A visit the solver may make: a target (position) and its allowed windows."""

    target: int
    visit: int
    windows: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Problem:
    """The prize-collecting routing problem, in minutes.

    Attributes
    ----------
    travel_min
        (P, P) travel minutes between points: the depots, then the targets.
    n_vehicles
        Number of teams.
    depot_point
        Point position of each vehicle's depot.
    nodes
        Target visits (point position ``n_vehicles + node.target``).
    scores
        Score of each node.
    allowed
        Vehicles allowed per node.
    dwell, shift
        Minutes on site and length of the shift.
    """

    travel_min: FloatArray
    n_vehicles: int
    depot_point: tuple[int, ...]
    nodes: tuple[Node, ...]
    scores: FloatArray
    allowed: tuple[tuple[int, ...], ...]
    dwell: float
    shift: float


@dataclass(frozen=True)
class SolverSettings:
    """How long the search may run: a safety cap and the deterministic limit."""

    time_limit_s: float
    solution_limit: int


@dataclass(frozen=True)
class Solution:
    """The node lists per vehicle, and what stopped the search."""

    routes: Routes
    stopped_by: str


@dataclass(frozen=True)
class RouteTimes:
    """A route's earliest arrivals, legs (minutes) and return time."""

    arrivals: list[float]
    travels: list[float]
    end: float


@dataclass(frozen=True)
class _Ticks:
    """The problem in solver ticks: arc costs, transit times and the horizon."""

    travel: IntArray  # (N, N) over the routing nodes: vehicles' depots, then visits
    transit: IntArray  # travel plus the dwell leaving a visit
    horizon: int


@dataclass(frozen=True)
class _Model:
    """A routing model ready to search."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel


def arrive(t: float, windows: Sequence[tuple[float, float]]) -> float:
    """Earliest start of service at or after ``t`` inside a window (inf if none)."""
    for lo, hi in windows:
        if t <= hi:
            return max(t, lo)
    return math.inf


def solve(prob: Problem, settings: SolverSettings) -> Solution:
    """Solve the prize-collecting VRP: node lists per vehicle, what stopped it.

    Up to three guided-local-search passes, each from the best plan so far:
    score-first penalties (a drop of the smallest score step outweighs all
    travel), then penalties worth ``_BALANCED_WEIGHT`` times every team's
    shift at the top score (travel and score traded off, which lets the
    search cross the plateaus of the score-first objective), then score-first
    again (only when the balanced pass improved the plan). Problems of more
    than ``_BALANCED_MAX_NODES`` visits get the first pass only. The plan with
    the highest score (then least travel) is kept.
    """
    n_v = prob.n_vehicles
    if not prob.nodes:
        return Solution([[] for _ in range(n_v)], "no search")
    time_limit_s = settings.time_limit_s
    started = time.monotonic()
    best: Routes | None = None
    best_key = (-math.inf, 0.0)
    causes: list[str] = []
    improved = False
    passes: tuple[float | None, ...] = (None, _BALANCED_WEIGHT, None)
    if len(prob.nodes) > _BALANCED_MAX_NODES:
        passes = (None,)
    for step, weight in enumerate(passes):
        if step == 2 and not improved:
            break
        left_s = time_limit_s - (time.monotonic() - started)
        if left_s <= 0.05 * time_limit_s:
            causes.append("time_limit")
            break
        limits = SolverSettings(
            time_limit_s=left_s,
            solution_limit=(
                settings.solution_limit if weight is None else _BALANCED_SOLUTIONS
            ),
        )
        found = _solve_pass(prob, weight=weight, start=best, settings=limits)
        causes.append(found.stopped_by)
        key = _plan_key(prob, found.routes)
        improved = key > best_key
        if improved:
            best, best_key = found.routes, key
    assert best is not None  # the first pass always runs
    stopped = "time_limit" if "time_limit" in causes else "search_limit"
    return Solution(best, stopped)


def _plan_key(prob: Problem, routes: Routes) -> tuple[float, float]:
    """Total score, then minus total travel minutes (higher is better)."""
    score = float(sum(prob.scores[k] for seq in routes for k in seq))
    travel = 0.0
    n_v = prob.n_vehicles
    for v, seq in enumerate(routes):
        pts = [prob.depot_point[v], *[n_v + prob.nodes[k].target for k in seq]]
        pts.append(prob.depot_point[v])
        travel += float(sum(prob.travel_min[a, b] for a, b in itertools.pairwise(pts)))
    return round(score, 9), -travel


def _solve_pass(
    prob: Problem,
    *,
    weight: float | None,
    start: Routes | None,
    settings: SolverSettings,
) -> Solution:
    """One OR-Tools search; ``weight`` None = score-first penalties."""
    ticks = _to_ticks(prob)
    model = _routing_model(prob, ticks)
    _add_visits(prob, model, ticks, weight=weight)
    return _search(prob, model, start=start, weight=weight, settings=settings)


def _to_ticks(prob: Problem) -> _Ticks:
    """Travel and transit times between the routing nodes in ticks, rounded up."""
    n_v = prob.n_vehicles
    point_of = np.array(
        list(prob.depot_point) + [n_v + nd.target for nd in prob.nodes], dtype=np.int64
    )
    horizon = math.floor(prob.shift * TICKS + 1e-6)
    big = horizon + 1
    travel = prob.travel_min[np.ix_(point_of, point_of)] * TICKS
    travel_t = np.where(
        np.isfinite(travel), np.ceil(np.minimum(travel, big) - 1e-6), big
    ).astype(np.int64)
    np.fill_diagonal(travel_t, 0)
    dwell_t = math.ceil(prob.dwell * TICKS - 1e-6)
    transit_t = travel_t.copy()
    transit_t[n_v:, :] += dwell_t
    transit_t = np.minimum(transit_t, big)
    return _Ticks(travel=travel_t, transit=transit_t, horizon=horizon)


def _has_windows(prob: Problem) -> bool:
    """Whether any visit has a window narrower than the whole shift."""
    return any(nd.windows != ((0.0, prob.shift),) for nd in prob.nodes)


def _routing_model(prob: Problem, ticks: _Ticks) -> _Model:
    """Build the routing model: arc costs (travel) and the time dimension (transit)."""
    n_v = prob.n_vehicles
    size = n_v + len(prob.nodes)
    manager = pywrapcp.RoutingIndexManager(
        size, n_v, list(range(n_v)), list(range(n_v))
    )
    routing = pywrapcp.RoutingModel(manager)
    cost_cb = routing.RegisterTransitMatrix(ticks.travel.tolist())
    time_cb = routing.RegisterTransitMatrix(ticks.transit.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    slack = ticks.horizon if _has_windows(prob) else 0
    routing.AddDimension(time_cb, slack, ticks.horizon, True, "time")
    return _Model(manager=manager, routing=routing)


def _penalties(prob: Problem, horizon: int, weight: float | None) -> IntArray:
    """Each visit's drop penalty: its score in integer steps times the step cost."""
    n_v = prob.n_vehicles
    top = float(prob.scores.max())
    if weight is None:
        # score first: one score step costs more than all travel of all teams
        step_cost = n_v * horizon + 1
        resolution = _INT64_SAFE // (step_cost * (len(prob.nodes) + 1))
        resolution = max(min(_SCORE_RESOLUTION, int(resolution)), 1)
    else:
        step_cost = 1
        resolution = max(int(weight * n_v * horizon), 1)
    score_int = np.maximum(np.rint(prob.scores / top * resolution), 1).astype(np.int64)
    out: IntArray = score_int * step_cost
    return out


def _add_visits(
    prob: Problem, model: _Model, ticks: _Ticks, *, weight: float | None
) -> None:
    """Add every visit: its drop penalty, its allowed teams and its time windows."""
    n_v = prob.n_vehicles
    routing, manager = model.routing, model.manager
    has_windows = _has_windows(prob)
    time_dim = routing.GetDimensionOrDie("time")
    penalty = _penalties(prob, ticks.horizon, weight)
    for k, nd in enumerate(prob.nodes):
        index = manager.NodeToIndex(n_v + k)
        routing.AddDisjunction([index], int(penalty[k]))
        for v in range(n_v):
            if v not in prob.allowed[k]:
                routing.VehicleVar(index).RemoveValue(v)
        if has_windows:
            lo = [math.ceil(a * TICKS - 1e-6) for a, _ in nd.windows]
            hi = [math.floor(b * TICKS + 1e-6) for _, b in nd.windows]
            cumul = time_dim.CumulVar(index)
            cumul.SetRange(lo[0], hi[-1])
            for k2 in range(len(lo) - 1):
                if hi[k2] + 1 <= lo[k2 + 1] - 1:
                    cumul.RemoveInterval(hi[k2] + 1, lo[k2 + 1] - 1)


def _search_parameters(
    weight: float | None, settings: SolverSettings
) -> pywrapcp.RoutingSearchParameters:
    """Cheapest insertion, then guided local search within the limits."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.guided_local_search_lambda_coefficient = (
        0.1 if weight is None else _GLS_LAMBDA
    )
    params.time_limit.FromMilliseconds(max(int(settings.time_limit_s * 1000), 1))
    params.solution_limit = settings.solution_limit
    params.log_search = False
    return params


def _search(
    prob: Problem,
    model: _Model,
    *,
    start: Routes | None,
    weight: float | None,
    settings: SolverSettings,
) -> Solution:
    """Run the search (from ``start`` when given) and read the routes."""
    n_v = prob.n_vehicles
    routing = model.routing
    params = _search_parameters(weight, settings)
    # Deterministic limits: solutions found, and search branches (which ends
    # a search stalled on a tiny problem, where no new solution ever comes).
    routing.AddSearchMonitor(routing.solver().BranchesLimit(_BRANCH_LIMIT))
    found = [0]

    def count() -> None:
        found[0] += 1

    routing.AddAtSolutionCallback(count)
    began = time.monotonic()
    if start is None:
        solution = routing.SolveWithParameters(params)
    else:
        routes_in = [[n_v + k for k in seq] for seq in start]
        initial = routing.ReadAssignmentFromRoutes(routes_in, True)
        solution = routing.SolveFromAssignmentWithParameters(initial, params)
    elapsed = time.monotonic() - began
    if solution is None:
        msg = (
            "the routing solver found no plan within "
            f"time_limit_s={settings.time_limit_s!r} "
            f"(status {routing.status()}). Raise time_limit_s."
        )
        raise HotspotsError(msg)
    if found[0] < settings.solution_limit and elapsed >= 0.98 * settings.time_limit_s:
        stopped = "time_limit"
    else:
        stopped = "search_limit"
    return Solution(_read_routes(model, solution, n_v), stopped)


def _read_routes(
    model: _Model, solution: pywrapcp.Assignment, n_vehicles: int
) -> Routes:
    """Read the visits (node positions) of every vehicle, in route order."""
    routing, manager = model.routing, model.manager
    routes: Routes = []
    for v in range(n_vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        seq: list[int] = []
        while not routing.IsEnd(index):
            seq.append(manager.IndexToNode(index) - n_vehicles)
            index = solution.Value(routing.NextVar(index))
        routes.append(seq)
    return routes


def route_times(prob: Problem, vehicle: int, seq: Sequence[int]) -> RouteTimes | None:
    """Earliest arrivals and legs along ``seq``, return time; None if infeasible."""
    depot = prob.depot_point[vehicle]
    n_v = prob.n_vehicles
    here, t = depot, 0.0
    arrivals: list[float] = []
    travels: list[float] = []
    for k in seq:
        p = n_v + prob.nodes[k].target
        leg = float(prob.travel_min[here, p])
        arr = arrive(t + leg, prob.nodes[k].windows)
        if not np.isfinite(arr):
            return None
        arrivals.append(arr)
        travels.append(leg)
        t = arr + prob.dwell
        here = p
    end = t + float(prob.travel_min[here, depot])
    if end > prob.shift + 1e-9:
        return None
    return RouteTimes(arrivals, travels, end)


def shuffle_routes(prob: Problem, routes: Routes, seed: int) -> Routes:
    """Random visiting order per team, keeping each stop only if it still fits."""
    rng = np.random.default_rng(seed)
    out: Routes = []
    for v, seq in enumerate(routes):
        kept: list[int] = []
        for k in (seq[i] for i in rng.permutation(len(seq))):
            if route_times(prob, v, [*kept, k]) is not None:
                kept.append(k)
        out.append(kept)
    return out
