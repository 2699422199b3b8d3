"""Scorecards per responsible unit and the red and black lists (红黑榜).

:func:`scorecard` aggregates the cases of each unit (or subdistrict,
community, grid keeper: any id column) per week or over a window into
counts and rates, each rate with a 95 % Wilson score interval, which stays
inside [0, 1] and keeps its coverage for small counts where the normal
("Wald") interval fails (Brown, Cai and DasGupta 2001). Every row carries
the ids of the cases behind it.

:func:`red_black_list` puts a unit on the black list only when its whole
interval lies on the wrong side of the target, on the red list only when the
whole interval lies on the right side; every other unit is "not
distinguishable" from the target, with its interval shown.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. Journal of the American Statistical Association,
22(158), 209-212.

Brown, L. D., Cai, T. T. and DasGupta, A. (2001). Interval estimation for a
binomial proportion. Statistical Science, 16(2), 101-133.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri

from .._core import schema as sc
from .._core.types import BoolArray, FloatArray, TimeLike
from .._core.validate import probability, require_frame, time_zone
from ..errors import InputError, collect_problems
from ..spatial.cube import period_labels
from .deadlines import CLOSED_ON_TIME, IS_CLOSED, OVERDUE_NOW, REOPENED

__all__ = [
    "CASE_IDS",
    "COMEBACK",
    "LIST",
    "METRICS",
    "WEEK",
    "ScorecardPartial",
    "planted_city",
    "red_black_list",
    "scorecard",
    "scorecard_combine",
    "scorecard_partial",
    "wilson_interval",
]

#: Optional case column: the problem came back at the same place (bool).
COMEBACK: Final = "comeback"
#: Output columns.
WEEK: Final = "week"
CASES: Final = "cases"
CASE_IDS: Final = "case_ids"
LATE_CASE_IDS: Final = "late_case_ids"
MEDIAN_HOURS_TO_CLOSE: Final = "median_hours_to_close"
LIST: Final = "list"
#: List values.
RED: Final = "red"
BLACK: Final = "black"
UNDECIDED: Final = "not distinguishable"

Metric = Literal[
    "closure_rate", "on_time_rate", "rework_rate", "comeback_rate", "outside_share"
]
#: Each rate: (successes column, trials column, higher is better).
METRICS: Final[dict[str, tuple[str, str, bool]]] = {
    "closure_rate": ("closed", "cases", True),
    "on_time_rate": ("closed_on_time", "due_decided", True),
    "rework_rate": ("reworked", "ever_closed", False),
    "comeback_rate": ("comebacks", "cases", False),
    "outside_share": ("found_outside", "known_source", False),
}


def wilson_interval(
    successes: npt.ArrayLike, trials: npt.ArrayLike, *, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Return the Wilson score interval of binomial proportions.

    Parameters
    ----------
    successes, trials
        Counts (array-likes of the same shape); ``0 <= successes <= trials``.
    confidence
        Two-sided confidence level in (0, 1), default 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bounds; ``(0, 1)`` where ``trials`` is 0.

    Raises
    ------
    InputError
        When counts are negative, successes exceed trials, or the level is
        not in (0, 1).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22(158), 209-212.

    Examples
    --------
    >>> lo, hi = wilson_interval([81], [263])
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2553, 0.3662)
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    problems = [
        p
        for p in (probability(confidence, "confidence", example="confidence=0.95"),)
        if p
    ]
    if k.shape != n.shape:
        problems.append(
            f"successes and trials must have the same shape, got {k.shape} and "
            f"{n.shape}."
        )
    elif np.any(k < 0) or np.any(n < 0) or np.any(k > n) or not np.isfinite(n).all():
        problems.append(
            "successes and trials must be counts with 0 <= successes <= trials. "
            "Check the counts passed."
        )
    collect_problems(problems, "wilson_interval")
    z = float(ndtri(0.5 + float(confidence) / 2))  # scipy.stats.norm.ppf
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return lo.astype(np.float64), hi.astype(np.float64)


def _validate(
    cases: object, by: object, window: object, freq: object, tz: str
) -> list[str]:
    cases = require_frame(cases, "cases")
    keys = [by] if isinstance(by, str) else by
    problems: list[str] = []
    if (
        not isinstance(keys, Sequence)
        or not keys
        or not all(isinstance(k, str) for k in keys)
    ):
        problems.append(
            f"by must be a column name or a list of them, got {by!r}. "
            "Pass e.g. by='unit_id' or by=['subdistrict_id', 'unit_id']."
        )
        keys = []
    needed = [
        *keys,
        sc.REPORT_ID,
        sc.REPORTED_AT,
        IS_CLOSED,
        CLOSED_ON_TIME,
        OVERDUE_NOW,
        REOPENED,
    ]
    for col in needed:
        if col not in cases.columns:
            fix = "Read the reports with hotspots.read_reports."
            if col in (IS_CLOSED, CLOSED_ON_TIME, OVERDUE_NOW, REOPENED):
                fix = "Add it with hotspots.deadlines(...)."
            elif col in keys:
                fix = "Add unit ids with hotspots.assign_units."
            problems.append(
                f"cases must have the column {col!r}, got "
                f"{list(cases.columns)!r}. {fix}"
            )
    if sc.REPORTED_AT in cases.columns and not isinstance(
        cases[sc.REPORTED_AT].dtype, pd.DatetimeTZDtype
    ):
        problems.append(
            f"cases[{sc.REPORTED_AT!r}] must hold timezone-aware timestamps, got "
            f"{cases[sc.REPORTED_AT].dtype!s}. Read them with hotspots.read_reports."
        )
    if window is not None and not (
        isinstance(window, tuple)
        and len(window) == 2
        and all(_is_time(w) for w in window)
        and pd.Timestamp(window[0]) < pd.Timestamp(window[1])
    ):
        problems.append(
            f"window must be None or (start, end) timestamps with start < end, got "
            f"{window!r}. Pass e.g. window=('2026-10-05', '2026-11-30')."
        )
    if freq not in (None, "W-MON", "D", "MS"):
        problems.append(
            f"freq must be None (one row per group over the window), 'W-MON' "
            f"(weeks), 'D' or 'MS', got {freq!r}. Pass freq='W-MON' for weekly rows."
        )
    return problems


def _is_time(value: object) -> bool:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not pd.isna(stamp)


def _local(value: Any, tz: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)


def scorecard(
    cases: pd.DataFrame,
    *,
    by: str | Sequence[str] = "unit_id",
    window: tuple[TimeLike, TimeLike] | None = None,
    freq: Literal["W-MON", "D", "MS"] | None = None,
    confidence: float = 0.95,
    tz: str = sc.DEFAULT_TZ,
) -> pd.DataFrame:
    """Count and rate each unit's cases, with Wilson intervals and case ids.

    A case belongs to the window and the period in which it was filed
    (``reported_at`` in ``tz``). The rates and their denominators:

    ============== ======================================= =====================
    column         successes                               trials
    ============== ======================================= =====================
    closure_rate   closed cases (结案率)                   cases
    on_time_rate   closed by the due time (按期结案率)     cases whose outcome is
                                                           decided: closed with a
                                                           due time, or open and
                                                           past due
    rework_rate    reopened cases (返工率)                 cases closed or
                                                           reopened
    comeback_rate  cases with ``comeback`` True            cases (only when the
                                                           column exists)
    outside_share  found by the hotline or the evaluation  cases with a source
                   teams rather than own patrols
    ============== ======================================= =====================

    Open cases not yet due are left out of the on-time rate: nobody knows
    yet whether they will be on time.

    Parameters
    ----------
    cases
        Cases after :func:`hotspots.accountability.deadlines.deadlines` (``is_closed``,
        ``closed_on_time``, ``overdue_now``, ``reopened``) with
        ``report_id``, ``reported_at`` and the ``by`` columns; optional
        ``closed_at``, ``source`` and ``comeback``. Not modified.
    by
        Column(s) to group by: ``"unit_id"`` (default), ``"subdistrict_id"``,
        ``"community_id"``, a grid keeper column, or several. Cases with a
        missing key form their own group (NA key): counted, never dropped.
    window
        ``(start, end)``: only cases filed in ``[start, end)``; naive times
        are in ``tz``. Default all cases.
    freq
        None (default): one row per group over the window; ``"W-MON"``: one
        row per group and week (ISO labels, ``"2026-W47"``); ``"D"``, ``"MS"``.
    confidence
        Level of the Wilson intervals (default 0.95).
    tz
        Timezone of the calendar.

    Returns
    -------
    pandas.DataFrame
        One row per group (and ``week``), ordered by key: the keys, ``cases``,
        the counts behind each rate (``closed``, ``closed_on_time``,
        ``due_decided``, ``reworked``, ``ever_closed``, ``found_outside``,
        ``known_source``, ``comebacks``), each rate with ``<rate>_lo`` and
        ``<rate>_hi``, ``median_hours_to_close`` (NaN without closed
        cases), ``case_ids`` (tuple of the report ids behind the row, in
        filing order) and ``late_case_ids`` (those closed late or overdue).

    Raises
    ------
    TypeError
        When ``cases`` is not a frame.
    InputError
        Listing missing columns, naive times, a bad ``by``, ``window`` or
        ``freq``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22(158), 209-212.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({
    ...     "report_id": ["a", "b", "c"], "unit_id": ["U1", "U1", "U2"],
    ...     "reported_at": pd.to_datetime(["2026-11-16"] * 3).tz_localize(
    ...         "Asia/Shanghai"),
    ...     "is_closed": [True, True, False],
    ...     "closed_on_time": pd.array([True, False, pd.NA], dtype="boolean"),
    ...     "overdue_now": [False, False, True], "reopened": [False] * 3})
    >>> card = scorecard(cases)
    >>> card[["unit_id", "cases", "on_time_rate"]].to_dict("records")
    [{'unit_id': 'U1', 'cases': 2, 'on_time_rate': 0.5}, \
{'unit_id': 'U2', 'cases': 1, 'on_time_rate': 0.0}]
    """
    part = scorecard_partial(cases, by=by, window=window, freq=freq, tz=tz)
    return scorecard_combine([part], confidence=confidence)


@dataclass(frozen=True)
class ScorecardPartial:
    """One part's share of a scorecard: its sums per group and its cases.

    Made by :func:`scorecard_partial` on each part of the cases (in their
    order); :func:`scorecard_combine` adds the sums up and lays the cases
    out in filing order for the median, the case ids and the rates.

    Attributes
    ----------
    sums
        One row per group of the part: the group columns and the counts of
        the scorecard (``cases``, ``closed``, ...), ordered by group.
    cases
        One row per case of the part filed in the window, in filing order:
        the group columns, ``filed_ns`` (UTC nanoseconds), ``report_id``,
        ``late`` and ``median_hours_to_close`` (the case's hours, NaN when
        open).
    keys
        The group columns (``by``, then ``week`` with ``freq``).
    by
        The ``by`` columns.
    has_comeback
        Whether the cases have a ``comeback`` column.
    """

    sums: pd.DataFrame
    cases: pd.DataFrame
    keys: tuple[str, ...]
    by: tuple[str, ...]
    has_comeback: bool


def scorecard_partial(
    cases: pd.DataFrame,
    *,
    by: str | Sequence[str] = "unit_id",
    window: tuple[TimeLike, TimeLike] | None = None,
    freq: Literal["W-MON", "D", "MS"] | None = None,
    tz: str = sc.DEFAULT_TZ,
) -> ScorecardPartial:
    """Return one part's sums per group and its cases, for :func:`scorecard_combine`.

    The per-unit aggregation of :func:`scorecard`, cut so that parts of the
    cases (partitions of a Dask frame, in their order) can be aggregated
    apart and combined: ``scorecard(cases)`` is
    ``scorecard_combine([scorecard_partial(cases)])``.

    Parameters
    ----------
    cases, by, window, freq, tz
        As in :func:`scorecard`; ``cases`` may be one part of them.

    Returns
    -------
    ScorecardPartial
        The part's sums per group and its cases in the window.

    Raises
    ------
    TypeError, InputError
        As :func:`scorecard`.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({
    ...     "report_id": ["a", "b"], "unit_id": ["U1", "U1"],
    ...     "reported_at": pd.to_datetime(["2026-11-16"] * 2).tz_localize(
    ...         "Asia/Shanghai"),
    ...     "is_closed": [True, False], "closed_on_time": [True, None],
    ...     "overdue_now": [False, False], "reopened": [False] * 2})
    >>> part = scorecard_partial(cases)
    >>> part.sums[["unit_id", "cases", "closed"]].to_dict("records")
    [{'unit_id': 'U1', 'cases': 2, 'closed': 1}]
    """
    problems = _validate(cases, by, window, freq, tz)
    tz_problem = time_zone(tz)
    if tz_problem:
        problems.append(tz_problem)
    collect_problems(problems, "scorecard")
    keys = [by] if isinstance(by, str) else list(by)
    frame = _filed_in_window(cases, window, tz)
    table = _case_table(frame, keys, freq=freq, tz=tz)
    group_keys = [*keys, WEEK] if freq is not None else keys
    sums = table.work.groupby(group_keys, dropna=False, sort=True)[list(_COUNTS)]
    filed = frame[sc.REPORTED_AT].dt.tz_convert("UTC").dt.tz_localize(None)
    slim = table.work[[*group_keys, MEDIAN_HOURS_TO_CLOSE]].reset_index(drop=True)
    slim[_FILED_NS] = filed.to_numpy().astype(np.int64)
    slim[sc.REPORT_ID] = table.ids
    slim[_LATE] = table.late
    return ScorecardPartial(
        sums=sums.sum().reset_index(),
        cases=slim,
        keys=tuple(group_keys),
        by=tuple(keys),
        has_comeback=table.has_comeback,
    )


def scorecard_combine(
    parts: Sequence[ScorecardPartial], *, confidence: float = 0.95
) -> pd.DataFrame:
    """Combine the parts' partial aggregates into the scorecard.

    The sums per group are added; the cases of all parts are put in filing
    order (ties in the parts' order, as in one frame) for the median hours to
    close and the case ids; the rates and their Wilson intervals are computed
    once, on the small table per group.

    Parameters
    ----------
    parts
        :func:`scorecard_partial` of each part of the cases, in their order,
        all with the same ``by``, ``window``, ``freq`` and ``tz``.
    confidence
        Level of the Wilson intervals (default 0.95).

    Returns
    -------
    pandas.DataFrame
        What :func:`scorecard` returns for the whole of the cases.

    Raises
    ------
    InputError
        When ``parts`` is empty or its parts differ in their groups, or
        ``confidence`` is not in (0, 1).
    """
    problems = [
        p
        for p in (probability(confidence, "confidence", example="confidence=0.95"),)
        if p
    ]
    if not parts or len({(p.keys, p.has_comeback) for p in parts}) != 1:
        problems.append(
            "parts must be a non-empty list of scorecard_partial results with "
            "the same by, freq and columns. Make them all with the same arguments."
        )
    collect_problems(problems, "scorecard_combine")
    first = parts[0]
    keys = list(first.keys)
    # parts without cases are left out (an empty frame would set the dtypes)
    full = [p for p in parts if len(p.cases)] or [first]
    sums = pd.concat([p.sums for p in full], ignore_index=True)
    out = sums.groupby(keys, dropna=False, sort=True)[list(_COUNTS)].sum()
    table = pd.concat([p.cases for p in full], ignore_index=True)
    table = table.iloc[np.argsort(table[_FILED_NS].to_numpy(), kind="stable")]
    grouped = table.groupby(keys, dropna=False, sort=True)
    out[MEDIAN_HOURS_TO_CLOSE] = grouped[MEDIAN_HOURS_TO_CLOSE].median().to_numpy()
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    ids = table[sc.REPORT_ID].to_numpy()
    late = table[_LATE].to_numpy(dtype=bool)
    out[CASE_IDS] = _tuples(ids, codes, len(out))
    out[LATE_CASE_IDS] = _tuples(ids[late], codes[late], len(out))
    out = _add_rates(
        out.reset_index(), has_comeback=first.has_comeback, confidence=confidence
    )
    if not first.has_comeback:
        out = out.drop(columns="comebacks")
    out.attrs["confidence"] = float(confidence)
    out.attrs["by"] = first.by
    return out


#: Columns of a partial's cases: filing time (UTC ns) and closed late or overdue.
_FILED_NS: Final = "filed_ns"
_LATE: Final = "late"

#: The counts summed per group, in the order of the scorecard's columns.
_COUNTS: Final = (
    "cases",
    "closed",
    "closed_on_time",
    "due_decided",
    "reworked",
    "ever_closed",
    "found_outside",
    "known_source",
    "comebacks",
)


@dataclass(frozen=True)
class _CaseTable:
    """One row per case: the group keys, the 0/1 counts and the hours to close."""

    work: pd.DataFrame
    ids: npt.NDArray[Any]
    late: BoolArray
    has_comeback: bool


def _filed_in_window(
    cases: pd.DataFrame, window: tuple[TimeLike, TimeLike] | None, tz: str
) -> pd.DataFrame:
    """Return the cases filed in ``[start, end)`` (all without a window), by time."""
    frame = cases
    filed = frame[sc.REPORTED_AT]
    if window is not None:
        start, end = _local(window[0], tz), _local(window[1], tz)
        inside = ((filed >= start) & (filed < end)).to_numpy()
        frame = frame.loc[inside]
        filed = filed.loc[inside]
    utc = filed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    order = np.argsort(utc, kind="stable")
    return frame.iloc[order]


def _case_table(
    frame: pd.DataFrame, keys: list[str], *, freq: str | None, tz: str
) -> _CaseTable:
    """Return each case's group keys, its 0/1 counts and its hours to close."""
    n = len(frame)
    is_closed = frame[IS_CLOSED].to_numpy(dtype=bool)
    on_time = frame[CLOSED_ON_TIME].astype("boolean")
    overdue = frame[OVERDUE_NOW].to_numpy(dtype=bool)
    reopened = frame[REOPENED].to_numpy(dtype=bool)
    decided = on_time.notna().to_numpy() | overdue
    late = decided & ~on_time.fillna(False).to_numpy(dtype=bool)
    parts: dict[str, Any] = {k: frame[k].to_numpy() for k in keys}
    if freq is not None:
        parts[WEEK] = period_labels(frame[sc.REPORTED_AT], freq=freq, tz=tz)
    source = (
        frame[sc.SOURCE].astype("string")
        if sc.SOURCE in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    hours = np.full(n, np.nan)
    if sc.CLOSED_AT in frame.columns:
        span = frame[sc.CLOSED_AT] - frame[sc.REPORTED_AT]
        seconds = span.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
        hours = np.where(is_closed, seconds / 3600.0, np.nan)
    has_comeback = COMEBACK in frame.columns
    work = pd.DataFrame(
        {
            **parts,
            "cases": np.ones(n, dtype=np.int64),
            "closed": is_closed.astype(np.int64),
            "closed_on_time": on_time.fillna(False).to_numpy(dtype=np.int64),
            "due_decided": decided.astype(np.int64),
            "reworked": reopened.astype(np.int64),
            "ever_closed": (is_closed | reopened).astype(np.int64),
            "found_outside": source.isin(sc.OUTSIDE_SOURCES).to_numpy(dtype=np.int64),
            "known_source": source.notna().to_numpy(dtype=np.int64),
            "comebacks": (
                frame[COMEBACK].fillna(False).to_numpy(dtype=np.int64)
                if has_comeback
                else np.zeros(n, dtype=np.int64)
            ),
            MEDIAN_HOURS_TO_CLOSE: hours,
        }
    )
    ids = frame[sc.REPORT_ID].astype("str").to_numpy()
    return _CaseTable(work=work, ids=ids, late=late, has_comeback=has_comeback)


def _add_rates(
    out: pd.DataFrame, *, has_comeback: bool, confidence: float
) -> pd.DataFrame:
    """Add each rate of :data:`METRICS` with its Wilson interval (in place)."""
    for rate, (k, t, _) in METRICS.items():
        if rate == "comeback_rate" and not has_comeback:
            continue
        kk = out[k].to_numpy(dtype=np.float64)
        nn = out[t].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[rate] = np.where(nn > 0, kk / np.where(nn > 0, nn, 1), np.nan)
        lo, hi = wilson_interval(kk, nn, confidence=confidence)
        out[f"{rate}_lo"] = lo
        out[f"{rate}_hi"] = hi
    return out


def _tuples(
    values: npt.NDArray[Any], codes: npt.NDArray[np.integer[Any]], n_groups: int
) -> list[tuple[str, ...]]:
    """Split ``values`` into one tuple per group code, keeping their order."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(1, n_groups))
    return [tuple(part.tolist()) for part in np.split(values[order], bounds)]


def red_black_list(
    card: pd.DataFrame,
    *,
    target: float,
    metric: Metric = "on_time_rate",
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Put units on the red list, the black list, or neither, by their interval.

    A unit is on the black list only when its whole interval lies on the
    wrong side of ``target`` (below it for rates where higher is better:
    ``closure_rate``, ``on_time_rate``; above it for ``rework_rate``,
    ``comeback_rate``, ``outside_share``), on the red list only when its
    whole interval lies on the right side. Every other unit is "not
    distinguishable" from the target: the data do not tell.

    Parameters
    ----------
    card
        A :func:`scorecard`. With weekly rows (a ``week`` column) the latest
        week is listed and compared with the week before it.
    target
        The configured target rate in [0, 1], e.g. 0.9 for 90 % on time.
    metric
        The rate to judge by (default ``"on_time_rate"``).
    previous
        For a window scorecard: last week's scorecard, to show movement.

    Returns
    -------
    pandas.DataFrame
        One row per group (of the latest week), ordered red first (best
        rate first), then not distinguishable, then black (worst first):
        the keys, ``cases``, the rate, its ``_lo`` / ``_hi``, ``list``
        (``"red"``, ``"black"``, ``"not distinguishable"``),
        ``previous_rate``, ``previous_list``, ``change`` (rate minus the
        previous rate) and ``case_ids``. Previous values are NA where the
        unit had no row before.

    Raises
    ------
    TypeError
        When ``card`` or ``previous`` is not a frame.
    InputError
        When the metric is unknown or missing from the scorecard, or the
        target is not in [0, 1].

    Examples
    --------
    >>> card = pd.DataFrame({"unit_id": ["A", "B", "C"], "cases": [100, 100, 5],
    ...     "on_time_rate": [0.97, 0.70, 0.8], "on_time_rate_lo": [0.92, 0.6, 0.38],
    ...     "on_time_rate_hi": [0.99, 0.78, 0.96], "case_ids": [(), (), ()]})
    >>> red_black_list(card, target=0.9)["list"].tolist()
    ['red', 'not distinguishable', 'black']
    """
    if not isinstance(card, pd.DataFrame):
        msg = f"card must be a scorecard DataFrame, got {type(card).__name__}."
        raise TypeError(msg)
    if previous is not None and not isinstance(previous, pd.DataFrame):
        msg = f"previous must be a scorecard DataFrame, got {type(previous).__name__}."
        raise TypeError(msg)
    problems = []
    if metric not in METRICS:
        problems.append(
            f"metric must be one of {sorted(METRICS)!r}, got {metric!r}. "
            "Pass e.g. metric='on_time_rate'."
        )
    else:
        for col in (metric, f"{metric}_lo", f"{metric}_hi"):
            if col not in card.columns:
                problems.append(
                    f"card must have the column {col!r} (a scorecard), got "
                    f"{list(card.columns)!r}. Build it with scorecard(cases)."
                )
    if (
        isinstance(target, bool)
        or not isinstance(target, int | float)
        or not 0 <= target <= 1
    ):
        problems.append(
            f"target must be a rate in [0, 1], got {target!r}. Pass e.g. target=0.9."
        )
    collect_problems(problems, "red_black_list")
    keys = list(
        card.attrs.get(
            "by",
            [c for c in card.columns if c.endswith("_id") and c != CASE_IDS],
        )
    )
    current = card
    if WEEK in card.columns and len(card):
        weeks = sorted(card[WEEK].astype("str").unique())
        current = card[card[WEEK] == weeks[-1]]
        if previous is None and len(weeks) > 1:
            previous = card[card[WEEK] == weeks[-2]]
    higher_better = METRICS[metric][2]
    out = current.copy()
    out[LIST] = _classify(out, metric, float(target), higher_better)
    if previous is not None and len(previous) and keys:
        if metric not in previous.columns:
            msg = (
                f"previous has no column {metric!r}. Pass last week's scorecard "
                "built the same way."
            )
            raise InputError(msg)
        before = previous[keys].copy()
        before["previous_rate"] = previous[metric].to_numpy()
        before["previous_list"] = _classify(
            previous, metric, float(target), higher_better
        )
        out = out.merge(before, on=keys, how="left")
    else:
        out["previous_rate"] = np.nan
        out["previous_list"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["change"] = out[metric] - out["previous_rate"]
    rank = out[LIST].map({RED: 0, UNDECIDED: 1, BLACK: 2}).to_numpy()
    rate = out[metric].to_numpy(dtype=np.float64)
    key = -rate if higher_better else rate
    key = np.where(np.isnan(key), np.inf, key)
    return out.iloc[np.lexsort((key, rank))].reset_index(drop=True)


def _classify(
    card: pd.DataFrame, metric: str, target: float, higher_better: bool
) -> npt.NDArray[np.object_]:
    lo = card[f"{metric}_lo"].to_numpy(dtype=np.float64)
    hi = card[f"{metric}_hi"].to_numpy(dtype=np.float64)
    above = lo > target
    below = hi < target
    good, bad = (above, below) if higher_better else (below, above)
    return np.where(good, RED, np.where(bad, BLACK, UNDECIDED)).astype(object)


def planted_city(
    *,
    seed: int,
    cities: int = 1,
    n_units: int = 40,
    cases_range: tuple[int, int] = (10, 300),
    quality_range: tuple[float, float] = (0.5, 0.98),
    start: str = "2026-09-07",
    weeks: int = 8,
    tz: str = sc.DEFAULT_TZ,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return synthetic cities' cases with planted unit quality, and the truth.

    Each unit ``U000``... of each city gets a true on-time probability drawn
    uniformly from ``quality_range`` and a number of cases drawn uniformly
    from ``cases_range``. Every case is filed at a uniform time over
    ``weeks`` weeks from ``start``, is decided (closed, or open past due) and
    is on time with its unit's probability; late cases are closed late with
    probability 0.85, else still open and overdue. 20 % of cases come from
    the hotline, 5 % are reopened. Many independent cities are drawn at once
    (column ``city``), so that a validation over hundreds of cities is one
    vectorised :func:`scorecard` call with ``by=["city", "unit_id"]``.

    Parameters
    ----------
    seed
        Seed of the random generator (same seed, same cities).
    cities
        Number of independent cities.
    n_units
        Number of units per city.
    cases_range
        Inclusive range of the number of cases per unit.
    quality_range
        Range of the true on-time probabilities.
    start
        First day (local) of the period.
    weeks
        Length of the period in weeks.
    tz
        Timezone of the times.

    Returns
    -------
    tuple of pandas.DataFrame
        The cases (``report_id``, ``city``, ``unit_id``, ``reported_at``,
        ``closed_at``, ``source`` and the columns of
        :func:`hotspots.accountability.deadlines.deadlines`) and the truth
        (``city``, ``unit_id``, ``p_on_time``, ``n_cases``).

    Examples
    --------
    >>> cases, truth = planted_city(seed=1, cities=2, n_units=3)
    >>> truth[["city", "unit_id"]].values.tolist()[:4]
    [[0, 'U000'], [0, 'U001'], [0, 'U002'], [1, 'U000']]
    """
    rng = np.random.default_rng(seed)
    n_all = cities * n_units
    p = rng.uniform(*quality_range, size=n_all)
    counts = rng.integers(cases_range[0], cases_range[1] + 1, size=n_all)
    names = np.array([f"U{i:03d}" for i in range(n_units)], dtype=object)
    unit_ids = np.tile(names, cities)
    city_of = np.repeat(np.arange(cities), n_units)
    unit = np.repeat(np.arange(n_all), counts)
    n = len(unit)
    on_time = rng.random(n) < p[unit]
    closed = on_time | (rng.random(n) < 0.85)
    base = pd.Timestamp(start, tz=tz)
    filed = base + pd.to_timedelta(rng.uniform(0, weeks * 7 * 86400, n), unit="s")
    hours = rng.gamma(2.0, 20.0, n)
    closed_at = pd.Series(filed + pd.to_timedelta(hours, unit="h")).where(closed)
    cases = pd.DataFrame(
        {
            sc.REPORT_ID: f"S{seed}-" + pd.RangeIndex(n).astype("str"),
            "city": city_of[unit],
            "unit_id": unit_ids[unit],
            sc.REPORTED_AT: filed,
            sc.CLOSED_AT: closed_at,
            sc.SOURCE: np.where(rng.random(n) < 0.2, "hotline", "inspector"),
            IS_CLOSED: closed,
            CLOSED_ON_TIME: pd.arrays.BooleanArray(on_time, ~closed),
            OVERDUE_NOW: ~closed,
            REOPENED: rng.random(n) < 0.05,
        }
    )
    truth = pd.DataFrame(
        {"city": city_of, "unit_id": unit_ids, "p_on_time": p, "n_cases": counts}
    )
    return cases, truth
