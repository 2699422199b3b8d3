"""The sample district: a synthetic Chinese urban district with planted truth.

:func:`make_district` builds, deterministically from a seed, a district of
about 5 km x 5 km at real coordinates on the coast of Qingdao's Shinan
district (市南区, code 370202):

* a street network of named arterials, secondary streets and back alleys
  (背街小巷), gently curved and angled, a few of them one-way;
* unit grid cells (单元网格) of about 100 m that follow the street blocks and
  tile the district without gaps or overlaps, with 15-character ids in the
  national style (district 370202 + 3-digit subdistrict + 3-digit community
  + 3-digit cell);
* communities (社区) and subdistricts (街道) nesting in the district;
* key places (farmers markets, schools, transit stations, construction
  sites, hospitals);
* 16 weeks of city-management reports whose categories follow the places,
  with weekday and hour rhythms, statuses, close times, rework cycles and a
  mix of sources, exported as a platform would (GBK CSV, Chinese headers,
  GCJ-02 coordinates, about 1 % broken rows);
* a responsibility layer (包街 sections, 门前三包 frontages, 网格员 cells) whose
  units' planted on-time probability the closing times follow (each closed
  case's unit and due time as the product computes them;
  :mod:`hotspots.sample.quality`);
* planted truth: blocks of cells with each emerging hot spot pattern of
  DESIGN.md section 6, cold spots, and blind spots (places only the hotline
  and the evaluation teams report, places whose problems come back).

:func:`write_district` writes the files of the repository's ``boundaries/``
and ``sample_data/`` folders; ``hotspots sample`` does both.

How the planted patterns are made
---------------------------------
The space-time Gi* of an emerging hot spot analysis compares the sum of a
cell's neighbourhood (the cell, its queen neighbours, in this week and the
previous one: 18 bins) with the mean of all bins of the cube. Each planted
pattern is a 3 x 3 block of cells (a core cell and its ring) whose weekly
background total is fixed at its expected value, with extra reports following
a weekly profile and the background removed in cold weeks; since the core's
whole neighbourhood lies in the block, the core's bin classes follow the
profile without noise. Only the core cells are labelled in
the truth. A Gi* cold spot with count data needs a neighbourhood of (nearly)
zero reports in a district whose cube is dense and not too skewed: the
background is kept fairly even (about one report per cell and week) so that
an empty neighbourhood lies about three standard deviations below the mean.

References
----------
.. [1] Esri, "How Emerging Hot Spot Analysis works", ArcGIS Pro documentation.
.. [2] Getis, A. and Ord, J. K. (1992). The analysis of spatial association by
   use of distance statistics. Geographical Analysis 24(3), 189-206.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.resources
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from .._core import schema as s
from .._core.outputs import write_text
from .._core.validate import require_int, require_real, whole_number
from ..errors import InputError, collect_problems
from .exports import (
    EXPORTS_FOLDER,
    WeeklyExports,
    export_names,
    readme,
    weekly_exports,
    write_export_xlsx,
    write_geojson,
    write_plain_csv,
)
from .geometry import (
    Grid,
    Places,
    Streets,
    edge_classes,
    make_grid,
    make_lattice,
    make_places,
    make_streets,
    net_edges,
)
from .model import (
    DEFAULT_SEED,
    EXPORT_COLUMNS,
    PATTERN_KEYS,
    District,
    require_district,
)
from .planting import Plan, plan_truth
from .quality import planted_closures
from .reports import onto_streets, raw_reports
from .responsibility import (
    RESPONSIBILITY_FILES,
    responsibility_layer,
    write_responsibility,
)
from .tables import Tables, export_tables
from .words import CATEGORIES

if TYPE_CHECKING:
    from ..read.reports import ReadResult

__all__ = [
    "DEFAULT_SEED",
    "EXPORT_COLUMNS",
    "PATTERN_KEYS",
    "District",
    "WeeklyExports",
    "make_district",
    "read_sample",
    "sample_config",
    "sample_paths",
    "weekly_exports",
    "write_district",
    "write_sample_config",
]

#: The sample's report categories (an older name some tests import).
_CATEGORIES: Final = CATEGORIES


# -- public API ----------------------------------------------------------------
def _parse_week(label: object) -> dt.date | None:
    if not isinstance(label, str) or len(label) != 8 or label[4:6] != "-W":
        return None
    try:
        return dt.date.fromisocalendar(int(label[:4]), int(label[6:]), 1)
    except ValueError:
        return None


def _week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


#: A correct value of each numeric argument of :func:`make_district`.
_EXAMPLES: Final = {
    "seed": "seed=20261122",
    "weeks": "weeks=16",
    "n_reports": "n_reports=30000",
    "near_repeat": "near_repeat=0.3",
    "broken_share": "broken_share=0.01",
    "planted_per_pattern": "planted_per_pattern=2",
    "pattern_strength": "pattern_strength=1.75",
}
#: The arguments of :func:`make_district` that are whole numbers.
_INTS: Final = ("seed", "weeks", "n_reports", "planted_per_pattern")


def _check_types(**values: object) -> None:
    """Raise TypeError for the first argument of the wrong type."""
    for name, value in values.items():
        if name == "end_week":
            continue
        check = require_int if name in _INTS else require_real
        check(value, name, example=_EXAMPLES[name])
    if not isinstance(values["end_week"], str):
        msg = f"end_week must be a str such as '2026-W47', got {values['end_week']!r}"
        raise TypeError(msg)


def _validate(
    *,
    seed: int,
    weeks: int,
    end_week: str,
    n_reports: int,
    near_repeat: float,
    broken_share: float,
    planted_per_pattern: int,
    pattern_strength: float,
) -> dt.date:
    """Check the arguments of :func:`make_district`; return the last week's Monday."""
    problems: list[str | None] = []
    problems.append(whole_number(seed, "seed", example=_EXAMPLES["seed"], minimum=0))
    if not 8 <= weeks <= 104:
        problems.append(
            f"weeks must be between 8 and 104 (the planted patterns need at least 8), "
            f"got {weeks!r}. Pass e.g. weeks=16."
        )
    last = _parse_week(end_week)
    if last is None:
        problems.append(
            f"end_week must be an ISO week label 'YYYY-Www', got {end_week!r}. "
            "Pass e.g. end_week='2026-W47'."
        )
    problems.append(
        whole_number(
            n_reports, "n_reports", example=_EXAMPLES["n_reports"], minimum=1000
        )
    )
    if not 0.0 <= near_repeat < 0.9:
        problems.append(
            f"near_repeat must be a branching ratio in [0, 0.9), got {near_repeat!r}. "
            "Pass e.g. near_repeat=0.3 (or 0 for none)."
        )
    if not 0.0 <= broken_share <= 0.2:
        problems.append(
            f"broken_share must be between 0 and 0.2, got {broken_share!r}. "
            "Pass e.g. broken_share=0.01."
        )
    problems.append(
        whole_number(
            planted_per_pattern,
            "planted_per_pattern",
            example=_EXAMPLES["planted_per_pattern"],
            maximum=3,
        )
    )
    if not 0.0 < pattern_strength <= 10.0:
        problems.append(
            f"pattern_strength must be in (0, 10], got {pattern_strength!r}. "
            "Pass e.g. pattern_strength=1.75."
        )
    collect_problems([p for p in problems if p], "make_district")
    if last is None:  # pragma: no cover - reported above
        msg = f"end_week {end_week!r} is not an ISO week"
        raise InputError(msg)
    return last


