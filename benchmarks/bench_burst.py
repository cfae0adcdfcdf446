"""A burst of keys: characters that arrive together (a fast typist on a busy machine, a
paste of keys through tmux, a slow SSH link that delivers them in one packet), each
against its baseline measured in the same run.

    python benchmarks/bench_burst.py [--chars 300] [--rounds 3] [--busy]

N characters are written to a real 80x24 pseudo-terminal in one write, into a note of
the app and into a bare Textual app with one TextArea (benchmarks/bare_textarea_app.py);
timed until the last of them is on the (pyte) screen. The app hands each key on only
when the one before it is done (ui/key_order.py), except a run of characters typed into
the field that has the focus: this is the figure that shows what that costs. With
``--busy``, one CPU-bound process per core runs beside both (stopped afterwards).
Rounds alternate between the app and its baseline so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from secondop_tui.core import notes  # noqa: E402
from secondop_tui.core.store import WorkbookStore  # noqa: E402
from benchmarks.bench_notes import wait_screen  # noqa: E402
from tests.pty_terminal import Terminal, installed_command  # noqa: E402

TAIL = "XYZ"  # the burst ends with it, so its arrival on screen is easy to see


def burst_text(chars: int) -> str:
    words = ("the doctor said the biopsy shows stage two and we should ask about "
             "trials and side effects ")
    body = (words * (chars // len(words) + 1))[:chars - len(TAIL)]
    return body + TAIL


def time_burst(term: Terminal, text: str) -> float:
    os.write(term.fd, b"Q")  # one key first: the text field is there and takes keys
    wait_screen(term, "Q")
    start = time.perf_counter()
    os.write(term.fd, text.encode())
    wait_screen(term, TAIL)
    return time.perf_counter() - start


def app_round(chars: int) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        store = WorkbookStore.open(data)
        notes.new_consultation(store, title="Visit")
        store.close()
        term = Terminal([installed_command(), "--data-dir", str(data)], cwd=scratch)
        try:
            wait_screen(term, "Notes")
            term.send("4")
            wait_screen(term, "n New")
            term.send("enter")
            deadline = time.perf_counter() + 60
            while "n New" in term.display and time.perf_counter() < deadline:
                time.sleep(0.01)  # the list's keys leave the Footer: the note has the keys
            return time_burst(term, burst_text(chars))
        finally:
            term.close()


def baseline_round(chars: int) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        # Text the app shows once it runs: until then the terminal itself would echo
        # what is typed, and the burst would seem to arrive at once.
        start_text = Path(scratch) / "note.txt"
        start_text.write_text("READY ", encoding="utf-8")
        term = Terminal([sys.executable, str(ROOT / "benchmarks" / "bare_textarea_app.py"),
                         str(start_text)])
        try:
            wait_screen(term, "READY")
            return time_burst(term, burst_text(chars))
        finally:
            term.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", action="store_true",
                        help="one CPU-bound process per core beside the runs")
    args = parser.parse_args()
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 1)] if args.busy else []
    try:
        app, base = [], []
        for _ in range(args.rounds):
            app.append(app_round(args.chars))
            base.append(baseline_round(args.chars))
    finally:
        for process in busy:
            process.kill()
            process.wait()
    a, b = statistics.median(app), statistics.median(base)
    print(f"{args.chars} characters in one write, until the last is on screen, median of "
          f"{args.rounds}{' (busy: one CPU-bound process per core)' if busy else ''}:")
    print(f"  app, in a note: {a:.2f} s   bare TextArea app: {b:.2f} s   ratio {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
