"""Time limits (限期整改) on the Chinese working-day calendar and case lifecycle.

Every case category has a time limit, either in clock hours (urgent cases,
e.g. 2 hours for a blocked road) or in working days (工作日). Working days are
the days of the official Chinese calendar: Monday to Friday, minus the public
holidays, plus the adjusted working days (调休, weekend days worked in exchange
for a longer holiday). The calendar comes from the ``chinese-calendar``
package, which transcribes the State Council's yearly holiday notice (国务院办
公厅关于部分节假日安排的通知) for every year from 2004; it was chosen over
``holidays`` because it is the package that carries the 调休 working days as
data (``holidays`` lists the days off; its working-day support for China is
partial), it has no dependencies, and it is updated each year within days of
the notice.

Dates beyond the package's coverage (before 2004, or years whose notice it
does not carry yet: 2027 with chinese-calendar 1.11) are handled by
``beyond_calendar``: ``"weekends"`` (default) counts Monday to Friday as
working days there and warns with :class:`CalendarCoverageWarning` (due
times in those years ignore holidays and 调休 until the package is
upgraded); ``"raise"`` raises :class:`~hotspots.errors.InputError`.

References
----------
chinese-calendar, https://github.com/LKI/chinese-calendar (PyPI
``chinese-calendar``), data from the State Council's yearly notices.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core import schema as sc
from .._core.types import TimeLike
from .._core.validate import local_time, require_frame
from ..errors import HotspotsWarning, InputError, collect_problems

__all__ = [
    "CLOSED_ON_TIME",
    "DUE_AT",
    "EXAMPLE_LIMITS",
    "IS_CLOSED",
    "OVERDUE_DAYS",
    "OVERDUE_NOW",
    "REOPENED",
    "CalendarCoverageWarning",
    "NoLimitWarning",
    "TimeLimit",
    "deadlines",
    "limit_table",
    "working_days",
]

DUE_AT: Final = "due_at"
IS_CLOSED: Final = "is_closed"
CLOSED_ON_TIME: Final = "closed_on_time"
OVERDUE_NOW: Final = "overdue_now"
OVERDUE_DAYS: Final = "overdue_days"
REOPENED: Final = "reopened"

LimitUnit = Literal["hours", "working_days"]
BeyondCalendar = Literal["weekends", "raise"]
#: Statuses of a case that is not (or no longer) closed.
_OPEN_STATUSES: Final = ("open", "dispatched", "reopened")
_DAY: Final = pd.Timedelta(days=1)


class CalendarCoverageWarning(HotspotsWarning):
    """Some dates lie outside the working-day calendar's years.

    Attributes
    ----------
    years
        The years counted as Monday-to-Friday weeks without holidays.
    """

    def __init__(self, message: str, years: tuple[int, ...]) -> None:
        super().__init__(message)
        self.years = years


class NoLimitWarning(HotspotsWarning):
    """Some cases have a category without a time limit (they get no due time)."""


@dataclass(frozen=True)
class TimeLimit:
    """The time limit of one category.

    Attributes
    ----------
    amount
        Clock hours (a positive number) or working days (a positive integer).
    unit
        ``"hours"`` or ``"working_days"``.
    """

    amount: float
    unit: LimitUnit = "working_days"


#: An EXAMPLE time-limit table for the sample district: NOT an official
#: standard. Each city sets its own limits in its config (``[deadlines]``).
EXAMPLE_LIMITS: Final[Mapping[str, TimeLimit]] = {
    # street order: found and cleared the same day
    "占道经营": TimeLimit(24, "hours"),
    "无照经营游商": TimeLimit(24, "hours"),
    "店外经营": TimeLimit(24, "hours"),
    "农贸市场秩序问题": TimeLimit(2, "working_days"),
    "机动车乱停放": TimeLimit(4, "hours"),
    "非机动车乱停放": TimeLimit(4, "hours"),
    "共享单车乱象": TimeLimit(4, "hours"),
    "占用消防通道": TimeLimit(2, "hours"),
    # construction and sanitation
    "施工废弃料": TimeLimit(3, "working_days"),
    "积存垃圾渣土": TimeLimit(2, "working_days"),
    "工地扬尘": TimeLimit(1, "working_days"),
    "施工占道": TimeLimit(3, "working_days"),
    "道路遗撒（洒）": TimeLimit(24, "hours"),
    "暴露垃圾": TimeLimit(24, "hours"),
    "乱堆杂物": TimeLimit(2, "working_days"),
    "垃圾站（箱）满溢": TimeLimit(12, "hours"),
    "道路不洁": TimeLimit(24, "hours"),
    # flyposting
    "非法小广告": TimeLimit(2, "working_days"),
    "街头散发广告": TimeLimit(24, "hours"),
    "违规户外广告": TimeLimit(5, "working_days"),
    # other
    "流浪犬": TimeLimit(48, "hours"),
    "私设地锁、阻车桩": TimeLimit(3, "working_days"),
    "沿街晾挂": TimeLimit(1, "working_days"),
    "道路破损": TimeLimit(5, "working_days"),
    "油烟污染": TimeLimit(5, "working_days"),
    "噪声扰民": TimeLimit(2, "working_days"),
    "露天烧烤": TimeLimit(24, "hours"),
    "井盖破损": TimeLimit(24, "hours"),
    "废弃车辆": TimeLimit(5, "working_days"),
    "绿地脏乱": TimeLimit(2, "working_days"),
}


def _official_year(year: int) -> npt.NDArray[np.bool_] | None:
    """Working-day flags of every day of ``year``, or None when not covered."""
    import chinese_calendar

    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    try:
        flags = [chinese_calendar.is_workday(d.date()) for d in days]
    except NotImplementedError:
        return None
    return np.asarray(flags, dtype=bool)


def working_days(
    start: dt.date | str,
    end: dt.date | str,
    *,
    beyond_calendar: BeyondCalendar = "weekends",
) -> pd.Series:
    """Return whether each day from ``start`` to ``end`` is a Chinese working day.

    Parameters
    ----------
    start, end
        First and last day (inclusive), as dates or ISO strings.
    beyond_calendar
        What to do for years the calendar package does not cover:
        ``"weekends"`` counts Monday to Friday and warns, ``"raise"`` raises.

    Returns
    -------
    pandas.Series
        Boolean, indexed by a daily :class:`pandas.DatetimeIndex` (naive,
        local dates): True on working days, including 调休 weekend days.

    Raises
    ------
    InputError
        When ``end`` is before ``start``, ``beyond_calendar`` is unknown, or
        ``beyond_calendar="raise"`` and a year is not covered.

    Warns
    -----
    CalendarCoverageWarning
        With the years counted as plain Monday-to-Friday weeks.

    References
    ----------
    chinese-calendar, https://github.com/LKI/chinese-calendar.

    Examples
    --------
    >>> w = working_days("2025-09-27", "2025-09-28")
    >>> w.tolist()  # Saturday off, Sunday 28 September worked (调休)
    [False, True]
    """
    if beyond_calendar not in ("weekends", "raise"):
        msg = (
            f"beyond_calendar must be 'weekends' or 'raise', got {beyond_calendar!r}. "
            "Pass beyond_calendar='raise' to stop on dates the calendar lacks."
        )
        raise InputError(msg)
    first = pd.Timestamp(start).normalize()
    last = pd.Timestamp(end).normalize()
    if last < first:
        msg = f"end must not be before start, got start={start!r}, end={end!r}."
        raise InputError(msg)
    parts: list[npt.NDArray[np.bool_]] = []
    missing: list[int] = []
    for year in range(first.year, last.year + 1):
        flags = _official_year(year)
        if flags is None:
            missing.append(year)
            days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
            flags = np.asarray(days.day_of_week < 5, dtype=bool)
        parts.append(flags)
    index = pd.date_range(f"{first.year}-01-01", f"{last.year}-12-31", freq="D")
    out = pd.Series(np.concatenate(parts), index=index, name="working_day")
    if missing:
        years = ", ".join(str(y) for y in missing)
        if beyond_calendar == "raise":
            msg = (
                f"the working-day calendar (chinese-calendar) does not cover the "
                f"year(s) {years}. Upgrade it (pip install -U chinese-calendar) "
                "once the State Council's notice is out, or pass "
                "beyond_calendar='weekends' to count Monday to Friday there."
            )
            raise InputError(msg)
        warnings.warn(
            CalendarCoverageWarning(
                f"the working-day calendar does not cover {years}: Monday to "
                "Friday are counted as working days there, without holidays or "
                "调休. Upgrade chinese-calendar once the year's notice is out.",
                tuple(missing),
            ),
            stacklevel=2,
        )
    return out.loc[first:last]


def _limit_of(value: object, category: str) -> tuple[TimeLimit | None, str | None]:
    """Return one category's limit as a :class:`TimeLimit`, or the problem."""
    limit: TimeLimit
    if isinstance(value, TimeLimit):
        limit = value
    elif (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[1], str)
        and isinstance(value[0], int | float)
    ):
        limit = TimeLimit(float(value[0]), value[1])  # type: ignore[arg-type]
    else:
        return None, (
            f"limits[{category!r}] must be a TimeLimit or (amount, unit), got "
            f"{value!r}. Pass e.g. TimeLimit(3, 'working_days') or (48, 'hours')."
        )
    amount = limit.amount
    if limit.unit not in ("hours", "working_days"):
        return None, (
            f"limits[{category!r}] has unit {limit.unit!r}; expected 'hours' or "
            "'working_days'. Pass e.g. TimeLimit(3, 'working_days')."
        )
    bad = (
        isinstance(amount, bool)
        or not isinstance(amount, int | float)
        or not math.isfinite(amount)
        or amount <= 0
        or (limit.unit == "working_days" and float(amount) != int(amount))
    )
    if bad:
        what = "a positive whole number of working days"
        if limit.unit == "hours":
            what = "a positive number of hours"
        return None, (
            f"limits[{category!r}] must be {what}, got {amount!r}. "
            "Pass e.g. TimeLimit(3, 'working_days') or TimeLimit(48, 'hours')."
        )
    return limit, None


