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
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from .._core import labels
from .._core.crs import geometry_xy, local_metric_crs, metric_xy
from .._core.schema import (
    CATEGORY,
    CLOSED_AT,
    DEFAULT_TZ,
    GRID_ID,
    NODE_FROM,
    NODE_TO,
    OUTSIDE_SOURCES,
    OWN_SOURCES,
    REOPEN_COUNT,
    REPORTED_AT,
    SOURCE,
    STATUS,
    WEIGHT,
)
from ..errors import InputError, collect_problems
from ..spatial.cube import FREQS, period_labels, period_range, period_start
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
    "UnassignedReportsWarning",
    "blind_spot_score",
    "blind_spots",
]

# -- output columns -----------------------------------------------------------------
PERIODS_WITH_REPORTS: Final = "periods_with_reports"
CURRENT_STREAK: Final = "current_streak"
PATTERN: Final = "pattern"
REOPENED: Final = "reopened"
COMEBACKS: Final = "comebacks"
COMEBACK_SHARE: Final = "comeback_share"
OPEN_NOW: Final = "open_now"
MEDIAN_DAYS_TO_CLOSE: Final = "median_days_to_close"
SHARE_CLOSED_LATE: Final = "share_closed_late"
OUTSIDE_SHARE: Final = "outside_share"
N_REPORTS: Final = "n_reports"
WEIGHTED_COUNT: Final = "weighted_count"
TOP_CATEGORIES: Final = "top_categories"
TOP_CATEGORIES_EN: Final = "top_categories_en"
TOP_CATEGORY: Final = "top_category"
TOP_CATEGORY_PERIODS: Final = "top_category_periods"
TOP_CATEGORY_STREAK: Final = "top_category_streak"
SCORE: Final = "score"
RANK: Final = "rank"
REASON_ZH: Final = "reason_zh"
REASON_EN: Final = "reason_en"

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

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
_PATTERN_ZH: Final = {k: v["zh"] for k, v in labels.PATTERNS.items()}
_PATTERN_EN: Final = {k: v["en"].lower() for k, v in labels.PATTERNS.items()}


class UnassignedReportsWarning(UserWarning):
    """Some reports have no unit (or one not in ``units``) or no time: left out."""


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
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
                or v < 0
            ):
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


def _check_positive_int(value: object, name: str, example: str) -> str | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or int(value) < 1
    ):
        return f"{name} must be a positive integer, got {value!r}. Pass e.g. {example}."
    return None


def _check_positive_number(value: object, name: str, example: str) -> str | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
        or float(value) <= 0
    ):
        unit_word = "metres" if name.endswith("_m") else "days"
        return (
            f"{name} must be a positive number of {unit_word}, got {value!r}. "
            f"Pass e.g. {example}."
        )
    return None


