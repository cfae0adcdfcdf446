"""High-contrast themes: for low vision, bright rooms, and terminals with few colours.

Every colour is one of the sixteen a basic terminal has (black, white, pure yellow, cyan,
blue...), so a 16-colour terminal shows them unchanged, and text is fully opaque: no
state is told by a faint shade. The focused row is a solid block; the row that keeps the
place in a list without focus is a different, plainer block.
"""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = "high-contrast"
HIGH_CONTRAST_LIGHT = "high-contrast-light"

# The sixteen colours as xterm draws them; a 16-colour terminal maps each to itself.
BLACK = "#000000"
WHITE = "#E5E5E5"
BRIGHT_WHITE = "#FFFFFF"
YELLOW = "#FFFF00"
CYAN = "#00FFFF"
GREEN = "#00FF00"
RED = "#FF0000"
BLUE = "#0000EE"
DARK_RED = "#CD0000"
DARK_GREEN = "#00CD00"
DARK_MAGENTA = "#CD00CD"

HIGH_CONTRAST_THEME = Theme(
    name=HIGH_CONTRAST,
    dark=True,
    primary=YELLOW,
    secondary=CYAN,
    accent=CYAN,
    warning=YELLOW,
    error=RED,
    success=GREEN,
    foreground=BRIGHT_WHITE,
    background=BLACK,
    surface=BLACK,
    panel=BLACK,
    text_alpha=1.0,
    luminosity_spread=0.0,
    variables={
        "text": BRIGHT_WHITE,
        "text-muted": WHITE,
        "text-disabled": WHITE,
        "text-primary": YELLOW,
        "text-accent": CYAN,
        "text-warning": YELLOW,
        "text-error": RED,
        "text-success": GREEN,
        "block-cursor-foreground": BLACK,
        "block-cursor-background": YELLOW,
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": BLACK,
        "block-cursor-blurred-background": WHITE,
        "block-cursor-blurred-text-style": "none",
        "block-hover-background": BLACK,
        "border": YELLOW,
        "border-blurred": WHITE,
        "scrollbar": WHITE,
        "scrollbar-hover": YELLOW,
        "scrollbar-active": YELLOW,
        "scrollbar-background": BLACK,
        "scrollbar-background-hover": BLACK,
        "scrollbar-background-active": BLACK,
        "scrollbar-corner-color": BLACK,
        "footer-foreground": BRIGHT_WHITE,
        "footer-background": BLACK,
        "footer-key-foreground": YELLOW,
        "footer-key-background": BLACK,
        "footer-description-foreground": BRIGHT_WHITE,
        "footer-description-background": BLACK,
        "footer-item-background": BLACK,
        "input-cursor-foreground": BLACK,
        "input-cursor-background": BRIGHT_WHITE,
        "input-cursor-text-style": "none",
        "input-selection-foreground": BLACK,
        "input-selection-background": CYAN,
        "screen-selection-foreground": BLACK,
        "screen-selection-background": CYAN,
        "button-foreground": BRIGHT_WHITE,
        "button-color-foreground": BLACK,
        "button-focus-text-style": "bold reverse",
        "link-color": CYAN,
        "link-style": "underline",
    },
)

HIGH_CONTRAST_LIGHT_THEME = Theme(
    name=HIGH_CONTRAST_LIGHT,
    dark=False,
    primary=BLUE,
    secondary=DARK_MAGENTA,
    accent=BLUE,
    warning=DARK_RED,
    error=DARK_RED,
    success=DARK_GREEN,
    foreground=BLACK,
    background=BRIGHT_WHITE,
    surface=BRIGHT_WHITE,
    panel=BRIGHT_WHITE,
    text_alpha=1.0,
    luminosity_spread=0.0,
    variables={
        "text": BLACK,
        "text-muted": BLACK,
        "text-disabled": BLACK,
        "text-primary": BLUE,
        "text-accent": BLUE,
        "text-warning": DARK_RED,
        "text-error": DARK_RED,
        "text-success": BLACK,
        "block-cursor-foreground": BRIGHT_WHITE,
        "block-cursor-background": BLUE,
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": BLACK,
        "block-cursor-blurred-background": WHITE,
        "block-cursor-blurred-text-style": "none",
        "block-hover-background": BRIGHT_WHITE,
        "border": BLUE,
        "border-blurred": BLACK,
        "scrollbar": BLACK,
        "scrollbar-hover": BLUE,
        "scrollbar-active": BLUE,
        "scrollbar-background": WHITE,
        "scrollbar-background-hover": WHITE,
        "scrollbar-background-active": WHITE,
        "scrollbar-corner-color": WHITE,
        "footer-foreground": BLACK,
        "footer-background": WHITE,
        "footer-key-foreground": BLUE,
        "footer-key-background": WHITE,
        "footer-description-foreground": BLACK,
        "footer-description-background": WHITE,
        "footer-item-background": WHITE,
        "input-cursor-foreground": BRIGHT_WHITE,
        "input-cursor-background": BLACK,
        "input-cursor-text-style": "none",
        "input-selection-foreground": BRIGHT_WHITE,
        "input-selection-background": BLUE,
        "screen-selection-foreground": BRIGHT_WHITE,
        "screen-selection-background": BLUE,
        "button-foreground": BLACK,
        "button-color-foreground": BRIGHT_WHITE,
        "button-focus-text-style": "bold reverse",
        "link-color": BLUE,
        "link-style": "underline",
    },
)

THEMES: tuple[Theme, ...] = (HIGH_CONTRAST_THEME, HIGH_CONTRAST_LIGHT_THEME)
"""The app's own themes, registered beside Textual's."""

# (palette title, theme name): what the command palette offers by name.
PALETTE_THEMES: tuple[tuple[str, str], ...] = (
    ("Theme: high contrast", HIGH_CONTRAST),
    ("Theme: high contrast, light", HIGH_CONTRAST_LIGHT),
    ("Theme: default", "textual-dark"),
)
