from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples
from scipy import sparse
from scipy import stats as sps
from synthetic_inputs import square_grid

from hotspots._core.labels import GI_CLASSES, QUADRANTS
from hotspots._core.schema import GRID_ID
from hotspots.errors import InputError
from hotspots.read.boundaries import read_boundaries
from hotspots.sample.district import read_sample
from hotspots.spatial.cube import space_time_cube
from hotspots.spatial.join import assign
from hotspots.spatial.weights import IslandsWarning, spatial_weights
from hotspots.stats.local import (
    GI_CLASS,
    GI_LABEL_EN,
    GI_LABEL_ZH,
    GI_P,
    GI_SIGNIFICANT,
    GI_Z,
    MORAN_I,
    MORAN_LABEL_EN,
    MORAN_P,
    MORAN_QUADRANT,
    MORAN_Z,
    fdr_classes,
    gi_star,
    local_moran,
)


@pytest.fixture(scope="module")
def columbus() -> gpd.GeoDataFrame:
    return gpd.read_file(examples.get_path("columbus.shp"))


def _random_grid(nx: int, ny: int, seed: int) -> gpd.GeoDataFrame:
    g = square_grid(nx, ny)
    rng = np.random.default_rng(seed)
    g["count"] = rng.poisson(3.0, len(g)).astype(float)
    g.loc[g.index[: nx * 2], "count"] += 6  # a hot strip
    return g


def _gamma(n: int, seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).gamma(2.0, 3.0, n)
    values[:18] += 8.0  # hot strip in the first two rows
    return values


def _esda_gi(y, w, transform):
    graph = w.to_libpysal().transform("B")
    return esda.G_Local(y, graph, transform=transform, star=True, permutations=0)


def _esda_moran(y, w, transform):
    graph = w.to_libpysal().transform("B")
    return esda.Moran_Local(y, graph, transformation=transform, permutations=0)


# -- parity with esda (analytic) -------------------------------------------------------


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize("column", ["CRIME", "HOVAL", "INC"])
def test_gi_star_z_equals_esda_on_columbus(columbus, transform, column):
    w = spatial_weights(columbus, "queen")
    out = gi_star(columbus, column, weights=w, transform=transform)
    peer = _esda_gi(columbus[column].to_numpy(), w, transform)
    np.testing.assert_allclose(out[GI_Z], peer.Zs, rtol=0, atol=1e-9)
    # esda's p_norm is one-tailed; ours is two-tailed
    np.testing.assert_allclose(out[GI_P], 2 * peer.p_norm, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [("queen", {}), ("rook", {}), ("knn", {"k": 6}), ("distance", {"distance_m": 250})],
)
def test_gi_star_and_moran_z_equal_esda_on_random_grids(transform, kind, kwargs):
    grid = _random_grid(13, 11, seed=7)
    w = spatial_weights(grid, kind, **kwargs)
    y = grid["count"].to_numpy()
    gi = gi_star(grid, "count", weights=w, transform=transform)
    np.testing.assert_allclose(gi[GI_Z], _esda_gi(y, w, transform).Zs, atol=1e-9)
    lm = local_moran(grid, "count", weights=w, transform=transform, permutations=0)
    peer = _esda_moran(y, w, transform)
    np.testing.assert_allclose(lm[MORAN_I], peer.Is, atol=1e-9)
    np.testing.assert_allclose(
        lm[MORAN_Z], (peer.Is - peer.EI) / np.sqrt(peer.VI), atol=1e-9
    )


@pytest.mark.parametrize("transform", ["B", "R"])
def test_local_moran_equals_esda_on_columbus(columbus, transform):
    w = spatial_weights(columbus, "queen")
    y = columbus["CRIME"].to_numpy()
    out = local_moran(columbus, "CRIME", weights=w, transform=transform, permutations=0)
    peer = _esda_moran(y, w, transform)
    np.testing.assert_allclose(out[MORAN_I], peer.Is, rtol=0, atol=1e-9)
    z = (peer.Is - peer.EI) / np.sqrt(peer.VI)
    np.testing.assert_allclose(out[MORAN_Z], z, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out[MORAN_P], 2 * sps.norm.sf(np.abs(z)), atol=1e-12)
    # quadrants where significant agree with esda's q (1 HH, 2 LH, 3 LL, 4 HL)
    q = pd.Series(peer.q).map({1: "HH", 2: "LH", 3: "LL", 4: "HL"}).to_numpy()
    loose = local_moran(
        columbus,
        "CRIME",
        weights=w,
        transform=transform,
        permutations=0,
        fdr=False,
        alpha=0.999999,
    )
    np.testing.assert_array_equal(loose[MORAN_QUADRANT].to_numpy(), q)


