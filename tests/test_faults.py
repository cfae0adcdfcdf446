"""The fault suite: the installed app, in a real 80x24 pseudo-terminal, under faults.

Every fault the workbook must survive is listed here, with where it is tested. Faults
already tested elsewhere are named, not repeated; the rest are tested in this file.

| Fault | Promise | Test |
| --- | --- | --- |
| SIGKILL while typing a note, editing the doctor form or a checklist item (plain and encrypted) | loads, `check` passes, at most the last second lost; encrypted: nothing on disk plain | `test_sigkill_at_a_random_moment` |
| SIGKILL in the middle of a save (100 times) | the file loads, at most the write in flight lost | test_store_processes.py |
| SIGHUP / SIGTERM while typing a note (12 trials in CI, 40 with --long; plain and encrypted) | nothing lost, clean exit, lock released; encrypted: nothing on disk plain | `test_hangup_or_terminate_while_typing` |
| SIGKILL during `encrypt`, `decrypt`, `passphrase`, at every step | opens with the old or the new passphrase; all copies sealed or none | test_encryption_crashes.py |
| Wrong passphrase, damaged or cut encrypted file, plain where encrypted is expected and the reverse | a clear message, nothing overwritten | test_encryption.py, test_encryption_ui.py |
| SIGHUP with a form open and not saved (doctor, checklist item, item note, insurance call) | the form's text is kept, as if saved | `test_hangup_with_a_form_open` |
| Disk full (RLIMIT_FSIZE) | warning, saved file intact, memory intact, saving resumes | `test_disk_full_then_space_comes_back` |
| A failing write in the store (ENOSPC, EIO, EFBIG) | previous file intact, no temp file | test_store.py, test_app_store.py |
| Disk full while exporting to a file | a message, no partial file left | `test_export_to_a_full_disk_leaves_no_partial_file` |
| Hand edit of the workbook while the app runs | asks; keeps the other version aside | `test_hand_edit_while_the_app_runs` (and test_app_store.py) |
| SIGHUP while the "changed on disk" question is unanswered | the hand edit stays, the app's words kept aside and named at the next start | `test_hangup_while_a_hand_edit_is_unanswered` (store: test_store.py) |
| Hand edit that breaks the JSON while the app runs | reload refused with the reason, nothing lost | `test_hand_edit_that_damages_the_file_while_the_app_runs` |
| Damaged workbook, each form of the foundation issue | copied aside, never overwritten, reason shown | `test_damaged_workbook_in_the_installed_app` (store: test_store.py) |
| Workbook from a newer schema | read-only, never downgraded | `test_newer_schema_in_the_installed_app` |
| Workbook that is a symbolic link | read-only, link kept | `test_symlinked_workbook_in_the_installed_app` |
| Unreadable data folder, workbook or lock file | a clear message, nothing changed | `test_unreadable_data` |
| A second copy of the app | says who holds it, offers read-only | test_e2e.py, test_store_processes.py |
| Hostile text (controls, escapes, RTL, emoji, 1 MB) | no crash, round trip, safe export | test_fuzz.py |

Random trials are seeded. A failing trial prints its seed; rerun it with
``pytest tests/test_faults.py --fault-seed N``. ``pytest --long`` runs 60 SIGKILL trials
(6 in CI) and 40 hangup trials (12 in CI), each plain and encrypted (encrypted: 3 and 4
in CI, since each start of an encrypted workbook pays the key derivation).
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import resource
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from secondop_tui.core import codec, encryption, notes, schema
from secondop_tui.core.check import run_check
from secondop_tui.core.sealing import WorkbookKey, is_sealed
from secondop_tui.core.store import WorkbookStore
from tests.pty_terminal import Terminal, installed_command
from tests.helpers import (DAMAGED, DEADLINE, PANES, PASSPHRASE, encrypted, open_the_note,
                           poll_until, workbook_with_a_consultation)

pytestmark = pytest.mark.e2e

# Seconds of typing a SIGKILL may cost, at most: a save comes half a second after a key
# and takes a moment more to reach the disk. It holds on a busy machine too (60 trials
# of 60 with one CPU-bound process per core beside them), since the characters typed
# into a field no longer wait for each other (which let a fast typist's keys pile up).
LOSS_WINDOW = 1.0
WORDS = ["the", "doctor", "said", "stage", "two", "biopsy", "trial", "surgery", "first",
         "ask", "about", "side", "effects", "café", "naïve", "—", "2nd", "opinion"]


# Seeds ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def fault_seed(request: pytest.FixtureRequest) -> int:
    chosen = request.config.getoption("--fault-seed")
    return chosen if chosen is not None else random.SystemRandom().randrange(1_000_000)


@pytest.fixture
def trial_rng(fault_seed: int, request: pytest.FixtureRequest) -> random.Random:
    # Printed here, so a failing test shows it ("Captured stdout setup").
    print(f"fault seed {fault_seed}: rerun with pytest tests/test_faults.py "
          f"--fault-seed {fault_seed} -k '{request.node.name}'")
    return random.Random(f"{fault_seed}:{request.node.name}")


def trials(in_ci: int, in_long: int, loaded: int) -> list:
    """Trial numbers: the first ``in_ci`` always run, the rest only with --long; the
    first ``loaded`` run again in the loaded pass (on a machine kept busy)."""
    return [pytest.param(n, marks=pytest.mark.loaded) if n < loaded
            else n if n < in_ci else pytest.param(n, marks=pytest.mark.slow)
            for n in range(in_long)]


def plain_and_sealed(in_ci: int, in_long: int, loaded: int, *, sealed_in_ci: int,
                     sealed_loaded: int) -> list:
    """(sealed, trial) pairs: the plain workbook's trials as :func:`trials` gives them;
    the encrypted workbook's first ``sealed_in_ci`` always (each of its starts pays the
    key derivation, a few seconds), all of them with --long."""
    pairs = []
    for sealed, counts in ((False, (in_ci, loaded)), (True, (sealed_in_ci, sealed_loaded))):
        for param in trials(counts[0], in_long, loaded=counts[1]):
            trial, marks = (param, ()) if isinstance(param, int) else \
                (param.values[0], param.marks)
            pairs.append(pytest.param(sealed, trial, marks=marks,
                                      id=f"{trial}-{'encrypted' if sealed else 'plain'}"))
    return pairs


# Shared helpers ---------------------------------------------------------------------------
def start_app(data_dir: Path, cwd: Path, *extra: str) -> Terminal:
    return Terminal([installed_command(), "--data-dir", str(data_dir), *extra], cwd=str(cwd))


def run_command(data_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([installed_command(), "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=60, **kwargs)


def seen(term: Terminal, data_dir: Path, doc_id: int) -> str:
    """The note on disk and the screen, for a message when a save awaited never came."""
    try:
        note = repr(note_on_disk(data_dir, doc_id))
    except Exception as error:  # noqa: BLE001 - a damaged file, say
        note = f"unreadable ({error})"
    return f"the note on disk: {note}; the screen:\n{term.display}"


def assert_healthy(data_dir: Path, why: str = "", key: WorkbookKey | None = None) -> None:
    """The workbook loads, ``check`` passes, and nobody holds a stale lock. With ``key``
    (an encrypted workbook), every file of it on disk is sealed."""
    WorkbookStore.open(data_dir, read_only=True, key=key).close()
    if key is None:
        check = run_command(data_dir, "check")
        assert check.returncode == 0, f"{why}check failed:\n{check.stdout}{check.stderr}"
        assert "healthy" in check.stdout, why + check.stdout
    else:
        report, code = run_check(data_dir, key)
        assert code == 0 and "healthy" in report, why + report
        assert is_sealed((data_dir / "workbook.json").read_bytes()), why + "plain workbook"
        assert encryption.plain_copies(data_dir) == [], why + "plain copies"
    WorkbookStore.open(data_dir, key=key).close()  # the lock is free


def raw_on_disk(data_dir: Path, key: WorkbookKey | None = None) -> dict:
    content = (data_dir / "workbook.json").read_bytes()
    return codec.decode(key.open(content) if key is not None else content)


def note_on_disk(data_dir: Path, doc_id: int, key: WorkbookKey | None = None) -> str:
    return raw_on_disk(data_dir, key)["consultations"][str(doc_id)]["note"]


def unlock_in_the_app(term: Terminal) -> None:
    """Give the passphrase where the app asks for it at start."""
    term.wait_for("This workbook is encrypted")
    term.type(PASSPHRASE)
    term.send("enter")


@pytest.fixture
def app_dir(tmp_path: Path):
    """A data folder, and every app started on it killed afterwards."""
    started: list[Terminal] = []

    def start(*extra: str, data_dir: Path | None = None) -> Terminal:
        term = start_app(data_dir or tmp_path / "data", tmp_path, *extra)
        started.append(term)
        return term

    start.data_dir = tmp_path / "data"  # type: ignore[attr-defined]
    yield start
    for term in started:
        term.close()


# SIGKILL at a random moment ---------------------------------------------------------------
class Deadline(Exception):
    """The moment chosen for the kill has come."""


@dataclass
class Typist:
    """Types at a known pace until the deadline, recording when each key was written.

    ``commits`` holds (time, state) after each change the app was asked to keep (a key
    typed into the note, a form saved): the state on disk after a kill must be one of
    them, and no older than the last one made a second or more before the kill.
    """

    term: Terminal
    rng: random.Random
    kill_at: float
    pace: float = 0.03
    doc_id: int | None = None  # the consultation whose note is typed into
    commits: list[tuple[float, object]] = field(default_factory=list)

    def check(self) -> None:
        if time.monotonic() >= self.kill_at:
            raise Deadline

    def key(self, key: str) -> float:
        self.check()
        os.write(self.term.fd, {"ctrl+s": b"\x13", "enter": b"\r"}.get(key, key.encode()))
        written = time.monotonic()
        time.sleep(self.pace * self.rng.uniform(0.5, 1.5))  # the typist's own pace
        return written

    def text(self, text: str) -> None:
        for char in text:
            self.key(char)

    def wait_for(self, text: str, gone: bool = False) -> None:
        deadline = time.monotonic() + DEADLINE
        while (text in self.term.display) == gone:
            self.check()
            assert time.monotonic() < deadline, f"{text!r} never {'went' if gone else 'came'}"
            time.sleep(0.01)  # looks again (the deadline above bounds the wait)

    def commit(self, at: float, state: object) -> None:
        self.commits.append((at, state))

    def fill_form(self, key: str, heading: str, text: str) -> float:
        """Open a form with ``key``, type ``text`` into it once ``heading`` shows, and
        save with ctrl+s; returns when the save key was written."""
        self.key(key)
        self.wait_for(heading)
        self.text(text)
        return self.key("ctrl+s")

    def words(self) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 3)))


def kill_scenario_note(typist: Typist) -> None:
    """Type into a consultation's note, in bursts of words, now and then a new line."""
    typed = ""
    typist.commit(0.0, typed)
    while True:
        for char in typist.words() + typist.rng.choice([" ", " ", " ", "\n"]):
            at = typist.key("enter" if char == "\n" else char)
            typed += char
            typist.commit(at, typed)


