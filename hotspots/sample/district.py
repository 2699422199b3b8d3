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

import datetime as dt
import importlib.resources
import io
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from .._core import schema as s
from .._core.crs import wgs84_to_gcj02
from ..errors import InputError, collect_problems

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

DEFAULT_SEED: Final = 20261122
DISTRICT_CODE: Final = "370202"
DISTRICT_NAME: Final = "市南区"
TZ: Final = s.DEFAULT_TZ
METRIC_CRS: Final = "EPSG:32651"  # UTM zone 51N (Qingdao)
CENTER_LONLAT: Final = (120.362, 36.078)
EXTENT_M: Final = 5000.0

#: Headers of the platform export, in file order.
EXPORT_COLUMNS: Final = (
    "案件编号",
    "上报时间",
    "大类",
    "小类",
    "事项编码",
    "经度",
    "纬度",
    "案件状态",
    "结案时间",
    "案件来源",
    "问题描述",
    "地址",
    "上报人",
    "联系电话",
    "返工次数",
)

#: Planted emerging hot spot patterns (keys of :data:`hotspots._core.labels.PATTERNS`).
PATTERN_KEYS: Final = (
    "persistent_hot",
    "intensifying_hot",
    "diminishing_hot",
    "new_hot",
    "consecutive_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "persistent_cold",
    "consecutive_cold",
)

#: Kinds of planted blind spots.
BLIND_SPOT_KINDS: Final = ("outside_only", "comeback")

# -- vocabularies of the export ------------------------------------------------
_SOURCE_WORDS: Final = (
    "巡查员",
    "网格员",
    "12345热线",
    "市民热线",
    "视频监控",
    "测评组",
    "督查",
)
_SOURCE_CANON: Final = (
    "inspector",
    "inspector",
    "hotline",
    "hotline",
    "camera",
    "evaluation",
    "evaluation",
)
_STATUS_CANON: Final = {
    "待受理": "open",
    "已派遣": "dispatched",
    "处置中": "dispatched",
    "已处置": "resolved",
    "已结案": "closed",
    "返工": "reopened",
    "重新打开": "reopened",
}
_BROKEN_KINDS: Final = (
    "bad_date",
    "empty_coords",
    "swapped_lonlat",
    "out_of_range",
    "unknown_status",
    "duplicate_id",
)

# category groups: name -> ((category, probability within group), ...)
_GROUPS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "vendor": (
        ("占道经营", 0.40),
        ("无照经营游商", 0.25),
        ("农贸市场秩序问题", 0.20),
        ("店外经营", 0.15),
    ),
    "parking": (
        ("机动车乱停放", 0.45),
        ("非机动车乱停放", 0.30),
        ("共享单车乱象", 0.15),
        ("占用消防通道", 0.10),
    ),
    "construction": (
        ("施工废弃料", 0.30),
        ("积存垃圾渣土", 0.25),
        ("工地扬尘", 0.15),
        ("施工占道", 0.15),
        ("道路遗撒（洒）", 0.15),
    ),
    "sanitation": (
        ("暴露垃圾", 0.35),
        ("乱堆杂物", 0.30),
        ("垃圾站（箱）满溢", 0.20),
        ("道路不洁", 0.15),
    ),
    "flyposting": (
        ("非法小广告", 0.65),
        ("街头散发广告", 0.15),
        ("违规户外广告", 0.20),
    ),
    "dogs": (("流浪犬", 1.0),),
    "misc": (
        ("私设地锁、阻车桩", 0.16),
        ("沿街晾挂", 0.14),
        ("道路破损", 0.16),
        ("油烟污染", 0.10),
        ("噪声扰民", 0.10),
        ("露天烧烤", 0.10),
        ("井盖破损", 0.10),
        ("废弃车辆", 0.06),
        ("绿地脏乱", 0.08),
    ),
}
_GROUP_NAMES: Final = tuple(_GROUPS)
#: Local issue types without a national code: (name, major class).
_LOCAL_CATEGORIES: Final = {"流浪犬": "扩展事件", "井盖破损": "扩展事件"}

# source mix per group, in the order of _SOURCE_WORDS
_SOURCE_MIX: Final[dict[str, tuple[float, ...]]] = {
    "vendor": (0.42, 0.14, 0.16, 0.03, 0.15, 0.06, 0.04),
    "parking": (0.30, 0.10, 0.18, 0.04, 0.28, 0.06, 0.04),
    "construction": (0.44, 0.12, 0.20, 0.04, 0.10, 0.06, 0.04),
    "sanitation": (0.42, 0.16, 0.18, 0.04, 0.10, 0.06, 0.04),
    "flyposting": (0.50, 0.16, 0.08, 0.02, 0.14, 0.06, 0.04),
    "dogs": (0.30, 0.12, 0.40, 0.08, 0.04, 0.03, 0.03),
    "misc": (0.34, 0.12, 0.28, 0.06, 0.10, 0.06, 0.04),
}
_OUTSIDE_MIX: Final = (0.0, 0.0, 0.55, 0.15, 0.0, 0.20, 0.10)

# hour-of-day profiles per source (relative weights for hours 0..23)
_HOURS_PATROL: Final = (
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    3,
    8,
    10,
    10,
    8,
    4,
    3,
    8,
    9,
    9,
    7,
    3,
    1,
    1,
    0,
    0,
    0,
)
_HOURS_PUBLIC: Final = (
    1,
    0,
    0,
    0,
    0,
    1,
    2,
    4,
    6,
    8,
    8,
    7,
    6,
    6,
    7,
    7,
    7,
    7,
    8,
    9,
    9,
    7,
    4,
    2,
)
_HOURS_CAMERA: Final = (
    1,
    1,
    1,
    1,
    1,
    2,
    4,
    6,
    7,
    7,
    7,
    7,
    7,
    7,
    7,
    7,
    7,
    7,
    7,
    6,
    5,
    4,
    2,
    1,
)
_HOURS_EVAL: Final = (
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    5,
    9,
    10,
    8,
    3,
    5,
    9,
    10,
    8,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
)
_HOURS: Final = (
    _HOURS_PATROL,
    _HOURS_PATROL,
    _HOURS_PUBLIC,
    _HOURS_PUBLIC,
    _HOURS_CAMERA,
    _HOURS_EVAL,
    _HOURS_EVAL,
)
# weekday profiles per source (Monday..Sunday)
_DAYS_PATROL: Final = (10, 10, 10, 10, 10, 5, 4)
_DAYS_PUBLIC: Final = (9, 9, 9, 9, 9, 11, 11)
_DAYS_CAMERA: Final = (10, 10, 10, 10, 10, 10, 10)
_DAYS_EVAL: Final = (6, 10, 12, 12, 8, 2, 0)
_DAYS: Final = (
    _DAYS_PATROL,
    _DAYS_PATROL,
    _DAYS_PUBLIC,
    _DAYS_PUBLIC,
    _DAYS_CAMERA,
    _DAYS_EVAL,
    _DAYS_EVAL,
)

_ARTERIAL_NAMES_EW: Final = ("香港中路", "闽江路", "宁夏路", "海口路", "东海西路")
_ARTERIAL_NAMES_NS: Final = ("南京路", "山东路", "福州南路", "燕儿岛路", "云霄路")
_SECONDARY_NAMES: Final = (
    "彰化路",
    "台湾路",
    "漳州一路",
    "漳州二路",
    "江西路",
    "湛山大路",
    "芝泉路",
    "贵州路",
    "秦岭路",
    "银川西路",
    "仙游路",
    "南宁路",
    "镇江南路",
    "广西路",
    "湖南路",
    "湖北路",
    "金湖路",
    "东海一路",
    "莆田路",
    "安徽路",
    "龙口路",
    "正阳关路",
    "荣成路",
    "汇泉路",
    "逍遥三路",
    "太平路",
    "鄱阳湖路",
    "扬州路",
    "徐州路",
    "泉州路",
    "厦门路",
    "苏州路",
    "无锡路",
    "常州路",
)
_ALLEY_WORDS: Final = (
    "广兴",
    "积厚",
    "平康",
    "安乐",
    "德兴",
    "福寿",
    "同和",
    "吉祥",
    "三益",
    "永安",
    "兴隆",
    "和平",
    "庆祥",
    "裕德",
    "宝兴",
    "乐安",
    "春和",
    "长安",
    "太和",
    "惠民",
)
_SUBDISTRICT_NAMES: Final = (
    "八大峡街道",
    "云南路街道",
    "中山路街道",
    "江苏路街道",
    "八关山街道",
    "湛山街道",
    "八大湖街道",
    "金门路街道",
    "珠海路街道",
)
_COMMUNITY_A: Final = "金银海翠福嘉瑞康华丰安宁兴和泰明春松"
_COMMUNITY_B: Final = "山湖苑园源岭港湾泉城苑庭"
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
_GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红国建"
_HOSPITALS: Final = (
    "市南区人民医院",
    "海滨第二医院",
    "湛园口腔医院",
    "金湖妇幼保健院",
    "东海骨科医院",
)

