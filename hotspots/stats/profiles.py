"""Hour-of-week profiles: when in the week each place's problems are reported.

:func:`hour_of_week_profile` gives, for every unit (grid cell or street
segment), the share of its reports in each of the 168 weekday x hour bins of
a week, in the city's local time. :func:`peak_windows` turns a profile into
its densest window in words ("周五至周日 18:00-21:00" / "Fri-Sun 18:00-21:00")
and in minutes, for the blind-spot ledger, the map and the patrol windows.

Smoothing
---------
Hour of week is a circle of 168 hours (Sunday 23:00 is next to Monday
00:00). The counts are smoothed with a wrapped Gaussian kernel on that circle
(standard deviation ``bandwidth_h`` hours, cut at four standard deviations and
normalised), the circular kernel density estimate of Fisher (1993, section
2.9). It spreads a report filed at 19:40 over 18:00-21:00 without moving the
peak of a symmetric pattern, and wraps across midnight and across days.

Pooling
-------
A cell with six reports says little about its hours. Each unit's smoothed
counts are pooled towards its prior, the city-wide smoothed profile of its
categories (mixed by the unit's own category counts), with a pseudo-count
``prior_strength`` (the empirical-Bayes / Dirichlet-multinomial posterior
mean; Gelman et al. 2013, section 5.3)::

    share_u = (smoothed counts_u + a * prior_u) / (n_u + a)

With the default ``a = 10`` a unit with 10 reports is half its own, half its
categories'; one with 100 reports is 91 % its own.

References
----------
.. [1] Fisher, N. I. (1993). Statistical Analysis of Circular Data.
   Cambridge University Press, section 2.9 (kernel density estimation on the
   circle).
.. [2] Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A.
   and Rubin, D. B. (2013). Bayesian Data Analysis, 3rd ed., section 5.3
   (hierarchical shrinkage towards the population rate).
.. [3] Koper, C. S. (1995). Just enough police presence. Justice Quarterly
   12(4), 649-672 (why the visit time matters).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._core import schema
from .._core.schema import (
    PEAK_DAYS,
    PEAK_END_MIN,
    PEAK_SHARE,
    PEAK_START_MIN,
    PEAK_WINDOW_EN,
    PEAK_WINDOW_ZH,
)
from .._core.types import FloatArray, IntArray, TimeLike
from .._core.validate import local_time, non_negative_number, whole_number
from ..errors import InputError, collect_problems

__all__ = [
    "DAY_NAMES",
    "HOURS_PER_WEEK",
    "PEAK_DAYS",
    "PEAK_END_MIN",
    "PEAK_SHARE",
    "PEAK_START_MIN",
    "PEAK_WINDOW_EN",
    "PEAK_WINDOW_ZH",
    "HourProfile",
    "daily_profile",
    "hour_of_week_profile",
    "peak_windows",
    "window_words",
]

#: Bins of a week: hour of week 0 is Monday 00:00-01:00, 167 Sunday 23:00.
HOURS_PER_WEEK: Final = 168
#: Day names, Monday first, as the ledger and the map write them.
DAY_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_EVERY_DAY: Final = {"zh": "每天", "en": "Daily"}
_RUN_SEP: Final = {"zh": "至", "en": "-"}
_LIST_SEP: Final = {"zh": "、", "en": ", "}

# -- columns of peak_windows (contract): defined in hotspots._core.schema -----

#: A day joins the peak window when its mass in the window is at least this
#: share of the busiest day's.
_DAY_SHARE: Final = 0.5
_SD_CUT: Final = 4.0


@dataclass(frozen=True, eq=False)
class HourProfile:
    """Hour-of-week profiles of units, with what they were made from.

    Attributes
    ----------
    shares
        One row per unit (index: the unit ids, named after the unit column),
        168 float columns ``0..167`` (hour of week, Monday 00:00 first, local
        time); every row sums to 1.
    n_reports
        Reports (weighted) per unit in the history window, same index.
    category_shares
        The smoothed city-wide profile of each category (rows sum to 1): the
        priors the units are pooled towards.
    unit, tz
        The unit column and the time zone of the bins.
    bandwidth_h, prior_strength
        The smoothing standard deviation (hours) and the pooling pseudo-count.
    n_weeks
        Length of the history window in weeks (for expected reports per week).
    """

    shares: pd.DataFrame
    n_reports: pd.Series
    category_shares: pd.DataFrame
    unit: str
    tz: str
    bandwidth_h: float
    prior_strength: float
    n_weeks: float

    def weekly(self) -> pd.DataFrame:
        """Return the expected reports per week in each bin (shares x rate).

        Returns
        -------
        pandas.DataFrame
            Same shape as :attr:`shares`: ``shares * n_reports / n_weeks``.
        """
        rate = self.n_reports.to_numpy(dtype=np.float64) / self.n_weeks
        return self.shares * rate[:, None]

    def grid(self, unit_id: object) -> FloatArray:
        """Return one unit's shares as a 7 x 24 array (Monday first).

        Raises
        ------
        InputError
            When ``unit_id`` is not a unit of the profile.
        """
        if unit_id not in self.shares.index:
            msg = (
                f"unit_id must be a unit of the profile, got {unit_id!r}. Pick one "
                f"of profile.shares.index (e.g. {self.shares.index[:3].tolist()!r})."
            )
            raise InputError(msg)
        pos = self.shares.index.get_loc(unit_id)
        row: FloatArray = self.shares.to_numpy(dtype=np.float64)[pos]
        return row.reshape(7, 24)


def _kernel(bandwidth_h: float) -> FloatArray:
    """Circulant smoothing matrix (168 x 168) of the wrapped Gaussian kernel."""
    if bandwidth_h == 0:
        return np.eye(HOURS_PER_WEEK)
    half = min(int(np.ceil(_SD_CUT * bandwidth_h)), HOURS_PER_WEEK // 2)
    lags = np.arange(-half, half + 1)
    w = np.exp(-0.5 * (lags / bandwidth_h) ** 2)
    w /= w.sum()
    k = np.zeros((HOURS_PER_WEEK, HOURS_PER_WEEK))
    rows = np.arange(HOURS_PER_WEEK)
    for lag, wt in zip(lags.tolist(), w.tolist(), strict=True):
        np.add.at(k, (rows, (rows + lag) % HOURS_PER_WEEK), wt)
    return k


def _bound(
    value: object, tz: str, name: str, problems: list[str]
) -> pd.Timestamp | None:
    stamp, problem = local_time(value, name, tz=tz, example="'2024-05-01'")
    if problem:
        problems.append(problem)
    return stamp


def hour_of_week_profile(
    reports: pd.DataFrame,
    *,
    unit: str = schema.GRID_ID,
    tz: str = schema.DEFAULT_TZ,
    bandwidth_h: float = 1.0,
    prior_strength: float = 10.0,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    weight: str | None = None,
) -> HourProfile:
    """Share of each unit's reports in every weekday x hour bin, smoothed and pooled.

    Parameters
    ----------
    reports
        Report frame (:func:`hotspots.spatial.join.assign` output): tz-aware
        ``reported_at``, ``category`` and the ``unit`` column. Rows without
        a unit or a time are left out (they belong to no unit).
    unit
        The unit column: ``"grid_id"`` (default) or ``"segment_id"`` (or any
        id column, e.g. a blind-spot id).
    tz
        IANA time zone of the bins (the city's), default Asia/Shanghai; the
        times are converted to it, so a report at 11:00 UTC is a 19:00 report
        in Shanghai.
    bandwidth_h
        Standard deviation of the circular Gaussian kernel over hour of week,
        in hours (default 1; 0 = no smoothing).
    prior_strength
        Pseudo-count of the pooling towards the unit's categories' city-wide
        profile (default 10 reports; 0 = no pooling).
    start, end
        The history window ``[start, end)`` (dates or timestamps; naive ones
        are in ``tz``); default all reports. Its length in weeks scales
        :meth:`HourProfile.weekly`.
    weight
        Column of report weights (finite, >= 0); default ``"weight"`` when
        present, else every report counts 1.

    Returns
    -------
    HourProfile
        Shares per unit (rows sum to 1), counts and the category priors. An
        empty window gives empty frames. The input is not changed.

    Raises
    ------
    InputError
        When a column is missing, ``reported_at`` is not a tz-aware datetime,
        ``tz`` is not a time zone, weights are negative or not numbers, or
        a parameter is out of range.
    TypeError
        When ``reports`` is not a DataFrame.

    References
    ----------
    .. [1] Fisher, N. I. (1993). Statistical Analysis of Circular Data,
       section 2.9.
    .. [2] Gelman, A. et al. (2013). Bayesian Data Analysis, 3rd ed.,
       section 5.3.

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({
    ...     "grid_id": ["a", "a", "a"],
    ...     "category": ["占道经营"] * 3,
    ...     "reported_at": pd.to_datetime(
    ...         ["2024-05-03 19:05", "2024-05-04 19:20", "2024-05-05 18:50"]
    ...     ).tz_localize("Asia/Shanghai"),
    ... })
    >>> prof = hour_of_week_profile(reports, bandwidth_h=0, prior_strength=0)
    >>> prof.grid("a").sum(axis=0).argmax()
    np.int64(19)
    """
    if not isinstance(reports, pd.DataFrame):
        msg = f"reports must be a DataFrame, got {type(reports).__name__}."
        raise TypeError(msg)
    args = _checked_arguments(
        reports,
        unit=unit,
        tz=tz,
        bandwidth_h=bandwidth_h,
        prior_strength=prior_strength,
        start=start,
        end=end,
        weight=weight,
    )
    bins = _bins(reports, unit, args)
    pooled = _pooled_shares(bins, float(bandwidth_h), float(prior_strength))
    index = pd.Index(bins.unit_ids, name=unit)
    cols = pd.RangeIndex(HOURS_PER_WEEK)
    return HourProfile(
        shares=pd.DataFrame(pooled.share, index=index, columns=cols),
        n_reports=pd.Series(pooled.n, index=index, name="n_reports"),
        category_shares=pd.DataFrame(
            pooled.cat_share,
            index=pd.Index(bins.category_ids, name=schema.CATEGORY),
            columns=cols,
        ),
        unit=unit,
        tz=str(args.tz),
        bandwidth_h=float(bandwidth_h),
        prior_strength=float(prior_strength),
        n_weeks=bins.n_weeks,
    )


@dataclass(frozen=True)
class _Arguments:
    """The checked arguments of :func:`hour_of_week_profile`."""

    tz: str
    lo: pd.Timestamp | None
    hi: pd.Timestamp | None
    weights: FloatArray


def _checked_arguments(
    reports: pd.DataFrame,
    *,
    unit: str,
    tz: str,
    bandwidth_h: object,
    prior_strength: object,
    start: object,
    end: object,
    weight: str | None,
) -> _Arguments:
    """Validate the arguments (every problem, raised once); return what they give."""
    problems = [
        p
        for p in (
            non_negative_number(bandwidth_h, "bandwidth_h", example="bandwidth_h=1"),
            non_negative_number(
                prior_strength, "prior_strength", example="prior_strength=10"
            ),
        )
        if p is not None
    ]
    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"tz must be an IANA time zone name, got {tz!r}. Pass e.g. "
            "tz='Asia/Shanghai'."
        )
        tz = schema.DEFAULT_TZ
    problems += _column_problems(reports, unit)
    lo = _bound(start, tz, "start", problems) if start is not None else None
    hi = _bound(end, tz, "end", problems) if end is not None else None
    w_all = _report_weights(reports, weight, problems)
    collect_problems(problems, "hour_of_week_profile")
    return _Arguments(tz=tz, lo=lo, hi=hi, weights=w_all)


def _column_problems(reports: pd.DataFrame, unit: str) -> list[str]:
    """Return the problems of the columns: missing, or times without a zone."""
    problems = [
        f"reports must have the column {col!r}, got columns "
        f"{list(reports.columns)!r}. Join the reports to their units with "
        "hotspots.assign, or pass unit= an existing id column."
        for col in (schema.REPORTED_AT, schema.CATEGORY, unit)
        if col not in reports.columns
    ]
    if schema.REPORTED_AT in reports.columns and not isinstance(
        reports[schema.REPORTED_AT].dtype, pd.DatetimeTZDtype
    ):
        problems.append(
            f"reports['reported_at'] must be tz-aware datetimes, got dtype "
            f"{reports[schema.REPORTED_AT].dtype}. Read the reports with "
            "hotspots.read_reports, or use .dt.tz_localize('Asia/Shanghai')."
        )
    return problems


def _report_weights(
    reports: pd.DataFrame, weight: str | None, problems: list[str]
) -> FloatArray:
    """Return each report's weight (1 without a weight column); record problems.

    The column is ``weight`` when given, else ``"weight"`` when present.
    """
    wcol = (
        weight
        if weight is not None
        else (schema.WEIGHT if schema.WEIGHT in reports.columns else None)
    )
    if weight is not None and weight not in reports.columns:
        problems.append(
            f"weight column {weight!r} is not in reports, got columns "
            f"{list(reports.columns)!r}. Pass weight=None to count every report 1."
        )
        wcol = None
    w_all: FloatArray = np.ones(len(reports))
    if wcol is not None:
        w_all = pd.to_numeric(reports[wcol], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        bad = ~np.isfinite(w_all) | (w_all < 0)
        if bad.any():
            problems.append(
                f"reports[{wcol!r}] must be finite numbers >= 0, got {int(bad.sum())} "
                "others. Fill or fix the weights."
            )
    return w_all


@dataclass(frozen=True)
class _Bins:
    """The kept reports as codes: hour of week, unit, category, weight."""

    hour: IntArray
    weight: FloatArray
    unit_codes: IntArray
    unit_ids: pd.Index
    category_codes: IntArray
    category_ids: pd.Index
    n_weeks: float


def _bins(reports: pd.DataFrame, unit: str, args: _Arguments) -> _Bins:
    """Code the reports with a unit and a time in the window by hour of week."""
    lo, hi, tz = args.lo, args.hi, args.tz
    times = reports[schema.REPORTED_AT]
    keep = times.notna().to_numpy() & reports[unit].notna().to_numpy()
    if lo is not None:
        keep &= (times >= lo).fillna(False).to_numpy(dtype=bool)
    if hi is not None:
        keep &= (times < hi).fillna(False).to_numpy(dtype=bool)
    local = times[keep].dt.tz_convert(tz)
    how = (local.dt.day_of_week * 24 + local.dt.hour).to_numpy(dtype=np.int64)
    units = reports.loc[keep, unit]
    cats = reports.loc[keep, schema.CATEGORY].astype("string").fillna("")
    u_codes, u_ids = pd.factorize(units, sort=True)
    c_codes, c_ids = pd.factorize(cats, sort=True)
    if lo is not None and hi is not None:
        span_days = (hi - lo) / pd.Timedelta(days=1)
    elif len(local):
        span_days = (local.max() - local.min()) / pd.Timedelta(days=1)
        span_days = np.ceil(span_days + 1e-9)  # whole days covered
    else:
        span_days = 7.0
    return _Bins(
        hour=how,
        weight=args.weights[keep],
        unit_codes=np.asarray(u_codes, dtype=np.int64),
        unit_ids=pd.Index(u_ids),
        category_codes=np.asarray(c_codes, dtype=np.int64),
        category_ids=pd.Index(c_ids),
        n_weeks=max(float(span_days) / 7.0, 1.0 / 7.0),
    )


@dataclass(frozen=True)
class _Pooled:
    """Pooled unit shares, unit totals and category priors."""

    share: FloatArray
    n: FloatArray
    cat_share: FloatArray


def _pooled_shares(bins: _Bins, bandwidth_h: float, prior_strength: float) -> _Pooled:
    """Smooth the counts on the circle and pool each unit towards its categories."""
    n_u, n_c = len(bins.unit_ids), len(bins.category_ids)
    w, how = bins.weight, bins.hour
    u_codes, c_codes = bins.unit_codes, bins.category_codes
    kernel = _kernel(bandwidth_h)
    counts = sp.csr_matrix((w, (u_codes, how)), shape=(n_u, HOURS_PER_WEEK))
    unit_cat = sp.csr_matrix((w, (u_codes, c_codes)), shape=(n_u, n_c))
    cat_counts = sp.csr_matrix((w, (c_codes, how)), shape=(n_c, HOURS_PER_WEEK))
    cat_smooth = np.asarray(cat_counts @ kernel)
    cat_tot = cat_smooth.sum(axis=1, keepdims=True)
    cat_share = np.divide(
        cat_smooth,
        cat_tot,
        out=np.full_like(cat_smooth, 1.0 / HOURS_PER_WEEK),
        where=cat_tot > 0,
    )
    smooth = np.asarray(counts @ kernel)
    n = np.asarray(counts.sum(axis=1)).ravel()
    mix = np.asarray(unit_cat @ cat_share)  # n_u x 168, rows sum to n
    prior = np.divide(
        mix,
        n[:, None],
        out=np.full_like(mix, 1.0 / HOURS_PER_WEEK),
        where=n[:, None] > 0,
    )
    a = prior_strength
    denom = n + a
    share = np.divide(
        smooth + a * prior,
        denom[:, None],
        out=np.full_like(smooth, 1.0 / HOURS_PER_WEEK),
        where=denom[:, None] > 0,
    )
    return _Pooled(share=share, n=n, cat_share=cat_share)


# ------------------------------------------------------------------------------
# peak windows
# ------------------------------------------------------------------------------
def _days_words(days: tuple[int, ...], language: str) -> str:
    if len(days) == 7:
        return _EVERY_DAY[language]
    names = DAY_NAMES[language]
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = [
        names[r[0]]
        if len(r) == 1
        else f"{names[r[0]]}{_RUN_SEP[language]}{names[r[-1]]}"
        for r in runs
    ]
    return _LIST_SEP[language].join(parts)


def _clock(minutes: int) -> str:
    m = int(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def window_words(
    days: tuple[int, ...], start_min: int, end_min: int
) -> tuple[str, str]:
    """Say a window in Chinese and English: ``("周五至周日 18:00-21:00", ...)``.

    Parameters
    ----------
    days
        Weekdays (0 = Monday ... 6 = Sunday), ascending, at least one.
    start_min, end_min
        Clock minutes after midnight (``end_min`` may pass midnight: 1500 is
        01:00 the next day).

    Returns
    -------
    tuple of str
        The Chinese and the English words. Consecutive days are joined
        ("周五至周日" / "Fri-Sun"), all seven are "每天" / "Daily".

    Raises
    ------
    InputError
        When ``days`` is empty or holds other than 0..6.

    Examples
    --------
    >>> window_words((4, 5, 6), 18 * 60, 21 * 60)
    ('周五至周日 18:00-21:00', 'Fri-Sun 18:00-21:00')
    """
    clean = sorted({int(d) for d in days})
    if not clean or clean[0] < 0 or clean[-1] > 6:
        msg = (
            f"days must hold weekdays 0 (Monday) to 6 (Sunday), got {days!r}. "
            "Pass e.g. days=(4, 5, 6) for Friday to Sunday."
        )
        raise InputError(msg)
    times = f"{_clock(start_min)}-{_clock(end_min)}"
    t = tuple(clean)
    return f"{_days_words(t, 'zh')} {times}", f"{_days_words(t, 'en')} {times}"


def peak_windows(profile: HourProfile, *, hours: int = 3) -> pd.DataFrame:
    """Find the densest window of ``hours`` hours of each unit, in words and minutes.

    The window's start hour maximises the unit's share summed over every day
    in ``[h, h + hours)`` (circular over the day, so 22:00-01:00 is a window);
    the days named are those whose share in that window is at least half the
    busiest day's, grouped into runs ("周五至周日" / "Fri-Sun"; all seven
    "每天" / "Daily").

    Parameters
    ----------
    profile
        From :func:`hour_of_week_profile`.
    hours
        Window length in whole hours, 1 to 24 (default 3).

    Returns
    -------
    pandas.DataFrame
        Index: the profile's units. Columns ``peak_window_zh``,
        ``peak_window_en``, ``peak_start_min`` and ``peak_end_min`` (clock
        minutes after midnight; the end may exceed 1440 when the window passes
        midnight), ``peak_days`` (weekdays, Monday = 0, e.g. "4,5,6") and
        ``peak_share`` (the share of the unit's week in the window on the days
        named).

    Raises
    ------
    InputError
        When ``hours`` is not a whole number of hours from 1 to 24.
    TypeError
        When ``profile`` is not an :class:`HourProfile`.
    """
    if not isinstance(profile, HourProfile):
        msg = f"profile must be an HourProfile, got {type(profile).__name__}."
        raise TypeError(msg)
    problem = whole_number(hours, "hours", example="hours=3", minimum=1, maximum=24)
    if problem is not None:
        raise InputError(problem)
    h = int(hours)
    cube = profile.shares.to_numpy(dtype=np.float64).reshape(-1, 7, 24)
    # per day, the share in [s, s + h) for every start s (wrapping into next day)
    flat = profile.shares.to_numpy(dtype=np.float64)
    ext = np.concatenate([flat, flat[:, :h]], axis=1)
    csum = np.concatenate([np.zeros((len(flat), 1)), np.cumsum(ext, axis=1)], axis=1)
    win = (csum[:, h : h + HOURS_PER_WEEK] - csum[:, :HOURS_PER_WEEK]).reshape(
        -1, 7, 24
    )
    best = win.sum(axis=1).argmax(axis=1) if len(cube) else np.zeros(0, np.int64)
    per_day = np.take_along_axis(win, best[:, None, None], axis=2)[:, :, 0]
    top = per_day.max(axis=1, initial=0.0)
    on = per_day >= _DAY_SHARE * top[:, None] - 1e-15
    share = (per_day * on).sum(axis=1)
    bits = (on * (1 << np.arange(7))).sum(axis=1)
    zh = np.empty(len(cube), dtype=object)
    en = np.empty(len(cube), dtype=object)
    day_text = np.empty(len(cube), dtype=object)
    combos: object = (
        pd.MultiIndex.from_arrays([bits, best]).unique() if len(cube) else []
    )
    lookup: dict[tuple[int, int], tuple[str, str, str]] = {}
    for b, s in combos:  # type: ignore[attr-defined]
        days = tuple(d for d in range(7) if int(b) >> d & 1)
        z, e = window_words(days, int(s) * 60, (int(s) + h) * 60)
        lookup[(int(b), int(s))] = (z, e, ",".join(str(d) for d in days))
    for k, (b, s) in enumerate(zip(bits.tolist(), best.tolist(), strict=True)):
        zh[k], en[k], day_text[k] = lookup[(b, s)]
    return pd.DataFrame(
        {
            PEAK_WINDOW_ZH: pd.array(zh, dtype="string"),
            PEAK_WINDOW_EN: pd.array(en, dtype="string"),
            PEAK_START_MIN: (best * 60).astype(np.int64),
            PEAK_END_MIN: ((best + h) * 60).astype(np.int64),
            PEAK_DAYS: pd.array(day_text, dtype="string"),
            PEAK_SHARE: share,
        },
        index=profile.shares.index,
    )


def daily_profile(
    profile: HourProfile, unit_id: object, *, weekday: int | None = None
) -> FloatArray:
    """Return one unit's 24 hourly shares of a day (all week or one weekday).

    Parameters
    ----------
    profile
        From :func:`hour_of_week_profile`.
    unit_id
        A unit of the profile.
    weekday
        0 (Monday) to 6 (Sunday), or None (default) for the week's sum.

    Returns
    -------
    numpy.ndarray
        24 shares (clock hour 0..23) of the unit's week.

    Raises
    ------
    InputError
        When ``unit_id`` is not in the profile or ``weekday`` is not 0..6.
    """
    g = profile.grid(unit_id)
    if weekday is None:
        total: FloatArray = g.sum(axis=0)
        return total
    if isinstance(weekday, bool) or weekday not in range(7):
        msg = (
            f"weekday must be 0 (Monday) to 6 (Sunday) or None, got {weekday!r}. "
            "Pass e.g. weekday=4 for Friday."
        )
        raise InputError(msg)
    day: FloatArray = g[int(weekday)].copy()
    return day
