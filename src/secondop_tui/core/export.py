"""Plain-text and Markdown export of the workbook. Never imports Textual.

Each part of the workbook registers a renderer in ``SECTIONS``; ``export`` joins the
ones asked for. Every renderer returns text that has already been made safe with
:func:`secondop_tui.core.text.escape_controls`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from secondop_tui.core.files import PRIVATE_FILE
from secondop_tui.core.store import WorkbookStore

FORMATS = ("text", "markdown")

# name -> renderer(store, fmt) -> str. Filled in by the modules that own each part.
SECTIONS: dict[str, Callable[[WorkbookStore, str], str]] = {}
# name -> the same text in pieces, for the parts that can be large (the notes): written
# as they are made, a big export needs neither one huge string nor the time to build it.
STREAMS: dict[str, Callable[[WorkbookStore, str], Iterable[str]]] = {}


def load_sections() -> None:
    """Import the modules that register export sections (kept lazy for a fast CLI)."""
    for module in ("secondop_tui.core.checklist", "secondop_tui.core.doctors",
                   "secondop_tui.core.notes", "secondop_tui.core.opinions",
                   "secondop_tui.core.timeline"):
        try:
            __import__(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    # The full export reads in this order, whichever module happened to be imported first.
    order = ("checklist", "doctors", "notes", "comparison", "timeline")
    ranked = sorted(SECTIONS.items(),
                    key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    SECTIONS.clear()
    SECTIONS.update(ranked)


def export_chunks(store: WorkbookStore, only: str | None = None,
                  fmt: str = "text") -> Iterator[str]:
    """The workbook (or one part of it) as pieces of text or Markdown, in order.

    Raises ``KeyError`` at once (not when iterated) for a part that does not exist.
    Parts are separated by one blank line.
    """
    load_sections()
    if only is not None and only not in SECTIONS:
        raise KeyError(only)
    names = [only] if only else list(SECTIONS)

    def pieces() -> Iterator[str]:
        first = True
        for name in names:
            chunks: Iterable[str]
            if name in STREAMS:
                chunks = STREAMS[name](store, fmt)  # each stream ends with one newline
            else:
                part = SECTIONS[name](store, fmt)
                if not part:
                    continue
                chunks = (part.rstrip("\n") + "\n",)
            if not first:
                yield "\n"
            first = False
            yield from chunks

    return pieces()


def export(store: WorkbookStore, only: str | None = None, fmt: str = "text") -> str:
    """The workbook (or one part of it) as text or Markdown."""
    return "".join(export_chunks(store, only, fmt))


def write_export(text: str | Iterable[str], target: Path, *, force: bool = False) -> Path:
    """Write an export to ``target`` with mode 0600; refuse to overwrite without ``force``."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(target, flags, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            if isinstance(text, str):
                out.write(text)
            else:
                out.writelines(text)
    except BaseException:
        # Half an export (a full disk) must not pass for the whole, nor block the retry.
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, PRIVATE_FILE)
    return target
