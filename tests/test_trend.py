from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau, norm

from hotspots.errors import InputError
from hotspots.stats.trend import mann_kendall


def reference_mann_kendall(x: list[float]) -> tuple[float, float, float, float]:
    """Textbook Mann-Kendall, one series, written out loop by loop (independent)."""
    n = len(x)
    s = 0
    for i in range(n - 1):
        for j in range(i + 1, n):
            if x[j] > x[i]:
                s += 1
            elif x[j] < x[i]:
                s -= 1
    ties = [t for t in Counter(x).values() if t > 1]
    var = (
        n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)
    ) / 18
    if s > 0:
        z = (s - 1) / math.sqrt(var)
    elif s < 0:
        z = (s + 1) / math.sqrt(var)
    else:
        z = 0.0
    p = 2 * (1 - norm.cdf(abs(z)))
    return float(s), var, z, p


def random_series_with_ties(seed: int, n_series: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # small integer counts: plenty of ties, plus a trend in some rows
    trend = rng.normal(0, 0.1, size=(n_series, 1)) * np.arange(n)
    return np.round(rng.poisson(3, size=(n_series, n)) + trend)


def test_known_answer_increasing_series():
    r = mann_kendall([1.0, 2.0, 3.0, 4.0, 5.0])
    assert r.s.tolist() == [10.0]
    assert r.var_s[0] == pytest.approx(5 * 4 * 15 / 18)
    assert r.tau[0] == 1.0
    assert r.z[0] == pytest.approx(9 / math.sqrt(50 / 3))
    assert r.p[0] == pytest.approx(0.027486, abs=1e-6)


def test_tie_correction_known_answer():
    # values 5,4,4,2,1: one tie group of size 2 -> variance 50/3 - 2*1*9/18
    r = mann_kendall([5.0, 4.0, 4.0, 2.0, 1.0])
    assert r.s[0] == -9.0
    assert r.var_s[0] == pytest.approx(50 / 3 - 1.0)
    assert r.z[0] == pytest.approx(-8 / math.sqrt(50 / 3 - 1.0))


@pytest.mark.parametrize("n", [4, 7, 12, 52])
def test_tau_equals_scipy_kendalltau_against_time(n):
    x = random_series_with_ties(n, 60, n)
    r = mann_kendall(x)
    t = np.arange(n)
    for row, tau, s in zip(x, r.tau, r.s, strict=True):
        expected = kendalltau(t, row).statistic
        if np.isnan(expected):
            assert np.isnan(tau)
        else:
            assert tau == pytest.approx(expected, abs=1e-12)
            # S from scipy's tau-b: S = tau_b * sqrt(n0 (n0 - n1))
            n0 = n * (n - 1) / 2
            n1 = sum(c * (c - 1) / 2 for c in Counter(row.tolist()).values())
            assert s == pytest.approx(expected * math.sqrt(n0 * (n0 - n1)), abs=1e-9)


@pytest.mark.parametrize("n", [3, 5, 10, 30])
def test_s_var_z_p_equal_independent_implementation(n):
    x = random_series_with_ties(100 + n, 40, n)
    r = mann_kendall(x)
    for i, row in enumerate(x):
        s, var, z, p = reference_mann_kendall(row.tolist())
        if var == 0:
            continue
        assert r.s[i] == s
        assert r.var_s[i] == pytest.approx(var, rel=1e-12)
        assert r.z[i] == pytest.approx(z, rel=1e-12, abs=1e-15)
        assert r.p[i] == pytest.approx(p, rel=1e-9, abs=1e-15)


def test_continuous_values_match_reference():
    x = np.random.default_rng(3).normal(size=(20, 25))
    r = mann_kendall(x)
    for i, row in enumerate(x):
        s, var, _z, p = reference_mann_kendall(row.tolist())
        assert (r.s[i], r.var_s[i]) == (s, pytest.approx(var))
        assert r.p[i] == pytest.approx(p, rel=1e-9)


def test_constant_series_and_nan_rows():
    r = mann_kendall(
        [[2.0, 2.0, 2.0, 2.0], [1.0, np.nan, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0]]
    )
    assert r.s[0] == 0.0
    assert r.z[0] == 0.0
    assert r.p[0] == 1.0
    assert np.isnan(r.tau[0])
    for arr in (r.s, r.var_s, r.tau, r.z, r.p):
        assert np.isnan(arr[1])
    assert r.s[2] == 6.0  # a NaN row does not disturb the others


def test_long_series_uses_wider_rank_type():
    # more than 127 periods switches the rank dtype; S must stay exact
    x = np.arange(300, dtype=float)[np.newaxis, :]
    r = mann_kendall(x)
    assert r.s[0] == 300 * 299 / 2
    assert r.tau[0] == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=30),
    st.floats(min_value=0.5, max_value=10),
    st.floats(min_value=-100, max_value=100),
)
def test_invariants(values, scale, shift):
    x = np.asarray(values, dtype=float)
    r = mann_kendall(x)
    # rank-based: any increasing transformation gives the same result
    r2 = mann_kendall(x * scale + shift)
    np.testing.assert_array_equal(r.s, r2.s)
    np.testing.assert_allclose(r.z, r2.z)
    # reversing time flips the sign of S and z and keeps p
    rr = mann_kendall(x[::-1].copy())
    assert rr.s[0] == -r.s[0]
    assert rr.z[0] == pytest.approx(-r.z[0])
    assert rr.p[0] == pytest.approx(r.p[0])
    assert 0.0 <= r.p[0] <= 1.0
    assert abs(r.s[0]) <= len(values) * (len(values) - 1) / 2
    s, var, _z, p = reference_mann_kendall(values)
    assert r.s[0] == s
    if var > 0:
        assert r.p[0] == pytest.approx(p, rel=1e-9, abs=1e-15)


