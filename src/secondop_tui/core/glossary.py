"""The glossary: plain-language meanings of the words the guidance, checklist and
questions use, read from ``assets/glossary.json``, and finding those words in a text.

A term is found whole (at word boundaries), whatever its case, in its plural and in
either British or American spelling ("tumour markers" finds "Tumor marker"). Short
acronyms (CT, PET, HIPAA) are found only in capitals, so "pet" or "ct" in a sentence
is not taken for a scan. Where terms overlap, the longest wins: "medical oncologist",
not "oncologist". Never imports Textual.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from secondop_tui.core.content import assets_dir
from secondop_tui.core.text import escape_controls, wrap

WRAP = 80

# (American, British) pieces of words: a term written one way is found written the other.
SPELLINGS = (
    ("tumor", "tumour"), ("hemat", "haemat"), ("leukem", "leukaem"), ("gynec", "gynaec"),
    ("pediatric", "paediatric"), ("counselor", "counsellor"), ("counseling", "counselling"),
    ("center", "centre"), ("license", "licence"), ("organiz", "organis"),
    ("specializ", "specialis"), ("authoriz", "authoris"), ("anemia", "anaemia"),
    ("esophag", "oesophag"), ("estrogen", "oestrogen"), ("program", "programme"),
)


class Term(NamedTuple):
    """One glossary entry; ``also`` are other words for the same thing."""

    id: str
    term: str
    definition: str
    also: tuple[str, ...] = ()
    source: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.also)

    @property
    def summary(self) -> str:
        """The definition's first sentence: its meaning in short, for a one-line list."""
        return _SENTENCE_END.split(self.definition.strip(), maxsplit=1)[0]


class Source(NamedTuple):
    """Where the facts of a definition were checked; or, with no address, a note that the
    definition is the workbook's own plain description, for which no checked page was
    found."""

    id: str
    organisation: str
    title: str
    url: str = ""

    @property
    def is_page(self) -> bool:
        """Whether it is a page the definition was checked against (it has an address)."""
        return bool(self.url)


# A sentence ends at a full stop, question or exclamation mark before a capital or digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def _is_acronym(form: str) -> bool:
    letters = form.replace("-", "")
    return letters.isupper() and len(letters) <= 6


def _key(text: str) -> str:
    """How a found text is looked up: lower case, one space for any run of spaces or
    hyphens, and American spelling."""
    key = re.sub(r"[\s\-]+", " ", text.strip().lower())
    for american, british in SPELLINGS:
        key = key.replace(british, american)
    return key


def _spellings(form: str) -> set[str]:
    found = {form}
    for american, british in SPELLINGS:
        for text in list(found):
            low = text.lower()
            if american in low and british not in low:
                found.add(re.sub(re.escape(american), british, text, flags=re.IGNORECASE))
            elif british in low:
                found.add(re.sub(re.escape(british), american, text, flags=re.IGNORECASE))
    return found


def written_forms(term: Term) -> list[str]:
    """Every way the term is written: its name and other words as given, each followed
    by its other spelling and plural; each once."""
    found: dict[str, None] = {}
    for form in term.forms:
        found[form] = None
        for spelled in sorted(_spellings(form)):
            plural = spelled.endswith("s")  # already: "tumor markers"
            for variant in sorted({spelled} if plural else _plurals(spelled)):
                found[variant] = None
    return list(found)


def _plurals(form: str) -> set[str]:
    found = {form, form + "s"}
    if form.endswith(("s", "x", "ch", "sh")):
        found.add(form + "es")
    if form.endswith("y") and form[-2:-1] not in "aeiou":
        found.add(form[:-1] + "ies")
    return found


def _pattern(form: str) -> str:
    # Hyphens and spaces inside a term match either: "in network" finds "in-network".
    return r"[\s\-]+".join(re.escape(part) for part in re.split(r"[\s\-]+", form))


