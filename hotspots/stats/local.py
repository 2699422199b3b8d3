"""Local spatial statistics: Getis-Ord Gi*, local Moran's I, FDR classes.

Both statistics work on all units at once through sparse matrices, and
reproduce esda's ``G_Local(star=True)`` and ``Moran_Local`` z-scores to
floating-point precision on the same weights and transform (the tests check
1e-9).

Conditional permutation inference
---------------------------------
With ``permutations > 0`` each unit's value is held fixed and its neighbours'
values are replaced by random draws, without replacement, from the other
``n - 1`` units (Anselin 1995). Like esda, one table of random draws is shared
by all units (so their Monte-Carlo errors are correlated, each p-value being
valid on its own). Because every row of the binary or row-standardised weights
used here gives all neighbours the same weight, the statistic of unit ``i``
is a monotone function of the sum of its ``k_i`` neighbours' values; the
draws are therefore summed once per cardinality (prefix sums) and unit ``i``
is excluded by a swap (when unit ``i`` is among its own first ``k_i`` draws
it is replaced by draw ``k_i + 1``, which keeps the sample uniform over the
other units). The cost is O(permutations x max neighbours + n log
permutations), not O(n x permutations x neighbours): 999 permutations over
90,000 cells take a fraction of a second.

The pseudo p-value is two-sided: ``p = min(1, 2 (min(n_ge, n_le) + 1) /
(permutations + 1))`` with ``n_ge`` / ``n_le`` the draws at least / at most
as extreme as observed (ties count on both sides). Without ties this is
twice esda's ``alternative="directed"`` p-value (its current default for
G_Local and Moran_Local, which take no ``alternative`` argument). With ties,
which are common for small integer counts, esda's directed p counts a tie
toward the upper tail only (its lower tail uses ``<``), so it is smaller than
half of ours: on a 300 x 300 grid of Poisson(2) counts 5.3 % of esda's doubled
p-values are <= 0.05 against 3.8 % of ours. Ours is the conventional,
conservative definition; the tests check it against exact enumeration.

The results do not depend on the units' row order: the draws are made in the
order of the sorted unit ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from .._core.labels import GI_CLASSES, QUADRANTS
from .._core.schema import (
    GI_CLASS,
    GI_LABEL_EN,
    GI_LABEL_ZH,
    GI_P,
    GI_SIGNIFICANT,
    GI_Z,
    MORAN_I,
    MORAN_LABEL_EN,
    MORAN_LABEL_ZH,
    MORAN_P,
    MORAN_QUADRANT,
    MORAN_Z,
)
from .._core.types import BoolArray, FloatArray, IntArray
from .._core.validate import probability, whole_number
from ..errors import InputError, collect_problems
from ..spatial.weights import (
    KINDS,
    SpatialWeights,
    Transform,
    WeightsKind,
    spatial_weights,
)

__all__ = [
    "CONFIDENCE_LEVELS",
    "GI_CLASS",
    "GI_LABEL_EN",
    "GI_LABEL_ZH",
    "GI_P",
    "GI_SIGNIFICANT",
    "GI_Z",
    "MORAN_I",
    "MORAN_LABEL_EN",
    "MORAN_LABEL_ZH",
    "MORAN_P",
    "MORAN_QUADRANT",
    "MORAN_Z",
    "fdr_classes",
    "gi_star",
    "local_moran",
]

# The output columns (GI_Z, MORAN_I, ...) are defined in hotspots._core.schema
# and re-exported here.

_QUADS: Final = ("HH", "LH", "LL", "HL", "NS")
#: (class, significance level) from the strictest: 99 %, 95 %, 90 % confidence.
CONFIDENCE_LEVELS: Final = ((3, 0.01), (2, 0.05), (1, 0.10))

Weights = WeightsKind | SpatialWeights


# -- significance ----------------------------------------------------------------------


def fdr_bh(p: FloatArray) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values; NaN stays NaN and is not a test.

    Bit for bit :func:`scipy.stats.false_discovery_control` (``method="bh"``),
    the same steps in the same order (the tests compare the two): importing
    ``scipy.stats`` for it took 0.5 s of a fresh weekly run, a tenth of the
    whole incremental run.
    """
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = _bh_adjusted(np.clip(p[ok], 0.0, 1.0))
    return q


