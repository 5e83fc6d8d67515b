"""A case that moves with its pupil to another school (issue 19; the meldcode's "warme overdracht", domain.md §7).

Within the board:

1. The aandachtsfunctionaris of the old school asks a school of the same board to take the case over
   (``transfer_request``), saying whether and when the parents were informed, or why not. Both schools get an audit
   row (``AuditEvent.school``).
2. The aandachtsfunctionaris of the new school sees it on the school's transfers page and accepts it
   (``transfer_accept``) or refuses it with a reason (``transfer_refuse``). Accepting links the case to the pupil at
   the new school: the pupil record that the new school's pupil import made (found by date of birth), or — when the
   import has not brought the pupil yet — a copy of the old school's record (name, date of birth, parents and
   carers) with the new school's pupil number, made by hand as part of the acceptance, so the next import matches it.
3. Acceptance is one locked transaction: the case's school, its pupils and its number (kept, unless the new school
   already used it: then the old school's BRIN is added), the chronology's record of the transfer
   (``TransferRecord``), the access (``cases.access.case_sync_permissions``: the old school's staff lose it at once,
   the new school's roles get it), and an audit row for each school. The chronology moves whole: its records are
   the case's, untouched. The old school keeps the ``CaseTransfer`` row — that the case was transferred, when, to
   whom, by whom — and sees it on its transfers page, without the case's content.

Outside the board (``transfer_outside``): the case stays; the staff dossier for "the next school" is released for
the receiving school (name and BRIN), the transfer recorded in the chronology, and the PDF is downloaded only
encrypted (``encrypted_copy``): AES-256 (pypdf), with a one-time password made for that download, shown once to
the aandachtsfunctionaris on the page that answers the request, to pass on by phone. The password is never stored
(not in a table, nor in the session, nor in the cache), never logged and never mailed: the encrypted copy is kept
with the transfer (so that the download link works), the password only lives in the one response. Asking again
makes a new copy with a new password; the earlier copy is replaced.
"""

import hashlib
import io
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from cases import access
from cases import permissions as perms
from cases.audit import audit_log
from cases.models import AuditEvent, Case, CaseTransfer, Route, TransferRecord
from cases.services.chronology import lock_case, save_entry, touch_case
from dossier import tasks
from dossier.models import StaffDossierJob, StaffDossierRelease, StaffPurpose
from schools.models import Guardian, Pupil, School

NOT_A_PUPIL = gettext_noop(
    "The pupil %(name)s is not (yet) a pupil of your school: choose the pupil, or take the record over."
)
COPY = "copy"  # accept with a copy of the old school's pupil record, made by hand

# The one-time password: 5 groups of 4 characters from an alphabet without look-alikes (no 0/O, 1/I/L), read out
# over the phone: 20 characters of 31 possibilities, about 99 bits.
PASSWORD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 5, 4


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _check_parents(informed_on, not_informed_reason: str) -> None:
    if informed_on is None and not not_informed_reason.strip():
        raise ValidationError(_("Say when the parents were informed of the transfer, or why not."))


def transfer_refusals(*, user: User, case: Case, to_school: School | None) -> list[str]:
    """Why ``case`` cannot be handed to ``to_school`` (within the board; None: outside) now; empty: it can."""
    refusals = []
    if case.route == Route.B:
        refusals.append(_("A case of the staff route stays with the school where the member of staff works."))
    if to_school is not None:
        if to_school.pk == case.school_id:
            refusals.append(_("Choose another school than the case's own."))
        elif to_school.board_id != case.school.board_id:
            refusals.append(
                _("That school is not of the same board: release the staff dossier for the next school instead.")
            )
    if CaseTransfer.objects.filter(case=case, state=CaseTransfer.State.REQUESTED).exists():
        refusals.append(_("A transfer of this case is already waiting for the new school."))
    return refusals


def board_schools(case: Case):
    """The schools a case can be handed to within the board: the other schools of its school's board."""
    return School.objects.filter(board_id=case.school.board_id).exclude(pk=case.school_id).order_by("name")


