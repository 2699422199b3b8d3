"""The steps that grow with the number of reports, run partition by partition.

Each function takes a Dask (dask-geopandas) frame of reports and gives the
same result as its in-memory counterpart on the whole frame:

- :func:`read_partitioned` validates like :func:`hotspots.read_reports`; a
  first pass over the ids and coordinates finds the ids repeated anywhere
  in the source (with their first row) and the share of points in China, so
  each partition flags exactly the rows the whole file would. GeoParquet
  geometries are read as their WKB bytes: a 2-D point's x/y are read from
  them with numpy (both passes), and only other values (or every value of a
  partition holding one, or of another CRS) are decoded with shapely.
- :func:`assign_partitioned` joins each partition to boundaries broadcast
  to every worker (they are small next to the reports; spatially
  partitioning the reports would move every report once more).
- :func:`cube_partitioned` sums per-partition (unit, period, category)
  counts into the :func:`hotspots.space_time_cube` cube.
- :func:`scorecard_partitioned` sums each partition's cases per unit (and
  keeps them slim for the case ids and the median) and combines the partial
  aggregates into the :func:`hotspots.accountability.scorecard.scorecard`.
- :func:`blind_spots_partitioned` counts per unit (and per unit, category
  and period) in each partition, carries the window's reports slim (the
  comeback pairs and medians need all of a unit's cases) and ranks the
  combined per-unit table in memory, as :func:`hotspots.blind_spots` does.

Results are identical to the in-memory steps: same ids per report, same
cube, same quarantine with the same reasons and row numbers. Weight sums in
the cube are added per partition first, so they are identical when the
partial sums are exact (weights with few binary digits, such as 0.5, 1, 1.5);
counts always are. Daylight-saving ambiguities (not in Asia/Shanghai) are
resolved from the file order within each partition.
"""

from __future__ import annotations

import codecs
import glob
import importlib
import os
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from .._core import schema
from .._core.crs import in_china, metric_crs_for
from .._core.types import BoolArray, IntArray, TimeLike
from .._core.validate import probability
from .._core.vocab import category_table
from ..accountability.scorecard import scorecard_combine, scorecard_partial
from ..errors import InputError, ReportsLeftOutWarning, collect_problems
from ..ledger.blindspots import (
    blind_spots_combine,
    blind_spots_extent,
    blind_spots_partial,
)
from ..read import reports as _io
from ..spatial import cube as _cube
from ..spatial.join import assign

#: Bytes of a CSV file read as one partition (Dask's ``blocksize``).
CSV_BLOCKSIZE = 64_000_000
#: Bytes read to find a CSV file's header and its columns.
_SNIFF_BYTES = 1 << 20
_CSV_SUFFIXES = (".csv", ".txt")

#: Sample size of the metric-CRS choice, as :func:`hotspots.assign` takes it.
_CRS_SAMPLE = 100_000

_WARNINGS_LOCK = threading.Lock()


@dataclass(frozen=True)
class PartitionedRead:
    """Reports read and validated in partitions (lazy Dask collections).

    Attributes
    ----------
    reports
        Accepted rows (dask-geopandas GeoDataFrame, EPSG:4326), index = the
        0-based row of the whole source.
    quarantined
        Rejected rows (Dask DataFrame), every source column plus
        ``row_number`` (1-based in the whole source) and ``reason``.
    counts
        One row per partition: ``rows_read``, ``accepted``, ``quarantined``.
    rows_read
        Data rows in the source.
    """

    reports: Any
    quarantined: Any
    counts: Any
    rows_read: int

    def compute(self) -> _io.ReadResult:
        """Return the in-memory :class:`hotspots.read.reports.ReadResult`."""
        dask: Any = importlib.import_module("dask")

        reports, quarantined = dask.compute(self.reports, self.quarantined)
        return _io.ReadResult(
            reports=reports, quarantined=quarantined, rows_read=self.rows_read
        )


def _as_dask(
    source: object,
    *,
    encoding: str | None = None,
    header_row: int | None = None,
    mapping: object = None,
    blocksize: int = CSV_BLOCKSIZE,
) -> Any:
    """Return ``source`` as a Dask frame (GeoParquet or CSV files partitioned)."""
    dd: Any = importlib.import_module("dask.dataframe")

    if isinstance(source, dd.DataFrame):
        return source
    if isinstance(source, pd.DataFrame):
        msg = (
            "source is an in-memory frame; pass it to hotspots.read_reports, or "
            "make it a Dask frame with dask_geopandas.from_geopandas(frame, "
            "npartitions=4)."
        )
        raise InputError(msg)
    paths = _paths(source)
    csv = [p for p in paths if p.suffix.lower() in _CSV_SUFFIXES]
    if csv and len(csv) == len(paths):
        return _read_csv_blocks(csv, encoding, header_row, mapping, blocksize)
    parquet = [str(p) for p in paths if _is_parquet(p)]
    if len(parquet) != len(paths):
        msg = (
            "read_partitioned reads GeoParquet files or folders, or CSV files, "
            f"got {[str(p) for p in paths]!r}. Export the ledger with "
            "Ledger.export('reports.parquet'), or read other files with "
            "hotspots.read_reports."
        )
        raise InputError(msg)
    return _read_parquet(parquet)


def _read_parquet(files: list[str], columns: list[str] | None = None) -> Any:
    """Read GeoParquet files (or plain Parquet with lon/lat columns) lazily."""
    dd: Any = importlib.import_module("dask.dataframe")
    dask_geopandas: Any = importlib.import_module("dask_geopandas")

    try:
        return dask_geopandas.read_parquet(files, columns=columns)
    except ValueError:  # plain Parquet with lon/lat columns
        return dd.read_parquet(files, columns=columns)


@dataclass(frozen=True)
class _Wkb:
    """The first pass reads the geometry as its WKB bytes (see :func:`_slim`)."""

    #: The geometry column.
    column: str
    #: Its CRS (from the GeoParquet metadata).
    crs: Any
    #: The other columns' dtypes as the GeoParquet reader gives them.
    dtypes: dict[str, Any]
    #: Position of the geometry among the reader's columns.
    at: int = 0


