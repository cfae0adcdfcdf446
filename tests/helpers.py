"""Helpers shared by the test modules. Fixtures stay in conftest.py; test modules import
what they share from here, never from conftest.py or from one another.

Waiting: a test waits for the condition it needs (the save, the worker, the screen), never
for a fixed time. A busy machine is a normal machine: it is slower, not different, so
every wait has a generous deadline (it only costs time when a test fails) and says what
it was waiting for when the deadline passes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console

from secondop_tui.core import encryption, notes
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.opinions import Opinion, save_opinion
from secondop_tui.core.sealing import WorkbookKey
from secondop_tui.core.store import WorkbookStore

DEADLINE = 60.0  # seconds: generous, since it is only reached when something is wrong

# The pane titles the app's tab bar shows once it has started.
PANES = ("Guidance", "Checklist", "Doctors", "Notes")

# The article the project started from, beside the checkout when it is there: the
# app's texts must not copy a run of words from it.
SOURCE_ARTICLE = (Path(__file__).resolve().parents[2] / "shared" / "reference"
                  / "source-article-seeking-a-second-opinion.txt")


# Waiting for a condition -----------------------------------------------------------------
def _check(predicate: Callable[[], object]) -> tuple[bool, BaseException | None]:
    """The predicate's answer; an exception (a widget not mounted yet, a file being
    written) counts as "not yet" and is kept to explain a timeout."""
    try:
        return bool(predicate()), None
    except Exception as error:  # noqa: BLE001 - reported if the deadline passes
        return False, error


def _timed_out(what: str, timeout: float, error: BaseException | None,
               state: Callable[[], str] | None = None) -> AssertionError:
    detail = f" (last try raised {error!r})" if error is not None else ""
    if state is not None:
        detail += f"; {state()}"
    return AssertionError(f"timed out after {timeout:g} s waiting until {what}{detail}")


async def wait_until(pilot, predicate: Callable[[], object], what: str, *,
                     timeout: float = DEADLINE, workers: bool = True,
                     state: Callable[[], str] | None = None) -> None:
    """Let the app run until ``predicate()`` is true: each round lets it handle what is
    queued (``pilot.pause()``) and, with ``workers``, waits for its workers (the saves).
    ``what`` says what was awaited, e.g. "the doctor saved"; ``state``, if given, says
    how things stood when the deadline passed."""
    deadline = time.monotonic() + timeout
    while True:
        done, error = _check(predicate)
        if done:
            return
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout, error, state)
        await pilot.pause()
        if workers:
            await pilot.app.workers.wait_for_complete()


def poll_until(predicate: Callable[[], object], what: str, *, timeout: float = DEADLINE,
               interval: float = 0.05, state: Callable[[], str] | None = None) -> None:
    """The same for a process or a file outside this one: look every ``interval``
    seconds until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout
    while True:
        done, error = _check(predicate)
        if done:
            return
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout, error, state)
        time.sleep(interval)


def keys_handled(app) -> bool:
    """Every key posted to the app has been handled to its end: none waits in the app's
    queue, none is held in the app's order of keys, and no widget of the screen shown
    has a message left to handle (what the keys set off)."""
    if app.message_queue_size or app.keys_pending():
        return False
    return not any(node.message_queue_size for node in app.screen.walk_children(with_self=True))


def key_state(app) -> str:
    """Where the keys stand: for a message when they are not all handled in time."""
    busy = [f"{node!r}: {node.message_queue_size}"
            for node in app.screen.walk_children(with_self=True) if node.message_queue_size]
    return (f"app queue {app.message_queue_size}, key held {app._held_key!r}, "
            f"keys waiting {[key.key for key in app._keys_waiting]}, screen {app.screen!r}, "
            f"focused {app.focused!r}, widgets with messages {busy}")


async def burst_handled(pilot) -> None:
    """Wait until a burst of keys posted at once (``post_burst``) has been handled."""
    app = pilot.app
    await wait_until(pilot, lambda: keys_handled(app), "every key of the burst handled",
                     state=lambda: key_state(app))


# The command palette ---------------------------------------------------------------------
def _palette_searching(app, palette) -> bool:
    """Whether the palette still has a search to run or running (each key typed into it
    starts a new one, on a worker) or messages not yet handled."""
    from textual.command import CommandPalette

    if any(node.message_queue_size for node in palette.walk_children(with_self=True)):
        return True
    return any(worker.node is palette and worker.group == CommandPalette._GATHER_COMMANDS_GROUP
               and not worker.is_finished for worker in app.workers)


