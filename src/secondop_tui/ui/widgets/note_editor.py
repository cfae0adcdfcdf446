"""The note of one consultation, typed in the Notes pane and in consultation mode."""

from __future__ import annotations

from textual.binding import Binding
from textual.events import Blur, Key
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import TextArea

from secondop_tui.core import notes as core
from secondop_tui.core.glossary import Glossary, Term
from secondop_tui.ui.textual_internals import text_area_on_key
from secondop_tui.ui.workbook_app import workbook_app

SAVE_DELAY = 0.5  # seconds: typed text reaches the store at most this long after a key


class NoteEditor(TextArea):
    """The note of one consultation. It saves itself shortly after the last keystroke.

    The store is updated on this thread (cheap: the data is in memory) and the app
    writes it to disk on a worker thread, so typing never waits for the disk.
    """

    BINDINGS = [
        # TextArea has no keys for the ends of the whole note.
        Binding("ctrl+end", "note_end", "End of the note", show=False, id="note.end"),
        Binding("ctrl+home", "note_start", "Start of the note", show=False,
                id="note.start"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         id=id)
        self.consultation_id: int | None = None
        self.saved_text = ""
        self.binding_owner: Widget | Screen | None = None
        self.routed_actions: dict[str, str] = {}
        self._timer: Timer | None = None
        # Set when the pane hands over an empty note to write in: an enter pressed
        # first then is the "start writing" key, not a blank first line.
        self.enter_starts_writing = False

    @property
    def store(self):
        return workbook_app(self).store

    def load(self, consultation: core.Consultation | None) -> None:
        """Show a consultation's note (after saving the one shown before)."""
        self.commit_text()
        self.consultation_id = consultation.doc_id if consultation else None
        self.saved_text = consultation.note if consultation else ""
        self.load_text(self.saved_text)
        # A note is read top to bottom and continued at its end.
        self.move_cursor(self.document.end)
        self.read_only = consultation is None or self.store is None or self.store.read_only

    def route_keys(self, owner: Widget | Screen, keep: tuple[str, ...] = ()) -> None:
        """Run ``owner``'s bindings (except the ``keep`` keys) from this editor.

        A binding normally runs only after its key has bubbled back to the app (or,
        with priority, before the keys typed just ahead of it reach the editor); either
        way a timestamp typed in a burst of text lands in the wrong place. Run here,
        the action happens in order with the typing.

        A routed key also wins over TextArea's own binding for it: in the Notes pane F6
        and F7 open the opinion form and the comparison, where TextArea would select the
        line and everything (tests/test_note_editor_keys.py).
        """
        self.binding_owner = owner
        self.routed_actions = {key.strip(): binding.action
                            for binding in owner.BINDINGS  # type: ignore[union-attr]
                            if isinstance(binding, Binding)
                            for key in binding.key.split(",")
                            if key.strip() not in keep and _routable(key.strip())}

    def start_writing(self) -> None:
        """Focus the note to write in it (from the list, or a consultation just made).

        Either way the user may press enter first to start writing, as the list asks:
        in an empty note that enter types nothing."""
        self.enter_starts_writing = True
        self.focus()

    async def _on_key(self, event: Key) -> None:
        if self.enter_starts_writing:
            self.enter_starts_writing = False
            if event.key == "enter" and not self.text:
                event.stop()
                event.prevent_default()
                return
        action = self.routed_actions.get(event.key)
        if action is not None and self.binding_owner is not None:
            event.stop()
            event.prevent_default()
            await self.binding_owner.run_action(action)
            return
        # A terminal sends alt+letter as ESC and the letter; the letter must not be typed
        # into the note when no binding wanted the key.
        if event.key.startswith("alt+"):
            return
        await text_area_on_key(self, event)

    def glossary_term_at_cursor(self, glossary: Glossary) -> Term | None:
        """The glossary term at or just before the cursor, on the cursor's line."""
        row, column = self.cursor_location
        return glossary.term_at(self.document.get_line(row), column)

    def action_note_end(self) -> None:
        self.move_cursor(self.document.end)

    def action_note_start(self) -> None:
        self.move_cursor((0, 0))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._timer is not None:
            # Already due: restarting it on every key would hold a fast typist's words
            # back until they paused, and a crash (kill -9) in that time loses them all.
            # (Checked first: comparing the whole note at every key is not needed then.)
            return
        if self.consultation_id is None or self.text == self.saved_text:
            return
        self._timer = self.set_timer(SAVE_DELAY, self.commit_text)

    def on_blur(self, event: Blur) -> None:
        self.enter_starts_writing = False
        self.commit_text()

    def on_unmount(self) -> None:
        # Leaving (quit, or the consultation screen closing): whoever closes the store
        # afterwards writes it, if the app is too far gone to start a save itself.
        self.commit_text()

    def commit_text(self) -> bool:
        """Put the text into the store now (the app saves every change to the store).

        True if the text had changed."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        store = self.store
        if self.consultation_id is None or store is None or store.read_only:
            return False
        text = self.text
        if text == self.saved_text:
            return False
        try:
            core.save_note(store, self.consultation_id, text)
        except PermissionError:
            return False
        self.saved_text = text
        return True

    def insert_timestamp(self) -> None:
        """Start a new line with the current time, ``[09:30] ``."""
        row, column = self.cursor_location
        prefix = "\n" if column > 0 else ""
        self.insert(prefix + core.timestamp_line())


def _routable(key: str) -> bool:
    """Only keys that type nothing (ctrl+…, alt+…, F-keys) may run an action from the
    editor: a letter, space, delete or enter always edits the note."""
    return "+" in key or (key.startswith("f") and key[1:].isdigit())
