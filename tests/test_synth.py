"""Tests of the sample district generator (hotspots.sample.district)."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from scipy import stats
from scipy.spatial import cKDTree

from hotspots._core import schema as s
from hotspots._core.crs import gcj02_to_wgs84
from hotspots.errors import InputError
from hotspots.sample.district import (
    DEFAULT_SEED,
    EXPORT_COLUMNS,
    PATTERN_KEYS,
    District,
    make_district,
    sample_config,
    sample_paths,
    weekly_exports,
    write_district,
    write_sample_config,
)

METRIC = "EPSG:32651"
STATUS_WORDS = {"待受理", "已派遣", "处置中", "已处置", "已结案", "返工", "重新打开"}
SOURCE_WORDS = {
    "巡查员",
    "网格员",
    "12345热线",
    "市民热线",
    "视频监控",
    "测评组",
    "督查",
}
REQUIRED_PATTERNS = {
    "persistent_hot",
    "intensifying_hot",
    "diminishing_hot",
    "new_hot",
    "consecutive_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
}


@pytest.fixture(scope="module")
def district() -> District:
    return make_district()


@pytest.fixture(scope="module")
def small() -> District:
    return make_district(seed=7, weeks=8, n_reports=3000)


@pytest.fixture(scope="module")
def written(district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("district")
    write_district(district, root)
    return root


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


# -- determinism --------
def test_same_seed_same_frames_and_files(small: District, tmp_path: Path) -> None:
    again = make_district(seed=7, weeks=8, n_reports=3000)
    pd.testing.assert_frame_equal(small.export, again.export)
    pd.testing.assert_frame_equal(small.truth_patterns, again.truth_patterns)
    assert small.grid.geometry.geom_equals_exact(again.grid.geometry, 0).all()
    a = write_district(small, tmp_path / "a")
    b = write_district(again, tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_different_seed_differs(small: District) -> None:
    other = make_district(seed=8, weeks=8, n_reports=3000)
    assert (
        small.grid.geometry.to_wkb().tolist() != other.grid.geometry.to_wkb().tolist()
    )
    assert small.export["上报时间"].tolist() != other.export["上报时间"].tolist()


# -- boundaries --------
def test_grid_tiles_without_gaps_or_overlaps(district: District) -> None:
    cells = district.grid.to_crs(METRIC)
    assert cells.is_valid.all()
    union = shapely.union_all(cells.geometry.to_numpy())
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0  # no gaps inside the district
    assert union.area == pytest.approx(cells.area.sum(), rel=1e-9)  # no overlaps
    tree = shapely.STRtree(cells.geometry.to_numpy())
    a, _b = tree.query(cells.geometry.to_numpy(), predicate="overlaps")
    assert len(a) == 0
    # about 100 m cells
    side = np.sqrt(cells.area)
    assert side.min() > 75
    assert side.max() < 130
    assert side.median() == pytest.approx(100, abs=10)


def test_grid_cells_follow_the_streets(district: District) -> None:
    cells = district.grid.to_crs(METRIC)
    streets = district.streets.to_crs(METRIC)
    main_streets = streets[streets[s.STREET_CLASS] != "alley"].geometry.to_numpy()
    # streets run along cell edges, never through a cell's interior
    tree = shapely.STRtree(cells.geometry.buffer(-1.0).to_numpy())
    _, hit = tree.query(main_streets, predicate="intersects")
    assert len(hit) == 0


def test_grid_ids_national_style(district: District) -> None:
    ids = district.grid[s.GRID_ID]
    assert ids.str.len().eq(15).all()
    assert ids.str.fullmatch(r"370202\d{9}").all()
    assert ids.is_unique
    assert (district.grid[s.COMMUNITY_ID] == ids.str[:12]).all()
    assert list(district.grid.columns) == [s.GRID_ID, s.COMMUNITY_ID, "geometry"]


def test_areas_nest(district: District) -> None:
    areas = district.areas.to_crs(METRIC).set_index(s.AREA_ID)
    levels = areas[s.AREA_LEVEL]
    assert set(levels) == {"district", "subdistrict", "community"}
    assert (levels == "district").sum() == 1
    assert (levels == "subdistrict").sum() >= 4
    assert (levels == "community").sum() >= 20
    for area_id, row in areas[levels != "district"].iterrows():
        parent = areas.loc[row[s.AREA_PARENT]]
        assert str(area_id).startswith(str(row[s.AREA_PARENT]))
        assert parent.geometry.buffer(0.01).contains(row.geometry), area_id
    cells = district.grid.to_crs(METRIC)
    comm = areas.loc[cells[s.COMMUNITY_ID]].geometry.buffer(0.01).to_numpy()
    assert shapely.contains(comm, cells.geometry.to_numpy()).all()
    # the communities partition the district
    total = areas.loc[levels == "community"].area.sum()
    assert total == pytest.approx(areas.loc[levels == "district"].area.sum(), rel=1e-9)


def test_streets_layer(district: District) -> None:
    st = district.streets
    assert list(st.columns) == [
        s.STREET_ID,
        "name",
        s.STREET_CLASS,
        s.ONEWAY,
        "geometry",
    ]
    assert set(st[s.STREET_CLASS]) == {"arterial", "secondary", "alley"}
    assert st[s.STREET_ID].is_unique
    assert st[s.ONEWAY].any()
    assert not st[s.ONEWAY].all()
    assert (st.geom_type == "LineString").all()
    assert st["name"].str.len().gt(1).all()
    assert st[st[s.STREET_CLASS] == "arterial"]["name"].str.endswith("路").all()
    # not a perfect lattice: the streets bend
    lines = st.to_crs(METRIC).geometry
    straight = lines.apply(lambda g: shapely.LineString([g.coords[0], g.coords[-1]]))
    assert (lines.length / straight.length).max() > 1.001


def test_places_inside_the_district(district: District) -> None:
    pl = district.places
    assert list(pl.columns) == [s.PLACE_ID, s.PLACE_NAME, s.PLACE_KIND, "geometry"]
    assert set(pl[s.PLACE_KIND]) == {
        "market",
        "school",
        "station",
        "construction",
        "hospital",
    }
    assert pl[s.PLACE_ID].is_unique
    assert pl[s.PLACE_NAME].is_unique
    outline = district.areas[district.areas[s.AREA_LEVEL] == "district"].union_all()
    assert pl.within(outline).all()


def test_boundaries_at_real_coordinates(district: District) -> None:
    for frame in (district.grid, district.streets, district.areas, district.places):
        assert frame.crs.to_epsg() == 4326
        x0, y0, x1, y1 = frame.total_bounds
        assert 120.30 < x0 < x1 < 120.42
        assert 36.03 < y0 < y1 < 36.12


# -- the export --------
def test_weekly_exports_are_gbk_csv_and_excel_with_exact_headers(
    district: District, written: Path
) -> None:
    folder = written / "sample_data" / "exports"
    files = sorted(folder.iterdir())
    assert [p.name for p in files] == [
        f"reports_{w.replace('-', '')}.{'xlsx' if k % 2 else 'csv'}"
        for k, w in enumerate(district.weeks)
    ]
    weekly = weekly_exports(district)
    for path in files:
        if path.suffix == ".csv":
            raw = path.read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            text = raw.decode("gbk")
            assert "\r" not in text  # LF line ends
            assert text.split("\n", 1)[0] == ",".join(EXPORT_COLUMNS)
            back = pd.read_csv(path, encoding="gbk", dtype=str, keep_default_na=False)
        else:
            back = pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[])
        assert list(back.columns) == list(EXPORT_COLUMNS)
        want = weekly.files[path.name]
        if path.suffix == ".xlsx":
            want = want.replace({"#N/A": "待定?"})
        pd.testing.assert_frame_equal(back, want, check_dtype=False)
    # the sample stays small: cases re-exported once, not every week
    assert sum(p.stat().st_size for p in files) < 4_800_000


def test_weekly_exports_hold_each_case_then_its_later_status(
    district: District,
) -> None:
    weekly = weekly_exports(district)
    rows = pd.concat(
        [
            f.assign(file=name, row_index=range(len(f)))
            for name, f in weekly.files.items()
        ],
        ignore_index=True,
    )
    broken = set(
        zip(weekly.broken_rows["file"], weekly.broken_rows["row_index"], strict=True)
    )
    rows["broken"] = [
        (f, i) in broken for f, i in zip(rows["file"], rows["row_index"], strict=True)
    ]
    ids = rows["案件编号"].map(_norm).where(~rows["broken"])
    valid = set(district.reports[s.REPORT_ID])
    again = weekly.re_exported
    assert len(again) > 0.1 * len(district.reports)
    # every valid case once, and a re-exported case exactly twice
    counts = ids[ids.isin(valid)].value_counts()
    assert set(counts.index) == valid
    assert set(counts[counts == 2].index) == set(again[s.REPORT_ID])
    assert counts.max() == 2
    assert len(rows) == len(district.export) + len(again)
    for _, case in again.head(50).iterrows():
        both = rows[ids == case[s.REPORT_ID]]
        first, last = both.iloc[0], both.iloc[1]
        assert (first["file"], last["file"]) == (case["first_file"], case["file"])
        assert first["file"] < last["file"]  # a later week
        assert first["结案时间"] == ""
        assert first["案件状态"] == "处置中"
        assert last["结案时间"] != ""
        assert (first["经度"], first["纬度"]) == (last["经度"], last["纬度"])
    # the final rows are the district's export
    final = rows[~ids.duplicated(keep="last") | ~ids.isin(valid)]
    assert len(final) == len(district.export)


def test_written_boundaries_read_back(district: District, written: Path) -> None:
    grid = gpd.read_file(written / "boundaries" / "grid.geojson")
    assert grid.crs.to_epsg() == 4326
    assert list(grid[s.GRID_ID]) == list(district.grid[s.GRID_ID])
    # rounding to 6 decimals keeps the shared vertices shared: still a tiling
    cells = grid.to_crs(METRIC)
    assert cells.is_valid.all()
    union = shapely.union_all(cells.geometry.to_numpy())
    assert union.area == pytest.approx(cells.area.sum(), rel=1e-9)
    areas = gpd.read_file(written / "boundaries" / "areas.geojson")
    assert set(areas[s.AREA_LEVEL]) == {"district", "subdistrict", "community"}
    for name in ("patterns", "blind_spots", "broken_rows", "untidy_rows"):
        assert (written / "sample_data" / "truth" / f"{name}.csv").exists()
    readme = (written / "sample_data" / "README.md").read_text(encoding="utf-8")
    assert "GCJ-02" in readme
    assert "core cell" in readme


def test_report_counts_and_weeks(district: District) -> None:
    rep = district.reports
    assert 25_000 < len(rep) < 35_000
    assert district.weeks[0] == "2026-W32"
    assert district.weeks[-1] == "2026-W47"
    start = pd.Timestamp("2026-08-03", tz="Asia/Shanghai")
    end = pd.Timestamp("2026-11-23", tz="Asia/Shanghai")
    assert str(rep[s.REPORTED_AT].dt.tz) == "Asia/Shanghai"
    assert rep[s.REPORTED_AT].between(start, end, inclusive="left").all()
    weekly = rep[s.REPORTED_AT].dt.isocalendar().week.value_counts()
    assert len(weekly) == 16
    assert weekly.min() > 1000


def test_canonical_frame(district: District) -> None:
    rep = district.reports
    assert rep.crs.to_epsg() == 4326
    for col in (*s.CANONICAL_COLUMNS, s.REOPEN_COUNT, s.CATEGORY_MAJOR):
        assert col in rep.columns
    assert rep[s.REPORT_ID].is_unique
    assert set(rep[s.STATUS]) == set(s.STATUSES)
    assert set(rep[s.SOURCE]) == {"inspector", "hotline", "camera", "evaluation"}
    closed = rep[s.CLOSED_AT].notna()
    assert (rep.loc[closed, s.CLOSED_AT] > rep.loc[closed, s.REPORTED_AT]).all()
    assert rep.loc[~closed, s.STATUS].isin(["open", "dispatched", "reopened"]).all()
    assert closed.mean() > 0.9
    assert (rep[s.REOPEN_COUNT] >= 0).all()
    assert (rep[s.REOPEN_COUNT] > 0).any()
    days = (rep[s.CLOSED_AT] - rep[s.REPORTED_AT]).dt.total_seconds() / 86400
    assert 0.3 < days.median() < 3  # most closed within days
    # local types have no national code
    assert rep.loc[rep[s.CATEGORY] == "流浪犬", s.CATEGORY_CODE].isna().all()
    assert rep[s.CATEGORY_CODE].notna().mean() > 0.8


def test_rhythms(district: District) -> None:
    rep = district.reports
    hours = rep[s.REPORTED_AT].dt.hour
    assert (hours.between(8, 17)).mean() > 0.6
    day = rep[s.REPORTED_AT].dt.day_of_week
    own = rep[s.SOURCE] == "inspector"
    weekday = (day[own] < 5).sum() / 5
    weekend = (day[own] >= 5).sum() / 2
    assert weekday > 1.5 * weekend


def test_event_codes_never_invented(district: District) -> None:
    import importlib.resources
    import io

    text = (
        importlib.resources.files("hotspots")
        .joinpath("data/event_codes_gbt47678_5.csv")
        .read_text(encoding="utf-8")
    )
    table = pd.read_csv(io.StringIO(text), comment="#", dtype=str)
    code_of = dict(zip(table["name"], table["code"], strict=True))
    ex = district.export
    filled = ex["事项编码"] != ""
    assert 0.35 < filled.mean() < 0.6
    names = ex.loc[filled, "小类"].str.strip()
    assert (ex.loc[filled, "事项编码"] == names.map(code_of)).all()
    assert not ex.loc[ex["小类"].str.strip() == "流浪犬", "事项编码"].ne("").any()


def test_free_text_carries_phones_and_markup(district: District) -> None:
    desc = district.export["问题描述"]
    assert desc.str.contains("13812345678").sum() >= 10
    assert desc.str.contains("<script>", regex=False).sum() >= 3
    assert set(district.export["案件来源"].map(_norm)) == SOURCE_WORDS


def test_coordinates_are_gcj02(district: District) -> None:
    ex = district.export
    broken = set(district.truth_broken_rows["row_index"])
    good = ex[~ex.index.isin(broken)]
    lon = good["经度"].map(_norm).astype(float).to_numpy()
    lat = good["纬度"].map(_norm).astype(float).to_numpy()
    ids = good["案件编号"].map(_norm)
    cells = district.report_cells.set_index(s.REPORT_ID)[s.GRID_ID]
    polys = district.grid.set_index(s.GRID_ID).geometry
    target = polys.loc[cells.loc[ids].to_numpy()].to_numpy()
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    assert shapely.contains(target, shapely.points(wlon, wlat)).all()
    # read as WGS-84 without conversion, most land in the wrong cell
    assert shapely.contains(target, shapely.points(lon, lat)).mean() < 0.05


def test_categories_follow_places(district: District) -> None:
    rep = district.reports.to_crs(METRIC)
    places = district.places.to_crs(METRIC)
    outline = district.areas.to_crs(METRIC)
    outline = outline[outline[s.AREA_LEVEL] == "district"].union_all()
    for kind, cats, ratio in (
        ("market", ["占道经营", "无照经营游商", "农贸市场秩序问题"], 5),
        ("construction", ["施工废弃料", "积存垃圾渣土", "工地扬尘"], 5),
        ("school", ["机动车乱停放", "非机动车乱停放"], 2),
    ):
        zone = places[places[s.PLACE_KIND] == kind].buffer(150).union_all()
        zone = zone.intersection(outline)
        sel = rep[rep[s.CATEGORY].isin(cats)]
        share = sel.within(zone).mean()
        assert share > ratio * zone.area / outline.area, kind
    # flyposting on arterials, sanitation in alleys
    streets = district.streets.to_crs(METRIC)
    art = streets[streets[s.STREET_CLASS] == "arterial"].buffer(20).union_all()
    fly = rep[rep[s.CATEGORY] == "非法小广告"].within(art).mean()
    other = rep[rep[s.CATEGORY] == "流浪犬"].within(art).mean()
    assert fly > 2 * other


# -- broken and untidy rows --------
def _reference_check(ex: pd.DataFrame) -> dict[int, str]:
    """A minimal independent reader: which rows are broken, and why."""
    col = {
        c: ex[c].map(_norm)
        for c in ("案件编号", "上报时间", "经度", "纬度", "案件状态")
    }
    when = pd.to_datetime(col["上报时间"], format="%Y-%m-%d %H:%M", errors="coerce")
    lon = pd.to_numeric(col["经度"], errors="coerce")
    lat = pd.to_numeric(col["纬度"], errors="coerce")
    in_china = lon.between(73, 136) & lat.between(3, 54)
    swapped = lat.between(73, 136) & lon.between(3, 54)
    rules = [
        ("bad_date", when.isna()),
        ("empty_coords", lon.isna() | lat.isna()),
        ("swapped_lonlat", swapped),
        ("out_of_range", ~in_china),
        ("unknown_status", ~col["案件状态"].isin(STATUS_WORDS)),
    ]
    kind = pd.Series(pd.NA, index=ex.index, dtype="object")
    for name, hit in rules:
        kind = kind.mask(kind.isna() & hit, name)
    dup = col["案件编号"].where(kind.isna()).duplicated() & kind.isna()
    kind = kind.mask(dup, "duplicate_id")
    return {int(i): str(k) for i, k in kind.dropna().items()}


def test_broken_rows_are_exactly_the_listed_ones(district: District) -> None:
    truth = district.truth_broken_rows
    found = _reference_check(district.export)
    assert found == dict(zip(truth["row_index"], truth["kind"], strict=True))
    share = len(truth) / len(district.export)
    assert 0.005 < share < 0.02
    assert set(truth["kind"]) == {
        "bad_date",
        "empty_coords",
        "swapped_lonlat",
        "out_of_range",
        "unknown_status",
        "duplicate_id",
    }
    assert (truth["line"] == truth["row_index"] + 2).all()
    assert (truth["row_number"] == truth["row_index"] + 1).all()
    dup = truth[truth["kind"] == "duplicate_id"]
    first = district.export["案件编号"].iloc[dup["duplicate_of_line"] - 2].map(_norm)
    assert (first.to_numpy() == dup["report_id"].to_numpy()).all()


def test_valid_rows_match_the_canonical_frame(district: District) -> None:
    ex = district.export
    bad = set(district.truth_broken_rows["row_index"])
    ids = ex.loc[~ex.index.isin(bad), "案件编号"].map(_norm)
    assert list(ids) == list(district.reports[s.REPORT_ID])
    assert len(district.report_cells) == len(district.reports)


def test_package_reader_agrees_with_the_truth(
    district: District, written: Path
) -> None:
    from hotspots.sample.district import read_sample

    result = read_sample(written)
    got = result.reports
    want = district.reports
    assert list(got[s.REPORT_ID]) == list(want[s.REPORT_ID])
    for col in (s.REPORTED_AT, s.CATEGORY, s.STATUS, s.SOURCE, s.CLOSED_AT):
        pd.testing.assert_series_equal(
            got[col].reset_index(drop=True),
            want[col].reset_index(drop=True),
            check_dtype=False,
        )
    metric = got.to_crs(METRIC).geometry.reset_index(drop=True)
    exact = want.to_crs(METRIC).geometry.reset_index(drop=True)
    assert metric.distance(exact).max() < 0.2  # 6 exported decimals
    quarantined = set(
        zip(
            result.quarantined["source_file"],
            result.quarantined[s.ROW_NUMBER],
            strict=True,
        )
    )
    truth = pd.read_csv(written / "sample_data" / "truth" / "broken_rows.csv")
    assert quarantined == set(zip(truth["file"], truth["row_number"], strict=True))
    assert len(truth) == len(district.truth_broken_rows)


def test_untidy_rows_are_untidy_but_valid(district: District) -> None:
    ex = district.export
    untidy = district.truth_untidy_rows
    assert len(untidy) > 50
    assert set(untidy["kind"]) == {"whitespace", "fullwidth_digits"}
    for row in untidy.itertuples():
        value = ex.at[row.row_index, row.column]
        assert value != _norm(value)
    assert not set(untidy["row_index"]) & set(district.truth_broken_rows["row_index"])


# -- planted truth --------
def test_planted_truth_present(district: District) -> None:
    tp = district.truth_patterns
    assert list(tp.columns) == [s.GRID_ID, "pattern", "planted_id"]
    assert set(tp["pattern"]) >= REQUIRED_PATTERNS
    assert tp["pattern"].str.endswith("_cold").any()
    assert set(tp["pattern"]) == set(PATTERN_KEYS)
    assert tp[s.GRID_ID].is_unique
    assert tp["planted_id"].is_unique
    assert tp[s.GRID_ID].isin(district.grid[s.GRID_ID]).all()
    bs = district.truth_blind_spots
    assert len(bs) >= 8
    assert set(bs["kind"]) == {"outside_only", "comeback"}
    assert bs[s.GRID_ID].isin(district.grid[s.GRID_ID]).all()
    assert not set(bs[s.GRID_ID]) & set(tp[s.GRID_ID])


def _reports_in(district: District, grid_id: str, category: str) -> pd.DataFrame:
    cells = district.report_cells.set_index(s.REPORT_ID)[s.GRID_ID]
    rep = district.reports
    here = cells.loc[rep[s.REPORT_ID]].to_numpy() == grid_id
    return rep[here & (rep[s.CATEGORY] == category).to_numpy()]


def test_outside_only_blind_spots(district: District) -> None:
    bs = district.truth_blind_spots
    for row in bs[bs["kind"] == "outside_only"].itertuples():
        rep = _reports_in(district, row.grid_id, row.category)
        assert len(rep) >= 30
        assert rep[s.SOURCE].isin(s.OUTSIDE_SOURCES).all()
    # elsewhere the city's own patrols find most problems
    assert district.reports[s.SOURCE].isin(s.OWN_SOURCES).mean() > 0.5


def test_comeback_blind_spots(district: District) -> None:
    bs = district.truth_blind_spots
    for row in bs[bs["kind"] == "comeback"].itertuples():
        rep = _reports_in(district, row.grid_id, row.category).sort_values(
            s.REPORTED_AT
        )
        assert len(rep) >= 30
        later = rep[s.REPORTED_AT].iloc[1:].reset_index(drop=True)
        gap = later - rep[s.CLOSED_AT].iloc[:-1].reset_index(drop=True)
        days = gap.dt.total_seconds() / 86400
        assert (days.between(0, 4)).mean() > 0.9  # back within days after closing
        assert (rep[s.REOPEN_COUNT] > 0).mean() > 0.3


def _space_time_patterns(district: District) -> dict[str, str]:
    """Independent space-time Gi* + BH + Mann-Kendall (DESIGN.md section 6)."""
    ids = district.grid[s.GRID_ID].to_numpy()
    cells = district.report_cells.set_index(s.REPORT_ID)[s.GRID_ID]
    iso = district.reports[s.REPORTED_AT].dt.isocalendar()
    label = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    row = pd.Index(ids).get_indexer(cells.loc[district.reports[s.REPORT_ID]])
    col = pd.Index(district.weeks).get_indexer(label)
    x = np.zeros((len(ids), len(district.weeks)))
    np.add.at(x, (row, col), 1.0)
    geoms = district.grid.to_crs(METRIC).geometry.to_numpy()
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    w = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))  # + self
    local = w @ x
    lsum = local.copy()
    lsum[:, 1:] += local[:, :-1]
    k = np.asarray(w.sum(axis=1)).ravel()[:, None] * np.r_[1, [2] * (x.shape[1] - 1)]
    n = x.size
    z = (lsum - x.mean() * k) / (x.std() * np.sqrt((n * k - k**2) / (n - 1)))
    p = stats.false_discovery_control(2 * stats.norm.sf(np.abs(z)).ravel())
    p = p.reshape(z.shape)
    cls = np.sign(z) * ((p < 0.1) + (p < 0.05) + (p < 0.01))
    need = math.ceil(0.9 * x.shape[1])
    out: dict[str, str] = {}
    for gid in district.truth_patterns[s.GRID_ID]:
        i = int(pd.Index(ids).get_loc(gid))
        tau, mk_p = stats.kendalltau(np.arange(x.shape[1]), z[i])
        out[gid] = "no_pattern"
        for sign, name in ((1, "hot"), (-1, "cold")):
            hot, other = cls[i] * sign > 0, cls[i] * sign < 0
            off = np.flatnonzero(~hot)
            run = len(hot) - (off[-1] + 1) if len(off) else len(hot)
            if hot[-1]:
                if hot.sum() == 1:
                    out[gid] = f"new_{name}"
                elif hot.sum() >= need:
                    trend = mk_p < 0.05
                    out[gid] = (
                        f"intensifying_{name}"
                        if trend and tau * sign > 0
                        else f"diminishing_{name}"
                        if trend
                        else f"persistent_{name}"
                    )
                elif run >= 2 and run == hot.sum():
                    out[gid] = f"consecutive_{name}"
                else:
                    out[gid] = (
                        f"oscillating_{name}" if other.any() else f"sporadic_{name}"
                    )
                break
            if hot.sum() >= need:
                out[gid] = f"historical_{name}"
                break
    return out


def test_planted_patterns_are_recoverable(district: District) -> None:
    got = _space_time_patterns(district)
    truth = dict(
        zip(
            district.truth_patterns[s.GRID_ID],
            district.truth_patterns["pattern"],
            strict=True,
        )
    )
    assert got == truth


# -- near repeats --------
def _near_pair_share(d: District) -> float:
    rep = d.reports.to_crs(METRIC)
    xy = rep.geometry.get_coordinates().to_numpy()
    t = (rep[s.REPORTED_AT] - rep[s.REPORTED_AT].min()).dt.total_seconds() / 86400
    pairs = cKDTree(xy).query_pairs(100.0, output_type="ndarray")
    cat = rep[s.CATEGORY].to_numpy()
    tv = t.to_numpy()
    same = cat[pairs[:, 0]] == cat[pairs[:, 1]]
    close = np.abs(tv[pairs[:, 0]] - tv[pairs[:, 1]]) <= 3
    hit = pairs[same & close].ravel()
    return len(np.unique(hit)) / len(rep)


def test_near_repeat_adds_structure(small: District) -> None:
    base = small
    nr = make_district(seed=7, weeks=8, n_reports=3000, near_repeat=0.5)
    assert (nr.report_cells["origin"] == "near_repeat").mean() > 0.3
    assert (base.report_cells["origin"] == "near_repeat").sum() == 0
    assert abs(len(nr.reports) - len(base.reports)) < 0.15 * len(base.reports)
    assert _near_pair_share(nr) > 1.5 * _near_pair_share(base)


# -- arguments and the command line --------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weeks": 3}, "weeks must be between 8 and 104"),
        ({"end_week": "2026-47"}, "end_week must be an ISO week"),
        ({"end_week": "2026-W60"}, "end_week must be an ISO week"),
        ({"n_reports": 10}, "n_reports must be a whole number >= 1000"),
        ({"near_repeat": 1.5}, "near_repeat must be a branching ratio"),
        ({"broken_share": 0.5}, "broken_share must be between 0 and 0.2"),
        (
            {"planted_per_pattern": 0},
            "planted_per_pattern must be a whole number from 1 to 3",
        ),
        ({"pattern_strength": -1.0}, "pattern_strength must be in"),
        ({"seed": -1}, "seed must be a whole number >= 0"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        make_district(**kwargs)  # type: ignore[arg-type]


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(InputError, match="2 problems") as info:
        make_district(weeks=3, near_repeat=2.0)
    assert len(info.value.problems) == 2


@pytest.mark.parametrize(
    "kwargs",
    [{"seed": "1"}, {"weeks": 16.0}, {"near_repeat": "0.3"}, {"end_week": 47}],
)
def test_wrong_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="must be"):
        make_district(**kwargs)  # type: ignore[arg-type]


def test_write_district_wants_a_district(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="District"):
        write_district("district", tmp_path)  # type: ignore[arg-type]


def test_default_seed_is_the_committed_sample() -> None:
    assert DEFAULT_SEED == 20261122


def test_sample_config_is_the_committed_one(district: District) -> None:
    committed = Path(__file__).resolve().parents[1] / "sample_data" / "hotspots.toml"
    assert sample_config(district) == committed.read_text(encoding="utf-8")


def test_sample_config_runs_the_written_district(
    small: District, tmp_path: Path
) -> None:
    from hotspots.pipeline.config import load_config

    written = write_district(small, tmp_path)
    config = write_sample_config(small, tmp_path)
    assert [*written, config] == sample_paths(small, tmp_path)
    cfg = load_config(config)
    assert [p.name for p in cfg.input.reports] == [
        f"reports_2026W{w}.{'xlsx' if w % 2 else 'csv'}" for w in range(40, 48)
    ]
    for path in (*cfg.input.reports, cfg.boundaries.grid, cfg.boundaries.streets):
        assert path.is_file()
    assert cfg.output_folder == (tmp_path / "maps").resolve()
    lon, lat = cfg.patrol.depots[0]
    metric = small.streets.to_crs(METRIC)
    depot = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(METRIC)[0]
    assert metric.distance(depot).min() < 10  # metres: on a street
    assert "--week 2026-W47" in config.read_text(encoding="utf-8")
