"""The question bank: the packaged questions (``assets/questions.json``) and the user's own.

The user's own questions live in the ``questions`` table as ``{"text": ...}``; they are
shown as one more group, "My own questions". Never imports Textual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from secondop_tui.core import tables
from secondop_tui.core.content import assets_dir
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text

TABLE = tables.QUESTIONS
OWN_GROUP = "own"


@dataclass(frozen=True)
class Question:
    """One question someone may want to ask. ``id`` is stable across versions."""

    id: str
    text: str
    group: str


@dataclass(frozen=True)
class QuestionGroup:
    id: str
    title: str
    questions: tuple[Question, ...] = field(default_factory=tuple)


@lru_cache(maxsize=1)
def default_groups() -> tuple[QuestionGroup, ...]:
    """The packaged questions, grouped (read once)."""
    raw = json.loads((assets_dir() / "questions.json").read_text(encoding="utf-8"))
    groups = []
    for group in raw.get("groups", []):
        gid = str(group.get("id", ""))
        questions = tuple(Question(str(q["id"]), str(q["text"]), gid)
                          for q in group.get("questions", []) if q.get("text"))
        groups.append(QuestionGroup(gid, str(group.get("title", gid)), questions))
    return tuple(groups)


def own_questions(store: WorkbookStore) -> list[Question]:
    """The questions the user wrote, in the order they were added."""
    return [Question(f"own.{doc.doc_id}", as_text(doc.get("text")), OWN_GROUP)
            for doc in store.table(TABLE).all() if as_text(doc.get("text")).strip()]


def add_own_question(store: WorkbookStore, text: str) -> Question:
    """Keep a question of the user's own in the bank."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("Please type the question.")
    store.ensure_writable()
    doc_id = store.table(TABLE).insert({"text": text})
    store.changed()
    return Question(f"own.{doc_id}", text, OWN_GROUP)


def all_groups(store: WorkbookStore) -> list[QuestionGroup]:
    """The packaged groups, then "My own questions" (when there are any)."""
    groups = list(default_groups())
    own = own_questions(store)
    if own:
        groups.append(QuestionGroup(OWN_GROUP, "My own questions", tuple(own)))
    return groups
