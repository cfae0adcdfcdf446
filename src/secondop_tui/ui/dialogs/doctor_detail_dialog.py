"""Every field of one doctor, readable at 80x24 (it scrolls)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from secondop_tui.core.doctors import Doctor, doctor_fields
from secondop_tui.core.text import escape_controls
from secondop_tui.ui.dialogs.base import DismissOnce


def doctor_text(doctor: Doctor) -> Table:
    """The doctor as a two-column grid: values wrap beside their labels; no colours."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for i, (section, rows) in enumerate(doctor_fields(doctor)):
        if i:
            grid.add_row("", "")
        grid.add_row(Text(section, style="bold underline"), "")
        for label, value in rows:
            grid.add_row(Text(f"  {label}", style="bold"),
                         Text(escape_controls(value) if value else "—"))
    return grid


class DoctorDetailDialog(DismissOnce[str], ModalScreen[str]):
    """Shows one doctor. Dismisses with ``edit``, ``delete`` or ``close``."""

    DEFAULT_CSS = """
    DoctorDetailDialog {
        align: center middle;
    }
    DoctorDetailDialog > Vertical {
        width: 100%;
        max-width: 100;
        height: 1fr;
        border: thick $primary;
        background: $surface;
    }
    DoctorDetailDialog #doctor-detail-title {
        text-style: bold;
        padding: 0 1;
        background: $primary-muted;
        color: $text;
    }
    DoctorDetailDialog #doctor-detail-scroll {
        height: 1fr;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="doctor-detail.close"),
        Binding("q", "close", "Close", show=False, id="doctor-detail.close.q"),
        Binding("e", "edit", "Edit", id="doctor-detail.edit"),
        Binding("d", "delete", "Delete", show=False, id="doctor-detail.delete"),
    ]

    def __init__(self, doctor: Doctor, *, editable: bool = True) -> None:
        super().__init__()
        self.doctor = doctor
        self.editable = editable

    def compose(self) -> ComposeResult:
        verified, total = self.doctor.verified_count()
        with Vertical():
            yield Static(f"{self.doctor.display_name} · {self.doctor.status} · "
                         f"credentials verified {verified}/{total}",
                         id="doctor-detail-title", classes="screen-title",
                         markup=False)
            with VerticalScroll(id="doctor-detail-scroll", can_focus=True):
                yield Static(doctor_text(self.doctor), id="doctor-detail-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#doctor-detail-scroll").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "delete"):
            return self.editable
        return True

    def action_close(self) -> None:
        self.dismiss("close")

    def action_edit(self) -> None:
        self.dismiss("edit")

    def action_delete(self) -> None:
        self.dismiss("delete")

