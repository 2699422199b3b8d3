from __future__ import annotations

import importlib
import math
import warnings
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from hotspots.errors import (
    CRSError,
    HotspotsWarning,
    InputError,
    ReportsLeftOutWarning,
)
from hotspots.ledger.forecast import (
    METHODS,
    RISK,
    RISK_RANK,
    ForecastMethod,
    SeppThinnedWarning,
    fit_sepp,
    forecast,
)

forecast_module = importlib.import_module("hotspots.ledger.forecast")

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0
TZ = "Asia/Shanghai"
AS_OF = pd.Timestamp("2026-11-16", tz=TZ)  # Monday, start of 2026-W47


def row_of_cells(n: int = 10) -> gpd.GeoDataFrame:
    """``n`` 100 m squares in a row, ids c0..c{n-1}."""
    return gpd.GeoDataFrame(
        {"grid_id": [f"c{k}" for k in range(n)]},
        geometry=[
            box(X0 + 100 * k, Y0, X0 + 100 * (k + 1), Y0 + 100) for k in range(n)
        ],
        crs=CRS,
    )


def block(n: int = 5) -> gpd.GeoDataFrame:
    ids, geoms = [], []
    for r in range(n):
        for c in range(n):
            ids.append(f"g{r}{c}")
            geoms.append(
                box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1))
            )
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=geoms, crs=CRS)


def make_reports(
    cells: gpd.GeoDataFrame,
    unit_pos: list[int],
    times: list[pd.Timestamp],
    categories: list[str] | None = None,
) -> gpd.GeoDataFrame:
    cent = cells.geometry.centroid.to_numpy()[unit_pos]
    return gpd.GeoDataFrame(
        {
            "report_id": [f"r{k}" for k in range(len(unit_pos))],
            "reported_at": pd.DatetimeIndex(times),
            "category": categories or ["占道经营"] * len(unit_pos),
            "status": "closed",
            "source": "hotline",
            "grid_id": cells["grid_id"].to_numpy()[unit_pos],
        },
        geometry=list(cent),
        crs=CRS,
    )


def week(k: int, hours: float = 10.0) -> pd.Timestamp:
    """A time in the k-th week before AS_OF (k=1: the last complete week)."""
    return AS_OF - pd.Timedelta(weeks=k) + pd.Timedelta(hours=hours)


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    return row_of_cells()


