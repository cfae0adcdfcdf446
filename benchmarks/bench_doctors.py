"""How fast the Doctors pane opens, sorts and filters with 500 doctors, against a bare table.

    python benchmarks/bench_doctors.py [--doctors 500] [--runs 15]

It makes a fresh workbook with benchmarks/make_workbook.py (through the project's own
store) in a temporary folder, runs the app headless at 80x24 with Pilot, and times:

- load: reading every doctor from the store (no widgets);
- start: the app with the pane built and filled (against the app with no doctors);
- open: pressing 3 until the Doctors pane is drawn (the pane is built at start-up, so
  this is the switch) and a full reload of the table from the store;
- sort: the next sort column (key s), and reversing (key r);
- filter: typing one more letter in the filter box, and clearing it.

Each interaction is timed as "call" (our code only) and "drawn" (until Textual is idle
again after the change, which includes layout and painting). The baseline, measured in
the same run, is a bare DataTable in a minimal app holding the same 500 rows: filling
it, DataTable.sort, and refilling it with a filtered list. Figures are medians in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_workbook import make_workbook  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable, Input  # noqa: E402

from secondop_tui.core.doctors import list_doctors  # noqa: E402
from secondop_tui.core.store import WorkbookStore  # noqa: E402
from secondop_tui.ui.app import SecondOpinionApp  # noqa: E402
from secondop_tui.ui.panes.doctors import COLUMNS, DoctorsPane, doctor_row  # noqa: E402

Timings = dict[str, list[float]]


async def timed(results: Timings, name: str, action: Callable[[], object],
                settle: Callable[[], Awaitable[None]]) -> None:
    start = time.perf_counter()
    outcome = action()
    if asyncio.iscoroutine(outcome):
        await outcome
    called = time.perf_counter()
    await settle()
    drawn = time.perf_counter()
    results.setdefault(f"{name} (call)", []).append((called - start) * 1000)
    results.setdefault(f"{name} (drawn)", []).append((drawn - start) * 1000)


async def bench_app(data_dir: Path, runs: int, results: Timings) -> int:
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        for _ in range(runs):
            start = time.perf_counter()
            count = len(list_doctors(store))
            results.setdefault("load from store", []).append(
                (time.perf_counter() - start) * 1000)

        empty_dir = data_dir.parent / "empty"
        make_workbook(empty_dir, doctors=0)
        empty = WorkbookStore.open(empty_dir, read_only=True)
        start = time.perf_counter()
        async with SecondOpinionApp(store=empty, watch_signals=False).run_test(
                size=(80, 24)) as pilot:
            await pilot.pause()
            results["baseline: app start, no doctors"] = [(time.perf_counter() - start) * 1000]
        empty.close()

        start = time.perf_counter()
        app = SecondOpinionApp(store=store, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            while not app.screen.query(DoctorsPane):  # mounted just after the first frame
                await pilot.pause()
            pane = app.screen.query_one(DoctorsPane)
            while pane.table.row_count < count:
                await pilot.pause()
            results["app start with pane built"] = [(time.perf_counter() - start) * 1000]
            filter_input = pane.query_one("#doctors-filter", Input)
            for _ in range(runs):
                await pilot.press("1")
                await pilot.pause()
                await timed(results, "open: switch to pane", lambda: pilot.press("3"),
                            pilot.pause)
                await timed(results, "open: reload from store", pane.reload, pilot.pause)
                await timed(results, "sort: next column", pane.action_sort_next,
                            pilot.pause)
                await timed(results, "sort: reverse", pane.action_sort_reverse, pilot.pause)
                filter_input.value = "an"
                await pilot.pause()
                await timed(results, "filter: type a letter",
                            lambda: setattr(filter_input, "value", "ana"), pilot.pause)
                await timed(results, "filter: clear",
                            lambda: setattr(filter_input, "value", ""), pilot.pause)
            return count
    finally:
        store.close()


class BareTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")


async def bench_baseline(rows: list[list[str]], runs: int, results: Timings) -> None:
    app = BareTable()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DataTable)

        def fill(shown: list[list[str]]) -> None:
            table.clear(columns=True)
            for key, header, width, _ in COLUMNS:
                table.add_column(header, width=width, key=key)
            table.add_rows(shown)

        fill(rows)
        await pilot.pause()
        for _ in range(runs):
            await timed(results, "baseline: a key that does nothing",
                        lambda: pilot.press("x"), pilot.pause)
        filtered = [r for r in rows if "ana" in r[0].casefold()]
        for _ in range(runs):
            await timed(results, "baseline: fill 500 rows", lambda: fill(rows), pilot.pause)
            await timed(results, "baseline: DataTable.sort",
                        lambda: table.sort("status", reverse=True), pilot.pause)
            await timed(results, "baseline: refill filtered",
                        lambda: fill(filtered), pilot.pause)


def report(results: Timings) -> None:
    width = max(len(name) for name in results)
    print(f"{'':{width}}  {'median':>8}  {'min':>8}  {'max':>8}   (ms)")
    for name, values in results.items():
        print(f"{name:{width}}  {statistics.median(values):8.1f}  {min(values):8.1f}  "
              f"{max(values):8.1f}")


def measure(doctors: int, runs: int) -> tuple[int, float, Timings]:
    """(doctors in the table, seconds to make the workbook, timings in ms)."""
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        started = time.perf_counter()
        make_workbook(data_dir, doctors=doctors)
        made = time.perf_counter() - started
        results: Timings = {}
        count = asyncio.run(bench_app(data_dir, runs, results))
        store = WorkbookStore.open(data_dir, read_only=True)
        rows = [doctor_row(d) for d in list_doctors(store)]
        store.close()
        asyncio.run(bench_baseline(rows, runs, results))
    return count, made, results


def switch_in_terminal(doctors: int, runs: int) -> dict[str, list[float]]:
    """Seconds from the key 3 to the Doctors pane on screen, in a real 80x24 terminal,
    with ``doctors`` doctors and with none (the baseline), runs alternating."""
    sys.path.insert(0, str(ROOT))
    from tests.pty_terminal import Terminal, installed_command

    out: dict[str, list[float]] = {"app": [], "baseline": []}
    with tempfile.TemporaryDirectory() as scratch:
        terminals = {}
        for name, count in (("app", doctors), ("baseline", 0)):
            data_dir = Path(scratch) / name
            make_workbook(data_dir, doctors=count)
            term = Terminal([installed_command(), "--data-dir", str(data_dir), "--read-only"])
            term.wait_for("Guidance", "Quit", timeout=60)
            terminals[name] = (term, f"{count} doctor")
        time.sleep(2.0)  # the hidden panes are mounted just after the first frame
        try:
            for _ in range(runs):
                for name, (term, shown) in terminals.items():
                    start = time.perf_counter()
                    os.write(term.fd, b"3")
                    term.wait_for(shown, poll=0.001)
                    out[name].append(time.perf_counter() - start)
                    time.sleep(0.2)
                    os.write(term.fd, b"1")
                    term.wait_gone(shown)
                    time.sleep(0.2)
        finally:
            for term, _ in terminals.values():
                term.close()
    return out


# Each interaction (drawn) and the bare DataTable operation it compares with.
PAIRS = [
    ("open: reload from store (drawn)", "baseline: fill 500 rows", "reload the table"),
    ("sort: next column (drawn)", "baseline: DataTable.sort", "sort by the next column"),
    ("sort: reverse (drawn)", "baseline: DataTable.sort", "reverse the sort"),
    ("filter: type a letter (drawn)", "baseline: refill filtered",
     "type a letter in the filter"),
    ("filter: clear (drawn)", "baseline: fill 500 rows", "clear the filter"),
]


def figures(context) -> list[dict]:
    """The rows of the benchmark report (see benchmarks/run_all.py)."""
    runs = context.runs(15, 5)
    switch = switch_in_terminal(500, runs)
    rows = [{
        "figure": "Doctors pane, 500 doctors: from the key 3 to the pane on screen, in a "
                  "real terminal, vs the same with no doctors",
        "command": "bench_doctors.py", "unit": "ms", "ours": statistics.median(switch["app"]),
        "baseline": statistics.median(switch["baseline"]),
        "ours_runs": switch["app"], "baseline_runs": switch["baseline"],
        # "Instant": the doctors add nothing a person would notice to the switch itself.
        "target": "instant: ≤ 1.25x", "ratio_target": 1.25,
    }]
    count, _, results = measure(500, runs)
    for ours, baseline, words in PAIRS:
        # Pilot adds its own overhead to both sides: the ratio is the figure here.
        rows.append({
            "figure": f"Doctors pane, {count} doctors: {words}, headless (Pilot) until "
                      f"drawn, vs {baseline.removeprefix('baseline: ')} in a bare DataTable",
            "command": "bench_doctors.py", "unit": "ms",
            "ours": statistics.median(results[ours]) / 1000,
            "baseline": statistics.median(results[baseline + " (drawn)"]) / 1000,
            "ours_runs": [value / 1000 for value in results[ours]],
            "baseline_runs": [value / 1000 for value in results[baseline + " (drawn)"]],
            "target": "",
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doctors", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    count, made, results = measure(args.doctors, args.runs)
    print(f"{count} doctors (workbook made in {made:.1f} s), {args.runs} runs, 80x24, "
          f"Python {sys.version.split()[0]}")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
