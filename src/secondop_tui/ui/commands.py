"""Command palette: search everything, and the commands for opinions, timing and exports.

:class:`WorkbookSearchProvider` finds guidance sections, checklist items, doctors,
consultations and opinions by their words, and glossary terms by their names; enter
jumps to the hit (a term opens the glossary on it). The index is built
on the first search and rebuilt after the workbook changed. :func:`workbook_commands`
lists the palette's commands for opinions, timing and exports; what each opens comes
with its form or screen, which the panes' keys open too. The visit pack is the
palette's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from rich.text import Text
from textual.command import Hit, Hits, Provider
from textual.app import App
from textual.markup import escape

from secondop_tui.ui.panes import Pane
from secondop_tui.ui.workbook_app import WorkbookApp
from secondop_tui.ui.workbook_screen import WorkbookScreen

if TYPE_CHECKING:
    from secondop_tui.core.search import Hit as SearchHit
    from secondop_tui.core.search import SearchIndex

P = TypeVar("P", bound=Pane)

SEARCH_LIMIT = 30
# Palette commands score well above 1 when their words match; content hits stay below
# them, in the index's own order, so a typed command name is never pushed down the list.
TOP_SCORE = 0.99

KIND_WORDS = {"guidance": "guidance section", "checklist": "checklist item",
              "doctor": "doctor", "consultation": "consultation", "opinion": "opinion",
              "glossary": "glossary term"}


class WorkbookSearch:
    """The app's search index, built when first needed and rebuilt after a change."""

    def __init__(self) -> None:
        self.index: SearchIndex | None = None
        self.version = -1

    def get(self, app: WorkbookApp) -> "SearchIndex | None":
        # deferred: start-up speed (this module is imported with the app; the index is
        # built at the first search)
        from secondop_tui.core.search import SearchIndex

        if app.store is None:
            return None
        if self.index is None or self.index.store is not app.store:
            self.index = SearchIndex(app.store)
        elif self.version != app.workbook_version:
            self.index.refresh()
        self.version = app.workbook_version
        return self.index


@runtime_checkable
class SearchableApp(WorkbookApp, Protocol):
    """The workbook app with its search index."""

    workbook_search: WorkbookSearch


class WorkbookSearchProvider(Provider):
    """Search everything in the workbook from the command palette."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, SearchableApp) or not isinstance(self.screen, WorkbookScreen):
            return
        index = app.workbook_search.get(app)
        if index is None or len(query.strip()) < 2:
            return
        hits = index.search(query, limit=SEARCH_LIMIT)
        for rank, hit in enumerate(hits):
            # Title and snippet are the user's text: shown as plain Text, and the help
            # line (read as markup by the palette) escaped.
            yield Hit(TOP_SCORE - rank / 1000, Text(hit.title), partial(jump_to, app, hit),
                      text=hit.title,
                      help=escape(f"{KIND_WORDS.get(hit.kind, hit.kind)} · {hit.snippet}"))


# Jumping to a hit ---------------------------------------------------------------------------
async def jump_to(app: App, hit: "SearchHit") -> None:
    """Show the pane (or form) where a search hit lives, with the hit selected; a
    glossary term opens the glossary on it."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.ui.dialogs.glossary_dialog import show_glossary
    from secondop_tui.ui.dialogs.opinion_dialog import edit_opinion
    from secondop_tui.ui.panes.checklist import ChecklistPane
    from secondop_tui.ui.panes.doctors import DoctorsPane
    from secondop_tui.ui.panes.guidance import GuidancePane
    from secondop_tui.ui.panes.notes import NotesPane

    screen = app.screen
    if not isinstance(screen, WorkbookScreen):
        return
    kind, target = hit.target[0], hit.target[1]
    if kind == "glossary":
        show_glossary(app, term_id=target)
    elif kind == "guidance":
        guidance = await show_pane(screen, GuidancePane)
        when_ready(guidance, lambda: guidance.go_to_section(target))
    elif kind == "checklist":
        checklist = await show_pane(screen, ChecklistPane)
        checklist.show_item(target)
    elif kind == "doctor":
        doctors = await show_pane(screen, DoctorsPane)
        doctors.reload(select=target)
        if doctors.current_id() == target:
            doctors.action_view_doctor()
        else:
            app.notify("That doctor is hidden by the filter: escape in the table clears it.",
                       timeout=6)
    elif kind in ("consultation", "opinion"):
        notes = await show_pane(screen, NotesPane)
        notes.reload(select=target)
        notes.option_list.focus()
        if kind == "opinion":
            edit_opinion(app, target)


