#!/usr/bin/env bash
# The loaded pass: the tests that depend most on timing run again while the machine is
# kept busy, as a patient's laptop in a video call or a small home server is. They are
# the ones marked "loaded": the installed app in a pseudo-terminal (test_e2e.py,
# test_e2e_notes.py, test_e2e_hostile.py, test_ssh_e2e.py), the fault suite's hangups, kills, full disk and
# hand edits (test_faults.py, a few of its random trials), and the keys that arrive in
# one burst (test_doctors.py, test_checklist_pane.py, test_notes.py).
#
# One CPU-bound process per core runs beside them and is stopped afterwards, whatever
# happens. From the repository, after the README's test command:
#
#     tests/loaded-pass.sh              # extra arguments go to pytest, e.g. -x
#
# The Python is $PYTHON if set, else the one in .venv (the test command's), else the
# active virtual environment's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PYTHON:-}" ]; then
  python=$PYTHON
elif [ -x .venv/bin/python ]; then
  python=.venv/bin/python
else
  python=python
fi

busy=()
stop_busy() {
  for pid in "${busy[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_busy EXIT
for _ in $(seq "$(nproc)"); do
  python3 -c 'while True: pass' &
  busy+=("$!")
done
echo "loaded pass: ${#busy[@]} CPU-bound processes beside the tests (pids ${busy[*]})"

# No test selected is a failure too (pytest's exit code 5), never a silent pass.
"$python" -m pytest -m loaded -n 2 --dist loadgroup "$@"
