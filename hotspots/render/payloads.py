"""The weekly map's data: one JSON block per layer, built as column arrays.

Every string from the data is HTML-escaped here, before it is serialised
(see "How it stays safe" in :mod:`hotspots.render.weekly_map`); geometries
are converted to WGS-84 (GCJ-02 for Amap tiles) and rounded to 6 decimals.
Internal to :mod:`hotspots.render`: no name here is part of the public API.
"""

from __future__ import annotations

import html
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .._core import labels as _labels
from .._core import schema as s
from .._core.crs import wgs84_to_gcj02
from .._core.objects import collector_paused
from .._core.privacy import arrow_strings, mask_personal
from .._core.schema import (
    ARRIVAL,
    CLUSTER_ID,
    DEPARTURE,
    GI_CLASS,
    GI_P,
    GI_Z,
    MK_P,
    N_HOT,
    ORDER,
    PATTERN,
    PEAK_END_MIN,
    PEAK_START_MIN,
    PEAK_WINDOW_EN,
    PEAK_WINDOW_ZH,
    RANK,
    REASON_EN,
    REASON_ZH,
    SCORE,
    TARGET_ID,
    TEAM,
    TOP_CATEGORIES,
    WINDOW,
)
from ..errors import CRSError, HotspotsWarning
from ..stats.profiles import DAY_NAMES, HourProfile, peak_windows
from .style import (
    COORD_DECIMALS,
    COUNT_BREAKS,
    COUNT_COLORS,
    PATTERN_COLORS,
    SCORECARD_BLACK,
    SCORECARD_BREAKS,
    SCORECARD_COLORS,
    SCORECARD_LISTS,
    SCORECARD_NO_RATE_COLOR,
    SCORECARD_RED,
    STREET_WEIGHTS,
    TEAM_COLORS,
    MapStyle,
    Tiles,
)

# -- the popup columns of each layer (the other stages' output columns) -----------
#: Generated reasons are shown whole (up to this many characters), as in the ledger.
MAX_REASON_CHARS: Final = 400
CLUSTER_COLUMNS: Final = (
    "n_reports",
    "category_mix",
    "first_report",
    "last_report",
    "n_weeks",
)
ROUTE_COLUMNS: Final = ("n_stops", "duration_min", "distance_m")
STOP_COLUMNS: Final = (TARGET_ID, ARRIVAL, DEPARTURE, "dwell_min", SCORE, s.REASON)
NAME_COLUMNS: Final = (s.AREA_NAME, s.STREET_NAME, s.COMMUNITY_ID, s.SUBDISTRICT_ID)

# -- the scorecard layer (hotspots.ledger.scorecard) ------------------------------
#: Columns of the ``scorecard`` frame of :func:`weekly_map` (one row per cell or
#: segment a unit answers for, keyed by ``grid_id`` and/or ``segment_id``).
SCORECARD_UNIT: Final = "unit_id"
SCORECARD_UNIT_NAME: Final = "unit_name"
SCORECARD_RATE: Final = "on_time_rate"
SCORECARD_COLUMNS: Final = (
    SCORECARD_UNIT,
    SCORECARD_RATE,
    f"{SCORECARD_RATE}_lo",
    f"{SCORECARD_RATE}_hi",
    "list",
)
SCORECARD_CASES: Final = "cases"


# ---------------------------------------------------------------------------------
# JSON and text helpers
# ---------------------------------------------------------------------------------
_JSON_ESCAPES: Final = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def to_json(value: object) -> str:
    """Compact JSON, safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if any(chr(c) in text for c in _JSON_ESCAPES):  # numbers alone need no copy
        return text.translate(_JSON_ESCAPES)
    return text


def _json_ints(values: npt.ArrayLike) -> str:
    """Return ``to_json(list of ints)`` of an integer array, spelled by Arrow.

    The same text as :func:`to_json` of ``values.tolist()``, without a Python
    int per value: the weekly layer and the report columns hold about a
    million of them at 1M reports (json: 0.12 s per million, Arrow: 0.03 s).
    """
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        msg = f"values must be integers, got dtype {arr.dtype}."
        raise TypeError(msg)
    return "[" + _joined(pa.array(arr).cast(pa.string()), ",") + "]"


def _json_int_rows(rows: npt.NDArray[np.integer[Any]], present: npt.ArrayLike) -> str:
    """Return ``to_json`` of a matrix's rows as lists of ints, ``null`` where absent."""
    n, k = rows.shape
    cells = pa.array(np.ascontiguousarray(rows).ravel()).cast(pa.string())
    offsets = pa.array(np.arange(n + 1, dtype=np.int64) * k)
    lists = pa.LargeListArray.from_arrays(offsets, cells)
    joined = pc.binary_join(lists, ",")
    bracketed = pc.binary_join_element_wise("[", joined, "]", "")
    shown = pc.if_else(pa.array(np.asarray(present, dtype=bool)), bracketed, "null")
    return "[" + _joined(shown, ",") + "]"


def _joined(texts: pa.Array, sep: str) -> str:
    """Join an Arrow array of strings (no null) into one Python string."""
    if len(texts) == 0:
        return ""
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(texts)]), texts)
    return str(pc.binary_join(whole, sep)[0].as_py())


def escape_text(text: object) -> str:
    """HTML-escape one string from the data (braces too: no Jinja can see them)."""
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("{", "&#123;").replace("}", "&#125;")


def json_object(parts: dict[str, str]) -> str:
    """Serialise a JSON object from keys and already serialised values."""
    return "{" + ",".join(f"{to_json(k)}:{v}" for k, v in parts.items()) + "}"


def _esc(
    values: pd.Series, *, mask: str | None = None, max_chars: int = 0
) -> list[Any]:
    """HTML-escape (and optionally scrub and shorten) a column; NA -> None."""
    text = values.astype("string")
    if mask is not None:
        text = mask_personal(text, mask=mask)
    if max_chars > 0:
        long = text.str.len() > max_chars
        text = text.where(~long.fillna(False), text.str.slice(0, max_chars) + "…")
    text = text.str.replace("&", "&amp;", regex=False)
    text = text.str.replace("<", "&lt;", regex=False).str.replace(
        ">", "&gt;", regex=False
    )
    text = text.str.replace('"', "&quot;", regex=False).str.replace(
        "'", "&#x27;", regex=False
    )
    return text.astype(object).where(text.notna(), None).tolist()


