"""The Guidance pane: plain-language reading with contents, search and checklist links."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static, Tabs
from textual.widgets.option_list import Option

from secondop_tui.core.checklist import Checklist
from secondop_tui.core.guidance import Block, Section, find_matches, load_guidance
from secondop_tui.core.text import one_line
from secondop_tui.ui.panes.base import Pane, after_first_frame
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.widgets.reading import follow_reader, reader_on

POSITION_SETTING = "guidance.position"
# One line at 80 columns; the full wording (NOT_ADVICE) is in F1 help and the palette.
NOTICE = "ⓘ Information, not medical advice: ask your care team about your situation."
READER_NOTICE = NOTICE.removeprefix("ⓘ ")  # the symbol is read out as a letter in a circle
# How often the reading position is looked at (and kept, when it moved): the shortest
# period of anything that runs by itself while nobody types. It draws nothing unless
# the status line's words change.
REMEMBER_EVERY = 0.5
# Sections mounted at a time after the first frame: between two steps, a pane key is
# handled, and when it asks for another pane the rest waits.
SECTIONS_PER_STEP = 4
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*")


def inline_text(text: str) -> Text:
    """Markdown emphasis as Rich styles; the plain result matches ``strip_inline``."""
    result = Text()
    last = 0
    for m in _INLINE.finditer(text):
        result.append(text[last:m.start()])
        result.append(m[1] or m[2], style="bold" if m[1] else "italic")
        last = m.end()
    result.append(text[last:])
    return result


class GuidanceBlock(Static):
    """One heading, paragraph or list item of the guidance."""

    def __init__(self, block: Block, section: int, index: int, heading: str = "",
                 **kwargs) -> None:
        super().__init__(classes=f"guidance-{block.kind}", **kwargs)
        self.block = block
        self.section = section
        self.index = index
        # What a section's title says in words with the screen reader setting:
        # "Section 3 of 14: " (its underline is box drawing, and goes).
        self.heading = heading

    def on_mount(self) -> None:
        self.show_match(None)

    def show_match(self, span: tuple[int, int] | None) -> None:
        reader = reader_on(self)
        text = inline_text(self.block.text)
        if reader and self.heading:
            text = Text(self.heading) + text
            span = (span[0] + len(self.heading), span[1] + len(self.heading)) if span else None
        text.overflow = "fold"  # a long web address breaks onto the next line, whole
        if span is not None:
            # Reverse video plus a marker: visible in every theme, not by colour alone.
            text.stylize("reverse bold", span[0], span[1])
        if span is not None and reader:
            # A symbol is read out by its name: the marker says what it marks.
            self.update(Text("Match: ") + text)
            return
        marker = "▶" if span is not None else ""
        if self.block.kind in ("bullet", "source"):
            # A grid keeps wrapped lines of a list item clear of its bullet.
            grid = Table.grid(padding=(0, 1, 0, 0))
            grid.add_column(width=2 if marker else 1, no_wrap=True)
            grid.add_column(ratio=1)
            grid.add_row(marker + "•", text)
            self.update(grid)
        else:
            self.update(Text(marker + " ") + text if marker else text)


class ChecklistLink(Static, can_focus=True):
    """A line under a paragraph: the checklist step it recommends. Enter or c jumps."""

    BINDINGS = [
        Binding("enter", "open", "Go to checklist item", show=False, id="guidance.link.open"),
    ]

    def __init__(self, item_id: str, section: int, **kwargs) -> None:
        super().__init__(classes="guidance-checklist", markup=False, **kwargs)
        self.item_id = item_id
        self.section = section

    def show_state(self, title: str, done: bool, deleted: bool, exists: bool) -> None:
        if exists and reader_on(self):  # the state in words, no bracket or sign
            state = "deleted (c adds it back)" if deleted else "done" if done else "to do"
            self.update(f"On your checklist, {state}: {one_line(title)}"
                        + ("" if done or deleted else " (c to go there)"))
        elif not exists:
            self.update(f"(checklist item {self.item_id} is not in this version)")
        elif deleted:
            self.update(f"+ Deleted from your checklist: {one_line(title)} (c adds it back)")
        elif done:
            self.update(f"[x] Done on your checklist: {one_line(title)}")
        else:
            self.update(f"[ ] On your checklist: {one_line(title)} (c to go there)")

    async def action_open(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, GuidancePane)), None)
        if pane is not None:
            await pane.open_checklist_item(self.item_id)


class GuidanceText(VerticalScroll):
    """The text of the guidance, scrolled through with the keys."""

    def reading_target(self) -> tuple[Widget, int] | None:
        """The paragraph being read, for a screen reader's cursor: the first that
        starts in view; in a paragraph longer than the view, its first line in view."""
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        straddling = None
        for block in self.children:
            region = block.virtual_region
            if region.y >= top:
                return (block, 0) if region.y < bottom or straddling is None else straddling
            if region.bottom > top:
                straddling = block, top - region.y
        return straddling


def block_number(widget: Static) -> int:
    """A block's place in its section, from its id (``block-S-B`` or ``link-S-B``)."""
    return int((widget.id or "x-0-0").rsplit("-", 1)[1])


