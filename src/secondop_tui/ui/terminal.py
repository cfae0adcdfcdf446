"""The terminal's input and output: pastes arrive as text, the end of input is a hangup,
and nothing is drawn once the app is leaving.

Three faults of the stock terminal driver are put right here:

- Textual's input parser re-issues an escape sequence found inside a bracketed paste
  (colour codes copied from a terminal, a stray ESC) as key events, and drops the
  characters it read while looking at it: the rest of the paste ran as commands. Here
  everything between the paste's start and end marks is cut out of the input before the
  parser sees it and arrives as one ``Paste``, however large, in whatever pieces it is
  read.
- When the terminal goes away without a SIGHUP (a closed window, a dead SSH session
  whose signal was lost) every read returns at once with nothing, and the input thread
  spun at full speed forever while the app held the workbook's lock. Here the end of
  input is reported once, as ``InputClosed``, and the app leaves as on a hangup.
- After a hangup nothing can be shown any more; drawing to a stalled connection may
  block. ``mute()`` stops every write to the terminal, so the keys already read are
  handled and saved without drawing.

Besides, the terminal's own cursor, which Textual hides for the whole run, can be shown
for a screen reader or a braille display (``show_terminal_cursor``), and stays shown
after the app hands the terminal to an editor and takes it back.
"""

from __future__ import annotations

import os
import re
import selectors
import threading
import time
from codecs import getincrementaldecoder
from collections.abc import Iterable

from textual import events
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from secondop_tui.ui.textual_internals import (
    XTermParser,
    driver_app,
    driver_debug,
    end_escape_wait,
)

PASTE_START = "\x1b[200~"
# The terminal's own cursor: shown for a screen reader or a braille display, which follow
# it (Textual hides it for the whole run).
SHOW_CURSOR = "\x1b[?25h"
HIDE_CURSOR = "\x1b[?25l"
PASTE_END = "\x1b[201~"

# A paste whose end mark has not come after this long (a terminal that lost it) is ended
# there, so the keys typed after it are keys again.
PASTE_STALL_SECONDS = 2.0

# What may be the start of a paste mark at the end of a read is held back this long for
# the rest of it; if nothing follows, it was a key (escape).
HELD_MARK_SECONDS = 0.02

# Escape sequences (CSI, OSC, DCS and the like, and two-character ones), then any other
# control character: none of them is text a person meant to paste.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"              # CSI: colours, cursor moves, keys
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"     # OSC, DCS, SOS, PM, APC, to their end
    r"|\x1b[ -/]*[0-~]"                      # two-character (and nF) sequences
    r"|\x9b[0-?]*[ -/]*[@-~]",               # CSI in its one-byte form
    re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def clean_paste(text: str, *, one_line: bool = False) -> str:
    """Pasted text as it may be stored: escape sequences and control characters
    removed, line breaks made ``\\n`` (or, for a one-line field, spaces; a tab too)."""
    text = _LINE_BREAK.sub("\n", text)
    text = _SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    if one_line:
        text = re.sub(r"[\t\n]+", " ", text.strip("\n"))
    return text


def _partial_mark(data: str, mark: str) -> int:
    """How many characters at the end of ``data`` could begin ``mark``."""
    for size in range(min(len(mark) - 1, len(data)), 0, -1):
        if mark.startswith(data[-size:]):
            return size
    return 0


