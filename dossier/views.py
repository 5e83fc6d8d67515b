"""The dossier's pages. The parent extract (domain.md §7): a preview for the aandachtsfunctionaris and the IB'er that
shows what will be in the extract and what is left out and why; marking an entry as endangering someone; and the
release: a job that the task queue's worker renders (``dossier.tasks``), a page that shows how far it is, and the
download of the PDF, stored with who generated it, when and its checksum. The legal
hold on a case (§6), and the parents' requests to see, copy or correct the file (§5)."""

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import permissions as perms
from cases import selectors, visibility
from cases.querystring import id_or_404
from dossier import forms, names_check, pdf, services, tasks
from dossier.models import ExtractJob, ExtractRelease, StaffDossierJob, StaffDossierRelease


def _build(case, reader=None, pupil=None):
    """The extract of ``case``; for the preview, as ``reader`` may read it (``cases.visibility``); for a case about
    several pupils, the extract for ``pupil``'s parents."""
    return services.build_extract(case, reader=reader, pupil=pupil)


def _pupil_for(request, case):
    """A case about several pupils (route C): the pupil whose parents' extract is shown (``leerling``; the first
    pupil when none is chosen); ``None`` for a case about one pupil."""
    pupils = case.pupil_list
    if len(pupils) <= 1:
        return None
    chosen = request.POST.get("leerling") or request.GET.get("leerling")
    return next((p for p in pupils if str(p.pk) == chosen), pupils[0])


def _redaction_choices(extract) -> list[tuple[str, str]]:
    return [
        (item.key, f"{item.label.capitalize()} — {formats.date_format(timezone.localtime(item.at), 'j F Y H:i')}")
        for item in extract.included
        if item.kind != "transition"
    ]


PREVIEW_PAGE_SIZE = 100  # entries of the extract per page of the preview


class _RenderedWhenShown:
    """HTML rendered when the page template shows it (``{{ content|safe }}``), not before the page is rendered: the
    page's own context, with the whole extract, stays the first one rendered (the tests read it)."""

    def __init__(self, render, *args):
        self._render, self._args = render, args

    def __html__(self) -> str:
        return self._render(*self._args)

    __str__ = __html__


def _preview(request, case, *, extract=None, name_check=None, names_form=None, status=200):
    pupil = _pupil_for(request, case)
    extract = extract or _build(case, reader=visibility.reader_for(request.user, case), pupil=pupil)
    name_check = name_check or names_check.check_case(extract)
    can_redact = perms.can(request.user, perms.REDACT, case)
    if names_form is None and can_redact and name_check.unresolved:
        names_form = forms.NameDecisionsForm(hits=name_check.unresolved)
    # What will be in the extract is shown a page of entries at a time: a 1,000-entry case would otherwise be one
    # page of several megabytes, rendered in seconds. What is left out, and the names to decide on, are listed in
    # full above it.
    page = Paginator(extract.included, PREVIEW_PAGE_SIZE).get_page(request.GET.get("pagina"))
    guardians = list(selectors.case_guardians(case=case))
    return render(
        request,
        "dossier/extract_preview.html",
        {
            "case": case,
            "extract": extract,
            "content": _RenderedWhenShown(pdf.content_html, dataclasses.replace(extract, items=list(page.object_list))),
            "page": page,
            "names": name_check,
            "names_form": names_form if can_redact else None,
            "redaction_form": forms.RedactionForm(choices=_redaction_choices(extract)) if can_redact else None,
            "jobs": ExtractJob.objects.filter(case=case).select_related("requested_by", "pupil")[:5],
            "pupil": pupil,
            # domain.md §9.6: who may receive the extract (a parent or carer with parental authority) and who not;
            # the release names the one who receives it (``services.extract_recipient``).
            "guardians": guardians,
            "recipients": [
                g for g in guardians if g.has_parental_authority and (pupil is None or g.pupil_id == pupil.pk)
            ],
            "case_pupils": case.pupil_list if pupil is not None else [],
            "title": _("Extract for the parents"),
        },
        status=status,
    )


