"""Encryption's cost, with the benchmark workbook (2,000 consultations, 200 doctors,
about 11 MB), each figure against the same workbook unencrypted in the same run.

    python benchmarks/bench_encryption.py [--quick] [--write docs/performance.md]

a) Typing in a note, keypress to screen, p95: the app on the encrypted workbook against
   the app on the same workbook unencrypted, rounds alternating; continuous typing, and
   bursts after pauses longer than the save delay (so saves, and their encryption, run
   while typing). Target: at most 1.05x.
b) A save, in one process: ``WorkbookStore.flush`` after one changed note on the
   encrypted store, against the plain store's flush of the same change plus
   ``pyrage.encrypt`` of the same bytes. Target: at most 1.2x.
c) Start-up to the first usable frame without the key derivation, against the
   unencrypted start. Target: at most 1.1x. The recovery key is given with
   --passphrase-fd: it is the key itself, so everything the passphrase's start does
   (read the sealed file, decrypt it, parse it, draw) is done but the key derivation.
   The key derivation (age's scrypt, whose work factor age chose when the key file was
   written) is measured on its own, in this process, and reported apart.
d) ``export`` of everything with --passphrase-fd, against the unencrypted export (whole
   processes): with the recovery key (everything but the key derivation; target: at
   most 1.3x), and with the passphrase (the key derivation included).

Every app run gets a fresh copy of the workbook (and of its key files).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_notes import open_note, pct, typing_session  # noqa: E402
from benchmarks.bench_startup import PANES, precompile  # noqa: E402
from tests.pty_terminal import Terminal, installed_command  # noqa: E402

PASSPHRASE = "benchmark words for the key"
KEY_FILES = ("workbook.key.age", "workbook.key.json")


def encrypted_twin(workbook: Path, scratch: Path) -> tuple[Path, str]:
    """The benchmark workbook's folder encrypted (made once per run), and its recovery
    key."""
    from secondop_tui.core.store import WorkbookStore

    target = scratch / "encrypted-twin"
    target.mkdir(mode=0o700)
    shutil.copy2(workbook, target / workbook.name)
    store = WorkbookStore.open(target)
    try:
        key = store.encrypt(PASSPHRASE)
    finally:
        store.close()
    return target / workbook.name, key.recovery_key()


def fresh(workbook: Path, scratch: Path) -> Path:
    """A new data folder holding a copy of ``workbook`` and of its key files, if any."""
    target = Path(tempfile.mkdtemp(dir=scratch, prefix="run-"))
    shutil.copy2(workbook, target / workbook.name)
    for name in KEY_FILES:
        if (workbook.parent / name).exists():
            shutil.copy2(workbook.parent / name, target / name)
    return target


class Secret:
    """A pipe holding the passphrase (or the recovery key), its read end open in the
    child as --passphrase-fd."""

    def __init__(self, text: str = PASSPHRASE) -> None:
        self.text = text

    def __enter__(self) -> list[str]:
        self.read, write = os.pipe()
        os.write(write, f"{self.text}\n".encode())
        os.close(write)
        os.set_inheritable(self.read, True)
        return ["--passphrase-fd", str(self.read)]

    def __exit__(self, *exc) -> None:
        os.close(self.read)


def start_app(data: Path, secret: str | None) -> Terminal:
    """The app on ``data``, given ``secret`` (None: an unencrypted workbook)."""
    argv = [installed_command(), "--data-dir", str(data)]
    if secret is None:
        return Terminal(argv)
    with Secret(secret) as extra:
        return Terminal(argv + extra)


def key_derivation(twin: Path) -> float:
    """One key derivation (the key file opened with the passphrase), in seconds."""
    from secondop_tui.core import encryption

    start = time.perf_counter()
    encryption.unlock(twin.parent, PASSPHRASE)
    return time.perf_counter() - start


# a) typing --------------------------------------------------------------------------------
def bench_typing(plain: Path, twin: Path, scratch: Path, rounds: int, chars: int,
                 pause: float) -> dict[str, dict]:
    out: dict[str, dict] = {"plain": {}, "encrypted": {}, "ratio per round": {}}
    for _ in range(rounds):
        this_round: dict[str, dict[str, list[float]]] = {}
        for name, workbook in (("plain", plain), ("encrypted", twin)):
            data = fresh(workbook, scratch)
            term = start_app(data, PASSPHRASE if name == "encrypted" else None)
            try:
                open_note(term)
                this_round[name] = {
                    "continuous": typing_session(term, chars, None),
                    "paused": typing_session(term, chars, pause),
                }
            finally:
                term.close()
                shutil.rmtree(data, ignore_errors=True)
            for mode, values in this_round[name].items():
                out[name].setdefault(mode, []).extend(values)
        for mode in ("continuous", "paused"):
            out["ratio per round"].setdefault(mode, []).append(
                pct(this_round["encrypted"][mode], 95) / pct(this_round["plain"][mode], 95))
    return out


# b) a save --------------------------------------------------------------------------------
def bench_save(plain: Path, twin: Path, scratch: Path, runs: int) -> dict[str, list[float]]:
    import pyrage

    from secondop_tui.core import encryption, notes
    from secondop_tui.core.store import WorkbookStore

    plain_dir, twin_dir = fresh(plain, scratch), fresh(twin, scratch)
    key = encryption.unlock(twin_dir, PASSPHRASE)
    recipient = pyrage.x25519.Recipient.from_str(key.recipient)
    out: dict[str, list[float]] = {"encrypted": [], "plain": [], "encrypt bytes": [],
                                   "baseline": []}
    sealed = WorkbookStore.open(twin_dir, key=key)
    bare = WorkbookStore.open(plain_dir)
    try:
        doc_id = notes.list_consultations(bare)[0].doc_id
        for store in (sealed, bare):  # the first flush also takes the session's backup
            notes.save_note(store, doc_id, "warm-up")
            assert store.flush().ok
        for n in range(runs):
            notes.save_note(sealed, doc_id, f"note changed {n}")
            start = time.perf_counter()
            assert sealed.flush().ok
            out["encrypted"].append(time.perf_counter() - start)
            notes.save_note(bare, doc_id, f"note changed {n}")
            start = time.perf_counter()
            assert bare.flush().ok
            flushed = time.perf_counter() - start
            written = (plain_dir / plain.name).read_bytes()
            start = time.perf_counter()
            pyrage.encrypt(written, [recipient])
            encrypting = time.perf_counter() - start
            out["plain"].append(flushed)
            out["encrypt bytes"].append(encrypting)
            out["baseline"].append(flushed + encrypting)
    finally:
        sealed.close()
        bare.close()
        shutil.rmtree(plain_dir, ignore_errors=True)
        shutil.rmtree(twin_dir, ignore_errors=True)
    return out


# c) start-up ------------------------------------------------------------------------------
def first_frame(data: Path, secret: str | None) -> float:
    start = time.perf_counter()
    term = start_app(data, secret)
    try:
        term.wait_for(*PANES, "Quit", timeout=120, poll=0.002)
        return time.perf_counter() - start
    finally:
        term.close()


def bench_startup(plain: Path, twin: Path, recovery: str, scratch: Path, runs: int
                  ) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"plain": [], "encrypted": [], "key derivation": []}
    for workbook, secret in ((plain, None), (twin, recovery)):  # a warm-up of each
        data = fresh(workbook, scratch)
        first_frame(data, secret)
        shutil.rmtree(data, ignore_errors=True)
    for _ in range(runs):
        data = fresh(plain, scratch)
        out["plain"].append(first_frame(data, None))
        shutil.rmtree(data, ignore_errors=True)
        data = fresh(twin, scratch)
        out["encrypted"].append(first_frame(data, recovery))
        shutil.rmtree(data, ignore_errors=True)
        out["key derivation"].append(key_derivation(twin))
    return out


# d) export --------------------------------------------------------------------------------
def process_time(argv: list[str], secret: str | None) -> float:
    start = time.perf_counter()
    if secret is not None:
        with Secret(secret) as extra:
            fd = int(extra[1])
            subprocess.run(argv + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True, pass_fds=(fd,))
    else:
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def bench_export(plain: Path, twin: Path, recovery: str, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"plain": [], "recovery key": [], "passphrase": []}
    plain_argv = [installed_command(), "--data-dir", str(plain.parent), "export"]
    twin_argv = [installed_command(), "--data-dir", str(twin.parent), "export"]
    process_time(plain_argv, None)
    process_time(twin_argv, recovery)
    for n in range(runs):
        out["plain"].append(process_time(plain_argv, None))
        out["recovery key"].append(process_time(twin_argv, recovery))
        if n < 3:  # each costs a whole key derivation: a few are enough
            out["passphrase"].append(process_time(twin_argv, PASSPHRASE))
    return out


# Report -----------------------------------------------------------------------------------
def work_factor(twin: Path) -> str:
    header = (twin.parent / "workbook.key.age").read_bytes()[:200].decode("ascii", "replace")
    found = re.search(r"-> scrypt \S+ (\d+)", header)
    return f"2^{found.group(1)}" if found else "unknown"


def measure(workbook: Path, scratch: Path, quick: bool) -> dict:
    precompile()
    twin, recovery = encrypted_twin(workbook, scratch)
    rounds, chars = (1, 60) if quick else (3, 160)
    return {
        "work factor": work_factor(twin),
        "typing": bench_typing(workbook, twin, scratch, rounds, chars, pause=0.7),
        "save": bench_save(workbook, twin, scratch, 5 if quick else 15),
        "startup": bench_startup(workbook, twin, recovery, scratch, 5 if quick else 15),
        "export": bench_export(workbook, twin, recovery, 3 if quick else 11),
    }


def rows(results: dict) -> list[dict]:
    """The rows of the benchmark report (see benchmarks/run_all.py)."""
    typing, save = results["typing"], results["save"]
    startup, export = results["startup"], results["export"]
    med = statistics.median
    return [
        {"figure": "Encrypted: typing in a note, keypress to screen, p95, continuous "
                   "typing, vs the same workbook unencrypted",
         "command": "bench_encryption.py", "unit": "ms",
         "ours": pct(typing["encrypted"]["continuous"], 95),
         "baseline": pct(typing["plain"]["continuous"], 95),
         "ratio_runs": typing["ratio per round"]["continuous"],
         "target": "≤ 1.05x", "ratio_target": 1.05},
        {"figure": "Encrypted: typing, p95, bursts after pauses longer than the save delay "
                   "(saves and their encryption run while typing), vs unencrypted",
         "command": "bench_encryption.py", "unit": "ms",
         "ours": pct(typing["encrypted"]["paused"], 95),
         "baseline": pct(typing["plain"]["paused"], 95),
         "ratio_runs": typing["ratio per round"]["paused"],
         "target": "≤ 1.05x", "ratio_target": 1.05},
        {"figure": "Encrypted: store flush after one change, vs the unencrypted flush plus "
                   "pyrage.encrypt of the same bytes",
         "command": "bench_encryption.py", "unit": "ms",
         "ours": med(save["encrypted"]), "baseline": med(save["baseline"]),
         "ours_runs": save["encrypted"], "baseline_runs": save["baseline"],
         "target": "≤ 1.2x", "ratio_target": 1.2},
        {"figure": "Encrypted: start-up to the first usable frame, all but the key "
                   "derivation (the recovery key given with --passphrase-fd), vs the "
                   "unencrypted start",
         "command": "bench_encryption.py", "unit": "ms",
         "ours": med(startup["encrypted"]), "baseline": med(startup["plain"]),
         "ours_runs": startup["encrypted"], "baseline_runs": startup["plain"],
         "target": "≤ 1.1x", "ratio_target": 1.1},
        {"figure": "Encrypted: the key derivation (age's scrypt, work factor "
                   f"{results['work factor']}), paid once per start",
         "command": "bench_encryption.py", "unit": "s",
         "ours": med(startup["key derivation"]), "baseline": None,
         "target": "", "met": None},
        {"figure": "Encrypted: `export` of everything, all but the key derivation (the "
                   "recovery key given with --passphrase-fd), vs the unencrypted export "
                   "(whole processes)",
         "command": "bench_encryption.py", "unit": "ms",
         "ours": med(export["recovery key"]), "baseline": med(export["plain"]),
         "ours_runs": export["recovery key"], "baseline_runs": export["plain"],
         "target": "≤ 1.3x", "ratio_target": 1.3},
        {"figure": "Encrypted: `export` of everything with the passphrase given with "
                   "--passphrase-fd, its key derivation included, vs the unencrypted export "
                   "(whole processes)",
         "command": "bench_encryption.py", "unit": "ms",
         "ours": med(export["passphrase"]), "baseline": med(export["plain"]),
         "ours_runs": export["passphrase"],
         "baseline_runs": export["plain"][:len(export["passphrase"])],
         "target": "≤ 1.3x", "ratio_target": 1.3},
    ]


def figures(context) -> list[dict]:
    return rows(measure(context.benchmark_workbook(), context.scratch, context.quick))


SECTION_START = "## Encryption"
SECTION_END = "<!-- /encryption -->"


def section(found: list[dict], results: dict, started: str, took: float,
            load: tuple[float, float], command: str) -> str:
    from benchmarks.run_all import cpu_model, figures_table

    save = results["save"]
    lines = [
        SECTION_START, "",
        f"Measured by `{command}` on {started}, in {took / 60:.0f} minutes, on "
        f"{cpu_model()} ({os.cpu_count()} cores), load average {load[0]:.2f} when it "
        f"started and {load[1]:.2f} when it ended (the machine was shared with other "
        "work). Each figure is against the same workbook unencrypted, in the same run; "
        "`benchmarks/run_all.py` measures them too, with everything else.", "",
        *figures_table(found), "",
        f"A save's parts, medians: the unencrypted flush "
        f"{statistics.median(save['plain']) * 1000:.1f} ms, pyrage.encrypt of the "
        f"{results.get('bytes', '')} bytes it wrote "
        f"{statistics.median(save['encrypt bytes']) * 1000:.1f} ms. The encryption runs on "
        "the saving thread, fed to age a chunk at a time, handing the interpreter to the "
        "typing thread between chunks (core/sealing.py).", "",
        "The key derivation is age's scrypt, with the work factor rage (pyrage's age) "
        "chose when the key file was written: it times a small scrypt and doubles the "
        "work factor until that would take a second, but memory grows with it too (2^20 "
        "is 1 GiB), so it takes longer than the second aimed at. It is the price of "
        "making each guess of the passphrase as slow, and it is paid once per start or "
        "per command; the app pays it on a worker thread while its passphrase screen "
        "stays live. pyrage offers no way to choose the work factor. An export is a whole start, so its end-to-end "
        "figure carries one whole key derivation: far more than the rest of the export "
        "of this workbook. That row is shown as it is: the 1.3x is met, or not, by "
        "everything else the export does (the row above it).", "",
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    document = path.read_text(encoding="utf-8")
    if SECTION_START in document:
        start = document.index(SECTION_START)
        end = document.index(SECTION_END, start) + len(SECTION_END) + 1
        document = document[:start] + text + document[end:]
    else:
        marker = "## The export's forked helper"
        at = document.index(marker) if marker in document else len(document)
        document = document[:at] + text + "\n" + document[at:]
    path.write_text(document, encoding="utf-8")


def main() -> int:
    from datetime import datetime, timezone

    from benchmarks.make_workbook import make_workbook
    from benchmarks.run_all import BENCHMARK_CONSULTATIONS, BENCHMARK_DOCTORS, judge, show

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", type=Path, metavar="FILE",
                        help="put the section into FILE (docs/performance.md)")
    args = parser.parse_args()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_start = os.getloadavg()[0]
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-encryption-") as tmp:
        scratch = Path(tmp)
        workbook = make_workbook(scratch / "benchmark-workbook", doctors=BENCHMARK_DOCTORS,
                                 consultations=BENCHMARK_CONSULTATIONS)
        results = measure(workbook, scratch, args.quick)
        results["bytes"] = f"{workbook.stat().st_size:,}"
    took = time.perf_counter() - clock
    found = rows(results)
    for row in found:
        ratio, met = judge(row)
        against = f" vs {show(row['baseline'], row['unit'])}" if row.get("baseline") else ""
        print(f"{row['figure']}: {show(row['ours'], row['unit'])}{against} {ratio} {met}")
    command = "python benchmarks/bench_encryption.py" + (" --quick" if args.quick else "")
    text = section(found, results, started, took, (load_start, os.getloadavg()[0]), command)
    if args.write:
        write_section(args.write, text)
        print(f"Wrote the section into {args.write}.")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