_DESCRIPTIONS: Final[dict[str, tuple[str, ...]]] = {
    "vendor": (
        "{a}有流动摊贩占道经营，影响行人通行",
        "{a}路边摆摊卖菜，占用人行道",
        "{a}商户出店经营，货物堆到路面",
        "{a}早市摊点越线经营，地面脏乱",
    ),
    "parking": (
        "{a}机动车乱停放，堵塞道路",
        "{a}非机动车停放杂乱",
        "{a}共享单车堆放占用盲道",
        "{a}车辆占用消防通道",
    ),
    "construction": (
        "{a}工地施工废弃料未清运",
        "{a}渣土堆积未覆盖，扬尘严重",
        "{a}施工车辆带泥上路，道路遗撒",
        "{a}施工围挡占用车道",
    ),
    "sanitation": (
        "{a}背街小巷有暴露垃圾",
        "{a}楼道口乱堆杂物",
        "{a}垃圾箱满溢无人清理",
        "{a}路面不洁，有油污",
    ),
    "flyposting": (
        "{a}电线杆上张贴小广告",
        "{a}有人散发广告传单",
        "{a}墙面喷涂办证小广告",
        "{a}户外广告牌破损",
    ),
    "dogs": (
        "{a}有流浪犬出没，居民担心被咬",
        "{a}多只流浪狗聚集",
        "{a}流浪犬夜间吠叫扰民",
    ),
    "misc": (
        "{a}私设地锁占用公共车位",
        "{a}沿街晾晒衣物",
        "{a}路面破损有坑洼",
        "{a}餐馆油烟直排扰民",
        "{a}夜间噪声扰民",
        "{a}露天烧烤烟雾大",
        "{a}井盖破损存在安全隐患",
        "{a}废弃车辆长期占道",
    ),
}
_DESCRIPTION_SUFFIXES: Final = (
    "",
    "",
    "",
    "",
    "，请尽快处理",
    "，已多次反映",
    "，联系电话13812345678",
    "，请联系王先生13912345678",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
)
_LANDMARKS: Final = (
    "小区门口",
    "市场门口",
    "学校门口",
    "公交站旁",
    "楼下",
    "路口",
    "超市门口",
    "巷子里",
)
_DESCRIPTION_SUFFIX_P: Final = (
    0.52,
    0.0,
    0.0,
    0.0,
    0.25,
    0.15,
    0.04,
    0.035,
    0.003,
    0.002,
)


@dataclass(frozen=True)
class District:
    """A generated sample district, its reports and its planted truth.

    Attributes
    ----------
    streets
        Street centerlines: ``street_id``, ``name``, ``street_class``
        (arterial / secondary / alley), ``oneway``, LineString, EPSG:4326.
    grid
        Unit grid cells: ``grid_id`` (15 characters), ``community_id``,
        Polygon, EPSG:4326.
    areas
        ``area_id``, ``name``, ``level`` (district / subdistrict /
        community), ``parent_id``, Polygon, EPSG:4326.
    places
        ``place_id``, ``name``, ``kind`` (market / school / station /
        construction / hospital), Point, EPSG:4326.
    reports
        The canonical report frame (DESIGN.md section 4) of every valid row of
        the export: WGS-84 points, ``reported_at`` and ``closed_at`` in
        Asia/Shanghai.
    export
        The platform export exactly as written to the CSV file: every column
        a string, Chinese headers (:data:`EXPORT_COLUMNS`), GCJ-02
        coordinates, broken and untidy rows included.
    truth_patterns
        ``grid_id``, ``pattern``, ``planted_id``: the core cell of each planted
        emerging hot (or cold) spot.
    truth_blind_spots
        ``grid_id``, ``kind`` (``outside_only`` or ``comeback``),
        ``planted_id``, ``category``.
    truth_broken_rows
        ``row_index`` (0-based data row of the export), ``row_number``
        (1-based data row, as :func:`hotspots.read.reports.read_reports` numbers
        quarantined rows), ``line`` (line of the file, header = 1),
        ``report_id``, ``kind``, ``duplicate_of_line``.
    truth_untidy_rows
        Rows with stray whitespace or full-width digits that a good reader
        normalises: ``row_index``, ``row_number``, ``line``, ``report_id``,
        ``column``, ``kind``.
    report_cells
        ``report_id``, ``grid_id`` (the cell each valid report was generated
        in), ``origin`` (background / pattern / blind spot / near repeat).
    weeks
        The ISO week labels covered, chronological.
    seed
        The seed it was made from.
    """

    streets: gpd.GeoDataFrame
    grid: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    reports: gpd.GeoDataFrame
    export: pd.DataFrame
    truth_patterns: pd.DataFrame
    truth_blind_spots: pd.DataFrame
    truth_broken_rows: pd.DataFrame
    truth_untidy_rows: pd.DataFrame
    report_cells: pd.DataFrame
    weeks: tuple[str, ...]
    seed: int


# -- the lattice -------------------------------------------------------------------
@dataclass(frozen=True)
class _Lattice:
    ub: npt.NDArray[np.float64]  # column breaks (u), length NI + 1
    vb: npt.NDArray[np.float64]  # row breaks (v), length NJ + 1
    nx: npt.NDArray[np.float64]  # node x (metres), (NI + 1, NJ + 1)
    ny: npt.NDArray[np.float64]
    active: npt.NDArray[np.bool_]  # (NI, NJ)
    ustreets: npt.NDArray[np.int64]  # break indices of N-S streets
    vstreets: npt.NDArray[np.int64]  # break indices of E-W streets


