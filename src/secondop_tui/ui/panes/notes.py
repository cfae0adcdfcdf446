"""The Notes pane: consultations, newest first, with the note editor beside them."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core import kept_notes, tables
from secondop_tui.core.conflicts import affected
from secondop_tui.core import notes as core
from secondop_tui.core.dates import show_date
from secondop_tui.core.doctors import get_doctor, list_doctors
from secondop_tui.core.glossary import load_glossary
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.dialogs.glossary_dialog import GlossaryDialog
from secondop_tui.ui.panes.base import EmptyState, Pane
from secondop_tui.ui.screens.consultation_screen import ConsultationScreen
from secondop_tui.ui.widgets.note_editor import NoteEditor
from secondop_tui.ui.widgets.reading import follow_reader, reader_on, words_only


def consultation_label(consultation: core.Consultation, doctors: dict[int, str], *,
                       reader: bool = False) -> str:
    """Its date, title and doctor, a line each (``reader``: one sentence, one line)."""
    when = show_date(consultation.day, "no date")
    who = doctors.get(consultation.doctor_id or -1, "")
    title = consultation.display_title
    if reader:
        return f"{when}: {title}" + (f", with {who}" if who else "")
    if len(title) > 22:
        title = title[:21] + "…"
    return f"{when}\n{title}" + (f"\n{who[:22]}" if who else "")


class NotesPane(Pane):
    """Consultation notes: pick a consultation on the left, type beside it."""


    pane_id = "notes"
    title = "Notes"

    BINDINGS = [
        Binding("n", "new_consultation", "New", id="notes.new"),
        Binding("alt+n", "new_consultation", "New consultation", show=False,
                id="notes.new.alt"),
        Binding("enter", "edit_note", "Write in the note", show=False, id="notes.edit"),
        Binding("f5", "consultation_mode", "Consult", id="notes.consult"),
        Binding("alt+c", "consultation_mode", "Consultation mode", show=False,
                id="notes.consult.alt"),
        Binding("alt+q", "pick_questions", "Questions", id="notes.questions"),
        Binding("f4", "pick_questions", "Questions", show=False,
                id="notes.questions.alt"),
        Binding("ctrl+t", "timestamp", "Insert the time", show=False,
                id="notes.timestamp"),
        Binding("alt+t", "timestamp", "Insert the time", show=False,
                id="notes.timestamp.alt"),
        Binding("alt+e", "external_editor", "Open the note in $EDITOR", show=False,
                id="notes.editor"),
        Binding("f3", "external_editor", "Open the note in $EDITOR", show=False,
                id="notes.editor.alt"),
        Binding("alt+y", "copy_note", "Copy the note to the clipboard", show=False,
                id="notes.copy"),
        Binding("f9", "copy_note", "Copy the note to the clipboard", show=False,
                id="notes.copy.alt"),
        # Not in the Footer, which at 80 columns has room for the pane keys instead;
        # F1 help and the palette ("export") name it.
        Binding("alt+x", "export_notes", "Export", show=False, id="notes.export"),
        Binding("f8", "export_notes", "Export", show=False,
                id="notes.export.alt"),
        # Before the app's alt+g (every term): the word being written comes first.
        Binding("alt+g", "glossary", "Glossary: the word at the cursor", show=False,
                id="notes.glossary"),
        Binding("escape", "back_to_list", "Back to the list", show=False, id="notes.list"),
        Binding("e", "edit_details", "Change title, date or doctor", show=False,
                id="notes.details"),
        Binding("f2", "edit_details", "Change title, date or doctor", show=False,
                id="notes.details.alt"),
        Binding("d", "delete_consultation", "Delete the consultation", show=False,
                id="notes.delete"),
        Binding("delete", "delete_consultation", "Delete the consultation", show=False,
                id="notes.delete.alt"),
        # Opinions, comparison and timeline (keys that type nothing, so they work while
        # writing the note too).
        Binding("alt+o", "edit_opinion", "Opinion given at this consultation", show=False,
                id="notes.opinion"),
        Binding("f6", "edit_opinion", "Opinion given at this consultation", show=False,
                id="notes.opinion.alt"),
        Binding("alt+m", "compare_opinions", "Compare opinions", show=False,
                id="notes.compare"),
        Binding("f7", "compare_opinions", "Compare opinions", show=False,
                id="notes.compare.alt"),
        Binding("alt+l", "show_timeline", "Timeline", show=False, id="notes.timeline"),
        Binding("ctrl+l", "show_timeline", "Timeline", show=False, id="notes.timeline.alt"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.consultations: list[core.Consultation] = []

    # Building -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield EmptyState(
            "[b]No consultations yet.[/b] Press [b]n[/b] to start one: tie it to a doctor "
            "(or to none), pick the questions you want to ask with [b]alt+q[/b], and at "
            "the visit press [b]F5[/b] for consultation mode.",
            id="notes-empty")
        with Horizontal(id="notes-body"):
            yield OptionList(id="notes-list")
            with Vertical(id="notes-main"):
                yield Static("", id="notes-heading", markup=False)
                yield NoteEditor(id="notes-editor")

    def on_mount(self) -> None:
        self.editor.route_keys(self, keep=("n", "enter", "escape"))
        follow_reader(self, lambda _: self.reload())
        self.reload()

    def on_workbook_reloaded(self) -> None:
        editor = self.editor
        if editor._timer is not None:
            editor._timer.stop()
        editor.consultation_id = None  # the reloaded file wins: show it, save nothing over it
        self.reload()

    @property
    def store(self):
        return self.workbook_app.store

    @property
    def editor(self) -> NoteEditor:
        return self.query_one("#notes-editor", NoteEditor)

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#notes-list", OptionList)

    @property
    def current(self) -> core.Consultation | None:
        index = self.option_list.highlighted
        if index is None or not 0 <= index < len(self.consultations):
            return None
        return self.consultations[index]

    def save_pending_edits(self) -> None:
        """Put the editor's text into the store now (before the app saves on pane
        switch, quit or hangup)."""
        self.editor.commit_text()

    def focus_default(self) -> None:
        if self.consultations:
            self.option_list.focus()
        else:
            self.focus()

    def reload(self, select: int | None = None) -> None:
        """Re-read the consultations; keep (or move to) the selected one."""
        store = self.store
        keep = select if select is not None else (self.current.doc_id if self.current else None)
        self.consultations = core.list_consultations(store) if store is not None else []
        doctors = {d.doc_id: one_line(d.name) for d in list_doctors(store)} if store else {}
        options = self.option_list
        options.clear_options()
        # A consultation with an open sync conflict says so (palette "Conflicts").
        marked = affected(store).get(tables.CONSULTATIONS, set()) if store else set()
        reader = reader_on(self)
        flag = "sync conflict: " if reader else "⚠ "
        options.add_options([Option(Text((flag if c.doc_id in marked else "")
                                         + consultation_label(c, doctors, reader=reader)),
                                    id=str(c.doc_id)) for c in self.consultations])
        self.set_class(not self.consultations, "-empty")
        self.post_message(self.SummaryChanged())
        index = next((i for i, c in enumerate(self.consultations) if c.doc_id == keep), 0)
        if self.consultations:
            options.highlighted = index
        self.show_current()

    def summary(self) -> str:
        count = len(self.consultations)
        if not count:
            return "No consultations yet."
        return f"{count} consultation{'s' if count != 1 else ''}, newest first."

    def show_current(self) -> None:
        consultation = self.current
        editor = self.editor
        if consultation is None or consultation.doc_id != editor.consultation_id:
            editor.load(consultation)
        heading = self.heading(consultation)
        self.query_one("#notes-heading", Static).update(
            words_only(heading) if reader_on(self) else heading)

    def heading(self, consultation: core.Consultation | None) -> str:
        if consultation is None:
            return ""
        parts = [show_date(consultation.day, "no date")]
        if consultation.doctor_id is not None:
            doctor = get_doctor(self.store, consultation.doctor_id)
            parts.append(doctor.display_name if doctor else "(doctor removed)")
        count = len(consultation.questions)
        if count:
            answered = count - len(consultation.unanswered())
            parts.append(f"{answered}/{count} answered")
        else:
            parts.append("no questions picked (alt+q)")
        return f"{consultation.display_title}\n" + " · ".join(parts)

    @on(OptionList.OptionHighlighted, "#notes-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_current()

    @on(OptionList.OptionSelected, "#notes-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_edit_note()

    # Helpers ------------------------------------------------------------------------
    def editable(self) -> bool:
        store = self.store
        if store is None or store.read_only:
            self.app.notify(core.READ_ONLY, severity="warning")
            return False
        return True

    def need_current(self) -> core.Consultation | None:
        consultation = self.current
        if consultation is None:
            self.app.notify("No consultation yet: press n to start one.")
        return consultation

    # Actions ------------------------------------------------------------------------
    def action_new_consultation(self, doctor_id: int | None = None) -> None:
        """Ask for the details of a new consultation (with ``doctor_id`` chosen already)."""
        if not self.editable():
            return
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.notes_new_dialog import ConsultationDetails, NotesNewDialog

        def created(result: ConsultationDetails | None) -> None:
            if result is None:
                return
            consultation = core.new_consultation(self.store, title=result.title,
                                                 doctor_id=result.doctor_id, day=result.day)
            self.reload(select=consultation.doc_id)
            self.editor.start_writing()

        self.editor.commit_text()
        self.app.push_screen(NotesNewDialog(list_doctors(self.store), doctor_id=doctor_id),
                             created)

    def action_edit_details(self) -> None:
        consultation = self.need_current()
        if consultation is None or not self.editable():
            return
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.notes_new_dialog import ConsultationDetails, NotesNewDialog

        def changed(result: ConsultationDetails | None) -> None:
            fresh = core.get_consultation(self.store, consultation.doc_id)
            if result is not None and fresh is not None:
                fresh.title = one_line(result.title).strip()
                fresh.doctor_id = result.doctor_id
                fresh.date = result.day.isoformat()
                core.update_consultation(self.store, fresh)
                self.reload(select=fresh.doc_id)
            self.option_list.focus()

        self.editor.commit_text()  # the note is saved first, so the update cannot lose a word
        self.app.push_screen(NotesNewDialog(list_doctors(self.store), consultation), changed)

    def action_delete_consultation(self) -> None:
        consultation = self.need_current()
        if consultation is None or not self.editable():
            return
        self.editor.commit_text()
        fresh = core.get_consultation(self.store, consultation.doc_id) or consultation
        words = len(fresh.note.split())
        when = show_date(fresh.day, "no date")
        dialog = ChoiceDialog(
            f"Delete {fresh.display_title} ({when})?",
            f"Its note ({words} word{'s' if words != 1 else ''}) and its "
            f"{len(fresh.questions)} agenda question"
            f"{'s' if len(fresh.questions) != 1 else ''} go with it. The app keeps dated "
            "backups of the workbook, but this cannot be undone here. Export it first "
            "(alt+x) to keep a copy.\n\ny deletes, n or escape keeps it.",
            [Choice("y", "Delete", "delete", "error"), Choice("n", "Keep", "keep")],
            cancel="keep")

        def answered(answer: str | None) -> None:
            if answer == "delete" and fresh.doc_id is not None:
                index = self.option_list.highlighted or 0
                core.delete_consultation(self.store, fresh.doc_id)
                self.editor.load(None)
                self.reload()
                if self.consultations:
                    self.option_list.highlighted = min(index, len(self.consultations) - 1)
                    self.show_current()
                self.app.notify(f"Deleted {fresh.display_title}.", timeout=3)
            self.option_list.focus()

        self.app.push_screen(dialog, answered)

    def action_edit_note(self) -> None:
        if self.need_current() is not None:
            self.editor.start_writing()

    def action_back_to_list(self) -> None:
        self.editor.commit_text()
        if self.consultations:
            self.option_list.focus()

    def action_glossary(self) -> None:
        """In the note: the glossary on the term at or just before the cursor. In the
        list: the terms the highlighted consultation's note uses. Else every term."""
        glossary = load_glossary()
        editor = self.editor
        if editor.has_focus:
            term = editor.glossary_term_at_cursor(glossary)
            if term is not None:
                self.app.push_screen(GlossaryDialog(glossary=glossary, term_id=term.id))
                return
        elif self.current is not None and glossary.find(editor.text):
            self.app.push_screen(GlossaryDialog(editor.text, "this note", glossary=glossary))
            return
        self.app.push_screen(GlossaryDialog(glossary=glossary))

    def action_timestamp(self) -> None:
        if self.need_current() is None or not self.editable():
            return
        self.editor.focus()
        self.editor.insert_timestamp()

    def action_consultation_mode(self) -> None:
        consultation = self.need_current()
        if consultation is None:
            return
        self.editor.commit_text()
        fresh = core.get_consultation(self.store, consultation.doc_id) or consultation

        def back(_: object) -> None:
            self.editor.consultation_id = None  # re-read what was typed there
            self.reload(select=consultation.doc_id)
            self.editor.focus()

        self.app.push_screen(ConsultationScreen(fresh), back)

    def action_pick_questions(self) -> None:
        consultation = self.need_current()
        if consultation is None or not self.editable():
            return
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.notes_questions_dialog import NotesQuestionsDialog

        self.editor.commit_text()

        def picked(agenda: list[core.AgendaItem] | None) -> None:
            if agenda is None:
                return
            core.set_questions(self.store, consultation.doc_id, agenda)
            self.reload(select=consultation.doc_id)
            self.app.notify(f"{len(agenda)} questions on the agenda for this consultation.",
                            timeout=4)

        fresh = core.get_consultation(self.store, consultation.doc_id) or consultation
        self.app.push_screen(NotesQuestionsDialog(self.store, fresh.questions), picked)

    def action_copy_note(self) -> None:
        if self.need_current() is None:
            return
        text = self.editor.text
        self.app.copy_to_clipboard(text)
        self.app.notify(
            f"Sent the note ({len(text)} characters) to your clipboard through the terminal "
            "(OSC 52). If nothing arrives, your terminal does not allow it: use the export "
            "(alt+x) instead.", title="Copied", timeout=8)

    def action_external_editor(self) -> None:
        consultation = self.need_current()
        if consultation is None or not self.editable():
            return
        self.editor.commit_text()
        # On disk before the app waits for the editor: if the app is killed meanwhile,
        # the next start compares the editor's file with this note (see kept_notes).
        self.workbook_app.save_now()
        before = self.editor.text
        doc_id = consultation.doc_id

        def take_in(edited: str, status: int | None) -> None:
            # Straight into the store: if the connection dropped while the editor was
            # open, the app saves and leaves next, with no time for a question.
            core.save_note(self.store, doc_id, edited)
            self.editor.consultation_id = None  # show the stored note
            self.reload(select=doc_id)
            if status == 0:
                self.app.notify("The note was reloaded from your editor.", timeout=4)
            else:
                self.ask_keep_editor_text(doc_id, before, edited, status)

        edit_in_external_editor(self.app, self.store.paths.data_dir, doc_id, before, take_in,
                                self.store.file_sealer)

    def ask_keep_editor_text(self, doc_id: int, before: str, edited: str,
                             status: int | None) -> None:
        """The editor failed after saving changes, which are in the note now: keep them
        (escape, or a dropped connection), or put the note back as it was."""
        how = "was stopped" if status is None or status < 0 else f"ended with an error ({status})"

        def answered(answer: str | None) -> None:
            fresh = core.get_consultation(self.store, doc_id)
            if answer != "undo" or fresh is None or fresh.note != edited or not self.editable():
                return
            core.save_note(self.store, doc_id, before)
            self.editor.consultation_id = None
            self.reload(select=doc_id)
            self.app.notify("The note is back as it was before the editor.", timeout=4)

        self.app.push_screen(ChoiceDialog(
            "Keep what your editor saved?",
            f"Your editor {how}, but it had saved changes to the note first. They are in "
            "the note now.\n\nk keeps them, u puts the note back as it was before the "
            "editor.",
            [Choice("k", "Keep them", "keep", "primary"),
             Choice("u", "Put the note back", "undo", "warning")], cancel="keep"), answered)

    def action_export_notes(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.notes_export_dialog import NotesExportDialog

        self.editor.commit_text()
        current = self.current
        self.app.push_screen(NotesExportDialog(self.store, current.doc_id if current else None))

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        yield ("Notes: New consultation", "Start the notes of a consultation (n)",
               self.action_new_consultation)
        yield ("Notes: Export notes", "Write the notes to a text or Markdown file (alt+x)",
               self.action_export_notes)
        yield ("Notes: Consultation mode", "The note full screen with its questions (F5)",
               self.action_consultation_mode)
        yield ("Notes: Pick questions", "Choose the questions to ask, mark the top three "
               "(alt+q)", self.action_pick_questions)
        yield ("Notes: Open in $EDITOR", "Edit the note in your own editor (alt+e)",
               self.action_external_editor)
        yield ("Notes: Copy note", "Copy the note to the clipboard through the terminal "
               "(alt+y)", self.action_copy_note)

    def action_edit_opinion(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.opinion_dialog import edit_opinion

        consultation = self.need_current()
        if consultation is not None:
            self.editor.commit_text()
            edit_opinion(self.app, consultation.doc_id)

    def action_compare_opinions(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the view when opened)
        from secondop_tui.ui.screens.compare_screen import compare_opinions

        self.editor.commit_text()
        compare_opinions(self.app)

    def action_show_timeline(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the view when opened)
        from secondop_tui.ui.screens.timeline_screen import show_timeline

        self.editor.commit_text()
        show_timeline(self.app)


def edit_in_external_editor(app, data_dir: Path, consultation_id: int, text: str,
                            take_in: Callable[[str, int | None], object],
                            seal: Callable[[Path], Path] | None = None) -> None:
    """Hand ``text`` to $VISUAL or $EDITOR; pass what it saved to ``take_in``.

    The file lives in the private data folder (never /tmp) with mode 0600; while
    encryption is on (``seal`` given), in a private temp folder of its own instead (in
    memory where the system has one), removed afterwards, so that the note is never
    plain in the data folder; a kept note is then sealed. Whatever the
    editor saved there is the user's text, whatever its exit status (vim ends with 1 when
    the connection drops, after a ``:w``): if it differs from ``text`` it goes to
    ``take_in(edited, status)``. When it cannot (take_in fails, the text is not UTF-8,
    the app is stopped), the file is kept as a kept note (see
    :mod:`secondop_tui.core.kept_notes`); it is removed only when it holds nothing new
    or its text is in the note.
    """
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        folder = data_dir if seal is None else kept_notes.private_edit_folder(data_dir)
        path = kept_notes.edit_file(folder, consultation_id, text)
    except OSError as error:
        app.notify(f"Could not make the file for your editor: {error.strerror or error}.",
                   severity="error", timeout=10, markup=False)
        return
    handed = text.encode("utf-8")
    taken = False
    problem = "the app was interrupted"
    try:
        try:
            argv = [*shlex.split(command), str(path)]
        except ValueError as error:  # unbalanced quotes in EDITOR
            app.notify(f"EDITOR={command!r} cannot be read as a command: {error}.",
                       severity="error", timeout=10, markup=False)
            return
        result: subprocess.CompletedProcess | OSError
        try:
            with app.suspend():
                result = _run_editor(argv, interactive=True)
        except SuspendNotSupported:
            if not app.is_headless:
                app.notify("This terminal cannot hand over to another program.",
                           severity="warning")
                return
            result = _run_editor(argv, interactive=False)
        if isinstance(result, OSError):
            app.notify(f"Could not start {command!r}: {result.strerror or result}. Set EDITOR "
                       "to the editor you use.", severity="error", timeout=10,
                       markup=False)
            return
        status = result.returncode
        try:
            saved = path.read_bytes()
        except FileNotFoundError:
            saved = handed  # the editor removed its file: nothing to take
        except OSError as error:
            problem = f"it cannot be read ({error.strerror or error})"
            return
        if saved == handed:
            if status != 0:
                app.notify(f"The editor ended with an error ({status}) and saved nothing; "
                           "the note was left as it was.", severity="warning", timeout=8)
            else:
                app.notify("Nothing was changed in your editor.", timeout=4)
            return
        try:
            edited = saved.decode("utf-8")
        except UnicodeDecodeError:
            problem = "it is not UTF-8 text (set your editor to save as UTF-8)"
            return  # kept whole, never half-read
        try:
            take_in(edited, status)
        except Exception as error:
            problem = f"the note could not be changed ({error})"
            return
        taken = True
    finally:
        if not taken and kept_notes.holds_changes(path, handed):
            try:
                kept = kept_notes.keep_in(data_dir, path, consultation_id, seal)
            except OSError:
                kept = path
            try:
                app.notify(f"What your editor saved is not in the note: {problem}. It is "
                           f"kept as {kept}; copy what you need from it into the note.",
                           severity="error", timeout=30, markup=False)
            except Exception:
                pass  # the app is going; the next start names the file
        else:
            path.unlink(missing_ok=True)
        if path.parent != data_dir:
            try:
                path.parent.rmdir()  # the private temp folder, once empty
            except OSError:
                pass


def _run_editor(argv: list[str], *, interactive: bool):
    """Run the editor and wait for it: its CompletedProcess, or the OSError that kept it
    from starting.

    While it runs, a hangup or terminate signal is passed on to it (the app may be the
    session's leader, as with ``ssh -t host secondop-tui``, and then the only one told
    the connection dropped), so the editor ends and the app gets on with saving; the
    app's own handler still runs afterwards. ctrl+c is the editor's: it does not stop
    the app waiting for it."""
    quiet = {} if interactive else dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
    try:
        process = subprocess.Popen(argv, **quiet)
    except OSError as error:
        return error

    def pass_on(signum, frame) -> None:
        if signum in (signal.SIGHUP, signal.SIGTERM):
            try:
                process.send_signal(signum)
            except OSError:
                pass

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            try:
                previous[sig] = signal.signal(sig, pass_on)
            except (OSError, ValueError):
                pass
    try:
        returncode = process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    return subprocess.CompletedProcess(argv, returncode)
