"""With the screen reader setting on, the terminal's cursor is where a screen reader or a
braille display must read: in every pane, dialog and screen, after every key that moves
through a list, a table or a form, the cursor (as pyte, a terminal emulator, finds it in
what the app wrote) sits on the row or field that has the highlight, where its words
start.

What is expected is taken from the widgets' state (the highlighted option, the table's
cursor row, the text field's cursor, the question asked) and checked against the
terminal's screen, never against where the app meant to put the cursor.
"""

from __future__ import annotations

import re

import pytest
from textual.widgets import Button, DataTable, Input, OptionList, SelectionList, TextArea

from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.panes.guidance import GuidanceText
from tests.contexts import CONTEXTS, Context, press, seed, settle
from tests.helpers import plain, wait_until
from tests.reader_terminal import (
    SYMBOLS,
    ReaderTerminalApp,
    read_linearly,
    terminal_cursor,
    terminal_lines,
    text_at_cursor,
)

SIZE = (100, 30)
# Through each list, table and form: down and up a row, a page, to the ends, the next
# field and back, left and right (a choice, a dialog's answers).
MOVES = ["down", "down", "down", "up", "pagedown", "pageup", "end", "home", "tab", "down",
         "tab", "shift+tab", "right", "left"]
# How many characters of the expected words must start at the cursor (fewer when the
# line is cut short by the edge of its widget).
PREFIX = 40


@pytest.fixture
def quiet_outside(monkeypatch, tmp_path):
    """Exports go to a folder of the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


# Drawn as blanks with the setting: box drawing, blocks, shapes, arrows, symbols.
NOISE = re.compile(r"[\u2190-\u21ff\u2260\u24d0-\u24ff\u2500-\u27bf]")


def squeeze(text: str) -> str:
    """Words as the terminal shows them with the setting: no symbols, single spaces."""
    return " ".join(NOISE.sub(" ", text).split())


def first_line(renderable, width: int = 200) -> str:
    lines = [line for line in plain(renderable, width).splitlines() if line.strip()]
    return squeeze(lines[0]) if lines else ""


def visible(widget):
    return widget.region.intersection(widget.screen.find_widget(widget).clip)


def first_words_in(app, region) -> tuple[int, int] | None:
    """Where the first non-blank character inside ``region`` is on the terminal."""
    lines = terminal_lines(app)
    for y in range(region.y, region.bottom):
        row = lines[y][region.x:region.right]
        if row.strip():
            return region.x + len(row) - len(row.lstrip()), y
    return None


def guidance_paragraph(app, text: GuidanceText) -> str | None:
    """The words of the paragraph being read, as the terminal shows them: the first
    block that starts in view (None, in a block longer than the view: then any words at
    the top of the view)."""
    top = text.scroll_offset.y
    bottom = top + text.scrollable_content_region.height
    starts = [block for block in text.children if top <= block.virtual_region.y < bottom]
    if not starts:
        return None
    region = min(starts, key=lambda block: block.virtual_region.y).region
    return terminal_lines(app)[region.y][region.x:region.right]


def expected_words(app) -> tuple[str, str | None]:
    """(what has the focus, the words that must start at the cursor); None: the first
    words inside the focused widget's visible part, wherever they are."""
    screen = app.screen
    focused = app.focused
    if isinstance(screen, ChoiceDialog):
        return "the question on the notice line", f"Question: {screen.dialog_title}"
    if focused is None:
        return "nothing (the notice line)", None
    if isinstance(focused, Input):
        value = focused.value[focused.cursor_position:]
        return f"the text field {focused.id}", value or ("" if focused.value else None)
    if isinstance(focused, TextArea):
        row, column = focused.cursor_location
        return f"the text area {focused.id}", focused.document.get_line(row)[column:]
    if isinstance(focused, SelectionList):
        option = focused.highlighted_option
        if option is None:
            return "an empty list", None
        ticked = "ticked: " if option.value in focused.selected else "not ticked: "
        return f"the highlighted option of {focused.id}", ticked + first_line(option.prompt)
    if isinstance(focused, OptionList):
        option = focused.highlighted_option
        if option is None:
            return "an empty list", None
        return f"the highlighted option of {focused.id}", first_line(option.prompt)
    if isinstance(focused, DataTable):
        if not focused.row_count:
            return "an empty table", None
        cells = focused.get_row_at(focused.cursor_row)
        return f"the cursor row of {focused.id}", first_line(cells[0])
    if isinstance(focused, GuidanceText):
        return "the paragraph being read", guidance_paragraph(app, focused)
    if isinstance(focused, Button):
        return f"the button {focused.id}", first_line(focused.label)
    return f"{focused!r}", None


def reading_problem(app) -> str | None:
    """None when the cursor is where a reader needs it; else what is wrong."""
    x, y, shown = terminal_cursor(app)
    if not shown:
        return "the terminal's cursor is hidden"
    what, words = expected_words(app)
    at = squeeze(text_at_cursor(app))
    focused = app.focused
    if isinstance(app.screen, ChoiceDialog) or focused is None:
        line = app.screen.query_one("#notice-line")
        where = visible(line)
    else:
        where = visible(focused)
        if not where.area:
            # Scrolled out of view (page down in a form): the first words in view of
            # what scrolls are being read.
            scroller = next(node for node in focused.ancestors if node.allow_vertical_scroll)
            where, what, words = visible(scroller), f"the {scroller!r} scrolled", None
        elif not where.contains(x, y):
            return f"the cursor at {(x, y)} is outside {what} ({where})"
    if words is None:
        start = first_words_in(app, where)
        if start is not None and start != (x, y):
            return f"the cursor at {(x, y)}, the first words of {what} at {start}: {at!r}"
        return None
    want = squeeze(words)
    size = min(len(want), PREFIX, max(len(at), 1))
    if not at.startswith(want[:size]):
        return f"at the cursor {(x, y)}: {at!r}; {what} says {want!r}"
    return None


async def cursor_on_the_focus(pilot, after: str) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: reading_problem(app) is None,
                     f"the cursor at the start of what has the focus, {after}", timeout=15,
                     state=lambda: f"{reading_problem(app)}\n" + "\n".join(terminal_lines(app)))


@pytest.mark.parametrize("context", CONTEXTS, ids=lambda c: c.name.replace(" ", "-"))
async def test_the_cursor_is_at_the_start_of_what_has_the_focus(
        store, quiet_outside, context: Context):
    seed(store)
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True, size=SIZE)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await context.open(app, pilot)
        await cursor_on_the_focus(pilot, f"when the {context.name} opened")
        no_symbols(app, f"when the {context.name} opened")
        for key in MOVES:
            await press(pilot, key)
            await settle(pilot)
            await cursor_on_the_focus(pilot, f"after {key} in the {context.name}")
        no_symbols(app, f"after moving in the {context.name}")


def no_symbols(app, when: str) -> None:
    """Frames, rules, scroll bars, arrows and symbols are left out (the words beside
    them stay): a screen reader would read each out by its name."""
    text = read_linearly(app)
    found = SYMBOLS.findall(text)
    assert not found, f"{when}, read out as noise: {found}\n{text}"
