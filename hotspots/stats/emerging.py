"""Emerging hot spot analysis: where hot and cold spots appear, grow and fade.

The method follows Esri's documented definitions ("How Emerging Hot Spot
Analysis works", ArcGIS Pro):

1. **Space-time Gi*.** Every bin (unit x period) of the space-time cube gets a
   Getis-Ord Gi* z-score whose neighbourhood is the unit itself and its
   spatial neighbours, in the same period and in the previous ``time_lag``
   periods (Esri's "Neighborhood Time Step"), with binary weights and the
   global mean and variance of every analysed bin of the cube.
2. **Significance.** Two-sided p-values, Benjamini-Hochberg false discovery
   rate over all bins, bins classed +-1/2/3 at 90/95/99 % confidence.
3. **Trend.** The Mann-Kendall test on each unit's series of z-scores.
4. **Patterns.** The 17 patterns (new, consecutive, intensifying, persistent,
   diminishing, sporadic, oscillating, historical hot and cold spots, no
   pattern) by the precedence fixed in DESIGN.md section 6.

Everything is vectorised: the space-time weights are the Kronecker product of a
temporal band matrix and the spatial matrix (self included), applied to the
whole ``units x periods`` array with one sparse product and one cumulative
sum, never a loop per unit or per period.

References
----------
.. [1] Getis, A. and Ord, J. K. (1992). The analysis of spatial association by
   use of distance statistics. *Geographical Analysis* 24(3), 189-206.
.. [2] Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation
   statistics: distributional issues and an application. *Geographical
   Analysis* 27(4), 286-306.
.. [3] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works" and "Emerging
   Hot Spot Analysis (Space Time Pattern Mining)".
.. [4] Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery
   rate. *Journal of the Royal Statistical Society B* 57(1), 289-300.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Final, Literal, cast, get_args

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from .._core import labels
from .._core.objects import collector_paused
from .._core.schema import (
    FINAL_P,
    FINAL_Z,
    GRID_ID,
    MK_P,
    MK_TAU,
    MK_Z,
    N_COLD,
    N_HOT,
    PATTERN,
    PATTERN_EN,
    PATTERN_ZH,
    REPORTED_AT,
    Z_SERIES,
)
from .._core.types import FloatArray, IntArray
from .._core.validate import probability, unique_ids, unit_column, whole_number
from ..errors import HotspotsWarning, InputError, collect_problems
from ..spatial.weights import SpatialWeights, spatial_weights
from .local import CONFIDENCE_LEVELS, bh_rejected, fdr_levels
from .trend import mann_kendall

__all__ = [
    "FINAL_P",
    "FINAL_Z",
    "MK_P",
    "MK_TAU",
    "MK_Z",
    "N_COLD",
    "N_HOT",
    "PATTERN",
    "PATTERN_EN",
    "PATTERN_KEYS",
    "PATTERN_ZH",
    "Z_SERIES",
    "EmergingWeights",
    "classify_patterns",
    "emerging_hotspots",
    "space_time_gi_star",
    "space_time_weights",
]

# The output columns (PATTERN, N_HOT, MK_Z, ...) are defined in
# hotspots._core.schema and re-exported here.
#: Every pattern key, in the order of :data:`hotspots._core.labels.PATTERNS`.
PATTERN_KEYS: Final = tuple(labels.PATTERNS)

EmergingWeights = Literal["queen", "rook", "network"]
_WEIGHT_KINDS: Final = get_args(EmergingWeights)
_NO_PATTERN: Final = "no_pattern"
#: Rows of the cube handled at once where a step needs a temporary copy.
_BLOCK_ROWS: Final = 4_096


# -- space-time Gi* ------------------------------------------------------------------


def _binary_spatial(spatial: Any, n: int | None = None) -> sparse.csr_matrix:
    """0/1 CSR matrix with a zero diagonal from a matrix or SpatialWeights."""
    mat = spatial.sparse if isinstance(spatial, SpatialWeights) else spatial
    w = sparse.csr_matrix(mat, dtype=np.float64, copy=True)
    if w.shape[0] != w.shape[1] or (n is not None and w.shape[0] != n):
        msg = (
            f"spatial weights must be a square matrix with one row per unit "
            f"({n} units), got shape {w.shape!r}. Build them from the same units "
            "with hotspots.spatial_weights."
        )
        raise InputError(msg)
    w.sum_duplicates()
    n_rows = w.shape[0]
    rows = np.repeat(np.arange(n_rows), np.diff(w.indptr))
    keep = (w.indices != rows) & (w.data != 0)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=n_rows), out=indptr[1:])
    return sparse.csr_matrix(
        (np.ones(int(keep.sum())), w.indices[keep], indptr), shape=w.shape
    )


def space_time_weights(
    spatial: sparse.spmatrix | sparse.sparray | SpatialWeights,
    n_periods: int,
    *,
    time_lag: int = 1,
) -> sparse.csr_matrix:
    """Build the binary space-time weights of all bins explicitly (Gi*, self in).

    Bin ``t * n + i`` is unit ``i`` in period ``t`` (period-major order, the
    order of ``values.T.ravel()`` for a ``units x periods`` array). Bin
    ``(i, t)`` neighbours bin ``(j, s)`` when ``j`` is ``i`` or one of its
    spatial neighbours and ``t - time_lag <= s <= t``: the matrix is
    ``L kron (I + W)`` with ``L`` the lower band of width ``time_lag``.

    :func:`space_time_gi_star` never builds this matrix (it applies the same
    product in factored form); it is here to document the neighbourhood and to
    hand it to other tools (e.g. ``esda.G_Local``).

    Parameters
    ----------
    spatial
        ``n x n`` spatial weights (any non-zero is a link; the diagonal is
        ignored) or a :class:`~hotspots.spatial.weights.SpatialWeights`.
    n_periods
        Number of periods ``T``.
    time_lag
        Number of previous periods in the neighbourhood (0: the same period
        only).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``nT x nT`` binary matrix with ones on the diagonal.

    References
    ----------
    .. [1] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works"
       (Neighborhood Time Step).
    """
    w = _binary_spatial(spatial)
    n = w.shape[0]
    a = (w + sparse.identity(n, format="csr")).tocsr()
    offsets = list(range(0, -min(time_lag, max(n_periods - 1, 0)) - 1, -1))
    band = sparse.diags(
        [np.ones(n_periods - k) for k in range(len(offsets))],
        offsets,
        shape=(n_periods, n_periods),
        format="csr",
    )
    return sparse.kron(band, a, format="csr")


def space_time_gi_star(
    values: npt.ArrayLike,
    spatial: sparse.spmatrix | sparse.sparray | SpatialWeights,
    *,
    time_lag: int = 1,
) -> tuple[FloatArray, FloatArray]:
    """Compute the space-time Gi* z-score and p-value of every bin at once.

    Parameters
    ----------
    values
        ``units x periods`` array of counts (or weighted sums), chronological
        columns, finite.
    spatial
        ``units x units`` spatial weights: any non-zero is a neighbour link
        (weights are binary), the diagonal is ignored (the unit itself is
        always in its neighbourhood, Gi* "star").
    time_lag
        Number of previous periods in each bin's neighbourhood (Esri's
        Neighborhood Time Step; default 1, 0 for a purely spatial Gi* per
        period).

    Returns
    -------
    z, p
        ``units x periods`` arrays of z-scores and two-sided p-values. When
        every value is equal (no variation) the z-scores are 0 and the
        p-values 1.

    Notes
    -----
    With ``x`` the ``N = n T`` bin values, ``xbar`` and ``s`` their mean and
    (population) standard deviation, and binary weights ``w_ij`` (bins ``j``
    in the space-time neighbourhood of bin ``i``, ``i`` included),
    ``W_i = sum_j w_ij`` and [1]_ [2]_::

        z_i = (sum_j w_ij x_j - xbar W_i) / (s sqrt((N W_i - W_i^2) / (N - 1)))

    The weights matrix is ``L kron (I + W)`` (:func:`space_time_weights`);
    its product with the bins is computed as ``(I + W) X`` (one sparse
    product for all periods) followed by a moving sum over the last
    ``time_lag + 1`` periods (one cumulative sum), so memory and time grow
    linearly with the number of bins. The result equals
    ``esda.G_Local(x, space_time_weights(...), transform="B", star=True)``.

    References
    ----------
    .. [1] Getis, A. and Ord, J. K. (1992). The analysis of spatial
       association by use of distance statistics. *Geographical Analysis*
       24(3), 189-206.
    .. [2] Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation
       statistics: distributional issues and an application. *Geographical
       Analysis* 27(4), 286-306.
    .. [3] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works".

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> w = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> x = np.array([[0, 0, 1, 5], [0, 1, 1, 6], [0, 0, 0, 0]], dtype=float)
    >>> z, p = space_time_gi_star(x, w, time_lag=1)
    >>> z.shape
    (3, 4)
    >>> bool(z[0, 3] > 1.96)
    True
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        msg = (
            f"values must be a 2-D array (units x periods), got shape {x.shape!r}. "
            "Pass the space-time cube's values."
        )
        raise InputError(msg)
    if not np.isfinite(x).all():
        msg = (
            f"values must be finite, got {int((~np.isfinite(x)).sum())} NaN or "
            "infinite values. Fill empty bins with 0."
        )
        raise InputError(msg)
    problem = whole_number(time_lag, "time_lag", example="time_lag=1", minimum=0)
    if problem is not None:
        raise InputError(problem)
    n, t = x.shape
    w = _binary_spatial(spatial, n)
    n_bins = n * t
    if n_bins < 2:
        return np.zeros((n, t)), np.ones((n, t))
    flat = x.ravel()
    mean = float(flat.sum()) / n_bins
    std = float(np.sqrt(max(float(flat @ flat) / n_bins - mean * mean, 0.0)))
    if std <= 1e-12 * max(1.0, abs(mean)):
        return np.zeros((n, t)), np.ones((n, t))

    # local sums: (I + W) X, then a moving sum over the last time_lag + 1 periods,
    # all in one array (each fresh array of a city's cube is 40 MB); numpy
    # subtracts the overlapping columns as if from a copy, made here a block of
    # rows at a time
    z = np.asarray(w @ x)
    z += x
    np.cumsum(z, axis=1, out=z)
    window = min(int(time_lag), t - 1) + 1
    for lo in range(0, n, _BLOCK_ROWS):
        block = z[lo : lo + _BLOCK_ROWS]
        block[:, window:] -= block[:, :-window]
    # bins in each neighbourhood: W_i = (1 + degree) x k periods, k the periods
    # in the window (1 .. time_lag + 1): one block of columns per k
    units_in = 1.0 + np.diff(w.indptr).astype(np.float64)
    for k in range(1, window + 1):
        cols = slice(k - 1, k) if k < window else slice(window - 1, None)
        z[:, cols] -= ((mean * units_in) * float(k))[:, np.newaxis]
        w_sum = units_in * float(k)
        den = std * np.sqrt((n_bins * w_sum - w_sum * w_sum) / (n_bins - 1))
        inv = np.divide(1.0, den, out=np.zeros_like(den), where=den > 0)
        z[:, cols] *= inv[:, np.newaxis]
    p = np.abs(z)
    np.negative(p, out=p)
    ndtr(p, out=p)
    p *= 2.0
    return z, p


