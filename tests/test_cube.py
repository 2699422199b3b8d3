from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots._core.schema import GRID_ID, REPORTED_AT, SEGMENT_ID
from hotspots.errors import InputError, ReportsLeftOutWarning
from hotspots.spatial.cube import (
    PERIOD,
    period_labels,
    period_range,
    period_start,
    space_time_cube,
)

TZ = "Asia/Shanghai"


def _reports(units: list[object], times: list[str], **extra: list[object]):
    return pd.DataFrame(
        {
            GRID_ID: pd.array(units, dtype="str"),
            REPORTED_AT: pd.to_datetime(times, format="ISO8601").tz_localize(TZ),
            **extra,
        }
    )


@pytest.fixture
def units() -> pd.DataFrame:
    # deliberately not sorted: the cube keeps the units' order
    return pd.DataFrame({GRID_ID: ["c", "a", "b"], "other": [1, 2, 3]})


# -- labels and ranges -----------------------------------------------------------------


def test_iso_week_labels_match_python_isocalendar_over_years():
    days = pd.date_range("2014-12-20", "2032-01-10", freq="D")
    expected = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days.date]
    assert period_labels(days, tz=TZ).tolist() == expected


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2024-12-30", "2025-W01"),  # Monday in December, ISO year 2025
        ("2021-01-03", "2020-W53"),  # Sunday in January, ISO year 2020
        ("2026-11-16", "2026-W47"),
        ("2026-12-31", "2026-W53"),
        ("2027-01-01", "2026-W53"),
        ("2027-01-04", "2027-W01"),
    ],
)
def test_iso_week_year_boundaries(day, label):
    assert period_labels(pd.to_datetime([day]), tz=TZ).tolist() == [label]


def test_labels_follow_the_timezone():
    # 16:30 UTC on Sunday is 00:30 on Monday in Shanghai: the next week
    t = pd.to_datetime(["2026-11-15 16:30"]).tz_localize("UTC")
    assert period_labels(t, tz=TZ).tolist() == ["2026-W47"]
    assert period_labels(t, tz="UTC").tolist() == ["2026-W46"]
    # naive timestamps are wall time in tz
    naive = pd.to_datetime(["2026-11-16 00:30"])
    assert period_labels(naive, tz=TZ).tolist() == ["2026-W47"]
    assert period_labels(naive, tz="UTC").tolist() == ["2026-W47"]


def test_week_starts_on_monday_at_local_midnight():
    t = pd.to_datetime(["2026-11-15 23:59:59", "2026-11-16 00:00:00"]).tz_localize(TZ)
    assert period_labels(t, tz=TZ).tolist() == ["2026-W46", "2026-W47"]


def test_day_month_and_other_week_starts():
    t = pd.to_datetime(["2026-11-14 12:00", "2026-11-15 12:00", "2026-11-16 01:00"])
    assert period_labels(t, freq="D").tolist() == [
        "2026-11-14",
        "2026-11-15",
        "2026-11-16",
    ]
    assert period_labels(t, freq="MS").tolist() == ["2026-11"] * 3
    # weeks starting on Sunday, labelled by their first day
    assert period_labels(t, freq="W-SUN").tolist() == [
        "2026-11-08",
        "2026-11-15",
        "2026-11-15",
    ]
    assert period_labels(t, freq="w-mon").tolist() == ["2026-W46"] * 2 + ["2026-W47"]


def test_missing_times_get_empty_label():
    t = pd.Series([pd.NaT, pd.Timestamp("2026-11-16", tz=TZ)])
    assert period_labels(t, tz=TZ).tolist() == ["", "2026-W47"]


