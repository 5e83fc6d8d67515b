"""The pupil's earlier cases in the new-signal flow (issue 17, domain.md §9.8: look back): for the IB'er and the
aandachtsfunctionaris, who choose a pupil of the school and see that pupil's earlier cases, closed ones too, with
their outcome. A teacher must not learn of earlier cases: at the school in another role → 403, not at the school →
404. Every case listed is audited."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cases import permissions as perms
from cases import selectors, services
from schools.models import Pupil, School


@require_safe
@login_required
def pupil_earlier_cases(request, school_id: int):
    if school_id not in perms.school_ids_for_user(request.user):
        raise Http404
    if not selectors.may_look_back(user=request.user, school_id=school_id):
        raise PermissionDenied
    school = get_object_or_404(School, pk=school_id)
    pupils = Pupil.objects.filter(school_id=school_id).select_related("class_group").order_by("last_name", "first_name")
    pupil = None
    earlier = []
    chosen = request.GET.get("leerling")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        pupil = get_object_or_404(pupils, pk=int(chosen))
        earlier = selectors.earlier_cases(user=request.user, school_id=school_id, pupil_ids=[pupil.pk])
        services.audit_earlier_cases(user=request.user, earlier=earlier, where="new signal: look back")
    return render(
        request,
        "cases/pupil_earlier_cases.html",
        {
            "school": school,
            "pupils": pupils,
            "pupil": pupil,
            "earlier_cases": earlier,
            "title": _("Earlier cases of a pupil"),
        },
    )
