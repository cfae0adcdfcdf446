"""The store's promises: atomic saves, private files, backups, migrations, conflicts."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secondop_tui.core import backups, codec, schema
from secondop_tui.core.errors import ReadOnlyWorkbook, SaveFailed, WorkbookDamaged
from secondop_tui.core.store import WorkbookStore, restore_backup
from tests.helpers import DAMAGED, mode


def test_new_workbook_round_trip(data_dir: Path):
    store = WorkbookStore.open(data_dir, autoflush=True)
    store.table("notes").insert({"text": "ünïcode ✓ and \x1b[31m escape"})
    store.changed()
    store.close()
    again = WorkbookStore.open(data_dir)
    assert again.table("notes").all()[0]["text"] == "ünïcode ✓ and \x1b[31m escape"
    assert again.meta["schema"] == schema.SCHEMA_VERSION
    again.close()


def test_reads_come_from_memory(store: WorkbookStore, monkeypatch):
    store.table("notes").insert({"text": "a"})
    store.flush()
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("re-read the file"))
    assert len(store.table("notes").all()) == 1


def test_files_are_private(data_dir: Path):
    store = WorkbookStore.open(data_dir, autoflush=True)
    assert mode(data_dir) == 0o700  # a folder the app creates is private
    assert not store.notices
    assert mode(store.path) == 0o600
    assert mode(store.paths.lock) == 0o600
    store.close()
    store = WorkbookStore.open(data_dir, autoflush=True)  # second start: backup before write
    store.set_setting("x", 1)
    for path in [store.path, store.paths.previous, *backups.backup_dir(data_dir).iterdir()]:
        assert mode(path) == 0o600, path
    assert mode(backups.backup_dir(data_dir)) == 0o700
    store.close()


def test_loose_workbook_permissions_are_tightened(data_dir: Path):
    WorkbookStore.open(data_dir).close()
    os.chmod(data_dir / "workbook.json", 0o644)
    WorkbookStore.open(data_dir).close()
    assert mode(data_dir / "workbook.json") == 0o600


def test_backup_before_first_write_keeps_five(data_dir: Path):
    for n in range(8):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.set_setting("run", n)
        store.close()
    found = backups.list_backups(data_dir)
    assert len(found) == backups.KEEP
    assert all(b.valid for b in found)
    assert json.loads(backups.inspect(found[0].path).path.read_text())  # newest first, valid
    previous = codec.decode((data_dir / "workbook.prev.json").read_bytes())
    assert previous["settings"]["1"]["run"] == 6  # the save before the last one


def test_no_backup_when_only_reading(data_dir: Path):
    WorkbookStore.open(data_dir).close()
    WorkbookStore.open(data_dir).close()  # opened, nothing changed
    assert backups.list_backups(data_dir) == []


@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_workbook_is_never_overwritten(data_dir: Path, case: str):
    content, position = DAMAGED[case]
    data_dir.mkdir(mode=0o700)
    workbook = data_dir / "workbook.json"
    workbook.write_bytes(content)
    with pytest.raises(WorkbookDamaged) as caught:
        WorkbookStore.open(data_dir)
    error = caught.value
    assert workbook.read_bytes() == content  # untouched
    assert error.aside is not None and error.aside.read_bytes() == content
    assert mode(error.aside) == 0o600
    assert error.reason
    if position:
        assert (error.line, error.column) == position
    # The lock was released: a second attempt gets the same answer, not "locked".
    with pytest.raises(WorkbookDamaged):
        WorkbookStore.open(data_dir)


def test_damaged_workbook_offers_newest_valid_backup(data_dir: Path):
    for n in range(2):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.table("doctors").insert({"name": f"Dr {n}"})
        store.changed()
        store.close()
    (data_dir / "workbook.json").write_bytes(b'{"_meta": {"1": {"schema": 1}}')
    with pytest.raises(WorkbookDamaged) as caught:
        WorkbookStore.open(data_dir)
    backup = caught.value.backup
    assert backup is not None and backup.valid
    restored, aside = restore_backup(data_dir, backup.path)
    assert aside is not None and aside.exists()
    store = WorkbookStore.open(data_dir)
    assert len(store.table("doctors")) >= 1
    store.close()


def test_newer_schema_opens_read_only_and_is_never_downgraded(data_dir: Path):
    data_dir.mkdir(mode=0o700)
    content = json.dumps({"_meta": {"1": {"schema": schema.SCHEMA_VERSION + 1}},
                          "future": {"1": {"x": 1}}}).encode()
    (data_dir / "workbook.json").write_bytes(content)
    store = WorkbookStore.open(data_dir, autoflush=True)
    assert store.read_only
    assert any("newer version" in n for n in store.notices)
    with pytest.raises(ReadOnlyWorkbook):
        store.table("notes").insert({"text": "refused, even in memory"})
    store.changed()
    store.close()
    assert (data_dir / "workbook.json").read_bytes() == content


def test_migration_runs_on_raw_data_after_a_backup(data_dir: Path, monkeypatch):
    store = WorkbookStore.open(data_dir, autoflush=True)
    store.table("notes").insert({"body": "old field name"})
    store.changed()
    store.close()

    def rename_body(raw):
        for doc in raw.get("notes", {}).values():
            doc["text"] = doc.pop("body")
        return raw

    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(schema.MIGRATIONS, current, rename_body)
    store = WorkbookStore.open(data_dir)
    assert store.table("notes").all()[0]["text"] == "old field name"
    assert store.meta["schema"] == current + 1
    store.close()
    assert codec.schema_of(codec.decode((data_dir / "workbook.json").read_bytes())) == current + 1
    old = [b for b in backups.list_backups(data_dir) if f"schema{current}" in b.path.name]
    assert old and codec.schema_of(codec.decode(old[0].path.read_bytes())) == current


def test_failed_write_keeps_previous_file_and_memory(store: WorkbookStore, monkeypatch):
    store.table("notes").insert({"text": "saved"})
    assert store.flush().ok
    before = store.path.read_bytes()

    real_write = os.write

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    store.table("notes").insert({"text": "typed while the disk was full"})
    result = store.flush()
    assert not result.ok and "disk is full" in result.message
    assert store.path.read_bytes() == before
    assert not list(store.paths.data_dir.glob(".*.tmp"))
    assert store.dirty
    assert len(store.table("notes")) == 2  # still in memory

    monkeypatch.setattr(os, "write", real_write)
    store.table("notes").insert({"text": "space came back"})
    assert store.flush().ok
    texts = [d["text"] for d in codec.decode(store.path.read_bytes())["notes"].values()]
    assert texts == ["saved", "typed while the disk was full", "space came back"]


def test_autoflush_raises_on_failed_write(data_dir: Path, monkeypatch):
    store = WorkbookStore.open(data_dir, autoflush=True)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "EIO")))
    with pytest.raises(SaveFailed):
        store.set_setting("x", 1)
    monkeypatch.undo()
    store.close()


RLIMIT_CHILD = r"""
import resource, signal, sys
from pathlib import Path
from secondop_tui.core.store import WorkbookStore
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
store = WorkbookStore.open(Path(sys.argv[1]))
store.table("notes").insert({"text": "small"})
assert store.flush().ok
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
store.table("notes").insert({"text": "x" * 100_000})
result = store.flush()
print("FAILED" if not result.ok else "WROTE", result.message)
"""


def test_file_size_limit_write_fails_cleanly(data_dir: Path):
    out = subprocess.run([sys.executable, "-c", RLIMIT_CHILD, str(data_dir)],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("FAILED"), out.stdout + out.stderr
    raw = codec.decode((data_dir / "workbook.json").read_bytes())
    assert [d["text"] for d in raw["notes"].values()] == ["small"]
    assert not list(data_dir.glob(".*.tmp"))


def test_external_edit_is_never_silently_overwritten(store: WorkbookStore):
    store.table("notes").insert({"text": "app"})
    assert store.flush().ok
    raw = codec.decode(store.path.read_bytes())
    raw["notes"]["1"]["text"] = "edited by hand"
    store.path.write_bytes(codec.encode(raw))

    store.table("notes").insert({"text": "more from the app"})
    result = store.flush()
    assert result.conflict and not result.ok
    assert b"edited by hand" in store.path.read_bytes()

    aside = store.keep_mine()
    assert b"edited by hand" in aside.read_bytes()
    assert b"more from the app" in store.path.read_bytes()


def test_external_edit_can_be_reloaded(store: WorkbookStore):
    store.table("notes").insert({"text": "app"})
    assert store.flush().ok
    raw = codec.decode(store.path.read_bytes())
    raw["notes"]["1"]["text"] = "edited by hand"
    store.path.write_bytes(codec.encode(raw))
    store.table("notes").insert({"text": "unsaved in app"})
    assert store.flush().conflict
    aside = store.take_theirs()
    assert b"unsaved in app" in aside.read_bytes()
    assert [d["text"] for d in store.table("notes").all()] == ["edited by hand"]
    store.table("notes").insert({"text": "after reload"})
    assert store.flush().ok


def test_a_record_added_after_a_reload_takes_a_free_id(store: WorkbookStore):
    """The reloaded file may hold records at ids the app had not used yet: the next one
    added in the app goes after them, never over one."""
    store.table("notes").insert({"text": "first"})
    assert store.flush().ok
    raw = codec.decode(store.path.read_bytes())
    raw["notes"]["2"] = {"text": "added by hand"}
    raw["notes"]["3"] = {"text": "added by hand too"}
    store.path.write_bytes(codec.encode(raw))
    store.table("notes").insert({"text": "unsaved in app"})
    assert store.flush().conflict
    store.take_theirs()
    new_id = store.table("notes").insert({"text": "after reload"})
    assert new_id == 4
    assert sorted(d["text"] for d in store.table("notes").all()) == [
        "added by hand", "added by hand too", "after reload", "first"]


def edit_in_place(path: Path, text: str) -> None:
    raw = codec.decode(path.read_bytes())
    raw["notes"]["1"]["text"] = text
    path.write_bytes(codec.encode(raw))


def test_an_edit_just_after_a_save_is_not_taken_for_the_save(store: WorkbookStore,
                                                             monkeypatch):
    """An editor writes the file in the instant after the app's rename (a busy machine
    stretches that instant): the app must still see it as someone else's."""
    from secondop_tui.core import storage

    store.table("notes").insert({"text": "app"})
    assert store.flush().ok
    real_write = storage.atomic_write

    def write_then_edit(path, data, **options):
        written = real_write(path, data, **options)
        edit_in_place(path, "edited by hand at once")
        return written

    monkeypatch.setattr(storage, "atomic_write", write_then_edit)
    store.table("notes").insert({"text": "second"})
    assert store.flush().ok
    monkeypatch.setattr(storage, "atomic_write", real_write)
    store.table("notes").insert({"text": "third"})
    assert store.flush().conflict
    assert b"edited by hand at once" in store.path.read_bytes()