def transfer_request(
    *, user: User, case: Case, to_school: School, parents_informed_on=None, parents_not_informed_reason: str = ""
) -> CaseTransfer:
    """The aandachtsfunctionaris of the old school asks ``to_school`` (of the same board) to take the case over."""
    perms.require(user, perms.TRANSFER, case)
    _check_parents(parents_informed_on, parents_not_informed_reason)
    with transaction.atomic():
        locked = lock_case(case)
        refusals = transfer_refusals(user=user, case=locked, to_school=to_school)
        if refusals:
            raise ValidationError(refusals)
        transfer = CaseTransfer.objects.create(
            case=locked,
            kind=CaseTransfer.Kind.WITHIN_BOARD,
            from_school_id=locked.school_id,
            to_school=to_school,
            reference_before=locked.reference,
            requested_by=user,
            parents_informed_on=parents_informed_on,
            parents_not_informed_reason=parents_not_informed_reason.strip(),
        )
        for school in (case.school, to_school):
            audit_log(
                user=user,
                case=locked,
                action=AuditEvent.Action.TRANSFER_REQUESTED,
                school=school,
                target=f"transfer {transfer.pk}: {case.school.brin} → {to_school.brin}",
            )
    return transfer


def incoming_transfers(*, user: User, school_id: int):
    """The transfers waiting for the school (its aandachtsfunctionaris), oldest first."""
    return (
        CaseTransfer.objects.filter(to_school_id=school_id, state=CaseTransfer.State.REQUESTED)
        .select_related("case", "from_school", "requested_by")
        .order_by("requested_at", "pk")
    )


