from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from ledger_support import (
    export_frame,
    ledger_url,
    pg_schema_url,
    pg_url_or_skip,
    write_export,
)
from shapely.geometry import box

import hotspots
from hotspots._core import schema
from hotspots._core.privacy import mask_personal
from hotspots.errors import InputError, LedgerError
from hotspots.ledger import Ledger, backends, export_time_from_name
from hotspots.ledger.backends import connect
from hotspots.ledger.store import SCHEMA_VERSION, _quarantine_table, migrate
from hotspots.read.reports import read_reports
from hotspots.spatial import join

__all__ = ["ledger_url"]  # the fixture, imported for pytest

IDS = [f"C{i:03d}" for i in range(1, 21)]


def _frame_equal(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        pd.DataFrame(left).reset_index(drop=True),
        pd.DataFrame(right).reset_index(drop=True),
    )


def _assert_points_follow_lon_lat(ledger_url: str) -> None:
    """On PostgreSQL, every case's PostGIS point is at its lon/lat."""
    if not ledger_url.startswith("postgresql"):
        return
    backend = connect(ledger_url)
    try:
        rows = backend.query(
            "SELECT count(*), count(*) FILTER (WHERE geom IS NULL OR NOT "
            "ST_Equals(geom, ST_SetSRID(ST_MakePoint(lon, lat), 4326)) OR "
            "ST_SRID(geom) <> 4326) FROM cases"
        )
    finally:
        backend.close()
    assert rows[0][0] > 0
    assert rows[0][1] == 0


def test_ingest_matches_read_reports_and_is_idempotent(
    ledger_url: str, tmp_path: Path
) -> None:
    frame = export_frame(IDS, extra={"网格员": [f"张{i}" for i in range(20)]})
    frame.loc[3, "经度"] = ""  # one bad row
    frame.loc[4, "网格员"] = 'say "hi"\\ \t\n\x01 end'  # JSON escapes round-trip
    path = write_export(frame, tmp_path / "reports_20261109.csv")
    with Ledger.open(ledger_url) as ledger:
        first = ledger.ingest(path)
        assert (first.rows_read, first.inserted, first.quarantined) == (20, 19, 1)
        assert (first.updated, first.unchanged, first.batch_id) == (0, 0, 1)
        assert first.balanced
        expected = read_reports(path, on_error="quarantine").reports
        got = ledger.reports()
        _frame_equal(got.drop(columns="geometry"), expected.drop(columns="geometry"))
        assert (
            got.geometry.reset_index(drop=True)
            .geom_equals_exact(expected.geometry.reset_index(drop=True), 1e-12)
            .all()
        )
        assert got["网格员"].tolist()[:2] == ["张0", "张1"]
        again = ledger.ingest(path)
        assert again == type(first)(20, 0, 0, 19, 1, 1)
        assert len(ledger.batches()) == 1
        assert len(ledger.history()) == 19
        assert str(ledger.batches()["exported_at"][0]) == "2026-11-09 00:00:00+08:00"
        # the same rows in another order a week later: row-level no-ops
        later = write_export(frame.iloc[::-1], tmp_path / "reports_20261116.csv")
        assert ledger.ingest(later) == type(first)(20, 0, 0, 19, 1, 2)
        _frame_equal(
            ledger.reports().drop(columns="geometry"), got.drop(columns="geometry")
        )
    _assert_points_follow_lon_lat(ledger_url)


