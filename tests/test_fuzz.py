"""Hostile text in every text field and every exporter (hypothesis).

Arbitrary Unicode, control characters, terminal escape sequences (CSI, OSC, DCS, the
8-bit C1 forms), right-to-left text, emoji, lone surrogates from a broken paste and a
1 MB paste go into every text field of every model, through the models' own functions.
Then: nothing crashes (a refusal with a message is fine), the workbook read back from
disk equals what the app held, and every export, in every format, is safe to print to a
terminal (no raw control character but newline and tab, no ESC, nothing that cannot be
written as UTF-8).

The CI run keeps the number of examples modest; ``pytest --long`` runs many more (the
profiles are chosen in conftest.py). To fuzz a new model, add one ``Model`` to MODELS.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core import codec, notes, questions
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import (
    CREDENTIALS,
    CredentialCheck,
    Doctor,
    add_doctor,
    list_doctors,
    update_doctor,
)
from secondop_tui.core.export import FORMATS, export, load_parts, write_export
from secondop_tui.core.store import WorkbookStore
from tests.helpers import wait_until
from tests.pty_terminal import installed_command

# Pieces a hostile or unlucky paste is made of: escape sequences of every family (7-bit
# and 8-bit), characters that move the cursor, right-to-left and bidi controls, emoji
# with joiners, combining marks, wide characters, Rich markup, JSON's own syntax, lone
# surrogates, and the note's own marker and timestamp syntax.
PIECES = [
    "\x1b[31m", "\x1b[2J\x1b[H", "\x1b]0;window title\x07", "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;http://example.invalid\x1b\\link\x1b]8;;\x1b\\", "\x1bP+q544e\x1b\\", "\x1bc",
    "\x9b1;31m", "\x9d0;title\x9c", "\x90q\x9c", "\x1b", "\x07", "\x08\x08", "\x00",
    "\x7f", "\x85", "\r", "\r\n", "\n", "\t", "\x0b", "\x0c", "\u2028", "\u2029",
    "\u202eevil\u202c", "\u2066isolate\u2069", "مرحبا بالعالم", "שלום עולם", "漢字かな",
    "👩\u200d⚕️", "🏳️\u200d🌈", "e\u0301", "\u200b", "\ufeff", "[bold]x[/]", "[/]",
    "[link=http://x]y[/link]", "\ud800", "\udfff", '{"a": 1}', '"', "\\", "  ",
    "Q1 (answered): ", "\nA: ", "[09:30] ", "%s%n", "\U0010ffff",
]

_SURROGATE_PAIR = re.compile(r"([\ud800-\udbff])(?=[\udc00-\udfff])")


def apart(text: str) -> str:
    """Keep a lone high surrogate from meeting a lone low one: JSON reads such a pair
    back as the one character it encodes (pinned by its own test below)."""
    return _SURROGATE_PAIR.sub(r"\1 ", text)


hostile_text = st.lists(
    st.one_of(st.text(max_size=6), st.characters(max_codepoint=0x9F),
              st.sampled_from(PIECES)),
    max_size=10,
).map("".join).map(apart)

# Raw controls a terminal obeys (C0 but newline and tab, DEL, C1), and lone surrogates.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def assert_terminal_safe(text: str, where: str) -> None:
    """Printing ``text`` to a terminal can do nothing but show it."""
    found = UNSAFE.search(text)
    assert found is None, (f"{where}: raw {found.group()!r} at {found.start()}: "
                           f"{text[max(0, found.start() - 40):found.start() + 40]!r}")
    text.encode("utf-8")  # printable and writable: no lone surrogate


def refused_or_done(action: Callable[[], object]) -> None:
    """Run a change; a refusal (ValueError and its kin) must come with a message."""
    try:
        action()
    except ValueError as refusal:
        assert str(refusal).strip(), "a refusal without a message"


# The models -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Model:
    """One kind of record: its text fields, how to store texts in them through the
    model's own functions, and how to read the records back for comparison."""

    name: str
    fields: tuple[str, ...]
    put: Callable[[WorkbookStore, dict[str, str]], None]
    read: Callable[[WorkbookStore], Any]


DOCTOR_TEXT_FIELDS = tuple(f.name for f in fields(Doctor) if f.type in ("str", str))


def put_doctor(store: WorkbookStore, texts: dict[str, str]) -> None:
    doctor = Doctor(**{name: texts[name] for name in DOCTOR_TEXT_FIELDS})
    doctor.credentials = {key: CredentialCheck(source=texts[f"source.{key}"])
                          for key, _ in CREDENTIALS}
    if not doctor.name.strip():
        refused_or_done(lambda: add_doctor(store, doctor))  # the name is required
        doctor.name = "Dr " + doctor.name
    add_doctor(store, doctor)
    doctor.notes = texts["notes"] + " " + texts["notes"]  # an edit, by the update path
    update_doctor(store, doctor)


