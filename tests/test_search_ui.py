"""Search everything from the command palette, jumping to each kind of hit, and the visit
pack command. Assertions on the widgets and the store."""

from __future__ import annotations

from textual.widgets import Input

from secondop_tui.core import notes
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.guidance import load_guidance
from secondop_tui.core.search import Hit
from secondop_tui.ui.commands import jump_to
from secondop_tui.ui.dialogs.doctor_detail_dialog import DoctorDetailDialog
from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog
from secondop_tui.ui.dialogs.opinion_dialog import OpinionDialog
from secondop_tui.ui.dialogs.pick_dialog import PickDialog
from secondop_tui.ui.panes.checklist import ChecklistPane
from secondop_tui.ui.panes.doctors import DoctorsPane
from secondop_tui.ui.panes.guidance import GuidancePane
from secondop_tui.ui.panes.notes import NotesPane
from tests.helpers import palette_search, seed_opinions, wait_until


async def test_search_finds_records_and_enter_jumps_to_the_consultation(make_app, store):
    seed_opinions(store, 2)
    visit = notes.new_consultation(store, title="Call with the nurse")
    notes.save_note(store, visit.doc_id, "She mentioned the zebrafish trial.")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        prompts = await palette_search(pilot, "zebrafish")
        assert len(prompts) == 1
        assert "Consultation: Call with the nurse" in prompts[0]
        assert "zebrafish trial" in prompts[0]  # the snippet
        await pilot.press("enter")
        await pilot.pause()
        pane = app.screen.query_one(NotesPane)
        assert app.screen.query_one("#panes").active == "notes"
        assert pane.current.doc_id == visit.doc_id
        assert app.focused is pane.option_list


async def test_the_index_is_rebuilt_after_a_change(make_app, store):
    visit = notes.new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not any("Consultation" in p for p in await palette_search(pilot, "okapi"))
        await pilot.press("escape")
        notes.save_note(store, visit.doc_id, "an okapi appeared")
        app.changed()
        prompts = await palette_search(pilot, "okapi")
        assert any("Consultation: Visit" in p for p in prompts)


async def test_commands_come_before_content_hits(make_app, store):
    seed_opinions(store, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        prompts = await palette_search(pilot, "opinion")
        command = next(i for i, p in enumerate(prompts) if p.startswith("Compare opinions"))
        content = [i for i, p in enumerate(prompts) if p.startswith("Opinion: Mon 2 Nov")]
        assert content and command < content[0]


async def test_jumps_to_guidance_checklist_doctor_and_opinion(make_app, store):
    ids = seed_opinions(store, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        index = app.workbook_search.get(app)
        sections = load_guidance()
        last = len(sections) - 1
        await jump_to(app, Hit("guidance", "Guidance", "", ("guidance", last)))
        # The guidance mounts its sections just after the first frame.
        await wait_until(pilot, lambda: app.screen.query_one(GuidancePane).current_section()
                         == last, "the guidance at its last section")
        assert app.screen.query_one("#panes").active == "guidance"

        item = Checklist(store).groups()[1].items[0]
        [hit] = [h for h in index.search(item.title, limit=50) if h.target[0] == "checklist"
                 and h.target[1] == item.id]
        await jump_to(app, hit)
        await pilot.pause()
        pane = app.screen.query_one(ChecklistPane)
        assert app.screen.query_one("#panes").active == "checklist"
        assert pane.current_item().id == item.id

        [hit] = [h for h in index.search("Ben Brook") if h.kind == "doctor"]
        await jump_to(app, hit)
        await pilot.pause()
        assert isinstance(app.screen, DoctorDetailDialog)
        await pilot.press("escape")
        await pilot.pause()
        doctors = app.screen.query_one(DoctorsPane)
        assert doctors.current_doctor().name == "Dr Ben Brook"

        [hit] = [h for h in index.search("stage III") if h.kind == "opinion"]
        await jump_to(app, hit)
        await pilot.pause()
        assert isinstance(app.screen, OpinionDialog)
        assert app.screen.consultation_id == ids[1]
        assert app.screen.query_one("#f-stage", Input).value == "III"


async def test_visit_pack_for_a_chosen_doctor(make_app, store, tmp_path):
    seed_opinions(store, 2)
    target = tmp_path / "pack.txt"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await palette_search(pilot, "Visit pack for a doctor")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        await pilot.press("down", "enter")  # Dr Ben Brook
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportTextDialog)
        path = dialog.query_one(Input).value
        assert path.endswith("secondop-visit-pack-dr-ben-brook-2026-11-20.txt")
        dialog.query_one(Input).value = str(target)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = target.read_text()
        assert text.startswith("VISIT PACK FOR Dr Ben Brook")
        assert any(str(target) in n.message for n in app._notifications)