def test_ingest_builds_no_point_per_row(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingest stores lon/lat from the read, never a shapely Point per row."""
    path = write_export(export_frame(IDS), tmp_path / "reports_20261109.csv")
    expected = read_reports(path, on_error="quarantine").reports

    def no_points(*args: object, **kwargs: object) -> None:
        msg = "ingest built shapely Points"
        raise AssertionError(msg)

    with Ledger.open(ledger_url) as ledger:
        with monkeypatch.context() as patch:
            patch.setattr(gpd, "points_from_xy", no_points)
            patch.setattr(shapely, "points", no_points)
            assert ledger.ingest(path).inserted == len(IDS)
        got = ledger.reports()
    assert got.geometry.x.tolist() == expected.geometry.x.tolist()
    assert got.geometry.y.tolist() == expected.geometry.y.tolist()


def test_texts_with_line_breaks_survive_a_load_in_many_blocks(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading parses the rows while they arrive, a few hundred bytes a block."""
    ids = [f"C{i:03d}" for i in range(1, 121)]
    texts = [f'第{i}行\n"引号", 逗号\r\n' + "x" * (i % 7) for i in range(120)]
    frame = export_frame(ids, extra={"备注": texts})
    path = write_export(frame, tmp_path / "reports_20261109.csv")
    monkeypatch.setattr(backends, "_CSV_BLOCK", 200)
    with Ledger.open(ledger_url) as ledger:
        assert ledger.ingest(path).inserted == len(ids)
        got = ledger.reports()
        empty = ledger.reports(end="2000-01-01")
    assert dict(zip(got[schema.REPORT_ID], got["备注"], strict=True)) == dict(
        zip(ids, texts, strict=True)
    )
    assert len(empty) == 0
    assert list(empty.columns) == list(got.columns)


#: A bad value in a streamed read, thirty times, the readers collected in between.
STREAMED_ERROR = """
import gc, sys
import pyarrow as pa
from hotspots.ledger import backends
backends._CSV_BLOCK = 64
backend = backends.connect(sys.argv[1])
bad = ("SELECT CASE WHEN i = 500 THEN 'x' ELSE i::text END FROM "
       "generate_series(1, 2000) AS i")
numbers = pa.schema([("n", pa.int64())])
for _ in range(30):
    try:
        backend.query_arrow(bad, [], numbers)
    except pa.ArrowInvalid as err:
        assert "'x'" in str(err), err
    else:
        raise AssertionError("no error")
    gc.collect()
good = backend.query_arrow(
    "SELECT i FROM generate_series(1, 2000) AS i ORDER BY i", [], numbers
)
assert good["n"].to_pylist() == list(range(1, 2001))
print("ok")
"""


@pytest.mark.postgis
def test_bad_value_in_a_streamed_read_raises_and_does_not_hang() -> None:
    """A parse error reaches the caller; Arrow's read-ahead is never left waiting.

    Left waiting, it would block the reader's destructor (which holds the GIL)
    forever: run in a child process with a time limit.
    """
    child = subprocess.run(
        [sys.executable, "-c", STREAMED_ERROR, pg_url_or_skip()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "ok"


def test_latest_export_wins_and_as_of_sees_no_future(
    ledger_url: str, tmp_path: Path
) -> None:
    week46 = write_export(export_frame(IDS[:10]), tmp_path / "r_2026W46.csv")
    week47 = write_export(
        export_frame(IDS[5:15], status="已结案", closed="2026-11-20 10:00"),
        tmp_path / "r_2026W47.csv",
    )
    late_old = write_export(export_frame(IDS[:10], status="待受理"), tmp_path / "a.csv")
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(week46)
        second = ledger.ingest(week47)
        assert (second.inserted, second.updated, second.unchanged) == (5, 5, 0)
        third = ledger.ingest(late_old, exported_at="2026-11-10 12:00")
        # older than both: history only, no current state changes
        assert (third.inserted, third.updated, third.unchanged) == (0, 0, 10)
        now = ledger.reports().set_index("report_id")["status"]
        assert now[IDS[0]] == "dispatched"
        assert now[IDS[7]] == "closed"
        assert len(now) == 15
        then = ledger.reports(as_of="2026-11-17").set_index("report_id")["status"]
        assert len(then) == 10
        assert then[IDS[7]] == "dispatched"
        assert then[IDS[0]] == "dispatched"
        early = ledger.reports(as_of="2026-11-12").set_index("report_id")["status"]
        assert early[IDS[0]] == "open"  # only the 2026-11-10 export was known
        history = ledger.history([IDS[7]])
        assert history["batch_id"].tolist() == [3, 1, 2]
        assert history["status"].tolist() == ["open", "dispatched", "closed"]
        assert history["source_file"].iloc[2].endswith("r_2026W47.csv")
        window = ledger.reports(start="2026-11-05", end="2026-11-08")
        assert sorted(window["report_id"]) == ["C004", "C005", "C006"]


def test_same_export_time_later_ingest_wins(ledger_url: str) -> None:
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(export_frame(IDS[:3]), exported_at="2026-11-20")
        result = ledger.ingest(
            export_frame(IDS[:3], status="已结案", closed="2026-11-20 09:00"),
            exported_at="2026-11-20",
        )
        assert (result.updated, result.unchanged) == (3, 0)
        assert set(ledger.reports()["status"]) == {"closed"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reports_20261122.csv", "2026-11-22 00:00:00+08:00"),
        ("export-2026-11-22.xlsx", "2026-11-22 00:00:00+08:00"),
        ("w_2026_11_22.csv", "2026-11-22 00:00:00+08:00"),
        ("reports_2026W47.csv", "2026-11-23 00:00:00+08:00"),
        ("reports_2026-W47.csv", "2026-11-23 00:00:00+08:00"),
        ("reports_2026W32-W47.csv", "2026-11-23 00:00:00+08:00"),
        ("from_20260101_to_20261122.csv", "2026-11-22 00:00:00+08:00"),
        ("reports.csv", "None"),
        ("r_20261340.csv", "None"),
    ],
)
def test_export_time_from_name(name: str, expected: str) -> None:
    assert str(export_time_from_name(name)) == expected


def test_quarantined_rows_are_kept_masked(ledger_url: str) -> None:
    frame = export_frame(IDS[:4], extra={"上报人": ["王五"] * 4, "备注": ["x"] * 4})
    frame.loc[1, "上报时间"] = "not a time"
    frame.loc[1, "备注"] = "请回电13812345678"
    with Ledger.open(ledger_url) as ledger:
        result = ledger.ingest(frame, exported_at="2026-11-20")
        bad = ledger.quarantined()
        assert result.quarantined == 1
        assert bad["row_number"].tolist() == [2]
        assert bad["reason"].str.contains("reported_at").all()
        assert bad["案件编号"].tolist() == ["C002"]
        assert bad["备注"].tolist() == ["请回电***"]
        assert bad["上报人"].tolist() == ["***"]
        assert bad["source_file"].tolist() == ["<DataFrame>"]


def test_moved_case_is_refused_and_ledger_unchanged(ledger_url: str) -> None:
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(export_frame(IDS[:5]), exported_at="2026-11-20")
        before = ledger.reports()
        moved = export_frame(IDS[3:8], lon0=120.50, status="已结案")
        with pytest.raises(
            InputError, match=r"2 case\(s\).*other coordinates.*coords="
        ):
            ledger.ingest(moved, exported_at="2026-11-27")
        _frame_equal(ledger.reports(), before)
        assert len(ledger.batches()) == 1
        assert len(ledger.history()) == 5


def test_changed_column_mapping_is_refused(ledger_url: str) -> None:
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(export_frame(IDS[:5]), exported_at="2026-11-20")
        no_status = export_frame(IDS[5:8]).drop(columns=["案件状态"])
        with pytest.raises(InputError, match=r"missing \['案件状态'\].*mapping="):
            ledger.ingest(no_status, exported_at="2026-11-27")
        assert len(ledger.batches()) == 1
        result = ledger.ingest(
            no_status, exported_at="2026-11-27", accept_mapping_change=True
        )
        assert result.inserted == 3


def test_newer_schema_version_is_refused(ledger_url: str) -> None:
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(export_frame(IDS[:2]), exported_at="2026-11-20")
    backend = connect(ledger_url)
    backend.execute(
        "INSERT INTO ledger_version VALUES (?, ?)", [99, "2030-01-01 00:00:00+00"]
    )
    backend.close()
    with pytest.raises(LedgerError, match=r"schema version 99.*upgrade hotspots"):
        Ledger.open(ledger_url)


def _write_version_2_ledger(ledger_url: str) -> None:
    """A ledger as version 2 wrote it: every snapshot in `snapshots`."""
    backend = connect(ledger_url)
    assert migrate(backend, target=2) == 0
    columns = '{"canonical": ["report_id"], "consumed": [], "extras": ["备注"]}'
    for batch, day in ((1, "2026-11-13"), (2, "2026-11-20")):
        backend.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, 2, 1, 1, 0, 0, ?)",
            [batch, f"w{batch}.csv", f"h{batch}", day, day, columns],
        )
    rows = [  # batch, row number, case, status (C00k at 120.38 + k e-4, ...)
        (1, 1, "C001", "dispatched"),
        (1, 2, "C002", "dispatched"),
        (2, 7, "C001", "closed"),
    ]
    for table, kept in (("snapshots", rows), ("cases", rows[1:])):
        for batch, row, case, status in kept:
            k = int(case[1:])
            day = "2026-11-13" if batch == 1 else "2026-11-20"
            names = "batch_id, exported_at, report_id, status, lon, lat"
            values: list[object] = [batch, day, case, status]
            values += [120.38 + k * 1e-4, 36.06 + k * 1e-4]
            if table == "snapshots":
                names += ", row_number"
                values.append(row)
            marks = ", ".join("?" for _ in values)
            backend.execute(
                f"INSERT INTO {table} ({names}, reported_at, category, "
                "category_code, source, weight, extra) VALUES "
                f"({marks}, '2026-11-02', '占道经营', '09006', 'patrol', 1.0, "
                '\'{"备注": "x"}\')',
                values,
            )
    backend.close()


