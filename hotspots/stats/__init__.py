"""Stage 3, statistics: hot spots in space and in space-time.

:mod:`~hotspots.stats.local` (Getis-Ord Gi* and local Moran's I with FDR),
:mod:`~hotspots.stats.trend` (Mann-Kendall), :mod:`~hotspots.stats.emerging`
(the emerging hot-spot patterns on the cube), :mod:`~hotspots.stats.cluster`
(HDBSCAN/DBSCAN clusters of reports and their tracking across weeks) and
the hours problems happen (:mod:`~hotspots.stats.profiles`, hour-of-week
profiles and peak windows) and :mod:`~hotspots.stats.density` (kernel
density). They take the cube or the
reports with weights from :mod:`hotspots.spatial` and return one row per unit
or report with the statistic, its p-value and its class.
"""
