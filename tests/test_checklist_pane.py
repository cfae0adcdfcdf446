"""The Checklist pane, driven by keys: tick, add, edit, delete, reorder, notes, dates, restarts."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, TextArea

from secondop_tui.core.checklist import Checklist
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.core.export import export
from secondop_tui.ui.dialogs.checklist_call_dialog import ChecklistCallDialog
from secondop_tui.ui.dialogs.checklist_calls_dialog import ChecklistCallsDialog
from secondop_tui.ui.dialogs.checklist_item_dialog import ChecklistItemDialog
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.help_screen import HelpScreen, describe_bindings
from secondop_tui.ui.panes.checklist import ChecklistPane
from tests.helpers import burst_handled, post_burst, run_from_palette, show_pane, wait_until


async def open_checklist(app, pilot) -> ChecklistPane:
    pane = await show_pane(pilot, "checklist")
    assert app.focused is pane.options
    return pane


async def go_to(pane: ChecklistPane, pilot, item_id: str) -> None:
    pane.options.highlighted = pane.options.get_option_index(f"item:{item_id}")
    await pilot.pause()


async def test_tick_with_space_and_enter_and_progress(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        assert pane.current() == ("item", "before.start-by")  # it opens on the first item
        await pilot.press("space")
        await pilot.pause()
        assert Checklist(store).item("before.start-by").done
        await pilot.press("down", "enter")
        await pilot.pause()
        assert Checklist(store).item("before.reasons").done
        progress = str(pane.query_one("#checklist-progress").render())
        total = sum(len(g.items) for g in Checklist(store).defaults.groups)
        assert f"Overall 2/{total} done" in progress and "[#" in progress
        label = str(pane.options.get_option("group:before").prompt)
        assert "2/6 done" in label
        await pilot.press("enter")
        await pilot.pause()
        assert not Checklist(store).item("before.reasons").done
        await wait_until(pilot, lambda: not store.dirty, "the ticks saved")
    assert not store.dirty  # saved at once, not only when the app quits


async def test_add_item_refuses_empty_title_then_adds(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "records.meds")
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChecklistItemDialog)
        assert dialog.query_one(Select).value == "records"
        await pilot.press("enter")  # empty title
        await pilot.pause()
        assert app.screen is dialog
        assert "cannot be empty" in str(dialog.query_one("#item-error").render())
        await pilot.press(*"Ask for the CD")
        dialog.query_one("#item-due", Input).value = "12/3/2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ChecklistItemDialog)
        records = [g for g in Checklist(store).groups() if g.id == "records"][0]
        ids = [i.id for i in records.items]
        added = ids[ids.index("records.meds") + 1]  # placed after the highlighted item
        item = Checklist(store).item(added)
        assert item.title == "Ask for the CD" and item.due.isoformat() == "2026-12-03"
        assert pane.current() == ("item", added)


@pytest.mark.loaded
async def test_an_item_added_in_one_burst_keeps_every_letter(make_app, store):
    """a opens the form; the title typed with it (delivered in the same burst) goes
    into the form's first field once it is open, not to the list."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(app, pilot)
        post_burst(app, *"aCall the insurer", "ctrl+s")
        await burst_handled(pilot)

        def titles() -> list[str]:
            return [i.title for g in Checklist(store).groups() for i in g.items]

        await wait_until(pilot, lambda: "Call the insurer" in titles(), "the item added")
        assert not isinstance(app.screen, ChecklistItemDialog)


