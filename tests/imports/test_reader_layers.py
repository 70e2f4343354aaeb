"""The readers' modules depend one way: readers → xlsx_table → table (no import loop)."""

import ast
from pathlib import Path

import members.imports

PACKAGE = Path(members.imports.__file__).parent


def imported_modules(name: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    found = set()
    for node in ast.walk(tree):  # function bodies too: a lazy import is still a dependency
        if isinstance(node, ast.ImportFrom):
            found.add(node.module.rsplit(".", 1)[-1] if node.module else "")
            if node.level and not node.module:
                found.update(alias.name for alias in node.names)
    return found


def test_the_workbook_reader_builds_on_table_not_on_readers():
    assert "readers" not in imported_modules("xlsx_table")
    assert "table" in imported_modules("xlsx_table")


def test_table_imports_neither_reader():
    assert not {"readers", "xlsx_table"} & imported_modules("table")
