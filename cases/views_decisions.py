"""Views for steps 4-5 and route B: the guided weighing, and the records that move a case on (a report to Veilig
Thuis, a help plan, an evaluation, monitoring, closing, the staff route). Each record that enables a step change is
stored together with that change, in one service call; if the change is refused, nothing is stored."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import forms, selectors, services, visibility, workflow
from cases import permissions as perms
from cases.models import CaseState, ConsultationAction, HelpTask, TaskDone
from schools import selectors as school_selectors

Q2_DEFINITIONS = _(
    "Acute unsafety: there is direct physical danger, and safety is not assured for the coming days; a disclosure "
    "by the child counts as acute. Structural unsafety: the unsafety is repeated or ongoing. Doubt counts as yes: "
    "then report to Veilig Thuis at once, by phone."
)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def weighing(request, pk: int):
    """Step 4: the five weighing questions, one after another, following the decision tree."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.WEIGH)
    position = case.weighing_position()
    question = position.next_question if case.state == CaseState.WEIGHING and position.next_question != 5 else None
    form = forms.WeighingAnswerForm(request.POST or None, question=question) if question else None
    if request.method == "POST":
        if form is None:
            messages.warning(request, gettext("There is no weighing question to answer now."))
            return redirect("cases:weighing", pk=case.pk)
        if form.is_valid():
            try:
                services.weighing_answer_record(user=request.user, case=case, answer=form.save(commit=False))
            except services.NotNowError as exc:
                messages.warning(request, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, gettext("The answer is recorded."))
                return redirect("cases:weighing", pk=case.pk)
    return render(
        request,
        "cases/weighing.html",
        {
            "case": case,
            "form": form,
            "question": question,
            "answers": selectors.weighing_round(case=case),
            "outcome": position.outcome,
            "q2_definitions": Q2_DEFINITIONS,
            "title": _("Weighing"),
        },
    )


@dataclass
class Action:
    """A record that moves the case on: its form, who may make it, and the service that stores it and fires the step
    change. The steps in which it can be made are those that offer it (``cases.workflow``)."""

    form_class: type
    permission: str
    title: str
    service: Callable
    form_kwargs: Callable = field(default=lambda case, user: {})
    tasks: bool = False
    intro: str = ""


def _partners(case, user):
    """The case's school's social map: records that name a partner pick it from there."""
    return {"partners": school_selectors.social_map_for_school(school=case.school)}


def _help_managers(case, user):
    return {"case_managers": selectors.case_manager_candidates(case=case)}


ACTIONS: dict[str, Action] = {
    "close": Action(
        forms.ClosureForm,
        perms.DECIDE,
        _("Close the case"),
        lambda user, case, entry, state, tasks: services.case_close(
            user=user, case=case, closure=entry, expected_state=state
        ),
    ),
    "report": Action(
        forms.VeiligThuisReportForm,
        perms.DECIDE,
        _("Report to Veilig Thuis"),
        lambda user, case, entry, state, tasks: services.case_report(
            user=user, case=case, report=entry, expected_state=state
        ),
        form_kwargs=_partners,
        intro=_(
            "Veilig Thuis: 0800-2000 (free, day and night). A professional reporter is always known to Veilig "
            "Thuis; you can only ask for anonymity towards the family."
        ),
    ),
    "emergency": Action(
        forms.EmergencyReportForm,
        perms.EMERGENCY_REPORT,
        _("Emergency report to Veilig Thuis"),
        lambda user, case, entry, state, tasks: services.case_emergency_report(
            user=user, case=case, report=entry, expected_state=state
        ),
        form_kwargs=_partners,
        intro=_(
            "Is a child in direct danger? Call 112 first. Then report to Veilig Thuis at once by phone: "
            "0800-2000. Record the report here afterwards; question 2 is recorded as 'yes (acute)'."
        ),
    ),
    "help": Action(
        forms.HelpPlanForm,
        perms.DECIDE,
        _("Start the help"),
        lambda user, case, entry, state, tasks: services.help_plan_start(
            user=user, case=case, plan=entry, tasks=tasks, expected_state=state
        ),
        form_kwargs=_help_managers,
        tasks=True,
    ),
    "evaluation": Action(
        forms.HelpEvaluationForm,
        perms.DECIDE,
        _("Evaluate the help"),
        lambda user, case, entry, state, tasks: services.help_evaluate(
            user=user, case=case, evaluation=entry, expected_state=state
        ),
        form_kwargs=lambda case, user: {"plans": selectors.case_help_plans(case=case)},
    ),
    "monitoring": Action(
        forms.MonitoringAgreementForm,
        perms.DECIDE,
        _("Monitoring agreements"),
        lambda user, case, entry, state, tasks: services.monitoring_start(
            user=user, case=case, agreement=entry, expected_state=state
        ),
    ),
    "vt-outcome": Action(
        forms.VeiligThuisOutcomeForm,
        perms.DECIDE,
        _("Decision and conclusion of Veilig Thuis"),
        lambda user, case, entry, state, tasks: services.vt_outcome_record(
            user=user, case=case, outcome=entry, expected_state=state
        ),
        form_kwargs=_partners,
    ),
    "inspector": Action(
        forms.InspectorConsultationForm,
        perms.ROUTE_B,
        _("Consultation of the confidential inspector"),
        lambda user, case, entry, state, tasks: services.route_b_inspector_consulted(
            user=user, case=case, consultation=entry, expected_state=state
        ),
        form_kwargs=_partners,
        intro=_(
            "The board consults the confidential inspector of the Inspectorate of Education. On a reasonable "
            "suspicion of a sexual offence the board must report to the police (aangifteplicht)."
        ),
    ),
    "police": Action(
        forms.PoliceDecisionForm,
        perms.ROUTE_B,
        _("Police report"),
        lambda user, case, entry, state, tasks: services.route_b_police_decision(
            user=user, case=case, decision_record=entry, expected_state=state
        ),
        intro=_("The parents and the accused are told before the police report is made."),
    ),
}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    config = ACTIONS[action]
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=config.permission)
    extra = {
        **config.form_kwargs(case, request.user),
        "case": case,
        "readable": selectors.readable_records(visibility.reader_for(request.user, case)),
    }
    form = config.form_class(request.POST or None, **extra)
    state_form = forms.ExpectedStateForm(request.POST or None, initial={"expected_state": case.state})
    tasks = forms.HelpTaskFormSet(request.POST or None, prefix="taken") if config.tasks else None
    not_now = case.state not in workflow.OFFERED_IN.get(action, ())
    if request.method == "POST" and not not_now:
        valid = form.is_valid() & state_form.is_valid() & (tasks is None or tasks.is_valid())
        if valid:
            try:
                config.service(
                    request.user,
                    case,
                    form.save(commit=False),
                    state_form.cleaned_data["expected_state"],
                    [f.cleaned_data for f in tasks] if tasks is not None else [],
                )
            except (services.CaseChangedError, services.NotNowError, services.CaseClosedError) as exc:
                messages.warning(request, str(exc))
                return redirect("cases:case-detail", pk=case.pk)
            except services.TransitionBlockedError as exc:
                for reason in exc.reasons:
                    form.add_error(None, reason)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, gettext("Recorded; the case has moved on."))
                return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/action_form.html",
        {
            "case": case,
            "form": form,
            "state_form": state_form,
            "tasks": tasks,
            "not_now": not_now,
            "intro": config.intro,
            "title": config.title,
        },
    )


