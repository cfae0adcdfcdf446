"""F1 help, built from the bindings that are live where it was opened.

Because the list is read from the screen's active bindings at the moment help opens,
it always shows the keys that really work there, never a hand-kept list.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from secondop_tui.core.content import NOT_ADVICE
from secondop_tui.ui.dialogs.base import DismissOnce


def describe_bindings(screen) -> list[tuple[str, str]]:
    """(keys, description) pairs for every enabled binding of ``screen``, merged by action."""
    app = screen.app
    rows: dict[tuple[str, str], list[tuple[tuple[bool, bool], str]]] = {}
    # The app's own keys (they all have an id) before Textual's built-in ones (moving in
    # a list...); among each, those of what has focus first (a pane's or a form's keys),
    # then the screen's and the app's, each in the order they are declared.
    bindings = sorted(screen.active_bindings.items(),
                      key=lambda item: (item[1].binding.id is None,
                                        -len(item[1].node.ancestors_with_self)))
    for key, active in bindings:
        binding = active.binding
        if not active.enabled or binding.system and not binding.description:
            continue
        description = binding.tooltip or binding.description
        if not description:
            continue
        keys = rows.setdefault((binding.action, description), [])
        display = app.get_key_display(binding)
        if all(display != shown for _, shown in keys):
            # The Footer's key first, then plain keys before chords.
            keys.append(((not binding.show, "+" in key), display))
    return [(" / ".join(d for _, d in sorted(keys, key=lambda k: k[0])), description)
            for (_, description), keys in rows.items()]


class HelpScreen(DismissOnce[None], ModalScreen[None]):
    """The keys that work here, and a reminder of what the app is."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpScreen DataTable { height: auto; max-height: 16; }
    HelpScreen .help-note { padding: 1 0 0 0; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "dismiss", "Close help", id="help.close"),
        Binding("f1", "dismiss", "Close help", show=False, id="help.close.f1"),
        Binding("q", "dismiss", "Close help", show=False, id="help.close.q"),
    ]

    def __init__(self, rows: list[tuple[str, str]], where: str) -> None:
        super().__init__()
        self.rows = rows
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]Keys in {self.where}[/b]  (escape closes)", classes="screen-title")
            table: DataTable = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "What it does")
            for keys, description in self.rows:
                table.add_row(keys, description)
            yield table
            yield Static(
                "ctrl+p opens the command palette: type what you want (a pane's name, "
                "'save', 'theme'...).\n" + NOT_ADVICE, classes="help-note")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
