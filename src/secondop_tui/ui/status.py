"""The Header's status: the save state, and short notes beside it (the next appointment,
a timing warning), fitted to the width of the terminal.

:class:`StatusApp` sits on :class:`.saving.SavingApp`, whose save state it shows.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content

from secondop_tui.ui.saving import SavingApp
from secondop_tui.ui.workbook_screen import SaveWarning

# The Header's icon and the space on its right (4 cells each, see app.tcss): the rest
# is the title.
HEADER_SIDES = 8


def fit_status(parts: list[tuple[str, ...]], width: int) -> str:
    """The Header's status line: each part in its longest form that lets the line fit.

    ``parts`` are (the save state, the notes...), each a tuple of forms, longest first.
    The notes are shortened first, then the state. What still does not fit is cut at its
    end by the Header, so the last part should be the one whose end matters least.
    """
    chosen = [0] * len(parts)

    def line() -> str:
        return " · ".join(forms[i] for forms, i in zip(parts, chosen))

    for n in [*range(1, len(parts)), 0]:
        while cell_len(line()) > width and chosen[n] < len(parts[n]) - 1:
            chosen[n] += 1
    return line()


class StatusApp(SavingApp):
    """An app whose Header says whether the workbook is saved, with notes beside it."""

    def __init__(self) -> None:
        super().__init__()
        # Short notes shown in the Header beside the save state, by topic (for example
        # "appointment": the next appointment), so they are visible from every pane.
        # Each is a tuple of forms, longest first (empty: no note); see refresh_status.
        # A timing warning comes first: it is rare, and it matters most.
        self.header_notes: dict[str, tuple[str, ...]] = {"timing": ()}
        self._header_without_name = False

    def refresh_status(self) -> None:
        store = self.store
        if store is None:
            return
        state: tuple[str, ...]
        if store.read_only:
            state = ("READ-ONLY: changes are not saved", "READ-ONLY")
        elif self.save_failure or self.conflict_waiting:
            state = ("NOT SAVED",)
        else:
            state = ("saved",) if not store.dirty else ("saving…",)
        notes = [forms for forms in self.header_notes.values() if forms]
        width = self.size.width - HEADER_SIDES
        line = fit_status([state, *notes], width) if notes else state[0]
        # The app's name goes first when the notes need its room (see format_title).
        self._header_without_name = cell_len(f"{self.title} — {line}") > width
        self.sub_title = line
        try:
            warning = self.screen.query_one("#save-warning", SaveWarning)
        except Exception:
            return
        text = self.save_warning()
        # Only when it changes: an update lays the screen out again, and this runs at
        # every save, which would cost a fast typist a frame twice a second.
        if text != warning.shown_text:
            warning.shown_text = text
            warning.update(text)
        warning.set_class(bool(text), "-visible")

    def refresh_timing_note(self) -> bool:
        """Put the first timing warning (an appointment or an awaited report after a
        start-by date) in the Header, with how many more the timeline lists. True when
        it changed (the Header was then refreshed)."""
        if self.store is None:
            return False
        # deferred: start-up speed (this runs only after the first frame)
        from secondop_tui.core.timeline import header_note, timeline

        note = header_note(timeline(self.store))
        if self.header_notes.get("timing") == note:
            return False
        self.header_notes["timing"] = note
        self.refresh_status()
        return True

    def format_title(self, title: str, sub_title: str) -> Content:
        if self._header_without_name and title == self.title:
            return Content(sub_title)
        return super().format_title(title, sub_title)
