"""The weekly job: ingest, assign, analyse, rank, plan, map.

:func:`run_weekly` is what ``hotspots weekly`` runs. It first ingests into the
case ledger (:class:`hotspots.Ledger`, ``[ledger] url``) every configured
export not ingested yet (recognised by content hash), then analyses from the
ledger: the cases filed in the analysis window (the history weeks, the
blind-spot periods and the backtest weeks up to the week) in their state as
known at the end of the week (``as_of``), joined to the boundaries through
the ledger's assignment cache, so that a ledger only assigns new cases. A
case first exported after the week (e.g. in an export without a date in its
name, counted as exported when ingested) is taken in its current state; the
steps ignore a closure after the week. The rejected rows and the counts of
rows read, accepted and quarantined come from the ledger's batches. It returns a
:class:`Weekly` object whose attributes are the frames of every step,
computed on first use and kept, so a notebook or a script can run the job and
inspect each step (``job.cube``, ``job.gi``, ``job.emerging`` ...), and the
command line runs only the steps a subcommand needs.

Outputs of a week go to ``<output folder>/<week>/`` and are written into a
temporary folder first, then swapped into place, so a crash never leaves a
half-written week; running a week twice gives the same files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import glob
import html
import json
import os
import pickle
import re
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import pandas as pd

from .._core import labels as _labels
from .._core import schema
from .._core.objects import collector_paused
from .._core.outputs import (
    atomic_write,
    temp_dir,
    umask,
    write_csv,
    write_json,
    write_text,
    write_workbook,
    write_xlsx,
)
from .._core.schema import TARGET_ID
from ..errors import (
    CRSError,
    HotspotsError,
    HotspotsWarning,
    InputError,
    ReportsLeftOutWarning,
    collect_problems,
)
from ..ledger import IngestResult, Ledger
from ..read import boundaries as _boundaries_module
from ..read.boundaries import metric_crs_of
from .config import (
    WEEKDAYS,
    AccountabilityConfig,
    BoundariesConfig,
    Config,
    load_config,
)

if TYPE_CHECKING:
    from ..compute import Compute

__all__ = [
    "OutputError",
    "Weekly",
    "WeeklyNotice",
    "default_week",
    "ingest_exports",
    "mask_rejected",
    "read_exports",
    "run_weekly",
]

Progress = Callable[[str], None]

#: Longest street segment in metres (``segment_streets``'s ``max_length_m``).
SEGMENT_LENGTH_M: Final = 200.0

#: Rows of the ledger in the XLSX file (the top of the ranking; the CSV has all).
#: Writing a spreadsheet costs ~10 µs a cell, and a patrol office reads the top
#: of the list, not 100,000 rows.
XLSX_LEDGER_ROWS: Final = 5_000

#: Chinese headers of the blind-spot ledger (hotspots._core.labels).
LEDGER_HEADERS: Final = _labels.LEDGER_HEADERS
#: English headers of the blind-spot ledger (``[map] language = "en"``).
LEDGER_HEADERS_EN: Final = _labels.LEDGER_HEADERS_EN

#: Headers of ``shifts.csv`` (:meth:`Weekly.shift_table`) in each language.
SHIFT_HEADERS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "plan": "排班方案",
        "team": "队伍",
        "hours": "时长(小时)",
        "start": "开始",
        "end": "结束",
        "expected": "预计在岗时段案件数(件/周)",
        "coverage": "在岗覆盖比例(%)",
    },
    "en": {
        "plan": "Roster",
        "team": "Team",
        "hours": "Hours",
        "start": "Start",
        "end": "End",
        "expected": "Expected reports on duty (per week)",
        "coverage": "Share on duty (%)",
    },
}
#: The two rosters of ``shifts.csv``.
SHIFT_PLANS: Final[dict[str, dict[str, str]]] = {
    "staggered": {"zh": "错峰排班", "en": "Staggered"},
    "day": {"zh": "统一日班", "en": "Day shift"},
}
#: design_shifts' parameters as the [patrol] keys that set them.
_SHIFT_KEYS: Final = {
    "shift_hours": "[patrol] shifts",
    "allowed_hours": "[patrol] allowed_hours",
    "min_on_duty": "[patrol] min_on_duty",
    "teams": "[patrol] teams",
}


class WeeklyNotice(HotspotsWarning):
    """A notice of the weekly job: the week it chose, a step it skipped, a fix.

    The job goes on; the notice says what it did and how to change it. The
    command line prints each as one line; :attr:`Weekly.notices` keeps them
    and the summary lists them.
    """


#: Start of the message of the join's warning about reports left without an
#: id (:func:`hotspots.assign`); the job counts them once itself.
_NO_ID_MESSAGE: Final = r"\d+ of \d+ reports have no "
#: Start of the message of the cube's warning about reports not counted.
_NOT_COUNTED_MESSAGE: Final = r"\d+ of \d+ reports were not counted in the cube"


@contextmanager
def _left_out_ignored(message: str) -> Iterator[None]:
    """Ignore a stage's warning about reports left out on purpose, by its message.

    The stage's warning (a :class:`~hotspots.errors.ReportsLeftOutWarning`)
    is matched by the start of its message, so only the one the job accounts
    for itself is ignored: every other warning, of ``hotspots`` or of another
    library, goes on to the caller's filters.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=message, category=ReportsLeftOutWarning
        )
        yield


def _report_times(reports: Any) -> pd.DatetimeIndex:
    times = (
        reports[schema.REPORTED_AT] if isinstance(reports, pd.DataFrame) else reports
    )
    return pd.DatetimeIndex(pd.Series(times).dropna())


def default_week(
    tz: str = schema.DEFAULT_TZ,
    *,
    freq: str = "W-MON",
    today: dt.date | None = None,
    reports: pd.DataFrame | pd.Series | None = None,
) -> str:
    """Return the label of the last complete week (with reports, if given) in ``tz``.

    A week is complete once the clock (``today``) has left it. Given the
    reports, the week is the last complete one that holds a report, so an
    export analysed after its last week (or a machine whose clock is past the
    data) still gets the week of the data, not an empty one; when no complete
    week holds a report it is the last complete week by the clock.

    Parameters
    ----------
    tz
        The city's timezone (the config's ``[city] timezone``).
    freq
        The week's period code (``"W-MON"``: weeks starting Monday, ISO
        labels; ``"W-SUN"``: weeks starting Sunday, labelled by their first
        day). ``Config.freq`` gives it from ``[city] week_start``.
    today
        The current local date (default: now in ``tz``).
    reports
        The reports (a frame with ``reported_at``, or their times); default
        the clock's rule alone.

    Returns
    -------
    str
        E.g. ``"2026-W46"`` on Sunday 2026-11-22 (week 47 is not over yet).

    Examples
    --------
    >>> import datetime as dt
    >>> import pandas as pd
    >>> default_week(today=dt.date(2026, 11, 22))
    '2026-W46'
    >>> default_week(today=dt.date(2026, 11, 23))
    '2026-W47'
    >>> times = pd.Series(pd.to_datetime(["2026-11-18 09:00"]).tz_localize("UTC"))
    >>> default_week(today=dt.date(2027, 3, 1), reports=times)
    '2026-W47'
    """
    from ..spatial.cube import period_labels, period_start

    now = (
        pd.Timestamp.now(tz=tz)
        if today is None
        else pd.Timestamp(today).tz_localize(tz)
    )
    current = period_labels([now], freq=freq, tz=tz)[0]
    start = period_start(current, freq=freq, tz=tz)[0]
    clock_week = str(_shift(str(current), -1, freq=freq, tz=tz))
    if reports is None:
        return clock_week
    times = _report_times(reports)
    complete = times[times < start]
    if complete.empty:
        return clock_week
    return str(period_labels([complete.max()], freq=freq, tz=tz)[0])


def _shift(label: str, weeks: int, *, freq: str, tz: str) -> str:
    """Return the label ``weeks`` weeks after (before, if negative) ``label``.

    The arithmetic is on local calendar dates, so a daylight-saving change in
    between never moves the result into the neighbouring week.
    """
    from ..spatial.cube import period_labels, period_start

    local = period_start(label, freq=freq, tz=tz)[0].tz_localize(None)
    moved = local + pd.Timedelta(weeks=weeks) + pd.Timedelta(hours=12)
    return str(period_labels([moved], freq=freq, tz=tz)[0])


def _week_error(week: object, freq: str) -> InputError:
    from ..spatial.cube import MAX_YEAR, MIN_YEAR

    years = f"years {MIN_YEAR} to {MAX_YEAR}"
    if freq == "W-MON":
        form = (
            "an ISO week written YYYY-Www (W01 to W52, W53 in long years; "
            f"{years}) or a date in it"
        )
        example = "2026-W47"
    else:
        day = {d[:3].upper(): d for d in WEEKDAYS}[freq[2:]]
        form = (
            f"a week written as its first day YYYY-MM-DD (weeks start on {day}, "
            f"[city] week_start; {years}) or a date in it"
        )
        example = "2026-11-15"
    msg = (
        f"week must be {form}, got {week!r}. Pass e.g. week={example!r} (on the "
        f"command line --week {example})."
    )
    return InputError(msg)


@dataclass(frozen=True)
class _Bounds:
    week: str
    start: pd.Timestamp
    end: pd.Timestamp
    first_week: str


def _bounds(week: str, *, freq: str, tz: str, history_weeks: int) -> _Bounds:
    from ..spatial.cube import period_labels, period_start

    try:
        start = period_start(week, freq=freq, tz=tz)[0]
    except InputError as err:
        raise _week_error(week, freq) from err
    label = str(period_labels([start], freq=freq, tz=tz)[0])
    end = period_start(_shift(label, 1, freq=freq, tz=tz), freq=freq, tz=tz)[0]
    first = _shift(label, -(history_weeks - 1), freq=freq, tz=tz)
    return _Bounds(label, start, end, first)


#: Python parameter -> TOML key, per kind of call the job makes from a config:
#: an error raised inside names the key a config user can change.
_INPUT_KEYS: Final[Mapping[str, str]] = {
    "encoding": "[input] encoding",
    "mapping": "[input.mapping]",
    "preset": "[input] preset",
    "coords": "[input] coords",
    "tz": "[city] timezone",
    "header_row": "[input] header_row",
    "time_window": "[input] time_window",
}


#: Python parameter -> TOML key of the compute engine's errors.
_COMPUTE_KEYS: Final[Mapping[str, str]] = {"scheduler": "[compute] scheduler"}


def _config_words(err: InputError, keys: Mapping[str, str]) -> InputError:
    """Return ``err`` (same class) with Python parameters replaced by TOML keys.

    ``Pass encoding='gbk'`` becomes ``Set [input] encoding = "gbk"``: a user
    of the config cannot pass Python arguments. Other text is kept.
    """

    def words(text: str) -> str:
        for name, key in keys.items():
            quoted = rf"(?:(Pass|pass) )?\b{re.escape(name)}=(?:'([^']*)'|\"([^\"]*)\")"

            def repl(m: re.Match[str], key: str = key) -> str:
                verb = "" if m[1] is None else ("Set " if m[1] == "Pass" else "set ")
                value = m[2] if m[2] is not None else m[3]
                return f'{verb}{key} = "{value}"'

            text = re.sub(quoted, repl, text)
            text = re.sub(rf"\b{re.escape(name)}=", f"{key} = ", text)
        return text

    out = type(err)(words(str(err)), [words(p) for p in err.problems])
    return out


@contextmanager
def _warnings_to_main_thread() -> Iterator[None]:
    """Collect every warning raised inside (any thread) and re-emit it here.

    ``warnings.catch_warnings`` is process-wide before Python 3.14: libraries
    that use it in a worker thread can swap the filters under another thread
    and lose its warnings. Recording everything while the workers run and
    re-emitting each warning afterwards from the calling thread, through the
    caller's filters, shows every notice every time.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
        pending = list(caught)
    for w in pending:
        warnings.warn_explicit(
            w.message, w.category, w.filename, w.lineno, source=w.source
        )


def _crs_name(crs: Any) -> str:
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    code = c.to_epsg()
    return f"EPSG:{code}" if code is not None else repr(c.name)


def _layer_columns(kind: str) -> Mapping[str, str]:
    from .config import BOUNDARY_COLUMNS

    return BOUNDARY_COLUMNS[kind]


def _read_layer(kind: str, path: Path) -> gpd.GeoDataFrame:
    """Read a boundary file as it is (to rename its columns before validation)."""
    if not path.exists():
        msg = (
            f"[boundaries] {kind}: file {str(path)!r} does not exist. Give the path "
            "of a GeoJSON, GeoPackage, Shapefile or GeoParquet file."
        )
        raise InputError(msg)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet", ".pq"):
            return gpd.read_parquet(path)
        return gpd.read_file(path)
    except Exception as err:  # any reader failure becomes one clear message
        msg = (
            f"[boundaries] {kind}: cannot read {str(path)!r} as a geospatial file "
            f"({err}). Give a GeoJSON, GeoPackage, Shapefile or GeoParquet file."
        )
        raise InputError(msg) from err


def _rename_columns(
    frame: gpd.GeoDataFrame, kind: str, columns: Mapping[str, str]
) -> gpd.GeoDataFrame:
    """Return ``frame`` with its ``{canonical: source}`` columns renamed.

    Raises one InputError naming the TOML key of every column not found.
    """
    problems = [
        f"{BoundariesConfig.column_key(kind, canonical)} names column {source!r}, "
        f"which the {kind} layer does not have (columns: "
        f"{', '.join(map(str, frame.columns))}). Set it to one of them or remove "
        "the key."
        for canonical, source in columns.items()
        if source not in frame.columns
    ]
    collect_problems(problems, f"[boundaries] {kind} columns")
    replaced = [c for c in columns if c in frame.columns and c not in columns.values()]
    renamed: gpd.GeoDataFrame = frame.drop(columns=replaced).rename(
        columns={v: k for k, v in columns.items()}
    )
    return renamed


def _boundary_keys(kind: str) -> dict[str, str]:
    """Python parameter -> TOML key for a boundary layer's errors."""
    id_canonical = next(iter(_layer_columns(kind).values()))
    return {"id_column": BoundariesConfig.column_key(kind, id_canonical)}


def _quiet(_: str) -> None:
    return None


def _serialised(progress: Progress) -> Progress:
    """Wrap a progress callback so that two threads never call it at once."""
    lock = threading.Lock()

    def call(step: str) -> None:
        with lock:
            progress(step)

    return call


