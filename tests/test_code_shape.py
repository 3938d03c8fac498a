"""The shape of the source: modules a reader takes in at once, functions of one job.

No module in ``src/`` is over :data:`MODULE_LINES` lines and no function over
:data:`FUNCTION_LINES` lines (its docstring not counted: documenting every argument is
not a second job), except the declaration tables listed in :data:`DECLARATION_TABLES`,
which list things one after the other and are read by looking one up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

MODULE_LINES = 500
FUNCTION_LINES = 80

DECLARATION_TABLES: dict[str, str] = {
    # One Table(...) per table of the schema, with its columns, keys and indexes.
    "taskcore_adapters/sql/tables.py": "module",
    # Migrations: each upgrade() is the list of operations of one schema version.
    "taskcore_adapters/sql/migrations/versions/": "module and functions",
}
"""Paths under ``src/`` (a folder ends with ``/``) exempt from the limits, and which."""


def _exempt(path: Path, kind: str) -> bool:
    name = path.relative_to(SRC).as_posix()
    return any(
        (name == key or (key.endswith("/") and name.startswith(key))) and kind in scope
        for key, scope in DECLARATION_TABLES.items()
    )


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the function's end, less its docstring's."""
    assert node.end_lineno is not None
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and first.end_lineno is not None
    ):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def long_modules() -> list[str]:
    """``path: lines`` of every module over the limit that is not exempt."""
    found = []
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES and not _exempt(path, "module"):
            found.append(f"{path.relative_to(SRC)}: {lines}")
    return found


def long_functions() -> list[str]:
    """``path:line name: lines`` of every function over the limit that is not exempt."""
    found = []
    for path in _sources():
        if _exempt(path, "functions"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = _function_lines(node)
                if lines > FUNCTION_LINES:
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {lines}")
    return found


def test_the_allow_list_names_what_exists() -> None:
    """Every exemption still points at a module or folder (none outlives its code)."""
    missing = [key for key in DECLARATION_TABLES if not (SRC / key).exists()]
    assert [] == missing


def test_no_module_over_the_limit() -> None:
    assert [] == long_modules()


def test_no_function_over_the_limit() -> None:
    assert [] == long_functions()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('def f():\n    """Doc.\n\n    More.\n    """\n    return 1\n', 2),
        ("async def f():\n    x = 1\n    return x\n", 3),
        ("def f():\n    'one line'\n", 1),
    ],
)
def test_a_docstring_does_not_count(source: str, expected: int) -> None:
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    assert expected == _function_lines(node)


def test_test_modules_have_unique_names() -> None:
    """Test folders are not packages, so pytest imports each test module by its file name:
    two with the same name cannot be collected in one run."""
    root = SRC.parent
    names: dict[str, list[str]] = {}
    for path in [*root.glob("tests/**/test_*.py"), *root.glob("examples/**/test_*.py")]:
        names.setdefault(path.name, []).append(str(path.relative_to(root)))
    assert {} == {name: paths for name, paths in names.items() if len(paths) > 1}
