"""The per-city TOML configuration (``hotspots.toml``) of the weekly job.

The file is validated when it is loaded: every problem (missing or mistyped
values, unknown keys, with a "did you mean") is collected and reported in one
:class:`~hotspots.errors.InputError`. Paths in the file are relative to the
file's own folder. ``[input] reports`` may hold glob patterns
(``exports/*.csv``), expanded and sorted at load; a pattern matching no file
is an error. ``[ledger] url`` names the case ledger (default
``ledger.duckdb`` beside the config; or ``postgresql://user@host:port/db``,
whose password comes only from ``PGPASSWORD`` or ``~/.pgpass``: a password
in the file is refused). Every key is documented in
``sample_data/hotspots.toml`` and in the README.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime
import difflib
import glob
import os
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from .._core.validate import (
    is_real,
    non_negative_number,
    positive_number,
    probability,
    whole_number,
)
from ..compute.engine import ComputeConfig
from ..errors import InputError, collect_problems
from ..ledger.blindspots import BlindSpotWeights

__all__ = [
    "AccountabilityConfig",
    "AnalysisConfig",
    "Category",
    "ComputeConfig",
    "Config",
    "InputConfig",
    "MapConfig",
    "PatrolConfig",
    "ProvinceConfig",
    "load_config",
    "load_province",
]

WEEKDAYS: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
LAYERS: Final = (
    "grid",
    "streets",
    "reports",
    "heat",
    "weekly",
    "gi",
    "emerging",
    "clusters",
    "blind_spots",
    "patrol",
    "scorecard",
)
#: Forecasts a backtest runs unless told otherwise (the model-based ones).
_DEFAULT_BACKTEST_METHODS: Final = (
    "last",
    "moving",
    "ewma",
    "kde",
    "prospective",
    "sepp",
)
#: Every method a backtest accepts: the forecasts and two weekly products.
FORECAST_METHODS: Final = (*_DEFAULT_BACKTEST_METHODS, "blind_spots", "emerging")
#: Most weeks of history in the space-time cube (ten years; the cube holds one
#: number per grid cell and week).
MAX_HISTORY_WEEKS: Final = 520
#: Most weeks a backtest forecasts one at a time (two years; each week runs
#: every forecast method once).
MAX_BACKTEST_WEEKS: Final = 104
#: The ledger when the config has no ``[ledger] url``: this file beside the config.
DEFAULT_LEDGER: Final = "ledger.duckdb"
#: Characters that make an ``[input] reports`` entry a glob pattern.
_GLOB_CHARS: Final = frozenset("*?[")
#: The columns of each boundary layer a config may name, as
#: ``layer -> {TOML key part: canonical column}``: ``[boundaries]
#: grid_id_column = "网格编码"`` renames the grid's ``网格编码`` to ``grid_id``.
BOUNDARY_COLUMNS: Final[Mapping[str, Mapping[str, str]]] = {
    "grid": {"id": "grid_id", "community": "community_id"},
    "streets": {
        "id": "street_id",
        "name": "name",
        "class": "street_class",
        "oneway": "oneway",
    },
    "areas": {"id": "area_id", "name": "name", "level": "level", "parent": "parent_id"},
    "places": {"id": "place_id", "name": "name", "kind": "kind"},
}


@dataclass(frozen=True)
class Category:
    """A category of the city's own vocabulary (local codes and names).

    Attributes
    ----------
    name_zh
        The Chinese name as it appears in the exports.
    code
        A national GB/T 47678.5 code or a local code (e.g. ``"L001"``).
    name_en
        An English name for maps in English.
    weight
        The weight of one report (e.g. evaluation points lost).
    group
        A group name (e.g. ``"街面秩序"``).
    """

    name_zh: str
    code: str | None = None
    name_en: str | None = None
    weight: float = 1.0
    group: str | None = None


@dataclass(frozen=True)
class InputConfig:
    """Where the reports come from and how to read them."""

    reports: tuple[Path, ...]
    preset: str = "auto"
    coords: str = "wgs84"
    encoding: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    #: Row of the header (1 = first), None to detect it (a title row above).
    header_row: int | None = None
    #: Plausible times (earliest, latest) as ISO dates; None: 2000-01-01 / tomorrow.
    time_window: tuple[str | None, str | None] | None = None


@dataclass(frozen=True)
class BoundariesConfig:
    """Paths of the boundary layers (any file geopandas reads) and their columns.

    ``columns`` maps a layer (``"grid"``, ``"streets"``, ``"areas"``,
    ``"places"``) to ``{canonical column: source column}``, from the keys
    ``<layer>_<part>_column`` of ``[boundaries]`` (see
    :data:`BOUNDARY_COLUMNS`); layers without such keys are absent.
    """

    grid: Path | None = None
    streets: Path | None = None
    areas: Path | None = None
    places: Path | None = None
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @staticmethod
    def column_key(layer: str, canonical: str) -> str:
        """Return the TOML key naming ``layer``'s ``canonical`` column.

        Examples
        --------
        >>> BoundariesConfig.column_key("grid", "grid_id")
        '[boundaries] grid_id_column'
        """
        part = next(p for p, c in BOUNDARY_COLUMNS[layer].items() if c == canonical)
        return f"[boundaries] {layer}_{part}_column"


@dataclass(frozen=True)
class AnalysisConfig:
    """Statistical settings of the weekly job."""

    history_weeks: int = 16
    periods: int = 8
    alpha: float = 0.05
    fdr: bool = True
    time_lag: int = 1
    trend_alpha: float = 0.05
    weights: Literal["queen", "rook"] = "queen"
    street_distance_m: float = 30.0
    comeback_days: int = 14
    comeback_distance_m: float = 20.0
    late_days: float = 7.0
    cluster_method: Literal["dbscan", "hdbscan", "st-dbscan"] = "dbscan"
    cluster_eps_m: float = 50.0
    cluster_min_samples: int = 8
    backtest_weeks: int = 0
    backtest_methods: tuple[str, ...] = _DEFAULT_BACKTEST_METHODS
    blind_spot_weights: BlindSpotWeights = field(default_factory=BlindSpotWeights)


@dataclass(frozen=True)
class MapConfig:
    """How the weekly map looks."""

    tiles: Literal["osm", "amap", "none"] = "none"
    language: Literal["zh", "en"] = "zh"
    layers: tuple[str, ...] = LAYERS


@dataclass(frozen=True)
class PatrolConfig:
    """The patrol plan of the weekly job (written when ``enabled``)."""

    enabled: bool = False
    teams: int = 3
    depots: tuple[tuple[float, float], ...] = ()
    shift_minutes: float = 240.0
    dwell_minutes: float = 15.0
    mode: Literal["walking", "ebike", "car"] = "walking"
    top_n: int = 40
    time_limit_s: float = 10.0
    #: Hours of each block every team works (e.g. ``(8.0, 4.0)``: an 8-hour
    #: shift plus a 4-hour staggered extension), placed by
    #: :func:`hotspots.patrol.shifts.design_shifts`. ``None`` (key absent): one
    #: shift of ``shift_minutes`` without hour-of-week profiles, as before;
    #: ``()`` (``shifts = []``): that one shift from ``shift_start``, with the
    #: profiles, the visit windows and the ledger's peak-window columns.
    shifts: tuple[float, ...] | None = None
    #: ``(first, last)`` clock hours the city allows patrols in.
    allowed_hours: tuple[float, float] = (6.0, 23.0)
    #: Teams on duty at every half hour of ``allowed_hours`` (with ``shifts``).
    min_on_duty: int = 1
    #: Clock start ("HH:MM") of the single shift (``shifts = []``).
    shift_start: str = "08:30"
    #: Length of each stop's visit window from its profile, minutes.
    window_minutes: float = 60.0
    #: Koper-style return visits for the top windowed stops of each block.
    revisit_top: int = 0
    #: Minutes between a first and a return visit.
    revisit_gap_minutes: float = 120.0
    #: Circular kernel standard deviation of the hour-of-week profiles, hours.
    profile_bandwidth_h: float = 1.0
    #: Pooling pseudo-count of the profiles towards their categories'.
    profile_prior_strength: float = 10.0

    @property
    def profiled(self) -> bool:
        """Whether the job uses hour-of-week profiles (``shifts`` is configured)."""
        return self.shifts is not None


#: Address schemes a Dask scheduler listens on (``[compute] scheduler``).
SCHEDULER_SCHEMES: Final = ("tcp", "tls", "inproc", "ucx")


@dataclass(frozen=True)
class Config:
    """A validated city configuration. Build it with :func:`load_config`."""

    path: Path | None
    city: str
    timezone: str
    week_start: str
    input: InputConfig
    boundaries: BoundariesConfig
    categories: tuple[Category, ...]
    private_columns: tuple[str, ...]
    analysis: AnalysisConfig
    map: MapConfig
    patrol: PatrolConfig
    output_folder: Path
    #: Where the partitioned steps run (``[compute]``; default in this process).
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    #: The case ledger: an absolute DuckDB file path or a PostgreSQL URL
    #: (``[ledger] url``; default ``ledger.duckdb`` beside the config).
    ledger_url: str = ""
    #: The accountability sections (``[responsibility]`` and the sections it
    #: uses); ``None`` without ``[responsibility]``.
    accountability: AccountabilityConfig | None = None

    @property
    def freq(self) -> str:
        """The period code of a week *starting* on ``week_start`` (``"W-MON"``).

        This is hotspots' convention (see :func:`hotspots.spatial.cube.period_labels`),
        not pandas' anchored offset, which names the day a week *ends*.
        """
        return f"W-{self.week_start[:3].upper()}"

    @property
    def category_weights(self) -> dict[str, float]:
        """Weight per Chinese category name (categories not listed weigh 1)."""
        return {c.name_zh: c.weight for c in self.categories}


# -- validation machinery ------------------------------------------------------

_Checker = Callable[[Any], str | None]


def _fragment(
    check: Callable[..., str | None], expected: str, **bounds: int
) -> _Checker:
    """Adapt a check of the validation kit to the config's checkers.

    The kit's checks (:mod:`hotspots._core.validate`) return a whole message;
    a config checker returns only what was expected (``"a positive number"``),
    which the caller words with the TOML key and the value.
    """

    def checker(v: Any) -> str | None:
        return None if check(v, "value", example="", **bounds) is None else expected

    return checker


_positive = _fragment(positive_number, "a positive number")
_non_negative = _fragment(non_negative_number, "a number >= 0")
_probability = _fragment(probability, "a number between 0 and 1")
_positive_int = _fragment(whole_number, "a whole number >= 1", minimum=1)
_non_negative_int = _fragment(whole_number, "a whole number >= 0", minimum=0)


def _int_between(low: int, high: int, what: str) -> _Checker:
    expected = f"a whole number from {low} to {high} ({what})"
    return _fragment(whole_number, expected, minimum=low, maximum=high)


def _encoding(v: Any) -> str | None:
    expected = (
        "the name of a text encoding such as 'utf-8', 'gb18030' or 'gbk' (or "
        "leave the key out to detect UTF-8 and GB18030)"
    )
    if not isinstance(v, str) or not v.strip():
        return expected
    try:
        info = codecs.lookup(v)
    except LookupError:
        return expected
    # rot13, base64, zlib ... are codecs, not text encodings
    return None if getattr(info, "_is_text_encoding", True) else expected


def _methods(v: Any) -> str | None:
    if _string_list(v) is None and v and all(m in FORECAST_METHODS for m in v):
        return None
    return "a non-empty list of forecast methods from " + ", ".join(FORECAST_METHODS)


def _time_window(v: Any) -> str | None:
    expected = (
        'a pair of dates [earliest, latest], e.g. ["2015-01-01", ""] ("" for the '
        "default: 2000-01-01, or tomorrow)"
    )
    if not isinstance(v, list) or len(v) != 2:
        return expected
    for end in v:
        if isinstance(end, datetime.date) and not isinstance(end, datetime.datetime):
            continue
        if not isinstance(end, str):
            return expected
        try:
            if end.strip():
                datetime.date.fromisoformat(end.strip())
        except ValueError:
            return expected
    return None


def _window_ends(v: list[Any]) -> tuple[str | None, str | None]:
    start, end = (str(x).strip() or None for x in v)
    return start, end


def _boolean(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _string(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "a non-empty string"


def _one_of(*options: str) -> _Checker:
    def check(v: Any) -> str | None:
        return None if v in options else "one of " + ", ".join(map(repr, options))

    return check


def _timezone(v: Any) -> str | None:
    if not isinstance(v, str):
        return "an IANA timezone name such as 'Asia/Shanghai'"
    try:
        zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "an IANA timezone name such as 'Asia/Shanghai'"
    return None


def _coords(v: Any) -> str | None:
    from .._core.crs import coord_system
    from ..errors import CRSError

    if not isinstance(v, str):
        return "'wgs84', 'gcj02', 'bd09' or an EPSG code such as 'EPSG:4490'"
    if v.upper().startswith("EPSG:"):
        import pyproj

        try:
            pyproj.CRS.from_user_input(v)
        except pyproj.exceptions.CRSError:
            return "a known EPSG code"
        return None
    try:
        coord_system(v)
    except CRSError:
        return "'wgs84', 'gcj02', 'bd09' or an EPSG code such as 'EPSG:4490'"
    return None


def _string_list(v: Any) -> str | None:
    ok = isinstance(v, list) and all(isinstance(s, str) and s.strip() for s in v)
    return None if ok else "a list of strings"


def _path_or_paths(v: Any) -> str | None:
    if isinstance(v, str) and v.strip():
        return None
    return _string_list(v) if isinstance(v, list) and v else "a path or a list of paths"


def _ledger_url(v: Any) -> str | None:
    expected = (
        'a DuckDB file path (e.g. "ledger.duckdb", relative to the config) or '
        '"postgresql://user@host:port/dbname"'
    )
    if not isinstance(v, str) or not v.strip():
        return expected
    if "://" in v and not _is_postgres(v):
        return expected
    return None


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _password_problem(url: str) -> str | None:
    """Say why a password in ``[ledger] url`` is refused (None if there is none)."""
    if not _is_postgres(url):
        return None
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    if password is None and "password=" not in url.lower():
        return None
    return (
        "ledger.url must not hold a password (the config is shared and "
        "committed): remove it from the URL and set PGPASSWORD in the "
        "environment or add a line to ~/.pgpass."
    )


def _layers(v: Any) -> str | None:
    if _string_list(v) is None and all(s in LAYERS for s in v):
        return None
    return "a list of layer names from " + ", ".join(LAYERS)


def _mapping(v: Any) -> str | None:
    ok = isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
    return None if ok else "a table of source column = canonical column"


def _on_half_hours(v: Any) -> bool:
    return is_real(v) and float(v * 2).is_integer()


def _shifts(v: Any) -> str | None:
    ok = isinstance(v, list) and all(_on_half_hours(h) and 0 < h <= 24 for h in v)
    return (
        None
        if ok
        else "a list of block lengths in hours, multiples of half an hour, e.g. "
        "[8, 4] (an 8-hour shift plus a 4-hour extension; [] for one shift of "
        "shift_minutes)"
    )


def _allowed_hours(v: Any) -> str | None:
    ok = (
        isinstance(v, list)
        and len(v) == 2
        and all(_on_half_hours(h) for h in v)
        and 0 <= v[0] < v[1] <= 24
    )
    return (
        None
        if ok
        else "[first, last] clock hours with 0 <= first < last <= 24 on whole or "
        "half hours, e.g. [6, 23]"
    )


def _clock(v: Any) -> str | None:
    expected = 'a clock time "HH:MM", e.g. "08:30"'
    if not isinstance(v, str):
        return expected
    try:
        datetime.time.fromisoformat(v.strip())
    except ValueError:
        return expected
    return None if len(v.strip()) == 5 else expected


def _patrol_problems(pt: Mapping[str, Any]) -> list[str]:
    """Return the problems between [patrol] keys each valid on its own."""
    shifts: Any = pt.get("shifts")
    hours: Any = pt.get("allowed_hours", [6, 23])
    if _shifts(shifts) is not None or _allowed_hours(hours) is not None:
        return []
    span = float(hours[1]) - float(hours[0])
    problems: list[str] = []
    if sum(shifts) > span:
        problems.append(
            f"patrol.shifts must fit one after the other in patrol.allowed_hours "
            f"{hours!r} ({span:g} hours), got {shifts!r} ({sum(shifts):g} hours). "
            "Shorten the blocks or widen the allowed hours."
        )
        return problems
    teams, need = pt.get("teams", PatrolConfig.teams), pt.get("min_on_duty", 1)
    if shifts and _positive_int(teams) is None and _non_negative_int(need) is None:
        have = teams * sum(shifts)
        if have < need * span:
            problems.append(
                f"patrol.min_on_duty = {need} needs {need * span:g} team-hours a day "
                f"in patrol.allowed_hours {hours!r}, got {have:g} ({teams} teams x "
                f"{sum(shifts):g} hours). Lower min_on_duty, add teams or longer "
                "shifts."
            )
    return problems


def _depots(v: Any) -> str | None:
    ok = isinstance(v, list) and all(
        isinstance(p, list) and len(p) == 2 and all(map(is_real, p)) for p in v
    )
    return None if ok else "a list of [longitude, latitude] pairs (WGS-84)"


def _scheduler(v: Any) -> str | None:
    expected = (
        'the address of a running Dask scheduler, e.g. "tcp://10.0.0.5:8786" '
        "(the one `dask scheduler` prints)"
    )
    if not isinstance(v, str) or "://" not in v:
        return expected
    scheme, _, rest = v.partition("://")
    return None if scheme in SCHEDULER_SCHEMES and rest.strip() else expected


def _memory(v: Any) -> str | None:
    ok = isinstance(v, str) and v.strip() and (v == "auto" or v[0].isdigit())
    return None if ok else 'a memory size per worker such as "4GB" or "auto"'


def _compute_problems(raw: Mapping[str, Any]) -> list[str]:
    """Return the problems between ``[compute]`` keys (each key checked alone)."""
    table = raw.get("compute")
    if not isinstance(table, dict):
        return []
    problems = []
    engine = table.get("engine", "local")
    if engine == "local":
        problems += [
            f'compute.{key} needs compute.engine = "dask", got engine '
            f'{engine!r}. Set engine = "dask" or remove {key}.'
            for key in (
                "scheduler",
                "workers",
                "threads_per_worker",
                "memory_limit",
                "connect_timeout_s",
            )
            if key in table
        ]
    elif "scheduler" in table:
        problems += [
            f"compute.{key} sizes the local cluster and does not apply with "
            f"compute.scheduler = {table['scheduler']!r}. Remove {key} (size the "
            "workers with `dask worker --nthreads ... --memory-limit ...`)."
            for key in ("workers", "threads_per_worker", "memory_limit")
            if key in table
        ]
    return problems


def _compute(table: Mapping[str, Any]) -> ComputeConfig:
    return ComputeConfig(**table)


_SCHEMA: Final[dict[str, dict[str, _Checker]]] = {
    "city": {"name": _string, "timezone": _timezone, "week_start": _one_of(*WEEKDAYS)},
    "input": {
        "reports": _path_or_paths,
        "preset": _one_of("auto", "platform", "open311", "canonical"),
        "coords": _coords,
        "encoding": _encoding,
        "mapping": _mapping,
        "header_row": _positive_int,
        "time_window": _time_window,
    },
    "boundaries": {
        "grid": _string,
        "streets": _string,
        "areas": _string,
        "places": _string,
        **{
            f"{layer}_{part}_column": _string
            for layer, parts in BOUNDARY_COLUMNS.items()
            for part in parts
        },
    },
    "privacy": {"private_columns": _string_list},
    "analysis": {
        "history_weeks": _int_between(1, MAX_HISTORY_WEEKS, "ten years at most"),
        "periods": _positive_int,
        "alpha": _probability,
        "fdr": _boolean,
        "time_lag": _positive_int,
        "trend_alpha": _probability,
        "weights": _one_of("queen", "rook"),
        "street_distance_m": _positive,
        "comeback_days": _positive_int,
        "comeback_distance_m": _positive,
        "late_days": _positive,
        "cluster_method": _one_of("dbscan", "hdbscan", "st-dbscan"),
        "cluster_eps_m": _positive,
        "cluster_min_samples": _positive_int,
        "backtest_weeks": _int_between(
            0, MAX_BACKTEST_WEEKS, "0 turns the backtest off; two years at most"
        ),
        "backtest_methods": _methods,
        "blind_spot_weights": lambda v: None if isinstance(v, dict) else "a table",
    },
    "map": {
        "tiles": _one_of("osm", "amap", "none"),
        "language": _one_of("zh", "en"),
        "layers": _layers,
    },
    "patrol": {
        "enabled": _boolean,
        "teams": _positive_int,
        "depots": _depots,
        "shift_minutes": _positive,
        "dwell_minutes": _non_negative,
        "mode": _one_of("walking", "ebike", "car"),
        "top_n": _positive_int,
        "time_limit_s": _positive,
        "shifts": _shifts,
        "allowed_hours": _allowed_hours,
        "min_on_duty": _non_negative_int,
        "shift_start": _clock,
        "window_minutes": _positive,
        "revisit_top": _non_negative_int,
        "revisit_gap_minutes": _positive,
        "profile_bandwidth_h": _non_negative,
        "profile_prior_strength": _non_negative,
    },
    "compute": {
        "engine": _one_of("local", "dask"),
        "scheduler": _scheduler,
        "workers": _positive_int,
        "threads_per_worker": _positive_int,
        "memory_limit": _memory,
        "partitions": _positive_int,
        "connect_timeout_s": _positive,
    },
    "output": {"folder": _string},
    "ledger": {"url": _ledger_url},
}
_BLIND_SPOT_KEYS: Final = tuple(BlindSpotWeights.__dataclass_fields__)
_CATEGORY_KEYS: Final = ("name_zh", "code", "name_en", "weight", "group")
_REQUIRED: Final = (("input", "reports"),)


def _unknown(key: str, known: tuple[str, ...] | list[str], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    allowed = ", ".join(known)
    return f"unknown key {where}{key!r}.{hint} Allowed here: {allowed}."


def _validate(raw: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    sections = [*_SCHEMA, "categories", *_ACCOUNTABILITY_SECTIONS]
    for section, value in raw.items():
        if section not in sections:
            problems.append(_unknown(section, sections, ""))
            continue
        if section == "categories":
            problems.extend(_validate_categories(value))
            continue
        if section in _ACCOUNTABILITY_SECTIONS:
            continue  # _validate_accountability
        if not isinstance(value, dict):
            problems.append(f"[{section}] must be a table, got {value!r}.")
            continue
        checkers = _SCHEMA[section]
        for key, v in value.items():
            if key not in checkers:
                problems.append(_unknown(key, list(checkers), f"in [{section}]: "))
                continue
            expected = checkers[key](v)
            if expected is not None:
                problems.append(f"{section}.{key} must be {expected}, got {v!r}.")
    analysis = raw.get("analysis")
    bsw = analysis.get("blind_spot_weights") if isinstance(analysis, dict) else None
    if isinstance(bsw, dict):
        for key, v in bsw.items():
            if key not in _BLIND_SPOT_KEYS:
                where = "in [analysis.blind_spot_weights]: "
                problems.append(_unknown(key, list(_BLIND_SPOT_KEYS), where))
            elif _non_negative(v) is not None:
                problems.append(
                    f"analysis.blind_spot_weights.{key} must be a number >= 0, "
                    f"got {v!r}."
                )
    patrol = raw.get("patrol")
    if isinstance(patrol, dict):
        problems.extend(_patrol_problems(patrol))
    ledger = raw.get("ledger")
    url = ledger.get("url") if isinstance(ledger, dict) else None
    if isinstance(url, str):
        refused = _password_problem(url)
        if refused is not None:
            # the password itself is never echoed back
            problems = [p for p in problems if not p.startswith("ledger.url")]
            problems.append(refused)
    problems.extend(_validate_accountability(raw))
    if not any(p.startswith("compute.") for p in problems):
        problems += _compute_problems(raw)
    for section, key in _REQUIRED:
        table = raw.get(section, {})
        if isinstance(table, dict) and key not in table:
            problems.append(
                f"{section}.{key} is missing: add it under [{section}], e.g. "
                f'{key} = "reports.csv".'
            )
    return problems


def _validate_categories(value: Any) -> list[str]:
    if not isinstance(value, list):
        return [
            f"categories must be an array of tables ([[categories]]), got {value!r}."
        ]
    problems: list[str] = []
    for i, cat in enumerate(value, start=1):
        if not isinstance(cat, dict):
            problems.append(f"categories #{i} must be a table, got {cat!r}.")
            continue
        for key in cat:
            if key not in _CATEGORY_KEYS:
                problems.append(
                    _unknown(key, list(_CATEGORY_KEYS), f"in categories #{i}: ")
                )
        if _string(cat.get("name_zh")) is not None:
            problems.append(f"categories #{i}: name_zh must be a non-empty string.")
        if "weight" in cat and _non_negative(cat["weight"]) is not None:
            problems.append(
                f"categories #{i}: weight must be a number >= 0, got {cat['weight']!r}."
            )
        for key in ("code", "name_en", "group"):
            if key in cat and _string(cat[key]) is not None:
                problems.append(f"categories #{i}: {key} must be a non-empty string.")
    return problems


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def _is_glob(value: str) -> bool:
    return any(ch in _GLOB_CHARS for ch in value)


def _report_paths(root: Path, entries: tuple[str, ...]) -> tuple[Path, ...]:
    """Resolve ``[input] reports``: paths as given, globs expanded and sorted."""
    paths: list[Path] = []
    problems: list[str] = []
    for entry in entries:
        if not _is_glob(entry):
            paths.append(_resolve(root, entry))
            continue
        pattern = Path(entry).expanduser()
        full = pattern if pattern.is_absolute() else root / pattern
        found = sorted(
            Path(p).resolve() for p in glob.glob(str(full)) if Path(p).is_file()
        )
        if not found:
            problems.append(
                f"input.reports: the pattern {entry!r} matches no file in "
                f"{str(full.parent)!r}; put the platform's exports there or "
                'correct the pattern (e.g. "exports/*.csv").'
            )
        paths.extend(p for p in found if p not in paths)
    collect_problems(problems, "configuration")
    return tuple(paths)


def _ledger_location(root: Path, raw: Mapping[str, Any]) -> str:
    url = str(raw.get("ledger", {}).get("url", DEFAULT_LEDGER))
    if "://" in url:
        return url
    return str(_resolve(root, url))


def _boundary_columns(bnd: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for layer, parts in BOUNDARY_COLUMNS.items():
        named = {
            canonical: bnd[f"{layer}_{part}_column"]
            for part, canonical in parts.items()
            if f"{layer}_{part}_column" in bnd
        }
        if named:
            out[layer] = named
    return out


def config_from_dict(raw: Mapping[str, Any], *, base: Path | None = None) -> Config:
    """Validate a configuration given as a dict (the parsed TOML).

    Parameters
    ----------
    raw
        The configuration tables.
    base
        The folder relative paths are resolved against (default: the current
        folder).

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    InputError
        Listing every problem found.
    """
    data = dict(raw)
    collect_problems(_validate(data), "configuration")
    root = base if base is not None else Path.cwd()
    city = data.get("city", {})
    inp = data["input"]
    reports = inp["reports"]
    report_paths = (reports,) if isinstance(reports, str) else tuple(reports)
    bnd = data.get("boundaries", {})
    an = dict(data.get("analysis", {}))
    bsw = BlindSpotWeights(**an.pop("blind_spot_weights", {}))
    if "backtest_methods" in an:
        an["backtest_methods"] = tuple(an["backtest_methods"])
    mp = dict(data.get("map", {}))
    if "layers" in mp:
        mp["layers"] = tuple(mp["layers"])
    pt = dict(data.get("patrol", {}))
    if "depots" in pt:
        pt["depots"] = tuple((float(x), float(y)) for x, y in pt["depots"])
    if "shifts" in pt:
        pt["shifts"] = tuple(float(h) for h in pt["shifts"])
    if "allowed_hours" in pt:
        pt["allowed_hours"] = tuple(float(h) for h in pt["allowed_hours"])
    if "shift_start" in pt:
        pt["shift_start"] = pt["shift_start"].strip()
    cats = tuple(Category(**c) for c in data.get("categories", []))
    return Config(
        path=None,
        city=city.get("name", "city"),
        timezone=city.get("timezone", "Asia/Shanghai"),
        week_start=city.get("week_start", "monday"),
        input=InputConfig(
            reports=_report_paths(root, report_paths),
            preset=inp.get("preset", "auto"),
            coords=inp.get("coords", "wgs84"),
            encoding=inp.get("encoding"),
            mapping=dict(inp.get("mapping", {})),
            header_row=inp.get("header_row"),
            time_window=(
                _window_ends(inp["time_window"]) if "time_window" in inp else None
            ),
        ),
        boundaries=BoundariesConfig(
            **{k: _resolve(root, bnd[k]) for k in BOUNDARY_COLUMNS if k in bnd},
            columns=_boundary_columns(bnd),
        ),
        categories=cats,
        private_columns=tuple(data.get("privacy", {}).get("private_columns", [])),
        analysis=AnalysisConfig(**an, blind_spot_weights=bsw),
        map=MapConfig(**mp),
        patrol=PatrolConfig(**pt),
        compute=_compute(data.get("compute", {})),
        output_folder=_resolve(root, data.get("output", {}).get("folder", "maps")),
        ledger_url=_ledger_location(root, data),
        accountability=_accountability(data, root),
    )


def load_config(path: str | os.PathLike[str]) -> Config:
    """Load and validate a city's ``hotspots.toml``.

    Parameters
    ----------
    path
        The TOML file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    InputError
        When the file is missing, is not valid TOML, or has any invalid,
        missing or unknown key (all listed at once).

    Examples
    --------
    >>> from pathlib import Path
    >>> cfg = load_config(Path(__file__).parents[2] / "sample_data" / "hotspots.toml")
    >>> cfg.input.coords
    'gcj02'
    """
    p = Path(path)
    raw = _read_toml(
        p,
        f"config file {str(p)!r} does not exist. Pass the path of the city's "
        "hotspots.toml, e.g. --config sample_data/hotspots.toml.",
    )
    cfg = config_from_dict(raw, base=p.parent.resolve())
    return dataclasses.replace(cfg, path=p.resolve())


def _read_toml(p: Path, missing: str) -> dict[str, Any]:
    """Return the TOML table of file ``p``; ``missing`` is the error when absent."""
    if not p.is_file():
        raise InputError(missing)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        msg = f"config file {str(p)!r} is not valid UTF-8 TOML: {err}. Fix the syntax."
        raise InputError(msg) from err


# -- the province config (``hotspots province``) -----------------------------------


@dataclass(frozen=True)
class ProvinceConfig:
    """A validated province configuration (``province.toml``).

    Build it with :func:`load_province`.

    Attributes
    ----------
    path
        The file it was loaded from (None when built from a dict).
    name
        ``[province] name``, shown in the province index.
    cities
        ``[province] cities``: one ``hotspots.toml`` per city, resolved
        against the file's folder, in the order given.
    compute
        ``[compute]``: where the cities run (``"dask"``: one task per city on
        the cluster, in parallel; ``"local"``: one after the other here).
    output_folder
        ``[output] folder``: where the province's ``index.html`` goes
        (default ``maps`` beside the file); not a city's output folder.
    """

    path: Path | None
    name: str
    cities: tuple[Path, ...]
    compute: ComputeConfig
    output_folder: Path


_PROVINCE_SCHEMA: Final[dict[str, dict[str, _Checker]]] = {
    "province": {"name": _string, "cities": _string_list},
    "compute": _SCHEMA["compute"],
    "output": {"folder": _string},
}


def _validate_province(raw: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    sections = list(_PROVINCE_SCHEMA)
    for section, value in raw.items():
        if section not in sections:
            problems.append(_unknown(section, sections, ""))
            continue
        if not isinstance(value, dict):
            problems.append(f"[{section}] must be a table, got {value!r}.")
            continue
        checkers = _PROVINCE_SCHEMA[section]
        for key, v in value.items():
            if key not in checkers:
                problems.append(_unknown(key, list(checkers), f"in [{section}]: "))
                continue
            expected = checkers[key](v)
            if expected is not None:
                problems.append(f"{section}.{key} must be {expected}, got {v!r}.")
    province = raw.get("province")
    if not isinstance(province, dict) or "cities" not in province:
        problems.append(
            "province.cities is missing: add it under [province], e.g. cities = "
            '["qingdao/hotspots.toml", "jinan/hotspots.toml"].'
        )
    elif province["cities"] == []:
        problems.append(
            "province.cities must list at least one city's hotspots.toml, got []."
        )
    if not any(p.startswith("compute.") for p in problems):
        problems += _compute_problems(raw)
    return problems


def province_from_dict(
    raw: Mapping[str, Any], *, base: Path | None = None
) -> ProvinceConfig:
    """Validate a province configuration given as a dict (the parsed TOML).

    Parameters
    ----------
    raw
        The configuration tables: ``[province] name, cities``, ``[compute]``
        (as in a city's config) and ``[output] folder``.
    base
        The folder relative paths are resolved against (default: the current
        folder).

    Returns
    -------
    ProvinceConfig
        The validated configuration. The cities' configs are not loaded here:
        a city whose config cannot be loaded fails alone when the province runs.

    Raises
    ------
    InputError
        Listing every problem found.

    Examples
    --------
    >>> p = province_from_dict(
    ...     {"province": {"name": "山东省", "cities": ["qd/hotspots.toml"]}},
    ...     base=Path("/data"),
    ... )
    >>> p.cities, p.compute.engine, p.output_folder
    ((PosixPath('/data/qd/hotspots.toml'),), 'local', PosixPath('/data/maps'))
    """
    data = dict(raw)
    collect_problems(_validate_province(data), "province configuration")
    root = base if base is not None else Path.cwd()
    province = data["province"]
    return ProvinceConfig(
        path=None,
        name=province.get("name", "province"),
        cities=tuple(_resolve(root, c) for c in province["cities"]),
        compute=_compute(data.get("compute", {})),
        output_folder=_resolve(root, data.get("output", {}).get("folder", "maps")),
    )


def load_province(path: str | os.PathLike[str]) -> ProvinceConfig:
    """Load and validate a ``province.toml``.

    Parameters
    ----------
    path
        The TOML file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    ProvinceConfig
        The validated configuration.

    Raises
    ------
    InputError
        When the file is missing, is not valid TOML, or has any invalid,
        missing or unknown key (all listed at once).
    """
    p = Path(path)
    raw = _read_toml(
        p,
        f"province config file {str(p)!r} does not exist. Pass the path of the "
        "province.toml, e.g. --config province.toml.",
    )
    cfg = province_from_dict(raw, base=p.parent.resolve())
    return dataclasses.replace(cfg, path=p.resolve())


# -- accountability: [responsibility], [deadlines], [scorecard], [recheck] --------

#: The sections of the accountability loop (read only with ``[responsibility]``).
_ACCOUNTABILITY_SECTIONS: Final = (
    "responsibility",
    "deadlines",
    "scorecard",
    "recheck",
)
#: Case columns a ``[scorecard] levels`` entry may name: the responsible unit,
#: the subdistrict it answers to, the grid keeper of the case's cell, and the
#: admin areas and cell the case lies in.
SCORECARD_LEVELS: Final = (
    "unit_id",
    "unit_subdistrict_id",
    "grid_keeper_id",
    "district_id",
    "subdistrict_id",
    "community_id",
    "grid_id",
)
#: The rates a red/black list may judge by
#: (:data:`hotspots.accountability.scorecard.METRICS`).
SCORECARD_METRICS: Final = (
    "closure_rate",
    "on_time_rate",
    "rework_rate",
    "comeback_rate",
    "outside_share",
)
#: A time limit: hours (``"2h"``, ``"1.5h"``) or whole working days (``"3wd"``).
_LIMIT_SYNTAX: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|wd)\s*$")


@dataclass(frozen=True)
class ResponsibilityConfig:
    """``[responsibility]``: the units table and the duties layer (absolute paths)."""

    units: Path
    duties: Path


@dataclass(frozen=True)
class DeadlinesConfig:
    """``[deadlines]``: time limits per category, as ``(amount, unit)`` pairs.

    ``limits`` is ``None`` when the config has no ``[deadlines.limits]``: the
    job then uses :data:`hotspots.accountability.deadlines.EXAMPLE_LIMITS` (an
    example, not an official standard) and says so in a notice.
    """

    limits: Mapping[str, tuple[float, str]] | None = None
    default: tuple[float, str] | None = None
    beyond_calendar: Literal["weekends", "raise"] = "weekends"


@dataclass(frozen=True)
class ScorecardConfig:
    """``[scorecard]``: the target rate, the rate judged and the levels scored."""

    target: float = 0.8
    metric: str = "on_time_rate"
    levels: tuple[str, ...] = ("unit_id", "unit_subdistrict_id")


@dataclass(frozen=True)
class RecheckConfig:
    """``[recheck]``: the re-check list (回头看) added to the patrol plan."""

    top_k: int = 10
    within_days: float = 14.0
    distance_m: float = 20.0
    history_days: float = 56.0


@dataclass(frozen=True)
class AccountabilityConfig:
    """The accountability sections of a config with ``[responsibility]``."""

    responsibility: ResponsibilityConfig
    deadlines: DeadlinesConfig = field(default_factory=DeadlinesConfig)
    scorecard: ScorecardConfig = field(default_factory=ScorecardConfig)
    recheck: RecheckConfig = field(default_factory=RecheckConfig)


def parse_limit(value: object) -> tuple[float, str] | None:
    """Parse a time limit of the config: ``"2h"`` (hours) or ``"3wd"`` (working days).

    Parameters
    ----------
    value
        The TOML value.

    Returns
    -------
    tuple or None
        ``(amount, "hours")`` or ``(amount, "working_days")``; None when the
        value is not a positive number of hours or whole working days.

    Examples
    --------
    >>> parse_limit("2h"), parse_limit("3wd"), parse_limit("1.5wd")
    ((2.0, 'hours'), (3.0, 'working_days'), None)
    """
    if not isinstance(value, str):
        return None
    m = _LIMIT_SYNTAX.match(value)
    if m is None:
        return None
    amount, unit = float(m.group(1)), m.group(2)
    if amount <= 0 or (unit == "wd" and amount != int(amount)):
        return None
    return amount, "hours" if unit == "h" else "working_days"


_LIMIT_EXPECTED: Final = (
    'a time limit: hours ("2h", "1.5h") or whole working days ("3wd")'
)


def _levels(v: Any) -> str | None:
    ok = (
        isinstance(v, list)
        and bool(v)
        and all(isinstance(x, str) and x in SCORECARD_LEVELS for x in v)
        and len(set(v)) == len(v)
    )
    return (
        None if ok else f"a non-empty list of distinct levels from {SCORECARD_LEVELS}"
    )


_ACCOUNTABILITY_SCHEMA: Final[dict[str, dict[str, _Checker]]] = {
    "responsibility": {"units": _string, "duties": _string},
    "deadlines": {
        "limits": lambda v: None if isinstance(v, dict) else "a table",
        "default": lambda v: None if parse_limit(v) else _LIMIT_EXPECTED,
        "beyond_calendar": _one_of("weekends", "raise"),
    },
    "scorecard": {
        "target": _probability,
        "metric": _one_of(*SCORECARD_METRICS),
        "levels": _levels,
    },
    "recheck": {
        "top_k": _positive_int,
        "within_days": _positive,
        "distance_m": _positive,
        "history_days": _positive,
    },
}


def _validate_accountability(raw: Mapping[str, Any]) -> list[str]:
    """Problems of the accountability sections, one line each naming the key."""
    problems: list[str] = []
    for section, checkers in _ACCOUNTABILITY_SCHEMA.items():
        value = raw.get(section)
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.append(f"[{section}] must be a table, got {value!r}.")
            continue
        for key, v in value.items():
            if key not in checkers:
                problems.append(_unknown(key, list(checkers), f"in [{section}]: "))
                continue
            expected = checkers[key](v)
            if expected is not None:
                problems.append(f"{section}.{key} must be {expected}, got {v!r}.")
    resp = raw.get("responsibility")
    if isinstance(resp, dict):
        problems.extend(
            f'responsibility.{key} is missing: add it, e.g. {key} = "../boundaries/'
            f'{key}.csv".'
            for key in ("units", "duties")
            if key not in resp
        )
    else:
        problems.extend(
            f"[{section}] needs [responsibility]: add [responsibility] units = ... "
            f"and duties = ..., or remove [{section}]."
            for section in _ACCOUNTABILITY_SECTIONS[1:]
            if section in raw
        )
    dl = raw.get("deadlines")
    limits = dl.get("limits") if isinstance(dl, dict) else None
    if isinstance(limits, dict):
        problems.extend(
            f"deadlines.limits.{category!r} must be {_LIMIT_EXPECTED}, got {v!r}."
            for category, v in limits.items()
            if parse_limit(v) is None
        )
    rc = raw.get("recheck")
    if isinstance(rc, dict) and is_real(rc.get("within_days")):
        history = rc.get("history_days", RecheckConfig.history_days)
        if is_real(history) and history <= rc["within_days"]:
            problems.append(
                f"recheck.history_days must be longer than recheck.within_days "
                f"({rc['within_days']!r}), got {history!r}."
            )
    return problems


def _accountability(data: Mapping[str, Any], root: Path) -> AccountabilityConfig | None:
    """Build the accountability sections (validated) or None without them."""
    resp = data.get("responsibility")
    if resp is None:
        return None
    paths = {k: _resolve(root, resp[k]) for k in ("units", "duties")}
    collect_problems(
        [
            f"responsibility.{k}: file {str(p)!r} does not exist; give the path "
            "of the file relative to the config."
            for k, p in paths.items()
            if not p.is_file()
        ],
        "configuration",
    )
    dl = dict(data.get("deadlines", {}))
    limits = dl.get("limits")
    sc_ = dict(data.get("scorecard", {}))
    if "levels" in sc_:
        sc_["levels"] = tuple(sc_["levels"])
    rc: dict[str, Any] = {
        k: (float(v) if k != "top_k" else v) for k, v in data.get("recheck", {}).items()
    }
    return AccountabilityConfig(
        responsibility=ResponsibilityConfig(**paths),
        deadlines=DeadlinesConfig(
            limits=None
            if limits is None
            else {str(k): parse_limit(v) for k, v in limits.items()},  # type: ignore[misc]
            default=parse_limit(dl["default"]) if "default" in dl else None,
            beyond_calendar=dl.get("beyond_calendar", "weekends"),
        ),
        scorecard=ScorecardConfig(**sc_),
        recheck=RecheckConfig(**rc),
    )
