"""Every label table is complete in both languages and matches the codes it names."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hotspots import labels, patrol
from hotspots.config import FORECAST_METHODS

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
    from hotspots import pipeline

    assert pipeline.LEDGER_HEADERS_EN is labels.LEDGER_HEADERS_EN


def test_ledger_columns_are_blind_spot_columns():
    from hotspots import blindspots

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
    from hotspots.io import read_reports

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


def test_public_functions_win_over_their_same_named_modules():
    import importlib

    import hotspots as hs

    for name in ("cluster", "forecast", "backtest"):
        importlib.import_module(f"hotspots.{name}")  # binds the module on the package
        assert callable(getattr(hs, name)), name
        assert getattr(hs, name).__name__ == name
