"""Stage 7, render: the weekly offline Folium map.

:mod:`~hotspots.render.weekly_map` draws the frames of the earlier stages as
layers of one self-contained HTML map (every asset inlined from
:mod:`~hotspots.render.assets`, report text escaped, personal data never
drawn).
"""
