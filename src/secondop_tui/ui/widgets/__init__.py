"""Widgets shared by a pane's screens and dialogs."""