# -- classification -------------------------------------------------------------------


def _ninety_percent(n_periods: int) -> int:
    """``ceil(0.9 n)`` in exact integer arithmetic (0.9 * 20 is 18.000000000000004)."""
    return (9 * n_periods + 9) // 10


def classify_patterns(
    bin_classes: npt.ArrayLike,
    mk_z: npt.ArrayLike,
    mk_p: npt.ArrayLike,
    *,
    trend_alpha: float = 0.05,
) -> npt.NDArray[np.object_]:
    """Assign one of the 17 emerging hot spot patterns to every unit.

    A pure function of the significant bins and the trend.

    Parameters
    ----------
    bin_classes
        ``units x periods`` integer array, chronological: > 0 a significant
        hot spot bin, < 0 a significant cold spot bin, 0 not significant (for
        example Gi* classes -3..3 with the bins below the chosen confidence
        set to 0).
    mk_z, mk_p
        Mann-Kendall z-score and p-value of each unit's Gi* z-score series
        (NaN p counts as no significant trend).
    trend_alpha
        Significance level of the Mann-Kendall trend (default 0.05).

    Returns
    -------
    numpy.ndarray
        Object array of pattern keys (keys of :data:`hotspots._core.labels.PATTERNS`),
        one per unit.

    Notes
    -----
    With ``n`` periods, "90 % of the periods" means at least ``ceil(0.9 n)``
    (every period when ``n < 10``). Esri publishes no precedence between
    overlapping definitions; this follows DESIGN.md section 6::

        if hot[-1]:
            if sum(hot) == 1:                      new
            elif sum(hot) >= ceil(0.9 n):          intensifying if trend up,
                                                   diminishing if trend down,
                                                   else persistent
            elif trailing_run(hot) >= 2 and trailing_run(hot) == sum(hot):
                                                   consecutive
            elif any(cold):                        oscillating
            else:                                  sporadic
        elif sum(hot) >= ceil(0.9 n):              historical
        then the same for cold spots (hot and cold swapped; an intensifying
        cold spot trends down); otherwise no pattern.

    So a cold spot followed by a final run of hot spots only is consecutive,
    and a unit hot in 90 % of the periods but not in the final one is
    historical.

    References
    ----------
    .. [1] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works" (the
       pattern definitions).

    Examples
    --------
    >>> import numpy as np
    >>> classes = np.array([[0, 0, 0, 0, 3], [-2, 0, 0, 2, 2], [2, 2, 2, 2, 2]])
    >>> classify_patterns(classes, [0.0, 0.0, 3.1], [1.0, 1.0, 0.002]).tolist()
    ['new_hot', 'consecutive_hot', 'intensifying_hot']
    """
    c = np.asarray(bin_classes)
    if c.ndim != 2 or c.shape[1] < 1:
        msg = (
            f"bin_classes must be a 2-D array (units x periods) with at least one "
            f"period, got shape {c.shape!r}."
        )
        raise InputError(msg)
    n_units, n_periods = c.shape
    z = np.asarray(mk_z, dtype=np.float64).reshape(-1)
    p = np.asarray(mk_p, dtype=np.float64).reshape(-1)
    if z.shape != (n_units,) or p.shape != (n_units,):
        msg = (
            f"mk_z and mk_p must have one value per unit ({n_units}), got "
            f"{z.shape[0]} and {p.shape[0]}."
        )
        raise InputError(msg)
    problem = probability(trend_alpha, "trend_alpha", example="trend_alpha=0.05")
    if problem is not None:
        raise InputError(problem)

    need = _ninety_percent(n_periods)
    trend = np.where(p < trend_alpha, np.sign(z), 0.0)  # NaN p -> no trend
    hot, cold = c > 0, c < 0
    pattern = np.full(n_units, _NO_PATTERN, dtype=object)
    for side, this, other, up in (("hot", hot, cold, 1.0), ("cold", cold, hot, -1.0)):
        count = this.sum(axis=1)
        rev = this[:, ::-1]
        trailing = np.where(rev.all(axis=1), n_periods, np.argmin(rev, axis=1))
        last = this[:, -1]
        choices = np.select(
            [
                last & (count == 1),
                last & (count >= need) & (trend == up),
                last & (count >= need) & (trend == -up),
                last & (count >= need),
                last & (trailing >= 2) & (trailing == count),
                last & other.any(axis=1),
                last,
                count >= need,
            ],
            [
                f"new_{side}",
                f"intensifying_{side}",
                f"diminishing_{side}",
                f"persistent_{side}",
                f"consecutive_{side}",
                f"oscillating_{side}",
                f"sporadic_{side}",
                f"historical_{side}",
            ],
            default=_NO_PATTERN,
        )
        free = pattern == _NO_PATTERN
        pattern[free] = choices[free]
    return pattern


