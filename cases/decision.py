"""The decision tree of the five weighing questions (domain.md §4; seed Bijlage 4, afwegingskader 2019).

Pure functions over the answers of the current weighing round, so that the state machine's guards, the guided
form and the tests all follow one tree.
"""

from dataclasses import dataclass

# Answers per question.
Q1_NO_ACTION, Q1_SUSPICION = "A", "B"
NO, YES, DOUBT, YES_ACUTE = "no", "yes", "doubt", "yes_acute"
ANSWERS = {
    1: [Q1_NO_ACTION, Q1_SUSPICION],
    2: [NO, YES, DOUBT, YES_ACUTE],
    3: [NO, YES],
    4: [NO, YES],
    5: [NO, YES],
}

CLOSE, REPORT, HELP, MONITORING = "close", "report", "help", "monitoring"


@dataclass(frozen=True)
class Position:
    """Where a weighing round stands: the next question to answer, or the outcome the answers lead to."""

    next_question: int | None
    outcome: str | None


def position(answers: dict[int, str]) -> Position:
    """``answers``: the latest answer per question in the current round."""
    q1 = answers.get(1)
    if q1 is None:
        return Position(1, None)
    if q1 == Q1_NO_ACTION:
        return Position(None, CLOSE)
    q2 = answers.get(2)
    if q2 is None:
        return Position(2, None)
    if q2 in (YES, DOUBT, YES_ACUTE):  # doubt counts as yes: report at once
        return Position(None, REPORT)
    q3 = answers.get(3)
    if q3 is None:
        return Position(3, None)
    if q3 == NO:
        return Position(None, REPORT)
    q4 = answers.get(4)
    if q4 is None:
        return Position(4, None)
    if q4 == NO:
        return Position(None, REPORT)
    q5 = answers.get(5)
    if q5 is None:
        return Position(5, HELP)  # help starts; question 5 is answered at the evaluation
    if q5 == NO:
        return Position(None, REPORT)
    return Position(None, MONITORING)


def deciding_question(answers: dict[int, str]) -> int | None:
    """The question whose answer ended the round with its outcome (close, report or monitoring); None while the
    round is open (help included: question 5 is still to be answered at the evaluation)."""
    for question in range(1, 6):
        if question not in answers:
            return None
        if position({q: a for q, a in answers.items() if q <= question}).next_question is None:
            return question
    return None
