"""The case ledger: every report ever ingested, its history and its current state.

Cities keep a standing ledger of cases (清单化问题台账). :class:`Ledger` keeps
it for ``hotspots``: every export is ingested in one transaction, upserted by
``report_id``; every accepted row is kept as a snapshot in the case's history
and every quarantined row is kept too, so nothing read is ever lost.

Rules, in one place
-------------------
Export time of a batch
    The ``exported_at`` argument; else a time stated in the file name; else
    the time of ingest. In a file name the *last* of these wins: a date
    ``YYYYMMDD``, ``YYYY-MM-DD`` or ``YYYY_MM_DD`` (00:00 that day), or an ISO
    week ``YYYYWww`` / ``YYYY-Www`` (with an optional range ``2026W32-W47``,
    whose end counts) meaning the export made when the week ended: the
    Monday 00:00 after it. Times without a zone are in the ledger's time
    zone (``tz`` of the first ingest, default Asia/Shanghai).
Current state
    A case's current state is its snapshot with the latest export time; among
    snapshots of the same export time, the one ingested last. An older export
    ingested after a newer one adds its snapshots to the history but does not
    change the current state. ``reports(as_of=t)`` applies the same rule to
    the snapshots exported up to ``t``.
Counts of an ingest
    ``inserted``: cases new to the ledger; ``updated``: cases whose current
    state changed; ``unchanged``: accepted rows that changed no current state
    (same content, or an older export); ``quarantined``: rejected rows.
    ``rows_read = inserted + updated + unchanged + quarantined``.
Idempotence
    A source is recognised by the SHA-256 of its bytes (of its content for a
    frame) and the read options: ingesting it again writes nothing and returns
    the first ingest's batch with every accepted row counted ``unchanged``.
Bad input (the ledger is left unchanged)
    A case already in the ledger at other coordinates (more than about 1 cm
    away): :class:`~hotspots.errors.InputError`. An export whose source
    columns map differently from the previous batch (a column missing, or
    another header used for a canonical column): ``InputError``, unless
    ``accept_mapping_change=True``.
Storage
    Embedded DuckDB file (longitude/latitude as doubles) or PostgreSQL with
    PostGIS (plus a ``geometry(Point, 4326)`` column with a GiST index), see
    :mod:`hotspots.ledger.backends`. Extra source columns are stored as JSON
    text and come back as text. Quarantined rows are stored with their source
    columns as read, personal data masked (reporter names, phones and ID
    numbers blanked; phone and ID numbers in any text masked by
    :func:`hotspots._core.privacy.mask_personal`).
    A case's current snapshot is its row of ``cases``; ``snapshots`` holds the
    others (the superseded ones, and those of older exports ingested late), so
    each ingested row is written once: the history is the union of the two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .._core import schema
from .._core.objects import collector_paused, points
from .._core.outputs import atomic_write
from .._core.privacy import mask_personal
from .._core.validate import require_local_time
from ..errors import InputError, LedgerError
from ..read.reports import (
    CANONICAL_NAMES,
    PLATFORM_COLUMNS,
    Canonical,
    read_canonical,
)
from .backends import Backend, connect, point_ewkb

__all__ = ["SCHEMA_VERSION", "IngestResult", "Ledger", "export_time_from_name"]

#: Schema version this package writes; older ledgers are migrated on open.
SCHEMA_VERSION: Final = 3
#: Two coordinates closer than this (degrees, about 1 cm) are the same place.
_SAME_PLACE_DEG: Final = 1e-7
_MASK: Final = "***"

#: Report columns the ledger stores, in the canonical frame's order, and types.
_COLUMNS: Final[dict[str, pa.DataType]] = {
    schema.REPORT_ID: pa.string(),
    schema.REPORTED_AT: pa.timestamp("us", tz="UTC"),
    schema.CATEGORY: pa.string(),
    schema.CATEGORY_CODE: pa.string(),
    schema.CATEGORY_MAJOR: pa.string(),
    schema.STATUS: pa.string(),
    schema.CLOSED_AT: pa.timestamp("us", tz="UTC"),
    schema.SOURCE: pa.string(),
    schema.WEIGHT: pa.float64(),
    schema.REOPEN_COUNT: pa.int64(),
    schema.DESCRIPTION: pa.string(),
    schema.ADDRESS: pa.string(),
    schema.REPORTER_NAME: pa.string(),
    schema.REPORTER_PHONE: pa.string(),
    schema.REPORTER_ID_NUMBER: pa.string(),
    "lon": pa.float64(),
    "lat": pa.float64(),
}
_SQL_TYPES: Final = {
    pa.string(): "TEXT",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.float64(): "DOUBLE PRECISION",
    pa.int64(): "BIGINT",
}
_DATA: Final = tuple(_COLUMNS)
_VALUES: Final = tuple(c for c in _DATA if c != schema.REPORT_ID)
_ALWAYS: Final = (
    schema.REPORT_ID,
    schema.REPORTED_AT,
    schema.CATEGORY,
    schema.CATEGORY_CODE,
    schema.STATUS,
    schema.CLOSED_AT,
    schema.SOURCE,
    schema.WEIGHT,
)
#: Columns filled by :func:`hotspots.spatial.join.assign` and cached per boundary set.
_ASSIGNED: Final[dict[str, pa.DataType]] = {
    schema.GRID_ID: pa.string(),
    schema.SEGMENT_ID: pa.string(),
    schema.STREET_NAME: pa.string(),
    schema.STREET_DISTANCE_M: pa.float64(),
    schema.DISTRICT_ID: pa.string(),
    schema.SUBDISTRICT_ID: pa.string(),
    schema.COMMUNITY_ID: pa.string(),
}
#: The columns of a snapshot (the same in ``snapshots`` and ``cases``).
_SNAPSHOT_COLUMNS: Final = (
    f"batch_id, row_number, exported_at, {', '.join(_DATA)}, extra"
)
#: Every snapshot: the superseded and older ones, and the current states.
_ALL_SNAPSHOTS: Final = (
    f"(SELECT {_SNAPSHOT_COLUMNS} FROM snapshots "
    f"UNION ALL SELECT {_SNAPSHOT_COLUMNS} FROM cases)"
)
_PRIVATE_HEADERS: Final = frozenset(
    h.casefold()
    for c in schema.PRIVATE_COLUMNS
    for h in (*PLATFORM_COLUMNS.get(c, ()), *CANONICAL_NAMES.get(c, (c,)))
)


def _data_ddl(json_type: str) -> str:
    cols = ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in _COLUMNS.items())
    return f"{cols}, extra {json_type}"


def _migrations(backend: Backend) -> dict[int, list[str]]:
    """Statements that bring a ledger from version ``n - 1`` to ``n``."""
    data = _data_ddl(backend.json_type)
    return {
        1: [
            "CREATE TABLE ledger_version (version INTEGER NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL)",
            "CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE batches (batch_id BIGINT PRIMARY KEY, source_file TEXT "
            "NOT NULL, content_hash TEXT NOT NULL UNIQUE, exported_at TIMESTAMPTZ "
            "NOT NULL, ingested_at TIMESTAMPTZ NOT NULL, rows_read BIGINT NOT NULL,"
            " inserted BIGINT NOT NULL, updated BIGINT NOT NULL, unchanged BIGINT "
            "NOT NULL, quarantined BIGINT NOT NULL, columns TEXT NOT NULL)",
            f"CREATE TABLE snapshots (batch_id BIGINT NOT NULL, row_number BIGINT "
            f"NOT NULL, exported_at TIMESTAMPTZ NOT NULL, {data})",
            *backend.snapshot_index_ddl,
            f"CREATE TABLE cases (batch_id BIGINT NOT NULL, exported_at "
            f"TIMESTAMPTZ NOT NULL, {data}{backend.case_key_ddl})",
            *backend.case_geometry_ddl,
            "CREATE TABLE quarantine (batch_id BIGINT NOT NULL, row_number BIGINT "
            "NOT NULL, reason TEXT NOT NULL, data TEXT NOT NULL)",
        ],
        # version 2: the boundary-work cache
        2: [
            "CREATE TABLE boundary_sets (boundary_key TEXT PRIMARY KEY, "
            "created_at TIMESTAMPTZ NOT NULL, settings TEXT NOT NULL)",
            "CREATE TABLE assignments (boundary_key TEXT NOT NULL, report_id TEXT "
            "NOT NULL, "
            + ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in _ASSIGNED.items())
            + ", PRIMARY KEY (boundary_key, report_id))",
        ],
        # version 3: a case's current snapshot lives only in `cases` (with its
        # row number); `snapshots` keeps the superseded and the older ones
        3: [
            "ALTER TABLE cases ADD COLUMN row_number BIGINT",
            "UPDATE cases SET row_number = s.row_number FROM snapshots s WHERE "
            "s.batch_id = cases.batch_id AND s.report_id = cases.report_id",
            "DELETE FROM snapshots WHERE EXISTS (SELECT 1 FROM cases c WHERE "
            "c.batch_id = snapshots.batch_id AND c.report_id = snapshots.report_id)",
            *backend.point_column_ddl,
        ],
    }


def migrate(backend: Backend, *, target: int = SCHEMA_VERSION) -> int:
    """Create or upgrade the ledger schema to ``target`` in one transaction.

    Parameters
    ----------
    backend
        An open backend.
    target
        The version to reach (tests create older ledgers with it).

    Returns
    -------
    int
        The version found before migrating (0 for a new ledger).

    Raises
    ------
    LedgerError
        When the ledger is newer than this package.
    """
    with backend.transaction():
        backend.lock_for_write()
        found = 0
        if backend.table_exists("ledger_version"):
            found = int(backend.query("SELECT max(version) FROM ledger_version")[0][0])
        if found > SCHEMA_VERSION:
            msg = (
                f"the ledger {backend.location} has schema version {found}, newer "
                f"than this hotspots reads ({SCHEMA_VERSION}); upgrade hotspots "
                "(pip install -U hotspots) to use it."
            )
            raise LedgerError(msg)
        steps = _migrations(backend)
        now = _utcnow()
        for version in range(found + 1, target + 1):
            for statement in steps[version]:
                backend.execute(statement)
            backend.execute("INSERT INTO ledger_version VALUES (?, ?)", [version, now])
    return found


@dataclass(frozen=True)
class IngestResult:
    """What one :meth:`Ledger.ingest` did.

    Attributes
    ----------
    rows_read
        Data rows in the source.
    inserted
        Cases new to the ledger.
    updated
        Cases whose current state changed.
    unchanged
        Accepted rows that changed no current state.
    quarantined
        Rows rejected by the :func:`~hotspots.read.reports.read_reports` rules (kept in
        the ledger, see :meth:`Ledger.quarantined`).
    batch_id
        The batch the rows belong to (the earlier batch when the same source
        was ingested before).
    """

    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    batch_id: int

    @property
    def balanced(self) -> bool:
        """Whether rows read = inserted + updated + unchanged + quarantined."""
        total = self.inserted + self.updated + self.unchanged + self.quarantined
        return self.rows_read == total


@dataclass(frozen=True)
class _BatchSql:
    """SQL fragments that write the staged rows of a batch into the cases."""

    #: The extra columns as one JSON object (``NULL`` without extras).
    extra_sql: str
    #: The stage's data columns (``s.report_id, ...``).
    data: str
    #: The columns of a case state (snapshots and cases).
    columns: str
    #: The point column (PostgreSQL) and its expression, or empty strings.
    point: str
    point_sql: str
    #: Columns and values of a new case (with the point column, if any).
    new_columns: str
    new_data: str


def _batch_sql(backend: Backend, extras: Sequence[str]) -> _BatchSql:
    """Return the SQL fragments of a batch with these extra columns."""
    extra_sql = (
        backend.json_object([(e, f"s.x{i}") for i, e in enumerate(extras)])
        if extras
        else "NULL"
    )
    data = ", ".join(f"s.{c}" for c in _DATA)
    columns = f"batch_id, exported_at, row_number, {', '.join(_DATA)}, extra"
    # the point column (PostgreSQL) follows lon/lat
    point, point_sql = backend.point_column or ("", "")
    new_columns = f"{columns}, {point}" if point else columns
    new_data = f"{data}, {extra_sql}" + (f", {point_sql}" if point else "")
    return _BatchSql(extra_sql, data, columns, point, point_sql, new_columns, new_data)


class Ledger:
    """The case ledger: every report ingested, its history and current state.

    Open it with :meth:`open` (or as a context manager); the rules are listed
    in the module docstring of :mod:`hotspots.ledger.store`.

    Parameters
    ----------
    backend
        An open backend from :func:`hotspots.ledger.backends.connect`; use
        :meth:`open` instead.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> export = pd.DataFrame({
    ...     "案件编号": ["A1", "A2"],
    ...     "上报时间": ["2026-11-02 08:15:00", "2026-11-02 09:00:00"],
    ...     "问题小类": ["占道经营", "暴露垃圾"],
    ...     "经度": ["120.38", "120.39"], "纬度": ["36.07", "36.06"],
    ...     "案件状态": ["已派遣", "已结案"],
    ... })
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.duckdb"
    >>> with Ledger.open(path) as ledger:
    ...     result = ledger.ingest(export, exported_at="2026-11-03")
    ...     (result.inserted, len(ledger.reports()))
    (2, 2)
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    # -- opening ------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        url: str | os.PathLike[str],
        *,
        lock_timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
    ) -> Ledger:
        """Open (creating or migrating) the ledger at ``url``.

        Parameters
        ----------
        url
            A file path (DuckDB, created when absent, e.g. ``ledger.duckdb``)
            or ``postgresql://user@host:port/dbname`` (PostgreSQL with
            PostGIS; the password from ``PGPASSWORD`` or ``~/.pgpass``).
        lock_timeout_s
            DuckDB: seconds to wait while another process holds the file.
        connect_timeout_s
            PostgreSQL: seconds to try to reach the server.

        Returns
        -------
        Ledger
            The open ledger; close it with :meth:`close` or a ``with`` block.

        Raises
        ------
        LedgerError
            Unreachable server, file held by another process, not a ledger, or
            a ledger of a newer schema version.
        """
        for name, value in (
            ("lock_timeout_s", lock_timeout_s),
            ("connect_timeout_s", connect_timeout_s),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                msg = f"{name} must be a number of seconds, got {value!r}."
                raise TypeError(msg)
        backend = connect(
            os.fspath(url),
            lock_timeout_s=float(lock_timeout_s),
            connect_timeout_s=float(connect_timeout_s),
        )
        try:
            migrate(backend)
        except BaseException:
            backend.close()
            raise
        return cls(backend)

    def close(self) -> None:
        """Close the connection (and, for DuckDB, release the file)."""
        self._backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def backend(self) -> str:
        """``"duckdb"`` or ``"postgresql"``."""
        return self._backend.name

    @property
    def schema_version(self) -> int:
        """The schema version of the open ledger."""
        return int(self._backend.query("SELECT max(version) FROM ledger_version")[0][0])

    @property
    def tz(self) -> str:
        """Time zone of the ledger's frames (of its first ingest)."""
        rows = self._backend.query("SELECT value FROM ledger_meta WHERE key = 'tz'")
        return str(rows[0][0]) if rows else schema.DEFAULT_TZ

    def size_bytes(self) -> int:
        """Bytes the ledger takes on disk (DuckDB file, or PostgreSQL tables)."""
        return self._backend.size_bytes()

    # -- ingest -------------------------------------------------------------------
    def ingest(
        self,
        source: str | os.PathLike[str] | pd.DataFrame,
        *,
        exported_at: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        accept_mapping_change: bool = False,
        **read_options: Any,
    ) -> IngestResult:
        """Ingest one export as one batch, in one transaction.

        Parameters
        ----------
        source
            A path or frame, read by :func:`hotspots.read.reports.read_reports` with
            ``on_error="quarantine"``.
        exported_at
            When the export was made; default from the file name, else now
            (see the module docstring). Naive times are in the ledger's zone.
        accept_mapping_change
            Accept an export whose source columns map differently from the
            previous batch.
        **read_options
            Passed to :func:`~hotspots.read.reports.read_reports` (``mapping``,
            ``preset``, ``coords``, ``tz``, ``categories``, ``encoding``,
            ``sheet_name``, ``layer``).

        Returns
        -------
        IngestResult
            The counts and the batch id.

        Raises
        ------
        InputError
            Bad arguments, unreadable source (as ``read_reports``), cases
            already in the ledger at other coordinates, or a changed column
            mapping; the ledger is unchanged.
        """
        if "on_error" in read_options:
            msg = (
                "ingest: on_error cannot be chosen: the ledger always "
                "quarantines bad rows (see Ledger.quarantined()). Drop on_error=."
            )
            raise InputError(msg)
        tz = str(read_options.get("tz", self.tz))
        name = _source_name(source)
        when = _export_time(exported_at, name, tz)
        key = _content_hash(source, read_options)
        done = self._batch_by_hash(key)
        if done is not None:
            return done
        # the rows of read_reports without its shapely Points: lon/lat are stored
        result = read_canonical(source, on_error="quarantine", **read_options)
        mapping = _mapping_signature(result.frame, result.quarantined)
        stage, extras = _stage_table(result)
        backend = self._backend
        with backend.transaction():
            backend.lock_for_write()
            done = self._batch_by_hash(key)
            if done is not None:  # another process ingested it meanwhile
                return done
            self._check_mapping(mapping, accept_mapping_change, name)
            batch = int(
                backend.query("SELECT coalesce(max(batch_id), 0) + 1 FROM batches")[0][
                    0
                ]
            )
            # the database writes the cases while this thread masks the
            # quarantined rows (the connection is used by one thread at a time)
            with ThreadPoolExecutor(max_workers=1) as pool:
                writing = pool.submit(self._write_cases, stage, extras, batch, when)
                quarantine = _quarantine_table(result.quarantined)
                counts = writing.result()
            backend.load("quarantine", _with_batch(quarantine, batch))
            row = (
                batch,
                name,
                key,
                when,
                _utcnow(),
                result.rows_read,
                *counts,
                len(quarantine),
                json.dumps({**mapping, "extras": extras}, ensure_ascii=False),
            )
            backend.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row
            )
            if not backend.query("SELECT 1 FROM ledger_meta WHERE key = 'tz'"):
                backend.execute("INSERT INTO ledger_meta VALUES ('tz', ?)", [tz])
        return IngestResult(result.rows_read, *counts, len(quarantine), batch)

    def _write_cases(
        self, stage: pa.Table, extras: Sequence[str], batch: int, when: pd.Timestamp
    ) -> tuple[int, int, int]:
        """Write the accepted rows of a batch; return (inserted, updated, same)."""
        backend = self._backend
        if backend.stage_copies and not backend.query("SELECT 1 FROM cases LIMIT 1"):
            # an empty ledger: load the cases directly
            point = backend.point_column[0] if backend.point_column else None
            backend.load_empty("cases", _case_table(stage, extras, batch, when, point))
            return len(stage), 0, 0
        stage_cols = ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in _COLUMNS.items())
        extra_cols = "".join(f", x{i} TEXT" for i in range(len(extras)))
        with backend.staged(
            "stage", stage, f"row_number BIGINT, {stage_cols}{extra_cols}"
        ):
            return self._write_batch(batch, when, extras, len(stage))

    def _write_batch(
        self, batch: int, when: pd.Timestamp, extras: Sequence[str], accepted: int
    ) -> tuple[int, int, int]:
        """Write the staged rows into the cases; return (inserted, updated, same)."""
        backend = self._backend
        known = self._known_in_stage()
        sql = _batch_sql(backend, extras)
        if not known:  # all new (an empty ledger, or new cases only): no upsert
            backend.execute(
                f"INSERT INTO cases ({sql.new_columns}) SELECT ?, ?, s.row_number, "
                f"{sql.new_data} FROM stage s",
                [batch, when],
            )
            return accepted, 0, 0
        # report_id is unique in the stage (read_reports quarantines repeats)
        inserted = accepted - known
        updated = self._upsert_stage(batch, when, sql)
        return inserted, updated, accepted - inserted - updated

    def _known_in_stage(self) -> int:
        """Count the staged cases already in the ledger; raise if any moved."""
        backend = self._backend
        # one join finds the cases already in the ledger and the moved ones
        known, moved = backend.query(
            "SELECT count(*), coalesce(sum(CASE WHEN abs(s.lon - c.lon) > ? OR "
            "abs(s.lat - c.lat) > ? THEN 1 ELSE 0 END), 0) FROM stage s JOIN cases "
            "c ON c.report_id = s.report_id",
            [_SAME_PLACE_DEG, _SAME_PLACE_DEG],
        )[0]
        if moved:
            sample = backend.query(
                "SELECT s.report_id FROM stage s JOIN cases c ON c.report_id = "
                "s.report_id WHERE abs(s.lon - c.lon) > ? OR abs(s.lat - c.lat) > ? "
                "ORDER BY s.report_id LIMIT 5",
                [_SAME_PLACE_DEG, _SAME_PLACE_DEG],
            )
            ids = ", ".join(str(r[0]) for r in sample)
            msg = (
                f"ingest: {moved} case(s) of this export are already in the "
                f"ledger at other coordinates (e.g. {ids}); check that coords= "
                "names the export's coordinate system (wgs84/gcj02/bd09) as for "
                "earlier batches, or correct the export; nothing was ingested."
            )
            raise InputError(msg)
        return int(known)

    def _upsert_stage(self, batch: int, when: pd.Timestamp, sql: _BatchSql) -> int:
        """Supersede the known cases with the staged rows; return how many changed.

        The superseded states (and this batch's rows of cases known from a
        newer export) go to the snapshots; the new cases are inserted.
        """
        backend = self._backend
        columns, data, extra_sql = sql.columns, sql.data, sql.extra_sql
        differs = " OR ".join(
            f"s.{c} IS DISTINCT FROM c.{c}" for c in _VALUES if c not in ("lon", "lat")
        )
        extra_differs = (
            f"CAST(c.extra AS TEXT) IS DISTINCT FROM CAST({extra_sql} AS TEXT)"
        )
        updated = int(
            backend.query(
                f"SELECT count(*) FROM stage s JOIN cases c ON c.report_id = "
                f"s.report_id WHERE c.exported_at <= ? AND ({differs} OR "
                f"{extra_differs})",
                [when],
            )[0][0]
        )
        current = ", ".join(f"c.{c}" for c in columns.split(", "))
        # the current states this batch supersedes go to the history ...
        backend.execute(
            f"INSERT INTO snapshots ({columns}) SELECT {current} FROM cases c "
            "JOIN stage s ON s.report_id = c.report_id WHERE c.exported_at <= ?",
            [when],
        )
        # ... and so do this batch's rows of cases known from a newer export
        backend.execute(
            f"INSERT INTO snapshots ({columns}) SELECT ?, ?, s.row_number, {data}, "
            f"{extra_sql} FROM stage s JOIN cases c ON c.report_id = s.report_id "
            "WHERE c.exported_at > ?",
            [batch, when, when],
        )
        sets = ", ".join(f"{c} = s.{c}" for c in ("row_number", *_VALUES))
        if sql.point:
            sets += f", {sql.point} = {sql.point_sql}"
        backend.execute(
            f"UPDATE cases SET batch_id = ?, exported_at = ?, {sets}, extra = "
            f"{extra_sql} FROM stage s WHERE cases.report_id = s.report_id AND "
            "cases.exported_at <= ?",
            [batch, when, when],
        )
        backend.execute(
            f"INSERT INTO cases ({sql.new_columns}) SELECT ?, ?, s.row_number, "
            f"{sql.new_data} FROM stage s WHERE NOT EXISTS "
            "(SELECT 1 FROM cases c WHERE c.report_id = s.report_id)",
            [batch, when],
        )
        return updated

    def _batch_by_hash(self, key: str) -> IngestResult | None:
        rows = self._backend.query(
            "SELECT batch_id, rows_read, quarantined FROM batches "
            "WHERE content_hash = ?",
            [key],
        )
        if not rows:
            return None
        batch, read, bad = (int(v) for v in rows[0])
        return IngestResult(read, 0, 0, read - bad, bad, batch)

    def _check_mapping(
        self, mapping: Mapping[str, list[str]], accept: bool, name: str
    ) -> None:
        rows = self._backend.query(
            "SELECT columns, source_file FROM batches ORDER BY batch_id DESC LIMIT 1"
        )
        if accept or not rows:
            return
        before = json.loads(rows[0][0])
        old, new = set(before["consumed"]), set(mapping["consumed"])
        if old == new:
            return
        msg = (
            f"ingest: the columns of {name} map differently from the previous "
            f"batch ({rows[0][1]}): missing {sorted(old - new)!r}, new "
            f"{sorted(new - old)!r}; pass mapping= so the same columns are read "
            "as before, or accept_mapping_change=True if the platform's export "
            "changed on purpose."
        )
        raise InputError(msg)

    # -- reading ------------------------------------------------------------------
    def reports(
        self,
        *,
        start: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        end: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        as_of: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        late_cases: bool = False,
    ) -> gpd.GeoDataFrame:
        """Return the canonical report frame: one row per case, its current state.

        Parameters
        ----------
        start, end
            Keep cases reported at or after ``start`` and before ``end``
            (naive times in the ledger's zone).
        as_of
            The state as known then: only snapshots exported up to ``as_of``.
        late_cases
            With ``as_of``: also the cases of the window that no snapshot
            exported up to ``as_of`` shows (first exported later), in their
            current state. A week's report run after the week: every case
            filed in it, each as known at the week's end where it was known.
            Without ``as_of``: an ``InputError``.

        Returns
        -------
        geopandas.GeoDataFrame
            The columns of :func:`hotspots.read.reports.read_reports` (the optional
            canonical ones that any batch had, then every extra source column,
            as text), EPSG:4326 points, ordered by ``report_id``, a fresh
            ``RangeIndex``.
        """
        return self._frame(start, end, as_of, late_cases=late_cases)

    def count(
        self,
        *,
        start: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        end: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        as_of: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        late_cases: bool = False,
    ) -> int:
        """Return how many cases :meth:`reports` would return, without reading them.

        One ``count(*)`` in the database: the weekly job counts the cases
        filed after its week this way, not by reading them.

        Parameters
        ----------
        start, end, as_of, late_cases
            As for :meth:`reports`.

        Returns
        -------
        int
            ``len(ledger.reports(start=..., end=..., as_of=..., late_cases=...))``.
        """
        table, params = self._selection(
            start, end, as_of, self.tz, late_cases=late_cases
        )
        return int(self._backend.query(f"SELECT count(*) FROM {table}", params)[0][0])

    def _selection(
        self, start: object, end: object, as_of: object, tz: str, *, late_cases: bool
    ) -> tuple[str, list[Any]]:
        """Return the ``FROM`` text selecting :meth:`reports`' cases, and its values.

        ``tz`` is the ledger's zone (:attr:`tz`), for naive times.
        """
        if late_cases and as_of is None:
            msg = (
                "late_cases=True needs as_of: it adds, to the state as known at "
                "as_of, the cases first exported later. Pass as_of=<time>, or "
                "leave late_cases out for the current state of every case."
            )
            raise InputError(msg)
        where, params = self._time_filter(start, end, tz)
        if as_of is not None:
            when = _timestamp(as_of, tz, "as_of")
            return _known_at(when, where, params, late_cases=late_cases)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"cases{clause}", params

    def _frame(
        self,
        start: object,
        end: object,
        as_of: object,
        *,
        boundary_key: str | None = None,
        late_cases: bool = False,
    ) -> gpd.GeoDataFrame:
        """Return :meth:`reports`; with ``boundary_key``, its cached assignment too.

        The assignment comes in one query (a join in SQL): columns ``a_<name>``
        for each of ``_ASSIGNED`` and ``a_cached`` (1 where the case has a
        cached assignment under ``boundary_key``, else 0).
        """
        tz = self.tz  # one query, for the filter and the frame
        source, params = self._selection(start, end, as_of, tz, late_cases=late_cases)
        present, extras = self._columns()
        fields = [(c, _wide(_COLUMNS[c])) for c in (*present, "lon", "lat")]
        fields += [(f"x{i}", pa.large_string()) for i in range(len(extras))]
        exprs = [*present, "lon", "lat"]
        exprs += [f"extra->>'{e.replace(chr(39), chr(39) * 2)}'" for e in extras]
        select = ", ".join(
            f"{e} AS {n}" for e, (n, _) in zip(exprs, fields, strict=True)
        )
        sql = f"SELECT {select} FROM {source}"
        if boundary_key is None:
            sql += " ORDER BY report_id"
        else:
            fields += [(f"a_{c}", _wide(kind)) for c, kind in _ASSIGNED.items()]
            fields += [("a_cached", pa.int64())]
            sql = (
                f"SELECT r.*, {', '.join(f'c.{c} AS a_{c}' for c in _ASSIGNED)}, "
                "CASE WHEN c.report_id IS NULL THEN 0 ELSE 1 END AS a_cached "
                f"FROM ({sql}) AS r LEFT JOIN (SELECT report_id, "
                f"{', '.join(_ASSIGNED)} FROM assignments WHERE boundary_key = ?) "
                "AS c ON c.report_id = r.report_id ORDER BY r.report_id"
            )
            params = [*params, boundary_key]
        # ordered by report_id, unique in the result: a server may split the read
        arrow = self._backend.query_arrow(
            sql, params, pa.schema(fields), order_key=("cases", "report_id")
        )
        with collector_paused():
            return _to_frame(arrow, present, extras, tz)

    def _columns(self) -> tuple[list[str], list[str]]:
        present: set[str] = set(_ALWAYS)
        extras: list[str] = []
        for (text,) in self._backend.query(
            "SELECT columns FROM batches ORDER BY batch_id"
        ):
            info = json.loads(text)
            present.update(info["canonical"])
            extras.extend(e for e in info["extras"] if e not in extras)
        return [c for c in _DATA if c in present and c not in ("lon", "lat")], extras

    @staticmethod
    def _time_filter(
        start: object, end: object, tz: str
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if start is not None:
            where.append("reported_at >= ?")
            params.append(_timestamp(start, tz, "start"))
        if end is not None:
            where.append("reported_at < ?")
            params.append(_timestamp(end, tz, "end"))
        return where, params

    def history(self, report_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Every snapshot of the cases, oldest export first.

        Parameters
        ----------
        report_ids
            Cases to show (default: all).

        Returns
        -------
        pandas.DataFrame
            ``report_id``, ``batch_id``, ``exported_at``, ``source_file``,
            ``row_number``, ``status``, ``closed_at``, ``reopen_count``, then
            the other stored report columns, ``lon`` and ``lat``; ordered by
            case, export time and batch.
        """
        params: list[Any] = []
        where = ""
        if report_ids is not None:
            if isinstance(report_ids, str):
                report_ids = [report_ids]
            ids = [str(i) for i in report_ids]
            if not ids:
                ids = [""]
            where = f" WHERE s.report_id IN ({', '.join('?' for _ in ids)})"
            params = ids
        head = (
            schema.REPORT_ID,
            "batch_id",
            "exported_at",
            "source_file",
            "row_number",
            schema.STATUS,
            schema.CLOSED_AT,
            schema.REOPEN_COUNT,
        )
        rest = [c for c in _DATA if c not in head]
        types = {
            **_COLUMNS,
            "batch_id": pa.int64(),
            "exported_at": pa.timestamp("us", tz="UTC"),
            "source_file": pa.string(),
            "row_number": pa.int64(),
        }
        names = [*head, *rest]
        select = ", ".join(f"b.{c}" if c == "source_file" else f"s.{c}" for c in names)
        sql = (
            f"SELECT {select} FROM {_ALL_SNAPSHOTS} AS s JOIN batches b ON "
            f"b.batch_id = s.batch_id{where} ORDER BY s.report_id, s.exported_at, "
            "s.batch_id"
        )
        arrow = self._backend.query_arrow(
            sql, params, pa.schema([(n, types[n]) for n in names])
        )
        return _times_to(arrow.to_pandas(), self.tz)

    def batches(self) -> pd.DataFrame:
        """One row per ingested batch, oldest first.

        Returns
        -------
        pandas.DataFrame
            ``batch_id``, ``source_file``, ``content_hash``, ``exported_at``,
            ``ingested_at``, ``rows_read``, ``inserted``, ``updated``,
            ``unchanged``, ``quarantined``.
        """
        names = {
            "batch_id": pa.int64(),
            "source_file": pa.string(),
            "content_hash": pa.string(),
            "exported_at": pa.timestamp("us", tz="UTC"),
            "ingested_at": pa.timestamp("us", tz="UTC"),
            "rows_read": pa.int64(),
            "inserted": pa.int64(),
            "updated": pa.int64(),
            "unchanged": pa.int64(),
            "quarantined": pa.int64(),
        }
        sql = f"SELECT {', '.join(names)} FROM batches ORDER BY batch_id"
        arrow = self._backend.query_arrow(sql, [], pa.schema(list(names.items())))
        return _times_to(arrow.to_pandas(), self.tz)

    def quarantined(self, *, batch_id: int | None = None) -> pd.DataFrame:
        """Every row rejected at ingest, with its file, row number and reason.

        Parameters
        ----------
        batch_id
            Only this batch (default: all).

        Returns
        -------
        pandas.DataFrame
            ``batch_id``, ``source_file``, ``row_number`` (1-based data row of
            the source), ``reason``, then the source columns as read (text),
            personal data masked.
        """
        sql = (
            "SELECT q.batch_id, b.source_file, q.row_number, q.reason, q.data FROM "
            "quarantine q JOIN batches b ON b.batch_id = q.batch_id"
        )
        params: list[Any] = []
        if batch_id is not None:
            sql += " WHERE q.batch_id = ?"
            params.append(int(batch_id))
        rows = self._backend.query(sql + " ORDER BY q.batch_id, q.row_number", params)
        head = pd.DataFrame(
            [r[:4] for r in rows],
            columns=["batch_id", "source_file", schema.ROW_NUMBER, schema.REASON],
        )
        body = pd.DataFrame([json.loads(r[4]) for r in rows], dtype="str")
        return pd.concat([head, body.set_axis(head.index)], axis=1)

    # -- outputs ------------------------------------------------------------------
    def export(
        self,
        path: str | os.PathLike[str],
        *,
        as_of: dt.datetime | dt.date | str | pd.Timestamp | None = None,
    ) -> Path:
        """Write the current state to a GeoPackage or GeoParquet file.

        Parameters
        ----------
        path
            ``.gpkg`` (layer ``reports``, for QGIS; times in UTC as the
            GeoPackage standard requires) or ``.parquet`` (GeoParquet, times
            in the ledger's zone); written atomically.
        as_of
            As in :meth:`reports`.

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        InputError
            For another suffix.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".gpkg", ".parquet", ".geoparquet"):
            msg = (
                f"export: path must end in .gpkg or .parquet, got {str(path)!r}; "
                "name a GeoPackage (QGIS) or GeoParquet file."
            )
            raise InputError(msg)
        frame = self.reports(as_of=as_of)
        if suffix == ".gpkg":
            # the GeoPackage standard stores times in UTC ("Z")
            frame = _times_to(frame, "UTC")
            return atomic_write(target, lambda tmp: _write_gpkg(frame, tmp))
        return atomic_write(target, lambda tmp: frame.to_parquet(tmp))

    # -- boundary-work cache ------------------------------------------------------
    def assigned(
        self,
        *,
        grid: gpd.GeoDataFrame | None = None,
        streets: gpd.GeoDataFrame | None = None,
        areas: gpd.GeoDataFrame | None = None,
        max_street_distance_m: float = 30.0,
        metric_crs: Any = None,
        start: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        end: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        as_of: dt.datetime | dt.date | str | pd.Timestamp | None = None,
        join: Callable[..., gpd.GeoDataFrame] | None = None,
        late_cases: bool = False,
    ) -> gpd.GeoDataFrame:
        """Return the current reports joined to grid, streets and areas (cached).

        The join (:func:`hotspots.spatial.join.assign`) runs only for cases the
        ledger has not assigned to these boundaries yet; assignments are kept
        under a content hash of the boundary layers and the settings, so new
        boundaries (or settings) are a new cache entry. A case's coordinates
        never change in the ledger, so a cached assignment stays valid.

        Parameters
        ----------
        grid, streets, areas, max_street_distance_m, metric_crs
            As for :func:`hotspots.spatial.join.assign`.
        start, end, as_of, late_cases
            As for :meth:`reports`.
        join
            The join of the cases not cached yet, called as
            :func:`hotspots.spatial.join.assign` (the default) is, with the same
            results (e.g. a partitioned join on a Dask cluster).

        Returns
        -------
        geopandas.GeoDataFrame
            :meth:`reports` with the columns ``assign`` adds for the layers
            given.
        """
        key, settings = _boundary_key(
            grid, streets, areas, max_street_distance_m, metric_crs
        )
        columns = _assigned_columns(grid, streets, areas)
        backend = self._backend
        reports = self._frame(
            start, end, as_of, boundary_key=key, late_cases=late_cases
        )
        # the cached ids stay Arrow strings: only the new cases' rows are patched
        got = {c: reports.pop(f"a_{c}") for c in _ASSIGNED}
        todo = reports.pop("a_cached").to_numpy() == 0
        if todo.any():
            # imported here: ingest-only processes skip scipy and the join code
            from ..spatial import join as _join

            fresh = (join or _join.assign)(
                reports.loc[todo, list(reports.columns)],
                grid=grid,
                streets=streets,
                areas=areas,
                max_street_distance_m=max_street_distance_m,
                metric_crs=metric_crs,
            )
            table = _assignment_table(fresh, key)
            with backend.transaction():
                if not backend.query(
                    "SELECT 1 FROM boundary_sets WHERE boundary_key = ?", [key]
                ):
                    backend.execute(
                        "INSERT INTO boundary_sets VALUES (?, ?, ?)",
                        [key, _utcnow(), settings],
                    )
                backend.execute(
                    "CREATE TEMPORARY TABLE fresh (boundary_key TEXT, report_id TEXT, "
                    + ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in _ASSIGNED.items())
                    + ")"
                )
                try:
                    backend.load("fresh", table)
                    backend.execute(
                        "INSERT INTO assignments SELECT * FROM fresh f WHERE NOT "
                        "EXISTS (SELECT 1 FROM assignments a WHERE a.boundary_key "
                        "= f.boundary_key AND a.report_id = f.report_id)"
                    )
                finally:
                    backend.execute("DROP TABLE fresh")
            new = table.drop(["boundary_key"]).to_pandas()
            at = np.flatnonzero(todo)
            rows = pd.Index(new[schema.REPORT_ID]).get_indexer(
                reports[schema.REPORT_ID].iloc[at]  # not a million ids as objects
            )
            for column in columns:
                got[column] = got[column].copy()
                got[column].iloc[at] = new[column].to_numpy()[rows]
        out = reports  # our own frame: no copy of a million rows
        for column in columns:
            kind = "float64" if column == schema.STREET_DISTANCE_M else "str"
            out[column] = got[column].astype(kind)
        return out


# -- helpers ----------------------------------------------------------------------
def _known_at(
    as_of: dt.datetime,
    where: Sequence[str],
    params: Sequence[Any],
    *,
    late_cases: bool = False,
) -> tuple[str, list[Any]]:
    """Return the SQL table of each case as known at ``as_of``, filed in the window.

    A case's state then is its latest snapshot exported up to ``as_of``
    (ties: the later batch). A case whose current state was exported by
    ``as_of`` is that state (it is the newest of its snapshots), so only the
    cases exported again after ``as_of`` (a week's few, not the ledger's
    millions) look through their superseded snapshots. ``where`` is the time
    filter (on the state as known then) and ``params`` its values. With
    ``late_cases``, the cases of the window not known then (in it) follow in
    their current state.
    """
    cols = _SNAPSHOT_COLUMNS
    time = " AND ".join(where) or "TRUE"
    old = (
        f"SELECT {cols} FROM (SELECT {cols}, row_number() OVER (PARTITION BY "
        "report_id ORDER BY exported_at DESC, batch_id DESC) AS latest FROM "
        "snapshots WHERE exported_at <= ? AND report_id IN (SELECT report_id "
        f"FROM cases WHERE exported_at > ?)) AS o WHERE latest = 1 AND {time}"
    )
    parts = [
        f"SELECT {cols} FROM cases WHERE exported_at <= ? AND {time}",
        f"SELECT {cols} FROM old",
    ]
    values = [as_of, as_of, *params, as_of, *params]
    if late_cases:
        parts.append(
            f"SELECT {cols} FROM cases c WHERE c.exported_at > ? AND {time} AND NOT "
            "EXISTS (SELECT 1 FROM old WHERE old.report_id = c.report_id)"
        )
        values += [as_of, *params]
    return f"(WITH old AS ({old}) {' UNION ALL '.join(parts)}) AS s", values


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _source_name(source: object) -> str:
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    if isinstance(source, str | os.PathLike):
        return str(Path(os.fspath(source)).resolve())
    msg = f"source must be a path or a DataFrame, got {type(source).__name__}."
    raise TypeError(msg)


def _content_hash(
    source: str | os.PathLike[str] | pd.DataFrame, options: Mapping[str, Any]
) -> str:
    digest = hashlib.sha256()
    if isinstance(source, pd.DataFrame):
        digest.update(json.dumps([str(c) for c in source.columns]).encode())
        hashed = pd.util.hash_pandas_object(source.astype("str"), index=False)
        digest.update(np.asarray(hashed).tobytes())
    else:
        path = Path(os.fspath(source))
        try:
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 22), b""):
                    digest.update(block)
        except OSError as err:
            msg = (
                f"ingest: cannot read {str(path)!r} ({err.strerror}); check the "
                "path in [input] reports."
            )
            raise InputError(msg) from err
    digest.update(json.dumps(options, sort_keys=True, default=repr).encode())
    return digest.hexdigest()


