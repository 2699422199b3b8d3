from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from hotspots.accountability.deadlines import (
    EXAMPLE_LIMITS,
    CalendarCoverageWarning,
    NoLimitWarning,
    TimeLimit,
    deadlines,
    working_days,
)
from hotspots.errors import InputError

TZ = "Asia/Shanghai"
LIMITS = {
    "wd3": TimeLimit(3, "working_days"),
    "wd1": TimeLimit(1, "working_days"),
    "wd5": TimeLimit(5, "working_days"),
    "h48": TimeLimit(48, "hours"),
}


def cases(rows: list[tuple], **extra: list) -> pd.DataFrame:
    """Rows of (category, reported_at[, closed_at[, status]]) in Beijing time."""
    cat = [r[0] for r in rows]
    rep = pd.to_datetime([r[1] for r in rows], format="ISO8601").tz_localize(TZ)
    closed = pd.to_datetime(
        [r[2] if len(r) > 2 else None for r in rows], format="ISO8601"
    )
    closed = closed.tz_localize(TZ)
    status = [
        r[3] if len(r) > 3 else ("closed" if len(r) > 2 else "open") for r in rows
    ]
    return pd.DataFrame(
        {
            "report_id": [f"r{i}" for i in range(len(rows))],
            "category": cat,
            "reported_at": rep,
            "closed_at": closed,
            "status": status,
            **extra,
        },
        index=pd.Index([10 + i for i in range(len(rows))]),
    )


def due_dates(frame: pd.DataFrame) -> list[str]:
    return [str(t) for t in frame["due_at"]]


def test_friday_before_national_day_2025_counts_the_adjusted_sunday() -> None:
    # 2025: 1-8 Oct off; Sunday 28 Sep and Saturday 11 Oct are worked (调休).
    out = deadlines(
        cases([("wd3", "2025-09-26 16:30"), ("wd5", "2025-09-26 16:30")]),
        LIMITS,
        now="2025-10-01",
    )
    # 3 working days after Fri 26 Sep: Sun 28 (调休), Mon 29, Tue 30 Sep.
    # 5: ... then Thu 9, Fri 10 Oct.
    assert due_dates(out) == [
        "2025-09-30 23:59:59+08:00",
        "2025-10-10 23:59:59+08:00",
    ]


def test_filed_during_national_day_2025_is_due_on_the_adjusted_saturday() -> None:
    out = deadlines(cases([("wd3", "2025-10-03 09:00")]), LIMITS, now="2025-10-03")
    # first working days after the holiday: Thu 9, Fri 10, Sat 11 Oct (调休)
    assert due_dates(out) == ["2025-10-11 23:59:59+08:00"]


def test_national_day_2026() -> None:
    # 2026: 1-7 Oct off; Sun 20 Sep and Sat 10 Oct are worked (调休); Fri 25 Sep
    # is Mid-Autumn (off).
    out = deadlines(
        cases([("wd3", "2026-09-30 10:00"), ("wd1", "2026-09-24 12:00")]),
        LIMITS,
        now="2026-09-24 13:00",
    )
    assert due_dates(out) == [
        "2026-10-10 23:59:59+08:00",  # Thu 8, Fri 9, Sat 10 Oct (调休)
        "2026-09-28 23:59:59+08:00",  # Fri 25 (Mid-Autumn) and weekend off
    ]


def test_spring_festival_2026() -> None:
    # 2026: 15-23 Feb off; Sat 14 Feb and Sat 28 Feb are worked (调休).
    out = deadlines(
        cases([("wd3", "2026-02-13 17:00"), ("wd5", "2026-02-20 10:00")]),
        LIMITS,
        now="2026-02-13 18:00",
    )
    assert due_dates(out) == [
        "2026-02-25 23:59:59+08:00",  # Sat 14 (调休), Tue 24, Wed 25 Feb
        "2026-02-28 23:59:59+08:00",  # Tue 24 ... Fri 27, Sat 28 Feb (调休)
    ]


