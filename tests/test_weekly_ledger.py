"""The weekly job on the case ledger: overlapping exports, later status, reruns."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from ledger_support import ledger_url  # noqa: F401  (the backend fixture)

import hotspots.read.boundaries
import hotspots.spatial.join
from hotspots.cli import main
from hotspots.ledger import Ledger
from hotspots.pipeline.weekly import Weekly, run_weekly
from hotspots.read.reports import read_reports
from hotspots.sample.district import make_district

WEEK = "2026-W47"
WEEK_START = pd.Timestamp("2026-11-16", tz="Asia/Shanghai")
WEEK_END = pd.Timestamp("2026-11-23", tz="Asia/Shanghai")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The test district's rows that read cleanly (final states), by report time.

    The district of the ``district_root`` fixture, as one export of every
    case's final state; the tests cut their own exports from it.
    """
    district = make_district(seed=7, weeks=8, n_reports=6000)
    good = district.reports
    text = district.export
    broken = set(district.truth_broken_rows["row_index"])
    untidy = set(district.truth_untidy_rows["row_index"])
    ids = set(good["report_id"])
    keep = ~text.index.isin(list(broken | untidy)) & text["案件编号"].isin(ids)
    text = text[keep & ~text["案件编号"].duplicated(keep=False)]
    when = good.set_index("report_id")["reported_at"]
    text = text.assign(_t=text["案件编号"].map(when).to_numpy())
    return text.sort_values(["_t", "案件编号"], kind="stable").reset_index(drop=True)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.drop(columns=["_t"]).to_csv(path, index=False, encoding="utf-8")
    return path


