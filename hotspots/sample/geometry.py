"""The sample district's ground: lattice, streets, grid cells, areas and places."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from .._core import schema as s
from .._core.types import BoolArray, FloatArray, IntArray
from .model import CENTER_LONLAT, DISTRICT_CODE, DISTRICT_NAME, EXTENT_M, METRIC_CRS
from .words import (
    ALLEY_WORDS,
    ARTERIAL_NAMES_EW,
    ARTERIAL_NAMES_NS,
    COMMUNITY_A,
    COMMUNITY_B,
    HOSPITALS,
    SECONDARY_NAMES,
    SUBDISTRICT_NAMES,
)


# -- the lattice -------------------------------------------------------------------
@dataclass(frozen=True)
class Lattice:
    """The deformed lattice the district is cut from (metres, metric CRS)."""

    ub: FloatArray  # column breaks (u), length NI + 1
    vb: FloatArray  # row breaks (v), length NJ + 1
    nx: FloatArray  # node x (metres), (NI + 1, NJ + 1)
    ny: FloatArray
    active: BoolArray  # (NI, NJ)
    ustreets: IntArray  # break indices of N-S streets
    vstreets: IntArray  # break indices of E-W streets


def _breaks(rng: np.random.Generator, length: float) -> tuple[FloatArray, IntArray]:
    """Return cell breaks along one axis and the indices of the street lines."""
    streets: list[float] = []
    x = float(rng.uniform(180.0, 320.0))
    while x < length - 220.0:
        streets.append(x)
        x += float(rng.uniform(330.0, 470.0))
    edges = [0.0, *streets, length]
    breaks = [0.0]
    idx: list[int] = []
    for a, b in itertools.pairwise(edges):
        k = max(1, round((b - a) / 100.0))
        breaks.extend(np.linspace(a, b, k + 1)[1:].tolist())
        if b < length:
            idx.append(len(breaks) - 1)
    return np.asarray(breaks), np.asarray(idx, dtype=np.int64)


def make_lattice(rng: np.random.Generator) -> Lattice:
    """Draw the lattice: street lines, curved and rotated nodes, the coast."""
    ub, ustreets = _breaks(rng, EXTENT_M)
    vb, vstreets = _breaks(rng, EXTENT_M)
    uu, vv = np.meshgrid(ub, vb, indexing="ij")
    ph = rng.uniform(0.0, 2.0 * np.pi, 4)
    x = uu + 90.0 * np.sin(2 * np.pi * vv / 4300.0 + ph[0])
    x += 40.0 * np.sin(2 * np.pi * uu / 2900.0 + ph[1])
    y = vv + 80.0 * np.sin(2 * np.pi * uu / 3700.0 + ph[2])
    y += 30.0 * np.sin(2 * np.pi * vv / 2300.0 + ph[3])
    x += rng.normal(0.0, 3.0, x.shape)
    y += rng.normal(0.0, 3.0, y.shape)
    theta = math.radians(float(rng.uniform(8.0, 16.0)))
    xc, yc = x - EXTENT_M / 2, y - EXTENT_M / 2
    to_utm = Transformer.from_crs(s.WGS84, METRIC_CRS, always_xy=True)
    cx, cy = to_utm.transform(*CENTER_LONLAT)
    nx = cx + xc * math.cos(theta) - yc * math.sin(theta)
    ny = cy + xc * math.sin(theta) + yc * math.cos(theta)
    # the coast: the south is sea; the north-east corner belongs to the next district
    uc = (ub[:-1] + ub[1:]) / 2
    vc = (vb[:-1] + vb[1:]) / 2
    phc = rng.uniform(0.0, 2.0 * np.pi, 2)
    coast = 900.0 + 450.0 * np.sin(2 * np.pi * uc / 5200.0 + phc[0])
    coast += 220.0 * np.sin(2 * np.pi * uc / 1700.0 + phc[1])
    ucc, vcc = np.meshgrid(uc, vc, indexing="ij")
    active = vcc > coast[:, None]
    active &= (EXTENT_M - ucc) + (EXTENT_M - vcc) > 1300.0
    return Lattice(ub, vb, nx, ny, active, ustreets, vstreets)


def _cell_quads(lat: Lattice) -> FloatArray:
    """Return the corners of every lattice cell, shape (NI, NJ, 4, 2), CCW."""
    p00 = np.stack([lat.nx[:-1, :-1], lat.ny[:-1, :-1]], -1)
    p10 = np.stack([lat.nx[1:, :-1], lat.ny[1:, :-1]], -1)
    p11 = np.stack([lat.nx[1:, 1:], lat.ny[1:, 1:]], -1)
    p01 = np.stack([lat.nx[:-1, 1:], lat.ny[:-1, 1:]], -1)
    return np.stack([p00, p10, p11, p01], axis=2)


def bilinear(
    quads: FloatArray,
    sv: FloatArray,
    tv: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Map (s, t) in the unit square into each quad (rows of ``quads``)."""
    w = np.stack([(1 - sv) * (1 - tv), sv * (1 - tv), sv * tv, (1 - sv) * tv], -1)
    xy = np.einsum("nk,nkd->nd", w, quads)
    return xy[:, 0], xy[:, 1]


