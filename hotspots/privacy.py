"""Scrub personal data out of free text before it is shown or shared.

Citizens write their phone numbers and ID numbers into complaint descriptions
("请联系13812345678"). Anything that leaves the analyst's machine (the weekly
map, shared ledgers) passes free text through :func:`mask_personal`, which
replaces every phone-number-like and ID-number-like string with a mask.

What is masked (ASCII or full-width digits, optional spaces or hyphens
between the usual groups):

* mainland mobile numbers ``1[3-9]`` + 9 digits, with an optional ``+86`` /
  ``86`` prefix;
* landline numbers: an optional area code ``0`` + 2-3 digits (optionally in
  brackets) followed by a 7-8 digit local number starting 2-9, and 400/800
  service numbers;
* 18-character resident ID numbers (17 digits and a digit or ``X``).

A run of digits is only masked as a whole: a 15-digit grid id or a 20-digit
order number is left alone, so is a digit run glued to letters.
"""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

__all__ = ["PERSONAL_DATA_PATTERN", "mask_personal"]

_D: Final = "[0-9０-９]"
_SEP: Final = r"[ \-－]?"
_ID: Final = rf"{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}[0-9０-９XxＸｘ]"
_MOBILE: Final = (
    rf"(?:(?:\+|＋)?(?:86|８６){_SEP})?"
    rf"[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"
)
_LANDLINE: Final = (
    rf"[(（]?[0０]{_D}{{2,3}}[)）]?{_SEP}{_D}{{3,4}}{_SEP}{_D}{{4}}"
    rf"|[2-9２-９]{_D}{{2,3}}{_SEP}{_D}{{4}}"
)
_SERVICE: Final = rf"[48４８][0０][0０]{_SEP}{_D}{{3}}{_SEP}{_D}{{4}}"
_EDGE_BEFORE: Final = r"(?<![0-9０-９A-Za-z])"
_EDGE_AFTER: Final = r"(?![0-9０-９A-Za-z])"

#: The compiled pattern of every phone-number-like or ID-number-like string.
PERSONAL_DATA_PATTERN: Final = re.compile(
    f"{_EDGE_BEFORE}(?:{_ID}|{_MOBILE}|{_SERVICE}|{_LANDLINE}){_EDGE_AFTER}"
)


def mask_personal(text: pd.Series, *, mask: str = "***") -> pd.Series:
    """Replace phone-number-like and ID-number-like strings in free text.

    Parameters
    ----------
    text
        Free text (any dtype; missing values stay missing, other values are
        converted to ``str``).
    mask
        What replaces each match.

    Returns
    -------
    pandas.Series
        A new string series with the same index; the input is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> mask_personal(pd.Series(["请回电13812345678谢谢", "0532-88776655"])).tolist()
    ['请回电***谢谢', '***']
    """
    if not isinstance(text, pd.Series):
        msg = f"text must be a pandas Series, got {type(text).__name__}."
        raise TypeError(msg)
    as_str = text.astype("string")
    return as_str.str.replace(
        PERSONAL_DATA_PATTERN, mask.replace("\\", "\\\\"), regex=True
    )
