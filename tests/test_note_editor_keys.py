"""F6 and F7 inside a note mean what the Notes pane says (the opinion form, the comparison
of opinions), not what TextArea binds them to (select the line, select everything): the
note editor runs the pane's bindings for keys that type nothing before TextArea sees
them (``NoteEditor.route_keys``)."""

from __future__ import annotations

from textual.widgets import TextArea

from secondop_tui.core import notes
from secondop_tui.ui.dialogs.opinion_dialog import OpinionDialog
from secondop_tui.ui.screens.compare_screen import CompareScreen
from tests.helpers import open_notes_pane, seed_opinions, wait_until


def test_text_area_binds_f6_and_f7_to_selections():
    """What the note editor takes over (if Textual moves these, the test below proves
    less: look again at what F6 and F7 would do in a note)."""
    actions = {binding.key: binding.action for binding in TextArea.BINDINGS}
    assert actions["f6"] == "select_line"
    assert actions["f7"] == "select_all"


async def test_f6_and_f7_in_a_note_run_the_notes_pane_actions(make_app, store):
    seed_opinions(store, 2)  # the comparison needs two
    visit = notes.list_consultations(store)[0]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_notes_pane(pilot)
        editor = pane.editor
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.focused is editor, "the cursor in the note")
        await pilot.press(*"first line", "enter", *"second")
        await wait_until(pilot, lambda: editor.text.endswith("first line\nsecond"),
                         "the typed lines in the note")
        text, cursor = editor.text, editor.cursor_location

        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, OpinionDialog),
                         "the opinion form open")
        assert editor.selection.is_empty  # not TextArea's "select the line"
        assert (editor.text, editor.cursor_location) == (text, cursor)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, OpinionDialog),
                         "the opinion form closed")
        await wait_until(pilot, lambda: app.focused is editor, "the cursor back in the note")

        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen),
                         "the comparison of opinions open")
        assert editor.selection.is_empty  # not TextArea's "select all"
        assert (editor.text, editor.cursor_location) == (text, cursor)
        assert notes.get_consultation(store, visit.doc_id) is not None