def test_hours_are_clock_hours_across_holidays() -> None:
    out = deadlines(cases([("h48", "2026-02-14 09:30")]), LIMITS, now="2026-02-14")
    assert due_dates(out) == ["2026-02-16 09:30:00+08:00"]


def test_naive_now_is_local_and_utc_reports_use_local_dates() -> None:
    frame = cases([("wd1", "2025-09-26 23:30")])
    frame["reported_at"] = frame["reported_at"].dt.tz_convert("UTC")
    out = deadlines(frame, LIMITS, now="2025-09-28 12:00")
    # filed Friday 23:30 Beijing time (15:30 UTC): due on the 调休 Sunday
    assert due_dates(out) == ["2025-09-28 23:59:59+08:00"]
    assert not out["overdue_now"].iloc[0]


def test_lifecycle_flags() -> None:
    frame = cases(
        [
            ("wd3", "2025-09-26 10:00", "2025-09-30 23:59:59"),  # on time, exactly
            ("wd3", "2025-09-26 10:00", "2025-10-02 12:00"),  # late 1.5 days
            ("wd3", "2025-09-26 10:00"),  # open, overdue at now
            ("wd3", "2025-10-08 10:00"),  # open, not yet due
            ("wd3", "2025-09-26 10:00", "2025-09-27 10:00", "reopened"),
            ("other", "2025-09-26 10:00", "2025-09-27 10:00"),  # no limit
        ],
        reopen_count=[0, 1, 0, 0, 0, 0],
    )
    with pytest.warns(NoLimitWarning, match="1 cases have a category"):
        out = deadlines(frame, LIMITS, now="2025-10-09 12:00:01")
    assert out.index.tolist() == frame.index.tolist()
    assert out["is_closed"].tolist() == [True, True, False, False, False, True]
    assert out["closed_on_time"].tolist() == [True, False, pd.NA, pd.NA, pd.NA, pd.NA]
    assert out["overdue_now"].tolist() == [False, False, True, False, True, False]
    days = out["overdue_days"].to_numpy()
    assert days[0] == 0.0
    assert days[1] == pytest.approx(1.5 + 1 / 86400)
    assert days[2] == pytest.approx(8.5 + 2 / 86400)
    assert days[3] == 0.0
    assert np.isnan(days[5])
    assert pd.isna(out["due_at"].iloc[5])
    assert out["reopened"].tolist() == [False, True, False, False, True, False]
    # the input is untouched
    assert "due_at" not in frame.columns


def test_geodataframe_in_geodataframe_out_and_missing_status() -> None:
    frame = cases([("wd1", "2025-09-26 10:00", "2025-09-26 12:00")])
    frame = frame.drop(columns="status")
    gdf = gpd.GeoDataFrame(frame, geometry=[Point(120, 36)], crs="EPSG:4326")
    out = deadlines(gdf, LIMITS, now="2025-09-27")
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == gdf.crs
    assert out["closed_on_time"].tolist() == [True]
    assert out["reopened"].tolist() == [False]


def test_no_closed_at_column_means_all_open() -> None:
    frame = cases([("wd1", "2025-09-26 10:00")]).drop(columns="closed_at")
    out = deadlines(frame, LIMITS, now=pd.Timestamp("2025-09-29", tz=TZ))
    assert out["is_closed"].tolist() == [False]
    assert out["overdue_now"].tolist() == [True]  # due at the end of Sun 28th
    assert due_dates(out) == ["2025-09-28 23:59:59+08:00"]


def test_tuple_limits_and_default_now() -> None:
    out = deadlines(cases([("x", "2024-05-06 08:00")]), {"x": (2, "hours")})
    assert due_dates(out) == ["2024-05-06 10:00:00+08:00"]
    assert out["overdue_now"].tolist() == [True]


def test_example_limits_cover_the_sample_categories() -> None:
    from hotspots.sample.district import _CATEGORIES

    assert set(_CATEGORIES) <= set(EXAMPLE_LIMITS)


