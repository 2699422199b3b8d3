"""Fuzz read_reports longer than the suite does and print the counts.

Runs the generated exports of ``tests/test_read_fuzz.py`` (CSV bytes and
in-memory frames) and counts, per kind of case: cases run, whole-file
InputErrors, crashes by exception type (anything else raised) and broken
invariants (rows read != accepted + quarantined, a quarantined row without a
reason). Exit code 1 if any crash or broken invariant.

Run: ``nice .venv/bin/python scripts/fuzz_read.py [csv_cases] [frame_cases]``
(defaults 2000 and 1000).
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_read_fuzz import check, csv_cases, frame_cases, read_case

from hotspots.errors import InputError
from hotspots.read.reports import read_reports


def main() -> int:
    """Run the fuzzer; print counts; return the exit code."""
    n_csv = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    n_frame = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    counts: collections.Counter[str] = collections.Counter()
    crashes: collections.Counter[str] = collections.Counter()
    first: dict[str, str] = {}

    def run(kind: str, read, rows: int | None = None) -> None:  # type: ignore[no-untyped-def]
        counts[f"{kind} cases"] += 1
        try:
            result = read()
        except InputError:
            if kind == "csv" and rows is not None:  # well encoded: must read
                crashes[f"{kind}: InputError on a readable export"] += 1
                return
            counts[f"{kind} whole-file InputError"] += 1
            return
        except Exception as err:
            name = type(err).__name__
            crashes[f"{kind}: {name}"] += 1
            first.setdefault(f"{kind}: {name}", traceback.format_exc(limit=4))
            return
        try:
            check(result, rows)
        except AssertionError:
            crashes[f"{kind}: broken invariant"] += 1
            return
        counts[f"{kind} read"] += 1

    common = {
        "deadline": None,
        "database": None,
        "suppress_health_check": list(HealthCheck),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        @settings(max_examples=n_csv, **common)
        @given(case=csv_cases())
        def fuzz_csv(case) -> None:  # type: ignore[no-untyped-def]
            run("csv", lambda: read_case(case, folder), case.data_rows)

        @settings(max_examples=n_frame, **common)
        @given(frame=frame_cases())
        def fuzz_frames(frame) -> None:  # type: ignore[no-untyped-def]
            run("frame", lambda: read_reports(frame, on_error="quarantine"))

        start = time.perf_counter()
        fuzz_csv()
        fuzz_frames()
        seconds = time.perf_counter() - start
    for key in sorted(counts):
        print(f"{key:35s} {counts[key]:7d}")
    print(f"{'crashes':35s} {sum(crashes.values()):7d}")
    for key, value in crashes.most_common():
        print(f"  {key:33s} {value:7d}")
    for key, text in first.items():
        print(f"\nfirst {key}:\n{text}")
    print(f"{seconds:.1f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
