"""Read city-management issue reports into the canonical report frame.

:func:`read_reports` reads a platform export (CSV, Excel, GeoJSON,
GeoPackage, GeoParquet or an in-memory frame), maps its columns to the
canonical names of :mod:`hotspots._core.schema`, cleans and validates every row,
converts the coordinates to WGS-84 and returns the good rows as a
GeoDataFrame and the bad ones, untouched, with a reason.

Rules, in one place
-------------------
Encoding of a CSV (``encoding=None``)
    A UTF-8 byte-order mark means UTF-8. Otherwise the first 64 KiB are
    decoded as UTF-8; if that fails the file is read as GB18030 (a superset
    of GBK and GB2312, so every GBK export reads correctly). If a UTF-8 read
    fails further into the file, it is read again as GB18030. Every column
    of a CSV is read as text (Arrow's multi-threaded CSV reader); a GBK file
    is parsed as bytes and only its non-ASCII columns are decoded, which is
    what keeps reading close to the speed of ``pandas.read_csv``. LF, CRLF
    and CR-only (old Excel for Mac) line endings are read alike, and quoted
    cells may hold line breaks.
Header row
    ``header_row`` (1 = the first row of the file or sheet) names it; else
    the first of the first 20 rows naming the most known headers (of the
    presets and ``mapping``; at least two, else the first row). Rows above
    it (a merged title such as "市南区城市管理问题台账 2026年11月") are skipped.
    Excel cells are read as typed: text cells stay text (``06010`` and the
    ids ``0123`` / ``00123`` keep their zeros); ids and codes typed as
    numbers become their digits (``101``).
Malformed lines
    A CSV line whose number of fields differs from the header's (an extra
    comma, a stray text line, a quote never closed) is quarantined with the
    reason ``malformed line <physical line>: expected N fields, got M`` and
    its fields in the source columns; the rest of the file is read. It
    counts as a data row, so rows read = accepted + quarantined.
Columns
    An explicit ``mapping`` (source column -> canonical name) wins. The other
    columns are matched by a preset, detected from the headers
    (``preset="auto"``): the Chinese platform export (:data:`PLATFORM_COLUMNS`),
    Open311 GeoReport v2 (:data:`OPEN311_COLUMNS`) or the canonical names.
    Headers are compared after NFKC normalisation, stripping and lower-casing.
    When two source columns match one canonical name, the first alias in the
    preset's order wins and the other is kept as an extra column.
Coordinates
    From the ``lon``/``lat`` columns when ``mapping`` names them, else from
    the geometry of a spatial source, else from the preset's longitude and
    latitude columns. ``coords`` names their system (WGS-84, GCJ-02 or
    BD-09); they are converted to WGS-84 with :func:`hotspots._core.crs.convert`.
    A geometry in a projected CRS is first transformed to EPSG:4326 (then
    ``coords`` must be ``"wgs84"``); a geometry without a CRS is taken to be
    in ``coords``. The source longitude/latitude columns are consumed into
    the geometry (not kept, so that no second copy in another datum remains).
Times
    Whitespace is stripped and full-width characters are normalised (NFKC);
    ``/``, ``年``, ``月`` become ``-`` and ``日`` a space. Accepted:
    ``YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]``, ``YYYYMMDDHHMMSS`` and ISO 8601
    with an offset or ``Z``. Naive times are local times of ``tz``; aware
    times are converted to ``tz``. Text that is no time is "unparseable".
    Times outside the plausible window (``time_window``; default from
    2000-01-01 through tomorrow in ``tz``), outside what pandas can hold
    (years 1678-2261), and leap seconds (``23:59:60``, never rolled into
    the next day) are quarantined as "time out of range".
Daylight saving
    A naive time in the repeated hour of autumn (ambiguous) takes the
    earlier offset (the first pass of that hour), unless the file order
    shows the later one: when the other times of the file are in time order
    (ascending or descending), the ambiguous rows after the wall clock went
    back take the later offset. A naive time in the skipped hour of spring
    (nonexistent) is read with the offset before the change, i.e. moved
    forward by the gap (02:30 in America/Chicago on 2025-03-09 becomes
    03:30 CDT). Both are accepted and flagged in the column
    ``time_adjusted`` (present only when some time was adjusted), e.g.
    ``"reported_at ambiguous (repeated hour), took the earlier offset"``.
Status and source
    Mapped through :mod:`hotspots._core.vocab`. An empty status is ``"closed"``
    when the report has a ``closed_at``, else ``"open"``; a missing status
    column the same. An empty or missing source is ``"other"``. For Open311,
    ``updated_datetime`` is the ``closed_at`` of closed requests.
Categories
    ``category`` keeps the source's name (stripped of whitespace).
    See :mod:`hotspots._core.vocab`: a code gets its name, a name its code where it
    matches exactly one entry, and ``category_major`` comes from the source,
    or from the code, or from a legacy major class name. ``weight`` comes
    from a weight column, else from the local category's weight, else 1.0.
Row problems (each a reason; several joined with ``"; "``)
    malformed line (above); missing ``report_id``; duplicate ``report_id``
    (every occurrence after the first in file order is quarantined, the first
    is kept); missing or unparseable ``reported_at``; time out of range
    (either time); unparseable ``closed_at`` (or Open311
    ``updated_datetime`` of a closed request); ``closed_at`` before
    ``reported_at``; missing coordinates; non-numeric coordinates;
    coordinates out of range (longitude outside [-180, 180] or latitude
    outside [-90, 90]); swapped longitude/latitude (the point is outside the
    China box of :data:`hotspots._core.crs.CHINA_BBOX` but the swapped point is
    inside, and either the latitude exceeds 90 or at least half of the rows
    lie in China); a geometry that is not a point; unknown or void status
    word; unknown source word; empty category (no name, and no code whose
    name is known); a weight that is not a number >= 0; a reopen count that
    is not a whole number >= 0.
    Swapped points are never swapped back silently.
Row numbers
    1-based data rows: the first row after the header is row 1 (for a frame,
    the first row is row 1). Blank lines of a CSV are not counted, and a
    quoted cell spanning several lines belongs to one row.

Extra source columns are kept unchanged (text for a CSV, whose exports carry
no types: codes with leading zeros survive), renamed with the suffix
``_original`` only if their name collides with a canonical column.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import os
import unicodedata
import zipfile
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyproj
import shapely

from .._core import schema
from .._core.crs import CHINA_BBOX, convert, coord_system
from .._core.objects import points
from .._core.types import BoolArray, FloatArray, TimeLike
from .._core.validate import parse_crs
from .._core.vocab import (
    SOURCE_WORDS,
    STATUS_WORDS,
    VOID_STATUS_WORDS,
    CategoryTable,
    category_table,
    normalise_word,
)
from ..errors import InputError, collect_problems

__all__ = [
    "CANONICAL_NAMES",
    "OPEN311_COLUMNS",
    "PLATFORM_COLUMNS",
    "ReadResult",
    "read_reports",
]

LON: Final = "lon"
LAT: Final = "lat"
_UPDATED: Final = "updated_datetime"

Preset = Literal["auto", "platform", "open311", "canonical"]
OnError = Literal["raise", "quarantine"]

#: Chinese city-management platform export: canonical name -> headers, by priority.
PLATFORM_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    schema.REPORT_ID: ("案件编号", "事件编号", "工单编号"),
    schema.REPORTED_AT: ("上报时间", "发现时间", "受理时间"),
    schema.CATEGORY: ("问题小类", "小类", "问题类型", "事件类型"),
    schema.CATEGORY_MAJOR: ("问题大类", "大类"),
    schema.CATEGORY_CODE: ("小类编码", "事项编码", "问题编码", "类型编码"),
    LON: ("经度",),
    LAT: ("纬度",),
    schema.STATUS: ("案件状态", "处置状态"),
    schema.CLOSED_AT: ("结案时间", "办结时间"),
    schema.SOURCE: ("案件来源", "问题来源", "上报来源"),
    schema.DESCRIPTION: ("问题描述", "事件描述"),
    schema.ADDRESS: ("地址", "事发地址", "位置"),
    schema.REPORTER_NAME: ("上报人", "反映人"),
    schema.REPORTER_PHONE: ("联系电话", "联系方式"),
    schema.REOPEN_COUNT: ("返工次数", "重新打开次数"),
}
#: Open311 GeoReport v2 requests: canonical name -> field.
OPEN311_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    schema.REPORT_ID: ("service_request_id",),
    schema.REPORTED_AT: ("requested_datetime",),
    schema.CATEGORY: ("service_name",),
    schema.CATEGORY_CODE: ("service_code",),
    schema.STATUS: ("status",),
    _UPDATED: ("updated_datetime",),
    LAT: ("lat",),
    LON: ("long",),
    schema.DESCRIPTION: ("description",),
    schema.ADDRESS: ("address",),
}
_TEXT_COLUMNS: Final = (
    schema.DESCRIPTION,
    schema.ADDRESS,
    schema.REPORTER_NAME,
    schema.REPORTER_PHONE,
    schema.REPORTER_ID_NUMBER,
)
_OUTPUT_ORDER: Final = (
    schema.REPORT_ID,
    schema.REPORTED_AT,
    schema.CATEGORY,
    schema.CATEGORY_CODE,
    schema.CATEGORY_MAJOR,
    schema.STATUS,
    schema.CLOSED_AT,
    schema.SOURCE,
    schema.WEIGHT,
    schema.REOPEN_COUNT,
    *_TEXT_COLUMNS,
)
#: Column of the accepted rows whose local time was ambiguous or nonexistent.
TIME_ADJUSTED: Final = "time_adjusted"
#: Canonical names (and usual English spellings of longitude/latitude).
CANONICAL_NAMES: Final[dict[str, tuple[str, ...]]] = {
    **{c: (c,) for c in _OUTPUT_ORDER},
    LON: ("lon", "lng", "longitude"),
    LAT: ("lat", "latitude"),
}
_PRESETS: Final = {
    "platform": PLATFORM_COLUMNS,
    "open311": OPEN311_COLUMNS,
    "canonical": CANONICAL_NAMES,
}
_TARGETS: Final = frozenset(CANONICAL_NAMES)
_NUMBER_RE: Final = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_AWARE_RE: Final = r"(?:Z|[+-]\d{2}:?\d{2})$"
_TIME_FORMATS: Final = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d%H%M%S",
)
_MAX_LISTED: Final = 50
_ARROW_ARRAYS: Final = (pd.arrays.ArrowExtensionArray, pd.arrays.ArrowStringArray)
_SNIFF_BYTES: Final = 65536


@dataclass(frozen=True)
class ReadResult:
    """The outcome of :func:`read_reports`.

    Attributes
    ----------
    reports
        Accepted rows: the canonical report frame, EPSG:4326 points, the
        source index.
    quarantined
        Rejected rows: every source column as read, plus ``row_number``
        (1-based data row) and ``reason``.
    rows_read
        Data rows in the source.
    """

    reports: gpd.GeoDataFrame
    quarantined: pd.DataFrame
    rows_read: int

    @property
    def balanced(self) -> bool:
        """Whether rows read = rows accepted + rows quarantined (always true)."""
        return self.rows_read == len(self.reports) + len(self.quarantined)


@dataclass(frozen=True)
class Canonical:
    """The outcome of :func:`read_canonical`: :class:`ReadResult` before points.

    Internal to the package (the ledger's ingest stores lon/lat as numbers
    and needs no shapely Point per row).

    Attributes
    ----------
    frame
        Accepted rows: exactly the columns, dtypes, index and row order of
        :attr:`ReadResult.reports` without its ``geometry`` column.
    lon, lat
        WGS-84 longitude and latitude (degrees, float64) of each row of
        ``frame``, by position. Arrays rather than columns of ``frame``, so
        that they never collide with an extra source column named ``lon``.
    quarantined
        Rejected rows, as :attr:`ReadResult.quarantined`.
    rows_read
        Data rows in the source.
    """

    frame: pd.DataFrame
    lon: FloatArray
    lat: FloatArray
    quarantined: pd.DataFrame
    rows_read: int

    def to_result(self) -> ReadResult:
        """Return the :class:`ReadResult`: ``frame`` with EPSG:4326 points."""
        geometry = points(self.lon, self.lat, crs=schema.WGS84)
        reports = gpd.GeoDataFrame(
            self.frame, geometry=geometry, crs=schema.WGS84, copy=False
        )  # shares the frame's columns until either is written (copy on write)
        return ReadResult(
            reports=reports, quarantined=self.quarantined, rows_read=self.rows_read
        )


#: Values shown after a problem message: a Series (positional) or a function
#: of the row positions returning their values, evaluated only for bad rows.
Values = pd.Series | Callable[[npt.NDArray[np.intp]], list[Any]] | None


@dataclass
class _Problems:
    """Row problems: per check a mask, a message and optionally the values.

    Values (shown after the message) may be given as a function, evaluated
    only when a row is reported, so that clean data costs nothing.
    """

    n: int
    checks: list[tuple[BoolArray, str, Values, bool]]

    def add(
        self,
        mask: BoolArray,
        message: str,
        values: Values = None,
        *,
        quote: bool = True,
    ) -> None:
        """Record ``message`` (followed by the row's value) where ``mask``."""
        if mask.any():
            self.checks.append((mask, message, values, quote))

    def bad(self) -> BoolArray:
        """Return the rows with at least one problem."""
        out = np.zeros(self.n, dtype=bool)
        for mask, _, _, _ in self.checks:
            out |= mask
        return out

    def reasons(self, rows: npt.NDArray[np.intp]) -> list[str]:
        """Return the joined reasons of ``rows`` (a loop over bad rows only)."""
        parts: list[list[str]] = [[] for _ in rows]
        for mask, message, values, quote in self.checks:
            hit = np.flatnonzero(mask[rows])
            if values is None:
                for k in hit:
                    parts[k].append(message)
                continue
            at = rows[hit]
            vals = values(at) if callable(values) else values.iloc[at].tolist()
            for k, v in zip(hit, vals, strict=True):
                parts[k].append(f"{message} {v!r}" if quote else f"{message} {v}")
        return ["; ".join(p) for p in parts]


# -- loading ----------------------------------------------------------------------


def sniff_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"  # pyarrow strips the BOM
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


_CSV_ERRORS: Final = (pa.ArrowInvalid, UnicodeDecodeError)
STR_DTYPE: Final = pd.StringDtype("pyarrow", na_value=np.nan)
#: Encodings that are not ASCII-compatible: read by the Python CSV parser.
_WIDE_ENCODINGS: Final = ("utf-16", "utf-32", "utf_16", "utf_32")
#: Rows searched for the header when ``header_row`` is not given.
_HEADER_SEARCH: Final = 20
#: Extra fields of a malformed line shown in its reason.
_EXTRA_SHOWN: Final = 3
_HEADER_HINT: Final = (
    "If the header is not on the first row (e.g. a title row above it), pass "
    "header_row=<its row number, 1 = first> ([input] header_row in the TOML)."
)


@dataclass(frozen=True)
class _Loaded:
    """A source as read.

    ``frame`` holds the well-formed rows, indexed by their 0-based data-row
    position; ``malformed`` the CSV lines that could not be split into the
    header's fields (source columns, ``row_number`` and ``reason``);
    ``rows`` every data row, malformed ones included.
    """

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None = None
    malformed: pd.DataFrame | None = None
    rows: int | None = None


def known_headers(mapping: object) -> frozenset[str]:
    """Return the normalised headers that a header row is recognised by."""
    words = {
        normalise_word(alias)
        for table in _PRESETS.values()
        for aliases in table.values()
        for alias in aliases
    }
    if isinstance(mapping, Mapping):
        words |= {normalise_word(k) for k in mapping}
    return frozenset(words)


def _find_header(rows: list[list[Any]], known: frozenset[str]) -> int:
    """Return the position of the header: the first row naming most known columns.

    A row must name at least two known columns to be preferred over the first.
    """
    best, best_score = 0, 1
    for i, row in enumerate(rows[:_HEADER_SEARCH]):
        score = sum(isinstance(v, str) and normalise_word(v) in known for v in row)
        if score > best_score:
            best, best_score = i, score
    return best


def _numbered(names: Iterable[str]) -> list[str]:
    """Return the names, repeated ones numbered as pandas does (a, a.1)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        out.append(name if count == 0 else f"{name}.{count}")
        seen[name] = count + 1
    return out


def _header_position(
    rows: list[list[Any]], header_row: int | None, known: frozenset[str], what: str
) -> int:
    if header_row is None:
        return _find_header(rows, known)
    if header_row > len(rows):
        msg = (
            f"header_row={header_row}, but {what} has only {len(rows)} rows "
            "there. Pass the row number of the header as the file shows it "
            "(1 = first row), or leave header_row unset to detect it."
        )
        raise InputError(msg)
    return header_row - 1


def csv_header(
    path: Path, encoding: str, header_row: int | None, known: frozenset[str]
) -> tuple[list[str], int]:
    """Return the header names and the CSV rows up to and including the header."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    text = decoder.decode(head, final=len(head) < _SNIFF_BYTES).lstrip("\ufeff")
    if not text.strip():
        msg = f"source file {str(path)!r} is empty: expected a header line."
        raise InputError(msg)
    rows: list[list[str]] = []
    limit = max(_HEADER_SEARCH, header_row or 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    at = _header_position(rows, header_row, known, f"the head of {str(path)!r}")
    if not rows[at]:
        msg = (
            f"row {at + 1} of {str(path)!r} is blank: expected the header there. "
            + _HEADER_HINT
        )
        raise InputError(msg)
    return _numbered(rows[at]), at + 1


def _decode(column: pa.Array, encoding: str) -> pa.Array:
    """Decode a binary column, one Python call per unique value or per column.

    Few distinct values (status, source, category...): decode each once.
    Many: join the column with NUL separators, decode and re-encode the whole
    buffer with the C codec, and split it again in Arrow.
    """
    try:  # ASCII (ids, times, numbers) is valid in every supported encoding
        ascii_text = column.cast(pa.string())
        if pc.all(pc.string_is_ascii(ascii_text)).as_py() is not False:
            return ascii_text
    except pa.ArrowInvalid:
        pass
    encoded = column.dictionary_encode()
    dictionary = encoded.dictionary
    if len(dictionary) * 4 <= len(column):
        words = [v.decode(encoding) for v in dictionary.to_pylist()]
        return pa.array(words, pa.string()).take(encoded.indices)
    filled = pc.fill_null(column, pa.scalar(b"", pa.binary()))
    offsets = pa.array([0, len(filled)], pa.int32())
    joined = pc.binary_join(
        pa.ListArray.from_arrays(offsets, filled), pa.scalar(b"\x00", pa.binary())
    )
    blob = joined[0].as_py().decode(encoding).encode("utf-8")
    text = pa.array([blob], pa.large_binary()).cast(pa.large_string())
    parts = pc.split_pattern(text, "\x00").flatten()
    if len(parts) != len(column):  # a NUL inside a value: decode one by one
        values = [None if v is None else v.decode(encoding) for v in column.to_pylist()]
        return pa.array(values, pa.string())
    return pc.if_else(column.is_valid(), parts, pa.scalar(None, parts.type))


def _read_table(
    path: Path, encoding: str, names: list[str], skip: int
) -> pd.DataFrame | None:
    """Read every column as text with Arrow's CSV reader.

    UTF-8 is parsed as text directly. Other ASCII-compatible encodings (GBK,
    GB18030, Big5...) are parsed as bytes, which is safe because their
    multi-byte characters never contain a comma, quote or line break byte,
    and each column is then decoded (see :func:`_decode`). Returns None when
    a line does not have the header's number of fields (Arrow cannot say
    where; :func:`_read_records` does).
    """
    utf8 = codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}
    kind = pa.string() if utf8 else pa.binary()
    invalid = []

    def skip_invalid(row: Any) -> str:
        invalid.append(row.number)
        return "skip"

    # Arrow decodes a bad row's text as UTF-8 for the handler: for other
    # encodings, a bad row raises and the Python parser takes over
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip),
        parse_options=pacsv.ParseOptions(
            newlines_in_values=True, invalid_row_handler=skip_invalid if utf8 else None
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, kind),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    if invalid:
        return None
    if not utf8:
        table = pa.table(
            [
                _decode(table.column(i).combine_chunks(), encoding)
                for i in range(table.num_columns)
            ],
            names=names,
        )
    frame: pd.DataFrame = table.to_pandas(
        types_mapper=lambda t: (
            STR_DTYPE if t in (pa.string(), pa.large_string()) else None
        )
    )
    return frame


