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
