"""Sync with the benchmark workbook, each figure against a baseline in the same run.

    python benchmarks/bench_sync.py [--quick] [--runs 9] [--consultations 2000]

a) The merge itself (``core.merge.merge_workbooks``) of two versions of the benchmark
   workbook (2,000 consultations of about 4 KB, 200 doctors), 10 records changed on each
   side (notes, doctors, checklist ticks), against ``json.loads`` of the same file.
   Target: at most 0.2 s.
b) A whole sync with nothing new, on a remote in a folder of this machine: the
   ``secondop-tui sync`` process, from start to exit, against ``git fetch`` of the same
   remote by hand (a process too). Target: at most 1 s.
c) How it grows with the number of synced versions: the same no-change sync, and a sync
   that sends one changed note, with 100 and 1,000 versions in the history (each
   version one note changed), against the same with one version; and the sync
   repository's size on disk.

Versions are made with ``git fast-import`` straight into the remote (a real sync per
version would take an hour at 1,000), then this machine starts from it with
``sync setup --clone``, as a second machine does.
"""

from __future__ import annotations

import argparse
import json
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
from secondop_tui.core import codec, merge  # noqa: E402
from secondop_tui.core.store import WorkbookStore  # noqa: E402
from secondop_tui.core.sync import Session, setup  # noqa: E402

CHANGED = 10


def command() -> list[str]:
    return [sys.executable, "-m", "secondop_tui"]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}


