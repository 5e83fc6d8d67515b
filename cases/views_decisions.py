"""Views for steps 4-5 and route B: the guided weighing, and the records that move a case on (a report to Veilig
Thuis, a help plan, an evaluation, monitoring, closing, the staff route). Each record that enables a step change is
stored together with that change, in one service call; if the change is refused, nothing is stored."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import forms, selectors, services, visibility, workflow
from cases import permissions as perms
from cases.models import CaseState, ConsultationAction, HelpPlan, HelpTask, TaskDone, WeighingAnswer
from cases.querystring import id_or_404
from schools import selectors as school_selectors

Q2_DEFINITIONS = _(
    "Acute unsafety: there is direct physical danger, and safety is not assured for the coming days; a disclosure "
    "by the child counts as acute. Structural unsafety: the unsafety is repeated or ongoing. Doubt counts as yes: "
    "then report to Veilig Thuis at once, by phone."
)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def weighing(request, pk: int):
    """Step 4: the five weighing questions, one after another, following the decision tree. With ``?corrigeert=<id>``:
    a correction of an answer of the current round (a new answer with its reason; the earlier one stays)."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.WEIGH)
    corrects_id = request.GET.get("corrigeert") or request.POST.get("corrigeert")
    corrects = get_object_or_404(WeighingAnswer, pk=id_or_404(corrects_id), case=case) if corrects_id else None
    if corrects is not None and case.state != CaseState.WEIGHING:
        messages.warning(
            request, gettext("An answer of the weighing can be corrected only while the case is in step 4.")
        )
        return redirect("cases:weighing", pk=case.pk)
    answers = selectors.weighing_round(case=case)
    if corrects is not None and not any(a.pk == corrects.pk and a.corrected_by is None for a in answers):
        corrects = None  # not an answer of this round, or corrected already: the service says why on a POST
        if request.method == "POST":
            messages.warning(request, gettext("Only the newest answer of the current weighing round can be corrected."))
            return redirect("cases:weighing", pk=case.pk)
    position = case.weighing_position()
    if corrects is not None:
        question = corrects.question
        form = forms.WeighingCorrectionForm(request.POST or None, question=question, corrects=corrects)
    else:
        question = position.next_question if case.state == CaseState.WEIGHING and position.next_question != 5 else None
        form = forms.WeighingAnswerForm(request.POST or None, question=question) if question else None
    if request.method == "POST":
        if form is None:
            messages.warning(request, gettext("There is no weighing question to answer now."))
            return redirect("cases:weighing", pk=case.pk)
        if form.is_valid():
            try:
                with services.submission_once(user=request.user, token=form.cleaned_data["submission"], case=case):
                    if corrects is not None:
                        services.weighing_answer_correct(
                            user=request.user, case=case, corrects=corrects, answer=form.save(commit=False)
                        )
                    else:
                        services.weighing_answer_record(user=request.user, case=case, answer=form.save(commit=False))
            except services.AlreadySubmittedError as exc:
                messages.info(request, str(exc))
                return redirect("cases:weighing", pk=case.pk)
            except services.NotNowError as exc:
                messages.warning(request, str(exc))
                return redirect("cases:weighing", pk=case.pk)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if corrects is not None:
                    messages.success(request, gettext("The correction is recorded; the earlier answer stays."))
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
            "corrects": corrects,
            "answers": answers,
            "can_correct": case.state == CaseState.WEIGHING,
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
    # A record whose outcome cannot be undone (a report, closing): a confirmation page first, saying what will happen.
    confirm: Callable | None = None
    # What is stored with the record besides the form's model fields (the parents told before a report).
    related: Callable = field(default=lambda form: [])


def _partners(case, user):
    """The case's school's social map: records that name a partner pick it from there."""
    return {"partners": school_selectors.social_map_for_school(school=case.school)}


def _report_form(case, user):
    """A report's form: the social map, whether it is an additional report (the case has reported before) and the
    parents with parental authority who can be told beforehand."""
    return {
        **_partners(case, user),
        "again": case.veiligthuisreports.exists(),
        "guardians": selectors.case_guardians(case=case).filter(has_parental_authority=True),
    }


def _informed(form):
    return list(form.cleaned_data.get("informed_guardians") or [])


def _help_managers(case, user):
    return {"case_managers": selectors.case_manager_candidates(case=case)}


