"""The accountability loop in the weekly job: units, deadlines, scorecards, 回头看."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hotspots.errors import InputError
from hotspots.pipeline.config import config_from_dict
from hotspots.pipeline.weekly import RECHECK_PREFIX, Weekly, run_weekly

WEEK = "2026-W47"
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

pytestmark = [
    pytest.mark.filterwarnings("ignore::hotspots.errors.ReportsLeftOutWarning"),
    pytest.mark.filterwarnings("ignore:.*targets cannot be visited:UserWarning"),
    pytest.mark.filterwarnings("ignore::hotspots.pipeline.weekly.WeeklyNotice"),
]

LIMITS = '[deadlines]\ndefault = "3wd"\n[deadlines.limits]\n"占道经营" = "2h"\n'


def _config(root: Path, make_config, name: str, **sections) -> Path:
    path = make_config(
        root,
        name,
        responsibility={
            "units": "boundaries/units.csv",
            "duties": "boundaries/duties.geojson",
        },
        boundaries={"places": str(root / "boundaries" / "places.geojson")},
        recheck={"top_k": 4},
        scorecard={"levels": ["unit_id", "subdistrict_id"], "target": 0.8},
        output={"folder": str(root / f"maps_{Path(name).stem}")},
        **sections,
    )
    with path.open("a", encoding="utf-8") as f:
        f.write(LIMITS)
    return path


@pytest.fixture(scope="module")
def job(district_root, make_config) -> Weekly:
    return run_weekly(_config(district_root, make_config, "acc.toml"), week=WEEK)


@pytest.fixture(scope="module")
def folder(job) -> Path:
    return job.outputs["map"].parent


def test_the_job_writes_the_scorecard_recheck_and_overdue_files(job, folder):
    names = {p.name for p in folder.iterdir()}
    assert {"scorecard.xlsx", "recheck.csv", "overdue.csv"} <= names
    book = openpyxl.load_workbook(folder / "scorecard.xlsx", read_only=True)
    assert book.sheetnames == ["责任单位", "街道", "红黑榜"]
    header = [c.value for c in next(book["责任单位"].iter_rows(max_row=1))]
    assert {
        "责任单位编号",
        "按期结案率",
        "按期结案率下限",
        "按期结案率上限",
        "案件编号",
    } <= set(header)
    recheck = pd.read_csv(folder / "recheck.csv")
    assert len(recheck) == 4
    assert recheck["复发概率"].is_monotonic_decreasing
    overdue = pd.read_csv(folder / "overdue.csv")
    assert overdue["超期概率"].between(0, 1).all()
    s = json.loads((folder / "summary.json").read_text("utf-8"))["scorecard"]
    assert s["rechecks"] == 4
    assert s["red"] + s["black"] + s["not_distinguishable"] == len(job.red_black)
    assert "责任考核" in (folder / "summary.txt").read_text("utf-8")


def test_every_case_is_owned_or_counted_as_unowned(job):
    units, history = job.units, job.history
    assert len(units) == len(history)
    assert set(units["report_id"]) == set(history["report_id"])
    unowned = int(units["unit_id"].isna().sum())
    assert unowned > 0  # the sample leaves some cells without a keeper
    assert job.summary["scorecard"]["unowned"] == unowned
    owned = units["unit_rule"].value_counts().sum()
    assert owned + unowned == len(units)
    # the window scorecard counts every owned case once
    card = job.scorecard["unit_id"]["window"]
    in_window = units[units["reported_at"] >= job.window_start]
    assert card["cases"].sum() == len(in_window)


def test_red_and_black_lists_follow_the_intervals(job):
    rb = job.red_black
    target = 0.8
    red, black = rb[rb["list"] == "red"], rb[rb["list"] == "black"]
    assert len(red)
    assert len(black)
    assert (red["on_time_rate_lo"] > target).all()
    assert (black["on_time_rate_hi"] < target).all()
    rest = rb[~rb["list"].isin(["red", "black"])]
    assert (
        (rest["on_time_rate_lo"] <= target) & (rest["on_time_rate_hi"] >= target)
    ).all()
    assert rb["previous_list"].notna().any()


def test_recheck_stops_are_in_the_patrol_plan(job):
    ids = {RECHECK_PREFIX + r for r in job.recheck["report_id"]}
    stops = job.plan.stops
    planned = set(stops["target_id"].astype(str)) | set(
        job.plan.left_out["target_id"].astype(str)
    )
    assert ids <= planned
    visited = stops[stops["target_id"].astype(str).isin(ids)]
    assert len(visited) >= 1
    assert visited["reason"].astype(str).str.startswith("回头看").all()


def test_new_files_carry_no_phone_numbers(job, folder):
    for name in ("recheck.csv", "overdue.csv"):
        assert not PHONE.search((folder / name).read_text("utf-8"))
    book = openpyxl.load_workbook(folder / "scorecard.xlsx", read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(PHONE.search(str(v)) for v in row if v is not None)


def test_without_the_section_nothing_changes(district_root, make_config):
    config = make_config(
        district_root, "plain.toml", output={"folder": str(district_root / "m0")}
    )
    job = run_weekly(config, week=WEEK)
    names = {p.name for p in job.outputs["map"].parent.iterdir()}
    assert not {"scorecard.xlsx", "recheck.csv", "overdue.csv"} & names
    assert "scorecard" not in job.summary
    assert not any(
        str(t).startswith(RECHECK_PREFIX) for t in job.plan.stops["target_id"]
    )
    with pytest.raises(InputError, match=r"\[responsibility\]"):
        _ = job.units


BASE = {"input": {"reports": "reports.csv"}}


@pytest.mark.parametrize(
    ("sections", "match"),
    [
        ({"deadlines": {"default": "3d"}}, r"needs \[responsibility\]"),
        ({"responsibility": {"units": "u.csv"}}, r"responsibility\.duties is missing"),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "deadlines": {"limits": {"占道经营": "2 days"}}},
            r"deadlines\.limits\.'占道经营' must be a time limit",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "deadlines": {"default": "1.5wd"}},
            r"deadlines\.default must be a time limit",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "scorecard": {"target": 1.5}},
            r"scorecard\.target must be",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "scorecard": {"levels": ["unit"]}},
            r"scorecard\.levels must be",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "scorecard": {"metric": "speed"}},
            r"scorecard\.metric must be",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "recheck": {"top_k": 0}},
            r"recheck\.top_k must be",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "recheck": {"within_days": 30, "history_days": 20}},
            r"recheck\.history_days must be longer",
        ),
        (
            {"responsibility": {"units": "u", "duties": "d"},
             "recheck": {"topk": 3}},
            r"Did you mean 'top_k'",
        ),
        (
            {"responsibility": {"units": "missing.csv", "duties": "d.geojson"}},
            r"responsibility\.units: file .* does not exist",
        ),
    ],
)  # fmt: skip
def test_config_errors_name_the_key(tmp_path, sections, match):
    with pytest.raises(InputError, match=match):
        config_from_dict({**BASE, **sections}, base=tmp_path)


def test_cli_scorecard_and_recheck(job, tmp_path):
    from click.testing import CliRunner

    from hotspots.cli import main

    config = str(job.config.path)
    book = tmp_path / "card.xlsx"
    run = CliRunner().invoke(
        main,
        ["-q", "scorecard", "-c", config, "-w", WEEK, "-o", str(book),
         "--language", "en"],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert sheets == ["unit_id", "subdistrict_id", "Red and black list"]
    out = tmp_path / "re.csv"
    run = CliRunner().invoke(
        main,
        ["-q", "recheck", "-c", config, "-w", WEEK, "-o", str(out), "--top-k", "2"],
    )
    assert run.exit_code == 0, run.output
    assert len(pd.read_csv(out)) == 2


def test_cli_without_responsibility_is_one_line(district_root, make_config):
    from click.testing import CliRunner

    from hotspots.cli import main

    config = make_config(district_root, "plain.toml")
    run = CliRunner().invoke(main, ["-q", "recheck", "-c", str(config)])
    assert run.exit_code == 1
    assert "has no [responsibility]" in run.output
    assert len(run.output.strip().splitlines()) == 1


def test_unowned_cases_are_a_scorecard_row_but_not_listed(job):
    card = job.scorecard["unit_id"]["window"]
    assert card["unit_id"].isna().sum() == 1
    assert job.red_black["unit_id"].notna().all()


def test_the_job_writes_places_supervision_sheets_and_the_unit_layer(job, folder):
    places = pd.read_csv(folder / "places.csv")
    assert len(places) == len(job.place_stats) > 0
    assert (places["cases_window"] >= places["cases_week"]).all()
    sheets = sorted((folder / "supervision").glob("*.html"))
    assert len(sheets) == min(10, int((job.blind_spots["score"] > 0).sum()))
    for page in sheets:
        assert not PHONE.search(page.read_text("utf-8"))
    layer = job.unit_places
    assert set(layer["list"]) <= {"red", "black", "not distinguishable"}
    listed = job.red_black.set_index("unit_id")["list"]
    assert (layer["list"].to_numpy() == listed[layer["unit_id"]].to_numpy()).all()
    html = (folder / "index.html").read_text("utf-8")
    assert '"scorecard"' in html
