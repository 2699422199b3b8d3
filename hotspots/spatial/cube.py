"""The space-time cube: report counts per unit and period, every cell present.

:func:`space_time_cube` turns reports already joined to their units (grid
cells or street segments, see :func:`hotspots.spatial.join.assign`) into a wide
table: one row per unit (all units, in the units' order), one column per
period (all periods between ``start`` and ``end``), zeros where nothing was
reported, so later steps never miss an empty week.

Periods
-------
Periods are local calendar periods in the config's timezone ``tz``:

* ``"W-MON"`` (default): weeks starting on Monday at 00:00 local time,
  labelled ISO-style ``"2026-W47"`` (ISO 8601 week-numbering year, so
  Monday 2024-12-30 belongs to ``"2025-W01"``). ``"W-TUE"`` ... ``"W-SUN"``
  give weeks starting on another day, labelled by their first day
  (``"2026-11-15"``). Note that this is the week *start*; pandas' own
  ``"W-MON"`` anchors weeks at their *end*.
* ``"D"``: days, labelled ``"2026-11-16"``.
* ``"MS"``: calendar months, labelled ``"2026-11"``.

Timestamps with a timezone are converted to ``tz``; naive timestamps are
taken as wall-clock time in ``tz`` (as :func:`hotspots.read.reports.read_reports`
does with naive input).

Reports that are not counted
----------------------------
No report disappears silently. A report is not counted when its unit is
missing (NA, e.g. outside every grid cell), its unit is not one of
``units``, its time is missing, it falls outside ``[start, end]``, or (with
``category``) its category is missing. Those reports are counted by reason
in one :class:`~hotspots.errors.ReportsLeftOutWarning`, and the cube's
``attrs["uncounted"]`` holds the same counts, so ``cube.to_numpy().sum() +
sum(attrs["uncounted"].values()) == len(reports)`` for counts.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core.lookup import positions
from .._core.schema import DEFAULT_TZ, GRID_ID, PERIOD, REPORTED_AT
from .._core.types import BoolArray, IntArray, TimeLike, TimesLike
from .._core.validate import (
    missing_columns,
    one_of,
    require_frame,
    time_zone,
    unique_ids,
    unit_column,
)
from ..errors import InputError, ReportsLeftOutWarning, collect_problems

__all__ = [
    "FREQS",
    "PERIOD",
    "period_labels",
    "period_range",
    "period_start",
    "space_time_cube",
]

#: Name of the cube's column axis.
_WEEKDAYS: Final = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
#: Supported period frequencies.
FREQS: Final = ("D", "MS", *(f"W-{d}" for d in _WEEKDAYS))
_NS_PER_DAY: Final = 86_400 * 10**9
_ISO_WEEK: Final = re.compile(r"^(\d{4})-W(\d{2})$")
_YEAR_NUMBER: Final = re.compile(r"^(\d{4})-(\d{1,2})$")
#: The years a period label may name (beyond pandas' nanosecond range,
#: 1677 to 2262, dates would wrap around).
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2200
# 1970-01-01 (day 0) was a Thursday: weekday index 3 with Monday = 0
_EPOCH_WEEKDAY: Final = 3

StrArray = npt.NDArray[np.str_]


# -- period arithmetic (integer codes) -------------------------------------------------


def _calendar_problems(freq: object, tz: object = DEFAULT_TZ) -> list[str]:
    """Return the problems of ``freq`` (any case) and ``tz``, from the kit's checks."""
    f = freq.upper() if isinstance(freq, str) else freq
    return [p for p in (one_of(f, "freq", FREQS), time_zone(tz)) if p]


def _week_start(freq: str) -> int:
    return _WEEKDAYS.index(freq[2:])


