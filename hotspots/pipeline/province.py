"""Several cities' weekly jobs in one run, in parallel on a Dask cluster.

:func:`run_province` runs :func:`hotspots.pipeline.weekly.run_weekly` for every
city of a province (one config each), one task per city on the cluster (or
one after the other in this process without a client), and writes one
``index.html`` that links every city's map and summarises the week of each.
A city that fails is reported (in the index and in the result), never a
crash of the whole run.
"""

from __future__ import annotations

import html
import json
import os
import threading
import urllib.parse
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._core.outputs import write_text
from ..errors import HotspotsWarning, InputError

if TYPE_CHECKING:
    from .config import Config

__all__ = ["CityRun", "ProvinceRun", "run_province"]

CityStatus = Literal["ok", "failed"]

#: The summary table's headers, Chinese / English.
INDEX_HEADERS = (
    "城市 city",
    "周 week",
    "本周上报 reports this week",
    "受理 accepted",
    "隔离 quarantined",
    "首要盲区 top blind spot",
    "状态 status",
)


@dataclass(frozen=True)
class CityRun:
    """The outcome of one city's weekly job in a province run.

    Attributes
    ----------
    name
        The city's name (``[city] name``), or its config path when the
        config could not be loaded.
    config
        The path of the city's config ("" for a :class:`Config` built in
        code without one).
    status
        ``"ok"`` or ``"failed"``.
    week
        The week analysed (None when the job failed before choosing it).
    folder
        The city's week folder, ``<city output folder>/<week>/`` (None when
        it failed).
    map
        The city's map, ``<folder>/index.html`` (None when it failed).
    summary
        The city's ``summary.json`` as read back (None when it failed).
    error
        The error of a failed city (its type and message), else None.
    """

    name: str
    config: str
    status: CityStatus
    week: str | None = None
    folder: Path | None = None
    map: Path | None = None
    summary: Mapping[str, Any] | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the city's job finished and wrote its week."""
        return self.status == "ok"


@dataclass(frozen=True)
class ProvinceRun:
    """The outcome of :func:`run_province`.

    Attributes
    ----------
    cities
        One :class:`CityRun` per config, in the order given.
    index
        The province index, ``<output_folder>/index.html``.
    """

    cities: tuple[CityRun, ...]
    index: Path

    @property
    def ok(self) -> bool:
        """Whether every city finished."""
        return all(c.ok for c in self.cities)

    @property
    def failed(self) -> tuple[CityRun, ...]:
        """The cities that failed, in the order given."""
        return tuple(c for c in self.cities if not c.ok)


# -- warnings of concurrent jobs ---------------------------------------------------


class _Silence:
    """The job's own warnings silenced while any city job runs (see _quiet)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved: warnings.catch_warnings | None = None


_SILENCE = _Silence()


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the ``hotspots`` warnings while any city job of this process runs.

    Warning filters are process-wide (before Python 3.14): jobs in threads of
    one worker each entering and leaving ``catch_warnings`` would restore
    each other's filters, and a job could see its notices turned into errors
    by the caller's filters. The first job in silences every
    :class:`~hotspots.errors.HotspotsWarning`, the last one out restores the
    filters. Nothing is lost: every notice of a job is in its summary
    (``notices``) and its counts. Other libraries' warnings go on to the
    caller's filters.
    """
    s = _SILENCE
    with s.lock:
        if s.depth == 0:
            saved = warnings.catch_warnings()
            saved.__enter__()
            warnings.filterwarnings("ignore", category=HotspotsWarning)
            s.saved = saved
        s.depth += 1
    try:
        yield
    finally:
        with s.lock:
            s.depth -= 1
            if s.depth == 0 and s.saved is not None:
                s.saved.__exit__(None, None, None)
                s.saved = None


# -- one city ----------------------------------------------------------------------


def _run_city(config: Config, week: str | None) -> dict[str, Any]:
    """Run one city's weekly job and read back its summary (a cluster task).

    Returns a plain dict (it travels back from the worker): ``status``,
    ``week``, ``folder``, ``summary`` or ``error``.
    """
    from ..compute.engine import Compute
    from .weekly import run_weekly

    with _quiet():
        try:
            # a city is one task: its own steps run inside it, never on a
            # second cluster started from the city's [compute]
            job = run_weekly(config, week=week, write=True, compute=Compute("local"))
            folder = Path(config.output_folder) / job.week
            text = (folder / "summary.json").read_text(encoding="utf-8")
            return {
                "status": "ok",
                "week": job.week,
                "folder": str(folder),
                "summary": json.loads(text),
            }
        except Exception as err:  # a city's failure is its result, not a crash
            return {"status": "failed", "error": f"{type(err).__name__}: {err}"}


def _failed(name: str, config: str, err: BaseException | str) -> CityRun:
    text = err if isinstance(err, str) else f"{type(err).__name__}: {err}"
    return CityRun(name=name, config=config, status="failed", error=text)


