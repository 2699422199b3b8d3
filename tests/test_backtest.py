from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from hotspots.errors import CRSError, InputError
from hotspots.ledger.backtest import (
    BacktestResult,
    NotEnoughHistoryError,
    backtest,
    score_ranking,
)
from hotspots.ledger.forecast import RISK_RANK, forecast

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0
TZ = "Asia/Shanghai"
W47 = pd.Timestamp("2026-11-16", tz=TZ)


def row_of_cells(n: int = 10) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"grid_id": [f"c{k}" for k in range(n)]},
        geometry=[
            box(X0 + 100 * k, Y0, X0 + 100 * (k + 1), Y0 + 100) for k in range(n)
        ],
        crs=CRS,
    )


def reports_at(
    cells: gpd.GeoDataFrame, placed: dict[str, list[int]]
) -> gpd.GeoDataFrame:
    """Reports by week label ("W45" ...) -> list of unit positions (one each)."""
    rows = []
    for label, positions in placed.items():
        start = W47 - pd.Timedelta(weeks=47 - int(label[1:]))
        for k, pos in enumerate(positions):
            rows.append((pos, start + pd.Timedelta(hours=9 + k)))
    where = [r[0] for r in rows]
    cent = cells.geometry.centroid.to_numpy()[where]
    return gpd.GeoDataFrame(
        {
            "report_id": [f"r{k}" for k in range(len(rows))],
            "reported_at": pd.DatetimeIndex([r[1] for r in rows]),
            "category": "乱停车",
            "grid_id": cells["grid_id"].to_numpy()[where],
        },
        geometry=list(cent),
        crs=CRS,
    )


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    return row_of_cells()


@pytest.fixture
def hand(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # W46: c2 x3, c7 x1.  W47 (the target): c2 x2, c5 x2.
    return reports_at(cells, {"W45": [9], "W46": [2, 2, 2, 7], "W47": [2, 2, 5, 5]})


# -- scoring one ranking --


def test_score_ranking_equal_units() -> None:
    ranks = np.arange(1, 11)
    counts = np.array([2, 0, 1, 0, 0, 1, 0, 0, 0, 0])
    t = score_ranking(ranks, np.ones(10), counts, [0.1, 0.15, 0.3, 1.0])
    assert t["n_units"].tolist() == [1, 2, 3, 10]
    np.testing.assert_allclose(t["area_share"], [0.1, 0.2, 0.3, 1.0])
    np.testing.assert_allclose(t["hit_rate"], [0.5, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(t["pai"], [5.0, 2.5, 2.5, 1.0])
    assert (t["n_reports"] == 4).all()


def test_score_ranking_crossing_unit_included_and_actual_share_used() -> None:
    # the top unit is half the area: 10 % coverage takes it whole
    measure = np.array([5.0, 1, 1, 1, 1, 1])
    counts = np.array([3, 1, 0, 0, 0, 0])
    t = score_ranking([1, 2, 3, 4, 5, 6], measure, counts, [0.1, 0.5, 0.55])
    assert t["n_units"].tolist() == [1, 1, 2]
    np.testing.assert_allclose(t["area_share"], [0.5, 0.5, 0.6])
    np.testing.assert_allclose(t["hit_rate"], [0.75, 0.75, 1.0])
    np.testing.assert_allclose(t["pai"], [1.5, 1.5, 1.0 / 0.6])


def test_score_ranking_follows_ranks_not_positions() -> None:
    t = score_ranking([3, 1, 2], [1, 1, 1], [0, 4, 0], [1 / 3])
    assert t["hit_rate"].iloc[0] == 1.0
    assert t["pai"].iloc[0] == pytest.approx(3.0)


def test_score_ranking_without_reports_is_nan() -> None:
    t = score_ranking([1, 2], [1, 1], [0, 0], [0.5])
    assert np.isnan(t["hit_rate"].iloc[0])
    assert np.isnan(t["pai"].iloc[0])
    assert t["n_reports"].iloc[0] == 0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([1, 2], [1, 1, 1], [0, 1], [0.5]), "one value per unit"),
        (([1, 2], [1, -1], [0, 1], [0.5]), "measure must be >= 0"),
        (([1, 2], [1, 1], [0, np.nan], [0.5]), "counts must be a non-empty"),
        (([], [], [], [0.5]), "ranks must be a non-empty"),
        (([1, 2], [0, 0], [0, 1], [0.5]), "measure must have a positive total"),
        (([1, 2], [1, 1], [0, 1], [0.0, 1.5]), "coverage must be shares"),
    ],
)
def test_score_ranking_errors(args: tuple[Any, ...], match: str) -> None:
    with pytest.raises(InputError, match=match):
        score_ranking(*args)


