"""Atomic writers for the files the weekly job shares (CSV, XLSX, JSON, HTML).

Every file is written to a temporary file in the destination folder and then
renamed into place, so a crash never leaves a half-written output.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import functools
import io
import json
import numbers
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from . import privacy

#: Timestamp stored in workbook properties (so reruns give identical properties).
_FIXED_TIME: Final = dt.datetime(2026, 1, 1)

__all__ = [
    "atomic_write",
    "display_width",
    "temp_dir",
    "umask",
    "write_csv",
    "write_json",
    "write_text",
    "write_workbook",
    "write_xlsx",
]


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it.

    Parameters
    ----------
    path
        The final file.
    write
        Writes the whole content to the path it is given.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def umask() -> int:
    """Return the process umask (mkstemp creates files readable by the owner only)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_dir(parent: str | Path, prefix: str) -> Path:
    """Create a temporary folder in ``parent`` with the usual permissions.

    Parameters
    ----------
    parent
        The folder to create it in (the same file system as the final one, so
        that it can be renamed into place).
    prefix
        Start of its name.

    Returns
    -------
    pathlib.Path
        The new, empty folder.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(path, 0o777 & ~umask())
    return path


def write_text(path: str | os.PathLike[str], text: str, *, mask: bool = True) -> Path:
    """Write UTF-8 text atomically, personal data masked.

    Parameters
    ----------
    path
        The destination.
    text
        The content.
    mask
        Scrub personal data (phone, ID numbers, names after a label, e-mail
        addresses: :func:`hotspots._core.privacy.mask_text`). Pass ``False`` only
        for a file the caller asks to hold them.
    """
    out = privacy.mask_text(text) if mask else text
    return atomic_write(path, lambda p: p.write_text(out, encoding="utf-8"))


def write_json(
    path: str | os.PathLike[str], data: Mapping[str, Any], *, mask: bool = True
) -> Path:
    """Write JSON (UTF-8, Chinese kept readable, keys in insertion order).

    With ``mask`` (the default), every key and string value has its personal
    data scrubbed (:func:`hotspots._core.privacy.mask_data`); numbers are kept.
    """
    content = privacy.mask_data(data) if mask else data
    text = json.dumps(content, ensure_ascii=False, indent=2, default=str)
    return write_text(path, text + "\n", mask=mask)


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    mask: bool = True,
    private_columns: Iterable[str] = (),
) -> Path:
    """Write a CSV in UTF-8 with BOM (so Excel opens Chinese text correctly).

    Report text is untrusted and spreadsheets run cells that look like
    formulas, so text starting with ``=``, ``@``, a tab or a carriage return,
    or with ``+`` / ``-`` when it is not a plain number, gets a leading ``'``
    (the OWASP rule against CSV injection). Numbers are written as they are.

    Parameters
    ----------
    path
        The destination.
    frame
        The table; a geometry column is written as WKT.
    headers
        Optional renaming of the columns (e.g. to Chinese headers).
    mask
        Keep personal data out (the default): columns that hold it
        (:func:`hotspots._core.privacy.private_columns`: reporter name, phone, ID
        number, headers such as 反映人 or 身份证号, and ``private_columns``) are
        blanked with ``***``, and every other text cell is scrubbed
        (:func:`hotspots._core.privacy.mask_personal`). ``False`` writes the table
        as it is.
    private_columns
        More columns to blank whole (e.g. the config's private columns).
    """
    out = _defuse_formulas(_plain(frame, headers, mask, private_columns))
    data = _csv_bytes(out)
    if data is None:  # a column Arrow does not spell as pandas does
        # one encoding of the whole text, not one per row through a text file
        data = out.to_csv(index=False).encode("utf-8-sig")
    return atomic_write(path, lambda p: p.write_bytes(data))


def _csv_bytes(frame: pd.DataFrame) -> bytes | None:
    """Return ``frame.to_csv(index=False)`` encoded as UTF-8 with BOM, built by Arrow.

    The same bytes as pandas writes through the :mod:`csv` module (fields
    quoted as its ``QUOTE_MINIMAL`` quotes them, ``"`` doubled, missing values
    empty, floats spelled as NumPy spells them), but each column is turned
    into text at once and the rows are joined by Arrow. pandas hands every
    row to the :mod:`csv` writer: 0.25-0.3 s for the 62,595 x 19 blind-spot
    ledger of the weekly job at 1M reports, 0.09 s here (one process,
    measured in turn).

    Parameters
    ----------
    frame
        The table as written (after masking and formula defusing).

    Returns
    -------
    bytes or None
        The file's bytes; None when a column is of a kind this does not
        spell (booleans, times, categories, mixed objects, nullable numbers),
        when the frame has fewer than two columns or no row: write it with
        ``frame.to_csv(index=False)`` then.
    """
    if frame.shape[0] == 0 or frame.shape[1] < 2:
        return None
    fields = []
    for i in range(frame.shape[1]):
        field = _csv_field(frame.iloc[:, i])
        if field is None:
            return None
        fields.append(field)
    rows = pc.binary_join_element_wise(*fields, _large(","))
    lines = pc.binary_join_element_wise(rows, _large(""), _large("\n"))  # ends in \n
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    head = frame.head(0).to_csv(index=False).encode("utf-8-sig")
    body = memoryview(lines.buffers()[2])[start:end]  # type: ignore[index]
    return head + bytes(body)


def _csv_field(column: pd.Series) -> pa.Array | None:
    """Return one column's CSV fields as Arrow large strings (None: not handled)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        text = pa.array(column.to_numpy()).cast(pa.large_string())
    elif isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize <= 8:
        text = _float_texts(column.to_numpy())
    elif (text := privacy.arrow_strings(column)) is not None or (
        isinstance(dtype, pd.StringDtype) or dtype == np.dtype(object)
    ):
        if text is None:
            if pd.api.types.infer_dtype(column, skipna=True) not in ("string", "empty"):
                return None  # bytes, numbers...: pandas writes each as str()
            try:
                text = pa.array(
                    column.to_numpy(dtype=object),
                    type=pa.large_string(),
                    from_pandas=True,
                )
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return None  # not all text: pandas writes each as str()
        text = text.cast(pa.large_string())
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        special = "".join(f"\\x{{{ord(c):02x}}}" for c in _csv_quoted_chars())
        needs = pc.match_substring_regex(text, f"[{special}]")  # one pass of RE2
        if pc.any(needs).as_py():
            doubled = pc.replace_substring(text, '"', '""')
            quote = _large('"')
            quoted = pc.binary_join_element_wise(quote, doubled, quote, _large(""))
            text = pc.if_else(needs, quoted, text)
    else:
        return None
    return pc.fill_null(text, "")


def _float_texts(values: npt.NDArray[np.floating[Any]]) -> pa.Array:
    """Return floats as pandas writes them in a CSV: NumPy's ``str``, NaN missing.

    Each distinct value (by its bits: ``-0.0`` stays ``-0.0``) is spelled
    once; a ledger's scores and shares repeat a few thousand values.
    """
    values = np.ascontiguousarray(values)
    bits = values.view(np.dtype(f"u{values.dtype.itemsize}"))
    codes, uniques = pd.factorize(bits)
    distinct = uniques.view(values.dtype)
    shown = pa.array(
        distinct.astype(str), type=pa.large_string(), mask=np.isnan(distinct)
    )
    return shown.take(pa.array(codes))


def _large(text: str) -> pa.Scalar:
    """Return ``text`` as an Arrow large-string scalar."""
    return pa.scalar(text, type=pa.large_string())


@functools.cache
def _csv_quoted_chars() -> tuple[str, ...]:
    """Return the characters that make pandas' :mod:`csv` writer quote a field.

    Asked of the writer itself, with pandas' settings (``,`` ``"``, newline
    ending; Python 3.11 quotes a field holding a comma, a quote or a line
    feed, not a carriage return): only ASCII characters are ever special.
    """
    found = []
    for code in range(128):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([f"a{chr(code)}b", "x"])
        if buf.getvalue().startswith('"'):
            found.append(chr(code))
    return tuple(found)


def write_xlsx(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    sheet_name: str = "Sheet1",
    mask: bool = True,
    private_columns: Iterable[str] = (),
    number_formats: Mapping[str, str] | None = None,
) -> Path:
    """Write an Excel workbook with one sheet (see :func:`write_workbook`)."""
    return write_workbook(
        path,
        {sheet_name: frame},
        headers=headers,
        mask=mask,
        private_columns=private_columns,
        number_formats=number_formats,
    )


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    headers: Mapping[str, str] | None = None,
    mask: bool = True,
    private_columns: Iterable[str] = (),
    number_formats: Mapping[str, str] | None = None,
) -> Path:
    """Write an Excel workbook, one sheet per table, atomically.

    Cells keep their types (numbers, dates, text; missing values are left
    empty). Text is always stored as text: a report description that starts
    with ``=`` or looks like a link stays plain text, never a formula or a
    hyperlink. The header row is frozen and has filter buttons, and every
    column is as wide as its longest cell (a Chinese character counts twice;
    at most :data:`MAX_COLUMN_WIDTH`). The workbook's creation time is fixed,
    so the same tables give byte-identical files.

    Parameters
    ----------
    path
        The destination.
    sheets
        Sheet name -> table, in order.
    headers
        Optional renaming of the columns (e.g. to Chinese headers).
    mask
        Keep personal data out (the default; see :func:`write_csv`).
    private_columns
        More columns to blank whole.
    number_formats
        Column -> Excel number format (e.g. ``{"得分": "0.00", "占比": "0.0%"}``),
        by the column's name as written (after ``headers``). Cells keep their
        full value; the format only changes what is shown.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import xlsxwriter  # the fast standard writer; imported only when used

    tables = {
        name: _plain(frame, headers, mask, private_columns)
        for name, frame in sheets.items()
    }
    formats = dict(number_formats or {})

    def write(p: Path) -> None:
        options = {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        }
        with xlsxwriter.Workbook(str(p), options) as book:  # closed even on error
            book.set_properties({"created": _FIXED_TIME})
            styles = {f: book.add_format({"num_format": f}) for f in formats.values()}
            for name, table in tables.items():
                columns = {
                    i: styles[formats[str(c)]]
                    for i, c in enumerate(table.columns)
                    if str(c) in formats
                }
                _write_sheet(book.add_worksheet(name), table, columns)

    return atomic_write(path, write)


#: Widest column of a written sheet, in characters (longer text wraps in Excel).
MAX_COLUMN_WIDTH: Final = 60
#: Narrowest column (room for the filter button).
MIN_COLUMN_WIDTH: Final = 6
#: Characters shown two columns wide (CJK, full-width forms, Hangul).
_WIDE_CHARS: Final = (
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
    "\uffe0-\uffe6]"
)


def display_width(text: pd.Series) -> pd.Series:
    """Return how many columns each text takes on screen (CJK counts two).

    Examples
    --------
    >>> display_width(pd.Series(["abc", "占道经营", None])).tolist()
    [3, 8, 0]
    """
    s = text.astype("string")
    width = s.str.len() + s.str.count(_WIDE_CHARS)
    return width.fillna(0).astype(int)


def _column_widths(table: pd.DataFrame) -> list[int]:
    """Return each column's width: its longest cell or header, within the limits."""
    widths = []
    # the headers measured at once, + 2 for the filter button
    heads = (display_width(pd.Series([str(c) for c in table.columns])) + 2).tolist()
    for i, head in enumerate(heads):
        s = table.iloc[:, i]
        if pd.api.types.is_datetime64_any_dtype(s):
            body = 19
        elif pd.api.types.is_bool_dtype(s):
            body = 5
        else:
            body = _body_width(s.dropna())
        widths.append(min(max(head, body + 1, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH))
    return widths


def _body_width(shown: pd.Series) -> int:
    """Return the width of the widest of these (non-missing) cells.

    Numbers are written in ASCII (one column a character): an integer
    column's widest is its minimum or its maximum, a float column's the
    longest text of its values rounded to 6 decimals.
    """
    if not len(shown):
        return 0
    if pd.api.types.is_integer_dtype(shown):
        return max(len(str(shown.min())), len(str(shown.max())))
    if pd.api.types.is_float_dtype(shown):
        return int(shown.round(6).astype(str).str.len().max())
    return int(display_width(shown.astype(str)).max())


def _write_sheet(sheet: Any, table: pd.DataFrame, formats: Mapping[int, Any]) -> None:
    """Write the header and the rows of ``table`` into an xlsxwriter sheet.

    ``formats`` maps column positions to an xlsxwriter number format.
    """
    for i, width in enumerate(_column_widths(table)):
        sheet.set_column(i, i, width, formats.get(i))
    sheet.write_row(0, 0, [str(c) for c in table.columns])
    columns = [_cells(table.iloc[:, i]) for i in range(len(table.columns))]
    write_row = sheet.write_row
    for i, row in enumerate(zip(*columns, strict=True), 1):
        write_row(i, 0, row)
    sheet.freeze_panes(1, 0)
    if len(table.columns):
        sheet.autofilter(0, 0, len(table), len(table.columns) - 1)


def _cells(column: pd.Series) -> list[Any]:
    """Return what the cells of one column hold, top to bottom (None: empty).

    Numbers and times as they are (Python numbers, timestamps), anything else
    through :func:`_cell_value`.
    """
    values = column.astype(object).to_numpy()
    missing = column.isna().to_numpy(dtype=bool)
    if missing.any():
        values = values.copy()
        values[missing] = None
    cells: list[Any] = values.tolist()
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(
        column
    ):
        return cells
    return [_cell_value(v) for v in cells]


#: Values a spreadsheet cell holds as they are; anything else is written as text.
_CELL_TYPES: Final = (str, bool, int, float, dt.date, dt.time, dt.timedelta)


def _cell_value(value: object) -> object:
    """Return what a cell holds for ``value``: numbers as numbers, else text.

    NumPy scalars and decimals become Python numbers; values a spreadsheet
    has no type for (a Period, a dict...) are written as their text.
    """
    if value is None or isinstance(value, _CELL_TYPES):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real | decimal.Decimal):
        return float(value)
    return str(value)


