"""The four panes of the workbook screen."""

from secondop_tui.ui.panes.base import PANES, Pane

__all__ = ["PANES", "Pane"]
