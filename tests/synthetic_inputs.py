"""Small synthetic inputs built in code, shared by conftest and test modules.

A module of its own (not conftest) so that test modules can import it by a
name no other folder of tests uses.
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

UTM51N = "EPSG:32651"
X0, Y0 = 500_000.0, 3_990_000.0


def square_grid(nx: int, ny: int, size: float = 100.0, crs: str = UTM51N):
    """A ``nx`` x ``ny`` lattice of square cells with ids ``c{row}_{col}``."""
    cells, ids = [], []
    for r in range(ny):
        for c in range(nx):
            x, y = X0 + c * size, Y0 + r * size
            cells.append(box(x, y, x + size, y + size))
            ids.append(f"c{r}_{c}")
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=cells, crs=crs)
