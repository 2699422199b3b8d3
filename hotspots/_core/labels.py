"""Every human-readable label, in Chinese and English, in one place.

Maps, ledgers and summaries take their words from here; no label strings are
scattered through the code. Look a label up with :func:`label`.
"""

from __future__ import annotations

import re
from typing import Final, Literal

Language = Literal["zh", "en"]
LANGUAGES: Final = ("zh", "en")


def language_problem(value: object, name: str = "language") -> str | None:
    """Return the problem unless ``value`` is a language of the outputs.

    The one message for a language every output-writing function checks.

    Examples
    --------
    >>> language_problem("fr")
    "language must be 'zh' or 'en', got 'fr'. Pass language='en' for English."
    """
    if isinstance(value, str) and value in LANGUAGES:
        return None
    return (
        f"{name} must be 'zh' or 'en', got {value!r}. "
        f"Pass {name.rsplit('.', 1)[-1]}='en' for English."
    )


#: Gi* confidence classes: +-3/2/1 = hot/cold at 99/95/90 %, 0 = not significant.
GI_CLASSES: Final[dict[int, dict[str, str]]] = {
    3: {"zh": "热点（99%置信）", "en": "Hot spot, 99% confidence"},
    2: {"zh": "热点（95%置信）", "en": "Hot spot, 95% confidence"},
    1: {"zh": "热点（90%置信）", "en": "Hot spot, 90% confidence"},
    0: {"zh": "不显著", "en": "Not significant"},
    -1: {"zh": "冷点（90%置信）", "en": "Cold spot, 90% confidence"},
    -2: {"zh": "冷点（95%置信）", "en": "Cold spot, 95% confidence"},
    -3: {"zh": "冷点（99%置信）", "en": "Cold spot, 99% confidence"},
}

#: The 17 emerging hot spot patterns (Esri, "How Emerging Hot Spot Analysis works").
PATTERNS: Final[dict[str, dict[str, str]]] = {
    "no_pattern": {"zh": "无模式", "en": "No pattern detected"},
    "new_hot": {"zh": "新增热点", "en": "New hot spot"},
    "consecutive_hot": {"zh": "连续热点", "en": "Consecutive hot spot"},
    "intensifying_hot": {"zh": "加剧热点", "en": "Intensifying hot spot"},
    "persistent_hot": {"zh": "持续热点", "en": "Persistent hot spot"},
    "diminishing_hot": {"zh": "减弱热点", "en": "Diminishing hot spot"},
    "sporadic_hot": {"zh": "零星热点", "en": "Sporadic hot spot"},
    "oscillating_hot": {"zh": "振荡热点", "en": "Oscillating hot spot"},
    "historical_hot": {"zh": "历史热点", "en": "Historical hot spot"},
    "new_cold": {"zh": "新增冷点", "en": "New cold spot"},
    "consecutive_cold": {"zh": "连续冷点", "en": "Consecutive cold spot"},
    "intensifying_cold": {"zh": "加剧冷点", "en": "Intensifying cold spot"},
    "persistent_cold": {"zh": "持续冷点", "en": "Persistent cold spot"},
    "diminishing_cold": {"zh": "减弱冷点", "en": "Diminishing cold spot"},
    "sporadic_cold": {"zh": "零星冷点", "en": "Sporadic cold spot"},
    "oscillating_cold": {"zh": "振荡冷点", "en": "Oscillating cold spot"},
    "historical_cold": {"zh": "历史冷点", "en": "Historical cold spot"},
}

#: Local Moran quadrants.
QUADRANTS: Final[dict[str, dict[str, str]]] = {
    "HH": {"zh": "高-高聚集", "en": "High-high cluster"},
    "LL": {"zh": "低-低聚集", "en": "Low-low cluster"},
    "HL": {"zh": "高-低异常", "en": "High-low outlier"},
    "LH": {"zh": "低-高异常", "en": "Low-high outlier"},
    "NS": {"zh": "不显著", "en": "Not significant"},
}

STATUSES: Final[dict[str, dict[str, str]]] = {
    "open": {"zh": "待处置", "en": "Open"},
    "dispatched": {"zh": "已派遣", "en": "Dispatched"},
    "resolved": {"zh": "已处置", "en": "Resolved"},
    "closed": {"zh": "已结案", "en": "Closed"},
    "reopened": {"zh": "返工/重新打开", "en": "Reopened"},
}

SOURCES: Final[dict[str, dict[str, str]]] = {
    "inspector": {"zh": "巡查员/网格员", "en": "Inspector"},
    "hotline": {"zh": "12345热线", "en": "Hotline"},
    "camera": {"zh": "视频监控", "en": "Camera"},
    "evaluation": {"zh": "测评督查", "en": "Evaluation team"},
    "other": {"zh": "其他", "en": "Other"},
}

#: Backtest result columns.
BACKTEST_COLUMNS: Final[dict[str, dict[str, str]]] = {
    "method": {"zh": "方法", "en": "method"},
    "period": {"zh": "周期", "en": "period"},
    "coverage": {"zh": "覆盖面积比例", "en": "coverage"},
    "hit_rate": {"zh": "命中率", "en": "hit rate"},
    "area_share": {"zh": "实际覆盖比例", "en": "area share"},
    "pai": {"zh": "预测精度指数PAI", "en": "PAI"},
    "n_reports": {"zh": "问题数", "en": "reports"},
    "n_units": {"zh": "单元数", "en": "units"},
    "hit_rate_mean": {"zh": "平均命中率", "en": "mean hit rate"},
    "hit_rate_std": {"zh": "命中率标准差", "en": "hit rate std"},
    "pai_mean": {"zh": "平均PAI", "en": "mean PAI"},
    "pai_std": {"zh": "PAI标准差", "en": "PAI std"},
    "area_share_mean": {"zh": "平均实际覆盖", "en": "mean area share"},
    "n_periods": {"zh": "周期数", "en": "periods"},
}
#: Forecast methods.
FORECAST_METHODS: Final[dict[str, dict[str, str]]] = {
    "last": {"zh": "上期计数", "en": "last period"},
    "moving": {"zh": "移动平均", "en": "moving mean"},
    "ewma": {"zh": "指数加权", "en": "EWMA"},
    "kde": {"zh": "核密度", "en": "kernel density"},
    "prospective": {"zh": "前瞻热点", "en": "prospective"},
    "sepp": {"zh": "自激点过程", "en": "self-exciting"},
    "blind_spots": {"zh": "盲区评分", "en": "blind-spot score"},
    "emerging": {"zh": "时空热点", "en": "emerging Gi*"},
}
#: Why a patrol target was left out of the plan.
PATROL_LEFT_OUT: Final[dict[str, dict[str, str]]] = {
    "no geometry": {"zh": "无位置信息", "en": "No geometry"},
    "too far from street": {"zh": "距道路过远", "en": "Too far from any street"},
    "unreachable": {"zh": "路网不可达", "en": "Unreachable on the street network"},
    "no time": {"zh": "班次时间不足", "en": "Not enough time in the shift"},
    "time window": {"zh": "无法在时间窗内到达", "en": "Time window cannot be met"},
    "zero score": {"zh": "得分为零", "en": "Zero score"},
}

