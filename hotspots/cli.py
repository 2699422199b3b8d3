"""The ``hotspots`` command line.

Every subcommand reads the city's ``hotspots.toml``; output paths go to
stdout (``check`` prints its summary there too), progress and notices to
stderr. Warnings of the library never reach the user as Python prints them:
each becomes one ``提示/notice:`` line; other libraries' warnings are shown
as Python shows them. Tables written as
CSV or XLSX are for people (headers in ``--language``, rounded numbers, no
geometry column); GeoJSON, GeoPackage and GeoParquet keep the package's column
names for GIS work. Exit codes: 0 success, 1 a data or config problem (one line
saying how to fix it in config terms, no traceback), 2 a usage error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import click
import pandas as pd

from . import __version__
from .errors import HotspotsError, HotspotsWarning, InputError

F = TypeVar("F", bound=Callable[..., Any])

_STEPS = 12


class _Progress:
    """A click progress bar over the job's steps, drawn only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.bar = click.progressbar(
                length=_STEPS, label="hotspots", file=sys.stderr, show_eta=False
            ).__enter__()
        return self

    def __call__(self, step: str) -> None:
        if self.bar is not None:
            self.bar.label = f"hotspots: {step}"
            self.bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


#: Notice prefix on stderr: the CLI's own words, never a Python warning line.
NOTICE: Final = "提示/notice: "

#: Warnings that say nothing to a user (``warnings.filterwarnings`` message
#: patterns, ignored): pyogrio's complaint about the temporary name an output
#: is written under before it is renamed into place.
_NOISE: Final = (r".*filename extension should be '\w+' instead of",)


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())


@contextlib.contextmanager
def _notices(*, show: bool) -> Iterator[None]:
    """Print each ``hotspots`` warning raised inside as a one-line notice.

    The library's warnings (``warnings.warn`` from any thread) are captured
    instead of being printed by Python with their source path; each distinct
    message is printed once, every run (``always``: no once-per-location
    registry hides a notice on a second call), after the command finished or
    failed. Other libraries' warnings go through the filters in force and are
    shown as Python shows them, afterwards (but for the :data:`_NOISE`, ignored).
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as log:
            warnings.simplefilter("always", HotspotsWarning)
            for pattern in _NOISE:
                warnings.filterwarnings("ignore", message=pattern)
            try:
                yield
            finally:
                caught.extend(log)
    finally:
        _show_warnings(caught, show=show)


def _show_warnings(caught: list[warnings.WarningMessage], *, show: bool) -> None:
    """Print the ``hotspots`` warnings as notices, re-emit the others (see _notices)."""
    seen: set[str] = set()
    for item in caught:
        text = _one_line(str(item.message))
        if not issubclass(item.category, HotspotsWarning):
            warnings.warn_explicit(
                item.message, item.category, item.filename, item.lineno
            )
        elif text and text not in seen:
            seen.add(text)
            if show:
                click.echo(_notice_line(_cli_words(text)), err=True)


def _notice_language() -> Language | None:
    """Return the language notices are printed in, once the command knows it.

    A command's ``--language`` given on the command line, else the language
    of the config it loaded; ``None`` before either (e.g. an error while
    loading the config).
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or not isinstance(ctx.obj, dict):
        return None
    language: Language | None = ctx.obj.get("language")
    return language


def _notice_line(text: str) -> str:
    """Return one notice line in the command's language (bilingual prefix if none)."""
    from ._core.labels import notice_text

    language = _notice_language()
    if language is None:
        return NOTICE + text
    if language == "zh":
        return "提示：" + notice_text(text, "zh")
    return "notice: " + text


class _NoticeFormatter(logging.Formatter):
    """Log records as one line: ``提示/notice: ...`` for warnings."""

    def format(self, record: logging.LogRecord) -> str:
        text = _one_line(record.getMessage())
        if record.levelno >= logging.ERROR:
            return f"错误/error: {text}"
        if record.levelno >= logging.WARNING:
            return _notice_line(text)
        return f"{record.levelname.lower()}: {text}"


#: Python spellings in library messages and what a CLI user writes instead
#: (the config's TOML keys); a message from the library names the Python
#: argument, the CLI user only has the config and the options.
_CLI_WORDS: Final = (
    (
        re.compile(
            r"pass its encoding, e\.g\. encoding='([\w-]+)' or encoding='([\w-]+)'"
        ),
        r'set its encoding under [input] in the config, e.g. encoding = "\1" '
        r'or encoding = "\2"',
    ),
    (
        re.compile(r"encoding='([\w-]+)'"),
        r'encoding = "\1" under [input]',
    ),
    (
        re.compile(r"Name the source columns with mapping=, e\.g\. mapping=\{.*?\}\."),
        "Name the source columns under [input.mapping] in the config, e.g. "
        '"发生时间" = "reported_at", "X坐标" = "lon", "Y坐标" = "lat".',
    ),
    (
        re.compile(
            r"(\w+) layer has no id column '(\w+)' (\(columns: [^)]*\))\. "
            r"Pass id_column='<the id column>'\."
        ),
        r"the \1 layer has no id column '\2' \3. Rename the layer's id column to "
        r"'\2' (see boundaries/README.md), or name it under [boundaries] in the "
        r"config.",
    ),
    (re.compile(r"^(?:read_reports|read_boundaries|assign): "), ""),
    (
        re.compile(
            r"labels is an ISO week label '([^']+)' but freq='W-(\w+)'\. Pass a "
            r"date such as '([^']+)', or freq='W-MON'\."
        ),
        r"--week \1 is an ISO week, but this city's weeks start on another day "
        r"(week_start under [city] in the config). Give --week as a date in the "
        r"week, e.g. \3.",
    ),
    (
        re.compile(r"max_street_distance_m=([\d.]+?)(?:\.0)? m"),
        r"street_distance_m = \1 m under [analysis]",
    ),
    (
        re.compile(r"accept_mapping_change=True"),
        "hotspots ingest --accept-mapping-change",
    ),
    (
        re.compile(r"Use e\.g\. mapping=\{'([^']*)': '([^']*)'\}\."),
        r'Write it under [input.mapping] in the config, e.g. "\1" = "\2".',
    ),
)


