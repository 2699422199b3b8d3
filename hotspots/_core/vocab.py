"""Vocabularies of city-management exports: status, source and category codes.

Platforms name the same thing in many ways. This module maps the words found
in real exports to the canonical values of the report frame
(:data:`~hotspots._core.schema.STATUSES`, :data:`~hotspots._core.schema.SOURCES`)
and holds
the national category code table.

Status words
------------
``open``
    filed but nobody sent yet: 待受理, 已受理, 已立案, 待派遣, 已上报, 待处理, and
    open/new/submitted/acknowledged/pending/received.
``dispatched``
    sent to a department and being handled: 已派遣, 派遣, 处置中, 处理中, 办理中,
    已派单, 已转办, and dispatched/assigned/in progress.
``resolved``
    the department says it is fixed, not yet checked: 已处置, 处置完成, 待核查,
    已处理, 已解决, 待结案, and resolved/fixed/completed.
``closed``
    checked and closed: 已结案, 结案, 已核查, 核查通过, 已关闭, 已办结, 已归档, and
    closed/done/archived.
``reopened``
    sent back after a failed check or a new complaint: 返工, 重新打开, 重办,
    核查不通过, and reopened.

Void reports (作废, 无效, 不予立案, cancelled, invalid, duplicate) are not
mapped: they are not problems on the street, and counting them as closed
would inflate the counts. :func:`hotspots.read.reports.read_reports` quarantines them
with a reason that says so.

Source words
------------
``inspector``
    the city's own patrols: 巡查员, 网格员, 城管队员, 监督员, 信息采集员,
    执法队员, 协管员, 自行巡查.
``hotline``
    every channel through which the public reports, not only the phone line:
    12345, 12319, 市民热线, 热线, 市民投诉, 微信, 公众号, APP, 随手拍, 网站,
    信箱. They all come from outside the city's patrols, which is what the
    blind-spot analysis needs to know.
``camera``
    视频, 摄像头, 视频监控, 视频巡查, 智能识别, AI识别.
``evaluation``
    assessment and supervision teams: 测评, 测评组, 督查, 暗访, 考核,
    第三方测评, 创城督查.
``other``
    其他, 媒体, 媒体曝光, 领导交办, 上级交办, other.

Words are compared after Unicode NFKC normalisation, stripping of whitespace
and lower-casing, so ``"ＡＰＰ"``, ``" app "`` and ``"App"`` are the same word.

Category codes
--------------
``hotspots/data/event_codes_gbt47678_5.csv`` lists the national event
(事项) classes 06-10 of GB/T 47678.5-2026 (管理事项, Appendix C; the
standard that replaced GB/T 30428.2-2013 in July 2026) as transcribed in a
public repository and not yet checked against the standard text (its first
line says so). Codes are never invented: a name gets a code only when it
matches exactly one entry of this table (or of the local categories a
config adds), after normalisation, or through the short list of
unambiguous colloquial names in :data:`CATEGORY_ALIASES`. The legacy 2013
scheme is known only by its major class names (:data:`LEGACY_MAJOR_CLASSES`),
which map to a major class name and never to a code.

References
----------
.. [1] GB/T 47678.5-2026, 城市运行管理服务平台 第5部分: 管理事项 (Appendix C).
.. [2] GB/T 30428.2-2013, 数字化城市管理信息系统 第2部分: 管理部件和事件.
.. [3] Open311 GeoReport v2, https://wiki.open311.org/GeoReport_v2/
"""

from __future__ import annotations

import functools
import importlib.resources
import io
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final

import pandas as pd

from ..errors import collect_problems

__all__ = [
    "CATEGORY_ALIASES",
    "CODE_TABLE_FILE",
    "LEGACY_MAJOR_CLASSES",
    "SOURCE_WORDS",
    "STATUS_WORDS",
    "VOID_STATUS_WORDS",
    "CategoryTable",
    "category_table",
    "code_table",
    "normalise_word",
]

#: Package data file holding the national code table.
CODE_TABLE_FILE: Final = "event_codes_gbt47678_5.csv"


