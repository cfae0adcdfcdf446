"""The checklist core: defaults merged with user state, changes, upgrades and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secondop_tui.core import backups, codec, schema
from secondop_tui.core import checklist as checklist_module
from secondop_tui.core.checklist import (
    Checklist,
    ChecklistError,
    DefaultGroup,
    DefaultItem,
    DefaultSet,
    load_defaults,
    parse_defaults,
    render,
)
from secondop_tui.core.dates import DateError
from secondop_tui.core.export import export
from secondop_tui.core.store import WorkbookStore

PHASES = ["Before deciding", "Finding the doctor", "Insurance and costs", "Booking", "Records",
          "While you wait", "The visit", "After the visit"]
# The default set of the earlier version (schema 1), as it was shipped.
OLD_CHECKLIST = Path(__file__).parent / "data" / "checklist-v1.json"


def test_defaults_have_phases_and_stable_unique_ids():
    defaults = load_defaults()
    assert [g.title for g in defaults.groups] == PHASES
    ids = [item.id for g in defaults.groups for item in g.items]
    assert len(ids) >= 30
    assert len(ids) == len(set(ids))
    assert all(item.title and len(item.title) < 80 for g in defaults.groups for item in g.items)
    insurance = next(g for g in defaults.groups if g.id == "insurance")
    assert any(item.insurance_log for item in insurance.items)


def test_tick_note_due_and_progress(store):
    checklist = Checklist(store)
    done, total = checklist.progress()
    assert done == 0 and total >= 30
    assert checklist.toggle("before.reasons") is True
    checklist.set_note("before.reasons", "because")
    due = checklist.set_due("before.reasons", "3 Dec 2026")
    item = checklist.item("before.reasons")
    assert item.done and item.note == "because" and item.due == due
    assert checklist.progress() == (1, total)
    assert checklist.toggle("before.reasons") is False


def test_overdue_only_when_not_done(store):
    checklist = Checklist(store)
    checklist.set_due("records.release", "2026-11-19")  # the frozen today is 20 Nov
    assert checklist.item("records.release").overdue()
    checklist.toggle("records.release")
    assert not checklist.item("records.release").overdue()
    checklist.set_due("records.imaging", "2026-11-20")
    assert not checklist.item("records.imaging").overdue()


def test_add_edit_move_delete_and_undo(store):
    checklist = Checklist(store)
    item_id = checklist.add_item("records", "  Ask for the  CD  ", "for the scans")
    assert checklist.item(item_id).title == "Ask for the CD"
    records = [g for g in checklist.groups() if g.id == "records"][0]
    assert records.items[-1].id == item_id
    assert checklist.move_item(item_id, -1)
    records = [g for g in checklist.groups() if g.id == "records"][0]
    assert records.items[-2].id == item_id
    checklist.edit_item(item_id, title="Ask for the image CD")
    assert checklist.item(item_id).title == "Ask for the image CD"
    saved = checklist.delete_item(item_id)
    assert checklist.item(item_id) is None
    checklist.undo_delete(saved)
    assert checklist.item(item_id).title == "Ask for the image CD"
    records = [g for g in checklist.groups() if g.id == "records"][0]
    assert records.items[-2].id == item_id


def test_default_items_can_be_reordered_deleted_and_restored(store):
    checklist = Checklist(store)
    mine = checklist.add_item("visit", "Book a taxi")
    checklist.toggle("visit.questions")
    assert checklist.move_item("visit.questions", -1)
    first = [g for g in checklist.groups() if g.id == "visit"][0].items[0]
    assert first.id == "visit.questions"
    assert not checklist.move_item("visit.questions", -1)
    checklist.delete_item("visit.questions")
    checklist.delete_item("visit.recording")
    ids = [i.id for g in checklist.groups() for i in g.items]
    assert "visit.questions" not in ids and mine in ids
    assert checklist.restore_defaults() == 2
    item = checklist.item("visit.questions")
    assert not item.deleted and item.done  # its state came back with it
    assert checklist.item(mine) is not None


def test_empty_or_long_titles_are_refused(store):
    checklist = Checklist(store)
    with pytest.raises(ChecklistError, match="title"):
        checklist.add_item("records", "   ")
    with pytest.raises(ChecklistError, match="under"):
        checklist.add_item("records", "x" * 500)
    with pytest.raises(ChecklistError, match="wording"):
        checklist.edit_item("records.meds", title="Something else")


def test_bad_dates_name_the_accepted_forms(store):
    checklist = Checklist(store)
    with pytest.raises(DateError, match="2026-12-03"):
        checklist.set_due("records.meds", "next tuesday")
    with pytest.raises(DateError, match="real date"):
        checklist.set_due("records.meds", "31/31/2026")
    checklist.set_due("records.meds", "")
    assert checklist.item("records.meds").due is None


def test_call_log_only_on_insurance_items(store):
    checklist = Checklist(store)
    checklist.add_call("insurance.coverage", "20 Nov 2026", "Jane", "12345", "covered")
    checklist.add_call("insurance.coverage", "", "", "", "no referral needed")
    calls = checklist.item("insurance.coverage").calls
    assert [c.reference for c in calls] == ["12345", ""]
    assert calls[1].day.isoformat() == "2026-11-20"  # empty date means today
    with pytest.raises(ChecklistError):
        checklist.add_call("records.meds", "20 Nov 2026", "x", "y", "z")
    with pytest.raises(ChecklistError):
        checklist.add_call("insurance.coverage", "20 Nov 2026", " ", "", "")


def test_a_logged_call_can_be_edited_and_deleted(store):
    checklist = Checklist(store)
    checklist.add_call("insurance.coverage", "19 Nov 2026", "Jane", "A123", "covered")
    checklist.add_call("insurance.coverage", "20 Nov 2026", "Bob", "B456", "referral")
    edited = checklist.edit_call("insurance.coverage", 0, "18 Nov 2026", " Jane Doe ",
                                 "A124", "covered in network")
    assert edited.who == "Jane Doe" and edited.day.isoformat() == "2026-11-18"
    calls = checklist.item("insurance.coverage").calls
    assert [(c.who, c.reference) for c in calls] == [("Jane Doe", "A124"), ("Bob", "B456")]
    # Checked as a new call is: a readable date, and something besides the date.
    with pytest.raises(DateError):
        checklist.edit_call("insurance.coverage", 1, "someday", "Bob", "", "")
    with pytest.raises(ChecklistError, match="at least"):
        checklist.edit_call("insurance.coverage", 1, "", " ", "", "")
    with pytest.raises(ChecklistError, match="no longer"):
        checklist.edit_call("insurance.coverage", 2, "", "x", "", "")
    with pytest.raises(ChecklistError, match="insurance"):
        checklist.delete_call("records.meds", 0)
    removed = checklist.delete_call("insurance.coverage", 0)
    assert removed.who == "Jane Doe"
    assert [c.who for c in checklist.item("insurance.coverage").calls] == ["Bob"]
    with pytest.raises(ChecklistError, match="no longer"):
        checklist.delete_call("insurance.coverage", -1)
    text = export(store, "checklist", "text")
    assert "spoke to Bob, ref B456: referral" in text and "Jane" not in text
    checklist.delete_call("insurance.coverage", 0)
    assert checklist.item("insurance.coverage").calls == ()
    assert "Insurance calls" not in export(store, "checklist", "text")


def test_editing_calls_leaves_an_unreadable_stored_call_alone(store):
    checklist = Checklist(store)
    checklist.add_call("insurance.coverage", "19 Nov 2026", "Jane", "", "")
    checklist.add_call("insurance.coverage", "20 Nov 2026", "Bob", "", "")
    stored = checklist.table.all()[0]["calls"]
    checklist._write("insurance.coverage", {"calls": [{"date": "??", "who": "odd"}] + stored})
    assert [c.who for c in checklist.item("insurance.coverage").calls] == ["Jane", "Bob"]
    checklist.edit_call("insurance.coverage", 1, "", "Bobby", "", "")
    checklist.delete_call("insurance.coverage", 0)
    assert [c.who for c in checklist.item("insurance.coverage").calls] == ["Bobby"]
    assert checklist.table.all()[0]["calls"][0] == {"date": "??", "who": "odd"}


def test_upgrade_keeps_state_when_defaults_are_added_and_reworded(data_dir, monkeypatch):
    old = DefaultSet(1, (
        DefaultGroup("before", "Before deciding", (
            DefaultItem("before.a", "Old wording A"),
            DefaultItem("before.b", "B"),
        )),
    ))
    store = WorkbookStore.open(data_dir)
    checklist = Checklist(store, old)
    checklist.toggle("before.b")
    checklist.set_note("before.a", "my note")
    mine = checklist.add_item("before", "My own step")
    checklist.delete_item("before.b")
    store.close()

    new = DefaultSet(2, (
        DefaultGroup("before", "Before deciding", (
            DefaultItem("before.new", "A brand new first step"),
            DefaultItem("before.a", "New wording A"),
            DefaultItem("before.b", "B"),
        )),
    ))
    monkeypatch.setattr(checklist_module, "load_defaults", lambda: new)
    store = WorkbookStore.open(data_dir)
    try:
        checklist = Checklist(store)
        items = {i.id: i for g in checklist.groups(include_deleted=True) for i in g.items}
        assert items["before.new"].title == "A brand new first step"
        assert not items["before.new"].done
        assert items["before.a"].title == "New wording A"
        assert items["before.a"].note == "my note"
        assert items["before.b"].done and items["before.b"].deleted
        assert items[mine].title == "My own step"
        assert checklist.restore_defaults() == 1
        assert checklist.item("before.b").done
        assert checklist.item(mine) is not None
    finally:
        store.close()


def test_long_note_and_control_characters_are_kept_and_exported_escaped(store):
    checklist = Checklist(store)
    note = ("called the insurer 20 Nov, ref 12345: covered. " * 250)[:10_000]
    checklist.set_note("insurance.coverage", note)
    assert checklist.item("insurance.coverage").note == note.rstrip()
    hostile = "Ring \x1b[2J\x1b]0;pwned\x07 back\r\x9b31m"
    item_id = checklist.add_item("insurance", hostile)
    checklist.set_note(item_id, hostile)
    text = render(store, "text")
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\r" not in text
    assert "\\e[2J" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_export_shows_groups_state_notes_and_calls(store):
    checklist = Checklist(store)
    checklist.toggle("before.reasons")
    checklist.set_note("insurance.coverage", "covered, no referral needed")
    checklist.set_due("records.release", "2026-11-01")
    checklist.add_call("insurance.coverage", "2026-11-19", "Jane", "A123", "covered")
    text = export(store, "checklist", "text")
    before = next(g for g in load_defaults().groups if g.id == "before")
    assert f"Before deciding (1/{len(before.items)} done)" in text
    assert "[x] Write down why you want a second opinion" in text
    assert "covered, no referral needed" in text
    assert "Due: Sun 1 Nov 2026 (OVERDUE)" in text
    assert "Thu 19 Nov 2026, spoke to Jane, ref A123: covered" in text
    markdown = export(store, "checklist", "markdown")
    assert markdown.startswith("## Checklist")
    assert "- [x] Write down why you want a second opinion" in markdown


# The default set of this version -------------------------------------------------------
def all_items():
    return [item for group in load_defaults().groups for item in group.items]


def test_a_booking_phase_comes_before_the_records():
    ids = [g.id for g in load_defaults().groups]
    assert ids.index("finding") < ids.index("insurance") < ids.index("booking") \
        < ids.index("records")
    booking = next(g for g in load_defaults().groups if g.id == "booking")
    titles = " ".join(i.title.lower() for i in booking.items)
    for words in ("second opinion", "which records", "pathologist and radiologist",
                  "interpreter"):
        assert words in titles


def test_the_items_the_guidance_links_to_exist():
    ids = {item.id for item in all_items()}
    assert {"records.portal-first", "records.pathology-review", "booking.virtual-check",
            "waiting.safety", "waiting.fertility", "booking.interpreter",
            "costs.counsellor", "helper.permission"} <= ids


def test_no_duplicate_items_and_no_item_that_is_only_a_tool():
    titles = [item.title.lower() for item in all_items()]
    assert len(titles) == len(set(titles))
    assert sum("copies of your records" in t or "carry your own copies" in t
               for t in titles) == 1
    # The insurance items keep their own call logs: logging calls is not a step.
    assert not any(t.startswith("log ") for t in titles)
    # One task each: no "X and then Y" titles, and the pathology material is lent
    # between labs, never "returned" to the patient.
    assert not any(" and confirm " in t or " and ask " in t for t in titles)
    assert not any("returned" in (i.why + i.title).lower() for i in all_items())


def test_doctor_dependent_insurance_items_come_after_finding_the_doctor():
    ids = [g.id for g in load_defaults().groups]
    assert ids.index("finding") < ids.index("insurance")
    network = load_defaults().find("insurance.network")[2]
    assert "candidate" in network.title


def test_retired_items_are_listed_with_their_old_wording_and_a_replacement():
    defaults = load_defaults()
    old = parse_defaults(json.loads(OLD_CHECKLIST.read_text(encoding="utf-8")))
    old_ids = {i.id for g in old.groups for i in g.items}
    new_ids = {i.id for i in all_items()}
    retired = {r.id: r for c in defaults.changes for r in c.retired}
    assert set(retired) == old_ids - new_ids
    for item_id, item in retired.items():
        assert old.find(item_id)[2].title == item.title
        assert defaults.current_id(item_id) in new_ids
    assert defaults.current_id("records.meds") == "records.meds"
    assert defaults.current_id("no.such-item") == "no.such-item"


# A workbook made by the earlier version ----------------------------------------------
def old_workbook(data_dir: Path, monkeypatch) -> dict[str, str]:
    """A schema-1 workbook filled in with the earlier version's default checklist."""
    old = parse_defaults(json.loads(OLD_CHECKLIST.read_text(encoding="utf-8")))
    with monkeypatch.context() as patched:
        patched.setattr(schema, "SCHEMA_VERSION", 1)
        store = WorkbookStore.open(data_dir, autoflush=True)
        checklist = Checklist(store, old)
        checklist.toggle("before.reasons")
        checklist.set_note("records.pathology", "lab says 2 weeks")
        checklist.set_due("records.release", "2026-12-01")
        checklist.add_call("insurance.coverage", "2026-11-19", "Jane", "A1", "covered")
        # Retired items: one used (ticked, with calls), one never used (only moved).
        checklist.add_call("insurance.call-log", "2026-11-18", "Bob", "B2", "no referral")
        checklist.toggle("insurance.call-log")
        checklist.move_item("records.carry-copies", -1)
        checklist.toggle("visit.rereads")
        checklist.move_item("visit.rereads", -3)
        mine = checklist.add_item("records", "Ask for the CD", "for the scans")
        checklist.delete_item("after.where")
        store.close()
    raw = json.loads((data_dir / "workbook.json").read_text(encoding="utf-8"))
    assert raw["_meta"]["1"]["schema"] == 1
    return {"mine": mine}


