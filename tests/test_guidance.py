"""The guidance: every fact-sheet topic covered, contents, search, position, checklist links."""

from __future__ import annotations

import pytest

from secondop_tui.core.checklist import Checklist, load_defaults
from secondop_tui.core.guidance import find_matches, load_guidance, parse_section
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.panes.checklist import ChecklistPane
from secondop_tui.ui.panes.guidance import (ChecklistLink, GuidanceBlock, GuidanceContentsScreen,
                                            GuidancePane, block_number)
from tests.helpers import run_from_palette, wait_until

PANE_CSS = ["panes/guidance.tcss", "panes/checklist.tcss"]

# Section 1 of the fact sheet: topic -> (guidance section id, words the section must use).
TOPICS = {
    "what a second opinion is": ("what-it-is", ["second opinion", "ordinary", "changes",
                                                "change the diagnosis"]),
    "when it helps": ("when-it-helps", ["rare", "several options", "clinical trial",
                                        "insurance"]),
    "after diagnosis": ("after-diagnosis", ["confirm", "type", "stage", "other treatments"]),
    "before treatment": ("before-treatment", ["rare", "clinical trial"]),
    "timing": ("timing", ["how soon", "leukemia", "lymphoma"]),
    "paying": ("paying", ["Medicare Part B", "third opinion", "20%", "Medicare Advantage",
                          "network", "Good Faith Estimate"]),
    "telling your doctor": ("telling-your-doctor", ["most doctors", "practice"]),
    "finding a doctor": ("finding-a-doctor", [
        "current doctor", "insurer's directory", "hospitals", "NCI-designated", "NCCN",
        "National Clinical Trials Network", "American Board of Medical Specialties",
        "American Medical Association", "American College of Surgeons",
        "Friends and family", "advocates", "Remote"]),
    "kinds of oncologist": ("kinds-of-oncologist", [
        "Medical oncologist", "Surgical oncologist", "Radiation oncologist", "ematologist",
        "ynecologic oncologist", "ediatric oncologist", "athologist", "adiologist"]),
    "checking credentials": ("checking-credentials", [
        "board", "residency", "fellowship", "hospital", "trial", "license"]),
    "records": ("records", ["slides", "image files", "blood", "pathology"]),
    "during the consultation": ("during-the-consultation", ["notes", "recording", "ask"]),
    "deciding": ("deciding", ["first doctor", "talk", "third opinion"]),
    "more information": ("more-information", [
        "https://www.cancer.org", "Seeking a Second Opinion", "newly diagnosed",
        "choosing a doctor", "questions to ask the doctor", "making decisions",
        "https://www.cancer.gov", "Finding Cancer Care",
        "https://www.certificationmatters.org", "1-800-4-CANCER"]),
}

# The topics the first version lacked, each a section of its own.
NEW_TOPICS = {
    "safety while waiting": ("safety-while-waiting", ["call", "Do not cancel", "fertility"]),
    "costs beyond insurance": ("costs-beyond-insurance", [
        "financial counselors", "navigator", "pathologist", "radiologist", "travel",
        "lodging", "Time off"]),
    "a helper": ("someone-helping", ["nobody's permission", "HIPAA", "written request"]),
    "remote opinions": ("remote-opinions", ["insurance", "license", "cannot examine you",
                                            "What to send"]),
    "children": ("children-and-young-adults", ["children's cancer center",
                                               "Children's Oncology Group"]),
    "pathology-only review": ("pathology-review", ["lends", "goes back to the first lab",
                                                   "fee", "how long"]),
    "language and access": ("language-and-access", ["free", "qualified interpreter",
                                                    "when you book"]),
    "opinions differ": ("when-opinions-differ", ["reasons", "tumor board",
                                                 "NCCN Guidelines for Patients",
                                                 "first doctor"]),
    "clinical trials": ("clinical-trials", ["Cancer Information Service",
                                            "1-800-4-CANCER", "https://www.cancer.gov"]),
    "portals": ("records", ["patient portal", "electronic copies", "Download"]),
}


