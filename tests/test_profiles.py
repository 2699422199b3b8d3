import numpy as np
import pandas as pd
import pytest

from hotspots.errors import InputError
from hotspots.stats.profiles import (
    HOURS_PER_WEEK,
    HourProfile,
    daily_profile,
    hour_of_week_profile,
    peak_windows,
    window_words,
)

TZ = "Asia/Shanghai"
MONDAY = pd.Timestamp("2024-04-01", tz=TZ)  # a Monday


def planted(n_spots=30, n_reports=60, weeks=8, seed=0, days=None):
    """Spots with a planted peak hour; reports around it (sd 40 min) on ``days``."""
    rng = np.random.default_rng(seed)
    rows = []
    peaks = {}
    cats = ["占道经营", "乱停车", "卫生死角"]
    for k in range(n_spots):
        peak = int(rng.integers(6, 22))
        peaks[f"g{k}"] = peak
        d = rng.choice(days if days is not None else range(7), size=n_reports)
        w = rng.integers(0, weeks, size=n_reports)
        minute = peak * 60 + 30 + rng.normal(0, 40, size=n_reports)
        t = (
            MONDAY
            + pd.to_timedelta(w * 7 + d, unit="D")
            + pd.to_timedelta(minute, unit="min")
        )
        for x in t:
            rows.append((f"g{k}", cats[k % 3], x))
    frame = pd.DataFrame(rows, columns=["grid_id", "category", "reported_at"])
    return frame, peaks


def test_recovers_planted_peak_hours():
    reports, peaks = planted()
    prof = hour_of_week_profile(reports)
    got = {u: int(daily_profile(prof, u).argmax()) for u in peaks}
    hits = sum(got[u] == peaks[u] for u in peaks)
    assert hits / len(peaks) >= 0.9
    assert np.allclose(prof.shares.sum(axis=1), 1.0)
    assert list(prof.shares.columns) == list(range(HOURS_PER_WEEK))
    assert prof.n_reports.sum() == pytest.approx(len(reports))


def test_timezone_conversion():
    utc = pd.DataFrame(
        {
            "grid_id": ["a"],
            "category": ["x"],
            "reported_at": [pd.Timestamp("2024-04-01 11:20", tz="UTC")],
        }
    )
    prof = hour_of_week_profile(utc, bandwidth_h=0, prior_strength=0)
    assert prof.shares.loc["a"].idxmax() == 19  # Monday 19:20 in Shanghai
    prof_utc = hour_of_week_profile(utc, tz="UTC", bandwidth_h=0, prior_strength=0)
    assert prof_utc.shares.loc["a"].idxmax() == 11
    assert prof.tz == TZ


def test_kernel_wraps_across_the_week():
    sunday_late = MONDAY + pd.Timedelta(days=6, hours=23, minutes=30)
    frame = pd.DataFrame(
        {"grid_id": ["a"], "category": ["x"], "reported_at": [sunday_late]}
    )
    prof = hour_of_week_profile(frame, bandwidth_h=1.0, prior_strength=0)
    row = prof.shares.loc["a"].to_numpy()
    assert row[167] == row.max()
    assert row[0] == pytest.approx(row[166])  # symmetric across the wrap
    assert row[0] > 0.2
    assert row.sum() == pytest.approx(1.0)


def test_pooling_towards_category_profile():
    reports, _ = planted(n_spots=3, n_reports=80)
    lone = pd.DataFrame(
        {
            "grid_id": ["lone"],
            "category": [reports["category"].iloc[0]],
            "reported_at": [MONDAY + pd.Timedelta(hours=3)],
        }
    )
    both = pd.concat([reports, lone], ignore_index=True)
    pooled = hour_of_week_profile(both, prior_strength=10)
    cat = pooled.category_shares.loc[lone["category"].iloc[0]].to_numpy()
    own = hour_of_week_profile(both, prior_strength=0)
    row_p = pooled.shares.loc["lone"].to_numpy()
    row_o = own.shares.loc["lone"].to_numpy()
    # 1 own report against 10 pseudo-reports of the category
    assert np.allclose(row_p, (row_o * 1 + cat * 10) / 11)
    assert np.abs(row_p - cat).sum() < np.abs(row_o - cat).sum()


def test_weights_window_and_weekly():
    reports, _ = planted(n_spots=2, n_reports=40, weeks=4)
    reports["weight"] = 2.0
    prof = hour_of_week_profile(
        reports, start="2024-04-01", end="2024-04-15", prior_strength=0
    )
    inside = reports["reported_at"] < pd.Timestamp("2024-04-15", tz=TZ)
    assert prof.n_reports.sum() == pytest.approx(2.0 * inside.sum())
    assert prof.n_weeks == pytest.approx(2.0)
    assert prof.weekly().to_numpy().sum() == pytest.approx(inside.sum())
    unweighted = hour_of_week_profile(reports, weight=None)
    assert unweighted.n_reports.sum() == pytest.approx(2 * len(reports))
    reports["w2"] = 1.0
    assert hour_of_week_profile(reports, weight="w2").n_reports.sum() == len(reports)


