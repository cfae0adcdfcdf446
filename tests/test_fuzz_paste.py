"""Fuzzing pastes in the app: bracketed pastes holding escape sequences, NUL, C1 controls
and partial sequences, into every text field of every dialog and the note editor. The
field ends holding text only, and the paste ran nothing: the same screen, the same focus.

Each example starts the app once and pastes its texts into every text field of the
context; the example counts stay small (an app start costs a second or more)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual.widgets import TextArea

from tests.contexts import CONTEXTS, seed, settle

PIECES = (list("ab \t\n\r") + ["Hb 12", "é", "🙂", "\u00a0", "\x00", "\x07", "\x7f",
                                "\x1b", "\x1b[", "\x1b]0;", "\x1b[20", "\x1b[1m", "\x1b[0m",
                                "\x1b[A", "\x1bOP", "\x1b]0;title\x07", "\x1b[200~",
                                "\x1b[201~", "\x1bP1$r\x1b\\", "\x9b", "\x9b1m", "\x9d"]
          + [chr(c) for c in range(0x80, 0xa0, 7)])
PASTES = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)

FIELD_CONTEXTS = [c for c in CONTEXTS if c.name in (
    "note editor", "doctors filter", "checklist item form", "insurance call form",
    "doctor form", "new consultation", "opinion form", "profile form", "notes export",
    "timeline export", "command palette", "consultation mode")]


def bad_characters(text: str, multi_line: bool) -> list[str]:
    allowed = "\n\t" if multi_line else ""
    return [c for c in text if (ord(c) < 0x20 and c not in allowed) or 0x7f <= ord(c) <= 0x9f]


def shown(widget) -> bool:
    """Whether the widget and everything it is in are displayed."""
    return all(node.display for node in widget.ancestors_with_self
               if node is not widget.screen and node is not widget.app)


async def paste_everywhere(make_app, context, pastes: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await context.open(app, pilot)
        screen = app.screen
        # The fields shown: a pane behind another tab is mounted too, and its fields
        # count as focusable (Textual looks at a widget's own display only), but pasting
        # there switched the tabs, and the late news of that switch hid the next field.
        fields = [w for w in screen.query("Input, TextArea")
                  if w.focusable and shown(w) and not getattr(w, "read_only", False)]
        assert fields, context.name
        for field in fields:
            for text in pastes:
                field.focus()
                await settle(pilot)
                if isinstance(field, TextArea):
                    field.load_text("")
                else:
                    field.value = ""
                await settle(pilot)
                handled = app.keys_handled + 1
                app.post_message(events.Paste(text))
                await settle(pilot, "the paste handled", handled=handled)
                assert app.is_running and app._exception is None, (context.name, text)
                value = field.text if isinstance(field, TextArea) else field.value
                bad = bad_characters(value, isinstance(field, TextArea))
                assert not bad, (context.name, field.id, text, value)
                assert app.screen is screen, (context.name, field.id, text)
                assert app.focused is field, (context.name, field.id, text, app.focused)


@pytest.mark.parametrize("context", FIELD_CONTEXTS, ids=lambda c: c.name.replace(" ", "-"))
def test_a_hostile_paste_lands_as_text_in_every_field(make_app, store, context, tmp_path,
                                                     monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    seed(store)

    @settings(max_examples=2)
    @given(st.lists(PASTES, min_size=4, max_size=4))
    def check(pastes: list[str]) -> None:
        asyncio.run(paste_everywhere(make_app, context, pastes))

    check()