_DATE_RE: Final = re.compile(
    r"(?<!\d)(?P<y>20\d\d)[-_]?(?P<m>[01]\d)[-_]?(?P<d>[0-3]\d)(?!\d)"
)
_WEEK_RE: Final = re.compile(
    r"(?<!\d)(?P<y>20\d\d)-?W(?P<w>[0-5]\d)(?:-W?(?P<w2>[0-5]\d))?(?!\d)",
    re.IGNORECASE,
)


def export_time_from_name(
    name: str, tz: str = schema.DEFAULT_TZ
) -> pd.Timestamp | None:
    """Return the export time a file name states, or ``None``.

    Parameters
    ----------
    name
        A file name or path (only the last part is read).
    tz
        Time zone of the stated time.

    Returns
    -------
    pandas.Timestamp or None
        The last date (``20261122``, ``2026-11-22``, ``2026_11_22``: 00:00
        that day) or ISO week (``2026W47``, ``2026-W47``, ``2026W32-W47``:
        the Monday 00:00 after the week) in the name.

    Examples
    --------
    >>> str(export_time_from_name("reports_20261122.csv"))
    '2026-11-22 00:00:00+08:00'
    >>> str(export_time_from_name("reports_2026W32-W47.csv"))
    '2026-11-23 00:00:00+08:00'
    """
    base = Path(name).name
    found: list[tuple[int, pd.Timestamp]] = []
    for match in _DATE_RE.finditer(base):
        try:
            day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        found.append((match.end(), pd.Timestamp(day).tz_localize(tz)))
    for match in _WEEK_RE.finditer(base):
        week = int(match["w2"] or match["w"])
        try:
            monday = dt.date.fromisocalendar(int(match["y"]), week, 1)
        except ValueError:
            continue
        end = pd.Timestamp(monday + dt.timedelta(days=7)).tz_localize(tz)
        found.append((match.end(), end))
    if not found:
        return None
    return max(found, key=lambda item: item[0])[1]