@dataclass(frozen=True)
class ReadSummary:
    """What the ledger holds for the week, after ingesting the config's exports.

    Attributes
    ----------
    reports
        The cases of the analysis window, one row per case, in their state as
        known at the end of the week, joined to the boundaries.
    quarantined
        Every row the ledger quarantined (``source_file`` is the file name).
    rows_read
        Rows read over every batch of the ledger (``accepted + quarantined``).
    accepted
        Accepted rows over every batch (a case exported twice counts twice).
    cases
        Distinct cases in the ledger.
    re_exported
        Accepted rows that repeat a case already in the ledger
        (``accepted - cases``): overlapping exports and later status changes.
    ingested
        ``(file, IngestResult)`` of each configured export, this run.
    """

    reports: gpd.GeoDataFrame
    quarantined: pd.DataFrame
    rows_read: int
    accepted: int = 0
    cases: int = 0
    re_exported: int = 0
    ingested: tuple[tuple[Path, IngestResult], ...] = ()


@dataclass(frozen=True)
class _LedgerState:
    ingested: tuple[tuple[Path, IngestResult], ...]
    batches: pd.DataFrame
    quarantined: pd.DataFrame


def ingest_exports(
    config: Config,
    ledger: Ledger,
    paths: tuple[Path, ...] | None = None,
    *,
    accept_mapping_change: bool = False,
) -> tuple[tuple[Path, IngestResult], ...]:
    """Ingest exports into ``ledger`` with the config's read settings.

    Parameters
    ----------
    config
        The city's config (``[input]`` and ``[city] timezone`` say how to read).
    ledger
        An open ledger.
    paths
        The files (default: every configured export); a file already ingested
        (same content, same settings) is recognised and changes nothing.
    accept_mapping_change
        Accept an export whose columns map differently from the last batch.

    Returns
    -------
    tuple
        ``(file, IngestResult)`` per file, in order.

    Raises
    ------
    InputError
        An unreadable export, a changed column mapping or cases at other
        coordinates (the message names the config keys); the batch is not
        ingested, earlier ones stay.
    """
    categories = [c.__dict__ for c in config.categories if c.code] or None
    options: dict[str, Any] = {
        "mapping": config.input.mapping or None,
        "preset": config.input.preset,
        "coords": config.input.coords,
        "tz": config.timezone,
        "categories": categories,
        "encoding": config.input.encoding,
        "header_row": config.input.header_row,
        "time_window": config.input.time_window,
    }
    done = []
    for path in config.input.reports if paths is None else paths:
        try:
            result = ledger.ingest(
                path, accept_mapping_change=accept_mapping_change, **options
            )
        except InputError as err:
            raise _config_words(err, _INPUT_KEYS) from err
        done.append((Path(path), result))
    return tuple(done)


def _warn_unassigned(
    frame: gpd.GeoDataFrame, distance_m: float, areas: gpd.GeoDataFrame | None
) -> None:
    """Warn as :func:`hotspots.assign` does about cases left with NA ids."""
    levels = (
        set()
        if areas is None or "level" not in areas.columns
        else set(areas["level"].astype(str))
    )
    columns = (
        schema.GRID_ID,
        schema.SEGMENT_ID,
        *(
            f"{level}_id"
            for level in ("district", "subdistrict", "community")
            if level in levels
        ),
    )
    counts = {c: int(frame[c].isna().sum()) for c in columns if c in frame.columns}
    if not any(counts.values()):
        return
    n = len(frame)
    parts = [f"{v} of {n} reports have no {k}" for k, v in counts.items() if v]
    warnings.warn(
        ReportsLeftOutWarning(
            "; ".join(parts) + ". They are kept with NA ids (reports outside "
            "every cell or area, or farther than max_street_distance_m="
            f"{distance_m} m from every street)."
        ),
        stacklevel=3,
    )


def _count_scopes() -> dict[str, list[str]]:
    """Return the summary's ``count_scopes``: which counts cover what."""
    return {
        "week": [
            "reports_in_week",
            "unassigned_grid_in_week",
            "unassigned_street_in_week",
            "clusters_in_week",
        ],
        "all_history": [
            "rows_read",
            "accepted",
            "quarantined",
            "cases",
            "re_exported",
            "reports_before_window",
            "reports_after_week",
        ],
        "window": [
            "reports_before_week",
            "unassigned_grid",
            "unassigned_street",
        ],
    }


