"""Assign every report to its grid cell, street segment and admin areas.

:func:`assign` is the hot path of the weekly job. It is exact (identical to
``geopandas.sjoin`` / ``sjoin_nearest`` on the same inputs, with documented
tie rules) and fast:

* a generated regular grid (:func:`hotspots.read.boundaries.square_grid`) is joined
  by arithmetic, ``floor((x - x0) / size)`` corrected against the exact cell
  edges;
* irregular polygons are joined without building point geometries: a fine
  raster of "clean" bins (no polygon edge within a margin of the bin, grouped
  into connected components, one exact test per component) answers most
  points by lookup; the rest go through a bin index over the polygons'
  bounding boxes and an exact vectorised crossing-number test, where each
  orientation is computed in floating point with Shewchuk's error bound and
  the rare pairs whose sign is not certain (points on or within rounding
  distance of an edge) are decided by GEOS; polygons with more than 64 edges
  are tested by GEOS (prepared) directly;
* the nearest street segment: the segments are split into straight edges,
  binned by the band of the maximum distance around each edge; each report is
  measured against the edges of its bin with GEOS's point-to-segment formula
  evaluated operation for operation in numpy (bit-identical to
  ``shapely.distance``), minimised per report.

Points on shared edges and vertices
-----------------------------------
A point is *in* a polygon when the polygon covers it (interior or boundary).
Among the polygons of a layer that contain the point in their interior, it
gets the first one in the layer's row order; when none does (the point lies
on boundaries only), the first in row order among those whose boundary it is
on. So every point in the union of the polygons gets exactly one polygon,
and for every point in a polygon's interior the answer equals
``geopandas.sjoin(points, polygons, predicate="within")`` (keeping the first
match in row order where polygons overlap). For a generated square grid,
whose rows run from the south-west in row-major order, the rule means a
point on an edge shared by two cells goes to the west or south cell.

Point-in-polygon tests run in the polygon layer's own CRS (reports are
transformed to it, the polygons never are), so the answer is the one of the
polygons as stored. Distances are computed in metres in the CRS of the one
metric-CRS policy (:func:`hotspots._core.crs.metric_crs_for`).

References
----------
.. [1] J. R. Shewchuk (1997), "Adaptive precision floating-point arithmetic
   and fast robust geometric predicates", Discrete & Computational Geometry
   18(3), 305-363.
.. [2] D. Sunday (2001), "Inclusion of a point in a polygon", geomalgorithms.com.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyproj
import shapely
from scipy import ndimage

from .._core import schema as sc
from .._core.crs import metric_crs_for
from .._core.objects import collector_paused
from .._core.types import BoolArray, CRSLike, FloatArray, IntArray
from .._core.validate import missing_columns, positive_number, require_geoframe
from ..errors import ReportsLeftOutWarning, collect_problems
from ..read.boundaries import REGULAR_GRID_ATTR, RegularGrid, count_ranges

__all__ = ["assign", "locate_in_polygons", "nearest_segments"]

ObjArray = npt.NDArray[np.object_]

#: Reports processed at once (bounds the memory of the candidate pairs).
_CHUNK: Final = 200_000
#: Polygons with more edges than this are tested by GEOS (prepared) instead.
_MAX_NUMPY_EDGES: Final = 64
#: Upper bound on the bins of the polygon index and its polygon-bin entries.
_MAX_BINS: Final = 4_000_000
_MAX_BIN_ENTRIES: Final = 8_000_000
#: Fine bins per median polygon size in the clean-bin raster.
_FINE_PER_POLYGON: Final = 16
#: ``locate_in_polygons`` indexes only the polygons near the points when there
#: are more than this many polygons per point.
_FEW_POINTS: Final = 4
_EPS: Final = np.finfo(np.float64).eps / 2.0
#: Shewchuk's error bound factor for the floating-point orientation test.
_CCW_ERRBOUND: Final = (3.0 + 16.0 * _EPS) * _EPS
_LARGE: Final = np.iinfo(np.int64).max


# -- point in polygon ----------------------------------------------------------


class _PolygonIndex:
    """Bins over polygon bounding boxes plus the polygons' edges."""

    def __init__(self, polys: ObjArray) -> None:
        self.polys = polys
        n = len(polys)
        bounds = shapely.bounds(polys)
        valid = np.all(np.isfinite(bounds), axis=1)
        self.bounds = np.where(valid[:, None], bounds, np.nan)
        parts, part_of = shapely.get_parts(polys, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        xy, vtx_of = shapely.get_coordinates(rings, return_index=True)
        same = vtx_of[1:] == vtx_of[:-1]
        edge_poly = part_of[ring_of[vtx_of[:-1][same]]]
        order = np.argsort(edge_poly, kind="stable")
        self.ea = xy[:-1][same][order]
        self.eb = xy[1:][same][order]
        self.ecount = np.bincount(edge_poly, minlength=n).astype(np.int64)
        self.estart = np.cumsum(self.ecount) - self.ecount
        self.use_geos = self.ecount > _MAX_NUMPY_EDGES
        if self.use_geos.any():
            shapely.prepare(polys[self.use_geos])
        # bins: side about half the median polygon size, bounded in number
        ok = np.flatnonzero(valid)
        if len(ok) == 0:
            self.nbx = self.nby = 0
            return
        b = bounds[ok]
        self.x0, self.y0 = float(b[:, 0].min()), float(b[:, 1].min())
        width = max(float(b[:, 2].max()) - self.x0, 1e-9)
        height = max(float(b[:, 3].max()) - self.y0, 1e-9)
        sizes = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        size = max(float(np.median(sizes)) / 2.0, 1e-9)
        size = max(size, math.sqrt(width * height / _MAX_BINS))
        while True:
            nbx = math.floor(width / size) + 1
            nby = math.floor(height / size) + 1
            c0, c1 = self._col(b[:, 0], size, nbx), self._col(b[:, 2], size, nbx)
            r0, r1 = self._row(b[:, 1], size, nby), self._row(b[:, 3], size, nby)
            per = (c1 - c0 + 1) * (r1 - r0 + 1)
            if int(per.sum()) <= _MAX_BIN_ENTRIES:
                break
            size *= 2.0
        self.size, self.nbx, self.nby = size, nbx, nby
        k = np.arange(int(per.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(per) - per, per
        )
        w = np.repeat(c1 - c0 + 1, per)
        binid = (np.repeat(r0, per) + k // w) * nbx + np.repeat(c0, per) + k % w
        order = np.argsort(binid, kind="stable")
        self.bin_poly = np.repeat(ok, per)[order]
        self.bin_start = np.searchsorted(
            binid[order], np.arange(nbx * nby + 1, dtype=np.int64)
        )
        self._build_clean_raster(float(np.median(sizes)), width, height)

    def _build_clean_raster(self, median: float, width: float, height: float) -> None:
        """Label the fine bins no polygon edge comes near, by connected component.

        A bin is *clean* when no edge passes within a margin of its closed box;
        4-connected clean bins then lie in exactly the same polygons (no
        boundary separates them), so one exact test of a representative point
        per component decides every point that falls in it.
        """
        size = max(median / _FINE_PER_POLYGON, math.sqrt(width * height / _MAX_BINS))
        nfx = math.floor(width / size) + 1
        nfy = math.floor(height / size) + 1
        self.fsize, self.nfx, self.nfy = size, nfx, nfy
        # split edges into pieces no longer than a bin, mark the bins of their
        # bounding boxes (widened by a margin far above rounding error)
        ax, ay = (self.ea[:, 0] - self.x0) / size, (self.ea[:, 1] - self.y0) / size
        bx, by = (self.eb[:, 0] - self.x0) / size, (self.eb[:, 1] - self.y0) / size
        pieces = np.ceil(np.maximum(np.abs(bx - ax), np.abs(by - ay))).astype(np.int64)
        pieces = np.maximum(pieces, 1)
        e = np.repeat(np.arange(len(ax), dtype=np.int64), pieces)
        t0 = count_ranges(pieces) / pieces[e]
        t1 = (count_ranges(pieces) + 1) / pieces[e]
        px0, px1 = ax[e] + (bx[e] - ax[e]) * t0, ax[e] + (bx[e] - ax[e]) * t1
        py0, py1 = ay[e] + (by[e] - ay[e]) * t0, ay[e] + (by[e] - ay[e]) * t1
        margin = 1e-6
        c0 = np.floor(np.minimum(px0, px1) - margin).astype(np.int64)
        c1 = np.floor(np.maximum(px0, px1) + margin).astype(np.int64)
        r0 = np.floor(np.minimum(py0, py1) - margin).astype(np.int64)
        r1 = np.floor(np.maximum(py0, py1) + margin).astype(np.int64)
        c0, c1 = np.clip(c0, 0, nfx - 1), np.clip(c1, 0, nfx - 1)
        r0, r1 = np.clip(r0, 0, nfy - 1), np.clip(r1, 0, nfy - 1)
        per = (c1 - c0 + 1) * (r1 - r0 + 1)
        k = count_ranges(per)
        w = np.repeat(c1 - c0 + 1, per)
        dirty = np.zeros(nfx * nfy, dtype=bool)
        dirty[(np.repeat(r0, per) + k // w) * nfx + np.repeat(c0, per) + k % w] = True
        labels, _ = ndimage.label(~dirty.reshape(nfy, nfx))
        self.labels = labels.ravel()
        first = np.unique(self.labels, return_index=True)[1][1:]  # skip label 0
        cx = np.asarray(self.x0 + (first % nfx + 0.5) * size, dtype=np.float64)
        cy = np.asarray(self.y0 + (first // nfx + 0.5) * size, dtype=np.float64)
        ii, jj = self.candidates(cx, cy)
        owner = _pick(len(cx), ii, jj, self.status(ii, jj, cx, cy), len(self.polys))
        self.owner = np.r_[-2, owner]  # label 0 (dirty): -2 = test the point

    def clean_owner(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Polygon of each point in a clean bin (-1: none), -2 elsewhere."""
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self.x0) / self.fsize)
            fy = np.floor((y - self.y0) / self.fsize)
        ok = (fx >= 0) & (fx < self.nfx) & (fy >= 0) & (fy < self.nfy)
        b = np.where(ok, np.nan_to_num(fy) * self.nfx + np.nan_to_num(fx), 0)
        return np.where(ok, self.owner[self.labels[b.astype(np.int64)]], -2)

    def _col(self, x: FloatArray, size: float, nbx: int) -> IntArray:
        return np.clip(np.floor((x - self.x0) / size), 0, nbx - 1).astype(np.int64)

    def _row(self, y: FloatArray, size: float, nby: int) -> IntArray:
        return np.clip(np.floor((y - self.y0) / size), 0, nby - 1).astype(np.int64)

    def candidates(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, IntArray]:
        """Return (point, polygon) pairs whose polygon bounding box covers the point."""
        if self.nbx == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self.x0) / self.size)
            fy = np.floor((y - self.y0) / self.size)
        # a point a rounding error outside the binned extent can still lie on
        # a bounding box edge: look in the nearest bin, the box test decides
        ok = (fx >= -1) & (fx <= self.nbx) & (fy >= -1) & (fy <= self.nby)
        fx = np.clip(np.nan_to_num(fx), 0, self.nbx - 1)
        fy = np.clip(np.nan_to_num(fy), 0, self.nby - 1)
        pb = np.where(ok, fy.astype(np.int64) * self.nbx + fx.astype(np.int64), 0)
        cnt = np.where(ok, self.bin_start[pb + 1] - self.bin_start[pb], 0)
        ii = np.repeat(np.arange(len(x), dtype=np.int64), cnt)
        off = np.repeat(self.bin_start[pb], cnt) + (
            np.arange(int(cnt.sum()), dtype=np.int64)
            - np.repeat(np.cumsum(cnt) - cnt, cnt)
        )
        jj = self.bin_poly[off]
        px, py = x[ii], y[ii]
        bb = self.bounds[jj]
        inbox = (
            (px >= bb[:, 0]) & (px <= bb[:, 2]) & (py >= bb[:, 1]) & (py <= bb[:, 3])
        )
        return ii[inbox], jj[inbox]

    def status(
        self, ii: IntArray, jj: IntArray, x: FloatArray, y: FloatArray
    ) -> npt.NDArray[np.int8]:
        """Return 2 (interior), 1 (boundary) or 0 (outside) for each pair."""
        st = np.zeros(len(ii), dtype=np.int8)
        geos = self.use_geos[jj]
        uncertain = geos.copy()
        num = np.flatnonzero(~geos)
        if len(num):
            pi, pj = ii[num], jj[num]
            ne = self.ecount[pj]
            pe = np.repeat(np.arange(len(num), dtype=np.int64), ne)
            e = np.repeat(self.estart[pj], ne) + (
                np.arange(int(ne.sum()), dtype=np.int64)
                - np.repeat(np.cumsum(ne) - ne, ne)
            )
            px, py = x[pi][pe], y[pi][pe]
            ax, ay = self.ea[e, 0], self.ea[e, 1]
            bx, by = self.eb[e, 0], self.eb[e, 1]
            up = (ay <= py) & (by > py)
            down = (by <= py) & (ay > py)
            left = (ax - px) * (by - py)
            right = (ay - py) * (bx - px)
            det = left - right
            err = _CCW_ERRBOUND * (np.abs(left) + np.abs(right))
            pos = det > err
            neg = det < -err
            unsure = ~(pos | neg)
            cross = (up & pos) | (down & neg)
            near = unsure & (
                up
                | down
                | (
                    (px >= np.minimum(ax, bx))
                    & (px <= np.maximum(ax, bx))
                    & (py >= np.minimum(ay, by))
                    & (py <= np.maximum(ay, by))
                )
            )
            odd = (
                np.bincount(pe, weights=cross, minlength=len(num)).astype(np.int64) & 1
            )
            flag = np.bincount(pe, weights=near, minlength=len(num)) > 0
            st[num] = np.where(odd == 1, 2, 0).astype(np.int8)
            uncertain[num[flag]] = True
        unc = np.flatnonzero(uncertain)
        if len(unc):
            st[unc] = _geos_status(self.polys, ii[unc], jj[unc], x, y)
        return st


def _geos_status(
    polys: ObjArray, ii: IntArray, jj: IntArray, x: FloatArray, y: FloatArray
) -> npt.NDArray[np.int8]:
    """:meth:`_PolygonIndex.status` of (point, polygon) pairs, all by GEOS."""
    g = polys[jj]
    shapely.prepare(g)
    ux, uy = x[ii], y[ii]
    covers = shapely.intersects_xy(g, ux, uy)
    inner = np.zeros(len(ii), dtype=bool)
    inner[covers] = shapely.contains_xy(g[covers], ux[covers], uy[covers])
    return np.where(inner, 2, np.where(covers, 1, 0)).astype(np.int8)


def _pick(
    n: int, ii: IntArray, jj: IntArray, st: npt.NDArray[np.int8], n_poly: int
) -> IntArray:
    """Per point: interior before boundary, then the lowest polygon position."""
    keep = st > 0
    key = (2 - st[keep].astype(np.int64)) * n_poly + jj[keep]
    best = np.full(n, _LARGE, dtype=np.int64)
    np.minimum.at(best, ii[keep], key)
    return np.where(best == _LARGE, -1, best % max(n_poly, 1))


def locate_in_polygons(
    x: npt.ArrayLike, y: npt.ArrayLike, polygons: npt.ArrayLike
) -> IntArray:
    """Return, for each point, the position of the polygon it falls in, or -1.

    Exact, with the tie rule of this module: interior before boundary, then
    the lowest position. Coordinates and polygons must be in the same CRS.

    Parameters
    ----------
    x, y
        Point coordinates (NaN for a missing point: -1).
    polygons
        Valid Polygon / MultiPolygon geometries.

    Returns
    -------
    numpy.ndarray of int64
        Positions into ``polygons``, -1 where no polygon covers the point.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> polys = [box(0, 0, 1, 1), box(1, 0, 2, 1)]
    >>> locate_in_polygons([0.5, 1.0, 1.5, 3.0], [0.5, 0.5, 0.5, 0.5], polys).tolist()
    [0, 0, 1, -1]
    """
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    polys = np.asarray(polygons, dtype=object).ravel()
    out = np.full(len(xs), -1, dtype=np.int64)
    if len(polys) == 0 or len(xs) == 0:
        return out
    if len(xs) * _FEW_POINTS < len(polys):
        # few points (a week's new cases in a city's grid): the polygons whose
        # closed bounding box holds a point, each pair decided by GEOS (the
        # exact test the index falls back on), then the same tie rule
        with collector_paused():
            located = shapely.points(xs, ys)
        ii, jj = shapely.STRtree(polys).query(located)
        return _pick(len(xs), ii, jj, _geos_status(polys, ii, jj, xs, ys), len(polys))
    index = _PolygonIndex(polys)
    if index.nbx == 0:
        return out
    for s in range(0, len(xs), _CHUNK):
        cx, cy = xs[s : s + _CHUNK], ys[s : s + _CHUNK]
        res = index.clean_owner(cx, cy)
        todo = np.flatnonzero(res == -2)
        tx, ty = cx[todo], cy[todo]
        ii, jj = index.candidates(tx, ty)
        st = index.status(ii, jj, tx, ty)
        res[todo] = _pick(len(todo), ii, jj, st, len(polys))
        out[s : s + _CHUNK] = res
    return out


def _locate_regular(
    x: FloatArray, y: FloatArray, meta: RegularGrid, cells: IntArray, polys: ObjArray
) -> IntArray:
    lookup = np.full(meta.nx * meta.ny, -1, dtype=np.int64)
    lookup[cells] = np.arange(len(cells), dtype=np.int64)
    flat = meta.locate(x, y)
    pos = lookup[flat]  # flat == -1 reads the last entry: fixed just below
    pos[flat < 0] = -1
    # a point on the edge of a cell missing from a clipped grid can still be
    # on the edge of a present neighbour: decide those few by polygons
    miss = np.flatnonzero((pos < 0) & (flat >= 0))
    if len(miss):
        on_edge = np.isin(x[miss], meta.x_edges()) | np.isin(y[miss], meta.y_edges())
        redo = miss[on_edge]
        if len(redo):
            pos[redo] = locate_in_polygons(x[redo], y[redo], polys)
    return pos


# -- nearest segment -----------------------------------------------------------

#: Candidate (point, edge) pairs processed at once (bounds their memory).
_PAIR_CHUNK: Final = 1 << 19
#: Geometry type ids whose distance is the minimum over straight edges:
#: LineString, LinearRing, MultiLineString. Others are measured by GEOS.
_LINEAR_TYPES: Final = (1, 2, 5)


class _SegmentIndex:
    """Straight edges of lines in bins covering each edge's distance band.

    Every edge is listed in each bin that its band, the edge widened by
    ``max_distance_m`` in x and y (a square brush, which holds the disc of
    that radius) plus a relative margin far above rounding error, touches:
    row by row, the part of the edge within the row's y range widened by the
    distance gives the columns. A point within the distance of an edge lies
    in one of the edge's bins, so the bin of the point lists every candidate.
    """

    def __init__(self, lines: ObjArray, tie: IntArray, max_distance_m: float) -> None:
        types = shapely.get_type_id(lines)
        line_of = np.arange(len(lines), dtype=np.int64)
        if bool((types == 5).any()):
            lines, line_of = shapely.get_parts(lines, return_index=True)
        xy, vtx_of = shapely.get_coordinates(lines, return_index=True)
        first = np.flatnonzero(vtx_of[1:] == vtx_of[:-1])
        # an edge with a NaN or infinite coordinate is never within a finite
        # distance (GEOS gets NaN or inf for it): leave it out
        finite = np.isfinite(xy).all(axis=1)
        first = first[finite[first] & finite[first + 1]]
        self.nbx = self.nby = 0
        if len(first) == 0:
            return
        a, b = xy[first], xy[first + 1]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        big = max(float(np.abs(xy[finite]).max()), 1.0)
        w = max_distance_m + 1e-9 * (max_distance_m + big)
        self.x0, self.y0 = float(lo[:, 0].min()) - w, float(lo[:, 1].min()) - w
        width = float(hi[:, 0].max()) + w - self.x0
        height = float(hi[:, 1].max()) + w - self.y0
        # bins of 1.5 times the distance, larger while there are too many bins
        # or (typically) more than a few entries per edge; one bin always fits
        size = max(1.5 * max_distance_m, math.sqrt(width * height / _MAX_BINS), 1e-9)
        max_entries = max(_MAX_BIN_ENTRIES, 4 * len(first))
        span = np.floor((hi - lo + 2 * w) / size) + 1
        while True:
            nbx = math.floor(width / size) + 1
            nby = math.floor(height / size) + 1
            typical = float((span[:, 0] * span[:, 1]).sum())
            if (nbx * nby <= _MAX_BINS and typical <= max_entries) or nbx * nby == 1:
                break
            size *= 2.0
            span = np.floor((hi - lo + 2 * w) / size) + 1
        self.size, self.nbx, self.nby = size, nbx, nby
        # edges in the row-major order of their first vertex's bin, so that the
        # edges listed in one bin lie close together in memory
        order = np.argsort(
            self._cell(a[:, 1], self.y0, nby) * nbx + self._cell(a[:, 0], self.x0, nbx),
            kind="stable",
        )
        first = first[order]
        ax, ay = xy[first, 0], xy[first, 1]
        bx, by = xy[first + 1, 0], xy[first + 1, 1]
        ex, ey = bx - ax, by - ay
        len2 = ex * ex + ey * ey
        # GEOS measures a zero-length edge (A == B) from A: keep ex = ey = 0
        # and a negative squared length, so that r = -0 <= 0 picks that branch
        point = (ax == bx) & (ay == by)
        ex[point], ey[point], len2[point] = 0.0, 0.0, -1.0
        self.cols = (ax, ay, ex, ey, len2, bx, by, np.sqrt(np.abs(len2)))
        self.tie = tie[line_of[vtx_of[first]]]
        # (bin, edge) entries as one sorted int64 key, in chunks of edges
        self.w = w
        key = np.concatenate(
            [
                self._keys(np.arange(k, min(k + _CHUNK, len(ax)), dtype=np.int64))
                for k in range(0, len(ax), _CHUNK)
            ]
        )
        key.sort()
        binid, self.bin_edge = np.divmod(key, len(ax))
        del key
        self.bin_start = np.zeros(nbx * nby + 1, dtype=np.int64)
        np.cumsum(np.bincount(binid, minlength=nbx * nby), out=self.bin_start[1:])

    def _keys(self, edges: IntArray) -> IntArray:
        """Return ``bin * n_edges + edge`` for each bin in the band of the edges.

        Row by row: the part of the edge within the row's y range widened by
        the distance, widened by the distance in x, gives the columns.
        """
        w, size = self.w, self.size
        ax, ay, ex, ey = (self.cols[i][edges] for i in range(4))
        by = self.cols[6][edges]
        r0 = self._cell(np.minimum(ay, by) - w, self.y0, self.nby)
        nr = self._cell(np.maximum(ay, by) + w, self.y0, self.nby) - r0 + 1
        e = np.repeat(np.arange(len(edges), dtype=np.int64), nr)
        row = np.repeat(r0, nr) + count_ranges(nr)
        flat = ey[e] == 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.clip((self.y0 + row * size - w - ay[e]) / ey[e], 0.0, 1.0)
            t1 = np.clip((self.y0 + (row + 1) * size + w - ay[e]) / ey[e], 0.0, 1.0)
        xa = ax[e] + ex[e] * np.where(flat, 0.0, t0)
        xb = ax[e] + ex[e] * np.where(flat, 1.0, t1)
        c0 = self._cell(np.minimum(xa, xb) - w, self.x0, self.nbx)
        nc = self._cell(np.maximum(xa, xb) + w, self.x0, self.nbx) - c0 + 1
        key = np.repeat(row * self.nbx + c0, nc)
        key += count_ranges(nc)
        key *= len(self.tie)
        key += np.repeat(edges[e], nc)
        return key

    def _cell(self, v: FloatArray, v0: float, nb: int) -> IntArray:
        return np.clip(np.floor((v - v0) / self.size), 0, nb - 1).astype(np.int64)

    def bins(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, IntArray]:
        """Return each point's first entry and number of candidate edges."""
        if self.nbx == 0:
            zero = np.zeros(len(x), dtype=np.int64)
            return zero, zero
        fx = np.floor((x - self.x0) / self.size)
        fy = np.floor((y - self.y0) / self.size)
        # NaN and points outside every band fail these tests: no candidates
        ok = (fx >= 0) & (fx < self.nbx) & (fy >= 0) & (fy < self.nby)
        b = np.where(ok, fy, 0.0) * self.nbx + np.where(ok, fx, 0.0)
        start = self.bin_start[b.astype(np.int64)]
        return start, np.where(ok, self.bin_start[b.astype(np.int64) + 1] - start, 0)

    def fill(
        self, x: FloatArray, y: FloatArray, dmin: FloatArray, tmin: IntArray
    ) -> None:
        """Write each point's smallest edge distance and its tie key.

        In chunks of points, split further so that each step holds at most
        about ``_PAIR_CHUNK`` candidate pairs.
        """
        for s in range(0, len(x), _CHUNK):
            cx, cy = x[s : s + _CHUNK], y[s : s + _CHUNK]
            start, cnt = self.bins(cx, cy)
            ends = np.cumsum(cnt)
            cuts = np.searchsorted(ends, np.arange(_PAIR_CHUNK, ends[-1], _PAIR_CHUNK))
            for a, b in itertools.pairwise(np.unique(np.r_[0, cuts, len(cx)]).tolist()):
                dmin[s + a : s + b], tmin[s + a : s + b] = self.nearest(
                    cx[a:b], cy[a:b], start[a:b], cnt[a:b]
                )

    def nearest(
        self, x: FloatArray, y: FloatArray, start: IntArray, cnt: IntArray
    ) -> tuple[FloatArray, IntArray]:
        """Per point: the smallest distance to a candidate edge and its tie key.

        Points without candidates get ``inf`` and the largest int64.
        """
        n = len(x)
        dmin = np.full(n, np.inf)
        tmin = np.full(n, _LARGE, dtype=np.int64)
        ends = np.cumsum(cnt)
        total = int(ends[-1]) if n else 0
        if total == 0:
            return dmin, tmin
        off = np.repeat(start - (ends - cnt), cnt) + np.arange(total, dtype=np.int64)
        e = self.bin_edge[off]
        d = _point_segment_distance(
            np.repeat(x, cnt), np.repeat(y, cnt), *(c[e] for c in self.cols)
        )
        has = cnt > 0
        first = (ends - cnt)[has]
        # GEOS skips NaN edge distances (``dist < minDistance``): so does fmin
        dmin[has] = np.fmin.reduceat(d, first)
        key = np.where(d == np.repeat(dmin, cnt), self.tie[e], _LARGE)
        tmin[has] = np.minimum.reduceat(key, first)
        return dmin, tmin


def _point_segment_distance(
    px: FloatArray,
    py: FloatArray,
    ax: FloatArray,
    ay: FloatArray,
    ex: FloatArray,
    ey: FloatArray,
    len2: FloatArray,
    bx: FloatArray,
    by: FloatArray,
    sq: FloatArray,
) -> FloatArray:
    """GEOS ``Distance::pointToSegment``, operation for operation (bit-identical).

    ``ex, ey = B - A``, ``len2 = ex * ex + ey * ey`` (-1 where ``A == B``,
    with ``ex = ey = 0``) and ``sq = sqrt(len2)``, as GEOS computes them.
    GEOS's numerator ``(Ay - py) * ex - (Ax - px) * ey`` is the negation of
    ``dxa * ey - dya * ex`` exactly, so its absolute value is the same. The
    arrays are overwritten.
    """
    dxa = np.subtract(px, ax, out=ax)
    dya = np.subtract(py, ay, out=ay)
    r = dxa * ex
    tmp = dya * ey
    r += tmp
    r /= len2
    perp = np.multiply(dxa, ey, out=ey)
    np.multiply(dya, ex, out=tmp)
    perp -= tmp
    np.abs(perp, out=perp)
    perp /= len2
    perp *= sq
    dxa *= dxa
    dya *= dya
    dxa += dya
    da = np.sqrt(dxa, out=dxa)
    dxb = np.subtract(px, bx, out=px)
    dyb = np.subtract(py, by, out=py)
    dxb *= dxb
    dyb *= dyb
    dxb += dyb
    db = np.sqrt(dxb, out=dxb)
    d = np.where(r >= 1.0, db, perp)
    np.copyto(d, da, where=r <= 0.0)
    return d


def _nearest_geos(
    x: FloatArray,
    y: FloatArray,
    geoms: ObjArray,
    tie: IntArray,
    max_distance_m: float,
    dmin: FloatArray,
    tmin: IntArray,
) -> None:
    """Fold GEOS distances to non-linear geometries into ``dmin`` and ``tmin``."""
    tree = shapely.STRtree(geoms)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    for s in range(0, len(ok), _CHUNK):
        sel = ok[s : s + _CHUNK]
        pts = shapely.points(x[sel], y[sel])
        ii, jj = tree.query(pts, predicate="dwithin", distance=max_distance_m)
        d = shapely.distance(pts[ii], geoms[jj])
        order = np.lexsort((tie[jj], d, ii))
        ii, jj, d = ii[order], jj[order], d[order]
        one = np.r_[True, ii[1:] != ii[:-1]] if len(ii) else np.zeros(0, dtype=bool)
        p, dj, tj = sel[ii[one]], d[one], tie[jj[one]]
        better = (dj < dmin[p]) | ((dj == dmin[p]) & (tj < tmin[p]))
        dmin[p[better]] = dj[better]
        tmin[p[better]] = tj[better]


def nearest_segments(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    lines: npt.ArrayLike,
    *,
    max_distance_m: float,
    rank: npt.ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """Return the nearest line within a distance of each point and the distance.

    Lines are split into straight edges, binned by the band of
    ``max_distance_m`` around each edge; each point is measured against the
    edges listed in its bin with GEOS's point-to-segment formula, evaluated
    operation for operation in numpy, so every distance is bit-identical to
    ``shapely.distance`` (as in ``sjoin_nearest``). Geometries other than
    LineString, LinearRing and MultiLineString are measured by GEOS. Per point
    the smallest distance wins, ties go to the smallest ``rank`` (default:
    position), then to the smallest position.

    Parameters
    ----------
    x, y
        Point coordinates in a metric CRS (NaN for missing points).
    lines
        Line geometries in the same CRS.
    max_distance_m
        Points farther than this from every line get -1 and NaN.
    rank
        Tie-break order of the lines (smaller wins).

    Returns
    -------
    tuple of numpy.ndarray
        Line positions (-1 when none within the distance) and distances.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> lines = [LineString([(0, 0), (10, 0)]), LineString([(0, 4), (10, 4)])]
    >>> pos, d = nearest_segments([5, 5, 5], [1, 2, 50], lines, max_distance_m=5)
    >>> pos.tolist(), d.tolist()[:2]
    ([0, 0, -1], [1.0, 2.0])
    """
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    geoms = np.asarray(lines, dtype=object).ravel()
    pos = np.full(len(xs), -1, dtype=np.int64)
    dist = np.full(len(xs), np.nan)
    if len(geoms) == 0 or len(xs) == 0:
        return pos, dist
    max_d = float(max_distance_m)
    if not max_d >= 0.0:  # negative or NaN: nothing is within
        return pos, dist
    if math.isinf(max_d):
        # every line is within: any bound above every distance will do
        ext = np.r_[xs, ys, shapely.bounds(geoms).ravel()]
        ext = np.abs(ext[np.isfinite(ext)])
        max_d = 4.0 * float(ext.max(initial=0.0)) + 1.0
    # tie key: position in (rank, position) order
    by_rank = (
        np.arange(len(geoms), dtype=np.int64)
        if rank is None
        else np.argsort(np.asarray(rank, dtype=np.int64).ravel(), kind="stable")
    )
    tie = np.empty(len(geoms), dtype=np.int64)
    tie[by_rank] = np.arange(len(geoms), dtype=np.int64)
    types = shapely.get_type_id(geoms)
    linear = np.isin(types, _LINEAR_TYPES)
    dmin = np.full(len(xs), np.inf)
    tmin = np.full(len(xs), _LARGE, dtype=np.int64)
    if linear.any():
        index = _SegmentIndex(geoms[linear], tie[linear], max_d)
        index.fill(xs, ys, dmin, tmin)
    other = np.flatnonzero(~linear & (types >= 0) & ~shapely.is_empty(geoms))
    if len(other):
        _nearest_geos(xs, ys, geoms[other], tie[other], max_d, dmin, tmin)
    found = np.flatnonzero((dmin <= max_distance_m) & (tmin < _LARGE))
    pos[found] = by_rank[tmin[found]]
    dist[found] = dmin[found]
    return pos, dist


# -- assign ------------------------------------------------------------------------


def _check_layer(
    layer: Any,
    name: str,
    columns: tuple[str, ...],
    types: tuple[str, ...],
    fix: str,
    *,
    known_valid: bool = False,
) -> list[str]:
    """Return the problems of a polygon or line layer given to :func:`assign`."""
    layer = require_geoframe(layer, name)
    if len(layer) == 0:
        return [
            f"the {name} layer has no features: it has 0 rows. Pass the layer "
            f"with its features (or leave {name} out). {fix}"
        ]
    problems = [p for p in (missing_columns(layer, columns, name, fix=fix),) if p]
    geoms = layer.geometry.to_numpy()
    allowed = [int(shapely.GeometryType[t.upper()].value) for t in types]
    bad = (
        shapely.is_missing(geoms)
        | shapely.is_empty(geoms)
        | ~np.isin(shapely.get_type_id(geoms), allowed)
    )
    if bad.any():
        problems.append(
            f"{name}: {int(bad.sum())} geometries are missing, empty or not "
            f"{' or '.join(types)}. Load the layer with read_boundaries(...) to "
            "see and fix them."
        )
    elif not known_valid:
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            problems.append(
                f"{name}: {int(invalid.sum())} geometries are invalid. Load the "
                "layer with read_boundaries(..., repair=True) to repair them."
            )
    return problems


def _xy_in(
    x: FloatArray, y: FloatArray, src: pyproj.CRS, dst: Any
) -> tuple[FloatArray, FloatArray]:
    target = pyproj.CRS.from_user_input(dst)
    if src.equals(target):
        return x, y
    t = pyproj.Transformer.from_crs(src, target, always_xy=True)
    tx, ty = t.transform(x, y)
    return np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)


def _ids(values: ObjArray, pos: IntArray, index: pd.Index) -> pd.Series:
    """Strings ``values[pos]`` (NA where ``pos`` is -1) as a string Series.

    A missing value (None, NaN, ``pd.NA``) in ``values`` stays NA: optional
    attributes such as street names may be null anywhere.
    """
    table = pa.array(
        np.asarray(values, dtype=object), type=pa.string(), from_pandas=True
    )
    codes = pa.array(pos.astype(np.int32), mask=pos < 0)
    taken = pa.DictionaryArray.from_arrays(codes, table).dictionary_decode()
    return pd.Series(
        taken, index=index, dtype=pd.StringDtype("pyarrow", na_value=np.nan)
    )


def _regular_cells(layer: gpd.GeoDataFrame) -> tuple[RegularGrid, IntArray] | None:
    meta = layer.attrs.get(REGULAR_GRID_ATTR)
    if not isinstance(meta, RegularGrid):
        return None
    cells = meta.frame_cells(layer)
    return None if cells is None else (meta, cells)


def _polygon_positions(
    x: FloatArray,
    y: FloatArray,
    src: pyproj.CRS,
    layer: gpd.GeoDataFrame,
    regular: tuple[RegularGrid, IntArray] | None,
) -> IntArray:
    lx, ly = _xy_in(x, y, src, layer.crs)
    polys = layer.geometry.to_numpy()
    if regular is not None:
        return _locate_regular(lx, ly, regular[0], regular[1], polys)
    return locate_in_polygons(lx, ly, polys)


def _report_xy(
    reports: gpd.GeoDataFrame,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Return report coordinates (NaN if none), no-geometry and non-point masks."""
    n = len(reports)
    geoms = reports.geometry.to_numpy()
    if n and bool((shapely.get_type_id(geoms) == 0).all()):
        # all points: their bounds are (x, y, x, y), read ~4x faster than
        # get_coordinates; an empty point has NaN bounds
        bounds = shapely.bounds(geoms)
        x, y = bounds[:, 0].copy(), bounds[:, 1].copy()
        return x, y, np.isnan(x), np.zeros(n, dtype=bool)
    xy, idx = shapely.get_coordinates(geoms, return_index=True)
    if len(xy) == n and np.array_equal(idx, np.arange(n)):
        none = np.zeros(n, dtype=bool)
        return xy[:, 0].copy(), xy[:, 1].copy(), none, none
    count = np.bincount(idx, minlength=n)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    one = count == 1
    first = np.searchsorted(idx, np.flatnonzero(one))
    x[one], y[one] = xy[first, 0], xy[first, 1]
    return x, y, count == 0, count > 1


def assign(
    reports: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    max_street_distance_m: float = 30.0,
    metric_crs: CRSLike | None = None,
) -> gpd.GeoDataFrame:
    """Join every report to its grid cell, nearest street segment and admin areas.

    Parameters
    ----------
    reports
        Reports (Point geometries, any CRS; reports without coordinates keep
        NA ids). Not modified.
    grid
        Unit grid cells with ``grid_id``. A grid from
        :func:`hotspots.read.boundaries.square_grid` is joined by arithmetic.
    streets
        Street *segments* from :func:`hotspots.read.boundaries.segment_streets`
        (``segment_id``; ``street_name`` when present, which may be missing
        or null: the report's ``street_name`` is then NA).
    areas
        Admin areas with ``area_id``, ``level`` and ``parent_id``. Each report
        gets the finest area containing it and that area's ancestors through
        ``parent_id``; levels above are tested directly only for reports that
        no finer area contains.
    max_street_distance_m
        Reports farther than this (metres) from every segment get no segment.
    metric_crs
        CRS for distances, projected in metres; default the one metric-CRS
        policy (:func:`hotspots._core.crs.metric_crs_for`): the local UTM zone
        of the reports, whatever their own CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``reports`` (index, row order, CRS and columns kept) with,
        for each layer given: ``grid_id``; ``segment_id``, ``street_name``,
        ``street_distance_m`` (float, metres); ``district_id``,
        ``subdistrict_id``, ``community_id``. Ids are strings, NA where
        unassigned. Existing columns of these names are replaced.

    Raises
    ------
    TypeError
        When an input is not a GeoDataFrame.
    CRSError
        When an input has no CRS or ``metric_crs`` is not metric.
    InputError
        Listing every problem: missing columns, non-point reports, empty or
        invalid polygons or lines, a non-positive distance.

    Warns
    -----
    ReportsLeftOutWarning
        With the number of reports left without a cell, a segment or an
        area (they are kept, with NA ids).

    Notes
    -----
    Tie rules, so that every report gets at most one id per layer:
    a report inside several polygons of a layer (overlaps) or on the shared
    edge or vertex of several gets the first polygon in row order among those
    containing it in their interior, else among those it is on the boundary
    of; the results equal ``sjoin(predicate="within")`` for every report in a
    polygon's interior. The nearest segment is the one at the smallest
    distance, ties broken by the smallest ``segment_id``; the results equal
    ``sjoin_nearest(max_distance=max_street_distance_m)`` in ``metric_crs``
    with that tie rule applied to its duplicate rows.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> cells = gpd.GeoDataFrame({"grid_id": ["a", "b"]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs="EPSG:32651")
    >>> pts = gpd.GeoDataFrame({"report_id": ["r1", "r2"]},
    ...     geometry=[Point(50, 50), Point(100, 50)], crs="EPSG:32651")
    >>> assign(pts, grid=cells)["grid_id"].tolist()
    ['a', 'a']
    """
    reports = require_geoframe(reports, "reports")
    d = max_street_distance_m
    x, y, no_geom, not_point = _report_xy(reports)
    regular = None
    if isinstance(grid, gpd.GeoDataFrame) and grid.crs is not None:
        regular = _regular_cells(grid)
    problems = _assign_problems(
        _Layers(grid=grid, streets=streets, areas=areas), d, not_point, regular
    )
    collect_problems(problems, "assign")

    src = pyproj.CRS.from_user_input(reports.crs)
    xy = _ReportXY(x=x, y=y, src=src, index=reports.index)
    out = reports.copy(deep=False)
    counts: dict[str, int] = {}
    if grid is not None:
        pos = _polygon_positions(x, y, src, grid, regular)
        values = grid[sc.GRID_ID].astype("str").to_numpy(dtype=object)
        out[sc.GRID_ID] = _ids(values, pos, reports.index)
        counts[sc.GRID_ID] = int(np.sum(pos < 0) - no_geom.sum())
    if streets is not None:
        metric = metric_crs_for(reports.geometry, metric_crs=metric_crs)
        for col, values in _join_streets(xy, streets, metric, float(d)).items():
            out[col] = values
        counts[sc.SEGMENT_ID] = int(out[sc.SEGMENT_ID].isna().sum() - no_geom.sum())
    if areas is not None:
        for col, pos in _assign_areas(x, y, src, areas).items():
            values = areas[sc.AREA_ID].astype("str").to_numpy(dtype=object)
            out[col] = _ids(values, pos, reports.index)
            counts[col] = int(np.sum(pos < 0) - no_geom.sum())
    if counts and (no_geom.any() or any(v > 0 for v in counts.values())):
        _warn_unassigned({"no_geometry": int(no_geom.sum()), **counts}, len(out), d)
    return out


@dataclass(frozen=True)
class _Layers:
    """The layers :func:`assign` joins to (None: not joined)."""

    grid: Any
    streets: Any
    areas: Any


@dataclass(frozen=True, eq=False)
class _ReportXY:
    """Report coordinates (NaN without one) in ``src``, and the reports' index."""

    x: FloatArray
    y: FloatArray
    src: pyproj.CRS
    index: pd.Index


def _assign_problems(
    layers: _Layers,
    d: object,
    not_point: BoolArray,
    regular: tuple[RegularGrid, IntArray] | None,
) -> list[str]:
    """Return every problem of :func:`assign`'s distance, reports and layers."""
    problems = [
        p
        for p in (
            positive_number(
                d,
                "max_street_distance_m",
                example="max_street_distance_m=30",
                unit="metres",
            ),
        )
        if p
    ]
    if not_point.any():
        problems.append(
            f"reports: {int(not_point.sum())} geometries are not Points. Pass one "
            "point per report (e.g. .geometry.representative_point())."
        )
    if layers.grid is not None:
        problems += _check_layer(
            layers.grid,
            "grid",
            (sc.GRID_ID,),
            ("Polygon", "MultiPolygon"),
            "Load it with read_boundaries(..., kind='grid').",
            known_valid=regular is not None,
        )
    if layers.streets is not None:
        problems += _check_layer(
            layers.streets,
            "streets",
            (sc.SEGMENT_ID,),
            ("LineString",),
            "Pass street segments: segment_streets(streets).",
        )
    if layers.areas is not None:
        problems += _check_layer(
            layers.areas,
            "areas",
            (sc.AREA_ID, sc.AREA_LEVEL, sc.AREA_PARENT),
            ("Polygon", "MultiPolygon"),
            "Load it with read_boundaries(..., kind='areas').",
        )
        problems += _level_problems(layers.areas)
    return problems


def _level_problems(areas: gpd.GeoDataFrame) -> list[str]:
    """Return the problem of area levels outside the three known ones, if any."""
    if sc.AREA_LEVEL not in areas.columns:
        return []
    lv = areas[sc.AREA_LEVEL].astype("str")
    if lv.isin(sc.AREA_LEVELS).all():
        return []
    n_null = int(lv.isna().sum())
    got = sorted(set(lv.dropna()) - set(sc.AREA_LEVELS))
    return [
        f"areas.level must be one of {', '.join(sc.AREA_LEVELS)}, got "
        + (f"{got!r}" if got else "")
        + (" and " if got and n_null else "")
        + (f"{n_null} areas without a level" if n_null else "")
        + ". Give every area its level."
    ]


def _join_streets(
    xy: _ReportXY, streets: gpd.GeoDataFrame, metric: pyproj.CRS, d: float
) -> dict[str, pd.Series]:
    """Return the nearest segment's id, street name and distance per report."""
    mx, my = _xy_in(xy.x, xy.y, xy.src, metric)
    seg = streets.geometry
    if pyproj.CRS.from_user_input(streets.crs).equals(metric):
        seg_geoms = seg.to_numpy()
    else:
        with collector_paused():  # a city's 100,000 segments, rebuilt
            seg_geoms = seg.to_crs(metric).to_numpy()
    seg_ids = streets[sc.SEGMENT_ID].astype("str").to_numpy(dtype=object)
    rank = np.empty(len(seg_ids), dtype=np.int64)
    rank[np.argsort(seg_ids.astype(str), kind="stable")] = np.arange(len(seg_ids))
    pos, dist = nearest_segments(mx, my, seg_geoms, max_distance_m=d, rank=rank)
    # street names are optional (OSM and survey layers often have none)
    names = (
        streets[sc.STREET_NAME].astype("str").to_numpy(dtype=object)
        if sc.STREET_NAME in streets.columns
        else np.full(len(streets), None, dtype=object)
    )
    return {
        sc.SEGMENT_ID: _ids(seg_ids, pos, xy.index),
        sc.STREET_NAME: _ids(names, pos, xy.index),
        sc.STREET_DISTANCE_M: pd.Series(dist, index=xy.index),
    }


def _warn_unassigned(counts: dict[str, int], n: int, d: object) -> None:
    """Warn once with the number of reports left without each id."""
    parts = [f"{v} of {n} reports have no {k}" for k, v in counts.items() if v]
    parts = [p.replace("have no no_geometry", "have no coordinates") for p in parts]
    warnings.warn(
        ReportsLeftOutWarning(
            "; ".join(parts) + ". They are kept with NA ids (reports outside "
            "every cell or area, or farther than max_street_distance_m="
            f"{d} m from every street)."
        ),
        stacklevel=3,
    )


_LEVEL_COLUMNS: Final = {
    "district": sc.DISTRICT_ID,
    "subdistrict": sc.SUBDISTRICT_ID,
    "community": sc.COMMUNITY_ID,
}


def _assign_areas(
    x: FloatArray, y: FloatArray, src: pyproj.CRS, areas: gpd.GeoDataFrame
) -> dict[str, IntArray]:
    """Positions (into ``areas``) of each level's area per report, or -1."""
    n = len(x)
    level = areas[sc.AREA_LEVEL].astype("str").to_numpy()
    ids = areas[sc.AREA_ID].astype("str").to_numpy()
    where = pd.Series(np.arange(len(ids)), index=ids)
    where = where[~where.index.duplicated()]
    parent_ids = areas[sc.AREA_PARENT].astype("str").to_numpy(dtype=object)
    known = pd.Series(parent_ids).isin(where.index).to_numpy()
    parent = np.full(len(ids), -1, dtype=np.int64)
    parent[known] = where.reindex(parent_ids[known]).to_numpy()
    lx, ly = _xy_in(x, y, src, areas.crs)
    result = {col: np.full(n, -1, dtype=np.int64) for col in _LEVEL_COLUMNS.values()}
    levels = list(_LEVEL_COLUMNS)
    for k in range(len(levels) - 1, -1, -1):
        lv = levels[k]
        rows = np.flatnonzero(level == lv)
        todo = np.flatnonzero(result[_LEVEL_COLUMNS[lv]] < 0)
        if len(rows) == 0 or len(todo) == 0:
            continue
        local = locate_in_polygons(lx[todo], ly[todo], areas.geometry.to_numpy()[rows])
        found = local >= 0
        hit = todo[found]
        pos = rows[local[found]]
        result[_LEVEL_COLUMNS[lv]][hit] = pos
        # ancestors through parent_id
        for up in range(k - 1, -1, -1):
            pos = np.where(pos >= 0, parent[np.maximum(pos, 0)], -1)
            col = _LEVEL_COLUMNS[levels[up]]
            ok = (pos >= 0) & (level[np.maximum(pos, 0)] == levels[up])
            result[col][hit[ok]] = pos[ok]
    return result
