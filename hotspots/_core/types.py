"""Type aliases shared by every stage.

``FloatArray``/``IntArray``/``BoolArray`` are the NumPy arrays the statistics
pass around; ``CRSLike`` is anything :meth:`pyproj.CRS.from_user_input`
accepts; ``TimeLike`` is anything :class:`pandas.Timestamp` accepts (a
string such as ``"2026-11-23"``, a :class:`datetime.datetime`, a
:class:`datetime.date` or a timestamp).
"""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS

__all__ = ["BoolArray", "CRSLike", "FloatArray", "IntArray", "TimeLike"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
CRSLike: TypeAlias = CRS | str | int | dict[str, object]
TimeLike: TypeAlias = pd.Timestamp | dt.datetime | dt.date | str | np.datetime64
