from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from hotspots.errors import HotspotsWarning, InputError, ReportsLeftOutWarning
from hotspots.ledger import blindspots
from hotspots.ledger.blindspots import (
    PATTERN_SEVERITY,
    BlindSpotWeights,
    StepRecomputedWarning,
    blind_spot_score,
    blind_spots,
)

TZ = "Asia/Shanghai"
UTM51N = "EPSG:32651"
# Monday 2026-11-16 starts ISO week 2026-W47
MONDAY = pd.Timestamp("2026-11-16 09:00", tz=TZ)


def cells(n: int = 4) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"grid_id": [f"c{i}" for i in range(n)]},
        geometry=[box(i * 100.0, 0, (i + 1) * 100.0, 100) for i in range(n)],
        crs=UTM51N,
    )


def make_reports(rows: list[dict]) -> gpd.GeoDataFrame:
    """Reports from short dicts: week (offset from W47), day, unit, category, ..."""
    recs = []
    for i, r in enumerate(rows):
        t = MONDAY + pd.Timedelta(weeks=r.get("week", 0), days=r.get("day", 0))
        close = r.get("close_after_days")
        recs.append(
            {
                "report_id": f"r{i}",
                "reported_at": t,
                "category": r.get("category", "占道经营"),
                "status": r.get("status", "closed" if close is not None else "open"),
                "closed_at": t + pd.Timedelta(days=close)
                if close is not None
                else pd.NaT,
                "source": r.get("source", "inspector"),
                "weight": r.get("weight", 1.0),
                "reopen_count": r.get("reopen_count", 0),
                "grid_id": r.get("unit", "c0"),
            }
        )
    frame = pd.DataFrame(recs)
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], utc=True).dt.tz_convert(TZ)
    points = [Point(r.get("xy", (50.0, 50.0))) for r in rows]
    return gpd.GeoDataFrame(frame, geometry=points, crs=UTM51N)


def run(rows, units=None, **kw):
    kw.setdefault("emerging", False)
    emerging = kw.pop("emerging")
    units = cells() if units is None else units
    if emerging is False:
        kw["emerging"] = units.assign(pattern="no_pattern")[["grid_id", "pattern"]]
    elif emerging is not None:
        kw["emerging"] = emerging
    return blind_spots(make_reports(rows), units, **kw).set_index("grid_id")


# -- recurrence ----------------------------------------------------------------


def test_periods_with_reports_and_current_streak():
    rows = [
        # c0: weeks -7, -3, -2, -1, 0 -> 5 of 8 weeks, streak 4
        *({"week": w, "unit": "c0"} for w in (-7, -3, -2, -1, 0, 0)),
        # c1: weeks -1 and -5: streak 0 (nothing in the last week)
        {"week": -5, "unit": "c1"},
        {"week": -2, "unit": "c1"},
        # c2: only before the window (week -9): nothing counted
        {"week": -9, "unit": "c2", "close_after_days": 1},
    ]
    res = run(rows, periods=8)
    assert res.loc["c0", "periods_with_reports"] == 5
    assert res.loc["c0", "current_streak"] == 4
    assert res.loc["c1", "periods_with_reports"] == 2
    assert res.loc["c1", "current_streak"] == 0
    assert res.loc["c2", "periods_with_reports"] == 0
    assert res.loc["c2", "n_reports"] == 0
    assert res.loc["c0", "n_reports"] == 6
    assert res.attrs["periods"][-1] == "2026-W47"
    assert len(res.attrs["periods"]) == 8