def _validate(
    reports: object, limits: object, now: object, tz: str
) -> tuple[dict[str, TimeLimit], pd.Timestamp]:
    """Check the arguments of :func:`deadlines`; return the limits and ``now``."""
    reports = require_frame(reports, "reports")
    if not isinstance(limits, Mapping):
        msg = (
            f"limits must be a mapping category -> TimeLimit, got "
            f"{type(limits).__name__}. Pass e.g. {{'乱停车': TimeLimit(4, 'hours')}}."
        )
        raise TypeError(msg)
    problems: list[str] = []
    table: dict[str, TimeLimit] = {}
    for key, value in limits.items():
        limit, problem = _limit_of(value, str(key))
        if problem:
            problems.append(problem)
        elif limit is not None:
            table[str(key)] = limit
    for col in (sc.REPORTED_AT, sc.CATEGORY):
        if col not in reports.columns:
            problems.append(
                f"reports must have the column {col!r}, got "
                f"{list(reports.columns)!r}. Read them with hotspots.read_reports."
            )
    for col in (sc.REPORTED_AT, sc.CLOSED_AT):
        if col in reports.columns and not isinstance(
            reports[col].dtype, pd.DatetimeTZDtype
        ):
            problems.append(
                f"reports[{col!r}] must hold timezone-aware timestamps, got dtype "
                f"{reports[col].dtype!s}. Localize them, e.g. "
                f"pd.to_datetime(col).dt.tz_localize({tz!r})."
            )
    try:
        zone = pd.Timestamp("2000-01-01", tz=tz).tz
    except Exception as err:  # unknown zone names raise several types
        msg = f"tz must be an IANA timezone name, got {tz!r}. Pass tz='Asia/Shanghai'."
        raise InputError(msg) from err
    stamp: pd.Timestamp
    if now is None:
        stamp = pd.Timestamp.now(tz=zone)
    else:
        given, problem = local_time(
            now, "now", tz=zone, example="'2026-10-09 18:00+08:00'"
        )
        if problem:
            problems.append(problem)
        stamp = pd.Timestamp.now(tz=zone) if given is None else given
    collect_problems(problems, "deadlines")
    return table, stamp