def _top_blind_spots(top: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the summary's ``top_blind_spots``: rank, cell, score, reasons."""
    return [
        {
            "rank": int(r["rank"]),
            schema.GRID_ID: str(r[schema.GRID_ID]),
            "score": round(float(r["score"]), 3),
            "reason_zh": str(r["reason_zh"]),
            "reason_en": str(r["reason_en"]),
        }
        for _, r in top.iterrows()
    ]


def _patrol_summary(plan: Any) -> dict[str, Any]:
    """Return the summary's ``patrol``: teams, stops, score, what was left out."""
    return {
        "teams": int(plan.routes.shape[0]),
        "stops": int(plan.stops.shape[0]),
        "total_score": round(float(plan.stops["score"].sum()), 3),
        "left_out": int(plan.left_out.shape[0]),
        "left_out_reasons": {
            str(k): int(v) for k, v in plan.left_out["reason"].value_counts().items()
        },
    }


def read_exports(config: Config, paths: tuple[Path, ...] | None = None) -> ReadSummary:
    """Read and validate exports with the config's settings, without a ledger.

    What ``hotspots check`` runs: every row is read by
    :func:`~hotspots.read.reports.read_reports`, bad rows quarantined, nothing stored.

    Parameters
    ----------
    config
        The city's config.
    paths
        The files (default: every configured export).

    Returns
    -------
    ReadSummary
        The accepted rows of every file (concatenated), the quarantined rows
        (with ``source_file``) and the rows read.

    Raises
    ------
    InputError
        An export that cannot be read (the message names the config keys).
    """
    from ..read.reports import read_reports

    accepted, rejected, rows = [], [], 0
    categories = [c.__dict__ for c in config.categories if c.code] or None
    for path in config.input.reports if paths is None else paths:
        try:
            res = read_reports(
                path,
                mapping=config.input.mapping or None,
                preset=config.input.preset,  # type: ignore[arg-type]
                coords=config.input.coords,
                tz=config.timezone,
                on_error="quarantine",
                categories=categories,
                encoding=config.input.encoding,
                header_row=config.input.header_row,
                time_window=config.input.time_window,
            )
        except InputError as err:
            raise _config_words(err, _INPUT_KEYS) from err
        accepted.append(res.reports)
        q = res.quarantined.copy()
        q.insert(0, "source_file", Path(path).name)
        rejected.append(q)
        rows += res.rows_read
    reports = gpd.GeoDataFrame(pd.concat(accepted, ignore_index=True), crs=schema.WGS84)
    quarantined = pd.concat(rejected, ignore_index=True)
    return ReadSummary(
        reports, quarantined, rows, accepted=len(reports), cases=len(reports)
    )


def mask_rejected(config: Config, quarantined: pd.DataFrame) -> pd.DataFrame:
    """Return quarantined rows as written, personal data masked.

    Quarantined rows keep the export's own headers, so the private columns
    are found by the canonical names, by the headers the reader maps to
    them (反映人 -> ``reporter_name``, 联系方式 -> ``reporter_phone``, the
    config's ``[input.mapping]``), by usual headers of personal data
    (身份证号, 手机 ...; :func:`hotspots._core.privacy.private_columns`) and by
    the config's ``[privacy] private_columns``; those are blanked, and
    every other text cell is scrubbed of phone and ID numbers, names after
    a label and e-mail addresses.

    Parameters
    ----------
    config
        The city's config.
    quarantined
        Rows quarantined by the reader or the ledger.

    Returns
    -------
    pandas.DataFrame
        The rows, masked.
    """
    from .._core.privacy import mask_frame
    from ..read.reports import PLATFORM_COLUMNS

    private = set(schema.PRIVATE_COLUMNS)
    aliases = {c: PLATFORM_COLUMNS.get(c, ()) for c in schema.PRIVATE_COLUMNS}
    private |= {h for headers in aliases.values() for h in headers}
    private |= {src for src, dst in config.input.mapping.items() if dst in private}
    private |= set(config.private_columns)
    return mask_frame(quarantined, private=sorted(private))


def _frame_hash(frame: gpd.GeoDataFrame, settings: str) -> str:
    """SHA-256 of a layer's CRS, attributes, geometries and the given settings."""
    import hashlib

    import numpy as np
    import shapely

    digest = hashlib.sha256(settings.encode())
    digest.update(str(frame.crs).encode())
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    digest.update(json.dumps([str(c) for c in attrs.columns]).encode())
    if len(attrs.columns):
        hashed = pd.util.hash_pandas_object(attrs.astype("str"), index=False)
        digest.update(np.asarray(hashed).tobytes())
    for wkb in shapely.to_wkb(frame.geometry.values):
        digest.update(b"" if wkb is None else wkb)
    return digest.hexdigest()


def _rejected_rows(quarantined: pd.DataFrame) -> pd.DataFrame:
    """Return the ledger's quarantined rows as the weekly job writes them."""
    out = quarantined.drop(columns=["batch_id"])
    out["source_file"] = [Path(str(f)).name for f in out["source_file"]]
    # the layout of a read export's quarantine: file first, row and reason last
    tail = [schema.ROW_NUMBER, schema.REASON]
    out = out[[c for c in out.columns if c not in tail] + tail]
    return out.reset_index(drop=True)


class Weekly:
    """One week's job: every step's result, computed on first use and kept.

    Build it with :func:`run_weekly` (which also writes the outputs) or
    directly, ``Weekly(config, week=...)``, to inspect steps one by one.

    Parameters
    ----------
    config
        A validated :class:`~hotspots.pipeline.config.Config` or the path of a
        ``hotspots.toml``.
    week
        The week to analyse, e.g. ``"2026-W47"`` (with ``week_start =
        "monday"``) or the week's first day, e.g. ``"2026-11-15"`` (other
        week starts); a date in the week works too. Default: the last complete
        week that holds a report (:func:`default_week` with the reports),
        chosen when first needed (reading the exports) and announced with a
        :class:`WeeklyNotice`.
    progress
        Called with the name of each step as it starts (the CLI draws a
        progress bar with it).
    ledger
        The case ledger: an open :class:`~hotspots.Ledger` (left open), or a
        DuckDB path or PostgreSQL URL; default the config's ``[ledger] url``
        (``ledger.duckdb`` beside the config).
    compute
        The Dask engine of the partitioned steps (e.g.
        ``hotspots.compute.engine("dask")``, left open); default the config's
        ``[compute]``: with ``engine = "dask"`` each partitioned step starts
        (and closes) the engine it names. See :attr:`uses_dask`.

    Notes
    -----
    One week definition runs through every step: the config's ``[city]
    timezone`` and ``week_start`` (``Config.freq``) set the week labels, the
    default week, the cube, the blind-spot window, the backtest weeks and the
    map's time control.

    Without ``[boundaries] streets`` the street join, the street layer and the
    patrol plan are skipped with a notice; everything else is computed.
    """

    def __init__(
        self,
        config: Config | str | os.PathLike[str],
        *,
        week: str | None = None,
        progress: Progress | None = None,
        ledger: Ledger | str | os.PathLike[str] | None = None,
        compute: Compute | None = None,
    ) -> None:
        self.config = config if isinstance(config, Config) else load_config(config)
        self._compute_given = compute
        if ledger is not None and not isinstance(ledger, Ledger | str | os.PathLike):
            msg = (
                "ledger must be a Ledger, a DuckDB path or a postgresql:// URL, "
                f"got {type(ledger).__name__}."
            )
            raise TypeError(msg)
        self._ledger_given = ledger
        #: Output name -> path, filled by :meth:`write`.
        self.outputs: dict[str, Path] = {}
        #: The notices the job gave (also warned as :class:`WeeklyNotice`).
        self.notices: list[str] = []
        #: How the week was chosen when none was given (a sentence), else None.
        self.week_notice: str | None = None
        self.progress = _serialised(progress or _quiet)
        self._week_given = week
        self._validations: dict[str, Any] = {}
        self._after_week = 0
        if week is not None:
            _ = self._bounds  # a wrong week fails here, before any work

    @contextmanager
    def _ledger(self) -> Iterator[Ledger]:
        """Open the ledger for one step and close it after (unless given open)."""
        given = self._ledger_given
        if isinstance(given, Ledger):
            yield given
            return
        url = self.config.ledger_url if given is None else os.fspath(given)
        if not url:
            url = str(Path.cwd() / "ledger.duckdb")
        with Ledger.open(url) as ledger:
            yield ledger

    # -- the compute engine ([compute]) ---------------------------------------
    @property
    def uses_dask(self) -> bool:
        """Whether the partitioned steps run on Dask.

        With an engine given (``compute=``) its kind decides, else the
        config's ``[compute] engine``. On Dask, the join of the cases the
        ledger has not assigned yet (all of the window on a first run, the new
        cases after), the space-time cube and the blind spots' and the
        scorecards' per-unit sums run partition by partition
        (:func:`hotspots.compute.assign_partitioned`,
        :func:`hotspots.compute.cube_partitioned`,
        :func:`hotspots.compute.blind_spots_partitioned`,
        :func:`hotspots.compute.scorecard_partitioned`), with the same results;
        the ledger read, the statistics and the ranking stay in memory.
        """
        given = self._compute_given
        if given is not None:
            return given.kind == "dask"
        return self.config.compute.engine == "dask"

    @contextmanager
    def _engine(self) -> Iterator[Compute]:
        """Yield the Dask engine of one partitioned step (a given one left open)."""
        from ..compute import engine_from_config

        if self._compute_given is not None:
            yield self._compute_given
            return
        try:
            started = engine_from_config(self.config.compute)
        except InputError as err:
            raise _config_words(err, _COMPUTE_KEYS) from err
        with started:
            yield started

    @contextmanager
    def _on_cluster(self) -> Iterator[Compute]:
        """Run the Dask work inside on the engine's client, text kept as is."""
        import dask

        with (
            self._engine() as compute,
            dask.config.set({"dataframe.convert-string": False}),
        ):
            if compute.client is None:
                yield compute
                return
            with compute.client.as_current():
                yield compute

    def _partitioned_join(
        self, reports: gpd.GeoDataFrame, **options: Any
    ) -> gpd.GeoDataFrame:
        """:func:`hotspots.assign`, partition by partition on the engine."""
        import dask_geopandas

        from ..compute import assign_partitioned, partitions

        with self._on_cluster() as compute:
            n = partitions(compute, self.config.compute.partitions)
            parts = dask_geopandas.from_geopandas(reports, npartitions=n, sort=False)
            joined = assign_partitioned(parts, client=compute.client, **options)
            out: gpd.GeoDataFrame = joined.compute()
        return out

    def _partitioned_cube(
        self, reports: pd.DataFrame, units: pd.DataFrame, **options: Any
    ) -> pd.DataFrame:
        """:func:`hotspots.spatial.cube.space_time_cube`, partition by partition."""
        import importlib

        from ..compute import cube_partitioned, partitions

        dd: Any = importlib.import_module("dask.dataframe")

        columns = [schema.GRID_ID, schema.REPORTED_AT]
        with self._on_cluster() as compute:
            n = partitions(compute, self.config.compute.partitions)
            parts = dd.from_pandas(
                pd.DataFrame(reports[columns]), npartitions=n, sort=False
            )
            return cube_partitioned(parts, units, **options)

    def _partitioned_scorecard(
        self, cases: pd.DataFrame, **options: Any
    ) -> pd.DataFrame:
        """:func:`~hotspots.accountability.scorecard.scorecard`, by partition."""
        import importlib

        from ..compute import partitions, scorecard_partitioned

        dd: Any = importlib.import_module("dask.dataframe")

        with self._on_cluster() as compute:
            n = partitions(compute, self.config.compute.partitions)
            parts = dd.from_pandas(cases, npartitions=n, sort=False)
            return scorecard_partitioned(parts, **options)

    def _partitioned_blind_spots(
        self, reports: gpd.GeoDataFrame, units: gpd.GeoDataFrame, **options: Any
    ) -> gpd.GeoDataFrame:
        """:func:`~hotspots.ledger.blindspots.blind_spots`, by partition."""
        import dask_geopandas

        from ..compute import blind_spots_partitioned, partitions

        with self._on_cluster() as compute:
            n = partitions(compute, self.config.compute.partitions)
            parts = dask_geopandas.from_geopandas(reports, npartitions=n, sort=False)
            return blind_spots_partitioned(parts, units, **options)

    @functools.cached_property
    def _state(self) -> _LedgerState:
        """Ingest the configured exports; the ledger's batches and quarantine."""
        self.progress("ingest")
        with self._ledger() as ledger:
            ingested = ingest_exports(self.config, ledger)
            return _LedgerState(ingested, ledger.batches(), ledger.quarantined())

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        warnings.warn(WeeklyNotice(text), stacklevel=3)

    # -- the week ---------------------------------------------------------------
    @functools.cached_property
    def _bounds(self) -> _Bounds:
        cfg = self.config
        week = self._week_given
        if week is None:
            _ = self._state
            with self._ledger() as ledger:
                reports = ledger.reports()
            week = default_week(cfg.timezone, freq=cfg.freq, reports=reports)
            times = _report_times(reports)
            if times.empty:
                why = "no report has a time"
            else:
                last = times.max().tz_convert(cfg.timezone)
                why = f"the last report was filed {last:%Y-%m-%d %H:%M}"
            self.week_notice = (
                f"no week given: analysing {week}, the last complete week with "
                f"reports ({why}); pass --week (week=...) for another."
            )
            self._notice(self.week_notice)
        return _bounds(
            week,
            freq=cfg.freq,
            tz=cfg.timezone,
            history_weeks=cfg.analysis.history_weeks,
        )

    @property
    def week(self) -> str:
        """The analysed week's label, e.g. ``"2026-W47"``."""
        return self._bounds.week

    @property
    def week_start(self) -> pd.Timestamp:
        """The analysed week's first instant (local midnight in the city's zone)."""
        return self._bounds.start

    @property
    def week_end(self) -> pd.Timestamp:
        """The first instant after the analysed week."""
        return self._bounds.end

    @property
    def first_week(self) -> str:
        """The first week of the history (``history_weeks`` weeks to the week)."""
        return self._bounds.first_week

    # -- inputs ---------------------------------------------------------------
    @functools.cached_property
    def read(self) -> ReadSummary:
        """The configured exports ingested; the ledger's counts and the window.

        Bad rows are quarantined in the ledger, none lost; ``reports`` is
        :attr:`assigned`.
        """
        state = self._state
        batches = state.batches
        rows = int(batches["rows_read"].sum())
        bad = int(batches["quarantined"].sum())
        cases = int(batches["inserted"].sum())
        return ReadSummary(
            self.assigned,
            _rejected_rows(state.quarantined),
            rows,
            accepted=rows - bad,
            cases=cases,
            re_exported=rows - bad - cases,
            ingested=state.ingested,
        )

    @functools.cached_property
    def window_start(self) -> pd.Timestamp:
        """First instant of the analysis window (cases filed before it are not read).

        The window covers ``history_weeks`` (the cube), ``periods`` + 1 (the
        blind spots) and ``backtest_weeks`` more weeks (the backtest's first
        forecast has the same history as the week's), ending with the week.
        """
        from ..spatial.cube import period_start

        cfg, an = self.config, self.config.analysis
        back = max(an.history_weeks, an.periods + 1) + an.backtest_weeks - 1
        first = _shift(self.week, -back, freq=cfg.freq, tz=cfg.timezone)
        return period_start(first, freq=cfg.freq, tz=cfg.timezone)[0]

    @functools.cached_property
    def grid(self) -> gpd.GeoDataFrame:
        """The unit grid cells, validated."""
        return self._boundary("grid")

    @functools.cached_property
    def areas(self) -> gpd.GeoDataFrame | None:
        """The admin areas (district / subdistrict / community), if configured."""
        return self._boundary("areas") if self.config.boundaries.areas else None

    @functools.cached_property
    def _street_segments(self) -> gpd.GeoDataFrame | None:
        """The street segments in the streets layer's own CRS (or ``None``)."""
        if self.config.boundaries.streets is None:
            return None
        return self._segment(self._boundary("streets"))

    def _segment(self, streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Cut the streets into segments, or read them from the segment cache.

        The cache is a GeoParquet file beside the DuckDB ledger (beside the
        config for a PostgreSQL ledger), named by a content hash of the
        validated streets layer and the segment settings: changed streets
        are a new file; a damaged file is recomputed.
        """
        from ..read.boundaries import segment_streets

        self.progress("segments")
        cached = self._segments_file(streets)
        if cached is not None and cached.is_file():
            try:
                # the streets' own CRS object (GeoParquet gives it back as
                # PROJJSON, which names it differently)
                with collector_paused():  # 100,000 lines from WKB
                    read = gpd.read_parquet(cached)
                return read.set_crs(streets.crs, allow_override=True)
            except Exception:  # any unreadable cache file is recomputed
                pass
        segments = segment_streets(streets, max_length_m=SEGMENT_LENGTH_M)
        if cached is not None:
            with contextlib.suppress(OSError, ValueError):
                atomic_write(cached, lambda tmp: segments.to_parquet(tmp))
        return segments

    def _cache_folder(self) -> Path | None:
        """Return the boundary caches' folder (beside a DuckDB ledger or the config)."""
        given = self._ledger_given
        url = self.config.ledger_url if given is None else given
        if isinstance(url, Ledger) or "://" in os.fspath(url) or not os.fspath(url):
            folder = self.config.path.parent if self.config.path else None
        else:
            folder = Path(os.fspath(url)).parent
        if folder is None or not folder.is_dir():
            return None
        return folder

    def _segments_file(self, streets: gpd.GeoDataFrame) -> Path | None:
        folder = self._cache_folder()
        if folder is None:
            return None
        key = _frame_hash(streets, f"segment_streets max_length_m={SEGMENT_LENGTH_M}")
        return folder / f".hotspots-segments-{key[:24]}.parquet"

    def _validation_file(self, kind: str, path: Path, id_column: object) -> Path | None:
        """Return the cache file of one layer's validation, or ``None`` (no cache).

        Named by a SHA-256 of the layer's file bytes (a shapefile's sidecar
        files too), the layer kind, the id column and the validation code
        (``hotspots/boundaries.py``): an edited layer or a changed validation
        is a new file.
        """
        import hashlib

        folder = self._cache_folder()
        if folder is None or not path.is_file():
            return None
        files = [path]
        if path.suffix.lower() == ".shp":
            files = sorted(path.parent.glob(f"{glob.escape(path.stem)}.*"))
        digest = hashlib.sha256(f"{kind}\0{id_column}\0".encode())
        digest.update(Path(_boundaries_module.__file__).read_bytes())
        for file in files:
            digest.update(file.name.encode() + b"\0")
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        return folder / f".hotspots-validated-{kind}-{digest.hexdigest()[:24]}.pickle"

    @functools.cached_property
    def segments(self) -> gpd.GeoDataFrame | None:
        """The street segments (split at intersections and at 200 m), or ``None``.

        In the grid's CRS: a streets layer in another CRS is reprojected, with
        a notice naming both CRSs. ``None`` (with a notice) when the config has
        no ``[boundaries] streets``.
        """
        segments = self._street_segments
        if segments is None:
            self._notice(
                "no [boundaries] streets in the config: the street join, the "
                "street layer and the patrol plan are skipped; add streets = "
                '"<street centrelines file>" under [boundaries] to get them.'
            )
            return None
        grid_crs = self.grid.crs
        if segments.crs is None or grid_crs is None or segments.crs == grid_crs:
            return segments
        a, b = _crs_name(segments.crs), _crs_name(grid_crs)
        try:
            moved = segments.to_crs(grid_crs)
        except Exception as err:  # any projection failure is one clear message
            msg = (
                f"the streets layer ({a}) cannot be reprojected to the grid's CRS "
                f"({b}): {err}. Save both layers in one CRS."
            )
            raise CRSError(msg) from err
        self._notice(
            f"the streets layer is in {a} and the grid in {b}: the streets were "
            f"reprojected to {b}. Save both in one CRS to skip this step."
        )
        return moved

    def _inputs(
        self,
    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
        """Ingest the exports and load the boundaries, side by side.

        The grid (with the areas) and the streets are validated (and the
        streets segmented) in two more threads while the exports are read:
        all three spend most of their time in Arrow, GDAL, GEOS and NumPy,
        which release the GIL, so they overlap even on two cores (about 3 s
        saved on a city of 100,000 cells).

        Errors and notices are the same as loading them one after the other,
        every time: the threads only validate (:func:`validate_boundaries`
        never warns), and the errors are raised and the repairs warned here,
        in the calling thread. Warnings filters are process-wide before Python
        3.14, and a library that silences warnings for a moment in one thread
        (``shapely.is_valid`` does) used to swallow a notice raised meanwhile
        in another. Any other warning raised in the threads is recorded and
        re-emitted here.
        """
        loaded = "_state" in self.__dict__ or all(
            k in self.__dict__ for k in ("grid", "_street_segments", "areas")
        )
        if not loaded:
            cfg = self.config.boundaries

            def cells() -> None:
                self._validated("grid")
                if cfg.areas is not None:
                    self._validated("areas")

            def streets() -> gpd.GeoDataFrame | None:
                if cfg.streets is None:
                    return None
                report = self._validated("streets")
                if report.errors or report.crs_errors:
                    return None  # raised below, in this thread
                return self._segment(report.frame)

            with (
                _warnings_to_main_thread(),
                ThreadPoolExecutor(max_workers=2) as pool,
            ):
                grid_done = pool.submit(cells)
                segmented = pool.submit(streets)
                _ = self._state
                grid_done.result()
                segments = segmented.result()
            _ = self.grid, self.areas  # raise or warn in this thread
            if cfg.streets is not None:
                _ = self._boundary("streets")
                self.__dict__["_street_segments"] = segments
        _ = self._state
        return self.grid, self.segments, self.areas

    def _validated(self, kind: str) -> Any:
        """Validate one boundary layer once (a ``ValidationReport``; never warns).

        The columns named by ``[boundaries] <layer>_<part>_column`` are renamed
        to the canonical ones first.
        """
        from ..read.boundaries import ValidationReport, validate_boundaries

        done = self._validations.get(kind)
        if done is not None:
            return done
        bc = self.config.boundaries
        path = getattr(bc, kind)
        if path is None:
            msg = (
                f"the config has no boundaries.{kind}: add the path of the {kind} "
                f'layer under [boundaries], e.g. {kind} = "boundaries/{kind}.geojson".'
            )
            raise InputError(msg)
        self.progress(kind)
        columns = dict(bc.columns.get(kind, {}))
        id_canonical = next(iter(_layer_columns(kind).values()))
        id_column = columns.pop(id_canonical, None)
        cached = None if columns else self._validation_file(kind, path, id_column)
        if cached is not None and cached.is_file():
            try:
                with cached.open("rb") as handle, collector_paused():
                    report = pickle.load(handle)  # our own cache file
                if isinstance(report, ValidationReport) and report.kind == kind:
                    self._validations[kind] = report
                    return report
            except Exception:  # any unreadable cache file is recomputed
                pass
        source: Any = path
        if columns:
            source = _rename_columns(_read_layer(kind, path), kind, columns)
        try:
            report = validate_boundaries(source, kind=kind, id_column=id_column)  # type: ignore[arg-type]
        except InputError as err:
            raise _config_words(err, _boundary_keys(kind)) from err
        if cached is not None:
            data = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
            with contextlib.suppress(OSError, ValueError):
                atomic_write(cached, lambda tmp: Path(tmp).write_bytes(data))
        self._validations[kind] = report
        return report

    def _boundary(self, kind: str) -> gpd.GeoDataFrame:
        """Return one boundary layer as the config says, validated.

        What :func:`~hotspots.read.boundaries.read_boundaries` does, in two halves
        (:meth:`_validated`, which may run in a worker thread, then the errors
        and the repair notice, in the calling thread). Errors name the TOML
        keys (``[boundaries] grid_id_column``), not the Python parameters.
        """
        from ..read.boundaries import BoundaryRepairWarning

        report = self._validated(kind)
        try:
            if report.crs_errors:
                lines = list(report.crs_errors) + list(report.errors)
                text = (
                    lines[0]
                    if len(lines) == 1
                    else "\n".join(f"  - {p}" for p in lines)
                )
                raise CRSError(text, lines)
            collect_problems(list(report.errors), f"{kind} layer")
        except InputError as err:
            raise _config_words(err, _boundary_keys(kind)) from err
        if report.repairs or report.findings:
            items = list(report.repairs) + list(report.findings)
            warnings.warn(
                BoundaryRepairWarning(f"{kind} layer: " + "; ".join(items)),
                stacklevel=2,
            )
        frame: gpd.GeoDataFrame = report.frame
        return frame

    # -- assignment and the cube -----------------------------------------------
    @functools.cached_property
    def assigned(self) -> gpd.GeoDataFrame:
        """Every accepted report with its grid cell, street segment and areas.

        Reports outside every cell or too far from every street keep NA ids
        (counted in :attr:`summary` and in a warning), never dropped. Without
        streets there is no ``segment_id`` column.
        """
        grid, segments, areas = self._inputs()
        batches = self._state.batches
        start, end = self.window_start, self.week_end
        self.progress("assign")
        options: dict[str, Any] = {
            "grid": grid,
            "streets": segments,
            "areas": areas,
            "max_street_distance_m": self.config.analysis.street_distance_m,
            "start": start,
            "end": end,
        }
        if self.uses_dask:  # the uncached cases are joined on the cluster
            options["join"] = self._partitioned_join
        # cached cases do not warn: the whole window is counted below
        with self._ledger() as ledger, _left_out_ignored(_NO_ID_MESSAGE):
            self._after_week = ledger.count(start=end)
            later = len(batches) and batches["exported_at"].max() > end
            if not later:  # every export is known by the week's end
                out = ledger.assigned(**options)
            else:  # as known at the week's end; cases first exported later too
                out = ledger.assigned(**options, as_of=end, late_cases=True)
        _warn_unassigned(out, self.config.analysis.street_distance_m, areas)
        return out

    @functools.cached_property
    def history(self) -> gpd.GeoDataFrame:
        """The assigned reports filed up to the end of the analysed week."""
        a = self.assigned
        return a[a[schema.REPORTED_AT] < self.week_end]

    @functools.cached_property
    def this_week(self) -> gpd.GeoDataFrame:
        """The assigned reports filed in the analysed week.

        An empty week is analysed all the same, with a notice.
        """
        h = self.history
        week = h[h[schema.REPORTED_AT] >= self.week_start]
        if week.empty:
            self._notice(
                f"{self.week} has no reports: its map and summary show 0 reports "
                "this week. Check the week (--week) and the exports' dates."
            )
        return week

    @functools.cached_property
    def cube(self) -> pd.DataFrame:
        """Reports per grid cell and week, ``history_weeks`` weeks to the week."""
        from ..spatial.cube import space_time_cube

        cfg = self.config
        h, grid = self.history, self.grid
        in_window = h[h[schema.GRID_ID].notna()]
        self.progress("cube")
        # reports before the history window are left out on purpose, and
        # those outside every cell were announced by the join
        with _left_out_ignored(_NOT_COUNTED_MESSAGE):
            cube = self._partitioned_cube if self.uses_dask else space_time_cube
            return cube(
                in_window,
                grid,
                unit=schema.GRID_ID,
                freq=cfg.freq,
                start=self.first_week,
                end=self.week,
                tz=cfg.timezone,
            )

    # -- statistics ------------------------------------------------------------
    @functools.cached_property
    def gi(self) -> gpd.GeoDataFrame:
        """Gi* of the week's counts per grid cell (FDR-corrected classes)."""
        from ..stats.local import gi_star

        an = self.config.analysis
        counts = self.cube[self.week].to_numpy(dtype=float)
        weights = self._grid_weights
        self.progress("gi*")
        return gi_star(
            self.grid,
            counts,
            weights=weights,
            fdr=an.fdr,
            alpha=an.alpha,
        )

    @functools.cached_property
    def _grid_weights(self) -> Any:
        """The grid's ``[analysis] weights`` (``SpatialWeights``): Gi* and emerging.

        Built once: the contiguity of a city's 100,000 cells is about 0.1 s.
        """
        from ..spatial.weights import spatial_weights

        kind = self.config.analysis.weights
        return spatial_weights(self.grid, kind, unit=schema.GRID_ID)

    @functools.cached_property
    def emerging(self) -> gpd.GeoDataFrame:
        """The emerging hot spot pattern of every grid cell over the history.

        With the ``z_series`` column (each cell's z-scores), which the
        outputs do not use: they read :attr:`_patterns`, the same frame
        without it.
        """
        return self._emerging(z_series=True)

    @functools.cached_property
    def _patterns(self) -> gpd.GeoDataFrame:
        """:attr:`emerging` without ``z_series`` (or it, once computed)."""
        if "emerging" in self.__dict__:
            return self.emerging
        return self._emerging(z_series=False)

    def _emerging(self, *, z_series: bool) -> gpd.GeoDataFrame:
        from ..stats.emerging import emerging_hotspots

        an = self.config.analysis
        cube, weights = self.cube, self._grid_weights
        self.progress("emerging")
        return emerging_hotspots(
            cube,
            self.grid,
            unit=schema.GRID_ID,
            freq=self.config.freq,
            weights=weights,
            time_lag=an.time_lag,
            alpha=an.alpha,
            fdr=an.fdr,
            trend_alpha=an.trend_alpha,
            z_series=z_series,
        )

    @functools.cached_property
    def clusters(self) -> Any:
        """Density clusters of the week's reports (a ``ClusterResult``)."""
        from ..stats.cluster import cluster

        an = self.config.analysis
        week = self.this_week
        self.progress("clusters")
        return cluster(
            week,
            method=an.cluster_method,
            eps_m=an.cluster_eps_m,
            min_samples=an.cluster_min_samples,
            time_eps=pd.Timedelta(days=3) if an.cluster_method == "st-dbscan" else None,
        )

    @functools.cached_property
    def blind_spots(self) -> gpd.GeoDataFrame:
        """The ranked recurring blind spots of the grid, with their reasons."""
        from ..ledger.blindspots import blind_spots

        cfg = self.config
        an = cfg.analysis
        history, emerging = self.history, self._patterns
        self.progress("blind spots")
        rank = self._partitioned_blind_spots if self.uses_dask else blind_spots
        return rank(
            history,
            self.grid,
            unit=schema.GRID_ID,
            periods=an.periods,
            as_of=self.week_end,
            freq=cfg.freq,
            tz=cfg.timezone,
            comeback_days=an.comeback_days,
            comeback_distance_m=an.comeback_distance_m,
            late_days=an.late_days,
            weights=an.blind_spot_weights,
            category_weights=cfg.category_weights or None,
            emerging=emerging,
            hour_profile=self.profile if cfg.patrol.profiled else None,
        )

    @functools.cached_property
    def plan(self) -> Any:
        """Next week's patrol plan over the top blind spots (or ``None``).

        ``None`` when ``[patrol] enabled`` is false, when no blind spot has a
        score, or (with a notice) when the config has no streets to route on.
        """
        from ..patrol.plan import plan_patrols

        pc = self.config.patrol
        if not pc.enabled:
            return None
        if self.config.boundaries.streets is None:
            self._notice(
                "[patrol] enabled = true needs the street network: add streets = "
                '"<street centrelines file>" under [boundaries], or set [patrol] '
                "enabled = false. No patrol plan this week."
            )
            return None
        bs = self.blind_spots
        targets = bs[bs["score"] > 0].nsmallest(pc.top_n, "rank")
        targets = self._with_rechecks(targets)
        if targets.empty:
            return None
        depots = (
            gpd.points_from_xy(*zip(*pc.depots, strict=True), crs=schema.WGS84)
            if pc.depots
            else gpd.GeoSeries([self.grid.union_all().centroid], crs=self.grid.crs)
        )
        segments = self.segments
        if pc.profiled:
            return self._profiled_plan(targets, gpd.GeoSeries(depots), segments)
        self.progress("patrol")
        return plan_patrols(
            targets,
            segments,
            teams=pc.teams,
            depots=gpd.GeoSeries(depots),
            shift_minutes=pc.shift_minutes,
            dwell_minutes=pc.dwell_minutes,
            mode=pc.mode,
            time_limit_s=pc.time_limit_s,
            score="score",
            target_id=TARGET_ID if TARGET_ID in targets else schema.GRID_ID,
            reason="reason_zh" if self.config.map.language == "zh" else "reason_en",
        )

    @functools.cached_property
    def profile(self) -> Any:
        """Hour-of-week profile of every grid cell's reports (an ``HourProfile``).

        Over the history weeks (``history_weeks`` to the analysed week), in the
        city's time zone, smoothed with a circular Gaussian kernel of
        ``[patrol] profile_bandwidth_h`` hours and pooled towards the cells'
        categories with ``[patrol] profile_prior_strength`` pseudo-reports
        (:func:`hotspots.stats.profiles.hour_of_week_profile`). The ledger's peak
        window columns, the map's 7 x 24 popup tables, the shifts and the
        visit windows come from it when ``[patrol] shifts`` is configured.
        """
        from ..spatial.cube import period_start
        from ..stats.profiles import hour_of_week_profile

        cfg, pc = self.config, self.config.patrol
        history = self.history
        start = period_start(self.first_week, freq=cfg.freq, tz=cfg.timezone)[0]
        self.progress("profiles")
        return hour_of_week_profile(
            history,
            unit=schema.GRID_ID,
            tz=cfg.timezone,
            bandwidth_h=pc.profile_bandwidth_h,
            prior_strength=pc.profile_prior_strength,
            start=start,
            end=self.week_end,
        )

    def _patrol_targets(self) -> gpd.GeoDataFrame:
        """Return the top ``[patrol] top_n`` blind spots with a score, in rank order."""
        bs = self.blind_spots
        targets: gpd.GeoDataFrame = bs[bs["score"] > 0].nsmallest(
            self.config.patrol.top_n, "rank"
        )
        return targets

    @functools.cached_property
    def shifts(self) -> Any:
        """The staggered roster of ``[patrol] shifts`` (a ``ShiftDesign``) or ``None``.

        Every team works one block of each length in ``shifts`` inside
        ``allowed_hours``, with ``min_on_duty`` teams on duty at every half
        hour; the start times maximise the expected reports at the week's
        patrol targets (their hour-of-week profiles, :attr:`profile`) that
        fall while a team is on duty, compared with every team on one day
        shift 08:30-17:00 (:func:`hotspots.patrol.shifts.design_shifts`). ``None``
        without ``shifts`` (or ``shifts = []``), when the patrol is off or
        no blind spot has a score.
        """
        from ..patrol.shifts import design_shifts

        pc = self.config.patrol
        if not pc.enabled or not pc.shifts or self.config.boundaries.streets is None:
            return None
        targets = self._patrol_targets()
        if targets.empty:
            return None
        prof = self.profile
        ids = [t for t in targets[schema.GRID_ID] if t in prof.shares.index]
        self.progress("shifts")
        try:
            return design_shifts(
                prof,
                teams=pc.teams,
                shift_hours=pc.shifts,
                allowed_hours=pc.allowed_hours,
                min_on_duty=pc.min_on_duty,
                units=ids,
                time_limit_s=pc.time_limit_s,
            )
        except InputError as err:
            raise _config_words(err, _SHIFT_KEYS) from err

    def _profiled_plan(
        self,
        targets: gpd.GeoDataFrame,
        depots: gpd.GeoSeries,
        segments: gpd.GeoDataFrame | None,
    ) -> Any:
        """Plan per shift block with visit windows from the profiles; one plan.

        Each target goes to the block holding most of its daily profile (a
        target without reports in the window to the longest block); each
        block's targets that bunch in time get the densest window of
        ``window_minutes`` inside the block
        (:func:`hotspots.patrol.plan.visit_windows`), and the block's teams are
        routed over them (:func:`hotspots.patrol.plan.plan_patrols`, with
        ``revisit_top`` return visits per block). Without ``shifts`` blocks
        (``shifts = []``) the one block is ``shift_start`` + ``shift_minutes``
        with every team.
        """
        from ..patrol.plan import plan_patrols, visit_windows

        pc = self.config.patrol
        lang = self.config.map.language
        prof = self.profile
        design = self.shifts
        blocks: list[tuple[str, float, tuple[int, ...]]]
        if design is None:
            teams = tuple(range(1, pc.teams + 1))
            blocks = [(pc.shift_start, float(pc.shift_minutes), teams)]
        else:
            blocks = design.blocks()
        # profiles are per grid cell; the plan's targets are per target id
        # (a re-check stop may share its cell with a blind spot)
        tid = TARGET_ID if TARGET_ID in targets else schema.GRID_ID
        ids = [str(t) for t in targets[schema.GRID_ID]]
        tids = [str(t) for t in targets[tid]]
        known = {str(u): u for u in prof.shares.index}
        choice = _block_choice(prof, [known.get(t) for t in ids], blocks)
        plans = []
        self.progress("patrol")
        for j, (start, minutes, team_ids) in enumerate(blocks):
            mine = [i for i, c in enumerate(choice) if c == j]
            if not mine:
                continue
            sub = targets.iloc[mine]
            cells = {ids[i] for i in mine}
            by_cell = visit_windows(
                prof,
                [known[t] for t in sorted(cells) if t in known],
                shift_start=start,
                shift_minutes=minutes,
                window_minutes=pc.window_minutes,
                dwell_minutes=pc.dwell_minutes,
            )
            by_cell = {str(k): v for k, v in by_cell.items()}
            windows: dict[object, object] = {
                tids[i]: by_cell[ids[i]] for i in mine if ids[i] in by_cell
            }
            names: int | list[str] = (
                pc.teams
                if design is None
                else [_team_name(k, start, minutes, lang) for k in team_ids]
            )
            team_depots = (
                depots
                if len(depots) == 1
                else gpd.GeoSeries(
                    [depots.iloc[k - 1] for k in team_ids], crs=depots.crs
                )
            )
            plans.append(
                plan_patrols(
                    sub,
                    segments,  # type: ignore[arg-type]  # checked by plan
                    teams=names,
                    depots=team_depots,
                    shift_minutes=minutes,
                    dwell_minutes=pc.dwell_minutes,
                    mode=pc.mode,
                    shift_start=start,
                    time_windows=windows,
                    revisit_top=pc.revisit_top,
                    revisit_gap_minutes=pc.revisit_gap_minutes,
                    time_limit_s=pc.time_limit_s,
                    score="score",
                    target_id=tid,
                    reason="reason_zh" if lang == "zh" else "reason_en",
                )
            )
        return _combined_plan(plans)

    def shift_table(self, *, language: _labels.Language | None = None) -> pd.DataFrame:
        """Return the staggered roster beside one common day shift, as written.

        One row per block of the staggered roster (:attr:`shifts`), then one
        per team on the day shift 08:30-17:00: the plan, the team, the hours,
        start and end (``HH:MM``), and the plan's expected reports per week at
        the patrol targets that fall while a team is on duty, with their share
        in percent (the same on every row of a plan). Empty without
        :attr:`shifts`.

        Parameters
        ----------
        language
            ``"zh"`` or ``"en"`` headers and plan names; default the config's
            ``[map] language``.
        """
        from ..patrol.shifts import BLOCK_HOURS, END, START, TEAM

        lang = language if language is not None else self.config.map.language
        headers = SHIFT_HEADERS[lang]
        design = self.shifts
        if design is None:
            return pd.DataFrame(columns=list(headers.values()))
        sched = design.schedule
        lo, hi = (_clock_min(t) for t in design.baseline)
        n_teams = int(sched[TEAM].nunique())
        table = pd.DataFrame(
            {
                "plan": [SHIFT_PLANS["staggered"][lang]] * len(sched)
                + [SHIFT_PLANS["day"][lang]] * n_teams,
                "team": sched[TEAM].astype(int).tolist() + list(range(1, n_teams + 1)),
                "hours": sched[BLOCK_HOURS].astype(float).tolist()
                + [(hi - lo) / 60.0] * n_teams,
                "start": sched[START].tolist() + [design.baseline[0]] * n_teams,
                "end": sched[END].tolist() + [design.baseline[1]] * n_teams,
                "expected": [round(design.expected_covered, 2)] * len(sched)
                + [round(design.baseline_expected, 2)] * n_teams,
                "coverage": [round(100 * design.coverage, 1)] * len(sched)
                + [round(100 * design.baseline_coverage, 1)] * n_teams,
            }
        )
        return table.rename(columns=headers)

    @functools.cached_property
    def backtest(self) -> Any:
        """How well each forecast would have caught recent weeks (or ``None``).

        A ``BacktestResult`` over the ``backtest_weeks`` weeks ending with the
        analysed one (rolling origin, each week forecast from the weeks before
        it), when the config asks for it. With too little history (no report
        before the first of those weeks) the backtest is skipped with a
        notice and ``None`` is returned.
        """
        from ..ledger.backtest import backtest
        from ..spatial.cube import period_labels, period_range, period_start

        cfg = self.config
        an = cfg.analysis
        if an.backtest_weeks == 0:
            return None
        history, grid = self.history, self.grid
        used = history[history[schema.GRID_ID].notna()]
        first = _shift(
            self.week, -(an.backtest_weeks - 1), freq=cfg.freq, tz=cfg.timezone
        )
        times = _report_times(used)
        first_start = period_start(first, freq=cfg.freq, tz=cfg.timezone)[0]
        if times.empty or times.min() >= first_start:
            if times.empty:
                why = "there are no reports in the grid up to it"
                fix = "analyse a week with reports"
            else:
                oldest = period_labels([times.min()], freq=cfg.freq, tz=cfg.timezone)
                have = len(period_range(oldest[0], self.week, freq=cfg.freq)) - 1
                why = f"the first report is in {oldest[0]}"
                fix = (
                    f"set [analysis] backtest_weeks to {have} or less, or analyse "
                    "a later week"
                    if have >= 1
                    else "analyse a later week"
                )
            self._notice(
                f"backtest skipped: [analysis] backtest_weeks = {an.backtest_weeks} "
                f"forecasts {first}..{self.week}, each from the weeks before it, "
                f"but {why}; {fix}. Everything else is written."
            )
            return None
        self.progress("backtest")
        return backtest(
            used,
            grid,
            methods=an.backtest_methods,
            start=first,
            end=self.week,
            freq=cfg.freq,
            unit=schema.GRID_ID,
            tz=cfg.timezone,
        )

    @functools.cached_property
    def map(self) -> Any:
        """The week's interactive map (a ``folium.Map``).

        It carries a collapsible summary panel (counts, top blind spots, the
        backtest table and PAI curves) built from :attr:`summary` and
        :attr:`backtest`, which do not read the map.
        """
        from ..render.weekly_map import MapStyle, weekly_map

        cfg = self.config
        an = cfg.analysis
        layers = set(cfg.map.layers)
        parts = {
            "gi": self.gi if "gi" in layers else None,
            "emerging": self._patterns if "emerging" in layers else None,
            "clusters": self.clusters if "clusters" in layers else None,
            "blind_spots": self.blind_spots if "blind_spots" in layers else None,
            "plan": self.plan if "patrol" in layers else None,
        }
        streets = self.segments if "streets" in layers else None
        # the summary never reads the map: computing it first makes no cycle
        summary, backtest = self.summary, self.backtest
        self.progress("map")
        style = MapStyle(
            tiles=cfg.map.tiles,
            language=cfg.map.language,
            layers=cfg.map.layers,  # type: ignore[arg-type]  # validated at load
            private_columns=cfg.private_columns,
            alpha=an.alpha,
            fdr=an.fdr,
            trend_alpha=an.trend_alpha,
            title=cfg.city,
        )
        return weekly_map(
            grid=self.grid,
            streets=streets,
            reports=self.this_week,
            cube=self.cube,
            week=self.week,
            style=style,
            summary=summary,
            backtest=backtest,
            profile=(
                self.profile
                if cfg.patrol.profiled and "blind_spots" in layers
                else None
            ),
            scorecard=self.unit_places if "scorecard" in layers else None,
            **parts,
        )

    # -- summary and outputs -----------------------------------------------------
    @functools.cached_property
    def summary(self) -> dict[str, Any]:
        """Counts, top patterns, top blind spots and the settings used."""
        cfg, read = self.config, self.read
        reasons = (
            read.quarantined[schema.REASON].str.split("; ").explode().value_counts()
            if len(read.quarantined)
            else pd.Series(dtype=int)
        )
        patterns = self._patterns["pattern"].value_counts()
        gi_classes = self.gi["gi_class"].value_counts().sort_index(ascending=False)
        bs = self.blind_spots
        bs = bs[bs["score"] > 0].sort_values("rank").head(10)  # as in the ledger
        plan, backtest = self.plan, self.backtest
        return {
            "city": cfg.city,
            "week": self.week,
            "week_start": self.week_start.date().isoformat(),
            "history": f"{self.first_week}..{self.week}",
            "window_start": self.window_start.date().isoformat(),
            "counts": self._summary_counts(),
            # which counts cover the analysed week and which every export
            "count_scopes": _count_scopes(),
            "quarantine_reasons": {str(k): int(v) for k, v in reasons.items()},
            "gi_classes": {str(int(k)): int(v) for k, v in gi_classes.items()},
            "patterns": {
                str(k): int(v) for k, v in patterns.items() if k != "no_pattern"
            },
            "top_blind_spots": _top_blind_spots(bs),
            "patrol": None if plan is None else _patrol_summary(plan),
            "backtest": None
            if backtest is None
            else backtest.summary_table("en", coverage=0.05).to_dict(orient="records"),
            "settings": self._settings_summary(),
            **self._accountability_summary(),
            "notices": list(self.notices),
        }

    def _summary_counts(self) -> dict[str, int | None]:
        """Return the summary's ``counts``: rows, cases, the week's and the window's."""
        read, a = self.read, self.assigned
        after = self._after_week
        before = int((a[schema.REPORTED_AT] < self.week_start).sum())
        week = self.this_week

        def no_street(frame: pd.DataFrame) -> int | None:
            if schema.SEGMENT_ID not in frame.columns:
                return None  # no street layer
            return int(frame[schema.SEGMENT_ID].isna().sum())

        return {
            "rows_read": read.rows_read,
            "accepted": read.accepted,
            "quarantined": len(read.quarantined),
            "cases": read.cases,
            "re_exported": read.re_exported,
            "reports_in_week": len(week),
            "unassigned_grid_in_week": int(week[schema.GRID_ID].isna().sum()),
            "unassigned_street_in_week": no_street(week),
            "clusters_in_week": len(self.clusters.clusters),
            "reports_before_window": read.cases - len(self.history) - after,
            "reports_before_week": before,
            "reports_after_week": after,
            "unassigned_grid": int(a[schema.GRID_ID].isna().sum()),
            "unassigned_street": no_street(a),
        }

    def _settings_summary(self) -> dict[str, Any]:
        """Return the summary's ``settings``: the config values the results use."""
        cfg, an = self.config, self.config.analysis
        return {
            "timezone": cfg.timezone,
            "week_start": cfg.week_start,
            "coords": cfg.input.coords,
            "history_weeks": an.history_weeks,
            "periods": an.periods,
            "alpha": an.alpha,
            "fdr": an.fdr,
            "time_lag": an.time_lag,
            "trend_alpha": an.trend_alpha,
            "weights": an.weights,
            "street_distance_m": an.street_distance_m,
            "comeback_days": an.comeback_days,
            "cluster": f"{an.cluster_method} eps={an.cluster_eps_m} m "
            f"min_samples={an.cluster_min_samples}",
        }

    def summary_text(self, *, language: _labels.Language | None = None) -> str:
        """Return the summary as a few lines of plain text in one language.

        The "this week" line holds only figures of the analysed week; figures
        over every export are on lines labelled as such. Every figure is the
        one of :attr:`summary` (whose keys stay English, for machines).

        Parameters
        ----------
        language
            ``"zh"`` or ``"en"`` (:data:`hotspots._core.labels.SUMMARY_TEXT`);
            default the config's ``[map] language``. Pattern names, blind-spot
            reasons, the backtest table and the job's notices
            (:func:`hotspots._core.labels.notice_text`) follow it; category names
            stay as written (:attr:`summary` keeps the notices in English).
        """
        lang = language if language is not None else self.config.map.language
        words = {key: text[lang] for key, text in _labels.SUMMARY_TEXT.items()}
        s = self.summary
        c = s["counts"]
        distance = s["settings"]["street_distance_m"]

        def streets(n: int | None) -> str:
            if n is None:
                return words["no_street_layer"]
            return words["streets"].format(distance=distance, n=n)

        if c["reports_in_week"]:
            week_line = words["week"].format(
                reports=c["reports_in_week"],
                outside=c["unassigned_grid_in_week"],
                streets=streets(c["unassigned_street_in_week"]),
            )
        else:
            week_line = words["week_empty"]
        lines = [
            words["title"].format(city=s["city"], week=s["week"], history=s["history"]),
            words["exports"].format(
                rows_read=c["rows_read"],
                accepted=c["accepted"],
                quarantined=c["quarantined"],
            ),
            words["ledger"].format(cases=c["cases"], re_exported=c["re_exported"]),
            week_line,
            words["history"].format(
                start=s["window_start"],
                outside=c["unassigned_grid"],
                streets=streets(c["unassigned_street"]),
            ),
        ]
        if s["patterns"]:
            top = words["list_separator"].join(
                f"{_pattern_label(k, lang)} {v}"
                for k, v in list(s["patterns"].items())[:6]
            )
            lines.append(words["patterns"].format(patterns=top))
        lines.append(words["blind_spots"])
        reason = "reason_zh" if lang == "zh" else "reason_en"
        for b in s["top_blind_spots"]:
            lines.append(f"  {b['rank']:>2}. {b[schema.GRID_ID]}  {b[reason]}")
        if self.backtest is not None:
            table = self.backtest.summary_table(lang, coverage=0.05)
            lines.append(words["backtest"])
            lines.extend(
                "  " + row for row in table.to_string(index=False).splitlines()
            )
        if s["patrol"]:
            p = s["patrol"]
            lines.append(
                words["patrol"].format(
                    teams=p["teams"], stops=p["stops"], left_out=p["left_out"]
                )
            )
        lines.extend(self._accountability_lines(lang))
        lines.extend(
            words["notice"].format(notice=_labels.notice_text(n, lang))
            for n in s["notices"]
        )
        return "\n".join(lines) + "\n"

    def write(self, folder: str | os.PathLike[str] | None = None) -> dict[str, Path]:
        """Write the week's outputs atomically into ``<folder>/<week>/``.

        The files are written into a temporary folder beside the week's and
        swapped into place with renames, under a per-week lock
        (``.<week>.lock``): a second job writing the same week waits up to
        :data:`LOCK_WAIT_S` seconds, then stops with a clear error. On start,
        what a killed run left behind is cleaned up: temporary ``.<week>.*``
        folders are removed, and a week left only as its ``.<week>.old.*``
        copy is put back. Whatever fails, the previous week's files stay as
        they were and no temporary folder is left.

        Parameters
        ----------
        folder
            The output folder (default: the config's).

        Returns
        -------
        dict
            Output name -> path (the files as they are after the swap).

        Raises
        ------
        OutputError
            When the folder is a file, cannot be written (read-only, no
            permission), the disk is full or another job holds the week; the
            message names the path and the fix.
        """
        from ..render.weekly_map import save_map

        root = Path(folder) if folder is not None else self.config.output_folder
        _ensure_folder(root)
        dest = root / self.week
        # compute everything before touching the disk
        m, ledger, summary = self.map, self.ledger(), self.summary
        text, plan, rejected = self.summary_text(), self.plan, self.rejected()
        backtest = self.backtest
        if self.config.accountability is not None:  # compute before the disk
            _ = self.scorecard_sheets(), self.recheck_table(), self.overdue_table()
        shifts = self.shift_table() if self.shifts is not None else None
        private = self.config.private_columns
        with _week_lock(root, self.week), _output_errors(root, self.week):
            _recover(root, self.week)
            tmp = temp_dir(root, f".{self.week}.")
            try:
                save_map(m, tmp / "index.html")
                write_csv(tmp / "blind_spots.csv", ledger, private_columns=private)
                write_xlsx(
                    tmp / "blind_spots.xlsx",
                    ledger.head(XLSX_LEDGER_ROWS),
                    sheet_name=ledger.attrs.get("sheet_name", "盲区台账"),
                    private_columns=private,
                    number_formats=ledger.attrs.get(
                        "number_formats", LEDGER_NUMBER_FORMATS
                    ),
                )
                write_csv(tmp / "rejected.csv", rejected, private_columns=private)
                write_json(tmp / "summary.json", summary)
                write_text(tmp / "summary.txt", text)
                if backtest is not None:
                    backtest.plot(tmp / "backtest_pai.png")
                    write_csv(tmp / "backtest.csv", backtest.summary_table("zh"))
                if plan is not None:
                    language = self.config.map.language
                    plan.to_geojson(tmp / "patrol_plan.geojson", language=language)
                    plan.to_gpx(tmp / "patrol_plan.gpx", language=language)
                    plan.to_csv(tmp / "patrol_plan.csv", language=language)
                    plan.to_xlsx(tmp / "patrol_plan.xlsx", language=language)
                self._write_accountability(tmp)
                if shifts is not None:
                    write_csv(tmp / "shifts.csv", shifts)
                for written in tmp.rglob("*"):  # some writers create owner-only files
                    os.chmod(written, (0o777 if written.is_dir() else 0o666) & ~umask())
                _swap_into_place(tmp, dest)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            write_index(root)
        self.outputs = {
            ("map" if p.name == "index.html" else p.name): p
            for p in sorted(dest.iterdir())
        }
        return self.outputs

    def ledger(self, *, language: _labels.Language | None = None) -> pd.DataFrame:
        """Return the blind-spot ledger as written: ranked, headers in the language.

        Only units with a score above zero (some evidence in the periods) are
        listed: a city of 100,000 cells would otherwise ship a spreadsheet of
        mostly empty rows. Numbers are rounded to what a person reads (shares
        in percent with one decimal, scores with two, see
        :data:`hotspots._core.labels.LEDGER_DECIMALS`), and every text (headers,
        reasons, patterns, the top categories' punctuation) follows the
        language; category names stay as written.

        Parameters
        ----------
        language
            ``"zh"`` or ``"en"``; default the config's ``[map] language``.

        Returns
        -------
        pandas.DataFrame
            One row per ranked unit, columns and headers of
            :func:`hotspots._core.labels.ledger_headers`. ``attrs["number_formats"]``
            maps each numeric header to its Excel number format
            (:data:`hotspots._core.labels.LEDGER_FORMATS`) and ``attrs["sheet_name"]``
            is the sheet's name, for the XLSX writer.
        """
        lang = language if language is not None else self.config.map.language
        headers = _labels.ledger_headers(lang)
        bs = self.blind_spots
        bs = bs[bs["score"] > 0].sort_values("rank", kind="stable")
        cols = [c for c in headers if c in bs.columns]
        out = pd.DataFrame(bs[cols]).copy()
        if "pattern" in out:
            out["pattern"] = out["pattern"].map(
                lambda p: _labels.label("pattern", p, lang)
            )
        for col in _labels.LEDGER_PERCENT_COLUMNS:
            if col in out:
                out[col] = pd.to_numeric(out[col], errors="coerce") * 100.0
        for col, decimals in _labels.LEDGER_DECIMALS.items():
            if col in out:
                out[col] = pd.to_numeric(out[col], errors="coerce").round(decimals)
        out = out.rename(columns=headers)
        out.attrs["number_formats"] = {
            headers[c]: _labels.LEDGER_FORMATS[c]
            for c in cols
            if c in _labels.LEDGER_FORMATS
        }
        out.attrs["sheet_name"] = _labels.LEDGER_SHEET[lang]
        return out

    def rejected(self, *, language: _labels.Language | None = None) -> pd.DataFrame:
        """Return the ledger's quarantined rows as written, personal data masked.

        Private columns are blanked and text scrubbed by :func:`mask_rejected`.

        Parameters
        ----------
        language
            ``"zh"`` or ``"en"``; default the config's ``[map] language``.
            The canonical columns (``source_file``, ``row_number``,
            ``reason``, ``report_id`` ...) get their headers in it
            (:data:`hotspots._core.labels.REJECTED_HEADERS`: 来源文件, 行号, 隔离原因,
            工单编号 ...); the export's own columns keep theirs. With ``"zh"``
            the reasons are translated
            (:func:`hotspots._core.labels.quarantine_reason`), their values kept as
            read.
        """
        lang = language if language is not None else self.config.map.language
        masked = mask_rejected(self.config, self.read.quarantined)
        return rejected_in_language(masked, lang)

    def _repr_html_(self) -> str:
        s = self.summary
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in s["counts"].items()
        )
        top = "".join(
            f"<li>{html.escape(b[schema.GRID_ID])}: {html.escape(b['reason_zh'])}</li>"
            for b in s["top_blind_spots"]
        )
        head = f"<h3>{html.escape(s['city'])} {html.escape(s['week'])}</h3>"
        return f"{head}<table>{rows}</table><ol>{top}</ol>{self.map._repr_html_()}"

    # -- accountability: responsibility, deadlines, scorecards, re-checks ------
    # (computed only with [responsibility]; see the module constants below)
    @property
    def _acc(self) -> AccountabilityConfig:
        acc = self.config.accountability
        if acc is None:
            msg = (
                "the config has no [responsibility]: add [responsibility] units = "
                '"<units.csv>" and duties = "<duties.geojson>" to score units.'
            )
            raise InputError(msg)
        return acc

    def _warned(self, step: Callable[[], Any]) -> Any:
        """Run a step, turning the data warnings it reports itself into notices.

        The accountability warnings about a case without a unit, a category
        without a time limit and a date beyond the working-day calendar
        (``hotspots`` warnings) become the job's notices. Every other warning,
        of ``hotspots`` or of another library, reaches the caller as raised,
        through the caller's filters.
        """
        from ..accountability.deadlines import CalendarCoverageWarning, NoLimitWarning
        from ..accountability.responsibility import UnownedWarning

        noticed = (UnownedWarning, NoLimitWarning, CalendarCoverageWarning)
        with warnings.catch_warnings(record=True) as caught:
            for category in noticed:
                warnings.simplefilter("always", category)
            out = step()
        for w in caught:
            if issubclass(w.category, noticed):
                self._notice(str(w.message))
            else:  # shown by the caller's filters: recorded above, shown here
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return out

    @functools.cached_property
    def limits(self) -> dict[str, Any]:
        """The time limit of every category: ``[deadlines] limits`` and ``default``.

        Without ``[deadlines] limits`` the example table
        (:data:`hotspots.accountability.deadlines.EXAMPLE_LIMITS`, not an official
        standard) is used, with a notice. ``default`` fills every category of
        the window's cases that the table lacks.
        """
        from ..accountability.deadlines import EXAMPLE_LIMITS, limit_table

        dl = self._acc.deadlines
        limits = dl.limits
        if limits is None:
            self._notice(
                "no [deadlines] limits: the example time limits (not an official "
                "standard) are used; set your city's under [deadlines.limits]."
            )
            limits = {k: (v.amount, v.unit) for k, v in EXAMPLE_LIMITS.items()}
        return limit_table(limits, dl.default, self.history[schema.CATEGORY])

    @functools.cached_property
    def units(self) -> gpd.GeoDataFrame:
        """Every case of the window up to the week's end with its responsible unit.

        :func:`~hotspots.accountability.responsibility.assign_units` on
        :attr:`history`, after giving each case the ``place_id`` of the
        nearest key place within :data:`PLACE_RADIUS_M` (with ``[boundaries]
        places``) and the ``grid_keeper_id`` of its cell. Cases nobody owns
        keep NA ``unit_id`` (counted in the summary), none is dropped.
        """
        from ..accountability.responsibility import (
            DUTY,
            TARGET_ID,
            UNIT_ID,
            assign_units,
            nearest_place_ids,
            read_responsibility,
        )

        acc = self._acc.responsibility
        cases = self.history.copy()
        self.progress("responsibility")
        units, duties = read_responsibility(acc.units, acc.duties)
        metric = metric_crs_of(self.grid)
        places_path = self.config.boundaries.places
        if places_path is not None and schema.PLACE_ID not in cases.columns:
            cases[schema.PLACE_ID] = nearest_place_ids(
                cases,
                self._boundary("places"),
                metric_crs=metric,
                radius_m=PLACE_RADIUS_M,
            )
        keepers = duties[duties[DUTY] == "grid"].drop_duplicates(TARGET_ID)
        cases[GRID_KEEPER_ID] = (
            cases[schema.GRID_ID]
            .astype("string")
            .map(dict(zip(keepers[TARGET_ID], keepers[UNIT_ID], strict=True)))
            .astype("string")
        )
        streets = self._boundary("streets") if self.config.boundaries.streets else None
        out: gpd.GeoDataFrame = self._warned(
            lambda: assign_units(
                cases,
                units,
                duties,
                segments=self.segments,
                streets=streets,
                metric_crs=metric,
            )
        )
        return out

    def _lifecycle(self, now: pd.Timestamp) -> pd.DataFrame:
        """:attr:`units` with due times and lifecycle flags as known at ``now``."""
        from ..accountability.deadlines import deadlines

        cases = self.units
        cases = cases[cases[schema.REPORTED_AT] < now]
        if now < self.week_end and schema.CLOSED_AT in cases.columns:
            later = (cases[schema.CLOSED_AT] >= now).fillna(False).to_numpy(bool)
            cases = cases.copy()
            cases.loc[later, schema.CLOSED_AT] = pd.NaT
            if schema.STATUS in cases.columns:
                cases.loc[later, schema.STATUS] = "open"
        dl = self._acc.deadlines
        limits = self.limits
        out: pd.DataFrame = self._warned(
            lambda: deadlines(
                cases,
                limits,
                now=now,
                tz=self.config.timezone,
                beyond_calendar=dl.beyond_calendar,
            )
        )
        return out

    @functools.cached_property
    def deadlines(self) -> pd.DataFrame:
        """:attr:`units` with ``due_at`` and the lifecycle flags at the week's end.

        :func:`~hotspots.accountability.deadlines.deadlines` with ``now`` = the end of
        the analysed week, on the Chinese working-day calendar.
        """
        self.progress("deadlines")
        return self._lifecycle(self.week_end)

    def _levels(self) -> list[str]:
        cols = self.deadlines.columns
        levels = [lv for lv in self._acc.scorecard.levels if lv in cols]
        for lv in self._acc.scorecard.levels:
            if lv not in cols:
                self._notice(
                    f"[scorecard] levels: the cases have no {lv!r} (configure the "
                    "layer that gives it, e.g. [boundaries] areas); level skipped."
                )
        return levels

    @functools.cached_property
    def scorecard(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Scorecards per configured level: ``{level: {"week": ..., "window": ...}}``.

        ``"week"``: cases filed in the analysed week; ``"window"``: cases filed
        in the analysis window up to the week's end (:attr:`window_start`).
        Rates with Wilson 95 % intervals and the case ids behind each row
        (:func:`~hotspots.accountability.scorecard.scorecard`).
        """
        from ..accountability.scorecard import scorecard

        card = self._partitioned_scorecard if self.uses_dask else scorecard
        cases = self.deadlines
        tz = self.config.timezone
        self.progress("scorecard")
        out: dict[str, dict[str, pd.DataFrame]] = {}
        for level in self._levels():
            out[level] = {
                "week": card(
                    cases, by=level, window=(self.week_start, self.week_end), tz=tz
                ),
                "window": card(
                    cases, by=level, window=(self.window_start, self.week_end), tz=tz
                ),
            }
        return out

    @functools.cached_property
    def red_black(self) -> pd.DataFrame:
        """The red and black list (红黑榜) of the first scorecard level.

        Judged over the window (:attr:`scorecard` ``"window"``) against
        ``[scorecard] target`` by ``metric``: black only when the whole
        Wilson interval lies on the wrong side of the target, red only when
        it lies wholly on the right side
        (:func:`~hotspots.accountability.scorecard.red_black_list`). Movement is
        against last week's list: the window up to the start of the week,
        judged as known then. Cases without a unit are left out of the list
        (they are a row of the scorecard).
        """
        from ..accountability.scorecard import red_black_list, scorecard

        sc_cfg = self._acc.scorecard
        levels = list(self.scorecard)
        if not levels:
            return pd.DataFrame()
        level = levels[0]
        score = self._partitioned_scorecard if self.uses_dask else scorecard
        previous = score(
            self._lifecycle(self.week_start),
            by=level,
            window=(self.window_start, self.week_start),
            tz=self.config.timezone,
        )
        card = self.scorecard[level]["window"]
        # the cases nobody owns are a row of the scorecard, not a unit to list
        return red_black_list(
            card[card[level].notna()],
            target=sc_cfg.target,
            metric=sc_cfg.metric,  # type: ignore[arg-type]  # validated at load
            previous=previous[previous[level].notna()],
        )

    @functools.cached_property
    def recheck(self) -> gpd.GeoDataFrame:
        """The top ``[recheck] top_k`` closed cases to check again (回头看).

        :func:`~hotspots.accountability.recheck.recheck_list` at the week's end over
        the grid cells, with each case's unit.
        """
        from ..accountability.recheck import recheck_list

        rc = self._acc.recheck
        self.progress("recheck")
        return recheck_list(
            self.units,
            as_of=self.week_end,
            within_days=rc.within_days,
            distance_m=rc.distance_m,
            top_k=rc.top_k,
            place=schema.GRID_ID,
            history_days=rc.history_days,
            tz=self.config.timezone,
        )

    @functools.cached_property
    def overdue(self) -> pd.DataFrame:
        """The cases open at the week's end, with their risk of missing the due time.

        :func:`~hotspots.accountability.overdue.overdue_risk` (Kaplan-Meier by
        category and unit), sorted by ``p_miss`` (highest first).
        """
        from ..accountability.overdue import P_MISS, overdue_risk

        self.progress("overdue")
        cases = self.units
        with_unit = cases.assign(
            unit_id=cases["unit_id"].astype("string").fillna(UNOWNED)
        )
        risk: pd.DataFrame = self._warned(
            lambda: overdue_risk(
                with_unit,
                as_of=self.week_end,
                limits=self.limits,
                unit="unit_id",
                tz=self.config.timezone,
                beyond_calendar=self._acc.deadlines.beyond_calendar,
            )
        )
        risk["unit_id"] = risk["unit_id"].replace(UNOWNED, pd.NA)
        return risk.sort_values(P_MISS, ascending=False, kind="stable")

    def _with_rechecks(self, targets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Add the re-check stops to the patrol targets (with ``[responsibility]``).

        Each re-check stop (a closed case's location) gets the score
        ``s_k + recheck_p * (s_1 - s_k)``, where ``s_1`` is the best blind
        spot's score among the targets and ``s_k`` the ``top_k``-th best
        (``[recheck] top_k``; the lowest when there are fewer): every
        re-check stop scores among the top ``top_k`` blind spots, the more
        likely to come back the higher, so the solver visits them before
        the lower-ranked blind spots. Target ids are ``target_id``: the grid id of
        a blind spot, ``回头看 <report_id>`` of a re-check; the reason is the
        re-check's (``回头看：`` + ``reason_zh``, or ``re-check:`` +
        ``reason_en``).
        """
        from ..accountability.recheck import (
            RECHECK_P,
            RECHECK_REASON_EN,
            RECHECK_REASON_ZH,
        )

        if self.config.accountability is None or targets.empty:
            return targets
        picks = self.recheck
        if picks.empty:
            return targets
        scores = targets["score"].sort_values(ascending=False).to_numpy()
        s_1 = float(scores[0])
        s_k = float(scores[min(self._acc.recheck.top_k, len(scores)) - 1])
        zh = self.config.map.language == "zh"
        col = "reason_zh" if zh else "reason_en"
        prefix = "回头看：" if zh else "re-check: "
        reason = picks[RECHECK_REASON_ZH if zh else RECHECK_REASON_EN]
        extra = gpd.GeoDataFrame(
            {
                TARGET_ID: RECHECK_PREFIX + picks[schema.REPORT_ID].astype(str),
                "score": s_k + picks[RECHECK_P].to_numpy() * (s_1 - s_k),
                col: prefix + reason.astype(str),
                RECHECK_STOP: True,
            },
            geometry=picks.geometry.to_crs(targets.crs).to_numpy(),
            crs=targets.crs,
        )
        base = targets.assign(
            **{TARGET_ID: targets[schema.GRID_ID].astype(str), RECHECK_STOP: False}
        )
        return gpd.GeoDataFrame(
            pd.concat([base, extra], ignore_index=True), crs=targets.crs
        )

    def scorecard_sheets(
        self, *, language: _labels.Language | None = None
    ) -> dict[str, pd.DataFrame]:
        """Return the scorecard workbook's sheets as written, headers in the language.

        One sheet per ``[scorecard] levels`` entry (the window's scorecard
        with this week's cases and on-time rate beside it), then the red and
        black list. Rates are shares rounded to three decimals (shown as
        percentages), each with its Wilson interval; the case ids behind a
        row are joined by ``;``.

        Parameters
        ----------
        language
            ``"zh"`` or ``"en"``; default the config's ``[map] language``.
        """
        lang = language if language is not None else self.config.map.language
        names = self._unit_names()
        sheets: dict[str, pd.DataFrame] = {}
        for level, cards in self.scorecard.items():
            card = cards["window"].copy()
            week = cards["week"][[level, "cases", "on_time_rate"]].rename(
                columns={"cases": "week_cases", "on_time_rate": "week_on_time_rate"}
            )
            card = card.merge(week, on=level, how="left")
            card["week_cases"] = card["week_cases"].fillna(0).astype("int64")
            sheets[_sheet_name(level, lang)] = _scorecard_table(
                card, level, names, lang
            )
        rb = self.red_black
        if len(rb):
            level = next(iter(self.scorecard))
            sheets[SCORECARD_LIST_SHEET[lang]] = _scorecard_table(
                rb, level, names, lang
            )
        return sheets

    def _unit_names(self) -> dict[str, str]:
        from ..accountability.responsibility import UNIT_ID, UNIT_NAME

        u = self.units
        known = u[u[UNIT_ID].notna()]
        return dict(
            zip(known[UNIT_ID].astype(str), known[UNIT_NAME].astype(str), strict=True)
        )

    def recheck_table(
        self, *, language: _labels.Language | None = None
    ) -> pd.DataFrame:
        """Return the re-check list as written to ``recheck.csv`` (no personal data)."""
        lang = language if language is not None else self.config.map.language
        r = self.recheck
        out = pd.DataFrame(
            {
                "recheck_rank": r["recheck_rank"].to_numpy(),
                schema.REPORT_ID: r[schema.REPORT_ID].astype(str).to_numpy(),
                schema.CATEGORY: r[schema.CATEGORY].astype(str).to_numpy(),
                "unit_id": r["unit_id"].to_numpy(),
                "unit_name": r["unit_name"].to_numpy(),
                schema.GRID_ID: r[schema.GRID_ID].to_numpy(),
                schema.CLOSED_AT: r[schema.CLOSED_AT].dt.strftime("%Y-%m-%d %H:%M"),
                "days_since_closed": r["days_since_closed"].round(1).to_numpy(),
                "recheck_p": r["recheck_p"].round(3).to_numpy(),
                "place_closures": r["place_closures"].to_numpy(),
                "place_comebacks": r["place_comebacks"].to_numpy(),
                "comeback_case_ids": [";".join(x) for x in r["comeback_case_ids"]],
                "reason": r["reason_zh" if lang == "zh" else "reason_en"].to_numpy(),
                "lon": r.geometry.to_crs(schema.WGS84).x.round(6).to_numpy(),
                "lat": r.geometry.to_crs(schema.WGS84).y.round(6).to_numpy(),
            }
        )
        return out.rename(columns=_headers(lang))

    def overdue_table(
        self, *, language: _labels.Language | None = None
    ) -> pd.DataFrame:
        """Return the open cases' overdue risk as written to ``overdue.csv``."""
        lang = language if language is not None else self.config.map.language
        o = self.overdue
        fmt = "%Y-%m-%d %H:%M"
        out = pd.DataFrame(
            {
                schema.REPORT_ID: o[schema.REPORT_ID].astype(str).to_numpy(),
                schema.CATEGORY: o[schema.CATEGORY].astype(str).to_numpy(),
                "unit_id": o["unit_id"].to_numpy(),
                "unit_name": o["unit_name"].to_numpy(),
                schema.REPORTED_AT: o[schema.REPORTED_AT].dt.strftime(fmt).to_numpy(),
                "due_at": o["due_at"].dt.strftime(fmt).to_numpy(),
                "hours_left": o["hours_left"].round(1).to_numpy(),
                "p_miss": o["p_miss"].round(3).to_numpy(),
                "model_group": o["model_group"].to_numpy(),
            }
        )
        return out.rename(columns=_headers(lang))

    def _accountability_summary(self) -> dict[str, Any]:
        """Return the ``scorecard`` section of summary.json (empty without it)."""
        if self.config.accountability is None:
            return {}
        from ..accountability.scorecard import BLACK, LIST, RED, UNDECIDED

        u = self.units
        week = u[u[schema.REPORTED_AT] >= self.week_start]
        rb = self.red_black
        lists = rb[LIST].value_counts() if len(rb) else pd.Series(dtype=int)
        sc_cfg = self._acc.scorecard
        return {
            "scorecard": {
                "levels": list(self.scorecard),
                "target": sc_cfg.target,
                "metric": sc_cfg.metric,
                "cases": len(u),
                "unowned": int(u["unit_id"].isna().sum()),
                "unowned_in_week": int(week["unit_id"].isna().sum()),
                "owned_by_rule": {
                    str(k): int(v) for k, v in u["unit_rule"].value_counts().items()
                },
                "red": int(lists.get(RED, 0)),
                "black": int(lists.get(BLACK, 0)),
                "not_distinguishable": int(lists.get(UNDECIDED, 0)),
                "overdue_now": int(self.deadlines["overdue_now"].sum()),
                "rechecks": len(self.recheck),
            }
        }

    def _accountability_lines(self, language: _labels.Language) -> list[str]:
        s = self.summary.get("scorecard")
        if not s:
            return []
        return [ACCOUNTABILITY_LINE[language].format(**s)]

    def _write_accountability(self, tmp: Path) -> None:
        if self.config.accountability is None:
            return
        private = self.config.private_columns
        write_workbook(
            tmp / "scorecard.xlsx",
            self.scorecard_sheets(),
            private_columns=private,
            number_formats=scorecard_number_formats(self.config.map.language),
        )
        write_csv(tmp / "recheck.csv", self.recheck_table(), private_columns=private)
        write_csv(tmp / "overdue.csv", self.overdue_table(), private_columns=private)
        places = self.place_stats
        if places is not None:
            table = pd.DataFrame(places.drop(columns=places.geometry.name))
            for col in ("weekly_counts", "case_ids", "week_case_ids"):
                if col in table:
                    table[col] = [";".join(map(str, v)) for v in table[col]]
            write_csv(tmp / "places.csv", table, private_columns=private)
        self._supervision_sheets(tmp / "supervision")

    def _supervision_sheets(self, folder: Path) -> None:
        """Write the printable 督办单 of the top blind spots into ``folder``."""
        from ..accountability.sheets import supervision_sheets

        folder.mkdir()
        supervision_sheets(
            self.blind_spots,
            self.deadlines,
            folder=folder,
            top_n=SUPERVISION_SHEETS,
            language=self.config.map.language,
            tz=self.config.timezone,
        )

    @functools.cached_property
    def place_stats(self) -> gpd.GeoDataFrame | None:
        """Statistics per key place (``[boundaries] places``), or ``None``.

        :func:`~hotspots.accountability.places.place_statistics` over the window's
        cases up to the week's end: cases within the place or
        ``PLACE_RADIUS_M`` metres of it, this week and over the recurrence
        periods, trend, the emerging pattern of its cell and its owner.
        """
        from ..accountability.places import place_statistics
        from ..accountability.responsibility import read_responsibility

        if self.config.accountability is None or self.config.boundaries.places is None:
            return None
        acc = self._acc.responsibility
        units, duties = read_responsibility(acc.units, acc.duties)
        return place_statistics(
            self.history,
            self._boundary("places"),
            radius_m=PLACE_RADIUS_M,
            periods=self.config.analysis.periods,
            as_of=self.week_end - pd.Timedelta(seconds=1),
            freq=self.config.freq,
            emerging=self._patterns,
            units=units,
            duties=duties,
            tz=self.config.timezone,
        )

    @functools.cached_property
    def unit_places(self) -> pd.DataFrame | None:
        """Cells and street segments with their unit's on-time rate, or ``None``.

        The map layer of the responsible units: every grid cell with a grid
        keeper (its ``grid`` duty) and every street segment with the unit that
        answers for most of its cases this window (segment duties are sections
        of streets), with that unit's row of :attr:`red_black` (rate, Wilson
        interval, list). ``None`` without ``[responsibility]`` or when the
        first scorecard level is not ``unit_id``.
        """
        from ..accountability.responsibility import (
            DUTY,
            TARGET_ID,
            UNIT_ID,
            UNIT_RULE,
            read_responsibility,
        )

        if self.config.accountability is None:
            return None
        rb = self.red_black
        if rb.empty or UNIT_ID not in rb.columns:
            return None
        acc = self._acc.responsibility
        units, duties = read_responsibility(acc.units, acc.duties)
        cells = pd.DataFrame(duties[duties[DUTY] == "grid"])[[UNIT_ID, TARGET_ID]]
        cells = cells.rename(columns={TARGET_ID: schema.GRID_ID})
        cells = cells.drop_duplicates(schema.GRID_ID)
        parts = [cells]
        owned = self.units
        if self.segments is not None and schema.SEGMENT_ID in owned.columns:
            on_street = owned[(owned[UNIT_RULE] == "segment")]
            on_street = on_street[[schema.SEGMENT_ID, UNIT_ID]].dropna()
            if len(on_street):
                top = (
                    on_street.groupby([schema.SEGMENT_ID, UNIT_ID], observed=True)
                    .size()
                    .reset_index(name="n")
                    .sort_values(["n", UNIT_ID], ascending=[False, True])
                    .drop_duplicates(schema.SEGMENT_ID)
                )
                parts.append(top[[schema.SEGMENT_ID, UNIT_ID]])
        frame = pd.concat(parts, ignore_index=True)
        cols = [c for c in ("on_time_rate", "on_time_rate_lo", "on_time_rate_hi",
                            "list", "cases") if c in rb.columns]  # fmt: skip
        frame = frame.merge(rb[[UNIT_ID, *cols]], on=UNIT_ID, how="inner")
        names = units.set_index(UNIT_ID)["name"] if "name" in units else None
        if names is not None:
            frame["unit_name"] = frame[UNIT_ID].map(names)
        grid_ids = set(self.grid[schema.GRID_ID].astype(str))
        keep = frame[schema.GRID_ID].isna() | frame[schema.GRID_ID].astype(str).isin(
            grid_ids
        )
        return frame[keep].reset_index(drop=True)


class OutputError(HotspotsError, OSError):
    """The week's outputs cannot be written; the message names the path and the fix.

    Also an :class:`OSError` (with the ``errno`` of the cause), so callers
    catching file-system errors keep catching it.
    """

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


#: Printable supervision sheets (督办单) written for the top blind spots.
SUPERVISION_SHEETS: Final = 10
#: How long a job waits for another job writing the same week, in seconds.
LOCK_WAIT_S: Final = 30.0
#: Excel number formats of the ledger's columns (by their Chinese headers).
LEDGER_NUMBER_FORMATS: Final = {
    LEDGER_HEADERS[k]: "0.00" for k in ("score",) if k in LEDGER_HEADERS
}


def _ensure_folder(root: Path) -> None:
    """Create the output folder, or say in one line why it cannot be used."""
    if root.exists() and not root.is_dir():
        msg = (
            f"the output folder {root} is a file, not a folder: set [output] folder "
            "(or --out) to a folder, or move the file away."
        )
        raise OutputError(msg, errno.ENOTDIR)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _output_error(err, root, root) from None


def _output_error(err: OSError, root: Path, what: Path | str) -> OutputError:
    """Turn a file-system error while writing into a one-line :class:`OutputError`."""
    where = err.filename or what
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        msg = (
            f"the disk is full while writing {where}: free some space on the disk "
            f"of {root} (or set [output] folder to another disk) and run again; "
            "the previous outputs are unchanged."
        )
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        msg = (
            f"cannot write to {where} ({err.strerror or err}): make {root} writable "
            "or set [output] folder to a folder you can write to; the previous "
            "outputs are unchanged."
        )
    elif err.errno in (errno.ENOTDIR, errno.EEXIST) and not root.is_dir():
        msg = (
            f"the output folder {root} is not a folder ({err.strerror or err}): set "
            "[output] folder to a folder."
        )
    else:
        reason = err.strerror or str(err)
        msg = (
            f"could not write {where}: {reason}; the previous outputs are "
            f"unchanged. Check the output folder {root} and run again."
        )
    return OutputError(msg, err.errno)


@contextlib.contextmanager
def _output_errors(root: Path, week: str) -> Iterator[None]:
    """Re-raise file-system errors of writing a week as :class:`OutputError`."""
    try:
        yield
    except OutputError:
        raise
    except OSError as err:
        raise _output_error(err, root, root / week) from err


def _lock_exclusive(fd: int) -> None:
    """Lock open file ``fd`` without waiting; ``BlockingIOError`` when held.

    ``flock`` on POSIX; on Windows ``msvcrt.locking`` of the first byte (also
    dropped by the system when the process ends).
    """
    if sys.platform == "win32":  # pragma: no cover - not run on the CI machine
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as err:
            raise BlockingIOError(*err.args) from err
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


@contextlib.contextmanager
def _week_lock(root: Path, week: str, *, wait_s: float | None = None) -> Iterator[None]:
    """Hold ``<root>/.<week>.lock`` exclusively (released even by a killed run).

    The lock is an advisory ``flock`` on the file, which the system drops when
    the process ends however it ends, so a killed job never blocks the next
    one. The file is removed on release.
    """
    path = root / f".{week}.lock"
    deadline = time.monotonic() + (LOCK_WAIT_S if wait_s is None else wait_s)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~umask())
        except OSError as err:
            raise _output_error(err, root, path) from None
        try:
            _lock_exclusive(fd)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                msg = (
                    f"another hotspots job is writing {week} into {root} (it holds "
                    f"{path}): wait for it to finish and run again."
                )
                raise OutputError(msg, errno.EAGAIN) from None
            time.sleep(0.1)
            continue
        # the holder before us may have removed the file: lock the one on disk
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # closing drops the lock


def _recover(root: Path, week: str) -> None:
    """Undo what a killed run of ``week`` left in ``root`` (hold the week's lock).

    A week found only as ``.<week>.old.*/<week>`` (killed between the two
    renames of the swap) is put back; every other ``.<week>.*`` folder is a
    leftover temporary folder and is removed.
    """
    dest = root / week
    leftovers = sorted(
        p for p in root.glob(f".{week}.*") if p.is_dir() and not p.is_symlink()
    )
    if not dest.exists():
        for old in leftovers:
            if old.name.startswith(f".{week}.old.") and (old / week).is_dir():
                os.replace(old / week, dest)
                break
    for p in leftovers:
        shutil.rmtree(p, ignore_errors=True)


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace folder ``dest`` by ``tmp`` with renames only.

    The old ``dest`` is first moved into a ``.<week>.old.*`` folder, then
    ``tmp`` takes its name; if that fails, the old one is moved back. A run
    killed between the two renames leaves the old week in the ``.old`` folder,
    where the next run finds it (:func:`_recover`). Hold the week's lock.
    """
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest.parent))
        try:
            os.replace(dest, old / dest.name)
        except BaseException:
            shutil.rmtree(old, ignore_errors=True)
            raise
    try:
        os.replace(tmp, dest)
    except BaseException:
        if old is not None and not dest.exists():
            os.replace(old / dest.name, dest)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_index(root: str | os.PathLike[str]) -> Path:
    """Write ``<root>/index.html`` linking every week folder that holds a map.

    Hidden folders (``.<week>.*``: temporary folders of a run) are never
    listed; a week whose summary cannot be read is listed without its count.

    Parameters
    ----------
    root
        The output folder of the weekly job.

    Returns
    -------
    pathlib.Path
        The index file.
    """
    base = Path(root)
    weeks = sorted(
        (
            p.name
            for p in base.iterdir()
            if not p.name.startswith(".") and (p / "index.html").is_file()
        ),
        reverse=True,
    )
    items = []
    for w in weeks:
        summary = base / w / "summary.json"
        n = ""
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            counts = json.loads(summary.read_text(encoding="utf-8"))["counts"]
            n = f" — {int(counts['reports_in_week'])} 条/reports"
        items.append(
            f'<li><a href="{html.escape(w)}/index.html">{html.escape(w)}</a>{n}</li>'
        )
    page = (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        "<title>hotspots 周报地图 weekly maps</title></head><body>"
        "<h1>hotspots 周报地图 / weekly maps</h1><ul>"
        + "".join(items)
        + "</ul></body></html>\n"
    )
    return write_text(base / "index.html", page)


def run_weekly(
    config: Config | str | os.PathLike[str],
    *,
    week: str | None = None,
    write: bool = True,
    output_folder: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    ledger: Ledger | str | os.PathLike[str] | None = None,
    compute: Compute | None = None,
) -> Weekly:
    """Run the weekly job: ingest, assign, analyse, rank, plan, map and write.

    Parameters
    ----------
    config
        A :class:`~hotspots.pipeline.config.Config` or the path of a ``hotspots.toml``.
    week
        The week, e.g. ``"2026-W47"``; default the last complete week.
    write
        Write ``<output folder>/<week>/`` (map, ledger, rejected rows,
        summary, patrol plan) and ``<output folder>/index.html``.
    output_folder
        Overrides the config's output folder.
    progress
        Called with each step's name as it starts.
    ledger
        The case ledger (an open :class:`~hotspots.Ledger`, a DuckDB path or
        a PostgreSQL URL); default the config's ``[ledger] url``. The job
        ingests every configured export not ingested yet, then analyses from
        the ledger.
    compute
        The Dask engine of the partitioned steps (left open); default the
        config's ``[compute]``, whose engine (a local cluster or the
        scheduler it names) is started once for the job and closed after.

    Returns
    -------
    Weekly
        Every step's result (``.read``, ``.assigned``, ``.cube``, ``.gi``,
        ``.emerging``, ``.clusters``, ``.blind_spots``, ``.plan``, ``.map``,
        ``.summary``) and, after writing, ``.outputs``.

    Raises
    ------
    InputError
        When the config or the data cannot be used (the message says how to
        fix it).
    """
    with contextlib.ExitStack() as stack:
        if compute is None:
            cfg = config if isinstance(config, Config) else load_config(config)
            config = cfg
            if cfg.compute.engine == "dask":  # one engine for the whole job
                compute = stack.enter_context(Weekly(cfg)._engine())
        job = Weekly(
            config, week=week, progress=progress, ledger=ledger, compute=compute
        )
        steps = ("gi", "emerging", "clusters", "blind_spots", "plan", "backtest")
        for step in (*steps, "map", "summary"):
            getattr(job, step)
    if write:
        job.write(output_folder)
    return job


def _pattern_label(pattern: str, language: _labels.Language) -> str:
    """Return an emerging-hot-spot pattern's name (its code if unknown)."""
    names = _labels.PATTERNS.get(pattern)
    return names[language] if names is not None else pattern


