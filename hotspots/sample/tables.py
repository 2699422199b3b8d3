"""The sample district's export tables: the export, its truth, the canonical frame."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import io
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from .._core import schema as s
from .._core.crs import wgs84_to_gcj02
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
class _Tables:
    export: pd.DataFrame
    reports: gpd.GeoDataFrame
    broken: pd.DataFrame
    untidy: pd.DataFrame
    cells: pd.DataFrame


def _descriptions(
    rng: np.random.Generator,
    grp: npt.NDArray[np.int64],
    tpl_idx: npt.NDArray[np.int64],
    suffix: npt.NDArray[np.object_],
    cats: npt.NDArray[np.object_],
    src: npt.NDArray[np.int64],
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


def export_tables(
    rng: np.random.Generator,
    raw: pd.DataFrame,
    grid: Grid,
    st: Streets,
    week0: dt.date,
    n_weeks: int,
    broken_share: float,
    rng_text: np.random.Generator,
) -> _Tables:
    """Turn the raw reports into the export, its truth and the canonical frame."""
    raw = raw.sort_values(["t_days", "cell"], kind="stable").reset_index(drop=True)
    n = len(raw)
    as_of = n_weeks * 7.0
    src = raw["source"].to_numpy()
    # whole seconds (days and weeks as drawn), then the platform keeps minutes
    t = np.floor(np.round(raw["t_days"].to_numpy() * 86400.0) / 60.0) / 1440.0
    # close times, rework and status
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
    # identifiers
    base = np.datetime64(week0.isoformat(), "s")
    stamp = base + np.round(t * 86400.0).astype("timedelta64[s]")
    cstamp = base + np.round(close * 86400.0).astype("timedelta64[s]")
    day = np.floor(t).astype(np.int64)
    first = np.searchsorted(day, day, side="left")
    seq = np.arange(n) - first + 1
    dates = np.datetime_as_string(stamp, unit="D")
    ids = np.char.add(
        np.char.add("SN", np.char.replace(dates, "-", "")),
        np.char.zfill(seq.astype(str), 5),
    )
    t_str = np.char.replace(np.datetime_as_string(stamp, unit="m"), "T", " ")
    c_str = np.char.replace(np.datetime_as_string(cstamp, unit="m"), "T", " ")
    c_str = np.where(is_open, "", c_str)
    # categories and codes
    table = _code_table()
    code_of = dict(zip(table["name"], table["code"], strict=True))
    major_of = dict(zip(table["name"], table["major_name"], strict=True))
    cats = np.asarray(CATEGORIES, dtype=object)[raw["cat"].to_numpy()]
    codes = np.array([code_of.get(c, "") for c in cats], dtype=object)
    majors = np.array(
        [major_of.get(c, LOCAL_CATEGORIES.get(c, "")) for c in cats], dtype=object
    )
    export_code = np.where(rng.random(n) < 0.5, codes, "")
    # coordinates
    to_wgs = Transformer.from_crs(METRIC_CRS, s.WGS84, always_xy=True)
    lon, lat = to_wgs.transform(raw["x"].to_numpy(), raw["y"].to_numpy())
    lon, lat = np.round(lon, 7), np.round(lat, 7)
    glon, glat = wgs84_to_gcj02(lon, lat)
    lon_s = np.char.mod("%.6f", glon).astype(object)
    lat_s = np.char.mod("%.6f", glat).astype(object)
    # text
    cells = raw["cell"].to_numpy()
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
    desc = _descriptions(rng_text, grp, tpl_idx, suffix, cats, src, near_street)
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
    cols: dict[str, npt.NDArray[np.object_]] = {
        name: np.array(values, dtype=object)
        for name, values in {
            "案件编号": ids.astype(object),
            "上报时间": t_str.astype(object),
            "大类": majors,
            "小类": cats,
            "事项编码": export_code,
            "经度": lon_s,
            "纬度": lat_s,
            "案件状态": status,
            "结案时间": c_str.astype(object),
            "案件来源": np.asarray(SOURCE_WORDS, dtype=object)[src],
            "问题描述": np.asarray(desc, dtype=object),
            "地址": np.asarray(addr, dtype=object),
            "上报人": who,
            "联系电话": phone,
            "返工次数": rework.astype(str).astype(object),
        }.items()
    }
    clean = pd.DataFrame({k: v.copy() for k, v in cols.items()})
    # broken rows (background reports only, so the planted truth stays intact)
    bg = np.flatnonzero((raw["origin"] == "background").to_numpy())
    n_broken = round(broken_share * n)
    chosen = np.sort(rng.choice(bg, min(n_broken, len(bg)), replace=False))
    kinds = np.asarray(BROKEN_KINDS)[rng.permutation(len(chosen)) % len(BROKEN_KINDS)]
    bad_dates = (
        "2026-13-05 08:12:00",
        "2026/02/30 25:61",
        "昨天下午",
        "",
        "0000-00-00 00:00:00",
    )
    dup_src: list[int] = []
    for r, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        if kind == "bad_date":
            cols["上报时间"][r] = bad_dates[r % len(bad_dates)]
        elif kind == "empty_coords":
            cols["经度"][r] = ""
            if r % 2:
                cols["纬度"][r] = ""
        elif kind == "swapped_lonlat":
            cols["经度"][r], cols["纬度"][r] = cols["纬度"][r], cols["经度"][r]
        elif kind == "out_of_range":
            if r % 2:
                cols["经度"][r] = f"{float(glon[r]) * 10:.5f}"  # a lost decimal point
            else:
                cols["纬度"][r] = f"{float(glat[r]) + 90:.6f}"
        elif kind == "unknown_status":
            cols["案件状态"][r] = ("状态异常", "#N/A", "待定?")[r % 3]
        else:
            dup_src.append(r)
    # untidy but valid rows: stray whitespace and full-width digits
    ok = np.setdiff1d(np.arange(n), chosen)
    n_untidy = round(0.006 * n)
    untidy_rows = np.sort(rng.choice(ok, min(n_untidy, len(ok)), replace=False))
    untidy: list[tuple[int, str, str, str]] = []
    for m, r in enumerate(untidy_rows.tolist()):
        variant = m % 6
        if variant == 0:
            cols["案件状态"][r] = f" {cols['案件状态'][r]} "
            untidy.append((r, str(ids[r]), "案件状态", "whitespace"))
        elif variant == 1:
            cols["案件来源"][r] = f"{cols['案件来源'][r]}\u3000"
            untidy.append((r, str(ids[r]), "案件来源", "whitespace"))
        elif variant == 2:
            cols["案件编号"][r] = f" {cols['案件编号'][r]}"
            untidy.append((r, str(ids[r]), "案件编号", "whitespace"))
        elif variant == 3:
            cols["上报时间"][r] = _fullwidth(str(cols["上报时间"][r]))
            untidy.append((r, str(ids[r]), "上报时间", "fullwidth_digits"))
        elif variant == 4:
            cols["经度"][r] = _fullwidth(str(cols["经度"][r]))
            untidy.append((r, str(ids[r]), "经度", "fullwidth_digits"))
        else:
            cols["小类"][r] = f"{cols['小类'][r]} "
            untidy.append((r, str(ids[r]), "小类", "whitespace"))
    # duplicates: the same case exported twice, a few rows later
    key = np.arange(n, dtype=float)
    dups = clean.iloc[dup_src].copy()
    dup_key = np.asarray(dup_src, dtype=float) + rng.uniform(1.0, 40.0, len(dup_src))
    export = pd.DataFrame(cols)
    full = pd.concat([export, dups], ignore_index=True)
    order = np.argsort(np.concatenate([key, dup_key]), kind="stable")
    full = full.iloc[order].reset_index(drop=True)
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))  # old row -> new row
    broken_rows: list[tuple[int, str, str, int | None]] = []
    for r, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        if kind == "duplicate_id":
            continue
        broken_rows.append((int(pos[r]), str(ids[r]), kind, None))
    for m, r in enumerate(dup_src):
        broken_rows.append(
            (int(pos[n + m]), str(ids[r]), "duplicate_id", int(pos[r]) + 2)
        )
    broken = pd.DataFrame(
        broken_rows, columns=["row_index", "report_id", "kind", "duplicate_of_line"]
    )
    broken = broken.sort_values("row_index").reset_index(drop=True)
    broken.insert(1, "row_number", broken["row_index"] + 1)
    broken.insert(2, "line", broken["row_index"] + 2)
    broken["duplicate_of_line"] = broken["duplicate_of_line"].astype("Int64")
    untidy_df = pd.DataFrame(
        untidy, columns=["row_index", "report_id", "column", "kind"]
    )
    untidy_df["row_index"] = pos[untidy_df["row_index"].to_numpy()]
    untidy_df = untidy_df.sort_values("row_index").reset_index(drop=True)
    untidy_df.insert(1, "row_number", untidy_df["row_index"] + 1)
    untidy_df.insert(2, "line", untidy_df["row_index"] + 2)
    for col in full.columns:
        full[col] = full[col].astype(str)
    # the canonical frame of every valid row, in export order
    bad = np.zeros(n, dtype=bool)
    bad[
        [
            r
            for r, k in zip(chosen.tolist(), kinds.tolist(), strict=True)
            if k != "duplicate_id"
        ]
    ] = True
    valid = np.flatnonzero(~bad)
    valid = valid[np.argsort(pos[valid], kind="stable")]
    tz_times = pd.DatetimeIndex(stamp[valid]).tz_localize(TZ).as_unit("ns")
    tz_close = (
        pd.DatetimeIndex(np.where(is_open[valid], np.datetime64("NaT"), cstamp[valid]))
        .tz_localize(TZ)
        .as_unit("ns")
    )
    code_col = pd.array([c if c else None for c in codes[valid].tolist()], dtype="str")
    reports = gpd.GeoDataFrame(
        {
            s.REPORT_ID: pd.array(ids[valid].astype(object), dtype="str"),
            s.REPORTED_AT: tz_times,
            s.CATEGORY: pd.array(cats[valid], dtype="str"),
            s.CATEGORY_CODE: code_col,
            s.CATEGORY_MAJOR: pd.array(majors[valid], dtype="str"),
            s.STATUS: pd.array([STATUS_CANON[w] for w in status[valid]], dtype="str"),
            s.CLOSED_AT: tz_close,
            s.SOURCE: pd.array(
                np.asarray(SOURCE_CANON, dtype=object)[src[valid]], dtype="str"
            ),
            s.WEIGHT: np.ones(len(valid)),
            s.REOPEN_COUNT: rework[valid].astype(np.int64),
            s.DESCRIPTION: pd.array(np.asarray(desc, dtype=object)[valid], dtype="str"),
            s.ADDRESS: pd.array(np.asarray(addr, dtype=object)[valid], dtype="str"),
            s.REPORTER_NAME: pd.array(
                [v if v else None for v in who[valid].tolist()], dtype="str"
            ),
            s.REPORTER_PHONE: pd.array(
                [v if v else None for v in phone[valid].tolist()], dtype="str"
            ),
        },
        geometry=shapely.points(lon[valid], lat[valid]),
        crs=s.WGS84,
    )
    cells_df = pd.DataFrame(
        {
            s.REPORT_ID: reports[s.REPORT_ID].to_numpy(),
            s.GRID_ID: grid.frame[s.GRID_ID].to_numpy()[cells[valid]],
            "origin": raw["origin"].to_numpy()[valid],
            "planted_id": raw["planted_id"].to_numpy()[valid],
        }
    )
    return _Tables(full, reports, broken, untidy_df, cells_df)