def _validate(
    reports: object,
    units: object,
    *,
    unit: str,
    periods: object,
    comeback_days: object,
    comeback_distance_m: object,
    late_days: object,
    weights: object,
    category_weights: object,
    emerging: object,
    freq: str,
    hour_profile: object = None,
    peak_hours: object = 3,
) -> None:
    if not isinstance(reports, pd.DataFrame):
        msg = f"reports must be a (Geo)DataFrame, got {type(reports).__name__}."
        raise TypeError(msg)
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    problems = [
        p
        for p in (
            _check_positive_int(periods, "periods", "periods=8"),
            _check_positive_number(comeback_days, "comeback_days", "comeback_days=14"),
            _check_positive_number(late_days, "late_days", "late_days=7"),
            None
            if comeback_distance_m is None
            else _check_positive_number(
                comeback_distance_m, "comeback_distance_m", "comeback_distance_m=30"
            ),
        )
        if p
    ]
    if unit not in units.columns:
        problems.append(
            f"unit must name the id column of units, got {unit!r}; units have "
            f"{list(units.columns)!r}. Pass e.g. unit='segment_id' for segments."
        )
    else:
        ids = units[unit]
        if ids.isna().any() or ids.duplicated().any():
            problems.append(
                f"units[{unit!r}] must hold unique, non-missing ids, got "
                f"{int(ids.isna().sum())} missing and {int(ids.duplicated().sum())} "
                "duplicated. Keep one row per unit."
            )
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
    if weights is not None and not isinstance(weights, BlindSpotWeights):
        problems.append(
            f"weights must be a BlindSpotWeights or None, got "
            f"{type(weights).__name__}. Pass e.g. BlindSpotWeights(outside=2.0)."
        )
    if category_weights is not None:
        if not isinstance(category_weights, Mapping):
            problems.append(
                "category_weights must map category names to weights, got "
                f"{type(category_weights).__name__}. Pass e.g. "
                "{'占道经营': 2.0}."
            )
        else:
            bad = {
                k: v
                for k, v in category_weights.items()
                if isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
                or v < 0
            }
            if bad:
                problems.append(
                    f"category_weights must be numbers >= 0, got {bad!r}. Pass "
                    "e.g. {'占道经营': 2.0}."
                )
    if emerging is not None:
        if not isinstance(emerging, pd.DataFrame):
            problems.append(
                "emerging must be the result of hotspots.emerging_hotspots or "
                f"None, got {type(emerging).__name__}."
            )
        elif unit not in emerging.columns or PATTERN not in emerging.columns:
            problems.append(
                f"emerging must have the columns {unit!r} and 'pattern' (a result "
                "of hotspots.emerging_hotspots on the same units), got "
                f"{list(emerging.columns)!r}."
            )
    if not isinstance(freq, str) or freq.upper() not in FREQS:
        problems.append(
            f"freq must be one of {list(FREQS)!r}, got {freq!r}. Use 'W-MON' for "
            "weeks starting on Monday."
        )
    if hour_profile is not None:
        if not isinstance(hour_profile, HourProfile):
            msg = (
                "hour_profile must be an HourProfile (hotspots."
                f"hour_of_week_profile) or None, got {type(hour_profile).__name__}."
            )
            raise TypeError(msg)
        if hour_profile.unit != unit:
            problems.append(
                f"hour_profile must be a profile of the units {unit!r}, got a "
                f"profile of {hour_profile.unit!r}. Pass hour_of_week_profile("
                f"reports, unit={unit!r})."
            )
    if (
        isinstance(peak_hours, bool)
        or not isinstance(peak_hours, int | np.integer)
        or not 1 <= int(peak_hours) <= 24
    ):
        problems.append(
            f"peak_hours must be a whole number of hours from 1 to 24, got "
            f"{peak_hours!r}. Pass e.g. peak_hours=3."
        )
    collect_problems(problems, "blind_spots")


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