@pytest.mark.parametrize("when", ["open", "reload"])
def test_an_edit_just_after_a_read_is_not_taken_for_what_was_read(data_dir: Path,
                                                                  monkeypatch, when: str):
    from secondop_tui.core import store as store_module

    store = WorkbookStore.open(data_dir)
    store.table("notes").insert({"text": "app"})
    assert store.flush().ok
    if when == "open":
        store.close()
    else:
        edit_in_place(store.path, "first hand edit")
        store.table("notes").insert({"text": "pending"})
        assert store.flush().conflict
    real_read = store_module.read_with_status

    def read_then_edit(path):
        read = real_read(path)
        edit_in_place(path, "edited by hand at once")
        return read

    monkeypatch.setattr(store_module, "read_with_status", read_then_edit)
    if when == "open":
        store = WorkbookStore.open(data_dir)
    else:
        store.take_theirs()
    monkeypatch.setattr(store_module, "read_with_status", real_read)
    store.table("notes").insert({"text": "from the app"})
    assert store.flush().conflict
    assert b"edited by hand at once" in store.path.read_bytes()
    store.close(flush=False)


def test_touch_without_change_is_not_a_conflict(store: WorkbookStore):
    store.table("notes").insert({"text": "a"})
    assert store.flush().ok
    os.utime(store.path, (1, 1))
    store.table("notes").insert({"text": "b"})
    assert store.flush().ok