def test_beyond_the_calendar_falls_back_to_weekdays_with_a_warning() -> None:
    # chinese-calendar 1.11 covers 2004-2026; 1 Jan 2027 is a Friday
    frame = cases([("wd3", "2026-12-31 10:00")])
    with pytest.warns(CalendarCoverageWarning, match="2027") as rec:
        out = deadlines(frame, LIMITS, now="2027-01-01")
    assert rec[0].message.years == (2027,)  # type: ignore[union-attr]
    # Fri 1, Mon 4, Tue 5 Jan 2027 (New Year's Day not known yet)
    assert due_dates(out) == ["2027-01-05 23:59:59+08:00"]
    with pytest.raises(InputError, match="does not cover the year"):
        deadlines(frame, LIMITS, now="2027-01-01", beyond_calendar="raise")


def test_a_look_ahead_into_an_uncovered_year_is_no_warning() -> None:
    # due in December 2026 (covered), though the look-ahead reaches 2027
    frame = cases([("wd5", "2026-11-20 10:00"), ("wd3", "2026-12-01 09:00")])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarCoverageWarning)
        out = deadlines(frame, LIMITS, now="2026-12-03")
        raised = deadlines(frame, LIMITS, now="2026-12-03", beyond_calendar="raise")
    assert due_dates(out) == [
        "2026-11-27 23:59:59+08:00",
        "2026-12-04 23:59:59+08:00",
    ]
    assert due_dates(raised) == due_dates(out)


def test_working_days_calendar() -> None:
    w = working_days("2025-09-27", "2025-10-12")
    worked = [d.strftime("%m-%d") for d in w.index[w.to_numpy()]]
    assert worked == ["09-28", "09-29", "09-30", "10-09", "10-10", "10-11"]
    with pytest.raises(InputError, match="end must not be before start"):
        working_days("2025-10-02", "2025-10-01")
    with pytest.raises(InputError, match="beyond_calendar"):
        working_days("2025-10-01", "2025-10-02", beyond_calendar="skip")  # type: ignore[arg-type]
    with pytest.warns(CalendarCoverageWarning, match="2003"):
        old = working_days("2003-01-01", "2003-01-03")
    assert old.tolist() == [True, True, True]


@pytest.mark.parametrize(
    ("limits", "match"),
    [
        ({"x": TimeLimit(0, "hours")}, "positive number of hours"),
        ({"x": TimeLimit(1.5, "working_days")}, "positive whole number"),
        ({"x": TimeLimit(2, "weeks")}, "has unit 'weeks'"),  # type: ignore[arg-type]
        ({"x": TimeLimit(float("nan"), "hours")}, "positive number of hours"),
        ({"x": TimeLimit(True, "hours")}, "positive number of hours"),
        ({"x": "3 days"}, "must be a TimeLimit"),
    ],
)
def test_bad_limits(limits: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        deadlines(cases([("x", "2025-09-26")]), limits, now="2025-09-27")


def test_bad_inputs() -> None:
    frame = cases([("wd1", "2025-09-26")])
    with pytest.raises(TypeError, match="reports must be"):
        deadlines([1], LIMITS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limits must be a mapping"):
        deadlines(frame, [("wd1", 1)])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'category'"):
        deadlines(frame.drop(columns="category"), LIMITS, now="2025-09-27")
    naive = frame.assign(reported_at=frame["reported_at"].dt.tz_localize(None))
    with pytest.raises(InputError, match="timezone-aware"):
        deadlines(naive, LIMITS, now="2025-09-27")
    with pytest.raises(InputError, match="tz must be an IANA"):
        deadlines(frame, LIMITS, now="2025-09-27", tz="Mars/Olympus")
    with pytest.raises(InputError, match="now must be a timestamp"):
        deadlines(frame, LIMITS, now="not a time")
    with pytest.raises(InputError, match="got NaT"):
        deadlines(frame, LIMITS, now=pd.NaT)
    with pytest.raises(InputError, match="beyond_calendar"):
        deadlines(frame, LIMITS, now="2025-09-27", beyond_calendar="x")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="2 problems"):
        deadlines(
            frame.drop(columns=["category"]), {"x": TimeLimit(-1, "hours")}, now="2025"
        )
