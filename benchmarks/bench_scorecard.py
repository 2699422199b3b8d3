"""Validate scorecard and red/black list on synthetic cities with planted quality.

Each unit's true on-time probability is known; over many independent cities
(seeds) we measure the Spearman rank correlation between the scorecard's
on-time rate and the truth (units with >= 30 cases) and the share of units
truly at or above the target that land on the black list.

Run: .venv/bin/python benchmarks/bench_scorecard.py [--cities 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hotspots.accountability.scorecard import planted_city, red_black_list, scorecard


def spearman_by_city(frame, a: str, b: str):
    g = frame.groupby("city")
    ra = g[a].rank() - g[a].transform(lambda s: (len(s) + 1) / 2)
    rb = g[b].rank() - g[b].transform(lambda s: (len(s) + 1) / 2)
    city = frame["city"]
    return (ra * rb).groupby(city).sum() / np.sqrt(
        (ra**2).groupby(city).sum() * (rb**2).groupby(city).sum()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--target", type=float, default=0.8)
    args = parser.parse_args()
    t0 = time.perf_counter()
    cases, truth = planted_city(seed=2026, cities=args.cities, n_units=args.units)
    t1 = time.perf_counter()
    card = scorecard(cases, by=["city", "unit_id"])
    t2 = time.perf_counter()
    listed = red_black_list(card, target=args.target).merge(
        truth, on=["city", "unit_id"]
    )
    t3 = time.perf_counter()
    m = card.merge(truth, on=["city", "unit_id"])
    rho = spearman_by_city(m[m["cases"] >= 30].copy(), "on_time_rate", "p_on_time")
    fine = listed["p_on_time"] >= args.target
    black = listed["list"] == "black"
    red = listed["list"] == "red"
    print(f"cities {args.cities}, units {len(truth)}, cases {len(cases)}")
    print(
        f"time: generate {t1 - t0:.2f} s, scorecard {t2 - t1:.2f} s, "
        f"lists {t3 - t2:.2f} s"
    )
    print(
        f"Spearman (units >= 30 cases): mean {rho.mean():.3f}, median "
        f"{rho.median():.3f}, 5th pct {rho.quantile(0.05):.3f}, min {rho.min():.3f}"
    )
    print(
        f"wrongly black (true p >= {args.target}): "
        f"{(black & fine).sum() / fine.sum():.4f}"
    )
    print(
        f"wrongly red (true p < {args.target}): "
        f"{(red & ~fine).sum() / (~fine).sum():.4f}"
    )
    print(
        f"power: truly below target put on black list "
        f"{(black & ~fine).sum() / (~fine).sum():.3f}"
    )


if __name__ == "__main__":
    main()
