"""Input a careless, unlucky or hostile user sends: keys Textual would take as handler
names, pastes holding escape sequences and control characters, a terminal whose input
ends without a hangup signal."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual.keys import Keys, _character_to_key
from textual.widgets import Input, TextArea

from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import list_doctors
from secondop_tui.core.notes import list_consultations, new_consultation
from secondop_tui.ui.terminal import PASTE_END, PASTE_START, PasteSafeParser, clean_paste
from tests.helpers import key_state, keys_handled, ui_classes, wait_until

# What a terminal sends for a paste of "Lab results:", bold on, a tab, "Hb 12", bold
# off, a line break, and a second line (the tester's case).
PASTED = "Lab results:\x1b[1m\tHb 12\x1b[0m\nnext line: ask about dose and timing"
PASTED_CLEAN = "Lab results:\tHb 12\nnext line: ask about dose and timing"

# ---------------------------------------------------------------------------------------
# Names Textual takes as key handlers


def key_names() -> set[str]:
    """Every name Textual may look up as ``key_<name>`` or ``_key_<name>``: the special
    keys with and without modifiers, and the characters a keyboard types."""
    names = {key.value for key in Keys}
    modified = set()
    for name in list(names):
        for mod in ("shift+", "ctrl+", "alt+", "ctrl+shift+", "alt+shift+", "ctrl+alt+"):
            modified.add(mod + name)
    names |= modified
    for code in range(0x20, 0x7f):
        names.add(_character_to_key(chr(code)))
    for code in range(0xa0, 0x250):
        names.add(_character_to_key(chr(code)))
    return {events.Key(name, None).name for name in names}


def test_no_method_or_attribute_is_taken_for_a_key_handler():
    """Textual calls any ``key_<key>`` or ``_key_<key>`` on the app, a screen or a
    widget when that key is pressed: a helper of that name crashed the app on ←."""
    keys = key_names()
    assert "left" in keys and "ctrl_q" in keys and "a" in keys
    taken = []
    for cls in ui_classes():
        for klass in cls.__mro__:
            if not klass.__module__.startswith("secondop_tui."):
                continue
            for name in vars(klass):
                match = re.fullmatch(r"_?key_(.+)", name)
                if match:
                    taken.append(f"{klass.__qualname__}.{name}")
    assert not taken, ("names Textual would call as key handlers: " + ", ".join(taken)
                       + " (use bindings, or another name)")


async def test_the_app_object_holds_no_key_handler_names(make_app):
    """The same for attributes set on the running app and every node on its screens."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "1234":
            await pilot.press(key)
        await pilot.press("f1")
        nodes = [app, *app.screen_stack]
        for screen in app.screen_stack:
            nodes.extend(screen.walk_children())
        keys = key_names()
        taken = sorted({f"{type(node).__name__}.{name}" for node in nodes
                        for name in vars(node)
                        if (match := re.fullmatch(r"_?key_(.+)", name))
                        and (match.group(1) in keys
                             or type(node).__module__.startswith("secondop_tui."))})
        assert not taken, taken


@pytest.mark.parametrize("pane", ["1", "2", "3", "4"])
async def test_arrow_keys_on_every_pane_keep_the_app_running(make_app, pane):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(pane)
        await pilot.press("left", "right", "shift+left", "ctrl+left", "alt+left",
                          "up", "down", "left")
        await pilot.press("f1", "left", "right", "escape")
        assert app.is_running and app.return_code is None


async def test_left_in_a_checklist_form_keeps_the_title(make_app, store):
    from secondop_tui.ui.dialogs.checklist_item_dialog import ChecklistItemDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.press("a", *"Ask about the scans", "tab", "left", "left", "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ChecklistItemDialog),
                         "the form to close")
        titles = [i.title for g in Checklist(store).groups() for i in g.items]
        assert "Ask about the scans" in titles


# ---------------------------------------------------------------------------------------
# The parser: a bracketed paste is text, in any pieces


def parse(*chunks: str, settle: bool = True) -> list[events.Event]:
    parser = PasteSafeParser()
    out: list[events.Event] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    if settle:
        parser._last_input -= 10  # as if a moment passed with nothing more read
        out.extend(parser.tick())
        if parser._timeout_time is not None:  # a lone escape waits for its delay
            parser._timeout_time = 0
            out.extend(parser.tick())
    return out