def rejected_in_language(
    frame: pd.DataFrame, language: _labels.Language
) -> pd.DataFrame:
    """Return quarantined rows with canonical headers and reasons in ``language``.

    What ``rejected.csv`` holds (and ``hotspots check --rejected``): the
    canonical columns (``row_number``, ``reason``, ...) get the headers of
    :data:`hotspots._core.labels.REJECTED_HEADERS`, the reasons the words of
    :func:`hotspots._core.labels.quarantine_reason`. A canonical column is
    renamed only when its header is not already a column of the export (which
    keeps its own name and values). An internal helper of the job and the
    command line, not in ``__all__``.

    Parameters
    ----------
    frame
        Quarantined rows (e.g. :func:`mask_rejected`'s result); not changed.
    language
        ``"zh"`` or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        A renamed copy.
    """
    out = frame.copy()
    if schema.REASON in out.columns:
        out[schema.REASON] = [
            v if not isinstance(v, str) else _labels.quarantine_reason(v, language)
            for v in out[schema.REASON]
        ]
    taken = {str(c) for c in out.columns}
    names = {}
    for col, headers in _labels.REJECTED_HEADERS.items():
        header = headers[language]
        if col in out.columns and header not in taken:
            names[col] = header
            taken.add(header)
    return out.rename(columns=names)