def _city_run(name: str, config: str, outcome: Mapping[str, Any]) -> CityRun:
    if outcome.get("status") != "ok":
        return _failed(name, config, str(outcome.get("error", "unknown error")))
    folder = Path(outcome["folder"])
    return CityRun(
        name=name,
        config=config,
        status="ok",
        week=str(outcome["week"]),
        folder=folder,
        map=folder / "index.html",
        summary=outcome["summary"],
    )


# -- the index -----------------------------------------------------------------------


def _count(summary: Mapping[str, Any] | None, key: str) -> int | None:
    try:
        return int(summary["counts"][key]) if summary is not None else None
    except (KeyError, TypeError, ValueError):
        return None


def _top_blind_spot(summary: Mapping[str, Any] | None) -> str:
    try:
        top = summary["top_blind_spots"][0] if summary is not None else None
    except (KeyError, IndexError, TypeError):
        return ""
    if not isinstance(top, Mapping):
        return ""
    unit = top.get("grid_id", "")
    return f"#{top.get('rank', '')} {unit}: {top.get('reason_zh', '')}".strip()


def _link(target: Path, base: Path) -> str:
    rel = os.path.relpath(target.resolve(), base.resolve())
    return urllib.parse.quote(Path(rel).as_posix())


def _cell(value: object) -> str:
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def _index_page(
    cities: Sequence[CityRun],
    base: Path,
    week: str | None,
    province: str | None = None,
) -> str:
    rows = []
    totals = {"reports_in_week": 0, "accepted": 0, "quarantined": 0}
    for c in cities:
        counts = {k: _count(c.summary, k) for k in totals}
        for k, v in counts.items():
            totals[k] += v or 0
        if c.map is not None:
            name = (
                f'<td><a href="{html.escape(_link(c.map, base))}">'
                f"{html.escape(c.name)}</a></td>"
            )
        else:
            name = _cell(c.name)
        status = "完成 ok" if c.ok else f"失败 failed: {c.error}"
        rows.append(
            f'<tr class="{c.status}">'
            + name
            + _cell(c.week)
            + "".join(_cell(counts[k]) for k in totals)
            + _cell(_top_blind_spot(c.summary))
            + _cell(status)
            + "</tr>"
        )
    n_ok = sum(c.ok for c in cities)
    total = (
        "<tr><th>合计 total</th>"
        + _cell(week)
        + "".join(_cell(v) for v in totals.values())
        + _cell("")
        + _cell(f"{n_ok}/{len(cities)} 完成 ok")
        + "</tr>"
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in INDEX_HEADERS)
    title = "hotspots 全省周报 / province weekly maps"
    if province is not None:
        title = f"{province} {title}"
    if week is not None:
        title += f" {week}"
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>table{border-collapse:collapse}td,th{border:1px solid #999;"
        "padding:2px 6px}tr.failed td{color:#b00}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody><tfoot>{total}</tfoot></table>"
        "</body></html>\n"
    )


# -- the run -------------------------------------------------------------------------


def _check(
    configs: object,
    week: object,
    output_folder: object,
    client: object,
    name: object = None,
) -> list[object]:
    if isinstance(configs, str | bytes | os.PathLike) or not isinstance(
        configs, Sequence
    ):
        msg = (
            "configs must be a list of city config paths (or Config objects), got "
            f"{type(configs).__name__}. Pass e.g. ['qingdao.toml', 'jinan.toml']."
        )
        raise TypeError(msg)
    if not configs:
        msg = (
            "configs must list at least one city, got an empty list. Pass one "
            "hotspots.toml per city."
        )
        raise InputError(msg)
    from .config import Config

    wrong = [c for c in configs if not isinstance(c, str | os.PathLike | Config)]
    if wrong:
        msg = (
            "every config must be a path or a Config from hotspots.load_config, got "
            f"{type(wrong[0]).__name__} ({wrong[0]!r}). Pass config file paths."
        )
        raise TypeError(msg)
    if name is not None and not isinstance(name, str):
        msg = f"name must be the province's name or None, got {name!r}."
        raise TypeError(msg)
    if week is not None and not isinstance(week, str):
        msg = f"week must be a week label such as '2026-W47' or None, got {week!r}."
        raise TypeError(msg)
    if not isinstance(output_folder, str | os.PathLike):
        msg = (
            "output_folder must be a folder path, got "
            f"{type(output_folder).__name__}. Pass e.g. output_folder='maps'."
        )
        raise TypeError(msg)
    if Path(output_folder).exists() and not Path(output_folder).is_dir():
        msg = (
            f"output_folder must be a folder, got the file {str(output_folder)!r}. "
            "Pass a folder (it is created if missing)."
        )
        raise InputError(msg)
    if client is not None and not callable(getattr(client, "submit", None)):
        msg = (
            "client must be a distributed.Client or None, got "
            f"{type(client).__name__}. Pass engine('dask').client."
        )
        raise TypeError(msg)
    return list(configs)


