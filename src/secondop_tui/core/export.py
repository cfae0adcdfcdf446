"""Plain-text and Markdown export of the workbook. Never imports Textual.

Each part of the workbook registers a renderer in ``SECTIONS``; ``export`` joins the
ones asked for. Every renderer returns text that has already been made safe with
:func:`secondop_tui.core.text.escape_controls`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import TextIO

from secondop_tui.core.files import BROKEN_PIPE, PRIVATE_FILE
from secondop_tui.core.store import WorkbookStore

FORMATS = ("text", "markdown")

# name -> renderer(store, fmt) -> str. Filled in by the modules that own each part.
SECTIONS: dict[str, Callable[[WorkbookStore, str], str]] = {}
# name -> the same text as a list of lazy pieces, for the parts that can be large (the
# notes, a piece for each consultation): written as they are made, a big export needs
# neither one huge string nor the time to build it, and it can be shared out (see
# write_parts).
STREAMS: dict[str, Callable[[WorkbookStore, str], list[Iterable[str]]]] = {}


class Parts(list):
    """An export in order, as lazy parts: a part renders its text only when iterated."""


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


def _section(render: Callable[[WorkbookStore, str], str], store: WorkbookStore, fmt: str,
             lead: str) -> Iterator[str]:
    text = render(store, fmt)
    if text:  # an empty part (no opinions to compare, say) is left out
        yield lead
        yield text.rstrip("\n") + "\n"


def export_parts(store: WorkbookStore, only: str | None = None, fmt: str = "text") -> Parts:
    """The workbook (or one part of it) as lazy parts of text or Markdown, in order.

    Raises ``KeyError`` at once for a part that does not exist. A blank line separates
    the sections; each section ends with one newline.
    """
    load_sections()
    if only is not None and only not in SECTIONS:
        raise KeyError(only)
    parts = Parts()
    for name in [only] if only else SECTIONS:
        lead = "\n" if parts else ""
        if name in STREAMS:
            pieces = STREAMS[name](store, fmt)
            parts += [chain((lead,), pieces[0]), *pieces[1:]]
        else:
            parts.append(_section(SECTIONS[name], store, fmt, lead))
    return parts


def export_chunks(store: WorkbookStore, only: str | None = None,
                  fmt: str = "text") -> Iterator[str]:
    """The workbook (or one part of it) as pieces of text or Markdown, in order.

    Raises ``KeyError`` at once (not when iterated) for a part that does not exist.
    """
    return chain.from_iterable(export_parts(store, only, fmt))


def export(store: WorkbookStore, only: str | None = None, fmt: str = "text") -> str:
    """The workbook (or one part of it) as text or Markdown."""
    return "".join(export_chunks(store, only, fmt))


# Below this many parts, one process writes the export alone: sharing it costs a fork.
SHARE_FROM = 200


class HelperFailed(OSError):
    """The process that rendered the second half of an export did not write it."""


def write_parts(parts: Parts, out: TextIO, *, share: bool = False) -> None:
    """Write the parts to ``out`` in order.

    With ``share`` (and ``os.fork``), a big export is written by two processes: a copy of
    this one renders the second half while this one renders and writes the first, then
    writes its half after it, straight to the same file. A command-line export is mostly
    rendering, and this nearly halves it on a machine with two cores. Only for a process
    with no other threads: the command line, never the app.
    """
    if not share or len(parts) < SHARE_FROM or not hasattr(os, "fork"):
        out.writelines(chain.from_iterable(parts))
        return
    half = len(parts) // 2
    out.flush()
    sys.stderr.flush()
    go_read, go_write = os.pipe()  # to the helper: the first half is written
    report_read, report_write = os.pipe()  # from the helper: why it failed
    pid = os.fork()
    if pid == 0:
        os.close(go_write)
        os.close(report_read)
        os._exit(_write_second_half(parts[half:], out, go_read, report_write))
    os.close(go_read)
    os.close(report_write)
    try:
        out.writelines(chain.from_iterable(parts[:half]))
        out.flush()
        os.write(go_write, b"1")
    finally:
        os.close(go_write)  # if this half failed, the helper sees it close and writes nothing
        _, status = os.waitpid(pid, 0)
        with open(report_read, "rb") as report:
            why = report.read().decode("utf-8", "replace").strip()
    code = os.waitstatus_to_exitcode(status)
    if code == BROKEN_PIPE:
        raise BrokenPipeError("the reader stopped before the end of the export")
    if code != 0:
        raise HelperFailed(why or "the second half of the export was not written")


def _write_second_half(parts: list[Iterable[str]], out: TextIO, go: int, report: int) -> int:
    """In the helper: render, wait for the first half to be written, write. Its status."""
    try:
        encoding, errors = out.encoding, out.errors or "strict"
        # Each piece on its own: most are plain ASCII, and encode as a copy. Joined while
        # the first half is still being written, then written at once.
        data = memoryview(b"".join([piece.encode(encoding, errors)
                                    for piece in chain.from_iterable(parts)]))
        if os.read(go, 1) != b"1":
            return 1  # the first half failed; writing the second would mislead
        fd = out.fileno()
        while data:
            data = data[os.write(fd, data):]
        return 0
    except BrokenPipeError:
        return BROKEN_PIPE
    except OSError as error:  # a full disk, say: the first process tells the user
        os.write(report, (error.strerror or str(error)).encode("utf-8", "replace"))
        return 1
    except BaseException:  # a bug, with where it is
        import traceback

        os.write(report, traceback.format_exc().encode("utf-8", "replace"))
        return 1


def write_export(text: str | Iterable[str], target: Path, *, force: bool = False,
                 share: bool = False) -> Path:
    """Write an export to ``target`` with mode 0600; refuse to overwrite without ``force``.

    ``text`` may be :class:`Parts`, written as :func:`write_parts` does (with ``share``).
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(target, flags, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            if isinstance(text, str):
                out.write(text)
            elif isinstance(text, Parts):
                write_parts(text, out, share=share)
            else:
                out.writelines(text)
    except BaseException:
        # Half an export (a full disk) must not pass for the whole, nor block the retry.
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, PRIVATE_FILE)
    return target