def _config(root: Path, district_root: Path, **extra: str) -> Path:
    b = district_root / "boundaries"
    lines = [
        "[city]",
        'name = "测试区"',
        "[input]",
        'reports = "exports/*.csv"',
        'coords = "gcj02"',
        "[boundaries]",
        f'grid = "{b / "grid.geojson"}"',
        f'streets = "{b / "streets.geojson"}"',
        f'areas = "{b / "areas.geojson"}"',
        "[analysis]",
        "history_weeks = 8",
        "cluster_min_samples = 5",
        "backtest_weeks = 0",
        "[patrol]",
        "enabled = false",
        "[output]",
        'folder = "maps"',
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    path = root / "hotspots.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _job(config: Path, week: str = WEEK, ledger: str | None = None) -> Weekly:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = Weekly(config, week=week, ledger=ledger)
        _ = job.read
    return job


def test_overlapping_exports_are_counted_once(
    raw,
    district_root,
    tmp_path,
    ledger_url,  # noqa: F811
):
    n = len(raw)
    cut_a, cut_b = int(n * 0.55), int(n * 0.45)
    a, b = raw.iloc[:cut_a], raw.iloc[cut_b:]
    shared = cut_a - cut_b
    assert shared > 0.09 * n
    _write(a, tmp_path / "exports" / "a_20261123.csv")
    _write(b, tmp_path / "exports" / "b_20261123.csv")
    job = _job(_config(tmp_path, district_root), ledger=ledger_url)
    read = job.read
    assert read.accepted == len(a) + len(b)  # every row read is accepted ...
    assert read.cases == n  # ... but each case counted once
    assert read.re_exported == shared
    assert read.rows_read == read.accepted + len(read.quarantined)
    ids = job.assigned["report_id"]
    assert ids.is_unique
    assert set(ids) == set(raw["案件编号"])
    week = job.this_week
    in_week = raw[(raw["_t"] >= WEEK_START) & (raw["_t"] < WEEK_END)]
    assert len(week) == len(in_week)


def _first_exports(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    before = raw[raw["_t"] < WEEK_START]
    during = raw[(raw["_t"] >= WEEK_START) & (raw["_t"] < WEEK_END)]
    return before, during


def _open_case(frame: pd.DataFrame, k: int = 0) -> pd.Series:
    open_rows = frame[frame["结案时间"] == ""]
    return open_rows.iloc[k]


def _closed_case(frame: pd.DataFrame) -> pd.Series:
    return frame[(frame["结案时间"] != "") & (frame["返工次数"] == "0")].iloc[0]


def _with(row: pd.Series, **values: str) -> pd.DataFrame:
    out = row.to_frame().T.copy()
    for key, value in values.items():
        out[key] = value
    return out


def test_later_export_closes_and_reopens_cases(
    raw,
    district_root,
    tmp_path,
    ledger_url,  # noqa: F811
):
    before, during = _first_exports(raw)
    opened, closed = _open_case(before), _closed_case(before)
    later = pd.concat(
        [
            during,
            _with(opened, 案件状态="已结案", 结案时间="2026-11-18 10:00"),
            _with(closed, 案件状态="返工", 结案时间="", 返工次数="1"),
        ]
    )
    _write(before, tmp_path / "exports" / "reports_20261116.csv")
    _write(later, tmp_path / "exports" / "reports_20261123.csv")
    job = _job(_config(tmp_path, district_root), ledger=ledger_url)
    cases = job.assigned.set_index("report_id")
    assert cases.loc[opened["案件编号"], "status"] == "closed"
    assert cases.loc[opened["案件编号"], "closed_at"] == pd.Timestamp(
        "2026-11-18 10:00", tz="Asia/Shanghai"
    )
    assert cases.loc[closed["案件编号"], "status"] == "reopened"
    assert cases.loc[closed["案件编号"], "reopen_count"] == 1
    assert pd.isna(cases.loc[closed["案件编号"], "closed_at"])
    assert job.read.re_exported == 2
    assert job.read.cases == len(before) + len(during)


def test_an_older_export_ingested_later_does_not_overwrite(
    raw, district_root, tmp_path
):
    before, during = _first_exports(raw)
    opened = _open_case(before)
    newer = pd.concat(
        [during, _with(opened, 案件状态="已结案", 结案时间="2026-11-18 10:00")]
    )
    # sorted by name, the newer export is ingested first
    _write(newer, tmp_path / "exports" / "a_20261123.csv")
    _write(before, tmp_path / "exports" / "b_20261116.csv")
    job = _job(_config(tmp_path, district_root))
    batches = [r.batch_id for _, r in job.read.ingested]
    assert batches == [1, 2]
    cases = job.assigned.set_index("report_id")
    assert cases.loc[opened["案件编号"], "status"] == "closed"


def test_the_week_is_analysed_as_known_at_its_end(
    raw,
    district_root,
    tmp_path,
    ledger_url,  # noqa: F811
):
    before, during = _first_exports(raw)
    opened = _open_case(during)
    status = opened["案件状态"]
    late_only = during.iloc[[-1]]  # first exported after the week
    _write(before, tmp_path / "exports" / "reports_20261116.csv")
    _write(during.iloc[:-1], tmp_path / "exports" / "reports_20261123.csv")
    after = pd.concat(
        [late_only, _with(opened, 案件状态="已结案", 结案时间="2026-11-25 09:00")]
    )
    _write(after, tmp_path / "exports" / "reports_20261130.csv")
    config = _config(tmp_path, district_root)
    job = _job(config, ledger=ledger_url)
    week = job.this_week.set_index("report_id")
    case = week.loc[opened["案件编号"]]
    assert case["status"] != "closed"
    assert pd.isna(case["closed_at"])
    assert read_status(status) == case["status"]
    # a case exported only after the week is analysed all the same
    assert late_only["案件编号"].iloc[0] in week.index
    assert len(week) == len(during)
    # the next week sees the closure
    nxt = _job(config, week="2026-W48", ledger=ledger_url).assigned.set_index(
        "report_id"
    )
    assert nxt.loc[opened["案件编号"], "status"] == "closed"


def read_status(word: str) -> str:
    frame = pd.DataFrame(
        {
            "案件编号": ["X1"],
            "上报时间": ["2026-11-16 08:00"],
            "问题小类": ["暴露垃圾"],
            "经度": ["120.38"],
            "纬度": ["36.07"],
            "案件状态": [word],
        }
    )
    return str(read_reports(frame).reports["status"].iloc[0])


def test_a_second_run_assigns_only_new_cases_and_writes_the_same_bytes(
    raw, district_root, tmp_path, monkeypatch
):
    before, during = _first_exports(raw)
    opened = _open_case(before)
    config = _config(tmp_path, district_root)
    assigned_rows: list[int] = []
    real = hotspots.spatial.join.assign

    def counting(reports, **kwargs):
        assigned_rows.append(len(reports))
        return real(reports, **kwargs)

    monkeypatch.setattr(hotspots.spatial.join, "assign", counting)
    validated: list[str] = []
    real_validate = hotspots.read.boundaries.validate_boundaries

    def validating(source, **kwargs):
        validated.append(kwargs["kind"])
        return real_validate(source, **kwargs)

    monkeypatch.setattr(hotspots.read.boundaries, "validate_boundaries", validating)
    _write(before, tmp_path / "exports" / "reports_20261116.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_weekly(config, week="2026-W46", write=False)
    first = sum(assigned_rows)
    assert first == len(before)  # every case of the window, once
    later = pd.concat(
        [during, _with(opened, 案件状态="已结案", 结案时间="2026-11-18 10:00")]
    )
    _write(later, tmp_path / "exports" / "reports_20261123.csv")
    # the street segments are cached beside the ledger: the first run below
    # cuts them afresh, the second reads them, and both write the same bytes
    # (as are the validated layers)
    cache = sorted(tmp_path.glob(".hotspots-segments-*.parquet"))
    assert len(cache) == 1
    cache[0].unlink()
    layers = sorted(tmp_path.glob(".hotspots-validated-*.pickle"))
    assert len(layers) == 3  # grid, streets, areas
    for layer in layers:
        layer.unlink()
    outputs = []
    for k in range(2):
        assigned_rows.clear()
        validated.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            job = run_weekly(config, week=WEEK)
        outputs.append({name: p.read_bytes() for name, p in job.outputs.items()})
        assert sorted(validated) == ([] if k else ["areas", "grid", "streets"])
        if len(outputs) == 1:
            assert sum(assigned_rows) == len(during)  # the new cases only
        else:
            assert sum(assigned_rows) == 0  # nothing new
    assert outputs[0] == outputs[1]
    assert cache[0].is_file()
    assert all(layer.is_file() for layer in layers)
    summary = json.loads(outputs[1]["summary.json"])
    assert summary["counts"]["cases"] == len(before) + len(during)
    assert summary["counts"]["re_exported"] == 1


def test_an_edited_boundary_layer_is_validated_again(
    raw, district_root, tmp_path, monkeypatch
):
    boundaries = tmp_path / "boundaries"
    boundaries.mkdir()
    for name in ("grid", "streets", "areas"):
        source = district_root / "boundaries" / f"{name}.geojson"
        (boundaries / f"{name}.geojson").write_bytes(source.read_bytes())
    config = _config(tmp_path, tmp_path)
    _write(raw.head(50), tmp_path / "exports" / "reports_20261116.csv")
    validated: list[str] = []
    real_validate = hotspots.read.boundaries.validate_boundaries

    def validating(source, **kwargs):
        validated.append(kwargs["kind"])
        return real_validate(source, **kwargs)

    monkeypatch.setattr(hotspots.read.boundaries, "validate_boundaries", validating)
    first = _job(config).grid
    assert sorted(validated) == ["areas", "grid", "streets"]
    validated.clear()
    again = _job(config).grid  # a fresh job reads the cached validations
    assert validated == []
    pd.testing.assert_frame_equal(again, first)
    assert again.crs == first.crs
    grid = boundaries / "grid.geojson"
    text = grid.read_text(encoding="utf-8")
    old_id = str(first["grid_id"].iloc[0])
    grid.write_text(text.replace(f'"{old_id}"', '"edited-cell"', 1), encoding="utf-8")
    edited = _job(config).grid
    assert validated == ["grid"]  # the other layers are unchanged
    assert "edited-cell" in set(edited["grid_id"])
    assert len(list(tmp_path.glob(".hotspots-validated-grid-*.pickle"))) == 2


# -- the command line ----------------------------------------------------------------
def _cli(*args: str):
    return CliRunner().invoke(main, ["-q", *args])


def test_cli_ingest_prints_one_table_and_ledger_commands(raw, district_root, tmp_path):
    before, during = _first_exports(raw)
    _write(before, tmp_path / "exports" / "reports_20261116.csv")
    _write(during, tmp_path / "exports" / "reports_20261123.csv")
    config = str(_config(tmp_path, district_root))
    first = _cli("ingest", "-c", config)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].split() == [
        "file",
        "rows_read",
        "inserted",
        "updated",
        "unchanged",
        "quarantined",
        "batch_id",
    ]
    assert lines[1].split() == [
        "reports_20261116.csv",
        str(len(before)),
        str(len(before)),
        "0",
        "0",
        "0",
        "1",
    ]
    again = _cli("ingest", "-c", config)
    assert again.output.splitlines()[2].split()[1:5] == [
        str(len(during)),
        "0",
        "0",
        str(len(during)),
    ]
    info = _cli("ledger", "info", "-c", config)
    assert info.exit_code == 0, info.output
    assert "backend         duckdb" in info.output
    assert f"cases           {len(before) + len(during)}" in info.output
    case = before["案件编号"].iloc[0]
    history = _cli("ledger", "history", "-c", config, case)
    assert history.exit_code == 0, history.output
    assert "reports_20261116.csv" in history.output
    target = tmp_path / "cases.gpkg"
    exported = _cli("ledger", "export", "-c", config, str(target))
    assert exported.exit_code == 0, exported.output
    assert target.stat().st_size > 0


def _one_line_error(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    text = result.output.strip()
    assert text.startswith("Error: ")
    assert "\n" not in text, text
    for word in words:
        assert word in text, text


def test_cli_unreachable_server_is_one_line(district_root, raw, tmp_path):
    _write(raw.iloc[:10], tmp_path / "exports" / "reports_20261116.csv")
    config = str(_config(tmp_path, district_root))
    result = _cli(
        "ledger", "info", "-c", config, "--ledger", "postgresql://nobody@127.0.0.1:9/x"
    )
    _one_line_error(result, "127.0.0.1")


def test_cli_locked_ledger_is_one_line(district_root, raw, tmp_path):
    import subprocess
    import sys

    _write(raw.iloc[:10], tmp_path / "exports" / "reports_20261116.csv")
    config = _config(tmp_path, district_root)
    ledger = tmp_path / "ledger.duckdb"
    Ledger.open(ledger).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(ledger),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        result = _cli("ingest", "-c", str(config), "--lock-timeout", "0.3")
        _one_line_error(result, "ledger.duckdb")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_cli_newer_schema_is_one_line(district_root, raw, tmp_path):
    import duckdb

    _write(raw.iloc[:10], tmp_path / "exports" / "reports_20261116.csv")
    config = str(_config(tmp_path, district_root))
    ledger = tmp_path / "ledger.duckdb"
    Ledger.open(ledger).close()
    with duckdb.connect(str(ledger)) as con:
        con.execute("INSERT INTO ledger_version VALUES (99, now())")
    result = _cli("weekly", "-c", config, "--week", WEEK)
    _one_line_error(result, "schema version 99", "upgrade hotspots")


def test_cli_mapping_change_is_one_line_and_ingests_nothing(
    district_root, raw, tmp_path
):
    first = raw.iloc[:20]
    _write(first, tmp_path / "exports" / "reports_20261116.csv")
    config = str(_config(tmp_path, district_root))
    assert _cli("ingest", "-c", config).exit_code == 0
    changed = raw.iloc[20:40].drop(columns=["地址"])
    _write(changed, tmp_path / "exports" / "reports_20261123.csv")
    result = _cli("ingest", "-c", config)
    _one_line_error(result, "map differently", "--accept-mapping-change")
    with Ledger.open(tmp_path / "ledger.duckdb") as ledger:
        assert len(ledger.batches()) == 1
    accepted = _cli("ingest", "-c", config, "--accept-mapping-change")
    assert accepted.exit_code == 0, accepted.output


def test_cli_moved_coordinates_are_one_line(district_root, raw, tmp_path):
    first = raw.iloc[:20]
    _write(first, tmp_path / "exports" / "reports_20261116.csv")
    config = str(_config(tmp_path, district_root))
    assert _cli("ingest", "-c", config).exit_code == 0
    moved = first.iloc[:3].copy()
    moved["经度"] = [f"{float(x) + 0.001:.6f}" for x in moved["经度"]]
    _write(moved, tmp_path / "exports" / "reports_20261123.csv")
    result = _cli("weekly", "-c", config, "--week", WEEK)
    _one_line_error(result, "other coordinates", "[input] coords")
    with Ledger.open(tmp_path / "ledger.duckdb") as ledger:
        assert len(ledger.batches()) == 1
