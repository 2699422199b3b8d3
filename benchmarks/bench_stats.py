"""Benchmark: spatial weights, Gi* and local Moran vs libpysal + esda.

On a 300 x 300 grid of 100 m polygons (90,000 cells), in one run:

1. queen weights from polygons: ``spatial_weights`` vs libpysal's
   ``Graph.build_contiguity`` and ``Queen.from_dataframe``; then queen and
   rook on 100,000 irregular (Voronoi) polygons vs ``Graph.build_contiguity``;
2. analytic Gi* *including the weights*: ``gi_star(grid, "count")`` vs
   weights + ``esda.G_Local(star=True, permutations=0)``;
3. Gi* with 999 conditional permutations: ``gi_star(..., permutations=999)``
   (including the weights) vs ``esda.G_Local(star=True, permutations=999,
   n_jobs=1)`` with numba (weights prebuilt, numba compiled beforehand on a
   small grid; the compile time is printed separately).

``--moran`` adds local Moran with 999 permutations vs ``esda.Moran_Local``.
Figures are medians of several repeats (one repeat for esda's permutations,
which take minutes). Run with ``nice .venv/bin/python benchmarks/bench_stats.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import esda
import geopandas as gpd
import numpy as np
import shapely
from libpysal.graph import Graph
from libpysal.weights import Queen

from hotspots.spatial.weights import spatial_weights
from hotspots.stats.local import GI_Z, MORAN_I, gi_star, local_moran

SIDE = 300
PERMUTATIONS = 999


def grid(side: int, seed: int = 0) -> gpd.GeoDataFrame:
    cols, rows = np.meshgrid(np.arange(side), np.arange(side))
    x0 = 500_000.0 + cols.ravel() * 100.0
    y0 = 3_990_000.0 + rows.ravel() * 100.0
    cells = shapely.box(x0, y0, x0 + 100.0, y0 + 100.0)
    rng = np.random.default_rng(seed)
    counts = rng.poisson(2.0, side * side).astype(float)
    # a few planted hot blocks
    margin = min(10, side // 4)
    for r, c in rng.integers(margin, side - margin, size=(12, 2)):
        block = (np.abs(rows.ravel() - r) <= 2) & (np.abs(cols.ravel() - c) <= 2)
        counts[block] += rng.poisson(6.0, int(block.sum()))
    ids = [f"c{i:06d}" for i in range(side * side)]
    return gpd.GeoDataFrame(
        {"grid_id": ids, "count": counts}, geometry=cells, crs="EPSG:32651"
    )


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=SIDE)
    parser.add_argument("--moran", action="store_true", help="also local Moran")
    parser.add_argument("--irregular", type=int, default=100_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    g = grid(args.side)
    y = g["count"].to_numpy()
    n = len(g)
    print(f"grid {args.side} x {args.side} = {n:,} cells")

    # 1. weights
    t_w, w = timed(lambda: spatial_weights(g, "queen"), 5)
    t_graph, graph = timed(lambda: Graph.build_contiguity(g, rook=False), 3)
    t_queen, _ = timed(lambda: Queen.from_dataframe(g, use_index=True), 1)
    assert (w.sparse != graph.sparse).nnz == 0  # type: ignore[attr-defined]
    print("\n1. queen weights from polygons")
    print(f"   hotspots spatial_weights        {t_w:7.3f} s")
    for name, t in (
        ("libpysal Graph.build_contiguity", t_graph),
        ("libpysal Queen.from_dataframe  ", t_queen),
    ):
        print(f"   {name} {t:7.3f} s  (ours {t / t_w:.1f}x faster)")

    # 1b. irregular polygons (Voronoi cells), queen and rook
    rng = np.random.default_rng(1)
    pts = shapely.multipoints(rng.random((args.irregular, 2)) * 30_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts))
    cells = shapely.intersection(cells, shapely.box(0, 0, 30_000, 30_000))
    vor = gpd.GeoDataFrame(geometry=cells, crs="EPSG:32651")
    print(f"\n1b. {len(vor):,} irregular (Voronoi) polygons")
    for rook in (False, True):
        kind = "rook" if rook else "queen"
        t_mine, wv = timed(lambda: spatial_weights(vor, kind), 3)  # noqa: B023
        t_lib, gv = timed(
            lambda: Graph.build_contiguity(vor, rook=rook),  # noqa: B023
            1,
        )
        assert (wv.sparse != gv.sparse).nnz == 0  # type: ignore[attr-defined]
        print(
            f"   {kind:5s}: hotspots {t_mine:6.3f} s, libpysal Graph {t_lib:6.3f} s "
            f"(ours {t_lib / t_mine:.1f}x faster)"
        )

    # 2. analytic Gi* including weights
    def ours() -> object:
        return gi_star(g, "count")

    def peer_graph() -> object:
        gr = Graph.build_contiguity(g, rook=False)
        return esda.G_Local(y, gr, transform="B", star=True, permutations=0)

    t_ours, out = timed(ours, 5)
    t_peer, peer = timed(peer_graph, 3)
    t_gi_only, _ = timed(
        lambda: esda.G_Local(y, graph, transform="B", star=True, permutations=0), 3
    )
    t_peer_w = t_queen + t_gi_only
    assert np.allclose(out[GI_Z], peer.Zs, atol=1e-9)  # type: ignore[index,attr-defined]
    best_peer = min(t_peer, t_peer_w)
    print("\n2. Gi* analytic, including the weights")
    print(f"   hotspots gi_star                         {t_ours:7.3f} s")
    print(f"   libpysal Graph + esda.G_Local            {t_peer:7.3f} s")
    print(f"   libpysal Queen (W) + esda.G_Local        {t_peer_w:7.3f} s")
    print(f"   esda.G_Local alone (weights prebuilt)    {t_gi_only:7.3f} s")
    print(f"   speed-up vs the faster peer: {best_peer / t_ours:.1f}x (target >= 10)")

    # 3. 999 permutations
    small = grid(20)
    t0 = time.perf_counter()
    gs = Graph.build_contiguity(small, rook=False)
    esda.G_Local(small["count"].to_numpy(), gs, star=True, permutations=9, n_jobs=1)
    t_compile = time.perf_counter() - t0
    t_ours_p, out_p = timed(
        lambda: gi_star(g, "count", permutations=PERMUTATIONS, seed=1), 3
    )
    t_peer_p, peer_p = timed(
        lambda: esda.G_Local(
            y,
            graph,
            transform="B",
            star=True,
            permutations=PERMUTATIONS,
            n_jobs=1,
            seed=1,
            keep_simulations=False,
        ),
        1,
    )
    p_ours = out_p["gi_p"].to_numpy()  # type: ignore[index]
    p_peer = np.minimum(1.0, 2 * peer_p.p_sim)  # type: ignore[attr-defined]
    print(f"\n3. Gi* with {PERMUTATIONS} permutations")
    print(f"   numba compilation of esda (excluded)     {t_compile:7.1f} s")
    print(f"   hotspots gi_star (incl. weights)         {t_ours_p:7.3f} s")
    print(f"   esda.G_Local numba n_jobs=1 (no weights) {t_peer_p:7.3f} s")
    print(f"   speed-up: {t_peer_p / t_ours_p:.1f}x (target >= 2)")
    print(
        "   pseudo p agreement (ours two-sided vs 2 x esda directed): "
        f"median |diff| {np.median(np.abs(p_ours - p_peer)):.4f}, "
        f"share p <= 0.05: ours {np.mean(p_ours <= 0.05):.4f}, "
        f"esda {np.mean(p_peer <= 0.05):.4f}"
    )

    if args.moran:
        gsm = Graph.build_contiguity(small, rook=False)
        esda.Moran_Local(small["count"].to_numpy(), gsm, permutations=9, n_jobs=1)
        t_ours_m, out_m = timed(
            lambda: local_moran(g, "count", permutations=PERMUTATIONS, seed=1), 3
        )
        t_peer_m, peer_m = timed(
            lambda: esda.Moran_Local(
                y,
                graph,
                transformation="R",
                permutations=PERMUTATIONS,
                n_jobs=1,
                seed=1,
                keep_simulations=False,
            ),
            1,
        )
        assert np.allclose(out_m[MORAN_I], peer_m.Is, atol=1e-9)  # type: ignore[index,attr-defined]
        print(f"\n4. local Moran with {PERMUTATIONS} permutations")
        print(f"   hotspots local_moran (incl. weights)     {t_ours_m:7.3f} s")
        print(f"   esda.Moran_Local numba n_jobs=1          {t_peer_m:7.3f} s")
        print(f"   speed-up: {t_peer_m / t_ours_m:.1f}x")


if __name__ == "__main__":
    main()
