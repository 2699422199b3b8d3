from __future__ import annotations

import datetime as dt
import os
import stat

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from hotspots._core.outputs import (
    atomic_write,
    temp_dir,
    write_csv,
    write_json,
    write_workbook,
    write_xlsx,
)


def test_atomic_write_leaves_the_old_file_when_the_writer_crashes(tmp_path):
    target = tmp_path / "ledger.csv"
    target.write_text("old", encoding="utf-8")

    def crash(path):
        path.write_text("half", encoding="utf-8")
        msg = "disk full"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, crash)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv"]


def test_written_files_and_folders_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_json(tmp_path / "s.json", {"a": 1})
        folder = temp_dir(tmp_path, ".w.")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_csv_has_bom_chinese_headers_wkt_and_naive_local_times(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "rank": [1],
            "reason_zh": ["连续6周出现占道经营"],
            "top": [["占道经营", "乱停车"]],
            "t": pd.to_datetime(["2026-11-16 08:00"]).tz_localize("Asia/Shanghai"),
        },
        geometry=[Point(120.3, 36.1)],
        crs="EPSG:4326",
    )
    path = write_csv(tmp_path / "l.csv", frame, headers={"rank": "排名"})
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "排名,reason_zh,top,t,geometry"
    assert "占道经营; 乱停车" in text
    assert "2026-11-16 08:00:00," in text
    assert "POINT (120.3 36.1)" in text
    assert frame["t"].dt.tz is not None  # input untouched


def test_xlsx_is_reproducible_and_keeps_cells(tmp_path):
    frame = pd.DataFrame({"排名": [1, 2], "原因": ["复发", "热线"]})
    a = write_xlsx(tmp_path / "a.xlsx", frame, sheet_name="盲区台账")
    wb = openpyxl.load_workbook(a)
    ws = wb["盲区台账"]
    assert [c.value for c in ws[1]] == ["排名", "原因"]
    assert [c.value for c in ws[3]] == [2, "热线"]
    assert wb.properties.created.year == 2026
    b = write_xlsx(tmp_path / "b.xlsx", frame, sheet_name="盲区台账")
    assert a.read_bytes() == b.read_bytes()


def test_xlsx_keeps_untrusted_text_as_text_and_types_as_types(tmp_path):
    frame = pd.DataFrame(
        {
            "描述": ['=HYPERLINK("http://evil","x")', "http://example.com", "+1", None],
            "数": [1.5, np.nan, 3.0, 4.0],
            "时间": pd.to_datetime(
                ["2026-11-16 08:00", None, "2026-11-17 09:30", "2026-11-18 00:00"]
            ).tz_localize("Asia/Shanghai"),
            "是否": [True, False, True, False],
        }
    )
    path = write_workbook(tmp_path / "w.xlsx", {"甲": frame, "乙": frame.head(1)})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["甲", "乙"]
    ws = wb["甲"]
    first = ws.cell(2, 1)
    assert first.value == '=HYPERLINK("http://evil","x")'
    assert first.data_type == "s"  # text, not a formula
    assert ws.cell(3, 1).hyperlink is None
    assert ws.cell(5, 1).value is None
    assert [ws.cell(r, 2).value for r in range(2, 6)] == [1.5, None, 3.0, 4.0]
    assert ws.cell(2, 3).value == dt.datetime(2026, 11, 16, 8, 0)
    assert ws.cell(3, 3).value is None
    assert ws.cell(2, 4).value is True
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D5"
    assert wb["乙"].max_row == 2


