"""The column checks every closed-case model of the ledger makes on its input."""

from __future__ import annotations

import pandas as pd

from .._core import schema as sc

READ_FIX = "Read the reports with hotspots.read_reports."


def case_problems(
    cases: pd.DataFrame, extra: str | None = None, extra_fix: str = ""
) -> list[str]:
    """Return what is wrong with the case columns of ``cases`` (empty when fine).

    Every case needs ``report_id``, ``reported_at``, ``category`` and
    ``closed_at``, with both times timezone-aware; ``extra`` names one more
    required column, whose message ends with ``extra_fix``.
    """
    problems = []
    for col in (sc.REPORT_ID, sc.REPORTED_AT, sc.CATEGORY, sc.CLOSED_AT, extra):
        if col is not None and col not in cases.columns:
            fix = (
                extra_fix
                if col == extra
                else "Read the reports with hotspots.read_reports."
            )
            problems.append(
                f"cases must have the column {col!r}, got {list(cases.columns)!r}. "
                f"{fix}"
            )
    for col in (sc.REPORTED_AT, sc.CLOSED_AT):
        if col in cases.columns and not isinstance(
            cases[col].dtype, pd.DatetimeTZDtype
        ):
            problems.append(
                f"cases[{col!r}] must hold timezone-aware timestamps, got dtype "
                f"{cases[col].dtype!s}. Localize them, e.g. "
                "pd.to_datetime(col).dt.tz_localize('Asia/Shanghai')."
            )
    return problems