# -- streets -----------------------------------------------------------------------
@dataclass(frozen=True)
class Streets:
    """The street network and the street class of every lattice cell edge."""

    frame: gpd.GeoDataFrame  # metric CRS, every street and alley
    # class code of each cell edge: 0 none, 1 alley, 2 secondary, 3 arterial
    vclass: npt.NDArray[np.int8]  # (NI + 1, NJ): vertical edge at u-break i, row j
    hclass: npt.NDArray[np.int8]  # (NJ + 1, NI): horizontal edge at v-break j, col i
    # the same with the dense back alleys (the rates of the categories follow
    # vclass and hclass; the positions of the reports follow vnet and hnet)
    vnet: npt.NDArray[np.int8]
    hnet: npt.NDArray[np.int8]
    main: gpd.GeoDataFrame  # frame without the dense back alleys


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Return [start, stop) index ranges of the True runs of a 1-d mask."""
    padded = np.concatenate([[False], mask, [False]])
    d = np.diff(padded.astype(np.int8))
    return list(
        zip(
            np.flatnonzero(d == 1).tolist(),
            np.flatnonzero(d == -1).tolist(),
            strict=True,
        )
    )


#: Street class names by the class code of a cell edge.
_CLASS_NAMES: Final = {1: "alley", 2: "secondary", 3: "arterial"}

#: One drawn street: class, name, axis, one-way, points, dense back alley.
_StreetRow = tuple[str, str, str, bool, list[tuple[float, float]], bool]


@dataclass
class _StreetDrawer:
    """Draws streets along lattice lines and marks the class of the edges they use.

    Before :meth:`start_dense`, a street marks ``vclass``/``hclass`` and its
    one-way direction draws from ``rng``; after it, the dense back alleys mark
    ``vnet``/``hnet`` (copies of the classes so far) and draw from
    ``rng_alleys``.
    """

    lat: Lattice
    rng: np.random.Generator
    rng_alleys: np.random.Generator
    vclass: npt.NDArray[np.int8]  # (NI + 1, NJ)
    hclass: npt.NDArray[np.int8]  # (NJ + 1, NI)
    vname: npt.NDArray[np.object_]  # street name on each edge
    hname: npt.NDArray[np.object_]
    vedge_ok: BoolArray  # edge usable: an active cell on a side
    hedge_ok: BoolArray
    rows: list[_StreetRow] = field(default_factory=list)
    vnet: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    hnet: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    dense: bool = False

    @classmethod
    def new(
        cls, lat: Lattice, rng: np.random.Generator, rng_alleys: np.random.Generator
    ) -> _StreetDrawer:
        """Return a drawer with no street drawn yet."""
        ni, nj = lat.active.shape
        vedge_ok = np.zeros((ni + 1, nj), dtype=bool)
        vedge_ok[:-1] |= lat.active
        vedge_ok[1:] |= lat.active
        hedge_ok = np.zeros((nj + 1, ni), dtype=bool)
        hedge_ok[:-1] |= lat.active.T
        hedge_ok[1:] |= lat.active.T
        return cls(
            lat,
            rng,
            rng_alleys,
            vclass=np.zeros((ni + 1, nj), dtype=np.int8),
            hclass=np.zeros((nj + 1, ni), dtype=np.int8),
            vname=np.full((ni + 1, nj), "", dtype=object),
            hname=np.full((nj + 1, ni), "", dtype=object),
            vedge_ok=vedge_ok,
            hedge_ok=hedge_ok,
        )

    def start_dense(self) -> None:
        """Switch to the dense back alleys (their own edge classes and stream)."""
        self.vnet, self.hnet = self.vclass.copy(), self.hclass.copy()
        self.dense = True

    def add(
        self, axis: str, k: int, lo: int, hi: int, cls: int, name: str, oneway: bool
    ) -> None:
        """Draw a street on line ``k`` of ``axis`` from cross line ``lo`` to ``hi``.

        Only the runs of usable edges are drawn; a run shorter than two cells
        is skipped unless the street is an alley.
        """
        lat = self.lat
        ok = self.vedge_ok[k, lo:hi] if axis == "u" else self.hedge_ok[k, lo:hi]
        for a, b in _runs(ok):
            a, b = a + lo, b + lo
            if b - a < 2 and cls > 1:
                continue
            if axis == "u":
                pts = [(lat.nx[k, j], lat.ny[k, j]) for j in range(a, b + 1)]
                marks, names = (self.vnet if self.dense else self.vclass), self.vname
            else:
                pts = [(lat.nx[i, k], lat.ny[i, k]) for i in range(a, b + 1)]
                marks, names = (self.hnet if self.dense else self.hclass), self.hname
            marks[k, a:b] = np.maximum(marks[k, a:b], cls)
            names[k, a:b] = name
            gen = self.rng_alleys if self.dense else self.rng
            if oneway and gen.random() < 0.5:
                pts = pts[::-1]
            self.rows.append((_CLASS_NAMES[cls], name, axis, oneway, pts, self.dense))


def make_streets(
    rng: np.random.Generator, lat: Lattice, rng_alleys: np.random.Generator
) -> Streets:
    """Draw the arterials, secondary streets and back alleys of the lattice."""
    draw = _StreetDrawer.new(lat, rng, rng_alleys)
    _main_streets(rng, lat, draw)
    _back_alleys(rng, lat, draw)
    draw.start_dense()
    _dense_alleys(
        rng_alleys, lat, draw.vnet, draw.hnet, draw.vname, draw.hname, draw.add
    )
    frame, in_main = _street_frame(draw.rows)
    main = frame[in_main].reset_index(drop=True)
    return Streets(frame, draw.vclass, draw.hclass, draw.vnet, draw.hnet, main)


def _main_streets(rng: np.random.Generator, lat: Lattice, draw: _StreetDrawer) -> None:
    """Draw the arterials (every third street line) and the secondary streets."""
    ni, nj = lat.active.shape
    sec_names = list(rng.permutation(np.asarray(SECONDARY_NAMES)))
    art_u = set(lat.ustreets[int(rng.integers(0, 3)) :: 3].tolist())
    art_v = set(lat.vstreets[int(rng.integers(0, 3)) :: 3].tolist())
    n_art = {"u": 0, "v": 0}
    for axis, lines, arts, nmax in (
        ("u", lat.ustreets, art_u, nj),
        ("v", lat.vstreets, art_v, ni),
    ):
        for k in lines.tolist():
            if k in arts:
                names = ARTERIAL_NAMES_NS if axis == "u" else ARTERIAL_NAMES_EW
                name = names[n_art[axis] % len(names)]
                n_art[axis] += 1
                draw.add(axis, k, 0, nmax, 3, name, False)
                continue
            name = str(sec_names.pop()) if sec_names else f"无名路{len(draw.rows)}"
            lo, hi = 0, nmax
            if rng.random() < 0.35:  # a secondary street that ends at a T-junction
                cross = lat.vstreets if axis == "u" else lat.ustreets
                a, b = sorted(rng.choice(cross, 2, replace=False).tolist())
                lo, hi = a, b
            draw.add(axis, k, lo, hi, 2, name, bool(rng.random() < 0.12))


def _back_alleys(rng: np.random.Generator, lat: Lattice, draw: _StreetDrawer) -> None:
    """Draw back alleys: one internal line across some blocks."""
    ni, nj = lat.active.shape
    alley_no = 0
    for axis, lines, cross, n_other in (
        ("u", lat.ustreets, lat.vstreets, nj),
        ("v", lat.vstreets, lat.ustreets, ni),
    ):
        bounds = [0, *lines.tolist(), (ni if axis == "u" else nj)]
        cbounds = [0, *cross.tolist(), n_other]
        for a, b in itertools.pairwise(bounds):
            if b - a < 3:
                continue
            for c0, c1 in itertools.pairwise(cbounds):
                if rng.random() > 0.22:
                    continue
                k = int(rng.integers(a + 1, b))
                word = ALLEY_WORDS[alley_no % len(ALLEY_WORDS)]
                suffix = "里" if alley_no < len(ALLEY_WORDS) else "巷"
                alley_no += 1
                oneway = bool(rng.random() < 0.2)
                draw.add(axis, k, c0, c1, 1, f"{word}{suffix}", oneway)


def _street_frame(
    rows: list[_StreetRow],
) -> tuple[gpd.GeoDataFrame, BoolArray]:
    """Return the streets as a frame with ids, and which are not dense alleys."""
    order = {"arterial": 0, "secondary": 1, "alley": 2}
    rows = sorted(rows, key=lambda r: (order[r[0]], r[1], r[2], r[4][0]))
    counters = {"arterial": 0, "secondary": 0, "alley": 0}
    prefix = {"arterial": "A", "secondary": "S", "alley": "L"}
    ids: list[str] = []
    for klass, *_ in rows:
        counters[klass] += 1
        ids.append(f"{prefix[klass]}{counters[klass]:03d}")
    frame = gpd.GeoDataFrame(
        {
            s.STREET_ID: ids,
            "name": [r[1] for r in rows],
            s.STREET_CLASS: [r[0] for r in rows],
            s.ONEWAY: [r[3] for r in rows],
        },
        geometry=[shapely.LineString(r[4]) for r in rows],
        crs=METRIC_CRS,
    )
    return frame, np.asarray([not r[5] for r in rows])


_AddStreet = Callable[[str, int, int, int, int, str, bool], None]


def _dense_alleys(
    rng: np.random.Generator,
    lat: Lattice,
    vnet: npt.NDArray[np.int8],
    hnet: npt.NDArray[np.int8],
    vname: npt.NDArray[np.object_],
    hname: npt.NDArray[np.object_],
    add: _AddStreet,
) -> None:
    """Add back alleys (背街小巷) along most inner lattice lines of the blocks.

    In each block (between street lines), each inner cell edge line gets, with
    probability 0.5, an alley across the whole block and with probability 0.3
    a dead-end alley of one or more cells from one side. An alley is named
    after the street it branches off (``彰化路3号巷``), or ``广兴东里`` where
    it meets none. ``add`` draws the alley and marks its edges in ``vnet`` and
    ``hnet`` (read here, so that alleys never overlap).
    """
    ni, nj = lat.active.shape
    counter: dict[str, int] = {}
    fallback = 0
    for axis, lines, cross, n_across, n_along in (
        ("u", lat.ustreets, lat.vstreets, ni, nj),
        ("v", lat.vstreets, lat.ustreets, nj, ni),
    ):
        net = vnet if axis == "u" else hnet
        # names of the crossing streets: cross line c, between lines k-1 and k
        cname = hname if axis == "u" else vname
        bounds = [0, *lines.tolist(), n_across]
        cbounds = [0, *cross.tolist(), n_along]
        for a, b in itertools.pairwise(bounds):
            for k in range(a + 1, b):
                for c0, c1 in itertools.pairwise(cbounds):
                    if (net[k, c0:c1] > 0).any():
                        continue
                    r = float(rng.random())
                    if r < 0.5:
                        lo, hi, end = c0, c1, (c0 if rng.random() < 0.5 else c1)
                    elif r < 0.8 and c1 - c0 >= 2:
                        length = int(rng.integers(1, c1 - c0))
                        if rng.random() < 0.5:
                            lo, hi, end = c0, c0 + length, c0
                        else:
                            lo, hi, end = c1 - length, c1, c1
                    else:
                        continue
                    here = [str(cname[end, k + d]) for d in (-1, 0) if k + d < n_across]
                    street = next((n for n in here if n), "")
                    if not street:  # try the other end of a through alley
                        other = c1 if end == c0 else c0
                        if (lo, hi) == (c0, c1):
                            here = [
                                str(cname[other, k + d])
                                for d in (-1, 0)
                                if k + d < n_across
                            ]
                            street = next((n for n in here if n), "")
                    if street and not street.endswith(("里", "巷")):
                        counter[street] = counter.get(street, 0) + 1
                        name = f"{street}{counter[street]}号巷"
                    else:
                        word = ALLEY_WORDS[fallback % len(ALLEY_WORDS)]
                        side = "东西南北"[(fallback // len(ALLEY_WORDS)) % 4]
                        fallback += 1
                        name = f"{word}{side}里"
                    add(axis, k, lo, hi, 1, name, bool(rng.random() < 0.1))


# -- grid and areas ------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """The unit grid cells, their lattice positions and the areas they nest in."""

    frame: gpd.GeoDataFrame  # metric CRS, sorted by grid_id
    ij: IntArray  # (n, 2) lattice index of each cell
    quads: FloatArray  # (n, 4, 2)
    index: IntArray  # (NI, NJ) -> row in frame, -1 inactive
    areas: gpd.GeoDataFrame


def make_grid(rng: np.random.Generator, lat: Lattice) -> Grid:
    """Cut the lattice into unit grid cells, communities and subdistricts."""
    ni, nj = lat.active.shape
    # subdistricts: bands cut along arterial-ish street lines; communities: blocks
    ucuts = lat.ustreets[[len(lat.ustreets) // 3, 2 * len(lat.ustreets) // 3]]
    vcuts = lat.vstreets[[len(lat.vstreets) // 2]]
    ii, jj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    sub_u = np.searchsorted(ucuts, ii, side="right")
    sub_v = np.searchsorted(vcuts, jj, side="right")
    sub = sub_u * (len(vcuts) + 1) + (len(vcuts) - sub_v)  # north first
    blk_u = np.searchsorted(lat.ustreets, ii, side="right") // 2
    blk_v = np.searchsorted(lat.vstreets, jj, side="right")
    act = lat.active
    # number subdistricts, communities and cells in reading order
    sub_codes = {int(k): n + 1 for n, k in enumerate(np.unique(sub[act]))}
    order = np.lexsort((ii[act], -jj[act]))  # north to south, west to east
    cells_i, cells_j = ii[act][order], jj[act][order]
    s_of = sub[cells_i, cells_j]
    c_key = s_of * 10_000 + blk_v[cells_i, cells_j] * 100 + blk_u[cells_i, cells_j]
    comm_code = np.zeros(len(cells_i), dtype=np.int64)
    cell_code = np.zeros(len(cells_i), dtype=np.int64)
    seen_comm: dict[int, int] = {}
    per_sub: dict[int, int] = {}
    per_comm: dict[int, int] = {}
    for n, (sk, ck) in enumerate(zip(s_of.tolist(), c_key.tolist(), strict=True)):
        if ck not in seen_comm:
            per_sub[sk] = per_sub.get(sk, 0) + 1
            seen_comm[ck] = per_sub[sk]
        comm_code[n] = seen_comm[ck]
        per_comm[ck] = per_comm.get(ck, 0) + 1
        cell_code[n] = per_comm[ck]
    sub_code = np.array([sub_codes[k] for k in s_of.tolist()])
    grid_ids = [
        f"{DISTRICT_CODE}{a:03d}{b:03d}{c:03d}"
        for a, b, c in zip(
            sub_code.tolist(), comm_code.tolist(), cell_code.tolist(), strict=True
        )
    ]
    comm_ids = [g[:12] for g in grid_ids]
    quads_all = _cell_quads(lat)
    quads = quads_all[cells_i, cells_j]
    ring = np.concatenate([quads, quads[:, :1]], axis=1)
    polys = shapely.polygons(ring)
    frame = gpd.GeoDataFrame(
        {s.GRID_ID: grid_ids, s.COMMUNITY_ID: comm_ids}, geometry=polys, crs=METRIC_CRS
    )
    index = np.full((ni, nj), -1, dtype=np.int64)
    index[cells_i, cells_j] = np.arange(len(cells_i))
    # areas
    names_a = [a + b for a in COMMUNITY_A for b in COMMUNITY_B]
    comm_names = rng.permutation(np.asarray(names_a))
    area_rows: list[tuple[str, str, str, str | None, shapely.Geometry]] = []
    area_rows.append(
        (DISTRICT_CODE, DISTRICT_NAME, "district", None, shapely.union_all(polys))
    )
    sub_ids = np.array([g[:9] for g in grid_ids])
    for n, sid in enumerate(dict.fromkeys(sub_ids.tolist())):
        geom = shapely.union_all(polys[sub_ids == sid])
        area_rows.append(
            (
                sid,
                SUBDISTRICT_NAMES[n % len(SUBDISTRICT_NAMES)],
                "subdistrict",
                DISTRICT_CODE,
                geom,
            )
        )
    comm_arr = np.asarray(comm_ids)
    for n, cid in enumerate(dict.fromkeys(comm_ids)):
        geom = shapely.union_all(polys[comm_arr == cid])
        area_rows.append((cid, f"{comm_names[n]}社区", "community", cid[:9], geom))
    areas = gpd.GeoDataFrame(
        {
            s.AREA_ID: [r[0] for r in area_rows],
            s.AREA_NAME: [r[1] for r in area_rows],
            s.AREA_LEVEL: [r[2] for r in area_rows],
            s.AREA_PARENT: pd.array([r[3] for r in area_rows], dtype="string"),
        },
        geometry=[r[4] for r in area_rows],
        crs=METRIC_CRS,
    )
    ij = np.stack([cells_i, cells_j], axis=1).astype(np.int64)
    return Grid(frame, ij, quads, index, areas)


# -- places ------------------------------------------------------------------------
_PLACE_COUNTS: Final = (
    ("market", 6),
    ("school", 10),
    ("station", 7),
    ("construction", 5),
    ("hospital", 4),
)


def edge_classes(lat: Lattice, st: Streets, ij: IntArray) -> npt.NDArray[np.int8]:
    """Street class of the left, right, bottom and top edge of each cell."""
    i, j = ij[:, 0], ij[:, 1]
    return np.stack(
        [st.vclass[i, j], st.vclass[i + 1, j], st.hclass[j, i], st.hclass[j + 1, i]],
        axis=1,
    )


def neighbourhood_ok(index: IntArray, i: int, j: int, r: int) -> bool:
    """Return whether every cell within ``r`` of lattice cell (i, j) is active."""
    ni, nj = index.shape
    if i - r < 0 or j - r < 0 or i + r >= ni or j + r >= nj:
        return False
    return bool((index[i - r : i + r + 1, j - r : j + r + 1] >= 0).all())


def nearest_names(streets: gpd.GeoDataFrame, pts: FloatArray) -> list[str]:
    """Return the name of the street nearest to each point."""
    tree = shapely.STRtree(streets.geometry.to_numpy())
    geoms = shapely.points(pts)
    _, idx = tree.query_nearest(geoms, return_distance=False, all_matches=False)
    names = streets["name"].to_numpy()
    return [str(names[k]) for k in idx]


@dataclass(frozen=True)
class Places:
    """The key places and the grid row of the cell each lies in."""

    frame: gpd.GeoDataFrame  # metric CRS
    cells: IntArray  # grid row of each place


def make_places(
    rng: np.random.Generator, grid: Grid, st: Streets, edges: npt.NDArray[np.int8]
) -> Places:
    """Place the markets, schools, stations, construction sites and hospitals."""
    cent = grid.quads.mean(axis=1)
    cand = [
        n
        for n in range(len(grid.ij))
        if edges[n].max() >= 2
        and neighbourhood_ok(grid.index, int(grid.ij[n, 0]), int(grid.ij[n, 1]), r=2)
    ]
    cand_arr = rng.permutation(np.asarray(cand))
    chosen: list[int] = []
    kinds: list[str] = []
    todo = [k for k, c in _PLACE_COUNTS for _ in range(c)]
    for n in cand_arr.tolist():
        if not todo:
            break
        if chosen and np.min(np.hypot(*(cent[chosen] - cent[n]).T)) < 380.0:
            continue
        chosen.append(n)
        kinds.append(todo.pop(0))
    cells = np.asarray(chosen, dtype=np.int64)
    # move each place from the cell centre towards its street edge
    mids = np.stack(
        [
            grid.quads[cells][:, [0, 3]].mean(1),
            grid.quads[cells][:, [1, 2]].mean(1),
            grid.quads[cells][:, [0, 1]].mean(1),
            grid.quads[cells][:, [3, 2]].mean(1),
        ],
        axis=1,
    )
    best = edges[cells].argmax(axis=1)
    pts = 0.6 * cent[cells] + 0.4 * mids[np.arange(len(cells)), best]
    street_names = nearest_names(st.main, pts)
    names: list[str] = []
    counters: dict[str, int] = {}
    for kind, street in zip(kinds, street_names, strict=True):
        counters[kind] = counters.get(kind, 0) + 1
        k = counters[kind]
        if kind == "market":
            head, tail = street, "农贸市场"
        elif kind == "school":
            head, tail = street, ("小学" if k % 2 else "中学")
        elif kind == "station":
            head, tail = f"地铁{(k % 3) + 1}号线{street.removesuffix('路')}", "站"
        elif kind == "construction":
            head, tail = street, f"{k}号地块项目工地"
        else:
            head, tail = HOSPITALS[(k - 1) % len(HOSPITALS)], ""
        name = head + tail
        for extra in ("第二", "第三", "第四", "第五"):
            if name not in names:
                break
            name = head + extra + tail
        names.append(name)
    short = {
        "market": "M",
        "school": "S",
        "station": "T",
        "construction": "C",
        "hospital": "H",
    }
    ids: list[str] = []
    counters = {}
    for kind in kinds:
        counters[kind] = counters.get(kind, 0) + 1
        ids.append(f"P{short[kind]}{counters[kind]:02d}")
    frame = gpd.GeoDataFrame(
        {s.PLACE_ID: ids, s.PLACE_NAME: names, s.PLACE_KIND: kinds},
        geometry=shapely.points(pts),
        crs=METRIC_CRS,
    )
    return Places(frame, cells)


def net_edges(st: Streets, ij: IntArray) -> npt.NDArray[np.int8]:
    """Street class (dense alleys included) of the four edges of each cell."""
    i, j = ij[:, 0], ij[:, 1]
    return np.stack(
        [st.vnet[i, j], st.vnet[i + 1, j], st.hnet[j, i], st.hnet[j + 1, i]], axis=1
    )


def cell_coords(
    quads: FloatArray,
    x: FloatArray,
    y: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Invert :func:`bilinear`: (s, t) of points in their quads (Newton steps)."""
    sv = np.full(len(x), 0.5)
    tv = np.full(len(x), 0.5)
    p00, p10, p11, p01 = (quads[:, k] for k in range(4))
    for _ in range(12):
        bx, by = bilinear(quads, sv, tv)
        rx, ry = bx - x, by - y
        ds = (1 - tv)[:, None] * (p10 - p00) + tv[:, None] * (p11 - p01)
        dt_ = (1 - sv)[:, None] * (p01 - p00) + sv[:, None] * (p11 - p10)
        det = ds[:, 0] * dt_[:, 1] - ds[:, 1] * dt_[:, 0]
        sv = sv - (rx * dt_[:, 1] - ry * dt_[:, 0]) / det
        tv = tv - (ds[:, 0] * ry - ds[:, 1] * rx) / det
    return sv, tv
