"""Start-up time to the first usable frame, against a minimal Textual app, in one run.

Both programs are started the same way: a fresh Python process in a real 80x24
pseudo-terminal; the clock stops when all four pane names and the Footer are on the
screen. Runs alternate between the two so machine noise hits both alike.

    python benchmarks/bench_startup.py [--runs 15] [--workbook PATH_TO_DATA_DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pty_terminal import Terminal, installed_command  # noqa: E402

PANES = ("Guidance", "Checklist", "Doctors", "Notes")


def time_to_first_frame(argv: list[str], ready: tuple[str, ...]) -> float:
    start = time.perf_counter()
    term = Terminal(argv)
    try:
        term.wait_for(*ready, timeout=60, poll=0.002)  # fine polling: no 50 ms steps
        return time.perf_counter() - start
    finally:
        term.close()


def precompile() -> None:
    """Write bytecode for the package, as installing a wheel does.

    An editable install with PYTHONDONTWRITEBYTECODE set would otherwise compile
    every module at every start, which no installed copy does.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("secondop_tui")
    assert spec is not None and spec.submodule_search_locations
    for location in spec.submodule_search_locations:
        compileall.compile_dir(location, quiet=1)


def measure(runs: int, data_dir: Path | None) -> dict[str, list[float]]:
    precompile()
    baseline = [sys.executable, str(ROOT / "benchmarks" / "baseline_app.py")]
    results: dict[str, list[float]] = {"baseline": [], "secondop-tui": []}
    with tempfile.TemporaryDirectory() as scratch:
        app_dir = data_dir or Path(scratch) / "data"
        app = [installed_command(), "--data-dir", str(app_dir), "--read-only"] if data_dir \
            else [installed_command(), "--data-dir", str(app_dir)]
        # One warm-up of each so both start from a warm file cache.
        time_to_first_frame(baseline, PANES + ("Quit",))
        time_to_first_frame(app, PANES + ("Quit",))
        for _ in range(runs):
            results["baseline"].append(time_to_first_frame(baseline, PANES + ("Quit",)))
            results["secondop-tui"].append(time_to_first_frame(app, PANES + ("Quit",)))
    return results


def report(results: dict[str, list[float]], label: str) -> str:
    base = statistics.median(results["baseline"])
    ours = statistics.median(results["secondop-tui"])
    lines = [
        f"Start-up to first usable frame ({label}), median of {len(results['baseline'])} runs:",
        f"  minimal Textual app : {base * 1000:7.1f} ms",
        f"  secondop-tui        : {ours * 1000:7.1f} ms",
        f"  ratio               : {ours / base:7.2f}x",
    ]
    return "\n".join(lines)


def figures(context) -> list[dict]:
    """The rows of the benchmark report (see benchmarks/run_all.py)."""
    results = measure(context.runs(15, 5), None)
    return [{
        "figure": "Start-up to the first usable frame, empty workbook, vs a minimal "
                  "Textual app with the same chrome",
        "command": "bench_startup.py", "unit": "ms",
        "ours": statistics.median(results["secondop-tui"]),
        "baseline": statistics.median(results["baseline"]),
        "ours_runs": results["secondop-tui"], "baseline_runs": results["baseline"],
        "target": "≤ 1.25x", "ratio_target": 1.25,
    }]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workbook", type=Path, metavar="DATA_DIR",
                        help="start on this data folder (read-only) instead of an empty one")
    args = parser.parse_args()
    results = measure(args.runs, args.workbook)
    print(report(results, f"workbook in {args.workbook}" if args.workbook else "empty workbook"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