def _slim(source: object, ddf: Any, columns: list[str]) -> tuple[Any, _Wkb | None]:
    """Return ``ddf[columns]``, read from the files alone when they are Parquet.

    dask-geopandas' reader does not push a column selection down into the
    files, so the selection is read anew with ``columns=``; the partitions
    are the same (one a file). A GeoParquet geometry is read as its WKB
    bytes (Arrow binary, no geometry built; :func:`_first_pass` reads the
    points' coordinates straight from them), with the :class:`_Wkb` to
    read it by.
    """
    dd: Any = importlib.import_module("dask.dataframe")

    if not isinstance(source, dd.DataFrame):
        paths = _paths(source)
        if paths and all(_is_parquet(p) for p in paths):
            files = [str(p) for p in paths]
            meta = ddf._meta
            if isinstance(meta, gpd.GeoDataFrame) and meta.geometry.name in columns:
                raw = dd.read_parquet(files, columns=columns, dtype_backend="pyarrow")
                if raw.npartitions == ddf.npartitions:
                    name = meta.geometry.name
                    dtypes = {c: meta[c].dtype for c in columns if c != name}
                    return raw, _Wkb(name, meta.crs, dtypes)
            slim = _read_parquet(files, columns)
            if slim.npartitions == ddf.npartitions:
                return slim, None
    return ddf[columns], None


def _whole(source: object, ddf: Any) -> tuple[list[Any], _Wkb | None]:
    """Return the partitions to validate: GeoParquet read with its WKB bytes.

    Every column is read as the GeoParquet reader reads it but the geometry,
    kept as WKB: :func:`_validate_part` reads 2-D points' x/y from the bytes
    instead of building a geometry per row (the reports' points are built
    anew from the validated coordinates anyway). Falls back to ``ddf``'s
    partitions when the files do not read into the same partitions.
    """
    dd: Any = importlib.import_module("dask.dataframe")

    meta = ddf._meta
    files = [str(p) for p in _paths(source)]
    raw = dd.read_parquet(files, dtype_backend="pyarrow")
    columns = [str(c) for c in meta.columns]
    if raw.npartitions != ddf.npartitions or [str(c) for c in raw.columns] != columns:
        return ddf.to_delayed(), None
    name = meta.geometry.name
    dtypes = {c: meta[c].dtype for c in columns if c != name}
    return raw.to_delayed(), _Wkb(name, meta.crs, dtypes, columns.index(name))


#: Bytes of a little-endian 2-D POINT in WKB: byte order, type, x, y.
_POINT_WKB_SIZE = 21
#: Rows gathered at once when the WKB values are not laid end to end.
_GATHER_ROWS = 1 << 16


