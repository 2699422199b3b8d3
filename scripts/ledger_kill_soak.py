"""Kill -9 an ingesting process at random points; the ledger keeps whole batches.

Usage::

    python scripts/ledger_kill_soak.py [--trials 100] [--pg-url URL]

Each trial starts a fresh ledger, runs a child process that ingests five
exports one batch at a time, kills it with SIGKILL at a random moment, then
checks that the ledger holds exactly the first k batches: the same counts and
the same content checksum as a reference ledger that ingested those k batches
without interruption. Without --pg-url (or HOTSPOTS_TEST_PG_URL) only DuckDB
runs. The test suite runs the same trial (tests/test_ledger_kill.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pandas as pd

EXPORTS = 5
ROWS = 4000

CHILD = """
import sys
from hotspots.ledger import Ledger
url, files = sys.argv[1], sys.argv[2:]
ledger = Ledger.open(url)
print("ready", flush=True)
for f in files:
    ledger.ingest(f)
ledger.close()
"""


def make_exports(folder: Path, rows: int = ROWS) -> list[Path]:
    """Five overlapping weekly exports; later weeks close earlier cases."""
    paths = []
    for week in range(EXPORTS):
        ids = range(week * rows // 2, week * rows // 2 + rows)
        frame = pd.DataFrame(
            {
                "案件编号": [f"K{i:07d}" for i in ids],
                "上报时间": [f"2026-10-{1 + i % 28:02d} 08:{i % 60:02d}" for i in ids],
                "问题小类": ["占道经营" if i % 3 else "暴露垃圾" for i in ids],
                "经度": [f"{120.3 + (i % 997) * 1e-4:.6f}" for i in ids],
                "纬度": [f"{36.0 + (i % 991) * 1e-4:.6f}" for i in ids],
                "案件状态": [
                    "已结案" if i < week * rows // 2 + rows // 2 else "已派遣"
                    for i in ids
                ],
                "备注": [f"w{week}" for _ in ids],
            }
        )
        frame.loc[frame.index % 97 == 5, "经度"] = ""  # some quarantined rows
        path = folder / f"reports_2026W{40 + week:02d}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def checksum(url: str) -> tuple[int, int, int, int, str]:
    """Batches, cases, snapshots, quarantined rows and a hash of the state."""
    from hotspots.ledger import Ledger

    with Ledger.open(url) as ledger:
        frame = ledger.reports()
        digest = hashlib.sha256(
            pd.util.hash_pandas_object(
                frame.drop(columns="geometry").astype("str"), index=False
            )
            .to_numpy()
            .tobytes()
        ).hexdigest()
        return (
            len(ledger.batches()),
            len(frame),
            len(ledger.history()),
            len(ledger.quarantined()),
            digest,
        )


def pg_schema_url(base: str) -> tuple[str, str]:
    """A fresh schema on the server and the URL that uses it."""
    import psycopg

    name = f"soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-c search_path={name},public')}", name


def drop_schema(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {name} CASCADE")


def fresh_url(backend: str, folder: Path, pg: str | None) -> tuple[str, str | None]:
    if backend == "duckdb":
        return str(folder / f"{uuid.uuid4().hex}.duckdb"), None
    assert pg is not None
    return pg_schema_url(pg)


def references(
    backend: str, exports: list[Path], folder: Path, pg: str | None
) -> list[tuple[int, int, int, int, str]]:
    """The checksum after 0, 1, ..., len(exports) uninterrupted batches."""
    from hotspots.ledger import Ledger

    url, schema = fresh_url(backend, folder, pg)
    out = []
    with Ledger.open(url):
        pass
    out.append(checksum(url))
    for path in exports:
        with Ledger.open(url) as ledger:
            ledger.ingest(path)
        out.append(checksum(url))
    if schema is not None:
        drop_schema(pg or "", schema)
    return out


def trial(
    backend: str,
    exports: list[Path],
    folder: Path,
    pg: str | None,
    refs: list[tuple[int, int, int, int, str]],
    rng: random.Random,
    window_s: float,
) -> int:
    """One kill; returns the number of whole batches found."""
    url, schema = fresh_url(backend, folder, pg)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, *map(str, exports)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == "ready", line
    time.sleep(rng.uniform(0, window_s))
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    found = checksum(url)
    if schema is not None:
        drop_schema(pg or "", schema)
    k = found[0]
    if found != refs[k]:
        msg = f"{backend}: after the kill the ledger is {found}, expected {refs[k]}"
        raise AssertionError(msg)
    return k


def ingest_time(
    backend: str, exports: list[Path], folder: Path, pg: str | None
) -> float:
    from hotspots.ledger import Ledger

    url, schema = fresh_url(backend, folder, pg)
    start = time.perf_counter()
    with Ledger.open(url) as ledger:
        for path in exports:
            ledger.ingest(path)
    took = time.perf_counter() - start
    if schema is not None:
        drop_schema(pg or "", schema)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--pg-url", default=os.environ.get("HOTSPOTS_TEST_PG_URL"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    backends = ["duckdb"] + (["postgresql"] if args.pg_url else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        exports = make_exports(folder)
        for backend in backends:
            refs = references(backend, exports, folder, args.pg_url)
            window = ingest_time(backend, exports, folder, args.pg_url) * 1.1
            seen: dict[int, int] = {}
            for _ in range(args.trials // len(backends)):
                k = trial(backend, exports, folder, args.pg_url, refs, rng, window)
                seen[k] = seen.get(k, 0) + 1
            print(
                f"{backend}: {sum(seen.values())} kills, all whole; batches kept: "
                f"{dict(sorted(seen.items()))}"
            )


if __name__ == "__main__":
    main()