def _timestamp(value: object, tz: str, name: str) -> pd.Timestamp:
    return require_local_time(value, name, tz=tz)


def _export_time(value: object, name: str, tz: str) -> pd.Timestamp:
    if value is not None:
        return _timestamp(value, tz, "exported_at")
    stated = export_time_from_name(name, tz) if name != "<DataFrame>" else None
    return stated if stated is not None else pd.Timestamp(_utcnow())


def _mapping_signature(
    reports: pd.DataFrame, quarantined: pd.DataFrame
) -> dict[str, list[str]]:
    """Which source headers the read consumed, and the canonical columns made.

    ``reports`` is the accepted frame without geometry; a source header named
    ``geometry`` counts as kept, as when it was read with its points.
    """
    canonical = [c for c in _DATA if c in reports.columns]
    headers = [
        str(c)
        for c in quarantined.columns
        if c not in (schema.ROW_NUMBER, schema.REASON)
    ]
    kept = {str(c) for c in reports.columns} | {schema.GEOMETRY}
    kept |= {str(c)[: -len("_original")] for c in kept if str(c).endswith("_original")}
    consumed = sorted(h for h in headers if h not in kept or h in _COLUMNS)
    return {"canonical": canonical, "consumed": consumed}


def _stage_table(read: Canonical) -> tuple[pa.Table, list[str]]:
    reports = read.frame
    n = len(reports)
    arrays: list[pa.Array] = [
        pa.array(np.arange(1, n + 1) if n == 0 else _rows(reports))
    ]
    for column, kind in _COLUMNS.items():
        if column == "lon":
            arrays.append(pa.array(read.lon, pa.float64()))
        elif column == "lat":
            arrays.append(pa.array(read.lat, pa.float64()))
        elif column in reports.columns:
            arrays.append(pa.array(reports[column], from_pandas=True).cast(kind))
        else:
            arrays.append(pa.nulls(n, kind))
    extras = [
        str(c) for c in reports.columns if c not in _COLUMNS and c != schema.GEOMETRY
    ]
    for column in extras:
        values = reports[column]
        text = values.astype("str").where(values.notna(), None)
        arrays.append(pa.array(text, pa.string(), from_pandas=True))
    names = ["row_number", *_COLUMNS, *(f"x{i}" for i in range(len(extras)))]
    # one chunk per column: DuckDB scans misaligned chunked columns slowly
    return pa.table(arrays, names=names).combine_chunks(), extras