def _read_records(path: Path, encoding: str, names: list[str], skip: int) -> _Loaded:
    """Read a CSV with Python's parser, keeping malformed lines apart.

    The slow path, for files with lines that do not have the header's number
    of fields, and for encodings that are not ASCII-compatible. Each record
    is a data row (blank lines are not); a record whose number of fields
    differs from the header's is a malformed line, reported with its
    physical line number.
    """
    text = path.read_bytes().decode(encoding).lstrip("\ufeff")
    n = len(names)
    good: list[list[str]] = []
    positions: list[int] = []
    bad: list[tuple[int, int, list[str]]] = []  # data-row position, line, fields
    reader = csv.reader(io.StringIO(text, newline=""))
    end = 0
    record = 0
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # e.g. a field beyond the csv module's size limit
            row = [""] * (n + 1)
        end = reader.line_num
        record += 1
        if record <= skip or not row:
            continue
        position = len(positions) + len(bad)
        if len(row) == n:
            positions.append(position)
            good.append(row)
        else:
            bad.append((position, start, row))
    columns = list(zip(*good, strict=True)) if good else [() for _ in names]
    frame = pd.DataFrame(
        {
            name: pd.array([v if v != "" else None for v in values], dtype=STR_DTYPE)
            for name, values in zip(names, columns, strict=True)
        },
        index=pd.Index(positions, dtype=np.int64),
        columns=names,
    )
    if not bad:
        return _Loaded(frame, rows=len(positions))
    cells: list[list[str | None]] = []
    reasons = []
    for _, line, fields in bad:
        cells.append([v if v != "" else None for v in fields[:n]])
        cells[-1] += [None] * (n - len(cells[-1]))
        reason = f"malformed line {line}: expected {n} fields, got {len(fields)}"
        extra = fields[n:]
        if extra:
            shown = ", ".join(repr(v) for v in extra[:_EXTRA_SHOWN])
            reason += f" (extra: {shown}{', ...' if len(extra) > _EXTRA_SHOWN else ''})"
        reasons.append(reason)
    index = pd.Index([p for p, _, _ in bad], dtype=np.int64)
    malformed = pd.DataFrame(
        {
            name: pd.array(list(values), dtype=STR_DTYPE)
            for name, values in zip(names, zip(*cells, strict=True), strict=True)
        },
        index=index,
        columns=names,
    )
    malformed[schema.ROW_NUMBER] = index + 1
    malformed[schema.REASON] = pd.Series(reasons, index=index, dtype="str")
    return _Loaded(frame, malformed=malformed, rows=len(positions) + len(bad))


