"""The glossary from the keyboard: g (or alt+g) on a checklist item or a question, w (or
alt+g) in the guidance, alt+g on the word at the cursor in consultation mode, alt+g and
the palette anywhere, each term findable in the palette; every term shows its source;
F1 lists the keys."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from secondop_tui.core.glossary import load_glossary
from secondop_tui.core.notes import AgendaItem, get_consultation, new_consultation, set_questions
from secondop_tui.ui.dialogs.glossary_dialog import GlossaryDialog
from secondop_tui.ui.dialogs.notes_questions_dialog import NotesQuestionsDialog
from secondop_tui.ui.help_screen import describe_bindings
from secondop_tui.ui.panes.checklist import ChecklistPane
from secondop_tui.ui.panes.guidance import GuidancePane
from secondop_tui.ui.screens.consultation_screen import ConsultationScreen
from tests.helpers import (
    open_notes_pane,
    palette_search,
    run_from_palette,
    screen_text,
    show_pane,
    wait_until,
)


def listed(dialog: GlossaryDialog) -> list[str]:
    """The prompts of the dialog's list, as plain text."""
    options = dialog.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)]


async def open_checklist_at(app, pilot, item_id: str) -> ChecklistPane:
    pane = await show_pane(pilot, "checklist")
    pane.options.highlighted = pane.options.get_option_index(f"item:{item_id}")
    await pilot.pause()
    return pane


async def test_g_on_a_checklist_item_lists_its_terms_with_their_meanings(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist_at(app, pilot, "records.labs")
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GlossaryDialog)
        found = [t.id for t in dialog.found]
        assert found[:2] == ["tumor-markers", "biomarker"]
        rows = listed(dialog)
        assert rows[0] == "— In this checklist item —"
        glossary = load_glossary()
        markers = glossary.get("tumor-markers")
        source = glossary.source_of(markers)
        assert rows[1] == (f"Tumor markers: {markers.definition}\n"
                           f"Source: {source.organisation}, \"{source.title}\"")
        assert "— Every term, A to Z —" in rows
        assert app.focused is dialog.query_one(OptionList)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen.query_one(ChecklistPane), ChecklistPane)
        assert not isinstance(app.screen, GlossaryDialog)
        # alt+g does the same.
        await pilot.press("alt+g")
        await pilot.pause()
        assert isinstance(app.screen, GlossaryDialog)
        assert [t.id for t in app.screen.found][:2] == ["tumor-markers", "biomarker"]


async def test_typing_in_the_glossary_searches_every_term(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist_at(app, pilot, "insurance.self-pay")
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert [t.id for t in dialog.found][:2] == ["good-faith-estimate", "no-surprises-act"]
        await pilot.press("slash", *"medicare adv")
        await pilot.pause()
        assert dialog.query_one(Input).value == "medicare adv"
        assert dialog.shown == ["medicare-advantage"]
        assert listed(dialog)[0] == '— 1 term for "medicare adv" —'
        await pilot.press("down")  # from the search to the list
        await pilot.pause()
        assert app.focused is dialog.query_one(OptionList)


async def test_w_in_the_guidance_lists_the_terms_on_screen(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.screen.query_one(GuidancePane)
        await wait_until(pilot, lambda: pane.ready, "the guidance mounted")
        pane.search("tumor markers")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GlossaryDialog)
        assert dialog.where == "the guidance on screen"
        assert "tumor-markers" in [t.id for t in dialog.found]
        # The search match's paragraph comes first.
        assert listed(dialog)[0] == "— In the guidance on screen —"


async def test_g_on_a_question_lists_its_terms(make_app, store):
    new_consultation(store, title="First visit")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("alt+q")
        await pilot.pause()
        questions = app.screen
        assert isinstance(questions, NotesQuestionsDialog)
        options = questions.query_one(OptionList)
        index = next(i for i, (qid, _) in enumerate(questions.rows)
                     if qid == "diagnosis.agree-type-stage")
        options.highlighted = index
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GlossaryDialog)
        assert [t.id for t in dialog.found] == ["grade", "stage"]
        assert dialog.where == "this question"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is questions


async def test_the_palette_and_help_offer_the_glossary(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist_at(app, pilot, "records.labs")
        keys = dict((description, key) for key, description in describe_bindings(app.screen))
        assert keys["Glossary: words in this item"] == "g / alt+g"
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Glossary: look up a term" in titles
        assert "Glossary: words in this checklist item" in titles
        await pilot.press("1")
        await pilot.pause()
        keys = dict((description, key) for key, description in describe_bindings(app.screen))
        assert keys["Glossary: words on screen"] == "w / alt+g"
        # The palette's command opens the whole glossary, ready to search.
        command = next(c for c in app.get_system_commands(app.screen)
                       if c.title == "Glossary: look up a term")
        command.callback()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GlossaryDialog) and not dialog.found
        assert app.focused is dialog.query_one(Input)
        assert len(dialog.shown) == len(load_glossary().terms)


