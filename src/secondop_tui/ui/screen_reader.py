"""The screen reader setting: the app made to be read by a screen reader or a braille
display, which follow the terminal's cursor and read what changes.

With it on:

- the terminal's cursor is shown and sits at the start of what has the focus (the
  highlighted row, the field being edited, the paragraph being read; see
  widgets/reading.py), put there at every frame the app draws;
- nothing moves by itself: no animations; a notice does not pop up in a corner and go
  away again, it is written in words on the notice line at the foot of every screen
  (widgets/notice_line.py), where the cursor waits while a dialog asks a question;
- the stylesheets drop borders, bars and symbols a reader would speak as noise, and
  headings are words (screen_reader.tcss, and the panes' own ``reader_on`` checks).

It is turned on by ``--screen-reader`` or ``SECONDOP_TUI_SCREEN_READER=1`` (the command
line passes it as ``screen_reader_asked``) or from the palette, and kept in the
workbook like the theme.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import on
from textual.app import SystemCommand
from textual.command import CommandPalette
from rich.segment import Segment
from textual.color import Color
from textual.content import Content
from textual.filter import LineFilter
from textual.geometry import Offset
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.widget import Widget
from textual.widgets import Static

from secondop_tui.ui.appearance import AppearanceApp
from secondop_tui.ui.terminal import show_terminal_cursor
from secondop_tui.ui.textual_internals import app_driver
from secondop_tui.ui.widgets.notice_line import NoticeLine, notice_line
from secondop_tui.ui.widgets.reading import (
    READER_CLASS,
    line_start,
    reading_position,
    words_only,
)

SCREEN_READER_SETTING = "screen_reader"
# What a screen reader speaks as noise, by the character's name ("box drawings light
# horizontal", "warning sign"): box drawing and blocks (frames, rules, scroll bars, half
# blocks), geometric shapes and arrows (▸ ▲ →), the enclosed ⓘ, ≠, the symbols and
# dingbats (⚠ ★ ☎ ✎ ✓), and pictographs. The app puts words beside each one it uses,
# and with the setting says in words what a symbol alone would (a top question, a
# ticked box, the sort order).
NOISE_RANGES = [(0x2190, 0x21FF), (0x2260, 0x2260), (0x24D0, 0x24FF), (0x2500, 0x25FF),
                (0x2600, 0x27BF)]
BLANK_NOISE = {code: " " for first, last in NOISE_RANGES for code in range(first, last + 1)}
# Pictographs (the palette's 🔎) take two cells, and two spaces.
BLANK_NOISE.update({code: "  " for code in range(0x1F300, 0x1FAFF + 1)})
# Keys drawn as symbols, which the line filter would blank: in words.
KEY_WORDS = str.maketrans({"⏎": "enter", "↑": "up", "↓": "down", "←": "left", "→": "right",
                           "⇥": "tab", "⌫": "backspace"})
SEVERITY_WORDS = {"information": "", "warning": "Warning: ", "error": "Error: "}
# What names a screen on the notice line when it opens.
TITLE_CLASSES = ".dialog-title, .form-title, .screen-title"
PALETTE_NOTICE = ("Command palette: type what you want, up and down choose, enter runs it, "
                  "escape closes.")


def words_of(widget: Widget) -> str:
    """What a Static (a title) says, as one line of words."""
    visual = widget.visual if isinstance(widget, Static) else None
    text = visual.plain if isinstance(visual, Content) else str(getattr(visual, "plain", ""))
    return " ".join(text.split())


def plain_words(message: str, markup: bool) -> str:
    """A notice's text without markup, on one line."""
    if markup:
        try:
            message = Content.from_markup(message).plain
        except Exception:  # not valid markup after all: shown as written
            pass
    return " ".join(message.split())


