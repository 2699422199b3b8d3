"""The sample district's export tables: the export, its truth, the canonical frame."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from .._core import schema as s
from .._core.crs import wgs84_to_gcj02
from .._core.types import BoolArray, FloatArray, IntArray
from .geometry import Grid, Streets, nearest_names
from .model import METRIC_CRS, TZ
from .reports import inverse_cdf
from .words import (
    BROKEN_KINDS,
    CATEGORIES,
    DESCRIPTION_SUFFIX_P,
    DESCRIPTION_SUFFIXES,
    DESCRIPTION_TEMPLATES_BY_CAT,
    DESCRIPTIONS,
    GIVEN,
    GROUP_NAMES,
    LANDMARKS,
    LOCAL_CATEGORIES,
    SOURCE_CANON,
    SOURCE_WORDS,
    STATUS_CANON,
    SURNAMES,
)


def _code_table() -> pd.DataFrame:
    text = (
        importlib.resources.files("hotspots")
        .joinpath("data/event_codes_gbt47678_5.csv")
        .read_text(encoding="utf-8")
    )
    return pd.read_csv(io.StringIO(text), comment="#", dtype=str)


# -- the export ------------------------------------------------------------------------
def _phones(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    prefixes = np.array(
        ["138", "139", "137", "150", "151", "158", "186", "187", "189", "133"]
    )
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    num = rng.integers(0, 100_000_000, n)
    return np.char.add(pre, np.char.zfill(num.astype(str), 8))


def _people(rng: np.random.Generator, k: int) -> list[str]:
    sur = rng.choice(list(SURNAMES), k)
    given = rng.choice(list(GIVEN), (k, 2))
    two = rng.random(k) < 0.6
    return [
        a + b[0] + (b[1] if t else "") for a, b, t in zip(sur, given, two, strict=True)
    ]


def _fullwidth(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


@dataclass(frozen=True)
class Tables:
    """The export, the canonical frame and the truth tables of the reports."""

    export: pd.DataFrame
    reports: gpd.GeoDataFrame
    broken: pd.DataFrame
    untidy: pd.DataFrame
    cells: pd.DataFrame


def _descriptions(
    rng: np.random.Generator,
    grp: IntArray,
    tpl_idx: IntArray,
    suffix: npt.NDArray[np.object_],
    cats: npt.NDArray[np.object_],
    src: IntArray,
    street: npt.NDArray[np.object_],
) -> list[str]:
    """Word the 问题描述 of each report as its source would.

    The address is in its own column, so a description rarely repeats it:
    inspectors and evaluation teams mostly give only the issue type, camera
    cases carry the issue type the platform recognised, citizens on the
    hotline sometimes name the street or a landmark and add a plea. The phone
    numbers and markup snippets drawn in ``suffix`` are kept on every row that
    drew them.
    """
    n = len(grp)
    u = rng.random(n)
    spot = rng.integers(0, len(LANDMARKS), n)
    plea = np.isin(suffix, DESCRIPTION_SUFFIXES[4:6])
    out: list[str] = []
    for r in range(n):
        c = str(cats[r])
        tpls = (
            DESCRIPTION_TEMPLATES_BY_CAT.get(c)
            or DESCRIPTIONS[GROUP_NAMES[int(grp[r])]]
        )
        text = tpls[int(tpl_idx[r]) % len(tpls)].format(a="")
        sfx = str(suffix[r])
        code = int(src[r])
        if code <= 1:  # inspectors and grid workers
            text = c.strip() if u[r] < 0.85 else text
            sfx = "" if plea[r] else sfx
        elif code == 4:  # cameras: the recognised issue type
            text = c.strip()
            sfx = "" if plea[r] else sfx
        elif code >= 5:  # evaluation teams
            text = c.strip() if u[r] < 0.5 else text
            sfx = "" if plea[r] else sfx
        elif u[r] < 0.3:  # hotline: the street name only
            text = str(street[r]) + text
        elif u[r] < 0.45:  # hotline: a landmark
            text = LANDMARKS[int(spot[r])] + text
        out.append(text + sfx)
    return out


ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class _Closing:
    """When and how each case closed, as known at the end of the last week."""

    close: FloatArray  # days since the first Monday, whole minutes
    rework: IntArray  # 返工次数
    status: ObjectArray  # status word
    is_open: BoolArray  # still open at the end of the last week


@dataclass(frozen=True)
class _Stamps:
    """Report and close times as stamps and text, and the case ids."""

    stamp: npt.NDArray[np.datetime64]
    cstamp: npt.NDArray[np.datetime64]
    ids: npt.NDArray[np.str_]
    t_str: npt.NDArray[np.str_]
    c_str: npt.NDArray[np.str_]


@dataclass(frozen=True)
class _Kinds:
    """Category, national code, major class and the exported code of each case."""

    cats: ObjectArray
    codes: ObjectArray
    majors: ObjectArray
    export_code: ObjectArray


@dataclass(frozen=True)
class _Coords:
    """WGS-84 coordinates (7 decimals) and the exported GCJ-02 ones."""

    lon: FloatArray
    lat: FloatArray
    glon: FloatArray
    glat: FloatArray


@dataclass(frozen=True)
class _Texts:
    """Nearest street, address and description of each case."""

    street: ObjectArray
    addr: ObjectArray
    desc: ObjectArray


@dataclass(frozen=True)
class _Reporters:
    """Reporter name and phone of each case ("" when none)."""

    who: ObjectArray
    phone: ObjectArray


@dataclass(frozen=True)
class _Broken:
    """The rows made broken, their kinds, and the rows exported twice."""

    chosen: IntArray
    kinds: npt.NDArray[np.str_]
    dup_src: list[int]


def export_tables(
    rng: np.random.Generator,
    raw: pd.DataFrame,
    grid: Grid,
    st: Streets,
    week0: dt.date,
    n_weeks: int,
    broken_share: float,
    rng_text: np.random.Generator,
    planted_close: pd.Series | None = None,
) -> Tables:
    """Turn the raw reports into the export, its truth and the canonical frame.

    ``planted_close`` (days since ``week0``, by ``report_id``) replaces the
    drawn closing time of those closed cases, the comeback chains excepted
    (:func:`hotspots.sample.quality.planted_closures`); every random draw
    stays the same.
    """
    raw = raw.sort_values(["t_days", "cell"], kind="stable").reset_index(drop=True)
    # whole seconds (days and weeks as drawn), then the platform keeps minutes
    t = np.floor(np.round(raw["t_days"].to_numpy() * 86400.0) / 60.0) / 1440.0
    closing = _closing(rng, raw, t, n_weeks * 7.0)
    if planted_close is not None:
        closing = _planted(closing, raw, _case_ids(t, week0), planted_close)
    stamps = _stamps(t, closing, week0)
    kinds = _kinds(rng, raw)
    coords = _coords(raw)
    texts = _texts(rng, rng_text, raw, st, kinds.cats)
    reporters = _reporters(rng, raw["source"].to_numpy())
    cols = _columns(raw, closing, stamps, kinds, coords, texts, reporters)
    clean = pd.DataFrame({k: v.copy() for k, v in cols.items()})
    broken = _break_rows(rng, raw, cols, coords, broken_share)
    untidy = _untidy_rows(rng, cols, stamps.ids, broken.chosen)
    full, pos = _with_duplicates(rng, cols, clean, broken.dup_src)
    broken_df, untidy_df = _truth_rows(pos, stamps.ids, broken, untidy)
    valid = _valid_rows(pos, broken)
    reports = _canonical(valid, raw, closing, stamps, kinds, coords, texts, reporters)
    cells = raw["cell"].to_numpy()
    cells_df = pd.DataFrame(
        {
            s.REPORT_ID: reports[s.REPORT_ID].to_numpy(),
            s.GRID_ID: grid.frame[s.GRID_ID].to_numpy()[cells[valid]],
            "origin": raw["origin"].to_numpy()[valid],
            "planted_id": raw["planted_id"].to_numpy()[valid],
        }
    )
    return Tables(full, reports, broken_df, untidy_df, cells_df)


def _closing(
    rng: np.random.Generator, raw: pd.DataFrame, t: FloatArray, as_of: float
) -> _Closing:
    """Draw close times, rework and the status of each case at ``as_of`` days."""
    n = len(raw)
    src = raw["source"].to_numpy()
    public = np.isin(src, [2, 3, 5, 6])
    delay = rng.lognormal(np.where(public, math.log(1.4), math.log(0.7)), 0.9)
    delay *= np.where(rng.random(n) < 0.04, 6.0, 1.0)
    rework = np.where(rng.random(n) < 0.03, 1 + (rng.random(n) < 0.15), 0)
    delay += rework * rng.uniform(1.0, 4.0, n)
    close = t + delay
    chain = raw["close_days"].notna().to_numpy()
    close[chain] = raw["close_days"].to_numpy()[chain]
    rework[chain] = (rng.random(int(chain.sum())) < 0.5).astype(int)
    close = np.maximum(np.floor(close * 1440.0), t * 1440.0 + 1.0) / 1440.0
    is_open = close > as_of
    u = rng.random(n)
    age = as_of - t
    status = np.where(u < 0.88, "已结案", "已处置").astype(object)
    open_word = np.where(age < 0.3, "待受理", np.where(u < 0.4, "已派遣", "处置中"))
    status[is_open] = open_word[is_open]
    back = is_open & (rework > 0)
    status[back] = np.where(u[back] < 0.6, "返工", "重新打开")
    return _Closing(close, rework, status, is_open)


def _planted(
    closing: _Closing,
    raw: pd.DataFrame,
    ids: npt.NDArray[np.str_],
    planted_close: pd.Series,
) -> _Closing:
    """Return ``closing`` with the planted closing times of the closed cases."""
    new = pd.Series(ids).map(planted_close).to_numpy(dtype=np.float64)
    chain = raw["close_days"].notna().to_numpy()
    use = ~np.isnan(new) & ~closing.is_open & ~chain
    close = closing.close.copy()
    close[use] = new[use]
    return _Closing(close, closing.rework, closing.status, closing.is_open)


def _case_ids(t: FloatArray, week0: dt.date) -> npt.NDArray[np.str_]:
    """Return the case ids ``SN<date><5-digit number>`` of the sorted reports."""
    base = np.datetime64(week0.isoformat(), "s")
    stamp = base + np.round(t * 86400.0).astype("timedelta64[s]")
    day = np.floor(t).astype(np.int64)
    first = np.searchsorted(day, day, side="left")
    seq = np.arange(len(t)) - first + 1
    dates = np.datetime_as_string(stamp, unit="D")
    return np.char.add(
        np.char.add("SN", np.char.replace(dates, "-", "")),
        np.char.zfill(seq.astype(str), 5),
    )


def _stamps(t: FloatArray, closing: _Closing, week0: dt.date) -> _Stamps:
    """Return the time stamps, their text, and ids ``SN<date><5-digit number>``."""
    base = np.datetime64(week0.isoformat(), "s")
    stamp = base + np.round(t * 86400.0).astype("timedelta64[s]")
    cstamp = base + np.round(closing.close * 86400.0).astype("timedelta64[s]")
    ids = _case_ids(t, week0)
    t_str = np.char.replace(np.datetime_as_string(stamp, unit="m"), "T", " ")
    c_str = np.char.replace(np.datetime_as_string(cstamp, unit="m"), "T", " ")
    c_str = np.where(closing.is_open, "", c_str)
    return _Stamps(stamp, cstamp, ids, t_str, c_str)


def _kinds(rng: np.random.Generator, raw: pd.DataFrame) -> _Kinds:
    """Return categories, their codes and classes; half the rows export the code."""
    table = _code_table()
    code_of = dict(zip(table["name"], table["code"], strict=True))
    major_of = dict(zip(table["name"], table["major_name"], strict=True))
    cats = np.asarray(CATEGORIES, dtype=object)[raw["cat"].to_numpy()]
    codes = np.array([code_of.get(c, "") for c in cats], dtype=object)
    majors = np.array(
        [major_of.get(c, LOCAL_CATEGORIES.get(c, "")) for c in cats], dtype=object
    )
    export_code = np.where(rng.random(len(raw)) < 0.5, codes, "")
    return _Kinds(cats, codes, majors, export_code)


def _coords(raw: pd.DataFrame) -> _Coords:
    """Return the WGS-84 (7 decimals) and GCJ-02 coordinates of the reports."""
    to_wgs = Transformer.from_crs(METRIC_CRS, s.WGS84, always_xy=True)
    lon, lat = to_wgs.transform(raw["x"].to_numpy(), raw["y"].to_numpy())
    lon, lat = np.round(lon, 7), np.round(lat, 7)
    glon, glat = wgs84_to_gcj02(lon, lat)
    return _Coords(lon, lat, glon, glat)


def _texts(
    rng: np.random.Generator,
    rng_text: np.random.Generator,
    raw: pd.DataFrame,
    st: Streets,
    cats: ObjectArray,
) -> _Texts:
    """Return each case's address (street, house number) and description."""
    n = len(raw)
    near_street = np.asarray(
        nearest_names(st.frame, raw[["x", "y"]].to_numpy()), dtype=object
    )
    house = rng.integers(1, 240, n)
    where = np.asarray(["", "", "附近", "门口", "东侧", "西侧", "路口"], dtype=object)[
        rng.integers(0, 7, n)
    ]
    short = [f"{a}{h}号" for a, h in zip(near_street, house, strict=True)]
    addr = [a + w for a, w in zip(short, where, strict=True)]
    grp = raw["group"].to_numpy()
    tpl_idx = rng.integers(0, 100, n)
    suffix = np.asarray(DESCRIPTION_SUFFIXES, dtype=object)[
        inverse_cdf(
            rng, np.asarray([DESCRIPTION_SUFFIX_P]), np.zeros(n, dtype=np.int64)
        )
    ]
    src = raw["source"].to_numpy()
    desc = _descriptions(rng_text, grp, tpl_idx, suffix, cats, src, near_street)
    return _Texts(
        near_street, np.asarray(addr, dtype=object), np.asarray(desc, dtype=object)
    )