def make_district(
    *,
    seed: int = DEFAULT_SEED,
    weeks: int = 16,
    end_week: str = "2026-W47",
    n_reports: int = 30_000,
    near_repeat: float = 0.0,
    broken_share: float = 0.01,
    planted_per_pattern: int = 2,
    pattern_strength: float = 1.75,
) -> District:
    """Generate the sample district, its reports and its planted truth.

    Parameters
    ----------
    seed
        Seed of every random choice; the same seed gives identical frames.
    weeks
        Number of weekly periods (weeks start on Monday, Asia/Shanghai).
    end_week
        ISO label of the last week, e.g. ``"2026-W47"``.
    n_reports
        Approximate number of reports (rows of the export before duplicates).
    near_repeat
        Branching ratio of near-repeat follow-ups: each report spawns on
        average this many follow-up reports of the same category within about
        100 m (35 m standard deviation per axis) and a few days (exponential,
        mean 3 days), which spawn their own. The background is scaled by
        ``1 - near_repeat`` so the total stays near ``n_reports``. Follow-ups
        falling outside the district or after the last week are dropped.
    broken_share
        Share of export rows that are broken (bad date, empty, swapped or
        out-of-range coordinates, unknown status, duplicate id).
    planted_per_pattern
        How many blocks of each planted emerging pattern to plant.
    pattern_strength
        Extra reports per cell and week of a planted hot block, in units of
        the mean background rate (the weekly profiles scale it).

    Returns
    -------
    District
        Boundaries (EPSG:4326), reports, the export and the truth tables.

    Raises
    ------
    TypeError
        When an argument has the wrong type.
    InputError
        When an argument is out of range.

    Examples
    --------
    >>> d = make_district(n_reports=3000, weeks=8)
    >>> d.grid.crs.to_epsg(), d.weeks[-1]
    (4326, '2026-W47')
    """
    _check_types(
        seed=seed,
        weeks=weeks,
        end_week=end_week,
        n_reports=n_reports,
        near_repeat=near_repeat,
        broken_share=broken_share,
        planted_per_pattern=planted_per_pattern,
        pattern_strength=pattern_strength,
    )
    last = _validate(
        seed=int(seed),
        weeks=int(weeks),
        end_week=end_week,
        n_reports=int(n_reports),
        near_repeat=float(near_repeat),
        broken_share=float(broken_share),
        planted_per_pattern=int(planted_per_pattern),
        pattern_strength=float(pattern_strength),
    )
    week0 = last - dt.timedelta(weeks=weeks - 1)
    labels = tuple(_week_label(week0 + dt.timedelta(weeks=k)) for k in range(weeks))
    rng = np.random.default_rng(seed)
    # the dense back alleys and the positions of the reports along the streets
    # draw from their own streams, so the cells, counts and truth stay those
    # of the main stream
    rng_alleys = np.random.default_rng([seed, 1])
    rng_place = np.random.default_rng([seed, 2])
    rng_text = np.random.default_rng([seed, 3])  # wording of the descriptions
    lat = make_lattice(rng)
    st = make_streets(rng, lat, rng_alleys)
    grid = make_grid(rng, lat)
    edges = edge_classes(lat, st, grid.ij)
    places = make_places(rng, grid, st, edges)
    plan = plan_truth(rng, grid, places, planted_per_pattern)
    raw = raw_reports(
        rng,
        grid,
        edges,
        places,
        plan,
        weeks,
        n_reports,
        float(near_repeat),
        float(pattern_strength),
    )
    hot_blocks = [blk for _, p, blk in plan.blocks if p.endswith("_hot")]
    raw = onto_streets(
        rng_place, raw, grid, net_edges(st, grid.ij), np.concatenate(hot_blocks)
    )
    # the tables are drawn twice from the same streams: the second time with
    # the closing times that follow the planted unit quality, which need the
    # cases' units and due times from the first
    again = (copy.deepcopy(rng), copy.deepcopy(rng_text))
    tables = export_tables(
        rng, raw, grid, st, week0, weeks, float(broken_share), rng_text
    )
    first = _district(tables, st, grid, places, plan, labels, int(seed))
    planted = planted_closures(first, responsibility_layer(first)[2])
    tables = export_tables(
        again[0], raw, grid, st, week0, weeks, float(broken_share), again[1],
        planted_close=planted,
    )  # fmt: skip
    return _district(tables, st, grid, places, plan, labels, int(seed))


