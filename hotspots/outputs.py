"""Atomic writers for the files the weekly job shares (CSV, XLSX, JSON, HTML).

Every file is written to a temporary file in the destination folder and then
renamed into place, so a crash never leaves a half-written output.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import numbers
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

#: Timestamp stored in workbook properties (so reruns give identical properties).
_FIXED_TIME: Final = dt.datetime(2026, 1, 1)

__all__ = [
    "atomic_write",
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


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: str | os.PathLike[str], data: Mapping[str, Any]) -> Path:
    """Write JSON (UTF-8, Chinese kept readable, keys in insertion order)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return write_text(path, text + "\n")


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
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
    """
    out = _defuse_formulas(_plain(frame, headers))
    return atomic_write(
        path, lambda p: out.to_csv(p, index=False, encoding="utf-8-sig")
    )


def write_xlsx(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    sheet_name: str = "Sheet1",
) -> Path:
    """Write an Excel workbook with one sheet (see :func:`write_workbook`)."""
    return write_workbook(path, {sheet_name: frame}, headers=headers)


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    headers: Mapping[str, str] | None = None,
) -> Path:
    """Write an Excel workbook, one sheet per table, atomically.

    Cells keep their types (numbers, dates, text; missing values are left
    empty). Text is always stored as text: a report description that starts
    with ``=`` or looks like a link stays plain text, never a formula or a
    hyperlink. The header row is frozen and has filter buttons. The workbook's
    creation time is fixed, so the same tables give byte-identical files.

    Parameters
    ----------
    path
        The destination.
    sheets
        Sheet name -> table, in order.
    headers
        Optional renaming of the columns (e.g. to Chinese headers).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import xlsxwriter  # the fast standard writer; imported only when used

    tables = {name: _plain(frame, headers) for name, frame in sheets.items()}

    def write(p: Path) -> None:
        options = {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        }
        with xlsxwriter.Workbook(str(p), options) as book:  # closed even on error
            book.set_properties({"created": _FIXED_TIME})
            for name, table in tables.items():
                _write_sheet(book.add_worksheet(name), table)

    return atomic_write(path, write)


def _write_sheet(sheet: Any, table: pd.DataFrame) -> None:
    """Write the header and the rows of ``table`` into an xlsxwriter sheet."""
    sheet.write_row(0, 0, [str(c) for c in table.columns])
    cells = table.astype(object).where(table.notna(), None)
    for col in table.columns:
        if not (
            pd.api.types.is_numeric_dtype(table[col])
            or pd.api.types.is_datetime64_any_dtype(table[col])
        ):
            values = [_cell_value(v) for v in cells[col]]
            cells[col] = pd.Series(values, index=cells.index, dtype=object)
    for i, row in enumerate(cells.itertuples(index=False, name=None), 1):
        sheet.write_row(i, 0, row)
    sheet.freeze_panes(1, 0)
    if len(table.columns):
        sheet.autofilter(0, 0, len(table), len(table.columns) - 1)


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


def _defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula."""
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


def _plain(frame: pd.DataFrame, headers: Mapping[str, str] | None) -> pd.DataFrame:
    out = pd.DataFrame(frame).copy()
    for col in out.columns:
        s = out[col]
        if str(s.dtype) == "geometry":
            out[col] = shapely.to_wkt(np.asarray(s, dtype=object))
        elif isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_localize(None)
        elif s.dtype == object:
            out[col] = s.map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, list | tuple) else v
            )
    if headers:
        out = out.rename(columns=dict(headers))
    return out