def _point_xy(values: Any) -> tuple[Any, Any, Any]:
    """Read x/y of the 2-D points of an Arrow binary array of WKB, with numpy.

    A value of 21 bytes, byte order 1 (little endian), geometry type 1 (a
    2-D point) and finite coordinates is read as two float64 views on the
    bytes (no geometry built); its x/y are exactly those
    :func:`shapely.from_wkb` gives. Every other value (null, big endian,
    3-D, empty, NaN or infinite coordinates, any other type) is left to the
    caller (``decoded`` False), to decode with shapely.

    Returns
    -------
    tuple
        x, y (NaN where not decoded) and ``decoded``.
    """
    n = len(values)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    decoded = np.zeros(n, dtype=bool)
    buffers = values.buffers()
    if n == 0 or buffers[2] is None:
        return x, y, decoded
    wide = pa.types.is_large_binary(values.type)
    offsets: Any = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[values.offset : values.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    size = np.diff(offsets)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    if (size == _POINT_WKB_SIZE).all():  # end to end: strided views
        base = int(offsets[0])

        def field(dtype: str, at: int) -> Any:
            return np.ndarray(
                (n,),
                dtype=dtype,
                buffer=data,
                offset=base + at,
                strides=(_POINT_WKB_SIZE,),
            )

        order, kind, px, py = (
            field("u1", 0),
            field("<u4", 1),
            field("<f8", 5),
            field("<f8", 13),
        )
        ok = valid & (order == 1) & (kind == 1) & np.isfinite(px) & np.isfinite(py)
        x[ok], y[ok], decoded[ok] = px[ok], py[ok], True
        return x, y, decoded
    rows = np.flatnonzero(valid & (size == _POINT_WKB_SIZE))
    for at in range(0, len(rows), _GATHER_ROWS):
        chunk = rows[at : at + _GATHER_ROWS]
        raw = data[offsets[chunk][:, None] + np.arange(_POINT_WKB_SIZE)]
        kind = raw[:, 1:5].copy().view("<u4").ravel()
        xy = raw[:, 5:21].copy().view("<f8")
        ok = (raw[:, 0] == 1) & (kind == 1) & np.isfinite(xy).all(axis=1)
        x[chunk[ok]], y[chunk[ok]] = xy[ok, 0], xy[ok, 1]
        decoded[chunk[ok]] = True
    return x, y, decoded


def _paths(source: object) -> list[Path]:
    """Return the files of a path, a glob pattern or a list of them, in order."""
    items = [source] if isinstance(source, str | os.PathLike) else source
    if (
        isinstance(items, str | bytes)
        or not isinstance(items, Sequence)
        or not items
        or not all(isinstance(p, str | os.PathLike) for p in items)
    ):
        msg = (
            "source must be a Dask frame, a GeoParquet file or folder, a CSV "
            f"file or glob pattern, or a list of them, got {type(source).__name__}."
        )
        raise TypeError(msg)
    paths: list[Path] = []
    missing = []
    for item in items:
        text = os.fspath(item)
        if isinstance(item, str) and glob.has_magic(text) and not Path(text).exists():
            found = sorted(glob.glob(text))
            if not found:
                missing.append(text)
            paths += [Path(f) for f in found]
        elif Path(text).exists():
            paths.append(Path(text))
        else:
            missing.append(str(text))
    if missing:
        msg = f"source files {missing!r} do not exist. Check the paths."
        raise InputError(msg)
    return paths


def _csv_encoding(path: Path, encoding: str | None) -> str:
    """Return the encoding read_reports would read ``path`` in.

    Without ``encoding``: UTF-8 (with or without BOM) when the whole file
    decodes as UTF-8 (checked in 16 MB pieces, never held whole), else
    GB18030, as :func:`hotspots.read_reports` decides.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as err:
            msg = (
                f"encoding must be a Python codec name, got {encoding!r}. Use e.g. "
                "'gbk'."
            )
            raise InputError(msg) from err
        return encoding
    if _io.sniff_encoding(path) != "utf-8":
        return "gb18030"
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 24):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _as_text(part: pd.DataFrame) -> pd.DataFrame:
    return part.astype(_io.STR_DTYPE)


def _read_csv_blocks(
    paths: list[Path],
    encoding: str | None,
    header_row: int | None,
    mapping: object,
    blocksize: int,
) -> Any:
    """Read CSV files in blocks of ``blocksize`` bytes, every cell as text.

    The header of each file is found as :func:`hotspots.read_reports` finds it
    (title rows above it skipped); every file must have the same header.
    """
    dd: Any = importlib.import_module("dask.dataframe")

    known = _io.known_headers(mapping)
    frames = []
    header: list[str] | None = None
    for path in paths:
        enc = _csv_encoding(path, encoding)
        try:
            names, skip = _io.csv_header(path, enc, header_row, known)
        except UnicodeDecodeError as err:
            msg = (
                f"could not read {str(path)!r} as a CSV file in {enc}: {err}. "
                "Pass its encoding, e.g. encoding='gbk' or encoding='utf-8'."
            )
            raise InputError(msg) from err
        if header is not None and names != header:
            msg = (
                f"every CSV file must have the same header; {str(path)!r} has "
                f"{names!r}, the first file {header!r}. Read files of another "
                "layout separately."
            )
            raise InputError(msg)
        header = names
        frame = dd.read_csv(
            str(path),
            blocksize=blocksize,
            sample=min(_SNIFF_BYTES, blocksize),
            encoding=enc,
            index_col=False,
            header=None,
            names=names,
            skiprows=skip,
            dtype=dict.fromkeys(names, str),
            keep_default_na=False,
            na_values=[""],
        )
        frames.append(frame.map_partitions(_as_text, meta=_as_text(frame._meta)))
    return frames[0] if len(frames) == 1 else dd.concat(frames)


def _is_parquet(path: Path) -> bool:
    if path.is_dir():
        return any(p.suffix.lower() == ".parquet" for p in path.iterdir())
    return path.suffix.lower() in (".parquet", ".geoparquet")


#: What the block reader raises for a line that does not split into the
#: header's fields (or a block cut inside a quoted line break).
_CSV_ROW_ERRORS = (pd.errors.ParserError, UnicodeDecodeError)


@dataclass(frozen=True)
class _Rules:
    """Everything a partition needs to validate as the whole source does."""

    found: dict[str, str]
    system: str
    source_crs: pyproj.CRS | None
    geo: bool
    tz: str
    table: Any
    window: Any


def _prepared(part: pd.DataFrame, rules: _Rules) -> tuple[Any, Any, Any]:
    """Return (raw frame, geometry in degrees or None, source CRS) of a part."""
    if isinstance(part, gpd.GeoDataFrame) and rules.geo:
        geometry = part.geometry
        raw = pd.DataFrame(part)
        if geometry.crs is None and rules.source_crs is not None:
            geometry = geometry.set_crs(rules.source_crs)
        return raw, _io.geometry_to_degrees(geometry, rules.system), None
    return pd.DataFrame(part), None, rules.source_crs


def _ids(raw: pd.DataFrame, rules: _Rules) -> pd.Series:
    return _io.clean_text(raw[rules.found[schema.REPORT_ID]].reset_index(drop=True))


def _first_pass(
    part: pd.DataFrame, rules: _Rules, wkb: _Wkb | None = None
) -> tuple[int, int, int, Any]:
    if wkb is not None:
        raw, numeric, in_box = _wkb_china_counts(part, rules, wkb)
    else:
        raw, geometry, crs = _prepared(part, rules)
        numeric, in_box = _io.china_counts(
            raw.reset_index(drop=True),
            None if geometry is None else geometry.reset_index(drop=True),
            rules.found,
            crs,
        )
    ids = _ids(raw, rules)
    hashes = pd.util.hash_array(
        ids[ids.notna()].to_numpy(dtype=object), categorize=False
    )
    return len(raw), numeric, in_box, hashes


def _wkb_china_counts(
    part: pd.DataFrame, rules: _Rules, wkb: _Wkb
) -> tuple[pd.DataFrame, int, int]:
    """Count the numeric and the in-China points of a part holding WKB.

    The 2-D points are read straight from the bytes (:func:`_point_xy`);
    the other values, and every value of a geometry in another CRS than
    WGS-84, are decoded with shapely and counted as
    :func:`hotspots.read.reports.china_counts` counts them.
    """
    raw = pd.DataFrame(part[list(wkb.dtypes)]).astype(wkb.dtypes).reset_index(drop=True)
    values = pa.array(part[wkb.column].array)
    wgs84 = wkb.crs is None or wkb.crs.to_epsg() == 4326
    x, y, fast = _point_xy(values)
    if not wgs84:
        fast[:] = False
    numeric, in_box = int(fast.sum()), int(in_china(x[fast], y[fast]).sum())
    rest = np.flatnonzero(~fast)
    if len(rest):
        geoms = shapely.from_wkb(
            values.take(pa.array(rest)).to_numpy(zero_copy_only=False)
        )
        geometry = _io.geometry_to_degrees(
            gpd.GeoSeries(geoms, crs=wkb.crs), rules.system
        )
        more, more_in = _io.china_counts(raw.iloc[rest], geometry, rules.found, None)
        numeric, in_box = numeric + more, in_box + more_in
    return raw, numeric, in_box


def _repeated(
    part: pd.DataFrame, rules: _Rules, hashes: Any, offset: int, wkb: _Wkb | None
) -> Any:
    if wkb is not None:
        part = pd.DataFrame(part[list(wkb.dtypes)]).astype(wkb.dtypes)
    ids = _ids(pd.DataFrame(part), rules)
    present = ids.notna().to_numpy()
    hit = np.zeros(len(ids), dtype=bool)
    hit[present] = np.isin(
        pd.util.hash_array(ids[present].to_numpy(dtype=object), categorize=False),
        hashes,
    )
    rows = np.flatnonzero(hit)
    return pd.DataFrame({"id": ids.iloc[rows].to_numpy(), "row": rows + offset + 1})


#: Names of the coordinate columns a part read as WKB is validated with.
_WKB_LON, _WKB_LAT = "__hotspots_wkb_lon__", "__hotspots_wkb_lat__"


def _wkb_part(part: pd.DataFrame, wkb: _Wkb) -> tuple[pd.DataFrame, Any]:
    """Return the part's other columns, typed as the reader types them, and its WKB."""
    # through Arrow's own conversion (a cast of Arrow timestamps by pandas
    # goes through Python objects)
    table = pa.table({c: pa.array(part[c].array) for c in wkb.dtypes})
    raw = table.to_pandas().astype(wkb.dtypes)
    return raw, pa.array(part[wkb.column].array)


def _geo_part(raw: pd.DataFrame, values: Any, wkb: _Wkb) -> gpd.GeoDataFrame:
    """Return the part as the GeoParquet reader gives it (geometry decoded)."""
    geoms = gpd.array.from_wkb(values.to_numpy(zero_copy_only=False), crs=wkb.crs)
    frame = raw.copy()
    frame.insert(wkb.at, wkb.column, gpd.GeoSeries(geoms, index=raw.index))
    return gpd.GeoDataFrame(frame, geometry=wkb.column, crs=wkb.crs)


def _validate_points(
    raw: pd.DataFrame,
    values: Any,
    rules: _Rules,
    wkb: _Wkb,
    numbers: IntArray,
    first_rows: Mapping[str, int],
    china_share: float,
) -> _io.ReadResult | None:
    """Validate a part whose every geometry is a 2-D point, without building it.

    The points' x/y are read from the WKB (:func:`_point_xy`) and validated
    as longitude/latitude columns, which give the same checks, values and
    reasons as the points do; the reports' points are built from them as
    always, and the quarantined rows get their geometry decoded back. None
    when some value is not such a point (or the CRS is not WGS-84): the
    caller decodes the part.
    """
    if wkb.crs is not None and wkb.crs.to_epsg() != 4326:
        return None
    x, y, decoded = _point_xy(values)
    if not decoded.all():
        return None
    frame = raw.assign(**{_WKB_LON: x, _WKB_LAT: y})
    found = {**rules.found, _io.LON: _WKB_LON, _io.LAT: _WKB_LAT}
    result = _io.build_result(
        frame,
        None,
        found,
        rules.system,
        rules.tz,
        "quarantine",
        rules.table,
        rules.window,
        None,
        numbers,
        first_rows,
        china_share,
    ).to_result()
    bad = result.quarantined.drop(columns=[_WKB_LON, _WKB_LAT])
    rows = raw.index.get_indexer(bad.index)
    geoms = gpd.array.from_wkb(
        values.take(pa.array(rows, type=pa.int64())).to_numpy(zero_copy_only=False),
        crs=wkb.crs,
    )
    bad.insert(wkb.at, wkb.column, gpd.GeoSeries(geoms, index=bad.index))
    return _io.ReadResult(
        reports=result.reports, quarantined=bad, rows_read=result.rows_read
    )


def _validate_part(
    part: pd.DataFrame,
    rules: _Rules,
    offset: int,
    first_rows: Mapping[str, int],
    china_share: float,
    wkb: _Wkb | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    numbers = np.arange(offset + 1, offset + len(part) + 1, dtype=np.int64)
    if wkb is not None:
        raw_, values = _wkb_part(part, wkb)
        raw_ = raw_.set_axis(pd.RangeIndex(offset, offset + len(raw_)))
        fast = _validate_points(
            raw_, values, rules, wkb, numbers, first_rows, china_share
        )
        if fast is not None:
            return fast.reports, fast.quarantined, _counts(fast)
        part = _geo_part(raw_, values, wkb)
    raw, geometry, crs = _prepared(part, rules)
    index = pd.RangeIndex(offset, offset + len(raw))
    raw = raw.set_axis(index)
    if geometry is not None:
        geometry = geometry.set_axis(index)
    result = _io.build_result(
        raw,
        geometry,
        rules.found,
        rules.system,
        rules.tz,
        "quarantine",
        rules.table,
        rules.window,
        crs,
        numbers,
        first_rows,
        china_share,
    ).to_result()
    return result.reports, result.quarantined, _counts(result)


def _counts(result: _io.ReadResult) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rows_read": [result.rows_read],
            "accepted": [len(result.reports)],
            "quarantined": [len(result.quarantined)],
        }
    )


