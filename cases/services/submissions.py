"""One submission of a form stores its record once (issue 15): the form's one-time token (``cases.forms``:
``SUBMISSION_FIELD``) is claimed in the transaction that stores the record.

    with services.submission_once(user=request.user, token=form.cleaned_data["submission"]) as sent:
        case, opened = services.signal_submit(...)
        sent.case = case

``submission_once`` opens the transaction and first inserts the token (``cases.models.FormSubmission``, unique on the
token), in a savepoint: a second submission of the same form finds it taken and raises ``AlreadySubmittedError``
(with the case the first one went to) before anything is stored; on PostgreSQL a second submission at the same
moment waits on the unique index until the first commits, and then finds it taken. Whatever fails inside the block
rolls the claim back with the record, so a refused form can be corrected and sent again with the same token.
Without a token (a client that does not send one) the block runs without the guard."""

import datetime
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, FormSubmission
from cases.models.submissions import KEEP_DAYS


class AlreadySubmittedError(Exception):
    """This form was sent before and its record stored: nothing was stored again."""

    def __init__(self, case_id: int | None):
        self.case_id = case_id
        super().__init__(_("This was already saved: it has not been recorded a second time."))


@dataclass
class Sent:
    """What the block tells the claim: the case the record went to (for a second submission's answer)."""

    case: Case | None = None


@contextmanager
def submission_once(*, user: User, token: uuid.UUID | None, case: Case | None = None):
    with transaction.atomic():
        sent = Sent(case=case)
        claim = None
        if token is not None:
            try:
                with transaction.atomic():
                    claim = FormSubmission.objects.create(token=token, user=user, case=case)
            except IntegrityError:
                earlier = FormSubmission.objects.filter(token=token).values_list("case_id", flat=True).first()
                raise AlreadySubmittedError(earlier) from None
        yield sent
        if claim is not None and sent.case is not None and claim.case_id != sent.case.pk:
            claim.case = sent.case
            claim.save(update_fields=["case"])


def submissions_forget(now: datetime.datetime | None = None) -> int:
    """Forget the tokens older than ``KEEP_DAYS``: a form kept open that long is sent as a new one."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    deleted, _counts = FormSubmission.objects.filter(at__lt=cutoff).delete()
    return deleted