# -- known answers ---------------------------------------------------------------------


def test_gi_star_known_answer_on_hot_corner(grid3x3):
    out = gi_star(grid3x3, "count", fdr=False)
    x = grid3x3["count"].to_numpy()
    n, xbar, s = len(x), x.mean(), x.std()
    # by hand for the corner c2_2: itself plus c1_1, c1_2, c2_1
    lag, wi = 10 + 4 + 6 + 6, 4
    z = (lag - wi * xbar) / (s * np.sqrt((n * wi - wi**2) / (n - 1)))
    corner = out.set_index(GRID_ID).loc["c2_2"]
    assert corner[GI_Z] == pytest.approx(z, abs=1e-12)
    assert corner[GI_Z] == pytest.approx(2.4974, abs=1e-4)
    assert corner[GI_P] == pytest.approx(2 * sps.norm.sf(z), abs=1e-12)
    assert corner[GI_CLASS] == 2  # p = 0.0125: hot at 95 %
    assert corner[GI_LABEL_EN] == "Hot spot, 95% confidence"
    assert corner[GI_LABEL_ZH] == GI_CLASSES[2]["zh"]
    assert bool(corner[GI_SIGNIFICANT])
    assert out[GI_Z].idxmax() == 8
    # the centre's neighbourhood is every cell: its Gi* is the global mean, z 0/0
    assert np.isnan(out.loc[4, GI_Z])
    assert np.isnan(out.loc[4, GI_P])
    assert not out.loc[4, GI_SIGNIFICANT]
    # the cold side is not significantly cold
    assert out[GI_Z].idxmin() in (1, 3)
    assert (out[GI_CLASS].drop(index=8) == 0).all()
    # with FDR over nine tests the corner is no longer significant at 95 %
    with_fdr = gi_star(grid3x3, "count")
    assert with_fdr.loc[8, GI_CLASS] < 2


def test_output_frame_keeps_units(grid3x3):
    units = grid3x3.set_index(pd.Index(list("abcdefghi"), name="key"))
    before = units.copy()
    out = gi_star(units, "count")
    pd.testing.assert_frame_equal(units, before)  # not modified
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == units.crs
    assert out.index.equals(units.index)
    assert list(out.columns[: len(units.columns)]) == list(units.columns)
    assert out[GI_CLASS].dtype == np.int64
    assert set(out[GI_LABEL_EN]) <= {v["en"] for v in GI_CLASSES.values()}
    lm = local_moran(units, "count", seed=0)
    assert set(lm[MORAN_QUADRANT]) <= set(QUADRANTS)
    assert lm[MORAN_LABEL_EN].tolist() == [
        QUADRANTS[q]["en"] for q in lm[MORAN_QUADRANT]
    ]


def test_local_moran_finds_cluster_and_outlier():
    grid = square_grid(10, 10)
    values = np.where(np.arange(100) % 10 < 5, 10.0, 1.0)  # left half high
    values[77] = 10.0  # a high outlier in the low half
    grid["v"] = values
    out = local_moran(grid, "v", permutations=999, seed=3).set_index(GRID_ID)
    assert out.loc["c5_1", MORAN_QUADRANT] == "HH"
    assert out.loc["c5_8", MORAN_QUADRANT] == "LL"
    assert out.loc["c7_7", MORAN_I] < 0  # high among low
    assert (out[MORAN_QUADRANT] != "NS").sum() >= 30


def test_constant_values_are_not_significant(grid3x3):
    flat = grid3x3.assign(count=2.0)
    out = gi_star(flat, "count")
    assert (out[GI_Z] == 0).all()
    assert (out[GI_P] == 1).all()
    assert (out[GI_CLASS] == 0).all()
    assert not out[GI_SIGNIFICANT].any()
    lm = local_moran(flat, "count", seed=1)
    assert (lm[MORAN_QUADRANT] == "NS").all()
    assert (lm[MORAN_P] == 1).all()


