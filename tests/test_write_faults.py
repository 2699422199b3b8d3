"""Faults while writing a week: kills, failed renames, locks, full disks."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import folium
import pandas as pd
import pytest

import hotspots.pipeline.weekly as pipeline
from hotspots.errors import HotspotsError
from hotspots.pipeline.weekly import OutputError, Weekly, write_index

WEEK = "2026-W47"


@pytest.fixture
def job(tmp_path, make_config) -> Weekly:
    """A week whose results are set by hand, so writing it costs little."""
    (tmp_path / "sample_data").mkdir()
    (tmp_path / "sample_data" / "r.csv").write_text("", encoding="utf-8")
    config = make_config(tmp_path, analysis={"backtest_weeks": 0})
    week = Weekly(config, week=WEEK)
    week.__dict__["map"] = folium.Map(tiles=None)
    week.__dict__["summary"] = {"counts": {"reports_in_week": 7}}
    week.__dict__["plan"] = None
    week.__dict__["backtest"] = None
    week.ledger = lambda: pd.DataFrame({"排名": [1], "盲区得分": [1.23456]})  # type: ignore[method-assign]
    week.rejected = lambda: pd.DataFrame({"reason": ["bad"]})  # type: ignore[method-assign]
    week.summary_text = lambda: "本周 7\n"  # type: ignore[method-assign]
    return week


def _previous_week(root: Path) -> Path:
    """Write a previous version of the week, marked by ``old.txt``."""
    folder = root / WEEK
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("old map", encoding="utf-8")
    (folder / "old.txt").write_text("previous", encoding="utf-8")
    return folder


def _hidden(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("."))


def test_writing_a_week_swaps_it_in_and_leaves_nothing_hidden(job, tmp_path):
    root = tmp_path / "maps"
    _previous_week(root)
    out = job.write(root)
    assert out["map"] == root / WEEK / "index.html"
    assert not (root / WEEK / "old.txt").exists()
    assert _hidden(root) == []


def test_leftovers_of_a_killed_run_are_cleaned_and_never_listed(job, tmp_path):
    root = tmp_path / "maps"
    _previous_week(root)
    for name in (f".{WEEK}.k3j9x", f".{WEEK}.old.a8d2", ".2026-W46.zz91"):
        (root / name).mkdir()
        (root / name / "index.html").write_text("half", encoding="utf-8")
    (root / f".{WEEK}.old.a8d2" / WEEK).mkdir()
    write_index(root)
    assert ".2026-W46" not in (root / "index.html").read_text(encoding="utf-8")
    job.write(root)
    assert _hidden(root) == [".2026-W46.zz91"]  # another week's: left to its run
    page = (root / "index.html").read_text(encoding="utf-8")
    assert f'href="{WEEK}/index.html"' in page
    assert page.count("<li>") == 1
    assert "7 条" in page


def test_a_week_left_only_as_its_old_copy_is_put_back(job, tmp_path, monkeypatch):
    import hotspots.render.weekly_map

    root = tmp_path / "maps"
    old = root / f".{WEEK}.old.q1w2"
    _previous_week(old)  # killed between the two renames of the swap

    def broken(m, path):
        msg = "power cut"
        raise OSError(msg)

    monkeypatch.setattr(hotspots.render.weekly_map, "save_map", broken)
    with pytest.raises(OutputError, match="power cut"):
        job.write(root)
    assert (root / WEEK / "old.txt").read_text(encoding="utf-8") == "previous"
    assert _hidden(root) == []


@pytest.mark.parametrize("fail_at", [1, 2])
@pytest.mark.parametrize("error", [OSError("injected"), KeyboardInterrupt()])
def test_a_failed_rename_keeps_the_previous_week(
    job, tmp_path, monkeypatch, fail_at, error
):
    root = tmp_path / "maps"
    _previous_week(root)
    real = os.replace
    calls = []

    def replace(src, dst):
        if Path(src).is_dir():  # the swap's renames (files are renamed singly)
            calls.append(src)
            if len(calls) == fail_at:
                raise error
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises((HotspotsError, KeyboardInterrupt)):
        job.write(root)
    assert len(calls) >= fail_at  # a failed second rename moves the old week back
    assert (root / WEEK / "old.txt").read_text(encoding="utf-8") == "previous"
    assert _hidden(root) == []


@pytest.mark.parametrize("step", ["mkdtemp", "rmtree_tmp"])
def test_a_failure_around_the_swap_keeps_the_previous_week(
    job, tmp_path, monkeypatch, step
):
    import tempfile

    root = tmp_path / "maps"
    _previous_week(root)
    if step == "mkdtemp":
        real = tempfile.mkdtemp

        def mkdtemp(prefix="", dir=None, **kw):
            if ".old." in prefix:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(prefix=prefix, dir=dir, **kw)

        monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
        with pytest.raises(OutputError, match="disk is full"):
            job.write(root)
        assert (root / WEEK / "old.txt").exists()
    else:  # the new week is in place; removing the old copy fails silently
        monkeypatch.setattr(pipeline.shutil, "rmtree", lambda *a, **k: None)
        job.write(root)
        assert not (root / WEEK / "old.txt").exists()
        monkeypatch.undo()
        job.write(root)  # the next run cleans what the last one could not
    assert _hidden(root) == []


def test_another_job_holding_the_week_gives_a_clear_error(job, tmp_path, monkeypatch):
    root = tmp_path / "maps"
    _previous_week(root)
    monkeypatch.setattr(pipeline, "LOCK_WAIT_S", 0.2)
    busy = "another hotspots job is writing"
    with pipeline._week_lock(root, WEEK), pytest.raises(OutputError, match=busy) as e:
        job.write(root)
    assert "\n" not in str(e.value)
    assert (root / WEEK / "old.txt").exists()
    assert _hidden(root) == []


def test_a_second_job_waits_for_the_first(job, tmp_path):
    root = tmp_path / "maps"
    root.mkdir()
    held = threading.Event()

    def first():
        with pipeline._week_lock(root, WEEK):
            held.set()
            time.sleep(0.5)

    t = threading.Thread(target=first)
    t.start()
    held.wait()
    start = time.monotonic()
    job.write(root)
    t.join()
    assert time.monotonic() - start >= 0.4
    assert (root / WEEK / "index.html").is_file()
    assert _hidden(root) == []


def test_a_read_only_output_folder_is_a_one_line_error(job, tmp_path, monkeypatch):
    root = tmp_path / "maps"
    _previous_week(root)

    def denied(parent, prefix):
        raise PermissionError(errno.EACCES, "Permission denied", str(parent))

    monkeypatch.setattr(pipeline, "temp_dir", denied)
    with pytest.raises(OutputError, match="cannot write to") as e:
        job.write(root)
    message = str(e.value)
    assert "\n" not in message
    assert str(root) in message
    assert "[output] folder" in message
    assert e.value.errno == errno.EACCES
    assert (root / WEEK / "old.txt").exists()
    assert _hidden(root) == []


def test_a_full_disk_is_a_one_line_error(job, tmp_path, monkeypatch):
    root = tmp_path / "maps"
    _previous_week(root)

    def full(path, data, **kw):
        Path(path).write_text("{half", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pipeline, "write_json", full)
    with pytest.raises(OutputError, match="disk is full") as e:
        job.write(root)
    assert "\n" not in str(e.value)
    assert "summary.json" in str(e.value)
    assert (root / WEEK / "old.txt").exists()
    assert _hidden(root) == []


def test_an_output_folder_that_is_a_file_is_a_one_line_error(job, tmp_path):
    target = tmp_path / "maps"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder") as e:
        job.write(target)
    assert str(target) in str(e.value)
    assert isinstance(e.value, HotspotsError)
    with pytest.raises(OutputError, match="not a folder"):
        job.write(target / "sub")
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_index_lists_real_week_folders_only(tmp_path):
    for name in ("2026-W46", "2026-W47", ".2026-W47.abc", ".2026-W47.old.x", "notes"):
        (tmp_path / name).mkdir()
        if name != "notes":
            (tmp_path / name / "index.html").write_text("m", encoding="utf-8")
    (tmp_path / "2026-W46" / "summary.json").write_text("{broken", encoding="utf-8")
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.count("<li>") == 2
    assert ".2026" not in page
    assert page.index("2026-W47") < page.index("2026-W46")
