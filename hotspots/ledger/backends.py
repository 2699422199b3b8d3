"""The two storage backends of the case ledger, behind one small interface.

The ledger logic (:mod:`hotspots.ledger.store`) speaks portable SQL with ``?``
placeholders and moves bulk data as Arrow tables; a backend only connects,
runs statements, bulk-loads and bulk-reads, and names the few types that
differ between the engines.

* :class:`DuckDBBackend`: an embedded file (plain ``duckdb``, no extension):
  WGS-84 longitude/latitude as doubles. DuckDB allows one writing process per
  file; a second process waits up to ``lock_timeout_s`` for the file lock,
  then fails with :class:`~hotspots.errors.LedgerError`.
* :class:`PostgresBackend`: PostgreSQL with PostGIS through psycopg 3; the
  current cases also carry a ``geometry(Point, 4326)`` column with a GiST
  index. Bulk loads use ``COPY ... FROM STDIN`` in the binary format, bulk
  reads ``COPY ... TO STDOUT`` (a large read ordered on a unique key, such as
  the reports frame, in two halves at once on a second connection that
  imports the first one's snapshot: a ledger then holds two connections);
  ingests serialise on a transaction-level advisory lock, so two processes
  ingesting at once give the result of ingesting one after the other.
"""

from __future__ import annotations

import io
import queue
import re
import select
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import LedgerError

__all__ = ["Backend", "DuckDBBackend", "PostgresBackend", "connect", "redact"]

#: Key of the PostgreSQL advisory lock that serialises ingests.
_ADVISORY_KEY: Final = 0x686F7473  # "hots"
_LOCK_WORDS: Final = ("lock", "conflicting")