def _case_table(
    stage: pa.Table,
    extras: Sequence[str],
    batch: int,
    when: pd.Timestamp,
    point: str | None = None,
) -> pa.Table:
    """Return the rows of ``cases`` for a staged batch (extras as JSON text)."""
    n = len(stage)
    micros = pd.Timestamp(when).tz_convert("UTC").value // 1000
    extra = (
        _json_objects(extras, [stage[f"x{i}"] for i in range(len(extras))])
        if extras
        else pa.nulls(n, pa.string())
    )
    columns = [
        pa.array(np.full(n, batch, dtype=np.int64)),
        pa.array(np.full(n, micros, dtype=np.int64)).cast(pa.timestamp("us", tz="UTC")),
        stage["row_number"],
        *(stage[c] for c in _DATA),
        extra,
    ]
    names = ["batch_id", "exported_at", "row_number", *_DATA, "extra"]
    if point is not None:
        columns.append(point_ewkb(stage["lon"], stage["lat"]))
        names.append(point)
    return pa.table(columns, names=names)


_CONTROL_RE: Final = "[\\x00-\\x1f]"


def _json_objects(keys: Sequence[str], columns: Sequence[pa.ChunkedArray]) -> pa.Array:
    """One JSON object of text values per row, built with Arrow compute."""
    parts: list[Any] = []
    for i, (key, column) in enumerate(zip(keys, columns, strict=True)):
        text = pc.replace_substring(column, "\\", "\\\\")
        text = pc.replace_substring(text, '"', '\\"')
        if pc.any(pc.match_substring_regex(text, _CONTROL_RE)).as_py():
            for code in range(32):
                text = pc.replace_substring(text, chr(code), f"\\u{code:04x}")
        value = pc.fill_null(pc.binary_join_element_wise('"', text, '"', ""), "null")
        lead = "{" if i == 0 else ","
        parts += [lead + json.dumps(key, ensure_ascii=False) + ":", value]
    return pc.binary_join_element_wise(*parts, "}", "")