def _cli_words(text: str) -> str:
    """Translate the known Python spellings of ``text`` into config terms."""
    for pattern, replacement in _CLI_WORDS:
        text = pattern.sub(replacement, text)
    return text


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn a HotspotsError into a one-line message and exit code 1."""
    try:
        yield
    except HotspotsError as err:
        text = _one_line(str(err)) or repr(err)
        raise click.ClickException(_cli_words(text)) from err


def _config_option(f: F) -> F:
    return click.option(
        "--config",
        "-c",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help="The city's hotspots.toml.",
    )(f)


#: Weeks the CLI accepts: outside them a label is a typo, not a city's data.
WEEK_YEARS: Final = (2000, 2100)

_ISO_WEEK: Final = re.compile(r"(\d{4})-[Ww](\d{1,2})")
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_week(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """Validate ``--week``: an ISO week ``YYYY-Www`` or a date in the week."""
    if value is None:
        return None
    text = value.strip()
    form = (
        "an ISO week YYYY-Www, e.g. 2026-W47 (or a date YYYY-MM-DD in the week, "
        "e.g. 2026-11-16)"
    )
    iso = _ISO_WEEK.fullmatch(text)
    try:
        if iso is not None:
            year = int(iso[1])
            dt.date.fromisocalendar(year, int(iso[2]), 1)
            text = f"{year}-W{int(iso[2]):02d}"
        elif _DAY.fullmatch(text):
            year = dt.date.fromisoformat(text).year
        else:
            msg = f"expected {form}, got {value!r}."
            raise click.BadParameter(msg, ctx=ctx, param=param)
    except ValueError:
        what = "week" if iso is not None else "date"
        msg = (
            f"{value!r} is not an existing {what}: expected {form}; weeks run "
            "from W01 to W52 (W53 in long years)."
        )
        raise click.BadParameter(msg, ctx=ctx, param=param) from None
    low, high = WEEK_YEARS
    if not low <= year <= high:
        msg = f"expected a week of the years {low} to {high} as {form}, got {value!r}."
        raise click.BadParameter(msg, ctx=ctx, param=param)
    return text


def _week_option(f: F) -> F:
    return click.option(
        "--week",
        "-w",
        default=None,
        metavar="YYYY-Www",
        callback=_check_week,
        help="The week to analyse, e.g. 2026-W47, or a date in it (default: the "
        "last complete week that has reports).",
    )(f)


def _out_option(
    *, folder: bool, help: str, default: Path | None = None
) -> Callable[[F], F]:
    """Return the ``--out``/``-o`` option: an output folder or an output file."""
    option: Callable[[F], F] = click.option(
        "--out",
        "-o",
        type=click.Path(file_okay=not folder, dir_okay=folder, path_type=Path),
        default=default,
        show_default=default is not None,
        help=help,
    )
    return option


def _job(
    ctx: click.Context,
    config: Path,
    week: str | None,
    **changes: dict[str, Any],
) -> Any:
    """Load the config, override some keys per section, and build the job.

    ``changes`` maps a section of the config (``map``, ``patrol``...) to the
    keys to replace in it; ``None`` values are left as configured.
    """
    from .pipeline.weekly import Weekly

    cfg = _config(config, **changes)
    return Weekly(cfg, week=week, progress=ctx.obj["progress"])


def _config(config: Path, **changes: dict[str, Any]) -> Any:
    """Load the config and override some keys per section (``None``: as is)."""
    import dataclasses

    from .pipeline.config import load_config

    cfg = load_config(config)
    for section, keys in changes.items():
        given = {k: v for k, v in keys.items() if v is not None}
        if given:
            new = dataclasses.replace(getattr(cfg, section), **given)
            cfg = dataclasses.replace(cfg, **{section: new})
    ctx = click.get_current_context(silent=True)
    if ctx is not None and isinstance(ctx.obj, dict):
        ctx.obj.setdefault("language", cfg.map.language)
    return cfg


def _out(path: Path) -> None:
    click.echo(str(path))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hotspots")
@click.option(
    "-v", "--verbose", count=True, help="More messages on stderr (-vv: debug)."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no notices.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Find where a city's recurring problems are and where to patrol next week.

    \b
    Examples:
      hotspots weekly --config sample_data/hotspots.toml --week 2026-W47
      hotspots check --config sample_data/hotspots.toml
      hotspots sample --out /tmp/district
    """
    level = logging.WARNING - 10 * verbose if not quiet else logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_NoticeFormatter())
    logging.basicConfig(level=level, handlers=[handler])  # no-op if configured
    ctx.ensure_object(dict)
    ctx.obj["progress_enabled"] = not quiet
    ctx.obj["progress"] = None


def _run(ctx: click.Context, action: Callable[[], None]) -> None:
    show = ctx.obj["progress_enabled"]
    source = ctx.get_parameter_source("language")
    if source is click.core.ParameterSource.COMMANDLINE:
        ctx.obj["language"] = ctx.params["language"]
    with _notices(show=show), _user_errors(), _Progress(show) as bar:
        ctx.obj["progress"] = bar
        action()


def _ledger_url(cfg: Any, ledger: str | None) -> str:
    return cfg.ledger_url if ledger is None else ledger


def _ledger_option(f: F) -> F:
    f = click.option(
        "--lock-timeout",
        "lock_timeout",
        type=click.FloatRange(min=0),
        default=10.0,
        show_default=True,
        help="Seconds to wait while another process writes the DuckDB ledger.",
    )(f)
    return click.option(
        "--ledger",
        "ledger",
        default=None,
        help="The ledger (a DuckDB file or postgresql:// URL; default the "
        "config's [ledger] url, ledger.duckdb beside the config).",
    )(f)


def _open_ledger(cfg: Any, ledger: str | None, lock_timeout: float) -> Any:
    from .ledger import Ledger

    return Ledger.open(_ledger_url(cfg, ledger), lock_timeout_s=lock_timeout)


def _echo_table(frame: Any) -> None:
    click.echo(frame.to_string(index=False))


@main.command()
@_config_option
@_week_option
@_out_option(folder=True, help="Output folder (default: the config's [output] folder).")
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of the map and the written tables (default: the config's "
    "[map] language).",
)
@_ledger_option
@click.pass_context
def weekly(
    ctx: click.Context,
    config: Path,
    week: str | None,
    out: Path | None,
    language: str | None,
    ledger: str | None,
    lock_timeout: float,
) -> None:
    """Run the whole weekly job and write maps/<week>/.

    Ingests into the case ledger every configured export not ingested yet
    (as `hotspots ingest`), then analyses the week from the ledger: the cases
    as known at the week's end, joined to grid cells and streets (only new
    cases are joined), Gi*, emerging hot spots, clusters and the blind-spot
    ledger, patrols if configured; writes the map (index.html),
    blind_spots.csv/.xlsx, rejected.csv (from the ledger) and the summary.

    \b
    Example:
      hotspots weekly --config sample_data/hotspots.toml --week 2026-W47
    """

    def action() -> None:
        from .pipeline.weekly import run_weekly

        cfg = _config(config, map={"language": language})
        with _open_ledger(cfg, ledger, lock_timeout) as store:
            job = run_weekly(
                cfg,
                week=week,
                output_folder=out,
                progress=ctx.obj["progress"],
                ledger=store,
            )
        for path, r in job.read.ingested:
            if r.inserted or r.updated:
                click.echo(
                    f"入账 ingested {path.name}: {r.inserted} new, {r.updated} "
                    f"updated, {r.unchanged} unchanged, {r.quarantined} "
                    f"quarantined (batch {r.batch_id})",
                    err=True,
                )
        click.echo(job.summary_text(), err=True, nl=False)
        click.echo(f"Map: {job.outputs['map']}", err=True)
        for path in job.outputs.values():
            _out(path)

    _run(ctx, action)