def _nums(values: npt.ArrayLike, decimals: int = 4) -> list[Any]:
    """Round a numeric column; NaN/NA -> None, integral floats stay floats."""
    arr = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    arr = arr.astype("float64").round(decimals)
    return arr.astype(object).where(arr.notna(), None).tolist()


def _kind_of(col: str) -> str:
    """How a numeric popup column is read: share, p-value, days, minutes, metres."""
    if col.endswith("_share") or col.startswith("share_"):
        return "share"
    if col in (GI_P, MK_P) or col.endswith("_p"):
        return "p"
    if "days" in col:
        return "days"
    if col.endswith("_min") or col.endswith("_minutes"):
        return "minutes"
    if col.endswith("_m"):
        return "metres"
    return "number"


def _format_numbers(
    values: npt.ArrayLike, kind: str, words: Mapping[str, str], digits: int = 2
) -> list[str | None]:
    """Numbers as a person reads them, HTML-escaped; NaN/NA -> None.

    Shares as percentages with one decimal (``"85.2%"``), p-values with three
    decimals or ``"< 0.001"``, durations and distances with their unit
    (``"1.3 天"``, ``"15 分钟"``, ``"900 米"``), counts as integers with
    thousands separators, other numbers with ``digits`` decimals.
    """
    arr = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    floats = arr.astype("float64").to_numpy()
    listed = floats.tolist()
    out: list[str | None] = [None] * len(listed)
    for i in np.flatnonzero(np.isfinite(floats)).tolist():  # NaN/NA stay None
        out[i] = html.escape(_number_text(listed[i], kind, words, digits))
    return out


def _number_text(v: float, kind: str, words: Mapping[str, str], digits: int) -> str:
    """Return one finite number as :func:`_format_numbers` shows it (unescaped)."""
    if kind == "share":
        return f"{100.0 * v:.1f}%"
    if kind == "p":
        return "< 0.001" if v < 0.001 else f"{v:.3f}"
    if kind == "days":
        return words["unit_days"].format(n=f"{v:.1f}")
    if kind == "minutes":
        return words["unit_minutes"].format(n=f"{v:,.0f}")
    if kind == "metres":
        return words["unit_metres"].format(n=f"{v:,.0f}")
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.{digits}f}"


def _geoms_json(geoms: npt.NDArray[Any]) -> str:
    """Serialise geometries as GeoJSON with coordinates rounded to 6 decimals."""
    if len(geoms) == 0:
        return "[]"
    with collector_paused():  # one new geometry per row
        rounded = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    return "[" + ",".join(shapely.to_geojson(rounded).tolist()) + "]"


# ---------------------------------------------------------------------------------
# geometry preparation
# ---------------------------------------------------------------------------------
def _wgs84_geoms(frame: gpd.GeoDataFrame, tiles: Tiles) -> npt.NDArray[Any]:
    """Geometries in WGS-84 (shifted to GCJ-02 for Amap tiles)."""
    if frame.crs is None:
        msg = "frame has no CRS; set it with set_crs(...) before drawing."
        raise CRSError(msg)
    geo = frame.geometry
    if not frame.crs.equals("EPSG:4326"):
        with collector_paused():  # one new geometry per row
            geo = geo.to_crs(s.WGS84)
    geoms = np.asarray(geo.values, dtype=object)
    if tiles == "amap":

        def _to_gcj(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        with collector_paused():
            geoms = shapely.transform(geoms, _to_gcj)
    return geoms


class NotDrawnWarning(HotspotsWarning):
    """Rows of a layer without a geometry, left off the map (and counted)."""


def _drawable(geoms: npt.NDArray[Any], what: str) -> npt.NDArray[np.bool_]:
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    n_bad = int((~ok).sum())
    if n_bad:
        warnings.warn(
            NotDrawnWarning(
                f"{n_bad} row(s) of {what} have no geometry and are not drawn."
            ),
            stacklevel=4,
        )
    return np.asarray(ok, dtype=bool)


def _points_latlon(geoms: npt.NDArray[Any]) -> tuple[list[Any], list[Any]]:
    with collector_paused():  # one new point per geometry
        pts = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(pts)
    return (
        np.round(xy[:, 1], COORD_DECIMALS).tolist(),
        np.round(xy[:, 0], COORD_DECIMALS).tolist(),
    )


# ---------------------------------------------------------------------------------
# payload builders (column arrays, no per-row Python)
# ---------------------------------------------------------------------------------
def cube_totals(cube: pd.DataFrame) -> pd.DataFrame:
    """Return unit x period totals (summing categories of a MultiIndex cube)."""
    if isinstance(cube.columns, pd.MultiIndex):
        return cube.T.groupby(level=-1, sort=False).sum().T
    return cube


def as_ids(values: pd.Series | pd.Index | npt.ArrayLike) -> pd.Index:
    """Return unit ids as an object Index of str (fast lookups; NA as None)."""
    ser = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(ser.dtype, pd.StringDtype) or ser.dtype == np.dtype(object):
        arr = ser.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        all_text = pd.api.types.infer_dtype(arr, skipna=False) == "string"
        if ser.dtype == np.dtype(object) and not all_text:  # C loop when all str
            bad = np.fromiter(
                (v is not None and not isinstance(v, str) for v in arr), bool, len(arr)
            )
            if bad.any():
                arr = arr.copy()
                arr[bad] = ser[bad].astype(str).to_numpy(dtype=object)
        return pd.Index(arr, dtype=object)  # type: ignore[no-any-return]
    strs = ser.astype("string").to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return pd.Index(strs, dtype=object)  # type: ignore[no-any-return]


def _positions(
    frame: pd.DataFrame, unit: str, ids: pd.Index | pa.Array
) -> npt.NDArray[np.intp]:
    """Row position in ``frame`` of each id (first occurrence), -1 where absent.

    ``ids`` as :func:`as_ids` returns them, or already as Arrow strings
    (:func:`_id_strings`, to convert them once for several frames). The ids
    are looked up in a hash table of the frame's ids built by Arrow, from its
    strings as they are when the column is pyarrow-backed.
    """
    keys = _id_strings(frame[unit])
    wanted = ids if isinstance(ids, pa.Array) else _id_strings(ids)
    pos = pc.index_in(wanted, value_set=keys).fill_null(-1)
    return np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.intp)