def test_period_range_across_iso_years():
    assert period_range("2020-W52", "2021-W02") == [
        "2020-W52",
        "2020-W53",
        "2021-W01",
        "2021-W02",
    ]
    assert period_range("2026-11", "2027-02", freq="MS") == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    assert period_range("2026-11-30", "2026-12-02", freq="D") == [
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
    ]
    assert period_range("2026-W05", "2026-W04") == []
    # a date stands for its period
    assert period_range("2026-11-18", "2026-11-23") == ["2026-W47", "2026-W48"]
    assert len(period_range("2026-W01", "2026-W53")) == 53


def test_period_start_is_local_midnight_of_the_first_day():
    starts = period_start(["2025-W01", "2020-W53"], tz=TZ)
    assert starts.tolist() == [
        pd.Timestamp("2024-12-30", tz=TZ),
        pd.Timestamp("2020-12-28", tz=TZ),
    ]
    assert period_start("2026-11", freq="MS", tz=TZ)[0] == pd.Timestamp(
        "2026-11-01", tz=TZ
    )
    assert period_start("2026-11-15", freq="W-SUN", tz="UTC")[0] == pd.Timestamp(
        "2026-11-15", tz="UTC"
    )
    # round trip: every label starts inside its own period
    labels = period_range("2019-W50", "2021-W03")
    assert period_labels(period_start(labels, tz=TZ), tz=TZ).tolist() == labels


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: period_labels([], freq="W"), "freq must be one of"),
        (lambda: period_labels([], tz="Mars/Olympus"), "IANA timezone"),
        (lambda: period_range("2026-W54", "2026-W55"), "no such week"),
        (lambda: period_range("2026-W01", "2026-W02", freq="D"), "ISO week label"),
        (lambda: period_range("someday", "2026-W02"), "period label"),
        (lambda: period_start(["2026-W60"]), "no such week"),
    ],
)
def test_label_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()


@pytest.mark.parametrize("label", ["9999-W52", "1600-W10", "9999-12-31", "1600-01"])
def test_out_of_range_years_are_rejected_not_wrapped(label):
    # 9999-W52 used to come back as 1816-W13, 1600-W10 as 2184-W39
    with pytest.raises(InputError) as info:
        period_start([label])
    text = str(info.value)
    assert "\n" not in text
    assert f"got {label!r} (year out of range)" in text
    assert "years 1900 to 2200" in text
    assert "'YYYY-Www'" in text


def test_week_without_w_is_named_with_the_accepted_form():
    # '2026-47' used to be echoed back as '2026-47-01'
    with pytest.raises(InputError, match=r"got '2026-47' \(no such month") as info:
        period_start("2026-47")
    assert "'YYYY-Www' (e.g. '2026-W47')" in str(info.value)
    assert period_range("1900-W01", "1900-W01") == ["1900-W01"]
    assert period_range("2200-W52", "2200-W52") == ["2200-W52"]


# -- the cube --------------------------------------------------------------------------


def test_known_cube_counts_order_and_zero_weeks(units):
    reports = _reports(
        ["a", "a", "c", "a"],
        ["2026-11-16 08:00", "2026-11-17 09:00", "2026-11-18", "2026-12-01"],
    )
    cube = space_time_cube(reports, units)
    assert cube.index.tolist() == ["c", "a", "b"]
    assert cube.index.name == GRID_ID
    assert cube.columns.name == PERIOD
    # 2026-W48 had no report but is present
    assert cube.columns.tolist() == ["2026-W47", "2026-W48", "2026-W49"]
    assert cube.to_numpy().tolist() == [[1, 0, 0], [2, 0, 1], [0, 0, 0]]
    assert cube.dtypes.unique().tolist() == [np.dtype(np.int64)]
    assert cube.attrs["uncounted"] == dict.fromkeys(cube.attrs["uncounted"], 0)


