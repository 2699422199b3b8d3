from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.accountability.deadlines import TimeLimit, deadlines
from hotspots.accountability.scorecard import (
    planted_city,
    red_black_list,
    scorecard,
    wilson_interval,
)
from hotspots.errors import InputError

TZ = "Asia/Shanghai"


def test_wilson_matches_newcombe_1998() -> None:
    # Newcombe (1998), Stat Med 17:857-872, Table I, method 3 (Wilson score)
    lo, hi = wilson_interval([81, 15, 0, 1], [263, 148, 20, 29])
    np.testing.assert_allclose(lo, [0.2553, 0.0624, 0.0, 0.0061], atol=5e-5)
    np.testing.assert_allclose(hi, [0.3662, 0.1605, 0.1611, 0.1718], atol=5e-5)
    lo, hi = wilson_interval([0], [0])
    assert (lo[0], hi[0]) == (0.0, 1.0)
    lo90, hi90 = wilson_interval([81], [263], confidence=0.9)
    assert 0.2553 < lo90[0] < hi90[0] < 0.3662


def test_wilson_matches_statsmodels_when_installed() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    k = np.array([0, 1, 5, 17, 30])
    n = np.array([5, 9, 10, 40, 30])
    lo, hi = wilson_interval(k, n)
    slo, shi = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lo, slo, atol=1e-12)
    np.testing.assert_allclose(hi, shi, atol=1e-12)


@pytest.mark.parametrize(
    ("k", "n", "kw", "match"),
    [
        ([3], [2], {}, "0 <= successes <= trials"),
        ([-1], [2], {}, "0 <= successes <= trials"),
        ([1, 2], [2], {}, "same shape"),
        ([1], [2], {"confidence": 1.5}, "confidence must be"),
    ],
)
def test_wilson_rejects_bad_counts(k: list, n: list, kw: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        wilson_interval(k, n, **kw)


def small_cases() -> pd.DataFrame:
    """Seven cases of two units and one without owner, run through deadlines."""
    t = pd.to_datetime(
        [
            "2026-11-16 09:00",  # U1: closed on time (W47)
            "2026-11-16 10:00",  # U1: closed late, reopened (W47)
            "2026-11-17 10:00",  # U1: open, overdue (W47)
            "2026-11-23 10:00",  # U1: open, not yet due (W48)
            "2026-11-23 11:00",  # U2: closed on time, hotline (W48)
            "2026-11-24 11:00",  # U2: closed on time, evaluation (W48)
            "2026-11-24 12:00",  # no owner: closed on time (W48)
        ]
    ).tz_localize(TZ)
    closed = pd.to_datetime(
        [
            "2026-11-16 15:00",
            "2026-11-20 10:00",
            None,
            None,
            "2026-11-23 13:00",
            "2026-11-24 15:00",
            "2026-11-24 13:00",
        ]
    ).tz_localize(TZ)
    frame = pd.DataFrame(
        {
            "report_id": [f"r{i}" for i in range(7)],
            "unit_id": ["U1", "U1", "U1", "U1", "U2", "U2", None],
            "category": ["x"] * 7,
            "reported_at": t,
            "closed_at": closed,
            "status": [
                "closed",
                "closed",
                "open",
                "open",
                "closed",
                "closed",
                "closed",
            ],
            "reopen_count": [0, 1, 0, 0, 0, 0, 0],
            "source": [
                "inspector",
                "inspector",
                "camera",
                "inspector",
                "hotline",
                "evaluation",
                None,
            ],
            "comeback": [False, True, False, False, False, False, False],
        }
    )
    return deadlines(frame, {"x": TimeLimit(1, "working_days")}, now="2026-11-24 16:00")


def test_scorecard_counts_rates_and_case_ids() -> None:
    cases = small_cases()
    card = scorecard(cases)
    assert card["unit_id"].tolist()[:2] == ["U1", "U2"]
    assert pd.isna(card["unit_id"].iloc[2])  # no owner: its own row, kept
    u1 = card.iloc[0]
    assert u1["cases"] == 4
    assert u1["closure_rate"] == pytest.approx(2 / 4)
    # decided: closed on time, closed late, open overdue; not yet due left out
    assert (u1["closed_on_time"], u1["due_decided"]) == (1, 3)
    assert u1["on_time_rate"] == pytest.approx(1 / 3)
    lo, hi = wilson_interval([1], [3])
    assert (u1["on_time_rate_lo"], u1["on_time_rate_hi"]) == (lo[0], hi[0])
    assert u1["rework_rate"] == pytest.approx(1 / 2)
    assert u1["comeback_rate"] == pytest.approx(1 / 4)
    assert u1["outside_share"] == 0.0
    assert u1["median_hours_to_close"] == pytest.approx((6 + 96) / 2)
    assert u1["case_ids"] == ("r0", "r1", "r2", "r3")
    assert u1["late_case_ids"] == ("r1", "r2")
    u2 = card.iloc[1]
    assert u2["outside_share"] == 1.0
    assert u2["case_ids"] == ("r4", "r5")
    assert u2["late_case_ids"] == ()
    assert card["case_ids"].iloc[2] == ("r6",)
    assert card["cases"].sum() == len(cases)


def test_scorecard_by_week_window_and_other_keys() -> None:
    cases = small_cases()
    weekly = scorecard(cases, freq="W-MON")
    assert weekly[["unit_id", "week", "cases"]].dropna().values.tolist() == [
        ["U1", "2026-W47", 3],
        ["U1", "2026-W48", 1],
        ["U2", "2026-W48", 2],
    ]
    window = scorecard(cases, window=("2026-11-23", "2026-11-24 10:00"))
    assert window["cases"].tolist() == [1, 1]
    assert window["case_ids"].tolist() == [("r3",), ("r4",)]
    # U1's only case in the window is undecided: rate NaN, interval (0, 1)
    assert np.isnan(window["on_time_rate"].iloc[0])
    assert (window["on_time_rate_lo"].iloc[0], window["on_time_rate_hi"].iloc[0]) == (
        0.0,
        1.0,
    )
    cases["subdistrict_id"] = ["S1"] * 6 + ["S2"]
    by_two = scorecard(cases, by=["subdistrict_id", "unit_id"])
    assert by_two[["subdistrict_id", "cases"]].values.tolist() == [
        ["S1", 4],
        ["S1", 2],
        ["S2", 1],
    ]


def test_scorecard_without_optional_columns() -> None:
    cases = small_cases().drop(columns=["comeback", "source", "closed_at"])
    card = scorecard(cases)
    assert "comeback_rate" not in card.columns
    assert "comebacks" not in card.columns
    assert card["known_source"].sum() == 0
    assert np.isnan(card["outside_share"]).all()
    assert np.isnan(card["median_hours_to_close"]).all()


def test_scorecard_does_not_change_its_input() -> None:
    cases = small_cases()
    before = cases.copy()
    scorecard(cases, freq="W-MON")
    pd.testing.assert_frame_equal(cases, before)


def test_scorecard_validation() -> None:
    cases = small_cases()
    with pytest.raises(TypeError, match="cases must be"):
        scorecard([1])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="deadlines"):
        scorecard(cases.drop(columns="overdue_now"))
    with pytest.raises(InputError, match="assign_units"):
        scorecard(cases, by="keeper_id")
    with pytest.raises(InputError, match="by must be"):
        scorecard(cases, by=[])
    with pytest.raises(InputError, match="window must be"):
        scorecard(cases, window=("2026-12-01", "2026-11-01"))
    with pytest.raises(InputError, match="window must be"):
        scorecard(cases, window=("soon", "later"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="freq must be"):
        scorecard(cases, freq="Y")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="tz must be"):
        scorecard(cases, tz="Nowhere/Land")
    naive = cases.assign(reported_at=cases["reported_at"].dt.tz_localize(None))
    with pytest.raises(InputError, match="timezone-aware"):
        scorecard(naive)


