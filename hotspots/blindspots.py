"""The recurring blind-spot ledger: which places need a patrol, and why.

"Leave no blind spot, no dead corner" (不留盲区、不留死角): a blind spot is a
place where problems keep coming back, come back after being closed, stay
open, or are found by the hotline and the evaluation teams rather than by the
city's own inspectors and cameras. :func:`blind_spots` gathers that evidence
per unit (grid cell or street segment), combines it into a documented score,
ranks the units and writes a one-line reason in Chinese and English, e.g.
"连续6周出现占道经营，3起结案后复发，80%来自12345热线".

Everything is computed for all units at once with pandas/numpy group
operations (the "came back after closing" test is one ``merge_asof``), never
with a loop per unit or per report.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from . import labels
from .crs import local_metric_crs
from .cube import FREQS, period_labels, period_range, period_start
from .errors import InputError, collect_problems
from .schema import (
    CATEGORY,
    CLOSED_AT,
    DEFAULT_TZ,
    GRID_ID,
    NODE_FROM,
    NODE_TO,
    OUTSIDE_SOURCES,
    OWN_SOURCES,
    REOPEN_COUNT,
    REPORTED_AT,
    SOURCE,
    STATUS,
    WEIGHT,
)

__all__ = [
    "COMEBACKS",
    "COMEBACK_SHARE",
    "CURRENT_STREAK",
    "MEDIAN_DAYS_TO_CLOSE",
    "N_REPORTS",
    "OPEN_NOW",
    "OUTSIDE_SHARE",
    "PATTERN",
    "PATTERN_SEVERITY",
    "PERIODS_WITH_REPORTS",
    "RANK",
    "REASON_EN",
    "REASON_ZH",
    "REOPENED",
    "SCORE",
    "SHARE_CLOSED_LATE",
    "TOP_CATEGORIES",
    "WEIGHTED_COUNT",
    "BlindSpotWeights",
    "UnassignedReportsWarning",
    "blind_spot_score",
    "blind_spots",
]

# -- output columns -----------------------------------------------------------------
PERIODS_WITH_REPORTS: Final = "periods_with_reports"
CURRENT_STREAK: Final = "current_streak"
PATTERN: Final = "pattern"
REOPENED: Final = "reopened"
COMEBACKS: Final = "comebacks"
COMEBACK_SHARE: Final = "comeback_share"
OPEN_NOW: Final = "open_now"
MEDIAN_DAYS_TO_CLOSE: Final = "median_days_to_close"
SHARE_CLOSED_LATE: Final = "share_closed_late"
OUTSIDE_SHARE: Final = "outside_share"
N_REPORTS: Final = "n_reports"
WEIGHTED_COUNT: Final = "weighted_count"
TOP_CATEGORIES: Final = "top_categories"
SCORE: Final = "score"
RANK: Final = "rank"
REASON_ZH: Final = "reason_zh"
REASON_EN: Final = "reason_en"

#: Statuses of a report that is still being worked on.
_OPEN_STATUSES: Final = ("open", "dispatched", "reopened")
_NO_PATTERN: Final = "no_pattern"
_NS_PER_DAY: Final = 86_400 * 10**9
_PAIR_CHUNK: Final = 200_000

#: How much each emerging pattern says "this place needs a patrol" (0..1).
#: Cold spots and no pattern say nothing.
PATTERN_SEVERITY: Final[Mapping[str, float]] = {
    "intensifying_hot": 1.0,
    "persistent_hot": 0.9,
    "consecutive_hot": 0.8,
    "new_hot": 0.7,
    "oscillating_hot": 0.6,
    "sporadic_hot": 0.5,
    "diminishing_hot": 0.4,
    "historical_hot": 0.2,
}

FloatArray = npt.NDArray[np.float64]
_PATTERN_ZH: Final = {k: v["zh"] for k, v in labels.PATTERNS.items()}
_PATTERN_EN: Final = {k: v["en"].lower() for k, v in labels.PATTERNS.items()}


class UnassignedReportsWarning(UserWarning):
    """Some reports have no unit (or one not in ``units``) or no time: left out."""


@dataclass(frozen=True)
class BlindSpotWeights:
    """Weights of the evidence in the blind-spot score (each >= 0).

    The field names are those of ``[analysis.blind_spot_weights]`` in the city
    config, so ``BlindSpotWeights(**dataclasses.asdict(config_weights))``
    works. See :func:`blind_spot_score` for what each term measures.

    Attributes
    ----------
    recurrence
        Share of the last periods with a report ("keeps coming back").
    streak
        Current run of consecutive periods with a report ("keeps coming
        back").
    comeback
        Share of the reports that reopened or came back after being closed
        ("not solved").
    open_now
        Reports still open ("not solved").
    late
        Share of the closed reports that were closed late ("not solved").
    outside
        Share of the reports found by the hotline and the evaluation teams
        rather than the city's own inspectors and cameras, above the
        district's share ("not seen").
    volume
        Weighted number of reports ("keeps coming back").
    pattern
        Severity of the emerging hot spot pattern ("keeps coming back").
    """

    recurrence: float = 1.0
    streak: float = 1.0
    comeback: float = 2.0
    open_now: float = 0.5
    late: float = 0.5
    outside: float = 2.0
    volume: float = 0.5
    pattern: float = 0.5

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
                or v < 0
            ):
                problems.append(
                    f"BlindSpotWeights.{f.name} must be a number >= 0, got {v!r}. "
                    f"Pass e.g. {f.name}=1.0 (0 switches the term off)."
                )
        collect_problems(problems, "BlindSpotWeights")
        if sum(getattr(self, f.name) for f in fields(self)) <= 0:
            msg = (
                "BlindSpotWeights must have at least one weight above 0, got all "
                "zeros. Keep the defaults, e.g. BlindSpotWeights()."
            )
            raise InputError(msg)


# -- the score -----------------------------------------------------------------------


def _saturate(k: FloatArray, half: float) -> FloatArray:
    """``k / (k + half)``: 0 at 0, 1/2 at ``half``, towards 1; increasing in k."""
    k = np.clip(np.nan_to_num(k, nan=0.0), 0.0, None)
    return k / (k + half)


def blind_spot_score(
    evidence: pd.DataFrame,
    *,
    periods: int,
    weights: BlindSpotWeights | None = None,
    outside_baseline: float = 0.0,
) -> pd.Series:
    """Combine the evidence columns into a score from 0 to 100.

    Parameters
    ----------
    evidence
        A frame with the evidence columns of :func:`blind_spots`:
        ``periods_with_reports``, ``current_streak``, ``comeback_share``,
        ``open_now``, ``share_closed_late``, ``outside_share``,
        ``n_reports``, ``weighted_count`` and ``pattern``.
    periods
        The number of periods the recurrence columns count over.
    weights
        Weights of the terms (default :class:`BlindSpotWeights`).
    outside_baseline
        The share of reports the hotline and the evaluation teams find in the
        whole district (0 to 1): only the excess over it is evidence of a
        blind spot. :func:`blind_spots` passes the share of all the window's
        reports.

    Returns
    -------
    pandas.Series
        The score of each row (same index).

    Notes
    -----
    A blind spot is a place where a problem keeps coming back *and* the
    patrols do not solve it or do not see it, so the score is a product of
    two factors, each combining its evidence like independent signs (a
    "noisy-or": one strong sign is enough, several weak ones add up)::

        score = 100 * R * B
        R = 1 - (1 - f_recurrence)^w_recurrence * (1 - f_streak)^w_streak
              * (1 - f_volume)^w_volume * (1 - f_pattern)^w_pattern
        B = 1 - (1 - f_comeback)^w_comeback * (1 - f_open_now)^w_open_now
              * (1 - f_late)^w_late * (1 - f_outside)^w_outside

    A weight is the number of times a sign counts: 0 switches it off, 2
    counts it twice (a factor whose weights are all 0 is 1). The terms, each
    in ``[0, 1]``:

    ============ =============================================================
    recurrence   ``periods_with_reports / periods``
    streak       ``current_streak / periods``
    volume       ``q / (q + periods)``, ``q = weighted_count``
    pattern      :data:`PATTERN_SEVERITY` of the emerging pattern (else 0)
    comeback     ``comeback_share * v``
    open_now     ``o / (o + 2)``, ``o = open_now``
    late         ``share_closed_late * v``
    outside      ``max(0, (outside_share - b) / (1 - b)) * v``, ``b`` the
                 baseline
    ============ =============================================================

    where ``v = n / (n + 3)``, ``n = n_reports``, is the confidence in a
    share (one report from the hotline is weak evidence, ten are strong);
    missing shares count 0. Every term is non-decreasing in its inputs and
    both factors are non-negative, so the score is monotone: raising any one
    evidence value, all else equal, never lowers it.
    """
    w = weights if weights is not None else BlindSpotWeights()
    p = float(periods)
    n = np.asarray(evidence[N_REPORTS], dtype=np.float64)
    confidence = _saturate(n, 3.0)
    base = min(max(float(outside_baseline), 0.0), 1.0 - 1e-9)

    def column(col: str) -> FloatArray:
        v = np.asarray(evidence[col], dtype=np.float64)
        return np.clip(np.nan_to_num(v, nan=0.0), 0.0, None)

    severity: FloatArray = np.asarray(
        pd.Series(evidence[PATTERN], index=evidence.index)
        .astype(object)
        .map(dict(PATTERN_SEVERITY))
        .fillna(0.0),
        dtype=np.float64,
    )
    outside = np.clip((column(OUTSIDE_SHARE) - base) / (1.0 - base), 0.0, 1.0)
    keeps_coming: dict[str, FloatArray] = {
        "recurrence": np.clip(column(PERIODS_WITH_REPORTS) / p, 0.0, 1.0),
        "streak": np.clip(column(CURRENT_STREAK) / p, 0.0, 1.0),
        "volume": _saturate(column(WEIGHTED_COUNT), p),
        "pattern": severity,
    }
    not_solved: dict[str, FloatArray] = {
        "comeback": np.clip(column(COMEBACK_SHARE), 0.0, 1.0) * confidence,
        "open_now": _saturate(column(OPEN_NOW), 2.0),
        "late": np.clip(column(SHARE_CLOSED_LATE), 0.0, 1.0) * confidence,
        "outside": outside * confidence,
    }

    def factor(terms: dict[str, FloatArray]) -> FloatArray:
        if sum(float(getattr(w, k)) for k in terms) <= 0:
            return np.ones(len(evidence))
        missing = np.ones(len(evidence))
        for k, v in terms.items():
            missing = missing * np.power(1.0 - np.clip(v, 0.0, 1.0), getattr(w, k))
        return np.asarray(1.0 - missing, dtype=np.float64)

    score = 100.0 * factor(keeps_coming) * factor(not_solved)
    return pd.Series(score, index=evidence.index, name=SCORE)


# -- validation ----------------------------------------------------------------------


def _check_positive_int(value: object, name: str, example: str) -> str | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or int(value) < 1
    ):
        return f"{name} must be a positive integer, got {value!r}. Pass e.g. {example}."
    return None


def _check_positive_number(value: object, name: str, example: str) -> str | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
        or float(value) <= 0
    ):
        unit_word = "metres" if name.endswith("_m") else "days"
        return (
            f"{name} must be a positive number of {unit_word}, got {value!r}. "
            f"Pass e.g. {example}."
        )
    return None


def _validate(
    reports: object,
    units: object,
    *,
    unit: str,
    periods: object,
    comeback_days: object,
    comeback_distance_m: object,
    late_days: object,
    weights: object,
    category_weights: object,
    emerging: object,
    freq: str,
) -> None:
    if not isinstance(reports, pd.DataFrame):
        msg = f"reports must be a (Geo)DataFrame, got {type(reports).__name__}."
        raise TypeError(msg)
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame, got {type(units).__name__}."
        raise TypeError(msg)
    problems = [
        p
        for p in (
            _check_positive_int(periods, "periods", "periods=8"),
            _check_positive_number(comeback_days, "comeback_days", "comeback_days=14"),
            _check_positive_number(late_days, "late_days", "late_days=7"),
            None
            if comeback_distance_m is None
            else _check_positive_number(
                comeback_distance_m, "comeback_distance_m", "comeback_distance_m=30"
            ),
        )
        if p
    ]
    if unit not in units.columns:
        problems.append(
            f"unit must name the id column of units, got {unit!r}; units have "
            f"{list(units.columns)!r}. Pass e.g. unit='segment_id' for segments."
        )
    else:
        ids = units[unit]
        if ids.isna().any() or ids.duplicated().any():
            problems.append(
                f"units[{unit!r}] must hold unique, non-missing ids, got "
                f"{int(ids.isna().sum())} missing and {int(ids.duplicated().sum())} "
                "duplicated. Keep one row per unit."
            )
    for col, fix in (
        (unit, "Join the reports to their units first with hotspots.assign(...)."),
        (REPORTED_AT, "Read the reports with hotspots.read_reports(...)."),
        (CATEGORY, "Read the reports with hotspots.read_reports(...)."),
    ):
        if col not in reports.columns:
            problems.append(
                f"reports must have the column {col!r}, got "
                f"{list(reports.columns)!r}. {fix}"
            )
    for col in (REPORTED_AT, CLOSED_AT):
        if col in reports.columns and not pd.api.types.is_datetime64_any_dtype(
            reports[col]
        ):
            problems.append(
                f"reports[{col!r}] must hold timestamps, got dtype "
                f"{reports[col].dtype!s}. Parse it with pandas.to_datetime or read "
                "the reports with hotspots.read_reports."
            )
    if weights is not None and not isinstance(weights, BlindSpotWeights):
        problems.append(
            f"weights must be a BlindSpotWeights or None, got "
            f"{type(weights).__name__}. Pass e.g. BlindSpotWeights(outside=2.0)."
        )
    if category_weights is not None:
        if not isinstance(category_weights, Mapping):
            problems.append(
                "category_weights must map category names to weights, got "
                f"{type(category_weights).__name__}. Pass e.g. "
                "{'占道经营': 2.0}."
            )
        else:
            bad = {
                k: v
                for k, v in category_weights.items()
                if isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
                or v < 0
            }
            if bad:
                problems.append(
                    f"category_weights must be numbers >= 0, got {bad!r}. Pass "
                    "e.g. {'占道经营': 2.0}."
                )
    if emerging is not None:
        if not isinstance(emerging, pd.DataFrame):
            problems.append(
                "emerging must be the result of hotspots.emerging_hotspots or "
                f"None, got {type(emerging).__name__}."
            )
        elif unit not in emerging.columns or PATTERN not in emerging.columns:
            problems.append(
                f"emerging must have the columns {unit!r} and 'pattern' (a result "
                "of hotspots.emerging_hotspots on the same units), got "
                f"{list(emerging.columns)!r}."
            )
    if not isinstance(freq, str) or freq.upper() not in FREQS:
        problems.append(
            f"freq must be one of {list(FREQS)!r}, got {freq!r}. Use 'W-MON' for "
            "weeks starting on Monday."
        )
    collect_problems(problems, "blind_spots")


# -- evidence --------------------------------------------------------------------------


def _period_words(freq: str) -> tuple[str, str, int]:
    """Chinese word, English word and length in days (approx.) of a period."""
    f = freq.upper()
    if f == "D":
        return "天", "day", 1
    if f.startswith("M"):
        return "个月", "month", 31
    return "周", "week", 7


def _window_labels(as_of: pd.Timestamp, periods: int, freq: str, tz: str) -> list[str]:
    _, _, days = _period_words(freq)
    first = as_of - pd.Timedelta(days=days * (periods + 1))
    lo, hi = period_labels(pd.DatetimeIndex([first, as_of]), freq=freq, tz=tz)
    return period_range(str(lo), str(hi), freq=freq)[-periods:]


def _runs_from_end(present: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Length of the run of True ending in the last column of each row."""
    if present.shape[1] == 0:
        return np.zeros(present.shape[0], dtype=np.int64)
    rev = present[:, ::-1]
    run = np.where(rev.all(axis=1), rev.shape[1], np.argmin(rev, axis=1))
    return np.asarray(run, dtype=np.int64)


def _metric_xy(frame: pd.DataFrame) -> FloatArray:
    """Point x/y in metres (local UTM zone for geographic CRSs); NaN if unknown."""
    xy = np.full((len(frame), 2), np.nan)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
        return xy
    geoms = frame.geometry
    ok = (~geoms.isna() & ~geoms.is_empty).to_numpy()
    if not ok.any():
        return xy
    pts = geoms[ok]
    if frame.crs is not None and frame.crs.is_geographic:
        c = pts.centroid if (pts.geom_type != "Point").any() else pts
        crs = local_metric_crs(c.x.to_numpy(), c.y.to_numpy())
        pts = pts.to_crs(crs)
    cen = pts.centroid if (pts.geom_type != "Point").any() else pts
    xy[ok, 0] = cen.x.to_numpy()
    xy[ok, 1] = cen.y.to_numpy()
    return xy


def _comebacks(
    window: pd.DataFrame,
    history: pd.DataFrame,
    *,
    days: float,
    distance_m: float | None,
    window_start_ns: int,
) -> npt.NDArray[np.bool_]:
    """Which window reports are a closed problem coming back.

    Report ``j`` comes back when an earlier report ``i`` of the same category
    at the same unit was closed strictly before ``j`` was reported and at
    most ``days`` days before, and (unless ``distance_m`` is None) lies within
    ``distance_m`` metres of it. Candidate pairs come from one merge on
    (unit, category) of the window's reports with the closures that can
    qualify, filtered with numpy; no loop per report.
    """
    out = np.zeros(len(window), dtype=bool)
    if CLOSED_AT not in history.columns or window.empty:
        return out
    horizon = int(days * _NS_PER_DAY)
    closed_ns = history["_closed"].to_numpy()
    usable = history["_has_close"].to_numpy() & (closed_ns >= window_start_ns - horizon)
    if not usable.any():
        return out
    right = pd.DataFrame(
        {
            "_key": history["_key"].to_numpy(dtype=np.int64)[usable],
            "_c": closed_ns[usable],
            "_rx": history["_x"].to_numpy()[usable],
            "_ry": history["_y"].to_numpy()[usable],
        }
    )
    left_all = pd.DataFrame(
        {
            "_pos": np.arange(len(window)),
            "_key": window["_key"].to_numpy(dtype=np.int64),
            "_t": window["_t"].to_numpy(),
            "_lx": window["_x"].to_numpy(),
            "_ly": window["_y"].to_numpy(),
        }
    )
    left_all = left_all[np.isin(left_all["_key"].to_numpy(), right["_key"].to_numpy())]
    # bounded memory: merge slices of the window's reports
    for lo in range(0, len(left_all), _PAIR_CHUNK):
        pairs = left_all.iloc[lo : lo + _PAIR_CHUNK].merge(right, on="_key")
        gap = pairs["_t"].to_numpy() - pairs["_c"].to_numpy()
        hit = (gap > 0) & (gap <= horizon)
        if distance_m is not None:
            d2 = (pairs["_lx"].to_numpy() - pairs["_rx"].to_numpy()) ** 2 + (
                pairs["_ly"].to_numpy() - pairs["_ry"].to_numpy()
            ) ** 2
            hit &= d2 <= float(distance_m) ** 2  # NaN (no point) never matches
        out[pairs["_pos"].to_numpy()[hit]] = True
    return out


def _utc_ns(times: pd.Series) -> npt.NDArray[np.int64]:
    """Integer nanoseconds since the epoch (UTC) of aware or naive timestamps."""
    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


def _aware(value: object, tz: str, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        msg = (
            f"{name} must be a timestamp, got {value!r}. Pass e.g. {name}='2026-11-22'."
        )
        raise InputError(msg) from err
    if pd.isna(ts):
        msg = (
            f"{name} must be a timestamp, got {value!r}. Pass e.g. {name}='2026-11-22'."
        )
        raise InputError(msg)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _as_aware(times: pd.Series, tz: str) -> pd.Series:
    dt_ = times.dt
    out: pd.Series = (
        dt_.tz_localize(tz)
        if getattr(times.dtype, "tz", None) is None
        else dt_.tz_convert(tz)
    )
    return out


def _top_categories(
    window: pd.DataFrame, n_units: int, top: int = 3
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """``"占道经营(5)、乱停车(3)"`` per unit and the single most reported category."""
    text = np.full(n_units, "", dtype=object)
    first = np.full(n_units, "", dtype=object)
    if window.empty:
        return text, first
    counts = (
        window.groupby(["_u", CATEGORY], observed=True, sort=False)
        .size()
        .rename("n")
        .reset_index()
    )
    counts[CATEGORY] = counts[CATEGORY].astype(str)
    counts = counts.sort_values(
        ["_u", "n", CATEGORY], ascending=[True, False, True], kind="stable"
    )
    place = counts.groupby("_u", sort=False).cumcount().to_numpy()
    counts = counts[place < top]
    place = place[place < top]
    u = counts["_u"].to_numpy(dtype=np.int64)
    item = (counts[CATEGORY] + "(" + counts["n"].astype(str) + ")").to_numpy(
        dtype=object
    )
    # one column per place (1st, 2nd, 3rd), joined column-wise: no loop per unit
    for k in range(top):
        sel = place == k
        piece = np.full(n_units, "", dtype=object)
        piece[u[sel]] = item[sel]
        glue = np.where((text != "") & (piece != ""), "、", "")
        text = text + glue + piece
        if k == 0:
            first[u[sel]] = counts[CATEGORY].to_numpy(dtype=object)[sel]
    return text, first


def _outside_names(window: pd.DataFrame, n_units: int) -> tuple[list[str], list[str]]:
    """Name the outside sources of each unit: hotline, evaluation or both."""
    zh_hot, en_hot = labels.SOURCES["hotline"]["zh"], "the 12345 hotline"
    zh_eva, en_eva = labels.SOURCES["evaluation"]["zh"], "the evaluation teams"
    has_hot = np.zeros(n_units, dtype=bool)
    has_eva = np.zeros(n_units, dtype=bool)
    if SOURCE in window.columns and not window.empty:
        src = window[SOURCE].astype(object).to_numpy()
        u = window["_u"].to_numpy()
        has_hot[u[src == "hotline"]] = True
        has_eva[u[src == "evaluation"]] = True
    zh = np.where(
        has_hot & has_eva,
        f"{zh_hot}和{zh_eva}",
        np.where(has_eva, zh_eva, zh_hot),
    )
    en = np.where(
        has_hot & has_eva,
        f"{en_hot} and {en_eva}",
        np.where(has_eva, en_eva, en_hot),
    )
    return zh.tolist(), en.tolist()


def _reasons(
    ev: pd.DataFrame,
    top_one: npt.NDArray[np.object_],
    top_seen: npt.NDArray[np.int64],
    top_streak: npt.NDArray[np.int64],
    outside_zh: list[str],
    outside_en: list[str],
    *,
    periods: int,
    freq: str,
) -> tuple[pd.Series, pd.Series]:
    """One-line reasons in Chinese and English, built column-wise."""
    word_zh, word_en, _ = _period_words(freq)
    idx = ev.index
    cat = pd.Series(top_one, index=idx, dtype=object)
    streak = pd.Series(top_streak, index=idx, dtype=int)
    seen = pd.Series(top_seen, index=idx, dtype=int)
    back = ev[COMEBACKS].astype(int)
    reop = ev[REOPENED].astype(int)
    open_now = ev[OPEN_NOW].astype(int)
    pct = (100 * ev[OUTSIDE_SHARE].fillna(0.0)).round().astype(int)
    n = ev[N_REPORTS].astype(int)
    empty = pd.Series("", index=idx, dtype=object)

    def when(mask: pd.Series, text: pd.Series) -> pd.Series:
        return text.where(mask, "").astype(object)

    zh_parts = [
        when(
            streak >= 2,
            "连续" + streak.astype(str) + word_zh + "出现" + cat,
        ).where(
            streak >= 2,
            when(
                seen >= 1,
                "近"
                + str(periods)
                + word_zh
                + "有"
                + seen.astype(str)
                + word_zh
                + "出现"
                + cat,
            ),
        ),
        when(back >= 1, back.astype(str) + "起结案后复发"),
        when(reop >= 1, reop.astype(str) + "起返工"),
        when(
            (pct >= 50) & (n >= 1),
            pct.astype(str) + "%来自" + pd.Series(outside_zh, index=idx, dtype=object),
        ),
        when(open_now >= 1, open_now.astype(str) + "起未结案"),
        when(
            ev[PATTERN].isin(list(PATTERN_SEVERITY)),
            ev[PATTERN].astype(object).map(_PATTERN_ZH).fillna("").astype(object),
        ),
    ]
    plural = np.where(streak == 1, word_en, word_en + "s")
    en_parts = [
        when(
            streak >= 2,
            cat
            + " reported "
            + streak.astype(str)
            + " "
            + pd.Series(plural, index=idx, dtype=object)
            + " in a row",
        ).where(
            streak >= 2,
            when(
                seen >= 1,
                cat
                + " reported in "
                + seen.astype(str)
                + " of the last "
                + str(periods)
                + " "
                + word_en
                + "s",
            ),
        ),
        when(back >= 1, back.astype(str) + " came back after closing"),
        when(reop >= 1, reop.astype(str) + " reopened"),
        when(
            (pct >= 50) & (n >= 1),
            pct.astype(str)
            + "% from "
            + pd.Series(outside_en, index=idx, dtype=object),
        ),
        when(open_now >= 1, open_now.astype(str) + " still open"),
        when(
            ev[PATTERN].isin(list(PATTERN_SEVERITY)),
            ev[PATTERN].astype(object).map(_PATTERN_EN).fillna("").astype(object),
        ),
    ]

    def join(parts: list[pd.Series], sep: str) -> pd.Series:
        out = empty.copy()
        for part in parts:
            glue = np.where((out != "") & (part != ""), sep, "")
            out = out + glue + part
        return out

    zh = join(zh_parts, "，")
    en = join(en_parts, "; ")
    none_zh = "近" + str(periods) + word_zh + "无上报"
    none_en = f"no reports in the last {periods} {word_en}s"
    zh = zh.where(zh != "", none_zh)
    en = en.where(en != "", none_en)
    en = en.str.slice(0, 1).str.upper() + en.str.slice(1)
    return zh.rename(REASON_ZH), en.rename(REASON_EN)


# -- the public entry ----------------------------------------------------------------


def blind_spots(
    reports: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit: str = GRID_ID,
    periods: int = 8,
    as_of: object = None,
    freq: str = "W-MON",
    comeback_days: float = 14,
    comeback_distance_m: float | None = 20.0,
    late_days: float = 7.0,
    weights: BlindSpotWeights | None = None,
    category_weights: Mapping[str, float] | None = None,
    emerging: pd.DataFrame | None = None,
    tz: str = DEFAULT_TZ,
) -> gpd.GeoDataFrame:
    """Rank the units by how much they need a patrol, with the evidence and why.

    Parameters
    ----------
    reports
        Reports joined to their units (output of :func:`hotspots.assign`):
        ``unit``, ``reported_at`` and ``category`` are required; ``status``,
        ``closed_at``, ``source``, ``reopen_count`` and ``weight`` are used
        when present (a missing one contributes no evidence). Reports without
        a unit, with a unit not in ``units`` or without a time are left out
        with an :class:`UnassignedReportsWarning`. Not modified.
    units
        GeoDataFrame of the units with the id column ``unit``. Not modified;
        the result keeps its index, row order, columns and CRS.
    unit
        The id column (``"grid_id"``, ``"segment_id"``, ...).
    periods
        The window: the last ``periods`` periods up to ``as_of`` (default 8
        weeks). Recurrence, comebacks, resolution, sources and volume are
        counted over the reports in the window.
    as_of
        The moment of the ledger (a timestamp, naive = ``tz``); default the
        time of the latest report. Reports filed after it are ignored, and
        closes after it had not happened yet. The window ends with the period
        containing ``as_of``, or with the period before when ``as_of`` is
        exactly a period's start (Monday 00:00 for weeks: the exclusive end
        of the previous week).
    freq
        The period: ``"W-MON"`` (weeks from Monday, default), another
        ``"W-XXX"``, ``"D"`` or ``"MS"`` (as :func:`hotspots.space_time_cube`).
    comeback_days
        A report comes back when a report of the same category at the same
        unit, at the same place, was closed at most this many days before it
        (default 14).
    comeback_distance_m
        "The same place": the two reports lie at most this many metres apart
        (default 20 m, a shop front or a corner; measured in the local UTM
        zone). None counts any place in the unit, which in a busy cell makes
        nearly every report a comeback.
    late_days
        A report is closed late when it took more than this many days
        (default 7).
    weights
        Weights of the score's terms (default :class:`BlindSpotWeights`).
    category_weights
        Weight per category name (e.g. the evaluation points a problem costs)
        for ``weighted_count``; categories not listed use the report's
        ``weight`` column (1 when absent).
    emerging
        A result of :func:`hotspots.emerging_hotspots` on the same units to
        take the pattern from. None computes it from the reports (all their
        periods up to ``as_of``) with queen contiguity, or network adjacency
        when the units have end-node columns ``u`` and ``v`` (street
        segments).
    tz
        The timezone of the calendar (the config's, default Asia/Shanghai).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` with the evidence columns

        - ``periods_with_reports``: periods of the window with a report;
        - ``current_streak``: consecutive periods with a report up to the last
          period of the window;
        - ``pattern``: the emerging hot spot pattern;
        - ``reopened``: window reports with status ``reopened`` or a
          ``reopen_count`` above 0;
        - ``comeback_share``: share of the window reports that reopened or
          came back (NaN without reports);
        - ``comebacks``: window reports of a category that was closed at the
          same unit, within ``comeback_distance_m``, at most
          ``comeback_days`` before;
        - ``open_now``: reports up to ``as_of`` (any time) whose status is
          open, dispatched or reopened;
        - ``median_days_to_close``: median days from report to close of the
          closed window reports (NaN if none);
        - ``share_closed_late``: share of the closed window reports that took
          more than ``late_days`` (NaN if none closed);
        - ``outside_share``: share of the window reports from the hotline or
          the evaluation teams among those from a known source (inspector,
          camera, hotline, evaluation; NaN if none);
        - ``n_reports``, ``weighted_count``, ``top_categories`` (the three most
          reported categories with their counts);

        then ``score`` (0..100, :func:`blind_spot_score`), ``rank`` (1 = most
        urgent; ties broken by weighted count, number of reports, then unit
        id; units without reports come last) and the one-line ``reason_zh``
        and ``reason_en``. ``result.attrs`` holds ``as_of``, ``periods`` (the
        window's labels) and the parameters.

    Raises
    ------
    TypeError
        When ``reports`` is not a DataFrame or ``units`` not a GeoDataFrame.
    InputError
        When a column is missing, ids repeat or an argument is out of range.

    Warns
    -----
    UnassignedReportsWarning
        When reports have no unit, a unit not in ``units`` or no time (with
        the counts).

    References
    ----------
    .. [1] 中央文明办, 《全国文明城市测评体系》 (the evaluation that makes the
       hotline and the evaluation teams' findings count).
    .. [2] Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works" (the
       pattern).

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import Point, box
    >>> cells = gpd.GeoDataFrame(
    ...     {"grid_id": ["a", "b"]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...     crs="EPSG:32651",
    ... )
    >>> t = pd.date_range("2026-10-05 09:00", periods=6, freq="7D", tz="Asia/Shanghai")
    >>> reports = gpd.GeoDataFrame(
    ...     {
    ...         "reported_at": t,
    ...         "category": "占道经营",
    ...         "status": "closed",
    ...         "closed_at": t + pd.Timedelta(hours=20),
    ...         "source": "hotline",
    ...         "grid_id": "a",
    ...     },
    ...     geometry=[Point(50, 50)] * 6,
    ...     crs="EPSG:32651",
    ... )
    >>> ledger = blind_spots(reports, cells, periods=6)
    >>> ledger.loc[0, ["rank", "current_streak", "comebacks"]].tolist()
    [1, 6, 5]
    >>> ledger.loc[0, "reason_zh"]  # the last one closes after as_of
    '连续6周出现占道经营，5起结案后复发，100%来自12345热线，1起未结案'
    """
    _validate(
        reports,
        units,
        unit=unit,
        periods=periods,
        comeback_days=comeback_days,
        comeback_distance_m=comeback_distance_m,
        late_days=late_days,
        weights=weights,
        category_weights=category_weights,
        emerging=emerging,
        freq=freq,
    )
    n_periods = int(periods)
    ids = pd.Index(units[unit])
    n_units = len(ids)

    times = _as_aware(reports[REPORTED_AT], tz)
    end = (
        _aware(as_of, tz, "as_of")
        if as_of is not None
        else (times.max() if times.notna().any() else pd.Timestamp.now(tz=tz))
    )
    # as_of exactly at a period's start (e.g. Monday 00:00, the end of the
    # week before) closes the previous period: the window ends with that one
    as_of_label = period_labels(pd.DatetimeIndex([end]), freq=freq, tz=tz)[0]
    last = end
    if period_start([str(as_of_label)], freq=freq, tz=tz)[0] == end:
        last = end - pd.Timedelta(1, "ns")
    window_labels = _window_labels(last, n_periods, freq, tz)

    u_code = ids.get_indexer(reports[unit])
    unassigned = u_code < 0
    no_time = times.isna().to_numpy(dtype=bool) & ~unassigned
    n_unassigned, n_no_time = int(unassigned.sum()), int(no_time.sum())
    if n_unassigned or n_no_time:
        warnings.warn(
            f"{n_unassigned + n_no_time} of {len(reports)} reports are left out of "
            f"the blind-spot ledger: {n_unassigned} with no unit or a unit not in "
            f"units[{unit!r}], {n_no_time} with no time.",
            UnassignedReportsWarning,
            stacklevel=2,
        )
    upto = (times <= end).to_numpy(dtype=bool) & ~unassigned
    # every report up to as_of (for comebacks and open cases) ...
    history = reports.loc[upto].copy()
    history["_u"] = u_code[upto]
    history["_t"] = _utc_ns(times[upto])
    cat_code, _ = pd.factorize(history[CATEGORY].astype(object), use_na_sentinel=True)
    n_cats = int(cat_code.max()) + 2 if len(cat_code) else 1
    history["_key"] = history["_u"].to_numpy(dtype=np.int64) * n_cats + (cat_code + 1)
    history["_period"] = period_labels(times[upto], freq=freq, tz=tz)
    # closes as known at as_of: a close after as_of had not happened yet
    end_ns = int(_utc_ns(pd.Series([end]))[0])
    if CLOSED_AT in history.columns:
        h_has_close = history[CLOSED_AT].notna().to_numpy()
        h_closed_ns = np.where(
            h_has_close, _utc_ns(_as_aware(history[CLOSED_AT], tz)), 0
        )
    else:
        h_has_close = np.zeros(len(history), dtype=bool)
        h_closed_ns = np.zeros(len(history), dtype=np.int64)
    closed_later = h_has_close & (h_closed_ns > end_ns)
    history["_closed"] = h_closed_ns
    history["_has_close"] = h_has_close & ~closed_later
    xy = _metric_xy(history)
    history["_x"] = xy[:, 0]
    history["_y"] = xy[:, 1]
    # ... and those in the window
    in_window = history["_period"].isin(window_labels).to_numpy()
    window = history.loc[in_window]
    wu = window["_u"].to_numpy(dtype=np.int64)

    def per_unit(mask: npt.ArrayLike | None = None, w: Any = None) -> FloatArray:
        sel = np.ones(len(window), dtype=bool) if mask is None else np.asarray(mask)
        weights_ = None if w is None else np.asarray(w, dtype=np.float64)[sel]
        return np.bincount(wu[sel], weights=weights_, minlength=n_units).astype(
            np.float64
        )

    # recurrence
    present = np.zeros((n_units, n_periods), dtype=bool)
    p_code = pd.Index(window_labels).get_indexer(window["_period"])
    present[wu, p_code] = True
    seen = present.sum(axis=1)
    streak = _runs_from_end(present)

    # comeback
    status = (
        window[STATUS].astype(object).to_numpy()
        if STATUS in window.columns
        else np.full(len(window), None, dtype=object)
    )
    reopen_flag = status == "reopened"
    if REOPEN_COUNT in window.columns:
        rc = pd.to_numeric(window[REOPEN_COUNT], errors="coerce").fillna(0).to_numpy()
        reopen_flag = reopen_flag | (rc > 0)
    reopened = per_unit(reopen_flag)
    came_back = _comebacks(
        window,
        history,
        days=float(comeback_days),
        distance_m=None if comeback_distance_m is None else float(comeback_distance_m),
        window_start_ns=int(
            _utc_ns(pd.Series(period_start(window_labels[:1], freq=freq, tz=tz)))[0]
        ),
    )
    comebacks = per_unit(came_back)
    n_window = per_unit()
    comeback_share = np.divide(
        per_unit(reopen_flag | came_back),
        n_window,
        out=np.full(n_units, np.nan),
        where=n_window > 0,
    )

    # resolution
    if STATUS in history.columns:
        is_open = history[STATUS].astype(object).isin(_OPEN_STATUSES).to_numpy()
        is_open = is_open | closed_later
    elif CLOSED_AT in history.columns:
        is_open = ~h_has_close | closed_later
    else:
        is_open = np.zeros(len(history), dtype=bool)
    open_now = np.bincount(
        history["_u"].to_numpy(dtype=np.int64)[is_open], minlength=n_units
    ).astype(np.float64)
    median_close = np.full(n_units, np.nan)
    share_late = np.full(n_units, np.nan)
    has_close = (h_has_close & ~closed_later)[in_window]
    if has_close.any():
        dur = (h_closed_ns[in_window] - window["_t"].to_numpy()) / _NS_PER_DAY
        frame = pd.DataFrame({"u": wu[has_close], "d": dur[has_close]})
        med = frame.groupby("u")["d"].median()
        median_close[med.index.to_numpy(dtype=np.int64)] = med.to_numpy()
        n_closed = per_unit(has_close)
        n_late = per_unit(has_close & (dur > float(late_days)))
        share_late = np.divide(
            n_late, n_closed, out=np.full(n_units, np.nan), where=n_closed > 0
        )

    # who finds it (and how often outsiders find things in the whole window)
    outside_share = np.full(n_units, np.nan)
    baseline = 0.0
    if SOURCE in window.columns:
        src = window[SOURCE].astype(object)
        outside = src.isin(OUTSIDE_SOURCES).to_numpy()
        known = outside | src.isin(OWN_SOURCES).to_numpy()
        n_known = per_unit(known)
        outside_share = np.divide(
            per_unit(outside),
            n_known,
            out=np.full(n_units, np.nan),
            where=n_known > 0,
        )
        if known.any():
            baseline = float(outside.sum() / known.sum())

    # volume and category mix
    n_reports = per_unit()
    base_w = (
        pd.to_numeric(window[WEIGHT], errors="coerce").fillna(1.0)
        if WEIGHT in window.columns
        else pd.Series(1.0, index=window.index)
    )
    if category_weights:
        mapped = window[CATEGORY].astype(object).map(dict(category_weights))
        report_w = mapped.astype(float).fillna(base_w)
    else:
        report_w = base_w
    weighted = per_unit(None, report_w.to_numpy(dtype=np.float64))
    top_text, top_one = _top_categories(window, n_units)

    # pattern
    if emerging is None:
        pattern = _emerging_patterns(history, units, unit=unit, freq=freq)
    else:
        pat = pd.Series(
            emerging[PATTERN].to_numpy(dtype=object),
            index=pd.Index(emerging[unit]),
        )
        pat = pat[~pat.index.duplicated()]
        pattern = pat.reindex(ids).fillna(_NO_PATTERN).to_numpy(dtype=object)

    ev = pd.DataFrame(
        {
            PERIODS_WITH_REPORTS: seen.astype(np.int64),
            CURRENT_STREAK: streak,
            PATTERN: pattern,
            REOPENED: reopened.astype(np.int64),
            COMEBACKS: comebacks.astype(np.int64),
            COMEBACK_SHARE: comeback_share,
            OPEN_NOW: open_now.astype(np.int64),
            MEDIAN_DAYS_TO_CLOSE: median_close,
            SHARE_CLOSED_LATE: share_late,
            OUTSIDE_SHARE: outside_share,
            N_REPORTS: n_reports.astype(np.int64),
            WEIGHTED_COUNT: weighted,
            TOP_CATEGORIES: top_text,
        },
        index=units.index,
    )
    score = blind_spot_score(
        ev, periods=n_periods, weights=weights, outside_baseline=baseline
    ).to_numpy()
    # units without any report up to as_of carry no evidence at all
    any_report = (n_reports > 0) | (open_now > 0)
    score = np.where(any_report, score, 0.0)
    order = np.lexsort(
        (
            np.asarray(ids.astype(str), dtype=object).astype(str),
            -n_reports,
            -weighted,
            -score,
        )
    )
    rank = np.empty(n_units, dtype=np.int64)
    rank[order] = np.arange(1, n_units + 1)
    outside_zh, outside_en = _outside_names(window, n_units)
    # the reason speaks of the most reported category: its own weeks and streak
    is_top = window[CATEGORY].astype(object).to_numpy() == top_one[wu]
    top_present = np.zeros((n_units, n_periods), dtype=bool)
    top_present[wu[is_top], p_code[is_top]] = True
    reason_zh, reason_en = _reasons(
        ev,
        top_one,
        top_present.sum(axis=1),
        _runs_from_end(top_present),
        outside_zh,
        outside_en,
        periods=n_periods,
        freq=freq,
    )

    out = units.copy()
    for col in ev.columns:
        out[col] = ev[col].to_numpy()
    out[SCORE] = score
    out[RANK] = rank
    out[REASON_ZH] = reason_zh.to_numpy(dtype=object)
    out[REASON_EN] = reason_en.to_numpy(dtype=object)
    out.attrs.update(
        as_of=end.isoformat(),
        periods=list(window_labels),
        comeback_days=float(comeback_days),
        comeback_distance_m=comeback_distance_m,
        late_days=float(late_days),
        freq=freq,
        outside_baseline=baseline,
    )
    return out


def _emerging_patterns(
    history: pd.DataFrame, units: gpd.GeoDataFrame, *, unit: str, freq: str
) -> npt.NDArray[np.object_]:
    """Patterns from :func:`hotspots.emerging_hotspots` on the reports so far."""
    from .emerging import emerging_hotspots

    n = len(units)
    if history.empty or history["_period"].nunique() < 2:
        return np.full(n, _NO_PATTERN, dtype=object)
    kind: Literal["network", "queen"] = (
        "network" if {NODE_FROM, NODE_TO} <= set(units.columns) else "queen"
    )
    cols = [c for c in history.columns if not c.startswith("_")]
    reports = history[cols]
    with warnings.catch_warnings():
        # weights islands are no news to the ledger
        warnings.filterwarnings("ignore", message=".*no neighbour.*")
        res = emerging_hotspots(reports, units, unit=unit, freq=freq, weights=kind)
    patterns: npt.NDArray[np.object_] = res[PATTERN].to_numpy(dtype=object)
    return patterns
