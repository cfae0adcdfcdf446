"""Shared fixtures: every test gets its own data folder; nothing touches the real one."""

from __future__ import annotations

import gc
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from secondop_tui.core import clock
from secondop_tui.core.store import WorkbookStore
from tests import key_memo

FROZEN_NOW = datetime(2026, 11, 20, 9, 30, 0)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--long", action="store_true", help="run the long variants too")
    parser.addoption("--fault-seed", type=int, default=None, metavar="N",
                     help="seed of the fault suite's random trials (default: a new one, "
                          "printed when a trial fails)")


# Tests that start the installed app as a process and time it (kills while typing, SSH,
# the browser): with pytest -n 4 --dist loadgroup they run one after another on one
# worker, beside the in-process tests on the other three, so two of them never compete
# for the CPU (and they wait much of the time, so their worker costs the others little).
PROCESS_MODULES = {"test_e2e", "test_e2e_notes", "test_e2e_hostile", "test_faults", "test_ssh_e2e",
                   "test_encryption_e2e", "test_encryption_crashes",
                   "test_browser", "test_serve", "test_store_processes", "test_export_paper",
                   "test_sync", "test_sync_ssh", "test_sync_encrypted"}
# (test_e2e_screen_reader starts the app too, but mostly waits: it measures ten seconds
# of silence on each pane. It runs beside the others; a late frame of a key on a busy
# machine is measured again, see there.)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (it names each item's)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in PROCESS_MODULES:
            item.add_marker(pytest.mark.xdist_group("processes"))
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="long variant: run with --long")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="module")
def _free_finished_apps():
    """A Textual app that has run leaves reference cycles, freed only by a full garbage
    collection, which Python runs rarely. After a few hundred app tests a worker holds
    millions of such objects, and pytest's own collections at the end then take over
    the five seconds xdist waits before it interrupts the worker. Freed after each
    module, they never pile up."""
    yield
    gc.collect()


@pytest.fixture(autouse=True, scope="session")
def _key_derivation_once():
    """Age's key derivation from a passphrase (scrypt: a few seconds, on purpose) runs
    once for each key and passphrase in the whole test run, not at each encrypt and
    unlock: see tests/key_memo.py. The command lines the tests start with its launcher
    share it; the installed app in a pseudo-terminal pays the derivation in full."""
    with pytest.MonkeyPatch.context() as patch:
        key_memo.install(set_attr=patch.setattr)
        yield


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every default at the test's own folder, freeze the app's clock, and stop
    cursors blinking (a snapshot must not depend on the moment it is taken)."""
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):
        monkeypatch.setattr(widget, "cursor_blink", False)
    monkeypatch.setenv("SECONDOP_TUI_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setattr(clock, "now", lambda: FROZEN_NOW)
    monkeypatch.setattr(clock, "today", lambda: FROZEN_NOW.date())


@pytest.fixture
def ssh_server(tmp_path: Path):
    """An sshd on 127.0.0.1 that lets the current user in with a throw-away key."""
    from tests.system_needs import ssh_server_in

    with ssh_server_in(tmp_path) as server:
        yield server


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path):
    """A fresh, writable workbook store in a temporary folder (closed afterwards)."""
    opened = WorkbookStore.open(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def make_app(store: WorkbookStore):
    """Build the app on the test's store, without OS signal handlers."""
    from secondop_tui.ui.app import SecondOpinionApp

    def build(**kwargs) -> SecondOpinionApp:
        return SecondOpinionApp(store=store, watch_signals=False, **kwargs)

    return build


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    # The remembered key derivations: one folder for the run, made by the process that
    # starts it (the workers and the command lines they start inherit its name).
    if not os.environ.get(key_memo.MEMO_ENV):
        os.environ[key_memo.MEMO_ENV] = str(key_memo.make_folder())
        config.stash[_MEMO_MADE] = Path(os.environ[key_memo.MEMO_ENV])
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # only the fuzz tests need it
        return
    # Fuzzing: a modest number of examples in CI, many more with --long. No example
    # database (nothing written into the checkout) and no deadline (timing is not the
    # point, and a busy CI machine is slow).
    common = dict(deadline=None, database=None, print_blob=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("ci", max_examples=60, **common)
    settings.register_profile("long", max_examples=1500, **common)
    settings.load_profile("long" if config.getoption("--long") else "ci")


_MEMO_MADE = pytest.StashKey[Path]()


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_MEMO_MADE, None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop(key_memo.MEMO_ENV, None)
