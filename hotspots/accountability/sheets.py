"""Printable supervision sheets (督办单) for the top blind spots.

A supervision sheet is what a campaign office hands a responsible unit: where
the problem is, whose it is, how late its cases are, how it went over the
last weeks and how often it came back after being closed, with the case ids
behind every number so the unit can look each one up. :func:`supervision_sheets`
writes one self-contained HTML page per blind spot (print CSS, no external
asset, every text escaped) and one XLSX workbook with a sheet each. Personal
data (names, phone and ID numbers) never reaches either: text goes through
:func:`hotspots._core.privacy.mask_text` and tables through
:func:`hotspots._core.outputs.write_workbook`, which masks them.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core import labels as _labels
from .._core import schema as sc
from .._core.outputs import write_text, write_workbook
from .._core.privacy import mask_text
from .._core.types import BoolArray
from .._core.validate import require_frame, whole_number
from ..errors import collect_problems
from ..spatial.cube import period_labels
from .deadlines import DUE_AT, IS_CLOSED, OVERDUE_NOW
from .responsibility import UNIT_ID, UNIT_NAME

__all__ = ["SupervisionSheets", "supervision_sheets"]

_WORDS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "督办单",
        "rank": "排名",
        "unit": "网格/路段",
        "street": "街路",
        "community": "社区",
        "subdistrict": "街道",
        "lonlat": "经纬度",
        "owner": "责任单位",
        "reason": "原因",
        "cases": "窗口内案件",
        "due": "未到期未结案件",
        "overdue": "已超期案件",
        "comebacks": "结案后复发",
        "history": "近{n}周案件",
        "week": "周",
        "count": "件数",
        "ids": "案件编号",
        "item": "项目",
        "value": "数值",
        "none": "无",
        "unknown": "未明确",
        "no_deadlines": "无期限数据",
        "sheet": "督办单汇总",
        "reason_column": "reason_zh",
    },
    "en": {
        "title": "Supervision sheet",
        "rank": "Rank",
        "unit": "Cell / segment",
        "street": "Street",
        "community": "Community",
        "subdistrict": "Subdistrict",
        "lonlat": "Lon/lat",
        "owner": "Responsible unit",
        "reason": "Reason",
        "cases": "Cases in the window",
        "due": "Open, not yet due",
        "overdue": "Overdue now",
        "comebacks": "Came back after closing",
        "history": "Cases in the last {n} weeks",
        "week": "Week",
        "count": "Cases",
        "ids": "Case ids",
        "item": "Item",
        "value": "Value",
        "none": "none",
        "unknown": "not known",
        "no_deadlines": "no deadline data",
        "sheet": "Sheets",
        "reason_column": "reason_en",
    },
}
_STREET_COLUMNS: Final = (sc.STREET_NAME, sc.AREA_NAME)
_COMEBACK: Final = "comeback"
_PRINT_CSS: Final = (
    "body{font:14px/1.5 sans-serif;margin:2em;color:#111}"
    "h1{font-size:22px;margin:0 0 .5em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{border:1px solid #444;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee;width:22%}td.ids{font-size:11px;word-break:break-all}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0}tr{break-inside:avoid}}"
)


@dataclass(frozen=True)
class SupervisionSheets:
    """What :func:`supervision_sheets` wrote.

    Attributes
    ----------
    pages
        The HTML pages, one per blind spot, in rank order.
    workbook
        The XLSX workbook (a summary sheet, then a sheet per blind spot).
    table
        The summary table (one row per sheet, masked), as in the workbook.
    """

    pages: tuple[Path, ...]
    workbook: Path
    table: pd.DataFrame


def _ids(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def _sheet_name(rank: int, uid: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", f"{rank:02d} {uid}")[:31]
    name, k = base, 1
    while name in used:
        k += 1
        name = f"{base[:28]}~{k}"
    used.add(name)
    return name


def supervision_sheets(
    blind_spots: gpd.GeoDataFrame,
    cases: pd.DataFrame,
    *,
    folder: str | os.PathLike[str],
    top_n: int = 10,
    unit: str | None = None,
    weeks: int = 8,
    language: Literal["zh", "en"] = "zh",
    tz: str = sc.DEFAULT_TZ,
) -> SupervisionSheets:
    """Write a printable 督办单 (HTML page and XLSX sheet) per top blind spot.

    Parameters
    ----------
    blind_spots
        The ledger of :func:`hotspots.blind_spots` (ranked; ``rank``, the
        unit column, optional ``comebacks``, ``reason_zh`` / ``reason_en``,
        ``street_name`` / ``name``, ``community_id``, ``subdistrict_id``)
        with its geometry. Not modified.
    cases
        The cases joined to the same units (``report_id``, ``reported_at``
        and the unit column); used when present: ``unit_id`` / ``unit_name``
        (:func:`hotspots.accountability.responsibility.assign_units`), ``due_at``,
        ``is_closed``, ``overdue_now``
        (:func:`hotspots.accountability.deadlines.deadlines`) and ``comeback``.
        Not modified.
    folder
        Where to write (created if missing): ``督办单_<rank>_<unit>.html``
        (``sheet_...`` in English) and ``督办单.xlsx`` / ``sheets.xlsx``.
    top_n
        How many blind spots, best rank first (default 10).
    unit
        The unit column; default the first of ``grid_id`` / ``segment_id``
        in ``blind_spots``.
    weeks
        Length of the history in weeks (default 8), ending with the week of
        the ledger's ``as_of`` (its ``attrs``) or the latest case.
    language
        ``"zh"`` (default) or ``"en"``.
    tz
        Timezone of the calendar.

    Returns
    -------
    SupervisionSheets
        The pages, the workbook and the summary table.

    Raises
    ------
    TypeError
        When ``blind_spots`` or ``cases`` is not a frame.
    InputError
        Listing missing columns and arguments out of range.

    Examples
    --------
    >>> import tempfile
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import box
    >>> ledger = gpd.GeoDataFrame({"grid_id": ["g1"], "rank": [1]},
    ...     geometry=[box(120.3, 36.0, 120.301, 36.001)], crs="EPSG:4326")
    >>> cases = pd.DataFrame({"report_id": ["a"], "grid_id": ["g1"],
    ...     "reported_at": pd.to_datetime(["2026-11-16"]).tz_localize(
    ...         "Asia/Shanghai")})
    >>> out = supervision_sheets(ledger, cases, folder=tempfile.mkdtemp())
    >>> [p.name for p in out.pages], out.table.loc[0, "案件编号"]
    (['督办单_01_g1.html'], 'a')
    """
    unit = _validate(
        blind_spots,
        cases,
        folder=folder,
        top_n=top_n,
        unit=unit,
        weeks=weeks,
        language=language,
    )
    w = _WORDS[language]
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    top = _top_rows(blind_spots, int(top_n))
    window = _history_window(blind_spots, cases, weeks=int(weeks), tz=tz)
    points = top.geometry.to_crs(sc.WGS84).representative_point()

    pages: list[Path] = []
    sheets: dict[str, pd.DataFrame] = {}
    summary: list[dict[str, object]] = []
    used: set[str] = set()
    for pos in range(len(top)):
        row = top.iloc[pos]
        uid = str(row[unit])
        rank = int(row["rank"])
        items, history, ids = _spot_lines(
            w, top, row, cases=cases, window=window, point=points.iloc[pos], unit=unit
        )
        pages.append(
            write_text(
                out_dir / _page_name(w, rank, uid, language),
                _page(w, rank, uid, items, history),
                mask=True,
            )
        )
        table = pd.DataFrame(
            [
                *items,
                *((f"{w['week']} {lab}", str(len(h)), _ids(h)) for lab, h in history),
            ],
            columns=[w["item"], w["value"], w["ids"]],
        )
        sheets[_sheet_name(rank, uid, used)] = table
        summary.append(
            {
                w["rank"]: rank,
                w["unit"]: uid,
                w["cases"]: len(ids),
                w["ids"]: _ids(ids),
            }
        )
    summary_table = pd.DataFrame(
        summary, columns=[w["rank"], w["unit"], w["cases"], w["ids"]]
    )
    book_name = "督办单.xlsx" if language == "zh" else "sheets.xlsx"
    book = write_workbook(out_dir / book_name, {w["sheet"]: summary_table, **sheets})
    return SupervisionSheets(pages=tuple(pages), workbook=book, table=summary_table)


#: One line of a sheet: (item, value, the report ids behind it).
Item = tuple[str, str, str]


@dataclass(frozen=True)
class _Window:
    """The history weeks and each case's week."""

    labels: list[str]
    week_of: npt.NDArray[np.object_]
    in_window: BoolArray


