"""Promises that need other processes: SIGKILL mid-save, the single-instance lock."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secondop_tui.core import codec
from secondop_tui.core.errors import ReadOnlyWorkbook, WorkbookLocked
from secondop_tui.core.store import WorkbookStore
from tests.helpers import HOLDER


def _writer(data_dir: Path, ack_fd: int) -> None:
    """Child: append numbered records, acknowledging each after it is on disk."""
    store = WorkbookStore.open(data_dir)
    start = len(store.table("log"))
    n = start
    while True:
        store.table("log").insert({"n": n, "text": "word " * random.randint(1, 400)})
        assert store.flush().ok
        os.write(ack_fd, f"{n}\n".encode())
        n += 1


def test_sigkill_during_saves_loses_at_most_the_write_in_flight(data_dir: Path):
    """100 times: a child writes in a loop and is killed at a random moment.

    After each kill the file must load, and hold every record the child had
    acknowledged as saved (at most the one being written may be missing).
    """
    WorkbookStore.open(data_dir).close()
    rng = random.Random(20261124)
    acknowledged = -1  # the last record any writer said was saved
    on_disk = -1  # the last record on disk after the previous trial
    for trial in range(100):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read_fd)
            try:
                _writer(data_dir, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        time.sleep(rng.uniform(0.005, 0.06))  # the moment of the kill, at random
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_fd) as acks:
            lines = [line for line in acks.read().split("\n") if line]
        if lines:
            acknowledged = int(lines[-1])
        raw = codec.decode((data_dir / "workbook.json").read_bytes())  # always loads
        numbers = sorted(doc["n"] for doc in raw.get("log", {}).values())
        assert numbers == list(range(len(numbers))), f"trial {trial}: a gap or duplicate"
        last = numbers[-1] if numbers else -1
        assert last >= acknowledged, f"trial {trial}: lost a save"
        # Beyond what was acknowledged, at most the one write in flight can have landed
        # (counted from what was on disk when this writer started, if it acked nothing).
        assert last <= (int(lines[-1]) if lines else on_disk) + 1, f"trial {trial}"
        on_disk = last
    # And the next writer can always take the lock again (no stale lock).
    store = WorkbookStore.open(data_dir)
    store.close()


def _start_holder(data_dir: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "HOLDING"
    return holder


def test_second_copy_is_refused_and_told_who_holds_it(data_dir: Path):
    holder = _start_holder(data_dir)
    try:
        with pytest.raises(WorkbookLocked) as caught:
            WorkbookStore.open(data_dir)
        assert caught.value.holder is not None
        assert caught.value.holder.pid == holder.pid
        assert caught.value.holder.host
        assert caught.value.holder.since
        assert str(holder.pid) in str(caught.value)
        # Read-only works alongside: it reads, refuses a change in words, writes nothing.
        before = (data_dir / "workbook.json").read_bytes()
        reader = WorkbookStore.open(data_dir, read_only=True)
        with pytest.raises(ReadOnlyWorkbook, match="read-only"):
            reader.set_setting("x", 1)
        assert reader.get_setting("x") is None
        reader.close()
        assert (data_dir / "workbook.json").read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


def test_holder_killed_with_sigkill_leaves_no_stale_lock(data_dir: Path):
    holder = _start_holder(data_dir)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert json.loads((data_dir / "workbook.lock").read_text())["pid"] == holder.pid
    store = WorkbookStore.open(data_dir)  # no error: the kernel dropped the lock
    assert json.loads((data_dir / "workbook.lock").read_text())["pid"] == os.getpid()
    store.close()