def _unit_codes(values: pd.Series, ids: pd.Index) -> npt.NDArray[np.int64]:
    """Position in ``ids`` of each value (-1 for NA or an unknown id).

    The values are factorized first, so the (slow) lookup of string ids runs
    once per distinct id rather than once per report; Arrow-backed strings
    are looked up with Arrow's hash join.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if _is_arrow_str(uniques.dtype) and _is_arrow_str(ids.dtype):
        found = pc.index_in(
            pa.array(uniques).cast(pa.large_string()),
            value_set=pa.array(ids).cast(pa.large_string()),
        )
        lookup = found.fill_null(-1).to_numpy(zero_copy_only=False)
    else:
        lookup = ids.get_indexer(uniques)
    # code -1 (NA) picks the appended -1
    return np.append(lookup, -1).astype(np.int64)[codes]


def _text_rank(ids: pd.Index) -> npt.NDArray[np.int64]:
    """Rank of each id's text in code point order (ties in position order)."""
    if _is_arrow_str(ids.dtype):
        # UTF-8 byte order is code point order; Arrow's sort is stable
        order = pc.sort_indices(pa.array(ids.array)).to_numpy()
    else:
        text = np.asarray(ids.astype(str), dtype=object).astype(str)
        order = np.argsort(text, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def _is_arrow_str(dtype: object) -> bool:
    """Whether ``dtype`` is pandas' string dtype stored in Arrow."""
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


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


def _metric_xy(
    frame: pd.DataFrame, rows: npt.NDArray[np.intp], zone_rows: npt.NDArray[np.intp]
) -> FloatArray:
    """Point x/y in metres of ``frame``'s ``rows`` (positions); NaN if unknown.

    Geographic coordinates go to the local UTM zone of the points at
    ``zone_rows`` (a superset of ``rows``): the zone, and so each point's
    x/y, do not depend on which rows are asked for, and only those are
    projected.
    """
    xy = np.full((len(rows), 2), np.nan)
    if not isinstance(frame, gpd.GeoDataFrame) or len(zone_rows) == 0:
        return xy
    geoms = frame.geometry.to_numpy()
    metric = None
    if frame.crs is not None and not pyproj.CRS.from_user_input(frame.crs).is_projected:
        # zone_rows are distinct positions: as many as rows means all of them
        zone = geoms if len(zone_rows) == len(geoms) else geoms[zone_rows]
        lon, lat = geometry_xy(zone)
        if not (np.isfinite(lon) & np.isfinite(lat)).any() and not bool(
            (shapely.get_type_id(zone) >= 0).any()
        ):
            return xy  # no location at all: nothing to measure
        metric = local_metric_crs(lon, lat)
    if frame.crs is None:
        xy[:, 0], xy[:, 1] = geometry_xy(geoms[rows])
    else:
        xy[:, 0], xy[:, 1], _ = metric_xy(geoms[rows], frame.crs, metric=metric)
    return xy


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
    reports: pd.DataFrame,
    *,
    left_rows: npt.NDArray[np.intp],
    left_key: npt.NDArray[np.int64],
    left_t: npt.NDArray[np.int64],
    right_rows: npt.NDArray[np.intp],
    right_key: npt.NDArray[np.int64],
    right_closed: npt.NDArray[np.int64],
    zone_rows: npt.NDArray[np.intp],
    days: float,
    distance_m: float | None,
) -> npt.NDArray[np.bool_]:
    """Which window reports (left) are a closed problem (right) coming back.

    Report ``j`` comes back when an earlier report ``i`` of the same category
    at the same unit (same key) was closed strictly before ``j`` was reported
    and at most ``days`` days before, and (unless ``distance_m`` is None) lies
    within ``distance_m`` metres of it. ``*_rows`` are the reports' positions
    in ``reports``. Each report's candidates are its key's block of closures,
    expanded with numpy in slices of at most ``_PAIR_CHUNK`` pairs (bounded
    memory); no loop per report. With a distance, a first pass over the
    pairs keeps those close in time, and only their reports are located (in
    the UTM zone of the ``zone_rows``).
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
    xy = _metric_xy(
        reports,
        np.concatenate([left_rows[left_near], right_rows[right_near]]),
        zone_rows,
    )
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
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        msg = (
            f"{name} must be a timestamp, got {value!r}. Pass e.g. {name}='2026-11-22'."
        )
        raise InputError(msg) from err
    if pd.isna(ts):
        msg = (
            f"{name} must be a timestamp, got {value!r}. Pass e.g. {name}='2026-11-22'."
        )
        raise InputError(msg)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


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
    names: ObjectArray,
    n_units: int,
    top: int = 3,
) -> tuple[Any, Any, npt.NDArray[np.int64]]:
    """Return each unit's most reported categories, in Chinese and English.

    ``"占道经营(5)、乱停车(3)"`` and ``"占道经营 (5), 乱停车 (3)"`` per unit
    (the names as written, the punctuation in the language), and its most
    reported category. ``wu``/``wc`` are the unit and category code of each
    window report (code -1: no category, not counted), ``names`` the category
    of each code. Ties in count go to the first name in code point order.
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
    pair, n = np.unique(wu[known] * n_cats + wc[known], return_counts=True)
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
    *,
    top_code: npt.NDArray[np.int64],
    names: ObjectArray,
    top_seen: npt.NDArray[np.int64],
    top_streak: npt.NDArray[np.int64],
    comebacks: npt.NDArray[np.int64],
    reopened: npt.NDArray[np.int64],
    open_now: npt.NDArray[np.int64],
    outside_share: FloatArray,
    n_reports: npt.NDArray[np.int64],
    has_hotline: npt.NDArray[np.bool_],
    has_evaluation: npt.NDArray[np.bool_],
    pattern: ObjectArray,
    periods: int,
    freq: str,
) -> tuple[Any, Any]:
    """One-line reasons in Chinese and English, built column-wise.

    Clauses in order: the most reported category's streak (else its periods
    in the window), comebacks, reopened, the outside share (50 % or more),
    open cases, the emerging pattern. The English line starts with a capital
    letter.
    """
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


