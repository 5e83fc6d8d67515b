"""Records about the children of a case (issue 17): the conversation with the child (domain.md §9.1), route C's
pupils and their part, and looking back at a pupil's earlier cases (§9.8), with the audit of listing them. Each
checks permission and the case's step, and stores on the locked case; a refusal changes nothing."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, selectors, workflow
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import AuditEvent, Case, CaseState, ChildConversation, LookBack, PupilInvolvement, Route
from cases.services.chronology import lock_case, save_entry, touch_case
from cases.services.errors import CaseClosedError, NotNowError
from schools.models import Pupil


def _locked_open(case: Case) -> Case:
    locked = lock_case(case)
    if locked.state == CaseState.CLOSED:
        raise CaseClosedError
    return locked


def child_conversation_record(
    *, user: User, case: Case, conversation: ChildConversation, corrects: ChildConversation | None = None
) -> ChildConversation:
    """The IB'er or the aandachtsfunctionaris records a conversation with the child: from step 2 until the decision,
    and while help is given or the safety monitored (``workflow``: the states that offer it). Not in route B: there
    the police hear the child."""
    perms.require(user, perms.TALK_PARENTS, case)
    with transaction.atomic():
        locked = _locked_open(case)
        if locked.state not in workflow.OFFERED_IN["childconversation"]:
            raise NotNowError(
                _(
                    "A conversation with the child is recorded from step 2 (consultation) until the decision, and "
                    "during help and monitoring; not in this step. A child's words told to you before that are a "
                    "signal of the kind 'the child's own words'."
                )
            )
        save_entry(user=user, case=locked, entry=conversation, corrects=corrects)
        touch_case(locked)
    return conversation


def pupil_involvement_record(
    *, user: User, case: Case, involvement: PupilInvolvement, corrects: PupilInvolvement | None = None
) -> PupilInvolvement:
    """Route C: a pupil involved and their part (the one it happened to, the one who did it, a witness). A pupil who
    is not yet in the case is added to it, and their class teachers get access to it (``access``). A pupil's part is
    recorded once; a change is a correction of it."""
    perms.require(user, perms.CONSULT, case)
    with transaction.atomic():
        locked = _locked_open(case)
        if locked.route != Route.C:
            raise NotNowError(
                _("Only a case of route C (behaviour between pupils) records several pupils with their part.")
            )
        if locked.state not in workflow.OFFERED_IN["involvement"]:
            raise NotNowError(_("The pupils involved are recorded up to the weighing's outcome, not in this step."))
        pupil = involvement.pupil
        if pupil.school_id != locked.school_id or pupil.left_on is not None:
            raise PermissionDenied
        if corrects is not None and corrects.pupil_id != pupil.pk:
            raise ValidationError(_("A correction is about the same pupil; record another pupil separately."))
        already = PupilInvolvement.objects.filter(case=locked, pupil=pupil, corrections__isnull=True)
        if corrects is None and already.exists():
            raise ValidationError(_("This pupil's part is already recorded: correct that record instead."))
        added = not locked.pupils.filter(pk=pupil.pk).exists()
        if added:
            locked.pupils.add(pupil)
        save_entry(user=user, case=locked, entry=involvement, corrects=corrects)
        if added:
            access.case_sync_permissions(locked)
        touch_case(locked)
    return involvement


def look_back_record(*, user: User, case: Case, look_back: LookBack, corrects: LookBack | None = None) -> LookBack:
    """The IB'er or the aandachtsfunctionaris records, for an earlier case of the pupil, whether its suspicion is
    confirmed or refuted by what is known now (domain.md §9.8)."""
    perms.require(user, perms.CONSULT, case)
    with transaction.atomic():
        locked = _locked_open(case)
        if locked.state not in workflow.OFFERED_IN["lookback"]:
            raise NotNowError(_("Looking back at earlier cases is recorded up to the weighing's outcome."))
        pupil_ids = [p.pk for p in locked.pupils.all()]
        earlier = {
            e.case.reference: e.case
            for e in selectors.earlier_cases(
                user=user, school_id=locked.school_id, pupil_ids=pupil_ids, exclude_case_id=locked.pk
            )
        }
        found = earlier.get(look_back.earlier_reference)
        if found is None:
            raise ValidationError({"earlier_reference": _("Choose one of the pupil's earlier cases.")})
        look_back.pupil = Pupil.objects.filter(cases=found, pk__in=pupil_ids).order_by("pk").first()
        save_entry(user=user, case=locked, entry=look_back, corrects=corrects)
        touch_case(locked)
    return look_back


def audit_earlier_cases(*, user: User, earlier: list, where: str) -> None:
    """Listing a pupil's earlier cases is a read of each of them: one audit row in each one's trail."""
    for item in earlier:
        audit_log(user=user, case=item.case, action=AuditEvent.Action.VIEW, target=f"listed as earlier case: {where}")
