"""The weekly map: one interactive, offline, safe Folium (Leaflet) HTML page.

:func:`weekly_map` draws the results of a week's analysis as layers of a
:class:`folium.Map`; :func:`save_map` writes it as one self-contained HTML
file with Leaflet and its plugins inlined, so it opens from a USB stick on a
machine without internet.

How the page stays small and fast
---------------------------------
* Only units with something to show are drawn: significant Gi* cells,
  cells with an emerging pattern, the top-ranked blind spots.
* Every geometry is serialised once, as GeoJSON geometries with coordinates
  rounded to 6 decimals (about 0.1 m), together with column arrays of the
  properties (repeated texts dictionary-encoded). Colours are chosen by a
  small JavaScript style function from a feature property (folium's
  per-feature ``style_function`` writes one JavaScript ``switch`` case per
  feature and does not scale).
* The data sits once in the page as JSON in a non-executed
  ``<script type="application/json">`` element read with ``JSON.parse``.
* Polygons and lines are drawn on one shared canvas; reports are clustered
  (leaflet.markercluster), so no page holds one DOM element per report.
* Layers hidden at opening are built the first time they are switched on;
  popups are built when they open, from the shared data.

How it stays safe
-----------------
* Every string taken from the data (descriptions, addresses, categories,
  names, reasons, ids) is HTML-escaped in Python before it is serialised and
  the serialised data escapes ``<``, ``>``, ``&``, U+2028 and U+2029, so
  ``</script>`` inside a description cannot end the script.
* branca compiles the output of every folium element as a new Jinja template
  when the page is rendered, so ``{{ ... }}`` in a report text given to
  folium's own ``Popup``, ``Tooltip`` or ``GeoJson`` is evaluated in the
  analyst's Python process. The weekly map's elements place their output
  without that second pass, and braces in data are escaped as well.
* Personal data never reaches the page: private columns (reporter name,
  phone, ID number and any column named in :attr:`MapStyle.private_columns`)
  are never read, and phone-number-like and ID-number-like strings in free
  text are masked (:func:`hotspots._core.privacy.mask_personal`).

Coordinates
-----------
Input frames may be in any CRS; they are converted to WGS-84. With Amap tiles
(``MapStyle(tiles="amap")``), which are drawn in GCJ-02, every coordinate is
shifted to GCJ-02 (:func:`hotspots._core.crs.wgs84_to_gcj02`) before drawing, so a
report lands on the street it was filed on.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import folium
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import xyzservices.providers as xyz
from branca.element import Element, Figure, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template

from .._core import labels as _labels
from .._core import schema as s
from .._core.crs import wgs84_to_gcj02
from .._core.privacy import mask_personal
from ..errors import CRSError, InputError, collect_problems
from ..stats.profiles import DAY_NAMES, HourProfile, peak_windows
from .assets import (
    HEAT_JS,
    LEAFLET_CSS,
    LEAFLET_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
    MARKERCLUSTER_JS,
    asset_text,
    inline_assets,
    runtime_js,
)

__all__ = ["LAYERS", "MapStyle", "save_map", "weekly_map"]

Tiles = Literal["osm", "amap", "none"]
LayerKey = Literal[
    "grid",
    "streets",
    "reports",
    "heat",
    "gi",
    "emerging",
    "clusters",
    "blind_spots",
    "patrol",
    "weekly",
    "scorecard",
]
#: Every layer the weekly map can draw, in drawing order.
LAYERS: Final[tuple[LayerKey, ...]] = (
    "grid",
    "streets",
    "heat",
    "weekly",
    "scorecard",
    "emerging",
    "gi",
    "clusters",
    "blind_spots",
    "patrol",
    "reports",
)

# -- column names of the contracts of the other steps (see the brief) -------------
GI_Z: Final = "gi_z"
GI_P: Final = "gi_p"
GI_CLASS: Final = "gi_class"
PATTERN: Final = "pattern"
MK_P: Final = "mk_p"
N_HOT: Final = "n_hot"
SCORE: Final = "score"
RANK: Final = "rank"
REASON_ZH: Final = "reason_zh"
REASON_EN: Final = "reason_en"
TOP_CATEGORIES: Final = "top_categories"
PEAK_WINDOW_ZH: Final = "peak_window_zh"
PEAK_WINDOW_EN: Final = "peak_window_en"
PEAK_START_MIN: Final = "peak_start_min"
PEAK_END_MIN: Final = "peak_end_min"
#: The stop's visit window (plan.stops), shown only when a stop has one.
WINDOW: Final = "window"
#: Generated reasons are shown whole (up to this many characters), as in the ledger.
MAX_REASON_CHARS: Final = 400
CLUSTER_ID: Final = "cluster_id"
CLUSTER_COLUMNS: Final = (
    "n_reports",
    "category_mix",
    "first_report",
    "last_report",
    "n_weeks",
)
TEAM: Final = "team"
ORDER: Final = "order"
TARGET_ID: Final = "target_id"
ARRIVAL: Final = "arrival"
DEPARTURE: Final = "departure"
ROUTE_COLUMNS: Final = ("n_stops", "duration_min", "distance_m")
STOP_COLUMNS: Final = (
    "target_id",
    "arrival",
    "departure",
    "dwell_min",
    "score",
    "reason",
)
NAME_COLUMNS: Final = (s.AREA_NAME, s.STREET_NAME, s.COMMUNITY_ID, s.SUBDISTRICT_ID)

# -- colours (ColorBrewer / Esri-like hot-cold ramps) -------------------------------
GI_COLORS: Final = {
    -3: "#4575b5",
    -2: "#849eba",
    -1: "#c0ccbe",
    0: "#ffffbf",
    1: "#fab984",
    2: "#ed7551",
    3: "#d62f27",
}
PATTERN_COLORS: Final = {
    "new_hot": "#67000d",
    "consecutive_hot": "#a50f15",
    "intensifying_hot": "#d7301f",
    "persistent_hot": "#ef3b2c",
    "diminishing_hot": "#fc9272",
    "sporadic_hot": "#fdae6b",
    "oscillating_hot": "#f16913",
    "historical_hot": "#d9b38c",
    "new_cold": "#08306b",
    "consecutive_cold": "#08519c",
    "intensifying_cold": "#2171b5",
    "persistent_cold": "#4292c6",
    "diminishing_cold": "#9ecae1",
    "sporadic_cold": "#6baed6",
    "oscillating_cold": "#3182bd",
    "historical_cold": "#a6bddb",
}
CATEGORY_COLORS: Final = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#555555",
)
TEAM_COLORS: Final = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628")
BLIND_COLOR: Final = "#6a1b9a"
CLUSTER_COLOR: Final = "#e65100"
COUNT_BREAKS: Final = (1, 2, 4, 8, 16)
COUNT_COLORS: Final = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
STREET_WEIGHTS: Final = {"arterial": 4.0, "secondary": 2.5, "alley": 1.2}

OSM_URL: Final = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP_URL: Final = str(xyz.Gaode.Normal.url)
COORD_DECIMALS: Final = 6
#: Smallest zoom of a new map (a province fits): fewer zoom levels to cluster.
MIN_ZOOM: Final = 6

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
#: List values (as :func:`hotspots.red_black_list` writes them),
#: in the order of their codes in the page: 0 red, 1 not distinguishable, 2 black.
SCORECARD_LISTS: Final = ("red", "not distinguishable", "black")
#: Class k of the ramp holds rates below ``SCORECARD_BREAKS[k]`` (the last, the rest).
SCORECARD_BREAKS: Final = (0.5, 0.7, 0.8, 0.9)
#: ColorBrewer YlGn, 5 classes: light = low on-time rate, dark green = high.
SCORECARD_COLORS: Final = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
SCORECARD_NO_RATE_COLOR: Final = "#bdbdbd"
SCORECARD_RED: Final = "#e31a1c"
SCORECARD_BLACK: Final = "#111111"

# -- the summary panel ------------------------------------------------------------
#: Counts of the weekly summary shown in the panel (keys of ``summary["counts"]``).
SUMMARY_COUNTS: Final = (
    "rows_read",
    "accepted",
    "quarantined",
    "reports_in_week",
    "unassigned_grid",
)
#: How many of the top blind spots the panel lists.
SUMMARY_BLIND_SPOTS: Final = 5
#: The coverage share (of area or street length) of the panel's backtest table.
SUMMARY_COVERAGE: Final = 0.05
SUMMARY_CSS: Final = (
    ".hs-summary { background: rgba(255,255,255,0.95); padding: 4px 8px;"
    " border-radius: 4px; font: 12px/1.4 sans-serif;"
    " box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 470px; max-height: 70vh;"
    " overflow-y: auto; }"
    ".hs-summary summary { cursor: pointer; font-weight: bold; }"
    ".hs-summary h4 { margin: 6px 0 2px; font-size: 12px; }"
    ".hs-summary table { border-collapse: collapse; }"
    ".hs-summary th { text-align: left; font-weight: normal; color: #555; }"
    ".hs-summary th, .hs-summary td { padding: 1px 8px 1px 0; vertical-align: top; }"
    ".hs-summary td.hs-num { text-align: right; white-space: nowrap; }"
    ".hs-summary img { display: block; width: 450px; max-width: 100%;"
    " margin-top: 4px; }"
    ".hs-summary svg.hs-chart { display: block; max-width: 100%; height: auto;"
    " margin-top: 4px; }"
)


@dataclass(frozen=True)
class MapStyle:
    """How the weekly map looks: base tiles, language, layers and settings.

    Parameters
    ----------
    tiles
        ``"none"`` (default, as the city config's ``[map] tiles``: no tiles,
        the streets and the grid are the base and the page makes no request
        at all), ``"osm"`` (OpenStreetMap, WGS-84) or ``"amap"`` (Amap/Gaode,
        GCJ-02: every overlay is shifted to GCJ-02).
    language
        ``"zh"`` (default) or ``"en"``; every label comes from
        :data:`hotspots._core.labels.MAP_LABELS`.
    layers
        Which layers to draw (keys of :data:`LAYERS`); a layer is drawn only
        when its data is given as well.
    show
        Which drawn layers are switched on when the page opens (the others
        are built the first time they are switched on). Reports, the heat
        map, the patterns, the clusters and the weekly counts start hidden
        so the statistics read clearly on the wall.
    private_columns
        Columns to keep out of the page besides reporter name, phone and ID
        number (e.g. the config's private columns); naming ``"description"``
        or ``"address"`` leaves them out of the report popups.
    alpha, fdr, trend_alpha
        The statistical settings the results were computed with, stated in
        the legend (significance level, whether FDR was applied, Mann-Kendall
        level of the emerging patterns).
    max_blind_spots
        How many of the top-ranked blind spots are drawn.
    time_weeks
        How many weeks (the last ones of the cube up to ``week``) the time
        control steps through; ``None`` for every week of the cube.
    max_text_chars
        Descriptions and addresses are cut to this many characters.
    max_categories
        Report categories beyond the most frequent ``max_categories - 1``
        share one layer.
    show_reports_max
        A week with more reports opens with the heat map on and the report
        layers off (they are built when switched on), so a large city's map
        opens fast; clustering tens of thousands of markers takes seconds.
    base_grid_max_cells, base_streets_max
        With ``tiles="none"`` the grid is drawn as a base only up to this many
        cells, the streets up to this many lines (beyond it only arterial and
        secondary streets), to keep very large cities fast.
    title
        The page title; default "City issues weekly map" in the language.
    """

    tiles: Tiles = "none"
    language: _labels.Language = "zh"
    layers: tuple[LayerKey, ...] = LAYERS
    show: tuple[LayerKey, ...] = ("grid", "streets", "gi", "blind_spots", "patrol")
    private_columns: tuple[str, ...] = ()
    alpha: float = 0.05
    fdr: bool = True
    trend_alpha: float = 0.05
    max_blind_spots: int = 30
    time_weeks: int | None = 12
    max_text_chars: int = 80
    max_categories: int = 12
    show_reports_max: int = 5_000
    base_grid_max_cells: int = 20_000
    base_streets_max: int = 20_000
    title: str | None = None


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


def _json(value: object) -> str:
    """Compact JSON, safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


def _h(text: object) -> str:
    """HTML-escape one string from the data (braces too: no Jinja can see them)."""
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("{", "&#123;").replace("}", "&#125;")


def _obj(parts: dict[str, str]) -> str:
    """Serialise a JSON object from keys and already serialised values."""
    return "{" + ",".join(f"{_json(k)}:{v}" for k, v in parts.items()) + "}"


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
    out: list[str | None] = []
    for v in arr.astype("float64").tolist():
        if not np.isfinite(v):
            out.append(None)
            continue
        if kind == "share":
            text = f"{100.0 * v:.1f}%"
        elif kind == "p":
            text = "< 0.001" if v < 0.001 else f"{v:.3f}"
        elif kind == "days":
            text = words["unit_days"].format(n=f"{v:.1f}")
        elif kind == "minutes":
            text = words["unit_minutes"].format(n=f"{v:,.0f}")
        elif kind == "metres":
            text = words["unit_metres"].format(n=f"{v:,.0f}")
        elif float(v).is_integer():
            text = f"{int(v):,}"
        else:
            text = f"{v:,.{digits}f}"
        out.append(html.escape(text))
    return out


def _geoms_json(geoms: npt.NDArray[Any]) -> str:
    """Serialise geometries as GeoJSON with coordinates rounded to 6 decimals."""
    if len(geoms) == 0:
        return "[]"
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    return "[" + ",".join(shapely.to_geojson(rounded).tolist()) + "]"


# ---------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------
def _check_frame(
    problems: list[str],
    name: str,
    frame: object,
    required: Sequence[str],
    *,
    geo: bool = True,
) -> None:
    if frame is None:
        return
    kind = gpd.GeoDataFrame if geo else pd.DataFrame
    if not isinstance(frame, kind):
        msg = f"{name} must be a {kind.__name__} or None, got {type(frame).__name__}."
        raise TypeError(msg)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        problems.append(
            f"{name} must have the columns {list(required)!r}, "
            f"got {list(frame.columns)!r}"
            f" (missing {missing!r}). Pass the frame the step returns unchanged."
        )
    if geo and isinstance(frame, gpd.GeoDataFrame) and len(frame) and frame.crs is None:
        problems.append(
            f"{name} must have a CRS, got {frame.crs!r}. Set it with "
            f"{name}.set_crs(...) (boundary files and reports are EPSG:4326)."
        )


def _check_style(problems: list[str], style: MapStyle) -> None:
    if style.tiles not in ("osm", "amap", "none"):
        problems.append(
            f"style.tiles must be 'osm', 'amap' or 'none', got {style.tiles!r}. "
            "Use 'none' for a map that works without internet."
        )
    if style.language not in _labels.LANGUAGES:
        problems.append(
            f"style.language must be 'zh' or 'en', got {style.language!r}. "
            "Pass language='en' for English labels."
        )
    for field in ("layers", "show"):
        unknown = [k for k in getattr(style, field) if k not in LAYERS]
        if unknown:
            problems.append(
                f"style.{field} must name layers among {list(LAYERS)!r}, got "
                f"{unknown!r}. Remove or correct them."
            )
    for field in ("alpha", "trend_alpha"):
        value = getattr(style, field)
        if not (isinstance(value, float | int) and 0.0 < value < 1.0):
            problems.append(
                f"style.{field} must be a probability between 0 and 1, got {value!r}."
                " Pass the level the statistics used, e.g. 0.05."
            )
    for field in (
        "max_blind_spots",
        "max_text_chars",
        "max_categories",
        "show_reports_max",
    ):
        value = getattr(style, field)
        if not (isinstance(value, int) and value >= 1):
            problems.append(
                f"style.{field} must be a positive integer, got {value!r}. "
                f"Pass e.g. {getattr(MapStyle, field)!r}."
            )
    tw = style.time_weeks
    if tw is not None and not (isinstance(tw, int) and tw >= 1):
        problems.append(
            f"style.time_weeks must be a positive integer or None, got {tw!r}. "
            "Pass e.g. 12 for the last quarter, None for every week."
        )


def _unit_column(
    frames: Sequence[pd.DataFrame | None], cube: pd.DataFrame | None
) -> str:
    if cube is not None and cube.index.name:
        return str(cube.index.name)
    for frame in frames:
        if frame is None:
            continue
        for col in (s.GRID_ID, s.SEGMENT_ID):
            if col in frame.columns:
                return col
    return s.GRID_ID


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
        geo = geo.to_crs(s.WGS84)
    geoms = np.asarray(geo.values, dtype=object)
    if tiles == "amap":

        def _to_gcj(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        geoms = shapely.transform(geoms, _to_gcj)
    return geoms


def _drawable(geoms: npt.NDArray[Any], what: str) -> npt.NDArray[np.bool_]:
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    n_bad = int((~ok).sum())
    if n_bad:
        warnings.warn(
            f"{n_bad} row(s) of {what} have no geometry and are not drawn.",
            UserWarning,
            stacklevel=4,
        )
    return np.asarray(ok, dtype=bool)


def _points_latlon(geoms: npt.NDArray[Any]) -> tuple[list[Any], list[Any]]:
    pts = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(pts)
    return (
        np.round(xy[:, 1], COORD_DECIMALS).tolist(),
        np.round(xy[:, 0], COORD_DECIMALS).tolist(),
    )


# ---------------------------------------------------------------------------------
# folium elements (folium's plugin pattern: MacroElement + Jinja template)
# ---------------------------------------------------------------------------------
class _OfflineMap(folium.Map):  # type: ignore[misc]
    """A :class:`folium.Map` that also displays offline in Jupyter.

    folium's inline display links Leaflet from public CDNs, so a notebook
    opened without internet shows a blank frame. This map's ``_repr_html_``
    inlines the shipped assets exactly as :func:`save_map` does.
    """

    def _repr_html_(self, **kwargs: Any) -> str:
        """Display the map in a notebook as a self-contained ``<iframe srcdoc>``."""
        detached = self._parent is None
        if detached:
            self.add_to(Figure())
        try:
            root = self.get_root()
            try:
                page = inline_assets(_stable_ids(root.render(**kwargs), root))
            except InputError as err:
                warnings.warn(
                    f"The map is shown with links to the internet: {err}",
                    UserWarning,
                    stacklevel=2,
                )
                return str(super()._repr_html_(**kwargs))
        finally:
            if detached:
                self._parent = None  # type: ignore[assignment]
        return (
            '<div style="width:100%;"><div style="position:relative;width:100%;'
            'height:0;padding-bottom:60%;"><iframe srcdoc="'
            + html.escape(page, quote=True)
            + '" style="position:absolute;width:100%;height:100%;left:0;top:0;'
            'border:none !important;" allowfullscreen></iframe></div></div>'
        )


class _RawElement(Element):  # type: ignore[misc]
    """Text placed in the page as is.

    branca wraps the output of every macro in ``Element(output)``, which
    compiles that output as a new Jinja template: report text such as
    ``{{ 7*7 }}`` would be evaluated in the analyst's Python process. The
    weekly map's elements place their output through this class instead,
    whose template only prints an attribute.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _render_raw(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """Render a MacroElement's macros without compiling their output again."""
    figure = element.get_root()
    if not isinstance(figure, Figure):
        msg = "the weekly map's elements must be added to a folium.Map to render."
        raise TypeError(msg)
    module = element._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = module.get(part)
        if macro is not None:
            target = getattr(figure, part)
            target.add_child(
                _RawElement(str(macro(element, kwargs))), name=element.get_name()
            )
    for child in element._children.values():
        child.render(**kwargs)


class _Runtime(MacroElement):  # type: ignore[misc]
    """The weekly map's JavaScript and CSS, defined once per page."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsRuntime"
        self.js = runtime_js()
        self.css = asset_text("hotspots_map.css")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the runtime in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class _Data(MacroElement):  # type: ignore[misc]
    """The map's data, serialised once as JSON in a non-executed script element.

    ``JSON.parse`` of a ``<script type="application/json">`` is much faster
    than parsing the same data as a JavaScript literal, and keeps the page's
    executed script small.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}">
        {{- this.payload -}}
        </script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = JSON.parse(
            document.getElementById("{{ this.get_name() }}").textContent);
        {% endmacro %}
        """
    )

    def __init__(self, payload: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsData"
        self.payload = payload

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the data in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class _JsLayer(Layer):  # type: ignore[misc]
    """A layer built by a function of the runtime from the shared data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- if this.lazy %}
        var {{ this.get_name() }} = window.HotspotsMap.lazy(function () {
            return window.HotspotsMap.{{ this.factory }}({{ this._parent.get_name() }},
                {{ this.data.get_name() }}{{ this.extra }});
        });
        {%- else %}
        var {{ this.get_name() }} = window.HotspotsMap.{{ this.factory }}(
            {{ this._parent.get_name() }}, {{ this.data.get_name() }}{{ this.extra }});
        {%- endif %}
        window.HotspotsMap.register({{ this._parent.get_name() }},
            {{ this.get_name() }}, {{ this.key_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: _Data,
        factory: str,
        *,
        key: str,
        name: str,
        show: bool,
        extra: str = "",
        lazy: bool = False,
        js: Sequence[tuple[str, str]] = (),
        css: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "HotspotsLayer"
        self.data = data
        self.factory = factory
        self.extra = extra
        self.key_json = _json(key)
        # a layer hidden at opening is built the first time it is switched on
        self.lazy = lazy and not show
        self.default_js = list(js)
        self.default_css = list(css)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Render the layer and declare its plugin assets in the page header."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            for key, url in self.default_js:
                figure.header.add_child(folium.JavascriptLink(url), name=key)
            for key, url in self.default_css:
                figure.header.add_child(folium.CssLink(url), name=key)
        if self.show and self.get_name() + "_add" not in self._children:
            # once: a map rendered twice (saved, then shown) adds each layer once
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(),
                    element_parent_name=self._parent.get_name(),  # type: ignore[union-attr]
                ),
                name=self.get_name() + "_add",
            )
        _render_raw(self, kwargs)


class _Control(MacroElement):  # type: ignore[misc]
    """A control (legend, title) whose HTML was escaped in Python."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.HotspotsMap.{{ this.factory }}({{ this._parent.get_name() }},
            {{ this.html_json }}, {{ this.position_json }}, {{ this.class_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html_text: str,
        position: str,
        class_name: str,
        *,
        factory: Literal["htmlControl", "legend"] = "htmlControl",
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsControl"
        self.factory = factory
        self.html_json = _json(html_text)
        self.position_json = _json(position)
        self.class_json = _json(class_name)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the control in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class _Fold(MacroElement):  # type: ignore[misc]
    """Folds the layer control on a small screen (it opens on a tap or hover)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.HotspotsMap.foldOnSmallScreens({{ this._parent.get_name() }},
            {{ this.control.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsFold"
        self.control = control

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the script in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class _TimeControl(MacroElement):  # type: ignore[misc]
    """A slider over the weeks of the cube, redrawing the weekly-counts layer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.HotspotsMap.timeControl(
            {{ this._parent.get_name() }}, {{ this.data.get_name() }},
            {{ this.layer.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: _Data, layer: _JsLayer) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsTimeControl"
        self.data = data
        self.layer = layer

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the control in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class _SummaryPanel(_Control):
    """The collapsible weekly summary (counts, blind spots, backtest) and its CSS."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.HotspotsMap.htmlControl({{ this._parent.get_name() }},
            {{ this.html_json }}, {{ this.position_json }}, {{ this.class_json }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__(html_text, "topleft", "hs-summary")
        self._name = "HotspotsSummary"
        self.css = SUMMARY_CSS


class _ScorecardRuntime(MacroElement):  # type: ignore[misc]
    """The scorecard layer's JavaScript (``hotspots_scorecard.js``).

    Placed after the runtime, and only in maps that draw a scorecard.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.js }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsScorecardRuntime"
        self.js = asset_text("hotspots_scorecard.js")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the script in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


# ---------------------------------------------------------------------------------
# payload builders (column arrays, no per-row Python)
# ---------------------------------------------------------------------------------
def _cube_totals(cube: pd.DataFrame) -> pd.DataFrame:
    """Return unit x period totals (summing categories of a MultiIndex cube)."""
    if isinstance(cube.columns, pd.MultiIndex):
        return cube.T.groupby(level=-1, sort=False).sum().T
    return cube


def _ids(values: pd.Series | pd.Index | npt.ArrayLike) -> pd.Index:
    """Return unit ids as an object Index of str (fast lookups; NA as None)."""
    ser = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(ser.dtype, pd.StringDtype) or ser.dtype == np.dtype(object):
        arr = ser.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        if ser.dtype == np.dtype(object):
            bad = np.fromiter(
                (v is not None and not isinstance(v, str) for v in arr), bool, len(arr)
            )
            if bad.any():
                arr = arr.copy()
                arr[bad] = ser[bad].astype(str).to_numpy(dtype=object)
        return pd.Index(arr, dtype=object)  # type: ignore[no-any-return]
    strs = ser.astype("string").to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return pd.Index(strs, dtype=object)  # type: ignore[no-any-return]


def _positions(frame: pd.DataFrame, unit: str, ids: pd.Index) -> npt.NDArray[np.intp]:
    """Row position in ``frame`` of each id (first occurrence), -1 where absent."""
    keys = _ids(frame[unit])
    first = ~keys.duplicated(keep="first")
    lookup = pd.Index(keys[first])
    rows = np.flatnonzero(first)
    pos = lookup.get_indexer(ids)
    return np.where(pos >= 0, rows[np.clip(pos, 0, None)], -1)


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
    return _obj({"k": _json(keys), "v": _json(codes.astype(int).tolist())})


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
                "unit": _ids(reports[unit]),
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
                "unit": np.asarray(_ids(by_cat.index), dtype=object)[r],
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
class _Ctx:
    style: MapStyle
    labels: dict[str, str]
    unit: str
    mask: str
    periods: list[str]
    week_index: int


def _units_payload(
    ctx: _Ctx,
    *,
    gi: gpd.GeoDataFrame | None,
    emerging: gpd.GeoDataFrame | None,
    blind_spots: gpd.GeoDataFrame | None,
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
    reports: gpd.GeoDataFrame | None,
    cube: pd.DataFrame | None,
    categories: list[str],
    profile: HourProfile | None = None,
) -> tuple[str, dict[str, bool], list[str]]:
    """Units with something to show: geometry once, popup fields as columns."""
    style, unit, lang = ctx.style, ctx.unit, ctx.style.language
    parts: list[gpd.GeoDataFrame] = []
    has = {"gi": False, "emerging": False, "blind_spots": False}
    patterns_present: list[str] = []
    use_gi = gi is not None and "gi" in style.layers
    use_em = emerging is not None and "emerging" in style.layers
    use_bs = blind_spots is not None and "blind_spots" in style.layers
    if gi is not None and use_gi:
        sig = gi[pd.to_numeric(gi[GI_CLASS], errors="coerce").fillna(0).to_numpy() != 0]
        parts.append(sig)
        has["gi"] = len(sig) > 0
    if emerging is not None and use_em:
        pattern = emerging[PATTERN].astype(str)
        pat = emerging[pattern.isin(list(PATTERN_COLORS)).to_numpy()]
        parts.append(pat)
        has["emerging"] = len(pat) > 0
        present = set(pd.unique(pat[PATTERN].astype(str)))
        patterns_present = [p for p in PATTERN_COLORS if p in present]
    if blind_spots is not None and use_bs:
        rank = pd.to_numeric(blind_spots[RANK], errors="coerce")
        score = pd.to_numeric(blind_spots[SCORE], errors="coerce")
        keep = (rank >= 1) & (rank <= style.max_blind_spots) & (score > 0)
        top = blind_spots[keep.to_numpy()]
        parts.append(top)
        has["blind_spots"] = len(top) > 0
    parts = [p for p in parts if len(p)]
    if not parts:
        return "null", has, patterns_present
    geo_frames = [
        gpd.GeoDataFrame(
            {unit: _ids(p[unit])},
            geometry=p.geometry.to_crs(s.WGS84).values,
            crs=s.WGS84,
        )
        for p in parts
    ]
    allg = pd.concat(geo_frames, ignore_index=True)
    allg = allg[allg[unit].notna().to_numpy()]
    allg = allg[~_ids(allg[unit]).duplicated(keep="first")]
    allg = gpd.GeoDataFrame(allg, geometry="geometry", crs=s.WGS84)
    geoms = _wgs84_geoms(allg, style.tiles)
    ok = _drawable(geoms, "the units")
    allg, geoms = allg[ok], geoms[ok]
    ids = _ids(allg[unit])
    rlat, rlon = _points_latlon(geoms)
    out: dict[str, str] = {
        "geoms": _geoms_json(geoms),
        "id": _json(_esc(pd.Series(ids, dtype=object))),
        "rlat": _json(rlat),
        "rlon": _json(rlon),
    }
    frames = [f for f in (gi, emerging, blind_spots, grid, streets) if f is not None]
    frames = [f for f in frames if unit in f.columns]
    positions = {id(f): _positions(f, unit, ids) for f in frames}

    def col_of(frame: pd.DataFrame, col: str) -> pd.Series:
        return _take(frame[col], positions[id(frame)])

    names: list[str] = []
    for col in NAME_COLUMNS:
        for frame in frames:
            if col in frame.columns and col != unit:
                label_key = "name" if col == s.AREA_NAME else col
                encoded = _dict_encode(col_of(frame, col), mask=ctx.mask)
                names.append(f"[{_json(html.escape(ctx.labels[label_key]))},{encoded}]")
                break
    out["names"] = "[" + ",".join(names) + "]"
    if gi is not None and use_gi:
        out["g"] = _json(_nums(col_of(gi, GI_CLASS), 0))
        out["z"] = _json(_format_numbers(col_of(gi, GI_Z), "number", ctx.labels))
        out["pv"] = _json(_format_numbers(col_of(gi, GI_P), "p", ctx.labels))
    if emerging is not None and use_em:
        keys = {k: i for i, k in enumerate(PATTERN_COLORS)}
        out["p"] = _json(_nums(col_of(emerging, PATTERN).map(keys), 0))
        if MK_P in emerging.columns:
            out["mk"] = _json(_format_numbers(col_of(emerging, MK_P), "p", ctx.labels))
        if N_HOT in emerging.columns:
            out["nh"] = _json(_nums(col_of(emerging, N_HOT), 0))
    if blind_spots is not None and use_bs:
        rank = pd.to_numeric(col_of(blind_spots, RANK), errors="coerce")
        rank = rank.where((rank >= 1) & (rank <= style.max_blind_spots))
        out["r"] = _json(_nums(rank, 0))
        out["sc"] = _json(
            _format_numbers(col_of(blind_spots, SCORE), "number", ctx.labels)
        )
        reason_col = REASON_ZH if lang == "zh" else REASON_EN
        if reason_col in blind_spots.columns:
            reason = col_of(blind_spots, reason_col).where(rank.notna(), None)
        else:
            reason = pd.Series([None] * len(ids), dtype=object)
        # the ledger's own reason, whole: the popup and the sheet say the same
        out["why"] = _dict_encode(reason, mask=ctx.mask, max_chars=MAX_REASON_CHARS)
        skip = {unit, SCORE, RANK, REASON_ZH, REASON_EN, blind_spots.geometry.name}
        skip |= {PEAK_START_MIN, PEAK_END_MIN}
        skip |= set(NAME_COLUMNS) | set(s.PRIVATE_COLUMNS) | set(style.private_columns)
        evidence = []
        for col in blind_spots.columns:
            values = blind_spots[col]
            if col in skip or not pd.api.types.is_numeric_dtype(values):
                continue
            if pd.api.types.is_bool_dtype(values):
                continue
            shown = col_of(blind_spots, col).where(rank.notna(), None)
            evidence.append(
                [
                    html.escape(ctx.labels.get(col, col)),
                    _format_numbers(shown, _kind_of(col), ctx.labels),
                ]
            )
        out["ev"] = _json(evidence)
        if profile is not None:
            out.update(_profile_payload(ctx, profile, blind_spots, ids, rank))
    if (
        blind_spots is not None
        and use_bs
        and TOP_CATEGORIES in blind_spots.columns
        and not pd.api.types.is_numeric_dtype(blind_spots[TOP_CATEGORIES])
    ):
        # the ledger's main problem types (its window, its counts), not the week's
        text = col_of(blind_spots, TOP_CATEGORIES).astype("string")
        text = text.where(text.str.len() > 0)
        if lang == "en":
            text = text.str.replace("、", ", ", regex=False)
        out["top"] = _dict_encode(text, mask=ctx.mask, max_chars=MAX_REASON_CHARS)
    else:
        top = _top_categories(reports, cube, unit, ids, categories)
        if top is not None:
            out["tc"] = _json(top[0])
            out["tn"] = _json(top[1])
    if cube is not None:
        totals = _cube_totals(cube)
        pos = pd.Index(_ids(totals.index)).get_indexer(ids)
        arr = np.round(totals.to_numpy(dtype=float)[np.clip(pos, 0, None)], 2)
        if np.all(arr % 1 == 0):
            rows: list[Any] = arr.astype(np.int64).tolist()
        else:
            rows = arr.tolist()
        out["s"] = _json(
            [r if p >= 0 else None for r, p in zip(rows, pos, strict=True)]
        )
    return _obj(out), has, patterns_present


def _profile_payload(
    ctx: _Ctx,
    profile: HourProfile,
    blind_spots: gpd.GeoDataFrame,
    ids: pd.Index,
    rank: pd.Series,
) -> dict[str, str]:
    """Each drawn blind spot's 168 shares (in 1/10000) and peak window words."""
    lang = ctx.style.language
    shown = rank.notna().to_numpy()
    pos = _ids(profile.shares.index).get_indexer(ids)
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
        "hp": _json(heat),
        "pw": _dict_encode(words, mask=ctx.mask),
        "hpl": _json(
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


def _reports_payload(
    ctx: _Ctx, reports: gpd.GeoDataFrame
) -> tuple[str, list[str], list[int], list[str]]:
    """Report points, one column array per field; categories ordered by count."""
    style = ctx.style
    geoms = _wgs84_geoms(reports, style.tiles)
    ok = _drawable(geoms, "reports")
    reps, geoms = reports[ok], geoms[ok]
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
        "lat": _json(np.round(pts[:, 1], COORD_DECIMALS).tolist()),
        "lon": _json(np.round(pts[:, 0], COORD_DECIMALS).tolist()),
        "c": _json(code.tolist()),
        "cat": _json(cat_index.tolist()),
        "id": _json(
            _esc(reps[s.REPORT_ID]) if s.REPORT_ID in reps else [None] * len(reps)
        ),
    }
    weight = (
        pd.to_numeric(reps[s.WEIGHT], errors="coerce").fillna(1.0)
        if s.WEIGHT in reps.columns
        else pd.Series(1.0, index=reps.index)
    )
    if not np.all(weight.to_numpy() == 1.0):
        parts["w"] = _json(_nums(weight, 3))
    if s.REPORTED_AT in reps.columns and s.REPORTED_AT not in private:
        base_ms, minutes = _wall_minutes(reps[s.REPORTED_AT])
        parts["t0"] = _json(base_ms)
        parts["t"] = _json(minutes)
    lang = style.language
    if s.STATUS in reps.columns and s.STATUS not in private:
        mapped = reps[s.STATUS].map({k: v[lang] for k, v in _labels.STATUSES.items()})
        parts["st"] = _dict_encode(mapped.fillna(reps[s.STATUS]))
    if s.SOURCE in reps.columns and s.SOURCE not in private:
        mapped = reps[s.SOURCE].map({k: v[lang] for k, v in _labels.SOURCES.items()})
        parts["so"] = _dict_encode(mapped.fillna(reps[s.SOURCE]))
    for col, key in ((s.DESCRIPTION, "d"), (s.ADDRESS, "a")):
        if col in reps.columns and col not in private:
            parts[key] = _json(
                _esc(reps[col], mask=ctx.mask, max_chars=style.max_text_chars)
            )
    return _obj(parts), layer_names, layer_counts, [str(c) for c in all_cats]


def _clusters_payload(ctx: _Ctx, clusters: gpd.GeoDataFrame) -> str:
    geoms = _wgs84_geoms(clusters, ctx.style.tiles)
    ok = _drawable(geoms, "clusters")
    frame, geoms = clusters[ok], geoms[ok]
    cols = _popup_columns(ctx, frame, CLUSTER_COLUMNS, time_format="%Y-%m-%d", digits=2)
    return _obj(
        {
            "geoms": _geoms_json(geoms),
            "id": _json(_esc(frame[CLUSTER_ID])),
            "cols": _json(cols),
        }
    )


def _popup_columns(
    ctx: _Ctx,
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


def _patrol_payload(ctx: _Ctx, plan: Any) -> str:
    routes: gpd.GeoDataFrame = plan.routes
    stops: gpd.GeoDataFrame = plan.stops
    teams = pd.unique(pd.concat([routes[TEAM].astype(str), stops[TEAM].astype(str)]))
    team_color = {t: TEAM_COLORS[i % len(TEAM_COLORS)] for i, t in enumerate(teams)}
    rgeoms = _wgs84_geoms(routes, ctx.style.tiles)
    rok = _drawable(rgeoms, "patrol routes")
    routes, rgeoms = routes[rok], rgeoms[rok]
    sgeoms = _wgs84_geoms(stops, ctx.style.tiles)
    sok = _drawable(sgeoms, "patrol stops")
    stops, sgeoms = stops[sok], sgeoms[sok]

    xy = shapely.get_coordinates(shapely.point_on_surface(sgeoms))
    route_block = {
        "geoms": _geoms_json(rgeoms),
        "team": _json(_esc(routes[TEAM])),
        "color": _json(routes[TEAM].astype(str).map(team_color).tolist()),
        "cols": _json(
            _popup_columns(ctx, routes, ROUTE_COLUMNS, time_format="%H:%M", digits=1)
        ),
    }
    stop_block = {
        "lat": _json(np.round(xy[:, 1], COORD_DECIMALS).tolist()),
        "lon": _json(np.round(xy[:, 0], COORD_DECIMALS).tolist()),
        "team": _json(_esc(stops[TEAM])),
        "order": _json(_nums(stops[ORDER], 0)),
        "label": _json(
            [
                _h(_stop_label(str(team), "" if pd.isna(order) else int(order)))
                for team, order in zip(stops[TEAM], stops[ORDER], strict=True)
            ]
        ),
        "color": _json(stops[TEAM].astype(str).map(team_color).tolist()),
        "cols": _json(_stop_columns(ctx, stops)),
    }
    return _obj({"routes": _obj(route_block), "stops": _obj(stop_block)})


def _stop_columns(ctx: _Ctx, stops: pd.DataFrame) -> list[Any]:
    """Return the stop popup's columns, with the visit window when a stop has one."""
    cols = _popup_columns(ctx, stops, STOP_COLUMNS, time_format="%H:%M", digits=1)
    if WINDOW in stops.columns and stops[WINDOW].notna().any():
        label = _labels.MAP_PROFILE_LABELS["window"][ctx.style.language]
        text = _esc(stops[WINDOW], mask=ctx.mask)
        cols.insert(min(3, len(cols)), [html.escape(label), text])
    return cols


def _base_payload(ctx: _Ctx, frame: gpd.GeoDataFrame, kind: str) -> str | None:
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
        parts["w"] = _json(weights.astype(float).tolist())
    return _obj(parts)


def _unit_points(
    unit: str, frames: Sequence[gpd.GeoDataFrame | None], ids: pd.Index, tiles: Tiles
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitude and longitude of one point per id (centroid), NaN where unknown."""
    lat = np.full(len(ids), np.nan)
    lon = np.full(len(ids), np.nan)
    todo = np.ones(len(ids), dtype=bool)
    for frame in frames:
        if (
            frame is None
            or unit not in frame.columns
            or not len(frame)
            or not todo.any()
        ):
            continue
        pos = _positions(frame, unit, ids)
        use = todo & (pos >= 0)
        if not use.any():
            continue
        sub = frame.iloc[pos[use]]
        geoms = _wgs84_geoms(sub, tiles)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        xy = np.full((len(geoms), 2), np.nan)
        xy[ok] = shapely.get_coordinates(shapely.centroid(geoms[ok]))
        where = np.flatnonzero(use)
        lat[where], lon[where] = xy[:, 1], xy[:, 0]
        todo[where[ok]] = False
    return lat, lon


def _weekly_payload(
    ctx: _Ctx,
    cube: pd.DataFrame,
    frames: Sequence[gpd.GeoDataFrame | None],
) -> str | None:
    """Sparse weekly counts of the last weeks.

    Cells are listed once (their centroids as integer micro-degree deltas);
    each week holds the delta-encoded positions of its non-zero cells and
    their counts.
    """
    totals = _cube_totals(cube)
    end = ctx.week_index + 1
    n_weeks = ctx.style.time_weeks or end
    first = max(0, end - n_weeks)
    values = totals.to_numpy(dtype=float)[:, first:end]
    periods = [str(p) for p in totals.columns[first:end]]
    active = np.flatnonzero((values > 0).any(axis=1))
    if not len(active) or not periods:
        return None
    ids = _ids(totals.index[active])
    lat, lon = _unit_points(ctx.unit, frames, ids, ctx.style.tiles)
    located = np.isfinite(lat) & np.isfinite(lon)
    values = np.round(values[active][located], 2)
    scale = 10**COORD_DECIMALS
    ilat = np.round(lat[located] * scale).astype(np.int64)
    ilon = np.round(lon[located] * scale).astype(np.int64)
    idx_per_week, n_per_week = [], []
    for k in range(values.shape[1]):  # one vectorised step per week, not per cell
        nz = np.flatnonzero(values[:, k] > 0)
        idx_per_week.append(np.diff(nz, prepend=0).tolist())
        col = values[nz, k]
        n_per_week.append(
            col.astype(np.int64).tolist() if np.all(col % 1 == 0) else col.tolist()
        )
    return _obj(
        {
            "dlat": _json(np.diff(ilat, prepend=0).tolist()),
            "dlon": _json(np.diff(ilon, prepend=0).tolist()),
            "scale": _json(scale),
            "idx": _json(idx_per_week),
            "n": _json(n_per_week),
            "total": _json(_nums(values.sum(axis=0), 2)),
            "periods": _json([_h(p) for p in periods]),
            "start": _json(len(periods) - 1),
            "breaks": _json(list(COUNT_BREAKS)),
            "colors": _json(list(COUNT_COLORS)),
        }
    )


HEAT_GRADIENT: Final = "linear-gradient(to right, blue, cyan, lime, yellow, red)"


def _legend_html(
    ctx: _Ctx,
    *,
    drawn: dict[str, bool],
    patterns: list[str],
    report_layers: list[str],
    teams: list[str],
) -> str:
    """Return the legend: a section per layer, shown only while the layer is on.

    Each section carries ``data-layer`` (the keys of the layers it explains);
    the runtime hides the sections of the layers that are off, and the whole
    legend when none is on. On a small screen the legend opens folded.
    """
    t = {k: html.escape(v) for k, v in ctx.labels.items()}
    lang = ctx.style.language

    def sw(color: str, text: str, *, line: bool = False) -> str:
        shape = "height:3px;border:none;" if line else ""
        return (
            f'<div><span class="hs-sw" style="background:{color};{shape}"></span>'
            f"{text}</div>"
        )

    def section(keys: str, body: str) -> str:
        return f'<div class="hs-leg" data-layer="{keys}">{body}</div>'

    parts = []
    settings = ctx.labels["legend_settings"].format(
        alpha=ctx.style.alpha,
        fdr=ctx.labels["fdr_on" if ctx.style.fdr else "fdr_off"],
        trend_alpha=ctx.style.trend_alpha,
    )
    if drawn.get("heat"):
        bar = (
            f'<div><span class="hs-heat" style="background:{HEAT_GRADIENT}"></span>'
            f'</div><div class="hs-note">{t["heat_low"]} → {t["heat_high"]}</div>'
        )
        parts.append(section("heat", f"<h4>{t['layer_heat']}</h4>{bar}"))
    if drawn.get("gi"):
        body = "".join(
            sw(GI_COLORS[k], html.escape(_labels.GI_CLASSES[k][lang]))
            for k in (3, 2, 1, -1, -2, -3)
        )
        parts.append(section("gi", f"<h4>{t['layer_gi']}</h4>{body}"))
    if drawn.get("emerging"):
        body = "".join(
            sw(PATTERN_COLORS[p], html.escape(_labels.PATTERNS[p][lang]))
            for p in patterns
        )
        parts.append(section("emerging", f"<h4>{t['layer_emerging']}</h4>{body}"))
    if drawn.get("gi") or drawn.get("emerging"):
        parts.append(
            section(
                "gi emerging", f'<div class="hs-note">{html.escape(settings)}</div>'
            )
        )
    if drawn.get("blind_spots"):
        marker = html.escape(ctx.labels["blind_short"].format(rank=1))
        body = (
            f'<div><span class="hs-rank hs-leg-marker"><span>{marker}</span></span>'
            f"{t['rank']} 1–{ctx.style.max_blind_spots}</div>"
        )
        parts.append(section("blind_spots", f"<h4>{t['layer_blind_spots']}</h4>{body}"))
    if drawn.get("clusters"):
        parts.append(section("clusters", sw(CLUSTER_COLOR, t["layer_clusters"])))
    if drawn.get("patrol"):
        body = "".join(
            f'<div><span class="hs-stop hs-leg-marker"><span style="background:'
            f'{TEAM_COLORS[i % len(TEAM_COLORS)]}">{_stop_label(team, 1)}</span></span>'
            f"{t['team']} {team} · {t['stop'].replace('{order}', '1')}</div>"
            for i, team in enumerate(teams)
        )
        parts.append(section("patrol", f"<h4>{t['layer_patrol']}</h4>{body}"))
    if drawn.get("reports"):
        keys = " ".join(f"reports-{i}" for i in range(len(report_layers)))
        parts.append(section(keys, f"<h4>{t['layer_reports']}</h4>"))
        parts += [
            section(f"reports-{i}", sw(CATEGORY_COLORS[i % len(CATEGORY_COLORS)], name))
            for i, name in enumerate(report_layers)
        ]
    if drawn.get("weekly"):
        body = "".join(
            sw(c, f"≥ {b}") for b, c in zip(COUNT_BREAKS, COUNT_COLORS, strict=True)
        )
        parts.append(section("weekly", f"<h4>{t['count_scale']}</h4>{body}"))
    if drawn.get("scorecard"):
        parts.append(_scorecard_legend(ctx))
    return (
        f'<details class="hs-fold" open><summary>{t["legend"]}</summary>'
        + "".join(parts)
        + "</details>"
    )


def _stop_label(team: str, order: object) -> str:
    """Return a stop marker's text: team and order ("A1"; "1-2", numbered teams)."""
    sep = "-" if team[-1:].isdigit() else ""
    return f"{team}{sep}{order}"


def _check_summary(problems: list[str], summary: object, backtest: object) -> None:
    """Check the shapes of ``summary`` and ``backtest`` (types raise at once)."""
    if summary is not None and not isinstance(summary, Mapping):
        msg = (
            "summary must be a mapping (the weekly job's summary dict) or None, "
            f"got {type(summary).__name__}."
        )
        raise TypeError(msg)
    if backtest is not None and not (
        callable(getattr(backtest, "summary_table", None))
        and callable(getattr(backtest, "plot", None))
        and isinstance(getattr(backtest, "summary", None), pd.DataFrame)
    ):
        msg = (
            "backtest must be a hotspots.BacktestResult or None, "
            f"got {type(backtest).__name__}."
        )
        raise TypeError(msg)
    if summary is None:
        return
    counts = summary.get("counts", {})
    if not isinstance(counts, Mapping):
        problems.append(
            f"summary['counts'] must be a mapping of counts, got {counts!r}. "
            "Pass the weekly job's summary (Weekly.summary) unchanged."
        )
    tops = summary.get("top_blind_spots", [])
    if not (
        isinstance(tops, Sequence)
        and not isinstance(tops, str)
        and all(isinstance(r, Mapping) for r in tops)
    ):
        problems.append(
            "summary['top_blind_spots'] must be a list of row mappings, got "
            f"{tops!r}. Pass the weekly job's summary (Weekly.summary) unchanged."
        )


def _check_scorecard(
    problems: list[str],
    scorecard: object,
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
) -> None:
    """Check the scorecard frame: columns, rates, lists, and ids the map knows."""
    if scorecard is None:
        return
    if not isinstance(scorecard, pd.DataFrame):
        msg = (
            "scorecard must be a DataFrame (one row per cell or segment a unit "
            f"answers for) or None, got {type(scorecard).__name__}."
        )
        raise TypeError(msg)
    fix = (
        " Join the red_black_list(scorecard(cases), target=...) rows to the cells "
        "and segments each unit answers for (its duties) and pass that frame."
    )
    keys = [k for k in (s.GRID_ID, s.SEGMENT_ID) if k in scorecard.columns]
    if not keys:
        problems.append(
            f"scorecard must have a 'grid_id' or 'segment_id' column, got "
            f"{list(scorecard.columns)!r}.{fix}"
        )
    missing = [c for c in SCORECARD_COLUMNS if c not in scorecard.columns]
    if missing:
        problems.append(
            f"scorecard must have the columns {list(SCORECARD_COLUMNS)!r}, got "
            f"{list(scorecard.columns)!r} (missing {missing!r}).{fix}"
        )
    if keys:
        none = ~np.logical_or.reduce([scorecard[k].notna().to_numpy() for k in keys])
        if none.any():
            problems.append(
                f"scorecard rows must name a cell or a segment, got {int(none.sum())} "
                f"row(s) with neither {keys!r} (first at index "
                f"{scorecard.index[np.flatnonzero(none)[0]]!r}). Drop them or fill "
                "the id."
            )
    for key, frame, arg in (
        (s.GRID_ID, grid, "grid"),
        (s.SEGMENT_ID, streets, "streets"),
    ):
        if key not in scorecard.columns:
            continue
        ids = _ids(scorecard[key].dropna())
        if not len(ids):
            continue
        dup = ids[ids.duplicated()].unique()
        if len(dup):
            problems.append(
                f"scorecard must have one row per {key}, got {len(dup)} id(s) on "
                f"several rows, e.g. {list(dup[:3])!r}. Keep one unit per place "
                "(the unit that answers for it by the responsibility precedence)."
            )
        if frame is None or key not in frame.columns:
            problems.append(
                f"scorecard names {key} values, so {arg} with a {key!r} column is "
                f"needed to draw them, got {arg}="
                f"{'None' if frame is None else list(frame.columns)!r}. Pass "
                f"{arg}= the frame the ids come from."
            )
            continue
        unknown = pd.Index(ids.unique()).difference(pd.Index(_ids(frame[key])))
        if len(unknown):
            problems.append(
                f"scorecard {key} values must be ids of {arg}, got {len(unknown)} "
                f"unknown id(s), e.g. {sorted(map(str, unknown))[:3]!r}. Pass the "
                f"{arg} the responsibility layer was built on, or drop those rows."
            )
    if SCORECARD_UNIT in scorecard.columns and scorecard[SCORECARD_UNIT].isna().any():
        problems.append(
            f"scorecard unit_id must be given on every row, got "
            f"{int(scorecard[SCORECARD_UNIT].isna().sum())} missing. Drop the places "
            "nobody answers for (they have no rate)."
        )
    rate_cols = [c for c in SCORECARD_COLUMNS[1:4] if c in scorecard.columns]
    for col in rate_cols:
        values = pd.to_numeric(scorecard[col], errors="coerce")
        text = scorecard[col].notna() & values.isna()
        bad = values.notna() & ~values.between(0.0, 1.0)
        if text.any() or bad.any():
            shown = scorecard.loc[text | bad, col].head(3).tolist()
            problems.append(
                f"scorecard {col} must be a rate between 0 and 1 (or NaN), got "
                f"{shown!r}. Pass shares (0.825), not percentages (82.5)."
            )
    if len(rate_cols) == 3:
        r, lo, hi = (
            pd.to_numeric(scorecard[c], errors="coerce").to_numpy(dtype=float)
            for c in rate_cols
        )
        with np.errstate(invalid="ignore"):
            wrong = (lo > r + 1e-9) | (r > hi + 1e-9)
        if wrong.any():
            problems.append(
                f"scorecard on_time_rate must lie in [on_time_rate_lo, "
                f"on_time_rate_hi], got {int(wrong.sum())} row(s) outside. Pass the "
                "interval the scorecard computed with the rate."
            )
    if "list" in scorecard.columns:
        values = scorecard["list"].astype("string")
        unknown_lists = sorted(set(values.dropna()) - set(SCORECARD_LISTS))
        if values.isna().any():
            unknown_lists.append("<NA>")
        if unknown_lists:
            problems.append(
                f"scorecard list must be one of {list(SCORECARD_LISTS)!r} on every "
                f"row, got {unknown_lists!r}. Pass the 'list' column of "
                "red_black_list unchanged."
            )
        elif SCORECARD_UNIT in scorecard.columns:
            per_unit = values.groupby(_ids(scorecard[SCORECARD_UNIT])).nunique()
            split = per_unit.index[per_unit.to_numpy() > 1]
            if len(split):
                problems.append(
                    f"scorecard rows of one unit must share its list, got several "
                    f"lists for {list(split[:3])!r}. Join one red_black_list row per "
                    "unit to its places."
                )


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
        ids = _ids(part[key])
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


def _unit_names(words: Mapping[str, str], frame: pd.DataFrame) -> pd.Series:
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


def _scorecard_payload(
    ctx: _Ctx,
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
        "id": _json(_esc(places["_place"], mask=ctx.mask)),
        "k": _json(places["_kind"].astype(int).tolist()),
        "kind": _json([s.GRID_ID, s.SEGMENT_ID]),
        "c": _json(classes.astype(int).tolist()),
        "l": _json(lists.astype(int).tolist()),
        "u": _dict_encode(_unit_names(words, places), mask=ctx.mask),
        "r": _dict_encode(pd.Series(_rate_text(words, places), dtype="string")),
        "lists": _json([html.escape(words[v]) for v in SCORECARD_LISTS]),
        "labels": _json({k: html.escape(v) for k, v in words.items()}),
        "colors": _json(
            {
                "ramp": list(SCORECARD_COLORS),
                "none": SCORECARD_NO_RATE_COLOR,
                "red": SCORECARD_RED,
                "black": SCORECARD_BLACK,
            }
        ),
    }
    if SCORECARD_CASES in places.columns:
        block["n"] = _json(_nums(places[SCORECARD_CASES], 2))
    return _obj(block)


def _scorecard_legend(ctx: _Ctx) -> str:
    """Return the scorecard layer's legend section: ramp, no rate, the lists."""
    w = {
        k: html.escape(v)
        for k, v in _labels.scorecard_labels(ctx.style.language).items()
    }
    edges = (0.0, *SCORECARD_BREAKS, 1.0)
    items = []
    for k in reversed(range(len(SCORECARD_COLORS))):
        lo, hi = f"{100 * edges[k]:g}%", f"{100 * edges[k + 1]:g}%"
        text = (
            f"≥ {lo}"
            if k == len(SCORECARD_COLORS) - 1
            else (f"&lt; {hi}" if k == 0 else f"{lo}–{hi}")
        )
        items.append(
            f'<div><span class="hs-sw" style="background:{SCORECARD_COLORS[k]}">'
            f"</span>{text}</div>"
        )
    items.append(
        f'<div><span class="hs-sw" style="background:{SCORECARD_NO_RATE_COLOR}">'
        f"</span>{w['no_rate']}</div>"
    )
    for key, color in (
        ("legend_red", SCORECARD_RED),
        ("legend_black", SCORECARD_BLACK),
    ):
        items.append(
            f'<div><span class="hs-sw" style="background:#ffffff;border:2px solid '
            f'{color}"></span>{w[key]}</div>'
        )
    return (
        f'<div class="hs-leg" data-layer="scorecard"><h4>{w["layer_scorecard"]}</h4>'
        + "".join(items)
        + "</div>"
    )


def _scorecard_summary_html(ctx: _Ctx, scorecard: pd.DataFrame) -> str:
    """Return the summary panel's red and black lists: counts and unit names."""
    words = _labels.scorecard_labels(ctx.style.language)
    w = {k: html.escape(v) for k, v in words.items()}
    units = scorecard.drop_duplicates(subset=[SCORECARD_UNIT], keep="first")
    units = units.assign(
        _shown=_unit_names(words, units),
        _rate=pd.to_numeric(units[SCORECARD_RATE], errors="coerce"),
    )
    rows = []
    for value, best_first in (
        ("red", True),
        ("black", False),
        ("not distinguishable", True),
    ):
        part = units[units["list"].astype(str) == value].sort_values(
            "_rate", ascending=not best_first, kind="stable", na_position="last"
        )
        names = ""
        if value != "not distinguishable":
            shown = _mask_list([str(v) for v in part["_shown"]], ctx)
            names = words["name_sep"].join(_h(v) for v in shown)
        rows.append(
            f'<tr><th>{w[value]}</th><td class="hs-num">{len(part):,}</td>'
            f"<td>{names}</td></tr>"
        )
    return (
        f"<h4>{w['summary_lists']}</h4><table><tr><th></th>"
        f"<th>{w['summary_units']}</th><th>{w['summary_names']}</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _backtest_svg(ctx: _Ctx, backtest: Any) -> str:
    """Draw the backtest's mean hit-rate and PAI curves as inline SVG.

    The chart is text in the page, so its words follow the map language (the
    browser draws the Chinese glyphs; no font is needed in Python) and it
    stays offline.
    """
    lang = ctx.style.language
    t = ctx.labels
    table = backtest.summary.copy()
    table["coverage"] = pd.to_numeric(table["coverage"], errors="coerce")
    table = table.dropna(subset=["coverage"])
    methods = list(pd.unique(table["method"].astype(str)))
    if not methods:
        return ""
    from ..ledger.backtest import METHOD_LABELS

    width, height, pad_l, pad_b, pad_t = 220, 150, 34, 30, 18
    measure = "length" if getattr(backtest, "measure", "area") == "length" else "area"
    x_label = t[f"chart_x_{measure}"]
    x_all = 100.0 * table["coverage"].to_numpy(dtype=float)
    x0, x1 = 0.0, max(float(np.nanmax(x_all)), 1e-9)

    def panel(column: str, title: str, scale: float, left: int) -> str:
        y_all = scale * pd.to_numeric(table[column], errors="coerce").to_numpy(
            dtype=float
        )
        y1 = float(np.nanmax(y_all)) if np.isfinite(y_all).any() else 1.0
        y1 = y1 if y1 > 0 else 1.0
        plot_w, plot_h = width - pad_l - 6, height - pad_b - pad_t

        def px(x: float) -> float:
            return left + pad_l + plot_w * (x - x0) / (x1 - x0)

        def py(y: float) -> float:
            return pad_t + plot_h * (1.0 - y / y1)

        parts = [
            f'<text x="{left + width / 2:.0f}" y="12" text-anchor="middle" '
            f'font-weight="bold">{html.escape(title)}</text>',
            f'<line x1="{px(x0):.1f}" y1="{py(0):.1f}" x2="{px(x1):.1f}" '
            f'y2="{py(0):.1f}" stroke="#777"/>',
            f'<line x1="{px(x0):.1f}" y1="{py(0):.1f}" x2="{px(x0):.1f}" '
            f'y2="{py(y1):.1f}" stroke="#777"/>',
            f'<text x="{px(x0) - 3:.1f}" y="{py(y1) + 4:.1f}" '
            f'text-anchor="end">{y1:.3g}</text>',
            f'<text x="{px(x0) - 3:.1f}" y="{py(0) + 4:.1f}" '
            'text-anchor="end">0</text>',
            f'<text x="{px(x1):.1f}" y="{py(0) + 13:.1f}" '
            f'text-anchor="end">{x1:g}</text>',
            f'<text x="{left + pad_l + plot_w / 2:.0f}" y="{height - 3}" '
            f'text-anchor="middle">{html.escape(x_label)}</text>',
        ]
        for k, method in enumerate(methods):
            part = table[table["method"].astype(str) == method].sort_values("coverage")
            xs = 100.0 * part["coverage"].to_numpy(dtype=float)
            ys = scale * pd.to_numeric(part[column], errors="coerce").to_numpy(
                dtype=float
            )
            ok = np.isfinite(ys)
            pts = " ".join(
                f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs[ok], ys[ok], strict=True)
            )
            color = CATEGORY_COLORS[k % len(CATEGORY_COLORS)]
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
                f'points="{pts}"/>'
            )
        return "".join(parts)

    legend = []
    for k, method in enumerate(methods):
        name = METHOD_LABELS.get(method, {}).get(lang, method)
        color = CATEGORY_COLORS[k % len(CATEGORY_COLORS)]
        y = height + 12 + 14 * k
        legend.append(
            f'<line x1="{pad_l}" y1="{y - 4}" x2="{pad_l + 16}" y2="{y - 4}" '
            f'stroke="{color}" stroke-width="2"/>'
            f'<text x="{pad_l + 20}" y="{y}">{_h(name)}</text>'
        )
    total_h = height + 14 * len(methods) + 6
    return (
        f'<svg class="hs-chart" width="{2 * width}"'
        f' height="{total_h}" viewBox="0 0 {2 * width} {total_h}" font-size="10"'
        f' font-family="sans-serif" role="img">'
        f"<title>{html.escape(t['summary_pai_curve'])}</title>"
        + panel("hit_rate_mean", t["chart_hit_rate"], 100.0, 0)
        + panel("pai_mean", t["chart_pai"], 1.0, width)
        + "".join(legend)
        + "</svg>"
    )


def _fmt(value: object, *, percent: bool = False) -> str:
    """Format a number of the summary (NaN and non-numbers as a dash)."""
    number = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").iloc[0]
    if pd.isna(number):
        return "–"
    if percent:
        return f"{100.0 * float(number):.1f}%"
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{float(number):.2f}"


def _backtest_html(ctx: _Ctx, backtest: Any) -> str:
    """Return the backtest table at :data:`SUMMARY_COVERAGE` and the PAI curves."""
    from ..ledger.backtest import COLUMN_LABELS

    t = {k: html.escape(v) for k, v in ctx.labels.items()}
    lang = ctx.style.language
    shares = pd.to_numeric(backtest.summary["coverage"], errors="coerce").dropna()
    if not len(shares):
        return ""
    # 5 % when it was backtested, else the nearest share that was
    coverage = float(shares.iloc[int(np.argmin(np.abs(shares - SUMMARY_COVERAGE)))])
    table = backtest.summary_table(lang, coverage=coverage).rename(
        columns={v[lang]: k for k, v in COLUMN_LABELS.items()}
    )
    measure = "length" if getattr(backtest, "measure", "area") == "length" else "area"
    title = ctx.labels[f"summary_backtest_{measure}"].format(
        coverage=f"{100.0 * coverage:g}"
    )
    rows = "".join(
        f'<tr><td>{_h(m)}</td><td class="hs-num">{_fmt(hit, percent=True)}</td>'
        f'<td class="hs-num">{_fmt(pai)}</td></tr>'
        for m, hit, pai in zip(
            table["method"], table["hit_rate_mean"], table["pai_mean"], strict=True
        )
    )
    return (
        f"<h4>{html.escape(title)}</h4><table><tr><th>{t['summary_method']}</th>"
        f"<th>{t['summary_hit_rate']}</th><th>{t['summary_pai']}</th></tr>{rows}"
        f"</table>{_backtest_svg(ctx, backtest)}"
    )


def _summary_html(
    ctx: _Ctx,
    summary: Mapping[str, Any],
    backtest: Any,
    scorecard: pd.DataFrame | None = None,
) -> str:
    """Return the summary panel: counts, blind spots, lists, backtest, all escaped.

    Every text from the summary is HTML-escaped (braces included) and scrubbed
    of phone and ID numbers; labels come from :data:`hotspots._core.labels.MAP_LABELS`.
    """
    t = {k: html.escape(v) for k, v in ctx.labels.items()}
    lang = ctx.style.language
    parts = [f"<details><summary>{t['summary']}</summary>"]
    counts = summary.get("counts") or {}
    shown = [k for k in SUMMARY_COUNTS if k in counts]
    if shown:
        parts.append(f"<h4>{t['summary_counts']}</h4><table>")
        parts += [
            f'<tr><th>{t[k]}</th><td class="hs-num">{_h(_fmt(counts[k]))}</td></tr>'
            for k in shown
        ]
        parts.append("</table>")
    # the summary lists the blind spots by rank already
    tops = list(summary.get("top_blind_spots") or [])[:SUMMARY_BLIND_SPOTS]
    if tops:
        key = next((k for k in (s.GRID_ID, s.SEGMENT_ID) if k in tops[0]), s.GRID_ID)
        units = _mask_list([str(r.get(key, "")) for r in tops], ctx)
        reasons = _mask_list(
            [str(r.get(REASON_ZH if lang == "zh" else REASON_EN, "")) for r in tops],
            ctx,
        )
        parts.append(
            f"<h4>{html.escape(ctx.labels['summary_blind_spots'].format(n=len(tops)))}"
            f"</h4><table><tr><th>{t['rank']}</th><th>{t['unit']}</th>"
            f"<th>{t['score']}</th><th>{t['reason']}</th></tr>"
        )
        parts += [
            f'<tr><td class="hs-num">{_h(_fmt(r.get("rank")))}</td><td>{_h(u)}</td>'
            f'<td class="hs-num">{_h(_fmt(r.get("score")))}</td><td>{_h(why)}</td></tr>'
            for r, u, why in zip(tops, units, reasons, strict=True)
        ]
        parts.append("</table>")
    if scorecard is not None:
        parts.append(_scorecard_summary_html(ctx, scorecard))
    if backtest is not None:
        parts.append(_backtest_html(ctx, backtest))
    parts.append("</details>")
    return "".join(parts)


# ---------------------------------------------------------------------------------
# the public functions
# ---------------------------------------------------------------------------------
def weekly_map(
    *,
    grid: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    reports: gpd.GeoDataFrame | None = None,
    gi: gpd.GeoDataFrame | None = None,
    emerging: gpd.GeoDataFrame | None = None,
    clusters: Any = None,
    blind_spots: gpd.GeoDataFrame | None = None,
    plan: Any = None,
    cube: pd.DataFrame | None = None,
    week: str | None = None,
    style: MapStyle = MapStyle(),
    m: folium.Map | None = None,
    summary: Mapping[str, Any] | None = None,
    backtest: Any = None,
    profile: HourProfile | None = None,
    scorecard: pd.DataFrame | None = None,
) -> folium.Map:
    """Draw a week's analysis as an interactive Leaflet map.

    Every layer is optional: pass ``None`` (the default) and it is not drawn.
    The map is returned, never saved; write it with :func:`save_map`.

    Parameters
    ----------
    grid
        Unit grid cells (``grid_id``, optional ``community_id``), any CRS.
        Drawn as the base with ``tiles="none"``; also gives the cells'
        locations for the time control.
    streets
        Street centerlines or segments (``name`` or ``street_name``, optional
        ``street_class``), drawn as the base with ``tiles="none"``.
    reports
        The reports to draw (usually the week's), the frame of
        :func:`hotspots.read.reports.read_reports` (optionally joined by
        :func:`hotspots.spatial.join.assign`). Drawn clustered, one layer per category,
        and as a heat map weighted by ``weight``. Only ``report_id``,
        ``category``, ``reported_at``, ``status``, ``source``, ``weight``,
        ``description`` and ``address`` are read; free text is escaped and
        scrubbed of phone and ID numbers.
    gi
        Output of :func:`hotspots.stats.local.gi_star` (``gi_z``, ``gi_p``,
        ``gi_class``): cells with a non-zero class are drawn.
    emerging
        Output of :func:`hotspots.stats.emerging.emerging_hotspots` (``pattern``,
        optional ``mk_p``, ``n_hot``): units with a pattern are drawn.
    clusters
        Output of :func:`hotspots.stats.cluster.cluster` (a ``ClusterResult``) or
        its ``clusters`` frame (``cluster_id``, ``n_reports``, ...).
    blind_spots
        Output of :func:`hotspots.ledger.blindspots.blind_spots` (``score``,
        ``rank``, ``reason_zh``, ``reason_en`` and numeric evidence columns):
        the ``style.max_blind_spots`` best-ranked units with a positive score.
    plan
        Output of :func:`hotspots.patrol.plan.plan_patrols` (``routes`` and
        ``stops``): routes by team and numbered stops.
    cube
        The space-time cube (units x weekly periods): sparklines in popups
        and the weekly counts of the time control.
    week
        The week shown (a period label of the cube such as ``"2026-W47"``);
        default the cube's last period. A week without reports (none in the
        cube's column, or ``reports`` empty) gets a visible notice, "本周无上报"
        / "No reports this week".
    style
        Tiles, language, layers and the statistical settings for the legend.
    m
        A map to draw on; a new one fitted to the data when ``None``.
    summary
        The weekly job's summary (:attr:`hotspots.pipeline.weekly.Weekly.summary`:
        ``counts``, ``top_blind_spots``, ...): when given, a collapsible panel
        (closed at opening) shows the counts read, accepted, quarantined, in
        the week and outside every grid cell, and the top five blind spots
        with their reasons.
    backtest
        A :class:`hotspots.ledger.backtest.BacktestResult`: with ``summary``, the
        panel also shows its table at 5 % coverage (method, mean hit rate,
        mean PAI) and its hit-rate and PAI curves as an inlined PNG.
    profile
        Hour-of-week profiles of the blind spots' units
        (:func:`hotspots.stats.profiles.hour_of_week_profile` with the same unit
        column): each drawn blind spot the profile has shows, in its popup,
        its peak window in words (the ledger's ``peak_window_zh`` /
        ``peak_window_en`` when present, else the densest 3 hours) and a
        7 x 24 heat table of its shares (inline SVG, Monday first, one cell
        per hour with its share as the cell's title). None (default) shows
        neither and leaves the page as it was.
    scorecard
        The on-time rate of each place's responsible unit: one row per grid
        cell (``grid_id``, drawn with the geometry of ``grid``) or street
        segment (``segment_id``, drawn with the geometry of ``streets``) a
        unit answers for, with ``unit_id``, optional ``unit_name``,
        ``on_time_rate`` and its 95 % interval ``on_time_rate_lo`` /
        ``on_time_rate_hi`` (shares in [0, 1]; NaN where no case is decided),
        ``list`` (``"red"``, ``"black"`` or ``"not distinguishable"``, as
        :func:`hotspots.accountability.scorecard.red_black_list` writes it) and
        optional ``cases``. Drawn as the layer "责任单位按期结案率" / "On-time
        rate of the responsible unit" (key ``"scorecard"``, hidden at opening
        unless ``style.show`` names it): places coloured by the rate on a
        sequential ramp (:data:`SCORECARD_BREAKS`, :data:`SCORECARD_COLORS`),
        black-listed units outlined dark, red-listed units outlined red, popups
        with the unit, the rate with its interval ("82.5%（95% 区间
        74.1%–88.9%）"), the list and the cases. With ``summary`` the panel
        lists how many units are on each list and names the red and black ones.
        None (default) leaves the page as it was, byte for byte: the layer's
        script (``hotspots_scorecard.js``) and words
        (:data:`hotspots._core.labels.MAP_SCORECARD_LABELS`) are placed in the page
        only with a scorecard.

    Returns
    -------
    folium.Map
        The map (``m`` itself when given). A new map displays offline in
        Jupyter: its inline HTML holds Leaflet and its plugins, as the file
        :func:`save_map` writes does.

    Raises
    ------
    TypeError
        When an argument has the wrong type.
    InputError
        When a frame lacks its contract columns or a CRS, ``week`` is not a
        period of ``cube``, a style value is out of range, or ``scorecard``
        lacks a column, holds a rate outside [0, 1], an unknown list, or ids
        that ``grid`` / ``streets`` do not have.

    Examples
    --------
    >>> import folium
    >>> m = weekly_map(style=MapStyle(language="en"))
    >>> isinstance(m, folium.Map)
    True
    >>> "cdn.jsdelivr.net" in m._repr_html_()  # displays offline in Jupyter
    False
    """
    if not isinstance(style, MapStyle):
        msg = f"style must be a MapStyle, got {type(style).__name__}."
        raise TypeError(msg)
    if m is not None and not isinstance(m, folium.Map):
        msg = f"m must be a folium.Map or None, got {type(m).__name__}."
        raise TypeError(msg)
    cluster_frame = getattr(clusters, "clusters", clusters)
    problems: list[str] = []
    _check_style(problems, style)
    _check_frame(problems, "cube", cube, [], geo=False)
    unit = _unit_column([gi, emerging, blind_spots, grid], cube)
    _check_frame(problems, "grid", grid, [])
    _check_frame(problems, "streets", streets, [])
    _check_frame(problems, "reports", reports, [s.CATEGORY])
    _check_frame(problems, "gi", gi, [unit, GI_Z, GI_P, GI_CLASS])
    _check_frame(problems, "emerging", emerging, [unit, PATTERN])
    _check_frame(problems, "clusters", cluster_frame, [CLUSTER_ID])
    _check_frame(problems, "blind_spots", blind_spots, [unit, SCORE, RANK])
    if profile is not None and not isinstance(profile, HourProfile):
        msg = (
            "profile must be an HourProfile (hotspots.hour_of_week_"
            f"profile) or None, got {type(profile).__name__}."
        )
        raise TypeError(msg)
    _check_summary(problems, summary, backtest)
    _check_scorecard(problems, scorecard, grid, streets)
    if plan is not None:
        if not (hasattr(plan, "routes") and hasattr(plan, "stops")):
            msg = (
                "plan must be a PatrolPlan (routes, stops) or None, "
                f"got {type(plan).__name__}."
            )
            raise TypeError(msg)
        _check_frame(problems, "plan.routes", plan.routes, [TEAM])
        _check_frame(problems, "plan.stops", plan.stops, [TEAM, ORDER])
    periods: list[str] = []
    week_index = -1
    if cube is not None:
        totals = _cube_totals(cube)
        periods = [str(c) for c in totals.columns]
        if week is None and periods:
            week = periods[-1]
        if week is not None and week not in periods:
            problems.append(
                f"week must be a period of cube, got {week!r}; the cube has "
                f"{periods[0] if periods else None!r} to "
                f"{periods[-1] if periods else None!r}. Pass one of its columns."
            )
        else:
            week_index = periods.index(week) if week is not None else -1
    elif week is not None and not isinstance(week, str):
        problems.append(
            f"week must be a period label such as '2026-W47', got {week!r}."
        )
    collect_problems(problems, "weekly_map")

    lang = style.language
    words = _labels.map_labels(lang)
    ctx = _Ctx(
        style=style,
        labels=words,
        unit=unit,
        mask=words["masked"],
        periods=periods,
        week_index=week_index,
    )
    new_map = m is None
    if m is None:
        m = _OfflineMap(
            location=[0.0, 0.0],
            zoom_start=2,
            tiles=None,
            prefer_canvas=True,
            control_scale=True,
            maxZoom=19,
            minZoom=MIN_ZOOM,
        )
        # only Leaflet: folium's jQuery/Bootstrap/awesome-markers are not used
        m.default_js = [("leaflet", LEAFLET_JS)]
        m.default_css = [("leaflet_css", LEAFLET_CSS)]
        title = style.title if style.title is not None else words["title"]
        if week is not None:
            title = f"{title} · {week}"
        figure = m.get_root()
        if isinstance(figure, Figure):
            figure.title = _h(title)
    if new_map:
        # fit the view before any layer is added: layers draw once, at the final view
        bounds = _bounds(
            [
                grid,
                streets,
                reports,
                gi,
                emerging,
                blind_spots,
                cluster_frame,
                getattr(plan, "routes", None),
                getattr(plan, "stops", None),
            ],
            style.tiles,
        )
        if bounds is not None:
            m.fit_bounds(bounds)
    if style.tiles != "none":
        url = OSM_URL if style.tiles == "osm" else AMAP_URL
        attribution = words[
            "attribution_osm" if style.tiles == "osm" else "attribution_amap"
        ]
        folium.TileLayer(
            tiles=url,
            attr=html.escape(attribution),
            name=words["tiles_osm" if style.tiles == "osm" else "tiles_amap"],
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)

    categories: list[str] = []
    payload: dict[str, str] = {}
    drawn: dict[str, bool] = {}
    report_layers: list[str] = []
    report_counts: list[int] = []
    if reports is not None and len(reports) and {"reports", "heat"} & set(style.layers):
        block, report_layers, report_counts, categories = _reports_payload(ctx, reports)
        payload["reports"] = block
        weights = (
            pd.to_numeric(reports[s.WEIGHT], errors="coerce").fillna(1.0)
            if s.WEIGHT in reports.columns
            else pd.Series(1.0, index=reports.index)
        )
        payload["heatMax"] = _json(float(max(1.0, np.quantile(weights, 0.99) * 3)))
        drawn["reports"] = "reports" in style.layers
        drawn["heat"] = "heat" in style.layers
    units_block, has, patterns_present = _units_payload(
        ctx,
        gi=gi,
        emerging=emerging,
        blind_spots=blind_spots,
        grid=grid,
        streets=streets,
        reports=reports,
        cube=cube,
        categories=categories,
        profile=profile,
    )
    payload["units"] = units_block
    drawn.update(has)
    if cluster_frame is not None and len(cluster_frame) and "clusters" in style.layers:
        payload["clusters"] = _clusters_payload(ctx, cluster_frame)
        drawn["clusters"] = True
    teams: list[str] = []
    if (
        plan is not None
        and "patrol" in style.layers
        and (len(plan.routes) or len(plan.stops))
    ):
        payload["patrol"] = _patrol_payload(ctx, plan)
        teams = [str(x) for x in pd.unique(plan.routes[TEAM].astype(str))]
        drawn["patrol"] = True
    for kind, frame in (("grid", grid), ("streets", streets)):
        if (
            style.tiles == "none"
            and frame is not None
            and len(frame)
            and kind in style.layers
        ):
            block_or_none = _base_payload(ctx, frame, kind)
            if block_or_none is not None:
                payload[kind] = block_or_none
                drawn[kind] = True
    if cube is not None and "weekly" in style.layers and periods:
        weekly = _weekly_payload(ctx, cube, [gi, emerging, blind_spots, grid, streets])
        if weekly is not None:
            payload["weekly"] = weekly
            drawn["weekly"] = True
    if scorecard is not None and "scorecard" in style.layers:
        card_block = _scorecard_payload(ctx, scorecard, grid, streets)
        if card_block is not None:
            payload["scorecard"] = card_block
            drawn["scorecard"] = True
    payload["labels"] = _json({k: html.escape(v) for k, v in words.items()})
    payload["categories"] = _json([_h(c) for c in _mask_list(categories, ctx)])
    payload["periods"] = _json([_h(p) for p in periods])
    payload["week"] = _json(week_index)
    payload["giLabels"] = _json(
        [html.escape(_labels.GI_CLASSES[k][lang]) for k in range(-3, 4)]
    )
    payload["patterns"] = _obj(
        {
            "label": _json(
                [
                    html.escape(v[lang])
                    for k, v in _labels.PATTERNS.items()
                    if k in PATTERN_COLORS
                ]
            ),
            "color": _json(list(PATTERN_COLORS.values())),
        }
    )
    payload["colors"] = _json(
        {
            "gi": [GI_COLORS[k] for k in range(-3, 4)],
            "cat": list(CATEGORY_COLORS),
            "blind": BLIND_COLOR,
            "cluster": CLUSTER_COLOR,
        }
    )

    runtime = _Runtime()
    m.add_child(runtime, name="hotspots_runtime")
    if drawn.get("scorecard"):
        m.add_child(_ScorecardRuntime(), name="hotspots_scorecard_runtime")
    data = _Data(_obj(payload))
    m.add_child(data)
    show = set(style.show)
    if (
        reports is not None
        and len(reports) > style.show_reports_max
        and "reports" in show
        and drawn.get("heat")
    ):
        show = (show - {"reports"}) | {"heat"}

    def add(
        key: str,
        factory: str,
        name: str,
        *,
        extra: str = "",
        legend_key: str = "",
        **assets: Any,
    ) -> _JsLayer:
        layer = _JsLayer(
            data,
            factory,
            key=legend_key or key,
            name=name,
            show=key in show,
            extra=extra,
            lazy=key != "weekly",
            **assets,
        )
        m.add_child(layer)
        return layer

    if drawn.get("grid"):
        add("grid", "baseLayer", words["layer_grid"], extra=', "grid"')
    if drawn.get("streets"):
        add("streets", "baseLayer", words["layer_streets"], extra=', "streets"')
    if drawn.get("heat"):
        add("heat", "heatLayer", words["layer_heat"], js=[("leaflet_heat", HEAT_JS)])
    weekly_layer = None
    if drawn.get("weekly"):
        weekly_layer = add("weekly", "weeklyLayer", words["layer_weekly"])
    if drawn.get("scorecard"):
        add(
            "scorecard",
            "scorecardLayer",
            _labels.scorecard_labels(lang)["layer_scorecard"],
        )
    if drawn.get("emerging"):
        add("emerging", "unitLayer", words["layer_emerging"], extra=', "emerging"')
    if drawn.get("gi"):
        add("gi", "unitLayer", words["layer_gi"], extra=', "gi"')
    if drawn.get("clusters"):
        add("clusters", "clusterLayer", words["layer_clusters"])
    if drawn.get("blind_spots"):
        add("blind_spots", "unitLayer", words["layer_blind_spots"], extra=', "blind"')
    if drawn.get("patrol"):
        add("patrol", "patrolLayer", words["layer_patrol"])
    if drawn.get("reports"):
        masked_names = _mask_list(report_layers, ctx)
        for i, (cat, n) in enumerate(zip(masked_names, report_counts, strict=True)):
            add(
                "reports",
                "reportLayer",
                f"{words['layer_reports']} · {_h(cat)} ({n})",
                extra=f", {i}",
                legend_key=f"reports-{i}",
                js=[("markerclusterjs", MARKERCLUSTER_JS)],
                css=[
                    ("markerclustercss", MARKERCLUSTER_CSS),
                    ("markerclusterdefaultcss", MARKERCLUSTER_DEFAULT_CSS),
                ],
            )
    if weekly_layer is not None:
        m.add_child(_TimeControl(data, weekly_layer))
    legend = _legend_html(
        ctx,
        drawn=drawn,
        patterns=patterns_present,
        report_layers=[_h(c) for c in _mask_list(report_layers, ctx)],
        teams=[_h(t) for t in teams],
    )
    m.add_child(_Control(legend, "bottomright", "hs-legend", factory="legend"))
    if new_map:
        heading = _h(style.title if style.title is not None else words["title"])
        if week is not None:
            heading += f" · {html.escape(words['week'])} {_h(week)}"
        m.add_child(_Control(heading, "topleft", "hs-title"))
        if not any(isinstance(c, folium.LayerControl) for c in m._children.values()):
            control = folium.LayerControl(collapsed=False)
            m.add_child(control)
            # on a small screen the layer list opens folded (a button)
            m.add_child(_Fold(control))
    if _week_is_empty(cube, reports, week, week_index):
        notice = words["no_reports_week"].format(week=week)
        m.add_child(_Control(_h(notice), "topleft", "hs-notice"))
    if summary is not None:
        m.add_child(_SummaryPanel(_summary_html(ctx, summary, backtest, scorecard)))
    return m


def _week_is_empty(
    cube: pd.DataFrame | None,
    reports: gpd.GeoDataFrame | None,
    week: str | None,
    week_index: int,
) -> bool:
    """Whether the week shown has no reports (by the cube, else by ``reports``)."""
    if week is None:
        return False
    if cube is not None and week_index >= 0:
        totals = _cube_totals(cube)
        column = totals.iloc[:, week_index]
        return bool(pd.to_numeric(column, errors="coerce").fillna(0).sum() == 0)
    return reports is not None and len(reports) == 0


def _mask_list(values: list[str], ctx: _Ctx) -> list[str]:
    if not values:
        return []
    return [
        str(v) for v in mask_personal(pd.Series(values, dtype="string"), mask=ctx.mask)
    ]


def _bounds(
    frames: Sequence[gpd.GeoDataFrame | None], tiles: Tiles
) -> list[list[float]] | None:
    boxes = []
    for frame in frames:
        if frame is None or not len(frame) or frame.crs is None:
            continue
        geo = (
            frame.geometry
            if frame.crs.equals(s.WGS84)
            else frame.geometry.to_crs(s.WGS84)
        )
        b = geo.total_bounds
        if np.all(np.isfinite(b)):
            boxes.append(b)
    if not boxes:
        return None
    arr = np.asarray(boxes)
    x0, y0 = arr[:, 0].min(), arr[:, 1].min()
    x1, y1 = arr[:, 2].max(), arr[:, 3].max()
    if tiles == "amap":
        (x0, x1), (y0, y1) = wgs84_to_gcj02([x0, x1], [y0, y1])
    return [
        [round(float(y0), COORD_DECIMALS), round(float(x0), COORD_DECIMALS)],
        [round(float(y1), COORD_DECIMALS), round(float(x1), COORD_DECIMALS)],
    ]


def _stable_ids(page: str, root: Element) -> str:
    """Replace the random element ids folium draws by ids in tree order.

    folium names every element ``<kind>_<32 random hex digits>``; numbering
    them in the order of the element tree makes saving the same map twice give
    the same bytes (the weekly job is idempotent).
    """
    order: dict[str, str] = {}
    stack: list[Element] = [root]
    while stack:
        el = stack.pop()
        rid = getattr(el, "_id", None)
        if isinstance(rid, str) and rid not in order:
            order[rid] = f"{len(order):032x}"
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))
    if not order:
        return page
    pattern = re.compile("|".join(re.escape(k) for k in order))
    return pattern.sub(lambda mt: order[mt.group(0)], page)


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write a map as one self-contained HTML file, atomically.

    Leaflet, its plugins and their images are inlined (no CDN link is
    left; only a tile layer, when the map has one, is fetched from the
    network). The file is written to a temporary file in the same folder and
    renamed over ``path``, so a crash never leaves a half-written map.

    Parameters
    ----------
    m
        A map from :func:`weekly_map` (or any folium map whose plugins are
        shipped: Leaflet, leaflet.markercluster, leaflet.heat).
    path
        Where to write, ending in ``.html``; the folder must exist.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        When ``m`` is not a folium map.
    InputError
        When the path does not end in ``.html`` or its folder does not exist,
        or the map links files that are not shipped.
    """
    if not isinstance(m, folium.Map):
        msg = f"m must be a folium.Map, got {type(m).__name__}."
        raise TypeError(msg)
    target = Path(path)
    problems = []
    if target.suffix.lower() not in (".html", ".htm"):
        problems.append(
            f"path must end in .html, got {str(path)!r}. "
            "Pass e.g. 'maps/2026-W47/map.html'."
        )
    if not target.parent.is_dir():
        problems.append(
            f"path's folder must exist, got {str(target.parent)!r}. Create it first "
            "(Path(...).mkdir(parents=True, exist_ok=True))."
        )
    collect_problems(problems, "save_map")
    root = m.get_root()
    page = inline_assets(_stable_ids(root.render(), root))
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(page)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
