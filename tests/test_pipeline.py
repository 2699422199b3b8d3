"""The weekly job end to end, on a small generated district (see conftest)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hotspots._core.outputs import umask
from hotspots.errors import InputError
from hotspots.pipeline.weekly import (
    Weekly,
    WeeklyNotice,
    default_week,
    run_weekly,
)

WEEK = "2026-W47"

# the generated district has reports far from streets and one street island:
# both notices reach the caller (tested below), the other tests let them pass
pytestmark = [
    pytest.mark.filterwarnings("ignore::hotspots.errors.ReportsLeftOutWarning"),
    pytest.mark.filterwarnings("ignore:.*targets cannot be visited:UserWarning"),
]


@pytest.fixture(scope="module")
def job(district_root, make_config) -> Weekly:
    config = make_config(district_root)
    return run_weekly(config, week=WEEK)


def test_outputs_of_the_week_are_all_written(job, district_root):
    folder = district_root / "maps" / WEEK
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "index.html",
        "blind_spots.csv",
        "blind_spots.xlsx",
        "rejected.csv",
        "summary.json",
        "summary.txt",
        "patrol_plan.geojson",
        "patrol_plan.gpx",
        "patrol_plan.csv",
        "patrol_plan.xlsx",
        "backtest.csv",
        "backtest_pai.png",
    }
    assert job.outputs["map"] == folder / "index.html"
    index = (district_root / "maps" / "index.html").read_text(encoding="utf-8")
    assert f'href="{WEEK}/index.html"' in index
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]
    expected = 0o666 & ~umask()  # every output as readable as a plain new file
    assert {
        p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()
    } == dict.fromkeys(names, expected)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '"hs-summary"' in page  # the summary panel with the backtest


def test_counts_add_up_and_nothing_is_lost(job, district_root):
    s = json.loads((district_root / "maps" / WEEK / "summary.json").read_text("utf-8"))
    c = s["counts"]
    assert c["rows_read"] == c["accepted"] + c["quarantined"]
    assert c["quarantined"] > 0  # the generated export has broken rows
    # weekly exports: a case closed after its week is exported again, and
    # counted once as a case
    from hotspots.sample.district import make_district, weekly_exports

    district = make_district(seed=7, weeks=8, n_reports=6000)
    assert c["cases"] == len(district.reports)
    assert c["re_exported"] == len(weekly_exports(district).re_exported) > 0
    assert c["accepted"] == c["cases"] + c["re_exported"]
    assert c["cases"] == (
        c["reports_before_window"]
        + c["reports_before_week"]
        + c["reports_in_week"]
        + c["reports_after_week"]
    )
    in_week_assigned = job.this_week["grid_id"].notna().sum()
    assert job.cube[WEEK].sum() == in_week_assigned
    assert c["unassigned_grid"] == int(job.assigned["grid_id"].isna().sum())
    assert sum(int(v) for v in s["gi_classes"].values()) == len(job.grid)
    assert s["settings"]["alpha"] == 0.05
    assert s["history"] == "2026-W40..2026-W47"
    assert list(job.cube.columns) == [f"2026-W{w}" for w in range(40, 48)]


def test_ledger_is_ranked_with_chinese_headers(job, district_root):
    ledger = pd.read_csv(district_root / "maps" / WEEK / "blind_spots.csv")
    assert ledger.columns[:4].tolist() == ["排名", "网格编码", "社区编码", "盲区得分"]
    ranked = job.blind_spots[job.blind_spots["score"] > 0]
    assert 0 < len(ranked) < len(job.grid)
    assert ledger["排名"].tolist() == list(range(1, len(ranked) + 1))
    assert ledger["盲区得分"].is_monotonic_decreasing
    ws = openpyxl.load_workbook(district_root / "maps" / WEEK / "blind_spots.xlsx")
    sheet = ws["盲区台账"]
    assert sheet.cell(1, 1).value == "排名"
    assert sheet.max_row == len(ranked) + 1


def test_rejected_rows_keep_their_columns_with_private_values_masked(
    job, district_root
):
    rejected = pd.read_csv(
        district_root / "maps" / WEEK / "rejected.csv", dtype=str, keep_default_na=False
    )
    assert len(rejected) == len(job.read.quarantined)
    assert {"来源文件", "行号", "隔离原因", "案件编号", "上报人"} <= set(rejected)
    assert set(rejected["上报人"]) <= {"***", ""}
    assert set(rejected["联系电话"]) <= {"***", ""}
    # the frame itself keeps the personal data, only the shared file masks it
    assert (job.read.quarantined["上报人"] != "***").any()


def test_rejected_rows_speak_the_language(job):
    from hotspots._core.labels import quarantine_reason
    from hotspots._core.privacy import mask_text

    original = job.read.quarantined
    zh = job.rejected()  # the config's language: zh
    assert [zh.columns[0], *zh.columns[-2:]] == ["来源文件", "行号", "隔离原因"]
    assert "案件编号" in zh.columns  # the export's own header, kept
    expected = [quarantine_reason(mask_text(r), "zh") for r in original["reason"]]
    assert zh["隔离原因"].tolist() == expected
    for reason in zh["隔离原因"]:
        assert not re.search(
            r"\b(missing|unparseable|unknown|range|malformed)\b", reason
        )
    assert zh["行号"].tolist() == original["row_number"].tolist()
    en = job.rejected(language="en")
    assert [en.columns[0], *en.columns[-2:]] == ["Source file", "Row", "Reason"]
    assert en["Reason"].tolist() == [mask_text(r) for r in original["reason"]]
    assert set(en["上报人"].dropna()) <= {"***"}  # masking unchanged
    assert set(zh["上报人"].dropna()) <= {"***"}


def test_summary_text_in_one_language(job):
    c = job.summary["counts"]
    zh, en = job.summary_text(language="zh"), job.summary_text(language="en")
    assert zh == job.summary_text()  # the config's language
    figures = [
        c["rows_read"],
        c["accepted"],
        c["quarantined"],
        c["reports_in_week"],
        c["unassigned_grid_in_week"],
        c["unassigned_street_in_week"],
        c["unassigned_grid"],
        c["unassigned_street"],
    ]
    for text in (zh, en):
        for n in figures:
            assert re.search(rf"(?<![\d.]){n}(?![\d.])", text), (n, text)
    lines = en.splitlines()
    assert lines[1] == (
        f"All exports: rows read {c['rows_read']}, accepted {c['accepted']}, "
        f"quarantined {c['quarantined']}"
    )
    assert lines[2] == (
        f"Ledger: cases {c['cases']}, re-exported rows {c['re_exported']}"
    )
    assert lines[3].startswith(f"This week: reports {c['reports_in_week']};")
    assert zh.splitlines()[1] == (
        f"全部导出：读取 {c['rows_read']} 行，接收 {c['accepted']}，"
        f"隔离 {c['quarantined']}"
    )
    # English: no Chinese but the data's own words (city, category names)
    data_words = {job.config.city, *job.read.reports["category"].dropna().unique()}
    stripped = en
    for word in sorted(data_words, key=len, reverse=True):
        stripped = stripped.replace(str(word), "")
    assert not re.search(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", stripped)
    # Chinese: none of the English template's words
    template = "reports|this week|all exports|history|accepted|quarantined|notice"
    assert not re.search(template, zh, re.IGNORECASE)


def test_no_personal_data_in_the_map(job, district_root):
    page = (district_root / "maps" / WEEK / "index.html").read_text(encoding="utf-8")
    phones = job.read.reports["reporter_phone"].dropna().astype(str).unique()
    names = job.read.reports["reporter_name"].dropna().astype(str).unique()
    assert len(phones) > 10
    assert not [p for p in phones if p in page]
    assert not [n for n in names if len(n) >= 3 and f'"{n}"' in page]


def test_rerunning_a_week_gives_the_same_files(job, district_root):
    folder = district_root / "maps" / WEEK
    before = {
        name: (folder / name).read_bytes()
        for name in ("blind_spots.csv", "rejected.csv", "summary.json", "index.html")
    }
    run_weekly(job.config, week=WEEK)
    for name, content in before.items():
        assert (folder / name).read_bytes() == content, name


def test_a_crash_leaves_the_previous_week_intact(job, district_root, monkeypatch):
    import hotspots.render.weekly_map

    folder = district_root / "maps" / WEEK
    before = (folder / "summary.json").read_bytes()

    def broken(m, path):
        Path(path).write_text("half a map", encoding="utf-8")
        msg = "power cut"
        raise OSError(msg)

    monkeypatch.setattr(hotspots.render.weekly_map, "save_map", broken)
    again = Weekly(job.config, week=WEEK)
    with pytest.raises(OSError, match="power cut"):
        again.write()
    assert (folder / "summary.json").read_bytes() == before
    assert "half a map" not in (folder / "index.html").read_text(encoding="utf-8")
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_the_outputs_skip_the_z_series_which_job_emerging_has(job):
    job = Weekly(job.config, week=WEEK)
    assert job.map is not None
    assert job.summary["patterns"]
    # the map and the summary's patterns came without the z-score lists
    assert "emerging" not in vars(job)
    lean = job._patterns
    assert "z_series" not in lean.columns
    full = job.emerging
    assert len(full["z_series"].iloc[0]) == len(full.attrs["periods"])
    pd.testing.assert_frame_equal(full.drop(columns="z_series"), lean)
    assert job._patterns is lean  # cached: computed once


def test_steps_are_inspectable_and_repr_html_shows_summary_and_map(job):
    assert {"grid_id", "segment_id", "street_distance_m"} <= set(job.assigned.columns)
    assert job.emerging["pattern"].notna().all()
    assert job.blind_spots["rank"].min() == 1
    page = job._repr_html_()
    assert "<table>" in page
    assert "rows_read" in page
    assert "leaflet" in page.lower()


def test_default_week_is_the_last_complete_one():
    assert default_week(today=dt.date(2026, 11, 22)) == "2026-W46"
    assert default_week(today=dt.date(2026, 11, 23)) == "2026-W47"
    assert default_week(today=dt.date(2027, 1, 4)) == "2026-W53"


def test_week_is_normalised_and_bounds_follow_the_timezone(job):
    w = Weekly(job.config, week="2026-W47")
    assert w.week_start == pd.Timestamp("2026-11-16", tz="Asia/Shanghai")
    assert w.week_end == pd.Timestamp("2026-11-23", tz="Asia/Shanghai")
    assert w.first_week == "2026-W40"


def test_missing_grid_layer_is_a_clear_error(district_root, make_config):
    text = make_config(district_root).read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("grid"))
    config = district_root / "no_grid.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"no boundaries.grid: add the path"):
        _ = Weekly(config, week=WEEK).grid


def test_backtest_table_is_in_the_summary(job, district_root):
    s = json.loads((district_root / "maps" / WEEK / "summary.json").read_text("utf-8"))
    rows = s["backtest"]
    assert [r["method"] for r in rows] == ["last period", "EWMA", "prospective"]
    assert all(r["coverage"] == 0.05 for r in rows)
    assert all(r["periods"] == 3 for r in rows)
    assert job.backtest.periods["period"].nunique() == 3
    assert set(job.backtest.periods["period"]) == {"2026-W45", "2026-W46", WEEK}
    png = (district_root / "maps" / WEEK / "backtest_pai.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "预测回测" in (district_root / "maps" / WEEK / "summary.txt").read_text(
        "utf-8"
    )


def test_default_week_is_the_last_complete_week_with_reports():
    times = pd.Series(
        pd.to_datetime(["2026-11-02 09:00", "2026-11-18 09:00"]).tz_localize(
            "Asia/Shanghai"
        )
    )
    # the clock is long past the data: the week of the data, not an empty one
    assert default_week(today=dt.date(2027, 6, 1), reports=times) == "2026-W47"
    # the last report's week is not over yet: the week before with reports
    assert default_week(today=dt.date(2026, 11, 20), reports=times) == "2026-W45"
    # no complete week holds a report: the clock's rule
    assert default_week(today=dt.date(2026, 10, 1), reports=times) == "2026-W39"
    frame = pd.DataFrame({"reported_at": times})
    assert default_week(today=dt.date(2027, 6, 1), reports=frame) == "2026-W47"
    sunday = default_week(
        "America/Chicago", freq="W-SUN", today=dt.date(2027, 1, 1), reports=times
    )
    assert sunday == "2026-11-15"  # 2026-11-17 19:00 in Chicago


def test_default_week_is_chosen_from_the_data_and_announced(job):
    weekly = Weekly(job.config)
    with pytest.warns(WeeklyNotice, match=r"no week given: analysing 2026-W47, the"):
        assert weekly.week == WEEK
    assert weekly.week_notice is not None
    assert "last report was filed 2026-11-22" in weekly.week_notice
    assert weekly.notices == [weekly.week_notice]
    assert weekly.first_week == "2026-W40"


@pytest.mark.parametrize("week", ["2026-W99", "2026-47", "9999-W52", "1600-W10"])
def test_bad_weeks_name_the_week_option_and_the_form(job, week):
    with pytest.raises(InputError) as info:
        Weekly(job.config, week=week)
    text = str(info.value)
    assert text.startswith("week must be an ISO week written YYYY-Www")
    assert f"got {week!r}" in text
    assert "years 1900 to 2200" in text
    assert "--week 2026-W47" in text
    assert "labels" not in text
    assert "\n" not in text


def test_a_boundary_error_in_the_loading_thread_surfaces_as_is(
    district_root, make_config
):
    text = make_config(district_root).read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("grid"))
    config = district_root / "no_grid_threaded.toml"
    config.write_text(text, encoding="utf-8")
    job = Weekly(config, week=WEEK)
    with pytest.raises(InputError, match=r"no boundaries.grid: add the path"):
        _ = job.assigned
    assert "_state" in job.__dict__  # the exports were ingested meanwhile


def test_steps_load_side_by_side_without_overlapping_progress_calls(
    district_root, make_config
):
    import threading
    import time

    busy = threading.Lock()
    steps: list[str] = []
    overlaps: list[str] = []

    def progress(step: str) -> None:
        if not busy.acquire(blocking=False):
            overlaps.append(step)
            return
        try:
            steps.append(step)
            time.sleep(0.05)  # widen the window a second caller would hit
        finally:
            busy.release()

    job = Weekly(make_config(district_root), week=WEEK, progress=progress)
    assigned = job.assigned
    assert overlaps == []
    assert {"ingest", "grid", "streets", "segments"} <= set(steps)
    assert steps[-1] == "assign"
    # the same frames as loading one after the other
    alone = Weekly(make_config(district_root), week=WEEK)
    _ = alone.read, alone.grid, alone.segments, alone.areas
    pd.testing.assert_frame_equal(
        pd.DataFrame(assigned.drop(columns="geometry")),
        pd.DataFrame(alone.assigned.drop(columns="geometry")),
    )


# -- this week's figures, short histories, empty weeks, no streets -----------------


def _config_without(root: Path, make_config, prefix: str, name: str, **sections):
    text = make_config(root, **sections).read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(prefix)]
    path = root / name
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def test_this_week_line_holds_only_this_weeks_figures(job, district_root):
    folder = district_root / "maps" / WEEK
    s = json.loads((folder / "summary.json").read_text("utf-8"))
    c = s["counts"]
    week = job.this_week
    assert c["unassigned_street_in_week"] == int(week["segment_id"].isna().sum())
    assert c["unassigned_street"] == int(job.assigned["segment_id"].isna().sum())
    assert 0 < c["unassigned_street_in_week"] < c["unassigned_street"]
    assert "unassigned_street_in_week" in s["count_scopes"]["week"]
    assert "unassigned_street" in s["count_scopes"]["window"]
    scopes = s["count_scopes"]
    assert set(scopes["week"]) | set(scopes["all_history"]) | set(scopes["window"]) == (
        set(c)
    )
    lines = (folder / "summary.txt").read_text("utf-8").splitlines()
    this_week = next(line for line in lines if line.startswith("本周"))
    assert f"上报 {c['reports_in_week']}；" in this_week
    assert this_week.endswith(f"米内无街道 {c['unassigned_street_in_week']}")
    history = next(line for line in lines if line.startswith("分析窗口"))
    assert history.endswith(f"米内无街道 {c['unassigned_street']}")


def test_little_history_and_no_streets_skip_with_notices_and_write_the_rest(
    district_root, make_config, tmp_path
):
    # the district starts in 2026-W40: a 3-week backtest of W41 has no history
    config = _config_without(district_root, make_config, "streets", "grid_only.toml")
    with pytest.warns(WeeklyNotice) as caught:
        job = run_weekly(config, week="2026-W41", output_folder=tmp_path)
    notices = [str(w.message) for w in caught if w.category is WeeklyNotice]
    assert len(notices) == 3
    assert notices[0].startswith("no [boundaries] streets in the config: the street")
    assert "[patrol] enabled = true needs the street network" in notices[1]
    assert notices[2].startswith(
        "backtest skipped: [analysis] backtest_weeks = 3 forecasts "
        "2026-W39..2026-W41, each from the weeks before it, but the first report "
        "is in 2026-W40; set [analysis] backtest_weeks to 1 or less"
    )
    assert all("\n" not in n and "start=" not in n for n in notices)
    assert job.backtest is None
    assert job.plan is None
    assert job.segments is None
    assert "segment_id" not in job.assigned.columns
    assert job.this_week["grid_id"].notna().all()
    names = {p.name for p in (tmp_path / "2026-W41").iterdir()}
    assert names == {
        "index.html",
        "blind_spots.csv",
        "blind_spots.xlsx",
        "rejected.csv",
        "summary.json",
        "summary.txt",
    }
    s = json.loads((tmp_path / "2026-W41" / "summary.json").read_text("utf-8"))
    assert s["counts"]["unassigned_street"] is None
    assert s["notices"] == notices
    assert s["counts"]["reports_in_week"] > 0
    text = (tmp_path / "2026-W41" / "summary.txt").read_text("utf-8")
    assert "无街道匹配：—（无街道图层）" in text
    assert "提示：跳过回测：[analysis] backtest_weeks = 3" in text  # in the summary's
    assert "backtest skipped" not in text  # language; summary.json keeps English


def test_patrol_disabled_needs_no_streets_and_says_nothing_about_patrols(
    district_root, make_config
):
    config = _config_without(
        district_root,
        make_config,
        "streets",
        "grid_only_no_patrol.toml",
        patrol={"enabled": False},
    )
    job = Weekly(config, week=WEEK)
    assert job.plan is None
    assert job.notices == []


@pytest.mark.filterwarnings("ignore:emerging_hotspots. no unit has a report")
def test_an_explicit_empty_week_runs_and_says_zero(district_root, make_config):
    job = Weekly(make_config(district_root), week="2026-W30")
    with pytest.warns(WeeklyNotice) as caught:
        summary = job.summary
    notices = [str(w.message) for w in caught if w.category is WeeklyNotice]
    assert (
        sum(
            n.startswith("2026-W30 has no reports: its map and summary show 0")
            for n in notices
        )
        == 1
    )
    assert summary["counts"]["reports_in_week"] == 0
    assert summary["top_blind_spots"] == []  # as in the ledger: no score, no row
    assert job.week_notice is None
    text = job.summary_text()
    assert "本周：0 条上报（本周无上报）" in text
    assert "提示：2026-W30没有上报" in text
    english = job.summary_text(language="en")
    assert "This week: 0 reports (nothing was reported this week)" in english


# -- config-driven calls: TOML keys in messages, boundary columns, CRS -------------


def test_boundary_columns_come_from_the_config(district_root, make_config, tmp_path):
    import geopandas as gpd

    grid = gpd.read_file(district_root / "boundaries" / "grid.geojson")
    streets = gpd.read_file(district_root / "boundaries" / "streets.geojson")
    grid.rename(columns={"grid_id": "网格编码"}).to_file(tmp_path / "grid.geojson")
    streets.rename(columns={"street_id": "osm_id", "name": "NAME"}).to_file(
        tmp_path / "streets.geojson"
    )
    config = make_config(
        district_root,
        name="columns.toml",
        boundaries={
            "grid": str(tmp_path / "grid.geojson"),
            "streets": str(tmp_path / "streets.geojson"),
            "grid_id_column": "网格编码",
            "streets_id_column": "osm_id",
            "streets_name_column": "NAME",
        },
    )
    job = Weekly(config, week=WEEK)
    assert job.grid["grid_id"].tolist() == grid["grid_id"].astype(str).tolist()
    segments = job.segments
    assert segments is not None
    assert set(segments["street_id"]) == set(streets["street_id"].astype(str))
    assert "NAME" not in job._street_segments.columns

    wrong = make_config(
        district_root,
        name="columns_wrong.toml",
        boundaries={
            "grid": str(tmp_path / "grid.geojson"),
            "grid_id_column": "编码",
            "streets_name_column": "名称",
        },
    )
    with pytest.raises(InputError) as info:
        _ = Weekly(wrong, week=WEEK).grid
    assert "[boundaries] grid_id_column" in str(info.value)
    assert "id_column=" not in str(info.value)
    with pytest.raises(InputError, match=r"\[boundaries\] streets_name_column names"):
        _ = Weekly(wrong, week=WEEK)._street_segments


def test_read_errors_name_the_toml_key(district_root, make_config):
    config = make_config(district_root, name="utf16.toml", input={"encoding": "utf-16"})
    with pytest.raises(InputError) as info:
        _ = Weekly(config, week=WEEK).read
    text = str(info.value)
    assert "encoding='" not in text
    assert '[input] encoding = "' in text


def test_streets_in_another_crs_are_reprojected_with_a_notice(
    district_root, make_config, tmp_path
):
    import geopandas as gpd

    streets = gpd.read_file(district_root / "boundaries" / "streets.geojson")
    grid_crs = gpd.read_file(district_root / "boundaries" / "grid.geojson").crs
    other = "EPSG:3857" if grid_crs.to_epsg() != 3857 else "EPSG:4326"
    streets.to_crs(other).to_file(tmp_path / "streets.geojson")
    config = make_config(
        district_root,
        name="crs.toml",
        boundaries={"streets": str(tmp_path / "streets.geojson")},
    )
    job = Weekly(config, week=WEEK)
    with pytest.warns(WeeklyNotice) as caught:
        grid, segments, _areas = job._inputs()
    text = str(caught[0].message)
    assert text == (
        f"the streets layer is in {other} and the grid in "
        f"EPSG:{grid_crs.to_epsg()}: the streets were reprojected to "
        f"EPSG:{grid_crs.to_epsg()}. Save both in one CRS to skip this step."
    )
    assert segments.crs == grid.crs


def _bowtie_grid(root: Path, folder: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import Polygon

    grid = gpd.read_file(root / "boundaries" / "grid.geojson")
    x0, y0, x1, y1 = grid.geometry.iloc[0].bounds
    grid.loc[grid.index[0], "geometry"] = Polygon(
        [(x0, y0), (x1, y1), (x1, y0), (x0, y1)]
    )
    path = folder / "grid.geojson"
    grid.to_file(path)
    return path


@pytest.mark.filterwarnings("default")
def test_notices_from_the_loading_threads_reach_the_caller_every_time(
    district_root, make_config, tmp_path, monkeypatch
):
    import warnings

    import hotspots.read.boundaries

    config = make_config(
        district_root,
        name="bowtie.toml",
        boundaries={"grid": str(_bowtie_grid(district_root, tmp_path))},
    )
    real = hotspots.read.boundaries.segment_streets

    def leaky(*args, **kwargs):
        # what two threads inside shapely.is_valid's catch_warnings can leave
        # behind: an "ignore everything" filter for the rest of the process
        warnings.simplefilter("ignore")
        return real(*args, **kwargs)

    monkeypatch.setattr(hotspots.read.boundaries, "segment_streets", leaky)
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _ = Weekly(config, week=WEEK).assigned
        kinds = [w.category.__name__ for w in caught]
        assert kinds.count("BoundaryRepairWarning") == 1, kinds
        assert kinds.count("ReportsLeftOutWarning") == 1, kinds
        repair = next(w for w in caught if w.category.__name__.startswith("Bound"))
        assert "invalid geometries repaired" in str(repair.message)


# -- one week definition: a city in America/Chicago with Sunday weeks ------------------


def _sunday_week(local: dt.datetime) -> str:
    """The Sunday-to-Saturday week of a local wall time, by plain datetime."""
    start = local.date() - dt.timedelta(days=(local.weekday() + 1) % 7)
    return start.isoformat()


def _chicago_city(root: Path) -> tuple[Path, pd.DataFrame]:
    """A 4 x 4 grid of 500 m cells in Chicago and 7 weeks of reports."""
    import random

    import geopandas as gpd
    import pyproj
    from shapely.geometry import box

    utm = "EPSG:32616"
    x0, y0 = 447_000.0, 4_635_000.0
    cells, ids, centres = [], [], []
    for r in range(4):
        for c in range(4):
            x, y = x0 + c * 500, y0 + r * 500
            cells.append(box(x, y, x + 500, y + 500))
            ids.append(f"R{r}C{c}")
            centres.append((x + 250, y + 250))
    (root / "b").mkdir()
    gpd.GeoDataFrame({"grid_id": ids}, geometry=cells, crs=utm).to_file(
        root / "b" / "grid.geojson"
    )
    to_wgs = pyproj.Transformer.from_crs(utm, "EPSG:4326", always_xy=True)
    rng = random.Random(5)
    rows = []
    # 2025-10-12 .. 2025-11-29: across the end of daylight saving (2 Nov), many
    # times late on Saturday evening, when UTC (and Shanghai) is already Sunday
    first = dt.datetime(2025, 10, 12)
    for i in range(420):
        day = first + dt.timedelta(days=rng.randrange(49))
        hour = rng.choice([0, 9, 14, 22, 23])
        local = day.replace(hour=hour, minute=rng.choice([5, 30, 55]))
        if local.date() == dt.date(2025, 11, 2) and hour < 3:
            local = local.replace(hour=9)  # keep clear of the repeated hour
        k = rng.randrange(16) if rng.random() < 0.6 else rng.choice([5, 6, 9])
        x, y = centres[k]
        lon, lat = to_wgs.transform(
            x + rng.uniform(-150, 150), y + rng.uniform(-150, 150)
        )
        rows.append(
            {
                "report_id": f"r{i:04d}",
                "reported_at": local.strftime("%Y-%m-%d %H:%M:%S"),
                "category": "graffiti",
                "status": "open",
                "source": "hotline",
                "lon": round(lon, 7),
                "lat": round(lat, 7),
                "_cell": ids[k],
                "_week": _sunday_week(local),
            }
        )
    truth = pd.DataFrame(rows)
    truth.drop(columns=["_cell", "_week"]).to_csv(root / "reports.csv", index=False)
    config = root / "chicago.toml"
    config.write_text(
        "\n".join(
            [
                "[city]",
                'name = "Chicago test"',
                'timezone = "America/Chicago"',
                'week_start = "sunday"',
                "[input]",
                f'reports = "{root / "reports.csv"}"',
                "[boundaries]",
                f'grid = "{root / "b" / "grid.geojson"}"',
                "[analysis]",
                "history_weeks = 6",
                "periods = 4",
                "cluster_min_samples = 3",
                "backtest_weeks = 2",
                'backtest_methods = ["last", "ewma"]',
                "[map]",
                'language = "en"',
                "[output]",
                f'folder = "{root / "maps"}"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return config, truth


def test_chicago_sunday_weeks_agree_with_plain_datetime_everywhere(tmp_path):
    from zoneinfo import ZoneInfo

    config, truth = _chicago_city(tmp_path)
    with pytest.warns(WeeklyNotice) as caught:
        job = run_weekly(config, write=False)
    # the default week: the last complete Sunday week with reports
    weeks = sorted(truth["_week"].unique())
    assert job.week == weeks[-1] == "2025-11-23"
    assert any("analysing 2025-11-23" in str(w.message) for w in caught)
    assert job.week_start == pd.Timestamp("2025-11-23", tz="America/Chicago")
    assert job.week_end == pd.Timestamp("2025-11-30", tz="America/Chicago")
    # the week of every report, from the job's own times, by plain zoneinfo
    zone = ZoneInfo("America/Chicago")
    a = job.assigned.set_index("report_id")
    assert len(a) == len(truth)
    job_weeks = {
        rid: _sunday_week(t.to_pydatetime().astimezone(zone).replace(tzinfo=None))
        for rid, t in a["reported_at"].items()
    }
    assert job_weeks == dict(zip(truth["report_id"], truth["_week"], strict=True))
    assert a.loc[truth["report_id"], "grid_id"].tolist() == truth["_cell"].tolist()
    # the cube: one column per Sunday week of the history, the counts agree
    history = weeks[-6:]
    assert list(job.cube.columns) == history
    expected = (
        truth[truth["_week"].isin(history)]
        .groupby(["_cell", "_week"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=job.cube.index, columns=history, fill_value=0)
    )
    assert (job.cube.to_numpy() == expected.to_numpy()).all()
    # the week's reports, the blind-spot window and the backtest weeks
    in_week = set(truth.loc[truth["_week"] == job.week, "report_id"])
    assert set(job.this_week["report_id"]) == in_week
    assert job.blind_spots.attrs["periods"] == weeks[-4:]
    assert sorted(job.backtest.periods["period"].unique()) == weeks[-2:]
    assert job.summary["week_start"] == "2025-11-23"
    assert job.summary["settings"]["week_start"] == "sunday"
    # Saturday 23:30 in Chicago is Sunday in UTC: the local week wins
    late = truth[truth["reported_at"].str.endswith(("23:30:00", "23:55:00"))]
    saturday = late[
        [dt.datetime.fromisoformat(t).weekday() == 5 for t in late["reported_at"]]
    ]
    assert len(saturday) > 0
    # the history of a week after the spring change starts 5 local weeks back
    spring = Weekly(config, week="2025-03-16")
    assert spring.first_week == "2025-02-09"
    assert spring.week_end == pd.Timestamp("2025-03-23", tz="America/Chicago")
    assert all(
        job_weeks[r] == w
        for r, w in zip(saturday["report_id"], saturday["_week"], strict=True)
    )


# -- warnings: the job's own become notices, other libraries' reach the caller --------


class _ThirdPartyWarning(UserWarning):
    """A warning of another library (not a HotspotsWarning)."""


def test_a_third_party_warning_reaches_the_caller_and_own_ones_become_notices(
    district_root, make_config, monkeypatch
):
    import warnings

    import hotspots.accountability.deadlines as deadlines_module
    from hotspots.accountability.deadlines import NoLimitWarning
    from hotspots.errors import HotspotsWarning

    config = make_config(
        district_root,
        name="warned.toml",
        responsibility={
            "units": "boundaries/units.csv",
            "duties": "boundaries/duties.geojson",
        },
    )
    real = deadlines_module.deadlines

    def speaking(*args, **kwargs):
        warnings.warn("a library speaks", _ThirdPartyWarning, stacklevel=2)
        warnings.warn(NoLimitWarning("3 cases have no time limit"), stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(deadlines_module, "deadlines", speaking)
    weekly = Weekly(config, week=WEEK)
    with warnings.catch_warnings():  # its notices are not what this test is about
        warnings.simplefilter("ignore", WeeklyNotice)
        _ = weekly.units
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _ = weekly.deadlines
    third = [w for w in caught if w.category is _ThirdPartyWarning]
    assert [str(w.message) for w in third] == ["a library speaks"]
    assert "3 cases have no time limit" in weekly.notices
    noticed = [w for w in caught if w.category is WeeklyNotice]
    assert "3 cases have no time limit" in [str(w.message) for w in noticed]
    assert issubclass(WeeklyNotice, HotspotsWarning)
    assert not any(w.category is NoLimitWarning for w in caught)
    # a caller's "error" filter stops the job at the third-party warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", _ThirdPartyWarning)
        warnings.simplefilter("ignore", WeeklyNotice)
        with pytest.raises(_ThirdPartyWarning, match="a library speaks"):
            _ = Weekly(config, week=WEEK).deadlines
