"""The Checklist pane: tick your way through the preparation steps, with notes and dates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core import clock, tables
from secondop_tui.core.conflicts import affected
from secondop_tui.core.checklist import (
    Checklist,
    ChecklistError,
    ChecklistGroup,
    ChecklistItem,
    progress_bar,
    progress_words,
)
from secondop_tui.core.dates import DateError, editable_date, format_date, iso_date, short_date
from secondop_tui.core.text import escape_controls, one_line
from secondop_tui.ui.dialogs.checklist_call_dialog import CallForm, ChecklistCallDialog
from secondop_tui.ui.dialogs.checklist_calls_dialog import (
    CallAction,
    ChecklistCallsDialog,
    describe_call,
)
from secondop_tui.ui.dialogs.checklist_item_dialog import (
    ChecklistItemDialog,
    ItemForm,
)
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.dialogs.glossary_dialog import show_glossary
from secondop_tui.ui.panes.base import Pane
from secondop_tui.ui.widgets.reading import follow_reader, reader_on, words_only

HIDE_DONE_SETTING = "checklist.hide_done"
COLLAPSED_SETTING = "checklist.collapsed"
READ_ONLY_MESSAGE = "This workbook is open read-only: the checklist cannot be changed."


class ChecklistList(OptionList):
    """The list of groups and items. Enter ticks an item or folds a group."""

    def on_resize(self) -> None:
        # The detail under the list grows and shrinks with the item shown: keep the
        # highlighted row in sight whatever height the list is left with.
        self.scroll_to_highlight()


class ChecklistPane(Pane):
    """Groups of preparation steps with progress, notes, due dates and a call log."""

    pane_id = "checklist"
    title = "Checklist"

    BINDINGS = [
        Binding("space", "toggle_item", "Tick", show=False, id="checklist.tick"),
        Binding("a", "add_item", "Add", show=False, id="checklist.add"),
        Binding("insert", "add_item", "Add", show=False, id="checklist.add.alt"),
        Binding("e", "edit_item", "Edit item", show=False, id="checklist.edit"),
        Binding("n", "edit_note", "Note", show=False, id="checklist.note"),
        Binding("d", "edit_due", "Due date", show=False, id="checklist.due"),
        Binding("l", "log_call", "Log insurance call", show=False, id="checklist.call"),
        Binding("c", "list_calls", "Insurance calls: edit or delete", show=False,
                id="checklist.calls"),
        Binding("L", "list_calls", "Insurance calls: edit or delete", show=False,
                id="checklist.calls.alt"),
        Binding("delete", "delete_item", "Delete item", show=False, id="checklist.delete"),
        Binding("x", "delete_item", "Delete item", show=False, id="checklist.delete.alt"),
        Binding("u", "undo_delete", "Undo delete", show=False, id="checklist.undo"),
        Binding("shift+up", "move_item(-1)", "Move up", show=False, id="checklist.up"),
        Binding("left_square_bracket", "move_item(-1)", "Move up", show=False,
                id="checklist.up.alt"),
        Binding("shift+down", "move_item(1)", "Move down", show=False, id="checklist.down"),
        Binding("right_square_bracket", "move_item(1)", "Move down", show=False,
                id="checklist.down.alt"),
        Binding("h", "toggle_hide_done", "Hide/show done", show=False,
                id="checklist.hide_done"),
        Binding("left", "collapse_group", "Fold group", show=False, id="checklist.fold"),
        Binding("right", "expand_group", "Unfold group", show=False, id="checklist.unfold"),
        Binding("z", "toggle_group", "Fold/unfold group", show=False,
                id="checklist.fold.toggle"),
        Binding("r", "restore_defaults", "Restore defaults", show=False,
                id="checklist.restore"),
        Binding("g", "glossary", "Glossary: words in this item", show=False,
                id="checklist.glossary"),
        Binding("alt+g", "glossary", "Glossary: words in this item", show=False,
                id="checklist.glossary.alt"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.undo_stack: list[dict[str, Any]] = []
        self.groups: list[ChecklistGroup] = []
        self._progress = ""  # the first line above the list: overall progress
        self._summary = ""
        self._header_text: str | None = None

    # Layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="checklist-progress", markup=False)
        yield ChecklistList(id="checklist-list")
        with VerticalScroll(id="checklist-detail-box"):
            yield Static("", id="checklist-detail", markup=False)

    def on_mount(self) -> None:
        follow_reader(self, lambda _: self.rebuild())
        self.rebuild()

    @property
    def checklist(self) -> Checklist | None:
        store = self.workbook_app.store
        return Checklist(store) if store is not None else None

    @property
    def options(self) -> ChecklistList:
        return self.query_one("#checklist-list", ChecklistList)

    def focus_default(self) -> None:
        self.options.focus()

    def on_workbook_reloaded(self) -> None:
        self.undo_stack.clear()
        self.rebuild()

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        yield ("Add checklist item", "Checklist: add your own item to a group (a)",
               self.action_add_item)
        yield ("Checklist: hide or show done items", "Hide ticked items, or show them (h)",
               self.action_toggle_hide_done)
        yield ("Checklist: restore defaults", "Bring back deleted default items; your own "
               "items stay (r)", self.action_restore_defaults)
        yield ("Checklist: fold or unfold all groups", "Fold every group, or open them all",
               self.toggle_all_groups)
        yield ("Checklist: undo delete", "Bring back the last deleted item (u)",
               self.action_undo_delete)
        yield ("Glossary: words in this checklist item", "The meaning of each term the "
               "highlighted item uses (g)", self.action_glossary)

    # Settings ---------------------------------------------------------------------------
    def _setting(self, key: str, default: Any) -> Any:
        store = self.workbook_app.store
        return store.get_setting(key, default) if store is not None else default

    def _set_setting(self, key: str, value: Any) -> None:
        store = self.workbook_app.store
        if store is not None and not store.read_only:
            store.set_setting(key, value)

    @property
    def hide_done(self) -> bool:
        return bool(self._setting(HIDE_DONE_SETTING, False))

    @property
    def collapsed(self) -> set[str]:
        return set(self._setting(COLLAPSED_SETTING, []) or [])

    # Showing ----------------------------------------------------------------------------
    def rebuild(self, highlight: str | None = None) -> None:
        """Re-read the store and redraw, keeping the highlight on the same row if possible."""
        checklist = self.checklist
        if checklist is None:
            return
        options = self.options
        previous = options.highlighted
        if highlight is None and options.highlighted_option is not None:
            highlight = options.highlighted_option.id
        self.groups = checklist.groups()
        collapsed, hide_done = self.collapsed, self.hide_done
        today = clock.today()
        reader = reader_on(self)
        # Items with an open sync conflict say so (palette "Conflicts").
        marked = affected(checklist.store).get(tables.CHECKLIST, set())
        rows: list[Option] = []
        for group in self.groups:
            folded = group.id in collapsed
            hidden = group.done if hide_done else 0
            rows.append(Option(self.group_label(group, folded, hidden, reader=reader),
                               id=f"group:{group.id}"))
            if folded:
                continue
            for item in group.items:
                if hide_done and item.done:
                    continue
                rows.append(Option(self.item_label(item, today, item.id in marked,
                                                   reader=reader),
                                   id=f"item:{item.id}"))
        options.set_options(rows)
        ids = [row.id for row in rows]
        if highlight in ids:
            options.highlighted = ids.index(highlight)
        elif previous is None and rows:
            options.highlighted = ids.index(self.first_row(ids))
        elif rows:
            options.highlighted = min(previous or 0, len(rows) - 1)
        done, total = checklist.progress()
        store = self.workbook_app.store
        extra = " · READ-ONLY" if store is not None and store.read_only else ""
        shown = "done items hidden (h shows)" if hide_done else "h hides done items"
        if reader:  # words only: a bar of # and - is read out sign by sign
            self._progress = f"Overall {done} of {total} done · {shown}{extra}"
        else:
            self._progress = (f"Overall {progress_words(done, total)} "
                              f"{progress_bar(done, total, 20)} · {shown}{extra}")
        self._summary = f"{done} of {total} steps done."
        self.show_detail()
        self.post_message(self.SummaryChanged())

    def summary(self) -> str:
        return self._summary

    def first_row(self, ids: list[str | None]) -> str | None:
        """Where the highlight starts: on the first item not yet ticked, so the first
        space a newcomer presses ticks it (a heading would fold); else the first item;
        else (every group folded) the first heading."""
        items = [row for row in ids if row and row.startswith("item:")]
        checklist = self.checklist
        for row in items:
            item = checklist.item(row[5:]) if checklist else None
            if item is not None and not item.done:
                return row
        return items[0] if items else ids[0]

    def keys_line_text(self) -> str:
        """The keys line, for the highlighted row: what space does there first."""
        current = self.current()
        if current is not None and current[0] == "group":
            fold = "unfold" if current[1] in self.collapsed else "fold"
            return f"space {fold} the group · a add an item to it · F1 all keys"
        item = self.current_item()
        tick = "untick" if item is not None and item.done else "tick"
        return f"space {tick} · a add · e edit · n note · d due · F1 all keys"

    def show_header(self) -> None:
        text = f"{self._progress}\n{self.keys_line_text()}"
        if reader_on(self):
            text = words_only(text)
        # Only when it changes: it follows the highlight, and an idle screen sends nothing.
        if text != self._header_text:
            self._header_text = text
            self.query_one("#checklist-progress", Static).update(text)

    @staticmethod
    def group_label(group: ChecklistGroup, folded: bool, hidden: int, *,
                    reader: bool = False) -> Text:
        """A group's row; ``reader``: in words alone (no arrow, no bar)."""
        if reader:
            label = Text(group.title, style="bold")
            label.append(f": {group.done} of {group.total} done")
        else:
            label = Text(f"{'▸' if folded else '▾'} {group.title}", style="bold")
            label.append(f"  {progress_words(group.done, group.total)} "
                         f"{progress_bar(group.done, group.total)}")
        if folded:
            label.append("  (folded)")
        elif hidden:
            label.append(f"  ({hidden} done hidden)")
        return label

    @staticmethod
    def item_label(item: ChecklistItem, today, conflicted: bool = False, *,
                   reader: bool = False) -> Text:
        """An item's row; ``reader``: its state and extras in words, without symbols."""
        if reader:
            label = Text("done: " if item.done else "to do: ")
        else:
            label = Text(f"  {'[x]' if item.done else '[ ]'} ")
        label.append(one_line(item.title), style="dim" if item.done else "")
        extras = []
        if item.due:
            # Short in the list (the year only when it is not this year); full below.
            when = short_date(item.due, today)
            if item.overdue(today):
                extras.append((f"{'' if reader else '⚠ '}OVERDUE since {when}",
                               "bold reverse"))
            else:
                extras.append((f"due {when}", "italic"))
        if item.note:
            extras.append(("note" if reader else "✎ note", "italic"))
        if item.calls:
            count = len(item.calls)
            calls = f"{count} call{'s' if count > 1 else ''}"
            extras.append((calls if reader else f"☎ {calls}", "italic"))
        if not item.is_default:
            extras.append(("yours", "italic"))
        if conflicted:
            extras.append(("sync conflict" if reader else "⚠ sync conflict", "bold"))
        for text, style in extras:
            label.append(", " if reader else "  ")
            label.append(text, style=style)
        return label

    def current(self) -> tuple[str, str] | None:
        """("item" or "group", id) for the highlighted row."""
        option = self.options.highlighted_option
        if option is None or option.id is None:
            return None
        kind, _, ident = option.id.partition(":")
        return kind, ident

    def current_item(self) -> ChecklistItem | None:
        current = self.current()
        if current is None or current[0] != "item" or self.checklist is None:
            return None
        return self.checklist.item(current[1])

    def current_group(self) -> str | None:
        current = self.current()
        if current is None:
            return None
        if current[0] == "group":
            return current[1]
        item = self.current_item()
        return item.group if item else None

    @on(OptionList.OptionHighlighted, "#checklist-list")
    def highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        self.show_header()
        detail = self.query_one("#checklist-detail", Static)
        current = self.current()
        if current is None:
            detail.update("")
            return
        if current[0] == "group":
            group = next((g for g in self.groups if g.id == current[1]), None)
            if group is not None:
                detail.update(f"{group.title}: {progress_words(group.done, group.total)}. "
                              "Space, enter or z folds and unfolds the group; a adds an "
                              "item to it.")
            return
        item = self.current_item()
        if item is None:
            detail.update("")
            return
        lines = Text()
        if item.why:
            lines.append(f"Why: {one_line(item.why)}\n", style="italic")
        if item.due:
            flag = " ⚠ OVERDUE" if item.overdue() else ""
            lines.append(f"Due: {format_date(item.due)}{flag}\n")
        if item.insurance_log:
            # Before the note, so it shows in the few lines here whatever the note's
            # length: how many calls there are and the key that lists them.
            lines.append(calls_summary(len(item.calls)) + "\n")
        if item.note:
            lines.append("Note: " + escape_controls(item.note) + "\n")
        if item.calls:
            lines.append("Insurance calls:\n")
            for call in item.calls:
                lines.append("  " + describe_call(call) + "\n")
        if not lines.plain:
            lines.append("No note or due date yet: n adds a note, d a due date.")
        if reader_on(self):
            detail.update(words_only(lines.plain.rstrip()))  # no sign read out by name
            return
        detail.update(lines.rstrip() or lines)

    # Changing ---------------------------------------------------------------------------
    def _writable(self) -> Checklist | None:
        store = self.workbook_app.store
        if store is None or store.read_only:
            self.notify(READ_ONLY_MESSAGE, severity="warning", timeout=5)
            return None
        return Checklist(store)

    def _saved(self, highlight: str | None = None) -> None:
        self.rebuild(highlight)
        self.workbook_app.refresh_status()

    def _need_item(self) -> ChecklistItem | None:
        item = self.current_item()
        if item is None:
            self.notify("Move to an item first (the group lines cannot be ticked).",
                        timeout=3)
        return item

    @on(OptionList.OptionSelected, "#checklist-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        current = self.current()
        if current and current[0] == "group":
            self.action_toggle_group()
        else:
            self.action_toggle_item()

    def action_toggle_item(self) -> None:
        current = self.current()
        if current and current[0] == "group":
            self.action_toggle_group()
            return
        item = self._need_item()
        checklist = self._writable() if item else None
        if item is None or checklist is None:
            return
        checklist.toggle(item.id)
        self._saved(f"item:{item.id}")

    def action_add_item(self) -> None:
        checklist = self._writable()
        if checklist is None:
            return
        group = self.current_group() or checklist.defaults.groups[0].id
        after = self.current_item()
        groups = [(g.id, g.title) for g in checklist.defaults.groups]

        def done(form: ItemForm | None) -> None:
            if form is None:
                return
            try:
                item_id = checklist.add_item(
                    form.group, form.title, form.why,
                    after=after.id if after and after.group == form.group else None)
                self._apply_form(checklist, item_id, form, title=False)
            except (ChecklistError, DateError) as error:
                self.notify(str(error), severity="error")
                return
            self._unfold(form.group)
            self._saved(f"item:{item_id}")
            self.notify(f"Added to {checklist.group_title(form.group)}.", timeout=3)

        self.app.push_screen(ChecklistItemDialog("Add a checklist item", groups, group=group,
                                                 choose_group=True), done)

    def _apply_form(self, checklist: Checklist, item_id: str, form: ItemForm, *,
                    title: bool = True) -> None:
        item = checklist.item(item_id)
        assert item is not None
        if title and not item.is_default:
            checklist.edit_item(item_id, title=form.title, why=form.why)
        if form.note != item.note:
            checklist.set_note(item_id, form.note)
        if form.due != iso_date(item.due):
            checklist.set_due(item_id, form.due)

    def _edit(self, focus: str) -> None:
        item = self._need_item()
        checklist = self._writable() if item else None
        if item is None or checklist is None:
            return
        heading = "Edit your item" if not item.is_default else "Note and due date"

        def done(form: ItemForm | None) -> None:
            if form is None:
                return
            try:
                self._apply_form(checklist, item.id, form)
            except (ChecklistError, DateError) as error:
                self.notify(str(error), severity="error")
                return
            self._saved(f"item:{item.id}")

        self.app.push_screen(ChecklistItemDialog(
            heading, [], group=item.group, title=item.title, why=item.why,
            due=editable_date(item.due), note=item.note, title_fixed=item.is_default,
            focus=focus), done)

    def action_edit_item(self) -> None:
        self._edit("title")

    def action_edit_note(self) -> None:
        self._edit("note")

    def action_edit_due(self) -> None:
        self._edit("due")

    def _call_log_item(self) -> tuple[ChecklistItem, Checklist] | None:
        """The highlighted insurance item and a checklist that may change, or None (said)."""
        item = self._need_item()
        if item is None:
            return None
        if not item.insurance_log:
            self.notify("Only the insurance items keep a call log; use a note here (n).",
                        timeout=4)
            return None
        checklist = self._writable()
        return (item, checklist) if checklist is not None else None

    def action_log_call(self) -> None:
        found = self._call_log_item()
        if found is not None:
            self.log_call(*found)

    def log_call(self, item: ChecklistItem, checklist: Checklist,
                 index: int | None = None) -> None:
        """Log a new call, or, given ``index``, change that logged call."""
        call = item.calls[index] if index is not None else None

        def done(form: CallForm | None) -> None:
            if form is None:
                return
            try:
                if index is None:
                    checklist.add_call(item.id, form.day, form.who, form.reference,
                                       form.said)
                else:
                    checklist.edit_call(item.id, index, form.day, form.who,
                                        form.reference, form.said)
            except (ChecklistError, DateError) as error:
                self.notify(str(error), severity="error")
                return
            self._saved(f"item:{item.id}")
            self.notify("Call logged." if index is None else "Call changed.", timeout=3)

        self.app.push_screen(ChecklistCallDialog(one_line(item.title), call), done)

    def action_list_calls(self) -> None:
        found = self._call_log_item()
        if found is None:
            return
        item, checklist = found
        if not item.calls:
            self.notify("No calls logged on this item yet: l logs one.", timeout=4)
            return

        def chosen(choice: CallAction | None) -> None:
            if choice is None:
                return
            if choice.action == "add":
                self.log_call(item, checklist)
            elif choice.action == "edit":
                self.log_call(item, checklist, choice.index)
            elif choice.action == "delete":
                self.delete_call(item, checklist, choice.index)

        self.app.push_screen(ChecklistCallsDialog(one_line(item.title), item.calls), chosen)

    def delete_call(self, item: ChecklistItem, checklist: Checklist, index: int) -> None:
        """Ask, then delete one logged call."""
        def answer(value: str | None) -> None:
            if value != "delete":
                return
            try:
                checklist.delete_call(item.id, index)
            except ChecklistError as error:
                self.notify(str(error), severity="error")
                return
            self._saved(f"item:{item.id}")
            self.notify("Call deleted.", timeout=3)

        self.app.push_screen(ChoiceDialog(
            "Delete this call?",
            f"{describe_call(item.calls[index])}\n\nIt goes from the call log and the "
            "export, and cannot be brought back.",
            [Choice("y", "Delete", "delete", "error"), Choice("n", "Keep it", "cancel")],
            cancel="cancel"), answer)

    def action_delete_item(self) -> None:
        item = self._need_item()
        checklist = self._writable() if item else None
        if item is None or checklist is None:
            return
        self.undo_stack.append(checklist.delete_item(item.id))
        self._saved()
        self.notify(f"Deleted \"{one_line(item.title)}\". Press u to undo.", timeout=6)

    def action_undo_delete(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.", timeout=3)
            return
        checklist = self._writable()
        if checklist is None:
            return
        saved = self.undo_stack.pop()
        checklist.undo_delete(saved)
        item = checklist.item(saved["id"])
        if item is not None:
            self._unfold(item.group)
        self._saved(f"item:{saved['id']}")
        self.notify("Brought it back.", timeout=3)

    def action_move_item(self, delta: int) -> None:
        item = self._need_item()
        checklist = self._writable() if item else None
        if item is None or checklist is None:
            return
        if self.hide_done:
            self.notify("Show done items first (h), so the order you see is the real one.",
                        timeout=4)
            return
        if checklist.move_item(item.id, delta):
            self._saved(f"item:{item.id}")
        else:
            self.notify("It is already at the " + ("top" if delta < 0 else "bottom") +
                        " of its group.", timeout=3)

    def action_toggle_hide_done(self) -> None:
        hide = not self.hide_done
        self._set_setting(HIDE_DONE_SETTING, hide)
        self.rebuild()
        self.notify("Done items hidden." if hide else "Done items shown.", timeout=2)

    def _fold(self, group_id: str, fold: bool) -> None:
        collapsed = self.collapsed
        if fold == (group_id in collapsed):
            return
        collapsed = collapsed | {group_id} if fold else collapsed - {group_id}
        self._set_setting(COLLAPSED_SETTING, sorted(collapsed))
        self.rebuild(f"group:{group_id}")

    def _unfold(self, group_id: str) -> None:
        if group_id in self.collapsed:
            self._set_setting(COLLAPSED_SETTING, sorted(self.collapsed - {group_id}))

    def action_collapse_group(self) -> None:
        group = self.current_group()
        if group:
            self._fold(group, True)

    def action_expand_group(self) -> None:
        group = self.current_group()
        if group:
            self._fold(group, False)

    def action_toggle_group(self) -> None:
        group = self.current_group()
        if group:
            self._fold(group, group not in self.collapsed)

    def toggle_all_groups(self) -> None:
        ids = [g.id for g in self.groups]
        fold = len(self.collapsed) < len(ids)
        self._set_setting(COLLAPSED_SETTING, ids if fold else [])
        self.rebuild()

    def action_restore_defaults(self) -> None:
        checklist = self._writable()
        if checklist is None:
            return
        deleted = sum(item.deleted for g in checklist.groups(include_deleted=True)
                      for item in g.items)
        if not deleted:
            self.notify("No default items are deleted; nothing to restore.", timeout=3)
            return

        def answer(value: str | None) -> None:
            if value == "restore":
                count = checklist.restore_defaults()
                self._saved()
                self.notify(f"Brought back {count} default item{'s' * (count != 1)}.",
                            timeout=4)

        self.app.push_screen(ChoiceDialog(
            "Restore default items?",
            f"{deleted} default item{'s were' if deleted != 1 else ' was'} deleted. Bring "
            f"{'them' if deleted != 1 else 'it'} back? Your own items and everything you "
            "ticked or wrote stay as they are.",
            [Choice("y", "Restore", "restore", "primary"), Choice("n", "Cancel", "cancel")],
            cancel="cancel"), answer)

    def highlighted_text(self) -> tuple[str, str]:
        """(the words of the highlighted row, what it is): an item's title and why, or
        a group's title and its items'."""
        item = self.current_item()
        if item is not None:
            return f"{item.title}\n{item.why}", "this checklist item"
        group = next((g for g in self.groups if g.id == self.current_group()), None)
        if group is None:
            return "", ""
        words = [group.title] + [f"{i.title}\n{i.why}" for i in group.items]
        return "\n".join(words), f"the group {group.title}"

    def action_glossary(self) -> None:
        show_glossary(self.app, *self.highlighted_text())

    # From the Guidance pane -------------------------------------------------------------
    def show_item(self, item_id: str, *, restore: bool = False) -> bool:
        """Highlight an item (unfolding its group); bring it back first if it was deleted."""
        checklist = self.checklist
        item = checklist.item(item_id) if checklist else None
        if checklist is None or item is None:
            self.notify("That checklist item is not in this version.", severity="warning")
            return False
        if item.deleted:
            if not restore or self._writable() is None:
                return False
            checklist.restore_item(item_id)
            # Its deletion is no longer there to undo, nor the message that offered it.
            self.undo_stack = [saved for saved in self.undo_stack if saved["id"] != item_id]
            self.app.clear_notifications()
            self.notify(f"Added \"{one_line(item.title)}\" back to your checklist.",
                        timeout=4)
        self._unfold(item.group)
        if item.done and self.hide_done:
            self._set_setting(HIDE_DONE_SETTING, False)
        self.rebuild(f"item:{item_id}")
        self.options.focus()
        self.options.scroll_to_highlight()
        return True


def calls_summary(count: int) -> str:
    """One line under an insurance item: how many calls are logged and the keys for them."""
    if not count:
        return "☎ No insurance calls logged yet: l logs one."
    calls, them = ("1 call", "it") if count == 1 else (f"{count} calls", "them")
    return f"☎ {calls} logged: c lists {them} to change or delete · l logs another."