class BlankNoise(LineFilter):
    """Every line drawn, with the characters in NOISE_RANGES blanked (each takes one
    cell, as the space that replaces it: nothing moves)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text.translate(BLANK_NOISE), style, control) if not control else
                Segment(text, style, control) for text, style, control in segments]


class ScreenReaderApp(AppearanceApp):
    """An app that can be read by a screen reader or a braille display."""

    # Class defaults: App.__init__ places the cursor before __init__ below has run.
    screen_reader = False
    _field_cursor = Offset(0, 0)

    class Announce(Message):
        """A notice to put on the notice line (posted, so any thread may say it)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        # What the command line or the environment asked for (None: as the workbook says).
        self.screen_reader_asked: bool | None = None
        self.screen_reader_changed: Signal[bool] = Signal(self, "screen-reader-changed")
        # The last notice, shown on the notice line of every screen that asks nothing.
        self.last_notice = ""
        self._said_warning = ""
        self._blank_noise = BlankNoise()

    # The cursor -----------------------------------------------------------------------
    @property  # type: ignore[override]
    def cursor_position(self) -> Offset:
        """Where Textual puts the terminal's cursor after each frame: set by the text
        fields for their typing; with the setting on, where the reading is."""
        if self.screen_reader:
            position = self.reading_cursor()
            if position is not None:
                return position
        return self._field_cursor

    @cursor_position.setter
    def cursor_position(self, position: Offset) -> None:
        self._field_cursor = position

    def get_line_filters(self):
        filters = super().get_line_filters()
        return [*filters, self._blank_noise] if self.screen_reader else filters

    def get_key_display(self, binding) -> str:
        display = super().get_key_display(binding)
        if self.screen_reader:  # "ctrl+p", not "caret p"; "enter", not "return symbol"
            display = display.translate(KEY_WORDS).replace("^", "ctrl+")
        return display

    def reading_cursor(self) -> Offset | None:
        """The start of what has the focus; the notice line when nothing has it."""
        try:
            screen = self.screen
        except Exception:  # no screen yet, or none left
            return None
        position = reading_position(screen)
        if position is None:
            line = notice_line(screen)
            if line is not None:
                position = line_start(line, 0)
        return position

    # The setting ------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if self.screen_reader_asked and not self.screen_reader:
            self.set_screen_reader(True, remember=False, say=False)

    def apply_appearance(self) -> None:
        """With the workbook just opened: its setting, unless the command line or the
        environment asked (which is then remembered in the workbook)."""
        super().apply_appearance()
        store = self.store
        stored = bool(store.get_setting(SCREEN_READER_SETTING, False)) if store else False
        asked = self.screen_reader_asked
        wanted = stored if asked is None else asked
        if asked is not None and asked != stored and store is not None and not store.read_only:
            store.set_setting(SCREEN_READER_SETTING, asked)
        self.set_screen_reader(wanted, remember=False, say=False)

    def apply_animation_setting(self) -> None:
        super().apply_animation_setting()
        if self.screen_reader:
            self.animation_level = "none"  # nothing moves by itself

    def set_screen_reader(self, wanted: bool, *, remember: bool = True,
                          say: bool = True) -> None:
        """Turn the screen reader setting on or off (``remember``: in the workbook)."""
        store = self.store
        if remember and store is not None and not store.read_only:
            store.set_setting(SCREEN_READER_SETTING, wanted)
        changed = wanted != self.screen_reader
        self.screen_reader = wanted
        self.set_class(wanted, READER_CLASS)
        self.apply_animation_setting()
        driver = app_driver(self)
        if changed and driver is not None:
            show_terminal_cursor(driver, wanted)
        if wanted:
            self._dress_screen(self.screen)
        if changed:
            self.screen_reader_changed.publish(wanted)
            # Every line is drawn again, through the filter or without it.
            for screen in self.screen_stack:
                for widget in screen.walk_children(with_self=True):
                    widget.refresh()
            self.refresh(layout=True)
        if say:
            self.notify("Screen reader setting on: the cursor follows the focus, notices "
                        "are written on the last line." if wanted else
                        "Screen reader setting off.", timeout=4)

    def screen_reader_commands(self) -> Iterable[SystemCommand]:
        wanted = not self.screen_reader
        yield SystemCommand(
            f"Screen reader: {'on' if wanted else 'off'}",
            "Show the cursor at the focus, notices on the last line, no animations or "
            "box drawing (remembered in the workbook)" if wanted else
            "Hide the cursor and pop notices up again (remembered in the workbook)",
            partial(self.set_screen_reader, wanted))

    # The notice line --------------------------------------------------------------------
    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = True) -> None:
        if not self.screen_reader:
            super().notify(message, title=title, severity=severity, timeout=timeout,
                           markup=markup)
            return
        # No pop-up, which would go away by itself: the notice line keeps it.
        heading = f"{plain_words(title, markup)}: " if title else ""
        self.post_message(self.Announce(
            f"{SEVERITY_WORDS.get(severity, '')}{heading}{plain_words(message, markup)}"))

    @on(Announce)
    def _announce(self, message: Announce) -> None:
        self.last_notice = message.text
        line = notice_line(self.screen)
        if line is not None:
            line.say(message.text)

    @on(CommandPalette.OptionHighlighted)
    def _say_command(self, message: CommandPalette.OptionHighlighted) -> None:
        """In the palette the cursor stays where the typing goes: the command that enter
        would run is said on the notice line."""
        line = notice_line(self.screen) if self.screen_reader else None
        if line is not None:
            prompt = message.highlighted_event.option.prompt
            words = " ".join(str(getattr(prompt, "plain", prompt)).split())
            line.say(f"Highlighted: {words}. Enter runs it.")

    def refresh_status(self) -> None:
        super().refresh_status()
        warning = self.save_warning()
        if warning != self._said_warning:
            self._said_warning = warning
            if warning and self.screen_reader:
                self.notify(warning.lstrip("⚠ "), severity="error", markup=False)

    def format_title(self, title: str, sub_title: str) -> Content:
        content = super().format_title(title, sub_title)
        return Content(words_only(content.plain)) if self.screen_reader else content

    def _screen_changed(self, screen: Screen) -> None:
        if self.screen_reader:
            # Once the screen is mounted (a screen just pushed is not yet).
            screen.call_later(self._dress_screen, screen)

    def _dress_screen(self, screen: Screen) -> None:
        """Give ``screen`` its notice line, saying what it should now."""
        if not self.screen_reader or not screen.is_attached:
            return
        line = notice_line(screen)
        text = self.screen_notice(screen)
        if line is None:
            screen.mount(NoticeLine(text))
        else:
            line.say(text)

    def screen_notice(self, screen: Screen) -> str:
        """What the notice line says as ``screen`` is shown: the question it asks, the
        dialog it is, or the last notice."""
        announce = getattr(screen, "announcement", None)
        if callable(announce):
            return announce()
        if isinstance(screen, CommandPalette):
            return PALETTE_NOTICE
        if isinstance(screen, ModalScreen) or screen is not self.screen_stack[0]:
            titles = screen.query(TITLE_CLASSES)
            title = words_of(titles.first()) if titles else ""
            if title:
                return f"Opened: {title}"
        return self.last_notice