def test_score_ranking_type_error() -> None:
    with pytest.raises(TypeError, match="measure must be a 1-D sequence of numbers"):
        score_ranking([1, 2], ["a", "b"], [0, 1], [0.5])


# -- the backtest --


def test_backtest_hand_made(cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame) -> None:
    res = backtest(
        hand,
        cells,
        methods=["last"],
        start="2026-W47",
        end="2026-W47",
        coverage=(0.1, 0.2),
    )
    assert isinstance(res, BacktestResult)
    t = res.periods
    assert t["period"].tolist() == ["2026-W47", "2026-W47"]
    # last week's ranking: c2 (3), c7 (1), then c0, c1 ... in order
    # 10 %: c2 -> 2 of 4 reports; 20 %: c2, c7 -> still 2 of 4
    np.testing.assert_allclose(t["hit_rate"], [0.5, 0.5])
    np.testing.assert_allclose(t["area_share"], [0.1, 0.2])
    np.testing.assert_allclose(t["pai"], [5.0, 2.5])
    assert t["n_reports"].tolist() == [4, 4]
    assert t["n_units"].tolist() == [1, 2]


def test_backtest_several_periods_and_summary(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame
) -> None:
    res = backtest(
        hand,
        cells,
        methods=["last", "moving"],
        start="2026-W46",
        end="2026-W47",
        coverage=(0.1,),
    )
    t = res.periods
    assert t[["method", "period"]].values.tolist() == [
        ["last", "2026-W46"],
        ["last", "2026-W47"],
        ["moving", "2026-W46"],
        ["moving", "2026-W47"],
    ]
    # W46 as of its start: last week's only report is c9; none of W46's in c9
    assert t["hit_rate"].iloc[0] == 0.0
    s = res.summary
    assert s["method"].tolist() == ["last", "moving"]
    row = s.iloc[0]
    assert row["hit_rate_mean"] == pytest.approx(0.25)
    assert row["hit_rate_std"] == pytest.approx(np.std([0.0, 0.5], ddof=1))
    assert row["pai_mean"] == pytest.approx(2.5)
    assert row["n_periods"] == 2
    assert set(res.seconds) == {"last", "moving"}


def test_backtest_matches_forecast_as_of_period_start(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame
) -> None:
    """No future data: the backtest's ranking is forecast(as_of=period start)."""
    res = backtest(
        hand, cells, methods=["ewma"], start="2026-W47", end="2026-W47", coverage=(0.1,)
    )
    f = forecast(hand, cells, method="ewma", as_of=W47)
    top = f.loc[f[RISK_RANK] == 1, "grid_id"].item()
    assert top == "c2"
    assert res.periods["hit_rate"].iloc[0] == 0.5
    # a report added in the target period changes the hit rate, never the ranking
    extra = reports_at(cells, {"W47": [2, 2, 2, 2]})
    extra["report_id"] = ["x1", "x2", "x3", "x4"]
    more = pd.concat([hand, extra], ignore_index=True)
    res2 = backtest(
        more, cells, methods=["ewma"], start="2026-W47", end="2026-W47", coverage=(0.1,)
    )
    assert res2.periods["hit_rate"].iloc[0] == pytest.approx(6 / 8)
    assert res2.periods["n_units"].iloc[0] == 1


