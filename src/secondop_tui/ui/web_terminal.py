"""The browser's terminal (``secondop-tui serve``): pastes arrive as text there too.

Textual's web driver feeds what the browser's terminal sends to the same parser as a
real terminal, so a paste holding escape sequences ran as keys in a browser tab as well.
This driver reads the same stream with the paste-safe parser of ``terminal.py``.
"""

from __future__ import annotations

from codecs import getincrementaldecoder
from traceback import format_exc

from textual import log
from textual.drivers.web_driver import WebDriver

from secondop_tui.ui.terminal import PasteSafeParser
from secondop_tui.ui.textual_internals import (
    driver_debug,
    web_byte_stream,
    web_driver_exit_input,
    web_driver_input_reader,
    web_driver_on_meta,
)


class WorkbookWebDriver(WebDriver):
    """Textual's web driver with the paste-safe parser."""

    def run_input_thread(self) -> None:
        input_reader = web_driver_input_reader(self)
        parser = PasteSafeParser(driver_debug(self))
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        # The stream holds what a keyboard sends ("D" packets) and, between them, the
        # browser's own news (resizes, focus), which the web driver handles as it does.
        byte_stream = web_byte_stream()
        exit_input = web_driver_exit_input()
        try:
            for data in input_reader:
                if data:
                    for packet_type, payload in byte_stream.feed(data):
                        if packet_type == "D":
                            for event in parser.feed(decode(payload)):
                                self.process_message(event)
                        else:
                            web_driver_on_meta(self, packet_type, payload)
                for event in parser.tick():
                    self.process_message(event)
        except exit_input:
            pass
        except Exception:
            log(format_exc())
        finally:
            input_reader.close()