def limit_table(
    limits: Mapping[str, tuple[float, str]],
    default: tuple[float, str] | None,
    categories: Iterable[object],
) -> dict[str, TimeLimit]:
    """Return the time limit of every category: the table, ``default`` for the rest.

    Parameters
    ----------
    limits
        Category -> ``(amount, unit)`` (``unit`` ``"hours"`` or
        ``"working_days"``), as ``[deadlines.limits]`` gives them.
    default
        The limit of every category in ``categories`` that ``limits`` lacks,
        or ``None`` (those categories then have no deadline).
    categories
        The categories of the cases (missing ones are skipped).

    Returns
    -------
    dict
        Category -> :class:`TimeLimit`.

    Examples
    --------
    >>> t = limit_table({"占道经营": (24, "hours")}, (3, "working_days"), ["暴露垃圾"])
    >>> t["暴露垃圾"].amount, t["暴露垃圾"].unit
    (3, 'working_days')
    """
    table = {str(k): TimeLimit(a, u) for k, (a, u) in limits.items()}  # type: ignore[arg-type]
    if default is not None:
        for category in pd.unique(pd.Series(list(categories), dtype=object).dropna()):
            table.setdefault(str(category), TimeLimit(default[0], default[1]))  # type: ignore[arg-type]
    return table


