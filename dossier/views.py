"""The dossier's pages. The parent extract (domain.md §7): a preview for the aandachtsfunctionaris and the IB'er that
shows what will be in the extract and what is left out and why; marking an entry as endangering someone; and the
release, which renders the PDF, records who generated it, when and its checksum, and returns the download. The legal
hold on a case (§6), and the parents' requests to see, copy or correct the file (§5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import permissions as perms
from cases import selectors, visibility
from cases.querystring import id_or_404
from dossier import extract as extract_rules
from dossier import forms, pdf, services
from dossier import selectors as dossier_selectors


def _build(case, reader=None):
    """The extract of ``case``; for the preview, as ``reader`` may read it (``cases.visibility``)."""
    data = dossier_selectors.case_extract_data(case=case)
    return extract_rules.build_extract(
        case=case,
        timeline=data.timeline,
        redactions=data.redactions,
        contact_persons=data.contact_persons,
        reader=reader,
    )


def _redaction_choices(extract) -> list[tuple[str, str]]:
    return [
        (item.key, f"{item.label.capitalize()} — {formats.date_format(timezone.localtime(item.at), 'j F Y H:i')}")
        for item in extract.included
        if item.kind != "transition"
    ]


@require_GET
@login_required
def extract_preview(request, pk: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    extract = _build(case, reader=visibility.reader_for(request.user, case))
    can_redact = perms.can(request.user, perms.REDACT, case)
    return render(
        request,
        "dossier/extract_preview.html",
        {
            "case": case,
            "extract": extract,
            "content": pdf.content_html(extract),
            "redaction_form": forms.RedactionForm(choices=_redaction_choices(extract)) if can_redact else None,
            "title": _("Extract for the parents"),
        },
    )


@require_POST
@login_required
def extract_redact(request, pk: int):
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.REDACT)
    form = forms.RedactionForm(request.POST, choices=_redaction_choices(_build(case)))
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
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    extract = _build(case)
    now = timezone.now()
    rendered = pdf.render_extract(extract=extract, generated_by=request.user, generated_at=now)
    services.extract_release_record(
        user=request.user,
        case=case,
        generated_at=now,
        checksum=rendered.checksum,
        included=len(extract.included),
        left_out=len(extract.left_out),
    )
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    filename = f"uittreksel-{case.reference}-{timezone.localtime(now):%Y%m%d-%H%M}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The legal hold -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
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


@require_http_methods(["GET", "POST"])
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


@require_http_methods(["GET", "POST"])
@login_required
def access_request_answer(request, pk: int):
    """Record how a parent's request was answered."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.EXTRACT)
    open_requests = selectors.case_open_access_requests(case=case)
    form = forms.AccessRequestHandledForm(request.POST or None, requests=open_requests)
    if request.method == "GET" and "verzoek" in request.GET:
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
