"""The weekly map's look: :class:`MapStyle`, its layers, colours and tiles.

Internal to :mod:`hotspots.render`; the public names are re-exported by
:mod:`hotspots.render.weekly_map`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import xyzservices.providers as xyz

from .._core import labels as _labels

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


HEAT_GRADIENT: Final = "linear-gradient(to right, blue, cyan, lime, yellow, red)"


#: The default style of :func:`hotspots.render.weekly_map.weekly_map`.
DEFAULT_STYLE: Final = MapStyle()
