"""The workbook screen: the Header, the save warning, the four panes as tabs, the Footer."""

from __future__ import annotations

import asyncio
import gc
import importlib
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane, Tabs

from secondop_tui.ui.panes import PANES, Pane
from secondop_tui.ui.panes.base import after_first_frame
from secondop_tui.ui.textual_internals import mark_footer_bindings_ready
from secondop_tui.ui.workbook_app import WorkbookApp

if TYPE_CHECKING:
    from secondop_tui.ui.panes.doctors import DoctorsPane
    from secondop_tui.ui.panes.guidance import GuidancePane

# The first pane's class is imported with the app; the other three (and the dialogs they
# import) after the first frame, when their panes are mounted: the first frame does not
# wait for them.
PANE_MODULES: dict[str, tuple[str, str]] = {
    "guidance": ("secondop_tui.ui.panes.guidance", "GuidancePane"),
    "checklist": ("secondop_tui.ui.panes.checklist", "ChecklistPane"),
    "doctors": ("secondop_tui.ui.panes.doctors", "DoctorsPane"),
    "notes": ("secondop_tui.ui.panes.notes", "NotesPane"),
}


def mounted_panes(screen: Screen) -> list[Pane]:
    """The screen's panes that are ready: a hidden pane still being mounted (after the
    first frame) has no widgets yet to ask, and nothing typed in it to save."""
    return [pane for pane in screen.query(Pane) if pane.is_mounted]


def pane_class(pane_id: str) -> type[Pane]:
    """The class of a pane, its module imported if it was not yet."""
    module, name = PANE_MODULES[pane_id]
    return getattr(importlib.import_module(module), name)

FIRST_PANE = "guidance"


class PaneHeading(Static):
    """The pane shown and what it holds, in words ("Pane 2 of 4: Checklist. 5 of 30
    done."), under the Header: shown with the screen reader setting, instead of the tab
    bar, whose underline shows only to the eye."""

    shown_text = ""

    def say(self, text: str) -> None:
        if text != self.shown_text:  # an idle screen sends nothing
            self.shown_text = text
            self.update(text)


class SaveWarning(Static):
    """The line under the Header that says why the workbook is not saved (the app's
    status fills it)."""

    shown_text = ""


class WorkbookFooter(Footer):
    """A Footer that shows the app's keys (Quit, Help) in the very first frame.

    Textual's Footer stays empty until the focused widget is known, a refresh later;
    the app's own keys are known from the start, so they are drawn at once and the
    pane's keys join them when focus settles. (Relies on Footer internals, see
    textual_internals.py: Textual is pinned exactly.)
    """

    def compose(self) -> ComposeResult:
        mark_footer_bindings_ready(self)
        for widget in super().compose():
            # Marked so that a narrow terminal can keep Help in view (see app.tcss).
            if getattr(widget, "action", None) == "help":
                widget.add_class("-help")
            yield widget


PANES_GROUP = Binding.Group("Panes", compact=True)