@require_POST
@login_required
def task_done(request, pk: int, kind: str, task_id: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk)
    if kind == "hulpplan":
        task = get_object_or_404(HelpTask, pk=task_id, plan__case=case)
        done = TaskDone(help_task=task)
    elif kind == "consultatie":
        task = get_object_or_404(ConsultationAction, pk=task_id, consultation__case=case)
        done = TaskDone(consultation_action=task)
    else:
        raise Http404
    try:
        services.task_done_record(user=request.user, case=case, done=done)
    except (ValidationError, services.CaseClosedError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, gettext("The task is marked done."))
    return redirect("cases:case-detail", pk=case.pk)


@dataclass(frozen=True)
class Link:
    """A page that a step offers on the case page besides ``ACTIONS`` (``cases.workflow``): who may use it, its URL
    name and its words. ``unless``: not offered to whoever holds that permission."""

    permission: str
    url_name: str
    label: str
    unless: str | None = None


LINKS: dict[str, Link] = {
    "weighing": Link(perms.WEIGH, "cases:weighing", _("Weigh the suspicion (five questions)")),
    "risk": Link(perms.WEIGH, "cases:risk-add", _("Record risk and protective factors")),
    "flag": Link(perms.CONSULT, "cases:flag-add", _("Vlaggensysteem assessment")),
    "checkin": Link(perms.DECIDE, "cases:checkin-add", _("Record a monitoring check-in")),
    "childconversation": Link(
        perms.TALK_PARENTS, "cases:childconversation-add", _("Record a conversation with the child")
    ),
    "involvement": Link(perms.CONSULT, "cases:involvement-add", _("Record a pupil involved and their part")),
    "lookback": Link(perms.CONSULT, "cases:lookback-add", _("Look back at an earlier case")),
    "board": Link(perms.ROUTE_B, "cases:board-add", _("Record that the board was informed")),
    # Who may make the emergency report makes it rather than propose it.
    "emergency-proposal": Link(
        perms.PROPOSE_EMERGENCY,
        "cases:emergency-proposal-add",
        _("Propose an emergency report"),
        unless=perms.EMERGENCY_REPORT,
    ),
}


def next_actions(*, user, case) -> list[dict]:
    """The records this user can make now to move the case on, for the case page (links to the forms above): what
    the case's step offers (``cases.workflow``), in its order, that the user has permission for."""
    links = []
    can = {
        p: perms.can(user, p, case)
        for p in (
            perms.WEIGH,
            perms.DECIDE,
            perms.EMERGENCY_REPORT,
            perms.PROPOSE_EMERGENCY,
            perms.ROUTE_B,
            perms.CONSULT,
            perms.TALK_PARENTS,
        )
    }
    outcome = None  # where the weighing so far leads; read once, when an offer depends on it
    outcome_read = False
    for offer in workflow.STATES[case.state].offers:
        if offer.key in ACTIONS:
            action = ACTIONS[offer.key]
            link = Link(action.permission, "cases:case-action", action.title)
            kwargs = {"pk": case.pk, "action": offer.key}
        else:
            link = LINKS[offer.key]
            kwargs = {"pk": case.pk}
        if not can[link.permission] or (link.unless is not None and can[link.unless]):
            continue
        if offer.routes and case.route not in offer.routes:
            continue
        if offer.when is not None:
            if not outcome_read:
                outcome, outcome_read = case.weighing_position().outcome, True
            if outcome != offer.when:
                continue
        links.append({"url": reverse(link.url_name, kwargs=kwargs), "label": link.label, "key": offer.key})
    return links
