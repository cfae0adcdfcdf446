"""How the app looks: its colours (themes) and whether it animates, both kept in the
workbook, and the palette's commands that change them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial

from textual.app import SystemCommand

from secondop_tui.ui.saving import SavingApp
from secondop_tui.ui.themes import PALETTE_THEMES, THEMES

ANIMATIONS_SETTING = "animations"


class AppearanceApp(SavingApp):
    """An app whose theme and animations follow the workbook's settings."""

    def __init__(self) -> None:
        super().__init__()
        for theme in THEMES:
            self.register_theme(theme)
        # TEXTUAL_ANIMATIONS as it is now (Textual reads it once, when first imported);
        # the workbook setting can only lower it.
        level = os.environ.get("TEXTUAL_ANIMATIONS", "").lower()
        if level in ("none", "basic", "full"):
            self.animation_level = level  # type: ignore[assignment]
        self.environment_animation_level = self.animation_level

    def apply_appearance(self) -> None:
        """Take the theme and the animation setting from the workbook just opened."""
        store = self.store
        if store is None:
            return
        theme = store.get_setting("theme")
        if theme in self.available_themes:
            self.theme = theme
        self.apply_animation_setting()

    def watch_theme(self, theme: str) -> None:
        if self.store is not None and not self.store.read_only:
            if self.store.get_setting("theme") != theme:
                self.store.set_setting("theme", theme)

    @property
    def animations_wanted(self) -> bool:
        """The workbook's animation setting (on unless turned off)."""
        store = self.store
        return bool(store.get_setting(ANIMATIONS_SETTING, True)) if store is not None else True

    def apply_animation_setting(self) -> None:
        self.animation_level = (self.environment_animation_level if self.animations_wanted
                                else "none")

    def set_animations(self, wanted: bool) -> None:
        """Turn animations on or off and remember it in the workbook."""
        store = self.store
        if store is not None and not store.read_only:
            store.set_setting(ANIMATIONS_SETTING, wanted)
        self.animation_level = self.environment_animation_level if wanted else "none"
        if not wanted:
            self.notify("Animations are off: less to send over a slow connection.", timeout=4)
        elif self.animation_level == "none":
            self.notify("Animations stay off in this session: TEXTUAL_ANIMATIONS=none is set.",
                        timeout=6)
        else:
            self.notify("Animations are on.", timeout=3)

    def theme_and_animation_commands(self) -> Iterable[SystemCommand]:
        for title, name in PALETTE_THEMES:
            if name != self.theme:
                yield SystemCommand(title, f"Switch to the {title.split(': ')[1]} colours "
                                    "(remembered in the workbook)",
                                    partial(setattr, self, "theme", name))
        wanted = self.animations_wanted
        yield SystemCommand("Animations: off" if wanted else "Animations: on",
                            "Stop scrolling animations (less to send over a slow "
                            "link)" if wanted else "Let scrolling and tabs animate again",
                            partial(self.set_animations, not wanted))
