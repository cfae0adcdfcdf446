"""How the costs grow: start-up, saving and export at 100, 1,000 and 10,000 consultations.

    python benchmarks/bench_scaling.py [--quick] [--sizes 100 1000 10000] [--runs 5]

Each size gets its own workbook made with benchmarks/make_workbook.py (200 doctors and
that many consultations of about 4 KB each), and at each size, against baselines measured
in the same run:

- start-up to the first usable frame in a real 80x24 pseudo-terminal, against the
  minimal Textual app of bench_startup.py;
- the typing thread's part of a change (the store update and the snapshot handed to the
  saving thread) and the save itself (``WorkbookStore.flush``), against ``json.dumps``
  plus a safe write of the same data (bench_save.py);
- ``secondop-tui export`` of everything, against ``json.load`` of the same file, as whole
  processes (bench_notes.py).

Then the largest workbook's load, save and export are profiled with cProfile, to name
where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_notes import bench_export, fresh_copy  # noqa: E402
from benchmarks.bench_save import flush_times  # noqa: E402
from benchmarks.bench_startup import PANES, precompile, time_to_first_frame  # noqa: E402
from benchmarks.make_workbook import make_workbook  # noqa: E402
from tests.pty_terminal import installed_command  # noqa: E402

SIZES = (100, 1_000, 10_000)
DOCTORS = 200

# What "comfortable" means here, in seconds.
COMFORT = {
    "start-up": 1.0,  # a start that takes longer than a second feels like waiting
    "change": 0.016,  # the typing thread's share of a change: one frame at 60 Hz
    "save": 0.5,  # with the 0.5 s save delay, a key is on disk within the promised 1 s
    "export": 2.0,  # a command that answers within two seconds
}


def startup_times(workbook: Path, scratch: Path, runs: int) -> dict[str, list[float]]:
    baseline = [sys.executable, str(ROOT / "benchmarks" / "baseline_app.py")]
    ready = PANES + ("Quit",)
    out: dict[str, list[float]] = {"baseline": [], "app": []}
    for n in range(runs + 1):
        data = fresh_copy(workbook, scratch)
        base = time_to_first_frame(baseline, ready)
        app = time_to_first_frame([installed_command(), "--data-dir", str(data)], ready)
        shutil.rmtree(data, ignore_errors=True)
        if n:  # the first of each is a warm-up (file cache)
            out["baseline"].append(base)
            out["app"].append(app)
    return out


def measure_size(size: int, scratch: Path, runs: int) -> dict:
    """Every figure for one workbook size (seconds)."""
    folder = scratch / f"size-{size}"
    started = time.perf_counter()
    workbook = make_workbook(folder, doctors=DOCTORS, consultations=size)
    made = time.perf_counter() - started
    saves = flush_times(workbook, scratch, runs)
    return {
        "size": size,
        "bytes": workbook.stat().st_size,
        "made": made,
        "start-up": startup_times(workbook, scratch, runs),
        "change": saves["change"],
        "save": saves["flush"],
        "save baseline": saves["baseline"],
        "export": bench_export(workbook, runs),
        "workbook": workbook,
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def comfortable(result: dict) -> dict[str, bool]:
    """Which figures stay within COMFORT at this size."""
    return {
        "start-up": median(result["start-up"]["app"]) <= COMFORT["start-up"],
        "change": median(result["change"]) <= COMFORT["change"],
        "save": median(result["save"]) <= COMFORT["save"],
        "export": median(result["export"]["app"]) <= COMFORT["export"],
    }


def profile(workbook: Path, scratch: Path, top: int = 6) -> dict[str, list[str]]:
    """Where the time goes at this size: load, save after a change, export."""
    from secondop_tui.core import notes
    from secondop_tui.core.export import export
    from secondop_tui.core.store import WorkbookStore

    data = fresh_copy(workbook, scratch)
    found: dict[str, list[str]] = {}
    store = None

    def run(name: str, action) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        action()
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        total = stats.total_tt  # type: ignore[attr-defined]
        rows = []
        entries = stats.stats.items()  # type: ignore[attr-defined]
        by_own_time = sorted(entries, key=lambda item: item[1][2], reverse=True)
        for (filename, line, function), (_, calls, tottime, _, _) in by_own_time[:top]:
            where = Path(filename).name if filename != "~" else "built-in"
            rows.append(f"{tottime / total:5.0%}  {tottime * 1000:7.1f} ms  {calls:>7} calls  "
                        f"{function} ({where}:{line})")
        found[f"{name} (total {total * 1000:.0f} ms)"] = rows

    def load() -> None:
        nonlocal store
        store = WorkbookStore.open(data)
        notes.list_consultations(store)  # what the Notes pane does once it is shown

    run("open the workbook and list the consultations", load)
    assert store is not None
    doc_id = notes.list_consultations(store)[0].doc_id
    # The session's first save takes a backup and encodes every record; the ones after
    # it, profiled here, encode only what changed.
    notes.save_note(store, doc_id, "changed once")
    store.flush()
    run("a changed note: store update, snapshot and save",
        lambda: (notes.save_note(store, doc_id, "changed again"), store.flush()))
    run("export of everything", lambda: export(store))
    store.close()
    shutil.rmtree(data, ignore_errors=True)
    return found


def measure(sizes: tuple[int, ...], scratch: Path, runs: int) -> dict:
    results = [measure_size(size, scratch, runs) for size in sizes]
    return {"results": results, "profile": profile(results[-1]["workbook"], scratch)}


def table(measured: dict) -> list[str]:
    """The growth table as Markdown rows."""
    lines = [
        "| Consultations | Workbook | Start-up (minimal app) | Typing thread per change "
        "| Save (json.dumps + safe write) | Export (json.load) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in measured["results"]:
        ok = comfortable(r)

        def cell(value: float, base: float | None, key: str, scale: float = 1000) -> str:
            mark = "" if ok[key] else " ✗"
            shown = f"{value * scale:,.0f} ms" if value * scale >= 10 else \
                f"{value * scale:.1f} ms"
            if base is None:
                return shown + mark
            return f"{shown} ({base * scale:,.0f} ms, {value / base:.1f}x){mark}"

        start_up = r["start-up"]
        lines.append(
            f"| {r['size']:,} | {r['bytes'] / 1e6:.1f} MB "
            f"| {cell(median(start_up['app']), median(start_up['baseline']), 'start-up')} "
            f"| {cell(median(r['change']), None, 'change')} "
            f"| {cell(median(r['save']), median(r['save baseline']), 'save')} "
            f"| {cell(median(r['export']['app']), median(r['export']['baseline']), 'export')} |")
    return lines


def verdict(measured: dict) -> str:
    """Up to which size everything stays comfortable, and what gives way first."""
    results = measured["results"]
    fine = [r["size"] for r in results if all(comfortable(r).values())]
    words = {"start-up": "start-up", "change": "the typing thread's part of a change",
             "save": "the save", "export": "the export"}
    first_bad = next((r for r in results if not all(comfortable(r).values())), None)
    if first_bad is None:
        return (f"Every figure stays comfortable up to {results[-1]['size']:,} "
                "consultations, the largest size measured.")
    over = [words[k] for k, good in comfortable(first_bad).items() if not good]
    upto = f"up to {fine[-1]:,} consultations" if fine else "at none of the sizes measured"
    return (f"Everything stays comfortable {upto}; at {first_bad['size']:,} "
            f"consultations {', '.join(over)} goes past the comfortable limit.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    precompile()
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        measured = measure(tuple(args.sizes), Path(tmp), 2 if args.quick else args.runs)
    print("\n".join(table(measured)))
    print()
    print(verdict(measured))
    for name, rows in measured["profile"].items():
        print(f"\n{name}:")
        print("\n".join("  " + row for row in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