# Each term's source -------------------------------------------------------------------------
def source_line(term) -> str:
    source = load_glossary().source_of(term)
    return f"Source: {source.organisation}, \"{source.title}\""


async def test_every_term_shows_where_its_meaning_was_checked(make_app):
    glossary = load_glossary()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await run_from_palette(pilot, "Glossary: look up a term")
        await wait_until(pilot, lambda: isinstance(app.screen, GlossaryDialog),
                         "the glossary open")
        dialog = app.screen
        rows = {row.split(":", 1)[0]: row for row in listed(dialog)}
        for term in glossary.terms:
            definition, source = rows[term.term].split("\n")
            assert definition == f"{term.term}: {term.definition}"
            assert source == source_line(term)
        # On screen, below the first term's meaning (A to Z: Biomarker).
        shown = screen_text(app)
        assert "Source: National Cancer Institute, \"NCI Dictionary of Cancer" in shown
        assert shown.index("Biomarker: Something") < shown.index("Source: National")
        # Searching shows the sources too.
        await pilot.press(*"deductible")
        await wait_until(pilot, lambda: dialog.query_one(Input).value == "deductible"
                         and dialog.shown[:1] == ["deductible"], "the search done")
        assert listed(dialog)[1].endswith(source_line(glossary.get("deductible")))
        assert "Source: Medicare.gov" in screen_text(app)


# The palette -----------------------------------------------------------------------------
async def test_the_palette_finds_a_term_and_opens_the_glossary_on_it(make_app):
    glossary = load_glossary()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        prompts = await palette_search(pilot, "biomarker")
        title, help_text = prompts[0].split("\n", 1)  # the first: enter runs it
        assert title == "Glossary: Biomarker"
        assert " ".join(help_text.split()) == (
            f"glossary term · {glossary.get('biomarker').summary}")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GlossaryDialog),
                         "the glossary open")
        dialog = app.screen
        assert dialog.highlighted_term.id == "biomarker"
        assert app.focused is dialog.query_one(OptionList)
        assert len(dialog.shown) == len(glossary.terms)  # every term, A to Z
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, GlossaryDialog),
                         "the glossary closed")
        assert app.screen.query_one(GuidancePane)


async def test_a_term_far_down_the_list_is_shown_at_its_top(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        prompts = await palette_search(pilot, "interpreter")
        assert prompts[0].startswith("Glossary: Interpreter\nglossary term · Someone")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GlossaryDialog),
                         "the glossary open")
        dialog = app.screen
        options = dialog.query_one(OptionList)

        def at_the_top() -> bool:
            lines = screen_text(app).splitlines()
            search = next(i for i, line in enumerate(lines) if "Type to search" in line)
            return "Interpreter: Someone" in "".join(lines[search + 1: search + 3])

        await wait_until(pilot, at_the_top, "Interpreter at the top of the list",
                         state=lambda: screen_text(app))
        assert dialog.highlighted_term.id == "interpreter"
        # Searching, then clearing the search, comes back to it.
        await pilot.press("slash", *"copay")
        await wait_until(pilot, lambda: dialog.shown == ["copay"], "the search done")
        assert dialog.highlighted_term.id == "copay"
        await pilot.press(*["backspace"] * 5)
        await wait_until(pilot, lambda: len(dialog.shown) > 1, "every term again")
        assert dialog.highlighted_term.id == "interpreter"
        assert options.highlighted is not None


async def test_choosing_a_term_from_the_palette_in_another_pane(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_checklist_at(app, pilot, "records.labs")
        prompts = await palette_search(pilot, "tumour markers")  # British spelling
        assert prompts[0].startswith("Glossary: Tumor markers\n")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GlossaryDialog),
                         "the glossary open")
        assert app.screen.highlighted_term.id == "tumor-markers"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, GlossaryDialog),
                         "the glossary closed")
        assert app.screen.active_pane == "checklist"  # still where the user was


# Consultation mode -----------------------------------------------------------------------
async def consultation_mode(app, pilot) -> ConsultationScreen:
    await open_notes_pane(pilot)
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(app.screen, ConsultationScreen),
                     "consultation mode")
    return app.screen


async def alt_g(app, pilot) -> GlossaryDialog:
    await pilot.press("alt+g")
    await wait_until(pilot, lambda: isinstance(app.screen, GlossaryDialog),
                     "the glossary open")
    return app.screen


