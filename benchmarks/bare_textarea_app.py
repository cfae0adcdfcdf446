"""The baseline for typing latency: a bare Textual app with one soft-wrapped TextArea,
focused, holding the text of a file (the same note the benchmark types into).

    python benchmarks/bare_textarea_app.py [TEXT_FILE]
"""

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import TextArea


class BareTextAreaApp(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield TextArea(self.text, soft_wrap=True, show_line_numbers=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()


if __name__ == "__main__":
    text = Path(sys.argv[1]).read_text(encoding="utf-8") if len(sys.argv) > 1 else ""
    BareTextAreaApp(text).run()
