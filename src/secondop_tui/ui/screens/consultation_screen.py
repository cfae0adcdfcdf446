"""Consultation mode: the note full screen, the consultation's questions beside it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core import notes as core
from secondop_tui.core.glossary import load_glossary
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.dialogs.glossary_dialog import GlossaryDialog
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.widgets.note_editor import NoteEditor
from secondop_tui.ui.widgets.reading import reader_on
from secondop_tui.ui.workbook_app import follow_reloads, workbook_app

# Below this width the questions fold away (a key brings them back).
FOLD_BELOW = 100


class ConsultationScreen(DismissOnce[None]):
    """Type fast, stamp the time, mark each question; leaving lists what is unanswered."""

    DEFAULT_CSS = """
    ConsultationScreen #consult-heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    ConsultationScreen #consult-body {
        height: 1fr;
    }
    ConsultationScreen #consult-editor {
        width: 1fr;
        height: 1fr;
        border: none;
    }
    ConsultationScreen #consult-questions {
        width: 38;
        height: 1fr;
        border: none;
        border-left: solid $primary;
    }
    ConsultationScreen.-folded #consult-questions {
        display: none;
    }
    """

    BINDINGS = [
        Binding("ctrl+t", "timestamp", "Time", id="consult.timestamp"),
        Binding("alt+t", "timestamp", "Time", show=False,
                id="consult.timestamp.alt"),
        Binding("alt+m", "mark_question", "Mark", id="consult.mark"),
        Binding("f8", "mark_question", "Mark", show=False,
                id="consult.mark.alt"),
        # One key per state, without a dialog, so nothing typed right after is lost.
        Binding("alt+a", "mark('asked')", "Mark asked", show=False, id="consult.asked"),
        Binding("f2", "mark('asked')", "Mark asked", show=False, id="consult.asked.alt"),
        Binding("alt+w", "mark('answered')", "Mark answered", show=False,
                id="consult.answered"),
        Binding("f3", "mark('answered')", "Mark answered", show=False,
                id="consult.answered.alt"),
        Binding("alt+d", "mark('deferred')", "Mark deferred", show=False,
                id="consult.deferred"),
        Binding("f9", "mark('deferred')", "Mark deferred", show=False,
                id="consult.deferred.alt"),
        # Not in the Footer (F1 lists it): at 80 columns its room goes to Quit and Help.
        Binding("alt+down", "next_question", "Next question", show=False,
                id="consult.next"),
        Binding("alt+j", "next_question", "Next question", show=False,
                id="consult.next.alt"),
        Binding("alt+up", "previous_question", "Previous question", show=False,
                id="consult.previous"),
        Binding("alt+k", "previous_question", "Previous question", show=False,
                id="consult.previous.alt"),
        # Before the app's alt+g (every term): the word being written comes first.
        Binding("alt+g", "glossary", "Glossary: the word at the cursor", show=False,
                id="consult.glossary"),
        Binding("f4", "toggle_questions", "Questions", id="consult.fold"),
        Binding("alt+f", "toggle_questions", "Show or hide questions", show=False,
                id="consult.fold.alt"),
        Binding("f5", "leave", "Leave", id="consult.leave"),
        Binding("alt+c", "leave", "Leave consultation mode", show=False,
                id="consult.leave.alt"),
        Binding("escape", "leave", "Leave consultation mode", show=False,
                id="consult.leave.escape"),
    ]

    def __init__(self, consultation: core.Consultation) -> None:
        super().__init__()
        self.consultation = consultation
        self.current_question = 0
        self.folded_by_user: bool | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="consult-heading", classes="screen-title", markup=False)
        with Horizontal(id="consult-body"):
            yield NoteEditor(id="consult-editor")
            yield OptionList(id="consult-questions")
        yield Footer()

    def on_mount(self) -> None:
        follow_reloads(self, self.on_workbook_reloaded)
        editor = self.editor
        editor.route_keys(self, keep=("escape",))
        editor.load(self.consultation)
        editor.move_cursor(editor.document.end)
        self.refresh_questions()
        self.fold_for(self.app.size.width)
        editor.focus()

    @property
    def editor(self) -> NoteEditor:
        return self.query_one("#consult-editor", NoteEditor)

    @property
    def store(self):
        return workbook_app(self).store

    def on_resize(self, event: Resize) -> None:
        self.fold_for(event.size.width)

    def fold_for(self, width: int) -> None:
        folded = width < FOLD_BELOW if self.folded_by_user is None else self.folded_by_user
        self.set_class(folded, "-folded")
        self.refresh_heading()

    def refresh_heading(self) -> None:
        questions = self.consultation.questions
        text = f"Consultation: {self.consultation.display_title}"
        if questions and reader_on(self):
            # In words: a reader reads the symbol by its name and "Q1/5" letter by letter.
            text += f". {self.question_words(self.current_question)}"
        elif questions:
            q = questions[self.current_question]
            text += (f" · Q{self.current_question + 1}/{len(questions)} "
                     f"[{q.symbol} {q.state}]")
            if self.has_class("-folded"):
                text += f" {one_line(q.text)}"
        self.query_one("#consult-heading", Static).update(text)

    def question_words(self, index: int) -> str:
        """"Question 2 of 5, asked, top three: What stage is it?"."""
        questions = self.consultation.questions
        q = questions[index]
        top = ", top three" if q.top else ""
        return f"Question {index + 1} of {len(questions)}, {q.state}{top}: {one_line(q.text)}"

    def refresh_questions(self) -> None:
        options = self.query_one("#consult-questions", OptionList)
        options.clear_options()
        if not self.consultation.questions:
            options.add_option(Option("No questions picked for this consultation "
                                      "(alt+q in the Notes pane).", disabled=True))
        reader = reader_on(self)
        for i, q in enumerate(self.consultation.questions):
            if reader:
                options.add_option(Option(Text(self.question_words(i))))
                continue
            star = "★ " if q.top else ""
            options.add_option(Option(Text(f"{i + 1}. {q.symbol} {q.state}\n{star}"
                                           f"{one_line(q.text)}")))
        if self.consultation.questions:
            options.highlighted = self.current_question
        self.refresh_heading()

    # Actions ------------------------------------------------------------------------
    def action_timestamp(self) -> None:
        if not self.store.read_only:
            self.editor.insert_timestamp()

    def action_next_question(self) -> None:
        self.move_question(1)

    def action_previous_question(self) -> None:
        self.move_question(-1)

    def move_question(self, step: int) -> None:
        count = len(self.consultation.questions)
        if count:
            self.current_question = (self.current_question + step) % count
            self.query_one("#consult-questions", OptionList).highlighted = self.current_question
            self.refresh_heading()
            if reader_on(self):
                # The cursor stays in the note being typed: the question is said below.
                self.app.notify(self.question_words(self.current_question))

    def action_glossary(self) -> None:
        """The glossary on the term at or just before the cursor in the note; in the
        question list, or with no term there, the words of the highlighted question;
        with neither, every term."""
        glossary = load_glossary()
        questions = self.query_one("#consult-questions", OptionList)
        in_list = self.focused is questions
        if not in_list:
            term = self.editor.glossary_term_at_cursor(glossary)
            if term is not None:
                self.app.push_screen(GlossaryDialog(glossary=glossary, term_id=term.id))
                return
        index = questions.highlighted if in_list else self.current_question
        asked = self.consultation.questions
        text = asked[index].text if index is not None and 0 <= index < len(asked) else ""
        if (in_list and text) or glossary.find(text):
            self.app.push_screen(GlossaryDialog(text, "this question", glossary=glossary))
        else:
            self.app.push_screen(GlossaryDialog(glossary=glossary))

    def action_toggle_questions(self) -> None:
        self.folded_by_user = not self.has_class("-folded")
        self.fold_for(self.app.size.width)

    def action_mark_question(self) -> None:
        questions = self.consultation.questions
        if not questions:
            self.app.notify("No questions picked for this consultation.")
            return
        if self.store.read_only:
            self.app.notify(core.READ_ONLY, severity="warning")
            return
        index = self.current_question
        choices = [Choice("a", "Asked", core.ASKED), Choice("w", "Answered", core.ANSWERED),
                   Choice("d", "Deferred", core.DEFERRED), Choice("o", "Open", core.OPEN)]
        self.app.push_screen(
            ChoiceDialog(f"Question {index + 1}", one_line(questions[index].text), choices,
                             cancel="cancel"),
            lambda state: self.mark(index, state))

    def action_mark(self, state: str) -> None:
        if not self.consultation.questions:
            self.app.notify("No questions picked for this consultation.")
        elif self.store.read_only:
            self.app.notify(core.READ_ONLY, severity="warning")
        else:
            self.mark(self.current_question, state)

    def mark(self, index: int, state: str | None) -> None:
        """Set a question's state and put the cursor where its answer goes."""
        if state not in core.STATES:
            self.editor.focus()
            return
        editor = self.editor
        editor.commit_text()
        fresh = core.get_consultation(self.store, self.consultation.doc_id)
        if fresh is None:
            return
        self.consultation = fresh
        item = fresh.questions[index]
        item.state = state
        core.set_questions(self.store, fresh.doc_id, fresh.questions)
        marker = core.marker_line(index, item)
        text = editor.text
        found = core.find_marker(text, index)
        if found is not None:
            row = text.count("\n", 0, found.start())
            line = editor.document.get_line(row)
            editor.replace(marker, (row, 0), (row, len(line)))
            # The answer goes at the end of the lines under the marker.
            lines = editor.text.split("\n")
            end = row
            while end + 1 < len(lines) and not core.ends_answer(lines[end + 1]):
                end += 1
            editor.move_cursor((end, len(lines[end])))
        else:
            lead = "" if not text.strip() else ("\n" if text.endswith("\n") else "\n\n")
            editor.move_cursor(editor.document.end)
            editor.insert(f"{lead}{marker}\nA: ")
        editor.focus()
        self.refresh_questions()

    def action_leave(self) -> None:
        self.editor.commit_text()
        fresh = core.get_consultation(self.store, self.consultation.doc_id)
        if fresh is None:
            self.dismiss(None)
            return
        self.consultation = fresh
        open_ones = fresh.unanswered()
        if not open_ones or self.store.read_only:
            self.dismiss(None)
            return
        count = len(open_ones)
        listing = "\n".join(f"{i + 1}. [{fresh.questions[i].symbol} {fresh.questions[i].state}]"
                            f" {one_line(fresh.questions[i].text)}" for i in open_ones)
        noun = "question" if count == 1 else "questions"
        self.app.push_screen(
            ChoiceDialog(f"{count} {noun} not answered yet", listing + "\n\nKeep them for a "
                         "follow-up visit?",
                         [Choice("k", "Keep for follow-up", "keep", "primary"),
                          Choice("n", "No, leave", "leave"),
                          Choice("escape", "Stay", "stay")], cancel="stay"),
            self.after_unanswered)

    def after_unanswered(self, answer: str | None) -> None:
        if answer == "stay" or answer is None:
            self.editor.focus()
            return
        if answer == "keep":
            fresh = self.consultation
            for i in fresh.unanswered():
                fresh.questions[i].follow_up = True
            core.set_questions(self.store, fresh.doc_id, fresh.questions)
            self.app.notify(f"{len(fresh.unanswered())} questions kept for a follow-up.",
                            timeout=4)
        self.dismiss(None)

    def save_pending_edits(self) -> None:
        """Put the editor's text into the store now (before the app saves)."""
        self.editor.commit_text()

    def on_workbook_reloaded(self) -> None:
        """The file on disk won: show its version of this consultation, save nothing over it."""
        editor = self.editor
        if editor._timer is not None:
            editor._timer.stop()
            editor._timer = None
        editor.consultation_id = None  # nothing typed here may be written over the file's
        fresh = core.get_consultation(self.store, self.consultation.doc_id)
        if fresh is None:
            self.dismiss(None)
            return
        self.consultation = fresh
        editor.load(fresh)
        self.refresh_questions()
