"""Views: authenticate, fetch through the permission-aware selector, validate a form, call one service, respond.
Not visible → 404; visible but not allowed → 403."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import (
    alerts,
    deadlines,
    forms,
    fragments,
    records,
    selectors,
    services,
    steps,
    urgency,
    visibility,
    writing_help,
)
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    Alert,
    AuditEvent,
    CaseState,
    Notification,
    ParentTalkSkip,
    Route,
    Signal,
    SignalFollowUp,
)
from cases.querystring import id_or_404
from cases.views_decisions import next_actions
from schools.models import Role, School


@require_safe
@login_required
def home(request):
    """Send the user to the start page of their role; offer a choice when they hold several."""
    memberships = selectors.membership_list_for_user(user=request.user)
    if len(memberships) == 1:
        m = memberships[0]
        return redirect("start", school_id=m.school_id, role=m.role)
    return render(request, "cases/home.html", {"memberships": memberships, "title": _("Choose your role")})


START_TEMPLATES = {
    Role.TEACHER: "cases/start_teacher.html",
    Role.CONTACT_PERSON: "cases/start_contact_person.html",
    Role.IB: "cases/start_ib.html",
    Role.AF: "cases/start_af.html",
    Role.BOARD: "cases/start_board.html",
}


@require_safe
@login_required
def alive(request):
    """The cheapest authenticated page: the session and the user are loaded, nothing else. The benchmark's floor
    (it runs through every middleware, as every page does); also usable as a logged-in liveness check."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


# A start page is a summary: the first rows of each list of cases, each with a link to the whole list on the case
# list (and the newest notifications and own signals). Ten rows keep it short to read and quick to serve.
START_PAGE_ROWS = 10
START_PAGE_TEACHER_CASES = 10
# The lists of cases of a start page: their names in the template's context ("<name>_total": how many in all).
START_LISTS = {"action": "action_cases", "cases": "cases", "request": "request_cases"}


@require_safe
@login_required
def start(request, school_id: int, role: str):
    memberships = selectors.membership_list_for_user(user=request.user)
    membership = next((m for m in memberships if m.school_id == school_id and m.role == role), None)
    if membership is None:
        raise Http404
    perms.remember_memberships(request.user, memberships)
    context = {
        "membership": membership,
        "school": membership.school,
        "memberships": memberships,
        "title": membership.get_role_display(),
    }
    # Each list by urgency (cases.urgency: sorted and cut by the database), then the deadlines and the pupils of every
    # case shown, in one go for all the lists (a fixed number of queries).
    lists = {"action": selectors.cases_needing_action(user=request.user, school_id=school_id, role=role)}
    context["action_url"] = case_list_url(school=school_id, actie=role)
    context["notifications"], context["notifications_total"] = selectors.notification_list_for_user(
        user=request.user, school_id=school_id
    )
    if role in (Role.TEACHER, Role.CONTACT_PERSON):
        lists["cases"] = selectors.case_list_for_user(user=request.user, school_id=school_id)
        context["cases_url"] = case_list_url(school=school_id)
        context["own_signals"] = selectors.signal_list_for_author(user=request.user, school_id=school_id)
    if role == Role.TEACHER:
        context["class_groups"] = selectors.class_group_list_for_teacher(user=request.user, school_id=school_id)
        context["pupils"] = selectors.pupil_list_for_teacher(user=request.user, school_id=school_id)
    elif role in (Role.IB, Role.AF):
        context["class_groups"] = selectors.class_group_list_for_school(school_id=school_id)
        lists["request"] = selectors.cases_with_open_access_requests(user=request.user, school_id=school_id)
        context["request_url"] = case_list_url(school=school_id, verzoek=OPEN_REQUESTS)
    shown = []
    for name, cases in lists.items():
        limit = START_PAGE_TEACHER_CASES if name == "cases" else START_PAGE_ROWS
        rows, total = selectors.first_rows(urgency.by_urgency(cases, request.user).prefetch_related(None), limit)
        context[START_LISTS[name]], context[f"{name}_total"] = rows, total
        shown += rows
    urgency.attach(shown, request.user)
    selectors.attach_pupils(shown)
    return render(request, START_TEMPLATES[Role(role)], context)


# --- Cases ----------------------------------------------------------------------------------------------------

# The case list's filters (query parameters): ``stap`` (a step), ``school`` (one of the user's schools), and with a
# school either ``actie`` (a role the user holds there: the cases that need that role's action, as on the start page)
# or ``verzoek=open`` (the cases with an unanswered request of the parents). The start pages link to these lists.
OPEN_REQUESTS = "open"