def described(found: list[events.Event]) -> list[tuple[str, str]]:
    return [("paste", e.text) if isinstance(e, events.Paste) else ("key", e.key)
            for e in found if isinstance(e, (events.Paste, events.Key))]


def test_a_paste_with_escape_sequences_arrives_whole_as_text():
    found = described(parse("ab" + PASTE_START + PASTED + PASTE_END + "4"))
    assert found == [("key", "a"), ("key", "b"), ("paste", PASTED), ("key", "4")]


def test_a_paste_split_anywhere_arrives_the_same():
    """A slow link or a 4 KB read splits a paste, its marks included, anywhere."""
    stream = "x" + PASTE_START + PASTED + PASTE_END + "y"
    for cut in range(1, len(stream)):
        assert described(parse(stream[:cut], stream[cut:])) == [
            ("key", "x"), ("paste", PASTED), ("key", "y")], cut
    one_by_one = described(parse(*stream))
    assert one_by_one == [("key", "x"), ("paste", PASTED), ("key", "y")]


def test_escape_alone_is_still_a_key():
    assert described(parse("\x1b")) == [("key", "escape")]
    assert described(parse("\x1b[A")) == [("key", "up")]


def test_a_paste_whose_end_never_comes_ends_and_keys_are_keys_again():
    found = described(parse(PASTE_START + "half a paste"))
    assert found == [("paste", "half a paste")]


def test_bytes_that_are_not_utf8_do_not_stop_the_input():
    from codecs import getincrementaldecoder

    decode = getincrementaldecoder("utf-8")(errors="replace").decode
    found = [e for e in parse(decode(b"a\xff\xfeb")) if isinstance(e, events.Key)]
    assert [e.character for e in found] == ["a", "\ufffd", "\ufffd", "b"]


def test_cleaning_keeps_the_words_and_drops_the_codes():
    assert clean_paste(PASTED) == PASTED_CLEAN
    assert clean_paste(PASTED, one_line=True) == "Lab results: Hb 12 next line: ask about dose and timing"
    assert clean_paste("a\x00b\x07c\x9b1md\x1b]0;title\x07e\x1b]8;;http://x\x1b\\f\r\ng") == "abcdef\ng"
    assert clean_paste("tail \x1b[") == "tail "


@given(st.lists(st.sampled_from(
    list("abc \t\n\r") + ["\x1b", "\x1b[", "\x1b[1m", "\x1b[0m", "\x1b]0;t\x07", "\x00",
                          "\x9b", "\x85", "\x7f", "\x1bP1$r\x1b\\", "\u00a0", "é", "🙂",
                          "\x1b[200~", "\x1b[20"])).map("".join))
def test_cleaned_paste_holds_no_control_character(text):
    for one_line in (False, True):
        cleaned = clean_paste(text, one_line=one_line)
        allowed = "\t\n" if not one_line else ""
        assert not any((ord(c) < 0x20 and c not in allowed) or 0x7f <= ord(c) <= 0x9f
                       for c in cleaned), repr(cleaned)
        letters = [c for c in text if c.isalnum() and c not in "P"]
        # Words outside escape sequences survive (an OSC swallows its own text).
        if "\x1b" not in text and "\x9b" not in text:
            assert [c for c in cleaned if c.isalnum()] == letters


# ---------------------------------------------------------------------------------------
# Pastes in the app


async def open_note(app, pilot, store):
    new_consultation(store, title="Visit")
    app.post_message(events.Key("4", "4"))
    await wait_until(pilot, lambda: app.screen.query("#notes-pane") and
                     app.screen.active_pane == "notes", "the Notes pane")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.focused, TextArea), "the note")