def _district(
    tables: Tables,
    st: Streets,
    grid: Grid,
    places: Places,
    plan: Plan,
    labels: tuple[str, ...],
    seed: int,
) -> District:
    """Return the district of the drawn tables and boundaries."""
    blind = plan.blind.drop(columns="row").reset_index(drop=True)
    return District(
        streets=st.frame.to_crs(s.WGS84),
        grid=grid.frame.to_crs(s.WGS84),
        areas=grid.areas.to_crs(s.WGS84),
        places=places.frame.to_crs(s.WGS84),
        reports=tables.reports,
        export=tables.export,
        truth_patterns=plan.patterns.copy(),
        truth_blind_spots=blind,
        truth_broken_rows=tables.broken,
        truth_untidy_rows=tables.untidy,
        report_cells=tables.cells,
        weeks=labels,
        seed=seed,
    )


def read_sample(root: str | Path = ".", *, coords: str = "gcj02") -> ReadResult:
    """Read the sample district's weekly exports as one export of the latest rows.

    Every file of ``<root>/sample_data/exports/`` is read by
    :func:`hotspots.read.reports.read_reports` (bad rows quarantined), in name order
    (chronological); a case exported again keeps its latest row, as the case
    ledger does. For notebooks, tests and benchmarks that want the whole
    sample as one frame without a ledger; the weekly job ingests the files
    into its ledger instead.

    Parameters
    ----------
    root
        The folder holding ``sample_data/`` (the repository root for the
        committed sample).
    coords
        Coordinate system of the exports (the sample's is GCJ-02).

    Returns
    -------
    hotspots.read.reports.ReadResult
        ``reports``: one row per case, its latest state, ordered by
        ``report_id`` with a fresh index; ``quarantined``: every rejected
        row with ``source_file`` first; ``rows_read``: cases plus
        quarantined rows (what one export of the final states would hold;
        re-exported rows are not counted twice).

    Raises
    ------
    InputError
        When the folder holds no export.
    """
    from ..read.reports import ReadResult, read_reports

    folder = Path(root) / "sample_data" / EXPORTS_FOLDER
    files = sorted(folder.glob("reports_*"))
    if not files:
        msg = (
            f"root: no sample exports in {str(folder)!r}; generate them with "
            "hotspots sample --out <root>."
        )
        raise InputError(msg)
    accepted, rejected = [], []
    for path in files:
        read = read_reports(path, coords=coords, on_error="quarantine")
        accepted.append(read.reports)
        q = read.quarantined.copy()
        q.insert(0, "source_file", path.name)
        rejected.append(q)
    every = pd.concat(accepted, ignore_index=True)
    latest = every.drop_duplicates(s.REPORT_ID, keep="last")
    latest = latest.sort_values(s.REPORT_ID, kind="stable").reset_index(drop=True)
    reports = gpd.GeoDataFrame(latest, geometry=s.GEOMETRY, crs=s.WGS84)
    quarantined = pd.concat(rejected, ignore_index=True)
    return ReadResult(reports, quarantined, len(reports) + len(quarantined))