def case_list_url(**filters) -> str:
    return f"{reverse('cases:case-list')}?{urlencode(filters)}"


@require_safe
@login_required
def case_list(request):
    state = request.GET.get("stap") or None
    if state is not None and state not in CaseState.values:
        state = None
    school_id = request.GET.get("school") or None
    role = request.GET.get("actie") or None
    open_requests = request.GET.get("verzoek") == OPEN_REQUESTS
    school = None
    if school_id is not None:
        # Not one of the user's schools (or not a number): 404, as for a start page of a school they do not work at.
        school_id = id_or_404(school_id)
        if school_id not in perms.school_ids_for_user(request.user):
            raise Http404
    elif role or open_requests:
        raise Http404
    if role is not None:
        membership = selectors.membership_get_for_user(user=request.user, school_id=school_id, role=role)
        if membership is None:
            raise Http404
        school = membership.school
        cases = selectors.cases_needing_action(user=request.user, school_id=school_id, role=role)
        if state:
            cases = cases.filter(state=state)
        showing = gettext("Cases at %(school)s that need your action as %(role)s, most urgent first") % {
            "school": school.name,
            "role": membership.get_role_display(),
        }
    elif open_requests:
        school = get_object_or_404(School, pk=school_id)
        cases = selectors.cases_with_open_access_requests(user=request.user, school_id=school_id)
        if state:
            cases = cases.filter(state=state)
        showing = gettext("Cases at %(school)s with a request of the parents not yet answered") % {
            "school": school.name
        }
    else:
        cases = selectors.case_list_for_user(user=request.user, school_id=school_id, states=[state] if state else None)
        if school_id is not None:
            school = get_object_or_404(School, pk=school_id)
            showing = gettext("Cases at %(school)s") % {"school": school.name}
        else:
            showing = None
    # By urgency (cases.urgency): overdue first, then due today, then by due date, then the cases without a deadline.
    page = selectors.page_of(urgency.by_urgency(cases, request.user), request.GET.get("pagina"), 25)
    page.object_list = urgency.attach(list(page.object_list), request.user)
    return render(
        request,
        "cases/case_list.html#results" if request.htmx else "cases/case_list.html",
        {
            "page": page,
            "state": state,
            "states": CaseState.choices,
            "school": school,
            "role": role,
            "open_requests": open_requests,
            "showing": showing,
            "title": _("Cases"),
        },
    )


@require_safe
@login_required
def case_detail(request, pk: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk)
    reader = visibility.reader_for(request.user, case)
    facts = visibility.case_facts(reader)
    timeline = selectors.case_timeline_page(case=case, page=request.GET.get("pagina"), reader=reader)
    # The chronology's index knows when the case entered its step (its latest step change): the deadlines and the
    # guards need not ask (``deadlines.attach``, ``Case._state_since``).
    case.state_since = timeline.latest.get("transition")
    # What the chronology holds tells which other records can exist: no weighing answer, no query for answers.
    if facts["deadlines"]:
        deadlines.attach([case], kinds=timeline.kinds)
    else:
        case.deadlines = []
    ready, blocked = services.available_transitions(user=request.user, case=case)
    audit_log(user=request.user, case=case, action=AuditEvent.Action.VIEW, target="case page")
    can = {name: perms.can(request.user, perm, case) for name, perm in PAGE_PERMISSIONS.items()}
    timeline.html = fragments.render_timeline_items(timeline.items, case=case, can=can, reader=reader)
    # The pupil's earlier cases (issue 17), for the IB'er and the aandachtsfunctionaris only; listing them is audited.
    earlier = []
    if visibility.may_look_back(reader):
        earlier = selectors.earlier_cases(
            user=request.user,
            school_id=case.school_id,
            pupil_ids=[p.pk for p in case.pupil_list],
            exclude_case_id=case.pk,
        )
        services.audit_earlier_cases(user=request.user, earlier=earlier, where=f"case page {case.reference}")
    actions = next_actions(user=request.user, case=case)
    if not earlier:
        actions = [a for a in actions if a["key"] != "lookback"]
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "steps_html": steps.picture_html(selectors.case_steps(case=case)),
            "timeline": timeline,
            "transitions": ready,
            "next_actions": actions,
            "earlier_cases": earlier,
            # The kindcheck applies when a signal concerns a parent's own problems (domain.md §9.9): for who does it.
            "kindcheck_signals": selectors.kindcheck_prompt(case=case, timeline=timeline)
            if can["consult"] and case.is_open
            else [],
            "open_tasks": selectors.case_open_tasks(case=case, kinds=timeline.kinds)
            if perms.can_mark_task_done(request.user, case)
            else [],
            "blocked_transitions": blocked,
            "transition_form": forms.TransitionForm(initial={"expected_state": case.state}),
            "can": can,
            "facts": facts,
            "skips_to_confirm": list(selectors.case_skips_awaiting_confirmation(case=case))
            if can["confirm_skip"] and "skip" in timeline.kinds
            else [],
            "can_hold": perms.can(request.user, perms.DECIDE, case),
            "linked_case": selectors.case_linked_for_user(user=request.user, case=case),
            "retention_years": settings.MELDCODE_RETENTION_YEARS,
            "page_size": selectors.TIMELINE_PAGE_SIZE,
            "open_requests": list(selectors.case_open_access_requests(case=case))
            if can["extract"] and "accessrequest" in timeline.kinds
            else [],
            "title": str(case),
        },
    )