# -- the public entry ------------------------------------------------------------------


def _is_reports(frame: pd.DataFrame) -> bool:
    return isinstance(frame, gpd.GeoDataFrame) or REPORTED_AT in frame.columns


def _cube_values(
    data: pd.DataFrame,
    units: gpd.GeoDataFrame,
    ids: pd.Index,
    *,
    unit: str,
    freq: str,
    problems: list[str],
) -> pd.DataFrame:
    """Return the space-time cube as a units x periods frame (not reindexed)."""
    if _is_reports(data):
        from ..spatial.cube import space_time_cube

        cube: pd.DataFrame = space_time_cube(data, units, unit=unit, freq=freq)
    else:
        cube = data
    if isinstance(cube.columns, pd.MultiIndex):
        problems.append(
            "reports_or_cube must be a cube with one column per period, got a "
            "cube with (category, period) columns. Select one category, e.g. "
            "cube['占道经营'], or build the cube without category=."
        )
        return cube
    unknown = cube.index.difference(ids)
    if len(unknown):
        problems.append(
            f"the cube's index must hold ids of units[{unit!r}], got "
            f"{len(unknown)} unknown ids such as {unknown[:5].tolist()!r}. Build "
            "the cube from the same units (hotspots.space_time_cube(reports, "
            "units))."
        )
    if not cube.index.is_unique:
        problems.append(
            "the cube's index must be unique (one row per unit), got duplicated "
            "ids. Build it with hotspots.space_time_cube."
        )
    return cube