def _reporters(rng: np.random.Generator, src: IntArray) -> _Reporters:
    """Return who reported each case and the phone they left, by its source."""
    n = len(src)
    inspectors = _people(rng, 40)
    workers = _people(rng, 60)
    insp_phone = _phones(rng, 40)
    work_phone = _phones(rng, 60)
    citizens = np.char.add(
        rng.choice(list(SURNAMES), n).astype(str),
        np.where(rng.random(n) < 0.5, "先生", "女士"),
    )
    who = np.empty(n, dtype=object)
    phone = np.empty(n, dtype=object)
    ki = rng.integers(0, 40, n)
    kw = rng.integers(0, 60, n)
    cit_phone = _phones(rng, n)
    for code, names, phones in (
        (0, np.asarray(inspectors, dtype=object)[ki], insp_phone[ki]),
        (1, np.asarray(workers, dtype=object)[kw], work_phone[kw]),
        (2, citizens, cit_phone),
        (3, citizens, cit_phone),
    ):
        m = src == code
        who[m] = np.asarray(names, dtype=object)[m]
        phone[m] = np.asarray(phones, dtype=object)[m]
    who[src == 4] = ""  # camera cases: found by the platform, no reporter
    who[src == 5] = np.char.add("测评组", rng.integers(1, 9, n).astype(str))[src == 5]
    who[src == 6] = "区创城办督查"
    phone[src >= 4] = ""
    # staff (inspectors, grid workers) leave no contact number on their cases
    phone[src <= 1] = ""
    # a citizen who keeps no number on file
    phone[(src == 3) & (rng.random(n) < 0.3)] = ""
    return _Reporters(who, phone)


