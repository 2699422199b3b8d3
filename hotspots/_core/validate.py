"""The one validation kit: numbers, frames and CRS arguments.

Every public function validates its arguments at entry with these checks and
raises once (:func:`hotspots.errors.collect_problems`). A check either returns
the problem as one sentence (``None`` when the value is fine), to be collected
with the others, or raises at once when the argument has the wrong type (a
:class:`TypeError`, as Python itself would) or names no usable CRS
(:class:`~hotspots.errors.CRSError`). Every message names the argument, what
it must be, what was received, and the fix (``Pass e.g. ...``).

Examples
--------
>>> positive_number(-3, "distance_m", example="distance_m=250", unit="metres")
'distance_m must be a positive number of metres, got -3. Pass e.g. distance_m=250.'
>>> whole_number(0, "k", example="k=8") is None
False
>>> parse_crs("EPSG:4326").to_epsg()
4326
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj

from ..errors import CRSError, InputError, collect_problems
from .schema import DEFAULT_TZ

__all__ = [
    "collect_problems",
    "index_examples",
    "is_metric",
    "is_real",
    "local_time",
    "missing_columns",
    "non_negative_number",
    "one_of",
    "parse_crs",
    "parse_metric_crs",
    "positive_number",
    "probability",
    "require_frame",
    "require_geoframe",
    "require_int",
    "require_local_time",
    "require_real",
    "time_zone",
    "unique_ids",
    "unit_column",
    "whole_number",
]

#: How many example index labels a message lists before "...".
MAX_EXAMPLES = 5


# -- numbers ------------------------------------------------------------------------


def is_real(value: object) -> bool:
    """Return whether ``value`` is a real number (int or float, not a bool)."""
    return isinstance(value, int | float | np.integer | np.floating) and not (
        isinstance(value, bool | np.bool_)
    )


def _finite(value: object) -> bool:
    return is_real(value) and math.isfinite(float(value))  # type: ignore[arg-type]


def require_real(value: object, name: str, *, example: str) -> None:
    """Raise :class:`TypeError` unless ``value`` is a real number.

    Parameters
    ----------
    value
        The argument.
    name
        Its name, as the caller typed it.
    example
        A correct call, e.g. ``"eps=150"``.
    """
    if not is_real(value):
        msg = (
            f"{name} must be a number, got {value!r} of type "
            f"{type(value).__name__}. Pass e.g. {example}."
        )
        raise TypeError(msg)


def require_int(value: object, name: str, *, example: str) -> None:
    """Raise :class:`TypeError` unless ``value`` is an int (not a bool)."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool | np.bool_):
        msg = (
            f"{name} must be an int, got {value!r} of type "
            f"{type(value).__name__}. Pass e.g. {example}."
        )
        raise TypeError(msg)


def positive_number(
    value: object, name: str, *, example: str, unit: str | None = None
) -> str | None:
    """Return the problem unless ``value`` is a finite number > 0.

    Parameters
    ----------
    value
        The argument.
    name
        Its name.
    example
        A correct call, e.g. ``"distance_m=250"``.
    unit
        The unit the number is in (``"metres"``, ``"days"``), named in the message.

    Returns
    -------
    str or None
        The problem, or ``None`` when the value is fine.
    """
    if _finite(value) and float(value) > 0:  # type: ignore[arg-type]
        return None
    what = f"a positive number of {unit}" if unit else "a positive number"
    return f"{name} must be {what}, got {value!r}. Pass e.g. {example}."


def non_negative_number(value: object, name: str, *, example: str) -> str | None:
    """Return the problem unless ``value`` is a finite number >= 0."""
    if _finite(value) and float(value) >= 0:  # type: ignore[arg-type]
        return None
    return f"{name} must be a finite number >= 0, got {value!r}. Pass e.g. {example}."


def probability(value: object, name: str, *, example: str) -> str | None:
    """Return the problem unless ``value`` is a number strictly between 0 and 1."""
    if _finite(value) and 0 < float(value) < 1:  # type: ignore[arg-type]
        return None
    return (
        f"{name} must be a number between 0 and 1, got {value!r}. Pass e.g. {example}."
    )