PAGE_PERMISSIONS = {
    "add_signal": perms.ADD_SIGNAL,
    "consult": perms.CONSULT,
    "decide": perms.DECIDE,  # the help plan's "Correct" link
    "talk_parents": perms.TALK_PARENTS,
    "confirm_skip": perms.CONFIRM_SKIP,
    "reopen": perms.REOPEN,
    "view_audit": perms.VIEW_AUDIT,
    "extract": perms.EXTRACT,
}


@require_safe
@login_required
def case_audit(request, pk: int):
    """The aandachtsfunctionaris sees who looked at the case, what was changed or exported, and refused attempts."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.VIEW_AUDIT)
    page = Paginator(selectors.case_audit_trail(case=case), 50).get_page(request.GET.get("pagina"))
    audit_log(user=request.user, case=case, action=AuditEvent.Action.VIEW, target="audit trail")
    return render(request, "cases/case_audit.html", {"case": case, "page": page, "title": _("Who looked at the case")})


# The quick signal (issue 15) offers a search of the pupils (``?zoek=``, without JavaScript) from this many pupils on;
# ``?leerling=<id>`` (a pupil's link on the teacher's start page) chooses the pupil.
PUPIL_SEARCH_FROM = 12


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def signal_new(request, school_id: int):
    """Step 1: the quick signal about a pupil — the essentials on one screen. Opens a case, or adds to the pupil's open
    case; then offers the details from the signal list (``signal_details``). One submission stores one signal."""
    school = get_object_or_404(School.objects.filter(memberships__user=request.user).distinct(), pk=school_id)
    if not perms.may_open_case(request.user, school.pk):
        raise PermissionDenied
    pupils = perms.pupils_for_new_case(request.user, school.pk).order_by("class_group__name", "last_name", "first_name")
    pupils = pupils.select_related("class_group")
    query = request.GET.get("zoek", "").strip()[:100]
    shown = pupils.filter(Q(first_name__icontains=query) | Q(last_name__icontains=query)) if query else pupils
    initial = {}
    if request.method != "POST":
        chosen = request.GET.get("leerling")
        if chosen and chosen.isdigit() and pupils.filter(pk=chosen).exists():
            initial["pupil"] = int(chosen)
        elif query and len(shown) == 1:
            initial["pupil"] = shown[0].pk
    staff = selectors.staff_list_for_school(school_id=school.pk)
    form = forms.NewSignalForm(request.POST or None, pupils=pupils, staff=staff, shown_pupils=shown, initial=initial)
    writing_help.attach(form, reverse("cases:writing-help-new-signal", kwargs={"school_id": school.pk}))
    if request.method == "POST" and form.is_valid():
        try:
            signal = form.save(commit=False)
            with services.submission_once(
                user=request.user, token=form.cleaned_data["submission"], entry=signal
            ) as sent:
                case, opened = services.signal_submit(
                    user=request.user,
                    school=school,
                    pupil=form.cleaned_data["pupil"],
                    route=form.cleaned_data["route"],
                    signal=signal,
                    suspected=[
                        services.Suspect(
                            staff_member=form.cleaned_data["suspected_staff"],
                            description=form.cleaned_data["suspected_description"],
                        )
                    ],
                )
                sent.case = case
        except services.AlreadySubmittedError as exc:
            messages.info(request, str(exc))
            if exc.case_id is None:
                return redirect("home")
            return redirect("cases:case-detail", pk=exc.case_id)
        except ValidationError as exc:
            form.add_error(None, exc)
        except (services.CaseClosedError, services.CaseChangedError, services.TransitionBlockedError) as exc:
            form.add_error(None, str(exc))
        else:
            if case.route == Route.B and not perms.can(request.user, perms.VIEW, case):
                # The staff route belongs to the board and the aandachtsfunctionaris: the reporter does not see it.
                messages.success(
                    request,
                    gettext(
                        "The signal was recorded in a staff case (route B). The aandachtsfunctionaris and the board "
                        "have been told; the case is theirs, so you will not see it."
                    ),
                )
                return redirect("home")
            if opened:
                message = gettext("The signal was recorded and case %(ref)s opened.")
            else:
                message = gettext("The signal was added to the open case %(ref)s about this pupil.")
            messages.success(request, message % {"ref": case.reference})
            writing_help.warn_saved(request, form.instance, "signal", school=school, exclude_pupils=case.pupils.all())
            if perms.can(request.user, perms.ADD_SIGNAL, case):
                return redirect("cases:signal-details", pk=case.pk, signal_id=signal.pk)
            return redirect("home")
    return render(
        request,
        "cases/signal_new.html",
        {
            "form": form,
            "school": school,
            "searchable": query or len(pupils) >= PUPIL_SEARCH_FROM,
            "query": query,
            "found": len(shown) if query else None,
            "title": _("Record a signal"),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def signal_details(request, pk: int, signal_id: int):
    """The quick signal's optional second part: details from the signal list (Bijlage 1), per category, added to a
    signal already recorded as a record of its own beside it (``SignalListAddition``). Offered after saving a new
    signal and with each signal on the case page. ``?zoek=`` opens the categories with what it finds (the search
    without JavaScript)."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.ADD_SIGNAL)
    signal = get_object_or_404(Signal, pk=signal_id, case=case)
    if not visibility.may_read(visibility.reader_for(request.user, case), "signal", signal):
        raise Http404  # the page shows the signal: only one the user may read
    query = request.GET.get("zoek", "").strip()[:100]
    form = forms.SignalListAdditionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        addition = form.save(commit=False)
        addition.signal = signal
        try:
            with services.submission_once(
                user=request.user, token=form.cleaned_data["submission"], case=case, entry=addition
            ):
                services.entry_record(user=request.user, case=case, entry=addition, permission=perms.ADD_SIGNAL)
        except services.AlreadySubmittedError as exc:
            messages.info(request, str(exc))
            return redirect("cases:case-detail", pk=case.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
        except services.CaseClosedError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("The details from the signal list were added to the signal."))
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/signal_details.html",
        {
            "case": case,
            "signal": signal,
            "form": form,
            "groups": form.signal_list_groups(query=query),
            "query": query,
            "title": _("Add details from the signal list"),
        },
    )


