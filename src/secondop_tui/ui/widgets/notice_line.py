"""The notice line: with the screen reader setting on, the last notice in words, at the
foot of every screen.

A notification pops up in a corner and goes away by itself, which a screen reader may
never read and a braille display never shows; the notice line says the same in a fixed
place, the last line of the terminal, and keeps it until the next notice. While a dialog
asks a question, the line says the question and its answers, and the cursor waits there.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static

NOTICE_LINE_ID = "notice-line"


class NoticeLine(Static):
    """The last notice, or the question being asked (shown only with the setting on)."""

    DEFAULT_CSS = """
    NoticeLine {
        display: none;
        split: bottom;
        width: 1fr;
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    """

    shown_text = ""

    def __init__(self, text: str = "") -> None:
        super().__init__(text, id=NOTICE_LINE_ID, markup=False)
        self.shown_text = text

    def say(self, text: str) -> None:
        """Show ``text`` (drawn only when it changed: an idle screen sends nothing)."""
        if text != self.shown_text:
            self.shown_text = text
            self.update(text)


def notice_line(screen: Screen) -> NoticeLine | None:
    """The screen's notice line, if it has one."""
    found = screen.query_children(NoticeLine)
    return found.first() if found else None