def test_symlinked_workbook_opens_read_only(data_dir: Path, tmp_path: Path):
    WorkbookStore.open(data_dir).close()
    real = tmp_path / "elsewhere.json"
    (data_dir / "workbook.json").rename(real)
    (data_dir / "workbook.json").symlink_to(real)
    store = WorkbookStore.open(data_dir)
    assert store.read_only and "symbolic link" in store.notices[0]
    store.close()
    assert (data_dir / "workbook.json").is_symlink()


def test_stale_temp_files_are_removed_under_the_lock(data_dir: Path):
    WorkbookStore.open(data_dir).close()
    leftover = data_dir / ".workbook.json.123.abcd.tmp"
    leftover.write_text("half a save")
    WorkbookStore.open(data_dir).close()
    assert not leftover.exists()


def test_encode_escapes_lone_surrogates():
    raw = schema.new_workbook()
    raw["notes"] = {"1": {"text": "broken paste \ud800 here"}}
    assert codec.decode(codec.encode(raw))["notes"]["1"]["text"] == "broken paste \ud800 here"


def test_byte_order_mark_is_accepted(data_dir: Path):
    data_dir.mkdir(mode=0o700)
    (data_dir / "workbook.json").write_bytes(b"\xef\xbb\xbf" + codec.encode(schema.new_workbook()))
    WorkbookStore.open(data_dir).close()


