"""``secondop-tui serve`` in a real browser: headless Chromium, driven by keys.

textual-serve's page draws the terminal with xterm.js on a canvas (WebGL, or its canvas
renderer), so there is no text in the page to read. The test taps the page's WebSocket
instead: every byte the page's terminal is sent is also fed to pyte, a terminal emulator,
whose screen is then read as text. Keys go in through the page itself (the terminal's
keyboard focus), as a person's would.

The system's Chromium and chromedriver are used; nothing is downloaded.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyte
import pytest

from secondop_tui.core import notes
from secondop_tui.core.lock import WorkbookLock
from secondop_tui.core.store import WorkbookStore
from tests.helpers import DEADLINE, PANES, poll_until
from tests.pty_terminal import installed_command
from tests.system_needs import chromium, missing, serving

pytestmark = pytest.mark.e2e


# Runs in the page before its own scripts: a WebSocket that keeps a copy of what it
# receives (base64, to cross into Python) and remembers the terminal size it announced.
TAP_WEBSOCKET = r"""
(() => {
  const Native = window.WebSocket;
  window.__tap = {received: [], size: null};
  class TappedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data === "string") return;
        let text = "";
        for (const byte of new Uint8Array(event.data)) text += String.fromCharCode(byte);
        window.__tap.received.push(btoa(text));
      });
    }
    send(data) {
      try {
        const message = JSON.parse(data);
        if (message[0] === "resize") window.__tap.size = message[1];
      } catch (error) {}
      return super.send(data);
    }
  }
  window.WebSocket = TappedWebSocket;
})();
"""


class BrowserTerminal:
    """The terminal in the page, read through the tapped WebSocket."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.screen: pyte.Screen | None = None
        self.stream: pyte.ByteStream | None = None

    def _pump(self) -> None:
        tap = self.driver.execute_script(
            "const t = window.__tap; return t ? {size: t.size, chunks: t.received.splice(0)}"
            " : {size: null, chunks: []};")
        if self.screen is None:
            if not tap["size"]:
                return
            self.screen = pyte.Screen(tap["size"]["width"], tap["size"]["height"])
            self.stream = pyte.ByteStream(self.screen)
        assert self.stream is not None
        for chunk in tap["chunks"]:
            self.stream.feed(base64.b64decode(chunk))

    @property
    def display(self) -> str:
        self._pump()
        return "\n".join(self.screen.display) if self.screen else ""

    def wait_for(self, *texts: str, timeout: float = DEADLINE) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.display
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {texts!r}; the page showed:\n"
                             f"{self.display}")

    def press(self, keys: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(keys).perform()


@pytest.fixture
def server(tmp_path: Path):
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        missing("textual-serve is not installed (pip install 'secondop-tui[web]')")
    data_dir = tmp_path / "data"
    with serving(data_dir) as (process, port):
        yield {"url": f"http://127.0.0.1:{port}/", "data_dir": data_dir, "pid": process.pid,
               "process": process}


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "browser-profile") as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": TAP_WEBSOCKET})
        yield driver
    shutil.rmtree(tmp_path / "browser-profile", ignore_errors=True)


def saved_notes(data_dir: Path) -> list[notes.Consultation]:
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        return notes.list_consultations(store)
    finally:
        store.close()


def test_browser_tab_writes_a_note_to_disk(server: dict, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server["url"])
    page = BrowserTerminal(browser)
    page.wait_for(*PANES, "saved")
    browser.find_element(By.ID, "terminal").click()  # keyboard focus to the terminal
    page.press("4")
    page.wait_for("No consultations yet")
    page.press("n")
    page.wait_for("New consultation")
    page.press("Visit from the browser" + Keys.ENTER)
    page.wait_for("Visit from the browser", "no questions picked")
    words = "the nurse will call on Monday about the biopsy"
    page.press(words)
    page.wait_for("about the biopsy")

    data_dir: Path = server["data_dir"]
    # Saved shortly after the last keystroke, while the tab stays open.
    poll_until(lambda: [v.note for v in saved_notes(data_dir)] == [words], "the note on disk",
               interval=0.2)
    assert saved_notes(data_dir)[0].title == "Visit from the browser"

    more = ", and to bring the scans"
    page.press(more)
    page.wait_for("bring the scans")
    browser.get("about:blank")  # the tab closes at once, inside the save delay
    lock = WorkbookLock(data_dir / "workbook.lock")
    poll_until(lock.is_free, "the tab's app saved and let go of the workbook")
    assert saved_notes(data_dir)[0].note == words + more

    os.kill(server["pid"], signal.SIGTERM)
    assert server["process"].wait(timeout=20) == 0
    check = subprocess.run([installed_command(), "--data-dir", str(data_dir), "check"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
