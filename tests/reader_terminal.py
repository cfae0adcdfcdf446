"""The app run in-process with what it writes to the terminal fed to pyte, a terminal
emulator: where the terminal's cursor is, and the words at it, as a screen reader or a
braille display (which follow the cursor) would find them.

Pilot tests run the app headless, which writes nothing; here the driver is headless in
what it reads (Pilot sends the keys) but writes every frame, cursor moves included, to
a pyte screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyte
from textual.drivers.headless_driver import HeadlessDriver

from secondop_tui.ui import app as app_module
from secondop_tui.ui.app import SecondOpinionApp


class PyteDriver(HeadlessDriver):
    """Takes no input of its own; writes what the app draws to the app's pyte screen."""

    @property
    def is_headless(self) -> bool:
        return False  # so the app draws its frames (and moves the cursor) through us

    def write(self, data: str) -> None:
        self._app.terminal.feed(data)

    def flush(self) -> None:
        pass

    def start_application_mode(self) -> None:
        # As the terminal driver starts: the alternate screen, the cursor hidden.
        self.write("\x1b[?1049h\x1b[?25l")
        super().start_application_mode()


class ReaderTerminalApp(SecondOpinionApp):
    """The app, drawing into ``self.screen_of_terminal`` (a pyte screen)."""

    # The app's stylesheets, found beside its module (not beside this one).
    CSS_PATH = [Path(app_module.__file__).parent / path for path in SecondOpinionApp.CSS_PATH]

    def __init__(self, *args, size: tuple[int, int] = (80, 24), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.screen_of_terminal = pyte.Screen(*size)
        self.terminal = pyte.Stream(self.screen_of_terminal)

    def get_driver_class(self):
        return PyteDriver


def terminal_cursor(app: ReaderTerminalApp) -> tuple[int, int, bool]:
    """(x, y, shown) of the terminal's cursor."""
    cursor = app.screen_of_terminal.cursor
    return cursor.x, cursor.y, not cursor.hidden


def terminal_lines(app: ReaderTerminalApp) -> list[str]:
    return list(app.screen_of_terminal.display)


def text_at_cursor(app: ReaderTerminalApp) -> str:
    """The words on the cursor's line from the cursor on (spaces squeezed)."""
    x, y, _ = terminal_cursor(app)
    return " ".join(terminal_lines(app)[y][x:].split())


# Box drawing and block elements (frames, rules, scroll bars, half-block edges), shapes,
# arrows and the symbols the app draws beside words elsewhere: a screen reader reads each
# one out by its name.
SYMBOLS = re.compile(r"[\u2190-\u21ff\u2260\u24d0-\u24ff\u2500-\u27bf]")


def read_linearly(app: ReaderTerminalApp) -> str:
    """The screen as a reader with no layout reads it: line after line, top to bottom."""
    return "\n".join(" ".join(line.split()) for line in terminal_lines(app))