async def test_a_paste_with_escape_sequences_lands_in_the_note_as_text(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_note(app, pilot, store)
        await pilot.press(*"before ")
        app.post_message(events.Paste(PASTED))
        await pilot.press(*" after")
        await wait_until(pilot, lambda: not app.keys_pending(), "the keys handled")
        app.save_now()
        [visit] = list_consultations(store)
        assert visit.note == "before " + PASTED_CLEAN + " after"
        assert app.screen.active_pane == "notes" and len(app.screen_stack) == 1


async def test_a_paste_typed_after_keys_lands_after_them(make_app, store):
    """Keys waiting their turn are not overtaken by a paste."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_note(app, pilot, store)
        for char in "typed first ":
            app.post_message(events.Key(char, char))
        app.post_message(events.Paste("then pasted"))
        await pilot.pause()
        await wait_until(pilot, lambda: not app.keys_pending(), "the keys handled")
        app.save_now()
        assert list_consultations(store)[0].note == "typed first then pasted"


async def test_a_huge_paste_into_a_doctor_name_stays_in_that_field(make_app, store):
    from secondop_tui.ui.dialogs.doctor_form_dialog import DoctorFormDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorFormDialog)
                         and isinstance(app.focused, Input), "the doctor form")
        name_field = app.focused
        big = ("Dr Ana Pérez\x1b[1m\tverified\x1b[0m\n" * 6000)[:200_000]
        app.post_message(events.Paste(big))
        await pilot.pause()
        await wait_until(pilot, lambda: not app.keys_pending(), "the paste handled")
        assert name_field.value.startswith("Dr Ana Pérez verified Dr Ana")
        assert "\x1b" not in name_field.value and "\n" not in name_field.value
        spread = [w.id for w in app.screen.query(Input)
                  if w is not name_field and ("Ana" in w.value or "verified" in w.value)]
        assert not spread
        assert isinstance(app.screen, DoctorFormDialog)
        assert list_doctors(store) == []


async def test_a_paste_outside_a_text_field_does_nothing_and_says_so(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        before = Checklist(store).groups()
        app.post_message(events.Paste("a\x1b[Bz  x d ctrl+q\n"))
        await pilot.pause()
        await wait_until(pilot, lambda: not app.keys_pending(), "the paste handled")
        assert [(g.id, [(i.id, i.done) for i in g.items]) for g in Checklist(store).groups()] \
            == [(g.id, [(i.id, i.done) for i in g.items]) for g in before]
        assert app.is_running and len(app.screen_stack) == 1
        assert any("text field" in str(n.message) for n in app._notifications)


def test_a_megabyte_paste_never_goes_through_the_key_parser(monkeypatch):
    """A megabyte paste skips the key parser, character by character the slow part
    (parsed as keys it kept the app busy for minutes): nothing of it is fed there."""
    from textual._xterm_parser import XTermParser

    big = ("line of text " * 80 + "\n") * 1000
    fed: list[str] = []
    original = XTermParser.feed

    def counting_feed(self, data):
        fed.append(data)
        return original(self, data)

    monkeypatch.setattr(XTermParser, "feed", counting_feed)
    parser = PasteSafeParser()
    found = described(list(parser.feed("a" + PASTE_START + big + PASTE_END + "b")))
    assert found == [("key", "a"), ("paste", big), ("key", "b")]
    assert "".join(fed) == "ab"


# ---------------------------------------------------------------------------------------
# A pane key in the first moment


def shown_pane(app) -> dict[str, str | None]:
    """What shows which pane: the tab bar, the content, and the focus (the Footer)."""
    from textual.widgets._tabbed_content import ContentSwitcher, ContentTabs

    from secondop_tui.ui.panes.base import Pane

    tabs = app.screen.query_one("#panes")
    focused = app.focused
    pane = next((n for n in focused.ancestors_with_self if isinstance(n, Pane)), None) \
        if focused is not None else None
    return {"tabbed": tabs.active,
            "bar": tabs.get_child_by_type(ContentTabs).active.removeprefix("--content-tab-"),
            "content": tabs.get_child_by_type(ContentSwitcher).current,
            "focus": pane.id.removesuffix("-pane") if pane is not None else None}


@pytest.mark.parametrize("hops", range(0, 60, 6))
async def test_a_pane_key_in_the_first_moments_shows_that_pane_fully(make_app, monkeypatch,
                                                                     hops):
    """A pane key handled at any point of the start-up (after the app has taken ``hops``
    turns of its loop) shows that pane: tab bar, content and focus alike."""
    from secondop_tui.ui.app import SecondOpinionApp

    original = SecondOpinionApp.on_mount

    def on_mount(self) -> None:
        original(self)

        def hop(left: int) -> None:
            if left:
                self.call_later(hop, left - 1)
            else:
                self.post_message(events.Key("4", "4"))

        hop(hops)

    monkeypatch.setattr(SecondOpinionApp, "on_mount", on_mount)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        want = {"tabbed": "notes", "bar": "notes", "content": "notes", "focus": "notes"}
        await wait_until(pilot, lambda: shown_pane(app) == want,
                         f"the Notes pane shown fully (it was {shown_pane(app)})")
        # And it stays so once everything the start-up set off has been handled.
        await wait_until(pilot, lambda: keys_handled(app), "every message handled",
                         state=lambda: key_state(app))
        assert shown_pane(app) == want


async def test_late_news_of_an_earlier_focus_does_not_switch_the_tab_back(make_app):
    """At start-up the first pane's news of its first focus can reach the tabs after a
    pane key has moved the focus on: it must not switch the tab bar and the content
    back while the focus (and the Footer's keys) stay on the pane the key chose."""
    from textual.widgets import TabPane

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        want = {"tabbed": "notes", "bar": "notes", "content": "notes", "focus": "notes"}
        await wait_until(pilot, lambda: shown_pane(app) == want, "the Notes pane")
        guidance = app.screen.query_one("#guidance", TabPane)
        app.screen.query_one("#panes").post_message(TabPane.Focused(guidance))
        await wait_until(pilot, lambda: keys_handled(app), "the late news handled",
                         state=lambda: key_state(app))
        assert shown_pane(app) == want


def test_the_terminal_and_the_browser_read_pastes_as_text(monkeypatch):
    """Both drivers the app runs on use the paste-safe parser: the terminal's (which
    also takes the end of input as a hangup) and the one serve names for the browser."""
    from textual import constants

    from secondop_tui.ui.app import SecondOpinionApp
    from secondop_tui.ui.terminal import WorkbookDriver
    from secondop_tui.ui.web_terminal import WorkbookWebDriver

    monkeypatch.setattr(constants, "DRIVER", None)
    assert SecondOpinionApp(watch_signals=False).driver_class is WorkbookDriver
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.web_driver:WebDriver")
    assert SecondOpinionApp(watch_signals=False).driver_class is WorkbookWebDriver


async def test_a_stuck_hangup_writes_down_the_keys_left_and_next_start_names_them(
        make_app, store, monkeypatch):
    """Only if the app stops making progress after a hangup does the watchdog end it:
    it saves, and writes down the keys not yet handled, which check and the next start
    name."""
    from secondop_tui.core.check import run_check
    from secondop_tui.core.store import WorkbookStore
    from secondop_tui.ui.leaving import HangupWatchdog

    ended = []
    monkeypatch.setattr("os._exit", lambda code: ended.append(code))
    app = make_app(leave_if_stuck=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app._keys_waiting.extend([events.Key("a", "a"), events.Paste("ward 3"),
                                  events.Key("left", None)])
        HangupWatchdog(app).give_up()
        app._keys_waiting.clear()
    assert ended == [0]
    [left] = list(store.paths.data_dir.glob("keys-not-handled-*.txt"))
    assert left.read_text() == "award 3[left]"
    assert oct(left.stat().st_mode & 0o777) == "0o600"
    report, _ = run_check(store.paths.data_dir)
    assert left.name in report
    again = WorkbookStore.open(store.paths.data_dir)
    try:
        assert any(str(left) in notice for notice in again.notices)
    finally:
        again.close()


@pytest.mark.parametrize("pane_id", ["checklist", "doctors", "notes"])
async def test_quitting_while_a_pane_is_mounted_ends_without_a_traceback(make_app, monkeypatch,
                                                                         pane_id):
    """A quit in the first moment of a busy machine can come while a pane behind its tab
    is being mounted: Textual then mounts none of the pane's parts, and the pane must not
    go looking for them (it ended the app with NoMatches, once, under load)."""
    from secondop_tui.ui.workbook_screen import pane_class

    kind = pane_class(pane_id)
    compose = kind.compose

    def quit_meanwhile(self):
        self._pruning = True  # what Textual marks on each node a quitting app removes
        return compose(self)

    monkeypatch.setattr(kind, "compose", quit_meanwhile)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: any(pane.is_mounted for pane in app.screen.query(kind)),
                         f"the {pane_id} pane mounted")
        await wait_until(pilot, lambda: keys_handled(app), "everything handled",
                         state=lambda: key_state(app))
        assert app._exception is None