@dataclass(frozen=True)
class _Options:
    """The scalar arguments of :func:`emerging_hotspots`."""

    unit: str
    freq: str
    periods: int | None
    time_lag: int
    alpha: float
    fdr: bool
    trend_alpha: float
    empty_units: str
    z_series: bool = True


def _scalar_problems(opts: _Options) -> list[str]:
    """Return the problems of the scalar arguments (periods, levels, flags)."""
    problems: list[str] = []
    if opts.periods is not None:
        problems.append(
            whole_number(opts.periods, "periods", example="periods=16", minimum=2) or ""
        )
    problems.append(
        whole_number(opts.time_lag, "time_lag", example="time_lag=1", minimum=0) or ""
    )
    for name, value in (("alpha", opts.alpha), ("trend_alpha", opts.trend_alpha)):
        problems.append(probability(value, name, example=f"{name}=0.05") or "")
    for name, flag in (("fdr", opts.fdr), ("z_series", opts.z_series)):
        if not isinstance(flag, bool | np.bool_):
            problems.append(f"{name} must be True or False, got {flag!r}.")
    if opts.empty_units not in ("include", "exclude"):
        problems.append(
            f"empty_units must be 'include' or 'exclude', got {opts.empty_units!r}. "
            "Pass empty_units='exclude' to leave units without reports out, as "
            "Esri does."
        )
    return [p for p in problems if p]