def _id_strings(values: pd.Series | pd.Index) -> pa.Array:
    """Return ids as Arrow large strings, as :func:`as_ids` spells them (NA: null)."""
    arrow = arrow_strings(values) if isinstance(values, pd.Series) else None
    if arrow is None:
        ids = as_ids(values).to_numpy(dtype=object)
        return pa.array(ids, type=pa.large_string())
    return arrow.cast(pa.large_string()).combine_chunks()


def _take(values: pd.Series, pos: npt.NDArray[np.intp]) -> pd.Series:
    """Values at row positions; missing (-1) positions become NA."""
    taken = values.iloc[np.clip(pos, 0, None)].reset_index(drop=True)
    if len(taken) == 0:
        return taken
    return taken.where(pd.Series(pos >= 0), None)


def _dict_encode(
    values: pd.Series, *, mask: str | None = None, max_chars: int = 0
) -> str:
    """Escaped text as ``{"k": distinct values, "v": codes}`` (-1 = missing)."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    keys = _esc(pd.Series(uniques, dtype="string"), mask=mask, max_chars=max_chars)
    return json_object({"k": to_json(keys), "v": _json_ints(codes.astype(int))})


def _top_categories(
    reports: gpd.GeoDataFrame | None,
    cube: pd.DataFrame | None,
    unit: str,
    ids: pd.Index,
    categories: list[str],
) -> tuple[list[Any], list[Any]] | None:
    """Up to three category indices and counts per unit (-1 / 0 where fewer)."""
    if reports is not None and unit in reports.columns and len(reports):
        frame = pd.DataFrame(
            {
                "unit": as_ids(reports[unit]),
                "cat": reports[s.CATEGORY].astype(str).to_numpy(),
            }
        )
        frame = frame[frame["unit"].notna()]
        counts = (
            frame.groupby(["unit", "cat"], sort=False).size().rename("n").reset_index()
        )
    elif cube is not None and isinstance(cube.columns, pd.MultiIndex):
        by_cat = cube.T.groupby(level=0, sort=False).sum().T  # units x categories
        values = by_cat.to_numpy(dtype=float)
        r, c = np.nonzero(values > 0)
        counts = pd.DataFrame(
            {
                "unit": np.asarray(as_ids(by_cat.index), dtype=object)[r],
                "cat": np.asarray(by_cat.columns.astype(str), dtype=object)[c],
                "n": values[r, c],
            }
        )
    else:
        return None
    counts = counts[counts["unit"].isin(set(ids))]
    counts = counts.sort_values(["unit", "n", "cat"], ascending=[True, False, True])
    counts = counts.assign(k=counts.groupby("unit", sort=False).cumcount())
    counts = counts[counts["k"] < 3]
    known = {c: i for i, c in enumerate(categories)}
    for c in pd.unique(counts["cat"]):
        if c not in known:
            known[c] = len(categories)
            categories.append(c)
    row = pd.Index(ids).get_indexer(counts["unit"])
    cat = np.full((len(ids), 3), -1, dtype=np.int64)
    num = np.zeros((len(ids), 3), dtype=np.float64)
    cat[row, counts["k"].to_numpy()] = counts["cat"].map(known).to_numpy(dtype=np.int64)
    num[row, counts["k"].to_numpy()] = np.round(counts["n"].to_numpy(dtype=float), 2)
    nums = num.astype(np.int64).tolist() if np.all(num % 1 == 0) else num.tolist()
    return cat.tolist(), nums


@dataclass
class MapContext:
    """What every payload builder needs: the style, the words, the unit, the weeks."""

    style: MapStyle
    labels: dict[str, str]
    unit: str
    mask: str
    periods: list[str]
    week_index: int


@dataclass(frozen=True)
class UnitFrames:
    """The frames :func:`units_payload` draws units from (None: not given)."""

    gi: gpd.GeoDataFrame | None
    emerging: gpd.GeoDataFrame | None
    blind_spots: gpd.GeoDataFrame | None
    grid: gpd.GeoDataFrame | None
    streets: gpd.GeoDataFrame | None
    reports: gpd.GeoDataFrame | None
    cube: pd.DataFrame | None
    profile: HourProfile | None


@dataclass(frozen=True)
class _Selected:
    """The units to draw (one frame per layer), the layers with units, patterns."""

    parts: list[gpd.GeoDataFrame]
    has: dict[str, bool]
    patterns: list[str]


class _Lookup:
    """Values of the frames' columns for the drawn ids (first row of each id)."""

    def __init__(self, frames: UnitFrames, unit: str, ids: pd.Index) -> None:
        given = [frames.gi, frames.emerging, frames.blind_spots]
        given += [frames.grid, frames.streets]
        self.frames = [f for f in given if f is not None and unit in f.columns]
        wanted = _id_strings(ids)  # converted once for every frame
        self.positions = {id(f): _positions(f, unit, wanted) for f in self.frames}

    def col(self, frame: pd.DataFrame, col: str) -> pd.Series:
        """Return ``frame[col]`` at the drawn ids (NA where a frame lacks one)."""
        return _take(frame[col], self.positions[id(frame)])


