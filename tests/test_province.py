"""Several cities' weekly jobs in one run: on a cluster and in process."""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from hotspots.compute import engine  # noqa: E402
from hotspots.errors import InputError  # noqa: E402
from hotspots.pipeline.config import load_config  # noqa: E402
from hotspots.pipeline.province import (  # noqa: E402
    CityRun,
    ProvinceRun,
    run_province,
)
from hotspots.sample.district import make_district, write_district  # noqa: E402

WEEK = "2026-W47"
EVIL = "乙市<script>alert(1)</script>"


@pytest.fixture(scope="module")
def province(tmp_path_factory, make_config) -> Path:
    """Two small cities sharing one generated district, each its own folder."""
    root = tmp_path_factory.mktemp("province")
    write_district(make_district(seed=3, weeks=8, n_reports=1500), root)
    for stem, name in (("a", "甲市"), ("b", EVIL)):
        path = make_config(
            root,
            city={"name": name},
            analysis={"history_weeks": 8, "backtest_weeks": 0},
            patrol={"enabled": False},
            output={"folder": str(root / f"maps_{stem}")},
        )
        path.rename(root / f"{stem}.toml")
    return root


@pytest.fixture(scope="module")
def cluster():
    with engine("dask", n_workers=2, threads_per_worker=1, processes=False) as e:
        yield e


def _configs(root: Path) -> list[Path]:
    return [root / "a.toml", root / "b.toml", root / "missing.toml"]


def _check_run(run: ProvinceRun, root: Path, out: Path) -> None:
    a, b, missing = run.cities
    assert [c.status for c in run.cities] == ["ok", "ok", "failed"]
    assert not run.ok
    assert run.failed == (missing,)
    assert (a.name, b.name) == ("甲市", EVIL)
    for c, stem in ((a, "a"), (b, "b")):
        assert c.week == WEEK
        assert c.folder == root / f"maps_{stem}" / WEEK
        assert c.map is not None
        assert c.map.is_file()
        on_disk = json.loads((c.folder / "summary.json").read_text("utf-8"))
        assert c.summary == on_disk
        assert c.error is None
    assert missing.config == str(root / "missing.toml")
    assert missing.error is not None
    assert "missing.toml" in missing.error
    assert (missing.week, missing.map, missing.summary) == (None, None, None)

    page = run.index.read_text("utf-8")
    assert run.index == out / "index.html"
    links = re.findall(r'href="([^"]+)"', page)
    want = [
        os.path.relpath(root / f"maps_{s}" / WEEK / "index.html", out) for s in "ab"
    ]
    assert links == want
    assert all(link.startswith("../") for link in links)
    for link in links:  # relative links resolve from the index's folder
        assert (out / link).is_file()
    # every city's counts and top blind spot are in the table, escaped
    for c in (a, b):
        assert c.summary is not None
        counts = c.summary["counts"]
        top = c.summary["top_blind_spots"][0]
        row = f"<td>{WEEK}</td><td>{counts['reports_in_week']}</td>"
        row += f"<td>{counts['accepted']}</td><td>{counts['quarantined']}</td>"
        row += f"<td>#{top['rank']} {top['grid_id']}"
        assert row in page
    total = sum(c.summary["counts"]["accepted"] for c in (a, b) if c.summary)
    assert f"<td>{total}</td>" in page
    assert "<script>" not in page
    assert "乙市&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "失败 failed: InputError" in page
    assert "2/3 完成 ok" in page


def test_cities_run_on_a_cluster(province, cluster, tmp_path):
    out = tmp_path / "province"
    run = run_province(
        _configs(province), week=WEEK, output_folder=out, client=cluster.client
    )
    _check_run(run, province, out)


def test_cities_run_in_process_without_client(province, tmp_path):
    out = tmp_path / "province"
    filters = list(warnings.filters)
    run = run_province(
        [load_config(province / "a.toml"), *_configs(province)[1:]],
        week=WEEK,
        output_folder=out,
    )
    assert warnings.filters == filters  # the jobs' silence ends with them
    _check_run(run, province, out)


def test_a_city_failing_while_running_is_reported(province, cluster, tmp_path):
    # the export is there when the config is loaded, gone when the job reads it
    exports = province / "sample_data" / "exports"
    export = next(exports.glob("*.csv"))
    copy = tmp_path / export.name
    copy.write_bytes(export.read_bytes())
    text = (province / "a.toml").read_text("utf-8")
    assert str(exports / "reports_*") in text
    text = text.replace(str(exports / "reports_*"), str(copy))
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("maps_a", "maps_broken"), encoding="utf-8")
    config = load_config(broken)
    copy.unlink()
    run = run_province(
        [config, province / "a.toml"],
        week=WEEK,
        output_folder=tmp_path,
        client=cluster.client,
    )
    city, ok = run.cities
    assert isinstance(city, CityRun)
    assert city.status == "failed"
    assert city.config == str(broken)
    assert city.error is not None
    assert city.error.startswith("InputError: ")
    assert export.name in city.error
    assert ok.ok
    assert "failed: InputError" in run.index.read_text("utf-8")


def test_bad_inputs(province, tmp_path):
    with pytest.raises(InputError, match="at least one city"):
        run_province([], output_folder=tmp_path)
    with pytest.raises(TypeError, match="list of city config paths"):
        run_province("a.toml", output_folder=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a path or"):
        run_province([1], output_folder=tmp_path)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="week must be a week label"):
        run_province([province / "a.toml"], week=47, output_folder=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"distributed\.Client"):
        run_province([province / "a.toml"], output_folder=tmp_path, client=object())
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError, match="must be a folder"):
        run_province([province / "a.toml"], output_folder=a_file)
    with pytest.raises(InputError, match="same output folder"):
        run_province([province / "a.toml"] * 2, output_folder=tmp_path)
    with pytest.raises(InputError, match="share with the province"):
        run_province([province / "a.toml"], output_folder=province / "maps_a")