# -- the public entry ----------------------------------------------------------------


def blind_spots(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str = GRID_ID,
    periods: int = 8,
    as_of: object = None,
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
        with an :class:`UnassignedReportsWarning`. Not modified.
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
        take the pattern from. None computes it from the reports (all their
        periods up to ``as_of``) with queen contiguity, or network adjacency
        when the units have end-node columns ``u`` and ``v`` (street
        segments).
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
    UnassignedReportsWarning
        When reports have no unit, a unit not in ``units`` or no time (with
        the counts).

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
    >>> ledger = blind_spots(reports, cells, periods=6)
    >>> ledger.loc[0, ["rank", "current_streak", "comebacks"]].tolist()
    [1, 6, 5]
    >>> ledger.loc[0, "reason_zh"]  # the last one closes after as_of
    '连续6周出现占道经营，5起结案后复发，100%来自12345热线，1起未结案'
    """
    _validate(
        reports,
        units,
        unit=unit,
        periods=periods,
        comeback_days=comeback_days,
        comeback_distance_m=comeback_distance_m,
        late_days=late_days,
        weights=weights,
        category_weights=category_weights,
        emerging=emerging,
        freq=freq,
        hour_profile=hour_profile,
        peak_hours=peak_hours,
    )
    n_periods = int(periods)
    ids = pd.Index(units[unit])
    n_units = len(ids)

    times = _as_aware(reports[REPORTED_AT], tz)
    end = (
        _aware(as_of, tz, "as_of")
        if as_of is not None
        else (times.max() if times.notna().any() else pd.Timestamp.now(tz=tz))
    )
    # as_of exactly at a period's start (e.g. Monday 00:00, the end of the
    # week before) closes the previous period: the window ends with that one
    as_of_label = period_labels(pd.DatetimeIndex([end]), freq=freq, tz=tz)[0]
    last = end
    if period_start([str(as_of_label)], freq=freq, tz=tz)[0] == end:
        last = end - pd.Timedelta(1, "ns")
    window_labels = _window_labels(last, n_periods, freq, tz)
    end_ns = int(_utc_ns(pd.Series([end]))[0])
    window_start_ns = int(
        _utc_ns(pd.Series(period_start(window_labels[:1], freq=freq, tz=tz)))[0]
    )

    u_code = _unit_codes(reports[unit], ids)
    unassigned = u_code < 0
    no_time = times.isna().to_numpy(dtype=bool) & ~unassigned
    n_unassigned, n_no_time = int(unassigned.sum()), int(no_time.sum())
    if n_unassigned or n_no_time:
        warnings.warn(
            f"{n_unassigned + n_no_time} of {len(reports)} reports are left out of "
            f"the blind-spot ledger: {n_unassigned} with no unit or a unit not in "
            f"units[{unit!r}], {n_no_time} with no time.",
            UnassignedReportsWarning,
            stacklevel=2,
        )
    # The reports are never copied: each quantity is one numpy array over the
    # "history" (every report up to as_of, for comebacks and open cases) at
    # the positions `rows`, or over its part in the window.
    t_all = _utc_ns(times)
    upto = (times <= end).to_numpy(dtype=bool) & ~unassigned
    rows = np.flatnonzero(upto)
    hu = u_code[rows]
    ht = t_all[rows]
    # the window's periods, labelled only near the window (a period of a time
    # 3 days before the window's first instant is always an earlier one)
    near = np.flatnonzero(ht >= window_start_ns - 3 * _NS_PER_DAY)
    p_near = _window_periods(times.take(rows[near]), window_labels, freq=freq, tz=tz)
    in_window = np.zeros(len(rows), dtype=bool)
    in_window[near[p_near >= 0]] = True
    p_code = p_near[p_near >= 0]  # window reports keep the reports' order
    wrows = rows[in_window]
    wu = hu[in_window]
    wt = ht[in_window]

    # closes as known at as_of: a close after as_of had not happened yet
    if CLOSED_AT in reports.columns:
        closed = reports[CLOSED_AT].take(rows)
        h_has_close = closed.notna().to_numpy(dtype=bool)
        h_closed_ns = np.where(h_has_close, _utc_ns(_as_aware(closed, tz)), 0)
    else:
        h_has_close = np.zeros(len(rows), dtype=bool)
        h_closed_ns = np.zeros(len(rows), dtype=np.int64)
    closed_later = h_has_close & (h_closed_ns > end_ns)
    h_closed = h_has_close & ~closed_later
    # the closures a window report can come back after
    horizon = int(float(comeback_days) * _NS_PER_DAY)
    usable = h_closed & (h_closed_ns >= window_start_ns - horizon)
    if CLOSED_AT not in reports.columns or not in_window.any():
        usable[:] = False

    # categories, factorized once over the reports that need one
    need = in_window | usable
    cat_code, cat_uniques = pd.factorize(
        reports[CATEGORY].take(rows[need]), use_na_sentinel=True
    )
    cat_code = np.asarray(cat_code, dtype=np.int64)
    names = np.asarray(pd.Index(cat_uniques).astype(str), dtype=object)
    n_cats = len(names) + 1
    key = hu[need] * n_cats + (cat_code + 1)  # unit and category (NA: 0)
    w_of_need = in_window[need]
    u_of_need = usable[need]
    wc = cat_code[w_of_need]

    def per_unit(mask: npt.ArrayLike | None = None, w: Any = None) -> FloatArray:
        sel = np.ones(len(wu), dtype=bool) if mask is None else np.asarray(mask)
        weights_ = None if w is None else np.asarray(w, dtype=np.float64)[sel]
        return np.bincount(wu[sel], weights=weights_, minlength=n_units).astype(
            np.float64
        )

    # recurrence
    present = np.zeros((n_units, n_periods), dtype=bool)
    present[wu, p_code] = True
    seen = present.sum(axis=1)
    streak = _runs_from_end(present)

    # comeback
    if STATUS in reports.columns:
        reopen_flag = reports[STATUS].take(wrows).isin(["reopened"]).to_numpy(bool)
    else:
        reopen_flag = np.zeros(len(wrows), dtype=bool)
    if REOPEN_COUNT in reports.columns:
        rc = pd.to_numeric(reports[REOPEN_COUNT].take(wrows), errors="coerce")
        reopen_flag = reopen_flag | (rc.fillna(0).to_numpy() > 0)
    reopened = per_unit(reopen_flag)
    came_back = _comebacks(
        reports,
        left_rows=wrows,
        left_key=key[w_of_need],
        left_t=wt,
        right_rows=rows[usable],
        right_key=key[u_of_need],
        right_closed=h_closed_ns[usable],
        zone_rows=rows,
        days=float(comeback_days),
        distance_m=None if comeback_distance_m is None else float(comeback_distance_m),
    )
    comebacks = per_unit(came_back)
    n_reports = per_unit()
    comeback_share = np.divide(
        per_unit(reopen_flag | came_back),
        n_reports,
        out=np.full(n_units, np.nan),
        where=n_reports > 0,
    )

    # resolution
    if STATUS in reports.columns:
        is_open = reports[STATUS].isin(_OPEN_STATUSES).to_numpy(dtype=bool)[rows]
        is_open = is_open | closed_later
    elif CLOSED_AT in reports.columns:
        is_open = ~h_has_close | closed_later
    else:
        is_open = np.zeros(len(rows), dtype=bool)
    open_now = np.bincount(hu[is_open], minlength=n_units).astype(np.float64)
    median_close = np.full(n_units, np.nan)
    share_late = np.full(n_units, np.nan)
    has_close = h_closed[in_window]
    if has_close.any():
        dur = (h_closed_ns[in_window] - wt) / _NS_PER_DAY
        frame = pd.DataFrame({"u": wu[has_close], "d": dur[has_close]})
        med = frame.groupby("u")["d"].median()
        median_close[med.index.to_numpy(dtype=np.int64)] = med.to_numpy()
        n_closed = per_unit(has_close)
        n_late = per_unit(has_close & (dur > float(late_days)))
        share_late = np.divide(
            n_late, n_closed, out=np.full(n_units, np.nan), where=n_closed > 0
        )

    # who finds it (and how often outsiders find things in the whole window)
    outside_share = np.full(n_units, np.nan)
    baseline = 0.0
    has_hotline = np.zeros(n_units, dtype=bool)
    has_evaluation = np.zeros(n_units, dtype=bool)
    if SOURCE in reports.columns:
        src = reports[SOURCE].take(wrows)
        outside = src.isin(OUTSIDE_SOURCES).to_numpy(dtype=bool)
        known = outside | src.isin(OWN_SOURCES).to_numpy(dtype=bool)
        n_known = per_unit(known)
        outside_share = np.divide(
            per_unit(outside),
            n_known,
            out=np.full(n_units, np.nan),
            where=n_known > 0,
        )
        if known.any():
            baseline = float(outside.sum() / known.sum())
        has_hotline[wu[src.isin(["hotline"]).to_numpy(dtype=bool)]] = True
        has_evaluation[wu[src.isin(["evaluation"]).to_numpy(dtype=bool)]] = True

    # volume and category mix
    report_w: FloatArray = (
        pd.to_numeric(reports[WEIGHT].take(wrows), errors="coerce")
        .fillna(1.0)
        .to_numpy(dtype=np.float64)
        if WEIGHT in reports.columns
        else np.ones(len(wrows))
    )
    if category_weights:
        per_code = (
            pd.Series(np.asarray(cat_uniques, dtype=object), dtype=object)
            .map(dict(category_weights))
            .astype(float)
            .to_numpy(dtype=np.float64)
        )
        mapped = np.where(wc >= 0, np.append(per_code, np.nan)[wc], np.nan)
        report_w = np.where(np.isnan(mapped), report_w, mapped)
    weighted = per_unit(None, report_w)
    top_text, top_text_en, top_code = _top_categories(wu, wc, names, n_units)

    # pattern
    if emerging is None:
        pattern = _emerging_patterns(
            reports.iloc[rows], times.take(rows), units, unit=unit, freq=freq, tz=tz
        )
    else:
        em_ids = pd.Index(emerging[unit])
        pat_values = emerging[PATTERN].to_numpy(dtype=object)
        if not em_ids.equals(ids):
            pat = pd.Series(pat_values, index=em_ids)
            pat = pat[~pat.index.duplicated()]
            pat_values = pat.reindex(ids).to_numpy(dtype=object)
        pattern = np.where(pd.isna(pat_values), _NO_PATTERN, pat_values)

    # the most reported category: its own periods and streak (the reason's)
    is_top = wc == top_code[wu]
    top_present = np.zeros((n_units, n_periods), dtype=bool)
    top_present[wu[is_top], p_code[is_top]] = True
    top_seen = top_present.sum(axis=1).astype(np.int64)
    top_streak = _runs_from_end(top_present)
    top_name = np.append(names, "").astype(object)[
        np.where(top_code >= 0, top_code, -1)
    ]

    evidence: dict[str, npt.NDArray[Any]] = {
        PERIODS_WITH_REPORTS: seen.astype(np.int64),
        CURRENT_STREAK: streak,
        PATTERN: pattern,
        REOPENED: reopened.astype(np.int64),
        COMEBACKS: comebacks.astype(np.int64),
        COMEBACK_SHARE: comeback_share,
        OPEN_NOW: open_now.astype(np.int64),
        MEDIAN_DAYS_TO_CLOSE: median_close,
        SHARE_CLOSED_LATE: share_late,
        OUTSIDE_SHARE: outside_share,
        N_REPORTS: n_reports.astype(np.int64),
        WEIGHTED_COUNT: weighted,
        TOP_CATEGORIES: top_text,
        TOP_CATEGORIES_EN: top_text_en,
        TOP_CATEGORY: _text_column(pa.array(top_name.tolist(), type=pa.large_string())),
        TOP_CATEGORY_PERIODS: top_seen,
        TOP_CATEGORY_STREAK: top_streak,
    }
    text_columns = (PATTERN, TOP_CATEGORIES, TOP_CATEGORIES_EN, TOP_CATEGORY)
    ev = pd.DataFrame(
        {k: v for k, v in evidence.items() if k not in text_columns},
        index=units.index,
    )
    ev[PATTERN] = pd.Series(pattern, index=units.index, dtype=object)
    score = blind_spot_score(
        ev, periods=n_periods, weights=weights, outside_baseline=baseline
    ).to_numpy()
    # units without any report up to as_of carry no evidence at all
    any_report = (n_reports > 0) | (open_now > 0)
    score = np.where(any_report, score, 0.0)
    order = np.lexsort((_text_rank(ids), -n_reports, -weighted, -score))
    rank = np.empty(n_units, dtype=np.int64)
    rank[order] = np.arange(1, n_units + 1)
    reason_zh, reason_en = _reasons(
        top_code=top_code,
        names=names,
        top_seen=top_seen,
        top_streak=top_streak,
        comebacks=evidence[COMEBACKS],
        reopened=evidence[REOPENED],
        open_now=evidence[OPEN_NOW],
        outside_share=outside_share,
        n_reports=evidence[N_REPORTS],
        has_hotline=has_hotline,
        has_evaluation=has_evaluation,
        pattern=np.asarray(pattern, dtype=object),
        periods=n_periods,
        freq=freq,
    )

    out = units.copy()
    for col, values in evidence.items():
        out[col] = values
    out[SCORE] = score
    out[RANK] = rank
    out[REASON_ZH] = reason_zh
    out[REASON_EN] = reason_en
    if hour_profile is not None:
        _join_peaks(out, unit, peak_windows(hour_profile, hours=int(peak_hours)))
    # ranked: rank 1 first; the index (the units' own) stays the identity
    out = out.iloc[order]
    out.attrs.update(
        as_of=end.isoformat(),
        periods=list(window_labels),
        comeback_days=float(comeback_days),
        comeback_distance_m=comeback_distance_m,
        late_days=float(late_days),
        freq=freq,
        outside_baseline=baseline,
    )
    return out


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
    kind: Literal["network", "queen"] = (
        "network" if {NODE_FROM, NODE_TO} <= set(units.columns) else "queen"
    )
    cols = [c for c in history.columns if not c.startswith("_")]
    reports = history[cols]
    with warnings.catch_warnings():
        # weights islands are no news to the ledger
        warnings.filterwarnings("ignore", message=".*no neighbour.*")
        res = emerging_hotspots(reports, units, unit=unit, freq=freq, weights=kind)
    patterns: npt.NDArray[np.object_] = res[PATTERN].to_numpy(dtype=object)
    return patterns