def test_cube_equals_pandas_groupby():
    rng = np.random.default_rng(3)
    ids = [f"g{i:03d}" for i in range(50)]
    n = 2000
    start = pd.Timestamp("2026-01-01", tz=TZ).value
    times = pd.to_datetime(start + rng.integers(0, 200 * 86_400 * 10**9, n), utc=True)
    reports = pd.DataFrame(
        {
            GRID_ID: rng.choice(ids, n),
            REPORTED_AT: times.tz_convert(TZ),
            "weight": rng.random(n),
        }
    )
    units = pd.DataFrame({GRID_ID: ids[::-1]})
    reports["week"] = [
        f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"
        for d in reports[REPORTED_AT].dt.date
    ]
    peer = reports.groupby([GRID_ID, "week"]).size().unstack(fill_value=0)
    cube = space_time_cube(reports, units)
    expected = peer.reindex(index=units[GRID_ID], columns=cube.columns, fill_value=0)
    np.testing.assert_array_equal(cube.to_numpy(), expected.to_numpy())
    wsum = reports.groupby([GRID_ID, "week"])["weight"].sum().unstack(fill_value=0)
    wcube = space_time_cube(reports, units, weight="weight")
    expected_w = wsum.reindex(index=units[GRID_ID], columns=cube.columns).fillna(0)
    np.testing.assert_allclose(wcube.to_numpy(), expected_w.to_numpy(), atol=1e-12)
    assert wcube.dtypes.unique().tolist() == [np.dtype(np.float64)]


def test_weighted_sums(units):
    reports = _reports(
        ["a", "a", "b"],
        ["2026-11-16", "2026-11-17", "2026-11-17"],
        weight=[1.5, 2.0, 0.25],
    )
    cube = space_time_cube(reports, units, weight="weight")
    assert cube.to_numpy().tolist() == [[0.0], [3.5], [0.25]]


def test_category_gives_multiindex_columns(units):
    reports = _reports(
        ["a", "a", "b", "c"],
        ["2026-11-16", "2026-11-24", "2026-11-17", "2026-11-24"],
        category=["占道经营", "乱停车", "占道经营", "占道经营"],
    )
    cube = space_time_cube(reports, units, category="category")
    assert isinstance(cube.columns, pd.MultiIndex)
    assert cube.columns.names == ["category", PERIOD]
    assert cube.columns.tolist() == [
        ("乱停车", "2026-W47"),
        ("乱停车", "2026-W48"),
        ("占道经营", "2026-W47"),
        ("占道经营", "2026-W48"),
    ]
    assert cube.loc["a"].tolist() == [0, 1, 1, 0]
    assert cube.loc["c"].tolist() == [0, 0, 0, 1]
    # summing over categories gives the plain cube
    plain = space_time_cube(reports, units)
    summed = cube.T.groupby(level=PERIOD).sum().T
    pd.testing.assert_frame_equal(
        summed, plain, check_names=False, check_column_type=False
    )


def test_missing_category_is_counted_not_dropped(units):
    reports = _reports(
        ["a", "b"], ["2026-11-16", "2026-11-17"], category=["乱停车", None]
    )
    with pytest.warns(ReportsLeftOutWarning, match=r"no category: 1"):
        cube = space_time_cube(reports, units, category="category")
    assert cube.columns.tolist() == [("乱停车", "2026-W47")]
    assert cube.to_numpy().ravel().tolist() == [0, 1, 0]
    assert cube.attrs["uncounted"]["no category"] == 1


def test_start_end_bound_the_periods_and_warn_about_outside(units):
    reports = _reports(
        ["a", "a", "b", "c"],
        ["2026-10-01", "2026-11-17", "2026-11-18", "2027-02-01"],
    )
    with pytest.warns(ReportsLeftOutWarning, match=r"outside start/end: 2"):
        cube = space_time_cube(reports, units, start="2026-W46", end="2026-W49")
    assert cube.columns.tolist() == period_range("2026-W46", "2026-W49")
    assert int(cube.to_numpy().sum()) == 2
    assert cube.attrs["uncounted"]["outside start/end"] == 2
    # timestamps stand for their periods
    with pytest.warns(ReportsLeftOutWarning):
        by_time = space_time_cube(
            reports,
            units,
            start=pd.Timestamp("2026-11-12 10:00", tz=TZ),
            end=dt.datetime(2026, 12, 6, 23, 0),
        )
    pd.testing.assert_frame_equal(by_time, cube)


