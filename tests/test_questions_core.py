"""The question bank: ids stay stable, and it holds what people are told to ask."""

from __future__ import annotations

from secondop_tui.core.questions import default_groups

# Every id the earlier version shipped: agendas in workbooks refer to them.
EARLIER_IDS = [
    "diagnosis.agree-type-stage", "diagnosis.own-review", "diagnosis.missing-tests",
    "diagnosis.certainty", "plan.goal", "plan.same-or-different", "plan.alternatives",
    "plan.benefits-risks", "plan.order", "plan.guidelines", "plan.change-mind",
    "timing.start", "timing.risk-waiting", "trials.eligible", "trials.phase-compare",
    "trials.cost", "trials.visits", "experience.volume", "experience.tumor-board",
    "experience.research", "coordination.near-home", "coordination.talk-first-doctor",
    "coordination.lead", "coordination.after-hours", "coordination.report-when",
    "coordination.report-who", "life.work", "life.fertility", "life.daily", "life.covered",
]


def bank() -> dict[str, str]:
    return {q.id: q.text for group in default_groups() for q in group.questions}


def test_the_earlier_ids_are_all_kept_and_ids_are_unique():
    ids = [q.id for group in default_groups() for q in group.questions]
    assert len(ids) == len(set(ids))
    assert set(EARLIER_IDS) <= set(ids)


def test_the_questions_people_are_told_to_ask_are_in_the_bank():
    text = " ".join(bank().values()).lower()
    for words in ("if i do nothing", "know whether the treatment is working",
                  "how long would treatment last, how often", "call you right away",
                  "genetic counselor", "social worker, patient navigator or financial",
                  "patient portal", "fertility", "pregnancy",
                  "risks of the trial, compared with standard treatment",
                  "leave the trial"):
        assert words in text, words


def test_own_questions_edited_by_hand_are_read_as_text(store):
    from secondop_tui.core.questions import TABLE, own_questions

    for text in (None, "  ", 42, "Can I bring my sister?"):
        store.table(TABLE).insert({"text": text})
    # A missing text is no question (it read as "None" before); a number is its digits.
    assert [q.text for q in own_questions(store)] == ["42", "Can I bring my sister?"]
