"""Scrub personal data out of everything ``hotspots`` writes or shows.

Citizens write their names, phone numbers and ID numbers into complaint
descriptions ("举报人：张三丰，请联系13812345678"), and platform exports carry
columns of them (反映人, 联系方式, 身份证号). Every output (the weekly map, the
ledger CSV / XLSX, the patrol plan, the summaries, the rejected rows) passes
through this module: :func:`mask_personal` scrubs free text, and
:func:`mask_frame` also blanks whole columns that hold personal data.

What is masked in free text (ASCII or full-width digits; zero-width spaces are
ignored wherever they are):

* mainland mobile numbers, ``1[3-9]`` and 9 more digits, with an optional
  ``+86`` / ``0086`` / ``86`` prefix, written with one separator (space, ``-``,
  ``.``, ``,``, ``，``, ``/``) between any two digits (``138.0000.0108``,
  ``13 8000 00110``, ``138，0000，0113``) and glued to letters or not
  (``Tel13800000111``);
* landline numbers: an area code ``0`` + 2-3 digits (optionally in brackets)
  followed by a 7-8 digit local number starting 2-9, a bare 7-8 digit local
  number, and 400/800 service numbers;
* resident ID numbers: 18 characters (17 digits and a digit or ``X``) and the
  old 15-digit ones, both recognised by their province code and birth date;
* e-mail addresses;
* whatever follows a label of personal data (``举报人：张三丰``,
  ``联系人: 李四``, ``身份证号：...``, ``电话：...``).

Left alone: a run of digits longer than the number it would be (a 20-digit
order number), decimal numbers (coordinates such as ``120.3812345``),
dates (``2026-11-20``, ``20261120``), report ids (``SN2026080300001``),
15-digit unit grid codes (``370202001002003``: their 7th digit, the street
code, is 0 where an old ID number has its birth year) and small counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema

__all__ = [
    "PERSONAL_DATA_PATTERN",
    "PRIVATE_HEADER_PATTERN",
    "arrow_strings",
    "mask_frame",
    "mask_personal",
    "mask_text",
    "private_columns",
]

#: What replaces personal data unless the caller says otherwise.
MASK: Final = "***"

_ZW: Final = "[\u200b\u200c\u200d\u2060\ufeff]*"  # zero-width characters
_D: Final = "[0-9０-９]"
_DX: Final = "[0-9０-９XxＸｘ]"
# one separator between two digits of a phone number
_J: Final = rf"{_ZW}(?:[ \u3000\-－‐.．,，/、]{_ZW})?"
# a separator between the usual groups of an ID or a landline number
_G: Final = rf"{_ZW}(?:[ \-－]{_ZW})?"
_BEFORE: Final = r"(?<![0-9０-９])(?<![0-9０-９][.．])"
_AFTER: Final = r"(?![0-9０-９])"
_AFTER_ALNUM: Final = r"(?![0-9０-９A-Za-z])"
# a plain decimal number (a coordinate) is not a phone number
_NOT_DECIMAL: Final = r"(?![0-9]+[.．][0-9]+(?![0-9]|[.．,，][0-9]))"
_NOT_DATE: Final = (
    r"(?!(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9]))"
)


def _digits(n: int) -> str:
    """``n`` digits, one separator allowed between any two."""
    return _J.join([_D] * n)


_MOBILE: Final = (
    rf"(?:(?:[+＋]|00)?(?:86|８６){_J})?{_NOT_DECIMAL}"
    rf"[1１]{_J}[3-9３-９]{_J}{_digits(9)}"
)
_PROVINCE: Final = (
    "(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3]|91"
    "|１[１-５]|２[１-３]|３[１-７]|４[１-６]|５[０-４]|６[１-５]|７１|８[１-３]|９１)"
)
_MONTH_DAY: Final = (
    "(?:0[1-9]|1[0-2]|０[１-９]|１[０-２])"
    "(?:0[1-9]|[12][0-9]|3[01]|０[１-９]|[１２][０-９]|３[０１])"
)
_ID18: Final = (
    rf"{_PROVINCE}{_D}{{4}}{_G}(?:18|19|20|１８|１９|２０){_D}{{2}}{_MONTH_DAY}"
    rf"{_G}{_D}{{3}}{_DX}"
)
# old 15-digit numbers: born 1910-1999 (the year's tens digit is not 0)
_ID15: Final = rf"{_PROVINCE}{_D}{{4}}{_G}[1-9１-９]{_D}{_MONTH_DAY}{_G}{_D}{{3}}"
_LANDLINE: Final = (
    rf"[(（]?[0０]{_D}{{2,3}}[)）]?{_G}{_D}{{3,4}}{_G}{_D}{{4}}"
    rf"|(?<![A-Za-z]){_NOT_DATE}[2-9２-９]{_D}{{2,3}}{_G}{_D}{{4}}"
)
_SERVICE: Final = rf"[48４８][0０][0０]{_G}{_D}{{3}}{_G}{_D}{{4}}"
_EMAIL: Final = (
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@"
    r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
#: Words that introduce personal data in free text (the value after them is masked).
_LABEL_WORDS: Final = (
    "举报人|反映人|投诉人|上报人|报案人|来电人|联系人|当事人|申请人|户主|车主"
    "|姓名|名字|身份证号码|身份证号|身份证|证件号码|证件号|联系电话|联系方式"
    "|手机号码|手机号|手机|电话号码|电话|邮箱|微信号|微信|[Qq]{2}号|[Qq]{2}"
)
_LABEL: Final = (
    rf"(?P<label>(?:{_LABEL_WORDS})\s*(?:是|为)?\s*[:：]\s*)"
    r"(?:[A-Za-z0-9０-９@._\-\u200b-\u200d\u2060\ufeff]+"
    r"|[\u4e00-\u9fff·]{1,3}(?:先生|女士)|[\u4e00-\u9fff·]{1,4})"
)

# cheap first-character tests: most positions of a text fail on them at once
_LABEL_START: Final = "[举反投上报来联当申户车姓名身证手电邮微Qq]"
_NUMBER_START: Final = "[0-9０-９+＋(（]"

#: The compiled pattern of every piece of personal data in free text.
PERSONAL_DATA_PATTERN: Final = re.compile(
    f"(?={_LABEL_START}){_LABEL}|{_EMAIL}"
    f"|(?={_NUMBER_START}){_BEFORE}"
    f"(?:(?:{_ID18}|{_ID15}|{_MOBILE}){_AFTER}|(?:{_SERVICE}|{_LANDLINE}){_AFTER_ALNUM})",
)

#: Python's ``\s`` (every character ``str.isspace`` accepts), for RE2.
_SPACE_RE2: Final = (
    r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]"
)
#: What may stand between two digits of a number the pattern masks.
_GAP_RE2: Final = r"[\x{200b}-\x{200d}\x{2060}\x{feff} \x{3000}\-－‐.．,，/、()（）]"
#: A superset of :data:`PERSONAL_DATA_PATTERN` without look-arounds, in RE2
#: syntax (Arrow's regular expressions): a label word and its colon, a
#: character on each side of an ``@``, or seven digits with only separators
#: between them (the shortest number masked is a 7-digit local one). A text
#: it does not match holds nothing the pattern masks, so only the rare texts
#: it matches go through Python's ``re``.
_CANDIDATE_RE2: Final = (
    rf"(?:{_LABEL_WORDS}){_SPACE_RE2}*(?:是|为)?{_SPACE_RE2}*[:：]"
    r"|[A-Za-z0-9._%+\-]@[A-Za-z0-9\-]"
    rf"|[0-9０-９](?:{_GAP_RE2}*[0-9０-９]){{6}}"
)


def _candidates(texts: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """Return which texts may hold personal data (False: they surely do not)."""
    hit = pc.match_substring_regex(texts, _CANDIDATE_RE2).fill_null(False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def _sub_all(texts: list[str], sub: Callable[[str], str]) -> list[str]:
    """Return ``sub`` of every text, calling it only on the candidates."""
    maybe = _candidates(pa.array(texts, type=pa.large_string()))
    out = list(texts)
    for i in np.flatnonzero(maybe).tolist():
        out[i] = sub(texts[i])
    return out


#: Column headers that hold personal data (canonical names and usual platform
#: headers: 反映人, 联系方式, 身份证号, 手机 ...); such columns are blanked whole.
PRIVATE_HEADER_PATTERN: Final = re.compile(
    r"reporter|phone|mobile|e-?mail|id_?number|id_?card|contact|citizen_?name"
    r"|举报人|反映人|投诉人|上报人|报案人|来电人|联系人|当事人|申请人|市民姓名"
    r"|^姓名$|^名字$|身份证|证件号|电话|手机|联系方式|邮箱|微信|QQ",
    re.IGNORECASE,
)


def _replacer(mask: str) -> Callable[[re.Match[str]], str]:
    """Return the replacement of a match: its label (if any) and the mask.

    A function, not a template: ``re`` parses a template on every call, which
    costs more than the search itself on short texts without a match.
    """

    def replace(match: re.Match[str]) -> str:
        return (match.group("label") or "") + mask

    return replace


def mask_personal(text: pd.Series, *, mask: str = MASK) -> pd.Series:
    """Replace personal data in free text (see the module docstring).

    Parameters
    ----------
    text
        Free text (any dtype; missing values stay missing, other values are
        converted to ``str``).
    mask
        What replaces each match (a label before a name is kept:
        ``举报人：***``).

    Returns
    -------
    pandas.Series
        A new string series with the same index; the input is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> mask_personal(pd.Series(["请回电13812345678谢谢", "0532-88776655"])).tolist()
    ['请回电***谢谢', '***']
    >>> mask_personal(pd.Series(["举报人：张三丰", "120.3812345"])).tolist()
    ['举报人：***', '120.3812345']
    """
    if not isinstance(text, pd.Series):
        msg = f"text must be a pandas Series, got {type(text).__name__}."
        raise TypeError(msg)
    sub = functools.partial(PERSONAL_DATA_PATTERN.sub, _replacer(mask))
    values = text.to_numpy(dtype=object)
    present = ~pd.isna(values)
    # texts repeat (category names, template descriptions): mask each once
    codes, uniques = pd.factorize(values[present])
    masked = np.empty(len(uniques), dtype=object)
    masked[:] = _sub_all([str(u) for u in uniques], sub)
    values = np.full(len(values), None, dtype=object)
    values[present] = masked[codes]
    return pd.Series(values, index=text.index, dtype="string", name=text.name)


def mask_text(text: str, *, mask: str = MASK) -> str:
    """Replace personal data in one string (see :func:`mask_personal`).

    Examples
    --------
    >>> mask_text("联系人: 李四 Tel13800000111, a@b.cn")
    '联系人: *** Tel***, ***'
    """
    return PERSONAL_DATA_PATTERN.sub(_replacer(mask), text)


def mask_data(data: Any, *, mask: str = MASK) -> Any:
    """Return ``data`` (JSON-like: dicts, lists, text, numbers) with text masked.

    Keys and string values are masked; numbers and other values are kept.
    """
    if isinstance(data, str):
        return mask_text(data, mask=mask)
    if isinstance(data, dict):
        return {
            (mask_text(k, mask=mask) if isinstance(k, str) else k): mask_data(
                v, mask=mask
            )
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_data(v, mask=mask) for v in data]
    return data


def private_columns(
    columns: Iterable[object], *, extra: Iterable[str] = ()
) -> list[object]:
    """Return the columns that hold personal data and are masked whole.

    Parameters
    ----------
    columns
        Column names (canonical or as the source spells them).
    extra
        Names that are private besides the usual ones (e.g. the config's
        ``[privacy] private_columns``).

    Returns
    -------
    list
        The private ones among ``columns``, in their order: the canonical
        :data:`hotspots._core.schema.PRIVATE_COLUMNS`, the names in ``extra`` and
        every header matching :data:`PRIVATE_HEADER_PATTERN`.

    Examples
    --------
    >>> private_columns(["案件编号", "反映人", "联系方式", "身份证号", "问题描述"])
    ['反映人', '联系方式', '身份证号']
    """
    named = set(schema.PRIVATE_COLUMNS) | set(extra)
    return [
        c
        for c in columns
        if c in named or (isinstance(c, str) and PRIVATE_HEADER_PATTERN.search(c))
    ]


def _is_text(s: pd.Series) -> bool:
    return (
        pd.api.types.is_string_dtype(s.dtype)
        or s.dtype == object
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def mask_frame(
    frame: pd.DataFrame,
    *,
    private: Iterable[str] = (),
    mask: str = MASK,
) -> pd.DataFrame:
    """Return a copy of ``frame`` without personal data.

    Columns that hold personal data (:func:`private_columns`) have every
    non-missing value replaced by ``mask``; every other text column is
    scrubbed with :func:`mask_personal` (a categorical column through its
    categories, so a large one costs little). Numbers, times and geometries
    are kept; text values that hold no personal data are kept as they are
    (same type, same object).

    Parameters
    ----------
    frame
        Any table; not changed.
    private
        Column names that are private besides the usual ones.
    mask
        The replacement text.

    Returns
    -------
    pandas.DataFrame
        The masked copy (same index, columns and dtypes where no text changed).
    """
    out = frame.copy()
    blank = set(private_columns(out.columns, extra=private))
    for i, col in enumerate(out.columns):
        s = out.iloc[:, i]
        if col in blank:
            out.isetitem(i, s.astype(object).where(s.isna(), mask).to_numpy())
            continue
        if str(s.dtype) == "geometry" or not _is_text(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            # mask the categories; masked ones may coincide, so write plain text
            cats = pd.Series(s.cat.categories, dtype=object)
            renamed = mask_personal(cats, mask=mask).to_numpy(dtype=object)
            if (renamed != cats.to_numpy()).any():
                codes = s.cat.codes.to_numpy()
                values = renamed[codes]
                values[codes < 0] = None
                out.isetitem(i, values)
            continue
        scrubbed = _scrubbed(s, mask)
        if scrubbed is not None:
            out.isetitem(i, scrubbed)
    return out


def _scrubbed(s: pd.Series, mask: str) -> Any:
    """Return the text column ``s`` scrubbed, or None when no value changes.

    Only its text values are scrubbed (other values are kept as they are),
    and of a pyarrow-backed column only the values that may hold personal
    data (:data:`_CANDIDATE_RE2`), without converting the others.
    """
    arrow = arrow_strings(s)
    if arrow is not None:
        pos = np.flatnonzero(_candidates(arrow))
        texts = np.empty(len(pos), dtype=object)
        texts[:] = arrow.take(pa.array(pos, type=pa.int64())).to_pylist()
    else:
        values = s.to_numpy(dtype=object)
        pos = np.flatnonzero([isinstance(v, str) for v in values])
        texts = values[pos]
    if not len(pos):
        return None
    masked = mask_personal(pd.Series(texts, dtype=object), mask=mask)
    changed = masked.to_numpy(dtype=object) != texts
    if not changed.any():
        return None
    values = s.to_numpy(dtype=object).copy()
    values[pos[changed]] = masked.to_numpy(dtype=object)[changed]
    if s.dtype == object:
        return values
    return pd.Series(values).astype(s.dtype).array


def arrow_strings(s: pd.Series) -> pa.ChunkedArray | None:
    """Return the Arrow strings behind a pyarrow-backed text column, else None.

    Such a column (pandas' ``str`` dtype with pyarrow, ``string[pyarrow]``,
    ``ArrowDtype(pa.string())``) can be searched with Arrow's kernels
    without converting its values to Python objects.

    Examples
    --------
    >>> arrow_strings(pd.Series(["a", None], dtype="string[pyarrow]")).to_pylist()
    ['a', None]
    >>> arrow_strings(pd.Series(["a", None], dtype=object)) is None
    True
    """
    dtype = s.dtype
    is_arrow = isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype)
        or pa.types.is_large_string(dtype.pyarrow_dtype)
    )
    # pandas 2's ``str`` dtype is stored as "pyarrow_numpy", pandas 3's as "pyarrow"
    stored = getattr(dtype, "storage", None) in ("pyarrow", "pyarrow_numpy")
    if is_arrow or (isinstance(dtype, pd.StringDtype) and stored):
        arrow = pa.array(s.array)
        return (
            arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
        )
    return None
