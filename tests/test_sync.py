"""Sync through a real git remote: two data folders on this machine and a bare
repository between them. Concurrent edits of every kind of record, conflicts shown and
resolved, history and restoring a synced version, and every fault the sync must
survive: an unreachable remote, a push the other side beat, a network that drops
mid-push, a sync killed at any point, a damaged or hostile remote, a rewritten history,
and the app holding the workbook meanwhile."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from secondop_tui.core import conflicts, gitrepo, merge, notes, sync, sync_format
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.codec import decode
from secondop_tui.core.doctors import Doctor, add_doctor, delete_doctor, list_doctors, \
    update_doctor
from secondop_tui.core.opinions import Opinion, get_opinion, save_opinion
from secondop_tui.core.profile import Profile, get_profile, save_profile
from secondop_tui.core.questions import add_own_question, own_questions
from secondop_tui.core.store import WorkbookStore
from tests.helpers import HOLDER, mode, poll_until

GIT = ["git", "-c", "init.defaultBranch=workbook"]


# Helpers ---------------------------------------------------------------------------------------------
def records(content: bytes) -> dict:
    """A workbook's records without their uids: what a sync that failed may change is
    only that it gave new records their uid (kept, so a retry finds them again)."""
    data = decode(content)
    return {name: {i: {k: v for k, v in doc.items() if k != merge.UID}
                   for i, doc in table.items()} for name, table in data.items()}



class Side:
    """One machine: its data folder and its name."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name

    def open(self) -> WorkbookStore:
        return WorkbookStore.open(self.folder, autoflush=True)

    def edit(self, change) -> None:
        store = self.open()
        try:
            change(store)
        finally:
            store.close()

    def read(self, look):
        store = WorkbookStore.open(self.folder, read_only=True)
        try:
            return look(store)
        finally:
            store.close()

    def sync(self, **kwargs) -> sync.SyncReport:
        store = WorkbookStore.open(self.folder)
        try:
            return sync.Session(store).run(**kwargs)
        finally:
            store.close()

    def setup(self, remote: Path | str, **kwargs) -> sync.SyncReport:
        store = WorkbookStore.open(self.folder)
        try:
            return sync.setup(store, str(remote), machine=self.name, **kwargs)
        finally:
            store.close()

    @property
    def bytes(self) -> bytes:
        return (self.folder / "workbook.json").read_bytes()


def cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secondop_tui", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})}, **kwargs)


def remote_head(remote: Path) -> str:
    return subprocess.run(["git", "--git-dir", str(remote), "rev-parse", gitrepo.REF],
                          capture_output=True, text=True, check=True).stdout.strip()


def commit_on_remote(remote: Path, content: bytes, *, parent: str | None = "HEAD",
                     author: str = "laptop-b", message: str = "A version") -> str:
    """A commit made straight in the bare remote (as another machine, or an attacker,
    could push it), on top of the remote's newest version unless told otherwise."""
    def git(*args, data=None):
        return subprocess.run(["git", "--git-dir", str(remote), *args], input=data,
                              capture_output=True, check=True).stdout.decode().strip()

    blob = git("hash-object", "-w", "--stdin", data=content)
    tree = git("mktree", data=f"100644 blob {blob}\tworkbook.json\n".encode())
    args = ["-c", f"user.name={author}", "-c", "user.email=x@y", "commit-tree", tree,
            "-m", message]
    if parent == "HEAD":
        args += ["-p", remote_head(remote)]
    elif parent:
        args += ["-p", parent]
    commit = git(*args)
    git("update-ref", gitrepo.REF, commit)
    return commit


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return tmp_path / "remote.git"  # made by the first setup


@pytest.fixture
def pair(tmp_path: Path, remote: Path) -> tuple[Side, Side]:
    """Two machines sharing one workbook: a doctor, a consultation with a note and an
    opinion, ticks, a call and a profile; set up on the first, cloned on the second."""
    a, b = Side(tmp_path / "laptop", "laptop"), Side(tmp_path / "desktop", "desktop")

    def seed(store):
        ames = add_doctor(store, Doctor(name="Dr Ames", phone="555-0100"))
        visit = notes.new_consultation(store, title="First opinion", doctor_id=ames,
                                       day=date(2026, 11, 2))
        notes.save_note(store, visit.doc_id, "Line one\nLine two\nLine three\nLine four\n")
        save_opinion(store, Opinion(visit.doc_id, stage="II", goal="cure"))
        checklist = Checklist(store)
        checklist.toggle("insurance.coverage")
        checklist.add_call("insurance.coverage", "2026-11-03", "Ann", "R1", "covered")
        save_profile(store, Profile(diagnosis="Breast cancer"))

    a.edit(seed)
    report = a.setup(remote)
    assert report.first
    report = b.setup(remote, clone=True)
    assert report.cloned
    assert a.bytes == b.bytes
    return a, b