def test_older_ledger_is_migrated(ledger_url: str) -> None:
    backend = connect(ledger_url)
    assert migrate(backend, target=1) == 0
    assert Ledger(backend).schema_version == 1
    assert not backend.table_exists("assignments")
    backend.close()
    with Ledger.open(ledger_url) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION == 3
        grid = gpd.GeoDataFrame(
            {"grid_id": ["g1"]}, geometry=[box(120, 36, 121, 37)], crs="EPSG:4326"
        )
        ledger.ingest(export_frame(IDS[:4]), exported_at="2026-11-20")
        assert set(ledger.assigned(grid=grid)["grid_id"]) == {"g1"}


def test_version_2_ledger_keeps_its_history_when_migrated(ledger_url: str) -> None:
    _write_version_2_ledger(ledger_url)
    with Ledger.open(ledger_url) as ledger:
        assert ledger.schema_version == 3
        now = ledger.reports()
        assert now["status"].tolist() == ["closed", "dispatched"]
        assert now["备注"].tolist() == ["x", "x"]
        history = ledger.history()
        assert history["report_id"].tolist() == ["C001", "C001", "C002"]
        assert history["row_number"].tolist() == [1, 7, 2]
        assert history["status"].tolist() == ["dispatched", "closed", "dispatched"]
        then = ledger.reports(as_of="2026-11-14")
        assert then["status"].tolist() == ["dispatched", "dispatched"]
        # the migrated ledger goes on upserting
        more = ledger.ingest(
            export_frame(["C002", "C003"], status="已结案"),
            accept_mapping_change=True,
            exported_at="2026-11-27",
        )
        assert (more.inserted, more.updated) == (1, 1)
        assert len(ledger.history()) == 5
    _assert_points_follow_lon_lat(ledger_url)