def _weights_problems(weights: object) -> list[str]:
    """Return the problem of ``weights`` unless it is a known kind or SpatialWeights."""
    if isinstance(weights, str) and weights not in _WEIGHT_KINDS:
        return [
            f"weights must be one of {list(_WEIGHT_KINDS)!r} or a SpatialWeights, "
            f"got {weights!r}. For a distance band pass "
            "spatial_weights(units, 'distance', distance_m=..., unit=...)."
        ]
    if not isinstance(weights, str | SpatialWeights):
        return [
            f"weights must be one of {list(_WEIGHT_KINDS)!r} or a SpatialWeights, "
            f"got {type(weights).__name__}."
        ]
    return []


def _validated_ids(
    reports_or_cube: object, units: object, weights: object, opts: _Options
) -> pd.Index:
    """Validate the arguments (every problem, raised once); return the unit ids."""
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    if not isinstance(reports_or_cube, pd.DataFrame):
        msg = (
            "reports_or_cube must be the reports GeoDataFrame or a space-time cube "
            f"DataFrame, got {type(reports_or_cube).__name__}."
        )
        raise TypeError(msg)
    problems = _scalar_problems(opts) + _weights_problems(weights)
    unit = opts.unit
    missing = unit_column(units, unit)
    if missing:
        collect_problems([*problems, missing], "emerging_hotspots")
    ids = pd.Index(units[unit])
    problems += [p for p in [unique_ids(ids, f"units[{unit!r}]")] if p]
    if _is_reports(reports_or_cube) and unit not in reports_or_cube.columns:
        problems.append(
            f"reports must have the unit column {unit!r} (from hotspots.assign), "
            f"got columns {list(reports_or_cube.columns)!r}. Join them first: "
            "hotspots.assign(reports, grid=...)."
        )
    collect_problems(problems, "emerging_hotspots")
    return cast("pd.Index", ids)


def _analysed_cube(
    reports_or_cube: pd.DataFrame,
    units: gpd.GeoDataFrame,
    ids: pd.Index,
    opts: _Options,
) -> tuple[pd.DataFrame, FloatArray]:
    """Return the cube of the analysed periods, one row per unit (missing: 0).

    And its values as floats, the array the statistics read.
    """
    problems: list[str] = []
    cube = _cube_values(
        reports_or_cube, units, ids, unit=opts.unit, freq=opts.freq, problems=problems
    )
    collect_problems(problems, "emerging_hotspots")
    if not cube.index.equals(ids):  # the cube of these units is already aligned
        cube = cube.reindex(ids, fill_value=0)
    if opts.periods is not None:
        cube = cube.iloc[:, -int(opts.periods) :]
    values = cube.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.shape[1] < 2:
        problems.append(
            f"the cube must have at least 2 periods for a trend, got "
            f"{values.shape[1]}. Pass a longer history of reports."
        )
    elif not np.isfinite(values).all():
        problems.append(
            "the cube's values must be finite numbers, got "
            f"{int((~np.isfinite(values)).sum())} missing or infinite. Fill "
            "empty bins with 0."
        )
    collect_problems(problems, "emerging_hotspots")
    return cube, values


