"""Opening a case with its first signal, or adding a new signal to the pupil's open case; and route B, the staff
route: a signal about a suspected member of staff always goes to a route B case of its own (domain.md §9.3)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, deadlines, notify
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    Route,
    Signal,
    SuspectedStaff,
    Transition,
)
from cases.services.chronology import lock_case, save_entry, touch_case
from cases.services.transitions import fire_transition, signal_record
from schools.models import Membership, Pupil, School


@dataclass(frozen=True)
class Suspect:
    """A member of staff named as suspected: a colleague with an account, or a description (name and function) of
    someone without one."""

    staff_member: User | None = None
    description: str = ""


def _next_reference(school: School) -> str:
    year = timezone.localdate().year
    School.objects.select_for_update().filter(pk=school.pk).first()  # serialise numbering per school
    used = Case.objects.filter(school=school, reference__startswith=f"{year}-").values_list("reference", flat=True)
    highest = max((int(reference.split("-")[1]) for reference in used), default=0)
    return f"{year}-{highest + 1:03d}"


def case_open(
    *,
    user: User,
    school: School,
    pupils: Iterable[Pupil],
    route: str,
    signal: Signal,
    suspected: Iterable[Suspect] = (),
    linked_case: Case | None = None,
) -> Case:
    """Open a case with its first signal (step 1). The opener owns it until it is handed over; a route B case is
    owned at once by the aandachtsfunctionaris (or the board contact, when the aandachtsfunctionaris is suspected),
    and the persons named in ``suspected`` never get access to it."""
    pupils = list(pupils)
    suspected = list(suspected)
    if not pupils:
        raise ValidationError(_("Choose at least one pupil."))
    if route != Route.B and (suspected or linked_case is not None):
        raise ValidationError(_("A suspected member of staff is recorded only in a staff case (route B)."))
    allowed = set(perms.pupils_for_new_case(user, school.pk).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in pupils):
        raise PermissionDenied
    with transaction.atomic():
        case = Case(
            school=school,
            route=route,
            opened_by=user,
            owner=user,
            reference=_next_reference(school),
            linked_case=linked_case,
        )
        case.previous_case = previous_case_of(school=school, pupils=pupils)
        case.full_clean(exclude=["reference", "state", "linked_case"])
        case.save()
        case.pupils.set(pupils)
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"case {case.pk}")
        save_entry(user=user, case=case, entry=signal)
        Transition.objects.create(case=case, actor=user, name="open", from_state="", to_state=case.state)
        if route == Route.B:
            _name_suspects(user=user, case=case, suspected=suspected)
        access.case_sync_permissions(case)
        if route == Route.B:  # a staff member is suspected: the board must be informed at once
            fire_transition(user=user, case=case, name="start_route_b", check_permission=False)
            case.owner = access.route_b_owner(case)
            case.save(update_fields=["owner"])
            notify.route_b_notify(case=case, actor=user)
        else:
            deadlines.store_next_due(case)
    return case


def previous_case_of(*, school: School, pupils: list[Pupil]) -> Case | None:
    """The latest earlier case of these pupils at the school, closed ones too (domain.md §9.8: look back): a new case
    links to it. Who may see it is decided where it is shown (``selectors.earlier_cases``)."""
    return Case.objects.filter(school=school, pupils__in=pupils).order_by("-opened_at", "-pk").first()


def open_case_for_pupil(*, user: User, pupil: Pupil) -> Case | None:
    """The open case about this pupil that this user can add a signal to, if there is one. Never a route B case: a
    signal goes there only as a staff signal (``route_b_signal_submit``)."""
    return (
        perms.case_queryset_for_user(user, perms.ADD_SIGNAL)
        .filter(pupils=pupil)
        .exclude(state=CaseState.CLOSED)
        .exclude(route=Route.B)
        .order_by("-opened_at")
        .first()
    )


def signal_submit(
    *,
    user: User,
    school: School,
    pupil: Pupil,
    route: str,
    signal: Signal,
    suspected: Iterable[Suspect] = (),
) -> tuple[Case, bool]:
    """A new signal about a pupil (step 1). A signal about a suspected member of staff (route B) goes to a route B
    case (``route_b_signal_submit``). Any other is added to the pupil's open case that this user can add a signal
    to, if there is one; otherwise it opens a case on ``route``. Returns the case and whether it was opened."""
    suspected = [s for s in suspected if s.staff_member is not None or s.description.strip()]
    if route == Route.B:
        return route_b_signal_submit(user=user, school=school, pupil=pupil, signal=signal, suspected=suspected)
    if suspected:
        raise ValidationError(_("A suspected member of staff is recorded only in a staff case (route B)."))
    existing = open_case_for_pupil(user=user, pupil=pupil)
    if existing is not None:
        signal_record(user=user, case=existing, signal=signal)
        return existing, False
    return case_open(user=user, school=school, pupils=[pupil], route=route, signal=signal), True


def route_b_signal_submit(
    *, user: User, school: School, pupil: Pupil, signal: Signal, suspected: Iterable[Suspect]
) -> tuple[Case, bool]:
    """A signal that a member of staff is suspected (domain.md §9.3) is never lost in another case: it goes to the
    pupil's open route B case, or opens one, linked to the pupil's open case of route A or C if there is one. The
    person who reports it need not see either case (a teacher does not); whoever may report about the pupil may
    report this. Returns the case and whether it was opened."""
    suspected = list(suspected)
    if not suspected:
        raise ValidationError(
            _("Name the member of staff who is suspected: choose them, or give their name and function.")
        )
    if not perms.pupils_for_new_case(user, school.pk).filter(pk=pupil.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        # Not through the user's permissions: the reporter may not see the cases that the signal goes to or beside.
        open_cases = Case.objects.filter(school=school, pupils=pupil).exclude(state=CaseState.CLOSED)
        staff_case = open_cases.filter(route=Route.B).order_by("-opened_at").first()
        if staff_case is None:
            linked = open_cases.exclude(route=Route.B).order_by("-opened_at").first()
            case = case_open(
                user=user,
                school=school,
                pupils=[pupil],
                route=Route.B,
                signal=signal,
                suspected=suspected,
                linked_case=linked,
            )
            return case, True
        locked = lock_case(staff_case)
        save_entry(user=user, case=locked, entry=signal)
        _name_suspects(user=user, case=locked, suspected=suspected)
        access.case_sync_permissions(locked)
        _hand_over_if_suspected(locked)
        touch_case(locked)
    return locked, False


def route_b_suspect_name(*, user: User, case: Case, suspect: Suspect) -> SuspectedStaff | None:
    """The aandachtsfunctionaris or the board contact names (another) member of staff as suspected in a route B case:
    that person loses access at once, and the case moves to another owner if they owned it. None when that person
    was already named."""
    perms.require(user, perms.ROUTE_B, case)
    with transaction.atomic():
        locked = lock_case(case)
        if locked.route != Route.B:
            raise ValidationError(_("A suspected member of staff is recorded only in a staff case (route B)."))
        if locked.state == CaseState.CLOSED:
            raise ValidationError(_("The case is closed: nothing can be added."))
        named = _name_suspects(user=user, case=locked, suspected=[suspect])
        access.case_sync_permissions(locked)
        _hand_over_if_suspected(locked)
        touch_case(locked)
    return named[0] if named else None


def _name_suspects(*, user: User, case: Case, suspected: Iterable[Suspect]) -> list[SuspectedStaff]:
    """Record the suspected members of staff on a locked route B case. A colleague named who holds a role at the
    school is a conflict of interest: an audit row says so (their access goes with the next permission sync)."""
    already = access.suspected_staff_ids(case)
    saved = []
    for suspect in suspected:
        member = suspect.staff_member
        if member is not None:
            if not Membership.objects.filter(user=member, school_id=case.school_id).exists():
                raise ValidationError(_("Only a member of staff of this school can be chosen."))
            if member.pk in already:
                continue
            already.add(member.pk)
        entry = SuspectedStaff(staff_member=member, description=suspect.description.strip())
        save_entry(user=user, case=case, entry=entry)
        saved.append(entry)
        if member is not None:
            roles = sorted(
                Membership.objects.filter(user=member, school_id=case.school_id).values_list("role", flat=True)
            )
            audit_log(
                user=user,
                case=case,
                action=AuditEvent.Action.CONFLICT_OF_INTEREST,
                target=f"suspected staff {entry.pk}: no access ({', '.join(roles)})",
                subject_user=member,
            )
    return saved


def _hand_over_if_suspected(case: Case) -> None:
    """A route B case owned by a person now named as suspected goes to the aandachtsfunctionaris who is not, or else
    the board contact."""
    if case.owner_id is None or case.owner_id in access.suspected_staff_ids(case):
        case.owner = access.route_b_owner(case)
        case.save(update_fields=["owner"])