def test_islands_are_kept():
    cells = square_grid(3, 3)
    far = square_grid(1, 1)
    far["geometry"] = far.translate(5000, 5000)
    far[GRID_ID] = "far"
    cells = pd.concat([cells, far], ignore_index=True)
    cells["count"] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20]
    with pytest.warns(IslandsWarning, match="1 of 10"):
        w = spatial_weights(cells, "queen")
    out = gi_star(cells, "count", weights=w)
    x = cells["count"].to_numpy(float)
    # an island is compared on its own value (as esda does)
    assert out.loc[9, GI_Z] == pytest.approx((x[9] - x.mean()) / x.std())
    perm = gi_star(cells, "count", weights=w, permutations=99, seed=0)
    assert perm.loc[9, GI_P] == 1.0
    lm = local_moran(cells, "count", weights=w, seed=0)
    assert np.isnan(lm.loc[9, MORAN_Z])
    assert np.isnan(lm.loc[9, MORAN_P])
    assert lm.loc[9, MORAN_QUADRANT] == "NS"
    assert np.isfinite(lm.loc[:8, MORAN_P]).all()


# -- FDR classes -----------------------------------------------------------------------


def test_fdr_classes_without_correction():
    z = [3.0, -2.1, 1.7, 0.2, -3.3, 2.0]
    p = [0.002, 0.03, 0.09, 0.8, 0.0001, 0.011]
    assert fdr_classes(z, p, fdr=False).tolist() == [3, -2, 1, 0, -3, 2]


def test_fdr_classes_follow_benjamini_hochberg_at_each_level():
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(0, 0.02, 30), rng.uniform(0, 1, 200)])
    z = np.where(rng.random(len(p)) < 0.5, 1.0, -1.0) * sps.norm.isf(p / 2)
    got = fdr_classes(z, p)
    # BH by hand: largest rank r with p_(r) <= r / m * level
    m = len(p)
    order = np.sort(p)
    expected = np.zeros(m, dtype=int)
    for cls, level in ((1, 0.10), (2, 0.05), (3, 0.01)):
        passing = np.flatnonzero(order <= np.arange(1, m + 1) / m * level)
        if len(passing):
            expected[p <= order[passing.max()]] = cls
    np.testing.assert_array_equal(got, expected * np.sign(z).astype(int))
    # FDR never strengthens a class
    raw = fdr_classes(z, p, fdr=False)
    assert (np.abs(got) <= np.abs(raw)).all()
    assert (np.abs(got) < np.abs(raw)).any()


def test_fdr_classes_ignore_untested_units():
    z = np.array([4.0, np.nan, 3.0])
    p = np.array([1e-4, np.nan, 2e-3])
    assert fdr_classes(z, p).tolist() == [3, 0, 3]
    grid = np.array([[2.0, -2.0], [0.0, 1.0]])
    assert fdr_classes(grid, np.full((2, 2), 0.001)).tolist() == [[3, -3], [0, 3]]


def test_fdr_classes_shape_error():
    with pytest.raises(InputError, match="same shape"):
        fdr_classes([1.0, 2.0], [0.1])


# -- permutation inference -------------------------------------------------------------


def _exact_two_sided(x: np.ndarray, i: int, nbrs: list[int]) -> float:
    """Exact conditional-permutation p of the neighbour sum, by enumeration."""
    others = np.delete(x, i)
    k = len(nbrs)
    obs = x[nbrs].sum()
    subsets = itertools.combinations(range(8), k)
    sums = np.array([others[list(c)].sum() for c in subsets])
    ge, le = (sums >= obs - 1e-9).mean(), (sums <= obs + 1e-9).mean()
    return min(1.0, 2 * min(ge, le))


def test_permutation_p_matches_exact_enumeration(grid3x3):
    w = spatial_weights(grid3x3, "queen")
    x = grid3x3["count"].to_numpy()
    permutations = 20_000
    out = gi_star(grid3x3, "count", permutations=permutations, seed=11)
    for i in range(9):
        nbrs = list(w.sparse[i].indices)
        exact = _exact_two_sided(x, i, nbrs)
        # Monte-Carlo error of a proportion, doubled, plus the +1 correction
        tol = 4 * 2 * np.sqrt(max(exact, 0.01) / 2 / permutations) + 4 / permutations
        assert out.loc[i, GI_P] == pytest.approx(exact, abs=tol), i