@main.command()
@_config_option
@_ledger_option
@click.option(
    "--accept-mapping-change",
    is_flag=True,
    help="Accept an export whose columns map differently from the last batch.",
)
@click.argument(
    "files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.pass_context
def ingest(
    ctx: click.Context,
    config: Path,
    ledger: str | None,
    lock_timeout: float,
    accept_mapping_change: bool,
    files: tuple[Path, ...],
) -> None:
    """Ingest exports into the case ledger and print what each one did.

    FILES default to every export the config names ([input] reports, globs
    expanded); a file ingested before (same content) changes nothing. One
    table on stdout: file, rows read, inserted, updated, unchanged,
    quarantined, batch id.

    \b
    Example:
      hotspots ingest -c sample_data/hotspots.toml
      hotspots ingest -c sample_data/hotspots.toml exports/reports_20261130.csv
    """

    def action() -> None:
        import pandas as pd

        from .pipeline.weekly import ingest_exports

        cfg = _config(config)
        with _open_ledger(cfg, ledger, lock_timeout) as store:
            done = ingest_exports(
                cfg,
                store,
                files or None,
                accept_mapping_change=accept_mapping_change,
            )
        table = pd.DataFrame(
            [
                {
                    "file": path.name,
                    "rows_read": r.rows_read,
                    "inserted": r.inserted,
                    "updated": r.updated,
                    "unchanged": r.unchanged,
                    "quarantined": r.quarantined,
                    "batch_id": r.batch_id,
                }
                for path, r in done
            ],
            columns=[
                "file",
                "rows_read",
                "inserted",
                "updated",
                "unchanged",
                "quarantined",
                "batch_id",
            ],
        )
        _echo_table(table)

    _run(ctx, action)


@main.command(name="province")
@click.option(
    "--config",
    "-c",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The province.toml ([province] name, cities; [compute]; [output] folder).",
)
@_week_option
@click.pass_context
def province_command(ctx: click.Context, config: Path, week: str | None) -> None:
    """Run every city's weekly job of a province and write one index of them.

    With [compute] engine = "dask" the cities run in parallel on the cluster
    (a local one sized to the machine, or [compute] scheduler); with "local"
    one after the other here. Prints one line per city and the index
    (<[output] folder>/index.html, linking every city's map); exits 1 if any
    city failed, naming each with its reason.

    \b
    Example:
      hotspots province --config province.toml --week 2026-W47
    """

    def action() -> None:
        from .compute import engine_from_config
        from .pipeline.config import load_province
        from .pipeline.province import run_province

        prov = load_province(config)
        started = engine_from_config(prov.compute)
        with started:
            run = run_province(
                list(prov.cities),
                week=week,
                output_folder=prov.output_folder,
                client=started.client,
                name=prov.name,
            )
        for c in run.cities:
            if c.ok:
                click.echo(f"完成 ok      {c.name}  {c.week}  {c.map}", err=True)
            else:
                reason = _one_line(c.error or "unknown error")
                click.echo(f"失败 failed  {c.name}: {reason}", err=True)
        click.echo(f"Index: {run.index}", err=True)
        _out(run.index)
        if not run.ok:
            failed = "; ".join(
                f"{c.name}: {_one_line(c.error or 'unknown error')}" for c in run.failed
            )
            msg = f"{len(run.failed)} of {len(run.cities)} cities failed: {failed}"
            raise click.ClickException(msg)

    _run(ctx, action)


@main.group(name="ledger")
def ledger_group() -> None:
    """Look into the case ledger: info, a case's history, an export for GIS."""


@ledger_group.command(name="info")
@_config_option
@_ledger_option
@click.pass_context
def ledger_info(
    ctx: click.Context, config: Path, ledger: str | None, lock_timeout: float
) -> None:
    """Print the ledger's backend, schema version, cases, batches and size.

    \b
    Example:
      hotspots ledger info -c sample_data/hotspots.toml
    """

    def action() -> None:
        from .ledger.backends import redact

        cfg = _config(config)
        url = _ledger_url(cfg, ledger)
        with _open_ledger(cfg, ledger, lock_timeout) as store:
            batches = store.batches()
            lines = [
                ("ledger", redact(url)),
                ("backend", store.backend),
                ("schema_version", str(store.schema_version)),
                ("cases", str(int(batches["inserted"].sum()))),
                ("batches", str(len(batches))),
                ("rows_read", str(int(batches["rows_read"].sum()))),
                ("quarantined", str(int(batches["quarantined"].sum()))),
                ("size_mb", f"{store.size_bytes() / 1e6:.1f}"),
            ]
            if len(batches):
                last = batches["exported_at"].max()
                lines.append(("last_export", f"{last:%Y-%m-%d %H:%M %Z}"))
        width = max(len(k) for k, _ in lines)
        for key, value in lines:
            click.echo(f"{key:<{width}}  {value}")

    _run(ctx, action)


@ledger_group.command(name="history")
@_config_option
@_ledger_option
@click.argument("report_id")
@click.pass_context
def ledger_history(
    ctx: click.Context,
    config: Path,
    ledger: str | None,
    lock_timeout: float,
    report_id: str,
) -> None:
    """Print every snapshot of one case, oldest export first.

    \b
    Example:
      hotspots ledger history -c sample_data/hotspots.toml 3702022026110100001
    """

    def action() -> None:
        from .errors import InputError

        cfg = _config(config)
        with _open_ledger(cfg, ledger, lock_timeout) as store:
            frame = store.history([report_id])
        if frame.empty:
            msg = (
                f"the ledger has no case {report_id!r}: check the id (the "
                "案件编号 of the export) or ingest its export first "
                "(hotspots ingest)."
            )
            raise InputError(msg)
        shown = [
            "batch_id",
            "exported_at",
            "source_file",
            "row_number",
            "status",
            "closed_at",
            "reopen_count",
        ]
        out = frame[shown].copy()
        out["source_file"] = [Path(str(f)).name for f in out["source_file"]]
        _echo_table(out)

    _run(ctx, action)


@ledger_group.command(name="export")
@_config_option
@_ledger_option
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def ledger_export(
    ctx: click.Context,
    config: Path,
    ledger: str | None,
    lock_timeout: float,
    path: Path,
) -> None:
    """Write the current state of every case to a GeoPackage or GeoParquet file.

    The suffix chooses: .gpkg (layer reports, for QGIS) or .parquet.

    \b
    Example:
      hotspots ledger export -c sample_data/hotspots.toml cases.gpkg
    """

    def action() -> None:

        cfg = _config(config)
        with _open_ledger(cfg, ledger, lock_timeout) as store:
            _out(store.export(path))

    _run(ctx, action)


#: How many row numbers ``hotspots check`` shows per reason.
CHECK_ROWS_SHOWN: Final = 5

#: Where a reason's details start: a quoted value, a bracket, a colon.
_REASON_DETAIL: Final = re.compile(r"\s*['\"(（:：=].*$")


def _reason_kind(reason: str) -> str:
    """Return a reason without its details (``unparseable reported_at 'x'``)."""
    return _REASON_DETAIL.sub("", reason.strip()) or reason.strip()


def _reason_summary(quarantined: Any) -> list[str]:
    """Lines of ``hotspots check``: each reason, its count and its first rows."""
    import pandas as pd

    if not len(quarantined):
        return []
    rows = (
        quarantined["row_number"]
        if "row_number" in quarantined.columns
        else pd.Series(quarantined.index + 1, index=quarantined.index)
    )
    if (
        "source_file" in quarantined.columns
        and quarantined["source_file"].nunique() > 1
    ):
        rows = quarantined["source_file"].astype(str) + ":" + rows.astype(str)
    pairs = pd.DataFrame(
        {"reason": quarantined["reason"].astype(str).str.split("; "), "row": rows}
    ).explode("reason")
    pairs["kind"] = pairs["reason"].map(_reason_kind)
    lines = []
    groups = pairs.groupby("kind", sort=False)["row"]
    for kind, n in groups.size().sort_values(ascending=False, kind="stable").items():
        first = [str(r) for r in groups.get_group(kind).head(CHECK_ROWS_SHOWN)]
        more = ", …" if n > CHECK_ROWS_SHOWN else ""
        lines.append(f"  {n:>6}  {kind}  (行 rows {', '.join(first)}{more})")
    return lines


@main.command()
@_config_option
@click.option(
    "--export",
    "export",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Check this export instead of the ones the config names.",
)
@click.option(
    "--out",
    "-o",
    "--rejected",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("rejected.csv"),
    show_default=True,
    help="Where to write every quarantined row with its reason (a CSV; the "
    "default is rejected.csv in the current folder).",
)
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of the headers and reasons in --out (default: the config's "
    "[map] language).",
)
@click.pass_context
def check(
    ctx: click.Context,
    config: Path,
    export: Path | None,
    out: Path,
    language: Literal["zh", "en"] | None,
) -> None:
    """Validate the exports and print a quarantine summary (no analysis).

    Prints on stdout the rows read, accepted and quarantined, then each reason
    with its count and its first row numbers (the row_number column of the
    file); every quarantined row goes to --out.

    \b
    Example:
      hotspots check --config sample_data/hotspots.toml --out /tmp/bad.csv
    """

    def action() -> None:
        from ._core.outputs import write_csv
        from .pipeline.weekly import mask_rejected, read_exports, rejected_in_language

        cfg = _config(config)
        read = read_exports(cfg, (export,) if export is not None else None)
        q = read.quarantined
        click.echo(
            f"读取 rows read {read.rows_read}, 接收 accepted {len(read.reports)}, "
            f"隔离 quarantined {len(q)}"
        )
        lines = _reason_summary(q)
        if lines:
            click.echo("隔离原因 reasons (count, first rows):")
            click.echo("\n".join(lines))
        lang = language if language is not None else cfg.map.language
        rows = rejected_in_language(_masked(mask_rejected(cfg, q)), lang)
        path = write_csv(out, rows).resolve()
        click.echo(f"全部隔离行 every quarantined row: {path}")

    _run(ctx, action)


# -- human-facing tables (CSV and XLSX) ------------------------------------------------
Language = Literal["zh", "en"]

#: Column -> (Chinese header, English header, how the value is shown) of every
#: table a subcommand writes as CSV or XLSX. Formats: ``text``, ``int``,
#: ``num1``/``num2`` (decimals), ``pct`` (a share shown as a percentage, one
#: decimal, header marked %), ``p`` (a p-value as text, ``< 0.001``), ``gi``,
#: ``pattern``, ``status``, ``source`` (labels from hotspots._core.labels).
#: The ledger's Chinese headers are those of hotspots._core.labels.LEDGER_HEADERS.
_COLUMNS: Final[dict[str, tuple[str, str, str]]] = {
    # the blind-spot ledger
    "rank": ("排名", "Rank", "int"),
    "grid_id": ("网格编码", "Grid cell", "text"),
    "community_id": ("社区编码", "Community", "text"),
    "score": ("盲区得分", "Blind-spot score", "num2"),
    "reason": ("原因", "Reason", "text"),
    "periods_with_reports": ("近期有案件周数", "Weeks with reports", "int"),
    "current_streak": ("连续周数", "Current streak (weeks)", "int"),
    "pattern": ("时空模式", "Emerging pattern", "pattern"),
    "n_reports": ("案件数", "Reports", "int"),
    "weighted_count": ("加权案件数", "Weighted reports", "num1"),
    "top_categories": ("主要问题类型", "Top categories", "text"),
    "reopened": ("返工案件数", "Reopened", "int"),
    "comebacks": ("结案后复发数", "Comebacks after closing", "int"),
    "comeback_share": ("复发比例", "Comeback share", "pct"),
    "open_now": ("未结案数", "Open now", "int"),
    "median_days_to_close": ("结案天数中位数", "Median days to close", "num1"),
    "share_closed_late": ("超期结案比例", "Share closed late", "pct"),
    "outside_share": ("热线与测评发现比例", "Share found by hotline/evaluators", "pct"),
    # Gi* and emerging hot spots
    "gi_class": ("冷热点", "Hot/cold spot", "gi"),
    "gi_z": ("Gi* z值", "Gi* z-score", "num2"),
    "gi_p": ("p值", "p-value", "p"),
    "n_hot": ("热点周数", "Hot weeks", "int"),
    "n_cold": ("冷点周数", "Cold weeks", "int"),
    "mk_z": ("趋势z值", "Trend z-score", "num2"),
    "mk_p": ("趋势p值", "Trend p-value", "p"),
    "final_z": ("本周z值", "Last week's z-score", "num2"),
    "final_p": ("本周p值", "Last week's p-value", "p"),
    # density clusters
    "cluster_id": ("聚类编号", "Cluster", "int"),
    "top_category": ("主要问题类型", "Top category", "text"),
    "category_mix": ("类型构成", "Category mix", "text"),
    "first_report": ("首次上报", "First report", "time"),
    "last_report": ("最近上报", "Last report", "time"),
    "n_weeks": ("出现周数", "Weeks seen", "int"),
    "area_m2": ("面积（平方米）", "Area (m²)", "num0"),
    # assigned reports
    "report_id": ("案件编号", "Report id", "text"),
    "reported_at": ("上报时间", "Reported", "time"),
    "category": ("问题类型", "Category", "text"),
    "category_code": ("事项编码", "Category code", "text"),
    "category_major": ("大类", "Category group", "text"),
    "status": ("状态", "Status", "status"),
    "closed_at": ("结案时间", "Closed", "time"),
    "source": ("来源", "Source", "source"),
    "weight": ("权重", "Weight", "num2"),
    "reopen_count": ("返工次数", "Times reopened", "int"),
    "description": ("描述", "Description", "text"),
    "address": ("地址", "Address", "text"),
    "segment_id": ("路段编码", "Street segment", "text"),
    "street_name": ("道路", "Street", "text"),
    "street_distance_m": ("距道路（米）", "Distance to street (m)", "num1"),
    "district_id": ("区编码", "District", "text"),
    "subdistrict_id": ("街道编码", "Subdistrict", "text"),
    # every table with a geometry: a representative point, WGS-84
    "lon": ("经度", "Longitude", "coord"),
    "lat": ("纬度", "Latitude", "coord"),
}

#: Per subcommand: the columns of its table in order, its sort, and its sheet name.
_TABLES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]]] = {
    "blind_spots": (
        (
            "rank", "grid_id", "community_id", "score", "reason",
            "periods_with_reports", "current_streak", "pattern", "n_reports",
            "weighted_count", "top_categories", "reopened", "comebacks",
            "comeback_share", "open_now", "median_days_to_close",
            "share_closed_late", "outside_share", "lon", "lat",
        ),
        ("rank",),
        "盲区台账",
        "Blind spots",
    ),
    "gi": (
        ("grid_id", "community_id", "gi_class", "gi_z", "gi_p", "lon", "lat"),
        ("-gi_z", "grid_id"),
        "冷热点",
        "Hot and cold spots",
    ),
    "emerging": (
        (
            "grid_id", "community_id", "pattern", "n_hot", "n_cold", "mk_z",
            "mk_p", "final_z", "final_p", "lon", "lat",
        ),
        ("pattern_order", "grid_id"),
        "时空热点模式",
        "Emerging patterns",
    ),
    "clusters": (
        (
            "cluster_id", "n_reports", "top_category", "category_mix",
            "first_report", "last_report", "n_weeks", "area_m2", "lon", "lat",
        ),
        ("-n_reports", "cluster_id"),
        "密度聚类",
        "Density clusters",
    ),
    "assigned": (
        (
            "report_id", "reported_at", "category", "category_code",
            "category_major", "status", "closed_at", "source", "weight",
            "reopen_count", "description", "address", "grid_id", "segment_id",
            "street_name", "street_distance_m", "district_id", "subdistrict_id",
            "community_id", "lon", "lat",
        ),
        ("reported_at", "report_id"),
        "上报归属",
        "Assigned reports",
    ),
}  # fmt: skip