# Two machines, every kind of record ---------------------------------------------------------------
def test_concurrent_edits_of_every_kind_end_in_the_same_workbook_with_every_edit(pair):
    a, b = pair

    def on_laptop(store):
        [ames] = list_doctors(store)
        ames.phone = "555-0199"
        update_doctor(store, ames)
        add_doctor(store, Doctor(name="Dr Laptop"))
        [visit] = notes.list_consultations(store)
        notes.save_note(store, visit.doc_id, visit.note.replace("Line one", "Line one, laptop"))
        opinion = get_opinion(store, visit.doc_id)
        opinion.stage = "IIB"
        save_opinion(store, opinion)
        checklist = Checklist(store)
        checklist.toggle("insurance.referral")
        checklist.add_call("insurance.coverage", "2026-11-05", "Bo", "R2", "laptop call")
        save_profile(store, Profile(diagnosis="Breast cancer", medications="tamoxifen"))
        add_own_question(store, "Laptop question?")

    def on_desktop(store):
        [ames] = list_doctors(store)
        ames.notes = "Kind, explains well"
        update_doctor(store, ames)
        brook = add_doctor(store, Doctor(name="Dr Desktop"))
        notes.new_consultation(store, title="Desktop visit", doctor_id=brook,
                               day=date(2026, 11, 9))
        [visit] = [c for c in notes.list_consultations(store) if c.title == "First opinion"]
        notes.save_note(store, visit.doc_id, visit.note.replace("Line four", "Line four, desk"))
        opinion = get_opinion(store, visit.doc_id)
        opinion.grade = "2"
        save_opinion(store, opinion)
        checklist = Checklist(store)
        checklist.toggle("insurance.network")
        checklist.set_note("insurance.coverage", "ask about the MRI too")
        checklist.add_call("insurance.coverage", "2026-11-06", "Cy", "R3", "desktop call")
        save_profile(store, Profile(diagnosis="Breast cancer", allergies="penicillin"))
        add_own_question(store, "Desktop question?")

    a.edit(on_laptop)
    b.edit(on_desktop)
    report_a = a.sync()
    assert report_a.went_out and not report_a.came_in
    report_b = b.sync()
    assert "1 doctor added" in report_b.came_in and report_b.conflicts == 0
    assert "1 doctor added" in report_b.went_out and "1 consultation added" in report_b.went_out
    a.sync()
    assert a.bytes == b.bytes  # the same bytes on both machines

    def everything(store):
        doctors = {d.name: d for d in list_doctors(store)}
        assert set(doctors) == {"Dr Ames", "Dr Laptop", "Dr Desktop"}
        assert doctors["Dr Ames"].phone == "555-0199"
        assert doctors["Dr Ames"].notes == "Kind, explains well"
        visits = {c.title: c for c in notes.list_consultations(store)}
        assert visits["Desktop visit"].doctor_id == doctors["Dr Desktop"].doc_id
        first = visits["First opinion"]
        assert first.note == "Line one, laptop\nLine two\nLine three\nLine four, desk\n"
        opinion = get_opinion(store, first.doc_id)
        assert (opinion.stage, opinion.grade, opinion.goal) == ("IIB", "2", "cure")
        checklist = Checklist(store)
        for item in ("insurance.coverage", "insurance.referral", "insurance.network"):
            assert checklist.item(item).done, item
        coverage = checklist.item("insurance.coverage")
        assert sorted(c.who for c in coverage.calls) == ["Ann", "Bo", "Cy"]
        assert coverage.note == "ask about the MRI too"
        profile = get_profile(store)
        assert (profile.medications, profile.allergies) == ("tamoxifen", "penicillin")
        assert {q.text for q in own_questions(store)} == {"Laptop question?",
                                                          "Desktop question?"}
        assert not conflicts.open_conflicts(store)

    a.read(everything)
    b.read(everything)