async def test_alt_g_in_consultation_mode_opens_on_the_term_just_typed(make_app, store):
    visit = new_consultation(store, title="Second opinion")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await consultation_mode(app, pilot)
        await pilot.press(*"Talked about the biopsy and ")
        dialog = await alt_g(app, pilot)
        # The nearest term before the cursor on its line, highlighted; every term listed.
        assert dialog.highlighted_term.id == "biopsy"
        assert not dialog.found and dialog.where == ""
        assert len(dialog.shown) == len(load_glossary().terms)
        assert app.focused is dialog.query_one(OptionList)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back in consultation mode")
        # The typing goes on where it was, nothing typed by the key.
        assert app.focused is screen.editor
        await pilot.press(*"the PET scan")
        screen.save_pending_edits()
        assert get_consultation(store, visit.doc_id).note == (
            "Talked about the biopsy and the PET scan")
        # A cursor inside a term: that term, not the one before it.
        await pilot.press(*["left"] * 2)  # in "scan"
        dialog = await alt_g(app, pilot)
        assert dialog.highlighted_term.id == "pet"


async def test_alt_g_in_consultation_mode_without_a_term_offers_the_question(make_app,
                                                                            store):
    visit = new_consultation(store, title="Second opinion")
    set_questions(store, visit.doc_id, [AgendaItem("Is this the right treatment?"),
                                        AgendaItem("Do you agree with the grade and stage?")])
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await consultation_mode(app, pilot)
        # A term on an earlier line is not "just before" the cursor.
        await pilot.press(*"A biopsy first", "enter", *"Then coffee")
        dialog = await alt_g(app, pilot)
        # The first question uses no glossary word: every term, ready to search.
        assert dialog.term is None and not dialog.found and dialog.where == ""
        assert app.focused is dialog.query_one(Input)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back in consultation mode")
        # The current question does: its words.
        await pilot.press("alt+down")
        dialog = await alt_g(app, pilot)
        assert dialog.where == "this question"
        assert [t.id for t in dialog.found] == ["grade", "stage"]
        assert listed(dialog)[0] == "— In this question —"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back in consultation mode")
        assert app.focused is screen.editor
        screen.save_pending_edits()
        assert get_consultation(store, visit.doc_id).note == "A biopsy first\nThen coffee"


async def test_alt_g_in_the_question_list_explains_the_highlighted_question(make_app,
                                                                           store):
    visit = new_consultation(store, title="Second opinion")
    set_questions(store, visit.doc_id, [AgendaItem("Do you agree with the grade and stage?"),
                                        AgendaItem("Is this the right treatment?")])
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await consultation_mode(app, pilot)
        await pilot.press(*"The biopsy")
        questions = screen.query_one("#consult-questions", OptionList)
        questions.focus()
        await wait_until(pilot, lambda: app.focused is questions, "the questions focused")
        questions.highlighted = 1
        dialog = await alt_g(app, pilot)
        # The question the user is on, not the word in the note: it uses no term.
        assert dialog.where == "this question" and not dialog.found
        assert listed(dialog)[0] == "— No glossary words in this question —"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back in consultation mode")
        questions.highlighted = 0
        dialog = await alt_g(app, pilot)
        assert [t.id for t in dialog.found] == ["grade", "stage"]


async def test_f1_in_consultation_mode_lists_the_glossary_key(make_app, store):
    new_consultation(store, title="Second opinion")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await consultation_mode(app, pilot)
        keys = dict((description, key) for key, description in describe_bindings(screen))
        assert keys["Glossary: the word at the cursor"] == "alt+g"


# The Notes pane ------------------------------------------------------------------------
async def test_alt_g_in_the_notes_pane_opens_on_the_term_at_the_cursor(make_app, store):
    """In the note, the term at or just before the cursor; in the list, the terms the
    highlighted consultation's note uses; escape comes back with nothing typed."""
    visit = new_consultation(store, title="Second opinion")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await open_notes_pane(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.editor.has_focus, "the note has the keys")
        await pilot.press(*"The biopsy showed a low grade and ")
        dialog = await alt_g(app, pilot)
        assert dialog.highlighted_term.id == "grade"
        assert len(dialog.shown) == len(load_glossary().terms)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.focused is pane.editor, "back in the note")
        await pilot.press(*"more.")
        pane.save_pending_edits()
        assert get_consultation(store, visit.doc_id).note == (
            "The biopsy showed a low grade and more.")
        # From the list: the words the note uses, in the order it uses them.
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.focused is pane.option_list, "back in the list")
        dialog = await alt_g(app, pilot)
        assert [term.id for term in dialog.found] == ["biopsy", "grade"]
        assert dialog.where == "this note"