@pytest.fixture(autouse=True)
def _pane_css(monkeypatch):
    """Load the panes' stylesheets whether or not the app lists them yet."""
    paths = SecondOpinionApp.CSS_PATH
    paths = [paths] if isinstance(paths, str) else list(paths or [])
    monkeypatch.setattr(SecondOpinionApp, "CSS_PATH",
                        paths + [p for p in PANE_CSS if p not in paths])


def test_every_fact_sheet_topic_has_a_guidance_section():
    sections = {s.id: s for s in load_guidance()}
    assert len(TOPICS) == 14
    assert len(sections) == 23
    assert [s.number for s in load_guidance()] == list(range(1, 24))
    for topic, (section_id, words) in {**TOPICS, **NEW_TOPICS}.items():
        assert section_id in sections, topic
        text = sections[section_id].plain_text().lower()
        for word in words:
            assert word.lower() in text, f"{topic}: {word!r} missing from {section_id}"


def test_checklist_markers_point_at_default_items_and_are_never_shown():
    defaults = load_defaults()
    ids = {item.id for g in defaults.groups for item in g.items}
    linked = set()
    for section in load_guidance():
        assert "<!--" not in section.plain_text()
        linked.update(section.checklist_ids)
    # A link to a retired item goes to the item that replaced it.
    assert linked and {defaults.current_id(item_id) for item_id in linked} <= ids


def test_the_steps_added_in_the_second_default_set_are_linked_from_their_sections():
    defaults = load_defaults()
    retired = {r.id for change in defaults.changes for r in change.retired}
    by_section = {s.id: set(s.checklist_ids) for s in load_guidance()}
    expected = {
        "safety-while-waiting": {"waiting.safety", "waiting.keep-booked", "waiting.fertility"},
        "records": {"records.portal-first", "records.confirm-arrived"},
        "someone-helping": {"helper.permission"},
        "pathology-review": {"records.pathology-review"},
        "language-and-access": {"booking.interpreter"},
        "remote-opinions": {"booking.virtual-check"},
        "costs-beyond-insurance": {"costs.counsellor"},
        "checking-credentials": {"finding.license"},
        "during-the-consultation": {"booking.ask-needs", "visit.plain-words"},
    }
    for section_id, item_ids in expected.items():
        assert item_ids <= by_section[section_id], section_id
    linked = set().union(*by_section.values())
    assert retired >= {"records.carry-copies", "insurance.call-log"}
    assert not linked & retired, "a link to a retired step"


def test_not_medical_advice_is_said_in_the_guidance_itself():
    text = " ".join(s.plain_text() for s in load_guidance()).lower()
    assert "not medical advice" in text


def test_parse_section_blocks():
    section = parse_section("# Title\n\nOne *two*\nthree.\n<!-- checklist: a.b -->\n\n"
                            "## Sub\n- item **bold**\n", 3, "x")
    assert section.title == "Title"
    assert [b.kind for b in section.blocks] == ["title", "paragraph", "checklist", "heading",
                                                "bullet"]
    assert section.blocks[1].text == "One *two* three."
    assert find_matches([section], "TWO THREE") == [(0, 1, 4, 13)]


async def _open(app, pilot):
    """Wait until the guidance is fully mounted and the reading position restored."""
    await pilot.pause()
    pane = app.screen.query_one(GuidancePane)
    await wait_until(pilot, lambda: pane.ready, "the guidance mounted and its position restored")
    return pane


async def test_reading_keys_contents_and_sections(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        assert app.focused is pane.reader
        await pilot.press("space")
        await pilot.pause()
        assert pane.reader.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert pane.current_section() == len(pane.sections) - 1
        await pilot.press("home")
        await pilot.pause()
        assert pane.reader.scroll_y == 0
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, GuidanceContentsScreen)
        await pilot.press(*["down"] * 6, "enter")
        await pilot.pause()
        assert pane.current_section() == 6
        assert "7/23 Covering the cost" in str(pane.query_one("#guidance-status").render())
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert pane.current_section() == 7
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert pane.current_section() == 6