def kill_scenario_doctor_form(typist: Typist) -> None:
    """Add a doctor with the form, then edit the name; again and again."""
    names: list[str] = []
    typist.commit(0.0, tuple(names))
    typist.term.send("3")
    typist.wait_for("Filter (/)")
    for n in range(1, 100):
        name = f"Dr {n} {typist.words()}"
        at = typist.fill_form("a", "Add a doctor", name)
        names.append(name)
        typist.commit(at, tuple(names))
        typist.wait_for("Add a doctor", gone=True)
        at = typist.fill_form("e", f"Edit {name}", " ed")
        names[-1] = name + " ed"
        typist.commit(at, tuple(names))
        typist.wait_for("Edit ", gone=True)


def kill_scenario_checklist_item(typist: Typist) -> None:
    """Add a checklist item with the form, then write its note; again and again."""
    items: dict[str, str] = {}
    typist.commit(0.0, dict(items))
    typist.term.send("2")
    typist.wait_for("Overall")
    for n in range(1, 100):
        title = f"Item {n} {typist.words()}"
        at = typist.fill_form("a", "Add a checklist item", title)
        items[title] = ""
        typist.commit(at, dict(items))
        typist.wait_for("Add a checklist item", gone=True)
        note = typist.words()
        at = typist.fill_form("n", "Edit your item", note)
        items[title] = note
        typist.commit(at, dict(items))
        typist.wait_for("Edit your item", gone=True)


