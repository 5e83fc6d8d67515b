"""Writes of the dossier: redactions and releases of the parent extract (domain.md §7), the legal hold (§6), the
parents' requests to see, copy or correct the file (§5). Each checks permission, writes in one transaction and leaves
an audit row; records that belong to the chronology are stored with ``cases.services``' helpers."""

import datetime
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from cases import chain
from cases import permissions as perms
from cases import selectors as case_selectors
from cases.audit import audit_log
from cases.models import AccessRequest, AccessRequestHandled, AuditEvent, Case, LegalHold
from cases.services.chronology import lock_case, save_entry, touch_case
from dossier import extract as extract_rules
from dossier import names_check, pdf
from dossier import selectors as dossier_selectors
from dossier.extract import ENTRY_MODELS
from dossier.models import (
    ExtractJob,
    ExtractRelease,
    Redaction,
    StaffDossierJob,
    StaffDossierRelease,
    StaffPurpose,
    staff_reference,
)
from schools.models import Guardian

# --- The parent extract ----------------------------------------------------------------------------


def redaction_record(*, user: User, case: Case, entry_type: str, entry_id: int, reason: str):
    """The aandachtsfunctionaris leaves an entry out of the parent extract because it could endanger someone."""
    perms.require(user, perms.REDACT, case)
    model = ENTRY_MODELS.get(entry_type)
    if model is None or not model.objects.filter(case=case, pk=entry_id).exists():
        raise ValidationError(_("Choose an entry of this case."))
    if not reason.strip():
        raise ValidationError(_("Give the reason why this could endanger someone."))
    with transaction.atomic():
        if Redaction.objects.filter(case=case, entry_type=entry_type, entry_id=entry_id, field="").exists():
            raise ValidationError(_("This entry is already left out of the extract."))
        redaction = Redaction.objects.create(
            case=case, entry_type=entry_type, entry_id=entry_id, reason=reason.strip(), approved_by=user
        )
        audit_log(user=user, case=case, action=AuditEvent.Action.CREATE, target=f"redaction {redaction.pk}")
    return redaction


NAME_LEFT_OUT = gettext_noop("it names another person (another pupil, a parent or carer, or a member of staff)")


def name_decisions_record(*, user: User, case: Case, decisions: list[tuple[str, int, str, int, int, str, bool, str]]):
    """The aandachtsfunctionaris decides about names of other people found in the extract's texts
    (``dossier.names_check``): each (entry_type, entry_id, field, start, end, words, kept, reason) is left out of the
    extract, or kept with the reason given. All or nothing, with one audit row."""
    perms.require(user, perms.REDACT, case)
    if not decisions:
        raise ValidationError(_("Choose for at least one name whether to leave it out or keep it."))
    if any(kept and not reason.strip() for *_rest, kept, reason in decisions):
        raise ValidationError(_("Give the reason for keeping a name in the extract."))
    with transaction.atomic():
        lock_case(case)
        taken = set(
            Redaction.objects.filter(case=case)
            .exclude(field="")
            .values_list("entry_type", "entry_id", "field", "start", "end")
        )
        rows = []
        for entry_type, entry_id, field, start, end, words, kept, reason in decisions:
            if (entry_type, entry_id, field, start, end) in taken:
                raise ValidationError(_("A decision about this name has already been recorded meanwhile."))
            rows.append(
                Redaction.objects.create(
                    case=case,
                    entry_type=entry_type,
                    entry_id=entry_id,
                    field=field,
                    start=start,
                    end=end,
                    text=words[:300],
                    kept=kept,
                    reason=reason.strip() if kept else _(NAME_LEFT_OUT),
                    approved_by=user,
                )
            )
        left_out = sum(not r.kept for r in rows)
        audit_log(
            user=user,
            case=case,
            action=AuditEvent.Action.CREATE,
            target=f"names in the extract: {left_out} left out, {len(rows) - left_out} kept",
        )
    return rows


def extract_release_record(
    *,
    user: User,
    case: Case,
    generated_at: datetime.datetime,
    checksum: str,
    included: int,
    left_out: int,
    pdf: bytes | None = None,
    chain_seq: int | None = None,
    chain_head: str = "",
    pupil=None,
    recipient: str = "",
):
    """Record a generated parent extract (who, when, checksum, the chain head it printed, the PDF, and to whom it is
    given) and its export in the audit trail."""
    perms.require(user, perms.EXTRACT, case)
    with transaction.atomic():
        release = ExtractRelease.objects.create(
            case=case,
            generated_by=user,
            generated_at=generated_at,
            checksum=checksum,
            included_count=included,
            left_out_count=left_out,
            pdf=pdf,
            chain_seq=chain_seq,
            chain_head=chain_head,
            pupil=pupil,
            recipient=recipient,
        )
        audit_log(
            user=user, case=case, action=AuditEvent.Action.EXPORT, target=f"parent extract {release.pk} {checksum[:16]}"
        )
    return release