def test_xlsx_writes_other_values_as_text_and_empty_tables(tmp_path):
    import decimal

    frame = pd.DataFrame(
        {
            "周": pd.period_range("2026-11-16", periods=3, freq="W-SUN"),
            "值": [decimal.Decimal("1.5"), {"a": 1}, np.int64(7)],
            "可空": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    path = write_workbook(
        tmp_path / "o.xlsx", {"表": frame, "空": frame.iloc[:0], "无列": pd.DataFrame()}
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["表"]
    assert ws.cell(2, 1).value == "2026-11-16/2026-11-22"
    assert ws.cell(2, 2).value == 1.5
    assert ws.cell(3, 2).value == "{'a': 1}"
    assert ws.cell(4, 2).value == 7
    assert [ws.cell(r, 3).value for r in (2, 3, 4)] == [1, None, 3]
    assert [c.value for c in wb["空"][1]] == ["周", "值", "可空"]
    assert wb["空"].max_row == 1


def test_csv_defuses_text_a_spreadsheet_would_run_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "描述": [
                "=1+1",
                "-1.5",
                "-2+3",
                "+86 138",
                "@SUM(A1)",
                "正常",
                "\tx",
                None,
            ],
            "数": [1, -2, 3, 4, 5, 6, 7, 8],
        }
    )
    text = write_csv(tmp_path / "r.csv", frame).read_text(encoding="utf-8-sig")
    rows = [line.split(",") for line in text.splitlines()[1:]]
    assert [r[0] for r in rows] == [
        "'=1+1",
        "-1.5",
        "'-2+3",
        "'+86 138",
        "'@SUM(A1)",
        "正常",
        "'\tx",
        "",
    ]
    assert [r[1] for r in rows] == ["1", "-2", "3", "4", "5", "6", "7", "8"]
    categorical = frame.astype({"描述": "category"})
    path = write_csv(tmp_path / "c.csv", categorical)
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "'=1+1,1"
    assert frame.loc[0, "描述"] == "=1+1"  # input untouched


def test_xlsx_columns_fit_their_content_and_cjk_counts_double(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "原因": ["连续6周出现占道经营", "热线"],
            "note": ["x" * 10, "y" * 200],
            "得分": [1.23456, 2.5],
            "t": pd.to_datetime(["2026-11-16 08:00", None]),
        }
    )
    path = write_xlsx(tmp_path / "w.xlsx", frame, number_formats={"得分": "0.00"})
    ws = openpyxl.load_workbook(path).active
    width = {k: int(v.width) for k, v in ws.column_dimensions.items()}  # + padding
    assert width["A"] == 6  # narrowest column, room for the filter button
    assert width["B"] == 20  # 9 CJK characters and one digit, plus a margin
    assert width["C"] == 60  # capped
    assert width["E"] == 20  # a date and time
    assert ws.cell(2, 4).number_format == "0.00"
    assert ws.cell(2, 4).value == 1.23456  # the value is kept, only shown rounded
    assert ws.cell(2, 2).number_format == "General"
    assert ws.freeze_panes == "A2"


def test_a_ledger_of_5000_rows_is_written_fast(tmp_path):
    import time

    n = 5_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "排名": np.arange(1, n + 1),
            "网格": [f"370202001{i:06d}" for i in range(n)],
            "盲区得分": rng.random(n),
            "原因": ["连续6周出现占道经营；热线反映 3 次"] * n,
            "主要问题": ["暴露垃圾(12)、道路不洁(6)、乱堆杂物(4)"] * n,
            "时间": pd.Timestamp("2026-11-16") + pd.to_timedelta(np.arange(n), "min"),
        }
    )
    start = time.perf_counter()
    write_xlsx(tmp_path / "l.xlsx", frame, number_formats={"盲区得分": "0.00"})
    write_csv(tmp_path / "l.csv", frame)
    assert time.perf_counter() - start < 3.0


# ------------------------------------- vectorised writers (issue 17, speed): parity
#: Cells a spreadsheet might run, or nearly: what the OWASP rule must catch.
FORMULA_CELLS = [
    "=1+1",
    "=",
    "+",
    "-",
    "+-",
    "-1.5",
    "+12",
    "+12.5\n",
    "-12.5\nx",
    "-1e-05",
    "-.5",
    "+１２",
    "-2+3",
    "+86 138",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "\nx",
    " =1",
    "a=b",
    "正常",
    "",
    None,
]