# -- accountability outputs (scorecard.xlsx, recheck.csv, overdue.csv) ----------

#: Key places within this many metres of a case are its ``place_id`` (for the
#: place duties of the responsibility layer).
PLACE_RADIUS_M: Final = 50.0
#: Case column: the grid keeper (网格员) of the case's cell, whoever owns the case.
GRID_KEEPER_ID: Final = "grid_keeper_id"
#: Patrol target columns with ``[responsibility]``: the target's id and whether
#: it is a re-check stop (回头看).
RECHECK_STOP: Final = "recheck_stop"
#: Target ids of re-check stops: this prefix and the closed case's report id.
RECHECK_PREFIX: Final = "回头看 "
#: Stand-in for "no unit" while the overdue model groups by unit.
UNOWNED: Final = "<no unit>"
#: Name of the red/black list's sheet.
SCORECARD_LIST_SHEET: Final = {"zh": "红黑榜", "en": "Red and black list"}
#: The summary.txt line of the scorecard.
ACCOUNTABILITY_LINE: Final = {
    "zh": "责任考核：{cases} 件（无责任单位 {unowned} 件），红榜 {red}，黑榜 {black}，"
    "无法区分 {not_distinguishable}（目标 {target}），当前超期 {overdue_now} 件，"
    "回头看 {rechecks} 处",
    "en": "Accountability: {cases} cases ({unowned} without a responsible unit), "
    "red list {red}, black list {black}, not distinguishable {not_distinguishable} "
    "(target {target}), overdue now {overdue_now}, re-checks {rechecks}",
}
#: Headers of the accountability outputs, per language.
ACCOUNTABILITY_HEADERS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "unit_id": "责任单位编号", "unit_subdistrict_id": "所属街道编号",
        "grid_keeper_id": "网格员编号", "district_id": "区编号",
        "subdistrict_id": "街道编号", "community_id": "社区编号", "grid_id": "网格编号",
        "name": "名称", "unit_name": "责任单位", "cases": "案件数", "closed": "已结案",
        "closure_rate": "结案率", "closure_rate_lo": "结案率下限",
        "closure_rate_hi": "结案率上限", "due_decided": "已到期案件",
        "closed_on_time": "按期结案", "on_time_rate": "按期结案率",
        "on_time_rate_lo": "按期结案率下限", "on_time_rate_hi": "按期结案率上限",
        "reworked": "返工", "rework_rate": "返工率", "rework_rate_lo": "返工率下限",
        "rework_rate_hi": "返工率上限", "outside_share": "外部发现占比",
        "outside_share_lo": "外部发现占比下限", "outside_share_hi": "外部发现占比上限",
        "median_hours_to_close": "结案时长中位数（小时）", "week_cases": "本周案件数",
        "week_on_time_rate": "本周按期结案率", "list": "榜单",
        "previous_rate": "上周值", "previous_list": "上周榜单", "change": "变化",
        "case_ids": "案件编号", "late_case_ids": "超期案件编号",
        "recheck_rank": "回头看排名", "report_id": "案件编号", "category": "问题类型",
        "closed_at": "结案时间", "days_since_closed": "结案天数",
        "recheck_p": "复发概率", "place_closures": "此处结案数",
        "place_comebacks": "此处复发数", "comeback_case_ids": "复发案件编号",
        "reason": "原因", "lon": "经度", "lat": "纬度", "reported_at": "上报时间",
        "due_at": "整改期限", "hours_left": "剩余小时", "p_miss": "超期概率",
        "model_group": "模型分组",
    },
    "en": {
        "name": "name", "unit_name": "responsible unit", "cases": "cases",
        "median_hours_to_close": "median hours to close",
        "week_cases": "cases this week", "week_on_time_rate": "on-time rate this week",
    },
}  # fmt: skip
#: List names in Chinese.
_LIST_ZH: Final = {"red": "红榜", "black": "黑榜", "not distinguishable": "无法区分"}
_SHEET_ZH: Final = {
    "unit_id": "责任单位", "unit_subdistrict_id": "责任街道",
    "grid_keeper_id": "网格员", "district_id": "区", "subdistrict_id": "街道",
    "community_id": "社区", "grid_id": "网格",
}  # fmt: skip
_SCORECARD_RATES: Final = (
    "closure_rate", "on_time_rate", "rework_rate", "outside_share", "week_on_time_rate",
)  # fmt: skip


