"""The one-time token of a form that stores a record (issue 15: "back + submit again added the same signal twice").

Every form that adds to a case's chronology carries a random token (``cases.forms.SubmissionMixin``). The service that
stores the record claims the token inside its transaction (``cases.services.submissions.submission_claim``): a row
here, unique on the token. A second submission of the same form — the back button, a double click, a slow network,
a retry — finds the token taken and stores nothing; the page says that it was already saved. A submission that fails
(a refused step, a rule of the record) rolls back its claim with everything else, so the corrected form can be sent
again. Not a record of the case: no content, only which user sent which form and the case it went to; forgotten
after ``KEEP_DAYS`` (``cases.tasks.forget_submissions``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEEP_DAYS = 30


class FormSubmission(models.Model):
    token = models.UUIDField(_("token"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")

    def __str__(self):
        return str(self.token)
