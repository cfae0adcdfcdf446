"""Where a screen reader's cursor belongs: at the start of what has the focus.

Screen readers (Orca, NVDA, JAWS, VoiceOver) and braille displays (BRLTTY) follow the
terminal's cursor: they read the line it moves to. With the screen reader setting on
(see screen_reader.py) the app shows the cursor and, at every frame it draws, puts it
where the person is: on the highlighted row of a list or table, in the field being
edited, at the paragraph being read. Only text fields place Textual's cursor themselves;
every other widget is placed here, in one place, from what it shows.

A screen or widget that knows better says so through :class:`ReadingTarget` (the
question a dialog asks, the guidance paragraph in view).
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from rich.cells import cell_len
from textual.dom import DOMNode
from textual.geometry import Offset, Region
from textual.screen import Screen
from textual.signal import Signal
from textual.widget import Widget

from secondop_tui.ui.textual_internals import option_lines

# The app's CSS class while the setting is on: the stylesheets drop what a reader would
# speak as noise (screen_reader.tcss), and widgets ask for it (reader_on).
READER_CLASS = "-screen-reader"


# Symbols drawn beside words that say the same ("⚠ OVERDUE", "☎ 2 calls"): a screen
# reader reads each out by its name ("warning sign"), so with the setting on they go, and
# so does the dot between parts of a line ("middle dot"): a full stop parts them.
_SYMBOLS = re.compile(r"[⚠☎✎ⓘ✚▶◂▸▾▴▲▼✓]\ufe0f?\s?")


def words_only(text: str) -> str:
    """``text`` as a screen reader should hear it: without the symbols that only echo
    the words beside them, and with full stops between its parts."""
    return _SYMBOLS.sub("", text).replace(" · ", ". ").replace(" — ", ": ")


@runtime_checkable
class ReadingTarget(Protocol):
    """A screen or widget that says where the reading goes."""

    def reading_target(self) -> tuple[Widget, int] | None:
        """The widget being read and its line (0: its first line), or None to let the
        focused widget say."""


@runtime_checkable
class ReaderNews(Protocol):
    """An app that says when the screen reader setting changes."""

    screen_reader: bool
    screen_reader_changed: Signal[bool]


def reader_on(node: DOMNode) -> bool:
    """Whether the screen reader setting is on in the app running ``node``."""
    try:
        return node.app.has_class(READER_CLASS)
    except Exception:  # no app (a widget made outside one)
        return False


def follow_reader(node: DOMNode, callback) -> None:
    """Call ``callback(on)`` each time the screen reader setting changes, while ``node``
    is on screen (call it when the node is mounted)."""
    app = node.app
    if isinstance(app, ReaderNews):
        app.screen_reader_changed.subscribe(node, callback)


def reading_position(screen: Screen) -> Offset | None:
    """Where the terminal's cursor goes on ``screen``: at the start of what has the
    focus (None: nothing to read, or not laid out yet)."""
    if isinstance(screen, ReadingTarget):
        target = screen.reading_target()
        if target is not None:
            return line_start(*target)
    focused = screen.focused
    if focused is None:
        return None
    if not _in_view(focused):
        # Scrolled away (page down through a form): the first words still in view of
        # what was scrolled are what is being read.
        for ancestor in focused.ancestors:
            if isinstance(ancestor, Widget) and ancestor.allow_vertical_scroll:
                return line_start(ancestor, 0, ancestor.region.height)
        return None
    if isinstance(focused, ReadingTarget):
        target = focused.reading_target()
        if target is not None:
            return line_start(*target)
    # deferred: start-up speed (used only with the setting on; most of these widgets are
    # not in the first frame)
    from textual.widgets import DataTable, Input, OptionList, TextArea

    if isinstance(focused, Input):
        # Where the typing goes. (Input's own cursor_screen_offset is one cell to the
        # right at the end of the text, and so in an empty field, where a reader then
        # hears its hint from the second letter on.)
        x, y = focused.content_region.offset
        typed = cell_len(focused.value[:focused.cursor_position])
        return Offset(x + typed - round(focused.scroll_offset.x), y)
    if isinstance(focused, TextArea):
        return focused.cursor_screen_offset  # where the typing goes
    if isinstance(focused, OptionList):
        highlighted = focused.highlighted
        lines = option_lines(focused, highlighted) if highlighted is not None else None
        if lines is not None:
            line, height = lines
            row = focused.gutter.top + line - round(focused.scroll_y)
            return line_start(focused, row, height)
    elif isinstance(focused, DataTable) and focused.row_count:
        rows = focused.ordered_rows
        above = sum(row.height for row in rows[:focused.cursor_row])
        header = focused.header_height if focused.show_header else 0
        row = focused.gutter.top + header + above - round(focused.scroll_y)
        return line_start(focused, row, rows[focused.cursor_row].height)
    return line_start(focused, 0, focused.region.height)


def _in_view(widget: Widget) -> bool:
    try:
        return bool(widget.screen.find_widget(widget).visible_region.area)
    except Exception:  # not on screen
        return False


def line_start(widget: Widget, row: int, lines: int = 1) -> Offset | None:
    """The first character of ``widget``'s line ``row`` (0: its first line), or of the
    first of the ``lines`` lines from there that holds any: where its words start.

    The line is read from what the widget draws, so padding, a centred label or an
    indent are stepped over whatever widget it is. A line out of view is brought to the
    nearest edge of what is in view. A container draws no words of its own: the first
    of its widgets in view that does stands for it. None: not on screen."""
    try:
        visible = widget.screen.find_widget(widget).visible_region
    except Exception:  # not on screen (yet)
        return None
    if not visible.area:
        return None
    first = min(max(widget.region.y + row, visible.y), visible.bottom - 1)
    return _words_start(widget, row, lines) or Offset(visible.x, first)


def _words_start(widget: Widget, row: int, lines: int) -> Offset | None:
    """Where the words of ``widget`` (or of the first of its children in view that has
    any) start on the lines from ``row``; None when there are none."""
    try:
        visible = widget.screen.find_widget(widget).visible_region
    except Exception:
        return None
    if not visible.area:
        return None
    region = widget.region
    first = min(max(region.y + row, visible.y), visible.bottom - 1)
    last = min(first + max(lines, 1), visible.bottom)
    for y in range(first, last):
        strip = widget.render_lines(Region(0, y - region.y, region.width, 1))[0]
        text = strip.text
        words = text.lstrip()
        if words.strip():
            x = region.x + len(text) - len(words)
            return Offset(min(max(x, visible.x), visible.right - 1), y)
    shown = [child for child in widget.children
             if isinstance(child, Widget) and child.display and child.region.area]
    for child in sorted(shown, key=lambda child: (child.region.y, child.region.x)):
        found = _words_start(child, 0, child.region.height)
        if found is not None and visible.contains(*found):
            return found
    return None
