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
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure

from .._core import labels as _labels
from .._core import schema as s
from .._core.crs import wgs84_to_gcj02
from .._core.schema import (
    CLUSTER_ID,
    GI_CLASS,
    GI_P,
    GI_Z,
    ORDER,
    PATTERN,
    RANK,
    SCORE,
    TEAM,
)
from ..errors import collect_problems
from ..stats.profiles import HourProfile
from .assets import (
    LEAFLET_CSS,
    LEAFLET_JS,
    inline_assets,
)
from .elements import (
    FoldControl,
    HtmlControl,
    MapData,
    OfflineMap,
    Runtime,
    ScorecardRuntime,
    SummaryPanel,
    TimeControl,
    stable_ids,
)
from .layers import add_layers, legend_html, summary_html
from .payloads import (
    SCORECARD_COLUMNS,
    SCORECARD_UNIT,
    MapContext,
    UnitFrames,
    as_ids,
    base_payload,
    clusters_payload,
    cube_totals,
    escape_text,
    json_object,
    mask_list,
    patrol_payload,
    reports_payload,
    scorecard_payload,
    to_json,
    units_payload,
    weekly_payload,
)
from .style import AMAP_URL as AMAP_URL
from .style import (
    BLIND_COLOR,
    CATEGORY_COLORS,
    CLUSTER_COLOR,
    COORD_DECIMALS,
    DEFAULT_STYLE,
    LAYERS,
    MIN_ZOOM,
    PATTERN_COLORS,
    SCORECARD_LISTS,
    MapStyle,
    Tiles,
)
from .style import GI_COLORS as GI_COLORS
from .style import OSM_URL as OSM_URL

if TYPE_CHECKING:
    # annotations only: importing them at run time would load scikit-learn and
    # OR-Tools with every map (about 3 s); the checks below are by shape
    from ..ledger.backtest import BacktestResult
    from ..patrol.plan import PatrolPlan
    from ..stats.cluster import ClusterResult

__all__ = ["LAYERS", "MapStyle", "save_map", "weekly_map"]


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
    if problem := _labels.language_problem(style.language, "style.language"):
        problems.append(problem)
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
    _check_scorecard_ids(problems, scorecard, grid, streets)
    if SCORECARD_UNIT in scorecard.columns and scorecard[SCORECARD_UNIT].isna().any():
        problems.append(
            f"scorecard unit_id must be given on every row, got "
            f"{int(scorecard[SCORECARD_UNIT].isna().sum())} missing. Drop the places "
            "nobody answers for (they have no rate)."
        )
    _check_scorecard_rates(problems, scorecard)
    _check_scorecard_lists(problems, scorecard)


def _check_scorecard_ids(
    problems: list[str],
    scorecard: pd.DataFrame,
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
) -> None:
    """Check the scorecard's cell and segment ids: one row each, known to the map."""
    for key, frame, arg in (
        (s.GRID_ID, grid, "grid"),
        (s.SEGMENT_ID, streets, "streets"),
    ):
        if key not in scorecard.columns:
            continue
        ids = as_ids(scorecard[key].dropna())
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
        unknown = pd.Index(ids.unique()).difference(pd.Index(as_ids(frame[key])))
        if len(unknown):
            problems.append(
                f"scorecard {key} values must be ids of {arg}, got {len(unknown)} "
                f"unknown id(s), e.g. {sorted(map(str, unknown))[:3]!r}. Pass the "
                f"{arg} the responsibility layer was built on, or drop those rows."
            )


def _check_scorecard_rates(problems: list[str], scorecard: pd.DataFrame) -> None:
    """Check the scorecard's rates: shares in [0, 1], the rate inside its interval."""
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


