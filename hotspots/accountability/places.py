"""Statistics per key place (markets, schools, hospitals, stations, sites).

The evaluation teams walk the key places first (农贸市场, 学校周边, 医院周边,
车站, 建筑工地): :func:`place_statistics` counts the cases at each one this
week and over a window of weeks, tests the weekly counts for a trend
(Mann-Kendall), takes the emerging hot spot pattern of the cell that holds the
place, names the unit that adopted it, and lists its main problem types,
with the report ids behind every number.

A case is "at" a place when it lies inside the place's polygon or, for a place
given as a point, within ``radius_m`` metres of it (distances in the local
metric CRS). A case near two places counts at both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from .._core import schema as sc
from .._core.crs import metric_crs_for
from .._core.schema import PATTERN, TOP_CATEGORIES
from .._core.types import CRSLike, IntArray, TimeLike
from .._core.validate import (
    non_negative_number,
    one_of,
    probability,
    require_local_time,
    whole_number,
)
from ..errors import InputError, collect_problems
from ..spatial.cube import FREQS, period_labels, period_range
from ..stats.trend import mann_kendall
from .responsibility import DUTY, TARGET_ID, UNIT_ID, UNIT_NAME

__all__ = [
    "CASES_WEEK",
    "CASES_WINDOW",
    "PLACE_CASE_IDS",
    "TREND",
    "WEEKLY_COUNTS",
    "WEEK_CASE_IDS",
    "place_statistics",
]

#: Output columns.
CASES_WEEK: Final = "cases_week"
CASES_WINDOW: Final = "cases_window"
WEEKLY_COUNTS: Final = "weekly_counts"
TREND: Final = "trend"
TREND_Z: Final = "trend_z"
TREND_P: Final = "trend_p"
TREND_TAU: Final = "trend_tau"
PLACE_CASE_IDS: Final = "case_ids"
WEEK_CASE_IDS: Final = "week_case_ids"
#: Trend values.
UP: Final = "up"
DOWN: Final = "down"
NO_TREND: Final = "no trend"
_NO_PATTERN: Final = "no_pattern"
_DAYS: Final = {"D": 1, "M": 31}


def _validate(
    reports: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    radius_m: object,
    periods: object,
    freq: object,
    alpha: object,
    top_n: object,
    emerging: object,
    units: object,
    duties: object,
) -> None:
    """Check the arguments of :func:`place_statistics`; raise once."""
    for name, frame in (("reports", reports), ("places", places)):
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = f"{name} must be a GeoDataFrame, got {type(frame).__name__}."
            raise TypeError(msg)
    if emerging is not None and not isinstance(emerging, gpd.GeoDataFrame):
        msg = f"emerging must be a GeoDataFrame or None, got {type(emerging).__name__}."
        raise TypeError(msg)
    problems = _frame_problems(reports, places, emerging)
    problems += [
        p
        for p in (
            non_negative_number(radius_m, "radius_m", example="radius_m=100"),
            whole_number(periods, "periods", example="periods=8", minimum=2),
            one_of(freq, "freq", list(FREQS)),
            probability(alpha, "alpha", example="alpha=0.05"),
            whole_number(top_n, "top_n", example="top_n=3"),
        )
        if p
    ]
    problems += _responsibility_problems(units, duties)
    collect_problems(problems, "place_statistics")


def _frame_problems(
    reports: gpd.GeoDataFrame, places: gpd.GeoDataFrame, emerging: object
) -> list[str]:
    """Return the missing columns, naive times, repeated ids and missing CRSs."""
    problems: list[str] = []
    for col in (sc.REPORT_ID, sc.REPORTED_AT, sc.CATEGORY):
        if col not in reports.columns:
            problems.append(
                f"reports must have the column {col!r}, got "
                f"{list(reports.columns)!r}. Read them with hotspots.read_reports."
            )
    if sc.REPORTED_AT in reports.columns and not isinstance(
        reports[sc.REPORTED_AT].dtype, pd.DatetimeTZDtype
    ):
        problems.append(
            f"reports[{sc.REPORTED_AT!r}] must hold timezone-aware timestamps, got "
            f"{reports[sc.REPORTED_AT].dtype!s}. Read them with hotspots.read_reports."
        )
    if sc.PLACE_ID not in places.columns:
        problems.append(
            f"places must have the column {sc.PLACE_ID!r}, got "
            f"{list(places.columns)!r}. Read them with "
            "hotspots.read_boundaries(path, kind='places')."
        )
    elif places[sc.PLACE_ID].isna().any() or places[sc.PLACE_ID].duplicated().any():
        problems.append(
            "places.place_id must be present and unique; read the layer with "
            "hotspots.read_boundaries(path, kind='places')."
        )
    for name, frame in (("reports", reports), ("places", places)):
        if len(frame) and frame.crs is None:
            problems.append(f"{name} must have a CRS; set it with .set_crs(...).")
    if isinstance(emerging, gpd.GeoDataFrame) and PATTERN not in emerging.columns:
        problems.append(
            f"emerging must have the column {PATTERN!r} (hotspots."
            f"emerging_hotspots), got {list(emerging.columns)!r}."
        )
    return problems


def _responsibility_problems(units: object, duties: object) -> list[str]:
    """Return the problems of the optional responsibility layer."""
    problems: list[str] = []
    if (units is None) != (duties is None):
        problems.append(
            "units and duties go together: pass both (hotspots.ledger."
            "responsibility.read_responsibility) or neither."
        )
    for name, frame, cols in (
        ("units", units, (UNIT_ID, "name")),
        ("duties", duties, (UNIT_ID, DUTY, TARGET_ID)),
    ):
        if frame is None:
            continue
        if not isinstance(frame, pd.DataFrame):
            msg = f"{name} must be a DataFrame or None, got {type(frame).__name__}."
            raise TypeError(msg)
        problems += [
            f"{name} must have the column {c!r}, got {list(frame.columns)!r}. "
            "Read it with hotspots.accountability.responsibility.read_responsibility."
            for c in cols
            if c not in frame.columns
        ]
    return problems


def _window(as_of: pd.Timestamp, periods: int, freq: str, tz: str) -> list[str]:
    days = _DAYS.get(freq[:1].upper(), 7)
    first = as_of - pd.Timedelta(days=days * (periods + 1))
    lo, hi = period_labels(pd.DatetimeIndex([first, as_of]), freq=freq, tz=tz)
    return period_range(str(lo), str(hi), freq=freq)[-periods:]


def _members(
    pts: npt.NDArray[Any], zones: npt.NDArray[Any], radius_m: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(case, place) pairs: inside a polygon, or within the radius of the rest."""
    tree = shapely.STRtree(zones)
    areal = np.isin(shapely.get_type_id(zones), (3, 6))  # Polygon, MultiPolygon
    ok = np.flatnonzero(~(shapely.is_missing(pts) | shapely.is_empty(pts)))
    ci, pi = tree.query(pts[ok], predicate="dwithin", distance=radius_m)
    keep = ~areal[pi]
    ai, ap = tree.query(pts[ok], predicate="intersects")
    inside = areal[ap]
    case = np.concatenate([ok[ci[keep]], ok[ai[inside]]])
    place = np.concatenate([pi[keep], ap[inside]])
    return case.astype(np.intp), place.astype(np.intp)


