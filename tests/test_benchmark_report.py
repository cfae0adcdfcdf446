"""The benchmark report keeps what was written by hand when it is generated again."""

from __future__ import annotations

from pathlib import Path

from benchmarks.run_all import kept_sections


def test_a_rerun_keeps_the_hand_written_sections_and_drops_the_generated(tmp_path: Path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nintro\n\n## Figures\n\n| a | b |\n\n"
                   "## Encryption: what the figures hold\n\nA note.\n\nMore.\n\n"
                   "## How the costs grow\n\ntable\n\n"
                   "## How each figure is measured\n\n- start-up\n\n"
                   "## A burst of keys (run on its own)\n\n| x |\n", encoding="utf-8")
    kept = "\n".join(kept_sections(doc))
    assert kept == ("## Encryption: what the figures hold\n\nA note.\n\nMore.\n\n"
                    "## A burst of keys (run on its own)\n\n| x |\n")
    assert kept_sections(tmp_path / "none.md") == []