def test_unreachable_server_is_one_line() -> None:
    with pytest.raises(LedgerError, match=r"cannot reach the ledger server") as info:
        Ledger.open("postgresql://me:secret@127.0.0.1:9/nowhere", connect_timeout_s=1)
    assert "secret" not in str(info.value)
    assert "\n" not in str(info.value)


def test_locked_duckdb_file_waits_then_fails(tmp_path: Path) -> None:
    path = tmp_path / "ledger.duckdb"
    Ledger.open(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time;c=duckdb.connect({str(path)!r});"
            "print('ready',flush=True);time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        start = time.monotonic()
        with pytest.raises(LedgerError, match=r"in use by another process.*retry"):
            Ledger.open(path, lock_timeout_s=0.5)
        assert 0.4 < time.monotonic() - start < 5
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    with Ledger.open(path) as ledger:  # not corrupted
        assert ledger.schema_version == SCHEMA_VERSION


def test_export_geopackage_and_geoparquet(ledger_url: str, tmp_path: Path) -> None:
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(export_frame(IDS[:6]), exported_at="2026-11-20")
        frame = ledger.reports()
        gpkg = ledger.export(tmp_path / "cases.gpkg")
        parquet = ledger.export(tmp_path / "cases.parquet")
        with pytest.raises(InputError, match=r"\.gpkg or \.parquet"):
            ledger.export(tmp_path / "cases.shp")
    back = gpd.read_file(gpkg, layer="reports")
    assert back["report_id"].tolist() == frame["report_id"].tolist()
    assert back.crs == frame.crs
    again = gpd.read_parquet(parquet)
    assert again["status"].tolist() == frame["status"].tolist()
    assert again.geometry.geom_equals_exact(frame.geometry, 1e-12).all()


def test_assignments_are_cached_per_boundary_set(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = join.assign

    def counting(reports: gpd.GeoDataFrame, **kwargs: object) -> gpd.GeoDataFrame:
        calls.append(len(reports))
        return real(reports, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(join, "assign", counting)
    west = box(120.0, 36.0, 120.3805, 37.0)
    east = box(120.3805, 36.0, 121.0, 37.0)
    grid = gpd.GeoDataFrame({"grid_id": ["w", "e"]}, geometry=[west, east], crs=4326)
    with Ledger.open(ledger_url) as ledger:
        ledger.ingest(export_frame(IDS[:8]), exported_at="2026-11-20")
        first = ledger.assigned(grid=grid)
        ledger.ingest(export_frame(IDS[5:12]), exported_at="2026-11-27")
        second = ledger.assigned(grid=grid)
        assert calls == [8, 4]
        direct = real(ledger.reports(), grid=grid)
        _frame_equal(second, direct)
        assert first["grid_id"].tolist() == direct["grid_id"].tolist()[:8]
        ledger.assigned(grid=grid)
        assert calls == [8, 4]
        moved = grid.assign(grid_id=["west", "east"])
        assert set(ledger.assigned(grid=moved)["grid_id"]) == {"west", "east"}
        assert calls == [8, 4, 12]


def test_ledger_is_exported() -> None:
    assert hotspots.Ledger is Ledger
    assert "Ledger" in hotspots.__all__


def _quarantine_records_reference(quarantined: pd.DataFrame) -> list[str]:
    """The former per-row JSON of Ledger quarantine rows, for comparison."""
    body = quarantined.drop(columns=[schema.ROW_NUMBER, schema.REASON])
    masked = {}
    for column in body.columns:
        values = body[column]
        if column in ("上报人", "联系电话"):
            masked[str(column)] = values.where(values.isna(), "***").astype("object")
        else:
            masked[str(column)] = mask_personal(values).astype("object")
    frame = pd.DataFrame(masked, index=body.index)
    records = []
    for cells in frame.itertuples(index=False, name=None):
        record = {
            k: None
            if v is None or v is pd.NA or (isinstance(v, float) and v != v)
            # nan is the only value unequal to itself
            else str(v)
            for k, v in zip(frame.columns, cells, strict=True)
        }
        records.append(json.dumps(record, ensure_ascii=False))
    return records


def test_quarantine_json_is_built_per_column(monkeypatch: pytest.MonkeyPatch) -> None:
    tricky = [
        'say "hi"',
        "back\\slash \\u0041",
        "".join(chr(c) for c in range(32)) + "\x7f",
        "行\u2028分隔 😀 {}[],:",
        "",
        None,
        "电话13812345678",
    ]
    names = ["张三", None, "", "李四", None, "王五", "x"]
    others = [None, pd.NA, "a", "b", "c", "d", "e"]
    n = 3 * len(tricky)  # more rows than columns
    quarantined = pd.DataFrame(
        {
            "案件编号": pd.array(tricky * 3, dtype="str"),
            "上报人": pd.array(names * 3, dtype="str"),
            "联系电话": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0, np.nan] * 3,
            "返工次数": np.arange(n),
            'key "q"\\': pd.array(others * 3, dtype=object),
            schema.ROW_NUMBER: np.arange(1, n + 1),
            schema.REASON: ["r"] * n,
        }
    )
    expected = _quarantine_records_reference(quarantined)
    calls = 0
    dumps = json.dumps

    def counted(*args: object, **kwargs: object) -> str:
        nonlocal calls
        calls += 1
        return dumps(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(json, "dumps", counted)
    table = _quarantine_table(quarantined)
    monkeypatch.undo()
    assert table["data"].to_pylist() == expected
    assert [json.loads(r) for r in expected][3]["上报人"] == "***"
    assert calls <= len(quarantined.columns) < n  # once per column, not per row
    assert table["row_number"].to_pylist() == list(range(1, n + 1))
    empty = _quarantine_table(quarantined.iloc[:0])
    assert empty.num_rows == 0


def _state_then(history: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each case's latest snapshot exported up to ``as_of`` (ties: later batch)."""
    known = history[history["exported_at"] <= as_of]
    known = known.sort_values(["report_id", "exported_at", "batch_id"])
    return known.groupby("report_id").tail(1).set_index("report_id")


def test_as_of_and_late_cases_equal_the_snapshot_rule(ledger_url: str) -> None:
    rng = np.random.default_rng(11)
    ids = [f"C{i:03d}" for i in range(1, 41)]
    statuses = np.array(["待受理", "已派遣", "已结案"])
    # overlapping exports, with tied export times and older ones ingested late
    times = ["2026-11-10", "2026-11-14", "2026-11-14", "2026-11-21", "2026-11-12"]
    times += ["2026-11-25", "2026-11-18"]
    with Ledger.open(ledger_url) as ledger:
        for k, when in enumerate(times):
            chosen = sorted(rng.choice(ids, size=18, replace=False).tolist())
            frame = export_frame(chosen)
            status = statuses[rng.integers(0, 3, len(chosen))]
            frame["案件状态"] = status
            frame["结案时间"] = np.where(
                status == "已结案", f"2026-11-2{k % 3} 09:00", ""
            )
            ledger.ingest(frame, exported_at=when)
        history = ledger.history()
        current = _state_then(history, pd.Timestamp.max.tz_localize("UTC"))
        tz = history["exported_at"].dt.tz
        for as_of in [
            "2026-11-09",
            "2026-11-12",
            "2026-11-14",
            "2026-11-20",
            "2026-11-30",
        ]:
            when = pd.Timestamp(as_of).tz_localize(ledger.tz).tz_convert(tz)
            then = _state_then(history, when)
            for start, end in [(None, None), ("2026-11-05", "2026-11-15")]:
                got = ledger.reports(as_of=as_of, start=start, end=end)
                late = ledger.reports(
                    as_of=as_of, start=start, end=end, late_cases=True
                )
                window = ledger.reports(start=start, end=end)  # current states
                inside = set(window["report_id"])  # reported_at never changes here
                ref = then.loc[[i for i in then.index if i in inside]]
                assert got["report_id"].tolist() == ref.index.tolist()
                assert got["status"].tolist() == ref["status"].tolist()
                assert (
                    got["closed_at"].isna().tolist() == ref["closed_at"].isna().tolist()
                )
                # late cases: the rest of the window, in their current state
                rest = sorted(inside - set(ref.index))
                expected = pd.concat([ref["status"], current.loc[rest, "status"]])
                expected = expected.sort_index()
                assert late["report_id"].tolist() == expected.index.tolist()
                assert late["status"].tolist() == expected.tolist()
                # count: the same selections, counted in the database
                assert ledger.count(as_of=as_of, start=start, end=end) == len(ref)
                assert ledger.count(
                    as_of=as_of, start=start, end=end, late_cases=True
                ) == len(expected)
                assert ledger.count(start=start, end=end) == len(window)
                if as_of == "2026-11-30":  # everything known: the current state
                    _frame_equal(late, window)
                    _frame_equal(got, window)
                if as_of == "2026-11-09":  # nothing known yet
                    assert got.empty
                    _frame_equal(late, window)
        with pytest.raises(InputError, match="late_cases=True needs as_of"):
            ledger.reports(late_cases=True)
        with pytest.raises(InputError, match="late_cases=True needs as_of"):
            ledger.count(late_cases=True)
        assert ledger.count() == len(ledger.reports())
        assert ledger.count(start="2030-01-01") == 0


@pytest.mark.postgis
def test_streamed_read_errors_leave_the_connection_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The COPY read raises the server's error, before or amid the rows."""
    import psycopg

    monkeypatch.setattr(backends, "_CSV_BLOCK", 64)
    numbers = pa.schema([("n", pa.int64())])
    backend = connect(pg_url_or_skip())
    try:
        with pytest.raises(psycopg.errors.UndefinedTable):
            backend.query_arrow("SELECT n FROM no_such_table", [], numbers)
        assert backend.query("SELECT 1") == [(1,)]
        midway = (
            "SELECT CASE WHEN i = 1500 THEN 1 / (i - 1500) ELSE i END FROM "
            "generate_series(1, 2000) AS i"
        )
        with pytest.raises(psycopg.errors.DivisionByZero):
            backend.query_arrow(midway, [], numbers)
        assert backend.query("SELECT 2") == [(2,)]
        backend.begin()
        with pytest.raises(psycopg.errors.DivisionByZero):
            backend.query_arrow(midway, [], numbers)
        backend.rollback()
        # parameters are bound client-side, quotes and percent signs included
        text = pa.schema([("t", pa.string()), ("n", pa.int64())])
        got = backend.query_arrow("SELECT ?::text, ?::bigint", ["it's 5%", 7], text)
        assert got.to_pylist() == [{"t": "it's 5%", "n": 7}]
    finally:
        backend.close()


@pytest.mark.postgis
def test_a_read_stopped_early_is_cancelled() -> None:
    """A consumer leaving the COPY early leaves an idle, usable connection."""
    import psycopg

    with psycopg.connect(pg_url_or_skip(), autocommit=True) as con:
        rows = backends._copy_out(
            con,
            "COPY (SELECT repeat('x', 1000) FROM generate_series(1, 200000)) TO STDOUT",
        )
        first = next(rows)
        assert len(first) >= backends._CSV_BLOCK
        assert first.endswith(b"x\n")
        rows.close()
        assert con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert con.execute("SELECT 3").fetchone() == (3,)
        whole = b"".join(
            backends._copy_out(
                con, "COPY (SELECT i FROM generate_series(1, 5) AS i) TO STDOUT"
            )
        )
        assert whole == b"1\n2\n3\n4\n5\n"


def test_failed_first_ingest_leaves_an_empty_indexed_ledger(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch's direct load (emptied, frozen rows) rolls back whole."""
    path = write_export(export_frame(IDS), tmp_path / "reports_20261109.csv")
    write_cases = Ledger._write_cases

    def fail_after(self: Ledger, *args: object) -> object:
        write_cases(self, *args)  # type: ignore[arg-type]
        msg = "killed after the cases were written"
        raise RuntimeError(msg)

    with Ledger.open(ledger_url) as ledger:
        with monkeypatch.context() as patch:
            patch.setattr(Ledger, "_write_cases", fail_after)
            with pytest.raises(RuntimeError, match="killed after"):
                ledger.ingest(path)
        assert ledger.reports().empty
        assert ledger.batches().empty
        assert ledger.ingest(path).inserted == len(IDS)
        assert ledger.reports()[schema.REPORT_ID].tolist() == IDS
    if ledger_url.startswith("postgresql"):
        backend = connect(ledger_url)
        try:
            names = backend.query(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'cases' "
                "AND schemaname = current_schema() ORDER BY indexname"
            )
        finally:
            backend.close()
        assert names == [("cases_geom_idx",), ("cases_pkey",)]
    _assert_points_follow_lon_lat(ledger_url)


def _split_every_read(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Split every ordered PostgreSQL read in two halves; return the log of splits."""
    monkeypatch.setattr(backends, "_SPLIT_MIN_ROWS", 0)
    monkeypatch.setattr(backends, "_SPLIT_SAMPLE_PCT", 100.0)
    splits: list[object] = []
    read_halves = backends.PostgresBackend._read_halves

    def logged(self: backends.PostgresBackend, *args: object) -> pa.Table:
        splits.append(args[-1])  # the boundary
        return read_halves(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(backends.PostgresBackend, "_read_halves", logged)
    return splits


@pytest.fixture
def pg_ledger_url() -> Iterator[str]:
    """A fresh, empty ledger on the PostgreSQL server (a schema of its own)."""
    yield from pg_schema_url()


def _two_batches(ledger: Ledger, tmp_path: Path) -> list[str]:
    """Ingest 300 cases, then 300 (200 of them again, closed); return the ids."""
    ids = [f"C{i:04d}" for i in range(1, 401)]
    notes = [f'备注{i}\n第二行, "引号"' for i in range(400)]
    first = export_frame(ids[:300], extra={"备注": notes[:300]})
    later = export_frame(ids[100:], status="已结案", extra={"备注": notes[100:]})
    later["结案时间"] = "2026-11-21 09:00:00"
    ledger.ingest(write_export(first, tmp_path / "reports_20261109.csv"))
    ledger.ingest(write_export(later, tmp_path / "reports_20261123.csv"))
    return ids


@pytest.mark.postgis
def test_a_read_in_two_halves_equals_the_single_read(
    pg_ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both halves, concatenated, are the single read: rows, order, values."""
    queries: list[dict[str, Any]] = [
        {},
        {"start": "2026-11-05", "end": "2026-11-15"},
        {"as_of": "2026-11-10"},
        {"as_of": "2026-11-10", "late_cases": True},
    ]
    with Ledger.open(pg_ledger_url) as ledger:
        ids = _two_batches(ledger, tmp_path)
        single = [ledger.reports(**q) for q in queries]
        # with the cached assignments of a boundary set (every third case)
        backend = connect(pg_ledger_url)
        try:
            backend.execute(
                "INSERT INTO assignments (boundary_key, report_id, grid_id, "
                "street_distance_m) SELECT 'b', report_id, 'g' || report_id, "
                "length(report_id) FROM cases WHERE right(report_id, 1) IN "
                "('0', '3', '6', '9')"
            )
        finally:
            backend.close()
        single.append(ledger._frame(None, None, None, boundary_key="b"))
        with monkeypatch.context() as patch:
            splits = _split_every_read(patch)
            halves = [ledger.reports(**q) for q in queries]
            halves.append(ledger._frame(None, None, None, boundary_key="b"))
    assert len(splits) == len(queries) + 1
    assert all(ids[0] < str(b) <= ids[-1] for b in splits)
    assert single[0][schema.REPORT_ID].tolist() == ids
    assert single[-1]["a_cached"].sum() == 160
    for one, two in zip(single, halves, strict=True):
        assert len(one) > 0
        assert_geodataframe_equal(one, two)


@pytest.mark.postgis
def test_both_halves_read_one_snapshot(
    pg_ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest committed while the halves start is seen by neither of them."""
    with Ledger.open(pg_ledger_url) as ledger:
        ids = _two_batches(ledger, tmp_path)
        before = ledger.reports()
    newer = export_frame([*ids[::2], "C0999"], status="已受理")
    path = write_export(newer, tmp_path / "reports_20261130.csv")
    copy_out = backends._copy_out
    lock = threading.Lock()
    done: list[object] = []

    def ingest_first(con: object, statement: str) -> Iterator[bytes]:
        # every half waits for the concurrent ingest to commit, then reads
        with lock:
            if not done:
                with Ledger.open(pg_ledger_url) as other:
                    done.append(other.ingest(path))
        return copy_out(con, statement)

    with Ledger.open(pg_ledger_url) as ledger, monkeypatch.context() as patch:
        splits = _split_every_read(patch)
        patch.setattr(backends, "_copy_out", ingest_first)
        during = ledger.reports()
        patch.undo()
        after = ledger.reports()
    assert len(splits) == 1
    assert len(done) == 1
    assert_geodataframe_equal(during, before)
    assert len(after) == len(before) + 1
    status = read_reports(path, on_error="quarantine").reports.set_index(
        schema.REPORT_ID
    )[schema.STATUS]
    got = after.set_index(schema.REPORT_ID)[schema.STATUS]
    assert got.loc[status.index].tolist() == status.tolist()
    assert (
        got.loc[ids[::2]].tolist()
        != before.set_index(schema.REPORT_ID).loc[ids[::2], schema.STATUS].tolist()
    )


@pytest.mark.postgis
def test_a_failed_half_ends_both_transactions(
    pg_ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in either half reaches the caller; both connections end idle."""
    import psycopg
    from psycopg.pq import TransactionStatus

    with Ledger.open(pg_ledger_url) as ledger:
        _two_batches(ledger, tmp_path)
    splits = _split_every_read(monkeypatch)
    numbers = pa.schema([("report_id", pa.string()), ("n", pa.int64())])
    backend = connect(pg_ledger_url)
    assert isinstance(backend, backends.PostgresBackend)
    key = ("cases", "report_id")
    try:
        for bad in ("report_id >= 'C0390'", "report_id <= 'C0010'"):  # upper, lower
            sql = (
                f"SELECT report_id, CASE WHEN {bad} THEN 1 / 0 ELSE 1 END FROM "
                "cases ORDER BY report_id"
            )
            with pytest.raises(psycopg.errors.DivisionByZero):
                backend.query_arrow(sql, [], numbers, order_key=key)
            for con in (backend._con, backend._reader._con):  # type: ignore[union-attr]
                assert con.info.transaction_status == TransactionStatus.IDLE
        good = "SELECT report_id, 1 FROM cases ORDER BY report_id"
        assert backend.query_arrow(good, [], numbers, order_key=key).num_rows == 400
        assert len(splits) == 3
        # inside a transaction the read is not split (its writes are its own)
        backend.begin()
        assert backend.query_arrow(good, [], numbers, order_key=key).num_rows == 400
        backend.rollback()
        assert len(splits) == 3
    finally:
        backend.close()