def test_update_record_saves_that_record_and_keeps_the_others(data_dir: Path):
    store = WorkbookStore.open(data_dir)
    table = store.table("notes")
    ids = [table.insert({"text": f"note {i}", "n": i}) for i in range(5)]
    store.flush()
    # The typing path: one record changed in place, the others untouched.
    assert store.update_record("notes", ids[2], {"text": "changed"})
    assert not store.update_record("notes", 999, {"text": "nobody"})
    # A change after the snapshot was taken must not reach it.
    pending = store.storage._pending[1]
    assert store.update_record("notes", ids[3], {"text": "later"})
    assert pending["notes"][str(ids[3])]["text"] == "note 3"
    assert table.get(doc_id=ids[2])["text"] == "changed"  # TinyDB's query cache is cleared
    store.close()
    again = WorkbookStore.open(data_dir, read_only=True)
    assert [doc["text"] for doc in again.table("notes").all()] == [
        "note 0", "note 1", "changed", "later", "note 4"]
    assert again.table("notes").get(doc_id=ids[2])["n"] == 2  # the other fields are kept
    again.close()


def test_update_record_after_a_reload_writes_the_reloaded_data(store: WorkbookStore):
    table = store.table("notes")
    first = table.insert({"text": "mine"})
    store.flush()
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    raw["notes"]["2"] = {"text": "added by hand"}
    store.path.write_text(json.dumps(raw), encoding="utf-8")
    store.take_theirs()
    # The last snapshot mirrored the old data: this save must not drop the hand edit.
    assert store.update_record("notes", first, {"text": "typed after the reload"})
    assert store.flush().ok
    saved = json.loads(store.path.read_text(encoding="utf-8"))["notes"]
    assert saved == {"1": {"text": "typed after the reload"}, "2": {"text": "added by hand"}}


