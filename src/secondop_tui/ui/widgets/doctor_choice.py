"""A one-line choice for the doctor form: left and right (or space) step through options.

The doctor form holds about twenty-five of these; a Select each (with its overlay list)
made the form take close to a second to open. This one is a single line of text, needs
no pop-up at 80x24, and shows the choice as words.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.events import Key
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from secondop_tui.ui.widgets.reading import reader_on


class DoctorChoice(Widget, can_focus=True):
    """Pick one of a few values. ``""`` is the blank choice when ``blank`` is given."""

    DEFAULT_CSS = """
    DoctorChoice {
        width: 1fr;
        height: 1;
        background: $surface-lighten-1;
        color: $text;
    }
    DoctorChoice:focus {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("right", "step(1)", "Next choice", show=False, id="choice.next"),
        Binding("space", "step(1)", "Next choice", show=False, id="choice.next.space"),
        Binding("left", "step(-1)", "Previous choice", show=False, id="choice.previous"),
    ]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        """The choice changed (by key or by code)."""

        def __init__(self, choice: "DoctorChoice", value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> "DoctorChoice":
            return self.choice

    def __init__(self, options: list[tuple[str, str]], value: str = "", *,
                 blank: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.options = ([(blank, "")] if blank is not None else []) + list(options)
        values = [v for _, v in self.options]
        self.set_reactive(DoctorChoice.value, value if value in values else values[0])

    @property
    def label(self) -> str:
        return next(label for label, v in self.options if v == self.value)

    def render(self) -> Text:
        # The arrows say how to change it; the words say what it is (never colour alone).
        # A screen reader would read the arrows out by their names: the words alone.
        text = self.label if reader_on(self) else f"◂ {self.label} ▸"
        return Text(text, no_wrap=True, overflow="ellipsis")

    def validate_value(self, value: str) -> str:
        values = [v for _, v in self.options]
        return value if value in values else values[0]

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def action_step(self, step: int) -> None:
        values = [v for _, v in self.options]
        self.value = values[(values.index(self.value) + step) % len(values)]

    def on_key(self, event: Key) -> None:
        # A letter jumps to the next choice that starts with it.
        if not event.is_printable or not event.character or event.character == " ":
            return
        letter = event.character.casefold()
        values = [v for _, v in self.options]
        start = values.index(self.value)
        for offset in range(1, len(values) + 1):
            label, value = self.options[(start + offset) % len(values)]
            if label.casefold().lstrip("✓→↩?· ").startswith(letter):
                event.stop()
                self.value = value
                return