def test_an_earlier_workbook_keeps_ticks_notes_dates_calls_and_own_items(
        data_dir, monkeypatch):
    made = old_workbook(data_dir, monkeypatch)
    store = WorkbookStore.open(data_dir)
    try:
        assert store.meta["schema"] == schema.SCHEMA_VERSION
        assert any("upgraded" in notice for notice in store.notices)
        checklist = Checklist(store)
        items = {i.id: i for g in checklist.groups(include_deleted=True) for i in g.items}
        assert items["before.reasons"].done
        assert items["records.pathology"].note == "lab says 2 weeks"
        assert items["records.pathology"].title == "Get copies of your pathology reports"
        assert items["records.release"].due.isoformat() == "2026-12-01"
        assert [c.who for c in items["insurance.coverage"].calls] == ["Jane"]
        assert items[made["mine"]].title == "Ask for the CD"
        assert items["after.where"].deleted
        # New default items arrive, unticked.
        for new in ("booking.interpreter", "records.portal-first", "waiting.safety"):
            assert new in items and not items[new].done
        # The moved item keeps its tick and sits in its new group, at its default place.
        assert items["visit.rereads"].done and items["visit.rereads"].group == "booking"
        # A retired item the person used stays as their own, wording and calls kept...
        kept = items["insurance.call-log"]
        assert not kept.is_default and kept.done and kept.group == "insurance"
        assert kept.title.startswith("Log each insurer call")
        assert [c.reference for c in kept.calls] == ["B2"]
        checklist.add_call("insurance.call-log", "2026-11-20", "Ann", "C3", "")
        # ...and one they never used is gone.
        assert "records.carry-copies" not in items
        assert "records.carry-copies" not in {d.get("id") for d in checklist.table.all()}
    finally:
        store.close()
    # The file as it was is kept as a backup.
    old = [b for b in backups.list_backups(data_dir) if "schema1" in b.path.name]
    assert old and codec.schema_of(codec.decode(old[0].path.read_bytes())) == 1


def test_an_earlier_workbook_opened_read_only_is_upgraded_in_memory_only(
        data_dir, monkeypatch):
    old_workbook(data_dir, monkeypatch)
    before = (data_dir / "workbook.json").read_bytes()
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        item = Checklist(store).item("insurance.call-log")
        assert item is not None and not item.is_default and item.done
    finally:
        store.close()
    assert (data_dir / "workbook.json").read_bytes() == before
