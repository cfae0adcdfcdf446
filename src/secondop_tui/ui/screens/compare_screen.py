"""The opinions side by side: where the doctors agree, where they differ, and what to ask.

First pick two to four consultations that have an opinion; then each field is a row and
each opinion a column. Rows that differ say so with a symbol and the word. When the
columns would be too narrow to read (at 80 columns, say), the same rows are shown field
by field instead. One key turns the highlighted difference into a question on the
agenda of a consultation the user chooses.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.strip import Strip
from textual.widgets import Footer, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core import notes
from secondop_tui.core import opinions as core
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.opinion_dialog import consultation_heading
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog
from secondop_tui.ui.dialogs.pick_dialog import PickDialog
from secondop_tui.ui.workbook_app import follow_reloads

# Columns narrower than this do not read well side by side: the view lists the fields.
MIN_COLUMN = 30
LABEL_WIDTH = 18
MAX_COMPARED = 4
SAME = "= same"


def opinion_consultations(store) -> list[notes.Consultation]:
    """Consultations that have an opinion, newest first."""
    have = {o.consultation_id for o in core.list_opinions(store)}
    return [c for c in notes.list_consultations(store) if c.doc_id in have]


def short_name(column: core.CompareColumn) -> str:
    """How a column is named in the field list: the doctor (first part) or the date."""
    name = column.doctor.split(",")[0].strip() if column.doctor else ""
    return name or column.when or column.heading


def marker(row: core.CompareRow) -> Text:
    """``≠ differs`` or ``= same``: a symbol and a word, never colour alone."""
    if row.differs:
        return Text(core.DIFFERS, style="bold")
    if sum(row.given) > 1:
        return Text(SAME)
    return Text("")


def plan_lines(opinion: core.Opinion) -> str:
    """The plan one numbered step a line (the comparison row has them on one line)."""
    steps = [one_line(step).strip() for step in opinion.plan if step.strip()]
    return "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))


class OpinionPicker(SelectionList[int]):
    """A SelectionList whose box shows ✓ when ticked and stays empty when not.

    The stock box shows the same X either way and tells them apart by colour alone.
    (Relies on how SelectionList draws its box: Textual is pinned exactly.)
    """

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        index = self.scroll_offset.y + y
        if len(segments) < 2 or not 0 <= index < self.option_count:
            return strip
        ticked = self.get_option_at_index(index).value in self.selected
        box = segments[1]
        segments[1] = Segment("✓" if ticked else " ", box.style, box.control)
        return Strip(segments, strip.cell_length)


class CompareScreen(DismissOnce[None]):
    """Pick opinions, then compare them. Escape closes."""

    CSS_PATH = "compare_screen.tcss"

    BINDINGS = [
        Binding("escape", "close", "Close", id="compare.close"),
        Binding("q", "ask", "Ask", id="compare.ask"),
        Binding("alt+q", "ask", "Turn the difference into a question", show=False,
                id="compare.ask.alt"),
        Binding("n", "next_difference", "Next difference", id="compare.next"),
        Binding("alt+n", "next_difference", "Next difference", show=False,
                id="compare.next.alt"),
        Binding("p", "pick", "Pick opinions", show=False, id="compare.pick"),
        Binding("alt+p", "pick", "Pick opinions", show=False, id="compare.pick.alt"),
        Binding("c", "compare", "Compare", id="compare.go"),
        Binding("f2", "compare", "Compare", show=False, id="compare.go.alt"),
        Binding("x", "export", "Export", id="compare.export"),
        Binding("alt+x", "export", "Export the comparison", show=False,
                id="compare.export.alt"),
    ]

    def __init__(self, store, consultation_ids: list[int] | None = None) -> None:
        super().__init__()
        self.store = store
        self.chosen: list[int] = list(consultation_ids or [])
        self.comparison: core.Comparison | None = None
        self.plans: list[str] = []  # each opinion's plan, one step a line
        self.layout_mode = ""  # "columns" or "fields", as last drawn
        self._width = 0

    # Building -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="compare-heading", markup=False)
        with Vertical(id="compare-picker"):
            yield Static("Choose two to four opinions to compare: space ticks one, "
                         "c or F2 compares them, escape closes.", classes="hint",
                         markup=False)
            yield OpinionPicker(id="compare-pick")
            yield Static("", id="compare-pick-problem", markup=False)
        yield Static("", id="compare-columns")
        yield OptionList(id="compare-rows")
        yield Footer()

    def on_mount(self) -> None:
        follow_reloads(self, self.on_workbook_reloaded)
        available = opinion_consultations(self.store)
        ids = [c.doc_id for c in available]
        chosen = [cid for cid in self.chosen if cid in ids]
        if not chosen and 2 <= len(ids) <= MAX_COMPARED:
            chosen = list(reversed(ids))  # oldest first, as they happened
        self.fill_picker(available, chosen or ids[:MAX_COMPARED])
        if 2 <= len(chosen) <= MAX_COMPARED:
            self.show_comparison(chosen)
        else:
            self.action_pick()

    def fill_picker(self, available: list[notes.Consultation], ticked: list[int]) -> None:
        pick = self.query_one("#compare-pick", SelectionList)
        pick.clear_options()
        pick.add_options([(Text(consultation_heading(self.store, c.doc_id)), c.doc_id,
                           c.doc_id in ticked) for c in available])

    # Modes --------------------------------------------------------------------------
    @property
    def picking(self) -> bool:
        return self.has_class("-picking")

    def action_pick(self) -> None:
        self.set_class(True, "-picking")
        self.query_one("#compare-heading", Static).update(
            "Compare opinions · pick the consultations")
        pick = self.query_one("#compare-pick", SelectionList)
        if pick.highlighted is None and pick.option_count:
            pick.highlighted = 0
        pick.focus()
        self.refresh_bindings()

    def action_compare(self) -> None:
        if not self.picking:
            return
        chosen = list(self.query_one("#compare-pick", SelectionList).selected)
        if not 2 <= len(chosen) <= MAX_COMPARED:
            self.query_one("#compare-pick-problem", Static).update(
                f"⚠ Choose two, three or four ({len(chosen)} chosen now).")
            return
        self.query_one("#compare-pick-problem", Static).update("")
        # In the order they happened, whatever order they were ticked in.
        order = [c.doc_id for c in reversed(opinion_consultations(self.store))]
        self.show_comparison(sorted(chosen, key=order.index))

    def show_comparison(self, consultation_ids: list[int]) -> None:
        self.chosen = consultation_ids
        self.comparison = core.compare(self.store, consultation_ids)
        self.plans = [plan_lines(core.get_opinion(self.store, cid))
                      for cid in consultation_ids]
        self.set_class(False, "-picking")
        self.layout_mode = ""
        self.draw()
        rows = self.query_one("#compare-rows", OptionList)
        rows.highlighted = 0
        rows.focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("ask", "next_difference", "export"):
            return not self.picking and self.comparison is not None
        if action == "compare":
            return self.picking
        return True

    # Drawing ------------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        if self.comparison is not None and event.size.width != self._width:
            self.draw()

    def column_width(self, width: int) -> int:
        """The width each opinion gets side by side at ``width`` columns."""
        count = len(self.comparison.columns) if self.comparison else 1
        # Room taken by the padding, the scrollbar, the label column and the gaps.
        return (width - 2 - LABEL_WIDTH - 2 * count) // count

    def draw(self) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        width = self.size.width or self.app.size.width
        if self._width == 0:
            # Drawn again once laid out: the first width may be the app's, not ours.
            self.call_after_refresh(self.redraw)
        self._width = width
        column = self.column_width(width)
        self.layout_mode = "columns" if column >= MIN_COLUMN else "fields"
        self.set_class(self.layout_mode == "fields", "-fields")
        count = len(comparison.differing())
        summary = ("no field differs" if count == 0 else
                   f"{count} field{'s' if count != 1 else ''} {core.DIFFERS}")
        self.query_one("#compare-heading", Static).update(
            f"Comparing {len(comparison.columns)} opinions · {summary} · "
            f"{core.NOT_GIVEN} not given")
        rows = self.query_one("#compare-rows", OptionList)
        keep = rows.highlighted
        rows.clear_options()
        if self.layout_mode == "columns":
            self.query_one("#compare-columns", Static).update(self.heading_grid(column))
            rows.add_options([Option(self.row_grid(row, column)) for row in comparison.rows])
        else:
            self.query_one("#compare-columns", Static).update(self.legend())
            rows.add_options([Option(self.row_list(row)) for row in comparison.rows])
        if keep is not None and comparison.rows:
            rows.highlighted = min(keep, len(comparison.rows) - 1)

    def redraw(self) -> None:
        if self.comparison is not None and self.size.width != self._width:
            self.draw()

    def _grid(self, column: int) -> Table:
        grid = Table.grid(padding=(0, 2, 0, 0))
        grid.add_column(width=LABEL_WIDTH)
        for _ in self.comparison.columns:  # type: ignore[union-attr]
            grid.add_column(width=column)
        return grid

    def heading_grid(self, column: int) -> RenderableType:
        grid = self._grid(column)
        grid.add_row(Text("Field", style="bold"),
                     *[Text(c.heading, style="bold") for c in self.comparison.columns])  # type: ignore[union-attr]
        return grid

    def row_grid(self, row: core.CompareRow, column: int) -> RenderableType:
        grid = self._grid(column)
        label = Text(row.label, style="bold")
        mark = marker(row)
        if mark:
            label.append("\n").append_text(mark)
        grid.add_row(label, *[Text(value) for value in self.values(row)])
        return Group(grid, Text(""))

    def values(self, row: core.CompareRow) -> list[str]:
        if row.key == "plan":
            return [plan or core.NOT_GIVEN for plan in self.plans]
        return row.values

    def legend(self) -> RenderableType:
        lines = Text("Opinions: ", style="bold")
        lines.append("; ".join(c.heading for c in self.comparison.columns))  # type: ignore[union-attr]
        return lines

    def row_list(self, row: core.CompareRow) -> RenderableType:
        comparison = self.comparison
        assert comparison is not None
        head = Text(row.label, style="bold")
        mark = marker(row)
        if mark:
            head.append("  ").append_text(mark)
        names = [short_name(c) for c in comparison.columns]
        room = min(22, max(len(n) for n in names))
        grid = Table.grid(padding=(0, 1, 0, 0))
        grid.add_column(width=room + 3)
        grid.add_column(ratio=1)
        for name, value in zip(names, self.values(row)):
            # Indented under the field's name.
            grid.add_row(Text(f"  {name}:", no_wrap=True, overflow="ellipsis"), Text(value))
        return Group(head, grid, Text(""))

    # Actions ------------------------------------------------------------------------
    @property
    def current_row(self) -> core.CompareRow | None:
        index = self.query_one("#compare-rows", OptionList).highlighted
        if self.comparison is None or index is None:
            return None
        return self.comparison.rows[index]

    def action_next_difference(self) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        rows = self.query_one("#compare-rows", OptionList)
        start = rows.highlighted if rows.highlighted is not None else -1
        count = len(comparison.rows)
        for offset in range(1, count + 1):
            index = (start + offset) % count
            if comparison.rows[index].differs:
                rows.highlighted = index
                return
        self.app.notify("The opinions do not differ on any field.", timeout=4)

    @on(OptionList.OptionSelected, "#compare-rows")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_ask()

    def action_ask(self) -> None:
        comparison, row = self.comparison, self.current_row
        if comparison is None or row is None:
            return
        if not row.differs:
            self.app.notify(f"The opinions do not differ on {row.label.lower()}: nothing "
                            "to ask. n moves to the next difference.", timeout=5)
            return
        if self.store.read_only:
            self.app.notify(notes.READ_ONLY, severity="warning")
            return
        question = core.difference_question(comparison, row)
        consultations = notes.list_consultations(self.store)
        options = [(consultation_heading(self.store, c.doc_id), c.doc_id)
                   for c in consultations if c.doc_id is not None]
        self.app.push_screen(
            PickDialog("Add the question to which consultation's agenda?",
                       f"“{question}”", options),
            lambda chosen: self.add_question(question, chosen))

    def add_question(self, question: str, consultation_id: int | None) -> None:
        if consultation_id is None:
            return
        consultation = notes.get_consultation(self.store, consultation_id)
        if consultation is None:
            self.app.notify("That consultation no longer exists.", severity="warning")
            return
        where = consultation_heading(self.store, consultation_id)
        if any(one_line(q.text) == question for q in consultation.questions):
            self.app.notify(f"Already on the agenda of {where}.", timeout=5, markup=False)
            return
        agenda = [*consultation.questions, notes.AgendaItem(question)]
        notes.set_questions(self.store, consultation_id, agenda)
        self.app.notify(f"Added as question {len(agenda)} on the agenda of {where}.",
                        title="Question added", timeout=8, markup=False)

    def action_export(self) -> None:
        export_comparison(self.app, self.chosen or None)

    def on_workbook_reloaded(self) -> None:
        """The file on disk won: compare its opinions (or pick again if some are gone)."""
        available = opinion_consultations(self.store)
        ids = [c.doc_id for c in available]
        chosen = [cid for cid in self.chosen if cid in ids]
        self.fill_picker(available, chosen)
        if len(chosen) >= 2 and not self.picking:
            self.show_comparison(chosen)
        else:
            self.action_pick()

    def action_close(self) -> None:
        self.dismiss(None)


def compare_opinions(app, consultation_ids: list[int] | None = None) -> None:
    """Open the compare view (or say why it cannot open yet)."""
    if len(opinion_consultations(app.store)) < 2:
        app.notify("Comparing needs opinions from at least two consultations. In the Notes "
                   "pane, choose a consultation and press alt+o (or F6) to enter what the "
                   "doctor concluded.", title="Compare opinions", timeout=10)
        return
    app.push_screen(CompareScreen(app.store, consultation_ids))


def export_comparison(app, consultation_ids: list[int] | None = None) -> None:
    """Write the comparison of opinions to a file (all opinions unless told which)."""
    store = app.store

    def render(fmt: str) -> str:
        if fmt == "html":
            # deferred: start-up speed (loaded only on the path that uses it)
            from secondop_tui.core import paper

            return paper.render_sections("Comparison of opinions", [
                paper.comparison_section(store, consultation_ids)])
        return core.render_comparison(store, fmt, consultation_ids)

    app.push_screen(ExportTextDialog(
        "Export the comparison of opinions", "secondop-comparison", render))
