"""The example notebook runs from top to bottom (so it never rots)."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[1] / "examples" / "weekly.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    return nb


def outputs_of(nb: nbformat.NotebookNode, marker: str) -> list[dict]:
    """Outputs of the one code cell whose source contains ``marker``."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    return list(cell.outputs)


@pytest.mark.slow
def test_example_notebook_executes_without_errors(
    executed: nbformat.NotebookNode,
) -> None:
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("leaflet" in o["data"]["text/html"].lower() for o in html)
    text = "".join(o.get("text", "") for o in outputs)
    assert "rows read =" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "marker",
    [
        "Weekly reports by category",  # weekly counts by category
        "top 5 blind spots",  # the top blind spots' history
        "Hit rate by coverage",  # the backtest's hit-rate curves
    ],
)
def test_example_notebook_draws_the_analyst_pictures(
    executed: nbformat.NotebookNode, marker: str
) -> None:
    outputs = outputs_of(executed, marker)
    pngs = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    image = base64.b64decode(pngs[0])
    assert image.startswith(PNG_MAGIC)
    assert len(image) > 10_000  # a drawn figure, not an empty canvas
    # rendered in the kernel, nothing fetched: no warnings (missing glyphs...)
    assert not [
        o for o in outputs if o.output_type == "stream" and o["name"] == "stderr"
    ]
