"""The sample district generator behind ``hotspots sample`` and the tests.

It builds a synthetic city district (grid, streets, areas, responsibility
layer) with planted blind spots, patterns and unit quality, and its weekly
platform exports with known truth; nothing in the analysis stages imports it.
"""
