"""The Notes pane and consultation mode, driven with the keyboard; assertions on the store."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest
from textual.events import Key
from textual.keys import _character_to_key
from textual.widgets import Input, OptionList

from secondop_tui.core import notes as core
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.notes import (AgendaItem, list_consultations, new_consultation,
                                     save_note, set_questions)
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.dialogs.notes_export_dialog import NotesExportDialog
from secondop_tui.ui.dialogs.notes_new_dialog import NotesNewDialog
from secondop_tui.ui.dialogs.notes_questions_dialog import NotesQuestionsDialog
from secondop_tui.ui.panes.notes import NotesPane
from secondop_tui.ui.screens.consultation_screen import ConsultationScreen
from tests.helpers import (burst_handled, open_notes_pane, post_burst, run_from_palette, settled,
                           wait_until)


async def open_pane(pilot) -> NotesPane:
    return await open_notes_pane(pilot)


def only(store) -> core.Consultation:
    [consultation] = core.list_consultations(store)
    return consultation


def with_questions(store, *texts: str) -> core.Consultation:
    visit = new_consultation(store, title="Visit")
    set_questions(store, visit.doc_id, [AgendaItem(t) for t in texts])
    return visit


async def test_list_is_newest_first(make_app, store):
    from datetime import date

    new_consultation(store, title="Old", day=date(2026, 10, 1))
    new_consultation(store, title="New", day=date(2026, 11, 19))
    new_consultation(store, title="Middle", day=date(2026, 11, 1))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert [c.title for c in pane.consultations] == ["New", "Middle", "Old"]
        assert pane.option_list.option_count == 3
        assert not pane.has_class("-empty")


async def test_new_consultation_with_a_doctor_then_type_and_debounced_save(make_app, store):
    add_doctor(store, Doctor(name="Dr Ana Ruiz"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert pane.has_class("-empty")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NotesNewDialog)
        await pilot.press(*"First visit", "tab", "tab", "down", "enter")
        await pilot.pause()
        visit = only(store)
        assert (visit.title, visit.date) == ("First visit", "2026-11-20")
        assert visit.doctor_id is not None
        assert app.focused is pane.editor
        await pilot.press(*"She said 123")  # digits go to the note, not the pane keys
        await pilot.pause()
        # Not at once: the store takes the text at most the save delay after a key.
        assert "She said 123".startswith(only(store).note)
        await wait_until(pilot, lambda: only(store).note == "She said 123",
                         "the note taken into the store")
        # Written to disk by the app's worker.
        await wait_until(pilot, lambda: not store.dirty, "the note saved")


async def test_enter_starts_writing_a_new_consultation_as_an_existing_one(make_app, store):
    """After n the cursor is in the new note already; the enter a user presses to start
    writing (as on a consultation in the list) must not begin the note with a blank line."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NotesNewDialog),
                         "the new consultation dialog open")
        await pilot.press(*"Visit", "enter")
        await wait_until(pilot, lambda: app.focused is pane.editor, "the cursor in the note")
        await pilot.press("enter", *"abc")
        await wait_until(pilot, lambda: pane.editor.text == "abc", "the note reading 'abc'")
        pane.save_pending_edits()
        assert only(store).note == "abc"
        # Once writing, enter is a new line as ever.
        await pilot.press("enter", *"de")
        await wait_until(pilot, lambda: pane.editor.text == "abc\nde",
                         "the note reading 'abc\\nde'")


async def test_enter_starts_writing_an_existing_consultation(make_app, store):
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert app.focused is pane.option_list
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.focused is pane.editor, "the cursor in the note")
        await pilot.press(*"abc")
        await wait_until(pilot, lambda: pane.editor.text == "abc", "the note reading 'abc'")
        pane.save_pending_edits()
        assert only(store).note == "abc"


async def test_palette_finds_new_consultation(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "New consultation")
        await wait_until(pilot, lambda: isinstance(app.screen, NotesNewDialog),
                         "the new consultation form open")
        await pilot.press("enter")  # untitled, no doctor
        await pilot.pause()
        visit = only(store)
        assert visit.doctor_id is None and visit.title == ""


async def test_pane_switch_and_blur_commit_the_note_at_once(make_app, store):
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter", *"quick words")
        pane.save_pending_edits()
        assert only(store).note == "quick words"
        await pilot.press(*" more", "alt+1")
        await pilot.pause()
        assert only(store).note == "quick words more"


