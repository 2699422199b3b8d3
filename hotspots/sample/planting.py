"""The planted truth of the sample district: emerging pattern blocks and blind spots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .._core import schema as s
from .._core.types import FloatArray, IntArray
from .geometry import Grid, Places, neighbourhood_ok
from .model import PATTERN_KEYS


# -- planted truth ---------------------------------------------------------------------
#: Weekly profiles of the planted patterns: (extra reports per cell and week in
#: units of the pattern strength, multiplier of the background).
def pattern_profile(pattern: str, n: int) -> tuple[FloatArray, FloatArray]:
    """Return the weekly (excess, keep) profile of a planted pattern, ``n`` weeks."""
    excess = np.zeros(n)
    keep = np.ones(n)
    last = n - 1
    if pattern == "persistent_hot":
        # flat, the final week a little lower: the first week (no previous week
        # in its neighbourhood) has the lowest z, the final week the next
        # lowest, the rest are tied, which pins the Mann-Kendall S at +1
        excess[:] = 1.0
        excess[last] = 0.8
    elif pattern == "intensifying_hot":
        excess[:] = np.linspace(1.0, 2.6, n)
    elif pattern == "diminishing_hot":
        excess[:] = np.linspace(2.6, 0.8, n)
    elif pattern == "new_hot":
        excess[last] = 2.2
    elif pattern == "consecutive_hot":
        excess[max(0, n - 3) :] = 1.6
    elif pattern == "sporadic_hot":
        on = [w for w in (last, last - 4, last - 8, last - 11) if w >= 0]
        excess[on] = 1.8
    elif pattern == "oscillating_hot":
        keep[[w for w in (1, 2, 3) if w < n - 4]] = 0.0
        on = sorted({w for w in (n // 2 - 2, n - 6, last) if w > 4 or w == last})
        excess[on] = 1.8
    elif pattern == "historical_hot":
        excess[: max(0, n - 2)] = 1.4
        excess[max(0, n - 2)] = 0.4
        excess[last] = 0.0
        keep[last] = 0.3
    elif pattern == "persistent_cold":
        keep[:] = 0.0  # a park: no reports (but one in the final week, see below)
    elif pattern == "consecutive_cold":
        keep[max(0, n - 4) :] = 0.0
    return excess, keep


PATTERN_THEME: Final = {
    "persistent_hot": "vendor",
    "intensifying_hot": "sanitation",
    "diminishing_hot": "parking",
    "new_hot": "construction",
    "consecutive_hot": "flyposting",
    "sporadic_hot": "misc",
    "oscillating_hot": "vendor",
    "historical_hot": "construction",
    "persistent_cold": "misc",
    "consecutive_cold": "misc",
}
_BLIND_THEME: Final = (
    ("outside_only", "暴露垃圾"),
    ("outside_only", "噪声扰民"),
    ("outside_only", "流浪犬"),
    ("outside_only", "机动车乱停放"),
    ("outside_only", "露天烧烤"),
    ("comeback", "占道经营"),
    ("comeback", "乱堆杂物"),
    ("comeback", "非法小广告"),
    ("comeback", "积存垃圾渣土"),
    ("comeback", "暴露垃圾"),
)


@dataclass(frozen=True)
class Plan:
    """Where the planted patterns and blind spots lie."""

    patterns: pd.DataFrame  # grid_id, pattern, planted_id, core (row), block rows
    blocks: list[tuple[str, str, IntArray]]  # planted_id, pattern, rows
    blind: pd.DataFrame  # grid_id, kind, planted_id, category, row


def plan_truth(
    rng: np.random.Generator, grid: Grid, places: Places, per_pattern: int
) -> Plan:
    """Choose the cells of the planted pattern blocks and blind spots."""
    cent = grid.quads.mean(axis=1)
    pcent = places.frame.geometry.get_coordinates().to_numpy()
    dplace = np.hypot(
        cent[:, None, 0] - pcent[None, :, 0], cent[:, None, 1] - pcent[None, :, 1]
    ).min(1)
    taken = np.zeros(grid.index.shape, dtype=bool)  # lattice cells reserved
    ij = grid.ij
    order = rng.permutation(len(ij))

    def pick(radius: int, reserve: int, min_place_m: float) -> int:
        # the far-from-places cells first, then closer ones if the district is full
        tiers = ((1.0, 0), (0.75, 0), (0.5, 0), (0.5, 1), (0.25, 1))
        for share, less in tiers:
            n = pick_one(radius, reserve - less, share * min_place_m)
            if n >= 0:
                return n
        msg = (
            "the district is too small for the planted patterns; use fewer per pattern"
        )
        raise RuntimeError(msg)

    def pick_one(radius: int, reserve: int, min_place_m: float) -> int:
        for n in order.tolist():
            i, j = ij[n].tolist()
            if dplace[n] < min_place_m or not neighbourhood_ok(
                grid.index, i, j, radius
            ):
                continue
            box = (
                slice(max(i - reserve, 0), i + reserve + 1),
                slice(max(j - reserve, 0), j + reserve + 1),
            )
            if taken[box].any():
                continue
            taken[box] = True
            return int(n)
        return -1

    rows_t: list[tuple[str, str, str]] = []
    blocks: list[tuple[str, str, IntArray]] = []
    k = 0
    for rep in range(per_pattern):
        for pattern in PATTERN_KEYS:
            k += 1
            big = pattern == "persistent_cold"
            core = pick(
                radius=3 if big else 2, reserve=4 if big else 3, min_place_m=320.0
            )
            i, j = ij[core].tolist()
            r = 2 if big else 1
            blk = grid.index[i - r : i + r + 1, j - r : j + r + 1].ravel()
            pid = f"EP{k:02d}-{pattern}"
            blocks.append((pid, pattern, blk))
            rows_t.append((str(grid.frame[s.GRID_ID].iat[core]), pattern, pid))
        del rep
    rows_b: list[tuple[str, str, str, str, int]] = []
    for n, (kind, cat) in enumerate(_BLIND_THEME, start=1):
        cell = pick(radius=1, reserve=2, min_place_m=260.0)
        rows_b.append(
            (str(grid.frame[s.GRID_ID].iat[cell]), kind, f"BS{n:02d}-{kind}", cat, cell)
        )
    patterns = pd.DataFrame(rows_t, columns=[s.GRID_ID, "pattern", "planted_id"])
    blind = pd.DataFrame(
        rows_b, columns=[s.GRID_ID, "kind", "planted_id", "category", "row"]
    )
    return Plan(patterns, blocks, blind)
