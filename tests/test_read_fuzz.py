"""Fuzzing read_reports: whatever the export, rows are conserved and no crash.

A few hundred generated exports (CSV bytes in several encodings and line
endings, and in-memory frames) mixing valid rows with every defect the
hardening probe found. For each: either one InputError for a whole-file
problem, or a result where rows read = accepted + quarantined and every
quarantined row has a reason. ``scripts/fuzz_read.py`` runs the same cases
longer and prints the counts.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots._core import schema
from hotspots.errors import InputError
from hotspots.read.reports import read_reports

HEADER = [
    "案件编号",
    "上报时间",
    "问题小类",
    "经度",
    "纬度",
    "案件状态",
    "结案时间",
    "案件来源",
    "问题描述",
]
VALID = [
    "QD{i:04d}",
    "2026-11-02 08:{m:02d}:00",
    "暴露垃圾",
    "120.38",
    "36.07",
    "已结案",
    "2026-11-03 09:00:00",
    "巡查员",
    "垃圾未清",
]
TIMES = [
    "2300-01-01T08:00:00Z",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31 00:00:00",
    "1677-09-21 00:00:00",
    "2262-04-12 00:00:00",
    "2026-12-31 23:59:60",
    "2025-11-02 01:30:00",
    "2025-03-09 02:30:00",
    "20261102081500",
    "2026/11/02 08:15:00.5",
    "2026年11月2日 08:15",
    "not a time",
    "",
    "  ",
    "2026-02-30 10:00:00",
    "１９９９-01-01",
]
NUMBERS = ["1e19", "-1e400", "nan", "inf", "", "abc", "0x10", "120,38", "36.07.1", "-0"]
TEXT = [
    '摊贩"占道"',
    "第一行\n第二行",
    "a,b,c",
    "\r",
    "=1+1",
    "\x00",
    "0123",
    "00123",
    "<script>alert(1)</script>",
]
COLUMNS_OF = {
    "time": (1, 6),
    "number": (3, 4),
    "text": (0, 2, 5, 7, 8),
}


@dataclass(frozen=True)
class CsvCase:
    """One generated CSV export and what it should read as."""

    data: bytes
    encoding: str
    data_rows: int | None  # None when the count is not known in advance
    tz: str


def _quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_cases(
    draw: st.DrawFn, endings: tuple[str, ...] = ("\n", "\r\n", "\r")
) -> CsvCase:
    """Draw an export: valid rows, broken cells, broken lines, odd bytes."""
    n = draw(st.integers(0, 8))
    rows = [[v.format(i=i, m=i % 60) for v in VALID] for i in range(n)]
    for row in rows:
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(sorted(COLUMNS_OF)))
            column = draw(st.sampled_from(COLUMNS_OF[kind]))
            pool = {"time": TIMES, "number": NUMBERS, "text": TEXT}[kind]
            row[column] = draw(st.sampled_from(pool) | st.text(max_size=6))
    lines = [",".join(_quote(v) for v in row) for row in rows]
    counted = True
    for i in range(len(lines)):
        edit = draw(st.sampled_from(["", "", "", "extra", "short", "stray", "blank"]))
        if edit == "extra":
            lines[i] += ",extra"
        elif edit == "short":
            lines[i] = lines[i].rsplit(",", 1)[0] if "\n" not in lines[i] else lines[i]
        elif edit == "stray":
            lines[i] = "这是一行说明文字\n" + lines[i]
            n += 1
        elif edit == "blank":
            lines[i] += "\n"
    title = draw(st.booleans())
    head = (["市南区城市管理问题台账 2026年11月"] if title else []) + [",".join(HEADER)]
    ending = draw(st.sampled_from(endings))
    text = ending.join(head + lines) + ending
    if "\r" in text.replace("\r\n", "") and ending != "\r":
        counted = False  # a lone CR inside a cell of another ending's file
    tail = draw(st.sampled_from(["", "", '"never closed', "\x00garbage", "\ufffd"]))
    if tail:
        text += tail
        counted = False
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # a random byte somewhere
        at = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        counted = False
    tz = draw(st.sampled_from(["Asia/Shanghai", "America/Chicago", "Europe/Berlin"]))
    return CsvCase(data, encoding, n if counted else None, tz)


@st.composite
def frame_cases(draw: st.DrawFn) -> pd.DataFrame:
    """Draw an in-memory export whose cells have odd Python types."""
    n = draw(st.integers(1, 6))
    cells = st.one_of(
        st.none(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(2**70), 2**70),
        st.sampled_from(TIMES + NUMBERS + TEXT),
        st.datetimes(),
        st.text(max_size=5),
    )
    data = {
        c: [v.format(i=i, m=i) for i in range(n)]
        for c, v in zip(HEADER, VALID, strict=True)
    }
    frame = pd.DataFrame(data, dtype=object)
    for _ in range(draw(st.integers(0, 6))):
        frame.iat[draw(st.integers(0, n - 1)), draw(st.integers(0, 8))] = draw(cells)
    if draw(st.booleans()):  # a typed column, as Excel or a script makes it
        column = draw(st.sampled_from(HEADER))
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            frame[column] = pd.to_numeric(frame[column])
    return frame


def check(result, data_rows: int | None = None) -> None:
    """The invariants of every read."""
    assert result.rows_read == len(result.reports) + len(result.quarantined)
    if data_rows is not None:
        assert result.rows_read == data_rows
    reasons = result.quarantined[schema.REASON]
    assert reasons.notna().all()
    assert (reasons.str.len() > 0).all()
    numbers = result.quarantined[schema.ROW_NUMBER]
    assert numbers.between(1, result.rows_read).all()


def read_case(case: CsvCase, folder: Path, **kwargs):
    path = folder / "export.csv"
    path.write_bytes(case.data)
    return read_reports(path, tz=case.tz, on_error="quarantine", **kwargs)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_csv_exports_conserve_rows(
    ending: str, data: st.DataObject, folder: Path
) -> None:
    case = data.draw(csv_cases((ending,)))
    try:
        result = read_case(case, folder)
    except InputError:  # a whole-file problem: bytes of no encoding
        assert case.data_rows is None  # a well-encoded export always reads
        return
    check(result, case.data_rows)


@settings(max_examples=80, deadline=None, database=None)
@given(frame=frame_cases())
def test_fuzzed_frames_conserve_rows(frame: pd.DataFrame) -> None:
    try:
        result = read_reports(frame, on_error="quarantine")
    except InputError:
        return
    check(result, len(frame))