def card_of(rows: list[tuple[str, int, int]], week: str | None = None) -> pd.DataFrame:
    """A scorecard from (unit, on time, decided) rows."""
    k = np.array([r[1] for r in rows])
    n = np.array([r[2] for r in rows])
    lo, hi = wilson_interval(k, n)
    frame = pd.DataFrame(
        {
            "unit_id": [r[0] for r in rows],
            "cases": n,
            "on_time_rate": k / n,
            "on_time_rate_lo": lo,
            "on_time_rate_hi": hi,
            "rework_rate": 1 - k / n,
            "rework_rate_lo": 1 - hi,
            "rework_rate_hi": 1 - lo,
            "case_ids": [()] * len(rows),
        }
    )
    if week is not None:
        frame.insert(1, "week", week)
    return frame


def test_red_black_list_uses_the_whole_interval() -> None:
    card = card_of([("good", 98, 100), ("bad", 60, 100), ("few", 3, 5), ("ok", 9, 10)])
    out = red_black_list(card, target=0.85)
    assert out[["unit_id", "list"]].values.tolist() == [
        ["good", "red"],
        ["ok", "not distinguishable"],  # 90 % of 10: interval (0.60, 0.98)
        ["few", "not distinguishable"],  # 60 % of 5 proves nothing
        ["bad", "black"],
    ]
    assert out["on_time_rate_lo"].iloc[1] < 0.85 < out["on_time_rate_hi"].iloc[1]
    assert out["previous_rate"].isna().all()
    # lower is better for the rework rate: "good" reworks 2 %
    rework = red_black_list(card, target=0.15, metric="rework_rate")
    assert rework.set_index("unit_id")["list"].to_dict() == {
        "good": "red",
        "ok": "not distinguishable",
        "few": "not distinguishable",
        "bad": "black",
    }