def place_statistics(
    reports: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    radius_m: float = 100.0,
    periods: int = 8,
    as_of: TimeLike | None = None,
    freq: str = "W-MON",
    alpha: float = 0.05,
    top_n: int = 3,
    emerging: gpd.GeoDataFrame | None = None,
    units: pd.DataFrame | None = None,
    duties: pd.DataFrame | None = None,
    metric_crs: CRSLike | None = None,
    tz: str = sc.DEFAULT_TZ,
) -> gpd.GeoDataFrame:
    """Count, trend and attribute the cases at each key place.

    Parameters
    ----------
    reports
        Cases with ``report_id``, ``reported_at`` (timezone-aware),
        ``category`` and Point geometries, any CRS. Not modified.
    places
        Key places (:func:`hotspots.read_boundaries` with ``kind="places"``):
        ``place_id``, optional ``name`` and ``kind``; Polygon or Point
        geometries. Not modified; its index, row order, columns and CRS are
        kept.
    radius_m
        A case is at a place given as a point (or a line) when it lies within
        this many metres of it (default 100 m); a polygon place takes the
        cases inside it. Measured in ``metric_crs``.
    periods
        The window: the last ``periods`` periods up to ``as_of`` (default 8
        weeks), at least 2 (the trend needs two).
    as_of
        The moment of the statistics (naive = ``tz``); default the latest
        report. Cases filed after it are ignored. The window ends with the
        period holding ``as_of``: that period is "this week".
    freq
        The period: ``"W-MON"`` (default), ``"D"``, ``"MS"`` ... (as
        :func:`hotspots.space_time_cube`).
    alpha
        Level of the Mann-Kendall test that calls a trend (default 0.05).
    top_n
        How many categories ``top_categories`` names (default 3).
    emerging
        The result of :func:`hotspots.emerging_hotspots` on the grid (or the
        segments), with its geometry: each place gets the ``pattern`` of the
        cell holding its centroid (for line units, segments, the nearest
        within ``radius_m``); ``"no_pattern"`` where none does. None leaves
        ``pattern`` out.
    units, duties
        The responsibility layer
        (:func:`hotspots.accountability.responsibility.read_responsibility`): each
        place gets the unit with a ``place`` duty for it (the first duty in
        row order, as :func:`~hotspots.accountability.responsibility.assign_units`
        decides). None leaves ``unit_id`` / ``unit_name`` out.
    metric_crs
        CRS for distances, projected in metres (default the UTM zone of the
        places, :func:`hotspots._core.crs.metric_crs_for`: a CRS in feet is
        converted).
    tz
        Timezone of the calendar.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``places`` with ``cases_week`` (cases in the window's last
        period), ``cases_window``, ``weekly_counts`` (tuple of counts, one
        per period of the window, oldest first), ``trend`` (``"up"``,
        ``"down"`` or ``"no trend"`` at ``alpha``), ``trend_z``, ``trend_p``,
        ``trend_tau`` (Mann-Kendall on ``weekly_counts``), ``top_categories``
        (``"暴露垃圾(12)、道路不洁(6)"``, names as written; ``""`` without
        cases), ``case_ids`` (tuple of the report ids in the window, in
        filing order), ``week_case_ids`` (those of the last period), and
        with ``emerging`` the ``pattern``, with ``units``/``duties`` the
        ``unit_id`` and ``unit_name`` (NA where nobody adopted the place).
        ``result.attrs`` holds ``periods`` (the window's labels),
        ``as_of`` and ``radius_m``.

    Raises
    ------
    TypeError
        When ``reports``, ``places`` or ``emerging`` is not a GeoDataFrame.
    InputError
        Listing missing columns, naive times, missing CRSs, repeated place
        ids and arguments out of range.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica
    13(3), 245-259. Kendall, M. G. (1975). Rank correlation methods.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import Point
    >>> places = gpd.GeoDataFrame({"place_id": ["S1"]}, geometry=[Point(0, 0)],
    ...     crs="EPSG:32651")
    >>> t = pd.date_range("2026-10-05 09:00", periods=3, freq="7D",
    ...     tz="Asia/Shanghai")
    >>> reports = gpd.GeoDataFrame({"report_id": ["a", "b", "c"],
    ...     "reported_at": t, "category": "占道经营"},
    ...     geometry=[Point(10, 0), Point(50, 0), Point(500, 0)], crs="EPSG:32651")
    >>> stats = place_statistics(reports, places, radius_m=60, periods=3)
    >>> stats.loc[0, "weekly_counts"], stats.loc[0, "case_ids"]
    ((1, 1, 0), ('a', 'b'))
    """
    _validate(
        reports,
        places,
        radius_m=radius_m,
        periods=periods,
        freq=freq,
        alpha=alpha,
        top_n=top_n,
        emerging=emerging,
        units=units,
        duties=duties,
    )
    times = reports[sc.REPORTED_AT].dt.tz_convert(tz)
    end = _end_time(times, as_of, tz)
    labels = _window(end, int(periods), freq, tz)
    metric = metric_crs_for(places.geometry, metric_crs=metric_crs)
    zones = places.geometry.to_crs(metric).to_numpy()
    at = _cases_at_places(
        reports,
        zones,
        times=times,
        end=end,
        labels=labels,
        metric=metric,
        radius_m=float(radius_m),
        freq=freq,
        tz=tz,
    )
    n_places = len(places)
    counts = np.zeros((n_places, len(labels)), dtype=np.int64)
    np.add.at(counts, (at.place, at.code), 1)
    ids = reports[sc.REPORT_ID].astype(str).to_numpy(dtype=object)
    bounds = np.searchsorted(at.place, np.arange(n_places + 1))
    last = len(labels) - 1
    out = places.copy()
    out[CASES_WEEK] = counts[:, last] if n_places else np.array([], dtype=np.int64)
    out[CASES_WINDOW] = counts.sum(axis=1)
    out[WEEKLY_COUNTS] = [tuple(int(v) for v in row) for row in counts]
    _add_trend(out, counts, alpha=float(alpha))
    cats = reports[sc.CATEGORY].astype("string").fillna("").to_numpy(dtype=object)
    out[TOP_CATEGORIES] = _top_categories(cats, at.case, bounds, int(top_n))
    out[PLACE_CASE_IDS] = [
        tuple(ids[at.case[a:b]]) for a, b in itertools.pairwise(bounds)
    ]
    out[WEEK_CASE_IDS] = [
        tuple(ids[at.case[a:b][at.code[a:b] == last]])
        for a, b in itertools.pairwise(bounds)
    ]
    if emerging is not None:
        out[PATTERN] = _patterns(zones, emerging, metric, float(radius_m))
    if units is not None and duties is not None:
        who, name = _owners(places, units, duties)
        out[UNIT_ID] = who
        out[UNIT_NAME] = name
    out.attrs.update(periods=list(labels), as_of=end.isoformat(), radius_m=radius_m)
    return out