@require_safe
@login_required
def extract_preview(request, pk: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    return _preview(request, case)


@require_POST
@login_required
def extract_names(request, pk: int):
    """Leave out, or keep with a reason, the names of other people found in the extract's texts (the
    aandachtsfunctionaris): one choice per name, or "leave out every proposed name"."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.REDACT)
    extract = _build(case, pupil=_pupil_for(request, case))
    name_check = names_check.check_case(extract)
    form = forms.NameDecisionsForm(request.POST, hits=name_check.unresolved)
    if form.is_valid() and not form.cleaned_data["decisions"]:  # "leave out every proposal", and there is none
        messages.info(request, gettext("There are no names left to decide on."))
        return redirect("dossier:extract-preview", pk=case.pk)
    if form.is_valid():
        try:
            services.name_decisions_record(
                user=request.user,
                case=case,
                decisions=[
                    (h.item.kind, h.item.entry.pk, h.field, h.hit.start, h.hit.end, h.hit.text, kept, reason)
                    for h, kept, reason in form.cleaned_data["decisions"]
                ],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("Your decisions about the names have been recorded."))
            return redirect("dossier:extract-preview", pk=case.pk)
    return _preview(request, case, extract=extract, name_check=name_check, names_form=form, status=400)


@require_POST
@login_required
def extract_redact(request, pk: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.REDACT)
    form = forms.RedactionForm(request.POST, choices=_redaction_choices(_build(case, pupil=_pupil_for(request, case))))
    if form.is_valid():
        kind, entry_id = form.entry_key()
        try:
            services.redaction_record(
                user=request.user, case=case, entry_type=kind, entry_id=entry_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("The entry is left out of the extract."))
    else:
        messages.error(request, gettext("Choose an entry and give the reason; nothing was changed."))
    return redirect("dossier:extract-preview", pk=case.pk)


@require_POST
@login_required
def extract_release(request, pk: int):
    """Release the extract: the job is stored and its rendering enqueued (nothing is rendered here); on to the page
    that shows how far it is. Also the retry of a failed one."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    pupils = case.pupil_list
    chosen = request.POST.get("leerling")
    pupil = next((p for p in pupils if str(p.pk) == chosen), None) if len(pupils) > 1 else None
    try:
        job = tasks.extract_release_request(
            user=request.user, case=case, pupil=pupil, recipient_id=request.POST.get("ontvanger") or None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dossier:extract-preview", pk=case.pk)
    return redirect("dossier:extract-job", pk=case.pk, job_pk=job.pk)


@require_safe
@login_required
def extract_job(request, pk: int, job_pk: int):
    """How far the released extract is: being prepared (the page refreshes itself with htmx, or with the link),
    ready (the download link), or failed (the reason, and a button to release it again)."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    job = get_object_or_404(ExtractJob.objects.select_related("release").defer("release__pdf"), pk=job_pk, case=case)
    context = {
        "case": case,
        "job": job,
        "stale": services.extract_job_stale(job),
        "title": _("Extract for the parents"),
    }
    if request.htmx:
        return render(request, "dossier/_extract_job_status.html", context)
    return render(request, "dossier/extract_job.html", context)


@require_safe
@login_required
def extract_download(request, pk: int, release_pk: int):
    """The PDF of a released extract (its PDF stored with the release), as a download; audited."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    release = get_object_or_404(ExtractRelease, pk=release_pk, case=case)
    content = services.extract_download(user=request.user, case=case, release=release)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"uittreksel-{case.reference}-{timezone.localtime(release.generated_at):%Y%m%d-%H%M}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The legal hold -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def legal_hold(request, pk: int):
    """Place or lift the legal hold (the aandachtsfunctionaris), with the reason."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.DECIDE)
    form = forms.LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_set(
                user=request.user, case=case, placed=not case.legal_hold, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                gettext("The legal hold has been lifted.") if case.legal_hold else gettext("The legal hold is on."),
            )
            return redirect("cases:case-detail", pk=case.pk)
    title = _("Lift the legal hold") if case.legal_hold else _("Place a legal hold")
    return render(request, "dossier/legal_hold_form.html", {"case": case, "form": form, "title": title})


# --- The parents' requests ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def access_request_add(request, pk: int):
    """Record a parent's request to see, copy or correct the file (the IB'er or the aandachtsfunctionaris)."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    form = forms.AccessRequestForm(request.POST or None, guardians=selectors.case_guardians(case=case))
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_record(user=request.user, case=case, request=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("The request has been recorded. Answer it within one month."))
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "dossier/access_request_form.html",
        {"case": case, "form": form, "kind": "accessrequest", "title": _("Record a parents' request")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def access_request_answer(request, pk: int):
    """Record how a parent's request was answered."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    open_requests = selectors.case_open_access_requests(case=case)
    form = forms.AccessRequestHandledForm(request.POST or None, requests=open_requests)
    if request.method in ("GET", "HEAD") and "verzoek" in request.GET:
        form.initial["request"] = id_or_404(request.GET["verzoek"])
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_handle(user=request.user, case=case, handled=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("The answer to the request has been recorded."))
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "dossier/access_request_form.html",
        {"case": case, "form": form, "kind": "accessanswer", "title": _("Record the answer to a parents' request")},
    )


# --- The staff dossier (issue 19) ---------------------------------------------------------------------------------


def _staff_preview(request, case, *, form=None, status=200):
    dossier = services.staff_dossier_build(case)
    jobs = list(
        StaffDossierJob.objects.filter(case=case).select_related("requested_by", "release").defer("release__pdf")[:20]
    )
    context = {
        "case": case,
        "dossier": dossier,
        "form": form or forms.StaffReleaseForm(),
        "jobs": jobs,
        "content": _RenderedWhenShown(pdf.content_html, dossier, None, pdf.STAFF_RULES),
        "title": _("Staff dossier: preview"),
    }
    return render(request, "dossier/staff_preview.html", context, status=status)


@require_safe
@login_required
def staff_preview(request, pk: int):
    """The staff dossier as it would be released now (the aandachtsfunctionaris), and the form to release it: for
    whom, and why."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    return _staff_preview(request, case)


@require_POST
@login_required
def staff_release(request, pk: int):
    """Release the staff dossier for a recipient and a purpose: a job is stored and its rendering enqueued; on to
    the page that shows how far it is."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    form = forms.StaffReleaseForm(request.POST)
    if form.is_valid():
        try:
            job = tasks.staff_release_request(
                user=request.user,
                case=case,
                recipient=form.cleaned_data["recipient"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("dossier:staff-job", pk=case.pk, job_pk=job.pk)
    return _staff_preview(request, case, form=form, status=400)


@require_safe
@login_required
def staff_job(request, pk: int, job_pk: int):
    """How far the released staff dossier is (as the parent extract's job page)."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    job = get_object_or_404(
        StaffDossierJob.objects.select_related("release", "transfer").defer("release__pdf"), pk=job_pk, case=case
    )
    context = {"case": case, "job": job, "stale": services.extract_job_stale(job), "title": _("Staff dossier")}
    if request.htmx:
        return render(request, "dossier/_staff_job_status.html", context)
    return render(request, "dossier/staff_job.html", context)


@require_safe
@login_required
def staff_download(request, pk: int, release_pk: int):
    """The PDF of a released staff dossier, as a download; audited. (One for a school outside the board: only
    encrypted, through its transfer.)"""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    release = get_object_or_404(StaffDossierRelease, pk=release_pk, case=case)
    content = services.staff_download(user=request.user, case=case, release=release)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dossier-{release.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