def test_red_black_list_movement_against_last_week() -> None:
    last = card_of([("A", 60, 100), ("B", 90, 100)], week="2026-W47")
    this = card_of([("A", 97, 100), ("B", 88, 100), ("C", 5, 5)], week="2026-W48")
    out = red_black_list(pd.concat([last, this], ignore_index=True), target=0.8)
    rows = out.set_index("unit_id")
    assert set(rows["week"]) == {"2026-W48"}
    assert rows.loc["A", "list"] == "red"
    assert rows.loc["A", "previous_list"] == "black"
    assert rows.loc["A", "change"] == pytest.approx(0.37)
    assert np.isnan(rows.loc["C", "previous_rate"])
    # the same through previous= with window scorecards
    out2 = red_black_list(this.drop(columns="week"), target=0.8, previous=last)
    assert out2.set_index("unit_id").loc["A", "previous_list"] == "black"


def test_red_black_list_validation() -> None:
    card = card_of([("A", 6, 10)])
    with pytest.raises(TypeError, match="card must be"):
        red_black_list([1], target=0.8)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="previous must be"):
        red_black_list(card, target=0.8, previous=[1])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="metric must be one of"):
        red_black_list(card, target=0.8, metric="speed")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'closure_rate'"):
        red_black_list(card, target=0.8, metric="closure_rate")
    with pytest.raises(InputError, match="target must be"):
        red_black_list(card, target=80)
    with pytest.raises(InputError, match="previous has no column"):
        red_black_list(card, target=0.8, previous=card.drop(columns="on_time_rate"))


def test_planted_quality_is_recovered_over_200_cities() -> None:
    """Spearman >= 0.9 for units with >= 30 cases; wrong black list <= 5 %."""
    cases, truth = planted_city(seed=7, cities=200, n_units=20, cases_range=(10, 150))
    card = scorecard(cases, by=["city", "unit_id"])
    m = card.merge(truth, on=["city", "unit_id"])
    big = m[m["cases"] >= 30].copy()
    # Spearman per city, vectorised: Pearson correlation of within-city ranks
    g = big.groupby("city")
    big["a"] = g["on_time_rate"].rank() - g["on_time_rate"].transform(
        lambda s: (len(s) + 1) / 2
    )
    big["b"] = g["p_on_time"].rank() - g["p_on_time"].transform(
        lambda s: (len(s) + 1) / 2
    )
    g = big.groupby("city")
    rho = (big["a"] * big["b"]).groupby(big["city"]).sum() / np.sqrt(
        (big["a"] ** 2).groupby(big["city"]).sum()
        * (big["b"] ** 2).groupby(big["city"]).sum()
    )
    assert len(rho) == 200
    assert rho.mean() >= 0.9
    listed = red_black_list(card, target=0.8).merge(truth, on=["city", "unit_id"])
    fine = listed["p_on_time"] >= 0.8
    wrong_black = ((listed["list"] == "black") & fine).sum() / fine.sum()
    assert wrong_black <= 0.05
    bad = ~fine
    assert ((listed["list"] == "black") & bad).sum() / bad.sum() > 0.3  # has power


def test_the_committed_sample_recovers_its_planted_unit_quality(tmp_path) -> None:
    """The weekly job's scorecard on the sample follows truth/units.csv.

    The sample's closing times are drawn from each unit's planted
    ``p_on_time`` (hotspots.sample.quality): over the weekly job's window the
    on-time rate of the units with >= 30 closed cases ranks them as the truth
    does (Spearman >= 0.9), and no unit whose true rate meets the target is
    on the black list.
    """
    import tomllib
    import warnings
    from pathlib import Path

    from scipy.stats import spearmanr

    from hotspots import run_weekly
    from hotspots.errors import HotspotsWarning

    root = Path(__file__).resolve().parents[1]
    config = root / "sample_data" / "hotspots.toml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotsWarning)  # the sample's notices
        job = run_weekly(
            config, week="2026-W47", write=False, ledger=tmp_path / "ledger.duckdb"
        )
        card = job.scorecard["unit_id"]["window"]
        listed = job.red_black
    truth = pd.read_csv(root / "sample_data" / "truth" / "units.csv")
    target = tomllib.loads(config.read_text(encoding="utf-8"))["scorecard"]["target"]
    m = card[card["unit_id"].notna()].merge(truth, on="unit_id", validate="1:1")
    big = m[m["cases"] >= 30]
    rho = spearmanr(big["on_time_rate"], big["p_on_time"]).statistic
    print(f"sample: {len(big)} units with >= 30 cases, Spearman {rho:.3f}")
    assert len(big) >= 100
    assert rho >= 0.9
    judged = listed.merge(truth, on="unit_id", validate="1:1")
    fine = judged["p_on_time"] >= target
    black = judged["list"] == "black"
    print(
        f"sample: {int(black.sum())} units on the black list, "
        f"{int((black & fine).sum())} of them with p_on_time >= {target}; "
        f"{int((black & ~fine).sum())} of {int((~fine).sum())} below it listed"
    )
    assert not (black & fine).any()
    assert (black & ~fine).sum() > 0  # the list has power on the sample
