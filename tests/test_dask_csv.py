"""CSV exports read in blocks by read_partitioned, as read_reports reads them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("dask_geopandas")

from hotspots.compute import read_partitioned
from hotspots.errors import InputError
from hotspots.read.reports import read_reports

ROOT = Path(__file__).resolve().parents[1]
HEADER = "report_id,reported_at,category,status,source,lon,lat\n"


def _same(got, want) -> None:
    pd.testing.assert_frame_equal(got.quarantined, want.quarantined)
    pd.testing.assert_frame_equal(pd.DataFrame(got.reports), pd.DataFrame(want.reports))
    assert got.rows_read == want.rows_read


def _quiet_read(source, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_reports(source, **kw)


def test_sample_export_in_blocks_is_identical():
    csv = max((ROOT / "sample_data").rglob("*.csv"), key=lambda p: p.stat().st_size)
    assert not csv.read_bytes()[:200_000].isascii()  # GBK, Chinese headers
    want = _quiet_read(csv, coords="gcj02", on_error="quarantine")
    read = read_partitioned(
        csv, coords="gcj02", on_error="quarantine", blocksize=80_000
    )
    assert read.reports.npartitions >= 3
    got = read.compute()
    _same(got, want)
    assert len(got.quarantined) > 0
    counts = read.counts.compute()
    assert (counts["rows_read"] == counts["accepted"] + counts["quarantined"]).all()
    assert counts["rows_read"].sum() == read.rows_read


def _rows(start: int, n: int, *, bad: bool = False) -> str:
    lines = []
    for i in range(start, start + n):
        lon, lat = 120.3 + (i % 97) / 1000, 36.05 + (i % 89) / 1000
        lines.append(
            f"R{i:05d},2026-11-{1 + i % 20:02d} 08:00,乱停车,open,hotline,{lon},{lat}"
        )
    if bad:
        lines[3] = "R00003,not a time,乱停车,open,hotline,120.3,36.05"  # bad time
        lines[5] = lines[5].replace("120.3", "")  # no longitude
        lines[-1] = lines[-1].replace(f"R{start + n - 1:05d}", f"R{start:05d}")  # dup
    return "\n".join(lines) + "\n"


def test_title_row_bom_blank_lines_and_a_list_of_files(tmp_path):
    first = tmp_path / "a.csv"
    body = _rows(0, 400, bad=True)
    first.write_text(
        "\ufeff某市城市管理案件导出\n" + HEADER + body + "\n", encoding="utf-8"
    )
    second = tmp_path / "b.csv"
    second.write_text("某市城市管理案件导出\n" + HEADER + _rows(1, 300), "utf-8")
    whole = tmp_path / "whole.txt"
    whole.write_text("\ufeff标题\n" + HEADER + body + _rows(1, 300), "utf-8")
    want = _quiet_read(whole, on_error="quarantine")
    assert any("duplicate" in r for r in want.quarantined["reason"])
    for source in ([first, second], str(tmp_path / "[ab].csv")):
        read = read_partitioned(source, on_error="quarantine", blocksize=4_000)
        assert read.reports.npartitions > 2
        got = read.compute()
        _same(got, want)


def test_gbk_beyond_the_first_bytes_is_detected(tmp_path):
    path = tmp_path / "late.csv"
    head = HEADER + _rows(0, 1500)  # ASCII but for the category
    text = head.replace("乱停车", "park") + _rows(1500, 20)
    assert len(text.split("乱停车")[0].encode()) > 65_536
    path.write_bytes(text.encode("gbk"))
    want = _quiet_read(path, on_error="quarantine")
    got = read_partitioned(path, on_error="quarantine", blocksize=20_000).compute()
    _same(got, want)
    assert got.reports["category"].iloc[-1] == "乱停车"


def test_bad_csv_sources(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + _rows(0, 10), encoding="utf-8")
    wide = tmp_path / "wide.csv"
    wide.write_text(HEADER + _rows(0, 10) + "R9,2026-11-01,x,open,hotline,1,2,3\n")
    with pytest.raises(InputError, match=r"could not split.*hotspots\.read_reports"):
        read_partitioned(wide, on_error="quarantine")
    other = tmp_path / "other.csv"
    other.write_text("id,time,lon,lat\nA,2026-11-01,120.3,36.0\n", encoding="utf-8")
    with pytest.raises(InputError, match="same header"):
        read_partitioned([good, other])
    with pytest.raises(InputError, match="do not exist"):
        read_partitioned(str(tmp_path / "nothing*.csv"))
    parquet = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(parquet)
    with pytest.raises(InputError, match="GeoParquet files or folders, or CSV"):
        read_partitioned([good, parquet])
    with pytest.raises(InputError, match="Python codec name"):
        read_partitioned(good, encoding="klingon")
    with pytest.raises(TypeError, match="CSV file or glob pattern"):
        read_partitioned([good, 3])