def normalise_word(word: object) -> str:
    """Return the comparison key of a vocabulary word.

    NFKC (full-width letters, digits and brackets become ASCII), whitespace
    removed everywhere, lower case.

    Parameters
    ----------
    word
        Any value; it is converted with ``str``.

    Returns
    -------
    str
        The key.

    Examples
    --------
    >>> normalise_word(" 垃圾站（箱）满溢 ")
    '垃圾站(箱)满溢'
    >>> normalise_word("In Progress")
    'inprogress'
    """
    text = unicodedata.normalize("NFKC", str(word))
    return "".join(text.split()).lower()


def _keys(words: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, variants in words.items():
        for w in (canonical, *variants):
            out[normalise_word(w)] = canonical
    return out


_STATUS: Final[dict[str, tuple[str, ...]]] = {
    "open": (
        "待受理",
        "已受理",
        "受理",
        "待立案",
        "已立案",
        "立案",
        "待派遣",
        "已上报",
        "上报",
        "待处理",
        "未处理",
        "新建",
        "new",
        "submitted",
        "acknowledged",
        "pending",
        "received",
        "accepted",
    ),
    "dispatched": (
        "已派遣",
        "派遣",
        "已派单",
        "派单",
        "待处置",
        "处置中",
        "处理中",
        "办理中",
        "已转办",
        "转办",
        "assigned",
        "in progress",
        "in_progress",
        "in-progress",
    ),
    "resolved": (
        "已处置",
        "处置完成",
        "处置完毕",
        "已处理",
        "已解决",
        "待核查",
        "待结案",
        "fixed",
        "completed",
    ),
    "closed": (
        "已结案",
        "结案",
        "已核查",
        "核查通过",
        "已关闭",
        "关闭",
        "已办结",
        "办结",
        "已归档",
        "归档",
        "done",
        "archived",
    ),
    "reopened": (
        "返工",
        "已返工",
        "重新打开",
        "重办",
        "退回重办",
        "核查不通过",
        "reopen",
        "re-opened",
    ),
}
#: Normalised status word -> canonical status.
STATUS_WORDS: Final[dict[str, str]] = _keys(_STATUS)
#: Status words of void reports (quarantined, never mapped).
VOID_STATUS_WORDS: Final[frozenset[str]] = frozenset(
    normalise_word(w)
    for w in (
        "作废",
        "已作废",
        "无效",
        "不予立案",
        "不立案",
        "撤销",
        "已撤销",
        "cancelled",
        "canceled",
        "invalid",
        "duplicate",
        "void",
    )
)

_SOURCE: Final[dict[str, tuple[str, ...]]] = {
    "inspector": (
        "巡查员",
        "网格员",
        "城管队员",
        "监督员",
        "信息采集员",
        "采集员",
        "执法队员",
        "协管员",
        "巡查",
        "自行巡查",
        "巡查上报",
        "监督员上报",
        "patrol",
        "grid worker",
    ),
    "hotline": (
        "12345",
        "12319",
        "市民热线",
        "热线",
        "12345热线",
        "市民投诉",
        "投诉",
        "微信",
        "公众号",
        "app",
        "随手拍",
        "市民随手拍",
        "网站",
        "信箱",
        "phone",
        "citizen",
        "public",
        "wechat",
        "web",
        "email",
    ),
    "camera": (
        "视频",
        "摄像头",
        "视频监控",
        "视频巡查",
        "智能识别",
        "ai识别",
        "video",
        "cctv",
    ),
    "evaluation": (
        "测评",
        "测评组",
        "督查",
        "暗访",
        "考核",
        "第三方测评",
        "创城督查",
        "audit",
    ),
    "other": ("其他", "其它", "媒体", "媒体曝光", "领导交办", "上级交办"),
}
#: Normalised source word -> canonical source.
SOURCE_WORDS: Final[dict[str, str]] = _keys(_SOURCE)

#: GB/T 30428.2-2013 event major classes -> major class name in the report frame.
#: The four with a same-named class in GB/T 47678.5-2026 take its name (with
#: the suffix 类); 突发事件 and 扩展事件 have none in the table and keep theirs.
LEGACY_MAJOR_CLASSES: Final[dict[str, str]] = {
    "市容环境": "市容环境类",
    "宣传广告": "宣传广告类",
    "施工管理": "施工管理类",
    "街面秩序": "街面秩序类",
    "突发事件": "突发事件",
    "扩展事件": "扩展事件",
}

#: Colloquial platform names -> the table name they unambiguously mean. Only
#: synonyms with one reading are listed; 乱停车 (motor or non-motor vehicles?),
#: 乱堆物料 and similar stay without a code.
CATEGORY_ALIASES: Final[dict[str, str]] = {
    "出店经营": "店外经营",
    "跨门经营": "店外经营",
    "跨门营业": "店外经营",
    "流动摊贩": "无照经营游商",
    "游商": "无照经营游商",
    "无照游商": "无照经营游商",
    "小广告": "非法小广告",
    "乱贴小广告": "非法小广告",
    "张贴小广告": "非法小广告",
    "噪音扰民": "噪声扰民",
    "违章搭建": "私搭乱建",
    "垃圾满溢": "垃圾站（箱）满溢",
    "垃圾箱满溢": "垃圾站（箱）满溢",
    "垃圾桶满溢": "垃圾站（箱）满溢",
    "道路遗撒": "道路遗撒（洒）",
    "道路遗洒": "道路遗撒（洒）",
    "机动车乱停": "机动车乱停放",
    "非机动车乱停": "非机动车乱停放",
    "共享单车乱停放": "共享单车乱象",
}


@functools.cache
def _read_code_table() -> pd.DataFrame:
    text = (
        importlib.resources.files("hotspots")
        .joinpath("data", CODE_TABLE_FILE)
        .read_text(encoding="utf-8")
    )
    return pd.read_csv(io.StringIO(text), comment="#", dtype=str)


def code_table() -> pd.DataFrame:
    """Return the national event code table shipped with the package.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (5 digits, str), ``major_code``, ``major_name``,
        ``name``; one row per code. A copy is safe to modify.

    Examples
    --------
    >>> t = code_table()
    >>> t.loc[t["code"] == "09006", "name"].item()
    '占道经营'
    """
    return _read_code_table().copy()  # the file is read once; callers get a copy


class CategoryTable:
    """Lookups between category codes and names (national plus local).

    Parameters
    ----------
    local
        Local categories from the config (see :func:`category_table`).
    """

    def __init__(self, local: pd.DataFrame | None = None) -> None:
        national = code_table()
        codes = list(national["code"])
        names = list(national["name"])
        majors = list(national["major_name"])
        weights: list[float | None] = [None] * len(codes)
        if local is not None:
            codes += list(local["code"])
            names += list(local["name_zh"])
            majors += list(local["group"])
            weights += list(local["weight"])
        self.code_to_name: dict[str, str] = {}
        self.code_to_major: dict[str, str] = {}
        self.code_to_weight: dict[str, float] = {}
        by_name: dict[str, set[str]] = {}
        for code, name, major, weight in zip(
            codes, names, majors, weights, strict=True
        ):
            self.code_to_name[code] = name
            if isinstance(major, str) and major:
                self.code_to_major[code] = major
            if weight is not None and pd.notna(weight):
                self.code_to_weight[code] = float(weight)
            by_name.setdefault(normalise_word(name), set()).add(code)
        for alias, target in CATEGORY_ALIASES.items():
            target_codes = by_name.get(normalise_word(target), set())
            if normalise_word(alias) not in by_name and len(target_codes) == 1:
                by_name[normalise_word(alias)] = set(target_codes)
        #: normalised name -> code, only for names matching exactly one code
        self.name_to_code: dict[str, str] = {
            k: next(iter(v)) for k, v in by_name.items() if len(v) == 1
        }
        self.legacy_major: dict[str, str] = {
            normalise_word(k): v for k, v in LEGACY_MAJOR_CLASSES.items()
        }
        self.major_names: dict[str, str] = {
            normalise_word(m): m for m in set(national["major_name"])
        }
        self.major_names.update(self.legacy_major)


def category_table(
    categories: Iterable[Mapping[str, object]] | pd.DataFrame | None = None,
) -> CategoryTable:
    """Build the category lookups, extended by local categories.

    Parameters
    ----------
    categories
        Local categories from the config: a DataFrame or a list of dicts with
        ``code`` and ``name_zh`` (required) and ``name_en``, ``weight`` (float,
        default 1.0) and ``group`` (its major class name) optional; e.g.
        ``[{"code": "L001", "name_zh": "流浪犬", "name_en": "stray dogs"}]``.
        A local code may not reuse a national one.

    Returns
    -------
    CategoryTable
        The lookups used by :func:`hotspots.read.reports.read_reports`.

    Raises
    ------
    InputError
        When a local category lacks a code or name, or reuses a code.
    TypeError
        When ``categories`` is not a DataFrame or a list of mappings.

    Examples
    --------
    >>> t = category_table([{"code": "L001", "name_zh": "流浪犬"}])
    >>> t.name_to_code["流浪犬"], t.name_to_code["占道经营"]
    ('L001', '09006')
    """
    if categories is None:
        return CategoryTable()
    if isinstance(categories, pd.DataFrame):
        frame = categories.copy()
    elif isinstance(categories, Iterable) and not isinstance(categories, str | bytes):
        rows = list(categories)
        if not all(isinstance(r, Mapping) for r in rows):
            msg = (
                "categories must be a DataFrame or a list of dicts with keys "
                f"'code' and 'name_zh', got {categories!r}."
            )
            raise TypeError(msg)
        frame = pd.DataFrame([dict(r) for r in rows])
    else:
        msg = (
            "categories must be a DataFrame or a list of dicts with keys "
            f"'code' and 'name_zh', got {type(categories).__name__}."
        )
        raise TypeError(msg)
    problems: list[str] = []
    missing = [c for c in ("code", "name_zh") if c not in frame.columns]
    if missing:
        problems.append(
            f"categories must have columns 'code' and 'name_zh', missing {missing!r} "
            f"(got columns {list(frame.columns)!r}). Give each local category a "
            "code and a Chinese name, e.g. {'code': 'L001', 'name_zh': '流浪犬'}."
        )
    else:
        for col in ("weight", "group", "name_en"):
            if col not in frame.columns:
                frame[col] = None
        frame["code"] = [
            unicodedata.normalize("NFKC", str(c)).strip() if pd.notna(c) else ""
            for c in frame["code"]
        ]
        frame["name_zh"] = [
            str(n).strip() if pd.notna(n) else "" for n in frame["name_zh"]
        ]
        empty = frame.index[(frame["code"] == "") | (frame["name_zh"] == "")]
        if len(empty):
            problems.append(
                "categories: every local category needs a code and a name_zh, "
                f"rows {list(empty)!r} lack one. Fill them in the config."
            )
        national = set(code_table()["code"])
        clash = sorted(set(frame["code"]) & national)
        if clash:
            problems.append(
                "categories: local codes must not reuse national codes, got "
                f"{clash!r}. "
                "Use a local prefix, e.g. 'L001'."
            )
        dup = sorted(set(frame.loc[frame["code"].duplicated(), "code"]))
        if dup:
            problems.append(
                f"categories: codes must be unique, got duplicates {dup!r}."
            )
        weights = pd.to_numeric(frame["weight"], errors="coerce")
        bad_w = frame.index[(frame["weight"].notna() & weights.isna()) | (weights < 0)]
        if len(bad_w):
            problems.append(
                "categories: weight must be a number >= 0, rows "
                f"{list(bad_w)!r} are not. Remove the weight or give e.g. 2.0."
            )
        frame["weight"] = weights
    if problems:
        collect_problems(problems, "categories")
    return CategoryTable(frame)
