"""The sample district's weekly exports, its README and the writers of its files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from .._core import schema as s
from .._core.outputs import atomic_write, write_workbook
from .model import EXPORT_COLUMNS, District, require_district


def export_names(weeks: Sequence[str]) -> list[str]:
    """Names of the weekly exports (every other one, ending with the last, xlsx)."""
    return [
        f"reports_{w.replace('-', '')}."
        + ("xlsx" if (len(weeks) - 1 - k) % _XLSX_EVERY == 0 else "csv")
        for k, w in enumerate(weeks)
    ]


#: Folder of the weekly exports under ``sample_data/``.
EXPORTS_FOLDER: Final = "exports"
#: Every how many weeks an export is an Excel workbook (the last week is one).
_XLSX_EVERY: Final = 2
#: Status shown in the export of the filing week for a case closed later.
_IN_PROGRESS: Final = "处置中"


@dataclass(frozen=True)
class WeeklyExports:
    """The district's reports as a city receives them: one export per week.

    Attributes
    ----------
    files
        File name -> export rows (every column a string, the headers of
        :data:`EXPORT_COLUMNS`), chronological. ``reports_<YYYY>W<ww>.csv``
        (GBK) or ``.xlsx``; a file name states its week, so the ledger takes
        the Monday after it as its export time.
    broken_rows, untidy_rows
        The truth tables of :class:`District` with ``file`` first and
        ``row_index`` / ``row_number`` / ``line`` (and ``duplicate_of_line``)
        counted within that file (for an ``.xlsx`` file ``line`` is the
        sheet row).
    re_exported
        ``report_id``, ``first_file``, ``file``: the cases exported again,
        with their later status, after the week they were filed in.
    """

    files: dict[str, pd.DataFrame]
    broken_rows: pd.DataFrame
    untidy_rows: pd.DataFrame
    re_exported: pd.DataFrame


def weekly_exports(district: District) -> WeeklyExports:
    """Split the district's export into the weekly exports a platform sends.

    Each week's export holds the rows filed that week, as known when the week
    ended: a case closed after its week shows 处置中 with no 结案时间 and no
    返工次数, and appears again, with its final status, 结案时间 and 返工次数,
    in the export of the week it was closed in (the last week's export when
    it closed later). Broken rows go into the export of the row before them
    (a duplicate id into its first occurrence's), untidy and broken rows are
    never re-exported. Every other week, ending with the last, is an Excel
    workbook; the others are GBK CSV files. Deterministic: the district is.

    Parameters
    ----------
    district
        The output of :func:`make_district`.

    Returns
    -------
    WeeklyExports
        The files, the truth tables counted per file and the re-exported cases.
    """
    require_district(district)
    ex = district.export.reset_index(drop=True)
    weeks = list(district.weeks)
    tz = "Asia/Shanghai"
    starts = pd.DatetimeIndex(
        [pd.Timestamp(dt.date.fromisoformat(w + "-1")) for w in weeks]
    ).tz_localize(tz)
    ends = (starts + pd.Timedelta(days=7)).as_unit("ns")
    canon = district.reports.set_index(s.REPORT_ID)
    broken = district.truth_broken_rows
    untidy = district.truth_untidy_rows
    special = set(broken["row_index"]) | set(untidy["row_index"])
    ids = ex["案件编号"]
    valid = ids.isin(canon.index).to_numpy() & ~ex.index.isin(list(special))
    filed = pd.Series(pd.NaT, index=ex.index, dtype=f"datetime64[ns, {tz}]")
    known = ids.isin(canon.index).to_numpy() & ~ex.index.isin(broken["row_index"])
    filed[known] = canon.loc[ids[known], s.REPORTED_AT].to_numpy()
    week = pd.Series(
        np.searchsorted(ends.asi8, filed.astype("int64").to_numpy(), side="right"),
        index=ex.index,
        dtype="float64",
    )
    week[filed.isna()] = np.nan
    # a broken row goes with the row before it; a duplicate with its original
    week = week.ffill().bfill().clip(0, len(weeks) - 1).astype(int)
    line_of = {int(r) + 2: int(r) for r in ex.index}
    for _, row in broken[broken["kind"] == "duplicate_id"].iterrows():
        original = line_of[int(row["duplicate_of_line"])]
        week[int(row["row_index"])] = week[original]
    closed = pd.Series(pd.NaT, index=ex.index, dtype=f"datetime64[ns, {tz}]")
    closed[valid] = canon.loc[ids[valid], s.CLOSED_AT].to_numpy()
    end_of = pd.Series(ends[week.to_numpy()], index=ex.index)
    later = valid & closed.notna().to_numpy() & (closed >= end_of).to_numpy()
    closing_week = np.searchsorted(
        ends.asi8, closed.astype("int64").to_numpy(), side="right"
    )
    closing_week = np.clip(closing_week, 0, len(weeks) - 1)
    names = export_names(weeks)
    first = ex.copy()
    first.loc[later, "案件状态"] = _IN_PROGRESS
    first.loc[later, "结案时间"] = ""
    first.loc[later, "返工次数"] = "0"
    files: dict[str, pd.DataFrame] = {}
    place: dict[int, tuple[str, int]] = {}
    moved = []
    for k, name in enumerate(names):
        rows = ex.index[week.to_numpy() == k]
        again = ex.index[later & (closing_week == k)]
        frame = pd.concat([first.loc[rows], ex.loc[again]], ignore_index=True)
        files[name] = frame
        for i, r in enumerate(rows):
            place[int(r)] = (name, i)
        moved += [(ids[r], names[week[r]], name) for r in again]

    def per_file(truth: pd.DataFrame) -> pd.DataFrame:
        out = truth.copy()
        where = [place[int(r)] for r in out["row_index"]]
        out["row_index"] = [i for _, i in where]
        out["row_number"] = out["row_index"] + 1
        out["line"] = out["row_index"] + 2
        if "duplicate_of_line" in out.columns:
            dup = pd.to_numeric(out["duplicate_of_line"], errors="coerce")
            out["duplicate_of_line"] = [
                pd.NA if pd.isna(v) else place[line_of[int(v)]][1] + 2 for v in dup
            ]
            out["duplicate_of_line"] = out["duplicate_of_line"].astype("Int64")
        out.insert(0, "file", [f for f, _ in where])
        return out.sort_values(["file", "row_index"], kind="stable").reset_index(
            drop=True
        )

    return WeeklyExports(
        files,
        per_file(broken),
        per_file(untidy),
        pd.DataFrame(moved, columns=[s.REPORT_ID, "first_file", "file"]),
    )


def write_export_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Write an export as a workbook of text cells (byte-identical reruns)."""
    cells = frame.astype("object").where(frame != "", None)
    # pandas reads a "#N/A" cell of a workbook as missing, not as the word
    cells = cells.replace({"#N/A": "待定?"})
    return write_workbook(path, {"案件": cells}, mask=False)


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a boundary layer as GeoJSON (6 decimals), atomically."""

    def write(tmp: Path) -> None:
        frame.to_file(
            tmp,
            driver="GeoJSON",
            engine="pyogrio",
            layer=path.stem,
            COORDINATE_PRECISION=6,
        )

    return atomic_write(path, write)


def write_plain_csv(
    frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8", line_end: str = "\n"
) -> Path:
    """Write a table as CSV as it is (no masking, no BOM), atomically."""

    def write(tmp: Path) -> None:
        frame.to_csv(tmp, index=False, encoding=encoding, lineterminator=line_end)

    return atomic_write(path, write)


#: The README's section on how the patterns are planted (the same for every
#: district).
_README_METHOD: Final = """\
## How the patterns are planted (and how to measure against them)

Each planted pattern is a 3 x 3 block of unit cells (5 x 5 for the persistent
cold spots: parks with no reports but one in the final week) around its core
cell. In a block, the weekly background total is set to its expected value
(spread over the block's cells at random), extra reports are added with the
pattern's weekly profile, and in cold weeks the background is removed. So the
core cell's neighbourhood (the cell and its queen neighbours, this week and
the previous one) follows the profile without noise. With the method of
DESIGN.md section 6 (space-time Gi*, binary weights, mean and variance over
all bins, Benjamini-Hochberg FDR, classes at 90/95/99 %, then Mann-Kendall on
each cell's z series at alpha 0.05) every core cell gets its planted pattern:
checked on the default seed and on nine other seeds. Profiles over n weeks:
persistent = flat extra (the final week a little lower, so the Mann-Kendall
statistic is pinned near 0); intensifying = rising extra, diminishing =
falling, both hot every week; new = extra in the final week only;
consecutive = the final three weeks; sporadic = single weeks on (final week
included), never cold; oscillating = background removed in weeks 2-4 (cold)
and single weeks on later, final week on; historical = extra in all weeks but
the last two, background cut in the final week; persistent cold = a park;
consecutive cold = background gone in the final four weeks. The extra reports
per cell and week are `pattern_strength` (default 1.75) times the mean
background rate, times the profile.

Measure per-pattern precision and recall over the labelled core cells.
Cells of the rings, and cells around the key places (markets, schools,
stations, construction sites, hospitals), carry real but unlabelled patterns.

The planted blind spots lie away from key places and from the planted
pattern blocks, so a ranking can be scored by the recall of the planted ones
in its top 10. With `near_repeat > 0` (follow-up reports near each report,
for forecasting tests) the patterns are no longer guaranteed.
"""


def readme(d: District, weekly: WeeklyExports) -> str:
    """Return the text of ``sample_data/README.md`` for the district."""
    n_rows = len(d.export)
    n_files = len(weekly.files)
    n_again = len(weekly.re_exported)
    n_written = sum(len(f) for f in weekly.files.values())
    first_name, last_name = next(iter(weekly.files)), list(weekly.files)[-1]
    kinds = d.truth_broken_rows["kind"].value_counts().sort_index()
    broken = ", ".join(f"{k} {v}" for k, v in kinds.items())
    patterns = ", ".join(dict.fromkeys(d.truth_patterns["pattern"]))
    return f"""# Sample district: reports and planted truth

Generated by `hotspots sample --seed {d.seed}` (module `hotspots.sample`);
regenerate instead of editing. The district is synthetic: a coastal district of
about 5 km x 5 km at real coordinates in Qingdao's Shinan district (市南区,
370202); every street, place, person and phone number is invented.

## Files

- `exports/`: {n_files} weekly exports, `{first_name}` .. `{last_name}`, weeks
  {d.weeks[0]} .. {d.weeks[-1]} (weeks start on Monday, Asia/Shanghai), what a
  city-management platform sends each week: the `.csv` files **GBK** encoded
  with LF line ends, every other week (ending with the last) an Excel
  workbook (`.xlsx`, every cell text); Chinese headers
  {", ".join(EXPORT_COLUMNS)}. {n_rows} reports in all; each week's export
  holds the reports filed that week as known when the week ended: a case
  closed after its week shows 处置中 with no 结案时间 and appears **again**,
  with its final status, 结案时间 and 返工次数, in the export of the week it
  was closed in ({n_again} cases re-exported, {n_written} rows in all). The
  weekly job ingests them into the case ledger, which counts each case once
  and keeps its latest state. A file name states its week, so the ledger
  takes the Monday after it as the export time.
  Coordinates (经度, 纬度) are **GCJ-02** (Amap); 上报时间 and 结案时间 are local
  times "YYYY-MM-DD HH:MM" (the platform keeps minutes). 事项编码 holds the
  GB/T 47678.5 code for about half of the rows and is empty otherwise (local
  types such as 流浪犬 and 井盖破损 have no national code). Status words:
  待受理, 已派遣, 处置中, 已处置, 已结案, 返工, 重新打开; sources: 巡查员,
  网格员 (the city's inspectors), 视频监控 (cameras), 12345热线, 市民热线
  (hotline), 测评组, 督查 (evaluation teams). 问题描述 is worded by the source
  and rarely repeats the address (地址 holds it): inspectors, cameras and
  evaluation teams mostly give only the issue type, hotline callers write a
  sentence and sometimes name the street or a landmark. 上报人 is empty for
  camera cases; 联系电话 is empty for the staff's own cases (巡查员, 网格员),
  cameras and evaluation teams. 问题描述 is untrusted text: some rows carry
  phone numbers and a few carry HTML/script snippets.
- `truth/broken_rows.csv`: the {len(d.truth_broken_rows)} broken rows ({broken}):
  `file` (the export under `exports/`), `row_index` (0-based data row of that
  file, as `pandas.read_csv` numbers it), `row_number` (1-based data row, as
  `hotspots.read.reports.read_reports` numbers quarantined rows), `line` (line in the
  file, or sheet row of a workbook; header = 1), `report_id`, `kind`,
  `duplicate_of_line` (for a duplicate id: the line of the first occurrence in
  the same file, which is valid; the later occurrence is the broken row).
  Broken and untidy rows are never re-exported.
- `truth/untidy_rows.csv`: {len(d.truth_untidy_rows)} valid rows with stray
  whitespace (also the ideographic space U+3000) or full-width digits, which a
  good reader normalises and accepts: `file`, `row_index`, `row_number`,
  `line`, `report_id`, `column`, `kind`.
- `truth/patterns.csv`: planted emerging hot and cold spots, one row per
  planted block: `grid_id` of the **core cell** (only core cells are labelled),
  `pattern` (key of `hotspots._core.labels.PATTERNS`), `planted_id`. Patterns:
  {patterns}.
- `truth/blind_spots.csv`: planted blind spots, one grid cell each: `grid_id`,
  `kind`, `planted_id`, `category`. `outside_only`: a steady stream of one
  category reported only through the hotline and the evaluation teams, never
  by inspectors or cameras. `comeback`: one category at one spot, closed
  within hours to a day and reported again one to four days later, over and
  over, about half of the reports with 返工次数 >= 1.
- `truth/units.csv`: the planted quality of the responsible units of
  `../boundaries/units.csv` and `duties.geojson`: `unit_id`, `p_on_time`, the
  unit's true probability of closing a case by its due time (drawn from
  Beta(8, 2)). The exported 结案时间 follow it: every closed case with a unit
  (as `hotspots.assign_units` gives it, after the weekly job's joins) closed on
  time with its unit's `p_on_time`, against its due time from the `[deadlines]`
  limits of `hotspots.toml` on the Chinese working-day calendar; on time
  between 5 % and 95 % of the time allowed (a third of it on average), late
  1 hour to 3 days after the due time. Cases without a unit and the
  `comeback` chains keep closing times drawn without the layer; a case due
  within minutes of the last week's end cannot close late. The scorecard's
  on-time rates (按期结案率) recover the units' order.

{_README_METHOD}"""
