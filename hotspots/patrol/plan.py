"""Patrol planning: routes for several teams that cover the most risk per shift.

:func:`plan_patrols` turns ranked targets (the blind spots, hot segments, any
scored places) into one route per team over the street network. It solves
the prize-collecting vehicle routing problem: each team leaves its depot at
the start of the shift and must be back by its end; a visit costs the travel
time along the streets plus a dwell time on site; the plan maximises the
total score of the targets visited. Targets that cannot be visited are
returned with the reason, never dropped.

Dwell
-----
The default dwell of 15 minutes follows the Koper curve: in Minneapolis,
the residual deterrence of a police presence grew with its length up to
about 14-15 minutes, after which it fell off (Koper 1995); patrols of
10-15 minutes per hot spot are the evidence-based standard.

Random order
------------
``order="random"`` keeps the optimal choice of stops per team but visits them
in a random order drawn from ``seed``, as in the Sacramento hot-spot policing
trial, where officers visited their hot spots in a randomised order so that
offenders could not learn the schedule (Telep, Mitchell and Weisburd 2014).
Times are recomputed along the shuffled order; a stop that no longer fits
(shift end or time window) is left out with the reason ``"no time"``.

Determinism
-----------
OR-Tools' guided local search never ends by itself; stopped by a wall-clock
limit, the plan depends on how far it got, which varies with machine load.
The search is therefore stopped by counts that do not depend on the clock:
``solution_limit`` solutions per pass and a fixed number of search branches
(which ends a search stalled on a tiny problem). ``time_limit_s`` is only a
safety cap: with the same inputs and parameters two runs give the same plan,
unless the cap is reached first (``plan.search_stopped_by == "time_limit"``;
raise the cap or lower ``solution_limit``). The solver has no random seed;
``seed`` drives the random order variant.

Solver
------
Travel times enter the solver in tenths of a second, rounded up, so every
plan it returns is feasible with the exact times reported. Guided local
search on purely score-first penalties can stall on plateaus where a better
plan needs one stop swapped for two; small problems (up to 60 visits) get a
second pass with penalties that trade travel against score and a third
score-first pass from its result. On random instances of six targets this
found the optimum (by enumeration) in 57 of 60 cases; it is a heuristic, not
an exact method.

References
----------
.. [1] Koper, C. S. (1995). Just enough police presence: Reducing crime and
   disorderly behavior by optimizing patrol time in crime hot spots.
   Justice Quarterly 12(4), 649-672.
.. [2] Telep, C. W., Mitchell, R. J. and Weisburd, D. (2014). How much time
   should the police spend at crime hot spots? Answers from a police agency
   directed randomized field trial in Sacramento, California. Justice
   Quarterly 31(5), 905-933.
.. [3] Feillet, D., Dejax, P. and Gendreau, M. (2005). Traveling salesman
   problems with profits. Transportation Science 39(2), 188-205.
.. [4] Google OR-Tools, "Vehicle Routing": penalties and dropping visits,
   time windows, https://developers.google.com/optimization/routing
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from .._core import labels as _labels
from .._core import schema
from .._core.outputs import atomic_write, write_csv, write_workbook
from .._core.privacy import mask_data, mask_text
from .._core.schema import REASON_EN, REASON_ZH, SCORE
from .._core.types import FloatArray, IntArray
from .._core.validate import (
    is_real,
    non_negative_number,
    one_of,
    positive_number,
    whole_number,
)
from ..errors import (
    CRSError,
    HotspotsError,
    HotspotsWarning,
    InputError,
    collect_problems,
)
from ..spatial.network import (
    DEFAULT_SPEED_KMH,
    Mode,
    Snapped,
    StreetGraph,
    TravelTable,
    depot_legs,
    leg_paths,
    path_line,
    snap,
    street_graph,
    travel_table,
)
from ..stats.profiles import HourProfile, daily_profile
from .solver import (
    Node,
    Problem,
    SolverSettings,
    arrive,
    route_times,
    shuffle_routes,
    solve,
)

__all__ = [
    "ARRIVAL",
    "ARRIVAL_CLOCK",
    "DEFAULT_SHIFT_START",
    "DEPARTURE",
    "DEPARTURE_CLOCK",
    "DISTANCE_M",
    "DURATION_MIN",
    "DWELL_MIN",
    "LEFT_OUT_REASONS",
    "N_STOPS",
    "ORDER",
    "REASON",
    "REASON_EN",
    "REASON_ZH",
    "SCORE",
    "TARGET_ID",
    "TEAM",
    "TOTAL_SCORE",
    "VISIT",
    "WINDOW",
    "Order",
    "PatrolPlan",
    "plan_patrols",
    "visit_windows",
]

Order = Literal["optimal", "random"]
TimeValue = float | int | str | dt.time
Window = tuple[TimeValue, TimeValue]

# -- column names of the plan (contract) ------------------------------------------
TEAM: Final = schema.TEAM
ORDER: Final = schema.ORDER
TARGET_ID: Final = schema.TARGET_ID
VISIT: Final = "visit"
ARRIVAL: Final = schema.ARRIVAL
DEPARTURE: Final = schema.DEPARTURE
ARRIVAL_CLOCK: Final = "arrival_clock"
DEPARTURE_CLOCK: Final = "departure_clock"
DWELL_MIN: Final = "dwell_min"
REASON: Final = schema.REASON
N_STOPS: Final = "n_stops"
TOTAL_SCORE: Final = "total_score"
DURATION_MIN: Final = "duration_min"
DISTANCE_M: Final = "distance_m"
TRAVEL_MIN: Final = "travel_min"
#: The stop's time window(s) as text ("18:00-18:45"), NA for a stop without one.
WINDOW: Final = schema.WINDOW

# -- why a target is left out ---------------------------------------------------------
NO_GEOMETRY: Final = "no geometry"
TOO_FAR: Final = "too far from street"
UNREACHABLE: Final = "unreachable"
NO_TIME: Final = "no time"
TIME_WINDOW: Final = "time window"
ZERO_SCORE: Final = "zero score"
#: Every left-out reason with its Chinese and English label (hotspots._core.labels).
LEFT_OUT_REASONS: Final = _labels.PATROL_LEFT_OUT

#: Clock time of the shift start the writers assume when the plan has none
#: (``plan_patrols`` without ``shift_start``): 08:30, the usual start of a
#: city-management day shift. Pass ``shift_start=`` to a writer to change it.
DEFAULT_SHIFT_START: Final = "08:30"

#: Chinese headers of the schedule files (see
#: :func:`hotspots._core.labels.patrol_headers`
#: for both languages).
SCHEDULE_HEADERS: Final[dict[str, str]] = _labels.patrol_headers("schedule")
ROUTE_HEADERS: Final[dict[str, str]] = _labels.patrol_headers("routes")
LEFT_OUT_HEADERS: Final[dict[str, str]] = {
    (REASON_ZH if col == REASON else col): header
    for col, header in _labels.patrol_headers("left_out").items()
}

_ID_CANDIDATES: Final = (
    schema.TARGET_ID,
    schema.GRID_ID,
    schema.SEGMENT_ID,
    schema.PLACE_ID,
)
_REASON_CANDIDATES: Final = (REASON_ZH, REASON)


# ------------------------------------------------------------------------------
# the plan
# ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PatrolPlan:
    """A patrol plan: routes, ordered stops and the targets left out.

    Attributes
    ----------
    routes
        One row per team (in team order): ``team``, ``n_stops``,
        ``total_score``, ``duration_min`` (from the shift start to the return
        to the depot), ``distance_m`` (along the streets), LineString
        geometry following the streets from the depot through every stop back
        to it (None for a team with no stop). CRS of the streets.
    stops
        One row per visit in route order: ``team``, ``order`` (1-based),
        ``target_id``, ``visit`` (1 unless revisits), ``arrival`` and
        ``departure`` (minutes from the shift start), ``window`` (the visit's
        time window(s) as text, "18:00-18:45", NA without), ``arrival_clock`` and
        ``departure_clock`` ("HH:MM" when ``shift_start`` was given, else
        NA), ``dwell_min``, ``travel_min`` (from the previous stop or the
        depot), ``score``, ``reason`` (the target's own reason text),
        ``reason_zh`` and ``reason_en`` (the target's columns of those names,
        as the blind-spot ledger has them, else NA: the writers pick the one
        of their language), Point geometry: the target's snapped position on
        the street. CRS of the streets.
    left_out
        Every target (and revisit) not in the plan: ``target_id``, ``visit``,
        ``score``, ``reason`` (one of :data:`LEFT_OUT_REASONS`), ``reason_zh``.
    total_score
        Sum of the scores of the visits made.
    covered_share
        ``total_score`` over the score of every target (every revisit
        counted), 0 when that is 0.
    teams
        Team names, in order.
    mode, speed_kmh, shift_minutes, dwell_minutes, shift_start, order
        The planning parameters.
    search_stopped_by
        ``"search_limit"`` (the deterministic limits), ``"time_limit"`` (the
        safety cap: the plan may vary between runs) or ``"no search"``
        (nothing to route).
    """

    routes: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    left_out: pd.DataFrame
    total_score: float
    covered_share: float
    teams: tuple[str, ...]
    mode: Mode
    speed_kmh: float
    shift_minutes: float
    dwell_minutes: float
    shift_start: str | None
    order: Order
    search_stopped_by: str

    # -- tables -----------------------------------------------------------------------
    def schedule(
        self,
        *,
        language: _labels.Language = "zh",
        shift_start: str | dt.time | None = None,
    ) -> pd.DataFrame:
        """Return the stops as a table a person reads (what the CSV holds).

        Parameters
        ----------
        language
            ``"zh"`` (default) or ``"en"``: the headers
            (:func:`hotspots._core.labels.patrol_headers`) and the reasons (the
            targets' ``reason_zh`` / ``reason_en`` when they had both, else
            the reason text the plan was made with).
        shift_start
            Clock time ``"HH:MM"`` of the shift start, used when the plan was
            made without one; default the plan's own, else
            :data:`DEFAULT_SHIFT_START` (08:30).

        Returns
        -------
        pandas.DataFrame
            One row per stop in route order: team (a number when the team
            names are numbers), stop order, target, visit, arrival and
            departure as clock times ``HH:MM``, dwell in minutes (one
            decimal), score (two decimals), reason, WGS-84 longitude and
            latitude (six decimals). ``attrs["number_formats"]`` maps the
            numeric headers to Excel number formats.

        Raises
        ------
        InputError
            When ``language`` or ``shift_start`` is not valid, or
            ``shift_start`` differs from the plan's own.
        """
        lang = _check_language(language)
        start = self._start_minutes(shift_start)
        stops = self.stops
        ll = stops.geometry.to_crs(schema.WGS84) if len(stops) else stops.geometry
        table = pd.DataFrame(
            {
                TEAM: _team_values(stops[TEAM]),
                ORDER: stops[ORDER].to_numpy(dtype=np.int64),
                TARGET_ID: stops[TARGET_ID].astype(str).to_numpy(dtype=object),
                VISIT: stops[VISIT].to_numpy(dtype=np.int64),
                ARRIVAL: [_format_time(m, start) for m in stops[ARRIVAL]],
                DEPARTURE: [_format_time(m, start) for m in stops[DEPARTURE]],
                DWELL_MIN: stops[DWELL_MIN].to_numpy(dtype=np.float64),
                SCORE: stops[SCORE].to_numpy(dtype=np.float64),
                REASON: self._reasons(lang),
                "lon": ll.x.to_numpy() if len(stops) else np.zeros(0),
                "lat": ll.y.to_numpy() if len(stops) else np.zeros(0),
            }
        )
        return _as_written(table, _labels.patrol_headers("schedule", lang))

    def route_summary(self, *, language: _labels.Language = "zh") -> pd.DataFrame:
        """Return one row per team: stops, score, minutes and metres, rounded.

        Parameters
        ----------
        language
            ``"zh"`` (default) or ``"en"`` headers.

        Returns
        -------
        pandas.DataFrame
            Team (a number when the team names are numbers), number of stops,
            total score (two decimals), duration in minutes (one decimal),
            distance in metres (whole). ``attrs["number_formats"]`` as in
            :meth:`schedule`.
        """
        lang = _check_language(language)
        routes = self.routes
        table = pd.DataFrame(
            {
                TEAM: _team_values(routes[TEAM]),
                N_STOPS: routes[N_STOPS].to_numpy(dtype=np.int64),
                TOTAL_SCORE: routes[TOTAL_SCORE].to_numpy(dtype=np.float64),
                DURATION_MIN: routes[DURATION_MIN].to_numpy(dtype=np.float64),
                DISTANCE_M: routes[DISTANCE_M].to_numpy(dtype=np.float64),
            }
        )
        return _as_written(table, _labels.patrol_headers("routes", lang))

    def left_out_table(self, *, language: _labels.Language = "zh") -> pd.DataFrame:
        """Return the targets left out, with headers and reasons in ``language``.

        Parameters
        ----------
        language
            ``"zh"`` (default) or ``"en"``: headers and reasons
            (:data:`LEFT_OUT_REASONS`).

        Returns
        -------
        pandas.DataFrame
            Target, visit, score (two decimals) and why it was left out.
        """
        lang = _check_language(language)
        left = self.left_out
        table = pd.DataFrame(
            {
                TARGET_ID: left[TARGET_ID].astype(str).to_numpy(dtype=object),
                VISIT: left[VISIT].to_numpy(dtype=np.int64),
                SCORE: left[SCORE].to_numpy(dtype=np.float64),
                REASON: [
                    LEFT_OUT_REASONS.get(str(r), {}).get(lang, str(r))
                    for r in left[REASON]
                ],
            }
        )
        return _as_written(table, _labels.patrol_headers("left_out", lang))

    def _start_minutes(self, shift_start: str | dt.time | None) -> float:
        """Minutes after midnight of the shift start the writers show times from."""
        own = None if self.shift_start is None else _clock_minutes(self.shift_start)
        given = None
        if shift_start is not None:
            try:
                given = _clock_minutes(shift_start)
            except (ValueError, TypeError, AttributeError):
                given = None
            if given is None or given >= 24 * 60:
                msg = (
                    "shift_start must be a clock time 'HH:MM' or a datetime.time, "
                    f"got {shift_start!r}. Pass e.g. shift_start='08:30'."
                )
                raise InputError(msg)
        if own is not None and given is not None and own != given:
            msg = (
                f"shift_start must match the plan's own shift start "
                f"{self.shift_start!r} (its times and windows were planned from "
                f"it), got {shift_start!r}. Leave shift_start=None."
            )
            raise InputError(msg)
        if own is not None:
            return own
        if given is not None:
            return given
        return _clock_minutes(DEFAULT_SHIFT_START)

    def _reasons(self, language: _labels.Language) -> list[str | None]:
        """Return the stops' reason texts in ``language`` where the targets had them."""
        own = self.stops[REASON].astype(object)
        col = REASON_ZH if language == "zh" else REASON_EN
        if col in self.stops.columns:
            chosen = self.stops[col].astype(object)
            own = chosen.where(chosen.notna(), own)
        return [None if pd.isna(v) else str(v) for v in own]

    # -- writers ----------------------------------------------------------------------
    def to_geojson(
        self,
        path: str | os.PathLike[str],
        *,
        language: _labels.Language = "zh",
        shift_start: str | dt.time | None = None,
    ) -> Path:
        """Write routes and stops as one WGS-84 GeoJSON FeatureCollection.

        Every feature has a ``kind`` property, ``"route"`` or ``"stop"``, a
        ``name`` and a ``description`` in ``language`` (a stop's clock times,
        dwell with its unit and reason; a route's stops, minutes and metres),
        and the plan's columns, rounded (minutes to one decimal, scores to
        two, metres whole), with ``arrival_clock`` / ``departure_clock``
        filled from ``shift_start`` (see :meth:`schedule`) and team numbers
        as numbers. Text properties have personal data masked
        (:func:`hotspots._core.privacy.mask_data`). Written atomically.
        """
        lang = _check_language(language)
        start = self._start_minutes(shift_start)
        words = {k: v[lang] for k, v in _labels.PATROL_TEXT.items()}
        features: list[object] = []
        for kind, frame in (("route", self.routes), ("stop", self.stops)):
            if len(frame) == 0:
                continue
            out = frame.to_crs(schema.WGS84)
            for col, decimals in _labels.PATROL_DECIMALS.items():
                if col in out.columns:
                    out[col] = out[col].astype("float64").round(decimals)
            if kind == "stop":
                out[ARRIVAL_CLOCK] = [_format_time(m, start) for m in out[ARRIVAL]]
                out[DEPARTURE_CLOCK] = [_format_time(m, start) for m in out[DEPARTURE]]
                out[REASON] = self._reasons(lang)
                out = out.drop(columns=[REASON_ZH, REASON_EN], errors="ignore")
                names = [
                    words["stop"].format(team=t, order=o, target=i)
                    for t, o, i in zip(
                        out[TEAM], out[ORDER], out[TARGET_ID], strict=True
                    )
                ]
                descs = [
                    _stop_description(words, a, d, w, r)
                    for a, d, w, r in zip(
                        out[ARRIVAL_CLOCK], out[DEPARTURE_CLOCK], out[DWELL_MIN],
                        out[REASON], strict=True,
                    )
                ]  # fmt: skip
            else:
                names = [words["track"].format(team=t) for t in out[TEAM]]
                descs = [
                    words["route"].format(
                        stops=n, duration=_number(m, 1), distance=_number(d, 0)
                    )
                    for n, m, d in zip(
                        out[N_STOPS], out[DURATION_MIN], out[DISTANCE_M], strict=True
                    )
                ]
            out[TEAM] = _team_values(out[TEAM])
            out.insert(0, "description", descs)
            out.insert(0, "name", names)
            out.insert(0, "kind", kind)
            for feature in json.loads(out.to_json(na="drop", drop_id=True))["features"]:
                feature["properties"] = mask_data(feature["properties"])
                features.append(feature)
        doc = {"type": "FeatureCollection", "features": features}
        text = json.dumps(doc, ensure_ascii=False)
        return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def to_gpx(
        self,
        path: str | os.PathLike[str],
        *,
        language: _labels.Language = "zh",
        shift_start: str | dt.time | None = None,
    ) -> Path:
        """Write GPX 1.1 for patrol phones: a track per team, a waypoint per stop.

        Waypoint names are ``"<team>-<order> <target_id>"``; their
        description holds the arrival and departure clock times (see
        :meth:`schedule` for ``shift_start``), the dwell in minutes and the
        reason, in ``language``; track names are the team's ("巡查组 1" /
        "Team 1"). Personal data is masked
        (:func:`hotspots._core.privacy.mask_text`). Written atomically.
        """
        lang = _check_language(language)
        start = self._start_minutes(shift_start)
        words = {k: v[lang] for k, v in _labels.PATROL_TEXT.items()}
        ns = "http://www.topografix.com/GPX/1/1"
        ET.register_namespace("", ns)
        root = ET.Element(f"{{{ns}}}gpx", {"version": "1.1", "creator": "hotspots"})
        if len(self.stops):
            stops = self.stops.to_crs(schema.WGS84)
            reasons = self._reasons(lang)
            for row, why in zip(stops.itertuples(index=False), reasons, strict=True):
                pt = row.geometry
                wpt = ET.SubElement(
                    root, f"{{{ns}}}wpt", {"lat": f"{pt.y:.7f}", "lon": f"{pt.x:.7f}"}
                )
                name = f"{getattr(row, TEAM)}-{getattr(row, ORDER):02d} "
                name += str(getattr(row, TARGET_ID))
                ET.SubElement(wpt, f"{{{ns}}}name").text = mask_text(name)
                desc = _stop_description(
                    words,
                    _format_time(getattr(row, ARRIVAL), start),
                    _format_time(getattr(row, DEPARTURE), start),
                    getattr(row, DWELL_MIN),
                    why,
                )
                ET.SubElement(wpt, f"{{{ns}}}desc").text = mask_text(desc)
        routes = self.routes.to_crs(schema.WGS84)
        for row in routes.itertuples(index=False):
            trk = ET.SubElement(root, f"{{{ns}}}trk")
            ET.SubElement(trk, f"{{{ns}}}name").text = mask_text(
                words["track"].format(team=getattr(row, TEAM))
            )
            seg = ET.SubElement(trk, f"{{{ns}}}trkseg")
            geom = row.geometry
            if geom is None or geom.is_empty:
                continue
            for x, y in shapely.get_coordinates(geom):
                ET.SubElement(
                    seg, f"{{{ns}}}trkpt", {"lat": f"{y:.7f}", "lon": f"{x:.7f}"}
                )
        tree = ET.ElementTree(root)
        ET.indent(tree)
        return atomic_write(
            path,
            lambda tmp: tree.write(tmp, encoding="utf-8", xml_declaration=True),
        )

    def to_csv(
        self,
        path: str | os.PathLike[str],
        *,
        language: _labels.Language = "zh",
        shift_start: str | dt.time | None = None,
    ) -> Path:
        """Write the schedule (:meth:`schedule`) as CSV, UTF-8 with BOM for Excel.

        Parameters
        ----------
        path
            The destination.
        language
            ``"zh"`` (default) or ``"en"``: headers and reasons.
        shift_start
            Clock time of the shift start when the plan has none (default
            :data:`DEFAULT_SHIFT_START`).

        Returns
        -------
        pathlib.Path
            ``path``, written atomically.
        """
        return write_csv(
            path, self.schedule(language=language, shift_start=shift_start)
        )

    def to_xlsx(
        self,
        path: str | os.PathLike[str],
        *,
        language: _labels.Language = "zh",
        shift_start: str | dt.time | None = None,
    ) -> Path:
        """Write the schedule, the route summary and the left-out targets as XLSX.

        Sheets (:data:`hotspots._core.labels.PATROL_SHEETS`): 巡查计划 / Patrol plan
        (:meth:`schedule`), 路线汇总 / Routes (:meth:`route_summary`), 未安排目标
        / Left out (:meth:`left_out_table`). Numbers are stored as numbers
        (team numbers too) with number formats; the header row is frozen and
        every column fits its text. Written atomically.

        Parameters
        ----------
        path
            The destination.
        language
            ``"zh"`` (default) or ``"en"``: sheet names, headers and reasons.
        shift_start
            As in :meth:`to_csv`.

        Returns
        -------
        pathlib.Path
            ``path``.
        """
        lang = _check_language(language)
        sheet = _labels.PATROL_SHEETS
        tables = {
            sheet["schedule"][lang]: self.schedule(
                language=lang, shift_start=shift_start
            ),
            sheet["routes"][lang]: self.route_summary(language=lang),
            sheet["left_out"][lang]: self.left_out_table(language=lang),
        }
        formats: dict[str, str] = {}
        for table in tables.values():
            formats.update(table.attrs["number_formats"])
        return write_workbook(path, tables, number_formats=formats)


# ------------------------------------------------------------------------------
# the tables as written
# ------------------------------------------------------------------------------
def _check_language(language: object) -> _labels.Language:
    """Return ``language`` as a :data:`hotspots._core.labels.Language`, or raise."""
    problem = _labels.language_problem(language)
    if problem is not None:
        msg = f"{problem} ([map] language in the TOML.)"
        raise InputError(msg)
    return "en" if language == "en" else "zh"


def _team_values(teams: pd.Series) -> npt.NDArray[np.generic]:
    """Team names as written: whole numbers when every name is one ("2" -> 2)."""
    names = [str(t) for t in teams]
    if names and all(n.isascii() and n.isdigit() and str(int(n)) == n for n in names):
        return np.array([int(n) for n in names], dtype=np.int64)
    return np.array(names, dtype=object)


def _as_written(table: pd.DataFrame, headers: Mapping[str, str]) -> pd.DataFrame:
    """Round a plan table's numbers, name its columns, note its number formats."""
    out = table.copy()
    for col, decimals in _labels.PATROL_DECIMALS.items():
        if col in out.columns and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(decimals)
    if DISTANCE_M in out.columns:
        out[DISTANCE_M] = out[DISTANCE_M].round(0).astype(np.int64)
    formats = {
        headers[col]: fmt
        for col, fmt in _labels.PATROL_FORMATS.items()
        if col in out.columns and pd.api.types.is_numeric_dtype(out[col])
    }
    out = out.rename(columns=dict(headers))
    out.attrs["number_formats"] = formats
    return out


def _number(value: object, decimals: int) -> str:
    """Format a number as a person reads it: ``15``, ``12.5`` (no trailing zeros)."""
    x = round(float(value), decimals)  # type: ignore[arg-type]
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _stop_description(
    words: Mapping[str, str],
    arrival: str,
    departure: str,
    dwell: object,
    reason: object,
) -> str:
    """Describe a stop: arrival and departure, dwell (with unit) and reason."""
    text = words["stop_times"].format(
        arrival=arrival, departure=departure, dwell=_number(dwell, 1)
    )
    if isinstance(reason, str) and reason:
        text += words["separator"] + reason
    return text


# ------------------------------------------------------------------------------
# times
# ------------------------------------------------------------------------------
def _clock_minutes(value: str | dt.time) -> float:
    """Minutes after midnight of ``"HH:MM"`` or a :class:`datetime.time`."""
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    hh, mm = str(value).strip().split(":")[:2]
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(value)
    return float(h * 60 + m)


def _format_time(minutes: float, start: float | None) -> str:
    """``HH:MM`` clock time from the shift start, or ``+H:MM`` elapsed."""
    if start is None:
        total = round(float(minutes))
        return f"+{total // 60}:{total % 60:02d}"
    total = round(float(minutes) + start) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def _time_value(value: object, start: float | None) -> float:
    """Minutes from the shift start of a window bound (number or clock time)."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int | float | np.integer | np.floating):
        out = float(value)
        if not np.isfinite(out):
            raise ValueError(value)
        return out
    if isinstance(value, str | dt.time):
        clock = _clock_minutes(value)
        if start is None:
            raise LookupError(value)
        return clock - start
    raise TypeError(value)


# ------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------
def _team_names(teams: object, problems: list[str]) -> tuple[str, ...]:
    """Team names from a count or a sequence of names (problems noted)."""
    if isinstance(teams, bool):
        problems.append(
            f"teams must be a positive number of teams or a list of team names, "
            f"got {teams!r}. Pass e.g. teams=3 or teams=['东区1组', '东区2组']."
        )
        return ()
    if isinstance(teams, int | np.integer):
        if teams < 1:
            problems.append(
                f"teams must be at least 1, got {teams!r}. Pass the number of "
                "teams on shift, e.g. teams=3."
            )
            return ()
        return tuple(str(k) for k in range(1, int(teams) + 1))
    if isinstance(teams, str) or not isinstance(teams, Sequence):
        msg = (
            "teams must be an int or a sequence of team names, got "
            f"{type(teams).__name__}. Pass e.g. teams=3 or teams=['A', 'B']."
        )
        raise TypeError(msg)
    names = tuple(str(t) for t in teams)
    if not names:
        problems.append(
            "teams must name at least one team, got an empty sequence. Pass e.g. "
            "teams=['A'] or teams=1."
        )
    elif len(set(names)) != len(names):
        problems.append(
            f"team names must be unique, got {list(names)!r}. Give every team "
            "its own name."
        )
    return names


def _depot_geoms(
    depots: object, crs: pyproj.CRS | None, problems: list[str]
) -> list[BaseGeometry | None]:
    """Depot geometries in the streets' CRS (a list, one per depot given)."""
    if isinstance(depots, gpd.GeoDataFrame | gpd.GeoSeries):
        series = depots.geometry if isinstance(depots, gpd.GeoDataFrame) else depots
        if series.crs is not None and crs is not None and series.crs != crs:
            series = series.to_crs(crs)
        return list(series)
    if isinstance(depots, BaseGeometry):
        return [depots]
    if isinstance(depots, Sequence) and not isinstance(depots, str):
        out: list[BaseGeometry | None] = []
        for d in depots:
            if isinstance(d, BaseGeometry):
                out.append(d)
            elif (
                isinstance(d, Sequence)
                and len(d) == 2
                and all(is_real(c) and math.isfinite(c) for c in d)
            ):
                out.append(Point(float(d[0]), float(d[1])))
            else:
                problems.append(
                    f"depots must be points, got {d!r}. Pass shapely Points or "
                    "(x, y) pairs in the CRS of the streets, or a GeoSeries."
                )
                out.append(None)
        return out
    msg = (
        "depots must be a GeoSeries/GeoDataFrame of points, a shapely Point or "
        f"a sequence of them, got {type(depots).__name__}."
    )
    raise TypeError(msg)


def _resolve_column(
    frame: pd.DataFrame,
    given: str | None,
    candidates: Sequence[str],
    *,
    what: str,
    fix: str,
    problems: list[str],
) -> str | None:
    """Return ``given`` if it is a column (else note a problem), or a candidate."""
    if given is None:
        return next((c for c in candidates if c in frame.columns), None)
    if given not in frame.columns:
        problems.append(
            f"{what} column {given!r} is not in targets, got columns "
            f"{list(frame.columns)!r}. {fix}"
        )
        return None
    return given


def _windows_for(
    raw: object, start: float | None, target_id: str, problems: list[str]
) -> list[tuple[float, float]] | None:
    """One target's windows in minutes from the shift start, sorted (or None)."""
    items: list[object]
    if (
        isinstance(raw, tuple)
        and len(raw) == 2
        and not isinstance(raw[0], tuple | list)
    ):
        items = [raw]
    elif isinstance(raw, Sequence) and not isinstance(raw, str):
        items = list(raw)
    else:
        problems.append(
            f"time_windows[{target_id!r}] must be a list of (start, end) pairs, "
            f"got {raw!r}. Pass e.g. [(0, 120)] (minutes from the shift start) "
            "or [('07:15', '07:45')] with shift_start."
        )
        return None
    out: list[tuple[float, float]] = []
    for item in items:
        try:
            if not isinstance(item, Sequence) or len(item) != 2:
                raise TypeError(item)
            lo, hi = _time_value(item[0], start), _time_value(item[1], start)
        except LookupError:
            problems.append(
                f"time_windows[{target_id!r}] uses clock times {item!r} but "
                "shift_start is None. Pass shift_start='08:00' (the clock time "
                "the shift begins) or give minutes from the shift start."
            )
            return None
        except (TypeError, ValueError):
            problems.append(
                f"time_windows[{target_id!r}] must hold (start, end) pairs of "
                f"minutes or 'HH:MM' clock times, got {item!r}. Pass e.g. "
                "(0, 120) or ('07:15', '07:45')."
            )
            return None
        if hi < lo:
            problems.append(
                f"time_windows[{target_id!r}] ends before it starts, got "
                f"{item!r}. Pass (start, end) with start <= end."
            )
            return None
        out.append((lo, hi))
    return sorted(out)


def _intersect(
    windows: Sequence[tuple[float, float]], lo: float, hi: float
) -> tuple[tuple[float, float], ...]:
    """Return the parts of ``windows`` inside ``[lo, hi]``."""
    out = []
    for a, b in windows:
        a2, b2 = max(a, lo), min(b, hi)
        if a2 <= b2:
            out.append((a2, b2))
    return tuple(out)


# ------------------------------------------------------------------------------
# windows from hour-of-week profiles
# ------------------------------------------------------------------------------
def visit_windows(
    profile: HourProfile,
    target_ids: Sequence[object],
    *,
    shift_start: str | dt.time,
    shift_minutes: float,
    window_minutes: float = 60.0,
    dwell_minutes: float = 15.0,
    weekday: int | None = None,
    step_minutes: int = 15,
    min_concentration: float = 2.0,
    spread_tolerance: float = 0.1,
) -> dict[str, list[tuple[float, float]]]:
    """Give each target whose reports bunch in time a window inside the shift.

    For each target with a profile, the windows of ``window_minutes`` that
    start on a ``step_minutes`` grid inside the shift are scored by the share
    of its reports they hold (its hourly shares, constant within each hour).

    *Only concentrated targets get a window.* A window costs the route
    freedom: twenty stops squeezed into the same hour are more than a team
    can reach. So a target gets one only when its densest window holds at
    least ``min_concentration`` times what a flat profile would put there,
    the target's share in the whole shift times ``window_minutes /
    shift_minutes`` (its concentration within the shift). A target whose
    reports spread over the shift (most of a city's daytime problems) gets
    no window: any time in the shift is as good, and the route reaches
    more stops. A wider window would not rescue it: the densest window of
    half its length inside it holds at least half its share, so a wider
    window is never more concentrated than the best narrower one. A target
    with no reports in the shift gets no window either.

    *Coinciding windows are spread.* The windowed targets are taken from the
    most concentrated to the least; each takes, among its windows that hold
    at least ``1 - spread_tolerance`` of its best window's share (and are
    still concentrated enough), the one overlapping the fewest windows
    already given (then the denser, then the earlier). So stops that peak
    at the same hour are staggered by a step or two when that costs them at
    most ``spread_tolerance`` of their share, instead of all asking for the
    same hour.

    The visit must begin early enough to end in the window: the returned
    arrival window is ``[a, a + window_minutes - dwell_minutes]``. Pass the
    result to :func:`plan_patrols` as ``time_windows``; targets without a
    window are visited whenever the route reaches them.

    Parameters
    ----------
    profile
        From :func:`hotspots.stats.profiles.hour_of_week_profile`, over the units the
        targets are (e.g. ``grid_id``).
    target_ids
        The targets' ids, which are the profile's unit ids; targets the
        profile does not have (no reports) get no window.
    shift_start
        Clock time the shift starts ("18:00"); windows may pass midnight.
    shift_minutes
        Length of the shift (> 0); a longer window than the shift is the shift.
    window_minutes
        Length of the window (> 0, default 60).
    dwell_minutes
        Minutes on site (>= 0, default 15), as passed to :func:`plan_patrols`.
    weekday
        0 (Monday) to 6 (Sunday) to plan for one day's profile; default None,
        the whole week's hours summed (a plan repeated every day).
    step_minutes
        Grid of window starts in minutes (> 0, default 15).
    min_concentration
        How much denser than flat the densest window must be for a target to
        get one (>= 0, default 2: twice the share a flat profile over the
        shift puts in a window of that length). 0 gives every target with
        reports in the shift its densest window (no threshold).
    spread_tolerance
        Share of its best window's reports a target may give up to avoid a
        window already taken (0 to 1, default 0.1; 0 = no spreading, every
        target gets its own densest window).

    Returns
    -------
    dict
        ``{target_id: [(start, end)]}`` in minutes from the shift start, for
        the targets that get a window (see above); the others are left out.

    Raises
    ------
    InputError
        On invalid parameters.
    TypeError
        When ``profile`` is not an HourProfile.

    References
    ----------
    .. [1] Koper, C. S. (1995). Just enough police presence. Justice
       Quarterly 12(4), 649-672.
    """
    if not isinstance(profile, HourProfile):
        msg = f"profile must be an HourProfile, got {type(profile).__name__}."
        raise TypeError(msg)
    start = _check_window_args(
        target_ids,
        shift_start=shift_start,
        numbers={
            "shift_minutes": shift_minutes,
            "window_minutes": window_minutes,
            "dwell_minutes": dwell_minutes,
            "step_minutes": step_minutes,
            "min_concentration": min_concentration,
        },
        weekday=weekday,
        spread_tolerance=spread_tolerance,
    )
    grid = _WindowGrid(
        start=start,
        shift=float(shift_minutes),
        width=min(float(window_minutes), float(shift_minutes)),
        step=float(step_minutes),
    )
    found = _concentrated(
        profile,
        target_ids,
        grid=grid,
        weekday=weekday,
        min_concentration=float(min_concentration),
    )
    out = _spread_windows(
        found,
        grid=grid,
        dwell_minutes=float(dwell_minutes),
        min_concentration=float(min_concentration),
        spread_tolerance=float(spread_tolerance),
    )
    # the caller's order
    return {str(t): out[str(t)] for t in target_ids if str(t) in out}


#: Parameters of :func:`visit_windows` that may be 0 (the others must be > 0).
_ZERO_OK: Final = ("dwell_minutes", "min_concentration")


def _check_window_args(
    target_ids: object,
    *,
    shift_start: object,
    numbers: Mapping[str, object],
    weekday: object,
    spread_tolerance: object,
) -> float:
    """Check :func:`visit_windows`' parameters (raise once); the start in minutes."""
    problems: list[str] = []
    start = 0.0
    try:
        start = _clock_minutes(shift_start)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        problems.append(
            f"shift_start must be a clock time 'HH:MM' or a datetime.time, got "
            f"{shift_start!r}. Pass e.g. shift_start='08:00'."
        )
    for name, value in numbers.items():
        example = f"{name}=60"
        problem = (
            non_negative_number(value, name, example=example)
            if name in _ZERO_OK
            else positive_number(value, name, example=example, unit="minutes")
        )
        if problem is not None:
            problems.append(problem)
    if weekday is not None and (isinstance(weekday, bool) or weekday not in range(7)):
        problems.append(
            f"weekday must be 0 (Monday) to 6 (Sunday) or None, got {weekday!r}. "
            "Pass e.g. weekday=4 for Friday."
        )
    if not (
        is_real(spread_tolerance) and 0 <= spread_tolerance <= 1  # type: ignore[operator]
    ):
        problems.append(
            f"spread_tolerance must be a number from 0 to 1, got "
            f"{spread_tolerance!r}. Pass e.g. spread_tolerance=0.1 (0 = no "
            "spreading)."
        )
    if isinstance(target_ids, str) or not isinstance(target_ids, Sequence):
        problems.append(
            f"target_ids must be a sequence of ids, got {target_ids!r}. Pass "
            "e.g. targets['grid_id'].tolist()."
        )
    collect_problems(problems, "visit_windows")
    return start


@dataclass(frozen=True)
class _WindowGrid:
    """The candidate windows: their starts (minutes from the shift start) and size."""

    start: float  # clock minutes of the shift start
    shift: float
    width: float
    step: float

    @property
    def starts(self) -> FloatArray:
        """Window starts on the step grid, from the shift start."""
        out: FloatArray = np.arange(0.0, self.shift - self.width + 1e-9, self.step)
        return out


@dataclass(frozen=True)
class _Concentrated:
    """A target that gets a window: its concentration, position, id, window shares."""

    neg_conc: float
    position: int
    target_id: str
    mass: FloatArray


def _concentrated(
    profile: HourProfile,
    target_ids: Sequence[object],
    *,
    grid: _WindowGrid,
    weekday: int | None,
    min_concentration: float,
) -> list[_Concentrated]:
    """Targets concentrated enough for a window, the most concentrated first."""
    starts = grid.starts
    found: list[_Concentrated] = []
    for k, tid in enumerate(target_ids):
        if tid not in profile.shares.index:
            continue
        hourly = daily_profile(profile, tid, weekday=weekday)
        mass = _window_mass(hourly, (grid.start + starts) % 1440.0, grid.width)
        in_shift = float(
            _window_mass(hourly, np.array([grid.start % 1440.0]), grid.shift)[0]
        )
        if in_shift <= 0.0:
            continue
        flat = in_shift * grid.width / grid.shift
        conc = mass / flat
        if float(conc.max()) < min_concentration:
            continue
        found.append(_Concentrated(-float(conc.max()), k, str(tid), mass))
    # the most concentrated choose first; ties in the caller's order
    found.sort(key=lambda item: (item.neg_conc, item.position))
    return found


def _spread_windows(
    found: Sequence[_Concentrated],
    *,
    grid: _WindowGrid,
    dwell_minutes: float,
    min_concentration: float,
    spread_tolerance: float,
) -> dict[str, list[tuple[float, float]]]:
    """Give each target the good window overlapping the fewest already given."""
    starts = grid.starts
    step = grid.step
    n_steps = max(1, math.ceil((grid.shift - 1e-9) / step))
    load = np.zeros(n_steps)
    cover = max(1, math.ceil(grid.width / step - 1e-9))
    out: dict[str, list[tuple[float, float]]] = {}
    for item in found:
        mass = item.mass
        best_mass = float(mass.max())
        flat = best_mass / -item.neg_conc
        ok = (mass >= (1.0 - spread_tolerance) * best_mass - 1e-12) & (
            mass / flat >= min_concentration - 1e-12
        )
        ok[int(np.argmax(mass))] = True
        cand = np.flatnonzero(ok)
        first = np.round(starts[cand] / step).astype(np.int64)
        overlap = np.array(
            [load[f : f + cover].sum() for f in first.tolist()], dtype=np.float64
        )
        pick = cand[np.lexsort((cand, -mass[cand], overlap))[0]]
        f = int(first[np.flatnonzero(cand == pick)[0]])
        load[f : f + cover] += 1.0
        lo = float(starts[pick])
        hi = max(lo, lo + grid.width - dwell_minutes)
        out[item.target_id] = [(lo, hi)]
    return out


def _window_mass(hourly: FloatArray, clock: FloatArray, width: float) -> FloatArray:
    """Share in ``[c, c + width)`` minutes of each clock ``c`` (wraps midnight)."""
    per = np.tile(hourly, 3)
    cum = np.concatenate([[0.0], np.cumsum(per)])

    def upto(m: FloatArray) -> FloatArray:
        h = np.floor(m / 60.0).astype(np.int64)
        out: FloatArray = cum[h] + (m / 60.0 - h) * per[h]
        return out

    res: FloatArray = upto(clock + width) - upto(clock)
    return res


# ------------------------------------------------------------------------------
# the public entry
# ------------------------------------------------------------------------------
def plan_patrols(
    targets: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    *,
    teams: int | Sequence[str],
    depots: gpd.GeoSeries | gpd.GeoDataFrame | BaseGeometry | Sequence[object],
    shift_minutes: float,
    dwell_minutes: float = 15.0,
    speed_kmh: float | None = None,
    mode: Mode = "walking",
    shift_start: str | dt.time | None = None,
    time_windows: Mapping[object, object] | None = None,
    revisit_minutes: float | None = None,
    revisit_top: int = 0,
    revisit_gap_minutes: float = 120.0,
    seed: int = 0,
    time_limit_s: float = 10.0,
    solution_limit: int = 100,
    order: Order = "optimal",
    score: str = "score",
    target_id: str | None = None,
    reason: str | None = None,
    max_snap_distance_m: float = 150.0,
) -> PatrolPlan:
    """Plan one patrol route per team that covers the most target score in a shift.

    Each team leaves its depot at the shift start and is back by its end.
    A visit costs the shortest travel time along the streets (one-way rules
    per mode) plus ``dwell_minutes`` on site. Among all feasible plans the
    solver maximises the total score visited (ties broken by less travel):
    the prize-collecting vehicle routing problem, solved with Google OR-Tools
    (parallel cheapest insertion, then guided local search).

    Parameters
    ----------
    targets
        Places to patrol, any geometry: points stand for themselves, lines
        for their midpoint and areas for an inner point, snapped to the
        nearest point of the street network (an area or line within
        ``max_snap_distance_m`` of a street by any part is in reach). Needs
        the ``score`` column (finite, >= 0). The output of
        :func:`hotspots.ledger.blindspots.blind_spots` fits as it is.
    streets
        Street segments (``hotspots.read.boundaries.segment_streets``): ``segment_id``,
        ``u``, ``v``, ``oneway``, LineString geometry; same CRS as ``targets``.
    teams
        Number of teams (named "1", "2", ...) or their names.
    depots
        Where each team starts and ends: one point for all teams or one per
        team (GeoSeries/GeoDataFrame, shapely Points or (x, y) pairs in the
        CRS of the streets).
    shift_minutes
        Length of the shift in minutes (> 0).
    dwell_minutes
        Minutes spent at each stop (>= 0); 15 follows the Koper curve.
    speed_kmh
        Travel speed; default per mode: walking 4.5, ebike 15, car 25 km/h.
    mode
        ``"walking"`` (ignores one-way streets), ``"ebike"`` or ``"car"``
        (both follow one-way streets; see :mod:`hotspots.spatial.network`).
    shift_start
        Clock time the shift starts (``"08:00"`` or a :class:`datetime.time`);
        needed for clock times in ``time_windows`` and shown in the schedule.
    time_windows
        ``{target_id: [(start, end), ...]}``: a visit must begin inside one of
        the windows. Bounds are minutes from the shift start or clock times
        ``"HH:MM"`` (with ``shift_start``), e.g. a market
        ``[("06:30", "09:00")]`` or a school ``[("07:15", "07:45"),
        ("16:15", "16:45")]``. Targets not named have no window.
    revisit_minutes
        Visit every target again in every interval of this many minutes:
        visit ``k`` must begin in ``[k * r, (k + 1) * r)`` from the shift start
        (intersected with its time windows); each visit counts its score.
    revisit_top
        Koper-style return visits: the ``revisit_top`` highest-scored targets
        that have a time window get a second visit, in their window shifted by
        ``revisit_gap_minutes`` (so the team comes back about that long after
        the first); a second visit is only kept with its first. Default 0
        (none); not with ``revisit_minutes``.
    revisit_gap_minutes
        Minutes between the first and the return visit's windows (default
        120: short, unpredictable returns keep the residual deterrence of a
        visit going, Koper 1995).
    seed
        Seed of the random order (``order="random"``).
    time_limit_s
        Safety cap on the search time in seconds (see Determinism in the
        module notes).
    solution_limit
        Number of local-search solutions after which a solver pass stops: the
        deterministic limit.
    order
        ``"optimal"`` or ``"random"`` (the Sacramento trial's randomised order
        of the chosen stops, drawn from ``seed``).
    score
        Name of the score column of ``targets``.
    target_id
        Column of target ids; default the first of ``target_id``,
        ``grid_id``, ``segment_id``, ``place_id`` present, else the index.
    reason
        Column with each target's reason text for the stop list; default
        ``reason_zh`` or ``reason`` when present.
    max_snap_distance_m
        Farthest a target or depot may lie from a street, in metres.

    Returns
    -------
    PatrolPlan
        Routes, stops and left-out targets (see :class:`PatrolPlan`), in the
        CRS of the streets. The inputs are not changed.

    Raises
    ------
    InputError
        On invalid parameters, a missing or invalid score column, duplicate
        target ids, bad time windows, or a depot farther than
        ``max_snap_distance_m`` from every street (the message names the depot
        and its distance).
    CRSError
        When targets and streets have different or missing CRSs.
    TypeError
        When targets or streets are not GeoDataFrames.

    Warns
    -----
    HotspotsWarning
        When targets have no geometry, lie too far from the streets or are
        unreachable from every depot (counted), and when the shift is too
        short for any visit.

    Notes
    -----
    Targets never visited are in ``left_out`` with a reason: ``"no
    geometry"``, ``"too far from street"``, ``"unreachable"`` (no path from
    any team's depot and back: a disconnected street graph), ``"time
    window"`` (no team can reach it inside its windows), ``"zero score"``
    (nothing to gain) and ``"no time"`` (feasible alone, but the shift is
    better spent elsewhere, or it did not fit the random order).

    References
    ----------
    .. [1] Koper, C. S. (1995). Just enough police presence. Justice
       Quarterly 12(4), 649-672.
    .. [2] Telep, C. W., Mitchell, R. J. and Weisburd, D. (2014). How much
       time should the police spend at crime hot spots? Justice Quarterly
       31(5), 905-933.
    .. [3] Google OR-Tools, Vehicle Routing with penalties and time windows,
       https://developers.google.com/optimization/routing

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString, Point
    >>> streets = gpd.GeoDataFrame(
    ...     {"segment_id": ["a", "b"], "u": [0, 1], "v": [1, 2], "oneway": False},
    ...     geometry=[LineString([(0, 0), (300, 0)]), LineString([(300, 0), (600, 0)])],
    ...     crs="EPSG:32651",
    ... )
    >>> targets = gpd.GeoDataFrame(
    ...     {"target_id": ["x", "y"], "score": [2.0, 1.0]},
    ...     geometry=[Point(150, 5), Point(600, 0)],
    ...     crs="EPSG:32651",
    ... )
    >>> plan = plan_patrols(
    ...     targets, streets, teams=1, depots=Point(0, 0), shift_minutes=30,
    ...     dwell_minutes=10,
    ... )
    >>> plan.stops["target_id"].tolist(), plan.left_out["reason"].tolist()
    (['x'], ['no time'])
    """
    for name, frame in (("targets", targets), ("streets", streets)):
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = f"{name} must be a GeoDataFrame, got {type(frame).__name__}."
            raise TypeError(msg)
    problems: list[str] = []
    team_names = _team_names(teams, problems)
    _check_shift(
        problems,
        shift_minutes=shift_minutes,
        dwell_minutes=dwell_minutes,
        revisit_minutes=revisit_minutes,
        revisit_top=revisit_top,
        revisit_gap_minutes=revisit_gap_minutes,
    )
    _check_search(
        problems,
        time_limit_s=time_limit_s,
        solution_limit=solution_limit,
        max_snap_distance_m=max_snap_distance_m,
        order=order,
        mode=mode,
        seed=seed,
    )
    start_min = _shift_start_minutes(shift_start, problems)
    columns = _TargetColumns(score=score, target_id=target_id, reason=reason)
    read = _read_targets(targets, columns, time_windows, start_min, problems)
    depot_geoms = _check_places(targets, streets, depots, team_names, problems)
    collect_problems(problems, "plan_patrols")

    graph = street_graph(streets, mode=mode, speed_kmh=speed_kmh)
    located = _locate(
        graph,
        targets,
        depot_geoms=depot_geoms,
        team_names=team_names,
        max_snap_distance_m=max_snap_distance_m,
        out_crs=streets.crs,
    )
    settings = _Settings(
        team_names=team_names,
        shift=float(shift_minutes),
        dwell=float(dwell_minutes),
        revisit=None if revisit_minutes is None else float(revisit_minutes),
        revisit_top=int(revisit_top),
        revisit_gap=float(revisit_gap_minutes),
        seed=int(seed),
        order=order,
        shift_start=(
            None
            if start_min is None
            else f"{int(start_min) // 60:02d}:{int(start_min) % 60:02d}"
        ),
        solver=SolverSettings(
            time_limit_s=float(time_limit_s), solution_limit=int(solution_limit)
        ),
    )
    return _plan(located, read.table(targets), settings)


# ------------------------------------------------------------------------------
# checking and reading the arguments
# ------------------------------------------------------------------------------
def _check_shift(
    problems: list[str],
    *,
    shift_minutes: object,
    dwell_minutes: object,
    revisit_minutes: object,
    revisit_top: object,
    revisit_gap_minutes: object,
) -> None:
    """Note the problems of the shift's parameters: lengths, dwell, revisits."""
    checks = (
        positive_number(
            shift_minutes, "shift_minutes", example="shift_minutes=240", unit="minutes"
        ),
        non_negative_number(dwell_minutes, "dwell_minutes", example="dwell_minutes=15"),
        None
        if revisit_minutes is None
        else positive_number(
            revisit_minutes,
            "revisit_minutes",
            example="revisit_minutes=120",
            unit="minutes",
        ),
    )
    problems.extend(p for p in checks if p is not None)
    top = whole_number(revisit_top, "revisit_top", example="revisit_top=3", minimum=0)
    if top is not None:
        problems.append(top)
    elif revisit_top and revisit_minutes is not None:
        problems.append(
            f"revisit_top={revisit_top!r} cannot be combined with revisit_minutes="
            f"{revisit_minutes!r}. Pass one: revisit_minutes for a visit in "
            "every interval, revisit_top for return visits to the top targets."
        )
    gap = positive_number(
        revisit_gap_minutes,
        "revisit_gap_minutes",
        example="revisit_gap_minutes=120",
        unit="minutes",
    )
    if gap is not None:
        problems.append(gap)


def _check_search(
    problems: list[str],
    *,
    time_limit_s: object,
    solution_limit: object,
    max_snap_distance_m: object,
    order: object,
    mode: object,
    seed: object,
) -> None:
    """Note the problems of the search's parameters: limits, snapping, order, mode."""
    checks = (
        positive_number(
            time_limit_s, "time_limit_s", example="time_limit_s=10", unit="seconds"
        ),
        whole_number(solution_limit, "solution_limit", example="solution_limit=100"),
        non_negative_number(
            max_snap_distance_m,
            "max_snap_distance_m",
            example="max_snap_distance_m=150",
        ),
    )
    problems.extend(p for p in checks if p is not None)
    bad_order = one_of(order, "order", ("optimal", "random"))
    if bad_order is not None:
        problems.append(
            f"{bad_order} Pass order='random' for the Sacramento-style random "
            "visiting order."
        )
    bad_mode = one_of(mode, "mode", sorted(DEFAULT_SPEED_KMH))
    if bad_mode is not None:
        problems.append(f"{bad_mode} Pass mode='walking', 'ebike' or 'car'.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        problems.append(f"seed must be an int, got {seed!r}. Pass e.g. seed=0.")


def _check_places(
    targets: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    depots: object,
    team_names: tuple[str, ...],
    problems: list[str],
) -> list[BaseGeometry | None]:
    """Check the CRSs (raise at once) and the depots; the depots' geometries.

    A CRS mismatch raises :class:`~hotspots.errors.CRSError` after the
    problems noted so far (an :class:`~hotspots.errors.InputError` first).
    """
    if targets.crs is None or streets.crs is None or targets.crs != streets.crs:
        msg = (
            f"targets and streets must share one CRS, got {targets.crs!r} and "
            f"{streets.crs!r}. Reproject with targets.to_crs(streets.crs)."
        )
        collect_problems(problems, "plan_patrols")
        raise CRSError(msg)
    depot_geoms = _depot_geoms(depots, streets.crs, problems)
    if team_names and len(depot_geoms) not in (1, len(team_names)):
        problems.append(
            f"depots must hold one point for all teams or one per team "
            f"({len(team_names)}), got {len(depot_geoms)}. Pass one depot per team."
        )
    return depot_geoms


def _shift_start_minutes(
    shift_start: str | dt.time | None, problems: list[str]
) -> float | None:
    """Clock minutes of ``shift_start`` (None without one; problems noted)."""
    if shift_start is None:
        return None
    try:
        return _clock_minutes(shift_start)
    except (ValueError, TypeError):
        problems.append(
            f"shift_start must be a clock time 'HH:MM' or a datetime.time, got "
            f"{shift_start!r}. Pass e.g. shift_start='08:00'."
        )
        return None


@dataclass(frozen=True)
class _TargetColumns:
    """The columns of ``targets`` the caller named (None: the usual ones)."""

    score: str
    target_id: str | None
    reason: str | None


@dataclass(frozen=True)
class _Targets:
    """The targets as the planner sees them, by position in ``targets``."""

    ids: npt.NDArray[np.object_]
    scores: FloatArray
    reason_text: npt.NDArray[np.object_]
    reason_zh: npt.NDArray[np.object_]
    reason_en: npt.NDArray[np.object_]
    windows_of: Mapping[int, list[tuple[float, float]]]


@dataclass(frozen=True)
class _ReadTargets:
    """What :func:`_read_targets` found: scores, ids, reason column, windows."""

    ids: npt.NDArray[np.object_]
    scores: FloatArray
    reason_col: str | None
    windows_of: Mapping[int, list[tuple[float, float]]]

    def table(self, targets: pd.DataFrame) -> _Targets:
        """Return the targets for the planner, with their reason texts."""
        return _Targets(
            ids=self.ids,
            scores=self.scores,
            reason_text=_text_or_none(targets, self.reason_col),
            reason_zh=_text_or_none(targets, REASON_ZH),
            reason_en=_text_or_none(targets, REASON_EN),
            windows_of=self.windows_of,
        )


def _read_targets(
    targets: gpd.GeoDataFrame,
    columns: _TargetColumns,
    time_windows: Mapping[object, object] | None,
    start_min: float | None,
    problems: list[str],
) -> _ReadTargets:
    """Read the scores, ids, reason column and time windows (problems noted)."""
    scores = _scores_of(targets, columns.score, problems)
    id_col = _resolve_column(
        targets,
        columns.target_id,
        _ID_CANDIDATES,
        what="target_id",
        fix="Pass the column of target ids.",
        problems=problems,
    )
    ids = (
        targets[id_col].astype(str).to_numpy(dtype=object)
        if id_col is not None
        else targets.index.astype(str).to_numpy(dtype=object)
    )
    dup_mask = pd.Series(ids).duplicated().to_numpy()
    if dup_mask.any():
        dup = ids[dup_mask][:5].tolist()
        problems.append(
            f"target ids must be unique, got duplicates {dup!r}. Pass target_id= a "
            "column of unique ids."
        )
    reason_col = _resolve_column(
        targets,
        columns.reason,
        _REASON_CANDIDATES,
        what="reason",
        fix="Pass reason=None or an existing column.",
        problems=problems,
    )
    windows_of = _time_windows(time_windows, ids, id_col, start_min, problems)
    return _ReadTargets(
        ids=ids, scores=scores, reason_col=reason_col, windows_of=windows_of
    )


def _scores_of(targets: pd.DataFrame, score: str, problems: list[str]) -> FloatArray:
    """Return the score column as floats (zeros without it; problems noted)."""
    if score not in targets.columns:
        problems.append(
            f"targets must have the score column {score!r}, got columns "
            f"{list(targets.columns)!r}. Pass score='<column>' naming it."
        )
        return np.zeros(len(targets))
    scores: FloatArray = pd.to_numeric(targets[score], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = ~np.isfinite(scores) | (scores < 0)
    if bad.any():
        problems.append(
            f"targets[{score!r}] must be finite numbers >= 0, got "
            f"{int(bad.sum())} others (e.g. "
            f"{targets[score][bad].head(3).tolist()!r}). Fill or drop them "
            "before planning."
        )
    return scores


def _time_windows(
    time_windows: Mapping[object, object] | None,
    ids: npt.NDArray[np.object_],
    id_col: str | None,
    start_min: float | None,
    problems: list[str],
) -> dict[int, list[tuple[float, float]]]:
    """Return the targets' windows by position, in minutes from the shift start."""
    windows_of: dict[int, list[tuple[float, float]]] = {}
    if time_windows is None:
        return windows_of
    if not isinstance(time_windows, Mapping):
        msg = (
            "time_windows must be a dict {target_id: [(start, end), ...]}, got "
            f"{type(time_windows).__name__}."
        )
        raise TypeError(msg)
    position = {tid: k for k, tid in enumerate(ids)}
    unknown = [k for k in time_windows if str(k) not in position]
    if unknown:
        problems.append(
            f"time_windows names targets that are not in targets, got "
            f"{unknown[:5]!r}. Use ids of the {id_col or 'index'!r} column."
        )
    for key, raw in time_windows.items():
        if str(key) in position:
            w = _windows_for(raw, start_min, str(key), problems)
            if w is not None:
                windows_of[position[str(key)]] = w
    return windows_of


# ------------------------------------------------------------------------------
# the plan in three steps: build the routing problem, solve it, assemble
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Settings:
    """The planning parameters, checked and converted."""

    team_names: tuple[str, ...]
    shift: float
    dwell: float
    revisit: float | None
    revisit_top: int
    revisit_gap: float
    seed: int
    order: Order
    shift_start: str | None
    solver: SolverSettings


@dataclass(frozen=True)
class _Located:
    """The street graph, the snapped depots (one per team) and targets."""

    graph: StreetGraph
    depots: Snapped
    targets: Snapped
    reasons: npt.NDArray[np.object_]  # why a target cannot be snapped, "" if it is
    out_crs: pyproj.CRS


def _locate(
    graph: StreetGraph,
    targets: gpd.GeoDataFrame,
    *,
    depot_geoms: list[BaseGeometry | None],
    team_names: tuple[str, ...],
    max_snap_distance_m: float,
    out_crs: pyproj.CRS,
) -> _Located:
    """Snap the depots (raise if one is too far) and the targets to the streets."""
    n_v = len(team_names)
    if len(depot_geoms) == 1:
        depot_geoms = depot_geoms * n_v
    depot_snap = _snap_depots(graph, depot_geoms, team_names, max_snap_distance_m)
    geo = targets.geometry
    geo_m = geo if targets.crs == graph.crs else geo.to_crs(graph.crs)
    target_snap = snap(graph, geo_m.to_numpy(), max_distance_m=max_snap_distance_m)
    missing = shapely.is_missing(geo.to_numpy()) | shapely.is_empty(geo.to_numpy())
    reasons = np.full(len(targets), "", dtype=object)
    reasons[missing] = NO_GEOMETRY
    reasons[~missing & ~target_snap.ok] = TOO_FAR
    return _Located(
        graph=graph,
        depots=depot_snap,
        targets=target_snap,
        reasons=reasons,
        out_crs=out_crs,
    )


def _snap_depots(
    graph: StreetGraph,
    geoms: list[BaseGeometry | None],
    team_names: tuple[str, ...],
    max_distance_m: float,
) -> Snapped:
    """Snap every team's depot to the streets, or raise naming the far ones."""
    series = gpd.GeoSeries(geoms, crs=graph.source_crs)
    if graph.source_crs != graph.crs:
        series = series.to_crs(graph.crs)
    snapped = snap(graph, series.to_numpy(), max_distance_m=max_distance_m)
    problems = []
    for k in np.flatnonzero(~snapped.ok):
        d = snapped.distance_m[k]
        got = "no geometry" if not np.isfinite(d) else f"{d:.0f} m from the nearest"
        problems.append(
            f"depot of team {team_names[k]!r} must lie within max_snap_distance_m="
            f"{max_distance_m!r} of a street, got {got} street. Move the depot onto "
            "the street network or raise max_snap_distance_m."
        )
    collect_problems(problems, "depots")
    return snapped


#: (target position, visit, reason) of a target visit left out of the plan.
_LeftOut = tuple[int, int, str]


@dataclass(frozen=True)
class _Built:
    """The routing problem and what was left out while building it."""

    points: Snapped  # the depots, then the snapped targets
    table: TravelTable
    snapped_pos: IntArray  # target position of every snapped target
    problem: Problem
    left: tuple[_LeftOut, ...]
    returns: frozenset[int]  # target positions that get a return visit


@dataclass(frozen=True)
class _Solved:
    """The routes (node lists per team), what stopped the search, visits dropped."""

    routes: list[list[int]]
    stopped_by: str
    left: tuple[_LeftOut, ...]


def _plan(located: _Located, targets: _Targets, settings: _Settings) -> PatrolPlan:
    """Plan the routes: build the routing problem, solve it, assemble the plan.

    Parameters
    ----------
    located
        The street graph and the snapped depots and targets.
    targets
        Ids, scores, reason texts and time windows of the targets.
    settings
        The checked planning parameters.

    Returns
    -------
    PatrolPlan
        Routes, stops and the targets left out, in ``located.out_crs``.
    """
    built = _build(located, targets, settings)
    solved = _solve_routes(built, settings)
    return _assemble(located, targets, settings, built, solved)


def _build(located: _Located, targets: _Targets, settings: _Settings) -> _Built:
    """Build the routing problem: travel times, the visits and who may make them.

    Warns (:class:`~hotspots.errors.HotspotsWarning`) when targets cannot be
    visited at all, and when the shift is too short for any visit.
    """
    n_v = len(settings.team_names)
    snapped_pos = np.flatnonzero(located.targets.ok)
    depots, tsnap = located.depots, located.targets
    points = Snapped(
        segment=np.concatenate([depots.segment, tsnap.segment[snapped_pos]]),
        offset_m=np.concatenate([depots.offset_m, tsnap.offset_m[snapped_pos]]),
        distance_m=np.concatenate([depots.distance_m, tsnap.distance_m[snapped_pos]]),
        point=np.concatenate([depots.point, tsnap.point[snapped_pos]]),
    )
    table = _travel(located.graph, points, n_v, settings)
    travel_min = table.metres / located.graph.metres_per_minute
    unsnapped = [
        (k, 1, str(located.reasons[k])) for k in np.flatnonzero(~tsnap.ok).tolist()
    ]
    visits = _visits(travel_min, snapped_pos, targets, settings)
    left = (*unsnapped, *visits.left)
    _warn_unvisitable(left, len(targets.ids), len(visits.nodes), settings)
    problem = Problem(
        travel_min=travel_min,
        n_vehicles=n_v,
        depot_point=tuple(range(n_v)),
        nodes=visits.nodes,
        scores=np.asarray(visits.scores, dtype=np.float64),
        allowed=visits.allowed,
        dwell=settings.dwell,
        shift=settings.shift,
    )
    return _Built(
        points=points,
        table=table,
        snapped_pos=snapped_pos,
        problem=problem,
        left=left,
        returns=visits.returns,
    )


def _travel(
    graph: StreetGraph, points: Snapped, n_v: int, settings: _Settings
) -> TravelTable:
    """:func:`travel_table` between the depots and the targets a team can visit.

    A target whose shortest round trip from every depot, with its visit,
    takes longer than the shift is never visited, so it needs no distances
    to the other targets: only the depots' (from :func:`depot_legs`, two
    searches per depot), which is what tells that it does not fit. The full
    table (one search per point) is computed among the rest only. A walking
    team's shift covers a small part of a large city, where this leaves out
    most targets before the costly table. Distances of a left-out target to
    other targets are ``inf`` (choice -1); they are never used.
    """
    n = len(points.segment)
    out, back = depot_legs(graph, points, n_v)
    round_min = (out.T + back).min(axis=1) / graph.metres_per_minute
    # a margin far above rounding: the way back is summed from the other end
    far = np.isfinite(round_min) & (
        round_min + settings.dwell > settings.shift * (1.0 + 1e-9) + 1e-6
    )
    far[:n_v] = False
    if not far.any():
        return travel_table(graph, points)
    keep = np.flatnonzero(~far)
    part = travel_table(graph, _subset(points, keep))
    metres = np.full((n, n), np.inf)
    metres[np.ix_(keep, keep)] = part.metres
    metres[:n_v, far] = out[:, far]
    metres[np.ix_(far, np.arange(n_v))] = back[far]
    np.fill_diagonal(metres, 0.0)
    choice = np.full((n, n), -1, dtype=np.int64)
    choice[np.ix_(keep, keep)] = part.choice
    np.fill_diagonal(choice, 4)
    return TravelTable(metres, choice)


def _subset(points: Snapped, keep: IntArray) -> Snapped:
    return Snapped(
        segment=points.segment[keep],
        offset_m=points.offset_m[keep],
        distance_m=points.distance_m[keep],
        point=points.point[keep],
    )


@dataclass(frozen=True)
class _Visits:
    """The visits the solver may make, and the visits no team can make."""

    nodes: tuple[Node, ...]
    scores: tuple[float, ...]
    allowed: tuple[tuple[int, ...], ...]
    left: tuple[_LeftOut, ...]
    returns: frozenset[int]


def _slots(settings: _Settings) -> list[tuple[float, float]]:
    """Return the visit slots of a target: the shift, or one per revisit interval."""
    shift, revisit = settings.shift, settings.revisit
    if revisit is None:
        return [(0.0, shift)]
    n_slots = max(1, math.ceil(shift / revisit - 1e-9))
    return [
        (s * revisit, min((s + 1) * revisit - 1.0 / 60.0, shift))
        for s in range(n_slots)
    ]


def _visits(
    travel_min: FloatArray,
    snapped_pos: IntArray,
    targets: _Targets,
    settings: _Settings,
) -> _Visits:
    """Every visit (a copy per revisit slot) with the teams that can make it."""
    n_v = len(settings.team_names)
    shift, dwell, scores = settings.shift, settings.dwell, targets.scores
    windows_of = targets.windows_of
    nodes: list[Node] = []
    node_scores: list[float] = []
    allowed: list[tuple[int, ...]] = []
    left: list[_LeftOut] = []
    depot_pts = np.arange(n_v)
    # Koper-style return visits: the top targets with a window come back
    # revisit_gap minutes after it (the window shifted by the gap)
    windowed = [k for k in snapped_pos.tolist() if int(k) in windows_of]
    windowed.sort(key=lambda k: (-scores[k], k))
    returns = frozenset(windowed[: settings.revisit_top])
    gap = settings.revisit_gap
    for j, k in enumerate(snapped_pos.tolist()):
        p = n_v + j
        base = windows_of.get(int(k), [(0.0, shift)])
        slots = _slots(settings)
        bases = [base] * len(slots)
        if k in returns:
            slots = [(0.0, shift), (0.0, shift)]
            bases = [base, [(a + gap, b + gap) for a, b in base]]
        out_t = travel_min[depot_pts, p]
        back_t = travel_min[p, depot_pts]
        reach = np.isfinite(out_t) & np.isfinite(back_t)
        for visit, ((a, b), base) in enumerate(zip(slots, bases, strict=True), 1):
            wins = _intersect(base, max(a, 0.0), min(b, shift))
            if not reach.any():
                left.append((int(k), visit, UNREACHABLE))
                continue
            if scores[k] <= 0:
                left.append((int(k), visit, ZERO_SCORE))
                continue
            ok_v = []
            for v in np.flatnonzero(reach).tolist():
                arr = arrive(float(out_t[v]), wins)
                if arr + dwell + float(back_t[v]) <= shift + 1e-9:
                    ok_v.append(int(v))
            if not ok_v:
                fits_without = any(
                    arrive(float(out_t[v]), [(a, b)]) + dwell + float(back_t[v])
                    <= shift + 1e-9
                    for v in np.flatnonzero(reach).tolist()
                )
                why = (
                    TIME_WINDOW if (int(k) in windows_of and fits_without) else NO_TIME
                )
                left.append((int(k), visit, why))
                continue
            nodes.append(Node(target=j, visit=visit, windows=wins))
            node_scores.append(float(scores[k]))
            allowed.append(tuple(ok_v))
    return _Visits(
        nodes=tuple(nodes),
        scores=tuple(node_scores),
        allowed=tuple(allowed),
        left=tuple(left),
        returns=returns,
    )


def _warn_unvisitable(
    left: Sequence[_LeftOut], n_targets: int, n_nodes: int, settings: _Settings
) -> None:
    """Warn about targets no team can visit, and about a shift too short for any."""
    n_unreach = sum(1 for _, v, r in left if r == UNREACHABLE and v == 1)
    n_nogeo = sum(1 for _, _, r in left if r == NO_GEOMETRY)
    n_far = sum(1 for _, _, r in left if r == TOO_FAR)
    # stacklevel: _warn_unvisitable < _build < _plan < plan_patrols < caller
    if n_nogeo or n_far or n_unreach:
        warnings.warn(
            f"{n_nogeo + n_far + n_unreach} of {n_targets} targets cannot be "
            f"visited: {n_nogeo} without geometry, {n_far} farther than the snapping "
            f"distance from any street, {n_unreach} unreachable from every depot "
            "(disconnected street network). They are in plan.left_out with the "
            "reason.",
            HotspotsWarning,
            stacklevel=5,
        )
    candidates = sum(1 for _, _, r in left if r in (NO_TIME, TIME_WINDOW)) + n_nodes
    if candidates and not n_nodes:
        warnings.warn(
            f"shift_minutes={settings.shift!r} is too short for any visit: no "
            f"target can be reached, visited for {settings.dwell!r} minutes and "
            "left in time to return to a depot. Every target is left out.",
            HotspotsWarning,
            stacklevel=5,
        )


def _solve_routes(built: _Built, settings: _Settings) -> _Solved:
    """Solve the routing problem; random order and return visits applied."""
    prob = built.problem
    nodes = prob.nodes
    solution = solve(prob, settings.solver)
    routes = solution.routes
    if settings.order == "random":
        routes = shuffle_routes(prob, routes, settings.seed)
    if built.returns:
        # a return visit without the first one is no return: leave it out
        # (dropping a stop never makes a route late: waits absorb the gain)
        firsts = {nodes[k].target for seq in routes for k in seq if nodes[k].visit == 1}
        routes = [
            [k for k in seq if nodes[k].visit == 1 or nodes[k].target in firsts]
            for seq in routes
        ]
    visited = {k for seq in routes for k in seq}
    left = tuple(
        (int(built.snapped_pos[nd.target]), nd.visit, NO_TIME)
        for k, nd in enumerate(nodes)
        if k not in visited
    )
    return _Solved(routes=routes, stopped_by=solution.stopped_by, left=left)


@dataclass(frozen=True)
class _Rows:
    """The stops' and the routes' rows and geometries, in route order."""

    stops: list[dict[str, object]]
    stop_geoms: list[object]
    routes: list[dict[str, object]]
    route_geoms: list[object]


def _assemble(
    located: _Located,
    targets: _Targets,
    settings: _Settings,
    built: _Built,
    solved: _Solved,
) -> PatrolPlan:
    """Assemble the plan: the stops, the routes and the targets left out."""
    rows = _rows(located, targets, settings, built, solved.routes)
    crs = located.graph.crs
    stops = gpd.GeoDataFrame(
        pd.DataFrame(rows.stops, columns=list(_STOP_TYPES)).astype(_STOP_TYPES),
        geometry=gpd.GeoSeries(rows.stop_geoms, crs=crs),
        crs=crs,
    )
    routes = gpd.GeoDataFrame(
        pd.DataFrame(rows.routes, columns=list(_ROUTE_TYPES)).astype(_ROUTE_TYPES),
        geometry=gpd.GeoSeries(rows.route_geoms, crs=crs),
        crs=crs,
    )
    if located.graph.crs != located.graph.source_crs:
        stops = stops.to_crs(located.out_crs)
        routes = routes.to_crs(located.out_crs)
    left_out = _left_out_frame([*built.left, *solved.left], targets)
    total_score = float(stops[SCORE].sum()) if len(stops) else 0.0
    possible = float(stops[SCORE].sum() + left_out[SCORE].sum())
    return PatrolPlan(
        routes=routes,
        stops=stops,
        left_out=left_out,
        total_score=total_score,
        covered_share=total_score / possible if possible > 0 else 0.0,
        teams=settings.team_names,
        mode=located.graph.mode,
        speed_kmh=located.graph.speed_kmh,
        shift_minutes=settings.shift,
        dwell_minutes=settings.dwell,
        shift_start=settings.shift_start,
        order=settings.order,
        search_stopped_by=solved.stopped_by,
    )


#: Columns of ``PatrolPlan.stops`` and their dtypes, in order.
_STOP_TYPES: Final[dict[str, str]] = {
    TEAM: "string",
    ORDER: "int64",
    TARGET_ID: "string",
    VISIT: "int64",
    ARRIVAL: "float64",
    DEPARTURE: "float64",
    ARRIVAL_CLOCK: "string",
    DEPARTURE_CLOCK: "string",
    DWELL_MIN: "float64",
    TRAVEL_MIN: "float64",
    SCORE: "float64",
    WINDOW: "string",
    REASON: "string",
    REASON_ZH: "string",
    REASON_EN: "string",
}
#: Columns of ``PatrolPlan.routes`` (before the geometry) and their dtypes.
_ROUTE_TYPES: Final[dict[str, str]] = {
    TEAM: "string",
    N_STOPS: "int64",
    TOTAL_SCORE: "float64",
    DURATION_MIN: "float64",
    DISTANCE_M: "float64",
}


def _rows(
    located: _Located,
    targets: _Targets,
    settings: _Settings,
    built: _Built,
    routes: list[list[int]],
) -> _Rows:
    """One row per stop and per route, with the street paths of the routes."""
    n_v = len(settings.team_names)
    prob, table, snapped_pos = built.problem, built.table, built.snapped_pos
    nodes, scores, dwell = prob.nodes, targets.scores, settings.dwell
    legs: list[tuple[int, int]] = []
    for v, seq in enumerate(routes):
        legs.extend(itertools.pairwise([v, *[n_v + nodes[k].target for k in seq], v]))
    paths = leg_paths(located.graph, built.points, legs, table=table)
    out = _Rows(stops=[], stop_geoms=[], routes=[], route_geoms=[])
    cursor = 0
    for v, seq in enumerate(routes):
        times = route_times(prob, v, seq)
        if times is None:  # cannot happen: the solver's times are conservative
            msg = (
                f"internal error: the route of team {settings.team_names[v]!r} "
                "is infeasible."
            )
            raise HotspotsError(msg)
        pts = [v, *[n_v + nodes[k].target for k in seq], v]
        route_paths = paths[cursor : cursor + len(pts) - 1]
        cursor += len(pts) - 1
        dist = float(sum(float(table.metres[a, b]) for a, b in itertools.pairwise(pts)))
        total = 0.0
        for o, k in enumerate(seq):
            tpos = int(snapped_pos[nodes[k].target])
            total += float(scores[tpos])
            arrival = times.arrivals[o]
            out.stops.append(
                {
                    TEAM: settings.team_names[v],
                    ORDER: o + 1,
                    TARGET_ID: targets.ids[tpos],
                    VISIT: nodes[k].visit,
                    ARRIVAL: arrival,
                    DEPARTURE: arrival + dwell,
                    ARRIVAL_CLOCK: _clock_or_na(arrival, settings.shift_start),
                    DEPARTURE_CLOCK: _clock_or_na(
                        arrival + dwell, settings.shift_start
                    ),
                    DWELL_MIN: dwell,
                    TRAVEL_MIN: times.travels[o],
                    SCORE: float(scores[tpos]),
                    WINDOW: _window_text(
                        nodes[k].windows, settings.shift, settings.shift_start
                    ),
                    REASON: targets.reason_text[tpos],
                    REASON_ZH: targets.reason_zh[tpos],
                    REASON_EN: targets.reason_en[tpos],
                }
            )
            out.stop_geoms.append(located.targets.point[tpos])
        out.routes.append(
            {
                TEAM: settings.team_names[v],
                N_STOPS: len(seq),
                TOTAL_SCORE: total,
                DURATION_MIN: times.end if seq else 0.0,
                DISTANCE_M: dist if seq else 0.0,
            }
        )
        out.route_geoms.append(path_line(route_paths) if seq else None)
    return out


def _left_out_frame(left: list[_LeftOut], targets: _Targets) -> pd.DataFrame:
    """Return the visits left out, by target position and visit, with their reasons."""
    left.sort(key=lambda r: (r[0], r[1]))
    ids, scores = targets.ids, targets.scores
    return pd.DataFrame(
        {
            TARGET_ID: pd.array([ids[k] for k, _, _ in left], dtype="string"),
            VISIT: np.array([v for _, v, _ in left], dtype=np.int64),
            SCORE: np.array([scores[k] for k, _, _ in left], dtype=np.float64),
            REASON: pd.array([r for _, _, r in left], dtype="string"),
            REASON_ZH: pd.array(
                [LEFT_OUT_REASONS[r]["zh"] for _, _, r in left], dtype="string"
            ),
        }
    )


def _text_or_none(frame: pd.DataFrame, column: str | None) -> npt.NDArray[np.object_]:
    """Return the column as text (None where missing; all None without it)."""
    if column is None or column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    values: npt.NDArray[np.object_] = np.array(
        [None if pd.isna(v) else str(v) for v in frame[column]], dtype=object
    )
    return values


def _window_text(
    windows: Sequence[tuple[float, float]], shift: float, shift_start: str | None
) -> str | None:
    """Say a stop's windows as text ("18:00-18:45"), None when it has none."""
    if tuple(windows) == ((0.0, shift),):
        return None
    start = None if shift_start is None else _clock_minutes(shift_start)
    return "; ".join(
        f"{_format_time(a, start)}-{_format_time(b, start)}" for a, b in windows
    )


def _clock_or_na(minutes: float, shift_start: str | None) -> str | None:
    """``HH:MM`` clock time of ``minutes`` from the shift start, None without one."""
    if shift_start is None:
        return None
    return _format_time(minutes, _clock_minutes(shift_start))
