"""The writing help while typing (``cases.writing_help``): htmx posts the form's text here and puts the answer, the
hints, under the field. Who may ask: whoever may record that record there — for a new signal, a member of staff who
may open a case at the school; on a case, whoever may add that kind of record to it (else 404/403, as the form's own
page). The names come only from that school. Nothing is stored and no case content is read or shown: the answer is
about the posted text alone, so it is not audited as a reading of the case."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from cases import permissions as perms
from cases import records, selectors, writing_help
from cases.forms import TEXT_LIMIT
from schools.models import School

TEMPLATE = "cases/_writing_help.html"


def _answer(request, kind: str, school, exclude_pupils):
    field = request.POST.get("writing_help_field", "")
    if field not in writing_help.FIELDS[kind]:
        return HttpResponseBadRequest()
    text = request.POST.get(field, "")[:TEXT_LIMIT]
    found = []
    if text.strip():
        verbatim = kind == "signal" and field == "description" and request.POST.get("kind") == "child_words"
        index = writing_help.name_index(school, exclude_pupils=exclude_pupils)
        found = writing_help.distinct(writing_help.hints(text, names=index, verbatim=verbatim))
    return render(request, TEMPLATE, {"hints": found})


@require_POST
@login_required
def writing_help_new_signal(request, school_id: int):
    """Hints for the texts of a new signal at a school; the pupil chosen in the form (one the user may choose) and
    their family are not "someone else"."""
    school = get_object_or_404(School.objects.filter(memberships__user=request.user).distinct(), pk=school_id)
    if not perms.may_open_case(request.user, school.pk):
        raise PermissionDenied
    pupil_id = request.POST.get("pupil", "")
    exclude = []
    if pupil_id.isdigit():
        exclude = list(
            perms.pupils_for_new_case(request.user, school.pk).filter(pk=int(pupil_id)).values_list("pk", flat=True)
        )
    return _answer(request, "signal", school, exclude)


@require_POST
@login_required
def writing_help_entry(request, pk: int, kind: str):
    """Hints for the texts of a record added to a case (a signal, a consultation, a conversation with the parents);
    the case's own pupils and their family are not "someone else"."""
    if kind not in writing_help.FIELDS or kind not in records.ADDED_BY_ENTRY_ADD:
        raise Http404
    adding = records.ADDED_BY_ENTRY_ADD[kind].adding
    perm = perms.signal_permission if kind == "signal" else adding.permission
    case = selectors.case_get_for_user(user=request.user, case_id=pk, perm=perm)
    return _answer(request, kind, case.school, [p.pk for p in case.pupil_list])