@dataclass(frozen=True)
class _UnitStats:
    """The per-unit results of :func:`emerging_hotspots`, one entry per unit."""

    pattern: npt.NDArray[np.object_]
    n_hot: IntArray
    n_cold: IntArray
    mk_tau: FloatArray
    mk_z: FloatArray
    mk_p: FloatArray
    final_z: FloatArray
    final_p: FloatArray
    z_series: list[list[float]] | None
    n_analysed: int


def _significant_classes(
    z: FloatArray, p: FloatArray, opts: _Options
) -> npt.NDArray[np.int8]:
    """Gi* classes of the bins (``int8``), 0 where not significant at ``alpha``."""
    classes = fdr_levels(z, p, fdr=bool(opts.fdr))
    alpha = opts.alpha
    if any(np.isclose(alpha, a) for _, a in CONFIDENCE_LEVELS):
        level = next(lv for lv, a in CONFIDENCE_LEVELS if np.isclose(alpha, a))
        significant = (classes >= level) | (classes <= -level)
    else:
        significant = bh_rejected(p, [alpha])[0] if opts.fdr else p <= alpha
    classes[~significant] = 0  # our own array: no copy
    return classes


def _unit_stats(values: FloatArray, w: sparse.csr_matrix, opts: _Options) -> _UnitStats:
    """Space-time Gi*, significance, trend and pattern of every unit."""
    # |values| summed > 0, without a 40 MB |values| (NaN: no data, as there)
    has_data = (values.max(axis=1, initial=-np.inf) > 0) | (
        values.min(axis=1, initial=np.inf) < 0
    )
    if opts.empty_units == "exclude":  # Esri: only locations with at least one report
        analysed = np.flatnonzero(has_data)
    else:
        analysed = np.arange(len(values)) if has_data.any() else np.arange(0)
    if len(analysed) == len(values):
        x, w_sub = values, w
    else:
        x, w_sub = values[analysed], w[analysed][:, analysed]
    z, p = space_time_gi_star(x, w_sub, time_lag=int(opts.time_lag))
    sig_classes = _significant_classes(z, p, opts)
    mk = mann_kendall(z) if len(analysed) else None

    n_units = values.shape[0]
    pattern = np.full(n_units, _NO_PATTERN, dtype=object)
    n_hot = np.zeros(n_units, dtype=np.int64)
    n_cold = np.zeros(n_units, dtype=np.int64)
    mk_tau, mk_z, mk_p, final_z, final_p = (np.full(n_units, np.nan) for _ in range(5))
    if mk is not None:
        pattern[analysed] = classify_patterns(
            sig_classes, mk.z, mk.p, trend_alpha=opts.trend_alpha
        )
        n_hot[analysed] = (sig_classes > 0).sum(axis=1)
        n_cold[analysed] = (sig_classes < 0).sum(axis=1)
        mk_tau[analysed], mk_z[analysed], mk_p[analysed] = mk.tau, mk.z, mk.p
        final_z[analysed], final_p[analysed] = z[:, -1], p[:, -1]
    return _UnitStats(
        pattern=pattern,
        n_hot=n_hot,
        n_cold=n_cold,
        mk_tau=mk_tau,
        mk_z=mk_z,
        mk_p=mk_p,
        final_z=final_z,
        final_p=final_p,
        z_series=_z_series(z, analysed, n_units) if opts.z_series else None,
        n_analysed=len(analysed),
    )


def _z_series(z: FloatArray, analysed: IntArray, n_units: int) -> list[list[float]]:
    """Each unit's z-scores as a list of floats (empty for a unit not analysed).

    Built with the garbage collector paused: 5.2 million floats for a city's
    100,000 cells over 52 weeks took 0.3-0.5 s to turn into lists with it
    running, 0.12 s without. (A column of Arrow lists was faster still, but
    pandas cannot read its type back from a Parquet file.)
    """
    with collector_paused():
        rows: list[list[float]] = z.tolist()
        if len(analysed) == n_units:
            return rows
        out: list[list[float]] = [[] for _ in range(n_units)]
        for pos, row in zip(analysed.tolist(), rows, strict=True):
            out[pos] = row
        return out