def _summary(form) -> list[tuple[str, str]]:
    """What was filled in, as label and value in words, for the confirmation page."""
    rows = []
    for name, form_field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (value is False and name != "parents_informed"):
            continue
        if isinstance(value, bool):
            shown = gettext("yes") if value else gettext("no")
        elif isinstance(form_field, djforms.ModelMultipleChoiceField):
            shown = ", ".join(str(form_field.label_from_instance(v)) for v in value)
        elif isinstance(form_field, djforms.ModelChoiceField):
            shown = str(form_field.label_from_instance(value))
        elif isinstance(value, str) and getattr(form_field, "choices", None):
            shown = str(dict(form_field.choices).get(value, value))
        elif hasattr(value, "strftime"):
            shown = formats.date_format(value, "j F Y H:i" if hasattr(value, "hour") else "j F Y")
        else:
            shown = str(value)
        rows.append((str(form_field.label), shown))
    return rows


def _confirm_report(case, form) -> list[str]:
    lines = [
        gettext(
            "The report is stored in the chronology with your name and the moment. It cannot be undone or deleted: "
            "a mistake can only be corrected with a new record."
        ),
        gettext("The case moves to the step 'reported to Veilig Thuis'; Veilig Thuis decides within 5 working days."),
    ]
    data = form.cleaned_data
    if data.get("parents_informed"):
        told = data.get("informed_guardians") or []
        if told:
            lines.append(gettext("Told beforehand: %(names)s.") % {"names": ", ".join(g.name for g in told)})
    else:
        lines.append(gettext("The parents were not told beforehand; the reason is recorded."))
    if form.__class__ is forms.EmergencyReportForm:
        lines.append(gettext("Question 2 of the weighing is recorded as 'yes (acute)'."))
    return lines


def _confirm_close(case, form) -> list[str]:
    code = form.cleaned_data.get("reason_code")
    return [
        gettext(
            "The case is closed: afterwards it can only be read. Only a new signal reopens it. This cannot be undone."
        ),
        gettext("Closing reason: %(reason)s.") % {"reason": dict(form.fields["reason_code"].choices).get(code, code)},
        gettext("The file is kept until the end of its retention term, then destroyed."),
    ]


