"""Closing times that follow the planted unit quality (the truth of ``units.csv``).

Each responsible unit of the sample's layer has a true probability
``p_on_time`` of closing a case by its due time
(:func:`~hotspots.sample.responsibility.responsibility_layer`). This module
gives every closed case its unit and its due time exactly as the product
computes them, and draws whether it closed on time from that unit's
``p_on_time``:

- the case is joined to the grid and the street segments as the weekly job
  does (:func:`hotspots.assign` on the streets cut by
  :func:`~hotspots.read.boundaries.segment_streets`; the nearest key place
  within :data:`~hotspots.pipeline.weekly.PLACE_RADIUS_M`), then
  :func:`~hotspots.accountability.responsibility.assign_units` names its
  unit;
- its due time is :func:`~hotspots.accountability.deadlines.deadlines` with
  the sample config's ``[deadlines]`` limits on the Chinese working-day
  calendar;
- on time: it closes at a fraction of the time allowed (up to the end of
  the last week): 0.05 plus 0.9 times a Beta(1.5, 3.5) draw, so most cases
  close well before their due time; late: 1 hour plus an
  exponential delay (mean half a working day), at most 3 days, after the
  due time, and before the end of the last week (a case due within a few
  minutes of the end cannot be both late and closed: it closes on time).

Cases with no unit, and the chained cases of the ``comeback`` blind spots
(closed, then reported again: their closing times are planted truth of their
own), keep the closing times drawn by :mod:`hotspots.sample.tables`. The draws
use their own random stream, so every other draw of the generator is
unchanged.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import warnings
from typing import Final

import numpy as np
import pandas as pd

from .._core import schema as s
from .._core.types import FloatArray
from ..accountability.deadlines import DUE_AT, TimeLimit, deadlines, limit_table
from ..accountability.responsibility import (
    UNIT_ID,
    assign_units,
    nearest_place_ids,
)
from ..errors import HotspotsWarning
from ..pipeline.config import parse_limit
from ..pipeline.weekly import PLACE_RADIUS_M, SEGMENT_LENGTH_M
from ..read.boundaries import metric_crs_of, segment_streets
from ..spatial.join import assign
from .model import District

__all__ = ["planted_closures"]

#: The on-time closing time, as a fraction of the time allowed: 0.05 plus
#: 0.9 times a Beta(1.5, 3.5) draw (mean 0.32: most cases close early).
_ON_TIME_BETA: Final = (1.5, 3.5)
#: Late closing: at least this many days after the due time ...
_LATE_MIN_DAYS: Final = 1.0 / 24.0
#: ... plus an exponential delay of this mean (days), at most _LATE_MAX_DAYS.
_LATE_MEAN_DAYS: Final = 0.5
_LATE_MAX_DAYS: Final = 3.0
_MINUTE: Final = 1.0 / 1440.0


def planted_closures(district: District, truth: pd.DataFrame) -> pd.Series:
    """Return planted closing times of the closed cases that have a unit.

    Parameters
    ----------
    district
        A district whose ``reports`` carry the closing times drawn without
        the layer (the first pass of :func:`make_district`).
    truth
        The planted truth of the responsibility layer (``unit_id``,
        ``p_on_time``).

    Returns
    -------
    pandas.Series
        Closing time in days since the first week's Monday (local midnight,
        whole minutes), indexed by ``report_id``; only closed cases with a
        unit, whose due time is known.
    """
    cases = _owned_cases(district)
    week0 = dt.date.fromisocalendar(
        int(district.weeks[0][:4]), int(district.weeks[0][6:]), 1
    )
    origin = pd.Timestamp(week0)
    as_of = len(district.weeks) * 7.0

    def days(stamps: pd.Series) -> FloatArray:
        local = stamps.dt.tz_convert(s.DEFAULT_TZ).dt.tz_localize(None)
        out: FloatArray = ((local - origin) / pd.Timedelta(days=1)).to_numpy(
            dtype=np.float64
        )
        return out

    p_of = dict(zip(truth["unit_id"], truth["p_on_time"], strict=True))
    closed = cases[s.CLOSED_AT].notna().to_numpy()
    p = cases[UNIT_ID].map(p_of).to_numpy(dtype=np.float64, na_value=np.nan)
    t, due = days(cases[s.REPORTED_AT]), days(cases[DUE_AT])
    keep = closed & ~np.isnan(p) & ~np.isnan(due)
    n = len(cases)
    rng = np.random.default_rng([district.seed, 19])
    on_time = rng.random(n) < p
    fraction = 0.05 + 0.9 * rng.beta(*_ON_TIME_BETA, n)
    late_by = np.minimum(
        _LATE_MIN_DAYS + rng.exponential(_LATE_MEAN_DAYS, n), _LATE_MAX_DAYS
    )
    early = t + fraction * (np.minimum(due, as_of) - t)
    late = np.minimum(due + late_by, as_of - _MINUTE)
    late_ok = ~on_time & (late > due + 2.0 * _MINUTE)
    close = np.where(late_ok, late, early)
    close = np.maximum(np.floor(close * 1440.0), t * 1440.0 + 1.0) / 1440.0
    ids = cases[s.REPORT_ID].astype(str).to_numpy()
    return pd.Series(close[keep], index=pd.Index(ids[keep], name=s.REPORT_ID))


def _owned_cases(district: District) -> pd.DataFrame:
    """Return the reports with ``unit_id`` and ``due_at`` as the weekly job has them."""
    from .district import sample_config
    from .responsibility import responsibility_layer

    units, duties, _ = responsibility_layer(district)
    config = tomllib.loads(sample_config(district))
    grid, streets = district.grid, district.streets
    metric = metric_crs_of(grid)
    with warnings.catch_warnings():
        # reports outside the grid, unowned cases: counted by the product
        warnings.simplefilter("ignore", HotspotsWarning)
        segments = segment_streets(streets, max_length_m=SEGMENT_LENGTH_M)
        cases = assign(
            district.reports,
            grid=grid,
            streets=segments,
            max_street_distance_m=float(config["analysis"]["street_distance_m"]),
        )
        cases[s.PLACE_ID] = nearest_place_ids(
            cases, district.places, metric_crs=metric, radius_m=PLACE_RADIUS_M
        )
        cases = assign_units(
            cases, units, duties, segments=segments, streets=streets, metric_crs=metric
        )
        out: pd.DataFrame = deadlines(
            cases,
            _limits(config, cases[s.CATEGORY]),
            now=cases[s.REPORTED_AT].max(),
            tz=str(config.get("timezone", s.DEFAULT_TZ)),
        )
    return out


def _limits(config: dict[str, object], categories: pd.Series) -> dict[str, TimeLimit]:
    """Return the sample config's time limits, the default for other categories."""
    section = config["deadlines"]
    if not isinstance(section, dict):  # pragma: no cover - the template has it
        msg = "the sample config has no [deadlines] table"
        raise TypeError(msg)
    parsed = {str(k): parse_limit(v) for k, v in section.get("limits", {}).items()}
    limits = {k: v for k, v in parsed.items() if v is not None}
    return limit_table(limits, parse_limit(section.get("default")), categories)
