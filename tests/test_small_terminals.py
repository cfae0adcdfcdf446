"""Small and plain terminals: 80x24 in 16 colours, 60x20, NO_COLOR, high contrast, animations.

The 16-colour snapshots show the app as a terminal with TERM=xterm (or
TEXTUAL_COLOR_SYSTEM=standard) draws it. Textual's own screenshots are always in true
colour, so the screenshot here downgrades every colour exactly as Rich does when it writes
to a 16-colour terminal (``Color.downgrade`` to the standard system) and draws the result
with xterm's sixteen colours; a test then checks that nothing else is in the SVG.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.widgets import DataTable

from secondop_tui.core import notes
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import CREDENTIALS, CredentialCheck, Doctor, add_doctor
from secondop_tui.core.notes import AgendaItem
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.appearance import ANIMATIONS_SETTING
from secondop_tui.ui.help_screen import HelpScreen
from secondop_tui.ui.screens.consultation_screen import ConsultationScreen
from secondop_tui.ui.themes import HIGH_CONTRAST, HIGH_CONTRAST_LIGHT
from tests.helpers import run_from_palette, screen_text, settled, wait_until

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_small_terminals"
PANE_KEYS = {"guidance": "1", "checklist": "2", "doctors": "3", "notes": "4"}

# xterm's sixteen colours (normal, then bright), and its default black and light grey.
XTERM = TerminalTheme(
    (0, 0, 0), (229, 229, 229),
    [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
     (0, 205, 205), (229, 229, 229)],
    [(127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
     (255, 0, 255), (0, 255, 255), (255, 255, 255)],
)
# The SVG's window frame: its background and the three buttons in its corner.
FRAME = {"#ff5f57", "#febc2e", "#28c840"}


def xterm_colours() -> set[str]:
    colours = {XTERM.background_color.hex, XTERM.foreground_color.hex}
    colours |= {XTERM.ansi_colors[i].hex for i in range(16)}
    return colours


def downgraded(style: Style | None) -> Style | None:
    """The style as a 16-colour terminal receives it."""
    if style is None or not (style.color or style.bgcolor):
        return style
    color = style.color.downgrade(ColorSystem.STANDARD) if style.color else None
    bgcolor = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
    return style + Style.from_color(color, bgcolor)


def sixteen_colour_svg(app: SecondOpinionApp, title: str | None = None) -> str:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="standard", record=True, legacy_windows=False,
                      safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=False))
    with console._record_buffer_lock:
        console._record_buffer[:] = [Segment(text, downgraded(style), control)
                                     for text, style, control in console._record_buffer]
    return console.export_svg(title=title or app.title, theme=XTERM)


def in_16_colours(app: SecondOpinionApp) -> SecondOpinionApp:
    """The app, with its screenshots as a 16-colour terminal shows it."""
    app.export_screenshot = (  # type: ignore[method-assign]
        lambda *, title=None, simplify=False: sixteen_colour_svg(app, title))
    return app


def flat(text: str) -> str:
    """Screen text as one line: no frames, single spaces (wrapped words read on)."""
    return " ".join(text.translate(str.maketrans("", "", "█▌▐▊▎│")).split())


@pytest.fixture
def workbook(store: WorkbookStore) -> WorkbookStore:
    """Something in every pane, in every state a pane can show."""
    checklist = Checklist(store)
    first, second, third = checklist.groups()[0].items[:3]
    checklist.toggle(first.id)
    checklist.set_due(second.id, "2026-11-01")  # before the frozen today: overdue
    checklist.set_note(third.id, "Asked at the front desk.")
    verified = {key: CredentialCheck("verified", "State medical board", "2026-11-19")
                for key, _ in CREDENTIALS}
    add_doctor(store, Doctor(
        name="Dr Ana Ruiz", degree="MD", role="medical oncologist",
        affiliation="Lakeside Cancer Center", status="appointment booked",
        appointment="2026-12-03T14:30", in_network="yes", credentials=verified))
    add_doctor(store, Doctor(name="Dr Ben Okafor", degree="DO", role="surgical oncologist",
                             affiliation="University Hospital", status="contacted",
                             in_network="no"))
    visit = notes.new_consultation(store, title="Second opinion at Lakeside", doctor_id=1)
    notes.set_questions(store, visit.doc_id, [
        AgendaItem("Do you agree with the stage I was given?", state="answered", top=True),
        AgendaItem("Is there a clinical trial I should consider?", state="asked"),
        AgendaItem("How soon must treatment start?", state="deferred"),
        AgendaItem("Who do I call with questions after hours?"),
    ])
    notes.save_note(store, visit.doc_id, "[09:30] Met Dr Ruiz and the nurse.\n\n"
                    "Q1 (answered): Do you agree with the stage I was given?\nA: Yes.")
    notes.new_consultation(store, title="Call with my oncologist", day=date(2026, 11, 2))
    store.flush()
    return store


# Snapshots ------------------------------------------------------------------------------
@pytest.mark.parametrize("pane", PANE_KEYS)
def test_pane_at_80x24_in_16_colours(snap_compare, workbook, pane: str):
    app = in_16_colours(SecondOpinionApp(store=workbook, watch_signals=False))
    assert snap_compare(app, run_before=settled(PANE_KEYS[pane]), terminal_size=(80, 24))


def test_high_contrast_at_80x24_in_16_colours(snap_compare, workbook):
    workbook.set_setting("theme", HIGH_CONTRAST)
    app = in_16_colours(SecondOpinionApp(store=workbook, watch_signals=False))
    assert snap_compare(app, run_before=settled("2"), terminal_size=(80, 24))


@pytest.mark.parametrize("pane", PANE_KEYS)
def test_pane_at_60x20(snap_compare, workbook, pane: str):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    assert snap_compare(app, run_before=settled(PANE_KEYS[pane]), terminal_size=(60, 20))


def test_consultation_mode_at_60x20(snap_compare, workbook):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    assert snap_compare(app, run_before=settled("4", "f5"), terminal_size=(60, 20))


def test_16_colour_snapshots_hold_only_the_16_colours():
    snapshots = sorted(SNAPSHOTS.glob("*16_colours*.svg"))
    assert len(snapshots) == len(PANE_KEYS) + 1
    allowed = xterm_colours() | FRAME
    for snapshot in snapshots:
        used = set(re.findall(r"fill(?:=\"|:\s*)(#[0-9a-fA-F]{6})", snapshot.read_text()))
        assert used, snapshot.name
        assert used <= allowed, (snapshot.name, sorted(used - allowed))


# Usable at 80x24 and 60x20 --------------------------------------------------------------
# What each pane must show in full, whatever the size: its keys and its state.
MUST_SHOW = {
    "guidance": ["t contents", "/ search", "c checklist step", "Information, not medical"],
    "checklist": ["Overall 1/57 done", "space tick", "F1 all keys", "[x]", "⚠ OVERDUE"],
    "doctors": ["s sort, r reverse", "Dr Ana Ruiz", "Dr Ben Okafor"],
    "notes": ["Second opinion at Lakeside", "1/4 answered", "Met Dr Ruiz"],
}


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("pane", PANE_KEYS)
async def test_every_pane_usable(workbook, pane: str, size: tuple[int, int]):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press(PANE_KEYS[pane])
        await pilot.pause()
        text = flat(screen_text(app))
        for words in MUST_SHOW[pane]:
            assert words in text, (words, screen_text(app))
        assert "f1 Help" in text  # the way to every other key stays in view
        assert "1234 Panes" in text and "^q Quit" in text  # the pane keys, one word
        focused = app.focused
        assert focused is not None and focused.region.width >= 20, focused
        assert app.screen.region.contains_region(focused.region), focused


async def test_wide_doctors_table_scrolls_sideways_at_60_columns(workbook):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#doctors-table", DataTable)
        assert "Verified" not in screen_text(app)  # the last column is off to the right
        assert table.max_scroll_x > 0
        await pilot.press(*["right"] * 30)
        await pilot.pause()
        assert "Verified" in screen_text(app) and "5/5 ✓" in screen_text(app)


async def test_help_and_consultation_fit_60x20(workbook):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = flat(screen_text(app))
        assert "Keys in the Guidance pane" in text and "not medical advice" in text
        await pilot.press("escape", "4", "f5")
        await pilot.pause()
        assert isinstance(app.screen, ConsultationScreen)
        # The questions are folded away at this width: the heading carries the whole one.
        assert "Do you agree with the stage I was given?" in flat(screen_text(app))


async def test_checklist_form_labels_wrap_at_60_columns(workbook):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("2", "down", "down", "d")
        await pilot.pause()
        assert "or 3 Dec 2026" in flat(screen_text(app))  # the last date form, not cut


# No state by colour alone ---------------------------------------------------------------
async def test_states_are_told_in_words_and_symbols(workbook):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        text = screen_text(app)
        assert "[x]" in text and "[ ]" in text and "⚠ OVERDUE" in text and "✎ note" in text
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "5/5 ✓" in text and "0/5" in text and "booked" in text
        await pilot.press("4", "f5")
        await pilot.pause()
        await pilot.press("f4")  # show the questions beside the note
        await pilot.pause()
        text = screen_text(app)
        for state in ("✓ answered", "? asked", "→ deferred", "· open"):
            assert state in text, state


async def test_no_color_keeps_the_cursor_row_visible(workbook, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        backgrounds = []  # the background colours behind the text, line by line
        for strip in app.screen._compositor.render_strips():
            backgrounds.append({seg.style.bgcolor.triplet for seg in strip
                                if seg.style and seg.style.bgcolor and seg.text.strip()})
        # Every colour is a grey, and the cursor row's grey is not the next row's.
        greys = {c for row in backgrounds for c in row}
        assert all(c.red == c.green == c.blue for c in greys), greys
        options = app.screen.query_one("#checklist-list")  # one line an option
        cursor_row = options.region.y + options.highlighted - round(options.scroll_offset.y)
        assert backgrounds[cursor_row] and backgrounds[cursor_row + 1]
        assert backgrounds[cursor_row] != backgrounds[cursor_row + 1]


# Themes ---------------------------------------------------------------------------------
async def test_high_contrast_theme_from_the_palette_is_remembered(workbook, data_dir):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    assert {HIGH_CONTRAST, HIGH_CONTRAST_LIGHT} <= set(app.available_themes)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_from_palette(pilot, "Theme: high contrast")
        await wait_until(pilot, lambda: app.theme == HIGH_CONTRAST, "the theme changed")
        await pilot.press("ctrl+q")
    assert workbook.get_setting("theme") == HIGH_CONTRAST
    workbook.close()
    again = WorkbookStore.open(data_dir)
    try:
        restarted = SecondOpinionApp(store=again, watch_signals=False)
        async with restarted.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert restarted.theme == HIGH_CONTRAST
    finally:
        again.close()


# Animations -----------------------------------------------------------------------------
def tab_animations(app: SecondOpinionApp) -> list[str]:
    """Record what the animator is asked to animate from now on."""
    seen: list[str] = []
    animate = app.animator.animate

    def recording(obj, attribute, *args, **kwargs):
        seen.append(f"{type(obj).__name__}.{attribute}")
        return animate(obj, attribute, *args, **kwargs)

    app.animator.animate = recording  # type: ignore[method-assign]
    return seen


async def test_animations_off_from_the_palette_is_remembered_and_obeyed(workbook, data_dir):
    app = SecondOpinionApp(store=workbook, watch_signals=False)
    app.environment_animation_level = "full"  # as if TEXTUAL_ANIMATIONS were not set
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.animation_level == "full"
        seen = tab_animations(app)
        await pilot.press("2")
        await pilot.pause()
        assert "Underline.highlight_start" in seen  # the tab underline slides
        await run_from_palette(pilot, "Animations: off")
        await wait_until(pilot, lambda: app.animation_level == "none", "the animations off")
        seen.clear()
        await pilot.press("3")
        await pilot.pause()
        assert "Underline.highlight_start" not in seen  # it jumps
        await pilot.press("ctrl+q")
    assert workbook.get_setting(ANIMATIONS_SETTING) is False
    workbook.close()
    again = WorkbookStore.open(data_dir)
    try:
        restarted = SecondOpinionApp(store=again, watch_signals=False)
        restarted.environment_animation_level = "full"
        async with restarted.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert restarted.animation_level == "none"
            await run_from_palette(pilot, "Animations: on")
            await wait_until(pilot, lambda: restarted.animation_level == "full",
                             "the animations on")
        assert again.get_setting(ANIMATIONS_SETTING) is True
    finally:
        again.close()


ANIMATION_LEVEL = """
import sys
from pathlib import Path
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
store = WorkbookStore.open(Path(sys.argv[1]))
app = SecondOpinionApp(store=store, watch_signals=False)
app.apply_animation_setting()
print(app.animation_level)
store.close()
"""


@pytest.mark.parametrize("variable, expected", [("none", "none"), (None, "full")])
def test_textual_animations_variable_is_respected(data_dir: Path, variable, expected):
    WorkbookStore.open(data_dir).close()
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_ANIMATIONS"}
    if variable is not None:
        env["TEXTUAL_ANIMATIONS"] = variable
    out = subprocess.run([sys.executable, "-c", ANIMATION_LEVEL, str(data_dir)],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


@pytest.mark.parametrize("variable", ["none", "basic", "full"])
def test_textual_animations_variable_is_read_when_the_app_starts(variable, monkeypatch):
    # Textual reads the variable once, when first imported; the app reads it again.
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", variable)
    app = SecondOpinionApp(watch_signals=False)
    assert app.animation_level == app.environment_animation_level == variable
