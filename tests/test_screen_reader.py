"""The screen reader setting: how it is turned on and kept, the notice line, and each
pane read top to bottom as a screen reader with no layout reads it.

Where the cursor goes is tested in test_screen_reader_cursor.py; that an idle screen
writes nothing, with the setting and without, in test_e2e_screen_reader.py.
"""

from __future__ import annotations

import re

import pytest

from secondop_tui.cli import ENV_SCREEN_READER, screen_reader_asked
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.screen_reader import SCREEN_READER_SETTING
from tests.contexts import press, seed, settle
from tests.helpers import run_from_palette, show_pane, wait_until
from tests.reader_terminal import (SYMBOLS, ReaderTerminalApp, read_linearly,
                                   terminal_cursor, terminal_lines)

SIZE = (80, 24)
# In a pane, also the dot and the dash that part a line (read out at some punctuation
# levels): each pane says it with full stops.
NOISE = re.compile(r"[\u2190-\u21ff\u2260\u24d0-\u24ff\u2500-\u27bf·—]")


def foot(app, lines: int = 3) -> str:
    """The words on the last lines of the terminal (a long notice wraps)."""
    return " ".join(" ".join(terminal_lines(app)[-lines:]).split())


# Turning it on ------------------------------------------------------------------------------
@pytest.mark.parametrize(("flag", "variable", "asked"), [
    (True, None, True), (True, "0", True), (False, "1", True), (False, "yes", True),
    (False, "0", False), (False, "off", False), (False, None, None), (False, "", None),
    (False, "maybe", None)])
def test_the_flag_and_the_environment_variable(monkeypatch, flag, variable, asked):
    if variable is None:
        monkeypatch.delenv(ENV_SCREEN_READER, raising=False)
    else:
        monkeypatch.setenv(ENV_SCREEN_READER, variable)
    assert screen_reader_asked(flag) is asked


async def test_asked_at_start_it_is_on_and_kept_in_the_workbook(store):
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await wait_until(pilot, lambda: terminal_cursor(app)[2], "the cursor shown")
        assert app.screen_reader and app.has_class("-screen-reader")
        assert app.animation_level == "none"  # nothing moves by itself
    assert store.get_setting(SCREEN_READER_SETTING) is True


async def test_without_it_the_cursor_stays_hidden(store):
    app = ReaderTerminalApp(store=store, watch_signals=False)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "checklist")
        await press(pilot, "down")
        await settle(pilot)
        await pilot.pause()
        assert not app.screen_reader and not terminal_cursor(app)[2]
    assert store.get_setting(SCREEN_READER_SETTING) is None


async def test_the_palette_turns_it_on_and_off_and_the_workbook_remembers(data_dir):
    store = WorkbookStore.open(data_dir)
    app = ReaderTerminalApp(store=store, watch_signals=False)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await wait_until(pilot, lambda: "ⓘ" in read_linearly(app)
                         and len(set(SYMBOLS.findall(read_linearly(app)))) > 1,
                         "the guidance's notice with its sign, the tab bar's rule")
        await run_from_palette(pilot, "Screen reader: on")
        await wait_until(pilot, lambda: terminal_cursor(app)[2], "the cursor shown")
        # Whatever was drawn before is drawn again without what is read out as noise.
        await wait_until(pilot, lambda: not SYMBOLS.findall(read_linearly(app))
                         and "Pane 1 of 4: Guidance." in read_linearly(app),
                         "the screen drawn again for a reader",
                         state=lambda: read_linearly(app))
        await wait_until(pilot, lambda: "Screen reader setting on" in foot(app),
                         "the notice on the last line",
                         state=lambda: "\n".join(terminal_lines(app)))
        await pilot.press("ctrl+q")
    assert store.get_setting(SCREEN_READER_SETTING) is True
    store.close()
    again = WorkbookStore.open(data_dir)
    try:
        restarted = ReaderTerminalApp(store=again, watch_signals=False)
        async with restarted.run_test(size=SIZE, headless=False) as pilot:
            await wait_until(pilot, lambda: restarted.screen_reader
                             and terminal_cursor(restarted)[2], "on, as the workbook says")
            await run_from_palette(pilot, "Screen reader: off")
            await wait_until(pilot, lambda: not terminal_cursor(restarted)[2],
                             "the cursor hidden again")
            assert not restarted.has_class("-screen-reader")
        assert again.get_setting(SCREEN_READER_SETTING) is False
    finally:
        again.close()


