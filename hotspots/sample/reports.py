"""The sample district's raw reports: where, when, which category and source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops

from .._core import schema as s
from .._core.types import FloatArray, IntArray
from .geometry import Grid, Places, bilinear, cell_coords
from .planting import PATTERN_THEME, Plan, pattern_profile
from .words import (
    CAT_GROUP,
    CATEGORIES,
    DAYS,
    GROUP_NAMES,
    GROUPS,
    HOURS,
    ON_STREET,
    OUTSIDE_MIX,
    SOURCE_MIX,
)

_KERNEL_M: Final = 110.0


def inverse_cdf(
    rng: np.random.Generator,
    probs: FloatArray,
    rows: IntArray,
) -> IntArray:
    """Draw one index per row from the discrete distribution ``probs[rows]``."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    out = (cum[rows] < u[:, None]).sum(axis=1)
    result: IntArray = np.minimum(out, probs.shape[1] - 1).astype(np.int64)
    return result


def _group_rates(grid: Grid, edges: npt.NDArray[np.int8], places: Places) -> FloatArray:
    """Relative weekly rate of each category group in each cell."""
    cent = grid.quads.mean(axis=1)
    pxy = places.frame.geometry.get_coordinates().to_numpy()
    d2 = (cent[:, None, 0] - pxy[None, :, 0]) ** 2 + (
        cent[:, None, 1] - pxy[None, :, 1]
    ) ** 2
    ker = np.exp(-d2 / (2 * _KERNEL_M**2))
    kinds = places.frame[s.PLACE_KIND].to_numpy()

    def k(kind: str) -> FloatArray:
        return np.asarray(ker[:, kinds == kind].sum(axis=1), dtype=np.float64)

    alley = (edges == 1).any(axis=1).astype(float)
    art = (edges == 3).any(axis=1).astype(float)
    sec = (edges == 2).any(axis=1).astype(float)
    rates = {
        "vendor": 0.03 + 1.6 * k("market"),
        "parking": 0.08
        + 0.9 * k("school")
        + 0.9 * k("station")
        + 0.7 * k("hospital")
        + 0.1 * art,
        "construction": 0.015 + 1.8 * k("construction"),
        "sanitation": 0.25 + 0.40 * alley,
        "flyposting": 0.05 + 0.30 * art + 0.08 * sec,
        "dogs": 0.05 + 0.05 * alley + 0.25 * k("construction"),
        "misc": np.full(len(cent), 0.28),
    }
    return np.stack([rates[g] for g in GROUP_NAMES], axis=1)


