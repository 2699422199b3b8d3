"""The weekly job: read, validate, convert, assign, analyse, rank, plan, map.

:func:`run_weekly` is what ``hotspots weekly`` runs. It returns a
:class:`Weekly` object whose attributes are the frames of every step,
computed on first use and kept, so a notebook or a script can run the job and
inspect each step (``job.cube``, ``job.gi``, ``job.emerging`` ...), and the
command line runs only the steps a subcommand needs.

Outputs of a week go to ``<output folder>/<week>/`` and are written into a
temporary folder first, then swapped into place, so a crash never leaves a
half-written week; running a week twice gives the same files.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from . import labels as _labels
from . import schema
from .config import Config, load_config
from .errors import InputError
from .outputs import (
    temp_dir,
    umask,
    write_csv,
    write_json,
    write_text,
    write_xlsx,
)

__all__ = ["Weekly", "default_week", "run_weekly"]

Progress = Callable[[str], None]

#: Rows of the ledger in the XLSX file (the top of the ranking; the CSV has all).
#: Writing a spreadsheet costs ~10 µs a cell, and a patrol office reads the top
#: of the list, not 100,000 rows.
XLSX_LEDGER_ROWS: Final = 5_000

#: Chinese headers of the blind-spot ledger (hotspots.labels).
LEDGER_HEADERS: Final = _labels.LEDGER_HEADERS


def default_week(
    tz: str = schema.DEFAULT_TZ,
    *,
    freq: str = "W-MON",
    today: dt.date | None = None,
) -> str:
    """Return the label of the last complete week in ``tz``.

    Parameters
    ----------
    tz
        The city's timezone.
    freq
        The week's period code (``"W-MON"``: weeks starting Monday, ISO labels).
    today
        The current local date (default: now in ``tz``).

    Returns
    -------
    str
        E.g. ``"2026-W46"`` on Sunday 2026-11-22 (week 47 is not over yet).

    Examples
    --------
    >>> import datetime as dt
    >>> default_week(today=dt.date(2026, 11, 22))
    '2026-W46'
    >>> default_week(today=dt.date(2026, 11, 23))
    '2026-W47'
    """
    from .cube import period_labels, period_start

    now = (
        pd.Timestamp.now(tz=tz)
        if today is None
        else pd.Timestamp(today).tz_localize(tz)
    )
    current = period_labels([now], freq=freq, tz=tz)[0]
    start = period_start(current, freq=freq, tz=tz)[0]
    return str(period_labels([start - pd.Timedelta(days=1)], freq=freq, tz=tz)[0])


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
    """What reading every export of the config gave."""

    reports: gpd.GeoDataFrame
    quarantined: pd.DataFrame
    rows_read: int


class Weekly:
    """One week's job: every step's result, computed on first use and kept.

    Build it with :func:`run_weekly` (which also writes the outputs) or
    directly, ``Weekly(config, week=...)``, to inspect steps one by one.

    Parameters
    ----------
    config
        A validated :class:`~hotspots.config.Config` or the path of a
        ``hotspots.toml``.
    week
        The week to analyse, e.g. ``"2026-W47"``; default the last complete
        week in the city's timezone.
    progress
        Called with the name of each step as it starts (the CLI draws a
        progress bar with it).
    """

    def __init__(
        self,
        config: Config | str | os.PathLike[str],
        *,
        week: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.config = config if isinstance(config, Config) else load_config(config)
        #: Output name -> path, filled by :meth:`write`.
        self.outputs: dict[str, Path] = {}
        cfg = self.config
        self.progress = _serialised(progress or _quiet)
        from .cube import period_labels, period_start

        if week is None:
            week = default_week(cfg.timezone, freq=cfg.freq)
        start = period_start(week, freq=cfg.freq, tz=cfg.timezone)[0]
        self.week: str = str(period_labels([start], freq=cfg.freq, tz=cfg.timezone)[0])
        self.week_start: pd.Timestamp = start
        nxt = start + pd.Timedelta(days=8)
        following = period_labels([nxt], freq=cfg.freq, tz=cfg.timezone)[0]
        self.week_end: pd.Timestamp = period_start(
            following, freq=cfg.freq, tz=cfg.timezone
        )[0]
        first = start - pd.Timedelta(weeks=cfg.analysis.history_weeks - 1)
        self.first_week: str = str(
            period_labels([first], freq=cfg.freq, tz=cfg.timezone)[0]
        )

    # -- inputs ---------------------------------------------------------------
    @functools.cached_property
    def read(self) -> ReadSummary:
        """Every export read and validated; bad rows quarantined, none lost."""
        from .io import read_reports

        cfg = self.config
        self.progress("read")
        accepted, rejected, rows = [], [], 0
        # local issue types (with a code) extend the national code table; the
        # other entries only give weights, applied below and by the ranking
        categories = [c.__dict__ for c in cfg.categories if c.code] or None
        for path in cfg.input.reports:
            res = read_reports(
                path,
                mapping=cfg.input.mapping or None,
                preset=cfg.input.preset,  # type: ignore[arg-type]
                coords=cfg.input.coords,
                tz=cfg.timezone,
                on_error="quarantine",
                categories=categories,
                encoding=cfg.input.encoding,
                header_row=cfg.input.header_row,
                time_window=cfg.input.time_window,
            )
            accepted.append(res.reports)
            q = res.quarantined.copy()
            q.insert(0, "source_file", path.name)
            rejected.append(q)
            rows += res.rows_read
        reports = gpd.GeoDataFrame(
            pd.concat(accepted, ignore_index=True), crs=schema.WGS84
        )
        quarantined = pd.concat(rejected, ignore_index=True)
        return ReadSummary(reports, quarantined, rows)

    @functools.cached_property
    def grid(self) -> gpd.GeoDataFrame:
        """The unit grid cells, validated."""
        return self._boundary("grid")

    @functools.cached_property
    def areas(self) -> gpd.GeoDataFrame | None:
        """The admin areas (district / subdistrict / community), if configured."""
        return self._boundary("areas") if self.config.boundaries.areas else None

    @functools.cached_property
    def segments(self) -> gpd.GeoDataFrame:
        """The street segments (split at intersections and at 200 m)."""
        from .boundaries import segment_streets

        streets = self._boundary("streets")
        self.progress("segments")
        return segment_streets(streets)

    def _inputs(
        self,
    ) -> tuple[
        gpd.GeoDataFrame,
        tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None],
    ]:
        """Return the accepted reports and the boundaries, loaded side by side.

        The grid (with the areas) and the street segments load in two more
        threads while the exports are read: all three spend most of their time
        in Arrow, GDAL, GEOS and NumPy, which release the GIL, so they overlap
        even on two cores (about 3 s saved on a city of 100,000 cells). Errors
        and warnings are the same as loading them one after the other.
        """
        loaded = "read" in self.__dict__ or all(
            k in self.__dict__ for k in ("grid", "segments", "areas")
        )
        if loaded:
            return self.read.reports, (self.grid, self.segments, self.areas)
        with ThreadPoolExecutor(max_workers=2) as pool:
            cells = pool.submit(lambda: (self.grid, self.areas))
            segments = pool.submit(lambda: self.segments)
            reports = self.read.reports
            (grid, areas), streets = cells.result(), segments.result()
            return reports, (grid, streets, areas)

    def _boundary(self, kind: str) -> gpd.GeoDataFrame:
        from .boundaries import read_boundaries

        path = getattr(self.config.boundaries, kind)
        if path is None:
            msg = (
                f"the config has no boundaries.{kind}: add the path of the {kind} "
                f'layer under [boundaries], e.g. {kind} = "boundaries/{kind}.geojson".'
            )
            raise InputError(msg)
        self.progress(kind)
        return read_boundaries(path, kind=kind)  # type: ignore[arg-type]

    # -- assignment and the cube -----------------------------------------------
    @functools.cached_property
    def assigned(self) -> gpd.GeoDataFrame:
        """Every accepted report with its grid cell, street segment and areas.

        Reports outside every cell or too far from every street keep NA ids
        (counted in :attr:`summary`), never dropped.
        """
        from .join import assign

        reports, (grid, segments, areas) = self._inputs()
        self.progress("assign")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return assign(
                reports,
                grid=grid,
                streets=segments,
                areas=areas,
                max_street_distance_m=self.config.analysis.street_distance_m,
            )

    @functools.cached_property
    def history(self) -> gpd.GeoDataFrame:
        """The assigned reports filed up to the end of the analysed week."""
        a = self.assigned
        return a[a[schema.REPORTED_AT] < self.week_end]

    @functools.cached_property
    def this_week(self) -> gpd.GeoDataFrame:
        """The assigned reports filed in the analysed week."""
        h = self.history
        return h[h[schema.REPORTED_AT] >= self.week_start]

    @functools.cached_property
    def cube(self) -> pd.DataFrame:
        """Reports per grid cell and week, ``history_weeks`` weeks to the week."""
        from .cube import space_time_cube

        cfg = self.config
        h, grid = self.history, self.grid
        in_window = h[h[schema.GRID_ID].notna()]
        self.progress("cube")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return space_time_cube(
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
        from .stats import gi_star

        an = self.config.analysis
        counts = self.cube[self.week].to_numpy(dtype=float)
        self.progress("gi*")
        return gi_star(
            self.grid,
            counts,
            weights=an.weights,
            fdr=an.fdr,
            alpha=an.alpha,
        )

    @functools.cached_property
    def emerging(self) -> gpd.GeoDataFrame:
        """The emerging hot spot pattern of every grid cell over the history."""
        from .emerging import emerging_hotspots

        an = self.config.analysis
        cube = self.cube
        self.progress("emerging")
        return emerging_hotspots(
            cube,
            self.grid,
            unit=schema.GRID_ID,
            freq=self.config.freq,
            weights=an.weights,
            time_lag=an.time_lag,
            alpha=an.alpha,
            fdr=an.fdr,
            trend_alpha=an.trend_alpha,
        )

    @functools.cached_property
    def clusters(self) -> Any:
        """Density clusters of the week's reports (a ``ClusterResult``)."""
        from .cluster import cluster

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
        from .blindspots import blind_spots

        cfg = self.config
        an = cfg.analysis
        history, emerging = self.history, self.emerging
        self.progress("blind spots")
        return blind_spots(
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
        )

    @functools.cached_property
    def plan(self) -> Any:
        """Next week's patrol plan over the top blind spots (or ``None``)."""
        from .patrol import plan_patrols

        pc = self.config.patrol
        if not pc.enabled:
            return None
        bs = self.blind_spots
        targets = bs[bs["score"] > 0].nsmallest(pc.top_n, "rank")
        if targets.empty:
            return None
        depots = (
            gpd.points_from_xy(*zip(*pc.depots, strict=True), crs=schema.WGS84)
            if pc.depots
            else gpd.GeoSeries([self.grid.union_all().centroid], crs=self.grid.crs)
        )
        segments = self.segments
        self.progress("patrol")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
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
                target_id=schema.GRID_ID,
                reason="reason_zh" if self.config.map.language == "zh" else "reason_en",
            )

    @functools.cached_property
    def backtest(self) -> Any:
        """How well each forecast would have caught recent weeks (or ``None``).

        A ``BacktestResult`` over the ``backtest_weeks`` weeks ending with the
        analysed one (rolling origin, each week forecast from the weeks before
        it), when the config asks for it.
        """
        from .backtest import backtest

        an = self.config.analysis
        if an.backtest_weeks == 0:
            return None
        history, grid = self.history, self.grid
        first = self.week_start - pd.Timedelta(weeks=an.backtest_weeks - 1)
        self.progress("backtest")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return backtest(
                history[history[schema.GRID_ID].notna()],
                grid,
                methods=an.backtest_methods,
                start=first,
                end=self.week,
                freq=self.config.freq,
                unit=schema.GRID_ID,
                tz=self.config.timezone,
            )

    @functools.cached_property
    def map(self) -> Any:
        """The week's interactive map (a ``folium.Map``).

        It carries a collapsible summary panel (counts, top blind spots, the
        backtest table and PAI curves) built from :attr:`summary` and
        :attr:`backtest`, which do not read the map.
        """
        from .render import MapStyle, weekly_map

        cfg = self.config
        an = cfg.analysis
        layers = set(cfg.map.layers)
        parts = {
            "gi": self.gi if "gi" in layers else None,
            "emerging": self.emerging if "emerging" in layers else None,
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
            **parts,
        )

    # -- summary and outputs -----------------------------------------------------
    @functools.cached_property
    def summary(self) -> dict[str, Any]:
        """Counts, top patterns, top blind spots and the settings used."""
        cfg, an = self.config, self.config.analysis
        read, a = self.read, self.assigned
        reasons = (
            read.quarantined[schema.REASON].str.split("; ").explode().value_counts()
            if len(read.quarantined)
            else pd.Series(dtype=int)
        )
        patterns = self.emerging["pattern"].value_counts()
        gi_classes = self.gi["gi_class"].value_counts().sort_index(ascending=False)
        bs = self.blind_spots.sort_values("rank").head(10)
        plan = self.plan
        before = int((a[schema.REPORTED_AT] < self.week_start).sum())
        return {
            "city": cfg.city,
            "week": self.week,
            "week_start": self.week_start.date().isoformat(),
            "history": f"{self.first_week}..{self.week}",
            "counts": {
                "rows_read": read.rows_read,
                "accepted": len(read.reports),
                "quarantined": len(read.quarantined),
                "reports_in_week": len(self.this_week),
                "reports_before_week": before,
                "reports_after_week": len(a) - len(self.history),
                "unassigned_grid": int(a[schema.GRID_ID].isna().sum()),
                "unassigned_street": int(a[schema.SEGMENT_ID].isna().sum()),
                "clusters_in_week": len(self.clusters.clusters),
            },
            "quarantine_reasons": {str(k): int(v) for k, v in reasons.items()},
            "gi_classes": {str(int(k)): int(v) for k, v in gi_classes.items()},
            "patterns": {
                str(k): int(v) for k, v in patterns.items() if k != "no_pattern"
            },
            "top_blind_spots": [
                {
                    "rank": int(r["rank"]),
                    schema.GRID_ID: str(r[schema.GRID_ID]),
                    "score": round(float(r["score"]), 3),
                    "reason_zh": str(r["reason_zh"]),
                    "reason_en": str(r["reason_en"]),
                }
                for _, r in bs.iterrows()
            ],
            "patrol": None
            if plan is None
            else {
                "teams": int(plan.routes.shape[0]),
                "stops": int(plan.stops.shape[0]),
                "total_score": round(float(plan.stops["score"].sum()), 3),
                "left_out": int(plan.left_out.shape[0]),
                "left_out_reasons": {
                    str(k): int(v)
                    for k, v in plan.left_out["reason"].value_counts().items()
                },
            },
            "backtest": None
            if self.backtest is None
            else self.backtest.summary_table("en", coverage=0.05).to_dict(
                orient="records"
            ),
            "settings": {
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
            },
        }

    def summary_text(self) -> str:
        """Return the summary as a few lines of plain text (Chinese and English)."""
        s = self.summary
        c = s["counts"]
        lines = [
            f"{s['city']} — {s['week']} (history {s['history']})",
            f"读取 rows read {c['rows_read']}, 接收 accepted {c['accepted']}, "
            f"隔离 quarantined {c['quarantined']}",
            f"本周 reports in week {c['reports_in_week']}; 未落网格 outside every cell "
            f"{c['unassigned_grid']}; 未匹配街道 no street within "
            f"{s['settings']['street_distance_m']} m {c['unassigned_street']}",
        ]
        if s["patterns"]:
            top = ", ".join(f"{k} {v}" for k, v in list(s["patterns"].items())[:6])
            lines.append(f"时空模式 patterns: {top}")
        lines.append("盲区前十 top blind spots:")
        for b in s["top_blind_spots"]:
            lines.append(f"  {b['rank']:>2}. {b[schema.GRID_ID]}  {b['reason_zh']}")
        if self.backtest is not None:
            table = self.backtest.summary_table("zh", coverage=0.05)
            lines.append("预测回测 backtest (5% 面积 area):")
            lines.extend(
                "  " + row for row in table.to_string(index=False).splitlines()
            )
        if s["patrol"]:
            p = s["patrol"]
            lines.append(
                f"巡查计划 patrol plan: {p['teams']} teams, {p['stops']} stops, "
                f"{p['left_out']} targets left out"
            )
        return "\n".join(lines) + "\n"

    def write(self, folder: str | os.PathLike[str] | None = None) -> dict[str, Path]:
        """Write the week's outputs atomically into ``<folder>/<week>/``.

        Parameters
        ----------
        folder
            The output folder (default: the config's).

        Returns
        -------
        dict
            Output name -> path (the files as they are after the swap).
        """
        from .render import save_map

        root = Path(folder) if folder is not None else self.config.output_folder
        root.mkdir(parents=True, exist_ok=True)
        dest = root / self.week
        # compute everything before touching the disk
        m, ledger, summary = self.map, self.ledger(), self.summary
        text, plan, rejected = self.summary_text(), self.plan, self.rejected()
        backtest = self.backtest
        tmp = temp_dir(root, f".{self.week}.")
        try:
            save_map(m, tmp / "index.html")
            write_csv(tmp / "blind_spots.csv", ledger)
            write_xlsx(
                tmp / "blind_spots.xlsx",
                ledger.head(XLSX_LEDGER_ROWS),
                sheet_name="盲区台账",
            )
            write_csv(tmp / "rejected.csv", rejected)
            write_json(tmp / "summary.json", summary)
            write_text(tmp / "summary.txt", text)
            if backtest is not None:
                backtest.plot(tmp / "backtest_pai.png")
                write_csv(tmp / "backtest.csv", backtest.summary_table("zh"))
            if plan is not None:
                plan.to_geojson(tmp / "patrol_plan.geojson")
                plan.to_gpx(tmp / "patrol_plan.gpx")
                plan.to_csv(tmp / "patrol_plan.csv")
                plan.to_xlsx(tmp / "patrol_plan.xlsx")
            for written in tmp.iterdir():  # some writers create owner-only files
                os.chmod(written, 0o666 & ~umask())
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

    def ledger(self) -> pd.DataFrame:
        """Return the blind-spot ledger as written: ranked, Chinese headers.

        Only units with a score above zero (some evidence in the periods) are
        listed: a city of 100,000 cells would otherwise ship a spreadsheet of
        mostly empty rows.
        """
        from .labels import label

        bs = self.blind_spots
        bs = bs[bs["score"] > 0].sort_values("rank")
        cols = [c for c in LEDGER_HEADERS if c in bs.columns]
        out = pd.DataFrame(bs[cols]).copy()
        if "pattern" in out:
            out["pattern"] = out["pattern"].map(lambda p: label("pattern", p, "zh"))
        return out.rename(columns=LEDGER_HEADERS)

    def rejected(self) -> pd.DataFrame:
        """Return the quarantined rows as written: private columns masked."""
        q = self.read.quarantined.copy()
        private = set(self.config.private_columns) | set(schema.PRIVATE_COLUMNS)
        for col in q.columns:
            if col in private:
                q[col] = q[col].where(q[col].isna(), "***")
        return q

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


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace folder ``dest`` by ``tmp`` with renames only."""
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest.parent))
        os.replace(dest, old / dest.name)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_index(root: str | os.PathLike[str]) -> Path:
    """Write ``<root>/index.html`` linking every week folder that holds a map.

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
        (p.name for p in base.iterdir() if (p / "index.html").is_file()),
        reverse=True,
    )
    items = []
    for w in weeks:
        summary = base / w / "summary.json"
        n = ""
        if summary.is_file():
            counts = json.loads(summary.read_text(encoding="utf-8"))["counts"]
            n = f" — {counts['reports_in_week']} 条/reports"
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
) -> Weekly:
    """Run the weekly job: read, assign, analyse, rank, plan, map and write.

    Parameters
    ----------
    config
        A :class:`~hotspots.config.Config` or the path of a ``hotspots.toml``.
    week
        The week, e.g. ``"2026-W47"``; default the last complete week.
    write
        Write ``<output folder>/<week>/`` (map, ledger, rejected rows,
        summary, patrol plan) and ``<output folder>/index.html``.
    output_folder
        Overrides the config's output folder.
    progress
        Called with each step's name as it starts.

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
    job = Weekly(config, week=week, progress=progress)
    steps = ("gi", "emerging", "clusters", "blind_spots", "plan", "backtest", "map")
    for step in (*steps, "summary"):
        getattr(job, step)
    if write:
        job.write(output_folder)
    return job