async def test_the_environment_turns_it_off_for_a_workbook_that_has_it_on(store):
    store.set_setting(SCREEN_READER_SETTING, True)
    app = SecondOpinionApp(store=store, watch_signals=False, screen_reader=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen_reader
    assert store.get_setting(SCREEN_READER_SETTING) is False


# The notice line ------------------------------------------------------------------------------
async def test_notices_are_words_on_the_last_line_and_stay(store):
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "checklist")
        await press(pilot, "ctrl+s")
        await wait_until(pilot, lambda: terminal_lines(app)[-1].strip()
                         == "All changes are saved.", "the saved notice on the last line")
        assert not app._notifications  # no pop-up, which would go away by itself
        app.notify("The [b]date[/b] is not one.", title="Due date", severity="error")
        await wait_until(pilot, lambda: terminal_lines(app)[-1].strip()
                         == "Error: Due date: The date is not one.", "the error in words")
        # A dialog opening says so; the question it asks waits there with the cursor.
        await press(pilot, "a")
        await wait_until(pilot, lambda: terminal_lines(app)[-1].strip()
                         == "Opened: Add a checklist item", "the dialog named")
        await press(pilot, "escape")
        await wait_until(pilot, lambda: terminal_lines(app)[-1].strip()
                         == "Error: Due date: The date is not one.",
                         "the last notice back when the dialog closed")
        await show_pane(pilot, "doctors")
        app.push_screen(ChoiceDialog("Delete it?", "It goes.", [
            Choice("y", "Delete", "d", "error"), Choice("n", "Keep", "k")], cancel="k"))
        question = ("Question: Delete it? Answers: Delete (y), Keep (n). Escape: Keep. "
                    "Enter: Keep.")

        def asked() -> bool:
            x, y, shown = terminal_cursor(app)
            lines = terminal_lines(app)
            return shown and " ".join(" ".join(lines[y:]).split()) == question and x == 1

        await wait_until(pilot, asked, "the question and the cursor on the last lines",
                         state=lambda: "\n".join(terminal_lines(app)))
        await press(pilot, "left")
        await wait_until(pilot, lambda: "Enter: Delete." in foot(app),
                         "what enter picks now", state=lambda: "\n".join(terminal_lines(app))
                         + f"\n{app.focused!r}")


async def test_a_failed_save_is_said_on_the_notice_line(store, monkeypatch):
    from secondop_tui.core.storage import SaveResult

    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "checklist")
        monkeypatch.setattr(store, "flush", lambda: SaveResult(ok=False, message="disk full"))
        await press(pilot, "space")
        await wait_until(pilot, lambda: "Error: NOT SAVED: disk full" in foot(app),
                         "the failure in words", state=lambda: "\n".join(terminal_lines(app)))
        monkeypatch.undo()


# Read top to bottom -------------------------------------------------------------------------

def in_order(text: str, *phrases: str) -> list[int]:
    """Where each phrase is first found in ``text``, each after the one before."""
    where, start = [], 0
    for phrase in phrases:
        found = text.find(phrase, start)
        assert found >= 0, f"{phrase!r} not found after {text[:start][-60:]!r} in:\n{text}"
        where.append(found)
        start = found + len(phrase)
    return where


PANE_ORDER = {
    # the pane's name, its progress or count, then its items
    "guidance": ("Pane 1 of 4: Guidance.", "Section 1 of 23: What a second opinion is",
                 "Information, not medical advice", "Section 1 of 23: What a second",
                 "A second opinion means asking another doctor"),
    "checklist": ("Pane 2 of 4: Checklist.", "0 of 57 steps done.", "Overall 0 of 57 done",
                  "Before deciding: 0 of 6 done", "to do: Ask how soon treatment must start",
                  "to do: Write down why you want a second opinion"),
    "doctors": ("Pane 3 of 4: Doctors.", "2 doctors, by name, first to last.", "Name",
                "Dr Ana Ames", "Dr Ben Brook"),
    "notes": ("Pane 4 of 4: Notes.", "2 consultations, newest first.",
              "Thu 5 Nov 2026: Opinion 2, with Dr Ben Brook",
              "Mon 2 Nov 2026: Opinion 1, with Dr Ana Ames"),
}


@pytest.mark.parametrize("pane", list(PANE_ORDER))
async def test_each_pane_reads_in_order_name_count_items_without_noise(store, pane):
    seed(store)
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, pane)
        phrases = PANE_ORDER[pane]

        def reads_in_order() -> bool:
            in_order(read_linearly(app), *phrases)
            return True

        await wait_until(pilot, reads_in_order, f"the {pane} pane read in order",
                         state=lambda: read_linearly(app))
        text = read_linearly(app)
        # The Header's line, then the pane's name: nothing of the pane comes before it.
        assert text.splitlines()[1].strip().startswith(phrases[0]), text
        assert not NOISE.findall(text), f"read out as noise: {NOISE.findall(text)}\n{text}"


