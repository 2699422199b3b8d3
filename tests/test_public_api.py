"""The public API is a contract: names, signatures and the stage layout.

``public_signatures.txt`` holds every public name of ``hotspots.__all__``
with its parameters (names, kinds and defaults; annotations may get more
precise without changing a call). A change to it is a change to the API and
must be made on purpose, by regenerating the file::

    python tests/test_public_api.py > tests/public_signatures.txt
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import hotspots

HERE = Path(__file__).resolve().parent
STORED = HERE / "public_signatures.txt"

#: Stage packages in data-flow order; a module may import only from its own
#: package, an earlier one, or the shared ones (errors, _core).
STAGES = (
    "read",
    "spatial",
    "stats",
    "ledger",
    "accountability",
    "patrol",
    "render",
    "compute",
    "pipeline",
    "sample",
)


def _bare(sig: inspect.Signature) -> str:
    params = [
        p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()
    ]
    return str(
        sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    )


def signatures() -> list[str]:
    lines = []
    for name in sorted(hotspots.__all__):
        if name == "__version__":
            continue
        value = getattr(hotspots, name)
        if inspect.isclass(value):
            if issubclass(value, BaseException):
                lines.append(f"{name} exception")
                continue
            lines.append(f"{name} class{_bare(inspect.signature(value))}")
        else:
            lines.append(f"{name}{_bare(inspect.signature(value))}")
    return lines


def test_public_signatures_are_the_stored_ones() -> None:
    stored = STORED.read_text(encoding="utf-8").splitlines()
    now = signatures()
    assert now == stored, "\n".join(
        [f"- {s}" for s in stored if s not in now]
        + [f"+ {s}" for s in now if s not in stored]
    )


def _imports(path: Path, module: str) -> list[tuple[str, str | None]]:
    """(module, name) pairs of the hotspots imports of ``path``, at any depth."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("hotspots"):
                out.extend((target, a.name) for a in node.names)
        elif isinstance(node, ast.Import):
            out.extend(
                (a.name, None) for a in node.names if a.name.startswith("hotspots")
            )
    return out


def _modules() -> list[tuple[str, Path]]:
    out = []
    for info in pkgutil.walk_packages(hotspots.__path__, "hotspots."):
        spec = importlib.util.find_spec(info.name)
        assert spec is not None
        assert spec.origin is not None
        out.append((info.name, Path(spec.origin)))
    return out


def test_imports_go_one_way_down_the_stages() -> None:
    wrong = []
    for module, path in _modules():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] not in STAGES:
            continue
        mine = STAGES.index(parts[1])
        for target, _ in _imports(path, module):
            t = target.split(".")
            if len(t) > 1 and t[1] in STAGES and STAGES.index(t[1]) > mine:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_core_imports_no_stage() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, path in _modules()
        if module.startswith("hotspots._core")
        for target, _ in _imports(path, module)
        if target.split(".")[1:2] and target.split(".")[1] in STAGES
    ]
    assert not wrong, "\n".join(wrong)


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__") and part != "_core"


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


def test_no_module_imports_another_modules_private_name() -> None:
    wrong = []
    for module, path in _modules():
        package = ".".join(module.split(".")[:2])
        for target, name in _imports(path, module):
            same_package = ".".join(target.split(".")[:2]) == package
            if name is not None and _private(name):
                # only a private module of the importer's own package may be named
                if not (same_package and _is_module(f"{target}.{name}")):
                    wrong.append(f"{module} imports {target}.{name}")
            elif any(_private(p) for p in target.split(".")[2:]) and not same_package:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


if __name__ == "__main__":
    sys.stdout.write("".join(f"{s}\n" for s in signatures()))