def put_consultation(store: WorkbookStore, texts: dict[str, str]) -> None:
    visit = notes.new_consultation(store, title=texts["title"])
    notes.set_questions(store, visit.doc_id, [
        notes.AgendaItem(texts["question"], answer=texts["answer"], state=notes.ASKED),
        notes.AgendaItem(texts["answer"], state=notes.ANSWERED, top=True)])
    notes.save_note(store, visit.doc_id, texts["note"])
    # The title as typed (a hand edit can hold anything), through the update path.
    edited = notes.get_consultation(store, visit.doc_id)
    edited.title = texts["title"]
    notes.update_consultation(store, edited)


def put_checklist(store: WorkbookStore, texts: dict[str, str]) -> None:
    checklist = Checklist(store)
    first = checklist.defaults.groups[0]
    refused_or_done(lambda: checklist.add_item(first.id, texts["title"], texts["why"]))
    refused_or_done(lambda: checklist.set_note(first.items[0].id, texts["note"]))
    refused_or_done(lambda: checklist.set_due(first.items[0].id, texts["due"]))
    insurance = next(item for group in checklist.defaults.groups for item in group.items
                     if item.insurance_log)
    refused_or_done(lambda: checklist.add_call(insurance.id, texts["day"], texts["who"],
                                               texts["reference"], texts["said"]))
    refused_or_done(lambda: checklist.add_call(insurance.id, "", "x", "", texts["said"]))


def put_own_question(store: WorkbookStore, texts: dict[str, str]) -> None:
    refused_or_done(lambda: questions.add_own_question(store, texts["text"]))


MODELS: list[Model] = [
    Model("doctor", DOCTOR_TEXT_FIELDS + tuple(f"source.{key}" for key, _ in CREDENTIALS),
          put_doctor, list_doctors),
    Model("consultation", ("title", "note", "question", "answer"), put_consultation,
          notes.list_consultations),
    Model("checklist", ("title", "why", "note", "due", "day", "who", "reference", "said"),
          put_checklist, lambda store: Checklist(store).groups(include_deleted=True)),
    Model("own question", ("text",), put_own_question, questions.own_questions),
]


def texts_for_every_field():
    return st.fixed_dictionaries({
        model.name: st.fixed_dictionaries({name: hostile_text for name in model.fields})
        for model in MODELS})


def read_everything(store: WorkbookStore) -> dict[str, Any]:
    return {model.name: model.read(store) for model in MODELS}


def check_store(store: WorkbookStore, data_dir: Path, out_dir: Path) -> None:
    """Round trip through the file, then every export in every format is safe."""
    assert store.flush().ok
    in_memory = read_everything(store)
    assert codec.decode(store.path.read_bytes()) == store.storage.read()
    again = WorkbookStore.open(data_dir, read_only=True)
    try:
        assert read_everything(again) == in_memory
    finally:
        again.close()
    whole = [name for name, part in load_parts().items() if part.whole]
    for fmt in FORMATS:
        for only in [None, *whole]:
            text = export(store, only, fmt)
            assert_terminal_safe(text, f"export --only {only} --format {fmt}")
    target = write_export(export(store), out_dir / "export.txt", force=True)
    assert target.read_text(encoding="utf-8") == export(store)


# The tests --------------------------------------------------------------------------------
@given(texts=texts_for_every_field())
def test_hostile_text_in_every_field_round_trips_and_exports_safely(texts):
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        store = WorkbookStore.open(data_dir)
        try:
            for model in MODELS:
                model.put(store, texts[model.name])
            check_store(store, data_dir, Path(scratch))
        finally:
            store.close()


@given(text=hostile_text)
def test_escaped_text_is_always_safe(text):
    from secondop_tui.core.text import escape_controls, one_line, wrap

    assert_terminal_safe(escape_controls(text), "escape_controls")
    assert "\n" not in one_line(text) and "\t" not in one_line(text)
    assert_terminal_safe(one_line(text), "one_line")
    for line in wrap(escape_controls(text), "> ", "  "):
        assert_terminal_safe(line, "wrap")


# A save encodes only the records changed since the last one (core/codec.py); what it
# writes must always be exactly what encoding everything would write.
changes = st.lists(st.tuples(
    st.sampled_from(["insert", "update", "remove", "setting", "save"]),
    st.integers(min_value=1, max_value=12), hostile_text), max_size=60)