def units_payload(
    ctx: MapContext, frames: UnitFrames, categories: list[str]
) -> tuple[str, dict[str, bool], list[str]]:
    """Units with something to show: geometry once, popup fields as columns."""
    selected = _select_units(ctx.style, frames)
    if not selected.parts:
        return "null", selected.has, selected.patterns
    ids, out = _unit_geometries(ctx, selected.parts)
    lookup = _Lookup(frames, ctx.unit, ids)
    out["names"] = _unit_names_block(ctx, lookup)
    layers = ctx.style.layers
    if frames.gi is not None and "gi" in layers:
        out.update(_gi_columns(ctx, frames.gi, lookup))
    if frames.emerging is not None and "emerging" in layers:
        out.update(_emerging_columns(frames.emerging, lookup, ctx))
    blind = frames.blind_spots if "blind_spots" in layers else None
    if blind is not None:
        out.update(_blind_columns(ctx, blind, lookup, ids, frames.profile))
    out.update(_category_columns(ctx, frames, lookup, ids, categories))
    if frames.cube is not None:
        out["s"] = _sparklines(frames.cube, ids)
    return json_object(out), selected.has, selected.patterns


def _select_units(style: MapStyle, frames: UnitFrames) -> _Selected:
    """Select the significant Gi* units, units with a pattern, top blind spots."""
    parts: list[gpd.GeoDataFrame] = []
    has = {"gi": False, "emerging": False, "blind_spots": False}
    patterns_present: list[str] = []
    gi, emerging, blind_spots = frames.gi, frames.emerging, frames.blind_spots
    if gi is not None and "gi" in style.layers:
        sig = gi[pd.to_numeric(gi[GI_CLASS], errors="coerce").fillna(0).to_numpy() != 0]
        parts.append(sig)
        has["gi"] = len(sig) > 0
    if emerging is not None and "emerging" in style.layers:
        pattern = emerging[PATTERN].astype(str)
        pat = emerging[pattern.isin(list(PATTERN_COLORS)).to_numpy()]
        parts.append(pat)
        has["emerging"] = len(pat) > 0
        present = set(pd.unique(pat[PATTERN].astype(str)))
        patterns_present = [p for p in PATTERN_COLORS if p in present]
    if blind_spots is not None and "blind_spots" in style.layers:
        rank = pd.to_numeric(blind_spots[RANK], errors="coerce")
        score = pd.to_numeric(blind_spots[SCORE], errors="coerce")
        keep = (rank >= 1) & (rank <= style.max_blind_spots) & (score > 0)
        top = blind_spots[keep.to_numpy()]
        parts.append(top)
        has["blind_spots"] = len(top) > 0
    return _Selected([p for p in parts if len(p)], has, patterns_present)


def _unit_geometries(
    ctx: MapContext, parts: list[gpd.GeoDataFrame]
) -> tuple[pd.Index, dict[str, str]]:
    """Return the drawn ids and their block: geometry once, a label point each."""
    unit = ctx.unit
    geo_frames = [
        gpd.GeoDataFrame(
            {unit: as_ids(p[unit])},
            geometry=p.geometry.to_crs(s.WGS84).values,
            crs=s.WGS84,
        )
        for p in parts
    ]
    allg = pd.concat(geo_frames, ignore_index=True)
    allg = allg[allg[unit].notna().to_numpy()]
    allg = allg[~as_ids(allg[unit]).duplicated(keep="first")]
    allg = gpd.GeoDataFrame(allg, geometry="geometry", crs=s.WGS84)
    geoms = _wgs84_geoms(allg, ctx.style.tiles)
    ok = _drawable(geoms, "the units")
    allg, geoms = allg[ok], geoms[ok]
    ids = as_ids(allg[unit])
    rlat, rlon = _points_latlon(geoms)
    return ids, {
        "geoms": _geoms_json(geoms),
        "id": to_json(_esc(pd.Series(ids, dtype=object))),
        "rlat": to_json(rlat),
        "rlon": to_json(rlon),
    }


def _unit_names_block(ctx: MapContext, lookup: _Lookup) -> str:
    """Return the units' names (area, street, community...), first frame with each."""
    names: list[str] = []
    for col in NAME_COLUMNS:
        for frame in lookup.frames:
            if col in frame.columns and col != ctx.unit:
                label_key = "name" if col == s.AREA_NAME else col
                encoded = _dict_encode(lookup.col(frame, col), mask=ctx.mask)
                names.append(
                    f"[{to_json(html.escape(ctx.labels[label_key]))},{encoded}]"
                )
                break
    return "[" + ",".join(names) + "]"


def _gi_columns(
    ctx: MapContext, gi: gpd.GeoDataFrame, lookup: _Lookup
) -> dict[str, str]:
    """Return the Gi* class, z-score and p-value of each drawn unit."""
    return {
        "g": to_json(_nums(lookup.col(gi, GI_CLASS), 0)),
        "z": to_json(_format_numbers(lookup.col(gi, GI_Z), "number", ctx.labels)),
        "pv": to_json(_format_numbers(lookup.col(gi, GI_P), "p", ctx.labels)),
    }


def _emerging_columns(
    emerging: gpd.GeoDataFrame, lookup: _Lookup, ctx: MapContext
) -> dict[str, str]:
    """Return each drawn unit's pattern, Mann-Kendall p-value and hot weeks."""
    keys = {k: i for i, k in enumerate(PATTERN_COLORS)}
    out = {"p": to_json(_nums(lookup.col(emerging, PATTERN).map(keys), 0))}
    if MK_P in emerging.columns:
        out["mk"] = to_json(
            _format_numbers(lookup.col(emerging, MK_P), "p", ctx.labels)
        )
    if N_HOT in emerging.columns:
        out["nh"] = to_json(_nums(lookup.col(emerging, N_HOT), 0))
    return out


def _blind_columns(
    ctx: MapContext,
    blind_spots: gpd.GeoDataFrame,
    lookup: _Lookup,
    ids: pd.Index,
    profile: HourProfile | None,
) -> dict[str, str]:
    """Return the drawn blind spots' rank, score, reason, evidence and profile."""
    style = ctx.style
    rank = pd.to_numeric(lookup.col(blind_spots, RANK), errors="coerce")
    rank = rank.where((rank >= 1) & (rank <= style.max_blind_spots))
    out = {
        "r": to_json(_nums(rank, 0)),
        "sc": to_json(
            _format_numbers(lookup.col(blind_spots, SCORE), "number", ctx.labels)
        ),
    }
    reason_col = REASON_ZH if style.language == "zh" else REASON_EN
    if reason_col in blind_spots.columns:
        reason = lookup.col(blind_spots, reason_col).where(rank.notna(), None)
    else:
        reason = pd.Series([None] * len(ids), dtype=object)
    # the ledger's own reason, whole: the popup and the sheet say the same
    out["why"] = _dict_encode(reason, mask=ctx.mask, max_chars=MAX_REASON_CHARS)
    out["ev"] = to_json(_evidence(ctx, blind_spots, lookup, rank))
    if profile is not None:
        out.update(_profile_payload(ctx, profile, blind_spots, ids, rank))
    return out