def test_permutations_are_seeded_and_bounded():
    grid = _random_grid(12, 12, seed=1)
    a = gi_star(grid, "count", permutations=199, seed=5)
    b = gi_star(grid, "count", permutations=199, seed=5)
    c = gi_star(grid, "count", permutations=199, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a[GI_P], c[GI_P])
    assert a[GI_P].min() >= 2 / 200
    assert a[GI_P].max() <= 1
    # z stays analytic
    np.testing.assert_array_equal(a[GI_Z], gi_star(grid, "count")[GI_Z])


def test_permutation_p_is_uniform_under_the_null():
    grid = square_grid(40, 40)
    rng = np.random.default_rng(2)
    grid["v"] = rng.normal(10, 2, len(grid))
    p = gi_star(grid, "v", permutations=199, seed=3, fdr=False)[GI_P]
    assert 0.03 < (p <= 0.05).mean() < 0.07
    assert 0.45 < (p <= 0.5).mean() < 0.55


ESDA_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import esda, esda.crand
    from libpysal.graph import Graph
    # run esda's own permutation code as plain Python (numba would compile for
    # minutes in a test); numba's boolean type is replaced by numpy's
    esda.crand.boolean = np.bool_
    out = {}
    for case in json.load(sys.stdin):
        y = np.asarray(case["y"], dtype=float)
        g = Graph.from_arrays(case["heads"], case["tails"], case["weights"])
        g = g.transform("B")
        gi = esda.G_Local(y, g, transform="B", star=True, permutations=999,
                          seed=1, n_jobs=1, keep_simulations=False)
        lm = esda.Moran_Local(y, g, transformation="R", permutations=999,
                              seed=1, n_jobs=1, keep_simulations=False)
        out[case["name"]] = {"gi": gi.p_sim.tolist(), "moran": lm.p_sim.tolist()}
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def esda_pseudo_p(columbus):
    cases = []
    data = {
        "columbus": (columbus, "CRIME"),
        # continuous values: esda's "directed" p counts ties on one side only,
        # ours on both (the exact test above checks ours with ties)
        "grid": (_random_grid(9, 8, seed=4).assign(count=_gamma(72, 4)), "count"),
    }
    for name, (units, col) in data.items():
        graph = spatial_weights(units, "queen").to_libpysal()
        adj = graph.adjacency.reset_index()
        cases.append(
            {
                "name": name,
                "y": units[col].tolist(),
                "heads": adj["focal"].tolist(),
                "tails": adj["neighbor"].tolist(),
                "weights": adj["weight"].tolist(),
            }
        )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, "-c", ESDA_SCRIPT],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    return json.loads(result.stdout), data


@pytest.mark.slow
@pytest.mark.parametrize("name", ["columbus", "grid"])
def test_permutation_p_within_monte_carlo_error_of_esda(esda_pseudo_p, name):
    peer, data = esda_pseudo_p
    units, col = data[name]
    permutations = 999
    gi = gi_star(units, col, permutations=permutations, seed=2)
    lm = local_moran(units, col, permutations=permutations, seed=2)
    pairs = ((gi[GI_P], peer[name]["gi"]), (lm[MORAN_P], peer[name]["moran"]))
    for ours, theirs in pairs:
        # esda's p_sim is "directed" (one tail, chosen by the data): ours is two-sided
        directed = np.asarray(theirs)
        expected = np.minimum(1.0, 2 * directed)
        sd = 2 * np.sqrt(directed * (1 - directed) / permutations)
        diff = np.abs(ours.to_numpy() - expected)
        assert (diff <= 4.5 * np.sqrt(2) * sd + 6 / permutations).all()
        assert np.corrcoef(ours, expected)[0, 1] > 0.95


# -- alignment and row order -----------------------------------------------------------


def test_results_do_not_depend_on_row_order():
    grid = _random_grid(10, 9, seed=8)
    shuffled = grid.sample(frac=1.0, random_state=3)
    for fn, kw in (
        (gi_star, {}),
        (gi_star, {"permutations": 99, "seed": 4, "transform": "R"}),
        (local_moran, {"seed": 4}),
    ):
        a = fn(grid, "count", **kw).sort_index()
        b = fn(shuffled, "count", **kw).sort_index()
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


def test_prebuilt_weights_are_aligned_on_their_ids():
    grid = _random_grid(6, 5, seed=9)
    w = spatial_weights(grid, "queen", unit=GRID_ID)
    shuffled = grid.sample(frac=1.0, random_state=1).reset_index(drop=True)
    expected = gi_star(grid, "count").set_index(GRID_ID)[GI_Z]
    got = gi_star(shuffled, "count", weights=w).set_index(GRID_ID)[GI_Z]
    pd.testing.assert_series_equal(got.loc[expected.index], expected)