def _read_rules(
    meta: pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None,
    preset: _io.Preset,
    coords: str,
    tz: str,
    on_error: _io.OnError,
    categories: Iterable[Mapping[str, object]] | pd.DataFrame | None,
    time_window: tuple[object, object] | None,
) -> _Rules:
    """Validate read_partitioned's arguments against the source's columns."""
    geo = isinstance(meta, gpd.GeoDataFrame)
    columns = [str(c) for c in meta.columns]
    problems = _io.validate_read_args(mapping, preset, coords, tz, on_error, columns)
    if not any(p.startswith("tz ") for p in problems):
        problems += _io.check_time_window(time_window, str(tz))
    collect_problems(problems, "read_partitioned")
    window = _io.parse_time_window(time_window, str(tz))
    system, source_crs = _io.source_system(coords)
    found, used = _io.resolve_columns(columns, mapping, preset, geo)
    missing = _io.missing_report_columns(found, geo)
    if missing:
        msg = (
            f"read_partitioned: the source lacks required columns {missing!r} "
            f"(preset {used!r}; headers found: {columns!r}). Name the source "
            "columns with mapping=, e.g. mapping={'发生时间': 'reported_at'}."
        )
        raise InputError(msg)
    return _Rules(
        found=found,
        system=system,
        source_crs=source_crs,
        geo=geo and _io.LON not in found,
        tz=str(tz),
        table=category_table(categories),
        window=window,
    )


@dataclass(frozen=True)
class _FirstPass:
    """What every partition needs of the whole source before it is validated."""

    #: Rows read in all.
    rows_read: int
    #: Row offset of each partition.
    offsets: IntArray
    #: Share of the numeric coordinates inside China (all partitions).
    share: float
    #: First row number of every case id seen more than once.
    first_rows: dict[str, int]


def _first_pass_columns(ddf: Any, rules: _Rules) -> list[str]:
    """Return the source columns the first pass reads: the id and the coordinates."""
    columns = [rules.found[schema.REPORT_ID]]
    if rules.geo and isinstance(ddf._meta, gpd.GeoDataFrame):
        columns.append(ddf._meta.geometry.name)
    else:
        columns += [rules.found[_io.LON], rules.found[_io.LAT]]
    return list(dict.fromkeys(columns))