def _columns(
    raw: pd.DataFrame,
    closing: _Closing,
    stamps: _Stamps,
    kinds: _Kinds,
    coords: _Coords,
    texts: _Texts,
    reporters: _Reporters,
) -> dict[str, ObjectArray]:
    """Return the export's columns (:data:`EXPORT_COLUMNS`), every cell text."""
    src = raw["source"].to_numpy()
    return {
        name: np.array(values, dtype=object)
        for name, values in {
            "案件编号": stamps.ids.astype(object),
            "上报时间": stamps.t_str.astype(object),
            "大类": kinds.majors,
            "小类": kinds.cats,
            "事项编码": kinds.export_code,
            "经度": np.char.mod("%.6f", coords.glon).astype(object),
            "纬度": np.char.mod("%.6f", coords.glat).astype(object),
            "案件状态": closing.status,
            "结案时间": stamps.c_str.astype(object),
            "案件来源": np.asarray(SOURCE_WORDS, dtype=object)[src],
            "问题描述": texts.desc,
            "地址": texts.addr,
            "上报人": reporters.who,
            "联系电话": reporters.phone,
            "返工次数": closing.rework.astype(str).astype(object),
        }.items()
    }


#: Report times a broken row may carry.
_BAD_DATES: Final = (
    "2026-13-05 08:12:00",
    "2026/02/30 25:61",
    "昨天下午",
    "",
    "0000-00-00 00:00:00",
)


