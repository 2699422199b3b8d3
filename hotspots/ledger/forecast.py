"""Next period's risk per unit (grid cell or street segment).

:func:`forecast` gives every unit a risk score for the period starting at
``as_of``, computed from the reports filed strictly before ``as_of`` only, so
that the same function can be backtested honestly (:func:`hotspots.backtest`).

Methods
-------
``"last"``
    The count of the most recent period before ``as_of``.
``"moving"``
    The mean count over the last ``window_periods`` periods.
``"ewma"``
    Exponentially weighted counts with a half-life of ``halflife_periods``.
``"kde"``
    A Gaussian kernel density of the last ``window_periods`` periods' reports,
    read at each unit's centroid (the midpoint of a street segment).
``"prospective"``
    Prospective hot-spotting (Bowers, Johnson and Pease 2004): every past
    report within ``max_distance_m`` and ``max_age_weeks`` adds
    ``1 / (1 + d / bandwidth_m) * 1 / (1 + age / time_bandwidth_weeks)``.
``"sepp"``
    A self-exciting point process in the style of Mohler et al. (2011): a
    background rate per unit plus near-repeat triggering, exponential in time
    and Gaussian in space, fitted by EM (:func:`fit_sepp`); the risk is the
    expected number of reports in the next period.
``"blind_spots"``
    The blind-spot score (:func:`hotspots.blind_spots`) as of ``as_of``.
``"emerging"``
    The space-time Gi* z-score of the last complete period (the ``final_z``
    of :func:`hotspots.emerging_hotspots` over the last ``window_periods``
    periods): high where the unit and its neighbours were unusually busy
    last period.

Periods
-------
Periods are the calendar periods of :mod:`hotspots.spatial.cube` (weeks starting on
Monday by default, in the config's timezone). The "last period" is the one
containing the instant just before ``as_of``: when ``as_of`` is a period
start (the default, and what the backtest uses) it is the previous complete
period; when ``as_of`` falls inside a period, that period's part before
``as_of`` counts as the last period.
"""

from __future__ import annotations

import itertools
import math
import warnings
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from .._core.crs import metric_crs_for
from .._core.schema import CATEGORY, DEFAULT_TZ, GRID_ID, REPORTED_AT
from .._core.types import BoolArray, FloatArray, IntArray, TimeLike
from .._core.validate import (
    positive_number,
    require_frame,
    require_local_time,
    unique_ids,
    unit_column,
    whole_number,
)
from ..errors import (
    CRSError,
    HotspotsWarning,
    InputError,
    ReportsLeftOutWarning,
    collect_problems,
)
from ..spatial.cube import period_labels, period_range, period_start
from ..spatial.weights import default_weights
from ..stats.density import unit_anchors

__all__ = [
    "METHODS",
    "PARAMETERS",
    "RISK",
    "RISK_RANK",
    "ForecastMethod",
    "SeppFit",
    "SeppThinnedWarning",
    "fit_sepp",
    "forecast",
]

ForecastMethod = Literal[
    "last", "moving", "ewma", "kde", "prospective", "sepp", "blind_spots", "emerging"
]
#: Every forecasting method, in the order of the module notes.
METHODS: Final[tuple[str, ...]] = get_args(ForecastMethod)
#: Column of the risk score (higher = more expected trouble).
RISK: Final = "risk"
#: Column of the rank of the risk (1 = highest; ties by the units' order).
RISK_RANK: Final = "risk_rank"

#: Methods that need the unit id column in the reports (an internal name shared
#: with :mod:`hotspots.ledger.backtest`).
NEEDS_UNIT: Final = ("last", "moving", "ewma", "sepp", "blind_spots", "emerging")
#: Methods that need report geometry (distances in metres; internal, shared
#: with :mod:`hotspots.ledger.backtest`).
NEEDS_XY: Final = ("kde", "prospective", "sepp")
_NS_PER_DAY: Final = 86_400 * 10**9
_KDE_BANDWIDTH_M: Final = 100.0
_PROSPECTIVE_BANDWIDTH_M: Final = 50.0
_DAYS_PER_WEEK: Final = 7.0


# -- parameters ---------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastParams:
    """The method parameters of :func:`forecast`, checked (internal).

    One field per name of :data:`PARAMETERS`, with :func:`forecast`'s
    defaults; :func:`hotspots.ledger.backtest.backtest` builds one per method.
    """

    window_periods: int = 8
    halflife_periods: float = 2.0
    bandwidth_m: float | None = None
    time_bandwidth_weeks: float = 4.0
    max_distance_m: float = 100.0
    max_age_weeks: float = 16.0
    history_periods: int = 12
    trigger_distance_m: float = 200.0
    trigger_days: float = 14.0
    max_iter: int = 100
    tol: float = 1e-4
    line_buffer_m: float = 30.0
    max_pairs: int = 20_000_000


_INT_PARAMS: Final = ("window_periods", "history_periods", "max_iter", "max_pairs")
_EXAMPLES: Final[dict[str, str]] = {
    "window_periods": "window_periods=8",
    "halflife_periods": "halflife_periods=2",
    "bandwidth_m": "bandwidth_m=100",
    "time_bandwidth_weeks": "time_bandwidth_weeks=1",
    "max_distance_m": "max_distance_m=400",
    "max_age_weeks": "max_age_weeks=8",
    "history_periods": "history_periods=12",
    "trigger_distance_m": "trigger_distance_m=200",
    "trigger_days": "trigger_days=14",
    "max_iter": "max_iter=100",
    "tol": "tol=1e-4",
    "line_buffer_m": "line_buffer_m=30",
    "max_pairs": "max_pairs=20_000_000",
}
#: Names of the method parameters :func:`forecast` accepts.
PARAMETERS: Final[tuple[str, ...]] = tuple(_EXAMPLES)


def _check_params(values: Mapping[str, object], problems: list[str]) -> None:
    """Append a problem for each parameter that is not a positive number/int."""
    for name, value in values.items():
        if name == "bandwidth_m" and value is None:
            continue
        check = whole_number if name in _INT_PARAMS else positive_number
        problem = check(value, name, example=_EXAMPLES[name])
        if problem:
            problems.append(problem)


# -- prepared data (shared by forecast and backtest) --------------------------------


@dataclass(frozen=True)
class PreparedReports:
    """Reports and units reduced to arrays, computed once per backtest.

    The result of :func:`prepare_reports` (internal, shared with
    :mod:`hotspots.ledger.backtest`).
    """

    ids: pd.Index
    u: IntArray  # unit position per report, -1 if none
    t_ns: IntArray  # UTC nanoseconds per report
    has_t: BoolArray
    labels: tuple[str, ...]  # every period from the first report's on
    p: IntArray  # period ordinal per report (into labels), -1 without time
    starts_ns: IntArray  # start of each period in labels (UTC ns)
    x: FloatArray  # metric coordinates per report (NaN if none)
    y: FloatArray
    ax: FloatArray  # metric anchor per unit (centroid / midpoint)
    ay: FloatArray
    measure: FloatArray  # area (m2) of polygons, length (m) of lines per unit
    is_line: BoolArray
    category: npt.NDArray[np.object_] | None
    freq: str
    tz: str


def _utc_ns(times: pd.Series, tz: str) -> tuple[IntArray, BoolArray]:
    idx = pd.DatetimeIndex(times)
    if idx.tz is None:
        idx = idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    idx = idx.tz_convert("UTC")
    ok = ~np.asarray(idx.isna())
    ns = np.asarray(idx.as_unit("ns").asi8, dtype=np.int64).copy()
    ns[~ok] = 0
    return ns, ok


def local_timestamp(value: object, tz: str, name: str) -> pd.Timestamp:
    """Return ``value`` as a timestamp in ``tz`` (naive = ``tz``), or raise.

    Internal, shared with :mod:`hotspots.ledger.backtest`.

    Raises
    ------
    InputError
        When ``value`` is not a timestamp (named ``name`` in the message).
    """
    return require_local_time(value, name, tz=tz).tz_convert(tz)


