"""Every label table is complete in both languages and matches the codes it names."""

from __future__ import annotations

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
    text = {"reason_zh": "reason_en", "top_categories": "top_categories_en"}
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