def _header(column: str, language: Language) -> str:
    from ._core.labels import ledger_headers

    zh, en, fmt = _COLUMNS[column]
    text = en if language == "en" else ledger_headers("zh").get(column, zh)
    suffix = " (%)" if language == "en" else "（%）"
    if fmt == "pct" and not text.endswith(suffix):
        text += suffix
    return text


def _p_text(p: object) -> object:
    if p is None or pd.isna(p):  # type: ignore[call-overload]
        return None
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"  # type: ignore[arg-type]


def _shown(values: pd.Series, fmt: str, language: Language) -> pd.Series:
    """Return ``values`` as a person reads them in a table (see ``_COLUMNS``)."""
    from ._core.labels import label

    def labelled(table: str) -> pd.Series:
        def one(v: object) -> object:
            if v is None or pd.isna(v):  # type: ignore[call-overload]
                return None
            try:
                return label(table, v, language)
            except KeyError:
                return v

        return values.map(one)

    if fmt in ("gi", "pattern", "status", "source"):
        return labelled("gi_class" if fmt == "gi" else fmt)
    if fmt == "pct":
        return (values.astype(float) * 100).round(1)
    if fmt == "num0":
        return values.astype(float).round().astype("Int64")
    if fmt.startswith("num"):
        return values.astype(float).round(int(fmt[3:]))
    if fmt == "coord":
        return values.round(6)
    if fmt == "p":
        return values.map(_p_text)
    return values


