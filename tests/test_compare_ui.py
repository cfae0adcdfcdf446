"""The compare view: two to four columns, the field list at 80 columns, differences turned
into questions, and the comparison's export. Assertions on the store and the widgets."""

from __future__ import annotations

import stat
from datetime import date

from textual.widgets import Input, OptionList, SelectionList

from secondop_tui.core import notes
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog
from secondop_tui.ui.dialogs.pick_dialog import PickDialog
from secondop_tui.ui.screens.compare_screen import CompareScreen
from tests.helpers import (open_notes_pane, plain, run_from_palette, seed_opinions, settled,
                           wait_until)


async def open_compare(pilot) -> CompareScreen:
    await open_notes_pane(pilot)
    await pilot.press("alt+m")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CompareScreen),
                     "the compare view open")
    return pilot.app.screen


def row_texts(screen: CompareScreen) -> list[str]:
    options = screen.query_one("#compare-rows", OptionList)
    return [plain(options.get_option_at_index(i).prompt, screen.size.width)
            for i in range(options.option_count)]


async def test_two_opinions_side_by_side_with_differences_marked(make_app, store):
    seed_opinions(store, 2)
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_compare(pilot)
        assert screen.layout_mode == "columns"
        assert len(screen.comparison.columns) == 2
        rows = {row.key: row for row in screen.comparison.rows}
        assert rows["stage"].differs and not rows["cancer_type"].differs
        texts = dict(zip([r.key for r in screen.comparison.rows], row_texts(screen)))
        assert "≠ differs" in texts["stage"] and "II" in texts["stage"]
        assert "III" in texts["stage"]
        assert "differs" not in texts["cancer_type"] and "= same" in texts["cancer_type"]
        heading = plain(screen.query_one("#compare-columns").content, 120)
        assert "Dr Ana Ames" in heading and "Dr Ben Brook" in heading
        # The plan reads one step a line, in order.
        assert texts["plan"].index("1. surgery") < texts["plan"].index("2. radiation")


async def test_three_and_four_columns_when_wide_enough(make_app, store):
    seed_opinions(store, 4)
    async with make_app().run_test(size=(160, 40)) as pilot:
        screen = await open_compare(pilot)
        assert len(screen.comparison.columns) == 4  # all four picked when there are four
        assert screen.layout_mode == "columns"
        await pilot.press("p")
        await pilot.pause()
        assert screen.picking
        pick = screen.query_one("#compare-pick", SelectionList)
        pick.deselect(pick.selected[-1])
        await pilot.press("c")
        await pilot.pause()
        assert not screen.picking
        assert len(screen.comparison.columns) == 3
        assert screen.layout_mode == "columns"
        assert "Dr Cleo Chen" in plain(screen.query_one("#compare-columns").content, 160)


async def test_at_80_columns_the_fields_are_listed(make_app, store):
    seed_opinions(store, 2)
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot)
        assert screen.layout_mode == "fields"
        stage = row_texts(screen)[[r.key for r in screen.comparison.rows].index("stage")]
        assert "Stage  ≠ differs" in stage
        assert "Dr Ana Ames:" in stage and "Dr Ben Brook:" in stage
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert screen.layout_mode == "columns"


async def test_picking_needs_two_to_four(make_app, store):
    seed_opinions(store, 5)  # more than four: the view starts at the picker
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_compare(pilot)
        assert screen.picking
        pick = screen.query_one("#compare-pick", SelectionList)
        assert len(pick.selected) == 4
        # Ticked or not shows as a symbol, not only as a colour.
        boxes = [pick.render_line(y).text[:7] for y in range(5)]
        assert [("✓" in box) for box in boxes] == [True, True, True, True, False]
        pick.select_all()
        await pilot.press("c")
        await pilot.pause()
        assert screen.picking
        assert "5 chosen" in str(screen.query_one("#compare-pick-problem").content)
        pick.deselect_all()
        await pilot.press("space", "down", "space", "c")
        await pilot.pause()
        assert not screen.picking and len(screen.comparison.columns) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CompareScreen)


async def test_compare_needs_two_opinions(make_app, store):
    seed_opinions(store, 1)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("f7")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)
        assert any("at least two" in n.message for n in app._notifications)


async def test_a_difference_becomes_a_question_on_a_chosen_agenda(make_app, store):
    ids = seed_opinions(store, 2)
    later = notes.new_consultation(store, title="Third doctor", day=date(2026, 11, 25))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot)
        rows = screen.query_one("#compare-rows", OptionList)
        assert rows.highlighted == 0
        await pilot.press("q")  # the cancer type is the same: nothing to ask
        await pilot.pause()
        assert app.screen is screen
        assert any("do not differ" in n.message for n in app._notifications)
        await pilot.press("n")
        assert screen.current_row.key == "stage"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        await pilot.press("enter")  # the newest consultation: the third doctor's
        await pilot.pause()
        assert app.screen is screen
        agenda = notes.get_consultation(store, later.doc_id).questions
        assert [q.text for q in agenda] == [
            "Dr Ana Ames says stage II, Dr Ben Brook says stage III: why do the opinions "
            "differ?"]
        assert any("Third doctor" in n.message for n in app._notifications)
        # The second key, on the next difference, to another consultation.
        await pilot.press("alt+n", "alt+q")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert len(notes.get_consultation(store, ids[1]).questions) == 1
        # The same question twice is not added twice.
        await pilot.press("q", "down", "enter")
        await pilot.pause()
        assert len(notes.get_consultation(store, ids[1]).questions) == 1
        await pilot.pause()
        app.save_now()
        assert not store.dirty


async def test_export_comparison_from_the_palette(make_app, store, tmp_path):
    seed_opinions(store, 2)
    target = tmp_path / "comparison.txt"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "Export comparison")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportTextDialog),
                         "the export dialog open")
        dialog = app.screen
        assert "secondop-comparison-2026-11-20.txt" in dialog.query_one(Input).value
        dialog.query_one(Input).value = str(target)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = target.read_text()
        assert "COMPARISON OF OPINIONS" in text and "≠ differs" in text
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert any(str(target) in n.message for n in app._notifications)
        # A second export to the same file asks first and keeps it on escape.
        target.write_text("precious")
        await run_from_palette(pilot, "Export comparison")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportTextDialog),
                         "the export dialog open")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert target.read_text() == "precious"


def test_compare_snapshot_80x24(snap_compare, store):
    seed_opinions(store, 2)
    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, run_before=settled("4", "alt+m", "n"), terminal_size=(80, 24))


def test_compare_snapshot_120x40(snap_compare, store):
    seed_opinions(store, 3)
    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, run_before=settled("4", "alt+m", "n"), terminal_size=(120, 40))