@pytest.mark.loaded
async def test_a_key_right_after_a_form_closes_in_one_burst_acts_on_the_list(make_app, store):
    """ctrl+s closes the form; the space sent with it ticks the item just added (the
    form's result reaches the pane, and the focus the list, before the space does)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        post_burst(app, *"aBring the scans", "ctrl+s", "space")
        await burst_handled(pilot)
        [item] = [i for g in Checklist(store).groups() for i in g.items
                  if i.title == "Bring the scans"]
        assert item.done
        await go_to(pane, pilot, "before.reasons")
        post_burst(app, "n", *"asked at the desk", "ctrl+s", "space")
        await burst_handled(pilot)
        item = Checklist(store).item("before.reasons")
        assert item.note == "asked at the desk" and item.done


async def test_edit_delete_undo_and_reorder(make_app, store):
    mine = Checklist(store).add_item("visit", "Book a taxi")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, mine)
        await pilot.press("e")
        await pilot.pause()
        title = app.screen.query_one("#item-title", Input)
        title.value = "Book a taxi both ways"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Checklist(store).item(mine).title == "Book a taxi both ways"

        await pilot.press("shift+up")
        await pilot.pause()
        visit = [g for g in Checklist(store).groups() if g.id == "visit"][0]
        assert [i.id for i in visit.items][-2] == mine
        await pilot.press("left_square_bracket")
        await pilot.pause()
        visit = [g for g in Checklist(store).groups() if g.id == "visit"][0]
        assert [i.id for i in visit.items][-3] == mine
        await pilot.press("right_square_bracket")
        await pilot.pause()
        visit = [g for g in Checklist(store).groups() if g.id == "visit"][0]
        assert [i.id for i in visit.items][-2] == mine
        assert pane.current() == ("item", mine)

        await pilot.press("delete")
        await pilot.pause()
        assert Checklist(store).item(mine) is None
        await pilot.press("u")
        await pilot.pause()
        assert Checklist(store).item(mine).title == "Book a taxi both ways"

        # A default item: deleted, then brought back by "restore defaults".
        await go_to(pane, pilot, "visit.recording")
        await pilot.press("x")
        await pilot.pause()
        assert Checklist(store).item("visit.recording").deleted
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("y")
        await pilot.pause()
        assert not Checklist(store).item("visit.recording").deleted
        assert Checklist(store).item(mine) is not None


async def test_default_wording_cannot_be_edited_but_gets_a_note(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "insurance.coverage")
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert not dialog.query("#item-title")
        assert app.focused is dialog.query_one("#item-due")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ChecklistItemDialog)


async def test_note_of_ten_thousand_characters_and_control_characters(make_app, store):
    note = ("called the insurer 20 Nov, ref 12345: covered, no referral needed. " * 200)
    note = note[:10_000]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "insurance.coverage")
        await pilot.press("n")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert app.focused is area
        area.text = note + "\n\x1b[2Jcleared?\x07"
        await pilot.press("ctrl+s")
        await pilot.pause()
        item = Checklist(store).item("insurance.coverage")
        assert item.note.startswith(note)
        shown = str(pane.query_one("#checklist-detail").render())
        assert "\x1b" not in shown and "\\e[2J" in shown
        assert "✎ note" in str(pane.options.get_option("item:insurance.coverage").prompt)


async def test_due_date_bad_input_then_overdue_marker(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "records.release")
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert app.focused is dialog.query_one("#item-due")
        await pilot.press(*"next friday", "enter")
        await pilot.pause()
        assert app.screen is dialog
        error = str(dialog.query_one("#item-error").render())
        assert "2026-12-03" in error and "3 Dec 2026" in error
        dialog.query_one("#item-due", Input).value = "18 Nov 2026"
        await pilot.press("enter")
        await pilot.pause()
        label = str(pane.options.get_option("item:records.release").prompt)
        assert "OVERDUE" in label
        assert "OVERDUE" in str(pane.query_one("#checklist-detail").render())
        await pilot.press("space")  # done: no longer overdue
        await pilot.pause()
        label = str(pane.options.get_option("item:records.release").prompt)
        assert "OVERDUE" not in label and "due 18 Nov" in label


async def test_insurance_call_log(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "records.meds")
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, ChecklistCallDialog)  # not an insurance item
        await go_to(pane, pilot, "insurance.referral")
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChecklistCallDialog)
        # The cursor starts in the first field, the date (today, selected), so a date
        # typed first replaces it; enter then follows the fields down the form.
        date_field = dialog.query_one("#call-date", Input)
        assert app.focused is date_field and date_field.value == "20 Nov 2026"
        await pilot.press(*"19 Nov 2026", "enter", *"Jane at member services", "enter",
                          *"12345", "enter", *"no referral needed", "enter")
        await pilot.pause()
        calls = Checklist(store).item("insurance.referral").calls
        assert len(calls) == 1 and calls[0].reference == "12345"
        assert calls[0].day.isoformat() == "2026-11-19"
        assert calls[0].who == "Jane at member services"
        detail = str(pane.query_one("#checklist-detail").render())
        assert "Thu 19 Nov 2026, spoke to Jane at member services, ref 12345" in detail
        assert "☎ 1 call" in str(pane.options.get_option("item:insurance.referral").prompt)


async def test_a_logged_call_is_edited_from_the_list_of_calls(make_app, store):
    checklist = Checklist(store)
    checklist.add_call("insurance.referral", "18 Nov 2026", "Jane", "A123", "covered")
    checklist.add_call("insurance.referral", "19 Nov 2026", "Bob", "B456", "refferal")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "records.meds")
        await pilot.press("c")  # not an insurance item: a message, no list
        await pilot.pause()
        assert not isinstance(app.screen, ChecklistCallsDialog)
        await go_to(pane, pilot, "insurance.referral")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {d: k for k, d in app.screen.rows}
        assert set(described["Insurance calls: edit or delete"].split(" / ")) == {"c", "L"}
        await pilot.press("escape", "c")
        await pilot.pause()
        calls = app.screen
        described = {d for _, d in describe_bindings(calls)}
        assert {"Edit the call", "Delete the call (asks first)"} <= described
        assert isinstance(calls, ChecklistCallsDialog)
        assert "1. Wed 18 Nov 2026, spoke to Jane" in str(
            calls.query_one("#calls-list").get_option_at_index(0).prompt)
        await pilot.press("down", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChecklistCallDialog)
        values = [dialog.query_one(f"#call-{name}", Input).value
                  for name in ("date", "who", "reference", "said")]
        assert values == ["19 Nov 2026", "Bob", "B456", "refferal"]
        await pilot.press(*"17 Nov 2026", "tab", "tab", "tab")
        await pilot.press(*"referral needed")  # tab selected the field's text: replaced
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, (ChecklistCallDialog, ChecklistCallsDialog))
        calls = Checklist(store).item("insurance.referral").calls
        assert [(c.day.isoformat(), c.who, c.said) for c in calls] == [
            ("2026-11-18", "Jane", "covered"), ("2026-11-17", "Bob", "referral needed")]
        assert "Tue 17 Nov 2026, spoke to Bob, ref B456: referral needed" in export(
            store, "checklist", "text")
        # Escape on the list, or on the form, changes nothing.
        await pilot.press("c", "enter")
        await pilot.pause()
        await pilot.press(*"Someone else", "escape")
        await pilot.pause()
        assert Checklist(store).item("insurance.referral").calls == calls


async def test_a_logged_call_is_deleted_after_asking(make_app, store):
    checklist = Checklist(store)
    checklist.add_call("insurance.referral", "18 Nov 2026", "Jane", "A123", "covered")
    checklist.add_call("insurance.referral", "19 Nov 2026", "Wrong Person", "", "")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "insurance.referral")
        await pilot.press("c", "down", "x")
        await pilot.pause()
        question = app.screen
        assert isinstance(question, ChoiceDialog)
        assert "Wrong Person" in str(question.query_one(".dialog-body").render())
        await pilot.press("n")  # keep it
        await pilot.pause()
        assert len(Checklist(store).item("insurance.referral").calls) == 2
        await pilot.press("c", "down", "delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        calls = Checklist(store).item("insurance.referral").calls
        assert [c.who for c in calls] == ["Jane"]
        assert app.focused is pane.options
        assert "Wrong Person" not in str(pane.query_one("#checklist-detail").render())
        assert "Wrong Person" not in export(store, "checklist", "text")
        assert "☎ 1 call" in str(pane.options.get_option("item:insurance.referral").prompt)
        await pilot.press("c", "x", "y")  # the last one too
        await pilot.pause()
        assert Checklist(store).item("insurance.referral").calls == ()
        await pilot.press("c")  # nothing left to list
        await pilot.pause()
        assert not isinstance(app.screen, ChecklistCallsDialog)


async def test_detail_says_how_many_calls_and_the_key_above_a_long_note(make_app, store):
    checklist = Checklist(store)
    checklist.set_note("insurance.referral", "Referral form from Dr Lee's office.\n" * 6)
    checklist.add_call("insurance.referral", "18 Nov 2026", "Jane", "A123", "covered")
    checklist.add_call("insurance.referral", "19 Nov 2026", "Bob", "B456", "referral")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)

        def detail_in_view() -> str:
            box = pane.query_one("#checklist-detail-box")
            detail = pane.query_one("#checklist-detail")
            return "\n".join(detail.render_line(y).text
                             for y in range(box.scrollable_content_region.height))

        await go_to(pane, pilot, "insurance.referral")
        shown = detail_in_view()
        assert "Referral form" in shown  # the note is there, and yet:
        assert "☎ 2 calls logged: c lists them to change or delete" in shown
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistCallsDialog)
        await pilot.press("escape")
        await go_to(pane, pilot, "insurance.network")
        assert "☎ No insurance calls logged yet: l logs one." in detail_in_view()
        await go_to(pane, pilot, "records.meds")  # not an insurance item: no call line
        assert "☎" not in detail_in_view()


async def test_hide_done_and_fold_groups_are_remembered(make_app, store, data_dir):
    Checklist(store).toggle("before.reasons")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await pilot.press("h")
        await pilot.pause()
        ids = [o.id for o in pane.options.options]
        assert "item:before.reasons" not in ids and "item:before.start-by" in ids
        assert "(1 done hidden)" in str(pane.options.get_option("group:before").prompt)
        pane.options.highlighted = pane.options.get_option_index("group:insurance")
        await pilot.press("enter")  # folds the group
        await pilot.pause()
        ids = [o.id for o in pane.options.options]
        assert "item:insurance.coverage" not in ids
        assert "(folded)" in str(pane.options.get_option("group:insurance").prompt)
        await pilot.press("ctrl+q")
    store.close()
    reopened = WorkbookStore.open(data_dir)
    try:
        app = SecondOpinionApp(store=reopened, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await open_checklist(app, pilot)
            ids = [o.id for o in pane.options.options]
            assert "item:before.reasons" not in ids and "item:insurance.coverage" not in ids
            await pilot.press("h")
            pane.options.highlighted = pane.options.get_option_index("group:insurance")
            await pilot.press("right")
            await pilot.pause()
            ids = [o.id for o in pane.options.options]
            assert "item:before.reasons" in ids and "item:insurance.coverage" in ids
    finally:
        reopened.close()


async def test_everything_survives_a_restart(make_app, store, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "records.pathology")
        await pilot.press("space", "n")
        await pilot.pause()
        await pilot.press(*"slides at St Mary's")
        await pilot.press("tab")  # leave the note; ctrl+s from anywhere in the form
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Call the lab", "enter")
        await pilot.pause()
        await pilot.press("shift+up")
        await pilot.pause()
        await pilot.press("ctrl+q")
    store.close()
    reopened = WorkbookStore.open(data_dir)
    try:
        checklist = Checklist(reopened)
        item = checklist.item("records.pathology")
        assert item.done and item.note == "slides at St Mary's"
        records = [g for g in checklist.groups() if g.id == "records"][0]
        titles = [i.title for i in records.items]
        assert titles.index("Call the lab") == titles.index(item.title) - 1  # moved above it
        app = SecondOpinionApp(store=reopened, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await open_checklist(app, pilot)
            label = str(pane.options.get_option("item:records.pathology").prompt)
            assert label.lstrip().startswith("[x]") and "✎ note" in label
    finally:
        reopened.close()


async def test_read_only_workbook_offers_no_edits(data_dir):
    WorkbookStore.open(data_dir).close()
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        app = SecondOpinionApp(store=store, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await open_checklist(app, pilot)
            await pilot.press("down", "space", "a", "n")
            await pilot.pause()
            assert not isinstance(app.screen, ChecklistItemDialog)
            assert not Checklist(store).item("before.start-by").done
            assert "READ-ONLY" in str(pane.query_one("#checklist-progress").render())
    finally:
        store.close()


async def test_palette_finds_add_checklist_item(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "Add checklist item")
        await wait_until(pilot, lambda: isinstance(app.screen, ChecklistItemDialog),
                         "the checklist item form open")
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "Checklist")
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#panes").active
                         == "checklist", "the Checklist pane shown")


def test_checklist_pane_snapshot(snap_compare, store):
    checklist = Checklist(store)
    checklist.toggle("before.start-by")
    checklist.toggle("before.reasons")
    checklist.set_due("before.tell-doctor", "2026-11-18")
    checklist.set_due("before.ask-whom", "2026-12-03")
    checklist.set_note("before.reasons", "Plan B \x1b[31mred?")
    checklist.add_item("before", "Talk it over with my sister")

    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("2")  # it opens on the first item not ticked, tell-doctor
        await pilot.pause()
        await pilot.press("up")  # onto a ticked one with a note
        await pilot.pause()

    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_a_call_being_logged_is_kept_when_the_connection_drops(make_app, store):
    """The app calls every open form's save_on_hangup before it saves and leaves."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await go_to(pane, pilot, "insurance.referral")
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistCallDialog)
        await pilot.press("tab", *"Jane at member services", "tab", *"A-77")
        await pilot.pause()
        app.screen.save_on_hangup()
        [call] = Checklist(store).item("insurance.referral").calls
        assert (call.who, call.reference) == ("Jane at member services", "A-77")
        app.screen.save_on_hangup()  # never twice
        assert len(Checklist(store).item("insurance.referral").calls) == 1


