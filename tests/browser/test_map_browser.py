"""The saved weekly map opened in real headless Chromium (Playwright).

Every test blocks the network: a request that is not ``file:`` or ``data:``
is recorded and aborted (with Amap tiles, tile requests get a blank tile).
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from hotspots._core.crs import wgs84_to_gcj02
from hotspots.render.weekly_map import MapStyle, save_map, weekly_map

pytestmark = pytest.mark.browser

# the Leaflet map object and the layer control of the page, found by their types
JS_HELPERS = """(control) => {
window.__map = Object.values(window).find(v => v instanceof L.Map);
window.__control = control;
window.__overlays = () => window.__control._layers.filter(l => l.overlay);
window.__overlay = (part) => window.__overlays().find(l => l.name.includes(part)).layer;
window.__inner = (layer) => layer._hsInner || layer;
}"""


def _blank_png() -> bytes:
    """A 256 x 256 light-grey PNG, served for tile requests."""
    raw = b"".join(b"\x00" + b"\xdd\xdd\xdd" * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Session:
    """A page with everything it did recorded: requests, console errors, dialogs."""

    def __init__(self, browser, path: Path, *, tiles: bool = False, size=(1280, 860)):
        self.page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        self.remote: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        png = _blank_png()

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
                return
            self.remote.append(url)
            if tiles:
                r.fulfill(status=200, body=png, content_type="image/png")
            else:
                r.abort()

        self.page.route("**/*", route)
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("typeof L === 'object' && !!window.HotspotsMap")
        # folium declares the layer control with `let`: look it up by its name
        name = re.search(
            r"let (layer_control_\w+) = L\.control\.layers", path.read_text()
        )
        self.page.evaluate(JS_HELPERS, self.page.evaluate_handle(name.group(1)))

    def js(self, code: str, arg=None):
        return self.page.evaluate(code, arg)

    def close(self):
        self.page.close()


@pytest.fixture(scope="module")
def saved(module_district, tmp_path_factory):
    """The fixture district's offline map, saved once (tests only read it)."""
    path = tmp_path_factory.mktemp("map") / "m.html"
    return save_map(weekly_map(**module_district, style=MapStyle(tiles="none")), path)


@pytest.fixture
def session(browser, saved):
    s = Session(browser, saved)
    yield s
    s.close()


def test_renders_offline_with_every_layer(session, district):
    s = session
    assert s.js("typeof L") == "object"
    assert s.js("L.version") == "1.9.3"
    names = s.js("window.__overlays().map(l => l.name)")
    n_cat = district["reports"]["category"].nunique()
    assert len(names) == 9 + n_cat
    gi = district["gi"]
    n_sig = int((gi["gi_class"] != 0).sum())
    assert s.js("window.__overlay('Gi*').getLayers().length") == n_sig
    # hidden at opening: built the first time it is switched on
    n_pattern = int((district["emerging"]["pattern"] != "no_pattern").sum())
    assert s.js("window.__overlay('时空热点').getLayers().length") == 0
    s.js("__map.addLayer(__overlay('时空热点')); null")
    assert s.js("window.__overlay('时空热点')._hsInner.getLayers().length") == n_pattern
    s.js("__map.removeLayer(__overlay('时空热点')); null")
    # blind spots: the polygons plus one numbered marker each
    assert s.js("window.__overlay('盲区').getLayers().length") == 1 + 30
    assert (
        s.js("document.querySelectorAll('.leaflet-marker-icon.hs-rank').length") == 30
    )
    # report layers start hidden and are built when switched on
    assert s.js("document.querySelectorAll('.hs-report, .hs-cluster').length") == 0
    _only(s, "问题上报")
    n_reports = s.js(
        "window.__overlays().filter(l => l.name.startsWith('问题上报'))"
        ".reduce((a, l) => a + __inner(l.layer).getLayers().length, 0)"
    )
    assert n_reports == len(district["reports"])
    # clustered: far fewer DOM markers than reports, a few per category zoomed out
    n_icons = "document.querySelectorAll('.hs-report, .hs-cluster').length"
    assert s.js(n_icons) < len(district["reports"]) * 0.75
    s.js("__map.setZoom(13, {animate: false}); null")
    s.page.wait_for_function(f"{n_icons} <= {3 * n_cat}", timeout=5000)
    _only(s, "巡查路线")
    assert s.js("document.querySelectorAll('.leaflet-marker-icon.hs-stop').length") == 3
    assert s.js("document.querySelector('.hs-legend').textContent").count("热点") >= 3
    assert s.remote == []
    assert s.errors == []
    assert s.dialogs == []


