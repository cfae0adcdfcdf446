"""Plain-text and Markdown export of the workbook. Never imports Textual.

The parts of the export are one ordered table, :data:`PARTS`: each names the module
that renders it, and whether it is part of the export of the whole workbook. Every
renderer returns text that has already been made safe with
:func:`secondop_tui.core.text.escape_controls`.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TextIO

from secondop_tui.core import console
from secondop_tui.core.files import BROKEN_PIPE, private_output
from secondop_tui.core.store import WorkbookPaths, WorkbookStore

FORMATS = ("text", "markdown")
VISIT_PACK = "visit-pack"


@dataclass(frozen=True)
class Part:
    """One part of the export.

    ``render(store, fmt)`` gives its text (the visit pack's, ``render(store, doctor,
    fmt)``). ``pieces(store, fmt)``, for a part that can be large (the notes, a piece
    for each consultation), gives the same text as a list of lazy pieces: written as
    they are made, a big export needs neither one huge string nor the time to build it,
    and it can be shared out (see :func:`export_workbook`). A part that is not ``whole``
    is exported only when asked for by name: the packaged guidance, which is not the
    person's own, and the visit pack, which is for one doctor.
    """

    name: str
    render: Callable[..., str]
    pieces: Callable[[WorkbookStore, str], list[Iterable[str]]] | None = None
    whole: bool = True
    for_doctor: bool = False


# In the export's order: name, module, renderer, lazy pieces, in the whole export. The
# modules are imported the first time an export needs them (a fast command line).
_TABLE: tuple[tuple[str, str, str, str | None, bool], ...] = (
    ("checklist", "checklist", "render", None, True),
    ("doctors", "doctors", "render", None, True),
    ("notes", "notes", "render", "render_parts", True),
    ("comparison", "opinions", "render_comparison", None, True),
    ("timeline", "timeline", "render_timeline", None, True),
    ("guidance", "guidance", "render_export_part", None, False),
    (VISIT_PACK, "visitpack", "render_visit_pack", None, False),
)
PARTS: dict[str, Part] = {}  # filled, once, by load_parts()


def load_parts() -> dict[str, Part]:
    """The export's parts by name, in order. The first call imports the modules that
    render them; later calls cost nothing (a forked helper finds them loaded)."""
    if not PARTS:
        for name, module_name, render, pieces, whole in _TABLE:
            module = importlib.import_module(f"secondop_tui.core.{module_name}")
            PARTS[name] = Part(name, getattr(module, render),
                               getattr(module, pieces) if pieces else None, whole,
                               for_doctor=name == VISIT_PACK)
    return PARTS


def _part(only: str) -> Part:
    """The part called ``only``; ``KeyError`` when there is none."""
    return load_parts()[only]


def _section(part: Part, store: WorkbookStore, fmt: str, lead: str,
             doctor: str | None) -> Iterator[str]:
    if part.for_doctor:
        if doctor is None:
            raise ValueError(f"The {part.name} is for one doctor: name the doctor.")
        text = part.render(store, doctor, fmt)
    else:
        text = part.render(store, fmt)
    if text:  # an empty part (no opinions to compare, say) is left out
        yield lead
        yield text.rstrip("\n") + "\n"


def export_parts(store: WorkbookStore, only: str | None = None, fmt: str = "text", *,
                 doctor: str | None = None) -> list[Iterable[str]]:
    """The workbook (or one part of it) as lazy parts of text or Markdown, in order: a
    part renders its text only when iterated.

    Raises ``KeyError`` at once for a part that does not exist. A blank line separates
    the sections; each section ends with one newline. ``doctor`` is the doctor the
    visit pack is for (part of the name is enough).
    """
    chosen = [_part(only)] if only else [p for p in load_parts().values() if p.whole]
    parts: list[Iterable[str]] = []
    for part in chosen:
        lead = "\n" if parts else ""
        if part.pieces is not None:
            pieces = part.pieces(store, fmt)
            parts += [chain((lead,), pieces[0]), *pieces[1:]]
        else:
            parts.append(_section(part, store, fmt, lead, doctor))
    return parts


def export_chunks(store: WorkbookStore, only: str | None = None, fmt: str = "text", *,
                  doctor: str | None = None) -> Iterator[str]:
    """The workbook (or one part of it) as pieces of text or Markdown, in order.

    Raises ``KeyError`` at once (not when iterated) for a part that does not exist.
    """
    return chain.from_iterable(export_parts(store, only, fmt, doctor=doctor))


def export(store: WorkbookStore, only: str | None = None, fmt: str = "text", *,
           doctor: str | None = None) -> str:
    """The workbook (or one part of it) as text or Markdown."""
    return "".join(export_chunks(store, only, fmt, doctor=doctor))


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
    if only is not None:
        _part(only)  # a KeyError now, before anything is written
    load_parts()  # before the fork: the helper finds the parts loaded
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
        console.add_replaced(int(why) if why.strip().isdigit() else 0)
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
    replaced_before = console.replaced()
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
        # How many characters the terminal's character set could not show, if any: the
        # first process says so, once, for both halves.
        return 0, str(console.replaced() - replaced_before)
    except BrokenPipeError:
        return BROKEN_PIPE, ""
    except OSError as error:  # a full disk, say: the first process tells the user
        return 1, error.strerror or str(error)
    except BaseException:  # a bug, with where it is
        import traceback

        return 1, traceback.format_exc()


def export_file(target: Path, *, force: bool = False,
                streams: bool = False) -> AbstractContextManager[TextIO]:
    """``target`` opened for an export: UTF-8, mode 0600, written beside and renamed over
    ``target`` once whole (see :func:`secondop_tui.core.files.private_output`).

    Refuses (``FileExistsError``) to overwrite a file without ``force``, and
    (:class:`~secondop_tui.core.files.NotAFile`) to replace anything but a regular file.
    With ``streams`` (the command line) "-", /dev/stdout, a pipe or a terminal is
    written to as a stream.
    """
    return private_output(target, force=force, streams=streams)


def write_export(text: str | Iterable[str], target: Path, *, force: bool = False) -> Path:
    """Write an export to ``target`` with mode 0600; refuse to overwrite without ``force``,
    and to write to anything but a regular file."""
    with export_file(target, force=force) as out:
        if isinstance(text, str):
            out.write(text)
        else:
            out.writelines(text)
    return target
