"""The timeline: diagnosis, consultations, reports, appointments and start-by dates in order.

Warnings are words with a symbol (never colour alone); a line marks today. The same
warnings reach the Header, so they are seen from every pane.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core import clock
from secondop_tui.core import timeline as core
from secondop_tui.core.dates import format_date
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.workbook_app import follow_reloads

KIND_WORDS = {
    core.DIAGNOSIS: "diagnosis",
    core.CONSULTATION: "consultation",
    core.REPORT: "report",
    core.APPOINTMENT: "appointment",
    core.START_BY: "start by",
}
DATE_WIDTH = 16  # "Wed 30 Sep 2026" and a space
KIND_WIDTH = 15  # "⚑ consultation" and a space


def event_text(event: core.TimelineEvent) -> Table:
    """One event: date, kind in words with its symbol, what it is; a warning below it."""
    kind = f"{event.symbol} {KIND_WORDS.get(event.kind, event.kind.replace('_', ' '))}"
    what = Text(event.label)  # the user's words, already one safe line
    if event.warning:
        what.append(f"\n{core.WARNING} {event.warning}", style="bold")
    grid = Table.grid()
    # Long labels wrap under themselves, clear of the date and kind columns.
    grid.add_column(width=DATE_WIDTH)
    grid.add_column(width=KIND_WIDTH)
    grid.add_column(ratio=1)
    grid.add_row(Text(format_date(event.day), style="bold"), Text(kind), what)
    return grid


class TimelineScreen(DismissOnce[None]):
    """Everything dated, oldest first, with the timing warnings on top. Escape closes."""

    DEFAULT_CSS = """
    TimelineScreen #timeline-heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    TimelineScreen #timeline-warnings {
        height: auto;
        padding: 0 1;
        text-style: bold;
        border-bottom: solid $warning;
    }
    TimelineScreen #timeline-warnings.-none {
        text-style: none;
        color: $text-muted;
        border-bottom: solid $primary;
    }
    TimelineScreen #timeline-events {
        height: 1fr;
        border: none;
        padding: 0 0 0 1;
    }
    TimelineScreen #timeline-events:focus {
        border: none;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="timeline.close"),
        Binding("d", "edit_profile", "Diagnosis date", id="timeline.profile"),
        Binding("alt+d", "edit_profile", "Diagnosis and medications", show=False,
                id="timeline.profile.alt"),
        Binding("x", "export", "Export", id="timeline.export"),
        Binding("alt+x", "export", "Export the timeline", show=False,
                id="timeline.export.alt"),
    ]

    def __init__(self, store) -> None:
        super().__init__()
        self.store = store
        self.events: list[core.TimelineEvent] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-heading", markup=False)
        yield Static("", id="timeline-warnings", markup=False)
        yield OptionList(id="timeline-events")
        yield Footer()

    def on_mount(self) -> None:
        follow_reloads(self, self.on_workbook_reloaded)
        self.reload()
        self.query_one("#timeline-events", OptionList).focus()

    def reload(self) -> None:
        today = clock.today()
        self.events = core.timeline(self.store, today)
        warnings = core.timing_warnings(self.store, today, self.events)
        self.query_one("#timeline-heading", Static).update(
            f"Timeline · {len(self.events)} dated event{'s' if len(self.events) != 1 else ''}"
            f" · today is {format_date(today)}")
        box = self.query_one("#timeline-warnings", Static)
        box.set_class(not warnings, "-none")
        box.update("\n".join(f"{core.WARNING} {w}." for w in warnings) if warnings else
                   "✓ No appointment or awaited report falls after a start-by date.")
        options = self.query_one("#timeline-events", OptionList)
        options.clear_options()
        if not self.events:
            options.add_option(Option(
                "Nothing dated yet. Press d to enter the date of diagnosis; consultations, "
                "appointments (in the Doctors pane) and opinions' start-by dates join "
                "here.", disabled=True))
            return
        marker = Option(Text(f"── today, {format_date(today)} ──"), disabled=True,
                        id="today")
        placed = False
        highlight = None
        for i, event in enumerate(self.events):
            if not placed and event.day > today:
                options.add_option(marker)
                placed = True
                highlight = i
            options.add_option(Option(event_text(event)))
        if not placed:
            options.add_option(marker)
        # Start at the first event after today: what is coming matters most.
        options.highlighted = (highlight + 1) if highlight is not None else len(self.events) - 1
        options.scroll_to_highlight()

    def action_edit_profile(self) -> None:
        # deferred: start-up speed, as in export_timeline
        from secondop_tui.ui.dialogs.profile_dialog import edit_profile

        edit_profile(self.app, then=lambda _: self.reload())

    def action_export(self) -> None:
        export_timeline(self.app)

    def on_workbook_reloaded(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)


def show_timeline(app) -> None:
    app.push_screen(TimelineScreen(app.store))


def export_timeline(app) -> None:
    # deferred: start-up speed (the export form loads when first opened)
    from secondop_tui.core.export import export
    from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog

    store = app.store
    app.push_screen(ExportTextDialog("Export the timeline", "secondop-timeline",
                                     lambda fmt: export(store, "timeline", fmt)))