def _first_passes(slim_ddf: Any, rules: _Rules, wkb: _Wkb | None) -> _FirstPass:
    """Count the rows, the coordinates in China and the repeated ids.

    ``slim_ddf`` holds the id and coordinate columns only
    (:func:`_first_pass_columns`); the second pass, over the rows of
    repeated ids, runs only when some id hashes repeat.
    """
    dask: Any = importlib.import_module("dask")
    slim = slim_ddf.to_delayed()
    try:
        first = dask.compute(*[dask.delayed(_first_pass)(p, rules, wkb) for p in slim])
    except _CSV_ROW_ERRORS as err:
        msg = (
            f"could not split the CSV source into rows in blocks: {str(err).strip()}. "
            "A line "
            "without the header's number of fields, or a quoted value holding a "
            "line break, needs the whole file: read it with "
            "hotspots.read_reports (which quarantines malformed lines)."
        )
        raise InputError(msg) from err
    sizes = np.array([f[0] for f in first], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    numeric = sum(f[1] for f in first)
    share = sum(f[2] for f in first) / numeric if numeric else 0.0
    hashes = np.concatenate([f[3] for f in first]) if first else np.zeros(0)
    uniq, n_of = np.unique(hashes, return_counts=True)
    again = uniq[n_of > 1]
    first_rows: dict[str, int] = {}
    if len(again):
        found_rows = dask.compute(
            *[
                dask.delayed(_repeated)(p, rules, again, int(o), wkb)
                for p, o in zip(slim, offsets, strict=True)
            ]
        )
        rep = pd.concat(found_rows, ignore_index=True)
        first_at = rep.groupby("id", sort=False)["row"].agg(["min", "size"])
        first_at = first_at[first_at["size"] > 1]
        first_rows = {str(k): int(v) for k, v in first_at["min"].items()}
    return _FirstPass(int(sizes.sum()), offsets, share, first_rows)


def read_partitioned(
    source: Any,
    *,
    mapping: Mapping[str, str] | None = None,
    preset: _io.Preset = "auto",
    coords: str = "wgs84",
    tz: str = schema.DEFAULT_TZ,
    on_error: _io.OnError = "raise",
    categories: Iterable[Mapping[str, object]] | pd.DataFrame | None = None,
    time_window: tuple[object, object] | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    blocksize: int = CSV_BLOCKSIZE,
) -> PartitionedRead:
    """Read and validate reports partition by partition, as read_reports would.

    Parameters
    ----------
    source
        A Dask or dask-geopandas frame of an export (one row per report), a
        GeoParquet file or folder of files (e.g. from
        ``Ledger.export("reports.parquet")``), a CSV export, a glob pattern
        (``"exports/*.csv"``), or a list of them (read in that order, as one
        source). CSV files are read in blocks of ``blocksize`` bytes (one
        partition each, never the whole file at once), every cell as text;
        their header is found as :func:`hotspots.read_reports` finds it, and
        all of them must have the same header.
    mapping, preset, coords, tz, on_error, categories, time_window
        As in :func:`hotspots.read_reports`.
    encoding, header_row
        Of CSV files, as in :func:`hotspots.read_reports` (``encoding=None``
        detects UTF-8, with or without BOM, or GB18030 from the whole file).
    blocksize
        Bytes of a CSV file per partition.

    Returns
    -------
    PartitionedRead
        Lazy accepted and quarantined rows and per-partition counts; the
        rows read are counted already. ``rows_read = accepted +
        quarantined`` holds per partition and in total.

    Raises
    ------
    InputError
        As :func:`hotspots.read_reports` (bad arguments, missing columns; with
        ``on_error="raise"``, every row problem with its row number in the
        whole source); a file that is neither GeoParquet nor CSV; CSV files
        with different headers; a CSV line that does not split into the
        header's fields, or a quoted line break cut by a block (read such a
        file with :func:`hotspots.read_reports`, which quarantines malformed
        lines).
    TypeError
        When ``source`` is none of the above.
    """
    dask: Any = importlib.import_module("dask")
    dd: Any = importlib.import_module("dask.dataframe")

    with dask.config.set({"dataframe.convert-string": False}):
        ddf = _as_dask(  # text keeps pandas' own str dtype, as in memory
            source,
            encoding=encoding,
            header_row=header_row,
            mapping=mapping,
            blocksize=blocksize,
        )
    meta = ddf._meta
    rules = _read_rules(
        meta,
        mapping=mapping,
        preset=preset,
        coords=coords,
        tz=tz,
        on_error=on_error,
        categories=categories,
        time_window=time_window,
    )
    with dask.config.set({"dataframe.convert-string": False}):
        slim, wkb = _slim(source, ddf, _first_pass_columns(ddf, rules))
    passed = _first_passes(slim, rules, wkb)
    offsets, first_rows, share = passed.offsets, passed.first_rows, passed.share
    parts, whole = _whole(source, ddf) if wkb is not None else (ddf.to_delayed(), None)
    # rules and first_rows are literals of each task: a shared input task
    # would change Dask's order (every partition read first, then spilled)
    validated = [
        dask.delayed(_validate_part, nout=3)(p, rules, int(o), first_rows, share, whole)
        for p, o in zip(parts, offsets, strict=True)
    ]
    empty = meta.iloc[:0]
    meta_reports, meta_quarantined, meta_counts = _validate_part(
        empty, rules, 0, first_rows, share
    )
    reports = dd.from_delayed([v[0] for v in validated], meta=meta_reports)
    quarantined = dd.from_delayed([v[1] for v in validated], meta=meta_quarantined)
    counts = dd.from_delayed([v[2] for v in validated], meta=meta_counts)
    out = PartitionedRead(reports, quarantined, counts, passed.rows_read)
    if on_error == "raise":
        bad = quarantined.compute()
        if len(bad):
            _io.raise_row_problems(
                bad[schema.ROW_NUMBER], bad[schema.REASON], out.rows_read
            )
    return out


def _assign_part(
    part: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
    areas: gpd.GeoDataFrame | None,
    max_street_distance_m: float,
    metric_crs: Any,
) -> gpd.GeoDataFrame:
    # the unassigned reports are counted once for the whole frame by the
    # cube's warning, so the join's (matched by its message) is ignored; any
    # other warning goes on. Warning filters are process-wide, so threads of
    # one worker take turns (a worker process with one thread never waits)
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"\d+ of \d+ reports have no ",
            category=ReportsLeftOutWarning,
        )
        return assign(
            part,
            grid=grid,
            streets=streets,
            areas=areas,
            max_street_distance_m=max_street_distance_m,
            metric_crs=metric_crs,
        )


def _ok_xy(part: gpd.GeoDataFrame) -> tuple[Any, Any]:
    bounds = shapely.bounds(part.geometry.to_numpy())
    x, y = bounds[:, 0], bounds[:, 1]
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    return x[ok], y[ok]


def _ok_count(part: gpd.GeoDataFrame) -> int:
    return len(_ok_xy(part)[0])


def _ok_sample(part: gpd.GeoDataFrame, offset: int, step: int) -> Any:
    x, y = _ok_xy(part)
    first = (-offset) % step
    return np.column_stack((x[first::step], y[first::step]))


def _metric_crs(reports: Any) -> pyproj.CRS:
    """Choose the metric CRS of a Dask frame: the one policy on a sample of it.

    :func:`hotspots._core.crs.metric_crs_for` on at most about
    :data:`_CRS_SAMPLE` reports with coordinates, taken evenly across the
    partitions (the whole frame is never gathered).
    """
    dask: Any = importlib.import_module("dask")

    parts = reports.to_delayed()
    counts = np.array(dask.compute(*[dask.delayed(_ok_count)(p) for p in parts]))
    total = int(counts.sum())
    if total == 0:
        msg = "cannot choose a metric CRS: no report has coordinates."
        raise InputError(msg)
    step = max(1, total // _CRS_SAMPLE)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    samples = dask.compute(
        *[
            dask.delayed(_ok_sample)(p, int(o), step)
            for p, o in zip(parts, offsets, strict=True)
        ]
    )
    xy = np.concatenate(samples)
    return metric_crs_for(shapely.points(xy), crs=reports.crs)