def _human_table(
    frame: pd.DataFrame, kind: str, language: Language, private: set[str]
) -> tuple[pd.DataFrame, str]:
    """Return the table a person reads, and its sheet name.

    Headers in ``language``, codes as labels, rounded numbers, a
    representative point as lon/lat instead of a geometry, sorted as the
    subcommand ranks (the ledger by rank, only units with a score above 0),
    personal columns left out.
    """
    import geopandas as gpd

    from ._core.labels import PATTERNS

    columns, order, sheet_zh, sheet_en = _TABLES[kind]
    data = pd.DataFrame(frame).copy()
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame:
        geo = frame.geometry
        if geo.crs is not None and not geo.crs.equals("EPSG:4326"):
            geo = geo.to_crs("EPSG:4326")
        points = geo.representative_point()
        data["lon"], data["lat"] = points.x, points.y
        data = data.drop(columns=[frame.geometry.name])
    if kind == "blind_spots":
        data = data[data["score"] > 0]
        reason = "reason_en" if language == "en" else "reason_zh"
        if reason not in data:
            reason = "reason_zh"
        data["reason"] = data.get(reason, pd.NA)
    if kind == "emerging":
        rank = {key: i for i, key in enumerate(PATTERNS) if key != "no_pattern"}
        data["pattern_order"] = data["pattern"].map(rank).fillna(len(PATTERNS))
    by = [c.lstrip("-") for c in order if c.lstrip("-") in data]
    ascending = [not c.startswith("-") for c in order if c.lstrip("-") in data]
    if by:
        data = data.sort_values(by, ascending=ascending, kind="stable")
    known = [c for c in columns if c in data]
    extra = [
        c
        for c in data.columns
        if c not in _COLUMNS
        and c not in private
        and c not in ("pattern_order", "z_series")
        and not c.endswith(("_zh", "_en"))
        and kind == "assigned"
    ]  # a source's own columns are kept in the assigned reports
    out = pd.DataFrame(
        {_header(c, language): _shown(data[c], _COLUMNS[c][2], language) for c in known}
    )
    for c in extra:
        out[c] = data[c].to_numpy()
    return out.reset_index(drop=True), sheet_en if language == "en" else sheet_zh


def _language_option(f: F) -> F:
    return click.option(
        "--language",
        type=click.Choice(["zh", "en"]),
        default="zh",
        show_default=True,
        help="Language of the headers and labels of CSV and XLSX tables.",
    )(f)


def _private_columns(job: Any) -> set[str]:
    """Columns holding personal data: never written by a subcommand."""
    from ._core import schema

    return set(job.config.private_columns) | set(schema.PRIVATE_COLUMNS)


#: English headers of the patrol plan's tables (hotspots.patrol.plan writes Chinese).
_PATROL_EN: Final = {
    "队伍": "Team",
    "顺序": "Stop",
    "目标编号": "Target",
    "到访次数": "Visit",
    "到达时间": "Arrival",
    "离开时间": "Departure",
    "停留(分钟)": "Dwell (min)",
    "得分": "Score",
    "原因": "Reason",
    "经度": "Longitude",
    "纬度": "Latitude",
    "停靠点数": "Stops",
    "总得分": "Total score",
    "用时(分钟)": "Duration (min)",
    "距离(米)": "Distance (m)",
    "未安排原因": "Why left out",
}