def state_on_disk(kind: str, data_dir: Path, doc_id: int | None,
                  key: WorkbookKey | None = None) -> object:
    from secondop_tui.core.checklist import Checklist
    from secondop_tui.core.doctors import list_doctors

    store = WorkbookStore.open(data_dir, read_only=True, key=key)  # the workbook loads
    try:
        if kind == "note":
            consultation = notes.get_consultation(store, doc_id)
            return consultation.note
        if kind == "doctor form":
            return tuple(d.name for d in list_doctors(store))
        return {item.title: item.note for group in Checklist(store).groups()
                for item in group.items if not item.is_default}
    finally:
        store.close()


KILL_SCENARIOS = {
    "note": kill_scenario_note,
    "doctor form": kill_scenario_doctor_form,
    "checklist item": kill_scenario_checklist_item,
}


# Each scenario twice (encrypted: once).
@pytest.mark.parametrize("sealed, trial", plain_and_sealed(6, 60, loaded=3, sealed_in_ci=3,
                                                           sealed_loaded=1))
def test_sigkill_at_a_random_moment(trial: int, trial_rng: random.Random, app_dir,
                                    sealed: bool):
    kind = list(KILL_SCENARIOS)[trial % len(KILL_SCENARIOS)]
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir) if kind == "note" else None
    if doc_id is None:
        WorkbookStore.open(data_dir).close()
    key = encrypted(data_dir) if sealed else None
    term = app_dir()
    if key is not None:
        unlock_in_the_app(term)
    if kind == "note":
        open_the_note(term)
    else:
        term.wait_for(*PANES, "Quit")
    # A typist between 15 and 60 ms a key, killed after 0.3 to 4 seconds.
    typist = Typist(term, trial_rng, kill_at=time.monotonic() + trial_rng.uniform(0.3, 4.0),
                    pace=trial_rng.uniform(0.015, 0.06), doc_id=doc_id)
    try:
        KILL_SCENARIOS[kind](typist)
    except Deadline:
        pass
    term.signal(signal.SIGKILL)
    killed = time.monotonic()
    term.wait_exit()

    found = state_on_disk(kind, data_dir, doc_id, key)
    states = [state for _, state in typist.commits]
    kept = [i for i, state in enumerate(states) if state == found]
    why = f"{kind}, trial {trial}{', encrypted' if sealed else ''}: "
    assert kept, f"{why}the workbook holds a state that was never typed: {found!r}"
    must_have = max(i for i, (at, _) in enumerate(typist.commits)
                    if at <= killed - LOSS_WINDOW)
    lost = len(states) - 1 - max(kept)
    assert max(kept) >= must_have, (
        f"{why}lost more than the last second: on disk {found!r}, but {states[must_have]!r} "
        f"was typed {killed - typist.commits[must_have][0]:.2f} s before the kill "
        f"({lost} changes lost)")
    assert_healthy(data_dir, why, key)


