"""Every field of one doctor, readable at 80x24 (it scrolls)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from secondop_tui.core.doctors import Doctor, doctor_fields
from secondop_tui.core.text import escape_controls


def doctor_text(doctor: Doctor) -> Text:
    """The doctor as Rich text: bold section titles, ``label: value`` lines, no colours."""
    text = Text()
    for i, (section, rows) in enumerate(doctor_fields(doctor)):
        if i:
            text.append("\n")
        text.append(section, style="bold underline")
        text.append("\n")
        for label, value in rows:
            text.append(f"  {label}: ", style="bold")
            value = escape_controls(value) if value else "—"
            text.append(value.replace("\n", "\n    "))
            text.append("\n")
    text.rstrip()
    return text


class DoctorDetailDialog(ModalScreen[str]):
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
                         id="doctor-detail-title", markup=False)
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

