"""The glossary: the terms found in what was being read, or one term asked for, with
their meanings and where each was checked, and the whole glossary to search."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core.glossary import Glossary, Source, Term, load_glossary
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.base import DialogScreen


def term_prompt(term: Term, source: Source | None = None) -> Content:
    """A term in bold, then its meaning (the list wraps it), then, on a line of its own,
    where the meaning was checked. Plain text, never read as markup."""
    prompt = Content.assemble((term.term, "bold"), f": {term.definition}")
    if source is not None:
        # Italic, not dimmed or coloured: it must read as well in every theme (high
        # contrast too), and the word "Source" says what it is.
        prompt += Content.styled(f"\nSource: {source.organisation}, \"{source.title}\"",
                                 "italic")
    return prompt


class GlossaryDialog(DialogScreen[None]):
    """Terms found in ``where`` first, then every term; typing searches them all.

    Given ``term_id`` (a term chosen in the palette, or the one at the cursor), it opens
    on that term, highlighted at the top of the list of every term."""

    DEFAULT_CSS = """
    GlossaryDialog > Vertical {
        height: 100%;
    }
    GlossaryDialog OptionList {
        height: 1fr;
    }
    GlossaryDialog .hint {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close the glossary", id="glossary.close"),
        Binding("slash", "search", "Search the glossary", show=False, id="glossary.search"),
        Binding("ctrl+f", "search", "Search the glossary", show=False,
                id="glossary.search.alt"),
        Binding("down", "to_list", "Go to the terms", show=False, id="glossary.to_list"),
    ]

    def __init__(self, text: str = "", where: str = "", *,
                 glossary: Glossary | None = None, term_id: str | None = None) -> None:
        super().__init__()
        self.glossary = glossary or load_glossary()
        self.where = where
        self.found = self.glossary.find(text) if text else []
        self.term = self.glossary.get(term_id) if term_id else None
        self.shown: list[str] = []  # term ids in the order listed
        self.row_terms: list[str | None] = []  # each row's term id (None: a heading)

    def compose(self) -> ComposeResult:
        with Vertical():
            title = f"Glossary: words in {self.where}" if self.where else "Glossary"
            yield Static(title, classes="dialog-title", markup=False)
            yield Input(placeholder="Type to search every term (/ comes back here)",
                        id="glossary-search", compact=True)
            yield OptionList(id="glossary-list")
            yield Static("Up/down to read · / search · escape closes. Plain meanings, "
                         "not medical advice.", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.show_terms("")
        if self.found or self.term is not None:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    @property
    def highlighted_term(self) -> Term | None:
        """The term highlighted in the list, if any."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.row_terms):
            return None
        term_id = self.row_terms[index]
        return self.glossary.get(term_id) if term_id else None

    def show_terms(self, query: str) -> None:
        rows: list[Option] = []
        row_terms: list[str | None] = []

        def heading(text: str) -> None:
            rows.append(Option(text, disabled=True))
            row_terms.append(None)

        def add(terms: list[Term]) -> None:
            for term in terms:
                rows.append(Option(term_prompt(term, self.glossary.source_of(term))))
                row_terms.append(term.id)

        if query.strip():
            matches = self.glossary.search(query)
            count = f"{len(matches)} term{'s' * (len(matches) != 1)}"
            heading(f"— {count} for \"{one_line(query.strip())}\" —")
            add(matches)
        else:
            if self.where:
                if self.found:
                    heading(f"— In {self.where} —")
                    add(self.found)
                else:
                    heading(f"— No glossary words in {self.where} —")
            heading("— Every term, A to Z —")
            add(self.glossary.sorted())
        options = self.query_one(OptionList)
        options.set_options(rows)
        self.shown = [term_id for term_id in row_terms if term_id is not None]
        self.row_terms = row_terms
        if not query.strip() and self.term is not None:
            # The term asked for, at the top of the view, its neighbours A to Z below.
            options.highlighted = row_terms.index(self.term.id)
            self.call_after_refresh(options.scroll_to_highlight, top=True)
        else:
            options.highlighted = next((i for i, term_id in enumerate(row_terms)
                                        if term_id is not None), None)

    @on(Input.Changed, "#glossary-search")
    def searched(self, event: Input.Changed) -> None:
        self.show_terms(event.value)

    @on(Input.Submitted, "#glossary-search")
    def submitted(self) -> None:
        self.action_to_list()

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_close(self) -> None:
        self.dismiss(None)


def show_glossary(app, text: str = "", where: str = "", term_id: str | None = None) -> None:
    """Open the glossary: the terms used in ``text`` (what is being read) first, or the
    term ``term_id`` highlighted, then every term to search."""
    app.push_screen(GlossaryDialog(text, where, term_id=term_id))