async def show_pane(screen: WorkbookScreen, kind: type[P]) -> P:
    """Show a pane of the workbook screen, and hand it over as what it is."""
    await screen.action_show_pane(kind.pane_id)
    pane = await screen.ensure_pane(kind.pane_id)
    assert isinstance(pane, kind)
    return pane


def when_ready(pane, callback: Callable[[], object], tries: int = 500) -> None:
    """Run ``callback`` once the pane says it is ready (the guidance mounts in stages),
    looking every 20 ms for up to ten seconds: a busy machine mounts the 23 sections of
    the guidance in several seconds."""
    if getattr(pane, "ready", True) or tries <= 0:
        callback()
    else:
        pane.set_timer(0.02, lambda: when_ready(pane, callback, tries - 1))


# Visit pack -----------------------------------------------------------------------------------
def visit_pack(app) -> None:
    """Choose a doctor, then write the one-page visit pack for them to a file."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core.doctors import list_doctors
    from secondop_tui.ui.dialogs.pick_dialog import PickDialog

    doctors = [d for d in list_doctors(app.store) if d.doc_id is not None]
    if not doctors:
        app.notify("Add the doctor in the Doctors pane first (key 3, then a).",
                   title="Visit pack", timeout=8)
        return

    def chosen(doctor) -> None:
        if doctor is not None:
            write_visit_pack(app, doctor)

    app.push_screen(PickDialog(
        "Visit pack: for which doctor?",
        "A one-page summary to bring along: your diagnosis so far, the timeline, your "
        "records and their state, medications, and the top questions for this visit.",
        [(d.display_name, d) for d in doctors]), chosen)


def write_visit_pack(app, doctor) -> None:
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core.export import VISIT_PACK, export
    from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog, file_stem

    store = app.store
    app.push_screen(ExportTextDialog(
        f"Visit pack for {doctor.display_name}", file_stem("secondop-visit-pack",
                                                          doctor.name),
        lambda fmt: export(store, VISIT_PACK, fmt, doctor=doctor.name),
        hint="The web page prints on one sheet of A4 or Letter, with boxes to tick."))


# Calendar and contacts ------------------------------------------------------------------------
def export_calendar(app) -> None:
    """Write every appointment and start-by date, with reminders, to an .ics file."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core.export import CALENDAR, ICS, export
    from secondop_tui.core.ics import local_zone
    from secondop_tui.ui.dialogs.export_text_dialog import CALENDAR as FORMATS
    from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog

    store = app.store
    zone = local_zone()
    where = (f"Times in {zone.name}." if not zone.note else
             "Times in UTC: the name of this computer's time zone could not be found.")
    app.push_screen(ExportTextDialog(
        "Export calendar", "secondop-calendar", lambda fmt: export(store, CALENDAR, ICS),
        formats=FORMATS,
        hint="Every appointment and start-by date, each with a reminder the day before "
             f"(and two hours before an appointment), for a phone's or computer's "
             f"calendar. Importing a newer file updates the events. {where}"))


