"""The import layers: the contracts in pyproject.toml hold, and the ui's deferred imports
say why they are deferred.

tests/test_cli.py checks besides, by importing it, that the core leaves Textual out.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "src" / "secondop_tui" / "ui"

LINT = """
import sys
from importlinter.cli import lint_imports
sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))
"""


def test_import_contracts_are_kept():
    # The source next to this test is analysed, whichever copy is installed.
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": path})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "broken" in out.stdout and "0 broken" in out.stdout, out.stdout


def test_imports_inside_functions_say_why():
    """An import inside a function waits for start-up speed, and a comment just above it
    (or above the imports run together with it) says so; any other belongs at the top
    of its module."""
    silent = []
    for source in sorted(UI.parent.rglob("*.py")):  # the ui, the core, the command line
        lines = source.read_text().splitlines()
        deferred = {node.lineno
                    for function in ast.walk(ast.parse("\n".join(lines)))
                    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for node in ast.walk(function)
                    if isinstance(node, (ast.Import, ast.ImportFrom))}
        for lineno in sorted(deferred):
            first = lineno - 1  # the first of the imports written together with this one
            while first > 0 and lines[first - 1].lstrip().startswith(("from ", "import ")):
                first -= 1
            if not any("start-up speed" in line for line in lines[max(0, first - 2):first]):
                silent.append(f"{source.relative_to(ROOT)}:{lineno}")
    assert not silent, silent