def test_backtest_period_without_reports(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame
) -> None:
    res = backtest(
        hand, cells, methods=["last"], start="2026-W48", end="2026-W48", coverage=(0.1,)
    )
    assert np.isnan(res.periods["hit_rate"].iloc[0])
    assert res.summary["n_periods"].iloc[0] == 0


def test_backtest_default_periods(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame
) -> None:
    res = backtest(hand, cells, methods=["last"], coverage=(0.5,))
    # default: up to the last 10 periods, the first one left as history
    assert res.periods["period"].tolist() == ["2026-W46", "2026-W47"]


def test_backtest_method_params_are_used(cells: gpd.GeoDataFrame) -> None:
    # W44: c9 x3; W46: c2 x1; W47 (the target): c9 x2.
    rep = reports_at(cells, {"W44": [9, 9, 9], "W46": [2], "W47": [9, 9]})
    kw: dict[str, Any] = {
        "methods": ["moving"],
        "start": "2026-W47",
        "end": "2026-W47",
        "coverage": (0.1,),
    }
    a = backtest(rep, cells, **kw)
    b = backtest(rep, cells, **kw, method_params={"moving": {"window_periods": 1}})
    # window 8 (default): c9 (3/8) ranks first and holds both target reports;
    # window 1: only W46 counts, c2 ranks first and holds none.
    assert a.periods["hit_rate"].iloc[0] == 1.0
    assert b.periods["hit_rate"].iloc[0] == 0.0


def test_backtest_street_lengths() -> None:
    segs = gpd.GeoDataFrame(
        {"segment_id": ["s0", "s1", "s2"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 300, Y0)]),
            LineString([(X0, Y0 + 500), (X0 + 100, Y0 + 500)]),
            LineString([(X0, Y0 + 1000), (X0 + 600, Y0 + 1000)]),
        ],
        crs=CRS,
    )
    t = [
        W47 - pd.Timedelta(days=3),
        W47 + pd.Timedelta(days=1),
        W47 + pd.Timedelta(days=2),
    ]
    rep = gpd.GeoDataFrame(
        {"reported_at": pd.DatetimeIndex(t), "segment_id": ["s1", "s1", "s2"]},
        geometry=gpd.points_from_xy(
            [X0 + 50] * 2 + [X0 + 10], [Y0 + 500] * 2 + [Y0 + 1000]
        ),
        crs=CRS,
    )
    res = backtest(
        rep,
        segs,
        unit="segment_id",
        measure="length",
        methods=["last"],
        start="2026-W47",
        end="2026-W47",
        coverage=(0.1,),
    )
    row = res.periods.iloc[0]
    assert row["area_share"] == pytest.approx(0.1)  # s1: 100 of 1000 m
    assert row["hit_rate"] == pytest.approx(0.5)
    assert row["pai"] == pytest.approx(5.0)
    with pytest.raises(InputError, match="measure='length'"):
        backtest(rep, segs, unit="segment_id", methods=["last"], start="2026-W47")