@given(steps=changes)
def test_each_save_writes_exactly_the_whole_workbook(steps):
    with tempfile.TemporaryDirectory() as scratch:
        store = WorkbookStore.open(Path(scratch) / "data")
        table = store.table("notes")
        try:
            for action, number, text in steps:
                ids = [doc.doc_id for doc in table.all()]
                if action == "insert" or not ids:
                    table.insert({"text": text, "tags": [text], "n": number})
                elif action == "update":
                    table.update({"text": text}, doc_ids=[ids[number % len(ids)]])
                elif action == "remove":
                    table.remove(doc_ids=[ids[number % len(ids)]])
                elif action == "setting":
                    store.set_setting(f"key {number}", text)
                if action == "save" or number % 3 == 0:
                    assert store.flush().ok
                    assert store.path.read_bytes() == codec.encode(store.storage.read())
            assert store.flush().ok
            assert store.path.read_bytes() == codec.encode(store.storage.read())
        finally:
            store.close()


def test_a_surrogate_pair_is_read_back_as_its_character(data_dir: Path):
    store = WorkbookStore.open(data_dir)
    visit = notes.new_consultation(store, title="pasted from a UTF-16 source")
    notes.save_note(store, visit.doc_id, "lone \ud800 then a pair \ud83d\ude00.")
    store.close()
    again = WorkbookStore.open(data_dir, read_only=True)
    assert notes.list_consultations(again)[0].note == "lone \ud800 then a pair \U0001f600."
    again.close()


def megabyte_paste() -> str:
    """About 1 MB of the hostile pieces and plain words, repeatable."""
    import random

    rng = random.Random(1)
    words = ["second", "opinion", "stage", "biopsy", "trial", "\n", "\n\n"]
    parts: list[str] = []
    size = 0
    while size < 1_000_000:
        part = rng.choice(PIECES) if rng.random() < 0.2 else rng.choice(words) + " "
        parts.append(part)
        size += len(part)
    return apart("".join(parts))


def test_a_megabyte_paste_in_every_field_round_trips_and_exports_safely(data_dir: Path,
                                                                         tmp_path: Path):
    paste = megabyte_paste()
    store = WorkbookStore.open(data_dir)
    try:
        for model in MODELS:
            # The paste in one long-text field of each model, short hostile text elsewhere.
            texts = {name: PIECES[i % len(PIECES)] for i, name in enumerate(model.fields)}
            long_field = "note" if "note" in model.fields else model.fields[-1]
            texts[long_field] = paste
            model.put(store, texts)
        check_store(store, data_dir, tmp_path)
    finally:
        store.close()
    # The installed command prints it all, safely, as text and as Markdown.
    for fmt in FORMATS:
        out = subprocess.run([installed_command(), "--data-dir", str(data_dir), "export",
                              "--format", fmt], capture_output=True, timeout=120)
        assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
        assert_terminal_safe(out.stdout.decode("utf-8"), f"secondop-tui export --format {fmt}")
        assert b"second opinion" in out.stdout


@pytest.mark.parametrize("sample", [0, pytest.param(1, marks=pytest.mark.slow),
                                    pytest.param(2, marks=pytest.mark.slow)])
async def test_the_app_shows_hostile_text_everywhere_without_crashing(data_dir: Path,
                                                                      sample: int):
    """Every pane, the doctor's details and form, the checklist form and consultation
    mode, drawn at 80x24 with hostile text in every field."""
    from secondop_tui.ui.app import SecondOpinionApp

    store = WorkbookStore.open(data_dir)
    for offset, model in enumerate(MODELS):
        texts = {name: apart("".join(PIECES[(sample * 7 + offset + i + k) % len(PIECES)]
                                     for k in range(4)))
                 for i, name in enumerate(model.fields)}
        model.put(store, texts)
    app = SecondOpinionApp(store=store, watch_signals=False)
    steps = [(["2"], "WorkbookScreen"), (["down", "n"], "ChecklistItemDialog"),
             (["escape", "3"], "WorkbookScreen"), (["enter"], "DoctorDetailDialog"),
             (["escape", "e"], "DoctorFormDialog"), (["escape", "4"], "WorkbookScreen"),
             (["f5"], "ConsultationScreen"), (["escape"], "ChoiceDialog"),
             (["n", "1"], "WorkbookScreen")]
    async with app.run_test(size=(80, 24)) as pilot:
        for keys, screen in steps:
            await pilot.press(*keys)
            await wait_until(pilot, lambda: type(app.screen).__name__ == screen,
                             f"{screen} shown after {keys}")
        assert app.is_running
        app.save_now()
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+q")
    store.close()
    WorkbookStore.open(data_dir, read_only=True).close()
