from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hotspots.accountability.deadlines import (
    EXAMPLE_LIMITS,
    CalendarCoverageWarning,
    NoLimitWarning,
    TimeLimit,
)
from hotspots.accountability.overdue import (
    kaplan_meier,
    overdue_calibration,
    overdue_risk,
    planted_closing_times,
)
from hotspots.errors import InputError

TZ = "Asia/Shanghai"
LIMITS = {"a": TimeLimit(24, "hours"), "b": TimeLimit(48, "hours")}


def brute_km(time: np.ndarray, event: np.ndarray, at: float) -> float:
    s = 1.0
    for t in np.unique(time[event]):
        if t > at:
            break
        n = (time >= t).sum()
        d = ((time == t) & event).sum()
        s *= 1 - d / n
    return s


def test_kaplan_meier_matches_the_product_limit_by_hand() -> None:
    rng = np.random.default_rng(0)
    n = 400
    group = rng.integers(0, 3, n)
    time = rng.integers(0, 30, n)  # many ties
    event = rng.random(n) < 0.7
    g, t, s = kaplan_meier(group, time, event)
    for k in range(3):
        mine = dict(zip(t[g == k].tolist(), s[g == k].tolist(), strict=True))
        for at, value in mine.items():
            expected = brute_km(time[group == k], event[group == k], at)
            assert value == pytest.approx(expected, abs=1e-12)
    # everyone at risk closes at once: survival drops to zero
    _, _, s = kaplan_meier([0, 0], [5, 5], [True, True])
    assert s.tolist() == [0.0]


def cases(rows: list[tuple], **extra: list) -> pd.DataFrame:
    """Rows of (category, reported_at, closed_at or None)."""
    return pd.DataFrame(
        {
            "report_id": [f"r{i}" for i in range(len(rows))],
            "category": [r[0] for r in rows],
            "reported_at": pd.to_datetime([r[1] for r in rows]).tz_localize(TZ),
            "closed_at": pd.to_datetime([r[2] for r in rows]).tz_localize(TZ),
            **extra,
        },
        index=pd.Index([50 + i for i in range(len(rows))]),
    )


def test_probability_matches_the_known_closing_time_distributions() -> None:
    data, limits = planted_closing_times(seed=2, n_cases=20000)
    before = data.copy()
    risk = overdue_risk(data, as_of="2026-08-30 12:00", limits=limits)
    pd.testing.assert_frame_equal(data, before)
    assert risk.index.isin(data.index).all()
    a = risk["age_hours"].to_numpy()
    fast = (risk["category"] == "fast").to_numpy()
    ln, ex = stats.lognorm(s=1.0, scale=12.0), stats.expon(scale=36.0)
    limit = np.where(fast, 24.0, 48.0)
    truth = np.where(fast, ln.sf(24) / ln.sf(a), ex.sf(48) / ex.sf(a))
    truth = np.where(limit <= a, 1.0, truth)
    assert len(risk) > 300
    assert np.abs(truth - risk["p_miss"].to_numpy()).max() < 0.04
    late = risk["hours_left"] < 0
    assert late.any()
    assert (risk.loc[late, "p_miss"] == 1.0).all()
    assert set(risk["model_group"]) == {"fast", "slow"}


def test_conditional_on_age_and_blind_to_the_future() -> None:
    rows = [("a", "2026-11-02 08:00", f"2026-11-02 {h:02d}:00") for h in range(9, 21)]
    rows += [("a", "2026-11-03 08:00", None), ("a", "2026-11-03 11:00", None)]
    data = cases(rows)
    risk = overdue_risk(data, as_of="2026-11-03 14:00", limits=LIMITS, min_cases=1)
    assert risk["report_id"].tolist() == ["r12", "r13"]
    # history closed after 1..12 hours; r12 is 6 h old, r13 3 h old
    assert risk["p_miss"].tolist() == pytest.approx([0.0, 0.0])
    assert risk["age_hours"].tolist() == pytest.approx([6.0, 3.0])
    assert risk["due_at"].astype(str).tolist() == [
        "2026-11-04 08:00:00+08:00",
        "2026-11-04 11:00:00+08:00",
    ]
    # 12 more cases still open at 54 h: of the 18 at risk after 6 h (6 closing
    # at 7..12 h, 12 open), 12 pass 24 h open: S(24) / S(6) = 12 / 18
    slow = [("a", "2026-11-01 08:00", None)] * 12
    data2 = cases(rows + slow)
    risk2 = overdue_risk(data2, as_of="2026-11-03 14:00", limits=LIMITS, min_cases=1)
    r12 = risk2.set_index("report_id").loc["r12", "p_miss"]
    assert r12 == pytest.approx(12 / 18, abs=1e-12)
    # closures after as_of are not known at as_of
    later = data2.copy()
    later.loc[later.index[-12:], "closed_at"] = pd.Timestamp("2026-11-05", tz=TZ)
    again = overdue_risk(later, as_of="2026-11-03 14:00", limits=LIMITS, min_cases=1)
    np.testing.assert_allclose(again["p_miss"], risk2["p_miss"])


