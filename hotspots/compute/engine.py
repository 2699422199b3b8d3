"""Where the partitioned steps run: in this process, or on a Dask cluster.

``engine("local")`` runs nothing distributed (the in-memory steps);
``engine("dask")`` starts a :class:`distributed.LocalCluster` sized to this
machine; ``engine("dask", scheduler="tcp://host:8786")`` connects to a real
cluster started with the ``dask scheduler`` and ``dask worker`` commands.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import InputError

Engine = Literal["local", "dask"]

#: Seconds to wait for a scheduler before saying it cannot be reached.
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ComputeConfig:
    """Where the steps that grow with the number of cases run (``[compute]``).

    Attributes
    ----------
    engine
        ``"local"`` (this process, no Dask) or ``"dask"``: the first (full)
        assignment of the cases and the space-time cube run partitioned on a
        Dask cluster, with the same results.
    scheduler
        Address of a running scheduler (``"tcp://host:8786"``); None with
        ``"dask"`` starts a local cluster sized to the machine.
    workers, threads_per_worker, memory_limit
        Size of that local cluster (not with ``scheduler``); memory limit per
        worker as Dask reads it (``"4GB"``).
    partitions
        Partitions of the cases (default two per worker).
    connect_timeout_s
        Seconds to wait for ``scheduler`` to answer before the job stops
        with a one-line error.
    """

    engine: Engine = "local"
    scheduler: str | None = None
    workers: int | None = None
    threads_per_worker: int | None = None
    memory_limit: str | None = None
    partitions: int | None = None
    connect_timeout_s: float = CONNECT_TIMEOUT_S


@dataclass
class Compute:
    """A compute engine: ``client`` is None for ``"local"``.

    Use it as a context manager: leaving it closes the client and the local
    cluster it started (never a remote cluster).

    Attributes
    ----------
    kind
        ``"local"`` or ``"dask"``.
    client
        The :class:`distributed.Client`, or None for ``"local"``.
    cluster
        The :class:`distributed.LocalCluster` this engine started, or None.
    """

    kind: Engine
    client: Any = None
    cluster: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Close the client and the local cluster this engine started."""
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> Compute:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _machine_workers() -> tuple[int, int, str]:
    """Return (workers, threads per worker, memory limit) for this machine."""
    cores = os.cpu_count() or 1
    workers = max(1, min(cores, 8))
    threads = max(1, cores // workers)
    return workers, threads, "auto"


def engine(
    kind: str = "local",
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    processes: bool = True,
    memory_limit: str | None = None,
    timeout_s: float = CONNECT_TIMEOUT_S,
) -> Compute:
    """Return the compute engine of a run.

    Parameters
    ----------
    kind
        ``"local"`` (everything in this process, no Dask) or ``"dask"``.
    scheduler
        Address of a running Dask scheduler (``"tcp://host:8786"``); None
        with ``"dask"`` starts a :class:`distributed.LocalCluster` sized to
        this machine (one worker per core, up to 8).
    n_workers, threads_per_worker, memory_limit, processes
        Size of the local cluster (ignored with ``scheduler``); memory limit
        per worker as Dask reads it (``"4GB"``), default ``"auto"``.
    timeout_s
        Seconds to wait for ``scheduler`` to answer.

    Returns
    -------
    Compute
        The engine; close it (or use ``with``) when done.

    Raises
    ------
    InputError
        When ``kind`` is unknown, ``scheduler`` is given with ``"local"`` or
        is not a ``tcp://``/``tls://``/``inproc://`` address, or cannot be
        reached (the message names the address and how to start one).

    Examples
    --------
    >>> engine("local").client is None
    True
    """
    if kind not in ("local", "dask"):
        msg = (
            f"engine must be 'local' or 'dask', got {kind!r}. Pass "
            "engine('dask', scheduler='tcp://host:8786') for a cluster."
        )
        raise InputError(msg)
    if kind == "local":
        if scheduler is not None:
            msg = (
                f"scheduler={scheduler!r} needs engine 'dask', got engine 'local'. "
                "Pass engine('dask', scheduler=...)."
            )
            raise InputError(msg)
        return Compute("local")
    distributed: Any = importlib.import_module("distributed")

    if scheduler is not None:
        if not isinstance(scheduler, str) or "://" not in scheduler:
            msg = (
                "scheduler must be an address like 'tcp://host:8786', got "
                f"{scheduler!r}. Pass the address the `dask scheduler` command "
                "printed."
            )
            raise InputError(msg)
        try:
            client = distributed.Client(scheduler, timeout=timeout_s)
        except (OSError, TimeoutError) as err:
            msg = (
                f"cannot reach the Dask scheduler at {scheduler!r} within "
                f"{timeout_s:g} s ({type(err).__name__}). Start one with "
                "`dask scheduler` and workers with `dask worker "
                f"{scheduler}`, or fix [compute] scheduler."
            )
            raise InputError(msg) from err
        return Compute("dask", client)
    workers, threads, memory = _machine_workers()
    cluster = distributed.LocalCluster(
        n_workers=n_workers or workers,
        threads_per_worker=threads_per_worker or threads,
        processes=processes,
        memory_limit=memory_limit or memory,
        dashboard_address=None,
        # no dashboard, and its HTTP server (health, metrics) on a free port:
        # the default 8787 may be taken by another cluster on this machine
        scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
    )
    return Compute("dask", distributed.Client(cluster), cluster)


def engine_from_config(compute: ComputeConfig, *, processes: bool = True) -> Compute:
    """Return the engine a config's ``[compute]`` section names.

    Parameters
    ----------
    compute
        The section (``Config.compute`` or ``ProvinceConfig.compute``).
    processes
        Whether a local cluster's workers are processes (threads otherwise).

    Returns
    -------
    Compute
        As :func:`engine`; close it when done.

    Raises
    ------
    InputError
        As :func:`engine`, with the config's keys (``[compute] scheduler``)
        named in the message.

    Examples
    --------
    >>> from hotspots.compute.engine import ComputeConfig
    >>> engine_from_config(ComputeConfig()).kind
    'local'
    """
    return engine(
        compute.engine,
        scheduler=compute.scheduler,
        n_workers=compute.workers,
        threads_per_worker=compute.threads_per_worker,
        memory_limit=compute.memory_limit,
        processes=processes,
        timeout_s=compute.connect_timeout_s,
    )


def partitions(compute: Compute, configured: int | None = None) -> int:
    """Return how many partitions to cut the cases into on ``compute``.

    Parameters
    ----------
    compute
        The engine.
    configured
        ``[compute] partitions``, which wins when given.

    Returns
    -------
    int
        ``configured``, else two per worker of the cluster (1 without one).
    """
    if configured is not None:
        return configured
    if compute.client is None:
        return 1
    workers = compute.client.scheduler_info().get("workers", {})
    return max(2, 2 * len(workers))
