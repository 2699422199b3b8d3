"""The documentation site: every public name, both languages, an offline build."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hotspots

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
SPHINX = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]


def api_index_names() -> list[str]:
    """The names listed in the autosummary blocks of the API index."""
    names: list[str] = []
    in_block = False
    for line in (DOCS / "api" / "index.rst").read_text(encoding="utf-8").splitlines():
        if line.startswith(".. autosummary::"):
            in_block = True
        elif in_block and line and not line.startswith(" "):
            in_block = False
        elif in_block and re.fullmatch(r"   [A-Za-z_]\w*", line):
            names.append(line.strip())
    return names


def test_api_index_lists_every_public_name_once() -> None:
    names = api_index_names()
    assert len(names) == len(set(names))
    assert set(names) == set(hotspots.__all__) - {"__version__"}
    assert "hotspots.__version__" in (DOCS / "api" / "index.rst").read_text(
        encoding="utf-8"
    )


def test_every_guide_page_exists_in_both_languages_and_links_its_twin() -> None:
    zh = {p.name for p in (DOCS / "zh").glob("*.md")}
    en = {p.name for p in (DOCS / "en").glob("*.md")}
    assert zh == en
    assert {"installing.md", "weekly.md", "own-city.md", "statistics.md"} <= zh
    for name in zh:
        assert f"](../en/{name})" in (DOCS / "zh" / name).read_text(encoding="utf-8")
        assert f"](../zh/{name})" in (DOCS / "en" / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    build = subprocess.run(
        [*SPHINX, str(DOCS), str(out)],
        capture_output=True,
        text=True,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "HOME": str(out)},
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    return out


@pytest.mark.slow
def test_site_builds_offline_with_every_public_name_in_its_inventory(
    site: Path,
) -> None:
    from sphinx.util.inventory import InventoryFile

    with (site / "objects.inv").open("rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: uri)
    data = getattr(inventory, "data", inventory)  # an object from Sphinx 8.2 on
    documented = {
        name.removeprefix("hotspots.")
        for kind, entries in data.items()
        if kind.startswith("py:")
        for name in entries
    }
    assert set(hotspots.__all__) - {"__version__"} <= documented


@pytest.mark.slow
def test_search_index_holds_chinese_and_english_terms(site: Path) -> None:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    terms = index["terms"]
    assert {"盲区", "巡查", "热点"} <= set(terms)
    assert {"patrol", "backtest"} <= set(terms)


@pytest.mark.slow
def test_notebook_cli_and_pages_are_rendered_without_remote_scripts(
    site: Path,
) -> None:
    notebook = (site / "examples" / "weekly.html").read_text(encoding="utf-8")
    assert notebook.count('<img alt="_images/') + notebook.count("../_images/") >= 3
    assert "leaflet" in notebook.lower()
    assert "Traceback" not in notebook
    cli = (site / "cli.html").read_text(encoding="utf-8")
    for command in ("weekly", "check", "blindspots", "patrol", "backtest"):
        assert f"hotspots {command}" in cli
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=\"https?://", html), page
    zh = (site / "zh" / "statistics.html").read_text(encoding="utf-8")
    assert "ceil(0.9 n)" in zh
    assert "../en/statistics.html" in zh
