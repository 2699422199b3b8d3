"""Run the steps that grow with the number of reports on Dask.

``engine("dask")`` gives a local or remote cluster; the ``*_partitioned``
steps take dask-geopandas frames and return what the in-memory steps return.
Several cities on one cluster: :func:`hotspots.pipeline.province.run_province`.
"""

from __future__ import annotations

from .engine import Compute, ComputeConfig, engine, engine_from_config, partitions
from .partitioned import (
    PartitionedRead,
    assign_partitioned,
    blind_spots_partitioned,
    cube_partitioned,
    read_partitioned,
    scorecard_partitioned,
)

__all__ = [
    "Compute",
    "ComputeConfig",
    "PartitionedRead",
    "assign_partitioned",
    "blind_spots_partitioned",
    "cube_partitioned",
    "engine",
    "engine_from_config",
    "partitions",
    "read_partitioned",
    "scorecard_partitioned",
]
