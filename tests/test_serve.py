"""``secondop-tui serve``: who may connect, the missing extra, and read-only second tabs.

The second-tab rule is tested twice without a browser: the app command a tab runs, in a
real pseudo-terminal, and two WebSocket sessions against the real server.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyte
import pytest

from secondop_tui import web
from secondop_tui.cli import main
from secondop_tui.core.lock import WorkbookLock
from secondop_tui.core.store import WorkbookStore
from tests.helpers import PANES, poll_until
from tests.pty_terminal import Terminal, installed_command
from tests.system_needs import missing, serving

# Who may connect --------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts_are_served_without_a_warning(host: str):
    assert web.is_loopback(host)
    assert web.check_host(host, 8000, allow_remote=False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.20", "10.0.0.5"])
def test_other_hosts_are_refused_without_allow_remote(host: str):
    assert not web.is_loopback(host)
    with pytest.raises(web.ServeRefused) as refused:
        web.check_host(host, 8000, allow_remote=False)
    assert "--allow-remote" in str(refused.value)


def test_allow_remote_warns_that_anyone_can_read_the_workbook():
    warning = web.check_host("0.0.0.0", 8123, allow_remote=True)
    assert warning is not None
    assert "anyone who can reach port 8123 can read" in warning
    assert "no login" in warning


def test_refused_host_starts_nothing(capsys, data_dir: Path):
    code = main(["--data-dir", str(data_dir), "serve", "--host", "0.0.0.0"])
    assert code == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert not data_dir.exists()  # not even the data folder was made


class FakeServer:
    started: list[FakeServer] = []

    def __init__(self, command: str, *, host: str, port: int, allowed) -> None:
        self.command, self.host, self.port, self.allowed = command, host, port, allowed

    def serve(self) -> None:
        FakeServer.started.append(self)


def test_allow_remote_serves_after_the_warning(capsys, monkeypatch, data_dir: Path):
    pytest.importorskip("textual_serve")
    monkeypatch.setattr(web, "_workbook_server", lambda base: FakeServer)
    FakeServer.started.clear()
    code = main(["--data-dir", str(data_dir), "serve", "--host", "0.0.0.0", "--port", "8123",
                 "--allow-remote"])
    assert code == 0
    assert "anyone who can reach port 8123" in capsys.readouterr().err
    (server,) = FakeServer.started
    assert server.host == "0.0.0.0" and server.allowed is None
    assert "--served" in server.command and str(data_dir) in server.command


def test_loopback_server_accepts_only_loopback_names():
    allowed = web.allowed_hosts("127.0.0.1", 8000)
    assert allowed == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert web.allowed_hosts("0.0.0.0", 8000) is None
    assert web.same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not web.same_origin("http://evil.example", "127.0.0.1:8000")
    assert web.same_origin(None, "127.0.0.1:8000")


def test_missing_web_extra_names_the_install_command(capsys, monkeypatch, data_dir: Path):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # import fails
    code = main(["--data-dir", str(data_dir), "serve"])
    assert code == 1
    err = capsys.readouterr().err
    assert "pip install 'secondop-tui[web]'" in err


def test_serve_command_does_not_import_textual(data_dir: Path):
    code = ("import sys\n"
            "from secondop_tui import web\n"
            "from secondop_tui.cli import main\n"
            f"main(['--data-dir', {str(data_dir)!r}, 'serve', '--host', '0.0.0.0'])\n"
            "assert 'textual' not in sys.modules, 'textual imported'\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr


def test_page_loads_nothing_from_other_sites():
    page = web.page("127.0.0.1:8000", 16)
    assert "ws://127.0.0.1:8000/ws" in page
    for line in page.splitlines():
        for marker in ("http://", "https://"):
            if marker in line:
                assert "http://127.0.0.1:8000/" in line, line


# A second tab ---------------------------------------------------------------------------
def test_second_served_app_opens_read_only_by_itself_and_never_writes(data_dir: Path,
                                                                       tmp_path: Path):
    first = WorkbookStore.open(data_dir)  # the first tab (or a terminal) has it
    first.set_setting("probe", "kept")
    first.flush()
    before = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    term = Terminal([installed_command(), "--data-dir", str(data_dir), "--served"],
                    cwd=str(tmp_path))
    try:
        term.wait_for("READ-ONLY", *PANES)
        term.wait_for("READ-ONLY in this tab")  # told, not asked
        assert "The workbook is already open" not in term.display
        # Try to change things: tick a checklist item, save, write a note.
        term.send("2")
        term.wait_for("Overall")
        term.send("down", "space", "ctrl+s")
        term.send("4", "n")
        term.send("ctrl+q")
        term.wait_exit()
    finally:
        term.close()
        first.close()
    after = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    # The lock file is the first holder's own (emptied when it let go); nothing else moved.
    before.pop("workbook.lock")
    after.pop("workbook.lock")
    assert after == before
    assert not (data_dir / "backups").exists()


# Through the real server, without a browser ---------------------------------------------
class Tab:
    """One browser tab's WebSocket session, its screen read with a terminal emulator."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)

    @property
    def display(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while not all(t in self.display for t in texts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {texts!r}:\n{self.display}")
            try:
                message = await self.socket.receive(timeout=remaining)
            except asyncio.TimeoutError:
                continue
            if isinstance(message.data, bytes):
                self.stream.feed(message.data)
            elif message.data is None:
                raise AssertionError(f"the session closed:\n{self.display}")
        return self.display

    async def press(self, keys: str) -> None:
        await self.socket.send_str(json.dumps(["stdin", keys]))


@pytest.fixture
def served(tmp_path: Path):
    try:
        import aiohttp  # noqa: F401  (comes with textual-serve)
        import textual_serve  # noqa: F401
    except ImportError:
        missing("textual-serve is not installed (pip install 'secondop-tui[web]')")
    data_dir = tmp_path / "data"
    with serving(data_dir) as (server, port):
        yield {"port": port, "data_dir": data_dir, "process": server}


async def test_two_tabs_the_second_is_read_only(served: dict):
    import aiohttp

    base = f"http://127.0.0.1:{served['port']}"
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/") as index:
            assert index.status == 200
            assert f"ws://127.0.0.1:{served['port']}/ws" in await index.text()
        async with session.get(base + "/", headers={"Host": "rebound.example"}) as wrong:
            assert wrong.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(base + "/ws", headers={"Origin": "http://evil.example"})

        first = Tab(await session.ws_connect(base + "/ws?width=80&height=24"))
        screen = await first.wait_for(*PANES, "saved")
        assert "READ-ONLY" not in screen
        second = Tab(await session.ws_connect(base + "/ws?width=80&height=24"))
        await second.wait_for(*PANES, "READ-ONLY in this tab")
        await second.socket.close()
        # Stopping the server with the first tab still open: its app saves and quits.
        served["process"].send_signal(signal.SIGTERM)
        while not first.socket.closed:
            await first.socket.receive(timeout=30)
    assert served["process"].wait(timeout=30) == 0
    # The tab's app is a process of its own: it may finish saving just after the server.
    lock = WorkbookLock(served["data_dir"] / "workbook.lock")
    poll_until(lock.is_free, "the tab's app let go of the workbook")