def _patrol_tables_en(plan: Any, ledger: Any) -> dict[str, pd.DataFrame]:
    """Return the patrol plan's three sheets in English.

    Stop reasons come from the ledger's English reasons (by grid cell); the
    reasons a target was left out from hotspots._core.labels.PATROL_LEFT_OUT.
    """
    from ._core import schema
    from ._core.labels import PATROL_LEFT_OUT

    schedule = plan.schedule()
    if "原因" in schedule and {schema.GRID_ID, "reason_en"} <= set(ledger.columns):
        english = dict(zip(ledger[schema.GRID_ID], ledger["reason_en"], strict=False))
        schedule["原因"] = [
            english.get(t, r)
            for t, r in zip(schedule["目标编号"], schedule["原因"], strict=True)
        ]
    left = plan.left_out_table()
    if "未安排原因" in left and "reason" in plan.left_out:
        left["未安排原因"] = [
            PATROL_LEFT_OUT.get(str(r), {}).get("en", str(r))
            for r in plan.left_out["reason"]
        ]
    return {
        "Patrol plan": schedule.rename(columns=_PATROL_EN),
        "Routes": plan.route_summary().rename(columns=_PATROL_EN),
        "Left out": left.rename(columns=_PATROL_EN),
    }


def _periods_table(result: Any, language: Language) -> pd.DataFrame:
    """Return the per-period rows with headers and methods in ``language``."""
    from ._core.labels import BACKTEST_COLUMNS, FORECAST_METHODS

    table: pd.DataFrame = result.periods.copy()
    table["method"] = [
        FORECAST_METHODS.get(str(m), {}).get(language, str(m)) for m in table["method"]
    ]
    num = table.select_dtypes("number").columns.drop(
        ["n_reports", "n_units"], errors="ignore"
    )
    table[num] = table[num].round(3)
    names = {c: BACKTEST_COLUMNS[c][language] for c in table if c in BACKTEST_COLUMNS}
    return table.rename(columns=names)


def _step_command(
    name: str, attribute: str, doc: str, default_name: str
) -> Callable[..., None]:
    @main.command(name=name, help=doc)
    @_config_option
    @_week_option
    @_out_option(
        folder=False,
        help=f"Output file: .csv or .xlsx (a table to read: headers in --language, "
        f"rounded numbers, lon/lat of a point inside each unit) or .geojson, .gpkg, "
        f".parquet (GIS layers with the package's column names); default "
        f"{default_name} in the current folder.",
    )
    @_language_option
    @click.pass_context
    def command(
        ctx: click.Context,
        config: Path,
        week: str | None,
        out: Path | None,
        language: Language,
    ) -> None:
        def action() -> None:
            path = out if out is not None else Path(default_name)
            _check_suffix(path)
            job = _job(ctx, config, week)
            frame = getattr(job, attribute)
            if hasattr(frame, "clusters"):
                frame = frame.clusters
            if out is None:
                path = Path(default_name.format(week=job.week))
            written = _write_frame(
                frame,
                path,
                kind=attribute,
                language=language,
                private=_private_columns(job),
            )
            _out(written)

        _run(ctx, action)

    return command


_TABLE_SUFFIXES: Final = (".csv", ".xlsx")
_GIS_DRIVERS: Final = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}


def _check_suffix(path: Path) -> None:
    """Refuse an unknown output type before any work is done."""
    known = (*_TABLE_SUFFIXES, *_GIS_DRIVERS, ".parquet")
    if path.suffix.lower() not in known:
        msg = (
            f"unknown output type {path.suffix!r}: "
            "use .csv, .xlsx, .geojson, .gpkg or .parquet."
        )
        raise click.BadParameter(msg, param_hint="--out")


#: Columns holding identifiers and codes, never free text: left as they are.
_ID_COLUMNS: Final = frozenset(
    {
        "report_id", "grid_id", "segment_id", "street_id", "district_id",
        "subdistrict_id", "community_id", "category_code", "cluster_id",
    }
)  # fmt: skip


def _masked(frame: Any) -> Any:
    """Return ``frame`` with phone and ID numbers masked in every text column."""
    from ._core.privacy import mask_personal

    out = frame.copy()
    geometry = getattr(frame, "_geometry_column_name", None)
    for col in out.columns:
        s = out[col]
        if col in _ID_COLUMNS or col == geometry:
            continue
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            text = s.map(lambda v: v if isinstance(v, str) else None)
            has_text = text.notna()
            if has_text.any():
                masked = mask_personal(text[has_text])
                out[col] = s.astype(object).where(~has_text, masked.astype(object))
    return out


def _write_frame(
    frame: Any,
    path: Path,
    *,
    kind: str,
    language: Language = "zh",
    private: set[str] | None = None,
) -> Path:
    import geopandas as gpd

    from ._core.outputs import atomic_write, write_csv, write_xlsx

    private = private or set()
    suffix = path.suffix.lower()
    frame = _masked(frame)
    if suffix in _TABLE_SUFFIXES:
        table, sheet = _human_table(frame, kind, language, private)
        if suffix == ".csv":
            return write_csv(path, table)
        return write_xlsx(path, table, sheet_name=sheet)
    _check_suffix(path)
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (
            f"cannot write a table without geometry to {path.name}: use .csv or .xlsx."
        )
        raise click.BadParameter(msg, param_hint="--out")
    plain = frame.drop(columns=[c for c in frame.columns if c in private])
    for col in plain.columns:
        if plain[col].dtype == object and col != plain.geometry.name:
            plain[col] = plain[col].map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, list | tuple) else v
            )
    if suffix == ".parquet":
        return atomic_write(path, lambda p: plain.to_parquet(p))
    if suffix == ".gpkg":  # the GeoPackage standard stores times in UTC
        for col in plain.columns:
            if isinstance(plain[col].dtype, pd.DatetimeTZDtype):
                plain[col] = plain[col].dt.tz_convert("UTC")
    layer = path.stem.replace(" ", "_").replace("-", "_")
    return atomic_write(
        path, lambda p: plain.to_file(p, driver=_GIS_DRIVERS[suffix], layer=layer)
    )


_step_command(
    "assign",
    "assigned",
    "Join every report to its grid cell, street segment and areas.\n\n"
    "\b\nExample:\n  hotspots assign -c sample_data/hotspots.toml --out assigned.gpkg",
    "assigned-{week}.gpkg",
)
_step_command(
    "hotspots",
    "gi",
    "Gi* hot and cold spots of the week's reports per grid cell (FDR-corrected).\n\n"
    "\b\nExample:\n  hotspots hotspots -c sample_data/hotspots.toml -w 2026-W47",
    "gi-{week}.geojson",
)
_step_command(
    "clusters",
    "clusters",
    "Density clusters of the week's reports, one polygon per cluster.\n\n"
    "\b\nExample:\n  hotspots clusters -c sample_data/hotspots.toml -w 2026-W47",
    "clusters-{week}.geojson",
)
_step_command(
    "emerging",
    "emerging",
    "Emerging hot spot pattern of every grid cell over the history weeks.\n\n"
    "\b\nExample:\n  hotspots emerging -c sample_data/hotspots.toml -w 2026-W47",
    "emerging-{week}.geojson",
)
_step_command(
    "blindspots",
    "blind_spots",
    "The ranked blind-spot ledger with evidence and reasons.\n\n"
    "\b\nExample:\n  hotspots blindspots -c sample_data/hotspots.toml -o ledger.xlsx",
    "blind_spots-{week}.csv",
)