async def test_a_form_with_nothing_valid_keeps_nothing_on_a_hangup(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist(app, pilot)
        before = Checklist(store).progress()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistItemDialog)
        app.screen.save_on_hangup()  # no title yet: nothing to keep, and no error
        assert Checklist(store).progress() == before
        assert isinstance(app.screen, ChecklistItemDialog)


async def test_the_highlighted_row_stays_in_sight_when_the_detail_grows(make_app, store):
    """Moving down onto an item with a long note: the detail under the list grows and
    the list shrinks; the highlighted row must still be on screen."""
    checklist = Checklist(store)
    ids = [item.id for group in checklist.groups() for item in group.items]
    plain, noted = ids[9], ids[10]
    checklist.set_note(noted, "first line of the note\nsecond\nthird\nfourth")
    checklist.set_due(noted, "1 Nov 2026")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        options = pane.options
        await go_to(pane, pilot, plain)
        # Put the plain item on the list's last visible line, then move down one.
        options._update_lines()
        line = options._index_to_line[options.highlighted]
        options.scroll_to(y=max(0, line - options.scrollable_content_region.height + 1),
                          animate=False, immediate=True)
        await pilot.pause()
        await pilot.press("down")
        assert pane.current() == ("item", noted)
        line = options._index_to_line[options.highlighted]

        def shown() -> bool:
            top = options.scroll_offset.y
            return top <= line < top + options.scrollable_content_region.height

        # The list scrolls once the new layout is drawn.
        await wait_until(pilot, shown, f"line {line} of the list scrolled into view")


