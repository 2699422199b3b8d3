"""The sample district generator behind ``hotspots sample`` and the tests.

It builds a synthetic city district (grid, streets, areas, responsibility
layer) with planted blind spots, patterns and unit quality, and its weekly
platform exports with known truth; nothing in the analysis stages imports it.

Modules, in the order they run:

- ``model``: the :class:`~hotspots.sample.model.District` record, the
  district's constants and ``require_district``;
- ``words``: the vocabulary (categories, sources, rhythms, names, wording);
- ``geometry``: lattice, streets, unit grid cells, areas and key places;
- ``planting``: where the planted patterns and blind spots lie;
- ``reports``: the raw reports (cell, week, category, source, time, position);
- ``tables``: the platform export, its broken/untidy truth and the canonical
  frame;
- ``exports``: the weekly exports, the README and the file writers;
- ``responsibility``: responsible units, their duties and the planted truth;
- ``district``: the entry points (``make_district``, ``write_district``,
  ``read_sample``, ``sample_config``, ``write_sample_config``,
  ``sample_paths``), which take a seed and return or write the district.
"""