def test_layer_toggles(session):
    s = session
    assert s.js("__map.hasLayer(__overlay('热力图'))") is False
    s.page.locator(".leaflet-control-layers").get_by_text("问题热力图").click()
    assert s.js("__map.hasLayer(__overlay('热力图'))") is True
    s.page.wait_for_selector("canvas.leaflet-heatmap-layer", state="attached")
    s.page.locator(".leaflet-control-layers").get_by_text("冷热点分析（Gi*）").click()
    assert s.js("__map.hasLayer(__overlay('Gi*'))") is False
    s.page.locator(".leaflet-control-layers").get_by_text("冷热点分析（Gi*）").click()
    assert s.js("__map.hasLayer(__overlay('Gi*'))") is True
    assert s.errors == []


def _only(s: Session, part: str) -> None:
    """Switch every overlay off except those whose name contains ``part``."""
    s.js(
        "(part) => window.__overlays().forEach(l => {"
        " if (l.name.includes(part)) { __map.addLayer(l.layer); }"
        " else { __map.removeLayer(l.layer); } })",
        part,
    )


def _close_popups(s: Session) -> None:
    """Close the open popup and wait for its fade-out to leave the DOM."""
    s.js("__map.closePopup(); null")
    s.page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")


def _click_latlng(s: Session, lat: float, lon: float) -> None:
    xy = s.js(
        "([lat, lon]) => { const p = __map.latLngToContainerPoint([lat, lon]);"
        " const r = __map.getContainer().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )
    s.page.mouse.click(*xy)


def test_unit_popup_with_sparkline(session, district):
    s = session
    _only(s, "Gi*")
    gi = district["gi"]
    hottest = gi.loc[gi["gi_z"].idxmax()]
    c = hottest.geometry.centroid
    s.js(
        "([lat, lon]) => __map.setView([lat, lon], 18, {animate: false}) && null",
        [c.y, c.x],
    )
    _click_latlng(s, c.y, c.x)
    popup = s.page.wait_for_selector(".leaflet-popup-content")
    text = popup.inner_text()
    assert hottest["grid_id"] in text
    assert "热点（99%置信）" in text
    assert "持续热点" in text
    assert "盲区排名" in text
    assert "主要问题类型" in text
    assert (
        s.js("document.querySelectorAll('.leaflet-popup-content svg polyline').length")
        == 1
    )
    points = s.js(
        "document.querySelector('.leaflet-popup-content polyline')"
        ".getAttribute('points')"
    )
    assert len(points.split()) == district["cube"].shape[1]
    assert s.errors == []


def test_report_and_stop_popups(session, district):
    s = session
    _only(s, "问题上报")
    rid = s.js(
        "() => new Promise(done => { const g = __overlays().find(l =>"
        " l.name.startsWith('问题上报')).layer._hsInner; const mk = g.getLayers()[0];"
        " g.zoomToShowLayer(mk, () => { mk._icon.setAttribute('id', 'probe');"
        " done(mk._hsi); }); })"
    )
    s.page.dispatch_event("#probe", "click")
    text = s.page.wait_for_selector(".leaflet-popup-content").inner_text()
    report = district["reports"].iloc[rid]
    assert report["report_id"] in text
    assert report["category"] in text
    _only(s, "巡查路线")
    _close_popups(s)
    s.js("__map.fitBounds(__overlay('巡查路线').getBounds()); null")
    s.page.locator(".leaflet-marker-icon.hs-stop").first.click()
    text = s.page.wait_for_selector(".leaflet-popup-content").inner_text()
    assert "巡查组 A" in text
    assert "第1站" in text
    assert s.errors == []


def test_time_control_steps_through_weeks(session, district):
    s = session
    cube = district["cube"]
    label = s.page.locator(".hs-time-label")
    assert "2026-W47" in label.inner_text()
    s.page.click(".hs-prev")
    assert "2026-W46" in label.inner_text()
    assert s.js("__map.hasLayer(__overlay('逐周'))") is True
    n_cells = int((cube["2026-W46"] > 0).sum())
    assert s.js("__overlay('逐周').getLayers().length") == n_cells
    s.page.locator(".hs-time input").fill("0")
    assert cube.columns[-12] in label.inner_text()
    assert s.js("__overlay('逐周').getLayers().length") == int(
        (cube[cube.columns[-12]] > 0).sum()
    )
    assert s.errors == []


def test_english_page(browser, district, tmp_path):
    path = save_map(
        weekly_map(**district, style=MapStyle(tiles="none", language="en")),
        tmp_path / "en.html",
    )
    s = Session(browser, path)
    try:
        names = s.js("window.__overlays().map(l => l.name)")
        assert "Hot and cold spots (Gi*)" in names
        assert all("冷热点" not in n for n in names)
        assert "Legend" in s.js("document.querySelector('.hs-legend').textContent")
        assert s.errors == []
        assert s.remote == []
    finally:
        s.close()


@pytest.mark.slow
def test_xss_payloads_never_run(
    browser, xss_district, xss_payloads, tmp_path, output_dir
):
    style = MapStyle(tiles="none", max_text_chars=200)
    path = save_map(weekly_map(**xss_district, style=style), tmp_path / "xss.html")
    s = Session(browser, path)
    try:
        # open the popup of every report carrying a payload
        for i in range(2, 10):
            _close_popups(s)
            # the click a marker fires on its cluster group (what a DOM click does)
            found = s.js(
                "(i) => { for (const l of __overlays()) {"
                " if (!l.name.startsWith('问题上报')) continue;"
                " __map.addLayer(l.layer);"
                " const mk = __inner(l.layer).getLayers().find(m => m._hsi === i);"
                " if (!mk) continue;"
                " __inner(l.layer).fire('click',"
                " {layer: mk, latlng: mk.getLatLng()}, true);"
                " return true; } return false; }",
                i,
            )
            assert found
            s.page.wait_for_selector(".leaflet-popup-content")
            text = s.js("document.querySelector('.leaflet-popup-content').textContent")
            # shown as text: in the description, the address and the category
            assert text.count(xss_payloads[i - 2]) == 3
        # the blind spot whose reason is a payload, and the stop whose reason is one
        _only(s, "盲区")
        _close_popups(s)
        s.js("__map.fitBounds(__overlay('盲区').getBounds()); null")
        s.page.locator(
            ".leaflet-marker-icon.hs-rank", has_text=re.compile(r"^盲1$")
        ).dispatch_event("click")
        text = s.page.wait_for_selector(".leaflet-popup-content").inner_text()
        assert "<img src=x" in text
        _only(s, "巡查路线")
        _close_popups(s)
        s.js("__map.fitBounds(__overlay('巡查路线').getBounds()); null")
        for k in range(3):
            _close_popups(s)
            s.page.locator(".leaflet-marker-icon.hs-stop").nth(k).dispatch_event(
                "click"
            )
            s.page.wait_for_selector(".leaflet-popup-content")
        # payloads in category names are shown as text in the layer control and legend
        control = s.js("document.querySelector('.leaflet-control-layers').textContent")
        assert "<img src" in control
        assert "</script" in control
        s.page.screenshot(path=str(output_dir / "weekly_map_xss.png"))
        assert s.js("window.__pwned") is None
        assert s.dialogs == []
        assert (
            s.js(
                "document.querySelectorAll("
                "'img[src=\"x\"], iframe, svg[onload]').length"
            )
            == 0
        )
        assert s.js("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
        assert s.errors == []
        assert s.remote == []
    finally:
        s.close()


def _tile_pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Global Web-Mercator pixel of a coordinate at a zoom (256-pixel tiles)."""
    scale = 256 * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    phi = math.radians(lat)
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * scale
    return x, y


@pytest.mark.slow
def test_amap_overlay_lands_on_the_tile_pixel(browser, district, tmp_path):
    """A stop drawn on Amap tiles sits on the tile pixel of its GCJ-02 coordinate."""
    path = save_map(
        weekly_map(**district, style=MapStyle(tiles="amap")), tmp_path / "a.html"
    )
    s = Session(browser, path, tiles=True)
    try:
        stop = district["plan"].stops.iloc[0]
        glon, glat = (
            float(v) for v in wgs84_to_gcj02(stop.geometry.x, stop.geometry.y)
        )
        zoom = 17
        s.js(
            "([lat, lon, z]) => __map.setView([lat, lon], z, {animate: false}) && null",
            [glat, glon, zoom],
        )
        s.page.wait_for_function(
            "document.querySelectorAll('img.leaflet-tile-loaded').length > 0"
        )
        px, py = _tile_pixel(glon, glat, zoom)
        tx, ty = int(px // 256), int(py // 256)
        tile = s.page.locator(f"img.leaflet-tile[src*='x={tx}&y={ty}&z={zoom}']")
        box = tile.bounding_box()
        expected = (box["x"] + px - tx * 256, box["y"] + py - ty * 256)
        marker = s.page.locator(".leaflet-marker-icon.hs-stop").first.bounding_box()
        centre = (marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] / 2)
        assert np.hypot(centre[0] - expected[0], centre[1] - expected[1]) < 1.5
        # the WGS-84 position would be hundreds of metres (many pixels) away
        wx, wy = _tile_pixel(stop.geometry.x, stop.geometry.y, zoom)
        assert np.hypot(wx - px, wy - py) > 100
        assert all("autonavi.com" in u for u in s.remote)
        assert s.errors == []
    finally:
        s.close()


def test_screenshot(browser, saved, output_dir):
    s = Session(browser, saved)
    try:
        s.page.wait_for_timeout(300)
        out = output_dir / "weekly_map_fixture.png"
        s.page.screenshot(path=str(out))
        assert out.stat().st_size > 10_000
        assert s.errors == []
        assert s.remote == []
    finally:
        s.close()


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sample_district_screenshot(browser, tmp_path, output_dir):
    """The committed sample district's last week, end to end, in the browser."""
    grid_file = REPO / "boundaries" / "grid.geojson"
    exports = sorted((REPO / "sample_data" / "exports").glob("reports_*"))
    if not grid_file.exists() or not exports:
        pytest.skip("the sample district files are not generated yet")
    join = pytest.importorskip("hotspots.spatial.join")
    cube_mod = pytest.importorskip("hotspots.spatial.cube")
    stats = pytest.importorskip("hotspots.stats.local")
    emerging_mod = pytest.importorskip("hotspots.stats.emerging")
    blind_mod = pytest.importorskip("hotspots.ledger.blindspots")
    import geopandas as gpd

    grid = gpd.read_file(grid_file)
    streets = gpd.read_file(REPO / "boundaries" / "streets.geojson")
    read = pytest.importorskip("hotspots.sample.district").read_sample(REPO)
    reports = join.assign(read.reports, grid=grid)
    cube = cube_mod.space_time_cube(reports, grid)
    week = cube.columns[-1]
    gi = stats.gi_star(grid, cube[week].to_numpy(dtype=float))
    emerging = emerging_mod.emerging_hotspots(cube, grid)
    blind = blind_mod.blind_spots(reports, grid, emerging=emerging)
    in_week = cube_mod.period_labels(reports["reported_at"]) == week
    m = weekly_map(
        grid=grid,
        streets=streets,
        reports=reports[in_week],
        gi=gi,
        emerging=emerging,
        blind_spots=blind,
        cube=cube,
        week=week,
        style=MapStyle(tiles="none"),
    )
    path = save_map(m, tmp_path / "sample.html")
    page = path.read_text(encoding="utf-8")
    phones = read.reports["reporter_phone"].dropna().astype(str)
    assert not any(p in page for p in phones.unique()[:500] if len(p) >= 7)
    s = Session(browser, path)
    try:
        s.page.wait_for_timeout(300)
        out = output_dir / "weekly_map_sample.png"
        s.page.screenshot(path=str(out))
        assert out.stat().st_size > 10_000
        assert s.js("window.__overlay('Gi*').getLayers().length") == int(
            (gi["gi_class"] != 0).sum()
        )
        assert s.errors == []
        assert s.remote == []
        assert s.dialogs == []
    finally:
        s.close()


def test_summary_panel_opens_on_click_and_shows_the_pai_curves(
    browser, district, tmp_path, output_dir
):
    import pandas as pd

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
        for c in (0.01, 0.05, 0.1)
    ]
    backtest = BacktestResult(
        periods=pd.DataFrame(), summary=pd.DataFrame(rows), measure="area"
    )
    summary = {
        "counts": {"rows_read": 1234, "accepted": 1200, "quarantined": 34},
        "top_blind_spots": [
            {
                "rank": 1,
                "grid_id": "370202001002000",
                "score": 0.9,
                "reason_zh": '<img src=x onerror="window.__pwned=1">连续5周出现',
            }
        ],
    }
    m = weekly_map(
        **district,
        style=MapStyle(tiles="none"),
        summary=summary,
        backtest=backtest,
    )
    s = Session(browser, save_map(m, tmp_path / "summary.html"))
    try:
        details = s.page.locator(".hs-summary details")
        chart = s.page.locator(".hs-summary svg.hs-chart")
        # collapsed at opening: the title shows, the table and the curves do not
        assert details.count() == 1
        assert s.js("document.querySelector('.hs-summary details').open") is False
        assert not chart.is_visible()
        s.page.locator(".hs-summary summary").click()
        assert s.js("document.querySelector('.hs-summary details').open") is True
        chart.wait_for(state="visible")
        box = chart.bounding_box()
        assert box["width"] > 200
        # the chart speaks the map language
        words = s.js("document.querySelector('.hs-summary svg').textContent")
        assert "命中率" in words
        assert "上期计数" in words
        assert "Hit rate" not in words
        text = s.js("document.querySelector('.hs-summary').textContent")
        assert "1,234" in text
        assert "上期计数" in text
        # the untrusted reason is shown as text, never run
        assert '<img src=x onerror="window.__pwned=1">连续5周出现' in text
        assert s.js("window.__pwned === undefined") is True
        assert s.js("document.querySelectorAll('.hs-summary img').length") == 0
        # a click in the panel does not reach the map
        assert s.js("document.querySelectorAll('.leaflet-popup').length") == 0
        s.page.screenshot(path=str(output_dir / "weekly_map_summary.png"))
        s.page.locator(".hs-summary summary").click()
        assert s.js("document.querySelector('.hs-summary details').open") is False
        assert s.errors == []
        assert s.remote == []
        assert s.dialogs == []
    finally:
        s.close()


LEGEND_SHOWN = """() => Array.from(document.querySelectorAll('.hs-legend [data-layer]'))
  .filter(el => el.offsetParent !== null).map(el => el.getAttribute('data-layer'))"""


def test_legend_lists_only_the_layers_that_are_on(session):
    s = session
    shown = s.js(LEGEND_SHOWN)
    # at opening: grid, streets, Gi*, blind spots and patrol are on
    assert shown == ["gi", "gi emerging", "blind_spots", "patrol"]
    legend = s.js("document.querySelector('.hs-legend').innerText")
    assert "问题热力图" not in legend
    s.js("__map.addLayer(__overlay('热力图')); null")
    assert "heat" in s.js(LEGEND_SHOWN)
    assert "问题热力图" in s.js("document.querySelector('.hs-legend').innerText")
    s.js("__map.removeLayer(__overlay('Gi*')); null")
    assert "gi" not in s.js(LEGEND_SHOWN)
    assert "gi emerging" not in s.js(LEGEND_SHOWN)
    # a category switched on adds its own swatch only
    s.js(
        "__map.addLayer(__overlays().find(l => l.name.includes('问题上报')).layer);"
        " null"
    )
    assert s.js(LEGEND_SHOWN)[-2:] == [
        "reports-0 reports-1 reports-2 reports-3 reports-4 reports-5",
        "reports-0",
    ]
    # every overlay off: no legend at all
    s.js("__overlays().forEach(l => __map.removeLayer(l.layer)); null")
    assert s.js(LEGEND_SHOWN) == []
    assert s.js("getComputedStyle(document.querySelector('.hs-legend')).display") == (
        "none"
    )
    # the layer control's clicks drive it too
    s.page.locator(".leaflet-control-layers-overlays").get_by_text("巡查路线").click()
    assert s.js(LEGEND_SHOWN) == ["patrol"]
    assert s.errors == []


def test_rank_and_stop_markers_are_told_apart(session):
    s = session
    ranks = s.js(
        "Array.from(document.querySelectorAll('.leaflet-marker-icon.hs-rank'))"
        ".map(e => e.textContent)"
    )
    stops = s.js(
        "Array.from(document.querySelectorAll('.leaflet-marker-icon.hs-stop'))"
        ".map(e => e.textContent)"
    )
    assert sorted(ranks, key=lambda r: int(r[1:])) == [f"盲{k}" for k in range(1, 31)]
    assert sorted(stops) == ["A1", "A2", "B1"]
    shape = (
        "(sel) => { const e = document.querySelector(sel + ' span');"
        " const c = getComputedStyle(e); return [c.borderRadius, c.backgroundColor]; }"
    )
    rank_shape = s.js(shape, ".leaflet-marker-icon.hs-rank")
    stop_shape = s.js(shape, ".leaflet-marker-icon.hs-stop")
    assert rank_shape != stop_shape
    # a rank circle placed on a stop never hides it: the stop is on top
    s.js(
        """() => {
        const kind = (l) => l.options && l.options.icon
            && l.options.icon.options.className;
        const stop = Object.values(__map._layers).find(l => kind(l) === 'hs-stop');
        const rank = Object.values(__map._layers).find(l => kind(l) === 'hs-rank');
        rank.setLatLng(stop.getLatLng());
        window.__stopAt = __map.latLngToContainerPoint(stop.getLatLng());
        }"""
    )
    top = s.js(
        """() => { const r = __map.getContainer().getBoundingClientRect();
        const e = document.elementFromPoint(r.left + __stopAt.x, r.top + __stopAt.y);
        return e.closest('.leaflet-marker-icon').className; }"""
    )
    assert "hs-stop" in top
    assert "hs-rank" not in top


def test_title_never_covers_a_popup(session):
    s = session
    title = s.page.locator(".hs-title")
    assert title.is_visible()
    box = title.bounding_box()
    # a popup opened right under the title
    s.js(
        """(b) => { const r = __map.getContainer().getBoundingClientRect();
        const ll = __map.containerPointToLatLng(
            [b.x - r.left + b.width / 2, b.y - r.top + b.height + 100]);
        __map.openPopup('<div style="height:90px">popup</div>', ll, {autoPan: false});
        }""",
        box,
    )
    popup = s.page.locator(".leaflet-popup")
    popup.wait_for(state="visible")
    p = popup.bounding_box()
    overlap = not (
        p["x"] + p["width"] <= box["x"]
        or box["x"] + box["width"] <= p["x"]
        or p["y"] + p["height"] <= box["y"]
        or box["y"] + box["height"] <= p["y"]
    )
    assert overlap  # the popup reaches the title's place ...
    assert not title.is_visible()  # ... and the title steps aside
    s.js("__map.closePopup(); null")
    assert title.is_visible()


@pytest.mark.parametrize(("size", "folded"), [((800, 600), True), ((1280, 860), False)])
def test_small_screens_fold_the_layer_list_and_legend(browser, saved, size, folded):
    s = Session(browser, saved, size=size)
    try:
        expanded = "document.querySelector('.leaflet-control-layers')" + (
            ".classList.contains('leaflet-control-layers-expanded')"
        )
        legend_open = "document.querySelector('.hs-legend details').open"
        assert s.js(expanded) is (not folded)
        assert s.js(legend_open) is (not folded)
        s.page.screenshot(path=f"/tmp/hotspots_map_{size[0]}x{size[1]}.png")
        if folded:
            # a hover opens the layer list, a tap on the legend's title opens it
            s.page.locator(".leaflet-control-layers").hover()
            assert s.js(expanded) is True
            s.page.mouse.move(400, 300)
            assert s.js(expanded) is False
            s.page.locator(".hs-legend summary").click()
            assert s.js(legend_open) is True
        assert s.errors == []
    finally:
        s.close()


def test_english_notice_of_an_empty_week(browser, district, tmp_path):
    cube = district["cube"].copy()
    cube["2026-W45"] = 0
    m = weekly_map(
        **{**district, "cube": cube, "week": "2026-W45", "reports": None},
        style=MapStyle(language="en"),
    )
    s = Session(browser, save_map(m, tmp_path / "empty.html"))
    try:
        notice = s.page.locator(".hs-notice")
        assert notice.is_visible()
        assert "No reports this week" in notice.inner_text()
        # every label of the page is English
        text = s.js("document.querySelector('.leaflet-control-container').innerText")
        assert "Legend" in text
        assert "图例" not in text
        ranks = s.js(
            "Array.from(document.querySelectorAll('.leaflet-marker-icon.hs-rank'))"
            ".map(e => e.textContent)"
        )
        assert "#1" in ranks
        assert all(r.startswith("#") for r in ranks)
        assert s.errors == []
    finally:
        s.close()


def test_scorecard_layer_colours_outlines_and_popup(browser, district, tmp_path):
    import pandas as pd

    cells = district["grid"]["grid_id"].tolist()
    # a dark-outlined black-listed cell and a red-outlined red-listed one
    card = pd.DataFrame(
        {
            "grid_id": [cells[30], cells[31]],
            "unit_id": ["U1", "U2"],
            "unit_name": ["市政一队", "<b>环卫所</b>"],
            "on_time_rate": [0.45, 0.825],
            "on_time_rate_lo": [0.30, 0.741],
            "on_time_rate_hi": [0.60, 0.889],
            "list": ["black", "red"],
            "cases": [40, 120],
        }
    )
    path = save_map(
        weekly_map(
            **district, scorecard=card, style=MapStyle(tiles="none", show=("grid",))
        ),
        tmp_path / "sc.html",
    )
    s = Session(browser, path)
    try:
        assert s.js(LEGEND_SHOWN) == []
        s.page.locator(".leaflet-control-layers").get_by_text(
            "责任单位按期结案率"
        ).click()
        assert s.js(LEGEND_SHOWN) == ["scorecard"]
        styles = s.js(
            "() => __inner(__overlay('按期结案率')).getLayers()"
            ".flatMap(g => g.getLayers()).filter(l => l.options.interactive !== false)"
            ".map(l => [l.feature.properties.i, l.options.color, l.options.fillColor,"
            " l.options.weight])"
        )
        # red first, then black (drawn last, on top)
        assert styles == [[0, "#e31a1c", "#31a354", 3], [1, "#111111", "#ffffcc", 3]]
        g = district["grid"].set_index("grid_id").geometry
        c = g[cells[31]].centroid
        s.js(
            "([lat, lon]) => __map.setView([lat, lon], 18, {animate: false}) && null",
            [c.y, c.x],
        )
        _click_latlng(s, c.y, c.x)
        text = s.page.wait_for_selector(".leaflet-popup-content").inner_text()
        assert "<b>环卫所</b>（U2）" in text  # shown as text, never as markup
        assert "82.5%（95% 区间 74.1%–88.9%）" in text
        assert "红榜" in text
        assert "120" in text
        assert s.errors == []
        assert s.remote == []
    finally:
        s.close()
