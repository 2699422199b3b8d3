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
in one :class:`UncountedReportsWarning`, and the cube's ``attrs["uncounted"]``
holds the same counts, so ``cube.to_numpy().sum() + sum(attrs["uncounted"]
.values()) == len(reports)`` for counts.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zoneinfo
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core.schema import DEFAULT_TZ, GRID_ID, REPORTED_AT
from ..errors import InputError, collect_problems

__all__ = [
    "FREQS",
    "PERIOD",
    "UncountedReportsWarning",
    "period_labels",
    "period_range",
    "period_start",
    "space_time_cube",
]

#: Name of the cube's column axis.
PERIOD: Final = "period"
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

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


class UncountedReportsWarning(UserWarning):
    """Some reports were not counted in the cube (count and reasons given)."""


# -- period arithmetic (integer codes) -------------------------------------------------


def _check_freq(freq: object) -> str | None:
    if isinstance(freq, str) and freq.upper() in FREQS:
        return None
    return (
        f"freq must be one of {list(FREQS)!r}, got {freq!r}. Use 'W-MON' for "
        "weeks starting on Monday, 'D' for days or 'MS' for months."
    )


def _check_tz(tz: object) -> str | None:
    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return (
            f"tz must be an IANA timezone name, got {tz!r}. Pass e.g. "
            "tz='Asia/Shanghai'."
        )
    return None


def _week_start(freq: str) -> int:
    return _WEEKDAYS.index(freq[2:])