async def test_a_no_break_space_typed_is_kept(make_app, store):
    # Python does not count it printable, and the TextArea alone would drop it.
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter", *"PET")
        for space, after in (("\u00a0", "scan"), ("\u3000", "x")):
            # As a terminal sends them (Pilot's press gives these no character).
            app.post_message(Key(_character_to_key(space), space))
            await pilot.pause()
            await pilot.press(*after)
        pane.save_pending_edits()
        assert only(store).note == "PET\u00a0scan\u3000x"


async def test_timestamp_inserts_the_frozen_time(make_app, store):
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter", *"hello", "ctrl+t", *"next", "alt+t")
        pane.save_pending_edits()
        assert only(store).note == "hello\n[09:30] next\n[09:30] "


async def test_consultation_mode_marks_questions_and_offers_follow_up(make_app, store):
    with_questions(store, "Do you agree with the stage?", "Any trials?", "How soon?")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_pane(pilot)
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        assert not screen.has_class("-folded")  # wide enough for the questions
        await pilot.press(*"Intro", "alt+m")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("w")  # answered
        await pilot.pause()
        await pilot.press(*"Yes, stage II")
        await pilot.press("alt+down", "f8", "a")  # the second: asked
        await pilot.pause()
        screen.save_pending_edits()
        visit = only(store)
        assert [q.state for q in visit.questions] == ["answered", "asked", "open"]
        assert visit.note == ("Intro\n\nQ1 (answered): Do you agree with the stage?\n"
                              "A: Yes, stage II\n\nQ2 (asked): Any trials?\nA: ")
        assert visit.questions[0].answer == "Yes, stage II"
        # Marking again rewrites the marker and puts the cursor after the answer.
        await pilot.press("alt+up", "alt+m", "d")
        await pilot.pause()
        await pilot.press(*" (later)")
        screen.save_pending_edits()
        visit = only(store)
        assert "Q1 (deferred): Do you agree" in visit.note
        assert visit.questions[0].answer == "Yes, stage II (later)"
        await pilot.press("f5")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        assert dialog.dialog_title == "3 questions not answered yet"
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen.query_one(NotesPane), NotesPane)
        visit = only(store)
        assert [q.follow_up for q in visit.questions] == [True, True, True]


async def test_letters_typed_into_the_mark_question_are_named_not_lost_silently(make_app,
                                                                                store):
    with_questions(store, "Do you agree with the stage?")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("f5", *"Intro", "alt+m")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        await pilot.press(*"Yes st")  # typing on without looking at the screen
        await pilot.pause()
        assert app.screen is dialog  # no letter of these picks an answer...
        warnings = [n.message for n in app._notifications]
        assert len(warnings) == 1  # ...and the user is told once, in words
        assert "Not typed" in warnings[0] and "a, w, d or o" in warnings[0]
        await pilot.press("w")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog)