def write_district(district: District, root: str | Path) -> list[Path]:
    """Write the district's files under ``root``.

    Writes ``boundaries/grid.geojson``, ``streets.geojson``,
    ``areas.geojson``, ``places.geojson`` (WGS-84, 6 decimals) and
    ``sample_data/exports/`` (the weekly exports of :func:`weekly_exports`:
    GBK CSV and Excel), ``sample_data/README.md`` and
    ``sample_data/truth/*.csv`` (UTF-8; the broken and untidy rows counted
    per export file). Every file is written atomically.

    Parameters
    ----------
    district
        The output of :func:`make_district`.
    root
        Folder that receives ``boundaries/`` and ``sample_data/`` (created
        when missing).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    TypeError
        When ``district`` is not a :class:`District`.
    """
    require_district(district)
    root = Path(root)
    bdir = root / "boundaries"
    ddir = root / "sample_data"
    tdir = ddir / "truth"
    for folder in (bdir, tdir):
        folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_geojson(district.grid, bdir / "grid.geojson"),
        write_geojson(district.streets, bdir / "streets.geojson"),
        write_geojson(district.areas, bdir / "areas.geojson"),
        write_geojson(district.places, bdir / "places.geojson"),
    ]
    weekly = weekly_exports(district)
    edir = ddir / EXPORTS_FOLDER
    edir.mkdir(parents=True, exist_ok=True)
    for name, frame in weekly.files.items():
        path = edir / name
        if name.endswith(".xlsx"):
            written.append(write_export_xlsx(frame, path))
        else:
            written.append(write_plain_csv(frame, path, encoding="gbk"))
    written.append(write_plain_csv(district.truth_patterns, tdir / "patterns.csv"))
    written.append(
        write_plain_csv(district.truth_blind_spots, tdir / "blind_spots.csv")
    )
    written.append(write_plain_csv(weekly.broken_rows, tdir / "broken_rows.csv"))
    written.append(write_plain_csv(weekly.untidy_rows, tdir / "untidy_rows.csv"))
    text = readme(district, weekly)

    written.append(write_text(ddir / "README.md", text, mask=False))
    written.extend(write_responsibility(district, root))
    return written


