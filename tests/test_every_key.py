"""Every key a keyboard can send, on every pane, dialog and screen: the app keeps running
and the workbook changes only where the key is bound to a change.

One app run per context (a pane with its focus, an open dialog, a screen). After each
key the app must still run, with no exception, and the workbook must be as it was unless
(context, key) is in ``CHANGES``. When a key leaves the context (it opened something,
moved the focus, closed the dialog), the test escapes back to the workbook screen and
opens the context again.

ctrl+q quits: it is left out of the walk and tested on its own below.
"""

from __future__ import annotations


import pytest

from tests.contexts import (
    CONTEXTS,
    Context,
    KEYS,
    back_to_the_workbook,
    difference,
    press,
    seed,
    settle,
    stored,
    where,
    workbook,
)


@pytest.fixture
def quiet_outside(monkeypatch, tmp_path):
    """Exports go to a folder of the test's own, and $EDITOR is a program that changes
    nothing."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("VISUAL", "true")
    monkeypatch.setenv("EDITOR", "true")


# Pressed in every context in a short run: the keys most likely to act anywhere.
ALWAYS = {"escape", "enter", "tab", "space", "left", "f1"}
SHARES = 6


def keys_for(context: Context, every: bool) -> list[str]:
    """Every key with --long; otherwise the keys in ALWAYS and a sixth of the rest,
    a different sixth from one context to the next (so the short run presses each key
    in about a sixth of the contexts, and every key in some pane and some dialog)."""
    if every:
        return KEYS
    share = CONTEXTS.index(context) % SHARES
    return [key for n, key in enumerate(KEYS) if key in ALWAYS or n % SHARES == share]


@pytest.mark.parametrize("context", CONTEXTS, ids=lambda c: c.name.replace(" ", "-"))
async def test_every_key_keeps_the_app_running_and_the_workbook_as_it_was(
        make_app, store, quiet_outside, request, context: Context):
    keys = keys_for(context, request.config.getoption("--long"))
    seed(store)
    app = make_app()
    changed_where_unbound: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await context.open(app, pilot)
        here = where(app)
        for key in keys:
            if where(app) != here:
                await back_to_the_workbook(pilot)
                await context.open(app, pilot)
                here = where(app)
            before = workbook(app, store)
            await press(pilot, key)
            await settle(pilot)
            assert app.is_running and app._exception is None, (
                f"{key} in the {context.name} ended the app: {app._exception!r}")
            after = workbook(app, store)
            if key not in context.changes and after != before:
                changed_where_unbound.append(f"{key} ({difference(before, after)})")
        assert not changed_where_unbound, (
            f"keys that changed the workbook in the {context.name} though no change is "
            f"bound to them there: {changed_where_unbound}")
    assert app._exception is None


def test_the_walk_covers_every_key_family():
    assert {"shift+left", "ctrl+right", "alt+up", "ctrl+shift+down", "shift+home",
            "ctrl+pageup", "alt+end", "insert", "delete", "backspace", "tab", "shift+tab",
            "escape", "enter", "space", "f1", "f12", "ctrl+a", "ctrl+z", "alt+a",
            "alt+z"} <= set(KEYS)
    assert "ctrl+q" not in KEYS  # quits: see below
    # The short run presses every key somewhere, in panes and in dialogs alike.
    for kind in (CONTEXTS[:6], CONTEXTS[6:]):
        pressed = {key for context in kind for key in keys_for(context, every=False)}
        assert pressed == set(KEYS)


@pytest.mark.parametrize("context", [c for c in CONTEXTS if c.name in
                                     ("checklist", "note editor", "doctor form",
                                      "consultation mode", "command palette")],
                         ids=lambda c: c.name.replace(" ", "-"))
async def test_ctrl_q_quits_cleanly_from(make_app, store, quiet_outside, context: Context):
    seed(store)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await context.open(app, pilot)
        before = workbook(app, store)
        await press(pilot, "ctrl+q")
    assert app._exception is None and app.return_code == 0
    assert stored(store) == before