def _bh_adjusted(p: FloatArray) -> FloatArray:
    """Return the adjusted p-values of a 1-D array of p-values in [0, 1] (no NaN)."""
    m = p.shape[0]
    if m <= 1:
        return p
    order = np.argsort(p)
    adjusted = p[order] * (m / np.arange(1, m + 1, dtype=np.float64))
    # from the largest p down, each value is at most the one after it
    np.minimum.accumulate(adjusted[::-1], out=adjusted[::-1])
    out = np.empty_like(adjusted)
    out[order] = adjusted
    clipped: FloatArray = np.clip(out, 0.0, 1.0)
    return clipped


def bh_rejected(p: FloatArray, levels: Sequence[float]) -> list[BoolArray]:
    """Where ``fdr_bh(p) <= level``, for each level, without adjusting every p-value.

    The same decisions as comparing :func:`fdr_bh`'s adjusted p-values (SciPy's
    ``false_discovery_control``) with each level, bit for bit: a test is
    rejected at level ``L`` when its p-value is at most the largest sorted
    p-value ``p_(k)`` with ``p_(k) * (m / k) <= L`` (the step-up rule, with the
    product rounded as SciPy rounds it). Only p-values up to the largest
    level can be rejected, so only those are sorted: on the 5 million tests of
    an emerging hot spot run about a tenth of them, not all.

    Parameters
    ----------
    p
        p-values, any shape; NaN is not a test (never rejected, not counted).
    levels
        FDR levels in ``[0, 1]``.

    Returns
    -------
    list of numpy.ndarray of bool
        One mask per level, shaped like ``p``.
    """
    pp = np.asarray(p, dtype=np.float64)
    ok = np.isfinite(pp)
    m = int(ok.sum())
    # p-values below 0 count as 0 (SciPy clips them); the candidates and the
    # masks come straight from ``p``, without a clipped copy of 5 million
    # values (a level below 0 rejects nothing either way: no adjusted p-value
    # is below 0)
    top = max(levels, default=0.0)
    small = pp[ok & (pp <= top)]
    np.clip(small, 0.0, None, out=small)
    small.sort()
    adjusted = small * (m / np.arange(1, len(small) + 1, dtype=np.float64))
    out: list[BoolArray] = []
    for level in levels:
        passed = np.flatnonzero(adjusted <= level)
        if not len(passed):
            out.append(np.zeros(pp.shape, dtype=bool))
            continue
        out.append(ok & (pp <= small[passed[-1]]))
    return out


def fdr_classes(z: npt.ArrayLike, p: npt.ArrayLike, *, fdr: bool = True) -> IntArray:
    """Class each test as hot/cold at 99/95/90 % confidence, or 0.

    Parameters
    ----------
    z
        Test statistics (z-scores), any shape (e.g. units x periods); only
        their sign is used.
    p
        Two-sided p-values, one per ``z``. NaN means "not tested": class 0,
        and not counted among the tests of the FDR correction. All finite
        entries form one family of tests, whatever the shape.
    fdr
        Apply the Benjamini-Hochberg false discovery rate correction: a test
        is significant at level L when it passes BH at level L (its BH
        adjusted p-value is at most L), as Esri's Gi_Bin does with FDR. When
        False, the raw p-value is compared with L.

    Returns
    -------
    numpy.ndarray of int64
        ``sign(z) * 3`` where significant at 0.01, ``* 2`` at 0.05, ``* 1`` at
        0.10, else 0.

    Raises
    ------
    InputError
        When ``z`` and ``p`` differ in shape.

    References
    ----------
    .. [1] Benjamini, Y., Hochberg, Y. (1995). Controlling the false discovery
       rate: a practical and powerful approach to multiple testing. *Journal
       of the Royal Statistical Society B* 57(1), 289-300.
    .. [2] Esri, "How Hot Spot Analysis (Getis-Ord Gi*) works", ArcGIS Pro
       documentation (Gi_Bin, FDR correction).

    Examples
    --------
    >>> fdr_classes([3.0, -2.1, 1.7, 0.2], [0.002, 0.03, 0.09, 0.8], fdr=False)
    array([ 3, -2,  1,  0])
    """
    out: IntArray = fdr_levels(z, p, fdr=fdr).astype(np.int64)
    return out


