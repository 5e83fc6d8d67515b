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
Without a token (a client that does not send one, or a service called directly) the block runs without
the guard."""

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


# A record the same as one this user stored on the same case this many minutes ago is the same form sent again.
REPEAT_MINUTES = 10
NOT_COMPARED = {"id", "recorded_at", "case", "author", "corrects"}


def _same_record_stored(user: User, case: Case, entry) -> bool:
    """Did ``user`` store a record of the same kind with the same content on ``case`` in the last minutes (other than
    ``entry`` itself)? Compares every field the form fills (not who, when or the case)."""
    model = type(entry)
    names = [f.attname for f in model._meta.concrete_fields if f.name not in NOT_COMPARED]
    since = timezone.now() - datetime.timedelta(minutes=REPEAT_MINUTES)
    mine = {name: getattr(entry, name) for name in names}
    earlier = model.objects.filter(case=case, author=user, recorded_at__gte=since).exclude(pk=entry.pk)
    return any(row == mine for row in earlier.values(*names))


@contextmanager
def submission_once(*, user: User, token: uuid.UUID | None, case: Case | None = None, entry=None):
    """The block stores the record of one submission of a form (see above). With ``entry`` (the record the block
    stores), a record of the same content stored by the same user on the same case in the last ``REPEAT_MINUTES``
    also counts as sent before: the browser may send the form again with a new token (back, then save: the page is
    fetched anew and the browser restores what was typed, with the new page's token)."""
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
        repeat = token is not None and entry is not None and sent.case is not None
        if repeat and _same_record_stored(user, sent.case, entry):
            raise AlreadySubmittedError(sent.case.pk)
        if claim is not None and sent.case is not None and claim.case_id != sent.case.pk:
            claim.case = sent.case
            claim.save(update_fields=["case"])


def submissions_forget(now: datetime.datetime | None = None) -> int:
    """Forget the tokens older than ``KEEP_DAYS``: a form kept open that long is sent as a new one."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    deleted, _counts = FormSubmission.objects.filter(at__lt=cutoff).delete()
    return deleted