async def palette_search(pilot, query: str) -> list[str]:
    """Open the command palette, type ``query``, wait until its search is done, and
    return the prompts it lists (the first one is highlighted: enter runs it)."""
    from textual.command import CommandInput, CommandList, CommandPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette),
                     "the command palette open")
    palette = app.screen
    await pilot.press(*query)

    def done() -> bool:
        return (palette.query_one(CommandInput).value == query
                and not _palette_searching(app, palette))

    await wait_until(pilot, done, f"the palette's search for {query!r} done")
    commands = palette.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]


async def run_from_palette(pilot, query: str, expected: str | None = None) -> None:
    """Search the palette for ``query`` and run the first command found, whose title
    must hold ``expected`` (the query itself unless given)."""
    prompts = await palette_search(pilot, query)
    assert prompts and (expected or query) in prompts[0].splitlines()[0], prompts
    await pilot.press("enter")
    await pilot.pause()


# Driving the app -------------------------------------------------------------------------
def settled(*keys: str, then=None):
    """A snapshot ``run_before``: press keys, run ``then``, and wait until every save is
    done, so the Header shows its resting state ("saved"), never "saving…"."""

    async def run_before(pilot) -> None:
        if keys:
            await pilot.press(*keys)
        if then is not None:
            await then(pilot)
        await pilot.pause()
        pilot.app.save_now()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def post_burst(app, *keys: str) -> None:
    """Post keys to the app all at once, none waiting for the one before: what a fast
    typist, tmux send-keys or a slow SSH link delivers. Named keys ("tab", "enter",
    "right") or single characters. ``burst_handled`` waits until they are handled."""
    from textual import events

    names = {" ": "space", "/": "slash"}
    characters = {"tab": "\t", "enter": "\r", "space": " "}
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(names.get(key, key), key))
        else:
            app.post_message(events.Key(key, characters.get(key)))


async def field_on_the_last_line(pilot, form, view, field) -> None:
    """Focus a form's ``field`` and scroll its ``view`` so the field is the last line
    shown (where an error bar appearing above the form would push it out of sight)."""
    form.set_focus(field, scroll_visible=False)
    top = field.region.y - view.region.y + view.scroll_y
    view.scroll_to(y=top - view.region.height + 1, animate=False)
    await pilot.pause()
    assert field.region.y == view.region.bottom - 1


# Reading what is shown -------------------------------------------------------------------
def plain(renderable, width: int = 200) -> str:
    """What a Rich renderable (an option's prompt) reads as, without styles."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def screen_text(app) -> str:
    """What the screen shows, as plain text (no colours at all)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True))
    return console.export_text()


# Workbooks -------------------------------------------------------------------------------
DOCTORS = ["Dr Ana Ames", "Dr Ben Brook", "Dr Cleo Chen", "Dr Dev Das", "Dr Eve Eng"]
STAGES = ["II", "III", "IIB", "II", "IV"]


def seed_opinions(store, count: int = 2) -> list[int]:
    """``count`` consultations with different doctors and opinions; their ids, oldest first.

    The stage differs, the cancer type is the same, and only the first gives a start-by
    date; the second doctor's appointment comes after it (a timing warning).
    """
    ids = []
    for i in range(count):
        doctor_id = add_doctor(store, Doctor(
            name=DOCTORS[i], status="appointment booked" if i == 1 else "candidate",
            appointment="2026-12-15T10:00" if i == 1 else ""))
        consultation = notes.new_consultation(
            store, title=f"Opinion {i + 1}", doctor_id=doctor_id, day=date(2026, 11, 2 + 3 * i))
        save_opinion(store, Opinion(
            consultation.doc_id, cancer_type="breast", stage=STAGES[i], goal="cure",
            plan=["surgery", "radiation"] if i % 2 == 0 else ["chemotherapy", "surgery"],
            start_by="2026-12-10" if i == 0 else "",
            certainty="sure" if i == 0 else "wants an MRI first"))
        ids.append(consultation.doc_id)
    return ids


def visit(store, doctor: str | None, day: date, title: str = "Opinion") -> int:
    """A consultation with a new doctor of that name (or none); returns its id."""
    doctor_id = add_doctor(store, Doctor(name=doctor)) if doctor else None
    return notes.new_consultation(store, title=title, doctor_id=doctor_id, day=day).doc_id