class WorkbookTabs(TabbedContent):
    """The four panes as tabs. A tab follows the focus only while the focus is still in
    its pane: at start-up the first pane's news of its first focus can arrive after a
    pane key has moved the focus on (each pane passes the news up in its own time), and
    it switched the tab bar and the content back while the focus, and the Footer's
    keys, stayed in the pane the key chose."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.app.focused
        if focused is None or event.tab_pane not in focused.ancestors_with_self:
            event.stop()
            event.prevent_default()  # TabbedContent's own handler does not run

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        """The tab bar's news of a tab it made active follows the bar only while that tab
        is still the active one: the news of the first tab, late on a busy machine,
        showed the first pane again after a pane key had shown another, and its Hide
        took the focus (and the typing) away from the pane shown."""
        if event.tabs.active != event.tab.id:
            event.stop()
            event.prevent_default()  # TabbedContent's own handler does not run


class WorkbookScreen(Screen):
    """Header, the save warning, the four panes as tabs, and the Footer."""

    BINDINGS = [
        # In the Footer as one compact group ("1234 Panes"), so it costs little room.
        Binding(key, f"show_pane('{pane_id}')", title, id=f"pane.{pane_id}",
                group=PANES_GROUP)
        for pane_id, title, key in PANES
    ] + [
        # A second key per pane that also works while a text field has focus.
        Binding(f"alt+{key}", f"show_pane('{pane_id}')", title, show=False,
                priority=True, id=f"pane.{pane_id}.alt")
        for pane_id, title, key in PANES
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="✚")
        yield SaveWarning("", id="save-warning", markup=False)
        yield PaneHeading("", id="pane-heading", markup=False)
        with WorkbookTabs(id="panes", initial=FIRST_PANE):
            for pane_id, title, key in PANES:
                with TabPane(f"{title} {key}", id=pane_id):
                    # Hidden panes are mounted once the first frame is drawn, so the
                    # first pane is on screen without waiting for the other three.
                    if pane_id == FIRST_PANE:
                        yield pane_class(pane_id)(id=f"{pane_id}-pane")
        yield WorkbookFooter()

    def on_mount(self) -> None:
        # pane id -> set once the pane is mounted (the first pane is composed with us)
        self._pane_mounted: dict[str, asyncio.Event] = {}
        self.refresh_pane_heading()
        after_first_frame(self, self.mount_hidden_panes)

    async def mount_hidden_panes(self) -> None:
        try:
            for pane_id, _, _ in PANES:
                await self.ensure_pane(pane_id)
        except (NoMatches, MountError):
            return  # quit in the first moment: the screen went away while panes mounted
        if getattr(self.app, "freeze_gc", False):
            # Everything made at start-up (the workbook's records, the panes) is kept for
            # the whole run: moved out of the collector's reach, a collection while
            # typing no longer walks it (tens of milliseconds with a large workbook).
            gc.freeze()

    async def ensure_pane(self, pane_id: str) -> Pane:
        """The pane, mounted now if it was not yet (a key pressed in the first moment)."""
        if pane_id != FIRST_PANE:
            mounted = self._pane_mounted.get(pane_id)
            if mounted is None:
                mounted = self._pane_mounted[pane_id] = asyncio.Event()
                await self.query_one(f"#{pane_id}", TabPane).mount(
                    pane_class(pane_id)(id=f"{pane_id}-pane"))
                mounted.set()
            await mounted.wait()
        return self.query_one(f"#{pane_id}-pane", Pane)

    async def action_show_pane(self, pane_id: str) -> None:
        app = self.app
        if isinstance(app, WorkbookApp):
            app.save_now()
        tabs = self.query_one("#panes", TabbedContent)
        tabs.active = pane_id
        pane = await self.ensure_pane(pane_id)
        pane.focus_default()
        self.refresh_pane_heading()

    def on_pane_summary_changed(self, message: Pane.SummaryChanged) -> None:
        self.refresh_pane_heading()

    def refresh_pane_heading(self) -> None:
        """Say which pane is shown and what it holds (see PaneHeading)."""
        active = self.active_pane
        for number, (pane_id, title, _) in enumerate(PANES, 1):
            if pane_id == active:
                panes = self.query(f"#{pane_id}-pane").results(Pane)
                pane = next(panes, None)
                summary = pane.summary() if pane is not None and pane.is_mounted else ""
                text = f"Pane {number} of {len(PANES)}: {title}."
                self.query_one(PaneHeading).say(f"{text} {summary}" if summary else text)

    async def on_guidance_pane_show_checklist_item(
            self, message: GuidancePane.ShowChecklistItem) -> None:
        """A link in the Guidance pane: show the Checklist pane and the item in it."""
        # deferred: start-up speed (the checklist's module is imported after the first
        # frame, when its pane is mounted)
        from secondop_tui.ui.panes.checklist import ChecklistPane

        await self.action_show_pane(ChecklistPane.pane_id)
        self.query_one(ChecklistPane).show_item(message.item_id, restore=True)

    async def on_doctors_pane_new_consultation(
            self, message: DoctorsPane.NewConsultation) -> None:
        """The Doctors pane's "new consultation": show the Notes pane and start one there."""
        # deferred: start-up speed (the notes' module is imported after the first frame,
        # when its pane is mounted)
        from secondop_tui.ui.panes.notes import NotesPane

        await self.action_show_pane(NotesPane.pane_id)
        notes = await self.ensure_pane(NotesPane.pane_id)
        assert isinstance(notes, NotesPane)
        notes.action_new_consultation(message.doctor_id)

    def on_resize(self) -> None:
        app = self.app
        if isinstance(app, WorkbookApp):
            app.refresh_status()  # the Header's forms depend on the width

    @property
    def active_pane(self) -> str:
        return self.query_one("#panes", TabbedContent).active