def build_extract(case: Case, *, reader=None, pupil=None) -> extract_rules.Extract:
    """The case's parent extract from its data as it is now (the preview, and the worker when it renders); with a
    ``reader`` (the preview), less what the role table withholds from them (``cases.visibility``); with a ``pupil``
    (a case about several pupils), the extract for that pupil's parents."""
    data = dossier_selectors.case_extract_data(case=case)
    return extract_rules.build_extract(
        case=case,
        timeline=data.timeline,
        redactions=data.redactions,
        contact_persons=data.contact_persons,
        reader=reader,
        chain_head=chain.chain_head(case),
        pupil=pupil,
    )


def extract_pupil(case: Case, pupil_id) -> object | None:
    """The pupil whose parents receive the extract: one of the case's pupils. A case about one pupil needs no choice
    (``None``: its only pupil); a case about several pupils needs one, refused with a Dutch reason otherwise."""
    pupils = list(case.pupil_list) if hasattr(case, "pupil_list") else list(case.pupils.all())
    if pupil_id in (None, ""):
        if len(pupils) > 1:
            raise ValidationError(
                _("This case is about several pupils: choose the pupil whose parents receive the extract.")
            )
        return None
    found = next((p for p in pupils if str(p.pk) == str(pupil_id)), None)
    if found is None:
        raise ValidationError(_("Choose one of the pupils of this case."))
    return found if len(pupils) > 1 else None


def extract_recipient(case: Case, pupil, guardian_id) -> Guardian | None:
    """Who receives the extract (domain.md §9.6): a parent or carer with parental authority of the pupil it is about
    (``pupil``, or every pupil of the case). When the school recorded such a parent, one must be chosen; a parent
    without parental authority is refused, with the reason in Dutch. None when no parent with authority is recorded
    (the preview asks to check it before giving the extract)."""
    of = Guardian.objects.filter(pupil=pupil) if pupil is not None else Guardian.objects.filter(pupil__cases=case)
    guardians = list(of.order_by("name", "pk"))  # one query
    if guardian_id in (None, ""):
        if any(g.has_parental_authority for g in guardians):
            raise ValidationError(_("Choose the parent or carer with parental authority who receives the extract."))
        return None
    chosen = next((g for g in guardians if str(g.pk) == str(guardian_id)), None)
    if chosen is None:
        raise ValidationError(_("Choose a parent or carer of the pupil the extract is about."))
    if not chosen.has_parental_authority:
        raise ValidationError(
            _(
                "%(name)s has no parental authority and may not receive the extract: a parent without parental "
                "authority has a right to information about the child on request, not to the file."
            )
            % {"name": chosen.name}
        )
    return chosen


def extract_release_refusals(*, user: User, case: Case, extract: extract_rules.Extract | None = None) -> list[str]:
    """Why the extract of ``case`` cannot be released now (empty: it can): the one place for the checks before a
    release. Asked when the release is requested and again by the worker before it renders, so a check that starts
    failing in between still stops it. Today: a name of another person in the extract's texts that is neither left
    out nor kept with a reason (``names_check``)."""
    refusal = names_check.release_refusal(names_check.check_case(extract or build_extract(case)))
    return [refusal] if refusal else []


def extract_job_stale(job: ExtractJob) -> bool:
    """A job still "being prepared" long after it was requested: its task was lost (the worker stopped during the
    render). It may be retried; the worker does not finish it any more."""
    limit = datetime.timedelta(minutes=settings.MELDCODE_EXTRACT_TIMEOUT_MINUTES)
    return job.state == ExtractJob.State.PREPARING and timezone.now() - job.requested_at > limit


def finish_job(job: ExtractJob, *, failure: str = "", release: ExtractRelease | None = None, detail: str = "") -> None:
    job.state = ExtractJob.State.READY if release is not None else ExtractJob.State.FAILED
    job.failure, job.release, job.detail, job.finished_at = failure, release, detail, timezone.now()
    job.save(update_fields=["state", "failure", "release", "detail", "finished_at"])