#: Name of the city config ``hotspots sample`` writes into ``sample_data/``.
CONFIG_NAME: Final = "hotspots.toml"

#: The patrol depot of the sample config (on 宁夏路), WGS-84; a district whose
#: streets pass farther than ``_DEPOT_SNAP_DEG`` from it gets the nearest street point.
_DEPOT: Final = (120.36079, 36.07742)
_DEPOT_SNAP_DEG: Final = 1e-4  # about 10 m

#: The sample config, documented key by key (package data; ``@...@`` are
#: filled per district).
_CONFIG_TEMPLATE: Final = "sample_hotspots.toml"


def _depot(district: District) -> tuple[float, float]:
    """Return the depot of the sample config: on a street of the district."""
    point = shapely.Point(_DEPOT)
    lines = shapely.union_all(np.asarray(district.streets.geometry, dtype=object))
    if shapely.distance(point, lines) <= _DEPOT_SNAP_DEG:
        return _DEPOT
    x, y = shapely.get_coordinates(shapely.shortest_line(lines, point))[0]
    return (round(float(x), 5), round(float(y), 5))


def sample_config(district: District) -> str:
    """Return the ``hotspots.toml`` that runs the weekly job on ``district``.

    Paths are relative to ``sample_data/`` (where the config is written), as
    in the repository's ``sample_data/hotspots.toml``; every key is commented.

    Parameters
    ----------
    district
        The output of :func:`make_district`.

    Returns
    -------
    str
        The TOML text.

    Raises
    ------
    TypeError
        When ``district`` is not a :class:`District`.
    """
    require_district(district)
    lon, lat = _depot(district)
    template = (
        importlib.resources.files("hotspots")
        .joinpath("data", _CONFIG_TEMPLATE)
        .read_text(encoding="utf-8")
    )
    return (
        template.replace("@REPORTS@", f"{EXPORTS_FOLDER}/reports_*")
        .replace("@WEEK@", district.weeks[-1])
        .replace("@DEPOT@", f"{lon}, {lat}")
    )


def sample_paths(district: District, root: str | Path) -> list[Path]:
    """Return every file :func:`write_district` and the config would write.

    Parameters
    ----------
    district
        The output of :func:`make_district`.
    root
        The folder the district goes into.

    Returns
    -------
    list of pathlib.Path
        In the order they are written; the config last.
    """
    require_district(district)
    root = Path(root)
    data = root / "sample_data"
    truth = data / "truth"
    return [
        *(root / "boundaries" / f"{n}.geojson" for n in _BOUNDARY_FILES),
        *(data / EXPORTS_FOLDER / name for name in export_names(district.weeks)),
        *(truth / f"{n}.csv" for n in _TRUTH_FILES),
        data / "README.md",
        *(root / "boundaries" / n for n in RESPONSIBILITY_FILES),
        truth / "units.csv",
        data / CONFIG_NAME,
    ]


def write_sample_config(district: District, root: str | Path) -> Path:
    """Write :func:`sample_config` to ``<root>/sample_data/hotspots.toml``.

    Parameters
    ----------
    district
        The output of :func:`make_district`.
    root
        Folder that holds (or will hold) ``boundaries/`` and ``sample_data/``.

    Returns
    -------
    pathlib.Path
        The config written (atomically).
    """
    text = sample_config(district)
    path = Path(root) / "sample_data" / CONFIG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)

    return write_text(path, text, mask=False)


#: Files of :func:`write_district`, by folder.
_BOUNDARY_FILES: Final = ("grid", "streets", "areas", "places")
_TRUTH_FILES: Final = ("patterns", "blind_spots", "broken_rows", "untidy_rows")
