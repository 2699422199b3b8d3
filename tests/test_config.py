from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.errors import InputError
from hotspots.pipeline.config import (
    FORECAST_METHODS,
    AnalysisConfig,
    BoundariesConfig,
    config_from_dict,
    load_config,
)

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_data" / "hotspots.toml"


def test_sample_config_loads_with_paths_resolved_against_its_folder():
    cfg = load_config(SAMPLE)
    assert cfg.input.coords == "gcj02"
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.freq == "W-MON"
    assert cfg.boundaries.grid == (ROOT / "boundaries" / "grid.geojson").resolve()
    assert cfg.output_folder == (ROOT / "maps").resolve()
    assert cfg.category_weights["占道经营"] == 2.0
    assert cfg.analysis.blind_spot_weights.outside == 2.0
    assert cfg.patrol.depots == ((120.36079, 36.07742),)


def test_minimal_config_takes_documented_defaults(tmp_path):
    cfg = config_from_dict({"input": {"reports": "a.csv"}}, base=tmp_path)
    assert cfg.input.reports == (tmp_path / "a.csv",)
    assert cfg.input.coords == "wgs84"
    assert cfg.analysis.alpha == 0.05
    assert cfg.map.tiles == "none"
    assert cfg.output_folder == tmp_path / "maps"
    assert not cfg.patrol.enabled


def test_every_problem_is_listed_at_once_with_did_you_mean(tmp_path):
    raw = {
        "input": {"reports": "a.csv", "cords": "gcj02"},
        "analysis": {"alpah": 0.05, "trend_alpha": 2, "periods": 0},
        "mapp": {},
        "map": {"tiles": "google", "layers": ["heat", "nope"]},
        "categories": [{"name_zh": "流浪犬", "weight": -1, "colour": "red"}],
        "city": {"timezone": "Mars/Olympus"},
    }
    with pytest.raises(InputError) as info:
        config_from_dict(raw, base=tmp_path)
    text = str(info.value)
    assert "10 problems" in text
    assert "Did you mean 'coords'?" in text
    assert "Did you mean 'alpha'?" in text
    assert "Did you mean 'map'?" in text
    assert "analysis.trend_alpha must be a number between 0 and 1, got 2" in text
    assert "analysis.periods must be a whole number >= 1, got 0" in text
    assert "map.tiles must be one of 'osm', 'amap', 'none'" in text
    assert "'nope'" in text
    assert "weight must be a number >= 0" in text
    assert "unknown key in categories #1: 'colour'" in text
    assert "IANA timezone" in text
    assert len(info.value.problems) == 10


def test_missing_reports_is_reported_with_the_fix(tmp_path):
    with pytest.raises(InputError, match=r"input.reports is missing: add it"):
        config_from_dict({}, base=tmp_path)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("input", "coords", "mars", "EPSG code"),
        ("input", "coords", "EPSG:99999999", "a known EPSG code"),
        ("input", "reports", [], "a path or a list of paths"),
        ("input", "mapping", {"a": 1}, "source column = canonical column"),
        ("analysis", "fdr", "yes", "true or false"),
        ("analysis", "street_distance_m", -3, "a positive number"),
        ("analysis", "blind_spot_weights", 3, "a table"),
        ("patrol", "depots", [[1, 2, 3]], "longitude, latitude"),
        ("patrol", "dwell_minutes", -1, "a number >= 0"),
        ("city", "week_start", "mon", "'monday'"),
        ("city", "name", "", "a non-empty string"),
    ],
)
def test_each_checker_rejects_bad_values(tmp_path, section, key, value, expected):
    raw: dict = {"input": {"reports": "a.csv"}}
    raw.setdefault(section, {})[key] = value
    with pytest.raises(InputError, match=expected):
        config_from_dict(raw, base=tmp_path)