def _broadcast(client: Any, value: Any) -> Any:
    if value is None:
        return None
    if client is None:
        dask: Any = importlib.import_module("dask")

        return dask.delayed(value, pure=True)
    return client.scatter(value, broadcast=True, hash=True)


def assign_partitioned(
    reports: Any,
    *,
    grid: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    max_street_distance_m: float = 30.0,
    metric_crs: Any = None,
    client: Any = None,
) -> Any:
    """Join every report of a Dask frame to its cell, street segment and areas.

    The boundaries go to every worker once (``client.scatter(...,
    broadcast=True)``, or a shared task without a client) and each partition
    is joined with :func:`hotspots.assign`.

    Parameters
    ----------
    reports
        dask-geopandas GeoDataFrame of reports (e.g. ``read.reports``).
    grid, streets, areas, max_street_distance_m
        As in :func:`hotspots.assign` (in memory).
    metric_crs
        CRS for street distances; default the one :func:`hotspots.assign`
        would choose for the whole frame (same sample of points).
    client
        The :class:`distributed.Client` to broadcast through (None: the
        boundaries travel inside the graph).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy; its partitions are what :func:`hotspots.assign` returns for
        them. The unassigned counts are not warned per partition; the cube
        (:func:`cube_partitioned`) counts the reports without a unit.

    Raises
    ------
    TypeError
        When ``reports`` is not a dask-geopandas GeoDataFrame.
    InputError
        As :func:`hotspots.assign` (the boundaries are checked here, once).
    """
    dask_geopandas: Any = importlib.import_module("dask_geopandas")

    if not isinstance(reports, dask_geopandas.GeoDataFrame):
        msg = (
            "reports must be a dask_geopandas.GeoDataFrame, got "
            f"{type(reports).__name__}. Use hotspots.assign for in-memory frames."
        )
        raise TypeError(msg)
    # check the arguments once, on the empty frame, before any partition runs
    meta = _assign_part(
        reports._meta, grid, streets, areas, max_street_distance_m, "EPSG:3857"
    )
    if streets is not None and metric_crs is None:
        metric_crs = _metric_crs(reports)
    return reports.map_partitions(
        _assign_part,
        _broadcast(client, grid),
        _broadcast(client, streets),
        _broadcast(client, areas),
        max_street_distance_m,
        metric_crs,
        meta=meta,
    )


def _cube_part(
    part: pd.DataFrame,
    units: pd.DataFrame,
    unit: str,
    freq: str,
    weight: str | None,
    category: str | None,
    tz: str,
    time: str,
) -> tuple[pd.DataFrame, dict[str, int], list[Any]]:
    _cube.validate_cube_inputs(
        part,
        units,
        unit=unit,
        freq=freq,
        tz=tz,
        weight=weight,
        category=category,
        time=time,
    )
    ids = pd.Index(units[unit])
    rep_units = part[unit]
    unit_na = np.asarray(rep_units.isna())
    codes, uniq = pd.factorize(rep_units, use_na_sentinel=True)
    ucode = ids.get_indexer(uniq)[codes] if len(uniq) else np.full(len(codes), -1)
    ucode = np.where(codes < 0, -1, ucode).astype(np.int64, copy=False)
    unknown = (ucode < 0) & ~unit_na
    days, nat = _cube.wall_days(part[time], tz)
    pcode = _cube.days_to_codes(days, freq)
    cat_na = np.zeros(len(part), dtype=bool)
    labels: list[Any] = []
    ccode = np.zeros(len(part), dtype=np.int64)
    if category is not None:
        cats = part[category]
        cat_na = np.asarray(cats.isna())
        labels = sorted(pd.unique(cats[~cat_na]).tolist())
        ccode = pd.Index(labels).get_indexer(cats).astype(np.int64)
    located = ~unit_na & ~unknown & ~nat & ~cat_na
    reasons = {
        "no unit": unit_na,
        "unit not in units": unknown,
        "no time": nat,
        "no category": cat_na,
    }
    left = np.ones(len(part), dtype=bool)
    uncounted: dict[str, int] = {}
    for reason, mask in reasons.items():
        uncounted[reason] = int((mask & left).sum())
        left &= ~mask
    weights = None if weight is None else part[weight].to_numpy(dtype=np.float64)
    agg = _partial_counts(
        ucode[located],
        pcode[located],
        ccode[located],
        None if weights is None else weights[located],
        n_cat=max(len(labels), 1),
    )
    if category is not None:
        agg["c"] = pd.Series(labels, dtype=object).reindex(agg["c"]).to_numpy()
    return agg, uncounted, labels


def _partial_counts(
    u: IntArray, p: IntArray, c: IntArray, w: Any, *, n_cat: int
) -> pd.DataFrame:
    """Return the (unit, period, category code) counts (and weight sums) of a part.

    The three codes are packed into one int64 key (periods relative to the
    part's first), sorted once by :func:`numpy.unique`; weight sums add the
    rows in their order, as :func:`hotspots.space_time_cube` does.
    """
    if not len(u):
        agg = pd.DataFrame({k: np.zeros(0, np.int64) for k in ("u", "p", "c", "n")})
        if w is not None:
            agg["w"] = np.zeros(0, np.float64)
        return agg
    p0 = int(p.min())
    n_per = int(p.max()) - p0 + 1
    key = (u * n_per + (p - p0)) * n_cat + c
    uniq, inverse = np.unique(key, return_inverse=True)
    rest, cc = np.divmod(uniq, n_cat)
    uu, pp = np.divmod(rest, n_per)
    agg = pd.DataFrame({"u": uu, "p": pp + p0, "c": cc})
    agg["n"] = np.bincount(inverse, minlength=len(uniq)).astype(np.int64)
    if w is not None:
        agg["w"] = np.bincount(inverse, weights=w, minlength=len(uniq))
    return agg