ACTIONS: dict[str, Action] = {
    "close": Action(
        forms.ClosureForm,
        perms.DECIDE,
        _("Close the case"),
        lambda user, case, entry, state, tasks: services.case_close(
            user=user, case=case, closure=entry, expected_state=state
        ),
        confirm=_confirm_close,
    ),
    "report": Action(
        forms.VeiligThuisReportForm,
        perms.DECIDE,
        _("Report to Veilig Thuis"),
        lambda user, case, entry, state, informed: services.case_report(
            user=user, case=case, report=entry, expected_state=state, informed=informed
        ),
        form_kwargs=_report_form,
        related=_informed,
        confirm=_confirm_report,
        intro=_(
            "Veilig Thuis: 0800-2000 (free, day and night). A professional reporter is always known to Veilig "
            "Thuis; you can only ask for anonymity towards the family."
        ),
    ),
    "report-again": Action(
        forms.VeiligThuisReportForm,
        perms.DECIDE,
        _("Additional report to Veilig Thuis"),
        lambda user, case, entry, state, informed: services.case_report_again(
            user=user, case=case, report=entry, expected_state=state, informed=informed
        ),
        form_kwargs=lambda case, user: {**_report_form(case, user), "again": True},
        related=_informed,
        confirm=_confirm_report,
        intro=_(
            "The school keeps signalling while Veilig Thuis is involved. Report again when new signals come: say "
            "what is new since the previous report. Veilig Thuis weighs the report again. In direct danger, make an "
            "emergency report instead."
        ),
    ),
    "emergency": Action(
        forms.EmergencyReportForm,
        perms.EMERGENCY_REPORT,
        _("Emergency report to Veilig Thuis"),
        lambda user, case, entry, state, informed: services.case_emergency_report(
            user=user, case=case, report=entry, expected_state=state, informed=informed
        ),
        form_kwargs=_report_form,
        related=_informed,
        confirm=_confirm_report,
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
            "The board consults the confidential inspector of the Inspectorate of Education, the same or the next "
            "working day. On a reasonable suspicion of a sexual offence, physical violence or another crime by a "
            "member of staff against a pupil the board must report to the police (aangifteplicht, WPO art. 4a)."
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


# The pages on which a report to Veilig Thuis is made explain the beroepsgeheim and the meldrecht
# (``templates/cases/_meldrecht.html``; issue 17 item 10).
MELDRECHT_ACTIONS = frozenset({"report", "emergency"})


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
        if valid and state_form.cleaned_data["expected_state"] != case.state:
            messages.warning(request, str(services.CaseChangedError()))
            return redirect("cases:case-detail", pk=case.pk)
        if valid and config.confirm is not None and "bevestigd" not in request.POST and "terug" not in request.POST:
            # Step one of two: what will happen, and what was filled in; the data travels along in hidden fields.
            return render(
                request,
                "cases/action_confirm.html",
                {
                    "case": case,
                    "title": config.title,
                    "consequences": config.confirm(case, form),
                    "summary": _summary(form),
                    "carried": [
                        (k, v) for k in request.POST if k != "csrfmiddlewaretoken" for v in request.POST.getlist(k)
                    ],
                },
            )
        if "terug" in request.POST:
            valid = False  # back to the form, with everything filled in kept
        if valid:
            try:
                with services.submission_once(user=request.user, token=form.cleaned_data["submission"], case=case):
                    config.service(
                        request.user,
                        case,
                        form.save(commit=False),
                        state_form.cleaned_data["expected_state"],
                        [f.cleaned_data for f in tasks] if tasks is not None else config.related(form),
                    )
            except services.AlreadySubmittedError as exc:
                messages.info(request, str(exc))
                return redirect("cases:case-detail", pk=case.pk)
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
    return _action_form(
        request, case, form, state_form, tasks, not_now, config.title, config.intro, action in MELDRECHT_ACTIONS
    )


def _action_form(request, case, form, state_form, tasks, not_now: bool, title, intro, meldrecht: bool = False):
    """The page of a form that moves the case on or corrects a decision (``templates/cases/action_form.html``)."""
    return render(
        request,
        "cases/action_form.html",
        {
            "case": case,
            "form": form,
            "state_form": state_form,
            "tasks": tasks,
            "not_now": not_now,
            "intro": intro,
            "meldrecht": meldrecht,
            "title": title,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def help_plan_correct(request, pk: int, plan_id: int):
    """A corrected version of the help plan while the help runs, with the reason; the earlier version stays (and its
    tasks). The form starts with the earlier version's values."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.DECIDE)
    corrects = get_object_or_404(HelpPlan, pk=plan_id, case=case)
    extra = {**_help_managers(case, request.user), "case": case}
    if request.method == "POST":
        form = forms.HelpPlanCorrectionForm(request.POST, instance=HelpPlan(corrects=corrects), **extra)
    else:
        form = forms.HelpPlanCorrectionForm(instance=corrects, **extra)
        form.instance = HelpPlan(corrects=corrects)  # a new record, prefilled from the earlier version
        form.initial["correction_reason"] = ""  # the reason of this correction, not of an earlier one
    state_form = forms.ExpectedStateForm(request.POST or None, initial={"expected_state": case.state})
    tasks = forms.HelpTaskFormSet(request.POST or None, prefix="taken")
    not_now = case.state != CaseState.HELP or HelpPlan.objects.filter(corrects=corrects).exists()
    if request.method == "POST" and not not_now and form.is_valid() & tasks.is_valid():
        try:
            services.help_plan_correct(
                user=request.user,
                case=case,
                corrects=corrects,
                plan=form.save(commit=False),
                tasks=[f.cleaned_data for f in tasks],
            )
        except services.NotNowError as exc:
            messages.warning(request, str(exc))
            return redirect("cases:case-detail", pk=case.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, gettext("The correction of the help plan is recorded; the earlier version stays.")
            )
            return redirect("cases:case-detail", pk=case.pk)
    intro = _(
        "Correct what is wrong in the help plan and say why. The earlier version stays in the file, marked as "
        "corrected, with its tasks; tasks you add here are added to the new version. Do the parents no longer accept "
        "the help? Then evaluate the help now, with that reason."
    )
    return _action_form(request, case, form, state_form, tasks, not_now, _("Correct the help plan"), intro)


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
    "suspect": Link(perms.ROUTE_B, "cases:suspect-add", _("Name a suspected member of staff")),
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
    # "The signals continue" at the last check-in during monitoring leads to reporting again (domain.md §9.4).
    if case.state == CaseState.MONITORING:
        last = case.monitoringcheckins.order_by("-recorded_at", "-pk").first()
        if last is not None and last.signals_continue:
            for link in links:
                if link["key"] == "report":
                    link["label"] = gettext("The signals continue: report to Veilig Thuis again")
                    links.remove(link)
                    links.insert(0, link)
                    break
    return links
