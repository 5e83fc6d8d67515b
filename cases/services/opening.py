"""Opening a case with its first signal, or adding a new signal to the pupil's open case."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    Signal,
    Transition,
)
from cases.services.chronology import save_entry
from cases.services.transitions import fire_transition, signal_record
from schools.models import Pupil, School


def _next_reference(school: School) -> str:
    year = timezone.localdate().year
    School.objects.select_for_update().filter(pk=school.pk).first()  # serialise numbering per school
    used = Case.objects.filter(school=school, reference__startswith=f"{year}-").values_list("reference", flat=True)
    highest = max((int(reference.split("-")[1]) for reference in used), default=0)
    return f"{year}-{highest + 1:03d}"


def case_open(*, user: User, school: School, pupils: Iterable[Pupil], route: str, signal: Signal) -> Case:
    """Open a case with its first signal (step 1). The opener owns it until it is handed over."""
    pupils = list(pupils)
    if not pupils:
        raise ValidationError(_("Choose at least one pupil."))
    allowed = set(perms.pupils_for_new_case(user, school.pk).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in pupils):
        raise PermissionDenied
    with transaction.atomic():
        case = Case(school=school, route=route, opened_by=user, owner=user, reference=_next_reference(school))
        case.previous_case = previous_case_of(school=school, pupils=pupils)
        case.full_clean(exclude=["reference", "state"])
        case.save()
        case.pupils.set(pupils)
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"case {case.pk}")
        save_entry(user=user, case=case, entry=signal)
        Transition.objects.create(case=case, actor=user, name="open", from_state="", to_state=case.state)
        access.case_sync_permissions(case)
        if route == "B":  # a staff member is suspected: the board must be informed at once
            fire_transition(user=user, case=case, name="start_route_b", check_permission=False)
    return case


def previous_case_of(*, school: School, pupils: list[Pupil]) -> Case | None:
    """The latest earlier case of these pupils at the school, closed ones too (domain.md §9.8: look back): a new case
    links to it. Who may see it is decided where it is shown (``selectors.earlier_cases``)."""
    return Case.objects.filter(school=school, pupils__in=pupils).order_by("-opened_at", "-pk").first()


def open_case_for_pupil(*, user: User, pupil: Pupil) -> Case | None:
    """The open case about this pupil that this user can add a signal to, if there is one."""
    return (
        perms.case_queryset_for_user(user, perms.ADD_SIGNAL)
        .filter(pupils=pupil)
        .exclude(state=CaseState.CLOSED)
        .order_by("-opened_at")
        .first()
    )


def signal_submit(*, user: User, school: School, pupil: Pupil, route: str, signal: Signal) -> tuple[Case, bool]:
    """A new signal about a pupil (step 1): added to the pupil's open case that this user can add a signal to, if
    there is one; otherwise it opens a case on ``route``. Returns the case and whether it was opened."""
    existing = open_case_for_pupil(user=user, pupil=pupil)
    if existing is not None:
        signal_record(user=user, case=existing, signal=signal)
        return existing, False
    return case_open(user=user, school=school, pupils=[pupil], route=route, signal=signal), True
