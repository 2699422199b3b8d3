"""The contracts every stage shares, and nothing else.

Column names of inputs and outputs (:mod:`~hotspots._core.schema`), type
aliases (:mod:`~hotspots._core.types`), the one validation kit
(:mod:`~hotspots._core.validate`), coordinate systems and the one metric-CRS
policy (:mod:`~hotspots._core.crs`), display labels in Chinese and English
(:mod:`~hotspots._core.labels`), the category vocabulary
(:mod:`~hotspots._core.vocab`), masking of personal data
(:mod:`~hotspots._core.privacy`) and atomic file writers
(:mod:`~hotspots._core.outputs`). It imports no other part of ``hotspots``
except :mod:`hotspots.errors`; every stage may import it.
"""
