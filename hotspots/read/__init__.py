"""Stage 1, read: platform exports and boundary files into checked frames.

:mod:`~hotspots.read.reports` takes the CSV/Excel/GeoJSON exports of the
issue platforms and returns a GeoDataFrame of reports in WGS-84 in the
canonical schema, with every rejected row kept in a quarantine frame.
:mod:`~hotspots.read.boundaries` reads, validates and builds grid cells,
street segments and areas (returning GeoDataFrames keyed by their ids).
"""
