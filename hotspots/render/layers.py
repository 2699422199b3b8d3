"""The weekly map's layers, legend and summary panel, one function per layer.

Internal to :mod:`hotspots.render`: no name here is part of the public API.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Final

import folium
import numpy as np
import pandas as pd

from .._core import labels as _labels
from .._core import schema as s
from .._core.schema import (
    REASON_EN,
    REASON_ZH,
)
from .assets import (
    HEAT_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
    MARKERCLUSTER_JS,
)
from .elements import JsLayer, MapData
from .payloads import (
    SCORECARD_RATE,
    SCORECARD_UNIT,
    MapContext,
    escape_text,
    mask_list,
    stop_label,
    unit_names,
)
from .style import (
    CATEGORY_COLORS,
    CLUSTER_COLOR,
    COUNT_BREAKS,
    COUNT_COLORS,
    GI_COLORS,
    HEAT_GRADIENT,
    LAYERS,
    PATTERN_COLORS,
    SCORECARD_BLACK,
    SCORECARD_BREAKS,
    SCORECARD_COLORS,
    SCORECARD_NO_RATE_COLOR,
    SCORECARD_RED,
    TEAM_COLORS,
)

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


def _sw(color: str, text: str, *, line: bool = False) -> str:
    """Return a legend swatch: a colour and its text."""
    shape = "height:3px;border:none;" if line else ""
    return (
        f'<div><span class="hs-sw" style="background:{color};{shape}"></span>'
        f"{text}</div>"
    )


def _section(keys: str, body: str) -> str:
    """Return a legend section, shown while one of the layers ``keys`` is on."""
    return f'<div class="hs-leg" data-layer="{keys}">{body}</div>'


def _statistics_legend(
    ctx: MapContext, drawn: Mapping[str, bool], patterns: list[str]
) -> list[str]:
    """Return the heat, Gi* and pattern sections and the statistical settings."""
    t = {k: html.escape(v) for k, v in ctx.labels.items()}
    lang = ctx.style.language
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
        parts.append(_section("heat", f"<h4>{t['layer_heat']}</h4>{bar}"))
    if drawn.get("gi"):
        body = "".join(
            _sw(GI_COLORS[k], html.escape(_labels.GI_CLASSES[k][lang]))
            for k in (3, 2, 1, -1, -2, -3)
        )
        parts.append(_section("gi", f"<h4>{t['layer_gi']}</h4>{body}"))
    if drawn.get("emerging"):
        body = "".join(
            _sw(PATTERN_COLORS[p], html.escape(_labels.PATTERNS[p][lang]))
            for p in patterns
        )
        parts.append(_section("emerging", f"<h4>{t['layer_emerging']}</h4>{body}"))
    if drawn.get("gi") or drawn.get("emerging"):
        parts.append(
            _section(
                "gi emerging", f'<div class="hs-note">{html.escape(settings)}</div>'
            )
        )
    return parts


def _overlay_legend(
    ctx: MapContext,
    drawn: Mapping[str, bool],
    report_layers: list[str],
    teams: list[str],
) -> list[str]:
    """Return the blind-spot, cluster, patrol, report and weekly-count sections."""
    t = {k: html.escape(v) for k, v in ctx.labels.items()}
    parts = []
    if drawn.get("blind_spots"):
        marker = html.escape(ctx.labels["blind_short"].format(rank=1))
        body = (
            f'<div><span class="hs-rank hs-leg-marker"><span>{marker}</span></span>'
            f"{t['rank']} 1–{ctx.style.max_blind_spots}</div>"
        )
        parts.append(
            _section("blind_spots", f"<h4>{t['layer_blind_spots']}</h4>{body}")
        )
    if drawn.get("clusters"):
        parts.append(_section("clusters", _sw(CLUSTER_COLOR, t["layer_clusters"])))
    if drawn.get("patrol"):
        body = "".join(
            f'<div><span class="hs-stop hs-leg-marker"><span style="background:'
            f'{TEAM_COLORS[i % len(TEAM_COLORS)]}">{stop_label(team, 1)}</span></span>'
            f"{t['team']} {team} · {t['stop'].replace('{order}', '1')}</div>"
            for i, team in enumerate(teams)
        )
        parts.append(_section("patrol", f"<h4>{t['layer_patrol']}</h4>{body}"))
    if drawn.get("reports"):
        keys = " ".join(f"reports-{i}" for i in range(len(report_layers)))
        parts.append(_section(keys, f"<h4>{t['layer_reports']}</h4>"))
        parts += [
            _section(
                f"reports-{i}", _sw(CATEGORY_COLORS[i % len(CATEGORY_COLORS)], name)
            )
            for i, name in enumerate(report_layers)
        ]
    if drawn.get("weekly"):
        body = "".join(
            _sw(c, f"≥ {b}") for b, c in zip(COUNT_BREAKS, COUNT_COLORS, strict=True)
        )
        parts.append(_section("weekly", f"<h4>{t['count_scale']}</h4>{body}"))
    return parts


def legend_html(
    ctx: MapContext,
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
    parts = _statistics_legend(ctx, drawn, patterns)
    parts += _overlay_legend(ctx, drawn, report_layers, teams)
    if drawn.get("scorecard"):
        parts.append(_scorecard_legend(ctx))
    return (
        f'<details class="hs-fold" open><summary>{t["legend"]}</summary>'
        + "".join(parts)
        + "</details>"
    )


def _scorecard_legend(ctx: MapContext) -> str:
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


def _scorecard_summary_html(ctx: MapContext, scorecard: pd.DataFrame) -> str:
    """Return the summary panel's red and black lists: counts and unit names."""
    words = _labels.scorecard_labels(ctx.style.language)
    w = {k: html.escape(v) for k, v in words.items()}
    units = scorecard.drop_duplicates(subset=[SCORECARD_UNIT], keep="first")
    units = units.assign(
        _shown=unit_names(words, units),
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
            shown = mask_list([str(v) for v in part["_shown"]], ctx)
            names = words["name_sep"].join(escape_text(v) for v in shown)
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


def _backtest_svg(ctx: MapContext, backtest: Any) -> str:
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
            f'<text x="{pad_l + 20}" y="{y}">{escape_text(name)}</text>'
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


def _backtest_html(ctx: MapContext, backtest: Any) -> str:
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
        f"<tr><td>{escape_text(m)}</td>"
        f'<td class="hs-num">{_fmt(hit, percent=True)}</td>'
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


def summary_html(
    ctx: MapContext,
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
            f"<tr><th>{t[k]}</th>"
            f'<td class="hs-num">{escape_text(_fmt(counts[k]))}</td></tr>'
            for k in shown
        ]
        parts.append("</table>")
    # the summary lists the blind spots by rank already
    tops = list(summary.get("top_blind_spots") or [])[:SUMMARY_BLIND_SPOTS]
    if tops:
        key = next((k for k in (s.GRID_ID, s.SEGMENT_ID) if k in tops[0]), s.GRID_ID)
        units = mask_list([str(r.get(key, "")) for r in tops], ctx)
        reasons = mask_list(
            [str(r.get(REASON_ZH if lang == "zh" else REASON_EN, "")) for r in tops],
            ctx,
        )
        parts.append(
            f"<h4>{html.escape(ctx.labels['summary_blind_spots'].format(n=len(tops)))}"
            f"</h4><table><tr><th>{t['rank']}</th><th>{t['unit']}</th>"
            f"<th>{t['score']}</th><th>{t['reason']}</th></tr>"
        )
        parts += [
            f'<tr><td class="hs-num">{escape_text(_fmt(r.get("rank")))}</td>'
            f"<td>{escape_text(u)}</td>"
            f'<td class="hs-num">{escape_text(_fmt(r.get("score")))}</td>'
            f"<td>{escape_text(why)}</td></tr>"
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
# the layers (each built in the page by a function of the runtime)
# ---------------------------------------------------------------------------------
#: The runtime's function that builds each layer and its extra argument.
LAYER_FACTORIES: Final[dict[str, tuple[str, str]]] = {
    "grid": ("baseLayer", ', "grid"'),
    "streets": ("baseLayer", ', "streets"'),
    "heat": ("heatLayer", ""),
    "weekly": ("weeklyLayer", ""),
    "scorecard": ("scorecardLayer", ""),
    "emerging": ("unitLayer", ', "emerging"'),
    "gi": ("unitLayer", ', "gi"'),
    "clusters": ("clusterLayer", ""),
    "blind_spots": ("unitLayer", ', "blind"'),
    "patrol": ("patrolLayer", ""),
}
#: The plugins a layer needs besides Leaflet: (name, url) of scripts and styles.
LAYER_JS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "heat": (("leaflet_heat", HEAT_JS),),
    "reports": (("markerclusterjs", MARKERCLUSTER_JS),),
}
REPORT_CSS: Final = (
    ("markerclustercss", MARKERCLUSTER_CSS),
    ("markerclusterdefaultcss", MARKERCLUSTER_DEFAULT_CSS),
)


def layer_name(ctx: MapContext, key: str) -> str:
    """Return a layer's name in the layer list, in the map's language."""
    if key == "scorecard":
        return _labels.scorecard_labels(ctx.style.language)["layer_scorecard"]
    return ctx.labels[f"layer_{key}"]


def add_layer(
    m: folium.Map, data: MapData, ctx: MapContext, key: str, *, show: bool
) -> JsLayer:
    """Add one layer (grid, streets, heat, weekly, scorecard, gi, ...) to ``m``."""
    factory, extra = LAYER_FACTORIES[key]
    layer = JsLayer(
        data,
        factory,
        key=key,
        name=layer_name(ctx, key),
        show=show,
        extra=extra,
        lazy=key != "weekly",
        js=LAYER_JS.get(key, ()),
    )
    m.add_child(layer)
    return layer


def add_report_layers(
    m: folium.Map,
    data: MapData,
    ctx: MapContext,
    *,
    show: bool,
    names: list[str],
    counts: list[int],
) -> None:
    """Add one clustered report layer per category, named with its count."""
    masked = mask_list(names, ctx)
    for i, (cat, n) in enumerate(zip(masked, counts, strict=True)):
        m.add_child(
            JsLayer(
                data,
                "reportLayer",
                key=f"reports-{i}",
                name=f"{ctx.labels['layer_reports']} · {escape_text(cat)} ({n})",
                show=show,
                extra=f", {i}",
                lazy=True,
                js=LAYER_JS["reports"],
                css=REPORT_CSS,
            )
        )


def add_layers(
    m: folium.Map,
    data: MapData,
    ctx: MapContext,
    *,
    drawn: Mapping[str, bool],
    show: set[str],
    report_layers: list[str],
    report_counts: list[int],
) -> JsLayer | None:
    """Add the drawn layers in drawing order; return the weekly-counts layer."""
    weekly = None
    for key in LAYERS:
        if not drawn.get(key):
            continue
        if key == "reports":
            add_report_layers(
                m,
                data,
                ctx,
                show=key in show,
                names=report_layers,
                counts=report_counts,
            )
            continue
        layer = add_layer(m, data, ctx, key, show=key in show)
        if key == "weekly":
            weekly = layer
    return weekly