def test_start_only_extends_to_data(units):
    reports = _reports(["a"], ["2026-11-17"])
    cube = space_time_cube(reports, units, start="2026-W45")
    assert cube.columns.tolist() == ["2026-W45", "2026-W46", "2026-W47"]
    assert cube.loc["a"].tolist() == [0, 0, 1]
    assert int(cube.to_numpy().sum()) == 1


def test_na_and_unknown_units_are_counted_in_a_warning(units):
    reports = _reports(
        ["a", None, "zz", "b", None],
        ["2026-11-16", "2026-11-16", "2026-11-17", "2026-11-17", "2026-11-18"],
    )
    with pytest.warns(
        ReportsLeftOutWarning,
        match=r"3 of 5 reports were not counted.*no unit: 2, unit not in units: 1",
    ):
        cube = space_time_cube(reports, units)
    assert int(cube.to_numpy().sum()) == 2
    assert cube.attrs["uncounted"]["no unit"] == 2
    assert cube.attrs["uncounted"]["unit not in units"] == 1


def test_missing_times_are_counted(units):
    reports = _reports(["a", "b"], ["2026-11-16", None])
    with pytest.warns(ReportsLeftOutWarning, match="no time: 1"):
        cube = space_time_cube(reports, units)
    assert cube.columns.tolist() == ["2026-W47"]
    assert cube.to_numpy().ravel().tolist() == [0, 1, 0]
    assert cube.attrs["uncounted"]["no time"] == 1


def test_no_reports_gives_all_units_and_no_periods(units):
    empty = _reports([], [])
    cube = space_time_cube(empty, units)
    assert cube.shape == (3, 0)
    zeros = space_time_cube(empty, units, start="2026-W47", end="2026-W48")
    assert zeros.to_numpy().tolist() == [[0, 0]] * 3


def test_street_segments_and_integer_ids():
    segs = pd.DataFrame({SEGMENT_ID: ["S1-000", "S1-001", "S2-000"]})
    reports = pd.DataFrame(
        {
            SEGMENT_ID: ["S1-001", "S1-001", "S2-000"],
            REPORTED_AT: pd.to_datetime(["2026-11-16", "2026-11-16", "2026-11-17"])
            .tz_localize(TZ)
            .as_unit("us"),
        }
    )
    cube = space_time_cube(reports, segs, unit=SEGMENT_ID, freq="D")
    assert cube.index.name == SEGMENT_ID
    assert cube.columns.tolist() == ["2026-11-16", "2026-11-17"]
    assert cube.to_numpy().tolist() == [[0, 0], [2, 0], [0, 1]]
    ints = pd.DataFrame({"cell": [10, 20, 30]})
    rep = pd.DataFrame(
        {"cell": [30, 30, 10], REPORTED_AT: pd.to_datetime(["2026-11-02"] * 3)}
    )
    by_month = space_time_cube(rep, ints, unit="cell", freq="MS")
    assert by_month.to_numpy().ravel().tolist() == [1, 0, 2]
    assert by_month.columns.tolist() == ["2026-11"]