def extract_job_run(*, job_id: int) -> ExtractJob | None:
    """The worker's part (``dossier.tasks.render_extract``): render the job's extract and store it as a release, or
    record why not. Checks again that the person who released it may still do so (they may have lost their role
    since), and the refusals; renders outside any transaction (it takes long), then stores the release with its PDF
    and marks the job ready in one transaction, only if the job is still being prepared (a retried or timed-out job
    is left alone). A failing render marks the job failed and raises, so that the queue records the error too."""
    job = ExtractJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.state != ExtractJob.State.PREPARING:
        return job
    try:
        return _extract_job_run(job)
    except DatabaseError as exc:
        # The release and its PDF were not stored (each write is one transaction): the database's disk full or
        # read-only, or the connection lost (PostgreSQL restarting). The job says why; while the database is away,
        # the worker tries that small write again for a few seconds (a restart takes about one). If it never comes
        # back, the job shows as failed once it has been preparing too long (``extract_job_stale``).
        failure = ExtractJob.Failure.STORAGE if storage_failed(exc) else ExtractJob.Failure.DATABASE
        _mark_failed(job, failure)
        raise


def _mark_failed(job: ExtractJob, failure: str, attempts: int = 15) -> None:
    for attempt in range(attempts):
        in_worker_loop = not connection.in_atomic_block  # a test runs the worker inside its own transaction
        if in_worker_loop:
            close_old_connections()  # a connection lost meanwhile is replaced
        try:
            ExtractJob.objects.filter(pk=job.pk, state=ExtractJob.State.PREPARING).update(
                state=ExtractJob.State.FAILED, failure=failure, finished_at=timezone.now()
            )
            return
        except DatabaseError:
            if not in_worker_loop or attempt == attempts - 1:
                return
            time.sleep(1)


# PostgreSQL's error classes for storage that cannot be written: insufficient resources (53: disk full, out of
# memory), a read-only transaction (25006, a standby or default_transaction_read_only), I/O errors (58030).
_STORAGE_CODES = ("53", "25006", "58030")


def storage_failed(exc: BaseException) -> bool:
    code = getattr(exc.__cause__, "pgcode", None) or ""
    return code.startswith(_STORAGE_CODES)


def _extract_job_run(job: ExtractJob) -> ExtractJob:
    user = job.requested_by
    try:
        case = case_selectors.case_get_for_user(user=user, case_id=job.case_id, perm=perms.EXTRACT)
    except (Http404, PermissionDenied):
        finish_job(job, failure=ExtractJob.Failure.NOT_ALLOWED)
        audit_log(user=user, case=job.case, action=AuditEvent.Action.DENIED, target=f"parent extract job {job.pk}")
        return job
    extract = build_extract(case, pupil=job.pupil)
    refusals = extract_release_refusals(user=user, case=case, extract=extract)
    if refusals:
        finish_job(job, failure=ExtractJob.Failure.REFUSED, detail=" ".join(str(r) for r in refusals))
        return job
    try:
        now = timezone.now()
        rendered = pdf.render_extract(extract=extract, generated_by=user, generated_at=now)
    except Exception:
        finish_job(job, failure=ExtractJob.Failure.RENDERING)
        raise
    with transaction.atomic():
        job = ExtractJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ExtractJob.State.PREPARING:
            return job
        release = extract_release_record(
            user=user,
            case=case,
            generated_at=now,
            checksum=rendered.checksum,
            included=len(extract.included),
            left_out=len(extract.left_out),
            pdf=rendered.pdf,
            chain_seq=extract.chain_seq,
            chain_head=extract.chain_head,
            pupil=job.pupil,
            recipient=job.recipient,
        )
        finish_job(job, release=release)
    return job


def extract_download(*, user: User, case: Case, release: ExtractRelease) -> bytes:
    """The PDF of a release, for a user who may release the case's extract; every download is in the audit trail."""
    perms.require(user, perms.EXTRACT, case)
    if release.case_id != case.pk or release.pdf is None:
        raise Http404
    audit_log(
        user=user,
        case=case,
        action=AuditEvent.Action.EXPORT,
        target=f"parent extract {release.pk} downloaded",
    )
    return bytes(release.pdf)


# --- Retention: the legal hold (domain.md §6) -------------------------------------------------------------------------


def legal_hold_set(*, user: User, case: Case, placed: bool, reason: str) -> LegalHold:
    """Place or lift the legal hold on a case (the aandachtsfunctionaris), with the reason; recorded in the
    chronology. While it is on, ``destroy_expired_cases`` leaves the case alone."""
    perms.require(user, perms.DECIDE, case)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    with transaction.atomic():
        locked = lock_case(case)
        if locked.legal_hold == placed:
            raise ValidationError(
                _("The legal hold is already on.") if placed else _("There is no legal hold to lift.")
            )
        hold = save_entry(user=user, case=locked, entry=LegalHold(placed=placed, reason=reason.strip()))
        locked.legal_hold = placed
        locked.save(update_fields=["legal_hold"])
    return hold