@main.command(name="map")
@_config_option
@_week_option
@_out_option(folder=False, help="The HTML file (default map-<week>.html).")
@click.option("--tiles", type=click.Choice(["osm", "amap", "none"]), default=None)
@click.option("--language", type=click.Choice(["zh", "en"]), default=None)
@click.pass_context
def map_command(
    ctx: click.Context,
    config: Path,
    week: str | None,
    out: Path | None,
    tiles: str | None,
    language: str | None,
) -> None:
    """Render the week's map as one self-contained offline HTML file.

    \b
    Example:
      hotspots map -c sample_data/hotspots.toml -w 2026-W47 --language en
    """

    def action() -> None:
        from .render.weekly_map import save_map

        job = _job(ctx, config, week, map={"tiles": tiles, "language": language})
        path = out if out is not None else Path(f"map-{job.week}.html")
        _out(save_map(job.map, path))

    _run(ctx, action)


def _shift_hours(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, ...] | None:
    """Parse ``--shifts 8,4`` (hours of each block, half hours; "" = one shift)."""
    if value is None:
        return None
    try:
        hours = tuple(float(h) for h in value.split(",") if h.strip())
    except ValueError:
        hours = (-1.0,)
    if any(not 0 < h <= 24 or not (2 * h).is_integer() for h in hours):
        msg = (
            f"must be hours of each block separated by commas, multiples of half "
            f"an hour, got {value!r}. Pass e.g. --shifts 8,4."
        )
        raise click.BadParameter(msg)
    return hours


def _hour_range(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, float] | None:
    """Parse ``--allowed-hours 6-23`` (first and last clock hour)."""
    if value is None:
        return None
    parts = value.split("-")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        lo, hi = 0.0, -1.0
    if not (0 <= lo < hi <= 24 and (2 * lo).is_integer() and (2 * hi).is_integer()):
        msg = (
            f"must be first-last clock hours with 0 <= first < last <= 24, got "
            f"{value!r}. Pass e.g. --allowed-hours 6-23."
        )
        raise click.BadParameter(msg)
    return lo, hi


@main.command()
@_config_option
@_week_option
@_out_option(
    folder=True,
    help="Folder for patrol_plan.geojson/.gpx/.csv/.xlsx (default: current folder).",
)
@click.option(
    "--teams", type=click.IntRange(min=1), default=None, help="Number of teams."
)
@click.option(
    "--shift-minutes", type=click.FloatRange(min=1), default=None, help="Shift length."
)
@click.option("--mode", type=click.Choice(["walking", "ebike", "car"]), default=None)
@click.option(
    "--shifts",
    callback=_shift_hours,
    default=None,
    help="Hours of each block every team works, e.g. 8,4 (staggered shifts; "
    "overrides [patrol] shifts).",
)
@click.option(
    "--allowed-hours",
    callback=_hour_range,
    default=None,
    help="Clock hours patrols are allowed in, e.g. 6-23.",
)
@click.option(
    "--min-on-duty",
    type=click.IntRange(min=0),
    default=None,
    help="Teams on duty at every half hour of the allowed hours.",
)
@click.option(
    "--window-minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Length of each stop's visit window from its hour profile.",
)
@click.option(
    "--revisit-top",
    type=click.IntRange(min=0),
    default=None,
    help="Return visits for the top windowed stops of each block.",
)
@_language_option
@click.pass_context
def patrol(
    ctx: click.Context,
    config: Path,
    week: str | None,
    out: Path | None,
    teams: int | None,
    shift_minutes: float | None,
    mode: str | None,
    shifts: tuple[float, ...] | None,
    allowed_hours: tuple[float, float] | None,
    min_on_duty: int | None,
    window_minutes: float | None,
    revisit_top: int | None,
    language: Language,
) -> None:
    """Plan next week's patrol routes over the top blind spots.

    With --shifts (or [patrol] shifts) the teams work staggered shifts placed
    where the targets' reports come, each stop gets a visit window from its
    hour profile, and shifts-<week>.csv holds the roster beside one day shift.

    \b
    Example:
      hotspots patrol -c sample_data/hotspots.toml --teams 4 --out plans/
      hotspots patrol -c sample_data/hotspots.toml --shifts 8,4 --allowed-hours 6-23
    """

    def action() -> None:
        changes = {
            "enabled": True,
            "teams": teams,
            "shift_minutes": shift_minutes,
            "mode": mode,
            "shifts": shifts,
            "allowed_hours": allowed_hours,
            "min_on_duty": min_on_duty,
            "window_minutes": window_minutes,
            "revisit_top": revisit_top,
        }
        job = _job(ctx, config, week, patrol=changes)
        plan = job.plan
        if plan is None:
            msg = "no blind spot has a score above 0 this week: nothing to patrol."
            raise HotspotsError(msg)
        folder = out if out is not None else Path()
        name = f"patrol_plan-{job.week}"
        _out(plan.to_geojson(folder / f"{name}.geojson"))
        _out(plan.to_gpx(folder / f"{name}.gpx"))
        if language == "zh":
            _out(plan.to_csv(folder / f"{name}.csv"))
            _out(plan.to_xlsx(folder / f"{name}.xlsx"))
        else:
            from ._core.outputs import write_csv, write_workbook

            sheets = _patrol_tables_en(plan, job.blind_spots)
            _out(write_csv(folder / f"{name}.csv", sheets["Patrol plan"]))
            _out(write_workbook(folder / f"{name}.xlsx", sheets))
        if job.shifts is not None:
            from ._core.outputs import write_csv as write_table

            roster = job.shift_table(language=language)
            _out(write_table(folder / f"shifts-{job.week}.csv", roster))

    _run(ctx, action)