def _rows(reports: pd.DataFrame) -> npt.NDArray[np.int64]:
    index = reports.index
    if pd.api.types.is_integer_dtype(index.dtype):
        return np.asarray(index, dtype=np.int64) + 1
    return np.arange(1, len(index) + 1, dtype=np.int64)


def _quarantine_table(quarantined: pd.DataFrame) -> pa.Table:
    body = quarantined.drop(columns=[schema.ROW_NUMBER, schema.REASON])
    masked: dict[str, pa.Array] = {}
    for column in body.columns:
        values = body[column]
        if str(column).strip().casefold() in _PRIVATE_HEADERS:
            missing = pa.array(values.isna().to_numpy(dtype=bool))
            masked[str(column)] = pc.if_else(missing, None, _MASK)
        else:
            masked[str(column)] = pa.array(
                mask_personal(values), pa.string(), from_pandas=True
            )
    return pa.table(
        {
            "row_number": pa.array(
                quarantined[schema.ROW_NUMBER].astype("int64"), pa.int64()
            ),
            "reason": pa.array(quarantined[schema.REASON].astype("str"), pa.string()),
            "data": _json_records(list(masked), list(masked.values()), len(body)),
        }
    )


#: How ``json.dumps`` writes the control characters it does not write as \uXXXX.
_JSON_SHORT_ESCAPES: Final = {
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _json_records(keys: Sequence[str], columns: Sequence[pa.Array], n: int) -> pa.Array:
    """One JSON object of text values (or null) per row, with Arrow compute.

    Byte for byte ``json.dumps(record, ensure_ascii=False)`` of the row's
    ``{key: value}`` dict (same separators, same escapes), without a Python
    call per row.
    """
    if not keys:
        return pa.array(["{}"] * n, pa.string())
    parts: list[Any] = []
    for i, (key, column) in enumerate(zip(keys, columns, strict=True)):
        text = pc.replace_substring(column, "\\", "\\\\")
        text = pc.replace_substring(text, '"', '\\"')
        if pc.any(pc.match_substring_regex(text, _CONTROL_RE)).as_py():
            for code in range(32):
                char = chr(code)
                escape = _JSON_SHORT_ESCAPES.get(char, f"\\u{code:04x}")
                text = pc.replace_substring(text, char, escape)
        value = pc.fill_null(pc.binary_join_element_wise('"', text, '"', ""), "null")
        lead = "{" if i == 0 else ", "
        parts += [lead + json.dumps(key, ensure_ascii=False) + ": ", value]
    return pc.binary_join_element_wise(*parts, "}", "")


def _with_batch(table: pa.Table, batch: int) -> pa.Table:
    column = pa.array(np.full(len(table), batch, dtype=np.int64))
    return table.add_column(0, "batch_id", column)


def _write_gpkg(frame: gpd.GeoDataFrame, tmp: Path) -> None:
    # GDAL wants the .gpkg suffix; rename onto the atomic writer's temp file
    named = tmp.with_name(tmp.name + ".gpkg")
    try:
        frame.to_file(named, driver="GPKG", layer="reports")
        os.replace(named, tmp)
    finally:
        named.unlink(missing_ok=True)


def _times_to(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = (
                frame[column].dt.tz_convert(tz).astype(f"datetime64[ns, {tz}]")
            )
    return frame


def _to_frame(
    arrow: pa.Table, present: Sequence[str], extras: Sequence[str], tz: str
) -> gpd.GeoDataFrame:
    frame = _times_to(arrow.to_pandas(), tz)
    lon = frame.pop("lon").to_numpy(dtype=np.float64)
    lat = frame.pop("lat").to_numpy(dtype=np.float64)
    frame = frame.rename(columns={f"x{i}": e for i, e in enumerate(extras)})
    if schema.REOPEN_COUNT in present and not frame[schema.REOPEN_COUNT].isna().any():
        frame[schema.REOPEN_COUNT] = frame[schema.REOPEN_COUNT].astype("int64")
    # the frame is ours: no copy of a million rows (pandas copies on write)
    return gpd.GeoDataFrame(
        frame, geometry=points(lon, lat, crs=schema.WGS84), crs=schema.WGS84, copy=False
    )


def _wide(kind: pa.DataType) -> pa.DataType:
    """Texts as ``large_string`` and times in nanoseconds: what pandas holds.

    A frame read in ``string`` (32-bit offsets) had every text column copied
    into ``large_string`` on its way to pandas: in a py-spy profile of the
    weekly run on a year of a million cases, that cast was the largest part
    of building the frame. Times read in microseconds were converted by
    pandas (a copy per column); Arrow casts them in the read's own pass.
    """
    if pa.types.is_string(kind):
        return pa.large_string()
    if pa.types.is_timestamp(kind):
        return pa.timestamp("ns", tz=kind.tz)
    return kind


def _layer_hash(layer: gpd.GeoDataFrame | None) -> str:
    if layer is None:
        return "-"
    if not isinstance(layer, gpd.GeoDataFrame):
        msg = f"boundary layers must be GeoDataFrames, got {type(layer).__name__}."
        raise TypeError(msg)
    digest = hashlib.sha256()
    digest.update(str(layer.crs).encode())
    attrs = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    digest.update(json.dumps([str(c) for c in attrs.columns]).encode())
    if len(attrs.columns):
        hashed = pd.util.hash_pandas_object(attrs.astype("str"), index=False)
        digest.update(np.asarray(hashed).tobytes())
    # one update of the joined bytes: the digest of the updates one by one
    wkbs = shapely.to_wkb(layer.geometry.values)
    digest.update(b"".join(b"" if wkb is None else wkb for wkb in wkbs))
    return digest.hexdigest()


def _boundary_key(
    grid: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
    areas: gpd.GeoDataFrame | None,
    max_street_distance_m: float,
    metric_crs: Any,
) -> tuple[str, str]:
    settings = json.dumps(
        {
            "grid": _layer_hash(grid),
            "streets": _layer_hash(streets),
            "areas": _layer_hash(areas),
            "max_street_distance_m": float(max_street_distance_m),
            "metric_crs": None if metric_crs is None else str(metric_crs),
        },
        sort_keys=True,
    )
    return hashlib.sha256(settings.encode()).hexdigest(), settings


def _assigned_columns(grid: object, streets: object, areas: object) -> list[str]:
    columns: list[str] = []
    if grid is not None:
        columns.append(schema.GRID_ID)
    if streets is not None:
        columns += [schema.SEGMENT_ID, schema.STREET_NAME, schema.STREET_DISTANCE_M]
    if areas is not None:
        columns += [schema.DISTRICT_ID, schema.SUBDISTRICT_ID, schema.COMMUNITY_ID]
    return columns


def _assignment_table(assigned: gpd.GeoDataFrame, key: str) -> pa.Table:
    n = len(assigned)
    arrays = [
        pa.array([key] * n, pa.string()),
        pa.array(assigned[schema.REPORT_ID].astype("str"), pa.string()),
    ]
    for column, kind in _ASSIGNED.items():
        if column in assigned.columns:
            values = assigned[column]
            if kind == pa.string():
                values = values.astype("str").where(values.notna(), None)
            arrays.append(pa.array(values, kind, from_pandas=True))
        else:
            arrays.append(pa.nulls(n, kind))
    return pa.table(arrays, names=["boundary_key", "report_id", *_ASSIGNED])
