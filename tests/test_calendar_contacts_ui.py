"""The palette's calendar and contacts commands, and the web page to print, in the app."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from secondop_tui.core.doctors import Doctor, add_doctor, list_doctors
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.contacts_import_dialog import ContactsImportDialog
from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog
from secondop_tui.ui.dialogs.pick_dialog import PickDialog
from secondop_tui.ui.panes.doctors import DoctorsPane
from tests.helpers import palette_search, seed_opinions, wait_until

DATA = Path(__file__).parent / "data" / "contacts"


async def open_from_palette(pilot, title: str, kind: type):
    prompts = await palette_search(pilot, title)
    assert prompts and title in prompts[0], prompts
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), f"{title} open")
    return pilot.app.screen


async def test_export_calendar_from_the_palette(make_app, store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    seed_opinions(store, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_from_palette(pilot, "Export calendar", ExportTextDialog)
        path = dialog.query_one("#export-path", Input).value
        assert path == str(tmp_path / "secondop-calendar-2026-11-20.ics")
        assert "reminder the day before" in str(dialog.query(Static)[1].render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportTextDialog),
                         "the calendar written")
    text = Path(path).read_text(encoding="utf-8")
    assert text.count("BEGIN:VEVENT") == 2 and "BEGIN:VALARM" in text
    assert (Path(path).stat().st_mode & 0o777) == 0o600


async def test_export_doctors_to_contacts_from_the_palette(make_app, store, tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    add_doctor(store, Doctor(name="Dr Ana Ruiz", degree="MD", phone="555 0100"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_from_palette(pilot, "Export doctors to contacts",
                                         ExportTextDialog)
        path = dialog.query_one("#export-path", Input).value
        assert path.endswith(".vcf")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportTextDialog),
                         "the contacts written")
    text = Path(path).read_text(encoding="utf-8")
    assert "FN:Dr Ana Ruiz\\, MD" in text and "VERSION:4.0" in text


async def test_the_visit_pack_as_a_web_page(make_app, store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    seed_opinions(store, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_palette(pilot, "Visit pack for a doctor", PickDialog)
        await pilot.press("enter")  # Dr Ana Ames
        await wait_until(pilot, lambda: isinstance(app.screen, ExportTextDialog),
                         "the export dialog")
        dialog = app.screen
        await pilot.press("right", "right")  # text, Markdown, then the web page
        path = dialog.query_one("#export-path", Input).value
        assert path.endswith("secondop-visit-pack-dr-ana-ames-2026-11-20.html")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportTextDialog),
                         "the page written")
    html = Path(path).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="part-visit-pack"' in html
    assert "<title>Visit pack for Dr Ana Ames</title>" in html


async def test_import_doctors_from_contacts(make_app, store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    add_doctor(store, Doctor(name="Ana Ruiz", phone="+1 617 555 0100"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_from_palette(pilot, "Import doctors from contacts",
                                         ContactsImportDialog)
        field = dialog.query_one("#contacts-path", Input)
        assert field.value == str(tmp_path) + "/"  # no .vcf file in the home folder
        field.value = str(DATA / "google-contacts.vcf")
        await pilot.press("ctrl+s")  # reads first: nothing is added unseen
        plan = dialog.query_one("#contacts-plan", Static)
        await wait_until(pilot, lambda: "1 doctor to add:" in str(plan.render()),
                         "the preview")
        shown = str(plan.render())
        assert "+ Noor Haddad" in shown
        assert "Ana Ruiz, MD: already in the workbook as Ana Ruiz" in shown
        assert "(no name): card 3 has no name" in shown
        assert [d.name for d in list_doctors(store)] == ["Ana Ruiz"]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(list_doctors(store)) == 2, "the doctor added")
        pane = app.screen.query_one(DoctorsPane)
        await wait_until(pilot, lambda: pane.current_id() == list_doctors(store)[1].doc_id,
                         "the new doctor selected in the Doctors pane")
        assert any("Added 1 doctor from google-contacts.vcf" in n.message
                   for n in app._notifications)


async def test_a_broken_contacts_file_adds_nothing(make_app, store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "phone.vcf").write_bytes((DATA / "broken-truncated.vcf").read_bytes())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_from_palette(pilot, "Import doctors from contacts",
                                         ContactsImportDialog)
        field = dialog.query_one("#contacts-path", Input)
        assert field.value == str(tmp_path / "phone.vcf")  # the one found is offered
        await pilot.press("enter")
        problem = dialog.query_one("#contacts-problem", Static)
        await wait_until(pilot, lambda: "never closed" in str(problem.render()),
                         "the problem shown")
        assert "Nothing was added." in str(problem.render())
        await pilot.press("ctrl+s")  # tries to read again; still nothing
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ContactsImportDialog),
                         "the dialog closed")
    assert list_doctors(store) == []


async def test_a_read_only_workbook_offers_no_import(data_dir, store):
    store.close()
    read_only = WorkbookStore.open(data_dir, read_only=True)
    app = SecondOpinionApp(store=read_only, watch_signals=False, read_only=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            prompts = await palette_search(pilot, "Import doctors from contacts")
            assert not any(p.startswith("Import doctors from contacts") for p in prompts)
    finally:
        read_only.close()
