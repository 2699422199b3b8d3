"""The re-check list (回头看): which closed cases are most likely to come back.

A closed problem *comes back* when a report of the same category is filed
at the same place (same grid cell or street segment) within ``distance_m``
metres of it, after it was closed and at most ``within_days`` days after: the
comeback definition of :func:`hotspots.blind_spots`, read forward from the
closure instead of backward from the new report.

:func:`recheck_list` ranks the cases closed in the last ``within_days`` days
that have not come back yet by the probability that they will, from a small
documented model fit on the history before ``as_of`` only:

1. **Outcomes.** Every closure of the last ``history_days`` days whose whole
   follow-up window lies before ``as_of`` (closed at most
   ``history_days`` and at least ``within_days`` days before ``as_of``)
   came back (1) or not (0).
2. **City rate per category.** ``m_c = (K_c + 2 m) / (N_c + 2)``: the
   category's share of closures that came back, shrunk lightly to the rate
   ``m`` of all categories (two pseudo-closures), so a rare category does
   not get a rate of 0 or 1.
3. **Empirical-Bayes place rate.** The comeback probability of a place and
   category gets a Beta prior with mean ``m_c`` and strength ``s``
   (pseudo-closures): ``Beta(s m_c, s (1 - m_c))``. ``s`` is one number for
   the city, fit by maximising the beta-binomial marginal likelihood of the
   outcomes of every (place, category) over a log grid of 0.1 to 10,000
   (Casella 1985): a small ``s`` says places differ a lot and their own
   history dominates, a large one says they hardly differ and the city rate
   dominates. The posterior mean for ``k`` comebacks out of ``n`` closures
   is ``p = (k + s m_c) / (n + s)``.
4. **Recency.** A case closed ``a`` days ago that has not come back yet
   has used up part of its window: with ``F`` the empirical distribution
   of the days from closing to comeback in the fitted outcomes plus two
   pseudo-comebacks spread uniformly over the window (so that ``F`` stays
   below 1 until the window ends, and is uniform without data), the
   probability that it still
   comes back is ``p (1 - F(a)) / (1 - p F(a))`` (Bayes' rule).

Everything is computed with numpy for all cases at once: comebacks by a
sorted (place, category, time) key and one expansion of the candidate pairs,
distances in metres in the local UTM zone (:func:`hotspots._core.crs.metric_xy`).

:func:`recheck_backtest` checks the list on held-out weeks against choosing
the same number of closed cases at random and the most recent closures.

References
----------
Casella, G. (1985). An introduction to empirical Bayes data analysis. The
American Statistician, 39(2), 83-87.

Skellam, J. G. (1948). A probability distribution derived from the binomial
distribution by regarding the probability of success as variable between
the sets of trials. Journal of the Royal Statistical Society B, 10(2),
257-261.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
from scipy.special import betaln

from .._core import schema as sc
from .._core.crs import metric_xy
from .._core.types import FloatArray, IntArray, TimeLike
from .._core.validate import local_time, positive_number, time_zone, whole_number
from ..errors import InputError, collect_problems
from ..ledger.blindspots import pair_slices
from ._cases import case_problems

__all__ = [
    "CATEGORY_RATE",
    "CLOSURE_CASE_IDS",
    "COMEBACK_CASE_IDS",
    "DAYS_SINCE_CLOSED",
    "PLACE_CLOSURES",
    "PLACE_COMEBACKS",
    "P_WINDOW",
    "RECHECK_P",
    "RECHECK_RANK",
    "RECHECK_REASON_EN",
    "RECHECK_REASON_ZH",
    "RecheckBacktest",
    "planted_comebacks",
    "recheck_backtest",
    "recheck_list",
]

#: Output columns of :func:`recheck_list`.
RECHECK_RANK: Final = "recheck_rank"
RECHECK_P: Final = "recheck_p"
P_WINDOW: Final = "p_window"
DAYS_SINCE_CLOSED: Final = "days_since_closed"
PLACE_CLOSURES: Final = "place_closures"
PLACE_COMEBACKS: Final = "place_comebacks"
CATEGORY_RATE: Final = "category_rate"
CLOSURE_CASE_IDS: Final = "closure_case_ids"
COMEBACK_CASE_IDS: Final = "comeback_case_ids"
RECHECK_REASON_ZH: Final = "reason_zh"
RECHECK_REASON_EN: Final = "reason_en"

_DAY_S: Final = 86_400
#: Time offsets (seconds) live in the low bits of the sorted key.
_T_BITS: Final = 34
#: Pseudo-comebacks spread uniformly over the window, added to the observed
#: days-to-comeback so that their distribution reaches 1 only at the window's end.
_GAP_PRIOR: Final = 2.0
#: The grid of prior strengths tried by the marginal likelihood.
_STRENGTHS: Final = np.logspace(-1.0, 4.0, 101)


# -- validation ------------------------------------------------------------------------


def _timestamp(value: object, name: str, tz: str, problems: list[str]) -> Any:
    stamp, problem = local_time(value, name, tz=tz, example="'2026-11-23 00:00+08:00'")
    if problem:
        problems.append(problem)
    return stamp


def _check_cases(cases: object, place: object, tz: object) -> list[str]:
    """Return the problems of the cases, the place column and the timezone."""
    if not isinstance(cases, gpd.GeoDataFrame):
        msg = (
            f"cases must be a GeoDataFrame of point cases, got {type(cases).__name__}. "
            "Read them with hotspots.read_reports and join them with hotspots.assign."
        )
        raise TypeError(msg)
    problems: list[str] = []
    if not isinstance(place, str):
        problems.append(
            f"place must be the name of the place id column, got {place!r}. "
            "Pass e.g. place='grid_id' or place='segment_id'."
        )
        place = None
    problems += case_problems(
        cases,
        place,  # type: ignore[arg-type]
        "Join the cases to their places with hotspots.assign.",
    )
    if cases.crs is None:
        problems.append(
            "cases have no CRS, so distances cannot be measured in metres. "
            "Set it, e.g. cases.set_crs('EPSG:4326')."
        )
    tz_problem = time_zone(tz)
    if tz_problem:
        problems.append(tz_problem)
    return problems


def _check_model(
    within_days: object,
    distance_m: object,
    history_days: object,
    top_k: object,
) -> list[str]:
    """Return the problems of the model's numbers (windows, radius, list size)."""
    problems = [
        p
        for p in (
            positive_number(within_days, "within_days", example="within_days=14"),
            None
            if distance_m is None
            else positive_number(distance_m, "distance_m", example="distance_m=20"),
            positive_number(history_days, "history_days", example="history_days=56"),
            whole_number(top_k, "top_k", example="top_k=20"),
        )
        if p
    ]
    if not problems and float(history_days) <= float(within_days):  # type: ignore[arg-type]
        problems.append(
            f"history_days must be longer than within_days ({within_days!r}) so "
            f"that some closures have a whole follow-up window, got "
            f"{history_days!r}. Pass e.g. history_days=56 (8 weeks)."
        )
    return problems


