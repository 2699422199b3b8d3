"""The sample district's vocabulary: categories, sources, rhythms, names, wording."""

from __future__ import annotations

from typing import Final

# -- vocabularies of the export ------------------------------------------------
SOURCE_WORDS: Final = (
    "巡查员",
    "网格员",
    "12345热线",
    "市民热线",
    "视频监控",
    "测评组",
    "督查",
)
SOURCE_CANON: Final = (
    "inspector",
    "inspector",
    "hotline",
    "hotline",
    "camera",
    "evaluation",
    "evaluation",
)
STATUS_CANON: Final = {
    "待受理": "open",
    "已派遣": "dispatched",
    "处置中": "dispatched",
    "已处置": "resolved",
    "已结案": "closed",
    "返工": "reopened",
    "重新打开": "reopened",
}
BROKEN_KINDS: Final = (
    "bad_date",
    "empty_coords",
    "swapped_lonlat",
    "out_of_range",
    "unknown_status",
    "duplicate_id",
)

# category groups: name -> ((category, probability within group), ...)
GROUPS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
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
GROUP_NAMES: Final = tuple(GROUPS)
#: Local issue types without a national code: (name, major class).
LOCAL_CATEGORIES: Final = {"流浪犬": "扩展事件", "井盖破损": "扩展事件"}

# source mix per group, in the order of SOURCE_WORDS
SOURCE_MIX: Final[dict[str, tuple[float, ...]]] = {
    "vendor": (0.42, 0.14, 0.16, 0.03, 0.15, 0.06, 0.04),
    "parking": (0.30, 0.10, 0.18, 0.04, 0.28, 0.06, 0.04),
    "construction": (0.44, 0.12, 0.20, 0.04, 0.10, 0.06, 0.04),
    "sanitation": (0.42, 0.16, 0.18, 0.04, 0.10, 0.06, 0.04),
    "flyposting": (0.50, 0.16, 0.08, 0.02, 0.14, 0.06, 0.04),
    "dogs": (0.30, 0.12, 0.40, 0.08, 0.04, 0.03, 0.03),
    "misc": (0.34, 0.12, 0.28, 0.06, 0.10, 0.06, 0.04),
}
OUTSIDE_MIX: Final = (0.0, 0.0, 0.55, 0.15, 0.0, 0.20, 0.10)

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
HOURS: Final = (
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
DAYS: Final = (
    _DAYS_PATROL,
    _DAYS_PATROL,
    _DAYS_PUBLIC,
    _DAYS_PUBLIC,
    _DAYS_CAMERA,
    _DAYS_EVAL,
    _DAYS_EVAL,
)

ARTERIAL_NAMES_EW: Final = ("香港中路", "闽江路", "宁夏路", "海口路", "东海西路")
ARTERIAL_NAMES_NS: Final = ("南京路", "山东路", "福州南路", "燕儿岛路", "云霄路")
SECONDARY_NAMES: Final = (
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
ALLEY_WORDS: Final = (
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
SUBDISTRICT_NAMES: Final = (
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
COMMUNITY_A: Final = "金银海翠福嘉瑞康华丰安宁兴和泰明春松"
COMMUNITY_B: Final = "山湖苑园源岭港湾泉城苑庭"
SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红国建"
HOSPITALS: Final = (
    "市南区人民医院",
    "海滨第二医院",
    "湛园口腔医院",
    "金湖妇幼保健院",
    "东海骨科医院",
)

DESCRIPTIONS: Final[dict[str, tuple[str, ...]]] = {
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
DESCRIPTION_SUFFIXES: Final = (
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
LANDMARKS: Final = (
    "小区门口",
    "市场门口",
    "学校门口",
    "公交站旁",
    "楼下",
    "路口",
    "超市门口",
    "巷子里",
)
DESCRIPTION_SUFFIX_P: Final = (
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


# -- reports -------------------------------------------------------------------
CATEGORIES: Final = tuple(c for g in GROUPS.values() for c, _ in g)
CAT_GROUP: Final = tuple(gi for gi, g in enumerate(GROUPS.values()) for _ in g)


#: Share of the reports of each category made on or beside a street (the
#: rest anywhere in the cell: courtyards, buildings, green space).
ON_STREET: Final = {
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


DESCRIPTION_TEMPLATES_BY_CAT: Final[dict[str, tuple[str, ...]]] = {
    "农贸市场秩序问题": (
        "{a}农贸市场内外摊位杂乱，垃圾遍地",
        "{a}市场门口占道卖菜，秩序混乱",
    ),
    "流浪犬": DESCRIPTIONS["dogs"],
    "非法小广告": ("{a}电线杆上张贴小广告", "{a}墙面喷涂办证小广告"),
    "暴露垃圾": ("{a}背街小巷有暴露垃圾", "{a}垃圾堆放多日无人清运"),
    "噪声扰民": ("{a}夜间噪声扰民", "{a}商户音响声音过大"),
    "露天烧烤": ("{a}露天烧烤烟雾大", "{a}夜间烧烤摊占道"),
    "机动车乱停放": ("{a}机动车乱停放，堵塞道路", "{a}夜间车辆停在人行道上"),
}