class Glossary:
    """Every term, the sources they were checked against, and finding terms in text."""

    def __init__(self, terms: tuple[Term, ...], sources: tuple[Source, ...] = (),
                 checked: str = "") -> None:
        self.terms = terms
        self.sources = {source.id: source for source in sources}
        self.checked = checked
        self._by_key: dict[str, Term] = {}
        plain: set[str] = set()
        capitals: set[str] = set()
        for term in terms:
            for form in term.forms:
                for spelled in _spellings(form):
                    for variant in _plurals(spelled):
                        key = variant if _is_acronym(form) else _key(variant)
                        self._by_key.setdefault(key, term)
                        (capitals if _is_acronym(form) else plain).add(variant)
        # Longest first, so that "medical oncologist" is tried before "oncologist".
        alternatives = sorted(
            [(_pattern(v), False) for v in plain] + [(_pattern(v), True) for v in capitals],
            key=lambda item: -len(item[0]))
        body = "|".join(p if exact else f"(?i:{p})" for p, exact in alternatives)
        self._finder = re.compile(rf"(?<![\w\-])(?:{body})(?![\w])") if body else None

    def get(self, term_id: str) -> Term | None:
        return next((term for term in self.terms if term.id == term_id), None)

    def lookup(self, text: str) -> Term | None:
        """The term a found piece of text stands for."""
        return self._by_key.get(text) or self._by_key.get(_key(text))

    def find(self, text: str) -> list[Term]:
        """The terms used in ``text``, each once, in the order they first appear."""
        if self._finder is None or not text:
            return []
        found: dict[str, Term] = {}
        for match in self._finder.finditer(text):
            term = self.lookup(match[0])
            if term is not None and term.id not in found:
                found[term.id] = term
        return list(found.values())

    def source_of(self, term: Term) -> Source | None:
        """Where the term's definition was checked, or the note that it is the workbook's
        own description; None if the glossary names neither."""
        return self.sources.get(term.source)

    def term_at(self, line: str, column: int) -> Term | None:
        """The term written at ``column`` of ``line`` (a cursor in it, just before it or
        just after it), or else the nearest one before the cursor on that line; None if
        the line has no term up to the cursor."""
        if self._finder is None or not line:
            return None
        found: Term | None = None
        # Matches do not overlap: the last one to start at or before the cursor is the
        # one the cursor is in, or else the nearest before it.
        for match in self._finder.finditer(line):
            if match.start() > column:
                break
            term = self.lookup(match[0])
            if term is not None:
                found = term
        return found

    def search(self, query: str) -> list[Term]:
        """Terms whose name or other words contain ``query`` (first), then those whose
        definition does; every term, in order, for an empty query."""
        words = _key(query)
        if not words:
            return list(self.sorted())
        named = [t for t in self.sorted() if any(words in _key(f) for f in t.forms)]
        meant = [t for t in self.sorted() if t not in named and words in _key(t.definition)]
        return named + meant

    def sorted(self) -> list[Term]:
        """Every term in alphabetical order."""
        return sorted(self.terms, key=lambda term: term.term.lower())


def parse_glossary(raw: dict) -> Glossary:
    """A glossary from the data of ``glossary.json``."""
    terms = tuple(
        Term(str(t["id"]), str(t["term"]), str(t["definition"]),
             tuple(str(a) for a in t.get("also", [])), str(t.get("source", "")))
        for t in raw.get("terms", []))
    sources = tuple(Source(str(s["id"]), str(s["organisation"]), str(s["title"]),
                           str(s.get("url", ""))) for s in raw.get("sources", []))
    return Glossary(terms, sources, str(raw.get("checked", "")))


@lru_cache(maxsize=2)
def _load(path: Path) -> Glossary:
    return parse_glossary(json.loads(path.read_text(encoding="utf-8")))


def load_glossary(path: Path | None = None) -> Glossary:
    """The packaged glossary (read once)."""
    return _load(path or assets_dir() / "glossary.json")


def terms_in(text: str) -> list[Term]:
    """The packaged glossary's terms used in ``text``, in order of first use."""
    return load_glossary().find(text)


def render_glossary(fmt: str = "text", glossary: Glossary | None = None) -> str:
    """The whole glossary as plain text or Markdown, its sources and check date last.
    Terms with no checked source are named after the sources, under the note that says so."""
    glossary = glossary or load_glossary()
    markdown = fmt == "markdown"
    out = ["## Glossary" if markdown else "Glossary", "" if markdown else "=" * 8, ""]
    if markdown:
        out.pop(1)
    for term in glossary.sorted():
        if markdown:
            out += [f"**{escape_controls(term.term)}**: {escape_controls(term.definition)}",
                    ""]
        else:
            out.append(term.term)
            out += wrap(escape_controls(term.definition), "  ", "  ", WRAP)
            out.append("")
    used = [s for s in glossary.sources.values()
            if any(t.source == s.id for t in glossary.terms)]
    if used:
        heading = "Sources of the glossary"
        out += [f"### {heading}" if markdown else heading]
        if not markdown:
            out.append("-" * len(heading))
        out.append("")
        for source in (s for s in used if s.is_page):
            out += wrap(f"{source.organisation}, \"{source.title}\":", "- ", "  ", WRAP)
            out.append(f"  {source.url}")  # whole, so that it can be copied or followed
        for source in (s for s in used if not s.is_page):
            names = ", ".join(escape_controls(t.term) for t in glossary.sorted()
                              if t.source == source.id)
            out += wrap(f"{source.organisation}, \"{source.title}\": {names}.", "- ", "  ",
                        WRAP)
        if glossary.checked:
            out += ["", f"Checked on {glossary.checked}."]
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["Glossary", "Source", "Term", "load_glossary", "parse_glossary",
           "render_glossary", "terms_in", "written_forms"]