def wall_days(times: Any, tz: str) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Local calendar day number (days since 1970-01-01) per time, and NaT mask."""
    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert(tz).tz_localize(None)
    nat = np.asarray(idx.isna())
    ns = idx.as_unit("ns").asi8
    days = np.floor_divide(ns, _NS_PER_DAY)
    days[nat] = 0
    return days.astype(np.int64, copy=False), nat


def days_to_codes(days: IntArray, freq: str) -> IntArray:
    """Return the period code (an int per period of ``freq``) of each day number."""
    if freq == "D":
        return days
    if freq == "MS":
        months = days.astype("datetime64[D]").astype("datetime64[M]")
        return months.astype(np.int64)
    return np.floor_divide(days + _EPOCH_WEEKDAY - _week_start(freq), 7)


def _codes_to_start_days(codes: IntArray, freq: str) -> IntArray:
    if freq == "D":
        return codes
    if freq == "MS":
        return codes.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return codes * 7 - _EPOCH_WEEKDAY + _week_start(freq)


def codes_to_labels(codes: IntArray, freq: str) -> StrArray:
    """Return the label (``"2026-W47"``, ``"2026-11-16"``, ``"2026-11"``) per code."""
    if len(codes) == 0:
        return np.array([], dtype=str)
    if freq == "MS":
        return np.datetime_as_string(codes.astype("datetime64[M]"), unit="M")
    start = _codes_to_start_days(codes, freq).astype("datetime64[D]")
    if freq != "W-MON":
        return np.datetime_as_string(start, unit="D")
    # ISO week: the year of the week's Thursday, the week number of that Thursday
    thursday = start + np.timedelta64(3, "D")
    year = thursday.astype("datetime64[Y]")
    doy = (thursday - year.astype("datetime64[D]")).astype(np.int64)
    week = doy // 7 + 1
    years = year.astype(np.int64) + 1970
    return np.char.add(
        np.char.add(years.astype(str), "-W"), np.char.zfill(week.astype(str), 2)
    )


def _label_error(value: object, name: str, why: str) -> InputError:
    msg = (
        f"{name} must be a period label: a week 'YYYY-Www' (e.g. '2026-W47'), a "
        f"day 'YYYY-MM-DD' or a month 'YYYY-MM', years {MIN_YEAR} to {MAX_YEAR}, "
        f"got {value!r} ({why}). Pass e.g. {name}='2026-W47'."
    )
    return InputError(msg)


def label_to_code(value: object, freq: str, tz: str, name: str) -> int:
    """Period code of a label (``"2026-W47"``, ``"2026-11-16"``, ``"2026-11"``).

    Years outside :data:`MIN_YEAR` .. :data:`MAX_YEAR` are rejected: beyond
    pandas' nanosecond range (1677 to 2262) they would wrap around silently.
    """
    given = value
    if isinstance(value, str):
        text = value.strip()
        m = _ISO_WEEK.match(text)
        if m is not None:
            if freq != "W-MON":
                msg = (
                    f"{name} is an ISO week label {value!r} but freq={freq!r}. "
                    "Pass a date such as '2026-11-16', or freq='W-MON'."
                )
                raise InputError(msg)
            if not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
                raise _label_error(value, name, "year out of range")
            try:
                day = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            except ValueError as err:
                why = "no such week: W01 to W52, W53 in long years"
                raise _label_error(value, name, why) from err
            days = np.array([(day - dt.date(1970, 1, 1)).days], dtype=np.int64)
            return int(days_to_codes(days, freq)[0])
        m2 = _YEAR_NUMBER.match(text)
        if m2 is not None:
            if not 1 <= int(m2[2]) <= 12:
                raise _label_error(value, name, "no such month; a week needs the W")
            value = f"{text}-01"
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError) as err:
        raise _label_error(given, name, "not a date") from err
    if pd.isna(ts):
        raise _label_error(given, name, "missing")
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise _label_error(given, name, "year out of range")
    days, _ = wall_days([ts], tz)
    return int(days_to_codes(days, freq)[0])


# -- public helpers --------------------------------------------------------------------


def period_labels(
    times: TimesLike, *, freq: str = "W-MON", tz: str = DEFAULT_TZ
) -> StrArray:
    """Label the period of each timestamp.

    Parameters
    ----------
    times
        Timestamps (Series, DatetimeIndex, array or list). Aware timestamps
        are converted to ``tz``; naive ones are taken as wall time in ``tz``.
    freq
        ``"W-MON"`` (weeks starting Monday, ISO labels ``"2026-W47"``),
        ``"W-TUE"`` ... ``"W-SUN"`` (labelled by their first day), ``"D"``
        or ``"MS"`` (months, ``"2026-11"``).
    tz
        IANA timezone of the calendar (the config's timezone).

    Returns
    -------
    numpy.ndarray of str
        One label per timestamp; ``""`` where the time is missing.

    Raises
    ------
    InputError
        When ``freq`` or ``tz`` is not supported.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.to_datetime(["2026-11-16 00:30", "2024-12-30 09:00"])
    >>> period_labels(t).tolist()
    ['2026-W47', '2025-W01']
    >>> period_labels(pd.to_datetime(["2026-11-15 17:00"]).tz_localize("UTC")).tolist()
    ['2026-W47']
    """
    collect_problems(_calendar_problems(freq, tz), "period_labels")
    f = freq.upper()
    days, nat = wall_days(times, tz)
    codes = days_to_codes(days, f)
    out = np.full(len(codes), "", dtype=object)
    if (~nat).any():
        uniq, inv = np.unique(codes[~nat], return_inverse=True)
        out[~nat] = codes_to_labels(uniq, f)[inv]
    return out.astype(str)


def period_range(
    start_label: object, end_label: object, *, freq: str = "W-MON"
) -> list[str]:
    """List every period label from ``start_label`` to ``end_label`` inclusive.

    Parameters
    ----------
    start_label, end_label
        Period labels (``"2026-W47"``, ``"2026-11-16"``, ``"2026-11"``) or
        dates; a date stands for the period containing it.
    freq
        As in :func:`period_labels`.

    Returns
    -------
    list of str
        Chronological labels; empty when ``end_label`` is before
        ``start_label``.

    Raises
    ------
    InputError
        When a label cannot be read or ``freq`` is not supported.

    Examples
    --------
    >>> period_range("2025-W52", "2026-W02")
    ['2025-W52', '2026-W01', '2026-W02']
    >>> period_range("2026-11", "2027-01", freq="MS")
    ['2026-11', '2026-12', '2027-01']
    """
    collect_problems(_calendar_problems(freq), "period_range")
    f = freq.upper()
    a = label_to_code(start_label, f, "UTC", "start_label")
    b = label_to_code(end_label, f, "UTC", "end_label")
    if b < a:
        return []
    return [str(s) for s in codes_to_labels(np.arange(a, b + 1, dtype=np.int64), f)]


def period_start(
    labels: Sequence[str] | npt.ArrayLike | str,
    *,
    freq: str = "W-MON",
    tz: str = DEFAULT_TZ,
) -> pd.DatetimeIndex:
    """Return the start (local midnight in ``tz``) of each labelled period.

    Parameters
    ----------
    labels
        Period labels as made by :func:`period_labels` (or one label).
    freq, tz
        As in :func:`period_labels`.

    Returns
    -------
    pandas.DatetimeIndex
        Timezone-aware start of each period; the period ends where the next
        one starts.

    Raises
    ------
    InputError
        When a label cannot be read or ``freq``/``tz`` is not supported.

    Examples
    --------
    >>> period_start(["2026-W47"])[0]
    Timestamp('2026-11-16 00:00:00+0800', tz='Asia/Shanghai')
    """
    collect_problems(_calendar_problems(freq, tz), "period_start")
    f = freq.upper()
    items = [labels] if isinstance(labels, str) else list(np.asarray(labels).ravel())
    codes = np.array(
        [label_to_code(str(v), f, tz, "labels") for v in items], dtype=np.int64
    )
    days = _codes_to_start_days(codes, f).astype("datetime64[D]")
    naive = pd.DatetimeIndex(days.astype("datetime64[ns]"))
    # a midnight skipped or repeated by a daylight-saving change: first instant
    return naive.tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )


# -- the cube --------------------------------------------------------------------------


def validate_cube_inputs(
    reports: object,
    units: object,
    *,
    unit: str,
    freq: str,
    tz: str,
    weight: str | None,
    category: str | None,
    time: str,
) -> None:
    """Raise once with every problem of :func:`space_time_cube`'s arguments.

    The same checks for the partitioned cube (:mod:`hotspots.compute`).
    """
    options = _CubeOptions(
        unit=unit, freq=freq, tz=tz, weight=weight, category=category, time=time
    )
    _validate(reports, units, options)


def _validate(reports: object, units: object, options: _CubeOptions) -> None:
    """Raise once with every problem of the cube's inputs and options."""
    reports = require_frame(reports, "reports")
    units = require_frame(units, "units")
    problems = _calendar_problems(options.freq, options.tz)
    problems += _unit_problems(units, options.unit)
    problems += _report_column_problems(reports, options.unit, options.time)
    problems += _weight_problems(reports, options.weight)
    if options.category is not None and options.category not in reports.columns:
        problems.append(
            f"category must be a column of reports, got {options.category!r}. Pass "
            "category='category' or category=None."
        )
    collect_problems(problems, "space_time_cube")


def _unit_problems(units: pd.DataFrame, unit: str) -> list[str]:
    """Return the problems of the units' id column ``unit``."""
    missing = unit_column(units, unit)
    if missing:
        return [missing]
    problem = unique_ids(units[unit], f"units[{unit!r}]")
    return [problem] if problem else []


def _report_column_problems(reports: pd.DataFrame, unit: str, time: str) -> list[str]:
    """Return the problems of the reports' unit and time columns."""
    problems: list[str] = []
    for what, col in (("unit", unit), ("time", time)):
        if col not in reports.columns:
            fix = (
                "Join the reports to their units first with hotspots.assign(...)."
                if what == "unit"
                else "Read the reports with hotspots.read_reports(...)."
            )
            problems.append(
                f"reports must have the {what} column {col!r}, columns are "
                f"{list(reports.columns)!r}. {fix}"
            )
    if time in reports.columns and not (
        pd.api.types.is_datetime64_any_dtype(reports[time])
    ):
        problems.append(
            f"reports[{time!r}] must hold timestamps, got dtype "
            f"{reports[time].dtype!s}. Parse it with pandas.to_datetime or read "
            "the reports with hotspots.read_reports."
        )
    return problems


def _weight_problems(reports: pd.DataFrame, weight: str | None) -> list[str]:
    """Return the problems of the weight column (none when ``weight`` is None)."""
    if weight is None:
        return []
    if missing_columns(reports, [weight], "reports", fix="") is not None:
        return [
            f"weight must be a column of reports, got {weight!r}. Pass "
            "weight='weight' or weight=None to count reports."
        ]
    col = reports[weight]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return [
            f"reports[{weight!r}] must be numeric, got dtype "
            f"{col.dtype!s}. Convert it with pandas.to_numeric."
        ]
    n_bad = int((~np.isfinite(col.to_numpy(float))).sum())
    if n_bad:
        return [
            f"reports[{weight!r}] must be finite numbers, got {n_bad} "
            "missing or infinite weights. Fill them, e.g. "
            f"reports[{weight!r}].fillna(1.0)."
        ]
    return []


@dataclass(frozen=True)
class _CubeOptions:
    """The column and calendar options of :func:`space_time_cube`."""

    unit: str
    freq: str
    tz: str
    weight: str | None
    category: str | None
    time: str


@dataclass(frozen=True, eq=False)
class _ReportCodes:
    """Integer codes of each report: unit, period and category, with NA masks."""

    unit: IntArray
    unit_na: BoolArray
    unknown: BoolArray
    period: IntArray
    nat: BoolArray
    category: IntArray | None
    category_na: BoolArray
    category_labels: list[Any]


def _report_codes(
    reports: pd.DataFrame, ids: pd.Index, options: _CubeOptions
) -> _ReportCodes:
    """Return the unit, period and category code of every report."""
    # unit code per report: one hash pass over a million ids (-1: NA or unknown)
    rep_units = reports[options.unit]
    unit_na = np.asarray(rep_units.isna())
    ucode = positions(rep_units, ids)
    days, nat = wall_days(reports[options.time], options.tz)
    cat_codes: IntArray | None = None
    cat_labels: list[Any] = []
    cat_na = np.zeros(len(reports), dtype=bool)
    if options.category is not None:
        cats = reports[options.category]
        cat_na = np.asarray(cats.isna())
        cat_labels = sorted(pd.unique(cats[~cat_na]).tolist())
        cat_codes = pd.Index(cat_labels).get_indexer(cats).astype(np.int64)
    return _ReportCodes(
        unit=ucode,
        unit_na=unit_na,
        unknown=(ucode < 0) & ~unit_na,
        period=days_to_codes(days, options.freq.upper()),
        nat=nat,
        category=cat_codes,
        category_na=cat_na,
        category_labels=cat_labels,
    )


def _period_span(
    codes: _ReportCodes,
    located: BoolArray,
    start: object,
    end: object,
    options: _CubeOptions,
) -> tuple[int, int]:
    """Return the first period code and the number of periods of the cube."""
    f, tz = options.freq.upper(), options.tz
    lo = None if start is None else label_to_code(start, f, tz, "start")
    hi = None if end is None else label_to_code(end, f, tz, "end")
    if lo is not None and hi is not None and hi < lo:
        msg = (
            f"end must not be before start, got start={start!r} and end={end!r}. "
            "Swap them."
        )
        raise InputError(msg)
    if located.any():
        lo = int(codes.period[located].min()) if lo is None else lo
        hi = int(codes.period[located].max()) if hi is None else hi
    if lo is None:
        lo = hi
    if hi is None:
        hi = lo
    if lo is None or hi is None or hi < lo:  # no report and no period asked for
        return 0, 0
    return lo, hi - lo + 1


def _uncounted(
    codes: _ReportCodes, out_of_range: BoolArray, unit: str
) -> dict[str, int]:
    """Count the reports left out per reason (the first one) and warn once."""
    reasons = {
        "no unit": codes.unit_na,
        "unit not in units": codes.unknown,
        "no time": codes.nat,
        "no category": codes.category_na,
        "outside start/end": out_of_range,
    }
    uncounted: dict[str, int] = {}
    left = np.ones(len(codes.unit), dtype=bool)
    for reason, mask in reasons.items():
        hit = mask & left
        uncounted[reason] = int(hit.sum())
        left &= ~mask
    n_out = sum(uncounted.values())
    if n_out:
        parts = ", ".join(f"{k}: {v}" for k, v in uncounted.items() if v)
        warnings.warn(
            f"{n_out} of {len(codes.unit)} reports were not counted in the cube "
            f"({parts}). Reports without a unit lie outside every {unit!r} unit; "
            "widen start/end to count reports outside the periods.",
            ReportsLeftOutWarning,
            stacklevel=3,
        )
    return uncounted


def space_time_cube(
    reports: pd.DataFrame,
    units: pd.DataFrame,
    *,
    unit: str = GRID_ID,
    freq: str = "W-MON",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    weight: str | None = None,
    category: str | None = None,
    tz: str = DEFAULT_TZ,
    time: str = REPORTED_AT,
) -> pd.DataFrame:
    """Count reports (or sum their weights) per unit and period.

    Parameters
    ----------
    reports
        Reports joined to their units (output of :func:`hotspots.assign`),
        with the unit id column ``unit`` and the time column ``time``.
        Not modified.
    units
        The units (grid cells or street segments); ``units[unit]`` lists every
        unit id once. Every unit gets a row, reported on or not.
    unit
        The id column shared by ``reports`` and ``units``: ``"grid_id"`` or
        ``"segment_id"`` (any column works).
    freq
        ``"W-MON"`` (weeks starting Monday, ISO labels ``"2026-W47"``),
        ``"W-TUE"`` ... ``"W-SUN"``, ``"D"`` or ``"MS"``; see the module notes.
    start, end
        First and last period, inclusive: a label (``"2026-W40"``) or a
        timestamp (the period containing it). Default: the first and last
        period with a counted report.
    weight
        Column of report weights to sum instead of counting (e.g.
        ``"weight"``); None counts reports.
    category
        Column to split the counts by (e.g. ``"category"``); the columns then
        become a MultiIndex (category, period), categories sorted.
    tz
        IANA timezone of the calendar (the config's, default Asia/Shanghai).
    time
        Column of report times (default ``"reported_at"``).

    Returns
    -------
    pandas.DataFrame
        Index: the unit ids in the units' order (named ``unit``). Columns:
        every period label from ``start`` to ``end`` in order (named
        ``"period"``), or (category, period) pairs. Values: counts (int64) or
        weight sums (float64), zero where nothing was reported.
        ``attrs["uncounted"]`` holds the number of reports left out per reason.

    Raises
    ------
    TypeError
        When ``reports`` or ``units`` is not a DataFrame.
    InputError
        When a column is missing, ids repeat, weights are not finite, or
        ``freq``, ``tz``, ``start``, ``end`` cannot be read.

    Warns
    -----
    ReportsLeftOutWarning
        When reports were left out (no unit, unit not among ``units``, no
        time, outside ``[start, end]``, no category), with the counts.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"grid_id": ["a", "b", "c"]})
    >>> reports = pd.DataFrame({
    ...     "grid_id": ["a", "a", "c"],
    ...     "reported_at": pd.to_datetime(
    ...         ["2026-11-16 08:00", "2026-11-24 09:00", "2026-11-17 10:00"]
    ...     ).tz_localize("Asia/Shanghai"),
    ... })
    >>> cube = space_time_cube(reports, units)
    >>> cube.columns.tolist()
    ['2026-W47', '2026-W48']
    >>> cube.to_numpy().tolist()
    [[1, 1], [0, 0], [1, 0]]
    """
    options = _CubeOptions(
        unit=unit, freq=freq, tz=tz, weight=weight, category=category, time=time
    )
    _validate(reports, units, options)
    ids = pd.Index(units[unit], name=unit)
    codes = _report_codes(reports, ids, options)
    located = ~codes.unit_na & ~codes.unknown & ~codes.nat & ~codes.category_na
    lo, n_per = _period_span(codes, located, start, end, options)
    if n_per == 0:
        out_of_range = located.copy()
    else:
        out_of_range = located & ((codes.period < lo) | (codes.period >= lo + n_per))
    uncounted = _uncounted(codes, out_of_range, unit)
    cube = _cube_frame(reports, ids, codes, located & ~out_of_range, lo, n_per, options)
    cube.attrs["uncounted"] = uncounted
    return cube


def _cube_frame(
    reports: pd.DataFrame,
    ids: pd.Index,
    codes: _ReportCodes,
    counted: BoolArray,
    lo: int,
    n_per: int,
    options: _CubeOptions,
) -> pd.DataFrame:
    """Return the cube: counts (or weight sums) of the counted reports."""
    category = options.category
    n_units = len(ids)
    n_cat = max(len(codes.category_labels), 1) if category is not None else 1
    flat = codes.unit[counted] * (n_cat * n_per) + (codes.period[counted] - lo)
    if codes.category is not None:
        flat = flat + codes.category[counted] * n_per
    size = n_units * n_cat * n_per
    if options.weight is None:
        values: npt.NDArray[Any] = np.bincount(flat, minlength=size)
        values = values.astype(np.int64, copy=False)
    else:
        w = reports[options.weight].to_numpy(dtype=np.float64)[counted]
        values = np.bincount(flat, weights=w, minlength=size)
    matrix = values.reshape(n_units, n_cat * n_per)
    f = options.freq.upper()
    labels = codes_to_labels(np.arange(lo, lo + n_per, dtype=np.int64), f)
    period_index = pd.Index([str(s) for s in labels], name=PERIOD)
    columns: pd.Index
    if category is not None:
        columns = pd.MultiIndex.from_product(
            [pd.Index(codes.category_labels), period_index],
            names=[category, PERIOD],
        )
    else:
        columns = period_index
    return pd.DataFrame(matrix, index=ids, columns=columns, copy=False)