def _result_frame(
    units: gpd.GeoDataFrame, stats: _UnitStats, cube: pd.DataFrame, opts: _Options
) -> gpd.GeoDataFrame:
    """Return a copy of ``units`` with the pattern columns and the run's attrs."""
    out = units.copy()
    out[PATTERN] = stats.pattern
    keys = pd.Series(stats.pattern, index=out.index, dtype=object)
    out[PATTERN_ZH] = keys.map({k: v["zh"] for k, v in labels.PATTERNS.items()})
    out[PATTERN_EN] = keys.map({k: v["en"] for k, v in labels.PATTERNS.items()})
    out[N_HOT] = stats.n_hot
    out[N_COLD] = stats.n_cold
    out[MK_TAU] = stats.mk_tau
    out[MK_Z] = stats.mk_z
    out[MK_P] = stats.mk_p
    out[FINAL_Z] = stats.final_z
    out[FINAL_P] = stats.final_p
    if stats.z_series is not None:
        out[Z_SERIES] = pd.Series(stats.z_series, index=out.index, dtype=object)
    out.attrs.update(
        periods=[str(c) for c in cube.columns],
        alpha=float(opts.alpha),
        trend_alpha=float(opts.trend_alpha),
        time_lag=int(opts.time_lag),
        fdr=bool(opts.fdr),
        empty_units=opts.empty_units,
    )
    return out