@pytest.fixture
def simple(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # last week: c0 x2, c3 x1; the week before: c5 x4
    return make_reports(
        cells,
        [0, 0, 3, 5, 5, 5, 5],
        [
            week(1),
            week(1, 30),
            week(1, 50),
            week(2),
            week(2, 5),
            week(2, 9),
            week(2, 70),
        ],
    )


@pytest.fixture
def busy() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A 5 x 5 block with random reports over 10 weeks, some clustered."""
    cells = block()
    rng = np.random.default_rng(3)
    n = 300
    pos = rng.integers(0, 25, n)
    pos[:80] = rng.choice([6, 7, 12], 80)
    secs = rng.uniform(0, 10 * 7 * 86400, n)
    times = [
        AS_OF - pd.Timedelta(weeks=10) + pd.Timedelta(seconds=float(s)) for s in secs
    ]
    cats = list(rng.choice(["占道经营", "乱停车"], n))
    rep = make_reports(cells, list(pos), times, cats)
    jitter = rng.normal(0, 20, (n, 2))
    rep = rep.set_geometry(
        gpd.points_from_xy(
            rep.geometry.x + jitter[:, 0], rep.geometry.y + jitter[:, 1]
        ),
        crs=CRS,
    )
    return cells, rep


# -- known answers --


def test_last_counts_last_period(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    out = forecast(simple, cells, method="last", as_of=AS_OF)
    assert out[RISK].tolist() == [2, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    # ties (zeros) ranked in the units' order
    assert out[RISK_RANK].tolist() == [1, 3, 4, 2, 5, 6, 7, 8, 9, 10]
    assert out.attrs["n_history"] == 7
    assert out.attrs["method"] == "last"


def test_moving_mean(cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    out = forecast(simple, cells, method="moving", as_of=AS_OF, window_periods=2)
    expected = np.zeros(10)
    expected[[0, 3, 5]] = [1.0, 0.5, 2.0]
    np.testing.assert_allclose(out[RISK], expected)
    assert out[RISK_RANK].iloc[5] == 1


def test_ewma_weights(cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    out = forecast(simple, cells, method="ewma", as_of=AS_OF, halflife_periods=1)
    # weights 1 (last week) and 0.5 (the week before), normalised by 1.5
    expected = np.zeros(10)
    expected[[0, 3, 5]] = [2 / 1.5, 1 / 1.5, 0.5 * 4 / 1.5]
    np.testing.assert_allclose(out[RISK], expected)
    # c0 and c5 tie: the first in the units' order ranks first
    assert out[RISK_RANK].iloc[[0, 5, 3]].tolist() == [1, 2, 3]


def test_prospective_weights_one_report(cells: gpd.GeoDataFrame) -> None:
    rep = make_reports(cells, [0], [AS_OF - pd.Timedelta(days=14)])
    out = forecast(
        rep,
        cells,
        method="prospective",
        as_of=AS_OF,
        bandwidth_m=50,
        time_bandwidth_weeks=1,
        max_distance_m=400,
    )
    # d = 100 k metres, age 2 weeks: 1 / (1 + 2k) * 1 / (1 + 2)
    expected = [1 / (1 + 2 * k) / 3 if k <= 4 else 0.0 for k in range(10)]
    np.testing.assert_allclose(out[RISK], expected)


def test_prospective_age_limit(cells: gpd.GeoDataFrame) -> None:
    rep = make_reports(cells, [0], [AS_OF - pd.Timedelta(weeks=9)])
    out = forecast(rep, cells, method="prospective", as_of=AS_OF, max_age_weeks=8)
    assert (out[RISK] == 0).all()


def test_kde_one_report(cells: gpd.GeoDataFrame) -> None:
    rep = make_reports(cells, [0], [week(1)])
    out = forecast(
        rep, cells, method="kde", as_of=AS_OF, bandwidth_m=100, window_periods=1
    )
    peak = 1e6 / (2 * math.pi * 100**2)
    np.testing.assert_allclose(out[RISK].iloc[0], peak)
    np.testing.assert_allclose(out[RISK].iloc[1], peak * math.exp(-0.5))
    np.testing.assert_allclose(out[RISK].iloc[4], peak * math.exp(-8))
    assert out[RISK].iloc[5] == 0.0  # beyond 4 bandwidths


def test_sepp_without_pairs_is_background(cells: gpd.GeoDataFrame) -> None:
    # reports far apart in space and time: no triggering, risk = n_u / T * 7
    times = [week(9), week(6), week(3)]
    rep = make_reports(cells, [0, 4, 9], times)
    out = forecast(rep, cells, method="sepp", as_of=AS_OF, history_periods=12)
    span_days = (AS_OF - times[0]).total_seconds() / 86400
    expected = np.zeros(10)
    expected[[0, 4, 9]] = 7 / span_days
    np.testing.assert_allclose(out[RISK], expected, rtol=1e-6)
    (fit,) = out.attrs["sepp"]
    assert fit["theta"] == 0.0
    assert fit["background_per_day"] == pytest.approx(3 / span_days)


def test_default_as_of_is_next_period(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    out = forecast(simple, cells, method="last")
    assert out.attrs["as_of"] == AS_OF
    pd.testing.assert_series_equal(
        out[RISK], forecast(simple, cells, method="last", as_of=AS_OF)[RISK]
    )


def test_mid_period_as_of_counts_partial_period(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    extra = make_reports(cells, [7], [AS_OF + pd.Timedelta(hours=30)])
    rep = pd.concat([simple, extra], ignore_index=True)
    out = forecast(rep, cells, method="last", as_of=AS_OF + pd.Timedelta(days=3))
    assert out[RISK].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]


def test_result_keeps_units_and_inputs(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    units = cells.set_index(pd.Index(list("abcdefghij"), name="k"))
    before_units, before_rep = units.copy(), simple.copy()
    out = forecast(simple, units, method="kde", as_of=AS_OF)
    assert out.index.equals(units.index)
    assert out.crs == units.crs
    assert list(out.columns) == [*units.columns, RISK, RISK_RANK]
    pd.testing.assert_frame_equal(units, before_units)
    pd.testing.assert_frame_equal(simple, before_rep)


def test_works_on_wgs84_inputs(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    a = forecast(simple, cells, method="kde", as_of=AS_OF)
    b = forecast(simple.to_crs(4326), cells.to_crs(4326), method="kde", as_of=AS_OF)
    np.testing.assert_allclose(a[RISK], b[RISK], rtol=1e-3)


# -- no leakage --


@pytest.mark.parametrize("method", METHODS)
def test_reports_at_or_after_as_of_change_nothing(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], method: ForecastMethod
) -> None:
    cells, rep = busy
    base = forecast(rep, cells, method=method, as_of=AS_OF)
    later = make_reports(
        cells, [24, 24, 0], [AS_OF, AS_OF + pd.Timedelta(days=2), AS_OF]
    )
    later["report_id"] = ["x1", "x2", "x3"]
    more = pd.concat([rep, later], ignore_index=True)
    out = forecast(more, cells, method=method, as_of=AS_OF)
    np.testing.assert_array_equal(out[RISK].to_numpy(), base[RISK].to_numpy())
    np.testing.assert_array_equal(out[RISK_RANK].to_numpy(), base[RISK_RANK].to_numpy())


@pytest.mark.parametrize(
    "method", ["last", "moving", "ewma", "kde", "prospective", "sepp"]
)
def test_report_just_before_as_of_counts(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], method: ForecastMethod
) -> None:
    cells, rep = busy
    base = forecast(rep, cells, method=method, as_of=AS_OF)
    just = make_reports(cells, [24], [AS_OF - pd.Timedelta(seconds=1)])
    just["report_id"] = ["x1"]
    out = forecast(
        pd.concat([rep, just], ignore_index=True), cells, method=method, as_of=AS_OF
    )
    assert out[RISK].iloc[24] > base[RISK].iloc[24]


def test_blind_spots_and_emerging_give_scores(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    cells, rep = busy
    b = forecast(rep, cells, method="blind_spots", as_of=AS_OF)
    assert b[RISK].between(0, 100).all()
    e = forecast(rep, cells, method="emerging", as_of=AS_OF)
    assert np.isfinite(e[RISK]).all()
    # parity: the final-period z of emerging_hotspots on the last 8 weeks' cube
    from hotspots.spatial.cube import space_time_cube
    from hotspots.stats.emerging import emerging_hotspots

    cube = space_time_cube(rep, cells).loc[:, "2026-W39":"2026-W46"]
    ref = emerging_hotspots(cube, cells)
    np.testing.assert_allclose(e[RISK], ref["final_z"], rtol=1e-12)
    # and the blind-spot score of blind_spots as of the instant before AS_OF
    from hotspots.ledger.blindspots import StepRecomputedWarning, blind_spots

    with warnings.catch_warnings():  # the reference computes its own pattern
        warnings.simplefilter("ignore", StepRecomputedWarning)
        led = blind_spots(rep, cells, periods=8, as_of=AS_OF - pd.Timedelta(1, "ns"))
    np.testing.assert_allclose(b[RISK], led["score"].reindex(cells.index))


# -- per category --


def test_by_category_linear_methods_unchanged(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    cells, rep = busy
    methods: tuple[ForecastMethod, ...] = ("ewma", "prospective")
    for method in methods:
        a = forecast(rep, cells, method=method, as_of=AS_OF)
        b = forecast(
            rep,
            cells,
            method=method,
            as_of=AS_OF,
            by_category=True,
            min_category_reports=50,
        )
        np.testing.assert_allclose(a[RISK], b[RISK])


def test_by_category_sepp_sums_models(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    cells, rep = busy
    pooled = forecast(rep, cells, method="sepp", as_of=AS_OF)
    split = forecast(
        rep,
        cells,
        method="sepp",
        as_of=AS_OF,
        by_category=True,
        min_category_reports=50,
    )
    # roughly the same expected total, not the same numbers
    assert split[RISK].sum() == pytest.approx(pooled[RISK].sum(), rel=0.3)
    assert not np.allclose(split[RISK], pooled[RISK])
    # a threshold no category reaches pools everything: identical to pooled
    same = forecast(
        rep,
        cells,
        method="sepp",
        as_of=AS_OF,
        by_category=True,
        min_category_reports=10_000,
    )
    np.testing.assert_allclose(same[RISK], pooled[RISK])


# -- the self-exciting process --


def simulate_hawkes(
    rng: np.random.Generator,
    mu: float,
    theta: float,
    omega: float,
    sigma: float,
    days: float,
    side: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    n0 = rng.poisson(mu * days)
    t = rng.uniform(0, days, n0)
    x = rng.uniform(0, side, n0)
    y = rng.uniform(0, side, n0)
    gens = [(x, y, t)]
    px, py, pt = x, y, t
    while len(pt):
        k = rng.poisson(theta, len(pt))
        idx = np.repeat(np.arange(len(pt)), k)
        ct = pt[idx] + rng.exponential(1 / omega, len(idx))
        cx = px[idx] + rng.normal(0, sigma, len(idx))
        cy = py[idx] + rng.normal(0, sigma, len(idx))
        keep = ct < days
        px, py, pt = cx[keep], cy[keep], ct[keep]
        gens.append((px, py, pt))
    x = np.concatenate([g[0] for g in gens])
    y = np.concatenate([g[1] for g in gens])
    t = np.concatenate([g[2] for g in gens])
    order = np.argsort(t)
    return x[order], y[order], t[order]


def test_sepp_em_recovers_parameters() -> None:
    rng = np.random.default_rng(42)
    side, days = 3000.0, 150.0
    x, y, t = simulate_hawkes(
        rng, mu=6.0, theta=0.5, omega=0.5, sigma=30.0, days=days, side=side
    )
    fit = fit_sepp(
        x,
        y,
        t,
        np.zeros(len(t), dtype=int),
        [side * side],
        t_start_days=0.0,
        t_end_days=days,
        trigger_distance_m=200,
        trigger_days=14,
    )
    assert fit.converged
    assert fit.theta == pytest.approx(0.5, abs=0.08)
    assert 1 / fit.omega == pytest.approx(2.0, rel=0.2)
    assert fit.sigma_m == pytest.approx(30.0, rel=0.15)
    assert fit.mu[0] == pytest.approx(6.0, rel=0.15)


def test_sepp_em_finds_no_triggering_in_poisson_data() -> None:
    rng = np.random.default_rng(1)
    n = 600
    fit = fit_sepp(
        rng.uniform(0, 3000, n),
        rng.uniform(0, 3000, n),
        np.sort(rng.uniform(0, 100, n)),
        np.zeros(n, dtype=int),
        [9e6],
        t_start_days=0.0,
        t_end_days=100.0,
    )
    assert fit.theta < 0.1
    assert fit.mu[0] == pytest.approx(6.0, rel=0.1)


def test_sepp_warm_start_converges_to_the_same_fit() -> None:
    rng = np.random.default_rng(7)
    x, y, t = simulate_hawkes(
        rng, mu=4.0, theta=0.4, omega=0.5, sigma=40.0, days=100.0, side=2000.0
    )
    args = (x, y, t, np.zeros(len(t), dtype=int), [4e6])
    cold = fit_sepp(*args, t_start_days=0.0, t_end_days=100.0, tol=1e-7, max_iter=2000)
    warm = fit_sepp(
        *args, t_start_days=0.0, t_end_days=100.0, tol=1e-7, max_iter=2000, init=cold
    )
    assert warm.n_iter < cold.n_iter
    assert warm.theta == pytest.approx(cold.theta, rel=1e-3)


# -- the pair search is bounded and exact (issue 14, "Memory") --

#: ``forecast(busy, method="sepp")`` before the chunked pair search (query_pairs
#: over every event at once), kept to show the change left the forecast alone.
BUSY_SEPP_BEFORE = [
    0.6940481916876731, 0.8221852977805879, 0.6512855355831633, 0.9788829376356635,
    1.0470968938047844, 0.7610391804866405, 2.94479597383285, 3.081568178883811,
    0.8202076699992653, 0.9832425547275391, 0.5747150360007558, 0.4013442427990106,
    3.0965887775036642, 0.799372445759981, 1.137049113517968, 0.9330187499565091,
    0.5742819472400629, 0.7503759426158264, 0.9107147407133556, 0.3963374943078326,
    0.7046949786863865, 0.8291597270782224, 0.5933058687060468, 1.0415541480748407,
    0.7036926388249115,
]  # fmt: skip


def pairs_before(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    radius_m: float,
    days: float,
) -> list[tuple[int, float, float]]:
    """The pair search as it was (every pair at once): (child, lag, distance²)."""
    tree = cKDTree(np.column_stack([x, y, t * radius_m / days]))
    pairs = tree.query_pairs(radius_m, p=np.inf, output_type="ndarray")
    a, b = pairs[:, 0], pairs[:, 1]
    swap = t[a] > t[b]
    j, i = np.where(swap, b, a), np.where(swap, a, b)
    dt = t[i] - t[j]
    d2 = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2
    keep = (dt > 0) & (dt <= days) & (d2 <= radius_m**2)
    return sorted(
        zip(i[keep].tolist(), dt[keep].tolist(), d2[keep].tolist(), strict=True)
    )


class CountingTree(cKDTree):
    """A cKDTree that records how many pairs each search holds."""

    held: ClassVar[list[int]] = []

    def sparse_distance_matrix(self, *args: Any, **kwargs: Any) -> Any:
        res = super().sparse_distance_matrix(*args, **kwargs)
        CountingTree.held.append(len(res))
        return res

    def query_pairs(self, *args: Any, **kwargs: Any) -> Any:
        msg = "the pair search must not hold every pair at once"
        raise AssertionError(msg)


def test_sepp_forecast_same_as_before_the_chunked_search(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    cells, rep = busy
    out = forecast(rep, cells, method="sepp", as_of=AS_OF)
    np.testing.assert_allclose(out[RISK], BUSY_SEPP_BEFORE, rtol=1e-12, atol=0)
    assert out.attrs["sepp"][0]["n_iter"] == 45
    assert out.attrs["sepp"][0]["child_share"] == 1.0
    # many tiny blocks: the same forecast
    monkeypatch.setattr(forecast_module, "_PAIR_CHUNK", 40)
    small = forecast(rep, cells, method="sepp", as_of=AS_OF)
    np.testing.assert_allclose(small[RISK], BUSY_SEPP_BEFORE, rtol=1e-12, atol=0)


def test_pair_search_holds_a_bounded_number_of_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(5)
    x, y, t = simulate_hawkes(
        rng, mu=4.0, theta=0.4, omega=0.5, sigma=40.0, days=60.0, side=1000.0
    )
    expected = pairs_before(x, y, t, 200.0, 14.0)
    assert len(expected) > 3_000
    monkeypatch.setattr(forecast_module, "_PAIR_CHUNK", 200)
    monkeypatch.setattr(forecast_module, "cKDTree", CountingTree)
    CountingTree.held = []
    blocks, kids, box_pairs = forecast_module._candidate_pairs(x, y, t, 200.0, 14.0)
    assert len(kids) == len(x)
    assert len(CountingTree.held) > 20
    # a block holds at most the chunk, or the one child whose box holds more
    pts = np.column_stack([x, y, t * 200.0 / 14.0])
    densest = cKDTree(pts).query_ball_point(pts, 200.0, p=np.inf, return_length=True)
    assert max(CountingTree.held) <= max(200, int(densest.max()))
    assert max(CountingTree.held) < len(expected) / 10
    # the same pairs as the search over every pair at once, bit for bit
    found = sorted(
        (int(c), float(d), float(e))
        for blk in blocks
        for c, d, e in zip(blk.i, blk.dt, blk.d2, strict=True)
    )
    assert found == expected
    assert len(found) <= box_pairs


def test_sepp_beyond_max_pairs_samples_children_and_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(42)
    side, days = 3000.0, 150.0
    x, y, t = simulate_hawkes(
        rng, mu=6.0, theta=0.5, omega=0.5, sigma=30.0, days=days, side=side
    )
    args = (x, y, t, np.zeros(len(t), dtype=int), [side * side])
    exact = fit_sepp(*args, t_start_days=0.0, t_end_days=days)
    n_pairs = len(pairs_before(x, y, t, 200.0, 14.0))
    kept: list[int] = []
    search = forecast_module._candidate_pairs

    def recording(*a: Any, **k: Any) -> Any:
        blocks, kids, box = search(*a, **k)
        kept.append(sum(len(b.i) for b in blocks))
        return blocks, kids, box

    monkeypatch.setattr(forecast_module, "_candidate_pairs", recording)
    cap = n_pairs // 4
    with pytest.warns(SeppThinnedWarning, match=r"max_pairs=.*larger max_pairs") as rec:
        fit = fit_sepp(*args, t_start_days=0.0, t_end_days=days, max_pairs=cap)
    assert issubclass(SeppThinnedWarning, HotspotsWarning)
    assert rec[0].filename == __file__  # points at the caller of fit_sepp
    assert kept[-1] <= cap
    assert 0.05 < fit.child_share < 0.5
    # an estimate of the same model: close to the exact fit and to the truth
    assert fit.theta == pytest.approx(exact.theta, abs=0.1)
    assert fit.sigma_m == pytest.approx(exact.sigma_m, rel=0.25)
    assert 1 / fit.omega == pytest.approx(1 / exact.omega, rel=0.3)
    assert fit.mu[0] == pytest.approx(exact.mu[0], rel=0.15)
    # within the cap: exact, no warning, everything a child
    assert exact.child_share == 1.0


def test_sepp_max_pairs_reaches_forecast_attrs(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    cells, rep = busy
    with pytest.warns(SeppThinnedWarning):
        out = forecast(rep, cells, method="sepp", as_of=AS_OF, max_pairs=50)
    assert out.attrs["sepp"][0]["child_share"] < 1.0
    assert np.isfinite(out[RISK]).all()


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "many"])
def test_error_max_pairs(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], bad: object
) -> None:
    cells, rep = busy
    with pytest.raises(InputError, match="max_pairs must be a whole number >= 1"):
        forecast(rep, cells, method="sepp", as_of=AS_OF, max_pairs=bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="max_pairs must be a whole number >= 1"):
        fit_sepp(
            [0.0], [0.0], [0.0], [0], [1.0], t_start_days=0, t_end_days=1, max_pairs=bad
        )  # type: ignore[arg-type]


def test_fit_sepp_errors() -> None:
    with pytest.raises(InputError, match="same length"):
        fit_sepp([0, 1], [0], [0, 1], [0, 0], [1.0], t_start_days=0, t_end_days=1)
    with pytest.raises(InputError, match="t_end_days must be after"):
        fit_sepp([0], [0], [0], [0], [1.0], t_start_days=5, t_end_days=1)


# -- warnings and errors --


def test_warns_about_reports_without_unit(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    rep = simple.copy()
    rep.loc[0, "grid_id"] = None
    with pytest.warns(ReportsLeftOutWarning, match="1 with no unit"):
        out = forecast(rep, cells, method="last", as_of=AS_OF)
    assert out[RISK].iloc[0] == 1


def test_error_unknown_method(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match="method must be one of"):
        forecast(simple, cells, method="magic", as_of=AS_OF)  # type: ignore[arg-type]


def test_error_as_of_before_data(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match="as_of must be after the first report"):
        forecast(simple, cells, method="last", as_of="2020-01-06")


def test_error_as_of_unreadable(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match="as_of must be a timestamp"):
        forecast(simple, cells, method="last", as_of="next tuesday")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window_periods": 0}, "window_periods must be a whole number >= 1"),
        ({"window_periods": 2.5}, "window_periods must be a whole number >= 1"),
        ({"bandwidth_m": -5}, "bandwidth_m must be a positive number"),
        ({"halflife_periods": float("nan")}, "halflife_periods must be a positive"),
        ({"max_iter": True}, "max_iter must be a whole number >= 1"),
        ({"freq": "fortnight"}, "freq must be"),
        ({"tz": "Mars/Olympus"}, "tz must be an IANA"),
        ({"by_category": "yes"}, "by_category must be True or False"),
        (
            {"min_category_reports": 0},
            "min_category_reports must be a whole number >= 1",
        ),
        ({"unit": "cell"}, "unit must name the id column of units"),
    ],
)
def test_error_arguments(
    cells: gpd.GeoDataFrame,
    simple: gpd.GeoDataFrame,
    kwargs: dict[str, Any],
    match: str,
) -> None:
    with pytest.raises(InputError, match=match):
        forecast(simple, cells, method="last", as_of=AS_OF, **kwargs)


def test_error_collects_several_problems(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match="2 problems") as info:
        forecast(simple, cells, method="last", bandwidth_m=0, window_periods=-1)
    assert len(info.value.problems) == 2


def test_error_missing_unit_column_in_reports(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match=r"hotspots\.assign"):
        forecast(simple.drop(columns="grid_id"), cells, method="ewma", as_of=AS_OF)
    # the spatial ones do not need it
    forecast(simple.drop(columns="grid_id"), cells, method="kde", as_of=AS_OF)


def test_error_duplicate_unit_ids(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    units = cells.copy()
    units.loc[1, "grid_id"] = "c0"
    with pytest.raises(InputError, match="unique"):
        forecast(simple, units, method="last", as_of=AS_OF)


def test_error_time_column(cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    bad = simple.assign(reported_at=simple["reported_at"].astype(str))
    with pytest.raises(InputError, match="must hold timestamps"):
        forecast(bad, cells, method="last", as_of=AS_OF)
    with pytest.raises(InputError, match="time column"):
        forecast(simple.drop(columns="reported_at"), cells, method="last", as_of=AS_OF)


def test_error_category_needed(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match="by_category=True needs"):
        forecast(
            simple.drop(columns="category"), cells, method="last", by_category=True
        )
    with pytest.raises(InputError, match="'blind_spots' needs"):
        forecast(simple.drop(columns="category"), cells, method="blind_spots")


def test_error_no_crs(cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="reports need point geometry with a CRS"):
        forecast(simple.set_crs(None, allow_override=True), cells, method="kde")
    with pytest.raises(CRSError, match="reports need point geometry"):
        forecast(pd.DataFrame(simple.drop(columns="geometry")), cells, method="sepp")
    with pytest.raises(CRSError, match="units need a CRS"):
        forecast(simple, cells.set_crs(None, allow_override=True), method="prospective")


def test_error_types(cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    with pytest.raises(TypeError, match="reports must be"):
        forecast([1, 2], cells)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="units must be a GeoDataFrame"):
        forecast(simple, pd.DataFrame(cells))


def test_error_no_times(cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    rep = simple.copy()
    rep["reported_at"] = pd.Series(
        pd.NaT, index=rep.index, dtype="datetime64[ns, Asia/Shanghai]"
    )
    with (
        pytest.warns(ReportsLeftOutWarning),
        pytest.raises(InputError, match="at least one report"),
    ):
        forecast(rep, cells, method="last")


def test_point_reports_without_geometry_in_history(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    rep = simple.copy()
    rep.loc[1, "geometry"] = None
    with pytest.warns(ReportsLeftOutWarning, match="no geometry"):
        out = forecast(rep, cells, method="kde", as_of=AS_OF, window_periods=1)
    only = forecast(
        simple.drop(index=1), cells, method="kde", as_of=AS_OF, window_periods=1
    )
    np.testing.assert_allclose(out[RISK], only[RISK])


def test_street_segments_midpoints() -> None:
    from shapely.geometry import LineString

    segs = gpd.GeoDataFrame(
        {"segment_id": ["s0", "s1"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 200, Y0)]),
            LineString([(X0 + 1000, Y0), (X0 + 1200, Y0)]),
        ],
        crs=CRS,
    )
    rep = gpd.GeoDataFrame(
        {"reported_at": [week(1)], "segment_id": ["s0"]},
        geometry=[Point(X0 + 100, Y0 + 5)],
        crs=CRS,
    )
    out = forecast(rep, segs, unit="segment_id", method="sepp", as_of=AS_OF)
    assert out[RISK].iloc[0] > 0
    assert out[RISK].iloc[1] == 0
    out = forecast(
        rep, segs, unit="segment_id", method="kde", as_of=AS_OF, bandwidth_m=50
    )
    assert out[RISK].iloc[0] == pytest.approx(
        1e6 / (2 * math.pi * 2500) * math.exp(-0.5 * 0.01) / 8
    )


@pytest.mark.parametrize("method", METHODS)
def test_row_order_does_not_matter(
    busy: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], method: ForecastMethod
) -> None:
    cells, rep = busy
    shuffled = rep.sample(frac=1.0, random_state=1)
    a = forecast(rep, cells, method=method, as_of=AS_OF)
    b = forecast(shuffled, cells, method=method, as_of=AS_OF)
    np.testing.assert_allclose(a[RISK], b[RISK], rtol=1e-6, atol=1e-12)


def test_daily_and_monthly_periods(
    cells: gpd.GeoDataFrame, simple: gpd.GeoDataFrame
) -> None:
    # no report on Sunday 15 November, the day before AS_OF
    day = forecast(simple, cells, method="last", freq="D", as_of=AS_OF)
    assert day[RISK].sum() == 0
    # Wednesday 11 November 02:00: c3
    thu = forecast(simple, cells, method="last", freq="D", as_of="2026-11-12")
    assert thu[RISK].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    # every report is in November before the 16th: the partial month counts
    month = forecast(simple, cells, method="last", freq="MS", as_of=AS_OF)
    assert month[RISK].tolist() == [2, 0, 0, 1, 0, 4, 0, 0, 0, 0]
