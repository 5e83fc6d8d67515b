"""Each case's chronology, fitting the state its path leads to: signals with follow-ups, consultations with
actions, kindchecks or flag assessments, conversations with the parents, weighing answers, help plans, reports,
Veilig Thuis outcomes, monitoring, closures, route B records and the step changes themselves."""

import datetime

from django.utils import timezone

from cases.models import (
    BoardNotification,
    CaseState,
    Closure,
    Consultation,
    ConsultationAction,
    ConversationAcknowledgement,
    ConversationSignal,
    FlagAssessment,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    InspectorConsultation,
    Kindcheck,
    MonitoringAgreement,
    MonitoringCheckIn,
    Notification,
    ParentConversation,
    ParentView,
    PoliceDecision,
    RiskAssessment,
    Signal,
    SignalFollowUp,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from demo.largeboard.constants import OBSERVATIONS, PLACES, SITUATIONS, TARGETS
from demo.largeboard.rows import Rows

# How the child was discussed (domain.md §9.7), as a school would for each kind of consultation: among its own staff
# nothing leaves the school; Veilig Thuis is asked about an anonymous family; other partners hear the child's name
# only with the parents' consent. Fixed per kind: the random sequence (and so the board a seed makes) stays as it was.
SHARING = {
    "colleague": Consultation.Sharing.INTERNAL,
    "case_meeting": Consultation.Sharing.CONSENT,
    "vt_advice": Consultation.Sharing.ANONYMOUS,
    "school_doctor": Consultation.Sharing.CONSENT,
}

HANDOVER_KINDS = {
    "to_consulting": Notification.Kind.HANDOVER_CONSULTING,
    "to_weighing": Notification.Kind.HANDOVER_WEIGHING,
}


class ChronologyMixin:
    """Adds one case's records to the chunk's ``Rows``, advancing ``plan["at"]`` as the case goes on."""

    def chronology(self, plan: dict, rows: Rows) -> None:
        rng, case, staff = self.rng, plan["case"], plan["staff"]
        opener = plan["opener"]
        signals = []

        def signal(author, at):
            n = rng.randint(2, 9)
            kind = rng.choice(["fact", "fact", "child_words", "story"])
            s = Signal(
                case=case,
                author=author,
                recorded_at=at,
                observed_on=timezone.localtime(at).date(),
                place=rng.choice(PLACES),
                situation=rng.choice(SITUATIONS),
                others_present=rng.choice(["", "A.B.", "C.d.V., E.F."]),
                kind=kind,
                description=rng.choice(OBSERVATIONS).format(n=n),
                frequency="once",
                source="own",
                categories=["physical"] if kind == "fact" else ["behaviour"],
                items=["physical.bruises"] if kind == "fact" else [],
            )
            rows.add(s)
            signals.append(s)
            if kind == "story" and rng.random() < 0.5:
                rows.add(
                    SignalFollowUp(
                        case=case,
                        author=staff.ib,
                        recorded_at=at + datetime.timedelta(days=1),
                        signal=s,
                        outcome=rng.choice(["confirmed", "refuted"]),
                        outcome_on=timezone.localtime(at).date() + datetime.timedelta(days=1),
                        note="Nagevraagd bij de leerkracht.",
                    ),
                    counts=False,
                )

        def step(name, actor):
            from_state = plan["state"]
            plan["state"] = TARGETS[name]
            rows.add(
                Transition(
                    case=case,
                    actor=actor,
                    at=self.tick(plan, (1, 48)),
                    name=name,
                    from_state=from_state,
                    to_state=plan["state"],
                )
            )
            plan["last_transition"] = (name, rows.last)

        plan["state"] = CaseState.SIGNALLING
        start = rows.items
        signal(opener, plan["at"])
        rows.add(Transition(case=case, actor=opener, at=plan["at"], name="open", from_state="", to_state="signalling"))
        extra = plan["extra"]
        early = extra if not plan["path"] else rng.randint(0, extra)
        for _ in range(early):
            signal(rng.choice([opener, staff.ib]), self.tick(plan))
        extra -= early
        case.owner = opener
        today = lambda: timezone.localtime(plan["at"]).date()  # noqa: E731
        for name in plan["path"]:
            if name == "to_consulting":
                step(name, opener)
                case.owner = staff.ib
                kind = rng.choice(["colleague", "case_meeting", "vt_advice", "school_doctor"])
                c = Consultation(
                    case=case,
                    author=staff.ib,
                    recorded_at=self.tick(plan),
                    kind=kind,
                    sharing=SHARING[kind],
                    held_on=today(),
                    participants="IB'er, leerkracht",
                    question="Wat zien we en wat is de volgende stap?",
                    advice="Gesprek met de ouders voorbereiden en blijven signaleren.",
                )
                rows.add(c)
                for k in range(rng.randint(0, 2)):
                    rows.add(
                        ConsultationAction(consultation=c, who="IB'er", what=f"Actie {k + 1}", due_on=today()),
                        counts=False,
                    )
            elif name == "to_parent_talk":
                if plan["route"] == "C":
                    rows.add(
                        FlagAssessment(
                            case=case,
                            author=staff.ib,
                            recorded_at=self.tick(plan),
                            kind="group",
                            consent="unclear",
                            voluntariness="not_ok",
                            equality="not_ok",
                            development="ok",
                            context="not_ok",
                            self_respect="unclear",
                            flag=rng.choice(["yellow", "red"]),
                        )
                    )
                else:
                    rows.add(
                        Kindcheck(
                            case=case,
                            author=staff.ib,
                            recorded_at=self.tick(plan),
                            done_on=today(),
                            reason="De signalen gaan over een ouder.",
                            other_minors=rng.choice(["yes", "no", "unknown"]),
                            outcome="Geen andere minderjarigen in beeld.",
                        )
                    )
                rows.add(
                    Consultation(
                        case=case,
                        author=staff.ib,
                        recorded_at=self.tick(plan),
                        kind="colleague",
                        sharing=SHARING["colleague"],
                        held_on=today(),
                        participants="IB'er, aandachtsfunctionaris",
                        question="Is een gesprek met de ouders veilig?",
                        advice="Ja, met twee collega's.",
                    )
                )
                step(name, staff.ib)
            elif name == "to_weighing":
                conversation = ParentConversation(
                    case=case,
                    author=staff.ib,
                    recorded_at=self.tick(plan),
                    held_on=today(),
                    attendees="moeder, IB'er, leerkracht",
                    purpose_explained=True,
                    recognition=rng.choice(["yes", "partly", "no"]),
                    reaction="Moeder herkent een deel van de signalen.",
                    report="Verslag van het gesprek, gedeeld met de ouders.",
                )
                rows.add(conversation)
                for s in signals[-2:]:
                    rows.add(ConversationSignal(conversation=conversation, signal=s), counts=False)
                rows.add(
                    ConversationAcknowledgement(
                        case=case,
                        author=staff.ib,
                        recorded_at=self.tick(plan),
                        conversation=conversation,
                        shared_on=today(),
                        status="acknowledged",
                        responded_on=today(),
                        how="per brief getekend",
                    ),
                    counts=False,  # shown with its conversation, not as an item of its own
                )
                rows.add(
                    ParentView(
                        case=case,
                        author=staff.ib,
                        recorded_at=self.tick(plan),
                        conversation=conversation,
                        given_by="moeder",
                        given_on=today(),
                        text="Wij doen ons best en willen graag hulp.",
                    ),
                )
                step(name, staff.ib)
                case.owner = staff.af
            elif name in ("start_help", "report", "close_no_action"):
                answers = {
                    "start_help": [(1, "B"), (2, "no"), (3, "yes"), (4, "yes")],
                    "report": [(1, "B"), (2, "yes")],
                    "close_no_action": [(1, "A")],
                }[name]
                for question, answer in answers:
                    rows.add(
                        WeighingAnswer(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan, (1, 24)),
                            question=question,
                            answer=answer,
                            justification="Afgewogen op grond van de signalen en het gesprek.",
                            # Question 1 = B: the board must have been informed first (a database constraint).
                            board_informed_on=today() if (question, answer) == (1, "B") else None,
                        )
                    )
                if name == "start_help":
                    rows.add(
                        RiskAssessment(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan, (1, 24)),
                            risk_factors="Spanningen thuis.",
                            protective_factors="Betrokken grootouders.",
                        )
                    )
                    help_plan = HelpPlan(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        case_manager=staff.ib,
                        roles="IB'er is casemanager.",
                        measurable_result="Kind komt elke dag met ontbijt op school.",
                        evaluation_on=today() + datetime.timedelta(days=42),
                        parents_accept="yes",
                    )
                    rows.add(help_plan)
                    rows.add(
                        HelpTask(plan=help_plan, who="IB'er", what="Verwijzen naar het wijkteam", due_on=today()),
                        counts=False,
                    )
                    plan["help_plan"] = help_plan
                elif name == "report":
                    rows.add(
                        VeiligThuisReport(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan),
                            reported_at=plan["at"],
                            channel="phone",
                            relation_to_family="School van het kind.",
                            direct_cause="Nieuwe blauwe plekken.",
                            nature_frequency_severity="Herhaald, matig.",
                            parents_informed=True,
                            parents_informed_on=today(),
                            meldrecht_acknowledged=True,
                        )
                    )
                else:
                    rows.add(
                        Closure(
                            case=case,
                            author=staff.af,
                            recorded_at=self.tick(plan),
                            reason_code="no_action",
                            text="De zorgen zijn weggenomen.",
                            parents_told=True,
                        )
                    )
                step(name, staff.af)
            elif name == "start_evaluation":
                rows.add(
                    HelpEvaluation(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        plan=plan["help_plan"],
                        evaluated_on=today(),
                        result_reached=True,
                        findings="Het resultaat is bereikt.",
                    ),
                )
                step(name, staff.af)
            elif name == "to_vt_involved":
                rows.add(
                    VeiligThuisOutcome(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        assessed_on=today(),
                        decision=rng.choice(["investigation", "handover", "end"]),
                        conclusion="not_confirmed",
                    )
                )
                step(name, staff.af)
            elif name == "to_monitoring":
                agreement = MonitoringAgreement(
                    case=case,
                    author=staff.af,
                    recorded_at=self.tick(plan),
                    what="Welbevinden volgen",
                    who="leerkracht",
                    how_often="maandelijks",
                    until=today() + datetime.timedelta(days=180),
                )
                rows.add(agreement)
                rows.add(
                    MonitoringCheckIn(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        agreement=agreement,
                        held_on=today(),
                        findings="Het gaat beter.",
                    ),
                )
                step(name, staff.af)
            elif name == "close":
                rows.add(
                    Closure(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        reason_code="route_b_done" if plan["route"] == "B" else "help_completed",
                        text="Afgesloten.",
                        parents_told=True,
                    )
                )
                step(name, staff.af)
            elif name == "start_route_b":
                step(name, opener)
                case.owner = staff.af
                case.board_informed_on = today()
                rows.add(
                    BoardNotification(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan, (1, 12)),
                        informed_on=today(),
                        informed_whom="bestuurder",
                        how="telefonisch",
                    )
                )
            elif name == "inspector_consulted":
                rows.add(
                    InspectorConsultation(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        consulted_on=today(),
                        inspector="vertrouwensinspecteur",
                        advice="Aangifte doen.",
                        reasonable_suspicion=plan["path"][-1] != "no_police_report",
                    )
                )
                step(name, staff.af)
            elif name in ("police_report", "no_police_report"):
                rows.add(
                    PoliceDecision(
                        case=case,
                        author=staff.af,
                        recorded_at=self.tick(plan),
                        report_made=name == "police_report",
                        decided_on=today(),
                        explanation="Besloten na overleg met de vertrouwensinspecteur.",
                    )
                )
                step(name, staff.af)
            if extra and name != plan["path"][-1]:
                more = rng.randint(0, extra)
                for _ in range(more):
                    signal(rng.choice([opener, staff.ib]), self.tick(plan))
                extra -= more
        for _ in range(extra):  # the rest after the last step (signals keep coming after a report)
            signal(rng.choice([opener, staff.ib, staff.af]), self.tick(plan))
        if plan["state"] == CaseState.CLOSED:
            case.closed_at = plan["at"]
            case.retention_until = timezone.localtime(plan["at"]).date() + datetime.timedelta(days=730)
            case.closing_reason_code = "help_completed"
            case.closing_text = "Afgesloten."
            case.owner = None
        if plan.get("size"):  # a benchmark case: exactly this many chronology items
            while rows.items - start < plan["size"]:
                signal(rng.choice([opener, staff.ib, staff.af]), self.tick(plan, (1, 12)))
        # A hand-over that is still waiting leaves an unread notification for the receiving role.
        last = plan.get("last_transition")
        if last and plan["state"] in (CaseState.CONSULTING, CaseState.WEIGHING) and last[0] in HANDOVER_KINDS:
            receiver = staff.ib if last[0] == "to_consulting" else staff.af
            rows.notifications.append(
                Notification(user=receiver, case=case, transition=last[1], kind=HANDOVER_KINDS[last[0]])
            )
