"""The weekly job with [patrol] shifts: profiles, staggered shifts, visit windows."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from test_patrol import check_constraints
from test_render import decode, payload

from hotspots.errors import InputError
from hotspots.pipeline.config import config_from_dict, load_config
from hotspots.pipeline.weekly import Weekly, run_weekly

WEEK = "2026-W47"
ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.filterwarnings("ignore::hotspots.errors.ReportsLeftOutWarning"),
    pytest.mark.filterwarnings("ignore:.*targets cannot be visited:UserWarning"),
    pytest.mark.filterwarnings("ignore::hotspots.pipeline.weekly.WeeklyNotice"),
]

#: Raw counts (no smoothing, no pooling): the generated district's cells have
#: few reports each, so their hours bunch and the stops get windows.
SHIFTS = {
    "shifts": [8, 4],
    "allowed_hours": [6, 23],
    "min_on_duty": 1,
    "window_minutes": 60,
    "revisit_top": 2,
    "revisit_gap_minutes": 120,
    "profile_bandwidth_h": 0,
    "profile_prior_strength": 0,
    "time_limit_s": 1,
}


@pytest.fixture(scope="module")
def job(district_root, make_config) -> Weekly:
    config = make_config(
        district_root,
        "shifts.toml",
        patrol=SHIFTS,
        output={"folder": str(district_root / "maps-shifts")},
    )
    return run_weekly(config, week=WEEK)


def _minutes(clock: str) -> float:
    hh, mm = clock.split(":")
    return float(int(hh) * 60 + int(mm))


def _block_plans(job: Weekly):
    """Each block's part of the combined plan, times from the block's start."""
    plan = job.plan
    first = _minutes(plan.shift_start)
    for team in plan.teams:
        start, end = re.search(r"(\d\d:\d\d)-(\d\d:\d\d)$", team).groups()
        offset = _minutes(start) - first
        stops = plan.stops[plan.stops["team"] == team].copy()
        stops["arrival"] -= offset
        stops["departure"] -= offset
        windows: dict[str, list[tuple[float, float]]] = {}
        for s in stops.itertuples():
            if pd.notna(s.window):
                a, b = s.window.split("-")
                windows.setdefault(s.target_id, []).append(
                    (_minutes(a) - _minutes(start), _minutes(b) - _minutes(start))
                )
        routes = plan.routes[plan.routes["team"] == team]
        part = dataclasses.replace(
            plan,
            routes=routes.reset_index(drop=True),
            stops=stops.reset_index(drop=True),
            teams=(team,),
            shift_minutes=_minutes(end) - _minutes(start),
            shift_start=start,
        )
        yield part, stops, windows


def test_every_stop_of_every_block_keeps_its_shift_window_and_dwell(job):
    plan, design = job.plan, job.shifts
    assert design is not None
    blocks = {(s, m) for s, m, _ in design.blocks()}
    # the job works in WGS-84; the checker measures in metres
    metric = job.segments.estimate_utm_crs()
    streets = job.segments.to_crs(metric)
    depot = gpd.GeoSeries([job.grid.union_all().centroid], crs=job.grid.crs)
    depot = depot.to_crs(metric)
    n_windows = 0
    for part, stops, windows in _block_plans(job):
        start = part.shift_start
        assert (start, part.shift_minutes) in blocks
        assert (stops["arrival"] >= 0).all()
        assert (stops["departure"] <= part.shift_minutes + 1e-6).all()
        part = dataclasses.replace(
            part, routes=part.routes.to_crs(metric), stops=part.stops.to_crs(metric)
        )
        targets = part.stops.drop_duplicates("target_id")[["target_id", "geometry"]]
        check_constraints(part, streets, targets, list(depot), windows)
        # the windows come from the profile and lie inside the block
        for a, b in (w for ws in windows.values() for w in ws):
            assert 0 <= a <= b <= part.shift_minutes
        n_windows += sum(map(len, windows.values()))
        # the clock times are the block's
        at = [round(_minutes(start) + a) for a in stops["arrival"]]
        clocks = [f"{m // 60:02d}:{m % 60:02d}" for m in at]
        assert clocks == stops["arrival_clock"].tolist()
    assert n_windows > 0
    assert (plan.stops["visit"] == 2).any()  # the revisits of the top stops
    assert len(plan.teams) == len(plan.routes) >= 2


def test_the_plan_is_one_patrol_plan_that_writes_and_is_deterministic(
    job, district_root, make_config
):
    plan = job.plan
    written = pd.read_csv(
        district_root / "maps-shifts" / WEEK / "patrol_plan.csv", encoding="utf-8-sig"
    )
    assert len(written) == len(plan.stops)
    assert written["到达时间"].tolist() == plan.stops["arrival_clock"].tolist()
    again = Weekly(make_config(district_root, "shifts.toml", patrol=SHIFTS), week=WEEK)
    pd.testing.assert_frame_equal(
        pd.DataFrame(again.plan.stops.drop(columns="geometry")),
        pd.DataFrame(plan.stops.drop(columns="geometry")),
    )
    assert again.shifts.schedule.equals(job.shifts.schedule)


def test_shifts_csv_holds_the_roster_and_the_day_shift(job, district_root):
    table = pd.read_csv(
        district_root / "maps-shifts" / WEEK / "shifts.csv", encoding="utf-8-sig"
    )
    design = job.shifts
    staggered = table[table["排班方案"] == "错峰排班"]
    day = table[table["排班方案"] == "统一日班"]
    assert len(staggered) == len(design.schedule) == 2 * job.config.patrol.teams
    assert staggered["开始"].tolist() == design.schedule["start"].tolist()
    assert sorted(staggered["时长(小时)"].unique()) == [4.0, 8.0]
    assert (day["开始"] == "08:30").all()
    assert (day["结束"] == "17:00").all()
    assert staggered["在岗覆盖比例(%)"].iloc[0] == round(100 * design.coverage, 1)
    assert day["在岗覆盖比例(%)"].iloc[0] == round(100 * design.baseline_coverage, 1)
    assert design.coverage > design.baseline_coverage
    en = job.shift_table(language="en")
    assert en.columns[0] == "Roster"
    assert set(en["Roster"]) == {"Staggered", "Day shift"}


def test_the_ledger_gains_the_peak_window_columns(job, district_root):
    ledger = job.ledger()
    assert {"高发时段", "高发时段案件占比（%）"} <= set(ledger.columns)
    words = ledger["高发时段"].dropna()
    assert len(words) == len(ledger)
    assert words.str.fullmatch(r".+ \d\d:\d\d-\d\d:\d\d").all()
    written = pd.read_csv(
        district_root / "maps-shifts" / WEEK / "blind_spots.csv", encoding="utf-8-sig"
    )
    assert written["高发时段"].tolist() == words.tolist()


def test_the_map_holds_each_blind_spots_profile(job):
    units = payload(job.map)["units"]
    shown = [k for k, r in enumerate(units["r"]) if r is not None]
    assert shown
    prof = job.profile
    peaks = decode(units["pw"])
    for k in shown:
        gid = units["id"][k]
        expected = (prof.shares.loc[gid].to_numpy() * 10_000).round().astype(int)
        assert units["hp"][k] == expected.tolist()
        assert peaks[k]
    assert units["hpl"]["days"][0] == "周一"


def test_a_single_shift_from_shift_start_gets_windows(district_root, make_config):
    patrol = {**SHIFTS, "shifts": [], "shift_start": "16:00", "revisit_top": 0}
    job = Weekly(make_config(district_root, "single.toml", patrol=patrol), week=WEEK)
    plan = job.plan
    assert job.shifts is None
    assert plan.shift_start == "16:00"
    assert plan.teams == ("1", "2")
    assert plan.stops["window"].notna().any()
    assert job.shift_table().empty


def test_without_the_keys_the_outputs_are_the_same(district_root, make_config):
    """No [patrol] shifts: the job is the one before issue 19, byte for byte."""
    plain = run_weekly(make_config(district_root, "plain.toml"), week=WEEK)
    keys = {k: v for k, v in SHIFTS.items() if k != "shifts"}
    other = run_weekly(
        make_config(
            district_root,
            "other.toml",
            patrol=keys,
            output={"folder": str(district_root / "maps-other")},
        ),
        week=WEEK,
    )
    assert plain.shifts is None
    assert other.shifts is None
    a, b = district_root / "maps" / WEEK, district_root / "maps-other" / WEEK
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert "shifts.csv" not in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert "高发时段" not in plain.ledger().columns
    assert "hp" not in payload(plain.map)["units"]
    assert plain.plan.shift_start is None
    summary = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    assert summary["patrol"]["teams"] == 2


def test_the_sample_config_documents_the_keys():
    text = (ROOT / "sample_data" / "hotspots.toml").read_text(encoding="utf-8")
    on = re.sub(
        r"^# ((?:shifts|allowed_hours|min_on_duty|shift_start|window_minutes|"
        r"revisit_top|revisit_gap_minutes|profile_\w+) =)",
        r"\1",
        text,
        flags=re.M,
    )
    cfg = config_from_dict(tomllib.loads(on), base=ROOT / "sample_data")
    pc = cfg.patrol
    assert pc.shifts == (8.0, 4.0)
    assert pc.allowed_hours == (6.0, 23.0)
    assert (pc.min_on_duty, pc.shift_start, pc.window_minutes) == (1, "08:30", 60.0)
    assert (pc.revisit_top, pc.revisit_gap_minutes) == (0, 120.0)
    assert (pc.profile_bandwidth_h, pc.profile_prior_strength) == (1.0, 10.0)
    assert load_config(ROOT / "sample_data" / "hotspots.toml").patrol.shifts is None


@pytest.mark.parametrize(
    ("patrol", "match"),
    [
        ({"shifts": [8, 4.2]}, r"^patrol\.shifts must be a list of block lengths"),
        ({"shifts": "8,4"}, r"^patrol\.shifts must be"),
        ({"shifts": [8, 12]}, r"^patrol\.shifts must fit one after the other"),
        ({"allowed_hours": [23, 6]}, r"^patrol\.allowed_hours must be \[first, last\]"),
        ({"allowed_hours": [6]}, r"^patrol\.allowed_hours must be"),
        ({"min_on_duty": -1}, r"^patrol\.min_on_duty must be a whole number >= 0"),
        (
            {"shifts": [8, 4], "teams": 2, "min_on_duty": 2},
            r"^patrol\.min_on_duty = 2 needs 34 team-hours",
        ),
        ({"shift_start": "8h30"}, r'^patrol\.shift_start must be a clock time "HH:MM"'),
        ({"window_minutes": 0}, r"^patrol\.window_minutes must be a positive number"),
        ({"revisit_top": 1.5}, r"^patrol\.revisit_top must be a whole number >= 0"),
        ({"revisit_gap_minutes": -5}, r"^patrol\.revisit_gap_minutes must be"),
        ({"profile_bandwidth_h": -1}, r"^patrol\.profile_bandwidth_h must be"),
        ({"profile_prior_strength": "a"}, r"^patrol\.profile_prior_strength must be"),
    ],
)
def test_bad_patrol_keys_are_one_line_errors_naming_the_key(patrol, match):
    raw = {"input": {"reports": "reports.csv"}, "patrol": patrol}
    with pytest.raises(InputError, match=match) as err:
        config_from_dict(raw)
    assert "\n" not in str(err.value)


def test_cli_patrol_flags_override_the_config_and_write_the_roster(
    district_root, make_config, tmp_path
):
    from click.testing import CliRunner

    from hotspots.cli import main

    config = make_config(
        district_root,
        "cli.toml",
        patrol={
            "time_limit_s": 1,
            "profile_bandwidth_h": 0,
            "profile_prior_strength": 0,
        },
    )
    args = ["-q", "patrol", "-c", str(config), "-w", WEEK, "-o", str(tmp_path)]
    flags = ["--shifts", "8,4", "--allowed-hours", "7-23", "--min-on-duty", "1"]
    flags += ["--window-minutes", "45", "--revisit-top", "1"]
    result = CliRunner().invoke(main, [*args, *flags])
    assert result.exit_code == 0, result.output
    roster = pd.read_csv(tmp_path / f"shifts-{WEEK}.csv", encoding="utf-8-sig")
    staggered = roster[roster["排班方案"] == "错峰排班"]
    assert sorted(staggered["时长(小时)"].unique()) == [4.0, 8.0]
    assert (staggered["开始"] >= "07:00").all()
    assert (staggered["结束"] <= "23:00").all()
    plan = pd.read_csv(tmp_path / f"patrol_plan-{WEEK}.csv", encoding="utf-8-sig")
    assert plan["队伍"].str.contains(r"^第\d队 \d\d:\d\d-\d\d:\d\d$").all()
    # without the flags: one shift, no roster
    plain = tmp_path / "plain"
    result = CliRunner().invoke(main, [*args[:-1], str(plain)])
    assert result.exit_code == 0, result.output
    assert not (plain / f"shifts-{WEEK}.csv").exists()


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--shifts", "8,x"),
        ("--shifts", "8,4.2"),
        ("--allowed-hours", "23-6"),
        ("--allowed-hours", "6"),
        ("--min-on-duty", "-1"),
        ("--window-minutes", "0"),
    ],
)
def test_cli_bad_patrol_flags_exit_2(flag, value, tmp_path):
    from click.testing import CliRunner

    from hotspots.cli import main

    config = ROOT / "sample_data" / "hotspots.toml"
    result = CliRunner().invoke(main, ["patrol", "-c", str(config), flag, value])
    assert result.exit_code == 2
    assert flag in result.output
