"""Textual's private internals are used in one module only, ui/textual_internals.py,
each behind a named function that says why and what public API would replace it."""

from __future__ import annotations

import ast
from pathlib import Path

import textual

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "secondop_tui"
UI = SOURCE / "ui"
INTERNALS = UI / "textual_internals.py"
TEXTUAL = Path(textual.__file__).resolve().parent

# Private names still used outside textual_internals.py, by module: none.
NOT_MOVED_YET: set[tuple[str, str]] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _names_defined(folder: Path) -> set[str]:
    """Every function, class, attribute and module-level name a package's source defines."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _used_by_internals() -> set[str]:
    """The private Textual names textual_internals.py reaches for."""
    return {node.attr for node in ast.walk(ast.parse(INTERNALS.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and _private(node.attr)}


def private_uses(source: str, name: str, known: set[str], textual_only: set[str]) -> list[str]:
    """Where a ui module (its source, and its path under ui/) touches a private Textual
    module or name: an import from one, an attribute textual_internals.py wraps, or an
    attribute only Textual defines."""
    tree = ast.parse(source)
    # Other libraries' modules imported whole (os._exit is the standard library's).
    other_modules = {(alias.asname or alias.name).split(".")[0]
                     for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names if alias.name.split(".")[0] != "textual"}
    found = []
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"{where} from {node.module} import")
            found += [f"{where} import {alias.name} from {node.module}"
                      for alias in node.names if _private(alias.name)]
        elif isinstance(node, ast.Import):
            found += [f"{where} import {alias.name}" for alias in node.names
                      if alias.name.split(".")[0] == "textual"
                      and any(_private(part) for part in alias.name.split("."))]
        elif (isinstance(node, ast.Attribute) and _private(node.attr)
              and not (isinstance(node.value, ast.Name) and node.value.id in other_modules)):
            if ((node.attr in known or node.attr in textual_only)
                    and (name, node.attr) not in NOT_MOVED_YET):
                found.append(f"{where} .{node.attr}")
    return found


def test_internals_module_wraps_textual_private_names():
    known = _used_by_internals()
    # The ones the app needs today; a name leaves this list when its public API comes.
    assert {"_parent", "_stop_propagation", "_sender", "_result_callbacks",
            "_bindings_ready", "_on_key", "_driver", "_app", "_debug", "_timeout_time",
            "_input_reader", "_on_meta", "_index_to_line", "_heights"} <= known
    textual_names = _names_defined(TEXTUAL)
    assert known <= textual_names, known - textual_names


def test_no_other_ui_module_touches_textual_private_names():
    known = _used_by_internals()
    # Private names Textual defines and this project does not: reaching one can only be
    # reaching into Textual (or another library), whatever the object is called.
    textual_only = {name for name in _names_defined(TEXTUAL) - _names_defined(SOURCE)
                    if _private(name)}
    found = []
    for path in sorted(UI.rglob("*.py")):
        if path != INTERNALS:
            found += private_uses(path.read_text(encoding="utf-8"),
                                  path.relative_to(UI).as_posix(), known, textual_only)
    assert not found, ("use (or add) a function in ui/textual_internals.py instead:\n"
                       + "\n".join(found))


def test_the_scan_finds_each_kind_of_private_use():
    source = ("from textual._time import get_time\n"
              "import textual._xterm_parser\n"
              "from textual.drivers.web_driver import _ExitInput\n"
              "import os\n"
              "def f(node, app, driver):\n"
              "    os._exit(0)\n"
              "    return node._parent, app._exit_renderables, driver._driver\n")
    found = private_uses(source, "probe.py", _used_by_internals(), {"_exit_renderables"})
    assert sorted(line.split(" ", 1)[1] for line in found) == sorted([
        "from textual._time import",
        "import textual._xterm_parser",
        "import _ExitInput from textual.drivers.web_driver",
        "._parent",
        "._exit_renderables",
        "._driver",
    ])
