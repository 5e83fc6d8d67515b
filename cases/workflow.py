"""The workflow of a case in one table: what each state (``CaseState``) means.

Per state: the route(s) whose cases pass through it, its step of the meldcode (1-5, or none), which roles act on
it (start pages, "needs your action"), the hand-over notification and the owner when a case enters it, the records
and pages offered on the case page, and what happens next (in words, for the user).

The transitions themselves (source, target, guard, permission) are declared on the model, with django-fsm
(``cases.models.case``, which does not import this module: this module reads the model's choices);
``tests/cases/test_workflow.py`` checks that this table and that graph agree. What other modules
need is derived from the table below, once, at import: ``ACTION_STATES`` (selectors), ``OFFERED_IN`` (the actions'
steps and the case page's links, views_decisions), ``HANDOVERS`` (notify), ``OWNERS`` (services), ``STEP_STATES``
(figures), ``EARLY_STATES``, ``DEADLINE_RULES`` (deadlines) and ``EMERGENCY_SOURCES``.

This module sits low: it reads the models' choices and the decision tree, and nothing that reads it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases import decision
from cases.models import CaseState, Notification, Route
from schools.models import Role


@dataclass(frozen=True)
class Offer:
    """A record or page that the case page offers in a state (``views_decisions.next_actions``), to whoever holds
    its permission: a key of ``views_decisions.ACTIONS`` (a record that moves the case on; it can be made only in
    the states that offer it) or of ``views_decisions.LINKS`` (another record or page)."""

    key: str
    when: str | None = None  # only when the weighing so far leads to this outcome (``cases.decision``)
    routes: tuple[str, ...] = ()  # only on cases of these routes (empty: every route)


@dataclass(frozen=True)
class Notice:
    """The hand-over notification: the school's members of ``role`` (except the one who handed over) get a
    notification of ``kind`` and an e-mail."""

    role: str
    kind: str


@dataclass(frozen=True)
class Owner:
    """Who owns the case once it has entered a state: the school's only member of ``role``. ``actor``: rather the
    person who moved it there, when they hold the role. ``keep``: the current owner stays when the school has not
    exactly one member of the role (otherwise the case then has no owner)."""

    role: str
    actor: bool = False
    keep: bool = False


@dataclass(frozen=True)
class DeadlineRule:
    """Something due while a case is in a state (computed by ``cases.deadlines``; only the soonest due date is stored,
    ``Case.next_due``): ``kind`` (what is due, a key of ``cases.deadlines.LABELS``) falls due ``working_days`` Dutch
    working days after the date of ``basis`` (a key of ``cases.deadlines.BASES``: when the case entered the state, its
    last activity, the report to Veilig Thuis, an agreed date, ...). ``working_days``: a number; the name of a setting
    that holds it; 0 for the basis's own day (the next working day when it is not one); None for the basis's date as it
    is (a date a person agreed). ``weeks``: calendar weeks added to the basis first. ``when``: only while this holds (a
    key of ``cases.deadlines.CONDITIONS``). Responsible: the school's members of ``role``; with ``owner``, the case's
    owner instead when it has one. ``week_before``: a reminder a week before the day too."""

    kind: str
    basis: str
    working_days: int | str | None = 0
    weeks: int = 0
    role: str = Role.AF
    owner: bool = False
    when: str | None = None
    week_before: bool = False


# The stand-still rule (domain.md §5): where no law sets a term, a reminder when the case has not moved for a
# configurable number of working days.
STANDSTILL_DAYS = "MELDCODE_STANDSTILL_WORKING_DAYS"


def _standstill(role: str) -> DeadlineRule:
    return DeadlineRule("standstill", "last_activity", STANDSTILL_DAYS, role=role, owner=True)


# Veilig Thuis checks back (rappel, domain.md §9.4) on the date its latest outcome names, while it is involved and
# while the school monitors; a reminder a week before and on the day.
VT_RAPPEL = DeadlineRule("vt_rappel", "rappel", None, week_before=True)

# "Report today" (domain.md §4): question 2 = yes or doubt (report at once, by phone) and question 5 = no; due the
# working day the answer was recorded.
REPORT_TODAY = DeadlineRule("report_today", "deciding_answer", 0, when="report_at_once")


@dataclass(frozen=True)
class State:
    """One row of the table: what a state of the case means."""

    routes: tuple[str, ...]  # the routes whose cases pass through this state
    step: int | None  # the step of the meldcode (1-5), None outside the five steps
    acts: tuple[str, ...]  # the roles whose action a case in this state waits for
    what_next: str  # what happens next, for the user
    offers: tuple[Offer | str, ...] = ()  # in the order shown; a plain key is an ``Offer`` without conditions
    # Sent when a case is handed forward into this state, from a lower step of the meldcode; not when it comes back
    # to it (reopened, or back from monitoring).
    notice: Notice | None = None
    owner: Owner | None = None  # who owns the case once it has entered this state (unchanged when None)
    # What is due while a case is in this state (``cases.deadlines``); every open state has at least one rule
    # (``tests/cases/test_deadlines_table.py``).
    deadlines: tuple[DeadlineRule, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "offers", tuple(o if isinstance(o, Offer) else Offer(o) for o in self.offers))


ALL_ROUTES = (Route.A, Route.B, Route.C)
ROUTES_A_C = (Route.A, Route.C)
ROUTE_B = (Route.B,)
# Route B belongs to the board and the aandachtsfunctionaris (domain.md §9.3): both see its cases needing action.
ROUTE_B_ACTORS = (Role.AF, Role.BOARD)

# An emergency report is possible from any open step of routes A and C, also after a report while Veilig Thuis is
# involved (domain.md §9.4); who may not make it (a teacher) may propose one.
EMERGENCY = ("emergency", "emergency-proposal")
# The conversation with the child (domain.md §9.1): from step 2 until the decision, and during help and monitoring.
CHILD = Offer("childconversation")
# Route C (behaviour between pupils): the pupils involved and their part, and the vlaggensysteem (required before the
# weighing's outcome: ``CaseGuards.blockers_route_c``), up to the weighing.
INVOLVED = Offer("involvement", routes=(Route.C,))
FLAG = Offer("flag", routes=(Route.C,))
# Looking back at the pupil's earlier cases (domain.md §9.8), up to the weighing's outcome; shown only when there are
# earlier cases, and only to the IB'er and the aandachtsfunctionaris.
LOOK_BACK = Offer("lookback")

STATES: dict[str, State] = {
    # --- Routes A and C: the five steps of the meldcode. ----------------------------------------------------------
    CaseState.SIGNALLING: State(
        routes=ALL_ROUTES,  # a route B case leaves it at once, when it is opened (``start_route_b``)
        step=1,
        acts=(Role.TEACHER, Role.CONTACT_PERSON, Role.IB),  # the teacher and the contact person: cases they opened
        offers=(*EMERGENCY, INVOLVED),
        deadlines=(_standstill(Role.IB),),
        what_next=_(
            "Signals are recorded as factually as possible. Then the case is handed over to the IB'er for "
            "consultation (step 2)."
        ),
    ),
    CaseState.CONSULTING: State(
        routes=ROUTES_A_C,
        step=2,
        acts=(Role.IB,),
        offers=(*EMERGENCY, CHILD, INVOLVED, FLAG, LOOK_BACK),
        notice=Notice(Role.IB, Notification.Kind.HANDOVER_CONSULTING),
        owner=Owner(Role.IB, actor=True),
        deadlines=(_standstill(Role.IB),),
        what_next=_(
            "The IB'er consults colleagues or Veilig Thuis and does the kindcheck. Then the conversation with the "
            "parents follows (step 3)."
        ),
    ),
    CaseState.PARENT_TALK: State(
        routes=ROUTES_A_C,
        step=3,
        acts=(Role.IB,),
        offers=(*EMERGENCY, CHILD, INVOLVED, FLAG, LOOK_BACK),
        deadlines=(_standstill(Role.IB),),
        what_next=_(
            "The IB'er discusses the signals with the parents and records the conversation, or a confirmed reason to "
            "skip it. Then the case is handed over for weighing (step 4)."
        ),
    ),
    CaseState.WEIGHING: State(
        routes=ROUTES_A_C,
        step=4,
        acts=(Role.AF,),
        offers=(
            "weighing",
            "risk",
            FLAG,
            Offer("close", when=decision.CLOSE),
            Offer("report", when=decision.REPORT),
            Offer("help", when=decision.HELP),
            *EMERGENCY,
            CHILD,
            INVOLVED,
            LOOK_BACK,
        ),
        notice=Notice(Role.AF, Notification.Kind.HANDOVER_WEIGHING),
        owner=Owner(Role.AF, keep=True),
        deadlines=(
            DeadlineRule("weighing", "entered", "MELDCODE_WEIGHING_WORKING_DAYS", when="no_report_at_once"),
            REPORT_TODAY,
        ),
        what_next=_(
            "The aandachtsfunctionaris answers the five weighing questions. The answers lead to closing without "
            "action, to help, or to a report to Veilig Thuis."
        ),
    ),
    CaseState.HELP: State(
        routes=ROUTES_A_C,
        step=5,
        acts=(Role.AF,),
        offers=("evaluation", *EMERGENCY, CHILD),
        deadlines=(DeadlineRule("help_evaluation", "evaluation_date", None, week_before=True),),
        what_next=_(
            "The help plan is carried out. On its evaluation date the help is evaluated: that answers question 5."
        ),
    ),
    CaseState.EVALUATING: State(
        routes=ROUTES_A_C,
        step=5,
        acts=(Role.AF,),
        offers=(
            Offer("report", when=decision.REPORT),
            Offer("monitoring", when=decision.MONITORING),
            *EMERGENCY,
            CHILD,
        ),
        deadlines=(
            # The evaluation answered question 5 when the case entered this state (the help plan's evaluation date is
            # the deadline of "help"): yes → agree on monitoring within a few working days; no → report today.
            DeadlineRule("after_evaluation", "entered", "MELDCODE_EVALUATION_WORKING_DAYS", when="no_report_at_once"),
            REPORT_TODAY,
        ),
        what_next=_(
            "If the help reached its result, the safety is monitored; if not, the case is reported to Veilig Thuis."
        ),
    ),
    CaseState.REPORTED: State(
        routes=ROUTES_A_C,
        step=5,
        acts=(Role.AF,),
        offers=("vt-outcome", "report-again", *EMERGENCY),
        owner=Owner(Role.AF, keep=True),
        deadlines=(
            DeadlineRule("vt_safety_assessment", "reported", 5),
            DeadlineRule("vt_feedback_agreed", "feedback_agreed", None),
        ),
        what_next=_("Veilig Thuis assesses the safety within 5 working days. Record its decision when it comes."),
    ),
    CaseState.VT_INVOLVED: State(
        routes=ROUTES_A_C,
        step=None,
        acts=(Role.AF,),
        offers=("monitoring", "vt-outcome", "report-again", "close", *EMERGENCY),
        deadlines=(
            # Ask for feedback about 10 weeks after the report: after an investigation, and whenever no moment of
            # feedback was agreed while Veilig Thuis stays involved.
            DeadlineRule("vt_feedback_ask", "reported", 0, weeks=10, when="vt_feedback_to_ask"),
            DeadlineRule("vt_feedback_agreed", "feedback_agreed", None),
            # Veilig Thuis ended its involvement: the school decides on monitoring or closing.
            DeadlineRule("vt_ended", "entered", STANDSTILL_DAYS, when="vt_ended"),
            VT_RAPPEL,
        ),
        what_next=_("Veilig Thuis is involved. Record its conclusion; then monitor the safety or close the case."),
    ),
    CaseState.MONITORING: State(
        routes=ROUTES_A_C,
        step=None,
        acts=(Role.AF,),
        offers=("report", "vt-outcome", "checkin", "close", *EMERGENCY, CHILD),
        deadlines=(DeadlineRule("monitoring_check_in", "next_check_in", None), VT_RAPPEL),
        what_next=_(
            "The school checks in as agreed. A new signal sends the case back to weighing; otherwise it is closed "
            "at the end."
        ),
    ),
    CaseState.CLOSED: State(
        routes=ALL_ROUTES,
        step=None,
        acts=(),
        what_next=_("Nothing: the case can only be read. A new signal reopens it for weighing."),
    ),
    # --- Route B: a staff member is suspected of a sexual offence against a pupil. --------------------------------
    CaseState.DUTY_TO_INFORM: State(
        routes=ROUTE_B,
        step=None,
        acts=ROUTE_B_ACTORS,
        offers=("board", "inspector", "suspect"),
        owner=Owner(Role.AF, keep=True),
        deadlines=(
            # domain.md §9.3: the board is informed at once; the confidential inspector is consulted the same or
            # the next working day. Due by the case's owner: the aandachtsfunctionaris, or the board contact when the
            # aandachtsfunctionaris is the one suspected (``access.route_b_owner``).
            DeadlineRule("inform_board", "entered", 0, owner=True, when="board_not_informed"),
            DeadlineRule("consult_inspector", "board_informed", 1, owner=True, when="board_informed"),
        ),
        what_next=_("Record when the board was informed, then the consultation of the confidential inspector."),
    ),
    CaseState.INSPECTOR_CONSULTED: State(
        routes=ROUTE_B,
        step=None,
        acts=ROUTE_B_ACTORS,
        offers=("police", "suspect"),
        # Aangifteplicht (WPO art. 4a): the board reports without delay; decided by the next working day.
        deadlines=(DeadlineRule("police_decision", "entered", 1, owner=True),),
        what_next=_(
            "The board decides whether to report to the police; on a reasonable suspicion of a crime by staff "
            "against a pupil it must (aangifteplicht)."
        ),
    ),
    CaseState.POLICE_REPORT: State(
        routes=ROUTE_B,
        step=None,
        acts=ROUTE_B_ACTORS,
        offers=("close", "suspect"),
        deadlines=(_standstill(Role.AF),),  # no term in the domain: the stand-still rule
        what_next=_("The police report has been made. Close the case when the school's part is done."),
    ),
    CaseState.NO_POLICE_REPORT: State(
        routes=ROUTE_B,
        step=None,
        acts=ROUTE_B_ACTORS,
        offers=("close", "suspect"),
        deadlines=(_standstill(Role.AF),),  # no term in the domain: the stand-still rule
        what_next=_("No police report is made. Close the case when the school's part is done."),
    ),
}


# --- Derived once, at import ----------------------------------------------------------------------------------------


def _states_where(test) -> list[str]:
    return [state for state, row in STATES.items() if test(row)]


def step_number(state: str) -> int | None:
    """The step of the meldcode (1-5) that ``state`` belongs to; None outside the five steps."""
    return STATES[state].step


# The states of each step of the meldcode. A case has reached step n when it has ever entered one of them.
STEP_STATES: dict[int, list[str]] = {n: _states_where(lambda row, n=n: row.step == n) for n in range(1, 6)}
# Steps 1-3: the states in which new signals, consultations and parent conversations are recorded.
EARLY_STATES = _states_where(lambda row: row.step in (1, 2, 3))

# The deadline rules of each state that has any (cases.deadlines).
DEADLINE_RULES: dict[str, tuple[DeadlineRule, ...]] = {
    state: row.deadlines for state, row in STATES.items() if row.deadlines
}

# Which states need whose action (start pages).
ACTION_STATES: dict[str, list[str]] = {role: _states_where(lambda row, role=role: role in row.acts) for role in Role}


def _offered_in() -> dict[str, list[str]]:
    offered: dict[str, list[str]] = {}
    for state, row in STATES.items():
        for offer in row.offers:
            states = offered.setdefault(offer.key, [])
            if state not in states:
                states.append(state)
    return offered


# The states in which each record or page is offered (``Offer.key``).
OFFERED_IN = _offered_in()
# An emergency report can be made from any open state of routes A and C.
EMERGENCY_SOURCES = OFFERED_IN["emergency"]

# Who owns a case once it has entered a state (states that change the owner only).
OWNERS: dict[str, Owner] = {state: row.owner for state, row in STATES.items() if row.owner is not None}

# The step changes that hand a case over to another role of the school, by (from state, to state): forward, from a
# lower step of the meldcode into a state with a hand-over notice.
HANDOVERS: dict[tuple[str, str], Notice] = {
    (source, target): row.notice
    for target, row in STATES.items()
    if row.notice is not None
    for source, before in STATES.items()
    if before.step is not None and row.step is not None and before.step < row.step
}
