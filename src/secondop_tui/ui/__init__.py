"""The Textual user interface, built on the core layer."""