def _validate(
    blind_spots: object,
    cases: object,
    *,
    folder: object,
    top_n: object,
    unit: str | None,
    weeks: object,
    language: object,
) -> str:
    """Check the arguments of :func:`supervision_sheets`; return the unit column."""
    if not isinstance(blind_spots, gpd.GeoDataFrame):
        msg = f"blind_spots must be a GeoDataFrame, got {type(blind_spots).__name__}."
        raise TypeError(msg)
    cases = require_frame(cases, "cases")
    problems: list[str] = []
    if unit is None:
        unit = next(
            (c for c in (sc.GRID_ID, sc.SEGMENT_ID) if c in blind_spots.columns),
            sc.GRID_ID,
        )
    for col in (unit, "rank"):
        if col not in blind_spots.columns:
            problems.append(
                f"blind_spots must have the column {col!r}, got "
                f"{list(blind_spots.columns)!r}. Pass the ledger of blind_spots()."
            )
    for col in (sc.REPORT_ID, sc.REPORTED_AT, unit):
        if col not in cases.columns:
            problems.append(
                f"cases must have the column {col!r}, got {list(cases.columns)!r}. "
                "Pass the cases joined to the same units (hotspots.assign)."
            )
    if sc.REPORTED_AT in cases.columns and not isinstance(
        cases[sc.REPORTED_AT].dtype, pd.DatetimeTZDtype
    ):
        problems.append(
            f"cases[{sc.REPORTED_AT!r}] must hold timezone-aware timestamps. Read "
            "them with hotspots.read_reports."
        )
    problems += [
        p
        for p in (
            whole_number(top_n, "top_n", example="top_n=10"),
            whole_number(weeks, "weeks", example="weeks=8"),
        )
        if p
    ]
    if (problem := _labels.language_problem(language)) is not None:
        problems.append(problem)
    if len(blind_spots) and blind_spots.crs is None:
        problems.append("blind_spots must have a CRS; set it with .set_crs(...).")
    if not isinstance(folder, str | os.PathLike):
        problems.append(f"folder must be a path, got {folder!r}.")
    collect_problems(problems, "supervision_sheets")
    return unit


