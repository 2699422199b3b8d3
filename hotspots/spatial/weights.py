"""Spatial weights: who is whose neighbour, as a sparse binary matrix.

:func:`spatial_weights` builds the neighbour structure of a set of units
(grid cells, areas, street segments) once, in bulk, with numpy, shapely and
scipy (no Python loop per unit):

* ``"queen"`` / ``"rook"``: polygons sharing a vertex / an edge (two
  consecutive vertices). This is the vertex-set rule of libpysal's
  ``Graph.build_contiguity(strict=False)`` (its default) and of
  ``Queen.from_dataframe``: coordinates must match exactly, so a vertex lying
  on the middle of a neighbour's edge (a T-junction) does not make a link.
* ``"distance"``: centroids within ``distance_m`` metres (inclusive).
* ``"knn"``: the ``k`` nearest centroids (not symmetrised, as libpysal).
* ``"network"``: street segments that share an end node ``u`` or ``v``
  (segments meeting at an intersection), as made by
  ``hotspots.segment_streets``.

The result, :class:`SpatialWeights`, is always binary with a zero diagonal;
:meth:`SpatialWeights.transform` gives the row-standardised matrix. Units
without a neighbour (islands) are kept, listed in ``islands`` and counted in
an :class:`IslandsWarning`; they never cause an error.

Distances (``"distance"``, ``"knn"``) are measured between centroids in
metres, in the CRS of the one metric-CRS policy
(:func:`hotspots._core.crs.metric_crs_for`: the local UTM zone of the units).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from .._core.crs import metric_crs_for
from .._core.schema import NODE_FROM, NODE_TO
from .._core.types import FloatArray, IntArray
from .._core.validate import positive_number, unique_ids, unit_column, whole_number
from ..errors import CRSError, HotspotsWarning, InputError, collect_problems

if TYPE_CHECKING:
    from libpysal.graph import Graph

__all__ = [
    "IslandsWarning",
    "SpatialWeights",
    "Transform",
    "WeightsKind",
    "default_weights",
    "spatial_weights",
]

WeightsKind = Literal["queen", "rook", "distance", "knn", "network"]
Transform = Literal["B", "R"]
KINDS: Final = get_args(WeightsKind)
TRANSFORMS: Final = get_args(Transform)
_POLYGONAL: Final = ("Polygon", "MultiPolygon")
_LINEAR: Final = ("LineString", "MultiLineString", "LinearRing")


class IslandsWarning(HotspotsWarning):
    """Some units have no neighbour; they are kept and listed in ``islands``."""


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """A binary spatial weights matrix with the ids of its units.

    Attributes
    ----------
    ids
        Unit ids in the order of the rows (the units' order when built).
    sparse
        ``n x n`` CSR matrix of 0/1 floats, zero diagonal; row ``i`` holds the
        neighbours of unit ``i``.
    islands
        Ids of the units with no neighbour.
    kind
        How the neighbours were defined (``"queen"``, ``"rook"``,
        ``"distance"``, ``"knn"`` or ``"network"``).
    unit
        Name of the units' column the ids came from, or None when they are
        the units' index. Used to align the weights with a frame later.
    """

    ids: pd.Index
    sparse: sparse.csr_matrix
    islands: tuple[Hashable, ...]
    kind: str
    unit: str | None = None

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.ids)

    @property
    def cardinalities(self) -> IntArray:
        """Number of neighbours of each unit (row order)."""
        card: IntArray = np.diff(self.sparse.indptr).astype(np.int64)
        return card

    @property
    def n_links(self) -> int:
        """Number of (directed) neighbour links, the non-zeros of ``sparse``."""
        return int(self.sparse.nnz)

    def transform(self, how: Transform = "B") -> sparse.csr_matrix:
        """Return the weights matrix binary (``"B"``) or row-standardised (``"R"``).

        Parameters
        ----------
        how
            ``"B"``: 0/1 weights (a copy of ``sparse``). ``"R"``: each row
            divided by its number of neighbours so it sums to 1; island rows
            stay all zero.

        Returns
        -------
        scipy.sparse.csr_matrix
            A new matrix; ``sparse`` is not changed.
        """
        if how not in TRANSFORMS:
            msg = (
                f"how must be 'B' (binary) or 'R' (row-standardised), got {how!r}. "
                "Pass how='R' for row-standardised weights."
            )
            raise InputError(msg)
        w = self.sparse.copy()
        if how == "R":
            card = self.cardinalities
            scale = np.divide(1.0, card, out=np.zeros(len(card)), where=card > 0)
            w.data = w.data * np.repeat(scale, card)
        return w

    def align(self, ids: pd.Index | Sequence[Hashable]) -> SpatialWeights:
        """Return the weights re-ordered to ``ids`` (a permutation of ``self.ids``).

        Parameters
        ----------
        ids
            Every id of ``self.ids`` exactly once, in the wanted order.

        Returns
        -------
        SpatialWeights
            The same neighbour relation with rows and columns in ``ids`` order.

        Raises
        ------
        InputError
            When ``ids`` is not a permutation of ``self.ids``.
        """
        target = ids if isinstance(ids, pd.Index) else pd.Index(list(ids))
        pos = self.ids.get_indexer(target) if self.ids.is_unique else None
        if (
            pos is None
            or len(target) != self.n
            or (pos < 0).any()
            or not target.is_unique
        ):
            missing = 0 if pos is None else int((pos < 0).sum())
            msg = (
                f"ids must list each of the {self.n} ids of the weights once, got "
                f"{len(target)} ids of which {missing} are unknown. Build the "
                "weights from the same units (spatial_weights(units, ...))."
            )
            raise InputError(msg)
        w = self.sparse[pos][:, pos].tocsr()
        w.sort_indices()
        return SpatialWeights(
            ids=target,
            sparse=w,
            islands=self.islands,
            kind=self.kind,
            unit=self.unit,
        )

    def to_libpysal(self) -> Graph:
        """Return the weights as a ``libpysal.graph.Graph`` (binary).

        Islands appear as libpysal represents them: a self-loop of weight 0.

        Returns
        -------
        libpysal.graph.Graph
            Same ids and links, for use with esda and other PySAL packages.
        """
        from libpysal.graph import Graph

        coo = self.sparse.tocoo()
        card = self.cardinalities
        iso = np.flatnonzero(card == 0)
        heads = np.concatenate([coo.row, iso])
        tails = np.concatenate([coo.col, iso])
        vals = np.concatenate([coo.data, np.zeros(len(iso))])
        order = np.lexsort((tails, heads))
        ids = np.asarray(self.ids, dtype=object)
        return Graph.from_arrays(ids[heads[order]], ids[tails[order]], vals[order])

    def __repr__(self) -> str:
        return (
            f"SpatialWeights(kind={self.kind!r}, n={self.n}, links={self.n_links}, "
            f"islands={len(self.islands)})"
        )


# -- builders --------------------------------------------------------------------------


def _binary(rows: IntArray, cols: IntArray, n: int) -> sparse.csr_matrix:
    """Symmetric-or-not 0/1 CSR from index pairs, zero diagonal, sorted indices."""
    keep = rows != cols
    m = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n, n)
    )
    m.sum_duplicates()
    m.data[:] = 1.0
    m.sort_indices()
    return m


def _cooccurrence(owner: IntArray, key: IntArray, n: int) -> sparse.csr_matrix:
    """Units sharing any ``key`` value: (A A^T > 0) of the unit-by-key incidence."""
    if len(key) == 0:
        return sparse.csr_matrix((n, n))
    n_keys = int(key.max()) + 1
    order = np.argsort(owner, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=indptr[1:])
    inc = sparse.csr_matrix(
        (np.ones(len(key), dtype=np.float32), key[order], indptr), shape=(n, n_keys)
    )
    co = sparse.csr_matrix(inc @ inc.T)
    # drop the diagonal and set every link to 1, keeping CSR order
    counts = np.diff(co.indptr)
    rows = np.repeat(np.arange(n), counts)
    keep = co.indices != rows
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=n), out=new_indptr[1:])
    out = sparse.csr_matrix(
        (np.ones(int(keep.sum())), co.indices[keep], new_indptr), shape=(n, n)
    )
    out.sort_indices()
    return out


def _vertex_codes(coords: FloatArray) -> IntArray:
    """Integer code per coordinate pair; equal codes iff exactly equal pairs."""
    # + 0.0 turns -0.0 into 0.0 so they compare equal, as in a Python tuple
    z = (coords[:, 0] + 0.0) + 1j * (coords[:, 1] + 0.0)
    codes, _ = pd.factorize(z)
    return codes.astype(np.int64)


def _contiguity(geoms: npt.NDArray[Any], rook: bool) -> sparse.csr_matrix:
    n = len(geoms)
    if not rook:
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        return _cooccurrence(owner.astype(np.int64), _vertex_codes(coords), n)
    # rook: consecutive vertices of each ring (or line part) form an edge
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    is_poly = np.isin(shapely.get_type_id(parts), (3,))  # Polygon
    rings, ring_part = shapely.get_rings(parts[is_poly], return_index=True)
    ring_owner = part_owner[is_poly][ring_part]
    lines = np.concatenate([rings, parts[~is_poly]])
    line_owner = np.concatenate([ring_owner, part_owner[~is_poly]]).astype(np.int64)
    coords, line_idx = shapely.get_coordinates(lines, return_index=True)
    vid = _vertex_codes(coords)
    same = line_idx[:-1] == line_idx[1:]
    a, b = vid[:-1][same], vid[1:][same]
    owner = line_owner[line_idx[:-1][same]]
    real = a != b
    a, b, owner = a[real], b[real], owner[real]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    edge_codes, _ = pd.factorize(lo * (int(vid.max()) + 1) + hi)
    return _cooccurrence(owner, edge_codes.astype(np.int64), n)


def default_weights(units: gpd.GeoDataFrame) -> Literal["network", "queen"]:
    """Return the kind of weights a step uses when the caller names none.

    The one rule: ``"network"`` (segments touching at a street node) for street
    segments, that is units with the end-node columns ``u`` and ``v`` whose
    every geometry is a line; ``"queen"`` (shared edge or corner) otherwise.

    Parameters
    ----------
    units
        The units (grid cells, areas or street segments).

    Returns
    -------
    str
        ``"network"`` or ``"queen"``.

    Examples
    --------
    >>> from hotspots import square_grid
    >>> grid = square_grid((120.0, 36.0, 120.01, 36.01), cell_size_m=500, crs=4326)
    >>> default_weights(grid)
    'queen'
    """
    if not {NODE_FROM, NODE_TO} <= set(units.columns) or len(units) == 0:
        return "queen"
    kinds = shapely.get_type_id(np.asarray(units.geometry.values, dtype=object))
    lines = (kinds == shapely.GeometryType.LINESTRING) | (
        kinds == shapely.GeometryType.MULTILINESTRING
    )
    return "network" if bool(lines.all()) else "queen"


def _metric_centroids(units: gpd.GeoDataFrame) -> tuple[FloatArray, npt.NDArray[Any]]:
    """Centroid x/y in metres, in the CRS of the one metric-CRS policy.

    The geometries are converted to :func:`hotspots._core.crs.metric_crs_for`
    of the units (their local UTM zone) before their centroids are taken; with
    at most one located unit there is no distance to measure and the
    coordinates are left as they are.
    """
    geoms = np.asarray(units.geometry.array, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if int(ok.sum()) > 1:
        target = metric_crs_for(units.geometry)
        if not pyproj.CRS.from_user_input(units.crs).equals(target):
            geoms = np.asarray(units.geometry.to_crs(target).array, dtype=object)
    xy = np.full((len(geoms), 2), np.nan)
    if ok.any():
        xy[ok] = shapely.get_coordinates(shapely.centroid(geoms[ok]))
    return xy, ok


def _distance(xy: FloatArray, ok: npt.NDArray[Any], distance_m: float) -> Any:
    n = len(xy)
    idx = np.flatnonzero(ok)
    tree = cKDTree(xy[idx])
    pairs = tree.query_pairs(r=distance_m, output_type="ndarray")
    i, j = idx[pairs[:, 0]], idx[pairs[:, 1]]
    return _binary(np.concatenate([i, j]), np.concatenate([j, i]), n)


def _knn(xy: FloatArray, ok: npt.NDArray[Any], k: int) -> Any:
    n = len(xy)
    idx = np.flatnonzero(ok)
    tree = cKDTree(xy[idx])
    _, nb = tree.query(xy[idx], k=k + 1)
    nb = np.asarray(nb, dtype=np.int64).reshape(len(idx), k + 1)
    not_self = nb != np.arange(len(idx))[:, None]
    # coincident points: self may not be among the k + 1; drop the farthest
    full = not_self.all(axis=1)
    not_self[full, -1] = False
    rows = np.repeat(idx, k)
    cols = idx[nb[not_self]]
    return _binary(rows, cols, n)


def _network(units: pd.DataFrame) -> Any:
    n = len(units)
    u = units[NODE_FROM].to_numpy(dtype=object)
    v = units[NODE_TO].to_numpy(dtype=object)
    nodes = np.concatenate([u, v])
    owner = np.concatenate([np.arange(n), np.arange(n)]).astype(np.int64)
    known = ~pd.isna(nodes)
    codes, _ = pd.factorize(nodes[known])
    return _cooccurrence(owner[known], codes.astype(np.int64), n)


# -- public entry ----------------------------------------------------------------------


def _unit_ids(units: pd.DataFrame, unit: str | None, problems: list[str]) -> pd.Index:
    if unit is None:
        ids = units.index
    elif (missing := unit_column(units, unit)) is not None:
        problems.append(f"{missing} Or pass unit=None to use the index.")
        return units.index
    else:
        ids = pd.Index(units[unit], name=unit)
    what = "the index of units" if unit is None else f"units[{unit!r}]"
    problems += [p for p in [unique_ids(ids, what)] if p]
    return ids


def spatial_weights(
    units: pd.DataFrame,
    kind: WeightsKind = "queen",
    *,
    distance_m: float | None = None,
    k: int | None = None,
    unit: str | None = None,
) -> SpatialWeights:
    """Build binary spatial weights between units.

    Parameters
    ----------
    units
        GeoDataFrame of the units (polygons for ``"queen"``/``"rook"``, any
        geometry for ``"distance"``/``"knn"``, which use centroids). For
        ``"network"`` a (Geo)DataFrame with end-node columns ``u`` and ``v``
        suffices. Not modified.
    kind
        ``"queen"`` (shared vertex), ``"rook"`` (shared edge), ``"distance"``
        (centroids within ``distance_m``), ``"knn"`` (``k`` nearest centroids)
        or ``"network"`` (segments sharing an end node).
    distance_m
        Distance band in metres, for ``kind="distance"`` only. Centroids at
        exactly this distance are neighbours. Geographic units are projected
        to their local UTM zone (:func:`hotspots._core.crs.metric_crs_for`).
    k
        Number of nearest neighbours, for ``kind="knn"`` only. Ties at the
        ``k``-th distance are broken by the KD-tree; on regular lattices pick
        ``k`` to avoid them or use a distance band.
    unit
        Column holding the unit ids (e.g. ``"grid_id"``, ``"segment_id"``);
        None uses the index.

    Returns
    -------
    SpatialWeights
        Binary weights with ``ids`` in the units' order.

    Raises
    ------
    TypeError
        When ``units`` is not a DataFrame.
    InputError
        When the kind, its parameter, the ids or the geometry do not fit.
    CRSError
        When a distance-based kind is asked of units without a CRS.

    Warns
    -----
    IslandsWarning
        When some units have no neighbour (count and first ids in the
        message; all ids in ``islands``). Units without geometry (or without
        both end nodes for ``"network"``) are islands.

    References
    ----------
    .. [1] Anselin, L. (1988). *Spatial Econometrics: Methods and Models*.
       Kluwer (contiguity, distance and k-nearest-neighbour weights).
    .. [2] Rey, S. J., Arribas-Bel, D., Wolf, L. J. (2023). *Geographic Data
       Science with Python*, ch. 4 "Spatial Weights". CRC Press.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"grid_id": ["a", "b", "c"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2)],
    ...     crs="EPSG:32651",
    ... )
    >>> w = spatial_weights(cells, "rook", unit="grid_id")
    >>> w.sparse.toarray().astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> spatial_weights(cells, "queen", unit="grid_id").cardinalities.tolist()
    [2, 2, 2]
    """
    if not isinstance(units, pd.DataFrame):
        msg = (
            "units must be a GeoDataFrame (or a DataFrame with u/v columns for "
            f"kind='network'), got {type(units).__name__}."
        )
        raise TypeError(msg)
    problems: list[str] = []
    if kind not in KINDS:
        problems.append(
            f"kind must be one of {list(KINDS)!r}, got {kind!r}. Use 'queen' for "
            "grid cells and 'network' for street segments."
        )
    ids = _unit_ids(units, unit, problems)
    problems += _parameter_problems(units, kind, distance_m, k)
    problems += _geometry_problems(units, kind, problems)
    collect_problems(problems, "spatial_weights")
    w = _weights_matrix(units, kind, distance_m, k)
    islands = tuple(ids[np.diff(w.indptr) == 0].tolist())
    if islands:
        _warn_islands(islands, len(units), kind)
    return SpatialWeights(
        ids=pd.Index(ids, name=unit if unit is not None else ids.name),
        sparse=w,
        islands=islands,
        kind=str(kind),
        unit=unit,
    )


def _parameter_problems(
    units: pd.DataFrame, kind: str, distance_m: float | None, k: int | None
) -> list[str]:
    """Return the problems of ``distance_m`` and ``k`` for ``kind``."""
    problems: list[str] = []
    if kind == "distance":
        bad = positive_number(
            distance_m, "distance_m", example="distance_m=150", unit="metres"
        )
        if bad:
            problems.append(bad)
    elif distance_m is not None:
        problems.append(
            f"distance_m only applies to kind='distance', got {distance_m!r} with "
            f"kind={kind!r}. Remove distance_m or pass kind='distance'."
        )
    if kind == "knn":
        bad = whole_number(k, "k", example="k=8", minimum=1, maximum=len(units) - 1)
        if bad:
            problems.append(bad)
    elif k is not None:
        problems.append(
            f"k only applies to kind='knn', got {k!r} with kind={kind!r}. "
            "Remove k or pass kind='knn'."
        )
    return problems


def _geometry_problems(units: pd.DataFrame, kind: str, earlier: list[str]) -> list[str]:
    """Return the problems of the units' columns or geometries for ``kind``.

    Raises :class:`~hotspots.errors.CRSError` (after the ``earlier`` problems,
    if any) when a distance-based kind is asked of units without a CRS.
    """
    problems: list[str] = []
    if kind == "network":
        missing = [c for c in (NODE_FROM, NODE_TO) if c not in units.columns]
        if missing:
            problems.append(
                f"kind='network' needs end-node columns 'u' and 'v', missing "
                f"{missing!r}. Make segments with "
                "hotspots.segment_streets(streets)."
            )
        return problems
    if kind not in KINDS:
        return problems
    if not isinstance(units, gpd.GeoDataFrame):
        problems.append(
            f"kind={kind!r} needs geometries: units must be a GeoDataFrame, got "
            f"{type(units).__name__}. Pass the boundary layer read with "
            "hotspots.read_boundaries."
        )
        return problems
    geoms = np.asarray(units.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms[present])
    if kind in ("queen", "rook"):
        # lines and polygons, as libpysal's vertex-set contiguity
        bad = ~np.isin(types, (1, 2, 3, 5, 6))
        if bad.any():
            names = sorted(set(units.geom_type[present][bad]))
            problems.append(
                f"kind={kind!r} needs polygon (or line) geometries, got "
                f"{int(bad.sum())} of type {names!r}. Use "
                "kind='distance' or kind='knn' for points."
            )
    if kind in ("distance", "knn") and units.crs is None:
        msg = (
            f"kind={kind!r} measures metres but units have no CRS. Set it, "
            "e.g. units.set_crs('EPSG:4326') for longitude/latitude."
        )
        collect_problems(earlier + problems, "spatial_weights")
        raise CRSError(msg)
    return problems


def _weights_matrix(
    units: pd.DataFrame, kind: str, distance_m: float | None, k: int | None
) -> sparse.csr_matrix:
    """Return the binary CSR weights of validated ``units`` for ``kind``."""
    n = len(units)
    if kind == "network":
        w = _network(units)
    elif kind in ("queen", "rook"):
        geoms = np.asarray(units.geometry.array, dtype=object)
        w = _contiguity(geoms, rook=kind == "rook")
    else:
        xy, ok = _metric_centroids(units)  # type: ignore[arg-type]
        if ok.sum() <= 1:
            w = sparse.csr_matrix((n, n))
        elif kind == "distance":
            w = _distance(xy, ok, float(distance_m))  # type: ignore[arg-type]
        else:
            w = _knn(xy, ok, min(int(k), int(ok.sum()) - 1))  # type: ignore[arg-type]
    return sparse.csr_matrix(w, dtype=np.float64)


def _warn_islands(islands: tuple[Hashable, ...], n: int, kind: str) -> None:
    """Warn once with the number of units without a neighbour and the first ids."""
    first = ", ".join(repr(i) for i in islands[:5])
    more = ", ..." if len(islands) > 5 else ""
    warnings.warn(
        f"{len(islands)} of {n} units have no neighbour under kind={kind!r} "
        f"(islands: {first}{more}); they are kept and listed in "
        "SpatialWeights.islands.",
        IslandsWarning,
        stacklevel=3,
    )
