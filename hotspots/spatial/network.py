"""The street graph: shortest travel over street segments, snapping, route geometry.

A :class:`StreetGraph` is built once from street segments (the output of
``hotspots.segment_streets``: ``segment_id``, ``u``, ``v``,
``oneway``, LineString geometry, any CRS). Nodes are the segments' end node
ids ``u`` and ``v``; each segment is an edge ``u -> v`` (its geometry runs
from ``u`` to ``v``) and, unless one-way restrictions apply to the travel
mode, also ``v -> u``. Edge weights are lengths in metres measured in a local
metric CRS (the one policy, :func:`hotspots._core.crs.metric_crs_for`), so the
``length_m`` column is recomputed rather than trusted.

Travel modes and one-way streets:

* ``"walking"`` ignores ``oneway`` (pedestrians use the pavement both ways);
* ``"car"`` and ``"ebike"`` follow ``oneway`` (the direction of the geometry,
  ``u`` to ``v``). China's Road Traffic Safety Law binds non-motor vehicles,
  e-bikes included, to one-way signs, so an e-bike patrol is planned lawfully;
  where a one-way street has a contra-flow bike lane, mark it two-way in the
  data.

Points (patrol targets, depots) are snapped to the nearest point of the
network: a position ``offset_m`` metres along one segment. Travel times
between snapped points combine the partial segments at both ends with
node-to-node shortest paths computed in bulk by
:func:`scipy.sparse.csgraph.dijkstra` (one call for every source at once).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.ops import substring

from .._core import schema
from .._core.crs import metric_crs_for
from .._core.objects import collector_paused
from .._core.types import BoolArray, FloatArray, IntArray
from .._core.validate import missing_columns, positive_number, require_geoframe
from ..errors import HotspotsWarning, InputError, collect_problems

__all__ = [
    "DEFAULT_SPEED_KMH",
    "Mode",
    "Snapped",
    "StreetGraph",
    "TravelTable",
    "depot_legs",
    "leg_paths",
    "path_line",
    "snap",
    "street_graph",
    "travel_matrix",
    "travel_table",
]

Mode = Literal["walking", "ebike", "car"]

#: Default city speeds per mode (km/h): walking patrols, e-bikes, patrol cars.
DEFAULT_SPEED_KMH: Final[dict[str, float]] = {
    "walking": 4.5,
    "ebike": 15.0,
    "car": 25.0,
}
#: Modes that must follow one-way streets.
_ONEWAY_MODES: Final = frozenset({"ebike", "car"})
_MIN_EDGE_M: Final = 1e-6  # zero-length edges would vanish from a sparse graph


@dataclass(frozen=True)
class StreetGraph:
    """A directed street graph in a metric CRS.

    Attributes
    ----------
    crs
        The metric CRS every coordinate and length here is in.
    source_crs
        The CRS of the segments passed in (outputs are returned in it).
    mode
        The travel mode the one-way rules were applied for.
    speed_kmh
        Travel speed in km/h.
    node_ids
        The original ``u``/``v`` id of every node (position = node index).
    segment_ids
        ``segment_id`` of every segment (position = segment index).
    seg_u, seg_v
        Node index of each segment's start and end.
    seg_length_m
        Geometric length of each segment in metres.
    seg_forward_only
        True where the segment may only be travelled ``u -> v`` in this mode.
    geometry
        Segment LineStrings in :attr:`crs`.
    matrix
        CSR adjacency, ``matrix[a, b]`` = metres of the shortest segment
        from node ``a`` to node ``b`` (parallel segments reduced to the
        shortest).
    edge_segment
        Same structure as :attr:`matrix`, holding the segment index + 1 of
        that shortest segment.
    """

    crs: pyproj.CRS
    source_crs: pyproj.CRS
    mode: Mode
    speed_kmh: float
    node_ids: npt.NDArray[np.int64]
    segment_ids: npt.NDArray[np.object_]
    seg_u: IntArray
    seg_v: IntArray
    seg_length_m: FloatArray
    seg_forward_only: npt.NDArray[np.bool_]
    geometry: npt.NDArray[np.object_]
    matrix: csr_matrix
    edge_segment: csr_matrix

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_ids.shape[0])

    @property
    def metres_per_minute(self) -> float:
        """Travel speed in metres per minute."""
        return self.speed_kmh * 1000.0 / 60.0


def _validate_segments(segments: object) -> list[str]:
    """Return the problems of a street segment layer (raise: wrong type, no CRS)."""
    if not isinstance(segments, gpd.GeoDataFrame):
        msg = (
            "streets must be a GeoDataFrame of street segments "
            f"(hotspots.segment_streets), got {type(segments).__name__}."
        )
        raise TypeError(msg)
    require_geoframe(segments, "streets")
    need = (schema.SEGMENT_ID, schema.NODE_FROM, schema.NODE_TO)
    missing = missing_columns(
        segments,
        need,
        "streets",
        fix="Split the streets into segments with hotspots.segment_streets(streets).",
    )
    if missing:
        return [missing]
    if len(segments) == 0:
        return [
            "streets has no segments, got an empty frame. Pass the street segments "
            "of the area to patrol."
        ]
    problems: list[str] = []
    geom = segments.geometry.to_numpy()
    kinds = shapely.get_type_id(geom)
    bad = (kinds != shapely.GeometryType.LINESTRING) | shapely.is_empty(geom)
    if bad.any():
        ids = segments.loc[bad, schema.SEGMENT_ID].astype(str).tolist()[:5]
        problems.append(
            f"streets geometry must be non-empty LineStrings, got {int(bad.sum())} "
            f"other or empty geometries (e.g. segment_id {ids!r}). Explode "
            "MultiLineStrings and drop empty rows before building the graph."
        )
    for col in (schema.NODE_FROM, schema.NODE_TO):
        values = pd.to_numeric(segments[col], errors="coerce")
        if values.isna().any() or not np.all(np.mod(values.to_numpy(), 1) == 0):
            problems.append(
                f"streets column {col!r} must hold integer node ids, got "
                f"{segments[col].head(3).tolist()!r}... Rebuild the segments with "
                "hotspots.segment_streets."
            )
    if segments[schema.SEGMENT_ID].duplicated().any():
        dup = segments.loc[
            segments[schema.SEGMENT_ID].duplicated(), schema.SEGMENT_ID
        ].tolist()[:5]
        problems.append(
            f"streets segment_id must be unique, got duplicates {dup!r}. "
            "Rebuild the segments with hotspots.segment_streets."
        )
    return problems


def street_graph(
    segments: gpd.GeoDataFrame,
    *,
    mode: Mode = "walking",
    speed_kmh: float | None = None,
) -> StreetGraph:
    """Build the directed street graph of ``segments`` for a travel mode.

    Parameters
    ----------
    segments
        Street segments (``segment_id``, ``u``, ``v``, optional ``oneway``,
        LineString geometry running from node ``u`` to node ``v``), any CRS.
        ``oneway`` NA counts as two-way (with a warning).
    mode
        ``"walking"`` (ignores one-way streets), ``"ebike"`` or ``"car"``
        (both follow one-way streets).
    speed_kmh
        Travel speed; default :data:`DEFAULT_SPEED_KMH` of the mode.

    Returns
    -------
    StreetGraph
        The graph in the local metric CRS; the input is not changed.

    Raises
    ------
    InputError
        On missing columns, non-LineString geometry, bad node ids, a bad
        mode or speed.
    CRSError
        When ``segments`` has no CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> seg = gpd.GeoDataFrame(
    ...     {"segment_id": ["a", "b"], "u": [0, 1], "v": [1, 2]},
    ...     geometry=[
    ...         LineString([(500000, 4e6), (500100, 4e6)]),
    ...         LineString([(500100, 4e6), (500100, 4e6 + 9)]),
    ...     ],
    ...     crs="EPSG:32651",
    ... ).assign(oneway=[False, True])
    >>> g = street_graph(seg, mode="car")
    >>> g.n_nodes, float(g.matrix[1, 2]), float(g.matrix[2, 1])
    (3, 9.0, 0.0)
    """
    problems = _validate_segments(segments)
    if mode not in DEFAULT_SPEED_KMH:
        problems.append(
            f"mode must be one of {sorted(DEFAULT_SPEED_KMH)}, got {mode!r}. "
            "Pass mode='walking', 'ebike' or 'car'."
        )
    if speed_kmh is not None:
        bad_speed = positive_number(speed_kmh, "speed_kmh", example="speed_kmh=4.5")
        if bad_speed:
            problems.append(
                f"speed_kmh must be a positive number of km/h, got {speed_kmh!r}. "
                "Pass e.g. speed_kmh=4.5 for walking, or None for the mode's "
                "default."
            )
    collect_problems(problems, "street segments")
    crs = metric_crs_for(segments.geometry)
    geo = segments.geometry
    with collector_paused():  # every segment rebuilt in metres
        geom = (geo if geo.crs == crs else geo.to_crs(crs)).to_numpy()
    length = shapely.length(geom).astype(np.float64)
    u_raw = pd.to_numeric(segments[schema.NODE_FROM]).to_numpy(np.int64)
    v_raw = pd.to_numeric(segments[schema.NODE_TO]).to_numpy(np.int64)
    node_ids, inverse = np.unique(np.concatenate([u_raw, v_raw]), return_inverse=True)
    n_seg = len(segments)
    forward_only = _oneway(segments) & (mode in _ONEWAY_MODES)
    edges = _edges(inverse[:n_seg], inverse[n_seg:], length, forward_only)
    n = node_ids.shape[0]
    return StreetGraph(
        crs=crs,
        source_crs=pyproj.CRS.from_user_input(segments.crs),
        mode=mode,
        speed_kmh=float(
            speed_kmh if speed_kmh is not None else DEFAULT_SPEED_KMH[mode]
        ),
        node_ids=node_ids.astype(np.int64),
        segment_ids=segments[schema.SEGMENT_ID].astype(str).to_numpy(dtype=object),
        seg_u=inverse[:n_seg].astype(np.int64),
        seg_v=inverse[n_seg:].astype(np.int64),
        seg_length_m=length,
        seg_forward_only=forward_only,
        geometry=geom,
        matrix=csr_matrix((edges.weight, (edges.src, edges.dst)), shape=(n, n)),
        edge_segment=csr_matrix(
            ((edges.segment + 1).astype(np.float64), (edges.src, edges.dst)),
            shape=(n, n),
        ),
    )


def _oneway(segments: gpd.GeoDataFrame) -> BoolArray:
    """Return the one-way flag of each segment (NA: two-way, with a warning)."""
    if schema.ONEWAY not in segments.columns:
        return np.zeros(len(segments), dtype=bool)
    ow = segments[schema.ONEWAY].astype("boolean")
    n_na = int(ow.isna().sum())
    if n_na:
        warnings.warn(
            f"{n_na} street segments have no 'oneway' value; they are "
            "treated as two-way.",
            HotspotsWarning,
            stacklevel=3,
        )
    return np.asarray(ow.fillna(False).to_numpy(dtype=bool))


@dataclass(frozen=True, eq=False)
class _Edges:
    """Directed edges of the street graph: the shortest segment per node pair."""

    src: IntArray
    dst: IntArray
    weight: FloatArray
    segment: IntArray


def _edges(
    seg_u: IntArray, seg_v: IntArray, length: FloatArray, forward_only: BoolArray
) -> _Edges:
    """Return the directed edges (both ways unless one-way), loops dropped."""
    n_seg = len(seg_u)
    seg_idx = np.arange(n_seg, dtype=np.int64)
    back = ~forward_only
    src = np.concatenate([seg_u, seg_v[back]]).astype(np.int64)
    dst = np.concatenate([seg_v, seg_u[back]]).astype(np.int64)
    wgt = np.maximum(np.concatenate([length, length[back]]), _MIN_EDGE_M)
    sid = np.concatenate([seg_idx, seg_idx[back]])
    keep = src != dst  # loops never shorten a path
    src, dst, wgt, sid = src[keep], dst[keep], wgt[keep], sid[keep]
    order = np.lexsort((sid, wgt, dst, src))
    src, dst, wgt, sid = src[order], dst[order], wgt[order], sid[order]
    first = np.ones(src.shape[0], dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    return _Edges(src=src[first], dst=dst[first], weight=wgt[first], segment=sid[first])


@dataclass(frozen=True)
class Snapped:
    """Points snapped onto a :class:`StreetGraph`.

    Attributes
    ----------
    segment
        Segment index of each point, -1 where nothing lies within reach.
    offset_m
        Distance along the segment from its ``u`` end, NaN where unsnapped.
    distance_m
        Distance from the input geometry to the network (to the nearest
        segment even when that is beyond reach; NaN for empty geometry).
    point
        The snapped point on the network (metric CRS), None where unsnapped.
    """

    segment: IntArray
    offset_m: FloatArray
    distance_m: FloatArray
    point: npt.NDArray[np.object_]

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """True where the point was snapped."""
        return self.segment >= 0


def _representative_points(
    geoms: npt.NDArray[np.object_],
) -> npt.NDArray[np.object_]:
    """Represent points by themselves, lines by midpoints, areas by inner points."""
    out = np.empty(geoms.shape[0], dtype=object)
    kind = shapely.get_type_id(geoms)
    is_point = kind == shapely.GeometryType.POINT
    is_line = np.isin(
        kind, [shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING]
    )
    other = ~is_point & ~is_line
    out[is_point] = geoms[is_point]
    if is_line.any():
        out[is_line] = shapely.line_interpolate_point(
            shapely.line_merge(geoms[is_line]), 0.5, normalized=True
        )
    if other.any():
        out[other] = shapely.point_on_surface(geoms[other])
    return out


def snap(
    graph: StreetGraph,
    geoms: Sequence[object] | npt.NDArray[np.object_],
    *,
    max_distance_m: float,
) -> Snapped:
    """Snap geometries (in ``graph.crs``) onto the street network.

    A point snaps to the nearest point of the nearest segment. A line or an
    area is within reach when any of its parts lies within ``max_distance_m``
    of a segment; among the segments in reach it snaps to the one nearest
    its representative point (the midpoint of a line, an inner point of an
    area), so a grid cell bordered by a street snaps onto that street.
    Ties break on the lower segment index (deterministic).

    Parameters
    ----------
    graph
        The street graph.
    geoms
        Shapely geometries in ``graph.crs``; None or empty ones stay unsnapped.
    max_distance_m
        Reach in metres.

    Returns
    -------
    Snapped
        One entry per geometry, in order.
    """
    g = np.asarray(geoms, dtype=object)
    n = g.shape[0]
    segment = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    distance = np.full(n, np.nan)
    point = np.full(n, None, dtype=object)
    valid = ~(shapely.is_missing(g) | shapely.is_empty(g))
    if not valid.any():
        return Snapped(segment, offset, distance, point)
    vidx = np.flatnonzero(valid)
    gv = g[vidx]
    tree = shapely.STRtree(graph.geometry)
    nearest, dist = tree.query_nearest(gv, return_distance=True, all_matches=False)
    distance[vidx[nearest[0]]] = dist
    pairs = tree.query(gv, predicate="dwithin", distance=max_distance_m)
    if pairs.shape[1] == 0:
        return Snapped(segment, offset, distance, point)
    rep = _representative_points(gv)
    d_rep = shapely.distance(rep[pairs[0]], graph.geometry[pairs[1]])
    order = np.lexsort((pairs[1], d_rep, pairs[0]))
    first = np.ones(order.shape[0], dtype=bool)
    sorted_q = pairs[0][order]
    first[1:] = sorted_q[1:] != sorted_q[:-1]
    q = sorted_q[first]
    s = pairs[1][order][first]
    lines = graph.geometry[s]
    off = shapely.line_locate_point(lines, rep[q])
    target = vidx[q]
    segment[target] = s
    offset[target] = off
    point[target] = shapely.line_interpolate_point(lines, off)
    return Snapped(segment, offset, distance, point)


def _ends(
    graph: StreetGraph, snapped: Snapped
) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
    """Exit and entry nodes of each snapped point with their partial lengths.

    Returns ``(exit_node, exit_cost, entry_node, entry_cost)``, each of shape
    ``(n, 2)``: column 0 is the segment's ``u`` end, column 1 its ``v`` end;
    cost ``inf`` where the one-way rule forbids that direction (a point on
    the end node itself can always leave or be entered there).
    """
    s = snapped.segment
    ln = graph.seg_length_m[s]
    d = np.clip(snapped.offset_m, 0.0, ln)
    fwd = graph.seg_forward_only[s]
    nodes = np.stack([graph.seg_u[s], graph.seg_v[s]], axis=1)
    back_to_u = np.where(fwd & (d > _MIN_EDGE_M), np.inf, d)
    back_from_v = np.where(fwd & (ln - d > _MIN_EDGE_M), np.inf, ln - d)
    exit_cost = np.stack([back_to_u, ln - d], axis=1)
    entry_cost = np.stack([d, back_from_v], axis=1)
    return nodes, exit_cost, nodes.copy(), entry_cost


def _direct(graph: StreetGraph, snapped: Snapped) -> FloatArray:
    """Metres between points on the same segment without leaving it (else inf)."""
    s = snapped.segment
    d = snapped.offset_m
    same = s[:, None] == s[None, :]
    delta = d[None, :] - d[:, None]
    fwd = graph.seg_forward_only[s][:, None]
    ok = same & (~fwd | (delta >= 0))
    return np.where(ok, np.abs(delta), np.inf)


@dataclass(frozen=True)
class TravelTable:
    """Shortest network distances between snapped points, and how they go.

    Attributes
    ----------
    metres
        ``(n, n)`` shortest distances in metres, ``inf`` where no path exists,
        zero diagonal.
    choice
        ``(n, n)`` how each shortest path leaves and enters: ``2 * a + b``
        with ``a`` the end (0 = ``u``, 1 = ``v``) by which it leaves the
        origin's segment and ``b`` the end by which it enters the
        destination's; 4 = along the shared segment without leaving it.
    """

    metres: FloatArray
    choice: IntArray


def travel_table(graph: StreetGraph, snapped: Snapped) -> TravelTable:
    """Shortest network distances between every pair of snapped points.

    One :func:`scipy.sparse.csgraph.dijkstra` call runs from every distinct
    end node of the points' segments; the point-to-point distance is the best
    of leaving the origin segment by either end, the node-to-node shortest
    path, and entering the destination segment by either end (or staying on
    a shared segment), obeying the one-way rules of ``graph``.

    Parameters
    ----------
    graph
        The street graph.
    snapped
        Snapped points; every one must be snapped (``snapped.ok.all()``).

    Returns
    -------
    TravelTable
        Distances and path choices.

    Raises
    ------
    InputError
        When a point is not snapped.

    References
    ----------
    .. [1] Dijkstra, E. W. (1959). A note on two problems in connexion with
       graphs. Numerische Mathematik 1, 269-271.
    """
    if not snapped.ok.all():
        msg = (
            "every point must be snapped before computing travel distances, got "
            f"{int((~snapped.ok).sum())} unsnapped. Drop them or raise the "
            "snapping distance."
        )
        raise InputError(msg)
    n = snapped.segment.shape[0]
    ex_node, ex_cost, en_node, en_cost = _ends(graph, snapped)
    sources, src_pos = np.unique(ex_node.ravel(), return_inverse=True)
    src_pos = src_pos.reshape(n, 2)
    dist = np.atleast_2d(dijkstra(graph.matrix, directed=True, indices=sources))
    best = np.full((n, n), np.inf)
    choice = np.full((n, n), -1, dtype=np.int64)
    for a in range(2):
        for b in range(2):
            node_to_node = dist[src_pos[:, a]][:, en_node[:, b]]
            cand = ex_cost[:, a, None] + node_to_node + en_cost[None, :, b]
            better = cand < best
            best = np.where(better, cand, best)
            choice = np.where(better, a * 2 + b, choice)
    direct = _direct(graph, snapped)
    better = direct <= best
    best = np.where(better, direct, best)
    choice = np.where(better, 4, choice)
    np.fill_diagonal(best, 0.0)
    np.fill_diagonal(choice, 4)
    return TravelTable(best, choice)


def depot_legs(
    graph: StreetGraph, snapped: Snapped, depots: int
) -> tuple[FloatArray, FloatArray]:
    """Return metres from the first ``depots`` points to every point, and back.

    The depots' rows and columns of :func:`travel_table` from two Dijkstra
    searches per depot instead of one per point: forward from the depot on
    the graph, backward from it on the reversed graph. The way out is exactly
    :func:`travel_table`'s; the way back is the same shortest path summed from
    the other end, so it can differ from it in the last bits.

    Parameters
    ----------
    graph
        The street graph.
    snapped
        Points snapped onto it (all snapped), the depots first.
    depots
        How many of the first points are depots.

    Returns
    -------
    tuple of numpy.ndarray
        ``out`` of shape ``(depots, n)`` and ``back`` of shape ``(n, depots)``,
        metres, ``inf`` where no path exists.
    """
    ex_node, ex_cost, en_node, en_cost = _ends(graph, snapped)
    direct = _direct(graph, snapped)
    d = int(depots)
    starts, start_pos = np.unique(ex_node[:d].ravel(), return_inverse=True)
    start_pos = start_pos.reshape(d, 2)
    dist = np.atleast_2d(dijkstra(graph.matrix, directed=True, indices=starts))
    ends, end_pos = np.unique(en_node[:d].ravel(), return_inverse=True)
    end_pos = end_pos.reshape(d, 2)
    reverse = graph.matrix.T.tocsr()
    to_end = np.atleast_2d(dijkstra(reverse, directed=True, indices=ends))
    out = direct[:d].copy()
    back = direct[:, :d].copy()
    for a in range(2):
        for b in range(2):
            there = dist[start_pos[:, a]][:, en_node[:, b]]
            out = np.minimum(out, ex_cost[:d, a, None] + there + en_cost[None, :, b])
            home = to_end[end_pos[:, b]][:, ex_node[:, a]].T
            back = np.minimum(back, ex_cost[:, a, None] + home + en_cost[None, :d, b])
    out[np.arange(d), np.arange(d)] = 0.0
    back[np.arange(d), np.arange(d)] = 0.0
    return out, back


def travel_matrix(graph: StreetGraph, snapped: Snapped) -> FloatArray:
    """Shortest network distances in metres between snapped points.

    The ``metres`` of :func:`travel_table`: ``(n, n)``, ``inf`` where no path
    exists, zero diagonal.
    """
    return travel_table(graph, snapped).metres


def _coords(line: object) -> FloatArray:
    return np.asarray(shapely.get_coordinates(line), dtype=np.float64)


def _partial(graph: StreetGraph, seg: int, start_m: float, end_m: float) -> FloatArray:
    """Coordinates along segment ``seg`` from ``start_m`` to ``end_m`` (or back)."""
    line = graph.geometry[seg]
    if abs(end_m - start_m) < 1e-9:
        pt = shapely.line_interpolate_point(line, start_m)
        return _coords(pt)
    return _coords(substring(line, start_m, end_m))


def leg_paths(
    graph: StreetGraph,
    snapped: Snapped,
    legs: Sequence[tuple[int, int]],
    *,
    table: TravelTable | None = None,
) -> list[FloatArray]:
    """Coordinates (metric CRS) of the shortest network path of each leg.

    Each path starts at the origin's snapped point, follows the partial
    origin segment to a node, the shortest node path (one dijkstra call with
    predecessors for all legs' exit nodes together), and the partial
    destination segment to the destination's snapped point.

    Parameters
    ----------
    graph
        The street graph.
    snapped
        Snapped points (all snapped).
    legs
        ``(origin, destination)`` positions into ``snapped``.
    table
        The :func:`travel_table` of ``snapped`` if already computed.

    Returns
    -------
    list of numpy.ndarray
        ``(k, 2)`` coordinates per leg; an unreachable leg gives an empty array.
    """
    if not legs:
        return []
    tt = travel_table(graph, snapped) if table is None else table
    best, choice = tt.metres, tt.choice
    ex_node, _, en_node, _ = _ends(graph, snapped)
    exits = sorted(
        {
            int(ex_node[i, choice[i, j] // 2])
            for i, j in legs
            if 0 <= choice[i, j] < 4 and np.isfinite(best[i, j])
        }
    )
    pred_of: dict[int, npt.NDArray[np.int32]] = {}
    if exits:
        _, pred = dijkstra(
            graph.matrix, directed=True, indices=exits, return_predecessors=True
        )
        pred = np.atleast_2d(pred)
        pred_of = {node: pred[k] for k, node in enumerate(exits)}
    seg_of = graph.edge_segment
    out: list[FloatArray] = []
    for i, j in legs:
        if not np.isfinite(best[i, j]):
            out.append(np.empty((0, 2)))
            continue
        si, sj = int(snapped.segment[i]), int(snapped.segment[j])
        di, dj = float(snapped.offset_m[i]), float(snapped.offset_m[j])
        c = int(choice[i, j])
        if c == 4:
            out.append(_partial(graph, si, di, dj))
            continue
        a, b = divmod(c, 2)
        start = int(ex_node[i, a])
        end = int(en_node[j, b])
        parts = [_partial(graph, si, di, 0.0 if a == 0 else graph.seg_length_m[si])]
        nodes = [end]
        pred = pred_of[start]
        while nodes[-1] != start:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        for x, y in itertools.pairwise(nodes):
            k = int(seg_of[x, y]) - 1
            coords = _coords(graph.geometry[k])
            parts.append(coords if graph.seg_u[k] == x else coords[::-1])
        parts.append(_partial(graph, sj, 0.0 if b == 0 else graph.seg_length_m[sj], dj))
        out.append(_join(parts))
    return out


def _join(parts: list[FloatArray]) -> FloatArray:
    """Concatenate coordinate runs, dropping repeated points at the joins."""
    xy = np.concatenate([p for p in parts if p.size], axis=0)
    if xy.shape[0] < 2:
        return xy
    keep = np.ones(xy.shape[0], dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(xy, axis=0)) > 1e-9, axis=1)
    return xy[keep]


def path_line(parts: Sequence[FloatArray]) -> LineString | None:
    """One LineString from consecutive leg coordinates (None when nothing moves)."""
    usable = [p for p in parts if p.size]
    if not usable:
        return None
    xy = _join(list(usable))
    if xy.shape[0] < 2:
        xy = np.vstack([xy, xy])
    return LineString(xy)
