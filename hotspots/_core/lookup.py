"""Where each value of a column sits among a layer's ids, in one hash pass.

A year of reports names its grid cell by text id a million times over; the
cube and the blind spots each turn those ids into positions among the grid's
100,000 ids. For text stored in Arrow (pandas' ``str`` columns) Arrow hashes
the column once against the ids (``pyarrow.compute.index_in``); other values
are factorized first, so the (slower) lookup runs once per distinct value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .types import IntArray


def arrow_text(values: pd.Series | pd.Index) -> pa.ChunkedArray | pa.Array | None:
    """Return the Arrow array behind pandas' Arrow-backed ``str`` values, else None.

    Examples
    --------
    >>> arrow_text(pd.Index(["a", None], dtype="str")).to_pylist()
    ['a', None]
    >>> arrow_text(pd.Index([1, 2])) is None
    True
    """
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    found: pa.ChunkedArray | pa.Array = pa.array(values.array)
    return found


def positions(values: pd.Series | pd.Index, ids: pd.Index) -> IntArray:
    """Return the position in ``ids`` of each value; -1 for NA or an unknown id.

    Parameters
    ----------
    values
        The values to look up (e.g. each report's ``grid_id``).
    ids
        Unique ids (e.g. the grid's ``grid_id``).

    Returns
    -------
    numpy.ndarray of int64
        One position per value.

    Examples
    --------
    >>> ids = pd.Index(["a", "b", "c"], dtype="str")
    >>> positions(pd.Series(["c", None, "a", "z"], dtype="str"), ids).tolist()
    [2, -1, 0, -1]
    >>> positions(pd.Series([3, 1, 7]), pd.Index([1, 2, 3])).tolist()
    [2, 0, -1]
    """
    text, keys = arrow_text(values), arrow_text(ids)
    if text is not None and keys is not None:
        found = pc.index_in(text, value_set=pc.cast(keys, text.type))
        out: IntArray = np.asarray(
            found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64
        )
        return out
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # code -1 (NA) picks the appended -1
    lookup = np.append(ids.get_indexer(uniques), -1).astype(np.int64)
    result: IntArray = lookup[codes]
    return result
