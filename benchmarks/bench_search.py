"""How fast "search everything" is with the benchmark workbook, against a plain str.find.

    python benchmarks/bench_search.py [--runs 30] [--opinions 200]

It makes the notes benchmark workbook (2,000 consultations of about 4 KB, 200 doctors)
with benchmarks/make_workbook.py in a temporary folder, adds ``--opinions`` structured
opinions (in the opinions model's own shape), and times, in this process:

- build: ``SearchIndex(store)``, reading everything searchable from the open workbook
  (guidance, checklist, doctors, consultations, opinions) into lowercase texts;
- each query: ``SearchIndex.search`` with the default limit of 50 (rare word, common
  word, two words, a doctor's name, no match).

The baselines, measured in the same run over the same raw texts (each indexed thing's
title and text): for the build, lowercasing those texts; for a query, one ``str.find``
of the query in each text (case-sensitive, no ranking, no snippets), which is the least
any search must do. Figures in ms: median, p95 and max over the runs; the ratio is of
the medians. The goal of the issue is results well under 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_workbook import make_workbook  # noqa: E402

from secondop_tui.core.notes import TABLE as CONSULTATIONS  # noqa: E402
from secondop_tui.core.opinions import GOALS, TABLE, Opinion  # noqa: E402
from secondop_tui.core.search import SearchIndex  # noqa: E402
from secondop_tui.core.store import WorkbookStore  # noqa: E402

QUERIES = {
    "rare word": "clinical",
    "common word": "the",
    "two words": "pathology margins",
    "doctor's name": "ruiz",
    "no match": "zebrafish",
}
STAGES = ["I", "IIA", "IIB", "III", "IV"]
PLANS = [["Surgery", "Radiation"], ["Chemotherapy", "Surgery"], ["Hormone therapy"],
         ["Clinical trial NCT01234567"]]


def add_opinions(data_dir: Path, count: int, seed: int = 1) -> None:
    """Invented opinions on the first ``count`` consultations, in one batch."""
    rng = random.Random(seed)
    store = WorkbookStore.open(data_dir)
    try:
        ids = [doc.doc_id for doc in store.table(CONSULTATIONS).all()][:count]
        store.table(TABLE).insert_multiple([
            Opinion(cid, cancer_type="breast cancer", stage=rng.choice(STAGES),
                    grade=str(rng.randint(1, 3)), goal=rng.choice(GOALS),
                    plan=rng.choice(PLANS), certainty="fairly sure").to_dict()
            for cid in ids])
        store.changed()
    finally:
        store.close()


def timed(runs: int, action: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(data_dir: Path, runs: int) -> tuple[list[tuple[str, list[float], list[float],
                                                               str]], int]:
    """Time building the index and each query (ms), each beside its baseline."""
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        index = SearchIndex(store)  # once before timing: guidance is read from disk once
        raw = [f"{e.title}\n{e.text}" for e in index.entries]
        rows: list[tuple[str, list[float], list[float], str]] = []
        rows.append(("build the index", timed(runs, lambda: SearchIndex(store)),
                     timed(runs, lambda: [t.lower() for t in raw]),
                     f"{len(index.entries)} things"))
        for name, query in QUERIES.items():
            hits = len(index.search(query))
            rows.append((f"query: {name} ({query!r})",
                         timed(runs, lambda q=query: index.search(q)),
                         timed(runs, lambda q=query: [t.find(q) for t in raw]),
                         f"{hits} hits"))
    finally:
        store.close()
    return rows, sum(len(t) for t in raw)


def figures(context) -> list[dict]:
    """The rows of the benchmark report (see benchmarks/run_all.py): the notes issue's
    benchmark workbook, with an opinion on 200 of its consultations."""
    import shutil

    data_dir = context.scratch / "search-workbook"
    shutil.copytree(context.benchmark_workbook().parent, data_dir)
    add_opinions(data_dir, 200)
    rows, _ = measure(data_dir, context.runs(30, 10))
    return [{
        "figure": f"Search everything: {name}", "command": "bench_search.py", "unit": "ms",
        "ours": statistics.median(ours) / 1000, "baseline": statistics.median(base) / 1000,
        "ours_runs": [value / 1000 for value in ours],
        "baseline_runs": [value / 1000 for value in base],
        "target": "well under 100 ms" if name.startswith("query") else "",
        "met": statistics.median(ours) <= 50 if name.startswith("query") else None,
    } for name, ours, base, note in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--consultations", type=int, default=2000)
    parser.add_argument("--doctors", type=int, default=200)
    parser.add_argument("--opinions", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        started = time.perf_counter()
        make_workbook(data_dir, doctors=args.doctors, consultations=args.consultations)
        add_opinions(data_dir, args.opinions)
        made = time.perf_counter() - started
        rows, size = measure(data_dir, args.runs)
    print(f"bench_search: {args.consultations} consultations, {args.doctors} doctors, "
          f"{args.opinions} opinions; {size / 1e6:.1f} M characters indexed "
          f"(workbook made in {made:.1f} s); {args.runs} runs; Python "
          f"{sys.version.split()[0]}")
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'median':>7} {'p95':>7} {'max':>7}  {'baseline':>8}  "
          f"{'ratio':>6}   (ms)")
    for name, ours, base, note in rows:
        ratio = statistics.median(ours) / max(statistics.median(base), 1e-6)
        print(f"{name:{width}}  {statistics.median(ours):7.1f} {p95(ours):7.1f} "
              f"{max(ours):7.1f}  {statistics.median(base):8.1f}  {ratio:5.1f}x   {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