def test_row_order_does_not_change_results():
    x = random_series_with_ties(7, 50, 15)
    perm = np.random.default_rng(1).permutation(50)
    r = mann_kendall(x)
    rp = mann_kendall(x[perm])
    np.testing.assert_array_equal(r.s[perm], rp.s)
    np.testing.assert_allclose(r.p[perm], rp.p)


def test_input_not_mutated():
    x = random_series_with_ties(2, 5, 9)
    before = x.copy()
    mann_kendall(x)
    np.testing.assert_array_equal(x, before)


def test_errors():
    with pytest.raises(InputError, match="at least 2 periods"):
        mann_kendall([[1.0], [2.0]])
    with pytest.raises(InputError, match="1-D series or a 2-D array"):
        mann_kendall(np.zeros((2, 3, 4)))
    with pytest.raises(InputError, match=r"values must be numbers.*pd\.to_numeric"):
        mann_kendall([["a", "b", "c"]])


def test_rows_in_blocks_equal_rows_alone():
    # more rows than one block of the vectorised pass (4,096): each row's
    # statistics are those of the row alone, whatever block it falls in
    rng = np.random.default_rng(5)
    x = rng.poisson(0.8, (9_001, 20)).astype(float)
    x[4_095:4_098, :] = 1.0  # constant rows on a block boundary
    x[[3, 5_000, 9_000], 7] = np.nan  # NaN rows in the first, second, last block
    res = mann_kendall(x)
    for i in [0, 3, 4_095, 4_096, 4_097, 5_000, 8_191, 8_192, 9_000]:
        alone = mann_kendall(x[i])
        for name in ("s", "var_s", "tau", "z", "p"):
            np.testing.assert_array_equal(
                getattr(res, name)[i : i + 1], getattr(alone, name)
            )
    assert np.isnan(res.s[[3, 5_000, 9_000]]).all()
    assert (res.z[4_095:4_098] == 0).all()