#: Text a spreadsheet would read as a formula (see :func:`write_csv`).
_FORMULA_START: Final = r"^(?:[=@\t\r]|[+-](?![0-9]+(?:\.[0-9]+)?$))"


#: The characters a formula-like text starts with (see :data:`_FORMULA_START`).
_FORMULA_FIRST: Final = ("=", "@", "\t", "\r", "+", "-")


def _defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula."""
    out = frame
    for col in frame.columns:
        s = frame[col]
        if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
            continue
        risky = _formula_like(s)
        if risky.any():
            if out is frame:
                out = frame.copy()
            text = s.astype("string")
            out[col] = s.astype(object).where(~risky, "'" + text)
    return out


def _formula_like(s: pd.Series) -> npt.NDArray[np.bool_]:
    """Return which cells of a text column match :data:`_FORMULA_START`.

    The pattern is anchored on a first character of :data:`_FORMULA_FIRST`: of
    a pyarrow-backed column only the few texts starting with one of them are
    tested in Python.
    """
    arrow = privacy.arrow_strings(s)
    if arrow is None:
        text = s.astype("string")
        found = text.str.contains(_FORMULA_START, regex=True).fillna(False)
        return np.asarray(found.to_numpy(dtype=bool), dtype=bool)
    first = pc.utf8_slice_codeunits(arrow, 0, 1)
    maybe = pc.is_in(first, value_set=pa.array(_FORMULA_FIRST, type=first.type))
    pos = np.flatnonzero(maybe.fill_null(False).to_numpy(zero_copy_only=False))
    risky = np.zeros(len(s), dtype=bool)
    texts = arrow.take(pa.array(pos, type=pa.int64())).to_pylist()
    pattern = re.compile(_FORMULA_START)
    risky[pos] = np.array([pattern.search(t) is not None for t in texts], dtype=bool)
    return risky


def _plain(
    frame: pd.DataFrame,
    headers: Mapping[str, str] | None,
    mask: bool,
    private: Iterable[str],
) -> pd.DataFrame:
    """Return the table as written: lists joined, masked, WKT, naive times."""
    out = pd.DataFrame(frame).copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object:
            out[col] = s.map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, list | tuple) else v
            )
    if mask:
        out = privacy.mask_frame(out, private=private)
    for col in out.columns:
        s = out[col]
        if str(s.dtype) == "geometry":
            out[col] = shapely.to_wkt(np.asarray(s, dtype=object))
        elif isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_localize(None)
    if headers:
        out = out.rename(columns=dict(headers))
    if mask:
        out.columns = pd.Index(
            [privacy.mask_text(c) if isinstance(c, str) else c for c in out.columns]
        )
    return out