def test_as_of_moves_the_window_and_ignores_later_reports():
    rows = [{"week": w} for w in (-3, -2, -1, 0)]
    res = run(rows, periods=4, as_of=MONDAY - pd.Timedelta(days=3))
    assert res.attrs["periods"] == ["2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    assert res.loc["c0", "periods_with_reports"] == 3  # week 0 is after as_of
    assert res.loc["c0", "current_streak"] == 3
    assert res.loc["c0", "n_reports"] == 3


def test_as_of_at_a_week_start_closes_the_week_before():
    rows = [{"week": w} for w in (-3, -2, -1)]
    next_monday = MONDAY.normalize()  # 2026-11-16 00:00, the end of W46
    res = run(rows, periods=4, as_of=next_monday)
    assert res.attrs["periods"] == ["2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    assert res.loc["c0", "current_streak"] == 3
    same = run(rows, periods=4, as_of=next_monday - pd.Timedelta(seconds=1))
    assert same.attrs["periods"] == res.attrs["periods"]


def test_pattern_taken_from_emerging_result():
    units = cells()
    emerging = units.assign(pattern=["persistent_hot", "new_hot", "no_pattern", "x"])
    res = run([{"unit": "c0"}], units=units, emerging=emerging[["grid_id", "pattern"]])
    assert res["pattern"].tolist()[:2] == ["persistent_hot", "new_hot"]
    assert "持续热点" in res.loc["c0", "reason_zh"]


def test_pattern_computed_when_emerging_is_none(monkeypatch):
    monkeypatch.setattr(blindspots, "_RECOMPUTED", set())  # not warned yet
    rows = [{"week": w, "unit": "c0"} for w in range(-5, 1)]
    with pytest.warns(StepRecomputedWarning, match="emerging= was not given"):
        res = run(rows, emerging=None)
    assert issubclass(StepRecomputedWarning, HotspotsWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process: not again
        again = run(rows, emerging=None)
    pd.testing.assert_frame_equal(again, res)
    # the pattern it computed is the one emerging_patterns gives the caller
    reports = make_reports(rows)
    given = blindspots.emerging_patterns(reports, cells(), unit="grid_id")
    assert given["grid_id"].tolist() == cells()["grid_id"].tolist()
    pd.testing.assert_frame_equal(run(rows, emerging=given), res)
    assert set(res["pattern"]) <= set(PATTERN_SEVERITY) | {
        "no_pattern",
        "new_cold",
        "persistent_cold",
        "consecutive_cold",
        "sporadic_cold",
        "oscillating_cold",
        "historical_cold",
        "intensifying_cold",
        "diminishing_cold",
    }
    assert len(res) == 4


# -- comeback ------------------------------------------------------------------


def test_reopened_counts_status_and_reopen_count():
    rows = [
        {"status": "reopened"},
        {"reopen_count": 2, "close_after_days": 1},
        {"close_after_days": 1},
        {"unit": "c1", "status": "reopened", "reopen_count": 1},
    ]
    res = run(rows)
    assert res.loc["c0", "reopened"] == 2
    assert res.loc["c1", "reopened"] == 1
    assert res.loc["c2", "reopened"] == 0


def test_comebacks_same_category_same_unit_within_days():
    rows = [
        # closed on day 1, same category again on day 5: a comeback
        {"day": -14, "close_after_days": 1},
        {"day": -10, "close_after_days": 1},
        # 21 days after the last close: not within 14 days
        {"day": -22, "category": "乱停车", "close_after_days": 1},
        {"day": 0, "category": "乱停车"},
        # another category at the same unit right after a close: not a comeback
        {"day": -9, "category": "暴露垃圾"},
        # same category, other unit: not a comeback
        {"day": -8, "unit": "c1"},
        # reported before the earlier one was closed: not a comeback
        {"day": -3, "unit": "c2", "close_after_days": 5},
        {"day": -2, "unit": "c2"},
    ]
    res = run(rows, comeback_days=14)
    assert res.loc["c0", "comebacks"] == 1
    assert res.loc["c1", "comebacks"] == 0
    assert res.loc["c2", "comebacks"] == 0
    # the horizon is inclusive (3 days after the close); a shorter one drops it
    assert run(rows, comeback_days=3).loc["c0", "comebacks"] == 1
    assert run(rows, comeback_days=2.5).loc["c0", "comebacks"] == 0
    assert run(rows, comeback_days=30).loc["c0", "comebacks"] == 2
    assert "1起结案后复发" in res.loc["c0", "reason_zh"]


def test_comebacks_need_the_same_place():
    rows = [
        {"day": -10, "close_after_days": 1, "xy": (10.0, 50.0)},
        {"day": -5, "xy": (80.0, 50.0)},  # 70 m away: another place
        {"day": -4, "xy": (25.0, 50.0)},  # 15 m away: the same place
    ]
    res = run(rows)  # default 20 m
    assert res.loc["c0", "comebacks"] == 1
    assert run(rows, comeback_distance_m=100).loc["c0", "comebacks"] == 2
    assert run(rows, comeback_distance_m=None).loc["c0", "comebacks"] == 2
    assert run(rows, comeback_distance_m=10).loc["c0", "comebacks"] == 0


def test_comeback_share_counts_reopened_or_returned_reports_once():
    rows = [
        {"day": -10, "close_after_days": 1},
        {"day": -5, "reopen_count": 1, "close_after_days": 1},  # both: once
        {"day": -3, "status": "reopened"},
        {"day": -30, "close_after_days": 1},  # outside the comeback horizon...
        {"day": -40},  # ... and nothing else
    ]
    res = run(rows, periods=8)
    assert res.loc["c0", "reopened"] == 2
    assert res.loc["c0", "comebacks"] == 2  # day -5 and day -3
    assert res.loc["c0", "comeback_share"] == pytest.approx(2 / 5)
    assert np.isnan(res.loc["c1", "comeback_share"])


def test_comeback_chain_counts_every_return():
    rows = [{"day": d, "close_after_days": 1} for d in (-20, -16, -12, -8, -4)]
    res = run(rows)
    assert res.loc["c0", "comebacks"] == 4


# -- resolution ----------------------------------------------------------------


def test_open_now_median_and_share_late():
    rows = [
        {"day": -30, "status": "dispatched"},  # old but still open: counts
        {"day": -6, "status": "open"},
        {"day": -5, "close_after_days": 2},
        {"day": -5, "close_after_days": 10},  # late (> 7 days)
        {"day": -5, "close_after_days": 4},
        {"unit": "c1", "close_after_days": 1},
    ]
    res = run(rows, late_days=7, as_of=MONDAY + pd.Timedelta(days=6))
    assert res.loc["c0", "open_now"] == 2
    assert res.loc["c0", "median_days_to_close"] == pytest.approx(4.0)
    assert res.loc["c0", "share_closed_late"] == pytest.approx(1 / 3)
    assert res.loc["c1", "open_now"] == 0
    assert res.loc["c1", "share_closed_late"] == 0.0
    assert np.isnan(res.loc["c2", "median_days_to_close"])
    assert np.isnan(res.loc["c2", "share_closed_late"])
    assert run(rows, late_days=1.5, as_of=MONDAY + pd.Timedelta(days=6)).loc[
        "c0", "share_closed_late"
    ] == pytest.approx(1.0)


def test_closed_after_as_of_is_still_open_at_as_of():
    rows = [{"day": -2, "close_after_days": 5}]
    res = run(rows, as_of=MONDAY)
    assert res.loc["c0", "open_now"] == 1
    assert np.isnan(res.loc["c0", "median_days_to_close"])


# -- who finds it --------------------------------------------------------------


def test_outside_share():
    rows = [
        *({"source": "hotline"} for _ in range(3)),
        {"source": "evaluation"},
        {"source": "inspector"},
        {"source": "other"},  # not counted either way
        {"unit": "c1", "source": "camera"},
        {"unit": "c2", "source": "other"},
    ]
    res = run(rows)
    assert res.loc["c0", "outside_share"] == pytest.approx(4 / 5)
    assert res.loc["c1", "outside_share"] == 0.0
    assert np.isnan(res.loc["c2", "outside_share"])
    assert "80%来自12345热线和测评督查" in res.loc["c0", "reason_zh"]
    assert (
        "80% from the 12345 hotline and the evaluation teams"
        in res.loc["c0", "reason_en"]
    )


# -- category mix --------------------------------------------------------------


def test_weighted_count_and_top_categories():
    rows = [
        *({"category": "占道经营"} for _ in range(3)),
        *({"category": "乱停车", "weight": 2.0} for _ in range(2)),
        {"category": "暴露垃圾"},
        {"category": "流浪犬"},
    ]
    res = run(rows)
    assert res.loc["c0", "weighted_count"] == 3 + 4 + 1 + 1
    assert res.loc["c0", "top_categories"] == "占道经营(3)、乱停车(2)、暴露垃圾(1)"
    res_w = run(rows, category_weights={"占道经营": 5.0})
    assert res_w.loc["c0", "weighted_count"] == 15 + 4 + 1 + 1
    assert res.loc["c1", "top_categories"] == ""


# -- score, rank, reasons ------------------------------------------------------


def test_rank_units_without_reports_last_and_reasons():
    rows = [
        *({"week": w, "source": "hotline"} for w in range(-5, 1)),
        {"week": 0, "unit": "c2"},
    ]
    res = run(rows)
    assert res.loc["c0", "rank"] == 1
    assert res.loc["c2", "rank"] == 2
    assert res.loc["c1", "score"] == 0.0
    assert res.loc["c3", "score"] == 0.0
    assert sorted(res["rank"]) == [1, 2, 3, 4]
    assert res.loc["c1", "rank"] == 3  # ties broken by unit id
    assert (
        res.loc["c0", "reason_zh"]
        == "连续6周出现占道经营，100%来自12345热线，6起未结案"
    )
    assert res.loc["c0", "reason_en"].startswith("占道经营 reported 6 weeks in a row")
    assert res.loc["c1", "reason_zh"] == "近8周无上报"
    assert res.loc["c1", "reason_en"] == "No reports in the last 8 weeks"


def test_output_contract_and_input_untouched():
    units = cells().set_index(pd.Index([10, 20, 30, 40], name="k"))
    units["extra"] = 1
    reports = make_reports([{"week": 0}, {"unit": "zz"}, {"week": -1}])
    reports.loc[2, "reported_at"] = pd.NaT
    reports_before, units_before = reports.copy(), units.copy()
    with pytest.warns(
        ReportsLeftOutWarning, match="2 of 3 reports.*1 with no unit.*1 with no time"
    ):
        res = blind_spots(reports, units, emerging=units.assign(pattern="no_pattern"))
    pd.testing.assert_frame_equal(reports, reports_before)
    pd.testing.assert_frame_equal(units, units_before)
    assert isinstance(res, gpd.GeoDataFrame)
    assert res.crs == units.crs
    # ranked, each unit keeping its index label
    assert res["rank"].tolist() == [1, 2, 3, 4]
    pd.testing.assert_index_equal(res.index.sort_values(), units.index)
    assert (res["grid_id"] == units.loc[res.index, "grid_id"]).all()
    for col in (
        "periods_with_reports",
        "current_streak",
        "pattern",
        "reopened",
        "comebacks",
        "open_now",
        "median_days_to_close",
        "share_closed_late",
        "outside_share",
        "n_reports",
        "weighted_count",
        "top_categories",
        "top_categories_en",
        "top_category",
        "top_category_periods",
        "top_category_streak",
        "score",
        "rank",
        "reason_zh",
        "reason_en",
        "geometry",
        "extra",
    ):
        assert col in res.columns


def test_row_order_does_not_change_results():
    rng = np.random.default_rng(0)
    rows = [
        {
            "week": int(rng.integers(-7, 1)),
            "day": int(rng.integers(0, 7)),
            "unit": f"c{rng.integers(0, 4)}",
            "source": str(rng.choice(["hotline", "inspector", "camera"])),
            "close_after_days": float(rng.integers(1, 10)),
            "category": str(rng.choice(["占道经营", "乱停车"])),
        }
        for _ in range(60)
    ]
    units = cells()
    emerging = units.assign(pattern="no_pattern")
    a = blind_spots(make_reports(rows), units, emerging=emerging).set_index("grid_id")
    rep = make_reports(rows).sample(frac=1.0, random_state=1)
    b = blind_spots(rep, units.iloc[::-1], emerging=emerging).set_index("grid_id")
    b = b.loc[a.index]
    pd.testing.assert_frame_equal(
        a.drop(columns="geometry"), b.drop(columns="geometry")
    )


EVIDENCE = st.fixed_dictionaries(
    {
        "periods_with_reports": st.integers(0, 8),
        "current_streak": st.integers(0, 8),
        "reopened": st.integers(0, 20),
        "comebacks": st.integers(0, 20),
        "comeback_share": st.floats(0, 1),
        "open_now": st.integers(0, 20),
        "share_closed_late": st.floats(0, 1),
        "outside_share": st.floats(0, 1),
        "n_reports": st.integers(0, 200),
        "weighted_count": st.floats(0, 500),
        "pattern": st.sampled_from([*PATTERN_SEVERITY, "no_pattern", "new_cold"]),
    }
)
NUMERIC = [
    "periods_with_reports",
    "current_streak",
    "comeback_share",
    "open_now",
    "share_closed_late",
    "outside_share",
    "n_reports",
    "weighted_count",
]


@settings(max_examples=80, deadline=None)
@given(EVIDENCE, st.sampled_from(NUMERIC), st.floats(0.01, 50))
def test_score_is_monotone_in_each_input(ev, column, step):
    base = pd.DataFrame([ev])
    more = base.copy()
    new = more[column].iloc[0] + step
    if column in ("share_closed_late", "outside_share", "comeback_share"):
        new = min(new, 1.0)
    more[column] = new
    for baseline in (0.0, 0.4):
        s0 = blind_spot_score(base, periods=8, outside_baseline=baseline).iloc[0]
        s1 = blind_spot_score(more, periods=8, outside_baseline=baseline).iloc[0]
        assert s1 >= s0 - 1e-9
        assert 0.0 <= s0 <= 100.0


@settings(max_examples=50, deadline=None)
@given(EVIDENCE)
def test_score_monotone_in_pattern_severity_and_weights(ev):
    base = pd.DataFrame([ev])
    top = base.assign(pattern="intensifying_hot")
    assert (
        blind_spot_score(top, periods=8).iloc[0]
        >= blind_spot_score(base, periods=8).iloc[0]
    )
    # switching a term off never raises the score of a unit that lacks it
    w = BlindSpotWeights(outside=0.0)
    assert 0.0 <= blind_spot_score(base, periods=8, weights=w).iloc[0] <= 100.0


def test_score_weights_change_the_ranking():
    rows = [
        *({"week": w, "source": "inspector"} for w in range(-7, 1)),  # c0 recurrent
        *({"week": 0, "unit": "c1", "source": "hotline"} for _ in range(4)),
    ]
    default = run(rows)
    assert default.loc["c0", "rank"] == 1
    outside = run(rows, weights=BlindSpotWeights(recurrence=0, streak=0, outside=10))
    assert outside.loc["c1", "rank"] == 1


def test_config_weights_are_the_blind_spot_weights(tmp_path):
    from hotspots.pipeline.config import config_from_dict

    raw = {
        "input": {"reports": "a.csv"},
        "analysis": {"blind_spot_weights": {"late": 3}},
    }
    cfg = config_from_dict(raw, base=tmp_path)
    weights = cfg.analysis.blind_spot_weights
    assert isinstance(weights, BlindSpotWeights)
    assert weights.late == 3
    assert (
        dataclasses.replace(weights, late=BlindSpotWeights().late) == BlindSpotWeights()
    )


def test_score_known_answer_and_outside_baseline():
    ev = pd.DataFrame(
        {
            "periods_with_reports": [8, 4],
            "current_streak": [8, 0],
            "comeback_share": [0.0, 0.5],
            "open_now": [0, 2],
            "share_closed_late": [0.0, np.nan],
            "outside_share": [0.5, np.nan],
            "n_reports": [9, 9],
            "weighted_count": [8.0, 8.0],
            "pattern": ["no_pattern", "new_hot"],
        }
    )
    w = BlindSpotWeights(
        recurrence=1,
        streak=0,
        volume=0,
        pattern=0,
        comeback=1,
        open_now=1,
        late=0,
        outside=1,
    )
    s = blind_spot_score(ev, periods=8, weights=w)
    # row 0: R = 1; B = 1 - (1 - 0.5 * 0.75) = 0.375
    assert s.iloc[0] == pytest.approx(37.5)
    # row 1: R = 0.5; B = 1 - (1 - 0.375) * (1 - 0.5) = 0.6875
    assert s.iloc[1] == pytest.approx(100 * 0.5 * 0.6875)
    # only the excess over the district's outside share counts
    s_base = blind_spot_score(ev, periods=8, weights=w, outside_baseline=0.5)
    assert s_base.iloc[0] == 0.0


def test_weights_validation():
    with pytest.raises(InputError, match="outside must be a number >= 0"):
        BlindSpotWeights(outside=-1)
    with pytest.raises(InputError, match="at least one weight above 0"):
        BlindSpotWeights(**dict.fromkeys(BlindSpotWeights.__dataclass_fields__, 0.0))


def test_errors():
    units = cells()
    rep = make_reports([{"week": 0}])
    with pytest.raises(TypeError, match="reports must be"):
        blind_spots([1, 2], units)
    with pytest.raises(TypeError, match="units must be a GeoDataFrame"):
        blind_spots(rep, pd.DataFrame(units))
    with pytest.raises(InputError, match="periods must be a whole number >= 1"):
        blind_spots(rep, units, periods=0)
    with pytest.raises(InputError, match="comeback_days must be a positive number"):
        blind_spots(rep, units, comeback_days=-1)
    with pytest.raises(InputError, match="late_days must be a positive number"):
        blind_spots(rep, units, late_days="7")
    with pytest.raises(InputError, match="unit must name the id column"):
        blind_spots(rep, units, unit="segment_id")
    with pytest.raises(InputError, match="unique, non-missing ids"):
        blind_spots(rep, pd.concat([units, units]))
    with pytest.raises(InputError, match="must have the column 'category'"):
        blind_spots(rep.drop(columns="category"), units)
    with pytest.raises(InputError, match="must hold timestamps"):
        blind_spots(rep.assign(reported_at="2026-11-16"), units)
    with pytest.raises(InputError, match="weights must be a BlindSpotWeights"):
        blind_spots(rep, units, weights={"outside": 2})
    with pytest.raises(InputError, match="category_weights must map"):
        blind_spots(rep, units, category_weights=[1, 2])
    with pytest.raises(InputError, match="category_weights must be numbers >= 0"):
        blind_spots(rep, units, category_weights={"占道经营": -2})
    with pytest.raises(InputError, match="emerging must have the columns"):
        blind_spots(rep, units, emerging=units)
    with pytest.raises(InputError, match="emerging must be the result"):
        blind_spots(rep, units, emerging="yes")
    with pytest.raises(InputError, match="freq must be one of"):
        blind_spots(rep, units, freq="Q")
    with pytest.raises(InputError, match="as_of must be a timestamp"):
        blind_spots(rep, units, as_of="not a date")
    with pytest.raises(InputError, match="3 problems"):
        blind_spots(rep, units, periods=0, late_days=0, comeback_days=0)


# -- the sample district's planted blind spots ---------------------------------

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_sample_district_planted_blind_spots_fill_the_top(sample_assigned):
    reports, grid = sample_assigned
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepRecomputedWarning)  # computed here
        ledger = blind_spots(reports, grid)
    truth = pd.read_csv(ROOT / "sample_data" / "truth" / "blind_spots.csv", dtype=str)
    top10 = ledger.nsmallest(10, "rank")["grid_id"]
    assert truth["grid_id"].isin(top10).mean() >= 0.8
    assert (
        ledger["rank"].sort_values().to_numpy() == np.arange(1, len(grid) + 1)
    ).all()


def test_reason_speaks_of_the_top_category_weeks():
    rows = [
        *({"week": w, "category": "占道经营"} for w in (-5, -5, -4, -4, -3, -3)),
        *({"week": w, "category": "乱停车"} for w in (-2, -1, 0)),
    ]
    res = run(rows)
    assert res.loc["c0", "current_streak"] == 6  # any category
    assert res.loc["c0", "top_categories"] == "占道经营(6)、乱停车(3)"
    assert res.loc["c0", "reason_zh"].startswith("近8周有3周出现占道经营")
    assert res.loc["c0", "reason_en"].startswith(
        "占道经营 reported in 3 of the last 8 weeks"
    )


# -- fast paths and their fallbacks --------------------------------------------


def random_rows(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [
        {
            "week": int(rng.integers(-7, 1)),
            "day": int(rng.integers(0, 7)),
            "unit": f"c{rng.integers(0, 4)}",
            "category": str(rng.choice(["占道经营", "乱停车", "暴露垃圾"])),
            "source": str(rng.choice(["hotline", "inspector", "evaluation"])),
            "close_after_days": float(rng.integers(1, 6)),
            "xy": (
                float(rng.integers(0, 4)) * 100 + 30.0 + rng.integers(0, 2) * 30,
                50,
            ),
        }
        for _ in range(n)
    ]


def test_optional_columns_absent_contribute_no_evidence():
    rows = [{"week": w, "close_after_days": 1} for w in (-2, -1, -1, 0)]
    units = cells()
    emerging = units.assign(pattern="no_pattern")
    full = blind_spots(make_reports(rows), units, emerging=emerging)
    assert full.loc[0, "comebacks"] == 3  # each week after a close a week before
    slim = make_reports(rows)[["reported_at", "category", "grid_id", "geometry"]]
    res = blind_spots(slim, units, emerging=emerging).set_index("grid_id")
    c0 = res.loc["c0"]
    assert (c0.n_reports, c0.weighted_count, c0.current_streak) == (4, 4.0, 3)
    assert (c0.reopened, c0.comebacks, c0.open_now) == (0, 0, 0)
    assert np.isnan([c0.median_days_to_close, c0.share_closed_late]).all()
    assert np.isnan(c0.outside_share)
    assert c0.reason_zh == "连续3周出现占道经营"
    assert c0.reason_en == "占道经营 reported 3 weeks in a row"
    assert res.loc["c1", "reason_en"] == "No reports in the last 8 weeks"
    # without a geometry nothing is at "the same place", any place still counts
    plain = pd.DataFrame(make_reports(rows).drop(columns="geometry"))
    assert blind_spots(plain, units, emerging=emerging).loc[0, "comebacks"] == 0
    anywhere = blind_spots(plain, units, comeback_distance_m=None, emerging=emerging)
    assert anywhere.loc[0, "comebacks"] == 3


def test_geographic_reports_measure_the_same_place_in_metres():
    rows = [
        {"day": -10, "close_after_days": 1, "xy": (120.38, 36.07)},
        {"day": -5, "xy": (120.38, 36.0701)},  # ~11 m north: the same place
        {"day": -4, "xy": (120.38, 36.0705)},  # ~56 m north: another place
    ]
    reports = make_reports(rows).set_crs("EPSG:4326", allow_override=True)
    units = gpd.GeoDataFrame(
        {"grid_id": ["c0"]},
        geometry=[box(120.37, 36.06, 120.39, 36.08)],
        crs="EPSG:4326",
    )
    emerging = units.assign(pattern="no_pattern")
    assert blind_spots(reports, units, emerging=emerging).loc[0, "comebacks"] == 1
    wide = blind_spots(reports, units, comeback_distance_m=60, emerging=emerging)
    assert wide.loc[0, "comebacks"] == 2


def test_reports_in_feet_are_measured_in_metres():
    # the one metric-CRS policy: a CRS in US feet is converted to the UTM zone,
    # never read as metres (the 56 m pair would then be 184 "m" apart)
    rows = [
        {"day": -10, "close_after_days": 1, "xy": (120.38, 36.07)},
        {"day": -5, "xy": (120.38, 36.0701)},  # ~11 m north
        {"day": -4, "xy": (120.38, 36.0705)},  # ~56 m north
    ]
    wgs = make_reports(rows).set_crs("EPSG:4326", allow_override=True)
    feet = wgs.to_crs("EPSG:2264")
    units = gpd.GeoDataFrame(
        {"grid_id": ["c0"]},
        geometry=[box(120.37, 36.06, 120.39, 36.08)],
        crs="EPSG:4326",
    )
    emerging = units.assign(pattern="no_pattern")
    for distance, want in ((20, 1), (60, 2)):
        got = blind_spots(
            feet, units, comeback_distance_m=distance, emerging=emerging
        ).loc[0, "comebacks"]
        assert got == want


def test_object_and_categorical_columns_give_the_same_ledger():
    rows = random_rows(120, seed=1)
    units = cells()
    emerging = units.assign(pattern="sporadic_hot")
    a = blind_spots(make_reports(rows), units, emerging=emerging)
    reports = make_reports(rows)
    reports["grid_id"] = reports["grid_id"].astype(object)
    for col in ("category", "status", "source"):
        reports[col] = reports[col].astype("category")
    b = blind_spots(reports, units.astype({"grid_id": object}), emerging=emerging)
    assert a["comebacks"].sum() > 0
    assert b["grid_id"].tolist() == a["grid_id"].tolist()
    pd.testing.assert_frame_equal(a.drop(columns="grid_id"), b.drop(columns="grid_id"))


def test_comeback_pairs_by_sorted_keys_and_in_slices_agree(monkeypatch):
    rows = random_rows(300, seed=2)
    units = cells()
    emerging = units.assign(pattern="no_pattern")
    reports = make_reports(rows)
    near = blind_spots(reports, units, emerging=emerging)
    anywhere = blind_spots(reports, units, comeback_distance_m=None, emerging=emerging)
    assert 0 < near["comebacks"].sum() < anywhere["comebacks"].sum()
    monkeypatch.setattr(blindspots, "_DENSE_KEYS", -(10**9))  # sort, never count
    monkeypatch.setattr(blindspots, "_PAIR_CHUNK", 7)  # many small slices
    pd.testing.assert_frame_equal(blind_spots(reports, units, emerging=emerging), near)
    pd.testing.assert_frame_equal(
        blind_spots(reports, units, comeback_distance_m=None, emerging=emerging),
        anywhere,
    )


def test_lines_join_clauses_like_python_with_many_distinct_keys(monkeypatch):
    # ~2,500 distinct keys in each of 6 clauses: the combined key of a line
    # outgrows int64 and is renumbered on the way
    rng = np.random.default_rng(3)
    n = 3000
    lines = blindspots._Lines(n, seps=("，", "; "), capital=(False, True))
    zh, en = [""] * n, [""] * n
    for clause in range(6):
        mask = rng.random(n) < 0.6
        keys = rng.integers(0, 2500, int(mask.sum()))
        lines.add(
            mask,
            keys,
            lambda k, c=clause: f"{k}起{c}",
            lambda k, c=clause: f"x{k} in {c}",
        )
        for i, k in zip(np.flatnonzero(mask), keys, strict=True):
            zh[i] += ("，" if zh[i] else "") + f"{k}起{clause}"
            en[i] += ("; " if en[i] else "") + f"x{k} in {clause}"
    calls = []

    def distinct(values):
        calls.append(len(values))
        return distinct_before(values)

    distinct_before = blindspots._distinct
    monkeypatch.setattr(blindspots, "_distinct", distinct)
    got_zh, got_en = lines.done("无", "none")
    assert len(calls) >= 2  # renumbered at least once before the final numbering
    assert list(got_zh) == [s or "无" for s in zh]
    assert list(got_en) == [(s or "none")[:1].upper() + (s or "none")[1:] for s in en]


# -- the ledger as returned: ranked, with the evidence its reason speaks of ------


def test_ledger_is_sorted_by_rank_index_kept():
    units = cells(5).set_index(pd.Index([50, 40, 30, 20, 10], name="k"))
    rows = [
        {"unit": "c3", "source": "hotline"},
        *({"week": w, "unit": "c4", "source": "hotline"} for w in range(-5, 1)),
        *({"week": w, "unit": "c1", "source": "hotline"} for w in range(-2, 1)),
    ]
    res = blind_spots(
        make_reports(rows),
        units,
        emerging=units.assign(pattern="no_pattern")[["grid_id", "pattern"]],
    )
    assert res["rank"].tolist() == [1, 2, 3, 4, 5]
    assert res["grid_id"].tolist() == ["c4", "c1", "c3", "c0", "c2"]
    assert res.index.tolist() == [10, 40, 20, 50, 30]  # the units' labels
    assert res["score"].is_monotonic_decreasing
    # head(n) is the top n; reindexing gives the units' order back
    assert res.head(2)["grid_id"].tolist() == ["c4", "c1"]
    assert res.reindex(units.index)["grid_id"].tolist() == units["grid_id"].tolist()


def test_top_category_evidence_matches_the_reason():
    rows = [
        *({"week": w, "category": "乱停车"} for w in (-7, -6, -5, -4, -3, -2)),
        *({"week": w, "category": "乱停车"} for w in (-7, -6)),
        *({"week": w, "category": "暴露垃圾"} for w in (-1, 0)),
        {"week": 0, "category": "流浪犬"},
    ]
    res = run(rows)
    c0 = res.loc["c0"]
    assert c0["current_streak"] == 8  # any category
    assert c0["top_category"] == "乱停车"
    assert c0["top_category_periods"] == 6
    assert c0["top_category_streak"] == 0
    assert c0["top_categories"] == "乱停车(8)、暴露垃圾(2)、流浪犬(1)"
    assert c0["top_categories_en"] == "乱停车 (8), 暴露垃圾 (2), 流浪犬 (1)"
    assert c0["reason_zh"].startswith("近8周有6周出现乱停车")
    assert c0["reason_en"].startswith("乱停车 reported in 6 of the last 8 weeks")
    c1 = res.loc["c1"]
    assert (c1["top_category"], c1["top_categories"], c1["top_categories_en"]) == (
        "",
        "",
        "",
    )
    assert (c1["top_category_periods"], c1["top_category_streak"]) == (0, 0)


def test_english_reason_has_no_chinese_but_the_category_names():
    rows = [
        *(
            {"week": w, "category": "suspicious", "source": "evaluation"}
            for w in range(-7, 1)
        ),
        {"week": -1, "category": "suspicious", "close_after_days": 1},
        {"week": 0, "category": "suspicious", "reopen_count": 1},
    ]
    res = run(
        rows, emerging=cells().assign(pattern="persistent_hot")[["grid_id", "pattern"]]
    )
    en = res.loc["c0", "reason_en"]
    # the category's name as written (not capitalised), every other word English
    assert en == (
        "suspicious reported 8 weeks in a row; 2 came back after closing; "
        "1 reopened; 80% from the evaluation teams; 9 still open; "
        "persistent hot spot"
    )
    assert res.loc["c0", "reason_zh"] == (
        "连续8周出现suspicious，2起结案后复发，1起返工，80%来自测评督查，"
        "9起未结案，持续热点"
    )
    assert res.loc["c1", "reason_en"] == "Persistent hot spot"


# -- the ledger as written (Weekly.ledger) --------------------------------------


def weekly_with(ledger: gpd.GeoDataFrame, language: str):
    """A weekly job whose blind spots are ``ledger`` (nothing else is computed)."""
    from types import SimpleNamespace

    from hotspots.pipeline.weekly import Weekly

    job = Weekly.__new__(Weekly)
    job.config = SimpleNamespace(map=SimpleNamespace(language=language))
    job.__dict__["blind_spots"] = ledger  # the cached step
    return job


def ledger_frame() -> gpd.GeoDataFrame:
    rows = [
        # c1: 7 weeks in a row, 3 of 7 found by the hotline, 2 of 3 closed late
        *({"week": w, "unit": "c1", "category": "suspicious"} for w in range(-6, -2)),
        *(
            {"week": w, "unit": "c1", "category": "暴露垃圾", "source": "hotline"}
            for w in (-2, -1, 0)
        ),
        {"week": -6, "unit": "c1", "category": "suspicious", "close_after_days": 9},
        {"week": -5, "unit": "c1", "category": "suspicious", "close_after_days": 8},
        {"week": -4, "unit": "c1", "category": "suspicious", "close_after_days": 1},
        # c3: one report
        {"week": 0, "unit": "c3", "category": "乱停车"},
    ]
    units = cells()
    emerging = units.assign(
        pattern=["no_pattern", "persistent_hot", "no_pattern", "new_hot"]
    )
    return blind_spots(
        make_reports(rows), units, emerging=emerging[["grid_id", "pattern"]]
    )


def test_weekly_ledger_chinese_is_ranked_rounded_and_chinese():
    bs = ledger_frame()
    out = weekly_with(bs, "zh").ledger()
    assert out.columns.tolist() == [
        "排名",
        "网格编码",
        "盲区得分",
        "原因",
        "近期有案件周数",
        "连续有案件周数",
        "时空模式",
        "案件数",
        "加权案件数",
        "主要问题类型",
        "首要问题类型出现周数",
        "首要问题类型连续周数",
        "返工案件数",
        "结案后复发数",
        "复发比例（%）",
        "未结案数",
        "结案天数中位数",
        "超期结案比例（%）",
        "热线与测评发现比例（%）",
    ]
    assert out["网格编码"].tolist() == ["c1", "c3"]
    assert out["排名"].tolist() == [1, 2]
    c1 = out.iloc[0]
    assert c1["热线与测评发现比例（%）"] == 30.0  # 3 of 10
    assert c1["超期结案比例（%）"] == 66.7  # 2 of 3, one decimal
    assert c1["结案天数中位数"] == 8.0
    assert c1["盲区得分"] == round(
        float(bs.loc[bs["grid_id"] == "c1", "score"].iloc[0]), 2
    )
    assert c1["时空模式"] == "持续热点"
    assert c1["主要问题类型"] == "suspicious(7)、暴露垃圾(3)"
    assert (c1["首要问题类型出现周数"], c1["首要问题类型连续周数"]) == (4, 0)
    assert c1["原因"].startswith("近8周有4周出现suspicious")
    assert out.attrs["sheet_name"] == "盲区台账"
    assert out.attrs["number_formats"]["盲区得分"] == "0.00"
    assert out.attrs["number_formats"]["超期结案比例（%）"] == "0.0"
    assert out.attrs["number_formats"]["案件数"] == "0"


def test_weekly_ledger_english_is_english_throughout(tmp_path):
    from hotspots._core.outputs import write_csv

    out = weekly_with(ledger_frame(), "en").ledger()
    assert out.columns.tolist() == [
        "Rank",
        "Grid cell",
        "Blind-spot score",
        "Reason",
        "Weeks with reports",
        "Current streak (weeks)",
        "Pattern",
        "Reports",
        "Weighted reports",
        "Top categories",
        "Weeks with the top category",
        "Top category streak (weeks)",
        "Reopened",
        "Comebacks after closing",
        "Comeback share (%)",
        "Open now",
        "Median days to close",
        "Closed late (%)",
        "Found by hotline/evaluators (%)",
    ]
    c1 = out.iloc[0]
    assert c1["Pattern"] == "Persistent hot spot"
    assert c1["Top categories"] == "suspicious (7), 暴露垃圾 (3)"
    assert c1["Reason"].startswith("suspicious reported in 4 of the last 8 weeks")
    # no Chinese anywhere but in the category names
    text = " ".join([str(v) for v in out.to_numpy().ravel()] + out.columns.tolist())
    for name in ("暴露垃圾", "乱停车"):
        text = text.replace(name, "")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert out.attrs["sheet_name"] == "Blind-spot ledger"
    assert weekly_with(ledger_frame(), "zh").ledger(language="en").columns[0] == "Rank"
    # the CSV reads as the sheet: rounded numbers, percent as 66.7
    path = write_csv(tmp_path / "ledger.csv", out)
    written = path.read_text(encoding="utf-8-sig").splitlines()
    assert written[0].startswith("Rank,Grid cell,Blind-spot score,Reason")
    assert ",66.7," in written[1]
    score = f"{c1['Blind-spot score']:.2f}".rstrip("0").rstrip(".")
    assert f",{score}," in written[1]


# -- peak windows from hour-of-week profiles (issue 19) ----------------------------


def _profiled_rows() -> list[dict]:
    """c1: evening reports Friday to Sunday; c3: one Monday morning report."""
    rows = [
        {"week": w, "day": d, "unit": "c1", "category": "占道经营"}
        for w in range(-5, 1)
        for d in (4, 5, 6)
    ]
    return [*rows, {"week": 0, "unit": "c3", "category": "乱停车"}]


def _evening(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Move c1's reports to 19:00-20:00 (the fixture files them at 09:00)."""
    out = frame.copy()
    c1 = out["grid_id"] == "c1"
    out.loc[c1, "reported_at"] = out.loc[c1, "reported_at"] + pd.Timedelta(
        hours=10, minutes=20
    )
    return out


def test_hour_profile_joins_the_peak_window():
    from hotspots.stats.profiles import hour_of_week_profile

    reports = _evening(make_reports(_profiled_rows()))
    emerging = cells().assign(pattern="no_pattern")[["grid_id", "pattern"]]
    prof = hour_of_week_profile(reports, bandwidth_h=0.5, prior_strength=0)
    bare = blind_spots(reports, cells(), emerging=emerging)
    with_p = blind_spots(reports, cells(), emerging=emerging, hour_profile=prof)
    new = [c for c in with_p.columns if c not in bare.columns]
    assert new == [
        "peak_window_zh",
        "peak_window_en",
        "peak_days",
        "peak_start_min",
        "peak_end_min",
        "peak_share",
    ]
    # everything else is unchanged
    pd.testing.assert_frame_equal(with_p[list(bare.columns)], bare)
    by = with_p.set_index("grid_id")
    assert by.loc["c1", "peak_window_zh"] == "周五至周日 18:00-21:00"
    assert by.loc["c1", "peak_window_en"] == "Fri-Sun 18:00-21:00"
    assert (by.loc["c1", "peak_start_min"], by.loc["c1", "peak_end_min"]) == (
        1080,
        1260,
    )
    assert by.loc["c1", "peak_days"] == "4,5,6"
    assert by.loc["c1", "peak_share"] > 0.99
    assert by.loc["c3", "peak_window_en"].startswith("Mon ")
    # units without reports have no window
    assert by.loc[["c0", "c2"], "peak_window_zh"].isna().all()
    assert by.loc[["c0", "c2"], "peak_start_min"].isna().all()
    assert by.loc[["c0", "c2"], "peak_share"].isna().all()
    # a shorter window
    short = blind_spots(
        reports, cells(), emerging=emerging, hour_profile=prof, peak_hours=1
    ).set_index("grid_id")
    assert short.loc["c1", "peak_window_en"] == "Fri-Sun 19:00-20:00"


def test_without_profile_the_ledger_is_byte_identical():
    reports = make_reports(_profiled_rows())
    emerging = cells().assign(pattern="no_pattern")[["grid_id", "pattern"]]
    a = blind_spots(reports, cells(), emerging=emerging)
    b = blind_spots(reports, cells(), emerging=emerging, hour_profile=None)
    assert a.columns.tolist() == b.columns.tolist()
    assert not any(c.startswith("peak_") for c in b.columns)
    pd.testing.assert_frame_equal(a, b)
    assert a.to_csv() == b.to_csv()
    # the ledger as written has no peak columns either
    assert weekly_with(b, "zh").ledger().columns.tolist() == (
        weekly_with(a, "zh").ledger().columns.tolist()
    )
    assert "高发时段" not in weekly_with(b, "zh").ledger().columns


def test_weekly_ledger_writes_the_peak_window_in_both_languages():
    from hotspots.stats.profiles import hour_of_week_profile

    reports = _evening(make_reports(_profiled_rows()))
    emerging = cells().assign(pattern="no_pattern")[["grid_id", "pattern"]]
    prof = hour_of_week_profile(reports, bandwidth_h=0.5, prior_strength=0)
    bs = blind_spots(reports, cells(), emerging=emerging, hour_profile=prof)
    zh = weekly_with(bs, "zh").ledger().set_index("网格编码")
    en = weekly_with(bs, "en").ledger().set_index("Grid cell")
    assert zh.columns[-2:].tolist() == ["高发时段", "高发时段案件占比（%）"]
    assert en.columns[-2:].tolist() == ["Peak window", "Share in the peak window (%)"]
    assert zh.loc["c1", "高发时段"] == "周五至周日 18:00-21:00"
    assert en.loc["c1", "Peak window"] == "Fri-Sun 18:00-21:00"
    share = float(bs.set_index("grid_id").loc["c1", "peak_share"])
    assert zh.loc["c1", "高发时段案件占比（%）"] == round(100 * share, 1)
    assert "Share in the peak window (%)" in en.attrs["number_formats"]


def test_hour_profile_errors():
    from hotspots.stats.profiles import hour_of_week_profile

    reports = make_reports(_profiled_rows())
    emerging = cells().assign(pattern="no_pattern")[["grid_id", "pattern"]]
    with pytest.raises(TypeError, match="hour_profile must be an HourProfile"):
        blind_spots(reports, cells(), emerging=emerging, hour_profile="evening")
    seg = hour_of_week_profile(reports.assign(segment_id="s1"), unit="segment_id")
    with pytest.raises(InputError, match="hour_profile must be a profile of the"):
        blind_spots(reports, cells(), emerging=emerging, hour_profile=seg)
    with pytest.raises(InputError, match="peak_hours must be a whole number"):
        blind_spots(reports, cells(), emerging=emerging, peak_hours=0)


# -- by parts: blind_spots is blind_spots_combine of blind_spots_partial ------------


def test_combine_of_parts_gives_the_known_answer_of_the_whole():
    from hotspots.ledger.blindspots import (
        blind_spots_combine,
        blind_spots_extent,
        blind_spots_partial,
    )

    # the docstring's unit: 6 weekly reports at one place, each closed after
    # 20 hours; the problem comes back 5 times, across every cut
    t = pd.date_range("2026-10-05 09:00", periods=6, freq="7D", tz=TZ)
    reports = gpd.GeoDataFrame(
        {
            "reported_at": t,
            "category": "占道经营",
            "status": "closed",
            "closed_at": t + pd.Timedelta(hours=20),
            "source": ["hotline", "inspector"] * 3,
            "grid_id": ["c0"] * 6,
        },
        geometry=[Point(50, 50)] * 6,
        crs=UTM51N,
    )
    units = cells(2)
    emerging = pd.DataFrame({"grid_id": ["c0", "c1"], "pattern": "new_hot"})
    whole = blind_spots(reports, units, periods=6, emerging=emerging)
    for cut in ([3], [1, 2, 5]):
        pieces = np.split(np.arange(6), cut)
        extents = [blind_spots_extent(reports.iloc[p], units) for p in pieces]
        as_of = max(e[0] for e in extents)
        total = sum(e[1] for e in extents)
        firsts = np.r_[0, np.cumsum([e[1] for e in extents])[:-1]]
        parts = [
            blind_spots_partial(
                reports.iloc[p], units, periods=6, as_of=as_of, history=(int(f), total)
            )
            for p, f in zip(pieces, firsts, strict=True)
        ]
        got = blind_spots_combine(parts, units, emerging=emerging)
        pd.testing.assert_frame_equal(got, whole)
    row = whole.set_index("grid_id").loc["c0"]
    assert (row["comebacks"], row["n_reports"], row["current_streak"]) == (5, 6, 6)
    assert row["outside_share"] == 0.5
    assert row["reason_zh"].startswith("连续6周出现占道经营，5起结案后复发")