def _check_scorecard_lists(problems: list[str], scorecard: pd.DataFrame) -> None:
    """Check the scorecard's lists: known values, one list per unit."""
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
            per_unit = values.groupby(as_ids(scorecard[SCORECARD_UNIT])).nunique()
            split = per_unit.index[per_unit.to_numpy() > 1]
            if len(split):
                problems.append(
                    f"scorecard rows of one unit must share its list, got several "
                    f"lists for {list(split[:3])!r}. Join one red_black_list row per "
                    "unit to its places."
                )


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
    clusters: ClusterResult | gpd.GeoDataFrame | None = None,
    blind_spots: gpd.GeoDataFrame | None = None,
    plan: PatrolPlan | None = None,
    cube: pd.DataFrame | None = None,
    week: str | None = None,
    style: MapStyle = DEFAULT_STYLE,
    m: folium.Map | None = None,
    summary: Mapping[str, Any] | None = None,
    backtest: BacktestResult | None = None,
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
    args = _Inputs(
        grid=grid,
        streets=streets,
        reports=reports,
        gi=gi,
        emerging=emerging,
        clusters=clusters,
        blind_spots=blind_spots,
        plan=plan,
        cube=cube,
        week=week,
        style=style,
        m=m,
        summary=summary,
        backtest=backtest,
        profile=profile,
        scorecard=scorecard,
    )
    checked = _validate(args)
    words = _labels.map_labels(style.language)
    ctx = MapContext(
        style=style,
        labels=words,
        unit=checked.unit,
        mask=words["masked"],
        periods=checked.periods,
        week_index=checked.week_index,
    )
    new_map = m is None
    if m is None:
        m = _new_map(args, checked, words)
    if style.tiles != "none":
        _add_tiles(m, style, words)
    page = _payloads(ctx, args, checked)
    m.add_child(Runtime(), name="hotspots_runtime")
    if page.drawn.get("scorecard"):
        m.add_child(ScorecardRuntime(), name="hotspots_scorecard_runtime")
    data = MapData(json_object(page.payload))
    m.add_child(data)
    weekly_layer = add_layers(
        m,
        data,
        ctx,
        drawn=page.drawn,
        show=_shown_layers(style, reports, page.drawn),
        report_layers=page.report_layers,
        report_counts=page.report_counts,
    )
    if weekly_layer is not None:
        m.add_child(TimeControl(data, weekly_layer))
    _add_controls(m, ctx, args, checked, page, new_map=new_map)
    return m


# ---------------------------------------------------------------------------------
# the steps of weekly_map
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Inputs:
    """The arguments of :func:`weekly_map`, as the caller gave them."""

    grid: gpd.GeoDataFrame | None
    streets: gpd.GeoDataFrame | None
    reports: gpd.GeoDataFrame | None
    gi: gpd.GeoDataFrame | None
    emerging: gpd.GeoDataFrame | None
    clusters: ClusterResult | gpd.GeoDataFrame | None
    blind_spots: gpd.GeoDataFrame | None
    plan: PatrolPlan | None
    cube: pd.DataFrame | None
    week: str | None
    style: MapStyle
    m: folium.Map | None
    summary: Mapping[str, Any] | None
    backtest: BacktestResult | None
    profile: HourProfile | None
    scorecard: pd.DataFrame | None


@dataclass(frozen=True)
class _Checked:
    """What validation settled: the unit column, the weeks, the clusters frame."""

    unit: str
    periods: list[str]
    week: str | None
    week_index: int
    cluster_frame: gpd.GeoDataFrame | None


@dataclass(frozen=True)
class _Page:
    """The page's data blocks and what they let it draw."""

    payload: dict[str, str]
    drawn: dict[str, bool]
    report_layers: list[str]
    report_counts: list[int]
    patterns: list[str]
    teams: list[str]


def _validate(args: _Inputs) -> _Checked:
    """Check every argument; raise TypeError at once, InputError with every problem."""
    style = args.style
    if not isinstance(style, MapStyle):
        msg = f"style must be a MapStyle, got {type(style).__name__}."
        raise TypeError(msg)
    if args.m is not None and not isinstance(args.m, folium.Map):
        msg = f"m must be a folium.Map or None, got {type(args.m).__name__}."
        raise TypeError(msg)
    cluster_frame = getattr(args.clusters, "clusters", args.clusters)
    problems: list[str] = []
    _check_style(problems, style)
    _check_frame(problems, "cube", args.cube, [], geo=False)
    unit = _unit_column(
        [args.gi, args.emerging, args.blind_spots, args.grid], args.cube
    )
    _check_frame(problems, "grid", args.grid, [])
    _check_frame(problems, "streets", args.streets, [])
    _check_frame(problems, "reports", args.reports, [s.CATEGORY])
    _check_frame(problems, "gi", args.gi, [unit, GI_Z, GI_P, GI_CLASS])
    _check_frame(problems, "emerging", args.emerging, [unit, PATTERN])
    _check_frame(problems, "clusters", cluster_frame, [CLUSTER_ID])
    _check_frame(problems, "blind_spots", args.blind_spots, [unit, SCORE, RANK])
    if args.profile is not None and not isinstance(args.profile, HourProfile):
        msg = (
            "profile must be an HourProfile (hotspots.hour_of_week_"
            f"profile) or None, got {type(args.profile).__name__}."
        )
        raise TypeError(msg)
    _check_summary(problems, args.summary, args.backtest)
    _check_scorecard(problems, args.scorecard, args.grid, args.streets)
    _check_plan(problems, args.plan)
    periods, week, week_index = _resolve_week(problems, args.cube, args.week)
    collect_problems(problems, "weekly_map")
    return _Checked(
        unit=unit,
        periods=periods,
        week=week,
        week_index=week_index,
        cluster_frame=cluster_frame,
    )


