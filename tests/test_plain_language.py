"""The checklist and the question bank are plain (Flesch–Kincaid grade 8 or below) and in
their own words (no run of eight words shared with the source article)."""

from __future__ import annotations

import re

import pytest
import textstat

from secondop_tui.core.checklist import load_defaults
from secondop_tui.core.glossary import load_glossary
from secondop_tui.core.questions import default_groups
from tests.helpers import SOURCE_ARTICLE

HIGHEST_GRADE = 8
RUN = 8


def checklist_texts() -> list[str]:
    # A title is a sentence of its own, though it is written without a full stop.
    return [f"{item.title}. {item.why}" for group in load_defaults().groups
            for item in group.items]


def question_texts() -> list[str]:
    return [q.text for group in default_groups() for q in group.questions]


def glossary_texts() -> list[str]:
    return [term.definition for term in load_glossary().terms]


@pytest.mark.parametrize("name, texts", [
    ("checklist", checklist_texts), ("questions", question_texts)])
def test_grade_8_or_below(name, texts):
    grade = textstat.flesch_kincaid_grade(" ".join(texts()))
    assert grade <= HIGHEST_GRADE, f"the {name} reads at grade {grade}"


def test_every_checklist_group_is_grade_8_or_below():
    for group in load_defaults().groups:
        text = " ".join(f"{item.title}. {item.why}" for item in group.items)
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= HIGHEST_GRADE, f"{group.title} reads at grade {grade}"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'"))


def runs(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i:i + RUN]) for i in range(len(found) - RUN + 1)}


@pytest.mark.skipif(not SOURCE_ARTICLE.exists(), reason="the source article is not here")
@pytest.mark.parametrize("name, texts", [
    ("checklist", checklist_texts), ("questions", question_texts),
    ("glossary", glossary_texts)])
def test_no_run_of_eight_words_from_the_source_article(name, texts):
    article = runs(SOURCE_ARTICLE.read_text(encoding="utf-8"))
    shared = [" ".join(run) for text in texts() for run in runs(text) & article]
    assert not shared, f"the {name} shares these runs with the source article: {shared}"


def test_the_run_check_would_catch_a_copied_sentence():
    sentence = "one two three four five six seven eight nine"
    assert runs(sentence) & runs(f"before {sentence} after")
    assert not runs("one two three four five six seven") & runs(sentence)