def test_blind_spot_weight_keys_and_values_are_checked(tmp_path):
    raw = {
        "input": {"reports": "a.csv"},
        "analysis": {"blind_spot_weights": {"outsde": 1.0, "late": -1}},
    }
    with pytest.raises(InputError) as info:
        config_from_dict(raw, base=tmp_path)
    assert "Did you mean 'outside'?" in str(info.value)
    assert "blind_spot_weights.late must be a number >= 0" in str(info.value)


def test_categories_must_be_an_array_of_tables(tmp_path):
    with pytest.raises(InputError, match=r"array of tables"):
        config_from_dict({"input": {"reports": "a"}, "categories": 3}, base=tmp_path)
    with pytest.raises(InputError, match=r"categories #1 must be a table"):
        config_from_dict({"input": {"reports": "a"}, "categories": [3]}, base=tmp_path)
    bad = [{"code": "L1"}, {"name_zh": "x", "group": ""}]
    with pytest.raises(InputError) as info:
        config_from_dict({"input": {"reports": "a"}, "categories": bad}, base=tmp_path)
    assert "categories #1: name_zh must be a non-empty string" in str(info.value)
    assert "categories #2: group must be a non-empty string" in str(info.value)


def test_section_that_is_not_a_table(tmp_path):
    with pytest.raises(InputError, match=r"\[map\] must be a table"):
        config_from_dict({"input": {"reports": "a"}, "map": 3}, base=tmp_path)


@pytest.mark.parametrize("section", ["analysis", "input"])
@pytest.mark.parametrize("value", [3, "text", [1, 2]])
def test_any_section_that_is_not_a_table_is_an_input_error(tmp_path, section, value):
    raw: dict = {"input": {"reports": "a.csv"}, section: value}
    with pytest.raises(InputError, match=rf"\[{section}\] must be a table, got"):
        config_from_dict(raw, base=tmp_path)


