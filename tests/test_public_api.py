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
import io
import pkgutil
import sys
import tokenize
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
    assert len(out) > 50, "the package's modules were not found"
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


#: The longest a function may be, in code lines (docstrings, comments and blank
#: lines do not count): a longer one is split into named steps.
MAX_CODE_LINES = 80


def _code_lines(source: str) -> set[int]:
    """Line numbers holding code (not a docstring, comment or blank line)."""
    tree = ast.parse(source)
    docs: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            docs.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT}
    skip |= {tokenize.DEDENT, tokenize.ENDMARKER}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return lines - docs


def test_no_function_is_longer_than_the_limit() -> None:
    long = []
    for module, path in _modules():
        source = path.read_text(encoding="utf-8")
        code = _code_lines(source)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                span = set(range(node.lineno, (node.end_lineno or 0) + 1))
                n = len(span & code)
                if n > MAX_CODE_LINES:
                    long.append(f"{module}.{node.name}: {n} code lines")
    assert not long, "\n".join(long)


def test_the_length_rule_counts_code_not_docstrings() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(3))
    source = f'def f():\n    """Doc.\n\n    More.\n    """\n    # note\n\n{body}\n'
    assert len(_code_lines(source)) == 4  # the def line and three statements


if __name__ == "__main__":
    sys.stdout.write("".join(f"{s}\n" for s in signatures()))