def whole_number(
    value: object,
    name: str,
    *,
    example: str,
    minimum: int = 1,
    maximum: int | None = None,
) -> str | None:
    """Return the problem unless ``value`` is an int in ``[minimum, maximum]``.

    Parameters
    ----------
    value
        The argument.
    name
        Its name.
    example
        A correct call, e.g. ``"k=8"``.
    minimum, maximum
        The allowed range (``maximum`` None: no upper bound).

    Returns
    -------
    str or None
        The problem, or ``None`` when the value is fine.
    """
    ok = (
        isinstance(value, int | np.integer)
        and not isinstance(value, bool | np.bool_)
        and int(value) >= minimum
        and (maximum is None or int(value) <= maximum)
    )
    if ok:
        return None
    bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
    return f"{name} must be a whole number {bound}, got {value!r}. Pass e.g. {example}."


def one_of(value: object, name: str, choices: Collection[Any]) -> str | None:
    """Return the problem unless ``value`` is one of ``choices``."""
    try:
        if value in choices:
            return None
    except TypeError:  # unhashable values are never a choice
        pass
    listed = ", ".join(repr(c) for c in choices)
    return f"{name} must be one of {listed}, got {value!r}."


# -- frames -------------------------------------------------------------------------


def require_frame(obj: object, name: str) -> pd.DataFrame:
    """Return ``obj`` if it is a DataFrame (or GeoDataFrame); else raise TypeError."""
    if not isinstance(obj, pd.DataFrame):
        msg = f"{name} must be a DataFrame, got {type(obj).__name__}."
        raise TypeError(msg)
    return obj


def require_geoframe(obj: object, name: str) -> gpd.GeoDataFrame:
    """Return ``obj`` if it is a GeoDataFrame with a CRS.

    Raises
    ------
    TypeError
        When ``obj`` is not a GeoDataFrame.
    CRSError
        When it has no CRS.
    """
    if not isinstance(obj, gpd.GeoDataFrame):
        msg = f"{name} must be a GeoDataFrame, got {type(obj).__name__}."
        raise TypeError(msg)
    if obj.crs is None:
        msg = (
            f"{name} has no CRS. Set it with .set_crs('EPSG:4326') (or the CRS "
            "its coordinates are in)."
        )
        raise CRSError(msg)
    return obj


def missing_columns(
    frame: pd.DataFrame, columns: Iterable[str], name: str, *, fix: str
) -> str | None:
    """Return the problem if ``frame`` lacks any of ``columns``.

    Parameters
    ----------
    frame
        The frame.
    columns
        The columns it must have.
    name
        Its name (the argument).
    fix
        What to do, as a sentence (e.g. ``"Join reports to units with
        hotspots.assign first."``).
    """
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return None
    return f"{name} is missing column(s) {missing!r}. {fix}"


def unit_column(units: pd.DataFrame, unit: str) -> str | None:
    """Return the problem unless ``unit`` names a column of ``units``.

    The one message for a unit id column that is not there.
    """
    if unit in units.columns:
        return None
    return (
        f"unit must name the id column of units, got {unit!r}; units have "
        f"{list(units.columns)!r}. Pass unit='grid_id' for grid cells or "
        "unit='segment_id' for street segments."
    )


def unique_ids(ids: pd.Index | pd.Series, what: str) -> str | None:
    """Return the problem unless ``ids`` are unique and never missing.

    Parameters
    ----------
    ids
        The ids (a unit column, or an index).
    what
        How the message names them, e.g. ``"units['grid_id']"``.
    """
    index = pd.Index(ids)
    n_na = int(index.isna().sum())
    duplicated = index[index.duplicated() & ~index.isna()]
    if not n_na and not len(duplicated):
        return None
    dup = duplicated.unique()[:MAX_EXAMPLES].tolist()
    such = f" such as {dup!r}" if dup else ""
    return (
        f"{what} must hold unique, non-missing ids, got {n_na} missing and "
        f"{len(duplicated)} duplicated{such}. Keep one row per unit with its id."
    )


def index_examples(index: pd.Index, mask: npt.NDArray[np.bool_]) -> str:
    """Return the first labels of ``index`` where ``mask`` holds, for a message."""
    labels = [repr(v) for v in index[mask][:MAX_EXAMPLES]]
    more = ", ..." if int(mask.sum()) > MAX_EXAMPLES else ""
    return ", ".join(labels) + more


# -- coordinate reference systems ---------------------------------------------------