async def test_search_next_and_previous(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"medicare", "enter")
        await pilot.pause()
        count = len(pane.matches)
        assert count >= 3 and pane.match_index == 0
        assert app.focused is pane.reader
        section, block, _, _ = pane.matches[0]
        shown = pane.query_one(f"#block-{section}-{block}", GuidanceBlock)
        assert str(shown.render()).startswith("▶")
        await pilot.press("n")
        assert pane.match_index == 1
        await pilot.press("p", "p")
        assert pane.match_index == count - 1
        assert f"Match {count} of {count}" in str(pane.query_one("#guidance-status").render())
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("ctrl+a", *"zzqqxx", "enter")  # not in the text: a message, no crash
        await pilot.pause()
        assert pane.matches == []


async def test_search_starts_at_the_view_and_wraps_round(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        matches = find_matches(pane.sections, "slides")
        records = pane.sections.index(next(s for s in pane.sections if s.id == "records"))
        first_here = next(i for i, m in enumerate(matches) if m[0] >= records)
        assert first_here > 0  # earlier sections mention slides too
        pane.go_to_section(records)  # section 11, "Gathering your records"
        await pilot.pause()
        await pilot.press("slash", *"slides", "enter")
        await pilot.pause()
        assert pane.match_index == first_here
        assert pane.current_section() == records
        await pilot.press("n")
        assert pane.match_index == first_here + 1
        await pilot.press("p", "p")
        assert pane.match_index == first_here - 1  # back before where the reader was
        # From the last section, where nothing mentions slides, it wraps to the first.
        assert all(m[0] < len(pane.sections) - 1 for m in matches)
        pane.go_to_section(len(pane.sections) - 1)
        await pilot.pause()
        await pilot.press("slash", "enter")  # the search field keeps "slides"
        await pilot.pause()
        assert pane.match_index == 0
        assert f"Match 1 of {len(matches)}" in str(
            pane.query_one("#guidance-status").render())


def noted_section(store) -> str | None:
    """The section of the reading position noted in the workbook."""
    return (store.get_setting("guidance.position") or {}).get("section")


async def test_reading_position_survives_a_restart(make_app, store, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        credentials = next(i for i, s in enumerate(pane.sections)
                           if s.id == "checking-credentials")
        pane.go_to_section(credentials)
        # The position is noted twice a second.
        await wait_until(pilot, lambda: noted_section(store) == "checking-credentials",
                         "the reading position noted")
        await pilot.press("2")  # another pane shown: the position is left alone
        await wait_until(pilot, lambda: not pane.reader.region.area, "the guidance hidden")
        pane.remember_position()  # what the timer does twice a second
        assert noted_section(store) == "checking-credentials"
        await pilot.press("ctrl+q")
    store.close()
    reopened = WorkbookStore.open(data_dir)
    try:
        app = SecondOpinionApp(store=reopened, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await _open(app, pilot)
            # The scroll lands on a following frame.
            await wait_until(pilot, lambda: pane.sections[pane.current_section()].id
                             == "checking-credentials", "the guidance back at its section")
    finally:
        reopened.close()


async def test_c_jumps_to_the_checklist_item_and_brings_back_a_deleted_one(make_app, store):
    Checklist(store).delete_item("insurance.self-pay")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"Good Faith Estimate of", "enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        checklist_pane = app.screen.query_one(ChecklistPane)
        assert app.screen.query_one("#panes").active == "checklist"
        assert checklist_pane.current() == ("item", "insurance.self-pay")
        assert not Checklist(store).item("insurance.self-pay").deleted
        assert app.focused is checklist_pane.options
        # Back in the guidance, the link now says the step is on the checklist.
        await pilot.press("1")
        await pilot.pause()
        link = pane.link_in_view()
        assert link is not None and link.item_id == "insurance.self-pay"
        assert "On your checklist" in str(link.render())


async def test_an_item_brought_back_by_c_is_not_offered_for_undo_again(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        app.screen.query_one(ChecklistPane).show_item("insurance.self-pay")
        await pilot.press("x")  # deleted, with "Press u to undo"
        await pilot.pause()
        assert Checklist(store).item("insurance.self-pay").deleted
        await pilot.press("1", "slash")
        await pilot.pause()
        await pilot.press(*"Good Faith Estimate of", "enter")
        await pilot.pause()
        await pilot.press("c")  # brought back from the guidance
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert not any("undo" in message for message in messages), messages
        assert any("back to your checklist" in message for message in messages)
        await pilot.press("u")
        await pilot.pause()
        assert "Nothing to undo." in [n.message for n in app._notifications]
        assert not Checklist(store).item("insurance.self-pay").deleted


async def test_links_are_focusable_with_tab_and_enter_opens_them(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        pane.go_to_section(4)  # timing: "ask how soon treatment must start"
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        focused = app.focused
        assert focused is not None and focused.has_class("guidance-checklist")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(ChecklistPane).current() == ("item", focused.item_id)


async def test_palette_finds_the_guidance_pane_by_name(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await run_from_palette(pilot, "Guidance: contents")
        await wait_until(pilot, lambda: isinstance(app.screen, GuidanceContentsScreen),
                         "the guidance contents shown")


async def test_the_palette_offers_this_paragraphs_checklist_item_only_in_the_guidance(
        make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        wanted = "Guidance: go to the checklist item for this paragraph"

        def titles() -> list[str]:
            return [command.title for command in app.get_system_commands(app.screen)]

        assert wanted in titles() and "Guidance: contents" in titles()
        await pilot.press("2")
        await pilot.pause()
        assert wanted not in titles() and "Guidance: contents" in titles()


def test_guidance_pane_snapshot(snap_compare, store):
    Checklist(store).toggle("before.reasons")

    async def run_before(pilot):
        pane = await _open(pilot.app, pilot)
        pane.go_to_section(1)
        # The reading position is noted, then saved, so the header settles on "saved".
        await wait_until(pilot, lambda: noted_section(store) == pane.sections[1].id,
                         "the reading position noted")
        pilot.app.save_now()
        await pilot.pause()

    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_guidance_sources_snapshot(snap_compare, store):
    """The end of the first section: its last words and the pages they were checked
    against, with the dates."""

    async def run_before(pilot):
        pane = await _open(pilot.app, pilot)
        heading = next(w for w in pane.query(GuidanceBlock)
                       if w.section == 0 and w.block.kind == "sources")
        pane.reader.scroll_to_widget(heading, top=True, animate=False)
        # The scroll lands on a following frame; then the reading position is noted.
        await wait_until(pilot, lambda: heading.region.y <= pane.reader.region.y + 1
                         and pane.reader.scroll_y > 0, "the sources at the top")
        pilot.app.save_now()
        await pilot.pause()

    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_c_takes_the_step_on_screen_not_an_old_search_match(make_app):
    """A search match the reader has moved away from (by the contents) must not choose
    the checklist step: c takes the step on screen."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        await pilot.press("slash", *"second opinion", "enter")
        await pilot.pause()
        target = next(i for i, s in enumerate(pane.sections) if s.id == "telling-your-doctor")
        # A match with a checklist step after it in its own section, before the target
        # section (whose first checklist step is on its first screen).
        links = [(link.section, block_number(link)) for link in pane.query(ChecklistLink)]
        chosen = next(i for i, (s, b, _, _) in enumerate(pane.matches)
                      if s < target and any(ls == s and lb > b for ls, lb in links))
        for _ in range(chosen - pane.match_index):
            await pilot.press("n")
        assert pane.match_index == chosen
        pane.go_to_section(target)
        await pilot.pause()
        link = pane.link_in_view()
        assert link is not None and link.section == target, (link and link.item_id)


async def test_each_section_shows_its_sources_and_the_palette_exports_them(make_app,
                                                                          tmp_path):
    from textual.widgets import Input

    from secondop_tui.core.guidance import render_guidance
    from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        shown = [w for w in pane.query(GuidanceBlock) if w.section == 0]
        kinds = [w.block.kind for w in shown]
        assert kinds[-3:] == ["sources", "source", "source"]
        assert all(w.has_class(f"guidance-{w.block.kind}") for w in shown[-3:])
        assert "(checked 2026-" in shown[-1].block.text
        titles = [title for title, _, _ in pane.palette_commands()]
        assert "Guidance: export" in titles
        target = tmp_path / "guidance.md"
        await run_from_palette(pilot, "Guidance: export")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportTextDialog),
                         "the export dialog")
        dialog = app.screen
        assert isinstance(dialog, ExportTextDialog)
        assert "secondop-guidance-2026-11-20.txt" in dialog.query_one("#export-path",
                                                                     Input).value
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text() == render_guidance("text")
