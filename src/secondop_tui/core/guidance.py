"""The packaged guidance: plain-language Markdown sections read into simple blocks.

The files in ``assets/guidance/`` use a small part of Markdown (``#``/``##`` headings,
paragraphs, ``-`` lists, ``**bold**`` and ``*italic*``). A line such as
``<!-- checklist: records.pathology -->`` after a paragraph says the paragraph
recommends that checklist item; it is never shown as text. Never imports Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from secondop_tui.core.content import assets_dir
from secondop_tui.core.export import SECTIONS, SEPARATE

_MARKER = re.compile(r"<!--\s*checklist:\s*([\w.\-]+)\s*-->")


@dataclass(frozen=True)
class Block:
    """One thing to show: ``title`` (a section's name), ``heading``, ``paragraph``,
    ``bullet``, or ``checklist`` (a link to checklist item ``item_id``)."""

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

    def plain_text(self) -> str:
        return "\n".join(strip_inline(b.text) for b in self.blocks if b.kind != "checklist")


def strip_inline(text: str) -> str:
    """The text without ``**`` and ``*`` emphasis marks (what the reader sees)."""
    return re.sub(r"\*\*(.+?)\*\*|\*(.+?)\*", lambda m: m[1] or m[2], text)


def parse_section(text: str, number: int, section_id: str) -> Section:
    """Read one guidance file into blocks."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    title = ""

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if marker := _MARKER.fullmatch(line):
            end_paragraph()
            blocks.append(Block("checklist", item_id=marker[1]))
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
    sections = []
    for path in sorted(folder.glob("*.md")):
        number_text, _, name = path.stem.partition("-")
        number = int(number_text) if number_text.isdigit() else len(sections) + 1
        sections.append(parse_section(path.read_text(encoding="utf-8"), number,
                                      name or path.stem))
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


# Export ------------------------------------------------------------------------------
WRAP = 80
PART = "guidance"


def render_guidance(fmt: str = "text", sections: tuple[Section, ...] | None = None) -> str:
    """Every guidance section as plain text or Markdown, ending with the glossary."""
    from secondop_tui.core.content import NOT_ADVICE
    from secondop_tui.core.glossary import render_glossary
    from secondop_tui.core.text import wrap

    markdown = fmt == "markdown"
    out: list[str] = []
    for section in sections if sections is not None else load_guidance():
        for block in section.blocks:
            text = block.text if markdown else strip_inline(block.text)
            if block.kind == "title":
                out += [f"## {text}" if markdown else text]
                if not markdown:
                    out.append("=" * len(text))
            elif block.kind == "heading":
                out += [f"### {text}" if markdown else text]
                if not markdown:
                    out.append("-" * len(text))
            elif block.kind == "bullet":
                out += wrap(text, "- ", "  ", WRAP)
                continue
            elif block.kind == "paragraph":
                out += wrap(text, "", "", WRAP)
            else:
                continue  # a link to a checklist item: the checklist has its own export
            out.append("")
        if out and out[-1] != "":
            out.append("")
    out += wrap(NOT_ADVICE, "", "", WRAP) + ["", render_glossary(fmt)]
    return "\n".join(out).rstrip("\n") + "\n"


def _render_part(store: object, fmt: str) -> str:
    return render_guidance(fmt)


SECTIONS[PART] = _render_part
SEPARATE.add(PART)  # the same in every workbook: exported only when asked for by name
