"""Canonical column names and vocabularies shared by every step.

Every column a step adds is named by a constant here or in the step's own
module, never by a string literal scattered through the code.
"""

from __future__ import annotations

from typing import Final, Literal

# -- the canonical report frame (DESIGN.md section 4) -------------------------
REPORT_ID: Final = "report_id"
REPORTED_AT: Final = "reported_at"
CATEGORY: Final = "category"
CATEGORY_CODE: Final = "category_code"
STATUS: Final = "status"
CLOSED_AT: Final = "closed_at"
SOURCE: Final = "source"
WEIGHT: Final = "weight"
GEOMETRY: Final = "geometry"
# optional canonical columns, kept when the source has them
DESCRIPTION: Final = "description"
ADDRESS: Final = "address"
REPORTER_NAME: Final = "reporter_name"
REPORTER_PHONE: Final = "reporter_phone"
REPORTER_ID_NUMBER: Final = "reporter_id_number"
CATEGORY_MAJOR: Final = "category_major"
REOPEN_COUNT: Final = "reopen_count"

REQUIRED_COLUMNS: Final = (REPORT_ID, REPORTED_AT, CATEGORY, GEOMETRY)
CANONICAL_COLUMNS: Final = (
    REPORT_ID,
    REPORTED_AT,
    CATEGORY,
    CATEGORY_CODE,
    STATUS,
    CLOSED_AT,
    SOURCE,
    WEIGHT,
    GEOMETRY,
)
#: Columns that hold personal data: kept in frames, never written to a map.
PRIVATE_COLUMNS: Final = (REPORTER_NAME, REPORTER_PHONE, REPORTER_ID_NUMBER)
#: Free-text columns: untrusted, always escaped in HTML, scrubbed of phone/ID numbers.
FREE_TEXT_COLUMNS: Final = (DESCRIPTION, ADDRESS)

# -- quarantine ----------------------------------------------------------------
REASON: Final = "reason"
ROW_NUMBER: Final = "row_number"

# -- vocabularies -----------------------------------------------------------------
Status = Literal["open", "dispatched", "resolved", "closed", "reopened"]
Source = Literal["inspector", "hotline", "camera", "evaluation", "other"]
STATUSES: Final = ("open", "dispatched", "resolved", "closed", "reopened")
SOURCES: Final = ("inspector", "hotline", "camera", "evaluation", "other")
#: Sources that belong to the city's own patrols (the rest find its blind spots).
OWN_SOURCES: Final = ("inspector", "camera")
#: Sources outside the city's own patrols: the public and the evaluators.
OUTSIDE_SOURCES: Final = ("hotline", "evaluation")

# -- joins (issue 3) ----------------------------------------------------------------
GRID_ID: Final = "grid_id"
SEGMENT_ID: Final = "segment_id"
STREET_ID: Final = "street_id"
STREET_NAME: Final = "street_name"
STREET_CLASS: Final = "street_class"
STREET_DISTANCE_M: Final = "street_distance_m"
LENGTH_M: Final = "length_m"
NODE_FROM: Final = "u"
NODE_TO: Final = "v"
ONEWAY: Final = "oneway"
AREA_ID: Final = "area_id"
AREA_NAME: Final = "name"
AREA_LEVEL: Final = "level"
AREA_PARENT: Final = "parent_id"
AREA_LEVELS: Final = ("district", "subdistrict", "community")
DISTRICT_ID: Final = "district_id"
SUBDISTRICT_ID: Final = "subdistrict_id"
COMMUNITY_ID: Final = "community_id"
PLACE_ID: Final = "place_id"
PLACE_KIND: Final = "kind"
PLACE_NAME: Final = "name"

#: The config timezone when none is given.
DEFAULT_TZ: Final = "Asia/Shanghai"
#: EPSG code of the exchange CRS (WGS-84 longitude/latitude).
WGS84: Final = "EPSG:4326"

# -- output columns of the stages ---------------------------------------------------
# Columns one stage writes and later stages (the map, the sheets) read. The modules
# that compute them re-export them (``from hotspots.stats.local import GI_Z`` works).
# Gi* and local Moran's I (stats.local)
GI_Z: Final = "gi_z"
GI_P: Final = "gi_p"
GI_CLASS: Final = "gi_class"
GI_LABEL_ZH: Final = "gi_label_zh"
GI_LABEL_EN: Final = "gi_label_en"
GI_SIGNIFICANT: Final = "gi_significant"
MORAN_I: Final = "moran_i"
MORAN_Z: Final = "moran_z"
MORAN_P: Final = "moran_p"
MORAN_QUADRANT: Final = "moran_quadrant"
MORAN_LABEL_ZH: Final = "moran_label_zh"
MORAN_LABEL_EN: Final = "moran_label_en"
# emerging hot spots (stats.emerging)
PATTERN: Final = "pattern"
PATTERN_ZH: Final = "pattern_zh"
PATTERN_EN: Final = "pattern_en"
N_HOT: Final = "n_hot"
N_COLD: Final = "n_cold"
MK_TAU: Final = "mk_tau"
MK_Z: Final = "mk_z"
MK_P: Final = "mk_p"
FINAL_Z: Final = "final_z"
FINAL_P: Final = "final_p"
Z_SERIES: Final = "z_series"
# density clusters and their tracks (stats.cluster)
CLUSTER_ID: Final = "cluster_id"
N_REPORTS: Final = "n_reports"
TOP_CATEGORY: Final = "top_category"
CATEGORY_MIX: Final = "category_mix"
FIRST_REPORT: Final = "first_report"
LAST_REPORT: Final = "last_report"
N_WEEKS: Final = "n_weeks"
AREA_M2: Final = "area_m2"
PERIOD: Final = "period"
TRACK_ID: Final = "track_id"
WEEKS_RUNNING: Final = "weeks_running"
# kernel density cells (stats.density)
DENSITY: Final = "density"
CELL_ROW: Final = "cell_row"
CELL_COL: Final = "cell_col"
# peak windows of hour-of-week profiles (stats.profiles)
PEAK_WINDOW_ZH: Final = "peak_window_zh"
PEAK_WINDOW_EN: Final = "peak_window_en"
PEAK_START_MIN: Final = "peak_start_min"
PEAK_END_MIN: Final = "peak_end_min"
PEAK_DAYS: Final = "peak_days"
PEAK_SHARE: Final = "peak_share"
# the blind-spot ledger (ledger.blindspots)
SCORE: Final = "score"
RANK: Final = "rank"
REASON_ZH: Final = "reason_zh"
REASON_EN: Final = "reason_en"
TOP_CATEGORIES: Final = "top_categories"
# the patrol plan (patrol.plan) and the roster (patrol.shifts)
TEAM: Final = "team"
ORDER: Final = "order"
TARGET_ID: Final = "target_id"
ARRIVAL: Final = "arrival"
DEPARTURE: Final = "departure"
#: A patrol stop's visit window (plan.stops), shown only when a stop has one.
WINDOW: Final = "window"