@dataclass(frozen=True)
class _UnitGeometry:
    """Each unit's metric anchor, measure and shape (NaN/0 without a CRS)."""

    ax: FloatArray
    ay: FloatArray
    measure: FloatArray
    is_line: BoolArray


def _unit_geometry(units: gpd.GeoDataFrame, crs: pyproj.CRS | None) -> _UnitGeometry:
    """Anchors (centroid / midpoint) and area or length of the units in ``crs``."""
    nu = len(units)
    if crs is None:
        return _UnitGeometry(
            np.full(nu, np.nan), np.full(nu, np.nan), np.zeros(nu), np.zeros(nu, bool)
        )
    geoms = np.asarray(units.geometry.to_crs(crs).values, dtype=object)
    anchors, is_line = unit_anchors(geoms)
    measure = np.where(is_line, shapely.length(geoms), shapely.area(geoms))
    ax = np.asarray(shapely.get_x(anchors), dtype=np.float64)
    ay = np.asarray(shapely.get_y(anchors), dtype=np.float64)
    return _UnitGeometry(ax, ay, np.nan_to_num(measure.astype(np.float64)), is_line)


@dataclass(frozen=True)
class _Periods:
    """The calendar of the reports: labels, each report's period, starts."""

    labels: tuple[str, ...]  # every period from the first report's on, plus one
    p: IntArray  # period ordinal per report (into labels), -1 without time
    starts_ns: IntArray  # start of each period in labels (UTC ns)


def _report_periods(
    times: pd.Series, has_t: BoolArray, *, freq: str, tz: str
) -> _Periods:
    """Label every period from the first report's to one after the last."""
    p = np.full(len(times), -1, dtype=np.int64)
    if not has_t.any():
        return _Periods((), p, np.zeros(0, dtype=np.int64))
    lab = period_labels(times[has_t], freq=freq, tz=tz)
    uniq = np.unique(lab)
    starts_u = period_start(uniq, freq=freq, tz=tz).asi8
    first, last = uniq[np.argmin(starts_u)], uniq[np.argmax(starts_u)]
    all_labels = period_range(str(first), str(last), freq=freq)
    # one spare period after the last, for forecasts of the next period
    nxt = period_range(str(last), _after(str(last), freq, tz), freq=freq)
    all_labels = [*all_labels, *nxt[1:2]]
    p[has_t] = pd.Index(all_labels).get_indexer(pd.Index(lab))
    starts = np.asarray(
        period_start(all_labels, freq=freq, tz=tz).tz_convert("UTC").asi8,
        dtype=np.int64,
    )
    return _Periods(tuple(all_labels), p, starts)