class PasteSafeParser(XTermParser):
    """Textual's parser, with bracketed pastes taken out of the input first."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._pasting = False
        self._pasted: list[str] = []
        self._held = ""  # the end of the last read, which may be the start of a mark
        self._last_input = time.monotonic()

    def feed(self, data: str) -> Iterable[events.Event]:
        if not data:  # the end of input
            if self._pasting:
                yield self._end_paste()
            if self._held:
                yield from super().feed(self._held)
                self._held = ""
            yield from super().feed(data)
            return
        self._last_input = time.monotonic()
        data, self._held = self._held + data, ""
        while data:
            if self._pasting:
                end = data.find(PASTE_END)
                if end < 0:
                    keep = _partial_mark(data, PASTE_END)
                    self._pasted.append(data[:len(data) - keep])
                    self._held = data[len(data) - keep:]
                    return
                self._pasted.append(data[:end])
                data = data[end + len(PASTE_END):]
                yield self._end_paste()
            else:
                start = data.find(PASTE_START)
                if start < 0:
                    keep = _partial_mark(data, PASTE_START)
                    self._held = data[len(data) - keep:]
                    if len(data) > keep:
                        yield from super().feed(data[:len(data) - keep])
                    return
                if start:
                    yield from super().feed(data[:start])
                data = data[start + len(PASTE_START):]
                self._pasting = True

    def tick(self) -> Iterable[events.Event]:
        quiet = time.monotonic() - self._last_input
        if self._pasting and quiet > PASTE_STALL_SECONDS:
            yield self._end_paste()
            held, self._held = self._held, ""
            if held:
                yield from self.feed(held)
        elif self._held and not self._pasting and quiet >= HELD_MARK_SECONDS:
            # Nothing more came after what looked like the start of a paste mark: it was
            # a key (escape) after all. The parser's own wait for escape is over too.
            held, self._held = self._held, ""
            yield from super().feed(held)
            end_escape_wait(self)
        yield from super().tick()

    def _end_paste(self) -> events.Paste:
        text = "".join(self._pasted)
        self._pasted.clear()
        self._pasting = False
        return events.Paste(text)


class InputClosed(Message):
    """The terminal's input ended: nothing more can be typed (treated as a hangup)."""


class WorkbookDriver(LinuxDriver):
    """The Linux and macOS terminal driver with the paste-safe parser, the end of input
    reported, and a mute for leaving."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._muted = False
        # When the input thread last found nothing waiting to be read (or the input at
        # its end): everything sent before then has been read and passed on.
        self.input_quiet_at = 0.0
        self.input_ended = False
        self._input_lock = threading.Lock()
        # Shown for a screen reader (see show_terminal_cursor), again after a suspend.
        self.cursor_shown = False

    def start_application_mode(self) -> None:
        super().start_application_mode()  # hides the cursor, here and after a suspend
        if self.cursor_shown:
            self.write(SHOW_CURSOR)

    def mute(self) -> None:
        """Write nothing more to the terminal (it is gone, or about to be)."""
        self._muted = True

    def write(self, data: str) -> None:
        if not self._muted:
            super().write(data)

    def flush(self) -> None:
        if not self._muted:
            super().flush()

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = PasteSafeParser(driver_debug(self))
        # Bytes that are not UTF-8 (a hostile paste, a terminal in another encoding)
        # become U+FFFD instead of ending the input thread.
        decode = getincrementaldecoder("utf-8")(errors="replace").decode

        def pass_on(events_: Iterable[Message]) -> None:
            for event in events_:
                self.process_message(event)

        def read_once(timeout: float) -> bool | None:
            """Read what is waiting and pass it on: True if anything was read, False if
            nothing was waiting, None at the end of input."""
            if not selector.select(timeout):
                self.input_quiet_at = time.monotonic()
                pass_on(parser.tick())
                return False
            try:
                data = os.read(self.fileno, 64 * 1024)
            except OSError:  # EIO: the terminal is gone
                data = b""
            if not data:
                pass_on(parser.feed(decode(b"", final=True)))
                return None
            pass_on(parser.feed(decode(data)))
            pass_on(parser.tick())
            return True

        try:
            while not self.exit_event.is_set():
                if read_once(0.1) is None:
                    self.input_ended = True
                    self.input_quiet_at = time.monotonic()
                    driver_app(self).post_message(InputClosed())
                    return
            # Suspending (for $EDITOR) or leaving: what was typed before still counts.
            while read_once(0):
                pass
        finally:
            selector.close()


def show_terminal_cursor(driver: Driver, shown: bool) -> None:
    """Show or hide the terminal's cursor: a screen reader or a braille display follows
    it, and the app puts it at the start of what has the focus (see screen_reader.py)."""
    if isinstance(driver, WorkbookDriver):
        driver.cursor_shown = shown  # kept after a suspend ($EDITOR) too
    driver.write(SHOW_CURSOR if shown else HIDE_CURSOR)
    driver.flush()