# -- the arrays ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Arrays:
    """Slim arrays of the usable cases (positions ``rows`` in the frame)."""

    rows: npt.NDArray[np.intp]
    key: IntArray  # (place, category) code
    category: IntArray
    categories: npt.NDArray[np.object_]
    t: IntArray  # filed, seconds since the epoch (UTC)
    closed: IntArray  # closed, seconds; valid where has_close
    has_close: npt.NDArray[np.bool_]
    ids: npt.NDArray[np.object_]
    first: IntArray  # position (in these arrays) of the first comeback, or -1
    first_t: FloatArray  # its filing time, seconds (inf when none)
    left_out: int


def _seconds(times: pd.Series) -> IntArray:
    idx = pd.DatetimeIndex(times).tz_convert("UTC").tz_localize(None).as_unit("s")
    return np.asarray(idx.asi8, dtype=np.int64)


def _arrays(
    cases: gpd.GeoDataFrame, *, place: str, within_days: float, distance_m: float | None
) -> _Arrays:
    filed = cases[sc.REPORTED_AT]
    place_code, _ = pd.factorize(cases[place], use_na_sentinel=True)
    cat_code, cat_names = pd.factorize(cases[sc.CATEGORY], use_na_sentinel=True)
    usable = (place_code >= 0) & (cat_code >= 0) & filed.notna().to_numpy(dtype=bool)
    geoms = cases.geometry.to_numpy()
    x, y = np.full(len(cases), np.nan), np.full(len(cases), np.nan)
    if distance_m is not None and usable.any():
        # one metric CRS for every case: the one policy (metric_crs_for), the
        # UTM zone of the usable points
        src = pyproj.CRS.from_user_input(cases.crs)
        mx, my, _ = metric_xy(geoms[usable], src)
        x[usable], y[usable] = mx, my
        usable &= np.isfinite(x) & np.isfinite(y)
    rows = np.flatnonzero(usable)
    n_cats = max(len(cat_names), 1)
    key = place_code[rows].astype(np.int64) * n_cats + cat_code[rows]
    t = _seconds(filed.take(rows))
    closed_raw = cases[sc.CLOSED_AT].take(rows)
    has_close = closed_raw.notna().to_numpy(dtype=bool)
    closed = np.zeros(len(rows), dtype=np.int64)
    if has_close.any():
        closed[has_close] = _seconds(closed_raw[has_close])
    first, first_t = _first_comebacks(
        key,
        t,
        closed,
        has_close,
        x[rows],
        y[rows],
        horizon=round(within_days * _DAY_S),
        distance_m=distance_m,
    )
    return _Arrays(
        rows=rows,
        key=key,
        category=cat_code[rows].astype(np.int64),
        categories=np.asarray(pd.Index(cat_names).astype(str), dtype=object),
        t=t,
        closed=closed,
        has_close=has_close,
        ids=cases[sc.REPORT_ID].take(rows).astype(str).to_numpy(dtype=object),
        first=first,
        first_t=first_t,
        left_out=len(cases) - len(rows),
    )


