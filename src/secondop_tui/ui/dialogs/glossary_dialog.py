"""The glossary: the terms found in what was being read, with their meanings, and the
whole glossary to search."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core.glossary import Glossary, Term, load_glossary
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.base import DialogScreen


def term_prompt(term: Term) -> Text:
    """A term in bold, then its meaning (the list wraps it)."""
    prompt = Text(term.term, style="bold")
    prompt.append(f": {term.definition}")
    return prompt


class GlossaryDialog(DialogScreen[None]):
    """Terms found in ``where`` first, then every term; typing searches them all."""

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
                 glossary: Glossary | None = None) -> None:
        super().__init__()
        self.glossary = glossary or load_glossary()
        self.where = where
        self.found = self.glossary.find(text) if text else []
        self.shown: list[str] = []  # term ids in the order listed

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
        if self.found:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    def show_terms(self, query: str) -> None:
        rows: list[Option] = []
        shown: list[str] = []

        def add(terms: list[Term]) -> None:
            for term in terms:
                rows.append(Option(term_prompt(term)))
                shown.append(term.id)

        if query.strip():
            matches = self.glossary.search(query)
            count = f"{len(matches)} term{'s' * (len(matches) != 1)}"
            rows.append(Option(f"— {count} for \"{one_line(query.strip())}\" —",
                               disabled=True))
            add(matches)
        else:
            if self.where:
                if self.found:
                    rows.append(Option(f"— In {self.where} —", disabled=True))
                    add(self.found)
                else:
                    rows.append(Option(f"— No glossary words in {self.where} —",
                                       disabled=True))
            rows.append(Option("— Every term, A to Z —", disabled=True))
            add(self.glossary.sorted())
        options = self.query_one(OptionList)
        options.set_options(rows)
        self.shown = shown
        first = next((i for i, row in enumerate(rows) if not row.disabled), None)
        options.highlighted = first

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
