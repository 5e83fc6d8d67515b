"""The guards of a case's transitions (domain.md §3-§4): each ``blockers_<transition>`` returns the reasons (in
Dutch, translated) why that transition cannot happen yet, and an empty list when it can. The state machine's
conditions and the services ask them; the case page shows the reasons. Guards of steps 4-5 read the current weighing
round (``cases.decision``)."""

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import decision
from cases.models.choices import CaseState, Route, SignalKind

# What may be handed over for consultation on its own (domain.md §9.2): a factual observation, or the child's own
# words written down verbatim by the one who heard them (the child told them, or they heard it themselves). The
# child's words as passed on by a colleague, a parent or a third party are a story, like any other hearsay.
FACTUAL_BASIS = Q(kind=SignalKind.FACT) | Q(kind=SignalKind.CHILD_WORDS, source__in=("own", "child"))


class CaseGuards:
    """Mixed into ``Case``: the guards, and the reads of the weighing round they need."""

    # --- Steps 1-3 ---------------------------------------------------------------------------------------------
    def blockers_to_consulting(self) -> list[str]:
        if not self.signals.filter(FACTUAL_BASIS, corrections__isnull=True).exists():
            return [str(_("Record at least one factual observation, or the child's own words verbatim, first."))]
        return []

    def blockers_to_parent_talk(self) -> list[str]:
        if not self.consultations.exists():
            return [str(_("Record at least one consultation first."))]
        return []

    def blockers_to_weighing(self) -> list[str]:
        if self.parentconversations.exclude(report__regex=r"^\s*$").exists():
            return []
        return [str(_("Record a conversation with the parents with its report, or a confirmed reason to skip it."))]

    def blockers_skip_to_weighing(self) -> list[str]:
        if self.parenttalkskips.filter(confirmations__isnull=False).exists():
            return []
        return [
            str(_("A reason to skip the conversation must be recorded and confirmed by the aandachtsfunctionaris."))
        ]

    # --- Steps 4-5 (domain.md §4). Guards read the current weighing round (``cases.decision``). -------------
    def weighing_round_start(self):
        return self.transitions.filter(to_state=CaseState.WEIGHING).order_by("-at").values_list("at", flat=True).first()

    def _since_round(self, queryset):
        start = self.weighing_round_start()
        return queryset.filter(recorded_at__gte=start) if start else queryset

    def weighing_answers(self) -> dict[int, str]:
        """The answer that counts per question in the current weighing round: the latest one that has not been
        corrected (a correction replaces the answer it corrects; both stay in the file)."""
        answers: dict[int, str] = {}
        rows = self._since_round(self.weighinganswers.filter(corrections__isnull=True)).order_by("recorded_at", "pk")
        for question, answer in rows.values_list("question", "answer"):
            answers[question] = answer
        return answers

    def weighing_position(self):
        return decision.position(self.weighing_answers())

    def open_tasks_exist(self) -> bool:
        # By name: the tasks' modules import this one.
        HelpTask = apps.get_model("cases", "HelpTask")
        ConsultationAction = apps.get_model("cases", "ConsultationAction")
        return (
            HelpTask.objects.filter(plan__case=self, done__isnull=True).exists()
            or ConsultationAction.objects.filter(consultation__case=self, done__isnull=True).exists()
        )

    def blockers_route_c(self) -> list[str]:
        """Route C (behaviour between pupils) is weighed with the vlaggensysteem: an assessment is required before
        the weighing's outcome (closing, a report or help; not an emergency report)."""
        if self.route == Route.C and self.state == CaseState.WEIGHING and not self.flagassessments.exists():
            return [str(_("Route C: record a vlaggensysteem assessment before the weighing's outcome."))]
        return []

    def blockers_close_no_action(self) -> list[str]:
        reasons = self.blockers_route_c()
        if self.weighing_position().outcome != decision.CLOSE:
            reasons.append(str(_("Only when question 1 is answered with A can the case be closed without action.")))
        closure = self._since_round(self.closures.all()).order_by("-recorded_at", "-pk").first()
        if closure is None:
            reasons.append(str(_("Record the closing explanation.")))
        else:
            reasons += self._closing_reason_blockers(closure.reason_code)
        return reasons

    # --- Closing reasons that fit the path (issue 17, finding 8) ------------------------------------------------
    def _latest_vt_outcome(self):
        return self.veiligthuisoutcomes.order_by("-recorded_at", "-pk").first()

    def closing_reason_refusal(self, code: str) -> str | None:
        """Why ``code`` (a ``Closure.ReasonCode``) does not fit the way this case came to closing, in Dutch; None
        when it fits. In the weighing (question 1 = A) the only reason is "no action needed"; "help completed" only
        after help that reached its result; the reasons about Veilig Thuis only after its decision or conclusion;
        the staff route's reason only on route B, and the reasons of routes A and C never there."""
        Closure = apps.get_model("cases", "Closure")
        Reason = Closure.ReasonCode
        VeiligThuisOutcome = apps.get_model("cases", "VeiligThuisOutcome")
        if code not in Reason.values:
            return str(_("Choose a closing reason."))
        if self.state == CaseState.WEIGHING:
            if code != Reason.NO_ACTION:
                return str(
                    _(
                        "After question 1 = A the case is closed as 'no action needed (question 1 = A)': no help, "
                        "report or staff route has taken place."
                    )
                )
            return None
        if code == Reason.NO_ACTION:
            return str(_("'No action needed' is only possible in the weighing, when question 1 is answered with A."))
        if code in (Reason.PUPIL_LEFT, Reason.OTHER):
            return None
        if self.route == Route.B:
            if code != Reason.ROUTE_B_DONE:
                return str(_("On the staff route (route B) the reason is 'staff route completed', or another one."))
            return None
        if code == Reason.ROUTE_B_DONE:
            return str(_("'Staff route completed' is only for a case on the staff route (route B)."))
        if code == Reason.HELP_COMPLETED:
            if not self.helpevaluations.filter(result_reached=True).exists():
                return str(
                    _("'Help completed' is only possible after help that reached its agreed result (question 5 = yes).")
                )
            return None
        outcome = self._latest_vt_outcome()
        if code == Reason.VT_TOOK_OVER:
            if outcome is None or outcome.decision == VeiligThuisOutcome.Decision.END:
                return str(
                    _(
                        "'Veilig Thuis took over' is only possible when Veilig Thuis decided to stay involved "
                        "(its decision is recorded, and it is not the end of its involvement)."
                    )
                )
            return None
        if code == Reason.REFUTED:
            if outcome is None or outcome.conclusion != VeiligThuisOutcome.Conclusion.REFUTED:
                return str(_("'Refuted' is only possible when Veilig Thuis concluded that the suspicion is refuted."))
            return None
        if code == Reason.NOT_CONFIRMED:
            if outcome is None or outcome.conclusion != VeiligThuisOutcome.Conclusion.NOT_CONFIRMED:
                return str(
                    _(
                        "'Not confirmed' is only possible when Veilig Thuis concluded that the suspicion is not "
                        "confirmed."
                    )
                )
            return None
        return None

    def closing_reasons(self) -> list[str]:
        """The closing reasons that fit this case now (``closing_reason_refusal``)."""
        Closure = apps.get_model("cases", "Closure")
        return [code for code in Closure.ReasonCode.values if self.closing_reason_refusal(code) is None]

    def _closing_reason_blockers(self, code: str) -> list[str]:
        refusal = self.closing_reason_refusal(code)
        return [refusal] if refusal else []

    def blockers_report(self) -> list[str]:
        reasons = self.blockers_route_c()
        position = self.weighing_position()
        if self.state != CaseState.MONITORING and position.outcome != decision.REPORT:
            reasons.append(
                str(
                    _(
                        "A report follows from the weighing questions: question 1 = B, and then question 2 = yes or "
                        "doubt, or question 3, 4 or 5 = no. Outside that, only an emergency report is possible."
                    )
                )
            )
        if not self._since_round(self.veiligthuisreports.all()).exists():
            reasons.append(str(_("Record the report to Veilig Thuis.")))
        return reasons

    def blockers_emergency_report(self) -> list[str]:
        if not self.veiligthuisreports.filter(emergency=True, recorded_at__gte=self._state_since()).exists():
            return [str(_("Record the emergency report with its justification."))]
        return []

    def blockers_report_again(self) -> list[str]:
        reports = self.veiligthuisreports.filter(
            emergency=False, additional=True, recorded_at__gte=self._state_since()
        ).exclude(what_is_new__regex=r"^\s*$")
        if not reports.exists():
            return [str(_("Record the additional report to Veilig Thuis, with what is new since the previous report."))]
        return []

    def _state_since(self):
        # A page that has read it already says so (``state_since``: the case page, the lists of cases waiting).
        since = getattr(self, "state_since", None)
        if since is None:
            since = self.transitions.order_by("-at").values_list("at", flat=True).first()
        return since or self.opened_at

    def blockers_start_help(self) -> list[str]:
        reasons = self.blockers_route_c()
        if self.weighing_position().outcome != decision.HELP:
            reasons.append(str(_("A help plan starts only when question 4 is answered with yes.")))
        plan = self._since_round(self.helpplans.all()).order_by("-recorded_at").first()
        if plan is None:
            reasons.append(str(_("Record the help plan.")))
        elif not plan.tasks.exists():
            reasons.append(str(_("The help plan needs at least one task.")))
        return reasons

    def blockers_start_evaluation(self) -> list[str]:
        if not self._since_round(self.helpevaluations.all()).exists():
            return [str(_("Record the evaluation of the help."))]
        return []

    def blockers_to_monitoring(self) -> list[str]:
        reasons = []
        if self.state == CaseState.EVALUATING and self.weighing_position().outcome != decision.MONITORING:
            reasons.append(str(_("Monitoring follows when the help reached its result (question 5 = yes).")))
        if not self.monitoringagreements.filter(recorded_at__gte=self._state_since()).exists():
            reasons.append(str(_("Record the monitoring agreements.")))
        return reasons

    def blockers_to_vt_involved(self) -> list[str]:
        if not self.veiligthuisoutcomes.filter(recorded_at__gte=self._state_since()).exists():
            return [str(_("Record the decision of Veilig Thuis."))]
        return []

    def blockers_close(self) -> list[str]:
        reasons = []
        if self.open_tasks_exist():
            reasons.append(str(_("There are open tasks: mark them done first.")))
        closure = self.closures.filter(recorded_at__gte=self._state_since()).order_by("-recorded_at", "-pk").first()
        if closure is None:
            reasons.append(str(_("Record the closing reason and explanation.")))
        else:
            reasons += self._closing_reason_blockers(closure.reason_code)
        return reasons

    def blockers_reopen(self) -> list[str]:
        if not (self.closed_at and self.signals.filter(recorded_at__gt=self.closed_at).exists()):
            return [str(_("A closed case is reopened by a new signal."))]
        return []

    def blockers_back_to_weighing(self) -> list[str]:
        return self.blockers_reopen_from(self._state_since())

    def blockers_reopen_from(self, since) -> list[str]:
        if not self.signals.filter(recorded_at__gt=since).exists():
            return [str(_("A new signal sends the case back to weighing."))]
        return []

    def blockers_inspector_consulted(self) -> list[str]:
        reasons = []
        if not self.boardnotifications.exists():
            reasons.append(str(_("Record when the board was informed.")))
        if not self.inspectorconsultations.exists():
            reasons.append(str(_("Record the consultation of the confidential inspector.")))
        return reasons

    def _police_decision(self):
        return self.policedecisions.order_by("-recorded_at", "-pk").first()

    def blockers_police_report(self) -> list[str]:
        decision_ = self._police_decision()
        if decision_ is None or not decision_.report_made:
            return [str(_("Record the police report."))]
        return []

    def blockers_no_police_report(self) -> list[str]:
        decision_ = self._police_decision()
        if decision_ is None or decision_.report_made:
            return [str(_("Record the decision not to report to the police, with its explanation."))]
        if self.inspectorconsultations.filter(reasonable_suspicion=True).exists():
            return [
                str(
                    _(
                        "There is a reasonable suspicion of a crime by staff against a pupil: the board must report "
                        "to the police (aangifteplicht)."
                    )
                )
            ]
        return []