def _report_xy(
    reports: pd.DataFrame, crs: pyproj.CRS | None
) -> tuple[FloatArray, FloatArray]:
    """Report points in the metric ``crs`` (NaN without a point, or no ``crs``)."""
    x = np.full(len(reports), np.nan)
    y = np.full(len(reports), np.nan)
    if crs is None:
        return x, y
    arr = np.asarray(gpd.GeoSeries(reports.geometry).to_crs(crs).values, dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    x[ok] = shapely.get_x(arr[ok])
    y[ok] = shapely.get_y(arr[ok])
    return x, y


def _warn_left_out(
    prep: PreparedReports,
    *,
    unit: str,
    needs_unit: bool,
    spatial: bool,
    stacklevel: int,
) -> None:
    """Warn (:class:`ReportsLeftOutWarning`) about reports some methods cannot use."""
    reasons = {"no time": int((~prep.has_t).sum())}
    if needs_unit:
        reasons[f"no unit in units[{unit!r}]"] = int((prep.u < 0).sum())
    if spatial:
        reasons["no geometry"] = int((~np.isfinite(prep.x)).sum())
    left = {k: v for k, v in reasons.items() if v}
    if left:
        text = ", ".join(f"{v} with {k}" for k, v in left.items())
        warnings.warn(
            f"some of the {len(prep.u)} reports cannot be used by every forecasting "
            f"method: {text}. Count methods need a unit, spatial ones a point; join "
            "the reports with hotspots.assign(...) and check their coordinates.",
            ReportsLeftOutWarning,
            stacklevel=stacklevel + 1,
        )


def prepare_reports(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str,
    freq: str,
    tz: str,
    spatial: bool,
    needs_unit: bool,
    by_category: bool,
    stacklevel: int,
) -> PreparedReports:
    """Reduce the reports and units to the arrays every forecast reads (internal).

    Shared with :mod:`hotspots.ledger.backtest`, which prepares once and
    forecasts many periods. Distances are measured in the one metric CRS of
    the units (:func:`hotspots._core.crs.metric_crs_for`).

    Warns
    -----
    ReportsLeftOutWarning
        When reports have no time, no unit (``needs_unit``) or no point
        (``spatial``), at ``stacklevel`` (that of the caller's caller).
    """
    ids = pd.Index(units[unit])
    if unit in reports.columns:
        u = np.asarray(ids.get_indexer(pd.Index(reports[unit])), dtype=np.int64)
    else:
        u = np.full(len(reports), -1, dtype=np.int64)
    t_ns, has_t = _utc_ns(reports[REPORTED_AT], tz)
    periods = _report_periods(reports[REPORTED_AT], has_t, freq=freq, tz=tz)
    geometry = units.geometry
    crs = metric_crs_for(geometry) if spatial or geometry.crs is not None else None
    shape = _unit_geometry(units, crs)
    x, y = _report_xy(reports, crs if spatial else None)
    category = (
        np.asarray(reports[CATEGORY].astype(object).to_numpy(), dtype=object)
        if by_category
        else None
    )
    prep = PreparedReports(
        ids=ids,
        u=u,
        t_ns=t_ns,
        has_t=has_t,
        labels=periods.labels,
        p=periods.p,
        starts_ns=periods.starts_ns,
        x=x,
        y=y,
        ax=shape.ax,
        ay=shape.ay,
        measure=shape.measure,
        is_line=shape.is_line,
        category=category,
        freq=freq,
        tz=tz,
    )
    _warn_left_out(
        prep, unit=unit, needs_unit=needs_unit, spatial=spatial, stacklevel=stacklevel
    )
    return prep


def _after(label: str, freq: str, tz: str) -> str:
    """Label of the period after ``label``."""
    start = period_start([label], freq=freq, tz=tz)[0]
    if freq == "MS":
        probe = start + pd.DateOffset(months=1, days=1)
    elif freq == "D":
        probe = start + pd.Timedelta(hours=36)
    else:
        probe = start + pd.Timedelta(days=8)
    return str(period_labels([probe], freq=freq, tz=tz)[0])


# -- the methods ------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """What a forecast as of one instant sees."""

    hist: BoolArray  # reports strictly before as_of with a time
    last: int  # ordinal of the last period (containing as_of - 1 ns)
    as_of_ns: int
    horizon_days: float  # length of the forecast period


def _window(prep: PreparedReports, as_of: pd.Timestamp) -> _Window:
    as_of_ns = int(as_of.tz_convert("UTC").value)
    hist = prep.has_t & (prep.t_ns < as_of_ns)
    if not hist.any():
        first = (
            pd.Timestamp(int(prep.t_ns[prep.has_t].min()), tz="UTC").tz_convert(prep.tz)
            if prep.has_t.any()
            else None
        )
        msg = (
            f"as_of must be after the first report, got {as_of!s} but the first "
            f"report is at {first!s}: there is no history to forecast from. Pass "
            "a later as_of."
        )
        raise InputError(msg)
    before = as_of - pd.Timedelta(1, "ns")
    last_label = str(period_labels([before], freq=prep.freq, tz=prep.tz)[0])
    target_label = str(period_labels([as_of], freq=prep.freq, tz=prep.tz)[0])
    idx = pd.Index(prep.labels)
    last = int(idx.get_indexer(pd.Index([last_label]))[0])
    if last < 0:  # as_of far after the data: periods beyond the known ones
        extra = period_range(prep.labels[-1], last_label, freq=prep.freq)
        last = len(prep.labels) - 1 + len(extra) - 1
    start = period_start([target_label], freq=prep.freq, tz=prep.tz)[0]
    nxt = period_start(
        [_after(target_label, prep.freq, prep.tz)], freq=prep.freq, tz=prep.tz
    )[0]
    horizon = (nxt - start).total_seconds() / 86_400.0
    return _Window(hist=hist, last=last, as_of_ns=as_of_ns, horizon_days=horizon)


def _counts_by_age(
    prep: PreparedReports, w: _Window, sel: BoolArray, n_ages: int
) -> FloatArray:
    """Count reports per unit (rows) and age in periods (columns, 0 = last)."""
    m = sel & w.hist & (prep.u >= 0)
    age = w.last - prep.p[m]
    keep = age < n_ages
    n_units = len(prep.ids)
    flat = prep.u[m][keep] * n_ages + age[keep]
    counts = np.bincount(flat, minlength=n_units * n_ages).astype(np.float64)
    return counts.reshape(n_units, n_ages)


def _n_available(prep: PreparedReports, w: _Window, sel: BoolArray) -> int:
    m = sel & w.hist
    return int(w.last - prep.p[m].min() + 1) if m.any() else 1


def _ewma_weights(n_ages: int, halflife_periods: float) -> FloatArray:
    return np.asarray(0.5 ** (np.arange(n_ages) / halflife_periods), dtype=np.float64)


def _pairs_units_reports(
    prep: PreparedReports, m: BoolArray, radius_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Find (unit position, report index, distance) pairs within ``radius_m``."""
    idx = np.flatnonzero(m & np.isfinite(prep.x))
    ok_u = np.flatnonzero(np.isfinite(prep.ax))
    if len(idx) == 0 or len(ok_u) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    t_units = cKDTree(np.column_stack([prep.ax[ok_u], prep.ay[ok_u]]))
    t_rep = cKDTree(np.column_stack([prep.x[idx], prep.y[idx]]))
    res = t_units.sparse_distance_matrix(t_rep, radius_m, output_type="ndarray")
    return (
        ok_u[np.asarray(res["i"], dtype=np.int64)],
        idx[np.asarray(res["j"], dtype=np.int64)],
        np.asarray(res["v"], dtype=np.float64),
    )


def _risk_kde(
    prep: PreparedReports, w: _Window, sel: BoolArray, p: ForecastParams
) -> FloatArray:
    m = sel & w.hist & (w.last - prep.p < p.window_periods)
    h = _KDE_BANDWIDTH_M if p.bandwidth_m is None else p.bandwidth_m
    ui, _, d = _pairs_units_reports(prep, m, 4.0 * h)
    k = np.exp(-0.5 * (d / h) ** 2) / (2.0 * math.pi * h * h) * 1e6
    dens = np.bincount(ui, weights=k, minlength=len(prep.ids))
    return np.asarray(dens / p.window_periods, dtype=np.float64)


def _risk_prospective(
    prep: PreparedReports, w: _Window, sel: BoolArray, p: ForecastParams
) -> FloatArray:
    max_age_ns = p.max_age_weeks * _DAYS_PER_WEEK * _NS_PER_DAY
    m = sel & w.hist & ((w.as_of_ns - prep.t_ns) <= max_age_ns)
    ui, rj, d = _pairs_units_reports(prep, m, p.max_distance_m)
    age_weeks = (w.as_of_ns - prep.t_ns[rj]) / (_DAYS_PER_WEEK * _NS_PER_DAY)
    h = _PROSPECTIVE_BANDWIDTH_M if p.bandwidth_m is None else p.bandwidth_m
    wt = 1.0 / (1.0 + d / h) / (1.0 + age_weeks / p.time_bandwidth_weeks)
    return np.asarray(
        np.bincount(ui, weights=wt, minlength=len(prep.ids)), dtype=np.float64
    )


# -- the self-exciting point process ------------------------------------------------


@dataclass(frozen=True)
class SeppFit:
    """A fitted self-exciting point process (:func:`fit_sepp`).

    Attributes
    ----------
    mu
        Background rate per unit, events per day.
    theta
        Branching ratio: expected direct offspring per event.
    omega
        Decay rate of the triggering kernel, per day (mean delay 1/omega).
    sigma_m
        Standard deviation of the Gaussian triggering kernel per axis, metres.
    n_iter
        EM iterations run.
    converged
        Whether the relative change of every parameter fell below ``tol``.
    child_share
        Share of the events the E-step used as children: 1.0 for the exact
        fit, less when the candidate pairs exceeded ``max_pairs``.
    """

    mu: FloatArray
    theta: float
    omega: float
    sigma_m: float
    n_iter: int
    converged: bool
    child_share: float = 1.0


#: Box pairs (events within the trigger window of one child, both directions in
#: time) one search step holds at most: bounds the search's memory (24 bytes each,
#: plus the filter's temporaries) whatever the density.
_PAIR_CHUNK: Final = 1_000_000
#: Children probed to estimate the candidate pairs before any search.
_PROBE_EVENTS: Final = 2_000
#: Events whose box counts one query holds at once.
_COUNT_BLOCK: Final = 65_536


class SeppThinnedWarning(HotspotsWarning):
    """The SEPP fit met more candidate pairs than ``max_pairs`` and used a sample."""


@dataclass
class _PairBlock:
    """Candidate pairs of one block of children, kept for the EM iterations."""

    i: npt.NDArray[np.signedinteger[Any]]  # child (int32 below 2**31 events)
    dt: FloatArray  # t_child - t_parent, days
    d2: FloatArray  # squared distance, m2
    g: FloatArray  # triggering density of the pair (rewritten every iteration)


def _systematic(n: int, rate: float) -> IntArray:
    """Every ``1 / rate``-th of ``n`` positions (all when ``rate >= 1``)."""
    if rate >= 1.0:
        return np.arange(n, dtype=np.int64)
    k = np.arange(n, dtype=np.float64)
    take = np.floor((k + 1.0) * rate) > np.floor(k * rate)
    return np.flatnonzero(take).astype(np.int64)


def _box_counts(tree: cKDTree, pts: FloatArray, rows: IntArray, r: float) -> IntArray:
    """Events in the box of half-width ``r`` around each of ``pts[rows]``."""
    out = np.empty(len(rows), dtype=np.int64)
    for lo in range(0, len(rows), _COUNT_BLOCK):
        sel = rows[lo : lo + _COUNT_BLOCK]
        out[lo : lo + len(sel)] = tree.query_ball_point(
            pts[sel], r, p=np.inf, return_length=True
        )
    return out


def _choose_children(
    tree: cKDTree, pts: FloatArray, r: float, max_pairs: int
) -> tuple[IntArray, IntArray, float]:
    """Children to fit on, their box counts and the box pairs they would give.

    All events when the candidate pairs fit in ``max_pairs``; otherwise a
    systematic sample in time order at the rate that brings them to about
    ``max_pairs``. The box pairs (unordered, both directions in time) bound
    the kept pairs from above.
    """
    n = len(pts)
    probe = _systematic(n, min(1.0, _PROBE_EVENTS / n))
    c = _box_counts(tree, pts, probe, r)
    estimate = max(float(c.mean()) - 1.0, 0.0) * n / 2.0
    rate = 1.0 if estimate <= max_pairs else max_pairs / estimate
    kids = _systematic(n, rate)
    counts = _box_counts(tree, pts, kids, r)
    for _ in range(3):  # the probe was a sample: correct the rate on the counts
        box_pairs = float(counts.sum() - len(kids)) / 2.0
        if box_pairs <= max_pairs or len(kids) <= 1:
            break
        rate *= max_pairs / box_pairs
        kids = _systematic(n, rate)
        counts = _box_counts(tree, pts, kids, r)
    return kids, counts, float(counts.sum() - len(kids)) / 2.0


def _candidate_pairs(
    x: FloatArray,
    y: FloatArray,
    t_days: FloatArray,
    radius_m: float,
    days: float,
    *,
    max_pairs: int | None = None,
) -> tuple[list[_PairBlock], IntArray, float]:
    """Pairs (parent j, child i) with t_j < t_i <= t_j + days, distance <= radius.

    The search runs over blocks of children, each holding at most
    :data:`_PAIR_CHUNK` box pairs (or one child's), so its memory does not
    grow with the density; only the kept pairs' child, time lag and squared
    distance are stored (28 bytes a pair with the EM's density).

    Returns
    -------
    blocks, children, box_pairs
        The pairs by block of children, the children searched (every event
        unless their box pairs exceed ``max_pairs``, then a systematic sample
        in event order) and the unordered box pairs of those children.
    """
    n = len(x)
    if n < 2:
        return [], np.arange(n, dtype=np.int64), 0.0
    scale = radius_m / days
    pts = np.column_stack([x, y, t_days * scale])
    tree = cKDTree(pts)
    if max_pairs is None:
        kids = np.arange(n, dtype=np.int64)
        counts = _box_counts(tree, pts, kids, radius_m)
        box_pairs = float(counts.sum() - n) / 2.0
    else:
        kids, counts, box_pairs = _choose_children(tree, pts, radius_m, max_pairs)
    # cut the children into blocks of at most _PAIR_CHUNK box pairs each
    ends = np.cumsum(counts)
    cuts = [0]
    while cuts[-1] < len(kids):
        base = int(ends[cuts[-1] - 1]) if cuts[-1] > 0 else 0
        nxt = int(np.searchsorted(ends, base + _PAIR_CHUNK, side="right"))
        cuts.append(max(nxt, cuts[-1] + 1))
    blocks: list[_PairBlock] = []
    r2 = radius_m * radius_m
    for lo, hi in itertools.pairwise(cuts):
        rows = kids[lo:hi]
        res = cKDTree(pts[rows]).sparse_distance_matrix(
            tree, radius_m, p=np.inf, output_type="ndarray"
        )
        i = rows[np.asarray(res["i"], dtype=np.int64)]
        j = np.asarray(res["j"], dtype=np.int64)
        del res
        dt = t_days[i] - t_days[j]
        keep = (dt > 0) & (dt <= days)
        i, j, dt = i[keep], j[keep], dt[keep]
        d2 = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2
        near = d2 <= r2
        if near.any():
            blocks.append(
                _PairBlock(
                    i=i[near].astype(np.int32 if n < 2**31 else np.int64),
                    dt=dt[near],
                    d2=d2[near],
                    g=np.empty(int(near.sum())),
                )
            )
    return blocks, kids, box_pairs


def fit_sepp(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t_days: npt.ArrayLike,
    unit_index: npt.ArrayLike,
    unit_area_m2: npt.ArrayLike,
    *,
    t_start_days: float,
    t_end_days: float,
    trigger_distance_m: float = 200.0,
    trigger_days: float = 14.0,
    max_iter: int = 100,
    tol: float = 1e-4,
    init: SeppFit | None = None,
    max_pairs: int = 20_000_000,
) -> SeppFit:
    """Fit a self-exciting point process by expectation-maximisation.

    The conditional intensity at a point ``(x, y)`` of unit ``u`` and time
    ``t`` is

    ``lambda = mu_u / A_u + sum_{t_j < t} theta * omega * exp(-omega (t - t_j))
    * exp(-d_j^2 / (2 sigma^2)) / (2 pi sigma^2)``

    (events per m² per day): a background rate ``mu_u`` per unit, uniform over
    its area ``A_u``, plus triggering by every earlier event ``j`` at distance
    ``d_j``. Only parent-child pairs within ``trigger_distance_m`` and
    ``trigger_days`` are considered (found with a KD-tree on scaled
    space-time coordinates, one block of events at a time so that the search
    holds a bounded number of pairs); the branching ratio is corrected for the
    kernel mass outside that window and after ``t_end_days``.

    Memory grows with the candidate pairs (about 28 bytes each), which grow
    with the density of events, not only their number. Up to ``max_pairs``
    (estimated before the search from the pairs of 2,000 events, then counted)
    the fit is exact. Beyond it the E-step runs on a systematic sample of the
    events as children (every k-th in time order, each with all its possible
    parents) at the rate that brings the pairs to about ``max_pairs``: the
    triggering sums are scaled up by the sampling rate and each unit's
    background is its event count times its sampled children's mean
    background probability (the overall mean where none was sampled). That
    fit is an estimate, recorded in :attr:`SeppFit.child_share`, and a
    :class:`SeppThinnedWarning` says so.

    Parameters
    ----------
    x, y
        Event coordinates in metres (a local metric CRS).
    t_days
        Event times in days.
    unit_index
        Position of each event's unit in ``unit_area_m2``.
    unit_area_m2
        Area of each unit in m² (the background is uniform over it).
    t_start_days, t_end_days
        The observation window (the background rate is per day of it).
    trigger_distance_m, trigger_days
        Candidate parent-child window.
    max_iter
        Cap on EM iterations.
    tol
        Stop when every parameter changes by less than this, relatively
        (the background rates by their summed absolute change).
    init
        Start from this fit (e.g. last week's, in a backtest) instead of half
        the events as background, a mean delay of ``trigger_days / 4`` and a
        spread of ``trigger_distance_m / 4``.
    max_pairs
        Candidate pairs held at most (default 20 million, about 0.6 GB);
        beyond it the fit samples its children (see above).

    Returns
    -------
    SeppFit
        Background rates per unit and the triggering parameters.

    Raises
    ------
    InputError
        When the arrays differ in length or the window is empty.

    Warns
    -----
    SeppThinnedWarning
        When the candidate pairs exceed ``max_pairs`` and the fit uses a
        sample of the events as children.

    References
    ----------
    .. [1] Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P.
       and Tita, G. E. (2011). Self-exciting point process modeling of crime.
       *Journal of the American Statistical Association* 106(493), 100-108.
    .. [2] Veen, A. and Schoenberg, F. P. (2008). Estimation of space-time
       branching process models in seismology using an EM-type algorithm.
       *JASA* 103(482), 614-624.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> n = 200
    >>> fit = fit_sepp(
    ...     rng.uniform(0, 1000, n), rng.uniform(0, 1000, n),
    ...     np.sort(rng.uniform(0, 100, n)), np.zeros(n, dtype=int), [1e6],
    ...     t_start_days=0.0, t_end_days=100.0,
    ... )
    >>> round(float(fit.mu[0]), 1), fit.theta < 0.2
    (2.0, True)
    """
    ev = _sepp_events(
        x,
        y,
        t_days,
        unit_index,
        unit_area_m2,
        window=(t_start_days, t_end_days),
        max_pairs=max_pairs,
    )
    blocks, kids, box_pairs = _candidate_pairs(
        ev.x, ev.y, ev.t, trigger_distance_m, trigger_days, max_pairs=int(max_pairs)
    )
    em = _em_setup(ev, kids, t_end_days, (trigger_distance_m, trigger_days))
    if em.thinned:
        _warn_thinned(box_pairs, em, max_pairs=int(max_pairs))
    cur = _sepp_start(init, em)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        new = _em_step(cur, em, blocks)
        change = _relative_change(cur, new)
        cur = new
        if change < tol:
            converged = True
            break
    return SeppFit(
        mu=np.asarray(cur.mu, dtype=np.float64),
        theta=float(cur.theta),
        omega=float(cur.omega),
        sigma_m=float(cur.sigma),
        n_iter=it,
        converged=converged,
        child_share=em.rate,
    )


@dataclass(frozen=True)
class _SeppEvents:
    """The events of a SEPP fit as float/int arrays, checked."""

    x: FloatArray
    y: FloatArray
    t: FloatArray
    u: IntArray
    area: FloatArray
    span: float  # length of the observation window, days


def _sepp_events(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t_days: npt.ArrayLike,
    unit_index: npt.ArrayLike,
    unit_area_m2: npt.ArrayLike,
    *,
    window: tuple[float, float],
    max_pairs: object,
) -> _SeppEvents:
    """Check :func:`fit_sepp`'s arrays, ``max_pairs`` and window; return them."""
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    ta = np.asarray(t_days, dtype=np.float64)
    ua = np.asarray(unit_index, dtype=np.int64)
    area = np.asarray(unit_area_m2, dtype=np.float64)
    if not (len(xa) == len(ya) == len(ta) == len(ua)):
        msg = (
            "x, y, t_days and unit_index must have the same length, got "
            f"{[len(xa), len(ya), len(ta), len(ua)]!r}."
        )
        raise InputError(msg)
    problem = whole_number(max_pairs, "max_pairs", example="max_pairs=20_000_000")
    if problem:
        raise InputError(problem)
    t_start_days, t_end_days = window
    span = float(t_end_days - t_start_days)
    if not span > 0:
        msg = (
            f"t_end_days must be after t_start_days, got {t_start_days!r} and "
            f"{t_end_days!r}. Pass the observation window of the events."
        )
        raise InputError(msg)
    return _SeppEvents(xa, ya, ta, ua, area, span)


@dataclass(frozen=True)
class _EmSetup:
    """What every EM iteration reads: the events, the children, fixed sums."""

    ev: _SeppEvents
    n_units: int
    counts: FloatArray  # events per unit
    safe_area: FloatArray  # unit areas, 1 where not positive
    remain: FloatArray  # days of each event's trigger window before the end
    kids: IntArray  # the children the E-step fits on
    is_kid: BoolArray
    kid_counts: FloatArray  # children per unit
    rate: float  # share of the events that are children
    distance_m: float  # trigger window
    days: float

    @property
    def thinned(self) -> bool:
        """Whether the children are a sample of the events."""
        return len(self.kids) < len(self.ev.t)


def _em_setup(
    ev: _SeppEvents, kids: IntArray, t_end_days: float, trigger: tuple[float, float]
) -> _EmSetup:
    """Return the EM's fixed quantities for the events and the chosen children."""
    n_units = len(ev.area)
    n = len(ev.t)
    is_kid = np.zeros(n, dtype=bool)
    is_kid[kids] = True
    distance_m, days = trigger
    return _EmSetup(
        ev=ev,
        n_units=n_units,
        counts=np.bincount(ev.u, minlength=n_units).astype(np.float64),
        safe_area=np.where(ev.area > 0, ev.area, 1.0),
        remain=np.minimum(t_end_days - ev.t, days),
        kids=kids,
        is_kid=is_kid,
        kid_counts=np.bincount(ev.u[kids], minlength=n_units).astype(np.float64),
        rate=len(kids) / n if n else 1.0,
        distance_m=distance_m,
        days=days,
    )


def _warn_thinned(box_pairs: float, em: _EmSetup, *, max_pairs: int) -> None:
    """Warn (:class:`SeppThinnedWarning`) that the fit samples its children."""
    n, rate = len(em.ev.t), em.rate
    warnings.warn(
        f"the self-exciting model (sepp) would hold up to about "
        f"{box_pairs / rate:,.0f} candidate pairs of reports within "
        f"{em.distance_m:g} m and {em.days:g} days, more than "
        f"max_pairs={max_pairs:,}: it is fitted with {rate:.1%} of the "
        f"{n:,} reports as children (all as parents), an estimate that keeps "
        "memory bounded. Pass a larger max_pairs (about 28 bytes each) for "
        "the exact fit.",
        SeppThinnedWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class _SeppState:
    """The parameters of one EM iteration."""

    mu: FloatArray
    theta: float
    omega: float
    sigma: float


def _sepp_start(init: SeppFit | None, em: _EmSetup) -> _SeppState:
    """Start from ``init``, else half the events background and day-scale decay."""
    span = em.ev.span
    if init is not None and len(init.mu) == em.n_units and init.theta > 0:
        mu = np.maximum(init.mu, em.counts / span * 0.05)
        return _SeppState(mu, init.theta, init.omega, init.sigma_m)
    mu = em.counts / span * 0.5
    return _SeppState(mu, 0.5, 4.0 / em.days, em.distance_m / 4.0)


def _em_step(cur: _SeppState, em: _EmSetup, blocks: list[_PairBlock]) -> _SeppState:
    """One expectation-maximisation iteration: the next parameters."""
    ua, n = em.ev.u, len(em.ev.t)
    mu, theta, omega, sigma = cur.mu, cur.theta, cur.omega, cur.sigma
    bg = mu[ua] / em.safe_area[ua]
    coef = theta * omega / (2.0 * math.pi * sigma * sigma)
    trig = np.zeros(n)
    for blk in blocks:  # streaming: one block's temporaries at a time
        np.multiply(
            coef,
            np.exp(-omega * blk.dt - blk.d2 / (2.0 * sigma * sigma)),
            out=blk.g,
        )
        trig += np.bincount(blk.i, weights=blk.g, minlength=n)
    lam = bg + trig
    lam = np.where(lam > 0, lam, 1e-300)
    p_bg = bg / lam
    s_tr = s_dt = s_d2 = 0.0
    for blk in blocks:
        p_tr = blk.g / lam[blk.i]
        s_tr += float(p_tr.sum())
        s_dt += float((p_tr * blk.dt).sum())
        s_d2 += float((p_tr * blk.d2).sum())
    if em.thinned:  # each unit's events x its sampled children's mean p_bg
        kid_bg = np.bincount(ua[em.kids], weights=p_bg[em.kids], minlength=em.n_units)
        mean_all = float(p_bg[em.is_kid].mean())
        share = np.divide(
            kid_bg,
            em.kid_counts,
            out=np.full(em.n_units, mean_all),
            where=em.kid_counts > 0,
        )
        new_mu = em.counts * share / em.ev.span
    else:
        new_mu = np.bincount(ua, weights=p_bg, minlength=em.n_units) / em.ev.span
    if not s_tr > 1e-12:
        return _SeppState(new_mu, 0.0, omega, sigma)
    new_omega = s_tr / max(s_dt, 1e-12)
    new_sigma = math.sqrt(max(s_d2 / (2.0 * s_tr), 1e-6))
    mass_t = 1.0 - np.exp(-new_omega * em.remain)
    mass_s = 1.0 - math.exp(-(em.distance_m**2) / (2.0 * new_sigma * new_sigma))
    new_theta = (s_tr / em.rate) / max(float(mass_t.sum()) * mass_s, 1e-12)
    return _SeppState(new_mu, new_theta, new_omega, new_sigma)


def _relative_change(old: _SeppState, new: _SeppState) -> float:
    """Return the largest relative change of a parameter (rates: summed)."""
    return max(
        abs(new.theta - old.theta) / max(old.theta, 1e-9),
        abs(new.omega - old.omega) / old.omega,
        abs(new.sigma - old.sigma) / old.sigma,
        float(np.abs(new.mu - old.mu).sum()) / max(float(old.mu.sum()), 1e-12),
    )


def _risk_sepp(
    prep: PreparedReports,
    w: _Window,
    sel: BoolArray,
    p: ForecastParams,
    state: dict[Any, SeppFit] | None = None,
) -> FloatArray:
    n_units = len(prep.ids)
    first = max(w.last - p.history_periods + 1, 0)
    m = sel & w.hist & (prep.u >= 0) & np.isfinite(prep.x) & (prep.p >= first)
    if not m.any():
        return np.zeros(n_units)
    area = np.where(prep.is_line, prep.measure * 2.0 * p.line_buffer_m, prep.measure)
    start_ns = max(int(prep.starts_ns[first]), int(prep.t_ns[m].min()))
    key = hash(np.packbits(sel).tobytes())
    t = (prep.t_ns[m] - start_ns) / _NS_PER_DAY
    t_end = (w.as_of_ns - start_ns) / _NS_PER_DAY
    order = np.argsort(t, kind="stable")
    idx = np.flatnonzero(m)[order]
    fit = fit_sepp(
        prep.x[idx],
        prep.y[idx],
        t[order],
        prep.u[idx],
        area,
        t_start_days=0.0,
        t_end_days=max(t_end, 1e-9),
        trigger_distance_m=p.trigger_distance_m,
        trigger_days=p.trigger_days,
        max_iter=p.max_iter,
        tol=p.tol,
        init=None if state is None else state.get(key),
        max_pairs=p.max_pairs,
    )
    if state is not None:
        state[key] = fit
    risk = fit.mu * w.horizon_days
    if fit.theta <= 0:
        return np.asarray(risk, dtype=np.float64)
    # triggering still to come from recent events, integrated over the period
    age = t_end - t[order]
    live = age <= p.trigger_days + w.horizon_days
    mass = fit.theta * (
        np.exp(-fit.omega * age[live])
        - np.exp(-fit.omega * (age[live] + w.horizon_days))
    )
    par = idx[live]
    radius = 4.0 * fit.sigma_m
    sub = np.zeros(len(prep.x), dtype=bool)
    sub[par] = True
    ui, rj, d = _pairs_units_reports(prep, sub, radius + 0.0)
    # discretised Gaussian: each parent spreads its expected offspring over the
    # units near it in proportion to kernel density x unit area (or length)
    k = np.exp(-0.5 * (d / fit.sigma_m) ** 2) * np.where(area[ui] > 0, area[ui], 0.0)
    own = np.zeros(len(prep.x))
    np.add.at(own, rj, k)
    share = np.divide(k, own[rj], out=np.zeros_like(k), where=own[rj] > 0)
    mass_of = np.zeros(len(prep.x))
    mass_of[par] = mass
    risk = risk + np.bincount(ui, weights=share * mass_of[rj], minlength=n_units)
    # parents with no unit anchor within reach: their own unit gets the mass
    lost = par[own[par] <= 0]
    if len(lost):
        risk = risk + np.bincount(
            prep.u[lost], weights=mass_of[lost], minlength=n_units
        )
    return np.asarray(risk, dtype=np.float64)


# -- blind spots and emerging ---------------------------------------------------------


def _history_frame(
    reports: pd.DataFrame, prep: PreparedReports, w: _Window, sel: BoolArray
) -> pd.DataFrame:
    m = sel & w.hist & (prep.u >= 0)
    return reports.iloc[np.flatnonzero(m)]


def _risk_blind_spots(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    unit: str,
    prep: PreparedReports,
    w: _Window,
    sel: BoolArray,
    p: ForecastParams,
) -> FloatArray:
    from .blindspots import blind_spots, emerging_patterns

    hist = _history_frame(reports, prep, w, sel)
    as_of = pd.Timestamp(w.as_of_ns - 1, tz="UTC").tz_convert(prep.tz)
    # the ledger's pattern, computed here on purpose (see forecast's Notes)
    emerging = emerging_patterns(hist, units, unit=unit, freq=prep.freq, tz=prep.tz)
    ledger = blind_spots(
        hist,
        units,
        unit=unit,
        periods=p.window_periods,
        as_of=as_of,
        freq=prep.freq,
        tz=prep.tz,
        emerging=emerging,
    )
    # the ledger is in rank order: back to the units' order by their ids
    score = ledger.set_index(unit)["score"].reindex(pd.Index(units[unit]))
    return np.asarray(score.to_numpy(dtype=np.float64), dtype=np.float64)


def _risk_emerging(
    units: gpd.GeoDataFrame,
    unit: str,
    prep: PreparedReports,
    w: _Window,
    sel: BoolArray,
    p: ForecastParams,
) -> FloatArray:
    from ..stats.emerging import emerging_hotspots

    n_ages = max(min(p.window_periods, _n_available(prep, w, sel)), 2)
    counts = _counts_by_age(prep, w, sel, n_ages)[:, ::-1]
    if not counts.any():  # nothing in the window: no statistic, no risk
        return np.zeros(len(prep.ids))
    cube = pd.DataFrame(
        counts, index=prep.ids, columns=[f"p{k:04d}" for k in range(n_ages)]
    )
    result = emerging_hotspots(cube, units, unit=unit, weights=default_weights(units))
    z = np.asarray(result["final_z"].to_numpy(dtype=np.float64), dtype=np.float64)
    low = float(np.nanmin(z)) if np.isfinite(z).any() else 0.0
    return np.where(np.isfinite(z), z, low - 1.0)


# -- dispatch ---------------------------------------------------------------------


def _risk(
    method: str,
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    unit: str,
    prep: PreparedReports,
    w: _Window,
    sel: BoolArray,
    p: ForecastParams,
    state: dict[Any, SeppFit] | None,
) -> FloatArray:
    if method == "last":
        return _counts_by_age(prep, w, sel, 1)[:, 0]
    if method == "moving":
        n = p.window_periods
        return np.asarray(_counts_by_age(prep, w, sel, n).sum(axis=1) / n)
    if method == "ewma":
        n = _n_available(prep, w, sel)
        wt = _ewma_weights(n, p.halflife_periods)
        return np.asarray(_counts_by_age(prep, w, sel, n) @ wt / wt.sum())
    if method == "kde":
        return _risk_kde(prep, w, sel, p)
    if method == "prospective":
        return _risk_prospective(prep, w, sel, p)
    if method == "sepp":
        return _risk_sepp(prep, w, sel, p, state)
    if method == "blind_spots":
        return _risk_blind_spots(reports, units, unit, prep, w, sel, p)
    return _risk_emerging(units, unit, prep, w, sel, p)


def _risk_all(
    method: str,
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    unit: str,
    prep: PreparedReports,
    w: _Window,
    p: ForecastParams,
    by_category: bool,
    min_category_reports: int,
    state: dict[Any, SeppFit] | None,
) -> FloatArray:
    everything = np.ones(len(prep.u), dtype=bool)
    if not by_category or prep.category is None:
        return _risk(method, reports, units, unit, prep, w, everything, p, state)
    cats = pd.Series(prep.category[w.hist])
    sizes = cats.value_counts(dropna=True)
    own = sorted(str(c) for c in sizes.index[sizes >= min_category_reports])
    total = np.zeros(len(prep.ids))
    is_own = np.zeros(len(prep.u), dtype=bool)
    cat_arr = pd.Series(prep.category, dtype=object)
    for c in own:  # one model per large category (a handful), not per report
        sel = (cat_arr == c).to_numpy(dtype=bool)
        is_own |= sel
        total += _risk(method, reports, units, unit, prep, w, sel, p, state)
    rest = ~is_own
    if (rest & w.hist).any():
        total += _risk(method, reports, units, unit, prep, w, rest, p, state)
    return total


def _ranks(risk: FloatArray) -> IntArray:
    key = np.where(np.isfinite(risk), -risk, np.inf)
    order = np.lexsort((np.arange(len(risk)), key))
    ranks = np.empty(len(risk), dtype=np.int64)
    ranks[order] = np.arange(1, len(risk) + 1)
    return ranks


# -- validation ----------------------------------------------------------------------


def validate_forecast(
    reports: object,
    units: object,
    *,
    methods: tuple[str, ...],
    unit: str,
    freq: object,
    tz: object,
    by_category: object,
    min_category_reports: object,
    params: Mapping[str, object],
    what: str,
) -> None:
    """Check :func:`forecast`'s arguments for ``methods``; raise once (internal).

    Shared with :mod:`hotspots.ledger.backtest` (``what`` names the caller in
    the message).

    Raises
    ------
    TypeError
        When ``reports`` is not a DataFrame or ``units`` not a GeoDataFrame.
    InputError
        Listing every problem with the options and the columns.
    CRSError
        When a spatial method meets reports or units without a CRS.
    """
    frame = require_frame(reports, "reports")
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    problems = _check_options(
        methods,
        freq=freq,
        tz=tz,
        by_category=by_category,
        min_category_reports=min_category_reports,
        params=params,
    )
    problems += _check_columns(
        frame, units, methods=methods, unit=unit, by_category=by_category
    )
    collect_problems(problems, what)
    _check_crs(frame, units, methods)


def _check_options(
    methods: tuple[str, ...],
    *,
    freq: object,
    tz: object,
    by_category: object,
    min_category_reports: object,
    params: Mapping[str, object],
) -> list[str]:
    """Problems with the method, the calendar and the parameters."""
    problems: list[str] = []
    bad = [m for m in methods if m not in METHODS]
    if bad:
        problems.append(
            f"method must be one of {list(METHODS)!r}, got {bad[0]!r}. Pass e.g. "
            "method='ewma'."
        )
    if not isinstance(freq, str) or freq.upper() not in (
        "D",
        "MS",
        *(f"W-{d}" for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")),
    ):
        problems.append(
            f"freq must be 'W-MON' (or another 'W-XXX'), 'D' or 'MS', got {freq!r}. "
            "Pass freq='W-MON' for weeks starting on Monday."
        )
    try:
        zoneinfo.ZoneInfo(str(tz))
    except (ValueError, KeyError, zoneinfo.ZoneInfoNotFoundError):
        problems.append(
            f"tz must be an IANA timezone name, got {tz!r}. Pass tz='Asia/Shanghai'."
        )
    _check_params(params, problems)
    if not isinstance(by_category, bool):
        problems.append(
            f"by_category must be True or False, got {by_category!r}. Pass "
            "by_category=True for one model per large category."
        )
    problem = whole_number(
        min_category_reports,
        "min_category_reports",
        example="min_category_reports=200",
    )
    return [*problems, problem] if problem else problems


def _check_columns(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    methods: tuple[str, ...],
    unit: str,
    by_category: object,
) -> list[str]:
    """Problems with the unit ids and the reports' columns the methods need."""
    problems: list[str] = []
    missing = unit_column(units, unit)
    problem = missing or unique_ids(units[unit], f"units[{unit!r}]")
    if problem:
        problems.append(problem)
    needs_unit = [m for m in methods if m in NEEDS_UNIT]
    if needs_unit and unit not in reports.columns:
        problems.append(
            f"reports must have the unit column {unit!r} for method "
            f"{needs_unit[0]!r}, columns are {list(reports.columns)!r}. Join the "
            "reports to their units first with hotspots.assign(...)."
        )
    if REPORTED_AT not in reports.columns:
        problems.append(
            f"reports must have the time column {REPORTED_AT!r}. Read them with "
            "hotspots.read_reports(...)."
        )
    elif not pd.api.types.is_datetime64_any_dtype(reports[REPORTED_AT]):
        problems.append(
            f"reports[{REPORTED_AT!r}] must hold timestamps, got dtype "
            f"{reports[REPORTED_AT].dtype!s}. Parse it with pandas.to_datetime."
        )
    if by_category is True and CATEGORY not in reports.columns:
        problems.append(
            f"by_category=True needs the column {CATEGORY!r} in reports. Pass "
            "by_category=False or add the categories."
        )
    if "blind_spots" in methods and CATEGORY not in reports.columns:
        problems.append(
            f"method 'blind_spots' needs the column {CATEGORY!r} in reports. Read "
            "the reports with hotspots.read_reports(...)."
        )
    return problems


def _check_crs(
    reports: pd.DataFrame, units: gpd.GeoDataFrame, methods: tuple[str, ...]
) -> None:
    """Raise :class:`CRSError` when a spatial method meets data without a CRS."""
    needs_xy = [m for m in methods if m in NEEDS_XY or m == "blind_spots"]
    if not needs_xy:
        return
    if not isinstance(reports, gpd.GeoDataFrame) or reports.crs is None:
        msg = (
            f"reports need point geometry with a CRS for method "
            f"{needs_xy[0]!r}. Pass the GeoDataFrame from "
            "hotspots.read_reports(...) (EPSG:4326)."
        )
        raise CRSError(msg)
    if units.crs is None:
        msg = (
            f"units need a CRS for method {needs_xy[0]!r}. Set it, e.g. "
            "units.set_crs('EPSG:4326')."
        )
        raise CRSError(msg)


# -- the public function -------------------------------------------------------------


def forecast(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    method: ForecastMethod = "ewma",
    as_of: TimeLike | None = None,
    unit: str = GRID_ID,
    freq: str = "W-MON",
    tz: str = DEFAULT_TZ,
    window_periods: int = 8,
    halflife_periods: float = 2.0,
    bandwidth_m: float | None = None,
    time_bandwidth_weeks: float = 4.0,
    max_distance_m: float = 100.0,
    max_age_weeks: float = 16.0,
    history_periods: int = 12,
    trigger_distance_m: float = 200.0,
    trigger_days: float = 14.0,
    max_iter: int = 100,
    tol: float = 1e-4,
    line_buffer_m: float = 30.0,
    max_pairs: int = 20_000_000,
    by_category: bool = False,
    min_category_reports: int = 200,
) -> gpd.GeoDataFrame:
    """Score every unit's risk for the period starting at ``as_of``.

    Only reports filed strictly before ``as_of`` are used, so a forecast can
    be checked against what happened next (:func:`hotspots.backtest`).

    Parameters
    ----------
    reports
        Reports (output of :func:`hotspots.read_reports`), joined to their
        units with :func:`hotspots.assign` (the ``unit`` column) for
        ``last``, ``moving``, ``ewma``, ``sepp``, ``blind_spots`` and
        ``emerging``; point geometry with a CRS for ``kde``,
        ``prospective`` and ``sepp``. Not modified.
    units
        GeoDataFrame of the units (grid cells or street segments) with the id
        column ``unit``. Not modified; the result keeps its index, row
        order, columns and CRS.
    method
        ``"last"``, ``"moving"``, ``"ewma"`` (default), ``"kde"``,
        ``"prospective"``, ``"sepp"``, ``"blind_spots"`` or ``"emerging"``;
        see the Notes.
    as_of
        Start of the forecast period (a timestamp, naive = ``tz``); default
        the start of the period after the last report.
    unit
        The id column (``"grid_id"`` or ``"segment_id"``).
    freq
        The period (``"W-MON"`` weeks from Monday, default; ``"W-XXX"``,
        ``"D"`` or ``"MS"``), as :func:`hotspots.space_time_cube`.
    tz
        Timezone of the calendar (the config's, default Asia/Shanghai).
    window_periods
        Periods looked back by ``moving``, ``kde``, ``blind_spots`` and
        ``emerging`` (default 8).
    halflife_periods
        Half-life of the ``ewma`` weights, in periods (default 2).
    bandwidth_m
        Spatial bandwidth in metres: the Gaussian standard deviation of
        ``kde`` (default 100 m) and the distance scale of ``prospective``
        (default 50 m, Bowers et al.'s cell size).
    time_bandwidth_weeks
        Time scale of ``prospective``, weeks (default 4).
    max_distance_m
        ``prospective`` ignores reports farther than this (default 100 m).
    max_age_weeks
        ``prospective`` ignores reports older than this (default 16 weeks).
    history_periods
        Periods of history ``sepp`` is fitted on (default 12).
    trigger_distance_m, trigger_days
        ``sepp``'s window for candidate parent-child pairs (default 200 m
        and 14 days).
    max_iter, tol
        ``sepp``'s cap on EM iterations and relative convergence tolerance.
    line_buffer_m
        For street segments, ``sepp`` spreads the background over the
        segment's length x 2 x this width (default 30 m, the distance within
        which :func:`hotspots.assign` joins a report to a street).
    max_pairs
        ``sepp``'s cap on candidate pairs held in memory (default 20 million,
        about 0.6 GB). Up to it the fit is exact; beyond it (very dense
        reports) the fit uses a systematic sample of the reports as children
        and warns (:func:`fit_sepp`).
    by_category
        Fit one model per category with at least ``min_category_reports``
        reports before ``as_of``, and one for the other categories pooled;
        the risk is the sum. Linear methods (counts, densities,
        prospective) give the same result either way; ``sepp``,
        ``blind_spots`` and ``emerging`` do not.
    min_category_reports
        See ``by_category`` (default 200).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` with ``risk`` (float, higher = more expected
        trouble) and ``risk_rank`` (1 = highest; equal risks ranked in the
        units' order). ``attrs`` holds ``method``, ``as_of`` and
        ``n_history`` (reports before ``as_of``); for ``sepp`` also ``sepp``,
        one dict per fitted model (``theta``, ``mean_delay_days``,
        ``sigma_m``, ``background_per_day``, ``n_iter``, ``converged``,
        ``child_share``).

    Raises
    ------
    TypeError
        When ``reports`` is not a DataFrame or ``units`` not a GeoDataFrame.
    InputError
        When the method, a parameter or a column is wrong, or ``as_of`` is
        not after the first report.
    CRSError
        When a spatial method is asked for and the reports or units have no
        CRS.

    Warns
    -----
    ReportsLeftOutWarning
        When some reports have no time, no unit or (spatial methods) no
        point.

    Notes
    -----
    Let ``c_{u,a}`` be the reports of unit ``u`` in the period ``a`` periods
    before the forecast period (``a = 0`` the last one).

    - ``last``: ``c_{u,0}``, the naive persistence forecast.
    - ``moving``: ``sum_{a < W} c_{u,a} / W`` with ``W = window_periods``.
    - ``ewma``: ``sum_a w_a c_{u,a} / sum_a w_a`` with
      ``w_a = 0.5 ** (a / halflife_periods)`` over every period since the
      first report (Brown 1959; pandas' ``ewm(adjust=True)``).
    - ``kde``: Gaussian kernel density (reports per km² per period) of the
      last ``W`` periods' reports at the unit's centroid (midpoint for a
      segment), standard deviation ``bandwidth_m``, cut at 4 standard
      deviations (Chainey, Tompson and Uhlig 2008).
    - ``prospective``: ``sum_j 1 / (1 + d_j / bandwidth_m) / (1 + age_j /
      time_bandwidth_weeks)`` over the reports within ``max_distance_m`` of
      the unit's centroid and ``max_age_weeks`` of ``as_of`` (Bowers,
      Johnson and Pease 2004, who used 50 m cells, 400 m, one week and two
      months). The defaults (50 m, 100 m, 4 and 16 weeks) were chosen on
      the sample district, where the published ones (400 m, 1 and 8 weeks)
      caught fewer next-week reports than plain moving counts (PAI at 5 %
      2.2 against 2.8; benchmarks/eval_forecast.py).
    - ``sepp``: :func:`fit_sepp` on the last ``history_periods`` periods;
      the risk is the expected count in the forecast period: background
      ``mu_u`` x period length plus, for every earlier report ``j``,
      ``theta (exp(-omega a_j) - exp(-omega (a_j + L)))`` spread over the
      units near it in proportion to the Gaussian kernel at their centroid x
      their area (Mohler et al. 2011).
    - ``blind_spots``: the ``score`` of :func:`hotspots.blind_spots` over
      the last ``W`` periods. This method runs both
      :func:`hotspots.emerging_hotspots` (on every period of the history
      before ``as_of``, for the ledger's pattern) and
      :func:`hotspots.blind_spots` itself, as of ``as_of``: they cannot be
      passed in, since a backtest needs them as of every target period.
    - ``emerging``: the ``final_z`` of :func:`hotspots.emerging_hotspots`,
      which this method runs itself on the cube of the last ``W`` periods
      (weights by :func:`hotspots.spatial.weights.default_weights`: network
      adjacency for street segments with ``u``/``v``, else queen
      contiguity); units without a statistic get less than the lowest z.

    References
    ----------
    .. [1] Bowers, K. J., Johnson, S. D. and Pease, K. (2004). Prospective
       hot-spotting: the future of crime mapping? *British Journal of
       Criminology* 44(5), 641-658.
    .. [2] Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P.
       and Tita, G. E. (2011). Self-exciting point process modeling of crime.
       *JASA* 106(493), 100-108.
    .. [3] Chainey, S., Tompson, L. and Uhlig, S. (2008). The utility of
       hotspot mapping for predicting spatial patterns of crime. *Security
       Journal* 21, 4-28.
    .. [4] Brown, R. G. (1959). *Statistical Forecasting for Inventory
       Control*. McGraw-Hill.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import Point, box
    >>> cells = gpd.GeoDataFrame(
    ...     {"grid_id": ["a", "b"]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...     crs="EPSG:32651",
    ... )
    >>> t = pd.to_datetime(
    ...     ["2026-11-09 09:00", "2026-11-16 09:00", "2026-11-17 09:00"]
    ... ).tz_localize("Asia/Shanghai")
    >>> reports = gpd.GeoDataFrame(
    ...     {"reported_at": t, "grid_id": ["b", "a", "a"]},
    ...     geometry=[Point(150, 50), Point(50, 50), Point(50, 50)],
    ...     crs="EPSG:32651",
    ... )
    >>> risk = forecast(reports, cells, method="ewma", halflife_periods=1)
    >>> risk["risk"].round(3).tolist(), risk["risk_rank"].tolist()
    ([1.333, 0.333], [1, 2])
    >>> str(risk.attrs["as_of"])
    '2026-11-23 00:00:00+08:00'
    """
    params = {
        "window_periods": window_periods,
        "halflife_periods": halflife_periods,
        "bandwidth_m": bandwidth_m,
        "time_bandwidth_weeks": time_bandwidth_weeks,
        "max_distance_m": max_distance_m,
        "max_age_weeks": max_age_weeks,
        "history_periods": history_periods,
        "trigger_distance_m": trigger_distance_m,
        "trigger_days": trigger_days,
        "max_iter": max_iter,
        "tol": tol,
        "line_buffer_m": line_buffer_m,
        "max_pairs": max_pairs,
    }
    validate_forecast(
        reports,
        units,
        methods=(str(method),),
        unit=unit,
        freq=freq,
        tz=tz,
        by_category=by_category,
        min_category_reports=min_category_reports,
        params=params,
        what="forecast",
    )
    prep = prepare_reports(
        reports,
        units,
        unit=unit,
        freq=freq.upper(),
        tz=tz,
        spatial=method in NEEDS_XY,
        needs_unit=method in NEEDS_UNIT,
        by_category=by_category,
        stacklevel=3,
    )
    when = (
        _default_as_of(prep) if as_of is None else local_timestamp(as_of, tz, "as_of")
    )
    return forecast_prepared(
        reports,
        units,
        prep,
        method=str(method),
        as_of=when,
        unit=unit,
        params=ForecastParams(**params),  # type: ignore[arg-type]
        by_category=by_category,
        min_category_reports=int(min_category_reports),
    )


def _default_as_of(prep: PreparedReports) -> pd.Timestamp:
    if not prep.has_t.any():
        msg = (
            "reports must have at least one report with a time to forecast from, "
            "got none. Pass the reports read with hotspots.read_reports(...)."
        )
        raise InputError(msg)
    last = int(prep.p[prep.has_t].max())
    return pd.Timestamp(int(prep.starts_ns[last + 1]), tz="UTC").tz_convert(prep.tz)


def forecast_prepared(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    prep: PreparedReports,
    *,
    method: str,
    as_of: pd.Timestamp,
    unit: str,
    params: ForecastParams,
    by_category: bool,
    min_category_reports: int,
    state: dict[Any, SeppFit] | None = None,
) -> gpd.GeoDataFrame:
    w = _window(prep, as_of)
    if state is None:
        state = {}
    risk = _risk_all(
        method,
        reports,
        units,
        unit,
        prep,
        w,
        params,
        by_category,
        min_category_reports,
        state,
    )
    out = units.copy()
    out[RISK] = np.asarray(risk, dtype=np.float64)
    out[RISK_RANK] = _ranks(np.asarray(risk, dtype=np.float64))
    out.attrs = {
        **units.attrs,
        "method": method,
        "as_of": as_of,
        "n_history": int(w.hist.sum()),
    }
    if method == "sepp":
        out.attrs["sepp"] = [
            {
                "theta": f.theta,
                "mean_delay_days": 1.0 / f.omega,
                "sigma_m": f.sigma_m,
                "background_per_day": float(f.mu.sum()),
                "n_iter": f.n_iter,
                "converged": f.converged,
                "child_share": f.child_share,
            }
            for f in state.values()
        ]
    return out