def _break_rows(
    rng: np.random.Generator,
    raw: pd.DataFrame,
    cols: dict[str, ObjectArray],
    coords: _Coords,
    broken_share: float,
) -> _Broken:
    """Break a share of the background rows in ``cols`` (the truth stays intact)."""
    bg = np.flatnonzero((raw["origin"] == "background").to_numpy())
    n_broken = round(broken_share * len(raw))
    chosen = np.sort(rng.choice(bg, min(n_broken, len(bg)), replace=False))
    kinds = np.asarray(BROKEN_KINDS)[rng.permutation(len(chosen)) % len(BROKEN_KINDS)]
    dup_src: list[int] = []
    for r, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        if kind == "bad_date":
            cols["上报时间"][r] = _BAD_DATES[r % len(_BAD_DATES)]
        elif kind == "empty_coords":
            cols["经度"][r] = ""
            if r % 2:
                cols["纬度"][r] = ""
        elif kind == "swapped_lonlat":
            cols["经度"][r], cols["纬度"][r] = cols["纬度"][r], cols["经度"][r]
        elif kind == "out_of_range":
            if r % 2:  # a lost decimal point
                cols["经度"][r] = f"{float(coords.glon[r]) * 10:.5f}"
            else:
                cols["纬度"][r] = f"{float(coords.glat[r]) + 90:.6f}"
        elif kind == "unknown_status":
            cols["案件状态"][r] = ("状态异常", "#N/A", "待定?")[r % 3]
        else:
            dup_src.append(r)
    return _Broken(chosen, kinds, dup_src)


