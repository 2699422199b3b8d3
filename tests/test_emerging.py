from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from shapely.geometry import LineString, box

from hotspots._core import labels
from hotspots.errors import InputError
from hotspots.spatial.weights import spatial_weights
from hotspots.stats.emerging import (
    PATTERN_KEYS,
    classify_patterns,
    emerging_hotspots,
    space_time_gi_star,
    space_time_weights,
)

UTM51N = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0


def lattice(nx: int, ny: int, size: float = 100.0) -> gpd.GeoDataFrame:
    cells, ids = [], []
    for r in range(ny):
        for c in range(nx):
            x, y = X0 + c * size, Y0 + r * size
            cells.append(box(x, y, x + size, y + size))
            ids.append(f"g{r:02d}{c:02d}")
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=cells, crs=UTM51N)


def rook_matrix(nx: int, ny: int) -> sparse.csr_matrix:
    idx = np.arange(nx * ny).reshape(ny, nx)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    m = sparse.csr_matrix(
        (np.ones(2 * rows.size), (np.r_[rows, cols], np.r_[cols, rows])),
        shape=(nx * ny, nx * ny),
    )
    return m


def cube_frame(units: gpd.GeoDataFrame, values: np.ndarray) -> pd.DataFrame:
    periods = pd.Index([f"2026-W{w:02d}" for w in range(1, values.shape[1] + 1)])
    return pd.DataFrame(
        values,
        index=pd.Index(units["grid_id"], name="grid_id"),
        columns=periods.rename("period"),
    )


# -- space-time weights and Gi* ------------------------------------------------


def test_space_time_weights_structure():
    w = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    st = space_time_weights(w, 3, time_lag=1).toarray()
    n = 3
    a = np.eye(3) + w.toarray()
    # period-major: block (t, s) is I + W when s in {t - 1, t}
    for t in range(3):
        for s in range(3):
            block = st[t * n : (t + 1) * n, s * n : (s + 1) * n]
            expected = a if s in (t - 1, t) else np.zeros((3, 3))
            np.testing.assert_array_equal(block, expected)
    # time_lag 0: block diagonal; a lag longer than the series covers all the past
    np.testing.assert_array_equal(
        space_time_weights(w, 3, time_lag=0).toarray(), np.kron(np.eye(3), a)
    )
    np.testing.assert_array_equal(
        space_time_weights(w, 3, time_lag=9).toarray(),
        np.kron(np.tril(np.ones((3, 3))), a),
    )


def _assert_gi_star_equals_esda(x, w, time_lag):
    """space_time_gi_star of x equals esda's G_Local on the explicit weights."""
    from esda import G_Local
    from libpysal.graph import Graph

    z, p = space_time_gi_star(x, w, time_lag=time_lag)
    st = space_time_weights(w, x.shape[1], time_lag=time_lag)
    g = G_Local(
        x.T.ravel(), Graph.from_sparse(st), transform="B", star=True, permutations=0
    )
    np.testing.assert_allclose(z.T.ravel(), g.Zs, atol=1e-9, rtol=0)
    np.testing.assert_allclose(p.T.ravel(), 2 * g.p_norm, atol=1e-12, rtol=0)


@pytest.mark.parametrize("time_lag", [0, 1, 2, 5])
def test_space_time_gi_star_equals_esda_on_explicit_weights(time_lag):
    nx, ny, t = 5, 4, 6
    rng = np.random.default_rng(time_lag)
    x = rng.poisson(2.0, size=(nx * ny, t)).astype(float)
    x[3, 4:] += 9
    _assert_gi_star_equals_esda(x, rook_matrix(nx, ny), time_lag)


