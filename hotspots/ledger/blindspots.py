"""The recurring blind-spot ledger: which places need a patrol, and why.

"Leave no blind spot, no dead corner" (不留盲区、不留死角): a blind spot is a
place where problems keep coming back, come back after being closed, stay
open, or are found by the hotline and the evaluation teams rather than by the
city's own inspectors and cameras. :func:`blind_spots` gathers that evidence
per unit (grid cell or street segment), combines it into a documented score,
ranks the units and writes a one-line reason in Chinese and English, e.g.
"连续6周出现占道经营，3起结案后复发，80%来自12345热线".

Everything is computed for all units at once with numpy on slim arrays
(unit code, time in ns, category code, status masks; the reports frame is
never copied), never with a loop per unit or per report: the "came back
after closing" test expands each report's (unit, category) block of earlier
closures with numpy, and the reasons are formatted once per distinct line.

The work is cut into a reduction per part of the reports and a combination
(:func:`blind_spots_partial`, :func:`blind_spots_combine`): counts per unit
and per unit, category and period are partial sums, the window's reports
and the closures they can come back after travel slim (the comeback pairs,
the medians and the weight sums need them all), and the ranking runs once on
the per-unit table. :func:`blind_spots` is the combination of one part (the
whole frame); :func:`hotspots.compute.blind_spots_partitioned` combines the
partitions of a Dask frame through the same code, so both give the same
ledger.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .._core import labels
from .._core.crs import (
    ZONE_SAMPLE,
    geometry_xy,
    metric_crs_for_xy,
    project_xy,
)
from .._core.lookup import arrow_text, positions
from .._core.schema import (
    CATEGORY,
    CLOSED_AT,
    DEFAULT_TZ,
    GRID_ID,
    N_REPORTS,
    OUTSIDE_SOURCES,
    OWN_SOURCES,
    PATTERN,
    RANK,
    REASON_EN,
    REASON_ZH,
    REOPEN_COUNT,
    REPORTED_AT,
    SCORE,
    SOURCE,
    STATUS,
    TOP_CATEGORIES,
    TOP_CATEGORY,
    WEIGHT,
)
from .._core.types import BoolArray, FloatArray, IntArray, TimeLike
from .._core.validate import (
    non_negative_number,
    positive_number,
    require_frame,
    require_local_time,
    unique_ids,
    unit_column,
    whole_number,
)
from ..errors import (
    HotspotsWarning,
    InputError,
    ReportsLeftOutWarning,
    collect_problems,
)
from ..spatial.cube import FREQS, period_labels, period_range, period_start
from ..spatial.weights import IslandsWarning, default_weights
from ..stats.profiles import (
    PEAK_DAYS,
    PEAK_END_MIN,
    PEAK_SHARE,
    PEAK_START_MIN,
    PEAK_WINDOW_EN,
    PEAK_WINDOW_ZH,
    HourProfile,
    peak_windows,
)

__all__ = [
    "COMEBACKS",
    "COMEBACK_SHARE",
    "CURRENT_STREAK",
    "MEDIAN_DAYS_TO_CLOSE",
    "N_REPORTS",
    "OPEN_NOW",
    "OUTSIDE_SHARE",
    "PATTERN",
    "PATTERN_SEVERITY",
    "PEAK_DAYS",
    "PEAK_END_MIN",
    "PEAK_SHARE",
    "PEAK_START_MIN",
    "PEAK_WINDOW_EN",
    "PEAK_WINDOW_ZH",
    "PERIODS_WITH_REPORTS",
    "RANK",
    "REASON_EN",
    "REASON_ZH",
    "REOPENED",
    "SCORE",
    "SHARE_CLOSED_LATE",
    "TOP_CATEGORIES",
    "TOP_CATEGORIES_EN",
    "TOP_CATEGORY",
    "TOP_CATEGORY_PERIODS",
    "TOP_CATEGORY_STREAK",
    "WEIGHTED_COUNT",
    "BlindSpotWeights",
    "BlindSpotsPartial",
    "StepRecomputedWarning",
    "blind_spot_score",
    "blind_spots",
    "blind_spots_combine",
    "blind_spots_extent",
    "blind_spots_partial",
]

# -- output columns -----------------------------------------------------------------
PERIODS_WITH_REPORTS: Final = "periods_with_reports"
CURRENT_STREAK: Final = "current_streak"
REOPENED: Final = "reopened"
COMEBACKS: Final = "comebacks"
COMEBACK_SHARE: Final = "comeback_share"
OPEN_NOW: Final = "open_now"
MEDIAN_DAYS_TO_CLOSE: Final = "median_days_to_close"
SHARE_CLOSED_LATE: Final = "share_closed_late"
OUTSIDE_SHARE: Final = "outside_share"
WEIGHTED_COUNT: Final = "weighted_count"
TOP_CATEGORIES_EN: Final = "top_categories_en"
TOP_CATEGORY_PERIODS: Final = "top_category_periods"
TOP_CATEGORY_STREAK: Final = "top_category_streak"

#: Statuses of a report that is still being worked on.
_OPEN_STATUSES: Final = ("open", "dispatched", "reopened")
_NO_PATTERN: Final = "no_pattern"
_NS_PER_DAY: Final = 86_400 * 10**9
#: Candidate (report, earlier closure) pairs tested at once in _comebacks.
_PAIR_CHUNK: Final = 1_000_000
#: (unit, category) key spaces up to this size (plus 16 per report) are
#: looked up with a count per key in _comebacks, larger ones by sorting.
_DENSE_KEYS: Final = 1 << 22

#: How much each emerging pattern says "this place needs a patrol" (0..1).
#: Cold spots and no pattern say nothing.
PATTERN_SEVERITY: Final[Mapping[str, float]] = {
    "intensifying_hot": 1.0,
    "persistent_hot": 0.9,
    "consecutive_hot": 0.8,
    "new_hot": 0.7,
    "oscillating_hot": 0.6,
    "sporadic_hot": 0.5,
    "diminishing_hot": 0.4,
    "historical_hot": 0.2,
}

ObjectArray = npt.NDArray[np.object_]
_PATTERN_ZH: Final = {k: v["zh"] for k, v in labels.PATTERNS.items()}
_PATTERN_EN: Final = {k: v["en"].lower() for k, v in labels.PATTERNS.items()}


class StepRecomputedWarning(HotspotsWarning):
    """A step computed another step's result itself because it was not given.

    :func:`blind_spots` without ``emerging=`` runs
    :func:`hotspots.emerging_hotspots` itself; it says so once per process.
    Pass the result you already have to avoid the second computation.
    """


@dataclass(frozen=True)
class BlindSpotWeights:
    """Weights of the evidence in the blind-spot score (each >= 0).

    The field names are those of ``[analysis.blind_spot_weights]`` in the city
    config, so ``BlindSpotWeights(**dataclasses.asdict(config_weights))``
    works. See :func:`blind_spot_score` for what each term measures.

    Attributes
    ----------
    recurrence
        Share of the last periods with a report ("keeps coming back").
    streak
        Current run of consecutive periods with a report ("keeps coming
        back").
    comeback
        Share of the reports that reopened or came back after being closed
        ("not solved").
    open_now
        Reports still open ("not solved").
    late
        Share of the closed reports that were closed late ("not solved").
    outside
        Share of the reports found by the hotline and the evaluation teams
        rather than the city's own inspectors and cameras, above the
        district's share ("not seen").
    volume
        Weighted number of reports ("keeps coming back").
    pattern
        Severity of the emerging hot spot pattern ("keeps coming back").
    """

    recurrence: float = 1.0
    streak: float = 1.0
    comeback: float = 2.0
    open_now: float = 0.5
    late: float = 0.5
    outside: float = 2.0
    volume: float = 0.5
    pattern: float = 0.5

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            if non_negative_number(v, f.name, example="") is not None:
                problems.append(
                    f"BlindSpotWeights.{f.name} must be a number >= 0, got {v!r}. "
                    f"Pass e.g. {f.name}=1.0 (0 switches the term off)."
                )
        collect_problems(problems, "BlindSpotWeights")
        if sum(getattr(self, f.name) for f in fields(self)) <= 0:
            msg = (
                "BlindSpotWeights must have at least one weight above 0, got all "
                "zeros. Keep the defaults, e.g. BlindSpotWeights()."
            )
            raise InputError(msg)


# -- the score -----------------------------------------------------------------------


def _saturate(k: FloatArray, half: float) -> FloatArray:
    """``k / (k + half)``: 0 at 0, 1/2 at ``half``, towards 1; increasing in k."""
    k = np.clip(np.nan_to_num(k, nan=0.0), 0.0, None)
    return k / (k + half)


def blind_spot_score(
    evidence: pd.DataFrame,
    *,
    periods: int,
    weights: BlindSpotWeights | None = None,
    outside_baseline: float = 0.0,
) -> pd.Series:
    """Combine the evidence columns into a score from 0 to 100.

    Parameters
    ----------
    evidence
        A frame with the evidence columns of :func:`blind_spots`:
        ``periods_with_reports``, ``current_streak``, ``comeback_share``,
        ``open_now``, ``share_closed_late``, ``outside_share``,
        ``n_reports``, ``weighted_count`` and ``pattern``.
    periods
        The number of periods the recurrence columns count over.
    weights
        Weights of the terms (default :class:`BlindSpotWeights`).
    outside_baseline
        The share of reports the hotline and the evaluation teams find in the
        whole district (0 to 1): only the excess over it is evidence of a
        blind spot. :func:`blind_spots` passes the share of all the window's
        reports.

    Returns
    -------
    pandas.Series
        The score of each row (same index).

    Notes
    -----
    A blind spot is a place where a problem keeps coming back *and* the
    patrols do not solve it or do not see it, so the score is a product of
    two factors, each combining its evidence like independent signs (a
    "noisy-or": one strong sign is enough, several weak ones add up)::

        score = 100 * R * B
        R = 1 - (1 - f_recurrence)^w_recurrence * (1 - f_streak)^w_streak
              * (1 - f_volume)^w_volume * (1 - f_pattern)^w_pattern
        B = 1 - (1 - f_comeback)^w_comeback * (1 - f_open_now)^w_open_now
              * (1 - f_late)^w_late * (1 - f_outside)^w_outside

    A weight is the number of times a sign counts: 0 switches it off, 2
    counts it twice (a factor whose weights are all 0 is 1). The terms, each
    in ``[0, 1]``:

    ============ =============================================================
    recurrence   ``periods_with_reports / periods``
    streak       ``current_streak / periods``
    volume       ``q / (q + periods)``, ``q = weighted_count``
    pattern      :data:`PATTERN_SEVERITY` of the emerging pattern (else 0)
    comeback     ``comeback_share * v``
    open_now     ``o / (o + 2)``, ``o = open_now``
    late         ``share_closed_late * v``
    outside      ``max(0, (outside_share - b) / (1 - b)) * v``, ``b`` the
                 baseline
    ============ =============================================================

    where ``v = n / (n + 3)``, ``n = n_reports``, is the confidence in a
    share (one report from the hotline is weak evidence, ten are strong);
    missing shares count 0. Every term is non-decreasing in its inputs and
    both factors are non-negative, so the score is monotone: raising any one
    evidence value, all else equal, never lowers it.
    """
    w = weights if weights is not None else BlindSpotWeights()
    p = float(periods)
    n = np.asarray(evidence[N_REPORTS], dtype=np.float64)
    confidence = _saturate(n, 3.0)
    base = min(max(float(outside_baseline), 0.0), 1.0 - 1e-9)

    def column(col: str) -> FloatArray:
        v = np.asarray(evidence[col], dtype=np.float64)
        return np.clip(np.nan_to_num(v, nan=0.0), 0.0, None)

    severity: FloatArray = np.asarray(
        pd.Series(evidence[PATTERN], index=evidence.index)
        .astype(object)
        .map(dict(PATTERN_SEVERITY))
        .fillna(0.0),
        dtype=np.float64,
    )
    outside = np.clip((column(OUTSIDE_SHARE) - base) / (1.0 - base), 0.0, 1.0)
    keeps_coming: dict[str, FloatArray] = {
        "recurrence": np.clip(column(PERIODS_WITH_REPORTS) / p, 0.0, 1.0),
        "streak": np.clip(column(CURRENT_STREAK) / p, 0.0, 1.0),
        "volume": _saturate(column(WEIGHTED_COUNT), p),
        "pattern": severity,
    }
    not_solved: dict[str, FloatArray] = {
        "comeback": np.clip(column(COMEBACK_SHARE), 0.0, 1.0) * confidence,
        "open_now": _saturate(column(OPEN_NOW), 2.0),
        "late": np.clip(column(SHARE_CLOSED_LATE), 0.0, 1.0) * confidence,
        "outside": outside * confidence,
    }

    def factor(terms: dict[str, FloatArray]) -> FloatArray:
        if sum(float(getattr(w, k)) for k in terms) <= 0:
            return np.ones(len(evidence))
        missing = np.ones(len(evidence))
        for k, v in terms.items():
            missing = missing * np.power(1.0 - np.clip(v, 0.0, 1.0), getattr(w, k))
        return np.asarray(1.0 - missing, dtype=np.float64)

    score = 100.0 * factor(keeps_coming) * factor(not_solved)
    return pd.Series(score, index=evidence.index, name=SCORE)


# -- validation ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    """:func:`blind_spots`' keyword arguments, as given (checked by _validate)."""

    unit: str
    periods: Any
    as_of: Any
    freq: str
    comeback_days: Any
    comeback_distance_m: Any
    late_days: Any
    weights: Any
    category_weights: Any
    emerging: Any
    tz: str
    hour_profile: Any
    peak_hours: Any


def _validate(reports: object, units: object, opts: _Options) -> None:
    """Check :func:`blind_spots`' arguments; raise once listing every problem."""
    frame = require_frame(reports, "reports")
    _check_types(units, opts)
    problems = [
        *_check_numbers(opts),
        *_check_columns(frame, units, opts.unit),
        *_check_weights(opts.weights, opts.category_weights),
        *_check_emerging(opts.emerging, opts.unit),
        *_check_calendar(opts),
    ]
    collect_problems(problems, "blind_spots")


def _check_types(units: object, opts: _Options) -> None:
    """Raise TypeError when ``units`` or ``hour_profile`` is of the wrong type."""
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    if opts.hour_profile is not None and not isinstance(opts.hour_profile, HourProfile):
        msg = (
            "hour_profile must be an HourProfile (hotspots."
            f"hour_of_week_profile) or None, got {type(opts.hour_profile).__name__}."
        )
        raise TypeError(msg)


def _check_numbers(opts: _Options) -> list[str]:
    """Problems with the window and the day and distance thresholds."""
    checks = (
        whole_number(opts.periods, "periods", example="periods=8"),
        positive_number(
            opts.comeback_days, "comeback_days", example="comeback_days=14", unit="days"
        ),
        positive_number(
            opts.late_days, "late_days", example="late_days=7", unit="days"
        ),
        None
        if opts.comeback_distance_m is None
        else positive_number(
            opts.comeback_distance_m,
            "comeback_distance_m",
            example="comeback_distance_m=30",
            unit="metres",
        ),
    )
    return [p for p in checks if p]


def _check_calendar(opts: _Options) -> list[str]:
    """Problems with the period, the hour profile's units and the peak hours."""
    problems: list[str] = []
    if not isinstance(opts.freq, str) or opts.freq.upper() not in FREQS:
        problems.append(
            f"freq must be one of {list(FREQS)!r}, got {opts.freq!r}. Use 'W-MON' "
            "for weeks starting on Monday."
        )
    profile, unit = opts.hour_profile, opts.unit
    if profile is not None and profile.unit != unit:
        problems.append(
            f"hour_profile must be a profile of the units {unit!r}, got a "
            f"profile of {profile.unit!r}. Pass hour_of_week_profile("
            f"reports, unit={unit!r})."
        )
    peak = whole_number(
        opts.peak_hours, "peak_hours", example="peak_hours=3", maximum=24
    )
    return [*problems, peak] if peak else problems


def _check_units(units: gpd.GeoDataFrame, unit: str) -> list[str]:
    """Problems with the units' id column (missing, repeated ids)."""
    missing = unit_column(units, unit)
    problem = missing or unique_ids(units[unit], f"units[{unit!r}]")
    return [problem] if problem else []


def _check_columns(
    reports: pd.DataFrame, units: gpd.GeoDataFrame, unit: str
) -> list[str]:
    """Problems with the units' ids and the reports' columns."""
    problems = _check_units(units, unit)
    for col, fix in (
        (unit, "Join the reports to their units first with hotspots.assign(...)."),
        (REPORTED_AT, "Read the reports with hotspots.read_reports(...)."),
        (CATEGORY, "Read the reports with hotspots.read_reports(...)."),
    ):
        if col not in reports.columns:
            problems.append(
                f"reports must have the column {col!r}, got "
                f"{list(reports.columns)!r}. {fix}"
            )
    for col in (REPORTED_AT, CLOSED_AT):
        if col in reports.columns and not pd.api.types.is_datetime64_any_dtype(
            reports[col]
        ):
            problems.append(
                f"reports[{col!r}] must hold timestamps, got dtype "
                f"{reports[col].dtype!s}. Parse it with pandas.to_datetime or read "
                "the reports with hotspots.read_reports."
            )
    return problems


def _check_weights(weights: object, category_weights: object) -> list[str]:
    """Problems with the score's weights and the category weights."""
    problems: list[str] = []
    if weights is not None and not isinstance(weights, BlindSpotWeights):
        problems.append(
            f"weights must be a BlindSpotWeights or None, got "
            f"{type(weights).__name__}. Pass e.g. BlindSpotWeights(outside=2.0)."
        )
    if category_weights is None:
        return problems
    if not isinstance(category_weights, Mapping):
        problems.append(
            "category_weights must map category names to weights, got "
            f"{type(category_weights).__name__}. Pass e.g. "
            "{'占道经营': 2.0}."
        )
        return problems
    bad = {
        k: v
        for k, v in category_weights.items()
        if non_negative_number(v, "category_weights", example="") is not None
    }
    if bad:
        problems.append(
            f"category_weights must be numbers >= 0, got {bad!r}. Pass "
            "e.g. {'占道经营': 2.0}."
        )
    return problems


def _check_emerging(emerging: object, unit: str) -> list[str]:
    """Problems with the emerging result passed in."""
    if emerging is None:
        return []
    if not isinstance(emerging, pd.DataFrame):
        return [
            "emerging must be the result of hotspots.emerging_hotspots or "
            f"None, got {type(emerging).__name__}."
        ]
    if unit not in emerging.columns or PATTERN not in emerging.columns:
        return [
            f"emerging must have the columns {unit!r} and 'pattern' (a result "
            "of hotspots.emerging_hotspots on the same units), got "
            f"{list(emerging.columns)!r}."
        ]
    return []


# -- evidence --------------------------------------------------------------------------


def _period_words(freq: str) -> tuple[str, str, int]:
    """Chinese word, English word and length in days (approx.) of a period."""
    f = freq.upper()
    if f == "D":
        return "天", "day", 1
    if f.startswith("M"):
        return "个月", "month", 31
    return "周", "week", 7


def _window_labels(as_of: pd.Timestamp, periods: int, freq: str, tz: str) -> list[str]:
    _, _, days = _period_words(freq)
    first = as_of - pd.Timedelta(days=days * (periods + 1))
    lo, hi = period_labels(pd.DatetimeIndex([first, as_of]), freq=freq, tz=tz)
    return period_range(str(lo), str(hi), freq=freq)[-periods:]


def _runs_from_end(present: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Length of the run of True ending in the last column of each row."""
    if present.shape[1] == 0:
        return np.zeros(present.shape[0], dtype=np.int64)
    rev = present[:, ::-1]
    run = np.where(rev.all(axis=1), rev.shape[1], np.argmin(rev, axis=1))
    return np.asarray(run, dtype=np.int64)


def _text_rank(ids: pd.Index) -> npt.NDArray[np.int64]:
    """Rank of each id's text in code point order (ties in position order)."""
    text = arrow_text(ids)
    if text is not None:
        # UTF-8 byte order is code point order; Arrow's sort is stable
        order = pc.sort_indices(text).to_numpy()
    else:
        plain = np.asarray(ids.astype(str), dtype=object).astype(str)
        order = np.argsort(plain, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def _window_periods(
    times: pd.Series, window_labels: list[str], *, freq: str, tz: str
) -> npt.NDArray[np.int64]:
    """Position in ``window_labels`` of each time's period (-1 outside).

    :func:`hotspots.spatial.cube.period_labels` runs once per distinct local calendar
    day (a period is a union of whole days), not once per report.
    """
    if times.empty:
        return np.zeros(0, dtype=np.int64)
    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert(tz).tz_localize(None)
    days = np.floor_divide(idx.as_unit("ns").asi8, _NS_PER_DAY)
    uniq, inv = np.unique(days, return_inverse=True)
    day_times = pd.DatetimeIndex(uniq.astype("datetime64[D]").astype("datetime64[ns]"))
    day_labels = period_labels(day_times, freq=freq, tz=tz)
    code = pd.Index(window_labels).get_indexer(pd.Index(day_labels)).astype(np.int64)
    return code[inv.ravel()]


def pair_slices(
    lo: npt.NDArray[np.int64], count: npt.NDArray[np.int64], order: npt.NDArray[np.intp]
) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """Pairs (left i, right ``order[lo[i] + k]``, k < ``count[i]``) in slices.

    Each slice holds at most ``_PAIR_CHUNK`` pairs (or one left with more), so
    candidate pairs found by sorted search are expanded in bounded memory.
    An internal step shared with :mod:`hotspots.ledger.recheck` (not public).
    """
    total = np.cumsum(count)
    start = 0
    while start < len(count):
        before = int(total[start - 1]) if start else 0
        stop = max(
            start + 1, int(np.searchsorted(total, before + _PAIR_CHUNK, side="right"))
        )
        c = count[start:stop]
        n_pairs = int(c.sum())
        if n_pairs:
            li = np.repeat(np.arange(start, stop), c)
            offset = np.arange(n_pairs) - np.repeat(np.cumsum(c) - c, c)
            yield li, order[np.repeat(lo[start:stop], c) + offset]
        start = stop


def _comebacks(
    *,
    left_key: npt.NDArray[np.int64],
    left_t: npt.NDArray[np.int64],
    right_key: npt.NDArray[np.int64],
    right_closed: npt.NDArray[np.int64],
    locate: Callable[[npt.NDArray[np.intp], npt.NDArray[np.intp]], FloatArray],
    days: float,
    distance_m: float | None,
) -> npt.NDArray[np.bool_]:
    """Which window reports (left) are a closed problem (right) coming back.

    Report ``j`` comes back when an earlier report ``i`` of the same category
    at the same unit (same key) was closed strictly before ``j`` was reported
    and at most ``days`` days before, and (unless ``distance_m`` is None) lies
    within ``distance_m`` metres of it. Each report's candidates are its key's
    block of closures, expanded with numpy in slices of at most
    ``_PAIR_CHUNK`` pairs (bounded memory); no loop per report. With a
    distance, a first pass over the pairs keeps those close in time, and
    only their reports are located: ``locate(left, right)`` returns the x/y
    in metres of those lefts, then those rights (positions in the arrays).
    """
    out = np.zeros(len(left_key), dtype=bool)
    if len(left_key) == 0 or len(right_key) == 0:
        return out
    horizon = int(days * _NS_PER_DAY)
    order = np.argsort(right_key, kind="stable")
    top = int(max(left_key.max(), right_key.max())) + 1
    if top <= 16 * (len(left_key) + len(right_key)) + _DENSE_KEYS:
        # a key space of a few million at most: each key's block from a count
        per_key = np.bincount(right_key, minlength=top)
        lo = (np.cumsum(per_key) - per_key)[left_key]
        count = per_key[left_key]
    else:
        keys = right_key[order]
        lo = np.searchsorted(keys, left_key, side="left")
        count = np.searchsorted(keys, left_key, side="right") - lo

    def in_time(li: npt.NDArray[np.intp], ri: npt.NDArray[np.intp]) -> Any:
        gap = left_t[li] - right_closed[ri]
        return (gap > 0) & (gap <= horizon)

    if distance_m is None:
        for li, ri in pair_slices(lo, count, order):
            out[li[in_time(li, ri)]] = True
        return out
    left_near = np.zeros(len(left_key), dtype=bool)
    right_near = np.zeros(len(right_key), dtype=bool)
    for li, ri in pair_slices(lo, count, order):
        hit = in_time(li, ri)
        left_near[li[hit]] = True
        right_near[ri[hit]] = True
    if not left_near.any():
        return out
    xy = locate(np.flatnonzero(left_near), np.flatnonzero(right_near))
    left_xy = np.full((len(left_key), 2), np.nan)
    right_xy = np.full((len(right_key), 2), np.nan)
    n_left = int(left_near.sum())
    left_xy[left_near], right_xy[right_near] = xy[:n_left], xy[n_left:]
    reach = float(distance_m) ** 2
    near = np.flatnonzero(left_near)
    for li, ri in pair_slices(lo[near], count[near], order):
        near_li = near[li]
        hit = in_time(near_li, ri)
        d2 = (left_xy[near_li, 0] - right_xy[ri, 0]) ** 2 + (
            left_xy[near_li, 1] - right_xy[ri, 1]
        ) ** 2
        hit &= d2 <= reach  # NaN (no point) never matches
        out[near_li[hit]] = True
    return out


def _utc_ns(times: pd.Series) -> npt.NDArray[np.int64]:
    """Integer nanoseconds since the epoch (UTC) of aware or naive timestamps."""
    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


def _aware(value: object, tz: str, name: str) -> pd.Timestamp:
    return require_local_time(value, name, tz=tz, example="'2026-11-22'").tz_convert(tz)


def _as_aware(times: pd.Series, tz: str) -> pd.Series:
    dt_ = times.dt
    out: pd.Series = (
        dt_.tz_localize(tz)
        if getattr(times.dtype, "tz", None) is None
        else dt_.tz_convert(tz)
    )
    return out


def _distinct(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Distinct values (sorted) and the position of each value among them."""
    if len(values) == 0:
        return values, np.zeros(0, dtype=np.intp)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo > 4 * len(values) + 1024:
        uniq, inv = np.unique(values, return_inverse=True)
        return uniq, inv.ravel()
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[values - lo] = True
    pos = np.cumsum(seen) - 1
    return np.flatnonzero(seen) + lo, pos[values - lo]


def _capital(text: str) -> str:
    """First character upper case (as ``Series.str`` slice + upper)."""
    return text[:1].upper() + text[1:]


class _Lines:
    """Lines of text per unit (one per language), built clause by clause.

    Each clause is formatted once per distinct key (a count, a category and
    a count, ...); it follows an earlier clause after the language's
    separator, else it starts the line (capitalised where asked). The units'
    choices of clauses combine into one integer per unit, and each distinct
    line is joined once (lines repeat: a few thousand among 100,000 units),
    then taken for its units. No Python loop per unit.
    """

    def __init__(
        self, n: int, *, seps: tuple[str, ...], capital: tuple[bool, ...]
    ) -> None:
        self.started = np.zeros(n, dtype=bool)
        self.seps = seps
        self.capital = capital
        self.parts: list[tuple[list[list[str]], npt.NDArray[np.int64]]] = []

    def add(
        self,
        mask: npt.NDArray[np.bool_],
        keys: npt.NDArray[np.int64],
        *words: Callable[[int], str],
        capital: bool = True,
    ) -> None:
        """Append ``words[i](key)`` to the units of ``mask`` (keys in unit order).

        ``capital=False`` never capitalises the clause (one that starts with
        a name as written, such as a category).
        """
        where = np.flatnonzero(mask)
        if len(where) == 0:
            return
        uniq, inv = _distinct(np.asarray(keys, dtype=np.int64))
        tables = []
        for say, sep, cap in zip(words, self.seps, self.capital, strict=True):
            texts = [say(int(k)) for k in uniq.tolist()]
            first = [_capital(t) if cap and capital else t for t in texts]
            tables.append(first + [sep + t for t in texts])
        # per unit: -1 no clause, i the i-th text first, len(uniq) + i after one
        pick = np.full(len(self.started), -1, dtype=np.int64)
        pick[where] = inv + np.where(self.started[where], len(uniq), 0)
        self.parts.append((tables, pick))
        self.started[where] = True

    def done(self, *empty: str) -> list[Any]:
        """Return the lines (a text column per language), ``empty`` if none."""
        n = len(self.started)
        combo = np.zeros(n, dtype=np.int64)
        bound = 1
        for tables, pick in self.parts:
            width = len(tables[0]) + 1
            if bound * width >= 2**62:  # keep the combined key in int64
                uniq, combo = _distinct(combo)
                bound = len(uniq)
            combo = combo * width + (pick + 1)
            bound *= width
        uniq, inv = _distinct(combo)
        first_unit = np.empty(len(uniq), dtype=np.intp)
        first_unit[inv[::-1]] = np.arange(n)[::-1]
        columns = []
        for lang, (fill, cap) in enumerate(zip(empty, self.capital, strict=True)):
            fill_text = _capital(fill) if cap else fill
            pieces = [
                np.array([*tables[lang], ""], dtype=object)[pick[first_unit]].tolist()
                for tables, pick in self.parts
            ]
            lines = (
                ["".join(p) or fill_text for p in zip(*pieces, strict=True)]
                if pieces
                else [fill_text] * len(uniq)
            )
            text = pa.array(lines, type=pa.large_string()).take(pa.array(inv))
            columns.append(_text_column(text))
        return columns


def _text_column(text: pa.Array) -> Any:
    """Return the texts as pandas holds a column of Python strings (str, object)."""
    dtype = pd.Series(np.array([""], dtype=object)).dtype
    if isinstance(dtype, pd.StringDtype):
        return pd.array(text, dtype=dtype)
    return text.to_numpy(zero_copy_only=False)


def _top_categories(
    wu: npt.NDArray[np.int64],
    wc: npt.NDArray[np.int64],
    wn: npt.NDArray[np.int64],
    names: ObjectArray,
    n_units: int,
    top: int = 3,
) -> tuple[Any, Any, npt.NDArray[np.int64]]:
    """Return each unit's most reported categories, in Chinese and English.

    ``"占道经营(5)、乱停车(3)"`` and ``"占道经营 (5), 乱停车 (3)"`` per unit
    (the names as written, the punctuation in the language), and its most
    reported category. ``wu``/``wc``/``wn`` are units, category codes
    (code -1: no category, not counted) and numbers of window reports (a
    pair may repeat: its numbers are added), ``names`` the category of each
    code. Ties in count go to the first name in code point order.
    The third result is the code of the unit's first category (-2 when it
    has none).
    """
    line = _Lines(n_units, seps=("、", ", "), capital=(False, False))
    first = np.full(n_units, -2, dtype=np.int64)
    known = wc >= 0
    if not known.any():
        zh, en = line.done("", "")
        return zh, en, first
    n_cats = len(names)
    pair, inv = np.unique(wu[known] * n_cats + wc[known], return_inverse=True)
    n = np.bincount(inv.ravel(), weights=wn[known]).astype(np.int64)
    u, c = pair // n_cats, pair % n_cats
    name_rank = np.empty(n_cats, dtype=np.int64)
    name_rank[np.argsort(names, kind="stable")] = np.arange(n_cats)
    order = np.lexsort((name_rank[c], -n, u))
    u, c, n = u[order], c[order], n[order]
    group_start = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    size = np.diff(np.r_[group_start, len(u)])
    place = np.arange(len(u)) - np.repeat(group_start, size)
    first[u[place == 0]] = c[place == 0]
    span = int(n.max()) + 1

    def item_zh(key: int) -> str:
        return f"{names[key // span]}({key % span})"

    def item_en(key: int) -> str:
        return f"{names[key // span]} ({key % span})"

    # one pass per place (1st, 2nd, 3rd), units in order within each
    for k in range(top):
        sel = place == k
        mask = np.zeros(n_units, dtype=bool)
        mask[u[sel]] = True
        line.add(mask, c[sel] * span + n[sel], item_zh, item_en)
    zh, en = line.done("", "")
    return zh, en, first


def _reasons(
    ev: _Evidence, *, names: ObjectArray, periods: int, freq: str
) -> tuple[Any, Any]:
    """One-line reasons in Chinese and English, built column-wise.

    Clauses in order: the most reported category's streak (else its periods
    in the window), comebacks, reopened, the outside share (50 % or more),
    open cases, the emerging pattern. The English line starts with a capital
    letter.
    """
    top_code, top_seen, top_streak = ev.vol.top_code, ev.vol.top_seen, ev.vol.top_streak
    comebacks = ev.cb.comebacks.astype(np.int64)
    reopened = ev.cb.reopened.astype(np.int64)
    open_now = ev.res.open_now.astype(np.int64)
    n_reports = ev.cb.n_reports.astype(np.int64)
    outside_share = ev.src.outside_share
    has_hotline, has_evaluation = ev.src.has_hotline, ev.src.has_evaluation
    pattern = np.asarray(ev.pattern, dtype=object)
    word_zh, word_en, _ = _period_words(freq)
    line = _Lines(len(top_code), seps=("，", "; "), capital=(False, True))
    # the most reported category: its streak, else its periods in the window
    span = periods + 1
    run = top_streak >= 2
    line.add(
        run,
        top_code[run] * span + top_streak[run],
        lambda k: f"连续{k % span}{word_zh}出现{names[k // span]}",
        lambda k: f"{names[k // span]} reported {k % span} {word_en}s in a row",
        capital=False,  # the category's name as written
    )
    some = ~run & (top_seen >= 1)
    line.add(
        some,
        top_code[some] * span + top_seen[some],
        lambda k: f"近{periods}{word_zh}有{k % span}{word_zh}出现{names[k // span]}",
        lambda k: (
            f"{names[k // span]} reported in {k % span} of the last {periods} "
            f"{word_en}s"
        ),
        capital=False,
    )
    mask = comebacks >= 1
    line.add(
        mask,
        comebacks[mask],
        lambda k: f"{k}起结案后复发",
        lambda k: f"{k} came back after closing",
    )
    mask = reopened >= 1
    line.add(mask, reopened[mask], lambda k: f"{k}起返工", lambda k: f"{k} reopened")
    # who found them: 0 the hotline, 1 the evaluation teams, 2 both
    pct = np.round(100 * np.nan_to_num(outside_share, nan=0.0)).astype(np.int64)
    mask = (pct >= 50) & (n_reports >= 1)
    who = np.where(has_evaluation, np.where(has_hotline, 2, 1), 0)
    zh_hot, zh_eva = labels.SOURCES["hotline"]["zh"], labels.SOURCES["evaluation"]["zh"]
    en_hot, en_eva = "the 12345 hotline", "the evaluation teams"
    who_zh = (zh_hot, zh_eva, f"{zh_hot}和{zh_eva}")
    who_en = (en_hot, en_eva, f"{en_hot} and {en_eva}")
    line.add(
        mask,
        pct[mask] * 3 + who[mask],
        lambda k: f"{k // 3}%来自{who_zh[k % 3]}",
        lambda k: f"{k // 3}% from {who_en[k % 3]}",
    )
    mask = open_now >= 1
    line.add(
        mask, open_now[mask], lambda k: f"{k}起未结案", lambda k: f"{k} still open"
    )
    pattern_keys = list(PATTERN_SEVERITY)
    code = pd.Index(pattern_keys).get_indexer(pd.Index(pattern, dtype=object))
    mask = code >= 0
    line.add(
        mask,
        code[mask],
        lambda k: _PATTERN_ZH[pattern_keys[k]],
        lambda k: _PATTERN_EN[pattern_keys[k]],
    )
    zh, en = line.done(
        f"近{periods}{word_zh}无上报", f"no reports in the last {periods} {word_en}s"
    )
    return zh, en


# -- the steps of blind_spots: per part, then combined ------------------------------
#
# blind_spots(reports) is _combine([_part(reports)]): a part (the whole frame,
# or one partition of a Dask frame, in their order) is reduced to its partial
# aggregates and a slim table of its cases; _combine adds the parts up and
# ranks on the small per-unit table. One code path for both engines.

#: Columns of a part's slim cases (:attr:`BlindSpotsPartial.cases`).
_U: Final = "u"
_T_NS: Final = "t_ns"
_CLOSED_NS: Final = "closed_ns"
_IN_WINDOW: Final = "in_window"
_USABLE: Final = "usable"
_CLOSED: Final = "closed"
_REOPEN: Final = "reopen"
_W: Final = "weight"
_X: Final = "x"
_Y: Final = "y"
_P: Final = "p"
_N: Final = "n"
#: Counts per unit of a part's sums (:attr:`BlindSpotsPartial.sums`).
_SUMS: Final = (
    "open_now",
    "n_reports",
    "reopened",
    "outside",
    "known",
    "n_closed",
    "n_late",
    "hotline",
    "evaluation",
)


@dataclass(frozen=True)
class BlindSpotsPartial:
    """One part's share of the blind-spot ledger (:func:`blind_spots_partial`).

    Counts are true partial aggregates (added up by
    :func:`blind_spots_combine`); what needs all of a unit's cases at once
    (the comeback pairs, which may cross parts and unit borders, the median
    days to close, the weight sums added in the reports' order) is carried as
    a slim table of the part's window reports and usable closures.

    Attributes
    ----------
    sums
        Counts per unit (``u``: the unit's position in ``units``; only units
        with a count): open cases up to ``as_of``, and of the window's
        reports those reported, reopened, from an outside / a known source,
        closed, closed late, from the hotline / the evaluation teams.
    counts
        Window reports (``n``) per unit ``u``, ``category`` (NA kept) and
        window period ``p`` (position among ``labels``).
    cases
        One row per window report or usable closure, in the reports' order:
        ``u``, ``category``, ``t_ns`` and ``closed_ns`` (UTC ns, 0 without
        a close), ``in_window``, ``usable`` (a closure a report can come back
        after), ``closed`` (by ``as_of``), ``reopen``, ``weight`` and, when
        comebacks are measured, ``x``/``y`` (the point in the reports' CRS).
    zone
        x/y (the reports' CRS) of the history reports at the positions the
        metric CRS of the comebacks is chosen from (every ``step``-th of all
        the history, :data:`hotspots._core.crs.ZONE_SAMPLE` at most).
    located
        Whether any history report has finite coordinates, and whether any
        has a geometry.
    left_out
        Reports with no (known) unit, with no time, and all the part's rows.
    n_history
        The part's reports up to ``as_of`` with a known unit.
    crs
        The reports' CRS (None without one).
    geo
        Whether the reports are a GeoDataFrame.
    end
        The ledger's moment (``as_of``), aware.
    labels
        The window's periods.
    n_units
        The number of units.
    options
        The keyword arguments the part was made with.
    """

    sums: pd.DataFrame
    counts: pd.DataFrame
    cases: pd.DataFrame
    zone: FloatArray
    located: tuple[bool, bool]
    left_out: tuple[int, int, int]
    n_history: int
    crs: Any
    geo: bool
    end: pd.Timestamp
    labels: tuple[str, ...]
    n_units: int
    options: Mapping[str, Any]


@dataclass(frozen=True)
class _Window:
    """The ledger's window and the reports of one part it reads (never copied).

    Each quantity is one numpy array over the "history" (every report up to
    ``as_of`` with a unit, for comebacks and open cases) at the positions
    ``rows`` in the reports, or over its part in the window (``w*``).
    """

    end: pd.Timestamp  # as_of
    labels: tuple[str, ...]  # the window's periods
    end_ns: int
    start_ns: int  # start of the window's first period (UTC ns)
    n_units: int
    times: pd.Series  # every report's time, aware in tz
    rows: npt.NDArray[np.intp]  # history: positions in the reports
    hu: IntArray  # unit code per history report
    ht: IntArray  # UTC ns per history report
    in_window: BoolArray  # per history report
    p_code: IntArray  # window period per window report
    wrows: npt.NDArray[np.intp]  # window reports: positions in the reports
    wu: IntArray
    wt: IntArray
    left_out: tuple[int, int, int]  # no unit, no time, rows

    def per_unit(self, mask: npt.ArrayLike | None = None) -> IntArray:
        """Count per unit of the window reports of ``mask``."""
        sel = np.ones(len(self.wu), dtype=bool) if mask is None else np.asarray(mask)
        return np.bincount(self.wu[sel], minlength=self.n_units).astype(np.int64)


def _window_end(times: pd.Series, opts: _Options) -> pd.Timestamp:
    """Return the ledger's moment: ``as_of``, else the latest report (else now)."""
    if opts.as_of is not None:
        return _aware(opts.as_of, opts.tz, "as_of")
    return times.max() if times.notna().any() else pd.Timestamp.now(tz=opts.tz)


def _window(reports: pd.DataFrame, ids: pd.Index, opts: _Options) -> _Window:
    """Step 1: the window's periods and the reports up to ``as_of`` and in it.

    Counts the reports without a known unit or a time (warned about once,
    with the totals, by :func:`_combine`).
    """
    freq, tz = opts.freq, opts.tz
    times = _as_aware(reports[REPORTED_AT], tz)
    end = _window_end(times, opts)
    # as_of exactly at a period's start (e.g. Monday 00:00, the end of the
    # week before) closes the previous period: the window ends with that one
    as_of_label = period_labels(pd.DatetimeIndex([end]), freq=freq, tz=tz)[0]
    last = end
    if period_start([str(as_of_label)], freq=freq, tz=tz)[0] == end:
        last = end - pd.Timedelta(1, "ns")
    window_labels = _window_labels(last, int(opts.periods), freq, tz)
    window_start_ns = int(
        _utc_ns(pd.Series(period_start(window_labels[:1], freq=freq, tz=tz)))[0]
    )
    u_code = positions(reports[opts.unit], ids)
    unassigned = u_code < 0
    no_time = times.isna().to_numpy(dtype=bool) & ~unassigned
    t_all = _utc_ns(times)
    rows = np.flatnonzero((times <= end).to_numpy(dtype=bool) & ~unassigned)
    hu, ht = u_code[rows], t_all[rows]
    # the window's periods, labelled only near the window (a period of a time
    # 3 days before the window's first instant is always an earlier one)
    near = np.flatnonzero(ht >= window_start_ns - 3 * _NS_PER_DAY)
    p_near = _window_periods(times.take(rows[near]), window_labels, freq=freq, tz=tz)
    in_window = np.zeros(len(rows), dtype=bool)
    in_window[near[p_near >= 0]] = True
    return _Window(
        end=end,
        labels=tuple(window_labels),
        end_ns=int(_utc_ns(pd.Series([end]))[0]),
        start_ns=window_start_ns,
        n_units=len(ids),
        times=times,
        rows=rows,
        hu=hu,
        ht=ht,
        in_window=in_window,
        p_code=p_near[p_near >= 0],  # window reports keep the reports' order
        wrows=rows[in_window],
        wu=hu[in_window],
        wt=ht[in_window],
        left_out=(int(unassigned.sum()), int(no_time.sum()), len(times)),
    )


def _warn_left_out(left_out: tuple[int, int, int], *, unit: str) -> None:
    """Warn about reports with no (known) unit or no time, with the counts."""
    n_unassigned, n_no_time, n = left_out
    if n_unassigned or n_no_time:
        warnings.warn(
            f"{n_unassigned + n_no_time} of {n} reports are left out of "
            f"the blind-spot ledger: {n_unassigned} with no unit or a unit not in "
            f"units[{unit!r}], {n_no_time} with no time.",
            ReportsLeftOutWarning,
            stacklevel=4,
        )


@dataclass(frozen=True)
class _Closures:
    """Closes of the history reports as known at ``as_of``."""

    has_close: BoolArray  # a close time, even one after as_of
    closed_ns: IntArray  # UTC ns of the close (0 without)
    closed_later: BoolArray  # closed after as_of: still open then
    closed: BoolArray  # closed by as_of
    usable: BoolArray  # a closure a window report can come back after


def _closures(reports: pd.DataFrame, win: _Window, opts: _Options) -> _Closures:
    """Return the closes as known at as_of (a later close had not happened yet).

    Whether any window report exists at all (else no closure is usable) is
    decided for all the parts by :func:`_combine`.
    """
    if CLOSED_AT in reports.columns:
        closed = reports[CLOSED_AT].take(win.rows)
        has_close = closed.notna().to_numpy(dtype=bool)
        closed_ns = np.where(has_close, _utc_ns(_as_aware(closed, opts.tz)), 0)
    else:
        has_close = np.zeros(len(win.rows), dtype=bool)
        closed_ns = np.zeros(len(win.rows), dtype=np.int64)
    closed_later = has_close & (closed_ns > win.end_ns)
    h_closed = has_close & ~closed_later
    # the closures a window report can come back after
    horizon = int(float(opts.comeback_days) * _NS_PER_DAY)
    usable = h_closed & (closed_ns >= win.start_ns - horizon)
    if CLOSED_AT not in reports.columns:
        usable[:] = False
    return _Closures(has_close, closed_ns, closed_later, h_closed, usable)


def _case_flags(
    reports: pd.DataFrame, rows: npt.NDArray[np.intp], opts: _Options
) -> tuple[BoolArray, FloatArray]:
    """Reopened flag and weight of the reports at ``rows``.

    The weight is the category's in ``category_weights``, else the report's
    ``weight`` (1 when absent or not a number).
    """
    if STATUS in reports.columns:
        reopen = reports[STATUS].take(rows).isin(["reopened"]).to_numpy(bool)
    else:
        reopen = np.zeros(len(rows), dtype=bool)
    if REOPEN_COUNT in reports.columns:
        rc = pd.to_numeric(reports[REOPEN_COUNT].take(rows), errors="coerce")
        reopen = reopen | (rc.fillna(0).to_numpy() > 0)
    weight: FloatArray = (
        pd.to_numeric(reports[WEIGHT].take(rows), errors="coerce")
        .fillna(1.0)
        .to_numpy(dtype=np.float64)
        if WEIGHT in reports.columns
        else np.ones(len(rows))
    )
    if opts.category_weights:
        cats = reports[CATEGORY].take(rows)
        mapped = (
            pd.Series(np.asarray(cats, dtype=object), dtype=object)
            .map(dict(opts.category_weights))
            .astype(float)
            .to_numpy(dtype=np.float64)
        )
        listed = ~np.isnan(mapped) & cats.notna().to_numpy(dtype=bool)
        weight = np.where(listed, mapped, weight)
    return reopen, weight


def _slim_cases(
    reports: pd.DataFrame, win: _Window, close: _Closures, opts: _Options
) -> pd.DataFrame:
    """Return the part's window reports and usable closures, slim, in order."""
    need = win.in_window | close.usable
    rows = win.rows[need]
    reopen, weight = _case_flags(reports, rows, opts)
    cases = pd.DataFrame(
        {
            _U: win.hu[need],
            CATEGORY: reports[CATEGORY].take(rows).reset_index(drop=True),
            _T_NS: win.ht[need],
            _CLOSED_NS: close.closed_ns[need],
            _IN_WINDOW: win.in_window[need],
            _USABLE: close.usable[need],
            _CLOSED: close.closed[need],
            _REOPEN: reopen,
            _W: weight,
        }
    )
    if opts.comeback_distance_m is not None and isinstance(reports, gpd.GeoDataFrame):
        cases[_X], cases[_Y] = geometry_xy(reports.geometry.to_numpy()[rows])
    return cases


def _window_counts(reports: pd.DataFrame, win: _Window) -> pd.DataFrame:
    """Window reports per unit, category (NA kept) and period of the part."""
    cats = reports[CATEGORY].take(win.wrows).reset_index(drop=True)
    code, uniques = pd.factorize(cats, use_na_sentinel=True)
    n_cat, n_per = len(uniques) + 1, max(len(win.labels), 1)
    key = (win.wu * n_cat + (np.asarray(code, dtype=np.int64) + 1)) * n_per
    uniq, first, n = np.unique(key + win.p_code, return_index=True, return_counts=True)
    counts = pd.DataFrame({_U: uniq // (n_cat * n_per)})
    counts[CATEGORY] = cats.take(first).reset_index(drop=True)
    counts[_P] = uniq % n_per
    counts[_N] = n.astype(np.int64)
    return counts


def _unit_sums(
    reports: pd.DataFrame, win: _Window, close: _Closures, opts: _Options
) -> pd.DataFrame:
    """Return the part's counts per unit (:data:`_SUMS`), units with one only."""
    if STATUS in reports.columns:
        is_open = reports[STATUS].isin(_OPEN_STATUSES).to_numpy(dtype=bool)[win.rows]
        is_open = is_open | close.closed_later
    elif CLOSED_AT in reports.columns:
        is_open = ~close.has_close | close.closed_later
    else:
        is_open = np.zeros(len(win.rows), dtype=bool)
    reopen, _ = _case_flags(reports, win.wrows, opts)
    closed = close.closed[win.in_window]
    dur = (close.closed_ns[win.in_window] - win.wt) / _NS_PER_DAY
    outside = known = hotline = evaluation = np.zeros(len(win.wrows), dtype=bool)
    if SOURCE in reports.columns:
        src = reports[SOURCE].take(win.wrows)
        outside = src.isin(OUTSIDE_SOURCES).to_numpy(dtype=bool)
        known = outside | src.isin(OWN_SOURCES).to_numpy(dtype=bool)
        hotline = src.isin(["hotline"]).to_numpy(dtype=bool)
        evaluation = src.isin(["evaluation"]).to_numpy(dtype=bool)
    columns = {
        "open_now": np.bincount(win.hu[is_open], minlength=win.n_units),
        "n_reports": win.per_unit(),
        "reopened": win.per_unit(reopen),
        "outside": win.per_unit(outside),
        "known": win.per_unit(known),
        "n_closed": win.per_unit(closed),
        "n_late": win.per_unit(closed & (dur > float(opts.late_days))),
        "hotline": win.per_unit(hotline),
        "evaluation": win.per_unit(evaluation),
    }
    some = np.zeros(win.n_units, dtype=bool)
    for values in columns.values():
        some |= values > 0
    where = np.flatnonzero(some)
    return pd.DataFrame(
        {_U: where, **{k: v[where].astype(np.int64) for k, v in columns.items()}}
    )


def _zone(
    reports: pd.DataFrame,
    win: _Window,
    opts: _Options,
    history: tuple[int, int] | None,
) -> tuple[FloatArray, tuple[bool, bool]]:
    """Return the points the metric CRS is chosen from, and what is located.

    ``history`` is (position of the part's first history report among all
    of them, their number); None when the part is the whole.
    """
    none = np.zeros((0, 2))
    if (
        opts.comeback_distance_m is None
        or not isinstance(reports, gpd.GeoDataFrame)
        or reports.crs is None
    ):
        return none, (False, False)
    geoms = reports.geometry.to_numpy()[win.rows]
    x, y = geometry_xy(geoms)
    located = (
        bool((np.isfinite(x) & np.isfinite(y)).any()),
        bool((shapely.get_type_id(geoms) >= 0).any()),
    )
    offset, total = (0, len(win.rows)) if history is None else history
    step = -(-total // ZONE_SAMPLE) if total > ZONE_SAMPLE else 1
    first = (-offset) % step
    return np.column_stack((x[first::step], y[first::step])), located


def _part(
    reports: pd.DataFrame,
    ids: pd.Index,
    opts: _Options,
    history: tuple[int, int] | None,
) -> tuple[BlindSpotsPartial, _Window]:
    """Reduce one part of the reports (``opts.as_of`` None: the part is whole)."""
    win = _window(reports, ids, opts)
    close = _closures(reports, win, opts)
    zone, located = _zone(reports, win, opts, history)
    part = BlindSpotsPartial(
        sums=_unit_sums(reports, win, close, opts),
        counts=_window_counts(reports, win),
        cases=_slim_cases(reports, win, close, opts),
        zone=zone,
        located=located,
        left_out=win.left_out,
        n_history=len(win.rows),
        crs=getattr(reports, "crs", None),
        geo=isinstance(reports, gpd.GeoDataFrame),
        end=win.end,
        labels=win.labels,
        n_units=len(ids),
        options=_part_options(opts, win.end),
    )
    return part, win


def _part_options(opts: _Options, end: pd.Timestamp) -> dict[str, Any]:
    """Return the options a part is made with (``as_of`` resolved)."""
    return {
        "unit": opts.unit,
        "periods": opts.periods,
        "as_of": end,
        "freq": opts.freq,
        "comeback_days": opts.comeback_days,
        "comeback_distance_m": opts.comeback_distance_m,
        "late_days": opts.late_days,
        "category_weights": opts.category_weights,
        "tz": opts.tz,
    }


@dataclass(frozen=True)
class _Combined:
    """All the parts' cases and per-unit counts, laid out for the steps."""

    n_units: int
    labels: tuple[str, ...]
    sums: dict[str, IntArray]
    counts: pd.DataFrame  # u, c (global category code, -1 NA), p, n
    cases: pd.DataFrame
    uniques: pd.Index  # the category of each code
    names: ObjectArray  # the same, as text
    key: IntArray  # unit and category (NA: 0) of each case
    window: BoolArray  # per case
    wu: IntArray  # unit of each window case
    parts: tuple[BlindSpotsPartial, ...]


def _combined(parts: Sequence[BlindSpotsPartial]) -> _Combined:
    """Add the parts' counts up and lay their cases out in the reports' order."""
    first = parts[0]
    n_units = first.n_units
    # parts without cases are left out (an empty frame would set the dtypes)
    cases = pd.concat(
        [p.cases for p in parts if len(p.cases)] or [first.cases], ignore_index=True
    )
    window = cases[_IN_WINDOW].to_numpy(dtype=bool)
    if not window.any():  # no report to come back: no closure is usable
        cases = cases.iloc[:0]
        window = window[:0]
    code, uniques = pd.factorize(cases[CATEGORY], use_na_sentinel=True)
    code = np.asarray(code, dtype=np.int64)
    names = np.asarray(pd.Index(uniques).astype(str), dtype=object)
    u = cases[_U].to_numpy(dtype=np.int64)
    sums = {k: np.zeros(n_units, dtype=np.int64) for k in _SUMS}
    for p in parts:
        at = p.sums[_U].to_numpy(dtype=np.int64)
        for k in _SUMS:
            sums[k][at] += p.sums[k].to_numpy(dtype=np.int64)
    counts = pd.concat([p.counts for p in parts], ignore_index=True)
    c = pd.Index(uniques).get_indexer(counts[CATEGORY]).astype(np.int64)
    c[counts[CATEGORY].isna().to_numpy(dtype=bool)] = -1
    return _Combined(
        n_units=n_units,
        labels=first.labels,
        sums=sums,
        counts=pd.DataFrame(
            {
                _U: counts[_U].to_numpy(dtype=np.int64),
                "c": c,
                _P: counts[_P].to_numpy(dtype=np.int64),
                _N: counts[_N].to_numpy(dtype=np.int64),
            }
        ),
        cases=cases,
        uniques=pd.Index(uniques),
        names=names,
        key=u * (len(names) + 1) + (code + 1),
        window=window,
        wu=u[window],
        parts=tuple(parts),
    )


@dataclass(frozen=True)
class _Recurrence:
    """Step 2: periods of the window with a report, and the current streak."""

    seen: IntArray
    streak: IntArray


def _recurrence(comb: _Combined) -> _Recurrence:
    """Periods with a report per unit, and the run ending with the last one."""
    present = np.zeros((comb.n_units, len(comb.labels)), dtype=bool)
    present[comb.counts[_U].to_numpy(), comb.counts[_P].to_numpy()] = True
    return _Recurrence(present.sum(axis=1).astype(np.int64), _runs_from_end(present))


@dataclass(frozen=True)
class _Comeback:
    """Step 3: reopened reports and closed problems that came back."""

    reopened: FloatArray
    comebacks: FloatArray
    n_reports: FloatArray
    comeback_share: FloatArray


def _case_xy(comb: _Combined, positions: npt.NDArray[np.intp]) -> FloatArray:
    """x/y in metres of the cases at ``positions``; NaN if unknown.

    Measured in the one metric CRS (:func:`hotspots._core.crs.metric_crs_for`)
    of all the history reports (the parts' ``zone`` sample, taken as that
    function takes it from the whole): the CRS, and so each point's x/y, do
    not depend on which cases are asked for. Reports without a CRS are taken
    as already metric.
    """
    first = comb.parts[0]
    xy = np.full((len(positions), 2), np.nan)
    if not first.geo or not any(p.n_history for p in comb.parts):
        return xy
    x = comb.cases[_X].to_numpy(dtype=np.float64)[positions]
    y = comb.cases[_Y].to_numpy(dtype=np.float64)[positions]
    if first.crs is None:
        xy[:, 0], xy[:, 1] = x, y
        return xy
    if not any(any(p.located) for p in comb.parts):
        return xy  # no location at all: nothing to measure
    zone = np.concatenate([p.zone for p in comb.parts])
    metric = metric_crs_for_xy(zone[:, 0], zone[:, 1], crs=first.crs)
    xy[:, 0], xy[:, 1] = project_xy(x, y, first.crs, metric)
    return xy


def _comeback(comb: _Combined, opts: _Options) -> _Comeback:
    """Reopened window reports and those that came back after a close."""
    cases, window = comb.cases, comb.window
    usable = cases[_USABLE].to_numpy(dtype=bool)
    left_pos, right_pos = np.flatnonzero(window), np.flatnonzero(usable)
    distance = opts.comeback_distance_m
    came_back = _comebacks(
        left_key=comb.key[window],
        left_t=cases[_T_NS].to_numpy(dtype=np.int64)[window],
        right_key=comb.key[usable],
        right_closed=cases[_CLOSED_NS].to_numpy(dtype=np.int64)[usable],
        locate=lambda li, ri: _case_xy(
            comb, np.concatenate([left_pos[li], right_pos[ri]])
        ),
        days=float(opts.comeback_days),
        distance_m=None if distance is None else float(distance),
    )
    reopen = cases[_REOPEN].to_numpy(dtype=bool)[window]
    n_reports = comb.sums["n_reports"].astype(np.float64)
    back = np.bincount(comb.wu[reopen | came_back], minlength=comb.n_units)
    comeback_share = np.divide(
        back.astype(np.float64),
        n_reports,
        out=np.full(comb.n_units, np.nan),
        where=n_reports > 0,
    )
    return _Comeback(
        reopened=comb.sums["reopened"].astype(np.float64),
        comebacks=np.bincount(comb.wu[came_back], minlength=comb.n_units).astype(
            np.float64
        ),
        n_reports=n_reports,
        comeback_share=comeback_share,
    )


@dataclass(frozen=True)
class _Resolution:
    """Step 4: open cases, and how fast and how late the window's closed."""

    open_now: FloatArray
    median_close: FloatArray
    share_late: FloatArray


def _resolution(comb: _Combined) -> _Resolution:
    """Open cases up to as_of, median days to close, share closed late."""
    n_units = comb.n_units
    median_close = np.full(n_units, np.nan)
    cases = comb.cases[comb.window]
    has_close = cases[_CLOSED].to_numpy(dtype=bool)
    if has_close.any():
        dur = (
            cases[_CLOSED_NS].to_numpy(dtype=np.int64)
            - cases[_T_NS].to_numpy(dtype=np.int64)
        ) / _NS_PER_DAY
        frame = pd.DataFrame({"u": comb.wu[has_close], "d": dur[has_close]})
        med = frame.groupby("u")["d"].median()
        median_close[med.index.to_numpy(dtype=np.int64)] = med.to_numpy()
    n_closed = comb.sums["n_closed"].astype(np.float64)
    share_late = np.divide(
        comb.sums["n_late"].astype(np.float64),
        n_closed,
        out=np.full(n_units, np.nan),
        where=n_closed > 0,
    )
    return _Resolution(
        comb.sums["open_now"].astype(np.float64), median_close, share_late
    )


@dataclass(frozen=True)
class _Sources:
    """Step 5: who finds the problems, per unit and in the whole window."""

    outside_share: FloatArray
    baseline: float  # the outside share of all the window's reports
    has_hotline: BoolArray
    has_evaluation: BoolArray


def _sources(comb: _Combined) -> _Sources:
    """Share of reports from the hotline and evaluation teams, and the baseline."""
    outside = comb.sums["outside"].astype(np.float64)
    n_known = comb.sums["known"].astype(np.float64)
    outside_share = np.divide(
        outside, n_known, out=np.full(comb.n_units, np.nan), where=n_known > 0
    )
    total = int(comb.sums["known"].sum())
    baseline = float(int(comb.sums["outside"].sum()) / total) if total else 0.0
    return _Sources(
        outside_share,
        baseline,
        comb.sums["hotline"] > 0,
        comb.sums["evaluation"] > 0,
    )


@dataclass(frozen=True)
class _Volume:
    """Step 6: weighted count and the category mix, with the top category's run."""

    weighted: FloatArray
    top_text: Any  # "占道经营(5)、乱停车(3)" per unit
    top_text_en: Any
    top_code: IntArray  # code of the most reported category (-2: none)
    top_seen: IntArray  # periods with a report of it
    top_streak: IntArray  # its run ending with the last period
    top_name: ObjectArray  # its name ("" if none)


def _volume(comb: _Combined) -> _Volume:
    """Weighted report count, top categories, and the top one's periods/streak.

    The weights are added in the reports' order (the parts' cases laid end
    to end), so the sums are those of the whole frame.
    """
    weight = comb.cases[_W].to_numpy(dtype=np.float64)[comb.window]
    counts = comb.counts
    cu, cc = counts[_U].to_numpy(), counts["c"].to_numpy()
    top_text, top_text_en, top_code = _top_categories(
        cu, cc, counts[_N].to_numpy(), comb.names, comb.n_units
    )
    # the most reported category: its own periods and streak (the reason's)
    is_top = cc == top_code[cu]
    top_present = np.zeros((comb.n_units, len(comb.labels)), dtype=bool)
    top_present[cu[is_top], counts[_P].to_numpy()[is_top]] = True
    return _Volume(
        weighted=np.bincount(comb.wu, weights=weight, minlength=comb.n_units).astype(
            np.float64
        ),
        top_text=top_text,
        top_text_en=top_text_en,
        top_code=top_code,
        top_seen=top_present.sum(axis=1).astype(np.int64),
        top_streak=_runs_from_end(top_present),
        top_name=np.append(comb.names, "").astype(object)[
            np.where(top_code >= 0, top_code, -1)
        ],
    )


def _patterns(
    reports: pd.DataFrame, units: gpd.GeoDataFrame, win: _Window, opts: _Options
) -> ObjectArray:
    """Each unit's emerging pattern: from ``emerging``, else computed (warned)."""
    if opts.emerging is None:
        _warn_recomputed()
        return _emerging_patterns(
            reports.iloc[win.rows],
            win.times.take(win.rows),
            units,
            unit=opts.unit,
            freq=opts.freq,
            tz=opts.tz,
        )
    return _given_patterns(units, opts)


def _given_patterns(units: gpd.GeoDataFrame, opts: _Options) -> ObjectArray:
    """Each unit's pattern from ``emerging`` (``"no_pattern"`` where it has none)."""
    emerging, unit = opts.emerging, opts.unit
    ids = pd.Index(units[unit])
    em_ids = pd.Index(emerging[unit])
    pat_values = emerging[PATTERN].to_numpy(dtype=object)
    if not em_ids.equals(ids):
        pat = pd.Series(pat_values, index=em_ids)
        pat = pat[~pat.index.duplicated()]
        pat_values = pat.reindex(ids).to_numpy(dtype=object)
    patterns: ObjectArray = np.where(pd.isna(pat_values), _NO_PATTERN, pat_values)
    return patterns


def _combine(
    parts: Sequence[BlindSpotsPartial],
    units: gpd.GeoDataFrame,
    opts: _Options,
    patterns: Callable[[], ObjectArray],
) -> gpd.GeoDataFrame:
    """Add the parts up and rank (warns once about the reports left out)."""
    left_out = tuple(sum(p.left_out[k] for p in parts) for k in range(3))
    _warn_left_out((left_out[0], left_out[1], left_out[2]), unit=opts.unit)
    comb = _combined(parts)
    ev = _Evidence(
        rec=_recurrence(comb),
        cb=_comeback(comb, opts),
        res=_resolution(comb),
        src=_sources(comb),
        vol=_volume(comb),
        pattern=patterns(),
    )
    return _ledger(units, ev, parts[0], comb.names, opts)


@dataclass(frozen=True)
class _Evidence:
    """Every step's result, for the score, the reasons and the columns."""

    rec: _Recurrence
    cb: _Comeback
    res: _Resolution
    src: _Sources
    vol: _Volume
    pattern: ObjectArray

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """Return the evidence columns of the ledger, in their order."""
        return {
            PERIODS_WITH_REPORTS: self.rec.seen,
            CURRENT_STREAK: self.rec.streak,
            PATTERN: self.pattern,
            REOPENED: self.cb.reopened.astype(np.int64),
            COMEBACKS: self.cb.comebacks.astype(np.int64),
            COMEBACK_SHARE: self.cb.comeback_share,
            OPEN_NOW: self.res.open_now.astype(np.int64),
            MEDIAN_DAYS_TO_CLOSE: self.res.median_close,
            SHARE_CLOSED_LATE: self.res.share_late,
            OUTSIDE_SHARE: self.src.outside_share,
            N_REPORTS: self.cb.n_reports.astype(np.int64),
            WEIGHTED_COUNT: self.vol.weighted,
            TOP_CATEGORIES: self.vol.top_text,
            TOP_CATEGORIES_EN: self.vol.top_text_en,
            TOP_CATEGORY: _text_column(
                pa.array(self.vol.top_name.tolist(), type=pa.large_string())
            ),
            TOP_CATEGORY_PERIODS: self.vol.top_seen,
            TOP_CATEGORY_STREAK: self.vol.top_streak,
        }


def _score(
    ev: _Evidence, columns: Mapping[str, Any], units: gpd.GeoDataFrame, opts: _Options
) -> FloatArray:
    """Return the blind-spot score of each unit (0 for units without reports)."""
    text_columns = (PATTERN, TOP_CATEGORIES, TOP_CATEGORIES_EN, TOP_CATEGORY)
    frame = pd.DataFrame(
        {k: v for k, v in columns.items() if k not in text_columns},
        index=units.index,
    )
    frame[PATTERN] = pd.Series(ev.pattern, index=units.index, dtype=object)
    score = blind_spot_score(
        frame,
        periods=int(opts.periods),
        weights=opts.weights,
        outside_baseline=ev.src.baseline,
    ).to_numpy()
    # units without any report up to as_of carry no evidence at all
    any_report = (ev.cb.n_reports > 0) | (ev.res.open_now > 0)
    return np.asarray(np.where(any_report, score, 0.0), dtype=np.float64)


def _ledger(
    units: gpd.GeoDataFrame,
    ev: _Evidence,
    win: BlindSpotsPartial,
    names: ObjectArray,
    opts: _Options,
) -> gpd.GeoDataFrame:
    """Return the ranked ledger: the units, the evidence, score, rank, reasons."""
    ids = pd.Index(units[opts.unit])
    columns = ev.columns()
    score = _score(ev, columns, units, opts)
    order = np.lexsort((_text_rank(ids), -ev.cb.n_reports, -ev.vol.weighted, -score))
    rank = np.empty(win.n_units, dtype=np.int64)
    rank[order] = np.arange(1, win.n_units + 1)
    reason_zh, reason_en = _reasons(
        ev, names=names, periods=int(opts.periods), freq=opts.freq
    )
    out = units.copy()
    for col, values in columns.items():
        out[col] = values
    out[SCORE] = score
    out[RANK] = rank
    out[REASON_ZH] = reason_zh
    out[REASON_EN] = reason_en
    if opts.hour_profile is not None:
        peaks = peak_windows(opts.hour_profile, hours=int(opts.peak_hours))
        _join_peaks(out, opts.unit, peaks)
    # ranked: rank 1 first; the index (the units' own) stays the identity
    out = out.iloc[order]
    out.attrs.update(
        as_of=win.end.isoformat(),
        periods=list(win.labels),
        comeback_days=float(opts.comeback_days),
        comeback_distance_m=opts.comeback_distance_m,
        late_days=float(opts.late_days),
        freq=opts.freq,
        outside_baseline=ev.src.baseline,
    )
    return out


# -- the public entry ----------------------------------------------------------------


def blind_spots(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str = GRID_ID,
    periods: int = 8,
    as_of: TimeLike | None = None,
    freq: str = "W-MON",
    comeback_days: float = 14,
    comeback_distance_m: float | None = 20.0,
    late_days: float = 7.0,
    weights: BlindSpotWeights | None = None,
    category_weights: Mapping[str, float] | None = None,
    emerging: pd.DataFrame | None = None,
    tz: str = DEFAULT_TZ,
    hour_profile: HourProfile | None = None,
    peak_hours: int = 3,
) -> gpd.GeoDataFrame:
    """Rank the units by how much they need a patrol, with the evidence and why.

    Parameters
    ----------
    reports
        Reports joined to their units (output of :func:`hotspots.assign`):
        ``unit``, ``reported_at`` and ``category`` are required; ``status``,
        ``closed_at``, ``source``, ``reopen_count`` and ``weight`` are used
        when present (a missing one contributes no evidence). Reports without
        a unit, with a unit not in ``units`` or without a time are left out
        with a :class:`~hotspots.errors.ReportsLeftOutWarning`. Not modified.
    units
        GeoDataFrame of the units with the id column ``unit``. Not modified;
        the result keeps its index, row order, columns and CRS.
    unit
        The id column (``"grid_id"``, ``"segment_id"``, ...).
    periods
        The window: the last ``periods`` periods up to ``as_of`` (default 8
        weeks). Recurrence, comebacks, resolution, sources and volume are
        counted over the reports in the window.
    as_of
        The moment of the ledger (a timestamp, naive = ``tz``); default the
        time of the latest report. Reports filed after it are ignored, and
        closes after it had not happened yet. The window ends with the period
        containing ``as_of``, or with the period before when ``as_of`` is
        exactly a period's start (Monday 00:00 for weeks: the exclusive end
        of the previous week).
    freq
        The period: ``"W-MON"`` (weeks from Monday, default), another
        ``"W-XXX"``, ``"D"`` or ``"MS"`` (as :func:`hotspots.space_time_cube`).
    comeback_days
        A report comes back when a report of the same category at the same
        unit, at the same place, was closed at most this many days before it
        (default 14).
    comeback_distance_m
        "The same place": the two reports lie at most this many metres apart
        (default 20 m, a shop front or a corner; measured in the local UTM
        zone). None counts any place in the unit, which in a busy cell makes
        nearly every report a comeback.
    late_days
        A report is closed late when it took more than this many days
        (default 7).
    weights
        Weights of the score's terms (default :class:`BlindSpotWeights`).
    category_weights
        Weight per category name (e.g. the evaluation points a problem costs)
        for ``weighted_count``; categories not listed use the report's
        ``weight`` column (1 when absent).
    emerging
        A result of :func:`hotspots.emerging_hotspots` on the same units to
        take the pattern from; pass the one you already computed (the weekly
        job does). None makes this function run
        :func:`hotspots.emerging_hotspots` itself on the reports (all their
        periods up to ``as_of``) with the weights of
        :func:`hotspots.spatial.weights.default_weights` (network adjacency
        for street segments with end-node columns ``u`` and ``v``, else
        queen contiguity), and say so once per process with a
        :class:`StepRecomputedWarning`.
    tz
        The timezone of the calendar (the config's, default Asia/Shanghai).
    hour_profile
        Hour-of-week profiles of the same units
        (:func:`hotspots.stats.profiles.hour_of_week_profile` with ``unit=unit``):
        each unit's densest window of ``peak_hours`` hours is joined to the
        ledger (:func:`hotspots.stats.profiles.peak_windows`). None (default) adds
        nothing: the ledger is exactly as without profiles.
    peak_hours
        Length of the peak window in whole hours, 1 to 24 (default 3, e.g.
        "周五至周日 18:00-21:00"); used only with ``hour_profile``.

    Returns
    -------
    geopandas.GeoDataFrame
        The ledger, **sorted by rank** (rank 1, the most urgent, first; so
        ``ledger.head(30)`` is the top 30): one row per unit, each keeping
        its index label from ``units`` (the index is the unit's identity;
        ``ledger.reindex(units.index)`` or ``ledger.sort_index()`` gives the
        units' order back), with ``units``' columns and CRS and the evidence
        columns

        - ``periods_with_reports``: periods of the window with a report;
        - ``current_streak``: consecutive periods with a report up to the last
          period of the window;
        - ``pattern``: the emerging hot spot pattern;
        - ``reopened``: window reports with status ``reopened`` or a
          ``reopen_count`` above 0;
        - ``comeback_share``: share of the window reports that reopened or
          came back (NaN without reports);
        - ``comebacks``: window reports of a category that was closed at the
          same unit, within ``comeback_distance_m``, at most
          ``comeback_days`` before;
        - ``open_now``: reports up to ``as_of`` (any time) whose status is
          open, dispatched or reopened;
        - ``median_days_to_close``: median days from report to close of the
          closed window reports (NaN if none);
        - ``share_closed_late``: share of the closed window reports that took
          more than ``late_days`` (NaN if none closed);
        - ``outside_share``: share of the window reports from the hotline or
          the evaluation teams among those from a known source (inspector,
          camera, hotline, evaluation; NaN if none);
        - ``n_reports``, ``weighted_count``: window reports, and their sum
          of weights;
        - ``top_categories`` / ``top_categories_en``: the three most reported
          categories of the window with their counts, e.g.
          ``"暴露垃圾(12)、道路不洁(6)"`` / ``"暴露垃圾 (12), 道路不洁 (6)"``
          (names as written; ``""`` without reports);
        - ``top_category``: the most reported category (``""`` if none);
          ``top_category_periods``: periods of the window with a report of
          it; ``top_category_streak``: its consecutive periods up to the last
          one (the numbers the reason's first clause speaks of);
        - with ``hour_profile`` only: ``peak_window_zh`` / ``peak_window_en``
          (the peak window in words, "周五至周日 18:00-21:00" / "Fri-Sun
          18:00-21:00"), ``peak_start_min`` and ``peak_end_min`` (clock
          minutes after midnight, the end may pass 1440), ``peak_days``
          (weekdays, Monday = 0, "4,5,6") and ``peak_share`` (the unit's
          share of its week in the window on those days); NA for a unit the
          profile does not have;

        then ``score`` (0..100, :func:`blind_spot_score`), ``rank`` (1 = most
        urgent; ties broken by weighted count, number of reports, then unit
        id; units without reports come last) and the one-line ``reason_zh``
        and ``reason_en`` (every word in the language, category names as
        written). A popup or a sheet that shows these columns shows exactly
        the ledger's numbers. ``result.attrs`` holds ``as_of``, ``periods``
        (the window's labels) and the parameters.

    Raises
    ------
    TypeError
        When ``reports`` is not a DataFrame or ``units`` not a GeoDataFrame.
    InputError
        When a column is missing, ids repeat or an argument is out of range.

    Warns
    -----
    hotspots.errors.ReportsLeftOutWarning
        When reports have no unit, a unit not in ``units`` or no time (with
        the counts).
    StepRecomputedWarning
        Once per process, when ``emerging`` is None and the pattern is
        computed here.

    References
    ----------
    .. [1] 中央文明办, 《全国文明城市测评体系》 (the evaluation that makes the
       hotline and the evaluation teams' findings count).
    .. [2] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works" (the
       pattern).

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
    >>> t = pd.date_range("2026-10-05 09:00", periods=6, freq="7D", tz="Asia/Shanghai")
    >>> reports = gpd.GeoDataFrame(
    ...     {
    ...         "reported_at": t,
    ...         "category": "占道经营",
    ...         "status": "closed",
    ...         "closed_at": t + pd.Timedelta(hours=20),
    ...         "source": "hotline",
    ...         "grid_id": "a",
    ...     },
    ...     geometry=[Point(50, 50)] * 6,
    ...     crs="EPSG:32651",
    ... )
    >>> from hotspots import emerging_hotspots
    >>> emerging = emerging_hotspots(reports, cells, weights="queen")
    >>> ledger = blind_spots(reports, cells, periods=6, emerging=emerging)
    >>> ledger.loc[0, ["rank", "current_streak", "comebacks"]].tolist()
    [1, 6, 5]
    >>> ledger.loc[0, "reason_zh"]  # the last one closes after as_of
    '连续6周出现占道经营，5起结案后复发，100%来自12345热线，1起未结案'
    """
    opts = _Options(
        unit=unit,
        periods=periods,
        as_of=as_of,
        freq=freq,
        comeback_days=comeback_days,
        comeback_distance_m=comeback_distance_m,
        late_days=late_days,
        weights=weights,
        category_weights=category_weights,
        emerging=emerging,
        tz=tz,
        hour_profile=hour_profile,
        peak_hours=peak_hours,
    )
    _validate(reports, units, opts)
    part, win = _part(reports, pd.Index(units[unit]), opts, None)
    patterns = functools.partial(_patterns, reports, units, win, opts)
    return _combine([part], units, opts, patterns)


def blind_spots_extent(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str = GRID_ID,
    as_of: TimeLike | None = None,
    tz: str = DEFAULT_TZ,
) -> tuple[pd.Timestamp | None, int]:
    """Return a part's latest report time and its number of history reports.

    What the parts of a partitioned ledger need to know of all the reports
    before :func:`blind_spots_partial` runs on each: the ledger's moment
    (``as_of``, else the latest report of all the parts) and where each
    part's history reports (those up to ``as_of`` with a unit of ``units``)
    start among all of them.

    Parameters
    ----------
    reports
        One part of the reports (or all of them), as :func:`blind_spots`
        takes them.
    units, unit, tz
        As in :func:`blind_spots`.
    as_of
        The ledger's moment; None counts every report with a time.

    Returns
    -------
    tuple
        The latest report time (aware in ``tz``; None without any time) and
        the number of history reports.

    Raises
    ------
    TypeError, InputError
        As :func:`blind_spots`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame({"grid_id": ["a"]}, geometry=[box(0, 0, 1, 1)])
    >>> reports = pd.DataFrame({
    ...     "grid_id": ["a", "a", None], "category": "乱停车",
    ...     "reported_at": pd.to_datetime(["2026-11-02", "2026-11-09", "2026-11-10"])})
    >>> blind_spots_extent(reports, cells)
    (Timestamp('2026-11-10 00:00:00+0800', tz='Asia/Shanghai'), 2)
    """
    opts = _part_opts(unit=unit, as_of=as_of, tz=tz)
    _validate(reports, units, opts)
    times = _as_aware(reports[REPORTED_AT], tz)
    known = positions(reports[unit], pd.Index(units[unit])) >= 0
    up_to = times.notna() if as_of is None else times <= _window_end(times, opts)
    latest = times.max() if times.notna().any() else None
    return latest, int((up_to.to_numpy(dtype=bool) & known).sum())


def _part_opts(
    *,
    unit: str = GRID_ID,
    periods: int = 8,
    as_of: TimeLike | None = None,
    freq: str = "W-MON",
    comeback_days: float = 14,
    comeback_distance_m: float | None = 20.0,
    late_days: float = 7.0,
    category_weights: Mapping[str, float] | None = None,
    tz: str = DEFAULT_TZ,
) -> _Options:
    """:func:`blind_spots_partial`'s options (the ranking's at their defaults)."""
    return _Options(
        unit=unit,
        periods=periods,
        as_of=as_of,
        freq=freq,
        comeback_days=comeback_days,
        comeback_distance_m=comeback_distance_m,
        late_days=late_days,
        weights=None,
        category_weights=category_weights,
        emerging=None,
        tz=tz,
        hour_profile=None,
        peak_hours=3,
    )


def blind_spots_partial(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str = GRID_ID,
    periods: int = 8,
    as_of: TimeLike | None = None,
    freq: str = "W-MON",
    comeback_days: float = 14,
    comeback_distance_m: float | None = 20.0,
    late_days: float = 7.0,
    category_weights: Mapping[str, float] | None = None,
    tz: str = DEFAULT_TZ,
    history: tuple[int, int] | None = None,
) -> BlindSpotsPartial:
    """Return one part's partial aggregates, for :func:`blind_spots_combine`.

    The per-unit aggregation of :func:`blind_spots`, cut so that parts of the
    reports (partitions of a Dask frame, in their order) are reduced apart
    and combined: ``blind_spots(reports, units, emerging=e)`` is
    ``blind_spots_combine([blind_spots_partial(reports, units)], units,
    emerging=e)``. Counts per unit and per unit, category and period are
    partial sums; the window's reports and the closures they can come back
    after travel as a slim table (:class:`BlindSpotsPartial`), since the
    comeback pairs (which cross parts and unit borders), the medians and the
    weight sums need all of them.

    Parameters
    ----------
    reports
        One part of the reports, as :func:`blind_spots` takes them.
    units, unit, periods, freq, comeback_days, comeback_distance_m, late_days
        As in :func:`blind_spots`.
    category_weights, tz
        As in :func:`blind_spots`.
    as_of
        The ledger's moment, the same for every part (None: the latest
        report of ``reports``, right only when the part is the whole; see
        :func:`blind_spots_extent`).
    history
        The position of the part's first history report among those of all
        the parts, and their number (:func:`blind_spots_extent` of each
        part); the metric CRS of the comebacks is chosen from a sample of all
        of them. None: the part is the whole.

    Returns
    -------
    BlindSpotsPartial
        The part's counts and slim cases.

    Raises
    ------
    TypeError, InputError
        As :func:`blind_spots`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame({"grid_id": ["a"]}, geometry=[box(0, 0, 1, 1)])
    >>> reports = pd.DataFrame({
    ...     "grid_id": ["a", "a"], "category": "乱停车",
    ...     "reported_at": pd.to_datetime(["2026-11-03 09:00", "2026-11-10 09:00"])})
    >>> part = blind_spots_partial(reports, cells, periods=2)
    >>> part.sums[["u", "n_reports"]].to_dict("records")
    [{'u': 0, 'n_reports': 2}]
    """
    opts = _part_opts(
        unit=unit,
        periods=periods,
        as_of=as_of,
        freq=freq,
        comeback_days=comeback_days,
        comeback_distance_m=comeback_distance_m,
        late_days=late_days,
        category_weights=category_weights,
        tz=tz,
    )
    _validate(reports, units, opts)
    problems = []
    if history is not None and not (
        isinstance(history, tuple)
        and len(history) == 2
        and all(isinstance(v, int | np.integer) and v >= 0 for v in history)
    ):
        problems.append(
            "history must be None or (first, total), two whole numbers >= 0, got "
            f"{history!r}. Pass the positions blind_spots_extent gives, or None "
            "for the whole of the reports."
        )
    collect_problems(problems, "blind_spots_partial")
    return _part(reports, pd.Index(units[unit]), opts, history)[0]


def blind_spots_combine(
    parts: Sequence[BlindSpotsPartial],
    units: gpd.GeoDataFrame,
    *,
    emerging: pd.DataFrame,
    weights: BlindSpotWeights | None = None,
    hour_profile: HourProfile | None = None,
    peak_hours: int = 3,
) -> gpd.GeoDataFrame:
    """Combine the parts' partial aggregates into the ranked ledger.

    The counts are added, the parts' cases laid end to end in the reports'
    order (the comebacks, the medians and the weight sums are computed on
    them), then the evidence is scored and ranked once, on the small table
    per unit, exactly as :func:`blind_spots` does.

    Parameters
    ----------
    parts
        :func:`blind_spots_partial` of each part of the reports, in their
        order, all made with the same arguments and units.
    units
        The units the parts were made with.
    emerging
        The emerging hot spot patterns of the units (as in
        :func:`blind_spots`; here it is not computed).
    weights, hour_profile, peak_hours
        As in :func:`blind_spots`.

    Returns
    -------
    geopandas.GeoDataFrame
        What :func:`blind_spots` returns for the whole of the reports.

    Raises
    ------
    TypeError
        When ``units`` is not a GeoDataFrame or ``hour_profile`` not an
        HourProfile.
    InputError
        When ``parts`` is empty or its parts were made differently or with
        other units, or an argument is out of range.

    Warns
    -----
    hotspots.errors.ReportsLeftOutWarning
        As :func:`blind_spots`, with the totals of all the parts.
    """
    good = (
        isinstance(parts, Sequence)
        and len(parts) > 0
        and all(isinstance(p, BlindSpotsPartial) for p in parts)
    )
    if not good or len({(repr(p.options), p.n_units, p.geo) for p in parts}) != 1:
        msg = (
            "parts must be a non-empty list of blind_spots_partial results made "
            "with the same arguments and units. Make them all with the same "
            "arguments."
        )
        raise InputError(msg)
    given = dict(parts[0].options)
    opts = _Options(
        **given,
        weights=weights,
        emerging=emerging,
        hour_profile=hour_profile,
        peak_hours=peak_hours,
    )
    _check_types(units, opts)
    problems = [
        *_check_units(units, opts.unit),
        *_check_weights(weights, None),
        *_check_emerging(emerging, opts.unit),
        *_check_calendar(opts),
    ]
    if emerging is None:
        problems.append(
            "emerging must be the result of hotspots.emerging_hotspots on the "
            "units, got None. Pass emerging=hotspots.emerging_hotspots(cube, "
            "units, unit=...)."
        )
    if len(units) != parts[0].n_units:
        problems.append(
            f"units must be the {parts[0].n_units} units the parts were made "
            f"with, got {len(units)}. Pass the same units."
        )
    collect_problems(problems, "blind_spots_combine")
    patterns = functools.partial(_given_patterns, units, opts)
    return _combine(parts, units, opts, patterns)


def _join_peaks(out: gpd.GeoDataFrame, unit: str, peaks: pd.DataFrame) -> None:
    """Add each unit's peak window (NA where the profile has no such unit)."""
    pos = pd.Index(peaks.index).get_indexer(pd.Index(out[unit]))
    found = pos >= 0
    take = np.where(found, pos, 0)
    for col in (PEAK_WINDOW_ZH, PEAK_WINDOW_EN, PEAK_DAYS):
        text = pd.array(peaks[col].to_numpy(dtype=object)[take], dtype="string")
        text[~found] = pd.NA
        out[col] = text
    for col in (PEAK_START_MIN, PEAK_END_MIN):
        whole = pd.array(peaks[col].to_numpy(dtype=np.int64)[take], dtype="Int64")
        whole[~found] = pd.NA
        out[col] = whole
    out[PEAK_SHARE] = np.where(
        found, peaks[PEAK_SHARE].to_numpy(dtype=np.float64)[take], np.nan
    )


def _emerging_patterns(
    history: pd.DataFrame,
    times: pd.Series,
    units: gpd.GeoDataFrame,
    *,
    unit: str,
    freq: str,
    tz: str,
) -> npt.NDArray[np.object_]:
    """Patterns from :func:`hotspots.emerging_hotspots` on the reports so far."""
    from ..stats.emerging import emerging_hotspots

    n = len(units)
    if history.empty or len(set(period_labels(times, freq=freq, tz=tz))) < 2:
        return np.full(n, _NO_PATTERN, dtype=object)
    kind = default_weights(units)
    cols = [c for c in history.columns if not c.startswith("_")]
    reports = history[cols]
    with warnings.catch_warnings():
        # weights islands are no news to the ledger
        warnings.simplefilter("ignore", IslandsWarning)
        res = emerging_hotspots(reports, units, unit=unit, freq=freq, weights=kind)
    patterns: npt.NDArray[np.object_] = res[PATTERN].to_numpy(dtype=object)
    return patterns


def emerging_patterns(
    history: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str,
    freq: str = "W-MON",
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """Return what :func:`blind_spots` takes as ``emerging=`` (internal).

    The pattern :func:`blind_spots` computes itself when not given one:
    :func:`hotspots.emerging_hotspots` on every period of ``history`` with the
    weights of :func:`hotspots.spatial.weights.default_weights` (``"no_pattern"``
    everywhere with fewer than two periods). Shared with
    :mod:`hotspots.ledger.forecast`, whose ``blind_spots`` method computes
    it on purpose.

    Parameters
    ----------
    history
        The reports up to the ledger's ``as_of``, each with a unit of
        ``units`` and a time.
    units
        The units, with the id column ``unit``.
    unit, freq, tz
        As :func:`blind_spots`.

    Returns
    -------
    pandas.DataFrame
        ``unit`` and ``pattern``, one row per unit in the units' order.
    """
    times = _as_aware(history[REPORTED_AT], tz)
    patterns = _emerging_patterns(history, times, units, unit=unit, freq=freq, tz=tz)
    return pd.DataFrame({unit: units[unit].to_numpy(), PATTERN: patterns})


#: The steps :func:`blind_spots` has already warned that it recomputed.
_RECOMPUTED: set[str] = set()


def _warn_recomputed() -> None:
    """Warn, once per process, that blind_spots runs emerging_hotspots itself."""
    if "emerging" in _RECOMPUTED:
        return
    _RECOMPUTED.add("emerging")
    warnings.warn(
        "blind_spots computed the emerging hot spot patterns itself because "
        "emerging= was not given (hotspots.emerging_hotspots over every period "
        "up to as_of). Pass emerging=hotspots.emerging_hotspots(reports, units, "
        "unit=..., weights=...) when you have it, as the weekly job does, so it "
        "is not computed twice. Shown once per process.",
        StepRecomputedWarning,
        stacklevel=5,
    )
