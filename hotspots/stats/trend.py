"""The Mann-Kendall trend test, vectorised over many series at once.

Emerging hot spot analysis tests every location's series of Gi* z-scores for
a monotonic trend. With 100,000 locations a loop per location is out of the
question; :func:`mann_kendall` works on a 2-D array (series x periods) and
loops only over the time lags (and blocks of a few thousand series), with
numpy operations over every series of a block.

References
----------
.. [1] Mann, H. B. (1945). Nonparametric tests against trend.
   *Econometrica* 13(3), 245-259.
.. [2] Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed. Griffin.
.. [3] Hipel, K. W. and McLeod, A. I. (1994). *Time Series Modelling of Water
   Resources and Environmental Systems*, section 23.3 (tie-corrected variance
   and continuity correction).
.. [4] Esri, ArcGIS Pro, "How Create Space Time Cube works" (the Mann-Kendall
   trend of each location's time series).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from .._core.types import FloatArray
from ..errors import InputError

__all__ = ["MannKendallResult", "mann_kendall"]

#: Series scored at once (with 52 periods, 2 MB a float array).
_BLOCK_ROWS: Final = 4_096


@dataclass(frozen=True)
class MannKendallResult:
    """The Mann-Kendall statistics of each series (arrays of one value per series).

    Attributes
    ----------
    s
        Kendall's score S: the number of later-minus-earlier pairs that
        increase minus the number that decrease.
    var_s
        The variance of S under the null hypothesis of no trend, corrected for
        ties.
    tau
        Kendall's tau-b between time and the values, ``S / sqrt(n0 (n0 - n1))``
        with ``n0 = n (n - 1) / 2`` and ``n1`` the number of tied value pairs;
        equal to ``scipy.stats.kendalltau(range(n), x).statistic``. NaN for a
        constant series.
    z
        The standard normal score ``(S - sign(S)) / sqrt(var_s)`` (continuity
        corrected); 0 for a constant series.
    p
        The two-sided p-value ``2 (1 - Phi(|z|))``; 1 for a constant series.
    """

    s: FloatArray
    var_s: FloatArray
    tau: FloatArray
    z: FloatArray
    p: FloatArray


def mann_kendall(values: npt.ArrayLike) -> MannKendallResult:
    """Run the Mann-Kendall trend test on every row of ``values``.

    Parameters
    ----------
    values
        A 2-D array, one series per row and one period per column
        (chronological), or a 1-D array taken as one series. Rows holding a
        NaN get NaN in every output.

    Returns
    -------
    MannKendallResult
        Arrays with one value per row (length 1 for a 1-D input).

    Raises
    ------
    InputError
        If ``values`` is not numeric, not 1-D or 2-D, or has fewer than 2
        periods.

    Notes
    -----
    With ``n`` periods, ``S = sum_{i<j} sign(x_j - x_i)`` and, with ties,
    ``Var(S) = [n(n-1)(2n+5) - sum_g t_g(t_g-1)(2t_g+5)] / 18`` where ``t_g``
    is the size of the g-th group of tied values [1]_ [2]_ [3]_. The z-score
    applies the continuity correction of one unit of S towards zero, and the
    p-value is two-sided. Kendall's tau reported is tau-b against time (time
    itself has no ties), the tau of ``scipy.stats.kendalltau`` [2]_.

    The work is ``O(n^2)`` per series but vectorised: one numpy operation per
    time lag over blocks of a few thousand series at once.

    References
    ----------
    .. [1] Mann, H. B. (1945). Nonparametric tests against trend.
       *Econometrica* 13(3), 245-259.
    .. [2] Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed.
    .. [3] Hipel, K. W. and McLeod, A. I. (1994). *Time Series Modelling of
       Water Resources and Environmental Systems*, section 23.3.

    Examples
    --------
    >>> r = mann_kendall([[1.0, 2.0, 3.0, 4.0, 5.0], [5.0, 4.0, 4.0, 2.0, 1.0]])
    >>> r.s.tolist()
    [10.0, -9.0]
    >>> r.tau.round(4).tolist()
    [1.0, -0.9487]
    >>> r.p.round(4).tolist()
    [0.0275, 0.0433]
    """
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        msg = (
            f"values must be numbers (a 1-D series or a 2-D array), got "
            f"{type(values).__name__} that does not convert to floats ({err}). "
            "Convert it first, e.g. with pd.to_numeric."
        )
        raise InputError(msg) from err
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        msg = (
            f"values must be a 1-D series or a 2-D array (series x periods), got "
            f"an array of shape {x.shape!r}. Pass one row per series."
        )
        raise InputError(msg)
    n_series, n = x.shape
    if n < 2:
        msg = (
            f"values must have at least 2 periods (columns) for a trend test, got "
            f"{n!r}. Pass a longer series."
        )
        raise InputError(msg)

    has_nan = np.asarray(np.isnan(x).any(axis=1), dtype=bool)
    s = np.empty(n_series, dtype=np.float64)
    tie_var = np.zeros(n_series, dtype=np.float64)
    tied_pairs = np.zeros(n_series, dtype=np.float64)
    # blocks of rows: every temporary is a few MB that the allocator reuses,
    # not a fresh 40 MB array of a city's 100,000 series x 52 periods
    for lo in range(0, n_series, _BLOCK_ROWS):
        rows = slice(lo, lo + _BLOCK_ROWS)
        block = x[rows]
        if has_nan[rows].any():
            block = np.where(has_nan[rows, np.newaxis], 0.0, block)
        s[rows], tie_var[rows], tied_pairs[rows] = _scores(block)

    n0 = n * (n - 1) / 2.0
    var_s = (n * (n - 1) * (2 * n + 5) - tie_var) / 18.0
    constant = var_s <= 0
    safe_var = np.where(constant, 1.0, var_s)
    z = np.where(constant, 0.0, (s - np.sign(s)) / np.sqrt(safe_var))
    p = np.where(constant, 1.0, 2.0 * ndtr(-np.abs(z)))
    tau_den = np.sqrt(n0 * (n0 - tied_pairs))
    tau = np.where(constant, np.nan, s / np.where(constant, 1.0, tau_den))

    outputs = [s, var_s, tau, z, p]
    for arr in outputs:
        arr[has_nan] = np.nan
    return MannKendallResult(s=s, var_s=var_s, tau=tau, z=z, p=p)


def _scores(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """S, the ties' variance term and the tied pairs of each row (finite values)."""
    n_series, n = x.shape
    # Dense ranks (ties share a rank) in a small integer type: the signs of the
    # pairwise differences of the ranks are those of the values, and small
    # integers make the O(n^2) pass several times faster than floats.
    order = np.argsort(x, axis=1)
    xs = np.take_along_axis(x, order, axis=1)
    starts_mask = np.ones((n_series, n), dtype=bool)
    starts_mask[:, 1:] = xs[:, 1:] != xs[:, :-1]
    rank_type = np.int8 if n <= 127 else np.int16 if n <= 32_767 else np.int32
    dense = np.cumsum(starts_mask, axis=1, dtype=rank_type)  # ranks fit the type
    np.subtract(dense, 1, out=dense)
    ranks = np.empty_like(dense)
    np.put_along_axis(ranks, order, dense, axis=1)
    rt = np.ascontiguousarray(ranks.T)

    # S: one vectorised pass per time lag k over all pairs (t, t + k).
    s_int = np.zeros(n_series, dtype=np.int64)
    buffer = np.empty((n - 1) * n_series, dtype=rank_type)  # one for every lag
    for k in range(1, n):
        diff = buffer[: (n - k) * n_series].reshape(n - k, n_series)
        np.subtract(rt[k:], rt[:-k], out=diff)
        np.sign(diff, out=diff)
        # each lag sums at most n - 1 signs: int32 is exact and faster
        s_int += diff.sum(axis=0, dtype=np.int32)

    # Ties: the sizes of the runs of equal values in each sorted row (only the
    # rows that have a tie need the work).
    tie_var = np.zeros(n_series, dtype=np.float64)
    tied_pairs = np.zeros(n_series, dtype=np.float64)
    tied_rows = np.flatnonzero(~starts_mask.all(axis=1))
    if tied_rows.size:
        flat = starts_mask[tied_rows].ravel()
        starts = np.flatnonzero(flat)
        lengths = np.diff(np.append(starts, flat.size)).astype(np.float64)
        row_of = starts // n
        tie_var[tied_rows] = np.bincount(
            row_of,
            weights=lengths * (lengths - 1) * (2 * lengths + 5),
            minlength=tied_rows.size,
        )
        tied_pairs[tied_rows] = np.bincount(
            row_of, weights=lengths * (lengths - 1) / 2, minlength=tied_rows.size
        )
    return s_int.astype(np.float64), tie_var, tied_pairs