def _headers(language: str) -> dict[str, str]:
    return dict(ACCOUNTABILITY_HEADERS["en" if language == "en" else "zh"])


def _sheet_name(level: str, language: str) -> str:
    return _SHEET_ZH.get(level, level) if language == "zh" else level


def scorecard_number_formats(language: str) -> dict[str, str]:
    """Return the Excel number formats of the scorecard's rate columns (percent)."""
    heads = _headers(language)
    rates = (
        list(_SCORECARD_RATES)
        + [f"{r}_{b}" for r in _SCORECARD_RATES[:4] for b in ("lo", "hi")]
        + ["previous_rate", "change"]
    )
    return {heads.get(c, c): "0.0%" for c in rates}


def _scorecard_table(
    card: pd.DataFrame, level: str, names: Mapping[str, str], language: str
) -> pd.DataFrame:
    """One scorecard sheet: rounded rates with their intervals, ids joined."""
    out = pd.DataFrame({level: card[level].astype("string")})
    if level in ("unit_id", GRID_KEEPER_ID):
        out["name"] = out[level].map(names)
    columns = [
        "cases", "closed", "closure_rate", "closure_rate_lo", "closure_rate_hi",
        "due_decided", "closed_on_time", "on_time_rate", "on_time_rate_lo",
        "on_time_rate_hi", "reworked", "rework_rate", "rework_rate_lo",
        "rework_rate_hi", "outside_share", "outside_share_lo", "outside_share_hi",
        "median_hours_to_close", "week_cases", "week_on_time_rate", "list",
        "previous_rate", "previous_list", "change",
    ]  # fmt: skip
    for col in columns:
        if col in card.columns:
            out[col] = card[col].to_numpy()
    for col in out.columns:
        if col.endswith(("_rate", "_lo", "_hi", "_share", "change")):
            out[col] = pd.to_numeric(out[col], errors="coerce").round(3)
    if "median_hours_to_close" in out:
        out["median_hours_to_close"] = out["median_hours_to_close"].round(1)
    if language == "zh":
        for col in ("list", "previous_list"):
            if col in out:
                out[col] = out[col].map(lambda v: _LIST_ZH.get(v, v))
    for col in ("case_ids", "late_case_ids"):
        if col in card.columns:
            out[col] = [";".join(ids) for ids in card[col]]
    return out.rename(columns=_headers(language))


