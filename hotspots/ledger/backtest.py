"""Backtest of risk forecasts: hit rate and PAI with a rolling origin.

How much of next period's reports would the top of the risk map have caught?

:func:`backtest` replays history one period at a time (a rolling origin):
for every target period it forecasts with :func:`hotspots.forecast` as of the
period's start, using only earlier reports, ranks the units by risk, takes the
top-ranked units covering each share of the district's area (or street
length) and counts the share of the period's reports that fell inside them.

The coverage rule
-----------------
Units are taken in risk-rank order until their cumulative area (street
length for ``measure="length"``) first reaches the coverage share: the unit
that crosses the threshold is included, so the covered share is at least the
nominal one and is never short of it. The hit rate is divided by the *actual*
covered share, so the PAI is never inflated by the unit that overshoots.
Units with equal risk are taken in the units' order (deterministic).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core import labels as _labels
from .._core.schema import DEFAULT_TZ, GRID_ID
from .._core.types import FloatArray, TimeLike
from ..errors import CRSError, InputError, collect_problems
from ..spatial.cube import period_labels, period_range, period_start
from .forecast import (
    NEEDS_XY,
    PARAMETERS,
    RISK_RANK,
    ForecastParams,
    PreparedReports,
    SeppFit,
    forecast_prepared,
    local_timestamp,
    prepare_reports,
    validate_forecast,
)

__all__ = [
    "COLUMN_LABELS",
    "DEFAULT_METHODS",
    "MIN_HISTORY_PERIODS",
    "BacktestResult",
    "NotEnoughHistoryError",
    "backtest",
]

#: Methods compared when none are named.
DEFAULT_METHODS: Final = ("last", "moving", "ewma", "kde", "prospective", "sepp")
#: Chinese and English names of the result columns and methods (hotspots._core.labels).
COLUMN_LABELS: Final = _labels.BACKTEST_COLUMNS
METHOD_LABELS: Final = _labels.FORECAST_METHODS
_PERIOD_COLUMNS: Final = (
    "method",
    "period",
    "coverage",
    "hit_rate",
    "area_share",
    "pai",
    "n_reports",
    "n_units",
)

_LABEL: Final = re.compile(r"^\d{4}-(W\d{2}|\d{2}(-\d{2})?)$")
#: Periods of reports a backtest needs before its first target period.
MIN_HISTORY_PERIODS: Final = 1
_PERIOD_NAMES: Final = {"D": ("day", "days"), "MS": ("month", "months")}


class NotEnoughHistoryError(InputError):
    """The backtest's first period has too little history before it.

    The message names the periods of history there are, how many are needed
    and the earliest period the backtest could start with, in words a
    command-line user can act on (no Python syntax). The weekly job catches
    it to skip the backtest with a notice.

    Attributes
    ----------
    periods_available
        Periods (weeks by default) from the first report's period up to the
        backtest's first period, that one excluded (0 when it is not later).
    periods_needed
        Periods of history needed (:data:`MIN_HISTORY_PERIODS`).
    first_target
        Label of the backtest's first period (e.g. ``"2026-W34"``).
    first_report_period
        Label of the period of the first report.
    earliest_start
        Label of the earliest period the backtest could start with.
    max_periods
        Most periods a backtest ending with the same period can cover (0 when
        even that period has no history before it).
    """

    def __init__(
        self,
        message: str,
        *,
        periods_available: int,
        periods_needed: int,
        first_target: str,
        first_report_period: str,
        earliest_start: str,
        max_periods: int,
    ) -> None:
        super().__init__(message)
        self.periods_available = periods_available
        self.periods_needed = periods_needed
        self.first_target = first_target
        self.first_report_period = first_report_period
        self.earliest_start = earliest_start
        self.max_periods = max_periods


@dataclass(frozen=True)
class BacktestResult:
    """The outcome of :func:`backtest`.

    Attributes
    ----------
    periods
        One row per method, target period and coverage: ``method``,
        ``period`` (label), ``coverage`` (nominal share), ``hit_rate`` (share
        of the period's reports inside the selected units), ``area_share``
        (actual share of area or length covered), ``pai`` (hit rate / area
        share), ``n_reports`` (the period's reports with a unit) and
        ``n_units`` (units selected). Hit rate and PAI are NaN for a period
        without reports.
    summary
        One row per method and coverage: ``hit_rate_mean``, ``hit_rate_std``,
        ``pai_mean``, ``pai_std``, ``area_share_mean`` and ``n_periods``
        (periods with reports), over the target periods.
    measure
        ``"area"`` or ``"length"``.
    seconds
        Wall time per method (forecasting and scoring), for the record.
    """

    periods: pd.DataFrame
    summary: pd.DataFrame
    measure: str
    seconds: Mapping[str, float] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Return the per-period table (a copy)."""
        return self.periods.copy()

    def summary_table(
        self, language: Literal["zh", "en"] = "zh", *, coverage: float | None = None
    ) -> pd.DataFrame:
        """Return the summary with translated column and method names.

        Parameters
        ----------
        language
            ``"zh"`` (default) or ``"en"``.
        coverage
            Keep only this coverage share (e.g. 0.05); None keeps all.

        Returns
        -------
        pandas.DataFrame
            The summary, rates and PAI rounded to 3 decimals, ready for the
            weekly summary.

        Raises
        ------
        InputError
            When ``language`` is unknown or ``coverage`` was not backtested.
        """
        if (problem := _labels.language_problem(language)) is not None:
            raise InputError(problem)
        table = self.summary.copy()
        if coverage is not None:
            keep = np.isclose(table["coverage"].to_numpy(dtype=float), coverage)
            if not keep.any():
                msg = (
                    f"coverage must be one of the backtested shares "
                    f"{sorted(set(table['coverage']))!r}, got {coverage!r}."
                )
                raise InputError(msg)
            table = table.loc[keep]
        table["method"] = [
            METHOD_LABELS.get(str(m), {}).get(language, str(m)) for m in table["method"]
        ]
        num = table.select_dtypes("number").columns.drop(["n_periods"], errors="ignore")
        table[num] = table[num].round(3)
        table = table.rename(
            columns={c: COLUMN_LABELS[c][language] for c in table.columns}
        )
        return table.reset_index(drop=True)

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """Write the PAI and hit-rate curves (mean over periods) as a PNG.

        Parameters
        ----------
        path
            Where to write the PNG (written atomically).

        Returns
        -------
        pathlib.Path
            The written file.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9.0, 4.0), dpi=100)
        FigureCanvasAgg(fig)
        ax_hit, ax_pai = fig.subplots(1, 2)
        for method, part in self.summary.groupby("method", sort=False):
            part = part.sort_values("coverage")
            x = 100.0 * part["coverage"].to_numpy(dtype=float)
            name = METHOD_LABELS.get(str(method), {}).get("en", str(method))
            ax_hit.plot(
                x, 100.0 * part["hit_rate_mean"].to_numpy(dtype=float), "o-", label=name
            )
            ax_pai.plot(x, part["pai_mean"].to_numpy(dtype=float), "o-", label=name)
        unit = "area" if self.measure == "area" else "street length"
        ax_hit.set_xlabel(f"share of {unit} covered (%)")
        ax_hit.set_ylabel("hit rate (%)")
        ax_hit.set_title("Hit rate")
        ax_pai.set_xlabel(f"share of {unit} covered (%)")
        ax_pai.set_ylabel("PAI (hit rate / share covered)")
        ax_pai.set_title("Predictive Accuracy Index")
        ax_pai.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax_pai.legend(fontsize=8)
        fig.tight_layout()
        target = Path(path)
        fd, tmp = tempfile.mkstemp(
            dir=target.parent if str(target.parent) else ".", suffix=".png"
        )
        os.close(fd)
        try:
            fig.savefig(tmp, format="png")
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def score_ranking(
    ranks: npt.ArrayLike,
    measure: npt.ArrayLike,
    counts: npt.ArrayLike,
    coverage: Sequence[float],
) -> pd.DataFrame:
    """Hit rate and PAI of one ranking against one period's reports.

    Parameters
    ----------
    ranks
        Rank of each unit (1 = highest risk).
    measure
        Area (or length) of each unit, any unit of measure.
    counts
        Reports per unit in the target period.
    coverage
        Nominal shares of the total measure to cover, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        ``coverage``, ``hit_rate``, ``area_share``, ``pai``, ``n_reports``,
        ``n_units``, one row per coverage share.

    Raises
    ------
    InputError
        Arrays of different lengths, empty or non-finite values, negative
        measure or counts, a zero total measure, or coverage outside (0, 1].
    TypeError
        ``ranks``, ``measure`` or ``counts`` is not numeric.

    Notes
    -----
    Units are taken in rank order until their cumulative measure first
    reaches ``coverage`` x the total (the unit crossing the threshold is
    included); ``area_share`` is the share actually covered and
    ``pai = hit_rate / area_share`` (Chainey, Tompson and Uhlig 2008).

    References
    ----------
    .. [1] Chainey, S., Tompson, L. and Uhlig, S. (2008). The utility of
       hotspot mapping for predicting spatial patterns of crime. *Security
       Journal* 21, 4-28.

    Examples
    --------
    >>> t = score_ranking([1, 2, 3, 4], [1, 1, 1, 1], [3, 1, 0, 0], [0.25, 0.3])
    >>> t[["hit_rate", "area_share", "pai", "n_units"]].values.tolist()
    [[0.75, 0.25, 3.0, 1.0], [1.0, 0.5, 2.0, 2.0]]
    """
    problems: list[str] = []
    arrays: dict[str, FloatArray] = {}
    for name, value in (("ranks", ranks), ("measure", measure), ("counts", counts)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            msg = (
                f"{name} must be a 1-D sequence of numbers, got {value!r}. Pass "
                f"e.g. {name}=[1, 2, 3]."
            )
            raise TypeError(msg) from None
        if arr.ndim != 1 or len(arr) == 0 or not np.isfinite(arr).all():
            problems.append(
                f"{name} must be a non-empty 1-D sequence of finite numbers, got "
                f"{value!r}. Pass one value per unit."
            )
        elif name != "ranks" and (arr < 0).any():
            problems.append(
                f"{name} must be >= 0, got {int((arr < 0).sum())} negative "
                f"values. Pass the unit {'sizes' if name == 'measure' else 'counts'}."
            )
        arrays[name] = arr
    lengths = {k: len(v) for k, v in arrays.items() if v.ndim == 1}
    if len(set(lengths.values())) > 1:
        problems.append(
            f"ranks, measure and counts must have one value per unit each, got "
            f"lengths {lengths!r}. Pass aligned arrays."
        )
    elif not problems and float(arrays["measure"].sum()) <= 0:
        problems.append(
            f"measure must have a positive total, got {measure!r}. Pass the area "
            "or length of each unit."
        )
    _check_coverage(coverage, problems)
    collect_problems(problems, "invalid arguments to score_ranking")
    return _score_ranking(
        arrays["ranks"].astype(np.int64),
        arrays["measure"],
        arrays["counts"],
        np.asarray(coverage, dtype=np.float64),
    )


def _score_ranking(
    r: npt.NDArray[np.int64], m: FloatArray, c: FloatArray, cov: FloatArray
) -> pd.DataFrame:
    """:func:`score_ranking` on inputs already checked."""
    order = np.argsort(r, kind="stable")
    total_m = float(m.sum())
    total_c = float(c.sum())
    cum_m = np.cumsum(m[order]) / total_m
    cum_c = np.cumsum(c[order])
    # first prefix whose share reaches the coverage (tolerating rounding)
    k = np.minimum(np.searchsorted(cum_m, cov - 1e-12, side="left"), len(r) - 1)
    share = cum_m[k]
    hits = cum_c[k]
    hit_rate = hits / total_c if total_c > 0 else np.full(len(cov), np.nan)
    return pd.DataFrame(
        {
            "coverage": cov,
            "hit_rate": hit_rate,
            "area_share": share,
            "pai": hit_rate / share,
            "n_reports": np.full(len(cov), int(total_c), dtype=np.int64),
            "n_units": (k + 1).astype(np.int64),
        }
    )


def _check_coverage(coverage: object, problems: list[str]) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in coverage)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        values = ()
    if not values or not all(0.0 < v <= 1.0 for v in values):
        problems.append(
            f"coverage must be shares in (0, 1], got {coverage!r}. Pass e.g. "
            "coverage=(0.01, 0.05, 0.10, 0.20)."
        )
        return ()
    return tuple(sorted(set(values)))


def backtest(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    freq: str = "W-MON",
    coverage: Sequence[float] = (0.01, 0.05, 0.10, 0.20),
    unit: str = GRID_ID,
    measure: Literal["area", "length"] = "area",
    method_params: Mapping[str, Mapping[str, Any]] | None = None,
    tz: str = DEFAULT_TZ,
    by_category: bool = False,
    min_category_reports: int = 200,
) -> BacktestResult:
    """Backtest risk forecasts with a rolling origin, one period at a time.

    For every target period from ``start`` to ``end`` and every method,
    :func:`hotspots.forecast` scores the units as of the period's start
    (reports strictly before it only); the units are taken in risk order up
    to each coverage share of the total area (or street length), and the
    share of the target period's reports inside them is the hit rate.

    Parameters
    ----------
    reports
        Reports joined to their units (:func:`hotspots.assign`), with point
        geometry for the spatial methods. Not modified.
    units
        GeoDataFrame of the units with the id column ``unit`` and a CRS.
    methods
        Methods to compare (see :func:`hotspots.forecast`); default
        ``last``, ``moving``, ``ewma``, ``kde``, ``prospective``, ``sepp``.
    start, end
        First and last target period: labels (``"2026-W38"``) or timestamps
        (the period containing them). Default: the last 10 periods with
        reports (``end`` = the last period with a report, ``start`` = 9
        periods before it, or the second period of the data if later).
    freq
        The period, as :func:`hotspots.forecast` (default ``"W-MON"``).
    coverage
        Shares of the area (or length) to cover, in (0, 1] (default 1, 5,
        10 and 20 %).
    unit
        The id column (``"grid_id"`` or ``"segment_id"``).
    measure
        ``"area"`` (default, polygons) or ``"length"`` (street segments) of
        the units, in metres in the local UTM zone.
    method_params
        Parameters per method, e.g. ``{"prospective": {"bandwidth_m": 50}}``;
        names as :func:`hotspots.forecast`'s.
    tz
        Timezone of the calendar (default Asia/Shanghai).
    by_category, min_category_reports
        As :func:`hotspots.forecast`, for every method.

    Returns
    -------
    BacktestResult
        The per-period table, the summary (mean and standard deviation over
        periods per method and coverage), ``plot(path)`` and
        ``summary_table(language)``.

    Raises
    ------
    TypeError
        When ``reports`` is not a DataFrame or ``units`` not a GeoDataFrame.
    NotEnoughHistoryError
        When the first target period has fewer than
        :data:`MIN_HISTORY_PERIODS` periods of reports before it; the message
        and the attributes say how many there are, how many are needed and
        the earliest start (an :class:`~hotspots.errors.InputError`).
    InputError
        When a method, a parameter, the coverage, the measure or the periods
        are wrong.
    CRSError
        When the units have no CRS (areas and lengths need one).

    Notes
    -----
    See the module notes for the coverage rule: the unit crossing the
    threshold is included and the PAI uses the actual covered share.

    References
    ----------
    .. [1] Chainey, S., Tompson, L. and Uhlig, S. (2008). The utility of
       hotspot mapping for predicting spatial patterns of crime. *Security
       Journal* 21, 4-28.
    .. [2] Tashman, L. J. (2000). Out-of-sample tests of forecasting
       accuracy: an analysis and review. *International Journal of
       Forecasting* 16(4), 437-450 (rolling origin).
    """
    methods = tuple(methods) if not isinstance(methods, str) else (methods,)
    params_in = dict(method_params or {})
    cov = _check_options(methods, coverage, measure, params_in)
    merged = {
        m: {**ForecastParams().__dict__, **dict(params_in.get(m, {}))} for m in methods
    }
    for m in methods:
        validate_forecast(
            reports,
            units,
            methods=(m,),
            unit=unit,
            freq=freq,
            tz=tz,
            by_category=by_category,
            min_category_reports=min_category_reports,
            params=merged[m],
            what="backtest",
        )
    if units.crs is None:
        msg = "units need a CRS to measure their area or length. Set it first."
        raise CRSError(msg)
    f = freq.upper()
    prep = prepare_reports(
        reports,
        units,
        unit=unit,
        freq=f,
        tz=tz,
        spatial=any(m in NEEDS_XY for m in methods),
        needs_unit=True,
        by_category=by_category,
        stacklevel=2,
    )
    run = _Run(
        reports=reports,
        units=units,
        prep=prep,
        unit=unit,
        size=_unit_sizes(prep, measure),
        coverage=np.asarray(cov, dtype=np.float64),
        targets=tuple(_targets(prep, start, end, f, tz)),
        by_category=by_category,
        min_category_reports=int(min_category_reports),
    )
    rows: list[pd.DataFrame] = []
    seconds: dict[str, float] = {}
    for m in methods:  # a handful of methods x tens of periods, not per report
        tic = time.perf_counter()
        rows += _score_method(run, m, ForecastParams(**merged[m]))
        seconds[m] = time.perf_counter() - tic
    periods = pd.concat(rows, ignore_index=True)[list(_PERIOD_COLUMNS)]
    periods["method"] = periods["method"].astype(object)
    periods["period"] = periods["period"].astype(object)
    return BacktestResult(
        periods=periods,
        summary=_summary(periods, methods),
        measure=measure,
        seconds=seconds,
    )


def _check_options(
    methods: tuple[str, ...],
    coverage: object,
    measure: object,
    params_in: Mapping[str, object],
) -> tuple[float, ...]:
    """Check the methods, coverage, measure and method parameters; raise once.

    Returns the coverage shares, sorted and distinct.
    """
    problems: list[str] = []
    if not methods:
        problems.append(
            "methods must name at least one method, got an empty list. Pass e.g. "
            "methods=('last', 'ewma', 'sepp')."
        )
    cov = _check_coverage(coverage, problems)
    if measure not in ("area", "length"):
        problems.append(
            f"measure must be 'area' or 'length', got {measure!r}. Pass "
            "measure='length' for street segments."
        )
    for name, values in params_in.items():
        if name not in methods:
            problems.append(
                f"method_params keys must be among methods {list(methods)!r}, got "
                f"{name!r}. Add the method or drop its parameters."
            )
        elif not isinstance(values, Mapping):
            problems.append(
                f"method_params[{name!r}] must be a mapping of parameters, got "
                f"{values!r}. Pass e.g. {{'bandwidth_m': 50}}."
            )
        else:
            bad = [k for k in values if k not in PARAMETERS]
            if bad:
                problems.append(
                    f"method_params[{name!r}] has unknown parameter {bad[0]!r}; "
                    f"known are {list(PARAMETERS)!r}."
                )
    collect_problems(problems, "backtest")
    return cov


def _unit_sizes(prep: PreparedReports, measure: str) -> FloatArray:
    """Area of the polygons (``"area"``) or length of the lines of each unit.

    Raises
    ------
    InputError
        When no unit has that measure (lines for ``"area"`` and so on).
    """
    size = np.where(prep.is_line, prep.measure, 0.0)
    if measure == "area":
        size = np.where(prep.is_line, 0.0, prep.measure)
    if not float(size.sum()) > 0:
        other = "length" if measure == "area" else "area"
        msg = (
            f"measure={measure!r} but the units have no {measure} (they are "
            f"{'lines' if measure == 'area' else 'polygons'}). Pass "
            f"measure={other!r}."
        )
        raise InputError(msg)
    return np.asarray(size, dtype=np.float64)


@dataclass(frozen=True)
class _Run:
    """What every method's backtest reads: the prepared reports and targets."""

    reports: pd.DataFrame
    units: gpd.GeoDataFrame
    prep: PreparedReports
    unit: str
    size: FloatArray  # area or length of each unit
    coverage: FloatArray
    targets: tuple[str, ...]  # the target periods' labels
    by_category: bool
    min_category_reports: int


def _score_method(run: _Run, method: str, params: ForecastParams) -> list[pd.DataFrame]:
    """Forecast every target period with ``method`` and score its ranking."""
    prep = run.prep
    ids_ord = pd.Index(prep.labels)
    state: dict[Any, SeppFit] = {}
    tables = []
    for label in run.targets:
        as_of = period_start([label], freq=prep.freq, tz=prep.tz)[0]
        result = forecast_prepared(
            run.reports,
            run.units,
            prep,
            method=method,
            as_of=as_of,
            unit=run.unit,
            params=params,
            by_category=run.by_category,
            min_category_reports=run.min_category_reports,
            state=state,
        )
        code = int(ids_ord.get_indexer(pd.Index([label]))[0])
        hit = (prep.p == code) & (prep.u >= 0) & (code >= 0)
        counts = np.bincount(prep.u[hit], minlength=len(prep.ids))
        ranks = result[RISK_RANK].to_numpy(dtype=np.int64)
        table = _score_ranking(ranks, run.size, counts.astype(np.float64), run.coverage)
        table.insert(0, "period", label)
        table.insert(0, "method", method)
        tables.append(table)
    return tables


def _summary(periods: pd.DataFrame, methods: Sequence[str]) -> pd.DataFrame:
    g = periods.groupby(["method", "coverage"], sort=False)
    out = g.agg(
        hit_rate_mean=("hit_rate", "mean"),
        hit_rate_std=("hit_rate", "std"),
        pai_mean=("pai", "mean"),
        pai_std=("pai", "std"),
        area_share_mean=("area_share", "mean"),
        n_periods=("hit_rate", "count"),
    ).reset_index()
    order = {m: k for k, m in enumerate(methods)}
    out["_o"] = out["method"].map(order)
    out = out.sort_values(["_o", "coverage"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)


def _targets(
    prep: PreparedReports, start: object, end: object, freq: str, tz: str
) -> list[str]:
    labels: tuple[str, ...] = prep.labels
    have = prep.p[prep.has_t]
    if len(have) == 0:
        msg = "reports must have at least one report with a time, got none."
        raise InputError(msg)
    last_data = labels[int(have.max())]
    first_data = labels[int(have.min())]

    def label_of(value: object, name: str) -> str:
        if isinstance(value, str) and (value in labels or _LABEL.match(value)):
            try:
                return str(period_range(value, value, freq=freq)[0])
            except InputError as err:
                msg = f"{name} must be a period label or a timestamp, got {value!r}."
                raise InputError(msg) from err
        when = local_timestamp(value, tz, name)
        return str(period_labels([when], freq=freq, tz=tz)[0])

    end_label = last_data if end is None else label_of(end, "end")
    if start is None:
        back = period_range(first_data, end_label, freq=freq)
        start_label = back[max(1, len(back) - 10)] if len(back) > 1 else end_label
    else:
        start_label = label_of(start, "start")
    targets = period_range(start_label, end_label, freq=freq)
    if not targets:
        msg = (
            f"end must not be before start, got start={start_label!r} and "
            f"end={end_label!r}. Swap them."
        )
        raise InputError(msg)
    first_start = period_start([targets[0]], freq=freq, tz=tz)[0]
    t_first = int(prep.t_ns[prep.has_t].min())
    if int(first_start.tz_convert("UTC").value) <= t_first:
        raise _not_enough_history(targets[0], targets[-1], first_data, freq, tz)
    return targets


def _not_enough_history(
    first_target: str, last_target: str, first_data: str, freq: str, tz: str
) -> NotEnoughHistoryError:
    """Build the error for a first target period without reports before it."""
    one, many = _PERIOD_NAMES.get(freq, ("week", "weeks"))
    # the first target is not after the first report's period: no history at all
    available = max(len(period_range(first_data, first_target, freq=freq)) - 1, 0)
    start = period_start([first_data], freq=freq, tz=tz)[0]
    ahead = period_labels([start + pd.Timedelta(days=40)], freq=freq, tz=tz)[0]
    earliest = period_range(first_data, str(ahead), freq=freq)[MIN_HISTORY_PERIODS]
    most = len(period_range(earliest, last_target, freq=freq))
    needed = MIN_HISTORY_PERIODS

    def n_of(k: int) -> str:
        return f"{k} {one if k == 1 else many}"

    room = (
        f"Backtest from {earliest} on: at most {n_of(most)} up to {last_target}."
        if most > 0
        else f"Backtest from {earliest} on (after {last_target})."
    )
    msg = (
        f"too little history for the backtest: it needs at least {n_of(needed)} "
        f"of reports before its first {one} {first_target}, and there "
        f"{'is' if available == 1 else 'are'} {n_of(available)} (the reports "
        f"begin in {first_data}). {room}"
    )
    return NotEnoughHistoryError(
        msg,
        periods_available=available,
        periods_needed=needed,
        first_target=first_target,
        first_report_period=first_data,
        earliest_start=earliest,
        max_periods=max(most, 0),
    )