def test_result_outputs(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    res = backtest(
        hand, cells, methods=["last", "ewma"], start="2026-W46", end="2026-W47"
    )
    frame = res.to_frame()
    frame.loc[0, "pai"] = -1
    assert res.periods.loc[0, "pai"] != -1
    zh = res.summary_table("zh", coverage=0.05)
    assert list(zh.columns)[:3] == ["方法", "覆盖面积比例", "平均命中率"]
    assert zh["方法"].tolist() == ["上期计数", "指数加权"]
    en = res.summary_table("en")
    assert "mean PAI" in en.columns
    assert len(en) == 8
    with pytest.raises(InputError, match="coverage must be one of"):
        res.summary_table("en", coverage=0.33)
    with pytest.raises(InputError, match="language"):
        res.summary_table("fr")  # type: ignore[arg-type]
    out = res.plot(tmp_path / "pai.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pai.png"]


# -- errors --


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"coverage": (0.0, 0.1)}, "coverage must be shares in"),
        ({"coverage": (1.5,)}, "coverage must be shares in"),
        ({"coverage": ()}, "coverage must be shares in"),
        ({"coverage": "abc"}, "coverage must be shares in"),
        ({"measure": "volume"}, "measure must be 'area' or 'length'"),
        ({"methods": ["last", "oracle"]}, "method must be one of"),
        ({"methods": []}, "methods must name at least one"),
        ({"method_params": {"kde": {"bandwidth_m": 50}}}, "method_params keys"),
        (
            {"method_params": {"last": {"bandwidth": 50}}},
            "unknown parameter 'bandwidth'",
        ),
        ({"method_params": {"last": 5}}, "must be a mapping"),
        ({"method_params": {"last": {"window_periods": -1}}}, "window_periods must be"),
        ({"start": "2026-W45"}, "too little history for the backtest"),
        ({"start": "2026-W47", "end": "2026-W46"}, "end must not be before start"),
        ({"start": "not a week"}, "start must be a timestamp"),
    ],
)
def test_backtest_errors(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame, kwargs: dict[str, Any], match: str
) -> None:
    args = {"methods": ["last"], **kwargs}
    with pytest.raises(InputError, match=match):
        backtest(hand, cells, **args)


@pytest.mark.parametrize(
    ("start", "end", "earliest", "most", "room"),
    [
        ("2026-W43", "2026-W47", "2026-W46", 2, "at most 2 weeks up to 2026-W47"),
        ("2026-W45", "2026-W45", "2026-W46", 0, "on (after 2026-W45)."),
    ],
)
def test_backtest_too_little_history_says_weeks_not_python(
    cells: gpd.GeoDataFrame,
    hand: gpd.GeoDataFrame,
    start: str,
    end: str,
    earliest: str,
    most: int,
    room: str,
) -> None:
    # the reports begin in 2026-W45: a backtest needs a week before its first
    with pytest.raises(NotEnoughHistoryError) as caught:
        backtest(hand, cells, methods=["last"], start=start, end=end)
    err = caught.value
    assert isinstance(err, InputError)
    text = str(err)
    assert "needs at least 1 week of reports before its first week " + start in text
    assert "there are 0 weeks (the reports begin in 2026-W45)" in text
    assert f"Backtest from {earliest} on" in text
    assert room in text
    # readable from the command line: no Python syntax
    assert "start=" not in text
    assert "[" not in text
    assert "'" not in text
    assert (err.periods_available, err.periods_needed) == (0, 1)
    assert (err.first_target, err.first_report_period) == (start, "2026-W45")
    assert (err.earliest_start, err.max_periods) == (earliest, most)
    # the advice works
    if most:
        res = backtest(hand, cells, methods=["last"], start=earliest, end=end)
        assert res.periods["period"].nunique() == most


def test_backtest_units_without_crs(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame
) -> None:
    with pytest.raises(CRSError, match="units need a CRS"):
        backtest(hand, cells.set_crs(None, allow_override=True), methods=["last"])


def test_backtest_missing_unit_column(
    cells: gpd.GeoDataFrame, hand: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match=r"hotspots\.assign"):
        backtest(hand.drop(columns="grid_id"), cells, methods=["last"])


def test_backtest_on_a_generated_district_beats_chance() -> None:
    from hotspots.sample.district import make_district
    from hotspots.spatial.join import assign

    d = make_district(seed=5, weeks=8, n_reports=6000)
    rep = assign(d.reports, grid=d.grid)
    res = backtest(
        rep, d.grid, methods=["moving", "sepp"], start=d.weeks[4], coverage=(0.05,)
    )
    assert len(res.periods) == 2 * 4
    # planted hot spots make the top 5 % of the area catch far more than 5 %
    assert (res.summary["pai_mean"] > 1.5).all()