def _top_rows(blind_spots: gpd.GeoDataFrame, top_n: int) -> gpd.GeoDataFrame:
    """Return the ranked rows of the ledger, best rank first, at most ``top_n``."""
    ranked = pd.to_numeric(blind_spots["rank"], errors="coerce")
    top = blind_spots.loc[ranked.notna().to_numpy()]
    top = top.iloc[np.argsort(ranked.dropna().to_numpy(), kind="stable")]
    return top.head(top_n)


def _history_window(
    blind_spots: gpd.GeoDataFrame, cases: pd.DataFrame, *, weeks: int, tz: str
) -> _Window:
    """Return the ``weeks`` history weeks up to the ledger's as_of, and case weeks."""
    times = cases[sc.REPORTED_AT].dt.tz_convert(tz)
    as_of = blind_spots.attrs.get("as_of")
    end = pd.Timestamp(as_of).tz_convert(tz) if as_of else times.max()
    if pd.isna(end):
        end = pd.Timestamp.now(tz=tz)
    week_starts = pd.date_range(
        end.normalize() - pd.Timedelta(days=end.day_of_week + 7 * (weeks - 1)),
        periods=weeks,
        freq="7D",
    )
    labels = [str(x) for x in period_labels(week_starts, freq="W-MON", tz=tz)]
    week_of = np.full(len(cases), "", dtype=object)
    ok = (times <= end).to_numpy(dtype=bool) & times.notna().to_numpy(dtype=bool)
    if ok.any():
        week_of[ok] = period_labels(times[ok], freq="W-MON", tz=tz)
    in_window = pd.Index(labels).get_indexer(pd.Index(week_of)) >= 0
    return _Window(labels=labels, week_of=week_of, in_window=in_window)


def _place_items(
    w: dict[str, str], top: pd.DataFrame, row: pd.Series, *, unit: str, point: Any
) -> list[Item]:
    """Return the rank, the unit, its street/community/subdistrict and lon/lat."""
    uid = str(row[unit])
    items: list[Item] = [(w["rank"], str(int(row["rank"])), ""), (w["unit"], uid, "")]
    for col, key in (
        *((c, "street") for c in _STREET_COLUMNS),
        (sc.COMMUNITY_ID, "community"),
        (sc.SUBDISTRICT_ID, "subdistrict"),
    ):
        if col in top.columns and not pd.isna(row[col]) and col != unit:
            if key == "street" and any(i[0] == w["street"] for i in items):
                continue
            items.append((w[key], str(row[col]), ""))
    if not point.is_empty:
        items.append((w["lonlat"], f"{point.x:.6f}, {point.y:.6f}", ""))
    return items


def _owner_items(w: dict[str, str], mine: pd.DataFrame) -> list[Item]:
    """Return one line per responsible unit of the cases (with their ids)."""
    if UNIT_ID not in mine.columns:
        return []
    items: list[Item] = []
    owners = mine[UNIT_ID].astype("string").fillna(w["unknown"])
    named = (
        mine[UNIT_NAME].astype("string").fillna("")
        if UNIT_NAME in mine.columns
        else pd.Series("", index=mine.index, dtype="string")
    )
    for who in pd.unique(owners):
        sel = (owners == who).to_numpy()
        label = f"{who} {named[sel].iloc[0]}".strip()
        items.append(
            (
                w["owner"],
                f"{label} ({int(sel.sum())})",
                _ids(mine.loc[sel, sc.REPORT_ID]),
            )
        )
    return items


