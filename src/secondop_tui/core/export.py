"""Export of the workbook: text, Markdown, a web page to print, a calendar, contacts.

The parts of the export are one ordered table (``_TABLE``; :data:`PARTS` holds those
loaded so far): each names the module that renders it, whether it is part of the
export of the whole workbook, and the formats it can be written in. Every text
renderer returns text that has already been made safe with
:func:`secondop_tui.core.text.escape_controls`. The web page (HTML, for paper) of any
part or of the whole workbook comes from :mod:`secondop_tui.core.paper`; the calendar
(iCalendar) and the contacts (vCard) are files of their own formats, never part of the
whole export. Never imports Textual.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TextIO

from secondop_tui.core.files import private_output
from secondop_tui.core.store import WorkbookStore

FORMATS = ("text", "markdown")  # the text formats
HTML = "html"  # one self-contained web page, to read or print
ICS = "ics"  # iCalendar (RFC 5545)
VCARD = "vcard"  # vCard 4.0 (RFC 6350)
DOCUMENT_FORMATS = (*FORMATS, HTML)
ALL_FORMATS = (*DOCUMENT_FORMATS, ICS, VCARD)
FORMAT_NAMES = {"text": "plain text", "markdown": "Markdown", HTML: "a web page (HTML)",
                ICS: "iCalendar (.ics)", VCARD: "vCard (.vcf)"}
VISIT_PACK = "visit-pack"
CALENDAR = "calendar"
CONTACTS = "contacts"


@dataclass(frozen=True)
class Part:
    """One part of the export.

    ``render(store, fmt)`` gives its text (the visit pack's, ``render(store, doctor,
    fmt)``). ``pieces(store, fmt)``, for a part that can be large (the notes, a piece
    for each consultation), gives the same text as a list of lazy pieces: written as
    they are made, a big export needs neither one huge string nor the time to build it.
    A part that is not ``whole`` is exported only when asked for by name: the packaged
    guidance, which is not the person's own, and the visit pack, which is for one
    doctor. ``formats`` are the formats it can be written in, the first its default:
    the calendar and the contacts are files of their own kind.
    """

    name: str
    render: Callable[..., str]
    pieces: Callable[[WorkbookStore, str], list[Iterable[str]]] | None = None
    whole: bool = True
    for_doctor: bool = False
    formats: tuple[str, ...] = DOCUMENT_FORMATS

    @property
    def is_file(self) -> bool:
        """A calendar or an address book: written in its own format only, as it is."""
        return self.formats[0] not in DOCUMENT_FORMATS


# In the export's order: name, module, renderer, lazy pieces, in the whole export. A
# part's module is imported the first time an export needs that part (a fast command
# line: the whole export loads neither the calendar's, the contacts' nor the visit
# pack's code).
_TABLE: tuple[tuple[str, str, str, str | None, bool], ...] = (
    ("checklist", "checklist", "render", None, True),
    ("doctors", "doctors", "render", None, True),
    ("notes", "notes", "render", "render_parts", True),
    ("comparison", "opinions", "render_comparison", None, True),
    ("timeline", "timeline", "render_timeline", None, True),
    ("guidance", "guidance", "render_export_part", None, False),
    (VISIT_PACK, "visitpack", "render_visit_pack", None, False),
    (CALENDAR, "ics", "render_calendar", None, False),
    (CONTACTS, "contacts", "render_contacts", None, False),
)
PART_NAMES = tuple(row[0] for row in _TABLE)  # every part, in order
WHOLE_PARTS = tuple(row[0] for row in _TABLE if row[4])  # those in the whole export
_FILE_FORMATS = {CALENDAR: (ICS,), CONTACTS: (VCARD,)}
PARTS: dict[str, Part] = {}  # the parts loaded so far, in order (see load_parts)


def load_parts(names: Collection[str] = PART_NAMES) -> dict[str, Part]:
    """The export's parts by name, in order: those in ``names`` (every part, unless
    told) and any loaded before. A part's module is imported the first time the part
    is asked for; later calls cost nothing. A name that is no part is passed over."""
    missing = [row for row in _TABLE if row[0] in names and row[0] not in PARTS]
    if missing:
        for name, module_name, render, pieces, whole in missing:
            module = importlib.import_module(f"secondop_tui.core.{module_name}")
            PARTS[name] = Part(name, getattr(module, render),
                               getattr(module, pieces) if pieces else None, whole,
                               for_doctor=name == VISIT_PACK, formats=_formats(name))
        # Put back in the export's order, in place: the dict returned is PARTS itself.
        # (Called on one thread: the command line's, or the app's for its dialogs.)
        ordered = [(name, PARTS[name]) for name in PART_NAMES if name in PARTS]
        PARTS.clear()
        PARTS.update(ordered)
    return PARTS


def _formats(name: str) -> tuple[str, ...]:
    """The formats the part ``name`` can be written in, its default first (known without
    loading the part); ``KeyError`` when there is no such part."""
    if name not in PART_NAMES:
        raise KeyError(name)
    return _FILE_FORMATS.get(name, DOCUMENT_FORMATS)


def _part(only: str) -> Part:
    """The part called ``only``; ``KeyError`` when there is none."""
    return load_parts((only,))[only]


def default_format(only: str | None) -> str:
    """The format a part is written in when none is asked for: text, or the calendar's
    and the contacts' own."""
    return _formats(only)[0] if only else FORMATS[0]


