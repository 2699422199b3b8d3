"""Which open cases will miss their deadline: a Kaplan-Meier forecast.

The time from filing to closing is modelled per category (and per
responsible unit where the unit has at least ``min_cases`` cases of the
category; a category with fewer cases is pooled with all categories) by the
Kaplan-Meier estimator, with the cases still open at ``as_of`` (and those
closed after it) right-censored at their age then. An open case of age
``a`` whose due time is ``d`` after filing misses it with probability

    P(miss) = P(T > d | T > a) = S(d) / S(a)

(1 when it is already past due). Only what was known at ``as_of`` is used:
cases filed by then, closures made by then.

The estimator is a few lines of numpy over all groups at once (one sort by
group and time); it agrees with ``lifelines.KaplanMeierFitter``, which was
not added as a dependency because this is all that is needed of it.

:func:`overdue_calibration` measures the forecast on held-out days: a
reliability table (binned predicted against observed) and the Brier score
against the Brier score of always predicting the base rate.

References
----------
Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from
incomplete observations. Journal of the American Statistical Association,
53(282), 457-481.

Brier, G. W. (1950). Verification of forecasts expressed in terms of
probability. Monthly Weather Review, 78(1), 1-3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core import schema as sc
from .._core.types import FloatArray, IntArray, TimeLike
from .._core.validate import local_time, require_frame, time_zone, whole_number
from ..errors import InputError, collect_problems
from ._cases import case_problems
from .deadlines import DUE_AT, BeyondCalendar, TimeLimit, deadlines

__all__ = [
    "AGE_HOURS",
    "HOURS_LEFT",
    "MODEL_CASES",
    "MODEL_GROUP",
    "P_MISS",
    "OverdueCalibration",
    "kaplan_meier",
    "overdue_calibration",
    "overdue_risk",
    "planted_closing_times",
]

#: Output columns of :func:`overdue_risk`.
P_MISS: Final = "p_miss"
AGE_HOURS: Final = "age_hours"
HOURS_LEFT: Final = "hours_left"
MODEL_GROUP: Final = "model_group"
MODEL_CASES: Final = "model_cases"

_T_BITS: Final = 34
_SPAN: Final = (1 << _T_BITS) - 1


def kaplan_meier(
    group: npt.ArrayLike, time: npt.ArrayLike, event: npt.ArrayLike
) -> tuple[IntArray, IntArray, FloatArray]:
    """Return the Kaplan-Meier survival step functions of many groups at once.

    Parameters
    ----------
    group
        Non-negative integer group of each subject.
    time
        Non-negative integer time of each subject (e.g. seconds): its event
        time, or its censoring time.
    event
        True where the event happened at ``time``, False where censored.

    Returns
    -------
    tuple of numpy.ndarray
        ``group``, ``time`` and ``S`` at each distinct (group, time) with an
        event, sorted by group then time: ``S`` is the survival just after
        that time, ``prod(1 - d_i / n_i)`` over the group's event times up
        to it (``d_i`` events, ``n_i`` subjects still at risk).

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from
    incomplete observations. JASA 53(282), 457-481.

    Examples
    --------
    >>> g, t, s = kaplan_meier([0] * 5, [1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    >>> t.tolist(), [round(v, 4) for v in s.tolist()]
    ([1, 2, 3], [0.8, 0.6, 0.3])
    """
    g = np.asarray(group, dtype=np.int64)
    t = np.asarray(time, dtype=np.int64)
    e = np.asarray(event, dtype=bool)
    order = np.lexsort((t, g))
    g, t, e = g[order], t[order], e[order]
    n = len(g)
    if n == 0:
        return g, t, np.zeros(0)
    new_block = np.ones(n, dtype=bool)
    new_block[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    start = np.flatnonzero(new_block)
    group_end = np.searchsorted(g, g[start], side="right")
    at_risk = (group_end - start).astype(np.float64)
    deaths = np.add.reduceat(e.astype(np.float64), start)
    keep = deaths > 0
    bg, bt = g[start][keep], t[start][keep]
    q = np.minimum(deaths[keep] / at_risk[keep], 1.0)
    log_step = np.log(np.maximum(1.0 - q, 1e-300))
    cum = np.cumsum(log_step)
    first = np.ones(len(bg), dtype=bool)
    first[1:] = bg[1:] != bg[:-1]
    before = np.where(first, cum - log_step, np.nan)
    offset = pd.Series(before).ffill().to_numpy()
    s = np.exp(cum - offset)
    # all at risk closed at once: nobody is left, so this is the group's last step
    s[q >= 1.0] = 0.0
    return bg, bt, s


def _survival_at(
    steps: tuple[IntArray, IntArray, FloatArray], group: IntArray, time: IntArray
) -> FloatArray:
    """S(time) of each query's group: 1 before the group's first event."""
    bg, bt, s = steps
    if len(bg) == 0:
        return np.ones(len(group))
    key = (bg << _T_BITS) | np.clip(bt, 0, _SPAN)
    query = (group << _T_BITS) | np.clip(time, 0, _SPAN)
    pos = np.searchsorted(key, query, side="right") - 1
    ok = pos >= 0
    ok[ok] = bg[pos[ok]] == group[ok]
    return np.where(ok, s[np.maximum(pos, 0)], 1.0)


# -- validation ------------------------------------------------------------------------


def _check(cases: object, unit: object, min_cases: object, tz: object) -> list[str]:
    """Return the problems of the arguments every overdue model shares."""
    cases = require_frame(cases, "cases")
    problems: list[str] = []
    if unit is not None and not isinstance(unit, str):
        problems.append(
            f"unit must be None or the name of the unit id column, got {unit!r}. "
            "Pass e.g. unit='unit_id'."
        )
        unit = None
    problems += case_problems(
        cases,
        unit,  # type: ignore[arg-type]
        "Add unit ids with hotspots.assign_units, or pass unit=None.",
    )
    problems += [
        p
        for p in (
            whole_number(min_cases, "min_cases", example="min_cases=30"),
            time_zone(tz),
        )
        if p
    ]
    return problems


def _as_of(value: object, tz: object, problems: list[str]) -> Any:
    stamp, problem = local_time(
        value, "as_of", tz=tz, example="'2026-11-23 09:00+08:00'"
    )
    if problem:
        problems.append(problem)
    return stamp


# -- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    filed: IntArray  # seconds since the epoch (UTC)
    closed: IntArray  # valid where has_close
    has_close: npt.NDArray[np.bool_]
    due: IntArray  # valid where has_due
    has_due: npt.NDArray[np.bool_]
    category: IntArray
    categories: npt.NDArray[np.object_]
    unit: IntArray  # -1 without a unit
    units: npt.NDArray[np.object_]


def _seconds(times: pd.Series) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    has = times.notna().to_numpy(dtype=bool)
    out = np.zeros(len(times), dtype=np.int64)
    if has.any():
        idx = pd.DatetimeIndex(times[has]).tz_convert("UTC").tz_localize(None)
        out[has] = idx.as_unit("s").asi8
    return out, has


def _prepare(
    cases: pd.DataFrame,
    limits: Mapping[str, TimeLimit | tuple[float, str]],
    *,
    now: Any,
    unit: str | None,
    tz: str,
    beyond_calendar: BeyondCalendar,
) -> _Prepared:
    due_at = deadlines(cases, limits, now=now, tz=tz, beyond_calendar=beyond_calendar)[
        DUE_AT
    ]
    filed, has_filed = _seconds(cases[sc.REPORTED_AT])
    closed, has_close = _seconds(cases[sc.CLOSED_AT])
    due, has_due = _seconds(due_at)
    cat, cat_names = pd.factorize(cases[sc.CATEGORY], use_na_sentinel=True)
    if unit is not None:
        u, u_names = pd.factorize(cases[unit], use_na_sentinel=True)
    else:
        u, u_names = np.full(len(cases), -1), pd.Index([])
    filed = np.where(has_filed, filed, np.iinfo(np.int64).max)  # never "known"
    return _Prepared(
        filed=filed,
        closed=closed,
        has_close=has_close & has_filed,
        due=due,
        has_due=has_due,
        category=np.asarray(cat, dtype=np.int64),
        categories=np.asarray(pd.Index(cat_names).astype(str), dtype=object),
        unit=np.asarray(u, dtype=np.int64),
        units=np.asarray(pd.Index(u_names).astype(str), dtype=object),
    )


@dataclass(frozen=True)
class _Forecast:
    rows: npt.NDArray[np.intp]  # open cases at as_of (positions)
    p_miss: FloatArray
    group: npt.NDArray[np.object_]
    group_cases: IntArray


def _forecast(prep: _Prepared, now: int, min_cases: int) -> _Forecast:
    known = prep.filed <= now
    closed_by = known & prep.has_close & (prep.closed <= now)
    rows = np.flatnonzero(known)
    duration = np.where(
        closed_by[rows], prep.closed[rows] - prep.filed[rows], now - prep.filed[rows]
    )
    duration = np.maximum(duration, 0)
    event = closed_by[rows]
    cat = prep.category[rows]
    n_cats = len(prep.categories) + 1
    cat_key = cat + 1  # NA category: 0
    cat_count = np.bincount(cat_key, minlength=n_cats)
    unit = prep.unit[rows]
    pair = (unit + 1) * n_cats + cat_key  # unit and category
    pair_count = np.bincount(pair)
    use_pair = (unit >= 0) & (pair_count[pair] >= min_cases)
    use_cat = ~use_pair & (cat >= 0) & (cat_count[cat_key] >= min_cases)
    # group codes: 0 all, 1..n_cats categories, then unit-and-category pairs
    group = np.where(use_pair, n_cats + pair, np.where(use_cat, cat_key + 1, 0))
    group = group.astype(np.int64)
    # every case belongs to its own group and to the pooled group 0
    steps = kaplan_meier(
        np.concatenate([group[group > 0], np.zeros(len(group), dtype=np.int64)]),
        np.concatenate([duration[group > 0], duration]),
        np.concatenate([event[group > 0], event]),
    )
    open_ = ~event
    o_rows = rows[open_]
    o_group = group[open_]
    age = duration[open_]
    has_due = prep.has_due[o_rows]
    allowed = prep.due[o_rows] - prep.filed[o_rows]
    s_due = _survival_at(steps, o_group, allowed)
    s_age = _survival_at(steps, o_group, age)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(s_age > 0, s_due / s_age, 1.0)
    p = np.where(allowed <= age, 1.0, np.clip(p, 0.0, 1.0))
    p = np.where(has_due, p, np.nan)
    sizes = np.bincount(group, minlength=1)
    sizes[0] = len(group)
    labels = np.full(len(o_group), "all", dtype=object)
    in_cat = (o_group >= 1) & (o_group <= n_cats)
    names = np.concatenate([["<NA>"], prep.categories])
    labels[in_cat] = names[o_group[in_cat] - 1]
    in_pair = o_group > n_cats
    if in_pair.any():
        pk = o_group[in_pair] - n_cats
        u_names = np.concatenate([["<NA>"], prep.units])
        labels[in_pair] = [
            f"{names[c]} / {u_names[u]}"
            for c, u in zip(
                (pk % n_cats).tolist(), (pk // n_cats).tolist(), strict=True
            )
        ]
    return _Forecast(
        rows=o_rows,
        p_miss=p.astype(np.float64),
        group=labels,
        group_cases=sizes[o_group].astype(np.int64),
    )


# -- the public entries ----------------------------------------------------------------


def overdue_risk(
    cases: pd.DataFrame,
    *,
    as_of: TimeLike,
    limits: Mapping[str, TimeLimit | tuple[float, str]],
    unit: str | None = None,
    min_cases: int = 30,
    tz: str = sc.DEFAULT_TZ,
    beyond_calendar: BeyondCalendar = "weekends",
) -> pd.DataFrame:
    """Forecast which open cases will miss their deadline.

    Parameters
    ----------
    cases
        Cases: ``report_id``, ``reported_at`` and ``closed_at`` (tz-aware;
        NaT while open), ``category``, and the ``unit`` column when given. A
        case is closed at ``as_of`` when its ``closed_at`` is at or before
        it, whatever its current ``status``; for the state as known at a
        past date pass ``Ledger.reports(as_of)``. Not modified.
    as_of
        The time of the forecast (tz-aware, or naive in ``tz``).
    limits
        Category -> :class:`~hotspots.accountability.deadlines.TimeLimit`, as for
        :func:`~hotspots.accountability.deadlines.deadlines` (due times on the
        Chinese working-day calendar).
    unit
        The responsible-unit column (e.g. ``"unit_id"``): a unit with at
        least ``min_cases`` cases of a category gets its own curve for it.
        Default None: by category only.
    min_cases
        Fewest cases (filed by ``as_of``) for a curve of its own: a unit and
        category below it use the category's curve, a category below it the
        curve of all cases (default 30).
    tz
        Timezone of the calendar and of naive times.
    beyond_calendar
        As for :func:`~hotspots.accountability.deadlines.deadlines`.

    Returns
    -------
    pandas.DataFrame
        The cases open at ``as_of`` (filed by then, not closed by then), in
        the input's order and index with all its columns, plus ``due_at``,
        ``age_hours``, ``hours_left`` (to the due time; negative when past
        it), ``p_miss`` (probability of missing the due time: 1 when already
        past it, NaN without a limit), ``model_group`` (the curve used: a
        category, ``"category / unit"`` or ``"all"``) and ``model_cases``
        (the cases behind that curve).

    Raises
    ------
    TypeError
        When ``cases`` is not a frame or ``limits`` not a mapping.
    InputError
        Listing every problem: missing columns, naive times, a bad
        ``as_of``, ``unit``, ``min_cases`` or ``tz``; bad limits (from
        :func:`~hotspots.accountability.deadlines.deadlines`).

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from
    incomplete observations. JASA 53(282), 457-481.

    Examples
    --------
    >>> cases, limits = planted_closing_times(seed=1, n_cases=3000)
    >>> risk = overdue_risk(cases, as_of="2026-08-20 12:00", limits=limits)
    >>> bool(risk["p_miss"].between(0, 1).all()), sorted(risk["model_group"].unique())
    (True, ['fast', 'slow'])
    """
    problems = _check(cases, unit, min_cases, tz)
    stamp = _as_of(as_of, tz, problems)
    collect_problems(problems, "overdue_risk")
    prep = _prepare(
        cases, limits, now=stamp, unit=unit, tz=tz, beyond_calendar=beyond_calendar
    )
    now = int(pd.Timestamp(stamp).tz_convert("UTC").timestamp())
    fc = _forecast(prep, now, int(min_cases))
    out = cases.iloc[fc.rows].copy()
    filed = prep.filed[fc.rows]
    due = pd.Series(
        pd.to_datetime(prep.due[fc.rows], unit="s", utc=True), index=out.index
    ).dt.tz_convert(tz)
    out[DUE_AT] = due.where(prep.has_due[fc.rows])
    out[AGE_HOURS] = (now - filed) / 3600.0
    out[HOURS_LEFT] = np.where(
        prep.has_due[fc.rows], (prep.due[fc.rows] - now) / 3600.0, np.nan
    )
    out[P_MISS] = fc.p_miss
    out[MODEL_GROUP] = fc.group
    out[MODEL_CASES] = fc.group_cases
    out.attrs["as_of"] = str(stamp)
    return out


@dataclass(frozen=True)
class OverdueCalibration:
    """The forecast against what happened, on held-out days.

    Attributes
    ----------
    predictions
        One row per (forecast time, open case not yet due whose outcome is
        known): ``as_of``, ``report_id``, ``p_miss`` and ``missed``.
    reliability
        One row per probability bin: ``bin_lo``, ``bin_hi``, ``cases``,
        ``mean_predicted`` and ``observed`` (the share that missed).
    brier
        Mean squared error of ``p_miss`` against ``missed``.
    base_rate
        Share of the predictions that missed.
    brier_base_rate
        The Brier score of always predicting ``base_rate``
        (``base_rate * (1 - base_rate)``): a forecast with skill scores lower.
    """

    predictions: pd.DataFrame
    reliability: pd.DataFrame
    brier: float
    base_rate: float
    brier_base_rate: float


def overdue_calibration(
    cases: pd.DataFrame,
    *,
    limits: Mapping[str, TimeLimit | tuple[float, str]],
    weeks: int = 4,
    hour: int = 10,
    bins: int = 10,
    unit: str | None = None,
    min_cases: int = 30,
    tz: str = sc.DEFAULT_TZ,
    beyond_calendar: BeyondCalendar = "weekends",
) -> OverdueCalibration:
    """Measure :func:`overdue_risk` on held-out days: reliability and Brier score.

    The forecast is made at ``hour`` o'clock of every day of the last
    ``weeks`` whole weeks (Monday to Sunday) before the last filed case, each
    from the history before it only, for the open cases not yet due; a case
    counts when its outcome is known by the last filed case (closed by its
    due time, or its due time passed).

    Parameters
    ----------
    cases
        As for :func:`overdue_risk`. Not modified.
    limits
        As for :func:`overdue_risk`.
    weeks
        Number of held-out weeks (default 4).
    hour
        Local hour of the daily forecast, 0 to 23 (default 10).
    bins
        Number of equal-width probability bins of the reliability table.
    unit, min_cases, tz, beyond_calendar
        As for :func:`overdue_risk`.

    Returns
    -------
    OverdueCalibration
        Predictions, reliability table, Brier score and the base-rate Brier.

    Raises
    ------
    TypeError
        When ``cases`` is not a frame.
    InputError
        Listing every problem (as for :func:`overdue_risk`, and a bad
        ``weeks``, ``hour`` or ``bins``), or when no prediction could be
        scored.

    References
    ----------
    Brier, G. W. (1950). Verification of forecasts expressed in terms of
    probability. Monthly Weather Review, 78(1), 1-3.

    Examples
    --------
    >>> cases, limits = planted_closing_times(seed=1, n_cases=3000)
    >>> cal = overdue_calibration(cases, limits=limits, weeks=2)
    >>> cal.brier < cal.brier_base_rate
    True
    """
    problems = _check(cases, unit, min_cases, tz)
    problems += [
        p
        for p in (
            whole_number(weeks, "weeks", example="weeks=4"),
            whole_number(hour, "hour", example="hour=10", minimum=0, maximum=23),
            whole_number(bins, "bins", example="bins=10"),
        )
        if p
    ]
    collect_problems(problems, "overdue_calibration")
    filed_all = cases[sc.REPORTED_AT]
    if filed_all.notna().sum() == 0:
        msg = "overdue_calibration needs cases with a filing time; none has one."
        raise InputError(msg)
    last = filed_all.max().tz_convert(tz)
    prep = _prepare(
        cases, limits, now=last, unit=unit, tz=tz, beyond_calendar=beyond_calendar
    )
    times = _forecast_times(last, weeks=int(weeks), hour=int(hour), tz=tz)
    pred = _held_out_predictions(
        prep,
        cases[sc.REPORT_ID].astype(str).to_numpy(dtype=object),
        times=times,
        end=int(last.tz_convert("UTC").timestamp()),
        min_cases=int(min_cases),
    )
    if len(pred) == 0:
        msg = (
            f"overdue_calibration found no open case with a known outcome in the "
            f"last weeks={weeks} weeks. Pass more weeks or cases with limits."
        )
        raise InputError(msg)
    p = pred[P_MISS].to_numpy(dtype=np.float64)
    y = pred["missed"].to_numpy(dtype=np.float64)
    base = float(y.mean())
    return OverdueCalibration(
        predictions=pred,
        reliability=_reliability(p, y, bins=int(bins)),
        brier=float(np.mean((p - y) ** 2)),
        base_rate=base,
        brier_base_rate=base * (1.0 - base),
    )


def _forecast_times(
    last: pd.Timestamp, *, weeks: int, hour: int, tz: str
) -> pd.DatetimeIndex:
    """Return ``hour`` o'clock of every day of the last whole weeks before ``last``."""
    sunday = last.tz_localize(None).normalize() - pd.Timedelta(
        days=(last.day_of_week + 1) % 7
    )
    if last.day_of_week == 6:
        sunday -= pd.Timedelta(days=7)  # the last week must be whole
    days = pd.date_range(end=sunday, periods=7 * weeks, freq="D")
    return (days + pd.Timedelta(hours=hour)).tz_localize(tz)


def _held_out_predictions(
    prep: _Prepared,
    ids: npt.NDArray[np.object_],
    *,
    times: pd.DatetimeIndex,
    end: int,
    min_cases: int,
) -> pd.DataFrame:
    """Return the forecasts at ``times`` of the open cases whose outcome is known."""
    parts: list[pd.DataFrame] = []
    for when in times:
        now = int(when.tz_convert("UTC").timestamp())
        fc = _forecast(prep, now, min_cases)
        r = fc.rows
        due, closed, has_close = prep.due[r], prep.closed[r], prep.has_close[r]
        in_time = has_close & (closed <= due)
        known = prep.has_due[r] & (due > now) & (in_time | (due <= end))
        parts.append(
            pd.DataFrame(
                {
                    "as_of": when,
                    sc.REPORT_ID: ids[r[known]],
                    P_MISS: fc.p_miss[known],
                    "missed": ~in_time[known],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _reliability(p: FloatArray, y: FloatArray, *, bins: int) -> pd.DataFrame:
    """Return the reliability table: predicted and observed share per bin."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(which, weights=p, minlength=bins) / count
        observed = np.bincount(which, weights=y, minlength=bins) / count
    return pd.DataFrame(
        {
            "bin_lo": edges[:-1],
            "bin_hi": edges[1:],
            "cases": count,
            "mean_predicted": mean_p,
            "observed": observed,
        }
    )


# -- a synthetic city with known closing-time distributions ----------------------------


def planted_closing_times(
    *,
    seed: int,
    n_cases: int = 6000,
    start: str = "2026-08-03",
    weeks: int = 6,
    tz: str = sc.DEFAULT_TZ,
) -> tuple[pd.DataFrame, dict[str, TimeLimit]]:
    """Return synthetic cases with known closing-time distributions, and limits.

    Two categories filed uniformly over ``weeks`` weeks from ``start``:
    ``"fast"`` (limit 24 hours) closes after a log-normal time with median
    12 hours and log-sd 1; ``"slow"`` (limit 48 hours) after an exponential
    time with mean 36 hours. Cases not closed by the end have no
    ``closed_at``. The truth of an open case of age ``a`` hours is then
    ``S(limit) / S(a)`` with these distributions.

    Parameters
    ----------
    seed
        Seed of the random generator.
    n_cases
        Number of cases (half of each category on average).
    start
        First day (local).
    weeks
        Length of the period.
    tz
        Timezone of the times.

    Returns
    -------
    tuple
        The cases (``report_id``, ``category``, ``reported_at``,
        ``closed_at``, ``status``) and the limits (hours).

    Examples
    --------
    >>> cases, limits = planted_closing_times(seed=1, n_cases=100)
    >>> sorted(limits), len(cases)
    (['fast', 'slow'], 100)
    """
    rng = np.random.default_rng(seed)
    end_h = weeks * 7 * 24.0
    fast = rng.random(n_cases) < 0.5
    filed_h = rng.uniform(0.0, end_h, n_cases)
    hours = np.where(
        fast,
        np.exp(np.log(12.0) + rng.normal(0.0, 1.0, n_cases)),
        rng.exponential(36.0, n_cases),
    )
    closed_h = filed_h + hours
    base = pd.Timestamp(start, tz=tz)
    filed = base + pd.to_timedelta(np.round(filed_h * 3600), unit="s")
    closed = pd.Series(base + pd.to_timedelta(np.round(closed_h * 3600), unit="s"))
    is_closed = closed_h < end_h
    cases = pd.DataFrame(
        {
            sc.REPORT_ID: [f"K{i:06d}" for i in range(n_cases)],
            sc.CATEGORY: np.where(fast, "fast", "slow"),
            sc.REPORTED_AT: filed,
            sc.CLOSED_AT: closed.where(is_closed).to_numpy(),
            sc.STATUS: np.where(is_closed, "closed", "open"),
        }
    )
    cases[sc.CLOSED_AT] = pd.to_datetime(cases[sc.CLOSED_AT], utc=True).dt.tz_convert(
        tz
    )
    limits = {"fast": TimeLimit(24, "hours"), "slow": TimeLimit(48, "hours")}
    return cases, limits
