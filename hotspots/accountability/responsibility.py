"""Responsible units (包街, 门前三包, 网格员) and which unit owns each case.

Two tables describe responsibility:

``units``
    one row per unit: ``unit_id``, ``name``, ``kind`` (``department``,
    ``street`` for a 包街 unit, ``grid_keeper``, ``frontage``), ``parent_id``
    (the parent unit, or NA) and ``subdistrict_id`` (the subdistrict the unit
    answers to).
``duties``
    one row per thing a unit answers for: ``unit_id``, ``duty``
    (``frontage``, ``place``, ``segment``, ``street``, ``grid``),
    ``target_id`` (the ``place_id``, ``segment_id``, ``street_id`` or
    ``grid_id``; empty for frontages), ``start_m`` / ``end_m`` (optional
    section of a street in metres along it, from its first vertex) and a
    geometry (a Polygon for frontages, else empty).

Each case gets the unit of the first rule that matches, in this order
(the most specific promise wins):

1. ``frontage``: the case lies in a frontage polygon (门前三包);
2. ``place``: the case's ``place_id`` is a key place a unit adopted;
3. ``segment``: the case's ``segment_id`` was adopted, or its position along
   its street lies in an adopted section (``street`` duties, 包街);
4. ``grid``: the case's ``grid_id`` has a grid keeper (网格员).

Within a rule, overlaps (two frontages, two sections of the same street) go
to the smallest: the frontage of least area, the section of least length;
ties to the first duty in row order. :func:`validate_responsibility` lists
the overlaps and the places nobody owns.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from .._core import schema as sc
from .._core.crs import metric_crs_for
from .._core.types import CRSLike, FloatArray
from ..errors import HotspotsWarning, InputError, collect_problems

__all__ = [
    "DUTIES",
    "RULE_ORDER",
    "UNIT_CHAIN",
    "UNIT_ID",
    "UNIT_KINDS",
    "UNIT_RULE",
    "ResponsibilityReport",
    "UnownedWarning",
    "assign_units",
    "nearest_place_ids",
    "read_responsibility",
    "validate_responsibility",
]

UNIT_ID: Final = "unit_id"
UNIT_NAME: Final = "unit_name"
UNIT_RULE: Final = "unit_rule"
UNIT_CHAIN: Final = "unit_chain"
UNIT_SUBDISTRICT: Final = "unit_subdistrict_id"
DUTY: Final = "duty"
TARGET_ID: Final = "target_id"
START_M: Final = "start_m"
END_M: Final = "end_m"
#: Optional segment columns: the segment's measure along its street (metres).
MEASURE_FROM_M: Final = "measure_from_m"
UNIT_KINDS: Final = ("department", "street", "grid_keeper", "frontage")
DUTIES: Final = ("frontage", "place", "segment", "street", "grid")
#: The precedence of the rules (first match wins).
RULE_ORDER: Final = ("frontage", "place", "segment", "grid")


class UnownedWarning(HotspotsWarning):
    """Some cases have no responsible unit (kept with NA ``unit_id``).

    Not a :class:`~hotspots.errors.ReportsLeftOutWarning`: the cases are kept
    in the result, only their owner is unknown.
    """


@dataclass(frozen=True, eq=False)
class ResponsibilityReport:
    """What :func:`validate_responsibility` found.

    Attributes
    ----------
    errors
        Fatal problems (unknown units, unknown targets, bad kinds).
    overlaps
        Pairs of duties of one rule covering the same ground: ``duty``,
        ``target_id``, ``unit_a``, ``unit_b``, ``overlap`` (metres for
        street sections, square metres for frontages, 1 for the same id),
        ``winner`` (the unit the rule gives it to).
    unowned_segments, unowned_length_m
        Segments no segment or street duty covers, and their length.
    unowned_cells, unowned_area_m2
        Grid cells without a keeper, and their area.
    """

    errors: tuple[str, ...] = ()
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    unowned_segments: tuple[str, ...] = ()
    unowned_length_m: float = 0.0
    unowned_cells: tuple[str, ...] = ()
    unowned_area_m2: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the layer can be used (no errors)."""
        return not self.errors


def _read(source: Any, name: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if not isinstance(source, str | os.PathLike):
        msg = f"{name} must be a frame or a path, got {type(source).__name__}."
        raise TypeError(msg)
    path = Path(source)
    if not path.exists():
        msg = f"{name}: file {str(path)!r} does not exist. Pass a CSV or GeoJSON path."
        raise InputError(msg)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype={UNIT_ID: "str", TARGET_ID: "str"})
    frame: pd.DataFrame = gpd.read_file(path)
    return frame