def check_format(only: str | None, fmt: str) -> None:
    """Raise ``ValueError`` (with a message for the user) when the part ``only`` (the
    whole workbook for None) cannot be written in ``fmt``; ``KeyError`` for no such part."""
    formats = _formats(only) if only else DOCUMENT_FORMATS
    if fmt not in formats:
        what = f"The {only}" if only else "The whole workbook"
        names = " or ".join(FORMAT_NAMES.get(f, f) for f in formats)
        raise ValueError(f"{what} is written as {names}, not as {FORMAT_NAMES.get(fmt, fmt)}.")


def _section(part: Part, store: WorkbookStore, fmt: str, lead: str,
             doctor: str | None) -> Iterator[str]:
    if part.for_doctor:
        if doctor is None:
            raise ValueError(f"The {part.name} is for one doctor: name the doctor.")
        text = part.render(store, doctor, fmt)
    else:
        text = part.render(store, fmt)
    if part.is_file:
        yield text
    elif text:  # an empty part (no opinions to compare, say) is left out
        yield lead
        yield text.rstrip("\n") + "\n"


def export_parts(store: WorkbookStore, only: str | None = None, fmt: str = "text", *,
                 doctor: str | None = None, paper_size: str = "auto") -> list[Iterable[str]]:
    """The workbook (or one part of it) as lazy parts of text or Markdown, in order: a
    part renders its text only when iterated.

    Raises ``KeyError`` at once for a part that does not exist. A blank line separates
    the sections; each section ends with one newline. ``doctor`` is the doctor the
    visit pack is for (part of the name is enough). HTML is one document, of one part
    or of the whole workbook, made as it is written, for ``paper_size`` ("auto", "a4"
    or "letter"). ``ValueError`` for a part that cannot be written in ``fmt``.
    """
    check_format(only, fmt)
    if fmt == HTML:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core import paper

        return [paper.html_chunks(store, only, doctor=doctor, paper=paper_size)]
    chosen = [_part(only)] if only else [p for p in load_parts(WHOLE_PARTS).values()
                                         if p.whole]
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
                  doctor: str | None = None, paper_size: str = "auto") -> Iterator[str]:
    """The workbook (or one part of it) as pieces of text, in order.

    Raises ``KeyError`` at once (not when iterated) for a part that does not exist.
    """
    return chain.from_iterable(export_parts(store, only, fmt, doctor=doctor,
                                            paper_size=paper_size))


def export(store: WorkbookStore, only: str | None = None, fmt: str = "text", *,
           doctor: str | None = None, paper_size: str = "auto") -> str:
    """The workbook (or one part of it) as text, Markdown, HTML, iCalendar or vCard."""
    return "".join(export_chunks(store, only, fmt, doctor=doctor, paper_size=paper_size))


def export_workbook(data_dir: Path, out: TextIO, only: str | None = None,
                    fmt: str = "text", *, paper_size: str = "auto", key=None) -> None:
    """Open the workbook in ``data_dir`` read-only (with its ``key``, when it is
    encrypted) and write its export to ``out``.

    Raises what :meth:`WorkbookStore.open` raises, and ``KeyError`` (before anything is
    written) for a part that does not exist. One process does it all: a forked helper
    rendering half of a big export was slower on a two-core machine with other work on
    it (docs/performance.md).
    """
    check_format(only, fmt)  # a KeyError or ValueError now, before anything is written
    store = WorkbookStore.open(data_dir, read_only=True, key=key)
    out.writelines(export_chunks(store, only, fmt, paper_size=paper_size))


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