def test_rows_without_unit_or_time_are_left_out_and_input_unchanged():
    reports, _ = planted(n_spots=2, n_reports=10)
    reports.loc[0, "grid_id"] = None
    reports.loc[1, "reported_at"] = pd.NaT
    before = reports.copy()
    prof = hour_of_week_profile(reports)
    assert prof.n_reports.sum() == len(reports) - 2
    pd.testing.assert_frame_equal(reports, before)


def test_empty_window_gives_empty_profile():
    reports, _ = planted(n_spots=1, n_reports=5)
    prof = hour_of_week_profile(reports, start="2030-01-01")
    assert prof.shares.shape == (0, HOURS_PER_WEEK)
    assert peak_windows(prof).empty


def test_peak_windows_weekend_evening():
    reports, peaks = planted(n_spots=6, n_reports=120, days=[4, 5, 6])
    prof = hour_of_week_profile(reports, prior_strength=0)
    pw = peak_windows(prof, hours=3)
    for u, peak in peaks.items():
        row = pw.loc[u]
        assert row["peak_days"] == "4,5,6"
        assert row["peak_start_min"] <= peak * 60 < row["peak_end_min"]
        assert row["peak_window_zh"].startswith("周五至周日 ")
        assert row["peak_window_en"].startswith("Fri-Sun ")
        assert 0.5 < row["peak_share"] <= 1.0


def test_peak_window_daily_and_across_midnight():
    times = [MONDAY + pd.Timedelta(days=d, hours=23, minutes=30) for d in range(7)]
    frame = pd.DataFrame({"grid_id": "a", "category": "x", "reported_at": times})
    prof = hour_of_week_profile(frame, prior_strength=0)
    row = peak_windows(prof, hours=3).loc["a"]
    assert row["peak_window_zh"] == "每天 22:00-01:00"
    assert row["peak_window_en"] == "Daily 22:00-01:00"
    assert row["peak_end_min"] == 25 * 60


def test_window_words():
    assert window_words((4, 5, 6), 1080, 1260) == (
        "周五至周日 18:00-21:00",
        "Fri-Sun 18:00-21:00",
    )
    assert window_words((0, 2, 3), 480, 540) == (
        "周一、周三至周四 08:00-09:00",
        "Mon, Wed-Thu 08:00-09:00",
    )
    with pytest.raises(InputError, match="days must hold weekdays"):
        window_words((), 0, 60)
    with pytest.raises(InputError, match="days must hold weekdays"):
        window_words((7,), 0, 60)


def test_grid_and_daily_profile():
    reports, _ = planted(n_spots=1, n_reports=30, days=[2])
    prof = hour_of_week_profile(reports, prior_strength=0)
    g = prof.grid("g0")
    assert g.shape == (7, 24)
    assert g[2].sum() > 0.9
    assert np.allclose(daily_profile(prof, "g0", weekday=2), g[2])
    with pytest.raises(InputError, match="unit_id must be a unit"):
        prof.grid("nope")
    with pytest.raises(InputError, match="weekday must be"):
        daily_profile(prof, "g0", weekday=7)


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        ({}, {"bandwidth_h": -1}, "bandwidth_h must be"),
        ({}, {"prior_strength": float("nan")}, "prior_strength must be"),
        ({}, {"tz": "Mars/Olympus"}, "tz must be an IANA"),
        ({}, {"unit": "segment_id"}, "must have the column 'segment_id'"),
        ({}, {"weight": "nope"}, "weight column 'nope'"),
        ({}, {"start": "not a date"}, "start must be a timestamp"),
        ({"naive": True}, {}, "must be tz-aware"),
        ({"bad_weight": True}, {}, "must be finite numbers >= 0"),
    ],
)
def test_invalid_input(change, kwargs, match):
    reports, _ = planted(n_spots=1, n_reports=5)
    if change.get("naive"):
        reports["reported_at"] = reports["reported_at"].dt.tz_localize(None)
    if change.get("bad_weight"):
        reports["weight"] = -1.0
    with pytest.raises(InputError, match=match):
        hour_of_week_profile(reports, **kwargs)


def test_type_errors():
    with pytest.raises(TypeError, match="reports must be a DataFrame"):
        hour_of_week_profile([1, 2])
    with pytest.raises(TypeError, match="profile must be an HourProfile"):
        peak_windows("x")
    reports, _ = planted(n_spots=1, n_reports=5)
    prof = hour_of_week_profile(reports)
    assert isinstance(prof, HourProfile)
    with pytest.raises(InputError, match="hours must be a whole number"):
        peak_windows(prof, hours=0)
