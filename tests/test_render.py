"""The weekly map: content, offline assets, safety and validation (no browser)."""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import sys
import warnings
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from hotspots._core import labels
from hotspots._core.crs import wgs84_to_gcj02
from hotspots._core.privacy import mask_personal
from hotspots.errors import CRSError, InputError
from hotspots.render.assets import ASSET_URLS, asset_text, inline_assets
from hotspots.render.weekly_map import (
    AMAP_URL,
    OSM_URL,
    MapStyle,
    save_map,
    weekly_map,
)


def _load_fixtures():
    """Load the fixture district of tests/browser/conftest.py (shared)."""
    path = Path(__file__).parent / "browser" / "conftest.py"
    spec = importlib.util.spec_from_file_location("hotspots_map_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_fx = _load_fixtures()
FREE_TEXT_ID = _fx.FREE_TEXT_ID
FREE_TEXT_LANDLINE = _fx.FREE_TEXT_LANDLINE
FREE_TEXT_PHONE = _fx.FREE_TEXT_PHONE
SECRET_ID = _fx.SECRET_ID
SECRET_NAME = _fx.SECRET_NAME
SECRET_PHONE = _fx.SECRET_PHONE
XSS_PAYLOADS = _fx.XSS_PAYLOADS
make_district = _fx.make_district


@pytest.fixture(scope="module")
def district():
    return make_district()


@pytest.fixture(scope="module")
def offline_map(district):
    """The fixture district's map without tiles (built once, not changed by tests)."""
    return weekly_map(**district, style=MapStyle(tiles="none"))


@pytest.fixture(scope="module")
def offline_payload(offline_map):
    return payload(offline_map)


@pytest.fixture(scope="module")
def xss_district():
    return make_district(xss=True)


def payload(m: folium.Map) -> dict:
    """The data object the page holds, parsed back from the rendered HTML."""
    page = m.get_root().render()
    found = re.findall(
        r'<script type="application/json" id="hotspots_data_\w+">(.*?)</script>', page
    )
    assert len(found) == 1
    return json.loads(found[0])


REMOTE = re.compile(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|ftp:|wss?:", re.IGNORECASE)


def decode(column: dict) -> list:
    """A dictionary-encoded column of the page data, decoded."""
    return [column["k"][c] if c >= 0 else None for c in column["v"]]


def render(m: folium.Map) -> str:
    return m.get_root().render()


def without_assets(page: str) -> str:
    """The page with the text of every shipped asset removed."""
    for name in {*ASSET_URLS.values(), "hotspots_map.js", "hotspots_map.css"}:
        page = page.replace(asset_text(name), "")
    return page


# ------------------------------------------------------------------------ content
def test_empty_map_has_only_leaflet():
    m = weekly_map(style=MapStyle(tiles="none"))
    assert isinstance(m, folium.Map)
    page = render(m)
    assert page.count("<script src=") == 1
    assert "jquery" not in page.lower()
    assert "bootstrap" not in page.lower()


def test_every_layer_is_drawn(offline_map, district):
    m = offline_map
    page = render(m)
    words = labels.map_labels("zh")
    for key in (
        "layer_grid",
        "layer_streets",
        "layer_heat",
        "layer_weekly",
        "layer_emerging",
        "layer_gi",
        "layer_clusters",
        "layer_blind_spots",
        "layer_patrol",
    ):
        assert json.dumps(words[key]) in page or words[key] in page, key
    n_categories = district["reports"]["category"].nunique()
    assert page.count("window.HotspotsMap.reportLayer(") == n_categories


def test_only_units_with_something_to_show(district, offline_payload):
    d = offline_payload
    gi, emerging, blind = district["gi"], district["emerging"], district["blind_spots"]
    sig = set(gi.loc[gi["gi_class"] != 0, "grid_id"])
    pat = set(emerging.loc[emerging["pattern"] != "no_pattern", "grid_id"])
    top = set(blind.loc[(blind["rank"] <= 30) & (blind["score"] > 0), "grid_id"])
    assert set(d["units"]["id"]) == sig | pat | top
    assert len(d["units"]["geoms"]) == len(sig | pat | top) < len(gi)
    g = dict(zip(d["units"]["id"], d["units"]["g"], strict=True))
    expected = dict(zip(gi["grid_id"], gi["gi_class"], strict=True))
    assert all(g[k] == expected[k] for k in g)


def test_geometry_passed_once_rounded_and_styled_in_js(district):
    page = render(weekly_map(**district, style=MapStyle(tiles="osm")))
    decimals = re.findall(r"\d+\.(\d+)", page.split('id="hotspots_data_')[1])
    assert decimals
    assert max(len(x) for x in decimals) <= 6
    assert "switch" not in without_assets(page)
    # each unit's geometry appears once although it is in three layers
    d = payload(weekly_map(**district, style=MapStyle(tiles="osm")))
    first = json.dumps(d["units"]["geoms"][0], separators=(",", ":"))
    assert page.count(first) == 1


def test_popup_fields(district, offline_payload):
    d = offline_payload
    u = d["units"]
    cube = district["cube"]
    i = u["id"].index(cube.index[-1])
    assert u["s"][i] == cube.loc[cube.index[-1]].tolist()
    # top categories of the hottest cell come from its reports
    reps = district["reports"]
    counts = reps[reps["grid_id"] == u["id"][i]]["category"].value_counts()
    pairs = zip(u["tc"][i], u["tn"][i], strict=True)
    top = [(d["categories"][c], n) for c, n in pairs if c >= 0]
    assert top[0][1] == counts.iloc[0]
    assert top[0][0] in set(counts.index[counts == counts.iloc[0]])
    assert [n for _, n in top] == sorted((n for _, n in top), reverse=True)
    assert len(top) <= 3
    ev_titles = [e[0] for e in u["ev"]]
    assert (
        ev_titles == ["n_reports", "n_reopened", "share_outside"]
        or "问题数" in ev_titles
    )
    assert "反复返工" in decode(u["why"])[u["r"].index(1)]
    assert u["names"][0][0] == labels.map_labels("zh")["community_id"]
    assert set(decode(u["names"][0][1])) == {"370202001002"}


def test_categorised_cube(district):
    """A cube with (category, period) columns: totals and top categories from it."""
    reps = district["reports"]
    cube = district["cube"]
    by_cat = (
        pd.crosstab(reps["grid_id"], reps["category"]).reindex(cube.index).fillna(0)
    )
    parts = {c: cube.mul(0).assign(**{cube.columns[-1]: by_cat[c]}) for c in by_cat}
    multi = pd.concat(parts, axis=1, names=["category", "period"]).astype(int)
    d = payload(weekly_map(gi=district["gi"], cube=multi, style=MapStyle(tiles="none")))
    u = d["units"]
    i = u["id"].index(cube.index[-1])
    assert u["s"][i][-1] == int(by_cat.loc[cube.index[-1]].sum())
    best = by_cat.loc[cube.index[-1]].max()
    assert u["tn"][i][0] == best
    assert d["categories"][u["tc"][i][0]] in set(
        by_cat.columns[by_cat.loc[cube.index[-1]] == best]
    )


def test_english_labels(district):
    m = weekly_map(**district, style=MapStyle(tiles="none", language="en"))
    page = render(m)
    assert "Hot and cold spots (Gi*)" in page
    assert "冷热点分析" not in page
    d = payload(m)
    assert d["labels"]["layer_gi"] == "Hot and cold spots (Gi*)"
    assert "Reopened" in decode(d["units"]["why"])[d["units"]["r"].index(1)]


def test_legend_states_the_settings(district):
    style = MapStyle(
        tiles="none", alpha=0.01, fdr=False, trend_alpha=0.1, language="en"
    )
    page = render(weekly_map(**district, style=style))
    assert "Significance α=0.01, no FDR correction; trend test α=0.1" in page
    assert labels.GI_CLASSES[3]["en"] in page
    assert labels.PATTERNS["persistent_hot"]["en"] in page


def test_weekly_counts_are_sparse_and_exact(district):
    cube = district["cube"]
    d = payload(weekly_map(**district, style=MapStyle(tiles="none", time_weeks=4)))
    w = d["weekly"]
    assert w["periods"] == list(cube.columns[-4:])
    # cells are the cube's cells with a report in the window, in cube order
    window = cube[w["periods"]]
    active = window.index[(window > 0).any(axis=1)]
    lat = np.cumsum(w["dlat"]) / w["scale"]
    lon = np.cumsum(w["dlon"]) / w["scale"]
    cells = district["grid"].set_index("grid_id").loc[active].geometry.values
    cent = shapely.get_coordinates(shapely.centroid(cells))
    np.testing.assert_allclose(lat, cent[:, 1], atol=1e-6)
    np.testing.assert_allclose(lon, cent[:, 0], atol=1e-6)
    for k, period in enumerate(w["periods"]):
        cells = np.cumsum(w["idx"][k])
        got = pd.Series(w["n"][k], index=active[cells])
        want = cube[period][cube[period] > 0]
        pd.testing.assert_series_equal(
            got.sort_index(), want.sort_index().astype(got.dtype), check_names=False
        )
    assert w["total"][-1] == cube[cube.columns[-1]].sum()


def test_week_selects_the_time_window(district):
    d = payload(
        weekly_map(**{**district, "week": "2026-W40"}, style=MapStyle(tiles="none"))
    )
    assert d["weekly"]["periods"][-1] == "2026-W40"
    assert d["periods"][d["week"]] == "2026-W40"


def test_segments_as_units():
    seg = gpd.GeoDataFrame(
        {"segment_id": ["S1-000", "S1-001"], "street_name": ["南京路", "南京路"]},
        geometry=[
            LineString([(120.38, 36.07), (120.381, 36.07)]),
            LineString([(120.381, 36.07), (120.382, 36.07)]),
        ],
        crs="EPSG:4326",
    )
    gi = seg.assign(gi_z=[3.0, 0.1], gi_p=[0.001, 0.9], gi_class=[3, 0])
    d = payload(weekly_map(gi=gi, style=MapStyle(tiles="none")))
    assert d["units"]["id"] == ["S1-000"]
    assert d["units"]["geoms"][0]["type"] == "LineString"
    assert decode(d["units"]["names"][0][1]) == ["南京路"]


def test_projected_input_is_drawn_in_wgs84(grid3x3):
    gi = grid3x3.assign(gi_z=1.0, gi_p=0.01, gi_class=[0] * 8 + [3])
    d = payload(weekly_map(gi=gi, style=MapStyle(tiles="none")))
    lon, lat = d["units"]["geoms"][0]["coordinates"][0][0]
    assert 122.9 < lon < 123.1
    assert 36 < lat < 36.1


def test_inputs_are_not_changed(district):
    before = {k: v.copy() for k, v in district.items() if isinstance(v, pd.DataFrame)}
    weekly_map(**district, style=MapStyle(tiles="amap"))
    for k, frame in before.items():
        pd.testing.assert_frame_equal(frame, district[k])


def test_adds_to_an_existing_map(district):
    base = folium.Map(tiles=None)
    m = weekly_map(gi=district["gi"], m=base, style=MapStyle(tiles="none"))
    assert m is base
    assert "window.HotspotsMap.unitLayer(" in render(m)


def test_missing_geometry_is_counted_in_a_warning(district):
    reports = district["reports"].copy()
    reports.loc[reports.index[:3], "geometry"] = None
    with pytest.warns(UserWarning, match="3 row"):
        d = payload(weekly_map(reports=reports, style=MapStyle(tiles="none")))
    assert len(d["reports"]["lat"]) == len(reports) - 3


# ---------------------------------------------------------------------- coordinates
def test_amap_shifts_every_overlay_to_gcj02(district):
    m = weekly_map(**district, style=MapStyle(tiles="amap"))
    d = payload(m)
    stops = district["plan"].stops
    lon, lat = wgs84_to_gcj02(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy())
    np.testing.assert_allclose(d["patrol"]["stops"]["lon"], lon, atol=1e-6)
    np.testing.assert_allclose(d["patrol"]["stops"]["lat"], lat, atol=1e-6)
    reps = district["reports"]
    rlon, rlat = wgs84_to_gcj02(reps.geometry.x.to_numpy(), reps.geometry.y.to_numpy())
    np.testing.assert_allclose(d["reports"]["lon"], rlon, atol=1e-6)
    np.testing.assert_allclose(d["reports"]["lat"], rlat, atol=1e-6)
    assert AMAP_URL.replace("&", "\\u0026") in render(m)
    osm = payload(weekly_map(**district, style=MapStyle(tiles="osm")))
    np.testing.assert_allclose(
        osm["patrol"]["stops"]["lon"], stops.geometry.x, atol=1e-6
    )


# ---------------------------------------------------------------------- save_map
def test_save_map_is_self_contained_offline(offline_map, district, tmp_path):
    path = save_map(offline_map, tmp_path / "m.html")
    page = path.read_text(encoding="utf-8")
    assert "<script src=" not in page
    assert "<link " not in page
    assert "L.markerClusterGroup" in page
    assert "simpleheat" in page
    assert "url(data:image/png;base64," in page
    assert not REMOTE.search(without_assets(page))
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


@pytest.mark.parametrize(("tiles", "url"), [("osm", OSM_URL), ("amap", AMAP_URL)])
def test_only_the_tile_url_is_remote(district, tmp_path, tiles, url):
    path = save_map(
        weekly_map(**district, style=MapStyle(tiles=tiles)), tmp_path / "m.html"
    )
    rest = without_assets(path.read_text(encoding="utf-8"))
    assert url.replace("&", "\\u0026") in rest
    assert not REMOTE.search(rest.replace(url.replace("&", "\\u0026"), ""))


def test_save_map_replaces_atomically(offline_map, district, tmp_path, monkeypatch):
    target = tmp_path / "m.html"
    target.write_text("old", encoding="utf-8")
    m = offline_map

    def boom(*args, **kwargs):
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_map(m, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]
    monkeypatch.undo()
    save_map(m, str(target))
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_save_map_drops_unused_folium_defaults(tmp_path):
    m = folium.Map(tiles=None)
    folium.CircleMarker([36.07, 120.38], radius=5).add_to(m)
    page = save_map(m, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "<script src=" not in page
    assert "<link " not in page
    assert not REMOTE.search(without_assets(page))


def test_save_map_inlines_folium_plugins_it_ships(tmp_path):
    m = folium.Map(tiles=None)
    folium.plugins.FastMarkerCluster(
        [[36.07, 120.38], [36.08, 120.39]],
        callback="function (row) { return L.circleMarker([row[0], row[1]]); }",
    ).add_to(m)
    folium.plugins.HeatMap([[36.07, 120.38, 1.0]]).add_to(m)
    page = save_map(m, tmp_path / "plugins.html").read_text(encoding="utf-8")
    assert not REMOTE.search(without_assets(page))


def test_save_map_refuses_assets_it_cannot_inline(tmp_path):
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(InputError, match="cannot be saved for offline use"):
        save_map(m, tmp_path / "x.html")
    m2 = folium.Map(tiles=None)
    folium.Marker([36.07, 120.38], icon=folium.Icon(icon="cloud")).add_to(m2)
    with pytest.raises(InputError, match="awesome"):
        save_map(m2, tmp_path / "y.html")
    assert list(tmp_path.iterdir()) == []


def test_save_map_validates(tmp_path):
    m = weekly_map(style=MapStyle(tiles="none"))
    with pytest.raises(InputError, match=r"end in \.html"):
        save_map(m, tmp_path / "m.txt")
    with pytest.raises(InputError, match="folder must exist"):
        save_map(m, tmp_path / "missing" / "m.html")
    with pytest.raises(InputError, match="2 problems"):
        save_map(m, tmp_path / "missing" / "m.txt")
    with pytest.raises(TypeError, match=r"folium\.Map"):
        save_map("<html>", tmp_path / "m.html")


def test_inline_assets_escapes_closing_tags():
    assert "</script" not in asset_text("leaflet.js").lower()
    page = inline_assets('<script src="' + next(iter(ASSET_URLS)) + '"></script>')
    assert page.count("</script>") == 1


# ---------------------------------------------------------------------- safety
def test_personal_data_never_in_the_page(offline_map, district, tmp_path):
    path = save_map(offline_map, tmp_path / "m.html")
    page = path.read_text(encoding="utf-8")
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_ID, FREE_TEXT_PHONE, FREE_TEXT_ID):
        assert secret not in page
    assert "83334444" not in page
    assert FREE_TEXT_LANDLINE not in page
    assert labels.map_labels("zh")["masked"] in page


def test_configured_private_columns_are_left_out(district):
    style = MapStyle(tiles="none", private_columns=("address", "description"))
    page = render(weekly_map(**district, style=style))
    assert "香港中路17号" not in page
    assert "路边有问题" not in page
    assert "香港中路17号" in render(
        weekly_map(**district, style=MapStyle(tiles="none"))
    )


def test_report_text_is_escaped_everywhere(xss_district, tmp_path):
    m = weekly_map(**xss_district, style=MapStyle(tiles="none", max_text_chars=200))
    page = save_map(m, tmp_path / "x.html").read_text(encoding="utf-8")
    rest = without_assets(page)
    for p in XSS_PAYLOADS:
        if "<" in p or ">" in p:
            assert p not in page
    assert "<img src=x" not in rest
    assert "<svg onload" not in rest.lower()
    assert rest.lower().count("</script>") == len(
        re.findall(r"<script\b", rest.lower())
    )
    assert "\u2028" not in page
    d = payload(m)
    # the data holds the HTML-escaped text, shown as text by the browser
    escaped = "&lt;img src=x onerror=&quot;window.__pwned=1;alert(1)&quot;&gt;"
    assert escaped in d["reports"]["d"]
    assert any("&lt;/script&gt;" in c for c in d["categories"])
    # report text is never evaluated as a Jinja template (branca compiles macro output)
    assert "&#123;&#123;7*7&#125;&#125;$&#123;alert(8)&#125;" in d["categories"]
    assert "49$" not in page
    # no payload reaches the page as markup, even JSON-encoded for innerHTML
    for tag in (
        "img src=x",
        "svg onload",
        "iframe",
        "a href=",
        "/script\\u003e\\u003cscript",
    ):
        assert "\\u003c" + tag not in rest.lower(), tag
    # layer-control names (innerHTML in Leaflet) are escaped too
    assert "\\u0026lt;img src=x onerror" in rest


def test_mask_personal():
    text = pd.Series(
        [
            "电话13812345678，身份证11010119900307123X",
            "tel:0532-88776655 or (010)12345678",
            "+86 138 1234 5678",
            "grid 370202001002003",
            "order 20261118123456789012",
            "１３８１２３４５６７８",
            "400-800-1234",
            "2026年11月18日 3 件",
            None,
        ]
    )
    got = mask_personal(text).tolist()
    assert got[:3] == ["电话***，身份证***", "tel:*** or ***", "***"]
    assert got[3:5] == ["grid 370202001002003", "order 20261118123456789012"]
    assert got[5:8] == ["***", "***", "2026年11月18日 3 件"]
    assert got[8] is pd.NA
    with pytest.raises(TypeError, match="pandas Series"):
        mask_personal("13812345678")


# ---------------------------------------------------------------------- validation
def test_validation_collects_every_problem(district):
    gi = district["gi"].drop(columns=["gi_z"])
    blind = district["blind_spots"].drop(columns=["rank"])
    with pytest.raises(InputError, match="2 problems") as err:
        weekly_map(gi=gi, blind_spots=blind)
    assert "gi must have the columns" in str(err.value)
    assert "blind_spots must have the columns" in str(err.value)


def test_validation_errors(district):
    with pytest.raises(InputError, match="week must be a period of cube"):
        weekly_map(cube=district["cube"], week="2030-W01")
    with pytest.raises(InputError, match=r"style\.tiles"):
        weekly_map(style=MapStyle(tiles="google"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"style\.language"):
        weekly_map(style=MapStyle(language="fr"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"style\.layers"):
        weekly_map(style=MapStyle(layers=("gi", "radar")))
    with pytest.raises(InputError, match=r"style\.alpha"):
        weekly_map(style=MapStyle(alpha=5))
    with pytest.raises(InputError, match=r"style\.time_weeks"):
        weekly_map(style=MapStyle(time_weeks=0))
    with pytest.raises(InputError, match=r"style\.max_blind_spots"):
        weekly_map(style=MapStyle(max_blind_spots=0))
    no_crs = gpd.GeoDataFrame({"category": ["a"]}, geometry=[Point(0, 0)])
    with pytest.raises(InputError, match="reports must have a CRS"):
        weekly_map(reports=no_crs)
    with pytest.raises(InputError, match="reports must have the columns"):
        weekly_map(reports=district["reports"].drop(columns=["category"]))


def test_type_errors(district):
    with pytest.raises(TypeError, match="reports must be a GeoDataFrame"):
        weekly_map(reports=pd.DataFrame({"category": ["a"]}))
    with pytest.raises(TypeError, match=r"m must be a folium\.Map"):
        weekly_map(m="map")
    with pytest.raises(TypeError, match="style must be a MapStyle"):
        weekly_map(style={"tiles": "none"})
    with pytest.raises(TypeError, match="plan must be a PatrolPlan"):
        weekly_map(plan=district["plan"].routes)
    with pytest.raises(TypeError, match="cube must be a DataFrame"):
        weekly_map(cube=[[1, 2]])


def test_crs_error_is_an_input_error():
    assert issubclass(CRSError, InputError)


def test_no_warning_on_clean_input(district):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weekly_map(**district, style=MapStyle(tiles="amap", language="en"))


def test_every_map_label_has_both_languages():
    for key, text in labels.MAP_LABELS.items():
        assert set(text) == {"zh", "en"}, key
        assert text["zh"]
        assert text["en"]


# ------------------------------------------------------------------ summary panel
def make_backtest(coverages=(0.01, 0.05, 0.1, 0.2), measure="area"):
    """A small BacktestResult with known means (two methods)."""
    from hotspots.ledger.backtest import BacktestResult

    rows = [
        {
            "method": method,
            "coverage": c,
            "hit_rate_mean": min(1.0, c * pai),
            "hit_rate_std": 0.1,
            "pai_mean": pai,
            "pai_std": 0.2,
            "area_share_mean": c,
            "n_periods": 3,
        }
        for method, pai in (("last", 2.0), ("ewma", 3.5))
        for c in coverages
    ]
    return BacktestResult(
        periods=pd.DataFrame(), summary=pd.DataFrame(rows), measure=measure
    )


def make_summary(reason_zh="连续5周出现", reason_en="seen 5 weeks in a row"):
    return {
        "city": "测试区",
        "counts": {
            "rows_read": 1234,
            "accepted": 1200,
            "quarantined": 34,
            "reports_in_week": 87,
            "reports_before_week": 900,
            "unassigned_grid": 5,
        },
        "top_blind_spots": [
            {
                "rank": i + 1,
                "grid_id": f"37020200100{i:04d}",
                "score": round(0.9 - i / 10, 3),
                "reason_zh": f"{reason_zh}#{i + 1}",
                "reason_en": f"{reason_en}#{i + 1}",
            }
            for i in range(7)
        ],
        "backtest": None,
        "settings": {"alpha": 0.05},
    }


def panel(m: folium.Map) -> str | None:
    """The summary panel's HTML (as the browser gets it), or None."""
    found = re.findall(
        r'htmlControl\(\w+,\s*("(?:[^"\\]|\\.)*"),\s*"topleft",\s*"hs-summary"\)',
        render(m),
    )
    assert len(found) <= 1
    return json.loads(found[0]) if found else None


@pytest.fixture(scope="module")
def backtest_result():
    return make_backtest()


def test_summary_panel_shows_counts_and_top_blind_spots(district):
    m = weekly_map(**district, style=MapStyle(tiles="none"), summary=make_summary())
    html_text = panel(m)
    words = labels.map_labels("zh")
    # collapsed at opening: everything sits in a closed <details>
    assert html_text.startswith(f"<details><summary>{words['summary']}</summary>")
    assert "<details open" not in html_text
    for key, value in (
        ("rows_read", "1,234"),
        ("accepted", "1,200"),
        ("quarantined", "34"),
        ("reports_in_week", "87"),
        ("unassigned_grid", "5"),
    ):
        assert f'<th>{words[key]}</th><td class="hs-num">{value}</td>' in html_text
    assert "900" not in html_text  # counts not asked for are not shown
    # the top 5 of the 7 blind spots, in rank order, with their reasons
    shown = re.findall(r"连续5周出现#(\d)", html_text)
    assert shown == ["1", "2", "3", "4", "5"]
    assert "370202001000004" in html_text
    assert "370202001000005" not in html_text
    assert words["summary_blind_spots"].format(n=5) in html_text
    assert "<img" not in html_text  # no backtest, no curves
    english = panel(
        weekly_map(
            **district,
            style=MapStyle(tiles="none", language="en"),
            summary=make_summary(),
        )
    )
    assert "Weekly summary" in english
    assert "seen 5 weeks in a row#1" in english
    assert "连续" not in english


def test_summary_panel_holds_the_backtest_table_and_curves(
    district, backtest_result, tmp_path
):
    m = weekly_map(
        **district,
        style=MapStyle(tiles="none"),
        summary=make_summary(),
        backtest=backtest_result,
    )
    html_text = panel(m)
    words = labels.map_labels("zh")
    assert words["summary_backtest_area"].format(coverage="5") in html_text
    # method, mean hit rate and mean PAI at 5 % coverage
    rows = re.findall(
        r'<tr><td>([^<]+)</td><td class="hs-num">([^<]+)</td>'
        r'<td class="hs-num">([^<]+)</td></tr>',
        html_text,
    )
    assert rows == [("上期计数", "10.0%", "2"), ("指数加权", "17.5%", "3.50")]
    # the curves: inline SVG, one line per method and panel, in the map language
    svg = re.findall(r"<svg class=\"hs-chart\".*?</svg>", html_text)
    assert len(svg) == 1
    assert svg[0].count("<polyline") == 4
    for word in ("chart_hit_rate", "chart_pai", "chart_x_area", "summary_pai_curve"):
        assert words[word] in svg[0]
    assert "上期计数" in svg[0]
    assert "指数加权" in svg[0]
    assert "Hit rate" not in svg[0]
    # hit rate of 'ewma' at 20 %: 3.5 * 0.2 = 70 %, the top of its panel
    assert ">70<" in svg[0]
    english = panel(
        weekly_map(style=MapStyle(language="en"), summary={}, backtest=backtest_result)
    )
    assert "Hit rate (%)" in english
    assert "share of area covered (%)" in english
    assert "EWMA" in english
    assert not re.search(r"[\u4e00-\u9fff]", english)
    page = save_map(m, tmp_path / "m.html").read_text(encoding="utf-8")
    assert not REMOTE.search(without_assets(page))


def test_summary_panel_backtest_nearest_coverage_and_length():
    bt = make_backtest(coverages=(0.02, 0.1), measure="length")
    m = weekly_map(style=MapStyle(tiles="none", language="en"), summary={}, backtest=bt)
    html_text = panel(m)
    assert "Forecast backtest (2 % of the street length covered)" in html_text
    assert "<td>last period</td>" in html_text
    assert "Top" not in html_text  # no blind spots, no counts: nothing invented


def test_no_summary_panel_without_summary(offline_map, district, backtest_result):
    assert panel(offline_map) is None
    assert "hs-summary" not in render(offline_map)
    m = weekly_map(**district, style=MapStyle(tiles="none"), backtest=backtest_result)
    assert panel(m) is None
    assert "hs-chart" not in render(m)


def test_summary_panel_shows_untrusted_text_as_text(district):
    summary = make_summary()
    for i, payload_text in enumerate(XSS_PAYLOADS[:5]):
        summary["top_blind_spots"][i]["reason_zh"] = (
            f"{payload_text} 电话{FREE_TEXT_PHONE}"
        )
    summary["top_blind_spots"][0]["grid_id"] = XSS_PAYLOADS[0]
    summary["counts"]["rows_read"] = "<b>1</b>"
    m = weekly_map(**district, style=MapStyle(tiles="none"), summary=summary)
    page = render(m)
    html_text = panel(m)
    for p in XSS_PAYLOADS[:5]:
        assert p not in page
    # escaped in Python, then JSON-escaped for the script
    escaped = "&lt;img src=x onerror=&quot;window.__pwned=1;alert(1)&quot;&gt;"
    assert html_text.count(escaped) == 2  # the unit id and the reason
    assert "&lt;/script&gt;&lt;script&gt;" in html_text
    assert "\\u0026lt;/script\\u0026gt;" in without_assets(page)
    assert "<b>1</b>" not in html_text  # a non-number count shows as a dash
    assert FREE_TEXT_PHONE not in page
    assert labels.map_labels("zh")["masked"] in html_text
    # every tag of the panel is one the panel writes itself
    tags = set(re.findall(r"<(/?\w+)", html_text))
    assert tags <= {"details", "/details", "summary", "/summary", "h4", "/h4"} | {
        "table",
        "/table",
        "tr",
        "/tr",
        "th",
        "/th",
        "td",
        "/td",
    }


def test_summary_braces_are_never_a_template(district):
    summary = make_summary(reason_zh="{{7*7}}${alert(8)}")
    m = weekly_map(**district, style=MapStyle(tiles="none"), summary=summary)
    assert "&#123;&#123;7*7&#125;&#125;$&#123;alert(8)&#125;#1" in panel(m)
    assert "49$" not in render(m)
    assert "{{7*7}}" not in render(m)


def test_summary_validation(district):
    with pytest.raises(TypeError, match="summary must be a mapping"):
        weekly_map(style=MapStyle(tiles="none"), summary=[("counts", {})])
    with pytest.raises(TypeError, match=r"backtest must be a hotspots\.BacktestResult"):
        weekly_map(style=MapStyle(tiles="none"), summary={}, backtest=pd.DataFrame())
    bad = {"counts": [1, 2], "top_blind_spots": "grid 1"}
    with pytest.raises(InputError, match=r"(?s)summary\['counts'\].*top_blind_spots"):
        weekly_map(style=MapStyle(tiles="none"), summary=bad)


def test_cluster_and_patrol_popup_columns_known_values(district):
    clusters = district["clusters"]
    frame = clusters.clusters.copy()
    frame["category_mix"] = [{"占道经营": 60, "乱停车": 60}]  # a dict is spelled out
    result = type(clusters)(labels=clusters.labels, clusters=frame)
    d = payload(
        weekly_map(
            **{**district, "clusters": result},
            style=MapStyle(tiles="none", language="en"),
        )
    )
    en = {k: v["en"] for k, v in labels.MAP_LABELS.items()}
    assert d["clusters"]["cols"] == [
        [en["n_reports"], ["120"]],
        [en["category_mix"], ["占道经营 60, 乱停车 60"]],
        [en["first_report"], ["2026-11-16"]],
        [en["last_report"], ["2026-11-22"]],
        [en["n_weeks"], ["5"]],
    ]
    stops = dict(d["patrol"]["stops"]["cols"])
    # target_id is shown under the "target" label; times as local HH:MM
    assert stops[en["target"]] == [
        "370202001002119",
        "370202001002118",
        "370202001002000",
    ]
    assert stops[en["arrival"]] == ["08:00", "08:40", "08:20"]
    assert stops[en["departure"]] == ["08:15", "08:55", "08:35"]
    assert stops[en["dwell_min"]] == ["15 min", "15 min", "15 min"]
    routes = dict(d["patrol"]["routes"]["cols"])
    assert routes[en["distance_m"]] == ["900 m", "400 m"]
    assert routes[en["duration_min"]] == ["120 min", "60 min"]


def test_stop_times_are_clock_times_or_minutes_with_units(district):
    """plan_patrols gives minutes from the shift start (and a clock when known)."""
    plan = district["plan"]
    stops = plan.stops.assign(
        arrival=[18.0, 40.0, 20.0],
        departure=[33.0, 55.0, 35.0],
        arrival_clock=["08:18", None, "08:20"],
        departure_clock=pd.NA,
    )
    plan = type(plan)(routes=plan.routes, stops=stops, left_out=plan.left_out)
    for lang, minute in (("zh", "第{}分钟"), ("en", "minute {}")):
        d = payload(weekly_map(plan=plan, style=MapStyle(tiles="none", language=lang)))
        words = labels.map_labels(lang)
        cols = dict(d["patrol"]["stops"]["cols"])
        assert cols[words["arrival"]] == ["08:18", minute.format(40), "08:20"]
        assert cols[words["departure"]] == [minute.format(m) for m in (33, 55, 35)]


# ------------------------------------------------------- popups agree with the ledger
@pytest.fixture(scope="module")
def sample_ledger(sample_assigned):
    """The committed sample's blind-spot ledger and the last week's reports."""
    from hotspots.ledger.blindspots import blind_spots

    reports, grid = sample_assigned
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reports outside the grid are expected
        ledger = blind_spots(reports, grid)
    when = pd.to_datetime(reports["reported_at"])
    week = reports[when >= when.max().normalize() - pd.Timedelta(days=6)]
    return ledger, week, grid


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind_spot_popups_agree_with_the_ledger(sample_ledger, lang):
    ledger, week, grid = sample_ledger
    words = labels.map_labels(lang)
    d = payload(
        weekly_map(
            grid=grid,
            reports=week,  # the week's reports must not change the ledger's numbers
            blind_spots=ledger,
            style=MapStyle(tiles="none", language=lang, layers=("blind_spots",)),
        )
    )
    u = d["units"]
    assert "tc" not in u  # nothing recomputed from this week's reports
    rows = ledger.set_index("grid_id")
    why, top = decode(u["why"]), decode(u["top"])
    evidence = dict(u["ev"])
    checked = 0
    for i, unit in enumerate(u["id"]):
        if u["r"][i] is None:
            continue
        row = rows.loc[unit]
        assert u["r"][i] == row["rank"]
        assert why[i] == html.escape(row[f"reason_{lang}"])
        expected_top = row["top_categories"]
        if lang == "en":
            expected_top = expected_top.replace("、", ", ")
        assert top[i] == html.escape(expected_top)
        for col in ("periods_with_reports", "current_streak", "comebacks", "n_reports"):
            assert evidence[words[col]][i] == f"{int(row[col]):,}", col
        for col in ("comeback_share", "share_closed_late", "outside_share"):
            want = None if pd.isna(row[col]) else f"{100 * row[col]:.1f}%"
            assert evidence[words[col]][i] == want, col
        days = row["median_days_to_close"]
        want = None if pd.isna(days) else words["unit_days"].format(n=f"{days:.1f}")
        assert evidence[words["median_days_to_close"]][i] == want
        checked += 1
    assert checked == min(30, int((ledger["score"] > 0).sum())) == 30


def test_p_values_read_as_a_person_reads_them(district):
    gi = district["gi"].assign(
        gi_p=np.where(district["gi"]["gi_class"] != 0, 1e-5, 0.2)
    )
    d = payload(weekly_map(gi=gi, style=MapStyle(tiles="none")))
    assert set(d["units"]["pv"]) == {"&lt; 0.001"}


# ------------------------------------------------------------ offline in notebooks
REMOTE_ASSET = re.compile(
    r"<(?:script[^>]*\ssrc|link[^>]*\shref)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


def test_inline_display_is_self_contained(district):
    m = weekly_map(**district)
    assert isinstance(m, folium.Map)
    shown = m._repr_html_()
    assert shown.startswith("<div")
    assert "<iframe srcdoc=" in shown
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert not REMOTE_ASSET.search(page)
    assert "cdn.jsdelivr.net" not in page
    assert "cdnjs.cloudflare.com" not in page
    assert asset_text("leaflet.js") in page
    assert not REMOTE.search(without_assets(page))  # default tiles: none
    # the same page as save_map writes, and displaying it twice changes nothing
    assert m._repr_html_() == shown
    assert m.get_root() is not None


def test_inline_display_without_local_assets_warns_and_links(district, monkeypatch):
    from hotspots.errors import HotspotsWarning, InputError
    from hotspots.render import elements

    def missing(page: str) -> str:
        msg = "no local copy of leaflet.js: reinstall hotspots."
        raise InputError(msg)

    monkeypatch.setattr(elements, "inline_assets", missing)
    m = weekly_map(**district)
    with pytest.warns(HotspotsWarning, match="links to the internet: no local copy"):
        shown = m._repr_html_()
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert REMOTE_ASSET.search(page)  # folium's own display, with its CDN links


def test_default_tiles_match_the_config_default(district):
    from hotspots.pipeline.config import MapConfig

    assert MapStyle().tiles == MapConfig().tiles == "none"
    d = payload(weekly_map(**district))
    assert "grid" in d
    assert "streets" in d
    assert OSM_URL not in render(weekly_map(**district))


# -------------------------------------------------------------- an empty week
def notices(m: folium.Map) -> list[str]:
    found = re.findall(
        r'htmlControl\(\w+,\s*("(?:[^"\\]|\\.)*"),\s*"topleft",\s*"hs-notice"\)',
        render(m),
    )
    return [json.loads(f) for f in found]


@pytest.mark.parametrize(
    ("lang", "text"), [("zh", "本周无上报"), ("en", "No reports this week")]
)
def test_a_week_without_reports_says_so(district, lang, text):
    cube = district["cube"].copy()
    cube["2026-W45"] = 0
    style = MapStyle(language=lang)
    m = weekly_map(
        **{**district, "cube": cube, "week": "2026-W45", "reports": None}, style=style
    )
    assert notices(m) == [
        labels.map_labels(lang)["no_reports_week"].format(week="2026-W45")
    ]
    assert text in notices(m)[0]
    # a week with reports has no notice; an empty report frame without a cube has
    assert notices(weekly_map(**{**district, "cube": cube}, style=style)) == []
    empty = district["reports"].iloc[:0]
    assert len(notices(weekly_map(reports=empty, week="2026-W45", style=style))) == 1


def test_english_map_is_english_and_chinese_map_is_chinese(district, backtest_result):
    """Every word of the page is in the map language; data stays as written."""
    cube = district["cube"].copy()
    kwargs = {**district, "summary": make_summary(), "backtest": backtest_result}
    en = render(weekly_map(**kwargs, style=MapStyle(language="en")))
    reps, plan = district["reports"], district["plan"]
    data_words = {
        *reps["category"],
        *mask_personal(reps["description"], mask="[hidden]"),
        *reps["address"],
        *plan.stops["reason"],
        *district["clusters"].clusters["category_mix"],
        *district["streets"]["name"],
    }
    for word in sorted(data_words, key=len, reverse=True):
        en = en.replace(word, "").replace(html.escape(word), "")
    assert re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", en) == []
    # and the Chinese page shows none of the English labels
    zh = without_assets(
        render(weekly_map(**{**kwargs, "cube": cube}, style=MapStyle(language="zh")))
    )
    for key in ("legend", "layer_gi", "summary", "chart_hit_rate", "rank"):
        assert labels.map_labels("en")[key] not in zh, key
        assert labels.map_labels("zh")[key] in zh, key


def test_stop_labels_name_the_team_and_the_order(district):
    plan = district["plan"]
    d = payload(weekly_map(plan=plan))
    assert d["patrol"]["stops"]["label"] == ["A1", "A2", "B1"]
    numbered = type(plan)(
        routes=plan.routes.assign(team=[1, 2]),
        stops=plan.stops.assign(team=[1, 1, 2]),
        left_out=plan.left_out,
    )
    d = payload(weekly_map(plan=numbered))
    assert d["patrol"]["stops"]["label"] == ["1-1", "1-2", "2-1"]
    # the legend shows the same markers: a rank circle and one stop per team
    found = re.findall(
        r'legend\(\w+,\s*("(?:[^"\\]|\\.)*"),\s*"bottomright"',
        render(weekly_map(**district)),
    )
    legend = json.loads(found[0])
    assert '<span class="hs-rank hs-leg-marker"><span>盲1</span>' in legend
    assert ">A1</span>" in legend
    assert ">B1</span>" in legend


def legend_of(m: folium.Map) -> str:
    found = re.findall(
        r'legend\(\w+,\s*("(?:[^"\\]|\\.)*"),\s*"bottomright"', render(m)
    )
    assert len(found) == 1
    return json.loads(found[0])


def test_legend_sections_name_their_layers(district):
    legend = legend_of(weekly_map(**district))
    keys = re.findall(r'data-layer="([^"]+)"', legend)
    assert keys[:2] == ["heat", "gi"]
    assert {"emerging", "blind_spots", "clusters", "patrol", "weekly"} <= set(keys)
    assert [k for k in keys if k.startswith("reports-")][-1] == "reports-5"
    heat = re.search(r'data-layer="heat">(.*?)</div></div>', legend).group(1)
    assert labels.map_labels("zh")["layer_heat"] in heat
    assert "linear-gradient" in heat
    assert legend.startswith('<details class="hs-fold" open><summary>图例</summary>')
    # layers not drawn have no section
    only_gi = legend_of(weekly_map(gi=district["gi"]))
    assert re.findall(r'data-layer="([^"]+)"', only_gi) == ["gi", "gi emerging"]


# ------------------------------------------------- hour-of-week profiles (issue 19)


def _run_heat_table(values, days, title):
    """Run the page's own HS.heatTable in node: the popup SVG as the page makes it."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        "global.window = global;\n"
        + asset_text("hotspots_map.js")
        + "\nprocess.stdout.write(window.HotspotsMap.heatTable("
        + json.dumps(values)
        + ","
        + json.dumps(days)
        + ","
        + json.dumps(title)
        + "));\n"
    )
    done = subprocess.run(
        [node, "-e", script], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


def test_blind_spot_popups_show_the_hour_profile(district):
    from hotspots.stats.profiles import hour_of_week_profile, peak_windows

    prof = hour_of_week_profile(district["reports"])
    style = MapStyle(tiles="none", max_blind_spots=5)
    d = payload(
        weekly_map(blind_spots=district["blind_spots"], profile=prof, style=style)
    )
    u = d["units"]
    shown = [k for k, r in enumerate(u["r"]) if r is not None]
    assert shown
    for k in shown:
        cells = u["hp"][k]
        assert len(cells) == 168
        gid = u["id"][k]
        expected = np.rint(prof.shares.loc[gid].to_numpy() * 10_000).astype(int)
        assert cells == expected.tolist()
        assert decode(u["pw"])[k] == peak_windows(prof).loc[gid, "peak_window_zh"]
    assert u["hpl"]["days"][0] == "周一"
    # the popup's SVG: 168 cells, each with its share as its title
    k = shown[0]
    svg = _run_heat_table(u["hp"][k], u["hpl"]["days"], u["hpl"]["title"])
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count("<rect") == 168
    assert svg.count("</title></rect>") == 168
    top = int(np.argmax(u["hp"][k]))
    day, hour = divmod(top, 24)
    share = f"{u['hp'][k][top] / 100:.1f}%"
    assert f"{u['hpl']['days'][day]} {hour:02d}:00-{hour + 1:02d}:00 {share}" in svg
    # English days in an English map
    en = payload(
        weekly_map(
            blind_spots=district["blind_spots"],
            profile=prof,
            style=MapStyle(tiles="none", language="en", max_blind_spots=5),
        )
    )
    assert en["units"]["hpl"]["days"] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_no_profile_no_heat_table_and_the_same_page(district):
    bare = render(weekly_map(blind_spots=district["blind_spots"], style=MapStyle()))
    again = render(
        weekly_map(blind_spots=district["blind_spots"], style=MapStyle(), profile=None)
    )
    strip = re.compile(r"hotspots_data_\w+|[0-9a-f]{32}")
    assert strip.sub("", bare) == strip.sub("", again)
    u = payload(weekly_map(blind_spots=district["blind_spots"]))["units"]
    assert "hp" not in u
    assert "pw" not in u
    assert "hpl" not in u
    with pytest.raises(TypeError, match="profile must be an HourProfile"):
        weekly_map(blind_spots=district["blind_spots"], profile="evening")


def test_heat_table_text_is_escaped(district):
    from hotspots.stats.profiles import hour_of_week_profile

    bs = district["blind_spots"].copy()
    bs["peak_window_zh"] = "<script>alert(1)</script> 周五 18:00-21:00"
    prof = hour_of_week_profile(district["reports"])
    m = weekly_map(blind_spots=bs, profile=prof, style=MapStyle(tiles="none"))
    page = render(m)
    assert "<script>alert(1)" not in page
    words = [w for w in decode(payload(m)["units"]["pw"]) if w is not None]
    assert words
    assert all(w.startswith("&lt;script&gt;alert(1)&lt;/script&gt;") for w in words)


def test_stop_popups_show_the_visit_window(district):
    plan = district["plan"]
    assert "window" not in [
        c[0] for c in payload(weekly_map(plan=plan))["patrol"]["stops"]["cols"]
    ]
    stops = plan.stops.copy()
    stops["window"] = pd.array(
        ["18:00-18:45"] + [None] * (len(stops) - 1), dtype="string"
    )
    windowed = type(plan).__new__(type(plan))
    windowed.__dict__.update(plan.__dict__)
    object.__setattr__(windowed, "stops", stops)
    for lang, label in (("zh", "到访时段"), ("en", "Visit window")):
        cols = payload(
            weekly_map(plan=windowed, style=MapStyle(tiles="none", language=lang))
        )["patrol"]["stops"]["cols"]
        shown = {c[0]: c[1] for c in cols}
        assert shown[label][0] == "18:00-18:45"
        assert shown[label][1:] == [None] * (len(stops) - 1)
    # a plan whose stops have no window shows none
    none = stops.assign(window=pd.array([None] * len(stops), dtype="string"))
    object.__setattr__(windowed, "stops", none)
    cols = payload(weekly_map(plan=windowed))["patrol"]["stops"]["cols"]
    assert "到访时段" not in [c[0] for c in cols]


# ---------------------------------------------------------- the scorecard layer
#: sha256 of the saved fixture-district map (tiles "none", a small summary) as the
#: code before the scorecard layer wrote it (commit 40e0976). A map without a
#: scorecard must stay byte-identical. When the map changes on purpose, render
#: the page below at the new code and record its hash here.
GOLDEN_NO_SCORECARD = {
    "zh": "bc1a1965848102a3b8dfe47715da957432f5a7e245702e01ef82a130dd33aa75",
    "en": "483922cc453fe4c9585d9684f5a5535fa45148be0baf171e9f00855e59f46a9a",
}


def golden_summary():
    return {
        "counts": {"rows_read": 1234, "accepted": 1200},
        "top_blind_spots": [
            {
                "rank": 1,
                "grid_id": "370202001002001",
                "score": 0.5,
                "reason_zh": "连续",
                "reason_en": "seen",
            }
        ],
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_without_scorecard_is_byte_identical(district, lang, tmp_path):
    import hashlib

    m = weekly_map(
        **district,
        style=MapStyle(tiles="none", language=lang),
        summary=golden_summary(),
    )
    page = save_map(m, tmp_path / "m.html").read_bytes()
    assert hashlib.sha256(page).hexdigest() == GOLDEN_NO_SCORECARD[lang]


XSS_NAME = '<img src=x onerror="alert(1)">黑{{ 7*7 }}'


def make_scorecard(district):
    """Four units over four cells and two segments, with known rates and lists."""
    cells = district["grid"]["grid_id"].tolist()
    card = pd.DataFrame(
        {
            "grid_id": [cells[0], cells[1], cells[2], cells[3], None, None],
            "segment_id": [None, None, None, None, "S1", "S2"],
            "unit_id": ["U1", "U1", "U2", "U3", "U2", "U4"],
            "unit_name": ["市政一队", "市政一队", XSS_NAME, None, XSS_NAME, "环卫所"],
            "on_time_rate": [0.825, 0.825, 0.45, np.nan, 0.45, 0.72],
            "on_time_rate_lo": [0.741, 0.741, 0.30, 0.0, 0.30, 0.50],
            "on_time_rate_hi": [0.889, 0.889, 0.60, 1.0, 0.60, 0.90],
            "list": [
                "red",
                "red",
                "black",
                "not distinguishable",
                "black",
                "not distinguishable",
            ],
            "cases": [120, 120, 40, 0, 40, 12],
        }
    )
    streets = district["streets"].assign(segment_id=district["streets"]["street_id"])
    return card, streets


def scorecard_map(district, card=None, streets=None, lang="zh", **kw):
    base_card, base_streets = make_scorecard(district)
    return weekly_map(
        grid=district["grid"],
        streets=base_streets if streets is None else streets,
        scorecard=base_card if card is None else card,
        style=MapStyle(tiles="none", language=lang, **kw),
        **{k: v for k, v in district.items() if k not in ("grid", "streets")},
    )


def test_scorecard_layer_colours_lists_and_popups(district):
    m = scorecard_map(district)
    page = render(m)
    sc = payload(m)["scorecard"]
    cells = district["grid"]["grid_id"].tolist()
    # not distinguishable first, then red, then black: list outlines drawn on top
    assert sc["id"] == [cells[3], "S2", cells[0], cells[1], cells[2], "S1"]
    assert sc["l"] == [1, 1, 0, 0, 2, 2]
    # ramp classes: < 50 %, 50-70, 70-80, 80-90, >= 90 %; no rate: -1
    assert sc["c"] == [-1, 2, 3, 3, 0, 0]
    assert sc["k"] == [0, 1, 0, 0, 0, 1]
    assert [g["type"] for g in sc["geoms"]] == [
        "Polygon",
        "LineString",
        "Polygon",
        "Polygon",
        "Polygon",
        "LineString",
    ]
    assert decode(sc["r"]) == [
        "无可判定案件",
        "72.0%（95% 区间 50.0%–90.0%）",
        "82.5%（95% 区间 74.1%–88.9%）",
        "82.5%（95% 区间 74.1%–88.9%）",
        "45.0%（95% 区间 30.0%–60.0%）",
        "45.0%（95% 区间 30.0%–60.0%）",
    ]
    units = decode(sc["u"])
    assert units[:4] == ["U3", "环卫所（U4）", "市政一队（U1）", "市政一队（U1）"]
    assert units[4] == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;黑{{ 7*7 }}（U2）"
    )
    assert sc["n"] == [0, 12, 120, 120, 40, 40]
    assert sc["lists"] == ["红榜", "与目标无法区分", "黑榜"]
    assert sc["colors"]["red"] == "#e31a1c"
    # the layer, its script (only once) and its words are in the page
    assert "责任单位按期结案率" in page
    assert page.count("window.HotspotsMap.scorecardLayer(") == 1
    assert page.count(asset_text("hotspots_scorecard.js")) == 1
    assert page.index(asset_text("hotspots_map.js")) < page.index(
        asset_text("hotspots_scorecard.js")
    )
    assert XSS_NAME not in page
    assert "<img src=x" not in page


def test_scorecard_in_english(district):
    m = scorecard_map(district, lang="en")
    sc = payload(m)["scorecard"]
    assert decode(sc["r"])[2] == "82.5% (95% interval 74.1%–88.9%)"
    assert decode(sc["r"])[0] == "no case decided yet"
    assert decode(sc["u"])[1] == "环卫所 (U4)"
    assert sc["lists"] == ["Red list", "Not distinguishable", "Black list"]
    words = sc["labels"]
    assert words["layer_scorecard"] == "On-time rate of the responsible unit"
    assert not any(re.search(r"[\u4e00-\u9fff]", v) for v in words.values())
    assert "On-time rate of the responsible unit" in legend_of(m)


def test_scorecard_legend_section(district):
    legend = legend_of(scorecard_map(district))
    section = re.search(
        r'<div class="hs-leg" data-layer="scorecard">.*?</div></div>', legend
    )
    assert section is not None
    swatches = re.findall(r"</span>([^<]+)</div>", section.group(0))
    assert swatches == [
        "≥ 90%",
        "80%–90%",
        "70%–80%",
        "50%–70%",
        "&lt; 50%",
        "无可判定案件",
        "红榜（区间全部优于目标）",
        "黑榜（区间全部差于目标）",
    ]
    assert "border:2px solid #111111" in section.group(0)
    assert 'data-layer="scorecard"' not in legend_of(weekly_map(**district))


def test_scorecard_summary_lists_units(district):
    m = weekly_map(
        grid=district["grid"],
        streets=make_scorecard(district)[1],
        scorecard=make_scorecard(district)[0],
        summary=golden_summary(),
        style=MapStyle(tiles="none"),
    )
    text = panel(m)
    rows = re.findall(
        r'<tr><th>([^<]+)</th><td class="hs-num">(\d+)</td><td>([^<]*)</td></tr>', text
    )
    assert rows == [
        ("红榜", "1", "市政一队（U1）"),
        ("黑榜", "1", rows[1][2]),
        ("与目标无法区分", "2", ""),
    ]
    assert rows[1][2].startswith("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;黑")
    assert "&#123;&#123; 7*7 &#125;&#125;（U2）" in rows[1][2]
    assert "<img" not in text
    assert "红黑榜（按期结案率）" in text
    # a scorecard without a summary adds no panel; a summary without one, no section
    assert panel(scorecard_map(district)) is None
    assert "红黑榜" not in panel(weekly_map(summary=golden_summary()))


def test_scorecard_layer_follows_style_layers(district):
    layers = tuple(k for k in MapStyle().layers if k != "scorecard")
    m = scorecard_map(district, layers=layers)
    assert "scorecard" not in payload(m)
    assert asset_text("hotspots_scorecard.js") not in render(m)
    shown = scorecard_map(district, show=("scorecard",))
    assert "window.HotspotsMap.lazy" not in re.search(
        r"var \w+ = window\.HotspotsMap\.(?:lazy\(function \(\) \{\s*return "
        r"window\.HotspotsMap\.)?scorecardLayer",
        render(shown),
    ).group(0)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda c: c.drop(columns=["on_time_rate_hi"]),
            r"missing \['on_time_rate_hi'\]",
        ),
        (
            lambda c: c.drop(columns=["grid_id", "segment_id"]),
            "'grid_id' or 'segment_id'",
        ),
        (lambda c: c.assign(on_time_rate=c["on_time_rate"] * 100), "not percentages"),
        (lambda c: c.assign(on_time_rate_lo=0.95), r"lie in \[on_time_rate_lo"),
        (lambda c: c.assign(list="红榜"), r"must be one of \['red'"),
        (
            lambda c: c.assign(grid_id=c["grid_id"].replace(c["grid_id"][0], "X9")),
            r"unknown id\(s\), e.g. \['X9'\]",
        ),
        (
            lambda c: c.assign(
                grid_id=c["grid_id"].fillna(c["grid_id"][0]), segment_id=None
            ),
            "one row per grid_id",
        ),
        (lambda c: c.assign(unit_id=c["unit_id"].replace("U4", None)), "unit_id must"),
        (
            lambda c: c.assign(list=c["list"].where(c.index != 1, "black")),
            r"several lists for \['U1'\]",
        ),
    ],
)
def test_scorecard_validation(district, change, match):
    card, streets = make_scorecard(district)
    with pytest.raises(InputError, match=match):
        scorecard_map(district, card=change(card), streets=streets)


def test_scorecard_needs_the_frames_its_ids_come_from(district):
    card, _ = make_scorecard(district)
    with pytest.raises(InputError, match="streets with a 'segment_id' column"):
        weekly_map(grid=district["grid"], streets=district["streets"], scorecard=card)
    with pytest.raises(InputError, match="grid with a 'grid_id' column") as err:
        weekly_map(scorecard=card)
    assert "streets with a 'segment_id'" in str(err.value)  # every problem at once
    with pytest.raises(TypeError, match="scorecard must be a DataFrame"):
        weekly_map(scorecard={"unit_id": "U1"})


def test_scorecard_alone_draws_cells_in_wgs84(grid3x3):
    card = pd.DataFrame(
        {
            "grid_id": grid3x3["grid_id"].iloc[:2].tolist(),
            "unit_id": ["U1", "U1"],
            "on_time_rate": [0.95, 0.95],
            "on_time_rate_lo": [0.91, 0.91],
            "on_time_rate_hi": [0.97, 0.97],
            "list": ["red", "red"],
        }
    )
    m = weekly_map(grid=grid3x3, scorecard=card)
    sc = payload(m)["scorecard"]
    assert sc["c"] == [4, 4]
    assert "n" not in sc
    expected = shapely.get_coordinates(grid3x3.to_crs("EPSG:4326").geometry.iloc[0])
    got = np.asarray(sc["geoms"][0]["coordinates"][0])
    assert np.abs(got - expected).max() < 1e-6
    assert decode(sc["u"]) == ["U1", "U1"]


def test_every_scorecard_label_has_both_languages():
    for key, names in labels.MAP_SCORECARD_LABELS.items():
        assert set(names) == {"zh", "en"}, key
        assert all(v.strip() for v in names.values()), key
    assert set(MapStyle().layers) >= {"scorecard"}


def test_a_team_without_stops_is_not_drawn_and_a_lost_route_warns(district):
    from hotspots.errors import HotspotsWarning
    from hotspots.render.payloads import NotDrawnWarning

    plan = district["plan"]
    idle = plan.routes.iloc[[0]].assign(team="C", n_stops=0, geometry=[None])
    with_idle = type(plan)(
        routes=pd.concat([plan.routes, idle], ignore_index=True),
        stops=plan.stops,
        left_out=plan.left_out,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a team that stays at its depot is no loss
        d = payload(weekly_map(plan=with_idle))
    assert (
        d["patrol"]["routes"]["team"]
        == payload(weekly_map(plan=plan))["patrol"]["routes"]["team"]
    )
    lost = type(plan)(
        routes=plan.routes.assign(geometry=[None, plan.routes.geometry.iloc[1]]),
        stops=plan.stops,
        left_out=plan.left_out,
    )
    with pytest.warns(NotDrawnWarning, match=r"1 row\(s\) of patrol routes"):
        d = payload(weekly_map(plan=lost))
    assert issubclass(NotDrawnWarning, HotspotsWarning)
    assert len(d["patrol"]["routes"]["team"]) == 1


# ------------------------------- the payloads' lookups (issue 17, speed): parity
def _old_positions(frame: pd.DataFrame, unit: str, ids: pd.Index) -> np.ndarray:
    """The pandas hash lookup the Arrow one must equal."""
    from hotspots.render.payloads import as_ids

    keys = as_ids(frame[unit])
    first = ~keys.duplicated(keep="first")
    lookup = pd.Index(keys[first])
    rows = np.flatnonzero(first)
    pos = lookup.get_indexer(ids)
    return np.where(pos >= 0, rows[np.clip(pos, 0, None)], -1)


@pytest.mark.parametrize(
    "dtype", ["str", "string[pyarrow]", "string[python]", "object", "arrow", "int"]
)
def test_unit_positions_are_the_first_row_of_each_id_whatever_the_dtype(dtype):
    import pyarrow as pa

    from hotspots.render.payloads import _id_strings, _positions, as_ids

    raw = ["c", "a", None, "b", "a", "中", None, "c", "10"]
    if dtype == "int":
        column = pd.Series([3, 1, None, 2, 1, 7, None, 3, 10], dtype="Int64")
    elif dtype == "arrow":
        column = pd.Series(raw, dtype=pd.ArrowDtype(pa.string()))
    else:
        column = pd.Series(raw, dtype=dtype)
    frame = pd.DataFrame({"unit": column, "v": range(len(raw))})
    ids = as_ids(pd.Series(["a", "zz", "c", None, "中", "b", "10", "1", "3"]))
    want = _old_positions(frame, "unit", ids)
    assert _positions(frame, "unit", ids).tolist() == want.tolist()
    assert _positions(frame, "unit", _id_strings(ids)).tolist() == want.tolist()
    if dtype == "str":
        assert want.tolist() == [1, -1, 0, 2, 5, 3, 8, -1, -1]
    assert _positions(frame.iloc[:0], "unit", ids).tolist() == [-1] * len(ids)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("", ["ab"]),
        ("abcabc", ["abc", "bca"]),  # overlapping: the leftmost wins
        ("xaab", ["ab", "aa"]),
        ("abcd", ["abc", "ab"]),  # two keys at one place: the earlier key
        ("abcd", ["ab", "abc"]),
        ("aaaaa", ["aa"]),  # a key overlapping itself
        ("aaaaa", ["aaa", "a"]),
        ("map_0f1e 0f1e0f1e", ["0f1e", "1e0f"]),
        ("中文_abcd1234；abcd1234", ["abcd1234", "zz"]),
    ],
)
def test_stable_ids_replace_as_one_alternation_would(text, keys):
    from hotspots.render.elements import _replace_all

    new = {k: f"<{i}>" for i, k in enumerate(keys)}
    pattern = re.compile("|".join(re.escape(k) for k in new))
    assert _replace_all(text, new) == pattern.sub(lambda mt: new[mt.group(0)], text)


def test_folium_defaults_are_dropped_unless_the_page_uses_them():
    jquery = "https://code.jquery.com/jquery-3.7.1.min.js"
    shipped = next(iter(ASSET_URLS))
    page = f'<script src="{jquery}"></script><script src="{shipped}"></script>'
    assert jquery not in inline_assets(page + "<script>var a = 1;</script>")
    with pytest.raises(InputError, match="jquery"):
        inline_assets(page + "<script>$('#a').hide();</script>")
    assert inline_assets("<p>no link</p>") == "<p>no link</p>"


def _old_format_numbers(values, kind, words, digits=2):
    """The per-value loop the column formatter must equal."""
    arr = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    out = []
    for v in arr.astype("float64").tolist():
        if not np.isfinite(v):
            out.append(None)
            continue
        if kind == "share":
            text = f"{100.0 * v:.1f}%"
        elif kind == "p":
            text = "< 0.001" if v < 0.001 else f"{v:.3f}"
        elif kind == "days":
            text = words["unit_days"].format(n=f"{v:.1f}")
        elif kind == "minutes":
            text = words["unit_minutes"].format(n=f"{v:,.0f}")
        elif kind == "metres":
            text = words["unit_metres"].format(n=f"{v:,.0f}")
        elif float(v).is_integer():
            text = f"{int(v):,}"
        else:
            text = f"{v:,.{digits}f}"
        out.append(html.escape(text))
    return out


@pytest.mark.parametrize("kind", ["share", "p", "days", "minutes", "metres", "number"])
def test_popup_numbers_are_formatted_as_value_by_value(kind):
    from hotspots.render.payloads import _format_numbers

    words = labels.map_labels("zh")
    values = [np.nan, None, pd.NA, np.inf, -np.inf, -0.0, 0.0, 0.0005, 0.25, 1.5]
    values += [1e20, -1234567.891, 3, "7", "x", 12.3456]
    series = [pd.Series(values, dtype=object), pd.Series([1.5, np.nan, 2.0])]
    for column in (*series, pd.Series([], dtype=float)):
        got = _format_numbers(column, kind, words, digits=3)
        assert got == _old_format_numbers(column, kind, words, digits=3)


# ------------------------------- integer columns spelled by Arrow: parity with json
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.intp])
def test_json_ints_spell_what_to_json_of_the_list_spells(dtype):
    from hotspots.render.payloads import _json_ints, to_json

    info = np.iinfo(dtype)
    values = np.array([0, 1, -1 if info.min < 0 else 2, info.max, info.min, 7, 42])
    values = values.astype(dtype)
    assert _json_ints(values) == to_json(values.tolist())
    assert _json_ints(values[:0]) == to_json([]) == "[]"
    with pytest.raises(TypeError, match="integers"):
        _json_ints(values.astype(float))


def test_json_int_rows_spell_what_to_json_of_the_rows_spells():
    from hotspots.render.payloads import _json_int_rows, to_json

    rng = np.random.default_rng(3)
    rows = rng.integers(-50, 10**6, size=(9, 5))
    present = np.array([True, False, True, True, False, True, True, True, False])
    want = [r if p else None for r, p in zip(rows.tolist(), present, strict=True)]
    assert _json_int_rows(rows, present) == to_json(want)
    assert _json_int_rows(rows[:, :0], present) == to_json(
        [[] if p else None for p in present]
    )
    assert _json_int_rows(rows[:0], present[:0]) == "[]"
    assert _json_int_rows(rows[:, ::2], np.ones(9, bool)) == to_json(
        rows[:, ::2].tolist()
    )


def test_as_ids_keeps_text_and_spells_other_ids_as_before():
    from hotspots.render.payloads import as_ids

    cases = {
        "text": (["R01", "中", "<&>"], ["R01", "中", "<&>"]),
        "missing": (["R01", None, np.nan], ["R01", None, None]),
        "numbers": ([1, "R2", 3.5], ["1", "R2", "3.5"]),
        "empty": ([], []),
    }
    for name, (given, want) in cases.items():
        got = as_ids(pd.Series(given, dtype=object))
        assert list(got) == want, name
        assert got.dtype == object, name
