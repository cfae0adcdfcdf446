"""Plain-text and Markdown export of the workbook. Never imports Textual.

Each part of the workbook registers a renderer in ``SECTIONS``; ``export`` joins the
ones asked for. Every renderer returns text that has already been made safe with
:func:`secondop_tui.core.text.escape_controls`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from secondop_tui.core.files import PRIVATE_FILE
from secondop_tui.core.store import WorkbookStore

FORMATS = ("text", "markdown")

# name -> renderer(store, fmt) -> str. Filled in by the modules that own each part.
SECTIONS: dict[str, Callable[[WorkbookStore, str], str]] = {}


def load_sections() -> None:
    """Import the modules that register export sections (kept lazy for a fast CLI)."""
    for module in ("secondop_tui.core.checklist", "secondop_tui.core.doctors",
                   "secondop_tui.core.notes"):
        try:
            __import__(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def export(store: WorkbookStore, only: str | None = None, fmt: str = "text") -> str:
    """The workbook (or one part of it) as text or Markdown."""
    load_sections()
    if only is not None and only not in SECTIONS:
        raise KeyError(only)
    names = [only] if only else list(SECTIONS)
    parts = [SECTIONS[name](store, fmt) for name in names]
    return "\n".join(part.rstrip("\n") + "\n" for part in parts if part)


def write_export(text: str, target: Path, *, force: bool = False) -> Path:
    """Write an export to ``target`` with mode 0600; refuse to overwrite without ``force``."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(target, flags, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except BaseException:
        # Half an export (a full disk) must not pass for the whole, nor block the retry.
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, PRIVATE_FILE)
    return target
