"""Stage 8, pipeline: the configured jobs that run every stage.

:mod:`~hotspots.pipeline.config` reads and checks ``hotspots.toml``;
:mod:`~hotspots.pipeline.weekly` runs the weekly job (ingest, assign,
analyse, rank, plan, map) and writes one week's folder;
:mod:`~hotspots.pipeline.province` runs several cities' weekly jobs on a
Dask cluster and links their maps.
"""