# The kinds of entry a case page records through ``entry_add`` (by its ``kind``), from the registry of record kinds:
# the form, the permission, the title; and their models, for corrections.
ENTRY_KINDS: dict[str, records.Adding] = {key: k.adding for key, k in records.ADDED_BY_ENTRY_ADD.items()}
ENTRY_MODELS = {key: k.model for key, k in records.ADDED_BY_ENTRY_ADD.items()}
# Kinds whose record is stored by a service of its own (it checks the case's step and route), not ``entry_record``.
ENTRY_SERVICES = {
    "childconversation": lambda **kw: services.child_conversation_record(conversation=kw.pop("entry"), **kw),
    "involvement": lambda **kw: services.pupil_involvement_record(involvement=kw.pop("entry"), **kw),
    "lookback": lambda **kw: services.look_back_record(look_back=kw.pop("entry"), **kw),
    "suspect": lambda **kw: _suspect_name(**kw),
}


def _suspect_name(*, user, case, entry, corrects=None):
    """Route B: name (another) suspect; refused when that colleague was named before."""
    suspect = services.Suspect(staff_member=entry.staff_member, description=entry.description)
    if services.route_b_suspect_name(user=user, case=case, suspect=suspect) is None:
        raise ValidationError(gettext("This colleague has already been named as suspected in this case."))


