"""Shared pieces of the ledger tests: the backend fixture and small exports.

``ledger_url`` runs a test on an embedded DuckDB file and on PostgreSQL/PostGIS
(a fresh schema per test on the server named by ``HOTSPOTS_TEST_PG_URL``,
e.g. from ``bash scripts/pg-test.sh start``). Without a reachable server the
PostGIS variants skip with one line, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

PG_ENV = "HOTSPOTS_TEST_PG_URL"
HEADERS = ["案件编号", "上报时间", "问题小类", "经度", "纬度", "案件状态", "结案时间"]


@functools.cache
def _pg_problem() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return f"{PG_ENV} is not set (start one with: bash scripts/pg-test.sh start)"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as con:
            con.execute("SELECT postgis_version()")
    except Exception as err:  # any failure to reach the server skips
        return f"PostgreSQL at {url} is not usable: {str(err).splitlines()[0]}"
    return None


def pg_url_or_skip() -> str:
    problem = _pg_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"postgis tests must run in CI: {problem}")
        pytest.skip(f"postgis: {problem}")
    return os.environ[PG_ENV]


@pytest.fixture(
    params=["duckdb", pytest.param("postgis", marks=pytest.mark.postgis)],
)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty ledger location on each backend."""
    if request.param == "duckdb":
        yield str(tmp_path / "ledger.duckdb")
        return
    yield from pg_schema_url()


def pg_schema_url() -> Iterator[str]:
    """Yield the server's URL on a fresh schema of its own, dropped after."""
    base = pg_url_or_skip()
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-c search_path={name},public')}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {name} CASCADE")


def export_frame(
    ids: Sequence[str],
    *,
    status: str = "已派遣",
    lon0: float = 120.38,
    closed: str = "",
    extra: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """A small platform export (WGS-84) of the cases ``ids``."""
    n = len(ids)
    numbers = [int("".join(ch for ch in i if ch.isdigit()) or 0) for i in ids]
    frame = pd.DataFrame(
        {
            "案件编号": list(ids),
            "上报时间": [
                f"2026-11-{1 + k % 20:02d} 08:{k % 60:02d}:00" for k in numbers
            ],
            "问题小类": ["占道经营" if k % 2 else "暴露垃圾" for k in numbers],
            "经度": [f"{lon0 + k * 1e-4:.6f}" for k in numbers],
            "纬度": [f"{36.06 + k * 1e-4:.6f}" for k in numbers],
            "案件状态": [status] * n,
            "结案时间": [closed] * n,
        }
    )
    for name, values in (extra or {}).items():
        frame[name] = list(values)
    return frame


def write_export(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8")
    return path
