"""A workbook open read-only refuses every change, in memory and on disk, with one clear
error, whichever part of the app tries to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondop_tui.core import notes, profile
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import Doctor, add_doctor, delete_doctor, list_doctors
from secondop_tui.core.errors import ReadOnlyWorkbook
from secondop_tui.core.store import WorkbookStore


@pytest.fixture
def read_only(data_dir: Path):
    """A workbook with one doctor and one consultation, opened read-only; the file's
    bytes before, to compare."""
    writable = WorkbookStore.open(data_dir)
    add_doctor(writable, Doctor(name="Dr Kept"))
    notes.new_consultation(writable, title="Kept")
    writable.close()
    before = (data_dir / "workbook.json").read_bytes()
    store = WorkbookStore.open(data_dir, read_only=True)
    yield store, before
    store.close()
    assert (data_dir / "workbook.json").read_bytes() == before


def test_the_error_is_a_clear_permission_error():
    assert issubclass(ReadOnlyWorkbook, PermissionError)
    assert str(ReadOnlyWorkbook()) == ("This workbook is open read-only: nothing in it can "
                                       "be changed.")
    assert str(ReadOnlyWorkbook("Notes cannot be changed.")) == "Notes cannot be changed."


def test_adding_a_doctor_is_refused(read_only, data_dir):
    store, before = read_only
    with pytest.raises(ReadOnlyWorkbook, match="open read-only"):
        add_doctor(store, Doctor(name="Dr New"))
    with pytest.raises(ReadOnlyWorkbook):
        delete_doctor(store, list_doctors(store)[0].doc_id)
    assert [d.name for d in list_doctors(store)] == ["Dr Kept"]  # nothing changed in memory
    assert store.flush().ok and not store.dirty
    assert (data_dir / "workbook.json").read_bytes() == before


def test_ticking_the_checklist_is_refused(read_only, data_dir):
    store, before = read_only
    checklist = Checklist(store)
    item = checklist.groups()[0].items[0]
    with pytest.raises(ReadOnlyWorkbook):
        checklist.toggle(item.id)
    with pytest.raises(ReadOnlyWorkbook):
        checklist.add_item(item.group, "My own step")
    assert checklist.item(item.id).done is False
    assert len(store.table("checklist")) == 0
    assert not store.dirty
    assert (data_dir / "workbook.json").read_bytes() == before


def test_every_way_to_write_is_refused_before_anything_changes(read_only):
    store, _ = read_only
    doc_id = notes.list_consultations(store)[0].doc_id
    table = store.table("consultations")
    for change in (lambda: table.insert({"title": "x"}),
                   lambda: table.update({"title": "x"}),
                   lambda: table.upsert({"title": "x"}, cond=lambda doc: True),
                   lambda: table.remove(doc_ids=[doc_id]),
                   lambda: table.truncate(),
                   lambda: store.update_record("consultations", doc_id, {"note": "x"}),
                   lambda: store.set_setting("theme", "x"),
                   lambda: store.ensure_writable()):
        with pytest.raises(ReadOnlyWorkbook):
            change()
    assert [c.title for c in notes.list_consultations(store)] == ["Kept"]
    assert store.get_setting("theme") is None
    assert not store.dirty


def test_the_parts_still_say_what_cannot_be_changed(read_only):
    store, _ = read_only
    with pytest.raises(ReadOnlyWorkbook, match="notes cannot be changed"):
        notes.new_consultation(store)
    with pytest.raises(ReadOnlyWorkbook, match="profile cannot be changed"):
        profile.save_profile(store, profile.Profile(diagnosis="x"))


def test_a_writable_store_writes(store: WorkbookStore):
    store.ensure_writable()
    add_doctor(store, Doctor(name="Dr New"))
    Checklist(store).toggle(Checklist(store).groups()[0].items[0].id)
    assert [d.name for d in list_doctors(store)] == ["Dr New"]