class GuidanceContentsScreen(DismissOnce[int], ModalScreen[int]):
    """The table of contents: pick a section with the arrows and enter."""

    DEFAULT_CSS = """
    GuidanceContentsScreen { align: center middle; }
    GuidanceContentsScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    GuidanceContentsScreen OptionList { height: auto; max-height: 18; }
    GuidanceContentsScreen .contents-hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "Close contents", id="guidance.contents.close"),
    ]

    def __init__(self, sections: tuple[Section, ...], current: int) -> None:
        super().__init__()
        self.sections = sections
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Guidance: contents", classes="dialog-title", markup=False)
            yield OptionList(*[Option(f"{s.number:2d}. {s.title}", id=str(i))
                               for i, s in enumerate(self.sections)], id="contents-list")
            yield Static("Up/down to choose, enter to read, escape to close.",
                         classes="contents-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.current
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_dismiss_none(self) -> None:
        self.dismiss(-1)


class GuidancePane(Pane):
    """Plain-language guidance with contents, search, and links to checklist items."""

    pane_id = "guidance"
    title = "Guidance"

    class ShowChecklistItem(Message):
        """A link to a checklist item was followed: show it in the Checklist pane,
        bringing it back if it was deleted."""

        def __init__(self, item_id: str) -> None:
            super().__init__()
            self.item_id = item_id

    BINDINGS = [
        Binding("t", "contents", "Contents", show=False, id="guidance.contents"),
        Binding("g", "contents", "Contents", show=False, id="guidance.contents.alt"),
        Binding("slash", "search", "Search", show=False, id="guidance.search"),
        Binding("ctrl+f", "search", "Search", show=False, id="guidance.search.alt"),
        Binding("n", "next_match", "Next match", show=False, id="guidance.next"),
        Binding("N", "previous_match", "Previous match", show=False, id="guidance.previous"),
        Binding("p", "previous_match", "Previous match", show=False,
                id="guidance.previous.alt"),
        Binding("c", "checklist_item", "Go to checklist item", show=False,
                id="guidance.to_checklist"),
        Binding("right_square_bracket", "next_section", "Next section", show=False,
                id="guidance.section.next"),
        Binding("left_square_bracket", "previous_section", "Previous section", show=False,
                id="guidance.section.previous"),
        Binding("space", "page_down_text", "Page down", show=False, id="guidance.page_down"),
        Binding("b", "page_up_text", "Page up", show=False, id="guidance.page_up"),
        # g is taken (contents): w for "words".
        Binding("w", "glossary", "Glossary: words on screen", show=False,
                id="guidance.glossary"),
        Binding("alt+g", "glossary", "Glossary: words on screen", show=False,
                id="guidance.glossary.alt"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sections = load_guidance()
        self.matches: list[tuple[int, int, int, int]] = []
        self.match_index = -1
        self.query_text = ""
        self._saved_position: int | None = None
        self._restored = False
        self._status_text: str | None = None  # what the status line shows
        self._layout_waits = 0
        self._sections_mounted = 1  # the first is composed with the pane
        self._mounting = False
        self._rest_wanted = False  # the rest is to be mounted when the pane is shown

    # Layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(NOTICE, id="guidance-notice", markup=False)
        with GuidanceText(id="guidance-text"):
            yield from self.section_widgets(0)
        yield Input(placeholder="Search the guidance, then enter (escape to close)",
                    compact=True, id="guidance-search")
        yield Static("", id="guidance-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#guidance-search", Input).display = False
        follow_reader(self, self.show_reader_setting)
        self.show_reader_setting(reader_on(self))
        self.call_after_refresh(self._focus_if_shown)
        # The first section is in the first frame; the rest (some 440 widgets, more than
        # half of the start-up time) is mounted just after it, or, when another pane was
        # asked for before then, when the guidance is first shown.
        after_first_frame(self, self.mount_remaining_sections)

    def section_widgets(self, s_index: int) -> Iterable[Static]:
        for b_index, block in enumerate(self.sections[s_index].blocks):
            if block.kind == "checklist":
                yield ChecklistLink(block.item_id, s_index, id=f"link-{s_index}-{b_index}")
            else:
                heading = (f"Section {self.sections[s_index].number} of {len(self.sections)}: "
                           if block.kind == "title" else "")
                yield GuidanceBlock(block, s_index, b_index, heading,
                                    id=f"block-{s_index}-{b_index}")

    async def mount_remaining_sections(self) -> None:
        """Mount the sections after the first, a few at a time, each step once the one
        before is on screen. While another pane is asked for, the rest waits until the
        guidance is shown again (see on_show): a pane key pressed at start-up does not
        wait behind 400 widgets it will not show."""
        if self._sections_mounted >= len(self.sections):
            return
        if getattr(self.screen, "active_pane", self.pane_id) != self.pane_id:
            self._rest_wanted = True
            return
        if self._mounting:
            return
        self._mounting = True
        end = min(self._sections_mounted + SECTIONS_PER_STEP, len(self.sections))
        await self.reader.mount_all([w for i in range(self._sections_mounted, end)
                                     for w in self.section_widgets(i)])
        self._sections_mounted = end
        self._mounting = False
        if end < len(self.sections):
            self.call_after_refresh(self.mount_remaining_sections)
            return
        self.refresh_links()
        self.call_after_refresh(self.restore_position)
        self.set_interval(REMEMBER_EVERY, self.remember_position)

    def _focus_if_shown(self) -> None:
        # At start-up the tab strip has focus; move it to the text so the reading keys
        # work at once. Only while this pane is the one shown.
        focused = self.app.focused
        if self.region.area and (focused is None or isinstance(focused, Tabs)):
            self.reader.focus()

    def show_reader_setting(self, on: bool) -> None:
        """Headings, links and the notice in words alone, or with their symbols."""
        self.query_one("#guidance-notice", Static).update(READER_NOTICE if on else NOTICE)
        for block in self.query(GuidanceBlock):
            if block.heading:
                block.show_match(None)
        self.refresh_links()
        self._status_text = None
        self.update_status()

    @property
    def ready(self) -> bool:
        """Every section is mounted and the reading position is restored."""
        return self._restored

    @property
    def reader(self) -> GuidanceText:
        return self.query_one("#guidance-text", GuidanceText)

    def focus_default(self) -> None:
        self.refresh_links()
        self.reader.focus()

    async def on_show(self) -> None:
        self.refresh_links()
        if self._rest_wanted:
            self._rest_wanted = False
            await self.mount_remaining_sections()

    def on_workbook_reloaded(self) -> None:
        self.refresh_links()
        self._restored = False
        self._layout_waits = 0
        self.restore_position()

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        yield ("Guidance: contents", "Jump to a section of the guidance (t)",
               self.action_contents)
        yield ("Guidance: search", "Search inside the guidance (/)", self.action_search)
        yield ("Guidance: export", "Write the guidance, with its sources and the glossary, "
               "to a text, Markdown or web page file", self.action_export)
        # Only while the guidance is shown: from another pane, "this paragraph" is none.
        if getattr(self.screen, "active_pane", None) == self.pane_id:
            yield ("Guidance: go to the checklist item for this paragraph",
                   "Open the checklist step recommended here (c)", self.action_checklist_item)
            yield ("Glossary: words on screen", "The meaning of each term in the guidance "
                   "shown (w)", self.action_glossary)

    def action_export(self) -> None:
        # deferred: start-up speed (the first pane is imported before the first frame)
        from secondop_tui.core.guidance import render_guidance
        from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog

        sections = self.sections

        def render(fmt: str) -> str:
            if fmt == "html":
                # deferred: start-up speed (loaded only on the path that uses it)
                from secondop_tui.core import paper

                return paper.render_sections("Guidance", [paper.guidance_section(
                    None, sections)])
            return render_guidance(fmt, sections)

        self.app.push_screen(ExportTextDialog(
            "Export the guidance", "secondop-guidance", render))

    # Where the reader is ------------------------------------------------------------------
    def _blocks(self) -> list[Static]:
        return list(self.reader.query("GuidanceBlock, ChecklistLink").results(Static))

    def top_block_index(self) -> int:
        """The index of the first block at or below the top of the view."""
        reader = self.reader
        top = reader.scroll_offset.y
        for index, widget in enumerate(self._blocks()):
            if widget.virtual_region.bottom > top:
                return index
        return 0

    def current_section(self) -> int:
        blocks = self._blocks()
        if not blocks:
            return 0
        return getattr(blocks[self.top_block_index()], "section", 0)

    def restore_position(self) -> None:
        store = self.workbook_app.store
        position = store.get_setting(POSITION_SETTING) if store is not None else None
        blocks = self._blocks()
        index = position.get("block", 0) if isinstance(position, dict) else 0
        if isinstance(index, int) and 0 < index < len(blocks):
            laid_out = (blocks[index].virtual_region.y
                        and self.reader.virtual_size.height >= blocks[-1].virtual_region.bottom)
            if not laid_out and self._layout_waits < 100:
                # Not laid out yet (a busy machine can take a while): look again shortly,
                # for up to five seconds.
                self._layout_waits += 1
                self.set_timer(0.05, self.restore_position)
                return
            self.reader.scroll_to_widget(blocks[index], top=True, animate=False)
            # The scroll can be cut short while the layout still settles (a scroll bar
            # appearing re-wraps the text): look again once it has been drawn.
            self.call_after_refresh(self._confirm_position, index)
            return
        # At the top there is nothing to scroll to, but "ready" promises a laid-out text:
        # a jump to a section straight after start-up (from the palette) needs it.
        laid_out = not blocks or (blocks[-1].virtual_region.y and self.reader.virtual_size
                                  .height >= blocks[-1].virtual_region.bottom)
        if not laid_out and self._layout_waits < 100:
            self._layout_waits += 1
            self.set_timer(0.05, self.restore_position)
            return
        self._finish_restore(index if isinstance(index, int) else 0)

    def _confirm_position(self, index: int) -> None:
        at_end = self.reader.scroll_offset.y >= self.reader.max_scroll_y
        settled = self.top_block_index() == index or (at_end and self._layout_waits >= 10)
        if not settled and self._layout_waits < 100:
            self._layout_waits += 1
            self.set_timer(0.05, self.restore_position)
            return
        self._finish_restore(index)

    def _finish_restore(self, index: int) -> None:
        self._saved_position = index
        self._restored = True
        self.update_status()

    def remember_position(self) -> None:
        store = self.workbook_app.store
        if not self._restored or store is None or store.read_only or not self.is_mounted:
            return
        if not self.reader.region.area:
            return  # another pane is shown: the layout here is not current
        index = self.top_block_index()
        if index != self._saved_position:
            self._saved_position = index
            store.set_setting(POSITION_SETTING, {
                "block": index, "section": self.sections[self.current_section()].id})
        self.update_status()

    def update_status(self) -> None:
        reader = reader_on(self)
        if self.matches and self.match_index >= 0:
            text = (f'Match {self.match_index + 1} of {len(self.matches)} for '
                    f'"{one_line(self.query_text)}": n next, p previous, / new search')
        else:
            section = self.sections[self.current_section()] if self.sections else None
            where = f"{section.number}/{len(self.sections)} {section.title} · " if section else ""
            # With the screen reader setting the pane heading says where, in words.
            text = f"{'' if reader else where}t contents · / search · c checklist step"
        if reader:
            text = text.replace(" · ", ". ")  # a dot in the middle is read out as one
        # Only when the words change: this runs twice a second (remember_position), and
        # every update redraws the line, which an idle screen must not send.
        if text != self._status_text:
            self._status_text = text
            self.query_one("#guidance-status", Static).update(text)
            self.post_message(self.SummaryChanged())

    def summary(self) -> str:
        if not self.sections:
            return ""
        section = self.sections[self.current_section()]
        return f"Section {section.number} of {len(self.sections)}: {section.title}"

    # Scrolling and sections -------------------------------------------------------------
    def action_page_down_text(self) -> None:
        self.reader.scroll_page_down(animate=False)

    def action_page_up_text(self) -> None:
        self.reader.scroll_page_up(animate=False)

    def go_to_section(self, index: int) -> None:
        if 0 <= index < len(self.sections):
            self.reader.scroll_to_widget(self.query_one(f"#block-{index}-0"), top=True,
                                         animate=False)
            self.reader.focus()
            self.call_after_refresh(self.update_status)

    def action_next_section(self) -> None:
        self.go_to_section(min(self.current_section() + 1, len(self.sections) - 1))

    def action_previous_section(self) -> None:
        self.go_to_section(max(self.current_section() - 1, 0))

    def action_contents(self) -> None:
        def chosen(index: int | None) -> None:
            if index is not None and index >= 0:
                self.go_to_section(index)
            else:
                self.reader.focus()

        self.app.push_screen(GuidanceContentsScreen(self.sections, self.current_section()),
                             chosen)

    # Search ---------------------------------------------------------------------------
    def action_search(self) -> None:
        search = self.query_one("#guidance-search", Input)
        search.add_class("-open")
        search.display = True
        search.value = self.query_text
        search.focus()

    @on(Input.Submitted, "#guidance-search")
    def run_search(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_search()
        self.search(event.value)

    def on_key(self, event) -> None:
        search = self.query_one("#guidance-search", Input)
        if event.key == "escape" and search.has_focus:
            event.stop()
            self.close_search()
        elif event.key == "slash" and not search.has_focus:
            # Opened here rather than by the binding (which only runs once the key has
            # bubbled up to the app), so the keys typed straight after "/" find the
            # search open and go into it, not to the reading keys.
            event.stop()
            event.prevent_default()
            self.action_search()
        elif search.has_class("-open") and not search.has_focus:
            if event.key == "enter":
                event.stop()
                event.prevent_default()
                self.close_search()
                self.search(search.value)
            elif event.is_printable and event.character:
                event.stop()
                event.prevent_default()
                search.insert_text_at_cursor(event.character)

    def close_search(self) -> None:
        search = self.query_one("#guidance-search", Input)
        search.remove_class("-open")
        search.display = False
        self.reader.focus()

    def search(self, text: str) -> int:
        """Find ``text``, show the first match at or after the view; returns the count."""
        self._clear_match()
        self.query_text = text.strip()
        self.matches = find_matches(self.sections, self.query_text)
        self.match_index = -1
        if not self.query_text:
            self.update_status()
            return 0
        if not self.matches:
            self.notify(f'"{one_line(self.query_text)}" is not in the guidance.', timeout=4)
            self.update_status()
            return 0
        self.show_match(self.first_match_from_view())
        return len(self.matches)

    def first_match_from_view(self) -> int:
        """The first match at or after the top of the view, or the first of all (wrapping
        round) when there is none after it."""
        blocks = self._blocks()
        if not blocks:
            return 0
        top = blocks[self.top_block_index()]
        where = (getattr(top, "section", 0), block_number(top))
        return next((i for i, (s, b, _, _) in enumerate(self.matches) if (s, b) >= where), 0)

    def _clear_match(self) -> None:
        if 0 <= self.match_index < len(self.matches):
            s, b, _, _ = self.matches[self.match_index]
            self.query_one(f"#block-{s}-{b}", GuidanceBlock).show_match(None)

    def show_match(self, index: int) -> None:
        self._clear_match()
        self.match_index = index % len(self.matches)
        s, b, start, end = self.matches[self.match_index]
        block = self.query_one(f"#block-{s}-{b}", GuidanceBlock)
        block.show_match((start, end))
        self.reader.scroll_to_widget(block, animate=False, center=True)
        self.update_status()

    def action_next_match(self) -> None:
        if not self.matches:
            self.notify("Press / to search first.", timeout=3)
            return
        self.show_match(self.match_index + 1)

    def action_previous_match(self) -> None:
        if not self.matches:
            self.notify("Press / to search first.", timeout=3)
            return
        self.show_match(self.match_index - 1)

    # Glossary and export ----------------------------------------------------------------
    def text_on_screen(self) -> str:
        """The words of the guidance blocks in view (the search match's block first)."""
        view = self.reader.scroll_offset.y
        bottom = view + self.reader.scrollable_content_region.height
        blocks = [block for block in self.query(GuidanceBlock)
                  if block.virtual_region.bottom > view and block.virtual_region.y < bottom]
        if 0 <= self.match_index < len(self.matches):
            s, b, _, _ = self.matches[self.match_index]
            blocks.sort(key=lambda block: (block.section, block.index) != (s, b))
        return "\n".join(block.block.text for block in blocks)

    def action_glossary(self) -> None:
        # deferred: start-up speed (the first pane is imported before the first frame)
        from secondop_tui.ui.dialogs.glossary_dialog import show_glossary

        show_glossary(self.app, self.text_on_screen(), "the guidance on screen")

    # Checklist links ------------------------------------------------------------------
    def refresh_links(self) -> None:
        store = self.workbook_app.store
        if store is None:
            return
        checklist = Checklist(store)
        items = {}
        for group in checklist.groups(include_deleted=True):
            for item in group.items:
                items[item.id] = item
        for link in self.query(ChecklistLink):
            # A link to an item a later version retired shows what replaced it.
            item = items.get(checklist.defaults.current_id(link.item_id))
            link.show_state(item.title if item else "", bool(item and item.done),
                            bool(item and item.deleted), item is not None)

    def link_in_view(self) -> ChecklistLink | None:
        """The focused link, or a link on screen: the first after the search match when
        the match is on screen too, else the first one. A match the reader has scrolled
        away from says nothing about what they are reading now."""
        focused = self.app.focused
        if isinstance(focused, ChecklistLink):
            return focused
        view = self.reader.scroll_offset.y
        bottom = view + self.reader.scrollable_content_region.height

        def on_screen(widget: Widget) -> bool:
            region = widget.virtual_region
            return region.bottom > view and region.y < bottom

        links = [link for link in self.query(ChecklistLink) if on_screen(link)]
        if not links:
            return None
        if 0 <= self.match_index < len(self.matches):
            s, b, _, _ = self.matches[self.match_index]
            if on_screen(self.query_one(f"#block-{s}-{b}")):
                after = [link for link in links if (link.section, block_number(link)) > (s, b)]
                if after:
                    return after[0]
        return links[0]

    async def action_checklist_item(self) -> None:
        link = self.link_in_view()
        if link is None:
            self.notify("No checklist step in view. Scroll to a line marked [ ] "
                        "On your checklist, then press c.", timeout=5)
            return
        await self.open_checklist_item(link.item_id)

    async def open_checklist_item(self, item_id: str) -> None:
        """Ask for the checklist item to be shown (the workbook screen shows it)."""
        store = self.workbook_app.store
        if store is not None:
            item_id = Checklist(store).defaults.current_id(item_id)
        self.post_message(self.ShowChecklistItem(item_id))