def _load(configs: list[object]) -> list[tuple[str, str, Config | str]]:
    """Return (name, config path, Config or the error of loading it) per city."""
    from .config import Config, load_config

    out: list[tuple[str, str, Config | str]] = []
    for c in configs:
        if isinstance(c, Config):
            out.append((c.city, "" if c.path is None else str(c.path), c))
            continue
        path = str(c)
        try:
            cfg = load_config(path)
        except Exception as err:  # reported as the city's failure
            out.append((path, path, f"{type(err).__name__}: {err}"))
            continue
        out.append((cfg.city, path, cfg))
    return out


def _check_folders(loaded: list[tuple[str, str, Config | str]], index: Path) -> None:
    seen: dict[Path, str] = {}
    problems = []
    for name, _, cfg in loaded:
        if isinstance(cfg, str):
            continue
        folder = Path(cfg.output_folder).resolve()
        if folder == index:
            problems.append(
                f"city {name!r} writes into output_folder {str(index)!r}, whose "
                "index.html it would share with the province"
            )
        elif folder in seen:
            problems.append(
                f"cities {seen[folder]!r} and {name!r} write into the same output "
                f"folder {str(folder)!r}"
            )
        seen.setdefault(folder, name)
    if problems:
        msg = (
            "every city must write into its own output folder, apart from the "
            f"province's: {'; '.join(problems)}. Set [output] folder of each "
            "city's config to its own folder."
        )
        raise InputError(msg, problems)


def run_province(
    configs: Sequence[str | os.PathLike[str] | Config],
    *,
    week: str | None = None,
    output_folder: str | os.PathLike[str],
    client: Any = None,
    name: str | None = None,
) -> ProvinceRun:
    """Run every city's weekly job, in parallel on a cluster, and index them.

    Each city runs :func:`hotspots.pipeline.weekly.run_weekly` with ``write=True``
    into its own config's output folder, as one task on the cluster
    (``client.submit``), or one after the other in this process when
    ``client`` is None. Each city's ``<output folder>/<week>/summary.json``
    is read back, and ``<output_folder>/index.html`` is written (atomically):
    a link to every city's map (relative to the index) and a table of the
    city, the week, the reports in the week, the rows accepted and
    quarantined, the top blind spot and the status, with a total row. A
    city that fails (a config that cannot be loaded, data that cannot be
    read, a worker lost) is listed with its error and the others go on.

    Parameters
    ----------
    configs
        One ``hotspots.toml`` path (or :class:`~hotspots.pipeline.config.Config`) per
        city. On a real cluster the configs' data paths must be readable by
        the workers and their output folders writable.
    week
        The week of every city, e.g. ``"2026-W47"``; default each city's last
        complete week with reports.
    output_folder
        Where the province's ``index.html`` goes (created if missing); not
        the output folder of a city.
    client
        A :class:`distributed.Client` (e.g. ``engine("dask").client``); None
        runs the cities in this process. Either way a city's job runs whole
        in its task (its own ``[compute]`` is not used).
    name
        The province's name, shown in the index's title.

    Returns
    -------
    ProvinceRun
        Per city (in the order given): status, week, folder, map, summary and
        error; and the index path.

    Raises
    ------
    TypeError
        When ``configs`` is not a list of paths or configs, or ``client`` is
        not a client.
    InputError
        When ``configs`` is empty, ``output_folder`` is a file, or two cities
        (or a city and the province) share an output folder.

    Notes
    -----
    The ``hotspots`` warnings of the city jobs are silenced while they run in
    a process (filters are process-wide, and jobs in threads would swap
    them): each city's notices are in its summary (``summary["notices"]``).
    Other libraries' warnings reach the caller.

    Examples
    --------
    >>> from hotspots.compute import engine
    >>> from hotspots.pipeline.province import run_province
    >>> with engine("dask") as e:  # doctest: +SKIP
    ...     run = run_province(
    ...         ["qingdao.toml", "jinan.toml"], output_folder="maps", client=e.client
    ...     )
    >>> [c.status for c in run.cities]  # doctest: +SKIP
    ['ok', 'ok']
    """
    items = _check(configs, week, output_folder, client, name)
    province = name  # the loops below name each city
    base = Path(output_folder)
    loaded = _load(items)
    _check_folders(loaded, base.resolve())
    base.mkdir(parents=True, exist_ok=True)
    outcomes: dict[int, dict[str, Any] | BaseException] = {}
    futures = {}
    for i, (_, _, cfg) in enumerate(loaded):
        if isinstance(cfg, str):
            continue
        if client is None:
            outcomes[i] = _run_city(cfg, week)
        else:
            futures[i] = client.submit(_run_city, cfg, week, pure=False)
    for i, future in futures.items():
        try:
            outcomes[i] = future.result()
        except Exception as err:  # e.g. the worker died too often
            outcomes[i] = err
    cities = []
    for i, (name, path, cfg) in enumerate(loaded):
        got = outcomes.get(i)
        if isinstance(cfg, str):
            cities.append(_failed(name, path, cfg))
        elif isinstance(got, BaseException) or got is None:
            cities.append(_failed(name, path, got or "not run"))
        else:
            cities.append(_city_run(name, path, got))
    page = _index_page(cities, base, week, province)
    index = write_text(base / "index.html", page)
    return ProvinceRun(cities=tuple(cities), index=index)