def timed(argv: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


# a) the merge ------------------------------------------------------------------------------
def edited(raw: dict, side: str, offset: int) -> dict:
    """A copy of the workbook with CHANGED records changed, as the app changes them."""
    out = {name: dict(table) for name, table in raw.items()}
    consultations = sorted(out["consultations"], key=int)
    for n in range(CHANGED - 4):
        key = consultations[offset + n * 37]
        doc = out["consultations"][key]
        out["consultations"][key] = {**doc, "note": doc["note"] + f"\n{side} line {n}"}
    doctors = sorted(out["doctors"], key=int)
    for n in range(2):
        key = doctors[offset + n * 11]
        out["doctors"][key] = {**out["doctors"][key], "phone": f"{side}-{n}"}
    checklist = out.setdefault("checklist", {})
    for n in range(2):
        checklist[str(len(checklist) + 1)] = {"id": f"{side}.item{n}", "done": True}
    return out


def merge_times(workbook: Path, runs: int) -> tuple[list[float], list[float]]:
    content = workbook.read_bytes()
    base = codec.decode(content)
    merge.give_uids(base)
    ours, theirs = edited(base, "laptop", 0), edited(base, "desktop", 5)
    ours_t, base_t = [], []
    for _ in range(runs):
        start = time.perf_counter()
        json.loads(content)
        base_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = merge.merge_workbooks(base, ours, theirs, ours_name="laptop",
                                       theirs_name="desktop", when="2026-11-20T09:30:00")
        ours_t.append(time.perf_counter() - start)
        assert not result.conflicts
    return ours_t, base_t


# b) and c) whole syncs ----------------------------------------------------------------------
def history(remote: Path, workbook: Path, versions: int) -> None:
    """A bare remote holding ``versions`` versions of the workbook, each one note
    changed from the one before, made with git fast-import."""
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    raw = codec.decode(workbook.read_bytes())
    merge.give_uids(raw)
    keys = sorted(raw["consultations"], key=int)
    process = subprocess.Popen(["git", "--git-dir", str(remote), "fast-import", "--quiet"],
                               stdin=subprocess.PIPE)
    assert process.stdin is not None
    for n in range(versions):
        if n:
            key = keys[n % len(keys)]
            doc = raw["consultations"][key]
            raw["consultations"][key] = {**doc, "note": doc["note"] + f"\nversion {n}"}
        data = codec.encode(raw)
        stamp = 1795000000 + n * 60
        message = f"Version {n}: 1 note changed\n"
        parent = f"from :{n}\n" if n else ""
        head = (f"commit refs/heads/workbook\nmark :{n + 1}\n"
                f"author machine-{n % 2} <x@y> {stamp} +0000\n"
                f"committer machine-{n % 2} <x@y> {stamp} +0000\n"
                f"data {len(message)}\n{message}{parent}"
                f"M 100644 inline workbook.json\ndata {len(data)}\n").encode()
        process.stdin.write(head + data + b"\n")
    process.stdin.close()
    assert process.wait() == 0
    subprocess.run(["git", "--git-dir", str(remote), "gc", "--quiet"], check=True)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def sync_figures(workbook: Path, scratch: Path, versions: int, runs: int) -> dict:
    """No-change sync (process), one-note sync (in process), git fetch (process), and
    the sync repository's size, with ``versions`` versions in the history."""
    remote = scratch / f"remote-{versions}.git"
    history(remote, workbook, versions)
    data = scratch / f"machine-{versions}"
    store = WorkbookStore.open(data)
    setup(store, str(remote), machine="bench", clone=True)
    store.close()
    repo = data / "sync" / "repo"
    quiet, fetch, one = [], [], []
    for n in range(runs):
        fetch.append(timed(["git", "--git-dir", str(repo), "fetch", "--quiet", "origin",
                            "+refs/heads/workbook:refs/remotes/origin/workbook"]))
        quiet.append(timed([*command(), "--data-dir", str(data), "sync"], env=env()))
        store = WorkbookStore.open(data, autoflush=True)
        doc = store.storage.read()["consultations"]["1"]
        store.update_record("consultations", 1, {"note": doc["note"] + f"\nrun {n}"})
        store.flush()
        start = time.perf_counter()
        Session(store).run()
        one.append(time.perf_counter() - start)
        store.close()
    return {"quiet": quiet, "fetch": fetch, "one": one, "size": folder_size(repo),
            "remote_size": folder_size(remote)}


def row(figure: str, ours: list[float], base: list[float], target: str = "",
        ratio_target: float | None = None, met: bool | None = None) -> dict:
    found = {"figure": figure, "command": "bench_sync.py", "unit": "ms",
             "ours": statistics.median(ours), "baseline": statistics.median(base),
             "ours_runs": ours, "baseline_runs": base, "target": target, "met": met}
    if ratio_target is not None:
        found["ratio_target"] = ratio_target
    return found


def measure(workbook: Path, scratch: Path, runs: int, most: int) -> tuple[list[dict], dict]:
    ours, base = merge_times(workbook, runs)
    rows = [row(f"Sync: the merge itself, {CHANGED} records changed on each side, vs "
                "json.loads of the same file", ours, base, "≤ 0.2 s",
                met=statistics.median(ours) <= 0.2)]
    grown = {n: sync_figures(workbook, scratch, n, runs) for n in sorted({1, 100, most})}
    one = grown[1]
    rows.append(row("Sync: a whole `secondop-tui sync` with nothing new, local remote, vs "
                    "`git fetch` of it by hand (whole processes)", one["quiet"],
                    one["fetch"], "≤ 1 s", met=statistics.median(one["quiet"]) <= 1.0))
    for n in sorted({100, most}):
        rows.append(row(f"Sync with nothing new, {n:,} synced versions, vs 1 version",
                        grown[n]["quiet"], one["quiet"]))
        rows.append(row(f"Sync sending one changed note, {n:,} synced versions, vs 1 "
                        "version", grown[n]["one"], one["one"]))
    sizes = {n: (grown[n]["size"], grown[n]["remote_size"]) for n in grown}
    return rows, sizes


def figures(context) -> list[dict]:
    """The rows of the benchmark report (see benchmarks/run_all.py)."""
    rows, _ = measure(context.benchmark_workbook(), context.scratch,
                      context.runs(9, 3), 100 if context.quick else 1000)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="100 versions at most")
    parser.add_argument("--consultations", type=int, default=2000)
    parser.add_argument("--doctors", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        workbook = make_workbook(scratch / "workbook", doctors=args.doctors,
                                 consultations=args.consultations)
        print(f"bench_sync: {args.consultations} consultations, {args.doctors} doctors, "
              f"{workbook.stat().st_size / 1e6:.1f} MB; load {os.getloadavg()[0]:.2f}")
        rows, sizes = measure(workbook, scratch, args.runs, 100 if args.quick else 1000)
        for found in rows:
            ratios = sorted(o / b for o, b in zip(found["ours_runs"], found["baseline_runs"]))
            print(f"{found['figure']}: {found['ours'] * 1000:.1f} ms vs "
                  f"{found['baseline'] * 1000:.1f} ms = {found['ours'] / found['baseline']:.2f}x"
                  f" (per run {ratios[0]:.2f} / {statistics.median(ratios):.2f} / "
                  f"{ratios[-1]:.2f}x, {len(ratios)} runs)"
                  + (f"; target {found['target']}: {'met' if found['met'] else 'NOT met'}"
                     if found["target"] else ""))
        for n, (local, remote) in sizes.items():
            print(f"{n:>5} versions: sync repository {local / 1e6:.1f} MB, remote "
                  f"{remote / 1e6:.1f} MB")
        print(f"load {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
