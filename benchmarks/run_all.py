"""Every performance figure the issues ask for, each against its baseline measured in the
same run, written to docs/performance.md with the machine, the date and the command.

    python benchmarks/run_all.py [--quick] [--output docs/performance.md]

``--quick`` takes fewer runs (rough figures in about two minutes); without it the run
takes six minutes or so on a 2-core machine. Run it on an otherwise idle machine.

A benchmark module joins the report with one entry in BENCHMARKS: it exposes
``figures(context) -> list[dict]`` (see ``Context`` for what it is given, and
``FIGURE_KEYS`` for what each row holds). The growth section (bench_scaling.py) follows.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (title, module): each module has figures(context).
BENCHMARKS: list[tuple[str, str]] = [
    ("Start-up", "benchmarks.bench_startup"),
    ("Notes: typing, start-up and export", "benchmarks.bench_notes"),
    ("Saving", "benchmarks.bench_save"),
    ("Doctors' table", "benchmarks.bench_doctors"),
    ("Search everything", "benchmarks.bench_search"),
    ("Encryption", "benchmarks.bench_encryption"),
    ("Sync", "benchmarks.bench_sync"),
]

FIGURE_KEYS = """
figure        what is measured (one line)
command       the script that measures it (under benchmarks/)
ours          secondop-tui's figure, in seconds (a median, or a p95 when the figure says so)
baseline      the baseline's figure in the same run, in seconds, or None
unit          "ms" or "s": how to show the figures
target        the target in words ("≤ 1.5x", "≤ 100 ms"), or "" when the issues set none
ratio_target  when the target is a ratio: the largest ours / baseline that meets it
met           True or False when the target is not a ratio (None: no target)
ours_runs     optional: secondop-tui's figure of each run, in seconds, in the order run
baseline_runs optional: the baseline's figure of each run, in the same order (run i of
              each side is paired: they alternate, so machine noise hits both alike)
ratio_runs    optional: the ratio of each run, when it is not ours_runs[i] /
              baseline_runs[i] (a p95 over each round's keys, say)
"""

BENCHMARK_CONSULTATIONS = 2000
BENCHMARK_DOCTORS = 200


@dataclass
class Context:
    """What every benchmark gets: the mode, a scratch folder and the shared workbook."""

    quick: bool
    scratch: Path
    _workbook: Path | None = field(default=None, repr=False)

    def runs(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def benchmark_workbook(self) -> Path:
        """The notes issue's benchmark workbook (2,000 consultations of about 4 KB, 200
        doctors), made once per run through the project's own store."""
        if self._workbook is None:
            from benchmarks.make_workbook import make_workbook

            self._workbook = make_workbook(self.scratch / "benchmark-workbook",
                                           doctors=BENCHMARK_DOCTORS,
                                           consultations=BENCHMARK_CONSULTATIONS)
        return self._workbook


# The machine ------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(load: tuple[float, float]) -> list[str]:
    from importlib.metadata import version

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return [
        f"- CPU: {cpu_model()}, {cores} cores ({usable} usable by this run)",
        f"- System: {platform.system()} {platform.release()}; load average (1 minute) "
        f"{load[0]:.2f} when the run started and {load[1]:.2f} when it ended, on "
        f"{cores} cores (0 is idle; other work on the machine slows both sides of a "
        "ratio, but not always alike)",
        f"- Python {platform.python_version()}, Textual {version('textual')}, "
        f"secondop-tui {version('secondop-tui')}",
    ]


# Formatting -------------------------------------------------------------------------------
def show(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "—"
    if unit == "s":
        return f"{seconds:.2f} s"
    value = seconds * 1000
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def ratio_runs(row: dict) -> list[float]:
    """The ratio of each run (empty when the figure has no runs to pair)."""
    if row.get("ratio_runs"):
        return list(row["ratio_runs"])
    ours, baseline = row.get("ours_runs") or [], row.get("baseline_runs") or []
    if not ours or len(ours) != len(baseline):
        return []
    return [o / b for o, b in zip(ours, baseline) if b]


def spread(row: dict) -> str:
    """The per-run ratios as "min / median / max" (with the number of runs), or ""."""
    ratios = ratio_runs(row)
    if not ratios:
        return ""
    return (f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}x "
            f"({len(ratios)})")


