"""A tab's news that arrives late never switches the panes back: at start-up on a busy
machine, the first tab's "activated" can still be on its way when a pane key (or a
test) has shown another pane. Taken then, it showed the Guidance content again under the
Notes tab's keys and took the focus (and so the typing) away from the note."""

from __future__ import annotations

import asyncio

from textual.widgets import Tab, TabbedContent, Tabs, TextArea

from tests.contexts import press, seed, show_pane
from tests.helpers import wait_until


async def handled_and_drawn(pilot, *nodes) -> None:
    """Until what ``nodes`` hold is handled, a frame drawn after it, and what that frame
    told the widgets (a Hide) handled too."""
    app = pilot.app
    for node in nodes:
        done = asyncio.Event()
        node.call_later(done.set)
        await wait_until(pilot, done.is_set, f"{node} handled its messages")
    drawn = asyncio.Event()
    app.screen.call_after_refresh(drawn.set)
    await wait_until(pilot, drawn.is_set, "a frame drawn")
    for node in nodes:
        done = asyncio.Event()
        node.call_later(done.set)
        await wait_until(pilot, done.is_set, f"{node} handled its messages")


async def test_late_news_of_an_earlier_tab_leaves_the_pane_and_the_focus(make_app, store):
    seed(store)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await show_pane(pilot, "4", "notes")
        await press(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.focused, TextArea), "the note editor")
        editor = app.focused
        tabs = app.screen.query_one("#panes", TabbedContent)
        bar = tabs.query_one(Tabs)
        guidance = next(tab for tab in bar.query(Tab) if tab.id and tab.id.endswith("guidance"))
        bar.post_message(Tabs.TabActivated(bar, guidance))
        await handled_and_drawn(pilot, bar, tabs, editor)
        assert app.screen.active_pane == "notes"
        assert tabs.query_one("ContentSwitcher").current == "notes"
        assert app.focused is editor