def test_default_backtest_methods_are_accepted_forecast_methods():
    defaults = AnalysisConfig().backtest_methods
    assert defaults == ("last", "moving", "ewma", "kde", "prospective", "sepp")
    assert (*defaults, "blind_spots", "emerging") == FORECAST_METHODS


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[input\nreports = 1", encoding="utf-8")
    with pytest.raises(InputError, match="not valid UTF-8 TOML"):
        load_config(bad)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("input", "encoding", "rot13", "input.encoding must be the name of a text"),
        ("input", "encoding", "klingon", "input.encoding must be the name of a text"),
        (
            "analysis",
            "history_weeks",
            100_000_000,
            "analysis.history_weeks must be a whole number from 1 to 520",
        ),
        (
            "analysis",
            "backtest_weeks",
            100_000,
            "analysis.backtest_weeks must be a whole number from 0 to 104",
        ),
        ("analysis", "backtest_weeks", -1, "0 turns the backtest off"),
    ],
)
def test_faulty_values_are_one_line_errors_with_the_bounds(
    tmp_path, section, key, value, expected
):
    raw: dict = {"input": {"reports": "a.csv"}}
    raw.setdefault(section, {})[key] = value
    with pytest.raises(InputError) as info:
        config_from_dict(raw, base=tmp_path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_encodings_and_week_bounds_that_work_are_accepted(tmp_path):
    raw = {
        "input": {"reports": "a.csv", "encoding": "gb18030"},
        "analysis": {"history_weeks": 520, "backtest_weeks": 104},
    }
    cfg = config_from_dict(raw, base=tmp_path)
    assert cfg.input.encoding == "gb18030"
    assert cfg.analysis.history_weeks == 520


def test_boundary_columns_are_settable_per_layer(tmp_path):
    raw = {
        "input": {"reports": "a.csv"},
        "boundaries": {
            "grid": "grid.geojson",
            "grid_id_column": "网格编码",
            "grid_community_column": "社区编码",
            "streets_id_column": "osm_id",
            "streets_name_column": "NAME",
            "streets_class_column": "highway",
            "streets_oneway_column": "ONEWAY",
            "areas_level_column": "级别",
            "places_kind_column": "类型",
        },
    }
    cfg = config_from_dict(raw, base=tmp_path)
    assert cfg.boundaries.grid == tmp_path / "grid.geojson"
    assert cfg.boundaries.columns == {
        "grid": {"grid_id": "网格编码", "community_id": "社区编码"},
        "streets": {
            "street_id": "osm_id",
            "name": "NAME",
            "street_class": "highway",
            "oneway": "ONEWAY",
        },
        "areas": {"level": "级别"},
        "places": {"kind": "类型"},
    }
    assert BoundariesConfig.column_key("streets", "oneway") == (
        "[boundaries] streets_oneway_column"
    )
    with pytest.raises(InputError, match="Did you mean 'grid_id_column'"):
        config_from_dict(
            {"input": {"reports": "a"}, "boundaries": {"grid_idcolumn": "x"}},
            base=tmp_path,
        )


# -- the ledger and export globs -------------------------------------------------------
def test_sample_config_reads_the_weekly_exports_by_a_glob_into_its_ledger():
    cfg = load_config(SAMPLE)
    names = [p.name for p in cfg.input.reports]
    assert names == sorted(names)
    assert len(names) == 16
    assert {Path(n).suffix for n in names} == {".csv", ".xlsx"}
    assert cfg.ledger_url == str((ROOT / "sample_data" / "ledger.duckdb").resolve())


def test_ledger_defaults_to_ledger_duckdb_beside_the_config(tmp_path):
    config = tmp_path / "city" / "hotspots.toml"
    config.parent.mkdir()
    config.write_text('[input]\nreports = "a.csv"\n', encoding="utf-8")
    assert load_config(config).ledger_url == str(config.parent / "ledger.duckdb")
    raw = {"input": {"reports": "a.csv"}, "ledger": {"url": "db/city.duckdb"}}
    cfg = config_from_dict(raw, base=tmp_path)
    assert cfg.ledger_url == str(tmp_path / "db" / "city.duckdb")
    url = "postgresql://hotspots@db.example.org:5432/city"
    raw = {"input": {"reports": "a.csv"}, "ledger": {"url": url}}
    assert config_from_dict(raw, base=tmp_path).ledger_url == url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://hotspots:s3cret@db.example.org:5432/city",
        "postgres://hotspots:s3cret@db/city",
        "postgresql://hotspots@db/city?password=s3cret",
    ],
)
def test_a_password_in_the_ledger_url_is_refused_in_one_line(tmp_path, url):
    raw = {"input": {"reports": "a.csv"}, "ledger": {"url": url}}
    with pytest.raises(InputError) as caught:
        config_from_dict(raw, base=tmp_path)
    text = str(caught.value)
    assert "\n" not in text
    assert "PGPASSWORD" in text
    assert "~/.pgpass" in text
    assert "s3cret" not in text


def test_a_ledger_url_of_another_kind_is_refused(tmp_path):
    raw = {"input": {"reports": "a.csv"}, "ledger": {"url": "mysql://db/city"}}
    with pytest.raises(InputError, match=r"ledger.url must be a DuckDB file path"):
        config_from_dict(raw, base=tmp_path)


def test_report_globs_are_expanded_and_sorted(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    for name in ("b_2026W02.xlsx", "a_2026W01.csv", "c_2026W03.csv", "notes.txt"):
        (exports / name).write_text("", encoding="utf-8")
    raw = {"input": {"reports": ["exports/*.csv", "exports/*.xlsx", "other.csv"]}}
    cfg = config_from_dict(raw, base=tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in cfg.input.reports] == [
        "exports/a_2026W01.csv",
        "exports/c_2026W03.csv",
        "exports/b_2026W02.xlsx",
        "other.csv",
    ]


def test_a_glob_matching_nothing_is_a_clear_error(tmp_path):
    raw = {"input": {"reports": "exports/*.xlsx"}}
    with pytest.raises(InputError, match=r"the pattern 'exports/\*\.xlsx' matches no"):
        config_from_dict(raw, base=tmp_path)