def judge(row: dict) -> tuple[str, str]:
    """(ratio, met) cells of a row."""
    ratio = ""
    if row.get("baseline"):
        ratio = f"{row['ours'] / row['baseline']:.2f}x"
    met = row.get("met")
    if row.get("ratio_target") is not None and row.get("baseline"):
        met = row["ours"] / row["baseline"] <= row["ratio_target"]
    word = {True: "✓ met", False: "✗ not met", None: "—"}[met]
    return ratio, word


def figures_table(rows: list[dict]) -> list[str]:
    lines = ["| Figure | secondop-tui | Baseline (same run) | Ratio | "
             "Ratio per run: min / median / max (runs) | Target | Result |",
             "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for row in rows:
        ratio, met = judge(row)
        unit = row.get("unit", "ms")
        ours = show(row["ours"], unit)
        if row.get("ours_p95") is not None:
            ours += f" [p95 {show(row['ours_p95'], unit)}]"
        lines.append(f"| {row['figure']} (`{row['command']}`) | {ours} "
                     f"| {show(row.get('baseline'), unit)} | {ratio} | {spread(row)} "
                     f"| {row.get('target') or 'none set'} | {met} |")
    return lines


def headline(rows: list[dict]) -> list[str]:
    """The ratios with targets, one line each (for the README)."""
    out = []
    for row in rows:
        if row.get("ratio_target") is not None and row.get("baseline"):
            ratio, met = judge(row)
            ratios = ratio_runs(row)
            runs = (f"; per run {min(ratios):.2f}x to {max(ratios):.2f}x, median "
                    f"{statistics.median(ratios):.2f}x" if ratios else "")
            out.append(f"- {row['figure']}: **{ratio}**{runs} (target {row['target']}, "
                       f"{met})")
    return out


def why(growth: dict) -> str:
    """Why the costs grow as they do (the figures come from the run)."""
    largest = growth["results"][-1]
    text = f"""\
Why it grows this way: the workbook is one JSON file, parsed whole at start-up and
written whole at every save (a new file beside the old one, then a rename: the price of
never leaving half a file). A save encodes only the records changed since the last one,
but it still writes every byte, and start-up and the export still read and turn every
record into text; so all three grow with everything ever written, and
{largest['size']:,} consultations of about 4 KB make {largest['bytes'] / 1e6:.0f} MB of
JSON. A typed note's save touches the typing thread little: it puts the one changed
record into the data and into a copy of the last snapshot (two dictionary copies, done
in C), and the saving thread does the rest; once shown, the Notes pane lists every
consultation. The profiles below, of the largest workbook, show where the time goes.
Nobody is expected to write {largest['size']:,} four-kilobyte notes for one second
opinion; the benchmark workbook of the notes issue ({BENCHMARK_CONSULTATIONS:,} of them)
is already far beyond a real one."""
    return " ".join(text.split())


# The sections this script writes; any other "## " section of the document is written by
# hand (notes on what a figure holds, a benchmark run on its own) and kept by a rerun.
GENERATED_SECTIONS = ("Figures", "How the costs grow", "How each figure is measured")


def kept_sections(path: Path) -> list[str]:
    """The hand-written sections of the document at ``path``, each its lines, in order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    kept: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = None if line[3:].strip() in GENERATED_SECTIONS else []
            if current is not None:
                kept.append(current)
        if current is not None:
            current.append(line)
    lines: list[str] = []
    for section in kept:  # each without its trailing blank lines, then one
        while section and not section[-1]:
            section.pop()
        lines += [*section, ""]
    return lines


def document(rows: list[dict], growth: dict, started: datetime, took: float,
             argv: list[str], load: tuple[float, float], kept: list[str]) -> str:
    from benchmarks.bench_scaling import COMFORT, DOCTORS, table, verdict

    command = "python benchmarks/run_all.py" + (" " + shlex.join(argv) if argv else "")
    lines = [
        "# Performance",
        "",
        "Generated by the command below; rerun it to check the figures on your machine. "
        "Absolute times depend on the machine; the ratios, each against a baseline "
        "measured in the same run, are what should match within noise. Each ratio is "
        "the ratio of the two medians, judged against its target; beside it, the ratio "
        "of each run (the figure and its baseline alternate, run by run) as its smallest, "
        "median and largest, to show the spread. The sections between the headline "
        "ratios and the growth are written by hand; a rerun keeps them as they are.",
        "",
        f"- Command: `{command}` (from the repository root, with the app installed: "
        "`pip install -e '.[test]'`)",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; the run took {took / 60:.0f} minutes",
        *machine(load),
        "",
        "## Figures",
        "",
        *figures_table(rows),
        "",
        "Headline ratios:",
        "",
        *headline(rows),
        "",
        *kept,
        "## How the costs grow",
        "",
        f"Workbooks of 100, 1,000 and 10,000 consultations (about 4 KB each, "
        f"{DOCTORS} doctors), made with `benchmarks/make_workbook.py`; medians, with the "
        "baseline of the same run in brackets (`bench_scaling.py`). ✗ marks a figure past "
        f"the comfortable limit: start-up over {COMFORT['start-up']:.0f} s, the typing "
        f"thread's part of a change over {COMFORT['change'] * 1000:.0f} ms (one frame), a "
        f"save over {COMFORT['save']:.1f} s (with the 0.5 s save delay a key would then "
        f"miss the one-second promise), an export over {COMFORT['export']:.0f} s.",
        "",
        *table(growth),
        "",
        verdict(growth),
        "",
        why(growth),
        "",
    ]
    for name, profile_rows in growth["profile"].items():
        lines += [f"Profile: {name}, largest workbook (share, own time, calls, function):",
                  "", "```", *profile_rows, "```", ""]
    lines += [
        "## How each figure is measured",
        "",
        "- Start-up: a fresh process in a real 80x24 pseudo-terminal, until the four pane "
        "names and the Footer are on screen; runs alternate with the baseline, a minimal "
        "Textual app with the same chrome (`baseline_app.py`).",
        "- Typing: one key at a time written to the pseudo-terminal, timed until the "
        "character is on the emulated screen; the baseline is a bare Textual app with one "
        "TextArea holding the same note (`bare_textarea_app.py`). Continuous typing, and "
        "bursts after pauses just longer than the save delay, so that saves run while "
        "typing.",
        "- Saving: the time from a key to the bytes on disk, the save itself in one "
        "process, and a key typed while a save runs (`bench_save.py`).",
        "- Export: `secondop-tui export` against `python -c \"import json,sys; "
        "json.load(open(sys.argv[1]))\"` on the same file, both as whole processes.",
        "- Doctors' table: Pilot at 80x24 with 500 doctors, each interaction until "
        "Textual is idle again (drawn), against a bare DataTable with the same rows "
        "(`bench_doctors.py`).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (rough figures)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()

    from benchmarks.bench_scaling import SIZES
    from benchmarks.bench_scaling import measure as measure_growth
    from benchmarks.bench_startup import precompile

    started = datetime.now(timezone.utc)
    load_start = os.getloadavg()[0]
    clock = time.perf_counter()
    precompile()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
        context = Context(quick=args.quick, scratch=Path(tmp))
        for title, module_name in BENCHMARKS:
            print(f"{title}…", flush=True)
            section = time.perf_counter()
            module = importlib.import_module(module_name)
            found = module.figures(context)
            for row in found:
                ratio, met = judge(row)
                unit = row.get("unit", "ms")
                against = f" vs {show(row['baseline'], unit)}" if row.get("baseline") else ""
                runs = f" (per run {spread(row)})" if spread(row) else ""
                print(f"  {row['figure']}: {show(row['ours'], unit)}{against} {ratio}{runs} "
                      f"{met}", flush=True)
            rows += found
            print(f"  ({time.perf_counter() - section:.0f} s)", flush=True)
        print("How the costs grow…", flush=True)
        growth = measure_growth(SIZES, context.scratch, context.runs(5, 2))
    took = time.perf_counter() - clock
    load = (load_start, os.getloadavg()[0])
    text = document(rows, growth, started, took, sys.argv[1:], load,
                    kept_sections(args.output))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"\nWrote {args.output} ({took / 60:.1f} minutes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
