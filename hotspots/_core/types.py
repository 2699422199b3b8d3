"""Type aliases shared by every stage.

``FloatArray``/``IntArray``/``BoolArray`` are the NumPy arrays the statistics
pass around; ``CRSLike`` is anything :meth:`pyproj.CRS.from_user_input`
accepts; ``TimeLike`` is anything :class:`pandas.Timestamp` accepts (a
string such as ``"2026-11-23"``, a :class:`datetime.datetime`, a
:class:`datetime.date` or a timestamp); ``TimesLike`` many of them (a
Series, a DatetimeIndex or a sequence); ``ExtentLike`` an area to cover: a
``(minx, miny, maxx, maxy)`` tuple, a shapely geometry or a layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

__all__ = [
    "BoolArray",
    "CRSLike",
    "ExtentLike",
    "FloatArray",
    "IntArray",
    "TimeLike",
    "TimesLike",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
CRSLike: TypeAlias = CRS | str | int | dict[str, object]
TimeLike: TypeAlias = pd.Timestamp | dt.datetime | dt.date | str | np.datetime64
TimesLike: TypeAlias = pd.Series | pd.DatetimeIndex | Sequence[TimeLike]
ExtentLike: TypeAlias = (
    tuple[float, float, float, float] | BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries
)
