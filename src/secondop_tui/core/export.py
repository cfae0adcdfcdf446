"""Plain-text and Markdown export of the workbook. Never imports Textual.

Each part of the workbook registers a renderer in ``SECTIONS``; ``export`` joins the
ones asked for. Every renderer returns text that has already been made safe with
:func:`secondop_tui.core.text.escape_controls`.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from itertools import chain
from pathlib import Path
from typing import TextIO

from secondop_tui.core.files import BROKEN_PIPE, PRIVATE_FILE
from secondop_tui.core.store import WorkbookPaths, WorkbookStore

FORMATS = ("text", "markdown")

# name -> renderer(store, fmt) -> str. Filled in by the modules that own each part.
SECTIONS: dict[str, Callable[[WorkbookStore, str], str]] = {}
# name -> the same text as a list of lazy pieces, for the parts that can be large (the
# notes, a piece for each consultation): written as they are made, a big export needs
# neither one huge string nor the time to build it, and it can be shared out (see
# export_workbook).
STREAMS: dict[str, Callable[[WorkbookStore, str], list[Iterable[str]]]] = {}
# Parts exported only when asked for by name (``--only``), never in the full export:
# the guidance and its glossary are the same in every workbook.
SEPARATE: set[str] = set()


def load_sections() -> None:
    """Import the modules that register export sections (kept lazy for a fast CLI)."""
    for module in ("secondop_tui.core.checklist", "secondop_tui.core.doctors",
                   "secondop_tui.core.notes", "secondop_tui.core.opinions",
                   "secondop_tui.core.timeline", "secondop_tui.core.guidance"):
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


def export_parts(store: WorkbookStore, only: str | None = None,
                 fmt: str = "text") -> list[Iterable[str]]:
    """The workbook (or one part of it) as lazy parts of text or Markdown, in order: a
    part renders its text only when iterated.

    Raises ``KeyError`` at once for a part that does not exist. A blank line separates
    the sections; each section ends with one newline.
    """
    load_sections()
    if only is not None and only not in SECTIONS:
        raise KeyError(only)
    parts: list[Iterable[str]] = []
    for name in [only] if only else [name for name in SECTIONS if name not in SEPARATE]:
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


def export_workbook(data_dir: Path, out: TextIO, only: str | None = None, fmt: str = "text",
                    *, share: bool = False) -> None:
    """Open the workbook in ``data_dir`` read-only and write its export to ``out``.

    Raises what :meth:`WorkbookStore.open` raises, and ``KeyError`` (before anything is
    written) for a part that does not exist.

    With ``share`` (and ``os.fork``), a big workbook is exported by two processes. This
    one reads the file and forks a helper; each parses the same bytes and renders half
    of the parts, and the helper writes its half straight to ``out``'s file once this
    one has written the first. An export is parsing and rendering, and this nearly
    halves both on a machine with two cores. Only for a process with no other threads:
    the command line, never the app.
    """
    load_sections()
    if only is not None and only not in SECTIONS:
        raise KeyError(only)
    content = _workbook_bytes(data_dir) if share else None
    if content is None or len(content) < SHARE_FROM_BYTES or not _can_share():
        store = WorkbookStore.open(data_dir, read_only=True, content=content)
        out.writelines(export_chunks(store, only, fmt))
        return
    out.flush()
    sys.stderr.flush()
    go_read, go_write = os.pipe()  # to the helper: the first half is written
    report_read, report_write = os.pipe()  # from the helper: "0", or why it failed
    pid = os.fork()
    if pid == 0:  # the helper never returns from here, whatever happens
        code = 1
        try:
            os.close(go_write)
            os.close(report_read)
            code, why = _helper(data_dir, content, only, fmt, out, go_read)
            with suppress(OSError, ValueError):
                os.close(out.fileno())  # a reader of the output need not wait for the exit
            os.write(report_write, f"{code} {why}".encode("utf-8", "replace"))
        finally:
            os._exit(code)
    os.close(go_read)
    os.close(report_write)
    try:
        parts = export_parts(WorkbookStore.open(data_dir, read_only=True, content=content),
                             only, fmt)
        out.writelines(chain.from_iterable(parts[:len(parts) // 2]))
        out.flush()
        try:
            os.write(go_write, b"1")
        except BrokenPipeError:
            pass  # the helper has already failed: its report says why
    finally:
        os.close(go_write)  # if this half failed, the helper sees it close and writes nothing
        with open(report_read, "rb") as report:
            code, _, why = report.read().decode("utf-8", "replace").partition(" ")
        # Taking the ended helper's status is left to a thread: a process that has just
        # written its last byte still takes a while to end.
        threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()
    if code == "0":
        return
    if code == str(BROKEN_PIPE):
        raise BrokenPipeError("the reader stopped before the end of the export")
    raise HelperFailed(why.strip() or "the second half of the export was not written")


# A smaller workbook is exported by one process: a second costs more than it saves.
SHARE_FROM_BYTES = 1_000_000


class HelperFailed(OSError):
    """The process that rendered the second half of an export did not write it."""


def _can_share() -> bool:
    """Whether a helper process would run beside this one: it needs fork and a second CPU
    (on one, the two would take turns, and parsing twice would only cost more)."""
    if not hasattr(os, "fork"):
        return False
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return (len(usable) if usable is not None else os.cpu_count() or 1) > 1


def _workbook_bytes(data_dir: Path) -> bytes | None:
    """The workbook file's bytes, or None when there is none or it cannot be read (the
    store says why when it opens)."""
    try:
        return WorkbookPaths(Path(data_dir).expanduser()).workbook.read_bytes()
    except OSError:
        return None


def _helper(data_dir: Path, content: bytes, only: str | None, fmt: str, out: TextIO,
            go: int) -> tuple[int, str]:
    """In the helper: render the second half, wait for the first to be written, write it.

    Its exit status and, when it failed, why. It tells nobody but the first process: a
    workbook that cannot be opened is reported there, once.
    """
    try:
        parts = export_parts(WorkbookStore.open(data_dir, read_only=True, content=content),
                             only, fmt)
        encoding, errors = out.encoding, out.errors or "strict"
        # Each piece on its own: most are plain ASCII, and encode as a copy. Joined while
        # the first half is still being written, then written at once.
        data = memoryview(b"".join([piece.encode(encoding, errors) for piece
                                    in chain.from_iterable(parts[len(parts) // 2:])]))
        if os.read(go, 1) != b"1":
            return 1, ""  # the first half failed; writing the second would mislead
        fd = out.fileno()
        while data:
            data = data[os.write(fd, data):]
        return 0, ""
    except BrokenPipeError:
        return BROKEN_PIPE, ""
    except OSError as error:  # a full disk, say: the first process tells the user
        return 1, error.strerror or str(error)
    except BaseException:  # a bug, with where it is
        import traceback

        return 1, traceback.format_exc()


@contextmanager
def export_file(target: Path, *, force: bool = False) -> Iterator[TextIO]:
    """``target`` opened for an export (mode 0600), removed again if writing it fails.

    Refuses (``FileExistsError``) to overwrite a file without ``force``.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(target, flags, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
    except BaseException:
        # Half an export (a full disk) must not pass for the whole, nor block the retry.
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, PRIVATE_FILE)


def write_export(text: str | Iterable[str], target: Path, *, force: bool = False) -> Path:
    """Write an export to ``target`` with mode 0600; refuse to overwrite without ``force``."""
    with export_file(target, force=force) as out:
        if isinstance(text, str):
            out.write(text)
        else:
            out.writelines(text)
    return target
