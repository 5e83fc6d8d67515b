"""The social map page (domain.md §3): every staff member of a school reads it; the aandachtsfunctionaris and the
IB'er keep the school's own entries. Not a member of the school → 404, not allowed to edit → 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from cases import permissions as perms
from schools import forms, selectors, services
from schools.models import LOCAL_KINDS, PartnerKind, SocialMapEntry

# --- The social map -----------------------------------------------------------------------------------------------


def _member_school_or_404(user, school_id: int):
    school = selectors.school_get_for_member(user=user, school_id=school_id)
    if school is None:
        raise Http404
    return school


@require_safe
@login_required
def social_map(request, school_id: int):
    """Every staff member of the school reads its social map; the aandachtsfunctionaris and the IB'er keep the
    school's own entries."""
    school = _member_school_or_404(request.user, school_id)
    can_edit = perms.can_edit_social_map(request.user, school.pk)
    entries = list(selectors.social_map_for_school(school=school, include_inactive=can_edit))
    present = {e.kind for e in entries if e.active}
    missing = [PartnerKind(kind) for kind in LOCAL_KINDS if kind not in present]
    return render(
        request,
        "schools/social_map.html",
        {
            "school": school,
            "entries": [e for e in entries if e.active],
            "inactive": [e for e in entries if not e.active],
            "missing": missing,
            "can_edit": can_edit,
            "title": _("Social map"),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def social_map_entry(request, school_id: int, entry_id: int | None = None):
    """Add an entry to the school's own social map, or change (or deactivate) one of its own entries."""
    school = _member_school_or_404(request.user, school_id)
    if not perms.can_edit_social_map(request.user, school.pk):
        raise PermissionDenied
    instance = None
    if entry_id is not None:
        # Only the school's own entries: national and board entries are kept by the administrator.
        instance = get_object_or_404(SocialMapEntry, pk=entry_id, school=school)
    initial = {}
    if instance is None and request.GET.get("soort") in PartnerKind.values:
        initial["kind"] = request.GET["soort"]
    form = forms.SocialMapEntryForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.social_map_entry_save(user=request.user, school=school, entry=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("The social map has been saved."))
            return redirect("schools:social-map", school_id=school.pk)
    return render(
        request,
        "schools/social_map_form.html",
        {
            "school": school,
            "form": form,
            "entry": instance,
            "title": _("Change an entry of the social map") if instance else _("Add to the social map"),
        },
    )
