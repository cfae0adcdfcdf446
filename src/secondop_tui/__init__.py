"""secondop-tui: a terminal workbook for getting a second opinion after a cancer diagnosis."""

__version__ = "0.1.0"
