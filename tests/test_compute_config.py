"""The weekly job and the province on the engine the config's [compute] names."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_geopandas")

from hotspots.cli import main  # noqa: E402
from hotspots.compute import engine, engine_from_config, partitions  # noqa: E402
from hotspots.errors import InputError  # noqa: E402
from hotspots.pipeline.config import (  # noqa: E402
    ComputeConfig,
    config_from_dict,
    load_province,
    province_from_dict,
)
from hotspots.pipeline.weekly import Weekly, run_weekly  # noqa: E402

QUIET = {"analysis": {"history_weeks": 8, "backtest_weeks": 0}}

# a province job lets other libraries' warnings through; an empty week's
# emerging-hot-spot notice is a plain UserWarning until the stats stage's
# warnings are HotspotsWarnings (which the province's jobs silence)
pytestmark = pytest.mark.filterwarnings(
    "ignore:emerging_hotspots. no unit has a report:UserWarning"
)


@pytest.fixture(scope="module")
def cluster():
    with engine("dask", n_workers=2, threads_per_worker=1, processes=False) as e:
        yield e


# -- [compute] at load -------------------------------------------------------------


def _compute(**table):
    return config_from_dict({"input": {"reports": "x.csv"}, "compute": table}).compute


def test_compute_defaults_and_values():
    assert _compute() == ComputeConfig()
    assert ComputeConfig().engine == "local"
    got = _compute(engine="dask", workers=2, threads_per_worker=1, partitions=4)
    assert (got.engine, got.workers, got.threads_per_worker, got.partitions) == (
        "dask",
        2,
        1,
        4,
    )
    assert _compute(engine="dask", memory_limit="4GB").memory_limit == "4GB"
    remote = _compute(engine="dask", scheduler="tcp://10.0.0.5:8786")
    assert remote.scheduler == "tcp://10.0.0.5:8786"


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"engine": "spark"}, r"compute\.engine must be one of 'local', 'dask'"),
        ({"engine": "dask", "scheduler": "10.0.0.5:8786"}, r"compute\.scheduler must"),
        ({"engine": "dask", "scheduler": "http://h:8786"}, r"compute\.scheduler must"),
        ({"engine": "dask", "scheduler": 8786}, r"compute\.scheduler must"),
        ({"engine": "dask", "workers": 0}, r"compute\.workers must be a whole"),
        ({"engine": "dask", "partitions": 1.5}, r"compute\.partitions must"),
        ({"engine": "dask", "memory_limit": "lots"}, r"compute\.memory_limit must"),
        (
            {"scheduler": "tcp://h:8786"},
            r'compute\.scheduler needs compute\.engine = "dask"',
        ),
        ({"engine": "local", "workers": 2}, r"compute\.workers needs compute\.engine"),
        (
            {"engine": "dask", "scheduler": "tcp://h:8786", "workers": 2},
            r"compute\.workers sizes the local cluster",
        ),
        (
            {"engin": "dask"},
            r"unknown key in \[compute\]: 'engin'\. Did you mean 'engine'",
        ),
    ],
)
def test_compute_errors_name_the_key(table, match):
    with pytest.raises(InputError, match=match) as info:
        _compute(**table)
    assert "\n" not in str(info.value)  # one problem, one line


def test_engine_from_config_and_partitions(cluster):
    local = engine_from_config(ComputeConfig())
    assert (local.kind, local.client) == ("local", None)
    assert partitions(local) == 1
    assert partitions(local, 3) == 3
    assert partitions(cluster) == 4  # two per worker
    with engine_from_config(
        ComputeConfig(engine="dask", workers=1, threads_per_worker=1), processes=False
    ) as e:
        assert e.kind == "dask"
        assert len(e.client.scheduler_info()["workers"]) == 1


# -- the weekly job: local and dask give the same results and files ------------------


def _city(root: Path, make_config, stem: str, **compute) -> Path:
    path = make_config(
        root,
        name=f"{stem}.toml",
        **QUIET,
        patrol={"enabled": False},
        output={"folder": str(root / f"maps_{stem}")},
        **({"compute": compute} if compute else {}),
    )
    # write_config names the file after its last section: give it its own name
    return path.rename(root / f"{stem}.toml")


def _files(job) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in sorted(job.outputs.items())}


@pytest.fixture(scope="module")
def local_job(district_root, make_config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_weekly(_city(district_root, make_config, "w20_local"))


def _same_job(local, other) -> None:
    assert not local.uses_dask
    assert other.uses_dask
    assert other.week == local.week
    pd.testing.assert_frame_equal(other.cube, local.cube)
    pd.testing.assert_frame_equal(other.assigned, local.assigned)
    pd.testing.assert_frame_equal(other.read.quarantined, local.read.quarantined)
    # the blind-spot ledger: every column, the ranks, the order and the attrs
    pd.testing.assert_frame_equal(other.blind_spots, local.blind_spots)
    assert other.blind_spots.attrs == local.blind_spots.attrs
    assert other.summary == local.summary
    assert _files(other) == _files(local)


def test_weekly_on_an_injected_cluster_is_identical(
    local_job, cluster, district_root, make_config
):
    path = _city(district_root, make_config, "w20_injected")
    with warnings.catch_warnings(), distributed.get_task_stream(cluster.client) as ts:
        warnings.simplefilter("ignore")
        job = run_weekly(path, compute=cluster)
    _same_job(local_job, job)
    # the join and the cube ran as tasks on both workers of the cluster
    tasks = " ".join(str(t["key"]) for t in ts.data)
    assert "_assign_part" in tasks
    assert "_cube_part" in tasks
    assert "blind_spots_partial" in tasks
    assert len({t["worker"] for t in ts.data}) == 2
    assert cluster.client.status == "running"  # a given engine is left open


def test_scorecards_on_the_sample_are_identical_on_a_cluster(
    cluster, district_root, make_config
):
    path = make_config(
        district_root,
        "w20_scorecard.toml",
        **QUIET,
        patrol={"enabled": False},
        responsibility={
            "units": "boundaries/units.csv",
            "duties": "boundaries/duties.geojson",
        },
        scorecard={"levels": ["unit_id", "subdistrict_id"], "target": 0.8},
        output={"folder": str(district_root / "maps_w20_scorecard")},
    )
    with warnings.catch_warnings(), distributed.get_task_stream(cluster.client) as ts:
        warnings.simplefilter("ignore")
        local, other = Weekly(path), Weekly(path, compute=cluster)
        assert other.uses_dask
        assert not local.uses_dask
        assert (
            list(other.scorecard)
            == list(local.scorecard)
            == [
                "unit_id",
                "subdistrict_id",
            ]
        )
        for level, cards in local.scorecard.items():
            for span in ("week", "window"):
                assert cards[span]["cases"].sum() > 0
                pd.testing.assert_frame_equal(other.scorecard[level][span], cards[span])
        pd.testing.assert_frame_equal(other.red_black, local.red_black)
    # the per-unit aggregation ran by partition on both workers
    workers = {t["worker"] for t in ts.data if "scorecard_partial" in str(t["key"])}
    assert len(workers) == 2


def test_weekly_with_engine_dask_in_the_config_is_identical(
    local_job, district_root, make_config, monkeypatch
):
    import hotspots.compute

    path = _city(
        district_root,
        make_config,
        "w20_config",
        engine="dask",
        workers=2,
        threads_per_worker=1,
        partitions=3,
    )
    real = hotspots.compute.engine_from_config
    started = []

    def threads(compute):  # worker threads: a fast start for the suite
        e = real(compute, processes=False)
        started.append(e)
        return e

    monkeypatch.setattr(hotspots.compute, "engine_from_config", threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = run_weekly(path)
    _same_job(local_job, job)
    assert len(started) == 1  # one cluster for the whole job ...
    assert started[0].client.status == "closed"  # ... closed after it
    assert len(started[0].cluster.workers) == 0


def test_incremental_run_joins_only_new_cases_on_the_cluster(
    cluster, district_root, make_config
):
    path = _city(district_root, make_config, "w20_incremental")
    joined = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = Weekly(path, compute=cluster)
        real = first._partitioned_join

        def spy(reports, **options):
            joined.append(len(reports))
            return real(reports, **options)

        first._partitioned_join = spy  # type: ignore[method-assign]
        _ = first.cube
        again = Weekly(path, compute=cluster)
        again._partitioned_join = spy  # type: ignore[method-assign]
        _ = again.cube
    assert joined == [len(first.assigned)]  # the second run found them cached
    pd.testing.assert_frame_equal(again.cube, first.cube)


def test_unreachable_scheduler_in_config_is_one_line(district_root, make_config):
    path = _city(
        district_root,
        make_config,
        "w20_unreachable",
        engine="dask",
        scheduler="tcp://127.0.0.1:1",
        connect_timeout_s=0.5,
    )
    result = CliRunner().invoke(main, ["-q", "weekly", "-c", str(path)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith("Error")]
    assert len(lines) == 1
    assert "tcp://127.0.0.1:1" in lines[0]
    assert "[compute] scheduler" in lines[0]


# -- the province config and `hotspots province` -------------------------------------


def test_province_config_loads_and_resolves(tmp_path):
    path = tmp_path / "province.toml"
    path.write_text(
        '[province]\nname = "山东省"\ncities = ["qd/hotspots.toml", "/abs/jn.toml"]\n'
        '[compute]\nengine = "dask"\nworkers = 2\n[output]\nfolder = "out"\n',
        encoding="utf-8",
    )
    prov = load_province(path)
    assert prov.path == path.resolve()
    assert prov.name == "山东省"
    assert prov.cities == (tmp_path / "qd" / "hotspots.toml", Path("/abs/jn.toml"))
    assert prov.compute == ComputeConfig(engine="dask", workers=2)
    assert prov.output_folder == tmp_path / "out"
    default = province_from_dict({"province": {"cities": ["a.toml"]}}, base=tmp_path)
    assert (default.name, default.output_folder) == ("province", tmp_path / "maps")
    assert default.compute == ComputeConfig()


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({}, r"province\.cities is missing"),
        ({"province": {"cities": []}}, r"at least one city"),
        ({"province": {"cities": "a.toml"}}, r"province\.cities must be a list"),
        ({"province": {"cities": ["a.toml"], "name": ""}}, r"province\.name must"),
        ({"province": {"cities": ["a.toml"], "citys": []}}, r"Did you mean 'cities'"),
        ({"province": {"cities": ["a.toml"]}, "cities": {}}, r"unknown key 'cities'"),
        ({"province": 1}, r"\[province\] must be a table"),
        (
            {"province": {"cities": ["a.toml"]}, "compute": {"scheduler": "tcp://h:1"}},
            r"compute\.scheduler needs compute\.engine",
        ),
    ],
)
def test_province_config_errors(raw, match):
    with pytest.raises(InputError, match=match):
        province_from_dict(raw)


def test_province_file_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_province(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[province\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid UTF-8 TOML"):
        load_province(bad)


def _province(root: Path, make_config, stem: str, compute: str) -> Path:
    cities = []
    for city in ("a", "b"):
        path = make_config(
            root,
            name=f"{stem}_{city}.toml",
            city={"name": f"{city}市"},
            **QUIET,
            patrol={"enabled": False},
            output={"folder": str(root / f"{stem}_maps_{city}")},
            # a city's own [compute] is not used inside a province's task
            compute={"engine": "dask", "scheduler": "tcp://127.0.0.1:1"},
        )
        cities.append(path.rename(root / f"{stem}_{city}.toml").name)
    cities.append("missing.toml")
    path = root / f"{stem}.toml"
    path.write_text(
        f'[province]\nname = "测试省"\ncities = {cities!r}\n'
        f'[compute]\n{compute}\n[output]\nfolder = "{stem}_index"\n'.replace("'", '"'),
        encoding="utf-8",
    )
    return path


def _check_cli(result, root: Path, stem: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    ok = [ln for ln in lines if ln.startswith("完成 ok")]
    assert len(ok) == 2
    assert "a市" in ok[0]
    assert "b市" in ok[1]
    failed = [ln for ln in lines if ln.startswith("失败 failed")]
    assert len(failed) == 1
    assert "missing.toml" in failed[0]
    assert "does not exist" in failed[0]
    errors = [ln for ln in lines if ln.startswith("Error")]
    assert len(errors) == 1
    assert "1 of 3 cities failed" in errors[0]
    index = root / f"{stem}_index" / "index.html"
    assert str(index) in lines
    page = index.read_text("utf-8")
    assert "测试省 hotspots 全省周报" in page
    for city in "ab":
        week = next((root / f"{stem}_maps_{city}").glob("20*-W*"))
        assert (week / "index.html").is_file()


def test_province_command_in_process(district_root, make_config):
    path = _province(district_root, make_config, "prov_local", 'engine = "local"')
    result = CliRunner().invoke(main, ["-q", "province", "-c", str(path)])
    _check_cli(result, district_root, "prov_local")


def test_province_command_on_a_local_cluster(district_root, make_config, monkeypatch):
    import hotspots.compute

    real = hotspots.compute.engine_from_config
    started = []

    def threads(compute):  # worker threads: a fast start for the suite
        e = real(compute, processes=False)
        started.append(e)
        return e

    monkeypatch.setattr(hotspots.compute, "engine_from_config", threads)
    path = _province(
        district_root, make_config, "prov_dask", 'engine = "dask"\nworkers = 2'
    )
    result = CliRunner().invoke(
        main, ["-q", "province", "-c", str(path), "-w", "2026-W01"]
    )
    assert [len(e.cluster.workers) for e in started] == [0]  # closed after
    assert result.exit_code == 1
    # an empty week for both cities, still written; the missing one failed
    _check_cli(result, district_root, "prov_dask")


def test_province_command_unreachable_scheduler(tmp_path):
    path = tmp_path / "province.toml"
    path.write_text(
        '[province]\ncities = ["a.toml"]\n[compute]\nengine = "dask"\n'
        'scheduler = "tcp://127.0.0.1:1"\nconnect_timeout_s = 0.5\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["-q", "province", "-c", str(path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: cannot reach the Dask scheduler at ")
    assert "[compute] scheduler" in result.output


def test_province_command_bad_config(tmp_path):
    path = tmp_path / "province.toml"
    path.write_text("[province]\ncities = []\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-q", "province", "-c", str(path)])
    assert result.exit_code == 1
    assert "province.cities must list at least one city" in result.output