def _within_cell(
    rng: np.random.Generator,
    n: int,
    edge: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Return (s, t) in the unit square, near the given edge (0-3) or anywhere (-1)."""
    # keep half a metre or more from the edges, so that rounding the exported
    # coordinates never moves a report into the next cell
    sv = rng.uniform(0.005, 0.995, n)
    tv = rng.uniform(0.005, 0.995, n)
    near = rng.uniform(0.01, 0.12, n)
    sv = np.where(edge == 0, near, np.where(edge == 1, 1 - near, sv))
    tv = np.where(edge == 2, near, np.where(edge == 3, 1 - near, tv))
    return sv, tv


#: Reports per week of an ``outside_only`` blind spot, in units of the base rate.
_OUTSIDE_RATE: Final = 3.0
#: Mean days of one cycle of a ``comeback`` blind spot (open, then quiet).
_CYCLE_DAYS: Final = 0.9 + 2.0


@dataclass(frozen=True)
class _Rates:
    """The expected weekly reports of each cell, planted blocks applied."""

    rel: FloatArray  # (cells, groups) relative rate of each category group
    lam: FloatArray  # (cells,) relative rate of the cell, mean 1
    week_factor: FloatArray  # (weeks,) district-wide weekly factor
    keep: FloatArray  # (cells, weeks) multiplier of the background
    block_of: npt.NDArray[np.object_]  # (cells,) planted_id of the block, or ""
    base: float  # reports per cell and week at relative rate 1


def raw_reports(
    rng: np.random.Generator,
    grid: Grid,
    edges: npt.NDArray[np.int8],
    places: Places,
    plan: Plan,
    n_weeks: int,
    n_reports: int,
    near_repeat: float,
    strength: float,
) -> pd.DataFrame:
    """Draw the raw reports: cell, week, group, category, source, time, position."""
    rates = _rates(
        rng, grid, edges, places, plan, n_weeks, n_reports, near_repeat, strength
    )
    raw = pd.concat(
        [
            _background(rng, plan, rates, n_weeks),
            _pattern_reports(rng, plan, rates, n_weeks, strength),
        ],
        ignore_index=True,
    )
    raw["cat"] = _categories(rng, raw["group"].to_numpy())
    raw = pd.concat(
        [
            raw,
            *_outside_reports(rng, plan, rates.base, n_weeks),
            *_comeback_reports(rng, plan, n_weeks),
        ],
        ignore_index=True,
    )
    raw = _sources_and_times(rng, raw)
    raw = _positions(rng, raw, grid, edges)
    if near_repeat > 0:
        raw = _near_repeats(rng, raw, grid, n_weeks, near_repeat)
    return raw


def _rates(
    rng: np.random.Generator,
    grid: Grid,
    edges: npt.NDArray[np.int8],
    places: Places,
    plan: Plan,
    n_weeks: int,
    n_reports: int,
    near_repeat: float,
    strength: float,
) -> _Rates:
    """Return the rates, with the base rate that gives about ``n_reports``."""
    n_cells = len(grid.ij)
    rel = _group_rates(grid, edges, places)
    lam = rel.sum(axis=1)
    lam /= lam.mean()
    week_factor = 1.0 + rng.normal(0.0, 0.025, n_weeks)
    keep = np.ones((n_cells, n_weeks))
    excess = np.zeros((n_cells, n_weeks))
    block_of = np.full(n_cells, "", dtype=object)
    for pid, pattern, blk in plan.blocks:
        ex, kp = pattern_profile(pattern, n_weeks)
        keep[blk] *= kp[None, :]
        excess[blk] += ex[None, :]
        block_of[blk] = pid
    n_outside = int((plan.blind["kind"] == "outside_only").sum())
    n_comeback = int((plan.blind["kind"] == "comeback").sum())
    k_comeback = n_comeback * n_weeks * 7.0 / _CYCLE_DAYS
    k_bg = float((lam[:, None] * week_factor[None, :] * keep).sum())
    k_units = (
        k_bg + strength * float(excess.sum()) + _OUTSIDE_RATE * n_outside * n_weeks
    )
    base = max(n_reports * (1.0 - near_repeat) - k_comeback, 0.0) / k_units
    return _Rates(rel, lam, week_factor, keep, block_of, base)


def _background(
    rng: np.random.Generator, plan: Plan, rates: _Rates, n_weeks: int
) -> pd.DataFrame:
    """Draw the background reports (cell, week, category group)."""
    lam, keep, base = rates.lam, rates.keep, rates.base
    mu = base * lam[:, None] * rates.week_factor[None, :] * keep
    counts = rng.poisson(mu)
    # in a planted block the weekly background total is set to its expected
    # value (spread over the block's cells at random), so that the core cell's
    # neighbourhood sum follows the planted profile without noise: no chance
    # hot or cold weeks, no chance trends
    for _pid, _pattern, blk in plan.blocks:
        share = lam[blk] / lam[blk].sum()
        totals = np.round(base * lam[blk].sum() * keep[blk[0]]).astype(np.int64)
        for w in range(n_weeks):
            counts[blk, w] = rng.multinomial(totals[w], share)
    cell, week = np.nonzero(counts)
    reps = counts[cell, week]
    cell, week = np.repeat(cell, reps), np.repeat(week, reps)
    group = inverse_cdf(rng, rates.rel, cell)
    return pd.DataFrame(
        {
            "cell": cell,
            "week": week,
            "group": group,
            "origin": "background",
            "planted_id": "",
        }
    )


def _pattern_reports(
    rng: np.random.Generator, plan: Plan, rates: _Rates, n_weeks: int, strength: float
) -> pd.DataFrame:
    """Draw the extra reports of the planted pattern blocks, a fixed number a week."""
    cell_parts: list[IntArray] = []
    week_parts: list[IntArray] = []
    for _pid, pattern, blk in plan.blocks:
        ex = strength * rates.base * pattern_profile(pattern, n_weeks)[0]
        need = np.round(len(blk) * ex).astype(np.int64)
        if pattern == "persistent_cold":
            # one report in the final week: the tied z series of an empty park
            # would otherwise leave the Mann-Kendall test to the first week alone
            need[-1] = 1
            week_parts.append(np.array([n_weeks - 1]))
            cell_parts.append(blk[len(blk) // 2 : len(blk) // 2 + 1])
            continue
        week_parts.append(np.repeat(np.arange(n_weeks), need))
        cell_parts.append(blk[rng.integers(0, len(blk), int(need.sum()))])
    cell = np.concatenate(cell_parts)
    week = np.concatenate(week_parts)
    themes = {pid: GROUP_NAMES.index(PATTERN_THEME[p]) for pid, p, _ in plan.blocks}
    pids = rates.block_of[cell]
    group = np.array([themes[p] for p in pids], dtype=np.int64)
    return pd.DataFrame(
        {
            "cell": cell,
            "week": week,
            "group": group,
            "origin": "pattern",
            "planted_id": pids,
        }
    )


def _categories(rng: np.random.Generator, group: IntArray) -> IntArray:
    """Draw the category of each report within its category group."""
    cat_p = np.zeros((len(GROUP_NAMES), len(CATEGORIES)))
    for c, g in enumerate(CAT_GROUP):
        cat_p[g, c] = dict(GROUPS[GROUP_NAMES[g]])[CATEGORIES[c]]
    return inverse_cdf(rng, cat_p, group)


def _outside_reports(
    rng: np.random.Generator, plan: Plan, base: float, n_weeks: int
) -> list[pd.DataFrame]:
    """Draw the reports of the ``outside_only`` blind spots: a steady stream."""
    parts: list[pd.DataFrame] = []
    for row in plan.blind[plan.blind["kind"] == "outside_only"].itertuples():
        wk = np.repeat(
            np.arange(n_weeks),
            np.floor(_OUTSIDE_RATE * base + rng.random(n_weeks)).astype(int),
        )
        cat = CATEGORIES.index(str(row.category))
        parts.append(
            pd.DataFrame(
                {
                    "cell": int(str(row.row)),
                    "week": wk,
                    "group": CAT_GROUP[cat],
                    "origin": "blind_spot",
                    "planted_id": str(row.planted_id),
                    "cat": cat,
                }
            )
        )
    return parts


def _comeback_reports(
    rng: np.random.Generator, plan: Plan, n_weeks: int
) -> list[pd.DataFrame]:
    """Draw the reports of the ``comeback`` blind spots: closed, then again."""
    parts: list[pd.DataFrame] = []
    for row in plan.blind[plan.blind["kind"] == "comeback"].itertuples():
        t0 = float(rng.uniform(0.0, 2.0))
        times: list[float] = []
        closes: list[float] = []
        t = t0
        while t < n_weeks * 7.0:
            closed = t + float(rng.uniform(0.3, 1.5))
            times.append(t)
            closes.append(closed)
            t = closed + float(rng.uniform(0.5, 3.5))
        cat = CATEGORIES.index(str(row.category))
        tv = np.asarray(times)
        parts.append(
            pd.DataFrame(
                {
                    "cell": int(str(row.row)),
                    "week": (tv // 7).astype(np.int64),
                    "group": CAT_GROUP[cat],
                    "origin": "blind_spot",
                    "planted_id": str(row.planted_id),
                    "cat": cat,
                    "t_days": tv,
                    "close_days": np.asarray(closes),
                }
            )
        )
    return parts


def _sources_and_times(rng: np.random.Generator, raw: pd.DataFrame) -> pd.DataFrame:
    """Draw each report's source, then its time by the source's rhythms."""
    n = len(raw)
    grp = raw["group"].to_numpy()
    src_p = np.asarray([SOURCE_MIX[g] for g in GROUP_NAMES])
    src = inverse_cdf(rng, src_p, grp)
    is_out = raw["planted_id"].str.contains("outside_only").to_numpy()
    src[is_out] = inverse_cdf(
        rng, np.asarray([OUTSIDE_MIX]), np.zeros(int(is_out.sum()), dtype=np.int64)
    )
    raw["source"] = src
    # times: weekday and hour rhythms by source
    day = inverse_cdf(rng, np.asarray(DAYS, dtype=float), src)
    hour = inverse_cdf(rng, np.asarray(HOURS, dtype=float), src)
    t_days = raw["week"].to_numpy() * 7.0 + day + (hour + rng.random(n)) / 24.0
    if "t_days" in raw:
        t_days = np.where(
            raw["t_days"].notna(), raw["t_days"].to_numpy(dtype=float), t_days
        )
    raw["t_days"] = t_days
    if "close_days" not in raw:
        raw["close_days"] = np.nan
    return raw


def _positions(
    rng: np.random.Generator, raw: pd.DataFrame, grid: Grid, edges: npt.NDArray[np.int8]
) -> pd.DataFrame:
    """Place each report in its cell: fly-posting on streets, litter in alleys."""
    n = len(raw)
    grp = raw["group"].to_numpy()
    cells = raw["cell"].to_numpy()
    best = edges[cells].argmax(axis=1)
    best_cls = edges[cells].max(axis=1)
    edge = np.full(n, -1, dtype=np.int64)
    fly = grp == GROUP_NAMES.index("flyposting")
    edge[fly & (best_cls >= 2)] = best[fly & (best_cls >= 2)]
    san = grp == GROUP_NAMES.index("sanitation")
    alley_edge = np.argmax(edges[cells] == 1, axis=1)
    has_alley = (edges[cells] == 1).any(axis=1)
    pick = san & has_alley & (rng.random(n) < 0.7)
    edge[pick] = alley_edge[pick]
    sv, tv = _within_cell(rng, n, edge)
    spot = (raw["origin"] == "blind_spot").to_numpy()
    sv[spot] = np.clip(0.5 + rng.normal(0.0, 0.08, int(spot.sum())), 0.03, 0.97)
    tv[spot] = np.clip(0.5 + rng.normal(0.0, 0.08, int(spot.sum())), 0.03, 0.97)
    x, y = bilinear(grid.quads[cells], sv, tv)
    raw["x"], raw["y"] = x, y
    return raw


def onto_streets(
    rng: np.random.Generator,
    raw: pd.DataFrame,
    grid: Grid,
    net: npt.NDArray[np.int8],
    patch_cells: IntArray,
) -> pd.DataFrame:
    """Move most reports beside a street, each inside the cell it was made in.

    A share of the reports of each category (:data:`ON_STREET`) moves to the
    nearest street edge of its cell (dense alleys included), 1.5 to 25 m
    inside the cell from the street's centerline, keeping its position along
    the street. The reports in ``patch_cells`` (the planted hot blocks) keep
    their places spread over the block. A planted blind spot stays one spot:
    all its reports lie
    beside the same street edge of the cell, a few metres apart. Cells
    without a street edge keep their reports where they are. The cell of
    every report, hence every count and planted pattern, is unchanged.
    """
    out = raw.copy()
    n = len(out)
    if n == 0:
        return out
    cells = out["cell"].to_numpy()
    quads = grid.quads[cells]
    x, y = out["x"].to_numpy(dtype=float), out["y"].to_numpy(dtype=float)
    sv, tv = cell_coords(quads, x, y)
    sv, tv = np.clip(sv, 0.005, 0.995), np.clip(tv, 0.005, 0.995)
    # cell width (along s) and height (along t) through the point, metres
    w = np.hypot(
        *(
            np.stack(bilinear(quads, np.ones(n), tv))
            - np.stack(bilinear(quads, np.zeros(n), tv))
        )
    )
    h = np.hypot(
        *(
            np.stack(bilinear(quads, sv, np.ones(n)))
            - np.stack(bilinear(quads, sv, np.zeros(n)))
        )
    )
    edges = net[cells] > 0
    spot = (out["origin"] == "blind_spot").to_numpy()
    # distance to each edge (left, right, bottom, top); a spot's edge is
    # chosen from the cell's centre so that all its reports share it
    ref_s = np.where(spot, 0.5, sv)
    ref_t = np.where(spot, 0.5, tv)
    dist = np.stack([ref_s * w, (1 - ref_s) * w, ref_t * h, (1 - ref_t) * h], axis=1)
    dist = np.where(edges, dist, np.inf)
    best = dist.argmin(axis=1)
    share = np.asarray([ON_STREET[c] for c in CATEGORIES])[out["cat"].to_numpy()]
    move = (rng.random(n) < share) | spot
    # the reports of a planted hot block stay spread over its cells (a
    # market, a construction site, a neglected compound): one dense patch
    move &= ~np.isin(cells, patch_cells)
    move &= edges.any(axis=1)
    off = np.minimum(1.5 + rng.gamma(2.0, 4.5, n), 25.0)
    off = np.where(spot, np.clip(6.0 + rng.normal(0.0, 1.5, n), 2.0, 12.0), off)
    size = np.where(best < 2, w, h)
    frac = np.clip(off / size, 0.015, 0.45)
    new_s = np.select([best == 0, best == 1], [frac, 1 - frac], sv)
    new_t = np.select([best == 2, best == 3], [frac, 1 - frac], tv)
    new_s, new_t = np.where(move, new_s, sv), np.where(move, new_t, tv)
    nx_, ny_ = bilinear(quads, new_s, new_t)
    out["x"] = np.where(move, nx_, x)
    out["y"] = np.where(move, ny_, y)
    return out


def _near_repeats(
    rng: np.random.Generator, raw: pd.DataFrame, grid: Grid, n_weeks: int, ratio: float
) -> pd.DataFrame:
    """Add self-exciting follow-up reports (branching ratio ``ratio``)."""
    tree = shapely.STRtree(grid.frame.geometry.to_numpy())
    parents = raw
    kids_all: list[pd.DataFrame] = []
    for _ in range(50):
        k = rng.poisson(ratio, len(parents))
        if k.sum() == 0:
            break
        idx = np.repeat(np.arange(len(parents)), k)
        kid = parents.iloc[idx].reset_index(drop=True).copy()
        kid["t_days"] = kid["t_days"].to_numpy() + rng.exponential(3.0, len(kid))
        kid["x"] = kid["x"].to_numpy() + rng.normal(0.0, 35.0, len(kid))
        kid["y"] = kid["y"].to_numpy() + rng.normal(0.0, 35.0, len(kid))
        pidx, cidx = tree.query(
            shapely.points(kid[["x", "y"]].to_numpy()), predicate="within"
        )
        cell = np.full(len(kid), -1, dtype=np.int64)
        cell[pidx] = cidx
        kid["cell"] = cell
        kid = kid[(cell >= 0) & (kid["t_days"].to_numpy() < n_weeks * 7.0)].reset_index(
            drop=True
        )
        kid["week"] = (kid["t_days"].to_numpy() // 7).astype(np.int64)
        kid["origin"] = "near_repeat"
        kid["close_days"] = np.nan
        src_p = np.asarray([SOURCE_MIX[g] for g in GROUP_NAMES])
        kid["source"] = inverse_cdf(rng, src_p, kid["group"].to_numpy())
        kids_all.append(kid)
        parents = kid
    return pd.concat([raw, *kids_all], ignore_index=True)