@pytest.mark.parametrize("time_lag", [1, 4])
def test_space_time_gi_star_equals_esda_past_one_block_of_rows(time_lag):
    # more units than one block of rows (4,096) of the in-place moving sum
    nx, ny, t = 70, 60, 4
    x = np.random.default_rng(time_lag).poisson(0.5, size=(nx * ny, t)).astype(float)
    x[4_090:4_100, -1] += 6  # a hot patch across the blocks' boundary
    _assert_gi_star_equals_esda(x, rook_matrix(nx, ny), time_lag)


def test_single_period_equals_spatial_gi_star():
    from esda import G_Local
    from libpysal.graph import Graph

    w = rook_matrix(4, 4)
    x = np.random.default_rng(9).poisson(3, size=(16, 1)).astype(float)
    z, _ = space_time_gi_star(x, w, time_lag=1)
    g = G_Local(x[:, 0], Graph.from_sparse(w), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(z[:, 0], g.Zs, atol=1e-9)


def test_gi_star_uses_binary_weights_and_ignores_diagonal():
    w = rook_matrix(3, 3)
    x = np.random.default_rng(1).poisson(3, size=(9, 5)).astype(float)
    z1, _ = space_time_gi_star(x, w)
    weighted = w * 0.25 + sparse.identity(9) * 7.0
    z2, _ = space_time_gi_star(x, weighted)
    np.testing.assert_allclose(z1, z2)


def test_gi_star_constant_values_give_zero():
    z, p = space_time_gi_star(np.full((4, 3), 2.0), rook_matrix(2, 2))
    assert (z == 0).all()
    assert (p == 1).all()


def test_gi_star_errors():
    w = rook_matrix(2, 2)
    with pytest.raises(InputError, match="2-D array"):
        space_time_gi_star(np.zeros(4), w)
    with pytest.raises(InputError, match="finite"):
        space_time_gi_star(np.full((4, 2), np.nan), w)
    with pytest.raises(InputError, match="time_lag"):
        space_time_gi_star(np.zeros((4, 2)), w, time_lag=-1)
    with pytest.raises(InputError, match="square matrix with one row per unit"):
        space_time_gi_star(np.zeros((5, 2)), w)


# -- classification, pattern by pattern ----------------------------------------

H, C, N = 2, -2, 0  # hot, cold, not significant bins
UP, DOWN, FLAT = (3.0, 0.001), (-3.0, 0.001), (0.5, 0.6)


def classify_one(series, trend=FLAT, trend_alpha=0.05):
    z, p = trend
    return classify_patterns(np.array([series]), [z], [p], trend_alpha=trend_alpha)[0]


@pytest.mark.parametrize(
    ("series", "trend", "expected"),
    [
        ([N] * 9 + [H], FLAT, "new_hot"),
        ([N] * 7 + [H, H, H], FLAT, "consecutive_hot"),
        ([H] * 10, UP, "intensifying_hot"),
        ([H] * 10, FLAT, "persistent_hot"),
        ([H] * 10, DOWN, "diminishing_hot"),
        ([N] + [H] * 9, UP, "intensifying_hot"),  # 9 of 10 = 90 %
        ([H, N, H, N, N, H, N, N, N, H], FLAT, "sporadic_hot"),
        ([C, N, N, H, N, N, N, N, H, H], FLAT, "oscillating_hot"),
        ([H] * 9 + [N], FLAT, "historical_hot"),
        ([N] * 9 + [C], FLAT, "new_cold"),
        ([N] * 6 + [C] * 4, FLAT, "consecutive_cold"),
        ([C] * 10, DOWN, "intensifying_cold"),
        ([C] * 10, FLAT, "persistent_cold"),
        ([C] * 10, UP, "diminishing_cold"),
        ([N, C, N, N, C, N, N, N, N, C], FLAT, "sporadic_cold"),
        ([H, N, C, N, N, N, N, N, N, C], FLAT, "oscillating_cold"),
        ([C] * 9 + [N], FLAT, "historical_cold"),
        ([N] * 10, FLAT, "no_pattern"),
        ([H, H, N, N, N, N, N, N, N, N], UP, "no_pattern"),
    ],
)
def test_each_pattern(series, trend, expected):
    assert classify_one(series, trend) == expected


def test_all_seventeen_patterns_are_labelled():
    assert len(PATTERN_KEYS) == 17
    assert set(PATTERN_KEYS) == set(labels.PATTERNS)


def test_overlaps_settled_by_design():
    # cold earlier, then a final run of hot only: CONSECUTIVE, not oscillating
    assert classify_one([C, C, N, N, N, N, N, N, H, H]) == "consecutive_hot"
    # a final run of one hot bin after a cold one: the only hot bin -> NEW
    assert classify_one([C, N, N, N, N, N, N, N, N, H]) == "new_hot"
    # 90 % hot but not in the final period: HISTORICAL, even with a trend
    assert classify_one([H] * 9 + [N], UP) == "historical_hot"
    assert classify_one([H] * 9 + [C], FLAT) == "historical_hot"  # hot first
    # final run of 2 but an earlier hot bin too: not consecutive -> sporadic
    assert classify_one([H, N, N, N, N, N, N, N, H, H]) == "sporadic_hot"
    # with a cold bin somewhere instead: oscillating
    assert classify_one([H, C, N, N, N, N, N, N, H, H]) == "oscillating_hot"
    # a trend is ignored unless the unit is hot in >= 90 % of the periods
    assert classify_one([N] * 7 + [H] * 3, UP) == "consecutive_hot"
    # the trend must pass trend_alpha
    assert classify_one([H] * 10, (3.0, 0.04), trend_alpha=0.01) == "persistent_hot"
    assert classify_one([H] * 10, (3.0, np.nan)) == "persistent_hot"


@pytest.mark.parametrize("n", [5, 6, 7, 8, 9])
def test_short_series_ninety_percent_means_every_period(n):
    assert classify_one([H] * n) == "persistent_hot"
    assert classify_one([N] + [H] * (n - 1)) == "consecutive_hot"
    assert classify_one([H] * (n - 1) + [N]) == "no_pattern"
    assert classify_one([C] * n, DOWN) == "intensifying_cold"
    assert classify_one([C] * (n - 1) + [N]) == "no_pattern"


@pytest.mark.parametrize(
    ("n", "need"), [(10, 9), (11, 10), (20, 18), (30, 27), (52, 47)]
)
def test_ninety_percent_is_exact_ceiling(n, need):
    # 0.9 * 20 == 18.000000000000004 in floating point: must still be 18
    ok = [N] * (n - need) + [H] * need
    short = [N] * (n - need + 1) + [H] * (need - 1)
    assert classify_one(ok) == "persistent_hot"
    assert classify_one(short) != "persistent_hot"


def test_classify_is_vectorised_and_row_independent():
    rows = [
        [N, N, N, N, H],
        [H, H, H, H, H],
        [C, C, C, C, N],
        [N, N, N, N, N],
    ]
    z = [0.0, 3.0, 0.0, 0.0]
    p = [1.0, 0.001, 1.0, 1.0]
    out = classify_patterns(np.array(rows), z, p)
    assert out.tolist() == ["new_hot", "intensifying_hot", "no_pattern", "no_pattern"]
    out_rev = classify_patterns(np.array(rows[::-1]), z[::-1], p[::-1])
    assert out_rev.tolist() == out.tolist()[::-1]
    # the level of confidence does not matter, only the sign
    assert classify_patterns(np.array(rows) * 3 // 2, z, p).tolist() == out.tolist()


def test_classify_errors():
    with pytest.raises(InputError, match="2-D array"):
        classify_patterns(np.zeros(3), [0.0], [1.0])
    with pytest.raises(InputError, match="one value per unit"):
        classify_patterns(np.zeros((2, 3)), [0.0], [1.0, 1.0])
    with pytest.raises(InputError, match="trend_alpha"):
        classify_patterns(np.zeros((1, 3)), [0.0], [1.0], trend_alpha=1.5)


# -- the whole analysis --------------------------------------------------------


def planted_cube(nx=12, ny=12, t=12, seed=0):
    """A lattice with a persistent hot block, a new hot block and quiet elsewhere."""
    rng = np.random.default_rng(seed)
    units = lattice(nx, ny)
    x = rng.poisson(1.0, size=(nx * ny, t)).astype(float)
    block = lambda r0, c0: [(r0 + dr) * nx + c0 + dc for dr in (0, 1) for dc in (0, 1)]  # noqa: E731
    persistent = block(2, 2)
    new = block(8, 8)
    x[persistent] += 12
    x[new, -1] += 30
    return units, x, persistent, new


def test_planted_patterns_are_found():
    units, x, persistent, new = planted_cube()
    res = emerging_hotspots(cube_frame(units, x), units, weights="queen")
    assert set(res.iloc[persistent]["pattern"]) <= {
        "persistent_hot",
        "intensifying_hot",
        "diminishing_hot",
    }
    assert "persistent_hot" in set(res.iloc[persistent]["pattern"])
    assert set(res.iloc[new]["pattern"]) == {"new_hot"}
    quiet = np.setdiff1d(np.arange(len(units)), np.r_[persistent, new])
    # far from the blocks nothing is a hot spot
    assert (res.iloc[quiet]["pattern"] == "new_hot").sum() <= 10
    assert (res.iloc[persistent]["n_hot"] == 12).all()
    assert (res.iloc[new]["n_hot"] == 1).all()
    row = res.iloc[new[0]]
    assert row["pattern_zh"] == "新增热点"
    assert row["pattern_en"] == "New hot spot"
    assert len(row["z_series"]) == 12
    assert row["final_z"] == pytest.approx(row["z_series"][-1])
    assert row["final_p"] < 0.001
    # a list of floats per unit
    assert isinstance(row["z_series"], list)
    assert all(type(v) is float for v in row["z_series"])
    series = np.array(res["z_series"].tolist())
    assert series.shape == (len(units), 12)
    np.testing.assert_array_equal(series[:, -1], res["final_z"].to_numpy())
    assert res.attrs["periods"][-1] == "2026-W12"
    # without the lists: every other column and the attrs are the same
    lean = emerging_hotspots(cube_frame(units, x), units, z_series=False)
    assert "z_series" not in lean.columns
    pd.testing.assert_frame_equal(lean, res.drop(columns="z_series"))
    assert lean.attrs == res.attrs


def test_output_contract_and_input_untouched():
    units, x, _, _ = planted_cube()
    units = units.set_index(pd.Index(np.arange(100, 100 + len(units)), name="k"))
    units["extra"] = "keep"
    cube = cube_frame(units, x)
    units_before, cube_before = units.copy(), cube.copy()
    res = emerging_hotspots(cube, units)
    pd.testing.assert_frame_equal(units, units_before)
    pd.testing.assert_frame_equal(cube, cube_before)
    assert isinstance(res, gpd.GeoDataFrame)
    assert res.crs == units.crs
    pd.testing.assert_index_equal(res.index, units.index)
    for col in (
        "pattern",
        "pattern_zh",
        "pattern_en",
        "n_hot",
        "n_cold",
        "mk_tau",
        "mk_z",
        "mk_p",
        "final_z",
        "final_p",
        "z_series",
        "geometry",
        "extra",
    ):
        assert col in res.columns
    assert set(res["pattern"]) <= set(PATTERN_KEYS)


def test_row_order_does_not_change_results():
    units, x, _, _ = planted_cube(seed=3)
    cube = cube_frame(units, x)
    res = emerging_hotspots(cube, units)
    perm = np.random.default_rng(0).permutation(len(units))
    res_perm = emerging_hotspots(cube.iloc[perm], units.iloc[perm])
    a = res.set_index("grid_id").sort_index()
    b = res_perm.set_index("grid_id").sort_index()
    assert (a["pattern"] == b["pattern"]).all()
    np.testing.assert_allclose(a["final_z"], b["final_z"])
    np.testing.assert_allclose(a["mk_z"], b["mk_z"])


def test_units_without_reports_included_by_default_or_excluded_as_esri():
    units, x, persistent, _ = planted_cube()
    x[0] = 0.0
    cube = cube_frame(units, x).drop(index=units["grid_id"].iloc[1])  # missing = 0
    res = emerging_hotspots(cube, units)
    assert res.attrs["empty_units"] == "include"
    for i in (0, 1):
        assert len(res.iloc[i]["z_series"]) == 12
        assert np.isfinite(res.iloc[i]["final_z"])
    esri = emerging_hotspots(cube, units, empty_units="exclude")
    for i in (0, 1):
        assert esri.iloc[i]["pattern"] == "no_pattern"
        assert esri.iloc[i]["z_series"] == []
        assert np.isnan(esri.iloc[i]["final_z"])
        assert esri.iloc[i]["n_hot"] == 0
    assert (esri.iloc[persistent]["n_hot"] > 0).all()
    # excluded units are no one's neighbours: z of the others changes
    assert not np.allclose(res.iloc[2]["z_series"], esri.iloc[2]["z_series"])


def test_an_empty_park_is_a_cold_spot():
    units = lattice(9, 9)
    rng = np.random.default_rng(4)
    x = rng.poisson(3.0, size=(81, 10)).astype(float)
    park = [r * 9 + c for r in range(2, 7) for c in range(2, 7)]
    x[park] = 0.0
    res = emerging_hotspots(cube_frame(units, x), units)
    assert res.iloc[4 * 9 + 4]["pattern"] == "persistent_cold"
    esri = emerging_hotspots(cube_frame(units, x), units, empty_units="exclude")
    assert esri.iloc[4 * 9 + 4]["pattern"] == "no_pattern"


def test_periods_and_precomputed_weights():
    units, x, _, new = planted_cube()
    cube = cube_frame(units, x)
    w = spatial_weights(units, "queen", unit="grid_id")
    res = emerging_hotspots(cube, units, weights=w, periods=6)
    assert res.attrs["periods"] == list(cube.columns[-6:])
    assert all(len(s) == 6 for s in res["z_series"])
    assert set(res.iloc[new]["pattern"]) == {"new_hot"}
    # weights built in another order are aligned to the units
    shuffled = w.align(w.ids[::-1])
    res2 = emerging_hotspots(cube, units, weights=shuffled, periods=6)
    assert (res2["pattern"] == res["pattern"]).all()


def test_alpha_and_fdr_change_what_counts_as_significant():
    units, x, _, _ = planted_cube(seed=5)
    cube = cube_frame(units, x)
    loose = emerging_hotspots(cube, units, alpha=0.10, fdr=False)
    strict = emerging_hotspots(cube, units, alpha=0.01, fdr=True)
    other = emerging_hotspots(cube, units, alpha=0.02, fdr=True)
    assert loose["n_hot"].sum() >= other["n_hot"].sum() >= strict["n_hot"].sum()
    assert loose["n_hot"].sum() > strict["n_hot"].sum()


def street_segments(n: int) -> gpd.GeoDataFrame:
    """A straight street cut into n segments, nodes 0..n."""
    geoms = [
        LineString([(X0 + 100 * i, Y0), (X0 + 100 * (i + 1), Y0)]) for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {
            "segment_id": [f"S1-{i:03d}" for i in range(n)],
            "u": np.arange(n),
            "v": np.arange(1, n + 1),
        },
        geometry=geoms,
        crs=UTM51N,
    )


def test_street_segments_with_network_weights():
    segs = street_segments(30)
    rng = np.random.default_rng(2)
    x = rng.poisson(1.0, size=(30, 10)).astype(float)
    x[14:17, -3:] += 15  # a run of three hot weeks at the end, mid-street
    cube = pd.DataFrame(x, index=pd.Index(segs["segment_id"], name="segment_id"))
    cube.columns = [f"2026-W{w:02d}" for w in range(1, 11)]
    res = emerging_hotspots(cube, segs, unit="segment_id", weights="network")
    assert set(res.iloc[14:17]["pattern"]) == {"consecutive_hot"}
    assert (res.iloc[:5]["pattern"] == "no_pattern").all()


def test_no_reports_at_all_warns():
    units = lattice(3, 3)
    cube = cube_frame(units, np.zeros((9, 4)))
    with pytest.warns(UserWarning, match="no unit has a report"):
        res = emerging_hotspots(cube, units)
    assert (res["pattern"] == "no_pattern").all()


def test_errors():
    units = lattice(3, 3)
    cube = cube_frame(units, np.ones((9, 4)))
    with pytest.raises(TypeError, match="GeoDataFrame"):
        emerging_hotspots(cube, pd.DataFrame(units))
    with pytest.raises(TypeError, match="reports_or_cube"):
        emerging_hotspots(cube.to_numpy(), units)
    with pytest.raises(InputError, match="periods must be a whole number >= 2"):
        emerging_hotspots(cube, units, periods=1)
    with pytest.raises(InputError, match="time_lag must be a whole number >= 0"):
        emerging_hotspots(cube, units, time_lag=-1)
    with pytest.raises(InputError, match="alpha must be a number between 0 and 1"):
        emerging_hotspots(cube, units, alpha=5)
    with pytest.raises(InputError, match="trend_alpha must be a number between 0 and"):
        emerging_hotspots(cube, units, trend_alpha=0.0)
    with pytest.raises(InputError, match="empty_units must be"):
        emerging_hotspots(cube, units, empty_units="drop")
    with pytest.raises(InputError, match="fdr must be True or False"):
        emerging_hotspots(cube, units, fdr="yes")
    with pytest.raises(InputError, match="z_series must be True or False"):
        emerging_hotspots(cube, units, z_series="no")
    with pytest.raises(InputError, match="weights must be one of"):
        emerging_hotspots(cube, units, weights="distance")
    with pytest.raises(InputError, match="weights must be one of"):
        emerging_hotspots(cube, units, weights=42)
    with pytest.raises(InputError, match="unit must name the id column"):
        emerging_hotspots(cube, units, unit="segment_id")
    dup = pd.concat([units, units.iloc[:1]])
    with pytest.raises(InputError, match="unique, non-missing ids"):
        emerging_hotspots(cube, dup)
    bad = cube.rename(index={"g0000": "zzz"})
    with pytest.raises(InputError, match="unknown ids"):
        emerging_hotspots(bad, units)
    with pytest.raises(InputError, match="at least 2 periods"):
        emerging_hotspots(cube.iloc[:, :1], units)
    nan_cube = cube.astype(float)
    nan_cube.iloc[0, 0] = np.nan
    with pytest.raises(InputError, match="finite numbers"):
        emerging_hotspots(nan_cube, units)
    multi = pd.concat({"占道经营": cube}, axis=1)
    with pytest.raises(InputError, match=r"\(category, period\) columns"):
        emerging_hotspots(multi, units)
    # several problems are reported at once
    with pytest.raises(InputError, match="2 problems") as err:
        emerging_hotspots(cube, units, alpha=2, trend_alpha=2)
    assert len(err.value.problems) == 2
    reports = gpd.GeoDataFrame({"reported_at": [pd.Timestamp("2026-01-05")]})
    with pytest.raises(InputError, match="unit column"):
        emerging_hotspots(reports, units)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emerging_hotspots(cube.astype(float) + np.arange(4), units)


# -- the sample district's planted truth ---------------------------------------

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample(sample_assigned):
    return sample_assigned


@pytest.mark.slow
def test_sample_district_planted_patterns(sample):
    reports, grid = sample
    found = emerging_hotspots(reports, grid)
    truth = pd.read_csv(ROOT / "sample_data" / "truth" / "patterns.csv", dtype=str)
    m = truth.merge(
        found[["grid_id", "pattern"]], on="grid_id", suffixes=("", "_found")
    )
    assert len(m) == len(truth)
    f1 = []
    for p in truth["pattern"].unique():
        tp = ((m["pattern"] == p) & (m["pattern_found"] == p)).sum()
        prec = tp / max((m["pattern_found"] == p).sum(), 1)
        rec = tp / (m["pattern"] == p).sum()
        f1.append(0.0 if tp == 0 else 2 * prec * rec / (prec + rec))
    assert np.mean(f1) >= 0.8


def bh_reject(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg step-up rejections, written out independently."""
    flat = p.ravel()
    order = np.argsort(flat, kind="stable")
    m = flat.size
    passed = np.flatnonzero(flat[order] <= np.arange(1, m + 1) * alpha / m)
    reject = np.zeros(m, dtype=bool)
    if passed.size:
        reject[order[: passed[-1] + 1]] = True
    return reject.reshape(p.shape)


@pytest.mark.parametrize("fdr", [True, False])
@pytest.mark.parametrize("alpha", [0.05, 0.02])
def test_hot_and_cold_counts_follow_bh_at_alpha(alpha, fdr):
    units, x, _, _ = planted_cube(nx=10, ny=10, t=9, seed=8)
    x[30:] += 2.0
    x[:30] = 0.0  # a cold band
    x[0, 0] = 1.0
    z, p = space_time_gi_star(x, rook_matrix(10, 10) + queen_diagonals(10, 10))
    sig = bh_reject(p, alpha) if fdr else p <= alpha
    res = emerging_hotspots(cube_frame(units, x), units, alpha=alpha, fdr=fdr)
    assert res["n_hot"].tolist() == (sig & (z > 0)).sum(axis=1).tolist()
    assert res["n_cold"].tolist() == (sig & (z < 0)).sum(axis=1).tolist()
    assert res["n_hot"].sum() > 0
    assert res["n_cold"].sum() > 0


def queen_diagonals(nx: int, ny: int) -> sparse.csr_matrix:
    idx = np.arange(nx * ny).reshape(ny, nx)
    rows = np.concatenate([idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()])
    cols = np.concatenate([idx[1:, 1:].ravel(), idx[1:, :-1].ravel()])
    return sparse.csr_matrix(
        (np.ones(2 * rows.size), (np.r_[rows, cols], np.r_[cols, rows])),
        shape=(nx * ny, nx * ny),
    )


def test_reports_are_aggregated_with_the_cube():
    from hotspots.spatial.cube import space_time_cube

    units, x, _, new = planted_cube(t=6)
    counts = x.astype(int)
    unit_idx, week_idx = np.nonzero(counts)
    reps = counts[unit_idx, week_idx]
    unit_idx, week_idx = np.repeat(unit_idx, reps), np.repeat(week_idx, reps)
    times = pd.Timestamp("2026-11-02 10:00", tz="Asia/Shanghai") + pd.to_timedelta(
        week_idx * 7, unit="D"
    )
    reports = gpd.GeoDataFrame(
        {
            "report_id": [f"r{i}" for i in range(len(unit_idx))],
            "reported_at": times,
            "grid_id": units["grid_id"].to_numpy()[unit_idx],
        },
        geometry=units.geometry.centroid.to_numpy()[unit_idx],
        crs=UTM51N,
    )
    from_reports = emerging_hotspots(reports, units)
    from_cube = emerging_hotspots(space_time_cube(reports, units), units)
    assert (from_reports["pattern"] == from_cube["pattern"]).all()
    assert from_reports.attrs["periods"][0] == "2026-W45"
    assert set(from_reports.iloc[new]["pattern"]) == {"new_hot"}