def parse_crs(
    value: object, name: str = "crs", *, example: str = "'EPSG:4326'"
) -> pyproj.CRS:
    """Return ``value`` as a :class:`pyproj.CRS`, or raise one clear :class:`CRSError`.

    Parameters
    ----------
    value
        Anything :meth:`pyproj.CRS.from_user_input` accepts.
    name
        The argument's name.
    example
        A value to suggest.
    """
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as err:
        msg = (
            f"{name} must be a CRS pyproj understands, got {value!r}. "
            f"Pass e.g. {example}."
        )
        raise CRSError(msg) from err


def is_metric(crs: pyproj.CRS) -> bool:
    """Return whether ``crs`` is projected with every axis in metres."""
    return (
        bool(crs.is_projected)
        and bool(crs.axis_info)
        and all(
            (a.unit_name or "").lower() in ("metre", "meter") for a in crs.axis_info
        )
    )


def parse_metric_crs(value: object, name: str = "metric_crs") -> pyproj.CRS:
    """Return ``value`` as a projected CRS in metres, or raise :class:`CRSError`.

    A CRS in feet (or degrees) is refused: a distance in metres measured in
    it would be wrong by the unit's factor.
    """
    crs = parse_crs(value, name, example="'EPSG:32651'")
    if not is_metric(crs):
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        msg = (
            f"{name} must be a projected CRS in metres, got {crs.to_string()!r} "
            f"(units {unit!r}). Pass e.g. 'EPSG:32651' or leave it None to use "
            "the local UTM zone."
        )
        raise CRSError(msg)
    return crs


# -- time zones ---------------------------------------------------------------------


def time_zone(value: object, name: str = "tz") -> str | None:
    """Return the problem unless ``value`` names an IANA time zone.

    Examples
    --------
    >>> time_zone("Asia/Shanghai") is None
    True
    >>> time_zone("Mars/Olympus", "tz")[:40]
    "tz must be an IANA timezone name, got 'M"
    """
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return (
            f"{name} must be an IANA timezone name, got {value!r}. Pass e.g. "
            f"{name}='Asia/Shanghai'."
        )
    return None


# -- times --------------------------------------------------------------------------


def local_time(
    value: object, name: str, *, tz: object, example: str = "'2026-11-23'"
) -> tuple[pd.Timestamp | None, str | None]:
    """Return ``value`` as a timezone-aware timestamp, or the problem.

    A naive value is local time in ``tz``; an aware one keeps its own zone
    (convert it with ``.tz_convert`` where the caller wants ``tz``). An
    unknown ``tz`` is the timezone check's problem, not this one's: the value
    is then read in Asia/Shanghai so that the other checks can go on.

    Parameters
    ----------
    value
        Anything :class:`pandas.Timestamp` accepts.
    name
        The argument's name.
    tz
        The zone of a naive value (a name or a tzinfo).
    example
        A value to suggest, e.g. ``"'2026-11-23 09:00+08:00'"``.

    Returns
    -------
    tuple
        The timestamp and ``None``, or ``None`` and the problem.

    Examples
    --------
    >>> local_time("2026-11-23", "as_of", tz="Asia/Shanghai")[0]
    Timestamp('2026-11-23 00:00:00+0800', tz='Asia/Shanghai')
    >>> local_time("soon", "as_of", tz="Asia/Shanghai")[1]
    "as_of must be a timestamp, got 'soon'. Pass e.g. as_of='2026-11-23'."
    """
    stamp: Any
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        stamp = pd.NaT
    if value is None or pd.isna(stamp):
        return (
            None,
            f"{name} must be a timestamp, got {value!r}. Pass e.g. {name}={example}.",
        )
    if stamp.tzinfo is not None:
        return stamp, None
    try:
        return stamp.tz_localize(tz), None  # type: ignore[call-overload]
    except Exception:  # an unknown zone: reported by the caller's tz check
        return stamp.tz_localize(DEFAULT_TZ), None


def require_local_time(
    value: object, name: str, *, tz: object, example: str = "'2026-11-23'"
) -> pd.Timestamp:
    """Return :func:`local_time`'s timestamp, or raise its problem as InputError."""
    stamp, problem = local_time(value, name, tz=tz, example=example)
    if stamp is None:
        raise InputError(str(problem))
    return stamp