def _read_csv(
    path: Path, encoding: str | None, header_row: int | None, known: frozenset[str]
) -> _Loaded:
    def read(enc: str) -> _Loaded:
        names, skip = csv_header(path, enc, header_row, known)
        if not enc.lower().startswith(_WIDE_ENCODINGS):
            try:
                frame = _read_table(path, enc, names, skip)
            except pa.ArrowInvalid as err:
                if "invalid UTF8" in str(err):
                    raise
                frame = None  # e.g. a quote never closed: the Python parser
            if frame is not None:
                return _Loaded(frame)
        return _read_records(path, enc, names, skip)

    def fail(enc: str, err: Exception) -> InputError:
        msg = (
            f"could not read {str(path)!r} as a CSV file in {enc}: {err}. "
            "Check that it is a CSV export and pass its encoding, e.g. "
            "encoding='gbk' or encoding='utf-8'."
        )
        return InputError(msg)

    guess = encoding or sniff_encoding(path)
    try:
        codecs.lookup(guess)
    except LookupError as err:
        msg = f"encoding must be a Python codec name, got {guess!r}. Use e.g. 'gbk'."
        raise InputError(msg) from err
    try:
        return read(guess)
    except _CSV_ERRORS as err:
        late_gbk = encoding is None and guess == "utf-8"
        if not late_gbk:
            raise fail(guess, err) from err
    try:  # valid UTF-8 at the start, not further on: a GBK export
        return read("gb18030")
    except _CSV_ERRORS as err:
        both = "UTF-8 or GB18030"
        raise fail(both, err) from err


def _read_excel(
    path: Path, sheet: str | int, header_row: int | None, known: frozenset[str]
) -> pd.DataFrame:
    """Read a sheet, cells as typed in the workbook (text stays text).

    The header is the row ``header_row`` (1-based) or the one found by
    :func:`_find_header`; the rows above it (a title) are skipped.
    """
    grid = pd.read_excel(
        path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl"
    )
    if grid.empty:
        return pd.DataFrame()
    head = [list(r) for r in grid.iloc[:_HEADER_SEARCH].itertuples(index=False)]
    if header_row is not None:
        head = [[]] * len(grid)
    at = _header_position(head, header_row, known, f"the sheet of {str(path)!r}")
    names = _numbered(
        f"Unnamed: {i}" if pd.isna(v) else str(v) for i, v in enumerate(grid.iloc[at])
    )
    body = grid.iloc[at + 1 :].reset_index(drop=True)
    body.columns = pd.Index(names)
    # whole columns of numbers or dates get their type; text stays text
    return body.infer_objects()


def _load(
    source: object,
    encoding: str | None,
    sheet_name: str | int | None,
    layer: str | None,
    header_row: int | None,
    mapping: object,
) -> _Loaded:
    """Return the source as read and its geometry (if it has one)."""
    if isinstance(source, gpd.GeoDataFrame):
        geom = source.geometry if source._geometry_column_name in source else None
        return _Loaded(pd.DataFrame(source), geom)
    if isinstance(source, pd.DataFrame):
        return _Loaded(source)
    if not isinstance(source, str | os.PathLike):
        msg = (
            "source must be a file path, a DataFrame or a GeoDataFrame, "
            f"got {type(source).__name__}."
        )
        raise TypeError(msg)
    path = Path(source)
    if not path.exists():
        msg = f"source file {str(path)!r} does not exist. Check the path."
        raise InputError(msg)
    suffix = path.suffix.lower()
    known = known_headers(mapping)
    if suffix in {".csv", ".txt"}:
        return _read_csv(path, encoding, header_row, known)
    try:
        if suffix in {".xlsx", ".xlsm"}:
            sheet = 0 if sheet_name is None else sheet_name
            return _Loaded(_read_excel(path, sheet, header_row, known))
        if suffix in {".parquet", ".geoparquet"}:
            try:
                gdf = gpd.read_parquet(path)
            except ValueError:
                return _Loaded(pd.read_parquet(path))
            return _Loaded(pd.DataFrame(gdf), gdf.geometry)
        if suffix in {".geojson", ".json", ".gpkg", ".shp", ".fgb"}:
            gdf = gpd.read_file(path, layer=layer)
            return _Loaded(pd.DataFrame(gdf), gdf.geometry)
    except InputError:
        raise
    except _FILE_ERRORS as err:
        raise _unreadable(path, suffix, err, sheet_name, layer) from err
    msg = (
        f"source {str(path)!r} has an unsupported extension {suffix!r}. "
        "Expected .csv, .xlsx, .geojson, .gpkg, .shp, .fgb or .parquet; save an "
        ".xls file as .xlsx."
    )
    raise InputError(msg)


#: What the Excel, Parquet and GDAL readers raise for a broken file, a
#: missing sheet or layer (pyogrio's errors are RuntimeErrors).
_FILE_ERRORS: Final = (
    ValueError,
    KeyError,
    OSError,
    RuntimeError,
    zipfile.BadZipFile,
    pa.ArrowException,
)


def _unreadable(
    path: Path,
    suffix: str,
    err: Exception,
    sheet_name: str | int | None,
    layer: str | None,
) -> InputError:
    """Return the error for a file its reader could not read."""
    if suffix in {".xlsx", ".xlsm"}:
        fix = "Check that it is an Excel workbook"
        if sheet_name is not None:
            fix += f" with a sheet {sheet_name!r} (sheet_name=None: the first)"
    elif suffix in {".parquet", ".geoparquet"}:
        fix = "Check that it is a Parquet or GeoParquet file"
    else:
        fix = f"Check that it is a valid {suffix} file"
        if layer is not None:
            fix += f" with a layer {layer!r} (layer=None: the first)"
    msg = f"could not read source {str(path)!r}: {err}. {fix}."
    return InputError(msg)


# -- columns ----------------------------------------------------------------------


