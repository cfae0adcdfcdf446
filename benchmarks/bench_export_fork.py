"""The big-workbook export with and without its forked helper (``core/export.py``).

    python benchmarks/bench_export_fork.py [--runs 9] [--consultations 2000]

``secondop-tui export`` of everything from the notes benchmark's workbook (2,000
consultations of about 4 KB, 200 doctors), as whole processes writing to /dev/null: once
as shipped (a workbook over ``SHARE_FROM_BYTES`` is rendered by this process and a forked
helper, half each) and once with the helper turned off (``SHARE_FROM_BYTES`` set out of
reach, so one process renders everything). Both run through the same ``python -c``
launcher, alternating in one loop, so that start-up and machine noise hit both alike.
Prints the median, min and max of each, the median of the per-run ratios, and the load
average at the start and the end.
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

from benchmarks.make_workbook import make_workbook  # noqa: E402

LAUNCH = ("import sys, secondop_tui.core.export as export\n"
          "if sys.argv[1] == 'one': export.SHARE_FROM_BYTES = float('inf')\n"
          "from secondop_tui.cli import main\n"
          "sys.exit(main(['export', '--data-dir', sys.argv[2]]))")


def run_once(mode: str, data_dir: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", LAUNCH, mode, str(data_dir)],
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(data_dir: Path, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"forked": [], "one": []}
    run_once("forked", data_dir)  # warm-up of each (bytecode, page cache)
    run_once("one", data_dir)
    for index in range(runs):
        # Which goes first alternates too, so neither always follows the other.
        order = ("forked", "one") if index % 2 == 0 else ("one", "forked")
        for mode in order:
            out[mode].append(run_once(mode, data_dir))
    return out


def spread(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.0f} ms "
            f"[{min(values) * 1000:.0f}–{max(values) * 1000:.0f} ms]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--consultations", type=int, default=2000)
    parser.add_argument("--doctors", type=int, default=200)
    args = parser.parse_args()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    with tempfile.TemporaryDirectory() as scratch:
        workbook = make_workbook(Path(scratch) / "workbook", doctors=args.doctors,
                                 consultations=args.consultations)
        size = workbook.stat().st_size / 1e6
        load_start = os.getloadavg()[0]
        times = measure(workbook.parent, args.runs)
        load_end = os.getloadavg()[0]
    ratios = [f / o for f, o in zip(times["forked"], times["one"])]
    print(f"Export of everything, {args.consultations:,} consultations ({size:.1f} MB), "
          f"{args.runs} alternating runs each, {os.cpu_count()} CPUs ({usable} usable)")
    print(f"  with the forked helper:   {spread(times['forked'])}")
    print(f"  one process:              {spread(times['one'])}")
    print(f"  forked / one, per run:    median {statistics.median(ratios):.2f}x "
          f"[{min(ratios):.2f}–{max(ratios):.2f}x]")
    print(f"  load average (1 min): {load_start:.2f} at the start, {load_end:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
