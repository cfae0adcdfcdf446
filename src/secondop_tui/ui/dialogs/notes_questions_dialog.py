"""Picking the questions for one consultation from the bank, and the top three."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core.notes import AgendaItem
from secondop_tui.core.questions import add_own_question, all_groups
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.dialogs.glossary_dialog import show_glossary
from secondop_tui.ui.widgets.reading import reader_on

MAX_TOP = 3


class NotesQuestionsDialog(DismissOnce[list[AgendaItem] | None],
                           ModalScreen[list[AgendaItem] | None]):
    """Space picks a question, t marks it top three; ctrl+s keeps the agenda."""

    DEFAULT_CSS = """
    NotesQuestionsDialog {
        align: center middle;
    }
    NotesQuestionsDialog > Vertical {
        width: 100;
        max-width: 100%;
        height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    NotesQuestionsDialog .dialog-title {
        text-style: bold;
    }
    NotesQuestionsDialog OptionList {
        height: 1fr;
    }
    NotesQuestionsDialog .hint {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("space", "toggle_pick", "Pick", id="questions.pick"),
        Binding("x", "toggle_pick", "Pick", show=False, id="questions.pick.alt"),
        Binding("t", "toggle_top", "Top three", id="questions.top"),
        Binding("a", "add_own", "Own question", id="questions.own"),
        Binding("ctrl+s", "keep", "Keep", priority=True, id="questions.keep"),
        Binding("f2", "keep", "Keep", show=False, id="questions.keep.alt"),
        Binding("escape", "cancel", "Cancel", id="questions.cancel"),
        Binding("g", "glossary", "Glossary: words in this question", show=False,
                id="questions.glossary"),
        Binding("alt+g", "glossary", "Glossary: words in this question", show=False,
                id="questions.glossary.alt"),
    ]

    def __init__(self, store, agenda: list[AgendaItem]) -> None:
        super().__init__()
        self.store = store
        # Keep what was there (with its state and answer); bank questions by id.
        self.agenda = [AgendaItem(**item.to_dict()) for item in agenda]
        self.rows: list[tuple[str, str]] = []  # (question id, text) per option index

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Questions for this consultation", classes="dialog-title")
            yield Static("space: pick · t: top three (★) · a: your own question · "
                         "ctrl+s: keep · escape: cancel", classes="hint")
            yield OptionList(id="questions-list")
            yield Input(placeholder="Your own question, then enter", id="questions-own",
                        max_length=500)
            yield Static("", id="questions-summary", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#questions-own", Input).display = False
        self.rebuild()
        self.query_one(OptionList).focus()

    def find(self, qid: str, text: str) -> AgendaItem | None:
        for item in self.agenda:
            if (qid and item.question_id == qid) or (not item.question_id and item.text == text):
                return item
        return None

    def prompt(self, qid: str, text: str) -> str:
        item = self.find(qid, text)
        if reader_on(self):  # in words: the star would be blanked as noise
            state = ("picked, top three: " if item.top else "picked: ") if item else ""
            return f"{state}{one_line(text)}"
        mark = "[x]" if item else "[ ]"
        star = "★ " if item and item.top else ""
        return f"{mark} {star}{one_line(text)}"

    def rebuild(self, keep: int | None = None) -> None:
        options = self.query_one(OptionList)
        self.rows = []
        items: list[Option | None] = []
        known = set()
        for group in all_groups(self.store):
            items.append(Option(f"— {group.title} —", disabled=True))
            self.rows.append(("", ""))
            for q in group.questions:
                known.add(q.id)
                items.append(Option(Text(self.prompt(q.id, q.text))))
                self.rows.append((q.id, q.text))
        extra = [i for i in self.agenda if i.question_id not in known]
        if extra:
            items.append(Option("— Typed for this visit —", disabled=True))
            self.rows.append(("", ""))
            for item in extra:
                items.append(Option(Text(self.prompt(item.question_id, item.text))))
                self.rows.append((item.question_id, item.text))
        options.clear_options()
        options.add_options(items)
        options.highlighted = keep if keep is not None else 1
        self.update_summary()

    def update_summary(self) -> None:
        top = sum(i.top for i in self.agenda)
        self.query_one("#questions-summary", Static).update(
            f"{len(self.agenda)} picked · {top} of {MAX_TOP} top questions marked")

    def current_row(self) -> tuple[int, str, str] | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not self.rows[index][1]:
            return None
        return (index, *self.rows[index])

    def refresh_row(self, index: int) -> None:
        qid, text = self.rows[index]
        self.query_one(OptionList).replace_option_prompt_at_index(index, Text(self.prompt(qid, text)))
        self.update_summary()

    def action_toggle_pick(self) -> None:
        row = self.current_row()
        if row is None:
            return
        index, qid, text = row
        item = self.find(qid, text)
        if item is None:
            self.agenda.append(AgendaItem(text=text, question_id=qid))
        else:
            self.agenda.remove(item)
        self.refresh_row(index)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_toggle_pick()

    def action_toggle_top(self) -> None:
        row = self.current_row()
        if row is None:
            return
        index, qid, text = row
        item = self.find(qid, text)
        if (item is None or not item.top) and sum(i.top for i in self.agenda) >= MAX_TOP:
            self.app.notify(f"Only {MAX_TOP} top questions: press t on one of them first to "
                            "unmark it.", severity="warning")
            return
        if item is None:
            item = AgendaItem(text=text, question_id=qid)
            self.agenda.append(item)
        item.top = not item.top
        # The top three come first on the agenda, so they are asked first.
        self.agenda.sort(key=lambda i: not i.top)
        self.refresh_row(index)

    def action_add_own(self) -> None:
        own = self.query_one("#questions-own", Input)
        own.display = True
        own.focus()

    @on(Input.Submitted, "#questions-own")
    def _own_submitted(self, event: Input.Submitted) -> None:
        try:
            question = add_own_question(self.store, event.value)
        except (ValueError, PermissionError) as error:
            self.app.notify(str(error), severity="warning")
            return
        self.agenda.append(AgendaItem(text=question.text, question_id=question.id))
        event.input.value = ""
        event.input.display = False
        self.rebuild()
        options = self.query_one(OptionList)
        options.highlighted = next(i for i, r in enumerate(self.rows) if r[0] == question.id)
        options.focus()

    def action_keep(self) -> None:
        self.dismiss(self.agenda)

    def action_glossary(self) -> None:
        row = self.current_row()
        if row is None:
            show_glossary(self.app)
        else:
            show_glossary(self.app, row[2], "this question")

    def action_cancel(self) -> None:
        own = self.query_one("#questions-own", Input)
        if own.has_focus:
            own.display = False
            self.query_one(OptionList).focus()
            return
        self.dismiss(None)