def fdr_levels(
    z: npt.ArrayLike, p: npt.ArrayLike, *, fdr: bool = True
) -> npt.NDArray[np.int8]:
    """Return :func:`fdr_classes` as ``int8``: 5 MB for 5 million tests, not 40.

    Examples
    --------
    >>> fdr_levels([3.0, -2.1, 1.7, 0.2], [0.002, 0.03, 0.09, 0.8], fdr=False)
    array([ 3, -2,  1,  0], dtype=int8)
    """
    zz = np.asarray(z, dtype=np.float64)
    pp = np.asarray(p, dtype=np.float64)
    if zz.shape != pp.shape:
        msg = (
            f"z and p must have the same shape, got {zz.shape} and {pp.shape}. "
            "Pass one p-value per z-score."
        )
        raise InputError(msg)
    if fdr:
        passed = bh_rejected(pp, [lvl for _, lvl in CONFIDENCE_LEVELS])
    else:
        passed = [np.isfinite(pp) & (pp <= lvl) for _, lvl in CONFIDENCE_LEVELS]
    return _classes(zz, passed)


def _classes(zz: FloatArray, passed: list[BoolArray]) -> npt.NDArray[np.int8]:
    """Confidence class from z and the tests passed at each confidence level."""
    # small integers: 5 million tests are 40 MB an int64 array
    level = np.zeros(zz.shape, dtype=np.int8)
    for (cls, _), mask in list(zip(CONFIDENCE_LEVELS, passed, strict=True))[::-1]:
        level[mask] = cls
    # the sign of z; 0 where z is 0 or NaN (neither above nor below 0)
    negative = zz < 0
    np.negative(level, out=level, where=negative)
    negative |= zz > 0
    level[~negative] = 0
    return level


def _two_sided_normal(z: FloatArray) -> FloatArray:
    p: FloatArray = 2.0 * ndtr(-np.abs(z))  # scipy.stats.norm.sf, without its import
    return p


def _draw_table(
    rng: np.random.Generator, n: int, m: int, permutations: int
) -> IntArray:
    """``permutations`` rows of ``m`` distinct random unit positions, random order."""
    out = np.empty((permutations, m), dtype=np.int64)
    if m * m * 8 <= n:  # duplicates rare: draw with replacement, redraw bad rows
        out[:] = rng.integers(0, n, size=(permutations, m))
        while True:
            s = np.sort(out, axis=1)
            bad = (s[:, 1:] == s[:, :-1]).any(axis=1)
            if not bad.any():
                return out
            out[bad] = rng.integers(0, n, size=(int(bad.sum()), m))
    for r in range(permutations):
        out[r] = rng.choice(n, size=m, replace=False)
    return out


