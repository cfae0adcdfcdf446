"""A modal question with a few answers, each with its own key; and the question a form
asks before its unsaved changes are dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import DescendantFocus, Key
from textual.widget import Widget
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from secondop_tui.ui.dialogs.base import DialogScreen
from secondop_tui.ui.widgets.notice_line import notice_line


@dataclass(frozen=True)
class Choice:
    """One answer: the key that picks it, its label, and the value the dialog returns."""

    key: str
    label: str
    value: str
    variant: str = "default"


class ChoiceDialog(DialogScreen[str]):
    """Ask one question. Dismisses with the chosen value (``cancel`` on escape, if given)."""

    DEFAULT_CSS = """
    ChoiceDialog .dialog-title {
        padding: 0 0 1 0;
    }
    ChoiceDialog VerticalScroll {
        height: auto;
        max-height: 14;
    }
    ChoiceDialog Horizontal {
        height: auto;
        padding-top: 1;
    }
    ChoiceDialog Button {
        margin-right: 1;
        min-width: 10;
    }
    ChoiceDialog Vertical.-stacked {
        height: auto;
        padding-top: 1;
    }
    ChoiceDialog Vertical.-stacked Button {
        width: 100%;
        margin: 0 0 0 0;
    }
    """

    # The room the answers have side by side in a dialog at 80 columns: wider answers go
    # one under another, so none is cut off.
    ROW_ROOM = 70

    BINDINGS = [
        Binding("left", "app.focus_previous", "Previous", show=False, id="dialog.left"),
        Binding("right", "app.focus_next", "Next", show=False, id="dialog.right"),
    ]

    def __init__(self, title: str, body: str, choices: list[Choice],
                 *, cancel: str | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.dialog_title = title
        self.body = body
        self.choices = choices
        self.cancel_value = cancel
        self._told_at = -10.0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.dialog_title, classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(self.body, classes="dialog-body", markup=False)
            labels = [f"{choice.label} [{choice.key}]" for choice in self.choices]
            # A button is its label, a cell of padding each side and its border, then a
            # cell of margin.
            side_by_side = sum(cell_len(label) + 5 for label in labels) <= self.ROW_ROOM
            with Horizontal() if side_by_side else Vertical(classes="-stacked"):
                for choice, label in zip(self.choices, labels):
                    yield Button(Text(label), id=f"choice-{choice.value}",
                                 variant=choice.variant,  # type: ignore[arg-type]
                                 compact=not side_by_side)

    def on_mount(self) -> None:
        # Enter on a question just opened must never destroy: the focus starts on the
        # first choice that does not (a deletion is marked with the "error" variant).
        safe = [b for b, c in zip(self.query(Button), self.choices) if c.variant != "error"]
        (safe[0] if safe else self.query(Button).first()).focus()

    # With the screen reader setting the question waits on the notice line, in words,
    # with the cursor at its start (see screen_reader.py).
    def announcement(self) -> str:
        """The question and its answers, in words, for the notice line."""
        answers = ", ".join(f"{choice.label} ({choice.key})" for choice in self.choices)
        text = f"Question: {self.dialog_title} Answers: {answers}."
        cancel = next((c.label for c in self.choices if c.value == self.cancel_value), None)
        if cancel is not None:
            text += f" Escape: {cancel}."
        focused = self.focused
        chosen = next((c.label for c in self.choices
                       if focused is not None and focused.id == f"choice-{c.value}"), None)
        if chosen is not None:
            text += f" Enter: {chosen}."
        return text

    def reading_target(self) -> tuple[Widget, int] | None:
        line = notice_line(self)
        return (line, 0) if line is not None and line.display else None

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        line = notice_line(self)
        if line is not None:
            line.say(self.announcement())  # what enter picks now

    @on(Button.Pressed)
    def choose(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    # The answer keys are handled here, not as Bindings: each dialog brings its own (s, d
    # and k here, y and n there, escape as an answer in some), and Textual's BINDINGS are
    # fixed per class. Only the App has a public bind(); giving one screen its own would
    # mean writing to its private binding map, or a subclass per question. Escape (when
    # it cancels) and the hint for a letter typed on without looking need this handler
    # anyway, and the buttons show each answer's key.
    def on_key(self, event: Key) -> None:
        for choice in self.choices:
            if event.key == choice.key:
                event.stop()
                self.dismiss(choice.value)
                return
        if event.key == "escape" and self.cancel_value is not None:
            event.stop()
            self.dismiss(self.cancel_value)
        elif event.is_printable and event.character not in (None, " "):
            # Typing on without looking (into a note, say) would otherwise vanish here.
            self.say_what_to_press()

    def say_what_to_press(self) -> None:
        now = monotonic()
        if now - self._told_at < 2:  # once for a run of letters, not once for each
            return
        self._told_at = now
        keys = [choice.key for choice in self.choices if len(choice.key) == 1]
        how = ", ".join(keys[:-1]) + f" or {keys[-1]}" if len(keys) > 1 else "".join(keys)
        if self.cancel_value is not None:
            how += " (escape: cancel)"
        self.notify(f"Not typed: first answer \"{self.dialog_title}\" with {how}.",
                    severity="warning")


def ask_before_discarding(screen: ModalScreen, unsaved: bool, changes: str,
                          save: Callable[[], object]) -> None:
    """Close a form; if it has unsaved ``changes`` (for example "to this opinion"),
    first ask whether to save them, discard them or keep editing."""
    if not unsaved:
        screen.dismiss(None)
        return

    def answered(answer: str | None) -> None:
        if answer == "save":
            save()
        elif answer == "discard":
            screen.dismiss(None)

    screen.app.push_screen(ChoiceDialog(
        "Discard your changes?",
        f"You made changes {changes} and have not saved them.\n\n"
        "s saves them, d discards them, escape goes back to the form.",
        [Choice("s", "Save", "save", "primary"), Choice("d", "Discard", "discard", "error"),
         Choice("k", "Keep editing", "keep")], cancel="keep"), answered)