#: Untidy variants, in turn: column, kind, how the value is made untidy.
_UNTIDY: Final[tuple[tuple[str, str, Callable[[str], str]], ...]] = (
    ("案件状态", "whitespace", lambda v: f" {v} "),
    ("案件来源", "whitespace", lambda v: f"{v}\u3000"),
    ("案件编号", "whitespace", lambda v: f" {v}"),
    ("上报时间", "fullwidth_digits", _fullwidth),
    ("经度", "fullwidth_digits", _fullwidth),
    ("小类", "whitespace", lambda v: f"{v} "),
)


def _untidy_rows(
    rng: np.random.Generator,
    cols: dict[str, ObjectArray],
    ids: npt.NDArray[np.str_],
    chosen: IntArray,
) -> list[tuple[int, str, str, str]]:
    """Make untidy but valid rows in ``cols``: stray whitespace, full-width digits."""
    n = len(ids)
    ok = np.setdiff1d(np.arange(n), chosen)
    n_untidy = round(0.006 * n)
    untidy_rows = np.sort(rng.choice(ok, min(n_untidy, len(ok)), replace=False))
    untidy: list[tuple[int, str, str, str]] = []
    for m, r in enumerate(untidy_rows.tolist()):
        column, kind, make = _UNTIDY[m % len(_UNTIDY)]
        cols[column][r] = make(str(cols[column][r]))
        untidy.append((r, str(ids[r]), column, kind))
    return untidy


def _with_duplicates(
    rng: np.random.Generator,
    cols: dict[str, ObjectArray],
    clean: pd.DataFrame,
    dup_src: list[int],
) -> tuple[pd.DataFrame, IntArray]:
    """Return the export with the duplicates a few rows later, and each row's place.

    The duplicate rows are the clean rows ``dup_src`` (the same case exported
    twice); ``pos`` maps a row (rows of ``cols``, then the duplicates) to its
    row in the export.
    """
    n = len(clean)
    key = np.arange(n, dtype=float)
    dups = clean.iloc[dup_src].copy()
    dup_key = np.asarray(dup_src, dtype=float) + rng.uniform(1.0, 40.0, len(dup_src))
    export = pd.DataFrame(cols)
    full = pd.concat([export, dups], ignore_index=True)
    order = np.argsort(np.concatenate([key, dup_key]), kind="stable")
    full = full.iloc[order].reset_index(drop=True)
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))  # old row -> new row
    for col in full.columns:
        full[col] = full[col].astype(str)
    return full, pos


