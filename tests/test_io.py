"""Tests of hotspots.read_reports: sources, presets, row problems, invariants."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from hotspots._core import schema
from hotspots._core.crs import gcj02_to_wgs84
from hotspots.errors import CRSError, InputError
from hotspots.read.reports import (
    TIME_ADJUSTED,
    ReadResult,
    read_canonical,
    read_reports,
)

IDS = ["QD001", "QD002", "QD003", "QD004", "QD005"]
LONS = ["120.3812", "120.3851", "120.3907", "120.3733", "120.4011"]
LATS = ["36.0671", "36.0702", "36.0655", "36.0731", "36.0689"]


#: category_code of each row of platform_export(), from its category names.
EXPECTED_CODES = ["09006", "06010", "07001", "09009", "09005"]


def platform_export() -> pd.DataFrame:
    """A small, valid platform export as a CSV reader sees it (all text)."""
    return pd.DataFrame(
        {
            "案件编号": IDS,
            "上报时间": [
                "2026-11-02 08:15:00",
                "2026-11-02 09:30:00",
                "2026-11-03 14:05:10",
                "2026-11-04 07:00:00",
                "2026-11-05 18:45:00",
            ],
            "问题大类": ["街面秩序类", "市容环境类", "宣传广告类", "街面秩序类", None],
            "问题小类": [
                "占道经营",
                "暴露垃圾",
                "非法小广告",
                "机动车乱停放",
                "出店经营",
            ],
            "经度": LONS,
            "纬度": LATS,
            "案件状态": ["已结案", "已派遣", "处置中", "待受理", "返工"],
            "结案时间": ["2026-11-02 10:00:00", None, None, None, None],
            "案件来源": ["巡查员", "12345", "视频监控", "测评", "网格员"],
            "问题描述": [
                "摊贩占道",
                "垃圾未清",
                "电线杆小广告",
                "车辆占人行道",
                "店外摆放",
            ],
            "地址": [
                "香港中路1号",
                "南京路2号",
                "山东路3号",
                "延安三路4号",
                "福州路5号",
            ],
            "上报人": ["张三", None, "李四", None, "王五"],
            "联系电话": ["13800000001", None, "13800000002", None, "053280000000"],
            "返工次数": ["0", "0", "0", "0", "1"],
            "网格编码": ["370202001001001"] * 5,
        },
        dtype="str",
    )


def expected_points() -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(np.array(LONS, float), np.array(LATS, float))


def check_canonical(result: ReadResult, n: int = 5) -> gpd.GeoDataFrame:
    reports = result.reports
    assert isinstance(reports, gpd.GeoDataFrame)
    assert reports.crs.to_epsg() == 4326
    assert len(reports) == n
    assert result.rows_read == n
    assert result.balanced
    assert str(reports[schema.REPORTED_AT].dt.tz) == "Asia/Shanghai"
    assert set(reports[schema.STATUS]) <= set(schema.STATUSES)
    assert set(reports[schema.SOURCE]) <= set(schema.SOURCES)
    assert reports[schema.REPORT_ID].is_unique
    assert (reports.geom_type == "Point").all()
    return reports


# -- sources ---------------------------------------------------------------------


def test_frame_platform_preset_values() -> None:
    result = read_reports(platform_export(), coords="gcj02")
    r = check_canonical(result)
    assert list(r[schema.REPORT_ID]) == IDS
    assert r[schema.REPORTED_AT].iloc[0] == pd.Timestamp(
        "2026-11-02 08:15:00", tz="Asia/Shanghai"
    )
    assert list(r[schema.STATUS]) == [
        "closed",
        "dispatched",
        "dispatched",
        "open",
        "reopened",
    ]
    assert list(r[schema.SOURCE]) == [
        "inspector",
        "hotline",
        "camera",
        "evaluation",
        "inspector",
    ]
    assert list(r[schema.CATEGORY_CODE]) == EXPECTED_CODES
    # 出店经营 is the platform name of 店外经营: category kept as the source says
    assert r[schema.CATEGORY].iloc[4] == "出店经营"
    assert r[schema.CATEGORY_MAJOR].iloc[4] == "街面秩序类"  # from the code
    assert list(r[schema.REOPEN_COUNT]) == [0, 0, 0, 0, 1]
    assert (r[schema.WEIGHT] == 1.0).all()
    assert r[schema.CLOSED_AT].iloc[0] == pd.Timestamp(
        "2026-11-02 10:00:00", tz="Asia/Shanghai"
    )
    assert r[schema.CLOSED_AT].iloc[1:].isna().all()
    assert r[schema.REPORTER_PHONE].iloc[4] == "053280000000"  # leading zero kept
    assert list(r["网格编码"]) == ["370202001001001"] * 5  # extra column kept
    assert "经度" not in r.columns  # consumed into the geometry
    x, y = expected_points()
    np.testing.assert_allclose(r.geometry.x, x, atol=1e-12)
    np.testing.assert_allclose(r.geometry.y, y, atol=1e-12)
    assert result.quarantined.empty


def test_csv_gbk_with_chinese_headers(tmp_path) -> None:
    path = tmp_path / "export.csv"
    platform_export().to_csv(path, index=False, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert list(r[schema.CATEGORY]) == list(platform_export()["问题小类"])


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings_detected(tmp_path, encoding: str) -> None:
    path = tmp_path / "export.csv"
    platform_export().to_csv(path, index=False, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    reference = read_reports(platform_export(), coords="gcj02").reports
    r = check_canonical(read_reports(path, coords="gcj02"))
    pd.testing.assert_frame_equal(
        pd.DataFrame(r).drop(columns="geometry"),
        pd.DataFrame(reference).drop(columns="geometry"),
    )


def test_csv_explicit_encoding(tmp_path) -> None:
    path = tmp_path / "export.csv"
    platform_export().to_csv(path, index=False, encoding="gbk")
    check_canonical(read_reports(path, coords="gcj02", encoding="gbk"))
    with pytest.raises(InputError, match="encoding="):
        read_reports(path, encoding="utf-8")


def test_csv_gbk_beyond_the_sniffed_head(tmp_path) -> None:
    # ASCII for the first 64 KiB, GBK after: read again as GB18030
    n = 3000
    frame = pd.DataFrame(
        {
            "report_id": [f"ID{i}" for i in range(n)],
            "reported_at": "2026-11-02 08:15:00",
            "category": ["other"] * (n - 2) + ["占道经营", "暴露垃圾"],
            "lon": "120.38",
            "lat": "36.07",
        }
    )
    path = tmp_path / "late.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    assert path.read_bytes()[:65536].isascii()
    r = read_reports(path).reports
    assert len(r) == n
    assert r[schema.CATEGORY].iloc[-2:].tolist() == ["占道经营", "暴露垃圾"]
    assert r[schema.CATEGORY_CODE].iloc[-2:].tolist() == ["09006", "06010"]


def test_gbk_columns_decode_like_pandas(tmp_path) -> None:
    # unique descriptions take the join-decode-split path, repeated words the
    # per-unique path, ASCII columns no decoding at all
    n = 40
    frame = pd.DataFrame(
        {
            "案件编号": [f"ID{i}" for i in range(n)],
            "上报时间": "2026-11-02 08:15:00",
            "问题小类": ["占道经营", "暴露垃圾"] * (n // 2),
            "问题描述": [f"第{i}号：路边“摊贩”，请处理" for i in range(n)],
            "经度": "120.38",
            "纬度": "36.07",
            "备注": [None if i % 3 else "空" for i in range(n)],
        }
    )
    path = tmp_path / "gbk.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    raw = read_reports(path, on_error="quarantine").reports
    expected = pd.read_csv(
        path, encoding="gbk", dtype=str, keep_default_na=False, na_values=[""]
    )
    assert raw[schema.DESCRIPTION].tolist() == expected["问题描述"].tolist()
    assert raw["备注"].isna().tolist() == expected["备注"].isna().tolist()
    assert raw["备注"].dropna().tolist() == expected["备注"].dropna().tolist()


def test_decode_falls_back_when_a_value_holds_nul() -> None:
    import pyarrow as pa

    from hotspots.read.reports import _decode

    column = pa.array(
        ["甲\x00乙".encode("gbk"), None] + [f"{i}号".encode("gbk") for i in range(8)],
        pa.binary(),
    )
    assert _decode(column, "gb18030").to_pylist() == ["甲\x00乙", None] + [
        f"{i}号" for i in range(8)
    ]


def test_csv_other_encodings_and_errors(tmp_path) -> None:
    path = tmp_path / "utf16.csv"
    platform_export().to_csv(path, index=False, encoding="utf-16")
    check_canonical(read_reports(path, coords="gcj02", encoding="utf-16"))
    with pytest.raises(InputError, match="Python codec name"):
        read_reports(path, encoding="martian")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        read_reports(empty)
    broken = tmp_path / "broken.csv"
    broken.write_bytes("案件编号,上报时间\n".encode("gbk") + b"\x81\x20,x\n")
    with pytest.raises(InputError, match="could not read"):
        read_reports(broken)


def test_repeated_headers_are_numbered(tmp_path) -> None:
    path = tmp_path / "dup.csv"
    text = (
        "案件编号,上报时间,问题小类,经度,纬度,备注,备注\n"
        "A1,2026-11-02 08:00:00,暴露垃圾,120.38,36.07,x,y\n"
    )
    path.write_text(text, encoding="utf-8")
    r = read_reports(path).reports
    assert r["备注"].tolist() == ["x"]
    assert r["备注.1"].tolist() == ["y"]


def test_xlsx(tmp_path) -> None:
    path = tmp_path / "export.xlsx"
    platform_export().to_excel(path, index=False, sheet_name="案件")
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert list(r[schema.CATEGORY_CODE]) == EXPECTED_CODES
    check_canonical(read_reports(path, coords="gcj02", sheet_name="案件"))


def test_unreadable_files_are_input_errors(tmp_path) -> None:
    frame = platform_export()
    book = tmp_path / "e.xlsx"
    frame.to_excel(book, index=False)
    with pytest.raises(InputError, match=r"with a sheet 'nope' \(sheet_name=None"):
        read_reports(book, coords="gcj02", sheet_name="nope")
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.xlsx'.*an Excel workbook\.$"):
        read_reports(broken)
    layers = tmp_path / "e.gpkg"
    points = gpd.points_from_xy(LONS, LATS, crs=4326)
    gpd.GeoDataFrame(frame, geometry=points).to_file(layers, layer="reports")
    with pytest.raises(InputError, match=r"\.gpkg file with a layer 'nope'"):
        read_reports(layers, layer="nope")
    for name in ("broken.geojson", "broken.parquet"):
        (tmp_path / name).write_text("{nope", encoding="utf-8")
        with pytest.raises(InputError, match=rf"could not read source .*{name}"):
            read_reports(tmp_path / name)


def test_xlsx_typed_cells(tmp_path) -> None:
    frame = platform_export()
    frame["上报时间"] = pd.to_datetime(frame["上报时间"])
    frame["经度"] = frame["经度"].astype(float)
    frame["纬度"] = frame["纬度"].astype(float)
    frame["返工次数"] = frame["返工次数"].astype(int)
    path = tmp_path / "typed.xlsx"
    frame.to_excel(path, index=False)
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert r[schema.REPORTED_AT].iloc[2] == pd.Timestamp(
        "2026-11-03 14:05:10", tz="Asia/Shanghai"
    )


def wgs_points_frame() -> gpd.GeoDataFrame:
    frame = platform_export().drop(columns=["经度", "纬度"])
    x, y = expected_points()
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "parquet"])
def test_spatial_files(tmp_path, suffix: str) -> None:
    gdf = wgs_points_frame()
    path = tmp_path / f"reports.{suffix}"
    if suffix == "parquet":
        gdf.to_parquet(path)
    elif suffix == "gpkg":
        gdf.to_file(path, layer="reports")
    else:
        gdf.to_file(path)
    kwargs = {"layer": "reports"} if suffix == "gpkg" else {}
    r = check_canonical(read_reports(path, **kwargs))
    x, y = expected_points()
    np.testing.assert_allclose(r.geometry.x, x, atol=1e-9)
    np.testing.assert_allclose(r.geometry.y, y, atol=1e-9)
    assert list(r[schema.REPORT_ID]) == IDS


def test_geodataframe_in_memory_and_projected() -> None:
    gdf = wgs_points_frame()
    r = check_canonical(read_reports(gdf))
    np.testing.assert_allclose(r.geometry.x, expected_points()[0], atol=1e-12)
    projected = gdf.to_crs("EPSG:32651")
    r2 = check_canonical(read_reports(projected))
    np.testing.assert_allclose(r2.geometry.x, expected_points()[0], atol=1e-7)
    with pytest.raises(InputError, match="projected CRS"):
        read_reports(projected, coords="gcj02")


def test_geodataframe_gcj02_geometry_is_converted() -> None:
    frame = platform_export().drop(columns=["经度", "纬度"])
    gcj = gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(np.array(LONS, float), np.array(LATS, float)),
        crs=None,
    )
    r = check_canonical(read_reports(gcj, coords="amap"))
    np.testing.assert_allclose(r.geometry.x, expected_points()[0], atol=1e-12)


def test_geometry_problems() -> None:
    gdf = wgs_points_frame()
    gdf.loc[1, "geometry"] = LineString([(120.0, 36.0), (120.1, 36.1)])
    gdf.loc[2, "geometry"] = None
    gdf.loc[3, "geometry"] = Point()
    result = read_reports(gdf, on_error="quarantine")
    reasons = dict(
        zip(
            result.quarantined[schema.ROW_NUMBER],
            result.quarantined[schema.REASON],
            strict=True,
        )
    )
    assert reasons == {
        2: "geometry is not a Point: 'LineString'",
        3: "missing coordinates",
        4: "missing coordinates",
    }
    assert "geometry" in result.quarantined.columns


# -- presets and mapping -----------------------------------------------------------


def test_open311_preset() -> None:
    frame = pd.DataFrame(
        {
            "service_request_id": ["638344", "638349"],
            "status": ["closed", "open"],
            "service_name": ["Graffiti", "Pothole"],
            "service_code": ["006", "001"],
            "requested_datetime": ["2026-11-02T08:15:00+08:00", "2026-11-02T01:00:00Z"],
            "updated_datetime": ["2026-11-03T09:00:00+08:00", "2026-11-02T02:00:00Z"],
            "address": ["8TH AVE and JUDAH ST", "9TH AVE"],
            "lat": [36.07, 36.08],
            "long": [120.38, 120.39],
            "agency_responsible": ["DPW", "DPW"],
        }
    )
    r = check_canonical(read_reports(frame), n=2)
    assert list(r[schema.REPORT_ID]) == ["638344", "638349"]
    assert r[schema.REPORTED_AT].iloc[1] == pd.Timestamp(
        "2026-11-02 09:00", tz="Asia/Shanghai"
    )
    assert list(r[schema.STATUS]) == ["closed", "open"]
    assert r[schema.CLOSED_AT].iloc[0] == pd.Timestamp(
        "2026-11-03 09:00", tz="Asia/Shanghai"
    )
    assert pd.isna(r[schema.CLOSED_AT].iloc[1])  # updated, not closed
    assert list(r[schema.CATEGORY_CODE]) == ["006", "001"]  # local codes kept as given
    assert list(r[schema.CATEGORY]) == ["Graffiti", "Pothole"]
    assert "agency_responsible" in r.columns
    assert "updated_datetime" in r.columns
    np.testing.assert_allclose(r.geometry.x, [120.38, 120.39])


def test_canonical_preset_and_defaults() -> None:
    frame = pd.DataFrame(
        {
            "report_id": ["a", "b"],
            "reported_at": ["2026-11-02 08:00:00", "2026-11-02 09:00:00"],
            "category": ["流浪犬", "占道经营"],
            "lon": [120.38, 120.39],
            "lat": [36.07, 36.08],
            "closed_at": ["2026-11-02 12:00:00", None],
        }
    )
    r = check_canonical(read_reports(frame), n=2)
    assert list(r[schema.STATUS]) == ["closed", "open"]  # no status column
    assert list(r[schema.SOURCE]) == ["other", "other"]  # no source column
    assert pd.isna(r[schema.CATEGORY_CODE].iloc[0])  # no national code for stray dogs
    assert r[schema.CATEGORY_CODE].iloc[1] == "09006"


def test_mapping_wins_over_preset() -> None:
    frame = platform_export()
    frame["发现时间"] = "2026-10-01 00:00:00"
    r = read_reports(frame, coords="gcj02", mapping={"发现时间": "reported_at"}).reports
    assert (
        r[schema.REPORTED_AT] == pd.Timestamp("2026-10-01", tz="Asia/Shanghai")
    ).all()
    assert "上报时间" in r.columns  # the unmapped alias is kept as an extra column
    custom = pd.DataFrame(
        {
            "编号": ["1"],
            "时间": ["2026-11-02 08:00"],
            "类型": ["暴露垃圾"],
            "X": ["120.3"],
            "Y": ["36.1"],
        }
    )
    r2 = read_reports(
        custom,
        mapping={
            "编号": "report_id",
            "时间": "reported_at",
            "类型": "category",
            "X": "lon",
            "Y": "lat",
        },
    ).reports
    assert r2[schema.CATEGORY_CODE].iloc[0] == "06010"


def test_explicit_preset_and_header_normalisation() -> None:
    frame = platform_export().rename(
        columns={"经度": " 经度 ", "案件编号": "案件编号\u3000"}
    )
    r = check_canonical(read_reports(frame, coords="gcj02", preset="platform"))
    assert list(r[schema.REPORT_ID]) == IDS


def test_missing_required_columns_message() -> None:
    frame = platform_export().drop(columns=["上报时间", "纬度"])
    with pytest.raises(
        InputError, match=r"lacks required columns \['reported_at', 'lat'\]"
    ) as err:
        read_reports(frame)
    assert "案件编号" in str(err.value)
    assert "mapping=" in str(err.value)


def test_colliding_extra_column_is_renamed() -> None:
    frame = platform_export()
    frame["status"] = "whatever"
    r = read_reports(frame, coords="gcj02", preset="platform").reports
    assert list(r["status_original"]) == ["whatever"] * 5
    assert r[schema.STATUS].iloc[0] == "closed"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"preset": "excel"}, "preset must be"),
        ({"on_error": "ignore"}, "on_error must be"),
        ({"coords": "mars"}, "coordinate system must be"),
        ({"tz": "Mars/Olympus"}, "tz must be an IANA"),
        ({"mapping": {"案件编号": "id"}}, "unknown canonical names"),
        ({"mapping": {"nope": "report_id"}}, "not in the source"),
        (
            {"mapping": {"案件编号": "report_id", "问题描述": "report_id"}},
            "several columns",
        ),
        ({"mapping": ["案件编号"]}, "mapping must be a dict"),
    ],
)
def test_bad_arguments(kwargs, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_reports(platform_export(), **kwargs)


def test_bad_arguments_are_collected() -> None:
    with pytest.raises(InputError, match="2 problems") as err:
        read_reports(platform_export(), preset="x", on_error="y")
    assert len(err.value.problems) == 2


def test_coords_error_is_crs_error_subclass() -> None:
    assert issubclass(CRSError, InputError)


def test_bad_sources(tmp_path) -> None:
    with pytest.raises(TypeError, match="source must be"):
        read_reports(42)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="does not exist"):
        read_reports(tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported extension"):
        read_reports(tmp_path / "old.xls")


# -- row problems -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"上报时间": "2026-13-45 99:00:00"},
            "unparseable reported_at '2026-13-45 99:00:00'",
        ),
        ({"上报时间": None}, "missing reported_at"),
        ({"上报时间": "  "}, "missing reported_at"),
        ({"经度": None}, "missing coordinates"),
        ({"经度": "abc"}, "non-numeric longitude 'abc'"),
        ({"纬度": "36.0x"}, "non-numeric latitude '36.0x'"),
        ({"经度": "200", "纬度": "36"}, "coordinates out of range (lon=200, lat=36)"),
        (
            {"经度": "120.4", "纬度": "-95"},
            "coordinates out of range (lon=120.4, lat=-95)",
        ),
        (
            {"经度": "36.07", "纬度": "120.38"},
            "longitude and latitude look swapped (lon=36.07, lat=120.38)",
        ),
        (
            {"经度": "36.07", "纬度": "80.38"},
            "longitude and latitude look swapped (lon=36.07, lat=80.38)",
        ),
        ({"案件状态": "外星人来过"}, "unknown status '外星人来过'"),
        (
            {"案件状态": "作废"},
            "void report (not a problem on the street), status '作废'",
        ),
        ({"案件来源": "飞鸽传书"}, "unknown source '飞鸽传书'"),
        ({"案件编号": None}, "missing report_id"),
        ({"案件编号": "QD001"}, "duplicate report_id 'QD001' (first in row 1)"),
        ({"问题小类": None}, "empty category"),
        ({"结案时间": "2026-11-01 00:00:00"}, "closed_at before reported_at"),
        ({"结案时间": "yesterday"}, "unparseable closed_at 'yesterday'"),
        ({"返工次数": "-1"}, "reopen_count must be a whole number >= 0, got '-1'"),
        ({"返工次数": "1.5"}, "reopen_count must be a whole number >= 0, got '1.5'"),
        (
            {"上报时间": "bad", "案件状态": "?"},
            "unparseable reported_at 'bad'; unknown status '?'",
        ),
    ],
)
def test_each_row_problem(changes: dict[str, str | None], reason: str) -> None:
    frame = platform_export()
    for column, value in changes.items():
        frame.loc[2, column] = value
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    assert result.balanced
    assert result.rows_read == 5
    assert len(result.reports) == 4
    q = result.quarantined
    assert list(q[schema.ROW_NUMBER]) == [3]
    assert q[schema.REASON].iloc[0] == reason
    assert list(q.columns) == [*frame.columns, schema.ROW_NUMBER, schema.REASON]
    pd.testing.assert_frame_equal(
        q.drop(columns=[schema.ROW_NUMBER, schema.REASON]), frame.iloc[[2]]
    )
    with pytest.raises(InputError, match="row 3: "):
        read_reports(frame, coords="gcj02")


def test_empty_category_with_unknown_code() -> None:
    frame = platform_export()
    frame["小类编码"] = ["09006", None, "99999", None, None]
    frame.loc[2, "问题小类"] = None
    frame.loc[0, "问题小类"] = None
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    assert result.reports[schema.CATEGORY].iloc[0] == "占道经营"  # name from the code
    assert result.quarantined[schema.REASON].iloc[0] == (
        "empty category (no name, and the code is not in the code table): '99999'"
    )


def test_swapped_rule_needs_china_majority() -> None:
    frame = platform_export()
    # most rows outside China (in Europe): a (36, 80) point is not called swapped
    frame["经度"] = ["2.35", "2.36", "36.07", "2.37", "2.38"]
    frame["纬度"] = ["48.86", "48.85", "80.38", "48.87", "48.88"]
    result = read_reports(frame, on_error="quarantine")
    assert result.quarantined.empty


def test_raise_lists_every_problem_with_row_numbers() -> None:
    frame = platform_export()
    frame.loc[0, "上报时间"] = "nope"
    frame.loc[3, "案件来源"] = "??"
    frame.loc[4, "案件编号"] = "QD002"
    with pytest.raises(InputError) as err:
        read_reports(frame, coords="gcj02")
    message = str(err.value)
    assert "3 of 5 rows have problems" in message
    assert err.value.problems == (
        "row 1: unparseable reported_at 'nope'",
        "row 4: unknown source '??'",
        "row 5: duplicate report_id 'QD002' (first in row 2)",
    )
    assert "on_error='quarantine'" in message


def test_raise_message_is_capped() -> None:
    frame = pd.concat([platform_export()] * 25, ignore_index=True)
    with pytest.raises(InputError, match=r"and 70 more rows") as err:
        read_reports(frame, coords="gcj02")
    assert len(err.value.problems) == 120  # every duplicate after the first five


def test_duplicates_keep_the_first() -> None:
    frame = pd.concat(
        [platform_export(), platform_export().iloc[[1, 1]]], ignore_index=True
    )
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    assert list(result.reports[schema.REPORT_ID]) == IDS
    assert list(result.quarantined[schema.ROW_NUMBER]) == [6, 7]
    assert set(result.quarantined[schema.REASON]) == {
        "duplicate report_id 'QD002' (first in row 2)"
    }


def test_weight_column_and_problems() -> None:
    frame = platform_export()
    frame["weight"] = ["2", "", "x", "-1", "0.5"]
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    assert list(result.reports[schema.WEIGHT]) == [2.0, 1.0, 0.5]
    assert list(result.quarantined[schema.REASON]) == [
        "weight must be a number >= 0, got 'x'",
        "weight must be a number >= 0, got '-1'",
    ]


# -- cleaning, times, categories ------------------------------------------------------


def test_whitespace_and_full_width_are_cleaned() -> None:
    clean = read_reports(platform_export(), coords="gcj02").reports
    messy = platform_export()
    messy["案件编号"] = [f" {i}\t" for i in IDS]
    messy["上报时间"] = [
        "２０２６-１１-０２ ０８:１５:００",
        " 2026/11/2 9:30:00 ",
        "2026年11月3日 14:05:10",
        "2026-11-04T07:00:00+08:00",
        "20261105184500",
    ]
    messy["经度"] = [
        "１２０.３８１２",
        " 120.3851",
        "120.3907 ",
        "\u3000120.3733",
        "120.4011",
    ]
    messy["案件状态"] = [" 已结案 ", "已派遣", "In Progress", "待受理", "返工"]
    messy["返工次数"] = ["０", "0", " 0", "0", "１"]
    r = read_reports(messy, coords="gcj02").reports
    for column in (schema.REPORT_ID, schema.REPORTED_AT, schema.REOPEN_COUNT):
        pd.testing.assert_series_equal(r[column], clean[column])
    assert r.geom_equals_exact(clean.geometry, tolerance=0).all()
    assert r[schema.STATUS].iloc[2] == "dispatched"


def test_time_zones() -> None:
    frame = platform_export()
    frame.loc[0, "上报时间"] = "2026-11-02T00:15:00Z"
    r = read_reports(frame, coords="gcj02", tz="UTC").reports
    assert str(r[schema.REPORTED_AT].dt.tz) == "UTC"
    assert r[schema.REPORTED_AT].iloc[0] == pd.Timestamp("2026-11-02 00:15", tz="UTC")
    assert r[schema.REPORTED_AT].iloc[1] == pd.Timestamp("2026-11-02 09:30", tz="UTC")
    aware = platform_export()
    aware["上报时间"] = pd.to_datetime(aware["上报时间"]).dt.tz_localize("UTC")
    aware["结案时间"] = pd.NaT
    r2 = read_reports(aware, coords="gcj02").reports
    assert r2[schema.REPORTED_AT].iloc[0] == pd.Timestamp(
        "2026-11-02 16:15", tz="Asia/Shanghai"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02 08:15:00", "2026-11-02 08:15:00"),
        ("2026-11-02 08:15", "2026-11-02 08:15:00"),
        ("2026-11-02", "2026-11-02 00:00:00"),
        ("2026-11-02 08:15:00.123456", "2026-11-02 08:15:00.123456"),
        ("2026/11/02 08:15:00.5", "2026-11-02 08:15:00.5"),
        ("2026-11-02T08:15:00", "2026-11-02 08:15:00"),
        ("20261102081500", "2026-11-02 08:15:00"),
        ("2026年11月2日 08:15", "2026-11-02 08:15:00"),
        ("2026-11-02T00:15:00+00:00", "2026-11-02 08:15:00"),
    ],
)
def test_every_documented_time_format(text: str, expected: str) -> None:
    frame = platform_export()
    frame.loc[0, "上报时间"] = text
    r = read_reports(frame, coords="gcj02").reports
    got = r[schema.REPORTED_AT].iloc[0]
    assert got == pd.Timestamp(expected, tz="Asia/Shanghai")


def test_fraction_that_is_not_a_time_is_a_row_problem() -> None:
    frame = platform_export()
    frame.loc[0, "上报时间"] = "2026-11-02 08:15:00.5x"
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    assert list(result.quarantined[schema.REASON]) == [
        "unparseable reported_at '2026-11-02 08:15:00.5x'"
    ]
    assert len(result.reports) == 4


def local_times(times: list[str], tz: str) -> ReadResult:
    frame = big_export(len(times))
    frame["上报时间"] = times
    frame["结案时间"] = None
    return read_reports(frame, coords="gcj02", tz=tz, on_error="quarantine")


@pytest.mark.parametrize(
    ("tz", "ambiguous", "earlier", "nonexistent", "forward"),
    [
        (
            "America/Chicago",
            "2025-11-02 01:30:00",
            "2025-11-02 06:30:00",
            "2025-03-09 02:30:00",
            "2025-03-09 08:30:00",
        ),
        (
            "Europe/Berlin",
            "2025-10-26 02:30:00",
            "2025-10-26 00:30:00",
            "2025-03-30 02:30:00",
            "2025-03-30 01:30:00",
        ),
    ],
)
def test_daylight_saving_times_are_resolved_and_flagged(
    tz: str, ambiguous: str, earlier: str, nonexistent: str, forward: str
) -> None:
    result = local_times(
        [ambiguous, "2025-06-01 12:00:00", nonexistent, "2025-06-01 25:00:00"], tz
    )
    assert result.quarantined[schema.REASON].tolist() == [
        "unparseable reported_at '2025-06-01 25:00:00'"
    ]
    r = result.reports
    utc = r[schema.REPORTED_AT].dt.tz_convert("UTC").dt.tz_localize(None)
    assert utc.tolist() == [
        pd.Timestamp(earlier),
        pd.Timestamp("2025-06-01 12:00:00")
        - pd.Timestamp("2025-06-01 12:00", tz=tz).utcoffset(),
        pd.Timestamp(forward),
    ]
    assert str(r[schema.REPORTED_AT].dt.tz) == tz
    flags = r[TIME_ADJUSTED].tolist()
    assert flags[0] == "reported_at ambiguous (repeated hour), took the earlier offset"
    assert pd.isna(flags[1])
    assert flags[2] == (
        "reported_at nonexistent (skipped hour), moved forward by 0 days 01:00:00"
    )
    # the nonexistent wall time reads one hour later on the clock
    wall = r[schema.REPORTED_AT].iloc[2].tz_localize(None)
    assert wall == pd.Timestamp(nonexistent) + pd.Timedelta(hours=1)


@pytest.mark.parametrize("descending", [False, True])
def test_ambiguous_times_follow_the_file_order(descending: bool) -> None:
    wall = ["00:50", "01:10", "01:50", "01:05", "01:30", "02:10"]
    times = [f"2025-11-02 {t}:00" for t in wall]
    if descending:
        times = times[::-1]
    r = local_times(times, "America/Chicago").reports
    utc = r[schema.REPORTED_AT].dt.tz_convert("UTC").dt.strftime("%H:%M").tolist()
    expected = ["05:50", "06:10", "06:50", "07:05", "07:30", "08:10"]
    assert utc == (expected[::-1] if descending else expected)
    flags = r[TIME_ADJUSTED].fillna("").tolist()
    if descending:
        flags = flags[::-1]
    kinds = [("later" if "later" in f else "earlier") if f else "" for f in flags]
    assert kinds == [
        "",
        "earlier",
        "earlier",
        "later",
        "later",
        "",
    ]
    # unordered: no evidence, the earlier offset
    wall = ["02:10", "01:30", "00:50", "01:05", "03:00", "01:10", "01:50"]
    shuffled = [f"2025-11-02 {t}:00" for t in wall]
    r = local_times(shuffled, "America/Chicago").reports
    assert r[TIME_ADJUSTED].str.contains("earlier").sum() == 4


def test_no_daylight_saving_no_flag_column() -> None:
    times = ["2025-11-02 01:30:00", "2025-03-09 02:30:00"]
    result = local_times(times, "Asia/Shanghai")
    assert result.quarantined.empty
    assert TIME_ADJUSTED not in result.reports.columns
    assert result.reports[schema.REPORTED_AT].dt.hour.tolist() == [1, 2]


def test_daylight_saving_in_typed_and_closed_times() -> None:
    frame = big_export(2)
    frame["上报时间"] = pd.to_datetime(["2025-03-09 02:30:00", "2025-03-09 01:00:00"])
    frame["结案时间"] = ["2025-11-02 01:30:00", None]
    r = read_reports(frame, coords="gcj02", tz="America/Chicago").reports
    assert r[TIME_ADJUSTED].iloc[0] == (
        "reported_at nonexistent (skipped hour), moved forward by 0 days 01:00:00; "
        "closed_at ambiguous (repeated hour), took the earlier offset"
    )
    assert pd.isna(r[TIME_ADJUSTED].iloc[1])


def test_categories_codes_names_and_local() -> None:
    frame = platform_export()
    frame["问题大类"] = ["市容环境", None, None, None, "宣传广告类"]
    frame["问题小类"] = ["乱停车", "流浪犬", "突发事件", None, "道路遗撒(洒)"]
    frame["小类编码"] = [None, None, None, "L001", None]
    local = [
        {
            "code": "L001",
            "name_zh": "流浪犬",
            "name_en": "stray dogs",
            "weight": 3.0,
            "group": "其他事项类",
        }
    ]
    r = read_reports(frame, coords="gcj02", categories=local).reports
    assert r[schema.CATEGORY].tolist() == [
        "乱停车",
        "流浪犬",
        "突发事件",
        "流浪犬",
        "道路遗撒(洒)",
    ]
    codes = r[schema.CATEGORY_CODE]
    assert pd.isna(codes.iloc[0])  # ambiguous colloquial name: no code invented
    assert codes.iloc[1] == "L001"
    assert codes.iloc[3] == "L001"
    assert pd.isna(codes.iloc[2])  # legacy major class: a major, never a code
    assert codes.iloc[4] == "06014"  # half-width brackets match the table's full-width
    majors = r[schema.CATEGORY_MAJOR].tolist()
    assert majors == [
        "市容环境类",
        "其他事项类",
        "突发事件",
        "其他事项类",
        "宣传广告类",
    ]
    assert r[schema.WEIGHT].tolist() == [1.0, 3.0, 1.0, 3.0, 1.0]


def test_input_not_mutated() -> None:
    frame = platform_export()
    frame.index = [10, 20, 30, 40, 50]
    frame.loc[30, "经度"] = "bad"
    before = frame.copy(deep=True)
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    pd.testing.assert_frame_equal(frame, before)
    assert list(result.reports.index) == [10, 20, 40, 50]
    assert list(result.quarantined.index) == [30]
    gdf = wgs_points_frame()
    gdf_before = gdf.copy(deep=True)
    reports = read_reports(gdf).reports
    reports.loc[0, "网格编码"] = "changed"
    pd.testing.assert_frame_equal(gdf, gdf_before)


def test_numeric_extra_columns_are_not_shared() -> None:
    frame = platform_export()
    frame["score"] = np.arange(5.0)
    reports = read_reports(frame, coords="gcj02").reports
    reports.loc[0, "score"] = 99.0
    assert frame["score"].iloc[0] == 0.0


def test_empty_source() -> None:
    result = read_reports(platform_export().iloc[:0], coords="gcj02")
    assert result.rows_read == 0
    assert result.balanced
    assert len(result.reports) == 0
    assert result.reports.crs.to_epsg() == 4326


# -- property: rows read = accepted + quarantined --------------------------------------

CORRUPTIONS = [
    "bad_date",
    "empty_coord",
    "swap",
    "out_of_range",
    "bad_status",
    "dup_id",
    "whitespace",
    "full_width",
]
FULL_WIDTH = str.maketrans("0123456789.-: ", "０１２３４５６７８９．－：\u3000")


def big_export(n: int) -> pd.DataFrame:
    base = platform_export()
    frame = pd.concat([base] * (n // 5 + 1), ignore_index=True).iloc[:n].copy()
    frame["案件编号"] = [f"R{i:04d}" for i in range(n)]
    return frame


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 19), st.sampled_from(CORRUPTIONS)),
        min_size=0,
        max_size=25,
    )
)
def test_rows_read_equals_accepted_plus_quarantined(edits) -> None:
    clean = big_export(20)
    frame = clean.copy()
    harmless: set[int] = set()
    harmful: set[int] = set()
    for row, kind in edits:
        if kind == "bad_date":
            frame.loc[row, "上报时间"] = "2026-02-30 25:61:00"
        elif kind == "empty_coord":
            frame.loc[row, "纬度"] = ""
        elif kind == "swap":
            frame.loc[row, ["经度", "纬度"]] = [
                frame.loc[row, "纬度"],
                frame.loc[row, "经度"],
            ]
        elif kind == "out_of_range":
            frame.loc[row, "经度"] = "181.5"
        elif kind == "bad_status":
            frame.loc[row, "案件状态"] = "未知状态"
        elif kind == "dup_id":
            frame.loc[row, "案件编号"] = "R0000" if row else "R0001"
        elif kind == "whitespace":
            for column in ("案件编号", "上报时间", "经度", "案件状态"):
                value = frame.loc[row, column]
                if isinstance(value, str):
                    frame.loc[row, column] = f"  {value}\t"
            harmless.add(row)
            continue
        else:  # full_width digits and punctuation
            for column in ("上报时间", "经度", "纬度"):
                value = frame.loc[row, column]
                if isinstance(value, str):
                    frame.loc[row, column] = value.translate(FULL_WIDTH)
            harmless.add(row)
            continue
        harmful.add(row)
        if kind == "dup_id":
            harmful.add(0 if row else 1)  # either copy may be the later one
    result = read_reports(frame, coords="gcj02", on_error="quarantine")
    assert result.rows_read == 20
    assert result.rows_read == len(result.reports) + len(result.quarantined)
    assert result.balanced
    q = result.quarantined
    assert list(q.columns) == [*frame.columns, schema.ROW_NUMBER, schema.REASON]
    assert q[schema.REASON].str.len().gt(0).all()
    pd.testing.assert_frame_equal(
        q.drop(columns=[schema.ROW_NUMBER, schema.REASON]), frame.loc[q.index]
    )
    assert list(q[schema.ROW_NUMBER]) == [i + 1 for i in q.index]
    quarantined = set(q.index)
    assert quarantined <= harmful
    # rows only made messy by whitespace or full-width text are accepted unchanged
    reference = read_reports(clean, coords="gcj02").reports
    for row in harmless - harmful:
        assert row in result.reports.index
        got, want = result.reports.loc[row], reference.loc[row]
        assert got[schema.REPORT_ID] == want[schema.REPORT_ID]
        assert got[schema.REPORTED_AT] == want[schema.REPORTED_AT]
        assert got[schema.STATUS] == want[schema.STATUS]
        assert got.geometry.equals_exact(want.geometry, tolerance=0)
    # every row without a harmful edit is accepted
    assert set(range(20)) - harmful <= set(result.reports.index)


def test_plain_parquet_with_lon_lat_columns(tmp_path) -> None:
    path = tmp_path / "plain.parquet"
    platform_export().to_parquet(path)
    r = check_canonical(read_reports(path, coords="gcj02"))
    np.testing.assert_allclose(r.geometry.x, expected_points()[0], atol=1e-12)


def test_bd09_input() -> None:
    from hotspots._core.crs import wgs84_to_bd09

    frame = platform_export()
    x, y = expected_points()
    bx, by = wgs84_to_bd09(x, y)
    frame["经度"] = [f"{v:.10f}" for v in bx]
    frame["纬度"] = [f"{v:.10f}" for v in by]
    r = check_canonical(read_reports(frame, coords="baidu"))
    np.testing.assert_allclose(r.geometry.x, x, atol=1e-8)
    np.testing.assert_allclose(r.geometry.y, y, atol=1e-8)


def test_open311_bad_updated_datetime_matters_only_when_closed() -> None:
    frame = pd.DataFrame(
        {
            "service_request_id": ["1", "2"],
            "status": ["closed", "open"],
            "service_name": ["Graffiti", "Pothole"],
            "requested_datetime": ["2026-11-02T08:15:00+08:00"] * 2,
            "updated_datetime": ["soon", "soon"],
            "lat": [36.07, 36.08],
            "long": [120.38, 120.39],
        }
    )
    result = read_reports(frame, on_error="quarantine")
    assert list(result.reports[schema.REPORT_ID]) == ["2"]
    assert list(result.quarantined[schema.REASON]) == [
        "unparseable updated_datetime 'soon'"
    ]


def test_coords_as_an_epsg_code_are_transformed_to_wgs84():
    to_gk = pyproj.Transformer.from_crs(4326, 4547, always_xy=True)
    x, y = to_gk.transform(120.36, 36.07)
    frame = pd.DataFrame(
        {
            "report_id": ["a", "b"],
            "reported_at": ["2026-11-16 08:00", "2026-11-16 09:00"],
            "category": ["暴露垃圾", "暴露垃圾"],
            "lon": [x, 1e12],
            "lat": [y, 1e12],
        }
    )
    result = read_reports(frame, coords="EPSG:4547", on_error="quarantine")
    point = result.reports.geometry.iloc[0]
    assert point.x == pytest.approx(120.36, abs=1e-9)
    assert point.y == pytest.approx(36.07, abs=1e-9)
    assert result.quarantined["reason"].str.startswith("coordinates out of range").all()
    with pytest.raises(InputError, match="coords must be a CRS pyproj understands"):
        read_reports(frame, coords="EPSG:999999")


# -- robustness (issues 13, 14, 15) ------------------------------------------------


def quarantine(frame: pd.DataFrame, **kwargs) -> ReadResult:
    result = read_reports(frame, coords="gcj02", on_error="quarantine", **kwargs)
    assert result.balanced
    return result


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("上报时间", "2300-01-01T08:00:00Z"),
        ("结案时间", "0001-01-01T00:00:00+08:00"),
        ("上报时间", "1677-09-22 00:00:00"),
        ("上报时间", "2262-04-10 00:00:00"),
        ("上报时间", "1999-12-31 23:59:59"),
        ("上报时间", "2026-12-31 23:59:60"),
        ("上报时间", "9999-12-31 00:00:00.5"),
        ("上报时间", "20991231000000"),
    ],
)
def test_times_out_of_range_are_quarantined(column: str, text: str) -> None:
    frame = platform_export()
    frame.loc[0, column] = text
    result = quarantine(frame)
    reasons = result.quarantined[schema.REASON].tolist()
    assert len(reasons) == 1
    assert reasons[0].startswith("time out of range")
    assert text in reasons[0]
    assert len(result.reports) == 4


def test_time_window_is_configurable() -> None:
    frame = platform_export()
    frame.loc[0, "上报时间"] = "1995-06-01 08:00:00"
    assert len(quarantine(frame).quarantined) == 1
    wide = quarantine(frame, time_window=("1990-01-01", None))
    assert wide.quarantined.empty
    assert wide.reports[schema.REPORTED_AT].iloc[0].year == 1995
    narrow = quarantine(frame, time_window=(None, "2026-11-03"))
    # 2026-11-03 is inclusive: rows 4 (2026-11-04) and 5 (2026-11-05) are late
    assert narrow.quarantined[schema.ROW_NUMBER].tolist() == [1, 4, 5]
    with pytest.raises(InputError, match="time_window"):
        read_reports(frame, time_window=("2026-01-01", "2025-01-01"))
    with pytest.raises(InputError, match="time_window"):
        read_reports(frame, time_window=("soon", None))


def test_out_of_range_typed_times(tmp_path) -> None:
    import datetime as dt

    frame = platform_export()
    frame["结案时间"] = [dt.datetime(9999, 12, 31)] + [None] * 4
    frame["结案时间"] = frame["结案时间"].astype("datetime64[us]")
    result = quarantine(frame)
    assert result.quarantined[schema.REASON].str.startswith("time out of range").all()
    assert len(result.quarantined) == 1
    aware = platform_export()
    aware["上报时间"] = pd.Series(
        [dt.datetime(2300, 1, 1, tzinfo=dt.UTC)] * 5, dtype="datetime64[us, UTC]"
    )
    assert len(quarantine(aware).quarantined) == 5
    path = tmp_path / "far.xlsx"
    book = platform_export()
    book["上报时间"] = [dt.datetime(9999, 12, 31)] + [dt.datetime(2026, 11, 2, 9)] * 4
    book.to_excel(path, index=False)
    result = read_reports(path, coords="gcj02", on_error="quarantine")
    assert result.quarantined[schema.ROW_NUMBER].tolist() == [1]
    assert result.quarantined[schema.REASON].iloc[0].startswith("time out of range")


def test_huge_number_in_a_coordinate_is_a_row_problem(tmp_path) -> None:
    frame = platform_export()
    frame["纬度"] = frame["纬度"].astype(float)
    frame.loc[0, "纬度"] = 1e19
    result = quarantine(frame)
    assert result.quarantined[schema.REASON].tolist() == [
        "coordinates out of range (lon=120.381, lat=1e+19)"
    ]
    frame = platform_export()
    frame.loc[0, "纬度"] = "1e19"
    path = tmp_path / "huge.xlsx"
    frame.to_excel(path, index=False)
    result = read_reports(path, coords="gcj02", on_error="quarantine")
    assert result.quarantined[schema.ROW_NUMBER].tolist() == [1]
    assert "out of range" in result.quarantined[schema.REASON].iloc[0]
    ids = platform_export()
    ids["案件编号"] = [1e19, 2.0, 3.0, 4.0, 5.0]
    assert quarantine(ids).reports[schema.REPORT_ID].tolist()[1:] == [
        "2",
        "3",
        "4",
        "5",
    ]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_line_endings(tmp_path, ending: str) -> None:
    path = tmp_path / "mac.csv"
    text = platform_export().to_csv(index=False, lineterminator=ending)
    path.write_bytes(text.encode("gbk"))
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert r[schema.REPORT_ID].tolist() == IDS


def multiline_export(n: int) -> pd.DataFrame:
    frame = big_export(n)
    frame["问题描述"] = [f"第{i}行\n摊贩占道，\r\n已劝离" for i in range(n)]
    frame["结案时间"] = None
    return frame


@pytest.mark.parametrize("n", [10_000, pytest.param(100_000, marks=pytest.mark.slow)])
@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_quoted_line_breaks_in_large_files(tmp_path, n: int, encoding: str) -> None:
    frame = multiline_export(n)
    path = tmp_path / "multi.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    result = read_reports(path, coords="gcj02")
    assert result.rows_read == n
    assert len(result.reports) == n
    description = result.reports[schema.DESCRIPTION]
    assert description.iloc[n - 1] == f"第{n - 1}行\n摊贩占道，\r\n已劝离"


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
def test_malformed_lines_are_quarantined(tmp_path, encoding: str) -> None:
    frame = platform_export()
    frame["问题描述"] = ["摊贩\n占道", "b", "c", "d", "e"]
    lines = frame.to_csv(index=False).split("\n")
    # line 1 header, lines 2-3 row 1 (a quoted line break), line 4 row 2 ...
    lines[3] = lines[3] + ",extra"  # row 2 gets a 16th field
    lines.insert(5, "stray text")  # between rows 3 and 4
    lines.insert(6, "")  # a blank line is not a row
    path = tmp_path / "broken.csv"
    path.write_bytes("\n".join(lines).encode(encoding))
    result = read_reports(
        path, coords="gcj02", on_error="quarantine", encoding=encoding
    )
    assert result.rows_read == 6
    assert result.balanced
    q = result.quarantined
    assert q[schema.ROW_NUMBER].tolist() == [2, 4]
    assert q[schema.REASON].tolist() == [
        "malformed line 4: expected 15 fields, got 16 (extra: 'extra')",
        "malformed line 6: expected 15 fields, got 1",
    ]
    assert q["案件编号"].tolist() == ["QD002", "stray text"]
    assert result.reports[schema.REPORT_ID].tolist() == [
        "QD001",
        "QD003",
        "QD004",
        "QD005",
    ]
    assert result.reports.index.tolist() == [0, 2, 4, 5]
    assert result.reports[schema.DESCRIPTION].iloc[0] == "摊贩\n占道"
    with pytest.raises(InputError, match=r"row 4: malformed line 6") as err:
        read_reports(path, coords="gcj02", encoding=encoding)
    assert "encoding" not in str(err.value)


def test_unterminated_quote_is_a_malformed_line(tmp_path) -> None:
    path = tmp_path / "quote.csv"
    text = platform_export().to_csv(index=False) + '"QD009,never closed\n'
    path.write_text(text, encoding="utf-8")
    result = read_reports(path, coords="gcj02", on_error="quarantine")
    assert result.balanced
    assert len(result.reports) == 5
    assert result.quarantined[schema.REASON].str.startswith("malformed line 7").all()


def titled_book(path, title_rows: int = 1) -> pd.DataFrame:
    frame = platform_export()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, startrow=title_rows)
        sheet = writer.sheets["Sheet1"]
        sheet["A1"] = "市南区城市管理问题台账 2026年11月"
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=16)
    return frame


def test_excel_title_row_above_the_header(tmp_path) -> None:
    path = tmp_path / "titled.xlsx"
    titled_book(path)
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert list(r[schema.CATEGORY_CODE]) == EXPECTED_CODES
    check_canonical(read_reports(path, coords="gcj02", header_row=2))
    with pytest.raises(InputError, match=r"header_row"):
        read_reports(path, coords="gcj02", header_row=1)
    with pytest.raises(InputError, match=r"header_row"):
        read_reports(path, header_row=0)


def test_csv_title_line_above_the_header(tmp_path) -> None:
    path = tmp_path / "titled.csv"
    text = "市南区城市管理问题台账 2026年11月\n" + platform_export().to_csv(index=False)
    path.write_text(text, encoding="utf-8")
    result = read_reports(path, coords="gcj02")
    check_canonical(result)
    check_canonical(read_reports(path, coords="gcj02", header_row=2))


def test_excel_text_cells_keep_leading_zeros(tmp_path) -> None:
    frame = platform_export()
    frame["案件编号"] = ["0123", "00123", "123", "QD4", "5"]
    frame["小类编码"] = ["09006", "06010", "07001", "09009", "09005"]
    frame["网格编码"] = ["0370202001"] * 5
    path = tmp_path / "zeros.xlsx"
    frame.to_excel(path, index=False)
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert r[schema.REPORT_ID].tolist() == ["0123", "00123", "123", "QD4", "5"]
    assert r[schema.CATEGORY_CODE].tolist() == [
        "09006",
        "06010",
        "07001",
        "09009",
        "09005",
    ]
    assert r["网格编码"].tolist() == ["0370202001"] * 5
    # ids typed as numbers read as their digits
    frame["案件编号"] = [101, 102, 103, 104, 105]
    frame.to_excel(path, index=False)
    r = check_canonical(read_reports(path, coords="gcj02"))
    assert r[schema.REPORT_ID].tolist() == ["101", "102", "103", "104", "105"]


def test_config_input_keys_for_header_row_and_time_window(tmp_path) -> None:
    from hotspots.pipeline.config import config_from_dict

    raw = {
        "input": {
            "reports": "a.xlsx",
            "header_row": 2,
            "time_window": ["2015-01-01", ""],
        }
    }
    cfg = config_from_dict(raw, base=tmp_path)
    assert cfg.input.header_row == 2
    assert cfg.input.time_window == ("2015-01-01", None)
    path = tmp_path / "titled.xlsx"
    titled_book(path)
    result = read_reports(
        path,
        coords="gcj02",
        header_row=cfg.input.header_row,
        time_window=cfg.input.time_window,
    )
    check_canonical(result)
    for key, value, expected in [
        ("header_row", 0, "whole number >= 1"),
        ("time_window", ["2015-01-01"], "pair of dates"),
        ("time_window", ["soon", ""], "pair of dates"),
    ]:
        bad = {"input": {"reports": "a.csv", key: value}}
        with pytest.raises(InputError, match=expected):
            config_from_dict(bad, base=tmp_path)


# -- the internal step without points ------------------------------------------------

SAMPLE_EXPORT = (  # one of the sample district's weekly exports (GBK CSV)
    Path(__file__).resolve().parents[1]
    / "sample_data"
    / "exports"
    / "reports_2026W36.csv"
)


def _sources(tmp_path: Path) -> list[tuple[object, dict[str, object]]]:
    """The sample export and the fixtures of this file, with their arguments."""
    bad = platform_export()
    bad.index = [10, 20, 30, 40, 50]
    bad.loc[20, "经度"] = "x"
    bad.loc[40, "上报时间"] = "nope"
    bad.loc[50, "案件编号"] = "QD001"
    broken = tmp_path / "broken.csv"
    lines = platform_export().to_csv(index=False).split("\n")
    lines[2] += ",extra"
    broken.write_text("\n".join(lines), encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    big_export(300).to_csv(gbk, index=False, encoding="gbk")
    odd = wgs_points_frame()
    odd.loc[1, "geometry"] = LineString([(120.0, 36.0), (120.1, 36.1)])
    odd.loc[2, "geometry"] = None
    dst = pd.DataFrame(
        {
            "report_id": ["a", "b", "c"],
            "reported_at": ["2025-11-02 01:30", "2025-11-02 01:10", "2025-03-09 02:30"],
            "category": ["占道经营"] * 3,
            "lon": [120.38] * 3,
            "lat": [36.07] * 3,
            "geometry": ["x", "y", "z"],  # an extra column named geometry
        }
    )
    quarantine = {"on_error": "quarantine"}
    return [
        (SAMPLE_EXPORT, {"coords": "gcj02", **quarantine}),
        (platform_export(), {"coords": "gcj02"}),
        (bad, {"coords": "gcj02", **quarantine}),
        (broken, {"coords": "gcj02", **quarantine}),
        (gbk, {"coords": "bd09"}),
        (wgs_points_frame().to_crs("EPSG:32651"), {}),
        (odd, quarantine),
        (dst, {"tz": "America/Chicago", "time_window": ("2020-01-01", "2026-01-01")}),
        (platform_export().iloc[:0], {"coords": "gcj02"}),
    ]


def test_read_reports_is_the_canonical_step_plus_points(tmp_path: Path) -> None:
    """read_reports = the internal step's frame with Points at its lon/lat."""
    for source, kwargs in _sources(tmp_path):
        canonical = read_canonical(source, **kwargs)  # type: ignore[arg-type]
        result = read_reports(source, **kwargs)  # type: ignore[arg-type]
        reports = result.reports
        assert not isinstance(canonical.frame, gpd.GeoDataFrame)
        assert schema.GEOMETRY not in canonical.frame.columns
        assert reports.geometry.name == schema.GEOMETRY
        assert reports.crs.to_epsg() == 4326
        pd.testing.assert_frame_equal(
            pd.DataFrame(reports.drop(columns=schema.GEOMETRY)), canonical.frame
        )
        assert list(reports.columns) == [*canonical.frame.columns, schema.GEOMETRY]
        assert canonical.lon.dtype == np.float64
        assert canonical.lat.dtype == np.float64
        np.testing.assert_array_equal(reports.geometry.x.to_numpy(), canonical.lon)
        np.testing.assert_array_equal(reports.geometry.y.to_numpy(), canonical.lat)
        pd.testing.assert_frame_equal(result.quarantined, canonical.quarantined)
        assert result.rows_read == canonical.rows_read
        assert gpd.GeoDataFrame(
            canonical.frame,
            geometry=gpd.points_from_xy(canonical.lon, canonical.lat),
            crs="EPSG:4326",
        ).equals(reports)


def test_canonical_step_raises_as_read_reports() -> None:
    bad = platform_export()
    bad.loc[1, "经度"] = "x"
    for read in (read_reports, read_canonical):
        with pytest.raises(InputError, match=r"row 2: non-numeric longitude 'x'"):
            read(bad, coords="gcj02")  # type: ignore[operator]
