"""A dialog or screen answers once: a second dismiss (a key mashed right after the
answer, or a worker finishing just as escape is pressed) changes nothing."""

from __future__ import annotations

import inspect

from textual.screen import Screen

from secondop_tui.core.notes import new_consultation
from secondop_tui.ui.workbook_screen import WorkbookScreen
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.dialogs.notes_export_dialog import NotesExportDialog
from tests.helpers import ui_classes, wait_until


def all_screen_classes() -> list[type]:
    return [cls for cls in ui_classes() if issubclass(cls, Screen)]


def test_every_screen_of_the_app_dismisses_once():
    screens = all_screen_classes()
    assert len(screens) > 10
    loose = [cls.__name__ for cls in screens
             if not issubclass(cls, DismissOnce) and cls is not WorkbookScreen]
    assert loose == []
    # None puts back a dismiss of its own that skips the guard.
    overriding = [cls.__name__ for cls in screens
                  if "dismiss" in vars(cls) and cls is not DismissOnce]
    assert overriding == []


async def test_escape_right_after_the_export_is_written(make_app, store, tmp_path):
    new_consultation(store, title="Visit")
    app = make_app()
    results = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "alt+x")
        await wait_until(pilot, lambda: isinstance(app.screen, NotesExportDialog),
                         "the export dialog open")
        dialog = app.screen
        dialog._result_callbacks[-1].callback = results.append  # see what it answers
        target = tmp_path / "notes.txt"
        target.write_text("written")
        # The worker's answer and an escape in the same moment.
        dialog.written(target)
        dialog.action_cancel()
        await pilot.press("escape")
        await wait_until(pilot, lambda: results != [], "the dialog's answer")
        await pilot.pause()
        assert results == [target]
        assert app.is_running
        assert isinstance(app.screen, WorkbookScreen)  # nothing below it was closed
        assert len(app.screen_stack) == 1


async def test_a_dialog_dismissed_under_another_closes_when_uncovered(make_app, store):
    app = make_app()
    results = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        below = ChoiceDialog("Below", "", [Choice("y", "Yes", "yes")])
        above = ChoiceDialog("Above", "", [Choice("y", "Yes", "yes")])
        app.call_later(app.push_screen, below, results.append)
        await wait_until(pilot, lambda: app.screen is below, "the lower dialog shown")
        app.call_later(app.push_screen, above, results.append)
        await wait_until(pilot, lambda: app.screen is above, "the upper dialog shown")
        below.dismiss("from below")  # must not close the dialog over it
        await pilot.pause()
        assert app.screen is above and results == []
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, WorkbookScreen),
                         "both dialogs closed")
        assert results == ["yes", "from below"]
        assert app.is_running


def test_the_guard_is_the_dismiss_every_screen_gets():
    from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog

    for cls in (ExportTextDialog, ChoiceDialog, NotesExportDialog):
        assert inspect.getattr_static(cls, "dismiss") is DismissOnce.dismiss


async def test_answers_too_wide_for_one_row_are_all_on_screen(make_app):
    from textual.widgets import Button

    long = [Choice("t", "Keep this: 555-0101-extension-four (from the laptop)", "this"),
            Choice("o", "Keep that: 555-0199 (from the desktop)", "that"),
            Choice("b", "Keep both", "both"), Choice("c", "Not now", "cancel")]
    short = [Choice("k", "Keep", "keep"), Choice("d", "Delete", "delete", "error")]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for choices in (long, short):
            app.push_screen(ChoiceDialog("A question", "Which one?", choices,
                                         cancel=choices[-1].value))
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog)
                             and len(app.screen.query(Button)) == len(choices),
                             "the question")
            buttons = list(app.screen.query(Button))
            screen = app.screen.region
            for button in buttons:
                assert screen.contains_region(button.region), button.label
                assert str(button.label).endswith("]") and button.region.width >= len(
                    str(button.label)), button.label
            rows = {button.region.y for button in buttons}
            assert len(rows) == (len(choices) if choices is long else 1)
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceDialog),
                             "the question closed")
