"""The command line: click's CliRunner, plus one real run of the console script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from hotspots import __version__
from hotspots.cli import main

WEEK = "2026-W47"

# the generated district has one street island: the planner's notice about it
# is a plain UserWarning until the patrol stage's warnings are HotspotsWarnings
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*targets cannot be visited:UserWarning"
)
MOBILE = r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"  # a mainland mobile number
COMMANDS = [
    "weekly",
    "check",
    "assign",
    "hotspots",
    "clusters",
    "emerging",
    "blindspots",
    "map",
    "patrol",
    "sample",
    "backtest",
]


@pytest.fixture(scope="module")
def config(district_root, make_config) -> Path:
    return make_config(district_root, "cli.toml", output={"folder": "cli_maps"})


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_usage_errors_exit_2():
    assert run("weekly").exit_code == 2  # --config missing
    assert run("nonsense").exit_code == 2
    assert run("patrol", "--config", "x.toml", "--teams", "0").exit_code == 2


def test_data_or_config_error_is_one_line_exit_1(tmp_path):
    result = run("check", "--config", str(tmp_path / "missing.toml"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: config file")
    assert "does not exist" in result.output
    assert "Traceback" not in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[input]\nreports = "a.csv"\n[analysis]\nalpah = 0.1\n', "utf-8")
    result = run("check", "--config", str(bad))
    assert result.exit_code == 1
    assert "Did you mean 'alpha'?" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_check_prints_a_quarantine_summary(config, tmp_path):
    out = tmp_path / "rejected.csv"
    result = run("check", "--config", str(config), "--out", str(out))
    assert result.exit_code == 0
    assert result.stderr == ""  # no per-row lines, no progress
    counts = re.search(
        r"rows read (\d+), 接收 accepted (\d+), 隔离 quarantined (\d+)", result.stdout
    )
    assert counts is not None, result.stdout
    read, accepted, quarantined = map(int, counts.groups())
    assert read == accepted + quarantined
    assert quarantined > 0
    assert result.stdout.splitlines()[-1].endswith(f": {out}")
    rejected = pd.read_csv(out, dtype=str)
    assert "隔离原因" in rejected.columns  # the config language's header
    assert len(rejected) == quarantined
    assert not rejected.apply(lambda c: c.str.contains(MOBILE)).any().any()
    # one line per reason, however many rows: a count and the first rows
    groups = re.findall(r"^ +(\d+)  (.+?)  \(行 rows (.+)\)$", result.stdout, re.M)
    assert 3 <= len(groups) <= 12
    assert len(result.stdout.splitlines()) == len(groups) + 3
    assert sum(int(n) for n, _, _ in groups) >= quarantined
    for n, _, rows in groups:
        shown = rows.removesuffix(", …").split(", ")
        assert len(shown) == min(int(n), 5)
        assert rows.endswith("…") == (int(n) > 5)
    for _, reason, _ in groups:
        assert "'" not in reason
        assert "(" not in reason


def test_check_writes_rejected_csv_in_the_current_folder(config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check", "-c", str(config))
    assert result.exit_code == 0, result.output
    written = tmp_path / "rejected.csv"
    assert written.is_file()
    assert result.stdout.splitlines()[-1].endswith(f": {written.resolve()}")


def test_check_export_overrides_the_configured_reports(config, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(
        "report_id,reported_at,category,lon,lat\n"
        "a,2026-11-02 08:15:00,占道经营,120.38,36.07\n"
        "b,2026-11-02 09:00:00,暴露垃圾,120.39,36.06\n"
        "b,2026-11-02 09:30:00,暴露垃圾,120.39,36.06\n"
        "c,not a time,暴露垃圾,120.39,36.06\n",
        encoding="utf-8",
    )
    out = tmp_path / "bad.csv"
    result = run("check", "-c", str(config), "--export", str(export), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "rows read 4, 接收 accepted 2, 隔离 quarantined 2" in result.stdout
    assert "     1  duplicate report_id  (行 rows 3)" in result.stdout
    assert "     1  unparseable reported_at  (行 rows 4)" in result.stdout
    assert result.stderr == ""
    reasons = pd.read_csv(out)["隔离原因"].tolist()
    assert "上报时间无法识别为时间：'not a time'" in reasons


def test_weekly_writes_the_week_and_prints_paths(config, district_root):
    result = run(
        "-q", "weekly", "--config", str(config), "--week", WEEK, "--language", "en"
    )
    assert result.exit_code == 0, result.output
    paths = [Path(p) for p in result.stdout.split()]
    folder = district_root / "cli_maps" / WEEK
    assert folder / "index.html" in paths
    assert all(p.is_file() for p in paths)
    assert "Map:" in result.stderr
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Recurring blind spots" in page  # --language overrides [map] language


@pytest.mark.parametrize(
    ("command", "name", "column"),
    [
        ("assign", "a.gpkg", "segment_id"),
        ("hotspots", "gi.geojson", "gi_class"),
        ("emerging", "e.parquet", "pattern"),
        ("clusters", "c.geojson", "n_reports"),
    ],
)
def test_step_commands_write_their_frames(config, tmp_path, command, name, column):
    out = tmp_path / name
    result = run("-q", command, "-c", str(config), "-w", WEEK, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    frame = gpd.read_parquet(out) if name.endswith(".parquet") else gpd.read_file(out)
    assert column in frame.columns


_JOBS: dict = {}


@pytest.fixture
def shared_jobs(monkeypatch):
    """Build each (config, week) job once for the table tests (they only write)."""
    from hotspots.pipeline import weekly as pipeline

    real = pipeline.Weekly

    def weekly(cfg, *, week=None, progress=None):
        key = (repr(cfg), week)
        if key not in _JOBS:
            _JOBS[key] = real(cfg, week=week, progress=progress)
        return _JOBS[key]

    monkeypatch.setattr(pipeline, "Weekly", weekly)


def _decimals(values) -> int:
    return max(len(f"{v}".partition(".")[2]) for v in values if pd.notna(v))


def test_blindspots_xlsx_is_the_ranked_ledger_in_chinese(config, tmp_path, shared_jobs):
    out = tmp_path / "ledger.xlsx"
    result = run("-q", "blindspots", "-c", str(config), "-w", WEEK, "-o", str(out))
    assert result.exit_code == 0, result.output
    book = pd.read_excel(out, sheet_name=None)
    assert list(book) == ["盲区台账"]
    ledger = book["盲区台账"]
    assert list(ledger.columns[:5]) == [
        "排名",
        "网格编码",
        "社区编码",
        "盲区得分",
        "原因",
    ]
    assert {"经度", "纬度", "复发比例（%）"} <= set(ledger.columns)
    assert "geometry" not in ledger.columns
    assert (
        not ledger.astype(str).apply(lambda c: c.str.startswith("POLYGON")).any().any()
    )
    assert ledger["排名"].tolist() == list(range(1, len(ledger) + 1))
    assert (ledger["盲区得分"] > 0).all()
    assert _decimals(ledger["盲区得分"]) <= 2
    for share in ("复发比例（%）", "超期结案比例（%）", "热线与测评发现比例（%）"):
        assert ledger[share].dropna().between(0, 100).all()
        assert _decimals(ledger[share]) <= 1
    assert ledger["原因"].str.contains("[\u4e00-\u9fff]").all()
    assert ledger["纬度"].between(35, 37).all()


def test_blindspots_in_english(config, tmp_path, shared_jobs):
    out = tmp_path / "ledger.csv"
    result = run(
        "-q", "blindspots", "-c", str(config), "-w", WEEK, "-o", str(out),
        "--language", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ledger = pd.read_csv(out)
    assert list(ledger.columns[:5]) == [
        "Rank", "Grid cell", "Community", "Blind-spot score", "Reason",
    ]  # fmt: skip
    assert "Comeback share (%)" in ledger.columns
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(ledger.columns))
    assert ledger["Reason"].str.contains("reported .*weeks").all()


def test_unknown_output_type_is_refused_first(config):
    bad = run("-q", "blindspots", "-c", str(config), "-w", WEEK, "-o", "x.shp")
    assert bad.exit_code == 2
    assert "unknown output type '.shp'" in bad.output


@pytest.mark.parametrize(
    ("command", "zh", "en", "label"),
    [
        ("hotspots", "冷热点", "Hot/cold spot", "Not significant"),
        ("emerging", "时空模式", "Emerging pattern", "No pattern detected"),
        ("clusters", "主要问题类型", "Top category", None),
        ("assign", "上报时间", "Status", "Closed"),
    ],
)
def test_step_tables_speak_the_language(
    config, tmp_path, shared_jobs, command, zh, en, label
):
    out = tmp_path / f"{command}.csv"
    result = run("-q", command, "-c", str(config), "-w", WEEK, "-o", str(out))
    assert result.exit_code == 0, result.output
    chinese = pd.read_csv(out, dtype=str)
    assert zh in chinese.columns
    assert {"经度", "纬度"} <= set(chinese.columns)
    assert not chinese.apply(lambda c: c.str.contains("POLYGON|POINT")).any().any()
    result = run(
        "-q", command, "-c", str(config), "-w", WEEK, "-o", str(out),
        "--language", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    english = pd.read_csv(out, dtype=str)
    assert en in english.columns
    assert {"Longitude", "Latitude"} <= set(english.columns)
    assert len(english) == len(chinese)
    if label is not None:
        assert label in set(english[en])


def test_hotspots_table_is_sorted_and_rounded(config, tmp_path, shared_jobs):
    out = tmp_path / "gi.xlsx"
    result = run("-q", "hotspots", "-c", str(config), "-w", WEEK, "-o", str(out))
    assert result.exit_code == 0, result.output
    book = pd.read_excel(out, sheet_name=None, dtype={"p值": str})
    gi = book["冷热点"]
    assert gi["Gi* z值"].is_monotonic_decreasing
    assert _decimals(gi["Gi* z值"]) <= 2
    assert gi["p值"].str.fullmatch(r"< 0\.001|[01]\.\d{3}").all()
    assert gi["冷热点"].iloc[0].startswith("热点")


def test_assign_never_writes_personal_columns(config, tmp_path, shared_jobs):
    for name in ("a.csv", "a.gpkg"):
        out = tmp_path / name
        result = run("-q", "assign", "-c", str(config), "-w", WEEK, "-o", str(out))
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out) if name.endswith(".csv") else gpd.read_file(out)
        for private in ("reporter_name", "reporter_phone", "上报人", "联系电话"):
            assert private not in frame.columns
        text = frame.drop(columns="geometry", errors="ignore").astype(str)
        assert not text.apply(lambda c: c.str.contains(MOBILE)).any().any()
        assert text.apply(lambda c: c.str.contains(r"\*\*\*")).any().any()


def test_map_in_english(config, tmp_path):
    out = tmp_path / "m.html"
    result = run(
        "-q", "map", "-c", str(config), "-w", WEEK, "-o", str(out), "--language", "en"
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Recurring blind spots" in page
    assert "反复出现的盲区" not in page  # the Chinese layer name is gone


def test_patrol_writes_four_files(config, tmp_path):
    result = run(
        "-q",
        "patrol",
        "-c",
        str(config),
        "-w",
        WEEK,
        "--teams",
        "2",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    suffixes = sorted(Path(p).suffix for p in result.stdout.split())
    assert suffixes == [".csv", ".geojson", ".gpx", ".xlsx"]
    assert "队伍" in pd.read_csv(tmp_path / f"patrol_plan-{WEEK}.csv").columns


def test_patrol_tables_in_english(config, tmp_path, shared_jobs):
    result = run(
        "-q", "patrol", "-c", str(config), "-w", WEEK, "--teams", "2",
        "--out", str(tmp_path), "--language", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = pd.read_excel(tmp_path / f"patrol_plan-{WEEK}.xlsx", sheet_name=None)
    assert list(book) == ["Patrol plan", "Routes", "Left out"]
    schedule = pd.read_csv(tmp_path / f"patrol_plan-{WEEK}.csv")
    assert list(schedule.columns[:3]) == ["Team", "Stop", "Target"]
    assert schedule["Reason"].str.contains("weeks").all()
    for sheet in book.values():
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(sheet.columns))
    if len(book["Left out"]):
        assert (
            not book["Left out"]["Why left out"].str.contains("[\u4e00-\u9fff]").any()
        )


@pytest.fixture(scope="module")
def small_district():
    from hotspots.sample.district import make_district

    return make_district(seed=3, weeks=8, n_reports=2000)


def test_sample_writes_a_runnable_config_and_never_overwrites(
    tmp_path, monkeypatch, small_district
):
    from hotspots.sample import district as synth

    monkeypatch.setattr(synth, "make_district", lambda **_: small_district)
    result = run("-q", "sample", "--seed", "3", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = [Path(p) for p in result.stdout.split()]
    assert {"grid.geojson", "streets.geojson", "areas.geojson"} <= {
        p.name for p in written
    }
    config = tmp_path / "sample_data" / "hotspots.toml"
    assert config in written
    checked = run("check", "-c", str(config), "-o", str(tmp_path / "bad.csv"))
    assert checked.exit_code == 0, checked.output
    assert "accepted" in checked.stdout
    before = {p: p.stat().st_mtime_ns for p in written}
    again = run("sample", "--seed", "3", "--out", str(tmp_path))
    assert again.exit_code == 1
    assert "already exist" in again.output
    assert "--force" in again.output
    assert {p: p.stat().st_mtime_ns for p in written} == before
    forced = run("-q", "sample", "--seed", "3", "--out", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    assert [Path(p) for p in forced.stdout.split()] == written


def test_installed_console_script_runs(config, tmp_path):
    script = Path(sys.executable).parent / "hotspots"
    assert script.is_file(), "install the package (pip install -e .) to get the script"
    done = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert __version__ in done.stdout
    done = subprocess.run(
        [str(script), "check", "--config", "nope.toml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    out = tmp_path / "gi.gpkg"  # pyogrio warns about the temporary file's name
    done = subprocess.run(
        [str(script), "hotspots", "-c", str(config), "-w", WEEK, "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert "Warning" not in done.stderr
    assert ".py:" not in done.stderr


def test_backtest_writes_table_periods_and_plot(config, tmp_path):
    result = run(
        "-q",
        "backtest",
        "-c",
        str(config),
        "-w",
        WEEK,
        "--weeks",
        "2",
        "--methods",
        "last,ewma",
        "-o",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    names = sorted(Path(p).name for p in result.stdout.split())
    assert names == ["backtest.csv", "backtest_pai.png", "backtest_periods.csv"]
    periods = pd.read_csv(tmp_path / "backtest_periods.csv")
    assert set(periods["方法"]) == {"上期计数", "指数加权"}
    assert set(periods["周期"]) == {"2026-W46", WEEK}
    assert "平均命中率" in pd.read_csv(tmp_path / "backtest.csv").columns
    english = run(
        "-q", "backtest", "-c", str(config), "-w", WEEK, "--weeks", "2",
        "--methods", "last,ewma", "-o", str(tmp_path), "--language", "en",
    )  # fmt: skip
    assert english.exit_code == 0, english.output
    periods = pd.read_csv(tmp_path / "backtest_periods.csv")
    assert set(periods["method"]) == {"last period", "EWMA"}
    assert "hit rate" in periods.columns
    assert "mean hit rate" in pd.read_csv(tmp_path / "backtest.csv").columns
    bad = run("backtest", "-c", str(config), "--methods", "tea-leaves")
    assert bad.exit_code == 2
    assert "got 'tea-leaves' (unknown: tea-leaves)" in bad.output


def test_backtest_without_history_speaks_the_options(config, tmp_path):
    result = run(
        "-q", "backtest", "-c", str(config), "-w", "2026-W41", "--weeks", "3",
        "--methods", "last", "-o", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "start=" not in result.output
    assert "--weeks" in result.output
    assert "backtest_weeks under [analysis]" in result.output


def test_backtest_needs_at_least_one_method(config):
    bad = run("backtest", "-c", str(config), "--methods", " , ")
    assert bad.exit_code == 2
    assert "expected a comma-separated list of methods" in bad.output
    assert "got ' , '" in bad.output


def test_backtest_takes_the_configs_methods_unless_given(
    district_root, make_config, tmp_path
):
    config = make_config(
        district_root, "cli_methods.toml", analysis={"backtest_methods": ["moving"]}
    )
    result = run(
        "-q", "backtest", "-c", str(config), "-w", WEEK, "--weeks", "1",
        "-o", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    periods = pd.read_csv(tmp_path / "backtest_periods.csv")
    assert set(periods["方法"]) == {"移动平均"}


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        ("2026-W99", "'2026-W99' is not an existing week"),
        ("2026-47", "got '2026-47'"),
        ("9999-W52", "expected a week of the years 2000 to 2100"),
        ("1600-W10", "expected a week of the years 2000 to 2100"),
        ("2026-02-30", "'2026-02-30' is not an existing date"),
        ("W47", "got 'W47'"),
    ],
)
def test_a_bad_week_names_the_option_and_the_form(config, week, expected):
    result = run("hotspots", "-c", str(config), "-w", week)
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "'--week'" in message
    assert expected in message
    assert "YYYY-Www, e.g. 2026-W47" in message
    for python in ("labels", "period_start", "-01'"):
        assert python not in message


def test_a_week_is_normalised_before_the_job_sees_it(config, tmp_path):
    out = tmp_path / "gi.csv"
    result = run("-q", "hotspots", "-c", str(config), "-w", "2026-w47", "-o", str(out))
    assert result.exit_code == 0, result.output
    day = run("-q", "hotspots", "-c", str(config), "-w", "2026-11-18", "-o", str(out))
    assert day.exit_code == 0, day.output


class _ThirdPartyWarning(UserWarning):
    """A warning of another library."""


def _warn_twice() -> None:
    import warnings

    from hotspots.errors import ReportsLeftOutWarning

    left_out = ReportsLeftOutWarning
    warnings.warn("12 reports fall outside\nevery grid cell", left_out, stacklevel=1)
    warnings.warn(
        "The filename extension should be 'gpkg' instead of 'tmp' to conform",
        RuntimeWarning,
        stacklevel=1,
    )
    warnings.warn("12 reports fall outside every grid cell", left_out, stacklevel=1)
    warnings.warn("a third-party library speaks", _ThirdPartyWarning, stacklevel=1)


def test_library_warnings_become_one_line_notices(config, tmp_path, monkeypatch):
    # hotspots' warnings become notices; another library's warning is shown
    # as Python shows it (here: recorded by pytest.warns), never as a notice
    from hotspots.pipeline import weekly as pipeline

    real = pipeline.Weekly.gi

    def gi(self):
        _warn_twice()
        return real.func(self)

    monkeypatch.setattr(pipeline.Weekly, "gi", property(gi))
    out = tmp_path / "gi.gpkg"
    for _ in range(2):  # every run, not once per process
        with pytest.warns(_ThirdPartyWarning, match="a third-party library speaks"):
            result = run("hotspots", "-c", str(config), "-w", WEEK, "-o", str(out))
        assert result.exit_code == 0, result.output
        notices = [
            line for line in result.stderr.splitlines() if line.startswith("提示")
        ]
        planted = "提示：12 reports fall outside every grid cell"
        assert notices.count(planted) == 1
        assert len(notices) == len(set(notices))
        assert not any("max_street_distance_m" in n for n in notices)
        assert "Warning" not in result.stderr
        assert ".py:" not in result.stderr
        assert "instead of 'tmp'" not in result.stderr
        assert "third-party" not in result.stderr
    with pytest.warns(_ThirdPartyWarning):
        quiet = run("-q", "hotspots", "-c", str(config), "-w", WEEK, "-o", str(out))
    assert "提示" not in quiet.stderr


def test_library_messages_speak_the_config(config, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("编号,时间\n1,2026-11-16\n", encoding="utf-8")
    result = run("check", "-c", str(config), "--export", str(export))
    assert result.exit_code == 1
    assert "[input.mapping]" in result.output
    assert "mapping=" not in result.output
    assert "read_reports" not in result.output


def test_encoding_and_id_column_advice_speak_the_config(
    district_root, make_config, tmp_path
):
    gbk = make_config(district_root, "cli_utf8.toml", input={"encoding": "utf-8"})
    result = run("check", "-c", str(gbk), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 1
    assert 'encoding = "gbk"' in result.output
    assert "[input]" in result.output
    assert "encoding='" not in result.output
    grid = gpd.read_file(district_root / "boundaries" / "grid.geojson")
    grid.rename(columns={"grid_id": "网格编码"}).to_file(tmp_path / "grid.geojson")
    renamed = make_config(
        district_root,
        "cli_grid.toml",
        boundaries={"grid": str(tmp_path / "grid.geojson")},
    )
    result = run("-q", "hotspots", "-c", str(renamed), "-w", WEEK)
    assert result.exit_code == 1
    assert "id_column=" not in result.output
    assert "[boundaries]" in result.output
    assert "'grid_id'" in result.output


def test_pyproject_license_is_an_spdx_string():
    import tomllib

    root = Path(__file__).resolve().parents[1]
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"  # a table makes setuptools warn
    assert "setuptools>=77" in meta["build-system"]["requires"]  # reads SPDX


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_readme_starts_in_chinese_and_keeps_the_two_command_quickstart():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    zh, _, en = readme.partition("## In English")
    assert "### 快速开始" in zh
    assert "[input.mapping]" in zh
    for word in ("coords", "encoding", "[boundaries]"):
        assert word in zh
    quick_zh = zh.split("### 快速开始")[1].split("###")[0]
    quick_en = en.split("## Quickstart")[1].split("## ")[0]
    commands = ["bash scripts/weekly-sample.sh\n", "bash scripts/test.sh\n"]
    assert _blocks(quick_en, "bash") == commands
    assert _blocks(quick_zh, "bash") == commands
    tour = _blocks(en.split("## A short tour")[1], "python")[0]
    assert "head(30)" not in tour  # the top 30 by rank, whatever the row order
    assert 'ledger["rank"] <= 30' in tour
    used = set(re.findall(r"^hotspots (\w+)", readme, re.M))
    assert used
    assert used <= set(main.commands)


def test_week_advice_for_non_iso_weeks_speaks_the_options():
    from hotspots.cli import _cli_words

    library = (
        "labels is an ISO week label '2026-W47' but freq='W-SUN'. Pass a date "
        "such as '2026-11-16', or freq='W-MON'."
    )
    text = _cli_words(library)
    assert "freq=" not in text
    assert "labels" not in text
    assert "week_start under [city]" in text
    assert "e.g. 2026-11-16" in text


_ENGLISH = re.compile(r"[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+")  # four English words


@pytest.mark.parametrize("language", ["zh", "en"])
def test_weekly_notices_speak_the_config_language(district_root, make_config, language):
    cfg = make_config(
        district_root,
        f"notices_{language}.toml",
        map={"language": language},
        output={"folder": f"notice_maps_{language}"},
    )
    result = run("weekly", "--config", str(cfg))  # no --week: a notice says which
    assert result.exit_code == 0, result.output
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.startswith(("提示", "notice"))
    ]
    assert lines, result.stderr
    assert not any(line.startswith("提示/notice") for line in lines)
    if language == "zh":
        assert all(line.startswith("提示：") for line in lines)
        assert any(line.startswith("提示：未指定周：分析") for line in lines)
        assert not [line for line in lines if _ENGLISH.search(line)]
    else:
        assert all(line.startswith("notice: ") for line in lines)
        assert any("no week given: analysing" in line for line in lines)
        assert not [line for line in lines if re.search(r"[\u4e00-\u9fff]", line)]
