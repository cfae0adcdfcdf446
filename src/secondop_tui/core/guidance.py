"""The packaged guidance: plain-language Markdown sections read into simple blocks.

The files in ``assets/guidance/`` use a small part of Markdown (``#``/``##`` headings,
paragraphs, ``-`` lists, ``**bold**`` and ``*italic*``). A line such as
``<!-- checklist: records.pathology -->`` after a paragraph says the paragraph
recommends that checklist item; it is never shown as text. A line such as
``<!-- source: https://www.cancer.gov/... -->`` names a page the section's facts were
checked against: the page's organisation, title and check date come from
``assets/sources.json``, and the section ends with the list of them. Never imports
Textual.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from secondop_tui.core.content import assets_dir
from secondop_tui.core.text import escape_controls

_MARKER = re.compile(r"<!--\s*checklist:\s*([\w.\-]+)\s*-->")
_SOURCE = re.compile(r"<!--\s*source:\s*(\S+)\s*-->")
SOURCES_HEADING = "Where these facts come from"
# Kinds of block that are the guidance's own words (not its list of sources or links).
PROSE_KINDS = ("title", "heading", "paragraph", "bullet")


@dataclass(frozen=True)
class Source:
    """A page the guidance was checked against, and when it was last checked."""

    url: str
    organisation: str
    title: str
    checked: str  # an ISO date, YYYY-MM-DD

    def line(self) -> str:
        return f"{self.organisation}: \u201c{self.title}\u201d, {self.url} (checked {self.checked})"


def load_sources(path: Path | None = None) -> dict[str, Source]:
    """Every checked address, from ``assets/sources.json``, by address."""
    path = path or assets_dir() / "sources.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {entry["url"]: Source(entry["url"], entry["organisation"], entry["title"],
                                 entry["checked"]) for entry in data["sources"]}


@dataclass(frozen=True)
class Block:
    """One thing to show: ``title`` (a section's name), ``heading``, ``paragraph``,
    ``bullet``, ``checklist`` (a link to checklist item ``item_id``), ``sources`` (the
    heading of a section's list of sources) or ``source`` (one of them: its address is
    ``item_id``)."""

    kind: str
    text: str = ""
    item_id: str = ""


@dataclass(frozen=True)
class Section:
    """One guidance file: its stable id (the file name without number), title and blocks."""

    id: str
    number: int
    title: str
    blocks: tuple[Block, ...]

    @property
    def checklist_ids(self) -> tuple[str, ...]:
        return tuple(b.item_id for b in self.blocks if b.kind == "checklist")

    @property
    def source_urls(self) -> tuple[str, ...]:
        return tuple(b.item_id for b in self.blocks if b.kind == "source")

    def plain_text(self) -> str:
        return "\n".join(strip_inline(b.text) for b in self.blocks if b.kind != "checklist")

    def prose_text(self) -> str:
        """The section's own words: no checklist links and no list of sources."""
        return "\n".join(strip_inline(b.text) for b in self.blocks if b.kind in PROSE_KINDS)


def strip_inline(text: str) -> str:
    """The text without ``**`` and ``*`` emphasis marks (what the reader sees)."""
    return re.sub(r"\*\*(.+?)\*\*|\*(.+?)\*", lambda m: m[1] or m[2], text)


def parse_section(text: str, number: int, section_id: str,
                  sources: dict[str, Source] | None = None) -> Section:
    """Read one guidance file into blocks. ``sources`` describes the addresses named by
    source lines; an address it lacks is shown as not checked."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    title = ""
    sources = sources or {}

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if marker := _MARKER.fullmatch(line):
            end_paragraph()
            blocks.append(Block("checklist", item_id=marker[1]))
        elif source := _SOURCE.fullmatch(line):
            end_paragraph()
            if not any(b.kind == "sources" for b in blocks):
                blocks.append(Block("sources", SOURCES_HEADING))
            url = source[1]
            known = sources.get(url)
            blocks.append(Block("source", known.line() if known else f"{url} (not checked)",
                                item_id=url))
        elif not line:
            end_paragraph()
        elif line.startswith("# "):
            end_paragraph()
            title = line[2:].strip()
            blocks.append(Block("title", title))
        elif line.startswith("#"):
            end_paragraph()
            blocks.append(Block("heading", line.lstrip("#").strip()))
        elif line.startswith(("- ", "* ")):
            end_paragraph()
            blocks.append(Block("bullet", line[2:].strip()))
        elif blocks and blocks[-1].kind == "bullet" and not paragraph and raw[:1] == " ":
            last = blocks.pop()  # a list item continued on the next line
            blocks.append(Block("bullet", f"{last.text} {line}"))
        else:
            paragraph.append(line)
    end_paragraph()
    return Section(section_id, number, title or section_id, tuple(blocks))


@lru_cache(maxsize=4)
def _load(folder: Path) -> tuple[Section, ...]:
    sources_file = folder.parent / "sources.json"
    sources = load_sources(sources_file) if sources_file.is_file() else {}
    sections = []
    for path in sorted(folder.glob("*.md")):
        number_text, _, name = path.stem.partition("-")
        number = int(number_text) if number_text.isdigit() else len(sections) + 1
        sections.append(parse_section(path.read_text(encoding="utf-8"), number,
                                      name or path.stem, sources))
    return tuple(sections)


def load_guidance(folder: Path | None = None) -> tuple[Section, ...]:
    """Every guidance section, in file-name order."""
    return _load(folder or assets_dir() / "guidance")


def find_matches(sections: tuple[Section, ...] | list[Section], query: str
                 ) -> list[tuple[int, int, int, int]]:
    """Where ``query`` occurs (ignoring case): (section, block, start, end) in shown text."""
    needle = query.strip().lower()
    if not needle:
        return []
    found = []
    for s_index, section in enumerate(sections):
        for b_index, block in enumerate(section.blocks):
            if block.kind == "checklist":
                continue
            haystack = strip_inline(block.text).lower()
            start = haystack.find(needle)
            while start != -1:
                found.append((s_index, b_index, start, start + len(needle)))
                start = haystack.find(needle, start + len(needle))
    return found


def render_guidance(fmt: str = "text", sections: tuple[Section, ...] | None = None) -> str:
    """The whole guidance as plain text or Markdown: every section with its sources, the
    notice that it is information, not medical advice, and the glossary at the end."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import textwrap

    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.content import NOT_ADVICE
    from secondop_tui.core.glossary import render_glossary

    markdown = fmt == "markdown"
    sections = load_guidance() if sections is None else sections

    def wrapped(text: str, lead: str = "", rest: str = "") -> list[str]:
        if markdown:
            return [lead + text]
        return textwrap.wrap(text, 80, initial_indent=lead, subsequent_indent=rest,
                             break_long_words=False, break_on_hyphens=False) or [lead]

    heading = "Guidance"
    out = [f"## {heading}" if markdown else heading]
    if not markdown:
        out.append("=" * len(heading))
    out += ["", *wrapped(NOT_ADVICE), ""]
    for section in sections:
        for block in section.blocks:
            text = block.text if markdown else strip_inline(block.text)
            listed = block.kind in ("bullet", "source")
            if out[-1] != "" and not listed:
                out.append("")  # a list ends before whatever follows it
            if block.kind == "title":
                title = f"{section.number}. {text}"
                out += [f"### {title}" if markdown else title]
                if not markdown:
                    out.append("-" * len(title))
                out.append("")
            elif block.kind in ("heading", "sources"):
                out += [f"#### {text}" if markdown else text.upper(), ""]
            elif block.kind == "paragraph":
                out += [*wrapped(text), ""]
            elif listed:
                out += wrapped(text, "- ", "  ")
        if out[-1] != "":
            out.append("")
    # The meanings of the words it uses, last.
    out.append(render_glossary(fmt).rstrip("\n"))
    return escape_controls("\n".join(out).rstrip("\n")) + "\n"


def render_export_part(store, fmt: str) -> str:
    """The guidance as a part of the export (``export --only guidance``): exported only
    on its own, never as part of the export of the person's own workbook."""
    return render_guidance(fmt)
