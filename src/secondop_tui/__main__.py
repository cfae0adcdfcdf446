"""Allow ``python -m secondop_tui``."""

from secondop_tui.cli import run

run()
