"""Sphinx configuration for the hotspots documentation (built offline, -W)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Cut matplotlib and the notebook's kernel off any display; the build is offline.
os.environ.setdefault("MPLBACKEND", "Agg")

import importlib  # noqa: E402

import hotspots  # noqa: E402

# Bind every public name to its object before autosummary looks. Three public
# functions share their module's name (cluster, forecast, backtest); importing
# such a module binds ``hotspots.<name>`` to the module, and autosummary would
# then document the module instead of the function.
for _module in set(hotspots._EXPORTS.values()):
    importlib.import_module(f"hotspots.{_module}")
for _name, _module in hotspots._EXPORTS.items():
    _value = getattr(importlib.import_module(f"hotspots.{_module}"), _name)
    setattr(hotspots, _name, _value)

project = "hotspots"
author = "hotspots developers"
copyright = "hotspots developers"
version = release = hotspots.__version__

# One project, two trees (docs/zh and docs/en): one search index serves both
# languages, cross-links between the two are checked by -W, and each page links
# its counterpart. The Chinese splitter (jieba) also indexes English words.
language = "zh_CN"
html_search_language = "zh"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
    "sphinx_click",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# --- API reference: autosummary pages generated from the docstrings --------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# "See Also" and type names in docstrings are plain text, never dead links.
nitpicky = False

# --- Notebooks: executed at build time on the sample district, offline ------
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- HTML: furo; every asset local (no MathJax: it would load from a CDN) ---
html_theme = "furo"
html_title = f"hotspots {release}"
html_static_path = ["_static"]
html_show_sourcelink = False
html_copy_source = False

# jieba announces its dictionary on stderr at every build; keep the log clean.
import logging  # noqa: E402

import jieba  # noqa: E402

jieba.setLogLevel(logging.WARNING)