def _breaks(
    rng: np.random.Generator, length: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Return cell breaks along one axis and the indices of the street lines."""
    streets: list[float] = []
    x = float(rng.uniform(180.0, 320.0))
    while x < length - 220.0:
        streets.append(x)
        x += float(rng.uniform(330.0, 470.0))
    edges = [0.0, *streets, length]
    breaks = [0.0]
    idx: list[int] = []
    for a, b in itertools.pairwise(edges):
        k = max(1, round((b - a) / 100.0))
        breaks.extend(np.linspace(a, b, k + 1)[1:].tolist())
        if b < length:
            idx.append(len(breaks) - 1)
    return np.asarray(breaks), np.asarray(idx, dtype=np.int64)


def _lattice(rng: np.random.Generator) -> _Lattice:
    ub, ustreets = _breaks(rng, EXTENT_M)
    vb, vstreets = _breaks(rng, EXTENT_M)
    uu, vv = np.meshgrid(ub, vb, indexing="ij")
    ph = rng.uniform(0.0, 2.0 * np.pi, 4)
    x = uu + 90.0 * np.sin(2 * np.pi * vv / 4300.0 + ph[0])
    x += 40.0 * np.sin(2 * np.pi * uu / 2900.0 + ph[1])
    y = vv + 80.0 * np.sin(2 * np.pi * uu / 3700.0 + ph[2])
    y += 30.0 * np.sin(2 * np.pi * vv / 2300.0 + ph[3])
    x += rng.normal(0.0, 3.0, x.shape)
    y += rng.normal(0.0, 3.0, y.shape)
    theta = math.radians(float(rng.uniform(8.0, 16.0)))
    xc, yc = x - EXTENT_M / 2, y - EXTENT_M / 2
    to_utm = Transformer.from_crs(s.WGS84, METRIC_CRS, always_xy=True)
    cx, cy = to_utm.transform(*CENTER_LONLAT)
    nx = cx + xc * math.cos(theta) - yc * math.sin(theta)
    ny = cy + xc * math.sin(theta) + yc * math.cos(theta)
    # the coast: the south is sea; the north-east corner belongs to the next district
    uc = (ub[:-1] + ub[1:]) / 2
    vc = (vb[:-1] + vb[1:]) / 2
    phc = rng.uniform(0.0, 2.0 * np.pi, 2)
    coast = 900.0 + 450.0 * np.sin(2 * np.pi * uc / 5200.0 + phc[0])
    coast += 220.0 * np.sin(2 * np.pi * uc / 1700.0 + phc[1])
    ucc, vcc = np.meshgrid(uc, vc, indexing="ij")
    active = vcc > coast[:, None]
    active &= (EXTENT_M - ucc) + (EXTENT_M - vcc) > 1300.0
    return _Lattice(ub, vb, nx, ny, active, ustreets, vstreets)


def _cell_quads(lat: _Lattice) -> npt.NDArray[np.float64]:
    """Return the corners of every lattice cell, shape (NI, NJ, 4, 2), CCW."""
    p00 = np.stack([lat.nx[:-1, :-1], lat.ny[:-1, :-1]], -1)
    p10 = np.stack([lat.nx[1:, :-1], lat.ny[1:, :-1]], -1)
    p11 = np.stack([lat.nx[1:, 1:], lat.ny[1:, 1:]], -1)
    p01 = np.stack([lat.nx[:-1, 1:], lat.ny[:-1, 1:]], -1)
    return np.stack([p00, p10, p11, p01], axis=2)


def _bilinear(
    quads: npt.NDArray[np.float64],
    sv: npt.NDArray[np.float64],
    tv: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Map (s, t) in the unit square into each quad (rows of ``quads``)."""
    w = np.stack([(1 - sv) * (1 - tv), sv * (1 - tv), sv * tv, (1 - sv) * tv], -1)
    xy = np.einsum("nk,nkd->nd", w, quads)
    return xy[:, 0], xy[:, 1]


# -- streets -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Streets:
    frame: gpd.GeoDataFrame  # metric CRS, every street and alley
    # class code of each cell edge: 0 none, 1 alley, 2 secondary, 3 arterial
    vclass: npt.NDArray[np.int8]  # (NI + 1, NJ): vertical edge at u-break i, row j
    hclass: npt.NDArray[np.int8]  # (NJ + 1, NI): horizontal edge at v-break j, col i
    # the same with the dense back alleys (the rates of the categories follow
    # vclass and hclass; the positions of the reports follow vnet and hnet)
    vnet: npt.NDArray[np.int8]
    hnet: npt.NDArray[np.int8]
    main: gpd.GeoDataFrame  # frame without the dense back alleys


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Return [start, stop) index ranges of the True runs of a 1-d mask."""
    padded = np.concatenate([[False], mask, [False]])
    d = np.diff(padded.astype(np.int8))
    return list(
        zip(
            np.flatnonzero(d == 1).tolist(),
            np.flatnonzero(d == -1).tolist(),
            strict=True,
        )
    )


def _streets(
    rng: np.random.Generator, lat: _Lattice, rng_alleys: np.random.Generator
) -> _Streets:
    ni, nj = lat.active.shape
    vclass = np.zeros((ni + 1, nj), dtype=np.int8)
    hclass = np.zeros((nj + 1, ni), dtype=np.int8)
    vname = np.full((ni + 1, nj), "", dtype=object)  # street name on each edge
    hname = np.full((nj + 1, ni), "", dtype=object)
    dense = False  # adding the dense back alleys (drawn from rng_alleys)
    # edge usable where at least one side is an active cell
    vedge_ok = np.zeros((ni + 1, nj), dtype=bool)
    vedge_ok[:-1] |= lat.active
    vedge_ok[1:] |= lat.active
    hedge_ok = np.zeros((nj + 1, ni), dtype=bool)
    hedge_ok[:-1] |= lat.active.T
    hedge_ok[1:] |= lat.active.T
    rows: list[tuple[str, str, str, bool, list[tuple[float, float]], bool]] = []
    sec_names = list(rng.permutation(np.asarray(_SECONDARY_NAMES)))
    art_u = set(lat.ustreets[int(rng.integers(0, 3)) :: 3].tolist())
    art_v = set(lat.vstreets[int(rng.integers(0, 3)) :: 3].tolist())
    n_art = {"u": 0, "v": 0}

    def add(
        axis: str, k: int, lo: int, hi: int, cls: int, name: str, oneway: bool
    ) -> None:
        ok = vedge_ok[k, lo:hi] if axis == "u" else hedge_ok[k, lo:hi]
        for a, b in _runs(ok):
            a, b = a + lo, b + lo
            if b - a < 2 and cls > 1:
                continue
            if axis == "u":
                pts = [(lat.nx[k, j], lat.ny[k, j]) for j in range(a, b + 1)]
                if dense:
                    vnet[k, a:b] = np.maximum(vnet[k, a:b], cls)
                else:
                    vclass[k, a:b] = np.maximum(vclass[k, a:b], cls)
                vname[k, a:b] = name
            else:
                pts = [(lat.nx[i, k], lat.ny[i, k]) for i in range(a, b + 1)]
                if dense:
                    hnet[k, a:b] = np.maximum(hnet[k, a:b], cls)
                else:
                    hclass[k, a:b] = np.maximum(hclass[k, a:b], cls)
                hname[k, a:b] = name
            gen = rng_alleys if dense else rng
            if oneway and gen.random() < 0.5:
                pts = pts[::-1]
            klass = {1: "alley", 2: "secondary", 3: "arterial"}[cls]
            rows.append((klass, name, axis, oneway, pts, dense))

    for axis, lines, arts, nmax in (
        ("u", lat.ustreets, art_u, nj),
        ("v", lat.vstreets, art_v, ni),
    ):
        for k in lines.tolist():
            if k in arts:
                names = _ARTERIAL_NAMES_NS if axis == "u" else _ARTERIAL_NAMES_EW
                name = names[n_art[axis] % len(names)]
                n_art[axis] += 1
                add(axis, k, 0, nmax, 3, name, False)
                continue
            name = str(sec_names.pop()) if sec_names else f"无名路{len(rows)}"
            lo, hi = 0, nmax
            if rng.random() < 0.35:  # a secondary street that ends at a T-junction
                cross = lat.vstreets if axis == "u" else lat.ustreets
                a, b = sorted(rng.choice(cross, 2, replace=False).tolist())
                lo, hi = a, b
            add(axis, k, lo, hi, 2, name, bool(rng.random() < 0.12))
    # back alleys: one internal line across some blocks
    alley_no = 0
    for axis, lines, cross, n_other in (
        ("u", lat.ustreets, lat.vstreets, nj),
        ("v", lat.vstreets, lat.ustreets, ni),
    ):
        bounds = [0, *lines.tolist(), (ni if axis == "u" else nj)]
        cbounds = [0, *cross.tolist(), n_other]
        for a, b in itertools.pairwise(bounds):
            if b - a < 3:
                continue
            for c0, c1 in itertools.pairwise(cbounds):
                if rng.random() > 0.22:
                    continue
                k = int(rng.integers(a + 1, b))
                word = _ALLEY_WORDS[alley_no % len(_ALLEY_WORDS)]
                suffix = "里" if alley_no < len(_ALLEY_WORDS) else "巷"
                alley_no += 1
                add(axis, k, c0, c1, 1, f"{word}{suffix}", bool(rng.random() < 0.2))
    vnet, hnet = vclass.copy(), hclass.copy()
    dense = True
    _dense_alleys(rng_alleys, lat, vnet, hnet, vname, hname, add)
    ids: list[str] = []
    in_main: list[bool] = []
    street_names: list[str] = []
    classes: list[str] = []
    oneways: list[bool] = []
    geoms: list[shapely.LineString] = []
    order = {"arterial": 0, "secondary": 1, "alley": 2}
    rows.sort(key=lambda r: (order[r[0]], r[1], r[2], r[4][0]))
    counters = {"arterial": 0, "secondary": 0, "alley": 0}
    prefix = {"arterial": "A", "secondary": "S", "alley": "L"}
    for klass, name, _axis, oneway, pts, is_dense in rows:
        in_main.append(not is_dense)
        counters[klass] += 1
        ids.append(f"{prefix[klass]}{counters[klass]:03d}")
        street_names.append(name)
        classes.append(klass)
        oneways.append(oneway)
        geoms.append(shapely.LineString(pts))
    frame = gpd.GeoDataFrame(
        {
            s.STREET_ID: ids,
            "name": street_names,
            s.STREET_CLASS: classes,
            s.ONEWAY: oneways,
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )
    main = frame[np.asarray(in_main)].reset_index(drop=True)
    return _Streets(frame, vclass, hclass, vnet, hnet, main)


_AddStreet = Callable[[str, int, int, int, int, str, bool], None]


def _dense_alleys(
    rng: np.random.Generator,
    lat: _Lattice,
    vnet: npt.NDArray[np.int8],
    hnet: npt.NDArray[np.int8],
    vname: npt.NDArray[np.object_],
    hname: npt.NDArray[np.object_],
    add: _AddStreet,
) -> None:
    """Add back alleys (背街小巷) along most inner lattice lines of the blocks.

    In each block (between street lines), each inner cell edge line gets, with
    probability 0.5, an alley across the whole block and with probability 0.3
    a dead-end alley of one or more cells from one side. An alley is named
    after the street it branches off (``彰化路3号巷``), or ``广兴东里`` where
    it meets none. ``add`` draws the alley and marks its edges in ``vnet`` and
    ``hnet`` (read here, so that alleys never overlap).
    """
    ni, nj = lat.active.shape
    counter: dict[str, int] = {}
    fallback = 0
    for axis, lines, cross, n_across, n_along in (
        ("u", lat.ustreets, lat.vstreets, ni, nj),
        ("v", lat.vstreets, lat.ustreets, nj, ni),
    ):
        net = vnet if axis == "u" else hnet
        # names of the crossing streets: cross line c, between lines k-1 and k
        cname = hname if axis == "u" else vname
        bounds = [0, *lines.tolist(), n_across]
        cbounds = [0, *cross.tolist(), n_along]
        for a, b in itertools.pairwise(bounds):
            for k in range(a + 1, b):
                for c0, c1 in itertools.pairwise(cbounds):
                    if (net[k, c0:c1] > 0).any():
                        continue
                    r = float(rng.random())
                    if r < 0.5:
                        lo, hi, end = c0, c1, (c0 if rng.random() < 0.5 else c1)
                    elif r < 0.8 and c1 - c0 >= 2:
                        length = int(rng.integers(1, c1 - c0))
                        if rng.random() < 0.5:
                            lo, hi, end = c0, c0 + length, c0
                        else:
                            lo, hi, end = c1 - length, c1, c1
                    else:
                        continue
                    here = [str(cname[end, k + d]) for d in (-1, 0) if k + d < n_across]
                    street = next((n for n in here if n), "")
                    if not street:  # try the other end of a through alley
                        other = c1 if end == c0 else c0
                        if (lo, hi) == (c0, c1):
                            here = [
                                str(cname[other, k + d])
                                for d in (-1, 0)
                                if k + d < n_across
                            ]
                            street = next((n for n in here if n), "")
                    if street and not street.endswith(("里", "巷")):
                        counter[street] = counter.get(street, 0) + 1
                        name = f"{street}{counter[street]}号巷"
                    else:
                        word = _ALLEY_WORDS[fallback % len(_ALLEY_WORDS)]
                        side = "东西南北"[(fallback // len(_ALLEY_WORDS)) % 4]
                        fallback += 1
                        name = f"{word}{side}里"
                    add(axis, k, lo, hi, 1, name, bool(rng.random() < 0.1))


# -- grid and areas ------------------------------------------------------------
@dataclass(frozen=True)
class _Grid:
    frame: gpd.GeoDataFrame  # metric CRS, sorted by grid_id
    ij: npt.NDArray[np.int64]  # (n, 2) lattice index of each cell
    quads: npt.NDArray[np.float64]  # (n, 4, 2)
    index: npt.NDArray[np.int64]  # (NI, NJ) -> row in frame, -1 inactive
    areas: gpd.GeoDataFrame


def _grid(rng: np.random.Generator, lat: _Lattice) -> _Grid:
    ni, nj = lat.active.shape
    # subdistricts: bands cut along arterial-ish street lines; communities: blocks
    ucuts = lat.ustreets[[len(lat.ustreets) // 3, 2 * len(lat.ustreets) // 3]]
    vcuts = lat.vstreets[[len(lat.vstreets) // 2]]
    ii, jj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    sub_u = np.searchsorted(ucuts, ii, side="right")
    sub_v = np.searchsorted(vcuts, jj, side="right")
    sub = sub_u * (len(vcuts) + 1) + (len(vcuts) - sub_v)  # north first
    blk_u = np.searchsorted(lat.ustreets, ii, side="right") // 2
    blk_v = np.searchsorted(lat.vstreets, jj, side="right")
    act = lat.active
    # number subdistricts, communities and cells in reading order
    sub_codes = {int(k): n + 1 for n, k in enumerate(np.unique(sub[act]))}
    order = np.lexsort((ii[act], -jj[act]))  # north to south, west to east
    cells_i, cells_j = ii[act][order], jj[act][order]
    s_of = sub[cells_i, cells_j]
    c_key = s_of * 10_000 + blk_v[cells_i, cells_j] * 100 + blk_u[cells_i, cells_j]
    comm_code = np.zeros(len(cells_i), dtype=np.int64)
    cell_code = np.zeros(len(cells_i), dtype=np.int64)
    seen_comm: dict[int, int] = {}
    per_sub: dict[int, int] = {}
    per_comm: dict[int, int] = {}
    for n, (sk, ck) in enumerate(zip(s_of.tolist(), c_key.tolist(), strict=True)):
        if ck not in seen_comm:
            per_sub[sk] = per_sub.get(sk, 0) + 1
            seen_comm[ck] = per_sub[sk]
        comm_code[n] = seen_comm[ck]
        per_comm[ck] = per_comm.get(ck, 0) + 1
        cell_code[n] = per_comm[ck]
    sub_code = np.array([sub_codes[k] for k in s_of.tolist()])
    grid_ids = [
        f"{DISTRICT_CODE}{a:03d}{b:03d}{c:03d}"
        for a, b, c in zip(
            sub_code.tolist(), comm_code.tolist(), cell_code.tolist(), strict=True
        )
    ]
    comm_ids = [g[:12] for g in grid_ids]
    quads_all = _cell_quads(lat)
    quads = quads_all[cells_i, cells_j]
    ring = np.concatenate([quads, quads[:, :1]], axis=1)
    polys = shapely.polygons(ring)
    frame = gpd.GeoDataFrame(
        {s.GRID_ID: grid_ids, s.COMMUNITY_ID: comm_ids}, geometry=polys, crs=METRIC_CRS
    )
    index = np.full((ni, nj), -1, dtype=np.int64)
    index[cells_i, cells_j] = np.arange(len(cells_i))
    # areas
    names_a = [a + b for a in _COMMUNITY_A for b in _COMMUNITY_B]
    comm_names = rng.permutation(np.asarray(names_a))
    area_rows: list[tuple[str, str, str, str | None, shapely.Geometry]] = []
    area_rows.append(
        (DISTRICT_CODE, DISTRICT_NAME, "district", None, shapely.union_all(polys))
    )
    sub_ids = np.array([g[:9] for g in grid_ids])
    for n, sid in enumerate(dict.fromkeys(sub_ids.tolist())):
        geom = shapely.union_all(polys[sub_ids == sid])
        area_rows.append(
            (
                sid,
                _SUBDISTRICT_NAMES[n % len(_SUBDISTRICT_NAMES)],
                "subdistrict",
                DISTRICT_CODE,
                geom,
            )
        )
    comm_arr = np.asarray(comm_ids)
    for n, cid in enumerate(dict.fromkeys(comm_ids)):
        geom = shapely.union_all(polys[comm_arr == cid])
        area_rows.append((cid, f"{comm_names[n]}社区", "community", cid[:9], geom))
    areas = gpd.GeoDataFrame(
        {
            s.AREA_ID: [r[0] for r in area_rows],
            s.AREA_NAME: [r[1] for r in area_rows],
            s.AREA_LEVEL: [r[2] for r in area_rows],
            s.AREA_PARENT: pd.array([r[3] for r in area_rows], dtype="string"),
        },
        geometry=[r[4] for r in area_rows],
        crs=METRIC_CRS,
    )
    ij = np.stack([cells_i, cells_j], axis=1).astype(np.int64)
    return _Grid(frame, ij, quads, index, areas)


# -- places ------------------------------------------------------------------------
_PLACE_COUNTS: Final = (
    ("market", 6),
    ("school", 10),
    ("station", 7),
    ("construction", 5),
    ("hospital", 4),
)


def _edge_classes(
    lat: _Lattice, st: _Streets, ij: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    """Street class of the left, right, bottom and top edge of each cell."""
    i, j = ij[:, 0], ij[:, 1]
    return np.stack(
        [st.vclass[i, j], st.vclass[i + 1, j], st.hclass[j, i], st.hclass[j + 1, i]],
        axis=1,
    )


def _neighbourhood_ok(index: npt.NDArray[np.int64], i: int, j: int, r: int) -> bool:
    ni, nj = index.shape
    if i - r < 0 or j - r < 0 or i + r >= ni or j + r >= nj:
        return False
    return bool((index[i - r : i + r + 1, j - r : j + r + 1] >= 0).all())


def _nearest_names(
    streets: gpd.GeoDataFrame, pts: npt.NDArray[np.float64]
) -> list[str]:
    tree = shapely.STRtree(streets.geometry.to_numpy())
    geoms = shapely.points(pts)
    _, idx = tree.query_nearest(geoms, return_distance=False, all_matches=False)
    names = streets["name"].to_numpy()
    return [str(names[k]) for k in idx]


@dataclass(frozen=True)
class _Places:
    frame: gpd.GeoDataFrame  # metric CRS
    cells: npt.NDArray[np.int64]  # grid row of each place


def _places(
    rng: np.random.Generator, grid: _Grid, st: _Streets, edges: npt.NDArray[np.int8]
) -> _Places:
    cent = grid.quads.mean(axis=1)
    cand = [
        n
        for n in range(len(grid.ij))
        if edges[n].max() >= 2
        and _neighbourhood_ok(grid.index, int(grid.ij[n, 0]), int(grid.ij[n, 1]), r=2)
    ]
    cand_arr = rng.permutation(np.asarray(cand))
    chosen: list[int] = []
    kinds: list[str] = []
    todo = [k for k, c in _PLACE_COUNTS for _ in range(c)]
    for n in cand_arr.tolist():
        if not todo:
            break
        if chosen and np.min(np.hypot(*(cent[chosen] - cent[n]).T)) < 380.0:
            continue
        chosen.append(n)
        kinds.append(todo.pop(0))
    cells = np.asarray(chosen, dtype=np.int64)
    # move each place from the cell centre towards its street edge
    mids = np.stack(
        [
            grid.quads[cells][:, [0, 3]].mean(1),
            grid.quads[cells][:, [1, 2]].mean(1),
            grid.quads[cells][:, [0, 1]].mean(1),
            grid.quads[cells][:, [3, 2]].mean(1),
        ],
        axis=1,
    )
    best = edges[cells].argmax(axis=1)
    pts = 0.6 * cent[cells] + 0.4 * mids[np.arange(len(cells)), best]
    street_names = _nearest_names(st.main, pts)
    names: list[str] = []
    counters: dict[str, int] = {}
    for kind, street in zip(kinds, street_names, strict=True):
        counters[kind] = counters.get(kind, 0) + 1
        k = counters[kind]
        if kind == "market":
            head, tail = street, "农贸市场"
        elif kind == "school":
            head, tail = street, ("小学" if k % 2 else "中学")
        elif kind == "station":
            head, tail = f"地铁{(k % 3) + 1}号线{street.removesuffix('路')}", "站"
        elif kind == "construction":
            head, tail = street, f"{k}号地块项目工地"
        else:
            head, tail = _HOSPITALS[(k - 1) % len(_HOSPITALS)], ""
        name = head + tail
        for extra in ("第二", "第三", "第四", "第五"):
            if name not in names:
                break
            name = head + extra + tail
        names.append(name)
    short = {
        "market": "M",
        "school": "S",
        "station": "T",
        "construction": "C",
        "hospital": "H",
    }
    ids: list[str] = []
    counters = {}
    for kind in kinds:
        counters[kind] = counters.get(kind, 0) + 1
        ids.append(f"P{short[kind]}{counters[kind]:02d}")
    frame = gpd.GeoDataFrame(
        {s.PLACE_ID: ids, s.PLACE_NAME: names, s.PLACE_KIND: kinds},
        geometry=shapely.points(pts),
        crs=METRIC_CRS,
    )
    return _Places(frame, cells)


# -- planted truth ---------------------------------------------------------------------
#: Weekly profiles of the planted patterns: (extra reports per cell and week in
#: units of the pattern strength, multiplier of the background).
def _profile(
    pattern: str, n: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
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


_PATTERN_THEME: Final = {
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
class _Plan:
    patterns: pd.DataFrame  # grid_id, pattern, planted_id, core (row), block rows
    blocks: list[tuple[str, str, npt.NDArray[np.int64]]]  # planted_id, pattern, rows
    blind: pd.DataFrame  # grid_id, kind, planted_id, category, row


def _plan(
    rng: np.random.Generator, grid: _Grid, places: _Places, per_pattern: int
) -> _Plan:
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
            if dplace[n] < min_place_m or not _neighbourhood_ok(
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
    blocks: list[tuple[str, str, npt.NDArray[np.int64]]] = []
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
    return _Plan(patterns, blocks, blind)


# -- reports -------------------------------------------------------------------
_CATEGORIES: Final = tuple(c for g in _GROUPS.values() for c, _ in g)
_CAT_GROUP: Final = tuple(gi for gi, g in enumerate(_GROUPS.values()) for _ in g)
_KERNEL_M: Final = 110.0


def _code_table() -> pd.DataFrame:
    text = (
        importlib.resources.files("hotspots")
        .joinpath("data/event_codes_gbt47678_5.csv")
        .read_text(encoding="utf-8")
    )
    return pd.read_csv(io.StringIO(text), comment="#", dtype=str)


def _inverse_cdf(
    rng: np.random.Generator,
    probs: npt.NDArray[np.float64],
    rows: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Draw one index per row from the discrete distribution ``probs[rows]``."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    out = (cum[rows] < u[:, None]).sum(axis=1)
    result: npt.NDArray[np.int64] = np.minimum(out, probs.shape[1] - 1).astype(np.int64)
    return result


def _group_rates(
    grid: _Grid, edges: npt.NDArray[np.int8], places: _Places
) -> npt.NDArray[np.float64]:
    """Relative weekly rate of each category group in each cell."""
    cent = grid.quads.mean(axis=1)
    pxy = places.frame.geometry.get_coordinates().to_numpy()
    d2 = (cent[:, None, 0] - pxy[None, :, 0]) ** 2 + (
        cent[:, None, 1] - pxy[None, :, 1]
    ) ** 2
    ker = np.exp(-d2 / (2 * _KERNEL_M**2))
    kinds = places.frame[s.PLACE_KIND].to_numpy()

    def k(kind: str) -> npt.NDArray[np.float64]:
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
    return np.stack([rates[g] for g in _GROUP_NAMES], axis=1)


def _within_cell(
    rng: np.random.Generator,
    n: int,
    edge: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return (s, t) in the unit square, near the given edge (0-3) or anywhere (-1)."""
    # keep half a metre or more from the edges, so that rounding the exported
    # coordinates never moves a report into the next cell
    sv = rng.uniform(0.005, 0.995, n)
    tv = rng.uniform(0.005, 0.995, n)
    near = rng.uniform(0.01, 0.12, n)
    sv = np.where(edge == 0, near, np.where(edge == 1, 1 - near, sv))
    tv = np.where(edge == 2, near, np.where(edge == 3, 1 - near, tv))
    return sv, tv


def _raw_reports(
    rng: np.random.Generator,
    grid: _Grid,
    edges: npt.NDArray[np.int8],
    places: _Places,
    plan: _Plan,
    n_weeks: int,
    n_reports: int,
    near_repeat: float,
    strength: float,
) -> pd.DataFrame:
    n_cells = len(grid.ij)
    rel = _group_rates(grid, edges, places)
    lam = rel.sum(axis=1)
    lam /= lam.mean()
    week_factor = 1.0 + rng.normal(0.0, 0.025, n_weeks)
    keep = np.ones((n_cells, n_weeks))
    excess = np.zeros((n_cells, n_weeks))
    block_of = np.full(n_cells, "", dtype=object)
    for pid, pattern, blk in plan.blocks:
        ex, kp = _profile(pattern, n_weeks)
        keep[blk] *= kp[None, :]
        excess[blk] += ex[None, :]
        block_of[blk] = pid
    outside = plan.blind[plan.blind["kind"] == "outside_only"]
    comeback = plan.blind[plan.blind["kind"] == "comeback"]
    outside_rate = 3.0  # reports per week, in units of the base rate
    cycle_days = 0.9 + 2.0
    k_comeback = len(comeback) * n_weeks * 7.0 / cycle_days
    k_bg = float((lam[:, None] * week_factor[None, :] * keep).sum())
    k_units = (
        k_bg + strength * float(excess.sum()) + outside_rate * len(outside) * n_weeks
    )
    base = max(n_reports * (1.0 - near_repeat) - k_comeback, 0.0) / k_units

    parts: list[pd.DataFrame] = []
    # background
    mu = base * lam[:, None] * week_factor[None, :] * keep
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
    group = _inverse_cdf(rng, rel, cell)
    parts.append(
        pd.DataFrame(
            {
                "cell": cell,
                "week": week,
                "group": group,
                "origin": "background",
                "planted_id": "",
            }
        )
    )
    # planted pattern blocks: extra reports, a fixed number per week
    cell_parts: list[npt.NDArray[np.int64]] = []
    week_parts: list[npt.NDArray[np.int64]] = []
    for _pid, pattern, blk in plan.blocks:
        ex = strength * base * _profile(pattern, n_weeks)[0]
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
    themes = {pid: _GROUP_NAMES.index(_PATTERN_THEME[p]) for pid, p, _ in plan.blocks}
    pids = block_of[cell]
    group = np.array([themes[p] for p in pids], dtype=np.int64)
    parts.append(
        pd.DataFrame(
            {
                "cell": cell,
                "week": week,
                "group": group,
                "origin": "pattern",
                "planted_id": pids,
            }
        )
    )
    raw = pd.concat(parts, ignore_index=True)
    # categories within groups
    cat_p = np.zeros((len(_GROUP_NAMES), len(_CATEGORIES)))
    for c, g in enumerate(_CAT_GROUP):
        cat_p[g, c] = dict(_GROUPS[_GROUP_NAMES[g]])[_CATEGORIES[c]]
    raw["cat"] = _inverse_cdf(rng, cat_p, raw["group"].to_numpy())
    # planted blind spots: fixed category, fixed place inside the cell
    bl_parts: list[pd.DataFrame] = []
    for row in outside.itertuples():
        wk = np.repeat(
            np.arange(n_weeks),
            np.floor(outside_rate * base + rng.random(n_weeks)).astype(int),
        )
        cat = _CATEGORIES.index(str(row.category))
        bl_parts.append(
            pd.DataFrame(
                {
                    "cell": int(str(row.row)),
                    "week": wk,
                    "group": _CAT_GROUP[cat],
                    "origin": "blind_spot",
                    "planted_id": str(row.planted_id),
                    "cat": cat,
                }
            )
        )
    chain_parts: list[pd.DataFrame] = []
    for row in comeback.itertuples():
        t0 = float(rng.uniform(0.0, 2.0))
        times: list[float] = []
        closes: list[float] = []
        t = t0
        while t < n_weeks * 7.0:
            closed = t + float(rng.uniform(0.3, 1.5))
            times.append(t)
            closes.append(closed)
            t = closed + float(rng.uniform(0.5, 3.5))
        cat = _CATEGORIES.index(str(row.category))
        tv = np.asarray(times)
        chain_parts.append(
            pd.DataFrame(
                {
                    "cell": int(str(row.row)),
                    "week": (tv // 7).astype(np.int64),
                    "group": _CAT_GROUP[cat],
                    "origin": "blind_spot",
                    "planted_id": str(row.planted_id),
                    "cat": cat,
                    "t_days": tv,
                    "close_days": np.asarray(closes),
                }
            )
        )
    raw = pd.concat([raw, *bl_parts, *chain_parts], ignore_index=True)
    n = len(raw)
    # sources
    grp = raw["group"].to_numpy()
    src_p = np.asarray([_SOURCE_MIX[g] for g in _GROUP_NAMES])
    src = _inverse_cdf(rng, src_p, grp)
    is_out = raw["planted_id"].str.contains("outside_only").to_numpy()
    src[is_out] = _inverse_cdf(
        rng, np.asarray([_OUTSIDE_MIX]), np.zeros(int(is_out.sum()), dtype=np.int64)
    )
    raw["source"] = src
    # times: weekday and hour rhythms by source
    day = _inverse_cdf(rng, np.asarray(_DAYS, dtype=float), src)
    hour = _inverse_cdf(rng, np.asarray(_HOURS, dtype=float), src)
    t_days = raw["week"].to_numpy() * 7.0 + day + (hour + rng.random(n)) / 24.0
    if "t_days" in raw:
        t_days = np.where(
            raw["t_days"].notna(), raw["t_days"].to_numpy(dtype=float), t_days
        )
    raw["t_days"] = t_days
    if "close_days" not in raw:
        raw["close_days"] = np.nan
    # positions inside the cells
    cells = raw["cell"].to_numpy()
    best = edges[cells].argmax(axis=1)
    best_cls = edges[cells].max(axis=1)
    edge = np.full(n, -1, dtype=np.int64)
    fly = grp == _GROUP_NAMES.index("flyposting")
    edge[fly & (best_cls >= 2)] = best[fly & (best_cls >= 2)]
    san = grp == _GROUP_NAMES.index("sanitation")
    alley_edge = np.argmax(edges[cells] == 1, axis=1)
    has_alley = (edges[cells] == 1).any(axis=1)
    pick = san & has_alley & (rng.random(n) < 0.7)
    edge[pick] = alley_edge[pick]
    sv, tv = _within_cell(rng, n, edge)
    spot = (raw["origin"] == "blind_spot").to_numpy()
    sv[spot] = np.clip(0.5 + rng.normal(0.0, 0.08, int(spot.sum())), 0.03, 0.97)
    tv[spot] = np.clip(0.5 + rng.normal(0.0, 0.08, int(spot.sum())), 0.03, 0.97)
    x, y = _bilinear(grid.quads[cells], sv, tv)
    raw["x"], raw["y"] = x, y
    if near_repeat > 0:
        raw = _near_repeats(rng, raw, grid, n_weeks, near_repeat)
    return raw


#: Share of the reports of each category made on or beside a street (the
#: rest anywhere in the cell: courtyards, buildings, green space).
_ON_STREET: Final = {
    "占道经营": 0.95,
    "无照经营游商": 0.95,
    "农贸市场秩序问题": 0.85,
    "店外经营": 0.95,
    "机动车乱停放": 0.95,
    "非机动车乱停放": 0.93,
    "共享单车乱象": 0.95,
    "占用消防通道": 0.85,
    "施工废弃料": 0.8,
    "积存垃圾渣土": 0.8,
    "工地扬尘": 0.75,
    "施工占道": 0.97,
    "道路遗撒（洒）": 0.97,
    "暴露垃圾": 0.9,
    "乱堆杂物": 0.85,
    "垃圾站（箱）满溢": 0.9,
    "道路不洁": 0.97,
    "非法小广告": 0.95,
    "街头散发广告": 0.95,
    "违规户外广告": 0.95,
    "流浪犬": 0.7,
    "私设地锁、阻车桩": 0.9,
    "沿街晾挂": 0.9,
    "道路破损": 0.97,
    "油烟污染": 0.85,
    "噪声扰民": 0.75,
    "露天烧烤": 0.9,
    "井盖破损": 0.95,
    "废弃车辆": 0.95,
    "绿地脏乱": 0.3,
}


def _net_edges(st: _Streets, ij: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """Street class (dense alleys included) of the four edges of each cell."""
    i, j = ij[:, 0], ij[:, 1]
    return np.stack(
        [st.vnet[i, j], st.vnet[i + 1, j], st.hnet[j, i], st.hnet[j + 1, i]], axis=1
    )


def _cell_coords(
    quads: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Invert :func:`_bilinear`: (s, t) of points in their quads (Newton steps)."""
    sv = np.full(len(x), 0.5)
    tv = np.full(len(x), 0.5)
    p00, p10, p11, p01 = (quads[:, k] for k in range(4))
    for _ in range(12):
        bx, by = _bilinear(quads, sv, tv)
        rx, ry = bx - x, by - y
        ds = (1 - tv)[:, None] * (p10 - p00) + tv[:, None] * (p11 - p01)
        dt_ = (1 - sv)[:, None] * (p01 - p00) + sv[:, None] * (p11 - p10)
        det = ds[:, 0] * dt_[:, 1] - ds[:, 1] * dt_[:, 0]
        sv = sv - (rx * dt_[:, 1] - ry * dt_[:, 0]) / det
        tv = tv - (ds[:, 0] * ry - ds[:, 1] * rx) / det
    return sv, tv


def _onto_streets(
    rng: np.random.Generator,
    raw: pd.DataFrame,
    grid: _Grid,
    net: npt.NDArray[np.int8],
    patch_cells: npt.NDArray[np.int64],
) -> pd.DataFrame:
    """Move most reports beside a street, each inside the cell it was made in.

    A share of the reports of each category (:data:`_ON_STREET`) moves to the
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
    sv, tv = _cell_coords(quads, x, y)
    sv, tv = np.clip(sv, 0.005, 0.995), np.clip(tv, 0.005, 0.995)
    # cell width (along s) and height (along t) through the point, metres
    w = np.hypot(
        *(
            np.stack(_bilinear(quads, np.ones(n), tv))
            - np.stack(_bilinear(quads, np.zeros(n), tv))
        )
    )
    h = np.hypot(
        *(
            np.stack(_bilinear(quads, sv, np.ones(n)))
            - np.stack(_bilinear(quads, sv, np.zeros(n)))
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
    share = np.asarray([_ON_STREET[c] for c in _CATEGORIES])[out["cat"].to_numpy()]
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
    nx_, ny_ = _bilinear(quads, new_s, new_t)
    out["x"] = np.where(move, nx_, x)
    out["y"] = np.where(move, ny_, y)
    return out


def _near_repeats(
    rng: np.random.Generator, raw: pd.DataFrame, grid: _Grid, n_weeks: int, ratio: float
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
        src_p = np.asarray([_SOURCE_MIX[g] for g in _GROUP_NAMES])
        kid["source"] = _inverse_cdf(rng, src_p, kid["group"].to_numpy())
        kids_all.append(kid)
        parents = kid
    return pd.concat([raw, *kids_all], ignore_index=True)


# -- the export ------------------------------------------------------------------------
def _phones(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    prefixes = np.array(
        ["138", "139", "137", "150", "151", "158", "186", "187", "189", "133"]
    )
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    num = rng.integers(0, 100_000_000, n)
    return np.char.add(pre, np.char.zfill(num.astype(str), 8))


def _people(rng: np.random.Generator, k: int) -> list[str]:
    sur = rng.choice(list(_SURNAMES), k)
    given = rng.choice(list(_GIVEN), (k, 2))
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
    spot = rng.integers(0, len(_LANDMARKS), n)
    plea = np.isin(suffix, _DESCRIPTION_SUFFIXES[4:6])
    out: list[str] = []
    for r in range(n):
        c = str(cats[r])
        tpls = (
            _DESCRIPTION_TEMPLATES_BY_CAT.get(c)
            or _DESCRIPTIONS[_GROUP_NAMES[int(grp[r])]]
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
            text = _LANDMARKS[int(spot[r])] + text
        out.append(text + sfx)
    return out


def _tables(
    rng: np.random.Generator,
    raw: pd.DataFrame,
    grid: _Grid,
    st: _Streets,
    week0: dt.date,
    n_weeks: int,
    broken_share: float,
    rng_text: np.random.Generator,
) -> _Tables:
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
    cats = np.asarray(_CATEGORIES, dtype=object)[raw["cat"].to_numpy()]
    codes = np.array([code_of.get(c, "") for c in cats], dtype=object)
    majors = np.array(
        [major_of.get(c, _LOCAL_CATEGORIES.get(c, "")) for c in cats], dtype=object
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
        _nearest_names(st.frame, raw[["x", "y"]].to_numpy()), dtype=object
    )
    house = rng.integers(1, 240, n)
    where = np.asarray(["", "", "附近", "门口", "东侧", "西侧", "路口"], dtype=object)[
        rng.integers(0, 7, n)
    ]
    short = [f"{a}{h}号" for a, h in zip(near_street, house, strict=True)]
    addr = [a + w for a, w in zip(short, where, strict=True)]
    grp = raw["group"].to_numpy()
    tpl_idx = rng.integers(0, 100, n)
    suffix = np.asarray(_DESCRIPTION_SUFFIXES, dtype=object)[
        _inverse_cdf(
            rng, np.asarray([_DESCRIPTION_SUFFIX_P]), np.zeros(n, dtype=np.int64)
        )
    ]
    desc = _descriptions(rng_text, grp, tpl_idx, suffix, cats, src, near_street)
    inspectors = _people(rng, 40)
    workers = _people(rng, 60)
    insp_phone = _phones(rng, 40)
    work_phone = _phones(rng, 60)
    citizens = np.char.add(
        rng.choice(list(_SURNAMES), n).astype(str),
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
            "案件来源": np.asarray(_SOURCE_WORDS, dtype=object)[src],
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
    kinds = np.asarray(_BROKEN_KINDS)[rng.permutation(len(chosen)) % len(_BROKEN_KINDS)]
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
            s.STATUS: pd.array([_STATUS_CANON[w] for w in status[valid]], dtype="str"),
            s.CLOSED_AT: tz_close,
            s.SOURCE: pd.array(
                np.asarray(_SOURCE_CANON, dtype=object)[src[valid]], dtype="str"
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


_DESCRIPTION_TEMPLATES_BY_CAT: Final[dict[str, tuple[str, ...]]] = {
    "农贸市场秩序问题": (
        "{a}农贸市场内外摊位杂乱，垃圾遍地",
        "{a}市场门口占道卖菜，秩序混乱",
    ),
    "流浪犬": _DESCRIPTIONS["dogs"],
    "非法小广告": ("{a}电线杆上张贴小广告", "{a}墙面喷涂办证小广告"),
    "暴露垃圾": ("{a}背街小巷有暴露垃圾", "{a}垃圾堆放多日无人清运"),
    "噪声扰民": ("{a}夜间噪声扰民", "{a}商户音响声音过大"),
    "露天烧烤": ("{a}露天烧烤烟雾大", "{a}夜间烧烤摊占道"),
    "机动车乱停放": ("{a}机动车乱停放，堵塞道路", "{a}夜间车辆停在人行道上"),
}


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


def _check_types(**values: object) -> None:
    """Raise TypeError for the first argument of the wrong type."""
    for name, value in values.items():
        if name == "end_week":
            continue
        want_int = name in ("seed", "weeks", "n_reports", "planted_per_pattern")
        kinds: tuple[type, ...] = (
            (int, np.integer) if want_int else (int, float, np.integer, np.floating)
        )
        if isinstance(value, bool) or not isinstance(value, kinds):
            what = "an int" if want_int else "a number"
            msg = f"{name} must be {what}, got {value!r}"
            raise TypeError(msg)
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
    problems: list[str] = []
    if seed < 0:
        problems.append(f"seed must be >= 0, got {seed!r}. Pass e.g. seed=20261122.")
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
    if n_reports < 1000:
        problems.append(
            f"n_reports must be at least 1000, got {n_reports!r}. "
            "Pass e.g. n_reports=30000."
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
    if not 1 <= planted_per_pattern <= 3:
        problems.append(
            f"planted_per_pattern must be 1, 2 or 3, got {planted_per_pattern!r}. "
            "Pass e.g. planted_per_pattern=2."
        )
    if not 0.0 < pattern_strength <= 10.0:
        problems.append(
            f"pattern_strength must be in (0, 10], got {pattern_strength!r}. "
            "Pass e.g. pattern_strength=1.75."
        )
    collect_problems(problems, "make_district")
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
    lat = _lattice(rng)
    st = _streets(rng, lat, rng_alleys)
    grid = _grid(rng, lat)
    edges = _edge_classes(lat, st, grid.ij)
    places = _places(rng, grid, st, edges)
    plan = _plan(rng, grid, places, planted_per_pattern)
    raw = _raw_reports(
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
    raw = _onto_streets(
        rng_place, raw, grid, _net_edges(st, grid.ij), np.concatenate(hot_blocks)
    )
    tables = _tables(rng, raw, grid, st, week0, weeks, float(broken_share), rng_text)
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
        seed=int(seed),
    )


def _export_names(weeks: Sequence[str]) -> list[str]:
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
    _require_district(district)
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
    names = _export_names(weeks)
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


def _write_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Write an export as a workbook of text cells (byte-identical reruns)."""
    from .._core.outputs import write_workbook

    cells = frame.astype("object").where(frame != "", None)
    # pandas reads a "#N/A" cell of a workbook as missing, not as the word
    cells = cells.replace({"#N/A": "待定?"})
    return write_workbook(path, {"案件": cells}, mask=False)


def _atomic_write(path: Path, write: object) -> Path:
    """Write through a temporary file in the same folder, then rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)  # type: ignore[operator]
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    def write(tmp: Path) -> None:
        frame.to_file(
            tmp,
            driver="GeoJSON",
            engine="pyogrio",
            layer=path.stem,
            COORDINATE_PRECISION=6,
        )

    return _atomic_write(path, write)


def _write_csv(
    frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8", line_end: str = "\n"
) -> Path:
    def write(tmp: Path) -> None:
        frame.to_csv(tmp, index=False, encoding=encoding, lineterminator=line_end)

    return _atomic_write(path, write)


def _readme(d: District, weekly: WeeklyExports) -> str:
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
    if not isinstance(district, District):
        msg = (
            f"district must be a District from make_district(), got {type(district)!r}"
        )
        raise TypeError(msg)
    root = Path(root)
    bdir = root / "boundaries"
    ddir = root / "sample_data"
    tdir = ddir / "truth"
    for folder in (bdir, tdir):
        folder.mkdir(parents=True, exist_ok=True)
    written = [
        _write_geojson(district.grid, bdir / "grid.geojson"),
        _write_geojson(district.streets, bdir / "streets.geojson"),
        _write_geojson(district.areas, bdir / "areas.geojson"),
        _write_geojson(district.places, bdir / "places.geojson"),
    ]
    weekly = weekly_exports(district)
    edir = ddir / EXPORTS_FOLDER
    edir.mkdir(parents=True, exist_ok=True)
    for name, frame in weekly.files.items():
        path = edir / name
        if name.endswith(".xlsx"):
            written.append(_write_xlsx(frame, path))
        else:
            written.append(_write_csv(frame, path, encoding="gbk"))
    written.append(_write_csv(district.truth_patterns, tdir / "patterns.csv"))
    written.append(_write_csv(district.truth_blind_spots, tdir / "blind_spots.csv"))
    written.append(_write_csv(weekly.broken_rows, tdir / "broken_rows.csv"))
    written.append(_write_csv(weekly.untidy_rows, tdir / "untidy_rows.csv"))
    text = _readme(district, weekly)

    def write_readme(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    written.append(_atomic_write(ddir / "README.md", write_readme))
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
    _require_district(district)
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
    _require_district(district)
    root = Path(root)
    data = root / "sample_data"
    truth = data / "truth"
    return [
        *(root / "boundaries" / f"{n}.geojson" for n in _BOUNDARY_FILES),
        *(data / EXPORTS_FOLDER / name for name in _export_names(district.weeks)),
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

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return _atomic_write(path, write)


def _require_district(district: object) -> None:
    if not isinstance(district, District):
        msg = (
            f"district must be a District from make_district(), got {type(district)!r}"
        )
        raise TypeError(msg)


#: Files of :func:`write_district`, by folder.
_BOUNDARY_FILES: Final = ("grid", "streets", "areas", "places")
_TRUTH_FILES: Final = ("patterns", "blind_spots", "broken_rows", "untidy_rows")


# -- the responsibility layer (包街, 门前三包, 网格员) ------------------------------

#: Files of the sample's responsibility layer, under ``boundaries/``.
RESPONSIBILITY_FILES: Final = ("units.csv", "duties.geojson")
#: Organisations that adopt street sections (包街单位), in the sample.
_ADOPTERS: Final = (
    "区财政局", "区教育体育局", "区卫生健康局", "区住房城乡建设局", "区民政局",
    "区商务局", "区文化和旅游局", "区司法局", "区统计局", "区审计局",
    "区人力资源社会保障局", "区市场监督管理局", "区交通运输局", "区应急管理局",
    "区税务局", "区发展改革局", "区科技局", "区退役军人事务局", "区医保局",
    "区机关事务服务中心", "区融媒体中心", "区档案馆", "区妇联", "团区委",
)  # fmt: skip
#: Shops answering for their frontage (门前三包), in the sample.
_SHOPS: Final = (
    "利群便利店", "海信广场", "春和楼饭店", "劈柴院小吃", "万象城",
    "中山路药店", "青岛书城", "麦凯乐", "百盛商场", "佳世客超市",
    "银座商城", "大润发超市",
)  # fmt: skip
#: Share of grid cells left without a keeper (网格员) in the sample.
_NO_KEEPER_SHARE: Final = 0.06


def responsibility_layer(
    district: District,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Return the sample district's responsible units, their duties and the truth.

    Deterministic from ``district.seed``. The layer is made like a real one:

    - one department (城管执法中队) per subdistrict, the parent of the
      subdistrict's other units, adopting the district's markets and
      stations (``place`` duties);
    - the arterial and secondary streets cut into 1 to 3 sections with
      ``start_m`` / ``end_m`` measures (metres along the street from its first
      vertex), each adopted by a 包街 unit (an office adopting several
      sections); one pair of sections overlaps by 40 m, decided by the
      shorter-section rule of :func:`hotspots.assign_units`;
    - grid keepers (网格员), each for a community's cells, with about 6 % of
      the cells left without a keeper;
    - frontage polygons (门前三包) of 12 shops on the main streets.

    Parameters
    ----------
    district
        The output of :func:`make_district`.

    Returns
    -------
    tuple
        The units (``unit_id``, ``name``, ``kind``, ``parent_id``,
        ``subdistrict_id``), the duties (``unit_id``, ``duty``,
        ``target_id``, ``start_m``, ``end_m``, geometry: a Polygon for
        frontages, else empty; EPSG:4326) and the planted truth (``unit_id``,
        ``p_on_time``: the unit's true probability of closing a case on time,
        drawn from Beta(8, 2)). The committed sample exports predate the
        layer: their closing times were not drawn from ``p_on_time``, so the
        truth describes the layer, not the exported cases.
    """
    _require_district(district)
    rng = np.random.default_rng([district.seed, 18])
    areas = district.areas
    subs = areas[areas[s.AREA_LEVEL] == "subdistrict"].reset_index(drop=True)
    communities = areas[areas[s.AREA_LEVEL] == "community"]
    sub_of_community = dict(
        zip(communities[s.AREA_ID], communities["parent_id"], strict=True)
    )
    units: list[dict[str, object]] = []
    duties: list[dict[str, object]] = []
    dept = {}
    for k, row in enumerate(subs.itertuples(), start=1):
        uid = f"D{k:02d}"
        dept[row.area_id] = uid
        units.append(
            {"unit_id": uid, "name": f"{row.name}城管执法中队", "kind": "department",
             "parent_id": None, "subdistrict_id": row.area_id}
        )  # fmt: skip
    sub_metric = subs.to_crs(METRIC_CRS)

    def subdistrict_at(point: shapely.Point) -> str:
        inside = sub_metric.distance(point).to_numpy()
        return str(subs[s.AREA_ID].iloc[int(np.argmin(inside))])

    # key places: markets and stations adopted by their subdistrict's department
    places = district.places.to_crs(METRIC_CRS)
    for row in places[places["kind"].isin(("market", "station"))].itertuples():
        duties.append(
            {"unit_id": dept[subdistrict_at(row.geometry)], "duty": "place",
             "target_id": row.place_id, "start_m": np.nan, "end_m": np.nan,
             "geometry": None}
        )  # fmt: skip
    # 包街: main streets in sections
    streets = district.streets.to_crs(METRIC_CRS)
    main = streets[streets["street_class"].isin(("arterial", "secondary"))]
    adopters: dict[str, str] = {}
    overlap_done = False
    for row in main.itertuples():
        length = float(row.geometry.length)
        n = (
            int(rng.integers(2, 4))
            if row.street_class == "arterial"
            else 1 + int(rng.random() < 0.5)
        )
        cuts = np.linspace(0.0, length, n + 1).round(1)
        for i in range(n):
            start, end = float(cuts[i]), float(cuts[i + 1])
            if i == 1 and not overlap_done:
                start, overlap_done = start - 40.0, True  # one overlapping pair
            org = _ADOPTERS[int(rng.integers(len(_ADOPTERS)))]
            mid = row.geometry.interpolate((start + end) / 2)
            sub = subdistrict_at(mid)
            key = f"{org}|{sub}"
            if key not in adopters:
                adopters[key] = f"B{len(adopters) + 1:03d}"
                units.append(
                    {"unit_id": adopters[key], "name": f"{org}（包街）",
                     "kind": "street", "parent_id": dept[sub], "subdistrict_id": sub}
                )  # fmt: skip
            duties.append(
                {"unit_id": adopters[key], "duty": "street",
                 "target_id": row.street_id, "start_m": max(start, 0.0),
                 "end_m": end, "geometry": None}
            )  # fmt: skip
    # grid keepers: one or two per community, a few cells without keeper
    grid = district.grid
    keeper = 0
    for community, cells in grid.groupby(s.COMMUNITY_ID, sort=True):
        ids = cells[s.GRID_ID].astype(str).to_numpy()
        sub = str(sub_of_community.get(community, subs[s.AREA_ID].iloc[0]))
        parts = np.array_split(ids, 2 if len(ids) > 24 else 1)
        for part in parts:
            keeper += 1
            uid = f"G{keeper:03d}"
            units.append(
                {"unit_id": uid, "name": f"网格员{keeper:03d}", "kind": "grid_keeper",
                 "parent_id": dept.get(sub), "subdistrict_id": sub}
            )  # fmt: skip
            kept = part[rng.random(len(part)) >= _NO_KEEPER_SHARE]
            duties.extend(
                {"unit_id": uid, "duty": "grid", "target_id": cell,
                 "start_m": np.nan, "end_m": np.nan, "geometry": None}
                for cell in kept
            )  # fmt: skip
    # 门前三包: shop frontages on the arterials (30 m of street, 12 m deep)
    arterial = streets[streets["street_class"] == "arterial"].reset_index(drop=True)
    for k, shop in enumerate(_SHOPS, start=1):
        line = arterial.geometry.iloc[int(rng.integers(len(arterial)))]
        at = float(rng.uniform(0.1, 0.9)) * line.length
        piece = shapely.ops.substring(line, at, at + 30.0)
        poly = piece.buffer(12.0, cap_style="flat")
        sub = subdistrict_at(poly.centroid)
        uid = f"F{k:03d}"
        units.append(
            {"unit_id": uid, "name": shop, "kind": "frontage",
             "parent_id": dept[sub], "subdistrict_id": sub}
        )  # fmt: skip
        duties.append(
            {"unit_id": uid, "duty": "frontage", "target_id": None,
             "start_m": np.nan, "end_m": np.nan, "geometry": poly}
        )  # fmt: skip
    unit_frame = pd.DataFrame(units)
    duty_frame = gpd.GeoDataFrame(duties, geometry="geometry", crs=METRIC_CRS)
    duty_frame = duty_frame.to_crs(s.WGS84)
    truth = pd.DataFrame(
        {
            "unit_id": unit_frame["unit_id"],
            "p_on_time": rng.beta(8.0, 2.0, len(unit_frame)).round(3),
        }
    )
    return unit_frame, duty_frame, truth


def write_responsibility(district: District, root: str | Path) -> list[Path]:
    """Write the sample's responsibility layer and its truth under ``root``.

    ``boundaries/units.csv`` (UTF-8), ``boundaries/duties.geojson`` (WGS-84,
    6 decimals; null geometry except frontages) and
    ``sample_data/truth/units.csv`` (the planted ``p_on_time``; see
    :func:`responsibility_layer`).

    Parameters
    ----------
    district
        The output of :func:`make_district`.
    root
        Folder that holds ``boundaries/`` and ``sample_data/``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    units, duties, truth = responsibility_layer(district)
    root = Path(root)
    # compact GeoJSON (one line, no empty properties): most duties have no
    # geometry, and the sample stays small
    duties = duties.set_geometry(duties.geometry.set_precision(1e-6))
    text = duties.to_json(na="drop", drop_id=True, separators=(",", ":"))

    def write_duties(tmp: Path) -> None:
        tmp.write_text(text + "\n", encoding="utf-8")

    (root / "boundaries").mkdir(parents=True, exist_ok=True)
    (root / "sample_data" / "truth").mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(units, root / "boundaries" / RESPONSIBILITY_FILES[0]),
        _atomic_write(root / "boundaries" / RESPONSIBILITY_FILES[1], write_duties),
        _write_csv(truth, root / "sample_data" / "truth" / "units.csv"),
    ]
