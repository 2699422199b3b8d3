"""Every label table is complete in both languages and matches the codes it names."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hotspots._core import labels
from hotspots.patrol import plan as patrol
from hotspots.pipeline.config import FORECAST_METHODS

TABLES = [
    labels.GI_CLASSES,
    labels.PATTERNS,
    labels.QUADRANTS,
    labels.STATUSES,
    labels.SOURCES,
    labels.BACKTEST_COLUMNS,
    labels.FORECAST_METHODS,
    labels.PATROL_LEFT_OUT,
    labels.MAP_LABELS,
    labels.PATROL_SCHEDULE_HEADERS,
    labels.PATROL_ROUTE_HEADERS,
    labels.PATROL_LEFT_OUT_HEADERS,
    labels.PATROL_SHEETS,
    labels.PATROL_TEXT,
    labels.REJECTED_HEADERS,
    labels.SUMMARY_TEXT,
]


@pytest.mark.parametrize("table", TABLES)
def test_every_entry_has_chinese_and_english(table):
    for key, names in table.items():
        assert set(names) == {"zh", "en"}, key
        assert all(isinstance(v, str) and v.strip() for v in names.values()), key


def test_label_tables_cover_the_codes_they_name():
    reasons = {
        patrol.NO_GEOMETRY,
        patrol.TOO_FAR,
        patrol.UNREACHABLE,
        patrol.NO_TIME,
        patrol.TIME_WINDOW,
        patrol.ZERO_SCORE,
    }
    assert reasons == set(labels.PATROL_LEFT_OUT)
    assert patrol.LEFT_OUT_REASONS is labels.PATROL_LEFT_OUT
    assert set(FORECAST_METHODS) == set(labels.FORECAST_METHODS)
    assert len(labels.PATTERNS) == 17
    assert labels.label("pattern", "new_cold", "zh") == "新增冷点"
    assert labels.LEDGER_HEADERS["rank"] == "排名"


def test_ledger_headers_in_both_languages_name_the_same_columns():
    zh, en = labels.ledger_headers("zh"), labels.ledger_headers("en")
    text = {
        "reason_zh": "reason_en",
        "top_categories": "top_categories_en",
        "peak_window_zh": "peak_window_en",
    }
    assert [text.get(c, c) for c in zh] == list(en)
    assert zh["reason_zh"] == "原因"
    assert en["reason_en"] == "Reason"
    assert len(set(zh.values())) == len(zh)
    assert len(set(en.values())) == len(en)
    # every share is written in percent and its header says so
    for col in labels.LEDGER_PERCENT_COLUMNS:
        assert zh[col].endswith("（%）")
        assert en[col].endswith("(%)")
        assert labels.LEDGER_DECIMALS[col] == 1
    assert labels.LEDGER_DECIMALS["score"] == 2
    assert set(labels.LEDGER_FORMATS) <= set(zh)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(en.values()))
    # the English variant is what pipeline exports
    from hotspots.pipeline import weekly as pipeline

    assert pipeline.LEDGER_HEADERS_EN is labels.LEDGER_HEADERS_EN


def test_ledger_columns_are_blind_spot_columns():
    from hotspots.ledger import blindspots

    produced = {
        getattr(blindspots, name)
        for name in blindspots.__all__
        if name.isupper() and isinstance(getattr(blindspots, name), str)
    }
    for lang in ("zh", "en"):
        cols = set(labels.ledger_headers(lang)) - {"grid_id", "community_id"}
        assert cols <= produced, cols - produced


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "malformed line 4: expected 15 fields, got 16 (extra: 'x', 'y')",
            "第4行格式错误：应有15个字段，实有16个（多出：'x', 'y'）",
        ),
        (
            "malformed line 9: expected 3 fields, got 1",
            "第9行格式错误：应有3个字段，实有1个",
        ),
        ("missing report_id", "缺少工单编号"),
        (
            "duplicate report_id 'QD7' (first in row 2)",
            "工单编号重复：'QD7'（首次出现在第2行）",
        ),
        ("missing reported_at", "缺少上报时间"),
        ("unparseable reported_at 'soon'", "上报时间无法识别为时间：'soon'"),
        ("unparseable closed_at '13/45'", "结案时间无法识别为时间：'13/45'"),
        (
            "time out of range (plausible: 2000-01-01 to 2026-11-30): closed_at "
            "'1999-01-01'",
            "结案时间超出合理范围（2000-01-01至2026-11-30）：'1999-01-01'",
        ),
        (
            "time out of range (a leap second, :60): reported_at '2026-06-30 23:59:60'",
            "上报时间超出范围（闰秒 :60）：'2026-06-30 23:59:60'",
        ),
        (
            "void report (not a problem on the street), status '作废'",
            "无效上报（非街面问题），状态：'作废'",
        ),
        ("unknown status 'maybe'", "未知的案件状态：'maybe'"),
        ("closed_at before reported_at", "结案时间早于上报时间"),
        ("unknown source 'pigeon'", "未知的案件来源：'pigeon'"),
        ("weight must be a number >= 0, got '-2'", "权重应为不小于0的数：'-2'"),
        (
            "reopen_count must be a whole number >= 0, got '1.5'",
            "返工次数应为不小于0的整数：'1.5'",
        ),
        ("empty category", "问题类型为空"),
        (
            "empty category (no name, and the code is not in the code table): '999'",
            "问题类型为空（无名称，且编码不在编码表中）：'999'",
        ),
        ("missing coordinates", "缺少坐标"),
        ("non-numeric longitude 'east'", "经度不是数字：'east'"),
        ("non-numeric latitude 'n/a'", "纬度不是数字：'n/a'"),
        ("geometry is not a Point: 'LineString'", "几何类型不是点：'LineString'"),
        (
            "longitude and latitude look swapped (lon=36.1, lat=120.4)",
            "经纬度疑似颠倒：(lon=36.1, lat=120.4)",
        ),
        (
            "coordinates out of range (lon=200, lat=36)",
            "坐标超出范围：(lon=200, lat=36)",
        ),
    ],
)
def test_every_quarantine_reason_is_translated(english, chinese):
    assert labels.quarantine_reason(english, "zh") == chinese
    assert labels.quarantine_reason(english, "en") == english


def test_joined_reasons_and_values_with_separators_survive():
    text = "unparseable reported_at 'a; b'; unknown source 'x'"
    assert labels.quarantine_reason(text) == (
        "上报时间无法识别为时间：'a; b'; 未知的案件来源：'x'"
    )
    assert labels.quarantine_reason("a reason of tomorrow") == "a reason of tomorrow"


def test_every_reason_the_reader_writes_has_a_translation():
    from hotspots.read.reports import read_reports

    rows = {
        "report_id": ["A1", None, "A1", "A4", "A5", "A6", "A7", "A8", "A9", "A10"],
        "reported_at": [
            "2026-11-02 09:00",
            "2026-11-02 09:00",
            "2026-11-02 09:00",
            "tomorrow",
            "1990-01-01 08:00",
            "2026-11-02 09:00",
            "2026-11-02 09:00",
            None,
            "2026-11-02 09:00",
            "2026-11-02 09:00",
        ],
        "closed_at": [None, None, None, None, None, "2026-11-01 09:00"] + [None] * 4,
        "category": ["暴露垃圾"] * 9 + [None],
        "status": ["open", "open", "open", "open", "maybe", "closed"] + ["open"] * 4,
        "source": ["hotline"] * 6 + ["pigeon"] + ["hotline"] * 3,
        "weight": ["1"] * 8 + ["-1", "1"],
        "lon": [*["120.4"] * 5, "east", "200", "120.4", "120.4", None],
        "lat": ["36.1"] * 6 + ["36.1", "36.1", "36.1", None],
    }
    result = read_reports(
        pd.DataFrame(rows),
        preset="canonical",
        on_error="quarantine",
        time_window=("2000-01-01", "2026-12-31"),
    )
    reasons = result.quarantined["reason"].tolist()
    assert len(reasons) == 9
    for reason in reasons:
        for part in labels.quarantine_reason(reason, "zh").split("; "):
            assert CJK.search(part), (reason, part)
            assert not re.search(r"\b(missing|unparseable|unknown|range)\b", part)


def test_public_names_stay_functions_after_every_module_is_imported():
    import importlib
    import pkgutil
    import types

    import hotspots as hs

    for info in pkgutil.walk_packages(hs.__path__, "hotspots."):
        importlib.import_module(info.name)  # binds each module on its package
    for name in hs.__all__:
        value = getattr(hs, name)
        assert not isinstance(value, types.ModuleType), name
    for name in ("cluster", "forecast", "backtest", "deadlines", "scorecard"):
        assert getattr(hs, name).__name__ == name


_UNASSIGNED = (
    "3 of 10 reports have no grid_id; 2 of 10 reports have no coordinates. They "
    "are kept with NA ids (reports outside every cell or area, or farther than "
)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "no week given: analysing 2026-W47, the last complete week with reports "
            "(the last report was filed 2026-11-29 18:00); pass --week (week=...) "
            "for another.",
            "未指定周：分析2026-W47，即有上报的最后一个完整周（最后一条上报的时间是 "
            "2026-11-29 18:00）；分析其他周请用 --week（week=...）。",
        ),
        (
            "no [boundaries] streets in the config: the street join, the street "
            'layer and the patrol plan are skipped; add streets = "<street '
            'centrelines file>" under [boundaries] to get them.',
            "配置中没有 [boundaries] streets：跳过街道关联、街道图层和巡查计划；"
            '如需这些，请在 [boundaries] 下添加 streets = "<街道中心线文件>"。',
        ),
        (
            "the streets layer is in EPSG:4326 and the grid in EPSG:32651: the "
            "streets were reprojected to EPSG:32651. Save both in one CRS to skip "
            "this step.",
            "街道图层的坐标系是EPSG:4326，网格是EPSG:32651：街道已重投影到"
            "EPSG:32651。两者存为同一坐标系即可省去这一步。",
        ),
        (
            "2026-W47 has no reports: its map and summary show 0 reports this week. "
            "Check the week (--week) and the exports' dates.",
            "2026-W47没有上报：本周地图和摘要显示 0 条上报。请检查所选周（--week）"
            "和导出文件的日期。",
        ),
        (
            "[patrol] enabled = true needs the street network: add streets = "
            '"<street centrelines file>" under [boundaries], or set [patrol] '
            "enabled = false. No patrol plan this week.",
            "[patrol] enabled = true 需要街道网络：请在 [boundaries] 下添加 "
            'streets = "<街道中心线文件>"，或设置 [patrol] enabled = false。'
            "本周没有巡查计划。",
        ),
        (
            "backtest skipped: [analysis] backtest_weeks = 4 forecasts "
            "2026-W44..2026-W47, each from the weeks before it, but the first "
            "report is in 2026-W45; set [analysis] backtest_weeks to 2 or less, or "
            "analyse a later week. Everything else is written.",
            "跳过回测：[analysis] backtest_weeks = 4 要预测 2026-W44..2026-W47"
            "（每周都用其之前的周），但第一条上报在2026-W45；请把 [analysis] "
            "backtest_weeks 设为 2 或更小，或分析更晚的周。其他结果均已写出。",
        ),
        (
            "no [deadlines] limits: the example time limits (not an official "
            "standard) are used; set your city's under [deadlines.limits].",
            "没有 [deadlines] limits：使用示例处置时限（并非官方标准）；"
            "请在 [deadlines.limits] 下设置本市的时限。",
        ),
        (
            "[scorecard] levels: the cases have no 'community' (configure the "
            "layer that gives it, e.g. [boundaries] areas); level skipped.",
            "[scorecard] levels：案件没有 'community'（请配置提供它的图层，"
            "例如 [boundaries] areas）；跳过该层级。",
        ),
        (
            "4 of 90 cases have no responsible unit (no frontage, place, segment, "
            "street section or grid keeper covers them); they are kept with NA "
            "unit_id. Extend the duties layer.",
            "90件案件中有4件没有责任单位（没有门前、场所、路段、街段或网格责任人"
            "覆盖）；保留并将 unit_id 置空。请扩充责任图层。",
        ),
        (
            "7 cases have a category without a time limit (井盖, 路灯); they get "
            "no due time. Add the categories to the limits.",
            "7件案件的问题类型没有处置时限（井盖, 路灯）；它们没有到期时间。"
            "请把这些类型加入时限表。",
        ),
        (
            "the working-day calendar does not cover 2031: Monday to Friday are "
            "counted as working days there, without holidays or 调休. Upgrade "
            "chinese-calendar once the year's notice is out.",
            "工作日历未覆盖 2031：这些年份按周一至周五计工作日，不含节假日和调休。"
            "当年放假通知发布后请升级 chinese-calendar。",
        ),
        (
            _UNASSIGNED + "max_street_distance_m=25.0 m from every street).",
            "10条上报中有3条没有 grid_id；10条上报中有2条没有坐标。这些上报保留，"
            "编号置空（位于所有网格或区域之外，或距所有街道超过 "
            "max_street_distance_m=25.0 m）。",
        ),
        (
            _UNASSIGNED + "street_distance_m = 25 m under [analysis] from every "
            "street).",
            "10条上报中有3条没有 grid_id；10条上报中有2条没有坐标。这些上报保留，"
            "编号置空（位于所有网格或区域之外，或距所有街道超过 [analysis] "
            "street_distance_m = 25 m）。",
        ),
        (
            "5 of 100 reports are left out of the blind-spot ledger: 3 with no unit "
            "or a unit not in units['grid_id'], 2 with no time.",
            "100条上报中有5条未计入盲区台账：3条没有单位或单位不在 "
            "units['grid_id'] 中，2条没有时间。",
        ),
        (
            "5 of 100 reports were not counted in the cube (no unit: 3, no time: "
            "2). Reports without a unit lie outside every 'grid_id' unit; widen "
            "start/end to count reports outside the periods.",
            "100条上报中有5条未计入时空立方体（没有单位：3，没有时间：2）。没有单位"
            "的上报位于所有 'grid_id' 单位之外；放宽 start/end 可计入时段之外的上报。",
        ),
        (
            "fast_hdbscan is not installed; using scikit-learn's HDBSCAN, which is "
            "slow beyond a few tens of thousands of reports. Install it with: pip "
            "install 'hotspots[cluster]'.",
            "未安装 fast_hdbscan；改用 scikit-learn 的 HDBSCAN，上报超过几万条时较慢。"
            "安装方法：pip install 'hotspots[cluster]'。",
        ),
        (
            "emerging_hotspots: no unit has a report in the analysed periods; every "
            "unit gets 'no_pattern'.",
            "emerging_hotspots：分析时段内没有任何单位有上报；所有单位均为"
            "“no_pattern”（无模式）。",
        ),
        (
            "some of the 50 reports cannot be used by every forecasting method: 2 "
            "with no time, 3 with no unit in units['grid_id']. Count methods need "
            "a unit, spatial ones a point; join the reports with "
            "hotspots.assign(...) and check their coordinates.",
            "50条上报中有部分不能用于所有预测方法：2条没有时间，3条没有 "
            "units['grid_id'] 中的单位。计数方法需要单位，空间方法需要点位；"
            "请用 hotspots.assign(...) 关联上报并检查坐标。",
        ),
        (
            "the self-exciting model (sepp) would hold up to about 1,200,000 "
            "candidate pairs of reports within 200 m and 14 days, more than "
            "max_pairs=1,000,000: it is fitted with 83.3% of the 6,000 reports as "
            "children (all as parents), an estimate that keeps memory bounded. "
            "Pass a larger max_pairs (about 28 bytes each) for the exact fit.",
            "自激发模型（sepp）在 200 m、14 天内最多约有 1,200,000 对候选上报，"
            "超过 max_pairs=1,000,000：以 6,000 条上报中的 83.3% 作为子事件（全部"
            "作为父事件）拟合，这是限制内存的估计。传入更大的 max_pairs（每对约 "
            "28 字节）可得精确拟合。",
        ),
        (
            "12 street segments have no 'oneway' value; they are treated as two-way.",
            "12条街道路段没有“oneway”值；按双向处理。",
        ),
        (
            "6 of 40 targets cannot be visited: 1 without geometry, 2 farther than "
            "the snapping distance from any street, 3 unreachable from every depot "
            "(disconnected street network). They are in plan.left_out with the "
            "reason.",
            "40个目标中有6个无法到达：1个没有几何，2个距所有街道超过吸附距离，"
            "3个从所有出发点均不可达（街道网络不连通）。它们连同原因列在 "
            "plan.left_out 中。",
        ),
        (
            "shift_minutes=30 is too short for any visit: no target can be "
            "reached, visited for 10 minutes and left in time to return to a "
            "depot. Every target is left out.",
            "shift_minutes=30 太短，无法完成任何巡查：没有目标能在到达、停留 "
            "10 分钟后及时返回出发点。所有目标均被排除。",
        ),
        (
            "2 row(s) of hot spots have no geometry and are not drawn.",
            "hot spots中有2行没有几何，不绘制。",
        ),
        (
            "The map is shown with links to the internet: no local copy",
            "地图通过互联网链接显示：no local copy",
        ),
        (
            "2 of 30 units have no neighbour under kind='queen' (islands: 'a', "
            "'b'); they are kept and listed in SpatialWeights.islands.",
            "30个单位中有2个在 kind='queen' 下没有相邻单位（孤岛：'a', 'b'）；"
            "保留并列于 SpatialWeights.islands。",
        ),
    ],
)
def test_notice_text_translates_every_template(english, chinese):
    assert labels.notice_text(english, "zh") == chinese
    assert labels.notice_text(english, "en") == english


def test_notice_text_keeps_unknown_text():
    text = "a notice no template knows: 2 invalid things"
    assert labels.notice_text(text, "zh") == text
    # a known frame keeps the pieces it does not know as written
    assert labels.notice_text("grid layer: something new", "zh") == (
        "网格图层：something new"
    )


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "grid layer: the source had no CRS; set to EPSG:4326; 3 invalid "
            "geometries repaired with shapely.make_valid (a, b, c; e.g. "
            "Self-intersection[1 2])",
            "网格图层：源数据没有坐标系；已设为 EPSG:4326；3个无效几何已用 "
            "shapely.make_valid 修复（a, b, c；例如 Self-intersection[1 2]）",
        ),
        (
            "areas layer: 2 areas stick out of their parent by more than 1 m² and "
            "0.1 % (total 12.5 m²: 'x', 'y'); reports there get the ids of the "
            "finest area containing them",
            "区划图层：2个区划超出其上级区划 1 平方米且 0.1% 以上（共 12.5 平方米："
            "'x', 'y'）；落在那里的上报取包含它的最细一级区划编码",
        ),
        (
            "streets layer: column 'street_class' added: no street classes; "
            "column 'oneway' added: no oneway flags (all two-way)",
            "街道图层：已添加列 'street_class'：无道路等级；已添加列 'oneway'："
            "无单行标记（均按双向）",
        ),
        (
            "grid layer: 2 pairs of cells overlap (total 3.0 m², largest 2.0 m² "
            "between 'a' and 'b'); a report in an overlap gets the first of them "
            "in row order",
            "网格图层：2对单元相互重叠（共 3.0 平方米，最大 2.0 平方米，在 'a' 与 'b' "
            "之间）；落在重叠处的上报取行序在前者",
        ),
    ],
)
def test_boundary_repair_notices_are_translated(english, chinese):
    assert labels.notice_text(english, "zh") == chinese
    assert labels.notice_text(english, "en") == english


def test_boundary_repair_notice_from_the_reader_is_translated():
    import warnings

    import geopandas as gpd
    from shapely.geometry import LineString

    from hotspots.read.boundaries import BoundaryRepairWarning, read_boundaries

    streets = gpd.GeoDataFrame(
        {"street_id": ["s1"]},
        geometry=[LineString([(0, 0), (100, 0)])],
        crs="EPSG:32651",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_boundaries(streets, kind="streets")
    texts = [str(w.message) for w in caught if w.category is BoundaryRepairWarning]
    assert texts
    chinese = labels.notice_text(texts[0], "zh")
    assert chinese.startswith("街道图层：")
    assert "added" not in chinese
