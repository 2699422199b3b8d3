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


def nested_areas() -> gpd.GeoDataFrame:
    """A district, two subdistricts and three communities nested in them."""
    return gpd.GeoDataFrame(
        {
            "area_id": ["D", "S1", "S2", "C1", "C2", "C3"],
            "name": ["区", "街道1", "街道2", "社区1", "社区2", "社区3"],
            "level": ["district"] + ["subdistrict"] * 2 + ["community"] * 3,
            "parent_id": [None, "D", "D", "S1", "S1", "S2"],
        },
        geometry=[
            box(X0, Y0, X0 + 400, Y0 + 200),
            box(X0, Y0, X0 + 200, Y0 + 200),
            box(X0 + 200, Y0, X0 + 400, Y0 + 200),
            box(X0, Y0, X0 + 100, Y0 + 200),
            box(X0 + 100, Y0, X0 + 200, Y0 + 200),
            box(X0 + 200, Y0, X0 + 300, Y0 + 200),
        ],
        crs=UTM51N,
    )