def _wall_days(times: Any, tz: str) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Local calendar day number (days since 1970-01-01) per time, and NaT mask."""
    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert(tz).tz_localize(None)
    nat = np.asarray(idx.isna())
    ns = idx.as_unit("ns").asi8
    days = np.floor_divide(ns, _NS_PER_DAY)
    days[nat] = 0
    return days.astype(np.int64, copy=False), nat


def _days_to_codes(days: IntArray, freq: str) -> IntArray:
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


def _codes_to_labels(codes: IntArray, freq: str) -> StrArray:
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


def _label_to_code(value: object, freq: str, tz: str, name: str) -> int:
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
            return int(_days_to_codes(days, freq)[0])
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
    days, _ = _wall_days([ts], tz)
    return int(_days_to_codes(days, freq)[0])


# -- public helpers --------------------------------------------------------------------


def period_labels(times: Any, *, freq: str = "W-MON", tz: str = DEFAULT_TZ) -> StrArray:
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
    problems = [p for p in (_check_freq(freq), _check_tz(tz)) if p]
    collect_problems(problems, "period_labels")
    f = freq.upper()
    days, nat = _wall_days(times, tz)
    codes = _days_to_codes(days, f)
    out = np.full(len(codes), "", dtype=object)
    if (~nat).any():
        uniq, inv = np.unique(codes[~nat], return_inverse=True)
        out[~nat] = _codes_to_labels(uniq, f)[inv]
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
    collect_problems([p for p in (_check_freq(freq),) if p], "period_range")
    f = freq.upper()
    a = _label_to_code(start_label, f, "UTC", "start_label")
    b = _label_to_code(end_label, f, "UTC", "end_label")
    if b < a:
        return []
    return [str(s) for s in _codes_to_labels(np.arange(a, b + 1, dtype=np.int64), f)]


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
    problems = [p for p in (_check_freq(freq), _check_tz(tz)) if p]
    collect_problems(problems, "period_start")
    f = freq.upper()
    items = [labels] if isinstance(labels, str) else list(np.asarray(labels).ravel())
    codes = np.array(
        [_label_to_code(str(v), f, tz, "labels") for v in items], dtype=np.int64
    )
    days = _codes_to_start_days(codes, f).astype("datetime64[D]")
    naive = pd.DatetimeIndex(days.astype("datetime64[ns]"))
    # a midnight skipped or repeated by a daylight-saving change: first instant
    return naive.tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )


# -- the cube --------------------------------------------------------------------------


def _validate(
    reports: object,
    units: object,
    unit: str,
    freq: object,
    tz: object,
    weight: str | None,
    category: str | None,
    time: str,
) -> None:
    if not isinstance(reports, pd.DataFrame):
        msg = f"reports must be a (Geo)DataFrame, got {type(reports).__name__}."
        raise TypeError(msg)
    if not isinstance(units, pd.DataFrame):
        msg = f"units must be a (Geo)DataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    problems = [p for p in (_check_freq(freq), _check_tz(tz)) if p]
    if unit not in units.columns:
        problems.append(
            f"unit must be a column of units, got {unit!r}; units have "
            f"{list(units.columns)!r}. Pass unit='grid_id' for grid cells or "
            "unit='segment_id' for street segments."
        )
    else:
        ids = units[unit]
        n_na = int(ids.isna().sum())
        if n_na:
            problems.append(
                f"units[{unit!r}] must not be missing, got {n_na} missing ids. "
                "Drop or fill those units."
            )
        if not pd.Index(ids).is_unique:
            dup = ids[ids.duplicated()].unique()[:5].tolist()
            problems.append(
                f"units[{unit!r}] must be unique, got duplicates such as {dup!r}. "
                "Keep one row per unit."
            )
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
    if weight is not None:
        if weight not in reports.columns:
            problems.append(
                f"weight must be a column of reports, got {weight!r}. Pass "
                "weight='weight' or weight=None to count reports."
            )
        elif not pd.api.types.is_numeric_dtype(reports[weight]) or (
            pd.api.types.is_bool_dtype(reports[weight])
        ):
            problems.append(
                f"reports[{weight!r}] must be numeric, got dtype "
                f"{reports[weight].dtype!s}. Convert it with pandas.to_numeric."
            )
        else:
            n_bad = int((~np.isfinite(reports[weight].to_numpy(float))).sum())
            if n_bad:
                problems.append(
                    f"reports[{weight!r}] must be finite numbers, got {n_bad} "
                    "missing or infinite weights. Fill them, e.g. "
                    f"reports[{weight!r}].fillna(1.0)."
                )
    if category is not None and category not in reports.columns:
        problems.append(
            f"category must be a column of reports, got {category!r}. Pass "
            "category='category' or category=None."
        )
    collect_problems(problems, "space_time_cube")


def space_time_cube(
    reports: pd.DataFrame,
    units: pd.DataFrame,
    *,
    unit: str = GRID_ID,
    freq: str = "W-MON",
    start: object = None,
    end: object = None,
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
    UncountedReportsWarning
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
    _validate(reports, units, unit, freq, tz, weight, category, time)
    f = freq.upper()
    ids = pd.Index(units[unit], name=unit)
    n_units = len(ids)

    # unit code per report (factorize first: hashing 1e6 strings once is cheaper)
    rep_units = reports[unit]
    unit_na = np.asarray(rep_units.isna())
    codes, uniq = pd.factorize(rep_units, use_na_sentinel=True)
    ucode = ids.get_indexer(uniq)[codes] if len(uniq) else np.full(len(codes), -1)
    ucode = np.where(codes < 0, -1, ucode).astype(np.int64, copy=False)
    unknown = (ucode < 0) & ~unit_na

    days, nat = _wall_days(reports[time], tz)
    pcode = _days_to_codes(days, f)

    cat_codes: IntArray | None = None
    cat_labels: list[Any] = []
    cat_na = np.zeros(len(reports), dtype=bool)
    if category is not None:
        cats = reports[category]
        cat_na = np.asarray(cats.isna())
        cat_labels = sorted(pd.unique(cats[~cat_na]).tolist())
        cat_codes = pd.Index(cat_labels).get_indexer(cats).astype(np.int64)

    located = ~unit_na & ~unknown & ~nat & ~cat_na
    lo = None if start is None else _label_to_code(start, f, tz, "start")
    hi = None if end is None else _label_to_code(end, f, tz, "end")
    if lo is not None and hi is not None and hi < lo:
        msg = (
            f"end must not be before start, got start={start!r} and end={end!r}. "
            "Swap them."
        )
        raise InputError(msg)
    if located.any():
        lo = int(pcode[located].min()) if lo is None else lo
        hi = int(pcode[located].max()) if hi is None else hi
    if lo is None:
        lo = hi
    if hi is None:
        hi = lo
    if lo is None or hi is None or hi < lo:  # no report and no period asked for
        lo, n_per = 0, 0
        out_of_range = located.copy()
    else:
        n_per = hi - lo + 1
        out_of_range = located & ((pcode < lo) | (pcode > hi))
    counted = located & ~out_of_range

    # each uncounted report is counted once, under its first reason
    reasons = {
        "no unit": unit_na,
        "unit not in units": unknown,
        "no time": nat,
        "no category": cat_na,
        "outside start/end": out_of_range,
    }
    uncounted: dict[str, int] = {}
    left = np.ones(len(reports), dtype=bool)
    for reason, mask in reasons.items():
        hit = mask & left
        uncounted[reason] = int(hit.sum())
        left &= ~mask
    n_out = sum(uncounted.values())
    if n_out:
        parts = ", ".join(f"{k}: {v}" for k, v in uncounted.items() if v)
        warnings.warn(
            f"{n_out} of {len(reports)} reports were not counted in the cube "
            f"({parts}). Reports without a unit lie outside every {unit!r} unit; "
            "widen start/end to count reports outside the periods.",
            UncountedReportsWarning,
            stacklevel=2,
        )

    n_cat = max(len(cat_labels), 1) if category is not None else 1
    flat = ucode[counted] * (n_cat * n_per) + (pcode[counted] - lo)
    if cat_codes is not None:
        flat = flat + cat_codes[counted] * n_per
    size = n_units * n_cat * n_per
    if weight is None:
        values: npt.NDArray[Any] = np.bincount(flat, minlength=size)
        values = values.astype(np.int64, copy=False)
    else:
        w = reports[weight].to_numpy(dtype=np.float64)[counted]
        values = np.bincount(flat, weights=w, minlength=size)
    matrix = values.reshape(n_units, n_cat * n_per)

    labels = _codes_to_labels(np.arange(lo, lo + n_per, dtype=np.int64), f)
    period_index = pd.Index([str(s) for s in labels], name=PERIOD)
    columns: pd.Index
    if category is not None:
        columns = pd.MultiIndex.from_product(
            [pd.Index(cat_labels), period_index],
            names=[category, PERIOD],
        )
    else:
        columns = period_index
    cube = pd.DataFrame(matrix, index=ids, columns=columns, copy=False)
    cube.attrs["uncounted"] = uncounted
    return cube