# SIGHUP and SIGTERM -----------------------------------------------------------------------
# SIGHUP and SIGTERM six times each (encrypted: twice each).
@pytest.mark.parametrize("sealed, trial", plain_and_sealed(12, 40, loaded=4, sealed_in_ci=4,
                                                           sealed_loaded=2))
def test_hangup_or_terminate_while_typing(trial: int, trial_rng: random.Random, app_dir,
                                          sealed: bool):
    """The connection drops (SIGHUP) or the system shuts down (SIGTERM) mid-word."""
    sig = signal.SIGHUP if trial % 2 == 0 else signal.SIGTERM
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir)
    key = encrypted(data_dir) if sealed else None
    term = app_dir()
    if key is not None:
        unlock_in_the_app(term)
    open_the_note(term)
    typist = Typist(term, trial_rng, kill_at=time.monotonic() + trial_rng.uniform(0.2, 1.5),
                    pace=trial_rng.uniform(0.004, 0.04), doc_id=doc_id)
    try:
        kill_scenario_note(typist)
    except Deadline:
        pass
    term.signal(sig)  # at once: the last keys are still inside the save delay
    status = term.wait_exit()
    typed = typist.commits[-1][1]
    why = f"{sig.name}, trial {trial}{', encrypted' if sealed else ''}: "
    assert os.waitstatus_to_exitcode(status) == 0, why + f"exit status {status}"
    assert note_on_disk(data_dir, doc_id, key) == typed, why + "characters were lost"
    assert_healthy(data_dir, why, key)