def _permutation_p(
    x: FloatArray,
    card: IntArray,
    observed: FloatArray,
    permutations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Two-sided conditional-permutation p-values of neighbour sums.

    ``observed[i]`` is the sum of unit ``i``'s ``card[i]`` neighbours' values
    (self excluded); under the null the neighbours are a uniform random
    ``card[i]``-subset of the other units.
    """
    n = len(x)
    k_max = int(card.max()) if n else 0
    if k_max == 0:
        return np.ones(n)
    m = k_max + 1
    draws = _draw_table(rng, n, m, permutations)
    vals = x[draws]
    prefix = np.zeros((permutations, m + 1))
    np.cumsum(vals, axis=1, out=prefix[:, 1:])
    eps = 1e-10 * max(float(np.abs(x).max()), 1e-300) * m
    lo, hi = observed - eps, observed + eps
    n_ge = np.zeros(n, dtype=np.int64)
    n_le = np.zeros(n, dtype=np.int64)
    for kk in np.unique(card):
        sel = np.flatnonzero(card == kk)
        col = np.sort(prefix[:, kk])
        n_ge[sel] = permutations - np.searchsorted(col, lo[sel], side="left")
        n_le[sel] = np.searchsorted(col, hi[sel], side="right")
    # unit u drawn among its own first card[u] draws: swap in draw card[u] + 1
    pos = np.arange(m)[None, :]
    hit = pos < card[draws]
    if hit.any():
        rows, cols = np.nonzero(hit)
        u = draws[rows, cols]
        ku = card[u]
        base = prefix[rows, ku]
        swapped = base - x[u] + vals[rows, ku]
        d_ge = (swapped >= lo[u]).astype(np.int64) - (base >= lo[u])
        d_le = (swapped <= hi[u]).astype(np.int64) - (base <= hi[u])
        n_ge += np.bincount(u, weights=d_ge, minlength=n).astype(np.int64)
        n_le += np.bincount(u, weights=d_le, minlength=n).astype(np.int64)
    extreme = np.minimum(n_ge, n_le)
    p: FloatArray = np.minimum(1.0, 2.0 * (extreme + 1) / (permutations + 1))
    return p


# -- input handling --------------------------------------------------------------------


def _resolve(
    units: object,
    values: object,
    weights: object,
    transform: object,
    permutations: object,
    seed: object,
    fdr: object,
    alpha: object,
    where: str,
) -> tuple[pd.DataFrame, FloatArray, SpatialWeights, pd.Index]:
    """Validate the common arguments; return units, values, aligned weights, keys."""
    if not isinstance(units, pd.DataFrame):
        msg = f"units must be a (Geo)DataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    if not isinstance(weights, str | SpatialWeights):
        msg = (
            "weights must be a kind such as 'queen' or a SpatialWeights from "
            f"hotspots.spatial_weights, got {type(weights).__name__}."
        )
        raise TypeError(msg)
    problems: list[str] = []
    if transform not in get_args(Transform):
        problems.append(
            f"transform must be 'B' (binary) or 'R' (row-standardised), got "
            f"{transform!r}. Use transform='B' for the textbook Gi*."
        )
    if whole_number(permutations, "permutations", example="999", minimum=0):
        problems.append(
            f"permutations must be a whole number >= 0, got {permutations!r}. "
            "Pass 0 for analytic p-values or e.g. 999."
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int | np.integer)
    ):
        problems.append(
            f"seed must be an integer or None, got {seed!r}. Pass e.g. seed=42."
        )
    if not isinstance(fdr, bool | np.bool_):
        problems.append(f"fdr must be True or False, got {fdr!r}.")
    problems.append(probability(alpha, "alpha", example="alpha=0.05") or "")
    if isinstance(weights, str) and weights not in KINDS:
        problems.append(
            f"weights must be one of {list(KINDS)!r} or a SpatialWeights, got "
            f"{weights!r}. Use 'queen' for grid cells, or build distance or knn "
            "weights with spatial_weights(units, 'distance', distance_m=...)."
        )
    collect_problems([p for p in problems if p], where)

    w = (
        spatial_weights(units, weights)  # type: ignore[arg-type]
        if isinstance(weights, str)
        else weights
    )
    key_col = w.unit if w.unit is not None and w.unit in units.columns else None
    keys = pd.Index(units[key_col]) if key_col is not None else units.index
    if len(keys) != w.n or not keys.equals(w.ids):
        if len(keys) != w.n or not w.ids.isin(keys).all():
            msg = (
                f"weights were built for other units: {w.n} ids, of which "
                f"{int((~w.ids.isin(keys)).sum())} are not among the "
                f"{len(units)} units' {key_col or 'index'}. Build them from the "
                "same units with spatial_weights(units, ...)."
            )
            raise InputError(msg)
        w = w.align(keys)
    x = _values(units, values, keys, key_col)
    return units, x, w, keys


def _values(
    units: pd.DataFrame, values: object, keys: pd.Index, key_col: str | None
) -> FloatArray:
    n = len(units)
    if isinstance(values, str):
        if values not in units.columns:
            msg = (
                f"values must name a column of units, got {values!r}; columns are "
                f"{list(units.columns)!r}. Pass the column of counts, e.g. 'count'."
            )
            raise InputError(msg)
        ser = units[values]
    elif isinstance(values, pd.Series):
        ser = values
        if not ser.index.equals(units.index):
            col = ser.index.name if ser.index.name in units.columns else key_col
            target = pd.Index(units[col]) if col is not None else keys
            if not ser.index.is_unique:
                msg = (
                    "values must have one entry per unit, got a Series with a "
                    "repeated index. Aggregate it first (e.g. .groupby(level=0)"
                    ".sum())."
                )
                raise InputError(msg)
            pos = ser.index.get_indexer(target)
            if (pos < 0).any():
                msg = (
                    f"values has no entry for {int((pos < 0).sum())} of {n} units "
                    f"(matched on {col or 'the index'}). Reindex it on the units, "
                    "e.g. values.reindex(ids, fill_value=0)."
                )
                raise InputError(msg)
            ser = ser.iloc[pos]
    else:
        arr = np.asarray(values)
        if arr.ndim != 1 or len(arr) != n:
            msg = (
                f"values must be a column name, a Series or a 1-D array of length "
                f"{n} (one value per unit), got shape {arr.shape}."
            )
            raise InputError(msg)
        ser = pd.Series(arr)
    if not pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_bool_dtype(ser):
        msg = (
            f"values must be numbers, got dtype {ser.dtype!s}. Convert them with "
            "pandas.to_numeric."
        )
        raise InputError(msg)
    x = ser.to_numpy(dtype=np.float64, na_value=np.nan)
    n_bad = int((~np.isfinite(x)).sum())
    if n_bad:
        msg = (
            f"values must be finite numbers, got {n_bad} missing or infinite "
            "values. Fill them (a unit with no report has the value 0)."
        )
        raise InputError(msg)
    return x


def _canonical_order(keys: pd.Index) -> IntArray:
    """Row positions sorted by unit id (so permutations ignore row order)."""
    try:
        order: IntArray = np.asarray(keys.argsort(), dtype=np.int64)
    except TypeError:  # ids of mixed, unorderable types
        order = np.arange(len(keys), dtype=np.int64)
    return order


def _permuted(
    x: FloatArray,
    w: sparse.csr_matrix,
    card: IntArray,
    keys: pd.Index,
    permutations: int,
    seed: int | None,
) -> FloatArray:
    order = _canonical_order(keys)
    xc = x[order]
    wc = w[order][:, order]
    p_c = _permutation_p(
        xc, card[order], wc @ xc, permutations, np.random.default_rng(seed)
    )
    p = np.empty_like(p_c)
    p[order] = p_c
    return p


def _z_and_p(
    z: FloatArray,
    x: FloatArray,
    w: SpatialWeights,
    keys: pd.Index,
    degenerate: bool,
    permutations: int,
    seed: int | None,
) -> tuple[FloatArray, FloatArray]:
    """Return z and two-sided p (0 and 1 everywhere when all values are equal)."""
    n = len(x)
    if degenerate:
        return np.zeros(n), np.ones(n)
    if permutations:
        p = _permuted(x, w.sparse, w.cardinalities, keys, int(permutations), seed)
        return z, p
    return z, _two_sided_normal(z)


# -- Gi* -------------------------------------------------------------------------------


def gi_star(
    units: pd.DataFrame,
    values: str | pd.Series | npt.ArrayLike,
    *,
    weights: Weights = "queen",
    transform: Transform = "B",
    permutations: int = 0,
    seed: int | None = None,
    fdr: bool = True,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots, with FDR-corrected confidence classes.

    Each unit's value is compared with the values of its neighbours and
    itself (the "star": self-weight 1). A significantly positive z-score marks
    a hot spot, a negative one a cold spot.

    Parameters
    ----------
    units
        The units (grid cells, street segments); not modified.
    values
        One value per unit (e.g. reports last week): a column name of
        ``units``, a Series (matched on the units' index, or on the id column
        named by its index, e.g. a column of :func:`hotspots.space_time_cube`
        indexed by ``grid_id``) or an array in the units' order.
    weights
        A kind for :func:`hotspots.spatial_weights` (``"queen"``
        etc., built on the units' index) or a prebuilt
        :class:`~hotspots.spatial.weights.SpatialWeights` (matched on its ids).
    transform
        ``"B"`` (default): binary weights, the textbook Gi* of Ord and Getis
        (1995). ``"R"``: row-standardised weights, reproducing esda's
        ``G_Local(transform="R", star=True)``, whose variance treats the row
        sum as the neighbour count, so its z is ``(local mean - global mean) /
        s`` rather than Ord and Getis' z (which, for the equal-weight rows
        used here, does not change with row standardisation: use "B").
    permutations
        0 (default): analytic p-values from the normal distribution. Above 0:
        conditional permutation pseudo p-values from that many draws (see the
        module notes); the z-scores stay analytic. The smallest possible
        pseudo p is ``2 / (permutations + 1)``.
    seed
        Seed of the permutation draws (reproducible results).
    fdr
        Correct the classes for multiple testing (Benjamini-Hochberg).
    alpha
        Significance level of the boolean ``gi_significant`` column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``units`` (same type, index, order, CRS) with ``gi_z``
        (z-score), ``gi_p`` (two-sided p-value, before FDR), ``gi_class``
        (int: +3/+2/+1 hot at 99/95/90 % confidence, -3/-2/-1 cold, 0 not
        significant; with FDR when ``fdr``), ``gi_label_zh``, ``gi_label_en``
        and ``gi_significant`` (p, FDR-adjusted when ``fdr``, at most
        ``alpha``). Units with no neighbour are compared on their own value;
        a unit whose neighbourhood holds every unit has z and p NaN (its Gi* is
        the global mean: nothing to test) and class 0; when all values are
        equal every z is 0 and every p is 1.

    Raises
    ------
    TypeError
        When ``units`` or ``weights`` has the wrong type.
    InputError
        When values are missing or not numbers, the weights do not match the
        units, or an option is out of range.

    Notes
    -----
    With binary weights ``w_ij`` (``w_ii = 1``), ``W_i = sum_j w_ij``,
    mean ``xbar`` and standard deviation ``s`` (population) of all ``n``
    values::

        z_i = (sum_j w_ij x_j - xbar W_i) / (s sqrt((n W_i - W_i^2) / (n - 1)))

    esda's ``G_Local.p_norm`` is one-tailed; ``gi_p`` is two-tailed.

    References
    ----------
    .. [1] Getis, A., Ord, J. K. (1992). The analysis of spatial association
       by use of distance statistics. *Geographical Analysis* 24(3), 189-206.
    .. [2] Ord, J. K., Getis, A. (1995). Local spatial autocorrelation
       statistics: distributional issues and an application. *Geographical
       Analysis* 27(4), 286-306.
    .. [3] Esri, "How Hot Spot Analysis (Getis-Ord Gi*) works", ArcGIS Pro
       documentation.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"count": [1, 1, 1, 1, 4, 6, 1, 6, 10]},
    ...     geometry=[box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)],
    ...     crs="EPSG:32651",
    ... )
    >>> out = gi_star(cells, "count", fdr=False)
    >>> out["gi_z"].round(2).tolist()[-1], int(out["gi_class"].iloc[-1])
    (2.5, 2)
    """
    _, x, w, keys = _resolve(
        units, values, weights, transform, permutations, seed, fdr, alpha, "gi_star"
    )
    n = len(x)
    card = w.cardinalities
    nb_sum = w.sparse @ x
    xbar = float(x.mean())
    s = float(np.sqrt(max(float(np.mean(x * x)) - xbar * xbar, 0.0)))
    degenerate = n < 2 or s <= 1e-12 * max(abs(xbar), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "B":
            w_i = card + 1.0
            z = (nb_sum + x - xbar * w_i) / (
                s * np.sqrt((n * w_i - w_i * w_i) / (n - 1))
            )
        else:
            z = ((nb_sum + x) / (card + 1.0) - xbar) / s
    z, p = _z_and_p(z, x, w, keys, degenerate, permutations, seed)
    sig_p = fdr_bh(p) if fdr else p
    passed = [np.isfinite(sig_p) & (sig_p <= lvl) for _, lvl in CONFIDENCE_LEVELS]
    classes = _classes(z, passed).astype(np.int64)
    out = units.copy()
    out[GI_Z] = z
    out[GI_P] = p
    out[GI_CLASS] = classes
    out[GI_LABEL_ZH] = _label(GI_CLASSES, classes, "zh")
    out[GI_LABEL_EN] = _label(GI_CLASSES, classes, "en")
    out[GI_SIGNIFICANT] = np.isfinite(sig_p) & (sig_p <= float(alpha))  # type: ignore[arg-type]
    return out


def _label(
    table: dict[Any, dict[str, str]], keys: npt.NDArray[Any], lang: str
) -> pd.api.extensions.ExtensionArray:
    """Labels of integer ``keys`` from a labels table, as a pandas string array."""
    uniq, inv = np.unique(keys, return_inverse=True)
    words = pd.array([table[int(k)][lang] for k in uniq], dtype="str")
    return words.take(inv.ravel())


def _words(names: tuple[str, ...], codes: IntArray) -> pd.api.extensions.ExtensionArray:
    """``names[codes]`` as a pandas string array."""
    return pd.array(list(names), dtype="str").take(codes)


# -- local Moran -----------------------------------------------------------------------


def local_moran(
    units: pd.DataFrame,
    values: str | pd.Series | npt.ArrayLike,
    *,
    weights: Weights = "queen",
    transform: Transform = "R",
    permutations: int = 999,
    seed: int | None = None,
    fdr: bool = True,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Local Moran's I: clusters (high-high, low-low) and outliers (high-low ...).

    Parameters
    ----------
    units, values, weights
        As in :func:`gi_star`.
    transform
        ``"R"`` (default, row-standardised: the lag is the neighbours' mean)
        or ``"B"`` (binary).
    permutations
        Number of conditional permutations for the pseudo p-values (default
        999, as recommended by Anselin 1995); 0 uses the normal approximation
        of the analytic z, which is known to be poor for local Moran.
    seed, fdr, alpha
        As in :func:`gi_star`; a unit's quadrant is reported when its p-value
        (FDR-adjusted when ``fdr``) is at most ``alpha``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``units`` with ``moran_i`` (I_i), ``moran_z`` (analytic
        z-score under total randomisation, esda's ``(Is - EI) / sqrt(VI)``),
        ``moran_p`` (two-sided p-value, permutation when ``permutations``,
        before FDR), ``moran_quadrant`` (``"HH"``, ``"LL"``, ``"HL"``,
        ``"LH"``, or ``"NS"`` when not significant) and its labels
        ``moran_label_zh``, ``moran_label_en``. Units with no neighbour have
        ``moran_i`` 0, ``moran_z`` and ``moran_p`` NaN (not testable) and
        quadrant ``"NS"``; when all values are equal z is 0 and p is 1.

    Raises
    ------
    TypeError, InputError
        As in :func:`gi_star`.

    Notes
    -----
    With ``z_i = (x_i - xbar) / s`` (population s), ``I_i = (n - 1) z_i
    sum_j w_ij z_j / sum_j z_j^2`` as in esda. Quadrants follow esda: HH
    ``z_i > 0`` and lag ``> 0``; LH ``z_i <= 0``, lag ``> 0``; LL both
    ``<= 0``; HL ``z_i > 0``, lag ``<= 0``. Where ``z_i == 0`` every
    permuted I_i equals the observed one and p is 1 (esda reports
    ``1 / (permutations + 1)`` there).

    References
    ----------
    .. [1] Anselin, L. (1995). Local indicators of spatial association -
       LISA. *Geographical Analysis* 27(2), 93-115.
    .. [2] Sokal, R. R., Oden, N. L., Thomson, B. A. (1998). Local spatial
       autocorrelation in a biological model. *Geographical Analysis* 30(4),
       331-354 (moments under total randomisation).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"count": [1, 1, 1, 1, 4, 6, 1, 6, 10]},
    ...     geometry=[box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)],
    ...     crs="EPSG:32651",
    ... )
    >>> out = local_moran(cells, "count", permutations=0, fdr=False, alpha=0.1)
    >>> out["moran_quadrant"].tolist()[-1]
    'HH'
    """
    _, x, w, keys = _resolve(
        units, values, weights, transform, permutations, seed, fdr, alpha, "local_moran"
    )
    n = len(x)
    card = w.cardinalities
    wt = w.transform(transform)  # type: ignore[arg-type]
    s = float(x.std())
    degenerate = n < 3 or s <= 1e-12 * max(abs(float(x.mean())), 1.0)
    zx = (x - x.mean()) / s if not degenerate else np.zeros(n)
    lag = wt @ zx
    den = float((zx * zx).sum())
    i_local = (n - 1) * zx * lag / den if not degenerate else np.zeros(n)
    wi = np.asarray(wt.sum(axis=1)).ravel()
    wi2 = np.asarray(wt.multiply(wt).sum(axis=1)).ravel()
    m2 = den / n
    with np.errstate(divide="ignore", invalid="ignore"):
        b2 = float((zx**4).sum() / n) / m2**2 if not degenerate else 0.0
        n1 = n - 1
        ei = -wi / n1
        vi = wi2 * (n - b2) / n1
        vi += (wi**2 - wi2) * (2 * b2 - n) / (n1 * (n - 2))
        vi -= (-wi / n1) ** 2
        z = (i_local - ei) / np.sqrt(vi)
    island = card == 0
    z, p = _z_and_p(z, x, w, keys, degenerate, permutations, seed)
    z = np.where(island, np.nan, z)
    p = np.where(island, np.nan, p)
    sig_p = fdr_bh(p) if fdr else p
    significant = np.isfinite(sig_p) & (sig_p <= float(alpha))  # type: ignore[arg-type]
    # codes into _QUADS: 0 HH, 1 LH, 2 LL, 3 HL, 4 NS
    high, high_lag = zx > 0, lag > 0
    code = np.where(high, np.where(high_lag, 0, 3), np.where(high_lag, 1, 2))
    code = np.where(significant, code, 4).astype(np.int64)
    out = units.copy()
    out[MORAN_I] = i_local
    out[MORAN_Z] = z
    out[MORAN_P] = p
    out[MORAN_QUADRANT] = _words(_QUADS, code)
    out[MORAN_LABEL_ZH] = _words(tuple(QUADRANTS[q]["zh"] for q in _QUADS), code)
    out[MORAN_LABEL_EN] = _words(tuple(QUADRANTS[q]["en"] for q in _QUADS), code)
    return out