def school_transfers(*, school_id: int):
    """Every transfer from or to the school, newest first: what the old school keeps of a case it handed over."""
    from django.db.models import Q

    return (
        CaseTransfer.objects.filter(Q(from_school_id=school_id) | Q(to_school_id=school_id))
        .select_related("from_school", "to_school", "requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )


def transfer_for_receiver(*, user: User, transfer_id: int) -> CaseTransfer:
    """A transfer for the new school's aandachtsfunctionaris to decide on: 404 if it is not to a school where
    the user works (or not waiting any more), 403 if they work there in another role."""
    transfer = (
        CaseTransfer.objects.select_related("case", "case__school", "from_school", "to_school", "requested_by")
        .filter(pk=transfer_id, kind=CaseTransfer.Kind.WITHIN_BOARD)
        .first()
    )
    if transfer is None or transfer.to_school_id not in perms.school_ids_for_user(user):
        raise Http404
    if not perms.may_receive_transfers(user, transfer.to_school_id):
        raise PermissionDenied
    return transfer


def pupil_candidates(transfer: CaseTransfer) -> dict[int, list[Pupil]]:
    """Per pupil of the case: the current pupils of the new school with the same date of birth (the pupil record
    the new school's import made, if it has)."""
    pupils = list(transfer.case.pupils.all())
    found = Pupil.objects.filter(
        school_id=transfer.to_school_id,
        left_on__isnull=True,
        date_of_birth__in=[p.date_of_birth for p in pupils],
    ).select_related("class_group")
    return {p.pk: [c for c in found if c.date_of_birth == p.date_of_birth] for p in pupils}


def _copy_pupil(old: Pupil, school: School, number: str) -> Pupil:
    if Pupil.objects.filter(school=school, pupil_system_id=number).exists():
        raise ValidationError(
            _("The pupil number %(number)s is already used at this school: choose that pupil instead.")
            % {"number": number}
        )
    new = Pupil.objects.create(
        school=school,
        first_name=old.first_name,
        last_name=old.last_name,
        date_of_birth=old.date_of_birth,
        pupil_system_id=number,
    )
    Guardian.objects.bulk_create(
        [
            Guardian(
                pupil=new,
                name=g.name,
                relation=g.relation,
                has_parental_authority=g.has_parental_authority,
                phone=g.phone,
                email=g.email,
                address=g.address,
            )
            for g in old.guardians.all()
        ]
    )
    return new


def transfer_accept(*, user: User, transfer: CaseTransfer, pupils: dict[int, tuple[str, str]]) -> Case:
    """The new school's aandachtsfunctionaris accepts: ``pupils`` maps each pupil of the case (its id) to the
    choice made — a pupil of the new school (its id, as text) or ``COPY`` with the new school's pupil number."""
    if not perms.may_receive_transfers(user, transfer.to_school_id):
        raise PermissionDenied
    with transaction.atomic():
        transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.state != CaseTransfer.State.REQUESTED:
            raise ValidationError(_("This transfer has already been accepted or refused."))
        case = lock_case(transfer.case)
        old_school, new_school = School.objects.get(pk=transfer.from_school_id), transfer.to_school
        if case.school_id != old_school.pk or new_school.board_id != old_school.board_id:
            raise ValidationError(_("This case can no longer be transferred to your school."))
        old_pupils = list(case.pupils.all())
        new_pupils = []
        for old in old_pupils:
            choice, number = pupils.get(old.pk, ("", ""))
            if choice == COPY:
                if not number.strip():
                    raise ValidationError(_("Give the pupil's number at your school."))
                new_pupils.append(_copy_pupil(old, new_school, number.strip()))
                continue
            new = Pupil.objects.filter(school=new_school, pk=int(choice) if choice.isdigit() else 0).first()
            if new is None:
                raise ValidationError(_(NOT_A_PUPIL) % {"name": old})
            new_pupils.append(new)
        reference = case.reference
        if Case.objects.filter(school=new_school, reference=reference).exists():
            reference = f"{case.reference}-{old_school.brin}"[:20]
        case.school, case.reference, case.owner = new_school, reference, user
        case.save(update_fields=["school", "reference", "owner"])
        case.pupils.set(new_pupils)
        transfer.state, transfer.decided_by, transfer.decided_at = CaseTransfer.State.ACCEPTED, user, timezone.now()
        transfer.reference_after = reference
        transfer.save(update_fields=["state", "decided_by", "decided_at", "reference_after"])
        save_entry(
            user=user,
            case=case,
            entry=TransferRecord(
                transfer=transfer,
                kind=transfer.kind,
                from_school_name=old_school.name,
                to_school_name=new_school.name,
                to_brin=new_school.brin,
                requested_by_name=_name(transfer.requested_by),
                parents_informed_on=transfer.parents_informed_on,
                parents_not_informed_reason=transfer.parents_not_informed_reason,
            ),
        )
        touch_case(case)
        access.case_sync_permissions(case)
        for school in (old_school, new_school):
            audit_log(
                user=user,
                case=case,
                action=AuditEvent.Action.TRANSFER_ACCEPTED,
                school=school,
                target=f"transfer {transfer.pk}: {old_school.brin} → {new_school.brin}, {transfer.reference_before}",
            )
    return case


def transfer_refuse(*, user: User, transfer: CaseTransfer, reason: str) -> CaseTransfer:
    if not perms.may_receive_transfers(user, transfer.to_school_id):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Give the reason for refusing the transfer."))
    with transaction.atomic():
        transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.state != CaseTransfer.State.REQUESTED:
            raise ValidationError(_("This transfer has already been accepted or refused."))
        transfer.state, transfer.decided_by, transfer.decided_at = CaseTransfer.State.REFUSED, user, timezone.now()
        transfer.refusal_reason = reason.strip()
        transfer.save(update_fields=["state", "decided_by", "decided_at", "refusal_reason"])
        for school_id in (transfer.from_school_id, transfer.to_school_id):
            audit_log(
                user=user,
                case=transfer.case,
                action=AuditEvent.Action.TRANSFER_REFUSED,
                school=School.objects.get(pk=school_id),
                target=f"transfer {transfer.pk}",
            )
    return transfer


# --- Outside the board -------------------------------------------------------------------------------------------


def transfer_outside(
    *,
    user: User,
    case: Case,
    school_name: str,
    brin: str,
    parents_informed_on=None,
    parents_not_informed_reason: str = "",
) -> StaffDossierJob:
    """The pupil moves to a school outside the board: the transfer is recorded (to which school, its BRIN, when,
    by whom; in the chronology with whether the parents were informed) and the staff dossier for "the next school"
    is released for it (a job; its PDF is downloaded only encrypted)."""
    import re

    perms.require(user, perms.TRANSFER, case)
    perms.require(user, perms.STAFF_DOSSIER, case)
    school_name, brin = school_name.strip(), brin.strip().upper()
    if not school_name:
        raise ValidationError(_("Give the name of the new school."))
    if not re.fullmatch(r"[0-9]{2}[A-Z]{2}([0-9]{2})?", brin):
        raise ValidationError(_("Enter a BRIN code such as 12AB or 12AB00."))
    _check_parents(parents_informed_on, parents_not_informed_reason)
    refusals = transfer_refusals(user=user, case=case, to_school=None)
    if refusals:
        raise ValidationError(refusals)
    with transaction.atomic():
        locked = lock_case(case)
        transfer = CaseTransfer.objects.create(
            case=locked,
            kind=CaseTransfer.Kind.OUTSIDE_BOARD,
            state=CaseTransfer.State.SENT,
            from_school_id=locked.school_id,
            to_school_name=school_name,
            to_brin=brin,
            reference_before=locked.reference,
            requested_by=user,
            parents_informed_on=parents_informed_on,
            parents_not_informed_reason=parents_not_informed_reason.strip(),
        )
        save_entry(
            user=user,
            case=locked,
            entry=TransferRecord(
                transfer=transfer,
                kind=transfer.kind,
                from_school_name=case.school.name,
                to_school_name=school_name,
                to_brin=brin,
                requested_by_name=_name(user),
                parents_informed_on=parents_informed_on,
                parents_not_informed_reason=transfer.parents_not_informed_reason,
            ),
        )
        touch_case(locked)
        audit_log(
            user=user,
            case=locked,
            action=AuditEvent.Action.TRANSFER_REQUESTED,
            school=case.school,
            target=f"transfer {transfer.pk}: {case.school.brin} → {brin} (outside the board)",
        )
        job = tasks.staff_release_request(
            user=user,
            case=locked,
            recipient=f"{school_name} (BRIN {brin})",
            purpose=StaffPurpose.NEXT_SCHOOL,
            transfer=transfer,
        )
    return job


def one_time_password() -> str:
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_GROUP_LENGTH))
        for _g in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def encrypt_pdf(content: bytes, password: str) -> bytes:
    """``content`` encrypted with AES-256 (pypdf; needs ``cryptography``): opened only with ``password``. The owner
    password is random and forgotten at once."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(32), algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def transfer_release(*, case: Case, transfer_id: int) -> tuple[CaseTransfer, StaffDossierRelease | None]:
    transfer = CaseTransfer.objects.filter(pk=transfer_id, case=case, kind=CaseTransfer.Kind.OUTSIDE_BOARD).first()
    if transfer is None:
        raise Http404
    release = StaffDossierRelease.objects.filter(transfer=transfer).order_by("-released_at", "-pk").first()
    return transfer, release


def encrypted_copy(*, user: User, case: Case, transfer_id: int) -> tuple[CaseTransfer, str]:
    """Make the encrypted copy of the staff dossier released for a school outside the board, with a new one-time
    password: the copy is kept with the transfer (``EncryptedCopy``), the password is returned — to be shown once,
    in the response to this request, and then forgotten. Audited (an export), without the password."""
    perms.require(user, perms.STAFF_DOSSIER, case)
    transfer, release = transfer_release(case=case, transfer_id=transfer_id)
    if release is None:
        raise Http404
    password = one_time_password()
    encrypted = encrypt_pdf(bytes(release.pdf), password)
    from dossier.models import EncryptedCopy

    with transaction.atomic():
        EncryptedCopy.objects.filter(transfer=transfer).delete()
        EncryptedCopy.objects.create(
            transfer=transfer,
            release=release,
            made_by=user,
            pdf=encrypted,
            checksum=hashlib.sha256(encrypted).hexdigest(),
        )
        audit_log(
            user=user,
            case=case,
            action=AuditEvent.Action.EXPORT,
            target=f"staff dossier {release.reference} encrypted for {transfer.to_brin}",
        )
    return transfer, password


def encrypted_download(*, user: User, case: Case, transfer_id: int):
    perms.require(user, perms.STAFF_DOSSIER, case)
    transfer, release = transfer_release(case=case, transfer_id=transfer_id)
    from dossier.models import EncryptedCopy

    copy = EncryptedCopy.objects.filter(transfer=transfer).select_related("release").first()
    if copy is None:
        raise Http404
    audit_log(
        user=user,
        case=case,
        action=AuditEvent.Action.EXPORT,
        target=f"staff dossier {copy.release.reference} encrypted, downloaded",
    )
    return copy
