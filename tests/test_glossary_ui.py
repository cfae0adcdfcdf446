"""The glossary from the keyboard: g (or alt+g) on a checklist item or a question, w (or
alt+g) in the guidance, alt+g and the palette anywhere; F1 lists the keys."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from secondop_tui.core.glossary import load_glossary
from secondop_tui.core.notes import new_consultation
from secondop_tui.ui.dialogs.glossary_dialog import GlossaryDialog
from secondop_tui.ui.dialogs.notes_questions_dialog import NotesQuestionsDialog
from secondop_tui.ui.help_screen import describe_bindings
from secondop_tui.ui.panes.checklist import ChecklistPane
from secondop_tui.ui.panes.guidance import GuidancePane


def listed(dialog: GlossaryDialog) -> list[str]:
    """The prompts of the dialog's list, as plain text."""
    options = dialog.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)]


async def open_checklist_at(app, pilot, item_id: str) -> ChecklistPane:
    await pilot.pause()
    await pilot.press("2")
    await pilot.pause()
    pane = app.screen.query_one(ChecklistPane)
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
        markers = load_glossary().get("tumor-markers")
        assert rows[1] == f"Tumor markers: {markers.definition}"
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
        for _ in range(100):
            if pane.ready:
                break
            await pilot.pause(0.05)
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