def test_values_as_series_array_or_column():
    grid = _random_grid(5, 4, seed=2)
    base = gi_star(grid, "count")[GI_Z]
    by_id = pd.Series(grid["count"].to_numpy(), index=pd.Index(grid[GRID_ID]))
    by_id = by_id.sample(frac=1.0, random_state=0)  # e.g. a cube column
    np.testing.assert_array_equal(gi_star(grid, by_id)[GI_Z], base)
    np.testing.assert_array_equal(gi_star(grid, grid["count"].to_numpy())[GI_Z], base)
    np.testing.assert_array_equal(gi_star(grid, grid["count"].iloc[::-1])[GI_Z], base)


# -- errors ----------------------------------------------------------------------------


def test_type_errors(grid3x3):
    with pytest.raises(TypeError, match="units must be"):
        gi_star(grid3x3["count"], "count")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="weights must be a kind"):
        gi_star(grid3x3, "count", weights=np.eye(9))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"transform": "D"}, "transform must be 'B'"),
        ({"permutations": -1}, "permutations must be a whole number"),
        ({"permutations": True}, "permutations must be a whole number"),
        ({"seed": "x"}, "seed must be an integer"),
        ({"fdr": "yes"}, "fdr must be True or False"),
        ({"alpha": 1.5}, "alpha must be a number between 0 and 1"),
        ({"weights": "hexagon"}, "weights must be one of"),
    ],
)
@pytest.mark.parametrize("fn", [gi_star, local_moran])
def test_option_errors(grid3x3, fn, kwargs, match):
    with pytest.raises(InputError, match=match):
        fn(grid3x3, "count", **kwargs)


def test_value_errors(grid3x3):
    with pytest.raises(InputError, match="must name a column"):
        gi_star(grid3x3, "reports")
    with pytest.raises(InputError, match="1 missing or infinite"):
        gi_star(grid3x3.assign(count=[np.nan, *range(8)]), "count")
    with pytest.raises(InputError, match="must be numbers"):
        gi_star(grid3x3.assign(label="x"), "label")
    with pytest.raises(InputError, match="1-D array of length 9"):
        gi_star(grid3x3, [1.0, 2.0])
    partial = pd.Series([1.0, 2.0], index=pd.Index(["c0_0", "c0_1"], name=GRID_ID))
    with pytest.raises(InputError, match="no entry for 7 of 9 units"):
        gi_star(grid3x3, partial)
    repeated = pd.Series(1.0, index=pd.Index(["c0_0"] * 9, name=GRID_ID))
    with pytest.raises(InputError, match="repeated index"):
        gi_star(grid3x3, repeated)
    other = spatial_weights(square_grid(4, 4), "queen")
    with pytest.raises(InputError, match="built for other units"):
        gi_star(grid3x3, "count", weights=other)
    with pytest.raises(InputError, match="2 problems"):
        local_moran(grid3x3, "count", transform="X", alpha=0)


# -- the sample district -------------------------------------------------------------


