"""The pages of a case that moves with its pupil to another school (issue 19, ``dossier.transfer``): the request
(the old school's aandachtsfunctionaris), the school's transfers (waiting, and what the school handed over or took
over), the acceptance or refusal (the new school's aandachtsfunctionaris), and for a school outside the board the
encrypted download with its one-time password."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import permissions as perms
from cases import selectors
from dossier import forms, transfer
from schools.models import School


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transfer_request(request, pk: int):
    """The pupil moves to another school: hand the case to a school of the board, or release the staff dossier for
    a school outside it."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.TRANSFER)
    form = forms.TransferForm(request.POST or None, schools=transfer.board_schools(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parents = {
            "parents_informed_on": data["parents_informed_on"],
            "parents_not_informed_reason": data["parents_not_informed_reason"] or "",
        }
        try:
            if data["kind"] == form.WITHIN:
                moved = transfer.transfer_request(user=request.user, case=case, to_school=data["to_school"], **parents)
            else:
                job = transfer.transfer_outside(
                    user=request.user, case=case, school_name=data["school_name"], brin=data["brin"], **parents
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if data["kind"] == form.WITHIN:
                messages.success(
                    request,
                    gettext("The transfer is waiting for the aandachtsfunctionaris of %(school)s.")
                    % {"school": moved.to_school.name},
                )
                return redirect("dossier:school-transfers", school_id=case.school_id)
            return redirect("dossier:staff-job", pk=case.pk, job_pk=job.pk)
    refusals = transfer.transfer_refusals(user=request.user, case=case, to_school=None)
    return render(
        request,
        "dossier/transfer_form.html",
        {"case": case, "form": form, "refusals": refusals, "title": _("Transfer the case to another school")},
    )


@require_safe
@login_required
def school_transfers(request, school_id: int):
    """The school's transfers (its aandachtsfunctionaris): cases waiting to be taken over, and every case the school
    handed over or took over — for a case handed over, only that it was, when, to whom and by whom."""
    perms.require_school_account_log(request.user, school_id)  # its aandachtsfunctionaris; others 403, elsewhere 404
    school = get_object_or_404(School, pk=school_id)
    return render(
        request,
        "dossier/school_transfers.html",
        {
            "school": school,
            "incoming": list(transfer.incoming_transfers(user=request.user, school_id=school_id)),
            "transfers": list(transfer.school_transfers(school_id=school_id)[:200]),
            "title": _("Transfers of cases"),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transfer_decide(request, transfer_pk: int):
    """The new school's aandachtsfunctionaris accepts a case handed over by a school of the board (choosing the
    pupil at the new school), or refuses it with a reason."""
    moved = transfer.transfer_for_receiver(user=request.user, transfer_id=transfer_pk)
    waiting = moved.state == moved.State.REQUESTED
    pupils = list(moved.case.pupils.all()) if waiting else []
    refusing = request.POST.get("decision") == "refuse"
    accept = forms.TransferAcceptForm(
        request.POST if request.method == "POST" and not refusing else None,
        pupils=pupils,
        candidates=transfer.pupil_candidates(moved) if waiting else {},
    )
    refuse = forms.TransferRefuseForm(request.POST if refusing else None)
    if request.method == "POST" and waiting:
        try:
            if not refusing and accept.is_valid():
                case = transfer.transfer_accept(user=request.user, transfer=moved, pupils=accept.choices())
                messages.success(request, gettext("The case has been taken over by your school."))
                return redirect("cases:case-detail", pk=case.pk)
            if refusing and refuse.is_valid():
                transfer.transfer_refuse(user=request.user, transfer=moved, reason=refuse.cleaned_data["reason"])
                messages.success(request, gettext("The transfer has been refused."))
                return redirect("dossier:school-transfers", school_id=moved.to_school_id)
        except ValidationError as exc:
            (refuse if refusing else accept).add_error(None, exc)
    return render(
        request,
        "dossier/transfer_decide.html",
        {
            "transfer": moved,
            "waiting": waiting,
            "accept": accept,
            "refuse": refuse,
            "form": refuse if refusing else accept,  # the form posted (its errors)
            "title": _("Take over a case"),
        },
    )


def _encrypt_page(request, case, moved, release, password=None):
    response = render(
        request,
        "dossier/transfer_encrypt.html",
        {
            "case": case,
            "transfer": moved,
            "release": release,
            "password": password,
            "title": _("Staff dossier for the next school"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@login_required
def transfer_encrypt(request, pk: int, transfer_pk: int):
    """The staff dossier for a school outside the board: how it is passed on (encrypted, with a one-time password),
    and the button that makes the encrypted copy."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    moved, release = transfer.transfer_release(case=case, transfer_id=transfer_pk)
    return _encrypt_page(request, case, moved, release)


@never_cache
@require_POST
@login_required
def transfer_password(request, pk: int, transfer_pk: int):
    """Make the encrypted copy with a new one-time password, and show the password in this response, once: it is
    not stored, logged or mailed, and the page is not cached (``no-store``). Not a redirect: the password exists
    only in this answer."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    moved, release = transfer.transfer_release(case=case, transfer_id=transfer_pk)
    if release is None:
        return _encrypt_page(request, case, moved, release)
    moved, password = transfer.encrypted_copy(user=request.user, case=case, transfer_id=transfer_pk)
    return _encrypt_page(request, case, moved, release, password)


@require_safe
@login_required
def transfer_encrypted_download(request, pk: int, transfer_pk: int):
    """The encrypted copy (AES-256) of the staff dossier for a school outside the board; audited."""
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perms.STAFF_DOSSIER)
    copy = transfer.encrypted_download(user=request.user, case=case, transfer_id=transfer_pk)
    response = HttpResponse(bytes(copy.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dossier-{copy.release.reference}-versleuteld.pdf"'
    response["Cache-Control"] = "no-store"
    return response
