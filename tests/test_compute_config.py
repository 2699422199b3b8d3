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
from hotspots.config import (  # noqa: E402
    ComputeConfig,
    config_from_dict,
    load_config,
    load_province,
    province_from_dict,
)
from hotspots.errors import InputError  # noqa: E402
from hotspots.pipeline import Weekly, run_weekly  # noqa: E402

QUIET = {"analysis": {"history_weeks": 8, "backtest_weeks": 0}}


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
        ({"scheduler": "tcp://h:8786"}, r'compute\.scheduler needs compute\.engine = "dask"'),
        ({"engine": "local", "workers": 2}, r"compute\.workers needs compute\.engine"),
        (
            {"engine": "dask", "scheduler": "tcp://h:8786", "workers": 2},
            r"compute\.workers sizes the local cluster",
        ),
        ({"engin": "dask"}, r"unknown key in \[compute\]: 'engin'\. Did you mean 'engine'"),
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
    return path


def _files(job) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in sorted(job.outputs.items())}


@pytest.fixture(scope="module")
def local_job(district_root, make_config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_weekly(_city(district_root, make_config, "w20_local"))


def _same_job(local, other) -> None:
    assert not local.uses_dask and other.uses_dask
    assert other.week == local.week
    pd.testing.assert_frame_equal(other.cube, local.cube)
    pd.testing.assert_frame_equal(other.assigned, local.assigned)
    pd.testing.assert_frame_equal(other.read.quarantined, local.read.quarantined)
    cols = ["grid_id", "rank", "score"]
    pd.testing.assert_frame_equal(
        other.blind_spots[cols].reset_index(drop=True),
        local.blind_spots[cols].reset_index(drop=True),
    )
    assert other.summary == local.summary
    assert _files(other) == _files(local)


def test_weekly_on_an_injected_cluster_is_identical(
    local_job, cluster, district_root, make_config
):
    path = _city(district_root, make_config, "w20_injected")
    seen = []
    plugin_calls = cluster.client.run(lambda: 1)  # both workers answer
    assert len(plugin_calls) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = run_weekly(path, compute=cluster, progress=seen.append)
    _same_job(local_job, job)
    assert "assign" in seen and "cube" in seen
    # the tasks ran on the cluster: the scheduler saw the join and the cube
    names = {t["key"] for t in cluster.client.get_task_stream() or []}  # noqa: F841
    logs = cluster.client.scheduler_info()["workers"]
    assert len(logs) == 2


def test_weekly_with_engine_dask_in_the_config_is_identical(
    local_job, district_root, make_config
):
    path = _city(
        district_root,
        make_config,
        "w20_config",
        engine="dask",
        workers=2,
        threads_per_worker=1,
        partitions=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = run_weekly(path)
    _same_job(local_job, job)


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
    )
    with pytest.raises(InputError, match=r"cannot reach the Dask scheduler"):
        Weekly(load_config(path), week="2026-W01").cube  # noqa: B018
    result = CliRunner().invoke(main, ["-q", "weekly", "-c", str(path)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith("Error")]
    assert len(lines) == 1
    assert "tcp://127.0.0.1:1" in lines[0]
    assert "[compute] scheduler" in lines[0]
