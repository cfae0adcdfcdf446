"""Where the packaged content (guidance, checklist, questions) lives, and loading it."""

from __future__ import annotations

from pathlib import Path

NOT_ADVICE = (
    "secondop-tui gives information and helps you organise. It is not medical advice: "
    "ask your care team about your own situation."
)


def assets_dir() -> Path:
    """The assets folder: inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "assets"
    if installed.is_dir():
        return installed
    checkout = package.parent.parent / "assets"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"the assets folder is missing (looked in {installed} and {checkout})")