async def test_consultation_mode_folds_at_80_columns(make_app, store):
    with_questions(store, "One?")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("alt+c")
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("-folded")
        await pilot.press("f4")
        await pilot.pause()
        assert not screen.has_class("-folded")
        await pilot.press("alt+f", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape", "n")
        await pilot.pause()
        assert not isinstance(app.screen, (ConsultationScreen, ChoiceDialog))
        assert only(store).questions[0].follow_up is False


async def test_question_picker_and_top_three(make_app, store):
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("alt+q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NotesQuestionsDialog)
        await pilot.press("space", "down", "t", "down", "t", "down", "t", "down", "t")
        await pilot.pause()
        assert sum(i.top for i in dialog.agenda) == 3  # the fourth was refused
        await pilot.press("a", *"Can my sister come?", "enter", "space")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        visit = only(store)
        assert len(visit.questions) == 4
        assert [q.top for q in visit.questions[:3]] == [True, True, True]
        assert "Can my sister come?" not in [q.text for q in visit.questions]  # unpicked
        assert any(q.question_id.startswith("diagnosis.") for q in visit.questions)


async def test_editor_round_trip_with_fake_editor(make_app, store, tmp_path, monkeypatch):
    seen = tmp_path / "seen"
    script = tmp_path / "fake-editor.sh"
    script.write_text(f'#!/bin/sh\nstat -c %a "$1" > {seen}\necho "$1" >> {seen}\n'
                      'printf "\\nadded in the editor\\n" >> "$1"\n')
    script.chmod(0o700)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter", *"typed here", "alt+e")
        await pilot.pause()
        assert only(store).note == "typed here\nadded in the editor\n"
        assert pane.editor.text == "typed here\nadded in the editor\n"
    mode, where = seen.read_text().split()
    assert mode == "600"
    assert Path(where).parent == store.paths.data_dir
    assert not Path(where).exists()


async def test_copy_sends_osc52(make_app, store):
    visit = new_consultation(store, title="Visit")
    core.save_note(store, visit.doc_id, "to copy")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("alt+y")
        await pilot.pause()
        assert app.clipboard == "to copy"
        assert any("clipboard" in n.message for n in app._notifications)


async def test_export_from_the_app_refuses_to_overwrite(make_app, store, tmp_path):
    visit = new_consultation(store, title="Visit")
    core.save_note(store, visit.doc_id, "the note \x1b[31m")
    target = tmp_path / "out.txt"
    target.write_text("precious")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("alt+x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NotesExportDialog)
        assert "secondop-notes-2026-11-20.txt" in dialog.query_one(Input).value
        dialog.query_one(Input).value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")  # keep it
        await pilot.pause()
        assert target.read_text() == "precious"
        await pilot.press("ctrl+s", "r")
        await pilot.pause()
        text = target.read_text()
        assert "Visit" in text and "\\e[31m" in text and "\x1b" not in text
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert any(str(target) in n.message for n in app._notifications)


async def test_bad_input_huge_paste_and_controls(make_app, store):
    new_consultation(store, title="\x1b[2J\x07")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter")
        pane.editor.insert("x" * 1_000_000 + "\x1b[31m\x00")
        pane.save_pending_edits()
        await pilot.pause()
        assert len(only(store).note) == 1_000_000 + 6


async def test_restart_keeps_everything(data_dir):
    store = WorkbookStore.open(data_dir)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("n", *"Visit", "enter")
        await pilot.pause()
        await pilot.press(*"every word")
        await pilot.press("ctrl+q")
        await pilot.pause()
    store.close()
    again = WorkbookStore.open(data_dir)
    try:
        assert only(again).note == "every word"
    finally:
        again.close()


async def test_read_only_store_cannot_be_edited(data_dir, store):
    new_consultation(store, title="Kept")
    core.save_note(store, only(store).doc_id, "old")
    store.flush()
    ro = WorkbookStore.open(data_dir, read_only=True)
    app = SecondOpinionApp(store=ro, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert pane.editor.read_only
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, NotesNewDialog)
    assert len(core.list_consultations(ro)) == 1


def test_notes_pane_snapshot(snap_compare, store):
    add_doctor(store, Doctor(name="Dr Ana Ruiz", degree="MD"))
    visit = new_consultation(store, title="Second opinion", doctor_id=1)
    set_questions(store, visit.doc_id, [AgendaItem("Do you agree with the stage?", top=True,
                                                   state="answered"), AgendaItem("Trials?")])
    core.save_note(store, visit.doc_id, "[09:30] Arrived, met the nurse.\n\n"
                   "Q1 (answered): Do you agree with the stage?\nA: Yes.")
    from datetime import date

    new_consultation(store, title="Call with my oncologist", day=date(2026, 11, 2))
    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, run_before=settled("4"), terminal_size=(80, 24))


async def test_one_key_per_state_in_consultation_mode(make_app, store):
    with_questions(store, "One?", "Two?")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        await pilot.press("alt+w", *"yes", "alt+j", "f9", "alt+k", "f2", "alt+x")
        await pilot.pause()
        screen.save_pending_edits()
        visit = only(store)
        assert [q.state for q in visit.questions] == ["asked", "deferred"]
        assert visit.note.startswith("Q1 (asked): One?\nA: yes\n\nQ2 (deferred): Two?\nA: ")
        assert "x" not in visit.note.replace("Next", "")  # alt+x is not typed as text


async def test_brackets_in_user_text_are_not_markup(make_app, store):
    new_consultation(store, title="[b]not bold[/b] [x]")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        prompt = pane.option_list.get_option_at_index(0).prompt
        assert "[b]not bold[/b] [x]" in str(prompt)
        await pilot.press("alt+q")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert str(options.get_option_at_index(1).prompt).startswith("[x] ")


async def test_quit_right_after_typing_keeps_the_words(data_dir):
    store = WorkbookStore.open(data_dir)
    new_consultation(store, title="Visit")
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("enter", *"last words")
        await pilot.press("ctrl+q")
    store.close()  # as the command does after the app returns
    again = WorkbookStore.open(data_dir)
    try:
        assert only(again).note == "last words"
    finally:
        again.close()


async def test_reload_from_disk_shows_the_file(make_app, store):
    visit = new_consultation(store, title="Visit")
    core.save_note(store, visit.doc_id, "mine")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        core.save_note(store, visit.doc_id, "theirs")
        pane.on_workbook_reloaded()
        await pilot.pause()
        assert pane.editor.text == "theirs"
        assert not pane.editor.commit_text()


async def test_change_title_date_and_doctor_of_a_consultation(make_app, store):
    doctor_id = add_doctor(store, Doctor(name="Dr Lee"))
    visit = new_consultation(store, title="Frist visit")
    save_note(store, visit.doc_id, "every word stays")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        pane.option_list.focus()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, NotesNewDialog)
        title = app.screen.query_one("#notes-new-title")
        assert title.value == "Frist visit"
        title.value = "First visit"
        date_input = app.screen.query_one("#notes-new-date")
        assert date_input.value == "Fri 20 Nov 2026"  # shown as the app shows dates
        date_input.value = "31 Nov 2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NotesNewDialog)  # a bad date keeps the dialog open
        assert "not a real date" in str(app.screen.query_one("#notes-new-error").render())
        date_input.value = "3 Dec 2026"
        await pilot.press("tab", "down", "ctrl+s")
        await pilot.pause()
        changed = only(store)
        assert (changed.title, changed.date, changed.doctor_id) == (
            "First visit", "2026-12-03", doctor_id)
        assert changed.note == "every word stays"


async def test_delete_a_consultation_after_confirming(make_app, store):
    new_consultation(store, title="Keep me")
    gone = new_consultation(store, title="Delete me", day=date(2026, 11, 21))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert pane.current.doc_id == gone.doc_id  # newest first
        pane.option_list.focus()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("n")  # kept
        await pilot.pause()
        assert len(list_consultations(store)) == 2
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [c.title for c in list_consultations(store)] == ["Keep me"]
        assert pane.current.title == "Keep me"
        assert pane.editor.consultation_id == pane.current.doc_id


async def test_letters_typed_in_the_note_never_run_pane_keys(make_app, store):
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        pane.editor.focus()
        await pilot.press(*"edn", "delete", "backspace")
        await pilot.pause()
        assert app.screen is pane.screen  # no dialog opened
        assert pane.editor.text == "ed"


async def test_header_says_saving_only_when_a_note_save_is_slow(make_app, store, monkeypatch):
    """Typing saves twice a second: the Header must not flicker to "saving…" at each
    save (a repaint each time costs the typist frames), but a save still running a
    second later is shown, and "saved" comes back when it ends."""
    import threading

    with_questions(store, "Is it operable?")
    app = make_app()
    # Whether the store was still being saved each time the second's timer looked. On a
    # busy machine even a small save can take that long, and then "saving…" is right.
    slow_saves: list[bool] = []
    show_slow_save = app._show_slow_save
    app._show_slow_save = lambda: (slow_saves.append(store.dirty), show_slow_save())[1]
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter")
        seen: list[str] = []
        app.watch(app, "sub_title", lambda title: seen.append(title), init=False)

        await pilot.press(*"fast")
        await wait_until(pilot, lambda: only(store).note == "fast" and not store.dirty,
                         "the note saved")
        if not any(slow_saves):
            assert not any(title.startswith("saving") for title in seen), seen

        release = threading.Event()
        real_flush = store.flush
        monkeypatch.setattr(store, "flush", lambda **kw: (release.wait(60), real_flush(**kw))[1])
        await pilot.press(*" slow")
        # The save is held: a second after the key the Header says "saving…".
        await wait_until(pilot, lambda: app.sub_title.startswith("saving…"),
                         "the Header says saving…", workers=False)
        release.set()
        await wait_until(pilot, lambda: app.sub_title.startswith("saved"),
                         "the Header back to saved")
        assert only(store).note == "fast slow" and not store.dirty
        assert pane.editor.text == "fast slow"


@pytest.mark.loaded
async def test_enter_then_words_in_one_burst_go_into_the_note(make_app, store):
    """enter moves from the list to the note; the words that arrive with it must follow
    it there (the d of "dear" used to open the delete question in the list)."""
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert app.focused is pane.option_list
        post_burst(app, "enter", *"dear doctor")
        await burst_handled(pilot)
        await wait_until(pilot, lambda: pane.editor.text == "dear doctor", "the words in the note")
        assert app.screen is pane.screen  # no dialog opened
        assert app.focused is pane.editor
        assert pane.editor.text == "dear doctor"


async def test_a_note_is_continued_at_its_end(make_app, store):
    visit = new_consultation(store, title="Visit")
    save_note(store, visit.doc_id, "first line\nsecond line")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("enter", *" more")
        await pilot.pause()
        assert pane.editor.text == "first line\nsecond line more"
        await pilot.press("ctrl+home", *"top ", "ctrl+end", *"!")
        assert pane.editor.text == "top first line\nsecond line more!"