@pytest.mark.loaded
@pytest.mark.parametrize("form", ["doctor", "checklist item", "checklist note",
                                  "insurance call"])
def test_hangup_with_a_form_open(app_dir, form: str):
    data_dir: Path = app_dir.data_dir
    WorkbookStore.open(data_dir).close()
    term = app_dir()
    term.wait_for(*PANES, "Quit")
    if form == "doctor":
        term.send("3")
        term.wait_for("Filter (/)")
        term.send("a")
        term.wait_for("Add a doctor")
        typed = "Dr Maria Lopez"
    elif form == "checklist item":
        term.send("2")
        term.wait_for("Overall")
        term.send("a")
        term.wait_for("Add a checklist item")
        typed = "Ask the lab for the block numbers"
    elif form == "checklist note":
        term.send("2")
        term.wait_for("Overall")
        term.send("down", "n")  # on an item (a default one: only its note can change)
        term.wait_for("Note and due date")
        typed = "The nurse said to call back on Monday"
    else:
        term.send("2")
        term.wait_for("Overall")
        for _ in range(40):  # down to the first insurance item, whatever the start row
            if "No insurance calls logged" in term.display:
                break
            term.send("down", delay=0.2)
        term.send("l")
        term.wait_for("Log an insurance call")
        term.send("tab", delay=0.2)
        typed = "Jane at member services"
    term.type(typed, delay=0.02)
    term.wait_for(typed)
    term.signal(signal.SIGHUP)
    term.wait_exit()
    assert typed.encode() in (data_dir / "workbook.json").read_bytes()


# Disk full --------------------------------------------------------------------------------
def temp_files(data_dir: Path) -> list[Path]:
    return list(data_dir.glob(".*.tmp"))


@pytest.mark.loaded
@pytest.mark.parametrize("resume", ["next key", pytest.param("retry timer",
                                                              marks=pytest.mark.slow)])