def _correction_source(request, case, kind: str, config: records.Adding):
    corrects_id = request.GET.get("corrigeert") or request.POST.get("corrigeert")
    if not corrects_id:
        return None
    if not config.correctable:
        raise Http404
    corrects = get_object_or_404(ENTRY_MODELS[kind], pk=id_or_404(corrects_id), case=case)
    # The form starts with the earlier entry's values: only for an entry the user may read in full.
    if not visibility.may_read(
        visibility.reader_for(request.user, case), records.ADDED_BY_ENTRY_ADD[kind].kind, corrects
    ):
        raise Http404
    return corrects


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def entry_add(request, pk: int, kind: str):
    """Record a signal, consultation, kindcheck, conversation, acknowledgement or parents' view on a case, or a
    correction of an earlier one (``?corrigeert=<id>``): the form starts with the earlier values."""
    config = ENTRY_KINDS[kind]
    perm = perms.signal_permission if kind == "signal" else config.permission
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perm)
    corrects = _correction_source(request, case, kind, config)
    extra = {
        **config.form_kwargs(case),
        "case": case,
        "readable": selectors.readable_records(visibility.reader_for(request.user, case)),
    }
    if kind == "lookback":
        extra["earlier"] = selectors.earlier_cases(
            user=request.user,
            school_id=case.school_id,
            pupil_ids=[p.pk for p in case.pupil_list],
            exclude_case_id=case.pk,
        )
        services.audit_earlier_cases(
            user=request.user, earlier=extra["earlier"], where=f"look back from {case.reference}"
        )
    if request.method == "POST":
        form = config.form_class(request.POST, **extra)
    else:
        form = config.form_class(instance=corrects, **extra) if corrects else config.form_class(**extra)
        if corrects is not None:
            form.instance = ENTRY_MODELS[kind]()  # a new record, prefilled from the old one
    writing_help.attach(form, reverse("cases:writing-help", kwargs={"pk": case.pk, "kind": kind}), kind)
    actions = forms.ConsultationActionFormSet(request.POST or None, prefix="acties") if config.with_actions else None
    if request.method == "POST" and form.is_valid() and (actions is None or actions.is_valid()):
        entry = form.save(commit=False)

        def save_related(saved):
            form.save_m2m()
            if actions is not None:
                services.consultation_actions_save(
                    saved, [f.cleaned_data for f in actions if f.cleaned_data.get("what")]
                )

        try:
            with services.submission_once(
                user=request.user, token=form.cleaned_data["submission"], case=case, entry=entry
            ):
                if kind == "signal":
                    services.signal_record(user=request.user, case=case, signal=entry, corrects=corrects)
                elif kind in ENTRY_SERVICES:
                    ENTRY_SERVICES[kind](user=request.user, case=case, entry=entry, corrects=corrects)
                else:
                    services.entry_record(
                        user=request.user,
                        case=case,
                        entry=entry,
                        permission=config.permission,
                        corrects=corrects,
                        save_related=save_related,
                    )
        except services.AlreadySubmittedError as exc:
            messages.info(request, str(exc))
            return redirect("cases:case-detail", pk=case.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
        except (
            services.CaseClosedError,
            services.CaseChangedError,
            services.TransitionBlockedError,
            services.NotNowError,
        ) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Recorded."))
            writing_help.warn_saved(request, entry, kind, school=case.school, exclude_pupils=case.pupil_list)
            if not perms.can(request.user, perms.VIEW, case):
                return redirect("home")  # route B: who named themselves as suspected no longer sees the case
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/entry_form.html",
        {
            "case": case,
            "form": form,
            "actions": actions,
            "corrects": corrects,
            "kind": kind,
            "title": config.title,
            # The IB'er's consultation step: the kindcheck prompt (domain.md §9.9) where the consultation is recorded.
            "kindcheck_signals": selectors.kindcheck_prompt(case=case) if kind == "consultation" else [],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def signal_follow_up(request, pk: int, signal_id: int):
    """Record that an earlier signal (a story, a suspicion) was later confirmed or refuted."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.ADD_SIGNAL)
    signal = get_object_or_404(Signal, pk=signal_id, case=case)
    if not visibility.may_read(visibility.reader_for(request.user, case), "signal", signal):
        raise Http404  # the page shows the signal: only one the user may read
    form = forms.SignalFollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        follow_up: SignalFollowUp = form.save(commit=False)
        follow_up.signal = signal
        try:
            with services.submission_once(
                user=request.user, token=form.cleaned_data["submission"], case=case, entry=follow_up
            ):
                services.entry_record(user=request.user, case=case, entry=follow_up, permission=perms.ADD_SIGNAL)
        except services.AlreadySubmittedError as exc:
            messages.info(request, str(exc))
            return redirect("cases:case-detail", pk=case.pk)
        except (ValidationError, services.CaseClosedError) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, gettext("Recorded."))
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/entry_form.html",
        {"case": case, "form": form, "signal": signal, "title": _("Confirmed or refuted")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def skip_add(request, pk: int):
    """Record why the conversation with the parents is skipped (danger, or parents would break contact)."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.TALK_PARENTS)
    form = forms.ParentTalkSkipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with services.submission_once(user=request.user, token=form.cleaned_data["submission"], case=case):
                services.parent_talk_skip_record(user=request.user, case=case, skip=form.save(commit=False))
        except services.AlreadySubmittedError as exc:
            messages.info(request, str(exc))
            return redirect("cases:case-detail", pk=case.pk)
        except (ValidationError, services.CaseClosedError) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, gettext("Recorded."))
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/entry_form.html",
        {"case": case, "form": form, "title": _("Skip the conversation with the parents")},
    )