#: The blind-spot ledger as written (``blind_spots.csv/.xlsx``): each
#: language's columns of :func:`hotspots.blind_spots`, in the order written,
#: with their headers. The two differ only in the language of the text
#: columns (``reason_zh`` / ``reason_en``, ``top_categories`` /
#: ``top_categories_en``); a share is written in percent, its header says so.
LEDGER_HEADERS: Final[dict[str, str]] = {
    "rank": "排名",
    "grid_id": "网格编码",
    "community_id": "社区编码",
    "score": "盲区得分",
    "reason_zh": "原因",
    "periods_with_reports": "近期有案件周数",
    "current_streak": "连续有案件周数",
    "pattern": "时空模式",
    "n_reports": "案件数",
    "weighted_count": "加权案件数",
    "top_categories": "主要问题类型",
    "top_category_periods": "首要问题类型出现周数",
    "top_category_streak": "首要问题类型连续周数",
    "reopened": "返工案件数",
    "comebacks": "结案后复发数",
    "comeback_share": "复发比例（%）",
    "open_now": "未结案数",
    "median_days_to_close": "结案天数中位数",
    "share_closed_late": "超期结案比例（%）",
    "outside_share": "热线与测评发现比例（%）",
    "peak_window_zh": "高发时段",
    "peak_share": "高发时段案件占比（%）",
}
#: English headers of the blind-spot ledger (``[map] language = "en"``).
LEDGER_HEADERS_EN: Final[dict[str, str]] = {
    "rank": "Rank",
    "grid_id": "Grid cell",
    "community_id": "Community",
    "score": "Blind-spot score",
    "reason_en": "Reason",
    "periods_with_reports": "Weeks with reports",
    "current_streak": "Current streak (weeks)",
    "pattern": "Pattern",
    "n_reports": "Reports",
    "weighted_count": "Weighted reports",
    "top_categories_en": "Top categories",
    "top_category_periods": "Weeks with the top category",
    "top_category_streak": "Top category streak (weeks)",
    "reopened": "Reopened",
    "comebacks": "Comebacks after closing",
    "comeback_share": "Comeback share (%)",
    "open_now": "Open now",
    "median_days_to_close": "Median days to close",
    "share_closed_late": "Closed late (%)",
    "outside_share": "Found by hotline/evaluators (%)",
    "peak_window_en": "Peak window",
    "peak_share": "Share in the peak window (%)",
}
#: Columns of the ledger written in percent (the frame holds shares 0..1).
LEDGER_PERCENT_COLUMNS: Final = (
    "comeback_share",
    "share_closed_late",
    "outside_share",
    "peak_share",
)
#: Decimals each numeric ledger column is rounded to as written (after the
#: shares are turned into percent): what a person reads.
LEDGER_DECIMALS: Final[dict[str, int]] = {
    "score": 2,
    "weighted_count": 2,
    "comeback_share": 1,
    "share_closed_late": 1,
    "outside_share": 1,
    "median_days_to_close": 1,
    "peak_share": 1,
}
#: Excel number format of each numeric ledger column (the values as written:
#: percent columns already hold percent). Counts are whole numbers.
LEDGER_FORMATS: Final[dict[str, str]] = {
    "rank": "0",
    "score": "0.00",
    "periods_with_reports": "0",
    "current_streak": "0",
    "n_reports": "0",
    "weighted_count": "General",
    "top_category_periods": "0",
    "top_category_streak": "0",
    "reopened": "0",
    "comebacks": "0",
    "comeback_share": "0.0",
    "open_now": "0",
    "median_days_to_close": "0.0",
    "share_closed_late": "0.0",
    "outside_share": "0.0",
    "peak_share": "0.0",
}
#: The ledger's sheet name in the XLSX file.
LEDGER_SHEET: Final[dict[str, str]] = {"zh": "盲区台账", "en": "Blind-spot ledger"}


def ledger_headers(language: Language = "zh") -> dict[str, str]:
    """Return the blind-spot ledger's columns and headers in one language.

    Parameters
    ----------
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    dict of str to str
        Column of :func:`hotspots.blind_spots` to its header, in the order
        written (the text columns of that language only).

    Examples
    --------
    >>> ledger_headers("en")["reason_en"]
    'Reason'
    >>> "reason_en" in ledger_headers("zh")
    False
    """
    return dict(LEDGER_HEADERS_EN if language == "en" else LEDGER_HEADERS)


_TABLES: Final[dict[str, dict[object, dict[str, str]]]] = {
    "gi_class": GI_CLASSES,  # type: ignore[dict-item]
    "pattern": PATTERNS,  # type: ignore[dict-item]
    "quadrant": QUADRANTS,  # type: ignore[dict-item]
    "status": STATUSES,  # type: ignore[dict-item]
    "source": SOURCES,  # type: ignore[dict-item]
}


def label(table: str, key: object, language: Language = "zh") -> str:
    """Return the label of ``key`` in ``table`` in the given language.

    Parameters
    ----------
    table
        One of ``"gi_class"``, ``"pattern"``, ``"quadrant"``, ``"status"``,
        ``"source"``.
    key
        The value to label, e.g. ``3`` for a 99 % hot spot or ``"new_hot"``.
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> label("pattern", "new_hot", "en")
    'New hot spot'
    """
    return _TABLES[table][key][language]


# -- the weekly map (hotspots.render.weekly_map) -------------------------------------
#: Words of the hour-of-week popups and of the stops' visit windows; shipped in
#: the page only when a map shows them (a map without profiles stays as it was).
MAP_PROFILE_LABELS: Final[dict[str, dict[str, str]]] = {
    "peak_window": {"zh": "高发时段", "en": "Peak window"},
    "hour_profile": {"zh": "一周各时段案件占比", "en": "Reports by hour of the week"},
    "window": {"zh": "到访时段", "en": "Visit window"},
}
#: Words of the scorecard layer (on-time rate of the responsible unit, red and black
#: lists) and of its summary-panel section; shipped in the page only when a map
#: draws a scorecard (a map without one stays as it was).
MAP_SCORECARD_LABELS: Final[dict[str, dict[str, str]]] = {
    "layer_scorecard": {
        "zh": "责任单位按期结案率",
        "en": "On-time rate of the responsible unit",
    },
    "unit": {"zh": "责任单位", "en": "Responsible unit"},
    "unit_named": {"zh": "{name}（{id}）", "en": "{name} ({id})"},
    "grid_id": {"zh": "网格", "en": "Grid cell"},
    "segment_id": {"zh": "路段", "en": "Street segment"},
    "rate": {"zh": "按期结案率", "en": "On-time rate"},
    "rate_interval": {
        "zh": "{rate}（95% 区间 {lo}–{hi}）",
        "en": "{rate} (95% interval {lo}–{hi})",
    },
    "no_rate": {"zh": "无可判定案件", "en": "no case decided yet"},
    "list": {"zh": "红黑榜", "en": "List"},
    "red": {"zh": "红榜", "en": "Red list"},
    "black": {"zh": "黑榜", "en": "Black list"},
    "not distinguishable": {"zh": "与目标无法区分", "en": "Not distinguishable"},
    "cases": {"zh": "案件数", "en": "Cases"},
    "legend_red": {
        "zh": "红榜（区间全部优于目标）",
        "en": "Red list (interval wholly better than the target)",
    },
    "legend_black": {
        "zh": "黑榜（区间全部差于目标）",
        "en": "Black list (interval wholly worse than the target)",
    },
    "summary_lists": {
        "zh": "红黑榜（按期结案率）",
        "en": "Red and black lists (on-time rate)",
    },
    "summary_units": {"zh": "单位数", "en": "Units"},
    "summary_names": {"zh": "单位", "en": "Units listed"},
    "name_sep": {"zh": "、", "en": ", "},
}


