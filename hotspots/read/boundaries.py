"""Boundary layers: load, validate, segment streets and generate grids.

Four kinds of boundary layer meet in ``hotspots`` (column names in
:mod:`hotspots._core.schema`):

``grid``
    unit grid cells (单元网格): ``grid_id`` and a Polygon per cell.
``streets``
    street centerlines: ``street_id``, ``name``, ``street_class`` (arterial,
    secondary, alley), ``oneway`` and a LineString. :func:`segment_streets`
    cuts them into patrol-sized segments at intersections.
``areas``
    nested admin areas: ``area_id``, ``name``, ``level`` (district,
    subdistrict, community), ``parent_id`` and a Polygon.
``places``
    key places: ``place_id``, ``name``, ``kind`` and a Point.

:func:`read_boundaries` loads any file geopandas reads (GeoJSON, GeoPackage,
Shapefile, GeoParquet) or a frame, validates it and returns the validated
frame; :func:`validate_boundaries` returns the full :class:`ValidationReport`.
Generated grids (:func:`square_grid`) carry a :class:`RegularGrid` in
``frame.attrs`` so that :func:`hotspots.spatial.join.assign` can place reports in
them by arithmetic instead of polygon tests.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .._core import schema as sc
from .._core.crs import metric_crs_for
from .._core.types import CRSLike, ExtentLike, FloatArray, IntArray
from .._core.validate import parse_crs, positive_number, require_geoframe
from ..errors import CRSError, HotspotsWarning, InputError, collect_problems

__all__ = [
    "DEFAULT_STREET_WIDTHS_M",
    "REGULAR_GRID_ATTR",
    "STREET_CLASSES",
    "BoundaryKind",
    "BoundaryRepairWarning",
    "RegularGrid",
    "ValidationReport",
    "h3_grid",
    "hex_grid",
    "metric_crs_of",
    "read_boundaries",
    "segment_streets",
    "square_grid",
    "street_polygons",
    "streets_from_osm",
    "validate_boundaries",
]

BoundaryKind = Literal["grid", "streets", "areas", "places"]
NetworkType = Literal["driving", "walking", "all"]

#: Street classes of the streets contract.
STREET_CLASSES: Final = ("arterial", "secondary", "alley")
#: Full carriageway width per street class used by :func:`street_polygons`.
DEFAULT_STREET_WIDTHS_M: Final[Mapping[str, float]] = MappingProxyType(
    {"arterial": 15.0, "secondary": 10.0, "alley": 5.0}
)
#: Key of the :class:`RegularGrid` in a generated grid's ``attrs``.
REGULAR_GRID_ATTR: Final = "hotspots_regular_grid"
#: Width of the row and column numbers in generated grid ids.
_ID_DIGITS: Final = 4
#: Overlaps and gaps smaller than this (square metres) are float noise.
_AREA_TOLERANCE_M2: Final = 1e-6
#: Coordinates closer than this (metres) are the same street node.
_NODE_DECIMALS: Final = 3
#: A cut closer than this (metres) to another cut or an end is merged with it.
_CUT_TOLERANCE_M: Final = 1e-6

_ID_COLUMNS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "grid": sc.GRID_ID,
        "streets": sc.STREET_ID,
        "areas": sc.AREA_ID,
        "places": sc.PLACE_ID,
    }
)
_GEOM_TYPES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "grid": ("Polygon", "MultiPolygon"),
        "streets": ("LineString", "MultiLineString"),
        "areas": ("Polygon", "MultiPolygon"),
        "places": ("Point",),
    }
)
#: What the features of each kind of layer are, for messages.
_FEATURES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "grid": "unit grid cells",
        "streets": "street centerlines",
        "areas": "admin areas",
        "places": "key places",
    }
)
_PLACE_KINDS: Final = ("market", "school", "station", "construction", "hospital")
_PARQUET_SUFFIXES: Final = (".parquet", ".geoparquet", ".pq")


class BoundaryRepairWarning(HotspotsWarning):
    """A boundary layer was repaired or has findings (overlaps, gaps, ...)."""


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """Everything :func:`validate_boundaries` found and repaired in a layer.

    Attributes
    ----------
    kind
        The layer kind validated.
    frame
        The layer after repairs, with the canonical id column name, in its
        own CRS (or ``crs`` when the source had none). Rows are never
        dropped: rows with problems stay and are listed in ``errors``.
    errors
        Fatal problems: :func:`read_boundaries` raises when there are any.
    repairs
        What was changed (geometries made valid, columns filled in).
    findings
        Problems reported but not changed (overlapping cells, gaps, areas
        sticking out of their parent, unknown classes).
    crs_errors
        CRS problems (missing, or different from the expected CRS).
    duplicate_ids, missing_id_rows, repaired_ids, wrong_type_ids, empty_ids
        Ids (or row positions for missing ids) behind each problem.
    overlaps
        Pairs of overlapping polygons: ``id_a``, ``id_b``, ``area_m2``.
    n_gaps, gap_area_m2
        Holes enclosed by a grid layer that no cell covers, and their area.
    """

    kind: str
    frame: gpd.GeoDataFrame
    errors: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    crs_errors: tuple[str, ...] = ()
    duplicate_ids: tuple[str, ...] = ()
    missing_id_rows: tuple[int, ...] = ()
    repaired_ids: tuple[str, ...] = ()
    wrong_type_ids: tuple[str, ...] = ()
    empty_ids: tuple[str, ...] = ()
    overlaps: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "id_a": pd.Series(dtype="str"),
                "id_b": pd.Series(dtype="str"),
                "area_m2": pd.Series(dtype="float64"),
            }
        )
    )
    n_gaps: int = 0
    gap_area_m2: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the layer can be used (no errors and no CRS errors)."""
        return not self.errors and not self.crs_errors

    def summary(self) -> str:
        """Return a few lines describing errors, repairs and findings."""
        lines = [f"{self.kind} layer: {len(self.frame)} rows"]
        for title, items in (
            ("CRS errors", self.crs_errors),
            ("errors", self.errors),
            ("repairs", self.repairs),
            ("findings", self.findings),
        ):
            lines.extend(f"  {title}: {item}" for item in items)
        return "\n".join(lines)


