"""Every human-readable label, in Chinese and English, in one place.

Maps, ledgers and summaries take their words from here; no label strings are
scattered through the code. Look a label up with :func:`label`.
"""

from __future__ import annotations

from typing import Final, Literal

Language = Literal["zh", "en"]
LANGUAGES: Final = ("zh", "en")

#: Gi* confidence classes: +-3/2/1 = hot/cold at 99/95/90 %, 0 = not significant.
GI_CLASSES: Final[dict[int, dict[str, str]]] = {
    3: {"zh": "热点（99%置信）", "en": "Hot spot, 99% confidence"},
    2: {"zh": "热点（95%置信）", "en": "Hot spot, 95% confidence"},
    1: {"zh": "热点（90%置信）", "en": "Hot spot, 90% confidence"},
    0: {"zh": "不显著", "en": "Not significant"},
    -1: {"zh": "冷点（90%置信）", "en": "Cold spot, 90% confidence"},
    -2: {"zh": "冷点（95%置信）", "en": "Cold spot, 95% confidence"},
    -3: {"zh": "冷点（99%置信）", "en": "Cold spot, 99% confidence"},
}

#: The 17 emerging hot spot patterns (Esri, "How Emerging Hot Spot Analysis works").
PATTERNS: Final[dict[str, dict[str, str]]] = {
    "no_pattern": {"zh": "无模式", "en": "No pattern detected"},
    "new_hot": {"zh": "新增热点", "en": "New hot spot"},
    "consecutive_hot": {"zh": "连续热点", "en": "Consecutive hot spot"},
    "intensifying_hot": {"zh": "加剧热点", "en": "Intensifying hot spot"},
    "persistent_hot": {"zh": "持续热点", "en": "Persistent hot spot"},
    "diminishing_hot": {"zh": "减弱热点", "en": "Diminishing hot spot"},
    "sporadic_hot": {"zh": "零星热点", "en": "Sporadic hot spot"},
    "oscillating_hot": {"zh": "振荡热点", "en": "Oscillating hot spot"},
    "historical_hot": {"zh": "历史热点", "en": "Historical hot spot"},
    "new_cold": {"zh": "新增冷点", "en": "New cold spot"},
    "consecutive_cold": {"zh": "连续冷点", "en": "Consecutive cold spot"},
    "intensifying_cold": {"zh": "加剧冷点", "en": "Intensifying cold spot"},
    "persistent_cold": {"zh": "持续冷点", "en": "Persistent cold spot"},
    "diminishing_cold": {"zh": "减弱冷点", "en": "Diminishing cold spot"},
    "sporadic_cold": {"zh": "零星冷点", "en": "Sporadic cold spot"},
    "oscillating_cold": {"zh": "振荡冷点", "en": "Oscillating cold spot"},
    "historical_cold": {"zh": "历史冷点", "en": "Historical cold spot"},
}

#: Local Moran quadrants.
QUADRANTS: Final[dict[str, dict[str, str]]] = {
    "HH": {"zh": "高-高聚集", "en": "High-high cluster"},
    "LL": {"zh": "低-低聚集", "en": "Low-low cluster"},
    "HL": {"zh": "高-低异常", "en": "High-low outlier"},
    "LH": {"zh": "低-高异常", "en": "Low-high outlier"},
    "NS": {"zh": "不显著", "en": "Not significant"},
}

STATUSES: Final[dict[str, dict[str, str]]] = {
    "open": {"zh": "待处置", "en": "Open"},
    "dispatched": {"zh": "已派遣", "en": "Dispatched"},
    "resolved": {"zh": "已处置", "en": "Resolved"},
    "closed": {"zh": "已结案", "en": "Closed"},
    "reopened": {"zh": "返工/重新打开", "en": "Reopened"},
}

SOURCES: Final[dict[str, dict[str, str]]] = {
    "inspector": {"zh": "巡查员/网格员", "en": "Inspector"},
    "hotline": {"zh": "12345热线", "en": "Hotline"},
    "camera": {"zh": "视频监控", "en": "Camera"},
    "evaluation": {"zh": "测评督查", "en": "Evaluation team"},
    "other": {"zh": "其他", "en": "Other"},
}

_TABLES: Final[dict[str, dict[object, dict[str, str]]]] = {
    "gi_class": GI_CLASSES,  # type: ignore[dict-item]
    "pattern": PATTERNS,  # type: ignore[dict-item]
    "quadrant": QUADRANTS,  # type: ignore[dict-item]
    "status": STATUSES,  # type: ignore[dict-item]
    "source": SOURCES,  # type: ignore[dict-item]
}


def label(table: str, key: object, language: Language = "zh") -> str:
    """Return the label of ``key`` in ``table`` in the given language.

    Parameters
    ----------
    table
        One of ``"gi_class"``, ``"pattern"``, ``"quadrant"``, ``"status"``,
        ``"source"``.
    key
        The value to label, e.g. ``3`` for a 99 % hot spot or ``"new_hot"``.
    language
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> label("pattern", "new_hot", "en")
    'New hot spot'
    """
    return _TABLES[table][key][language]
