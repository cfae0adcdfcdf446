"""A part of a form mounted just after the first frame, so the form opens quickly."""

from __future__ import annotations

from textual.widget import Widget


class MountLater(Widget):
    """Stands in for ``widget`` in the first frame, then puts it in its place.

    Textual's ``Lazy`` does the same, but mounts even when the screen has been closed
    before the next frame (ctrl+q or escape pressed at once on a busy machine), which
    raises ``MountError`` and ends the app. This one then does nothing."""

    DEFAULT_CSS = "MountLater { display: none; }"

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.later = widget

    def on_mount(self) -> None:
        self.call_after_refresh(self._put_in_place)

    async def _put_in_place(self) -> None:
        parent = self.parent
        if not isinstance(parent, Widget) or not (self.is_attached and parent.is_attached):
            return  # the form was closed in the meantime: nothing to show
        await parent.mount(self.later, after=self)
        await self.remove()
