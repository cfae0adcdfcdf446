"""The baseline for start-up: a minimal Textual app with the same chrome as secondop-tui
(Header, four tabs, Footer) and nothing else."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane


class BaselineApp(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent():
            for title in ("Guidance", "Checklist", "Doctors", "Notes"):
                with TabPane(title):
                    yield Static(f"{title} content")
        yield Footer()


if __name__ == "__main__":
    BaselineApp().run()
