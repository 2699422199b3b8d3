"""A small fixture district built in code, with every frame the map draws.

The frames follow the contracts of the other steps exactly (column names as
in the brief), so the map is tested without running them. ``make_district``
is also imported by ``tests/test_render.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

UTM51N = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = (
    "占道经营",
    "乱停车",
    "卫生死角",
    "乱贴乱画",
    "建筑垃圾乱排乱放",
    "流浪犬",
)
XSS_PAYLOADS = (
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "</script><script>window.__pwned=2;alert(2)</script>",
    '"><svg onload="window.__pwned=3;alert(3)">',
    '<a href="javascript:window.__pwned=4">点我</a>',
    "'-alert(5)-'",
    '<iframe src="javascript:alert(6)"></iframe>',
    "\u2028window.__pwned=7//",
    "{{7*7}}${alert(8)}",
)
SECRET_NAME = "张秘密"
SECRET_PHONE = "13912345678"
SECRET_ID = "37020219900101123X"
FREE_TEXT_PHONE = "18688886666"
FREE_TEXT_LANDLINE = "0532-83334444"
FREE_TEXT_ID = "110101198001017777"


@dataclass(frozen=True)
class ClusterResult:
    labels: pd.Series
    clusters: gpd.GeoDataFrame


@dataclass(frozen=True)
class PatrolPlan:
    routes: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    left_out: pd.DataFrame


def make_district(
    nx: int = 12,
    ny: int = 10,
    n_reports: int = 400,
    *,
    seed: int = 0,
    xss: bool = False,
) -> dict[str, object]:
    """Every frame of a week's analysis for an ``nx`` x ``ny`` grid near Qingdao."""
    rng = np.random.default_rng(seed)
    cells, ids = [], []
    for r in range(ny):
        for c in range(nx):
            x, y = X0 + c * 100.0, Y0 + r * 100.0
            cells.append(box(x, y, x + 100.0, y + 100.0))
            ids.append(f"370202001002{r * nx + c:03d}")
    grid = gpd.GeoDataFrame(
        {"grid_id": ids, "community_id": "370202001002"}, geometry=cells, crs=UTM51N
    ).to_crs("EPSG:4326")
    n = len(ids)
    streets = gpd.GeoDataFrame(
        {
            "street_id": ["S1", "S2", "S3"],
            "name": ["香港中路", "南京路", "小巷"],
            "street_class": ["arterial", "secondary", "alley"],
            "oneway": [False, False, True],
        },
        geometry=[
            LineString([(X0, Y0 + 500), (X0 + nx * 100, Y0 + 500)]),
            LineString([(X0 + 600, Y0), (X0 + 600, Y0 + ny * 100)]),
            LineString([(X0 + 150, Y0 + 150), (X0 + 350, Y0 + 250)]),
        ],
        crs=UTM51N,
    ).to_crs("EPSG:4326")
    # reports: a hot corner in the top right
    hot = rng.random(n_reports) < 0.5
    px = np.where(hot, rng.uniform(0.7, 1.0, n_reports), rng.uniform(0, 1, n_reports))
    py = np.where(hot, rng.uniform(0.7, 1.0, n_reports), rng.uniform(0, 1, n_reports))
    px, py = X0 + px * nx * 100 * 0.999, Y0 + py * ny * 100 * 0.999
    col = (px - X0) // 100
    row = (py - Y0) // 100
    grid_of = np.asarray(ids)[(row * nx + col).astype(int)]
    start = pd.Timestamp("2026-11-16", tz="Asia/Shanghai")
    cats = np.asarray(CATEGORIES, dtype=object)[
        rng.integers(0, len(CATEGORIES), n_reports)
    ]
    desc = np.asarray([f"第{i}号：路边有问题" for i in range(n_reports)], dtype=object)
    addr = np.asarray([f"香港中路{i}号" for i in range(n_reports)], dtype=object)
    desc[0] = f"请联系我 {FREE_TEXT_PHONE} 或 {FREE_TEXT_LANDLINE}"
    desc[1] = f"身份证 {FREE_TEXT_ID}"
    if xss:
        for i, payload in enumerate(XSS_PAYLOADS):
            desc[2 + i] = payload
            addr[2 + i] = payload
            cats[2 + i] = payload
    reports = gpd.GeoDataFrame(
        {
            "report_id": [f"R{i:05d}" for i in range(n_reports)],
            "reported_at": start
            + pd.to_timedelta(rng.uniform(0, 6.9, n_reports), unit="D"),
            "category": cats,
            "category_code": pd.NA,
            "category_major": pd.NA,
            "status": rng.choice(["open", "closed", "reopened"], n_reports),
            "closed_at": pd.NaT,
            "source": rng.choice(["inspector", "hotline", "evaluation"], n_reports),
            "weight": 1.0,
            "reopen_count": 0,
            "description": desc,
            "address": addr,
            "reporter_name": SECRET_NAME,
            "reporter_phone": SECRET_PHONE,
            "reporter_id_number": SECRET_ID,
            "grid_id": grid_of,
        },
        geometry=gpd.points_from_xy(px, py),
        crs=UTM51N,
    ).to_crs("EPSG:4326")
    periods = [f"2026-W{w:02d}" for w in range(36, 48)]
    base = rng.poisson(0.6, (n, len(periods))).astype(np.int64)
    week_counts = pd.Series(grid_of).value_counts().reindex(ids).fillna(0).to_numpy()
    base[:, -1] = week_counts.astype(np.int64)
    cube = pd.DataFrame(
        base,
        index=pd.Index(ids, name="grid_id"),
        columns=pd.Index(periods, name="period"),
    )
    # Gi*: classes from the corner distance
    cx = np.tile(np.arange(nx), ny)
    cy = np.repeat(np.arange(ny), nx)
    z = 3.2 - 0.45 * np.hypot(nx - 1 - cx, ny - 1 - cy)
    z[(cx < 2) & (cy < 2)] = -2.2
    p = np.clip(np.exp(-np.abs(z)), 1e-6, 1)
    cls = np.where(z > 2.58, 3, np.where(z > 1.96, 2, np.where(z > 1.65, 1, 0)))
    cls = np.where(z < -1.96, -2, cls)
    gi = grid.assign(
        gi_z=z,
        gi_p=p,
        gi_class=cls,
        gi_label_zh="",
        gi_label_en="",
    )
    patterns = np.full(n, "no_pattern", dtype=object)
    patterns[cls == 3] = "persistent_hot"
    patterns[cls == 2] = "new_hot"
    patterns[cls == -2] = "sporadic_cold"
    emerging = grid.assign(
        pattern=patterns,
        pattern_zh="",
        pattern_en="",
        n_hot=np.where(cls > 0, 5, 0),
        n_cold=0,
        mk_tau=0.1,
        mk_z=1.0,
        mk_p=0.2,
        final_z=z,
        final_p=p,
        z_series=[list(np.round(rng.normal(0, 1, 12), 2)) for _ in range(n)],
    )
    score = np.clip(z, 0, None) + rng.random(n) * 0.1
    order = np.argsort(-score, kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    reason_zh = np.asarray(["反复返工，热线多次反映"] * n, dtype=object)
    reason_en = np.asarray(["Reopened again and again"] * n, dtype=object)
    if xss:
        reason_zh[order[0]] = XSS_PAYLOADS[0]
        reason_en[order[0]] = XSS_PAYLOADS[0]
    blind = grid.assign(
        n_reports=week_counts,
        n_reopened=rng.integers(0, 5, n),
        share_outside=np.round(rng.random(n), 2),
        score=score,
        rank=rank,
        reason_zh=reason_zh,
        reason_en=reason_en,
    )
    hull = box(X0 + 800, Y0 + 700, X0 + nx * 100, Y0 + ny * 100)
    clusters = ClusterResult(
        labels=pd.Series(-1, index=reports.index),
        clusters=gpd.GeoDataFrame(
            {
                "cluster_id": [0],
                "n_reports": [120],
                "category_mix": ["占道经营 60、乱停车 60"],
                "first_report": [start],
                "last_report": [start + pd.Timedelta(days=6)],
                "n_weeks": [5],
            },
            geometry=[hull],
            crs=UTM51N,
        ).to_crs("EPSG:4326"),
    )
    stop_pts = [
        Point(X0 + 650, Y0 + 550),
        Point(X0 + 1050, Y0 + 850),
        Point(X0 + 150, Y0 + 150),
    ]
    routes = gpd.GeoDataFrame(
        {
            "team": ["A", "B"],
            "n_stops": [2, 1],
            "total_score": [5.0, 2.0],
            "duration_min": [120.0, 60.0],
            "distance_m": [900.0, 400.0],
        },
        geometry=[
            LineString(
                [(X0 + 600, Y0 + 500), (X0 + 650, Y0 + 550), (X0 + 1050, Y0 + 850)]
            ),
            LineString([(X0 + 600, Y0 + 500), (X0 + 150, Y0 + 150)]),
        ],
        crs=UTM51N,
    ).to_crs("EPSG:4326")
    t0 = pd.Timestamp("2026-11-23 08:00", tz="Asia/Shanghai")
    stops = gpd.GeoDataFrame(
        {
            "team": ["A", "A", "B"],
            "order": [1, 2, 1],
            "target_id": [ids[-1], ids[-2], ids[0]],
            "arrival": [
                t0,
                t0 + pd.Timedelta(minutes=40),
                t0 + pd.Timedelta(minutes=20),
            ],
            "departure": [
                t0 + pd.Timedelta(minutes=15),
                t0 + pd.Timedelta(minutes=55),
                t0 + pd.Timedelta(minutes=35),
            ],
            "dwell_min": [15.0, 15.0, 15.0],
            "score": [3.0, 2.0, 2.0],
            "reason": ["盲区第1名", "盲区第2名", XSS_PAYLOADS[2] if xss else "热线"],
        },
        geometry=stop_pts,
        crs=UTM51N,
    ).to_crs("EPSG:4326")
    plan = PatrolPlan(
        routes=routes,
        stops=stops,
        left_out=pd.DataFrame({"target_id": [], "score": [], "reason": []}),
    )
    return {
        "grid": grid,
        "streets": streets,
        "reports": reports,
        "gi": gi,
        "emerging": emerging,
        "clusters": clusters,
        "blind_spots": blind,
        "plan": plan,
        "cube": cube,
        "week": "2026-W47",
    }


def chromium_path() -> str | None:
    """The system Chromium, installed with apt when missing and allowed."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("HOTSPOTS_INSTALL_CHROMIUM") == "1" and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=False)
    return CHROMIUM if Path(CHROMIUM).exists() else None


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api as playwright

    exe = chromium_path()
    if exe is None:
        why = (
            "Chromium is not installed at /usr/bin/chromium: run "
            "'bash scripts/test.sh' (installs it as root) or 'apt-get install chromium'"
        )
        if os.environ.get("CI"):
            pytest.fail(why)  # CI must run the browser tests, never skip them
        pytest.skip(why)
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def module_district() -> dict[str, object]:
    return make_district()


@pytest.fixture
def district(module_district) -> dict[str, object]:
    return module_district


@pytest.fixture
def xss_payloads() -> tuple[str, ...]:
    return XSS_PAYLOADS


@pytest.fixture
def xss_district() -> dict[str, object]:
    return make_district(xss=True)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    out = Path(__file__).resolve().parents[2] / "test-output"
    out.mkdir(exist_ok=True)
    return out
