"""The five steps of the meldcode as a picture of where a case stands: per step, done, current or to come (or not
reached, for a case that left the five steps before reaching it) — derived from the workflow table
(``cases.workflow``: which states belong to which step) and the case's step changes. The staff dossier's cover page
shows it (issue 19); a picture on the case page can use the same (issue 15).

Reads no database: the caller passes the states the case has entered (its ``Transition.to_state`` values)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases import workflow
from cases.models import Route

STEP_TITLES = {
    1: _("Map the signals"),
    2: _("Consult a colleague and, if needed, Veilig Thuis"),
    3: _("Talk with the parents (and the child)"),
    4: _("Weigh the domestic violence or child abuse"),
    5: _("Decide: organise help and/or report"),
}

DONE = "done"
CURRENT = "current"
TO_COME = "to_come"
NOT_REACHED = "not_reached"

STATUS_LABELS = {
    DONE: _("done"),
    CURRENT: _("current step"),
    TO_COME: _("to come"),
    NOT_REACHED: _("not reached"),
}


@dataclass(frozen=True)
class StepRow:
    number: int
    title: str
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def step_overview(*, state: str, route: str, entered: Iterable[str]) -> list[StepRow]:
    """The five steps for a case now in ``state`` that has entered the states ``entered``. A case of the staff route
    (route B) does not follow the five steps: an empty list."""
    if route == Route.B:
        return []
    entered = set(entered) | {state}
    reached = {n for n, states in workflow.STEP_STATES.items() if entered & set(states)}
    current = workflow.step_number(state)
    highest = max(reached, default=0)
    rows = []
    for n in range(1, 6):
        if current == n:
            status = CURRENT
        elif current is not None:
            status = DONE if n < current else TO_COME
        else:  # outside the five steps (monitoring, Veilig Thuis involved, closed)
            status = DONE if n in reached or n < highest else NOT_REACHED
        rows.append(StepRow(n, str(STEP_TITLES[n]), status))
    return rows
