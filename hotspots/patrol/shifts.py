"""Staggered shifts (错峰): when each team should be on duty.

:func:`design_shifts` places every team's shift blocks in the day so that as
many as possible of the reports expected at next week's targets fall while
at least one team is on duty, and compares the result with everyone working
one common day shift (08:30-17:00).

The roster
----------
Every team works one block of each length in ``shift_hours``: with the
default ``(8, 4)`` an 8-hour shift and a 4-hour extension (the 延时错峰
evening patrol of "8 hours plus 4 staggered hours"). Blocks start on a grid
of ``step_minutes``, lie inside the city's allowed hours, do not overlap
within a team, and at every step of the allowed hours at least
``min_on_duty`` teams are on duty.

The model
---------
An integer program solved exactly with OR-Tools CP-SAT (one worker, fixed
seed: deterministic). Binary ``x[team, block, start]``; ``n_t`` teams on duty
in step ``t``; binary ``y_t <= n_t`` (step ``t`` covered). The objective is
lexicographic: first the expected reports in covered steps,
``sum_t d_t y_t``, then, among equal coverage, the reports weighted by the
number of teams on duty, ``sum_t d_t n_t`` (a second team goes where the
reports are). The demand ``d_t`` is the expected reports per week in each
clock step, summed over the days of the week (a roster is the same every
day), spread evenly within its hour.

References
----------
.. [1] Dantzig, G. B. (1954). A comment on Edie's "Traffic delays at toll
   booths". Journal of the Operations Research Society of America 2(3),
   339-341 (the set-covering model of shift scheduling).
.. [2] Ernst, A. T., Jiang, H., Krishnamoorthy, M. and Sier, D. (2004). Staff
   scheduling and rostering: a review of applications, methods and models.
   European Journal of Operational Research 153(1), 3-27.
.. [3] Koper, C. S. (1995). Just enough police presence. Justice Quarterly
   12(4), 649-672.
.. [4] Google OR-Tools, CP-SAT solver,
   https://developers.google.com/optimization/cp/cp_solver
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from ortools.sat.python import cp_model

from .._core import schema
from .._core.types import FloatArray, IntArray
from .._core.validate import is_real, one_of, positive_number, whole_number
from ..errors import InputError, collect_problems
from ..stats.profiles import HOURS_PER_WEEK, HourProfile

__all__ = [
    "BLOCK_HOURS",
    "DEFAULT_BASELINE",
    "END",
    "END_MIN",
    "START",
    "START_MIN",
    "TEAM",
    "ShiftDesign",
    "daily_demand",
    "design_shifts",
]

# -- columns of the schedule (contract) ------------------------------------------
TEAM: Final = schema.TEAM
BLOCK_HOURS: Final = "hours"
START_MIN: Final = "start_min"
END_MIN: Final = "end_min"
START: Final = "start"
END: Final = "end"

#: The common day shift of a city-management office, the baseline.
DEFAULT_BASELINE: Final = ("08:30", "17:00")
_STEPS: Final = (15, 30, 60)
_SCALE: Final = 10_000  # integer demand units of the busiest step


@dataclass(frozen=True, eq=False)
class ShiftDesign:
    """A staggered roster and what it covers, against one common day shift.

    Attributes
    ----------
    schedule
        One row per block: ``team`` (1-based), ``hours``, ``start_min`` and
        ``end_min`` (clock minutes after midnight), ``start`` and ``end``
        ("HH:MM"), sorted by team and start.
    steps
        One row per clock step of the day: ``start_min``, ``demand``
        (expected reports per week), ``on_duty`` (teams), ``baseline_on_duty``.
    expected_covered, coverage
        Expected reports per week falling while a team is on duty, and their
        share of all expected reports.
    baseline_expected, baseline_coverage
        The same for every team on the baseline day shift.
    baseline
        The baseline shift ("HH:MM", "HH:MM").
    total_demand
        Expected reports per week over the whole day.
    status
        ``"optimal"`` or ``"feasible"`` (the time cap stopped the proof).
    """

    schedule: pd.DataFrame
    steps: pd.DataFrame
    expected_covered: float
    coverage: float
    baseline_expected: float
    baseline_coverage: float
    baseline: tuple[str, str]
    total_demand: float
    status: str

    def blocks(self) -> list[tuple[str, float, tuple[int, ...]]]:
        """Return the distinct blocks: (start "HH:MM", minutes, teams on it).

        The shifts to plan patrols for: one call of
        :func:`hotspots.patrol.plan.plan_patrols` per block, with its teams.
        """
        out: list[tuple[str, float, tuple[int, ...]]] = []
        grouped = self.schedule.groupby([START_MIN, END_MIN], sort=True)[TEAM]
        for key, teams in grouped:
            s, e = (int(v) for v in key)  # type: ignore[union-attr,call-overload]
            out.append((_clock(s), float(e - s), tuple(sorted(teams.tolist()))))
        return out


def _clock(minutes: int) -> str:
    """Return ``HH:MM`` of minutes after midnight."""
    m = int(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def _minutes(value: object) -> float:
    """Return the minutes after midnight of ``"HH:MM"`` or a datetime.time."""
    if isinstance(value, dt.time):
        return float(value.hour * 60 + value.minute)
    hh, mm = str(value).strip().split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 1440):
        raise ValueError(value)
    return float(h * 60 + m)


def daily_demand(
    demand: HourProfile | npt.ArrayLike, *, units: Sequence[object] | None = None
) -> FloatArray:
    """Return the expected reports per week in each clock hour (24 values, days summed).

    Parameters
    ----------
    demand
        An :class:`~hotspots.stats.profiles.HourProfile` (its expected reports per
        week, :meth:`~hotspots.stats.profiles.HourProfile.weekly`, summed over
        ``units``), or expected reports as 24 hourly values, 168 hour-of-week
        values (Monday 00:00 first) or a 7 x 24 array.
    units
        With a profile, the units to count (the week's targets); default all.

    Returns
    -------
    numpy.ndarray
        24 finite values >= 0.

    Raises
    ------
    InputError
        When the array has another shape or values that are negative or not
        finite, or ``units`` names units the profile does not have.
    """
    if isinstance(demand, HourProfile):
        weekly = demand.weekly()
        if units is not None:
            ids = list(units)
            missing = [u for u in ids if u not in weekly.index]
            if missing:
                msg = (
                    f"units must be units of the profile, got {missing[:5]!r} that "
                    "are not. Pass the ids of the profile's unit column (targets "
                    "without reports have no demand: leave them out)."
                )
                raise InputError(msg)
            weekly = weekly.loc[ids]
        arr = weekly.to_numpy(dtype=np.float64).sum(axis=0)
    else:
        try:
            arr = np.asarray(demand, dtype=np.float64)
        except (TypeError, ValueError) as err:
            msg = (
                "demand must be an HourProfile or numbers (24, 168 or 7 x 24 "
                f"expected reports), got {type(demand).__name__}."
            )
            raise InputError(msg) from err
    if arr.shape not in ((24,), (HOURS_PER_WEEK,), (7, 24)):
        msg = (
            f"demand must hold 24 hourly, 168 hour-of-week or 7 x 24 values, got "
            f"shape {arr.shape}. Pass e.g. profile.weekly().sum().to_numpy()."
        )
        raise InputError(msg)
    if not np.isfinite(arr).all() or (arr < 0).any():
        msg = (
            "demand must be finite numbers >= 0 (expected reports), got negative "
            "or missing values. Fill them with 0."
        )
        raise InputError(msg)
    out: FloatArray = arr.reshape(-1, 24).sum(axis=0)
    return out


def design_shifts(
    demand: HourProfile | npt.ArrayLike,
    *,
    teams: int,
    shift_hours: Sequence[float] = (8, 4),
    allowed_hours: tuple[float, float] = (6, 23),
    min_on_duty: int = 1,
    step_minutes: int = 30,
    baseline: tuple[str | dt.time, str | dt.time] = DEFAULT_BASELINE,
    units: Sequence[object] | None = None,
    time_limit_s: float = 10.0,
) -> ShiftDesign:
    """Choose staggered start times that put teams on duty when reports come.

    Parameters
    ----------
    demand
        Where the reports are expected: an
        :class:`~hotspots.stats.profiles.HourProfile` (with ``units``, the week's
        targets) or expected reports per week by hour (24, 168 or 7 x 24
        values; see :func:`daily_demand`).
    teams
        Number of teams (>= 1).
    shift_hours
        Length in hours of each block every team works, e.g. ``(8, 4)``: an
        8-hour shift plus a 4-hour staggered extension; ``(8,)`` for one
        shift. Each a multiple of ``step_minutes``.
    allowed_hours
        ``(first, last)`` clock hours the city allows patrols in (default
        06:00 to 23:00); every block lies inside.
    min_on_duty
        Teams that must be on duty at every step of the allowed hours
        (default 1; 0 for none).
    step_minutes
        Grid of start times: 15, 30 (default) or 60 minutes.
    baseline
        The common day shift compared against, default 08:30-17:00.
    units
        With a profile, the target units whose reports count.
    time_limit_s
        Safety cap on the solver time; the search is exact and deterministic
        (one worker) and ends long before on a day's grid.

    Returns
    -------
    ShiftDesign
        The schedule, the coverage per step and the comparison.

    Raises
    ------
    InputError
        On invalid parameters or demand, or when no roster can meet
        ``min_on_duty`` (the message says how many team-hours it needs).

    References
    ----------
    .. [1] Dantzig, G. B. (1954). A comment on Edie's "Traffic delays at toll
       booths". JORSA 2(3), 339-341.
    .. [2] Ernst, A. T. et al. (2004). Staff scheduling and rostering: a
       review. EJOR 153(1), 3-27.

    Examples
    --------
    >>> import numpy as np
    >>> demand = np.zeros(24)
    >>> demand[19] = 10.0  # the evening vendors
    >>> demand[8] = 4.0    # the morning parking
    >>> d = design_shifts(demand, teams=1, shift_hours=(8, 4), min_on_duty=0)
    >>> d.coverage, d.baseline_coverage
    (1.0, 0.14285714285714285)
    """
    spec = _check_roster(
        teams,
        shift_hours=shift_hours,
        allowed_hours=allowed_hours,
        min_on_duty=min_on_duty,
        step_minutes=step_minutes,
        baseline=baseline,
        time_limit_s=time_limit_s,
        hourly=_demand_or_problem(demand, units),
    )
    model = _roster_model(spec)
    solver = _solve_roster(model, spec)
    on_duty, schedule = _read_roster(model, solver, spec)
    return _compare(spec, on_duty, schedule, solver.status)


@dataclass(frozen=True)
class _Spec:
    """The checked roster parameters on the step grid, and the demand per step."""

    n_teams: int
    lengths: tuple[int, ...]  # block lengths in steps
    step: int  # minutes
    first: int  # first allowed step
    last: int  # end of the allowed steps (exclusive)
    min_on_duty: int
    base: tuple[float, float]  # baseline shift, clock minutes
    demand: FloatArray  # expected reports per step
    allowed_hours: object  # as given, for the messages
    time_limit_s: float

    @property
    def n_steps(self) -> int:
        """Return the number of steps in a day."""
        return 24 * (60 // self.step)


def _demand_or_problem(
    demand: HourProfile | npt.ArrayLike, units: Sequence[object] | None
) -> FloatArray | str:
    """Return the hourly demand (:func:`daily_demand`), or its problem as text."""
    try:
        return daily_demand(demand, units=units)
    except InputError as err:
        return str(err)


def _check_roster(
    teams: int,
    *,
    shift_hours: Sequence[float],
    allowed_hours: tuple[float, float],
    min_on_duty: int,
    step_minutes: int,
    baseline: tuple[str | dt.time, str | dt.time],
    time_limit_s: float,
    hourly: FloatArray | str,
) -> _Spec:
    """Check :func:`design_shifts`' parameters (raise once) and put them on the grid."""
    problems: list[str] = []
    for problem in (
        whole_number(teams, "teams", example="teams=3"),
        _bad_step(step_minutes),
    ):
        if problem is not None:
            problems.append(problem)
    step = 30 if _bad_step(step_minutes) else int(step_minutes)
    lengths = _block_lengths(shift_hours, step, problems)
    lo_h, hi_h = _allowed_span(allowed_hours, step, problems)
    for problem in (
        whole_number(min_on_duty, "min_on_duty", example="min_on_duty=1", minimum=0),
        positive_number(
            time_limit_s, "time_limit_s", example="time_limit_s=10", unit="seconds"
        ),
    ):
        if problem is not None:
            problems.append(problem)
    base = _baseline_minutes(baseline, problems)
    if isinstance(hourly, str):
        problems.append(hourly)
        hourly = np.zeros(24)
    first, last = round(lo_h * 60 / step), round(hi_h * 60 / step)
    span = last - first
    hours = list(shift_hours) if isinstance(shift_hours, Sequence) else []
    too_long = [h for h, n in zip(hours, lengths, strict=False) if n > span]
    if lengths and span > 0 and too_long:
        problems.append(
            f"shift_hours must fit in allowed_hours={allowed_hours!r}, got "
            f"{too_long!r}. Shorten the blocks or widen the allowed hours."
        )
    collect_problems(problems, "design_shifts")
    per_hour = 60 // step
    return _Spec(
        n_teams=int(teams),
        lengths=tuple(lengths),
        step=step,
        first=first,
        last=last,
        min_on_duty=int(min_on_duty),
        base=base,
        demand=np.repeat(hourly / per_hour, per_hour),
        allowed_hours=allowed_hours,
        time_limit_s=float(time_limit_s),
    )


def _bad_step(step_minutes: object) -> str | None:
    """Return the problem of ``step_minutes`` (one of 15, 30, 60), or None."""
    problem = one_of(step_minutes, "step_minutes", _STEPS)
    return None if problem is None else f"{problem} Pass e.g. step_minutes=30."


def _block_lengths(shift_hours: object, step: int, problems: list[str]) -> list[int]:
    """Return the blocks' lengths in steps (problems noted)."""
    lengths: list[int] = []
    if isinstance(shift_hours, str) or not isinstance(shift_hours, Sequence):
        problems.append(
            f"shift_hours must be a sequence of hours, got {shift_hours!r}. Pass "
            "e.g. shift_hours=(8, 4)."
        )
    elif not shift_hours:
        problems.append(
            "shift_hours must hold at least one block, got an empty sequence. "
            "Pass e.g. shift_hours=(8,)."
        )
    else:
        for h in shift_hours:
            ok = (
                _finite(h)
                and h > 0
                and abs(h * 60 / step - round(h * 60 / step)) < 1e-9
            )
            if not ok:
                problems.append(
                    f"shift_hours must be positive multiples of step_minutes={step}, "
                    f"got {h!r}. Pass e.g. shift_hours=(8, 4)."
                )
            else:
                lengths.append(round(h * 60 / step))
    return lengths


def _finite(value: object) -> bool:
    """Return whether ``value`` is a finite real number (not a bool)."""
    return is_real(value) and math.isfinite(value)  # type: ignore[arg-type]


def _allowed_span(
    allowed_hours: object, step: int, problems: list[str]
) -> tuple[float, float]:
    """Return the first and last allowed hours ((0, 0) when invalid)."""
    if (
        not isinstance(allowed_hours, tuple | list)
        or len(allowed_hours) != 2
        or not all(_finite(v) for v in allowed_hours)
        or not 0 <= allowed_hours[0] < allowed_hours[1] <= 24
    ):
        problems.append(
            f"allowed_hours must be (first, last) clock hours with 0 <= first < "
            f"last <= 24, got {allowed_hours!r}. Pass e.g. allowed_hours=(6, 23)."
        )
        return 0.0, 0.0
    lo_h, hi_h = float(allowed_hours[0]), float(allowed_hours[1])
    for v in (lo_h, hi_h):
        if abs(v * 60 / step - round(v * 60 / step)) > 1e-9:
            problems.append(
                f"allowed_hours must fall on the step grid of {step} minutes, "
                f"got {allowed_hours!r}. Pass whole hours, e.g. (6, 23)."
            )
            break
    return lo_h, hi_h


def _baseline_minutes(baseline: object, problems: list[str]) -> tuple[float, float]:
    """Return the baseline shift in clock minutes ((0, 0) when invalid)."""
    try:
        if not isinstance(baseline, tuple | list) or len(baseline) != 2:
            raise TypeError(baseline)
        base = (_minutes(baseline[0]), _minutes(baseline[1]))
        if base[1] <= base[0]:
            raise ValueError(baseline)
    except (TypeError, ValueError):
        problems.append(
            f"baseline must be a (start, end) pair of clock times 'HH:MM' with "
            f"start < end, got {baseline!r}. Pass e.g. baseline=('08:30', '17:00')."
        )
        return (0.0, 0.0)
    return base


@dataclass(frozen=True)
class _RosterModel:
    """The CP-SAT model: block starts ``x[team, block, start]``, step coverage."""

    model: cp_model.CpModel
    x: dict[tuple[int, int, int], cp_model.IntVar]
    covering: list[list[cp_model.IntVar]]  # the block starts on duty in each step


def _roster_model(spec: _Spec) -> _RosterModel:
    """Build the integer program: one start per block, no overlap, coverage."""
    model = cp_model.CpModel()
    n_t, lengths, first, last = spec.n_teams, spec.lengths, spec.first, spec.last
    n_steps = spec.n_steps
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for k in range(n_t):
        for b, n_b in enumerate(lengths):
            starts = range(first, last - n_b + 1)
            row = []
            for s in starts:
                x[k, b, s] = model.new_bool_var(f"x_{k}_{b}_{s}")
                row.append(x[k, b, s])
            model.add_exactly_one(row)
    covering: list[list[cp_model.IntVar]] = [[] for _ in range(n_steps)]
    team_cover: list[list[list[cp_model.IntVar]]] = [
        [[] for _ in range(n_steps)] for _ in range(n_t)
    ]
    for (k, b, s), var in x.items():
        for t in range(s, s + lengths[b]):
            covering[t].append(var)
            team_cover[k][t].append(var)
    for k in range(n_t):
        for t in range(n_steps):
            if len(team_cover[k][t]) > 1:
                model.add(sum(team_cover[k][t]) <= 1)
    for t in range(first, last):
        if spec.min_on_duty > 0:
            model.add(sum(covering[t]) >= spec.min_on_duty)
    # symmetry: teams ordered by the start of their first block
    first_start = [
        sum(s * x[k, 0, s] for s in range(first, last - lengths[0] + 1))
        for k in range(n_t)
    ]
    for k in range(n_t - 1):
        model.add(first_start[k] <= first_start[k + 1])
    _add_objective(model, covering, spec)
    return _RosterModel(model=model, x=x, covering=covering)


def _add_objective(
    model: cp_model.CpModel, covering: list[list[cp_model.IntVar]], spec: _Spec
) -> None:
    """Maximise the covered demand, then the demand times the teams on duty."""
    n_steps = spec.n_steps
    d = spec.demand
    top = float(d.max()) if float(d.sum()) > 0 else 1.0
    d_int = np.rint(d / top * _SCALE).astype(np.int64)
    y = [model.new_bool_var(f"y_{t}") for t in range(n_steps)]
    for t in range(n_steps):
        if covering[t]:
            model.add(y[t] <= sum(covering[t]))
        else:
            model.add(y[t] == 0)
    big = int(d_int.sum()) * spec.n_teams * len(spec.lengths) + 1
    model.maximize(
        big * sum(int(d_int[t]) * y[t] for t in range(n_steps))
        + sum(int(d_int[t]) * v for t in range(n_steps) for v in covering[t])
    )


def _solve_roster(model: _RosterModel, spec: _Spec) -> _Solved:
    """Solve exactly (one worker, fixed seed), or raise when no roster exists."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = spec.time_limit_s
    status = solver.solve(model.model)
    if status == cp_model.INFEASIBLE:
        step = spec.step
        need = (spec.last - spec.first) * spec.min_on_duty * step / 60
        have = spec.n_teams * sum(spec.lengths) * step / 60
        msg = (
            f"min_on_duty={spec.min_on_duty!r} cannot be met: {need:g} team-hours "
            f"are needed over allowed_hours={spec.allowed_hours!r}, the teams work "
            f"{have:g} (or the blocks cannot be placed to cover every step). Add "
            "teams, lengthen shift_hours, narrow allowed_hours or lower min_on_duty."
        )
        raise InputError(msg)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        msg = (
            "the shift solver found no roster within "
            f"time_limit_s={spec.time_limit_s!r}. Raise time_limit_s."
        )
        raise InputError(msg)
    return _Solved(
        solver=solver, status="optimal" if status == cp_model.OPTIMAL else "feasible"
    )


@dataclass(frozen=True)
class _Solved:
    """The solved model and its status, ``"optimal"`` or ``"feasible"``."""

    solver: cp_model.CpSolver
    status: str


def _read_roster(
    model: _RosterModel, solved: _Solved, spec: _Spec
) -> tuple[IntArray, pd.DataFrame]:
    """Read the teams on duty per step and the schedule (one row per block)."""
    step = spec.step
    rows = []
    on_duty = np.zeros(spec.n_steps, dtype=np.int64)
    for (k, b, s), var in model.x.items():
        if solved.solver.boolean_value(var):
            e = s + spec.lengths[b]
            on_duty[s:e] += 1
            rows.append(
                {
                    TEAM: k + 1,
                    BLOCK_HOURS: spec.lengths[b] * step / 60,
                    START_MIN: s * step,
                    END_MIN: e * step,
                    START: _clock(s * step),
                    END: _clock(e * step),
                }
            )
    schedule = (
        pd.DataFrame(rows)
        .sort_values([TEAM, START_MIN], kind="stable")
        .reset_index(drop=True)
    )
    return on_duty, schedule


def _compare(
    spec: _Spec, on_duty: IntArray, schedule: pd.DataFrame, status: str
) -> ShiftDesign:
    """Compare the roster's coverage with everyone on the baseline shift."""
    step, base, n_t, d = spec.step, spec.base, spec.n_teams, spec.demand
    total = float(d.sum())
    clock = np.arange(spec.n_steps) * step
    base_on = ((clock >= base[0]) & (clock + step <= base[1])).astype(np.int64) * n_t
    # a step the baseline covers in part counts in part
    part = np.clip(
        (np.minimum(clock + step, base[1]) - np.maximum(clock, base[0])) / step, 0, 1
    )
    covered = float(d[on_duty > 0].sum())
    base_covered = float((d * part).sum())
    steps = pd.DataFrame(
        {
            START_MIN: clock.astype(np.int64),
            "demand": d,
            "on_duty": on_duty,
            "baseline_on_duty": np.where(part > 0, n_t, base_on),
        }
    )
    return ShiftDesign(
        schedule=schedule,
        steps=steps,
        expected_covered=covered,
        coverage=covered / total if total > 0 else 0.0,
        baseline_expected=base_covered,
        baseline_coverage=base_covered / total if total > 0 else 0.0,
        baseline=(_clock(int(base[0])), _clock(int(base[1]))),
        total_demand=total,
        status=status,
    )