def deadlines(
    reports: pd.DataFrame,
    limits: Mapping[str, TimeLimit | tuple[float, str]],
    *,
    now: TimeLike | None = None,
    tz: str = sc.DEFAULT_TZ,
    beyond_calendar: BeyondCalendar = "weekends",
) -> pd.DataFrame:
    """Add each case's due time and lifecycle flags.

    A limit in hours is counted in clock hours from ``reported_at``. A limit
    of N working days ends at the end (23:59:59) of the N-th working day
    after the local filing date (the filing day itself does not count, as a
    clerk counts: a case filed on Friday 26 September 2025 with 3 working
    days is due on Tuesday 30 September, after the 调休 Sunday 28th and
    Monday 29th; filed during a holiday, the count starts at the first
    working day after it).

    Parameters
    ----------
    reports
        Cases: ``reported_at`` (tz-aware), ``category``; optional
        ``closed_at`` (tz-aware or NaT), ``status`` and ``reopen_count``.
        Not modified.
    limits
        Category -> :class:`TimeLimit` (or ``(amount, unit)``); see
        :data:`EXAMPLE_LIMITS` (an example, not an official standard).
    now
        The time to judge open cases against (tz-aware, or naive in ``tz``);
        default the current time. Pass it for reproducible runs.
    tz
        The timezone whose dates are the calendar's days (default
        Asia/Shanghai).
    beyond_calendar
        ``"weekends"`` (default): years the calendar package does not cover
        count Monday to Friday, with a :class:`CalendarCoverageWarning`;
        ``"raise"``: raise an :class:`InputError` instead.

    Returns
    -------
    pandas.DataFrame
        A copy of ``reports`` (same type, index, order, columns) with
        ``due_at`` (tz-aware in ``tz``; NaT without a limit), ``is_closed``
        (a ``closed_at`` and a status not open / dispatched / reopened),
        ``closed_on_time`` (nullable boolean: closed by ``due_at``; NA while
        open or without a limit), ``overdue_now`` (open and past due at
        ``now``), ``overdue_days`` (float calendar days past due: closed late
        -> ``closed_at - due_at``, open and past due -> ``now - due_at``,
        else 0; NA without a limit) and ``reopened`` (status ``reopened`` or
        ``reopen_count > 0``).

    Raises
    ------
    TypeError
        When ``reports`` is not a frame or ``limits`` not a mapping.
    InputError
        Listing every problem: missing columns, naive times, bad limits, an
        unknown timezone, a bad ``now``; or dates beyond the calendar with
        ``beyond_calendar="raise"``.

    Warns
    -----
    NoLimitWarning
        With the number of cases whose category has no limit (kept, NaT).
    CalendarCoverageWarning
        When working days fall in years the calendar does not cover.

    References
    ----------
    chinese-calendar, https://github.com/LKI/chinese-calendar (State Council
    holiday notices, including 调休 working days).

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({
    ...     "report_id": ["a"], "category": ["乱贴乱画"],
    ...     "reported_at": pd.to_datetime(["2025-09-26 10:00"]).tz_localize(
    ...         "Asia/Shanghai")})
    >>> out = deadlines(cases, {"乱贴乱画": TimeLimit(3, "working_days")},
    ...                 now="2025-10-09 09:00")
    >>> str(out["due_at"].iloc[0])
    '2025-09-30 23:59:59+08:00'
    >>> bool(out["overdue_now"].iloc[0])
    True
    """
    table, stamp = _validate(reports, limits, now, tz)
    if beyond_calendar not in ("weekends", "raise"):
        msg = (
            f"beyond_calendar must be 'weekends' or 'raise', got {beyond_calendar!r}. "
            "Pass beyond_calendar='raise' to stop on dates the calendar lacks."
        )
        raise InputError(msg)
    out = reports.copy()
    n = len(out)
    filed = out[sc.REPORTED_AT].dt.tz_convert(tz)
    category = out[sc.CATEGORY].astype("string")
    amount = category.map({k: v.amount for k, v in table.items()}).astype("float64")
    unit = category.map({k: v.unit for k, v in table.items()})
    no_limit = amount.isna().to_numpy() & filed.notna().to_numpy()
    if no_limit.any():
        missing = sorted(category[no_limit].fillna("<NA>").unique().tolist())
        warnings.warn(
            NoLimitWarning(
                f"{int(no_limit.sum())} cases have a category without a time limit "
                f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}); "
                "they get no due time. Add the categories to the limits."
            ),
            stacklevel=2,
        )
    due = pd.Series(pd.NaT, index=out.index, dtype=filed.dtype)
    hours = (unit == "hours").to_numpy() & filed.notna().to_numpy()
    if hours.any():
        due[hours] = filed[hours] + pd.to_timedelta(amount[hours], unit="h")
    wd = (unit == "working_days").to_numpy() & filed.notna().to_numpy()
    if wd.any():
        due[wd] = _working_day_due(
            filed[wd], amount[wd].to_numpy().astype(np.int64), tz, beyond_calendar
        )
    out[DUE_AT] = due
    closed_at = (
        out[sc.CLOSED_AT].dt.tz_convert(tz)
        if sc.CLOSED_AT in out.columns
        else pd.Series(pd.NaT, index=out.index, dtype=filed.dtype)
    )
    status = (
        out[sc.STATUS].astype("string")
        if sc.STATUS in out.columns
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    is_closed = closed_at.notna().to_numpy() & ~status.isin(_OPEN_STATUSES).to_numpy()
    has_due = due.notna().to_numpy()
    late_by = (closed_at - due).to_numpy()
    on_time = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
    on_time[:] = (late_by <= np.timedelta64(0, "ns")) & is_closed
    on_time[~(is_closed & has_due)] = pd.NA
    out[IS_CLOSED] = is_closed
    out[CLOSED_ON_TIME] = pd.Series(on_time, index=out.index)
    overdue_now = ~is_closed & has_due & (due < stamp).to_numpy()
    out[OVERDUE_NOW] = overdue_now
    days = np.zeros(n, dtype=np.float64)
    late = is_closed & has_due & (late_by > np.timedelta64(0, "ns"))
    days[late] = (closed_at[late] - due[late]).dt.total_seconds().to_numpy() / 86400
    days[overdue_now] = (stamp - due[overdue_now]).dt.total_seconds().to_numpy() / 86400
    days[~has_due] = np.nan
    out[OVERDUE_DAYS] = days
    reopened = (status == "reopened").fillna(False).to_numpy(dtype=bool)
    if sc.REOPEN_COUNT in out.columns:
        count = pd.to_numeric(out[sc.REOPEN_COUNT], errors="coerce").fillna(0)
        reopened |= count.to_numpy() > 0
    out[REOPENED] = reopened
    return out


def _working_day_due(
    filed: pd.Series, n_days: npt.NDArray[np.int64], tz: str, beyond: BeyondCalendar
) -> pd.Series:
    """Due times of working-day limits, vectorised over one calendar array."""
    local_day = filed.dt.tz_localize(None).dt.normalize()
    first = local_day.min()
    # the longest run of non-working days is well under 12 days, so twice the
    # limit plus 30 days always holds the N-th working day after the last filing
    last = local_day.max() + pd.Timedelta(days=int(2 * n_days.max()) + 30)
    # the look-ahead may reach a year the calendar lacks while no due day
    # does: only the years the cases actually span are reported below
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarCoverageWarning)
        cal = working_days(first, last, beyond_calendar="weekends")
    missing = {
        y
        for w in caught
        if isinstance(w.message, CalendarCoverageWarning)
        for y in w.message.years
    }
    flags = cal.to_numpy()
    work_pos = np.flatnonzero(flags)
    done = np.cumsum(flags)  # working days up to and including each day
    offset = ((local_day - first) / _DAY).to_numpy().astype(np.int64)
    k = done[offset] + n_days - 1  # index into work_pos of the due day
    due_day = cal.index[work_pos[k]]
    spanned = set(range(first.year, int(due_day.max().year) + 1)) & missing
    if spanned:  # the same message as working_days for the years in use
        years = tuple(sorted(spanned))
        working_days(f"{years[0]}-01-01", f"{years[-1]}-12-31", beyond_calendar=beyond)
    end = due_day + pd.Timedelta(hours=23, minutes=59, seconds=59)
    return pd.Series(end.tz_localize(tz), index=filed.index)
