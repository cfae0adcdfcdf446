"""Each pane at 80x24 with the screen reader setting on: no tab bar, frames or bars, the
pane heading in words, the notice line at the foot."""

from __future__ import annotations

import pytest

from secondop_tui.ui.app import SecondOpinionApp
from tests.contexts import seed
from tests.helpers import settled

PANE_KEYS = {"guidance": "1", "checklist": "2", "doctors": "3", "notes": "4"}


@pytest.mark.parametrize("pane", list(PANE_KEYS))
def test_pane_with_the_screen_reader_setting(snap_compare, store, pane):
    seed(store)
    app = SecondOpinionApp(store=store, watch_signals=False, screen_reader=True)
    assert snap_compare(app, run_before=settled(PANE_KEYS[pane]), terminal_size=(80, 24))