def _old_defuse(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-cell ``str.contains`` the vectorised check must equal."""
    from hotspots._core.outputs import _FORMULA_START

    out = frame
    for col in frame.columns:
        s = frame[col]
        if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
            continue
        text = s.astype("string")
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out[col] = s.astype(object).where(~risky.to_numpy(), "'" + text)
    return out


@pytest.mark.parametrize(
    "dtype", ["str", "string[pyarrow]", "string[python]", "object", "arrow"]
)
def test_formula_cells_are_found_as_the_per_cell_pattern_finds_them(tmp_path, dtype):
    import pyarrow as pa

    from hotspots._core.outputs import _defuse_formulas

    if dtype == "arrow":
        column = pd.Series(FORMULA_CELLS, dtype=pd.ArrowDtype(pa.string()))
    else:
        column = pd.Series(FORMULA_CELLS, dtype=dtype)
    frame = pd.DataFrame({"描述": column, "数": range(len(FORMULA_CELLS))})
    got, want = _defuse_formulas(frame), _old_defuse(frame)
    pd.testing.assert_frame_equal(got, want)
    assert got["描述"].tolist()[:6] == ["'=1+1", "'=", "'+", "'-", "'+-", "-1.5"]
    written = write_csv(tmp_path / "a.csv", frame).read_bytes()
    expected = want.to_csv(index=False).encode("utf-8-sig")
    assert written == expected


def _old_cells(table: pd.DataFrame) -> list[tuple[object, ...]]:
    """The rows as the frame-wide conversion built them for xlsxwriter."""
    from hotspots._core.outputs import _cell_value

    cells = table.astype(object).where(table.notna(), None)
    for col in table.columns:
        if not (
            pd.api.types.is_numeric_dtype(table[col])
            or pd.api.types.is_datetime64_any_dtype(table[col])
        ):
            values = [_cell_value(v) for v in cells[col]]
            cells[col] = pd.Series(values, index=cells.index, dtype=object)
    return list(cells.itertuples(index=False, name=None))


def test_xlsx_cells_are_built_column_by_column_as_row_by_row():
    import decimal

    from hotspots._core.outputs import _cells

    n = 6
    frame = pd.DataFrame(
        {
            "i": np.arange(n),
            "f": [1.5, np.nan, 3.0, -0.0, np.inf, 2.25],
            "I": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
            "F": pd.array([1.5, None, 3.0, 4.0, None, 6.0], dtype="Float64"),
            "b": [True, False, True, False, True, False],
            "t": pd.to_datetime(["2026-11-16 08:00", None] * 3),
            "s": pd.Series(["a", None, "=x", "", "中文", "b"], dtype="str"),
            "o": [decimal.Decimal("1.5"), {"a": 1}, np.int64(7), None, [1], "x"],
            "p": pd.period_range("2026-11-16", periods=n, freq="W-SUN"),
            "c": pd.Categorical(["x", None, "y", "x", "y", None]),
        }
    )
    columns = [_cells(frame.iloc[:, i]) for i in range(len(frame.columns))]
    got = list(zip(*columns, strict=True))
    want = _old_cells(frame)
    assert [tuple(map(type, r)) for r in got] == [tuple(map(type, r)) for r in want]
    assert repr(got) == repr(want)


def _old_column_widths(table: pd.DataFrame) -> list[int]:
    """Every cell's display width through the CJK-aware text width."""
    from hotspots._core.outputs import (
        MAX_COLUMN_WIDTH,
        MIN_COLUMN_WIDTH,
        display_width,
    )

    widths = []
    for i, col in enumerate(table.columns):
        s = table.iloc[:, i]
        head = int(display_width(pd.Series([str(col)])).iloc[0]) + 2
        if pd.api.types.is_datetime64_any_dtype(s):
            body = 19
        elif pd.api.types.is_bool_dtype(s):
            body = 5
        else:
            shown = s.dropna()
            if pd.api.types.is_float_dtype(shown):
                shown = shown.round(6)
            body = int(display_width(shown.astype(str)).max()) if len(shown) else 0
        widths.append(min(max(head, body + 1, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH))
    return widths


def test_column_widths_are_the_widest_cell_as_measured_cell_by_cell():
    from hotspots._core.outputs import _column_widths

    frame = pd.DataFrame(
        {
            "排名": [1, -123456, 99],
            "big": np.array([2**62, -(2**63), 0], dtype=np.int64),
            "u": np.array([1, 2**64 - 1, 3], dtype=np.uint64),
            "可空": pd.array([None, -7, 12345], dtype="Int64"),
            "f": [1.23456789, -0.0, 1e-07],
            "inf": [np.inf, -np.inf, np.nan],
            "空": [np.nan, np.nan, np.nan],
            "原因（中文）": pd.Series(
                ["连续6周出现占道经营", "ａｂ", None], dtype="str"
            ),
            "o": [decimal_value(), {"a": 1}, None],
            "c": pd.Categorical(["乱停车", "x", None]),
            "td": pd.to_timedelta(["1 day", None, "3 hours"]),
            "b": [True, False, True],
            "t": pd.to_datetime(["2026-11-16", None, "2026-11-18"]),
        }
    )
    assert _column_widths(frame) == _old_column_widths(frame)
    assert _column_widths(frame.iloc[:0]) == _old_column_widths(frame.iloc[:0])


def decimal_value():
    import decimal

    return decimal.Decimal("-12.3400")


# ---------------------------------------- CSV text built by Arrow: parity with pandas
#: Texts the csv module quotes, doubles or leaves alone, and some it might not.
CSV_TEXTS = [
    *[c for c in FORMULA_CELLS if c is not None],
    'say "hi"',
    '"',
    "a,b",
    "line\nbreak",
    "carriage\rreturn",
    "both\r\n",
    " lead",
    "trail ",
    "tab\tin",
    "<b>&amp;</b>",
    "'quoted'",
    "占道经营，乱堆杂物、暴露垃圾",
    "emoji 🚲 and 𠀀",
    "\u2028\u2029",
    "\x00nul",
    "\\back\\",
]


def _csv_frame(n_rows: int, text_dtype: str) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    texts = [CSV_TEXTS[i % len(CSV_TEXTS)] for i in range(n_rows)]
    floats = rng.choice(
        [0.0, -0.0, 1.0, 23.0, 0.1, 1 / 3, 1e16, 1e-5, 123456.789, np.inf, -np.inf],
        n_rows,
    )
    floats[::5] = np.nan
    with_none: list[object] = list(texts)
    with_none[::4] = [None] * len(with_none[::4])
    if text_dtype == "arrow":
        import pyarrow as pa

        column = pd.Series(with_none, dtype=pd.ArrowDtype(pa.string()))
    else:
        column = pd.Series(with_none, dtype=text_dtype)
    return pd.DataFrame(
        {
            "排名": np.arange(-3, n_rows - 3),
            "a,b": column,
            'say "x"': floats,
            "f32": floats.astype(np.float32),
            "u8": (np.arange(n_rows) % 256).astype(np.uint8),
            "原因": pd.Series(texts, dtype="str").str.slice(0, 5),
        }
    )


@pytest.mark.parametrize(
    "text_dtype", ["str", "string[pyarrow]", "string[python]", "object", "arrow"]
)
def test_csv_bytes_equal_pandas_to_csv_on_tricky_cells(tmp_path, text_dtype):
    from hotspots._core.outputs import _csv_bytes

    frame = _csv_frame(101, text_dtype)
    got = _csv_bytes(frame)
    assert got is not None
    assert got == frame.to_csv(index=False).encode("utf-8-sig")
    # a slice (Arrow arrays with an offset) and the whole writer, defusing included
    part = frame.iloc[17:60]
    assert _csv_bytes(part) == part.to_csv(index=False).encode("utf-8-sig")
    written = write_csv(tmp_path / "t.csv", frame, mask=False).read_bytes()
    assert written == _old_defuse(frame).to_csv(index=False).encode("utf-8-sig")
    assert b'"say ""hi"""' in written
    assert b"-0.0," in written


def test_csv_bytes_leave_to_pandas_what_they_do_not_spell(tmp_path):
    from hotspots._core.outputs import _csv_bytes

    base = pd.DataFrame({"n": [1, 2, 3], "t": ["a", "b", "c"]})
    others = {
        "bool": [True, False, True],
        "mixed": ["a", 1.5, None],
        "time": pd.to_datetime(["2026-11-16 00:00", None, "2026-11-17 08:00"]),
        "category": pd.Categorical(["x", "y", None]),
        "nullable": pd.array([1, None, 3], dtype="Int64"),
        "dicts": [{"a": 1}, None, {"b": 2}],
        "bytes": [b"a", b"b", None],
    }
    for name, values in others.items():
        frame = base.assign(**{name: values})
        assert _csv_bytes(frame) is None, name
        written = write_csv(tmp_path / f"{name}.csv", frame, mask=False).read_bytes()
        assert written == frame.to_csv(index=False).encode("utf-8-sig"), name
    missing = base.assign(m=pd.Series([None, np.nan, pd.NA], dtype=object))
    assert _csv_bytes(missing) == missing.to_csv(index=False).encode("utf-8-sig")
    assert _csv_bytes(base[["t"]]) is None  # one column: an empty field is ""
    assert _csv_bytes(base.head(0)) is None
    single = pd.DataFrame({"t": ["", "a"]})
    written = write_csv(tmp_path / "one.csv", single, mask=False).read_bytes()
    assert written == '\ufefft\n""\na\n'.encode()


def test_csv_quoted_chars_are_those_the_csv_module_quotes():
    import csv
    import io

    from hotspots._core.outputs import _csv_quoted_chars

    chars = _csv_quoted_chars()
    assert {",", '"', "\n"} <= set(chars)
    for char in ["é", "中", "\u2028", "🚲"]:  # only ASCII is ever special
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([f"a{char}b", "x"])
        assert not buf.getvalue().startswith('"')
