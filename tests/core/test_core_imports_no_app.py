"""core is the ground floor: no module in it may import an app (DESIGN.md, dependency direction)."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
APPS = {"members", "loyalty", "tagging", "insights", "campaigns", "config"}


def imported_apps(source: str) -> set[str]:
    """Top-level package names of the apps that `source` imports (absolute imports only:
    a relative one stays inside core)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & APPS


def test_the_check_sees_plain_nested_and_from_imports():
    # given imports of apps in every form, one of them inside a function
    source = "import members.models\nfrom loyalty import hooks\ndef f():\n    from config.settings import base\n"

    # when / then
    assert imported_apps(source) == {"members", "loyalty", "config"}
    assert imported_apps("from . import hooks\nimport django\nfrom core.locks import lock_keys\n") == set()


def test_no_core_module_imports_an_app():
    # given every module of core, its subpackages included
    modules = sorted(CORE.rglob("*.py"))
    assert modules

    # when
    offenders = {str(path.relative_to(CORE)): sorted(apps) for path in modules
                 if (apps := imported_apps(path.read_text(encoding="utf-8")))}

    # then
    assert offenders == {}