@require_POST
@login_required
def skip_confirm(request, pk: int, skip_id: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.CONFIRM_SKIP)
    skip = get_object_or_404(ParentTalkSkip, pk=skip_id, case=case)
    try:
        services.parent_talk_skip_confirm(user=request.user, case=case, skip=skip)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("The reason to skip the conversation is confirmed."))
    return redirect("cases:case-detail", pk=case.pk)


@require_POST
@login_required
def case_transition(request, pk: int, name: str):
    case = selectors.case_get_for_user(user=request.user, case_id=pk)
    if name not in services.USER_TRANSITIONS:
        raise Http404
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The form was incomplete; nothing was changed."))
        return redirect("cases:case-detail", pk=case.pk)
    try:
        services.case_transition(
            user=request.user,
            case_id=case.pk,
            name=name,
            expected_state=form.cleaned_data["expected_state"],
            reason=form.cleaned_data["reason"],
        )
    except services.CaseChangedError as exc:
        messages.warning(request, str(exc))
    except services.TransitionBlockedError as exc:
        for reason in exc.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, gettext("The case has moved on to the next step."))
    return redirect("cases:case-detail", pk=case.pk)


# --- Notifications ----------------------------------------------------------------------------------------------


@require_POST
@login_required
def notification_read(request, notification_id: int):
    """Mark one of your own notifications read. Someone else's answers 404, like one that does not exist.
    (The URL names it ``notification_id``, not ``pk``: a ``pk`` in this app's URLs is always a case.)"""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.notification_mark_read(user=request.user, notification=notification)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


@require_POST
@login_required
def notifications_all_read(request):
    """ "Alles gelezen": mark every unread notification of the user read — those about cases of one school when the
    form names one of the user's schools (the start page of that school), else all of them."""
    school_id = request.POST.get("school") or None
    if school_id is not None:
        school_id = id_or_404(school_id)
        if school_id not in perms.school_ids_for_user(request.user):
            raise Http404
    count = services.notifications_mark_all_read(user=request.user, school_id=school_id)
    if count:
        messages.success(request, gettext("All notifications are marked as read."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


@require_safe
@login_required
def notification_history(request):
    """The user's own notifications that are read or done (the case has moved on), newest first: a short history."""
    return render(
        request,
        "cases/notification_history.html",
        {
            "notifications": selectors.notification_history_for_user(user=request.user),
            "limit": selectors.NOTIFICATION_HISTORY_ROWS,
            "title": _("Earlier notifications"),
        },
    )


# --- Urgent alerts ------------------------------------------------------------------------------------------------


@require_POST
@login_required
def alert_acknowledge(request, alert_id: int):
    """An aandachtsfunctionaris of the school picks up an urgent alert ("Gezien, ik pak het op"): recorded, and gone
    for everyone. Not at the school, or the case not visible: 404; at the school in another role: 403."""
    alert = get_object_or_404(Alert, pk=alert_id, school_id__in=perms.school_ids_for_user(request.user))
    case = selectors.case_get_for_user(user=request.user, case_id=alert.case_id)
    alert.case = case
    if not alerts.may_acknowledge(request.user, alert):
        raise PermissionDenied
    alerts.acknowledge(user=request.user, alert=alert)
    messages.success(request, gettext("The urgent alert is acknowledged: it is no longer shown to your colleagues."))
    return redirect("cases:case-detail", pk=case.pk)