def scorecard_labels(language: Language = "zh") -> dict[str, str]:
    """Return the words of the weekly map's scorecard layer in one language.

    Parameters
    ----------
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    dict of str to str
        Label key to text, e.g. ``"red"`` to ``"红榜"``.

    Examples
    --------
    >>> scorecard_labels("en")["layer_scorecard"]
    'On-time rate of the responsible unit'
    """
    return {key: text[language] for key, text in MAP_SCORECARD_LABELS.items()}


#: Every word the weekly map shows: layer names, legend, popups, the time control.
MAP_LABELS: Final[dict[str, dict[str, str]]] = {
    "title": {"zh": "城市管理问题周报地图", "en": "City issues weekly map"},
    "week": {"zh": "周次", "en": "Week"},
    "tiles_osm": {"zh": "OpenStreetMap底图", "en": "OpenStreetMap"},
    "tiles_amap": {"zh": "高德地图底图", "en": "Amap"},
    "attribution_osm": {
        "zh": "© OpenStreetMap 贡献者",
        "en": "© OpenStreetMap contributors",
    },
    "attribution_amap": {"zh": "© 高德地图", "en": "© AutoNavi (Amap)"},
    "layer_grid": {"zh": "单元网格", "en": "Unit grid"},
    "layer_streets": {"zh": "道路", "en": "Streets"},
    "layer_reports": {"zh": "问题上报", "en": "Reports"},
    "layer_heat": {"zh": "问题热力图", "en": "Report heat map"},
    "layer_gi": {"zh": "冷热点分析（Gi*）", "en": "Hot and cold spots (Gi*)"},
    "layer_emerging": {"zh": "时空热点模式", "en": "Emerging hot spot patterns"},
    "layer_clusters": {"zh": "密度聚类", "en": "Density clusters"},
    "layer_blind_spots": {"zh": "反复出现的盲区", "en": "Recurring blind spots"},
    "layer_patrol": {"zh": "巡查路线", "en": "Patrol routes"},
    "layer_weekly": {"zh": "逐周问题数", "en": "Reports per week"},
    "legend": {"zh": "图例", "en": "Legend"},
    "legend_settings": {
        "zh": "显著性水平 α={alpha}，{fdr}；趋势检验 α={trend_alpha}",
        "en": "Significance α={alpha}, {fdr}; trend test α={trend_alpha}",
    },
    "fdr_on": {"zh": "经FDR校正", "en": "FDR-corrected"},
    "fdr_off": {"zh": "未做FDR校正", "en": "no FDR correction"},
    "unit": {"zh": "单元", "en": "Unit"},
    "name": {"zh": "名称", "en": "Name"},
    "street_name": {"zh": "道路", "en": "Street"},
    "community_id": {"zh": "社区", "en": "Community"},
    "subdistrict_id": {"zh": "街道", "en": "Subdistrict"},
    "gi_class": {"zh": "冷热点", "en": "Hot/cold spot"},
    "gi_z": {"zh": "Gi* z值", "en": "Gi* z-score"},
    "gi_p": {"zh": "p值", "en": "p-value"},
    "pattern": {"zh": "时空模式", "en": "Pattern"},
    "mk_p": {"zh": "趋势p值", "en": "Trend p-value"},
    "n_hot": {"zh": "热点周数", "en": "Hot weeks"},
    "rank": {"zh": "盲区排名", "en": "Blind-spot rank"},
    "score": {"zh": "盲区得分", "en": "Blind-spot score"},
    "reason": {"zh": "原因", "en": "Reason"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "top_categories": {"zh": "主要问题类型", "en": "Top categories"},
    "weekly_counts": {"zh": "逐周问题数", "en": "Reports per week"},
    "report": {"zh": "上报", "en": "Report"},
    "category": {"zh": "问题类型", "en": "Category"},
    "reported_at": {"zh": "上报时间", "en": "Reported"},
    "status": {"zh": "状态", "en": "Status"},
    "source": {"zh": "来源", "en": "Source"},
    "description": {"zh": "描述", "en": "Description"},
    "address": {"zh": "地址", "en": "Address"},
    "other_categories": {"zh": "其他类型", "en": "Other categories"},
    "cluster": {"zh": "聚类", "en": "Cluster"},
    "n_reports": {"zh": "问题数", "en": "Reports"},
    "category_mix": {"zh": "类型构成", "en": "Category mix"},
    "first_report": {"zh": "首次上报", "en": "First report"},
    "last_report": {"zh": "最近上报", "en": "Last report"},
    "n_weeks": {"zh": "出现周数", "en": "Weeks seen"},
    "team": {"zh": "巡查组", "en": "Team"},
    "stop": {"zh": "第{order}站", "en": "Stop {order}"},
    "n_stops": {"zh": "站点数", "en": "Stops"},
    "arrival": {"zh": "到达", "en": "Arrival"},
    "departure": {"zh": "离开", "en": "Departure"},
    "dwell_min": {"zh": "停留", "en": "Dwell"},
    "duration_min": {"zh": "用时", "en": "Duration"},
    "distance_m": {"zh": "距离", "en": "Distance"},
    "target": {"zh": "目标", "en": "Target"},
    "total": {"zh": "合计", "en": "Total"},
    "count_scale": {"zh": "每格问题数", "en": "Reports per cell"},
    "play": {"zh": "播放", "en": "Play"},
    "pause": {"zh": "暂停", "en": "Pause"},
    "masked": {"zh": "〔已隐藏〕", "en": "[hidden]"},
    "blind_spot": {"zh": "盲区", "en": "Blind spot"},
    # blind-spot evidence columns (hotspots.ledger.blindspots)
    "periods_with_reports": {
        "zh": "近期有上报的周数（任意类型）",
        "en": "Weeks with reports in the window (any category)",
    },
    "current_streak": {
        "zh": "连续有上报周数（任意类型）",
        "en": "Weeks in a row with reports (any category)",
    },
    "reopened": {"zh": "返工次数", "en": "Reopened"},
    "comebacks": {"zh": "结案后复发次数", "en": "Comebacks after closing"},
    "comeback_share": {"zh": "复发比例", "en": "Comeback share"},
    "open_now": {"zh": "未结案数", "en": "Open now"},
    "median_days_to_close": {"zh": "结案天数中位数", "en": "Median days to close"},
    "share_closed_late": {"zh": "超期结案比例", "en": "Share closed late"},
    "outside_share": {
        "zh": "热线与测评发现比例",
        "en": "Share found by hotline/evaluators",
    },
    "weighted_count": {"zh": "加权问题数", "en": "Weighted reports"},
    "top_category": {"zh": "首要问题类型", "en": "Top category"},
    "top_category_periods": {
        "zh": "首要问题类型出现周数",
        "en": "Weeks with the top category",
    },
    "top_category_streak": {
        "zh": "首要问题类型连续周数",
        "en": "Top category streak (weeks)",
    },
    # units of the numbers shown in popups
    "unit_days": {"zh": "{n} 天", "en": "{n} days"},
    "unit_minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "unit_metres": {"zh": "{n} 米", "en": "{n} m"},
    "minute_n": {"zh": "第{n}分钟", "en": "minute {n}"},
    # marker labels: blind-spot rank and patrol stop
    "blind_short": {"zh": "盲{rank}", "en": "#{rank}"},
    "no_reports_week": {
        "zh": "本周无上报：{week} 没有任何问题上报",
        "en": "No reports this week: nothing was reported in {week}",
    },
    "heat_low": {"zh": "少", "en": "fewer"},
    "heat_high": {"zh": "多", "en": "more"},
    # the summary panel (weekly job's summary and backtest)
    "summary": {"zh": "本周概要", "en": "Weekly summary"},
    "summary_counts": {"zh": "数据情况", "en": "Data"},
    "rows_read": {"zh": "读取行数", "en": "Rows read"},
    "accepted": {"zh": "有效上报", "en": "Accepted"},
    "quarantined": {"zh": "隔离待核查", "en": "Quarantined"},
    "reports_in_week": {"zh": "本周问题数", "en": "Reports in the week"},
    "unassigned_grid": {"zh": "未落入网格", "en": "Outside every grid cell"},
    "summary_blind_spots": {"zh": "前{n}个盲区", "en": "Top {n} blind spots"},
    "summary_backtest_area": {
        "zh": "预测回测（覆盖{coverage}%面积）",
        "en": "Forecast backtest ({coverage} % of the area covered)",
    },
    "summary_backtest_length": {
        "zh": "预测回测（覆盖{coverage}%道路长度）",
        "en": "Forecast backtest ({coverage} % of the street length covered)",
    },
    "summary_method": {"zh": "方法", "en": "Method"},
    "summary_hit_rate": {"zh": "平均命中率", "en": "Mean hit rate"},
    "summary_pai": {"zh": "平均PAI", "en": "Mean PAI"},
    "summary_pai_curve": {
        "zh": "命中率与PAI曲线",
        "en": "Hit rate and PAI curves",
    },
    "chart_hit_rate": {"zh": "命中率（%）", "en": "Hit rate (%)"},
    "chart_pai": {"zh": "预测精度指数PAI", "en": "PAI"},
    "chart_x_area": {"zh": "覆盖面积比例（%）", "en": "share of area covered (%)"},
    "chart_x_length": {
        "zh": "覆盖道路长度比例（%）",
        "en": "share of street length covered (%)",
    },
}


def map_labels(language: Language = "zh") -> dict[str, str]:
    """Return every weekly-map label in one language.

    Parameters
    ----------
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    dict of str to str
        Label key to text, e.g. ``"layer_gi"`` to ``"冷热点分析（Gi*）"``.

    Examples
    --------
    >>> map_labels("en")["layer_heat"]
    'Report heat map'
    """
    return {key: text[language] for key, text in MAP_LABELS.items()}


# -- the patrol plan's files (hotspots.patrol.plan.PatrolPlan) ---------------
#: Headers of the patrol schedule (``patrol_plan.csv`` and its first sheet), by
#: column; durations and distances say their unit.
PATROL_SCHEDULE_HEADERS: Final[dict[str, dict[str, str]]] = {
    "team": {"zh": "队伍", "en": "Team"},
    "order": {"zh": "顺序", "en": "Stop"},
    "target_id": {"zh": "目标编号", "en": "Target"},
    "visit": {"zh": "到访次数", "en": "Visit"},
    "arrival": {"zh": "到达时间", "en": "Arrival"},
    "departure": {"zh": "离开时间", "en": "Departure"},
    "dwell_min": {"zh": "停留(分钟)", "en": "Dwell (min)"},
    "score": {"zh": "得分", "en": "Score"},
    "reason": {"zh": "原因", "en": "Reason"},
    "lon": {"zh": "经度", "en": "Longitude"},
    "lat": {"zh": "纬度", "en": "Latitude"},
}
#: Headers of the route summary (one row per team).
PATROL_ROUTE_HEADERS: Final[dict[str, dict[str, str]]] = {
    "team": {"zh": "队伍", "en": "Team"},
    "n_stops": {"zh": "停靠点数", "en": "Stops"},
    "total_score": {"zh": "总得分", "en": "Total score"},
    "duration_min": {"zh": "用时(分钟)", "en": "Duration (min)"},
    "distance_m": {"zh": "距离(米)", "en": "Distance (m)"},
}
#: Headers of the targets left out of the plan.
PATROL_LEFT_OUT_HEADERS: Final[dict[str, dict[str, str]]] = {
    "target_id": {"zh": "目标编号", "en": "Target"},
    "visit": {"zh": "到访次数", "en": "Visit"},
    "score": {"zh": "得分", "en": "Score"},
    "reason": {"zh": "未安排原因", "en": "Why left out"},
}
#: Sheet names of ``patrol_plan.xlsx``.
PATROL_SHEETS: Final[dict[str, dict[str, str]]] = {
    "schedule": {"zh": "巡查计划", "en": "Patrol plan"},
    "routes": {"zh": "路线汇总", "en": "Routes"},
    "left_out": {"zh": "未安排目标", "en": "Left out"},
}
#: Decimals of the patrol tables' numbers as written.
PATROL_DECIMALS: Final[dict[str, int]] = {
    "dwell_min": 1,
    "score": 2,
    "total_score": 2,
    "duration_min": 1,
    "distance_m": 0,
    "travel_min": 1,
    "arrival": 1,
    "departure": 1,
    "lon": 6,
    "lat": 6,
}
#: Excel number formats of the patrol tables' numeric columns.
PATROL_FORMATS: Final[dict[str, str]] = {
    "team": "0",
    "order": "0",
    "visit": "0",
    "n_stops": "0",
    "dwell_min": "0.0",
    "score": "0.00",
    "total_score": "0.00",
    "duration_min": "0.0",
    "distance_m": "#,##0",
    "lon": "0.000000",
    "lat": "0.000000",
}
#: Names and descriptions of stops and routes in the GPX and GeoJSON files.
PATROL_TEXT: Final[dict[str, dict[str, str]]] = {
    "track": {"zh": "巡查组 {team}", "en": "Team {team}"},
    "stop": {
        "zh": "巡查组{team} 第{order}站 {target}",
        "en": "Team {team} stop {order}: {target}",
    },
    "separator": {"zh": "；", "en": "; "},
    "stop_times": {
        "zh": "到达 {arrival}，离开 {departure}（停留 {dwell} 分钟）",
        "en": "arrive {arrival}, leave {departure} ({dwell} min on site)",
    },
    "route": {
        "zh": "{stops} 站，用时 {duration} 分钟，距离 {distance} 米",
        "en": "{stops} stops, {duration} min, {distance} m",
    },
}


def patrol_headers(table: str, language: Language = "zh") -> dict[str, str]:
    """Return the columns and headers of one patrol-plan table in one language.

    Parameters
    ----------
    table
        ``"schedule"``, ``"routes"`` or ``"left_out"``.
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    dict of str to str
        Column of the table to its header, in the order written.

    Examples
    --------
    >>> patrol_headers("routes", "en")["duration_min"]
    'Duration (min)'
    """
    tables = {
        "schedule": PATROL_SCHEDULE_HEADERS,
        "routes": PATROL_ROUTE_HEADERS,
        "left_out": PATROL_LEFT_OUT_HEADERS,
    }
    return {col: names[language] for col, names in tables[table].items()}


# -- quarantined rows (``rejected.csv``) ----------------------------------------------
#: Headers of the canonical columns of the quarantined rows; the export's own
#: columns keep the headers they were read with.
REJECTED_HEADERS: Final[dict[str, dict[str, str]]] = {
    "source_file": {"zh": "来源文件", "en": "Source file"},
    "batch_id": {"zh": "导入批次", "en": "Import batch"},
    "row_number": {"zh": "行号", "en": "Row"},
    "reason": {"zh": "隔离原因", "en": "Reason"},
    "report_id": {"zh": "工单编号", "en": "Report ID"},
    "reported_at": {"zh": "上报时间", "en": "Reported at"},
    "category": {"zh": "问题类型", "en": "Category"},
    "category_code": {"zh": "问题编码", "en": "Category code"},
    "category_major": {"zh": "问题大类", "en": "Major category"},
    "status": {"zh": "案件状态", "en": "Status"},
    "closed_at": {"zh": "结案时间", "en": "Closed at"},
    "source": {"zh": "案件来源", "en": "Source"},
    "weight": {"zh": "权重", "en": "Weight"},
    "description": {"zh": "问题描述", "en": "Description"},
    "address": {"zh": "地址", "en": "Address"},
    "reopen_count": {"zh": "返工次数", "en": "Reopen count"},
    "lon": {"zh": "经度", "en": "Longitude"},
    "lat": {"zh": "纬度", "en": "Latitude"},
}
#: Field names inside quarantine reasons (the ``field`` part of a pattern).
REASON_FIELDS: Final[dict[str, str]] = {
    "reported_at": "上报时间",
    "closed_at": "结案时间",
    "updated_datetime": "更新时间",
}
_VALUE: Final = r"(?P<value>.+)"
_FIELD: Final = r"(?P<field>reported_at|closed_at|updated_datetime)"
#: Every reason :func:`hotspots.read_reports` quarantines a row for, as a
#: regular expression over its English text, with its Chinese text. Named
#: parts (line numbers, counts, the values as read) are kept as written; a
#: ``field`` part is translated through :data:`REASON_FIELDS`. The first
#: pattern that matches the whole reason wins.
QUARANTINE_REASONS: Final[tuple[tuple[str, str], ...]] = (
    (
        r"malformed line (?P<line>\d+): expected (?P<n>\d+) fields, got (?P<m>\d+)"
        r" \(extra: (?P<extra>.*)\)",
        "第{line}行格式错误：应有{n}个字段，实有{m}个（多出：{extra}）",
    ),
    (
        r"malformed line (?P<line>\d+): expected (?P<n>\d+) fields, got (?P<m>\d+)",
        "第{line}行格式错误：应有{n}个字段，实有{m}个",
    ),
    (r"missing report_id", "缺少工单编号"),
    (
        r"duplicate report_id (?P<value>.+) \(first in row (?P<row>\d+)\)",
        "工单编号重复：{value}（首次出现在第{row}行）",
    ),
    (r"missing reported_at", "缺少上报时间"),
    (rf"unparseable {_FIELD} {_VALUE}", "{field}无法识别为时间：{value}"),
    (
        rf"time out of range \(plausible: (?P<first>\S+) to (?P<last>\S+)\): "
        rf"{_FIELD} {_VALUE}",
        "{field}超出合理范围（{first}至{last}）：{value}",
    ),
    (
        rf"time out of range \(a leap second, :60\): {_FIELD} {_VALUE}",
        "{field}超出范围（闰秒 :60）：{value}",
    ),
    (
        rf"void report \(not a problem on the street\), status {_VALUE}",
        "无效上报（非街面问题），状态：{value}",
    ),
    (rf"unknown status {_VALUE}", "未知的案件状态：{value}"),
    (r"closed_at before reported_at", "结案时间早于上报时间"),
    (rf"unknown source {_VALUE}", "未知的案件来源：{value}"),
    (rf"weight must be a number >= 0, got {_VALUE}", "权重应为不小于0的数：{value}"),
    (
        rf"reopen_count must be a whole number >= 0, got {_VALUE}",
        "返工次数应为不小于0的整数：{value}",
    ),
    (
        rf"empty category \(no name, and the code is not in the code table\): "
        rf"{_VALUE}",
        "问题类型为空（无名称，且编码不在编码表中）：{value}",
    ),
    (r"empty category", "问题类型为空"),
    (r"missing coordinates", "缺少坐标"),
    (rf"non-numeric longitude {_VALUE}", "经度不是数字：{value}"),
    (rf"non-numeric latitude {_VALUE}", "纬度不是数字：{value}"),
    (rf"geometry is not a Point: {_VALUE}", "几何类型不是点：{value}"),
    (rf"longitude and latitude look swapped {_VALUE}", "经纬度疑似颠倒：{value}"),
    (rf"coordinates out of range {_VALUE}", "坐标超出范围：{value}"),
)
_COMPILED_REASONS: Final = tuple(
    (re.compile(pattern, re.DOTALL), text) for pattern, text in QUARANTINE_REASONS
)


def quarantine_reason(reason: str, language: Language = "zh") -> str:
    """Return a quarantine reason of :func:`hotspots.read_reports` in a language.

    A reason joins the row's problems with ``"; "``; each is translated by
    the first pattern of :data:`QUARANTINE_REASONS` it matches whole, its
    variable parts (line numbers, values as read) kept as written. A part no
    pattern matches is kept as it is, so nothing is lost.

    Parameters
    ----------
    reason
        The reason as the reader wrote it (English).
    language
        ``"zh"`` (default) translates; ``"en"`` returns ``reason`` unchanged.

    Returns
    -------
    str
        The reason in ``language``.

    Examples
    --------
    >>> quarantine_reason("unparseable reported_at 'tomorrow'; missing coordinates")
    "上报时间无法识别为时间：'tomorrow'; 缺少坐标"
    >>> quarantine_reason("duplicate report_id 'A1' (first in row 3)")
    "工单编号重复：'A1'（首次出现在第3行）"
    """
    if language == "en":
        return reason
    return "; ".join(_reason_part(part) for part in reason.split("; "))


def _reason_part(part: str) -> str:
    for pattern, text in _COMPILED_REASONS:
        found = pattern.fullmatch(part)
        if found is not None:
            parts = found.groupdict()
            if "field" in parts:
                parts["field"] = REASON_FIELDS[parts["field"]]
            return text.format(**parts)
    return part


# -- notices of the weekly job and the library (CLI stderr, summary.txt) --------------
_N: Final = r"(?P<n>\d[\d,]*)"
_WEEK: Final = r"(?P<week>\S+)"
#: Every notice the weekly job (:class:`hotspots.pipeline.weekly.Weekly`) gives and
#: every data warning of the library, as a regular expression over its English
#: text, with its Chinese text. Named parts (counts, file names, week labels,
#: CRS names, TOML keys) are kept as written; a part named in
#: :data:`NOTICE_PARTS` is split and translated piece by piece. The first
#: pattern that matches the whole notice wins.
NOTICES: Final[tuple[tuple[str, str], ...]] = (
    (
        rf"no week given: analysing {_WEEK}, the last complete week with reports "
        r"\((?P<why>.+)\); pass --week \(week=\.\.\.\) for another\.",
        "未指定周：分析{week}，即有上报的最后一个完整周（{why}）；"
        "分析其他周请用 --week（week=...）。",
    ),
    (
        r"no \[boundaries\] streets in the config: the street join, the street "
        r"layer and the patrol plan are skipped; add streets = \"<street "
        r"centrelines file>\" under \[boundaries\] to get them\.",
        "配置中没有 [boundaries] streets：跳过街道关联、街道图层和巡查计划；"
        '如需这些，请在 [boundaries] 下添加 streets = "<街道中心线文件>"。',
    ),
    (
        r"the streets layer is in (?P<a>.+) and the grid in (?P<b>.+): the streets "
        r"were reprojected to (?P=b)\. Save both in one CRS to skip this step\.",
        "街道图层的坐标系是{a}，网格是{b}：街道已重投影到{b}。"
        "两者存为同一坐标系即可省去这一步。",
    ),
    (
        rf"{_WEEK} has no reports: its map and summary show 0 reports this week\. "
        r"Check the week \(--week\) and the exports' dates\.",
        "{week}没有上报：本周地图和摘要显示 0 条上报。请检查所选周（--week）"
        "和导出文件的日期。",
    ),
    (
        r"\[patrol\] enabled = true needs the street network: add streets = "
        r"\"<street centrelines file>\" under \[boundaries\], or set \[patrol\] "
        r"enabled = false\. No patrol plan this week\.",
        "[patrol] enabled = true 需要街道网络：请在 [boundaries] 下添加 "
        'streets = "<街道中心线文件>"，或设置 [patrol] enabled = false。'
        "本周没有巡查计划。",
    ),
    (
        r"backtest skipped: \[analysis\] backtest_weeks = (?P<weeks>\d+) forecasts "
        r"(?P<first>\S+)\.\.(?P<week>\S+), each from the weeks before it, but "
        r"(?P<why>.+?); (?P<fix>.+)\. Everything else is written\.",
        "跳过回测：[analysis] backtest_weeks = {weeks} 要预测 {first}..{week}"
        "（每周都用其之前的周），但{why}；{fix}。其他结果均已写出。",
    ),
    (
        r"no \[deadlines\] limits: the example time limits \(not an official "
        r"standard\) are used; set your city's under \[deadlines\.limits\]\.",
        "没有 [deadlines] limits：使用示例处置时限（并非官方标准）；"
        "请在 [deadlines.limits] 下设置本市的时限。",
    ),
    (
        r"\[scorecard\] levels: the cases have no (?P<level>.+) \(configure the "
        r"layer that gives it, e\.g\. \[boundaries\] areas\); level skipped\.",
        "[scorecard] levels：案件没有 {level}（请配置提供它的图层，"
        "例如 [boundaries] areas）；跳过该层级。",
    ),
    (
        rf"{_N} of (?P<m>\d+) cases have no responsible unit \(no frontage, place, "
        r"segment, street section or grid keeper covers them\); they are kept "
        r"with NA unit_id\. Extend the duties layer\.",
        "{m}件案件中有{n}件没有责任单位（没有门前、场所、路段、街段或网格责任人"
        "覆盖）；保留并将 unit_id 置空。请扩充责任图层。",
    ),
    (
        rf"{_N} cases have a category without a time limit \((?P<categories>.+)\); "
        r"they get no due time\. Add the categories to the limits\.",
        "{n}件案件的问题类型没有处置时限（{categories}）；它们没有到期时间。"
        "请把这些类型加入时限表。",
    ),
    (
        r"the working-day calendar does not cover (?P<years>.+): Monday to "
        r"Friday are counted as working days there, without holidays or 调休\. "
        r"Upgrade chinese-calendar once the year's notice is out\.",
        "工作日历未覆盖 {years}：这些年份按周一至周五计工作日，不含节假日和调休。"
        "当年放假通知发布后请升级 chinese-calendar。",
    ),
    (
        r"(?P<parts>.+)\. They are kept with NA ids \(reports outside every cell "
        r"or area, or farther than max_street_distance_m=(?P<d>\S+) m from every "
        r"street\)\.",
        "{parts}。这些上报保留，编号置空（位于所有网格或区域之外，"
        "或距所有街道超过 max_street_distance_m={d} m）。",
    ),
    (
        r"(?P<parts>.+)\. They are kept with NA ids \(reports outside every cell "
        r"or area, or farther than street_distance_m = (?P<d>\S+) m under "
        r"\[analysis\] from every street\)\.",
        "{parts}。这些上报保留，编号置空（位于所有网格或区域之外，"
        "或距所有街道超过 [analysis] street_distance_m = {d} m）。",
    ),
    (
        rf"{_N} of (?P<m>\d+) reports are left out of the blind-spot ledger: "
        r"(?P<unit_na>\d+) with no unit or a unit not in units\[(?P<unit>.+)\], "
        r"(?P<no_time>\d+) with no time\.",
        "{m}条上报中有{n}条未计入盲区台账：{unit_na}条没有单位或单位不在 "
        "units[{unit}] 中，{no_time}条没有时间。",
    ),
    (
        rf"{_N} of (?P<m>\d+) reports were not counted in the cube "
        r"\((?P<cube>.+)\)\. Reports without a unit lie outside every (?P<unit>.+) "
        r"unit; widen start/end to count reports outside the periods\.",
        "{m}条上报中有{n}条未计入时空立方体（{cube}）。没有单位的上报位于所有 "
        "{unit} 单位之外；放宽 start/end 可计入时段之外的上报。",
    ),
    (
        r"fast_hdbscan is not installed; using scikit-learn's HDBSCAN, which is "
        r"slow beyond a few tens of thousands of reports\. Install it with: "
        r"pip install 'hotspots\[cluster\]'\.",
        "未安装 fast_hdbscan；改用 scikit-learn 的 HDBSCAN，上报超过几万条时较慢。"
        "安装方法：pip install 'hotspots[cluster]'。",
    ),
    (
        r"emerging_hotspots: no unit has a report in the analysed periods; every "
        r"unit gets 'no_pattern'\.",
        "emerging_hotspots：分析时段内没有任何单位有上报；所有单位均为"
        "“no_pattern”（无模式）。",
    ),
    (
        rf"some of the {_N} reports cannot be used by every forecasting method: "
        r"(?P<forecast>.+)\. Count methods need a unit, spatial ones a point; "
        r"join the reports with hotspots\.assign\(\.\.\.\) and check their "
        r"coordinates\.",
        "{n}条上报中有部分不能用于所有预测方法：{forecast}。计数方法需要单位，"
        "空间方法需要点位；请用 hotspots.assign(...) 关联上报并检查坐标。",
    ),
    (
        r"the self-exciting model \(sepp\) would hold up to about (?P<pairs>\S+) "
        r"candidate pairs of reports within (?P<m>\S+) m and (?P<days>\S+) days, "
        r"more than max_pairs=(?P<max>\S+): it is fitted with (?P<rate>\S+) of "
        rf"the {_N} reports as children \(all as parents\), an estimate that "
        r"keeps memory bounded\. Pass a larger max_pairs \(about 28 bytes each\) "
        r"for the exact fit\.",
        "自激发模型（sepp）在 {m} m、{days} 天内最多约有 {pairs} 对候选上报，"
        "超过 max_pairs={max}：以 {n} 条上报中的 {rate} 作为子事件（全部作为"
        "父事件）拟合，这是限制内存的估计。传入更大的 max_pairs（每对约 28 字节）"
        "可得精确拟合。",
    ),
    (
        rf"{_N} street segments have no 'oneway' value; they are treated as "
        r"two-way\.",
        "{n}条街道路段没有“oneway”值；按双向处理。",
    ),
    (
        rf"{_N} of (?P<m>\d+) targets cannot be visited: (?P<nogeo>\d+) without "
        r"geometry, (?P<far>\d+) farther than the snapping distance from any "
        r"street, (?P<unreach>\d+) unreachable from every depot \(disconnected "
        r"street network\)\. They are in plan\.left_out with the reason\.",
        "{m}个目标中有{n}个无法到达：{nogeo}个没有几何，{far}个距所有街道超过"
        "吸附距离，{unreach}个从所有出发点均不可达（街道网络不连通）。"
        "它们连同原因列在 plan.left_out 中。",
    ),
    (
        r"shift_minutes=(?P<shift>\S+) is too short for any visit: no target can "
        r"be reached, visited for (?P<dwell>\S+) minutes and left in time to "
        r"return to a depot\. Every target is left out\.",
        "shift_minutes={shift} 太短，无法完成任何巡查：没有目标能在到达、停留 "
        "{dwell} 分钟后及时返回出发点。所有目标均被排除。",
    ),
    (
        r"(?P<n>\d+) row\(s\) of (?P<what>.+) have no geometry and are not drawn\.",
        "{what}中有{n}行没有几何，不绘制。",
    ),
    (
        r"The map is shown with links to the internet: (?P<err>.+)",
        "地图通过互联网链接显示：{err}",
    ),
    (
        rf"{_N} of (?P<m>\d+) units have no neighbour under kind=(?P<kind>\S+) "
        r"\(islands: (?P<islands>.+)\); they are kept and listed in "
        r"SpatialWeights\.islands\.",
        "{m}个单位中有{n}个在 kind={kind} 下没有相邻单位（孤岛：{islands}）；"
        "保留并列于 SpatialWeights.islands。",
    ),
    (
        r"(?P<layer>grid|streets|areas|places) layer: (?P<repairs>.+)",
        "{layer}图层：{repairs}",
    ),
)
#: Named parts of :data:`NOTICES` that hold a list: the separator they are
#: joined with and the patterns of their pieces (a piece no pattern matches
#: is kept as written).
NOTICE_PARTS: Final[dict[str, tuple[str, tuple[tuple[str, str], ...]]]] = {
    "why": (
        "; ",
        (
            (r"no report has a time", "没有上报带有时间"),
            (
                r"the last report was filed (?P<at>.+)",
                "最后一条上报的时间是 {at}",
            ),
            (r"there are no reports in the grid up to it", "此前网格内没有上报"),
            (r"the first report is in (?P<week>\S+)", "第一条上报在{week}"),
        ),
    ),
    "fix": (
        "; ",
        (
            (r"analyse a week with reports", "请分析有上报的周"),
            (
                r"set \[analysis\] backtest_weeks to (?P<n>\d+) or less, or "
                r"analyse a later week",
                "请把 [analysis] backtest_weeks 设为 {n} 或更小，或分析更晚的周",
            ),
            (r"analyse a later week", "请分析更晚的周"),
        ),
    ),
    "parts": (
        "; ",
        (
            (
                r"(?P<v>\d+) of (?P<n>\d+) reports have no coordinates",
                "{n}条上报中有{v}条没有坐标",
            ),
            (
                r"(?P<v>\d+) of (?P<n>\d+) reports have no (?P<column>\w+)",
                "{n}条上报中有{v}条没有 {column}",
            ),
        ),
    ),
    "cube": (
        ", ",
        (
            (r"no unit: (?P<v>\d+)", "没有单位：{v}"),
            (r"unit not in units: (?P<v>\d+)", "单位不在单位表中：{v}"),
            (r"no time: (?P<v>\d+)", "没有时间：{v}"),
            (r"no category: (?P<v>\d+)", "没有问题类型：{v}"),
            (r"outside start/end: (?P<v>\d+)", "在 start/end 之外：{v}"),
        ),
    ),
    "layer": (
        "; ",
        (
            (r"grid", "网格"),
            (r"streets", "街道"),
            (r"areas", "区划"),
            (r"places", "重点场所"),
        ),
    ),
    "repairs": (
        "; ",
        (
            (r"the source had no CRS", "源数据没有坐标系"),
            (r"set to (?P<crs>.+)", "已设为 {crs}"),
            (
                r"(?P<n>\d+) invalid geometries repaired with shapely\.make_valid "
                r"\((?P<ids>.+)",
                "{n}个无效几何已用 shapely.make_valid 修复（{ids}",
            ),
            (r"e\.g\. (?P<why>.+)\)", "例如 {why}）"),
            (
                r"column '(?P<col>\w+)' added: no street names",
                "已添加列 '{col}'：无街道名称",
            ),
            (
                r"column '(?P<col>\w+)' added: no street classes",
                "已添加列 '{col}'：无道路等级",
            ),
            (
                r"column '(?P<col>\w+)' added: no oneway flags \(all two-way\)",
                "已添加列 '{col}'：无单行标记（均按双向）",
            ),
            (
                r"column '(?P<col>\w+)' added: no place names",
                "已添加列 '{col}'：无场所名称",
            ),
            (r"column '(?P<col>\w+)' added: (?P<what>.+)", "已添加列 '{col}'：{what}"),
            (
                r"(?P<n>\d+) areas stick out of their parent by more than 1 m² and "
                r"0\.1 % \(total (?P<a>[\d.]+) m²: (?P<ids>.+)\)",
                "{n}个区划超出其上级区划 1 平方米且 0.1% 以上（共 {a} 平方米：{ids}）",
            ),
            (
                r"reports there get the ids of the finest area containing them",
                "落在那里的上报取包含它的最细一级区划编码",
            ),
            (
                r"(?P<n>\d+) streets have a street_class outside (?P<known>.+) "
                r"\((?P<ids>.+)\)",
                "{n}条街道的 street_class 不在 {known} 之中（{ids}）",
            ),
            (
                r"(?P<n>\d+) places have a kind outside (?P<known>.+) \((?P<ids>.+)\)",
                "{n}个场所的类型不在 {known} 之中（{ids}）",
            ),
            (
                r"(?P<n>\d+) gaps enclosed by the grid that no cell covers "
                r"\(total (?P<a>[\d.]+) m²\)",
                "网格内有{n}处空隙没有单元覆盖（共 {a} 平方米）",
            ),
            (r"reports there get no grid_id", "落在那里的上报没有 grid_id"),
            (
                r"(?P<n>\d+) pairs of (?:cells|areas) overlap \(total (?P<a>[\d.]+) "
                r"m², largest (?P<b>[\d.]+) m² between (?P<x>.+) and (?P<y>.+)\)",
                "{n}对单元相互重叠（共 {a} 平方米，最大 {b} 平方米，"
                "在 {x} 与 {y} 之间）",
            ),
            (
                r"a report in an overlap gets the first of them in row order",
                "落在重叠处的上报取行序在前者",
            ),
        ),
    ),
    "forecast": (
        ", ",
        (
            (r"(?P<v>\d+) with no time", "{v}条没有时间"),
            (
                r"(?P<v>\d+) with no unit in units\[(?P<unit>.+)\]",
                "{v}条没有 units[{unit}] 中的单位",
            ),
            (r"(?P<v>\d+) with no geometry", "{v}条没有几何"),
        ),
    ),
}
_COMPILED_NOTICES: Final = tuple(
    (re.compile(pattern, re.DOTALL), text) for pattern, text in NOTICES
)
_COMPILED_PARTS: Final = {
    name: (sep, tuple((re.compile(p, re.DOTALL), t) for p, t in table))
    for name, (sep, table) in NOTICE_PARTS.items()
}


def notice_text(text: str, language: Language = "zh") -> str:
    """Return a notice of the weekly job or the library in a language.

    The notice is translated by the first pattern of :data:`NOTICES` it
    matches whole; its variable parts (counts, file names, week labels, CRS
    names, TOML keys) are kept as written, and the lists named in
    :data:`NOTICE_PARTS` are translated piece by piece. A notice no pattern
    matches is returned unchanged, so nothing is lost.

    Parameters
    ----------
    text
        The notice as the job or the library wrote it (English).
    language
        ``"zh"`` (default) translates; ``"en"`` returns ``text`` unchanged.

    Returns
    -------
    str
        The notice in ``language``.

    Examples
    --------
    >>> notice_text("the working-day calendar does not cover 2031: Monday to "
    ...     "Friday are counted as working days there, without holidays or 调休. "
    ...     "Upgrade chinese-calendar once the year's notice is out.")[:20]
    '工作日历未覆盖 2031：这些年份按周一'
    >>> notice_text("something new", "zh")
    'something new'
    """
    if language == "en":
        return text
    for pattern, template in _COMPILED_NOTICES:
        found = pattern.fullmatch(text)
        if found is not None:
            parts = {
                name: _notice_part(name, value)
                for name, value in found.groupdict().items()
            }
            return template.format(**parts)
    return text


def _notice_part(name: str, value: str) -> str:
    if name not in _COMPILED_PARTS:
        return value
    sep, table = _COMPILED_PARTS[name]
    pieces = []
    for piece in value.split(sep):
        for pattern, template in table:
            found = pattern.fullmatch(piece)
            if found is not None:
                piece = template.format(**found.groupdict())
                break
        pieces.append(piece)
    return ("；" if sep == "; " else "，").join(pieces)


# -- the weekly job's summary.txt (hotspots.pipeline.weekly.Weekly.summary_text)
#: Lines of ``summary.txt``, one language each; every figure is a placeholder.
SUMMARY_TEXT: Final[dict[str, dict[str, str]]] = {
    "title": {
        "zh": "{city} — {week}（历史 {history}）",
        "en": "{city} — {week} (history {history})",
    },
    "exports": {
        "zh": "全部导出：读取 {rows_read} 行，接收 {accepted}，隔离 {quarantined}",
        "en": "All exports: rows read {rows_read}, accepted {accepted}, "
        "quarantined {quarantined}",
    },
    "week": {
        "zh": "本周：上报 {reports}；未落入网格 {outside}；{streets}",
        "en": "This week: reports {reports}; outside every cell {outside}; {streets}",
    },
    "week_empty": {
        "zh": "本周：0 条上报（本周无上报）",
        "en": "This week: 0 reports (nothing was reported this week)",
    },
    "ledger": {
        "zh": "台账：案件 {cases}，重复导出行 {re_exported}",
        "en": "Ledger: cases {cases}, re-exported rows {re_exported}",
    },
    "history": {
        "zh": "分析窗口（自 {start}）：未落入网格 {outside}；{streets}",
        "en": "Analysis window (from {start}): outside every cell {outside}; {streets}",
    },
    "streets": {
        "zh": "{distance} 米内无街道 {n}",
        "en": "no street within {distance} m {n}",
    },
    "no_street_layer": {
        "zh": "无街道匹配：—（无街道图层）",
        "en": "no street: — (no street layer)",
    },
    "patterns": {"zh": "时空模式：{patterns}", "en": "Patterns: {patterns}"},
    "blind_spots": {"zh": "盲区前十：", "en": "Top blind spots:"},
    "backtest": {
        "zh": "预测回测（覆盖 5% 面积）：",
        "en": "Forecast backtest (5% of the area covered):",
    },
    "patrol": {
        "zh": "巡查计划：{teams} 个巡查组，{stops} 个站点，{left_out} 个目标未安排",
        "en": "Patrol plan: {teams} teams, {stops} stops, {left_out} targets left out",
    },
    "notice": {"zh": "提示：{notice}", "en": "Notice: {notice}"},
    "list_separator": {"zh": "，", "en": ", "},
}