def test_inputs_are_not_modified_and_row_order_does_not_matter(units):
    reports = _reports(
        ["a", "b", "a", "c", "b"],
        ["2026-11-16", "2026-11-24", "2026-12-01", "2026-11-17", "2026-11-16"],
    )
    before_r, before_u = reports.copy(), units.copy()
    cube = space_time_cube(reports, units)
    pd.testing.assert_frame_equal(reports, before_r)
    pd.testing.assert_frame_equal(units, before_u)
    shuffled = reports.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(space_time_cube(shuffled, units), cube)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    unit_idx=st.lists(st.integers(-1, 6), min_size=0, max_size=60),
    hours=st.data(),
    window=st.tuples(st.integers(0, 8), st.integers(0, 8)),
)
def test_counts_are_conserved(unit_idx, hours, window):
    ids = [f"u{i}" for i in range(6)]  # index 6 is "not in units", -1 is NA
    n = len(unit_idx)
    offsets = hours.draw(st.lists(st.integers(0, 24 * 7 * 10), min_size=n, max_size=n))
    labels = [None if i < 0 else ("zz" if i == 6 else ids[i]) for i in unit_idx]
    t0 = pd.Timestamp("2026-12-21 00:00", tz=TZ)  # Monday of 2026-W52
    reports = pd.DataFrame(
        {
            GRID_ID: pd.array(labels, dtype="str"),
            REPORTED_AT: t0 + pd.to_timedelta(offsets, unit="h"),
        }
    )
    units = pd.DataFrame({GRID_ID: ids})
    all_weeks = period_range("2026-W52", "2027-W09")
    lo, hi = sorted(window)
    start, end = all_weeks[lo], all_weeks[hi]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReportsLeftOutWarning)
        cube = space_time_cube(reports, units, start=start, end=end)
    week = period_labels(reports[REPORTED_AT], tz=TZ)
    assigned = reports[GRID_ID].isin(ids).to_numpy()
    in_range = np.isin(week, all_weeks[lo : hi + 1])
    assert int(cube.to_numpy().sum()) == int((assigned & in_range).sum())
    assert int(cube.to_numpy().sum()) + sum(cube.attrs["uncounted"].values()) == n
    assert cube.columns.tolist() == all_weeks[lo : hi + 1]
    assert cube.index.tolist() == ids


# -- errors ----------------------------------------------------------------------------


def test_type_errors(units):
    reports = _reports(["a"], ["2026-11-16"])
    with pytest.raises(TypeError, match="reports must be"):
        space_time_cube(reports.to_dict(), units)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="units must be"):
        space_time_cube(reports, ["a", "b"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"unit": "segment_id"}, "unit must name the id column of units"),
        ({"freq": "W"}, "freq must be one of"),
        ({"tz": "Asia/Nowhere"}, "IANA timezone"),
        ({"weight": "w"}, "weight must be a column"),
        ({"weight": "text"}, "must be numeric"),
        ({"weight": "bad_weight"}, "1 missing or infinite weights"),
        ({"category": "kind"}, "category must be a column"),
        ({"time": "closed_at"}, "time column 'closed_at'"),
        ({"time": "text"}, "must hold timestamps"),
        ({"start": "2026-W50", "end": "2026-W47"}, "end must not be before start"),
        ({"start": "2026-W99"}, "no such week"),
        ({"start": "last tuesday"}, "period label"),
    ],
)
def test_input_errors(units, kwargs, match):
    reports = _reports(
        ["a", "b"],
        ["2026-11-16", "2026-11-17"],
        text=["x", "y"],
        bad_weight=[1.0, np.nan],
    )
    with pytest.raises(InputError, match=match):
        space_time_cube(reports, units, **kwargs)


def test_unit_missing_from_reports_and_bad_units(units):
    reports = _reports(["a"], ["2026-11-16"]).rename(columns={GRID_ID: "cell"})
    with pytest.raises(InputError, match="reports must have the unit column"):
        space_time_cube(reports, units)
    good = _reports(["a"], ["2026-11-16"])
    dup = pd.DataFrame({GRID_ID: ["a", "a", "b"]})
    with pytest.raises(InputError, match="must hold unique, non-missing ids"):
        space_time_cube(good, dup)
    na = pd.DataFrame({GRID_ID: ["a", None]})
    with pytest.raises(InputError, match="got 1 missing and 0 duplicated"):
        space_time_cube(good, na)
    # several problems are reported at once
    with pytest.raises(InputError, match="2 problems") as info:
        space_time_cube(good, dup, freq="fortnight")
    assert len(info.value.problems) == 2