def test_a_conflict_is_seen_on_both_machines_until_resolved_on_one(pair):
    a, b = pair

    def phone(number):
        def change(store):
            [ames] = list_doctors(store)
            ames.phone = number
            update_doctor(store, ames)
        return change

    def same_line(word):
        def change(store):
            [visit] = notes.list_consultations(store)
            notes.save_note(store, visit.doc_id, visit.note.replace("Line two", word))
        return change

    a.edit(phone("111"))
    a.edit(same_line("Line two: stage II"))
    b.edit(phone("222"))
    b.edit(same_line("Line two: stage III"))
    a.sync()
    report = b.sync()
    assert report.conflicts == 2
    a.sync()
    assert a.bytes == b.bytes

    def seen(store):
        found = conflicts.open_conflicts(store)
        assert sorted(c.kind for c in found) == ["field", "text"]
        [visit] = notes.list_consultations(store)
        assert "From desktop:" in visit.note and "From laptop:" in visit.note
        assert "stage II\n" in visit.note and "stage III\n" in visit.note
        marked = conflicts.affected(store)
        assert marked["doctors"] == {1} and marked["consultations"] == {visit.doc_id}
        assert all(conflicts.describe(store, c) for c in found)
        return found

    a.read(seen)

    def resolve(store):
        for conflict in conflicts.open_conflicts(store):
            conflicts.resolve(store, conflict, conflicts.THAT)

    a.edit(resolve)  # on the laptop: keep that (the laptop's own values, not in place)
    a.sync()
    b.sync()
    assert a.bytes == b.bytes

    def resolved(store):
        assert not conflicts.open_conflicts(store)
        assert list_doctors(store)[0].phone == "111"
        [visit] = notes.list_consultations(store)
        assert visit.note == "Line one\nLine two: stage II\nLine three\nLine four\n"

    b.read(resolved)


def test_deleted_on_one_machine_and_changed_on_the_other_is_kept_and_said(pair):
    a, b = pair
    a.edit(lambda store: delete_doctor(store, list_doctors(store)[0].doc_id))

    def change(store):
        [ames] = list_doctors(store)
        ames.phone = "555-0123"
        update_doctor(store, ames)

    b.edit(change)
    a.sync()
    report = b.sync()
    assert report.conflicts == 1
    a.sync()

    def kept(store):
        [ames] = list_doctors(store)
        assert ames.phone == "555-0123"
        [conflict] = conflicts.open_conflicts(store)
        assert conflict.kind == "deleted"
        assert "deleted on laptop" in conflicts.describe(store, conflict)
        conflicts.resolve(store, conflict, conflicts.THAT)  # delete it after all
        assert not list_doctors(store)

    store = a.open()
    try:
        kept(store)
    finally:
        store.close()


def test_a_sync_with_nothing_new_changes_nothing(pair):
    a, b = pair
    before = a.bytes
    head = remote_head(Path(sync.SyncState.load(a.folder).remote))
    report = a.sync()
    assert not report.came_in and not report.went_out and report.version == head
    assert a.bytes == before
    assert remote_head(Path(sync.SyncState.load(a.folder).remote)) == head


def test_the_sync_folder_is_private_and_the_remote_made_in_an_empty_folder(pair, remote):
    a, _ = pair
    folder = a.folder / "sync"
    assert mode(folder) == 0o700 and mode(folder / "repo") == 0o700
    assert mode(folder / "state.json") == 0o600
    for path in (folder / "repo").rglob("*"):
        assert mode(path) & 0o077 == 0, path
    assert (remote / "HEAD").is_file() and mode(remote) == 0o700
    state = json.loads((folder / "state.json").read_text())
    assert state["remote"] == str(remote) and state["machine"] == "laptop"


