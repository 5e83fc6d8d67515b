"""An e-mail backend that sends nothing itself: every message becomes an ``OutgoingMail`` (one per recipient),
queued in the caller's transaction and delivered by the worker with the ``delivery`` mailer. ``MAILERS["default"]``
in production and development, so Django's own ``send_mail`` (and any library's) is durable too.

Plain text only: the outbox keeps the subject, the text body and the sender; HTML alternatives, attachments and
extra headers are not kept (the application sends none)."""

from django.core.mail.backends.base import BaseEmailBackend

from outbox.services import queue_mail


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            for recipient in recipients:
                queue_mail(
                    to=recipient, subject=str(message.subject), body=str(message.body), from_email=message.from_email
                )
            count += 1
        return count
