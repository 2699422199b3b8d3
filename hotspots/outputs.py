"""Atomic writers for the files the weekly job shares (CSV, XLSX, JSON, HTML).

Every file is written to a temporary file in the destination folder and then
renamed into place, so a crash never leaves a half-written output.
"""

from __future__ import annotations

import datetime as dt
import json
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
    "write_xlsx",
]


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
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


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Write JSON (UTF-8, Chinese kept readable, keys in insertion order)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return write_text(path, text + "\n")


def write_csv(
    path: str | Path, frame: pd.DataFrame, *, headers: Mapping[str, str] | None = None
) -> Path:
    """Write a CSV in UTF-8 with BOM (so Excel opens Chinese text correctly).

    Parameters
    ----------
    path
        The destination.
    frame
        The table; a geometry column is written as WKT.
    headers
        Optional renaming of the columns (e.g. to Chinese headers).
    """
    out = _plain(frame, headers)
    return atomic_write(
        path, lambda p: out.to_csv(p, index=False, encoding="utf-8-sig")
    )


def write_xlsx(
    path: str | Path,
    frame: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    sheet_name: str = "Sheet1",
) -> Path:
    """Write an Excel workbook (openpyxl) with one sheet.

    The workbook's creation and modification times are fixed, so the same
    table gives the same cells and properties on every run.
    """
    out = _plain(frame, headers)

    def write(p: Path) -> None:
        with pd.ExcelWriter(p, engine="openpyxl") as writer:
            out.to_excel(writer, index=False, sheet_name=sheet_name)
            props = writer.book.properties
            props.created = props.modified = _FIXED_TIME

    return atomic_write(path, write)


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
