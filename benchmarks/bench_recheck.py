"""Backtest the re-check list (回头看) and calibrate the overdue forecast.

Re-check list: on synthetic cities with planted comeback-prone places (several
seeds) and on the committed sample district, comebacks found by the model's
top K against K random closed cases (exact expectation) and the K most
recent closures.

Overdue forecast: on a synthetic city with known closing-time distributions
and on the sample district (EXAMPLE_LIMITS, an example table), the
reliability curve (binned predicted against observed) and the Brier score
against the base-rate Brier score, on held-out days.

Run: .venv/bin/python benchmarks/bench_recheck.py [--seeds 5] [--weeks 4]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from hotspots.accountability.deadlines import EXAMPLE_LIMITS, CalendarCoverageWarning
from hotspots.accountability.overdue import overdue_calibration, planted_closing_times
from hotspots.accountability.recheck import planted_comebacks, recheck_backtest
from hotspots.read.boundaries import read_boundaries
from hotspots.sample.district import read_sample
from hotspots.spatial.join import assign

ROOT = Path(__file__).resolve().parents[1]


def show_backtest(name: str, bt, seconds: float) -> None:
    print(
        f"{name}: {len(bt.weeks)} weeks x K={bt.top_k}: model {bt.comebacks_model} "
        f"comebacks ({bt.hits_per_recheck:.2f} per re-check), random "
        f"{bt.comebacks_random:.1f}, most recent {bt.comebacks_recent}; "
        f"ratio vs random {bt.ratio_random:.1f}x, vs recent {bt.ratio_recent:.1f}x "
        f"({seconds:.2f} s)"
    )


def show_calibration(name: str, cal, seconds: float) -> None:
    print(
        f"{name}: {len(cal.predictions)} predictions, base rate {cal.base_rate:.3f}, "
        f"Brier {cal.brier:.4f} vs base-rate Brier {cal.brier_base_rate:.4f} "
        f"(skill {1 - cal.brier / cal.brier_base_rate:.2f}) ({seconds:.2f} s)"
    )
    print("  bin        cases  predicted  observed")
    for row in cal.reliability.itertuples():
        if row.cases:
            print(
                f"  {row.bin_lo:.1f}-{row.bin_hi:.1f}  {row.cases:7d}  "
                f"{row.mean_predicted:9.3f}  {row.observed:8.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--top-k", type=int, default=20)
    args = parser.parse_args()

    print("== re-check list backtest ==")
    for seed in range(1, args.seeds + 1):
        cases, _ = planted_comebacks(seed=seed, weeks=20)
        t0 = time.perf_counter()
        bt = recheck_backtest(cases, weeks=8, top_k=args.top_k)
        show_backtest(f"planted city seed {seed}", bt, time.perf_counter() - t0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's broken rows are expected
        read = read_sample(ROOT)  # the weekly exports, latest row per case
        grid = read_boundaries(ROOT / "boundaries" / "grid.geojson", kind="grid")
        reports = assign(read.reports, grid=grid)
    for distance in (20.0, 50.0, None):
        t0 = time.perf_counter()
        bt = recheck_backtest(reports, weeks=5, top_k=args.top_k, distance_m=distance)
        show_backtest(
            f"sample district, distance_m={distance}", bt, time.perf_counter() - t0
        )

    print("\n== overdue forecast calibration ==")
    cases, limits = planted_closing_times(seed=1, n_cases=20000)
    t0 = time.perf_counter()
    cal = overdue_calibration(cases, limits=limits, weeks=args.weeks)
    show_calibration("planted closing times", cal, time.perf_counter() - t0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarCoverageWarning)
        cal = overdue_calibration(reports, limits=EXAMPLE_LIMITS, weeks=args.weeks)
    show_calibration("sample district", cal, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