def cube_partitioned(
    reports: Any,
    units: pd.DataFrame,
    *,
    unit: str = schema.GRID_ID,
    freq: str = "W-MON",
    start: object = None,
    end: object = None,
    weight: str | None = None,
    category: str | None = None,
    tz: str = schema.DEFAULT_TZ,
    time: str = schema.REPORTED_AT,
) -> pd.DataFrame:
    """Count reports per unit and period from a Dask frame, partition by partition.

    Each partition is reduced to its (unit, period, category) counts (and
    weight sums); the partial counts are added and laid out exactly as
    :func:`hotspots.space_time_cube` lays out the whole frame's.

    Parameters
    ----------
    reports
        Dask frame of reports joined to their units
        (:func:`assign_partitioned`).
    units, unit, freq, start, end, weight, category, tz, time
        As in :func:`hotspots.space_time_cube`.

    Returns
    -------
    pandas.DataFrame
        The cube, identical to :func:`hotspots.space_time_cube` on the
        computed frame (``attrs["uncounted"]`` included).

    Raises
    ------
    TypeError
        When ``reports`` is not a Dask frame or ``units`` not a DataFrame.
    InputError
        As :func:`hotspots.space_time_cube`.

    Warns
    -----
    hotspots.errors.ReportsLeftOutWarning
        As :func:`hotspots.space_time_cube`, with the totals.
    """
    dask: Any = importlib.import_module("dask")
    _require_dask_frame(reports, "reports", "hotspots.space_time_cube")
    _cube.validate_cube_inputs(
        reports._meta,
        units,
        unit=unit,
        freq=freq,
        tz=tz,
        weight=weight,
        category=category,
        time=time,
    )
    f = freq.upper()
    columns = [c for c in (unit, time, weight, category) if c is not None]
    parts = reports[list(dict.fromkeys(columns))].to_delayed()
    # the partitions need the unit ids only, not the boundaries
    ids = pd.DataFrame(units[[unit]]).reset_index(drop=True)
    results = dask.compute(
        *[
            dask.delayed(_cube_part)(p, ids, unit, f, weight, category, tz, time)
            for p in parts
        ]
    )
    return _combine(results, units, unit, f, start, end, weight, category, tz)


def _combine(
    results: Sequence[tuple[pd.DataFrame, dict[str, int], list[Any]]],
    units: pd.DataFrame,
    unit: str,
    f: str,
    start: object,
    end: object,
    weight: str | None,
    category: str | None,
    tz: str,
) -> pd.DataFrame:
    """Add the partitions' partial counts up into the cube (as space_time_cube)."""
    ids = pd.Index(units[unit], name=unit)
    aggs = [r[0] for r in results]
    agg = pd.concat(aggs, ignore_index=True) if aggs else pd.DataFrame()
    n_reports = sum(int(a["n"].sum()) for a in aggs)
    uncounted = dict.fromkeys(("no unit", "unit not in units", "no time"), 0)
    uncounted["no category"] = 0
    for r in results:
        for k, v in r[1].items():
            uncounted[k] += v
    n_reports += sum(uncounted.values())
    labels = sorted({x for r in results for x in r[2]})
    pcode = agg["p"].to_numpy(dtype=np.int64) if len(agg) else np.zeros(0, np.int64)
    span = _period_span(pcode, start=start, end=end, f=f, tz=tz)
    counts = agg["n"].to_numpy(dtype=np.int64) if len(agg) else pcode
    uncounted["outside start/end"] = int(counts[~span.inside].sum())
    n_out = sum(uncounted.values())
    if n_out:
        shown = ", ".join(f"{k}: {v}" for k, v in uncounted.items() if v)
        warnings.warn(
            f"{n_out} of {n_reports} reports were not counted in the cube "
            f"({shown}). Reports without a unit lie outside every {unit!r} unit; "
            "widen start/end to count reports outside the periods.",
            ReportsLeftOutWarning,
            stacklevel=3,
        )
    sub = agg[span.inside] if len(agg) else agg
    n_cat = max(len(labels), 1) if category is not None else 1
    values = _cube_values(
        sub,
        labels,
        span,
        size=len(ids) * n_cat * span.n_per,
        n_cat=n_cat,
        category=category,
        weight=weight,
    )
    matrix = values.reshape(len(ids), n_cat * span.n_per)
    codes = np.arange(span.lo, span.lo + span.n_per, dtype=np.int64)
    period_labels = _cube.codes_to_labels(codes, f)
    period_index = pd.Index([str(s) for s in period_labels], name=_cube.PERIOD)
    cols: pd.Index
    if category is not None:
        cols = pd.MultiIndex.from_product(
            [pd.Index(labels), period_index], names=[category, _cube.PERIOD]
        )
    else:
        cols = period_index
    cube = pd.DataFrame(matrix, index=ids, columns=cols, copy=False)
    cube.attrs["uncounted"] = uncounted
    return cube


@dataclass(frozen=True)
class _Span:
    """The cube's periods: first code, how many, which partial counts lie inside."""

    lo: int
    n_per: int
    inside: BoolArray


def _period_span(
    pcode: IntArray, *, start: object, end: object, f: str, tz: str
) -> _Span:
    """Return the periods of the cube: start/end, else those of the reports."""
    lo = None if start is None else _cube.label_to_code(start, f, tz, "start")
    hi = None if end is None else _cube.label_to_code(end, f, tz, "end")
    if lo is not None and hi is not None and hi < lo:
        msg = (
            f"end must not be before start, got start={start!r} and end={end!r}. "
            "Swap them."
        )
        raise InputError(msg)
    if len(pcode):
        lo = int(pcode.min()) if lo is None else lo
        hi = int(pcode.max()) if hi is None else hi
    if lo is None:
        lo = hi
    if hi is None:
        hi = lo
    if lo is None or hi is None or hi < lo:
        return _Span(0, 0, np.zeros(len(pcode), dtype=bool))
    return _Span(lo, hi - lo + 1, (pcode >= lo) & (pcode <= hi))


def _cube_values(
    sub: pd.DataFrame,
    labels: list[Any],
    span: _Span,
    *,
    size: int,
    n_cat: int,
    category: str | None,
    weight: str | None,
) -> Any:
    """Return the cube's cells, flat: counts, or weight sums with ``weight``."""
    n_per = span.n_per
    flat = np.zeros(0, dtype=np.int64)
    if len(sub):
        flat = sub["u"].to_numpy(dtype=np.int64) * (n_cat * n_per) + (
            sub["p"].to_numpy(dtype=np.int64) - span.lo
        )
        if category is not None:
            cc = pd.Index(labels).get_indexer(sub["c"]).astype(np.int64)
            flat = flat + cc * n_per
    if weight is None:
        values: Any = np.zeros(size, dtype=np.int64)
        if len(sub):
            np.add.at(values, flat, sub["n"].to_numpy(dtype=np.int64))
        return values
    w = sub["w"].to_numpy(dtype=np.float64) if len(sub) else np.zeros(0)
    return np.bincount(flat, weights=w, minlength=size)


