"""Save latency with the benchmark workbook, each figure against a baseline in the same run.

    python benchmarks/bench_save.py [--quick] [--runs 15] [--consultations 2000]

a) A change to the bytes on disk: one key typed into a note of the running app (a real
   80x24 pseudo-terminal), until the workbook file on disk holds it. The app waits for
   the save delay (0.5 s, by design: it saves at most that long after a key) before it
   starts writing, so the figure is that delay plus the save itself. Target: on disk
   within one second of the key (issue 5).
b) The save itself, in one process: ``WorkbookStore.flush`` after one changed note
   (encode, write a temp file, fsync, rename, fsync the folder), against the least any
   safe save of the same data must do: ``json.dumps`` of it, write, fsync, rename.
   Also the part of a change that runs on the typing thread (the store update and the
   snapshot handed to the saving thread).
c) The first key typed while a save is running: the key lands between the start of the
   save and its end (spread over the measured save time), from keypress to the
   character on screen, against the same key in a bare Textual TextArea app typed with
   the same timing. Target: saving never holds typing up, taken as p95 at most 1.2x the
   bare TextArea's (the typing target of issue 5).

The benchmark workbook (2,000 consultations of about 4 KB, 200 doctors) is made with
benchmarks/make_workbook.py in a temporary folder; every app run gets a fresh copy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_notes import (  # noqa: E402
    SAVE_DELAY,
    fresh_copy,
    open_note,
    pct,
    wait_screen,
)
from benchmarks.bench_startup import precompile  # noqa: E402
from benchmarks.make_workbook import make_workbook  # noqa: E402
from tests.pty_terminal import Terminal, installed_command  # noqa: E402


# a) key to disk ---------------------------------------------------------------------------
def key_to_disk(workbook: Path, scratch: Path, runs: int) -> list[float]:
    """Seconds from writing one key to the pty until the workbook file holds it."""
    data = fresh_copy(workbook, scratch)
    term = Terminal([installed_command(), "--data-dir", str(data)])
    target = data / workbook.name
    times: list[float] = []
    try:
        open_note(term)
        for n in range(runs):
            marker = f"Z{n:03d}Q"  # typed whole but for its last letter, then timed
            term.type(marker[:-1])
            wait_screen(term, marker[:-1])
            time.sleep(SAVE_DELAY + 0.4)  # let that save finish first
            before = target.stat().st_mtime_ns
            start = time.perf_counter()
            os.write(term.fd, marker[-1].encode())
            while True:
                if target.stat().st_mtime_ns != before and marker.encode() in target.read_bytes():
                    break
                if time.perf_counter() - start > 10:
                    raise AssertionError("the key never reached the disk")
                time.sleep(0.002)
            times.append(time.perf_counter() - start)
            term.send("enter", delay=0)
    finally:
        term.close()
        shutil.rmtree(data, ignore_errors=True)
    return times


# b) the save itself, in one process -------------------------------------------------------
def flush_times(workbook: Path, scratch: Path, runs: int) -> dict[str, list[float]]:
    """``store.flush`` after one changed note, the typing-thread part of that change, and
    the plain safe write of the same data."""
    from secondop_tui.core import notes
    from secondop_tui.core.store import WorkbookStore

    data = fresh_copy(workbook, scratch)
    out: dict[str, list[float]] = {"flush": [], "change": [], "baseline": []}
    store = WorkbookStore.open(data)
    try:
        doc_id = notes.list_consultations(store)[0].doc_id
        store.flush()
        for n in range(runs + 1):
            start = time.perf_counter()
            notes.save_note(store, doc_id, f"note changed {n}")
            changed = time.perf_counter()
            assert store.flush().ok
            done = time.perf_counter()
            if n:  # the first flush also takes the start-of-session backup
                out["change"].append(changed - start)
                out["flush"].append(done - changed)
        raw = store.storage.read()
    finally:
        store.close()
    target = data / "plain.json"
    for _ in range(runs):
        start = time.perf_counter()
        encoded = json.dumps(raw, ensure_ascii=False).encode("utf-8")
        temp = target.with_suffix(".tmp")
        with open(temp, "wb") as handle:
            handle.write(encoded)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        out["baseline"].append(time.perf_counter() - start)
    shutil.rmtree(data, ignore_errors=True)
    return out


# c) the first key during a save -----------------------------------------------------------
def keys_during_saves(term: Terminal, runs: int, spread: float) -> list[float]:
    """Type a key, wait for the save delay plus a part of a save's length, then time the
    next key: it arrives while the save (started by the first key) is running."""
    times: list[float] = []
    for n in range(runs):
        tag = f"k{n:03d} "
        term.send("enter", delay=0)  # a line per key, so soft wrap never splits a tag
        term.type(tag)
        wait_screen(term, tag)
        time.sleep(SAVE_DELAY + spread * (n % 10) / 10)
        start = time.perf_counter()
        os.write(term.fd, b"x")
        wait_screen(term, tag + "x")
        times.append(time.perf_counter() - start)
        time.sleep(0.3)
    return times


def first_key_during_save(workbook: Path, scratch: Path, runs: int,
                          spread: float) -> dict[str, list[float]]:
    from benchmarks.bench_notes import first_note

    note_file = scratch / "save-note.txt"
    note_file.write_text(first_note(workbook, scratch), encoding="utf-8")
    out: dict[str, list[float]] = {"app": [], "bare": [], "ratio per batch": []}
    data = fresh_copy(workbook, scratch)
    app = Terminal([installed_command(), "--data-dir", str(data)])
    bare = Terminal([sys.executable, str(ROOT / "benchmarks" / "bare_textarea_app.py"),
                     str(note_file)])
    try:
        open_note(app)
        wait_screen(bare, "[", timeout=60)
        time.sleep(0.3)
        for term in (bare, app):  # not counted: the session's first save takes a backup
            keys_during_saves(term, 2, spread)
        for _ in range(4):  # alternate, so machine noise hits both alike
            bare_times = keys_during_saves(bare, runs // 4, spread)
            app_times = keys_during_saves(app, runs // 4, spread)
            out["bare"] += bare_times
            out["app"] += app_times
            # Each batch's own p95 ratio, to show how much they vary.
            out["ratio per batch"].append(pct(app_times, 95) / pct(bare_times, 95))
    finally:
        app.close()
        bare.close()
        shutil.rmtree(data, ignore_errors=True)
    return out


# Running ----------------------------------------------------------------------------------
def measure(workbook: Path, scratch: Path, runs: int) -> dict[str, dict[str, list[float]]]:
    """Every save figure, in seconds."""
    flushes = flush_times(workbook, scratch, runs)
    return {
        "flush": flushes,
        "key to disk": {"app": key_to_disk(workbook, scratch, runs)},
        "key during save": first_key_during_save(
            workbook, scratch, max(20, runs * 3), statistics.median(flushes["flush"])),
    }


def figures(context) -> list[dict]:
    """The rows of the benchmark report (see benchmarks/run_all.py)."""
    results = measure(context.benchmark_workbook(), context.scratch, context.runs(15, 5))
    disk = results["key to disk"]["app"]
    flush = results["flush"]
    keys = results["key during save"]
    return [
        {"figure": "Save: a key typed to its bytes on disk (includes the 0.5 s save delay), "
                   "median [p95]",
         "command": "bench_save.py", "ours": statistics.median(disk), "ours_p95": pct(disk, 95),
         "baseline": None, "baseline_label": "", "unit": "s",
         "target": "≤ 1 s", "met": pct(disk, 95) <= 1.0},
        {"figure": "Save: store flush after one change (encode, write, fsync, rename), vs "
                   "json.dumps + write + fsync + rename of the same data",
         "command": "bench_save.py", "ours": statistics.median(flush["flush"]),
         "baseline": statistics.median(flush["baseline"]), "unit": "ms",
         "ours_runs": flush["flush"], "baseline_runs": flush["baseline"],
         "target": "", "met": None},
        {"figure": "Save: the typing thread's part of a change (store update and snapshot)",
         "command": "bench_save.py", "ours": statistics.median(flush["change"]),
         "baseline": None, "unit": "ms", "target": "≤ 16 ms (one frame)",
         "met": statistics.median(flush["change"]) <= 0.016},
        {"figure": "Save: first key typed while a save runs, keypress to screen, p95, vs a "
                   "bare TextArea app",
         "command": "bench_save.py", "ours": pct(keys["app"], 95),
         "baseline": pct(keys["bare"], 95), "unit": "ms", "target": "≤ 1.2x",
         "ratio_runs": keys["ratio per batch"], "ratio_target": 1.2},
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--consultations", type=int, default=2000)
    parser.add_argument("--doctors", type=int, default=200)
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    precompile()
    with tempfile.TemporaryDirectory(prefix="bench-save-") as tmp:
        scratch = Path(tmp)
        workbook = make_workbook(scratch / "workbook", doctors=args.doctors,
                                 consultations=args.consultations)
        print(f"workbook: {args.consultations} consultations, {args.doctors} doctors, "
              f"{workbook.stat().st_size / 1e6:.1f} MB; {runs} runs")
        results = measure(workbook, scratch, runs)
    disk = results["key to disk"]["app"]
    print(f"a) key to bytes on disk      median {ms(statistics.median(disk))}  "
          f"p95 {ms(pct(disk, 95))}  (target <= 1 s, includes the {SAVE_DELAY} s delay)")
    flush = results["flush"]
    print(f"b) store.flush               median {ms(statistics.median(flush['flush']))}")
    print(f"   json.dumps+write+fsync    median {ms(statistics.median(flush['baseline']))}")
    print(f"   typing thread per change  median {ms(statistics.median(flush['change']))}")
    keys = results["key during save"]
    print(f"c) first key during a save   p95 {ms(pct(keys['app'], 95))} "
          f"(bare TextArea {ms(pct(keys['bare'], 95))}; "
          f"{pct(keys['app'], 95) / pct(keys['bare'], 95):.2f}x, target <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