def test_units_with_enough_cases_get_their_own_curve() -> None:
    data, limits = planted_closing_times(seed=3, n_cases=3000)
    rng = np.random.default_rng(1)
    data["unit_id"] = np.where(rng.random(len(data)) < 0.9, "U1", "U2")
    data.loc[data.index[:10], "category"] = "rare"
    limits = {**limits, "rare": TimeLimit(24, "hours")}
    risk = overdue_risk(
        data, as_of="2026-09-10 12:00", limits=limits, unit="unit_id", min_cases=200
    )
    groups = set(risk["model_group"])
    assert {"fast / U1", "slow / U1"} <= groups
    assert not any(g.endswith("/ U2") for g in groups)  # U2 is too small
    by = risk.groupby("model_group")["model_cases"].first()
    known = data["reported_at"] <= pd.Timestamp("2026-09-10 12:00", tz=TZ)
    n1 = (known & (data["unit_id"] == "U1") & (data["category"] == "fast")).sum()
    assert by["fast / U1"] == n1
    rare = overdue_risk(data, as_of="2026-08-04 12:00", limits=limits, min_cases=200)
    assert set(rare.loc[rare["category"] == "rare", "model_group"]) <= {"all"}


def test_category_without_limit_gets_no_probability() -> None:
    data = cases([("a", "2026-11-02 08:00", None), ("zzz", "2026-11-02 08:00", None)])
    with pytest.warns(NoLimitWarning):
        risk = overdue_risk(data, as_of="2026-11-02 09:00", limits=LIMITS)
    assert risk["p_miss"].isna().tolist() == [False, True]
    assert risk["due_at"].isna().tolist() == [False, True]


def test_calibration_on_a_planted_city() -> None:
    data, limits = planted_closing_times(seed=4, n_cases=12000)
    cal = overdue_calibration(data, limits=limits, weeks=2)
    # measured: Brier about 0.21 against 0.25 for the base rate
    assert cal.brier < cal.brier_base_rate - 0.02
    rel = cal.reliability[cal.reliability["cases"] >= 100]
    assert len(rel) >= 5
    assert np.abs(rel["mean_predicted"] - rel["observed"]).max() < 0.08
    assert cal.reliability["cases"].sum() == len(cal.predictions)
    assert (cal.predictions["as_of"].dt.hour == 10).all()
    assert cal.predictions["as_of"].dt.normalize().nunique() == 14


def test_calibration_on_the_sample_district(sample_assigned) -> None:
    reports, _ = sample_assigned
    with warnings.catch_warnings():
        # deadlines() looks ahead into 2027 for the due days of late-November
        # cases and warns that chinese-calendar does not cover it yet
        warnings.simplefilter("ignore", CalendarCoverageWarning)
        cal = overdue_calibration(reports, limits=EXAMPLE_LIMITS, weeks=2)
    # measured over 4 weeks: Brier 0.158 against 0.244 for the base rate
    assert cal.brier < 0.8 * cal.brier_base_rate
    assert len(cal.predictions) > 1000


def test_not_a_frame() -> None:
    with pytest.raises(TypeError, match="cases must be a"):
        overdue_risk([], as_of="2026-11-02", limits=LIMITS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"as_of": "soon"}, "as_of must be a timestamp"),
        ({"as_of": None}, "as_of must be a timestamp"),
        ({"unit": 5}, "unit must be None or the name"),
        ({"unit": "unit_id"}, "cases must have the column 'unit_id'"),
        ({"min_cases": 0}, "min_cases must be a whole number >= 1"),
        ({"min_cases": True}, "min_cases must be a whole number >= 1"),
        ({"tz": "Nowhere/Else"}, "tz must be an IANA timezone name"),
        ({"limits": {"a": (0, "hours")}}, "limits"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    data = cases([("a", "2026-11-02 08:00", None)])
    args = {"as_of": "2026-11-02 09:00", "limits": LIMITS, **kwargs}
    with pytest.raises(InputError, match=match):
        overdue_risk(data, **args)


def test_bad_columns_are_all_listed() -> None:
    data = cases([("a", "2026-11-02 08:00", None)]).drop(columns="closed_at")
    data["reported_at"] = data["reported_at"].dt.tz_localize(None)
    with pytest.raises(InputError, match="2 problems") as err:
        overdue_risk(data, as_of="2026-11-02 09:00", limits=LIMITS)
    assert "'closed_at'" in str(err.value)
    assert "timezone-aware" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weeks": 0}, "weeks must be a whole number >= 1"),
        ({"hour": 24}, "hour must be a whole number from 0 to 23"),
        ({"bins": 2.5}, "bins must be a whole number >= 1"),
    ],
)
def test_calibration_bad_arguments(kwargs: dict, match: str) -> None:
    data = cases([("a", "2026-11-02 08:00", None)])
    with pytest.raises(InputError, match=match):
        overdue_calibration(data, limits=LIMITS, **kwargs)


def test_calibration_needs_something_to_score() -> None:
    empty = cases([("a", "2026-11-02 08:00", None)]).iloc[:0]
    with pytest.raises(InputError, match="none has one"):
        overdue_calibration(empty, limits=LIMITS)
    lone = cases([("a", "2026-11-20 08:00", None)])
    with pytest.raises(InputError, match="no open case with a known outcome"):
        overdue_calibration(lone, limits=LIMITS, weeks=1)