def test_disk_full_then_space_comes_back(app_dir, resume: str):
    """RLIMIT_FSIZE on the running app: every write of the workbook fails with EFBIG.

    The limit is set on the running process (prlimit), so the start-up writes happen
    first, as on a disk that fills up while someone types.
    """
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir)
    term = app_dir()
    open_the_note(term)
    term.type("saved before the disk filled. ", delay=0.01)
    poll_until(lambda: note_on_disk(data_dir, doc_id).endswith("filled. "), "the first save",
               state=lambda: seen(term, data_dir, doc_id))
    saved = (data_dir / "workbook.json").read_bytes()

    # The soft limit only: an ordinary user may raise it again (the hard one needs root).
    limit = len(saved)  # a save holding one character more is larger than this
    resource.prlimit(term.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    typed_while_full = "typed on a full disk, every word kept in memory"
    term.type(typed_while_full, delay=0.01)
    screen = term.wait_for("NOT SAVED", "larger than this system allows")
    assert "kept in memory" in screen
    # Nothing already saved is damaged, and no half-written file is left behind.
    assert (data_dir / "workbook.json").read_bytes() == saved
    assert not temp_files(data_dir)
    term.wait_for("every word kept in memory")  # still in the editor

    resource.prlimit(term.pid, resource.RLIMIT_FSIZE,
                     (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    if resume == "next key":
        term.type(".")
        typed_while_full += "."
    # else: no key at all; the app retries by itself every ten seconds.
    term.wait_gone("NOT SAVED")  # at the next key, or by the retry every ten seconds
    expected = "saved before the disk filled. " + typed_while_full
    poll_until(lambda: note_on_disk(data_dir, doc_id) == expected, "saving resumed",
               state=lambda: seen(term, data_dir, doc_id))
    term.send("ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    assert not temp_files(data_dir)
    assert_healthy(data_dir)


def test_export_to_a_full_disk_leaves_no_partial_file(tmp_path: Path):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    store = WorkbookStore.open(data_dir, autoflush=True)
    notes.save_note(store, doc_id, "a long note " * 2000)
    store.close()
    target = tmp_path / "notes.txt"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))

    full = run_command(data_dir, "export", "-o", str(target), preexec_fn=small_files)
    assert full.returncode == 1 and "could not write" in full.stderr, full.stderr
    assert not target.exists()  # half an export never passes for the whole
    again = run_command(data_dir, "export", "-o", str(target))  # no --force needed
    assert again.returncode == 0, again.stderr
    assert "a long note" in target.read_text()


# Hand edits while the app runs ------------------------------------------------------------
def hand_edit(data_dir: Path, change: Callable[[dict], None]) -> bytes:
    """Edit the workbook as a person with a text editor would (in place)."""
    raw = raw_on_disk(data_dir)
    change(raw)
    content = codec.encode(raw)
    (data_dir / "workbook.json").write_bytes(content)
    return content


def add_doctor_by_hand(raw: dict) -> None:
    raw.setdefault("doctors", {})["99"] = {"name": "Dr Added By Hand"}


@pytest.mark.loaded
@pytest.mark.parametrize("answer", ["keep mine", "reload"])
def test_hand_edit_while_the_app_runs(app_dir, answer: str):
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir)
    term = app_dir()
    open_the_note(term)
    term.type("first words. ", delay=0.01)
    poll_until(lambda: note_on_disk(data_dir, doc_id) == "first words. ", "the first save",
               state=lambda: seen(term, data_dir, doc_id))
    theirs = hand_edit(data_dir, add_doctor_by_hand)
    # "like" holds both answers of the question (l reload, k keep): typed while the
    # question waits, they are words of the note.
    term.type("typed after the hand edit, like keeping", delay=0.01)
    term.wait_for("changed outside the app", "NOT SAVED", "keeping")
    assert (data_dir / "workbook.json").read_bytes() == theirs  # nothing overwritten
    mine = "first words. typed after the hand edit, like keeping"
    term.send("ctrl+s")
    term.wait_for("The workbook changed on disk", "Keep mine")

    if answer == "keep mine":
        term.send("k")
        term.wait_for_notification("The file that was on disk was kept as workbook.external")
        poll_until(lambda: note_on_disk(data_dir, doc_id) == mine, "the app's version saved",
                   state=lambda: seen(term, data_dir, doc_id))
        [aside] = data_dir.glob("workbook.external-*.json")
        assert aside.read_bytes() == theirs
    else:
        term.send("l")
        term.wait_for_notification("Reloaded the workbook from disk. The app's version was "
                                   "kept as workbook.mine")
        assert (data_dir / "workbook.json").read_bytes() == theirs
        [aside] = data_dir.glob("workbook.mine-*.json")
        kept = codec.decode(aside.read_bytes())
        assert kept["consultations"][str(doc_id)]["note"] == mine
    term.send("escape", "ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    assert_healthy(data_dir)


@pytest.mark.loaded
def test_hangup_while_a_hand_edit_is_unanswered(app_dir):
    """The connection drops with the 'changed on disk' question waiting for the typist to
    leave the note: neither the hand edit nor the words typed since are lost, and the next start says where they are."""
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir)
    term = app_dir()
    open_the_note(term)
    term.type("first words. ", delay=0.01)
    poll_until(lambda: note_on_disk(data_dir, doc_id) == "first words. ", "the first save",
               state=lambda: seen(term, data_dir, doc_id))
    theirs = hand_edit(data_dir, add_doctor_by_hand)
    term.type("PRECIOUSWORDS", delay=0.01)
    term.wait_for("changed outside the app", "PRECIOUSWORDS")  # the question waits
    term.signal(signal.SIGHUP)
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0

    assert (data_dir / "workbook.json").read_bytes() == theirs  # the hand edit stays
    [aside] = data_dir.glob("workbook.unsaved-*.json")
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    kept = codec.decode(aside.read_bytes())
    assert kept["consultations"][str(doc_id)]["note"] == "first words. PRECIOUSWORDS"
    check = run_command(data_dir, "check")
    assert check.returncode == 0 and aside.name in check.stdout, check.stdout
    term = app_dir()
    shown = term.wait_for_notification("'secondop-tui check' says how to restore it.")
    # The long name wraps mid-word in the notification; compare without the breaks.
    assert f"isin{aside.name}" in shown.replace(" ", ""), term.display
    term.send("ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    # The command the notice gives puts the app's version back.
    restore = run_command(data_dir, "restore", aside.name)
    assert restore.returncode == 0, restore.stderr
    assert note_on_disk(data_dir, doc_id) == "first words. PRECIOUSWORDS"
    assert_healthy(data_dir)


@pytest.mark.loaded
def test_hand_edit_that_damages_the_file_while_the_app_runs(app_dir):
    """An editor saved half a file: reloading it is refused with the reason, keeping the
    app's version is still possible, and the broken file is kept aside."""
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir)
    term = app_dir()
    open_the_note(term)
    term.type("words before. ", delay=0.01)
    poll_until(lambda: note_on_disk(data_dir, doc_id) == "words before. ", "the first save",
               state=lambda: seen(term, data_dir, doc_id))
    broken = (data_dir / "workbook.json").read_bytes()[:-20]
    (data_dir / "workbook.json").write_bytes(broken)
    term.type("words after", delay=0.01)
    term.wait_for("changed outside the app", "words after")
    term.send("escape")  # leaving the note asks
    term.wait_for("The workbook changed on disk")
    term.send("l")
    term.wait_for_notification("That did not work: The workbook file is damaged")
    term.wait_gone("The workbook changed on disk")  # back in the consultation list
    # The question comes back at the next save asked for; this time keep the app's.
    term.send("ctrl+s")
    term.wait_for("The workbook changed on disk")
    term.send("k")
    poll_until(lambda: note_on_disk(data_dir, doc_id) == "words before. words after",
               "the app's version saved", state=lambda: seen(term, data_dir, doc_id))
    [aside] = data_dir.glob("workbook.external-*.json")
    assert aside.read_bytes() == broken
    term.send("escape", "ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    assert_healthy(data_dir)


# Workbooks that cannot simply be opened ---------------------------------------------------
@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_workbook_in_the_installed_app(app_dir, case: str):
    content, position = DAMAGED[case]
    data_dir: Path = app_dir.data_dir
    data_dir.mkdir(mode=0o700)
    (data_dir / "workbook.json").write_bytes(content)

    check = run_command(data_dir, "check")
    assert check.returncode == 1 and "DAMAGED" in check.stdout, \
        f"exit {check.returncode}:\n{check.stdout}\n{check.stderr}"
    export = run_command(data_dir, "export")
    assert export.returncode == 1 and "damaged" in export.stderr, export.stderr

    term = app_dir()
    screen = term.wait_for("The workbook file is damaged", "Quit")
    if position:
        term.wait_for(f"line {position[0]}, column {position[1]}")
    assert "kept as" in screen
    term.send("q")
    term.wait_exit()
    assert (data_dir / "workbook.json").read_bytes() == content  # never overwritten
    [aside] = data_dir.glob("workbook.damaged-*.json")
    assert aside.read_bytes() == content


@pytest.mark.loaded
def test_newer_schema_in_the_installed_app(app_dir):
    data_dir: Path = app_dir.data_dir
    doc_id = workbook_with_a_consultation(data_dir)
    raw = raw_on_disk(data_dir)
    raw["_meta"]["1"]["schema"] = schema.SCHEMA_VERSION + 1
    raw["from_the_future"] = {"1": {"kept": "as it is"}}
    content = codec.encode(raw)
    (data_dir / "workbook.json").write_bytes(content)

    check = run_command(data_dir, "check")
    assert check.returncode == 0 and "newer than this app" in check.stdout
    term = app_dir()
    term.wait_for("READ-ONLY")
    term.wait_for_notification("saved by a newer version of secondop-tui")
    open_the_note(term, writable=False)
    term.type("cannot be saved here", delay=0.01)
    # Handled after every key typed: whatever they set off has happened once the app
    # has exited, and quitting saves (it must not, here).
    term.send("ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    assert (data_dir / "workbook.json").read_bytes() == content  # never downgraded
    assert note_on_disk(data_dir, doc_id) == ""


def test_symlinked_workbook_in_the_installed_app(app_dir, tmp_path: Path):
    data_dir: Path = app_dir.data_dir
    workbook_with_a_consultation(data_dir)
    real = tmp_path / "synced" / "workbook.json"
    real.parent.mkdir()
    (data_dir / "workbook.json").rename(real)
    (data_dir / "workbook.json").symlink_to(real)
    content = real.read_bytes()

    check = run_command(data_dir, "check")
    assert check.returncode == 0 and "symbolic link" in check.stdout
    term = app_dir()
    term.wait_for("READ-ONLY")
    term.wait_for_notification("is a symbolic link")
    term.send("ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    assert (data_dir / "workbook.json").is_symlink()
    assert real.read_bytes() == content


def as_an_ordinary_user() -> None:
    """Run the child without root's power to ignore file permissions (when root).

    Dropping CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from the bounding
    set makes the program, after exec, meet permissions as any user would.
    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def unreadable_parent(data_dir: Path) -> Path:
    os.chmod(data_dir.parent, 0)
    return data_dir.parent


def unreadable_workbook(data_dir: Path) -> Path:
    os.chmod(data_dir / "workbook.json", 0)
    return data_dir / "workbook.json"


def unopenable_lock(data_dir: Path) -> Path:
    os.chmod(data_dir / "workbook.lock", 0)
    return data_dir / "workbook.lock"


UNREADABLE = {
    # case: (make it so, what `secondop-tui` says, what `check` says, check's exit code)
    "data folder": (unreadable_parent, "cannot be used: Permission denied",
                    "UNREADABLE: Permission denied", 1),
    "workbook": (unreadable_workbook, "cannot be read: Permission denied",
                 "UNREADABLE: Permission denied", 1),
    "lock file": (unopenable_lock, "lock file", "the lock file cannot be opened", 0),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_data(tmp_path: Path, case: str):
    """Files another user left behind (a run with sudo, say), or a folder that cannot
    be read: each gets a plain message, exits without a traceback, changes nothing."""
    make_unreadable, says, check_says, check_code = UNREADABLE[case]
    data_dir = tmp_path / "outer" / "data"
    workbook_with_a_consultation(data_dir)
    before = (data_dir / "workbook.json").read_bytes()
    blocked = make_unreadable(data_dir)
    try:
        app = run_command(data_dir, preexec_fn=as_an_ordinary_user, stdin=subprocess.DEVNULL)
        assert app.returncode == 1, app.stdout + app.stderr
        assert says in app.stderr and "Traceback" not in app.stderr, app.stderr
        check = run_command(data_dir, "check", preexec_fn=as_an_ordinary_user)
        assert check.returncode == check_code, check.stdout + check.stderr
        assert check_says in check.stdout and "Traceback" not in check.stderr, check.stdout
    finally:
        os.chmod(blocked, 0o700 if blocked.is_dir() else 0o600)
    assert (data_dir / "workbook.json").read_bytes() == before
    assert json.loads((data_dir / "workbook.json").read_text())["_meta"]
