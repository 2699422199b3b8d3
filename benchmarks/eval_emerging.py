"""Accuracy of emerging_hotspots and blind_spots against the sample district's truth.

Runs the real pipeline on the committed sample: ``read_sample`` on the weekly
exports (GBK CSV and Excel, GCJ-02, the latest row of each case),
``read_boundaries`` on the grid, ``assign``, then

* ``emerging_hotspots`` with the defaults (queen, time lag 1, FDR, alpha and
  trend alpha 0.05): per-pattern precision and recall over the labelled core
  cells of ``sample_data/truth/patterns.csv``, the macro-F1 over the planted
  patterns and the confusion matrix (rows: planted, columns: found);
* ``blind_spots`` with the defaults (last 8 weeks): the recall of the planted
  blind spots of ``sample_data/truth/blind_spots.csv`` in the top 10.

Run: ``.venv/bin/python benchmarks/eval_emerging.py``
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pandas as pd

from hotspots.ledger.blindspots import blind_spots
from hotspots.read.boundaries import read_boundaries, segment_streets
from hotspots.sample.district import read_sample
from hotspots.spatial.join import assign
from hotspots.stats.emerging import emerging_hotspots

ROOT = Path(__file__).resolve().parents[1]


def load_sample() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The sample reports joined to the grid and segments, the grid, the segments."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's broken rows are expected
        read = read_sample(ROOT)
        grid = read_boundaries(ROOT / "boundaries" / "grid.geojson", kind="grid")
        streets = read_boundaries(
            ROOT / "boundaries" / "streets.geojson", kind="streets"
        )
        segments = segment_streets(streets)
        reports = assign(read.reports, grid=grid, streets=segments)
    return reports, grid, segments


def pattern_scores(found: pd.DataFrame, truth: pd.DataFrame) -> dict[str, object]:
    """Per-pattern precision/recall/F1 over the labelled cells, macro-F1, matrix.

    ``found`` and ``truth`` both have ``grid_id`` and ``pattern``.
    """
    m = truth.rename(columns={"pattern": "pattern_true"}).merge(
        found[["grid_id", "pattern"]].rename(columns={"pattern": "pattern_found"}),
        on="grid_id",
        how="left",
    )
    m["pattern_found"] = m["pattern_found"].fillna("no_pattern")
    planted = sorted(truth["pattern"].unique())
    rows = []
    for p in planted:
        tp = int(((m["pattern_true"] == p) & (m["pattern_found"] == p)).sum())
        n_true = int((m["pattern_true"] == p).sum())
        n_found = int((m["pattern_found"] == p).sum())
        prec = tp / n_found if n_found else 0.0
        rec = tp / n_true if n_true else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append((p, n_true, n_found, tp, prec, rec, f1))
    table = pd.DataFrame(
        rows,
        columns=["pattern", "planted", "found", "correct", "precision", "recall", "f1"],
    )
    matrix = pd.crosstab(
        m["pattern_true"], m["pattern_found"], rownames=["planted"], colnames=["found"]
    )
    return {"table": table, "macro_f1": float(table["f1"].mean()), "matrix": matrix}


def main() -> None:
    t0 = time.perf_counter()
    reports, grid, segments = load_sample()
    t_load = time.perf_counter() - t0
    print(
        f"sample: {len(reports):,} reports, {len(grid):,} grid cells ({t_load:.1f} s)"
    )

    t0 = time.perf_counter()
    found = emerging_hotspots(reports, grid)
    t_em = time.perf_counter() - t0
    truth = pd.read_csv(ROOT / "sample_data" / "truth" / "patterns.csv", dtype=str)
    scores = pattern_scores(found, truth)
    print(
        f"\nemerging_hotspots: {t_em:.2f} s, periods {found.attrs['periods'][0]} .. "
        f"{found.attrs['periods'][-1]}"
    )
    print("per planted pattern (labelled core cells):")
    print(scores["table"].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(
        f"macro-F1 over the planted patterns: {scores['macro_f1']:.3f} (target >= 0.8)"
    )
    print("confusion matrix (rows planted, columns found):")
    print(scores["matrix"].to_string())
    print("\npatterns found on the whole grid (rings and place cells are unlabelled):")
    print(found["pattern"].value_counts().to_string())

    t0 = time.perf_counter()
    ledger = blind_spots(reports, grid, emerging=found)
    t_bs = time.perf_counter() - t0
    bs_truth = pd.read_csv(
        ROOT / "sample_data" / "truth" / "blind_spots.csv", dtype=str
    )
    top10 = ledger.nsmallest(10, "rank")
    recall = float(bs_truth["grid_id"].isin(top10["grid_id"]).mean())
    print(
        f"\nblind_spots: {t_bs:.2f} s, window {ledger.attrs['periods'][0]} .. "
        f"{ledger.attrs['periods'][-1]}"
    )
    print(
        f"recall of the {len(bs_truth)} planted blind spots in the top 10: "
        f"{recall:.2f} (target >= 0.8)"
    )
    kinds = bs_truth.set_index("grid_id")["kind"]
    show = top10.assign(planted=top10["grid_id"].map(kinds).fillna("-"))
    print(
        show[["rank", "grid_id", "score", "planted", "reason_zh"]].to_string(
            index=False
        )
    )

    on_street = reports[reports["segment_id"].notna()]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (dead ends) are expected
        seg = emerging_hotspots(
            on_street, segments, unit="segment_id", weights="network"
        )
        seg_ledger = blind_spots(on_street, segments, unit="segment_id", emerging=seg)
    t_seg = time.perf_counter() - t0
    print(
        f"\nstreet segments ({len(segments):,}, network adjacency, "
        f"{len(on_street):,} reports within the street distance): {t_seg:.2f} s"
    )
    print(seg["pattern"].value_counts().to_string())
    top = seg_ledger.nsmallest(5, "rank")
    cols = ["rank", "segment_id", "street_name", "score", "reason_zh"]
    print(top[cols].to_string(index=False))


if __name__ == "__main__":
    main()