@main.command()
@click.option(
    "--seed", type=int, default=None, help="Random seed (default: the sample's)."
)
@_out_option(
    folder=True,
    default=Path(),
    help="Folder to write boundaries/ and sample_data/ (with hotspots.toml) into.",
)
@click.option(
    "--force", is_flag=True, help="Replace the files of an earlier sample in --out."
)
@click.pass_context
def sample(ctx: click.Context, seed: int | None, out: Path, force: bool) -> None:
    """Generate the synthetic sample district and a config that runs it.

    Writes boundaries/ (grid, streets, areas, places), sample_data/ (the
    weekly exports in exports/, its truth tables and README) and
    sample_data/hotspots.toml, ready
    for `hotspots weekly -c <out>/sample_data/hotspots.toml`. Existing files
    are never replaced without --force.

    \b
    Example:
      hotspots sample --seed 7 --out /tmp/district
      hotspots weekly -c /tmp/district/sample_data/hotspots.toml -w 2026-W47
    """

    def action() -> None:
        from .sample.district import (
            make_district,
            sample_paths,
            write_district,
            write_sample_config,
        )

        district = make_district() if seed is None else make_district(seed=seed)
        existing = [p for p in sample_paths(district, out) if p.exists()]
        if existing and not force:
            shown = ", ".join(str(p) for p in existing[:3])
            more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
            msg = (
                f"{len(existing)} files of the sample already exist ({shown}{more}). "
                "Pass --force to replace them, or choose another --out folder."
            )
            raise click.ClickException(msg)
        for path in [
            *write_district(district, out),
            write_sample_config(district, out),
        ]:
            _out(path)

    _run(ctx, action)


@main.command(name="backtest")
@_config_option
@_week_option
@click.option(
    "--weeks",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many weeks, ending with --week, to forecast one at a time.",
)
@click.option(
    "--methods",
    default=None,
    help="Comma-separated forecast methods (also blind_spots, emerging); "
    "default: the config's analysis.backtest_methods.",
)
@_out_option(
    folder=True,
    default=Path(),
    help="Folder for backtest.csv, backtest_periods.csv and backtest_pai.png.",
)
@_language_option
@click.pass_context
def backtest_command(
    ctx: click.Context,
    config: Path,
    week: str | None,
    weeks: int,
    methods: str | None,
    out: Path,
    language: Language,
) -> None:
    """Measure how much of each week's reports the top of each forecast caught.

    Rolling origin: each week is forecast from the weeks before it; the hit
    rate and the Predictive Accuracy Index (hit rate / area share) are given
    for 1, 5, 10 and 20 % of the area.

    \b
    Example:
      hotspots backtest -c sample_data/hotspots.toml -w 2026-W47 --weeks 8
    """

    def action() -> None:
        from ._core.outputs import write_csv
        from .pipeline.config import FORECAST_METHODS

        given = methods is not None
        chosen = tuple(m.strip() for m in (methods or "").split(",") if m.strip())
        unknown = [m for m in chosen if m not in FORECAST_METHODS]
        if given and (unknown or not chosen):
            msg = (
                f"expected a comma-separated list of methods from "
                f"{', '.join(FORECAST_METHODS)}, got {methods!r}"
                + (f" (unknown: {', '.join(unknown)})" if unknown else "")
                + ". Fix the list, e.g. --methods last,kde."
            )
            raise click.BadParameter(msg, param_hint="--methods")
        changes = {"backtest_weeks": weeks, "backtest_methods": chosen or None}
        job = _job(ctx, config, week, analysis=changes)
        result = job.backtest
        if result is None:  # too little history: the job said why in a notice
            why = next((n for n in job.notices if n.startswith("backtest skipped")), "")
            why = why.replace("[analysis] backtest_weeks = ", "--weeks ")
            why = why.replace("backtest skipped: ", "cannot backtest: ", 1)
            why = why.split("; ", 1)
            msg = (
                f"{why[0]}; pass fewer --weeks (backtest_weeks under [analysis] in "
                f"the config) or a later --week."
                if len(why) == 2
                else "the backtest found no history to forecast from."
            )
            raise InputError(msg)
        out.mkdir(parents=True, exist_ok=True)
        table = result.summary_table(language)
        click.echo(
            result.summary_table(language, coverage=0.05).to_string(index=False),
            err=True,
        )
        _out(write_csv(out / "backtest.csv", table))
        _out(write_csv(out / "backtest_periods.csv", _periods_table(result, language)))
        _out(result.plot(out / "backtest_pai.png"))

    _run(ctx, action)


# -- accountability: scorecards and the re-check list ---------------------------


def _accountability_job(
    ctx: click.Context, config: Path, week: str | None, top_k: int | None = None
) -> Any:
    """Build the job of a config with ``[responsibility]`` (else a one-line error)."""
    import dataclasses

    from .pipeline.weekly import Weekly

    cfg = _config(config)
    acc = cfg.accountability
    if acc is None:
        msg = (
            f"the config {str(config)!r} has no [responsibility]: add "
            '[responsibility] units = "<units.csv>" and duties = "<duties.geojson>".'
        )
        raise InputError(msg)
    if top_k is not None:
        recheck = dataclasses.replace(acc.recheck, top_k=top_k)
        cfg = dataclasses.replace(
            cfg, accountability=dataclasses.replace(acc, recheck=recheck)
        )
    return Weekly(cfg, week=week, progress=ctx.obj["progress"])


@main.command(name="scorecard")
@_config_option
@_week_option
@_out_option(folder=False, help="The workbook (default scorecard-<week>.xlsx).")
@_language_option
@click.pass_context
def scorecard_command(
    ctx: click.Context,
    config: Path,
    week: str | None,
    out: Path | None,
    language: Language,
) -> None:
    """Score the responsible units and write the red and black list (红黑榜).

    One sheet per [scorecard] level (cases, closure, on-time and rework
    rates with 95 % Wilson intervals, the case ids behind each row), and the
    red and black list judged against [scorecard] target. Needs
    [responsibility] in the config.

    \b
    Example:
      hotspots scorecard -c sample_data/hotspots.toml -w 2026-W47 -o scorecard.xlsx
    """

    def action() -> None:
        from ._core.outputs import write_workbook
        from .pipeline.weekly import scorecard_number_formats

        if out is not None and out.suffix.lower() != ".xlsx":
            msg = f"the scorecard is a workbook: use .xlsx, got {out.name!r}."
            raise click.BadParameter(msg, param_hint="--out")
        job = _accountability_job(ctx, config, week)
        path = out if out is not None else Path(f"scorecard-{job.week}.xlsx")
        _out(
            write_workbook(
                path,
                job.scorecard_sheets(language=language),
                private_columns=job.config.private_columns,
                number_formats=scorecard_number_formats(language),
            )
        )

    _run(ctx, action)


@main.command(name="recheck")
@_config_option
@_week_option
@_out_option(folder=False, help="The CSV file (default recheck-<week>.csv).")
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=None,
    help="How many closed cases to re-check (default: [recheck] top_k).",
)
@_language_option
@click.pass_context
def recheck_command(
    ctx: click.Context,
    config: Path,
    week: str | None,
    out: Path | None,
    top_k: int | None,
    language: Language,
) -> None:
    """List the closed cases most likely to come back, to check again (回头看).

    \b
    Example:
      hotspots recheck -c sample_data/hotspots.toml -w 2026-W47 --top-k 10
    """

    def action() -> None:
        from ._core.outputs import write_csv

        job = _accountability_job(ctx, config, week, top_k)
        path = out if out is not None else Path(f"recheck-{job.week}.csv")
        table = job.recheck_table(language=language)
        _out(write_csv(path, table, private_columns=job.config.private_columns))

    _run(ctx, action)