def _evidence(
    ctx: MapContext, blind_spots: gpd.GeoDataFrame, lookup: _Lookup, rank: pd.Series
) -> list[Any]:
    """Return ``[label, values]`` of each numeric evidence column of the ledger."""
    skip = {ctx.unit, SCORE, RANK, REASON_ZH, REASON_EN, blind_spots.geometry.name}
    skip |= {PEAK_START_MIN, PEAK_END_MIN}
    skip |= set(NAME_COLUMNS) | set(s.PRIVATE_COLUMNS) | set(ctx.style.private_columns)
    evidence = []
    for col in blind_spots.columns:
        values = blind_spots[col]
        if col in skip or not pd.api.types.is_numeric_dtype(values):
            continue
        if pd.api.types.is_bool_dtype(values):
            continue
        shown = lookup.col(blind_spots, col).where(rank.notna(), None)
        evidence.append(
            [
                html.escape(ctx.labels.get(col, col)),
                _format_numbers(shown, _kind_of(col), ctx.labels),
            ]
        )
    return evidence


def _category_columns(
    ctx: MapContext,
    frames: UnitFrames,
    lookup: _Lookup,
    ids: pd.Index,
    categories: list[str],
) -> dict[str, str]:
    """Return each unit's main categories: the ledger's text, else counted here."""
    blind_spots = frames.blind_spots
    if (
        blind_spots is not None
        and "blind_spots" in ctx.style.layers
        and TOP_CATEGORIES in blind_spots.columns
        and not pd.api.types.is_numeric_dtype(blind_spots[TOP_CATEGORIES])
    ):
        # the ledger's main problem types (its window, its counts), not the week's
        text = lookup.col(blind_spots, TOP_CATEGORIES).astype("string")
        text = text.where(text.str.len() > 0)
        if ctx.style.language == "en":
            text = text.str.replace("、", ", ", regex=False)
        return {"top": _dict_encode(text, mask=ctx.mask, max_chars=MAX_REASON_CHARS)}
    top = _top_categories(frames.reports, frames.cube, ctx.unit, ids, categories)
    if top is None:
        return {}
    return {"tc": to_json(top[0]), "tn": to_json(top[1])}


def _sparklines(cube: pd.DataFrame, ids: pd.Index) -> str:
    """Return each unit's weekly totals (None where the cube lacks the unit)."""
    totals = cube_totals(cube)
    pos = pd.Index(as_ids(totals.index)).get_indexer(ids)
    # the drawn units' rows only, then as floats (not the whole cube)
    arr = np.round(totals.iloc[np.clip(pos, 0, None)].to_numpy(dtype=float), 2)
    if np.all(arr % 1 == 0):
        return _json_int_rows(arr.astype(np.int64), pos >= 0)
    rows = arr.tolist()
    return to_json([r if p >= 0 else None for r, p in zip(rows, pos, strict=True)])


def _profile_payload(
    ctx: MapContext,
    profile: HourProfile,
    blind_spots: gpd.GeoDataFrame,
    ids: pd.Index,
    rank: pd.Series,
) -> dict[str, str]:
    """Each drawn blind spot's 168 shares (in 1/10000) and peak window words."""
    lang = ctx.style.language
    shown = rank.notna().to_numpy()
    pos = as_ids(profile.shares.index).get_indexer(ids)
    have = shown & (pos >= 0)
    shares = np.rint(profile.shares.to_numpy(dtype=np.float64) * 10_000).astype(
        np.int64
    )
    heat: list[Any] = [
        shares[p].tolist() if ok else None
        for p, ok in zip(pos.tolist(), have.tolist(), strict=True)
    ]
    col = PEAK_WINDOW_ZH if lang == "zh" else PEAK_WINDOW_EN
    if col in blind_spots.columns:
        positions = _positions(blind_spots, ctx.unit, ids)
        words = _take(blind_spots[col], positions).astype("string")
    else:
        peaks = peak_windows(profile)[col].to_numpy(dtype=object)
        words = pd.Series(
            [peaks[p] if p >= 0 else None for p in pos.tolist()], dtype="string"
        )
    words = words.where(pd.Series(have, index=words.index), None)
    texts = {k: v[lang] for k, v in _labels.MAP_PROFILE_LABELS.items()}
    return {
        "hp": to_json(heat),
        "pw": _dict_encode(words, mask=ctx.mask),
        "hpl": to_json(
            {
                "peak": html.escape(texts["peak_window"]),
                "title": html.escape(texts["hour_profile"]),
                "days": [html.escape(d) for d in DAY_NAMES[lang]],
            }
        ),
    }


