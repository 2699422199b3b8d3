"""kill -9 at random points and two writers at once, with real processes."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ledger_support import export_frame, ledger_url, pg_url_or_skip, write_export

from hotspots.ledger import Ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import ledger_kill_soak as soak

__all__ = ["ledger_url"]  # the fixture, imported for pytest
BACKENDS = ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgis)]


# Like the soak script's child, but it imports first and then waits for its
# ledger URL: the next trial's child loads while the current trial runs.
CHILD = """
import sys
from hotspots.ledger import Ledger
print("loaded", flush=True)
ledger = Ledger.open(sys.stdin.readline().strip())
print("ready", flush=True)
for f in sys.argv[1:]:
    ledger.ingest(f)
ledger.close()
"""


def _spawn(exports: list[Path]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *map(str, exports)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _kill_trial(
    child: subprocess.Popen[str],
    url: str,
    refs: list[tuple[int, int, int, int, str]],
    delay_s: float,
) -> int:
    """Start ``child`` on ``url``, SIGKILL it after ``delay_s``, check the ledger."""
    assert child.stdin is not None
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "loaded"
    child.stdin.write(url + "\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay_s)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdin.close()
    child.stdout.close()
    found = soak.checksum(url)
    assert found == refs[found[0]], (
        f"after the kill: {found}, expected {refs[found[0]]}"
    )
    return found[0]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_keeps_whole_batches_or_none(backend: str, tmp_path: Path) -> None:
    pg = pg_url_or_skip() if backend == "postgresql" else None
    exports = soak.make_exports(tmp_path, rows=1500)[:3]
    refs = soak.references(backend, exports, tmp_path, pg)
    window = soak.ingest_time(backend, exports, tmp_path, pg) * 1.1
    rng = random.Random(7)
    kept = []
    waiting = _spawn(exports)
    for trial in range(10):
        child, waiting = waiting, (_spawn(exports) if trial < 9 else None)
        url, schema = soak.fresh_url(backend, tmp_path, pg)
        kept.append(_kill_trial(child, url, refs, rng.uniform(0, window)))
        if schema is not None:
            soak.drop_schema(pg or "", schema)
    assert all(0 <= k <= len(exports) for k in kept)


WRITER = """
import sys
from hotspots.errors import LedgerError
from hotspots.ledger import Ledger
url, path = sys.argv[1], sys.argv[2]
try:
    with Ledger.open(url, lock_timeout_s=float(sys.argv[3])) as ledger:
        print("ready", flush=True)
        sys.stdin.readline()
        r = ledger.ingest(path)
        print(r.inserted, r.updated, flush=True)
except LedgerError as err:
    print("error:", err, flush=True)
"""


def _writer(url: str, path: Path, timeout_s: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(path), str(timeout_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.postgis
def test_two_writers_on_postgresql_equal_sequential(
    ledger_url: str, tmp_path: Path
) -> None:
    if not ledger_url.startswith("postgresql"):
        pytest.skip("DuckDB admits one writer: see the next test")
    a = write_export(
        export_frame([f"A{i:04d}" for i in range(3000)]), tmp_path / "r_20261101.csv"
    )
    b = write_export(
        export_frame(
            [f"A{i:04d}" for i in range(1500, 4500)],
            status="已结案",
            closed="2026-11-25 10:00",
        ),
        tmp_path / "r_20261108.csv",
    )
    procs = [_writer(ledger_url, p, 5) for p in (a, b)]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdin is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
    outs = [proc.communicate()[0] for proc in procs]
    assert all(not o.startswith("error") for o in outs), outs
    with Ledger.open(ledger_url) as ledger:
        together = ledger.reports()
        assert len(ledger.batches()) == 2
    seq_url = str(tmp_path / "sequential.duckdb")
    with Ledger.open(seq_url) as ledger:
        ledger.ingest(a)
        ledger.ingest(b)
        sequential = ledger.reports()
    assert together["status"].tolist() == sequential["status"].tolist()
    assert together["report_id"].tolist() == sequential["report_id"].tolist()


@pytest.mark.slow
def test_second_duckdb_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.duckdb")
    a = write_export(
        export_frame([f"A{i:03d}" for i in range(50)]), tmp_path / "r_20261101.csv"
    )
    first = _writer(url, a, 5)
    assert first.stdout is not None
    assert first.stdin is not None
    assert first.stdout.readline().strip() == "ready"
    second = _writer(url, a, 0.5)
    out = second.communicate()[0]
    assert out.startswith("error: the ledger file")
    assert "in use by another process (waited 0.5 s)" in out
    first.stdin.write("go\n")
    first.stdin.flush()
    assert first.communicate()[0].split() == ["50", "0"]
    with Ledger.open(url) as ledger:
        assert len(ledger.reports()) == 50