def _status_items(
    w: dict[str, str],
    mine: pd.DataFrame,
    *,
    cases: pd.DataFrame,
    top: pd.DataFrame,
    row: pd.Series,
) -> list[Item]:
    """Return the lines of open, overdue and comeback cases."""
    items: list[Item] = []
    if DUE_AT in cases.columns and OVERDUE_NOW in cases.columns:
        overdue = mine[OVERDUE_NOW].fillna(False).to_numpy(dtype=bool)
        closed = (
            mine[IS_CLOSED].fillna(False).to_numpy(dtype=bool)
            if IS_CLOSED in mine.columns
            else np.zeros(len(mine), dtype=bool)
        )
        due = mine[DUE_AT].notna().to_numpy() & ~overdue & ~closed
        items.append((w["due"], str(int(due.sum())), _ids(mine.loc[due, sc.REPORT_ID])))
        items.append(
            (
                w["overdue"],
                str(int(overdue.sum())),
                _ids(mine.loc[overdue, sc.REPORT_ID]),
            )
        )
    else:
        items.append((w["overdue"], w["no_deadlines"], ""))
    if _COMEBACK in mine.columns:
        back = mine[_COMEBACK].fillna(False).to_numpy(dtype=bool)
        items.append(
            (w["comebacks"], str(int(back.sum())), _ids(mine.loc[back, sc.REPORT_ID]))
        )
    elif "comebacks" in top.columns:
        items.append((w["comebacks"], str(int(row["comebacks"])), ""))
    return items


def _spot_lines(
    w: dict[str, str],
    top: pd.DataFrame,
    row: pd.Series,
    *,
    cases: pd.DataFrame,
    window: _Window,
    point: Any,
    unit: str,
) -> tuple[list[Item], list[tuple[str, list[str]]], list[str]]:
    """Return one blind spot's lines, its weekly history and its case ids."""
    uid = str(row[unit])
    keys = cases[unit].astype("string")
    reason_col = w["reason_column"]
    sel = (keys == uid).fillna(False).to_numpy(dtype=bool) & window.in_window
    order = np.argsort(cases.loc[sel, sc.REPORTED_AT].to_numpy(), kind="stable")
    mine = cases.loc[sel].iloc[order]
    mine_weeks = window.week_of[sel][order]
    ids = mine[sc.REPORT_ID].astype(str).tolist()
    items = [*_place_items(w, top, row, unit=unit, point=point), *_owner_items(w, mine)]
    if reason_col in top.columns and not pd.isna(row[reason_col]):
        items.append((w["reason"], str(row[reason_col]), ""))
    items.append((w["cases"], str(len(ids)), _ids(ids)))
    items += _status_items(w, mine, cases=cases, top=top, row=row)
    history = [
        (lab, [i for i, wk in zip(ids, mine_weeks, strict=True) if wk == lab])
        for lab in window.labels
    ]
    return items, history, ids


def _page_name(w: dict[str, str], rank: int, uid: str, language: str) -> str:
    """Return the file name of a page (``督办单_01_g1.html``)."""
    name = (
        f"{w['title']}_{rank:02d}_{uid}"
        if language == "zh"
        else (f"sheet_{rank:02d}_{uid}")
    )
    return re.sub(r"[^\w.\-]+", "_", name) + ".html"


def _page(
    w: dict[str, str],
    rank: int,
    uid: str,
    items: list[tuple[str, str, str]],
    history: list[tuple[str, list[str]]],
) -> str:
    """Return one self-contained, escaped, masked HTML page."""

    def e(text: str) -> str:
        return html.escape(mask_text(text), quote=True)

    rows = "".join(
        f'<tr><th>{e(k)}</th><td>{e(v)}</td><td class="ids">{e(ids)}</td></tr>'
        for k, v, ids in items
    )
    hist = "".join(
        f'<tr><th>{e(lab)}</th><td>{len(h)}</td><td class="ids">{e(_ids(h))}</td></tr>'
        for lab, h in history
    )
    title = e(f"{w['title']} · {w['rank']} {rank} · {uid}")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_PRINT_CSS}</style></head><body>"
        f"<h1>{title}</h1><table>{rows}</table>"
        f"<h2>{e(w['history'].format(n=len(history)))}</h2>"
        f"<table><tr><th>{e(w['week'])}</th><th>{e(w['count'])}</th>"
        f"<th>{e(w['ids'])}</th></tr>{hist}</table></body></html>\n"
    )