def _truth_rows(
    pos: IntArray,
    ids: npt.NDArray[np.str_],
    broken: _Broken,
    untidy: list[tuple[int, str, str, str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the truth of the broken and of the untidy rows, in export rows."""
    n = len(ids)
    broken_rows: list[tuple[int, str, str, int | None]] = []
    for r, kind in zip(broken.chosen.tolist(), broken.kinds.tolist(), strict=True):
        if kind == "duplicate_id":
            continue
        broken_rows.append((int(pos[r]), str(ids[r]), kind, None))
    for m, r in enumerate(broken.dup_src):
        broken_rows.append(
            (int(pos[n + m]), str(ids[r]), "duplicate_id", int(pos[r]) + 2)
        )
    out = pd.DataFrame(
        broken_rows, columns=["row_index", "report_id", "kind", "duplicate_of_line"]
    )
    out = out.sort_values("row_index").reset_index(drop=True)
    out.insert(1, "row_number", out["row_index"] + 1)
    out.insert(2, "line", out["row_index"] + 2)
    out["duplicate_of_line"] = out["duplicate_of_line"].astype("Int64")
    untidy_df = pd.DataFrame(
        untidy, columns=["row_index", "report_id", "column", "kind"]
    )
    untidy_df["row_index"] = pos[untidy_df["row_index"].to_numpy()]
    untidy_df = untidy_df.sort_values("row_index").reset_index(drop=True)
    untidy_df.insert(1, "row_number", untidy_df["row_index"] + 1)
    untidy_df.insert(2, "line", untidy_df["row_index"] + 2)
    return out, untidy_df


def _valid_rows(pos: IntArray, broken: _Broken) -> IntArray:
    """Return the rows not broken (a duplicate's first row is), in export order."""
    n = len(pos) - len(broken.dup_src)
    bad = np.zeros(n, dtype=bool)
    bad[
        [
            r
            for r, k in zip(broken.chosen.tolist(), broken.kinds.tolist(), strict=True)
            if k != "duplicate_id"
        ]
    ] = True
    valid = np.flatnonzero(~bad)
    return valid[np.argsort(pos[valid], kind="stable")]


def _canonical(
    valid: IntArray,
    raw: pd.DataFrame,
    closing: _Closing,
    stamps: _Stamps,
    kinds: _Kinds,
    coords: _Coords,
    texts: _Texts,
    reporters: _Reporters,
) -> gpd.GeoDataFrame:
    """Return the canonical frame of the ``valid`` rows (DESIGN.md section 4)."""
    src = raw["source"].to_numpy()
    tz_times = pd.DatetimeIndex(stamps.stamp[valid]).tz_localize(TZ).as_unit("ns")
    tz_close = (
        pd.DatetimeIndex(
            np.where(closing.is_open[valid], np.datetime64("NaT"), stamps.cstamp[valid])
        )
        .tz_localize(TZ)
        .as_unit("ns")
    )
    codes = [c if c else None for c in kinds.codes[valid].tolist()]
    status = [STATUS_CANON[w] for w in closing.status[valid]]
    sources = np.asarray(SOURCE_CANON, dtype=object)[src[valid]]
    return gpd.GeoDataFrame(
        {
            s.REPORT_ID: pd.array(stamps.ids[valid].astype(object), dtype="str"),
            s.REPORTED_AT: tz_times,
            s.CATEGORY: pd.array(kinds.cats[valid], dtype="str"),
            s.CATEGORY_CODE: pd.array(codes, dtype="str"),
            s.CATEGORY_MAJOR: pd.array(kinds.majors[valid], dtype="str"),
            s.STATUS: pd.array(status, dtype="str"),
            s.CLOSED_AT: tz_close,
            s.SOURCE: pd.array(sources, dtype="str"),
            s.WEIGHT: np.ones(len(valid)),
            s.REOPEN_COUNT: closing.rework[valid].astype(np.int64),
            s.DESCRIPTION: pd.array(texts.desc[valid], dtype="str"),
            s.ADDRESS: pd.array(texts.addr[valid], dtype="str"),
            s.REPORTER_NAME: pd.array(
                [v if v else None for v in reporters.who[valid].tolist()], dtype="str"
            ),
            s.REPORTER_PHONE: pd.array(
                [v if v else None for v in reporters.phone[valid].tolist()],
                dtype="str",
            ),
        },
        geometry=shapely.points(coords.lon[valid], coords.lat[valid]),
        crs=s.WGS84,
    )
