"""The part of a form mounted after the first frame (the doctor form's lower half)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from secondop_tui.ui.widgets.mount_later import MountLater
from tests.helpers import wait_until


class Form(App):
    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static("first part", id="first")
            yield MountLater(Static("second part", id="second"))


async def test_the_second_part_takes_the_placeholder_s_place():
    app = Form()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.query("#second"), "the second part mounted")
        form = app.query_one("#form")
        assert [w.id for w in form.children] == ["first", "second"]
        assert not app.query(MountLater)


class ClosedAtOnce(Form):
    def on_mount(self) -> None:
        self.exit()  # before the first frame, as ctrl+q pressed at once on a busy machine


async def test_nothing_is_mounted_once_the_form_is_gone():
    """The app (or the form's screen) is taken down before the placeholder's turn comes:
    it must do nothing, where mounting would raise MountError and end the app with it."""
    app = ClosedAtOnce()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: not app.is_running, "the app ended")
    assert app._exception is None