def export_contacts(app) -> None:
    """Write every doctor as a vCard 4.0 contact to a .vcf file."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core.export import CONTACTS, VCARD, export
    from secondop_tui.ui.dialogs.export_text_dialog import CONTACTS as FORMATS
    from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog

    store = app.store
    app.push_screen(ExportTextDialog(
        "Export doctors to contacts", "secondop-doctors",
        lambda fmt: export(store, CONTACTS, VCARD), formats=FORMATS,
        hint="Every doctor as a contact card (vCard 4.0) for an address book: name, "
             "degree, role, hospital, phone and fax, address, web site, and the "
             "credentials in the note."))


def import_contacts(app) -> None:
    """Pick a contacts file, see who would be added, then add them (see
    :func:`add_imported_doctors`)."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.ui.dialogs.contacts_import_dialog import ContactsImportDialog

    if app.store.read_only:
        app.notify("This workbook is open read-only: no doctors can be added.",
                   title="Import doctors", severity="warning", timeout=8)
        return
    app.push_screen(ContactsImportDialog(app.store))


async def add_imported_doctors(app, plan, source) -> None:
    """Add the doctors an import dialog confirmed, and show them in the Doctors pane."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core.contacts import add_planned
    from secondop_tui.core.text import escape_controls
    from secondop_tui.ui.panes.doctors import DoctorsPane

    if app.store is None or app.store.read_only:
        return
    ids = add_planned(app.store, plan)
    count = len(ids)
    app.notify(f"Added {count} doctor{'s' if count != 1 else ''} from "
               f"{escape_controls(source.name)}.", title="Import doctors", timeout=8,
               markup=False)
    screen = app.screen
    if ids and isinstance(screen, WorkbookScreen):
        doctors = await show_pane(screen, DoctorsPane)
        doctors.reload(select=ids[0])


def workbook_commands(app, notes_pane=None) -> Iterable[tuple[str, str, Callable[[], object]]]:
    """(title, help, callback) for the palette while the workbook screen is shown."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.ui.dialogs.glossary_dialog import show_glossary
    from secondop_tui.ui.dialogs.profile_dialog import edit_profile
    from secondop_tui.ui.screens.compare_screen import compare_opinions, export_comparison
    from secondop_tui.ui.screens.timeline_screen import show_timeline

    store = app.store
    if store is None:
        return
    if notes_pane is not None and notes_pane.current is not None:
        yield ("Opinion: edit for this consultation",
               "What the doctor concluded at the selected consultation (alt+o or F6)",
               notes_pane.action_edit_opinion)
    yield ("Compare opinions", "Two to four opinions side by side, differences marked "
           "(alt+m or F7 in Notes)", partial(compare_opinions, app))
    yield ("Timeline", "Diagnosis, visits, reports and start-by dates in order "
           "(alt+l or ctrl+l in Notes)", partial(show_timeline, app))
    yield ("Profile: diagnosis and medications", "What a new doctor should know first",
           partial(edit_profile, app))
    yield ("Glossary: look up a term", "Plain meanings of the words the guidance, "
           "checklist and questions use (alt+g)", partial(show_glossary, app))
    yield ("Export comparison", "Write the comparison of opinions to a text, Markdown or "
           "web page file", partial(export_comparison, app))
    yield ("Visit pack for a doctor", "Write a one-page summary to bring to a doctor",
           partial(visit_pack, app))
    yield ("Export calendar", "Appointments and start-by dates, with reminders, for a "
           "phone's or computer's calendar (.ics)", partial(export_calendar, app))
    yield ("Export doctors to contacts", "Every doctor as a contact card for an address "
           "book (.vcf)", partial(export_contacts, app))
    if not store.read_only:
        yield ("Import doctors from contacts", "Add doctors from an address book's "
               "contacts file (.vcf), after seeing who would be added",
               partial(import_contacts, app))
    yield ("Sync now", "Fetch the shared workbook, merge it with this one, save and push "
           "(secondop-tui sync)", partial(sync_now, app))
    yield ("Conflicts", "Edits made on two machines to the same thing: keep this, that or "
           "both", partial(show_conflicts, app))
    settings = app.sync_settings()
    if settings is not None:
        for key, moment in (("at_start", "start"), ("at_quit", "quit")):
            on = getattr(settings, key)
            yield (f"Sync at {moment}: {'off' if on else 'on'}",
                   f"{'Stop syncing' if on else 'Sync'} each time the app {moment}s "
                   f"(now {'on' if on else 'off'})",
                   partial(app.set_sync_setting, key, not on))