def seed_two(store) -> tuple[int, int]:
    """Two consultations whose opinions agree on the type and differ on stage and plan."""
    ames = visit(store, "Dr Ames", date(2026, 11, 2), "First opinion")
    brook = visit(store, "Dr Brook", date(2026, 11, 16), "Second opinion")
    save_opinion(store, Opinion(ames, cancer_type="Breast cancer", stage="II", grade="2",
                                goal="cure", plan=["Lumpectomy", "Radiation"],
                                start_by="2026-12-03", report_received="2026-11-06"))
    save_opinion(store, Opinion(brook, cancer_type="breast  CANCER ", stage="III",
                                goal="cure", plan=["Chemotherapy", "Mastectomy"],
                                trials="NCT01234567", start_by="2026-12-10"))
    return ames, brook


# Text that tries to break out of a file format or into a terminal: the escapes and
# separators of iCalendar and vCard, HTML and script, CSS, control characters, line ends
# of every kind, lone surrogates, and characters outside the Basic Multilingual Plane.
HOSTILE_PIECES = [
    "\n", "\r\n", "\r", "\t", ";", ",", "\\", "\\n", "\\,", ":", "=", '"', "'",
    "\x1b[31m", "\x1b]0;title\x07", "\x9b1m", "\x00", "\x7f", "\u2028", "\ufeff",
    "\ud800", "\udfff", "🙂", "漢字", "\u202eevil", "e\u0301",
    "END:VCARD", "BEGIN:VCARD", "END:VEVENT", "BEGIN:VALARM", "\r\nEND:VCALENDAR\r\n",
    " ATTACH:http://x", "=0D=0A", "ENCODING=QUOTED-PRINTABLE:",
    "<script>window.__pwned = 1</script>", '<img src=x onerror="window.__pwned=1">',
    "</style><b id=injected>", "<!--", "]]>", "&amp;", "&#60;", "{{ title }}", "{% raw %}",
    '"; } body { display: none } {', "</title>", "javascript:alert(1)",
]

# Damaged workbooks, each form of the foundation issue: (content, (line, column) of the
# fault when the reader can say).
DAMAGED = {
    "empty": (b"", None),
    "white space": (b"  \n\n", None),
    "not json": (b"hello, this is not json", (1, 1)),
    "truncated": (b'{\n"_meta": {\n  "1": {"schema": 1}\n}', (4, 2)),
    "trailing garbage": (b'{"_meta": {"1": {"schema": 1}}}\nGARBAGE', (2, 1)),
    "invalid utf-8": (b'{"_meta": {"1": {"schema": 1, "x": "\xff\xfe"}}}', (1, 37)),
    "wrong shape (list)": (b"[1, 2, 3]", None),
    "wrong shape (table)": (b'{"_meta": {"1": {"schema": 1}}, "notes": [1]}', None),
    "wrong shape (record id)": (b'{"_meta": {"1": {"schema": 1}}, "notes": {"x": {}}}', None),
    "no schema": (b'{"notes": {}}', None),
}

# A second process that holds the workbook's lock for a minute (says HOLDING once it
# does): the "already open elsewhere" cases.
HOLDER = r"""
import sys, time
from pathlib import Path
from secondop_tui.core.store import WorkbookStore
store = WorkbookStore.open(Path(sys.argv[1]))
print("HOLDING", flush=True)
time.sleep(60)
"""


def ui_classes() -> list:
    """Every app, screen and widget class defined in the UI package."""
    import importlib
    import pkgutil

    from textual.dom import DOMNode

    import secondop_tui.ui

    for module in pkgutil.walk_packages(secondop_tui.ui.__path__, "secondop_tui.ui."):
        importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    pending = [DOMNode]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("secondop_tui.") and sub not in found:
                found.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


async def show_pane(pilot, pane_id: str):
    """Press the pane's key and return the pane once it is the one shown, mounted, with
    the focus in it (the hidden panes are mounted a moment after the first frame)."""
    from secondop_tui.ui.panes import PANES as APP_PANES
    from secondop_tui.ui.panes.base import Pane

    app = pilot.app
    [key] = [key for name, _, key in APP_PANES if name == pane_id]

    def shown() -> bool:
        screen = app.screen
        if not screen.query(f"#{pane_id}-pane") or screen.active_pane != pane_id:
            return False
        pane = screen.query_one(f"#{pane_id}-pane", Pane)
        return app.focused is not None and pane in app.focused.ancestors_with_self

    await pilot.press(key)
    await wait_until(pilot, shown, f"the {pane_id} pane shown, with the focus",
                     state=lambda: f"screen {app.screen!r}, focused {app.focused!r}")
    return app.screen.query_one(f"#{pane_id}-pane", Pane)


