"""The small error hierarchy of ``hotspots``.

Every public function validates its input at entry, collects every problem and
raises once. The command line turns :class:`HotspotsError` into a one-line
message and exit code 1.

Warnings: every warning ``hotspots`` emits on purpose is a
:class:`HotspotsWarning`; reports a step keeps out of its result (no unit, not
counted, outside the window) are announced by one class,
:class:`ReportsLeftOutWarning`, which says how many and why. Filter them with
``warnings.filterwarnings("ignore", category=HotspotsWarning)``; the weekly
job turns the ones it reports itself into notices and lets every other
library's warnings through.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CRSError",
    "HotspotsError",
    "HotspotsWarning",
    "InputError",
    "LedgerError",
    "ReportsLeftOutWarning",
    "collect_problems",
]


class HotspotsError(Exception):
    """Base class of every error raised on purpose by ``hotspots``."""


class InputError(HotspotsError, ValueError):
    """Input data or arguments are wrong; the message says what and how to fix it."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__(message)


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or does not match."""


def collect_problems(problems: list[str], what: str) -> None:
    """Raise one :class:`InputError` listing every problem, if there are any.

    Parameters
    ----------
    problems
        Messages, each naming the argument, the expectation, what was received
        and the fix.
    what
        A short name of what was being validated, used in the first line.

    Raises
    ------
    InputError
        When ``problems`` is not empty.
    """
    if not problems:
        return
    if len(problems) == 1:
        raise InputError(problems[0], problems)
    lines = "\n".join(f"  - {p}" for p in problems)
    msg = f"{what}: {len(problems)} problems:\n{lines}"
    raise InputError(msg, problems)


class LedgerError(HotspotsError):
    """The case ledger cannot be used as asked; the message says how to fix it.

    Raised for a ledger that cannot be reached or opened, is held by another
    process, or has a schema version this package cannot read.
    """


class HotspotsWarning(UserWarning):
    """Base class of every warning ``hotspots`` emits on purpose."""


class ReportsLeftOutWarning(HotspotsWarning):
    """Some reports were left out of a step's result, or kept without an id.

    The message says how many, why (no coordinates, outside every unit,
    outside the analysis window, no period) and what to do about it. Reports
    are never dropped silently: every step that leaves reports out says so
    with this warning.
    """
