"""Stage 2, spatial: reports joined to units, counted, and their neighbours.

:mod:`~hotspots.spatial.join` gives every report its grid cell, street
segment and area (``assign``); :mod:`~hotspots.spatial.cube` counts them per
unit and period (the space-time cube, units x periods);
:mod:`~hotspots.spatial.weights` and :mod:`~hotspots.spatial.network` build
the spatial weights (contiguity, distance band, street network) the
statistics take. Inputs are the frames of :mod:`hotspots.read`.
"""