async def open_notes_pane(pilot):
    """Show the Notes pane and return it, once it is the pane shown."""
    return await show_pane(pilot, "notes")


# Files -----------------------------------------------------------------------------------
def mode(path: Path) -> int:
    """A file's or folder's permission bits (0o600, say)."""
    return stat.S_IMODE(path.stat().st_mode)


# The installed app as a process ----------------------------------------------------------
def workbook_with_a_consultation(data_dir: Path, title: str = "Visit at the cancer center"
                                 ) -> int:
    """A workbook on disk with one consultation (an empty note); its id."""
    store = WorkbookStore.open(data_dir, autoflush=True)
    visit = notes.new_consultation(store, title=title)
    store.close()
    return visit.doc_id


def open_the_note(term, title: str = "Visit at the cancer center", *,
                  writable: bool = True) -> None:
    """In the app running in ``term`` (a ``pty_terminal.Terminal``): the Notes pane, then
    into the consultation's note. A note that cannot be written in (a read-only workbook)
    does not take the keys: they stay with the list."""
    term.wait_for(*PANES, "Quit")
    term.send("4")
    term.wait_for(title, "n New")
    term.send("enter")
    if writable:
        term.wait_gone("n New")  # the Footer's list keys go: the note has the keys


# Encrypted workbooks ---------------------------------------------------------------------
PASSPHRASE = "four plain words picked"
NEW_PASSPHRASE = "another line only I would write"
SECRET_NOTE = "Zanzibarquetzal"  # a word no file of the app holds by chance
SECRET_DOCTOR = "Dr Quillonmarsh"
SECRET_ITEM_NOTE = "Vorpelstrand"
SECRETS = (SECRET_NOTE, SECRET_DOCTOR, SECRET_ITEM_NOTE)


def private_workbook(data_dir: Path, *, starts: int = 2) -> int:
    """A workbook holding the secret words (a note, a doctor's name, a checklist item's
    note), opened ``starts`` times so that it has a backup and a previous save."""
    store = WorkbookStore.open(data_dir, autoflush=True)
    visit = notes.new_consultation(store, title="Visit")
    notes.save_note(store, visit.doc_id, f"The doctor said {SECRET_NOTE}.")
    add_doctor(store, Doctor(name=SECRET_DOCTOR))
    checklist = Checklist(store)
    item = next(item for group in checklist.groups() for item in group.items)
    checklist.set_note(item.id, SECRET_ITEM_NOTE)
    store.close()
    for n in range(starts - 1):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.set_setting("opened", n)
        store.close()
    return visit.doc_id


def files_holding(data_dir: Path, words=SECRETS) -> list[str]:
    """Every file under the data folder that holds one of ``words`` as it is written."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.relative_to(data_dir)}: {word}" for word in words
                      if word.encode() in content]
    return found


def damaged_key_file(data_dir: Path) -> None:
    """Flip one bit of the workbook's key file inside the passphrase's stanza, where age
    alone cannot tell damage from a wrong passphrase (its checksum can)."""
    key_file = data_dir / encryption.KEY_NAME
    content = bytearray(key_file.read_bytes())
    content[60] ^= 1
    key_file.write_bytes(bytes(content))


def key_file_asking_too_much(data_dir: Path, *, intact: bool = True) -> None:
    """Give the workbook's key file a work factor no machine gets through (2^40): age
    refuses to try it, as it refuses a key file of a usual work factor when, for a
    moment, the machine looks sixteen times slower than it is. ``intact``: its checksum
    in the key's facts is brought up to date (else the key file reads as damaged)."""
    key_file = data_dir / encryption.KEY_NAME
    content = re.sub(rb"(-> scrypt \S+ )\d+", rb"\g<1>40", key_file.read_bytes(), count=1)
    key_file.write_bytes(content)
    if intact:
        facts_file = data_dir / encryption.FACTS_NAME
        facts = json.loads(facts_file.read_text("utf-8"))
        facts["key_sha256"] = [hashlib.sha256(content).hexdigest()]
        facts_file.write_text(json.dumps(facts), "utf-8")


def encrypted(data_dir: Path) -> WorkbookKey:
    """Encrypt the workbook in ``data_dir`` with PASSPHRASE; its key."""
    store = WorkbookStore.open(data_dir)
    try:
        return store.encrypt(PASSPHRASE)
    finally:
        store.close()