def test_git_runs_without_the_users_configuration_and_hooks(pair, tmp_path, monkeypatch):
    a, b = pair
    # A global configuration and a hook that would leave a mark if git ran them.
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    mark = tmp_path / "hook-ran"
    hook = tmp_path / "hooks" / "pre-push"
    hook.parent.mkdir()
    hook.write_text(f"#!/bin/sh\ntouch {mark}\n")
    hook.chmod(0o755)
    for config in (home / ".gitconfig", home / ".config" / "git" / "config"):
        config.write_text(f"[core]\n\thooksPath = {hook.parent}\n[user]\n\tname = Someone\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    remote = Path(sync.SyncState.load(a.folder).remote)
    for hook_name in ("pre-receive", "post-receive", "update"):  # hooks of the remote
        (remote / "hooks").mkdir(exist_ok=True)
        (remote / "hooks" / hook_name).write_text(f"#!/bin/sh\ntouch {mark}\n")
        (remote / "hooks" / hook_name).chmod(0o755)
    a.edit(lambda store: add_doctor(store, Doctor(name="Dr New")))
    a.sync()
    b.sync()
    assert not mark.exists()
    log = subprocess.run(["git", "--git-dir", str(remote), "log", "-1", "--format=%an",
                          gitrepo.REF], capture_output=True, text=True).stdout.strip()
    assert log == "laptop"
    env = gitrepo.GitRepo(a.folder / "sync" / "repo", a.folder / "sync" / "home").environment()
    assert env["HOME"] == str(a.folder / "sync" / "home")
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull and env["GIT_CONFIG_NOSYSTEM"] == "1"


# Setting up -------------------------------------------------------------------------------------------
def test_setup_refuses_two_workbooks_with_records_and_join_merges_them(pair, tmp_path,
                                                                          remote):
    c = Side(tmp_path / "third", "third")
    c.edit(lambda store: add_doctor(store, Doctor(name="Dr Third")))
    with pytest.raises(sync.SyncError) as refused:
        c.setup(remote)
    assert refused.value.kind == "both-have-data"
    assert "--clone" in str(refused.value) and "--join" in str(refused.value)
    assert not (c.folder / "sync").exists()  # nothing half set up
    report = c.setup(remote, join=True)
    assert "1 doctor added" in report.went_out or report.version
    a, _ = pair
    a.sync()
    names = a.read(lambda store: {d.name for d in list_doctors(store)})
    assert names == {"Dr Ames", "Dr Third"}


def test_a_new_empty_workbook_set_up_on_a_shared_remote_starts_from_it(pair, tmp_path,
                                                                          remote):
    a, _ = pair
    c = Side(tmp_path / "fresh", "fresh")
    report = c.setup(remote)
    assert report.cloned and c.bytes == a.bytes


def test_clone_keeps_the_workbook_that_was_there_aside(pair, tmp_path, remote):
    c = Side(tmp_path / "third", "third")
    c.edit(lambda store: add_doctor(store, Doctor(name="Dr Mine")))
    report = c.setup(remote, clone=True)
    assert report.kept_aside is not None and report.kept_aside.exists()
    assert b"Dr Mine" in report.kept_aside.read_bytes()
    assert mode(report.kept_aside) == 0o600
    assert c.read(lambda store: [d.name for d in list_doctors(store)]) == ["Dr Ames"]


def test_sync_before_setup_says_how_to_set_up(tmp_path):
    with pytest.raises(sync.SyncError) as error:
        Side(tmp_path / "lone", "lone").sync()
    assert "sync setup REMOTE" in str(error.value)


# The command line -------------------------------------------------------------------------------------
def test_the_commands_print_in_words_what_came_in_and_went_out(pair):
    a, b = pair
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Brook")))
    out = cli("--data-dir", str(b.folder), "sync")
    assert out.returncode == 0, out.stderr
    assert "Went out from here: 1 doctor added." in out.stdout
    out = cli("--data-dir", str(a.folder), "sync")
    assert out.returncode == 0, out.stderr
    assert "Came in from the other side (from desktop): 1 doctor added." in out.stdout
    assert "Nothing went out from here." in out.stdout
    history = cli("--data-dir", str(a.folder), "history")
    assert history.returncode == 0
    lines = history.stdout.splitlines()
    assert "desktop" in lines[2] and "1 doctor added" in lines[2]
    assert "laptop" in lines[3] and "First version" in lines[3]


def test_restore_takes_a_synced_version_as_it_takes_a_backup(pair):
    a, b = pair
    first = sync.history(a.folder)[0]
    a.edit(lambda store: add_doctor(store, Doctor(name="Dr Later")))
    a.sync()
    out = cli("--data-dir", str(a.folder), "restore", first.short)
    assert out.returncode == 0, out.stderr
    assert f"synced version {first.short}" in out.stdout and "kept as" in out.stdout
    assert a.read(lambda store: [d.name for d in list_doctors(store)]) == ["Dr Ames"]
    a.sync()  # shares the restored workbook as this machine's version
    b.sync()
    assert b.read(lambda store: [d.name for d in list_doctors(store)]) == ["Dr Ames"]
    missing = cli("--data-dir", str(a.folder), "restore", "abcdef12")
    assert missing.returncode == 2 and "history" in missing.stderr


def test_sync_from_another_terminal_is_refused_while_the_app_holds_the_workbook(pair):
    a, _ = pair
    before = a.bytes
    head = remote_head(Path(sync.SyncState.load(a.folder).remote))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(a.folder)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        out = cli("--data-dir", str(a.folder), "sync")
        assert out.returncode == 1
        assert "already open" in out.stderr and "Sync now" in out.stderr
    finally:
        holder.kill()
        holder.wait()
    assert a.bytes == before
    assert remote_head(Path(sync.SyncState.load(a.folder).remote)) == head


# Faults -------------------------------------------------------------------------------------------------
def test_an_unreachable_remote_changes_nothing_and_the_next_sync_completes(pair, remote):
    a, b = pair
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Brook")))
    before = b.bytes
    away = remote.with_name("unplugged")
    remote.rename(away)  # the USB stick is not plugged in
    with pytest.raises(sync.SyncError) as error:
        b.sync()
    assert error.value.kind == "unreachable"
    assert "Could not reach the remote" in str(error.value)
    assert b.bytes == before
    away.rename(remote)
    b.sync()
    a.sync()
    assert a.bytes == b.bytes


def test_a_push_beaten_by_the_other_side_fetches_merges_and_tries_again(pair, monkeypatch):
    a, b = pair
    a.edit(lambda store: add_doctor(store, Doctor(name="Dr Laptop")))
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Desktop")))
    real_push = gitrepo.GitRepo.push
    pushes = []

    def push(self, commit, **kwargs):
        pushes.append(commit)
        if len(pushes) == 1:
            a.sync()  # the other side pushes first, between our fetch and our push
        return real_push(self, commit, **kwargs)

    monkeypatch.setattr(gitrepo.GitRepo, "push", push)
    report = b.sync()
    monkeypatch.undo()
    assert len(pushes) == 3  # ours rejected once (the laptop's own push is the second)
    assert "1 doctor added" in report.came_in
    a.sync()
    assert a.bytes == b.bytes
    assert {d.name for d in a.read(list_doctors)} == {"Dr Ames", "Dr Laptop", "Dr Desktop"}


def test_a_network_that_drops_mid_push_leaves_both_sides_intact(pair, tmp_path,
                                                                  monkeypatch):
    a, b = pair
    notes_text = os.urandom(20000).hex()  # a push of some size, that compresses badly
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Brook", notes=notes_text)))
    before = b.bytes
    head = remote_head(Path(sync.SyncState.load(b.folder).remote))
    # The connection carries the first bytes of the push, then drops: the remote end
    # (as over SSH, so run as the repository's configuration says) reads no more.
    dropping = tmp_path / "dropping-receive-pack"
    dropping.write_text("#!/bin/sh\nhead -c 400 | git-receive-pack \"$@\"\nexit 128\n")
    dropping.chmod(0o755)
    repo = b.folder / "sync" / "repo"
    subprocess.run(["git", "--git-dir", str(repo), "config", "remote.origin.receivepack",
                    str(dropping)], check=True)
    monkeypatch.setattr(sync, "is_local", lambda url: False)
    with pytest.raises(sync.SyncError) as error:
        b.sync()
    assert error.value.kind in ("unreachable", "failed")
    assert "intact" in str(error.value) or "Nothing was changed" in str(error.value)
    assert records(b.bytes) == records(before)
    assert remote_head(Path(sync.SyncState.load(b.folder).remote)) == head
    subprocess.run(["git", "--git-dir", str(repo), "config", "--unset",
                    "remote.origin.receivepack"], check=True)
    b.sync()
    a.sync()
    assert a.bytes == b.bytes and b"Dr Brook" in a.bytes


# git, except that the chosen command waits to be killed (it says so first). Sync runs
# git with an environment of its own, so the point and the mark are written in here.
STALLING_GIT = """#!/bin/sh
for arg in "$@"; do
  if [ "$arg" = "{point}" ]; then
    echo $$ > "{mark}.tmp" && mv "{mark}.tmp" "{mark}"
    while :; do sleep 1; done
  fi
done
exec {git} "$@"
"""


@pytest.mark.parametrize("point", ["fetch", "cat-file", "update-ref", "hash-object",
                                   "commit-tree", "push", "gc"])
def test_a_sync_killed_at_any_point_leaves_the_workbook_intact_and_the_next_completes(
        pair, tmp_path, point):
    a, b = pair
    a.edit(lambda store: add_doctor(store, Doctor(name="Dr Laptop")))
    a.sync()
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Desktop")))
    before = b.bytes
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mark = tmp_path / "stalled"
    (bin_dir / "git").write_text(STALLING_GIT.format(point=point, mark=mark, git=shutil.which(
        "git")))
    (bin_dir / "git").chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "secondop_tui", "--data-dir", str(b.folder), "sync"],
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        poll_until(lambda: mark.exists() or process.poll() is not None,
                   f"the sync at its {point}")
        assert mark.exists(), process.communicate()
        os.killpg(process.pid, signal.SIGKILL)  # the sync, and the git it waits for
        os.kill(int(mark.read_text()), signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    # Intact: a workbook, the one from before the sync or the merged one.
    data = decode(b.bytes)
    names = {d["name"] for d in data["doctors"].values()}
    assert names in ({"Dr Ames", "Dr Desktop"}, {"Dr Ames", "Dr Desktop", "Dr Laptop"}), names
    assert records(b.bytes) == records(before) or "Dr Laptop" in names
    b.sync()
    a.sync()
    assert a.bytes == b.bytes
    assert {d.name for d in a.read(list_doctors)} == {"Dr Ames", "Dr Laptop", "Dr Desktop"}
    assert not conflicts.open_conflicts(WorkbookStore.open(a.folder, read_only=True))


def test_lock_files_left_by_a_killed_git_are_cleared(pair):
    a, _ = pair
    repo = a.folder / "sync" / "repo"
    for lock in (repo / "refs" / "heads" / "workbook.lock",
                 repo / "refs" / "remotes" / "origin" / "workbook.lock",
                 repo / "packed-refs.lock"):
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text("")
    a.edit(lambda store: add_doctor(store, Doctor(name="Dr After")))
    report = a.sync()
    assert "1 doctor added" in report.went_out


@pytest.mark.parametrize("content, reason", [
    (b'{"_meta": {"1": {"schema": 2}}, "doctors": {"1": {"name": "Dr', "not valid JSON"),
    (b"[1, 2, 3]", "not an object of tables"),
    (b'{"_meta": {"1": {"schema": 2}}, "doctors": {"x": {}}}', "bad id"),
    (b'{"doctors": {}}', "no schema record"),
    (b"\xff\xfe garbage", "UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
], ids=["cut short", "a list", "a bad id", "no schema", "not UTF-8", "nested deep"])
def test_a_damaged_remote_workbook_is_kept_aside_and_never_overwrites_ours(
        pair, remote, content, reason):
    a, b = pair
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Brook")))
    before = b.bytes
    bad = commit_on_remote(remote, content)
    with pytest.raises(sync.SyncError) as error:
        b.sync()
    assert error.value.kind == "damaged" and reason in str(error.value)
    assert "--rejoin" in str(error.value)
    assert b.bytes == before
    assert error.value.aside is not None and error.value.aside.read_bytes() == content
    assert mode(error.value.aside) == 0o600
    with pytest.raises(sync.SyncError):
        b.sync()  # refused again, and kept aside only once
    assert len(list(b.folder.glob("workbook.remote-damaged-*.json"))) == 1
    # A machine with a good workbook puts a good version on top of the damaged one.
    report = b.sync(rejoin=True)
    assert report.skipped and remote_head(remote) != bad
    a.sync()
    assert a.bytes == b.bytes
    assert {d.name for d in a.read(list_doctors)} == {"Dr Ames", "Dr Brook"}


def test_a_remote_workbook_with_a_huge_text_is_refused(pair, remote, monkeypatch):
    a, b = pair
    data = decode(a.bytes)
    data["doctors"]["1"]["notes"] = "x" * 5000
    commit_on_remote(remote, json.dumps(data).encode())
    monkeypatch.setattr(sync_format, "MAX_TEXT", 4000)
    before = b.bytes
    with pytest.raises(sync.SyncError) as error:
        b.sync()
    assert error.value.kind == "damaged" and "5,000 characters" in str(error.value)
    assert b.bytes == before


def test_a_remote_workbook_of_a_newer_schema_is_refused_untouched(pair, remote):
    a, b = pair
    data = decode(a.bytes)
    data["_meta"]["1"]["schema"] = 99
    commit_on_remote(remote, json.dumps(data).encode())
    before = b.bytes
    with pytest.raises(sync.SyncError) as error:
        b.sync()
    assert error.value.kind == "newer" and "Update secondop-tui" in str(error.value)
    assert b.bytes == before and not list(b.folder.glob("workbook.remote-damaged-*"))


def test_escape_sequences_from_the_remote_are_never_printed_raw(pair, remote):
    a, b = pair
    data = decode(a.bytes)
    data["doctors"]["1"]["name"] = "Dr \x1b[2J\x1b]0;owned\x07Ames"
    commit_on_remote(remote, json.dumps(data).encode(),
                     author="evil\x1b[31m machine", message="\x1b]52;c;Zm9v\x07 changed")
    out = cli("--data-dir", str(b.folder), "sync")
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout + out.stderr
    history = cli("--data-dir", str(b.folder), "history")
    assert "\x1b" not in history.stdout and "\x07" not in history.stdout
    # The name arrived as data: the app and the exports show it escaped.
    assert b.read(lambda store: list_doctors(store)[0].name).startswith("Dr \x1b")
    export = cli("--data-dir", str(b.folder), "export", "--only", "doctors")
    assert "\x1b" not in export.stdout


def test_a_rewritten_remote_history_is_refused_with_the_way_back(pair, remote):
    a, b = pair
    data = decode(a.bytes)
    data["doctors"]["1"]["phone"] = "999"
    commit_on_remote(remote, json.dumps(data).encode(), parent=None, author="someone")
    b.edit(lambda store: add_doctor(store, Doctor(name="Dr Brook")))
    before = b.bytes
    with pytest.raises(sync.SyncError) as error:
        b.sync()
    assert error.value.kind == "rewritten"
    assert "force-pushed" in str(error.value) and "sync --rejoin" in str(error.value)
    assert b.bytes == before
    b.sync(rejoin=True)
    a.sync(rejoin=True)
    assert a.bytes == b.bytes

    def both(store):
        doctors = {d.name: d for d in list_doctors(store)}
        assert set(doctors) == {"Dr Ames", "Dr Brook"}
        # With no version in common, both phones are kept: one in place, one in a
        # conflict.
        [conflict] = conflicts.open_conflicts(store)
        assert {doctors["Dr Ames"].phone, conflict.other} == {"555-0100", "999"}

    a.read(both)


def test_a_remote_whose_workbook_branch_is_gone_is_refused_then_shared_again(pair, remote):
    a, b = pair
    subprocess.run(["git", "--git-dir", str(remote), "update-ref", "-d", gitrepo.REF],
                   check=True)
    with pytest.raises(sync.SyncError) as error:
        a.sync()
    assert error.value.kind == "remote-gone" and "--rejoin" in str(error.value)
    a.sync(rejoin=True)
    b.sync()
    assert a.bytes == b.bytes


def test_uids_are_given_once_and_kept_by_every_edit(pair):
    a, _ = pair
    data = decode(a.bytes)
    for name in ("doctors", "consultations", "opinions"):
        assert all(doc.get(merge.UID) for doc in data[name].values()), name
    uid = data["doctors"]["1"]["uid"]

    def edit(store):
        [ames] = list_doctors(store)
        ames.phone = "1"
        update_doctor(store, ames)

    a.edit(edit)
    assert decode(a.bytes)["doctors"]["1"]["uid"] == uid