def _first_comebacks(
    key: IntArray,
    t: IntArray,
    closed: IntArray,
    has_close: npt.NDArray[np.bool_],
    x: FloatArray,
    y: FloatArray,
    *,
    horizon: int,
    distance_m: float | None,
) -> tuple[IntArray, FloatArray]:
    """Find the first report that is each closure coming back, and its time.

    Report ``j`` is closure ``i`` coming back when it has the same key (place
    and category), was filed strictly after ``i`` was closed and at most
    ``horizon`` seconds after, and (unless ``distance_m`` is None) lies
    within ``distance_m`` metres of it. All reports of the data are used:
    callers judge "known by ``as_of``" by the comeback's time, which is the
    earliest one.
    """
    n = len(key)
    first = np.full(n, -1, dtype=np.int64)
    first_t = np.full(n, np.inf)
    if n == 0 or not has_close.any():
        return first, first_t
    t0 = int(t.min())
    span = (1 << _T_BITS) - 1
    order = np.lexsort((t, key))
    sorted_key = (key[order] << _T_BITS) | np.clip(t[order] - t0 + 1, 0, span)
    ci = np.flatnonzero(has_close)
    base = key[ci] << _T_BITS
    lo = np.searchsorted(
        sorted_key, base | np.clip(closed[ci] - t0 + 1, 0, span), side="right"
    )
    hi = np.searchsorted(
        sorted_key, base | np.clip(closed[ci] + horizon - t0 + 1, 0, span), side="right"
    )
    count = np.maximum(hi - lo, 0)
    reach = np.inf if distance_m is None else float(distance_m) ** 2
    for li, j in pair_slices(lo, count, order):
        i = ci[li]
        d2 = (
            (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2
            if distance_m is not None
            else np.zeros(len(i))
        )
        hit = np.flatnonzero(d2 <= reach)  # NaN never matches
        if len(hit) == 0:
            continue
        # pairs come per closure in time order: the first hit is the earliest
        hit_i, at = np.unique(i[hit], return_index=True)
        better = t[j[hit[at]]] < first_t[hit_i]
        first[hit_i[better]] = j[hit[at]][better]
        first_t[hit_i[better]] = t[j[hit[at]]][better]
    return first, first_t


# -- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fit:
    p_window: FloatArray  # per candidate
    p_now: FloatArray
    n: IntArray
    k: IntArray
    rate: FloatArray
    strength: float
    fit_closures: npt.NDArray[np.intp]  # positions of the fitted closures
    came_back: npt.NDArray[np.bool_]  # their outcomes


def _prior_strength(k: IntArray, n: IntArray, m: FloatArray) -> float:
    """Beta-binomial marginal maximum likelihood of the prior strength ``s``."""
    if len(n) == 0:
        return float(_STRENGTHS[-1])
    triples, weight = np.unique(
        np.column_stack([k.astype(np.float64), n.astype(np.float64), m]),
        axis=0,
        return_counts=True,
    )
    kk, nn, mm = (triples[:, i][:, None] for i in range(3))
    a = _STRENGTHS[None, :] * mm
    b = _STRENGTHS[None, :] * (1.0 - mm)
    loglik = (weight[:, None] * (betaln(kk + a, nn - kk + b) - betaln(a, b))).sum(
        axis=0
    )
    return float(_STRENGTHS[int(np.argmax(loglik))])


def _fit(
    arr: _Arrays,
    as_of: int,
    candidates: npt.NDArray[np.intp],
    *,
    horizon: int,
    history: int,
) -> _Fit:
    closed_ok = arr.has_close & (arr.t <= as_of) & (arr.closed <= as_of)
    fit = np.flatnonzero(
        closed_ok & (arr.closed >= as_of - history) & (arr.closed + horizon <= as_of)
    )
    came_back = np.isfinite(arr.first_t[fit])
    n_cats = max(len(arr.categories), 1)
    cat = arr.category[fit]
    big_n = np.bincount(cat, minlength=n_cats).astype(np.float64)
    big_k = np.bincount(cat, weights=came_back, minlength=n_cats)
    m_all = (big_k.sum() + 0.5) / (big_n.sum() + 1.0)
    rate = (big_k + 2.0 * m_all) / (big_n + 2.0)
    keys, inv = np.unique(arr.key[fit], return_inverse=True)
    n_key = np.bincount(inv, minlength=len(keys)).astype(np.int64)
    k_key = np.bincount(inv, weights=came_back, minlength=len(keys)).astype(np.int64)
    key_cat = arr.key[fit][np.unique(inv, return_index=True)[1]] % n_cats
    strength = _prior_strength(k_key, n_key, rate[key_cat])
    # the candidates' (place, category) history
    at = np.searchsorted(keys, arr.key[candidates])
    known = at < len(keys)
    known[known] = keys[at[known]] == arr.key[candidates][known]
    n = np.where(known, n_key[np.minimum(at, len(keys) - 1)] if len(keys) else 0, 0)
    k = np.where(known, k_key[np.minimum(at, len(keys) - 1)] if len(keys) else 0, 0)
    m = rate[arr.category[candidates]]
    p = (k + strength * m) / (n + strength)
    # recency: the share of comebacks that happen within the age of the case
    gaps = np.sort(arr.first_t[fit][came_back] - arr.closed[fit][came_back])
    age = (as_of - arr.closed[candidates]).astype(np.float64)
    uniform = np.clip(age / horizon, 0.0, 1.0)
    used = (np.searchsorted(gaps, age, side="right") + _GAP_PRIOR * uniform) / (
        len(gaps) + _GAP_PRIOR
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        p_now = np.where(used < 1.0, p * (1.0 - used) / (1.0 - p * used), 0.0)
    return _Fit(
        p_window=p.astype(np.float64),
        p_now=np.clip(p_now, 0.0, 1.0).astype(np.float64),
        n=np.asarray(n, dtype=np.int64),
        k=np.asarray(k, dtype=np.int64),
        rate=m.astype(np.float64),
        strength=strength,
        fit_closures=fit,
        came_back=came_back,
    )


def _candidates(arr: _Arrays, as_of: int, horizon: int) -> npt.NDArray[np.intp]:
    """Return the cases closed in the ``horizon`` before ``as_of``, not back yet."""
    return np.flatnonzero(
        arr.has_close
        & (arr.t <= as_of)
        & (arr.closed <= as_of)
        & (arr.closed > as_of - horizon)
        & (arr.first_t > as_of)
    )


def _rank(
    arr: _Arrays, candidates: npt.NDArray[np.intp], score: FloatArray
) -> npt.NDArray[np.intp]:
    """Order of the candidates: score, then the latest closure, then the id."""
    ids = arr.ids[candidates].astype(str)
    return np.lexsort((ids, -arr.closed[candidates], -score))


# -- reasons ---------------------------------------------------------------------------


def _span_words(history_days: float) -> tuple[str, str]:
    if float(history_days) % 7 == 0:
        w = int(history_days) // 7
        return f"{w}周", f"{w} week{'s' if w != 1 else ''}"
    d = f"{float(history_days):g}"
    return f"{d}天", f"{d} days"


def _reasons(
    days_ago: FloatArray, n: IntArray, k: IntArray, rate: FloatArray, history: float
) -> tuple[list[str], list[str]]:
    span_zh, span_en = _span_words(history)
    zh: list[str] = []
    en: list[str] = []
    for d, nn, kk, r in zip(
        days_ago.tolist(), n.tolist(), k.tolist(), rate.tolist(), strict=True
    ):
        days = int(d)
        when_zh = "今天结案" if days == 0 else f"{days}天前结案"
        when_en = (
            "closed today"
            if days == 0
            else f"closed {days} day{'s' if days != 1 else ''} ago"
        )
        pct = f"{round(100 * r)}%"
        if kk > 0:
            zh.append(f"{when_zh}；此处{span_zh}内复发{kk}次（结案{nn}次）")
            en.append(
                f"{when_en}; this spot came back {kk} time{'s' if kk != 1 else ''} "
                f"in {span_en} ({kk} of {nn} closures)"
            )
        elif nn > 0:
            zh.append(
                f"{when_zh}；此处{span_zh}内结案{nn}次未复发；此类问题全市复发率{pct}"
            )
            en.append(
                f"{when_en}; no comeback here in {span_en} ({nn} closures); "
                f"city comeback rate of this category {pct}"
            )
        else:
            zh.append(f"{when_zh}；此处{span_zh}内无结案记录；此类问题全市复发率{pct}")
            en.append(
                f"{when_en}; no closures here in {span_en}; "
                f"city comeback rate of this category {pct}"
            )
    return zh, en


def _ids_by_candidate(
    arr: _Arrays,
    candidates: npt.NDArray[np.intp],
    fit: _Fit,
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Report ids of each candidate's fitted closures and of their comebacks."""
    closures = fit.fit_closures
    order = np.lexsort((arr.closed[closures], arr.key[closures]))
    skey = arr.key[closures][order]
    lo = np.searchsorted(skey, arr.key[candidates], side="left")
    hi = np.searchsorted(skey, arr.key[candidates], side="right")
    closure_ids: list[tuple[str, ...]] = []
    comeback_ids: list[tuple[str, ...]] = []
    for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
        pos = closures[order[a:b]]
        closure_ids.append(tuple(arr.ids[pos].tolist()))
        back = arr.first[pos]
        comeback_ids.append(tuple(arr.ids[back[back >= 0]].tolist()))
    return closure_ids, comeback_ids


# -- the public entries ----------------------------------------------------------------


def recheck_list(
    cases: gpd.GeoDataFrame,
    *,
    as_of: TimeLike,
    within_days: float = 14,
    distance_m: float | None = 20.0,
    top_k: int = 20,
    place: str = sc.GRID_ID,
    history_days: float = 56,
    tz: str = sc.DEFAULT_TZ,
) -> gpd.GeoDataFrame:
    """Pick the closed cases most likely to come back, for a re-check (回头看).

    Candidates are the cases closed in the ``within_days`` days up to
    ``as_of`` that have not come back yet. Each gets the modelled
    probability that the problem comes back at the same place (same
    ``place`` id and category, within ``distance_m`` metres) before its
    window of ``within_days`` days after closing ends; see the module
    docstring for the model (empirical-Bayes beta-binomial rate of the place
    and category, shrunk to the category's city rate, times a recency
    factor). The model sees only what was known at ``as_of``: reports filed
    and closures made up to then.

    Parameters
    ----------
    cases
        Cases joined to their places (:func:`hotspots.assign`): point
        geometry with a CRS, ``report_id``, ``reported_at`` and
        ``closed_at`` (tz-aware; NaT while open), ``category`` and the
        ``place`` column. A case counts as closed at ``closed_at`` whatever
        its current ``status``; for the state as it was known at a past
        date pass ``Ledger.reports(as_of)``. Cases without a place, a
        category, a time or a location are left out (counted in
        ``attrs["left_out"]``). Not modified.
    as_of
        The time of the list (tz-aware, or naive in ``tz``), e.g. Monday
        00:00 of next week.
    within_days
        The comeback window after closing, in days (default 14).
    distance_m
        How close (metres, in the local UTM zone of the cases) a new report
        must be to count as the same problem (default 20); None: anywhere
        in the same place.
    top_k
        How many cases to return (default 20).
    place
        The place id column: ``"grid_id"`` (default) or ``"segment_id"``.
    history_days
        The history the model is fit on, in days before ``as_of`` (default
        56, 8 weeks); longer than ``within_days``.
    tz
        Timezone of naive times.

    Returns
    -------
    geopandas.GeoDataFrame
        At most ``top_k`` rows of ``cases`` (index, columns and CRS kept), in
        rank order, with ``recheck_rank`` (1 = most likely), ``recheck_p``
        (probability that it still comes back), ``p_window`` (the place's
        comeback probability before the recency factor),
        ``days_since_closed``, ``place_closures`` and ``place_comebacks``
        (the fitted closures of this place and category in the history and
        how many came back), ``category_rate`` (the city rate of the
        category), ``closure_case_ids`` and ``comeback_case_ids`` (the
        report ids behind those two counts: the closures, and the reports
        that were their comebacks), ``reason_zh`` and ``reason_en``. The
        fitted prior strength is in ``attrs["prior_strength"]``, the number
        of candidates in ``attrs["candidates"]``.

    Raises
    ------
    TypeError
        When ``cases`` is not a GeoDataFrame.
    InputError
        Listing every problem: missing columns, naive times, no CRS, a bad
        ``as_of``, ``within_days``, ``distance_m``, ``history_days``,
        ``top_k``, ``place`` or ``tz``.

    References
    ----------
    Casella, G. (1985). An introduction to empirical Bayes data analysis.
    The American Statistician, 39(2), 83-87.

    Examples
    --------
    >>> cases, truth = planted_comebacks(seed=1, weeks=12)
    >>> picks = recheck_list(cases, as_of="2026-08-24", top_k=5)
    >>> len(picks), bool(picks["recheck_p"].is_monotonic_decreasing)
    (5, True)
    >>> picks["reason_en"].iloc[0].startswith("closed ")
    True
    """
    problems = _check_cases(cases, place, tz)
    problems += _check_model(within_days, distance_m, history_days, top_k)
    stamp = _timestamp(as_of, "as_of", tz, problems)
    collect_problems(problems, "recheck_list")
    arr = _arrays(
        cases, place=place, within_days=float(within_days), distance_m=distance_m
    )
    now = int(pd.Timestamp(stamp).tz_convert("UTC").timestamp())
    horizon = round(float(within_days) * _DAY_S)
    history = round(float(history_days) * _DAY_S)
    cand = _candidates(arr, now, horizon)
    fit = _fit(arr, now, cand, horizon=horizon, history=history)
    order = _rank(arr, cand, fit.p_now)[: int(top_k)]
    pick = cand[order]
    out = cases.iloc[arr.rows[pick]].copy()
    days_ago = (now - arr.closed[pick]) / _DAY_S
    n, k, rate = fit.n[order], fit.k[order], fit.rate[order]
    closure_ids, comeback_ids = _ids_by_candidate(arr, pick, fit)
    zh, en = _reasons(days_ago, n, k, rate, float(history_days))
    out[RECHECK_RANK] = np.arange(1, len(pick) + 1, dtype=np.int64)
    out[RECHECK_P] = fit.p_now[order]
    out[P_WINDOW] = fit.p_window[order]
    out[DAYS_SINCE_CLOSED] = days_ago
    out[PLACE_CLOSURES] = n
    out[PLACE_COMEBACKS] = k
    out[CATEGORY_RATE] = rate
    out[CLOSURE_CASE_IDS] = pd.Series(closure_ids, index=out.index, dtype=object)
    out[COMEBACK_CASE_IDS] = pd.Series(comeback_ids, index=out.index, dtype=object)
    out[RECHECK_REASON_ZH] = zh
    out[RECHECK_REASON_EN] = en
    out.attrs["prior_strength"] = fit.strength
    out.attrs["candidates"] = len(cand)
    out.attrs["left_out"] = arr.left_out
    out.attrs["as_of"] = str(stamp)
    return out


@dataclass(frozen=True)
class RecheckBacktest:
    """Comebacks found by the re-check list on held-out weeks, against baselines.

    Attributes
    ----------
    weeks
        One row per held-out week: ``as_of`` (Monday 00:00 local),
        ``candidates`` (closed in the ``within_days`` before, not back yet),
        ``picks`` (K, or fewer candidates), ``comebacks_model`` (how many
        picked cases came back in their window after ``as_of``),
        ``comebacks_random`` (the expected number for K random candidates:
        K times the share of candidates that came back), ``comebacks_recent``
        (the K latest closures), ``pool_rate`` and ``hit_case_ids`` (the
        report ids of the picks that came back).
    within_days, top_k
        The parameters of the run.
    """

    weeks: pd.DataFrame
    within_days: float
    top_k: int

    @property
    def picks(self) -> int:
        """Re-checks made over all held-out weeks."""
        return int(self.weeks["picks"].sum())

    @property
    def comebacks_model(self) -> int:
        """Comebacks found by the model's picks."""
        return int(self.weeks["comebacks_model"].sum())

    @property
    def comebacks_random(self) -> float:
        """Expected comebacks found by random picks (exact expectation)."""
        return float(self.weeks["comebacks_random"].sum())

    @property
    def comebacks_recent(self) -> int:
        """Comebacks found by picking the most recent closures."""
        return int(self.weeks["comebacks_recent"].sum())

    @property
    def hits_per_recheck(self) -> float:
        """Comebacks found per re-check by the model."""
        return self.comebacks_model / self.picks if self.picks else float("nan")

    @property
    def ratio_random(self) -> float:
        """Model comebacks over the expected random comebacks."""
        r = self.comebacks_random
        return self.comebacks_model / r if r > 0 else float("nan")

    @property
    def ratio_recent(self) -> float:
        """Model comebacks over the most-recent-closures comebacks."""
        r = self.comebacks_recent
        return self.comebacks_model / r if r > 0 else float("nan")


def recheck_backtest(
    cases: gpd.GeoDataFrame,
    *,
    weeks: int = 8,
    top_k: int = 20,
    within_days: float = 14,
    distance_m: float | None = 20.0,
    place: str = sc.GRID_ID,
    history_days: float = 56,
    tz: str = sc.DEFAULT_TZ,
) -> RecheckBacktest:
    """Backtest the re-check list on held-out weeks.

    For each of the last ``weeks`` Mondays (00:00 in ``tz``) whose
    candidates' whole windows end before the last report, the model is fit
    on the history before that Monday (:func:`recheck_list`) and picks
    ``top_k`` candidates; they are scored by whether the problem came back
    in the rest of its window (after the Monday, at most ``within_days``
    after closing), against (a) ``top_k`` candidates chosen at random (the
    exact expectation: ``top_k`` times the share of candidates that came
    back) and (b) the ``top_k`` most recent closures.

    Parameters
    ----------
    cases
        As for :func:`recheck_list`. Not modified.
    weeks
        Number of held-out weeks (default 8).
    top_k
        Re-checks per week (default 20).
    within_days, distance_m, place, history_days, tz
        As for :func:`recheck_list`.

    Returns
    -------
    RecheckBacktest
        The weekly table and the totals and ratios.

    Raises
    ------
    TypeError
        When ``cases`` is not a GeoDataFrame.
    InputError
        Listing every problem (as for :func:`recheck_list`, and a bad
        ``weeks``), or when the cases span too little time for one held-out
        week with ``history_days`` of history before it and ``within_days``
        of follow-up after it.

    References
    ----------
    Casella, G. (1985). An introduction to empirical Bayes data analysis.
    The American Statistician, 39(2), 83-87.

    Examples
    --------
    >>> cases, truth = planted_comebacks(seed=1, weeks=16)
    >>> bt = recheck_backtest(cases, weeks=4, top_k=10)
    >>> len(bt.weeks), bt.comebacks_model > bt.comebacks_random
    (4, True)
    """
    problems = _check_cases(cases, place, tz)
    problems += _check_model(within_days, distance_m, history_days, top_k)
    weeks_problem = whole_number(weeks, "weeks", example="weeks=8")
    if weeks_problem:
        problems.append(weeks_problem)
    collect_problems(problems, "recheck_backtest")
    arr = _arrays(
        cases, place=place, within_days=float(within_days), distance_m=distance_m
    )
    horizon = round(float(within_days) * _DAY_S)
    history = round(float(history_days) * _DAY_S)
    mondays = _held_out_mondays(
        arr, weeks=int(weeks), horizon=horizon, history=history, tz=tz
    )
    rows: list[dict[str, Any]] = []
    k_max = int(top_k)
    for monday in mondays:
        now = int(monday.tz_convert("UTC").timestamp())
        cand = _candidates(arr, now, horizon)
        back = arr.first_t[cand] <= arr.closed[cand] + horizon  # after now, by rule
        fit = _fit(arr, now, cand, horizon=horizon, history=history)
        k = min(k_max, len(cand))
        model = _rank(arr, cand, fit.p_now)[:k]
        recent = _rank(arr, cand, np.zeros(len(cand)))[:k]
        pool_rate = float(back.mean()) if len(cand) else float("nan")
        rows.append(
            {
                "as_of": monday,
                "candidates": len(cand),
                "picks": k,
                "comebacks_model": int(back[model].sum()),
                "comebacks_random": k * pool_rate if len(cand) else 0.0,
                "comebacks_recent": int(back[recent].sum()),
                "pool_rate": pool_rate,
                "hit_case_ids": tuple(arr.ids[cand[model][back[model]]].tolist()),
            }
        )
    return RecheckBacktest(
        weeks=pd.DataFrame(rows), within_days=float(within_days), top_k=k_max
    )


def _held_out_mondays(
    arr: _Arrays, *, weeks: int, horizon: int, history: int, tz: str
) -> list[pd.Timestamp]:
    if len(arr.t) == 0:
        msg = (
            "recheck_backtest needs cases with a place, a category, a time and a "
            "location; none has all four. Join the cases with hotspots.assign."
        )
        raise InputError(msg)
    first = pd.Timestamp(int(arr.t.min()), unit="s", tz="UTC").tz_convert(tz)
    last = pd.Timestamp(int(arr.t.max()), unit="s", tz="UTC").tz_convert(tz)
    latest = (last - pd.Timedelta(seconds=horizon)).tz_localize(None).normalize()
    latest -= pd.Timedelta(days=latest.day_of_week)
    mondays = [(latest - pd.Timedelta(weeks=w)).tz_localize(tz) for w in range(weeks)][
        ::-1
    ]
    earliest = first + pd.Timedelta(seconds=history)
    usable = [m for m in mondays if m >= earliest]
    if len(usable) < weeks:
        span = (last - first).total_seconds() / _DAY_S
        msg = (
            f"weeks={weeks} held-out weeks need {history // _DAY_S:g} days of "
            f"history before the first and {horizon / _DAY_S:g} days of follow-up "
            f"after the last, but the cases span {span:.0f} days. Pass fewer "
            "weeks (e.g. weeks="
            f"{max(len(usable), 1)}) or a shorter history_days."
        )
        raise InputError(msg)
    return usable


# -- a synthetic city with planted comeback-prone places -------------------------------


def planted_comebacks(
    *,
    seed: int,
    weeks: int = 20,
    n_side: int = 20,
    categories: int = 4,
    rate_per_week: float = 0.15,
    prone_share: float = 0.05,
    p_prone: float = 0.6,
    p_base: float = 0.03,
    within_days: float = 14,
    start: str = "2026-06-01",
    tz: str = sc.DEFAULT_TZ,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return a synthetic city's cases with planted comeback-prone places.

    A square of ``n_side`` x ``n_side`` grid cells of 100 m (UTM zone 51N,
    near Qingdao). Every (cell, category) files background cases as a
    Poisson process of ``rate_per_week`` at uniform points of the cell; each
    closes after a Gamma(2, 0.5) number of days. After closing, a problem
    comes back with its place's probability (``p_prone`` for a random
    ``prone_share`` of the (cell, category) pairs, ``p_base`` elsewhere) at
    a uniform time within ``0.5 .. within_days - 0.5`` days, within a few
    metres (normal, 5 m a side) of the closed case; comebacks close and may
    come back again. Cases still open at the end have no ``closed_at``.

    Parameters
    ----------
    seed
        Seed of the random generator.
    weeks
        Length of the period in weeks from ``start`` (a Monday).
    n_side
        Cells per side.
    categories
        Number of categories (``"C0"``, ``"C1"``, ...).
    rate_per_week
        Background cases per (cell, category) and week.
    prone_share
        Share of (cell, category) pairs that are comeback-prone.
    p_prone, p_base
        Probability that a closed problem comes back, at prone places and
        elsewhere.
    within_days
        The comeback window the planted comebacks fall in.
    start
        First day (local).
    tz
        Timezone of the times.

    Returns
    -------
    tuple
        The cases (GeoDataFrame in EPSG:4326: ``report_id``,
        ``reported_at``, ``closed_at``, ``status``, ``category``,
        ``grid_id``, ``origin`` background / comeback) and the truth
        (``grid_id``, ``category``, ``prone``, ``p_comeback``, one row per
        pair).

    Examples
    --------
    >>> cases, truth = planted_comebacks(seed=1, weeks=4)
    >>> int(truth["prone"].sum()), str(cases.crs)
    (80, 'EPSG:4326')
    """
    rng = np.random.default_rng(seed)
    n_pairs = n_side * n_side * categories
    prone = np.zeros(n_pairs, dtype=bool)
    prone[rng.choice(n_pairs, size=round(prone_share * n_pairs), replace=False)] = True
    p_back = np.where(prone, p_prone, p_base)
    end_days = weeks * 7.0
    counts = rng.poisson(rate_per_week * weeks, n_pairs)
    pair = np.repeat(np.arange(n_pairs), counts)
    cell = pair // categories
    x = (cell % n_side + rng.random(len(pair))) * 100.0
    y = (cell // n_side + rng.random(len(pair))) * 100.0
    t = rng.uniform(0.0, end_days, len(pair))
    kid = np.zeros(len(pair), dtype=bool)
    parts: list[tuple[npt.NDArray[Any], ...]] = []
    for _ in range(100):
        close_t = t + rng.gamma(2.0, 0.5, len(t))
        parts.append((pair, x, y, t, close_t, kid))
        back = rng.random(len(t)) < p_back[pair]
        kid_t = close_t + rng.uniform(0.5, within_days - 0.5, len(t))
        keep = back & (kid_t < end_days)
        if not keep.any():
            break
        n_kids = int(keep.sum())
        pair = pair[keep]
        x = x[keep] + rng.normal(0.0, 5.0, n_kids)
        y = y[keep] + rng.normal(0.0, 5.0, n_kids)
        t = kid_t[keep]
        kid = np.ones(n_kids, dtype=bool)
    cols = [np.concatenate(col) for col in zip(*parts, strict=True)]
    order = np.argsort(cols[3], kind="stable")
    pair, x, y, t, close_t, kid = (col[order] for col in cols)
    base = pd.Timestamp(start, tz=tz)
    filed = base + pd.to_timedelta(np.round(t * _DAY_S), unit="s")
    closed_at = pd.Series(
        base + pd.to_timedelta(np.round(close_t * _DAY_S), unit="s")
    ).where(close_t < end_days)
    lon, lat = pyproj.Transformer.from_crs(
        "EPSG:32651", sc.WGS84, always_xy=True
    ).transform(264_000.0 + x, 3_994_000.0 + y)
    cell = pair // categories
    grid_ids = np.array([f"G{i:04d}" for i in range(n_side * n_side)], dtype=object)
    cats = np.array([f"C{i}" for i in range(categories)], dtype=object)
    cases = gpd.GeoDataFrame(
        {
            sc.REPORT_ID: [f"R{i:06d}" for i in range(len(t))],
            sc.REPORTED_AT: filed,
            sc.CLOSED_AT: closed_at.to_numpy(),
            sc.STATUS: np.where(close_t < end_days, "closed", "open"),
            sc.CATEGORY: cats[pair % categories],
            sc.GRID_ID: grid_ids[cell],
            "origin": np.where(kid, "comeback", "background"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=sc.WGS84,
    )
    idx = np.arange(n_pairs)
    truth = pd.DataFrame(
        {
            sc.GRID_ID: grid_ids[idx // categories],
            sc.CATEGORY: cats[idx % categories],
            "prone": prone,
            "p_comeback": p_back,
        }
    )
    return cases, truth
