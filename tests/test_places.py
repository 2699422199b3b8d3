from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hotspots.accountability.places import place_statistics
from hotspots.errors import CRSError, InputError
from hotspots.read.boundaries import read_boundaries
from hotspots.stats.trend import mann_kendall

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0
TZ = "Asia/Shanghai"
MONDAY = pd.Timestamp("2026-10-05 09:00", tz=TZ)  # 2026-W41
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def places() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "place_id": ["S1", "M1", "H1"],
            "name": ["小学", "市场", "医院"],
            "kind": ["school", "market", "hospital"],
        },
        geometry=[
            Point(X0, Y0),
            box(X0 + 1000, Y0, X0 + 1100, Y0 + 100),
            Point(X0 + 150, Y0),
        ],
        crs=CRS,
    )


def _reports(rows: list[tuple[str, float, float, int, str]]) -> gpd.GeoDataFrame:
    """rows: (id, x offset, y offset, week number from W41, category)."""
    return gpd.GeoDataFrame(
        {
            "report_id": [r[0] for r in rows],
            "reported_at": [
                MONDAY + pd.Timedelta(days=7 * r[3], hours=i)
                for i, r in enumerate(rows)
            ],
            "category": [r[4] for r in rows],
        },
        geometry=[Point(X0 + r[1], Y0 + r[2]) for r in rows],
        crs=CRS,
    )


@pytest.fixture
def reports() -> gpd.GeoDataFrame:
    rows = []
    # school: 1, 2, 3, 4 cases in weeks 0..3 at 30 m; a rising trend
    k = 0
    for week in range(4):
        for _ in range(week + 1):
            rows.append((f"s{k}", 30.0, 0.0, week, "占道经营" if k % 3 else "乱停车"))
            k += 1
    # 80 m east: within 100 m of the school (0 m) and of the hospital (150 m)
    rows.append(("both", 80.0, 0.0, 3, "暴露垃圾"))
    # market polygon: two inside, one 20 m outside (a polygon takes only inside)
    rows += [
        ("m_in1", 1050.0, 50.0, 1, "农贸市场"),
        ("m_in2", 1090.0, 90.0, 3, "农贸市场"),
        ("m_out", 1120.0, 50.0, 3, "农贸市场"),
    ]
    # far from everything, and one before the window
    rows += [("far", 5000.0, 5000.0, 3, "其他"), ("old", 30.0, 0.0, -10, "乱停车")]
    return _reports(rows)