# --- The parents' requests to see, copy or correct the file (domain.md §5) -----------------------------------------


def access_request_record(*, user: User, case: Case, request: AccessRequest) -> AccessRequest:
    """Record a parent's request (the IB'er or the aandachtsfunctionaris). Also on a closed case: parents may ask
    as long as the file exists."""
    perms.require(user, perms.EXTRACT, case)
    with transaction.atomic():
        locked = lock_case(case)
        save_entry(user=user, case=locked, entry=request)
        touch_case(locked)
    return request


def access_request_handle(*, user: User, case: Case, handled: AccessRequestHandled) -> AccessRequestHandled:
    """Record how a parent's request was answered; the deadline then disappears."""
    perms.require(user, perms.EXTRACT, case)
    with transaction.atomic():
        locked = lock_case(case)
        if AccessRequestHandled.objects.filter(request_id=handled.request_id).exists():
            raise ValidationError(_("This request has already been answered."))
        save_entry(user=user, case=locked, entry=handled)
        touch_case(locked)
    return handled


# --- The staff dossier (issue 19) ----------------------------------------------------------------------------------


def staff_dossier_build(case: Case, *, as_of=None):
    """The staff dossier of ``case`` as it is now (the preview) or was at ``as_of`` (a release, verified again)."""
    from dossier import staff

    return staff.build_staff_dossier(case, as_of=as_of or timezone.now())


def staff_job_run(*, job_id: int) -> StaffDossierJob | None:
    """The worker's part (``tasks.render_staff_dossier``): as ``extract_job_run`` — check the permission again,
    render outside any transaction, then store the release with its PDF, its audit row (an export) and mark the
    job ready in one transaction."""
    job = StaffDossierJob.objects.select_related("requested_by", "case").filter(pk=job_id).first()
    if job is None or job.state != ExtractJob.State.PREPARING:
        return job
    user = job.requested_by
    try:
        case = case_selectors.case_get_for_user(user=user, case_id=job.case_id, perm=perms.STAFF_DOSSIER)
    except (Http404, PermissionDenied):
        finish_job(job, failure=ExtractJob.Failure.NOT_ALLOWED)
        audit_log(user=user, case=job.case, action=AuditEvent.Action.DENIED, target=f"staff dossier job {job.pk}")
        return job
    now = timezone.now()
    reference = staff_reference(case.reference, job.number)
    try:
        dossier = staff_dossier_build(case, as_of=now)
        rendered = pdf.render_staff_dossier(
            dossier=dossier,
            reference=reference,
            recipient=job.recipient,
            purpose=StaffPurpose(job.purpose).label,
            released_by=user,
            released_at=now,
            chain_head=chain.chain_head(case),
        )
    except Exception:
        finish_job(job, failure=ExtractJob.Failure.RENDERING)
        raise
    with transaction.atomic():
        job = StaffDossierJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ExtractJob.State.PREPARING:
            return job
        release = StaffDossierRelease.objects.create(
            case=case,
            number=job.number,
            reference=reference,
            recipient=job.recipient,
            purpose=job.purpose,
            released_by=user,
            released_at=now,
            checksum=rendered.checksum,
            content_version=pdf.STAFF_CONTENT_VERSION,
            record_count=len(dossier.items),
            encrypted=job.transfer_id is not None,
            transfer=job.transfer,
            pdf=rendered.pdf,
        )
        audit_log(
            user=user,
            case=case,
            action=AuditEvent.Action.EXPORT,
            target=f"staff dossier {reference} {rendered.checksum[:16]}",
        )
        finish_job(job, release=release)
    return job


def staff_download(*, user: User, case: Case, release: StaffDossierRelease) -> bytes:
    """The PDF of a staff dossier release, for the aandachtsfunctionaris; audited. A release for a school outside
    the board is downloaded only encrypted (``dossier.transfer.encrypted_download``)."""
    perms.require(user, perms.STAFF_DOSSIER, case)
    if release.case_id != case.pk or release.encrypted:
        raise Http404
    audit_log(
        user=user, case=case, action=AuditEvent.Action.EXPORT, target=f"staff dossier {release.reference} downloaded"
    )
    return bytes(release.pdf)