def resolve_columns(
    columns: list[str],
    mapping: Mapping[str, str] | None,
    preset: Preset,
    has_geometry: bool,
) -> tuple[dict[str, str], str]:
    """Return canonical name -> source column, and the preset used."""
    keys = {normalise_word(c): c for c in reversed(columns)}
    if preset == "auto":
        # score each preset by its headers that are not canonical names too
        canonical = {normalise_word(a) for al in CANONICAL_NAMES.values() for a in al}
        scores = {
            name: sum(
                normalise_word(a) in keys and normalise_word(a) not in canonical
                for al in table.values()
                for a in al
            )
            for name, table in _PRESETS.items()
            if name != "canonical"
        }
        best = max(scores, key=lambda k: scores[k])
        used = best if scores[best] > 0 else "canonical"
    else:
        used = preset
    out: dict[str, str] = {}
    taken: set[str] = set()
    if mapping:
        for src, target in mapping.items():
            out[target] = src
            taken.add(src)
    tables = (
        [_PRESETS[used]] if used == "canonical" else [_PRESETS[used], CANONICAL_NAMES]
    )
    for table in tables:
        for target, aliases in table.items():
            if target in out:
                continue
            for alias in aliases:
                col = keys.get(normalise_word(alias))
                if col is not None and col not in taken:
                    out[target] = col
                    taken.add(col)
                    break
    if has_geometry and not (mapping and (LON in mapping.values())):
        out.pop(LON, None)
        out.pop(LAT, None)
    return out, used


# -- cleaning ---------------------------------------------------------------------


#: Whole floats below this are exact integers (2**53).
_EXACT_FLOAT: Final = 9_007_199_254_740_992.0