def read_responsibility(
    units: Any, duties: Any, *, crs: CRSLike | None = None
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Read the units table and the duties layer (CSV, GeoJSON, GeoPackage).

    Parameters
    ----------
    units
        A frame or the path of a CSV / GeoJSON / GeoPackage with the units.
    duties
        A frame or path with the duties; a CSV has no geometry (no
        frontage duties) and takes ``crs``.
    crs
        CRS of a duties layer that has none (default EPSG:4326).

    Returns
    -------
    tuple
        The units (a DataFrame, geometry dropped) and the duties (a
        GeoDataFrame with a CRS); ids as strings, ``start_m`` / ``end_m``
        as floats (NaN for the whole street).

    Raises
    ------
    InputError
        When a file is missing or a required column is absent.
    """
    u = pd.DataFrame(_read(units, "units"))
    if "geometry" in u.columns:
        u = u.drop(columns="geometry")
    d = _read(duties, "duties")
    if not isinstance(d, gpd.GeoDataFrame):
        d = gpd.GeoDataFrame(d, geometry=[None] * len(d), crs=crs or sc.WGS84)
    elif d.crs is None:
        d = d.set_crs(crs or sc.WGS84)
    problems = [
        f"units must have the column {c!r}, got {list(u.columns)!r}."
        for c in (UNIT_ID, "name", "kind")
        if c not in u.columns
    ] + [
        f"duties must have the column {c!r}, got {list(d.columns)!r}."
        for c in (UNIT_ID, DUTY)
        if c not in d.columns
    ]
    collect_problems(problems, "read_responsibility")
    u[UNIT_ID] = u[UNIT_ID].astype("string")
    for col in ("parent_id", sc.SUBDISTRICT_ID):
        u[col] = u[col].astype("string") if col in u.columns else pd.NA
    d[UNIT_ID] = d[UNIT_ID].astype("string")
    d[TARGET_ID] = d[TARGET_ID].astype("string") if TARGET_ID in d.columns else pd.NA
    for col in (START_M, END_M):
        d[col] = pd.to_numeric(d[col], errors="coerce") if col in d.columns else np.nan
    return u, d


def validate_responsibility(
    units: pd.DataFrame,
    duties: gpd.GeoDataFrame,
    *,
    segments: gpd.GeoDataFrame | None = None,
    grid: gpd.GeoDataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
) -> ResponsibilityReport:
    """Check the responsibility layer against the boundaries.

    Parameters
    ----------
    units, duties
        As returned by :func:`read_responsibility`.
    segments
        Street segments (``segment_id``, ``street_id``, ``length_m``): to
        check segment and street ids and report unowned segments.
    grid
        Grid cells (``grid_id``): to check ids and report cells without a
        keeper (count and area in square metres).
    places
        Key places (``place_id``): to check place ids.

    Returns
    -------
    ResponsibilityReport
        Errors, overlaps and the places nobody owns.
    """
    units, duties = read_responsibility(units, duties)
    errors = [
        *_unit_errors(units),
        *_duty_errors(units, duties),
        *_target_errors(duties, segments=segments, grid=grid, places=places),
    ]
    unowned_seg, length = _unowned_segments(duties, segments)
    unowned_cells, area = _unowned_cells(duties, grid)
    return ResponsibilityReport(
        errors=tuple(errors),
        overlaps=_overlaps(duties),
        unowned_segments=unowned_seg,
        unowned_length_m=length,
        unowned_cells=unowned_cells,
        unowned_area_m2=area,
    )


def _unit_errors(units: pd.DataFrame) -> list[str]:
    """Return the problems of the units table: ids, kinds and parents."""
    errors: list[str] = []
    ids = units[UNIT_ID]
    if ids.isna().any() or ids.duplicated().any():
        errors.append("units.unit_id must be unique and present; fix the units table.")
    bad_kind = sorted(set(units["kind"].dropna().astype(str)) - set(UNIT_KINDS))
    if bad_kind:
        errors.append(f"units.kind has unknown kinds {bad_kind!r}; use {UNIT_KINDS}.")
    parents = set(units["parent_id"].dropna().astype(str))
    if parents - set(ids.dropna()):
        errors.append(
            f"units.parent_id names unknown units {sorted(parents - set(ids))!r}."
        )
    return errors


def _duty_errors(units: pd.DataFrame, duties: gpd.GeoDataFrame) -> list[str]:
    """Return the problems of the duties: units, kinds, sections and geometries."""
    errors: list[str] = []
    unknown = sorted(set(duties[UNIT_ID].dropna()) - set(units[UNIT_ID].dropna()))
    if unknown:
        errors.append(
            f"duties name {len(unknown)} unknown units ({unknown[:5]!r}); add them "
            "to the units table or fix the ids."
        )
    bad_duty = sorted(set(duties[DUTY].dropna().astype(str)) - set(DUTIES))
    if bad_duty:
        errors.append(f"duties.duty has unknown values {bad_duty!r}; use {DUTIES}.")
    sec = duties[DUTY] == "street"
    wrong = sec & (duties[START_M] >= duties[END_M])
    if wrong.any():
        errors.append(
            f"{int(wrong.sum())} street sections have start_m >= end_m; give the "
            "section's start before its end, in metres along the street."
        )
    front = duties[DUTY] == "frontage"
    geom_types = duties.geometry[front].geom_type
    if (~geom_types.isin(("Polygon", "MultiPolygon"))).any():
        errors.append("frontage duties need Polygon geometries.")
    return errors


def _target_errors(
    duties: gpd.GeoDataFrame,
    *,
    segments: gpd.GeoDataFrame | None,
    grid: gpd.GeoDataFrame | None,
    places: gpd.GeoDataFrame | None,
) -> list[str]:
    """Return the duties whose target is not in the boundary layers given."""
    errors: list[str] = []
    layers = (
        ("segment", segments, sc.SEGMENT_ID),
        ("street", segments, sc.STREET_ID),
        ("grid", grid, sc.GRID_ID),
        ("place", places, sc.PLACE_ID),
    )
    for duty, layer, col in layers:
        if layer is None:
            continue
        targets = set(duties.loc[duties[DUTY] == duty, TARGET_ID].dropna())
        missing = sorted(targets - set(layer[col].astype(str)))
        if missing:
            errors.append(
                f"{duty} duties name {len(missing)} unknown {col}s ({missing[:5]!r})."
            )
    return errors


def _unowned_segments(
    duties: gpd.GeoDataFrame, segments: gpd.GeoDataFrame | None
) -> tuple[tuple[str, ...], float]:
    """Return the segments no segment or street duty covers, and their length."""
    if segments is None:
        return (), 0.0
    sec = duties[DUTY] == "street"
    owned = set(duties.loc[duties[DUTY] == "segment", TARGET_ID].dropna())
    streets = set(duties.loc[sec & duties[START_M].isna(), TARGET_ID].dropna())
    free = ~segments[sc.SEGMENT_ID].astype(str).isin(owned) & ~segments[
        sc.STREET_ID
    ].astype(str).isin(streets)
    # a section covers a segment when it overlaps it (measure columns)
    if MEASURE_FROM_M in segments.columns:
        m0 = segments[MEASURE_FROM_M].to_numpy(dtype=np.float64)
        m1 = m0 + segments[sc.LENGTH_M].to_numpy(dtype=np.float64)
        for _, d in duties[sec & duties[START_M].notna()].iterrows():
            same = segments[sc.STREET_ID].astype(str).to_numpy() == d[TARGET_ID]
            free &= ~(same & (m0 < d[END_M]) & (m1 > d[START_M]))
    unowned = tuple(segments.loc[free, sc.SEGMENT_ID].astype(str))
    return unowned, float(segments.loc[free, sc.LENGTH_M].sum())


def _unowned_cells(
    duties: gpd.GeoDataFrame, grid: gpd.GeoDataFrame | None
) -> tuple[tuple[str, ...], float]:
    """Return the grid cells without a keeper and their area (square metres).

    The area is measured in the one metric CRS
    (:func:`hotspots._core.crs.metric_crs_for`, the UTM zone of the grid).
    """
    if grid is None:
        return (), 0.0
    kept = set(duties.loc[duties[DUTY] == "grid", TARGET_ID].dropna())
    free_cells = ~grid[sc.GRID_ID].astype(str).isin(kept)
    unowned = tuple(grid.loc[free_cells, sc.GRID_ID].astype(str))
    metric = grid.to_crs(metric_crs_for(grid.geometry))
    return unowned, float(metric.geometry[free_cells.to_numpy()].area.sum())


def _overlaps(duties: gpd.GeoDataFrame) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for duty in ("place", "segment", "grid"):
        sub = duties[duties[DUTY] == duty]
        for target, group in sub.groupby(TARGET_ID):
            units = group[UNIT_ID].tolist()
            rows.extend(
                {
                    "duty": duty,
                    "target_id": target,
                    "unit_a": units[0],
                    "unit_b": other,
                    "overlap": 1.0,
                    "winner": units[0],
                }
                for other in units[1:]
            )
    sec = duties[duties[DUTY] == "street"]
    for target, group in sec.groupby(TARGET_ID):
        g = group.reset_index(drop=True)
        lo = g[START_M].fillna(-np.inf).to_numpy()
        hi = g[END_M].fillna(np.inf).to_numpy()
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                over = min(hi[i], hi[j]) - max(lo[i], lo[j])
                if over > 0:
                    win = i if (hi[i] - lo[i]) <= (hi[j] - lo[j]) else j
                    rows.append(
                        {"duty": "street", "target_id": target,
                         "unit_a": g[UNIT_ID][i], "unit_b": g[UNIT_ID][j],
                         "overlap": float(over), "winner": g[UNIT_ID][win]}
                    )  # fmt: skip
    front = duties[duties[DUTY] == "frontage"]
    if len(front) > 1:
        metric = front.to_crs(metric_crs_for(front.geometry)).reset_index(drop=True)
        left, right = metric.sindex.query(metric.geometry, predicate="intersects")
        keep = left < right
        for i, j in zip(left[keep], right[keep], strict=True):
            a, b = metric.geometry[i], metric.geometry[j]
            over = float(shapely.intersection(a, b).area)
            if over > 0:
                win = i if a.area <= b.area else j
                rows.append(
                    {"duty": "frontage", "target_id": pd.NA,
                     "unit_a": metric[UNIT_ID][i], "unit_b": metric[UNIT_ID][j],
                     "overlap": over, "winner": metric[UNIT_ID][win]}
                )  # fmt: skip
    columns = ["duty", "target_id", "unit_a", "unit_b", "overlap", "winner"]
    return pd.DataFrame(rows, columns=columns)


def _chains(units: pd.DataFrame) -> dict[str, str]:
    parent = dict(zip(units[UNIT_ID].astype(str), units["parent_id"], strict=True))
    sub = dict(zip(units[UNIT_ID].astype(str), units[sc.SUBDISTRICT_ID], strict=True))
    out: dict[str, str] = {}
    for uid in parent:
        chain = [uid]
        seen = {uid}
        cur = parent[uid]
        while isinstance(cur, str) and cur in parent and cur not in seen:
            chain.append(cur)
            seen.add(cur)
            cur = parent[cur]
        top = sub.get(chain[-1])
        if isinstance(top, str):
            chain.append(top)
        out[uid] = " > ".join(chain)
    return out


def _case_measure(
    pts: npt.NDArray[np.object_],
    seg_id: pd.Series,
    segments: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame | None,
    street_of: pd.Series,
    metric: pyproj.CRS,
) -> FloatArray:
    """Each case's position along its street in metres (NaN where unknown)."""
    out = np.full(len(pts), np.nan)
    seg = segments.set_index(segments[sc.SEGMENT_ID].astype(str))
    if MEASURE_FROM_M in segments.columns:
        known = seg_id.notna().to_numpy() & seg_id.isin(seg.index).to_numpy()
        rows = seg.loc[seg_id[known].astype(str)]
        lines = rows.geometry.to_crs(metric).to_numpy()
        out[known] = rows[MEASURE_FROM_M].to_numpy(
            dtype=np.float64
        ) + shapely.line_locate_point(lines, pts[known])
        return out
    if streets is None:
        return out
    st = streets.set_index(streets[sc.STREET_ID].astype(str)).to_crs(metric)
    known = street_of.notna().to_numpy() & street_of.isin(st.index).to_numpy()
    lines = st.geometry.loc[street_of[known].astype(str)].to_numpy()
    out[known] = shapely.line_locate_point(lines, pts[known])
    return out


def nearest_place_ids(
    cases: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    metric_crs: CRSLike,
    radius_m: float,
) -> pd.Series:
    """Return the ``place_id`` of the key place nearest each case, within ``radius_m``.

    A case inside a place polygon is at distance 0; a case farther than
    ``radius_m`` metres from every place gets NA. Equidistant places: the
    first in ``places`` wins.

    Parameters
    ----------
    cases
        Point cases (with a CRS).
    places
        Key places with ``place_id`` (with a CRS).
    metric_crs
        The projected CRS in metres the distances are measured in.
    radius_m
        The largest distance, in metres.

    Returns
    -------
    pandas.Series
        Place ids (``string`` dtype, NA for none), on ``cases``' index.
    """
    pts = gpd.GeoDataFrame(geometry=cases.geometry.to_crs(metric_crs))
    near = gpd.sjoin_nearest(
        pts,
        places.to_crs(metric_crs)[[sc.PLACE_ID, "geometry"]],
        max_distance=radius_m,
    )
    near = near[~near.index.duplicated()]
    out: pd.Series = near[sc.PLACE_ID].reindex(cases.index).astype("string")
    return out


def assign_units(
    cases: gpd.GeoDataFrame,
    units: pd.DataFrame,
    duties: gpd.GeoDataFrame,
    *,
    segments: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    metric_crs: CRSLike | None = None,
) -> gpd.GeoDataFrame:
    """Give every case its responsible unit, the chain up and the deciding rule.

    Parameters
    ----------
    cases
        Cases after :func:`hotspots.assign` (Point geometries; optional
        ``grid_id``, ``segment_id``, ``street_id``, ``place_id``). Not
        modified.
    units, duties
        The responsibility layer (:func:`read_responsibility`).
    segments
        Street segments (``segment_id``, ``street_id``): map a case's
        segment to its street; with a ``measure_from_m`` column the case's
        position along the street is the segment's measure plus the
        position along the segment.
    streets
        Street centerlines (``street_id``): without segment measures the
        case is projected onto its street (``line_locate_point``, metres in
        ``metric_crs``) to place it in a street section.
    metric_crs
        CRS for distances, projected in metres (default the UTM zone of the
        cases, :func:`hotspots._core.crs.metric_crs_for`: a CRS in feet is
        converted).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``cases`` with ``unit_id``, ``unit_name``,
        ``unit_subdistrict_id``, ``unit_chain`` (``"U7 > D2 > S01"``: the
        unit, its parents and its subdistrict) and ``unit_rule`` (the rule
        that decided: ``frontage``, ``place``, ``segment``, ``grid``); NA
        where nobody owns the case.

    Raises
    ------
    TypeError
        When ``cases`` is not a GeoDataFrame.
    InputError
        When the responsibility layer has errors
        (:func:`validate_responsibility`) or a needed column is missing.

    Warns
    -----
    UnownedWarning
        With the number of cases nobody owns (kept, NA).
    """
    if not isinstance(cases, gpd.GeoDataFrame):
        msg = f"cases must be a GeoDataFrame, got {type(cases).__name__}."
        raise TypeError(msg)
    units, duties = read_responsibility(units, duties, crs=cases.crs)
    report = validate_responsibility(units, duties, segments=segments)
    collect_problems(list(report.errors), "assign_units")
    if cases.crs is None:
        msg = "cases have no CRS; set it with .set_crs('EPSG:4326')."
        raise InputError(msg)
    metric = metric_crs_for(cases.geometry, metric_crs=metric_crs)
    n = len(cases)
    pts = cases.geometry.to_crs(metric).to_numpy()
    owner = np.full(n, None, dtype=object)
    rule = np.full(n, None, dtype=object)

    def take(
        hit: npt.NDArray[np.bool_], who: npt.NDArray[np.object_], name: str
    ) -> None:
        free = hit & (owner == None)  # noqa: E711 - elementwise on objects
        owner[free] = who[free]
        rule[free] = name

    # 1. frontage polygons: the smallest containing polygon wins
    front = duties[duties[DUTY] == "frontage"]
    if len(front):
        fm = front.to_crs(metric).reset_index(drop=True)
        fm = fm.iloc[np.argsort(fm.geometry.area.to_numpy(), kind="stable")]
        fm = fm.reset_index(drop=True)
        ok = ~shapely.is_missing(pts) & ~shapely.is_empty(pts)
        where = np.flatnonzero(ok)
        ci, fi = fm.sindex.query(pts[where], predicate="intersects")
        best = pd.Series(fi).groupby(ci).min()
        who = np.full(n, None, dtype=object)
        who[where[best.index.to_numpy()]] = fm[UNIT_ID].to_numpy()[best.to_numpy()]
        take(who != None, who, "frontage")  # noqa: E711
    # 2. key places, 3. segments, 4. grid keepers, by id
    for duty, col in (("place", sc.PLACE_ID), ("segment", sc.SEGMENT_ID)):
        if col in cases.columns:
            table = duties[duties[DUTY] == duty].drop_duplicates(TARGET_ID)
            lookup = dict(zip(table[TARGET_ID], table[UNIT_ID], strict=True))
            who = cases[col].astype("string").map(lookup).to_numpy(dtype=object)
            who[pd.isna(who)] = None
            take(who != None, who, "place" if duty == "place" else "segment")  # noqa: E711
        if duty == "segment":
            _street_sections(cases, duties, segments, streets, pts, metric, take)
    if sc.GRID_ID in cases.columns:
        table = duties[duties[DUTY] == "grid"].drop_duplicates(TARGET_ID)
        lookup = dict(zip(table[TARGET_ID], table[UNIT_ID], strict=True))
        who = cases[sc.GRID_ID].astype("string").map(lookup).to_numpy(dtype=object)
        who[pd.isna(who)] = None
        take(who != None, who, "grid")  # noqa: E711
    out = cases.copy()
    ids = pd.Series(owner, index=out.index, dtype="string")
    names = dict(zip(units[UNIT_ID], units["name"].astype(str), strict=True))
    subs = dict(zip(units[UNIT_ID], units[sc.SUBDISTRICT_ID], strict=True))
    out[UNIT_ID] = ids
    out[UNIT_NAME] = ids.map(names).astype("string")
    out[UNIT_SUBDISTRICT] = ids.map(subs).astype("string")
    out[UNIT_CHAIN] = ids.map(_chains(units)).astype("string")
    out[UNIT_RULE] = pd.Series(rule, index=out.index, dtype="string")
    nobody = int(ids.isna().sum())
    if nobody:
        warnings.warn(
            UnownedWarning(
                f"{nobody} of {n} cases have no responsible unit (no frontage, "
                "place, segment, street section or grid keeper covers them); "
                "they are kept with NA unit_id. Extend the duties layer."
            ),
            stacklevel=2,
        )
    return out


def _street_sections(
    cases: gpd.GeoDataFrame,
    duties: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
    pts: npt.NDArray[np.object_],
    metric: pyproj.CRS,
    take: Any,
) -> None:
    """Rule 3b: whole streets and street sections (包街), shortest section first."""
    sec = duties[duties[DUTY] == "street"]
    if not len(sec):
        return
    if sc.STREET_ID in cases.columns:
        street_of = cases[sc.STREET_ID].astype("string")
    elif segments is not None and sc.SEGMENT_ID in cases.columns:
        lookup = dict(
            zip(segments[sc.SEGMENT_ID].astype(str), segments[sc.STREET_ID].astype(str),
                strict=True)
        )  # fmt: skip
        street_of = cases[sc.SEGMENT_ID].astype("string").map(lookup)
    else:
        msg = (
            "street duties need each case's street: give the cases a street_id "
            "or segment_id column and pass segments=..."
        )
        raise InputError(msg)
    street_of = pd.Series(street_of.to_numpy(), dtype="string")
    needs_measure = sec[START_M].notna().any() or sec[END_M].notna().any()
    measure = np.full(len(cases), np.nan)
    if needs_measure and segments is not None:
        measure = _case_measure(
            pts,
            pd.Series(cases[sc.SEGMENT_ID].to_numpy(), dtype="string")
            if sc.SEGMENT_ID in cases.columns
            else pd.Series(pd.NA, index=range(len(cases)), dtype="string"),
            segments,
            streets,
            street_of,
            metric,
        )
    elif needs_measure and streets is not None:
        st = streets.set_index(streets[sc.STREET_ID].astype(str)).to_crs(metric)
        known = street_of.notna().to_numpy() & street_of.isin(st.index).to_numpy()
        lines = st.geometry.loc[street_of[known].astype(str)].to_numpy()
        measure[known] = shapely.line_locate_point(lines, pts[known])
    lo = sec[START_M].fillna(-np.inf).to_numpy()
    hi = sec[END_M].fillna(np.inf).to_numpy()
    order = np.argsort(hi - lo, kind="stable")
    street = street_of.fillna("").to_numpy(dtype=object)
    for k in order:
        target = sec[TARGET_ID].iloc[k]
        on = street == target
        if np.isfinite(lo[k]) or np.isfinite(hi[k]):
            on = on & (measure >= lo[k]) & (measure <= hi[k])
        who = np.full(len(on), None, dtype=object)
        who[on] = sec[UNIT_ID].iloc[k]
        take(on, who, "segment")
