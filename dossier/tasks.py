"""The dossier's background work, on the project's one task queue (Django's tasks framework with the database
backend of django-tasks-db; the worker is ``manage.py db_worker``; see ``docs/tasks.md``).

The parent extract: releasing it stores a job "being prepared" and enqueues ``render_extract``; the worker renders
the PDF and stores it with the release (``services.extract_job_run``). The request renders nothing: a large case's
PDF takes longer than a web request may last (issue 18).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.tasks import task
from django.utils.translation import gettext

from accounts.models import User
from cases import permissions as perms
from cases.models import Case
from cases.services.chronology import lock_case
from dossier import services
from dossier.models import ExtractJob, StaffDossierJob, StaffPurpose


@task
def render_extract(job_id: int) -> str:
    """Render a released parent extract to PDF and store it with its release (``services.extract_job_run``)."""
    job = services.extract_job_run(job_id=job_id)
    return job.state if job is not None else "missing"


def extract_release_request(*, user: User, case: Case, pupil=None, recipient_id=None) -> ExtractJob:
    """The aandachtsfunctionaris (or the IB'er) releases the parent extract: a job "being prepared" is stored and
    ``render_extract`` is enqueued. While a job of this case is being prepared, that job is returned instead of a
    second one; a job that has been preparing too long (its task was lost) is marked failed and a new one started.

    The task is enqueued inside the transaction that stores the job: the queue is a table of the same database, so
    the task and the job are committed together or not at all, and the worker cannot see the task before the job is
    committed (what ``transaction.on_commit`` gives, without the window in which a crash loses the task)."""
    perms.require(user, perms.EXTRACT, case)
    # A case about several pupils: each pupil's parents receive their own extract (``pupil``, required then).
    pupil = services.extract_pupil(case, pupil.pk if pupil is not None else None)
    # Given only to a parent or carer with parental authority (domain.md §9.6).
    recipient = services.extract_recipient(case, pupil, recipient_id)
    refusals = services.extract_release_refusals(
        user=user, case=case, extract=services.build_extract(case, pupil=pupil)
    )
    if refusals:
        raise ValidationError(refusals)
    with transaction.atomic():
        lock_case(case)
        running = (
            ExtractJob.objects.select_for_update()
            .filter(case=case, state=ExtractJob.State.PREPARING, pupil=pupil)
            .first()
        )
        if running is not None and not services.extract_job_stale(running):
            return running
        if running is not None:
            services.finish_job(running, failure=ExtractJob.Failure.TIMED_OUT)
        job = ExtractJob.objects.create(
            case=case,
            requested_by=user,
            pupil=pupil,
            recipient_guardian=recipient,
            recipient=str(recipient) if recipient is not None else "",
        )
        render_extract.enqueue(job_id=job.pk)
    return job


@task
def render_staff_dossier(job_id: int) -> str:
    """Render a released staff dossier to PDF and store it with its release (``services.staff_job_run``)."""
    job = services.staff_job_run(job_id=job_id)
    return job.state if job is not None else "missing"


def staff_release_request(*, user: User, case: Case, recipient: str, purpose: str, transfer=None) -> StaffDossierJob:
    """The aandachtsfunctionaris releases the staff dossier for ``recipient`` and ``purpose``: a job "being
    prepared" with the release's number is stored and ``tasks.render_staff_dossier`` enqueued, in one transaction
    (as the parent extract's release). While the same user's job for the same recipient and purpose is being
    prepared, that job is returned instead of a second one."""
    perms.require(user, perms.STAFF_DOSSIER, case)
    recipient = recipient.strip()
    if not recipient:
        raise ValidationError(gettext("Say for whom the staff dossier is."))
    if purpose not in StaffPurpose.values:
        raise ValidationError(gettext("Choose the purpose of the staff dossier."))
    with transaction.atomic():
        lock_case(case)
        running = (
            StaffDossierJob.objects.select_for_update()
            .filter(
                case=case,
                state=ExtractJob.State.PREPARING,
                requested_by=user,
                recipient=recipient,
                purpose=purpose,
                transfer=transfer,
            )
            .first()
        )
        if running is not None and not services.extract_job_stale(running):
            return running
        if running is not None:
            services.finish_job(running, failure=ExtractJob.Failure.TIMED_OUT)
        number = (StaffDossierJob.objects.filter(case=case).aggregate(n=Max("number"))["n"] or 0) + 1
        job = StaffDossierJob.objects.create(
            case=case, number=number, recipient=recipient, purpose=purpose, transfer=transfer, requested_by=user
        )
        render_staff_dossier.enqueue(job_id=job.pk)
    return job