def redact(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``.

    Parameters
    ----------
    url
        A ledger URL or path.

    Returns
    -------
    str
        The URL, safe to show in a message or a log.
    """
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


class Backend(ABC):
    """What the ledger logic needs from a database engine."""

    #: Short name (``"duckdb"`` or ``"postgresql"``).
    name: str
    #: Where the ledger is, password removed.
    location: str
    #: Column type of JSON documents.
    json_type: str
    #: Extra DDL run after the tables of a schema version are created.
    case_geometry_ddl: tuple[str, ...] = ()
    #: Table constraint making ``report_id`` the key of ``cases`` (or nothing).
    case_key_ddl: str = ""
    #: Indexes of the ``snapshots`` table.
    snapshot_index_ddl: tuple[str, ...] = ()
    #: Whether :meth:`staged` copies the data (so that a direct load is cheaper).
    stage_copies: bool = False
    #: The point column of ``cases`` written from lon/lat, and its SQL value
    #: from ``s.lon`` / ``s.lat`` (or ``None``), and the DDL making it a plain
    #: column in schema version 3.
    point_column: tuple[str, str] | None = None
    point_column_ddl: tuple[str, ...] = ()

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (``?`` placeholders)."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""

    @abstractmethod
    def query_arrow(
        self,
        sql: str,
        params: Sequence[Any],
        schema: pa.Schema,
        *,
        order_key: tuple[str, str] | None = None,
    ) -> pa.Table:
        """Run one query and return it as an Arrow table of ``schema``.

        ``order_key``: ``(table, column)`` when the query's rows are ordered
        by ``column`` (ascending), whose values are unique and held by
        ``table``: a backend may then read the rows in parts split on it.
        """

    @abstractmethod
    def load(self, table: str, data: pa.Table) -> None:
        """Append ``data`` (columns in the table's order) to ``table``."""

    def load_empty(self, table: str, data: pa.Table) -> None:
        """Append ``data`` to ``table``, which is empty (indexes may be rebuilt)."""
        self.load(table, data)

    @abstractmethod
    def staged(
        self, name: str, data: pa.Table, columns_ddl: str
    ) -> AbstractContextManager[None]:
        """Make ``data`` readable as the table ``name`` inside the block.

        Call it inside a transaction; ``columns_ddl`` lists the columns
        (``"a BIGINT, b TEXT"``) in ``data``'s order.
        """

    @abstractmethod
    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """Return SQL building a JSON object from (key, SQL expression) pairs."""

    @abstractmethod
    def lock_for_write(self) -> None:
        """Serialise writers for the rest of the current transaction."""

    @abstractmethod
    def table_exists(self, name: str) -> bool:
        """Whether a (non-temporary) table of this name exists."""

    @abstractmethod
    def size_bytes(self) -> int:
        """Bytes the ledger takes on disk."""

    @abstractmethod
    def begin(self) -> None:
        """Start a transaction."""

    @abstractmethod
    def commit(self) -> None:
        """Commit the current transaction."""

    @abstractmethod
    def rollback(self) -> None:
        """Roll the current transaction back."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection (idempotent)."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction: all of it is kept, or none."""
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()


class DuckDBBackend(Backend):
    """An embedded DuckDB file.

    Parameters
    ----------
    path
        The ``.duckdb`` file; created (with its folder) when absent.
    lock_timeout_s
        How long to wait for another process that holds the file.
    """

    name = "duckdb"
    json_type = "JSON"
    # No key or lookup index: DuckDB's ART indexes cost more at ingest (and on
    # disk) than they save; joins on report_id are hash joins, and the ingest
    # logic keeps report_id unique (read_reports quarantines repeated ids, new
    # cases are inserted only when absent).

    def __init__(self, path: Path, *, lock_timeout_s: float) -> None:
        import duckdb

        self.path = path
        self.location = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + lock_timeout_s
        while True:
            try:
                self._con = duckdb.connect(str(path))
                # texts to Arrow as large_string, as pandas holds them
                self._con.execute("SET arrow_large_buffer_size = true")
                break
            except duckdb.IOException as err:
                text = str(err).lower()
                if not any(w in text for w in _LOCK_WORDS):
                    msg = (
                        f"cannot open the ledger file {path}: {err}. Check that "
                        "it is a DuckDB ledger written by hotspots, or point "
                        "[ledger] url at a new file."
                    )
                    raise LedgerError(msg) from err
                if time.monotonic() >= deadline:
                    msg = (
                        f"the ledger file {path} is in use by another process "
                        f"(waited {lock_timeout_s:g} s); DuckDB allows one "
                        "writer at a time: wait for the other ingest or weekly "
                        "run to finish and retry, or use a PostgreSQL ledger "
                        "for a shared office."
                    )
                    raise LedgerError(msg) from err
                time.sleep(0.05)
            except duckdb.Error as err:
                msg = (
                    f"cannot open the ledger file {path}: {err}. Point [ledger] "
                    "url at a DuckDB ledger written by hotspots, or at a new file."
                )
                raise LedgerError(msg) from err

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        self._con.execute(sql, list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""
        return self._con.execute(sql, list(params)).fetchall()

    def query_arrow(
        self,
        sql: str,
        params: Sequence[Any],
        schema: pa.Schema,
        *,
        order_key: tuple[str, str] | None = None,
    ) -> pa.Table:
        """Run one query and return it as an Arrow table of ``schema``.

        ``order_key`` is not needed: DuckDB scans in parallel by itself.
        """
        relation = self._con.sql(sql, params=list(params))
        table: pa.Table = relation.to_arrow_table()
        return table.cast(schema)

    def load(self, table: str, data: pa.Table) -> None:
        """Append ``data`` to ``table`` through DuckDB's Arrow scan."""
        self._con.register("_hotspots_incoming", data)
        try:
            self._con.execute(f"INSERT INTO {table} SELECT * FROM _hotspots_incoming")
        finally:
            self._con.unregister("_hotspots_incoming")

    @contextmanager
    def staged(self, name: str, data: pa.Table, columns_ddl: str) -> Iterator[None]:
        """Register ``data`` as a view of the Arrow table (no copy)."""
        self._con.register(name, data)
        try:
            yield
        finally:
            self._con.unregister(name)

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """Return SQL building a JSON object (``json_object``)."""
        args = ", ".join(f"{_literal(k)}, {v}" for k, v in pairs)
        return f"json_object({args})"

    def lock_for_write(self) -> None:
        """Nothing to do: the file lock already admits one process."""

    def table_exists(self, name: str) -> bool:
        """Whether a table of this name exists."""
        rows = self.query(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = ? AND table_schema = 'main'",
            [name],
        )
        return bool(rows[0][0])

    def size_bytes(self) -> int:
        """Size of the file and its write-ahead log."""
        self._con.execute("CHECKPOINT")
        wal = self.path.with_name(self.path.name + ".wal")
        return self.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    def begin(self) -> None:
        """Start a transaction."""
        self._con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        """Commit."""
        self._con.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back."""
        self._con.execute("ROLLBACK")

    def close(self) -> None:
        """Close the file (releases the lock)."""
        self._con.close()


class PostgresBackend(Backend):
    """A PostgreSQL database with the PostGIS extension.

    Parameters
    ----------
    url
        ``postgresql://user@host:port/dbname``; a password comes from the
        environment (``PGPASSWORD``) or ``~/.pgpass``, as libpq reads them.
    connect_timeout_s
        How long to try to reach the server.
    """

    name = "postgresql"
    json_type = "JSONB"
    case_geometry_ddl = (
        "ALTER TABLE cases ADD COLUMN geom geometry(Point, 4326) GENERATED "
        "ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED",
        "CREATE INDEX cases_geom_idx ON cases USING GIST (geom)",
    )
    case_key_ddl = ", PRIMARY KEY (report_id)"
    snapshot_index_ddl = ("CREATE INDEX snapshots_report_idx ON snapshots (report_id)",)
    stage_copies = True
    # written with the rows (EWKB in the binary COPY): a generated column costs
    # two PostGIS calls a row
    point_column = ("geom", "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)")
    point_column_ddl = ("ALTER TABLE cases ALTER COLUMN geom DROP EXPRESSION",)

    def __init__(self, url: str, *, connect_timeout_s: float) -> None:
        import psycopg

        self.location = redact(url)
        self._url = url
        self._connect_timeout_s = connect_timeout_s
        # the second connection of a read in two halves (opened when needed)
        self._reader: PostgresBackend | None = None
        try:
            self._con = psycopg.connect(
                url, connect_timeout=max(1, round(connect_timeout_s)), autocommit=True
            )
        except psycopg.Error as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else ""
            msg = (
                f"cannot reach the ledger server {self.location} ({reason}); "
                "start the server or fix [ledger] url (a password goes in "
                "PGPASSWORD or ~/.pgpass, never in the URL of a config)."
            )
            raise LedgerError(msg) from err
        self._con.execute("SET TIME ZONE 'UTC'")
        self._con.execute("SET DateStyle = 'ISO, YMD'")
        self._con.execute("SET client_min_messages = warning")
        postgis = self._con.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
        if postgis is None:
            self._con.close()
            msg = (
                f"the ledger database {self.location} lacks PostGIS; run "
                "'CREATE EXTENSION postgis' in it (as its owner) and retry."
            )
            raise LedgerError(msg)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        self._con.execute(_pg(sql), list(params) or None)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""
        return self._con.execute(_pg(sql), list(params) or None).fetchall()

    def query_arrow(
        self,
        sql: str,
        params: Sequence[Any],
        schema: pa.Schema,
        *,
        order_key: tuple[str, str] | None = None,
    ) -> pa.Table:
        """Run one query through ``COPY ... TO STDOUT`` and parse it with Arrow.

        With ``order_key`` on a large table, outside a transaction, the rows
        are read in two halves at once (:meth:`_read_halves`): the server's
        work on the rows is most of a read's time.
        """
        if order_key is not None:
            from psycopg.pq import TransactionStatus

            idle = self._con.info.transaction_status == TransactionStatus.IDLE
            boundary = self._split_point(*order_key) if idle else None
            if boundary is not None:
                return self._read_halves(sql, params, schema, order_key[1], boundary)
        return self._read(sql, params, schema)

    def _split_point(self, table: str, column: str) -> Any:
        """Return a median of ``table.column`` from a sample of its pages, or ``None``.

        ``None`` when the table has too few rows for a split to pay. The
        sample only balances the halves: any value splits them correctly.
        """
        count, middle = self.query(
            f"SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY "
            f"{column}) FROM {table} TABLESAMPLE SYSTEM ({_SPLIT_SAMPLE_PCT:g}) "
            "REPEATABLE (0)"
        )[0]
        if middle is None or count * 100 / _SPLIT_SAMPLE_PCT < _SPLIT_MIN_ROWS:
            return None
        return middle

    def _read_halves(
        self,
        sql: str,
        params: Sequence[Any],
        schema: pa.Schema,
        column: str,
        boundary: Any,
    ) -> pa.Table:
        """Read the rows below ``boundary`` here and the rest on a second connection.

        Both halves read one snapshot: this connection's REPEATABLE READ
        transaction exports it and the second one imports it, so the rows are
        those of the single query at one moment, in its order.
        """
        from psycopg import sql as pgsql

        if self._reader is None:
            self._reader = PostgresBackend(
                self._url, connect_timeout_s=self._connect_timeout_s
            )
        reader = self._reader
        part = f"SELECT * FROM ({sql}) AS h WHERE h.{column} {{}} ? ORDER BY h.{column}"
        bound = [*params, boundary]
        self._con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            row = self._con.execute("SELECT pg_export_snapshot()").fetchone()
            reader._con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                reader._con.execute(
                    pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(
                        pgsql.Literal(row[0] if row else "")
                    )
                )
                with ThreadPoolExecutor(max_workers=1) as pool:
                    upper = pool.submit(reader._read, part.format(">="), bound, schema)
                    try:
                        lower = self._read(part.format("<"), bound, schema)
                    except BaseException:
                        reader._con.cancel_safe()
                        raise
                    finally:
                        wait([upper])
                    return pa.concat_tables([lower, upper.result()])
            finally:
                reader._con.execute("ROLLBACK")  # read only: nothing to keep
        finally:
            self._con.execute("ROLLBACK")

    def _read(self, sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
        """Read one query's rows through ``COPY ... TO STDOUT`` (CSV), parsed by Arrow.

        The CSV is parsed while it arrives: this thread gathers the server's
        rows into blocks of whole rows (:func:`_copy_out`) and a worker thread
        parses each block with Arrow's streaming reader (which releases the
        GIL). The parameters are bound client-side, as psycopg does for COPY.
        """
        import psycopg

        statement = psycopg.ClientCursor(self._con).mogrify(
            f"COPY ({_pg(sql)}) TO STDOUT WITH (FORMAT csv, HEADER false)",
            list(params) or None,
        )
        blocks = _RowBlocks()
        with ThreadPoolExecutor(max_workers=1) as pool:
            parsing: Future[pa.Table] | None = None
            try:
                for block in _copy_out(self._con, statement):
                    if parsing is None:
                        parsing = pool.submit(_parse_csv, blocks, schema)
                    blocks.put(block)
            finally:
                blocks.put(b"")  # the end of the data, even after an error
            if parsing is None:
                return schema.empty_table()
            return parsing.result()

    def load(self, table: str, data: pa.Table, *, freeze: bool = False) -> None:
        """Append ``data`` to ``table`` with ``COPY ... FROM STDIN`` (binary).

        ``freeze``: write the rows frozen (``COPY ... FREEZE``), for a table
        emptied by ``TRUNCATE`` in the current transaction.
        """
        names = data.schema.names
        found = dict(
            self.query(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped",
                [table],
            )
        )
        kinds = [found.get(name, "") for name in names]
        unknown = [n for n, k in zip(names, kinds, strict=True) if k not in _BINARY]
        if unknown:
            msg = f"cannot bulk-load columns {unknown!r} of {table}: unknown types"
            raise LedgerError(msg)
        columns = ", ".join(f'"{c}"' for c in names)
        from psycopg.copy import QueuedLibpqWriter

        # a worker thread sends each block while this one builds the next, so
        # the server parses rows while Arrow formats them
        with (
            self._con.cursor() as cur,
            cur.copy(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary"
                f"{', FREEZE' if freeze else ''})",
                writer=QueuedLibpqWriter(cur),
            ) as copy,
        ):
            copy.write(_COPY_HEADER)
            for start in range(0, data.num_rows, _COPY_ROWS):
                copy.write(_binary_rows(data.slice(start, _COPY_ROWS), kinds))
            copy.write(b"\xff\xff")

    def load_empty(self, table: str, data: pa.Table) -> None:
        """Drop the table's indexes and keys, load, then build them again.

        One sorted build is several times faster than keeping a B-tree and a
        GiST index up to date row by row; a rollback restores them.
        """
        keys = self.query(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE "
            "conrelid = ?::regclass AND contype IN ('p', 'u') ORDER BY conname",
            [table],
        )
        indexes = self.query(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class "
            "i ON i.oid = x.indexrelid WHERE x.indrelid = ?::regclass AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
            " ORDER BY i.relname",
            [table],
        )
        # sort in memory when building the indexes (64 MB by default)
        self.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, _ in keys:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            self.execute(f'DROP INDEX "{name}"')
        # emptied in this transaction, the table takes frozen rows: no reader
        # has to set their hint bits later, and vacuum need not freeze them
        self.execute(f"TRUNCATE {table}")
        self.load(table, data, freeze=True)
        for _, definition in indexes:
            self.execute(definition)
        for name, definition in keys:
            self.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    @contextmanager
    def staged(self, name: str, data: pa.Table, columns_ddl: str) -> Iterator[None]:
        """Copy ``data`` into a temporary table dropped when the transaction ends."""
        self.execute(f"CREATE TEMPORARY TABLE {name} ({columns_ddl}) ON COMMIT DROP")
        self.load(name, data)
        self.execute(f"ANALYZE {name}")
        yield

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """Return SQL building a JSONB object (50 pairs a call, the argument limit)."""
        parts = []
        for start in range(0, len(pairs), 50):
            chunk = pairs[start : start + 50]
            args = ", ".join(f"{_literal(k)}, {v}" for k, v in chunk)
            parts.append(f"jsonb_build_object({args})")
        return " || ".join(parts) if parts else "'{}'::jsonb"

    def lock_for_write(self) -> None:
        """Take the ingest advisory lock until the transaction ends."""
        self._con.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_KEY])

    def table_exists(self, name: str) -> bool:
        """Whether a table of this name exists in the search path."""
        row = self._con.execute("SELECT to_regclass(%s)", [name]).fetchone()
        return row is not None and row[0] is not None

    def size_bytes(self) -> int:
        """Total relation size of the ledger's tables and indexes."""
        rows = self.query(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
            "AND n.nspname = current_schema() AND c.relname IN ('ledger_version', "
            "'batches', 'snapshots', 'cases', 'quarantine', 'boundary_sets', "
            "'assignments')"
        )
        return int(rows[0][0])

    def begin(self) -> None:
        """Start a transaction."""
        self._con.execute("BEGIN")

    def commit(self) -> None:
        """Commit."""
        self._con.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back."""
        self._con.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection (and the second one of the split reads)."""
        if self._reader is not None:
            self._reader.close()
        self._con.close()


def connect(
    url: str | Path, *, lock_timeout_s: float = 10.0, connect_timeout_s: float = 5.0
) -> Backend:
    """Open the backend a ledger URL names.

    Parameters
    ----------
    url
        A file path (DuckDB) or ``postgresql://`` / ``postgres://`` URL.
    lock_timeout_s
        DuckDB: seconds to wait for another process holding the file.
    connect_timeout_s
        PostgreSQL: seconds to try to reach the server.

    Returns
    -------
    Backend
        An open connection.
    """
    text = str(url)
    if re.match(r"^postgres(ql)?://", text):
        return PostgresBackend(text, connect_timeout_s=connect_timeout_s)
    if "://" in text:
        msg = (
            f"unknown ledger URL scheme in {redact(text)!r}; pass a file path "
            "(ledger.duckdb) or postgresql://user@host:port/dbname."
        )
        raise LedgerError(msg)
    return DuckDBBackend(Path(text).expanduser(), lock_timeout_s=lock_timeout_s)


def _literal(text: str) -> str:
    """Quote ``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _pg(sql: str) -> str:
    """Turn ``?`` placeholders into psycopg's ``%s`` (the SQL holds no ``%``)."""
    return sql.replace("?", "%s")


#: Bytes of whole CSV rows handed to the parser at a time.
_CSV_BLOCK: Final = 1 << 20
#: Rows from which a read ordered on a key is split in two halves, and the
#: percentage of the table's pages sampled to find the middle key.
_SPLIT_MIN_ROWS: Final = 100_000
_SPLIT_SAMPLE_PCT: Final = 1.0


def _copy_out(con: Any, statement: str) -> Iterator[bytes]:
    """Run ``statement`` (a ``COPY ... TO STDOUT``) and yield its rows in blocks.

    Each block holds whole rows, about ``_CSV_BLOCK`` bytes. The rows are
    taken from libpq directly (psycopg's ``Copy`` object goes through its
    wait machinery once per row: 0.3 s of CPU per million rows); the socket
    is waited on with ``select``, which releases the GIL. An error from the
    server is raised as psycopg's exception for it; when the consumer stops
    early (or an exception interrupts the read), the query is cancelled and
    the connection drained, ready for the next statement.
    """
    from psycopg import pq

    pgconn = con.pgconn
    encoding = con.info.encoding
    pgconn.send_query(statement.encode(encoding))
    while pgconn.flush():  # a non-blocking connection may hold the query
        select.select([], [pgconn.socket], [])
    first = _result(pgconn)
    if first is None or first.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise _copy_error(pgconn, first, encoding)
    finished = False
    try:
        block = bytearray()
        get = pgconn.get_copy_data
        while True:
            nbytes, data = get(1)
            if nbytes > 0:
                block += data
                if len(block) >= _CSV_BLOCK:
                    yield bytes(block)
                    block.clear()
            elif nbytes == 0:  # would block: wait for the socket
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            else:
                break
        finished = True
        if block:
            yield bytes(block)
    finally:
        if not finished:
            con.cancel_safe()
            while pgconn.get_copy_data(0)[0] >= 0:
                pass
        last = _result(pgconn)
        _drain(pgconn)
    if last is None or last.status != pq.ExecStatus.COMMAND_OK:
        raise _copy_error(pgconn, last, encoding)


def _copy_error(pgconn: Any, result: Any, encoding: str) -> Exception:
    """Return psycopg's exception for a failed ``result`` (or a lost connection)."""
    import psycopg
    from psycopg import errors

    if result is None:
        text = pgconn.error_message.decode(encoding, "replace").strip()
        return psycopg.OperationalError(text or "the server closed the connection")
    return errors.error_from_result(result, encoding=encoding)


def _result(pgconn: Any) -> Any:
    """Wait for the next result of the query running on ``pgconn``."""
    while True:
        pgconn.consume_input()
        if not pgconn.is_busy():
            return pgconn.get_result()
        select.select([pgconn.socket], [], [])


def _drain(pgconn: Any) -> None:
    """Take the query's remaining results, so that the connection is idle."""
    while _result(pgconn) is not None:
        pass


class _RowBlocks(io.RawIOBase):
    """A read-only stream of the blocks of whole rows put into it.

    Each read returns (at most) one block, so Arrow's CSV reader parses the
    blocks as they are, ending at the end of a row: split inside a quoted
    value, a CR LF line break loses its LF in Arrow's chunker. An empty block
    ends the stream. The queue holds a few blocks, so the thread putting them
    waits for the parser.
    """

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=8)
        self._block = memoryview(b"")
        self._ended = False

    def put(self, block: bytes) -> None:
        """Queue ``block`` (``b""``: the end of the data)."""
        self._queue.put(block)

    def readable(self) -> bool:
        """Whether the stream can be read (it can)."""
        return True

    def _next(self) -> bytes:
        block = self._queue.get()
        if not block:
            # the end stays in the queue for any other reader: Arrow may read
            # ahead in its own thread while the parser drains after an error
            self._ended = True
            self._queue.put(block)
        return block

    def readinto(self, buffer: Any) -> int:
        """Copy (the rest of) the next block into ``buffer``."""
        if not self._block and not self._ended:
            self._block = memoryview(self._next())
        n = min(len(buffer), len(self._block))
        buffer[:n] = self._block[:n]
        self._block = self._block[n:]
        return n

    def drain(self) -> None:
        """Take every block until the end, so that no writer stays blocked."""
        while not self._ended:
            self._next()


def _parse_csv(blocks: _RowBlocks, schema: pa.Schema) -> pa.Table:
    """Parse the CSV rows arriving in ``blocks`` as ``schema``."""
    try:
        reader = pacsv.open_csv(
            blocks,
            read_options=pacsv.ReadOptions(
                # above the size of a block, which is then read whole
                column_names=schema.names,
                block_size=4 * _CSV_BLOCK,
            ),
            # report texts may hold line breaks (quoted by COPY)
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=_csv_types(schema),
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        return reader.read_all().cast(schema)
    finally:
        blocks.drain()


def _csv_types(schema: pa.Schema) -> dict[str, pa.DataType]:
    """Types Arrow's CSV reader parses directly (timestamps as UTC)."""
    out: dict[str, pa.DataType] = {}
    for field in schema:
        if pa.types.is_timestamp(field.type):
            out[field.name] = pa.timestamp("us", tz="UTC")
        else:
            out[field.name] = field.type
    return out


#: PostgreSQL types :meth:`PostgresBackend.load` writes in COPY's binary format.
_BINARY: Final = frozenset(
    {
        "bigint",
        "double precision",
        "timestamp with time zone",
        "text",
        "jsonb",
        "geometry(Point,4326)",
    }
)
_COPY_HEADER: Final = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_ROWS: Final = 1 << 16
#: 2000-01-01 UTC, PostgreSQL's epoch, in microseconds since 1970.
_PG_EPOCH_US: Final = 946_684_800_000_000


def _binary_rows(part: pa.Table, kinds: Sequence[str]) -> memoryview:
    """Rows of ``part`` in PostgreSQL's binary COPY format, built with Arrow.

    Each row is a 16-bit field count, then per field a 32-bit length (-1 for
    NULL) and the value: 8-byte big-endian integers, doubles and timestamps
    (microseconds since 2000-01-01 UTC), UTF-8 text, and for ``jsonb`` a
    version byte (1) before the text. Every field becomes a binary column and
    Arrow joins them row by row.
    """
    n = part.num_rows
    pieces: list[Any] = []
    for column, kind in zip(part.columns, kinds, strict=True):
        array = column.combine_chunks()
        if kind in ("text", "jsonb") or kind.startswith("geometry"):
            text = array.cast(pa.binary())
            if kind == "jsonb":
                text = pc.binary_join_element_wise(b"\x01", text, b"")
            lengths = np.asarray(pc.binary_length(text).fill_null(-1), dtype=">i4")
            pieces += [_fixed(lengths, 4), pc.fill_null(text, b"")]
            continue
        if kind == "timestamp with time zone":
            micros = array.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
            shifted = np.asarray(micros.fill_null(0), dtype=np.int64) - _PG_EPOCH_US
            values = shifted.astype(">i8")
        elif kind == "bigint":
            values = np.asarray(array.fill_null(0), dtype=">i8")
        else:
            values = np.asarray(array.fill_null(0), dtype=">f8")
        field = np.empty((n, 12), dtype=np.uint8)
        field[:, :4] = np.full(n, 8, dtype=">i4").view(np.uint8).reshape(n, 4)
        field[:, 4:] = values.view(np.uint8).reshape(n, 8)
        fields = _fixed(field, 12)
        if array.null_count:
            fields = pc.if_else(array.is_valid(), fields, _NULL_FIELD)
        pieces.append(fields)
    count = np.array([part.num_columns], dtype=">i2").tobytes()
    rows = pc.binary_join_element_wise(count, *pieces, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    first, last = offsets[rows.offset], offsets[rows.offset + n]
    return memoryview(rows.buffers()[2] or b"")[first:last]


def point_ewkb(lon: pa.Array, lat: pa.Array, srid: int = 4326) -> pa.Array:
    """Return EWKB points (little-endian, with ``srid``) built with numpy.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes (degrees, no nulls).
    srid
        The spatial reference id stored in each point.

    Returns
    -------
    pyarrow.Array
        Binary values of 25 bytes: byte order, type (point with SRID), SRID,
        x, y.
    """
    n = len(lon)
    out = np.empty((n, 25), dtype=np.uint8)
    out[:, 0] = 1
    out[:, 1:5] = np.frombuffer(np.uint32(0x20000001).tobytes(), np.uint8)
    out[:, 5:9] = np.frombuffer(np.uint32(srid).tobytes(), np.uint8)
    for at, values in ((9, lon), (17, lat)):
        column = np.asarray(values, dtype="<f8")
        out[:, at : at + 8] = column.view(np.uint8).reshape(n, 8)
    return _fixed(out, 25)


_NULL_FIELD: Final = pa.scalar(b"\xff\xff\xff\xff", pa.binary())


def _fixed(values: npt.NDArray[Any], width: int) -> pa.Array:
    """Return the bytes of ``values``, ``width`` a row, as an Arrow binary array."""
    data = pa.py_buffer(np.ascontiguousarray(values).view(np.uint8).tobytes())
    n = len(data) // width
    return pa.Array.from_buffers(pa.binary(width), n, [None, data]).cast(pa.binary())