@pytest.mark.slow
def test_sample_district_planted_hot_spots_are_found():
    """Planted hot/cold blocks come out as Gi* spots; the background mostly not."""
    root = Path(__file__).resolve().parents[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quarantined rows, reports off the grid
        read = read_sample(root)
        grid = read_boundaries(root / "boundaries" / "grid.geojson", kind="grid")
        cube = space_time_cube(assign(read.reports, grid=grid), grid, unit=GRID_ID)
    truth = pd.read_csv(root / "sample_data/truth/patterns.csv", dtype=str)
    blind = pd.read_csv(root / "sample_data/truth/blind_spots.csv", dtype=str)
    w = spatial_weights(grid, "queen", unit=GRID_ID)
    out = gi_star(grid, cube.sum(axis=1), weights=w).set_index(GRID_ID)
    cls = out[GI_CLASS]
    hot_all_along = truth[
        truth["pattern"].isin(
            ["persistent_hot", "intensifying_hot", "diminishing_hot", "historical_hot"]
        )
    ]
    assert len(hot_all_along) == 8
    assert (cls.loc[hot_all_along[GRID_ID]] == 3).all()
    cold = truth.loc[truth["pattern"] == "persistent_cold", GRID_ID]
    assert (cls.loc[cold] <= -2).all()
    # background: cells more than three queen steps from anything planted
    planted = w.ids.get_indexer(pd.concat([truth[GRID_ID], blind[GRID_ID]]))
    reach = w.sparse + sparse.identity(w.n, format="csr")
    near = np.zeros(w.n)
    near[planted] = 1.0
    for _ in range(3):
        near = reach @ near
    background = cls.to_numpy()[near == 0]
    assert len(background) > 300
    false_hot = float((background > 0).mean())
    assert false_hot < 0.05  # measured: 1.8 % of 622 background cells
    assert (background < 0).mean() < 0.05


# -- Benjamini-Hochberg decisions without adjusting every p-value -----------------
def _bh_cases() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    mixed = np.concatenate(
        [rng.uniform(0, 1, 4000), rng.uniform(0, 1e-4, 100), rng.uniform(0, 0.02, 400)]
    )
    ties = np.round(rng.uniform(0, 0.2, 5000), 3)  # many exact ties near the cut
    with_nan = mixed.copy()
    with_nan[rng.choice(len(with_nan), 500, replace=False)] = np.nan
    edges = np.array([0.0, 0.0, 1.0, 0.01, 0.05, 0.1, 0.1, np.nan, 1e-300])
    grid = rng.uniform(0, 0.3, (400, 52))  # units x periods, one family
    one = np.array([0.3])
    # below 0 counts as 0 (SciPy clips); infinities are not tests
    odd = np.array([-0.01, -np.inf, np.inf, 0.004, -0.0, 0.02, 2.0, np.nan, 0.0])
    cases = [mixed, ties, with_nan, edges, grid, np.array([]), np.full(5, np.nan), one]
    return [*cases, odd]


@pytest.mark.parametrize("case", range(9))
def test_bh_rejected_equals_scipy_adjusted_p_values(case: int) -> None:
    from hotspots.stats.local import bh_rejected, fdr_bh

    p = _bh_cases()[case]
    levels = [0.01, 0.05, 0.1, 0.2, 0.0, -0.1]
    got = bh_rejected(p, levels)
    ok = np.isfinite(p)
    q = np.full(p.shape, np.nan)
    if ok.any():  # SciPy's adjusted p-values, the definition
        q[ok] = sps.false_discovery_control(np.clip(p[ok], 0, 1), method="bh")
    np.testing.assert_array_equal(fdr_bh(p.ravel()).reshape(p.shape), q)
    for level, mask in zip(levels, got, strict=True):
        assert mask.shape == p.shape
        np.testing.assert_array_equal(mask, ok & (q <= level))
    if case == 0:  # a real mix: some, not all, rejected at each level
        assert 0 < got[0].sum() < got[1].sum() < got[2].sum() < len(p)


def test_fdr_classes_match_the_adjusted_p_value_rule() -> None:
    from hotspots.stats.local import fdr_bh, fdr_classes

    rng = np.random.default_rng(3)
    z = rng.normal(0, 3, (300, 20))
    p = 2 * sps.norm.sf(np.abs(z))
    p[0, :5] = np.nan
    q = fdr_bh(p.ravel()).reshape(p.shape)
    level = np.select([q <= 0.01, q <= 0.05, q <= 0.1], [3, 2, 1], default=0) * np.sign(
        np.nan_to_num(z)
    ).astype(int)
    np.testing.assert_array_equal(fdr_classes(z, p), level)
    assert (fdr_classes(z, p)[0, :5] == 0).all()


def test_fdr_classes_take_the_sign_of_z_and_nothing_for_zero_or_nan() -> None:
    from hotspots.stats.local import fdr_classes

    z = [0.0, -0.0, np.nan, -np.inf, np.inf, -1.0, 2.0, 5.0]
    p = [0.001, 0.001, 0.001, 0.001, 0.001, 0.04, 0.08, 0.5]
    got = fdr_classes(z, p, fdr=False)
    assert got.dtype == np.int64
    assert got.tolist() == [0, 0, 0, -3, 3, -2, 1, 0]


def test_two_sided_normal_p_values_equal_scipy_norm_sf() -> None:
    from hotspots.stats.local import _two_sided_normal

    z = np.r_[np.linspace(-40, 40, 2001), 0.0, -0.0, np.inf, -np.inf, np.nan]
    np.testing.assert_array_equal(_two_sided_normal(z), 2.0 * sps.norm.sf(np.abs(z)))
