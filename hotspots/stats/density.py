"""Kernel density surface of reports on a regular grid, in reports per km².

:func:`kernel_density` estimates ``f(s) = 1e6 * sum_i w_i K_h(s - s_i)``
(reports per square kilometre; ``w_i = 1`` unless a weight column is given)
at the centres of a regular grid of ``cell_size_m`` metres in a local metric
CRS. The kernel ``K_h`` integrates to one over the plane (its values sampled
on the grid are normalised to sum to one, which also absorbs the Gaussian
cut-off at 5 bandwidths), so the surface integrates to the number (or total
weight) of the reports within reach of the grid.

The sum is computed by *linear binning* followed by one FFT convolution
(:func:`scipy.signal.fftconvolve`) of the binned counts with the kernel
sampled on the grid [1]_: the cost is O(n + G log G) for n reports and G
cells instead of O(n G) for a direct sum (scikit-learn's
:class:`~sklearn.neighbors.KernelDensity`), with a relative error of order
``(cell_size_m / bandwidth_m)**2`` (below 1 % of the peak when the bandwidth
is at least four cells; see ``tests/test_density.py``). Measured
(``benchmarks/bench_cluster.py``): 1,000,000 reports on a 1,269 x 1,264 grid
of 25 m cells with a 100 m bandwidth in 1-2.4 s, within 8e-4 of the peak of
scikit-learn's exact values, which take 9-16 s per 100 cells.

:func:`density_at` reads the surface at the centroids of units (grid cells,
points, midpoints of street segments) for ranking.

References
----------
.. [1] Wand, M. P. (1994). Fast computation of multivariate kernel
   estimators. Journal of Computational and Graphical Statistics 3(4),
   433-445.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from .._core.crs import metric_crs_for
from .._core.schema import CELL_COL, CELL_ROW, DENSITY
from .._core.types import CRSLike, ExtentLike, FloatArray
from .._core.validate import is_real, positive_number, require_real
from ..errors import CRSError, InputError, collect_problems
from .cluster import metric_points, reports_frame

__all__ = [
    "CELL_COL",
    "CELL_ROW",
    "DENSITY",
    "MAX_CELLS",
    "DensitySurface",
    "bandwidth_rule",
    "density_at",
    "kernel_density",
]

Kernel = Literal["gaussian", "quartic"]
Rule = Literal["scott", "silverman"]

# DENSITY, CELL_ROW, CELL_COL: defined in hotspots._core.schema, re-exported here.
#: Largest grid :func:`kernel_density` builds (cells), about 400 MB of floats.
MAX_CELLS: Final = 25_000_000
#: The Gaussian kernel is cut off at this many bandwidths (mass lost: e^-12.5).
GAUSSIAN_CUTOFF: Final = 5.0
_KERNELS: Final = ("gaussian", "quartic")
_RULES: Final = ("scott", "silverman")
_PER_KM2: Final = 1e6
#: Below this spread (metres) points count as one spot for the bandwidth rules.
_MIN_SPREAD_M: Final = 1e-6


@dataclass(frozen=True)
class DensitySurface:
    """A kernel density surface on a regular grid in a metric CRS.

    Attributes
    ----------
    density
        ``(n_rows, n_cols)`` array of reports per km² at the cell centres;
        row 0 is the northern edge (raster order).
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the grid in ``crs`` (metres).
    cell_size_m
        Side of a square cell in metres.
    crs
        The metric CRS of the grid.
    source_crs
        The CRS of the reports (``to_frame`` returns cells in it by default).
    bandwidth_m
        Gaussian standard deviation, or quartic radius, in metres.
    kernel
        ``"gaussian"`` or ``"quartic"``.
    total
        Number (or total weight) of reports that went into the surface.
    """

    density: FloatArray
    bounds: tuple[float, float, float, float]
    cell_size_m: float
    crs: pyproj.CRS
    source_crs: pyproj.CRS
    bandwidth_m: float
    kernel: str
    total: float

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)`` of the grid."""
        rows, cols = self.density.shape
        return int(rows), int(cols)

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """Affine transform ``(a, b, c, d, e, f)`` as in rasterio/GDAL order.

        ``x = a * col + b * row + c`` and ``y = d * col + e * row + f`` for the
        top-left corner of a cell.
        """
        xmin, _, _, ymax = self.bounds
        return (self.cell_size_m, 0.0, xmin, 0.0, -self.cell_size_m, ymax)

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """Metric x and y of every cell centre, each shaped like ``density``."""
        rows, cols = self.shape
        xmin, _, _, ymax = self.bounds
        xs = xmin + (np.arange(cols) + 0.5) * self.cell_size_m
        ys = ymax - (np.arange(rows) + 0.5) * self.cell_size_m
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy

    def at(self, x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
        """Density at metric points by bilinear interpolation of the cell centres.

        Points outside the grid give NaN.
        """
        px = np.asarray(x, dtype=np.float64)
        py = np.asarray(y, dtype=np.float64)
        rows, cols = self.shape
        xmin, ymin, xmax, ymax = self.bounds
        fc = (px - xmin) / self.cell_size_m - 0.5
        fr = (ymax - py) / self.cell_size_m - 0.5
        inside = (px >= xmin) & (px <= xmax) & (py >= ymin) & (py <= ymax)
        fc = np.clip(np.nan_to_num(fc), 0.0, cols - 1.0)
        fr = np.clip(np.nan_to_num(fr), 0.0, rows - 1.0)
        c0 = np.minimum(np.floor(fc).astype(np.int64), max(cols - 2, 0))
        r0 = np.minimum(np.floor(fr).astype(np.int64), max(rows - 2, 0))
        c1 = np.minimum(c0 + 1, cols - 1)
        r1 = np.minimum(r0 + 1, rows - 1)
        a = fc - c0
        b = fr - r0
        d = self.density
        value = (
            d[r0, c0] * (1 - a) * (1 - b)
            + d[r0, c1] * a * (1 - b)
            + d[r1, c0] * (1 - a) * b
            + d[r1, c1] * a * b
        )
        return np.where(inside, value, np.nan)

    def to_frame(
        self, *, min_density: float = 0.0, crs: CRSLike = "source"
    ) -> gpd.GeoDataFrame:
        """Return the cells with density above ``min_density`` as square polygons.

        Parameters
        ----------
        min_density
            Keep cells with ``density > min_density`` (reports per km²); the
            default drops cells beyond the reach of every kernel.
        crs
            ``"source"`` (default): the reports' CRS (EPSG:4326 for the
            canonical frame, ready for maps); ``"metric"``: the metric CRS;
            or any CRS pyproj accepts.

        Returns
        -------
        geopandas.GeoDataFrame
            ``cell_row``, ``cell_col``, ``density`` (reports per km²) and the
            cell ``geometry``, in raster order (north to south, west to east).
        """
        keep = self.density > float(min_density)
        rows, cols = np.nonzero(keep)
        xmin, _, _, ymax = self.bounds
        x0 = xmin + cols * self.cell_size_m
        y1 = ymax - rows * self.cell_size_m
        cells = shapely.box(x0, y1 - self.cell_size_m, x0 + self.cell_size_m, y1)
        frame = gpd.GeoDataFrame(
            {
                CELL_ROW: rows.astype(np.int64),
                CELL_COL: cols.astype(np.int64),
                DENSITY: self.density[keep],
            },
            geometry=gpd.GeoSeries(cells, crs=self.crs),
            crs=self.crs,
        )
        if isinstance(crs, str) and crs == "metric":
            return frame
        target = self.source_crs if isinstance(crs, str) and crs == "source" else crs
        return frame.to_crs(target)


def _weighted_std(v: FloatArray, w: FloatArray) -> float:
    mean = float(np.average(v, weights=w))
    return math.sqrt(float(np.average((v - mean) ** 2, weights=w)))


def bandwidth_rule(
    xy: npt.ArrayLike, *, rule: Rule = "scott", weights: npt.ArrayLike | None = None
) -> float:
    """Compute a bandwidth in metres from the spread of metric points.

    With ``n`` the (effective) number of points, ``s_x`` and ``s_y`` the
    standard deviations of the coordinates:

    * ``"scott"``: ``h = sqrt((s_x² + s_y²) / 2) * n ** (-1/6)``, the normal
      reference rule of Scott (1992) [1]_ for d = 2 with one isotropic
      bandwidth (in two dimensions Silverman's normal reference rule is the
      same, as ``(4 / (d + 2)) ** (1 / (d + 4)) = 1``);
    * ``"silverman"``: ``h = 0.9 * min(SD, sqrt(1 / ln 2) * D_m) * n ** (-1/5)``,
      Silverman's robust rule of thumb (1986, eq. 3.31) [2]_ in the spatial
      form ArcGIS Pro uses for its default kernel density radius [3]_, with
      ``SD = sqrt(s_x² + s_y²)`` the standard distance and ``D_m`` the median
      distance to the (weighted) mean centre.

    With weights, ``n = (Σw)² / Σw²`` (Kish's effective sample size) and the
    moments are weighted.

    Parameters
    ----------
    xy
        ``(n, 2)`` metric coordinates in metres.
    rule
        ``"scott"`` or ``"silverman"``.
    weights
        Optional non-negative weight per point.

    Returns
    -------
    float
        The bandwidth in metres.

    Raises
    ------
    InputError
        Fewer than two distinct points (the spread is zero) or an unknown rule.

    References
    ----------
    .. [1] Scott, D. W. (1992). Multivariate Density Estimation. Wiley,
       section 6.3.
    .. [2] Silverman, B. W. (1986). Density Estimation for Statistics and Data
       Analysis. Chapman & Hall, section 3.4.2.
    .. [3] Esri, ArcGIS Pro, "How Kernel Density works" (default search
       radius).

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.random.default_rng(0).normal(0, 100, (1000, 2))
    >>> round(bandwidth_rule(xy) / 100, 1)  # about 1000 ** (-1/6) = 0.32
    0.3
    """
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if rule not in _RULES:
        msg = (
            f"bandwidth rule must be 'scott' or 'silverman', got {rule!r}. Pass "
            "a rule name or a bandwidth in metres."
        )
        raise InputError(msg)
    w = (
        np.ones(len(pts))
        if weights is None
        else np.asarray(weights, dtype=np.float64).reshape(-1)
    )
    sw = float(w.sum())
    n_eff = sw * sw / float((w * w).sum()) if sw > 0 else 0.0
    sx = _weighted_std(pts[:, 0], w) if sw > 0 else 0.0
    sy = _weighted_std(pts[:, 1], w) if sw > 0 else 0.0
    if n_eff < 2 or sx + sy <= _MIN_SPREAD_M:
        msg = (
            f"cannot estimate a {rule!r} bandwidth from {len(pts)} reports "
            "without spread. Pass bandwidth_m in metres, e.g. bandwidth_m=100."
        )
        raise InputError(msg)
    if rule == "scott":
        return float(math.sqrt((sx * sx + sy * sy) / 2.0) * n_eff ** (-1.0 / 6.0))
    sd = math.sqrt(sx * sx + sy * sy)
    centre = np.average(pts, axis=0, weights=w)
    dist = np.hypot(pts[:, 0] - centre[0], pts[:, 1] - centre[1])
    order = np.argsort(dist)
    cum = np.cumsum(w[order])
    median = float(dist[order][np.searchsorted(cum, 0.5 * sw)])
    spread = min(sd, math.sqrt(1.0 / math.log(2.0)) * median) if median > 0 else sd
    return float(0.9 * spread * n_eff ** (-0.2))


def _kernel_values(d2: FloatArray, h: float, kernel: str) -> FloatArray:
    """Kernel density (per m²) at squared distances ``d2``."""
    if kernel == "gaussian":
        return np.exp(-0.5 * d2 / (h * h)) / (2.0 * math.pi * h * h)
    u = 1.0 - d2 / (h * h)
    return np.where(u > 0, 3.0 / (math.pi * h * h) * u * u, 0.0)


def _metres(value: object, name: str, example: str) -> list[str]:
    """Return the problem (none or one) unless ``value`` is positive metres."""
    problem = positive_number(value, name, example=example, unit="metres")
    return [] if problem is None else [problem]


def _validate(
    reports: object,
    bandwidth_m: object,
    cell_size_m: object,
    kernel: object,
    weight: object,
) -> None:
    frame = reports_frame(reports)
    problems: list[str] = []
    if isinstance(bandwidth_m, str):
        if bandwidth_m not in _RULES:
            problems.append(
                f"bandwidth_m must be a number of metres or 'scott' or "
                f"'silverman', got {bandwidth_m!r}. Pass e.g. bandwidth_m=100."
            )
    elif not is_real(bandwidth_m):
        msg = (
            f"bandwidth_m must be a number of metres or a rule name, got "
            f"{bandwidth_m!r} of type {type(bandwidth_m).__name__}. Pass e.g. "
            "bandwidth_m=100 or bandwidth_m='scott'."
        )
        raise TypeError(msg)
    else:
        problems += _metres(bandwidth_m, "bandwidth_m", "bandwidth_m=100 or 'scott'")
    require_real(cell_size_m, "cell_size_m", example="cell_size_m=50")
    problems += _metres(cell_size_m, "cell_size_m", "cell_size_m=50")
    if kernel not in _KERNELS:
        problems.append(
            f"kernel must be 'gaussian' or 'quartic', got {kernel!r}. Pass e.g. "
            "kernel='gaussian'."
        )
    if weight is not None:
        if not isinstance(weight, str) or weight not in frame.columns:
            problems.append(
                f"weight must be None or the name of a numeric column of "
                f"reports, got {weight!r}. Pass e.g. weight='weight'."
            )
        else:
            values = pd.to_numeric(frame[weight], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            bad = ~np.isfinite(values) | (values < 0)
            if bad.any():
                problems.append(
                    f"reports[{weight!r}] must be finite and >= 0, got "
                    f"{int(bad.sum())} other values. Fill or fix them first."
                )
    collect_problems(problems, "invalid arguments to kernel_density")


def _extent_zone(extent: object, source: pyproj.CRS) -> pyproj.CRS | None:
    """Return the UTM zone of ``extent`` (the one policy), or None if it has none.

    Used when there are no reports to choose the zone from; an invalid
    extent gives None and is reported by :func:`_extent_metric`.
    """
    if isinstance(extent, gpd.GeoDataFrame | gpd.GeoSeries):
        if extent.crs is None or len(extent) == 0:
            return None
        return metric_crs_for(gpd.GeoSeries(extent.geometry))
    values = list(extent) if isinstance(extent, tuple | list) else []
    if len(values) != 4 or not all(is_real(v) for v in values):
        return None
    x0, y0, x1, y1 = (float(v) for v in values)
    if not (x0 < x1 and y0 < y1) or not all(math.isfinite(v) for v in values):
        return None
    return metric_crs_for(np.array([shapely.box(x0, y0, x1, y1)]), crs=source)


def _extent_metric(
    extent: object, source: pyproj.CRS, metric: pyproj.CRS
) -> tuple[float, float, float, float]:
    if isinstance(extent, gpd.GeoDataFrame | gpd.GeoSeries):
        if extent.crs is None:
            msg = (
                "extent has no CRS. Set it, e.g. extent.set_crs('EPSG:4326'), "
                "or pass a (xmin, ymin, xmax, ymax) tuple in the reports' CRS."
            )
            raise CRSError(msg)
        if len(extent) == 0:
            msg = "extent is an empty frame. Pass the units that bound the surface."
            raise InputError(msg)
        x0, y0, x1, y1 = extent.to_crs(metric).total_bounds
        return float(x0), float(y0), float(x1), float(y1)
    values = list(extent) if isinstance(extent, tuple | list) else []
    if len(values) != 4 or not all(is_real(v) for v in values):
        msg = (
            f"extent must be None, a GeoDataFrame/GeoSeries or a tuple "
            f"(xmin, ymin, xmax, ymax) in the reports' CRS, got {extent!r}."
        )
        raise InputError(msg)
    x0, y0, x1, y1 = (float(v) for v in values)
    if not (x0 < x1 and y0 < y1) or not all(math.isfinite(v) for v in values):
        msg = (
            f"extent must satisfy xmin < xmax and ymin < ymax, got {extent!r}. "
            "Pass (xmin, ymin, xmax, ymax)."
        )
        raise InputError(msg)
    if source.equals(metric):
        return x0, y0, x1, y1
    tr = pyproj.Transformer.from_crs(source, metric, always_xy=True)
    bx0, by0, bx1, by1 = tr.transform_bounds(x0, y0, x1, y1, densify_pts=21)
    return float(bx0), float(by0), float(bx1), float(by1)


def kernel_density(
    reports: gpd.GeoDataFrame,
    *,
    bandwidth_m: float | Rule = "scott",
    cell_size_m: float = 50.0,
    extent: ExtentLike | None = None,
    weight: str | None = None,
    kernel: Kernel = "gaussian",
    metric_crs: CRSLike | None = None,
) -> DensitySurface:
    """Kernel density of reports on a regular grid, in reports per km².

    Parameters
    ----------
    reports
        Point reports with a CRS (the frame of :func:`hotspots.read_reports`).
        Not modified. Reports without a geometry raise (never dropped).
    bandwidth_m
        The kernel's scale in metres (Gaussian standard deviation, quartic
        radius), or ``"scott"`` / ``"silverman"`` to derive it from the spread
        of the reports (:func:`bandwidth_rule`).
    cell_size_m
        Side of the square grid cells in metres. Keep it at most a quarter of
        the bandwidth for an accurate surface.
    extent
        Area of the grid: None (the reports' bounds widened by the kernel's
        reach), a GeoDataFrame/GeoSeries (e.g. the unit grid; its bounds), or
        ``(xmin, ymin, xmax, ymax)`` in the reports' CRS. The grid is aligned
        to multiples of ``cell_size_m`` in the metric CRS, so surfaces of
        different weeks line up. Reports outside the extent still count for
        the cells they reach.
    weight
        Optional column of non-negative report weights (e.g. ``"weight"``).
    kernel
        ``"gaussian"`` (default; cut off at 5 bandwidths) or ``"quartic"``
        (biweight, ``3 / (π h²) (1 - d²/h²)²`` within ``h``, the kernel of
        ArcGIS Kernel Density).
    metric_crs
        Projected CRS in metres; default the UTM zone of the reports, whatever
        their own CRS (the one policy, :func:`hotspots._core.crs.metric_crs_for`).

    Returns
    -------
    DensitySurface
        The grid (``density`` in reports per km², raster order), its bounds
        and CRS; ``to_frame()`` gives a GeoDataFrame map layer, ``at(x, y)``
        and :func:`density_at` read it at points.

    Raises
    ------
    InputError
        Bad arguments, reports without a geometry, a grid larger than
        :data:`MAX_CELLS`, or a bandwidth rule with fewer than two distinct
        reports.
    CRSError
        Reports or extent without a CRS.
    TypeError
        ``reports`` is not a GeoDataFrame or a number has the wrong type.

    References
    ----------
    .. [1] Silverman, B. W. (1986). Density Estimation for Statistics and Data
       Analysis. Chapman & Hall.
    .. [2] Wand, M. P. (1994). Fast computation of multivariate kernel
       estimators. JCGS 3(4), 433-445.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.0], [0.0]),
    ...                        crs="EPSG:32651")
    >>> s = kernel_density(pts, bandwidth_m=100, cell_size_m=10)
    >>> round(float(s.density.sum()) * 10 * 10 / 1e6, 9)  # integrates to 1
    1.0
    """
    _validate(reports, bandwidth_m, cell_size_m, kernel, weight)
    source = pyproj.CRS.from_user_input(reports.crs) if reports.crs else None
    if metric_crs is None and len(reports) == 0 and source is not None:
        # No reports to choose the zone from: the extent is the data.
        metric_crs = _extent_zone(extent, source)
    xy, metric = metric_points(reports, metric_crs)
    source = pyproj.CRS.from_user_input(reports.crs)
    w = (
        np.ones(len(xy))
        if weight is None
        else pd.to_numeric(reports[weight]).to_numpy(dtype=np.float64)
    )
    cell = float(cell_size_m)
    if isinstance(bandwidth_m, str):
        h = bandwidth_rule(xy, rule=bandwidth_m, weights=w)  # type: ignore[arg-type]
    else:
        h = float(bandwidth_m)
    reach = GAUSSIAN_CUTOFF * h if kernel == "gaussian" else h
    if extent is None:
        if len(xy) == 0:
            msg = (
                "cannot place the grid: there are no reports and no extent. "
                "Pass extent=units (e.g. the unit grid)."
            )
            raise InputError(msg)
        # The kernel's reach plus the two cells that linear binning spreads to.
        x0, y0 = xy.min(axis=0) - reach - 2 * cell
        x1, y1 = xy.max(axis=0) + reach + 2 * cell
    else:
        x0, y0, x1, y1 = _extent_metric(extent, source, metric)
    # Align to the cell lattice so grids of different runs line up.
    x0 = math.floor(x0 / cell) * cell
    y0 = math.floor(y0 / cell) * cell
    x1 = max(math.ceil(x1 / cell) * cell, x0 + cell)
    y1 = max(math.ceil(y1 / cell) * cell, y0 + cell)
    cols = round((x1 - x0) / cell)
    rows = round((y1 - y0) / cell)
    pad = math.ceil(reach / cell) + 1
    big = (rows + 2 * pad) * (cols + 2 * pad)
    if big > MAX_CELLS:
        msg = (
            f"the density grid would have {big} cells (more than {MAX_CELLS}): "
            f"cell_size_m={cell_size_m!r} is too small for the extent "
            f"({x1 - x0:.0f} m x {y1 - y0:.0f} m) and bandwidth ({h:.0f} m). "
            "Pass a larger cell_size_m or a smaller extent."
        )
        raise InputError(msg)
    binned = _linear_bin(xy, w, x0 - pad * cell, y0 - pad * cell, cell, rows, cols, pad)
    k = math.ceil(reach / cell)
    offsets = np.arange(-k, k + 1) * cell
    ox, oy = np.meshgrid(offsets, offsets)
    kern = _kernel_values(ox * ox + oy * oy, h, kernel)
    # Normalise the sampled kernel so every report adds exactly its weight.
    kern *= 1.0 / (float(kern.sum()) * cell * cell)
    from scipy.signal import fftconvolve  # imports scipy.stats: 0.5 s

    full = fftconvolve(binned, kern, mode="same")
    # FFT round-off leaves tiny negative values and noise far from any report.
    full[full < full.max() * 1e-12] = 0.0
    inner = full[pad : pad + rows, pad : pad + cols]
    density = np.ascontiguousarray(inner[::-1, :] * _PER_KM2)
    return DensitySurface(
        density=density,
        bounds=(float(x0), float(y0), float(x1), float(y1)),
        cell_size_m=cell,
        crs=metric,
        source_crs=source,
        bandwidth_m=float(h),
        kernel=str(kernel),
        total=float(w.sum()),
    )


def _linear_bin(
    xy: FloatArray,
    w: FloatArray,
    gx0: float,
    gy0: float,
    cell: float,
    rows: int,
    cols: int,
    pad: int,
) -> FloatArray:
    """Spread each weight over the four nearest cell centres (bilinear).

    Returns counts on the padded grid, row 0 = south (y increasing).
    """
    nr, nc = rows + 2 * pad, cols + 2 * pad
    fx = (xy[:, 0] - gx0) / cell - 0.5
    fy = (xy[:, 1] - gy0) / cell - 0.5
    ix = np.floor(fx).astype(np.int64)
    iy = np.floor(fy).astype(np.int64)
    ax = fx - ix
    ay = fy - iy
    out = np.zeros(nr * nc)
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        cx, cy = ix + dx, iy + dy
        share = w * (ax if dx else 1 - ax) * (ay if dy else 1 - ay)
        ok = (cx >= 0) & (cx < nc) & (cy >= 0) & (cy < nr)
        out += np.bincount(cy[ok] * nc + cx[ok], weights=share[ok], minlength=nr * nc)
    return out.reshape(nr, nc)


def density_at(
    surface: DensitySurface, units: gpd.GeoDataFrame | gpd.GeoSeries
) -> pd.Series:
    """Read a density surface at each unit, for ranking.

    Polygons are read at their centroid, points at themselves and lines
    (street segments) at the point halfway along them, all in the surface's
    metric CRS, by bilinear interpolation between cell centres.

    Parameters
    ----------
    surface
        The result of :func:`kernel_density`.
    units
        Grid cells, street segments or points, with a CRS. Not modified.

    Returns
    -------
    pandas.Series
        ``density`` (reports per km²) aligned to ``units.index``; NaN for
        units outside the grid or without a geometry.

    Raises
    ------
    CRSError
        ``units`` has no CRS.
    TypeError
        ``surface`` or ``units`` has the wrong type.
    """
    if not isinstance(surface, DensitySurface):
        msg = f"surface must be a DensitySurface, got {type(surface).__name__}."
        raise TypeError(msg)
    if not isinstance(units, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = f"units must be a GeoDataFrame or GeoSeries, got {type(units).__name__}."
        raise TypeError(msg)
    if units.crs is None:
        msg = "units has no CRS. Set it, e.g. units.set_crs('EPSG:4326')."
        raise CRSError(msg)
    geoms = gpd.GeoSeries(
        units.geometry if isinstance(units, gpd.GeoDataFrame) else units
    )
    values = np.asarray(geoms.to_crs(surface.crs).values, dtype=object)
    anchors, _ = unit_anchors(values)
    ok = ~(shapely.is_missing(anchors) | shapely.is_empty(anchors))
    x = np.full(len(values), np.nan)
    y = np.full(len(values), np.nan)
    if ok.any():
        x[ok] = shapely.get_x(anchors[ok])
        y[ok] = shapely.get_y(anchors[ok])
    return pd.Series(surface.at(x, y), index=units.index.copy(), name=DENSITY)


def unit_anchors(
    geoms: npt.NDArray[Any],
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    """One anchor point per unit: the midpoint along lines, the centroid otherwise.

    Returns the anchors and the mask of (multi)line units.  Shared with
    :mod:`hotspots.ledger.forecast` so both read a street segment at the same place.
    """
    is_line = np.isin(
        shapely.get_type_id(geoms),
        [shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING],
    )
    anchors = shapely.centroid(geoms)
    if is_line.any():
        anchors[is_line] = shapely.line_interpolate_point(
            geoms[is_line], 0.5, normalized=True
        )
    return anchors, is_line