# Sync -------------------------------------------------------------------------------------------
def sync_now(app, when: str = "", then: Callable[[], object] | None = None) -> None:
    """Fetch, merge, save and push the shared workbook (the palette's "Sync now"), in
    a dialog that covers the screen until it is done; ``then`` runs after it closes."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core import sync
    from secondop_tui.ui.dialogs.sync_dialog import SyncDialog

    store = app.store
    if store is None or store.read_only:
        app.notify("This workbook is open read-only here: it cannot be synced.",
                   title="Sync", severity="warning")
        if then is not None:
            then()
        return
    if not sync.is_set_up(store.paths.data_dir):
        app.notify("This workbook is not synced yet. In a terminal: secondop-tui sync "
                   "setup REMOTE (a folder such as a USB stick, or user@host:path over "
                   "SSH); see the README's Sync section.", title="Sync", timeout=12)
        if then is not None:
            then()
        return
    result = app.save_now()
    if not result.ok:
        app.notify("Save the workbook first (ctrl+s): " + result.message, title="Sync",
                   severity="error")
        return

    def done(report) -> None:
        if report is not None and report.changed_here:
            app.show_reloaded_workbook()
        app.refresh_sync_note()
        if then is not None:
            then()

    app.push_screen(SyncDialog(store, when=when), done)


def show_conflicts(app) -> None:
    """The open sync conflicts: pick one, then keep this version, that one, or both."""
    # deferred: start-up speed (this module is imported with the app)
    from secondop_tui.core import conflicts
    from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
    from secondop_tui.ui.dialogs.pick_dialog import PickDialog

    store = app.store
    if store is None:
        return
    found = conflicts.open_conflicts(store)
    if not found:
        app.notify("No open conflicts: every edit made on both machines merged cleanly.",
                   title="Conflicts", timeout=5)
        return

    def resolve(conflict, answer: str | None) -> None:
        if answer in (None, "cancel"):
            show_conflicts(app)
            return
        try:
            conflicts.resolve(store, conflict, answer)
        except (PermissionError, OSError) as error:
            app.notify(str(error), title="Conflicts", severity="error")
            return
        app.show_reloaded_workbook()
        app.refresh_sync_note()
        app.notify("Resolved. The next sync shares it.", title="Conflicts", timeout=4)
        if conflicts.open_conflicts(store):
            show_conflicts(app)

    def chosen(conflict) -> None:
        if conflict is None:
            return
        if store.read_only:
            app.notify(conflicts.READ_ONLY, title="Conflicts", severity="warning")
            return
        lines = [conflicts.describe(store, conflict) + "."]
        if conflict.kind == "field":
            lines.append(f"\nIn place now (from {conflict.kept_by}): "
                         f"{conflicts.shown_value(conflict.kept, 300)}")
            lines.append(f"The other (from {conflict.other_by}): "
                         f"{conflicts.shown_value(conflict.other, 300)}")
        elif conflict.kind == "text":
            lines.append("\nBoth versions are in the text, between lines that start with "
                         "\"=== Sync conflict\" and name the machine of each. Edit it by "
                         "hand, or choose here.")
        keys = iter("tob")
        options = [Choice(next(keys), label, value, "primary" if value == conflicts.THIS
                          else "default")
                   for value, label in conflicts.choices(conflict)]
        options.append(Choice("c", "Not now", "cancel"))
        app.push_screen(ChoiceDialog("Resolve a conflict", "\n".join(lines), options,
                                     cancel="cancel"),
                        lambda answer: resolve(conflict, answer))

    app.push_screen(PickDialog(
        f"Conflicts: {len(found)} open",
        "Edits made on two machines to the same thing. Each version is kept until you "
        "choose.",
        [(conflicts.describe(store, c), c) for c in found]), chosen)