def test_counts_trend_and_case_ids(places, reports):
    out = place_statistics(reports, places, radius_m=100, periods=4)
    assert out.attrs["periods"] == ["2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    s1 = out.set_index("place_id").loc["S1"]
    assert s1["weekly_counts"] == (1, 2, 3, 5)
    assert s1["cases_window"] == 11
    assert s1["cases_week"] == 5
    assert s1["case_ids"] == (*tuple(f"s{k}" for k in range(10)), "both")
    assert s1["week_case_ids"] == ("s6", "s7", "s8", "s9", "both")
    ref = mann_kendall(np.array([1.0, 2, 3, 5]))
    assert s1["trend_z"] == pytest.approx(float(ref.z[0]))
    assert s1["trend_p"] == pytest.approx(float(ref.p[0]))
    # 4 points can never reach p < 0.05: no trend called at 0.05, up at 0.1
    assert s1["trend"] == "no trend"
    loose = place_statistics(reports, places, radius_m=100, periods=4, alpha=0.1)
    assert loose.set_index("place_id").loc["S1", "trend"] == "up"
    assert s1["top_categories"] == "占道经营(6)、乱停车(4)、暴露垃圾(1)"
    m1 = out.set_index("place_id").loc["M1"]
    assert m1["case_ids"] == ("m_in1", "m_in2")
    assert m1["weekly_counts"] == (0, 1, 0, 1)
    h1 = out.set_index("place_id").loc["H1"]
    assert h1["case_ids"] == ("both",)  # the case near two places counts at both
    # every number traces to its ids
    for _, row in out.iterrows():
        assert len(row["case_ids"]) == row["cases_window"] == sum(row["weekly_counts"])
        assert len(row["week_case_ids"]) == row["cases_week"]


def test_input_kept_and_radius(places, reports):
    before = places.copy()
    out = place_statistics(reports, places, radius_m=40, periods=4)
    pd.testing.assert_frame_equal(places, before)
    assert list(out.index) == list(places.index)
    assert out.crs == places.crs
    assert list(out.columns[: len(places.columns)]) == list(places.columns)
    assert out.set_index("place_id").loc["H1", "cases_window"] == 0
    assert out.set_index("place_id").loc["H1", "top_categories"] == ""


def test_as_of_drops_later_cases(places, reports):
    out = place_statistics(
        reports, places, periods=2, as_of="2026-10-13 00:00"
    )  # inside W42
    assert out.attrs["periods"] == ["2026-W41", "2026-W42"]
    assert out.set_index("place_id").loc["S1", "weekly_counts"] == (1, 2)


def test_pattern_and_owner(places, reports):
    cells = gpd.GeoDataFrame(
        {"grid_id": ["g0", "g1"], "pattern": ["new_hot", "persistent_hot"]},
        geometry=[
            box(X0 - 50, Y0 - 50, X0 + 100, Y0 + 50),
            box(X0 + 1000, Y0, X0 + 1100, Y0 + 100),
        ],
        crs=CRS,
    ).to_crs("EPSG:4326")  # another CRS: converted
    units = pd.DataFrame({"unit_id": ["A", "B"], "name": ["甲单位", "乙单位"]})
    duties = pd.DataFrame(
        {
            "unit_id": ["A", "B", "A"],
            "duty": ["place", "place", "grid"],
            "target_id": ["S1", "S1", "M1"],
        }
    )
    out = place_statistics(
        reports, places, periods=4, emerging=cells, units=units, duties=duties
    ).set_index("place_id")
    assert out["pattern"].tolist() == ["new_hot", "persistent_hot", "no_pattern"]
    assert out.loc["S1", "unit_id"] == "A"  # first duty wins, as assign_units
    assert out.loc["S1", "unit_name"] == "甲单位"
    assert pd.isna(out.loc["M1", "unit_id"])  # a grid duty is not a place duty


def test_sample_places(tmp_path):
    places = read_boundaries(ROOT / "boundaries" / "places.geojson", kind="places")
    p = places.geometry.iloc[0]
    reports = gpd.GeoDataFrame(
        {
            "report_id": ["r1", "r2"],
            "reported_at": [MONDAY, MONDAY + pd.Timedelta(days=7)],
            "category": ["乱停车", "乱停车"],
        },
        geometry=[p, Point(p.x + 0.01, p.y)],  # on it, and about 900 m east
        crs="EPSG:4326",
    )
    out = place_statistics(reports, places, radius_m=50, periods=2)
    assert out.loc[places.index[0], "case_ids"] == ("r1",)
    assert int(out["cases_window"].sum()) >= 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"radius_m": -1}, "radius_m must be a finite number >= 0"),
        ({"radius_m": "50"}, "radius_m must be a finite number >= 0"),
        ({"periods": 1}, "periods must be a whole number >= 2"),
        ({"freq": "W"}, "freq must be one of"),
        ({"alpha": 1.5}, "alpha must be a number between 0 and 1"),
        ({"top_n": 0}, "top_n must be a whole number >= 1"),
        ({"units": pd.DataFrame({"unit_id": [], "name": []})}, "go together"),
        ({"as_of": "not a time"}, "as_of must be a timestamp"),
    ],
)
def test_bad_arguments(places, reports, kwargs, match):
    with pytest.raises(InputError, match=match):
        place_statistics(reports, places, **kwargs)


def test_bad_frames(places, reports):
    with pytest.raises(TypeError, match="reports must be a GeoDataFrame"):
        place_statistics(pd.DataFrame(reports), places)
    with pytest.raises(InputError, match="'category'"):
        place_statistics(reports.drop(columns="category"), places)
    naive = reports.copy()
    naive["reported_at"] = naive["reported_at"].dt.tz_localize(None)
    with pytest.raises(InputError, match="timezone-aware"):
        place_statistics(naive, places)
    twice = pd.concat([places, places])
    with pytest.raises(InputError, match="unique"):
        place_statistics(reports, gpd.GeoDataFrame(twice, crs=CRS))
    with pytest.raises(InputError, match="column 'pattern'"):
        place_statistics(reports, places, emerging=places)


def test_metric_crs_policy(places, reports):
    # the one policy: the UTM zone, whatever the frames' own CRS (feet converted)
    metres = place_statistics(reports, places, radius_m=60)
    feet = place_statistics(reports.to_crs(2264), places.to_crs(2264), radius_m=60)
    assert list(feet["case_ids"]) == list(metres["case_ids"])
    assert feet.crs == places.to_crs(2264).crs
    with pytest.raises(CRSError, match="projected CRS in metres"):
        place_statistics(reports, places, metric_crs="EPSG:2264")