def _wall_minutes(values: pd.Series) -> tuple[int, list[Any]]:
    """Local wall-clock times as minutes after a base (epoch ms of the base)."""
    when = pd.to_datetime(values, errors="coerce")
    if isinstance(when.dtype, pd.DatetimeTZDtype):
        when = when.dt.tz_localize(None)
    ns = when.to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(ns)
    if not ok.any():
        return 0, [None] * len(ns)
    base = ns[ok].min().astype("datetime64[D]")
    minutes = ((ns - base) // np.timedelta64(1, "m")).astype(np.int64)
    out = pd.Series(minutes, dtype="Int64").where(pd.Series(ok))
    base_ms = int(base.astype("datetime64[ms]").astype(np.int64))
    return base_ms, out.astype(object).where(out.notna(), None).tolist()


def reports_payload(
    ctx: MapContext, reports: gpd.GeoDataFrame
) -> tuple[str, list[str], list[int], list[str]]:
    """Report points, one column array per field; categories ordered by count."""
    style = ctx.style
    geoms = _wgs84_geoms(reports, style.tiles)
    ok = _drawable(geoms, "reports")
    reps, geoms = reports[ok], geoms[ok]
    with collector_paused():  # one new point per report
        pts = shapely.get_coordinates(shapely.centroid(geoms))
    category = reps[s.CATEGORY].astype("string").fillna("?")
    counts = category.value_counts(sort=True)
    keep = list(counts.index[: style.max_categories])
    if len(counts) > style.max_categories:
        keep = list(counts.index[: style.max_categories - 1])
    other = ctx.labels["other_categories"]
    layer_names = [*keep, other] if len(counts) > len(keep) else list(keep)
    code = (
        category.map({c: i for i, c in enumerate(keep)}).fillna(len(keep)).astype(int)
    )
    layer_counts = np.bincount(code.to_numpy(), minlength=len(layer_names)).tolist()
    # category names shown in popups: every distinct category, escaped
    all_cats = list(counts.index)
    cat_index = category.map({c: i for i, c in enumerate(all_cats)}).astype(int)
    private = set(s.PRIVATE_COLUMNS) | set(style.private_columns)
    parts: dict[str, str] = {
        "lat": to_json(np.round(pts[:, 1], COORD_DECIMALS).tolist()),
        "lon": to_json(np.round(pts[:, 0], COORD_DECIMALS).tolist()),
        "c": _json_ints(code.to_numpy()),
        "cat": _json_ints(cat_index.to_numpy()),
        "id": to_json(
            _esc(reps[s.REPORT_ID]) if s.REPORT_ID in reps else [None] * len(reps)
        ),
    }
    weight = (
        pd.to_numeric(reps[s.WEIGHT], errors="coerce").fillna(1.0)
        if s.WEIGHT in reps.columns
        else pd.Series(1.0, index=reps.index)
    )
    if not np.all(weight.to_numpy() == 1.0):
        parts["w"] = to_json(_nums(weight, 3))
    if s.REPORTED_AT in reps.columns and s.REPORTED_AT not in private:
        base_ms, minutes = _wall_minutes(reps[s.REPORTED_AT])
        parts["t0"] = to_json(base_ms)
        parts["t"] = to_json(minutes)
    lang = style.language
    if s.STATUS in reps.columns and s.STATUS not in private:
        mapped = reps[s.STATUS].map({k: v[lang] for k, v in _labels.STATUSES.items()})
        parts["st"] = _dict_encode(mapped.fillna(reps[s.STATUS]))
    if s.SOURCE in reps.columns and s.SOURCE not in private:
        mapped = reps[s.SOURCE].map({k: v[lang] for k, v in _labels.SOURCES.items()})
        parts["so"] = _dict_encode(mapped.fillna(reps[s.SOURCE]))
    for col, key in ((s.DESCRIPTION, "d"), (s.ADDRESS, "a")):
        if col in reps.columns and col not in private:
            parts[key] = to_json(
                _esc(reps[col], mask=ctx.mask, max_chars=style.max_text_chars)
            )
    return json_object(parts), layer_names, layer_counts, [str(c) for c in all_cats]


def clusters_payload(ctx: MapContext, clusters: gpd.GeoDataFrame) -> str:
    """Return the clusters' block: their outlines and popup columns."""
    geoms = _wgs84_geoms(clusters, ctx.style.tiles)
    ok = _drawable(geoms, "clusters")
    frame, geoms = clusters[ok], geoms[ok]
    cols = _popup_columns(ctx, frame, CLUSTER_COLUMNS, time_format="%Y-%m-%d", digits=2)
    return json_object(
        {
            "geoms": _geoms_json(geoms),
            "id": to_json(_esc(frame[CLUSTER_ID])),
            "cols": to_json(cols),
        }
    )


def _popup_columns(
    ctx: MapContext,
    frame: pd.DataFrame,
    names: Sequence[str],
    *,
    time_format: str,
    digits: int,
) -> list[Any]:
    """``[label, escaped values]`` pairs for the popup columns present in ``frame``."""
    out = []
    for col in names:
        if col not in frame.columns:
            continue
        values = frame[col]
        clock = f"{col}_clock"
        if col in (ARRIVAL, DEPARTURE) and pd.api.types.is_numeric_dtype(values):
            # minutes from the shift start: its clock time when known, else "minute n"
            minute = [
                None
                if v is None
                else html.escape(ctx.labels["minute_n"].format(n=f"{float(v):.0f}"))
                for v in _nums(values, 0)
            ]
            if clock in frame.columns:
                clocks = _esc(frame[clock])
                shown = [
                    c if c is not None else m
                    for c, m in zip(clocks, minute, strict=True)
                ]
            else:
                shown = minute
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown = _esc(values.dt.strftime(time_format))
        elif pd.api.types.is_numeric_dtype(values):
            shown = _format_numbers(values, _kind_of(col), ctx.labels, digits)
        else:
            sep = "、" if ctx.style.language == "zh" else ", "
            shown = _esc(
                _text_of(values, sep),
                mask=ctx.mask,
                max_chars=ctx.style.max_text_chars,
            )
        key = "target" if col == TARGET_ID else col
        out.append([html.escape(ctx.labels.get(key, col)), shown])
    return out


def _text_of(values: pd.Series, sep: str) -> pd.Series:
    """Text of a column that may hold dicts (e.g. a category mix)."""
    if values.dtype == object and values.map(lambda v: isinstance(v, dict)).any():
        return values.map(
            lambda v: (
                sep.join(f"{k} {n}" for k, n in v.items()) if isinstance(v, dict) else v
            )
        )
    return values


def patrol_payload(ctx: MapContext, plan: Any) -> str:
    """Return the patrol block: routes coloured by team, numbered stops."""
    routes: gpd.GeoDataFrame = plan.routes
    stops: gpd.GeoDataFrame = plan.stops
    teams = pd.unique(pd.concat([routes[TEAM].astype(str), stops[TEAM].astype(str)]))
    team_color = {t: TEAM_COLORS[i % len(TEAM_COLORS)] for i, t in enumerate(teams)}
    if "n_stops" in routes:  # a team with no stop stays at its depot: no line
        routes = routes[pd.to_numeric(routes["n_stops"]).fillna(0).to_numpy() > 0]
    rgeoms = _wgs84_geoms(routes, ctx.style.tiles)
    rok = _drawable(rgeoms, "patrol routes")
    routes, rgeoms = routes[rok], rgeoms[rok]
    sgeoms = _wgs84_geoms(stops, ctx.style.tiles)
    sok = _drawable(sgeoms, "patrol stops")
    stops, sgeoms = stops[sok], sgeoms[sok]

    xy = shapely.get_coordinates(shapely.point_on_surface(sgeoms))
    route_block = {
        "geoms": _geoms_json(rgeoms),
        "team": to_json(_esc(routes[TEAM])),
        "color": to_json(routes[TEAM].astype(str).map(team_color).tolist()),
        "cols": to_json(
            _popup_columns(ctx, routes, ROUTE_COLUMNS, time_format="%H:%M", digits=1)
        ),
    }
    stop_block = {
        "lat": to_json(np.round(xy[:, 1], COORD_DECIMALS).tolist()),
        "lon": to_json(np.round(xy[:, 0], COORD_DECIMALS).tolist()),
        "team": to_json(_esc(stops[TEAM])),
        "order": to_json(_nums(stops[ORDER], 0)),
        "label": to_json(
            [
                escape_text(stop_label(str(team), "" if pd.isna(order) else int(order)))
                for team, order in zip(stops[TEAM], stops[ORDER], strict=True)
            ]
        ),
        "color": to_json(stops[TEAM].astype(str).map(team_color).tolist()),
        "cols": to_json(_stop_columns(ctx, stops)),
    }
    return json_object(
        {"routes": json_object(route_block), "stops": json_object(stop_block)}
    )


def _stop_columns(ctx: MapContext, stops: pd.DataFrame) -> list[Any]:
    """Return the stop popup's columns, with the visit window when a stop has one."""
    cols = _popup_columns(ctx, stops, STOP_COLUMNS, time_format="%H:%M", digits=1)
    if WINDOW in stops.columns and stops[WINDOW].notna().any():
        label = _labels.MAP_PROFILE_LABELS["window"][ctx.style.language]
        text = _esc(stops[WINDOW], mask=ctx.mask)
        cols.insert(min(3, len(cols)), [html.escape(label), text])
    return cols


def base_payload(ctx: MapContext, frame: gpd.GeoDataFrame, kind: str) -> str | None:
    """Return the grid or streets drawn as the base (None when too many to draw)."""
    style = ctx.style
    if kind == "grid":
        if len(frame) > style.base_grid_max_cells:
            return None
    elif len(frame) > style.base_streets_max and s.STREET_CLASS in frame.columns:
        frame = frame[frame[s.STREET_CLASS].isin(["arterial", "secondary"])]
    geoms = _wgs84_geoms(frame, style.tiles)
    ok = _drawable(geoms, kind)
    frame, geoms = frame[ok], geoms[ok]
    parts = {"geoms": _geoms_json(geoms)}
    if kind == "streets" and s.STREET_CLASS in frame.columns:
        weights = frame[s.STREET_CLASS].map(STREET_WEIGHTS).fillna(1.5)
        parts["w"] = to_json(weights.astype(float).tolist())
    return json_object(parts)


def _unit_points(
    unit: str, frames: Sequence[gpd.GeoDataFrame | None], ids: pd.Index, tiles: Tiles
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitude and longitude of one point per id (centroid), NaN where unknown."""
    lat = np.full(len(ids), np.nan)
    lon = np.full(len(ids), np.nan)
    todo = np.ones(len(ids), dtype=bool)
    wanted = _id_strings(ids)  # converted once for every frame
    for frame in frames:
        if (
            frame is None
            or unit not in frame.columns
            or not len(frame)
            or not todo.any()
        ):
            continue
        pos = _positions(frame, unit, wanted)
        use = todo & (pos >= 0)
        if not use.any():
            continue
        sub = frame.iloc[pos[use]]
        geoms = _wgs84_geoms(sub, tiles)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        xy = np.full((len(geoms), 2), np.nan)
        with collector_paused():  # one new point per cell (~100,000)
            xy[ok] = shapely.get_coordinates(shapely.centroid(geoms[ok]))
        where = np.flatnonzero(use)
        lat[where], lon[where] = xy[:, 1], xy[:, 0]
        todo[where[ok]] = False
    return lat, lon


def weekly_payload(
    ctx: MapContext,
    cube: pd.DataFrame,
    frames: Sequence[gpd.GeoDataFrame | None],
) -> str | None:
    """Sparse weekly counts of the last weeks.

    Cells are listed once (their centroids as integer micro-degree deltas);
    each week holds the delta-encoded positions of its non-zero cells and
    their counts.
    """
    totals = cube_totals(cube)
    end = ctx.week_index + 1
    n_weeks = ctx.style.time_weeks or end
    first = max(0, end - n_weeks)
    values = totals.iloc[:, first:end].to_numpy(dtype=float)
    periods = [str(p) for p in totals.columns[first:end]]
    active = np.flatnonzero((values > 0).any(axis=1))
    if not len(active) or not periods:
        return None
    ids = as_ids(totals.index[active])
    lat, lon = _unit_points(ctx.unit, frames, ids, ctx.style.tiles)
    located = np.isfinite(lat) & np.isfinite(lon)
    values = np.round(values[active][located], 2)
    scale = 10**COORD_DECIMALS
    ilat = np.round(lat[located] * scale).astype(np.int64)
    ilon = np.round(lon[located] * scale).astype(np.int64)
    idx_per_week, n_per_week = [], []
    for k in range(values.shape[1]):  # one vectorised step per week, not per cell
        nz = np.flatnonzero(values[:, k] > 0)
        idx_per_week.append(_json_ints(np.diff(nz, prepend=0)))
        col = values[nz, k]
        n_per_week.append(
            _json_ints(col.astype(np.int64))
            if np.all(col % 1 == 0)
            else to_json(col.tolist())
        )
    return json_object(
        {
            "dlat": _json_ints(np.diff(ilat, prepend=0)),
            "dlon": _json_ints(np.diff(ilon, prepend=0)),
            "scale": to_json(scale),
            "idx": "[" + ",".join(idx_per_week) + "]",
            "n": "[" + ",".join(n_per_week) + "]",
            "total": to_json(_nums(values.sum(axis=0), 2)),
            "periods": to_json([escape_text(p) for p in periods]),
            "start": to_json(len(periods) - 1),
            "breaks": to_json(list(COUNT_BREAKS)),
            "colors": to_json(list(COUNT_COLORS)),
        }
    )


def stop_label(team: str, order: object) -> str:
    """Return a stop marker's text: team and order ("A1"; "1-2", numbered teams)."""
    sep = "-" if team[-1:].isdigit() else ""
    return f"{team}{sep}{order}"


def _scorecard_frame(
    scorecard: pd.DataFrame,
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
    tiles: Tiles,
) -> tuple[pd.DataFrame, npt.NDArray[Any]]:
    """One row per drawn place (cells, then segments) and its WGS-84 geometry.

    Rows are ordered not distinguishable, then red, then black, so the outlines
    of listed units are drawn over their neighbours'.
    """
    rows: list[pd.DataFrame] = []
    geoms: list[npt.NDArray[Any]] = []
    for k, (key, frame) in enumerate(((s.GRID_ID, grid), (s.SEGMENT_ID, streets))):
        if key not in scorecard.columns or frame is None:
            continue
        part = scorecard[scorecard[key].notna()]
        if not len(part):
            continue
        ids = as_ids(part[key])
        pos = _positions(frame, key, ids)
        rows.append(part.assign(_place=np.asarray(ids, dtype=object), _kind=k))
        geoms.append(_wgs84_geoms(frame.iloc[pos], tiles))
    if not rows:
        return scorecard.iloc[:0], np.empty(0, dtype=object)
    places = pd.concat(rows, ignore_index=True)
    g = np.concatenate(geoms)
    order = np.argsort(
        places["list"]
        .astype(str)
        .map({"not distinguishable": 0, "red": 1, "black": 2})
        .to_numpy(),
        kind="stable",
    )
    return places.iloc[order].reset_index(drop=True), g[order]


def _rate_text(words: Mapping[str, str], places: pd.DataFrame) -> list[str]:
    """Each place's rate with its 95 % interval as percentages, escaped."""
    cols = [pd.to_numeric(places[c], errors="coerce") for c in SCORECARD_COLUMNS[1:4]]
    out = []
    for r, lo, hi in zip(*(c.astype("float64").tolist() for c in cols), strict=True):
        if not np.isfinite(r):
            out.append(html.escape(words["no_rate"]))
            continue
        pct = [f"{100.0 * v:.1f}%" if np.isfinite(v) else "–" for v in (r, lo, hi)]
        out.append(
            html.escape(
                words["rate_interval"].format(rate=pct[0], lo=pct[1], hi=pct[2])
            )
        )
    return out


def unit_names(words: Mapping[str, str], frame: pd.DataFrame) -> pd.Series:
    """Return the unit as shown: "name（id）" when a name is given, else the id."""
    ids = frame[SCORECARD_UNIT].astype("string")
    if SCORECARD_UNIT_NAME not in frame.columns:
        return ids
    names = frame[SCORECARD_UNIT_NAME].astype("string")
    fmt = words["unit_named"]
    named = pd.Series(
        [
            fmt.format(name=n, id=i) if not pd.isna(n) and str(n).strip() else i
            for n, i in zip(names.tolist(), ids.tolist(), strict=True)
        ],
        index=frame.index,
        dtype="string",
    )
    return named


def scorecard_payload(
    ctx: MapContext,
    scorecard: pd.DataFrame,
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
) -> str | None:
    """Return the scorecard layer's block: geometry once, classes, lists, popups."""
    words = _labels.scorecard_labels(ctx.style.language)
    places, geoms = _scorecard_frame(scorecard, grid, streets, ctx.style.tiles)
    if not len(places):
        return None
    ok = _drawable(geoms, "scorecard places")
    places, geoms = places[ok].reset_index(drop=True), geoms[ok]
    if not len(places):
        return None
    rate = pd.to_numeric(places[SCORECARD_RATE], errors="coerce").to_numpy(dtype=float)
    classes = np.searchsorted(np.asarray(SCORECARD_BREAKS), rate, side="right")
    classes = np.where(np.isfinite(rate), classes, -1)
    lists = (
        places["list"].astype(str).map({v: i for i, v in enumerate(SCORECARD_LISTS)})
    )
    block = {
        "geoms": _geoms_json(geoms),
        "id": to_json(_esc(places["_place"], mask=ctx.mask)),
        "k": to_json(places["_kind"].astype(int).tolist()),
        "kind": to_json([s.GRID_ID, s.SEGMENT_ID]),
        "c": to_json(classes.astype(int).tolist()),
        "l": to_json(lists.astype(int).tolist()),
        "u": _dict_encode(unit_names(words, places), mask=ctx.mask),
        "r": _dict_encode(pd.Series(_rate_text(words, places), dtype="string")),
        "lists": to_json([html.escape(words[v]) for v in SCORECARD_LISTS]),
        "labels": to_json({k: html.escape(v) for k, v in words.items()}),
        "colors": to_json(
            {
                "ramp": list(SCORECARD_COLORS),
                "none": SCORECARD_NO_RATE_COLOR,
                "red": SCORECARD_RED,
                "black": SCORECARD_BLACK,
            }
        ),
    }
    if SCORECARD_CASES in places.columns:
        block["n"] = to_json(_nums(places[SCORECARD_CASES], 2))
    return json_object(block)


def mask_list(values: list[str], ctx: MapContext) -> list[str]:
    """Return the texts with phone and ID numbers masked."""
    if not values:
        return []
    return [
        str(v) for v in mask_personal(pd.Series(values, dtype="string"), mask=ctx.mask)
    ]
