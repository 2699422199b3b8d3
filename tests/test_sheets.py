from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.accountability.sheets import supervision_sheets
from hotspots.errors import InputError

TZ = "Asia/Shanghai"
PHONE = "13912345678"
ID_NUMBER = "370202199001011234"


@pytest.fixture
def ledger() -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(
        {
            "grid_id": ["g2", "g1", "g3"],
            "rank": [2, 1, 3],
            "comebacks": [0, 2, 0],
            "street_name": [
                "江西路",
                f"<script>alert(1)</script>电话{PHONE}",
                "闽江路",
            ],
            "community_id": ["C1", "C1", "C2"],
            "reason_zh": ["连续3周出现乱停车", f"举报人：张三 身份证{ID_NUMBER}", "x"],
        },
        geometry=[
            box(120.30, 36.00, 120.301, 36.001),
            box(120.31, 36.00, 120.311, 36.001),
            box(120.32, 36.00, 120.321, 36.001),
        ],
        crs="EPSG:4326",
    )
    out.attrs["as_of"] = "2026-11-22T23:00:00+08:00"  # Sunday of 2026-W47
    return out


@pytest.fixture
def cases() -> pd.DataFrame:
    # g1: one case in each of W45, W46, W47 and one in W38 (outside 8 weeks)
    times = pd.to_datetime(
        ["2026-11-03 10:00", "2026-11-10 10:00", "2026-11-17 10:00", "2026-09-15 10:00"]
    ).tz_localize(TZ)
    frame = pd.DataFrame(
        {
            "report_id": ["a", "b", "c", "old"],
            "grid_id": ["g1", "g1", "g1", "g1"],
            "reported_at": times,
            "unit_id": ["U1", "U1", "U2", "U1"],
            "unit_name": ["甲单位", "甲单位", "乙单位", "甲单位"],
            "due_at": times + pd.Timedelta(days=3),
            "is_closed": [True, False, False, True],
            "overdue_now": [False, True, False, False],
            "comeback": [False, True, True, False],
            "reporter_phone": [PHONE] * 4,
            "description": [f"请回电{PHONE}", "x", f"身份证{ID_NUMBER}", "y"],
        }
    )
    extra = frame.iloc[[0]].assign(report_id="z", grid_id="g2")
    return pd.concat([frame, extra], ignore_index=True)


def test_sheet_numbers_and_ids(tmp_path, ledger, cases):
    out = supervision_sheets(ledger, cases, folder=tmp_path, top_n=2)
    assert [p.name for p in out.pages] == ["督办单_01_g1.html", "督办单_02_g2.html"]
    assert out.table["排名"].tolist() == [1, 2]
    assert out.table["窗口内案件"].tolist() == [3, 1]
    assert out.table["案件编号"].tolist() == ["a, b, c", "z"]
    book = pd.read_excel(out.workbook, sheet_name=None)
    assert list(book) == ["督办单汇总", "01 g1", "02 g2"]
    g1 = book["01 g1"].set_index("项目")
    assert g1.loc["未到期未结案件", "数值"] == "1"  # c: due, open, not overdue
    assert g1.loc["未到期未结案件", "案件编号"] == "c"
    assert g1.loc["已超期案件", "案件编号"] == "b"
    assert g1.loc["结案后复发", "数值"] == "2"
    assert g1.loc["结案后复发", "案件编号"] == "b, c"
    owners = book["01 g1"][book["01 g1"]["项目"] == "责任单位"]
    assert owners["数值"].tolist() == ["U1 甲单位 (2)", "U2 乙单位 (1)"]
    assert owners["案件编号"].tolist() == ["a, b", "c"]
    weeks = book["01 g1"][book["01 g1"]["项目"].str.startswith("周 ")]
    assert weeks["项目"].tolist() == [f"周 2026-W{k}" for k in range(40, 48)]
    assert weeks["数值"].astype(int).tolist() == [0, 0, 0, 0, 0, 1, 1, 1]
    assert weeks["案件编号"].fillna("").tolist()[-3:] == ["a", "b", "c"]
    page = out.pages[0].read_text(encoding="utf-8")
    assert "2026-W47" in page
    assert "@media print" in page
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert "http" not in page
    assert "<link" not in page


def test_no_personal_data_anywhere(tmp_path, ledger, cases):
    out = supervision_sheets(ledger, cases, folder=tmp_path, language="en")
    files = [*out.pages, out.workbook]
    assert len(files) == 4
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                text = "".join(
                    z.read(n).decode("utf-8", "replace") for n in z.namelist()
                )
        else:
            text = path.read_text(encoding="utf-8")
        assert PHONE not in text, path
        assert ID_NUMBER not in text, path
        assert "张三" not in text, path


def test_without_deadline_columns(tmp_path, ledger, cases):
    slim = cases[["report_id", "grid_id", "reported_at"]]
    out = supervision_sheets(ledger, slim, folder=tmp_path, top_n=1, language="en")
    sheet = pd.read_excel(out.workbook, sheet_name="01 g1").set_index("Item")
    assert sheet.loc["Overdue now", "Value"] == "no deadline data"
    assert sheet.loc["Came back after closing", "Value"] == "2"  # the ledger's count
    assert "Responsible unit" not in sheet.index


def test_bad_input(tmp_path, ledger, cases):
    with pytest.raises(TypeError, match="blind_spots must be a GeoDataFrame"):
        supervision_sheets(pd.DataFrame(ledger), cases, folder=tmp_path)
    with pytest.raises(InputError, match="'rank'"):
        supervision_sheets(ledger.drop(columns="rank"), cases, folder=tmp_path)
    with pytest.raises(InputError, match="top_n must be a whole number >= 1"):
        supervision_sheets(ledger, cases, folder=tmp_path, top_n=0)
    naive = cases.assign(reported_at=cases["reported_at"].dt.tz_localize(None))
    with pytest.raises(InputError, match="timezone-aware"):
        supervision_sheets(ledger, naive, folder=tmp_path)
    with pytest.raises(InputError, match="language"):
        supervision_sheets(ledger, cases, folder=tmp_path, language="fr")  # type: ignore[arg-type]
    assert not np.any([p.suffix == ".html" for p in tmp_path.iterdir()])