@dataclass(frozen=True)
class _AtPlaces:
    """(case, place) pairs in the window, by place then filing order."""

    case: npt.NDArray[np.intp]
    place: npt.NDArray[np.intp]
    code: npt.NDArray[np.intp]  # the period of the window (0 = oldest)


def _end_time(times: pd.Series, as_of: TimeLike | None, tz: str) -> pd.Timestamp:
    """Return ``as_of`` in ``tz``; default the latest report (or now)."""
    if as_of is not None:
        return require_local_time(as_of, "as_of", tz=tz).tz_convert(tz)
    if times.notna().any():
        return pd.Timestamp(times.max())
    return pd.Timestamp.now(tz=tz)


def _cases_at_places(
    reports: gpd.GeoDataFrame,
    zones: npt.NDArray[Any],
    *,
    times: pd.Series,
    end: pd.Timestamp,
    labels: list[str],
    metric: pyproj.CRS,
    radius_m: float,
    freq: str,
    tz: str,
) -> _AtPlaces:
    """Return the cases filed in the window at each place, in filing order."""
    pts = (
        reports.geometry.to_crs(metric).to_numpy()
        if len(reports)
        else np.array([], dtype=object)
    )
    upto = (times <= end).to_numpy(dtype=bool) & times.notna().to_numpy(dtype=bool)
    case, place = (
        _members(pts, zones, radius_m)
        if len(zones) and len(reports)
        else (np.array([], dtype=np.intp), np.array([], dtype=np.intp))
    )
    label_of = np.full(len(reports), "", dtype=object)
    if upto.any():
        label_of[upto] = period_labels(times[upto], freq=freq, tz=tz)
    code = pd.Index(labels).get_indexer(pd.Index(label_of[case]))
    keep = code >= 0
    case, place, code = case[keep], place[keep], code[keep]
    # filing order within each place (stable: ties keep the reports' order)
    utc = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    order = np.lexsort((case, utc[case], place))
    return _AtPlaces(case=case[order], place=place[order], code=code[order])