async def test_help_reads_top_to_bottom(store):
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "checklist")
        await press(pilot, "f1")
        await wait_until(pilot, lambda: "Opened: Keys in the Checklist pane" in
                         read_linearly(app), "help open", state=lambda: read_linearly(app))
        text = read_linearly(app)
        # What it is, then each key with what it does on its line, then how to close.
        in_order(text, "Keys in the Checklist pane (escape closes)", "Key", "What it does",
                 "space", "Tick", "ctrl+p opens the command palette",
                 "Opened: Keys in the Checklist pane")
        assert not NOISE.findall(text), f"read out as noise: {NOISE.findall(text)}\n{text}"


async def test_consultation_mode_says_the_question_in_words(store):
    seed(store)  # two questions on each consultation's agenda
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "notes")
        await press(pilot, "f5")
        await wait_until(pilot, lambda: "Consultation: Opinion 2. Question 1 of 2, open: "
                         "What stage is it?" in read_linearly(app), "the heading in words",
                         state=lambda: read_linearly(app))
        await press(pilot, "alt+down")
        await wait_until(pilot, lambda: "Question 2 of 2, open: Which treatment first?"
                         in foot(app), "the next question on the notice line",
                         state=lambda: read_linearly(app))
        # The cursor stays in the note, where the typing goes.
        x, y, shown = terminal_cursor(app)
        assert shown and app.focused is app.screen.editor
        assert (x, y) == app.screen.editor.cursor_screen_offset
        assert not NOISE.findall(read_linearly(app)), read_linearly(app)


async def test_a_damaged_workbook_is_asked_about_on_the_notice_line(data_dir):
    from secondop_tui.core.errors import WorkbookDamaged

    WorkbookStore.open(data_dir).close()
    (data_dir / "workbook.json").write_bytes(b"\x00\x00garbage")
    try:
        WorkbookStore.open(data_dir)
    except WorkbookDamaged as error:
        problem = error
    app = ReaderTerminalApp(problem=problem, data_dir=data_dir, watch_signals=False,
                            screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        def asked() -> bool:
            x, y, shown = terminal_cursor(app)
            words = " ".join(" ".join(terminal_lines(app)[y:]).split())
            return shown and x == 1 and words.startswith("Question: The workbook")

        await wait_until(pilot, asked, "the question on the notice line, with the cursor",
                         state=lambda: read_linearly(app))
        await press(pilot, "q")


async def test_the_palette_says_the_highlighted_command(store):
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "checklist")
        await pilot.press("ctrl+p", *"screen reader")
        await wait_until(pilot, lambda: "Highlighted: Screen reader: off Hide the cursor"
                         in foot(app), "the command enter would run, in words",
                         state=lambda: read_linearly(app))
        x, y, shown = terminal_cursor(app)
        # The cursor stays with the typing, just after it.
        assert shown and terminal_lines(app)[y][:x].rstrip().endswith("screen reader")
        assert not SYMBOLS.findall(read_linearly(app)) and "🔎" not in read_linearly(app)



async def test_the_contacts_import_dialog_is_named_and_its_field_has_the_cursor(
        store, tmp_path, monkeypatch):
    from textual.widgets import Input

    from secondop_tui.ui.dialogs.contacts_import_dialog import ContactsImportDialog

    monkeypatch.setenv("HOME", str(tmp_path))
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "doctors")
        app.push_screen(ContactsImportDialog(store, "contacts.vcf"))

        def ready() -> bool:
            field = app.screen.query_one("#contacts-path", Input)
            x, y, shown = terminal_cursor(app)
            # The cursor after what is typed in the field, where typing goes on.
            return (shown and app.focused is field and y == field.content_region.y
                    and terminal_lines(app)[y][:x].rstrip().endswith("contacts.vcf")
                    and foot(app) == "Opened: Import doctors from contacts")

        await wait_until(pilot, ready, "the dialog named, the cursor in its field",
                         state=lambda: read_linearly(app))
        assert not SYMBOLS.findall(read_linearly(app))


async def test_keys_are_named_in_words(store):
    app = ReaderTerminalApp(store=store, watch_signals=False, screen_reader=True)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await show_pane(pilot, "checklist")
        await press(pilot, "f1")
        await wait_until(pilot, lambda: "shift+up" in read_linearly(app)
                         and "shift+down" in read_linearly(app), "arrows named in help",
                         state=lambda: read_linearly(app))
        await press(pilot, "escape")
        await wait_until(pilot, lambda: "ctrl+q Quit" in read_linearly(app),
                         "ctrl+q named in the Footer", state=lambda: read_linearly(app))