# ------------------------------------------------------------------------------
# the plan of staggered shifts
# ------------------------------------------------------------------------------
def _clock_min(clock: str) -> float:
    hh, mm = clock.split(":")
    return float(int(hh) * 60 + int(mm))


def _team_name(team: int, start: str, minutes: float, language: str) -> str:
    """Team name of a shift block: "第1队 08:00-16:00" / "Team 1 08:00-16:00"."""
    end = _clock_min(start) + minutes
    stop = f"{int(end // 60) % 24:02d}:{int(end % 60):02d}"
    if language == "zh":
        return f"第{team}队 {start}-{stop}"
    return f"Team {team} {start}-{stop}"


def _block_choice(
    profile: Any,
    units: list[object | None],
    blocks: list[tuple[str, float, tuple[int, ...]]],
) -> list[int]:
    """Index of the block holding most of each unit's daily profile.

    A unit the profile does not have (``None``) goes to the longest block
    (the first of the longest). Ties go to the earlier block.
    """
    import numpy as np

    from ..stats.profiles import daily_profile

    longest = max(range(len(blocks)), key=lambda j: (blocks[j][1], -j))
    out: list[int] = []
    for unit in units:
        if unit is None:
            out.append(longest)
            continue
        hourly = daily_profile(profile, unit)
        mass = []
        for start, minutes, _ in blocks:
            quarter = np.arange(_clock_min(start), _clock_min(start) + minutes, 15.0)
            mass.append(float(hourly[(quarter // 60).astype(int) % 24].sum()))
        out.append(int(np.argmax(mass)))
    return out


def _combined_plan(plans: list[Any]) -> Any:
    """Return one ``PatrolPlan`` of the blocks' plans, times from the earliest start.

    Stops' ``arrival`` and ``departure`` are moved by the minutes between
    their block's start and the earliest block's, so the writers' clock
    times stay right; a route's ``duration_min`` stays its own block's. The
    plan's ``shift_minutes`` spans the earliest start to the latest end.
    """
    from ..patrol.plan import ARRIVAL, DEPARTURE, PatrolPlan

    if not plans:
        return None
    if len(plans) == 1:
        return plans[0]
    first = min(_clock_min(p.shift_start) for p in plans)
    offsets = [_clock_min(p.shift_start) - first for p in plans]
    crs = plans[0].routes.crs
    stops = []
    for plan, offset in zip(plans, offsets, strict=True):
        moved = plan.stops.copy()
        moved[ARRIVAL] = moved[ARRIVAL] + offset
        moved[DEPARTURE] = moved[DEPARTURE] + offset
        stops.append(moved)
    all_stops = gpd.GeoDataFrame(
        pd.concat(stops, ignore_index=True), geometry="geometry", crs=crs
    )
    routes = gpd.GeoDataFrame(
        pd.concat([p.routes for p in plans], ignore_index=True),
        geometry="geometry",
        crs=crs,
    )
    left_out = pd.concat([p.left_out for p in plans], ignore_index=True)
    total = float(all_stops["score"].sum())
    every = total + float(pd.to_numeric(left_out["score"]).sum())
    stopped = {p.search_stopped_by for p in plans}
    by = next((k for k in ("time_limit", "search_limit") if k in stopped), "no search")
    end = max(_clock_min(p.shift_start) - first + p.shift_minutes for p in plans)
    head = plans[0]
    return PatrolPlan(
        routes=routes,
        stops=all_stops,
        left_out=left_out,
        total_score=total,
        covered_share=total / every if every > 0 else 0.0,
        teams=tuple(t for p in plans for t in p.teams),
        mode=head.mode,
        speed_kmh=head.speed_kmh,
        shift_minutes=end,
        dwell_minutes=head.dwell_minutes,
        shift_start=min((p.shift_start for p in plans), key=_clock_min),
        order=head.order,
        search_stopped_by=by,
    )