def test_close_during_an_unanswered_external_edit_keeps_both_versions(data_dir: Path):
    """The connection drops while the 'changed on disk' question is on screen: the hand
    edit stays in the workbook, and the app's words go to a private copy beside it that
    the next start and ``check`` point to."""
    from secondop_tui.core.check import run_check

    store = WorkbookStore.open(data_dir)
    store.table("notes").insert({"text": "app"})
    assert store.flush().ok
    raw = codec.decode(store.path.read_bytes())
    raw["notes"]["1"]["text"] = "edited by hand"
    theirs = codec.encode(raw)
    store.path.write_bytes(theirs)
    an_hour_ago = time.time() - 3600  # the hand edit, well before the close
    os.utime(store.path, (an_hour_ago, an_hour_ago))
    store.table("notes").insert({"text": "PRECIOUSWORDS"})
    assert store.flush().conflict

    result = store.close()
    assert result.conflict and not result.ok
    assert result.kept_as is not None and result.kept_as.parent == data_dir.absolute()
    assert result.kept_as.name.startswith("workbook.unsaved-")
    assert str(result.kept_as) in result.message
    assert mode(result.kept_as) == 0o600
    kept = codec.decode(result.kept_as.read_bytes())
    assert [d["text"] for d in kept["notes"].values()] == ["app", "PRECIOUSWORDS"]
    assert store.path.read_bytes() == theirs  # the hand edit is not overwritten

    command = f"secondop-tui --data-dir {data_dir} restore {result.kept_as.name}"
    report, code = run_check(data_dir)
    assert code == 0 and command in report
    again = WorkbookStore.open(data_dir)
    assert any(result.kept_as.name in notice and "secondop-tui check" in notice
               for notice in again.notices)
    # Once the workbook is saved again, the copy is no longer news.
    os.utime(result.kept_as, (an_hour_ago, an_hour_ago))
    again.table("notes").insert({"text": "later"})
    assert again.flush().ok
    again.close()
    assert not WorkbookStore.open(data_dir, read_only=True).notices
    assert result.kept_as.exists()  # never deleted by the app


def test_subscribers_hear_of_each_write_once_and_of_no_read(store: WorkbookStore):
    from secondop_tui.core.store import StoreChange

    heard: list[StoreChange] = []
    stop = store.subscribe(heard.append)
    doc_id = store.table("notes").insert({"text": "a"})
    assert heard == [StoreChange("notes")]
    store.table("notes").update({"text": "b"}, doc_ids=[doc_id])
    store.set_setting("theme", "dark")
    store.set_setting("theme", "light")
    assert heard == [StoreChange("notes")] * 2 + [StoreChange("settings")] * 2
    heard.clear()
    store.update_record("notes", doc_id, {"text": "c"})
    assert heard == [StoreChange("notes", frozenset({"text"}))]
    heard.clear()
    # Reading, saving and a missing record announce nothing.
    store.table("notes").all()
    store.table("notes").get(doc_id=doc_id)
    store.get_setting("theme")
    store.counts()
    store.flush()
    assert store.update_record("notes", 999, {"text": "d"}) is False
    assert heard == []
    store.table("notes").remove(doc_ids=[doc_id])
    assert heard == [StoreChange("notes")]
    stop()
    store.set_setting("theme", "dark")
    assert len(heard) == 1


def test_a_refused_write_announces_nothing(data_dir: Path):
    WorkbookStore.open(data_dir).close()
    store = WorkbookStore.open(data_dir, read_only=True)
    heard = []
    store.subscribe(heard.append)
    with pytest.raises(ReadOnlyWorkbook):
        store.set_setting("theme", "dark")
    with pytest.raises(ReadOnlyWorkbook):
        store.update_record("settings", 1, {"theme": "dark"})
    assert heard == []
    store.close()