def emerging_hotspots(
    reports_or_cube: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str = GRID_ID,
    freq: str = "W-MON",
    periods: int | None = None,
    weights: EmergingWeights | SpatialWeights = "queen",
    time_lag: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
    trend_alpha: float = 0.05,
    empty_units: Literal["include", "exclude"] = "include",
    z_series: bool = True,
) -> gpd.GeoDataFrame:
    """Classify every unit into one of the 17 emerging hot spot patterns.

    Parameters
    ----------
    reports_or_cube
        Either the reports (a GeoDataFrame as returned by
        ``hotspots.assign``, with the ``unit`` column), aggregated here with
        ``hotspots.space_time_cube(reports, units, unit=unit, freq=freq)``, or
        a ready space-time cube: a DataFrame indexed by unit id with one
        column per period (chronological) holding counts or weighted sums.
        Units missing from the cube count zero. Not modified.
    units
        GeoDataFrame of the units (grid cells or street segments) with the id
        column ``unit``. Not modified; the result keeps its index, row order,
        columns and CRS.
    unit
        Name of the id column (``"grid_id"``, ``"segment_id"``, ...).
    freq
        Period of the cube built from reports (pandas frequency, default
        weeks starting on Monday). Ignored for a ready cube.
    periods
        Analyse only the last ``periods`` periods (None: all of them; at
        least 2).
    weights
        Spatial neighbours: ``"queen"`` or ``"rook"`` contiguity for polygons,
        ``"network"`` for street segments sharing an end node, or a prebuilt
        :class:`~hotspots.spatial.weights.SpatialWeights` of the same units (any kind,
        e.g. a distance band). Used as binary weights.
    time_lag
        Number of previous periods in each bin's neighbourhood (Esri's
        Neighborhood Time Step, default 1).
    alpha
        Significance level at which a bin counts as a hot or cold spot for
        the patterns (default 0.05, i.e. 95 % confidence), after the false
        discovery rate correction when ``fdr``.
    fdr
        Correct the bins' p-values for multiple testing with
        Benjamini-Hochberg over all analysed bins, as Esri does (default).
    trend_alpha
        Significance level of the Mann-Kendall trend (default 0.05).
    empty_units
        ``"include"`` (default): every unit is analysed, and a unit without
        any report counts as zeros, because a city's own grid cells or
        street segments are all places someone is responsible for, and a
        neighbourhood without reports is information (it can be a cold spot).
        ``"exclude"``: as Esri does for cubes aggregated from points, units
        without any report in the analysed periods are left out of the
        analysis (not neighbours, not in the mean and variance) and get
        ``no_pattern``, NaN statistics and an empty ``z_series``.
    z_series
        Add the ``z_series`` column (default). False leaves it out: for a
        city's 100,000 cells over 52 weeks its lists hold 5.2 million Python
        floats, about 180 MB, which the weekly job's outputs do not use
        (building them took 0.3-0.7 s of its run). Every other column is the
        same either way.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` with the columns ``pattern`` (key of
        :data:`hotspots._core.labels.PATTERNS`), ``pattern_zh``, ``pattern_en``,
        ``n_hot`` and ``n_cold`` (periods that are significant hot / cold
        spots at ``alpha``), ``mk_tau``, ``mk_z``, ``mk_p`` (Mann-Kendall
        trend of the unit's z-scores: Kendall's tau-b, z and two-sided p),
        ``final_z`` and ``final_p`` (Gi* z and uncorrected two-sided p of the
        last period) and, unless ``z_series=False``, ``z_series`` (list of the
        unit's z-scores, one per period, for sparklines). ``result.attrs``
        holds ``periods`` (the period labels), ``alpha``, ``trend_alpha``,
        ``time_lag``, ``fdr`` and ``empty_units``.

    Raises
    ------
    TypeError
        When ``units`` is not a GeoDataFrame or ``reports_or_cube`` not a
        DataFrame.
    InputError
        When an argument is out of range, the ids do not match or the cube
        has fewer than 2 periods.

    Notes
    -----
    Each bin's neighbourhood is the unit and its spatial neighbours in the
    same period and in the ``time_lag`` previous periods; the Gi* uses
    binary weights and the mean and variance of every analysed bin
    (:func:`space_time_gi_star`). Bins are then classed +-1/2/3 at 90/95/99 %
    (after FDR), a bin is hot or cold for the patterns when significant at
    ``alpha``, each unit's z-scores are tested for a trend with
    :func:`hotspots.stats.trend.mann_kendall`, and :func:`classify_patterns` names
    the pattern.

    References
    ----------
    .. [1] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works".
    .. [2] Getis, A. and Ord, J. K. (1992). *Geographical Analysis* 24(3),
       189-206; Ord, J. K. and Getis, A. (1995). *Geographical Analysis*
       27(4), 286-306.
    .. [3] Mann, H. B. (1945). *Econometrica* 13(3), 245-259.
    .. [4] Benjamini, Y. and Hochberg, Y. (1995). *JRSS B* 57(1), 289-300.

    Examples
    --------
    A 6 x 6 grid whose corner cell and its neighbours fill up in the last
    three of ten weeks:

    >>> import geopandas as gpd
    >>> import numpy as np
    >>> import pandas as pd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"grid_id": [f"g{r}{c}" for r in range(6) for c in range(6)]},
    ...     geometry=[box(c, r, c + 1, r + 1) for r in range(6) for c in range(6)],
    ...     crs="EPSG:32651",
    ... )
    >>> counts = np.random.default_rng(0).poisson(1.0, size=(36, 10))
    >>> counts[[0, 1, 6, 7], 7:] += 12
    >>> cube = pd.DataFrame(counts, index=cells["grid_id"])
    >>> cube.columns = [f"2026-W{w}" for w in range(38, 48)]
    >>> result = emerging_hotspots(cube, cells)
    >>> print(result.loc[0, "pattern"], result.loc[0, "pattern_zh"])
    consecutive_hot 连续热点
    >>> int(result.loc[0, "n_hot"])
    3
    """
    opts = _Options(
        unit=unit,
        freq=freq,
        periods=periods,
        time_lag=time_lag,
        alpha=alpha,
        fdr=fdr,
        trend_alpha=trend_alpha,
        empty_units=empty_units,
        z_series=z_series,
    )
    ids = _validated_ids(reports_or_cube, units, weights, opts)
    cube, values = _analysed_cube(reports_or_cube, units, ids, opts)
    if isinstance(weights, SpatialWeights):
        sw = weights.align(ids)
    else:
        sw = spatial_weights(units, weights, unit=unit)
    stats = _unit_stats(values, _binary_spatial(sw, len(ids)), opts)
    out = _result_frame(units, stats, cube, opts)
    if stats.n_analysed == 0:
        warnings.warn(
            "emerging_hotspots: no unit has a report in the analysed periods; every "
            "unit gets 'no_pattern'.",
            HotspotsWarning,
            stacklevel=2,
        )
    return out
