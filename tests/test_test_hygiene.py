"""The test suite's own shape: test modules share helpers through ``tests/helpers.py`` (or
``tests/contexts.py``), never by importing conftest.py or one another, and conftest.py
holds only pytest's hooks, fixtures and the constants they use.

Read from the source (ast), so nothing is imported or run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MODULES = sorted(TESTS.glob("*.py"))


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def is_shared_badly(module: str) -> bool:
    """Whether an imported module's name is conftest or a test module (``tests.test_x``,
    ``test_x``, ``.conftest``...)."""
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def forbidden_imports(tree: ast.Module) -> list[str]:
    """Each import (anywhere in the module, a function's body too) of conftest or of a
    test module, as ``line: what``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names = [base] if node.module else []
            if node.module in (None, "tests"):
                # "from . import conftest", "from tests import test_x": modules imported.
                prefix = base if base.endswith(".") else base + "."
                names += [prefix + alias.name for alias in node.names]
        else:
            continue
        found += [f"{node.lineno}: {name}" for name in names if is_shared_badly(name)]
    return found


def is_fixture(decorator: ast.expr) -> bool:
    """``@pytest.fixture``, ``@pytest.fixture(...)``, ``@fixture`` or ``@fixture(...)``."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr == "fixture"
    return isinstance(decorator, ast.Name) and decorator.id == "fixture"


def conftest_strays(tree: ast.Module) -> list[str]:
    """What conftest.py defines at its top level besides hooks (``pytest_*``), fixtures
    and constants (upper-case names assigned a value): helpers and classes belong in
    tests/helpers.py."""
    strays = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not (node.name.startswith("pytest_")
                    or any(is_fixture(d) for d in node.decorator_list)):
                strays.append(f"{node.lineno}: function {node.name}")
        elif isinstance(node, ast.ClassDef):
            strays.append(f"{node.lineno}: class {node.name}")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names = [t for t in ast.walk(target) if isinstance(t, ast.Name)]
                strays += [f"{node.lineno}: variable {n.id}" for n in names
                           if not n.id.isupper()]
    return strays


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_imports_conftest_or_a_test_module(path: Path):
    found = forbidden_imports(parse(path))
    assert not found, (f"{path.name} imports conftest or a test module (move what it "
                       f"needs to tests/helpers.py): {found}")


def test_conftest_holds_only_hooks_fixtures_and_their_constants():
    tree = parse(TESTS / "conftest.py")
    assert not conftest_strays(tree), conftest_strays(tree)
    # Each constant is used by a hook or a fixture (by something else, it is a helper's).
    constants = {target.id for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
    used = {node.id for function in tree.body
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(function) if isinstance(node, ast.Name)}
    assert constants <= used, f"constants no hook or fixture uses: {constants - used}"


@pytest.mark.parametrize("source, expected", [
    ("from conftest import FROZEN_NOW", ["1: conftest"]),
    ("from tests.conftest import x", ["1: tests.conftest"]),
    ("from .conftest import x", ["1: .conftest"]),
    ("from . import conftest", ["1: .conftest"]),
    ("from test_notes import until", ["1: test_notes"]),
    ("from tests.test_faults import PANES", ["1: tests.test_faults"]),
    ("from tests import test_faults", ["1: tests.test_faults"]),
    ("import test_e2e", ["1: test_e2e"]),
    ("import tests.test_e2e as e2e", ["1: tests.test_e2e"]),
    ("def f():\n    from tests.test_faults import PANES", ["2: tests.test_faults"]),
    ("from tests.helpers import wait_until", []),
    ("from tests.contexts import CONTEXTS", []),
    ("import pytest", []),
])
def test_the_import_check_finds_each_form(source, expected):
    assert forbidden_imports(ast.parse(source)) == expected


def test_the_conftest_check_finds_a_helper():
    source = '''
import pytest
LIMIT = 3
def pytest_configure(config): ...
@pytest.fixture
def store(): ...
@pytest.fixture(autouse=True)
def _isolated(): ...
def helper(): ...
class Thing: ...
value = 1
'''
    assert conftest_strays(ast.parse(source)) == [
        "9: function helper", "10: class Thing", "11: variable value"]
