"""hotspots: where a city's recurring problems are and where to patrol next week.

Read city-management issue reports, join them to unit grid cells and street
segments, find hot spots in space and space-time, rank the recurring blind
spots, plan patrols and render one offline Folium map per week.
"""

from __future__ import annotations

from .errors import CRSError, HotspotsError, InputError

__version__ = "0.1.0"

__all__ = [
    "CRSError",
    "HotspotsError",
    "InputError",
    "__version__",
]
