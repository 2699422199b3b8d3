"""Benchmark: read_reports vs pandas.read_csv on a 1,000,000-row platform export.

The file is what a Chinese city-management platform exports: GBK-encoded
(the usual encoding of these exports), Chinese headers, GCJ-02 coordinates
around Qingdao, 15 columns. ``pandas.read_csv`` is timed alone (default C
engine, ``encoding="gbk"``, default type inference); ``read_reports`` is timed
on the same file with everything it does: encoding detection, header
mapping, cleaning, validation of every row, status/source/category
vocabularies, GCJ-02 -> WGS-84 conversion (iterative) and the GeoDataFrame
(``geopandas.points_from_xy``). Medians of a few repeats in one run, the
two timed alternately.

Run: ``nice .venv/bin/python benchmarks/bench_read.py [n_rows] [repeats]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.read.reports import read_reports

CATEGORIES = [
    ("街面秩序类", "占道经营", "09006"),
    ("街面秩序类", "店外经营", "09005"),
    ("街面秩序类", "机动车乱停放", "09009"),
    ("街面秩序类", "非机动车乱停放", "09010"),
    ("市容环境类", "暴露垃圾", "06010"),
    ("市容环境类", "垃圾站（箱）满溢", "06042"),
    ("市容环境类", "乱堆杂物", "06036"),
    ("宣传广告类", "非法小广告", "07001"),
    ("施工管理类", "施工废弃料", "08005"),
    ("施工管理类", "工地扬尘", "08004"),
]
STATUS = ["已结案", "已派遣", "处置中", "已处置", "待受理", "返工"]
SOURCE = ["巡查员", "网格员", "12345", "视频监控", "测评", "市民热线"]


def make_export(path: Path, n: int, seed: int = 0) -> None:
    """Write an ``n``-row GBK platform export with GCJ-02 coordinates."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-07-06")
    reported = start + pd.to_timedelta(rng.integers(0, 16 * 7 * 86400, n), unit="s")
    closed = reported + pd.to_timedelta(rng.integers(600, 5 * 86400, n), unit="s")
    status = np.array(STATUS)[rng.integers(0, len(STATUS), n)]
    closed_txt = np.where(status == "已结案", closed.strftime("%Y-%m-%d %H:%M:%S"), "")
    cat = rng.integers(0, len(CATEGORIES), n)
    majors = np.array([c[0] for c in CATEGORIES])[cat]
    names = np.array([c[1] for c in CATEGORIES])[cat]
    frame = pd.DataFrame(
        {
            "案件编号": np.char.add("QD2026", np.arange(n).astype("U8")),
            "上报时间": reported.strftime("%Y-%m-%d %H:%M:%S"),
            "问题大类": majors,
            "问题小类": names,
            "经度": np.round(120.36 + rng.random(n) * 0.06 + 0.0052, 6),
            "纬度": np.round(36.05 + rng.random(n) * 0.05 - 0.0003, 6),
            "案件状态": status,
            "结案时间": closed_txt,
            "案件来源": np.array(SOURCE)[rng.integers(0, len(SOURCE), n)],
            "问题描述": np.char.add(names, "，请尽快处理"),
            "地址": np.char.add("市南区香港中路", rng.integers(1, 300, n).astype("U3")),
            "上报人": np.array(["张三", "李四", "王五", ""])[rng.integers(0, 4, n)],
            "联系电话": np.char.add("1380532", rng.integers(0, 9999, n).astype("U4")),
            "返工次数": rng.integers(0, 3, n),
            "网格编码": np.char.add(
                "370202001001", rng.integers(100, 999, n).astype("U3")
            ),
        }
    )
    frame.to_csv(path, index=False, encoding="gbk")


def timed_pair(
    first: object, second: object, repeats: int
) -> tuple[list[float], list[float]]:
    """Time two functions alternately (so that load changes hit both alike)."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeats):
        for fn, out in ((first, a), (second, b)):
            t = time.perf_counter()
            fn()  # type: ignore[operator]
            out.append(round(time.perf_counter() - t, 2))
    return a, b


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export_gbk.csv"
        make_export(path, n)
        size_mb = path.stat().st_size / 1e6
        result = read_reports(path, coords="gcj02", on_error="quarantine")
        if not result.balanced or len(result.quarantined):
            msg = "the generated export should read without a quarantined row"
            raise RuntimeError(msg)
        pandas_t, ours_t = timed_pair(
            lambda: pd.read_csv(path, encoding="gbk"),
            lambda: read_reports(path, coords="gcj02", on_error="quarantine"),
            repeats,
        )
    p, o = statistics.median(pandas_t), statistics.median(ours_t)
    print(f"rows: {n:,}  file: {size_mb:.0f} MB GBK CSV, 15 columns, GCJ-02")
    print(f"pandas.read_csv(encoding='gbk'): median {p:.2f} s  runs {pandas_t}")
    print(f"hotspots.read_reports(coords='gcj02'): median {o:.2f} s  runs {ours_t}")
    print(f"ratio read_reports / read_csv: {o / p:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