def keys_line(pane: ChecklistPane) -> str:
    return str(pane.query_one("#checklist-progress").render()).splitlines()[-1]


async def test_the_checklist_opens_on_the_first_item_so_the_first_space_ticks_it(
        make_app, store):
    """The hint says "space tick": the first space a newcomer presses ticks an item, not
    folds the heading above it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        assert pane.current() == ("item", "before.start-by")
        assert keys_line(pane).startswith("space tick ")
        await pilot.press("space")
        await pilot.pause()
        assert Checklist(store).item("before.start-by").done
        assert pane.current() == ("item", "before.start-by")
        assert keys_line(pane).startswith("space untick ")


async def test_the_keys_line_says_what_space_does_on_a_heading(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_checklist(app, pilot)
        await pilot.press("up")  # onto the heading
        await pilot.pause()
        assert pane.current() == ("group", "before")
        assert keys_line(pane).startswith("space fold the group ")
        await pilot.press("space")
        await pilot.pause()
        assert "before" in pane.collapsed
        assert keys_line(pane).startswith("space unfold the group ")
        await pilot.press("space")
        await pilot.pause()
        assert "before" not in pane.collapsed
        assert not any(item.done for item in Checklist(store).groups()[0].items)


async def test_the_checklist_opens_where_there_is_something_left_to_tick(store):
    """Items already ticked and groups folded: the highlight starts on the first item
    still to do that is shown; with every group folded, on the first heading."""
    checklist = Checklist(store)
    for item in checklist.groups()[0].items[:2]:
        checklist.toggle(item.id)
    store.flush()

    async def first_row(collapsed: list[str]) -> tuple[str, str] | None:
        store.set_setting("checklist.collapsed", collapsed)
        app = SecondOpinionApp(store=store, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            return (await open_checklist(app, pilot)).current()

    assert await first_row([]) == ("item", "before.tell-doctor")
    assert await first_row(["before"]) == ("item", "finding.specialist")
    every = [group.id for group in checklist.groups()]
    assert await first_row(every) == ("group", "before")