def _add_trend(out: gpd.GeoDataFrame, counts: IntArray, *, alpha: float) -> None:
    """Add the Mann-Kendall trend of each place's weekly counts (in place)."""
    if not len(counts):
        for col in (TREND, TREND_Z, TREND_P, TREND_TAU):
            out[col] = pd.Series([], dtype=object if col == TREND else float)
        return
    mk = mann_kendall(counts.astype(np.float64))
    z, p = mk.z, mk.p
    called = p < alpha
    trend = np.where(called & (z > 0), UP, np.where(called & (z < 0), DOWN, NO_TREND))
    out[TREND] = trend.astype(object)
    out[TREND_Z] = z
    out[TREND_P] = p
    out[TREND_TAU] = mk.tau


def _top_categories(
    cats: npt.NDArray[np.object_],
    case: npt.NDArray[np.intp],
    bounds: npt.NDArray[np.intp],
    top_n: int,
) -> list[str]:
    """Return each place's ``top_n`` categories, ``"暴露垃圾(12)、道路不洁(6)"``."""
    top: list[str] = []
    for a, b in itertools.pairwise(bounds):
        tally = pd.Series(cats[case[a:b]], dtype=object).value_counts(sort=False)
        # most cases first, ties by name
        ranked = sorted(tally.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
        top.append("、".join(f"{k}({int(v)})" for k, v in ranked[:top_n]))
    return top


def _owners(
    places: gpd.GeoDataFrame, units: pd.DataFrame, duties: pd.DataFrame
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Return the id and name of the unit with a ``place`` duty for each place."""
    adopted = duties[duties[DUTY].astype(str) == "place"]
    adopted = adopted.drop_duplicates(TARGET_ID, keep="first")
    owner = dict(
        zip(adopted[TARGET_ID].astype(str), adopted[UNIT_ID].astype(str), strict=True)
    )
    names = dict(
        zip(units[UNIT_ID].astype(str), units["name"].astype(str), strict=True)
    )
    who = places[sc.PLACE_ID].astype(str).map(owner)
    return who.astype("string").to_numpy(), who.map(names).astype("string").to_numpy()


def _patterns(
    zones: npt.NDArray[Any],
    emerging: gpd.GeoDataFrame,
    metric: pyproj.CRS,
    radius_m: float,
) -> npt.NDArray[np.object_]:
    """Return the pattern of the cell holding each place's centroid."""
    out = np.full(len(zones), _NO_PATTERN, dtype=object)
    if not len(zones) or not len(emerging):
        return out
    if emerging.crs is None:
        msg = "emerging has no CRS; pass the frame emerging_hotspots returned."
        raise InputError(msg)
    cells = emerging.geometry.to_crs(metric).to_numpy()
    values = emerging[PATTERN].to_numpy(dtype=object)
    values = np.where(pd.isna(values), _NO_PATTERN, values)
    centres = shapely.centroid(zones)
    areal = np.isin(shapely.get_type_id(cells), (3, 6))
    found = np.zeros(len(zones), dtype=bool)
    if areal.any():
        # a cell holds the centroid (the first cell in row order on an edge)
        where = np.flatnonzero(areal)
        pi, ci = shapely.STRtree(cells[where]).query(centres, predicate="intersects")
        first = np.unique(pi, return_index=True)[1]
        out[pi[first]] = values[where[ci[first]]]
        found[pi] = True
    if (~areal).any() and (~found).any():
        # segments: the nearest one within the radius
        where, todo = np.flatnonzero(~areal), np.flatnonzero(~found)
        tree = shapely.STRtree(cells[where])
        pi, ci = tree.query_nearest(
            centres[todo], max_distance=radius_m, all_matches=False
        )
        out[todo[pi]] = values[where[ci]]
    return out
