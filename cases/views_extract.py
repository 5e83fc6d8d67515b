"""The parent extract (domain.md §7): a preview for the aandachtsfunctionaris and the IB'er that shows what will be
in the extract and what is left out and why; marking an entry as endangering someone; and the release, which
renders the PDF, records who generated it, when and its checksum, and returns the download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cases import extract as extract_rules
from cases import forms, pdf, selectors, services
from cases import permissions as perms


def _build(case):
    data = selectors.case_extract_data(case=case)
    return extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
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
    extract = _build(case)
    can_redact = perms.can(request.user, perms.REDACT, case)
    return render(
        request,
        "cases/extract_preview.html",
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
    return redirect("cases:extract-preview", pk=case.pk)


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
