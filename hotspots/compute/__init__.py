"""Run the steps that grow with the number of reports on Dask.

``engine("dask")`` gives a local or remote cluster; the ``*_partitioned``
steps take dask-geopandas frames and return what the in-memory steps return;
:func:`run_province` runs several cities' weekly jobs on the cluster.
"""

from __future__ import annotations

from .engine import Compute, engine, engine_from_config, partitions
from .partitioned import (
    PartitionedRead,
    assign_partitioned,
    blind_spots_partitioned,
    cube_partitioned,
    read_partitioned,
)
from .province import CityRun, ProvinceRun, run_province

__all__ = [
    "CityRun",
    "Compute",
    "PartitionedRead",
    "ProvinceRun",
    "assign_partitioned",
    "blind_spots_partitioned",
    "cube_partitioned",
    "engine",
    "engine_from_config",
    "partitions",
    "read_partitioned",
    "run_province",
]