#: Keyword arguments of :func:`hotspots.blind_spots` the ranking takes (the
#: others go to every partition).
_RANKING_OPTIONS = ("emerging", "weights", "hour_profile", "peak_hours")
#: Columns of the reports :func:`hotspots.blind_spots` reads (when present).
_LEDGER_COLUMNS = (
    schema.REPORTED_AT,
    schema.CATEGORY,
    schema.CLOSED_AT,
    schema.STATUS,
    schema.REOPEN_COUNT,
    schema.SOURCE,
    schema.WEIGHT,
)


def blind_spots_partitioned(
    reports: Any, units: gpd.GeoDataFrame, **options: Any
) -> gpd.GeoDataFrame:
    """Rank blind spots from a Dask frame of assigned reports, by partition.

    A first pass finds the latest report and each partition's number of
    history reports (:func:`~hotspots.ledger.blindspots.blind_spots_extent`);
    each partition is then reduced to its counts per unit and per unit,
    category and period and a slim table of its window reports and usable
    closures (:func:`~hotspots.ledger.blindspots.blind_spots_partial`); the
    parts are combined and ranked in memory on the small per-unit table
    (:func:`~hotspots.ledger.blindspots.blind_spots_combine`), the one code
    path :func:`hotspots.blind_spots` runs, so the result is identical.

    Parameters
    ----------
    reports
        Dask frame of assigned reports (:func:`assign_partitioned`), its
        partitions in the reports' order.
    units
        As in :func:`hotspots.blind_spots`.
    **options
        Keyword arguments of :func:`hotspots.blind_spots`; ``emerging`` is
        required (the patterns are not computed here).

    Returns
    -------
    geopandas.GeoDataFrame
        What :func:`hotspots.blind_spots` returns on the computed frame.

    Raises
    ------
    TypeError
        When ``reports`` is not a Dask frame.
    InputError
        Without ``emerging``, and as :func:`hotspots.blind_spots` (checked
        once, on the frame's columns, before any partition runs).
    """
    dask: Any = importlib.import_module("dask")
    _require_dask_frame(reports, "reports", "hotspots.blind_spots")
    if options.get("emerging") is None:
        msg = (
            "blind_spots_partitioned needs emerging= (the patterns are not "
            "computed from a Dask frame). Pass emerging=hotspots.emerging_hotspots("
            "cube_partitioned(reports, units, ...), units, ...)."
        )
        raise InputError(msg)
    ranking = {k: v for k, v in options.items() if k in _RANKING_OPTIONS}
    per_part = {k: v for k, v in options.items() if k not in _RANKING_OPTIONS}
    unit = str(per_part.get("unit", schema.GRID_ID))
    # check every argument once, on the empty frame, before any partition runs
    meta = reports._meta
    blind_spots_combine(
        [blind_spots_partial(meta, units, **per_part)], units, **ranking
    )
    ids = gpd.GeoDataFrame(pd.DataFrame({unit: units[unit].to_numpy()}))
    columns = [unit, *(c for c in _LEDGER_COLUMNS if c in meta.columns)]
    if isinstance(meta, gpd.GeoDataFrame):
        columns.append(meta.geometry.name)
    parts = reports[list(dict.fromkeys(columns))].to_delayed()
    extent = {k: per_part[k] for k in ("as_of", "tz") if k in per_part}
    extents = dask.compute(
        *[dask.delayed(blind_spots_extent)(p, ids, unit=unit, **extent) for p in parts]
    )
    as_of = per_part.get("as_of")
    if as_of is None:
        latest = [e[0] for e in extents if e[0] is not None]
        tz = str(per_part.get("tz", schema.DEFAULT_TZ))
        as_of = max(latest) if latest else pd.Timestamp.now(tz=tz)
    sizes = np.array([e[1] for e in extents], dtype=np.int64)
    total = int(sizes.sum())
    firsts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    options_ = {**per_part, "as_of": as_of}
    partials = dask.compute(
        *[
            dask.delayed(blind_spots_partial)(
                p, ids, **options_, history=(int(f), total)
            )
            for p, f in zip(parts, firsts, strict=True)
        ]
    )
    return blind_spots_combine(list(partials), units, **ranking)


def scorecard_partitioned(
    cases: Any,
    *,
    by: str | Sequence[str] = "unit_id",
    window: tuple[TimeLike, TimeLike] | None = None,
    freq: Literal["W-MON", "D", "MS"] | None = None,
    confidence: float = 0.95,
    tz: str = schema.DEFAULT_TZ,
) -> pd.DataFrame:
    """Score each unit's cases from a Dask frame, partition by partition.

    Each partition is aggregated per group apart
    (:func:`hotspots.accountability.scorecard.scorecard_partial`: the counts
    summed, the cases of the window kept slim); the partial aggregates are
    combined and the rates computed once, on the small table per group
    (:func:`~hotspots.accountability.scorecard.scorecard_combine`).

    Parameters
    ----------
    cases
        Dask frame of cases (the columns :func:`hotspots.scorecard` needs),
        its partitions in the cases' order.
    by, window, freq, confidence, tz
        As in :func:`hotspots.accountability.scorecard.scorecard`.

    Returns
    -------
    pandas.DataFrame
        The scorecard, identical to
        :func:`~hotspots.accountability.scorecard.scorecard` on the computed
        frame.

    Raises
    ------
    TypeError
        When ``cases`` is not a Dask frame.
    InputError
        As :func:`~hotspots.accountability.scorecard.scorecard` (checked once,
        on the frame's columns, before any partition runs).
    """
    dask: Any = importlib.import_module("dask")
    _require_dask_frame(cases, "cases", "hotspots.accountability.scorecard.scorecard")
    options: dict[str, Any] = {"by": by, "window": window, "freq": freq, "tz": tz}
    scorecard_partial(cases._meta, **options)  # raises on bad arguments
    problem = probability(confidence, "confidence", example="confidence=0.95")
    collect_problems([problem] if problem else [], "scorecard_partitioned")
    parts = dask.compute(
        *[dask.delayed(scorecard_partial)(p, **options) for p in cases.to_delayed()]
    )
    return scorecard_combine(list(parts), confidence=confidence)


def _require_dask_frame(frame: Any, name: str, in_memory: str) -> None:
    """Raise a TypeError naming ``in_memory`` unless ``frame`` is a Dask frame."""
    dd: Any = importlib.import_module("dask.dataframe")
    if not isinstance(frame, dd.DataFrame):
        msg = (
            f"{name} must be a Dask DataFrame, got {type(frame).__name__}. "
            f"Use {in_memory} for in-memory frames."
        )
        raise TypeError(msg)
