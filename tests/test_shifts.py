import itertools

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import InputError
from hotspots.patrol.shifts import ShiftDesign, daily_demand, design_shifts
from hotspots.stats.profiles import hour_of_week_profile


def evening_morning():
    d = np.zeros(24)
    d[8] = 4.0  # morning parking
    d[19] = 10.0  # evening vendors
    d[20] = 6.0
    return d


def check_roster(design: ShiftDesign, teams, lengths, allowed, min_on_duty):
    sch = design.schedule
    assert sorted(sch["team"].unique().tolist()) == list(range(1, teams + 1))
    for _, rows in sch.groupby("team"):
        assert sorted(rows["hours"].tolist()) == sorted(lengths)
        spans = sorted(zip(rows["start_min"], rows["end_min"], strict=True))
        for (_, e1), (s2, _) in itertools.pairwise(spans):
            assert e1 <= s2  # no overlap within a team
    assert (sch["start_min"] >= allowed[0] * 60).all()
    assert (sch["end_min"] <= allowed[1] * 60).all()
    assert ((sch["end_min"] - sch["start_min"]) == sch["hours"] * 60).all()
    steps = design.steps
    on = np.zeros(len(steps), dtype=int)
    step = int(steps["start_min"].iloc[1])
    for r in sch.itertuples():
        on[r.start_min // step : r.end_min // step] += 1
    assert (on == steps["on_duty"].to_numpy()).all()
    inside = (steps["start_min"] >= allowed[0] * 60) & (
        steps["start_min"] < allowed[1] * 60
    )
    assert (steps.loc[inside, "on_duty"] >= min_on_duty).all()


def test_staggered_beats_day_shift():
    d = design_shifts(evening_morning(), teams=2, min_on_duty=1)
    check_roster(d, 2, [8, 4], (6, 23), 1)
    assert d.coverage == pytest.approx(1.0)
    # 08:30-17:00 covers half of 08:00 only
    assert d.baseline_coverage == pytest.approx(2.0 / 20.0)
    assert d.expected_covered == pytest.approx(20.0)
    assert d.total_demand == pytest.approx(20.0)
    assert d.baseline == ("08:30", "17:00")
    assert d.status == "optimal"
    # blocks group the teams for patrol planning
    blocks = d.blocks()
    assert sum(len(t) for _, _, t in blocks) == 4
    assert all(m in (240.0, 480.0) for _, m, _ in blocks)


def test_optimum_matches_enumeration_one_block():
    rng = np.random.default_rng(3)
    demand = rng.uniform(0, 5, 24)
    d = design_shifts(demand, teams=1, shift_hours=(6,), step_minutes=60, min_on_duty=0)
    best = max(demand[s : s + 6].sum() for s in range(6, 23 - 6 + 1))
    assert d.expected_covered == pytest.approx(best)


def test_second_team_goes_where_reports_are():
    d = design_shifts(
        evening_morning(),
        teams=2,
        shift_hours=(4,),
        min_on_duty=0,
        step_minutes=60,
    )
    # one team covers the morning, the other the evening
    assert d.coverage == pytest.approx(1.0)
    on = d.steps.set_index("start_min")["on_duty"]
    assert on[19 * 60] >= 1
    assert on[8 * 60] >= 1


def test_deterministic():
    rng = np.random.default_rng(0)
    demand = rng.uniform(0, 1, 168)
    a = design_shifts(demand, teams=3)
    b = design_shifts(demand, teams=3)
    pd.testing.assert_frame_equal(a.schedule, b.schedule)


def test_min_on_duty_and_infeasible():
    d = design_shifts(evening_morning(), teams=4, min_on_duty=2, step_minutes=60)
    check_roster(d, 4, [8, 4], (6, 23), 2)
    with pytest.raises(InputError, match="cannot be met"):
        design_shifts(evening_morning(), teams=1, min_on_duty=1)


def test_demand_shapes_and_profile():
    d168 = np.zeros(168)
    d168[19] = 1.0
    d168[24 + 19] = 2.0
    assert daily_demand(d168)[19] == pytest.approx(3.0)
    assert daily_demand(d168.reshape(7, 24))[19] == pytest.approx(3.0)
    t = pd.Timestamp("2024-04-01 19:10", tz="Asia/Shanghai")
    reports = pd.DataFrame(
        {
            "grid_id": ["a"] * 4 + ["b"] * 4,
            "category": "x",
            "reported_at": [t + pd.Timedelta(days=k) for k in range(4)]
            + [t - pd.Timedelta(hours=11) + pd.Timedelta(days=k) for k in range(4)],
        }
    )
    prof = hour_of_week_profile(reports, bandwidth_h=0, prior_strength=0)
    da = daily_demand(prof, units=["a"])
    assert da.argmax() == 19
    assert da.sum() == pytest.approx(4 / prof.n_weeks)
    assert daily_demand(prof).sum() == pytest.approx(8 / prof.n_weeks)
    d = design_shifts(prof, teams=1, shift_hours=(2,), min_on_duty=0, units=["a"])
    assert d.coverage == pytest.approx(1.0)
    with pytest.raises(InputError, match="units must be units of the profile"):
        daily_demand(prof, units=["zz"])


def test_zero_demand():
    d = design_shifts(np.zeros(24), teams=1, shift_hours=(8,), min_on_duty=0)
    assert d.coverage == 0.0
    assert d.baseline_coverage == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"teams": 0}, "teams must be a whole number >= 1"),
        ({"teams": True}, "teams must be a whole number >= 1"),
        ({"step_minutes": 20}, "step_minutes must be one of"),
        ({"shift_hours": "8"}, "shift_hours must be a sequence"),
        ({"shift_hours": ()}, "at least one block"),
        ({"shift_hours": (7.7,)}, "positive multiples"),
        ({"shift_hours": (20,)}, "must fit in allowed_hours"),
        ({"allowed_hours": (23, 6)}, "allowed_hours must be"),
        ({"allowed_hours": (6.25, 23)}, "fall on the step grid"),
        ({"min_on_duty": -1}, "min_on_duty must be"),
        ({"time_limit_s": 0}, "time_limit_s must be"),
        ({"baseline": ("17:00", "08:30")}, "baseline must be"),
        ({"baseline": "08:30"}, "baseline must be"),
        ({"demand": np.ones(5)}, "demand must hold 24"),
        ({"demand": -np.ones(24)}, "finite numbers >= 0"),
        ({"demand": object()}, "demand must be an HourProfile or numbers"),
    ],
)
def test_invalid(kwargs, match):
    args = {"demand": evening_morning(), "teams": 2, "min_on_duty": 0}
    args.update(kwargs)
    demand = args.pop("demand")
    with pytest.raises(InputError, match=match):
        design_shifts(demand, **args)
