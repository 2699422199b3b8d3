"""Benchmark: space_time_cube vs a plain pandas groupby-count.

1,000,000 reports over 52 weeks into 100,000 grid cells. The peer is
``reports.groupby([unit, week]).size()`` on a precomputed week-label column
(it does not compute the weeks, fill the empty unit-weeks or reshape); the
cube computes the local ISO weeks from the timestamps and returns the full,
zero-filled 100,000 x 52 table. A second peer line adds what the pandas route
needs to produce the same table (unstack + reindex).

Run: ``.venv/bin/python benchmarks/bench_cube.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from hotspots.spatial.cube import period_labels, space_time_cube

N_REPORTS = 1_000_000
N_UNITS = 100_000
N_WEEKS = 52
REPEATS = 5
TZ = "Asia/Shanghai"


def median_time(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    ids = np.array([f"370202001001{i:06d}" for i in range(N_UNITS)], dtype=object)
    units = pd.DataFrame({"grid_id": pd.array(ids, dtype="str")})
    start = pd.Timestamp("2026-01-05", tz=TZ).value  # a Monday
    span = N_WEEKS * 7 * 86_400 * 10**9
    times = pd.to_datetime(start + rng.integers(0, span, N_REPORTS), utc=True)
    reports = pd.DataFrame(
        {
            # skewed, as real reports: a few cells get most of them
            "grid_id": pd.array(
                ids[np.minimum(rng.zipf(1.3, N_REPORTS) - 1, N_UNITS - 1)], dtype="str"
            ),
            "reported_at": times.tz_convert(TZ),
        }
    )
    reports["week"] = period_labels(reports["reported_at"], tz=TZ)

    def cube() -> pd.DataFrame:
        return space_time_cube(reports, units, unit="grid_id", tz=TZ)

    def groupby() -> pd.Series:
        return reports.groupby(["grid_id", "week"]).size()

    def groupby_table() -> pd.DataFrame:
        table = reports.groupby(["grid_id", "week"]).size().unstack(fill_value=0)
        return table.reindex(units["grid_id"], fill_value=0)

    result = cube()
    assert int(result.to_numpy().sum()) == N_REPORTS
    assert result.shape == (N_UNITS, N_WEEKS)
    check = groupby_table()
    assert np.array_equal(
        check.reindex(columns=result.columns, fill_value=0).to_numpy(),
        result.to_numpy(),
    )

    t_cube = median_time(cube)
    t_group = median_time(groupby)
    t_table = median_time(groupby_table)
    print(f"{N_REPORTS:,} reports, {N_UNITS:,} units, {N_WEEKS} weeks")
    print(f"space_time_cube (weeks from timestamps, full table): {t_cube:.3f} s")
    print(f"pandas groupby([unit, week]).size():                 {t_group:.3f} s")
    print(f"pandas groupby + unstack + reindex (same table):     {t_table:.3f} s")
    print(f"ratio cube / groupby: {t_cube / t_group:.2f} (target <= 2)")
    print(f"ratio cube / groupby+unstack+reindex: {t_cube / t_table:.2f}")


if __name__ == "__main__":
    main()