def _ids_preview(ids: npt.ArrayLike, limit: int = 5) -> str:
    values = [str(v) for v in np.asarray(ids, dtype=object).tolist()]
    text = ", ".join(repr(v) for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def metric_crs_of(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return the metric CRS in which distances of ``frame`` are computed.

    A thin wrapper over the one metric-CRS policy,
    :func:`hotspots._core.crs.metric_crs_for`: the WGS-84 UTM zone of the
    layer, whatever its own CRS (a projected CRS in feet is converted, never
    used as if in metres).

    Parameters
    ----------
    frame
        A layer with a CRS.

    Returns
    -------
    pyproj.CRS
        A projected CRS whose unit is the metre.

    Raises
    ------
    CRSError
        When the layer has no CRS or no finite coordinates.
    """
    return metric_crs_for(
        frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    )


def _read_source(source: Any, name: str) -> gpd.GeoDataFrame:
    if isinstance(source, gpd.GeoDataFrame):
        return source.copy()
    if isinstance(source, pd.DataFrame):
        msg = (
            f"{name} must be a GeoDataFrame or a path to a file geopandas reads, "
            "got a DataFrame without geometry. Build it with "
            "geopandas.GeoDataFrame(df, geometry=..., crs=...)."
        )
        raise TypeError(msg)
    if not isinstance(source, str | os.PathLike):
        msg = (
            f"{name} must be a GeoDataFrame or a path (str or Path), "
            f"got {type(source).__name__}."
        )
        raise TypeError(msg)
    path = Path(source)
    if not path.exists():
        msg = (
            f"{name}: file {str(path)!r} does not exist. Pass the path of a "
            "GeoJSON, GeoPackage, Shapefile or GeoParquet file."
        )
        raise InputError(msg)
    try:
        if path.suffix.lower() in _PARQUET_SUFFIXES:
            return gpd.read_parquet(path)
        return gpd.read_file(path)
    except Exception as err:  # any reader failure becomes one clear message
        msg = (
            f"{name}: cannot read {str(path)!r} as a geospatial file ({err}). "
            "Pass a GeoJSON, GeoPackage, Shapefile or GeoParquet file."
        )
        raise InputError(msg) from err


def _check_crs(
    frame: gpd.GeoDataFrame, crs: Any, name: str
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    problems: list[str] = []
    repairs: list[str] = []
    expected = None if crs is None else parse_crs(crs)
    if frame.crs is None:
        if expected is None:
            problems.append(
                f"{name} has no CRS. Pass crs='EPSG:4326' (or the CRS its "
                "coordinates are in), or set it with .set_crs(...)."
            )
        else:
            frame = frame.set_crs(expected)
            repairs.append(f"the source had no CRS; set to {expected.to_string()}")
    elif expected is not None and not pyproj.CRS.from_user_input(frame.crs).equals(
        expected
    ):
        problems.append(
            f"{name} is in CRS {frame.crs.to_string()!r}, expected "
            f"{expected.to_string()!r} like the other inputs. Convert it with "
            f".to_crs({expected.to_string()!r}) or pass crs=None."
        )
    return frame, problems, repairs


def _validate_ids(
    frame: gpd.GeoDataFrame, id_col: str, name: str
) -> tuple[list[str], tuple[str, ...], tuple[int, ...]]:
    problems: list[str] = []
    ids = frame[id_col]
    missing = ids.isna().to_numpy() | (ids.astype("str").str.strip() == "").to_numpy()
    missing_rows = tuple(int(i) for i in np.flatnonzero(missing))
    if missing_rows:
        problems.append(
            f"{name}.{id_col}: {len(missing_rows)} rows have no id (row positions "
            f"{_ids_preview(missing_rows)}). Give every feature a unique id."
        )
    present = ids[~missing].astype("str")
    dup = present[present.duplicated(keep=False)].unique()
    duplicates = tuple(str(v) for v in dup)
    if duplicates:
        problems.append(
            f"{name}.{id_col}: {len(duplicates)} ids occur more than once "
            f"({_ids_preview(duplicates)}). Ids must be unique; merge or renumber "
            "the duplicated features."
        )
    return problems, duplicates, missing_rows


def _polygonal(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Keep the polygonal part of each geometry (after make_valid)."""
    out = np.array(geoms, dtype=object)
    types = shapely.get_type_id(out)
    coll = np.flatnonzero(types == shapely.GeometryType.GEOMETRYCOLLECTION)
    for k in coll:  # rare: only repaired geometries that collapsed partly
        parts = shapely.get_parts(out[k])
        polys = parts[
            np.isin(
                shapely.get_type_id(parts),
                [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON],
            )
        ]
        out[k] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


def _to_crs(geoms: npt.NDArray[np.object_], src: Any, dst: Any) -> Any:
    """Geometries (a numpy array) from ``src`` to ``dst``."""
    if len(geoms) == 0 or dst is None:
        return geoms
    return gpd.GeoSeries(geoms, crs=src).to_crs(dst).to_numpy()


def _overlaps_and_gaps(
    frame: gpd.GeoDataFrame, id_col: str, with_gaps: bool
) -> tuple[pd.DataFrame, int, float]:
    geoms = frame.geometry.to_numpy()
    ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    ok &= shapely.is_valid(geoms)
    idx = np.flatnonzero(ok)
    g = geoms[idx]
    # A valid polygonal coverage (GEOS: no interiors overlap, neighbours share
    # their edges exactly) has no overlaps by definition; checking that is ~15x
    # faster than intersecting every pair of neighbours, so the pairwise
    # intersection (which measures each overlap's area) runs only otherwise.
    # The check runs in the layer's own CRS: a projection maps a shared vertex
    # to one point, so neighbours that match keep matching; only areas need
    # metres, and only the overlaps and the holes are projected for them.
    polygonal = np.isin(shapely.get_type_id(g), (3, 6)).all()
    coverage = len(g) > 0 and polygonal and bool(shapely.coverage_is_valid(g))
    metric = metric_crs_of(frame) if len(g) else None
    if coverage:
        a = b = np.zeros(0, dtype=np.intp)
        area = np.zeros(0)
    else:
        g = _to_crs(g, frame.crs, metric)
        tree = shapely.STRtree(g)
        a, b = tree.query(g, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        inner = shapely.relate_pattern(g[a], g[b], "2********")
        a, b = a[inner], b[inner]
        area = shapely.area(shapely.intersection(g[a], g[b]))
    big = area > _AREA_TOLERANCE_M2
    ids = frame[id_col].astype("str").to_numpy()
    overlaps = pd.DataFrame(
        {
            "id_a": pd.Series(ids[idx[a[big]]], dtype="str"),
            "id_b": pd.Series(ids[idx[b[big]]], dtype="str"),
            "area_m2": area[big].astype(np.float64),
        }
    )
    n_gaps, gap_area = 0, 0.0
    if with_gaps and len(g):
        union = shapely.coverage_union_all(g) if coverage else shapely.union_all(g)
        holes = [
            shapely.Polygon(ring)
            for poly in shapely.get_parts(union)
            if shapely.get_type_id(poly) == shapely.GeometryType.POLYGON
            for ring in poly.interiors
        ]
        hole_area = np.asarray(
            shapely.area(
                np.asarray(holes, dtype=object)
                if not coverage
                else _to_crs(np.asarray(holes, dtype=object), frame.crs, metric)
            ),
            dtype=float,
        )
        hole_area = hole_area[hole_area > _AREA_TOLERANCE_M2]
        n_gaps, gap_area = len(hole_area), float(hole_area.sum())
    return overlaps, n_gaps, gap_area


def _validate_areas(frame: gpd.GeoDataFrame, name: str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    findings: list[str] = []
    for col in (sc.AREA_LEVEL, sc.AREA_PARENT):
        if col not in frame.columns:
            problems.append(
                f"{name} has no {col!r} column. Areas need 'level' (one of "
                f"{', '.join(sc.AREA_LEVELS)}) and 'parent_id' (the id of the area "
                "one level up; empty for districts)."
            )
    if problems:
        return problems, findings
    level = frame[sc.AREA_LEVEL].astype("str")
    bad = ~level.isin(sc.AREA_LEVELS)
    if bad.any():
        null = level.isna()
        got = [
            _ids_preview(level[bad & ~null].unique()) if (bad & ~null).any() else "",
            f"{int(null.sum())} areas without a level "
            f"({_ids_preview(frame[sc.AREA_ID].astype('str')[null].to_numpy())})"
            if null.any()
            else "",
        ]
        problems.append(
            f"{name}.level must be one of {', '.join(sc.AREA_LEVELS)}, got "
            f"{' and '.join(g for g in got if g)}. Map the source's level names "
            "to these three and give every area one."
        )
        return problems, findings
    ids = frame[sc.AREA_ID].astype("str")
    level_of = dict(zip(ids, level, strict=True))
    parent = frame[sc.AREA_PARENT]
    present_levels = [lv for lv in sc.AREA_LEVELS if (level == lv).any()]
    for k, lv in enumerate(sc.AREA_LEVELS):
        if k == 0 or lv not in present_levels:
            continue
        up = sc.AREA_LEVELS[k - 1]
        rows = (level == lv).to_numpy()
        if up not in present_levels:
            continue
        par = parent[rows]
        wrong = [
            f"{i}->{p}"
            for i, p in zip(ids[rows], par, strict=True)
            if pd.isna(p) or level_of.get(str(p)) != up
        ]
        if wrong:
            problems.append(
                f"{name}: {len(wrong)} {lv} areas do not name a {up} as parent_id "
                f"({_ids_preview(wrong)}). Set parent_id to the id of the {up} "
                "that contains each one."
            )
    if problems:
        return problems, findings
    # geometric nesting: a child should lie within its parent
    child = frame[parent.notna().to_numpy() & parent.astype("str").isin(ids).to_numpy()]
    if len(child):
        metric = metric_crs_of(frame)
        geoms = frame.geometry.to_crs(metric).to_numpy()
        pos = pd.Series(np.arange(len(frame)), index=ids.to_numpy())
        ci = pos[child[sc.AREA_ID].astype("str").to_numpy()].to_numpy()
        pi = pos[child[sc.AREA_PARENT].astype("str").to_numpy()].to_numpy()
        valid = shapely.is_valid(geoms[ci]) & shapely.is_valid(geoms[pi])
        outside = np.zeros(len(ci))
        outside[valid] = shapely.area(
            shapely.difference(geoms[ci][valid], geoms[pi][valid])
        )
        rel = outside / np.maximum(shapely.area(geoms[ci]), _AREA_TOLERANCE_M2)
        stick = (outside > 1.0) & (rel > 1e-3)
        if stick.any():
            findings.append(
                f"{int(stick.sum())} areas stick out of their parent by more than "
                f"1 m² and 0.1 % (total {outside[stick].sum():.1f} m²: "
                f"{_ids_preview(ids.to_numpy()[ci[stick]])}); reports there get "
                "the ids of the finest area containing them"
            )
    return problems, findings


def validate_boundaries(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    *,
    kind: BoundaryKind,
    id_column: str | None = None,
    crs: CRSLike | None = None,
    repair: bool = True,
) -> ValidationReport:
    """Validate a boundary layer and return the full repair report.

    Checks, all collected before returning: the id column exists, ids are
    present and unique; geometries are present, non-empty, of the right type
    for ``kind`` and valid (invalid ones are repaired with
    :func:`shapely.make_valid` when ``repair`` is true, and listed); the CRS is
    present and, when ``crs`` is given, equal to it; grid cells that overlap
    (with the overlap area in m²) and gaps enclosed by the grid (count and
    area in m²); for areas, levels, parent ids that name an area one level up,
    and children sticking out of their parent; for streets and places, the
    contract columns (missing optional ones are filled and listed).

    Parameters
    ----------
    source
        A path to a file geopandas reads (GeoJSON, GeoPackage, Shapefile,
        GeoParquet) or a GeoDataFrame (not modified).
    kind
        ``"grid"``, ``"streets"``, ``"areas"`` or ``"places"``.
    id_column
        Name of the id column in the source; renamed to the canonical name
        (``grid_id``, ``street_id``, ``area_id``, ``place_id``). Default: the
        canonical name.
    crs
        The CRS the layer must be in (that of the other inputs). A source
        without a CRS gets it; a source in another CRS is a CRS error.
    repair
        Repair invalid geometries with ``make_valid`` (else they are errors).

    Returns
    -------
    ValidationReport
        Errors, repairs, findings and the repaired frame; never raises for
        problems in the data itself.

    Raises
    ------
    TypeError
        When ``source`` is neither a GeoDataFrame nor a path.
    InputError
        When ``kind`` is unknown or the file cannot be read.
    """
    if kind not in _ID_COLUMNS:
        msg = f"kind must be one of 'grid', 'streets', 'areas', 'places', got {kind!r}."
        raise InputError(msg)
    name = f"{kind} layer"
    frame = _read_source(source, name)
    canonical = _ID_COLUMNS[kind]
    id_col = canonical if id_column is None else id_column
    frame, crs_problems, repairs = _check_crs(frame, crs, name)
    early = _early_error(frame, source, kind, id_col)
    if early is not None:
        return ValidationReport(
            kind=kind,
            frame=frame,
            errors=(early,),
            repairs=tuple(repairs),
            crs_errors=tuple(crs_problems),
        )
    if id_col != canonical:
        if canonical in frame.columns:
            frame = frame.drop(columns=canonical)
        frame = frame.rename(columns={id_col: canonical})
    frame[canonical] = frame[canonical].astype("str")
    errors, duplicates, missing_rows = _validate_ids(frame, canonical, name)
    geo = _check_geometries(frame, kind, repair)
    frame = geo.frame
    errors.extend(geo.errors)
    repairs.extend(geo.repairs)
    frame, column_repairs, findings = _contract_columns(frame, kind)
    repairs.extend(column_repairs)
    if kind == "areas" and not duplicates and not missing_rows:
        area_problems, area_findings = _validate_areas(frame, name)
        errors.extend(area_problems)
        findings.extend(area_findings)
    overlaps = ValidationReport(kind=kind, frame=frame).overlaps
    n_gaps, gap_area = 0, 0.0
    if kind in ("grid", "areas") and not crs_problems and len(frame):
        overlaps, n_gaps, gap_area = _layer_overlaps(frame, kind, findings)
    return ValidationReport(
        kind=kind,
        frame=frame,
        errors=tuple(errors),
        repairs=tuple(repairs),
        findings=tuple(findings),
        crs_errors=tuple(crs_problems),
        duplicate_ids=duplicates,
        missing_id_rows=missing_rows,
        repaired_ids=geo.repaired_ids,
        wrong_type_ids=geo.wrong_ids,
        empty_ids=geo.empty_ids,
        overlaps=overlaps,
        n_gaps=n_gaps,
        gap_area_m2=gap_area,
    )


def _early_error(
    frame: gpd.GeoDataFrame, source: object, kind: str, id_col: str
) -> str | None:
    """Return the error that stops validation (no rows, no id column), if any."""
    name = f"{kind} layer"
    if len(frame) == 0:
        where = (
            "the GeoDataFrame passed"
            if isinstance(source, gpd.GeoDataFrame)
            else f"{str(source)!r}"
        )
        return (
            f"the {name} has no features: {where} holds 0 rows. Point it at the "
            f"file (or layer) that holds the {_FEATURES[kind]}."
        )
    if id_col not in frame.columns:
        return (
            f"{name} has no id column {id_col!r} (columns: "
            f"{', '.join(map(str, frame.columns))}). Pass id_column='<the id column>'."
        )
    return None


@dataclass(frozen=True, eq=False)
class _GeometryCheck:
    """What :func:`_check_geometries` found and repaired, and the frame after."""

    frame: gpd.GeoDataFrame
    errors: list[str]
    repairs: list[str]
    empty_ids: tuple[str, ...]
    wrong_ids: tuple[str, ...]
    repaired_ids: tuple[str, ...]


def _check_geometries(
    frame: gpd.GeoDataFrame, kind: str, repair: bool
) -> _GeometryCheck:
    """Check geometries are present, of the kind's type and valid; repair if asked."""
    name = f"{kind} layer"
    errors: list[str] = []
    ids = frame[_ID_COLUMNS[kind]].astype("str").to_numpy()
    geoms = frame.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    empty_ids = tuple(str(v) for v in ids[empty])
    if empty_ids:
        errors.append(
            f"{name}: {len(empty_ids)} features have no or an empty geometry "
            f"({_ids_preview(empty_ids)}). Give them a geometry or remove them "
            "from the source."
        )
    allowed = _GEOM_TYPES[kind]
    allowed_ids = [int(shapely.GeometryType[t.upper()].value) for t in allowed]
    wrong = ~empty & ~np.isin(np.asarray(shapely.get_type_id(geoms)), allowed_ids)
    wrong_ids = tuple(str(v) for v in ids[wrong])
    if wrong_ids:
        got = sorted(set(shapely.get_type_id(geoms[wrong]).tolist()))
        got_names = ", ".join(shapely.GeometryType(t).name for t in got)
        errors.append(
            f"{name}: {len(wrong_ids)} features are not {' or '.join(allowed)} "
            f"(got {got_names}: {_ids_preview(wrong_ids)}). Explode collections "
            "or convert the geometries to the expected type."
        )
    invalid = ~empty & ~wrong & ~shapely.is_valid(geoms)
    if not invalid.any():
        return _GeometryCheck(frame, errors, [], empty_ids, wrong_ids, ())
    bad_ids = tuple(str(v) for v in ids[invalid])
    reasons = shapely.is_valid_reason(geoms[invalid])
    if not repair:
        errors.append(
            f"{name}: {len(bad_ids)} geometries are invalid "
            f"({_ids_preview(bad_ids)}; e.g. {reasons[0]}). Pass repair=True "
            "to repair them with shapely.make_valid, or fix the source."
        )
        return _GeometryCheck(frame, errors, [], empty_ids, wrong_ids, ())
    if kind in ("grid", "areas"):
        fixed = _polygonal(
            shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        )
    else:
        fixed = shapely.make_valid(geoms[invalid])
    geoms = geoms.copy()
    geoms[invalid] = fixed
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    repairs = [
        f"{len(bad_ids)} invalid geometries repaired with shapely.make_valid "
        f"({_ids_preview(bad_ids)}; e.g. {reasons[0]})"
    ]
    still = shapely.is_empty(fixed) | ~np.isin(shapely.get_type_id(fixed), allowed_ids)
    if still.any():
        errors.append(
            f"{name}: {int(still.sum())} invalid geometries collapsed when "
            f"repaired ({_ids_preview(np.asarray(bad_ids)[still])}). Fix "
            "them in the source."
        )
    return _GeometryCheck(frame, errors, repairs, empty_ids, wrong_ids, bad_ids)


def _contract_columns(
    frame: gpd.GeoDataFrame, kind: str
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Fill the optional contract columns of streets and places; list unknown classes.

    Returns the frame, the repairs (columns added) and the findings.
    """
    repairs: list[str] = []
    findings: list[str] = []
    if kind == "streets":
        for col, fill, what in (
            (sc.AREA_NAME, None, "no street names"),
            (sc.STREET_CLASS, None, "no street classes"),
            (sc.ONEWAY, False, "no oneway flags (all two-way)"),
        ):
            if col not in frame.columns:
                frame[col] = pd.Series(fill, index=frame.index, dtype=object)
                if col == sc.ONEWAY:
                    frame[col] = frame[col].astype(bool)
                else:
                    frame[col] = frame[col].astype("str")
                repairs.append(f"column {col!r} added: {what}")
        cls = frame[sc.STREET_CLASS]
        unknown = cls.notna() & ~cls.astype("str").isin(STREET_CLASSES)
        if unknown.any():
            findings.append(
                f"{int(unknown.sum())} streets have a street_class outside "
                f"{', '.join(STREET_CLASSES)} ({_ids_preview(cls[unknown].unique())})"
            )
    if kind == "places":
        if sc.PLACE_NAME not in frame.columns:
            frame[sc.PLACE_NAME] = pd.Series(None, index=frame.index, dtype="str")
            repairs.append("column 'name' added: no place names")
        if sc.PLACE_KIND in frame.columns:
            pk = frame[sc.PLACE_KIND]
            unknown = pk.notna() & ~pk.astype("str").isin(_PLACE_KINDS)
            if unknown.any():
                findings.append(
                    f"{int(unknown.sum())} places have a kind outside "
                    f"{', '.join(_PLACE_KINDS)} ({_ids_preview(pk[unknown].unique())})"
                )
    return frame, repairs, findings


def _layer_overlaps(
    frame: gpd.GeoDataFrame, kind: str, findings: list[str]
) -> tuple[pd.DataFrame, int, float]:
    """Return the overlaps (and a grid's gaps) of a grid or areas layer.

    The findings about them are appended to ``findings``.
    """
    canonical = _ID_COLUMNS[kind]
    overlaps = ValidationReport(kind=kind, frame=frame).overlaps
    n_gaps, gap_area = 0, 0.0
    if kind == "grid":
        overlaps, n_gaps, gap_area = _overlaps_and_gaps(frame, canonical, True)
        if n_gaps:
            findings.append(
                f"{n_gaps} gaps enclosed by the grid that no cell covers "
                f"(total {gap_area:.1f} m²); reports there get no grid_id"
            )
    else:
        parts = []
        for lv in sc.AREA_LEVELS:
            if sc.AREA_LEVEL in frame.columns:
                sub = frame[frame[sc.AREA_LEVEL].astype("str") == lv]
                if len(sub):
                    parts.append(_overlaps_and_gaps(sub, canonical, False)[0])
        if parts:
            overlaps = pd.concat(parts, ignore_index=True)
    if len(overlaps):
        largest = int(overlaps["area_m2"].argmax())
        findings.append(
            f"{len(overlaps)} pairs of {'cells' if kind == 'grid' else 'areas'} "
            f"overlap (total {overlaps['area_m2'].sum():.1f} m², largest "
            f"{overlaps['area_m2'].max():.1f} m² between "
            f"{overlaps['id_a'].iloc[largest]!r} and "
            f"{overlaps['id_b'].iloc[largest]!r}); "
            "a report in an overlap gets the first of them in row order"
        )
    return overlaps, n_gaps, gap_area


def read_boundaries(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    *,
    kind: BoundaryKind,
    id_column: str | None = None,
    crs: CRSLike | None = None,
    repair: bool = True,
) -> gpd.GeoDataFrame:
    """Load and validate a boundary layer (grid, streets, areas or places).

    Runs :func:`validate_boundaries`; raises on errors, warns once with a
    summary of repairs and findings, and returns the validated frame.

    Parameters
    ----------
    source
        A path to a file geopandas reads (GeoJSON, GeoPackage, Shapefile,
        GeoParquet) or a GeoDataFrame (not modified).
    kind
        ``"grid"``, ``"streets"``, ``"areas"`` or ``"places"``.
    id_column
        Name of the id column in the source, renamed to the canonical one.
    crs
        The CRS the layer must be in; assigned to a source without a CRS.
    repair
        Repair invalid geometries with :func:`shapely.make_valid`.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in its own CRS, canonical id column, every row and column
        of the source kept, geometries repaired where needed.

    Raises
    ------
    CRSError
        When the CRS is missing or differs from ``crs``.
    InputError
        Listing every other problem (duplicate or missing ids, empty, wrong
        or unrepairable geometries, broken area nesting).

    Warns
    -----
    BoundaryRepairWarning
        When geometries were repaired, columns filled in, or overlaps, gaps
        or other findings were reported.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"grid_id": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...     crs="EPSG:32651")
    >>> read_boundaries(cells, kind="grid")["grid_id"].tolist()
    ['a', 'b']
    """
    report = validate_boundaries(
        source, kind=kind, id_column=id_column, crs=crs, repair=repair
    )
    if report.crs_errors:
        lines = list(report.crs_errors) + list(report.errors)
        text = lines[0] if len(lines) == 1 else "\n".join(f"  - {p}" for p in lines)
        raise CRSError(text, lines)
    collect_problems(list(report.errors), f"{kind} layer")
    if report.repairs or report.findings:
        items = list(report.repairs) + list(report.findings)
        warnings.warn(
            BoundaryRepairWarning(f"{kind} layer: " + "; ".join(items)), stacklevel=2
        )
    return report.frame


# -- streets ------------------------------------------------------------------


def _length_problems(value: object, name: str, example: str) -> list[str]:
    """Return the kit's problem of a length in metres, as a list."""
    problem = positive_number(value, name, example=example, unit="metres")
    return [] if problem is None else [problem]


def count_ranges(counts: IntArray) -> IntArray:
    """Return 0..c-1 for each count, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def segment_streets(
    streets: gpd.GeoDataFrame,
    *,
    max_length_m: float = 200.0,
    id_column: str = sc.STREET_ID,
) -> gpd.GeoDataFrame:
    """Cut street centerlines into segments at intersections and a maximum length.

    Every street is cut where it crosses or touches another street (and at
    every point two streets share), then each piece between two cuts longer
    than ``max_length_m`` is divided into the fewest equal parts not longer
    than ``max_length_m``. Lengths are measured in metres in the layer's
    metric CRS (:func:`metric_crs_of`). Segment ids are
    ``f"{street_id}-{order:03d}"`` with ``order`` counting from 0 along the
    street (along the parts of a MultiLineString in their order), so the same
    input always gives the same ids. End nodes ``u`` (start) and ``v`` (end)
    are integers numbered in lexicographic order of the node coordinates
    (rounded to 1 mm); segments meeting at an intersection share the node.

    Parameters
    ----------
    streets
        Streets contract: ``street_id`` (or ``id_column``), ``name``,
        ``street_class``, ``oneway`` and LineString / MultiLineString
        geometries, with a CRS. Not modified.
    max_length_m
        Maximum length of a segment in metres (default 200 m, a
        patrol-sized stretch).
    id_column
        The street id column.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per segment, ordered by street (input order) then along the
        street: ``segment_id``, ``street_id``, ``street_name``,
        ``street_class``, ``oneway``, ``length_m``, ``u``, ``v``, geometry
        (LineString in the input CRS); a fresh RangeIndex.

    Raises
    ------
    CRSError
        When ``streets`` has no CRS.
    InputError
        When ids are missing or duplicated, geometries are empty, invalid or
        not lines, or ``max_length_m`` is not a positive number.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> s = gpd.GeoDataFrame(
    ...     {"street_id": ["A", "B"], "name": ["x", "y"],
    ...      "street_class": ["arterial", "alley"], "oneway": [False, True]},
    ...     geometry=[LineString([(0, 50), (100, 50)]),
    ...               LineString([(50, 0), (50, 100)])],
    ...     crs="EPSG:32651")
    >>> segment_streets(s)["segment_id"].tolist()
    ['A-000', 'A-001', 'B-000', 'B-001']
    """
    streets = require_geoframe(streets, "streets")
    problems = _length_problems(max_length_m, "max_length_m", "max_length_m=200")
    if id_column not in streets.columns:
        problems.append(
            f"streets has no id column {id_column!r}. Pass id_column='<the street "
            "id column>'."
        )
    if len(streets) == 0:
        problems.append(
            "the streets layer has no features: it has 0 rows. Pass the street "
            "centerlines (read_boundaries(..., kind='streets'))."
        )
    collect_problems(problems, "segment_streets")
    id_problems, _, _ = _validate_ids(streets, id_column, "streets")
    geoms_in = streets.geometry.to_numpy()
    bad = (
        shapely.is_missing(geoms_in)
        | shapely.is_empty(geoms_in)
        | ~np.isin(
            shapely.get_type_id(geoms_in),
            [shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING],
        )
    )
    bad |= ~bad & ~shapely.is_valid(geoms_in)
    if bad.any():
        id_problems.append(
            f"streets: {int(bad.sum())} geometries are empty, invalid or not "
            f"LineString/MultiLineString (ids "
            f"{_ids_preview(streets[id_column].to_numpy()[bad])}). Load the layer "
            "with read_boundaries(..., kind='streets') to repair or report them."
        )
    collect_problems(id_problems, "segment_streets")

    metric = metric_crs_of(streets)
    same_crs = pyproj.CRS.from_user_input(streets.crs).equals(metric)
    lines = geoms_in if same_crs else streets.geometry.to_crs(metric).to_numpy()
    parts, part_row = shapely.get_parts(lines, return_index=True)
    part_len = shapely.length(parts)
    bp_part, bp_d, bp_xy = _breakpoints(parts, part_len)
    pc = _split_intervals(parts, bp_part, bp_d, bp_xy, float(max_length_m))
    pieces = _piece_lines(parts, part_len, pc)
    geometry = gpd.GeoSeries(pieces, crs=metric)
    if not same_crs:
        geometry = geometry.to_crs(streets.crs)
    row = part_row.astype(np.int64)[pc.part]
    return _segment_frame(streets, id_column, row, pieces, pc, geometry)


@dataclass(frozen=True, eq=False)
class _Pieces:
    """Pieces of street parts: part, start/end distance along it and end points."""

    part: IntArray
    lo: FloatArray
    hi: FloatArray
    lo_xy: FloatArray
    hi_xy: FloatArray


def _breakpoints(
    parts: npt.NDArray[np.object_], part_len: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Return the breakpoints (part, distance along it, x/y) sorted along each part.

    Each part's start and end, and every point where it crosses, touches or
    shares a stretch with another part; breakpoints closer than the cut
    tolerance are merged.
    """
    n_parts = len(parts)
    # cut points: where two parts cross, touch or share a stretch
    tree = shapely.STRtree(parts)
    a, b = tree.query(parts, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    inter = shapely.intersection(parts[a], parts[b])
    cxy, cidx = shapely.get_coordinates(inter, return_index=True)
    cut_part = np.concatenate([a[cidx], b[cidx]]).astype(np.int64)
    cut_xy = np.concatenate([cxy, cxy])
    cut_d = shapely.line_locate_point(parts[cut_part], shapely.points(cut_xy))
    inner = (cut_d > _CUT_TOLERANCE_M) & (cut_d < part_len[cut_part] - _CUT_TOLERANCE_M)
    cut_part, cut_xy, cut_d = cut_part[inner], cut_xy[inner], cut_d[inner]

    # breakpoints per part: start, cuts, end, sorted along the part
    starts_xy = shapely.get_coordinates(shapely.get_point(parts, 0))
    ends_xy = shapely.get_coordinates(shapely.get_point(parts, -1))
    bp_part = np.concatenate([np.arange(n_parts), cut_part, np.arange(n_parts)])
    bp_d = np.concatenate([np.zeros(n_parts), cut_d, part_len])
    bp_xy = np.concatenate([starts_xy, cut_xy, ends_xy])
    bp_kind = np.concatenate(
        [np.zeros(n_parts), np.ones(len(cut_d)), np.full(n_parts, 2)]
    )
    order = np.lexsort((bp_kind, bp_d, bp_part))
    bp_part, bp_d, bp_xy = bp_part[order], bp_d[order], bp_xy[order]
    # merge breakpoints closer than the tolerance (keep the first of a run,
    # but always keep a part's end so the segment ends on the true endpoint)
    same_part = np.r_[False, bp_part[1:] == bp_part[:-1]]
    close = same_part & (np.r_[np.inf, np.diff(bp_d)] <= _CUT_TOLERANCE_M)
    is_end = np.r_[bp_part[1:] != bp_part[:-1], True]
    drop = close & ~is_end
    # when an end merges with the previous cut, drop that cut instead
    prev_of_end = np.flatnonzero(close & is_end) - 1
    drop[prev_of_end[~(np.r_[True, bp_part[1:] != bp_part[:-1]])[prev_of_end]]] = True
    bp_part, bp_d, bp_xy = bp_part[~drop], bp_d[~drop], bp_xy[~drop]

    return bp_part, bp_d, bp_xy


def _split_intervals(
    parts: npt.NDArray[np.object_],
    bp_part: IntArray,
    bp_d: FloatArray,
    bp_xy: FloatArray,
    max_length_m: float,
) -> _Pieces:
    """Split each interval between breakpoints into equal pieces <= max_length_m."""
    # intervals between consecutive breakpoints of the same part
    nxt = np.flatnonzero(bp_part[1:] == bp_part[:-1])
    iv_part = bp_part[nxt]
    iv_lo, iv_hi = bp_d[nxt], bp_d[nxt + 1]
    iv_lo_xy, iv_hi_xy = bp_xy[nxt], bp_xy[nxt + 1]
    n_sub = np.maximum(
        1, np.ceil((iv_hi - iv_lo) / max_length_m - 1e-9).astype(np.int64)
    )
    # pieces: split each interval in n_sub equal parts
    pc_iv = np.repeat(np.arange(len(iv_part)), n_sub)
    k = count_ranges(n_sub)
    m = n_sub[pc_iv]
    pc_part = iv_part[pc_iv]
    span = iv_hi[pc_iv] - iv_lo[pc_iv]
    pc_lo = iv_lo[pc_iv] + span * k / m
    pc_hi = np.where(k + 1 == m, iv_hi[pc_iv], iv_lo[pc_iv] + span * (k + 1) / m)
    lo_xy = np.where((k == 0)[:, None], iv_lo_xy[pc_iv], np.nan)
    hi_xy = np.where((k + 1 == m)[:, None], iv_hi_xy[pc_iv], np.nan)
    need_lo = k > 0
    if need_lo.any():
        lo_xy[need_lo] = shapely.get_coordinates(
            shapely.line_interpolate_point(parts[pc_part[need_lo]], pc_lo[need_lo])
        )
        hi_xy[np.flatnonzero(need_lo) - 1] = lo_xy[need_lo]

    return _Pieces(part=pc_part, lo=pc_lo, hi=pc_hi, lo_xy=lo_xy, hi_xy=hi_xy)


def _piece_lines(
    parts: npt.NDArray[np.object_], part_len: FloatArray, pc: _Pieces
) -> npt.NDArray[np.object_]:
    """Return the line of each piece: its ends and the part's vertices between."""
    n_parts = len(parts)
    pc_part, pc_lo, pc_hi, lo_xy, hi_xy = pc.part, pc.lo, pc.hi, pc.lo_xy, pc.hi_xy
    # interior vertices of each piece, found on a global along-line key
    vxy, vidx = shapely.get_coordinates(parts, return_index=True)
    step = np.r_[0.0, np.hypot(*np.diff(vxy, axis=0).T)]
    step[np.r_[True, vidx[1:] != vidx[:-1]]] = 0.0
    cum = np.cumsum(step)
    first_v = np.searchsorted(vidx, np.arange(n_parts))
    cum -= cum[first_v][vidx]
    offset = np.r_[0.0, np.cumsum(part_len + 1.0)][:-1]
    gkey = cum + offset[vidx]
    v_first = np.searchsorted(gkey, pc_lo + offset[pc_part] + _CUT_TOLERANCE_M, "right")
    v_last = np.searchsorted(gkey, pc_hi + offset[pc_part] - _CUT_TOLERANCE_M, "left")
    n_in = np.maximum(v_last - v_first, 0)
    counts = n_in + 2
    pos0 = np.cumsum(counts) - counts
    coords = np.empty((int(counts.sum()), 2))
    coords[pos0] = lo_xy
    coords[pos0 + counts - 1] = hi_xy
    within = count_ranges(n_in)
    coords[np.repeat(pos0 + 1, n_in) + within] = vxy[np.repeat(v_first, n_in) + within]
    pieces = shapely.linestrings(
        coords, indices=np.repeat(np.arange(len(counts)), counts)
    )

    return np.asarray(pieces, dtype=object)


def _segment_frame(
    streets: gpd.GeoDataFrame,
    id_column: str,
    row: IntArray,
    pieces: npt.NDArray[np.object_],
    pc: _Pieces,
    geometry: gpd.GeoSeries,
) -> gpd.GeoDataFrame:
    """Return the segments frame: ids, street attributes, length and end nodes."""
    lo_xy, hi_xy = pc.lo_xy, pc.hi_xy
    # nodes shared by touching segments
    ends = np.round(np.concatenate([lo_xy, hi_xy]), _NODE_DECIMALS)
    # unique (x, y) rows, numbered in (x, y) order: as complex numbers, which
    # sort and compare the same way, 4x faster than np.unique(axis=0)
    as_complex = np.empty(len(ends), dtype=np.complex128)
    as_complex.real, as_complex.imag = ends[:, 0], ends[:, 1]
    _, node = np.unique(as_complex, return_inverse=True)
    node = node.reshape(-1).astype(np.int64)
    n_pc = len(pieces)

    seq = count_ranges(np.bincount(row, minlength=len(streets)).astype(np.int64))
    sid = streets[id_column].astype("str").to_numpy()[row]
    segment_id = (
        pd.Series(sid, dtype="str") + "-" + pd.Series(seq).astype("str").str.zfill(3)
    )

    def column(col: str, dtype: str) -> pd.Series:
        if col not in streets.columns:
            return pd.Series([None] * n_pc, dtype=dtype)
        return pd.Series(streets[col].to_numpy()[row], dtype=dtype)

    oneway = (
        pd.Series(streets[sc.ONEWAY].fillna(False).astype(bool).to_numpy()[row])
        if sc.ONEWAY in streets.columns
        else pd.Series(np.zeros(n_pc, dtype=bool))
    )
    return gpd.GeoDataFrame(
        {
            sc.SEGMENT_ID: segment_id,
            sc.STREET_ID: pd.Series(sid, dtype="str"),
            sc.STREET_NAME: column(sc.AREA_NAME, "str"),
            sc.STREET_CLASS: column(sc.STREET_CLASS, "str"),
            sc.ONEWAY: oneway,
            sc.LENGTH_M: shapely.length(pieces),
            sc.NODE_FROM: node[:n_pc],
            sc.NODE_TO: node[n_pc:],
        },
        geometry=geometry.to_numpy(),
        crs=streets.crs,
    )


def street_polygons(
    segments: gpd.GeoDataFrame,
    *,
    widths_m: Mapping[str, float] = DEFAULT_STREET_WIDTHS_M,
) -> gpd.GeoDataFrame:
    """Buffer each street segment into a polygon as wide as its street class.

    Each segment is buffered by half its class's width in metres (round caps,
    so corners are filled) in the layer's metric CRS, then converted back.

    Parameters
    ----------
    segments
        Output of :func:`segment_streets` (needs ``street_class``), with a CRS.
    widths_m
        Full street width in metres per ``street_class`` (default arterial
        15 m, secondary 10 m, alley 5 m).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``segments`` with Polygon geometries and a ``width_m``
        column; index, row order and CRS kept.

    Raises
    ------
    InputError
        When a class has no width, a width is not positive, or
        ``street_class`` is missing.
    """
    segments = require_geoframe(segments, "segments")
    problems: list[str] = []
    if not isinstance(widths_m, Mapping):
        msg = f"widths_m must be a mapping street_class -> metres, got {widths_m!r}."
        raise TypeError(msg)
    for cls, w in widths_m.items():
        problems.extend(_length_problems(w, f"widths_m[{cls!r}]", "{'arterial': 15}"))
    if sc.STREET_CLASS not in segments.columns:
        problems.append(
            "segments has no 'street_class' column. Pass the output of "
            "segment_streets(streets) where streets has a street_class."
        )
    else:
        cls_col = segments[sc.STREET_CLASS].astype("str")
        missing = sorted(set(cls_col.dropna().unique()) - set(widths_m))
        if cls_col.isna().any() or missing:
            problems.append(
                f"widths_m has no width for street classes {missing!r}"
                + (" (and some segments have no class)" if cls_col.isna().any() else "")
                + ". Add them, e.g. widths_m={..., 'footway': 3}, or fill street_class."
            )
    collect_problems(problems, "street_polygons")
    width = segments[sc.STREET_CLASS].astype("str").map(dict(widths_m)).astype(float)
    metric = metric_crs_of(segments)
    geo = segments.geometry.to_crs(metric)
    buffered = shapely.buffer(geo.to_numpy(), width.to_numpy() / 2.0)
    out = segments.copy()
    poly = gpd.GeoSeries(buffered, index=segments.index, crs=metric).to_crs(
        segments.crs
    )
    out = out.set_geometry(poly.rename(segments.geometry.name))
    out["width_m"] = width.to_numpy()
    return out


# -- generated grids ---------------------------------------------------------


@dataclass(frozen=True)
class RegularGrid:
    """What is needed to place points in a generated square grid by arithmetic.

    Cell ``(row, col)`` is the box ``[x_edges[col], x_edges[col + 1]] x
    [y_edges[row], y_edges[row + 1]]`` with ``x_edges = x0 + cell_size_m *
    arange(nx + 1)`` (rows from south to north, columns from west to east),
    flat index ``row * nx + col``, id ``f"{id_prefix}R{row:04d}C{col:04d}"``.

    A grid frame made by :func:`square_grid` carries this object in
    ``frame.attrs[REGULAR_GRID_ATTR]``. :meth:`frame_cells` checks, exactly
    and cheaply, that a frame's geometries are still such boxes in increasing
    flat order (any subset of rows of the generated frame is; ids may be
    renamed), which is what makes the arithmetic join exact.

    Attributes
    ----------
    x0, y0
        South-west corner in ``crs`` (metres).
    cell_size_m
        Side of a cell in metres.
    nx, ny
        Number of columns and rows of the full lattice.
    crs
        WKT of the metric CRS the grid is built in.
    id_prefix
        Prefix of every grid id.
    """

    x0: float
    y0: float
    cell_size_m: float
    nx: int
    ny: int
    crs: str = field(repr=False)
    id_prefix: str = ""

    def x_edges(self) -> FloatArray:
        """Return the x coordinates of the column edges (``nx + 1`` values)."""
        return self.x0 + self.cell_size_m * np.arange(self.nx + 1, dtype=np.float64)

    def y_edges(self) -> FloatArray:
        """Return the y coordinates of the row edges (``ny + 1`` values)."""
        return self.y0 + self.cell_size_m * np.arange(self.ny + 1, dtype=np.float64)

    def cell_ids(self, flat: IntArray) -> npt.NDArray[np.object_]:
        """Return the grid ids of flat cell indices."""
        rows = pd.Series(flat // self.nx).astype("str").str.zfill(_ID_DIGITS)
        cols = pd.Series(flat % self.nx).astype("str").str.zfill(_ID_DIGITS)
        ids = self.id_prefix + "R" + rows + "C" + cols
        return ids.to_numpy(dtype=object)

    def boxes(self, flat: IntArray) -> npt.NDArray[np.object_]:
        """Return the cell polygons of flat cell indices."""
        xe, ye = self.x_edges(), self.y_edges()
        row, col = flat // self.nx, flat % self.nx
        return np.asarray(
            shapely.box(xe[col], ye[row], xe[col + 1], ye[row + 1]), dtype=object
        )

    def frame_cells(self, frame: gpd.GeoDataFrame) -> IntArray | None:
        """Return the flat cell index of each row of ``frame``, or None.

        None unless ``frame`` is in this grid's CRS and every geometry is
        exactly (coordinate for coordinate) the box :func:`square_grid` made
        for a cell, the cells increasing in row order.
        """
        if frame.crs is None or len(frame) == 0:
            return None
        if not pyproj.CRS.from_user_input(frame.crs).equals(pyproj.CRS(self.crs)):
            return None
        n = len(frame)
        xy, idx = shapely.get_coordinates(frame.geometry.to_numpy(), return_index=True)
        if len(xy) != 5 * n or not np.array_equal(idx[::5], np.arange(n)):
            return None
        ring = xy.reshape(n, 5, 2)
        size = self.cell_size_m
        col = np.rint((ring[:, 2, 0] - self.x0) / size).astype(np.int64)
        row = np.rint((ring[:, 0, 1] - self.y0) / size).astype(np.int64)
        if (
            col.min() < 0
            or col.max() >= self.nx
            or row.min() < 0
            or row.max() >= self.ny
        ):
            return None
        xe, ye = self.x_edges(), self.y_edges()
        x_lo, x_hi, y_lo, y_hi = xe[col], xe[col + 1], ye[row], ye[row + 1]
        expected = np.stack(
            [
                np.stack([x_hi, x_hi, x_lo, x_lo, x_hi], axis=1),
                np.stack([y_lo, y_hi, y_hi, y_lo, y_lo], axis=1),
            ],
            axis=2,
        )
        if not np.array_equal(ring, expected):
            return None
        flat: IntArray = row * self.nx + col
        if n > 1 and not np.all(np.diff(flat) > 0):
            return None
        return flat

    def locate(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Return the flat cell index of each point, or -1 outside the lattice.

        Exact with respect to the cell boxes: a point on an edge shared by two
        cells gets the west (for vertical edges) or south (horizontal edges)
        one, i.e. the cell with the lowest flat index among those that cover
        it; the outer west and south edges belong to the first column and row.
        """
        col = _axis_index(x, self.x_edges())
        row = _axis_index(y, self.y_edges())
        return np.where((col >= 0) & (row >= 0), row * self.nx + col, -1)


def _axis_index(v: FloatArray, edges: FloatArray) -> IntArray:
    """Return ``i`` with ``edges[i] < v <= edges[i + 1]`` (first edge closed) or -1."""
    n = len(edges) - 1
    size = (edges[-1] - edges[0]) / n
    with np.errstate(invalid="ignore"):
        t = (v - edges[0]) * (1.0 / size)
        i = np.ceil(t) - 1.0
        # points within rounding distance of an edge: decide against the
        # exact edge coordinates the boxes were built from
        near = np.flatnonzero(np.abs(t - np.rint(t)) <= 1e-6)
    if len(near):
        k = np.clip(np.rint(t[near]), 0, n).astype(np.int64)
        i[near] = np.where(v[near] <= edges[k], k - 1, k)
    i[v == edges[0]] = 0.0
    out = np.where((v >= edges[0]) & (v <= edges[-1]), i, -1.0)
    return out.astype(np.int64)


def _extent_in_metric(
    extent_or_boundary: Any, crs: Any, name: str
) -> tuple[FloatArray, pyproj.CRS, BaseGeometry | None]:
    """Return (bounds, metric CRS, boundary geometry in metric or None)."""
    if isinstance(extent_or_boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        layer = extent_or_boundary
        if layer.crs is None and crs is None:
            msg = (
                f"{name}: the boundary has no CRS. Set it with .set_crs(...) or "
                "pass crs=..."
            )
            raise CRSError(msg)
        geo = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
        if geo.crs is None:
            geo = geo.set_crs(crs)
        metric = metric_crs_of(geo)
        shape = shapely.union_all(geo.to_crs(metric).to_numpy())
        return np.asarray(shapely.bounds(shape), dtype=np.float64), metric, shape
    if isinstance(extent_or_boundary, BaseGeometry):
        if crs is None:
            msg = f"{name}: pass crs=... naming the CRS of the boundary geometry."
            raise CRSError(msg)
        return _extent_in_metric(
            gpd.GeoSeries([extent_or_boundary], crs=crs), None, name
        )
    try:
        bounds = np.asarray(extent_or_boundary, dtype=np.float64).reshape(4)
    except (TypeError, ValueError) as err:
        msg = (
            f"{name}: extent_or_boundary must be (minx, miny, maxx, maxy), a "
            f"shapely geometry or a GeoDataFrame/GeoSeries, got {extent_or_boundary!r}."
        )
        raise TypeError(msg) from err
    if not (
        np.all(np.isfinite(bounds)) and bounds[2] > bounds[0] and bounds[3] > bounds[1]
    ):
        msg = (
            f"{name}: the extent must be finite with minx < maxx and miny < maxy, "
            f"got {tuple(bounds.tolist())!r}."
        )
        raise InputError(msg)
    if crs is None:
        msg = (
            f"{name}: an extent tuple needs crs=... naming its CRS "
            "(e.g. crs='EPSG:4326' for longitude/latitude)."
        )
        raise CRSError(msg)
    box = gpd.GeoSeries([shapely.box(*bounds)], crs=crs)
    metric = metric_crs_of(box)
    if not pyproj.CRS.from_user_input(crs).equals(metric):
        size = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
        box = gpd.GeoSeries(shapely.segmentize(box.to_numpy(), size / 64), crs=crs)
        box = box.to_crs(metric)
    return np.asarray(box.total_bounds, dtype=np.float64), metric, None


def _keep_cells(
    cells: npt.NDArray[np.object_], shape: BaseGeometry | None
) -> npt.NDArray[np.bool_]:
    if shape is None:
        return np.ones(len(cells), dtype=bool)
    shapely.prepare(shape)
    return np.asarray(
        shapely.intersects(shape, cells) & ~shapely.touches(shape, cells), dtype=bool
    )


def square_grid(
    extent_or_boundary: ExtentLike,
    *,
    cell_size_m: float,
    crs: CRSLike | None = None,
    id_prefix: str = "",
) -> gpd.GeoDataFrame:
    """Generate a grid of square cells over an extent or a boundary.

    The lattice is built in the metric CRS of the one policy
    (:func:`hotspots._core.crs.metric_crs_for`: the local UTM zone of the
    input, whatever its own CRS) with its origin snapped to
    a multiple of ``cell_size_m``, so the same area always gets the same
    cells. With a boundary, only cells sharing area with it are kept.

    Parameters
    ----------
    extent_or_boundary
        ``(minx, miny, maxx, maxy)`` in ``crs``, a shapely geometry in
        ``crs``, or a GeoDataFrame / GeoSeries (its union is the boundary).
    cell_size_m
        Side of a cell in metres.
    crs
        The CRS of an extent tuple or geometry (ignored for frames with a CRS).
    id_prefix
        Prefix of every id; ids are ``f"{id_prefix}R{row:04d}C{col:04d}"``
        counted from the south-west corner.

    Returns
    -------
    geopandas.GeoDataFrame
        ``grid_id``, ``row``, ``col`` and the cell Polygon, in the metric CRS,
        rows in row-major order from the south-west; ``attrs`` holds the
        :class:`RegularGrid` (key :data:`REGULAR_GRID_ATTR`) with which
        :func:`hotspots.spatial.join.assign` joins by arithmetic.

    Raises
    ------
    InputError
        When ``cell_size_m`` is not a positive number or the grid would have
        more than 25 million cells.
    CRSError
        When the CRS of the input is unknown.

    Examples
    --------
    >>> g = square_grid(
    ...     (264000, 3994800, 264250, 3994900), cell_size_m=100, crs="EPSG:32651"
    ... )
    >>> g["grid_id"].tolist()
    ['R0000C0000', 'R0000C0001', 'R0000C0002']
    """
    collect_problems(
        _length_problems(cell_size_m, "cell_size_m", "cell_size_m=100"),
        "square_grid",
    )
    bounds, metric, shape = _extent_in_metric(extent_or_boundary, crs, "square_grid")
    size = float(cell_size_m)
    x0 = math.floor(bounds[0] / size) * size
    y0 = math.floor(bounds[1] / size) * size
    nx = max(1, math.ceil((bounds[2] - x0) / size))
    ny = max(1, math.ceil((bounds[3] - y0) / size))
    if nx * ny > 25_000_000:
        msg = (
            f"square_grid: cell_size_m={cell_size_m!r} gives {nx * ny} cells over "
            "this extent (more than 25 million). Pass a larger cell size."
        )
        raise InputError(msg)
    meta = RegularGrid(
        x0=x0,
        y0=y0,
        cell_size_m=size,
        nx=nx,
        ny=ny,
        crs=metric.to_wkt(),
        id_prefix=str(id_prefix),
    )
    flat = np.arange(nx * ny, dtype=np.int64)
    cells = meta.boxes(flat)
    keep = _keep_cells(cells, shape)
    flat = flat[keep]
    row, col = flat // nx, flat % nx
    out = gpd.GeoDataFrame(
        {
            sc.GRID_ID: pd.Series(meta.cell_ids(flat), dtype="str"),
            "row": row,
            "col": col,
        },
        geometry=cells[keep],
        crs=metric,
    )
    out.attrs[REGULAR_GRID_ATTR] = meta
    return out


def hex_grid(
    extent_or_boundary: ExtentLike,
    *,
    cell_size_m: float,
    crs: CRSLike | None = None,
    id_prefix: str = "",
) -> gpd.GeoDataFrame:
    """Generate a grid of flat-topped hexagons over an extent or a boundary.

    Vertices lie on an exact lattice (x on multiples of half the side, y on
    multiples of half the height), so neighbouring hexagons share their
    edges bit for bit and the grid has no slivers.

    Parameters
    ----------
    extent_or_boundary
        As in :func:`square_grid`.
    cell_size_m
        Side length of a hexagon in metres (= its circumradius); a hexagon's
        area is ``2.598 * cell_size_m ** 2``.
    crs
        The CRS of an extent tuple or geometry.
    id_prefix
        Prefix of every id; ids are ``f"{id_prefix}H{row:04d}C{col:04d}"``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``grid_id``, ``row``, ``col`` and the hexagon Polygon in the metric
        CRS. Joined to by :func:`hotspots.spatial.join.assign` through exact polygon
        tests (no arithmetic shortcut).

    Raises
    ------
    InputError
        When ``cell_size_m`` is not positive or there would be more than
        25 million cells.
    """
    collect_problems(
        _length_problems(cell_size_m, "cell_size_m", "cell_size_m=60"),
        "hex_grid",
    )
    bounds, metric, shape = _extent_in_metric(extent_or_boundary, crs, "hex_grid")
    s = float(cell_size_m)
    h = math.sqrt(3.0) / 2.0 * s  # half the height
    # lattice units: x in s/2, y in h; centre of (row, col) at
    # x = 3 col (units s/2), y = 2 row + (col odd) (units h)
    kx0 = math.floor(bounds[0] / (1.5 * s)) - 1
    ky0 = math.floor(bounds[1] / (2 * h)) - 1
    nx = math.ceil((bounds[2] - kx0 * 1.5 * s) / (1.5 * s)) + 2
    ny = math.ceil((bounds[3] - ky0 * 2 * h) / (2 * h)) + 2
    if nx * ny > 25_000_000:
        msg = (
            f"hex_grid: cell_size_m={cell_size_m!r} gives {nx * ny} cells over "
            "this extent (more than 25 million). Pass a larger cell size."
        )
        raise InputError(msg)
    flat = np.arange(nx * ny, dtype=np.int64)
    row, col = flat // nx, flat % nx
    cx = 3 * (kx0 + col)
    cy = 2 * (ky0 + row) + ((kx0 + col) % 2)
    dx = np.array([2, 1, -1, -2, -1, 1, 2])
    dy = np.array([0, 1, 1, 0, -1, -1, 0])
    vx = (cx[:, None] + dx[None, :]).astype(np.float64) * (s / 2.0)
    vy = (cy[:, None] + dy[None, :]).astype(np.float64) * h
    cells = shapely.polygons(np.stack([vx, vy], axis=-1))
    cb = shapely.bounds(cells)
    keep = (
        (cb[:, 2] > bounds[0])
        & (cb[:, 0] < bounds[2])
        & (cb[:, 3] > bounds[1])
        & (cb[:, 1] < bounds[3])
    )
    keep &= _keep_cells(cells, shape)
    r, c = row[keep], col[keep]
    ids = (
        str(id_prefix)
        + "H"
        + pd.Series(r).astype("str").str.zfill(_ID_DIGITS)
        + "C"
        + pd.Series(c).astype("str").str.zfill(_ID_DIGITS)
    )
    return gpd.GeoDataFrame(
        {sc.GRID_ID: ids.astype("str"), "row": r, "col": c},
        geometry=cells[keep],
        crs=metric,
    )


def _optional(module: str, extra: str, what: str) -> Any:
    try:
        return import_module(module)
    except ImportError as err:
        msg = (
            f"{what} needs the optional dependency {module!r}. Install it with "
            f"pip install 'hotspots[{extra}]'."
        )
        raise ImportError(msg) from err


def h3_grid(
    boundary: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    resolution: int,
) -> gpd.GeoDataFrame:
    """Generate the H3 cells whose centres lie in a boundary.

    Needs the optional extra ``h3`` (``pip install 'hotspots[h3]'``).

    Parameters
    ----------
    boundary
        Polygons with a CRS (their union is used).
    resolution
        H3 resolution 0-15 (9: ~0.1 km² cells, 10: ~0.015 km²).

    Returns
    -------
    geopandas.GeoDataFrame
        ``grid_id`` (the H3 cell index) and the cell Polygon in EPSG:4326,
        sorted by id. Joined to by exact polygon tests.

    Raises
    ------
    ImportError
        When ``h3`` is not installed.
    InputError
        When ``resolution`` is not an integer in 0-15.

    References
    ----------
    .. [1] Uber H3, https://h3geo.org/docs/
    """
    if not isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = (
            "boundary must be a GeoDataFrame or GeoSeries, "
            f"got {type(boundary).__name__}."
        )
        raise TypeError(msg)
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or not (0 <= resolution <= 15)
    ):
        msg = (
            f"resolution must be an integer from 0 to 15, got {resolution!r}. "
            "Pass e.g. resolution=9."
        )
        raise InputError(msg)
    h3 = _optional("h3", "h3", "h3_grid")
    if boundary.crs is None:
        msg = "boundary has no CRS. Set it with .set_crs('EPSG:4326')."
        raise CRSError(msg)
    geo = boundary.geometry if isinstance(boundary, gpd.GeoDataFrame) else boundary
    shape = shapely.union_all(geo.to_crs("EPSG:4326").to_numpy())
    cells: set[str] = set()
    for poly in shapely.get_parts(shape):
        if shapely.get_type_id(poly) != shapely.GeometryType.POLYGON:
            continue
        cells.update(h3.geo_to_cells(poly.__geo_interface__, resolution))
    ids = sorted(cells)
    polys = [
        shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)])
        for c in ids
    ]
    return gpd.GeoDataFrame(
        {sc.GRID_ID: pd.Series(ids, dtype="str")},
        geometry=np.asarray(polys, dtype=object) if polys else [],
        crs="EPSG:4326",
    )


# -- OpenStreetMap -------------------------------------------------------------

_OSM_CLASS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "motorway",
                "trunk",
                "primary",
                "motorway_link",
                "trunk_link",
                "primary_link",
            ),
            "arterial",
        ),
        **dict.fromkeys(
            ("secondary", "tertiary", "secondary_link", "tertiary_link"), "secondary"
        ),
    }
)


def streets_from_osm(
    pbf_path: str | os.PathLike[str],
    *,
    bounding_box: tuple[float, float, float, float] | None = None,
    network_type: NetworkType = "driving",
) -> gpd.GeoDataFrame:
    """Build the street layer from an OpenStreetMap ``.pbf`` extract.

    Reads the ways of the network with pyrosm (optional extra ``osm``:
    ``pip install 'hotspots[osm]'``) and maps them to the streets contract.
    ``street_class`` comes from the ``highway`` tag: motorway, trunk and
    primary (and their links) are ``arterial``; secondary and tertiary (and
    links) ``secondary``; everything else (residential, service,
    unclassified, living_street, footway, ...) ``alley``. ``oneway`` is true
    for ``yes``/``true``/``1``/``-1``; ways tagged ``-1`` are reversed so that
    they run in the allowed direction.

    Parameters
    ----------
    pbf_path
        Path of the ``.pbf`` file (e.g. from Geofabrik or BBBike).
    bounding_box
        ``(min lon, min lat, max lon, max lat)`` in WGS-84 to read only part
        of the file.
    network_type
        ``"driving"`` (roads open to cars), ``"walking"`` or ``"all"``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``street_id`` (``"osm-<way id>"``), ``name``, ``street_class``,
        ``oneway``, ``highway`` and a LineString per way, in EPSG:4326, in
        the order of the way ids.

    Raises
    ------
    ImportError
        When pyrosm is not installed.
    InputError
        When the file does not exist, the bounding box is malformed or the
        network type is unknown.
    """
    problems: list[str] = []
    path = Path(pbf_path)
    if not path.is_file():
        problems.append(
            f"pbf_path: file {str(path)!r} does not exist. Download an extract, "
            "e.g. from https://download.geofabrik.de/asia/china.html."
        )
    if network_type not in ("driving", "walking", "all"):
        problems.append(
            f"network_type must be 'driving', 'walking' or 'all', got {network_type!r}."
        )
    if bounding_box is not None:
        bb = np.asarray(bounding_box, dtype=np.float64).ravel()
        if bb.size != 4 or not (
            np.all(np.isfinite(bb)) and bb[0] < bb[2] and bb[1] < bb[3]
        ):
            problems.append(
                "bounding_box must be (min lon, min lat, max lon, max lat) in "
                f"degrees, got {bounding_box!r}."
            )
    collect_problems(problems, "streets_from_osm")
    pyrosm = _optional("pyrosm", "osm", "streets_from_osm")
    osm = pyrosm.OSM(
        str(path), bounding_box=None if bounding_box is None else list(bounding_box)
    )
    net = osm.get_network(network_type=network_type)
    if net is None or len(net) == 0:
        return gpd.GeoDataFrame(
            {
                sc.STREET_ID: pd.Series(dtype="str"),
                sc.AREA_NAME: pd.Series(dtype="str"),
                sc.STREET_CLASS: pd.Series(dtype="str"),
                sc.ONEWAY: pd.Series(dtype=bool),
                "highway": pd.Series(dtype="str"),
            },
            geometry=[],
            crs="EPSG:4326",
        )
    net = net.sort_values("id", kind="stable").reset_index(drop=True)
    geoms = np.asarray(shapely.line_merge(net.geometry.to_numpy()), dtype=object)
    highway = net["highway"].astype("str")
    oneway_tag = (
        net["oneway"].astype("str").str.lower()
        if "oneway" in net.columns
        else pd.Series("", index=net.index)
    )
    reverse = (oneway_tag == "-1").to_numpy()
    if reverse.any():
        geoms[reverse] = shapely.reverse(geoms[reverse])
    oneway = oneway_tag.isin(["yes", "true", "1", "-1"]).to_numpy()
    street_class = highway.map(dict(_OSM_CLASS)).fillna("alley")
    name = net["name"].astype("str") if "name" in net.columns else None
    return gpd.GeoDataFrame(
        {
            sc.STREET_ID: ("osm-" + net["id"].astype("int64").astype("str")).astype(
                "str"
            ),
            sc.AREA_NAME: name if name is not None else pd.Series(None, dtype="str"),
            sc.STREET_CLASS: street_class.astype("str"),
            sc.ONEWAY: oneway,
            "highway": highway,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