def _cell_text(value: object) -> object:
    """Return a whole float of a mixed column as its integer (101.0 -> 101)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT:
        return int(value)
    return value


def clean_text(col: pd.Series, *, nfkc: bool = True) -> pd.Series:
    """Return stripped text (str dtype, NA for missing/empty), NFKC if asked."""
    if pd.api.types.is_float_dtype(col.dtype):
        finite = col.dropna().to_numpy(dtype=np.float64)
        whole = bool(np.all(np.mod(finite, 1) == 0))
        if len(finite) and whole and bool(np.all(np.abs(finite) < _EXACT_FLOAT)):
            col = col.astype("Int64")  # ids and codes typed as numbers: 101.0 -> 101
        else:
            col = col.astype(object)
    if col.dtype == object:
        values = [_cell_text(v) for v in col.array]
        col = pd.Series(values, index=col.index, dtype=object)
    if not isinstance(col.dtype, pd.StringDtype):
        col = col.astype("str")
    if nfkc:
        nonascii = ~col.str.isascii().to_numpy(dtype=bool, na_value=True)
        if nonascii.any():
            col = col.copy()
            col[nonascii] = col[nonascii].str.normalize("NFKC")
    col = col.str.strip()
    return col.mask(col == "")


def _shown(series: pd.Series) -> Callable[[npt.NDArray[np.intp]], list[Any]]:
    """Return a function giving the cleaned text of some rows (for reasons)."""
    return lambda rows: clean_text(series.iloc[rows]).tolist()


def _present(col: pd.Series) -> BoolArray:
    return np.array(col.notna(), dtype=bool)  # a writable copy


def _numbers(col: pd.Series) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Return values, present mask and non-numeric mask of a numeric column."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
        col.dtype
    ):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        present = ~np.isnan(values)
        return values, present, np.zeros(len(col), dtype=bool)
    if isinstance(col.dtype, pd.StringDtype):
        # fast path: clean text that Arrow parses as numbers in one go
        raw = pa.array(col.array)
        try:
            parsed = pc.cast(raw, pa.float64())
        except pa.ArrowInvalid:
            parsed = None
        if parsed is not None:
            values = parsed.to_numpy(zero_copy_only=False).astype(np.float64)
            present = raw.is_valid().to_numpy(zero_copy_only=False)
            if np.isfinite(values[present]).all():
                return values, present, np.zeros(len(col), dtype=bool)
    text = clean_text(col)
    arr = pa.array(text.array)
    ok = pc.fill_null(pc.match_substring_regex(arr, _NUMBER_RE), False)
    numbers = pc.cast(pc.if_else(ok, arr, pa.scalar(None, arr.type)), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False).astype(np.float64)
    present = _present(text)
    okn = ok.to_numpy(zero_copy_only=False)
    return values, present, present & ~okn


_NAT: Final = np.iinfo(np.int64).min
_NS: Final = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_DAY_NS: Final = 86_400 * 10**9
_EPOCH: Final = datetime(1970, 1, 1)
#: A leap second (``23:59:60``), which pandas and Arrow roll into the next day.
_LEAP_RE: Final = r"\d:60(?:[.,]\d*)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"
#: Codes of ``_TimeResult.adjusted``.
_AMBIGUOUS_EARLIER: Final = 1
_AMBIGUOUS_LATER: Final = 2
_NONEXISTENT: Final = 3
#: Default plausible window: from this date through tomorrow.
DEFAULT_EARLIEST: Final = "2000-01-01"


@dataclass(frozen=True)
class _Window:
    """Plausible times: ``lo <= t < hi`` in UTC nanoseconds."""

    lo: int
    hi: int
    text: str


@dataclass(frozen=True)
class _TimeResult:
    values: pd.Series  # tz-aware, ns; NaT where missing or bad
    present: BoolArray
    unparseable: BoolArray
    out_of_range: BoolArray
    leap: BoolArray
    adjusted: npt.NDArray[np.int8]  # 0, or a daylight-saving code
    shift: npt.NDArray[np.int64]  # ns a nonexistent time was moved forward


def parse_time_window(time_window: object, tz: str) -> _Window:
    """Return the plausible window in ``tz`` (both ends inclusive dates)."""
    start: Any = None
    end: Any = None
    if time_window is not None:
        start, end = time_window  # type: ignore[misc]
    first = pd.Timestamp(DEFAULT_EARLIEST if start is None else start)
    if end is None:
        today = pd.Timestamp.now(tz=tz).tz_localize(None).normalize()
        last = today + pd.Timedelta(days=1)
    else:
        last = pd.Timestamp(end)
    lo = first.tz_localize(None).normalize() if first.tz is None else first
    hi = (last.tz_localize(None) if last.tz is not None else last).normalize()
    hi = hi + pd.Timedelta(days=1)

    def utc(t: pd.Timestamp) -> int:
        if t.tz is None:
            t = t.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        return int(t.as_unit("ns").value)

    text = f"{first.date()} to {last.date()}"
    return _Window(utc(lo), utc(hi if last.tz is None else last), text)


def check_time_window(time_window: object, tz: str) -> list[str]:
    fix = (
        "Pass time_window=(earliest, latest) as dates, e.g. ('2015-01-01', None) "
        "(None: the default end, 2000-01-01 or tomorrow; [input] time_window in "
        "the TOML)."
    )
    if time_window is not None and (
        not isinstance(time_window, tuple | list) or len(time_window) != 2
    ):
        return [
            f"time_window must be a pair (earliest, latest), got {time_window!r}. {fix}"
        ]
    try:
        window = parse_time_window(time_window, tz)
    except (ValueError, TypeError, OverflowError) as err:
        return [
            f"time_window must hold dates between 1678 and 2261, got "
            f"{time_window!r} ({err}). {fix}"
        ]
    if window.lo >= window.hi:
        return [f"time_window must start before it ends, got {time_window!r}. {fix}"]
    return []


def _as_ns(values: pd.Series) -> tuple[npt.NDArray[np.int64], BoolArray]:
    """Return naive datetime64 values of any unit as ns, and the out-of-range mask."""
    array = np.asarray(values.to_numpy())
    unit = np.datetime_data(array.dtype)[0]
    i8 = array.view(np.int64)
    nat = i8 == _NAT
    factor = _NS.get(unit)
    if factor is None:  # a unit pandas does not produce; go through seconds
        array = array.astype("datetime64[s]")
        i8, factor = array.view(np.int64), _NS["s"]
    if factor == 1:
        return i8.copy(), np.zeros(len(i8), dtype=bool)
    limit = np.iinfo(np.int64).max // factor
    oob = ~nat & (np.abs(np.where(nat, 0, i8)) > limit)
    ok = ~nat & ~oob
    return np.where(ok, np.where(ok, i8, 0) * factor, _NAT), oob


def _localize_ns(
    naive: npt.NDArray[np.int64], tz: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int8], npt.NDArray[np.int64]]:
    """Localize naive ns in ``tz``: UTC ns, daylight-saving codes, gap shifts.

    Ambiguous times (a repeated hour) take the earlier offset, unless the
    file order shows the later one (see :func:`_later_in_fold`); nonexistent
    times (a skipped hour) are read with the offset before the change, i.e.
    moved forward by the gap.
    """
    n = len(naive)
    adjusted = np.zeros(n, dtype=np.int8)
    shift = np.zeros(n, dtype=np.int64)
    local = pd.DatetimeIndex(naive.view("M8[ns]"))
    utc = np.array(
        local.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").asi8, dtype=np.int64
    )
    failed = np.flatnonzero((naive != _NAT) & (utc == _NAT))
    if len(failed) == 0:
        return utc, adjusted, shift
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return utc, adjusted, shift
    later = np.full(n, _NAT, dtype=np.int64)
    for r in failed:
        wall = _EPOCH + timedelta(microseconds=int(naive[r]) // 1000)
        before = wall.replace(fold=0).replace(tzinfo=zone).utcoffset()
        after = wall.replace(fold=1).replace(tzinfo=zone).utcoffset()
        if before is None or after is None or before == after:
            continue
        before_ns = before // timedelta(microseconds=1) * 1000
        after_ns = after // timedelta(microseconds=1) * 1000
        utc[r] = naive[r] - before_ns
        if before > after:  # a repeated hour: fold=0 is the earlier instant
            adjusted[r] = _AMBIGUOUS_EARLIER
            later[r] = naive[r] - after_ns
        else:  # a skipped hour
            adjusted[r] = _NONEXISTENT
            shift[r] = after_ns - before_ns
    folds = np.flatnonzero(adjusted == _AMBIGUOUS_EARLIER)
    if len(folds):
        take = _later_in_fold(naive, utc, folds)
        utc[take] = later[take]
        adjusted[take] = _AMBIGUOUS_LATER
    return utc, adjusted, shift


def _later_in_fold(
    naive: npt.NDArray[np.int64],
    utc: npt.NDArray[np.int64],
    folds: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """Return the ambiguous rows that the file order puts in the later offset.

    Only when the other times of the file are in order (ascending or
    descending): then, within one repeated hour, the rows after the wall
    clock went back (in time order) are the second pass of that hour.
    """
    others = np.ones(len(utc), dtype=bool)
    others[folds] = False
    others &= utc != _NAT
    steps = np.diff(utc[others])
    ascending = bool((steps >= 0).all())
    descending = bool((steps <= 0).all())
    if ascending == descending:  # unordered, or too few times to tell
        return np.zeros(0, dtype=np.intp)
    out: list[int] = []
    days = naive[folds] // _DAY_NS
    for day in np.unique(days):
        rows = folds[days == day]
        if descending:
            rows = rows[::-1]
        values = naive[rows]
        running = np.maximum.accumulate(values)
        went_back = np.flatnonzero(values[1:] < running[:-1])
        if len(went_back):
            out.extend(int(r) for r in rows[went_back[0] + 1 :])
    return np.asarray(out, dtype=np.intp)


def _strptime(arr: pa.Array, fmt: str) -> tuple[npt.NDArray[np.int64], BoolArray]:
    """Parse naive times: ns since the epoch (NaT if not), out-of-range mask."""
    if "%f" in fmt:  # Arrow's strptime has no %f: pandas, on the few rows left
        text = pd.Series(arr.to_pylist(), dtype=object)
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        naive, oob = _as_ns(parsed)
        for r in np.flatnonzero(naive == _NAT):  # too far for pandas?
            value = text.iloc[r]
            try:
                datetime.strptime(str(value), fmt)
            except (TypeError, ValueError):
                continue
            oob[r] = value is not None
        return naive, oob
    stamps = pc.strptime(arr, format=fmt, unit="us", error_is_null=True)
    return _as_ns(pd.Series(stamps.to_numpy(zero_copy_only=False)))


def _times(col: pd.Series, tz: str, window: _Window) -> _TimeResult:
    """Parse a time column: tz-aware ns values and the rows with problems."""
    index = col.index
    col = col.reset_index(drop=True)
    n = len(col)
    leap = np.zeros(n, dtype=bool)
    adjusted = np.zeros(n, dtype=np.int8)
    shift = np.zeros(n, dtype=np.int64)
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        utc, oob = _as_ns(col.dt.tz_convert("UTC").dt.tz_localize(None))
        present = _present(col)
    elif pd.api.types.is_datetime64_dtype(col.dtype):
        naive, oob = _as_ns(col)
        utc, adjusted, shift = _localize_ns(naive, tz)
        present = _present(col)
    else:
        if not isinstance(col.dtype, pd.StringDtype):
            col = clean_text(col)
        arr = pa.array(col.array)
        # fast path: the format of nearly every export, on the text as read
        stamps = pc.strptime(
            arr, format=_TIME_FORMATS[0], unit="ns", error_is_null=True
        )
        naive = np.array(
            stamps.to_numpy(zero_copy_only=False).view(np.int64), dtype=np.int64
        )
        aware = np.full(n, _NAT, dtype=np.int64)
        oob = np.zeros(n, dtype=bool)
        present = _present(col)
        maybe_leap = pc.fill_null(pc.match_substring(arr, ":60"), False)
        if pc.any(maybe_leap).as_py():
            rows = np.flatnonzero(maybe_leap.to_numpy(zero_copy_only=False))
            hit = clean_text(col.iloc[rows]).str.contains(_LEAP_RE, regex=True)
            leap[rows[hit.to_numpy(dtype=bool, na_value=False)]] = True
            naive[leap] = _NAT
        todo = present & (naive == _NAT) & ~leap
        if todo.any():
            rows = np.flatnonzero(todo)
            text = clean_text(col.iloc[rows])
            blank = text.isna().to_numpy(dtype=bool)
            present[rows[blank]] = False
            _times_slow(text[~blank], rows[~blank], naive, aware, oob)
        utc, adjusted, shift = _localize_ns(naive, tz)
        has_offset = aware != _NAT
        utc[has_offset] = aware[has_offset]
    valid = utc != _NAT
    outside = valid & ((utc < window.lo) | (utc >= window.hi))
    out_of_range = oob | outside | leap
    utc = np.where(out_of_range, _NAT, utc)
    stamps_utc = pd.DatetimeIndex(utc.view("M8[ns]")).tz_localize("UTC")
    values = pd.Series(stamps_utc.tz_convert(tz), index=index)
    unparseable = present & (utc == _NAT) & ~out_of_range
    adjusted = np.where(utc == _NAT, 0, adjusted).astype(np.int8)
    return _TimeResult(
        values, present, unparseable, out_of_range, leap, adjusted, shift
    )


def _times_slow(
    text: pd.Series,
    rows: npt.NDArray[np.intp],
    naive: npt.NDArray[np.int64],
    aware: npt.NDArray[np.int64],
    oob: BoolArray,
) -> None:
    """Parse cleaned ``text`` of ``rows`` in the other accepted formats."""
    sub = text.str.replace(r"[/年月]", "-", regex=True)
    sub = sub.str.replace("日", " ", regex=False).str.strip()
    has_offset = sub.str.contains(_AWARE_RE, regex=True).to_numpy(
        dtype=bool, na_value=False
    )
    if has_offset.any():
        values = sub[has_offset]
        parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
        i8, far = _as_ns(pd.Series(parsed).dt.tz_localize(None))
        at = rows[has_offset]
        aware[at] = i8
        oob[at] = far
        for k in np.flatnonzero((i8 == _NAT) & ~far):  # too far for pandas?
            try:
                datetime.fromisoformat(str(values.iloc[k]).replace("Z", "+00:00"))
            except ValueError:
                continue
            oob[at[k]] = True
    rows, sub = rows[~has_offset], sub[~has_offset]
    for fmt in _TIME_FORMATS:
        if len(rows) == 0:
            break
        i8, far = _strptime(pa.array(sub.array), fmt)
        done = (i8 != _NAT) | far
        naive[rows[done]] = i8[done]
        oob[rows[far]] = True
        rows, sub = rows[~done], sub[~done]


class _Factors:
    """A text column factorised once; cleaning and look-ups per unique value.

    Unique values are stripped (and NFKC-normalised if asked); values that
    are empty after stripping count as missing.
    """

    def __init__(self, col: pd.Series, *, nfkc: bool = False) -> None:
        if not isinstance(col.dtype, pd.StringDtype):
            col = clean_text(col, nfkc=nfkc)
        self.index = col.index
        codes, uniques = pd.factorize(col)
        cleaned = [
            (unicodedata.normalize("NFKC", str(u)) if nfkc else str(u)).strip()
            for u in uniques
        ]
        blank = np.array([c == "" for c in cleaned] + [True], dtype=bool)
        self.codes = np.where(blank[codes], -1, codes)  # -1 (missing) stays -1
        self.uniques = cleaned
        self._normalised: list[str] | None = None

    def present(self) -> BoolArray:
        """Return where a non-empty value is present."""
        return np.asarray(self.codes >= 0)

    def values_at(self, rows: npt.NDArray[np.intp]) -> list[str | None]:
        """Return the cleaned values of some rows (None where missing)."""
        return [self.uniques[c] if c >= 0 else None for c in self.codes[rows]]

    def keys(self, normalise: bool) -> list[str]:
        """Return the unique values, normalised with ``normalise_word`` if asked."""
        if not normalise:
            return self.uniques
        if self._normalised is None:
            self._normalised = [normalise_word(u) for u in self.uniques]
        return self._normalised

    def map(
        self, words: Mapping[str, str], *, normalise: bool = True
    ) -> tuple[pd.Series, BoolArray]:
        """Return mapped values (str, NA if missing or unknown) and unknown mask."""
        found = [words.get(k) for k in self.keys(normalise)]
        table = pd.array([*found, None], dtype="str")
        values = pd.Series(table.take(self.codes), index=self.index)  # -1: the NA
        unknown = np.array([v is None for v in found] + [False], dtype=bool)
        return values, unknown[self.codes]


def _constant(values: tuple[str, ...], which: npt.NDArray[np.intp]) -> pd.Series:
    """Return a str Series taking ``values[which[i]]``, without Python objects."""
    return pd.Series(pd.array(list(values), dtype="str").take(which))


# -- validation helpers -------------------------------------------------------------


def validate_read_args(
    mapping: object,
    preset: object,
    coords: object,
    tz: object,
    on_error: object,
    columns: list[str],
) -> list[str]:
    problems: list[str] = []
    if preset not in ("auto", *_PRESETS):
        problems.append(
            f"preset must be 'auto', 'platform', 'open311' or 'canonical', "
            f"got {preset!r}. Leave it at 'auto' to detect it from the headers."
        )
    if on_error not in ("raise", "quarantine"):
        problems.append(
            f"on_error must be 'raise' or 'quarantine', got {on_error!r}. "
            "Use 'quarantine' to keep the good rows and get the bad ones back."
        )
    try:
        source_system(coords)
    except InputError as err:
        problems.append(f"coords: {err}")
    try:
        pd.Timestamp("2026-01-01").tz_localize(str(tz))
    except Exception:
        problems.append(
            f"tz must be an IANA time zone name, got {tz!r}. "
            "Use e.g. tz='Asia/Shanghai'."
        )
    if mapping is not None:
        if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            problems.append(
                "mapping must be a dict of source column -> canonical name, "
                f"got {mapping!r}. Use e.g. mapping={{'发生时间': 'reported_at'}}."
            )
        else:
            wrong = {k: v for k, v in mapping.items() if v not in _TARGETS}
            if wrong:
                problems.append(
                    f"mapping: unknown canonical names {wrong!r}. Map to one of "
                    f"{sorted(_TARGETS)!r}."
                )
            absent = [k for k in mapping if k not in columns]
            if absent:
                problems.append(
                    f"mapping names columns {absent!r} that are not in the source "
                    f"(headers found: {columns!r}). Use the headers exactly as found."
                )
            targets = list(mapping.values())
            twice = sorted({t for t in targets if targets.count(t) > 1})
            if twice:
                problems.append(
                    f"mapping maps several columns to {twice!r}. Map one column "
                    "to each canonical name."
                )
    return problems


def missing_report_columns(found: dict[str, str], has_geometry: bool) -> list[str]:
    missing = [c for c in (schema.REPORT_ID, schema.REPORTED_AT) if c not in found]
    if schema.CATEGORY not in found and schema.CATEGORY_CODE not in found:
        missing.append(schema.CATEGORY)
    if not has_geometry or LON in found or LAT in found:
        missing += [c for c in (LON, LAT) if c not in found]
    return missing


def geometry_to_degrees(geometry: gpd.GeoSeries, system: str) -> gpd.GeoSeries:
    crs = geometry.crs
    if crs is None or crs.to_epsg() == 4326:
        return geometry
    if not crs.is_geographic and system != "wgs84":
        msg = (
            f"coords={system!r} applies to longitude/latitude in degrees, but the "
            f"geometry is in the projected CRS {crs.to_string()!r}. Pass "
            "coords='wgs84' for projected data."
        )
        raise InputError(msg)
    return geometry.to_crs(schema.WGS84)


# -- the reader ---------------------------------------------------------------------


def read_reports(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    preset: Preset = "auto",
    coords: str = "wgs84",
    tz: str = schema.DEFAULT_TZ,
    on_error: OnError = "raise",
    categories: Iterable[Mapping[str, object]] | pd.DataFrame | None = None,
    encoding: str | None = None,
    sheet_name: str | int | None = None,
    layer: str | None = None,
    header_row: int | None = None,
    time_window: tuple[TimeLike | None, TimeLike | None] | None = None,
) -> ReadResult:
    """Read issue reports into the canonical report frame, validating every row.

    The rules (encoding detection, column presets, coordinates, times,
    vocabularies, row problems) are listed in the module docstring of
    :mod:`hotspots.read.reports`.

    Parameters
    ----------
    source
        A path (``.csv``, ``.xlsx``, ``.geojson``/``.json``, ``.gpkg``,
        ``.shp``, ``.fgb``, ``.parquet``) or a DataFrame / GeoDataFrame (not
        modified).
    mapping
        Source column -> canonical name (``report_id``, ``reported_at``,
        ``category``, ``category_code``, ``category_major``, ``status``,
        ``closed_at``, ``source``, ``weight``, ``reopen_count``,
        ``description``, ``address``, ``reporter_name``, ``reporter_phone``,
        ``reporter_id_number``, ``lon``, ``lat``). Wins over the preset.
    preset
        ``"auto"`` (detect from the headers), ``"platform"`` (Chinese
        city-management export), ``"open311"`` or ``"canonical"``.
    coords
        Coordinate system of the input: ``"wgs84"``, ``"gcj02"`` (Amap,
        Tencent) or ``"bd09"`` (Baidu); aliases accepted.
    tz
        IANA time zone of naive times and of the output.
    on_error
        ``"raise"``: one :class:`~hotspots.errors.InputError` listing every
        row problem with its row number. ``"quarantine"``: return the bad
        rows in :attr:`ReadResult.quarantined` with a reason.
    categories
        Local categories (codes and names beyond the national table), a
        DataFrame or list of dicts with ``code``, ``name_zh``, and optional
        ``name_en``, ``weight``, ``group``; see
        :func:`hotspots._core.vocab.category_table`.
    encoding
        CSV encoding; ``None`` detects UTF-8 (with or without BOM) or GB18030.
    sheet_name
        Excel sheet (default: the first).
    layer
        GeoPackage layer (default: the first).
    header_row
        Row of the header in a CSV or Excel file as the file shows it (1 =
        the first row; ``[input] header_row`` in the TOML). ``None`` detects
        it among the first 20 rows (a title row above the header is common).
    time_window
        Plausible times ``(earliest, latest)``, dates in ``tz``, both ends
        inclusive; ``None`` for an end (or for the pair) takes its default,
        2000-01-01 and tomorrow (``[input] time_window`` in the TOML). Times
        outside are quarantined as "time out of range".

    Daylight saving: an ambiguous local time (the repeated autumn hour)
    takes the earlier offset unless the export's time order shows the later
    one; a nonexistent one (the skipped spring hour) is moved forward across
    the gap; both are accepted and flagged in ``time_adjusted``. Text that is
    not a time is quarantined as "unparseable".

    Returns
    -------
    ReadResult
        ``reports``: GeoDataFrame in EPSG:4326 with the canonical columns
        (see :mod:`hotspots._core.schema`), ``time_adjusted`` if a daylight-saving
        time was resolved, then every extra source column, index of the
        source (for a CSV with malformed lines: the 0-based data row);
        ``quarantined``: rejected rows with every source column as read plus
        ``row_number`` and ``reason``; ``rows_read``.

    Raises
    ------
    InputError
        Bad arguments; required columns missing (the message names them, the
        headers found, and how to pass ``mapping=``); with
        ``on_error="raise"``, any row problem (malformed CSV lines
        included); a CSV that cannot be decoded in its encoding.
    TypeError
        When ``source`` is not a path or a frame.

    Examples
    --------
    >>> import pandas as pd
    >>> export = pd.DataFrame({
    ...     "案件编号": ["A1", "A2"],
    ...     "上报时间": ["2026-11-02 08:15:00", "2026-11-02 25:00:00"],
    ...     "问题小类": ["占道经营", "暴露垃圾"],
    ...     "经度": ["120.38", "120.39"],
    ...     "纬度": ["36.07", "36.06"],
    ...     "案件状态": ["已派遣", "已结案"],
    ... })
    >>> result = read_reports(export, coords="gcj02", on_error="quarantine")
    >>> result.reports[["report_id", "category_code", "status"]].values.tolist()
    [['A1', '09006', 'dispatched']]
    >>> result.quarantined["reason"].tolist()
    ["unparseable reported_at '2026-11-02 25:00:00'"]
    """
    return read_canonical(
        source,
        mapping=mapping,
        preset=preset,
        coords=coords,
        tz=tz,
        on_error=on_error,
        categories=categories,
        encoding=encoding,
        sheet_name=sheet_name,
        layer=layer,
        header_row=header_row,
        time_window=time_window,
    ).to_result()


def read_canonical(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    preset: Preset = "auto",
    coords: str = "wgs84",
    tz: str = schema.DEFAULT_TZ,
    on_error: OnError = "raise",
    categories: Iterable[Mapping[str, object]] | pd.DataFrame | None = None,
    encoding: str | None = None,
    sheet_name: str | int | None = None,
    layer: str | None = None,
    header_row: int | None = None,
    time_window: tuple[TimeLike | None, TimeLike | None] | None = None,
) -> Canonical:
    """Read and validate reports, with WGS-84 lon/lat arrays instead of points.

    The whole of :func:`read_reports` (same arguments, same validation,
    quarantine, errors, row order and dtypes) except building the shapely
    Points, about a third of its time: :meth:`Canonical.to_result` adds them.
    Internal: :meth:`hotspots.ledger.Ledger.ingest` reads with it.

    Returns
    -------
    Canonical
        The accepted rows without geometry, their lon/lat, the quarantined
        rows and the rows read.
    """
    if header_row is not None and (
        isinstance(header_row, bool)
        or not isinstance(header_row, int)
        or header_row < 1
    ):
        msg = (
            f"header_row must be a row number >= 1 (1 = the first row of the "
            f"file or sheet) or None to detect the header, got {header_row!r}."
        )
        raise InputError(msg)
    loaded = _load(source, encoding, sheet_name, layer, header_row, mapping)
    raw, geometry = loaded.frame, loaded.geometry
    columns = [str(c) for c in raw.columns]
    problems = validate_read_args(mapping, preset, coords, tz, on_error, columns)
    if not any(p.startswith("tz ") for p in problems):
        problems += check_time_window(time_window, str(tz))
    collect_problems(problems, "read_reports")
    window = parse_time_window(time_window, str(tz))
    system, source_crs = source_system(coords)
    table = category_table(categories)
    found, used = resolve_columns(columns, mapping, preset, geometry is not None)
    missing = missing_report_columns(found, geometry is not None)
    if missing:
        msg = (
            f"read_reports: the source lacks required columns {missing!r} "
            f"(preset {used!r}; headers found: {columns!r}). Name the source "
            "columns with mapping=, e.g. mapping={'发生时间': 'reported_at', "
            "'X坐标': 'lon', 'Y坐标': 'lat'}."
        )
        if isinstance(source, str | os.PathLike):
            msg += " " + _HEADER_HINT
        raise InputError(msg)
    if geometry is not None and LON not in found:
        if geometry.crs is None and source_crs is not None:
            geometry = geometry.set_crs(source_crs)
        geometry = geometry_to_degrees(geometry, system)
        source_crs = None
    else:
        geometry = None
    if loaded.malformed is None:
        return build_result(
            raw, geometry, found, system, str(tz), on_error, table, window, source_crs
        )
    numbers = raw.index.to_numpy(dtype=np.int64) + 1
    result = build_result(
        raw,
        geometry,
        found,
        system,
        str(tz),
        "quarantine",
        table,
        window,
        source_crs,
        numbers,
    )
    quarantined = pd.concat([result.quarantined, loaded.malformed]).sort_index()
    rows = int(loaded.rows or 0)
    if on_error == "raise":
        raise_row_problems(
            quarantined[schema.ROW_NUMBER], quarantined[schema.REASON], rows
        )
    return dataclasses.replace(result, quarantined=quarantined, rows_read=rows)


def source_system(coords: object) -> tuple[str, pyproj.CRS | None]:
    """Split ``coords`` into a Chinese system name and an optional EPSG CRS.

    ``"wgs84"``, ``"gcj02"``, ``"bd09"`` (and aliases) name longitude/latitude
    in that system; ``"EPSG:xxxx"`` names any CRS pyproj knows (e.g. a
    CGCS2000 Gauss-Kruger zone in metres), whose coordinates are transformed to
    WGS-84 first.
    """
    text = str(coords).strip()
    if text.upper().startswith("EPSG:"):
        crs = parse_crs(text, "coords", example="'EPSG:4490' (CGCS2000) or 'EPSG:4547'")
        return "wgs84", crs
    return coord_system(text), None


def build_result(
    raw: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
    found: dict[str, str],
    system: str,
    tz: str,
    on_error: str,
    table: CategoryTable,
    window: _Window,
    source_crs: pyproj.CRS | None = None,
    numbers: npt.NDArray[np.int64] | None = None,
    first_rows: Mapping[str, int] | None = None,
    china_share: float | None = None,
) -> Canonical:
    """Validate and canonicalise the rows of ``raw``: accepted frame and quarantine."""
    # first_rows and china_share come from a pass over the whole source when
    # it is read in partitions (hotspots.compute): the row number of the first
    # occurrence of every repeated id, and the share of points in China
    n = len(raw)
    data = raw.reset_index(drop=True)  # positional work, index restored at the end
    problems = _Problems(n, [])
    out: dict[str, Any] = {}
    if numbers is None:
        numbers = np.arange(1, n + 1, dtype=np.int64)

    # report_id
    ids = clean_text(data[found[schema.REPORT_ID]])
    problems.add(~_present(ids), "missing report_id")
    _duplicates(ids, problems, numbers, first_rows)
    out[schema.REPORT_ID] = ids

    _fill_times_and_status(data, found, tz, window, problems, out)
    _fill_source(data, found, problems, out)
    _categories(data, found, table, problems, out)
    _fill_numbers_and_text(data, found, problems, out)

    # coordinates
    x, y = _coordinates(data, geometry, found, problems, source_crs, china_share)

    # split
    bad = problems.bad()
    bad_rows = np.flatnonzero(bad)
    if on_error == "raise" and len(bad_rows):
        raise_row_problems(numbers[bad_rows], problems.reasons(bad_rows), n)
    good_rows = np.flatnonzero(~bad)
    quarantined = pd.DataFrame(raw.iloc[bad_rows]).copy()
    quarantined[schema.ROW_NUMBER] = numbers[bad_rows]
    quarantined[schema.REASON] = pd.Series(
        problems.reasons(bad_rows), index=quarantined.index, dtype="str"
    )
    gx, gy = convert(x[good_rows], y[good_rows], source=system, target="wgs84")
    frame = _assemble(raw, out, found, good_rows, geometry)
    return Canonical(
        frame=frame,
        lon=np.asarray(gx, dtype=np.float64),
        lat=np.asarray(gy, dtype=np.float64),
        quarantined=quarantined,
        rows_read=n,
    )


def _fill_times_and_status(
    data: pd.DataFrame,
    found: dict[str, str],
    tz: str,
    window: _Window,
    problems: _Problems,
    out: dict[str, Any],
) -> None:
    """Parse reported_at, closed_at and status into ``out``; record their problems."""

    def col(name: str) -> pd.Series | None:
        return data[found[name]] if name in found else None

    shown = _shown
    n = len(data)
    # times
    rep_src = data[found[schema.REPORTED_AT]]
    rep = _times(rep_src, tz, window)
    reported, rep_present = rep.values, rep.present
    problems.add(~rep_present, "missing reported_at")
    _time_problems(rep, schema.REPORTED_AT, window, shown(rep_src), problems)
    out[schema.REPORTED_AT] = reported
    adjusted = [(schema.REPORTED_AT, rep)]
    closed_src = col(schema.CLOSED_AT)
    if closed_src is not None:
        clo = _times(closed_src, tz, window)
        closed = clo.values
        _time_problems(clo, schema.CLOSED_AT, window, shown(closed_src), problems)
        adjusted.append((schema.CLOSED_AT, clo))
    else:
        closed = pd.Series(pd.NaT, index=data.index, dtype=f"datetime64[ns, {tz}]")

    # status
    status_src = col(schema.STATUS)
    if status_src is not None:
        status_f = _Factors(status_src)
        status, unknown = status_f.map(STATUS_WORDS)
        void = np.zeros(n, dtype=bool)
        if unknown.any():
            void_marks, _ = status_f.map(dict.fromkeys(VOID_STATUS_WORDS, "void"))
            void = unknown & void_marks.notna().to_numpy(dtype=bool)
        problems.add(
            void,
            "void report (not a problem on the street), status",
            status_f.values_at,
        )
        problems.add(unknown & ~void, "unknown status", status_f.values_at)
    else:
        status = pd.Series(np.nan, index=data.index, dtype="str")
    if _UPDATED in found and closed_src is None:
        updated_src = data[found[_UPDATED]]
        upd = _times(updated_src, tz, window)
        is_closed = (status == "closed").to_numpy(dtype=bool, na_value=False)
        upd = dataclasses.replace(
            upd,
            unparseable=upd.unparseable & is_closed,
            out_of_range=upd.out_of_range & is_closed,
            adjusted=np.where(is_closed, upd.adjusted, 0).astype(np.int8),
        )
        _time_problems(upd, _UPDATED, window, shown(updated_src), problems)
        adjusted.append((_UPDATED, upd))
        closed = upd.values.where(is_closed)
    closed_present = closed.notna().to_numpy(dtype=bool)
    default = _constant(("open", "closed"), closed_present.astype(np.intp))
    status = status.where(status.notna(), default)
    before = (closed < reported).to_numpy(dtype=bool, na_value=False)
    problems.add(before & closed_present & rep_present, "closed_at before reported_at")
    out[schema.STATUS] = status
    out[schema.CLOSED_AT] = closed
    flags = _adjusted_flags(adjusted)
    if flags is not None:
        out[TIME_ADJUSTED] = flags


def _fill_source(
    data: pd.DataFrame, found: dict[str, str], problems: _Problems, out: dict[str, Any]
) -> None:
    """Map the source column to the known sources into ``out`` ("other" if none)."""

    def col(name: str) -> pd.Series | None:
        return data[found[name]] if name in found else None

    n = len(data)
    # source
    source_src = col(schema.SOURCE)
    if source_src is not None:
        source_f = _Factors(source_src)
        source, unknown_src = source_f.map(SOURCE_WORDS)
        problems.add(unknown_src, "unknown source", source_f.values_at)
        out[schema.SOURCE] = source.fillna("other")
    else:
        out[schema.SOURCE] = _constant(("other",), np.zeros(n, dtype=np.intp))


def _fill_numbers_and_text(
    data: pd.DataFrame, found: dict[str, str], problems: _Problems, out: dict[str, Any]
) -> None:
    """Parse weight and reopen_count and copy the text columns into ``out``."""

    def col(name: str) -> pd.Series | None:
        return data[found[name]] if name in found else None

    shown = _shown
    n = len(data)
    # weight and reopen_count
    default_w = out.pop("_category_weight")
    weight_src = col(schema.WEIGHT)
    if weight_src is not None:
        w, w_present, w_bad = _numbers(weight_src)
        with np.errstate(invalid="ignore"):
            w_bad = w_bad | (w_present & ~(w >= 0))
        problems.add(w_bad, "weight must be a number >= 0, got", shown(weight_src))
        out[schema.WEIGHT] = np.where(w_present & ~w_bad, w, default_w)
    else:
        out[schema.WEIGHT] = default_w
    reopen_src = col(schema.REOPEN_COUNT)
    if reopen_src is not None:
        r, r_present, r_bad = _numbers(reopen_src)
        with np.errstate(invalid="ignore"):
            r_bad = r_bad | (r_present & ~((r >= 0) & (np.mod(r, 1) == 0)))
        problems.add(
            r_bad, "reopen_count must be a whole number >= 0, got", shown(reopen_src)
        )
        out[schema.REOPEN_COUNT] = np.where(r_present & ~r_bad, r, 0).astype(np.int64)
    else:
        out[schema.REOPEN_COUNT] = np.zeros(n, dtype=np.int64)

    for name in _TEXT_COLUMNS:
        src = col(name)
        if src is not None:
            is_text = isinstance(src.dtype, pd.StringDtype)
            out[name] = src if is_text else clean_text(src, nfkc=False)


def _time_problems(
    result: _TimeResult,
    name: str,
    window: _Window,
    values: Values,
    problems: _Problems,
) -> None:
    """Record the unparseable and out-of-range times of one column."""
    problems.add(result.unparseable, f"unparseable {name}", values)
    problems.add(
        result.out_of_range & ~result.leap,
        f"time out of range (plausible: {window.text}): {name}",
        values,
    )
    problems.add(result.leap, f"time out of range (a leap second, :60): {name}", values)


def _adjusted_flags(columns: list[tuple[str, _TimeResult]]) -> pd.Series | None:
    """Return the ``time_adjusted`` text of each row, or None if none was."""
    if not any(r.adjusted.any() for _, r in columns):
        return None
    n = len(columns[0][1].adjusted)
    parts: list[list[str]] = [[] for _ in range(n)]
    for name, result in columns:
        for r in np.flatnonzero(result.adjusted):
            code = result.adjusted[r]
            if code == _AMBIGUOUS_EARLIER:
                text = "ambiguous (repeated hour), took the earlier offset"
            elif code == _AMBIGUOUS_LATER:
                text = "ambiguous (repeated hour), took the later offset (file order)"
            else:
                gap = pd.Timedelta(int(result.shift[r]), unit="ns")
                text = f"nonexistent (skipped hour), moved forward by {gap}"
            parts[r].append(f"{name} {text}")
    flags = [("; ".join(p) if p else None) for p in parts]
    return pd.Series(pd.array(flags, dtype="str"))


def _duplicates(
    ids: pd.Series,
    problems: _Problems,
    numbers: npt.NDArray[np.int64],
    first_rows: Mapping[str, int] | None = None,
) -> None:
    """Flag every occurrence of an id after its first (in file order).

    ``first_rows`` (id -> row number of its first occurrence in the whole
    source) replaces the search within ``ids`` when they are one partition.
    """
    if first_rows is not None:
        first_of = ids.map(first_rows).to_numpy(dtype=np.float64, na_value=np.nan)
        dup_of = ~np.isnan(first_of) & (first_of != numbers)
        if dup_of.any():
            at = np.flatnonzero(dup_of)
            text_of = np.full(len(ids), "", dtype=object)
            text_of[at] = [
                f"{i!r} (first in row {int(r)})"
                for i, r in zip(ids.iloc[at], first_of[at], strict=True)
            ]
            problems.add(
                dup_of,
                "duplicate report_id",
                pd.Series(text_of, dtype=object),
                quote=False,
            )
        return
    values = pa.array(ids.array)
    if len(pc.unique(values)) == len(values):  # fast path: no duplicate at all
        return
    codes, _ = pd.factorize(ids)
    valid = codes >= 0
    running = np.maximum.accumulate(np.where(valid, codes, -1))
    previous = np.concatenate(([-1], running[:-1]))
    # factorize numbers ids in order of first appearance
    first = valid & (codes > previous)
    dup = valid & ~first
    if not dup.any():
        return
    first_row = numbers[np.flatnonzero(first)]  # row of the first occurrence of code k
    where = np.flatnonzero(dup)
    labels = np.full(len(ids), "", dtype=object)
    labels[where] = [
        f"{i!r} (first in row {r})"
        for i, r in zip(ids.iloc[where], first_row[codes[where]], strict=True)
    ]
    text = pd.Series(labels, dtype=object)
    problems.add(dup, "duplicate report_id", text, quote=False)


def _categories(
    data: pd.DataFrame,
    found: dict[str, str],
    table: CategoryTable,
    problems: _Problems,
    out: dict[str, Any],
) -> None:
    """Resolve name, code, major class and weight once per distinct combination."""
    n = len(data)
    factors = []
    for column, nfkc in (
        (schema.CATEGORY, False),
        (schema.CATEGORY_CODE, True),
        (schema.CATEGORY_MAJOR, False),
    ):
        source = found.get(column)
        factors.append(None if source is None else _Factors(data[source], nfkc=nfkc))
    codes = [f.codes if f is not None else np.full(n, -1) for f in factors]
    sizes = [len(f.uniques) + 1 if f is not None else 1 for f in factors]
    combined = (codes[0] + 1) * (sizes[1] * sizes[2]) + (codes[1] + 1) * sizes[2]
    combined += codes[2] + 1
    which, keys = pd.factorize(combined)

    def part(k: int, key: int) -> str | None:
        f = factors[k]
        divisor = sizes[2] if k == 1 else (sizes[1] * sizes[2] if k == 0 else 1)
        index = (key // divisor) % sizes[k] - 1
        return None if f is None or index < 0 else f.uniques[index]

    rows: list[tuple[str | None, str | None, str | None, float, int]] = []
    for key in keys:
        name, code, major = part(0, key), part(1, key), part(2, key)
        name_key = normalise_word(name) if name is not None else ""
        if code is None and name is not None:
            code = table.name_to_code.get(name_key)
        if name is None and code is not None:
            name = table.code_to_name.get(code)
        problem = 0 if name is not None else (2 if code is not None else 1)
        if major is not None:
            major = table.major_names.get(normalise_word(major), major)
        elif code is not None and code in table.code_to_major:
            major = table.code_to_major[code]
        elif name is not None:
            major = table.major_names.get(name_key)
        weight = table.code_to_weight.get(code, 1.0) if code is not None else 1.0
        rows.append((name, code, major, weight, problem))
    names, codes_, majors, weights, flags = (
        zip(*rows, strict=True) if rows else ((), (), (), (), ())
    )
    flag = np.asarray(flags, dtype=np.int8)[which] if rows else np.zeros(0, np.int8)
    problems.add(flag == 1, "empty category")
    if (flag == 2).any():
        code_text = factors[1].values_at if factors[1] is not None else None
        problems.add(
            flag == 2,
            "empty category (no name, and the code is not in the code table):",
            code_text,
        )

    def take(values: tuple[str | None, ...]) -> pd.Series:
        return pd.Series(pd.array([*values, None], dtype="str").take(which))

    out[schema.CATEGORY] = take(names)
    out[schema.CATEGORY_CODE] = take(codes_)
    out[schema.CATEGORY_MAJOR] = take(majors)
    out["_category_weight"] = np.asarray(weights, dtype=np.float64)[which]


def _coordinates(
    raw: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
    found: dict[str, str],
    problems: _Problems,
    source_crs: pyproj.CRS | None = None,
    china_share: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    x, y, numeric = _raw_xy(raw, geometry, found, problems, source_crs)
    with np.errstate(invalid="ignore"):
        out_range = numeric & ~((np.abs(x) <= 180.0) & (np.abs(y) <= 90.0))
        in_box = _in_china(x, y)
        in_box_swapped = _in_china(y, x)
        lat_too_big = np.abs(y) > 90.0
    if china_share is None:
        china_share = in_box[numeric].mean() if numeric.any() else 0.0
    swapped = numeric & ~in_box & in_box_swapped & (lat_too_big | (china_share >= 0.5))

    def xy(rows: npt.NDArray[np.intp]) -> list[str]:
        return [f"(lon={x[r]:g}, lat={y[r]:g})" for r in rows]

    problems.add(swapped, "longitude and latitude look swapped", xy, quote=False)
    problems.add(out_range & ~swapped, "coordinates out of range", xy, quote=False)
    return x, y


def _in_china(x: FloatArray, y: FloatArray) -> BoolArray:
    x0, y0, x1, y1 = CHINA_BBOX
    with np.errstate(invalid="ignore"):
        return np.asarray((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))


def china_counts(
    raw: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
    found: dict[str, str],
    source_crs: pyproj.CRS | None = None,
) -> tuple[int, int]:
    """Return (rows with numeric coordinates, of which inside China's box)."""
    x, y, numeric = _raw_xy(raw, geometry, found, _Problems(len(raw), []), source_crs)
    return int(numeric.sum()), int(_in_china(x, y)[numeric].sum())


def _raw_xy(
    raw: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
    found: dict[str, str],
    problems: _Problems,
    source_crs: pyproj.CRS | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Return x, y and which rows have numeric coordinates; record why not."""
    n = len(raw)
    if geometry is None:
        lon_src, lat_src = raw[found[LON]], raw[found[LAT]]
        x, x_present, x_bad = _numbers(lon_src)
        y, y_present, y_bad = _numbers(lat_src)
        if source_crs is not None:
            to_wgs84 = pyproj.Transformer.from_crs(
                source_crs, schema.WGS84, always_xy=True
            )
            with np.errstate(invalid="ignore"):
                x, y = to_wgs84.transform(x, y, errcheck=False)
            x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        missing = ~(x_present & y_present)
        problems.add(missing, "missing coordinates")
        problems.add(x_bad, "non-numeric longitude", _shown(lon_src))
        problems.add(y_bad, "non-numeric latitude", _shown(lat_src))
    else:
        geoms = geometry.array
        empty = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        kinds = np.asarray(shapely.get_type_id(geoms))
        not_point = ~empty & (kinds != 0)
        problems.add(empty, "missing coordinates")
        problems.add(
            not_point,
            "geometry is not a Point:",
            pd.Series(kinds).map(_GEOM_NAMES),
        )
        point = ~empty & ~not_point
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        x[point] = shapely.get_x(geoms[point])
        y[point] = shapely.get_y(geoms[point])
        x_bad = y_bad = np.zeros(n, dtype=bool)
        missing = empty | not_point
    numeric = ~missing & ~x_bad & ~y_bad
    return x, y, numeric


_GEOM_NAMES: Final = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def raise_row_problems(numbers: Iterable[int], reasons: Iterable[str], n: int) -> None:
    lines = [f"row {r}: {reason}" for r, reason in zip(numbers, reasons, strict=True)]
    shown = "\n".join(f"  - {line}" for line in lines[:_MAX_LISTED])
    more = len(lines) - _MAX_LISTED
    tail = (
        f"\n  ... and {more} more rows (all in the error's .problems)"
        if more > 0
        else ""
    )
    msg = (
        f"read_reports: {len(lines)} of {n} rows have problems (row numbers are "
        f"1-based data rows):\n{shown}{tail}\nFix these rows, or pass "
        "on_error='quarantine' to keep the good rows and get the bad ones back "
        "with a reason."
    )
    raise InputError(msg, lines)


def _assemble(
    raw: pd.DataFrame,
    out: dict[str, pd.Series | np.ndarray[Any, Any]],
    found: dict[str, str],
    rows: npt.NDArray[np.intp],
    geometry: gpd.GeoSeries | None,
) -> pd.DataFrame:
    index = raw.index[rows]
    everything = len(rows) == len(raw)

    def take(values: Any) -> Any:
        if everything:
            if not isinstance(values, pd.Series):
                return values
            array = values.array
            # Arrow arrays are immutable: share them; copy the others, so
            # that the reports never share a writable buffer with the input
            immutable = isinstance(array, _ARROW_ARRAYS)
            return array if immutable else array.copy()
        if isinstance(values, pd.Series):
            return values.array.take(rows)
        return values[rows]

    columns: dict[str, Any] = {}
    for name in (*_OUTPUT_ORDER, TIME_ADJUSTED):
        if name not in out:
            continue
        columns[name] = take(out[name])
    consumed = {v for k, v in found.items() if k != _UPDATED}
    if geometry is not None:
        consumed.add(str(geometry.name))
    for column in raw.columns:
        if column in consumed:
            continue
        name = str(column)
        if name in columns or name == schema.GEOMETRY:
            name = f"{name}_original"
        columns[name] = take(raw[column])
    return pd.DataFrame(columns, index=index, copy=False)