def _check_plan(problems: list[str], plan: object) -> None:
    """Check the patrol plan: its type (raises at once) and its two frames."""
    if plan is None:
        return
    if not (hasattr(plan, "routes") and hasattr(plan, "stops")):
        msg = (
            "plan must be a PatrolPlan (routes, stops) or None, "
            f"got {type(plan).__name__}."
        )
        raise TypeError(msg)
    _check_frame(problems, "plan.routes", plan.routes, [TEAM])
    _check_frame(problems, "plan.stops", plan.stops, [TEAM, ORDER])


def _resolve_week(
    problems: list[str], cube: pd.DataFrame | None, week: str | None
) -> tuple[list[str], str | None, int]:
    """Return the cube's periods, the week shown and its column (-1: none)."""
    periods: list[str] = []
    week_index = -1
    if cube is not None:
        totals = cube_totals(cube)
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
    return periods, week, week_index


def _new_map(args: _Inputs, checked: _Checked, words: Mapping[str, str]) -> folium.Map:
    """Return a new offline map (only Leaflet), titled and fitted to the data."""
    style = args.style
    m = OfflineMap(
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
    if checked.week is not None:
        title = f"{title} · {checked.week}"
    figure = m.get_root()
    if isinstance(figure, Figure):
        figure.title = escape_text(title)
    # fit the view before any layer is added: layers draw once, at the final view
    bounds = _bounds(
        [
            args.grid,
            args.streets,
            args.reports,
            args.gi,
            args.emerging,
            args.blind_spots,
            checked.cluster_frame,
            getattr(args.plan, "routes", None),
            getattr(args.plan, "stops", None),
        ],
        style.tiles,
    )
    if bounds is not None:
        m.fit_bounds(bounds)
    return m


def _add_tiles(m: folium.Map, style: MapStyle, words: Mapping[str, str]) -> None:
    """Add the base tiles (OpenStreetMap or Amap) the style names."""
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


def _payloads(ctx: MapContext, args: _Inputs, checked: _Checked) -> _Page:
    """Build every data block of the page, in the order the page reads them."""
    style = ctx.style
    reports = args.reports
    payload: dict[str, str] = {}
    drawn: dict[str, bool] = {}
    categories: list[str] = []
    report_layers: list[str] = []
    report_counts: list[int] = []
    if reports is not None and len(reports) and {"reports", "heat"} & set(style.layers):
        block, report_layers, report_counts, categories = reports_payload(ctx, reports)
        payload["reports"] = block
        weights = (
            pd.to_numeric(reports[s.WEIGHT], errors="coerce").fillna(1.0)
            if s.WEIGHT in reports.columns
            else pd.Series(1.0, index=reports.index)
        )
        payload["heatMax"] = to_json(float(max(1.0, np.quantile(weights, 0.99) * 3)))
        drawn["reports"] = "reports" in style.layers
        drawn["heat"] = "heat" in style.layers
    frames = UnitFrames(
        gi=args.gi,
        emerging=args.emerging,
        blind_spots=args.blind_spots,
        grid=args.grid,
        streets=args.streets,
        reports=reports,
        cube=args.cube,
        profile=args.profile,
    )
    units_block, has, patterns = units_payload(ctx, frames, categories)
    payload["units"] = units_block
    drawn.update(has)
    teams = _overlay_blocks(ctx, args, checked, payload, drawn)
    payload.update(_page_words(ctx, categories))
    return _Page(
        payload=payload,
        drawn=drawn,
        report_layers=report_layers,
        report_counts=report_counts,
        patterns=patterns,
        teams=teams,
    )


def _overlay_blocks(
    ctx: MapContext,
    args: _Inputs,
    checked: _Checked,
    payload: dict[str, str],
    drawn: dict[str, bool],
) -> list[str]:
    """Add the clusters, patrol, base, weekly and scorecard blocks; return the teams."""
    style, plan, cube = ctx.style, args.plan, args.cube
    frame = checked.cluster_frame
    if frame is not None and len(frame) and "clusters" in style.layers:
        payload["clusters"] = clusters_payload(ctx, frame)
        drawn["clusters"] = True
    teams: list[str] = []
    if (
        plan is not None
        and "patrol" in style.layers
        and (len(plan.routes) or len(plan.stops))
    ):
        payload["patrol"] = patrol_payload(ctx, plan)
        teams = [str(x) for x in pd.unique(plan.routes[TEAM].astype(str))]
        drawn["patrol"] = True
    for kind, base in (("grid", args.grid), ("streets", args.streets)):
        if (
            style.tiles == "none"
            and base is not None
            and len(base)
            and kind in style.layers
        ):
            block = base_payload(ctx, base, kind)
            if block is not None:
                payload[kind] = block
                drawn[kind] = True
    if cube is not None and "weekly" in style.layers and checked.periods:
        frames = [args.gi, args.emerging, args.blind_spots, args.grid, args.streets]
        weekly = weekly_payload(ctx, cube, frames)
        if weekly is not None:
            payload["weekly"] = weekly
            drawn["weekly"] = True
    if args.scorecard is not None and "scorecard" in style.layers:
        card = scorecard_payload(ctx, args.scorecard, args.grid, args.streets)
        if card is not None:
            payload["scorecard"] = card
            drawn["scorecard"] = True
    return teams


def _page_words(ctx: MapContext, categories: list[str]) -> dict[str, str]:
    """Return the page's words, weeks and colours (labels, categories, ramps)."""
    lang = ctx.style.language
    patterns = [
        html.escape(v[lang]) for k, v in _labels.PATTERNS.items() if k in PATTERN_COLORS
    ]
    return {
        "labels": to_json({k: html.escape(v) for k, v in ctx.labels.items()}),
        "categories": to_json([escape_text(c) for c in mask_list(categories, ctx)]),
        "periods": to_json([escape_text(p) for p in ctx.periods]),
        "week": to_json(ctx.week_index),
        "giLabels": to_json(
            [html.escape(_labels.GI_CLASSES[k][lang]) for k in range(-3, 4)]
        ),
        "patterns": json_object(
            {
                "label": to_json(patterns),
                "color": to_json(list(PATTERN_COLORS.values())),
            }
        ),
        "colors": to_json(
            {
                "gi": [GI_COLORS[k] for k in range(-3, 4)],
                "cat": list(CATEGORY_COLORS),
                "blind": BLIND_COLOR,
                "cluster": CLUSTER_COLOR,
            }
        ),
    }


def _shown_layers(
    style: MapStyle, reports: gpd.GeoDataFrame | None, drawn: Mapping[str, bool]
) -> set[str]:
    """Return the layers on at opening: a big week opens on the heat map."""
    show: set[str] = set(style.show)
    if (
        reports is not None
        and len(reports) > style.show_reports_max
        and "reports" in show
        and drawn.get("heat")
    ):
        show = (show - {"reports"}) | {"heat"}
    return show


def _add_controls(
    m: folium.Map,
    ctx: MapContext,
    args: _Inputs,
    checked: _Checked,
    page: _Page,
    *,
    new_map: bool,
) -> None:
    """Add the legend, the title and layer list (new map), the notice, the summary."""
    style, words, week = ctx.style, ctx.labels, checked.week
    legend = legend_html(
        ctx,
        drawn=page.drawn,
        patterns=page.patterns,
        report_layers=[escape_text(c) for c in mask_list(page.report_layers, ctx)],
        teams=[escape_text(t) for t in page.teams],
    )
    m.add_child(HtmlControl(legend, "bottomright", "hs-legend", factory="legend"))
    if new_map:
        heading = escape_text(
            style.title if style.title is not None else words["title"]
        )
        if week is not None:
            heading += f" · {html.escape(words['week'])} {escape_text(week)}"
        m.add_child(HtmlControl(heading, "topleft", "hs-title"))
        if not any(isinstance(c, folium.LayerControl) for c in m._children.values()):
            control = folium.LayerControl(collapsed=False)
            m.add_child(control)
            # on a small screen the layer list opens folded (a button)
            m.add_child(FoldControl(control))
    if _week_is_empty(args.cube, args.reports, week, checked.week_index):
        notice = words["no_reports_week"].format(week=week)
        m.add_child(HtmlControl(escape_text(notice), "topleft", "hs-notice"))
    if args.summary is not None:
        panel = summary_html(ctx, args.summary, args.backtest, args.scorecard)
        m.add_child(SummaryPanel(panel))


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
        totals = cube_totals(cube)
        column = totals.iloc[:, week_index]
        return bool(pd.to_numeric(column, errors="coerce").fillna(0).sum() == 0)
    return reports is not None and len(reports) == 0


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
    page = inline_assets(stable_ids(root.render(), root))
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
